//! A router that remembers its paths: the pages' routes are built through [`Routes`], so the
//! route property test (`tests/routes.rs`) reads every path the app serves from the app itself
//! and a new page is covered without editing the test.

use axum::Router;
use axum::routing::MethodRouter;

use crate::AppState;

/// Routes and the list of their paths (axum's `Router` does not list its routes).
#[derive(Default)]
pub struct Routes {
    router: Router<AppState>,
    paths: Vec<&'static str>,
}

impl Routes {
    /// No route yet.
    pub fn new() -> Routes {
        Routes::default()
    }

    /// Add `path`, served by `method_router` (as `Router::route`).
    #[must_use]
    pub fn route(mut self, path: &'static str, method_router: MethodRouter<AppState>) -> Routes {
        self.router = self.router.route(path, method_router);
        self.paths.push(path);
        self
    }

    /// Add the routes of `other` (as `Router::merge`).
    #[must_use]
    pub fn merge(mut self, other: Routes) -> Routes {
        self.router = self.router.merge(other.router);
        self.paths.extend(other.paths);
        self
    }

    /// The paths, in the order added.
    pub fn paths(&self) -> &[&'static str] {
        &self.paths
    }

    /// The router.
    pub fn into_router(self) -> Router<AppState> {
        self.router
    }
}

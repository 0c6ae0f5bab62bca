//! One module per area: handlers and their routes together.

use axum::Router;

use crate::AppState;

pub mod candidates;
pub mod dashboard;
pub mod orgs;

/// The routes of every page area (the dashboard at `/` is mounted by the app).
pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(candidates::routes())
        .merge(orgs::routes())
}

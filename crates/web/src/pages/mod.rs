//! One module per area: handlers and their routes together.

use axum::Router;

use crate::AppState;

pub mod alerts;
pub mod audit;
pub mod candidates;
pub mod dashboard;
pub mod members;
pub mod mentors;
pub mod orgs;
mod person_input;

/// The routes of every page area (the dashboard at `/` is mounted by the app).
pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(candidates::routes())
        .merge(orgs::routes())
        .merge(members::routes())
        .merge(alerts::routes())
        .merge(audit::routes())
        .merge(mentors::routes())
}

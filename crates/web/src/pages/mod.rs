//! One module per area: handlers and their routes together.

pub mod alerts;
pub mod audit;
pub mod candidates;
pub mod classes;
pub mod coverage;
pub mod dashboard;
pub mod documents;
pub mod downloads;
pub mod import;
pub mod members;
pub mod mentors;
pub mod orgs;
pub mod papers;
mod person_input;
pub mod picker;
pub mod plans;
pub mod reports;
pub mod setup;
pub mod verification;

/// The routes of every page area (the dashboard at `/` is mounted by the app).
pub fn routes() -> crate::routes::Routes {
    crate::routes::Routes::new()
        .merge(candidates::routes())
        .merge(classes::routes())
        .merge(documents::routes())
        .merge(downloads::routes())
        .merge(orgs::routes())
        .merge(papers::routes())
        .merge(members::routes())
        .merge(alerts::routes())
        .merge(audit::routes())
        .merge(mentors::routes())
        .merge(plans::routes())
        .merge(reports::routes())
        .merge(coverage::routes())
        .merge(import::routes())
        .merge(setup::routes())
        .merge(verification::routes())
}

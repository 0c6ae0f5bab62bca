//! The web app's integration tests, one binary (each module was its own test binary: one link, one copy of the app on disk).
//! Run one module's tests with a filter: `cargo nextest run -p <crate> <module>::`.

mod alerts;
mod api;
mod candidates;
mod classes;
mod common;
mod coverage;
mod documents;
mod exports;
mod first_run;
mod http;
mod import;
mod mass_org;
mod orgs;
mod papers;
mod plans;
mod postgres;
mod privilege;
mod queries;
mod reports;
mod roles;
mod routes;
mod verification;
mod words;

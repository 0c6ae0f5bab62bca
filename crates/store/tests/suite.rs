//! The store's integration tests, one binary (each module was its own test binary: one link, one copy of the store on disk).
//! Run one module's tests with a filter: `cargo nextest run -p <crate> <module>::`.

mod alert_queue;
mod audit_chains;
mod bulk_steps;
mod candidacies;
mod candidacies_property;
mod classes;
mod common;
mod counter_sum;
mod coverage;
mod demo;
mod export;
mod latest_steps;
mod lifecycle_world;
mod member_facets;
mod orgs_and_audit;
mod people_and_roster;
mod plans_and_users;
mod reports;
mod spells;
mod stamps;
mod tamper;
mod verification;

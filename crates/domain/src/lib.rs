//! ketnap-domain: the pure heart of ketnap.
//!
//! Organisations, people, the admission lifecycle and its rules, plans and quotas, alerts,
//! composition statistics and Vietnamese text. No I/O, no async, no database: the store records
//! and the web shows what this crate decides.

pub mod alerts;
pub mod calendar;
pub mod dates;
pub mod dossier;
pub mod forecast;
pub mod lifecycle;
pub mod limits;
pub mod numfmt;
pub mod org;
pub mod person;
pub mod plan;
pub mod rules;
pub mod stats;
pub mod text;

pub use rules::{RuleBook, RuleSet, Violation};

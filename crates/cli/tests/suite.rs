//! The command line's integration tests, one binary (each module was its own test binary: one link, one copy on disk).
//! Run one module's tests with a filter: `cargo nextest run -p <crate> <module>::`.

mod cli;
mod crash;
mod fuzz_bounded;
mod golive;
mod rules_command;

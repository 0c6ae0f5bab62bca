//! ketnap-io: what goes in and out of ketnap as files.
//!
//! - [`sheet`]: reading XLSX (calamine) and CSV (the `csv` crate) into rows of text, and writing
//!   rows back out, with formula-looking cells neutralised;
//! - [`import`]: the importer — every kind of list a real office brings (organisations, roster,
//!   people, candidates in flight, mentors, plans) turned into the same store writes the pages
//!   make, in one transaction, with a row-by-row report;
//! - [`lists`]: the exporter — the same columns the importer reads, so an export imports back.
//! - [`report`], [`export`], [`charts`]: the periodic report of a subtree, laid out once as a
//!   [`export::Document`] and written as XLSX and CSV, with its server-rendered SVG charts.

pub mod charts;
pub mod export;
pub mod import;
pub mod lists;
pub mod paper;
pub mod report;
pub mod sheet;

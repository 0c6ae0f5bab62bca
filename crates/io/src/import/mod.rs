//! The importer: the lists a real office already keeps (organisation tree, roster, people holding
//! posts, candidates in flight, mentors, plan targets) brought in from XLSX or CSV.
//!
//! One file is one batch. Its rows are read ([`crate::sheet`]), their columns recognised by
//! heading ([`columns`]), every value parsed; then every row is written through the same store
//! functions the pages use (events, projections, counters, audit), in **one transaction**. Any
//! problem anywhere — a bad date, an unknown organisation code, a duplicate ID number in the file
//! or the database, an organisation outside the importer's scope, a step the rules refuse — is
//! reported by row and column in Vietnamese, and nothing is written. A dry run (the preview) does
//! all of it and rolls back.

pub mod columns;
mod orgs;
mod people;
mod plans;
mod steps;
pub mod template;
pub use steps::consent_text;

use std::collections::HashMap;

use jiff::civil::Date;
use ketnap_domain::RuleBook;
use ketnap_store::{Scope, Store, StoreError, WriteCtx};
use serde::Serialize;

use crate::sheet::{self, Limits, RawRow, SheetError};
pub use columns::Column;
pub use template::template;

/// What a file holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// The organisation tree, residential units and mass organisations.
    Orgs,
    /// The roster: members with their dates, card numbers and posts.
    Members,
    /// People who are not members (holders of posts in residential units).
    People,
    /// Candidates in flight, with the dates of the steps already taken.
    Candidates,
    /// Mentors assigned to candidates already recorded.
    Mentors,
    /// Plan targets.
    Plans,
}

impl Kind {
    /// Every kind, in the order an office brings them in.
    pub const ALL: [Kind; 6] = [
        Kind::Orgs,
        Kind::Members,
        Kind::People,
        Kind::Candidates,
        Kind::Mentors,
        Kind::Plans,
    ];

    /// The code used on the command line, in URLs and in the API.
    pub fn code(self) -> &'static str {
        match self {
            Kind::Orgs => "orgs",
            Kind::Members => "members",
            Kind::People => "people",
            Kind::Candidates => "candidates",
            Kind::Mentors => "mentors",
            Kind::Plans => "plans",
        }
    }

    /// The kind of a code.
    pub fn from_code(code: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.code() == code)
    }

    /// The list's name in Vietnamese.
    pub fn label_vi(self) -> &'static str {
        match self {
            Kind::Orgs => "Tổ chức đảng, thôn, tổ dân phố và đoàn thể",
            Kind::Members => "Danh sách đảng viên",
            Kind::People => "Người giữ chức vụ ở thôn, tổ dân phố",
            Kind::Candidates => "Quần chúng đang trong quy trình kết nạp",
            Kind::Mentors => "Phân công đảng viên giúp đỡ",
            Kind::Plans => "Chỉ tiêu kế hoạch",
        }
    }

    /// The columns of the list.
    pub fn columns(self) -> Vec<Column> {
        columns::of(self)
    }
}

/// One problem found in a file: where (the spreadsheet row and the column heading) and what.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// The row as Excel numbers it (the header row's number for a missing column).
    pub line: u32,
    /// The column's heading, when the problem is in one cell.
    pub column: Option<String>,
    /// What is wrong, in Vietnamese.
    pub message_vi: String,
    /// The rule broken (`rule_id`) and its citation, when a rule refused the row.
    pub rule: Option<String>,
}

/// What an import did, or would do.
#[derive(Clone, Debug, Serialize)]
pub struct Outcome {
    /// The kind of list.
    pub kind: Kind,
    /// Data rows read.
    pub rows: usize,
    /// Every problem; when there is any, nothing was written.
    pub problems: Vec<Problem>,
    /// Whether the rows were written (not a dry run and no problem).
    pub committed: bool,
    /// A preview: everything checked, nothing kept.
    pub dry_run: bool,
    /// What the rows make, e.g. ("Đảng viên", 7000).
    pub summary: Vec<(String, usize)>,
    /// What the importer wants the user to know before committing, in Vietnamese; it blocks
    /// nothing (e.g. probationary members whose admission dossier is not in the file).
    pub notices: Vec<String>,
}

impl Outcome {
    /// No problem.
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// How to import.
#[derive(Clone, Debug)]
pub struct Options {
    /// Check everything and keep nothing.
    pub dry_run: bool,
    /// The file's name, for the batch record.
    pub file_name: String,
    /// Limits on what is read.
    pub limits: Limits,
}

/// The importer failed as a whole (the file cannot be read, the database failed).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file cannot be read.
    #[error("file: {0}")]
    Sheet(#[from] SheetError),
    /// The database failed.
    #[error("store: {0}")]
    Store(#[from] StoreError),
}

impl ImportError {
    /// What to tell the user, in Vietnamese.
    pub fn message_vi(&self) -> String {
        match self {
            ImportError::Sheet(e) => e.message_vi(),
            ImportError::Store(e) => e.message_vi(),
        }
    }
}

/// Progress of a long import: rows done out of rows in all.
pub type Progress<'a> = &'a (dyn Fn(usize, usize) + Send + Sync);

/// A row with its columns resolved.
pub(crate) struct Rec<'a> {
    pub line: u32,
    cells: &'a [String],
    map: &'a HashMap<&'static str, usize>,
}

impl<'a> Rec<'a> {
    /// The cell of column `key` (empty when the file has no such column).
    pub fn get(&self, key: &str) -> &'a str {
        self.map
            .get(key)
            .and_then(|&i| self.cells.get(i))
            .map_or("", |s| s.as_str())
    }
}

/// Problems of one batch, with the column headings of its kind.
pub(crate) struct Problems {
    headings: HashMap<&'static str, &'static str>,
    pub list: Vec<Problem>,
    /// Non-blocking notes for the preview ([`Outcome::notices`]).
    pub notices: Vec<String>,
}

impl Problems {
    fn new(kind: Kind) -> Problems {
        Problems {
            headings: kind.columns().iter().map(|c| (c.key, c.heading)).collect(),
            list: Vec::new(),
            notices: Vec::new(),
        }
    }

    /// A problem in the cell of `key` on `line`.
    pub fn at(&mut self, line: u32, key: &str, message_vi: impl Into<String>) {
        let column = self.headings.get(key).map(|h| (*h).to_string());
        self.list.push(Problem {
            line,
            column,
            message_vi: message_vi.into(),
            rule: None,
        });
    }

    /// A problem with the row as a whole.
    pub fn row(&mut self, line: u32, message_vi: impl Into<String>) {
        self.list.push(Problem {
            line,
            column: None,
            message_vi: message_vi.into(),
            rule: None,
        });
    }

    /// A store refusal of the row: every violation with its rule and citation, or the message.
    pub fn store(&mut self, line: u32, key: Option<&str>, e: &StoreError) {
        let column = key
            .and_then(|k| self.headings.get(k))
            .map(|h| (*h).to_string());
        match e {
            StoreError::Refused(vs) => {
                for v in vs {
                    self.list.push(Problem {
                        line,
                        column: column.clone(),
                        message_vi: v.message_vi.clone(),
                        rule: Some(format!("{} ({})", v.rule_id, v.citation)),
                    });
                }
            }
            other => self.list.push(Problem {
                line,
                column,
                message_vi: other.message_vi(),
                rule: None,
            }),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }
}

/// Whether a heading is one of `kind`'s columns.
fn column_of(columns: &[Column], heading: &str) -> Option<&'static str> {
    let folded = sheet::fold_heading(heading);
    if folded.is_empty() {
        return None;
    }
    columns.iter().find_map(|c| {
        let hit = sheet::fold_heading(c.heading) == folded
            || c.aliases.iter().any(|a| sheet::fold_heading(a) == folded);
        hit.then_some(c.key)
    })
}

#[allow(clippy::too_many_arguments)]
/// Read `bytes` as a list of `kind` and write it through the store as `scope` (the CLI passes
/// [`Scope::system`]), in one transaction: all rows or none. A row outside the scope, or any
/// other problem, is reported and nothing is written. `progress` is called as rows are written.
pub async fn import(
    store: &Store,
    book: &RuleBook,
    scope: &Scope,
    ctx: &WriteCtx,
    kind: Kind,
    bytes: &[u8],
    options: &Options,
    progress: Progress<'_>,
) -> Result<Outcome, ImportError> {
    let columns = kind.columns();
    let raw = sheet::read_rows(bytes, &options.limits)?;
    let table = sheet::split_header(raw, |h| column_of(&columns, h).is_some())?;
    let mut problems = Problems::new(kind);
    let mut map: HashMap<&'static str, usize> = HashMap::new();
    for (i, h) in table.headers.iter().enumerate() {
        if let Some(key) = column_of(&columns, h) {
            map.entry(key).or_insert(i);
        }
    }
    for c in columns.iter().filter(|c| c.required) {
        if !map.contains_key(c.key) {
            problems.row(
                table.header_line,
                format!("Thiếu cột “{}” (bắt buộc).", c.heading),
            );
        }
    }
    let rows: Vec<Rec<'_>> = table
        .rows
        .iter()
        .map(|r: &RawRow| Rec {
            line: r.line,
            cells: &r.cells,
            map: &map,
        })
        .collect();
    for r in &rows {
        for c in columns.iter().filter(|c| c.required) {
            if map.contains_key(c.key) && r.get(c.key).trim().is_empty() {
                problems.at(r.line, c.key, format!("Chưa có “{}”.", c.heading));
            }
        }
    }
    let mut outcome = Outcome {
        kind,
        rows: rows.len(),
        problems: Vec::new(),
        committed: false,
        dry_run: options.dry_run,
        summary: Vec::new(),
        notices: Vec::new(),
    };
    if rows.is_empty() {
        problems.row(
            table.header_line,
            "Tệp không có dòng dữ liệu nào dưới dòng tiêu đề.",
        );
    }
    if !problems.is_empty() {
        outcome.problems = problems.list;
        return Ok(outcome);
    }
    let mut tx = store.begin().await?;
    let batch = ketnap_store::setup::begin_import(
        &mut tx,
        ctx,
        kind.code(),
        &options.file_name,
        rows.len(),
    )
    .await?;
    let ctx = ctx.imported(batch);
    let today = ctx.today();
    let w = Writer {
        book,
        scope,
        ctx: &ctx,
        today,
        dry_run: options.dry_run,
        progress,
        total: rows.len(),
    };
    let summary = match kind {
        Kind::Orgs => orgs::write(&mut tx, &w, &rows, &mut problems).await?,
        Kind::Members => people::write_members(&mut tx, &w, &rows, &mut problems).await?,
        Kind::People => people::write_people(&mut tx, &w, &rows, &mut problems).await?,
        Kind::Candidates => steps::write_candidates(&mut tx, &w, &rows, &mut problems).await?,
        Kind::Mentors => steps::write_mentors(&mut tx, &w, &rows, &mut problems).await?,
        Kind::Plans => plans::write(&mut tx, &w, &rows, &mut problems).await?,
    };
    problems.list.sort_by_key(|p| p.line);
    outcome.summary = summary;
    outcome.problems = problems.list;
    outcome.notices = problems.notices;
    if outcome.problems.is_empty() && !options.dry_run {
        tx.commit().await?;
        outcome.committed = true;
    }
    // Otherwise the transaction is dropped: rolled back, nothing kept.
    Ok(outcome)
}

/// What every kind's writer needs.
pub(crate) struct Writer<'a> {
    pub book: &'a RuleBook,
    pub scope: &'a Scope,
    pub ctx: &'a WriteCtx,
    pub today: Date,
    /// A preview: a writer whose checks do not need the rows written may stop before writing.
    pub dry_run: bool,
    progress: Progress<'a>,
    total: usize,
}

impl Writer<'_> {
    /// Report `done` rows written.
    pub fn done(&self, done: usize) {
        if done.is_multiple_of(200) || done == self.total {
            (self.progress)(done, self.total);
        }
    }
}

/// Whether a store error is the row's (reported on it) rather than the database's (fatal).
pub(crate) fn user_error(e: &StoreError) -> bool {
    !matches!(
        e,
        StoreError::Db(_) | StoreError::Migrate(_) | StoreError::Corrupt(_)
    )
}

/// "có" / "không" as offices write them (x, 1, yes…); `None` for anything else.
pub(crate) fn yes_no(s: &str) -> Option<bool> {
    match sheet::fold_heading(s).as_str() {
        "" | "khong" | "k" | "0" | "no" | "false" | "chua" => Some(false),
        "co" | "x" | "1" | "yes" | "true" | "da" | "roi" => Some(true),
        _ => None,
    }
}

/// An organisation kind as offices name it ("Huyện ủy", "Đảng ủy xã", "Chi bộ" with the sector
/// "Trường học") or by its stored code (`grassroots:commune`).
pub fn parse_org_kind(kind: &str, sector: &str) -> Option<ketnap_domain::org::OrgKind> {
    orgs::org_kind(kind, sector)
}

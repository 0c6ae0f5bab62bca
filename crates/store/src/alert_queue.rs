//! The alert queue (issue 19): every open candidacy's alerts as of a day, kept as rows
//! (`alert_due`: kind, rank, status, due date, who acts) so that a view reads the most urgent
//! alerts of its scope through the `(cell_id, status, rank, due)` index instead of parsing every
//! candidacy of the scope.
//!
//! Alerts depend on the day (a deadline turns overdue, a validity starts to lapse, a month ends
//! without a mentor note), so the rows are "as of" a day, recorded in `alert_pass` with the
//! fingerprint of the rule book that computed them:
//! - a step, an opening and a mentor note rewrite their candidacy's rows in their own transaction
//!   ([`write`], as of the write's day);
//! - the daily pass ([`daily_pass`]: the server runs it at start and when the day changes)
//!   rewrites every open candidacy's rows, then records the day;
//! - a read uses the rows only when they are of today and of the same rule book ([`fresh`]);
//!   otherwise it computes the alerts as before (`candidacies::alerts_under`), so an answer is
//!   never stale — only slower until the pass has run.
//!
//! The messages are not stored: the page's candidacies are read again and their alerts computed
//! ([`ketnap_domain::alerts::alerts`]), so a message is always the domain's own words.
//!
//! The overdue rows are also counted, per cell and summed per subtree, as counters (period
//! [`ALERT_PERIOD`], metrics `overdue` and `overdue_acts`: [`overdue_deltas`]), moved by every
//! write of the rows (the deleted rows taken away, the inserted added) in the same transaction:
//! the dashboard's overdue figures for a scope of any size are a few rows
//! ([`for_dashboard`]); `ketnap rebuild` compares them with the rows counted.

use std::collections::BTreeMap;

use jiff::civil::Date;
use ketnap_domain::alerts::{Actor, Alert, AlertKind, AlertStatus, alerts};
use ketnap_domain::lifecycle::Candidacy;
use ketnap_domain::rules::RuleBook;
use sha2::{Digest, Sha256};

use crate::bulk::Val;
use crate::candidacies::CandidacyAlert;
use crate::{Conn, Engine, Result, Role, Scope, Store, StoreError, Tx, d};

/// The fingerprint of a rule book (its versions and calendar), stored with the pass: rows
/// computed under other rules are not used.
///
/// Every dashboard and alert view checks it ([`fresh`]): the last book's fingerprint is kept and
/// reused while the book is equal to it (a comparison of values; writing the book out and
/// hashing it was a tenth of the dashboard's CPU).
pub fn book_fingerprint(book: &RuleBook) -> String {
    static LAST: std::sync::Mutex<Option<(RuleBook, String)>> = std::sync::Mutex::new(None);
    let mut last = LAST
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some((kept, fingerprint)) = last.as_ref()
        && kept == book
    {
        return fingerprint.clone();
    }
    let fingerprint = book_fingerprint_computed(book);
    *last = Some((book.clone(), fingerprint.clone()));
    fingerprint
}

/// [`book_fingerprint`] computed: the book written out (`Debug`) and hashed.
fn book_fingerprint_computed(book: &RuleBook) -> String {
    let digest = Sha256::digest(format!("{book:?}").as_bytes());
    digest.iter().take(12).map(|b| format!("{b:02x}")).collect()
}

/// The code of an alert's kind and its key among the candidacy's alerts (a month's missing note
/// and a verification request are one alert each).
pub fn kind_key(kind: &AlertKind) -> (&'static str, String) {
    let code = kind_code(kind);
    let key = match kind {
        AlertKind::MentorNoteMissing { year, month } => format!("{code}:{year}-{month:02}"),
        AlertKind::VerificationStalled { request_no } => format!("{code}:{request_no}"),
        _ => code.to_string(),
    };
    (code, key)
}

/// The code of an alert's kind, the one the alert list filters by.
pub fn kind_code(kind: &AlertKind) -> &'static str {
    match kind {
        AlertKind::DecisionWindow => "decision",
        AlertKind::GrassrootsReview => "grassroots_review",
        AlertKind::CeremonyWindow => "ceremony",
        AlertKind::MemberBackground => "member_background",
        AlertKind::ProbationEnding => "probation_ending",
        AlertKind::RecognitionWindow => "recognition",
        AlertKind::RecognitionDecisionWindow => "recognition_decision",
        AlertKind::MentorNoteMissing { .. } => "mentor_note",
        AlertKind::VerificationStalled { .. } => "verification",
        AlertKind::CertificateExpiring => "certificate",
        AlertKind::BackgroundExpiring => "background",
        AlertKind::CommentsExpiring => "comments",
    }
}

/// The counters' period of the overdue alert rows ([`overdue_deltas`]).
pub const ALERT_PERIOD: &str = "alert";

/// The counter deltas of alert rows of `cell_id` with `status` and `rank` added (`sign` +1) or
/// removed (−1): an overdue row counts in `overdue`, and in `overdue_acts` when it is a decision,
/// a vote, the ceremony or the verification ([`AlertKind::rank`] ≤ 5).
pub(crate) fn overdue_deltas(
    cell_id: i64,
    status: i64,
    rank: i64,
    sign: i64,
) -> Vec<crate::counters::CounterDelta> {
    if status != 0 {
        return Vec::new();
    }
    let metrics: &[&str] = if rank <= 5 {
        &["overdue", "overdue_acts"]
    } else {
        &["overdue"]
    };
    metrics
        .iter()
        .map(|m| crate::counters::CounterDelta {
            org_id: cell_id,
            period: ALERT_PERIOD.to_string(),
            metric: (*m).to_string(),
            delta: sign,
        })
        .collect()
}

fn status_no(s: AlertStatus) -> i64 {
    match s {
        AlertStatus::Overdue => 0,
        AlertStatus::DueSoon => 1,
        AlertStatus::Upcoming => 2,
    }
}

/// The rows of one candidacy's alerts (`found`, as of the day), one per kind key.
fn rows_of(candidacy_id: i64, cell_id: i64, found: &[Alert], out: &mut Vec<Vec<Val>>) {
    let mut keys = std::collections::BTreeSet::new();
    for a in found {
        let (code, key) = kind_key(&a.kind);
        // A candidacy's alerts with the same key (never, by construction): keep the first.
        if !keys.insert(key.clone()) {
            continue;
        }
        out.push(vec![
            Val::Int(Some(candidacy_id)),
            Val::Int(Some(cell_id)),
            Val::Text(Some(key)),
            Val::Text(Some(code.to_string())),
            Val::Int(Some(i64::from(a.kind.rank()))),
            Val::Int(Some(status_no(a.status))),
            Val::Date(Some(d(a.due))),
            Val::Text(Some(a.actor.code().to_string())),
        ]);
    }
}

/// The overdue counts one alert row of [`rows_of`] adds (`sign` 1) or takes away (−1).
fn row_deltas(row: &[Val], sign: i64) -> Vec<crate::counters::CounterDelta> {
    match (row.get(1), row.get(4), row.get(5)) {
        (Some(Val::Int(Some(cell))), Some(Val::Int(Some(rank))), Some(Val::Int(Some(status)))) => {
            overdue_deltas(*cell, *status, *rank, sign)
        }
        _ => Vec::new(),
    }
}

/// Insert alert rows, many per statement, counting the overdue ones.
async fn insert_rows(tx: &mut Tx, rows: &[Vec<Val>]) -> Result<()> {
    let deltas: Vec<_> = rows.iter().flat_map(|r| row_deltas(r, 1)).collect();
    crate::counters::apply(tx, &deltas).await?;
    crate::bulk::insert(
        tx,
        "INSERT INTO alert_due (candidacy_id, cell_id, kind_key, kind, rank, status, due, actor)",
        8,
        rows,
    )
    .await
}

/// A candidacy's alerts as of `today`: none once it has left the pipeline for good (a
/// terminal stage, as the computed path reads only open candidacies).
fn alerts_of(state: &Candidacy, book: &RuleBook, notes: &[(i16, i8)], today: Date) -> Vec<Alert> {
    if state.stage.is_none_or(|s| s.is_terminal()) {
        return Vec::new();
    }
    alerts(state, book, notes, today)
}

/// A candidacy's state waiting for its alert rows ([`flush`]).
pub(crate) struct PendingAlerts {
    cell_id: i64,
    state: Candidacy,
    today: Date,
    /// Its rows and mentor notes as the transaction found them, when read with the write's own
    /// row ([`Stored`]).
    stored: Option<Stored>,
}

/// A candidacy's alert rows and mentor notes as stored, read with a step's row (issue 19, B4: a
/// step rewrote its rows in three round trips — its notes read, its rows deleted, the new
/// inserted — though most steps leave them as they were).
///
/// On SQLite the rows too: they are rewritten only when they change, the old deleted only when
/// there are some. The single writer makes the read the state the commit's [`flush`] writes over
/// (nothing in a step's transaction writes alert rows between its read and its flush).
/// PostgreSQL's daily pass may rewrite a candidacy's rows between the step's read and the lock its
/// update takes: there the rows are not read with the step's row (`rows` is `None`) but compared
/// with the new ones by the statement that writes them ([`write_compared`]), after the lock.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Stored {
    /// Each row as [`fingerprint`] writes it, sorted (SQLite).
    rows: Option<Vec<String>>,
    /// The months with a note.
    notes: Vec<(i16, i8)>,
}

/// A row's values in one text (`|` between them; no value holds one): the SQL of
/// [`stored_select`] and [`fingerprint`] write the same text for the same row.
const FINGERPRINT_SQL: &str = "CAST(a.cell_id AS TEXT) || '|' || a.kind_key || '|' || a.kind || '|' \
    || CAST(a.rank AS TEXT) || '|' || CAST(a.status AS TEXT) || '|' || CAST(a.due AS TEXT) || '|' \
    || a.actor";

/// The select list of [`Stored`] over candidacy `c` (columns `alert_rows`, `note_months`; the
/// rows a typed empty column on PostgreSQL, see [`Stored`]).
pub(crate) fn stored_select(engine: Engine, c: &str) -> String {
    let rows = match engine {
        Engine::Sqlite => format!(
            "(SELECT {} FROM alert_due a WHERE a.candidacy_id = {c}.candidacy_id)",
            crate::dialect::string_agg(engine, FINGERPRINT_SQL, ";", "a.kind_key")
        ),
        Engine::Postgres => "CAST(NULL AS TEXT)".to_string(),
    };
    format!(
        "{rows} AS alert_rows, \
         (SELECT {} FROM mentor_note n WHERE n.candidacy_id = {c}.candidacy_id) AS note_months",
        crate::dialect::string_agg(
            engine,
            "CAST(n.year * 100 + n.month AS TEXT)",
            ",",
            "n.year, n.month"
        )
    )
}

impl Stored {
    /// The columns of [`stored_select`]; `None` where they are not read.
    pub(crate) fn parse(
        engine: Engine,
        alert_rows: Option<&str>,
        note_months: Option<&str>,
    ) -> Result<Option<Stored>> {
        let rows = (engine == Engine::Sqlite).then(|| {
            let mut rows: Vec<String> = alert_rows
                .unwrap_or_default()
                .split(';')
                .filter(|r| !r.is_empty())
                .map(str::to_string)
                .collect();
            rows.sort_unstable();
            rows
        });
        let notes = parse_months(note_months.unwrap_or_default())?;
        Ok(Some(Stored { rows, notes }))
    }
}

/// Note months as SQL aggregates them (`202611,202612`, see [`stored_select`]).
fn parse_months(text: &str) -> Result<Vec<(i16, i8)>> {
    let mut notes = Vec::new();
    for m in text.split(',') {
        if m.is_empty() {
            continue;
        }
        let n: i64 = m
            .parse()
            .map_err(|_| StoreError::Corrupt("mentor note month".into()))?;
        let (Ok(y), Ok(mo)) = (i16::try_from(n / 100), i8::try_from(n % 100)) else {
            return Err(StoreError::Corrupt("mentor note month".into()));
        };
        notes.push((y, mo));
    }
    Ok(notes)
}

/// The text [`FINGERPRINT_SQL`] reads back for a row of [`rows_of`].
fn fingerprint(row: &[Val]) -> String {
    row.iter()
        .skip(1)
        .map(|v| match v {
            Val::Int(Some(i)) => i.to_string(),
            Val::Text(Some(t)) => t.clone(),
            Val::Date(Some(x)) => x.to_jiff().to_string(),
            _ => String::new(),
        })
        .collect::<Vec<_>>()
        .join("|")
}

/// Rewrite a candidacy's rows after a write (a step, an opening, a mentor note), as of the
/// write's day, in its transaction. `state` is the candidacy as the write left it. The rows are
/// written when the transaction commits ([`flush`]), from the last state written for the
/// candidacy in it.
pub(crate) async fn write(
    tx: &mut Tx,
    book: &RuleBook,
    candidacy_id: i64,
    cell_id: i64,
    state: &Candidacy,
    today: Date,
    stored: Option<Stored>,
) -> Result<()> {
    if tx.pending.book.is_none() {
        tx.pending.book = Some(book.clone());
    }
    tx.pending.alerts.insert(
        candidacy_id,
        PendingAlerts {
            cell_id,
            state: state.clone(),
            today,
            stored,
        },
    );
    Ok(())
}

/// Write the rows of the candidacies the transaction wrote: their mentor notes read in one
/// statement (notes matter only to a candidacy with a mentor: the missing-note alert), their old
/// rows deleted and the new ones inserted, many per statement.
pub(crate) async fn flush(tx: &mut Tx) -> Result<()> {
    let pending = std::mem::take(&mut tx.pending.alerts);
    let Some(book) = tx.pending.book.take() else {
        return Ok(());
    };
    if pending.is_empty() {
        return Ok(());
    }
    // The notes of the candidacies with a mentor whose notes were not read with their row.
    let mentored: Vec<i64> = pending
        .iter()
        .filter(|(_, p)| p.state.mentor.is_some() && p.stored.is_none())
        .map(|(id, _)| *id)
        .collect();
    let notes = crate::candidacies::notes_of(tx.ex(), &mentored).await?;
    let notes_used = |id: &i64, p: &PendingAlerts| -> Vec<(i16, i8)> {
        match &p.stored {
            Some(s) => s.notes.clone(),
            None => notes.get(id).cloned().unwrap_or_default(),
        }
    };
    let mut stale = Vec::new();
    let mut rows = Vec::new();
    for (id, p) in &pending {
        let new = rows_for(*id, p, &book, &notes_used(id, p));
        let read = p.stored.as_ref().and_then(|s| s.rows.as_ref());
        if let Some(old) = read {
            let mut now: Vec<String> = new.iter().map(|r| fingerprint(r)).collect();
            now.sort_unstable();
            if &now == old {
                continue;
            }
        }
        if read.is_none_or(|old| !old.is_empty()) {
            stale.push(*id);
        }
        rows.extend(new);
    }
    if tx.engine() == Engine::Postgres
        && stale.len() <= PASS_BATCH as usize
        && rows.len() * 8 + stale.len() <= crate::bulk::max_params(Engine::Postgres)
    {
        let now = write_compared(tx, &stale, &rows).await?;
        // A mentor's notes read with the step's row, before its update locked the candidacy: a
        // note committed in between (its writer locks the candidacy too) is read by the
        // statement that wrote the rows; those candidacies' rows are written again with it.
        let mut again = Vec::new();
        let mut rows = Vec::new();
        for (id, months) in now {
            let Some(p) = pending.get(&id).filter(|p| p.state.mentor.is_some()) else {
                continue;
            };
            if months != notes_used(&id, p) {
                again.push(id);
                rows.extend(rows_for(id, p, &book, &months));
            }
        }
        if !again.is_empty() {
            write_compared(tx, &again, &rows).await?;
        }
        return Ok(());
    }
    for chunk in stale.chunks(PASS_BATCH as usize) {
        delete_rows(tx, chunk).await?;
    }
    insert_rows(tx, &rows).await
}

/// The alert rows of a pending candidacy, computed with mentor notes `notes`.
fn rows_for(id: i64, p: &PendingAlerts, book: &RuleBook, notes: &[(i16, i8)]) -> Vec<Vec<Val>> {
    let mut new = Vec::new();
    rows_of(
        id,
        p.cell_id,
        &alerts_of(&p.state, book, notes, p.today),
        &mut new,
    );
    new
}

/// PostgreSQL: the rows of candidacies `ids` made `rows` in one statement, after the lock the
/// writer's update of each candidacy took (the daily pass locks them too): the rows whose key is
/// gone deleted, the new inserted and the changed updated in place, the rows as they were read
/// by the same statement (its snapshot) to count what changed — the same sums as deleting all
/// and inserting all, without writing the rows that stay (issue 19, B4: one round trip instead
/// of two, most steps change no row).
///
/// Returns each candidacy's mentor notes as the statement read them (after the lock).
async fn write_compared(
    tx: &mut Tx,
    ids: &[i64],
    rows: &[Vec<Val>],
) -> Result<Vec<(i64, Vec<(i16, i8)>)>> {
    if ids.is_empty() {
        insert_rows(tx, rows).await?;
        return Ok(Vec::new());
    }
    // The keys bound after the rows' values.
    let mut b = crate::bulk::Binds(rows.iter().flatten().cloned().collect());
    let keys = b.keys(ids);
    let list = keys.join(", ");
    const COLS: &str = "candidacy_id, cell_id, kind_key, kind, rank, status, due, actor";
    let mut sql =
        format!("WITH old_ AS (SELECT {COLS} FROM alert_due WHERE candidacy_id IN ({list}))");
    if rows.is_empty() {
        sql.push_str(&format!(
            ", gone_ AS (DELETE FROM alert_due WHERE candidacy_id IN ({list}))"
        ));
    } else {
        sql.push_str(&format!(
            ", n_ ({COLS}) AS (VALUES {}), \
             gone_ AS (DELETE FROM alert_due a WHERE a.candidacy_id IN ({list}) AND NOT EXISTS \
               (SELECT 1 FROM n_ WHERE n_.candidacy_id = a.candidacy_id AND n_.kind_key = a.kind_key)), \
             put_ AS (INSERT INTO alert_due ({COLS}) SELECT * FROM n_ \
               ON CONFLICT (candidacy_id, kind_key) DO UPDATE SET cell_id = excluded.cell_id, \
               kind = excluded.kind, rank = excluded.rank, status = excluded.status, \
               due = excluded.due, actor = excluded.actor \
               WHERE (alert_due.cell_id, alert_due.kind, alert_due.rank, alert_due.status, \
               alert_due.due, alert_due.actor) IS DISTINCT FROM (excluded.cell_id, excluded.kind, \
               excluded.rank, excluded.status, excluded.due, excluded.actor))",
            crate::bulk::groups(Engine::Postgres, rows.len(), 8)
        ));
    }
    // The old rows (0), then each candidacy's note months (1).
    sql.push_str(&format!(
        " SELECT 0 AS what, a.candidacy_id, {FINGERPRINT_SQL}, a.cell_id, CAST(a.status AS BIGINT), \
         CAST(a.rank AS BIGINT) FROM old_ a \
         UNION ALL SELECT 1, i_.id, COALESCE((SELECT {} FROM mentor_note n \
         WHERE n.candidacy_id = i_.id), ''), 0, 0, 0 FROM (VALUES {}) i_ (id)",
        crate::dialect::string_agg(
            Engine::Postgres,
            "CAST(n.year * 100 + n.month AS TEXT)",
            ",",
            "n.year, n.month"
        ),
        keys.iter()
            .map(|p| format!("(CAST({p} AS BIGINT))"))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    let read: Vec<(i32, i64, String, i64, i64, i64)> =
        crate::bulk::fetch_vals(tx.ex(), &sql, &b.0).await?;
    let mut old = Vec::new();
    let mut months = Vec::new();
    for (what, id, text, cell, status, rank) in read {
        if what == 0 {
            old.push((id, text, cell, status, rank));
        } else {
            months.push((id, parse_months(&text)?));
        }
    }
    // What changed: a row counts out when no new row is the same, in when no old row is.
    let was: std::collections::HashSet<(i64, &str)> =
        old.iter().map(|(c, f, ..)| (*c, f.as_str())).collect();
    let now: Vec<(i64, String)> = rows
        .iter()
        .map(|r| match r.first() {
            Some(Val::Int(Some(c))) => (*c, fingerprint(r)),
            _ => (0, String::new()),
        })
        .collect();
    let is: std::collections::HashSet<(i64, &str)> =
        now.iter().map(|(c, f)| (*c, f.as_str())).collect();
    let mut deltas = Vec::new();
    for (c, f, cell, status, rank) in &old {
        if !is.contains(&(*c, f.as_str())) {
            deltas.extend(overdue_deltas(*cell, *status, *rank, -1));
        }
    }
    for (r, (c, f)) in rows.iter().zip(&now) {
        if !was.contains(&(*c, f.as_str())) {
            deltas.extend(row_deltas(r, 1));
        }
    }
    crate::counters::apply(tx, &deltas).await?;
    Ok(months)
}

/// Delete the rows of candidacies `ids`.
async fn delete_rows(tx: &mut Tx, ids: &[i64]) -> Result<()> {
    let mut b = crate::bulk::Binds::default();
    let list = b.keys(ids).join(", ");
    let gone: Vec<(i64, i64, i64)> = crate::bulk::fetch_vals(
        tx.ex(),
        &format!(
            "DELETE FROM alert_due WHERE candidacy_id IN ({list}) \
             RETURNING cell_id, CAST(status AS BIGINT), CAST(rank AS BIGINT)"
        ),
        &b.0,
    )
    .await?;
    let deltas: Vec<_> = gone
        .into_iter()
        .flat_map(|(cell, status, rank)| overdue_deltas(cell, status, rank, -1))
        .collect();
    crate::counters::apply(tx, &deltas).await
}

/// Candidacies rewritten per transaction by the daily pass.
const PASS_BATCH: i64 = 500;

/// The daily pass: every candidacy's rows rewritten as of `today` under `book`, a batch of
/// [`PASS_BATCH`] per transaction (on PostgreSQL the batch's candidacies are locked first, so a
/// step recorded meanwhile cannot be overwritten by rows computed from the state before it), then
/// the day and the book's fingerprint recorded. Returns the open candidacies read.
pub async fn daily_pass(store: &Store, book: &RuleBook, today: Date) -> Result<u64> {
    let mut after = i64::MIN;
    let mut seen = 0u64;
    loop {
        let mut tx = store.begin().await?;
        let lock = if tx.engine() == Engine::Postgres {
            " FOR UPDATE"
        } else {
            ""
        };
        // Candidacies still in the pipeline: the step that closed one removed its rows.
        let closed = crate::counters::stage_codes(|s| s.is_terminal());
        let sql = format!(
            "SELECT candidacy_id, cell_id, state FROM candidacy WHERE candidacy_id > $1 \
             AND stage NOT IN ({}) ORDER BY candidacy_id LIMIT $2{lock}",
            closed
        );
        let rows: Vec<(i64, i64, String)> =
            fetch_all!(tx.ex(), (i64, i64, String), &sql, after, PASS_BATCH)?;
        let Some(last) = rows.last() else {
            tx.commit().await?;
            break;
        };
        after = last.0;
        let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
        let notes = crate::candidacies::notes_of(tx.ex(), &ids).await?;
        delete_rows(&mut tx, &ids).await?;
        let full = i64::try_from(rows.len()).unwrap_or(0) == PASS_BATCH;
        let mut out = Vec::new();
        for (id, cell_id, state) in rows {
            let c: Candidacy = serde_json::from_str(&state)
                .map_err(|e| StoreError::Corrupt(format!("candidacy state: {e}")))?;
            let n = notes.get(&id).map_or(&[][..], Vec::as_slice);
            rows_of(id, cell_id, &alerts_of(&c, book, n, today), &mut out);
            seen += 1;
        }
        insert_rows(&mut tx, &out).await?;
        tx.commit().await?;
        if !full {
            break;
        }
    }
    let mut tx = store.begin().await?;
    exec!(tx.ex(), "DELETE FROM alert_pass")?;
    exec!(
        tx.ex(),
        "INSERT INTO alert_pass (pass_id, computed_on, book) VALUES (1, $1, $2)",
        d(today),
        book_fingerprint(book)
    )?;
    tx.commit().await?;
    Ok(seen)
}

/// Are the rows of `today` and of this rule book?
pub async fn fresh(conn: &mut Conn, book: &RuleBook, today: Date) -> Result<bool> {
    let row: Option<(jiff_sqlx::Date, String)> = fetch_optional!(
        conn.ex(),
        (jiff_sqlx::Date, String),
        "SELECT computed_on, book FROM alert_pass WHERE pass_id = 1"
    )?;
    Ok(row.is_some_and(|(on, fp)| on.to_jiff() == today && fp == book_fingerprint(book)))
}

/// `WHERE …` for the alert rows of the scope's candidacies (written for the scope given:
/// [`crate::candidacies::visible_where`]), under one organisation when asked (its internal key;
/// the caller has checked it is in the scope), and `more` conditions.
fn rows_where(
    scope: &Scope,
    under: Option<i64>,
    more: &[&str],
    b: &mut crate::bulk::Binds,
) -> String {
    let mut wh = crate::candidacies::visible_where(scope, b);
    if let Some(u) = under {
        wh.push(format!(
            "a.cell_id IN (SELECT u.descendant_id FROM org_closure u WHERE u.ancestor_id = {})",
            b.push(Val::Int(Some(u)))
        ));
    }
    wh.extend(more.iter().map(|m| m.to_string()));
    if wh.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", wh.join(" AND "))
    }
}

/// The most urgent `limit` alerts of the scope (overdue first, then by kind rank, due date and
/// candidacy), from the stored rows; `due_by` keeps the ones not overdue yet that are due by a
/// day. The caller has checked [`fresh`]. The candidacies of the rows are read again and their alerts computed for the words.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn top(
    conn: &mut Conn,
    scope: &Scope,
    book: &RuleBook,
    today: Date,
    limit: usize,
    under: Option<i64>,
    due_by: Option<Date>,
    words: Words,
) -> Result<Vec<CandidacyAlert>> {
    // A scope holding a large share of the queue (a province's staff, the country's admin)
    // first walks the whole queue in its order through `alert_due_order` and keeps the scope's
    // rows among the first [`BROAD_WALK`]; when that gives `limit` rows they are the scope's
    // most urgent. Otherwise (or for a narrow scope) the scope's cells are read through
    // `alert_due_cell` and their rows sorted.
    // The walk is complete when it gave `limit` rows or read the whole (filtered) queue.
    let broad = under.is_none() && is_broad(conn, scope, limit).await?;
    let mut rows = Vec::new();
    let mut complete = false;
    if broad {
        let (walked, read) = top_rows(conn, scope, limit, None, due_by, true).await?;
        complete = walked.len() >= limit || (!walked.is_empty() && read < BROAD_WALK);
        rows = walked;
    }
    if !complete {
        rows = top_rows(conn, scope, limit, under, due_by, false).await?.0;
    }
    let mut out = rows
        .into_iter()
        .map(queued_alert)
        .collect::<Result<Vec<_>>>()?;
    if words == Words::Now {
        let mut all: Vec<&mut CandidacyAlert> = out.iter_mut().collect();
        let found = fill_words(conn, book, today, &mut all).await?;
        // An alert its candidacy no longer has (a step between the two reads) is left out of
        // this answer; the step rewrote the rows.
        let mut kept = found.into_iter();
        out.retain(|_| kept.next().unwrap_or(false));
    }
    Ok(out)
}

/// Whether [`top`] computes each alert's words (its message and rule) from its candidacy's
/// state, or leaves them to [`fill_words`] for the rows a page shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Words {
    /// Computed with the rows.
    Now,
    /// Empty: the alert as the queue's own columns give it (kind, due day, status, who acts).
    Later,
}

/// One alert row picked with its candidacy's names, and the queue row's status, due day and
/// actor.
type TopRow = (
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    (i64, jiff_sqlx::Date, String),
);

/// An alert as the queue's row gives it, without its words ([`Words::Later`]).
fn queued_alert(r: TopRow) -> Result<CandidacyAlert> {
    let (key, pub_id, full_name, cell_pub_id, cell_name, stage, cell_parent, mentor, q) = r;
    let (status, due, actor) = q;
    let corrupt = |what: &str| StoreError::Corrupt(format!("alert row: {what}"));
    Ok(CandidacyAlert {
        candidacy_pub_id: pub_id,
        full_name,
        cell_pub_id,
        cell_name,
        cell_parent,
        mentor_name: mentor,
        stage: crate::counters::stage_from_code(&stage).ok_or_else(|| corrupt(&stage))?,
        alert: Alert {
            kind: kind_from_key(&key).ok_or_else(|| corrupt(&key))?,
            rule_id: String::new(),
            due: due.to_jiff(),
            status: AlertStatus::ALL
                .into_iter()
                .find(|s| status_no(*s) == status)
                .ok_or_else(|| corrupt("status"))?,
            actor: Actor::ALL
                .into_iter()
                .find(|a| a.code() == actor)
                .ok_or_else(|| corrupt(&actor))?,
            message_vi: String::new(),
        },
    })
}

/// The kinds without a parameter, for [`kind_from_key`].
const PLAIN_KINDS: [AlertKind; 10] = [
    AlertKind::DecisionWindow,
    AlertKind::GrassrootsReview,
    AlertKind::CeremonyWindow,
    AlertKind::MemberBackground,
    AlertKind::ProbationEnding,
    AlertKind::RecognitionWindow,
    AlertKind::RecognitionDecisionWindow,
    AlertKind::CertificateExpiring,
    AlertKind::BackgroundExpiring,
    AlertKind::CommentsExpiring,
];

/// The kind a key of [`kind_key`] was written for.
pub fn kind_from_key(key: &str) -> Option<AlertKind> {
    let (code, rest) = key.split_once(':').unwrap_or((key, ""));
    let kind = match code {
        "mentor_note" => {
            let (y, m) = rest.split_once('-')?;
            AlertKind::MentorNoteMissing {
                year: y.parse().ok()?,
                month: m.parse().ok()?,
            }
        }
        "verification" => AlertKind::VerificationStalled {
            request_no: rest.parse().ok()?,
        },
        _ => PLAIN_KINDS.into_iter().find(|k| kind_code(k) == code)?,
    };
    (kind_key(&kind).1 == key).then_some(kind)
}

/// Fill the words (message and rule) of alerts read with [`Words::Later`], from their
/// candidacies' states as they are now: one read of those candidacies and their notes. An
/// alert its candidacy no longer has (a step between the two reads) is answered `false`.
pub async fn fill_words(
    conn: &mut Conn,
    book: &RuleBook,
    today: Date,
    alerts: &mut [&mut CandidacyAlert],
) -> Result<Vec<bool>> {
    let mut pubs: Vec<&str> = alerts.iter().map(|a| a.candidacy_pub_id.as_str()).collect();
    pubs.sort_unstable();
    pubs.dedup();
    let mut b = crate::bulk::Binds::default();
    let list = pubs
        .iter()
        .map(|p| b.push(Val::Text(Some((*p).to_string()))))
        .collect::<Vec<_>>()
        .join(", ");
    let rows: Vec<(i64, String, String)> = if pubs.is_empty() {
        Vec::new()
    } else {
        crate::bulk::fetch_vals(
            conn.ex(),
            &format!("SELECT candidacy_id, pub_id, state FROM candidacy WHERE pub_id IN ({list})"),
            &b.0,
        )
        .await?
    };
    let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
    let notes = crate::candidacies::notes_of(conn.ex(), &ids).await?;
    let mut computed: BTreeMap<String, Vec<Alert>> = BTreeMap::new();
    for (id, pub_id, state) in rows {
        let c: Candidacy = serde_json::from_str(&state)
            .map_err(|e| StoreError::Corrupt(format!("candidacy state: {e}")))?;
        let n = notes.get(&id).map_or(&[][..], Vec::as_slice);
        computed.insert(pub_id, alerts_of(&c, book, n, today));
    }
    Ok(alerts
        .iter_mut()
        .map(|a| {
            let key = kind_key(&a.alert.kind).1;
            let found = computed
                .get(&a.candidacy_pub_id)
                .and_then(|all| all.iter().find(|x| kind_key(&x.kind).1 == key));
            if let Some(x) = found {
                a.alert = x.clone();
            }
            found.is_some()
        })
        .collect())
}

/// Rows a broad scope's first try reads in the whole queue's order ([`top`]).
const BROAD_WALK: usize = 2000;

/// Does the scope hold so large a share of the queue (judged by its share of the overdue rows,
/// from the counters) that its `limit` most urgent rows are expected among the queue's first
/// [`BROAD_WALK`]?
async fn is_broad(conn: &mut Conn, scope: &Scope, limit: usize) -> Result<bool> {
    if scope.is_system() {
        return Ok(false);
    }
    let Some((mine, _)) = overdue_of_subtrees(conn, scope).await? else {
        return Ok(false);
    };
    let Some((all, _)) = overdue_of_subtrees(conn, &Scope::system()).await? else {
        return Ok(false);
    };
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let walk = i64::try_from(BROAD_WALK).unwrap_or(i64::MAX);
    Ok(mine > 0 && limit.saturating_mul(all) <= walk.saturating_mul(mine))
}

/// The `limit` most urgent rows of the scope (under an organisation when asked; due by a day
/// when asked, not overdue), with their candidacies' names and states: picked on the queue's
/// own columns (small rows through the sort), then the names and states read for those only.
/// `walk`: from the first [`BROAD_WALK`] rows of the whole queue, in its order (a broad scope);
/// then also how many rows of the queue the walk read (known when it kept a row).
async fn top_rows(
    conn: &mut Conn,
    scope: &Scope,
    limit: usize,
    under: Option<i64>,
    due_by: Option<Date>,
    walk: bool,
) -> Result<(Vec<TopRow>, usize)> {
    let mut b = crate::bulk::Binds::default();
    // Statuses are 0 (overdue), 1 and 2: the two not overdue, each read by due date
    // (`alert_due_soon`), the few rows due by the day then sorted.
    let due = due_by.map(|by| {
        format!(
            "a.status IN (1, 2) AND a.due <= {}",
            b.push(Val::Date(Some(d(by))))
        )
    });
    let more: Vec<&str> = due.as_deref().into_iter().collect();
    let cap = i64::try_from(limit).unwrap_or(i64::MAX);
    let picked = if walk {
        let wh = rows_where(&Scope::system(), None, &more, &mut b);
        let n = b.push(Val::Int(Some(i64::try_from(BROAD_WALK).unwrap_or(0))));
        let seen = crate::candidacies::visible_where_per_row(scope, &mut b, "w.cell_id");
        let seen = if seen.is_empty() {
            "1 = 1".to_string()
        } else {
            seen.join(" AND ")
        };
        let cap = b.push(Val::Int(Some(cap)));
        // `walked`: how many rows of the queue the walk read (all of it when fewer than asked).
        format!(
            "SELECT w.* FROM (SELECT q.*, COUNT(*) OVER () AS walked FROM ( \
               SELECT a.candidacy_id, a.cell_id, a.kind_key, a.status, a.rank, a.due, a.actor, \
               c.pub_id FROM alert_due a JOIN candidacy c ON c.candidacy_id = a.candidacy_id \
               {wh} ORDER BY a.status, a.rank, a.due, c.pub_id, a.kind_key LIMIT {n}) q) w \
             WHERE {seen} ORDER BY w.status, w.rank, w.due, w.pub_id, w.kind_key LIMIT {cap}"
        )
    } else {
        let wh = rows_where(scope, under, &more, &mut b);
        let cap = b.push(Val::Int(Some(cap)));
        format!(
            "SELECT a.candidacy_id, a.cell_id, a.kind_key, a.status, a.rank, a.due, a.actor, \
             c.pub_id, 0 AS walked FROM alert_due a JOIN candidacy c ON c.candidacy_id = a.candidacy_id \
             {wh} ORDER BY a.status, a.rank, a.due, c.pub_id, a.kind_key LIMIT {cap}"
        )
    };
    let sql = format!(
        "SELECT k.kind_key, k.pub_id, p.full_name, o.pub_id, o.name, c.stage, \
         COALESCE(par.name, ''), mp.full_name, CAST(k.walked AS BIGINT), \
         CAST(k.status AS BIGINT), k.due, k.actor \
         FROM ({picked}) k \
         JOIN candidacy c ON c.candidacy_id = k.candidacy_id \
         JOIN person p ON p.person_id = c.person_id JOIN org o ON o.org_id = c.cell_id \
         LEFT JOIN org par ON par.org_id = o.parent_id \
         LEFT JOIN member mm ON mm.member_id = c.mentor_member_id \
         LEFT JOIN person mp ON mp.person_id = mm.person_id \
         ORDER BY k.status, k.rank, k.due, k.pub_id, k.kind_key"
    );
    type Walked = (
        String,
        String,
        String,
        String,
        String,
        String,
        String,
        Option<String>,
        i64,
        i64,
        jiff_sqlx::Date,
        String,
    );
    let rows: Vec<Walked> = crate::bulk::fetch_vals(conn.ex(), &sql, &b.0).await?;
    let read = rows
        .first()
        .map_or(0, |r| usize::try_from(r.8).unwrap_or(0));
    Ok((
        rows.into_iter()
            .map(|r| (r.0, r.1, r.2, r.3, r.4, r.5, r.6, r.7, (r.9, r.10, r.11)))
            .collect(),
        read,
    ))
}

/// What the dashboard shows of the alerts: how many are overdue (and how many of them are
/// decisions, votes, the ceremony or the verification: [`AlertKind::rank`] ≤ 5), and the first
/// `cap` of those not overdue that are due by `week_by`, in the order of the work queue.
#[derive(Clone, Debug, Default)]
pub struct DashboardAlerts {
    /// Overdue alerts.
    pub overdue: u64,
    /// Of which decisions, votes, the ceremony and the verification.
    pub overdue_acts: u64,
    /// Due by `week_by`, not overdue.
    pub soon: Vec<CandidacyAlert>,
}

/// The overdue rows of the scope and how many of them are acts (rank ≤ 5), from the counters
/// summed per subtree: the scope's roots' rows (roots inside another root of the scope left out;
/// the system's: the top organisations). `None` for the scopes that are not whole subtrees (a
/// mentor's candidates, a mass organisation's introductions): [`overdue_of_rows`].
async fn overdue_of_subtrees(conn: &mut Conn, scope: &Scope) -> Result<Option<(i64, i64)>> {
    let per_candidacy = !scope.is_system() && matches!(scope.role, Role::Mentor | Role::MassOrg);
    if per_candidacy {
        return Ok(None);
    }
    let (_, user, role) = scope.binds();
    let roots = if scope.is_system() {
        "SELECT o.org_id FROM org o WHERE o.parent_id IS NULL"
    } else {
        "SELECT su.org_id FROM user_scope su WHERE su.user_id = $1 AND su.role = $2 \
         AND NOT EXISTS (SELECT 1 FROM user_scope s2 JOIN org_closure oc ON oc.ancestor_id = s2.org_id \
           WHERE s2.user_id = $1 AND s2.role = $2 AND oc.descendant_id = su.org_id AND oc.depth > 0)"
    };
    let sql = format!(
        "SELECT k.metric, CAST(COALESCE(SUM(k.value), 0) AS BIGINT) FROM counter_sum k \
         WHERE k.org_id IN ({roots}) AND k.period = '{ALERT_PERIOD}' \
         AND k.metric IN ('overdue', 'overdue_acts') GROUP BY k.metric"
    );
    let rows: Vec<(String, i64)> = if scope.is_system() {
        fetch_all!(conn.ex(), (String, i64), &sql)?
    } else {
        fetch_all!(conn.ex(), (String, i64), &sql, user, role)?
    };
    let get = |m: &str| rows.iter().find(|r| r.0 == m).map_or(0, |r| r.1);
    Ok(Some((get("overdue"), get("overdue_acts"))))
}

/// The overdue rows of the scope and how many of them are acts, counted row by row.
async fn overdue_of_rows(conn: &mut Conn, scope: &Scope) -> Result<(i64, i64)> {
    let mut b = crate::bulk::Binds::default();
    let wh = rows_where(scope, None, &["a.status = 0"], &mut b);
    let sql = format!(
        "SELECT CAST(COUNT(*) AS BIGINT), CAST(COALESCE(SUM(CASE WHEN a.rank <= 5 THEN 1 ELSE 0 END), 0) AS BIGINT) \
         FROM alert_due a JOIN candidacy c ON c.candidacy_id = a.candidacy_id {wh}"
    );
    let counted: Vec<(i64, i64)> = crate::bulk::fetch_vals(conn.ex(), &sql, &b.0).await?;
    Ok(counted.first().copied().unwrap_or((0, 0)))
}

/// The number of queue entries the dashboard looks at when the queue is not of today.
const DASHBOARD_FALLBACK: usize = 1000;

/// [`DashboardAlerts`] for the scope: from the queue when it is of today (two index reads), else
/// computed from the candidacies (the most urgent 1,000 alerts).
pub async fn for_dashboard(
    conn: &mut Conn,
    scope: &Scope,
    book: &RuleBook,
    today: Date,
    week_by: Date,
    cap: usize,
) -> Result<DashboardAlerts> {
    let mut out = DashboardAlerts::default();
    if fresh(conn, book, today).await? {
        let (n, acts) = match overdue_of_subtrees(conn, scope).await? {
            Some(counted) => counted,
            None => overdue_of_rows(conn, scope).await?,
        };
        out.overdue = u64::try_from(n).unwrap_or(0);
        out.overdue_acts = u64::try_from(acts).unwrap_or(0);
        out.soon = top(
            conn,
            scope,
            book,
            today,
            cap,
            None,
            Some(week_by),
            Words::Now,
        )
        .await?;
        return Ok(out);
    }
    let all = crate::candidacies::alerts_under(conn, scope, book, today, DASHBOARD_FALLBACK, None)
        .await?;
    for a in all {
        if a.alert.status == AlertStatus::Overdue {
            out.overdue += 1;
            if a.alert.kind.rank() <= 5 {
                out.overdue_acts += 1;
            }
            continue;
        }
        if a.alert.due > week_by || out.soon.len() >= cap {
            continue;
        }
        out.soon.push(a);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ketnap_domain::calendar::WorkCalendar;
    use ketnap_domain::rules::RuleSet;

    #[test]
    fn every_kind_is_read_back_from_its_key() {
        let mut kinds = PLAIN_KINDS.to_vec();
        kinds.push(AlertKind::MentorNoteMissing {
            year: 2026,
            month: 2,
        });
        kinds.push(AlertKind::VerificationStalled { request_no: 3 });
        for k in kinds {
            assert_eq!(kind_from_key(&kind_key(&k).1), Some(k), "{k:?}");
        }
        // A kind added to the domain fails to compile here until it is placed.
        let plain = |k: &AlertKind| match k {
            AlertKind::DecisionWindow
            | AlertKind::GrassrootsReview
            | AlertKind::CeremonyWindow
            | AlertKind::MemberBackground
            | AlertKind::ProbationEnding
            | AlertKind::RecognitionWindow
            | AlertKind::RecognitionDecisionWindow
            | AlertKind::CertificateExpiring
            | AlertKind::BackgroundExpiring
            | AlertKind::CommentsExpiring => true,
            AlertKind::MentorNoteMissing { .. } | AlertKind::VerificationStalled { .. } => false,
        };
        assert!(PLAIN_KINDS.iter().all(plain));
        assert_eq!(PLAIN_KINDS.len(), 10);
        for bad in [
            "",
            "mentor_note:2026",
            "mentor_note:2026-2x",
            "verification:x",
            "nothing",
        ] {
            assert_eq!(kind_from_key(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_kept_fingerprint_follows_the_book_it_was_computed_for() {
        let spec = RuleBook::spec_default();
        let one = RuleBook::new(
            vec![RuleSet::spec_default(
                "QĐ 294-QĐ/TW",
                jiff::civil::date(2025, 7, 1),
            )],
            WorkCalendar::vietnam(),
        );
        for _ in 0..2 {
            assert_eq!(book_fingerprint(&spec), book_fingerprint_computed(&spec));
            assert_eq!(book_fingerprint(&one), book_fingerprint_computed(&one));
        }
        assert_ne!(book_fingerprint(&spec), book_fingerprint(&one));
        // An equal book built again has the same fingerprint; a changed one does not.
        assert_eq!(
            book_fingerprint(&RuleBook::spec_default()),
            book_fingerprint(&spec)
        );
    }
}

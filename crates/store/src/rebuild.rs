//! `ketnap rebuild`: recompute what is derived from the events and report any difference from
//! what is stored — there must be none. CLI/jobs only (reads everything, unscoped).
//!
//! - Every candidacy's history is replayed ([`Candidacy::replay`]) and compared with the stored
//!   projection (`state`), `stage` and `version`; the events must be numbered 1‥n, each judged
//!   by a rules version the book knows, and each event's tags must name the cell the previous
//!   event was recorded in.
//! - Every counter is recomputed with [`counters::deltas`] from the stored events and the tags
//!   stored with them, and compared with the `counter` table (a stored zero equals no row); the
//!   overdue alert counts (period `alert`) with the alert rows counted again, and the admitted's
//!   composition (periods `adm:…`) with the decisions and their people counted again.
//! - The verification desk's rows are compared with the requests of the replayed history
//!   ([`crate::verification::expected_rows`]).
//! - The closure table is compared with the parent links ([`orgs::closure_differences`]).
//! - The counters summed per subtree (`counter_sum`) are compared with the counters summed over
//!   the closure, and the stage spells (`stage_spell`) with the stages the events entered.
//! - The membership composition counters (`member_facet`) are compared with the members of each
//!   subtree counted again ([`crate::member_facets`]).
//!
//! Candidacies are read page by page (keyset), each page's events in one query. The recomputed
//! counters are held in memory (one entry per organisation, month and metric). The report is
//! only a report: nothing is changed.

use std::collections::BTreeMap;

use ketnap_domain::RuleBook;
use ketnap_domain::lifecycle::{Candidacy, Event};
use serde::Serialize;

use crate::candidacies::EventPayload;
use crate::counters::{self, stage_code};
use crate::{Result, Store, orgs};

/// Candidacies per page.
const PAGE: i64 = 200;

/// What [`rebuild`] found.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RebuildReport {
    /// Candidacies checked.
    pub candidacies: u64,
    /// Events replayed.
    pub events: u64,
    /// (candidacy public id, what differs).
    pub projection_differences: Vec<(String, String)>,
    /// (org id, period, metric, stored, recomputed).
    pub counter_differences: Vec<(i64, String, String, i64, i64)>,
    /// (ancestor, descendant, stored depth, expected depth).
    pub closure_differences: Vec<(i64, i64, Option<i64>, Option<i64>)>,
    /// (org id, period, metric) whose subtree sum (`counter_sum`) is not the counters of its
    /// subtree summed.
    pub counter_sum_differences: Vec<(i64, String, String)>,
    /// Candidacies whose stage spells (`stage_spell`) are not the stages their events entered.
    pub spell_differences: Vec<i64>,
    /// (org id, fact) whose membership composition counters (`member_facet`) are not the
    /// members of its subtree counted (the fact's name only: the values are sensitive).
    pub member_facet_differences: Vec<(i64, String)>,
}

impl RebuildReport {
    /// Nothing differs.
    pub fn is_clean(&self) -> bool {
        self.projection_differences.is_empty()
            && self.counter_differences.is_empty()
            && self.closure_differences.is_empty()
            && self.counter_sum_differences.is_empty()
            && self.spell_differences.is_empty()
            && self.member_facet_differences.is_empty()
    }
}

type CounterKey = (i64, String, String);

/// One candidacy's stored projection row.
#[derive(sqlx::FromRow)]
struct Row {
    candidacy_id: i64,
    pub_id: String,
    cell_id: i64,
    stage: String,
    version: i64,
    state: String,
    stage_since: Option<jiff_sqlx::Date>,
}

/// Check one candidacy's history against its projection; add its counters to `totals`.
fn check_one(
    row: &Row,
    history: &[(i64, i64, String)],
    requests: &[crate::verification::RequestRow],
    book: &RuleBook,
    totals: &mut BTreeMap<CounterKey, i64>,
    report: &mut RebuildReport,
) {
    let mut diff = |what: String| {
        report
            .projection_differences
            .push((row.pub_id.clone(), what))
    };
    let known: Vec<&str> = book.versions().iter().map(|r| r.version.as_ref()).collect();
    let mut events: Vec<Event> = Vec::with_capacity(history.len());
    let mut before = None;
    let mut before_since = None;
    let mut before_cell = None;
    for (i, (seq, cell_id, payload)) in history.iter().enumerate() {
        if usize::try_from(*seq).ok() != Some(i + 1) {
            diff(format!("event {seq} is at position {}", i + 1));
        }
        let p = match EventPayload::parse(payload) {
            Ok(p) => p,
            Err(e) => {
                diff(format!("event {seq} unreadable: {e}"));
                return;
            }
        };
        if !known.contains(&p.event.rules_version.as_str()) {
            diff(format!(
                "event {seq} judged by rules {:?} unknown to the book",
                p.event.rules_version
            ));
        }
        if p.tags.before_cell_id != before_cell {
            diff(format!(
                "event {seq} counted its previous stage in cell {:?}, recorded in {:?}",
                p.tags.before_cell_id, before_cell
            ));
        }
        for d in counters::deltas(&p.event, before, before_since, &p.tags, *cell_id) {
            *totals.entry((d.org_id, d.period, d.metric)).or_default() += d.delta;
        }
        if before != Some(p.event.stage) {
            before_since = Some(p.event.on);
        }
        before = Some(p.event.stage);
        before_cell = Some(*cell_id);
        events.push(p.event);
    }
    report.events += events.len() as u64;
    let replayed = match Candidacy::replay(&events) {
        Ok(c) => c,
        Err(e) => {
            diff(format!("history cannot be replayed: {e}"));
            return;
        }
    };
    match serde_json::from_str::<Candidacy>(&row.state) {
        Ok(stored) if stored == replayed => {}
        Ok(_) => diff("stored state differs from the replayed history".into()),
        Err(e) => diff(format!("stored state unreadable: {e}")),
    }
    let expected = crate::verification::expected_rows(&replayed, row.cell_id);
    if requests != expected.as_slice() {
        diff(format!(
            "verification desk rows differ from the history ({} stored, {} in the history)",
            requests.len(),
            expected.len()
        ));
    }
    let stage = replayed.stage.map_or("", stage_code);
    if row.stage != stage {
        diff(format!("stage {} stored, {stage} replayed", row.stage));
    }
    let since = row.stage_since.map(|x| x.to_jiff());
    if since != before_since {
        diff(format!(
            "stage entered on {since:?} stored, {before_since:?} in the history"
        ));
    }
    if row.version != events.len() as i64 {
        diff(format!(
            "version {} stored, {} events",
            row.version,
            events.len()
        ));
    }
}

/// Replay every candidacy and recount every counter; report what differs from the store.
pub async fn rebuild(store: &Store, book: &RuleBook) -> Result<RebuildReport> {
    let mut conn = store.read().await?;
    let mut report = RebuildReport::default();
    let mut totals: BTreeMap<CounterKey, i64> = BTreeMap::new();
    let mut after = i64::MIN;
    loop {
        let rows: Vec<Row> = fetch_all!(
            conn.ex(),
            Row,
            "SELECT candidacy_id, pub_id, cell_id, stage, version, state, stage_since FROM candidacy \
             WHERE candidacy_id > $1 ORDER BY candidacy_id LIMIT $2",
            after,
            PAGE
        )?;
        let (Some(first), Some(last)) = (rows.first(), rows.last()) else {
            break;
        };
        let (lo, hi) = (first.candidacy_id, last.candidacy_id);
        after = hi;
        let events: Vec<(i64, i64, i64, String)> = fetch_all!(
            conn.ex(),
            (i64, i64, i64, String),
            "SELECT candidacy_id, seq, cell_id, payload FROM candidacy_event \
             WHERE candidacy_id >= $1 AND candidacy_id <= $2 ORDER BY candidacy_id, seq",
            lo,
            hi
        )?;
        let mut by_candidacy: BTreeMap<i64, Vec<(i64, i64, String)>> = BTreeMap::new();
        for (id, seq, cell, payload) in events {
            by_candidacy
                .entry(id)
                .or_default()
                .push((seq, cell, payload));
        }
        let mut requests = crate::verification::stored_rows(&mut conn, lo, hi).await?;
        for row in &rows {
            report.candidacies += 1;
            let history = by_candidacy.remove(&row.candidacy_id).unwrap_or_default();
            let stored = requests.remove(&row.candidacy_id).unwrap_or_default();
            check_one(row, &history, &stored, book, &mut totals, &mut report);
        }
        for (id, _) in by_candidacy {
            report
                .projection_differences
                .push((format!("#{id}"), "events of a missing candidacy".into()));
        }
        if (rows.len() as i64) < PAGE {
            break;
        }
    }
    // The overdue alert rows' counts: the rows counted again.
    let overdue: Vec<(i64, i64, i64, i64)> = fetch_all!(
        conn.ex(),
        (i64, i64, i64, i64),
        "SELECT cell_id, CAST(status AS BIGINT), CAST(rank AS BIGINT), CAST(COUNT(*) AS BIGINT) \
         FROM alert_due WHERE status = 0 GROUP BY cell_id, status, rank"
    )?;
    for (cell, status, rank, n) in overdue {
        for d in crate::alert_queue::overdue_deltas(cell, status, rank, n) {
            *totals.entry((d.org_id, d.period, d.metric)).or_default() += d.delta;
        }
    }
    // The admitted's composition: the decisions and their people counted again.
    for (key, n) in crate::admitted_facets::expected(&mut conn).await? {
        *totals.entry(key).or_default() += n;
    }
    let mut cursor: Option<CounterKey> = None;
    loop {
        let page = counters::all_counters_page(&mut conn, cursor.as_ref(), 5000).await?;
        let Some((o, p, m, _)) = page.last() else {
            break;
        };
        cursor = Some((*o, p.clone(), m.clone()));
        for (org, period, metric, stored) in page {
            let key = (org, period, metric);
            let recomputed = totals.remove(&key).unwrap_or(0);
            if stored != recomputed {
                report
                    .counter_differences
                    .push((key.0, key.1, key.2, stored, recomputed));
            }
        }
    }
    for ((org, period, metric), v) in totals {
        if v != 0 {
            report.counter_differences.push((org, period, metric, 0, v));
        }
    }
    report.counter_differences.sort();
    report.closure_differences = orgs::closure_differences(&mut conn).await?;
    // The subtree sums and the stage spells, each against its source, in the database (the
    // same derivations as migrations 14 and 13), both ways.
    let sums_kept = "SELECT org_id, period, metric, value FROM counter_sum WHERE value <> 0";
    let sums_derived = "SELECT oc.ancestor_id AS org_id, k.period, k.metric, SUM(k.value) AS value FROM org_closure oc \
        JOIN counter k ON k.org_id = oc.descendant_id GROUP BY oc.ancestor_id, k.period, k.metric \
        HAVING SUM(k.value) <> 0";
    let sql = format!(
        "SELECT DISTINCT x.org_id, x.period, x.metric FROM ( \
           SELECT * FROM ({sums_kept} EXCEPT {sums_derived}) a \
           UNION ALL SELECT * FROM ({sums_derived} EXCEPT {sums_kept}) b) x \
         ORDER BY x.org_id, x.period, x.metric LIMIT 1000"
    );
    report.counter_sum_differences = fetch_all!(conn.ex(), (i64, String, String), &sql)?;
    let spells_kept = "SELECT candidacy_id, seq, stage, entered_on FROM stage_spell";
    let spells_derived = "SELECT candidacy_id, seq, stage, on_date AS entered_on FROM ( \
        SELECT e.candidacy_id, e.seq, e.stage, e.on_date, \
        LAG(e.stage) OVER (PARTITION BY e.candidacy_id ORDER BY e.seq) AS prev \
        FROM candidacy_event e) d WHERE prev IS NULL OR prev <> stage";
    let sql = format!(
        "SELECT DISTINCT x.candidacy_id FROM ( \
           SELECT * FROM ({spells_kept} EXCEPT {spells_derived}) a \
           UNION ALL SELECT * FROM ({spells_derived} EXCEPT {spells_kept}) b) x \
         ORDER BY x.candidacy_id LIMIT 1000"
    );
    report.spell_differences = fetch_all!(conn.ex(), (i64,), &sql)?
        .into_iter()
        .map(|(id,)| id)
        .collect();
    let facets_kept = "SELECT org_id, facet, value, n FROM member_facet WHERE n <> 0";
    let facets_derived = crate::member_facets::derived_sql();
    let sql = format!(
        "SELECT DISTINCT x.org_id, x.facet FROM ( \
           SELECT * FROM ({facets_kept} EXCEPT {facets_derived}) a \
           UNION ALL SELECT * FROM ({facets_derived} EXCEPT {facets_kept}) b) x \
         ORDER BY x.org_id, x.facet LIMIT 1000"
    );
    report.member_facet_differences = fetch_all!(conn.ex(), (i64, String), &sql)?;
    Ok(report)
}

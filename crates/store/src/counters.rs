//! Per-organisation, per-month counters: what the reports read.
//!
//! Every lifecycle event feeds the counters in its own transaction (added up per counter and
//! written when it commits: [`apply`], [`flush`]). [`deltas`] is the one pure
//! function that says what an event adds or takes away; the write path ([`crate::candidacies`])
//! and `ketnap rebuild` ([`crate::rebuild`]) both call it, so a recount from the stored events
//! equals the stored counters.
//!
//! Rows are `(org_id, period, metric, value)`: `period` is the event's month (`YYYY-MM`) for
//! flows and `*` for gauges (how many candidacies stand in a stage now). The organisation is the
//! cell the event was recorded in; a report adds a subtree up with one join over `org_closure`
//! ([`subtree_totals`], [`gauges`]).
//!
//! Metrics (flows, per month):
//! - `source.opened`: listed as a source; `sympathizer.listed`: put on the sympathizer list;
//! - `course.certified`: the first awareness certificate (the step into `Dossier`);
//! - `cell_vote.passed`, `cell_vote.failed`: the cell's admission votes;
//! - `admission`: an approved admission decision, with the sub-groups `admission.women`,
//!   `admission.youth_union`, `admission.ethnic_minority`, `admission.religious`,
//!   `admission.youth_age` and `admission.source.<source category code>` (the [`Tags`] of the
//!   candidate on the decision's date); `admission.refused`: a refused decision;
//! - `ceremony`; `recognition` (the step into `Official`); `removal` (into `Removed`);
//!   `withdrawn`; `rejected` (into `Rejected`, by the cell or by a refused decision);
//!   `transfer.out`; `transfer.in`; `deceased`;
//! - `annulment`: an annulled admission or recognition. Annulling an admission also takes the
//!   `admission*` metrics back in the month and cell of the original decision; annulling a
//!   recognition takes `recognition` back likewise ([`Tags::reverses`]).
//!
//! Gauges (period `*`): `stage.<stage code>`, +1 entering a stage, −1 leaving it (the −1 goes to
//! the cell where the previous stage was counted, [`Tags::before_cell_id`], so a transfer or a
//! merge never leaves a stray count behind).
//!
//! The same gauges by the day the stage was entered, for the stages under way (period
//! [`SINCE_PERIOD`], metric `<stage code>:<YYYYMMDD>`, [`since_metric`]): what the pipeline's
//! ageing reads (`reports::pipeline`), a row per stage and day however many candidacies.

use std::collections::BTreeMap;

use jiff::civil::Date;
use ketnap_domain::lifecycle::{Action, AnnulTarget, Event, Stage};
use ketnap_domain::person::{Gender, Person};
use ketnap_domain::stats::is_youth_age;
use serde::{Deserialize, Serialize};

use crate::bulk::Val;
use crate::{Conn, Result, Scope, StoreError, Tx};

/// The period of gauges.
pub const GAUGE_PERIOD: &str = "*";

/// The period of the gauges by the day the stage was entered.
pub const SINCE_PERIOD: &str = "since";

/// The metric counting the candidacies standing in `stage` since `since` (period
/// [`SINCE_PERIOD`]): the date in fixed width, so that it compares as text in any collation.
pub fn since_metric(stage: Stage, since: Date) -> String {
    format!(
        "{}:{:04}{:02}{:02}",
        stage_code(stage),
        since.year(),
        since.month(),
        since.day()
    )
}

/// What the counters need to know about the candidate on an event's date, stored in the event's
/// payload so a rebuild counts with the same values the write path used.
///
/// Holds ethnicity and religion flags: like a person, it stays out of logs and audit rows.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tags {
    /// A woman.
    pub women: bool,
    /// A Youth Union member.
    pub youth_union: bool,
    /// Of an ethnic minority (not Kinh).
    pub ethnic_minority: bool,
    /// A religious believer.
    pub religious: bool,
    /// Of youth age (16–30 full years) on the event's date.
    pub youth_age: bool,
    /// The candidacy's source category code.
    pub source_category: String,
    /// The cell where the stage before this event was counted (the previous event's cell);
    /// `None` for the first event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before_cell_id: Option<i64>,
    /// For an annulment: the decision it annuls, as it was counted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reverses: Option<Box<Reversal>>,
}

/// Where and how an annulled admission or recognition was counted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reversal {
    /// The date of the annulled decision (its month is the period taken back).
    pub on: Date,
    /// The cell it was counted in.
    pub cell_id: i64,
    /// Its tags then.
    pub tags: Tags,
}

impl Tags {
    /// The tags of `person` on `on`, for a candidacy of `source_category`.
    pub fn of(person: &Person, on: Date, source_category: &str) -> Tags {
        Tags {
            women: person.gender == Gender::Female,
            youth_union: person.youth_union_member,
            ethnic_minority: person.ethnicity.is_minority(),
            religious: person.religion.is_believer(),
            youth_age: is_youth_age(person.age_on(on)),
            source_category: source_category.to_string(),
            before_cell_id: None,
            reverses: None,
        }
    }
}

/// One change to one counter.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct CounterDelta {
    /// The organisation (a cell).
    pub org_id: i64,
    /// `YYYY-MM`, or `*` for gauges.
    pub period: String,
    /// The metric.
    pub metric: String,
    /// What to add (negative to take away).
    pub delta: i64,
}

/// The codes of the stages `pick` keeps, quoted and comma-separated for an SQL `IN (…)` (fixed
/// codes, never user input).
pub fn stage_codes(pick: impl Fn(Stage) -> bool) -> String {
    Stage::ALL
        .into_iter()
        .filter(|s| pick(*s))
        .map(|s| format!("'{}'", stage_code(s)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The stable code of a stage (`stage` columns, gauge names, URLs).
pub fn stage_code(s: Stage) -> &'static str {
    match s {
        Stage::Source => "source",
        Stage::Sympathizer => "sympathizer",
        Stage::Course => "course",
        Stage::Dossier => "dossier",
        Stage::Verification => "verification",
        Stage::CellVote => "cell_vote",
        Stage::GrassrootsVote => "grassroots_vote",
        Stage::AwaitingDecision => "awaiting_decision",
        Stage::AwaitingCeremony => "awaiting_ceremony",
        Stage::Probationary => "probationary",
        Stage::RecognitionVote => "recognition_vote",
        Stage::Official => "official",
        Stage::Withdrawn => "withdrawn",
        Stage::Rejected => "rejected",
        Stage::Removed => "removed",
        Stage::TransferredOut => "transferred_out",
        Stage::Deceased => "deceased",
        Stage::Annulled => "annulled",
    }
}

/// The stage of a [`stage_code`].
pub fn stage_from_code(code: &str) -> Option<Stage> {
    Stage::ALL.into_iter().find(|s| stage_code(*s) == code)
}

/// The period (`YYYY-MM`) of a date.
pub fn period_of(on: Date) -> String {
    format!("{:04}-{:02}", on.year(), on.month())
}

/// The `admission*` metrics an approved decision counts for a candidate with `tags`.
pub fn admission_metrics(tags: &Tags) -> Vec<String> {
    let mut m = vec!["admission".to_string()];
    for (on, name) in [
        (tags.women, "admission.women"),
        (tags.youth_union, "admission.youth_union"),
        (tags.ethnic_minority, "admission.ethnic_minority"),
        (tags.religious, "admission.religious"),
        (tags.youth_age, "admission.youth_age"),
    ] {
        if on {
            m.push(name.to_string());
        }
    }
    if !tags.source_category.is_empty() {
        m.push(format!("admission.source.{}", tags.source_category));
    }
    m
}

/// What `event` does to the counters: `before` is the stage before it (`None` for the first
/// event), `tags` what was stored with it, `cell_id` the cell it was recorded in. Pure: the write
/// path and the rebuild call it with the same arguments and get the same deltas.
/// `before` is the stage before the event and `before_since` the day it was entered.
pub fn deltas(
    event: &Event,
    before: Option<Stage>,
    before_since: Option<Date>,
    tags: &Tags,
    cell_id: i64,
) -> Vec<CounterDelta> {
    let period = period_of(event.on);
    let mut out = Vec::new();
    let mut flow = |metric: &str| {
        out.push(CounterDelta {
            org_id: cell_id,
            period: period.clone(),
            metric: metric.to_string(),
            delta: 1,
        })
    };
    match &event.action {
        Action::Open { .. } => flow("source.opened"),
        Action::ListAsSympathizer { .. } => flow("sympathizer.listed"),
        Action::RecordCertificate { .. }
            if matches!(before, Some(Stage::Sympathizer | Stage::Course))
                && event.stage == Stage::Dossier =>
        {
            flow("course.certified")
        }
        Action::CellVote { .. } => flow(if event.passed == Some(true) {
            "cell_vote.passed"
        } else {
            "cell_vote.failed"
        }),
        Action::AdmissionDecision { approved, .. } => {
            if *approved {
                for m in admission_metrics(tags) {
                    flow(&m);
                }
            } else {
                flow("admission.refused");
            }
        }
        Action::HoldCeremony { .. } => flow("ceremony"),
        Action::Withdraw { .. } => flow("withdrawn"),
        Action::TransferOut { .. } => flow("transfer.out"),
        Action::TransferIn { .. } => flow("transfer.in"),
        Action::RecordDeath => flow("deceased"),
        Action::Annul { .. } => flow("annulment"),
        _ => {}
    }
    if before != Some(event.stage) {
        match event.stage {
            Stage::Official => flow("recognition"),
            Stage::Removed => flow("removal"),
            Stage::Rejected => flow("rejected"),
            _ => {}
        }
    }
    if let (Action::Annul { target, .. }, Some(r)) = (&event.action, &tags.reverses) {
        let metrics = match target {
            AnnulTarget::Admission => admission_metrics(&r.tags),
            AnnulTarget::Recognition => vec!["recognition".to_string()],
        };
        let period = period_of(r.on);
        out.extend(metrics.into_iter().map(|metric| CounterDelta {
            org_id: r.cell_id,
            period: period.clone(),
            metric,
            delta: -1,
        }));
    }
    if before != Some(event.stage) {
        let before_cell = tags.before_cell_id.unwrap_or(cell_id);
        if let Some(b) = before {
            out.push(CounterDelta {
                org_id: before_cell,
                period: GAUGE_PERIOD.to_string(),
                metric: format!("stage.{}", stage_code(b)),
                delta: -1,
            });
            if let (false, Some(since)) = (b.is_terminal(), before_since) {
                out.push(CounterDelta {
                    org_id: before_cell,
                    period: SINCE_PERIOD.to_string(),
                    metric: since_metric(b, since),
                    delta: -1,
                });
            }
        }
        out.push(CounterDelta {
            org_id: cell_id,
            period: GAUGE_PERIOD.to_string(),
            metric: format!("stage.{}", stage_code(event.stage)),
            delta: 1,
        });
        if !event.stage.is_terminal() {
            out.push(CounterDelta {
                org_id: cell_id,
                period: SINCE_PERIOD.to_string(),
                metric: since_metric(event.stage, event.on),
                delta: 1,
            });
        }
    }
    out
}

/// Add deltas up by counter (zero sums dropped), in key order.
pub fn merge(deltas: &[CounterDelta]) -> BTreeMap<(i64, String, String), i64> {
    let mut m: BTreeMap<(i64, String, String), i64> = BTreeMap::new();
    for d in deltas {
        *m.entry((d.org_id, d.period.clone(), d.metric.clone()))
            .or_default() += d.delta;
    }
    m.retain(|_, v| *v != 0);
    m
}

/// Add deltas to the transaction's counters: written when it commits ([`flush`]), added up by
/// counter over all its writes.
pub async fn apply(tx: &mut Tx, deltas: &[CounterDelta]) -> Result<()> {
    for d in deltas {
        *tx.pending
            .counters
            .entry((d.org_id, d.period.clone(), d.metric.clone()))
            .or_default() += d.delta;
    }
    Ok(())
}

/// The rows of counter deltas `own` (organisation, period, metric, delta).
fn delta_rows(own: &BTreeMap<(i64, String, String), i64>) -> Vec<Vec<Val>> {
    own.iter()
        .map(|((o, p, k), v)| {
            vec![
                Val::Int(Some(*o)),
                Val::Text(Some(p.clone())),
                Val::Text(Some(k.clone())),
                Val::Int(Some(*v)),
            ]
        })
        .collect()
}

/// A write's few deltas as two statements, each with its values: the organisations' counters,
/// and their sums over the closure added up by the upsert itself (issue 19, B4: no read of the
/// closure first), in key order. On PostgreSQL each holds one ` WHERE true` (a guard's place,
/// `crate::audit::flush_postgres`).
fn small_statements(engine: crate::Engine, own_rows: &[Vec<Val>]) -> [(String, Vec<Val>); 2] {
    let n = own_rows.len();
    let counter = match engine {
        crate::Engine::Sqlite => format!(
            "INSERT INTO counter (org_id, period, metric, value) VALUES {} \
             ON CONFLICT (org_id, period, metric) DO UPDATE SET value = counter.value + excluded.value",
            crate::bulk::groups(engine, n, 4)
        ),
        crate::Engine::Postgres => format!(
            "INSERT INTO counter (org_id, period, metric, value) SELECT * FROM (VALUES {}) v WHERE true \
             ON CONFLICT (org_id, period, metric) DO UPDATE SET value = counter.value + excluded.value",
            crate::bulk::typed_groups(engine, n, &["BIGINT", "TEXT", "TEXT", "BIGINT"])
        ),
    };
    let sums = format!(
        "WITH v (org_id, period, metric, value) AS (VALUES {}) \
         INSERT INTO counter_sum (org_id, period, metric, value) \
         SELECT oc.ancestor_id, v.period, v.metric, SUM(v.value) \
         FROM v JOIN org_closure oc ON oc.descendant_id = v.org_id WHERE true \
         GROUP BY oc.ancestor_id, v.period, v.metric HAVING SUM(v.value) <> 0 \
         ORDER BY oc.ancestor_id, v.period, v.metric \
         ON CONFLICT (org_id, period, metric) DO UPDATE SET value = counter_sum.value + excluded.value",
        crate::bulk::typed_groups(engine, n, &["BIGINT", "TEXT", "TEXT", "BIGINT"])
    );
    let vals: Vec<Val> = own_rows.iter().flatten().cloned().collect();
    [(counter, vals.clone()), (sums, vals)]
}

/// PostgreSQL: the transaction's counter deltas as [`small_statements`] when they are few (taken
/// from the transaction, to run with its audit rows); nothing when there are none or many (left
/// for [`flush`]).
pub(crate) fn statements(tx: &mut Tx) -> Vec<(String, Vec<Val>)> {
    let own = &mut tx.pending.counters;
    own.retain(|_, v| *v != 0);
    if own.is_empty() || own.len() * 8 > crate::bulk::max_params(crate::Engine::Postgres) {
        return Vec::new();
    }
    let own = std::mem::take(own);
    small_statements(crate::Engine::Postgres, &delta_rows(&own)).into()
}

/// Write the transaction's counter deltas: each organisation's counters, and the same delta on
/// the organisation and every one above it (`counter_sum`, issue 19), as multi-row upserts in key
/// order (so two writers lock shared rows in the same order): for a write's few deltas the sums
/// are added up over the closure in the upsert itself; for an import's many, the closure is read
/// and the sums of all its deltas written in chunks in one key order.
pub(crate) async fn flush(tx: &mut Tx, stamps: Option<(String, Vec<Val>)>) -> Result<()> {
    let mut own = std::mem::take(&mut tx.pending.counters);
    own.retain(|_, v| *v != 0);
    let engine = tx.engine();
    let small = own.len() * 8 <= crate::bulk::max_params(engine);
    // The subtree stamps first (`crate::stamps`): on SQLite in the counters' call when they are
    // few, else on their own.
    let stamps = match stamps {
        Some((sql, vals)) if own.is_empty() || !small || engine == crate::Engine::Postgres => {
            crate::bulk::exec_vals(tx.ex(), &sql, &vals).await?;
            None
        }
        other => other,
    };
    if own.is_empty() {
        return Ok(());
    }
    let own_rows = delta_rows(&own);
    if small {
        // The usual write's few deltas (a step, a note): the sums added up over the closure by
        // the statement that writes them (issue 19, B4: no read of the closure first), in key
        // order; on SQLite both statements in one call (the deltas bound twice).
        let [(counter, vals), (sums, _)] = small_statements(engine, &own_rows);
        match engine {
            crate::Engine::Sqlite => match &stamps {
                Some((stamp_sql, stamp_vals)) => {
                    crate::bulk::exec_vals(
                        tx.ex(),
                        &format!("{stamp_sql}; {counter}; {sums}"),
                        stamp_vals.iter().chain(&vals).chain(&vals),
                    )
                    .await?;
                }
                None => {
                    crate::bulk::exec_vals(
                        tx.ex(),
                        &format!("{counter}; {sums}"),
                        vals.iter().chain(&vals),
                    )
                    .await?;
                }
            },
            crate::Engine::Postgres => {
                crate::bulk::exec_vals(tx.ex(), &counter, &vals).await?;
                crate::bulk::exec_vals(tx.ex(), &sums, &vals).await?;
            }
        }
        return Ok(());
    }
    let orgs: std::collections::BTreeSet<i64> = own.keys().map(|(o, _, _)| *o).collect();
    let keys: Vec<Val> = orgs.iter().map(|o| Val::Int(Some(*o))).collect();
    let above: Vec<(i64, i64)> = crate::bulk::select_in(
        tx,
        "SELECT descendant_id, ancestor_id FROM org_closure WHERE descendant_id IN",
        &[],
        &keys,
    )
    .await?;
    let mut ancestors: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    for (d, a) in above {
        ancestors.entry(d).or_default().push(a);
    }
    let mut sums: BTreeMap<(i64, String, String), i64> = BTreeMap::new();
    for ((org, period, metric), v) in &own {
        for a in ancestors.get(org).map_or(&[][..], Vec::as_slice) {
            *sums
                .entry((*a, period.clone(), metric.clone()))
                .or_default() += v;
        }
    }
    sums.retain(|_, v| *v != 0);
    crate::bulk::insert_tail(
        tx,
        "INSERT INTO counter (org_id, period, metric, value)",
        4,
        &own_rows,
        "ON CONFLICT (org_id, period, metric) DO UPDATE SET value = counter.value + excluded.value",
    )
    .await?;
    crate::bulk::insert_tail(
        tx,
        "INSERT INTO counter_sum (org_id, period, metric, value)",
        4,
        &delta_rows(&sums),
        "ON CONFLICT (org_id, period, metric) DO UPDATE SET value = counter_sum.value + excluded.value",
    )
    .await
}

async fn check_in_scope(conn: &mut Conn, scope: &Scope, org_id: i64) -> Result<()> {
    let (all, user, role) = scope.binds();
    let sql = format!(
        "SELECT o.org_id FROM org o WHERE o.org_id = $1 AND {}",
        scope.org_filter("o.org_id", 2)
    );
    let row: Option<(i64,)> = fetch_optional!(conn.ex(), (i64,), &sql, org_id, all, user, role)?;
    row.map(|_| ()).ok_or(StoreError::NotFound("org"))
}

fn check_period(p: &str) -> Result<()> {
    let b = p.as_bytes();
    let ok = b.len() == 7
        && b[4] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || c.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err(StoreError::invalid(
            format!("bad period {p:?}"),
            "Kỳ báo cáo phải có dạng năm-tháng (YYYY-MM).",
        ))
    }
}

/// The flows of the subtree of `org_id` from `from_period` to `to_period` (both `YYYY-MM`,
/// inclusive), by metric: one join over `org_closure`. The organisation must be in the scope
/// (aggregates: every role may read them).
pub async fn subtree_totals(
    conn: &mut Conn,
    scope: &Scope,
    org_id: i64,
    from_period: &str,
    to_period: &str,
) -> Result<BTreeMap<String, i64>> {
    check_period(from_period)?;
    check_period(to_period)?;
    check_in_scope(conn, scope, org_id).await?;
    let rows: Vec<(String, i64)> = fetch_all!(
        conn.ex(),
        (String, i64),
        "SELECT k.metric, CAST(COALESCE(SUM(k.value), 0) AS BIGINT) FROM counter_sum k \
         WHERE k.org_id = $1 AND k.period >= $2 AND k.period <= $3 AND k.period <> '*' \
         GROUP BY k.metric ORDER BY k.metric",
        org_id,
        from_period,
        to_period
    )?;
    Ok(rows.into_iter().filter(|(_, v)| *v != 0).collect())
}

/// How many candidacies of the subtree of `org_id` stand in each stage now (the gauges), one
/// join over `org_closure`; stages with none are left out.
pub async fn gauges(conn: &mut Conn, scope: &Scope, org_id: i64) -> Result<BTreeMap<Stage, i64>> {
    check_in_scope(conn, scope, org_id).await?;
    let rows: Vec<(String, i64)> = fetch_all!(
        conn.ex(),
        (String, i64),
        "SELECT k.metric, CAST(COALESCE(SUM(k.value), 0) AS BIGINT) FROM counter_sum k \
         WHERE k.org_id = $1 AND k.period = '*' GROUP BY k.metric",
        org_id
    )?;
    let mut out = BTreeMap::new();
    for (metric, v) in rows {
        let stage = metric
            .strip_prefix("stage.")
            .and_then(stage_from_code)
            .ok_or_else(|| StoreError::Corrupt(format!("gauge metric {metric}")))?;
        if v != 0 {
            out.insert(stage, v);
        }
    }
    Ok(out)
}

/// Every stored counter, keyset-paged by key (system use: `ketnap rebuild`). CLI/jobs only.
pub async fn all_counters_page(
    conn: &mut Conn,
    after: Option<&(i64, String, String)>,
    limit: i64,
) -> Result<Vec<(i64, String, String, i64)>> {
    let (o, p, m) = after
        .cloned()
        .unwrap_or((i64::MIN, String::new(), String::new()));
    Ok(fetch_all!(
        conn.ex(),
        (i64, String, String, i64),
        "SELECT org_id, period, metric, value FROM counter \
         WHERE (org_id, period, metric) > ($1, $2, $3) ORDER BY org_id, period, metric LIMIT $4",
        o,
        p,
        m,
        limit
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;
    use ketnap_domain::lifecycle::Authority;

    fn ev(on: Date, action: Action, stage: Stage) -> Event {
        Event {
            on,
            action,
            stage,
            passed: None,
            rules_version: "QĐ 294-QĐ/TW".into(),
            fixed: Default::default(),
            warnings: Vec::new(),
        }
    }

    fn tags() -> Tags {
        Tags {
            women: true,
            youth_age: true,
            source_category: "teacher".into(),
            ..Tags::default()
        }
    }

    #[test]
    fn an_approved_decision_counts_the_admission_and_its_sub_groups_in_its_month() {
        let e = ev(
            date(2025, 6, 16),
            Action::AdmissionDecision {
                decision_no: "345-QĐ/ĐU".into(),
                approved: true,
                authority: Authority::SuperiorStandingCommittee,
                received_on: date(2025, 6, 18),
                superior_consent_on: None,
            },
            Stage::AwaitingCeremony,
        );
        let m = merge(&deltas(
            &e,
            Some(Stage::AwaitingDecision),
            Some(date(2025, 5, 30)),
            &tags(),
            7,
        ));
        let month = |metric: &str| {
            m.get(&(7, "2025-06".to_string(), metric.to_string()))
                .copied()
        };
        assert_eq!(month("admission"), Some(1));
        assert_eq!(month("admission.women"), Some(1));
        assert_eq!(month("admission.youth_age"), Some(1));
        assert_eq!(month("admission.source.teacher"), Some(1));
        assert_eq!(month("admission.religious"), None);
        assert_eq!(
            m.get(&(7, "*".into(), "stage.awaiting_decision".into())),
            Some(&-1)
        );
        assert_eq!(
            m.get(&(7, "*".into(), "stage.awaiting_ceremony".into())),
            Some(&1)
        );
        // The gauges by the day entered: out of the day the decision was awaited from, into the
        // decision's day.
        assert_eq!(
            m.get(&(7, "since".into(), "awaiting_decision:20250530".into())),
            Some(&-1)
        );
        assert_eq!(
            m.get(&(7, "since".into(), "awaiting_ceremony:20250616".into())),
            Some(&1)
        );
    }

    #[test]
    fn annulling_an_admission_takes_it_back_in_the_month_and_cell_of_the_decision() {
        let mut t = tags();
        t.before_cell_id = Some(9);
        t.reverses = Some(Box::new(Reversal {
            on: date(2025, 6, 16),
            cell_id: 7,
            tags: tags(),
        }));
        let e = ev(
            date(2025, 9, 2),
            Action::Annul {
                decision_no: "12-QĐ".into(),
                reason: "Sai quy trình".into(),
                target: AnnulTarget::Admission,
            },
            Stage::Annulled,
        );
        let m = merge(&deltas(
            &e,
            Some(Stage::Probationary),
            Some(date(2025, 7, 1)),
            &t,
            9,
        ));
        assert_eq!(m.get(&(7, "2025-06".into(), "admission".into())), Some(&-1));
        assert_eq!(
            m.get(&(7, "2025-06".into(), "admission.women".into())),
            Some(&-1)
        );
        assert_eq!(m.get(&(9, "2025-09".into(), "annulment".into())), Some(&1));
        assert_eq!(
            m.get(&(9, "*".into(), "stage.probationary".into())),
            Some(&-1)
        );
        assert_eq!(m.get(&(9, "*".into(), "stage.annulled".into())), Some(&1));
        // An ending is not under way: no count by day entered for it.
        assert_eq!(
            m.get(&(9, "since".into(), "probationary:20250701".into())),
            Some(&-1)
        );
        assert!(!m.keys().any(|k| k.2.starts_with("annulled:")));
    }

    #[test]
    fn a_step_that_keeps_the_stage_moves_no_gauge() {
        let e = ev(date(2025, 3, 10), Action::SubmitApplication, Stage::Dossier);
        assert!(deltas(&e, Some(Stage::Dossier), Some(date(2025, 1, 2)), &tags(), 1).is_empty());
    }

    #[test]
    fn stage_codes_round_trip() {
        for s in Stage::ALL {
            assert_eq!(stage_from_code(stage_code(s)), Some(s));
        }
        assert_eq!(period_of(date(2025, 1, 6)), "2025-01");
        assert!(check_period("2025-13").is_ok(), "the shape only is checked");
        assert!(check_period("2025/01").is_err());
    }
}

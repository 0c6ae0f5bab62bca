//! The composition of the people admitted, kept as counters (issue 19): every approved and not
//! annulled admission decision counts its person's facts — the same facts as the membership's
//! (`crate::member_facets`), the age step of the person on the decision's date, the source
//! category of the candidacy (the person's when it has none) and the kind of the cell the
//! decision was recorded in — in that cell and the decision's month (period `adm:YYYY-MM`, metric
//! `<fact>:<value>`), summed per subtree in `counter_sum` like every counter.
//!
//! A report reads its organisation's rows for the months of its period (a row per month and
//! fact value, however many people) instead of every decision of the subtree with its person;
//! a month the period cuts is corrected from the decisions of its days
//! (`reports::admitted_composition`).
//!
//! The counted facts are the person's as they are now (what the scan of the decisions counts):
//! the writes that change them call [`shift`] with −1 before and +1 after — a decision or an
//! annulment recorded (`candidacies`), a person's details edited (`people::update`).
//! `ketnap rebuild` counts the decisions again ([`expected`]); migration 22 filled the rows of
//! an existing database.

use std::collections::BTreeMap;

use jiff::civil::Date;
use ketnap_domain::stats::{Facet, age_steps};

use crate::counters::{CounterDelta, period_of};
use crate::reports::{ADMITTED, FACT_COLS, FactsRow};
use crate::{Conn, Result, StoreError, Tx};

/// The period prefix of these counters.
pub const PERIOD_PREFIX: &str = "adm:";

/// The counters' period of the decisions of `on`'s month.
pub fn period(on: Date) -> String {
    format!("{PERIOD_PREFIX}{}", period_of(on))
}

/// The age step (`stats::age_steps`) of someone `age` full years old: ages between two steps
/// count alike in every composition.
pub(crate) fn age_step(age: u32) -> u32 {
    age_steps()
        .into_iter()
        .rev()
        .find(|&k| k <= age)
        .unwrap_or(0)
}

/// The decisions' rows with their people's facts, over `candidacy_event e`, the cell `org co`,
/// `candidacy c` and `person p`, matching `cond` (binds from `$1`).
fn rows_sql(cond: &str) -> String {
    format!(
        "SELECT e.on_date AS as_of, {FACT_COLS}, c.source_category, co.kind AS cell_kind, \
         e.cell_id AS admitted_in \
         FROM candidacy_event e JOIN org co ON co.org_id = e.cell_id \
         JOIN candidacy c ON c.candidacy_id = e.candidacy_id \
         JOIN person p ON p.person_id = c.person_id \
         WHERE {ADMITTED} AND ({cond})"
    )
}

/// The counter deltas of one decision (`sign` +1 counted, −1 taken back): its facts on its date
/// in its cell and month. The codes are those `member_facet` keeps (read back by
/// `reports::facet_of`), and `age` with the age step.
pub(crate) fn deltas(r: &FactsRow, sign: i64) -> Result<Vec<CounterDelta>> {
    let on = r
        .as_of
        .map(|x| x.to_jiff())
        .ok_or_else(|| StoreError::Corrupt("admission without a date".into()))?;
    let cell = r
        .admitted_in
        .ok_or_else(|| StoreError::Corrupt("admission without a cell".into()))?;
    // The facts as the composition reads them (every code checked).
    let facts = r.facts(on)?;
    let period = period(on);
    let source = if r.source_category.is_empty() {
        &r.person_source_category
    } else {
        &r.source_category
    };
    let flag = |b: bool| if b { "1" } else { "0" }.to_string();
    let values: [(&str, String); 12] = [
        ("person", String::new()),
        ("gender", r.gender.clone()),
        ("age", age_step(facts.age_years).to_string()),
        ("ethnicity", r.ethnicity.clone()),
        ("religion", r.religion.clone()),
        ("education", r.education.clone()),
        ("qualification", r.qualification.clone()),
        ("theory_level", r.theory_level.clone()),
        ("source", source.clone()),
        ("youth_union", flag(r.youth_union_member)),
        ("trade_union", flag(r.trade_union_member)),
        ("cell_kind", r.cell_kind.clone()),
    ];
    Ok(values
        .into_iter()
        .map(|(facet, value)| CounterDelta {
            org_id: cell,
            period: period.clone(),
            metric: format!("{facet}:{value}"),
            delta: sign,
        })
        .collect())
}

/// The fact a counter's metric counts.
pub(crate) fn facet_of_metric(metric: &str) -> Result<Facet> {
    let (facet, value) = metric
        .split_once(':')
        .ok_or_else(|| StoreError::Corrupt("admitted fact".into()))?;
    if facet == "age" {
        return value
            .parse()
            .map(Facet::Age)
            .map_err(|_| StoreError::Corrupt("admitted age".into()));
    }
    crate::reports::facet_of(facet, value)
}

/// Add `sign` (+1 or −1) times the approved, not annulled admission decisions of the
/// candidacies matching `cond` (over `candidacy c`, one integer bind) to the counters: −1 before
/// a write that changes what they count, +1 after it, in the write's transaction.
pub async fn shift(tx: &mut Tx, cond: &str, id: i64, sign: i64) -> Result<()> {
    let rows: Vec<FactsRow> = crate::fetch_all!(tx.ex(), FactsRow, &rows_sql(cond), id)?;
    let mut all = Vec::new();
    for r in &rows {
        all.extend(deltas(r, sign)?);
    }
    crate::counters::apply(tx, &all).await
}

/// Every decision's counters, counted again from the decisions (`ketnap rebuild`).
pub(crate) async fn expected(conn: &mut Conn) -> Result<BTreeMap<(i64, String, String), i64>> {
    let mut out: BTreeMap<(i64, String, String), i64> = BTreeMap::new();
    let sql = rows_sql("1 = 1");
    crate::for_each_row!(conn.ex(), FactsRow, &sql, |r| {
        for d in deltas(&r, 1)? {
            *out.entry((d.org_id, d.period, d.metric)).or_default() += d.delta;
        }
        Ok(())
    })?;
    Ok(out)
}

//! The membership composition kept as counters (issue 19): for every organisation, how many
//! members of its subtree (official and probationary, not left) have each fact — gender, birth
//! date, ethnicity, religion, education, qualification, theory level, source category, Youth
//! Union and trade-union membership, the kind of their cell, and their status (official or
//! probationary: the roster counts, [`crate::members::counts`]) — in `member_facet` (migrations
//! 15 and 17),
//! kept in the writing transaction by [`shift`] and moved with a subtree by `orgs::relink` (as
//! `counter_sum` is).
//!
//! A report reads its organisation's rows (`memberships`) instead of every member of the
//! subtree: ages on a date come from the birth-date rows summed below the birthdays that make
//! each age step ([`age_steps`]); the membership on a past date is the current one corrected by
//! the few members who joined or left since (read through `member (cell_id, admitted_on)` and
//! `(cell_id, left_on)`, added up by fact in the statement). [`crate::reports::membership_composition`] computes the same from
//! every member (the test compares the two), and `ketnap rebuild` compares the rows with the
//! members counted again.
//!
//! The writes that change a counted fact call [`shift`] with −1 before and +1 after: adding
//! members, a status change (becoming official, a recognition annulled, leaving), a move to
//! another cell, a person's details edited, two cells merged.

use std::collections::HashMap;

use jiff::ToSpan;
use jiff::civil::Date;
use ketnap_domain::dates::full_months;
use ketnap_domain::stats::{Composition, Facet, age_steps};

use crate::{Conn, Result, Tx, d};

/// The facts a composition counts as they are (`reports::facet_of` reads each); `birth` (ages
/// are counted on a date) and `status` (the roster counts) are kept beside them.
const FACETS: [&str; 11] = [
    "person",
    "gender",
    "ethnicity",
    "religion",
    "education",
    "qualification",
    "theory_level",
    "source",
    "youth_union",
    "trade_union",
    "cell_kind",
];

/// The facts of the counted members matching `cond` (over `member m`), one row per member and
/// fact: `(cell_id, facet, value)`. The same derivation fills the table (migration 15) and checks
/// it (`ketnap rebuild`).
pub(crate) fn facts_sql(cond: &str) -> String {
    format!(
        "SELECT m.cell_id AS cell_id, f.facet AS facet, CASE f.facet \
           WHEN 'person' THEN '' \
           WHEN 'gender' THEN p.gender \
           WHEN 'birth' THEN CAST(p.birth_date AS TEXT) \
           WHEN 'birth_month' THEN SUBSTR(CAST(p.birth_date AS TEXT), 1, 7) \
           WHEN 'ethnicity' THEN p.ethnicity \
           WHEN 'religion' THEN p.religion \
           WHEN 'education' THEN p.education \
           WHEN 'qualification' THEN p.qualification \
           WHEN 'theory_level' THEN p.theory_level \
           WHEN 'source' THEN p.source_category \
           WHEN 'youth_union' THEN CASE WHEN p.youth_union_member THEN '1' ELSE '0' END \
           WHEN 'trade_union' THEN CASE WHEN p.trade_union_member THEN '1' ELSE '0' END \
           WHEN 'status' THEN m.status \
           ELSE co.kind END AS value \
         FROM member m JOIN person p ON p.person_id = m.person_id \
         JOIN org co ON co.org_id = m.cell_id \
         CROSS JOIN ({facets}) f \
         WHERE m.left_on IS NULL AND m.status IN ('official', 'probationary') AND ({cond})",
        facets = FACETS
            .iter()
            .chain(&["birth", "birth_month", "status"])
            .map(|f| format!("SELECT '{f}' AS facet"))
            .collect::<Vec<_>>()
            .join(" UNION ALL ")
    )
}

/// The rows the table should hold, derived from the members: `(org_id, facet, value, n)`.
pub(crate) fn derived_sql() -> String {
    format!(
        "SELECT oc.ancestor_id AS org_id, x.facet, x.value, CAST(COUNT(*) AS BIGINT) AS n \
         FROM ({}) x JOIN org_closure oc ON oc.descendant_id = x.cell_id \
         GROUP BY oc.ancestor_id, x.facet, x.value",
        facts_sql("1 = 1")
    )
}

/// Add `sign` (+1 or −1) times the facts of the members `member_ids` (those counted: official
/// or probationary, not left) to their cell and every organisation above it. Called with −1
/// before a write that changes a counted fact and +1 after it, in the write's transaction.
pub async fn shift(tx: &mut Tx, member_ids: &[i64], sign: i64) -> Result<()> {
    for chunk in member_ids.chunks(500) {
        let list = chunk
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "INSERT INTO member_facet (org_id, facet, value, n) \
             SELECT oc.ancestor_id, x.facet, x.value, CAST(COUNT(*) * $1 AS BIGINT) \
             FROM ({}) x JOIN org_closure oc ON oc.descendant_id = x.cell_id WHERE 1 = 1 \
             GROUP BY oc.ancestor_id, x.facet, x.value \
             ON CONFLICT (org_id, facet, value) DO UPDATE SET n = member_facet.n + excluded.n",
            facts_sql(&format!("m.member_id IN ({list})"))
        );
        exec!(tx.ex(), &sql, sign)?;
    }
    Ok(())
}

/// The members whose facts `shift` counts that match `cond` with one integer bind (a cell, a
/// person): their ids, for a −1 before and a +1 after a write.
pub async fn ids_where(tx: &mut Tx, cond: &str, id: i64) -> Result<Vec<i64>> {
    let sql = format!(
        "SELECT m.member_id FROM member m WHERE {cond} AND m.left_on IS NULL \
         AND m.status IN ('official', 'probationary')"
    );
    Ok(fetch_all!(tx.ex(), (i64,), &sql, id)?
        .into_iter()
        .map(|(i,)| i)
        .collect())
}

/// A fact value of the members who joined or left, and the change it makes on each of (at most)
/// two dates ([`memberships`]).
type ChangeRow = (String, Option<String>, Option<i64>, Option<i64>);

/// The latest birth date of someone at least `years` full years old on `on`.
fn born_by(on: Date, years: u32) -> Date {
    let need = years * 12;
    let mut b = on.saturating_sub(i64::from(years).years());
    while full_months(b, on) < need {
        b = b.yesterday().unwrap_or(b);
    }
    while let Ok(next) = b.tomorrow() {
        if full_months(next, on) >= need {
            b = next;
        } else {
            break;
        }
    }
    b
}

/// The membership compositions of the subtree of `org_id` on each of `dates` from the counters:
/// the counted facts of the current membership, ages from the birth-date rows, then the members
/// who joined or left after a date taken out or put back for that date.
pub(crate) async fn memberships<const N: usize>(
    conn: &mut Conn,
    org_id: i64,
    dates: [Date; N],
) -> Result<[Composition; N]> {
    let mut counts: [HashMap<Facet, i64>; N] = std::array::from_fn(|_| HashMap::new());
    let Some(first) = dates.iter().min().copied() else {
        return Ok(std::array::from_fn(|_| Composition::new()));
    };
    // The facts other than ages, the same on every date.
    let rows: Vec<(String, String, i64)> = fetch_all!(
        conn.ex(),
        (String, String, i64),
        &format!(
            "SELECT facet, value, n FROM member_facet WHERE org_id = $1 AND facet IN ({}) AND n <> 0",
            FACETS
                .iter()
                .map(|f| format!("'{f}'"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        org_id
    )?;
    for (facet, value, n) in rows {
        let f = crate::reports::facet_of(&facet, &value)?;
        for c in &mut counts {
            *c.entry(f).or_default() += n;
        }
    }
    // Ages: how many were born by the last birthday of each age step, on each date: the birth
    // months before that birthday's month (`birth_month`, at most a row a month, summed between
    // consecutive bounds' months in one pass) and the birth days of its month up to it
    // (`birth`, a few rows a bound).
    let steps = age_steps();
    let mut b = crate::bulk::Binds::default();
    let org = b.push(crate::bulk::Val::Int(Some(org_id)));
    let mut bounds = Vec::new();
    let mut bound_months = Vec::new();
    for on in dates {
        for &k in &steps {
            // Everyone is at least 0 (someone born after the date counts as 0 years old).
            let by = if k == 0 {
                "9999-12-31".to_string()
            } else {
                born_by(on, k).to_string()
            };
            let month = by[..7].to_string();
            let first = format!("{month}-01");
            bound_months.push(month);
            bounds.push(format!(
                "SELECT CAST({} AS BIGINT) AS i, CAST({} AS TEXT) AS by_day, \
                 CAST({} AS TEXT) AS first_day",
                bounds.len(),
                b.push(crate::bulk::Val::Text(Some(by))),
                b.push(crate::bulk::Val::Text(Some(first)))
            ));
        }
    }
    // Born before each of the bounds' months: the months' rows counted into the bands between
    // consecutive (distinct, sorted) bound months, then the bands added up in order.
    let mut edges = bound_months.clone();
    edges.sort_unstable();
    edges.dedup();
    let mut m = crate::bulk::Binds::default();
    let org_m = m.push(crate::bulk::Val::Int(Some(org_id)));
    let whens = edges
        .iter()
        .enumerate()
        .map(|(i, e)| {
            format!(
                "WHEN value < {} THEN {i}",
                m.push(crate::bulk::Val::Text(Some(e.clone())))
            )
        })
        .collect::<Vec<_>>()
        .join(" ");
    let last = m.push(crate::bulk::Val::Text(Some(
        edges.last().cloned().unwrap_or_default(),
    )));
    let bands: Vec<(i64, i64)> = crate::bulk::fetch_vals(
        conn.ex(),
        &format!(
            "SELECT CAST(CASE {whens} END AS BIGINT) AS band, CAST(SUM(n) AS BIGINT) \
             FROM member_facet WHERE org_id = {org_m} AND facet = 'birth_month' AND value < {last} \
             GROUP BY 1"
        ),
        &m.0,
    )
    .await?;
    let mut in_band = vec![0i64; edges.len()];
    for (band, n) in bands {
        if let Some(slot) = usize::try_from(band).ok().and_then(|i| in_band.get_mut(i)) {
            *slot += n;
        }
    }
    // `before[k]`: born in the months before `edges[k]`.
    let before: Vec<i64> = in_band
        .iter()
        .scan(0i64, |acc, n| {
            *acc += n;
            Some(*acc)
        })
        .collect();
    let month_part: Vec<i64> = bound_months
        .iter()
        .map(|mo| {
            edges
                .binary_search(mo)
                .ok()
                .and_then(|k| before.get(k))
                .copied()
                .unwrap_or(0)
        })
        .collect();
    let sql = format!(
        "SELECT t.i, \
         CAST((SELECT COALESCE(SUM(f.n), 0) FROM member_facet f WHERE f.org_id = {org} \
           AND f.facet = 'birth' AND f.value >= t.first_day AND f.value <= t.by_day) AS BIGINT) \
         FROM ({}) t",
        bounds.join(" UNION ALL ")
    );
    let rows: Vec<(i64, i64)> = crate::bulk::fetch_vals(conn.ex(), &sql, &b.0).await?;
    let mut at_least = month_part;
    for (i, n) in rows {
        if let Some(slot) = usize::try_from(i).ok().and_then(|i| at_least.get_mut(i)) {
            *slot += n;
        }
    }
    for (i, c) in counts.iter_mut().enumerate() {
        let of_date = &at_least[i * steps.len()..(i + 1) * steps.len()];
        for (j, &k) in steps.iter().enumerate() {
            let older = of_date.get(j + 1).copied().unwrap_or(0);
            *c.entry(Facet::Age(k)).or_default() += of_date[j] - older;
        }
    }
    // Who joined after the earliest date while counted now, or left after it: each counted on a
    // date as the report's scan counts them, less as they are counted now — added up by fact in
    // the statement, a row per fact value instead of a row per member (issue 19: handing a
    // province's ~5,000 such members over from SQLite's thread one row at a time was 110 ms of
    // its year report; the walk itself is 9 ms).
    let mut b = crate::bulk::Binds::default();
    let org = b.push(crate::bulk::Val::Int(Some(org_id)));
    let since = b.push(crate::bulk::Val::Date(Some(d(first))));
    let mut per_date = Vec::new();
    for (i, on) in dates.iter().enumerate() {
        let on_p = b.push(crate::bulk::Val::Date(Some(d(*on))));
        // The age step on the date: the largest step whose last birthday the member was born by.
        let whens = steps
            .iter()
            .rev()
            .filter(|&&k| k > 0)
            .map(|&k| {
                format!(
                    "WHEN p.birth_date <= {} THEN {k}",
                    b.push(crate::bulk::Val::Date(Some(d(born_by(*on, k)))))
                )
            })
            .collect::<Vec<_>>()
            .join(" ");
        per_date.push(format!(
            "(CASE WHEN (m.admitted_on IS NULL OR m.admitted_on <= {on_p}) \
               AND (m.left_on IS NULL OR m.left_on > {on_p}) THEN 1 ELSE 0 END) \
             - (CASE WHEN m.left_on IS NULL THEN 1 ELSE 0 END) AS d{i}, \
             CAST(CASE {whens} ELSE 0 END AS TEXT) AS a{i}"
        ));
    }
    let cols = format!(
        "p.gender, p.ethnicity, p.religion, p.education, p.qualification, p.theory_level, \
         p.source_category, CASE WHEN p.youth_union_member THEN '1' ELSE '0' END AS youth, \
         CASE WHEN p.trade_union_member THEN '1' ELSE '0' END AS trade, co.kind AS cell_kind, {}",
        per_date.join(", ")
    );
    let walk = |cond: &str| {
        format!(
            "SELECT {cols} FROM org_closure oc JOIN member m ON m.cell_id = oc.descendant_id \
             JOIN org co ON co.org_id = m.cell_id JOIN person p ON p.person_id = m.person_id \
             WHERE oc.ancestor_id = {org} AND {cond}"
        )
    };
    // Two dates at most (a report and its year earlier): the sums of both read alike.
    if N > 2 {
        return Err(crate::StoreError::Corrupt(
            "memberships on more than two dates".into(),
        ));
    }
    let sums = (0..2)
        .map(|i| {
            if i < N {
                format!("CAST(SUM(r.d{i}) AS BIGINT)")
            } else {
                "CAST(0 AS BIGINT)".to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(", ");
    // The rows once (materialized), then each fact's values added up in turn: a cross join of
    // the rows with the facts re-ran the walk per fact (107–136 ms against 39–44 ms in the
    // `sqlite3` shell at a province).
    let by_fact = [
        ("gender", "r.gender"),
        ("ethnicity", "r.ethnicity"),
        ("religion", "r.religion"),
        ("education", "r.education"),
        ("qualification", "r.qualification"),
        ("theory_level", "r.theory_level"),
        ("source", "r.source_category"),
        ("youth_union", "r.youth"),
        ("trade_union", "r.trade"),
        ("cell_kind", "r.cell_kind"),
    ]
    .into_iter()
    .map(|(f, col)| (f.to_string(), col.to_string()))
    .chain((0..N).map(|i| (format!("age{i}"), format!("r.a{i}"))))
    .map(|(f, col)| format!(" UNION ALL SELECT '{f}', {col}, {sums} FROM r GROUP BY {col}"))
    .collect::<String>();
    let sql = format!(
        "WITH r AS MATERIALIZED ({} UNION ALL {}) \
         SELECT 'person', '', {sums} FROM r{by_fact}",
        walk(&format!(
            "m.left_on IS NULL AND m.status IN ('official', 'probationary') AND m.admitted_on > {since}"
        )),
        walk(&format!("m.left_on > {since}")),
    );
    let changed: Vec<ChangeRow> = crate::bulk::fetch_vals(conn.ex(), &sql, &b.0).await?;
    for (facet, value, d0, d1) in changed {
        let value = value.unwrap_or_default();
        let by_date = [d0.unwrap_or(0), d1.unwrap_or(0)];
        let by_date = &by_date[..N];
        if let Some(i) = facet.strip_prefix("age") {
            let i: usize = i
                .parse()
                .map_err(|_| crate::StoreError::Corrupt("age facet".into()))?;
            let age: u32 = value
                .parse()
                .map_err(|_| crate::StoreError::Corrupt("age step".into()))?;
            if let (Some(c), Some(&n)) = (counts.get_mut(i), by_date.get(i))
                && n != 0
            {
                *c.entry(Facet::Age(age)).or_default() += n;
            }
            continue;
        }
        // A fact counted on no date (joined and left between the dates) is not read.
        if by_date.iter().all(|&n| n == 0) {
            continue;
        }
        let f = crate::reports::facet_of(&facet, &value)?;
        for (c, &n) in counts.iter_mut().zip(by_date) {
            *c.entry(f).or_default() += n;
        }
    }
    let mut out: [Composition; N] = std::array::from_fn(|_| Composition::new());
    for (comp, c) in out.iter_mut().zip(counts) {
        *comp = crate::reports::composition_of(c)?;
    }
    Ok(out)
}

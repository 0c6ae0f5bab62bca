//! The stage histories the forecast learns from ([`ketnap_domain::forecast`]): for the subtree of
//! an organisation, every candidacy open today and every other one active since a date, as the
//! stages it entered with their dates. Opaque public ids only, never names: any role with the
//! organisation in its scope may read them, like the counters.

use jiff::civil::Date;
use ketnap_domain::forecast::CandidacyHistory;

use crate::counters::stage_from_code;
use crate::{Conn, Result, Scope, StoreError, d};

/// The histories of the candidacies now in a cell of the subtree of `org_id` that are still
/// candidates or had an event on or after `since`, in one query ordered by candidacy and event:
/// their stage spells (`stage_spell`, one row per stage entered, written with the step) rather
/// than every event.
pub async fn forecast_history(
    conn: &mut Conn,
    scope: &Scope,
    org_id: i64,
    since: Date,
) -> Result<Vec<CandidacyHistory>> {
    crate::reports::org_head(conn, scope, org_id).await?;
    let open = crate::counters::stage_codes(|s| s.is_candidate());
    // One row per candidacy, its spells joined in order (`stage@YYYY-MM-DD;…`): a few
    // thousand rows instead of every spell through the driver.
    let spells = crate::dialect::string_agg(
        conn.engine(),
        "e.stage || '@' || CAST(e.entered_on AS TEXT)",
        ";",
        "e.seq",
    );
    let sql = format!(
        "SELECT c.pub_id, {spells} FROM org_closure oc \
         JOIN candidacy c ON c.cell_id = oc.descendant_id \
         JOIN stage_spell e ON e.candidacy_id = c.candidacy_id \
         WHERE oc.ancestor_id = $1 AND (c.stage IN ({}) OR c.last_on >= $2) \
         GROUP BY c.candidacy_id, c.pub_id ORDER BY c.candidacy_id",
        open
    );
    let rows: Vec<(String, String)> =
        fetch_all!(conn.ex(), (String, String), &sql, org_id, d(since))?;
    let mut out: Vec<CandidacyHistory> = Vec::with_capacity(rows.len());
    for (pub_id, joined) in rows {
        let mut events = Vec::new();
        for spell in joined.split(';') {
            let (stage, on) = spell
                .split_once('@')
                .ok_or_else(|| StoreError::Corrupt(format!("stage spell {spell}")))?;
            let stage = stage_from_code(stage)
                .ok_or_else(|| StoreError::Corrupt(format!("spell stage {stage}")))?;
            let on: Date = on
                .parse()
                .map_err(|e| StoreError::Corrupt(format!("spell date {on}: {e}")))?;
            events.push((on, stage));
        }
        out.push(CandidacyHistory::from_events(pub_id, events));
    }
    Ok(out)
}

/// The admissions (`admission` counter, annulments taken back) of the subtree of `org_id` in
/// each month of `year`, January first: one grouped query. Aggregate: any role with the
/// organisation in its scope.
pub async fn monthly_admissions(
    conn: &mut Conn,
    scope: &Scope,
    org_id: i64,
    year: i16,
) -> Result<[u32; 12]> {
    crate::reports::org_head(conn, scope, org_id).await?;
    let rows: Vec<(String, i64)> = fetch_all!(
        conn.ex(),
        (String, i64),
        "SELECT k.period, CAST(COALESCE(SUM(k.value), 0) AS BIGINT) FROM counter_sum k \
         WHERE k.org_id = $1 AND k.metric = 'admission' AND k.period >= $2 AND k.period <= $3 \
         GROUP BY k.period",
        org_id,
        format!("{year:04}-01"),
        format!("{year:04}-12")
    )?;
    let mut out = [0u32; 12];
    for (period, v) in rows {
        let month: usize = period
            .get(5..7)
            .and_then(|m| m.parse().ok())
            .filter(|m| (1..=12).contains(m))
            .ok_or_else(|| StoreError::Corrupt(format!("counter period {period}")))?;
        out[month - 1] = u32::try_from(v.max(0)).unwrap_or(u32::MAX);
    }
    Ok(out)
}

/// One recent step of a candidacy, for the dashboard.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct RecentEvent {
    /// The step's date.
    pub on: Date,
    /// The step (domain action).
    pub action: ketnap_domain::lifecycle::Action,
    /// The candidacy's public id.
    pub candidacy_pub_id: String,
    /// Họ và tên.
    pub full_name: String,
    /// The cell's name.
    pub cell_name: String,
}

/// The steps of the database that the recent try of [`latest_events`] walks.
const RECENT_STEPS: i64 = 2_000;

/// [`latest_events`]' rows: among the latest [`RECENT_STEPS`] steps (`recent`), or all.
async fn latest_rows(
    conn: &mut Conn,
    scope: &Scope,
    limit: i64,
    recent: bool,
) -> Result<Vec<(jiff_sqlx::Date, String, String, String, String)>> {
    let mut b = crate::bulk::Binds::default();
    let mut wh = if recent {
        crate::candidacies::visible_where_per_row(scope, &mut b, "c.cell_id")
    } else {
        crate::candidacies::visible_where(scope, &mut b)
    };
    // The window and the limit are written into the text, not bound (one text per limit a
    // caller asks for, the dashboard's one): with them bound, PostgreSQL estimates a generic plan
    // for any window and any limit, finds it dearer than a plan for the values given and plans
    // the statement again on every execution — 0.7–1.3 ms of planning for 0.15 ms of execution,
    // the dashboard's largest cost (issue 19, tenth pass). Written in, the generic plan costs
    // what the custom one does and is kept from the sixth execution.
    if recent {
        wh.push(format!(
            "e.event_id > (SELECT COALESCE(MAX(event_id), 0) FROM candidacy_event) - {RECENT_STEPS}"
        ));
    }
    // The recent try walks the steps by key, newest first (`CROSS JOIN` keeps SQLite from
    // starting at the scope's candidacies); the other starts at the scope's candidacies.
    let from = if recent {
        wh.insert(0, "c.candidacy_id = e.candidacy_id".to_string());
        "candidacy_event e CROSS JOIN candidacy c"
    } else {
        "candidacy c JOIN candidacy_event e ON e.candidacy_id = c.candidacy_id"
    };
    // The scope's own steps are sorted by an expression (`+ 0`): ordered by the key itself,
    // PostgreSQL's planner (with statistics) walks every step of the database newest first
    // checking each against the scope — 2.5 s for a district inside a province, 17 ms sorted.
    let order = if recent {
        "e.event_id"
    } else {
        "e.event_id + 0"
    };
    let sql = format!(
        "SELECT e.on_date, e.payload, c.pub_id, p.full_name, o.name FROM ( \
           SELECT e.event_id FROM {from} \
           {} ORDER BY {order} DESC LIMIT {limit}) x \
         JOIN candidacy_event e ON e.event_id = x.event_id JOIN candidacy c ON c.candidacy_id = e.candidacy_id \
         JOIN person p ON p.person_id = c.person_id JOIN org o ON o.org_id = c.cell_id \
         ORDER BY x.event_id DESC",
        if wh.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", wh.join(" AND "))
        }
    );
    crate::bulk::fetch_vals(conn.ex(), &sql, &b.0).await
}

/// The latest `limit` steps recorded on the candidacies the scope sees (most recent first). Names: for roles that see individuals only.
pub async fn latest_events(conn: &mut Conn, scope: &Scope, limit: i64) -> Result<Vec<RecentEvent>> {
    if !scope.role.sees_individuals() {
        return Err(StoreError::Forbidden("individual records"));
    }
    // Written for the scope given (issue 19), in two tries: the database's latest
    // `RECENT_STEPS` steps walked newest first (a busy scope finds its ten there, at a cost that
    // does not grow), else the scope's own steps sorted — never every step of the database
    // walked until ten are visible. Either way the event keys first (covered by an index), then
    // the names and payloads of those ten only.
    let limit = limit.clamp(1, 100);
    let mut rows = latest_rows(conn, scope, limit, true).await?;
    if i64::try_from(rows.len()).unwrap_or(0) < limit {
        rows = latest_rows(conn, scope, limit, false).await?;
    }
    rows.into_iter()
        .map(|(on, payload, candidacy_pub_id, full_name, cell_name)| {
            Ok(RecentEvent {
                on: on.to_jiff(),
                action: crate::candidacies::EventPayload::parse(&payload)?
                    .event
                    .action,
                candidacy_pub_id,
                full_name,
                cell_name,
            })
        })
        .collect()
}

//! Plans: one per organisation and period (a year, a term or a quarter), the domain's
//! [`Plan`] stored as JSON in `plan.body` under its [`Period::code`].
//!
//! Reads take a [`Scope`]; [`children`] lists the plans of an organisation's open children for a
//! period in one query, so the reports can compare them with the parent's plan
//! ([`ketnap_domain::plan::children_gap`]). Writes check the plan ([`Plan::check`]), run in the
//! caller's transaction and append their audit row (targets are counts, never personal data).

use ketnap_domain::plan::{Period, Plan, RateDecision};
use serde::Serialize;
use serde_json::json;

use std::collections::{BTreeSet, HashMap};

use crate::audit::{self, AuditEntry};
use crate::bulk::{self, Val};
use crate::{Conn, Result, Role, Scope, StoreError, Tx, WriteCtx, ts};

/// A plan as stored, with the organisation it belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StoredPlan {
    /// The organisation (internal key).
    #[serde(skip)]
    pub org_id: i64,
    /// The organisation's public id.
    pub org_pub_id: String,
    /// The plan.
    pub plan: Plan,
    /// Last written.
    #[serde(skip)]
    pub updated_at: jiff::Timestamp,
}

/// One open child of an organisation and its plan for the period asked (`None`: no plan yet).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ChildPlan {
    /// The child (internal key).
    #[serde(skip)]
    pub org_id: i64,
    /// Its public id.
    pub org_pub_id: String,
    /// Its code.
    pub code: String,
    /// Its name.
    pub name: String,
    /// Its kind code (`OrgKind::code`).
    pub kind: String,
    /// Its plan for the period, if it has one.
    pub plan: Option<Plan>,
}

/// May this role write plans? Organisation staff and administrators (and the system).
pub fn role_writes_plans(role: Role) -> bool {
    matches!(role, Role::Admin | Role::OrgStaff)
}

fn decode(body: &str) -> Result<Plan> {
    serde_json::from_str(body).map_err(|e| StoreError::Corrupt(format!("plan body: {e}")))
}

/// Create or replace the plan of `org_id` for `plan.period`, with its audit row. The organisation
/// must be in the scope and the scope's role must write plans ([`role_writes_plans`]); a plan
/// that cannot hold ([`Plan::check`]) is refused with its Vietnamese message.
pub async fn upsert(
    tx: &mut Tx,
    ctx: &WriteCtx,
    scope: &Scope,
    org_id: i64,
    plan: &Plan,
) -> Result<()> {
    upsert_many(tx, ctx, scope, &[(org_id, plan)]).await
}

/// [`upsert`] of many plans in a few statements whatever their number (the organisations and
/// the plans already stored read with one `IN (…)` each, the plans written many per
/// statement), one audit row each, in order; a later plan for the same organisation and period
/// replaces an earlier one. Each is checked as [`upsert`] checks it, and nothing is written when
/// one is refused (the first refused names why). The generator writes every organisation's
/// plans this way.
pub async fn upsert_many(
    tx: &mut Tx,
    ctx: &WriteCtx,
    scope: &Scope,
    items: &[(i64, &Plan)],
) -> Result<()> {
    if !role_writes_plans(scope.role) {
        return Err(StoreError::Forbidden("plan write"));
    }
    for (_, plan) in items {
        plan.check()
            .map_err(|e| StoreError::invalid(format!("plan refused: {e:?}"), e.to_string()))?;
        if plan.period.plan_period() != Some(plan.period) {
            return Err(StoreError::invalid(
                "plan for a free range",
                "Kế hoạch lập cho năm, nhiệm kỳ, quý, 6 tháng hoặc tháng; khoảng ngày tự chọn chỉ dùng để xem kết quả.",
            ));
        }
    }
    if items.is_empty() {
        return Ok(());
    }
    let org_keys: Vec<Val> = items
        .iter()
        .map(|(o, _)| *o)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .map(|o| Val::Int(Some(o)))
        .collect();
    let (all, user, role) = scope.binds();
    let select = format!(
        "SELECT o.org_id, o.pub_id, o.closed_on IS NOT NULL FROM org o WHERE {} AND o.org_id IN",
        scope.org_filter("o.org_id", 1)
    );
    let orgs: HashMap<i64, (String, bool)> = bulk::select_in::<(i64, String, bool)>(
        tx,
        &select,
        &[
            Val::Bool(all),
            Val::Int(Some(user)),
            Val::Text(Some(role.to_string())),
        ],
        &org_keys,
    )
    .await?
    .into_iter()
    .map(|(id, pub_id, closed)| (id, (pub_id, closed)))
    .collect();
    for (org_id, _) in items {
        match orgs.get(org_id) {
            None => return Err(StoreError::NotFound("org")),
            Some((_, true)) => {
                return Err(StoreError::invalid(
                    "plan for a closed org",
                    "Tổ chức này đã giải thể hoặc hợp nhất; không lập kế hoạch cho tổ chức đã đóng.",
                ));
            }
            Some((_, false)) => {}
        }
    }
    let mut seen: BTreeSet<(i64, String)> = bulk::select_in::<(i64, String)>(
        tx,
        "SELECT org_id, period FROM plan WHERE org_id IN",
        &[],
        &org_keys,
    )
    .await?
    .into_iter()
    .collect();
    // The last plan for each organisation and period is the one written (one statement may not
    // touch a row twice on PostgreSQL), in the order the items first name them.
    let mut last: HashMap<(i64, String), usize> = HashMap::new();
    let mut order: Vec<(i64, String)> = Vec::new();
    for (i, (org_id, plan)) in items.iter().enumerate() {
        let key = (*org_id, plan.period.code());
        if last.insert(key.clone(), i).is_none() {
            order.push(key);
        }
    }
    let at = ts(ctx.now);
    let mut rows: Vec<Vec<Val>> = Vec::with_capacity(order.len());
    for key in &order {
        let (org_id, plan) = items[last[key]];
        rows.push(vec![
            Val::Int(Some(org_id)),
            Val::Text(Some(key.1.clone())),
            Val::Text(Some(serde_json::to_string(plan)?)),
            Val::Ts(at),
        ]);
    }
    bulk::insert_tail(
        tx,
        "INSERT INTO plan (org_id, period, body, updated_at)",
        4,
        &rows,
        "ON CONFLICT (org_id, period) DO UPDATE SET body = excluded.body, \
         updated_at = excluded.updated_at",
    )
    .await?;
    let mut object_ids = Vec::with_capacity(items.len());
    let mut actions = Vec::with_capacity(items.len());
    for (org_id, plan) in items {
        let period = plan.period.code();
        object_ids.push(format!("{}/{period}", orgs[org_id].0));
        actions.push(if seen.insert((*org_id, period)) {
            "plan.create"
        } else {
            "plan.update"
        });
    }
    let entries: Vec<AuditEntry<'_>> = items
        .iter()
        .zip(&object_ids)
        .zip(&actions)
        .map(|(((org_id, plan), object_id), action)| AuditEntry {
            action,
            object_kind: "plan",
            object_id,
            org_id: Some(*org_id),
            detail: json!({
                "period": plan.period.code(),
                "sources": plan.sources,
                "course_attendees": plan.course_attendees,
                "admissions": plan.admissions,
                "sub_targets": plan.sub_targets.len(),
            }),
        })
        .collect();
    audit::append_many(tx, ctx, &entries).await?;
    Ok(())
}

/// The plan of `org_id` for `period`, if the organisation is in the scope and has one.
pub async fn get(
    conn: &mut Conn,
    scope: &Scope,
    org_id: i64,
    period: Period,
) -> Result<Option<StoredPlan>> {
    let (all, user, role) = scope.binds();
    let sql = format!(
        "SELECT o.pub_id, p.body, p.updated_at FROM plan p JOIN org o ON o.org_id = p.org_id \
         WHERE p.org_id = $1 AND p.period = $2 AND {}",
        scope.org_filter("p.org_id", 3)
    );
    let row: Option<(String, String, jiff_sqlx::Timestamp)> = fetch_optional!(
        conn.ex(),
        (String, String, jiff_sqlx::Timestamp),
        &sql,
        org_id,
        period.code(),
        all,
        user,
        role
    )?;
    row.map(|(org_pub_id, body, at)| {
        Ok(StoredPlan {
            org_id,
            org_pub_id,
            plan: decode(&body)?,
            updated_at: at.to_jiff(),
        })
    })
    .transpose()
}

/// Every plan of `org_id` in the scope (years, terms, quarters), by period code.
pub async fn list_for_org(conn: &mut Conn, scope: &Scope, org_id: i64) -> Result<Vec<StoredPlan>> {
    let (all, user, role) = scope.binds();
    let sql = format!(
        "SELECT o.pub_id, p.body, p.updated_at FROM plan p JOIN org o ON o.org_id = p.org_id \
         WHERE p.org_id = $1 AND {} ORDER BY p.period",
        scope.org_filter("p.org_id", 2)
    );
    let rows: Vec<(String, String, jiff_sqlx::Timestamp)> = fetch_all!(
        conn.ex(),
        (String, String, jiff_sqlx::Timestamp),
        &sql,
        org_id,
        all,
        user,
        role
    )?;
    rows.into_iter()
        .map(|(org_pub_id, body, at)| {
            Ok(StoredPlan {
                org_id,
                org_pub_id,
                plan: decode(&body)?,
                updated_at: at.to_jiff(),
            })
        })
        .collect()
}

/// The open children of `parent_id` in the scope, by name, each with its plan for `period`
/// (`None` where it has none): one query. Feed the plans to
/// [`ketnap_domain::plan::children_gap`] to see where they do not add up to the parent's.
pub async fn children(
    conn: &mut Conn,
    scope: &Scope,
    parent_id: i64,
    period: Period,
) -> Result<Vec<ChildPlan>> {
    let (all, user, role) = scope.binds();
    let sql = format!(
        "SELECT o.org_id, o.pub_id, o.code, o.name, o.kind, p.body FROM org o \
         LEFT JOIN plan p ON p.org_id = o.org_id AND p.period = $1 \
         WHERE o.parent_id = $2 AND o.closed_on IS NULL AND {} ORDER BY o.name, o.org_id",
        scope.org_filter("o.org_id", 3)
    );
    let rows: Vec<(i64, String, String, String, String, Option<String>)> = fetch_all!(
        conn.ex(),
        (i64, String, String, String, String, Option<String>),
        &sql,
        period.code(),
        parent_id,
        all,
        user,
        role
    )?;
    rows.into_iter()
        .map(|(org_id, org_pub_id, code, name, kind, body)| {
            Ok(ChildPlan {
                org_id,
                org_pub_id,
                code,
                name,
                kind,
                plan: body.as_deref().map(decode).transpose()?,
            })
        })
        .collect()
}

/// Record the rates an organisation's directive or resolution sets for its subtree from
/// `year_from` on (replacing its own decision for that year). Staff roles; audited
/// `plan.rates`. The caller checks the organisation is in the user's scope.
pub async fn set_rate_decision(
    tx: &mut Tx,
    ctx: &WriteCtx,
    scope: &Scope,
    org_id: i64,
    d: &RateDecision,
) -> Result<()> {
    if !role_writes_plans(scope.role) {
        return Err(StoreError::Forbidden("plan write"));
    }
    if d.document_no.trim().is_empty() {
        return Err(StoreError::invalid(
            "rate decision without a number",
            "Hãy ghi số văn bản (chỉ thị, nghị quyết) quyết định tỷ lệ.",
        ));
    }
    if d.admissions.is_none() && d.sources.is_none() {
        return Err(StoreError::invalid(
            "rate decision without a rate",
            "Hãy ghi tỷ lệ kết nạp hoặc tỷ lệ tạo nguồn.",
        ));
    }
    if d.document_on > ctx.today() {
        return Err(StoreError::invalid(
            "rate decision in the future",
            "Ngày văn bản ở sau ngày hôm nay.",
        ));
    }
    let pub_id = crate::orgs::pub_id_in_tx(tx, org_id).await?;
    exec!(
        tx.ex(),
        "DELETE FROM rate_decision WHERE org_id = $1 AND year_from = $2",
        org_id,
        i64::from(d.year_from)
    )?;
    let bp = |r: Option<ketnap_domain::rules::PercentRange>| {
        (
            r.map(|r| i64::from(r.low_bp)),
            r.map(|r| i64::from(r.high_bp)),
        )
    };
    let ((al, ah), (sl, sh)) = (bp(d.admissions), bp(d.sources));
    exec!(
        tx.ex(),
        "INSERT INTO rate_decision (org_id, year_from, document_no, document_on, admissions_low_bp, \
         admissions_high_bp, sources_low_bp, sources_high_bp, recorded_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        org_id,
        i64::from(d.year_from),
        d.document_no.trim(),
        crate::d(d.document_on),
        al,
        ah,
        sl,
        sh,
        ts(ctx.now)
    )?;
    audit::append(
        tx,
        ctx,
        &AuditEntry {
            action: "plan.rates",
            object_kind: "org",
            object_id: &pub_id,
            org_id: Some(org_id),
            detail: json!({ "year_from": d.year_from, "document_no": d.document_no.trim() }),
        },
    )
    .await?;
    Ok(())
}

/// The rates in force for `org_id`'s plan of `year`: the latest decision from that year or
/// before of the nearest organisation at or above it that made one (a commune's own resolution
/// before its district's directive); each rate not set there comes from further up.
pub async fn rate_decision_for(
    conn: &mut Conn,
    org_id: i64,
    year: i16,
) -> Result<Option<RateDecision>> {
    type Row = (
        String,
        String,
        jiff_sqlx::Date,
        i64,
        Option<i64>,
        Option<i64>,
        Option<i64>,
        Option<i64>,
    );
    let rows: Vec<Row> = fetch_all!(
        conn.ex(),
        Row,
        "SELECT o.name, r.document_no, r.document_on, r.year_from, r.admissions_low_bp, \
         r.admissions_high_bp, r.sources_low_bp, r.sources_high_bp \
         FROM org_closure oc JOIN rate_decision r ON r.org_id = oc.ancestor_id \
         JOIN org o ON o.org_id = r.org_id \
         WHERE oc.descendant_id = $1 AND r.year_from <= $2 \
         ORDER BY oc.depth, r.year_from DESC",
        org_id,
        i64::from(year)
    )?;
    let range = |l: Option<i64>, h: Option<i64>| match (l, h) {
        (Some(l), Some(h)) => Some(ketnap_domain::rules::PercentRange {
            low_bp: u32::try_from(l).unwrap_or(0),
            high_bp: u32::try_from(h).unwrap_or(0),
        }),
        _ => None,
    };
    let mut out: Option<RateDecision> = None;
    for (name, no, on, from, al, ah, sl, sh) in rows {
        let (adm, src) = (range(al, ah), range(sl, sh));
        match &mut out {
            None => {
                out = Some(RateDecision {
                    decided_by: name,
                    document_no: no,
                    document_on: on.to_jiff(),
                    year_from: i16::try_from(from).unwrap_or(year),
                    admissions: adm,
                    sources: src,
                })
            }
            Some(d) => {
                // The nearest decision's rates win; a rate it left unset comes from above.
                if d.admissions.is_none() {
                    d.admissions = adm;
                }
                if d.sources.is_none() {
                    d.sources = src;
                }
            }
        }
    }
    Ok(out)
}

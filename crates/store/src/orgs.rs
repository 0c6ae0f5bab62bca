//! Organisations and the closure table, kept in the same transaction as inserts, moves and merges.

use jiff::civil::Date;
use ketnap_domain::lifecycle::{
    Authority, CellFacts, EducationException, Standing, StudentThresholds,
};
use ketnap_domain::org::{OrgKind, check_parent};
use ketnap_domain::text::fold;
use serde::Serialize;
use serde_json::json;

use crate::audit::{self, AuditEntry};
use crate::bulk::{self, Val};
use crate::{Conn, PubId, Result, Scope, StoreError, Tx, WriteCtx, d, ts};
use std::collections::HashMap;

/// An organisation as stored.
#[derive(Clone, Debug, PartialEq, Serialize, sqlx::FromRow)]
pub struct Org {
    /// Internal key.
    #[serde(skip)]
    pub org_id: i64,
    /// Public id.
    pub pub_id: String,
    /// Unique code (e.g. `X.TANPHU.CB03`), used by the CLI and imports.
    pub code: String,
    /// Name (Chi bộ thôn Đông…).
    pub name: String,
    /// Kind code (`OrgKind::code`).
    pub kind: String,
    /// Parent.
    #[serde(skip)]
    pub parent_id: Option<i64>,
    /// Who decides admissions for cells here.
    pub competent_authority: String,
    /// Has an elected cell committee (chi ủy).
    pub has_cell_committee: bool,
    /// A Youth Union organisation exists.
    pub youth_union_exists: bool,
    /// Agency/enterprise without Youth Union: the trade union introduces.
    pub trade_union_instead: bool,
    /// Education exception (`primary` / `literate`).
    pub education_exception: Option<String>,
    /// Closed (merged) on.
    #[serde(skip)]
    pub closed_on: Option<jiff_sqlx::Date>,
}

const ORG_COLS: &str = "o.org_id, o.pub_id, o.code, o.name, o.kind, o.parent_id, o.competent_authority, \
    o.has_cell_committee, o.youth_union_exists, o.trade_union_instead, o.education_exception, o.closed_on";

impl Org {
    /// The kind.
    pub fn kind(&self) -> Result<OrgKind> {
        OrgKind::from_code(&self.kind)
            .ok_or_else(|| StoreError::Corrupt(format!("org kind {}", self.kind)))
    }

    /// Closed by a merge.
    pub fn is_closed(&self) -> bool {
        self.closed_on.is_some()
    }

    /// What the lifecycle needs to know about this cell; `has_partial` from its ancestors.
    pub fn cell_facts(&self, has_partial: bool) -> Result<CellFacts> {
        CellCols {
            kind: self.kind.clone(),
            competent_authority: self.competent_authority.clone(),
            youth_union_exists: self.youth_union_exists,
            trade_union_instead: self.trade_union_instead,
            education_exception: self.education_exception.clone(),
        }
        .facts(has_partial)
    }
}

/// The columns of an organisation the lifecycle reads of it as a cell, under the names
/// `cell_…` ([`CellCols::select`]), for a read that joins the cell to another row.
#[derive(Clone, Debug, sqlx::FromRow)]
pub(crate) struct CellCols {
    #[sqlx(rename = "cell_kind")]
    kind: String,
    #[sqlx(rename = "cell_competent_authority")]
    competent_authority: String,
    #[sqlx(rename = "cell_youth_union_exists")]
    youth_union_exists: bool,
    #[sqlx(rename = "cell_trade_union_instead")]
    trade_union_instead: bool,
    #[sqlx(rename = "cell_education_exception")]
    education_exception: Option<String>,
}

impl CellCols {
    /// The select list of organisation `o`'s columns under their `cell_…` names.
    pub(crate) fn select(o: &str) -> String {
        format!(
            "{o}.kind AS cell_kind, {o}.competent_authority AS cell_competent_authority, \
             {o}.youth_union_exists AS cell_youth_union_exists, \
             {o}.trade_union_instead AS cell_trade_union_instead, \
             {o}.education_exception AS cell_education_exception"
        )
    }

    /// The facts of the cell (`has_partial`: a partial committee above it).
    pub(crate) fn facts(&self, has_partial: bool) -> Result<CellFacts> {
        let kind = OrgKind::from_code(&self.kind)
            .ok_or_else(|| StoreError::Corrupt(format!("org kind {}", self.kind)))?;
        let mut f = CellFacts::for_kind(
            &kind,
            has_partial,
            authority_from_code(&self.competent_authority),
        );
        f.youth_union_exists = self.youth_union_exists;
        // An agency's or enterprise's cell goes through the trade union by its kind; another
        // organisation where the office recorded it.
        f.trade_union_instead |= self.trade_union_instead;
        f.education_exception = match self.education_exception.as_deref() {
            Some("primary") => Some(EducationException::Primary),
            Some("literate") => Some(EducationException::Literate),
            _ => None,
        };
        Ok(f)
    }
}

/// Whether a partial committee is above organisation `org` (an SQL expression): the ancestors
/// through the closure, each one's kind by its key (see `members::grassroots_sql`).
pub(crate) fn has_partial_sql(org: &str) -> String {
    format!(
        "EXISTS (SELECT 1 FROM org_closure pc WHERE pc.descendant_id = {org} AND pc.depth > 0 \
         AND (SELECT p.kind = 'partial' FROM org p WHERE p.org_id = pc.ancestor_id))"
    )
}

/// Stable code of an [`Authority`].
pub fn authority_code(a: Authority) -> &'static str {
    match a {
        Authority::GrassrootsCommittee => "grassroots_committee",
        Authority::SuperiorStandingCommittee => "superior_standing_committee",
        Authority::CentralLevelCommittee => "central_level_committee",
    }
}

/// The [`Authority`] of a code (unknown codes read as the usual superior standing committee).
pub fn authority_from_code(code: &str) -> Authority {
    match code {
        "grassroots_committee" => Authority::GrassrootsCommittee,
        "central_level_committee" => Authority::CentralLevelCommittee,
        _ => Authority::SuperiorStandingCommittee,
    }
}

/// A new organisation.
#[derive(Clone, Debug)]
pub struct NewOrg {
    /// Unique code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: OrgKind,
    /// Parent (internal key); `None` for a root.
    pub parent_id: Option<i64>,
    /// Who decides admissions.
    pub competent_authority: Authority,
    /// A Youth Union exists.
    pub youth_union_exists: bool,
    /// Trade union introduces instead of the Youth Union.
    pub trade_union_instead: bool,
    /// Education exception.
    pub education_exception: Option<EducationException>,
    /// Public id to use (a seeded generator passes one; `None` draws a random one).
    pub pub_id: Option<PubId>,
}

impl NewOrg {
    /// An organisation with the usual defaults.
    pub fn new(
        code: impl Into<String>,
        name: impl Into<String>,
        kind: OrgKind,
        parent_id: Option<i64>,
    ) -> NewOrg {
        NewOrg {
            code: code.into(),
            name: name.into(),
            kind,
            parent_id,
            competent_authority: Authority::SuperiorStandingCommittee,
            youth_union_exists: true,
            trade_union_instead: false,
            education_exception: None,
            pub_id: None,
        }
    }
}

async fn kind_of(tx: &mut Tx, org_id: i64) -> Result<OrgKind> {
    let (kind,): (String,) = fetch_optional!(
        tx.ex(),
        (String,),
        "SELECT kind FROM org WHERE org_id = $1",
        org_id
    )?
    .ok_or(StoreError::NotFound("org"))?;
    OrgKind::from_code(&kind).ok_or_else(|| StoreError::Corrupt(format!("org kind {kind}")))
}

fn violation(v: ketnap_domain::Violation) -> StoreError {
    StoreError::invalid(format!("org rule {}", v.rule_id), v.message_vi)
}

/// Create an organisation and its closure rows, with the audit row; returns the internal key.
pub async fn create(tx: &mut Tx, ctx: &WriteCtx, new: &NewOrg) -> Result<i64> {
    let parent_kind = match new.parent_id {
        Some(p) => Some(kind_of(tx, p).await?),
        None => None,
    };
    check_parent(&new.kind, parent_kind.as_ref()).map_err(violation)?;
    if new.code.trim().is_empty() || new.name.trim().is_empty() {
        return Err(StoreError::invalid(
            "empty org code or name",
            "Mã và tên tổ chức không được để trống.",
        ));
    }
    ketnap_domain::limits::ORG_NAME
        .check(new.name.trim())
        .and_then(|()| ketnap_domain::limits::ORG_CODE.check(new.code.trim()))
        .map_err(|m| StoreError::invalid("org name or code too long", m))?;
    let taken: Option<(i64,)> = fetch_optional!(
        tx.ex(),
        (i64,),
        "SELECT org_id FROM org WHERE code = $1",
        new.code.trim()
    )?;
    if taken.is_some() {
        return Err(StoreError::invalid(
            "duplicate org code",
            format!("Mã tổ chức “{}” đã được dùng.", new.code.trim()),
        ));
    }
    let pub_id = new.pub_id.clone().unwrap_or_else(PubId::generate);
    let (org_id,): (i64,) = fetch_one!(
        tx.ex(),
        (i64,),
        "INSERT INTO org (pub_id, code, name, search_text, kind, parent_id, competent_authority, youth_union_exists, \
         trade_union_instead, education_exception, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING org_id",
        pub_id.as_str(),
        new.code.trim(),
        new.name.trim(),
        fold(&new.name),
        new.kind.code(),
        new.parent_id,
        authority_code(new.competent_authority),
        new.youth_union_exists,
        new.trade_union_instead,
        new.education_exception.map(|e| match e {
            EducationException::Primary => "primary",
            EducationException::Literate => "literate",
        }),
        ts(ctx.now)
    )?;
    exec!(
        tx.ex(),
        "INSERT INTO org_closure (ancestor_id, descendant_id, depth) \
         SELECT ancestor_id, $1, depth + 1 FROM org_closure WHERE descendant_id = $2 \
         UNION ALL SELECT $1, $1, 0",
        org_id,
        new.parent_id.unwrap_or(-1)
    )?;
    audit::append(
        tx,
        ctx,
        &AuditEntry {
            action: "org.create",
            object_kind: "org",
            object_id: pub_id.as_str(),
            org_id: Some(org_id),
            detail: json!({ "kind": new.kind.code(), "code": new.code.trim(), "parent_id": new.parent_id }),
        },
    )
    .await?;
    Ok(org_id)
}

/// A table of sums kept per subtree (each organisation's row sums its subtree): its name, the
/// columns that key a sum beside `org_id`, and the summed column. A moved subtree's rows leave
/// its old ancestors' sums and join its new ones'.
struct SubtreeSums {
    table: &'static str,
    keys: &'static [&'static str],
    sum: &'static str,
}

/// The per-subtree sums: the counters (`counters::apply`) and the membership composition
/// (`member_facets::shift`).
const SUBTREE_SUMS: [SubtreeSums; 2] = [
    SubtreeSums {
        table: "counter_sum",
        keys: &["period", "metric"],
        sum: "value",
    },
    SubtreeSums {
        table: "member_facet",
        keys: &["facet", "value"],
        sum: "n",
    },
];

impl SubtreeSums {
    /// `$1`'s rows taken from every ancestor above it (before the closure is cut).
    fn leave_sql(&self) -> String {
        let SubtreeSums { table, sum, .. } = self;
        let same: String = self
            .keys
            .iter()
            .map(|k| format!(" AND s.{k} = {table}.{k}"))
            .collect();
        format!(
            "UPDATE {table} SET {sum} = {sum} - (SELECT s.{sum} FROM {table} s WHERE s.org_id = $1{same}) \
             WHERE org_id IN (SELECT ancestor_id FROM org_closure WHERE descendant_id = $1 AND depth > 0) \
             AND EXISTS (SELECT 1 FROM {table} s WHERE s.org_id = $1{same})"
        )
    }

    /// `$1`'s rows added to `$2` and every organisation above it.
    fn join_sql(&self) -> String {
        let SubtreeSums { table, sum, .. } = self;
        let keys = self.keys.join(", ");
        let picked: String = self.keys.iter().map(|k| format!("s.{k}, ")).collect();
        format!(
            "INSERT INTO {table} (org_id, {keys}, {sum}) \
             SELECT a.ancestor_id, {picked}s.{sum} FROM org_closure a \
             JOIN {table} s ON s.org_id = $1 WHERE a.descendant_id = $2 \
             ON CONFLICT (org_id, {keys}) DO UPDATE SET {sum} = {table}.{sum} + excluded.{sum}"
        )
    }
}

async fn relink(tx: &mut Tx, org_id: i64, new_parent: i64) -> Result<()> {
    // Counters the transaction added so far land under the old ancestors and move with the rest.
    tx.flush().await?;
    // The subtree's sums leave those of its old ancestors (issue 19: `counter_sum`,
    // `member_facet`)…
    for t in &SUBTREE_SUMS {
        exec!(tx.ex(), &t.leave_sql(), org_id)?;
    }
    // Cut the subtree from its old ancestors, then join it under the new parent's ancestors.
    exec!(
        tx.ex(),
        "DELETE FROM org_closure WHERE descendant_id IN (SELECT descendant_id FROM org_closure WHERE ancestor_id = $1) \
         AND ancestor_id NOT IN (SELECT descendant_id FROM org_closure WHERE ancestor_id = $1)",
        org_id
    )?;
    exec!(
        tx.ex(),
        "INSERT INTO org_closure (ancestor_id, descendant_id, depth) \
         SELECT a.ancestor_id, s.descendant_id, a.depth + s.depth + 1 \
         FROM org_closure a JOIN org_closure s ON s.ancestor_id = $1 WHERE a.descendant_id = $2",
        org_id,
        new_parent
    )?;
    // …and join those of the new parent and every one above it.
    for t in &SUBTREE_SUMS {
        exec!(tx.ex(), &t.join_sql(), org_id, new_parent)?;
    }
    exec!(
        tx.ex(),
        "UPDATE org SET parent_id = $1 WHERE org_id = $2",
        new_parent,
        org_id
    )?;
    Ok(())
}

async fn is_in_subtree(tx: &mut Tx, root: i64, node: i64) -> Result<bool> {
    let row: Option<(i64,)> = fetch_optional!(
        tx.ex(),
        (i64,),
        "SELECT depth FROM org_closure WHERE ancestor_id = $1 AND descendant_id = $2",
        root,
        node
    )?;
    Ok(row.is_some())
}

/// What [`update`] may change: the name and the flags.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrgEdit {
    /// Name.
    pub name: String,
    /// Has an elected cell committee (chi ủy).
    pub has_cell_committee: bool,
    /// A Youth Union organisation exists.
    pub youth_union_exists: bool,
    /// The trade union introduces instead of the Youth Union.
    pub trade_union_instead: bool,
}

/// Change an open organisation's name and flags, with the audit row `org.update` (codes only).
pub async fn update(tx: &mut Tx, ctx: &WriteCtx, org_id: i64, edit: &OrgEdit) -> Result<()> {
    let name = edit.name.trim();
    if name.is_empty() {
        return Err(StoreError::invalid(
            "empty org name",
            "Tên tổ chức không được để trống.",
        ));
    }
    ketnap_domain::limits::ORG_NAME
        .check(name)
        .map_err(|m| StoreError::invalid("org name too long", m))?;
    let (pub_id, closed): (String, Option<jiff_sqlx::Date>) = fetch_optional!(
        tx.ex(),
        (String, Option<jiff_sqlx::Date>),
        "SELECT pub_id, closed_on FROM org WHERE org_id = $1",
        org_id
    )?
    .ok_or(StoreError::NotFound("org"))?;
    if closed.is_some() {
        return Err(StoreError::invalid(
            "update of a closed org",
            "Tổ chức đã giải thể hoặc hợp nhất, không sửa được.",
        ));
    }
    exec!(
        tx.ex(),
        "UPDATE org SET name = $1, has_cell_committee = $2, youth_union_exists = $3, trade_union_instead = $4 \
         WHERE org_id = $5",
        name,
        edit.has_cell_committee,
        edit.youth_union_exists,
        edit.trade_union_instead,
        org_id
    )?;
    audit::append(
        tx,
        ctx,
        &AuditEntry {
            action: "org.update",
            object_kind: "org",
            object_id: &pub_id,
            org_id: Some(org_id),
            detail: json!({
                "has_cell_committee": edit.has_cell_committee,
                "youth_union_exists": edit.youth_union_exists,
                "trade_union_instead": edit.trade_union_instead,
            }),
        },
    )
    .await?;
    Ok(())
}

/// Move an organisation with its subtree under `new_parent`, keeping the move in `org_move`.
pub async fn move_subtree(
    tx: &mut Tx,
    ctx: &WriteCtx,
    org_id: i64,
    new_parent: i64,
    on: Date,
    reason: &str,
) -> Result<()> {
    let kind = kind_of(tx, org_id).await?;
    let parent_kind = kind_of(tx, new_parent).await?;
    if is_in_subtree(tx, org_id, new_parent).await? {
        return Err(StoreError::invalid(
            "move under own subtree",
            "Không thể chuyển một tổ chức vào trực thuộc chính nó hoặc tổ chức cấp dưới của nó.",
        ));
    }
    check_parent(&kind, Some(&parent_kind)).map_err(violation)?;
    let (old_parent, pub_id): (Option<i64>, String) = fetch_one!(
        tx.ex(),
        (Option<i64>, String),
        "SELECT parent_id, pub_id FROM org WHERE org_id = $1",
        org_id
    )?;
    relink(tx, org_id, new_parent).await?;
    record_move(tx, ctx, org_id, old_parent, Some(new_parent), on, reason).await?;
    audit::append(
        tx,
        ctx,
        &AuditEntry {
            action: "org.move",
            object_kind: "org",
            object_id: &pub_id,
            org_id: Some(org_id),
            detail: json!({ "from": old_parent, "to": new_parent, "on": on.to_string() }),
        },
    )
    .await?;
    Ok(())
}

async fn record_move(
    tx: &mut Tx,
    ctx: &WriteCtx,
    org_id: i64,
    old_parent: Option<i64>,
    new_parent: Option<i64>,
    on: Date,
    reason: &str,
) -> Result<()> {
    exec!(
        tx.ex(),
        "INSERT INTO org_move (org_id, old_parent_id, new_parent_id, moved_on, reason, recorded_at) VALUES ($1, $2, $3, $4, $5, $6)",
        org_id,
        old_parent,
        new_parent,
        d(on),
        reason,
        ts(ctx.now)
    )?;
    Ok(())
}

/// Merge `from` into `into` (the 2025 commune mergers): `from`'s children move under `into`;
/// when both are cells, `from`'s members and candidacies move to `into`. `from` is closed and
/// kept as a closed child of `into`, so its history (events, counters) rolls up into `into`'s
/// subtree. Returns how many children moved.
pub async fn merge(
    tx: &mut Tx,
    ctx: &WriteCtx,
    from: i64,
    into: i64,
    on: Date,
    reason: &str,
) -> Result<u64> {
    if from == into || is_in_subtree(tx, from, into).await? {
        return Err(StoreError::invalid(
            "merge into own subtree",
            "Không thể hợp nhất một tổ chức vào chính nó hoặc cấp dưới của nó.",
        ));
    }
    let from_kind = kind_of(tx, from).await?;
    let into_kind = kind_of(tx, into).await?;
    if from_kind.is_cell() != into_kind.is_cell() {
        return Err(StoreError::invalid(
            "merge of a cell with a committee",
            "Chỉ hợp nhất chi bộ với chi bộ, hoặc đảng bộ với đảng bộ.",
        ));
    }
    let children: Vec<(i64,)> = fetch_all!(
        tx.ex(),
        (i64,),
        "SELECT org_id FROM org WHERE parent_id = $1 AND closed_on IS NULL ORDER BY org_id",
        from
    )?;
    for (child,) in &children {
        let k = kind_of(tx, *child).await?;
        check_parent(&k, Some(&into_kind)).map_err(violation)?;
        relink(tx, *child, into).await?;
        record_move(tx, ctx, *child, Some(from), Some(into), on, reason).await?;
    }
    if from_kind.is_cell() {
        // The members' cell (its kind) changes: out of the composition counters and back in.
        let members = crate::member_facets::ids_where(tx, "m.cell_id = $1", from).await?;
        crate::member_facets::shift(tx, &members, -1).await?;
        exec!(
            tx.ex(),
            "UPDATE member SET cell_id = $1 WHERE cell_id = $2",
            into,
            from
        )?;
        crate::member_facets::shift(tx, &members, 1).await?;
        exec!(
            tx.ex(),
            "UPDATE candidacy SET cell_id = $1 WHERE cell_id = $2",
            into,
            from
        )?;
        // The overdue counts follow the alert rows to their new cell.
        let overdue: Vec<(i64, i64)> = fetch_all!(
            tx.ex(),
            (i64, i64),
            "SELECT CAST(status AS BIGINT), CAST(rank AS BIGINT) FROM alert_due \
             WHERE cell_id = $1 AND status = 0",
            from
        )?;
        let mut moved = Vec::new();
        for (status, rank) in overdue {
            moved.extend(crate::alert_queue::overdue_deltas(from, status, rank, -1));
            moved.extend(crate::alert_queue::overdue_deltas(into, status, rank, 1));
        }
        crate::counters::apply(tx, &moved).await?;
        exec!(
            tx.ex(),
            "UPDATE alert_due SET cell_id = $1 WHERE cell_id = $2",
            into,
            from
        )?;
        // The verification desk follows its candidacies (it lists requests by cell).
        exec!(
            tx.ex(),
            "UPDATE verification_request SET cell_id = $1 WHERE cell_id = $2",
            into,
            from
        )?;
    }
    let old_parent: (Option<i64>, String) = fetch_one!(
        tx.ex(),
        (Option<i64>, String),
        "SELECT parent_id, pub_id FROM org WHERE org_id = $1",
        from
    )?;
    relink(tx, from, into).await?;
    exec!(
        tx.ex(),
        "UPDATE org SET closed_on = $1, merged_into = $2 WHERE org_id = $3",
        d(on),
        into,
        from
    )?;
    record_move(tx, ctx, from, old_parent.0, Some(into), on, reason).await?;
    audit::append(
        tx,
        ctx,
        &AuditEntry {
            action: "org.merge",
            object_kind: "org",
            object_id: &old_parent.1,
            org_id: Some(into),
            detail: json!({ "from": from, "into": into, "children": children.len(), "on": on.to_string() }),
        },
    )
    .await?;
    Ok(children.len() as u64)
}

/// Organisations in Vietnamese order of their names (the engines' own collations disagree on đ).
fn sorted(mut orgs: Vec<Org>) -> Vec<Org> {
    let collator = ketnap_domain::text::NameCollator::shared();
    orgs.sort_by(|a, b| {
        collator
            .compare(&a.name, &b.name)
            .then(a.org_id.cmp(&b.org_id))
    });
    orgs
}

/// An organisation by public id, if in the scope.
pub async fn get(conn: &mut Conn, scope: &Scope, pub_id: &str) -> Result<Org> {
    let (all, user, role) = scope.binds();
    let sql = format!(
        "SELECT {ORG_COLS} FROM org o WHERE o.pub_id = $1 AND {}",
        scope.org_filter("o.org_id", 2)
    );
    fetch_optional!(conn.ex(), Org, &sql, pub_id, all, user, role)?
        .ok_or(StoreError::NotFound("org"))
}

/// An organisation by internal key (system use: CLI, jobs, and after a scoped lookup).
pub async fn get_by_id(conn: &mut Conn, org_id: i64) -> Result<Org> {
    let sql = format!("SELECT {ORG_COLS} FROM org o WHERE o.org_id = $1");
    fetch_optional!(conn.ex(), Org, &sql, org_id)?.ok_or(StoreError::NotFound("org"))
}

/// An organisation by code (CLI).
pub async fn by_code(conn: &mut Conn, code: &str) -> Result<Org> {
    let sql = format!("SELECT {ORG_COLS} FROM org o WHERE o.code = $1");
    fetch_optional!(conn.ex(), Org, &sql, code)?.ok_or(StoreError::NotFound("org"))
}

/// The open children of an organisation in the scope, by name.
pub async fn children(conn: &mut Conn, scope: &Scope, parent_id: i64) -> Result<Vec<Org>> {
    let (all, user, role) = scope.binds();
    let sql = format!(
        "SELECT {ORG_COLS} FROM org o WHERE o.parent_id = $1 AND o.closed_on IS NULL AND {}",
        scope.org_filter("o.org_id", 2)
    );
    Ok(sorted(fetch_all!(
        conn.ex(),
        Org,
        &sql,
        parent_id,
        all,
        user,
        role
    )?))
}

/// The roots of the scope: the organisations of its `user_scope` rows (all roots for the system).
pub async fn scope_roots(conn: &mut Conn, scope: &Scope) -> Result<Vec<Org>> {
    match scope.user_id {
        None => {
            let sql = format!("SELECT {ORG_COLS} FROM org o WHERE o.parent_id IS NULL");
            Ok(sorted(fetch_all!(conn.ex(), Org, &sql)?))
        }
        Some(user) => {
            let sql = format!(
                "SELECT {ORG_COLS} FROM org o JOIN user_scope us ON us.org_id = o.org_id \
                 WHERE us.user_id = $1 AND us.role = $2"
            );
            Ok(sorted(fetch_all!(
                conn.ex(),
                Org,
                &sql,
                user,
                scope.role.code()
            )?))
        }
    }
}

/// An open cell of the scope with the name of the organisation directly above it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct CellAbove {
    /// The cell.
    #[sqlx(flatten)]
    pub cell: Org,
    /// The name of its parent organisation ("" for a root).
    pub parent_name: String,
}

/// The open cells of the scope (at most `limit`), each with the organisation above it: one query
/// over the scope's subtrees, for the cell picker (its cost follows the cells it lists).
pub async fn open_cells(conn: &mut Conn, scope: &Scope, limit: usize) -> Result<Vec<CellAbove>> {
    let cap = i64::try_from(limit).unwrap_or(i64::MAX);
    let cells = "o.closed_on IS NULL AND (o.kind LIKE 'cell:%' OR o.kind LIKE 'grassroots_cell:%')";
    Ok(match scope.user_id {
        None => {
            let sql = format!(
                "SELECT {ORG_COLS}, COALESCE(par.name, '') AS parent_name FROM org o \
                 LEFT JOIN org par ON par.org_id = o.parent_id WHERE {cells} ORDER BY o.org_id LIMIT $1"
            );
            fetch_all!(conn.ex(), CellAbove, &sql, cap)?
        }
        Some(user) => {
            let sql = format!(
                "SELECT DISTINCT {ORG_COLS}, COALESCE(par.name, '') AS parent_name FROM user_scope us \
                 JOIN org_closure oc ON oc.ancestor_id = us.org_id \
                 JOIN org o ON o.org_id = oc.descendant_id \
                 LEFT JOIN org par ON par.org_id = o.parent_id \
                 WHERE us.user_id = $1 AND us.role = $2 AND {cells} ORDER BY o.org_id LIMIT $3"
            );
            fetch_all!(conn.ex(), CellAbove, &sql, user, scope.role.code(), cap)?
        }
    })
}

/// The top of the scope as an indented outline: the scope's roots and their open descendants down
/// to `max_depth` levels below them, in tree order with siblings by name, each with its depth
/// below its root; at most `limit` organisations. One query (filters and pickers use it).
pub async fn outline(
    conn: &mut Conn,
    scope: &Scope,
    max_depth: i64,
    limit: usize,
) -> Result<Vec<(Org, usize)>> {
    let cap = i64::try_from(limit.saturating_mul(4)).unwrap_or(i64::MAX);
    let rows: Vec<Org> = match scope.user_id {
        None => {
            let sql = format!(
                "SELECT DISTINCT {ORG_COLS} FROM org r JOIN org_closure oc ON oc.ancestor_id = r.org_id \
                 JOIN org o ON o.org_id = oc.descendant_id \
                 WHERE r.parent_id IS NULL AND oc.depth <= $1 AND (o.closed_on IS NULL OR oc.depth = 0) \
                 ORDER BY o.org_id LIMIT $2"
            );
            fetch_all!(conn.ex(), Org, &sql, max_depth, cap)?
        }
        Some(user) => {
            let sql = format!(
                "SELECT DISTINCT {ORG_COLS} FROM user_scope us \
                 JOIN org_closure oc ON oc.ancestor_id = us.org_id \
                 JOIN org o ON o.org_id = oc.descendant_id \
                 WHERE us.user_id = $1 AND us.role = $2 AND oc.depth <= $3 \
                 AND (o.closed_on IS NULL OR oc.depth = 0) ORDER BY o.org_id LIMIT $4"
            );
            fetch_all!(
                conn.ex(),
                Org,
                &sql,
                user,
                scope.role.code(),
                max_depth,
                cap
            )?
        }
    };
    let ids: std::collections::HashSet<i64> = rows.iter().map(|o| o.org_id).collect();
    let mut by_parent: std::collections::HashMap<Option<i64>, Vec<Org>> =
        std::collections::HashMap::new();
    for o in rows {
        // Whoever's parent is not in the set is a root of the outline.
        let key = o.parent_id.filter(|p| ids.contains(p));
        by_parent.entry(key).or_default().push(o);
    }
    let mut stack: Vec<(Org, usize)> = sorted(by_parent.remove(&None).unwrap_or_default())
        .into_iter()
        .rev()
        .map(|o| (o, 0))
        .collect();
    let mut out = Vec::new();
    while let Some((o, depth)) = stack.pop() {
        if out.len() >= limit {
            break;
        }
        if let Some(children) = by_parent.remove(&Some(o.org_id)) {
            stack.extend(sorted(children).into_iter().rev().map(|c| (c, depth + 1)));
        }
        out.push((o, depth));
    }
    Ok(out)
}

/// How many open cells the subtree of `org_id` holds (grassroots cells included). Aggregate:
/// call after a scoped lookup of `org_id`.
pub async fn cell_count(conn: &mut Conn, org_id: i64) -> Result<i64> {
    let (n,): (i64,) = fetch_one!(
        conn.ex(),
        (i64,),
        "SELECT CAST(COUNT(*) AS BIGINT) FROM org_closure oc JOIN org o ON o.org_id = oc.descendant_id \
         WHERE oc.ancestor_id = $1 AND o.closed_on IS NULL \
         AND (o.kind LIKE 'cell:%' OR o.kind LIKE 'grassroots_cell:%')",
        org_id
    )?;
    Ok(n)
}

/// The ancestors of an organisation, root first, itself last (breadcrumbs).
pub async fn path(conn: &mut Conn, org_id: i64) -> Result<Vec<Org>> {
    let sql = format!(
        "SELECT {ORG_COLS} FROM org o JOIN org_closure c ON c.ancestor_id = o.org_id \
         WHERE c.descendant_id = $1 ORDER BY c.depth DESC"
    );
    Ok(fetch_all!(conn.ex(), Org, &sql, org_id)?)
}

/// An organisation's [`path`] with the nearest student thresholds above it ([`student_thresholds`])
/// — what judging a cell's next step reads of the tree: the cell, the committees above it, the
/// thresholds — in one query instead of four (issue 19: the candidate page on PostgreSQL, where
/// every statement is a round trip).
#[derive(Clone, Debug)]
pub struct PathFacts {
    /// From the root down to the organisation itself.
    pub path: Vec<Org>,
    /// The nearest thresholds above the organisation, itself included.
    pub thresholds: Option<StudentThresholds>,
}

impl PathFacts {
    /// The organisation itself.
    pub fn org(&self) -> Result<&Org> {
        self.path.last().ok_or(StoreError::NotFound("org"))
    }

    /// Whether a partial committee stands between the organisation and its root.
    pub fn has_partial_above(&self) -> bool {
        self.path.iter().rev().skip(1).any(|o| o.kind == "partial")
    }
}

/// Row of [`path_facts`]: an organisation of the path with the thresholds' text.
#[derive(sqlx::FromRow)]
struct PathRow {
    #[sqlx(flatten)]
    org: Org,
    thresholds: Option<String>,
}

/// [`PathFacts`] of `org_id`: one query.
pub async fn path_facts(conn: &mut Conn, org_id: i64) -> Result<PathFacts> {
    let sql = format!(
        "SELECT {ORG_COLS}, {} AS thresholds FROM org o \
         JOIN org_closure c ON c.ancestor_id = o.org_id \
         WHERE c.descendant_id = $1 ORDER BY c.depth DESC",
        thresholds_text_sql("$1")
    );
    let rows: Vec<PathRow> = fetch_all!(conn.ex(), PathRow, &sql, org_id)?;
    let thresholds = match rows.first().and_then(|r| r.thresholds.as_deref()) {
        Some(text) => Some(thresholds_from_text(text)?),
        None => None,
    };
    Ok(PathFacts {
        path: rows.into_iter().map(|r| r.org).collect(),
        thresholds,
    })
}

/// Closure rows that differ from what the parent links say: (ancestor, descendant, stored depth,
/// expected depth). Empty when the table is right (`ketnap rebuild`).
pub async fn closure_differences(
    conn: &mut Conn,
) -> Result<Vec<(i64, i64, Option<i64>, Option<i64>)>> {
    let expected: Vec<(i64, i64, i64)> = fetch_all!(
        conn.ex(),
        (i64, i64, i64),
        "WITH RECURSIVE walk (ancestor_id, descendant_id, depth) AS ( \
           SELECT org_id, org_id, CAST(0 AS BIGINT) FROM org \
           UNION ALL \
           SELECT w.ancestor_id, o.org_id, w.depth + 1 FROM walk w JOIN org o ON o.parent_id = w.descendant_id) \
         SELECT ancestor_id, descendant_id, depth FROM walk ORDER BY ancestor_id, descendant_id"
    )?;
    let stored: Vec<(i64, i64, i64)> = fetch_all!(
        conn.ex(),
        (i64, i64, i64),
        "SELECT ancestor_id, descendant_id, depth FROM org_closure ORDER BY ancestor_id, descendant_id"
    )?;
    let exp: std::collections::BTreeMap<(i64, i64), i64> =
        expected.into_iter().map(|(a, b, c)| ((a, b), c)).collect();
    let sto: std::collections::BTreeMap<(i64, i64), i64> =
        stored.into_iter().map(|(a, b, c)| ((a, b), c)).collect();
    let mut out = Vec::new();
    for k in exp
        .keys()
        .chain(sto.keys())
        .collect::<std::collections::BTreeSet<_>>()
    {
        let (e, s) = (exp.get(k).copied(), sto.get(k).copied());
        if e != s {
            out.push((k.0, k.1, s, e));
        }
    }
    Ok(out)
}

/// An organisation looked up by code for a writer: its key and kind, and whether it is inside
/// `scope` and open. `None` when no organisation has that code.
pub async fn by_code_for(tx: &mut Tx, scope: &Scope, code: &str) -> Result<Option<CodedOrg>> {
    Ok(by_codes_for(tx, scope, &[code]).await?.remove(code.trim()))
}

/// [`by_code_for`] for many codes in one `IN (…)` per chunk (a roster names thousands of cells):
/// the organisations found, by their (trimmed) code.
pub async fn by_codes_for(
    tx: &mut Tx,
    scope: &Scope,
    codes: &[&str],
) -> Result<HashMap<String, CodedOrg>> {
    let (all, user, role) = scope.binds();
    let sql = format!(
        "SELECT o.code, o.org_id, o.kind, o.name, CASE WHEN o.closed_on IS NULL THEN 0 ELSE 1 END, \
         CASE WHEN {} THEN 1 ELSE 0 END FROM org o WHERE o.code IN",
        scope.org_filter("o.org_id", 1)
    );
    let keys: Vec<Val> = codes
        .iter()
        .map(|c| c.trim())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .map(|c| Val::Text(Some(c.to_string())))
        .collect();
    let rows: Vec<(String, i64, String, String, i32, i32)> = bulk::select_in(
        tx,
        &sql,
        &[
            Val::Bool(all),
            Val::Int(Some(user)),
            Val::Text(Some(role.to_string())),
        ],
        &keys,
    )
    .await?;
    rows.into_iter()
        .map(|(code, org_id, kind, name, closed, in_scope)| {
            Ok((
                code,
                CodedOrg {
                    org_id,
                    kind: OrgKind::from_code(&kind)
                        .ok_or_else(|| StoreError::Corrupt(format!("org kind {kind}")))?,
                    name,
                    closed: closed != 0,
                    in_scope: in_scope != 0,
                },
            ))
        })
        .collect()
}

/// What [`by_code_for`] finds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodedOrg {
    /// Internal key.
    pub org_id: i64,
    /// Kind.
    pub kind: OrgKind,
    /// Name.
    pub name: String,
    /// Dissolved or merged.
    pub closed: bool,
    /// Inside the writer's scope.
    pub in_scope: bool,
}

/// Record that a congress of `org_id` sat on `held_on`: it opens a term (a term "2020–2025" runs
/// from the congress of 2020 to the next one). Grassroots and higher organisations only; one per
/// day; audited `org.congress`. The caller checks the organisation is in the user's scope.
pub async fn add_congress(tx: &mut Tx, ctx: &WriteCtx, org_id: i64, held_on: Date) -> Result<()> {
    let (pub_id, kind): (String, String) = fetch_optional!(
        tx.ex(),
        (String, String),
        "SELECT pub_id, kind FROM org WHERE org_id = $1",
        org_id
    )?
    .ok_or(StoreError::NotFound("org"))?;
    let kind =
        OrgKind::from_code(&kind).ok_or_else(|| StoreError::Corrupt(format!("org kind {kind}")))?;
    if matches!(kind, OrgKind::Cell(_) | OrgKind::Partial) {
        return Err(StoreError::invalid(
            "congress of a cell or partial committee",
            "Chỉ tổ chức cơ sở đảng trở lên mới có đại hội mở nhiệm kỳ; chi bộ và đảng bộ bộ phận tính theo nhiệm kỳ của tổ chức cơ sở.",
        ));
    }
    if held_on > ctx.today() {
        return Err(StoreError::invalid(
            "congress in the future",
            "Ngày đại hội ở sau ngày hôm nay.",
        ));
    }
    let taken: Option<(i64,)> = fetch_optional!(
        tx.ex(),
        (i64,),
        "SELECT org_id FROM org_congress WHERE org_id = $1 AND held_on = $2",
        org_id,
        d(held_on)
    )?;
    if taken.is_some() {
        return Err(StoreError::invalid(
            "congress twice",
            "Ngày đại hội này đã được ghi.",
        ));
    }
    exec!(
        tx.ex(),
        "INSERT INTO org_congress (org_id, held_on, recorded_at) VALUES ($1, $2, $3)",
        org_id,
        d(held_on),
        ts(ctx.now)
    )?;
    audit::append(
        tx,
        ctx,
        &AuditEntry {
            action: "org.congress",
            object_kind: "org",
            object_id: &pub_id,
            org_id: Some(org_id),
            detail: json!({ "held_on": held_on.to_string() }),
        },
    )
    .await?;
    Ok(())
}

/// The congress dates of the nearest organisation at or above `org_id` that has any (a cell's
/// terms are its grassroots organisation's), oldest first, with that organisation's id.
pub async fn congresses(conn: &mut Conn, org_id: i64) -> Result<Option<(i64, Vec<Date>)>> {
    let rows: Vec<(i64, jiff_sqlx::Date)> = fetch_all!(
        conn.ex(),
        (i64, jiff_sqlx::Date),
        "SELECT g.org_id, g.held_on FROM org_congress g \
         JOIN org_closure oc ON oc.ancestor_id = g.org_id \
         WHERE oc.descendant_id = $1 \
         AND oc.depth = (SELECT MIN(oc2.depth) FROM org_congress g2 \
             JOIN org_closure oc2 ON oc2.ancestor_id = g2.org_id WHERE oc2.descendant_id = $1) \
         ORDER BY g.held_on",
        org_id
    )?;
    Ok(rows
        .first()
        .map(|(id, _)| *id)
        .map(|id| (id, rows.into_iter().map(|(_, d)| d.to_jiff()).collect())))
}

/// Record the student thresholds of `org_id`'s guidance (the `students` rule), replacing its
/// own; they hold for its whole subtree unless an organisation below records its own. Audited
/// `org.student_thresholds`. The caller checks the organisation is in the user's scope.
pub async fn set_student_thresholds(
    tx: &mut Tx,
    ctx: &WriteCtx,
    org_id: i64,
    t: &StudentThresholds,
) -> Result<()> {
    if t.source.trim().is_empty() {
        return Err(StoreError::invalid(
            "student thresholds without a source",
            "Hãy ghi văn bản hướng dẫn (số, ngày, cơ quan ban hành).",
        ));
    }
    let pub_id = pub_id_in_tx(tx, org_id).await?;
    exec!(
        tx.ex(),
        "DELETE FROM student_threshold WHERE org_id = $1",
        org_id
    )?;
    exec!(
        tx.ex(),
        "INSERT INTO student_threshold (org_id, min_grade, min_conduct, source, recorded_at) \
         VALUES ($1, $2, $3, $4, $5)",
        org_id,
        t.min_grade.code(),
        t.min_conduct.code(),
        t.source.trim(),
        ts(ctx.now)
    )?;
    audit::append(
        tx,
        ctx,
        &AuditEntry {
            action: "org.student_thresholds",
            object_kind: "org",
            object_id: &pub_id,
            org_id: Some(org_id),
            detail: json!({ "min_grade": t.min_grade.code(), "min_conduct": t.min_conduct.code() }),
        },
    )
    .await?;
    Ok(())
}

/// The student thresholds in force for `org_id`: its own, or the nearest organisation's above.
pub async fn student_thresholds(
    ex: crate::Ex<'_>,
    org_id: i64,
) -> Result<Option<StudentThresholds>> {
    let row: Option<(String, String, String)> = fetch_optional!(
        ex,
        (String, String, String),
        "SELECT t.min_grade, t.min_conduct, t.source FROM org_closure oc \
         JOIN student_threshold t ON t.org_id = oc.ancestor_id \
         WHERE oc.descendant_id = $1 ORDER BY oc.depth LIMIT 1",
        org_id
    )?;
    row.map(|(g, c, source)| thresholds_from(&g, &c, source))
        .transpose()
}

/// The nearest thresholds above `org` (`org` itself included) as one text
/// (`grade|conduct|source`), for a read that takes them with other columns
/// ([`thresholds_from_text`]).
pub(crate) fn thresholds_text_sql(org: &str) -> String {
    format!(
        "(SELECT t.min_grade || '|' || t.min_conduct || '|' || t.source FROM org_closure oc \
         JOIN student_threshold t ON t.org_id = oc.ancestor_id \
         WHERE oc.descendant_id = {org} ORDER BY oc.depth LIMIT 1)"
    )
}

/// The thresholds read by [`thresholds_text_sql`].
pub(crate) fn thresholds_from_text(text: &str) -> Result<StudentThresholds> {
    let mut parts = text.splitn(3, '|');
    let (Some(g), Some(c), Some(source)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(StoreError::Corrupt("student thresholds".into()));
    };
    thresholds_from(g, c, source.to_string())
}

fn thresholds_from(g: &str, c: &str, source: String) -> Result<StudentThresholds> {
    Ok(StudentThresholds {
        min_grade: Standing::from_code(g)
            .ok_or_else(|| StoreError::Corrupt(format!("standing {g}")))?,
        min_conduct: Standing::from_code(c)
            .ok_or_else(|| StoreError::Corrupt(format!("standing {c}")))?,
        source,
    })
}

/// The public id of `org_id`, inside a write (for its audit row).
pub(crate) async fn pub_id_in_tx(tx: &mut Tx, org_id: i64) -> Result<String> {
    let (pub_id,): (String,) = fetch_optional!(
        tx.ex(),
        (String,),
        "SELECT pub_id FROM org WHERE org_id = $1",
        org_id
    )?
    .ok_or(StoreError::NotFound("org"))?;
    Ok(pub_id)
}

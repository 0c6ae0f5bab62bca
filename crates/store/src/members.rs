//! The roster (đảng số): official and probationary members of each cell, their status changes
//! and moves, subtree counts over the closure table, the start-of-year snapshot that plans use as
//! their base, and the chi ủy check.
//!
//! Counts count *active* members (official and probationary); a member who was removed,
//! transferred out or died keeps their row with `left_on` set.

use std::collections::HashSet;

use jiff::civil::Date;
use ketnap_domain::RuleSet;
use ketnap_domain::lifecycle::MemberFacts;
use ketnap_domain::org::{CellCommitteeStatus, OrgKind, cell_committee_status};
use ketnap_domain::person::Gender;
use ketnap_domain::text::NameCollator;
use serde::Serialize;
use serde_json::json;

use crate::audit::{self, AuditEntry};
use crate::bulk::{self, Val};
use crate::people::{Page, into_page, page_size};
use crate::{Conn, Ex, PubId, Result, Scope, StoreError, Tx, WriteCtx, d, ts};

/// Where a member stands on the roster.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MemberStatus {
    /// Đảng viên dự bị.
    Probationary,
    /// Đảng viên chính thức.
    Official,
    /// Ra khỏi Đảng (xóa tên, khai trừ, xin ra).
    Removed,
    /// Chuyển sinh hoạt đảng đi nơi khác.
    TransferredOut,
    /// Từ trần.
    Deceased,
}

impl MemberStatus {
    /// Every status.
    pub const ALL: [MemberStatus; 5] = [
        MemberStatus::Probationary,
        MemberStatus::Official,
        MemberStatus::Removed,
        MemberStatus::TransferredOut,
        MemberStatus::Deceased,
    ];

    /// Stable code stored in `member.status`.
    pub fn code(self) -> &'static str {
        match self {
            MemberStatus::Probationary => "probationary",
            MemberStatus::Official => "official",
            MemberStatus::Removed => "removed",
            MemberStatus::TransferredOut => "transferred_out",
            MemberStatus::Deceased => "deceased",
        }
    }

    /// The status of a code.
    pub fn from_code(code: &str) -> Option<MemberStatus> {
        MemberStatus::ALL.into_iter().find(|s| s.code() == code)
    }

    /// The Vietnamese label.
    pub fn label_vi(self) -> &'static str {
        match self {
            MemberStatus::Probationary => "Đảng viên dự bị",
            MemberStatus::Official => "Đảng viên chính thức",
            MemberStatus::Removed => "Đã ra khỏi Đảng",
            MemberStatus::TransferredOut => "Đã chuyển sinh hoạt đi nơi khác",
            MemberStatus::Deceased => "Đã từ trần",
        }
    }

    /// On the roster: official or probationary.
    pub fn is_active(self) -> bool {
        matches!(self, MemberStatus::Probationary | MemberStatus::Official)
    }
}

/// A new roster entry.
#[derive(Clone, Debug)]
pub struct NewMember {
    /// The person (internal key).
    pub person_id: i64,
    /// The cell they belong to.
    pub cell_id: i64,
    /// Status.
    pub status: MemberStatus,
    /// Admission date (ngày vào Đảng).
    pub admitted_on: Option<Date>,
    /// Date of becoming official (ngày chính thức).
    pub official_on: Option<Date>,
    /// Party age counted from (tuổi đảng tính từ).
    pub party_age_from: Option<Date>,
    /// The candidacy that led to admission, if recorded here.
    pub candidacy_id: Option<i64>,
    /// Public id to use (seeded data), or `None` for a random one.
    pub pub_id: Option<PubId>,
}

/// The cell's kind, checked to be a cell (chi bộ of either kind), with its closed flag.
async fn require_open_cell(tx: &mut Tx, cell_id: i64) -> Result<()> {
    let (kind, closed): (String, Option<jiff_sqlx::Date>) = fetch_optional!(
        tx.ex(),
        (String, Option<jiff_sqlx::Date>),
        "SELECT kind, closed_on FROM org WHERE org_id = $1",
        cell_id
    )?
    .ok_or(StoreError::NotFound("org"))?;
    check_open_cell(&kind, closed.is_some())
}

/// Refused unless the organisation of this kind, closed or not, is an open cell.
fn check_open_cell(kind: &str, closed: bool) -> Result<()> {
    let kind =
        OrgKind::from_code(kind).ok_or_else(|| StoreError::Corrupt(format!("org kind {kind}")))?;
    if !kind.is_cell() {
        return Err(StoreError::invalid(
            "member outside a cell",
            "Đảng viên chỉ sinh hoạt ở chi bộ; hãy chọn một chi bộ.",
        ));
    }
    if closed {
        return Err(StoreError::invalid(
            "member in a closed cell",
            "Chi bộ này đã giải thể hoặc hợp nhất; hãy chọn chi bộ khác.",
        ));
    }
    Ok(())
}

/// Put a person on the roster of a cell; returns the member's internal key. Refused when the
/// organisation is not an open cell or the person is already an active member.
pub async fn insert(tx: &mut Tx, ctx: &WriteCtx, new: NewMember) -> Result<i64> {
    let ids = insert_many(tx, ctx, &[(new, None)]).await?;
    ids.first()
        .copied()
        .ok_or_else(|| StoreError::Corrupt("member insert returned nothing".into()))
}

/// The party-card numbers among `cards` already on a roster inside `scope` (a card is the
/// member's for life: one held by a member who has since left is still taken). An importer checks
/// these to name the rows; outside the scope nothing is told.
pub async fn taken_card_numbers(
    tx: &mut Tx,
    scope: &Scope,
    cards: &[&str],
) -> Result<HashSet<String>> {
    let (all, user, role) = scope.binds();
    let keys: Vec<Val> = cards
        .iter()
        .map(|c| Val::Text(Some((*c).to_string())))
        .collect();
    let select = format!(
        "SELECT m.card_no FROM member m WHERE {} AND m.card_no IN",
        scope.org_filter("m.cell_id", 1)
    );
    let rows: Vec<(String,)> = bulk::select_in(
        tx,
        &select,
        &[
            Val::Bool(all),
            Val::Int(Some(user)),
            Val::Text(Some(role.to_string())),
        ],
        &keys,
    )
    .await?;
    Ok(rows.into_iter().map(|(c,)| c).collect())
}

/// Put many people on rosters at once (an import), each with its party-card number if known: the
/// same checks, rows and audit rows (`member.create`) as [`insert`] one by one, in a few
/// statements. Returns the members' internal keys in the order given. Refused whole (nothing
/// written) when any row would be refused by [`insert`].
pub async fn insert_many(
    tx: &mut Tx,
    ctx: &WriteCtx,
    rows: &[(NewMember, Option<String>)],
) -> Result<Vec<i64>> {
    if rows.iter().any(|(n, _)| !n.status.is_active()) {
        return Err(StoreError::invalid(
            "new member with a leaving status",
            "Đảng viên mới phải là đảng viên dự bị hoặc chính thức.",
        ));
    }
    let cells: Vec<Val> = rows
        .iter()
        .map(|(n, _)| n.cell_id)
        .collect::<HashSet<_>>()
        .into_iter()
        .map(|c| Val::Int(Some(c)))
        .collect();
    let found: Vec<(i64, String, Option<jiff_sqlx::Date>)> = bulk::select_in(
        tx,
        "SELECT org_id, kind, closed_on FROM org WHERE org_id IN",
        &[],
        &cells,
    )
    .await?;
    if found.len() < cells.len() {
        return Err(StoreError::NotFound("org"));
    }
    for (_, kind, closed) in &found {
        check_open_cell(kind, closed.is_some())?;
    }
    let persons: Vec<Val> = rows
        .iter()
        .map(|(n, _)| n.person_id)
        .collect::<HashSet<_>>()
        .into_iter()
        .map(|p| Val::Int(Some(p)))
        .collect();
    if persons.len() < rows.len() {
        return Err(StoreError::invalid(
            "person twice in a roster batch",
            "Người này đang là đảng viên trong danh sách đảng viên.",
        ));
    }
    // Each person known, and none already on an active roster, in one query per chunk: the
    // person's row joined to their roster rows by person only (with the status in the join a
    // planner may walk the whole roster by status instead of the person index).
    let known: Vec<(i64, Option<String>)> = bulk::select_in(
        tx,
        "SELECT p.person_id, m.status FROM person p LEFT JOIN member m ON m.person_id = p.person_id \
         WHERE p.person_id IN",
        &[],
        &persons,
    )
    .await?;
    if known.iter().map(|(p, _)| p).collect::<HashSet<_>>().len() < persons.len() {
        return Err(StoreError::NotFound("person"));
    }
    if known
        .iter()
        .any(|(_, status)| matches!(status.as_deref(), Some("official" | "probationary")))
    {
        return Err(StoreError::invalid(
            "person already an active member",
            "Người này đang là đảng viên trong danh sách đảng viên.",
        ));
    }
    let mut pub_ids = Vec::with_capacity(rows.len());
    let mut values = Vec::with_capacity(rows.len());
    for (new, card) in rows {
        let pub_id = new.pub_id.clone().unwrap_or_else(PubId::generate);
        let card = card.as_deref().map(str::trim).filter(|c| !c.is_empty());
        values.push(vec![
            Val::Text(Some(pub_id.as_str().to_string())),
            Val::Int(Some(new.person_id)),
            Val::Int(Some(new.cell_id)),
            Val::Text(Some(new.status.code().to_string())),
            Val::Date(new.admitted_on.map(d)),
            Val::Date(new.official_on.map(d)),
            Val::Date(new.party_age_from.map(d)),
            Val::Int(new.candidacy_id),
            Val::Ts(ts(ctx.now)),
            Val::Text(card.map(str::to_string)),
        ]);
        pub_ids.push(pub_id);
    }
    let keys: Vec<&str> = pub_ids.iter().map(PubId::as_str).collect();
    let ids = bulk::insert_ids(
        tx,
        "INSERT INTO member (pub_id, person_id, cell_id, status, admitted_on, official_on, party_age_from, \
         candidacy_id, recorded_at, card_no)",
        10,
        &values,
        "member_id, pub_id",
        &keys,
    )
    .await
    ?;
    // The new members' facts join the composition counters of their cells and above.
    crate::member_facets::shift(tx, &ids, 1).await?;
    let entries: Vec<AuditEntry<'_>> = rows
        .iter()
        .zip(&pub_ids)
        .map(|((new, _), pub_id)| AuditEntry {
            action: "member.create",
            object_kind: "member",
            object_id: pub_id.as_str(),
            org_id: Some(new.cell_id),
            detail: json!({ "status": new.status.code(), "cell_id": new.cell_id, "candidacy_id": new.candidacy_id }),
        })
        .collect();
    audit::append_many(tx, ctx, &entries).await?;
    Ok(ids)
}

/// (pub_id, cell_id, status) of a member, for writes.
async fn current(tx: &mut Tx, member_id: i64) -> Result<(String, i64, MemberStatus)> {
    let (pub_id, cell_id, status): (String, i64, String) = fetch_optional!(
        tx.ex(),
        (String, i64, String),
        "SELECT pub_id, cell_id, status FROM member WHERE member_id = $1",
        member_id
    )?
    .ok_or(StoreError::NotFound("member"))?;
    let status = MemberStatus::from_code(&status)
        .ok_or_else(|| StoreError::Corrupt(format!("member status {status}")))?;
    Ok((pub_id, cell_id, status))
}

/// Change a member's status on `on`: becoming official sets `official_on`; leaving (removed,
/// transferred out, deceased) sets `left_on`. Only an active member changes status, and nobody
/// goes back to probationary.
pub async fn set_status(
    tx: &mut Tx,
    ctx: &WriteCtx,
    member_id: i64,
    status: MemberStatus,
    on: Date,
) -> Result<()> {
    let (pub_id, cell_id, old) = current(tx, member_id).await?;
    if !old.is_active() {
        return Err(StoreError::invalid(
            "status change of a member who left",
            format!(
                "Không thể thay đổi trạng thái: {}.",
                old.label_vi().to_lowercase()
            ),
        ));
    }
    if old == status || status == MemberStatus::Probationary {
        return Err(StoreError::invalid(
            "status change not allowed",
            format!(
                "Không thể chuyển từ “{}” sang “{}”.",
                old.label_vi(),
                status.label_vi()
            ),
        ));
    }
    // The member's facts leave the counters with the old status and come back with the new
    // one (none when leaving).
    crate::member_facets::shift(tx, &[member_id], -1).await?;
    if status == MemberStatus::Official {
        exec!(
            tx.ex(),
            "UPDATE member SET status = $1, official_on = $2 WHERE member_id = $3",
            status.code(),
            d(on),
            member_id
        )?;
    } else {
        exec!(
            tx.ex(),
            "UPDATE member SET status = $1, left_on = $2 WHERE member_id = $3",
            status.code(),
            d(on),
            member_id
        )?;
    }
    crate::member_facets::shift(tx, &[member_id], 1).await?;
    audit::append(
        tx,
        ctx,
        &AuditEntry {
            action: "member.status",
            object_kind: "member",
            object_id: &pub_id,
            org_id: Some(cell_id),
            detail: json!({ "from": old.code(), "to": status.code(), "on": on.to_string() }),
        },
    )
    .await?;
    Ok(())
}

/// Move an active member to another open cell (chuyển sinh hoạt trong đảng bộ) on `on`.
pub async fn move_to_cell(
    tx: &mut Tx,
    ctx: &WriteCtx,
    member_id: i64,
    cell_id: i64,
    on: Date,
) -> Result<()> {
    let (pub_id, old_cell, status) = current(tx, member_id).await?;
    if !status.is_active() {
        return Err(StoreError::invalid(
            "move of a member who left",
            "Chỉ chuyển sinh hoạt cho đảng viên đang trong danh sách.",
        ));
    }
    if old_cell == cell_id {
        return Err(StoreError::invalid(
            "move to the same cell",
            "Đảng viên đang sinh hoạt ở chi bộ này.",
        ));
    }
    require_open_cell(tx, cell_id).await?;
    // The cell left shows one member fewer: its views' stamps move with the new cell's.
    tx.touch(old_cell);
    crate::member_facets::shift(tx, &[member_id], -1).await?;
    exec!(
        tx.ex(),
        "UPDATE member SET cell_id = $1 WHERE member_id = $2",
        cell_id,
        member_id
    )?;
    crate::member_facets::shift(tx, &[member_id], 1).await?;
    audit::append(
        tx,
        ctx,
        &AuditEntry {
            action: "member.move",
            object_kind: "member",
            object_id: &pub_id,
            org_id: Some(cell_id),
            detail: json!({ "from": old_cell, "to": cell_id, "on": on.to_string() }),
        },
    )
    .await?;
    Ok(())
}

/// What the lifecycle needs to know about a member acting for a candidate of `cell_id` (mentor,
/// introducer): official? in the same cell?
pub async fn facts(ex: Ex<'_>, member_id: i64, cell_id: i64) -> Result<MemberFacts> {
    let sql = facts_sql("m.member_id");
    let row: Option<FactsRead> = fetch_optional!(ex, FactsRead, &sql, member_id, cell_id)?;
    Ok(row.ok_or(StoreError::NotFound("member"))?.facts(cell_id).1)
}

/// [`facts`] of the member with public id `pub_id`, with their internal key (`None`: no such
/// member): one read.
pub async fn facts_by_pub_id(
    ex: Ex<'_>,
    pub_id: &str,
    cell_id: i64,
) -> Result<Option<(i64, MemberFacts)>> {
    let sql = facts_sql("m.pub_id");
    let row: Option<FactsRead> = fetch_optional!(ex, FactsRead, &sql, pub_id, cell_id)?;
    Ok(row.map(|r| r.facts(cell_id)))
}

/// A member's standing as [`facts`] reads it: `$1` the member (by `key`), `$2` the cell.
fn facts_sql(key: &str) -> String {
    format!(
        "SELECT m.member_id, m.pub_id, m.cell_id, m.status, {} AS theirs, {} AS ours \
         FROM member m WHERE {key} = $1",
        grassroots_sql("m.cell_id"),
        grassroots_sql("$2")
    )
}

/// The nearest grassroots organisation (or grassroots cell) above organisation `cell` (an SQL
/// expression). Each ancestor's kind looked up by its key (a scalar subquery, which neither engine
/// turns into a join): PostgreSQL joined a small `org` table by hashing it whole (issue 19, B4).
fn grassroots_sql(cell: &str) -> String {
    format!(
        "(SELECT gc.ancestor_id FROM org_closure gc WHERE gc.descendant_id = {cell} \
         AND (SELECT go.kind LIKE 'grassroots:%' OR go.kind LIKE 'grassroots_cell:%' \
         FROM org go WHERE go.org_id = gc.ancestor_id) \
         ORDER BY gc.depth LIMIT 1)"
    )
}

/// A member named in a command, read with another row (issue 19, B4: a step reads its
/// candidacy, its cell and the member it names in one statement): [`facts`] under the names
/// `named_…`, all empty when no member matched.
#[derive(sqlx::FromRow)]
pub(crate) struct NamedRead {
    named_member_id: Option<i64>,
    named_pub_id: Option<String>,
    named_cell_id: Option<i64>,
    named_status: Option<String>,
    named_theirs: Option<i64>,
    named_ours: Option<i64>,
}

impl NamedRead {
    /// The select list of [`NamedRead`] for member `m` (of a `LEFT JOIN member m …`) acting for
    /// a candidate of cell `cell`; `None`: no member named (typed empty columns).
    pub(crate) fn select(m: Option<&str>, cell: &str) -> String {
        match m {
            Some(m) => format!(
                "{m}.member_id AS named_member_id, {m}.pub_id AS named_pub_id, \
                 {m}.cell_id AS named_cell_id, {m}.status AS named_status, \
                 {} AS named_theirs, {} AS named_ours",
                grassroots_sql(&format!("{m}.cell_id")),
                grassroots_sql(cell)
            ),
            None => "CAST(NULL AS BIGINT) AS named_member_id, CAST(NULL AS TEXT) AS named_pub_id, \
                 CAST(NULL AS BIGINT) AS named_cell_id, CAST(NULL AS TEXT) AS named_status, \
                 CAST(NULL AS BIGINT) AS named_theirs, CAST(NULL AS BIGINT) AS named_ours"
                .to_string(),
        }
    }

    /// The member's key and facts as [`facts_by_pub_id`] gives them (`None`: no such member).
    pub(crate) fn facts(self, cell_id: i64) -> Option<(i64, MemberFacts)> {
        let read = FactsRead {
            member_id: self.named_member_id?,
            pub_id: self.named_pub_id?,
            cell_id: self.named_cell_id?,
            status: self.named_status?,
            theirs: self.named_theirs,
            ours: self.named_ours,
        };
        Some(read.facts(cell_id))
    }
}

#[derive(sqlx::FromRow)]
struct FactsRead {
    member_id: i64,
    pub_id: String,
    cell_id: i64,
    status: String,
    theirs: Option<i64>,
    ours: Option<i64>,
}

impl FactsRead {
    fn facts(self, cell_id: i64) -> (i64, MemberFacts) {
        let facts = MemberFacts {
            member_id: self.pub_id,
            official: self.status == MemberStatus::Official.code(),
            same_cell: self.cell_id == cell_id,
            same_grassroots: self.cell_id == cell_id
                || (self.theirs.is_some() && self.theirs == self.ours),
        };
        (self.member_id, facts)
    }
}

/// Which members a roster list shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RosterFilter {
    /// Official and probationary members.
    Active,
    /// One status.
    Only(MemberStatus),
    /// Everyone who was ever on the cell's roster.
    All,
}

/// One line of a roster list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RosterEntry {
    /// Internal key.
    #[serde(skip)]
    pub member_id: i64,
    /// Public id.
    pub pub_id: String,
    /// The person (internal key).
    #[serde(skip)]
    pub person_id: i64,
    /// The person's public id.
    pub person_pub_id: String,
    /// Họ và tên.
    pub full_name: String,
    /// Ngày sinh.
    pub birth_date: Date,
    /// Giới tính.
    pub gender: Gender,
    /// Status.
    pub status: MemberStatus,
    /// Ngày vào Đảng.
    pub admitted_on: Option<Date>,
    /// Ngày chính thức.
    pub official_on: Option<Date>,
    /// Left on (removed, transferred out, deceased).
    pub left_on: Option<Date>,
    /// The Vietnamese sort key of the name (the cursor's first half).
    #[serde(skip)]
    pub name_key: String,
}

#[derive(sqlx::FromRow)]
struct RosterRow {
    member_id: i64,
    pub_id: String,
    person_id: i64,
    person_pub_id: String,
    full_name: String,
    birth_date: jiff_sqlx::Date,
    gender: String,
    status: String,
    admitted_on: Option<jiff_sqlx::Date>,
    official_on: Option<jiff_sqlx::Date>,
    left_on: Option<jiff_sqlx::Date>,
    name_key: String,
}

impl RosterRow {
    fn into_entry(self) -> Result<RosterEntry> {
        let status = MemberStatus::from_code(&self.status)
            .ok_or_else(|| StoreError::Corrupt(format!("member status {}", self.status)))?;
        let gender = Gender::ALL
            .into_iter()
            .find(|g| g.code() == self.gender)
            .ok_or_else(|| StoreError::Corrupt(format!("person gender {}", self.gender)))?;
        Ok(RosterEntry {
            member_id: self.member_id,
            pub_id: self.pub_id,
            person_id: self.person_id,
            person_pub_id: self.person_pub_id,
            full_name: self.full_name,
            birth_date: self.birth_date.to_jiff(),
            gender,
            status,
            admitted_on: self.admitted_on.map(|x| x.to_jiff()),
            official_on: self.official_on.map(|x| x.to_jiff()),
            left_on: self.left_on.map(|x| x.to_jiff()),
            name_key: self.name_key,
        })
    }
}

/// The roster of a cell in the scope, in Vietnamese name order, keyset-paged: `after` is the
/// previous page's `next` (name key, member id). Roles that see aggregates only get an empty page
/// (they read [`counts`]).
pub async fn list_by_cell(
    conn: &mut Conn,
    scope: &Scope,
    cell_id: i64,
    filter: RosterFilter,
    after: Option<(String, i64)>,
    limit: i64,
) -> Result<Page<RosterEntry>> {
    if !scope.is_system() && !scope.role.reads(crate::Field::Roster) {
        return Ok(Page::empty());
    }
    let limit = page_size(limit);
    let (all_statuses, a, b) = match filter {
        RosterFilter::Active => (
            false,
            MemberStatus::Official.code(),
            MemberStatus::Probationary.code(),
        ),
        RosterFilter::Only(s) => (false, s.code(), s.code()),
        RosterFilter::All => (true, "", ""),
    };
    let (all, user, role) = scope.binds();
    let (after_key, after_id) = after.unwrap_or_default();
    let sql = format!(
        "SELECT m.member_id, m.pub_id, p.person_id, p.pub_id AS person_pub_id, p.full_name, p.birth_date, \
         p.gender, m.status, m.admitted_on, m.official_on, m.left_on, p.name_key \
         FROM member m JOIN person p ON p.person_id = m.person_id \
         WHERE m.cell_id = $1 AND {} AND ($5 OR m.status = $6 OR m.status = $7) \
         AND (p.name_key, m.member_id) > ($8, $9) \
         ORDER BY p.name_key, m.member_id LIMIT $10",
        scope.org_filter("m.cell_id", 2)
    );
    let rows = fetch_all!(
        conn.ex(),
        RosterRow,
        &sql,
        cell_id,
        all,
        user,
        role,
        all_statuses,
        a,
        b,
        after_key,
        after_id,
        limit + 1
    )?;
    let entries = rows
        .into_iter()
        .map(RosterRow::into_entry)
        .collect::<Result<Vec<_>>>()?;
    Ok(into_page(entries, limit, |e| {
        (e.name_key.clone(), e.member_id)
    }))
}

/// A roster entry by public id, with its cell's internal key, when the cell is in the scope and
/// the role sees individuals (otherwise not found).
pub async fn get(conn: &mut Conn, scope: &Scope, pub_id: &str) -> Result<(RosterEntry, i64)> {
    if !scope.role.sees_individuals() {
        return Err(StoreError::NotFound("member"));
    }
    let (all, user, role) = scope.binds();
    let sql = format!(
        "SELECT m.member_id, m.pub_id, p.person_id, p.pub_id AS person_pub_id, p.full_name, p.birth_date, \
         p.gender, m.status, m.admitted_on, m.official_on, m.left_on, p.name_key \
         FROM member m JOIN person p ON p.person_id = m.person_id WHERE m.pub_id = $1 AND {}",
        scope.org_filter("m.cell_id", 2)
    );
    let row = fetch_optional!(conn.ex(), RosterRow, &sql, pub_id, all, user, role)?
        .ok_or(StoreError::NotFound("member"))?;
    let (cell_id,): (i64,) = fetch_one!(
        conn.ex(),
        (i64,),
        "SELECT cell_id FROM member WHERE member_id = $1",
        row.member_id
    )?;
    Ok((row.into_entry()?, cell_id))
}

/// Official and probationary members.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RosterCounts {
    /// Đảng viên chính thức.
    pub official: i64,
    /// Đảng viên dự bị.
    pub probationary: i64,
}

impl RosterCounts {
    /// Both together (tổng số đảng viên).
    pub fn total(&self) -> i64 {
        self.official + self.probationary
    }
}

/// The official and probationary members summed over an organisation's subtree, from the
/// composition counters (`member_facet`, facet `status`): one row each, whatever the subtree.
const COUNT_OFFICIAL: &str =
    "CAST(COALESCE(SUM(CASE WHEN f.value = 'official' THEN f.n ELSE 0 END), 0) AS BIGINT)";
const COUNT_PROBATIONARY: &str =
    "CAST(COALESCE(SUM(CASE WHEN f.value = 'probationary' THEN f.n ELSE 0 END), 0) AS BIGINT)";

/// [`counts`] for every open child of `parent_id` in the scope, in ONE query (a page listing
/// children must not count them one by one).
pub async fn counts_of_children(
    conn: &mut Conn,
    scope: &Scope,
    parent_id: i64,
) -> Result<std::collections::BTreeMap<i64, RosterCounts>> {
    let (all, user, role) = scope.binds();
    let sql = format!(
        "SELECT o.org_id, {COUNT_OFFICIAL}, {COUNT_PROBATIONARY} FROM org o \
         LEFT JOIN member_facet f ON f.org_id = o.org_id AND f.facet = 'status' \
         WHERE o.parent_id = $1 AND o.closed_on IS NULL AND {} GROUP BY o.org_id",
        scope.org_filter("o.org_id", 2)
    );
    let rows: Vec<(i64, i64, i64)> =
        fetch_all!(conn.ex(), (i64, i64, i64), &sql, parent_id, all, user, role)?;
    Ok(rows
        .into_iter()
        .map(|(id, official, probationary)| {
            (
                id,
                RosterCounts {
                    official,
                    probationary,
                },
            )
        })
        .collect())
}

/// Active members (official and probationary, not left) in the whole subtree of `org_id`, when
/// the organisation is in the scope, from the composition counters. Aggregates: every role may
/// read them.
pub async fn counts(conn: &mut Conn, scope: &Scope, org_id: i64) -> Result<RosterCounts> {
    let (all, user, role) = scope.binds();
    let sql = format!(
        "SELECT {COUNT_OFFICIAL}, {COUNT_PROBATIONARY} FROM org o \
         LEFT JOIN member_facet f ON f.org_id = o.org_id AND f.facet = 'status' \
         WHERE o.org_id = $1 AND {} GROUP BY o.org_id",
        scope.org_filter("o.org_id", 2)
    );
    let (official, probationary): (i64, i64) =
        fetch_optional!(conn.ex(), (i64, i64), &sql, org_id, all, user, role)?
            .ok_or(StoreError::NotFound("org"))?;
    Ok(RosterCounts {
        official,
        probationary,
    })
}

/// A member counts on the date `$2` when admitted by then and not yet left; a leaving status
/// without a date (old imports) counts as left.
const COUNTED_ON_2: &str = "(m.admitted_on IS NULL OR m.admitted_on <= $2) \
     AND (m.left_on IS NULL OR m.left_on > $2) \
     AND (m.left_on IS NOT NULL OR m.status IN ('official', 'probationary'))";

/// …and is official on `$2` when the official date is on or before it, or unknown for a member
/// recorded as official.
const OFFICIAL_ON_2: &str = "((m.official_on IS NOT NULL AND m.official_on <= $2) \
     OR (m.official_on IS NULL AND m.status = 'official'))";

/// Official members on the roster of `cell_id` on `on` (the base of a cell vote, vote.cell);
/// `None` when the cell has no roster in ketnap at all (nothing to check against).
pub async fn official_on(tx: &mut Tx, cell_id: i64, on: Date) -> Result<Option<u32>> {
    let sql = format!(
        "SELECT CAST(COUNT(*) AS BIGINT), \
           CAST(COALESCE(SUM(CASE WHEN {COUNTED_ON_2} AND {OFFICIAL_ON_2} THEN 1 ELSE 0 END), 0) AS BIGINT) \
         FROM member m WHERE m.cell_id = $1"
    );
    let (rows, official): (i64, i64) = fetch_one!(tx.ex(), (i64, i64), &sql, cell_id, d(on))?;
    Ok((rows > 0).then(|| u32::try_from(official).unwrap_or(u32::MAX)))
}

/// Write the start-of-year membership (đảng số đầu năm) of `year` for every organisation: the
/// subtree totals of members as they stood on `as_of` (admitted on or before it, not left by it;
/// official when their official date is on or before it), in one statement. Idempotent per year:
/// a year already taken stays as it was. Returns how many organisations got a row. CLI/jobs only.
pub async fn snapshot_start_of_year(
    tx: &mut Tx,
    ctx: &WriteCtx,
    year: i16,
    as_of: Date,
) -> Result<u64> {
    let (counted, official) = (COUNTED_ON_2, OFFICIAL_ON_2);
    // Counted per cell first (one pass over the members), then rolled up the closure: joining
    // every member to each of its ancestors cost a second for a 100,000-member roster.
    let sql = format!(
        "INSERT INTO membership_snapshot (org_id, year, official, probationary, taken_at) \
         SELECT o.org_id, $1, \
           CAST(COALESCE(SUM(per.official), 0) AS BIGINT), \
           CAST(COALESCE(SUM(per.probationary), 0) AS BIGINT), \
           $3 \
         FROM org o JOIN org_closure c ON c.ancestor_id = o.org_id \
         LEFT JOIN ( \
           SELECT m.cell_id, \
             SUM(CASE WHEN {counted} AND {official} THEN 1 ELSE 0 END) AS official, \
             SUM(CASE WHEN {counted} AND NOT {official} THEN 1 ELSE 0 END) AS probationary \
           FROM member m GROUP BY m.cell_id \
         ) per ON per.cell_id = c.descendant_id \
         WHERE TRUE GROUP BY o.org_id \
         ON CONFLICT (org_id, year) DO NOTHING"
    );
    let written = exec!(tx.ex(), &sql, i64::from(year), d(as_of), ts(ctx.now))?;
    let year_text = year.to_string();
    audit::append(
        tx,
        ctx,
        &AuditEntry {
            action: "membership.snapshot",
            object_kind: "membership_snapshot",
            object_id: &year_text,
            org_id: None,
            detail: json!({ "year": year, "as_of": as_of.to_string(), "rows": written }),
        },
    )
    .await?;
    Ok(written)
}

/// The start-of-year membership of an organisation's subtree.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct StartOfYear {
    /// The counts.
    pub counts: RosterCounts,
    /// `false` when no snapshot was taken for that year and `counts` are today's live counts
    /// (flag it to the user: the base of the year's quotas is not fixed yet).
    pub from_snapshot: bool,
}

/// The start-of-year membership of `org_id` for `year`: the snapshot, or the current counts
/// (flagged) when none was taken. System use and after a scoped lookup of `org_id` (aggregates).
pub async fn start_of_year(conn: &mut Conn, org_id: i64, year: i16) -> Result<StartOfYear> {
    let snap: Option<(i64, i64)> = fetch_optional!(
        conn.ex(),
        (i64, i64),
        "SELECT official, probationary FROM membership_snapshot WHERE org_id = $1 AND year = $2",
        org_id,
        i64::from(year)
    )?;
    match snap {
        Some((official, probationary)) => Ok(StartOfYear {
            counts: RosterCounts {
                official,
                probationary,
            },
            from_snapshot: true,
        }),
        None => Ok(StartOfYear {
            counts: counts(conn, &Scope::system(), org_id).await?,
            from_snapshot: false,
        }),
    }
}

/// A cell and where it stands with the chi ủy rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CellCommittee {
    /// Internal key.
    #[serde(skip)]
    pub org_id: i64,
    /// Public id.
    pub pub_id: String,
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Official members.
    pub official: i64,
    /// The status (always [`CellCommitteeStatus::Missing`] in [`cells_needing_committee`]).
    pub status: CellCommitteeStatus,
}

/// Open cells under `root` (itself included) in the scope that have at least the threshold of
/// official members (9) and no chi ủy (Điều lệ Đảng Điều 24.4), by name (Vietnamese order).
pub async fn cells_needing_committee(
    conn: &mut Conn,
    scope: &Scope,
    root: i64,
    rules: &RuleSet,
) -> Result<Vec<CellCommittee>> {
    let threshold = i64::from(rules.cell_committee_threshold.value.0);
    let (all, user, role) = scope.binds();
    let sql = format!(
        "SELECT o.org_id, o.pub_id, o.code, o.name, o.has_cell_committee, {COUNT_OFFICIAL} \
         FROM org_closure c JOIN org o ON o.org_id = c.descendant_id \
         LEFT JOIN member_facet f ON f.org_id = o.org_id AND f.facet = 'status' \
         WHERE c.ancestor_id = $1 AND o.closed_on IS NULL AND o.has_cell_committee = $5 \
         AND (o.kind LIKE 'cell:%' OR o.kind LIKE 'grassroots_cell:%') AND {} \
         GROUP BY o.org_id, o.pub_id, o.code, o.name, o.has_cell_committee \
         HAVING {COUNT_OFFICIAL} >= $6",
        scope.org_filter("o.org_id", 2)
    );
    let rows: Vec<(i64, String, String, String, bool, i64)> = fetch_all!(
        conn.ex(),
        (i64, String, String, String, bool, i64),
        &sql,
        root,
        all,
        user,
        role,
        false,
        threshold
    )?;
    let mut out: Vec<CellCommittee> = rows
        .into_iter()
        .filter_map(|(org_id, pub_id, code, name, has, official)| {
            let n = u32::try_from(official).unwrap_or(u32::MAX);
            let status = cell_committee_status(n, has, rules);
            (status == CellCommitteeStatus::Missing).then_some(CellCommittee {
                org_id,
                pub_id,
                code,
                name,
                official,
                status,
            })
        })
        .collect();
    let collator = NameCollator::shared();
    out.sort_by(|a, b| {
        collator
            .compare(&a.name, &b.name)
            .then(a.org_id.cmp(&b.org_id))
    });
    Ok(out)
}

/// A mentor (đảng viên giúp đỡ) of a cell's candidacies under way, with the candidates they help.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CellMentor {
    /// The mentor's roster public id.
    pub mentor_pub_id: String,
    /// The mentor's name; `None` when the mentor's own cell is outside the scope.
    pub mentor_name: Option<String>,
    /// The names of the candidates they help, in Vietnamese name order.
    pub candidates: Vec<String>,
}

/// The mentors of the candidacies under way in `cell_id`, in one query (the cell page). The cell
/// must be in the scope and the role must see individuals; a mentor whose own cell lies outside
/// the scope is listed without a name.
pub async fn cell_mentors(conn: &mut Conn, scope: &Scope, cell_id: i64) -> Result<Vec<CellMentor>> {
    if !scope.role.sees_individuals() {
        return Err(StoreError::NotFound("org"));
    }
    let closed = crate::counters::stage_codes(|s| s.is_terminal());
    let (all, user, role) = scope.binds();
    let sql = format!(
        "SELECT mm.pub_id, mp.full_name, CAST(CASE WHEN {} THEN 1 ELSE 0 END AS BIGINT), p.full_name \
         FROM candidacy c JOIN person p ON p.person_id = c.person_id \
         JOIN member mm ON mm.member_id = c.mentor_member_id \
         JOIN person mp ON mp.person_id = mm.person_id \
         WHERE c.cell_id = $1 AND {} AND c.stage NOT IN ({}) ORDER BY mm.member_id",
        scope.org_filter("mm.cell_id", 2),
        scope.org_filter("c.cell_id", 2),
        closed
    );
    let rows: Vec<(String, String, i64, String)> = fetch_all!(
        conn.ex(),
        (String, String, i64, String),
        &sql,
        cell_id,
        all,
        user,
        role
    )?;
    let collator = NameCollator::shared();
    let mut out: Vec<CellMentor> = Vec::new();
    for (mentor_pub_id, mentor_name, visible, candidate) in rows {
        match out.iter_mut().find(|m| m.mentor_pub_id == mentor_pub_id) {
            Some(m) => m.candidates.push(candidate),
            None => out.push(CellMentor {
                mentor_pub_id,
                mentor_name: (visible == 1).then_some(mentor_name),
                candidates: vec![candidate],
            }),
        }
    }
    for m in &mut out {
        m.candidates.sort_by(|a, b| collator.compare_names(a, b));
    }
    out.sort_by(|a, b| match (&a.mentor_name, &b.mentor_name) {
        (Some(x), Some(y)) => collator.compare_names(x, y),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.mentor_pub_id.cmp(&b.mentor_pub_id),
    });
    Ok(out)
}

/// Record a member's party-card number (số thẻ đảng viên); blank clears it.
pub async fn set_card_no(tx: &mut Tx, member_id: i64, card_no: &str) -> Result<()> {
    let card = card_no.trim();
    exec!(
        tx.ex(),
        "UPDATE member SET card_no = $1 WHERE member_id = $2",
        (!card.is_empty()).then_some(card),
        member_id
    )?;
    Ok(())
}

/// An active member found by party-card number or by public id, for an importer naming a mentor
/// or an introducer: (internal key, public id, cell). `None` when nobody active has it.
pub async fn active_by_card_or_pub_id(
    tx: &mut Tx,
    key: &str,
) -> Result<Option<(i64, String, i64)>> {
    let key = key.trim();
    Ok(fetch_optional!(
        tx.ex(),
        (i64, String, i64),
        "SELECT member_id, pub_id, cell_id FROM member WHERE (card_no = $1 OR pub_id = $1) \
         AND status IN ('official', 'probationary') ORDER BY member_id LIMIT 1",
        key
    )?)
}

//! Coverage analytics and the inputs of the annual quality ranking (issue 5, points 4 and 5).
//!
//! **Coverage** (`shared/domain/plans-and-reports.md`, "Organisation facts the seeds state"): for
//! the subtree of an organisation in the scope,
//! - residential units where no active member lives, and units no open cell covers (the blank
//!   units that a committee watches for "tái trắng", [`blank_unit`]);
//! - open cells with at least `cell.committee_threshold` (9) official members and no chi ủy
//!   (Điều lệ Đảng, Điều 24.4; the threshold comes from the [`RuleSet`]);
//! - open cells with no source in a year: no `source.opened` or `sympathizer.listed` counter in
//!   any month of the year, and no candidacy standing now in a stage before the admission decision
//!   ([`Stage::is_candidate`]);
//! - key local positions of the residential units (hamlet head, front work committee head, union
//!   branch heads, militia leader, security team leader: [`KeyPositionKind`]) held by someone who is
//!   not an active member.
//!
//! Each is a keyset-paged list ordered by the organisation's code, then the internal key (the
//! hierarchical codes keep a commune's units and cells together) and, for all five at once, the
//! counts per child organisation in **one** grouped query ([`counts_by_child`]), with the same
//! conditions as the lists (one SQL fragment each), so a child's count is the length of its list.
//!
//! **Evaluation inputs** ([`evaluation`]): per child organisation for a year, the quota achievement
//! (admissions against the year plan, [`Achievement`] and [`PlanVsActual`] from the domain, with the
//! sub-groups measured against the admissions target as the seeds do), the admission rate against
//! the start-of-year membership, and the quality indicators the data supports honestly.
//!
//! Every read takes a [`Scope`]: an organisation outside it is [`StoreError::NotFound`], never
//! data. Counts and units are aggregates every role may read; the key-position list names the
//! holder only for roles that see individuals.

use std::collections::{BTreeMap, HashMap};

use jiff::civil::Date;
use ketnap_domain::alerts::{AlertStatus, alerts};
use ketnap_domain::lifecycle::{Candidacy, Stage};
use ketnap_domain::org::{BlankKind, CellCommitteeStatus, ResidentialKind, blank_unit};
use ketnap_domain::person::Education;
use ketnap_domain::plan::{Achievement, Period, Plan, PlanVsActual};
use ketnap_domain::stats::Share;
use ketnap_domain::text::NameCollator;
use ketnap_domain::{RuleBook, RuleSet};
use serde::Serialize;
use serde_json::json;

use crate::audit::{self, AuditEntry};
use crate::bulk::{self, Val};
use crate::counters::stage_code;
use crate::members::RosterCounts;
use crate::people::{Page, into_page, page_size};
use crate::units::residential_kind_from_code;
use crate::{Conn, Result, Role, Scope, StoreError, Tx, WriteCtx, d, plans, reports};

// ---------------------------------------------------------------------------------------------
// Key positions of residential units
// ---------------------------------------------------------------------------------------------

/// A key local position of a residential unit (thôn, tổ dân phố): the seeds' coverage goals
/// ("100 % of hamlet heads are members", "60 % of police officers, militia leaders, front and
/// union heads are members") count who holds them.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum KeyPositionKind {
    /// Trưởng thôn, tổ trưởng tổ dân phố.
    HamletHead,
    /// Trưởng ban công tác Mặt trận.
    FrontCommitteeHead,
    /// Bí thư chi đoàn thanh niên.
    YouthUnionSecretary,
    /// Chi hội trưởng phụ nữ.
    WomenUnionHead,
    /// Chi hội trưởng nông dân.
    FarmersUnionHead,
    /// Chi hội trưởng cựu chiến binh.
    VeteransHead,
    /// Thôn đội trưởng (dân quân).
    MilitiaLeader,
    /// Tổ trưởng tổ bảo vệ an ninh, trật tự ở cơ sở.
    SecurityTeamLeader,
}

impl KeyPositionKind {
    /// Every kind, in the order of the reports.
    pub const ALL: [KeyPositionKind; 8] = [
        KeyPositionKind::HamletHead,
        KeyPositionKind::FrontCommitteeHead,
        KeyPositionKind::YouthUnionSecretary,
        KeyPositionKind::WomenUnionHead,
        KeyPositionKind::FarmersUnionHead,
        KeyPositionKind::VeteransHead,
        KeyPositionKind::MilitiaLeader,
        KeyPositionKind::SecurityTeamLeader,
    ];

    /// Stable code stored in `key_position.kind`.
    pub fn code(self) -> &'static str {
        match self {
            KeyPositionKind::HamletHead => "hamlet_head",
            KeyPositionKind::FrontCommitteeHead => "front_committee_head",
            KeyPositionKind::YouthUnionSecretary => "youth_union_secretary",
            KeyPositionKind::WomenUnionHead => "women_union_head",
            KeyPositionKind::FarmersUnionHead => "farmers_union_head",
            KeyPositionKind::VeteransHead => "veterans_head",
            KeyPositionKind::MilitiaLeader => "militia_leader",
            KeyPositionKind::SecurityTeamLeader => "security_team_leader",
        }
    }

    /// The kind of a code.
    pub fn from_code(code: &str) -> Option<KeyPositionKind> {
        KeyPositionKind::ALL.into_iter().find(|k| k.code() == code)
    }

    /// The Vietnamese name of the position.
    pub fn label_vi(self) -> &'static str {
        match self {
            KeyPositionKind::HamletHead => "Trưởng thôn, tổ trưởng tổ dân phố",
            KeyPositionKind::FrontCommitteeHead => "Trưởng ban công tác Mặt trận",
            KeyPositionKind::YouthUnionSecretary => "Bí thư chi đoàn",
            KeyPositionKind::WomenUnionHead => "Chi hội trưởng phụ nữ",
            KeyPositionKind::FarmersUnionHead => "Chi hội trưởng nông dân",
            KeyPositionKind::VeteransHead => "Chi hội trưởng cựu chiến binh",
            KeyPositionKind::MilitiaLeader => "Thôn đội trưởng",
            KeyPositionKind::SecurityTeamLeader => "Tổ trưởng tổ bảo vệ an ninh, trật tự",
        }
    }
}

/// May this role record who holds key positions? Organisation staff and administrators (and the
/// system), as for plans.
pub fn role_writes_key_positions(role: Role) -> bool {
    matches!(role, Role::Admin | Role::OrgStaff)
}

/// Record that `holder` (a person's internal key) holds the position `kind` of a residential
/// unit, replacing the previous holder, or with `None` that the position is vacant; with the audit
/// row `key_position.set` / `key_position.clear` (public ids and codes only). The unit must be in
/// the scope ([`StoreError::NotFound`] otherwise) and the role must write key positions
/// ([`role_writes_key_positions`]). One line of [`set_key_positions`].
pub async fn set_key_position(
    tx: &mut Tx,
    ctx: &WriteCtx,
    scope: &Scope,
    unit_id: i64,
    kind: KeyPositionKind,
    holder: Option<i64>,
) -> Result<()> {
    set_key_positions(tx, ctx, scope, &[(unit_id, kind, holder)]).await
}

/// Record or clear many key positions at once, in order (a later line for the same unit and
/// position wins), in a few statements whatever their number: the units checked against the
/// scope and the holders looked up with one `IN (…)` each, the positions written many per
/// statement, one audit row each ([`audit::append_many`]). Nothing is written when a unit is
/// outside the scope or a holder unknown. The roster import records thousands this way.
pub async fn set_key_positions(
    tx: &mut Tx,
    ctx: &WriteCtx,
    scope: &Scope,
    items: &[(i64, KeyPositionKind, Option<i64>)],
) -> Result<()> {
    if !role_writes_key_positions(scope.role) {
        return Err(StoreError::Forbidden("key position write"));
    }
    if items.is_empty() {
        return Ok(());
    }
    let (all, user, role) = scope.binds();
    let unit_keys: Vec<Val> = items
        .iter()
        .map(|(u, _, _)| *u)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .map(|u| Val::Int(Some(u)))
        .collect();
    let select = format!(
        "SELECT u.residential_unit_id, u.pub_id, u.org_id FROM residential_unit u WHERE {} \
         AND u.residential_unit_id IN",
        scope.org_filter("u.org_id", 1)
    );
    let units: HashMap<i64, (String, i64)> = bulk::select_in::<(i64, String, i64)>(
        tx,
        &select,
        &[
            Val::Bool(all),
            Val::Int(Some(user)),
            Val::Text(Some(role.to_string())),
        ],
        &unit_keys,
    )
    .await?
    .into_iter()
    .map(|(id, pub_id, org)| (id, (pub_id, org)))
    .collect();
    if units.len() != unit_keys.len() {
        return Err(StoreError::NotFound("residential unit"));
    }
    let person_keys: Vec<Val> = items
        .iter()
        .filter_map(|(_, _, p)| *p)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .map(|p| Val::Int(Some(p)))
        .collect();
    let persons: HashMap<i64, String> = bulk::select_in::<(i64, String)>(
        tx,
        "SELECT person_id, pub_id FROM person WHERE person_id IN",
        &[],
        &person_keys,
    )
    .await?
    .into_iter()
    .collect();
    if persons.len() != person_keys.len() {
        return Err(StoreError::NotFound("person"));
    }
    // The last line for each unit and position is the one that stands (one statement may not
    // touch a row twice on PostgreSQL).
    let mut last: BTreeMap<(i64, &'static str), Option<i64>> = BTreeMap::new();
    for (u, k, p) in items {
        last.insert((*u, k.code()), *p);
    }
    let mut set: Vec<Vec<Val>> = Vec::new();
    let mut clear: Vec<Vec<Val>> = Vec::new();
    for ((u, k), p) in &last {
        match p {
            Some(p) => set.push(vec![
                Val::Int(Some(*u)),
                Val::Text(Some((*k).to_string())),
                Val::Int(Some(*p)),
            ]),
            None => clear.push(vec![Val::Int(Some(*u)), Val::Text(Some((*k).to_string()))]),
        }
    }
    bulk::insert_tail(
        tx,
        "INSERT INTO key_position (residential_unit_id, kind, person_id)",
        3,
        &set,
        "ON CONFLICT (residential_unit_id, kind) DO UPDATE SET person_id = excluded.person_id",
    )
    .await?;
    for row in &clear {
        let (Val::Int(Some(u)), Val::Text(Some(k))) = (&row[0], &row[1]) else {
            continue;
        };
        exec!(
            tx.ex(),
            "DELETE FROM key_position WHERE residential_unit_id = $1 AND kind = $2",
            *u,
            k.as_str()
        )?;
    }
    let entries: Vec<AuditEntry<'_>> = items
        .iter()
        .map(|(u, k, p)| {
            let (unit_pub_id, org_id) = &units[u];
            AuditEntry {
                action: if p.is_some() {
                    "key_position.set"
                } else {
                    "key_position.clear"
                },
                object_kind: "residential_unit",
                object_id: unit_pub_id,
                org_id: Some(*org_id),
                detail: match p {
                    Some(p) => json!({ "kind": k.code(), "person": persons[p] }),
                    None => json!({ "kind": k.code() }),
                },
            }
        })
        .collect();
    audit::append_many(tx, ctx, &entries).await?;
    Ok(())
}

/// A key position of a unit and who holds it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct KeyPosition {
    /// The position.
    pub kind: KeyPositionKind,
    /// The holder's public id.
    pub holder_pub_id: String,
    /// The holder's name; `None` for roles that see aggregates only.
    pub holder_name: Option<String>,
    /// The holder is an active (official or probationary) member.
    pub holder_is_member: bool,
}

/// The recorded key positions of a residential unit in the scope, in [`KeyPositionKind::ALL`]
/// order (vacant positions have no line).
pub async fn unit_key_positions(
    conn: &mut Conn,
    scope: &Scope,
    unit_id: i64,
) -> Result<Vec<KeyPosition>> {
    let (all, user, role) = scope.binds();
    let sql = format!(
        "SELECT u.residential_unit_id FROM residential_unit u WHERE u.residential_unit_id = $1 AND {}",
        scope.org_filter("u.org_id", 2)
    );
    fetch_optional!(conn.ex(), (i64,), &sql, unit_id, all, user, role)?
        .ok_or(StoreError::NotFound("residential unit"))?;
    let sql = format!(
        "SELECT k.kind, p.pub_id, p.full_name, CAST(CASE WHEN {} THEN 0 ELSE 1 END AS BIGINT) \
         FROM key_position k JOIN person p ON p.person_id = k.person_id \
         WHERE k.residential_unit_id = $1",
        held_by_non_member("k")
    );
    let rows: Vec<(String, String, String, i64)> =
        fetch_all!(conn.ex(), (String, String, String, i64), &sql, unit_id)?;
    let mut out = rows
        .into_iter()
        .map(|(kind, holder_pub_id, name, member)| {
            Ok(KeyPosition {
                kind: key_kind(&kind)?,
                holder_pub_id,
                holder_name: scope.role.reads(crate::Field::Roster).then_some(name),
                holder_is_member: member == 1,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    out.sort_by_key(|k| k.kind);
    Ok(out)
}

fn key_kind(code: &str) -> Result<KeyPositionKind> {
    KeyPositionKind::from_code(code)
        .ok_or_else(|| StoreError::Corrupt(format!("key position kind {code}")))
}

// ---------------------------------------------------------------------------------------------
// The conditions, written once for the lists and the counts
// ---------------------------------------------------------------------------------------------

const ACTIVE: &str = "('official', 'probationary')";

/// `{col}` (an organisation key) lies in the subtree of the organisation bound at `$n`.
fn in_subtree(col: &str, n: usize) -> String {
    format!("{col} IN (SELECT sd.descendant_id FROM org_closure sd WHERE sd.ancestor_id = ${n})")
}

/// Residential unit `{u}` has an active member living there.
fn unit_has_member(u: &str) -> String {
    format!(
        "EXISTS (SELECT 1 FROM person hp JOIN member hm ON hm.person_id = hp.person_id \
         WHERE hp.residential_unit_id = {u}.residential_unit_id AND hm.status IN {ACTIVE})"
    )
}

/// Residential unit `{u}` is covered by an open cell (a merged, closed cell counts as none).
fn unit_has_cell(u: &str) -> String {
    format!("EXISTS (SELECT 1 FROM org hc WHERE hc.org_id = {u}.cell_id AND hc.closed_on IS NULL)")
}

/// `{o}` is an open cell (chi bộ, or a grassroots cell).
fn open_cell(o: &str) -> String {
    format!(
        "{o}.closed_on IS NULL AND ({o}.kind LIKE 'cell:%' OR {o}.kind LIKE 'grassroots_cell:%')"
    )
}

/// The active members of cell `{o}` with status `status` (a code from the code, never input).
fn member_count(o: &str, status: &str) -> String {
    format!(
        "(SELECT CAST(COUNT(*) AS BIGINT) FROM member om WHERE om.cell_id = {o}.org_id AND om.status = '{status}')"
    )
}

/// Open cell `{o}` has no chi ủy (`$flag` bound to `false`) and at least `$threshold` official
/// members.
fn cell_needs_committee(o: &str, flag: usize, threshold: usize) -> String {
    format!(
        "{} AND {o}.has_cell_committee = ${flag} AND {} >= ${threshold}",
        open_cell(o),
        member_count(o, "official")
    )
}

/// The stage codes before the admission decision: a candidacy there is a source of its cell.
fn candidate_stages() -> String {
    format!(
        "({})",
        crate::counters::stage_codes(|s| s.is_candidate() && !s.is_terminal())
    )
}

/// Open cell `{o}` has no `source.opened` / `sympathizer.listed` counter in the months
/// `$from ..= $to` and no candidacy in a stage before the admission decision now.
fn cell_without_sources(o: &str, from: usize, to: usize) -> String {
    format!(
        "{} AND NOT EXISTS (SELECT 1 FROM counter sk WHERE sk.org_id = {o}.org_id AND sk.period <> '*' \
         AND sk.period >= ${from} AND sk.period <= ${to} \
         AND sk.metric IN ('source.opened', 'sympathizer.listed') AND sk.value > 0) \
         AND NOT EXISTS (SELECT 1 FROM candidacy sc WHERE sc.cell_id = {o}.org_id AND sc.stage IN {})",
        open_cell(o),
        candidate_stages()
    )
}

/// Key position `{k}` is held by someone who is not an active member.
fn held_by_non_member(k: &str) -> String {
    format!(
        "NOT EXISTS (SELECT 1 FROM member km WHERE km.person_id = {k}.person_id AND km.status IN {ACTIVE})"
    )
}

/// The first and last month (`YYYY-MM`) of a year, as the counters name periods.
fn months_of(year: i16) -> (String, String) {
    (format!("{year:04}-01"), format!("{year:04}-12"))
}

/// The organisation `root` in the scope, or not found.
async fn check_root(conn: &mut Conn, scope: &Scope, root: i64) -> Result<(String, String, String)> {
    let (all, user, role) = scope.binds();
    let sql = format!(
        "SELECT o.pub_id, o.code, o.name FROM org o WHERE o.org_id = $1 AND {}",
        scope.org_filter("o.org_id", 2)
    );
    fetch_optional!(
        conn.ex(),
        (String, String, String),
        &sql,
        root,
        all,
        user,
        role
    )?
    .ok_or(StoreError::NotFound("org"))
}

// ---------------------------------------------------------------------------------------------
// Units with no member, units with no cell
// ---------------------------------------------------------------------------------------------

/// A residential unit with a coverage gap.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GapUnit {
    /// Internal key.
    #[serde(skip)]
    pub residential_unit_id: i64,
    /// Public id.
    pub pub_id: String,
    /// Thôn, tổ dân phố, …
    pub kind: ResidentialKind,
    /// Name.
    pub name: String,
    /// The commune-level organisation it belongs to (internal key).
    #[serde(skip)]
    pub org_id: i64,
    /// Its public id.
    pub org_pub_id: String,
    /// Its code (the list's order key).
    pub org_code: String,
    /// Its name.
    pub org_name: String,
    /// The open covering cell's public id, if any.
    pub cell_pub_id: Option<String>,
    /// The open covering cell's name, if any.
    pub cell_name: Option<String>,
    /// Active members living there.
    pub members_living: i64,
    /// How the unit is blank.
    pub blank: BlankKind,
}

#[derive(sqlx::FromRow)]
struct UnitGapRow {
    residential_unit_id: i64,
    pub_id: String,
    kind: String,
    name: String,
    org_id: i64,
    org_pub_id: String,
    org_code: String,
    org_name: String,
    cell_pub_id: Option<String>,
    cell_name: Option<String>,
    members_living: i64,
}

/// Which units a gap list holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum UnitGapKind {
    NoMember,
    NoCell,
}

async fn unit_gaps(
    conn: &mut Conn,
    scope: &Scope,
    root: i64,
    which: UnitGapKind,
    after: Option<(String, i64)>,
    limit: i64,
) -> Result<Page<GapUnit>> {
    check_root(conn, scope, root).await?;
    let limit = page_size(limit);
    let gap = match which {
        UnitGapKind::NoMember => format!("NOT {}", unit_has_member("u")),
        UnitGapKind::NoCell => format!("NOT {}", unit_has_cell("u")),
    };
    let sql = format!(
        "SELECT u.residential_unit_id, u.pub_id, u.kind, u.name, o.org_id, o.pub_id AS org_pub_id, \
         o.code AS org_code, o.name AS org_name, cell.pub_id AS cell_pub_id, cell.name AS cell_name, \
         (SELECT CAST(COUNT(DISTINCT lm.person_id) AS BIGINT) FROM person lp \
          JOIN member lm ON lm.person_id = lp.person_id \
          WHERE lp.residential_unit_id = u.residential_unit_id AND lm.status IN {ACTIVE}) AS members_living \
         FROM residential_unit u JOIN org o ON o.org_id = u.org_id \
         LEFT JOIN org cell ON cell.org_id = u.cell_id AND cell.closed_on IS NULL \
         WHERE {} AND {gap} AND (o.code, u.residential_unit_id) > ($2, $3) \
         ORDER BY o.code, u.residential_unit_id LIMIT $4",
        in_subtree("u.org_id", 1)
    );
    let (after_code, after_id) = after.unwrap_or_default();
    let rows = fetch_all!(
        conn.ex(),
        UnitGapRow,
        &sql,
        root,
        after_code,
        after_id,
        limit + 1
    )?;
    let items = rows
        .into_iter()
        .map(|r| {
            let kind = residential_kind_from_code(&r.kind)
                .ok_or_else(|| StoreError::Corrupt(format!("residential kind {}", r.kind)))?;
            let n = u32::try_from(r.members_living).unwrap_or(u32::MAX);
            let blank = blank_unit(n, r.cell_pub_id.is_some())
                .ok_or_else(|| StoreError::Corrupt("covered unit in a gap list".into()))?;
            Ok(GapUnit {
                residential_unit_id: r.residential_unit_id,
                pub_id: r.pub_id,
                kind,
                name: r.name,
                org_id: r.org_id,
                org_pub_id: r.org_pub_id,
                org_code: r.org_code,
                org_name: r.org_name,
                cell_pub_id: r.cell_pub_id,
                cell_name: r.cell_name,
                members_living: r.members_living,
                blank,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(into_page(items, limit, |u| {
        (u.org_code.clone(), u.residential_unit_id)
    }))
}

/// The residential units under `root` (in the scope) where no active member lives
/// ([`BlankKind::NoMember`] or [`BlankKind::NoMemberNoCell`]), keyset-paged by (organisation
/// code, unit key): `after` is the previous page's `next`.
pub async fn units_without_member(
    conn: &mut Conn,
    scope: &Scope,
    root: i64,
    after: Option<(String, i64)>,
    limit: i64,
) -> Result<Page<GapUnit>> {
    unit_gaps(conn, scope, root, UnitGapKind::NoMember, after, limit).await
}

/// The residential units under `root` (in the scope) that no open cell covers
/// ([`BlankKind::NoCell`] or [`BlankKind::NoMemberNoCell`]), keyset-paged like
/// [`units_without_member`].
pub async fn units_without_cell(
    conn: &mut Conn,
    scope: &Scope,
    root: i64,
    after: Option<(String, i64)>,
    limit: i64,
) -> Result<Page<GapUnit>> {
    unit_gaps(conn, scope, root, UnitGapKind::NoCell, after, limit).await
}

// ---------------------------------------------------------------------------------------------
// Cells without a chi ủy, cells without sources
// ---------------------------------------------------------------------------------------------

/// A cell with a coverage gap.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GapCell {
    /// Internal key.
    #[serde(skip)]
    pub org_id: i64,
    /// Public id.
    pub pub_id: String,
    /// Code (the list's order key).
    pub code: String,
    /// Name.
    pub name: String,
    /// Kind code (`OrgKind::code`).
    pub kind: String,
    /// The parent organisation's name.
    pub parent_name: Option<String>,
    /// Official members.
    pub official: i64,
    /// Probationary members.
    pub probationary: i64,
    /// Where the cell stands with the chi ủy rule.
    pub committee: CellCommitteeStatus,
}

#[derive(sqlx::FromRow)]
struct CellGapRow {
    org_id: i64,
    pub_id: String,
    code: String,
    name: String,
    kind: String,
    parent_name: Option<String>,
    has_cell_committee: bool,
    official: i64,
    probationary: i64,
}

fn cell_select(filter: &str, after_n: usize) -> String {
    format!(
        "SELECT o.org_id, o.pub_id, o.code, o.name, o.kind, par.name AS parent_name, o.has_cell_committee, \
         {} AS official, {} AS probationary \
         FROM org o LEFT JOIN org par ON par.org_id = o.parent_id \
         WHERE {} AND {filter} AND (o.code, o.org_id) > (${after_n}, ${}) \
         ORDER BY o.code, o.org_id LIMIT ${}",
        member_count("o", "official"),
        member_count("o", "probationary"),
        in_subtree("o.org_id", 1),
        after_n + 1,
        after_n + 2
    )
}

fn cell_rows(rows: Vec<CellGapRow>, rules: &RuleSet) -> Vec<GapCell> {
    rows.into_iter()
        .map(|r| {
            let n = u32::try_from(r.official).unwrap_or(u32::MAX);
            GapCell {
                org_id: r.org_id,
                pub_id: r.pub_id,
                code: r.code,
                name: r.name,
                kind: r.kind,
                parent_name: r.parent_name,
                official: r.official,
                probationary: r.probationary,
                committee: ketnap_domain::org::cell_committee_status(
                    n,
                    r.has_cell_committee,
                    rules,
                ),
            }
        })
        .collect()
}

/// The open cells under `root` (in the scope) with at least `cell.committee_threshold` official
/// members (9, from `rules`) and no chi ủy (Điều lệ Đảng, Điều 24.4), keyset-paged by (code,
/// key). Every row's `committee` is [`CellCommitteeStatus::Missing`].
pub async fn cells_without_committee(
    conn: &mut Conn,
    scope: &Scope,
    root: i64,
    rules: &RuleSet,
    after: Option<(String, i64)>,
    limit: i64,
) -> Result<Page<GapCell>> {
    check_root(conn, scope, root).await?;
    let limit = page_size(limit);
    let threshold = i64::from(rules.cell_committee_threshold.value.0);
    let sql = cell_select(&cell_needs_committee("o", 2, 3), 4);
    let (after_code, after_id) = after.unwrap_or_default();
    let rows = fetch_all!(
        conn.ex(),
        CellGapRow,
        &sql,
        root,
        false,
        threshold,
        after_code,
        after_id,
        limit + 1
    )?;
    Ok(into_page(cell_rows(rows, rules), limit, |c| {
        (c.code.clone(), c.org_id)
    }))
}

/// The open cells under `root` (in the scope) with no source in `year`: nobody listed as a
/// source or put on the sympathizer list in any month of the year (`source.opened`,
/// `sympathizer.listed` counters) and no candidacy standing now before the admission decision
/// (seed 000: "a cell with no source left reports that in writing"). Keyset-paged by (code, key).
pub async fn cells_without_sources(
    conn: &mut Conn,
    scope: &Scope,
    root: i64,
    year: i16,
    rules: &RuleSet,
    after: Option<(String, i64)>,
    limit: i64,
) -> Result<Page<GapCell>> {
    check_root(conn, scope, root).await?;
    let limit = page_size(limit);
    let (from, to) = months_of(year);
    let sql = cell_select(&cell_without_sources("o", 2, 3), 4);
    let (after_code, after_id) = after.unwrap_or_default();
    let rows = fetch_all!(
        conn.ex(),
        CellGapRow,
        &sql,
        root,
        from,
        to,
        after_code,
        after_id,
        limit + 1
    )?;
    Ok(into_page(cell_rows(rows, rules), limit, |c| {
        (c.code.clone(), c.org_id)
    }))
}

// ---------------------------------------------------------------------------------------------
// Key positions held by non-members
// ---------------------------------------------------------------------------------------------

/// The cursor of [`key_positions_held_by_non_members`]: (organisation code, unit key, kind code).
pub type KeyPositionCursor = (String, i64, String);

/// A key position held by someone who is not an active member.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HeldPosition {
    /// The unit (internal key).
    #[serde(skip)]
    pub residential_unit_id: i64,
    /// The unit's public id.
    pub unit_pub_id: String,
    /// The unit's name.
    pub unit_name: String,
    /// The commune-level organisation's public id.
    pub org_pub_id: String,
    /// Its code (the list's order key).
    pub org_code: String,
    /// Its name.
    pub org_name: String,
    /// The position.
    pub kind: KeyPositionKind,
    /// The holder's public id.
    pub holder_pub_id: String,
    /// The holder's name; `None` for roles that see aggregates only.
    pub holder_name: Option<String>,
    /// The stage of the holder's candidacy when one stands before the admission decision (the
    /// holder is being developed as a source).
    pub candidacy_stage: Option<Stage>,
}

#[derive(sqlx::FromRow)]
struct HeldRow {
    residential_unit_id: i64,
    unit_pub_id: String,
    unit_name: String,
    org_pub_id: String,
    org_code: String,
    org_name: String,
    kind: String,
    holder_pub_id: String,
    holder_name: String,
    candidacy_stage: Option<String>,
}

/// The key positions of the residential units under `root` (in the scope) held by someone who is
/// not an active member (never one, or one who left), keyset-paged by (organisation code, unit
/// key, kind code).
pub async fn key_positions_held_by_non_members(
    conn: &mut Conn,
    scope: &Scope,
    root: i64,
    after: Option<KeyPositionCursor>,
    limit: i64,
) -> Result<Page<HeldPosition, KeyPositionCursor>> {
    check_root(conn, scope, root).await?;
    let limit = page_size(limit);
    let sql = format!(
        "SELECT k.residential_unit_id, u.pub_id AS unit_pub_id, u.name AS unit_name, o.pub_id AS org_pub_id, \
         o.code AS org_code, o.name AS org_name, k.kind, p.pub_id AS holder_pub_id, p.full_name AS holder_name, \
         (SELECT hc.stage FROM candidacy hc WHERE hc.person_id = k.person_id AND hc.stage IN {} \
          ORDER BY hc.candidacy_id DESC LIMIT 1) AS candidacy_stage \
         FROM key_position k JOIN residential_unit u ON u.residential_unit_id = k.residential_unit_id \
         JOIN org o ON o.org_id = u.org_id JOIN person p ON p.person_id = k.person_id \
         WHERE {} AND {} AND (o.code, k.residential_unit_id, k.kind) > ($2, $3, $4) \
         ORDER BY o.code, k.residential_unit_id, k.kind LIMIT $5",
        candidate_stages(),
        in_subtree("u.org_id", 1),
        held_by_non_member("k")
    );
    let (after_code, after_unit, after_kind) = after.unwrap_or_default();
    let rows = fetch_all!(
        conn.ex(),
        HeldRow,
        &sql,
        root,
        after_code,
        after_unit,
        after_kind,
        limit + 1
    )?;
    let individuals = scope.role.reads(crate::Field::Roster);
    let items = rows
        .into_iter()
        .map(|r| {
            let candidacy_stage = match r.candidacy_stage.as_deref() {
                Some(code) => Some(
                    crate::counters::stage_from_code(code)
                        .ok_or_else(|| StoreError::Corrupt(format!("stage {code}")))?,
                ),
                None => None,
            };
            Ok(HeldPosition {
                residential_unit_id: r.residential_unit_id,
                unit_pub_id: r.unit_pub_id,
                unit_name: r.unit_name,
                org_pub_id: r.org_pub_id,
                org_code: r.org_code,
                org_name: r.org_name,
                kind: key_kind(&r.kind)?,
                holder_pub_id: r.holder_pub_id,
                holder_name: individuals.then_some(r.holder_name),
                candidacy_stage,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(into_page(items, limit, |h| {
        (
            h.org_code.clone(),
            h.residential_unit_id,
            h.kind.code().to_string(),
        )
    }))
}

// ---------------------------------------------------------------------------------------------
// Counts per child organisation
// ---------------------------------------------------------------------------------------------

/// The five coverage counts of one subtree: each equals the length of the matching list.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CoverageCounts {
    /// [`units_without_member`].
    pub units_without_member: i64,
    /// [`units_without_cell`].
    pub units_without_cell: i64,
    /// [`cells_without_committee`].
    pub cells_without_committee: i64,
    /// [`cells_without_sources`].
    pub cells_without_sources: i64,
    /// [`key_positions_held_by_non_members`].
    pub key_positions_held_by_non_members: i64,
}

/// An organisation and the coverage counts of its subtree.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OrgCoverage {
    /// Internal key.
    #[serde(skip)]
    pub org_id: i64,
    /// Public id.
    pub pub_id: String,
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Kind code (`OrgKind::code`).
    pub kind: String,
    /// The counts over its whole subtree (itself included).
    pub counts: CoverageCounts,
}

/// The coverage counts of an organisation's subtree and of each of its open children.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CoverageByChild {
    /// The organisation asked for: its whole subtree (units attached to it directly included).
    pub total: OrgCoverage,
    /// Its open children, by name (Vietnamese order).
    pub children: Vec<OrgCoverage>,
}

/// The coverage counts of `parent` (in the scope, else not found) and of each of its open
/// children, for the sources of `year` and the chi ủy threshold of `rules`: **one** grouped query
/// (the gaps of the subtree tagged by kind, joined to each organisation's descendants). The
/// conditions are those of the lists, so every count equals its list's length.
pub async fn counts_by_child(
    conn: &mut Conn,
    scope: &Scope,
    parent: i64,
    year: i16,
    rules: &RuleSet,
) -> Result<CoverageByChild> {
    let (all, user, role) = scope.binds();
    let threshold = i64::from(rules.cell_committee_threshold.value.0);
    let (from, to) = months_of(year);
    let gaps = [
        format!(
            "SELECT u.org_id AS org_id, CAST(1 AS BIGINT) AS what FROM residential_unit u \
             WHERE {} AND NOT {}",
            in_subtree("u.org_id", 1),
            unit_has_member("u")
        ),
        format!(
            "SELECT u.org_id AS org_id, CAST(2 AS BIGINT) AS what FROM residential_unit u \
             WHERE {} AND NOT {}",
            in_subtree("u.org_id", 1),
            unit_has_cell("u")
        ),
        format!(
            "SELECT o.org_id AS org_id, CAST(3 AS BIGINT) AS what FROM org o WHERE {} AND {}",
            in_subtree("o.org_id", 1),
            cell_needs_committee("o", 5, 6)
        ),
        format!(
            "SELECT o.org_id AS org_id, CAST(4 AS BIGINT) AS what FROM org o WHERE {} AND {}",
            in_subtree("o.org_id", 1),
            cell_without_sources("o", 7, 8)
        ),
        format!(
            "SELECT u.org_id AS org_id, CAST(5 AS BIGINT) AS what FROM key_position k \
             JOIN residential_unit u ON u.residential_unit_id = k.residential_unit_id WHERE {} AND {}",
            in_subtree("u.org_id", 1),
            held_by_non_member("k")
        ),
    ];
    let sum = |what: u8| {
        format!("CAST(COALESCE(SUM(CASE WHEN g.what = {what} THEN 1 ELSE 0 END), 0) AS BIGINT)")
    };
    let sql = format!(
        "SELECT t.org_id, t.pub_id, t.code, t.name, t.kind, {}, {}, {}, {}, {} \
         FROM org t JOIN org_closure tc ON tc.ancestor_id = t.org_id \
         LEFT JOIN ({}) g ON g.org_id = tc.descendant_id \
         WHERE (t.org_id = $1 OR (t.parent_id = $1 AND t.closed_on IS NULL)) AND {} \
         GROUP BY t.org_id, t.pub_id, t.code, t.name, t.kind",
        sum(1),
        sum(2),
        sum(3),
        sum(4),
        sum(5),
        gaps.join(" UNION ALL "),
        scope.org_filter("t.org_id", 2)
    );
    type Row = (i64, String, String, String, String, i64, i64, i64, i64, i64);
    let rows: Vec<Row> = fetch_all!(
        conn.ex(),
        Row,
        &sql,
        parent,
        all,
        user,
        role,
        false,
        threshold,
        from,
        to
    )?;
    let mut total = None;
    let mut children = Vec::new();
    for (org_id, pub_id, code, name, kind, a, b, c, dd, e) in rows {
        let row = OrgCoverage {
            org_id,
            pub_id,
            code,
            name,
            kind,
            counts: CoverageCounts {
                units_without_member: a,
                units_without_cell: b,
                cells_without_committee: c,
                cells_without_sources: dd,
                key_positions_held_by_non_members: e,
            },
        };
        if org_id == parent {
            total = Some(row);
        } else {
            children.push(row);
        }
    }
    let total = total.ok_or(StoreError::NotFound("org"))?;
    let collator = NameCollator::shared();
    children.sort_by(|a, b| {
        collator
            .compare(&a.name, &b.name)
            .then(a.org_id.cmp(&b.org_id))
    });
    Ok(CoverageByChild { total, children })
}

// ---------------------------------------------------------------------------------------------
// Evaluation inputs (annual quality ranking)
// ---------------------------------------------------------------------------------------------

/// The development results of one organisation for a year, as the ranking meeting reads them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OrgEvaluation {
    /// Internal key.
    #[serde(skip)]
    pub org_id: i64,
    /// Public id.
    pub pub_id: String,
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Kind code (`OrgKind::code`).
    pub kind: String,
    /// The start-of-year membership of the subtree (đảng số đầu năm), when a snapshot was taken
    /// (live counts are not a base for a past year: `None` without a snapshot).
    pub start_of_year: Option<RosterCounts>,
    /// It has a plan for the year.
    pub has_plan: bool,
    /// Admissions against the year plan's admissions target (target 0 without a plan: no
    /// percentage).
    pub admissions: Achievement,
    /// [`Achievement::pct_text`] of `admissions` (`143,75 %`, `—`).
    pub admissions_pct: String,
    /// Admissions against the start-of-year membership (the 3–4 % of Nghị quyết 21-NQ/TW);
    /// `None` without a snapshot.
    pub admission_rate: Option<Share>,
    /// The whole plan against the actuals: sources, course, admissions and every sub-group
    /// (sub-groups against the admissions target, as the seeds do), the actuals read from the
    /// counters exactly as the plan-vs-actual report reads them
    /// ([`reports::actuals_from_metrics`]).
    pub plan_vs_actual: PlanVsActual,
    /// Of those admitted in the year (decisions not annulled), how many finished upper-secondary
    /// school (their education on file now).
    pub upper_secondary: Share,
    /// Of those admitted in the year, how many were of youth age (16–30) on the decision's date.
    pub youth_age: Share,
    /// Candidacies rejected in the year (by the cell or a refused decision).
    pub rejected: u32,
    /// Probationary members removed (xóa tên) in the year.
    pub removed: u32,
    /// Admissions or recognitions annulled in the year.
    pub annulled: u32,
    /// Candidacies under way with at least one overdue item as of the evaluation's date.
    pub overdue_candidacies: u32,
    /// Overdue items (deadlines passed, validities expired, missing mentor notes) as of that date.
    pub overdue_items: u32,
}

/// The evaluation inputs of the children of an organisation for a year.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Evaluation {
    /// The year evaluated.
    pub year: i16,
    /// The overdue items are counted as of this date (they are a state, not a flow of the year).
    pub as_of: Date,
    /// The organisation whose children are ranked: public id.
    pub org_pub_id: String,
    /// Its code.
    pub org_code: String,
    /// Its name.
    pub org_name: String,
    /// One line per open child, by name (Vietnamese order).
    pub rows: Vec<OrgEvaluation>,
}

fn count(n: i64) -> u32 {
    u32::try_from(n.max(0)).unwrap_or(u32::MAX)
}

/// The stored education codes (`grade/system`) of someone who finished upper-secondary school,
/// from the domain's own rule ([`Education::upper_secondary_done`]).
fn upper_secondary_codes() -> String {
    let mut codes = Vec::new();
    for system in [10u8, 12] {
        for grade in 0..=system {
            if let Ok(e) = Education::new(grade, system)
                && e.upper_secondary_done()
            {
                codes.push(format!("'{e}'"));
            }
        }
    }
    format!("({})", codes.join(", "))
}

/// Candidacies read per page when counting overdue items.
const OVERDUE_PAGE: i64 = 500;

/// (overdue candidacies, overdue items) per child of `parent`, as of `today`: the candidacies under
/// way in each child's subtree, read page by page (keyset on the key) with their mentor notes, and
/// judged by [`alerts`].
async fn overdue_by_child(
    conn: &mut Conn,
    parent: i64,
    book: &RuleBook,
    today: Date,
) -> Result<BTreeMap<i64, (u32, u32)>> {
    let closed = crate::counters::stage_codes(|s| s.is_terminal());
    let sql = format!(
        "SELECT ch.org_id, c.candidacy_id, c.state FROM candidacy c \
         JOIN org_closure cc ON cc.descendant_id = c.cell_id JOIN org ch ON ch.org_id = cc.ancestor_id \
         WHERE ch.parent_id = $1 AND ch.closed_on IS NULL AND c.stage NOT IN ({}) AND c.candidacy_id > $2 \
         ORDER BY c.candidacy_id LIMIT $3",
        closed
    );
    let mut out: BTreeMap<i64, (u32, u32)> = BTreeMap::new();
    let mut after = 0i64;
    loop {
        let rows: Vec<(i64, i64, String)> = fetch_all!(
            conn.ex(),
            (i64, i64, String),
            &sql,
            parent,
            after,
            OVERDUE_PAGE
        )?;
        let Some(last) = rows.last() else { break };
        after = last.1;
        // Internal keys read from the database: safe to inline, one SQL text per page.
        let list = rows
            .iter()
            .map(|r| r.1.to_string())
            .collect::<Vec<_>>()
            .join(", ");
        let note_rows: Vec<(i64, i64, i64)> = fetch_all!(
            conn.ex(),
            (i64, i64, i64),
            &format!(
                "SELECT candidacy_id, year, month FROM mentor_note WHERE candidacy_id IN ({list}) \
                 ORDER BY candidacy_id, year, month"
            )
        )?;
        let mut notes: BTreeMap<i64, Vec<(i16, i8)>> = BTreeMap::new();
        for (id, y, m) in note_rows {
            let (Ok(y), Ok(m)) = (i16::try_from(y), i8::try_from(m)) else {
                return Err(StoreError::Corrupt("mentor note month".into()));
            };
            notes.entry(id).or_default().push((y, m));
        }
        let full = i64::try_from(rows.len()).unwrap_or(0) == OVERDUE_PAGE;
        for (child, id, state) in rows {
            let c: Candidacy = serde_json::from_str(&state)
                .map_err(|e| StoreError::Corrupt(format!("candidacy state: {e}")))?;
            let n = notes.get(&id).map_or(&[][..], Vec::as_slice);
            let overdue = alerts(&c, book, n, today)
                .iter()
                .filter(|a| a.status == AlertStatus::Overdue)
                .count();
            if overdue > 0 {
                let e = out.entry(child).or_default();
                e.0 = e.0.saturating_add(1);
                e.1 =
                    e.1.saturating_add(u32::try_from(overdue).unwrap_or(u32::MAX));
            }
        }
        if !full {
            break;
        }
    }
    Ok(out)
}

/// The evaluation inputs of the open children of `parent` (in the scope, else not found) for
/// `year`: per child, the quota achievement against its year plan with the sub-groups, the
/// admission rate against the start-of-year snapshot, the share of the admitted who finished
/// upper-secondary school and of youth age, the candidacies rejected, removed and annulled in the
/// year (counters rolled up over `org_closure`), and the overdue items as of `today` (judged by
/// `book`). A constant number of queries, whatever the number of children. Aggregates: every
/// role may read them.
pub async fn evaluation(
    conn: &mut Conn,
    scope: &Scope,
    parent: i64,
    year: i16,
    book: &RuleBook,
    today: Date,
) -> Result<Evaluation> {
    let (org_pub_id, org_code, org_name) = check_root(conn, scope, parent).await?;
    let period = Period::Year(year);
    let children = plans::children(conn, scope, parent, period).await?;

    let snapshots: Vec<(i64, i64, i64)> = fetch_all!(
        conn.ex(),
        (i64, i64, i64),
        "SELECT o.org_id, s.official, s.probationary FROM org o \
         JOIN membership_snapshot s ON s.org_id = o.org_id AND s.year = $2 \
         WHERE o.parent_id = $1 AND o.closed_on IS NULL",
        parent,
        i64::from(year)
    )?;
    let snapshots: BTreeMap<i64, RosterCounts> = snapshots
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
        .collect();

    let (from, to) = months_of(year);
    let counter_rows: Vec<(i64, String, i64)> = fetch_all!(
        conn.ex(),
        (i64, String, i64),
        "SELECT ch.org_id, k.metric, CAST(COALESCE(SUM(k.value), 0) AS BIGINT) FROM org ch \
         JOIN counter_sum k ON k.org_id = ch.org_id \
         WHERE ch.parent_id = $1 AND ch.closed_on IS NULL AND k.period <> '*' \
         AND k.period >= $2 AND k.period <= $3 GROUP BY ch.org_id, k.metric",
        parent,
        from,
        to
    )?;
    let mut metrics: BTreeMap<i64, BTreeMap<String, i64>> = BTreeMap::new();
    for (org_id, metric, value) in counter_rows {
        metrics.entry(org_id).or_default().insert(metric, value);
    }

    let first = period.first_day();
    let last = period.last_day();
    let education_sql = format!(
        "SELECT ch.org_id, CAST(COUNT(*) AS BIGINT), \
         CAST(COALESCE(SUM(CASE WHEN p.education IN {} THEN 1 ELSE 0 END), 0) AS BIGINT) \
         FROM candidacy_event e JOIN org_closure cc ON cc.descendant_id = e.cell_id \
         JOIN org ch ON ch.org_id = cc.ancestor_id \
         JOIN candidacy c ON c.candidacy_id = e.candidacy_id JOIN person p ON p.person_id = c.person_id \
         WHERE ch.parent_id = $1 AND ch.closed_on IS NULL AND e.kind = 'admission_decision' \
         AND e.stage = $2 AND c.stage <> $3 AND e.on_date >= $4 AND e.on_date <= $5 \
         GROUP BY ch.org_id",
        upper_secondary_codes()
    );
    let education_rows: Vec<(i64, i64, i64)> = fetch_all!(
        conn.ex(),
        (i64, i64, i64),
        &education_sql,
        parent,
        stage_code(Stage::AwaitingCeremony),
        stage_code(Stage::Annulled),
        d(first),
        d(last)
    )?;
    let education: BTreeMap<i64, (i64, i64)> = education_rows
        .into_iter()
        .map(|(id, admitted, upper)| (id, (admitted, upper)))
        .collect();

    let overdue = overdue_by_child(conn, parent, book, today).await?;

    let mut rows: Vec<OrgEvaluation> = children
        .into_iter()
        .map(|child| {
            let m = metrics.remove(&child.org_id).unwrap_or_default();
            let actuals = reports::actuals_from_metrics(&m);
            let has_plan = child.plan.is_some();
            let plan = child.plan.unwrap_or_else(|| Plan::new(period));
            let admissions = Achievement::of(actuals.admissions, plan.admissions);
            let start_of_year = snapshots.get(&child.org_id).copied();
            let admission_rate =
                start_of_year.map(|s| Share::new(actuals.admissions, count(s.total())));
            let (admitted, upper) = education.get(&child.org_id).copied().unwrap_or((0, 0));
            let get = |metric: &str| count(m.get(metric).copied().unwrap_or(0));
            let (overdue_candidacies, overdue_items) =
                overdue.get(&child.org_id).copied().unwrap_or((0, 0));
            OrgEvaluation {
                org_id: child.org_id,
                pub_id: child.org_pub_id,
                code: child.code,
                name: child.name,
                kind: child.kind,
                start_of_year,
                has_plan,
                admissions_pct: admissions.pct_text(),
                admissions,
                admission_rate,
                plan_vs_actual: PlanVsActual::new(&plan, &actuals),
                upper_secondary: Share::new(count(upper), count(admitted)),
                youth_age: Share::new(get("admission.youth_age"), actuals.admissions),
                rejected: get("rejected"),
                removed: get("removal"),
                annulled: get("annulment"),
                overdue_candidacies,
                overdue_items,
            }
        })
        .collect();
    let collator = NameCollator::shared();
    rows.sort_by(|a, b| {
        collator
            .compare(&a.name, &b.name)
            .then(a.org_id.cmp(&b.org_id))
    });
    Ok(Evaluation {
        year,
        as_of: today,
        org_pub_id,
        org_code,
        org_name,
        rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_position_codes_round_trip_and_every_kind_has_a_vietnamese_name() {
        for k in KeyPositionKind::ALL {
            assert_eq!(KeyPositionKind::from_code(k.code()), Some(k));
            assert!(!k.label_vi().is_empty());
        }
        assert_eq!(KeyPositionKind::from_code("mayor"), None);
    }

    #[test]
    fn upper_secondary_education_is_twelve_of_twelve_or_ten_of_ten() {
        assert_eq!(upper_secondary_codes(), "('10/10', '12/12')");
    }

    #[test]
    fn the_sources_of_a_cell_are_the_candidacies_before_the_admission_decision() {
        let stages = candidate_stages();
        assert!(stages.contains("'source'") && stages.contains("'awaiting_decision'"));
        assert!(!stages.contains("'awaiting_ceremony'") && !stages.contains("'rejected'"));
    }
}

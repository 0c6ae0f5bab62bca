//! Residential units (thôn, tổ dân phố…) of commune-level organisations with the cell that covers
//! them and the members living there (coverage, "tái trắng"), and mass organisations (đoàn thể)
//! attached to party organisations.

use ketnap_domain::Violation;
use ketnap_domain::org::{BlankKind, OrgKind, ResidentialKind, blank_unit, check_residential_unit};
use ketnap_domain::text::NameCollator;
use serde::Serialize;
use serde_json::json;

use crate::audit::{self, AuditEntry};
use crate::{Conn, PubId, Result, Scope, StoreError, Tx, WriteCtx};

/// Stable code of a [`ResidentialKind`] stored in `residential_unit.kind`.
pub fn residential_kind_code(k: ResidentialKind) -> &'static str {
    match k {
        ResidentialKind::Thon => "thon",
        ResidentialKind::Ap => "ap",
        ResidentialKind::Lang => "lang",
        ResidentialKind::Ban => "ban",
        ResidentialKind::Buon => "buon",
        ResidentialKind::Plei => "plei",
        ResidentialKind::Xom => "xom",
        ResidentialKind::Phum => "phum",
        ResidentialKind::Soc => "soc",
        ResidentialKind::ToDanPho => "to_dan_pho",
        ResidentialKind::KhuPho => "khu_pho",
        ResidentialKind::KhoiPho => "khoi_pho",
        ResidentialKind::Khom => "khom",
    }
}

/// The [`ResidentialKind`] of a stored code.
pub fn residential_kind_from_code(code: &str) -> Option<ResidentialKind> {
    ResidentialKind::ALL
        .into_iter()
        .find(|k| residential_kind_code(*k) == code)
}

fn refused(v: Violation) -> StoreError {
    StoreError::invalid(format!("rule {}", v.rule_id), v.message_vi)
}

/// (kind, closed) of an organisation.
async fn org_kind(tx: &mut Tx, org_id: i64) -> Result<(OrgKind, bool)> {
    let (kind, closed): (String, Option<jiff_sqlx::Date>) = fetch_optional!(
        tx.ex(),
        (String, Option<jiff_sqlx::Date>),
        "SELECT kind, closed_on FROM org WHERE org_id = $1",
        org_id
    )?
    .ok_or(StoreError::NotFound("org"))?;
    let kind =
        OrgKind::from_code(&kind).ok_or_else(|| StoreError::Corrupt(format!("org kind {kind}")))?;
    Ok((kind, closed.is_some()))
}

fn closed_org() -> StoreError {
    StoreError::invalid(
        "closed organisation",
        "Tổ chức này đã giải thể hoặc hợp nhất; hãy chọn tổ chức khác.",
    )
}

/// Check a covering cell for a unit of `org_id`: an open cell inside the commune's subtree (or the
/// commune itself when it is a grassroots cell), by the domain rule.
async fn check_cover(
    tx: &mut Tx,
    unit_org: &OrgKind,
    org_id: i64,
    cell: Option<i64>,
) -> Result<()> {
    let cell_kind = match cell {
        Some(c) => {
            let (k, closed) = org_kind(tx, c).await?;
            if closed {
                return Err(closed_org());
            }
            let inside: Option<(i64,)> = fetch_optional!(
                tx.ex(),
                (i64,),
                "SELECT depth FROM org_closure WHERE ancestor_id = $1 AND descendant_id = $2",
                org_id,
                c
            )?;
            if inside.is_none() {
                return Err(StoreError::invalid(
                    "covering cell outside the commune",
                    "Chi bộ phụ trách phải thuộc đảng bộ xã, phường của thôn, tổ dân phố này.",
                ));
            }
            Some(k)
        }
        None => None,
    };
    check_residential_unit(unit_org, cell_kind.as_ref()).map_err(refused)
}

/// A new residential unit.
#[derive(Clone, Debug)]
pub struct NewResidentialUnit {
    /// The commune, ward, township or special-zone organisation it belongs to.
    pub org_id: i64,
    /// The cell that covers it, if any.
    pub cell_id: Option<i64>,
    /// Thôn, tổ dân phố, …
    pub kind: ResidentialKind,
    /// The name as written locally (`Thôn 3`).
    pub name: String,
    /// Public id to use (seeded data), or `None` for a random one. People refer to the unit by it
    /// ([`ketnap_domain::person::UnitRef`]).
    pub pub_id: Option<PubId>,
}

/// Create a residential unit under a commune-level grassroots organisation, with its covering cell
/// (validated by the domain rule `org.residential_unit`); returns the internal key.
pub async fn create_residential_unit(
    tx: &mut Tx,
    ctx: &WriteCtx,
    new: &NewResidentialUnit,
) -> Result<i64> {
    let name = new.name.trim();
    if name.is_empty() {
        return Err(StoreError::invalid(
            "empty unit name",
            "Tên thôn, tổ dân phố không được để trống.",
        ));
    }
    let (kind, closed) = org_kind(tx, new.org_id).await?;
    if closed {
        return Err(closed_org());
    }
    check_cover(tx, &kind, new.org_id, new.cell_id).await?;
    let pub_id = new.pub_id.clone().unwrap_or_else(PubId::generate);
    let (unit_id,): (i64,) = fetch_one!(
        tx.ex(),
        (i64,),
        "INSERT INTO residential_unit (pub_id, org_id, cell_id, kind, name) VALUES ($1, $2, $3, $4, $5) \
         RETURNING residential_unit_id",
        pub_id.as_str(),
        new.org_id,
        new.cell_id,
        residential_kind_code(new.kind),
        name
    )?;
    audit::append(
        tx,
        ctx,
        &AuditEntry {
            action: "residential_unit.create",
            object_kind: "residential_unit",
            object_id: pub_id.as_str(),
            org_id: Some(new.org_id),
            detail: json!({ "kind": residential_kind_code(new.kind), "cell_id": new.cell_id }),
        },
    )
    .await?;
    Ok(unit_id)
}

/// Change (or remove, with `None`) the cell that covers a residential unit.
pub async fn set_covering_cell(
    tx: &mut Tx,
    ctx: &WriteCtx,
    unit_id: i64,
    cell_id: Option<i64>,
) -> Result<()> {
    let (pub_id, org_id, old): (String, i64, Option<i64>) = fetch_optional!(
        tx.ex(),
        (String, i64, Option<i64>),
        "SELECT pub_id, org_id, cell_id FROM residential_unit WHERE residential_unit_id = $1",
        unit_id
    )?
    .ok_or(StoreError::NotFound("residential unit"))?;
    let (kind, _) = org_kind(tx, org_id).await?;
    check_cover(tx, &kind, org_id, cell_id).await?;
    exec!(
        tx.ex(),
        "UPDATE residential_unit SET cell_id = $1 WHERE residential_unit_id = $2",
        cell_id,
        unit_id
    )?;
    audit::append(
        tx,
        ctx,
        &AuditEntry {
            action: "residential_unit.cover",
            object_kind: "residential_unit",
            object_id: &pub_id,
            org_id: Some(org_id),
            detail: json!({ "from": old, "to": cell_id }),
        },
    )
    .await?;
    Ok(())
}

/// A residential unit with its coverage.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UnitRow {
    /// Internal key.
    #[serde(skip)]
    pub residential_unit_id: i64,
    /// Public id (what a person's `UnitRef` holds).
    pub pub_id: String,
    /// The commune-level organisation (internal key).
    #[serde(skip)]
    pub org_id: i64,
    /// Thôn, tổ dân phố, …
    pub kind: ResidentialKind,
    /// Name.
    pub name: String,
    /// The covering cell (internal key), when it is open.
    #[serde(skip)]
    pub cell_id: Option<i64>,
    /// The covering cell's name.
    pub cell_name: Option<String>,
    /// Active members (official and probationary) living there.
    pub members_living: i64,
    /// How the unit is blank (trắng); `None` when covered.
    pub blank: Option<BlankKind>,
}

type UnitTuple = (
    i64,
    String,
    i64,
    String,
    String,
    Option<i64>,
    Option<String>,
    i64,
);

/// Rows in Vietnamese collation order of the name (SQL `ORDER BY` on Vietnamese text differs
/// between engines and collations), then by key.
fn unit_rows(rows: Vec<UnitTuple>) -> Result<Vec<UnitRow>> {
    let mut out = rows
        .into_iter()
        .map(
            |(residential_unit_id, pub_id, org_id, kind, name, cell_id, cell_name, members)| {
                let kind = residential_kind_from_code(&kind)
                    .ok_or_else(|| StoreError::Corrupt(format!("residential kind {kind}")))?;
                let n = u32::try_from(members).unwrap_or(u32::MAX);
                Ok(UnitRow {
                    residential_unit_id,
                    pub_id,
                    org_id,
                    kind,
                    name,
                    cell_id,
                    cell_name,
                    members_living: members,
                    blank: blank_unit(n, cell_id.is_some()),
                })
            },
        )
        .collect::<Result<Vec<_>>>()?;
    let collator = NameCollator::shared();
    out.sort_by(|a, b| {
        collator
            .compare(&a.name, &b.name)
            .then(a.residential_unit_id.cmp(&b.residential_unit_id))
    });
    Ok(out)
}

/// The unit columns with the number of active members living there; a closed (merged) covering
/// cell counts as no cell. `{where}` filters `u`.
fn units_sql(filter: &str) -> String {
    format!(
        "SELECT u.residential_unit_id, u.pub_id, u.org_id, u.kind, u.name, cell.org_id, cell.name, \
         COUNT(DISTINCT m.person_id) \
         FROM residential_unit u \
         LEFT JOIN org cell ON cell.org_id = u.cell_id AND cell.closed_on IS NULL \
         LEFT JOIN person p ON p.residential_unit_id = u.residential_unit_id \
         LEFT JOIN member m ON m.person_id = p.person_id AND m.status IN ('official', 'probationary') \
         WHERE {filter} \
         GROUP BY u.residential_unit_id, u.pub_id, u.org_id, u.kind, u.name, cell.org_id, cell.name"
    )
}

/// The residential units of a commune-level organisation in the scope, by name (Vietnamese order), with the members
/// living in each and their coverage. Aggregates: every role may read them.
pub async fn list_residential_units(
    conn: &mut Conn,
    scope: &Scope,
    org_id: i64,
) -> Result<Vec<UnitRow>> {
    let (all, user, role) = scope.binds();
    let sql = units_sql(&format!(
        "u.org_id = $1 AND {}",
        scope.org_filter("u.org_id", 2)
    ));
    let rows = fetch_all!(conn.ex(), UnitTuple, &sql, org_id, all, user, role)?;
    unit_rows(rows)
}

/// The blank (trắng) residential units anywhere under `root` in the scope: no member living
/// there, no covering cell, or neither ([`blank_unit`]). Compared with an earlier list through
/// [`ketnap_domain::org::became_blank`] this gives the "tái trắng" units.
pub async fn blank_units(conn: &mut Conn, scope: &Scope, root: i64) -> Result<Vec<UnitRow>> {
    let (all, user, role) = scope.binds();
    let sql = units_sql(&format!(
        "EXISTS (SELECT 1 FROM org_closure rc WHERE rc.ancestor_id = $1 AND rc.descendant_id = u.org_id) AND {}",
        scope.org_filter("u.org_id", 2)
    ));
    let rows = fetch_all!(conn.ex(), UnitTuple, &sql, root, all, user, role)?;
    Ok(unit_rows(rows)?
        .into_iter()
        .filter(|u| u.blank.is_some())
        .collect())
}

/// The kinds of mass organisation (đoàn thể chính trị – xã hội).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MassOrgKind {
    /// Đoàn Thanh niên Cộng sản Hồ Chí Minh.
    YouthUnion,
    /// Hội Liên hiệp Phụ nữ.
    WomenUnion,
    /// Hội Nông dân.
    FarmersUnion,
    /// Hội Cựu chiến binh.
    Veterans,
    /// Công đoàn.
    TradeUnion,
    /// Mặt trận Tổ quốc.
    FatherlandFront,
}

impl MassOrgKind {
    /// Every kind.
    pub const ALL: [MassOrgKind; 6] = [
        MassOrgKind::YouthUnion,
        MassOrgKind::WomenUnion,
        MassOrgKind::FarmersUnion,
        MassOrgKind::Veterans,
        MassOrgKind::TradeUnion,
        MassOrgKind::FatherlandFront,
    ];

    /// Stable code stored in `mass_org.kind`.
    pub fn code(self) -> &'static str {
        match self {
            MassOrgKind::YouthUnion => "youth_union",
            MassOrgKind::WomenUnion => "women_union",
            MassOrgKind::FarmersUnion => "farmers_union",
            MassOrgKind::Veterans => "veterans",
            MassOrgKind::TradeUnion => "trade_union",
            MassOrgKind::FatherlandFront => "fatherland_front",
        }
    }

    /// The kind of a code.
    pub fn from_code(code: &str) -> Option<MassOrgKind> {
        MassOrgKind::ALL.into_iter().find(|k| k.code() == code)
    }

    /// The Vietnamese name.
    pub fn label_vi(self) -> &'static str {
        match self {
            MassOrgKind::YouthUnion => "Đoàn Thanh niên Cộng sản Hồ Chí Minh",
            MassOrgKind::WomenUnion => "Hội Liên hiệp Phụ nữ",
            MassOrgKind::FarmersUnion => "Hội Nông dân",
            MassOrgKind::Veterans => "Hội Cựu chiến binh",
            MassOrgKind::TradeUnion => "Công đoàn",
            MassOrgKind::FatherlandFront => "Mặt trận Tổ quốc",
        }
    }
}

/// A new mass organisation.
#[derive(Clone, Debug)]
pub struct NewMassOrg {
    /// The party organisation it works beside (commune, school, enterprise…).
    pub org_id: i64,
    /// Kind.
    pub kind: MassOrgKind,
    /// Name (`Đoàn Thanh niên xã Tân Phú`).
    pub name: String,
    /// Public id to use (seeded data), or `None` for a random one.
    pub pub_id: Option<PubId>,
}

/// Create a mass organisation beside an open party organisation; returns the internal key.
pub async fn create_mass_org(tx: &mut Tx, ctx: &WriteCtx, new: &NewMassOrg) -> Result<i64> {
    let name = new.name.trim();
    if name.is_empty() {
        return Err(StoreError::invalid(
            "empty mass organisation name",
            "Tên tổ chức đoàn thể không được để trống.",
        ));
    }
    let (_, closed) = org_kind(tx, new.org_id).await?;
    if closed {
        return Err(closed_org());
    }
    let pub_id = new.pub_id.clone().unwrap_or_else(PubId::generate);
    let (mass_org_id,): (i64,) = fetch_one!(
        tx.ex(),
        (i64,),
        "INSERT INTO mass_org (pub_id, org_id, kind, name) VALUES ($1, $2, $3, $4) RETURNING mass_org_id",
        pub_id.as_str(),
        new.org_id,
        new.kind.code(),
        name
    )?;
    audit::append(
        tx,
        ctx,
        &AuditEntry {
            action: "mass_org.create",
            object_kind: "mass_org",
            object_id: pub_id.as_str(),
            org_id: Some(new.org_id),
            detail: json!({ "kind": new.kind.code() }),
        },
    )
    .await?;
    Ok(mass_org_id)
}

/// A mass organisation as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MassOrg {
    /// Internal key.
    #[serde(skip)]
    pub mass_org_id: i64,
    /// Public id.
    pub pub_id: String,
    /// The party organisation (internal key).
    #[serde(skip)]
    pub org_id: i64,
    /// Kind.
    pub kind: MassOrgKind,
    /// Name.
    pub name: String,
}

/// The mass organisations beside a party organisation in the scope, by name (Vietnamese order).
pub async fn list_mass_orgs(conn: &mut Conn, scope: &Scope, org_id: i64) -> Result<Vec<MassOrg>> {
    let (all, user, role) = scope.binds();
    let sql = format!(
        "SELECT mo.mass_org_id, mo.pub_id, mo.org_id, mo.kind, mo.name FROM mass_org mo \
         WHERE mo.org_id = $1 AND {}",
        scope.org_filter("mo.org_id", 2)
    );
    let rows: Vec<(i64, String, i64, String, String)> = fetch_all!(
        conn.ex(),
        (i64, String, i64, String, String),
        &sql,
        org_id,
        all,
        user,
        role
    )?;
    let mut out = rows
        .into_iter()
        .map(|(mass_org_id, pub_id, org_id, kind, name)| {
            let kind = MassOrgKind::from_code(&kind)
                .ok_or_else(|| StoreError::Corrupt(format!("mass org kind {kind}")))?;
            Ok(MassOrg {
                mass_org_id,
                pub_id,
                org_id,
                kind,
                name,
            })
        })
        .collect::<Result<Vec<MassOrg>>>()?;
    let collator = NameCollator::shared();
    out.sort_by(|a, b| {
        collator
            .compare(&a.name, &b.name)
            .then(a.mass_org_id.cmp(&b.mass_org_id))
    });
    Ok(out)
}

/// The mass organisations of the whole scope (at most `limit`), each with the name of the party
/// organisation it stands beside, ordered by that name then its own: one query (the
/// new-candidate form's "introduced by" choice).
pub async fn mass_orgs_in_scope(
    conn: &mut Conn,
    scope: &Scope,
    limit: i64,
) -> Result<Vec<(String, String, String)>> {
    let (all, user, role) = scope.binds();
    let sql = format!(
        "SELECT mo.pub_id, mo.name, o.name FROM mass_org mo JOIN org o ON o.org_id = mo.org_id \
         WHERE o.closed_on IS NULL AND {} ORDER BY mo.mass_org_id LIMIT $4",
        scope.org_filter("mo.org_id", 1)
    );
    let mut rows: Vec<(String, String, String)> = fetch_all!(
        conn.ex(),
        (String, String, String),
        &sql,
        all,
        user,
        role,
        limit
    )?;
    let collator = NameCollator::shared();
    rows.sort_by(|a, b| {
        collator
            .compare(&a.2, &b.2)
            .then(collator.compare(&a.1, &b.1))
    });
    Ok(rows)
}

/// A residential unit as the importer matches it by name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NamedUnit {
    /// Internal key.
    pub unit_id: i64,
    /// Public id (what a person's [`ketnap_domain::person::UnitRef`] holds).
    pub pub_id: String,
    /// The name as written locally.
    pub name: String,
    /// Kind code.
    pub kind: String,
}

/// The residential units of the organisations above `org_id` (and of `org_id` itself): the units
/// a member or candidate of that cell may live in, by the commune that holds them.
pub async fn units_above(tx: &mut Tx, org_id: i64) -> Result<Vec<NamedUnit>> {
    Ok(units_above_many(tx, &[org_id])
        .await?
        .remove(&org_id)
        .unwrap_or_default())
}

/// [`units_above`] for many organisations in one `IN (…)` per chunk: by organisation (an
/// organisation with no unit above it has no entry).
pub async fn units_above_many(
    tx: &mut Tx,
    org_ids: &[i64],
) -> Result<std::collections::HashMap<i64, Vec<NamedUnit>>> {
    let keys: Vec<crate::bulk::Val> = org_ids
        .iter()
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .map(|o| crate::bulk::Val::Int(Some(*o)))
        .collect();
    let rows: Vec<(i64, i64, String, String, String)> = crate::bulk::select_in(
        tx,
        "SELECT c.descendant_id, u.residential_unit_id, u.pub_id, u.name, u.kind FROM residential_unit u \
         JOIN org_closure c ON c.ancestor_id = u.org_id WHERE c.descendant_id IN",
        &[],
        &keys,
    )
    .await?;
    let mut out: std::collections::HashMap<i64, Vec<NamedUnit>> = std::collections::HashMap::new();
    for (org_id, unit_id, pub_id, name, kind) in rows {
        out.entry(org_id).or_default().push(NamedUnit {
            unit_id,
            pub_id,
            name,
            kind,
        });
    }
    Ok(out)
}

/// The mass organisations working beside the organisations above `org_id` (or at it): (public
/// id, name), for an importer naming the one that introduced a candidate.
pub async fn mass_orgs_above(tx: &mut Tx, org_id: i64) -> Result<Vec<(String, String)>> {
    Ok(fetch_all!(
        tx.ex(),
        (String, String),
        "SELECT m.pub_id, m.name FROM mass_org m \
         JOIN org_closure c ON c.ancestor_id = m.org_id WHERE c.descendant_id = $1",
        org_id
    )?)
}

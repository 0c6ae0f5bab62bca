//! The first day of a real office: `ketnap init` and the web's first-run page create the root
//! organisation(s) and the first administrator of an empty database, and nothing else; imports
//! are recorded as batches; the start-of-year membership is taken without anyone remembering to.

use jiff::civil::Date;
use ketnap_domain::org::OrgKind;
use serde_json::json;

use crate::audit::{self, AuditEntry};
use crate::orgs::{self, NewOrg};
use crate::scope::Role;
use crate::{PubId, Result, Store, StoreError, Tx, WriteCtx, members, users};

/// A root organisation to create: a provincial committee, or a district, bloc or grassroots
/// committee at the top of a smaller deployment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Root {
    /// Unique code (as the office writes it in its lists: `HU-HL`, `DU-XA-TP`).
    pub code: String,
    /// Name (`Đảng bộ huyện Hòa Lâm`).
    pub name: String,
    /// Kind.
    pub kind: OrgKind,
}

/// The first administrator.
#[derive(Clone, Debug)]
pub struct FirstAdmin {
    /// Login name.
    pub username: String,
    /// Name shown.
    pub display_name: String,
    /// Argon2 PHC string of the password.
    pub password_hash: String,
}

/// What [`init`] created.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Initialised {
    /// The roots' internal keys, in the order given.
    pub root_ids: Vec<i64>,
    /// The administrator's internal key.
    pub admin_id: i64,
}

/// Whether the database holds no organisation, person or account yet (what [`init`] needs).
pub async fn is_blank(tx: &mut Tx) -> Result<bool> {
    let (n,): (i64,) = fetch_one!(
        tx.ex(),
        (i64,),
        // Whether any row exists, not how many: counting read every person of a national
        // database at each start (280 ms, and the writer's page cache filled: 64 MB).
        "SELECT CAST(CASE WHEN EXISTS (SELECT 1 FROM org) OR EXISTS (SELECT 1 FROM person) \
         OR EXISTS (SELECT 1 FROM app_user) THEN 1 ELSE 0 END AS BIGINT)"
    )?;
    Ok(n == 0)
}

/// Create the root organisations and the first administrator (scoped to every root) of an empty
/// database, in one transaction with their audit rows; refused when the database already holds
/// an organisation, a person or an account (nothing written), or when a root is a kind that
/// cannot head a tree (a partial committee or a cell under a committee).
pub async fn init(
    store: &Store,
    ctx: &WriteCtx,
    roots: &[Root],
    admin: &FirstAdmin,
) -> Result<Initialised> {
    if roots.is_empty() {
        return Err(StoreError::invalid(
            "init without a root",
            "Cần ít nhất một tổ chức đảng cấp cao nhất (tỉnh ủy, huyện ủy, đảng ủy xã…).",
        ));
    }
    let mut tx = store.begin().await?;
    if !is_blank(&mut tx).await? {
        return Err(StoreError::invalid(
            "init on a database with data",
            "Cơ sở dữ liệu đã có dữ liệu; chỉ khởi tạo được trên cơ sở dữ liệu trống.",
        ));
    }
    let mut root_ids = Vec::with_capacity(roots.len());
    for r in roots {
        let new = NewOrg::new(r.code.trim(), r.name.trim(), r.kind, None);
        root_ids.push(orgs::create(&mut tx, ctx, &new).await?);
    }
    let admin_id = users::create_user(
        &mut tx,
        ctx,
        &admin.username,
        &admin.display_name,
        &admin.password_hash,
        None,
    )
    .await?;
    for &root in &root_ids {
        users::grant(&mut tx, ctx, admin_id, Role::Admin, root).await?;
    }
    let year = ctx.today().year();
    members::snapshot_start_of_year(&mut tx, ctx, year, first_of_year(year)).await?;
    tx.commit().await?;
    Ok(Initialised { root_ids, admin_id })
}

/// 1 January of `year`.
pub fn first_of_year(year: i16) -> Date {
    Date::new(year, 1, 1).unwrap_or(Date::MIN)
}

/// Take the start-of-year membership of `today`'s year when it has not been taken yet and the
/// database has organisations; returns whether a snapshot was taken. The server calls it at start
/// and hourly, so the base of the year's quotas is fixed on the first start after 1 January.
pub async fn ensure_start_of_year(store: &Store, ctx: &WriteCtx) -> Result<bool> {
    let year = ctx.today().year();
    let mut tx = store.begin().await?;
    let taken: Option<(i64,)> = fetch_optional!(
        tx.ex(),
        (i64,),
        "SELECT org_id FROM membership_snapshot WHERE year = $1 LIMIT 1",
        i64::from(year)
    )?;
    let has_orgs: Option<(i64,)> =
        fetch_optional!(tx.ex(), (i64,), "SELECT org_id FROM org LIMIT 1")?;
    if taken.is_some() || has_orgs.is_none() {
        return Ok(false);
    }
    members::snapshot_start_of_year(&mut tx, ctx, year, first_of_year(year)).await?;
    tx.commit().await?;
    Ok(true)
}

/// Record an import batch (one file); returns its internal key, which the context of the writes
/// carries ([`WriteCtx::imported`]).
pub async fn begin_import(
    tx: &mut Tx,
    ctx: &WriteCtx,
    kind: &str,
    file_name: &str,
    rows: usize,
) -> Result<i64> {
    let pub_id = PubId::generate();
    let file_name: String = file_name.chars().take(200).collect();
    let (id,): (i64,) = fetch_one!(
        tx.ex(),
        (i64,),
        "INSERT INTO import_batch (pub_id, kind, file_name, row_count, actor_id, recorded_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING import_batch_id",
        pub_id.as_str(),
        kind,
        file_name.as_str(),
        i64::try_from(rows).unwrap_or(i64::MAX),
        ctx.actor_id,
        crate::ts(ctx.now)
    )?;
    audit::append(
        tx,
        ctx,
        &AuditEntry {
            action: "import.commit",
            object_kind: "import_batch",
            object_id: pub_id.as_str(),
            org_id: None,
            detail: json!({ "kind": kind, "rows": rows }),
        },
    )
    .await?;
    Ok(id)
}

/// Recompute the start-of-year membership of every year from `from_year` to `to_year` from the
/// members' dates, replacing what was stored (an imported roster knows the past better than a
/// snapshot taken before it arrived).
pub async fn refill_start_of_year(
    tx: &mut Tx,
    ctx: &WriteCtx,
    from_year: i16,
    to_year: i16,
) -> Result<()> {
    for year in from_year..=to_year {
        exec!(
            tx.ex(),
            "DELETE FROM membership_snapshot WHERE year = $1",
            i64::from(year)
        )?;
        members::snapshot_start_of_year(tx, ctx, year, first_of_year(year)).await?;
    }
    Ok(())
}

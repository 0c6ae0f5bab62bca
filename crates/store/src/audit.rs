//! The audit trail: a hash chain written in the same transaction as the change it records.
//!
//! Each row's hash is SHA-256 over the previous row's hash and the row's own fields; `audit_head`
//! holds the last seq and hash. Appending first updates `audit_head` (`UPDATE … RETURNING`), which
//! takes the row lock on PostgreSQL and is the single writer on SQLite: two writers can never fork
//! the chain. [`verify`] recomputes the chain and names the first broken row.
//!
//! Details carry ids and codes, never personal data (names, ID numbers, religion, ethnicity).

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::bulk::{self, Val};
use crate::people::{Page, into_page, page_size};
use crate::{Conn, Result, Scope, Store, Tx, WriteCtx, ts};

/// What to record.
#[derive(Clone, Debug)]
pub struct AuditEntry<'a> {
    /// What was done (`candidacy.cell_vote`, `org.move`, `user.login`…).
    pub action: &'a str,
    /// The kind of object (`candidacy`, `org`, `person`, `user`…).
    pub object_kind: &'a str,
    /// The object's public id (or code).
    pub object_id: &'a str,
    /// The organisation it belongs to, for scoped audit reads.
    pub org_id: Option<i64>,
    /// Ids and codes only.
    pub detail: serde_json::Value,
}

fn hash_row(
    prev: &str,
    seq: i64,
    at: &jiff::Timestamp,
    actor: Option<i64>,
    e: &AuditRow,
) -> String {
    let mut h = Sha256::new();
    let actor = actor.map_or_else(String::new, |a| a.to_string());
    let org = e.org_id.map_or_else(String::new, |o| o.to_string());
    for part in [
        prev,
        &seq.to_string(),
        &at.to_string(),
        &actor,
        &e.action,
        &e.object_kind,
        &e.object_id,
        &org,
        &e.detail,
    ] {
        h.update(part.as_bytes());
        h.update(b"\n");
    }
    crate::ids::hex(&h.finalize())
}

/// One row of the audit table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct AuditRow {
    /// Position in the chain (1, 2, …).
    pub seq: i64,
    /// When.
    #[serde(skip)]
    pub at: jiff_sqlx::Timestamp,
    /// Who (user id).
    pub actor_id: Option<i64>,
    /// What.
    pub action: String,
    /// Kind of object.
    pub object_kind: String,
    /// Object id.
    pub object_id: String,
    /// Organisation.
    pub org_id: Option<i64>,
    /// Detail (JSON text).
    pub detail: String,
    /// The previous row's hash.
    pub prev_hash: String,
    /// This row's hash.
    pub hash: String,
}

/// Append one row to the chain inside `tx`; returns its seq.
pub async fn append(tx: &mut Tx, ctx: &WriteCtx, e: &AuditEntry<'_>) -> Result<i64> {
    append_many(tx, ctx, std::slice::from_ref(e)).await
}

/// Append rows to the chain inside `tx`, in order, in three statements whatever their number
/// (the head moved once, the rows written in chunks, the head's hash set once); returns the seq of
/// the last (the head's when `entries` is empty). Each row is hashed over the one before it
/// exactly as if appended one at a time.
pub async fn append_many(tx: &mut Tx, ctx: &WriteCtx, entries: &[AuditEntry<'_>]) -> Result<i64> {
    let n = entries.len() as i64;
    let (last, mut prev): (i64, String) = fetch_one!(
        tx.ex(),
        (i64, String),
        "UPDATE audit_head SET seq = seq + $1 WHERE id = 1 RETURNING seq, hash",
        n
    )?;
    if entries.is_empty() {
        return Ok(last);
    }
    let mut rows = Vec::with_capacity(entries.len());
    for (i, e) in entries.iter().enumerate() {
        let seq = last - n + 1 + i as i64;
        let mut row = AuditRow {
            seq,
            at: ts(ctx.now),
            actor_id: ctx.actor_id,
            action: e.action.to_string(),
            object_kind: e.object_kind.to_string(),
            object_id: e.object_id.to_string(),
            org_id: e.org_id,
            detail: e.detail.to_string(),
            prev_hash: prev.clone(),
            hash: String::new(),
        };
        row.hash = hash_row(&prev, seq, &ctx.now, ctx.actor_id, &row);
        prev.clone_from(&row.hash);
        rows.push(vec![
            Val::Int(Some(row.seq)),
            Val::Ts(row.at),
            Val::Int(row.actor_id),
            Val::Text(Some(row.action)),
            Val::Text(Some(row.object_kind)),
            Val::Text(Some(row.object_id)),
            Val::Int(row.org_id),
            Val::Text(Some(row.detail)),
            Val::Text(Some(row.prev_hash)),
            Val::Text(Some(row.hash)),
        ]);
    }
    bulk::insert(
        tx,
        "INSERT INTO audit (seq, at, actor_id, action, object_kind, object_id, org_id, detail, prev_hash, hash)",
        10,
        &rows,
    )
    .await?;
    exec!(
        tx.ex(),
        "UPDATE audit_head SET hash = $1 WHERE id = 1",
        prev
    )?;
    Ok(last)
}

/// The outcome of [`verify`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    /// Rows checked.
    pub rows: u64,
    /// The seq of the first row that does not verify.
    pub first_broken: Option<i64>,
    /// Why it does not (English, for the operator).
    pub reason: Option<String>,
}

impl VerifyReport {
    /// The chain verifies.
    pub fn ok(&self) -> bool {
        self.first_broken.is_none()
    }
}

/// Recompute the chain from the first row, in pages; name the first broken row.
pub async fn verify(store: &Store) -> Result<VerifyReport> {
    let mut conn = store.read().await?;
    let mut prev = "0".repeat(64);
    let mut expected_seq = 1i64;
    let mut rows = 0u64;
    loop {
        let page = fetch_all!(
            conn.ex(),
            AuditRow,
            "SELECT seq, at, actor_id, action, object_kind, object_id, org_id, detail, prev_hash, hash \
             FROM audit WHERE seq >= $1 ORDER BY seq LIMIT 5000",
            expected_seq
        )?;
        if page.is_empty() {
            break;
        }
        for r in &page {
            let broken = |reason: String| VerifyReport {
                rows,
                first_broken: Some(r.seq),
                reason: Some(reason),
            };
            if r.seq != expected_seq {
                return Ok(VerifyReport {
                    rows,
                    first_broken: Some(expected_seq),
                    reason: Some(format!("row {expected_seq} is missing")),
                });
            }
            if r.prev_hash != prev {
                return Ok(broken("prev_hash does not match the previous row".into()));
            }
            if hash_row(&prev, r.seq, &r.at.to_jiff(), r.actor_id, r) != r.hash {
                return Ok(broken("hash does not match the row's content".into()));
            }
            prev.clone_from(&r.hash);
            expected_seq += 1;
            rows += 1;
        }
    }
    let (head_seq, head_hash): (i64, String) = fetch_one!(
        conn.ex(),
        (i64, String),
        "SELECT seq, hash FROM audit_head WHERE id = 1"
    )?;
    if head_seq != expected_seq - 1 || head_hash != prev {
        return Ok(VerifyReport {
            rows,
            first_broken: Some(expected_seq),
            reason: Some(format!(
                "the chain ends at {} but the head says {head_seq}",
                expected_seq - 1
            )),
        });
    }
    Ok(VerifyReport {
        rows,
        first_broken: None,
        reason: None,
    })
}

/// Which audit rows [`list`] shows (every field optional).
#[derive(Clone, Debug, Default)]
pub struct ListFilter {
    /// Only this action (`org.move`), or every action starting with it followed by a dot
    /// (`candidacy` matches `candidacy.cell_vote`).
    pub action: Option<String>,
    /// Only rows at or after this instant.
    pub from: Option<jiff::Timestamp>,
    /// Only rows before this instant.
    pub until: Option<jiff::Timestamp>,
}

/// One audit row as a reader sees it: with the actor's display name and the organisation's
/// public id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct AuditLine {
    /// Position in the chain.
    pub seq: i64,
    /// When.
    #[serde(skip)]
    pub at: jiff_sqlx::Timestamp,
    /// The actor's display name (`None` for the system).
    pub actor_name: Option<String>,
    /// What.
    pub action: String,
    /// Kind of object.
    pub object_kind: String,
    /// Object id (public id or code).
    pub object_id: String,
    /// The organisation's public id.
    pub org_pub_id: Option<String>,
    /// The organisation's name.
    pub org_name: Option<String>,
}

/// The audit rows whose organisation is in the scope, newest first, keyset-paged by seq: `before`
/// is the previous page's `next`. Rows without an organisation (system rows: users, logins) are
/// shown to administrators only.
pub async fn list(
    conn: &mut Conn,
    scope: &Scope,
    filter: &ListFilter,
    before: Option<i64>,
    limit: i64,
) -> Result<Page<AuditLine, i64>> {
    let limit = page_size(limit);
    let (all, user, role) = scope.binds();
    let admin = scope.role == crate::Role::Admin;
    let action = filter.action.clone().unwrap_or_default();
    let prefix = format!("{action}.%");
    let epoch = jiff::Timestamp::UNIX_EPOCH;
    let sql = format!(
        "SELECT a.seq, a.at, u.display_name AS actor_name, a.action, a.object_kind, a.object_id, \
         o.pub_id AS org_pub_id, o.name AS org_name \
         FROM audit a LEFT JOIN app_user u ON u.user_id = a.actor_id LEFT JOIN org o ON o.org_id = a.org_id \
         WHERE ((a.org_id IS NULL AND ($1 OR $4)) OR (a.org_id IS NOT NULL AND {})) \
         AND ($5 OR a.action = $6 OR a.action LIKE $7) \
         AND ($8 OR a.at >= $9) AND ($10 OR a.at < $11) AND a.seq < $12 \
         ORDER BY a.seq DESC LIMIT $13",
        Scope::org_filter("a.org_id", 1)
    );
    let rows = fetch_all!(
        conn.ex(),
        AuditLine,
        &sql,
        all,
        user,
        role,
        admin,
        filter.action.is_none(),
        action,
        prefix,
        filter.from.is_none(),
        ts(filter.from.unwrap_or(epoch)),
        filter.until.is_none(),
        ts(filter.until.unwrap_or(epoch)),
        before.unwrap_or(i64::MAX),
        limit + 1
    )?;
    Ok(into_page(rows, limit, |r| r.seq))
}

/// The names of the objects audit rows point at, for reading the log as sentences: a candidacy
/// or member by its person's name, an organisation, unit or mass organisation by its name, an
/// account by its display name. Keyed by (object kind, public id); objects of other kinds (or
/// gone) have no entry. One query per kind present. The caller shows only rows of its scope.
pub async fn object_names(
    conn: &mut Conn,
    objects: &[(String, String)],
) -> Result<std::collections::HashMap<(String, String), String>> {
    const QUERIES: [(&str, &str); 7] = [
        (
            "candidacy",
            "SELECT c.pub_id, p.full_name FROM candidacy c JOIN person p ON p.person_id = c.person_id WHERE c.pub_id IN",
        ),
        (
            "member",
            "SELECT m.pub_id, p.full_name FROM member m JOIN person p ON p.person_id = m.person_id WHERE m.pub_id IN",
        ),
        (
            "person",
            "SELECT pub_id, full_name FROM person WHERE pub_id IN",
        ),
        ("org", "SELECT pub_id, name FROM org WHERE pub_id IN"),
        (
            "residential_unit",
            "SELECT pub_id, name FROM residential_unit WHERE pub_id IN",
        ),
        (
            "mass_org",
            "SELECT pub_id, name FROM mass_org WHERE pub_id IN",
        ),
        (
            "user",
            "SELECT pub_id, display_name FROM app_user WHERE pub_id IN",
        ),
    ];
    let mut out = std::collections::HashMap::new();
    for (kind, select) in QUERIES {
        let ids: Vec<&str> = objects
            .iter()
            .filter(|(k, _)| k == kind)
            .map(|(_, id)| id.as_str())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        for chunk in ids.chunks(200) {
            let mut sql = format!("{select} (");
            for i in 0..chunk.len() {
                if i > 0 {
                    sql.push_str(", ");
                }
                crate::dialect::run_placeholder(conn.engine(), i + 1, &mut sql);
            }
            sql.push(')');
            let rows: Vec<(String, String)> = match conn.ex() {
                crate::Ex::Sqlite(c) => {
                    let mut q = sqlx::query_as::<_, (String, String)>(&sql);
                    for id in chunk {
                        q = q.bind(*id);
                    }
                    q.fetch_all(&mut *c).await?
                }
                crate::Ex::Postgres(c) => {
                    let mut q = sqlx::query_as::<_, (String, String)>(&sql);
                    for id in chunk {
                        q = q.bind(*id);
                    }
                    q.fetch_all(&mut *c).await?
                }
            };
            for (id, name) in rows {
                out.insert((kind.to_string(), id), name);
            }
        }
    }
    Ok(out)
}

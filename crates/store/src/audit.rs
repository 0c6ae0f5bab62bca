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

/// The content of one recorded step, as its chain hashes it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct EventRow {
    /// The candidacy (internal key).
    pub candidacy_id: i64,
    /// Position in the candidacy's history.
    pub seq: i64,
    /// The cell it was recorded in.
    pub cell_id: i64,
    /// The step's date.
    pub on_date: jiff_sqlx::Date,
    /// Action code.
    pub kind: String,
    /// Stage after it.
    pub stage: String,
    /// The stored payload (JSON text).
    pub payload: String,
    /// Rules version.
    pub rules_version: String,
    /// The stored chain (`None` before it is sealed).
    pub chain: Option<String>,
}

/// The chain value of an event: SHA-256 over the previous event's chain of the same candidacy
/// (64 zeros for the first) and the row's content.
pub fn chain_event(prev: &str, e: &EventRow) -> String {
    let mut h = Sha256::new();
    for part in [
        prev,
        &e.candidacy_id.to_string(),
        &e.seq.to_string(),
        &e.cell_id.to_string(),
        &e.on_date.to_jiff().to_string(),
        &e.kind,
        &e.stage,
        &e.payload,
        &e.rules_version,
    ] {
        h.update(part.as_bytes());
        h.update(b"\n");
    }
    crate::ids::hex(&h.finalize())
}

/// The chain of event `seq - 1` of a candidacy (zeros before the first).
pub(crate) async fn prev_chain(tx: &mut Tx, candidacy_id: i64, seq: i64) -> Result<String> {
    if seq <= 1 {
        return Ok("0".repeat(64));
    }
    let row: Option<(Option<String>,)> = fetch_optional!(
        tx.ex(),
        (Option<String>,),
        "SELECT chain FROM candidacy_event WHERE candidacy_id = $1 AND seq = $2",
        candidacy_id,
        seq - 1
    )?;
    Ok(row.and_then(|(c,)| c).unwrap_or_else(|| "0".repeat(64)))
}

/// Seal the events recorded before the chain existed (a migration step; idempotent).
pub async fn seal_events(store: &Store) -> Result<u64> {
    let mut sealed = 0u64;
    loop {
        let mut tx = store.begin().await?;
        let rows: Vec<EventRow> = fetch_all!(
            tx.ex(),
            EventRow,
            "SELECT candidacy_id, seq, cell_id, on_date, kind, stage, payload, rules_version, chain \
             FROM candidacy_event WHERE chain IS NULL ORDER BY candidacy_id, seq LIMIT 5000"
        )?;
        if rows.is_empty() {
            break;
        }
        for r in &rows {
            let prev = prev_chain(&mut tx, r.candidacy_id, r.seq).await?;
            exec!(
                tx.ex(),
                "UPDATE candidacy_event SET chain = $1 WHERE candidacy_id = $2 AND seq = $3",
                chain_event(&prev, r),
                r.candidacy_id,
                r.seq
            )?;
            sealed += 1;
        }
        tx.commit().await?;
    }
    Ok(sealed)
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
    /// Recorded steps checked.
    pub events: u64,
    /// The first step row that does not verify: "candidacy <pub id>, step <seq>: why".
    pub event_broken: Option<String>,
}

impl VerifyReport {
    /// The chain verifies, and every recorded step with it.
    pub fn ok(&self) -> bool {
        self.first_broken.is_none() && self.event_broken.is_none()
    }
}

/// Check the recorded steps: each candidacy's seq runs 1, 2, … without a gap, each row's chain
/// is recomputed from its content and the previous row's chain, and every step's audit row
/// (which carries the chain since version 9) finds its event with that chain. The first bad row
/// is named.
async fn verify_events(conn: &mut Conn) -> Result<(u64, Option<String>)> {
    let mut checked = 0u64;
    let (mut after_c, mut after_s) = (-1i64, 0i64);
    let (mut cur, mut expect, mut prev) = (-1i64, 1i64, "0".repeat(64));
    loop {
        let page: Vec<EventRow> = fetch_all!(
            conn.ex(),
            EventRow,
            "SELECT candidacy_id, seq, cell_id, on_date, kind, stage, payload, rules_version, chain \
             FROM candidacy_event WHERE candidacy_id > $1 OR (candidacy_id = $1 AND seq > $2) \
             ORDER BY candidacy_id, seq LIMIT 5000",
            after_c,
            after_s
        )?;
        if page.is_empty() {
            break;
        }
        for r in &page {
            if r.candidacy_id != cur {
                cur = r.candidacy_id;
                expect = 1;
                prev = "0".repeat(64);
            }
            let bad = |why: &str| why.to_string();
            let problem = if r.seq != expect {
                Some(bad(&format!("step {expect} is missing or out of order")))
            } else if r.chain.as_deref() != Some(chain_event(&prev, r).as_str()) {
                Some(bad(
                    "the row does not match its chain (edited, moved or reordered)",
                ))
            } else {
                None
            };
            if let Some(why) = problem {
                let who: Option<(String,)> = fetch_optional!(
                    conn.ex(),
                    (String,),
                    "SELECT pub_id FROM candidacy WHERE candidacy_id = $1",
                    r.candidacy_id
                )?;
                let who = who.map_or_else(|| format!("#{}", r.candidacy_id), |(p,)| p);
                return Ok((
                    checked,
                    Some(format!("candidacy {who}, step {}: {why}", r.seq)),
                ));
            }
            prev = r.chain.clone().unwrap_or_default();
            expect += 1;
            checked += 1;
            after_c = r.candidacy_id;
            after_s = r.seq;
        }
    }
    // Every step's audit row finds its event (a deleted last step, a replaced row): one joined
    // query per page of audit rows, the step number read from the row's JSON by the engine.
    let step = crate::dialect::json_int(conn.engine(), "a.detail", "seq");
    let sql = format!(
        "SELECT a.seq, a.object_id, a.detail, e.chain FROM audit a \
         LEFT JOIN candidacy c ON c.pub_id = a.object_id \
         LEFT JOIN candidacy_event e ON e.candidacy_id = c.candidacy_id AND e.seq = {step} \
         WHERE a.object_kind = 'candidacy' AND a.seq > $1 ORDER BY a.seq LIMIT 5000"
    );
    let mut after = 0i64;
    loop {
        let rows: Vec<(i64, String, String, Option<String>)> = fetch_all!(
            conn.ex(),
            (i64, String, String, Option<String>),
            &sql,
            after
        )?;
        if rows.is_empty() {
            break;
        }
        for (seq, object_id, detail, found) in &rows {
            after = *seq;
            let v: serde_json::Value = serde_json::from_str(detail).unwrap_or_default();
            let (Some(chain), Some(step)) = (v["chain"].as_str(), v["seq"].as_i64()) else {
                continue;
            };
            match found {
                Some(c) if c == chain => {}
                Some(_) => {
                    return Ok((
                        checked,
                        Some(format!(
                            "candidacy {object_id}, step {step}: not the step audit row {seq} recorded"
                        )),
                    ));
                }
                None => {
                    return Ok((
                        checked,
                        Some(format!(
                            "candidacy {object_id}, step {step}: recorded by audit row {seq} but missing"
                        )),
                    ));
                }
            }
        }
    }
    Ok((checked, None))
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
                events: 0,
                event_broken: None,
            };
            if r.seq != expected_seq {
                return Ok(VerifyReport {
                    rows,
                    first_broken: Some(expected_seq),
                    reason: Some(format!("row {expected_seq} is missing")),
                    events: 0,
                    event_broken: None,
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
            events: 0,
            event_broken: None,
        });
    }
    let (events, event_broken) = verify_events(&mut conn).await?;
    Ok(VerifyReport {
        rows,
        first_broken: None,
        reason: None,
        events,
        event_broken,
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

/// The key of the latest audit row (0 when there is none): every audited write moves it, so a
/// cache of what writes can change (the organisation pickers) is current while it stays put.
pub async fn head_id(conn: &mut crate::Conn) -> Result<i64> {
    let (id,): (i64,) = fetch_one!(
        conn.ex(),
        (i64,),
        "SELECT CAST(COALESCE(MAX(audit_id), 0) AS BIGINT) FROM audit"
    )?;
    Ok(id)
}

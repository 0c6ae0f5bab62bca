//! The audit trail: a hash chain written in the same transaction as the change it records.
//!
//! Each row's hash is SHA-256 over the previous row's hash in its chain and the row's own fields;
//! the trail is 64 chains (issue 19, [`append_many`]) and `audit_chain` holds each chain's last
//! seq and hash. A transaction's rows are appended when it commits (`Tx::flush`): first the
//! chain's head is taken (`UPDATE … RETURNING`, the row lock, on PostgreSQL; SQLite has one
//! writer), so two writers can never fork the chain. [`verify`] recomputes the chain and names the first broken row.
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

/// Append one row to the chain inside `tx` (written when the transaction commits: [`append_many`]).
pub async fn append(tx: &mut Tx, ctx: &WriteCtx, e: &AuditEntry<'_>) -> Result<()> {
    append_many(tx, ctx, std::slice::from_ref(e)).await
}

/// An audit row waiting for its transaction's commit ([`flush`]).
#[derive(Clone)]
pub(crate) struct PendingRow {
    at: jiff::Timestamp,
    actor_id: Option<i64>,
    action: String,
    object_kind: String,
    object_id: String,
    org_id: Option<i64>,
    detail: String,
}

impl PendingRow {
    /// Its action, object kind and organisation: what [`crate::stamps`] moves on.
    pub(crate) fn stamped(&self) -> (&str, &str, Option<i64>) {
        (&self.action, &self.object_kind, self.org_id)
    }
}

/// The number of audit chains (migration 16): a transaction's rows go to the chain of the
/// organisation of its first row (`org_id mod CHAINS`), chain 0 without an organisation.
pub const CHAINS: i64 = 64;

/// The chain of an audit row naming `org_id`.
fn chain_of(org_id: Option<i64>) -> i64 {
    org_id.map_or(0, |o| o.rem_euclid(CHAINS))
}

/// A chain's head and the trail's largest seq, read ahead on SQLite with the row a step reads
/// first (issue 19, B4: one round trip fewer). The single writer makes it the head the commit's
/// [`flush`] appends to, as long as no audit row is written in between: a flush takes it (and
/// reads the head itself when the hint is of another chain), and the hint is read only where a
/// step begins. Not read on PostgreSQL, where the head is locked at the commit.
#[derive(Clone, Debug)]
pub(crate) struct Head {
    /// The chain ([`chain_of`] the organisation named).
    pub(crate) chain: i64,
    /// Its last seq.
    pub(crate) seq: i64,
    /// Its last hash.
    pub(crate) hash: String,
    /// The largest seq of the trail (SQLite); a seq drawn for the next row (PostgreSQL).
    pub(crate) top: i64,
}

impl Head {
    /// The select list (`head_seq`, `head_hash`, `head_top`) of the head of the chain of
    /// organisation `org` (an SQL expression) in `tx`; `head_top` is the trail's largest seq on
    /// SQLite, a seq drawn for the transaction's first audit row on PostgreSQL — only where it
    /// has none yet and no step read ahead before (else typed empty columns: the seq drawn first
    /// is kept, so that a transaction of several steps leaves no seq unused).
    pub(crate) fn select(tx: &Tx, org: &str) -> String {
        let head = format!(
            "(SELECT h.seq FROM audit_chain h WHERE h.chain_id = {org} % {CHAINS}) AS head_seq, \
             (SELECT h.hash FROM audit_chain h WHERE h.chain_id = {org} % {CHAINS}) AS head_hash"
        );
        match tx.engine() {
            crate::Engine::Sqlite => format!(
                "{head}, (SELECT CAST(COALESCE(MAX(a.seq), 0) AS BIGINT) FROM audit a) AS head_top"
            ),
            // The head as the statement's snapshot has it, and a seq drawn after it was
            // committed (larger than its seq): the commit appends with them when the head is
            // still the same ([`flush_postgres`]).
            crate::Engine::Postgres if tx.pending.audit.is_empty() && tx.audit_head.is_none() => {
                format!("{head}, {NEXT_SEQ} AS head_top")
            }
            crate::Engine::Postgres => "CAST(NULL AS BIGINT) AS head_seq, \
                CAST(NULL AS TEXT) AS head_hash, CAST(NULL AS BIGINT) AS head_top"
                .to_string(),
        }
    }

    /// The head of organisation `org_id`'s chain from the columns of [`Head::select`].
    pub(crate) fn of(
        org_id: i64,
        seq: Option<i64>,
        hash: Option<String>,
        top: Option<i64>,
    ) -> Option<Head> {
        Some(Head {
            chain: chain_of(Some(org_id)),
            seq: seq?,
            hash: hash?,
            top: top?,
        })
    }
}

/// Append rows inside `tx`, in order: they are written when the transaction commits
/// ([`crate::Tx::flush`]), with every other row it appended, in a few statements whatever their
/// number (the chain's head taken once, the seqs drawn, the rows written in chunks, the head set
/// once). Each row is hashed over the one before it in its chain exactly as if appended one at a
/// time.
///
/// All rows of one transaction go to one chain, fixed by its first row's organisation
/// ([`Tx::audit_chain`](crate::Tx)): taking the chain's head row (`UPDATE … RETURNING`) locks
/// it until the transaction ends, so two writers never fork a chain, a transaction never waits
/// on two chains, and writers in organisations of different chains do not wait on each other;
/// taken at the commit, the lock is held only while the rows are written.
/// The seqs are unique over the trail and increase along each chain (drawn after the head is
/// taken: the identity's sequence on PostgreSQL, the largest seq + 1 under SQLite's single
/// writer).
pub async fn append_many(tx: &mut Tx, ctx: &WriteCtx, entries: &[AuditEntry<'_>]) -> Result<()> {
    tx.pending.audit.extend(entries.iter().map(|e| PendingRow {
        at: ctx.now,
        actor_id: ctx.actor_id,
        action: e.action.to_string(),
        object_kind: e.object_kind.to_string(),
        object_id: e.object_id.to_string(),
        org_id: e.org_id,
        detail: e.detail.to_string(),
    }));
    Ok(())
}

/// Write the transaction's audit rows on SQLite (see [`append_many`]; PostgreSQL's:
/// [`flush_postgres`]).
///
/// The subtree stamps' move (`crate::stamps`), when given, is taken into the same call as the
/// chain's head (issue 19, B4: no round trip of its own).
pub(crate) async fn flush(tx: &mut Tx, stamps: &mut Option<crate::stamps::Touched>) -> Result<()> {
    let Some(chain) = chain_for(tx) else {
        return Ok(());
    };
    let entries = std::mem::take(&mut tx.pending.audit);
    let n = entries.len() as i64;
    // The single writer holds the database: no row to lock; the seqs follow the trail's
    // largest. The head read ahead with a step's row serves when it is this chain's.
    let (head, mut prev, top): (i64, String, i64) =
        match tx.audit_head.take().filter(|h| h.chain == chain) {
            Some(h) => (h.seq, h.hash, h.top),
            None => fetch_one!(
                tx.ex(),
                (i64, String, i64),
                "SELECT c.seq, c.hash, \
                 (SELECT CAST(COALESCE(MAX(a.seq), 0) AS BIGINT) FROM audit a) \
                 FROM audit_chain c WHERE c.chain_id = $1",
                chain
            )?,
        };
    let seqs: Vec<i64> = (1..=n).map(|i| top + i).collect();
    let rows = hashed_rows(entries, &seqs, chain, &mut prev, false);
    // The rows and the chain's new head in one call, with the stamps.
    let last = seqs.last().copied().unwrap_or(head);
    let mut then = String::from("UPDATE audit_chain SET seq = $1, hash = $2 WHERE chain_id = $3");
    let mut then_vals = vec![
        Val::Int(Some(last)),
        Val::Text(Some(prev)),
        Val::Int(Some(chain)),
    ];
    if let Some((sql, vals)) = stamps
        .take()
        .and_then(|t| crate::stamps::statement(crate::Engine::Sqlite, &t, Some(4), 0))
    {
        // Numbered on after the head's three (all shifted past the rows' by `insert_then`).
        then.push_str("; ");
        then.push_str(&sql);
        then_vals.extend(vals);
    }
    bulk::insert_then(tx, AUDIT_INSERT, 12, &rows, &then, &then_vals).await
}

/// The next seq on PostgreSQL: the identity's sequence named as PostgreSQL names it (migration
/// 1), resolved once when the statement is planned — `pg_get_serial_sequence` looked it up in the
/// catalogue on every call (0.2 ms of a step's 0.6 ms read; issue 19, B4).
const NEXT_SEQ: &str = "nextval('audit_audit_id_seq')";

/// The head of the audit insert, its rows 12 wide ([`hashed_rows`]).
const AUDIT_INSERT: &str = "INSERT INTO audit (audit_id, seq, chain_id, at, actor_id, action, \
    object_kind, object_id, org_id, detail, prev_hash, hash)";

/// The chain the transaction's audit rows go to (fixed by its first row's organisation), once it
/// has some.
pub(crate) fn chain_for(tx: &mut Tx) -> Option<i64> {
    let first = tx.pending.audit.first()?.org_id;
    Some(*tx.audit_chain.get_or_insert_with(|| chain_of(first)))
}

/// Write the transaction's audit rows on PostgreSQL, with `tails` (statements with their own
/// placeholders, each holding one ` WHERE true`), in one statement (issue 19, B4: a step's
/// commit was four round trips — the head locked, the rows, the stamps, the counters).
///
/// A step read its chain's head and drew a seq with its row ([`Head::select`]): its row is
/// hashed over that head and the head set to it only if it is still the same (`… AND seq =`,
/// rechecked after any writer of the chain before it commits); the rows are inserted and the
/// tails run only when it was (each guarded by the head's update, which therefore locks the
/// chain first: the lock order of the locked path, where the chain is taken before anything
/// else). When another writer of the chain came first, nothing was written: the head is locked
/// and seqs drawn ([`flush`]'s way), then the same statement without the condition. A seq drawn
/// after the head it follows was committed is larger than that head's, so the seqs still
/// increase along each chain; a seq drawn and not used leaves a gap, as a rollback does.
pub(crate) async fn flush_postgres(tx: &mut Tx, tails: Vec<(String, Vec<Val>)>) -> Result<()> {
    let Some(chain) = chain_for(tx) else {
        for (sql, vals) in &tails {
            bulk::exec_vals(tx.ex(), sql, vals).await?;
        }
        return Ok(());
    };
    let entries = std::mem::take(&mut tx.pending.audit);
    let n = entries.len();
    let hint = tx.audit_head.take();
    if let Some(h) = hint.as_ref().filter(|h| h.chain == chain && n == 1) {
        let mut prev = h.hash.clone();
        let rows = hashed_rows(entries.clone(), &[h.top], chain, &mut prev, true);
        if append_postgres(tx, chain, Some(h.seq), h.top, &prev, &rows, &tails).await? {
            return Ok(());
        }
    }
    // The head locked, then the seqs drawn: the one drawn ahead first when it is still larger
    // than the head (nothing else can append to the chain now), the rest from the sequence.
    let draw = format!(
        "WITH h AS (UPDATE audit_chain SET seq = seq WHERE chain_id = $1 RETURNING seq, hash) \
         SELECT h.seq, h.hash, CASE WHEN g.i = 1 AND $3 > h.seq THEN $3 ELSE {NEXT_SEQ} END \
         FROM h, generate_series(1, $2) AS g(i)"
    );
    let drawn: Vec<(i64, String, i64)> = fetch_all!(
        tx.ex(),
        (i64, String, i64),
        &draw,
        chain,
        n as i64,
        hint.map(|h| h.top)
    )?;
    let Some((_, mut prev, _)) = drawn.first().cloned() else {
        return Err(crate::StoreError::Corrupt(format!(
            "audit chain {chain} missing"
        )));
    };
    let mut seqs: Vec<i64> = drawn.into_iter().map(|(_, _, s)| s).collect();
    seqs.sort_unstable();
    let rows = hashed_rows(entries, &seqs, chain, &mut prev, true);
    let last = seqs.last().copied().unwrap_or_default();
    if append_postgres(tx, chain, None, last, &prev, &rows, &tails).await? {
        Ok(())
    } else {
        Err(crate::StoreError::Corrupt(format!(
            "audit chain {chain} lost its head"
        )))
    }
}

/// The head of `chain` set to `last`/`hash` (only if its seq is still `expected`, when given),
/// and only then `rows` inserted and `tails` run, in one statement; whether the head was set.
async fn append_postgres(
    tx: &mut Tx,
    chain: i64,
    expected: Option<i64>,
    last: i64,
    hash: &str,
    rows: &[Vec<Val>],
    tails: &[(String, Vec<Val>)],
) -> Result<bool> {
    let mut sql = String::from(
        "WITH then_ AS (UPDATE audit_chain SET seq = $1, hash = $2 WHERE chain_id = $3",
    );
    let mut vals = vec![
        Val::Int(Some(last)),
        Val::Text(Some(hash.to_string())),
        Val::Int(Some(chain)),
    ];
    if let Some(seq) = expected {
        sql.push_str(" AND seq = $4");
        vals.push(Val::Int(Some(seq)));
    }
    sql.push_str(" RETURNING 1)");
    const GUARD: &str = " WHERE EXISTS (SELECT 1 FROM then_)";
    for (i, (tail, tail_vals)) in tails.iter().enumerate() {
        debug_assert!(tail.contains(" WHERE true"));
        let tail = bulk::shift_placeholders(tail, vals.len()).replacen(" WHERE true", GUARD, 1);
        sql.push_str(&format!(", t{i}_ AS ({tail})"));
        vals.extend(tail_vals.iter().cloned());
    }
    // The rows that fit in the statement beside the head and the tails; the rest (an import's
    // thousands) inserted after it, the head set and locked by then.
    let max = bulk::max_params(crate::Engine::Postgres);
    let room = max.saturating_sub(vals.len()) / 12;
    let (now, later) = rows.split_at(room.min(rows.len()));
    for (i, chunk) in now.chunks(max / 12).enumerate() {
        let values = bulk::shift_placeholders(
            &bulk::groups(crate::Engine::Postgres, chunk.len(), 12),
            vals.len(),
        );
        sql.push_str(&format!(
            ", a{i}_ AS ({AUDIT_INSERT} SELECT * FROM (VALUES {values}) v_{GUARD})"
        ));
        vals.extend(chunk.iter().flatten().cloned());
    }
    sql.push_str(" SELECT COUNT(*) FROM then_");
    let set: Vec<(i64,)> = bulk::fetch_vals(tx.ex(), &sql, &vals).await?;
    let set = set.first().is_some_and(|(n,)| *n > 0);
    if set {
        for chunk in later.chunks(max / 12) {
            let values = bulk::groups(crate::Engine::Postgres, chunk.len(), 12);
            let vals: Vec<Val> = chunk.iter().flatten().cloned().collect();
            bulk::exec_vals(tx.ex(), &format!("{AUDIT_INSERT} VALUES {values}"), &vals).await?;
        }
    }
    Ok(set)
}

/// The audit rows of `entries` numbered `seqs`, each hashed over the one before it in `chain`
/// (`prev`: the chain's head, left at the last row's hash). `explicit_id`: PostgreSQL's key is
/// the drawn value itself; SQLite numbers the row.
fn hashed_rows(
    entries: Vec<PendingRow>,
    seqs: &[i64],
    chain: i64,
    prev: &mut String,
    explicit_id: bool,
) -> Vec<Vec<Val>> {
    let mut rows = Vec::with_capacity(entries.len());
    for (e, &seq) in entries.into_iter().zip(seqs) {
        let mut row = AuditRow {
            seq,
            at: ts(e.at),
            actor_id: e.actor_id,
            action: e.action,
            object_kind: e.object_kind,
            object_id: e.object_id,
            org_id: e.org_id,
            detail: e.detail,
            prev_hash: prev.clone(),
            hash: String::new(),
        };
        row.hash = hash_row(prev, seq, &e.at, row.actor_id, &row);
        prev.clone_from(&row.hash);
        rows.push(vec![
            Val::Int(explicit_id.then_some(row.seq)),
            Val::Int(Some(row.seq)),
            Val::Int(Some(chain)),
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
    rows
}

/// The outcome of [`verify`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
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

/// Recompute every chain from its first row, in pages; name the first broken row (the smallest
/// seq among each chain's first problem: a row whose link or hash does not match, or a chain
/// whose rows end before its head — a cut tail, named by the first seq after the chain's last
/// row, where the missing rows begin at the earliest).
pub async fn verify(store: &Store) -> Result<VerifyReport> {
    let mut conn = store.read().await?;
    let zeros = "0".repeat(64);
    let heads: Vec<(i64, i64, String)> = fetch_all!(
        conn.ex(),
        (i64, i64, String),
        "SELECT chain_id, seq, hash FROM audit_chain ORDER BY chain_id"
    )?;
    let mut problems: Vec<(i64, String)> = Vec::new();
    let mut rows = 0u64;
    // The chain being walked: its id, the last row's seq and hash, and whether it broke.
    let mut walk: Option<(i64, i64, String, bool)> = None;
    let end_of = |walk: &Option<(i64, i64, String, bool)>, problems: &mut Vec<(i64, String)>| {
        if let Some((chain, last, hash, broken)) = walk
            && !broken
        {
            match heads.iter().find(|h| h.0 == *chain) {
                Some((_, seq, head_hash)) if seq == last && head_hash == hash => {}
                Some((_, seq, _)) => problems.push((
                    last + 1,
                    format!(
                        "chain {chain} ends at {last} but its head says {seq}: rows after {last} are missing"
                    ),
                )),
                None => problems.push((*last, format!("chain {chain} has no head"))),
            }
        }
    };
    let mut after = (i64::MIN, i64::MIN);
    loop {
        let page = fetch_all!(
            conn.ex(),
            ChainRow,
            "SELECT chain_id, seq, at, actor_id, action, object_kind, object_id, org_id, detail, \
             prev_hash, hash FROM audit WHERE (chain_id, seq) > ($1, $2) \
             ORDER BY chain_id, seq LIMIT 5000",
            after.0,
            after.1
        )?;
        if page.is_empty() {
            break;
        }
        for c in &page {
            let r = &c.row;
            if walk.as_ref().is_none_or(|w| w.0 != c.chain_id) {
                end_of(&walk, &mut problems);
                walk = Some((c.chain_id, 0, zeros.clone(), false));
            }
            let Some((_, last, prev, broken)) = walk.as_mut() else {
                continue;
            };
            if !*broken {
                if r.prev_hash != *prev {
                    problems.push((
                        r.seq,
                        "prev_hash does not match the previous row of its chain".into(),
                    ));
                    *broken = true;
                } else if hash_row(prev, r.seq, &r.at.to_jiff(), r.actor_id, r) != r.hash {
                    problems.push((r.seq, "hash does not match the row's content".into()));
                    *broken = true;
                } else {
                    rows += 1;
                }
            }
            *last = r.seq;
            prev.clone_from(&r.hash);
            after = (c.chain_id, r.seq);
        }
    }
    end_of(&walk, &mut problems);
    // Chains with a head past zero and no rows at all: every row cut.
    for (chain, seq, _) in &heads {
        if *seq > 0 && !has_rows(&mut conn, *chain).await? {
            problems.push((
                1,
                format!("chain {chain} has no rows but its head says {seq}"),
            ));
        }
    }
    if let Some((seq, reason)) = problems.into_iter().min_by_key(|p| p.0) {
        return Ok(VerifyReport {
            rows,
            first_broken: Some(seq),
            reason: Some(reason),
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

async fn has_rows(conn: &mut Conn, chain: i64) -> Result<bool> {
    Ok(fetch_optional!(
        conn.ex(),
        (i64,),
        "SELECT seq FROM audit WHERE chain_id = $1 LIMIT 1",
        chain
    )?
    .is_some())
}

/// An audit row with its chain, as [`verify`] walks them.
#[derive(sqlx::FromRow)]
struct ChainRow {
    chain_id: i64,
    #[sqlx(flatten)]
    row: AuditRow,
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
        scope.org_filter("a.org_id", 1)
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

/// The audit trail's version: the sum of the chains' last seqs (64 rows). Every committed
/// audited write raises it (a chain's seqs increase along the chain), and it cannot stay put
/// while a write commits, whichever chain it took — unlike the largest key, which a write
/// drawn earlier but committed later would not move. A cache of what writes can change (the
/// organisation pickers, the forecast) is current while it stays put.
pub async fn head_id(conn: &mut crate::Conn) -> Result<i64> {
    let (id,): (i64,) = fetch_one!(
        conn.ex(),
        (i64,),
        "SELECT CAST(COALESCE(SUM(seq), 0) AS BIGINT) FROM audit_chain"
    )?;
    Ok(id)
}

//! Subtree stamps (issue 19, B3 and B5): a number per organisation that every committed write
//! into its subtree moves on, so that a view kept in memory is known to be still right with one
//! read of two rows.
//!
//! A transaction's commit ([`crate::Tx::flush`]) adds one to the stamp of each ancestor (itself
//! included) of every organisation its audit rows and counter deltas name (and those a write
//! names with [`crate::Tx::touch`]: a member's old cell); and to the stamp of
//! row 0, the whole database's, when it changes what is not one subtree's: the tree itself (an
//! organisation created, renamed, moved, merged), a mass organisation, a residential unit, a user
//! or a grant, or anything its audit row names no organisation for (a person, an import, setup).
//! Audit rows of reads ([`MOVES_NOTHING`]) move nothing. A stamp only grows — a subtree moved
//! out of another moves row 0 on — so the same [`Stamp`] read twice means nothing was committed
//! in between that a view of the organisation shows. A view kept with the stamp it was computed
//! under is served while [`of`] reads the same stamp (`ketnap_web::cache`).
//!
//! A stamp is the sum of its stripes (migration 27): on PostgreSQL a writer adds to the stripe
//! of its audit chain, whose head row it holds locked to its commit already, so the stamps add
//! no wait between writers (one row per organisation made every writer of a district wait for
//! the one before to commit: B4 on PostgreSQL fell from 917 to 537 steps/s).
//!
//! Every write of organisation data appends an audit row in its transaction (the audit trail's
//! rule), and every change of a kept count is a counter delta: both are what the stamps follow,
//! so a new kind of write moves them without being told. `ketnap rebuild`, which rewrites the
//! counters outside any step, moves row 0 itself ([`move_all`]).

use std::collections::BTreeSet;

use crate::bulk::Val;
use crate::{Conn, Result, Tx};

/// The stamps a view of one organisation is kept under: its subtree's and the whole database's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Stamp {
    /// The organisation's subtree stamp (0 before any write).
    pub subtree: i64,
    /// Row 0's.
    pub whole: i64,
}

/// Audit rows recording a read or a credential, which change no figure any view shows.
pub const MOVES_NOTHING: [&str; 5] = [
    "person.reveal_id",
    "list.download",
    "user.password",
    "user.api_token_issue",
    "user.api_token_revoke",
];

/// Kinds of object whose change is not one subtree's: they move row 0.
const WHOLE_KINDS: [&str; 4] = ["org", "mass_org", "residential_unit", "user"];

/// More organisations than this in one commit (an import, the daily pass) move row 0 alone:
/// every kept view is recomputed once, and the statement stays short.
const MANY: usize = 400;

/// What a transaction's commit moves on: the organisations named, and whether row 0.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Touched {
    orgs: BTreeSet<i64>,
    whole: bool,
}

impl Touched {
    /// The organisations of a transaction's pending audit rows and counter deltas.
    pub(crate) fn of(p: &crate::Pending) -> Touched {
        let mut t = Touched::default();
        for row in &p.audit {
            let (action, kind, org) = row.stamped();
            if MOVES_NOTHING.contains(&action) {
                continue;
            }
            match org {
                Some(o) if !WHOLE_KINDS.contains(&kind) => {
                    t.orgs.insert(o);
                }
                _ => t.whole = true,
            }
        }
        t.orgs.extend(p.touched.iter().copied());
        for ((org, _, _), v) in &p.counters {
            if *v != 0 {
                t.orgs.insert(*org);
            }
        }
        if t.orgs.len() > MANY {
            t.orgs.clear();
            t.whole = true;
        }
        t
    }
}

/// The statement moving the stamps `t` names on by one, and its values (`None`: nothing to
/// move): rows locked in key order (row 0 first). Its placeholders are the engine's run of them
/// ([`crate::dialect::run_placeholder`]), or `$from`, `$from + 1`… when `from` is given (a
/// statement following numbered ones in one SQLite call: sqlx numbers anonymous ones from the
/// previous anonymous ones only). [`crate::audit::flush`] runs it on SQLite with the chain's
/// head, else [`crate::counters::flush`].
///
/// `stripe`: the stripe written (the transaction's audit chain on PostgreSQL; 0 on SQLite).
pub(crate) fn statement(
    engine: crate::Engine,
    t: &Touched,
    from: Option<usize>,
    stripe: i64,
) -> Option<(String, Vec<Val>)> {
    if t.orgs.is_empty() && !t.whole {
        return None;
    }
    let mut sources = Vec::new();
    if !t.orgs.is_empty() {
        let mut s = String::from(
            "SELECT oc.ancestor_id AS org_id FROM org_closure oc WHERE oc.descendant_id IN (",
        );
        for i in 1..=t.orgs.len() {
            if i > 1 {
                s.push_str(", ");
            }
            match from {
                Some(f) => s.push_str(&format!("${}", f + i - 1)),
                None => crate::dialect::run_placeholder(engine, i, &mut s),
            }
        }
        s.push(')');
        sources.push(s);
    }
    if t.whole {
        sources.push("SELECT CAST(0 AS BIGINT) AS org_id".to_string());
    }
    // One organisation's ancestors are each named once; several organisations' share some (the
    // upsert may not touch a row twice). The key order is PostgreSQL's lock order; SQLite has
    // one writer.
    let distinct = if t.orgs.len() > 1 { "DISTINCT " } else { "" };
    let order = match engine {
        crate::Engine::Postgres => " ORDER BY s.org_id",
        crate::Engine::Sqlite => "",
    };
    let mut vals: Vec<Val> = t.orgs.iter().map(|o| Val::Int(Some(*o))).collect();
    // SQLite's one stripe written in; PostgreSQL's bound (one statement text for every chain:
    // prepared once per connection, not once per chain).
    let stripe = match engine {
        crate::Engine::Sqlite => stripe.to_string(),
        crate::Engine::Postgres => {
            vals.push(Val::Int(Some(stripe)));
            format!("CAST(${} AS BIGINT)", vals.len())
        }
    };
    let sql = format!(
        "INSERT INTO subtree_stamp (org_id, stripe, stamp) \
         SELECT {distinct}s.org_id, {stripe}, 1 FROM ({}) s WHERE true{order} \
         ON CONFLICT (org_id, stripe) DO UPDATE SET stamp = subtree_stamp.stamp + 1",
        sources.join(" UNION ")
    );
    Some((sql, vals))
}

/// Move row 0 on: every kept view is computed again (`ketnap rebuild`).
pub async fn move_all(tx: &mut Tx) -> Result<()> {
    let whole = Touched {
        orgs: BTreeSet::new(),
        whole: true,
    };
    if let Some((sql, vals)) = statement(tx.engine(), &whole, None, 0) {
        crate::bulk::exec_vals(tx.ex(), &sql, &vals).await?;
    }
    Ok(())
}

/// The stamps of `org_id`'s subtree and of the whole database, now (each the sum of its
/// stripes): one read.
pub async fn of(conn: &mut Conn, org_id: i64) -> Result<Stamp> {
    let (subtree, whole): (i64, i64) = fetch_one!(
        conn.ex(),
        (i64, i64),
        "SELECT CAST(COALESCE(SUM(CASE WHEN org_id = $1 THEN stamp END), 0) AS BIGINT), \
         CAST(COALESCE(SUM(CASE WHEN org_id = 0 THEN stamp END), 0) AS BIGINT) \
         FROM subtree_stamp WHERE org_id IN ($1, 0)",
        org_id
    )?;
    Ok(Stamp { subtree, whole })
}

/// The stamps of a user's whole scope: the sum of its subtrees' stamps (each only grows, so the
/// sum moves whenever one of them does) and the whole database's. Row 0 and the scope's roots are
/// one list read by the key (`org_id = 0 OR org_id IN (…)` read every stamp row of the database:
/// 1.8 ms at province scale, on every view of the alert page; issue 19, tenth pass). For the scopes of subtrees
/// (not a mentor's or a mass organisation's, whose candidacies are not one subtree's).
pub async fn of_scope(conn: &mut Conn, scope: &crate::Scope) -> Result<Stamp> {
    let (_, user, role) = scope.binds();
    let (subtree, whole): (i64, i64) = fetch_one!(
        conn.ex(),
        (i64, i64),
        "SELECT CAST(COALESCE(SUM(CASE WHEN s.org_id = 0 THEN 0 ELSE s.stamp END), 0) AS BIGINT), \
         CAST(COALESCE(SUM(CASE WHEN s.org_id = 0 THEN s.stamp END), 0) AS BIGINT) \
         FROM subtree_stamp s WHERE s.org_id IN \
         (SELECT 0 UNION ALL SELECT su.org_id FROM user_scope su WHERE su.user_id = $1 AND su.role = $2)",
        user,
        role
    )?;
    Ok(Stamp { subtree, whole })
}

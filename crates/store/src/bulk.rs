//! Many rows per statement, for the writes an import makes by the hundred thousand.
//!
//! The same portable SQL as everywhere else (`RETURNING`, `IN (…)`; the placeholders of the long
//! run are written by [`crate::dialect::run_placeholder`]), with the row count decided at run time: a statement carries at most [`MAX_PARAMS`] values, so a long
//! list is sent in chunks. One round trip per
//! chunk instead of one per row is what makes a 100,000-row roster import in seconds: each
//! statement costs a round trip to SQLite's worker thread or to the PostgreSQL server.

use std::collections::HashMap;

use crate::dialect::run_placeholder;
use crate::{Engine, Result, StoreError, Tx};

/// Values per statement on SQLite. Far under its limit (32,766) on purpose: SQLite parses and
/// binds each statement on the worker thread while the caller waits, and beyond a few thousand
/// values longer statements stopped paying (with `$N` names the binding cost even grew with the
/// square of the count: a 17,000-value statement took 0.4 s; anonymous `?` fixed that).
pub const MAX_PARAMS: usize = 2_000;

/// Values per statement on PostgreSQL (its limit is 65,535): every statement is a round trip
/// and a parse, so fewer, longer ones are cheaper; binding is linear there.
pub const MAX_PARAMS_PG: usize = 16_000;

/// The values one statement carries on `engine`.
pub fn max_params(engine: Engine) -> usize {
    match engine {
        Engine::Sqlite => MAX_PARAMS,
        Engine::Postgres => MAX_PARAMS_PG,
    }
}

/// One value to bind.
#[derive(Clone, Debug)]
pub enum Val {
    /// An integer or NULL.
    Int(Option<i64>),
    /// Text or NULL.
    Text(Option<String>),
    /// A boolean.
    Bool(bool),
    /// A calendar date or NULL.
    Date(Option<jiff_sqlx::Date>),
    /// An instant.
    Ts(jiff_sqlx::Timestamp),
}

macro_rules! bind_vals {
    ($q:expr, $vals:expr) => {{
        let mut q = $q;
        for v in $vals {
            q = match v {
                Val::Int(x) => q.bind(*x),
                Val::Text(x) => q.bind(x.as_deref()),
                Val::Bool(x) => q.bind(*x),
                Val::Date(x) => q.bind(*x),
                Val::Ts(x) => q.bind(*x),
            };
        }
        q
    }};
}

/// `($1, $2, …), (…)`: `rows` groups of `width` placeholders.
pub(crate) fn groups(engine: Engine, rows: usize, width: usize) -> String {
    let mut s = String::with_capacity(rows * width * 5);
    for r in 0..rows {
        if r > 0 {
            s.push_str(", ");
        }
        s.push('(');
        for c in 0..width {
            if c > 0 {
                s.push_str(", ");
            }
            run_placeholder(engine, r * width + c + 1, &mut s);
        }
        s.push(')');
    }
    s
}

/// `INSERT INTO table (cols) VALUES (…), (…) RETURNING <id>, <key>` over `rows` (each as wide
/// as `cols`), in chunks; the new ids in the order of `keys`, the key (e.g. the public id) each
/// row was given, since neither engine promises the order of `RETURNING` rows.
pub async fn insert_ids(
    tx: &mut Tx,
    head: &str,
    width: usize,
    rows: &[Vec<Val>],
    returning: &str,
    keys: &[&str],
) -> Result<Vec<i64>> {
    let mut made: HashMap<String, i64> = HashMap::with_capacity(rows.len());
    for chunk in rows.chunks((max_params(tx.engine()) / width.max(1)).max(1)) {
        let sql = format!(
            "{head} VALUES {} RETURNING {returning}",
            groups(tx.engine(), chunk.len(), width)
        );
        let vals = chunk.iter().flatten();
        let got: Vec<(i64, String)> = match tx.ex() {
            crate::Ex::Sqlite(c) => {
                bind_vals!(sqlx::query_as::<_, (i64, String)>(&sql), vals)
                    .fetch_all(&mut *c)
                    .await?
            }
            crate::Ex::Postgres(c) => {
                bind_vals!(sqlx::query_as::<_, (i64, String)>(&sql), vals)
                    .fetch_all(&mut *c)
                    .await?
            }
        };
        made.extend(got.into_iter().map(|(id, key)| (key, id)));
    }
    keys.iter()
        .map(|k| {
            made.get(*k)
                .copied()
                .ok_or_else(|| StoreError::Corrupt(format!("bulk insert lost a row: {head}")))
        })
        .collect()
}

/// `INSERT INTO table (cols) VALUES (…), (…)` over `rows`, in chunks.
pub async fn insert(tx: &mut Tx, head: &str, width: usize, rows: &[Vec<Val>]) -> Result<()> {
    insert_tail(tx, head, width, rows, "").await
}

/// [`insert`] with `tail` after the values (an `ON CONFLICT …` clause).
pub async fn insert_tail(
    tx: &mut Tx,
    head: &str,
    width: usize,
    rows: &[Vec<Val>],
    tail: &str,
) -> Result<()> {
    for chunk in rows.chunks((max_params(tx.engine()) / width.max(1)).max(1)) {
        let sql = format!(
            "{head} VALUES {} {tail}",
            groups(tx.engine(), chunk.len(), width)
        );
        let vals = chunk.iter().flatten();
        match tx.ex() {
            crate::Ex::Sqlite(c) => {
                bind_vals!(sqlx::query(&sql), vals).execute(&mut *c).await?;
            }
            crate::Ex::Postgres(c) => {
                bind_vals!(sqlx::query(&sql), vals).execute(&mut *c).await?;
            }
        }
    }
    Ok(())
}

/// `sql` with its placeholders `$1`, `$2`, … renumbered from `$(1 + by)`.
pub(crate) fn shift_placeholders(sql: &str, by: usize) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut chars = sql.char_indices().peekable();
    while let Some((_, ch)) = chars.next() {
        out.push(ch);
        if ch != '$' {
            continue;
        }
        let mut n = String::new();
        while let Some(&(_, d)) = chars.peek() {
            if !d.is_ascii_digit() {
                break;
            }
            n.push(d);
            chars.next();
        }
        match n.parse::<usize>() {
            Ok(i) => out.push_str(&(i + by).to_string()),
            Err(_) => out.push_str(&n),
        }
    }
    out
}

/// [`insert`], then `then` (a statement with its own placeholders `$1`…, bound to `then_vals`)
/// in the same round trip when the rows fit one statement (issue 19, B4: each statement is a
/// round trip to SQLite's worker thread or to the server): on SQLite the two statements in one
/// call, on PostgreSQL `then` as a data-modifying `WITH` of the insert (it sees the snapshot
/// before the insert: `then` must not read the inserted rows).
pub async fn insert_then(
    tx: &mut Tx,
    head: &str,
    width: usize,
    rows: &[Vec<Val>],
    then: &str,
    then_vals: &[Val],
) -> Result<()> {
    let engine = tx.engine();
    let k = rows.len() * width;
    if rows.is_empty() || k + then_vals.len() > max_params(engine) {
        insert(tx, head, width, rows).await?;
        return match tx.ex() {
            crate::Ex::Sqlite(c) => bind_vals!(sqlx::query(then), then_vals.iter())
                .execute(&mut *c)
                .await
                .map(|_| ())
                .map_err(Into::into),
            crate::Ex::Postgres(c) => bind_vals!(sqlx::query(then), then_vals.iter())
                .execute(&mut *c)
                .await
                .map(|_| ())
                .map_err(Into::into),
        };
    }
    let values = groups(engine, rows.len(), width);
    let then = shift_placeholders(then, k);
    let vals = rows.iter().flatten().chain(then_vals);
    match tx.ex() {
        crate::Ex::Sqlite(c) => {
            let sql = format!("{head} VALUES {values}; {then}");
            bind_vals!(sqlx::query(&sql), vals).execute(&mut *c).await?;
        }
        crate::Ex::Postgres(c) => {
            let sql = format!("WITH then_ AS ({then}) {head} VALUES {values}");
            bind_vals!(sqlx::query(&sql), vals).execute(&mut *c).await?;
        }
    }
    Ok(())
}

/// An `INSERT INTO table (cols)` head, its width and its rows, for [`update_then_insert`].
pub type Insert<'a> = (&'a str, usize, &'a [Vec<Val>]);

/// `update` (placeholders `$1`…, bound to `update_vals`), then, when it changed a row, each of
/// `inserts`; returns the rows `update` changed (nothing is inserted when none). On SQLite, the
/// single writer, all of it in one call when the values fit one statement's share (issue 19, B4:
/// each statement is a round trip to SQLite's worker thread): the update's placeholders are
/// numbered after the inserts' anonymous ones (sqlx binds `?` from the start of the values and
/// `$N` by number), each insert runs only when the statement before it changed rows
/// (`changes()`), and the rows the update changed are the call's total less the rows inserted
/// (a failing insert fails the call). On PostgreSQL one statement too: the inserts as
/// data-modifying `WITH`s that select their rows only when the update returned one (the update
/// runs first, as the inserts read it): a writer that lost the race finds no row to update
/// instead of a duplicate key, and inserts nothing.
pub async fn update_then_insert(
    tx: &mut Tx,
    update: &str,
    update_vals: &[Val],
    inserts: &[Insert<'_>],
) -> Result<u64> {
    let engine = tx.engine();
    let anonymous: usize = inserts.iter().map(|(_, w, rows)| w * rows.len()).sum();
    if engine == Engine::Sqlite && anonymous + update_vals.len() <= max_params(engine) {
        let crate::Ex::Sqlite(c) = tx.ex() else {
            return Err(StoreError::Corrupt("engine mismatch".into()));
        };
        let mut sql = shift_placeholders(update, anonymous);
        let mut inserted = 0u64;
        for (head, width, rows) in inserts.iter().filter(|(_, _, r)| !r.is_empty()) {
            // Each insert only after a statement that changed rows: none after an update that
            // found no row.
            sql.push_str(&format!(
                "; {head} SELECT * FROM (VALUES {}) WHERE changes() > 0",
                groups(engine, rows.len(), *width)
            ));
            inserted += rows.len() as u64;
        }
        let vals = inserts
            .iter()
            .flat_map(|(_, _, rows)| rows.iter().flatten())
            .chain(update_vals);
        let done = bind_vals!(sqlx::query(&sql), vals)
            .execute(&mut *c)
            .await?
            .rows_affected();
        return Ok(if done == 0 { 0 } else { done - inserted });
    }
    if engine == Engine::Postgres && anonymous + update_vals.len() <= max_params(engine) {
        let crate::Ex::Postgres(c) = tx.ex() else {
            return Err(StoreError::Corrupt("engine mismatch".into()));
        };
        let mut sql = format!("WITH u_ AS ({update} RETURNING 1)");
        let mut at = update_vals.len();
        for (i, (head, width, rows)) in inserts.iter().filter(|(_, _, r)| !r.is_empty()).enumerate()
        {
            sql.push_str(&format!(
                ", i{i}_ AS ({head} SELECT * FROM (VALUES {}) v_ WHERE EXISTS (SELECT 1 FROM u_))",
                shift_placeholders(&groups(engine, rows.len(), *width), at)
            ));
            at += width * rows.len();
        }
        sql.push_str(" SELECT COUNT(*) FROM u_");
        let vals = update_vals.iter().chain(
            inserts
                .iter()
                .flat_map(|(_, _, rows)| rows.iter().flatten()),
        );
        let (n,): (i64,) = bind_vals!(sqlx::query_as::<_, (i64,)>(&sql), vals)
            .fetch_one(&mut *c)
            .await?;
        return Ok(u64::try_from(n).unwrap_or(0));
    }
    let updated = match tx.ex() {
        crate::Ex::Sqlite(c) => bind_vals!(sqlx::query(update), update_vals.iter())
            .execute(&mut *c)
            .await?
            .rows_affected(),
        crate::Ex::Postgres(c) => bind_vals!(sqlx::query(update), update_vals.iter())
            .execute(&mut *c)
            .await?
            .rows_affected(),
    };
    if updated > 0 {
        for (head, width, rows) in inserts {
            insert(tx, head, *width, rows).await?;
        }
    }
    Ok(updated)
}

/// The rows of `select` (ending in `… IN`) for `keys`, asked in chunks: `<select> ($1, …)`.
/// `extra` values are bound before the keys, as `$1…$k` (so `select` may use them).
pub async fn select_in<T>(tx: &mut Tx, select: &str, extra: &[Val], keys: &[Val]) -> Result<Vec<T>>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
        + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>
        + Send
        + Unpin,
{
    let mut out = Vec::new();
    let per = max_params(tx.engine()) - extra.len();
    for chunk in keys.chunks(per) {
        let mut sql = format!("{select} (");
        for i in 0..chunk.len() {
            if i > 0 {
                sql.push_str(", ");
            }
            let n = extra.len() + i + 1;
            if extra.is_empty() {
                run_placeholder(tx.engine(), n, &mut sql);
            } else {
                // The extras are `$1…$k` in `select`: the keys keep numbered names after them.
                sql.push_str(&format!("${n}"));
            }
        }
        sql.push(')');
        let vals = extra.iter().chain(chunk.iter());
        let got: Vec<T> = match tx.ex() {
            crate::Ex::Sqlite(c) => {
                bind_vals!(sqlx::query_as::<_, T>(&sql), vals)
                    .fetch_all(&mut *c)
                    .await?
            }
            crate::Ex::Postgres(c) => {
                bind_vals!(sqlx::query_as::<_, T>(&sql), vals)
                    .fetch_all(&mut *c)
                    .await?
            }
        };
        out.extend(got);
    }
    Ok(out)
}

/// The rows of `sql` with `vals` bound in order as `$1…$n`: for a query built for the filters
/// actually given (no catch-all `($n OR col = $m)` binds), whose binds vary with them.
pub async fn fetch_vals<T>(ex: crate::Ex<'_>, sql: &str, vals: &[Val]) -> Result<Vec<T>>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
        + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>
        + Send
        + Unpin,
{
    Ok(match ex {
        crate::Ex::Sqlite(c) => {
            bind_vals!(sqlx::query_as::<_, T>(sql), vals)
                .fetch_all(&mut *c)
                .await?
        }
        crate::Ex::Postgres(c) => {
            bind_vals!(sqlx::query_as::<_, T>(sql), vals)
                .fetch_all(&mut *c)
                .await?
        }
    })
}

/// Run `sql` (which may be several statements on SQLite) with `vals`; the rows it changed.
pub async fn exec_vals<'v>(
    ex: crate::Ex<'_>,
    sql: &str,
    vals: impl IntoIterator<Item = &'v Val>,
) -> Result<u64> {
    Ok(match ex {
        crate::Ex::Sqlite(c) => bind_vals!(sqlx::query(sql), vals)
            .execute(&mut *c)
            .await?
            .rows_affected(),
        crate::Ex::Postgres(c) => bind_vals!(sqlx::query(sql), vals)
            .execute(&mut *c)
            .await?
            .rows_affected(),
    })
}

/// `(CAST($1 AS t1), …), (…)`: `rows` groups of placeholders cast to `types` (a `VALUES` list
/// read by a `SELECT`, whose placeholders PostgreSQL cannot type from a column), numbered from 1
/// (anonymous on SQLite, as [`run_placeholder`] writes them).
pub fn typed_groups(engine: Engine, rows: usize, types: &[&str]) -> String {
    let width = types.len();
    let mut s = String::with_capacity(rows * width * 20);
    for r in 0..rows {
        if r > 0 {
            s.push_str(", ");
        }
        s.push('(');
        for (c, t) in types.iter().enumerate() {
            if c > 0 {
                s.push_str(", ");
            }
            s.push_str("CAST(");
            run_placeholder(engine, r * width + c + 1, &mut s);
            s.push_str(" AS ");
            s.push_str(t);
            s.push(')');
        }
        s.push(')');
    }
    s
}

/// Binds collected while a query is written: [`Binds::push`] gives the placeholder.
#[derive(Default)]
pub struct Binds(pub Vec<Val>);

impl Binds {
    /// Bind `v`; its placeholder (`$n`).
    pub fn push(&mut self, v: Val) -> String {
        self.0.push(v);
        format!("${}", self.0.len())
    }

    /// Bind each of `keys` (internal keys for an `IN (…)` list): their placeholders. Bound, not
    /// written in, so that a statement's text depends on the number of keys only and is prepared
    /// once per connection.
    pub fn keys(&mut self, keys: &[i64]) -> Vec<String> {
        keys.iter().map(|k| self.push(Val::Int(Some(*k)))).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::{groups, shift_placeholders};
    use crate::Engine;

    #[test]
    fn a_following_statements_placeholders_are_renumbered_after_the_rows() {
        assert_eq!(
            shift_placeholders("UPDATE t SET a = $1, b = $2 WHERE c = $10 AND d = '$'", 24),
            "UPDATE t SET a = $25, b = $26 WHERE c = $34 AND d = '$'"
        );
        assert_eq!(shift_placeholders("SELECT 1", 5), "SELECT 1");
    }

    #[test]
    fn placeholders_are_numbered_row_after_row() {
        assert_eq!(groups(Engine::Postgres, 2, 3), "($1, $2, $3), ($4, $5, $6)");
        assert_eq!(groups(Engine::Postgres, 1, 1), "($1)");
        assert_eq!(groups(Engine::Sqlite, 2, 2), "(?, ?), (?, ?)");
    }
}

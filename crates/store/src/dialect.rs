//! The only place where SQLite and PostgreSQL SQL differ.

use crate::Engine;

/// Case-insensitive `LIKE` on already folded ASCII text is the same on both engines; kept here so
/// a later change (trigram index on PostgreSQL) stays in one place.
pub fn like_folded(col: &str, placeholder: usize) -> String {
    format!("{col} LIKE ${placeholder}")
}

/// Pattern for a substring match, escaping `%`, `_` and `\`.
pub fn contains_pattern(folded: &str) -> String {
    let mut p = String::with_capacity(folded.len() + 2);
    p.push('%');
    for ch in folded.chars() {
        if matches!(ch, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(ch);
    }
    p.push('%');
    p
}

/// The `ESCAPE` clause that goes with [`contains_pattern`].
pub const LIKE_ESCAPE: &str = " ESCAPE '\\'";

/// A consistent online copy of the database into `path` (SQLite `VACUUM INTO`); PostgreSQL is
/// backed up with `pg_dump` (docs/OPERATIONS.md).
pub fn backup_statement(engine: Engine) -> Option<&'static str> {
    match engine {
        Engine::Sqlite => Some("VACUUM INTO $1"),
        Engine::Postgres => None,
    }
}

/// The `n`-th (from 1) of a long run of placeholders written in order (a bulk statement's
/// `VALUES` or `IN` list). SQLite gets anonymous `?`: it looks every named `$N` up among all the
/// statement's names, when preparing and again when binding, so a 320-value statement spent
/// more time finding its parameters than writing its rows. Only for statements whose
/// placeholders are all in this run, in order (sqlx numbers anonymous ones by position).
pub fn run_placeholder(engine: Engine, n: usize, out: &mut String) {
    match engine {
        Engine::Sqlite => out.push('?'),
        Engine::Postgres => {
            use std::fmt::Write as _;
            let _ = write!(out, "${n}");
        }
    }
}

/// An integer member of a JSON text column (`json_extract` on SQLite, `->>` on PostgreSQL).
pub fn json_int(engine: Engine, col: &str, key: &str) -> String {
    match engine {
        Engine::Sqlite => format!("CAST(json_extract({col}, '$.{key}') AS INTEGER)"),
        Engine::Postgres => format!("CAST(({col})::jsonb ->> '{key}' AS BIGINT)"),
    }
}

/// The values of `expr` in a group joined by `sep` in the order of `order_by` (SQLite's
/// `group_concat`, PostgreSQL's `string_agg`; both take the ORDER BY inside). `expr` must be text.
pub fn string_agg(engine: Engine, expr: &str, sep: &str, order_by: &str) -> String {
    match engine {
        Engine::Sqlite => format!("group_concat({expr}, '{sep}' ORDER BY {order_by})"),
        Engine::Postgres => format!("string_agg({expr}, '{sep}' ORDER BY {order_by})"),
    }
}

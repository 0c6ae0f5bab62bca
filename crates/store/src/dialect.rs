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

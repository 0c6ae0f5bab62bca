//! Operations on the database as a whole: online backup and integrity check (SQLite), and whether
//! the database holds any data yet. CLI/jobs only (docs/OPERATIONS.md).

use std::path::Path;

use crate::{Engine, Result, Store, StoreError, dialect};

/// Write a consistent copy of the database to `path` while it keeps serving (SQLite
/// `VACUUM INTO`, from a read connection: writers are not blocked). Refuses an existing `path`.
/// PostgreSQL is backed up with `pg_dump -Fc` instead ([`StoreError::Invalid`] says so).
pub async fn backup(store: &Store, path: &Path) -> Result<()> {
    let Some(stmt) = dialect::backup_statement(store.engine()) else {
        return Err(StoreError::invalid(
            "backup of a PostgreSQL store: use pg_dump -Fc (docs/OPERATIONS.md)",
            "Với PostgreSQL, hãy sao lưu bằng pg_dump -Fc (xem docs/OPERATIONS.md).",
        ));
    };
    if path.exists() {
        return Err(StoreError::invalid(
            format!("backup target {} exists", path.display()),
            format!(
                "Tệp sao lưu {} đã tồn tại; hãy chọn tên khác.",
                path.display()
            ),
        ));
    }
    let target = path.to_str().ok_or_else(|| {
        StoreError::invalid(
            "backup path is not UTF-8",
            "Đường dẫn tệp sao lưu chỉ được chứa ký tự hợp lệ (UTF-8).",
        )
    })?;
    let mut conn = store.read().await?;
    exec!(conn.ex(), stmt, target)?;
    Ok(())
}

/// SQLite `PRAGMA integrity_check`: empty when the file is sound, else the problems it lists.
/// PostgreSQL checks its own pages: always empty there.
pub async fn integrity_check(store: &Store) -> Result<Vec<String>> {
    if store.engine() == Engine::Postgres {
        return Ok(Vec::new());
    }
    let mut conn = store.read().await?;
    let rows: Vec<(String,)> = fetch_all!(conn.ex(), (String,), "PRAGMA integrity_check")?;
    Ok(rows
        .into_iter()
        .map(|(r,)| r)
        .filter(|r| r != "ok")
        .collect())
}

/// Whether the database holds no data yet: no organisation, person, user or audit row (a freshly
/// migrated database).
pub async fn is_empty(store: &Store) -> Result<bool> {
    let mut conn = store.read().await?;
    let (n,): (i64,) = fetch_one!(
        conn.ex(),
        (i64,),
        // Whether any row exists (never a count of every person and audit row).
        "SELECT CAST(CASE WHEN EXISTS (SELECT 1 FROM org) OR EXISTS (SELECT 1 FROM person) \
         OR EXISTS (SELECT 1 FROM app_user) OR EXISTS (SELECT 1 FROM audit) THEN 1 ELSE 0 END AS BIGINT)"
    )?;
    Ok(n == 0)
}

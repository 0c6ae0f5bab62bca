//! The conformance harness: each test runs unchanged on SQLite (a temp file) and on PostgreSQL (a
//! fresh schema). PostgreSQL comes from `KETNAP_TEST_PG` (scripts/postgres.sh sets it up); under
//! `CI=true` a missing or unreachable PostgreSQL fails the test instead of skipping it.
#![allow(dead_code, clippy::unwrap_used)]

use std::str::FromStr;

use ketnap_store::{Engine, Store, WriteCtx};
use sqlx::Connection;
use sqlx::postgres::PgConnectOptions;
use sqlx::sqlite::SqliteConnectOptions;

fn unique(prefix: &str) -> String {
    format!(
        "{prefix}_{}_{:016x}",
        std::process::id(),
        rand::random::<u64>()
    )
}

/// A migrated SQLite store in a temp file.
pub async fn sqlite() -> Store {
    let path = std::env::temp_dir().join(format!("{}.db", unique("ketnap_test")));
    let store = Store::connect_sqlite(SqliteConnectOptions::new().filename(&path))
        .await
        .unwrap();
    store.migrate().await.unwrap();
    store
}

/// A migrated PostgreSQL store in a fresh schema, or `None` when PostgreSQL is not configured
/// outside CI.
pub async fn postgres() -> Option<Store> {
    let url = match std::env::var("KETNAP_TEST_PG") {
        Ok(u) if !u.is_empty() => u,
        _ => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "CI=true but KETNAP_TEST_PG is not set"
            );
            eprintln!("KETNAP_TEST_PG not set: PostgreSQL half of the conformance test skipped");
            return None;
        }
    };
    let schema = unique("t");
    let base = PgConnectOptions::from_str(&url).unwrap();
    let mut admin = sqlx::PgConnection::connect_with(&base)
        .await
        .unwrap_or_else(|e| panic!("PostgreSQL at KETNAP_TEST_PG: {e}"));
    sqlx::query(&format!("CREATE SCHEMA {schema}"))
        .execute(&mut admin)
        .await
        .unwrap();
    let opts = base.options([("search_path", schema.as_str())]);
    let store = Store::connect_postgres(opts).await.unwrap();
    store.migrate().await.unwrap();
    Some(store)
}

/// Every engine available.
pub async fn stores() -> Vec<Store> {
    let mut v = vec![sqlite().await];
    v.extend(postgres().await);
    v
}

/// A write context at a fixed instant.
pub fn ctx(actor: Option<i64>) -> WriteCtx {
    WriteCtx::new(actor, "2026-11-23T03:00:00Z".parse().unwrap())
}

/// The demo's accounts with a fixed (not verifiable) password hash: tests that generate the demo
/// log no one in.
pub fn accounts() -> ketnap_store::demo::DemoUsers {
    ketnap_store::demo::DemoUsers {
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".to_string(),
    }
}

/// Candidacies a mentor may be assigned to, each with an official of its cell who is not its
/// mentor: (candidacy public id, version, cell, member public id), by candidacy then member.
pub async fn assignable(store: &Store) -> Vec<(String, i64, i64, String)> {
    let mut conn = store.read().await.unwrap();
    ketnap_store::fetch_all!(
        conn.ex(),
        (String, i64, i64, String),
        "SELECT c.pub_id, c.version, c.cell_id, m.pub_id FROM candidacy c \
         JOIN member m ON m.cell_id = c.cell_id AND m.status = 'official' \
         WHERE c.stage IN ('sympathizer', 'course', 'dossier') \
         AND (c.mentor_member_id IS NULL OR c.mentor_member_id <> m.member_id) \
         ORDER BY c.pub_id, m.pub_id"
    )
    .unwrap()
}

/// Name of the engine, for assertion messages.
pub fn name(s: &Store) -> &'static str {
    match s.engine() {
        Engine::Sqlite => "sqlite",
        Engine::Postgres => "postgres",
    }
}

/// Run again, in one transaction, the fill of migration `file` (its statements from the first
/// `from` on, e.g. `INSERT INTO`) after `clear` emptied what it fills: the rows an existing
/// database gets, for a test to compare with the write path's.
pub async fn refill(store: &Store, file: &str, from: &str, clear: &[&str]) {
    let engine = match store.engine() {
        Engine::Sqlite => "sqlite",
        Engine::Postgres => "postgres",
    };
    let migration = std::fs::read_to_string(format!(
        "{}/migrations/{engine}/{file}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let mut tx = store.begin().await.unwrap();
    for statement in clear {
        ketnap_store::exec!(tx.ex(), statement).unwrap();
    }
    let at = migration.find(from).unwrap();
    for statement in migration[at..].split(';').filter(|s| !s.trim().is_empty()) {
        ketnap_store::exec!(tx.ex(), statement).unwrap();
    }
    tx.commit().await.unwrap();
}

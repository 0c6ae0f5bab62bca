//! ketnap-store: everything the domain models, persisted on SQLite (embedded default) or
//! PostgreSQL (a province or the nation).
//!
//! One schema (twin migration folders, same versions) and one SQL text in the portable subset:
//! `$N` placeholders numbered in order of first use, `ON CONFLICT … DO UPDATE`, `RETURNING`,
//! `WITH RECURSIVE`. What differs between engines lives in [`dialect`]. Every query runs through
//! the macros below, which expand the same text for the engine at hand.
//!
//! Writes take a [`WriteCtx`] (who and when: the clock is passed in) and run in one transaction
//! with their audit row. Reads of organisation data for a user take a [`scope::Scope`].

use std::str::FromStr;
use std::time::Duration;

use sqlx::pool::PoolConnection;
use sqlx::postgres::PgConnectOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sqlx::{PgConnection, PgPool, Postgres, Sqlite, SqliteConnection, SqlitePool};

/// Runs a statement; yields `Result<u64, sqlx::Error>` (rows affected).
#[macro_export]
macro_rules! exec {
    ($ex:expr, $sql:expr $(, $arg:expr)* $(,)?) => {
        match $ex {
            $crate::Ex::Sqlite(c) => sqlx::query($sql)$(.bind($arg))*.execute(&mut *c).await.map(|r| r.rows_affected()),
            $crate::Ex::Postgres(c) => sqlx::query($sql)$(.bind($arg))*.execute(&mut *c).await.map(|r| r.rows_affected()),
        }
    };
}

/// Fetches every row as `$T` (a tuple or a `FromRow` struct); yields `Result<Vec<$T>, sqlx::Error>`.
#[macro_export]
macro_rules! fetch_all {
    ($ex:expr, $T:ty, $sql:expr $(, $arg:expr)* $(,)?) => {
        match $ex {
            $crate::Ex::Sqlite(c) => sqlx::query_as::<_, $T>($sql)$(.bind($arg))*.fetch_all(&mut *c).await,
            $crate::Ex::Postgres(c) => sqlx::query_as::<_, $T>($sql)$(.bind($arg))*.fetch_all(&mut *c).await,
        }
    };
}

/// Fetches exactly one row; yields `Result<$T, sqlx::Error>`.
#[macro_export]
macro_rules! fetch_one {
    ($ex:expr, $T:ty, $sql:expr $(, $arg:expr)* $(,)?) => {
        match $ex {
            $crate::Ex::Sqlite(c) => sqlx::query_as::<_, $T>($sql)$(.bind($arg))*.fetch_one(&mut *c).await,
            $crate::Ex::Postgres(c) => sqlx::query_as::<_, $T>($sql)$(.bind($arg))*.fetch_one(&mut *c).await,
        }
    };
}

/// Fetches at most one row; yields `Result<Option<$T>, sqlx::Error>`.
#[macro_export]
macro_rules! fetch_optional {
    ($ex:expr, $T:ty, $sql:expr $(, $arg:expr)* $(,)?) => {
        match $ex {
            $crate::Ex::Sqlite(c) => sqlx::query_as::<_, $T>($sql)$(.bind($arg))*.fetch_optional(&mut *c).await,
            $crate::Ex::Postgres(c) => sqlx::query_as::<_, $T>($sql)$(.bind($arg))*.fetch_optional(&mut *c).await,
        }
    };
}

/// Runs `$body` on each row as `$T` while the rows stream in (no `Vec` of all of them, no
/// keyset pages re-sorting the set); `$body` is a block over `$row` yielding `Result<()>`; the
/// whole yields `Result<()>` (a `StoreError`).
#[macro_export]
macro_rules! for_each_row {
    ($ex:expr, $T:ty, $sql:expr, |$row:ident| $body:block $(, $arg:expr)* $(,)?) => {{
        use futures_util::TryStreamExt as _;
        let mut each = |$row: $T| -> $crate::Result<()> { $body };
        match $ex {
            $crate::Ex::Sqlite(c) => {
                let mut rows = sqlx::query_as::<_, $T>($sql)$(.bind($arg))*.fetch(&mut *c);
                let mut out: $crate::Result<()> = Ok(());
                while let Some(r) = rows.try_next().await? {
                    out = each(r);
                    if out.is_err() { break; }
                }
                out
            }
            $crate::Ex::Postgres(c) => {
                let mut rows = sqlx::query_as::<_, $T>($sql)$(.bind($arg))*.fetch(&mut *c);
                let mut out: $crate::Result<()> = Ok(());
                while let Some(r) = rows.try_next().await? {
                    out = each(r);
                    if out.is_err() { break; }
                }
                out
            }
        }
    }};
}

pub mod admitted_facets;
pub mod alert_queue;
pub mod audit;
pub mod bulk;
pub mod candidacies;
pub mod classes;
pub mod counters;
pub mod coverage;
pub mod demo;
pub mod dialect;
pub mod export;
pub mod group_commit;
pub mod history;
pub mod ids;
pub mod member_facets;
pub mod members;
pub mod ops;
pub mod orgs;
pub mod people;
pub mod plans;
pub mod rebuild;
pub mod report_texts;
pub mod reports;
pub mod scope;
pub mod setup;
pub mod stamps;
pub mod throttle;
pub mod units;
pub mod users;
pub mod verification;

pub use ids::PubId;
pub use people::Page;
pub use scope::{Field, Role, Scope};

/// Errors of the store. [`StoreError::message_vi`] is what a user reads; `Display` is for logs
/// and never carries personal data.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database failed.
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    /// A migration failed.
    #[error("migration error: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// Nothing with that id in the caller's scope (also: outside the scope).
    #[error("not found: {0}")]
    NotFound(&'static str),
    /// Someone else changed the record since it was read (optimistic version check).
    #[error("conflict: {what} changed (version {expected} expected, {found} found)")]
    Conflict {
        /// What changed.
        what: &'static str,
        /// The version the caller read.
        expected: i64,
        /// The version now stored.
        found: i64,
    },
    /// The domain refused the step: every rule it breaks.
    #[error("refused by {} rule(s)", .0.len())]
    Refused(Vec<ketnap_domain::Violation>),
    /// The caller's role may not do this.
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    /// Bad input, with the Vietnamese message for the user.
    #[error("invalid input: {log}")]
    Invalid {
        /// English, for logs (no personal data).
        log: String,
        /// Vietnamese, for the user.
        message_vi: String,
    },
    /// A stored value that cannot be read back (corrupt row).
    #[error("corrupt stored value: {0}")]
    Corrupt(String),
}

impl StoreError {
    /// What to tell the user, in Vietnamese.
    pub fn message_vi(&self) -> String {
        match self {
            StoreError::Db(_) | StoreError::Migrate(_) | StoreError::Corrupt(_) => {
                "Lỗi cơ sở dữ liệu; thao tác chưa được lưu. Vui lòng thử lại hoặc báo quản trị viên.".into()
            }
            StoreError::NotFound(_) => "Không tìm thấy dữ liệu (hoặc bạn không có quyền xem).".into(),
            StoreError::Conflict { .. } => {
                "Hồ sơ vừa được người khác cập nhật. Vui lòng tải lại trang và thực hiện lại.".into()
            }
            StoreError::Refused(v) => v.iter().map(|v| v.message_vi.as_str()).collect::<Vec<_>>().join(" "),
            StoreError::Forbidden(_) => "Bạn không có quyền thực hiện thao tác này.".into(),
            StoreError::Invalid { message_vi, .. } => message_vi.clone(),
        }
    }

    /// Bad input.
    pub fn invalid(log: impl Into<String>, message_vi: impl Into<String>) -> StoreError {
        StoreError::Invalid {
            log: log.into(),
            message_vi: message_vi.into(),
        }
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> Self {
        StoreError::Corrupt(format!("json: {e}"))
    }
}

/// Result of the store.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Which engine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    /// Embedded SQLite.
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

/// Who writes and when: the clock is passed in, never read deep in the code.
#[derive(Clone, Copy, Debug)]
pub struct WriteCtx {
    /// The acting user (`None` for the system: migrations, demo, import jobs).
    pub actor_id: Option<i64>,
    /// Now, truncated to microseconds (what both engines store exactly).
    pub now: jiff::Timestamp,
    /// A seed from which new public ids are derived (the demo generator); `None` draws random ids.
    pub id_seed: Option<u64>,
    /// The import batch the writes belong to (history brought in from an office's lists), or
    /// `None` for steps recorded in ketnap itself.
    pub import_batch: Option<i64>,
}

impl WriteCtx {
    /// A write by `actor_id` at `now`.
    pub fn new(actor_id: Option<i64>, now: jiff::Timestamp) -> WriteCtx {
        let micros = now.as_microsecond();
        let now = jiff::Timestamp::from_microsecond(micros).unwrap_or(now);
        WriteCtx {
            actor_id,
            now,
            id_seed: None,
            import_batch: None,
        }
    }

    /// The same context marking what it writes as brought in by the import batch `batch`.
    pub fn imported(mut self, batch: i64) -> WriteCtx {
        self.import_batch = Some(batch);
        self
    }

    /// The same context deriving public ids from `seed` (deterministic generated data).
    pub fn with_id_seed(mut self, seed: u64) -> WriteCtx {
        self.id_seed = Some(seed);
        self
    }

    /// A public id for a new row: random, or derived from the seed, the kind of row and its
    /// natural key when the context is seeded (same seed, same ids).
    pub fn pub_id(&self, kind: &str, key: &[i64]) -> PubId {
        match self.id_seed {
            None => PubId::generate(),
            Some(seed) => {
                use sha2::Digest;
                let mut h = sha2::Sha256::new();
                h.update(seed.to_le_bytes());
                h.update(kind.as_bytes());
                for k in key {
                    h.update(k.to_le_bytes());
                }
                let digest = h.finalize();
                let mut first = [0u8; 8];
                first.copy_from_slice(&digest[..8]);
                PubId::from_u64(u64::from_le_bytes(first))
            }
        }
    }

    /// Today in Vietnam (Asia/Ho_Chi_Minh, UTC+7, no daylight saving).
    pub fn today(&self) -> jiff::civil::Date {
        let offset = jiff::tz::Offset::constant(7);
        offset.to_datetime(self.now).date()
    }
}

/// A borrowed connection of either engine: what the query macros take.
pub enum Ex<'a> {
    /// SQLite.
    Sqlite(&'a mut SqliteConnection),
    /// PostgreSQL.
    Postgres(&'a mut PgConnection),
}

impl Ex<'_> {
    /// The same connection for one more statement (the original stays usable after it).
    pub fn reborrow(&mut self) -> Ex<'_> {
        match self {
            Ex::Sqlite(c) => Ex::Sqlite(c),
            Ex::Postgres(c) => Ex::Postgres(c),
        }
    }
}

/// A transaction of either engine.
pub struct Tx {
    inner: TxInner,
    /// The audit chain this transaction appends to, fixed by its first audit row
    /// ([`audit::append_many`]): one chain per transaction, so two transactions never wait on
    /// each other's chains in opposite orders.
    pub(crate) audit_chain: Option<i64>,
    /// A chain's head read ahead on SQLite ([`audit::Head`]).
    pub(crate) audit_head: Option<audit::Head>,
    /// Derived rows the transaction writes when it commits ([`Tx::flush`]).
    pub(crate) pending: Pending,
}

/// Rows derived from a transaction's writes that nothing reads before it commits: its audit rows,
/// its counter deltas and its candidacies' alert rows. Written by [`Tx::flush`] (which
/// [`Tx::commit`] calls) in a few multi-row statements whatever the number of writes (issue 19: a
/// step wrote each of them as it went, 8–10 statements of its 17; a generated district made
/// 162,000 statements for its audit rows alone).
#[derive(Default)]
pub(crate) struct Pending {
    /// Audit rows, in the order appended ([`audit::append_many`]).
    pub(crate) audit: Vec<audit::PendingRow>,
    /// Counter deltas added up by (organisation, period, metric) ([`counters::apply`]).
    pub(crate) counters: std::collections::BTreeMap<(i64, String, String), i64>,
    /// Each candidacy's state as the transaction left it, for its alert rows
    /// ([`alert_queue::write`]): the last write of a candidacy wins.
    pub(crate) alerts: std::collections::BTreeMap<i64, alert_queue::PendingAlerts>,
    /// The rule book the alerts are computed with (the transaction's writes share one).
    pub(crate) book: Option<ketnap_domain::rules::RuleBook>,
    /// Organisations written into besides those the audit rows and counter deltas name (a
    /// member's old cell): their subtree stamps move too ([`stamps`], [`Tx::touch`]).
    pub(crate) touched: std::collections::BTreeSet<i64>,
}

enum TxInner {
    /// SQLite (on the single writer connection, committed in groups).
    Sqlite(group_commit::Member),
    /// PostgreSQL.
    Postgres(sqlx::Transaction<'static, Postgres>),
}

impl Tx {
    fn new(inner: TxInner) -> Tx {
        Tx {
            inner,
            audit_chain: None,
            audit_head: None,
            pending: Pending::default(),
        }
    }

    /// Write the derived rows waiting for the commit (alert rows, counters, audit rows; see
    /// [`Pending`]). [`Tx::commit`] calls it; call it before reading those tables inside the
    /// transaction.
    pub async fn flush(&mut self) -> Result<()> {
        alert_queue::flush(self).await?;
        let touched = stamps::Touched::of(&self.pending);
        self.pending.touched.clear();
        // The counters last (their deltas include the alert rows'): the subtree sums of a
        // province are the rows every writer of it updates, locked on PostgreSQL from their
        // upsert to the commit — which should follow at once.
        if self.engine() == Engine::Postgres {
            // The audit rows, the stamps and a write's few counters in one statement
            // (`audit::flush_postgres`); the writer adds to its audit chain's stripe, the chain
            // it locks first. An import's many counters follow on their own.
            let stripe = audit::chain_for(self).unwrap_or(0);
            let mut tails: Vec<_> = stamps::statement(Engine::Postgres, &touched, None, stripe)
                .into_iter()
                .collect();
            tails.extend(counters::statements(self));
            audit::flush_postgres(self, tails).await?;
            return counters::flush(self, None).await;
        }
        let mut touched = Some(touched);
        audit::flush(self, &mut touched).await?;
        let stamps = touched.and_then(|t| stamps::statement(self.engine(), &t, None, 0));
        counters::flush(self, stamps).await
    }

    /// Say that this transaction changes what views of `org_id`'s subtree show, besides the
    /// organisations its audit rows and counter deltas name (a member moved out of a cell: the
    /// audit row names the cell moved to): its stamps move at the commit ([`stamps`]).
    pub fn touch(&mut self, org_id: i64) {
        self.pending.touched.insert(org_id);
    }

    /// The connection inside, for the query macros.
    pub fn ex(&mut self) -> Ex<'_> {
        match &mut self.inner {
            TxInner::Sqlite(t) => Ex::Sqlite(t.conn()),
            TxInner::Postgres(t) => Ex::Postgres(&mut *t),
        }
    }

    /// Write what is pending ([`Tx::flush`]), then commit.
    pub async fn commit(mut self) -> Result<()> {
        self.flush().await?;
        match self.inner {
            TxInner::Sqlite(t) => t.commit().await?,
            TxInner::Postgres(t) => t.commit().await?,
        }
        Ok(())
    }

    /// The engine.
    pub fn engine(&self) -> Engine {
        match self.inner {
            TxInner::Sqlite(_) => Engine::Sqlite,
            TxInner::Postgres(_) => Engine::Postgres,
        }
    }
}

/// A pooled connection idle for at least this long is pinged before it is handed out.
const PING_AFTER_IDLE: Duration = Duration::from_secs(10);

/// Both engines' pools: a connection is handed out without first pinging the database unless it
/// sat idle for [`PING_AFTER_IDLE`] (sqlx pings on every acquire by default, and again on every
/// release: under load, a round trip per acquire that answers nothing — two or three per page,
/// one per step; issue 19). A connection that broke is still found by the ping on its release
/// or, after a quiet spell, on its next acquire.
fn pool_options<DB: sqlx::Database>() -> sqlx::pool::PoolOptions<DB> {
    sqlx::pool::PoolOptions::<DB>::new()
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for >= PING_AFTER_IDLE {
                    sqlx::Connection::ping(conn).await?;
                }
                Ok(true)
            })
        })
}

/// The PostgreSQL pool's connections: `KETNAP_PG_POOL` (1–256), else 16.
pub fn pg_pool_size() -> u32 {
    std::env::var("KETNAP_PG_POOL")
        .ok()
        .and_then(|v| v.trim().parse::<u32>().ok())
        .filter(|n| (1..=256).contains(n))
        .unwrap_or(16)
}

/// A pooled connection for reads.
pub enum Conn {
    /// SQLite.
    Sqlite(PoolConnection<Sqlite>),
    /// PostgreSQL.
    Postgres(PoolConnection<Postgres>),
}

impl Conn {
    /// The engine.
    pub fn engine(&self) -> Engine {
        match self {
            Conn::Sqlite(_) => Engine::Sqlite,
            Conn::Postgres(_) => Engine::Postgres,
        }
    }

    /// The connection inside, for the query macros.
    pub fn ex(&mut self) -> Ex<'_> {
        match self {
            Conn::Sqlite(c) => Ex::Sqlite(&mut *c),
            Conn::Postgres(c) => Ex::Postgres(&mut *c),
        }
    }
}

/// The store: SQLite (one writer connection, readers beside it in WAL) or PostgreSQL.
#[derive(Clone, Debug)]
pub enum Store {
    /// SQLite.
    Sqlite {
        /// Readers.
        read: SqlitePool,
        /// The single writer.
        write: SqlitePool,
        /// The writer's transactions, committed in groups ([`group_commit`]).
        group: group_commit::Writer,
    },
    /// PostgreSQL.
    Postgres(PgPool),
}

static SQLITE_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

impl Store {
    /// Connect by URL: `sqlite:PATH` / `sqlite://PATH` (created when missing) or `postgres://…`.
    pub async fn connect(url: &str) -> Result<Store> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let opts = PgConnectOptions::from_str(url)?;
            Store::connect_postgres(opts).await
        } else if url.starts_with("sqlite:") {
            let opts = SqliteConnectOptions::from_str(url)?;
            Store::connect_sqlite(opts).await
        } else {
            Err(StoreError::invalid(
                "database url must start with sqlite: or postgres://",
                "Địa chỉ cơ sở dữ liệu phải bắt đầu bằng sqlite: hoặc postgres://",
            ))
        }
    }

    /// SQLite with WAL, foreign keys on, a busy timeout and one writer connection. Commits are
    /// `synchronous=FULL`: an acknowledged decision survives a power cut, not only a killed
    /// process. `KETNAP_SQLITE_SYNCHRONOUS=normal` trades that for speed (WAL stays consistent;
    /// the last commits before a power loss may be lost) — see SECURITY.md and BENCHMARKS.md.
    pub async fn connect_sqlite(opts: SqliteConnectOptions) -> Result<Store> {
        let synchronous = match std::env::var("KETNAP_SQLITE_SYNCHRONOUS")
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase()
            .as_str()
        {
            "normal" => SqliteSynchronous::Normal,
            _ => SqliteSynchronous::Full,
        };
        let opts = opts
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(synchronous)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        // The one writer gets a 64 MB page cache (SQLite's default is 2 MB): an import's inserts
        // into the indexes of a 100,000-row table otherwise read pages back from disk. Its
        // statement journals (kept so a refused multi-row insert undoes only itself) stay in
        // memory instead of a temporary file written page by page.
        let write = pool_options::<sqlx::Sqlite>()
            .max_connections(1)
            .connect_with(
                opts.clone()
                    .pragma("cache_size", "-65536")
                    .pragma("temp_store", "MEMORY"),
            )
            .await?;
        let read = pool_options::<sqlx::Sqlite>()
            .max_connections(4)
            .connect_with(opts.read_only(true))
            .await?;
        let group = group_commit::Writer::new(write.clone());
        Ok(Store::Sqlite { read, write, group })
    }

    /// PostgreSQL: a pool of [`pg_pool_size`] connections.
    pub async fn connect_postgres(opts: PgConnectOptions) -> Result<Store> {
        let pool = pool_options::<sqlx::Postgres>()
            .max_connections(pg_pool_size())
            .connect_with(opts)
            .await?;
        Ok(Store::Postgres(pool))
    }

    /// The engine.
    pub fn engine(&self) -> Engine {
        match self {
            Store::Sqlite { .. } => Engine::Sqlite,
            Store::Postgres(_) => Engine::Postgres,
        }
    }

    /// Apply the embedded migrations (forward only).
    pub async fn migrate(&self) -> Result<()> {
        match self {
            Store::Sqlite { write, .. } => SQLITE_MIGRATOR.run(write).await?,
            Store::Postgres(pool) => POSTGRES_MIGRATOR.run(pool).await?,
        }
        // Steps recorded before version 9 join their chain once (nothing to do afterwards).
        audit::seal_events(self).await?;
        Ok(())
    }

    /// Versions of the embedded migrations (sqlite, postgres).
    pub fn migration_versions() -> (Vec<i64>, Vec<i64>) {
        (
            SQLITE_MIGRATOR.iter().map(|m| m.version).collect(),
            POSTGRES_MIGRATOR.iter().map(|m| m.version).collect(),
        )
    }

    /// Begin a write transaction.
    pub async fn begin(&self) -> Result<Tx> {
        Ok(match self {
            Store::Sqlite { group, .. } => Tx::new(TxInner::Sqlite(group.begin().await?)),
            Store::Postgres(pool) => Tx::new(TxInner::Postgres(pool.begin().await?)),
        })
    }

    /// Give back the memory the SQLite writer's page cache holds (`PRAGMA shrink_memory`): after
    /// a large write (the daily alert pass rewrites every open candidacy's rows; an import) its
    /// cache of up to 64 MB otherwise stays filled while the server only reads. Nothing on
    /// PostgreSQL.
    pub async fn release_memory(&self) -> Result<()> {
        if let Store::Sqlite { write, .. } = self {
            let mut c = write.acquire().await?;
            sqlx::query("PRAGMA shrink_memory").execute(&mut *c).await?;
        }
        Ok(())
    }

    /// A connection for reads.
    pub async fn read(&self) -> Result<Conn> {
        Ok(match self {
            Store::Sqlite { read, .. } => Conn::Sqlite(read.acquire().await?),
            Store::Postgres(pool) => Conn::Postgres(pool.acquire().await?),
        })
    }

    /// Refresh PostgreSQL's planner statistics of ketnap's tables (`ANALYZE`): after a bulk load
    /// (the demo, `ketnap gen`) its planner otherwise judges the tables by their empty state
    /// until autovacuum comes by — a province's dashboard read its latest steps in 366 ms
    /// instead of 0.7 ms. Nothing on SQLite: its queries are written for its planner without
    /// statistics (`sqlite_stat1` turned the same latest steps from ~1 ms to 46–104 ms).
    pub async fn analyze(&self) -> Result<()> {
        match self {
            Store::Sqlite { .. } => {}
            Store::Postgres(pool) => {
                let tables: Vec<(String,)> = sqlx::query_as(
                    "SELECT quote_ident(tablename) FROM pg_tables WHERE schemaname = current_schema()",
                )
                .fetch_all(pool)
                .await?;
                if !tables.is_empty() {
                    let list: Vec<String> = tables.into_iter().map(|(t,)| t).collect();
                    sqlx::query(&format!("ANALYZE {}", list.join(", ")))
                        .execute(pool)
                        .await?;
                }
            }
        }
        Ok(())
    }

    /// Close the pools.
    pub async fn close(&self) {
        match self {
            Store::Sqlite { read, write, .. } => {
                read.close().await;
                write.close().await;
            }
            Store::Postgres(pool) => pool.close().await,
        }
    }
}

/// A civil date for binding.
pub fn d(date: jiff::civil::Date) -> jiff_sqlx::Date {
    jiff_sqlx::ToSqlx::to_sqlx(date)
}

/// An instant for binding.
pub fn ts(t: jiff::Timestamp) -> jiff_sqlx::Timestamp {
    jiff_sqlx::ToSqlx::to_sqlx(t)
}

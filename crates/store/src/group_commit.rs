//! Group commit on SQLite (issue 19, B4): the transactions waiting for the single writer share
//! one database transaction and one sync of the log.
//!
//! With `synchronous=FULL` every commit waits for the disk (`fsync` of the WAL); on the bench
//! machine that was ~40 % of a lifecycle step (723 steps/s with FULL, 1,204 with NORMAL, one
//! writer). Here a [`Member`] is what [`crate::Store::begin`] hands out on SQLite: the first member
//! opens the database transaction (`BEGIN IMMEDIATE`); a member that finds one open (left by
//! members committed before it) works inside its own savepoint. A member's commit releases its
//! savepoint; then, when others are waiting for the writer and the group is not full, it hands
//! the open transaction on and waits for the group's `COMMIT` (its result, shared); otherwise it
//! commits the group itself and tells the members waiting. So no one is told "committed" before
//! the commit is durable, a failed or dropped member takes back only its own writes (`ROLLBACK
//! TO` its savepoint), and the durability of each acknowledged write is that of `FULL`.
//!
//! Failure of the database transaction itself (what SQLite rolls back whole: a full disk, an I/O
//! error) shows as a savepoint that cannot be released or rolled back to, or a `COMMIT` that
//! fails: every member of the group then gets the error (none is told its write landed).
//!
//! A committed member waits at most [`PARK_LIMIT`] for the next member to come; if the waiter it
//! counted on gave up (its request was dropped while queued), it commits the group itself.
//! PostgreSQL is not concerned: its transactions commit side by side.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use sqlx::pool::PoolConnection;
use sqlx::{Sqlite, SqliteConnection, SqlitePool};
use tokio::sync::{Mutex, OwnedMutexGuard, oneshot};

use crate::{Result, StoreError};

/// At most this many members share one commit: a member waits for the ones after it.
pub const MAX_GROUP: usize = 32;

/// How long a committed member waits for the member it counted on before committing itself.
pub const PARK_LIMIT: Duration = Duration::from_millis(20);

/// The group's outcome as each member is told it (an error's text: errors are not `Clone`).
type Outcome = std::result::Result<(), String>;

/// The writer: its pool (one connection), the open group, and how many wait to begin.
#[derive(Clone, Debug)]
pub struct Writer {
    pool: SqlitePool,
    state: Arc<Mutex<State>>,
    waiting: Arc<AtomicUsize>,
}

/// The open database transaction, between members.
#[derive(Debug, Default)]
struct State {
    open: Option<Open>,
}

/// An open database transaction and the members committed in it, waiting for its `COMMIT`.
#[derive(Debug)]
struct Open {
    conn: PoolConnection<Sqlite>,
    parked: Vec<oneshot::Sender<Outcome>>,
    /// The next member's savepoint is open already: a member in a savepoint that hands the
    /// group on releases its own and opens the next in one call (issue 19, B4: one round trip
    /// to the writer fewer per member). An empty savepoint no one comes for is committed with
    /// the group (`COMMIT` ends every savepoint).
    next_savepoint: bool,
}

/// One transaction handed out by [`Writer::begin`]: the writer held, the group's transaction
/// open. `savepoint` is false for the group's first member (its rollback is the group's).
#[derive(Debug)]
pub(crate) struct Member {
    guard: Option<OwnedMutexGuard<State>>,
    open: Option<Open>,
    savepoint: bool,
    waiting: Arc<AtomicUsize>,
    state: Arc<Mutex<State>>,
}

/// Counts a task waiting for the writer while it waits (also when its wait is dropped).
struct Waiting<'a>(&'a AtomicUsize);

impl<'a> Waiting<'a> {
    fn enter(n: &'a AtomicUsize) -> Waiting<'a> {
        n.fetch_add(1, Ordering::AcqRel);
        Waiting(n)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

fn failed(why: String) -> StoreError {
    StoreError::Db(sqlx::Error::Protocol(format!("group commit: {why}")))
}

async fn run(conn: &mut SqliteConnection, sql: &str) -> std::result::Result<(), sqlx::Error> {
    sqlx::query(sql).execute(conn).await.map(|_| ())
}

/// Commit the group and tell its parked members the outcome.
async fn commit_group(mut open: Open) -> Outcome {
    let outcome = match run(&mut open.conn, "COMMIT").await {
        Ok(()) => Ok(()),
        Err(e) => {
            let _ = run(&mut open.conn, "ROLLBACK").await;
            Err(e.to_string())
        }
    };
    for p in open.parked.drain(..) {
        let _ = p.send(outcome.clone());
    }
    outcome
}

/// The group rolled back as a whole, every parked member told why.
async fn fail(mut open: Open, why: &str) {
    let _ = run(&mut open.conn, "ROLLBACK").await;
    for p in open.parked.drain(..) {
        let _ = p.send(Err(why.to_string()));
    }
}

impl Writer {
    pub(crate) fn new(pool: SqlitePool) -> Writer {
        Writer {
            pool,
            state: Arc::new(Mutex::new(State::default())),
            waiting: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// Wait for the writer, then join the open group or open one. The work after the wait runs
    /// on its own task: a caller dropped meanwhile (a request given up) cannot leave the group
    /// half-joined; the member it would have got is dropped, which rolls it back.
    pub(crate) async fn begin(&self) -> Result<Member> {
        let writer = self.clone();
        tokio::spawn(async move { writer.join().await })
            .await
            .map_err(|e| failed(e.to_string()))?
    }

    async fn join(&self) -> Result<Member> {
        let mut guard = {
            let _w = Waiting::enter(&self.waiting);
            Arc::clone(&self.state).lock_owned().await
        };
        let (open, savepoint) = match guard.open.take() {
            Some(mut open) if open.next_savepoint => {
                open.next_savepoint = false;
                (open, true)
            }
            Some(mut open) => {
                if let Err(e) = run(&mut open.conn, "SAVEPOINT member").await {
                    let why = e.to_string();
                    fail(open, &why).await;
                    return Err(e.into());
                }
                (open, true)
            }
            None => {
                let mut conn = self.pool.acquire().await?;
                run(&mut conn, "BEGIN IMMEDIATE").await?;
                (
                    Open {
                        conn,
                        parked: Vec::new(),
                        next_savepoint: false,
                    },
                    false,
                )
            }
        };
        Ok(Member {
            guard: Some(guard),
            open: Some(open),
            savepoint,
            waiting: Arc::clone(&self.waiting),
            state: Arc::clone(&self.state),
        })
    }
}

impl Member {
    /// The connection, inside the member's transaction.
    pub(crate) fn conn(&mut self) -> &mut SqliteConnection {
        match self.open.as_mut() {
            Some(open) => &mut open.conn,
            // `open` is only taken by `commit` (which consumes the member) and `drop`.
            None => unreachable!("a member's transaction is open until it commits or drops"),
        }
    }

    /// Commit: release the savepoint, then hand the group on and wait for its commit, or commit
    /// it now (no one waiting, or the group full). On its own task, like [`Writer::begin`]: a
    /// caller dropped while it commits leaves the group whole.
    pub(crate) async fn commit(self) -> Result<()> {
        tokio::spawn(self.finish_member())
            .await
            .map_err(|e| failed(e.to_string()))?
    }

    async fn finish_member(mut self) -> Result<()> {
        let (Some(mut guard), Some(mut open)) = (self.guard.take(), self.open.take()) else {
            return Err(failed("member already finished".into()));
        };
        let hand_on = self.waiting.load(Ordering::Acquire) > 0 && open.parked.len() + 1 < MAX_GROUP;
        if self.savepoint {
            let sql = if hand_on {
                "RELEASE member; SAVEPOINT member"
            } else {
                "RELEASE member"
            };
            if let Err(e) = run(&mut open.conn, sql).await {
                let why = e.to_string();
                fail(open, &why).await;
                return Err(e.into());
            }
            open.next_savepoint = hand_on;
        }
        if !hand_on {
            let outcome = commit_group(open).await;
            drop(guard);
            return outcome.map_err(failed);
        }
        let (tx, mut rx) = oneshot::channel();
        open.parked.push(tx);
        guard.open = Some(open);
        drop(guard);
        loop {
            match tokio::time::timeout(PARK_LIMIT, &mut rx).await {
                Ok(Ok(outcome)) => return outcome.map_err(failed),
                Ok(Err(_)) => return Err(failed("the group ended without a word".into())),
                Err(_) => {
                    // No member came in time (the one counted on may have given up): commit the
                    // open group ourselves (it holds our writes unless it was committed since).
                    let mut guard = Arc::clone(&self.state).lock_owned().await;
                    if let Some(open) = guard.open.take() {
                        let _ = commit_group(open).await;
                    }
                    drop(guard);
                }
            }
        }
    }
}

impl Drop for Member {
    /// Dropped without a commit (an error, a refused step): the member's writes are taken back;
    /// the group goes on (handed to a waiting member, or committed for those parked in it).
    fn drop(&mut self) {
        let (Some(mut guard), Some(mut open)) = (self.guard.take(), self.open.take()) else {
            return;
        };
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            // No runtime to roll back on: the connection is closed instead (SQLite rolls an
            // open transaction back when its connection closes); parked members are told by
            // their dropped senders.
            open.conn.close_on_drop();
            return;
        };
        let savepoint = self.savepoint;
        let waiting = Arc::clone(&self.waiting);
        let undo = async move {
            if savepoint {
                if let Err(e) = run(&mut open.conn, "ROLLBACK TO member; RELEASE member").await {
                    fail(open, &e.to_string()).await;
                    return;
                }
                if waiting.load(Ordering::Acquire) > 0 {
                    guard.open = Some(open);
                } else {
                    let _ = commit_group(open).await;
                }
            } else {
                // The first member: nothing else is in the group yet (no one parked to tell).
                fail(open, "rolled back").await;
            }
            drop(guard);
        };
        runtime.spawn(undo);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};

    async fn writer() -> (Writer, SqlitePool) {
        let path = std::env::temp_dir().join(format!(
            "ketnap_group_{}_{:016x}.db",
            std::process::id(),
            rand::random::<u64>()
        ));
        let opts = SqliteConnectOptions::new()
            .filename(&path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal);
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(opts.clone())
            .await
            .unwrap();
        sqlx::query("CREATE TABLE t (k INTEGER PRIMARY KEY)")
            .execute(&pool)
            .await
            .unwrap();
        let read = SqlitePoolOptions::new()
            .max_connections(2)
            .connect_with(opts)
            .await
            .unwrap();
        (Writer::new(pool), read)
    }

    async fn put(m: &mut Member, k: i64) -> std::result::Result<(), sqlx::Error> {
        sqlx::query("INSERT INTO t (k) VALUES ($1)")
            .bind(k)
            .execute(m.conn())
            .await
            .map(|_| ())
    }

    async fn keys(read: &SqlitePool) -> Vec<i64> {
        sqlx::query_as::<_, (i64,)>("SELECT k FROM t ORDER BY k")
            .fetch_all(read)
            .await
            .unwrap()
            .into_iter()
            .map(|(k,)| k)
            .collect()
    }

    /// A member committed while another waits joins the group and is told only when the group
    /// commits; the one counted on may give up: the parked member then commits itself.
    #[tokio::test]
    async fn a_parked_member_commits_itself_when_no_one_comes() {
        let (w, read) = writer().await;
        let mut a = w.begin().await.unwrap();
        put(&mut a, 1).await.unwrap();
        // Someone counted as waiting who never takes the writer.
        let ghost = Waiting::enter(&w.waiting);
        let started = std::time::Instant::now();
        a.commit().await.unwrap();
        assert!(started.elapsed() >= PARK_LIMIT, "it waited for the group");
        drop(ghost);
        assert_eq!(keys(&read).await, vec![1]);
        // The writer is free again.
        let mut b = w.begin().await.unwrap();
        put(&mut b, 2).await.unwrap();
        b.commit().await.unwrap();
        assert_eq!(keys(&read).await, vec![1, 2]);
    }

    /// Members after the first work in savepoints: a failed or dropped one takes back only its
    /// own writes, and the parked members' writes are committed by the group.
    #[tokio::test]
    async fn a_dropped_member_takes_back_only_its_own_writes() {
        let (w, read) = writer().await;
        let w2 = w.clone();
        let mut a = w.begin().await.unwrap();
        put(&mut a, 1).await.unwrap();
        // B waits for the writer while A commits: A parks, B joins its group.
        let b = tokio::spawn(async move {
            let mut b = w2.begin().await.unwrap();
            put(&mut b, 2).await.unwrap();
            // A duplicate key: B's step fails and B is dropped without committing.
            assert!(put(&mut b, 1).await.is_err());
            drop(b);
        });
        while w.waiting.load(Ordering::Acquire) == 0 {
            tokio::task::yield_now().await;
        }
        a.commit().await.unwrap();
        b.await.unwrap();
        assert_eq!(keys(&read).await, vec![1], "A's row committed, none of B's");
        // A first member dropped: its whole transaction is rolled back.
        let mut c = w.begin().await.unwrap();
        put(&mut c, 3).await.unwrap();
        drop(c);
        let mut d = w.begin().await.unwrap();
        put(&mut d, 4).await.unwrap();
        d.commit().await.unwrap();
        assert_eq!(keys(&read).await, vec![1, 4]);
    }

    /// A member in a savepoint that hands the group on opens the next member's savepoint with
    /// the release of its own: the next member's failure takes back only its own writes, and a
    /// savepoint opened for a member that never comes is committed empty with the group.
    #[tokio::test]
    async fn a_savepoint_opened_ahead_serves_the_next_member_or_no_one() {
        let (w, read) = writer().await;
        let mut a = w.begin().await.unwrap();
        put(&mut a, 1).await.unwrap();
        // B waits while A commits (A parks); C waits while B commits (B, in a savepoint,
        // opens C's); C fails and is dropped.
        let (wb, wc) = (w.clone(), w.clone());
        let b = tokio::spawn(async move {
            let mut b = wb.begin().await.unwrap();
            assert!(b.savepoint);
            put(&mut b, 2).await.unwrap();
            let c = tokio::spawn(async move {
                let mut c = wc.begin().await.unwrap();
                assert!(c.savepoint);
                put(&mut c, 3).await.unwrap();
                assert!(put(&mut c, 2).await.is_err());
                drop(c);
            });
            while b.waiting.load(Ordering::Acquire) == 0 {
                tokio::task::yield_now().await;
            }
            b.commit().await.unwrap();
            c.await.unwrap();
        });
        while w.waiting.load(Ordering::Acquire) == 0 {
            tokio::task::yield_now().await;
        }
        a.commit().await.unwrap();
        b.await.unwrap();
        assert_eq!(keys(&read).await, vec![1, 2], "C's row taken back alone");
        // A savepoint member commits while someone is counted waiting who never comes: the
        // savepoint it opened ahead is committed with the group, its row with it.
        let mut d = w.begin().await.unwrap();
        put(&mut d, 4).await.unwrap();
        let we = w.clone();
        let e = tokio::spawn(async move {
            let mut e = we.begin().await.unwrap();
            assert!(e.savepoint);
            put(&mut e, 5).await.unwrap();
            let waiting = Arc::clone(&e.waiting);
            let ghost = Waiting::enter(&waiting);
            e.commit().await.unwrap();
            drop(ghost);
        });
        while w.waiting.load(Ordering::Acquire) == 0 {
            tokio::task::yield_now().await;
        }
        d.commit().await.unwrap();
        e.await.unwrap();
        assert_eq!(keys(&read).await, vec![1, 2, 4, 5]);
        let mut f = w.begin().await.unwrap();
        put(&mut f, 6).await.unwrap();
        f.commit().await.unwrap();
        assert_eq!(keys(&read).await, vec![1, 2, 4, 5, 6]);
    }

    /// A caller dropped while it waits for the writer (a request given up) does not strand the
    /// group: the member it would have got is rolled back and the group committed.
    #[tokio::test]
    async fn a_begin_given_up_while_waiting_leaves_the_group_whole() {
        let (w, read) = writer().await;
        let mut a = w.begin().await.unwrap();
        put(&mut a, 1).await.unwrap();
        let w2 = w.clone();
        let given_up = tokio::spawn(async move {
            // Waits behind A, then is dropped before it gets the writer.
            let _ = tokio::time::timeout(Duration::from_millis(5), w2.begin()).await;
        });
        while w.waiting.load(Ordering::Acquire) == 0 {
            tokio::task::yield_now().await;
        }
        a.commit().await.unwrap();
        given_up.await.unwrap();
        let mut b = w.begin().await.unwrap();
        put(&mut b, 2).await.unwrap();
        b.commit().await.unwrap();
        assert_eq!(keys(&read).await, vec![1, 2]);
    }

    /// Many writers at once: every commit that returned Ok is there, every dropped member's row
    /// is not.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_members_land_exactly_what_they_committed() {
        let (w, read) = writer().await;
        let mut tasks = Vec::new();
        for t in 0..8i64 {
            let w = w.clone();
            tasks.push(tokio::spawn(async move {
                let mut kept = Vec::new();
                for i in 0..40i64 {
                    let k = t * 1000 + i;
                    let mut m = w.begin().await.unwrap();
                    put(&mut m, k).await.unwrap();
                    if i % 3 == 0 {
                        drop(m);
                    } else {
                        m.commit().await.unwrap();
                        kept.push(k);
                    }
                }
                kept
            }));
        }
        let mut expected = Vec::new();
        for t in tasks {
            expected.extend(t.await.unwrap());
        }
        expected.sort_unstable();
        // A dropped last member's rollback runs on a spawned task: wait for the writer.
        let m = w.begin().await.unwrap();
        m.commit().await.unwrap();
        assert_eq!(keys(&read).await, expected);
    }
}

//! B4 (`bench/run.sh`): lifecycle steps per second through the full write path, side by side
//! with a bare write of the same rows.
//!
//! `ketnap-steps --db URL [--duration S] [--tasks N] [--bare] [--pause-ms P]`. Every candidacy standing in a
//! stage where a mentor may be assigned, with two official members of its cell, is shared out
//! among N tasks (16 by default, each its own candidacies: no two tasks write one candidacy);
//! each task records "Phân công đảng viên giúp đỡ" (assign another mentor) on its candidacies in
//! turn, one transaction per step, through `candidacies::execute` — the rules judged, the event
//! and its chain, the projection, the counters and their subtree sums, the alert rows, the audit
//! chain — for S seconds (10 by default). `--bare` writes instead what any system writes for a
//! step: the event row (a copy of the candidacy's last, numbered next) and the projection's
//! version, one transaction per step, no rules, counters, alerts or audit.
//!
//! `--pause-ms P`: each task waits P ms after each step — a steady write load of about
//! N × 1000 ÷ P steps a second, run beside the views to measure them while their subtree is
//! being written (their kept values then computed again).
//!
//! Prints one line of JSON: `{"steps": n, "seconds": s, "per_second": r, "p50_ms": …, "p99_ms": …}`.
//! Run it on a copy of the data: it writes steps.

mod args;
use args::arg;

use std::sync::Arc;
use std::time::{Duration, Instant};

use ketnap_domain::lifecycle::{Action, Command, MemberFacts};
use ketnap_domain::rules::RuleBook;
use ketnap_store::{Scope, Store, WriteCtx, candidacies, exec, fetch_all};

/// One candidacy a task writes: its ids, version and the two mentors it alternates.
struct Target {
    candidacy_id: i64,
    pub_id: String,
    version: i64,
    mentors: [String; 2],
}

/// The server's allocator (`crates/cli`): the bench writes and reads as the server does.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let db = arg("--db").ok_or("--db URL")?;
    let seconds: u64 = arg("--duration").map_or(Ok(10), |s| s.parse())?;
    let tasks: usize = arg("--tasks").map_or(Ok(16), |s| s.parse())?;
    let bare = std::env::args().any(|a| a == "--bare");
    let pause: u64 = arg("--pause-ms").map_or(Ok(0), |s| s.parse())?;
    // RUST_LOG=sqlx::query=debug shows each statement a step runs.
    if std::env::var_os("RUST_LOG").is_some() {
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_writer(std::io::stderr)
            .init();
    }
    let store = Store::connect(&db).await?;
    let book = Arc::new(RuleBook::spec_default());
    let today = jiff::tz::Offset::constant(7)
        .to_datetime(jiff::Timestamp::now())
        .date();

    // The candidacies a mentor may be assigned to, with two official members of their cell.
    let mut conn = store.read().await?;
    let rows: Vec<(i64, String, i64, String, String)> = fetch_all!(
        conn.ex(),
        (i64, String, i64, String, String),
        "SELECT c.candidacy_id, c.pub_id, c.version, \
           (SELECT MIN(m.pub_id) FROM member m WHERE m.cell_id = c.cell_id AND m.status = 'official'), \
           (SELECT MAX(m.pub_id) FROM member m WHERE m.cell_id = c.cell_id AND m.status = 'official') \
         FROM candidacy c WHERE c.stage IN ('sympathizer', 'course', 'dossier') \
         AND (SELECT COUNT(*) FROM member m WHERE m.cell_id = c.cell_id AND m.status = 'official') >= 2 \
         ORDER BY c.candidacy_id"
    )?;
    drop(conn);
    if rows.len() < tasks {
        return Err(format!(
            "{} candidacies to write, fewer than {tasks} tasks",
            rows.len()
        )
        .into());
    }
    let mut shares: Vec<Vec<Target>> = (0..tasks).map(|_| Vec::new()).collect();
    for (i, (candidacy_id, pub_id, version, a, b)) in rows.into_iter().enumerate() {
        shares[i % tasks].push(Target {
            candidacy_id,
            pub_id,
            version,
            mentors: [a, b],
        });
    }

    let until = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut handles = Vec::new();
    for mut share in shares {
        let store = store.clone();
        let book = Arc::clone(&book);
        handles.push(tokio::spawn(async move {
            let mut latencies: Vec<Duration> = Vec::new();
            let mut turn = 0usize;
            while Instant::now() < until {
                if pause > 0 && turn > 0 {
                    tokio::time::sleep(Duration::from_millis(pause)).await;
                }
                let n = share.len();
                let t = &mut share[turn % n];
                let mentor = t.mentors[(turn / n) % 2].clone();
                turn += 1;
                let at = Instant::now();
                let mut tx = store.begin().await?;
                if bare {
                    exec!(
                        tx.ex(),
                        "INSERT INTO candidacy_event (candidacy_id, seq, cell_id, on_date, kind, stage, \
                           payload, rules_version, actor_id, recorded_at) \
                         SELECT e.candidacy_id, e.seq + 1, e.cell_id, e.on_date, e.kind, e.stage, e.payload, \
                           e.rules_version, e.actor_id, e.recorded_at FROM candidacy_event e \
                         WHERE e.candidacy_id = $1 AND e.seq = (SELECT MAX(seq) FROM candidacy_event \
                           WHERE candidacy_id = $1)",
                        t.candidacy_id
                    )?;
                    exec!(
                        tx.ex(),
                        "UPDATE candidacy SET version = version + 1 WHERE candidacy_id = $1",
                        t.candidacy_id
                    )?;
                } else {
                    let ctx = WriteCtx::new(None, jiff::Timestamp::now());
                    let command = Command {
                        on: today,
                        action: Action::AssignMentor {
                            mentor: MemberFacts {
                                member_id: mentor,
                                official: true,
                                same_cell: true,
                                same_grassroots: true,
                            },
                        },
                    };
                    candidacies::execute(
                        &mut tx,
                        &ctx,
                        &book,
                        &Scope::system(),
                        &t.pub_id,
                        t.version,
                        command,
                    )
                    .await?;
                }
                tx.commit().await?;
                t.version += 1;
                latencies.push(at.elapsed());
            }
            Ok::<_, ketnap_store::StoreError>(latencies)
        }));
    }
    let mut all: Vec<Duration> = Vec::new();
    for h in handles {
        all.extend(h.await??);
    }
    let secs = started.elapsed().as_secs_f64();
    all.sort();
    let pick = |q: f64| {
        all.get(((all.len() as f64 - 1.0) * q).round() as usize)
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    println!(
        "{}",
        serde_json::json!({
            "steps": all.len(),
            "seconds": secs,
            "per_second": all.len() as f64 / secs,
            "p50_ms": pick(0.5),
            "p99_ms": pick(0.99),
        })
    );
    Ok(())
}

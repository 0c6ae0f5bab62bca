//! Benchmark (not a timed test): a 100,000-row roster XLSX imported by the release binary into a
//! fresh database, on SQLite and on PostgreSQL. Target (issue 14): ≤ 10 s and ≤ 300 MB peak RSS
//! for the import itself.
//!
//! ```text
//! cargo bench -p ketnap --bench import_roster                 # SQLite, and PostgreSQL when
//!                                                             # KETNAP_BENCH_PG (or KETNAP_TEST_PG) is set
//! KETNAP_BENCH_PG=$(bash scripts/postgres.sh) cargo bench -p ketnap --bench import_roster
//! KETNAP_BENCH_ROWS=20000 cargo bench -p ketnap --bench import_roster   # a smaller file
//! KETNAP_BENCH_FILES=/tmp/files cargo bench -p ketnap --bench import_roster # keep the two files
//! ```
//!
//! What it does: writes an organisation tree (100 communes × 20 hamlet cells, one unit each) and a
//! roster of `KETNAP_BENCH_ROWS` members (default 100,000; ~50 per cell, every column an office's
//! list has: name, birth date, gender, ethnicity, religion, ID number, cell, status, admission and
//! official dates, card number, a key post for some) with rust_xlsxwriter; then, per engine, on an
//! empty database: `ketnap init`, `ketnap import orgs.xlsx --kind orgs`, and measured:
//! `ketnap import roster.xlsx --kind members --dry-run` (the preview) and
//! `ketnap import roster.xlsx --kind members` (the commit). Each measured run is one child
//! process: wall time from spawn to exit, peak RSS from the kernel's high-water mark (`VmHWM`). It checks that the
//! roster count equals the file and prints one Markdown table row per run for BENCHMARKS.md.
//! It exits 1 when a run misses the target, so a regression is visible, but nothing runs it
//! under a time limit in CI.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use sqlx::Connection;

#[path = "../tests/support/sheet.rs"]
mod sheet;
use sheet::xlsx;

const COMMUNES: usize = 100;
const CELLS_PER_COMMUNE: usize = 20;
const TARGET_SECONDS: f64 = 10.0;
const TARGET_MB: f64 = 300.0;

fn cell_code(c: usize, k: usize) -> String {
    format!("CB-{c:03}-{k:02}")
}

fn orgs_file(path: &Path) {
    let headers = [
        "Mã tổ chức",
        "Tên tổ chức",
        "Loại",
        "Lĩnh vực",
        "Mã tổ chức cấp trên",
        "Mã chi bộ phụ trách",
    ];
    let mut rows = Vec::new();
    for c in 0..COMMUNES {
        rows.push(vec![
            format!("DU-{c:03}"),
            format!("Đảng bộ xã Số {}", c + 1),
            "Đảng ủy xã".into(),
            String::new(),
            "HU".into(),
            String::new(),
        ]);
        for k in 0..CELLS_PER_COMMUNE {
            rows.push(vec![
                cell_code(c, k),
                format!("Chi bộ thôn {} xã Số {}", k + 1, c + 1),
                "Chi bộ".into(),
                "Thôn, tổ dân phố".into(),
                format!("DU-{c:03}"),
                String::new(),
            ]);
            rows.push(vec![
                String::new(),
                format!("Thôn {}", k + 1),
                "Thôn".into(),
                String::new(),
                format!("DU-{c:03}"),
                cell_code(c, k),
            ]);
        }
    }
    xlsx(path, &headers, rows);
}

/// Some province codes of the personal identification number (Thông tư 59/2021/TT-BCA).
const PROVINCES: [u16; 8] = [1, 22, 26, 38, 46, 64, 79, 92];

const FAMILY: [&str; 10] = [
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng",
];
const MIDDLE: [&str; 6] = ["Văn", "Thị", "Minh", "Hữu", "Thu", "Quốc"];
const GIVEN: [&str; 12] = [
    "An", "Bình", "Cường", "Dung", "Đức", "Hà", "Hùng", "Lan", "Mai", "Nam", "Phúc", "Yến",
];

fn roster_file(path: &Path, total: usize) {
    let headers = [
        "STT",
        "Họ và tên",
        "Ngày sinh",
        "Giới tính",
        "Dân tộc",
        "Tôn giáo",
        "Số định danh cá nhân",
        "Mã chi bộ",
        "Loại đảng viên",
        "Ngày vào Đảng",
        "Ngày chính thức",
        "Số thẻ đảng viên",
        "Thôn, tổ dân phố",
        "Chức vụ ở thôn, tổ dân phố",
    ];
    let cells = COMMUNES * CELLS_PER_COMMUNE;
    let rows = (0..total).map(move |i| {
        let year = 1945 + (i % 55) as i16;
        let (month, day) = (1 + i % 12, 1 + i % 28);
        let admitted_year = year + 22 + (i % 20) as i16;
        let admitted_year = admitted_year.min(2024);
        let cell = i % cells;
        let female = i % 3 == 1;
        let name = format!(
            "{} {} {}",
            FAMILY[i % FAMILY.len()],
            if female {
                "Thị"
            } else {
                MIDDLE[(i / 7) % MIDDLE.len()]
            },
            GIVEN[(i / 3) % GIVEN.len()]
        );
        // The first cell member of each cell heads its hamlet.
        let post = if i < cells { "Trưởng thôn" } else { "" };
        vec![
            (i + 1).to_string(),
            name,
            format!("{day:02}/{month:02}/{year}"),
            if female { "Nữ" } else { "Nam" }.to_string(),
            if i % 17 == 0 { "Tày" } else { "Kinh" }.to_string(),
            if i % 23 == 0 {
                "Phật giáo"
            } else {
                "Không"
            }
            .to_string(),
            // A well-formed number: province code, century and gender digit, birth year, serial.
            format!(
                "{:03}{}{:02}{:06}",
                PROVINCES[i % PROVINCES.len()],
                u8::from(female),
                year % 100,
                i
            ),
            cell_code(cell / CELLS_PER_COMMUNE, cell % CELLS_PER_COMMUNE),
            "Chính thức".to_string(),
            format!("{day:02}/{month:02}/{admitted_year}"),
            format!("{day:02}/{month:02}/{}", admitted_year + 1),
            format!("{:08}", 10_000_000 + i),
            format!("Thôn {}", cell % CELLS_PER_COMMUNE + 1),
            post.to_string(),
        ]
    });
    xlsx(path, &headers, rows);
}

/// Run the binary to completion; panics with its output when it fails.
fn ketnap(db: &str, args: &[&str]) {
    let out = Command::new(env!("CARGO_BIN_EXE_ketnap"))
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("KETNAP_RULES")
        .env("RUST_LOG", "warn")
        .output()
        .expect("the binary runs");
    assert!(
        out.status.success(),
        "ketnap {args:?} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

struct Run {
    seconds: f64,
    peak_mb: f64,
}

/// The child's peak resident set size so far (`VmHWM`, a high-water mark kept by the kernel), MB.
fn high_water_mb(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// One measured child process: wall time from spawn to exit, and its peak RSS: the kernel's
/// high-water mark (`VmHWM` in /proc), read every 5 ms while it runs. The mark only rises, so the
/// last reading before exit is the peak unless the process grows in its final 5 ms.
fn measured(db: &str, args: &[&str], log: &Path) -> Run {
    let out = std::fs::File::create(log).unwrap();
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_ketnap"))
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("KETNAP_RULES")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::from(out))
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the binary runs");
    let mut peak_mb: f64 = 0.0;
    let status = loop {
        if let Some(mb) = high_water_mb(child.id()) {
            peak_mb = peak_mb.max(mb);
        }
        if let Some(status) = child.try_wait().expect("waiting for ketnap") {
            break status;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    };
    let seconds = started.elapsed().as_secs_f64();
    assert!(
        status.success(),
        "ketnap {args:?} failed ({status}):\n{}",
        std::fs::read_to_string(log)
            .unwrap_or_default()
            .lines()
            .take(40)
            .collect::<Vec<_>>()
            .join("\n")
    );
    Run { seconds, peak_mb }
}

/// A fresh PostgreSQL database next to the one `url` names; returns its URL.
fn fresh_pg(rt: &tokio::runtime::Runtime, url: &str) -> String {
    let name = "ketnap_bench_import";
    rt.block_on(async {
        let mut conn = sqlx::PgConnection::connect(url).await.expect("PostgreSQL");
        sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&mut conn)
            .await
            .unwrap();
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .await
            .unwrap();
    });
    let (base, query) = url.split_once('?').map_or((url, ""), |(b, q)| (b, q));
    let base = base.rsplit_once('/').map_or(base, |(b, _)| b);
    if query.is_empty() {
        format!("{base}/{name}")
    } else {
        format!("{base}/{name}?{query}")
    }
}

fn count_members(rt: &tokio::runtime::Runtime, db: &str) -> i64 {
    rt.block_on(async {
        let q = "SELECT COUNT(*) FROM member";
        if db.starts_with("sqlite:") {
            let mut c = sqlx::SqliteConnection::connect(db).await.unwrap();
            sqlx::query_scalar::<_, i64>(q)
                .fetch_one(&mut c)
                .await
                .unwrap()
        } else {
            let mut c = sqlx::PgConnection::connect(db).await.unwrap();
            sqlx::query_scalar::<_, i64>(q)
                .fetch_one(&mut c)
                .await
                .unwrap()
        }
    })
}

fn main() {
    // `cargo bench` passes --bench; a filter argument other than ours means "not this one".
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args
        .iter()
        .any(|a| !a.starts_with('-') && !"import_roster".contains(a.as_str()))
    {
        return;
    }
    let rows: usize = std::env::var("KETNAP_BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir().unwrap();
    // KETNAP_BENCH_FILES=<folder>: keep a copy of the two files there (to profile by hand).
    let keep = std::env::var_os("KETNAP_BENCH_FILES").map(std::path::PathBuf::from);
    let orgs = dir.path().join("to-chuc.xlsx");
    let roster = dir.path().join("dang-vien.xlsx");
    let t = Instant::now();
    orgs_file(&orgs);
    roster_file(&roster, rows);
    if let Some(keep) = &keep {
        std::fs::create_dir_all(keep).unwrap();
        std::fs::copy(&orgs, keep.join("to-chuc.xlsx")).unwrap();
        std::fs::copy(&roster, keep.join("dang-vien.xlsx")).unwrap();
    }
    let size_mb = std::fs::metadata(&roster).unwrap().len() as f64 / 1e6;
    println!(
        "# roster: {rows} rows, {size_mb:.1} MB XLSX, written in {:.1} s; tree: 1 district, {COMMUNES} communes, {} cells",
        t.elapsed().as_secs_f64(),
        COMMUNES * CELLS_PER_COMMUNE
    );

    let rt = tokio::runtime::Runtime::new().unwrap();
    let mut engines = vec![(
        "SQLite".to_string(),
        format!("sqlite:{}", dir.path().join("bench.db").display()),
    )];
    let pg = ["KETNAP_BENCH_PG", "KETNAP_TEST_PG"]
        .into_iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()));
    match pg {
        Some(url) => engines.push(("PostgreSQL".to_string(), fresh_pg(&rt, &url))),
        None => println!("# PostgreSQL: skipped (set KETNAP_BENCH_PG or KETNAP_TEST_PG)"),
    }

    let roster_path = roster.to_str().unwrap();
    let mut missed = false;
    println!("| engine | run | rows | wall time | peak RSS | target |");
    println!("|---|---|---:|---:|---:|---|");
    for (engine, db) in &engines {
        ketnap(
            db,
            &[
                "init",
                "--root-kind",
                "Huyện ủy",
                "--root-code",
                "HU",
                "--root-name",
                "Đảng bộ huyện Đo Lường",
                "--admin",
                "quantri",
                "--admin-name",
                "Quản trị viên",
                "--password",
                "mat-khau-dai",
            ],
        );
        ketnap(db, &["import", orgs.to_str().unwrap(), "--kind", "orgs"]);
        for (label, extra) in [
            ("preview (--dry-run)", &["--dry-run"][..]),
            ("import", &[][..]),
        ] {
            let mut args = vec!["import", roster_path, "--kind", "members"];
            args.extend_from_slice(extra);
            let run = measured(db, &args, &dir.path().join("run.log"));
            let ok = run.seconds <= TARGET_SECONDS && run.peak_mb <= TARGET_MB;
            missed |= !ok;
            println!(
                "| {engine} | {label} | {rows} | {:.2} s | {:.0} MB | {} |",
                run.seconds,
                run.peak_mb,
                if ok { "met" } else { "MISSED" }
            );
        }
        let landed = count_members(&rt, db);
        assert_eq!(landed, rows as i64, "{engine}: the roster count");
    }
    if missed {
        println!("# a run missed ≤ {TARGET_SECONDS} s / ≤ {TARGET_MB} MB");
        std::process::exit(1);
    }
}

//! The binary end to end on temporary SQLite files: demo, rebuild, audit verify, backup, restore.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::{Command, Output};

use sqlx::Connection;

fn ketnap(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ketnap"))
        .arg("--db")
        .arg(format!("sqlite:{}", db.display()))
        .args(args)
        .env_remove("KETNAP_DB")
        .env_remove("KETNAP_RULES")
        .output()
        .expect("the binary runs")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn demo(db: &Path) {
    let out = ketnap(
        db,
        &[
            "demo",
            "--scale",
            "0.05",
            "--seed",
            "11",
            "--today",
            "2026-11-23",
            "--password",
            "thu-nghiem",
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("Hồ sơ phát triển đảng viên: 60"),
        "{}",
        text(&out)
    );
}

#[test]
fn a_small_demo_rebuilds_without_difference_and_its_audit_chain_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    demo(&db);
    let out = ketnap(&db, &["rebuild"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("No differences"), "{}", text(&out));
    let out = ketnap(&db, &["audit", "verify"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("The audit chain and every recorded step verify"),
        "{}",
        text(&out)
    );

    let again = ketnap(&db, &["demo", "--scale", "0.05"]);
    assert!(!again.status.success());
    let msg = text(&again);
    assert!(
        msg.contains("Cơ sở dữ liệu đã có dữ liệu") && msg.contains("The database is not empty"),
        "{msg}"
    );
}

#[test]
fn migrate_creates_the_file_and_an_empty_database_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("new.db");
    let out = ketnap(&db, &["migrate"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(db.exists());
    let out = ketnap(&db, &["audit", "verify"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("audit rows checked: 0"),
        "{}",
        text(&out)
    );
}

#[test]
fn a_backup_restores_into_a_new_file_and_replaces_an_existing_one_only_with_force() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("live.db");
    demo(&db);
    let backup = dir.path().join("backup.db");
    let out = ketnap(&db, &["backup", backup.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(backup.exists());
    let out = ketnap(&db, &["backup", backup.to_str().unwrap()]);
    assert!(
        !out.status.success(),
        "an existing backup is never overwritten"
    );

    let restored = dir.path().join("restored.db");
    let out = ketnap(&restored, &["restore", backup.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("integrity_check: ok"), "{}", text(&out));
    let out = ketnap(&restored, &["audit", "verify"]);
    assert!(out.status.success(), "{}", text(&out));
    let out = ketnap(&restored, &["rebuild"]);
    assert!(out.status.success(), "{}", text(&out));
    let live = ketnap(&db, &["audit", "verify"]);
    let first_line = |o: &Output| text(o).lines().next().unwrap_or("").to_string();
    assert_eq!(
        first_line(&live),
        first_line(&ketnap(&restored, &["audit", "verify"])),
        "the copy holds every audit row"
    );

    let out = ketnap(&db, &["restore", backup.to_str().unwrap()]);
    assert!(
        !out.status.success(),
        "an existing database is not replaced"
    );
    assert!(text(&out).contains("--force"), "{}", text(&out));
    let out = ketnap(&db, &["restore", backup.to_str().unwrap(), "--force"]);
    assert!(out.status.success(), "{}", text(&out));
    let out = ketnap(&db, &["audit", "verify"]);
    assert!(out.status.success(), "{}", text(&out));
}

#[test]
fn a_damaged_backup_is_refused_and_the_target_is_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, b"this is not a database").unwrap();
    let target = dir.path().join("target.db");
    let out = ketnap(&target, &["restore", junk.to_str().unwrap()]);
    assert!(!out.status.success(), "{}", text(&out));
    assert!(!target.exists());
}

#[tokio::test]
async fn tampering_with_one_audit_row_makes_verify_fail_and_name_that_row() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tampered.db");
    demo(&db);
    {
        let mut c = sqlx::SqliteConnection::connect(&format!("sqlite:{}", db.display()))
            .await
            .unwrap();
        sqlx::query("UPDATE audit SET detail = '{\"edited\":true}' WHERE seq = 25")
            .execute(&mut c)
            .await
            .unwrap();
        c.close().await.unwrap();
    }
    let out = ketnap(&db, &["audit", "verify"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let msg = text(&out);
    // The rows of the other chains verify; the tampered row's chain breaks at it.
    assert!(msg.contains("audit rows checked: "), "{msg}");
    assert!(msg.contains("broken at row 25"), "{msg}");

    // A backup of a tampered database is refused on restore.
    let backup = dir.path().join("tampered-backup.db");
    assert!(
        ketnap(&db, &["backup", backup.to_str().unwrap()])
            .status
            .success()
    );
    let target = dir.path().join("from-tampered.db");
    let out = ketnap(&target, &["restore", backup.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("row 25"), "{}", text(&out));
    assert!(!target.exists());
}

#[test]
fn backup_of_a_postgresql_database_points_to_pg_dump_and_fails() {
    let Ok(url) = std::env::var("KETNAP_TEST_PG") else {
        eprintln!("KETNAP_TEST_PG not set: skipped");
        return;
    };
    let out = Command::new(env!("CARGO_BIN_EXE_ketnap"))
        .args(["--db", &url, "backup", "/tmp/never-written.db"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).contains("pg_dump"), "{}", text(&out));
    assert!(!Path::new("/tmp/never-written.db").exists());
    let out = Command::new(env!("CARGO_BIN_EXE_ketnap"))
        .args(["--db", &url, "restore", "/tmp/whatever.db"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(text(&out).contains("pg_restore"), "{}", text(&out));
}

async fn root_code(db: &Path) -> String {
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite:{}", db.display()))
        .await
        .unwrap();
    let (code,): (String,) =
        sqlx::query_as("SELECT code FROM org WHERE parent_id IS NULL ORDER BY org_id LIMIT 1")
            .fetch_one(&mut conn)
            .await
            .unwrap();
    code
}

#[tokio::test]
async fn report_writes_the_same_admissions_as_xlsx_csv_and_json() {
    use calamine::{Data, Reader, Xlsx};
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    demo(&db);
    let org = root_code(&db).await;
    let common = [
        "report",
        "--org",
        &org,
        "--period",
        "2026",
        "--today",
        "2026-11-23",
    ];
    let json = ketnap(&db, &[&common[..], &["--format", "json"]].concat());
    assert!(json.status.success(), "{}", text(&json));
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let admitted = v["periodic"]["current"]["flows"]["admissions"]
        .as_i64()
        .unwrap();
    assert!(admitted > 0, "the demo admits people in 2026");
    let csv = ketnap(&db, &[&common[..], &["--format", "csv"]].concat());
    assert!(csv.status.success(), "{}", text(&csv));
    let csv = String::from_utf8(csv.stdout).unwrap();
    let flows = &csv[csv.find("II. Biến động").unwrap()..];
    assert!(
        flows
            .lines()
            .any(|l| l.starts_with(&format!("Kết nạp đảng viên,{admitted},"))),
        "{csv}"
    );
    let file = dir.path().join("bc.xlsx");
    let out = ketnap(
        &db,
        &[
            &common[..],
            &["--format", "xlsx", "--out", file.to_str().unwrap()],
        ]
        .concat(),
    );
    assert!(out.status.success(), "{}", text(&out));
    let mut book: Xlsx<_> = calamine::open_workbook(&file).unwrap();
    let sheet = book.worksheet_range("Báo cáo").unwrap();
    let rows: Vec<Vec<Data>> = sheet.rows().map(|r| r.to_vec()).collect();
    let flows = rows
        .iter()
        .position(|r| matches!(&r[0], Data::String(s) if s.starts_with("II.")))
        .unwrap();
    let row = rows[flows..]
        .iter()
        .find(|r| matches!(&r[0], Data::String(s) if s == "Kết nạp đảng viên"))
        .unwrap();
    assert_eq!(row[1], Data::Float(admitted as f64));
    // Refusals: an unknown organisation, a bad period, xlsx without a file.
    let out = ketnap(&db, &["report", "--org", "KHONG-CO", "--period", "2026"]);
    assert!(!out.status.success());
    let out = ketnap(&db, &["report", "--org", &org, "--period", "2026-Q9"]);
    assert!(!out.status.success());
    assert!(text(&out).contains("Kỳ"), "{}", text(&out));
    let out = ketnap(&db, &["report", "--org", &org, "--period", "2026"]);
    assert!(!out.status.success());
    assert!(text(&out).contains("--out"), "{}", text(&out));
}

/// Issue 18, point 2: `ketnap user totp` turns the second factor on for administrators and
/// organisation staff only, printing the secret and its otpauth address once (never stored in the
/// audit), and `--off` turns it off.
#[test]
fn the_second_factor_is_turned_on_for_staff_only_and_off_again() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("totp.db");
    demo(&db);
    let out = ketnap(&db, &["user", "totp", "lanhdao"]);
    assert!(!out.status.success());
    assert!(text(&out).contains("chỉ bật cho tài khoản quản trị và cán bộ tổ chức"));
    let out = ketnap(&db, &["user", "totp", "tochuc"]);
    assert!(out.status.success(), "{}", text(&out));
    let printed = String::from_utf8_lossy(&out.stdout).to_string();
    let secret = printed
        .lines()
        .find(|l| {
            l.len() == 32
                && l.chars()
                    .all(|c| c.is_ascii_uppercase() || ('2'..='7').contains(&c))
        })
        .expect("the base32 secret")
        .to_string();
    assert!(printed.contains(&format!(
        "otpauth://totp/ketnap:tochuc?secret={secret}&issuer=ketnap"
    )));
    let dump = std::fs::read(&db).unwrap();
    let audit_has_it = String::from_utf8_lossy(&dump).matches(&secret).count();
    assert!(
        audit_has_it <= 1,
        "the secret is stored once (the account), not in the audit"
    );
    let out = ketnap(&db, &["user", "totp", "tochuc", "--off"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("Đã tắt mã xác thực"));
}

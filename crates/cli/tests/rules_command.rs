//! `ketnap rules`: the active set with citations, versions by date, a deployment's overrides.

use std::process::Command;

fn ketnap(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_ketnap"))
        .args(args)
        .env_remove("KETNAP_RULES")
        .output()
        .expect("ketnap runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn rules_prints_every_rule_of_the_newest_version_with_its_citation() {
    let (ok, out, _) = ketnap(&["rules"]);
    assert!(ok);
    assert!(
        out.starts_with("# Bộ quy tắc: QĐ 294-QĐ/TW — hiệu lực từ 01/07/2025"),
        "{out}"
    );
    let cert = out
        .lines()
        .find(|l| l.starts_with("cert.validity "))
        .unwrap();
    assert!(
        cert.contains("60 tháng") && cert.contains("06-HD/TW"),
        "{cert}"
    );
    let issuer = out.lines().find(|l| l.starts_with("cert.issuer ")).unwrap();
    assert!(
        issuer.contains("[U]") && issuer.contains("chưa xác nhận"),
        "{issuer}"
    );
    assert_eq!(
        out.lines().filter(|l| !l.starts_with('#')).count(),
        ketnap_domain::RuleSet::IDS.len()
    );
}

#[test]
fn rules_on_a_date_prints_the_version_then_in_force() {
    let (ok, out, _) = ketnap(&["rules", "--on", "2025-03-01"]);
    assert!(ok);
    assert!(out.starts_with("# Bộ quy tắc: QĐ 232-QĐ/TW"), "{out}");
}

#[test]
fn rules_reads_a_deployments_override_file_and_refuses_a_bad_one() {
    let dir = std::env::temp_dir().join(format!("ketnap-rules-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = dir.join("good.toml");
    std::fs::write(&good, "[[version]]\nname = \"HD tỉnh\"\neffective_from = \"2026-01-01\"\n[version.values]\n\"cert.validity\" = 48\n").unwrap();
    let (ok, out, _) = ketnap(&["--rules", good.to_str().unwrap(), "rules"]);
    assert!(ok);
    assert!(out.starts_with("# Bộ quy tắc: HD tỉnh"), "{out}");
    assert!(
        out.lines()
            .any(|l| l.starts_with("cert.validity ") && l.contains("48 tháng"))
    );
    let bad = dir.join("bad.toml");
    std::fs::write(
        &bad,
        "[[version]]\neffective_from = \"2026-01-01\"\n[version.values]\n\"cert.valid\" = 48\n",
    )
    .unwrap();
    let (ok, _, err) = ketnap(&["--rules", bad.to_str().unwrap(), "rules"]);
    assert!(!ok);
    assert!(err.contains("unknown rule id `cert.valid`"), "{err}");
}

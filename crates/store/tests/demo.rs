//! The demo generator: a small district reaches every stage through the real write path, rebuilds
//! clean, verifies, and the same seed gives the same data on either engine.
#![allow(clippy::unwrap_used)]

use crate::common;

use std::collections::BTreeSet;

use jiff::civil::{Date, date};
use ketnap_domain::RuleBook;
use ketnap_domain::alerts::{AlertKind, AlertStatus};
use ketnap_domain::lifecycle::Stage;
use ketnap_store::demo::{self, DemoSize};
use ketnap_store::{Role, Scope, Store, StoreError, audit, candidacies, fetch_all, rebuild, users};

const TODAY: Date = date(2026, 11, 23);

use common::accounts;

async fn small(store: &Store, seed: u64) -> demo::DemoReport {
    demo::generate(
        store,
        &RuleBook::spec_default(),
        DemoSize::scaled(0.05),
        seed,
        TODAY,
        &accounts(),
    )
    .await
    .unwrap()
}

/// Every row that matters, as text, in a stable order, public ids included: the demo's write
/// context derives every new id from its seed.
async fn dump(store: &Store) -> Vec<String> {
    let b = |col: &str| format!("CASE WHEN {col} THEN 'y' ELSE 'n' END");
    let t = |col: &str| format!("COALESCE(CAST({col} AS TEXT), '-')");
    let queries = [
        format!(
            "SELECT 'org|' || o.code || '|' || o.pub_id || '|' || o.name || '|' || o.kind || '|' || {} || '|' || \
             o.competent_authority || '|' || {} || {} || '|' || {} FROM org o \
             LEFT JOIN org p ON p.org_id = o.parent_id ORDER BY o.code",
            t("p.code"),
            b("o.youth_union_exists"),
            b("o.trade_union_instead"),
            t("o.education_exception")
        ),
        format!(
            "SELECT 'unit|' || u.pub_id || '|' || u.name || '|' || u.kind || '|' || {} FROM residential_unit u \
             LEFT JOIN org c ON c.org_id = u.cell_id ORDER BY u.pub_id",
            t("c.code")
        ),
        "SELECT 'mass|' || pub_id || '|' || name || '|' || kind FROM mass_org ORDER BY pub_id".to_string(),
        format!(
            "SELECT 'person|' || p.pub_id || '|' || p.full_name || '|' || p.search_text || '|' || {} || '|' || \
             p.gender || p.ethnicity || p.religion || p.education || p.qualification || p.theory_level || \
             p.source_category || {} || {} || '|' || {} FROM person p \
             LEFT JOIN residential_unit u ON u.residential_unit_id = p.residential_unit_id ORDER BY p.pub_id",
            t("p.birth_date"),
            b("p.youth_union_member"),
            b("p.trade_union_member"),
            t("u.pub_id")
        ),
        format!(
            "SELECT 'member|' || CASE WHEN m.candidacy_id IS NULL THEN m.pub_id ELSE 'from-candidacy' END || '|' || \
             p.pub_id || '|' || o.code || '|' || m.status || '|' || {} || {} || {} || {} FROM member m \
             JOIN person p ON p.person_id = m.person_id JOIN org o ON o.org_id = m.cell_id \
             ORDER BY p.pub_id, m.member_id",
            t("m.admitted_on"),
            t("m.official_on"),
            t("m.party_age_from"),
            t("m.left_on")
        ),
        format!(
            "SELECT 'candidacy|' || p.pub_id || '|' || o.code || '|' || c.stage || '|' || CAST(c.version AS TEXT) || '|' || \
             {} || {} || '|' || c.source_category || '|' || c.context || '|' || {} || '|' || {} || '|' || c.state \
             FROM candidacy c JOIN person p ON p.person_id = c.person_id JOIN org o ON o.org_id = c.cell_id \
             LEFT JOIN member mm ON mm.member_id = c.mentor_member_id \
             LEFT JOIN mass_org mo ON mo.mass_org_id = c.proposed_by ORDER BY p.pub_id",
            t("c.opened_on"),
            t("c.last_on"),
            t("mm.pub_id"),
            t("mo.pub_id")
        ),
        format!(
            "SELECT 'event|' || p.pub_id || '|' || CAST(e.seq AS TEXT) || '|' || o.code || '|' || {} || '|' || \
             e.kind || '|' || e.stage || '|' || e.rules_version || '|' || e.payload FROM candidacy_event e \
             JOIN candidacy c ON c.candidacy_id = e.candidacy_id JOIN person p ON p.person_id = c.person_id \
             JOIN org o ON o.org_id = e.cell_id ORDER BY p.pub_id, e.seq",
            t("e.on_date")
        ),
        format!(
            "SELECT 'note|' || p.pub_id || '|' || CAST(n.year AS TEXT) || '-' || CAST(n.month AS TEXT) || '|' || {} || \
             '|' || n.content FROM mentor_note n JOIN candidacy c ON c.candidacy_id = n.candidacy_id \
             JOIN person p ON p.person_id = c.person_id ORDER BY p.pub_id, n.year, n.month",
            t("n.written_on")
        ),
        format!(
            "SELECT 'intro|' || mo.pub_id || '|' || p.pub_id || '|' || o.code || '|' || {} || '|' || \
             CASE WHEN i.candidacy_id IS NULL THEN 'open' ELSE 'listed' END FROM introduction i \
             JOIN mass_org mo ON mo.mass_org_id = i.mass_org_id JOIN person p ON p.person_id = i.person_id \
             JOIN org o ON o.org_id = i.cell_id ORDER BY p.pub_id, mo.pub_id",
            t("i.introduced_on")
        ),
        "SELECT 'plan|' || o.code || '|' || p.period || '|' || p.body FROM plan p JOIN org o ON o.org_id = p.org_id \
         ORDER BY o.code, p.period"
            .to_string(),
        "SELECT 'counter|' || o.code || '|' || c.period || '|' || c.metric || '|' || CAST(c.value AS TEXT) FROM counter c \
         JOIN org o ON o.org_id = c.org_id ORDER BY o.code, c.period, c.metric"
            .to_string(),
        "SELECT 'snapshot|' || o.code || '|' || CAST(s.year AS TEXT) || '|' || CAST(s.official AS TEXT) || '|' || \
         CAST(s.probationary AS TEXT) FROM membership_snapshot s JOIN org o ON o.org_id = s.org_id \
         ORDER BY o.code, s.year"
            .to_string(),
        format!(
            "SELECT 'user|' || u.username || '|' || u.pub_id || '|' || u.display_name || '|' || u.password_hash || '|' || \
             {} || '|' || us.role || '|' || o.code FROM app_user u JOIN user_scope us ON us.user_id = u.user_id \
             JOIN org o ON o.org_id = us.org_id LEFT JOIN member m ON m.member_id = u.member_id \
             ORDER BY u.username, us.role, o.code",
            t("m.pub_id")
        ),
        "SELECT 'audit|' || CAST(seq AS TEXT) || '|' || action || '|' || object_kind || '|' || object_id FROM audit ORDER BY seq"
            .to_string(),
        "SELECT 'ids|' || pub_id FROM candidacy UNION ALL SELECT 'ids|' || pub_id FROM member \
         UNION ALL SELECT 'ids|' || pub_id FROM mentor_note UNION ALL SELECT 'ids|' || pub_id FROM introduction ORDER BY 1"
            .to_string(),
    ];
    let mut out = Vec::new();
    let mut c = store.read().await.unwrap();
    for q in &queries {
        let rows: Vec<(String,)> = fetch_all!(c.ex(), (String,), q.as_str()).unwrap();
        out.extend(rows.into_iter().map(|(r,)| r));
    }
    out
}

#[tokio::test]
async fn a_small_demo_reaches_every_stage_and_terminal_state_rebuilds_clean_and_verifies() {
    let book = RuleBook::spec_default();
    for store in common::stores().await {
        let report = small(&store, 7).await;
        let stages: BTreeSet<Stage> = report.by_stage.keys().copied().collect();
        for s in Stage::ALL {
            assert!(
                stages.contains(&s),
                "{}: no candidacy at {s:?}; {report}",
                common::name(&store)
            );
        }
        assert_eq!(report.candidacies(), 60);
        assert!(report.grassroots >= 6 && report.partials >= 3, "{report}");
        assert!(report.official > 250 && report.probationary > 0, "{report}");
        assert!(report.mentor_notes > 0 && report.introductions > 0);

        let rebuilt = rebuild::rebuild(&store, &book).await.unwrap();
        assert!(rebuilt.is_clean(), "{rebuilt:?}");
        assert_eq!(rebuilt.candidacies, 60);
        let verified = audit::verify(&store).await.unwrap();
        assert!(verified.ok(), "{verified:?}");
        assert_eq!(verified.rows, report.audit_rows);

        // Something overdue for every kind of deadline the demo promises.
        let mut c = store.read().await.unwrap();
        let alerts = candidacies::alerts_in_scope(&mut c, &Scope::system(), &book, TODAY, 10_000)
            .await
            .unwrap();
        let overdue: BTreeSet<&'static str> = alerts
            .iter()
            .filter(|a| a.alert.status == AlertStatus::Overdue)
            .map(|a| match a.alert.kind {
                AlertKind::CeremonyWindow => "ceremony",
                AlertKind::RecognitionWindow => "recognition",
                AlertKind::DecisionWindow => "decision",
                AlertKind::VerificationStalled { .. } => "verification",
                AlertKind::MentorNoteMissing { .. } => "mentor_note",
                _ => "other",
            })
            .collect();
        for kind in [
            "ceremony",
            "recognition",
            "decision",
            "verification",
            "mentor_note",
        ] {
            assert!(
                overdue.contains(kind),
                "{}: no overdue {kind}: {overdue:?}",
                common::name(&store)
            );
        }
        assert!(
            alerts
                .iter()
                .any(|a| a.alert.kind == AlertKind::CertificateExpiring),
            "an expiring certificate"
        );

        // One account per role, each with its scopes.
        let roles: BTreeSet<&str> = report.accounts.iter().map(|a| a.role.code()).collect();
        assert_eq!(roles.len(), Role::ALL.len(), "{:?}", report.accounts);
        let phutrach = users::by_username(&mut c, "phutrach")
            .await
            .unwrap()
            .unwrap();
        // Three cells in charge, and one more role: mentor in one of them (the role switch's
        // demo user), as a member of the roster.
        let scopes = users::scopes_of(&mut c, phutrach.user_id).await.unwrap();
        let held = |role: Role| scopes.iter().filter(|s| s.0 == role).count();
        assert_eq!(held(Role::CommitteeMemberInCharge), 3, "{scopes:?}");
        assert_eq!(held(Role::Mentor), 1, "{scopes:?}");
        assert!(phutrach.member_id.is_some(), "a mentor is a member");
        let mentor = users::by_username(&mut c, "giupdo").await.unwrap().unwrap();
        assert!(mentor.member_id.is_some(), "the mentor account is a member");
        assert_eq!(mentor.password_hash, accounts().password_hash);
        drop(c);

        let again = demo::generate(&store, &book, DemoSize::scaled(0.05), 7, TODAY, &accounts())
            .await
            .unwrap_err();
        assert!(
            matches!(again, StoreError::Invalid { .. }),
            "a non-empty database is refused: {again:?}"
        );
        assert!(again.message_vi().contains("đã có dữ liệu"));
    }
}

#[tokio::test]
async fn the_same_seed_gives_the_same_district_on_either_engine_and_another_seed_another() {
    let first = common::sqlite().await;
    let second = common::sqlite().await;
    let other = common::sqlite().await;
    let a = small(&first, 42).await;
    let b = small(&second, 42).await;
    let c = small(&other, 43).await;
    assert_eq!(a, b);
    let (da, db) = (dump(&first).await, dump(&second).await);
    assert!(da.len() > 2000, "{}", da.len());
    assert_eq!(da.len(), db.len());
    for (x, y) in da.iter().zip(&db) {
        assert_eq!(x, y);
    }
    let dc = dump(&other).await;
    let names = |d: &[String]| -> Vec<String> {
        d.iter()
            .filter(|r| r.starts_with("person|"))
            .map(|r| r.split('|').nth(2).unwrap_or("").to_string())
            .collect()
    };
    assert_ne!(names(&da), names(&dc), "another seed draws other people");
    assert_ne!(a, c);
    if let Some(pg) = common::postgres().await {
        let p = small(&pg, 42).await;
        assert_eq!(p, a, "the same report on PostgreSQL");
        let dp = dump(&pg).await;
        assert_eq!(dp.len(), da.len());
        for (x, y) in da.iter().zip(&dp) {
            assert_eq!(x, y, "the same rows on PostgreSQL");
        }
    }
}

//! The membership composition from counters (`member_facet`, issue 19) equals the composition
//! counted member by member ([`reports::membership_composition`]) for every organisation, on the
//! report's date and on the same day a year earlier (members who joined or left in between taken
//! out or put back), and the roster counts from the same counters are the members counted,
//! after the demo's members, a member leaving, one becoming official, a member moving, a person's
//! details edited, a cell moving to another commune and two cells merged; `ketnap rebuild`
//! agrees (also with the rows the migration fills) and finds an edited counter. The admitted's
//! composition from counters (`crate::admitted_facets`, migration 22) equals the decisions counted
//! one by one ([`reports::admitted_composition_scanned`]) over the same days, through the same
//! writes and an admission annulled. Both engines.
#![allow(clippy::unwrap_used)]

use crate::common;

use jiff::civil::{Date, date};
use ketnap_domain::RuleBook;
use ketnap_domain::plan::Period;
use ketnap_store::demo::{self, DemoSize, DemoUsers};
use ketnap_store::members::MemberStatus;
use ketnap_store::{Scope, Store, fetch_all, members, orgs, people, reports};

const TODAY: Date = date(2026, 11, 23);

/// Every organisation's report membership (this year's and last year's, from the counters)
/// against the scan, for a year, a quarter and a month.
async fn check(store: &Store, when: &str) {
    let mut conn = store.read().await.unwrap();
    let orgs: Vec<(i64,)> =
        fetch_all!(conn.ex(), (i64,), "SELECT org_id FROM org ORDER BY org_id").unwrap();
    let scope = Scope::system();
    let mut seen = 0;
    let mut admitted_seen = 0;
    for (org,) in &orgs {
        for period in [
            Period::Year(2026),
            Period::Year(2025),
            Period::Quarter { year: 2026, q: 1 },
            Period::Month {
                year: 2026,
                month: 2,
            },
        ] {
            let report = reports::periodic(&mut conn, &scope, *org, &period, TODAY)
                .await
                .unwrap();
            let scanned =
                reports::membership_composition(&mut conn, &scope, *org, report.current.through)
                    .await
                    .unwrap();
            assert_eq!(
                report.current.membership,
                scanned,
                "{} {when}: org {org} {period:?}",
                common::name(store)
            );
            seen += scanned.total();
            let admitted = reports::admitted_composition_scanned(
                &mut conn,
                &scope,
                *org,
                report.current.from,
                report.current.through,
            )
            .await
            .unwrap();
            assert_eq!(
                report.current.admitted,
                admitted,
                "{} {when}: org {org} {period:?} admitted",
                common::name(store)
            );
            admitted_seen += admitted.total();
            if let Some(prev) = &report.year_earlier {
                let admitted = reports::admitted_composition_scanned(
                    &mut conn,
                    &scope,
                    *org,
                    prev.from,
                    prev.through,
                )
                .await
                .unwrap();
                assert_eq!(
                    prev.admitted,
                    admitted,
                    "{} {when}: org {org} {period:?} admitted a year earlier",
                    common::name(store)
                );
                let scanned =
                    reports::membership_composition(&mut conn, &scope, *org, prev.through)
                        .await
                        .unwrap();
                assert_eq!(
                    prev.membership,
                    scanned,
                    "{} {when}: org {org} {period:?} a year earlier",
                    common::name(store)
                );
            }
        }
    }
    assert!(seen > 1000, "{seen}");
    assert!(admitted_seen > 10, "{admitted_seen}");
    // The roster counts from the same counters are the members counted.
    for (org,) in &orgs {
        let counts = members::counts(&mut conn, &scope, *org).await.unwrap();
        let (official, probationary): (i64, i64) = ketnap_store::fetch_one!(
            conn.ex(),
            (i64, i64),
            "SELECT CAST(COALESCE(SUM(CASE WHEN m.status = 'official' THEN 1 ELSE 0 END), 0) AS BIGINT), \
               CAST(COALESCE(SUM(CASE WHEN m.status = 'probationary' THEN 1 ELSE 0 END), 0) AS BIGINT) \
             FROM org_closure oc JOIN member m ON m.cell_id = oc.descendant_id \
             WHERE oc.ancestor_id = $1 AND m.left_on IS NULL",
            *org
        )
        .unwrap();
        assert_eq!(
            (counts.official, counts.probationary),
            (official, probationary),
            "{} {when}: roster counts of org {org}",
            common::name(store)
        );
    }
}

#[tokio::test]
async fn the_membership_from_counters_is_the_membership_counted_member_by_member() {
    for store in common::stores().await {
        demo::generate(
            &store,
            &RuleBook::spec_default(),
            DemoSize::scaled(0.05),
            7,
            TODAY,
            &DemoUsers {
                password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".to_string(),
            },
        )
        .await
        .unwrap();
        check(&store, "after the demo").await;

        let mut conn = store.read().await.unwrap();
        // Members admitted in 2026 (they count on 31/12/2026, not a year earlier) and cells.
        let active: Vec<(i64, i64, i64)> = fetch_all!(
            conn.ex(),
            (i64, i64, i64),
            "SELECT member_id, person_id, cell_id FROM member \
             WHERE status IN ('official', 'probationary') AND left_on IS NULL \
             ORDER BY admitted_on DESC, member_id"
        )
        .unwrap();
        let cells: Vec<(i64, i64)> = fetch_all!(
            conn.ex(),
            (i64, i64),
            "SELECT o.org_id, o.parent_id FROM org o JOIN org p ON p.org_id = o.parent_id \
             WHERE o.kind LIKE 'cell:%' AND p.kind = 'grassroots:commune' AND o.closed_on IS NULL \
             ORDER BY o.org_id"
        )
        .unwrap();
        drop(conn);
        let ctx = common::ctx(None);

        // One member leaves (dated this year: counted a year earlier, not now), another moves
        // to a cell of another commune, a third's details change (born ten years earlier, a
        // woman, a trade-union member).
        let (leaver, _, _) = active[0];
        let (mover, _, from_cell) = active[1];
        let (_, edited, _) = active[2];
        let probationary: Vec<(i64,)> = {
            let mut conn = store.read().await.unwrap();
            fetch_all!(
                conn.ex(),
                (i64,),
                "SELECT member_id FROM member WHERE status = 'probationary' AND left_on IS NULL \
                 ORDER BY member_id"
            )
            .unwrap()
        };
        let to_cell = cells
            .iter()
            .find(|c| c.0 != from_cell)
            .map(|c| c.0)
            .unwrap();
        let mut tx = store.begin().await.unwrap();
        members::set_status(
            &mut tx,
            &ctx,
            leaver,
            MemberStatus::TransferredOut,
            date(2026, 3, 2),
        )
        .await
        .unwrap();
        members::move_to_cell(&mut tx, &ctx, mover, to_cell, date(2026, 4, 1))
            .await
            .unwrap();
        let mut p = people::load(tx.ex(), edited).await.unwrap();
        p.birth_date = ketnap_domain::person::BirthDate::try_from(
            p.birth_date
                .date()
                .checked_sub(jiff::Span::new().years(10))
                .unwrap(),
        )
        .unwrap();
        p.gender = ketnap_domain::person::Gender::Female;
        p.trade_union_member = !p.trade_union_member;
        people::update(&mut tx, &ctx, &Scope::system(), edited, &p, None)
            .await
            .unwrap();
        // …and a probationary member becomes official.
        members::set_status(
            &mut tx,
            &ctx,
            probationary[0].0,
            MemberStatus::Official,
            date(2026, 5, 4),
        )
        .await
        .unwrap();
        // …and an admission annulled.
        let admitted: Vec<(String, i64)> = fetch_all!(
            tx.ex(),
            (String, i64),
            "SELECT pub_id, version FROM candidacy WHERE stage = 'probationary' ORDER BY candidacy_id"
        )
        .unwrap();
        ketnap_store::candidacies::execute(
            &mut tx,
            &ctx,
            &RuleBook::spec_default(),
            &Scope::system(),
            &admitted[0].0,
            admitted[0].1,
            ketnap_domain::lifecycle::Command {
                on: TODAY,
                action: ketnap_domain::lifecycle::Action::Annul {
                    decision_no: "77-QĐ/HU".into(),
                    reason: "Kết nạp không đúng quy trình".into(),
                    target: ketnap_domain::lifecycle::AnnulTarget::Admission,
                },
            },
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        check(&store, "after a leave, a move, an edit and an annulment").await;

        // A cell moves to another commune; two cells of one commune merge.
        let (cell, parent) = cells[0];
        let other = cells.iter().find(|c| c.1 != parent).unwrap().1;
        let mut tx = store.begin().await.unwrap();
        orgs::move_subtree(&mut tx, &ctx, cell, other, TODAY, "Điều chỉnh địa giới")
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let twins: Vec<i64> = cells
            .iter()
            .filter(|c| c.1 == cells[1].1 && c.0 != cell)
            .map(|c| c.0)
            .collect();
        assert!(twins.len() >= 2, "{twins:?}");
        let mut tx = store.begin().await.unwrap();
        orgs::merge(&mut tx, &ctx, twins[0], twins[1], TODAY, "Hợp nhất chi bộ")
            .await
            .unwrap();
        tx.commit().await.unwrap();
        check(&store, "after a move and a merge").await;

        // `ketnap rebuild` agrees, and finds a counter edited behind the store's back.
        let report = ketnap_store::rebuild::rebuild(&store, &RuleBook::spec_default())
            .await
            .unwrap();
        assert!(report.is_clean(), "{report:?}");
        // The migration's fill (an existing database's members) gives the same rows.
        let engine = match store.engine() {
            ketnap_store::Engine::Sqlite => "sqlite",
            ketnap_store::Engine::Postgres => "postgres",
        };
        let migration = std::fs::read_to_string(format!(
            "{}/migrations/{engine}/0015_member_facet.sql",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        let status = std::fs::read_to_string(format!(
            "{}/migrations/{engine}/0017_member_status_facet.sql",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        let months = std::fs::read_to_string(format!(
            "{}/migrations/{engine}/0020_birth_month.sql",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        let fill = |m: &str| {
            let at = m.find("INSERT INTO member_facet").unwrap();
            m[at..at + m[at..].find(';').unwrap()].to_string()
        };
        common::refill(
            &store,
            "0022_admitted_facets.sql",
            "INSERT INTO",
            &[
                "DELETE FROM counter WHERE period LIKE 'adm:%'",
                "DELETE FROM counter_sum WHERE period LIKE 'adm:%'",
            ],
        )
        .await;
        let mut tx = store.begin().await.unwrap();
        ketnap_store::exec!(tx.ex(), "DELETE FROM member_facet").unwrap();
        ketnap_store::exec!(tx.ex(), &fill(&migration)).unwrap();
        ketnap_store::exec!(tx.ex(), &fill(&status)).unwrap();
        ketnap_store::exec!(tx.ex(), &fill(&months)).unwrap();
        tx.commit().await.unwrap();
        let report = ketnap_store::rebuild::rebuild(&store, &RuleBook::spec_default())
            .await
            .unwrap();
        assert!(report.is_clean(), "the migration's fill: {report:?}");
        let mut tx = store.begin().await.unwrap();
        ketnap_store::exec!(
            tx.ex(),
            "UPDATE member_facet SET n = n + 1 WHERE org_id = $1 AND facet = 'gender'",
            parent
        )
        .unwrap();
        tx.commit().await.unwrap();
        let report = ketnap_store::rebuild::rebuild(&store, &RuleBook::spec_default())
            .await
            .unwrap();
        assert!(!report.member_facet_differences.is_empty());
        assert!(
            report
                .member_facet_differences
                .iter()
                .all(|d| d.0 == parent && d.1 == "gender"),
            "{:?}",
            report.member_facet_differences
        );
    }
}

//! The verification desk (issue 17) on SQLite and PostgreSQL: requests sent through the lifecycle
//! become queue rows; reminders; answers in bulk, all or nothing; median and 90th-percentile
//! durations per organisation and per destination; `rebuild` holds the rows to the histories.
#![allow(clippy::unwrap_used)]

use crate::common;
use crate::lifecycle_world;

use jiff::civil::date;
use ketnap_domain::lifecycle::{Action, Relation, Stage, VerificationOutcome};
use ketnap_store::rebuild::rebuild;
use ketnap_store::verification;
use ketnap_store::{StoreError, audit, exec};
use lifecycle_world::{World, ctx, person};

#[tokio::test]
async fn requests_are_worked_as_a_queue_and_their_durations_are_counted() {
    for store in common::stores().await {
        let engine = common::name(&store);
        let w = World::new(store).await;
        let mut runs = Vec::new();
        for (i, name) in ["Hoàng Văn An", "Bùi Thị Bích"].into_iter().enumerate() {
            let p = person(
                &w.store,
                name,
                &format!("0{}/03/1995", i + 1),
                "Nam",
                "Kinh",
            )
            .await;
            let mut r = w
                .open(&w.secretary_cb1, p, w.cb1, date(2025, 1, 6))
                .await
                .unwrap();
            r.reach_dossier().await;
            r.step(date(2025, 3, 24), Action::StampBackground).await;
            runs.push(r);
        }
        let (a, b) = (runs[0].pub_id.clone(), runs[1].pub_id.clone());
        for (n, subject, destination) in [
            (1, Relation::Candidate, "UBND xã Tân Phú"),
            (2, Relation::Parents, "Công an huyện Hòa Lâm"),
        ] {
            runs[0]
                .step(
                    date(2025, 3, 25),
                    Action::SendVerification {
                        request_no: n,
                        subject,
                        destination: destination.into(),
                    },
                )
                .await;
        }
        runs[1]
            .step(
                date(2025, 3, 25),
                Action::SendVerification {
                    request_no: 1,
                    subject: Relation::Candidate,
                    // The same place written differently: one destination.
                    destination: "UBND  xã  Tân Phú".into(),
                },
            )
            .await;

        let mut conn = w.store.read().await.unwrap();
        let open = verification::open_requests(&mut conn, &w.staff_xa, w.xa, None, 0, 100)
            .await
            .unwrap();
        assert_eq!(open.len(), 3, "{engine}");
        assert_eq!(open[0].subject_vi(), Relation::Candidate.label_vi());
        assert_eq!(open[0].days(date(2025, 4, 25)), 31);
        // The counts, the stalled filter and the pages come from the store, not from a capped list.
        let counts = verification::queue_counts(&mut conn, &w.staff_xa, w.xa, date(2025, 3, 26))
            .await
            .unwrap();
        assert_eq!(
            (counts.open, counts.stalled, counts.held_up),
            (3, 3, 2),
            "{engine}"
        );
        let counts = verification::queue_counts(&mut conn, &w.staff_xa, w.xa, date(2025, 3, 25))
            .await
            .unwrap();
        assert_eq!(
            counts.stalled, 0,
            "{engine}: sent on the stall day is not stalled"
        );
        assert!(
            verification::open_requests(
                &mut conn,
                &w.staff_xa,
                w.xa,
                Some(date(2025, 3, 25)),
                0,
                10
            )
            .await
            .unwrap()
            .is_empty()
        );
        let second_page = verification::open_requests(
            &mut conn,
            &w.staff_xa,
            w.xa,
            Some(date(2025, 3, 26)),
            2,
            2,
        )
        .await
        .unwrap();
        assert_eq!(second_page.len(), 1, "{engine}");
        assert_eq!(second_page[0], open[2]);
        drop(conn);
        // The candidates held up, with what verify.exempt spares them: Bích's own side is
        // exempt once a parent is declared a member, and the desk says so.
        let mut tx = w.store.begin().await.unwrap();
        ketnap_store::candidacies::set_extras(
            &mut tx,
            &ctx(),
            &w.staff_xa,
            &b,
            &ketnap_store::candidacies::CandidateExtras {
                own_family_member: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let mut conn = w.store.read().await.unwrap();
        let held = verification::held_up(&mut conn, &w.staff_xa, &w.book, w.xa, 0, 50)
            .await
            .unwrap();
        let names: Vec<(&str, i64)> = held
            .iter()
            .map(|h| (h.full_name.as_str(), h.open))
            .collect();
        assert_eq!(
            names,
            [("Hoàng Văn An", 2), ("Bùi Thị Bích", 1)],
            "{engine}"
        );
        assert!(held[0].scope.exempt.is_empty());
        assert_eq!(
            held[0].scope.needed,
            [Relation::Candidate, Relation::Parents]
        );
        assert_eq!(
            held[1].scope.exempt,
            [Relation::Candidate, Relation::Parents]
        );
        assert!(held[1].scope.needed.is_empty());
        drop(conn);

        let c = ctx();
        // A cell secretary does not work the desk; staff record a reminder.
        let mut tx = w.store.begin().await.unwrap();
        let refused = verification::record_reminders(
            &mut tx,
            &c,
            &w.secretary_cb1,
            &[(a.clone(), 2)],
            date(2025, 4, 28),
        )
        .await;
        assert!(matches!(refused, Err(StoreError::Forbidden(_))));
        drop(tx);
        let mut tx = w.store.begin().await.unwrap();
        verification::record_reminders(
            &mut tx,
            &c,
            &w.staff_xa,
            &[(a.clone(), 2)],
            date(2025, 4, 28),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();

        // Answers in bulk: one unknown request makes the whole batch land nothing.
        let mut tx = w.store.begin().await.unwrap();
        let bad = verification::answer_many(
            &mut tx,
            &c,
            &w.book,
            &w.staff_xa,
            &[
                (a.clone(), 1, VerificationOutcome::Clear),
                (b.clone(), 9, VerificationOutcome::Clear),
            ],
            date(2025, 4, 25),
        )
        .await;
        assert!(
            matches!(bad, Err(StoreError::NotFound(_))),
            "{engine}: {bad:?}"
        );
        drop(tx);
        let mut conn = w.store.read().await.unwrap();
        assert_eq!(
            verification::open_requests(&mut conn, &w.staff_xa, w.xa, None, 0, 100)
                .await
                .unwrap()
                .len(),
            3,
            "{engine}: nothing of the refused batch landed"
        );
        drop(conn);
        let mut tx = w.store.begin().await.unwrap();
        verification::answer_many(
            &mut tx,
            &c,
            &w.book,
            &w.staff_xa,
            &[
                (a.clone(), 1, VerificationOutcome::Clear),
                (b.clone(), 1, VerificationOutcome::Clear),
            ],
            date(2025, 4, 25),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let mut tx = w.store.begin().await.unwrap();
        verification::answer_many(
            &mut tx,
            &c,
            &w.book,
            &w.staff_xa,
            &[(a.clone(), 2, VerificationOutcome::Clear)],
            date(2025, 5, 5),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(runs[0].stage().await, Stage::Verification);

        let mut conn = w.store.read().await.unwrap();
        assert!(
            verification::open_requests(&mut conn, &w.staff_xa, w.xa, None, 0, 100)
                .await
                .unwrap()
                .is_empty()
        );
        // 31, 31 and 41 days: median 31, 90th percentile 41 (nearest rank).
        let r = verification::durations(
            &mut conn,
            &w.staff_xa,
            w.xa,
            date(2025, 1, 1),
            date(2025, 12, 31),
        )
        .await
        .unwrap();
        assert_eq!(
            (r.overall.answered, r.overall.median, r.overall.p90),
            (3, 31, 41),
            "{engine}"
        );
        let dest: Vec<(usize, i64, i64)> = r
            .by_destination
            .iter()
            .map(|d| (d.answered, d.median, d.p90))
            .collect();
        assert_eq!(dest, vec![(1, 41, 41), (2, 31, 31)], "{engine}: {r:#?}");
        assert_eq!(r.by_org.len(), 1);
        assert_eq!(r.by_org[0].name, "Chi bộ thôn Đông");
        assert_eq!(r.by_org[0].answered, 3);
        // A period that ends before the answers counts none.
        let none = verification::durations(
            &mut conn,
            &w.staff_xa,
            w.xa,
            date(2025, 1, 1),
            date(2025, 4, 24),
        )
        .await
        .unwrap();
        assert_eq!(none.overall.answered, 0);
        drop(conn);

        // The rows follow the histories; a row changed behind the history's back is reported.
        let clean = rebuild(&w.store, &w.book).await.unwrap();
        assert!(clean.is_clean(), "{engine}: {clean:#?}");
        assert!(audit::verify(&w.store).await.unwrap().ok());
        let mut tx = w.store.begin().await.unwrap();
        exec!(
            tx.ex(),
            "UPDATE verification_request SET answered_on = NULL WHERE request_no = 2"
        )
        .unwrap();
        tx.commit().await.unwrap();
        let report = rebuild(&w.store, &w.book).await.unwrap();
        assert_eq!(
            report.projection_differences.len(),
            1,
            "{engine}: {report:#?}"
        );
        assert_eq!(report.projection_differences[0].0, a);
        w.store.close().await;
    }
}

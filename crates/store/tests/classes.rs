//! Course classes (issue 17) on SQLite and PostgreSQL: a class from proposal to certificates,
//! its certificate accepted by the cell vote's guard on its last valid day and refused the day
//! after (cert.validity); the waiting list; the figures of a period; who may do what.
#![allow(clippy::unwrap_used)]

use crate::common;
use crate::lifecycle_world;

use jiff::civil::{Date, date};
use ketnap_domain::lifecycle::{Action, CertIssuer, Relation, Stage, VerificationOutcome};
use ketnap_store::classes::{self, ClassKind, NewClass, Outcome};
use ketnap_store::{Scope, StoreError, audit};
use lifecycle_world::{Run, STUB_ROSTER, World, ctx, person, tally};

fn new_class(starts: Date, ends: Date, capacity: u32) -> NewClass {
    NewClass {
        kind: ClassKind::Awareness,
        number: "Lớp số 03/2021".into(),
        starts_on: starts,
        ends_on: ends,
        place: "Hội trường Trung tâm Chính trị".into(),
        capacity,
        lecturers: "Nguyễn Văn Giảng; Trần Thị Bài".into(),
        issuer: "Trung tâm Chính trị tỉnh Thử Nghiệm".into(),
    }
}

async fn write<T>(
    w: &World,
    f: impl AsyncFnOnce(&mut ketnap_store::Tx) -> ketnap_store::Result<T>,
) -> ketnap_store::Result<T> {
    let mut tx = w.store.begin().await?;
    let r = f(&mut tx).await?;
    tx.commit().await?;
    Ok(r)
}

/// Dossier and verification after the certificate, in May 2026, so that a vote in June 2026
/// judges the 2021 certificate at the end of its 60 months.
async fn dossier_after_course(r: &mut Run<'_>) {
    let w = r.w;
    r.step(date(2026, 5, 4), Action::SubmitApplication).await;
    r.step(date(2026, 5, 5), Action::DeclareBackground).await;
    for i in &w.introducers {
        r.step(
            date(2026, 5, 6),
            Action::AddIntroducer {
                introducer: w.member_ref(i),
                letter_on: date(2026, 5, 6),
                alongside_since: date(2023, 1, 2),
                replaces: None,
            },
        )
        .await;
    }
    r.step(
        date(2026, 5, 7),
        Action::RecordComments {
            summary_on: date(2026, 5, 7),
        },
    )
    .await;
    r.step(date(2026, 5, 8), Action::StampBackground).await;
    for (n, subject) in [(1, Relation::Candidate), (2, Relation::Parents)] {
        r.step(
            date(2026, 5, 8),
            Action::SendVerification {
                request_no: n,
                subject,
                destination: "UBND xã Tân Phú".into(),
            },
        )
        .await;
    }
    for n in [1, 2] {
        r.step(
            date(2026, 5, 20),
            Action::AnswerVerification {
                request_no: n,
                outcome: VerificationOutcome::Clear,
            },
        )
        .await;
    }
    r.step(date(2026, 5, 25), Action::CertifyBackground).await;
}

#[tokio::test]
async fn a_class_from_proposal_to_certificates_feeds_the_cell_votes_certificate_guard() {
    for store in common::stores().await {
        let engine = common::name(&store);
        let w = World::new(store).await;
        let listed = date(2021, 1, 11);
        let mut runs = Vec::new();
        for (i, (name, cell, scope)) in [
            ("Hoàng Văn An", w.cb1, &w.secretary_cb1),
            ("Bùi Thị Bích", w.cb1, &w.secretary_cb1),
            ("Đặng Văn Cường", w.cb1, &w.secretary_cb1),
        ]
        .into_iter()
        .enumerate()
        {
            let p = person(
                &w.store,
                name,
                &format!("0{}/03/1995", i + 1),
                "Nam",
                "Kinh",
            )
            .await;
            let mut r = w.open(scope, p, cell, date(2021, 1, 4)).await.unwrap();
            r.step(
                listed,
                Action::ListAsSympathizer {
                    resolution_no: "01-NQ/CB".into(),
                    mentor: w.member_ref(&w.mentor.1),
                },
            )
            .await;
            runs.push(r);
        }
        let ids: Vec<String> = runs.iter().map(|r| r.pub_id.clone()).collect();
        let c = ctx();

        // The cell proposes; another cell's secretary does not reach its people; a cell secretary may not approve; the commune's staff approve two.
        write(&w, async |tx| {
            classes::propose(tx, &c, &w.secretary_cb1, &ids[..2], date(2021, 1, 15)).await
        })
        .await
        .unwrap();
        write(&w, async |tx| {
            classes::propose(tx, &c, &w.secretary_cb1, &ids[2..], date(2021, 1, 15)).await
        })
        .await
        .unwrap();
        let elsewhere = write(&w, async |tx| {
            classes::propose(tx, &c, &w.secretary_cb2, &ids[..1], date(2021, 1, 16)).await
        })
        .await;
        assert!(
            matches!(elsewhere, Err(StoreError::NotFound(_))),
            "{engine}"
        );
        let again = write(&w, async |tx| {
            classes::propose(tx, &c, &w.secretary_cb1, &ids[..1], date(2021, 1, 16)).await
        })
        .await;
        assert!(matches!(again, Err(StoreError::Invalid { .. })), "{engine}");
        let by_secretary = write(&w, async |tx| {
            classes::approve(tx, &c, &w.secretary_cb1, &ids[..2], date(2021, 1, 20)).await
        })
        .await;
        assert!(matches!(by_secretary, Err(StoreError::Forbidden(_))));
        write(&w, async |tx| {
            classes::approve(tx, &c, &w.staff_xa, &ids[..2], date(2021, 1, 20)).await
        })
        .await
        .unwrap();

        // The centre opens a class of two seats; everyone listed waits, longest first.
        let bad = write(&w, async |tx| {
            classes::open(
                tx,
                &c,
                &w.centre,
                w.province,
                &new_class(date(2021, 6, 7), date(2021, 6, 4), 2),
            )
            .await
        })
        .await;
        assert!(
            matches!(bad, Err(StoreError::Invalid { .. })),
            "ends before it starts"
        );
        let class = write(&w, async |tx| {
            classes::open(
                tx,
                &c,
                &w.centre,
                w.province,
                &new_class(date(2021, 6, 7), date(2021, 6, 11), 2),
            )
            .await
        })
        .await
        .unwrap();
        let class = class.as_str().to_string();
        let mut conn = w.store.read().await.unwrap();
        let waiting = classes::waiting(&mut conn, &w.staff_xa, w.xa, ClassKind::Awareness)
            .await
            .unwrap();
        assert_eq!(waiting.len(), 3, "{engine}");
        assert!(waiting.iter().all(|x| x.since.to_jiff() == listed));
        assert_eq!(
            waiting.iter().filter(|x| x.approved_on.is_some()).count(),
            2
        );
        drop(conn);

        // Enrolment: the unapproved proposal is refused; two seats, then full.
        let unapproved = write(&w, async |tx| {
            classes::enrol(
                tx,
                &c,
                &w.book,
                &w.centre,
                &class,
                &ids[2..],
                date(2021, 6, 1),
            )
            .await
        })
        .await;
        assert!(
            matches!(unapproved, Err(StoreError::Invalid { .. })),
            "{engine}"
        );
        write(&w, async |tx| {
            classes::enrol(
                tx,
                &c,
                &w.book,
                &w.centre,
                &class,
                &ids[..2],
                date(2021, 6, 1),
            )
            .await
        })
        .await
        .unwrap();
        assert_eq!(runs[0].stage().await, Stage::Course, "{engine}");
        let full = write(&w, async |tx| {
            classes::enrol(
                tx,
                &c,
                &w.book,
                &w.centre,
                &class,
                &ids[2..],
                date(2021, 6, 1),
            )
            .await
        })
        .await;
        match full {
            Err(StoreError::Invalid { message_vi, .. }) => {
                assert!(message_vi.contains("chỉ nhận 2 học viên"), "{message_vi}")
            }
            other => panic!("{engine}: {other:?}"),
        }

        // Results: the first completes; the second was absent and is back on the list.
        write(&w, async |tx| {
            classes::record_results(
                tx,
                &c,
                &w.book,
                &w.centre,
                &class,
                &[
                    (ids[0].clone(), Outcome::Passed),
                    (ids[1].clone(), Outcome::Absent),
                ],
            )
            .await
        })
        .await
        .unwrap();
        assert_eq!(runs[1].stage().await, Stage::Sympathizer, "{engine}");

        // One batch of certificates for the class: only the one who completed it.
        let issued = date(2021, 6, 15);
        let n = write(&w, async |tx| {
            classes::issue_certificates(tx, &c, &w.book, &w.centre, &class, 125, "GCN-TTCT", issued)
                .await
        })
        .await
        .unwrap();
        assert_eq!(n, 1, "{engine}");
        assert_eq!(runs[0].stage().await, Stage::Dossier);
        let mut conn = w.store.read().await.unwrap();
        let sheet = classes::class(&mut conn, &w.centre, &class).await.unwrap();
        assert_eq!(sheet.attendees.len(), 2);
        let first = sheet
            .attendees
            .iter()
            .find(|a| a.candidacy_pub_id == ids[0])
            .unwrap();
        assert_eq!(first.cert_no.as_deref(), Some("125/GCN-TTCT"));
        assert_eq!(first.cert_on.map(|d| d.to_jiff()), Some(issued));
        let line = &sheet.class;
        assert_eq!(
            (line.enrolled, line.passed, line.not_passed, line.certified),
            (2, 1, 1, 1),
            "{engine}"
        );
        assert_eq!(line.pass_rate_vi().as_deref(), Some("50 %"));
        // The waiting list: the absent one and the unapproved one.
        let waiting = classes::waiting(&mut conn, &w.staff_xa, w.xa, ClassKind::Awareness)
            .await
            .unwrap();
        let mut left: Vec<&str> = waiting
            .iter()
            .map(|x| x.candidacy_pub_id.as_str())
            .collect();
        left.sort();
        let mut want = vec![ids[1].as_str(), ids[2].as_str()];
        want.sort();
        assert_eq!(left, want, "{engine}");
        // The year's figures: classes counted where they are run, people where they belong.
        let year = (date(2021, 1, 1), date(2021, 12, 31));
        let commune = classes::figures(&mut conn, w.xa, ClassKind::Awareness, year.0, year.1)
            .await
            .unwrap();
        assert_eq!(
            (commune.classes, commune.enrolled, commune.certified),
            (0, 2, 1),
            "{engine}"
        );
        let province =
            classes::figures(&mut conn, w.province, ClassKind::Awareness, year.0, year.1)
                .await
                .unwrap();
        assert_eq!(
            (province.classes, province.enrolled, province.certified),
            (1, 2, 1)
        );
        let lines = classes::classes(&mut conn, &w.staff_xa, w.province, year.0, year.1).await;
        assert!(
            lines.is_err(),
            "{engine}: the province is outside the commune's scope"
        );
        let lines = classes::classes(&mut conn, &w.centre, w.province, year.0, year.1)
            .await
            .unwrap();
        assert_eq!(lines.len(), 1);
        drop(conn);

        // The certificate is the lifecycle's: valid 60 months, through 15/06/2026
        // (cert.validity). A vote on 16/06/2026 is refused; on 15/06/2026 it passes.
        let mut r = Run {
            w: &w,
            scope: w.secretary_cb1.clone(),
            pub_id: ids[0].clone(),
            version: runs[0].version + 2,
        };
        {
            let mut conn = w.store.read().await.unwrap();
            r.version = ketnap_store::candidacies::get(&mut conn, &Scope::system(), &r.pub_id)
                .await
                .unwrap()
                .version;
        }
        dossier_after_course(&mut r).await;
        let vote = |on: Date| {
            (
                on,
                Action::CellVote {
                    base_note: Some(STUB_ROSTER.into()),
                    resolution_no: "05-NQ/CB".into(),
                    tally: tally(9, 9, 9),
                },
            )
        };
        let (on, action) = vote(date(2026, 6, 16));
        match r.try_step(on, action).await {
            Err(StoreError::Refused(v)) => {
                assert!(
                    v.iter().any(|x| x.rule_id == "cert.validity"),
                    "{engine}: {v:#?}"
                )
            }
            other => panic!("{engine}: {other:?}"),
        }
        let (on, action) = vote(date(2026, 6, 15));
        r.step(on, action).await;
        assert_eq!(r.stage().await, Stage::GrassrootsVote, "{engine}");
        // The issuer is the class's.
        let mut conn = w.store.read().await.unwrap();
        let got = ketnap_store::candidacies::get(&mut conn, &Scope::system(), &r.pub_id)
            .await
            .unwrap();
        let cert = got.state.certificate.as_ref().unwrap();
        assert_eq!(
            cert.issuer,
            CertIssuer::PoliticalCentre("Trung tâm Chính trị tỉnh Thử Nghiệm".into())
        );
        drop(conn);
        assert!(audit::verify(&w.store).await.unwrap().ok());
        w.store.close().await;
    }
}

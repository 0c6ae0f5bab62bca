//! Conformance: candidacies through `execute` to every ending, refusals, concurrent clerks,
//! counters against a recount, the audit chain, `rebuild`, scoped reads, mentor notes,
//! documents and mass-organisation introductions — on SQLite and PostgreSQL alike.
#![allow(clippy::unwrap_used)]

use crate::common;
use crate::lifecycle_world;

use std::collections::BTreeMap;

use jiff::civil::date;
use ketnap_domain::lifecycle::{Action, AnnulTarget, Command, Stage};
use ketnap_domain::person::Gender;
use ketnap_store::candidacies::{self, CandidateExtras, ListFilter, Overdue};
use ketnap_store::counters;
use ketnap_store::rebuild::rebuild;
use ketnap_store::units::{self, MassOrgKind, NewMassOrg};
use ketnap_store::{Scope, Store, StoreError, audit, fetch_all};
use lifecycle_world::{TODAY, World, ctx, person, tally};

/// Rebuild reports nothing, the audit chain verifies, the gauges equal the candidacies counted
/// by stage, and a commune's totals equal the sum over its cells.
async fn assert_consistent(w: &World, label: &str) {
    let report = rebuild(&w.store, &w.book).await.unwrap();
    assert!(report.is_clean(), "{label}: rebuild differs: {report:#?}");
    let v = audit::verify(&w.store).await.unwrap();
    assert!(v.ok(), "{label}: audit chain broken: {v:?}");
    let (gauges, stages) = w.gauge_recount().await;
    assert_eq!(
        gauges, stages,
        "{label}: gauges against a recount of stages"
    );
    let flows = w.flow_totals().await;
    let opened = w.event_count("open", None).await;
    assert_eq!(
        flows.get("source.opened").copied().unwrap_or(0),
        opened,
        "{label}"
    );
    let admitted = w
        .event_count("admission_decision", Some(Stage::AwaitingCeremony))
        .await
        - w.event_count("annul", Some(Stage::Annulled)).await;
    assert_eq!(
        flows.get("admission").copied().unwrap_or(0),
        admitted,
        "{label}"
    );
    assert_eq!(
        flows.get("ceremony").copied().unwrap_or(0),
        w.event_count("hold_ceremony", None).await,
        "{label}"
    );
    let mut c = w.store.read().await.unwrap();
    let s = Scope::system();
    let commune = counters::subtree_totals(&mut c, &s, w.xa, "2020-01", "2030-12")
        .await
        .unwrap();
    let mut sum: BTreeMap<String, i64> = BTreeMap::new();
    for cell in [w.cb1, w.cb2] {
        for (m, v) in counters::subtree_totals(&mut c, &s, cell, "2020-01", "2030-12")
            .await
            .unwrap()
        {
            *sum.entry(m).or_default() += v;
        }
    }
    sum.retain(|_, v| *v != 0);
    assert_eq!(commune, sum, "{label}: the commune is the sum of its cells");
}

async fn member_status(store: &Store, person_id: i64) -> Vec<(i64, String)> {
    let mut c = store.read().await.unwrap();
    fetch_all!(
        c.ex(),
        (i64, String),
        "SELECT cell_id, status FROM member WHERE person_id = $1 ORDER BY member_id",
        person_id
    )
    .unwrap()
}

#[tokio::test]
async fn candidacies_reach_every_ending_and_the_counters_follow() {
    for store in common::stores().await {
        let engine = common::name(&store);
        let w = World::new(store).await;
        let sec = w.secretary_cb1.clone();

        // Official: a Tày woman, through every step.
        let hoa = person(&w.store, "Hoàng Thị Hoa", "10/04/1990", "Nữ", "Tày").await;
        let mut r = w.open(&sec, hoa, w.cb1, date(2025, 1, 6)).await.unwrap();
        r.reach_official().await;
        assert_eq!(r.stage().await, Stage::Official, "{engine}");
        assert_eq!(r.version, 25);
        assert_eq!(
            member_status(&w.store, hoa).await,
            vec![(w.cb1, "official".to_string())]
        );
        let mut c = w.store.read().await.unwrap();
        let june = counters::subtree_totals(&mut c, &Scope::system(), w.xa, "2025-06", "2025-06")
            .await
            .unwrap();
        assert_eq!(june.get("admission"), Some(&1));
        assert_eq!(june.get("admission.women"), Some(&1));
        assert_eq!(june.get("admission.ethnic_minority"), Some(&1));
        assert_eq!(june.get("admission.source.teacher"), Some(&1));
        assert_eq!(june.get("admission.youth_age"), None, "35 is not youth age");
        let (official_on,): (Option<jiff_sqlx::Date>,) = ketnap_store::fetch_one!(
            c.ex(),
            (Option<jiff_sqlx::Date>,),
            "SELECT official_on FROM member WHERE person_id = $1",
            hoa
        )
        .unwrap();
        assert_eq!(
            official_on.map(|d| d.to_jiff()),
            Some(date(2026, 7, 1)),
            "official from the end of probation"
        );
        drop(c);
        assert_consistent(&w, "official").await;

        // Rejected: the cell's vote fails, then the cell stops the candidacy.
        let p = person(&w.store, "Ngô Văn Tài", "05/11/1988", "Nam", "Kinh").await;
        let mut r = w.open(&sec, p, w.cb1, date(2025, 1, 6)).await.unwrap();
        r.reach_cell_vote().await;
        let e = r
            .step(
                date(2025, 5, 6),
                Action::CellVote {
                    base_note: Some(lifecycle_world::STUB_ROSTER.into()),
                    resolution_no: "06-NQ/CB".into(),
                    tally: tally(9, 9, 5),
                },
            )
            .await;
        assert_eq!(e.passed, Some(false));
        r.step(
            date(2025, 5, 20),
            Action::Reject {
                reason: "Chi bộ biểu quyết không đủ hai phần ba".into(),
            },
        )
        .await;
        assert_eq!(r.stage().await, Stage::Rejected);
        assert_consistent(&w, "rejected").await;

        // Withdrawn from the sympathizer list.
        let p = person(&w.store, "Bùi Thị Mai", "21/08/1992", "Nữ", "Kinh").await;
        let mut r = w.open(&sec, p, w.cb1, date(2025, 2, 3)).await.unwrap();
        r.step(
            date(2025, 2, 10),
            Action::ListAsSympathizer {
                resolution_no: "02-NQ/CB".into(),
                mentor: w.member_ref(&w.mentor.1),
            },
        )
        .await;
        r.step(
            date(2025, 4, 1),
            Action::Withdraw {
                reason: "Chuyển đi làm ăn xa".into(),
            },
        )
        .await;
        assert_eq!(r.stage().await, Stage::Withdrawn);
        assert_consistent(&w, "withdrawn").await;

        // Removed during probation.
        let p = person(&w.store, "Đặng Văn Lực", "14/02/1987", "Nam", "Kinh").await;
        let mut r = w.open(&sec, p, w.cb1, date(2025, 1, 6)).await.unwrap();
        r.reach_probation().await;
        r.step(
            date(2025, 12, 1),
            Action::Remove {
                decision_no: "51-QĐ/ĐU".into(),
                reason: "Vi phạm tư cách đảng viên".into(),
            },
        )
        .await;
        assert_eq!(r.stage().await, Stage::Removed);
        assert_eq!(
            member_status(&w.store, p).await,
            vec![(w.cb1, "removed".to_string())]
        );
        assert_consistent(&w, "removed").await;

        // Transferred out of Tân Phú to a cell of Tân Lập, received there.
        let p = person(&w.store, "Lý Thị Ngọc", "30/06/1989", "Nữ", "Kinh").await;
        let mut r = w.open(&sec, p, w.cb1, date(2025, 1, 6)).await.unwrap();
        r.reach_probation().await;
        r.step(
            date(2025, 9, 1),
            Action::TransferOut {
                to: w.cb3_pub.clone(),
            },
        )
        .await;
        assert_eq!(r.stage().await, Stage::TransferredOut);
        let mut c = w.store.read().await.unwrap();
        assert!(
            matches!(
                candidacies::get(&mut c, &w.secretary_cb1, &r.pub_id).await,
                Err(StoreError::NotFound(_))
            ),
            "the dossier went to the receiving cell"
        );
        drop(c);
        r.scope = w.secretary_cb3.clone();
        r.step(
            date(2025, 9, 15),
            Action::TransferIn {
                from: "Chi bộ thôn Đông, xã Tân Phú".into(),
            },
        )
        .await;
        assert_eq!(r.stage().await, Stage::Probationary);
        assert_eq!(
            member_status(&w.store, p).await,
            vec![
                (w.cb1, "transferred_out".to_string()),
                (w.cb3, "probationary".to_string())
            ]
        );
        let mut c = w.store.read().await.unwrap();
        let hist = candidacies::history(&mut c, &w.secretary_cb3, &r.pub_id)
            .await
            .unwrap();
        assert_eq!(
            hist.len() as i64,
            r.version,
            "one history in the receiving cell"
        );
        assert_eq!(hist.last().unwrap().cell_pub_id, w.cb3_pub);
        assert_ne!(hist[0].cell_pub_id, w.cb3_pub, "events keep their own cell");
        let out = counters::subtree_totals(&mut c, &Scope::system(), w.cb1, "2025-09", "2025-09")
            .await
            .unwrap();
        let inn = counters::subtree_totals(&mut c, &Scope::system(), w.cb3, "2025-09", "2025-09")
            .await
            .unwrap();
        assert_eq!(
            (out.get("transfer.out"), inn.get("transfer.in")),
            (Some(&1), Some(&1))
        );
        let g = counters::gauges(&mut c, &Scope::system(), w.xa2)
            .await
            .unwrap();
        assert_eq!(g.get(&Stage::Probationary), Some(&1));
        drop(c);
        assert_consistent(&w, "transferred").await;

        // Deceased while a sympathizer.
        let p = person(&w.store, "Hà Văn Sơn", "09/09/1985", "Nam", "Kinh").await;
        let mut r = w.open(&sec, p, w.cb1, date(2025, 3, 2)).await.unwrap();
        r.step(
            date(2025, 3, 9),
            Action::ListAsSympathizer {
                resolution_no: "03-NQ/CB".into(),
                mentor: w.member_ref(&w.mentor.1),
            },
        )
        .await;
        r.step(date(2025, 8, 8), Action::RecordDeath).await;
        assert_eq!(r.stage().await, Stage::Deceased);
        assert_consistent(&w, "deceased").await;

        // Listed again: the store reads the person's standing with them — the deceased
        // (source.deceased) and a member on a roster (source.not_member) are refused, and
        // nothing is written.
        let (mentor_person,): (i64,) = {
            let mut c = w.store.read().await.unwrap();
            ketnap_store::fetch_one!(
                c.ex(),
                (i64,),
                "SELECT person_id FROM member WHERE member_id = $1",
                w.mentor.0
            )
            .unwrap()
        };
        for (who, want) in [(p, "source.deceased"), (mentor_person, "source.not_member")] {
            let before = w.snapshot().await;
            let v = match w.open(&sec, who, w.cb1, date(2025, 9, 1)).await {
                Err(StoreError::Refused(v)) => v,
                Err(e) => panic!("{want}: {e:?}"),
                Ok(_) => panic!("{want}: opened"),
            };
            let ids: Vec<&str> = v.iter().map(|x| x.rule_id.as_ref()).collect();
            assert_eq!(ids, [want], "{}", common::name(&w.store));
            assert_eq!(w.snapshot().await, before, "{want}");
        }

        // Annulled: the admission of a probationary member is annulled; June's admissions go back.
        let mut c = w.store.read().await.unwrap();
        let before = counters::subtree_totals(&mut c, &Scope::system(), w.xa, "2025-06", "2025-06")
            .await
            .unwrap();
        drop(c);
        let p = person(&w.store, "Mai Thị Yến", "12/12/1991", "Nữ", "Kinh").await;
        let mut r = w
            .open(&w.staff_xa, p, w.cb2, date(2025, 1, 6))
            .await
            .unwrap();
        // The mentor of cb1 is not of cb2, whatever the client says: the store finds that out.
        let refused = r
            .try_step(
                date(2025, 1, 7),
                Action::ListAsSympathizer {
                    resolution_no: "01-NQ/CB".into(),
                    mentor: w.member_ref(&w.mentor.1),
                },
            )
            .await;
        match refused {
            Err(StoreError::Refused(v)) => {
                assert!(v.iter().any(|x| x.rule_id == "mentor.official"), "{v:?}")
            }
            other => panic!("a mentor of another cell was accepted: {other:?}"),
        }
        // The source moves to cb1, whose official members mentor and introduce.
        r.step(
            date(2025, 1, 8),
            Action::TransferOut {
                to: cb1_pub(&w).await,
            },
        )
        .await;
        r.step(
            date(2025, 1, 9),
            Action::TransferIn {
                from: "Chi bộ thôn Đoài".into(),
            },
        )
        .await;
        r.reach_probation().await;
        let mut c = w.store.read().await.unwrap();
        let with = counters::subtree_totals(&mut c, &Scope::system(), w.xa, "2025-06", "2025-06")
            .await
            .unwrap();
        assert_eq!(
            with.get("admission").copied().unwrap_or(0),
            before.get("admission").copied().unwrap_or(0) + 1
        );
        drop(c);
        r.step(
            date(2025, 10, 20),
            Action::Annul {
                decision_no: "77-QĐ/HU".into(),
                reason: "Kết nạp không đúng quy trình".into(),
                target: AnnulTarget::Admission,
            },
        )
        .await;
        assert_eq!(r.stage().await, Stage::Annulled);
        let mut c = w.store.read().await.unwrap();
        let after = counters::subtree_totals(&mut c, &Scope::system(), w.xa, "2025-06", "2025-06")
            .await
            .unwrap();
        assert_eq!(
            after, before,
            "June's admissions are as before the annulled one"
        );
        let oct = counters::subtree_totals(&mut c, &Scope::system(), w.xa, "2025-10", "2025-10")
            .await
            .unwrap();
        assert_eq!(oct.get("annulment"), Some(&1));
        drop(c);
        assert_eq!(
            member_status(&w.store, p).await,
            vec![(w.cb1, "removed".to_string())]
        );
        assert_consistent(&w, "annulled").await;

        // An official recognition annulled: back to probationary, `recognition` taken back.
        let mut r = w
            .open(
                &sec,
                person(&w.store, "Tạ Quang Huy", "01/03/1986", "Nam", "Kinh").await,
                w.cb1,
                date(2025, 1, 6),
            )
            .await
            .unwrap();
        r.reach_official().await;
        r.step(
            date(2026, 9, 1),
            Action::Annul {
                decision_no: "80-QĐ/HU".into(),
                reason: "Công nhận khi chưa đủ điều kiện".into(),
                target: AnnulTarget::Recognition,
            },
        )
        .await;
        assert_eq!(r.stage().await, Stage::Probationary);
        let mut c = w.store.read().await.unwrap();
        let july = counters::subtree_totals(&mut c, &Scope::system(), w.xa, "2026-07", "2026-07")
            .await
            .unwrap();
        assert_eq!(
            july.get("recognition"),
            Some(&1),
            "only Hoa's recognition stays"
        );
        drop(c);
        assert_consistent(&w, "recognition annulled").await;
    }
}

async fn cb1_pub(w: &World) -> String {
    let mut c = w.store.read().await.unwrap();
    ketnap_store::orgs::get_by_id(&mut c, w.cb1)
        .await
        .unwrap()
        .pub_id
}

#[tokio::test]
async fn a_refused_step_returns_every_violation_in_vietnamese_and_changes_nothing() {
    for store in common::stores().await {
        let w = World::new(store).await;
        let p = person(&w.store, "Trịnh Văn Đức", "03/05/1990", "Nam", "Kinh").await;
        let mut r = w
            .open(&w.secretary_cb1, p, w.cb1, date(2025, 1, 6))
            .await
            .unwrap();
        r.reach_cell_vote().await;
        let before = w.snapshot().await;
        let res = r
            .try_step(
                date(2025, 4, 1),
                Action::CellVote {
                    base_note: Some(lifecycle_world::STUB_ROSTER.into()),
                    resolution_no: " ".into(),
                    tally: tally(9, 9, 7),
                },
            )
            .await;
        let Err(StoreError::Refused(v)) = res else {
            panic!("accepted: {res:?}");
        };
        let ids: Vec<&str> = v.iter().map(|x| x.rule_id.as_ref()).collect();
        assert!(ids.contains(&"input.date_order"), "{ids:?}");
        assert!(ids.contains(&"input.required"), "{ids:?}");
        // Checks of the data itself: said plainly, nothing to cite.
        assert!(
            v.iter()
                .all(|x| !x.message_vi.is_empty() && x.citation.is_empty()),
            "{v:?}"
        );
        let msg = StoreError::Refused(v).message_vi();
        assert!(msg.contains("Thiếu số nghị quyết của chi bộ"), "{msg}");
        assert!(msg.contains("trước ngày của bước đã ghi gần nhất"), "{msg}");
        assert_eq!(
            w.snapshot().await,
            before,
            "no event, counter, audit row or version"
        );

        // A step in the future, by the store's clock.
        let res = r
            .try_step(date(2026, 11, 24), Action::SubmitApplication)
            .await;
        assert!(matches!(res, Err(StoreError::Refused(_))), "{res:?}");

        // The same person cannot be opened twice.
        let mut tx = w.store.begin().await.unwrap();
        let again = candidacies::open(
            &mut tx,
            &ctx(),
            &w.book,
            &w.secretary_cb1,
            p,
            w.cb1,
            &CandidateExtras::default(),
            Command {
                on: date(2025, 6, 1),
                action: Action::Open {
                    source_category: "không có nhóm này".into(),
                    proposed_by: None,
                    readmission: None,
                },
            },
        )
        .await;
        drop(tx);
        let Err(StoreError::Refused(v)) = again else {
            panic!("opened twice: {again:?}");
        };
        let ids: Vec<&str> = v.iter().map(|x| x.rule_id.as_ref()).collect();
        assert_eq!(ids, ["source.category", "source.open_candidacy"]);
        assert_eq!(w.snapshot().await, before);
        assert_consistent(&w, "refusals").await;
    }
}

#[tokio::test]
async fn two_clerks_with_the_same_version_one_wins_the_other_gets_a_conflict() {
    for store in common::stores().await {
        let w = World::new(store).await;
        let p = person(&w.store, "Kiều Thị Vân", "17/07/1990", "Nữ", "Kinh").await;
        let mut r = w
            .open(&w.secretary_cb1, p, w.cb1, date(2025, 1, 6))
            .await
            .unwrap();
        r.reach_dossier().await;
        let version = r.version;
        let clerk = |scope: Scope| {
            let w = &w;
            let pub_id = r.pub_id.clone();
            async move {
                let mut tx = w.store.begin().await?;
                let e = candidacies::execute(
                    &mut tx,
                    &ctx(),
                    &w.book,
                    &scope,
                    &pub_id,
                    version,
                    Command {
                        on: date(2025, 3, 24),
                        action: Action::StampBackground,
                    },
                )
                .await?;
                tx.commit().await?;
                Ok::<_, StoreError>(e)
            }
        };
        let (a, b) = tokio::join!(clerk(w.secretary_cb1.clone()), clerk(w.staff_xa.clone()));
        let wins = [&a, &b].iter().filter(|x| x.is_ok()).count();
        assert_eq!(wins, 1, "{a:?} {b:?}");
        let loser = if a.is_ok() { b } else { a };
        match loser {
            Err(e @ StoreError::Conflict { .. }) => {
                assert!(e.message_vi().contains("người khác cập nhật"))
            }
            other => panic!("the loser got {other:?}"),
        }
        let mut c = w.store.read().await.unwrap();
        let view = candidacies::get(&mut c, &Scope::system(), &r.pub_id)
            .await
            .unwrap();
        assert_eq!(view.version, version + 1);
        assert_eq!(view.stage, Stage::Verification);
        drop(c);
        assert_eq!(w.event_count("stamp_background", None).await, 1);
        assert_consistent(&w, "conflict").await;
    }
}

#[tokio::test]
async fn roles_and_scopes_decide_who_reads_and_writes() {
    for store in common::stores().await {
        let w = World::new(store).await;
        let p = person(&w.store, "Quách Thị Hằng", "11/01/1993", "Nữ", "Kinh").await;
        let mut r = w
            .open(&w.secretary_cb1, p, w.cb1, date(2025, 1, 6))
            .await
            .unwrap();
        r.step(
            date(2025, 1, 10),
            Action::ListAsSympathizer {
                resolution_no: "01-NQ/CB".into(),
                mentor: w.member_ref(&w.mentor.1),
            },
        )
        .await;
        let mut c = w.store.read().await.unwrap();
        for scope in [&w.secretary_cb2, &w.secretary_cb3] {
            assert!(matches!(
                candidacies::get(&mut c, scope, &r.pub_id).await,
                Err(StoreError::NotFound(_))
            ));
            assert!(matches!(
                candidacies::history(&mut c, scope, &r.pub_id).await,
                Err(StoreError::NotFound(_))
            ));
            let page = candidacies::list(&mut c, scope, &ListFilter::default(), None, 50)
                .await
                .unwrap();
            assert!(page.items.is_empty());
        }
        assert!(matches!(
            candidacies::get(&mut c, &w.viewer, &r.pub_id).await,
            Err(StoreError::Forbidden(_))
        ));
        let seen = candidacies::get(&mut c, &w.mentor_scope, &r.pub_id)
            .await
            .unwrap();
        assert_eq!(seen.mentor_pub_id.as_deref(), Some(w.mentor.1.as_str()));
        assert_eq!(
            candidacies::get(&mut c, &w.staff_xa, &r.pub_id)
                .await
                .unwrap()
                .full_name,
            "Quách Thị Hằng"
        );
        drop(c);

        // Another cell's secretary cannot write either; the viewer and the mentor record no step.
        let mut other = lifecycle_world::Run {
            w: &w,
            scope: w.secretary_cb3.clone(),
            pub_id: r.pub_id.clone(),
            version: r.version,
        };
        let res = other
            .try_step(
                date(2025, 2, 10),
                Action::EnrolInCourse {
                    course: "K1".into(),
                },
            )
            .await;
        assert!(matches!(res, Err(StoreError::NotFound(_))), "{res:?}");
        for scope in [&w.viewer, &w.mentor_scope] {
            other.scope = scope.clone();
            let res = other
                .try_step(
                    date(2025, 2, 10),
                    Action::EnrolInCourse {
                        course: "K1".into(),
                    },
                )
                .await;
            assert!(matches!(res, Err(StoreError::Forbidden(_))), "{res:?}");
        }
        // The political centre enrols but does not record the application.
        r.scope = w.centre.clone();
        r.step(
            date(2025, 2, 10),
            Action::EnrolInCourse {
                course: "Lớp nhận thức về Đảng khóa 1/2025".into(),
            },
        )
        .await;
        let res = r
            .try_step(date(2025, 3, 10), Action::SubmitApplication)
            .await;
        assert!(matches!(res, Err(StoreError::Forbidden(_))), "{res:?}");
        // Stale version: a conflict, nothing written.
        r.scope = w.secretary_cb1.clone();
        r.version -= 1;
        let res = r.try_step(date(2025, 2, 20), Action::FailCourse).await;
        assert!(matches!(res, Err(StoreError::Conflict { .. })), "{res:?}");
        r.version += 1;
        r.step(date(2025, 2, 20), Action::FailCourse).await;
        assert_consistent(&w, "roles").await;
    }
}

#[tokio::test]
async fn lists_are_keyset_paged_filtered_and_searched_without_accents() {
    for store in common::stores().await {
        let w = World::new(store).await;
        let names = [
            ("Nguyễn Văn An", "Nam"),
            ("Trần Thị Bích", "Nữ"),
            ("Lê Văn Cường", "Nam"),
            ("Phạm Thị Dung", "Nữ"),
            ("Đinh Văn Đức", "Nam"),
        ];
        for (name, gender) in names {
            let p = person(&w.store, name, "01/01/1990", gender, "Kinh").await;
            w.open(&w.secretary_cb1, p, w.cb1, date(2025, 1, 6))
                .await
                .unwrap();
        }
        let mut c = w.store.read().await.unwrap();
        let mut seen = Vec::new();
        let mut after = None;
        loop {
            let page = candidacies::list(&mut c, &w.staff_xa, &ListFilter::default(), after, 2)
                .await
                .unwrap();
            assert!(page.items.len() <= 2);
            seen.extend(page.items.iter().map(|r| r.full_name.clone()));
            match page.next {
                Some(n) => after = Some(n),
                None => break,
            }
        }
        assert_eq!(
            seen,
            [
                "Nguyễn Văn An",
                "Trần Thị Bích",
                "Lê Văn Cường",
                "Phạm Thị Dung",
                "Đinh Văn Đức"
            ],
            "Vietnamese order: by given name"
        );
        let f = ListFilter {
            query: Some("duc".into()),
            ..ListFilter::default()
        };
        let hits = candidacies::list(&mut c, &w.staff_xa, &f, None, 10)
            .await
            .unwrap();
        assert_eq!(hits.items.len(), 1);
        assert_eq!(hits.items[0].full_name, "Đinh Văn Đức");
        let f = ListFilter {
            gender: Some(Gender::Female),
            stage: Some(Stage::Source),
            org: Some(w.xa),
            source_category: Some("teacher".into()),
            ..ListFilter::default()
        };
        let women = candidacies::list(&mut c, &w.staff_xa, &f, None, 10)
            .await
            .unwrap();
        assert_eq!(women.items.len(), 2);
        let f = ListFilter {
            org: Some(w.cb2),
            ..ListFilter::default()
        };
        assert!(
            candidacies::list(&mut c, &w.staff_xa, &f, None, 10)
                .await
                .unwrap()
                .items
                .is_empty()
        );
        let f = ListFilter {
            overdue: Some(Overdue {
                book: &w.book,
                today: TODAY,
            }),
            ..ListFilter::default()
        };
        assert!(
            candidacies::list(&mut c, &w.staff_xa, &f, None, 10)
                .await
                .unwrap()
                .items
                .is_empty(),
            "sources have no deadline"
        );
    }
}

#[tokio::test]
async fn mentor_notes_documents_alerts_and_introductions() {
    for store in common::stores().await {
        let w = World::new(store).await;
        let p = person(&w.store, "Cao Thị Nhung", "05/05/1991", "Nữ", "Kinh").await;
        let mut r = w
            .open(&w.secretary_cb1, p, w.cb1, date(2025, 1, 6))
            .await
            .unwrap();
        r.reach_decision().await;

        // The mentor writes January; staff record February for them; a stranger cannot.
        let mut tx = w.store.begin().await.unwrap();
        candidacies::add_mentor_note(
            &mut tx,
            &ctx(),
            &w.book,
            &w.mentor_scope,
            &r.pub_id,
            2025,
            1,
            date(2025, 1, 31),
            "Quần chúng tích cực, gương mẫu trong công việc.",
        )
        .await
        .unwrap();
        candidacies::add_mentor_note(
            &mut tx,
            &ctx(),
            &w.book,
            &w.secretary_cb1,
            &r.pub_id,
            2025,
            2,
            date(2025, 2, 28),
            "Tham gia đầy đủ lớp học.",
        )
        .await
        .unwrap();
        let dup = candidacies::add_mentor_note(
            &mut tx,
            &ctx(),
            &w.book,
            &w.mentor_scope,
            &r.pub_id,
            2025,
            1,
            date(2025, 1, 31),
            "Lần hai",
        )
        .await;
        assert!(matches!(dup, Err(StoreError::Invalid { .. })), "{dup:?}");
        let stranger = candidacies::add_mentor_note(
            &mut tx,
            &ctx(),
            &w.book,
            &w.secretary_cb3,
            &r.pub_id,
            2025,
            3,
            date(2025, 3, 31),
            "x",
        )
        .await;
        assert!(
            matches!(stranger, Err(StoreError::NotFound(_))),
            "{stranger:?}"
        );
        // Documents: the same content twice is stored once.
        let pdf = b"%PDF-1.4 don xin vao Dang".to_vec();
        let d1 = candidacies::add_document(
            &mut tx,
            &ctx(),
            &w.secretary_cb1,
            &r.pub_id,
            "1-KNĐ",
            "Đơn xin vào Đảng",
            "application/pdf",
            &pdf,
            Some(date(2025, 3, 10)),
        )
        .await
        .unwrap();
        candidacies::add_document(
            &mut tx,
            &ctx(),
            &w.secretary_cb1,
            &r.pub_id,
            "1-KNĐ",
            "Đơn xin vào Đảng (bản sao)",
            "application/pdf",
            &pdf,
            None,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let mut c = w.store.read().await.unwrap();
        let notes = candidacies::mentor_notes(&mut c, &w.secretary_cb1, &r.pub_id)
            .await
            .unwrap();
        assert_eq!(
            notes.iter().map(|n| (n.year, n.month)).collect::<Vec<_>>(),
            [(2025, 1), (2025, 2)]
        );
        assert!(notes.iter().all(|n| n.mentor_pub_id == w.mentor.1));
        let docs = candidacies::documents(&mut c, &w.secretary_cb1, &r.pub_id)
            .await
            .unwrap();
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[0].sha256, docs[1].sha256);
        let (blobs,): (i64,) = ketnap_store::fetch_one!(
            c.ex(),
            (i64,),
            "SELECT CAST(COUNT(*) AS BIGINT) FROM file_blob"
        )
        .unwrap();
        assert_eq!(blobs, 1);
        let content = candidacies::document_content(&mut c, &w.secretary_cb1, d1.as_str())
            .await
            .unwrap();
        assert_eq!(content.bytes, pdf);
        assert!(matches!(
            candidacies::document_content(&mut c, &w.secretary_cb3, d1.as_str()).await,
            Err(StoreError::NotFound(_))
        ));

        // The decision window: 60 working days from the cell's resolution of 06/05/2025 are long
        // past on 23/11/2026.
        let alerts = candidacies::alerts_in_scope(&mut c, &w.staff_xa, &w.book, TODAY, 50)
            .await
            .unwrap();
        assert!(
            alerts.iter().any(|a| a.candidacy_pub_id == r.pub_id
                && a.alert.rule_id == "deadline.decision"
                && a.alert.status == ketnap_domain::alerts::AlertStatus::Overdue),
            "{alerts:#?}"
        );
        assert!(
            candidacies::alerts_in_scope(&mut c, &w.secretary_cb3, &w.book, TODAY, 50)
                .await
                .unwrap()
                .is_empty()
        );
        let f = ListFilter {
            overdue: Some(Overdue {
                book: &w.book,
                today: TODAY,
            }),
            ..ListFilter::default()
        };
        let overdue = candidacies::list(&mut c, &w.staff_xa, &f, None, 10)
            .await
            .unwrap();
        assert_eq!(overdue.items.len(), 1);
        drop(c);

        // A Youth Union branch introduces two people; one is listed as a source on its proposal.
        let mut tx = w.store.begin().await.unwrap();
        let youth = units::create_mass_org(
            &mut tx,
            &ctx(),
            &NewMassOrg {
                org_id: w.xa,
                kind: MassOrgKind::YouthUnion,
                name: "Đoàn Thanh niên xã Tân Phú".into(),
                pub_id: None,
            },
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let a = person(&w.store, "Lục Văn Phong", "20/10/2000", "Nam", "Tày").await;
        let b = person(&w.store, "Ông Thị Quế", "15/04/2001", "Nữ", "Kinh").await;
        let mut tx = w.store.begin().await.unwrap();
        for x in [a, b] {
            candidacies::introduce(
                &mut tx,
                &ctx(),
                &w.staff_xa,
                youth,
                x,
                w.cb1,
                date(2025, 8, 1),
            )
            .await
            .unwrap();
        }
        let outside = candidacies::introduce(
            &mut tx,
            &ctx(),
            &w.staff_xa,
            youth,
            a,
            w.cb3,
            date(2025, 8, 1),
        )
        .await;
        assert!(outside.is_err(), "cb3 is outside the Youth Union's commune");
        let (youth_pub,): (String,) = ketnap_store::fetch_one!(
            tx.ex(),
            (String,),
            "SELECT pub_id FROM mass_org WHERE mass_org_id = $1",
            youth
        )
        .unwrap();
        candidacies::open(
            &mut tx,
            &ctx(),
            &w.book,
            &w.staff_xa,
            a,
            w.cb1,
            &CandidateExtras::default(),
            Command {
                on: date(2025, 8, 5),
                action: Action::Open {
                    source_category: "youth_union_member".into(),
                    proposed_by: Some(youth_pub.clone()),
                    readmission: None,
                },
            },
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let mut c = w.store.read().await.unwrap();
        let counts = candidacies::introductions_by_mass_org(
            &mut c,
            &w.viewer,
            w.province,
            date(2025, 1, 1),
            date(2025, 12, 31),
        )
        .await
        .unwrap();
        assert_eq!(counts.len(), 1);
        assert_eq!((counts[0].introduced, counts[0].listed), (2, 1));
        assert_eq!(counts[0].mass_org_pub_id, youth_pub);
        drop(c);
        assert_consistent(&w, "notes and documents").await;
    }
}

#[tokio::test]
async fn a_merged_cell_hands_over_its_candidacies_and_the_counters_still_rebuild() {
    for store in common::stores().await {
        let w = World::new(store).await;
        let p = person(&w.store, "Lâm Thị Xuân", "08/03/1990", "Nữ", "Kinh").await;
        let mut r = w
            .open(&w.staff_xa, p, w.cb2, date(2025, 1, 6))
            .await
            .unwrap();
        let mut tx = w.store.begin().await.unwrap();
        ketnap_store::orgs::merge(
            &mut tx,
            &ctx(),
            w.cb2,
            w.cb1,
            date(2025, 1, 7),
            "Hợp nhất thôn Đoài vào thôn Đông",
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        // Now in cb1: its official member may mentor.
        r.step(
            date(2025, 1, 10),
            Action::ListAsSympathizer {
                resolution_no: "01-NQ/CB".into(),
                mentor: w.member_ref(&w.mentor.1),
            },
        )
        .await;
        let mut c = w.store.read().await.unwrap();
        let g = counters::gauges(&mut c, &Scope::system(), w.cb1)
            .await
            .unwrap();
        assert_eq!(g.get(&Stage::Sympathizer), Some(&1));
        assert_eq!(
            g.get(&Stage::Source),
            None,
            "the source left the closed cell's gauge"
        );
        drop(c);
        let report = rebuild(&w.store, &w.book).await.unwrap();
        assert!(report.is_clean(), "{report:#?}");
        let (gauges, stages) = w.gauge_recount().await;
        assert_eq!(gauges, stages);
        assert!(audit::verify(&w.store).await.unwrap().ok());
    }
}

/// intro.cowork (QĐ 24-QĐ/TW §3.2.1): an introducer works in the same unit under the same
/// grassroots organisation. The store decides it from the tree, whatever the client sends.
#[tokio::test]
async fn intro_cowork_an_introducer_of_another_grassroots_organisation_is_refused() {
    for store in common::stores().await {
        let engine = common::name(&store);
        let w = World::new(store).await;
        let sec = w.secretary_cb1.clone();
        let p = person(&w.store, "Lý Văn Sơn", "02/02/1991", "Nam", "Kinh").await;
        let mut r = w.open(&sec, p, w.cb1, date(2025, 1, 6)).await.unwrap();
        r.reach_dossier().await;
        r.step(
            date(2025, 3, 21),
            Action::WithdrawIntroducer {
                member_id: w.introducers[1].clone(),
                reason: "chuyển công tác".into(),
            },
        )
        .await;
        // Vũ Thị Lan sits in a cell of another commune's committee.
        let refused = r
            .try_step(
                date(2025, 3, 22),
                Action::AddIntroducer {
                    introducer: w.member_ref(&w.other_cell_member),
                    letter_on: date(2025, 3, 22),
                    alongside_since: date(2023, 1, 2),
                    replaces: None,
                },
            )
            .await
            .unwrap_err();
        assert!(
            format!("{refused:?}").contains("intro.cowork"),
            "{engine}: {refused:?}"
        );
        // A member of another cell under the same commune committee may introduce.
        let (_, neighbour) = lifecycle_world::member(
            &w.store,
            "Đinh Văn Hải",
            w.cb2,
            ketnap_store::members::MemberStatus::Official,
        )
        .await;
        r.step(
            date(2025, 3, 22),
            Action::AddIntroducer {
                introducer: w.member_ref(&neighbour),
                letter_on: date(2025, 3, 22),
                alongside_since: date(2023, 1, 2),
                replaces: None,
            },
        )
        .await;
        assert_consistent(&w, engine).await;
    }
}

/// vote.cell (Charter Art. 4.3): a cell vote recorded live counts the cell's roster on its day
/// (three official members in Chi bộ thôn Đông; the probationary member does not count), or says
/// why not; the store counts the roster itself.
#[tokio::test]
async fn vote_cell_counts_the_roster_or_a_reason() {
    for store in common::stores().await {
        let engine = common::name(&store);
        let w = World::new(store).await;
        let sec = w.secretary_cb1.clone();
        let p = person(&w.store, "Tạ Văn Khánh", "02/02/1991", "Nam", "Kinh").await;
        let mut r = w.open(&sec, p, w.cb1, date(2025, 1, 6)).await.unwrap();
        r.reach_cell_vote().await;
        let vote = |official: u32, note: Option<&str>| Action::CellVote {
            resolution_no: "05-NQ/CB".into(),
            tally: tally(official, official, official),
            base_note: note.map(str::to_string),
        };
        let refused = r
            .try_step(date(2025, 5, 6), vote(4, None))
            .await
            .unwrap_err();
        let text = format!("{refused:?}");
        assert!(
            text.contains("vote.cell") && text.contains("(3 đảng viên chính thức)"),
            "{engine}: {text}"
        );
        r.step(date(2025, 5, 6), vote(3, None)).await;
        assert_consistent(&w, engine).await;
    }
}

/// students (issue 16): the thresholds a commune's guidance records hold for its cells; a
/// student candidate's cell vote is refused below them and passes with them. Both engines.
#[tokio::test]
async fn students_the_guidance_of_the_commune_holds_for_its_cells() {
    use ketnap_domain::lifecycle::{Standing, StudentThresholds};
    for store in common::stores().await {
        let engine = common::name(&store);
        let w = World::new(store).await;
        let mut tx = w.store.begin().await.unwrap();
        ketnap_store::orgs::set_student_thresholds(
            &mut tx,
            &ctx(),
            w.xa,
            &StudentThresholds {
                min_grade: Standing::Fair,
                min_conduct: Standing::Good,
                source: "Hướng dẫn 03-HD/ĐU ngày 10/01/2025 của Đảng ủy xã".into(),
            },
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let mut c = w.store.read().await.unwrap();
        assert!(
            ketnap_store::orgs::student_thresholds(c.ex(), w.cb1)
                .await
                .unwrap()
                .is_some()
        );
        assert!(
            ketnap_store::orgs::student_thresholds(c.ex(), w.cb3)
                .await
                .unwrap()
                .is_none()
        );
        drop(c);
        let sec = w.secretary_cb1.clone();
        let p = person(&w.store, "Lù Thị Mai", "02/02/1990", "Nữ", "Hà Nhì").await;
        let mut r = w
            .open_as(&sec, p, w.cb1, date(2025, 1, 6), "Sinh viên")
            .await
            .unwrap();
        r.reach_cell_vote().await;
        let vote = || Action::CellVote {
            base_note: Some(lifecycle_world::STUB_ROSTER.into()),
            resolution_no: "05-NQ/CB".into(),
            tally: tally(9, 9, 9),
        };
        r.step(
            date(2025, 4, 25),
            Action::RecordStudentResults {
                school_year: "2023–2024".into(),
                grade: Standing::Average,
                conduct: Standing::Good,
            },
        )
        .await;
        let refused = r.try_step(date(2025, 5, 6), vote()).await.unwrap_err();
        assert!(
            format!("{refused:?}").contains("students"),
            "{engine}: {refused:?}"
        );
        r.step(
            date(2025, 4, 28),
            Action::RecordStudentResults {
                school_year: "2023–2024".into(),
                grade: Standing::Fair,
                conduct: Standing::Good,
            },
        )
        .await;
        r.step(date(2025, 5, 6), vote()).await;
        assert_consistent(&w, engine).await;
    }
}

/// The candidate page's one read (`candidacies::get_with_person`, issue 19) gives what `get` and
/// `people::get` give apart — the candidacy's source category (a student) and the person's
/// (a teacher) each its own though both columns bear one name — and refuses what `get` refuses:
/// a cell outside the scope, a role that sees aggregates only. Both engines.
#[tokio::test]
async fn a_candidacy_with_its_person_reads_as_the_two_reads_do() {
    for store in common::stores().await {
        let engine = common::name(&store);
        let w = World::new(store).await;
        let sec = w.secretary_cb1.clone();
        let p = person(&w.store, "Lù Thị Mai", "02/02/1990", "Nữ", "Hà Nhì").await;
        let r = w
            .open_as(&sec, p, w.cb1, date(2025, 1, 6), "Sinh viên")
            .await
            .unwrap();
        let mut c = w.store.read().await.unwrap();
        let (view, person) = candidacies::get_with_person(&mut c, &sec, &r.pub_id)
            .await
            .unwrap();
        let alone = candidacies::get(&mut c, &sec, &r.pub_id).await.unwrap();
        let profile = ketnap_store::people::get(&mut c, &sec, &alone.person_pub_id)
            .await
            .unwrap();
        assert_eq!(view.source_category, "university_student", "{engine}");
        assert_eq!(
            profile.person.source_category,
            ketnap_domain::person::SourceCategory::Teacher,
            "{engine}"
        );
        assert_eq!(view, alone, "{engine}");
        assert_eq!(person, profile, "{engine}");
        assert!(matches!(
            candidacies::get_with_person(&mut c, &w.secretary_cb3, &r.pub_id).await,
            Err(StoreError::NotFound(_))
        ));
        assert!(matches!(
            candidacies::get_with_person(&mut c, &w.viewer, &r.pub_id).await,
            Err(StoreError::Forbidden(_))
        ));
    }
}

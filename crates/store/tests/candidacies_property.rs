//! Property: any random sequence of commands — mostly the next sensible step with random (often
//! wrong) details, sometimes any step at all, a stale version or a role that may not act —
//! recorded through `candidacies::execute` leaves a store whose projection and counters equal a
//! rebuild from the events, whose audit chain verifies and whose gauges equal a recount of the
//! stages. Each case runs on a fresh SQLite store and, when configured, a fresh PostgreSQL schema.
#![allow(clippy::unwrap_used)]

use crate::common;
use crate::lifecycle_world;

use jiff::ToSpan;
use jiff::civil::{Date, date};
use ketnap_domain::lifecycle::{
    Action, AnnulTarget, Authority, Candidacy, CertIssuer, CommitteeTally, Level, MemberFacts,
    Relation, Stage, Tally, UnionKind, VerificationOutcome,
};
use ketnap_store::candidacies;
use ketnap_store::rebuild::rebuild;
use ketnap_store::{Scope, StoreError, audit, fetch_one};
use lifecycle_world::{TODAY, World, person};
use proptest::prelude::*;

/// A small deterministic generator for the details of one step.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn range(&mut self, lo: u32, hi: u32) -> u32 {
        lo + u32::try_from(self.below(u64::from(hi - lo + 1))).unwrap()
    }
    fn ratio(&mut self, a: u64, b: u64) -> bool {
        self.below(b) < a
    }
}

/// The members a command may name: an official mentor and an official introducer of the first
/// cell, a probationary member of it, and an official member of another commune.
struct Names {
    members: [String; 4],
    cells: [String; 2],
}

impl Names {
    fn member(&self, r: &mut Rng) -> MemberFacts {
        MemberFacts {
            member_id: self.members[usize::try_from(r.below(4)).unwrap()].clone(),
            // Whatever a client claims: the store reads the roster.
            official: true,
            same_cell: true,
            same_grassroots: true,
        }
    }
}

fn back(day: Date, r: &mut Rng, max: u64) -> Date {
    day.checked_sub(i64::try_from(r.below(max)).unwrap().days())
        .unwrap_or(day)
}

fn tally(r: &mut Rng) -> Tally {
    let official = r.range(5, 11);
    let present = r.range(official / 2, official);
    Tally {
        official_members: official,
        exempt_absent: 0,
        present,
        ballots: None,
        in_favour: r.range(present / 2, present),
    }
}

fn committee(r: &mut Rng) -> CommitteeTally {
    let members = r.range(5, 11);
    CommitteeTally {
        members,
        in_favour: r.range(members / 2, members),
    }
}

/// The step a clerk would take next at this stage, with random (possibly wrong) details.
fn guided(c: &Candidacy, day: Date, r: &mut Rng, n: &Names) -> Action {
    match c.stage {
        None | Some(Stage::Source) => Action::ListAsSympathizer {
            resolution_no: "01-NQ/CB".into(),
            mentor: n.member(r),
        },
        Some(Stage::Sympathizer) => Action::EnrolInCourse {
            course: "Lớp nhận thức về Đảng".into(),
        },
        Some(Stage::Course) => Action::RecordCertificate {
            number: "CN-1".into(),
            issued_on: back(day, r, 30),
            issuer: CertIssuer::PoliticalCentre("Trung tâm Chính trị".into()),
        },
        Some(Stage::Dossier) => match (
            c.application_on,
            c.background_on,
            c.introducers.len(),
            c.comments_on,
        ) {
            (None, ..) => Action::SubmitApplication,
            (_, None, ..) => Action::DeclareBackground,
            (_, _, k, _) if k < 2 => Action::AddIntroducer {
                introducer: n.member(r),
                letter_on: back(day, r, 10),
                alongside_since: back(day, r, 900),
                replaces: None,
            },
            (_, _, _, None) => Action::RecordComments {
                summary_on: back(day, r, 10),
            },
            _ => Action::StampBackground,
        },
        Some(Stage::Verification) => {
            let sent = u32::try_from(c.verification.len()).unwrap();
            if sent < 2 {
                Action::SendVerification {
                    request_no: sent,
                    subject: if sent == 0 {
                        Relation::Candidate
                    } else {
                        Relation::Parents
                    },
                    destination: "UBND xã".into(),
                }
            } else if let Some(open) = c.verification.iter().find(|q| q.answer.is_none()) {
                Action::AnswerVerification {
                    request_no: open.request_no,
                    outcome: if r.ratio(1, 20) {
                        VerificationOutcome::Disqualifying
                    } else {
                        VerificationOutcome::Clear
                    },
                }
            } else {
                Action::CertifyBackground
            }
        }
        Some(Stage::CellVote) => Action::CellVote {
            base_note: None,
            resolution_no: "05-NQ/CB".into(),
            tally: tally(r),
        },
        Some(Stage::GrassrootsVote) => Action::GrassrootsVote {
            resolution_no: "12-NQ/ĐU".into(),
            tally: committee(r),
        },
        Some(Stage::AwaitingDecision) => Action::AdmissionDecision {
            decision_no: "345-QĐ/ĐU".into(),
            approved: r.ratio(9, 10),
            authority: Authority::SuperiorStandingCommittee,
            received_on: day
                .checked_add(i64::try_from(r.below(5)).unwrap().days())
                .unwrap_or(day),
            superior_consent_on: None,
        },
        Some(Stage::AwaitingCeremony) => Action::HoldCeremony {
            late_approval: None,
        },
        Some(Stage::Probationary) if c.new_member_course_on.is_none() => {
            Action::CompleteNewMemberCourse {
                certificate_no: "ĐVM-1".into(),
            }
        }
        Some(Stage::Probationary) if c.failed_recognition_votes >= 3 => Action::SuperiorRuling {
            decision_no: "9-QĐ/HU".into(),
            recognise: r.ratio(1, 2),
        },
        Some(Stage::Probationary) => Action::RecognitionCellVote {
            base_note: None,
            resolution_no: "20-NQ/CB".into(),
            tally: tally(r),
        },
        Some(Stage::RecognitionVote) if c.recognition_grassroots.is_none() => {
            Action::RecognitionGrassrootsVote {
                resolution_no: "30-NQ/ĐU".into(),
                tally: committee(r),
            }
        }
        Some(Stage::RecognitionVote) => Action::RecognitionDecision {
            decision_no: "400-QĐ/ĐU".into(),
            approved: r.ratio(9, 10),
            authority: Authority::SuperiorStandingCommittee,
        },
        Some(Stage::TransferredOut) => Action::TransferIn {
            from: "Chi bộ cũ".into(),
        },
        Some(_) => Action::Annul {
            decision_no: "77-QĐ/HU".into(),
            reason: "Không đúng quy trình".into(),
            target: if r.ratio(1, 2) {
                AnnulTarget::Recognition
            } else {
                AnnulTarget::Admission
            },
        },
    }
}

/// Any step at all, with random details.
fn any_step(day: Date, r: &mut Rng, n: &Names) -> Action {
    match r.below(22) {
        0 => Action::AssignMentor {
            mentor: n.member(r),
        },
        1 => Action::FailCourse,
        2 => Action::EnrolInCourse { course: " ".into() },
        3 => Action::RecordCertificate {
            number: "CN-2".into(),
            issued_on: back(day, r, 2500),
            issuer: CertIssuer::Other("Trường".into()),
        },
        4 => Action::WithdrawIntroducer {
            member_id: n.members[0].clone(),
            reason: "Chuyển công tác".into(),
        },
        5 => Action::RecordUnionIntroduction {
            union: UnionKind::YouthUnion,
            resolution_no: "3-NQ/ĐTN".into(),
            resolution_on: back(day, r, 20),
        },
        6 => Action::PartialAppraisal {
            report_no: "7-BC".into(),
            approved: r.ratio(1, 2),
        },
        7 => Action::ReturnDossier {
            by: Level::Grassroots,
            reason: "Thiếu giấy tờ".into(),
        },
        8 => Action::ExtendDeadline {
            working_days: r.range(0, 40),
            reason: "Chờ thẩm tra bổ sung".into(),
        },
        9 => Action::Remove {
            decision_no: "51-QĐ".into(),
            reason: "Vi phạm".into(),
        },
        10 => Action::Withdraw {
            reason: "Xin rút".into(),
        },
        11 => Action::Reject {
            reason: "Không đủ tiêu chuẩn".into(),
        },
        12 => Action::TransferOut {
            to: if r.ratio(2, 3) {
                n.cells[usize::try_from(r.below(2)).unwrap()].clone()
            } else {
                "Đảng bộ tỉnh khác".into()
            },
        },
        13 => Action::TransferIn {
            from: "Chi bộ cũ".into(),
        },
        14 => Action::RecordDeath,
        15 => Action::Annul {
            decision_no: "77-QĐ".into(),
            reason: "Sai".into(),
            target: AnnulTarget::Admission,
        },
        16 => Action::DeclareMemberBackground,
        17 => Action::SubmitSelfReview,
        18 => Action::HoldCeremony {
            late_approval: Some("CV 12".into()),
        },
        19 => Action::CellVote {
            base_note: None,
            resolution_no: String::new(),
            tally: tally(r),
        },
        20 => Action::SuperiorRuling {
            decision_no: "9".into(),
            recognise: true,
        },
        _ => Action::Open {
            source_category: "teacher".into(),
            proposed_by: None,
            readmission: None,
        },
    }
}

/// What each step of a case does: how to pick the action, the days since the previous step, and
/// the seed of its details.
#[derive(Clone, Copy, Debug)]
struct Plan {
    pick: u8,
    gap: u8,
    seed: u64,
}

fn plan() -> impl Strategy<Value = Vec<Plan>> {
    proptest::collection::vec(
        (0u8..100, 0u8..25, any::<u64>()).prop_map(|(pick, gap, seed)| Plan { pick, gap, seed }),
        20..140,
    )
}

async fn head(w: &World) -> (i64, i64) {
    let mut c = w.store.read().await.unwrap();
    let (events,): (i64,) = fetch_one!(
        c.ex(),
        (i64,),
        "SELECT CAST(COUNT(*) AS BIGINT) FROM candidacy_event"
    )
    .unwrap();
    let (audit,): (i64,) =
        fetch_one!(c.ex(), (i64,), "SELECT CAST(COUNT(*) AS BIGINT) FROM audit").unwrap();
    (events, audit)
}

async fn run_case(w: &World, steps: &[Plan]) -> Result<(), TestCaseError> {
    let system = Scope::system();
    let mut c = w.store.read().await.unwrap();
    let names = Names {
        members: [
            w.mentor.1.clone(),
            w.introducers[0].clone(),
            w.probationary.clone(),
            w.other_cell_member.clone(),
        ],
        cells: [
            ketnap_store::orgs::get_by_id(&mut c, w.cb1)
                .await
                .unwrap()
                .pub_id,
            w.cb2_pub.clone(),
        ],
    };
    drop(c);
    let p = person(&w.store, "Hồ Văn Thắng", "01/01/1985", "Nam", "Kinh").await;
    let mut day = date(2021, 1, 4);
    let mut run = w.open(&system, p, w.cb1, day).await.unwrap();
    let mut accepted = 1i64;
    for step in steps {
        day = day.checked_add(i64::from(step.gap).days()).unwrap();
        if day > TODAY {
            break;
        }
        let mut r = Rng(step.seed);
        let mut cc = w.store.read().await.unwrap();
        let state = candidacies::get(&mut cc, &system, &run.pub_id)
            .await
            .unwrap()
            .state;
        drop(cc);
        let action = if step.pick < 75 || step.pick >= 90 {
            guided(&state, day, &mut r, &names)
        } else {
            any_step(day, &mut r, &names)
        };
        let stale = (90..95).contains(&step.pick) && run.version > 1;
        let wrong_role = step.pick >= 95 && !candidacies::may_execute(w.centre.role, &action);
        run.scope = if wrong_role {
            w.centre.clone()
        } else {
            system.clone()
        };
        if stale {
            run.version -= 1;
        }
        let before = head(w).await;
        let res = run.try_step(day, action.clone()).await;
        if stale {
            run.version += 1;
            prop_assert!(
                matches!(res, Err(StoreError::Conflict { .. })),
                "stale version accepted: {res:?}"
            );
        } else if wrong_role {
            prop_assert!(
                matches!(res, Err(StoreError::Forbidden(_))),
                "{action:?}: {res:?}"
            );
        }
        match &res {
            Ok(_) => accepted += 1,
            Err(StoreError::Refused(v)) => {
                prop_assert!(!v.is_empty());
                prop_assert!(v.iter().all(|x| !x.message_vi.trim().is_empty()));
            }
            Err(StoreError::Conflict { .. } | StoreError::Forbidden(_)) => {}
            Err(StoreError::Invalid { message_vi, .. }) => {
                prop_assert!(!message_vi.is_empty())
            }
            Err(e) => prop_assert!(false, "{action:?} on {day}: {e}"),
        }
        if res.is_err() {
            prop_assert_eq!(head(w).await, before, "a refused step wrote something");
        }
    }
    let mut cc = w.store.read().await.unwrap();
    let view = candidacies::get(&mut cc, &system, &run.pub_id)
        .await
        .unwrap();
    prop_assert_eq!(view.version, accepted);
    let history = candidacies::history(&mut cc, &system, &run.pub_id)
        .await
        .unwrap();
    prop_assert_eq!(history.len() as i64, accepted);
    drop(cc);

    let report = rebuild(&w.store, &w.book).await.unwrap();
    prop_assert!(report.is_clean(), "rebuild differs: {:#?}", report);
    prop_assert_eq!(report.events as i64, accepted);
    let v = audit::verify(&w.store).await.unwrap();
    prop_assert!(v.ok(), "audit chain broken: {:?}", v);
    let (gauges, stages) = w.gauge_recount().await;
    prop_assert_eq!(gauges, stages);
    let flows = w.flow_totals().await;
    let admitted = w
        .event_count("admission_decision", Some(Stage::AwaitingCeremony))
        .await
        - w.event_count("annul", Some(Stage::Annulled)).await;
    prop_assert_eq!(flows.get("admission").copied().unwrap_or(0), admitted);
    prop_assert_eq!(
        flows.get("ceremony").copied().unwrap_or(0),
        w.event_count("hold_ceremony", None).await
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, failure_persistence: None, ..ProptestConfig::default() })]
    #[test]
    fn random_command_sequences_keep_projection_counters_and_audit_consistent(steps in plan()) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            for store in common::stores().await {
                let w = World::new(store).await;
                run_case(&w, &steps).await?;
                w.store.close().await;
            }
            Ok::<(), TestCaseError>(())
        })?;
    }
}

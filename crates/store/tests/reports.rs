//! Conformance: the reports (plan vs actual up the tree, drill-down, periodic report with pipeline
//! ageing, composition and the year-over-year figures) on SQLite and PostgreSQL alike.
//!
//! Rules cited: shared/domain/plans-and-reports.md — "Sub-group achievement is measured against
//! the admissions target" (seed: 2018, 23 admitted of a target of 16 → 143,75 %; 15 women →
//! 93,75 %; 14 Youth Union members → 87,5 %), "reported cumulatively through the year and by
//! quarter", "Mass organisations' introductions are counted per organisation"; ARCHITECTURE.md —
//! "a subtree total is one join" over the closure table, and every read takes the scope.
#![allow(clippy::unwrap_used)]

use crate::common;
use crate::lifecycle_world;

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::{Date, date};
use ketnap_domain::lifecycle::{
    Action, AnnulTarget, Authority, CertIssuer, Command, CommitteeTally, Event, MemberFacts, Stage,
    UnionKind,
};
use ketnap_domain::org::{CellKind, GrassrootsKind, OrgKind};
use ketnap_domain::person::{PersonForm, SourceCategory};
use ketnap_domain::plan::{Actuals, Entry, EntryKind, Line, Period, Plan, SubGroup, SubTarget};
use ketnap_domain::stats::AgeBand;
use ketnap_store::candidacies::{self, CandidateExtras};
use ketnap_store::counters::{self, Tags};
use ketnap_store::orgs::{self, NewOrg};
use ketnap_store::reports::{self, StageAge};
use ketnap_store::units::{self, MassOrgKind, NewMassOrg};
use ketnap_store::{Scope, Store, StoreError, people, plans};
use lifecycle_world::{Run, TODAY, World, ctx, tally};
use proptest::prelude::*;

// ---------------------------------------------------------------------------------------------
// Driving candidacies through the real write path
// ---------------------------------------------------------------------------------------------

const FAMILY: [&str; 8] = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi"];
const GIVEN: [&str; 24] = [
    "An", "Bích", "Chi", "Dung", "Giang", "Hà", "Hạnh", "Hương", "Lan", "Linh", "Mai", "Nga",
    "Nhung", "Oanh", "Phương", "Quyên", "Thảo", "Trang", "Uyên", "Vân", "Xuân", "Yến", "Hòa",
    "Khánh",
];

/// A fictional person: `birth` is dd/mm/yyyy.
async fn person(store: &Store, i: usize, woman: bool, birth: &str, youth_union: bool) -> i64 {
    let middle = if woman { "Thị" } else { "Văn" };
    let form = PersonForm {
        full_name: format!("{} {middle} {}", FAMILY[i % 8], GIVEN[i % GIVEN.len()]),
        birth_date: birth.into(),
        gender: if woman { "Nữ" } else { "Nam" }.into(),
        ethnicity: "Kinh".into(),
        religion: "Không".into(),
        education: "12/12".into(),
        qualification: "Đại học".into(),
        theory_level: "Sơ cấp".into(),
        source_category: "Giáo viên".into(),
        youth_union_member: youth_union,
        ..PersonForm::default()
    };
    let p = form.parse(TODAY).unwrap();
    let mut tx = store.begin().await.unwrap();
    let id = people::insert(&mut tx, &ctx(), &p, None).await.unwrap();
    tx.commit().await.unwrap();
    id
}

/// List `person_id` as a source of `cell` on `on`, in `category`, by the commune's staff.
async fn open<'a>(w: &'a World, person_id: i64, cell: i64, on: Date, category: &str) -> Run<'a> {
    let mut tx = w.store.begin().await.unwrap();
    let (_, pub_id, _) = candidacies::open(
        &mut tx,
        &ctx(),
        &w.book,
        &w.staff_xa,
        person_id,
        cell,
        &CandidateExtras::default(),
        Command {
            on,
            action: Action::Open {
                source_category: category.into(),
                proposed_by: None,
                readmission: None,
            },
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    Run {
        w,
        scope: w.staff_xa.clone(),
        pub_id: pub_id.to_string(),
        version: 1,
    }
}

/// Source (06/01/2025) → … → admission decision approved on 16/06/2025, every step through
/// `candidacies::execute`. A candidate of youth age carries the Youth Union's introduction
/// (4-KNĐ) before the cell votes.
async fn admit<'a>(w: &'a World, person_id: i64, category: &str, youth: bool) -> Run<'a> {
    let mut r = open(w, person_id, w.cb1, date(2025, 1, 6), category).await;
    r.reach_cell_vote().await;
    if youth {
        r.step(
            date(2025, 4, 25),
            Action::RecordUnionIntroduction {
                union: UnionKind::YouthUnion,
                resolution_no: "07-NQ/ĐTN".into(),
                resolution_on: date(2025, 4, 25),
            },
        )
        .await;
    }
    r.step(
        date(2025, 5, 6),
        Action::CellVote {
            base_note: Some(lifecycle_world::STUB_ROSTER.into()),
            resolution_no: "05-NQ/CB".into(),
            tally: tally(9, 9, 7),
        },
    )
    .await;
    r.step(
        date(2025, 5, 20),
        Action::GrassrootsVote {
            resolution_no: "12-NQ/ĐU".into(),
            tally: CommitteeTally {
                members: 9,
                in_favour: 7,
            },
        },
    )
    .await;
    r.step(
        date(2025, 6, 16),
        Action::AdmissionDecision {
            decision_no: "345-QĐ/ĐU".into(),
            approved: true,
            authority: Authority::SuperiorStandingCommittee,
            received_on: date(2025, 6, 18),
            superior_consent_on: None,
        },
    )
    .await;
    r
}

const CATEGORIES: [&str; 4] = [
    "teacher",
    "upper_secondary_student",
    "private_enterprise_worker",
    "hamlet_head",
];

/// The seed's year in this world's calendar: 23 admitted in the commune's first cell, of whom 15
/// women (0..15) and 14 Youth Union members of youth age (9..23); the nine others are 31 or
/// older: five born in 1990, three in 1980, one in 1970. Source categories rotate over
/// [`CATEGORIES`].
async fn worked_example(w: &World) -> Vec<String> {
    let mut pubs = Vec::new();
    for i in 0..23 {
        let youth = i >= 9;
        let birth = match i {
            9.. => "15/08/1998",
            0..=4 => "01/01/1990",
            5..=7 => "01/01/1980",
            _ => "01/01/1970",
        };
        let p = person(&w.store, i, i < 15, birth, youth).await;
        let r = admit(w, p, CATEGORIES[i % 4], youth).await;
        pubs.push(r.pub_id.clone());
    }
    pubs
}

fn line_pct(report: &ketnap_domain::plan::PlanVsActual, line: &Line) -> String {
    report.line(line).unwrap().achievement.pct_text()
}

#[tokio::test]
async fn the_seeds_worked_example_reproduces_143_75_93_75_and_87_5_percent() {
    // plans-and-reports.md: "năm 2018 kết nạp 23 đảng viên, đạt 143,75 % chỉ tiêu (trong đó 15
    // nữ, đạt 93,75 %; 14 đoàn viên ưu tú, đạt 87,5 %)" — target 16: 23/16, 15/16, 14/16.
    for store in common::stores().await {
        let engine = common::name(&store);
        let w = World::new(store).await;
        let pubs = worked_example(&w).await;
        let mut plan = Plan {
            admissions: 16,
            sources: 30,
            course_attendees: 20,
            ..Plan::new(Period::Year(2025))
        };
        plan.sub_targets
            .insert(SubGroup::Women, SubTarget::Count(8));
        plan.sub_targets
            .insert(SubGroup::YouthUnion, SubTarget::Share(7000));
        let mut tx = w.store.begin().await.unwrap();
        plans::upsert(&mut tx, &ctx(), &Scope::system(), w.xa, &plan)
            .await
            .unwrap();
        tx.commit().await.unwrap();

        let mut c = w.store.read().await.unwrap();
        let r = reports::plan_vs_actual(&mut c, &w.staff_xa, w.xa, &Period::Year(2025))
            .await
            .unwrap();
        assert_eq!(r.org.code, "T.TP", "{engine}");
        assert_eq!(r.actuals.admissions, 23, "{engine}");
        let res = r.result.as_ref().unwrap();
        assert_eq!(line_pct(res, &Line::Admissions), "143,75 %", "{engine}");
        assert!(res.line(&Line::Admissions).unwrap().achievement.exceeded());
        assert_eq!(
            line_pct(res, &Line::SubGroup(SubGroup::Women)),
            "93,75 %",
            "{engine}"
        );
        assert_eq!(
            line_pct(res, &Line::SubGroup(SubGroup::YouthUnion)),
            "87,5 %",
            "{engine}"
        );
        // Beside the seeds' convention, each sub-group against its own sub-target.
        let women = res.line(&Line::SubGroup(SubGroup::Women)).unwrap();
        assert_eq!(women.against_sub_target().unwrap().fraction(), "15/8");
        let youth = res.line(&Line::SubGroup(SubGroup::YouthUnion)).unwrap();
        assert_eq!(youth.sub_target, Some(11), "16 × 70 % = 11,2 → 11");
        // Sources (listed 10/01) and course attendees (certified 03/03) of the year.
        assert_eq!(line_pct(res, &Line::Sources), "76,7 %", "23/30");
        assert_eq!(line_pct(res, &Line::CourseAttendees), "115 %", "23/20");
        // Sub-groups from the source categories: 6 teachers (i % 4 == 0), 6 students, 6 workers,
        // 5 hamlet heads.
        let a = &r.actuals;
        let g = |s: SubGroup| a.get(&Line::SubGroup(s));
        assert_eq!(
            (
                g(SubGroup::Teachers),
                g(SubGroup::Students),
                g(SubGroup::Workers),
                g(SubGroup::HamletHeads)
            ),
            (6, 6, 6, 5),
            "{engine}"
        );

        // By quarter: listed and certified in Q1, admitted in Q2; cumulative against the annual
        // plan, each quarter against its even split (16 → 4 a quarter).
        assert_eq!(r.quarters.len(), 4);
        let q1 = &r.quarters[0];
        assert_eq!(
            (
                q1.actuals.sources,
                q1.actuals.course_attendees,
                q1.actuals.admissions
            ),
            (23, 23, 0)
        );
        let q2 = &r.quarters[1];
        assert_eq!(q2.actuals.admissions, 23);
        let q2_own = q2.against_quarter.as_ref().unwrap();
        assert_eq!(q2_own.period, Period::Quarter { year: 2025, q: 2 });
        assert_eq!(line_pct(q2_own, &Line::Admissions), "575 %", "23/4");
        assert_eq!(
            line_pct(
                q1.cumulative_against_plan.as_ref().unwrap(),
                &Line::Admissions
            ),
            "0 %"
        );
        let q4 = &r.quarters[3];
        assert_eq!(q4.cumulative, r.actuals);
        assert_eq!(
            line_pct(
                q4.cumulative_against_plan.as_ref().unwrap(),
                &Line::Admissions
            ),
            "143,75 %"
        );
        let by_q = reports::actuals_by_quarter(&mut c, &w.staff_xa, w.xa, &Period::Year(2025))
            .await
            .unwrap();
        assert_eq!(
            Actuals::sum(by_q.iter().map(|q| &q.actuals)),
            r.actuals,
            "{engine}: the quarters add up to the year"
        );

        // Children: the first cell holds everything, the second none; the rows add up.
        let names: Vec<(&str, u32)> = r
            .children
            .iter()
            .map(|ch| (ch.code.as_str(), ch.actuals.admissions))
            .collect();
        assert_eq!(names.len(), 2);
        assert!(names.contains(&("T.TP.CB1", 23)) && names.contains(&("T.TP.CB2", 0)));
        assert_eq!(r.outside_children, Actuals::default());
        let gap = r.children_gap.as_ref().unwrap();
        assert!(!gap.is_balanced(), "the cells have no plans yet");

        // Drill-down: the 23 admitted, in pages; the women among them; a viewer sees no names.
        let mut seen = Vec::new();
        let mut after = None;
        let mut pages = 0;
        loop {
            let page = reports::admitted_in(
                &mut c,
                &w.staff_xa,
                w.xa,
                &Period::Year(2025),
                &Line::Admissions,
                after,
                10,
            )
            .await
            .unwrap();
            pages += 1;
            seen.extend(page.items.iter().map(|x| x.candidacy_pub_id.clone()));
            assert!(page.items.iter().all(|x| x.decided_on == date(2025, 6, 16)
                && x.cell_name == "Chi bộ thôn Đông"));
            match page.next {
                Some(n) => after = Some(n),
                None => break,
            }
        }
        assert_eq!(pages, 3, "{engine}: 10 + 10 + 3");
        assert_eq!(
            seen.iter().collect::<BTreeSet<_>>(),
            pubs.iter().collect::<BTreeSet<_>>(),
            "{engine}"
        );
        for (line, n) in [
            (Line::SubGroup(SubGroup::Women), 15),
            (Line::SubGroup(SubGroup::YouthUnion), 14),
            (Line::SubGroup(SubGroup::Students), 6),
            (Line::SubGroup(SubGroup::EthnicMinority), 0),
            (Line::SubGroup(SubGroup::Other("dân quân".into())), 0),
            (Line::Sources, 23),
            (Line::CourseAttendees, 23),
        ] {
            let page = reports::admitted_in(
                &mut c,
                &w.staff_xa,
                w.xa,
                &Period::Year(2025),
                &line,
                None,
                4,
            )
            .await
            .unwrap();
            let mut total = page.items.len();
            let mut next = page.next;
            while let Some(a) = next {
                let p = reports::admitted_in(
                    &mut c,
                    &w.staff_xa,
                    w.xa,
                    &Period::Year(2025),
                    &line,
                    Some(a),
                    4,
                )
                .await
                .unwrap();
                total += p.items.len();
                next = p.next;
            }
            assert_eq!(total, n, "{engine}: drill-down of {line:?}");
            assert_eq!(u32::try_from(n).unwrap(), r.actuals.get(&line), "{line:?}");
        }
        let hidden = reports::admitted_in(
            &mut c,
            &w.viewer,
            w.xa,
            &Period::Year(2025),
            &Line::Admissions,
            None,
            10,
        )
        .await;
        assert!(matches!(hidden, Err(StoreError::Forbidden(_))), "{engine}");
        // The viewer reads the aggregates.
        let seen_by_viewer = reports::actuals(&mut c, &w.viewer, w.xa, &Period::Year(2025))
            .await
            .unwrap();
        assert_eq!(seen_by_viewer, r.actuals);

        // The periodic report of the year: flows, composition of the admitted (ages on the
        // decision's date) and of the membership on 31/12/2025, and 2024 beside it.
        let p = reports::periodic(&mut c, &w.staff_xa, w.xa, &Period::Year(2025), TODAY)
            .await
            .unwrap();
        let f = &p.current.flows;
        assert_eq!(
            (
                f.sources_opened,
                f.sympathizers_listed,
                f.course_certified,
                f.admissions,
                f.recognitions,
                f.removals
            ),
            (23, 23, 23, 23, 0, 0),
            "{engine}"
        );
        assert_eq!(p.current.through, date(2025, 12, 31));
        let adm = &p.current.admitted;
        assert_eq!((adm.total(), adm.women()), (23, 15), "{engine}");
        assert_eq!(adm.youth_union_members(), 14);
        assert_eq!(adm.youth_age(), 14, "born 15/08/1998: 26 on 16/06/2025");
        let bands: Vec<u32> = adm.age_bands().map(|(_, n)| n).collect();
        assert_eq!(
            bands,
            vec![14, 5, 3, 1, 0],
            "{engine}: ≤30, 31–40, 41–50, 51–60, >60"
        );
        assert_eq!(adm.source(SourceCategory::Teacher), 6);
        assert_eq!(adm.source(SourceCategory::HamletHead), 5);
        assert_eq!(adm.women_share().to_string(), "65,22 %");
        // The commune's roster: the four members of the first cell (born 02/09/1975: 50 on
        // 31/12/2025); the decisions alone put no one on it (no ceremony yet).
        let m = &p.current.membership;
        assert_eq!((m.total(), m.women()), (4, 0), "{engine}");
        assert_eq!(m.age_band(AgeBand::From41To50), 4);
        let prev = p.year_earlier.as_ref().unwrap();
        assert_eq!(prev.period, Period::Year(2024));
        assert_eq!(prev.through, date(2024, 12, 31));
        assert_eq!(prev.flows.admissions, 0);
        assert_eq!(prev.admitted.total(), 0);
        assert_eq!(prev.membership.total(), 4, "{engine}");
        // The 23 wait for their ceremony since 16/06/2025: more than 12 months on 23/11/2026.
        assert_eq!(p.pipeline.total(), 23);
        assert_eq!(p.pipeline.rows.len(), 1);
        let row = &p.pipeline.rows[0];
        assert_eq!(row.stage, Stage::AwaitingCeremony);
        assert_eq!(row.age(StageAge::From12Months), 23, "{engine}");
        drop(c);
        w.store.close().await;
    }
}

#[tokio::test]
async fn an_annulled_admission_leaves_every_report() {
    for store in common::stores().await {
        let engine = common::name(&store);
        let w = World::new(store).await;
        let a = person(&w.store, 0, false, "01/01/1985", false).await;
        let b = person(&w.store, 1, true, "01/01/1986", false).await;
        let mut kept = admit(&w, a, "teacher", false).await;
        let mut annulled = admit(&w, b, "teacher", false).await;
        for r in [&mut kept, &mut annulled] {
            r.step(
                date(2025, 7, 1),
                Action::HoldCeremony {
                    late_approval: None,
                },
            )
            .await;
        }
        let mut c = w.store.read().await.unwrap();
        let before = reports::actuals(&mut c, &w.staff_xa, w.xa, &Period::Year(2025))
            .await
            .unwrap();
        assert_eq!(before.admissions, 2, "{engine}");
        drop(c);
        annulled
            .step(
                date(2025, 10, 20),
                Action::Annul {
                    decision_no: "77-QĐ/HU".into(),
                    reason: "Kết nạp không đúng quy trình".into(),
                    target: AnnulTarget::Admission,
                },
            )
            .await;

        let mut c = w.store.read().await.unwrap();
        let year = Period::Year(2025);
        let r = reports::plan_vs_actual(&mut c, &w.staff_xa, w.xa, &year)
            .await
            .unwrap();
        assert_eq!(r.actuals.admissions, 1, "{engine}");
        assert_eq!(r.actuals.get(&Line::SubGroup(SubGroup::Women)), 0);
        assert_eq!(
            r.quarters[1].actuals.admissions, 1,
            "June's count goes back"
        );
        // Counted to the day from June's events (a range cut at both ends), the annulled
        // admission counts minus itself on its own day, as the counters do.
        let cut = reports::actuals(
            &mut c,
            &w.staff_xa,
            w.xa,
            &Period::range(date(2025, 6, 2), date(2025, 6, 29)).unwrap(),
        )
        .await
        .unwrap();
        assert_eq!(
            (cut.admissions, cut.get(&Line::SubGroup(SubGroup::Women))),
            (1, 0),
            "{engine}"
        );
        let rows = reports::admitted_in(
            &mut c,
            &w.staff_xa,
            w.xa,
            &year,
            &Line::Admissions,
            None,
            50,
        )
        .await
        .unwrap();
        let ids: Vec<&str> = rows
            .items
            .iter()
            .map(|x| x.candidacy_pub_id.as_str())
            .collect();
        assert_eq!(ids, vec![kept.pub_id.as_str()], "{engine}");
        let p = reports::periodic(&mut c, &w.staff_xa, w.xa, &year, TODAY)
            .await
            .unwrap();
        assert_eq!(p.current.flows.admissions, 1);
        assert_eq!(p.current.flows.annulments, 1);
        assert_eq!(p.current.flows.ceremonies, 2);
        assert_eq!(p.current.admitted.total(), 1, "{engine}");
        assert_eq!(p.current.admitted.women(), 0);
        // On 31/12/2025 the annulled member is off the roster; on 30/09/2025 both were on it.
        assert_eq!(p.current.membership.total(), 5, "{engine}: 4 + 1");
        let q3 = reports::periodic(
            &mut c,
            &w.staff_xa,
            w.xa,
            &Period::Quarter { year: 2025, q: 3 },
            TODAY,
        )
        .await
        .unwrap();
        assert_eq!(q3.current.through, date(2025, 9, 30));
        assert_eq!(q3.current.membership.total(), 6, "{engine}: 4 + 2");
        assert_eq!(q3.current.membership.women(), 1);
        assert_eq!(q3.current.flows.ceremonies, 2);
        assert_eq!(q3.current.flows.admissions, 0, "decided in Q2");
        drop(c);
        w.store.close().await;
    }
}

#[tokio::test]
async fn pipeline_ageing_buckets_turn_at_3_6_and_12_full_months() {
    for store in common::stores().await {
        let engine = common::name(&store);
        let w = World::new(store).await;
        // As of 23/11/2026: the cut-offs are 23/08/2026, 23/05/2026 and 23/11/2025; a candidacy
        // in its stage since a cut-off has been there exactly that long and falls in the older
        // bucket.
        let opened = [
            date(2026, 8, 24),
            date(2026, 8, 23),
            date(2026, 5, 24),
            date(2026, 5, 23),
            date(2025, 11, 24),
            date(2025, 11, 23),
        ];
        for (i, on) in opened.into_iter().enumerate() {
            let p = person(&w.store, i, i % 2 == 0, "01/01/1990", false).await;
            open(&w, p, w.cb2, on, "teacher").await;
        }
        // Listed as a source long ago, a sympathizer since 01/10/2026; a new mentor on 01/11/2026
        // keeps the stage, so the time in it still runs from 01/10.
        let p = person(&w.store, 6, false, "01/01/1990", false).await;
        let mut r = open(&w, p, w.cb1, date(2024, 1, 8), "teacher").await;
        r.step(
            date(2026, 10, 1),
            Action::ListAsSympathizer {
                resolution_no: "09-NQ/CB".into(),
                mentor: w.member_ref(&w.mentor.1),
            },
        )
        .await;
        r.step(
            date(2026, 11, 2),
            Action::AssignMentor {
                mentor: w.member_ref(&w.introducers[0]),
            },
        )
        .await;
        // A withdrawn candidacy is no longer in the pipeline.
        let p = person(&w.store, 7, true, "01/01/1990", false).await;
        let mut gone = open(&w, p, w.cb2, date(2026, 1, 5), "teacher").await;
        gone.step(
            date(2026, 2, 5),
            Action::Withdraw {
                reason: "Chuyển đi nơi khác".into(),
            },
        )
        .await;

        let mut c = w.store.read().await.unwrap();
        let pipe = reports::pipeline(&mut c, &w.staff_xa, w.xa, TODAY)
            .await
            .unwrap();
        let rows: Vec<(Stage, i64, [i64; 4])> = pipe
            .rows
            .iter()
            .map(|r| (r.stage, r.total, StageAge::ALL.map(|a| r.age(a))))
            .collect();
        assert_eq!(
            rows,
            vec![
                (Stage::Source, 6, [1, 2, 2, 1]),
                (Stage::Sympathizer, 1, [1, 0, 0, 0]),
            ],
            "{engine}"
        );
        // The pure function puts each opening date in the bucket the query counted it in.
        let by_fn: Vec<StageAge> = opened.iter().map(|on| StageAge::of(*on, TODAY)).collect();
        assert_eq!(
            by_fn,
            vec![
                StageAge::Under3Months,
                StageAge::From3To6Months,
                StageAge::From3To6Months,
                StageAge::From6To12Months,
                StageAge::From6To12Months,
                StageAge::From12Months,
            ]
        );
        // A cell's own pipeline is its part of the commune's.
        let cell = reports::pipeline(&mut c, &w.staff_xa, w.cb2, TODAY)
            .await
            .unwrap();
        assert_eq!(cell.total(), 6);
        drop(c);
        w.store.close().await;
    }
}

#[tokio::test]
async fn an_organisation_outside_the_scope_is_not_found_by_any_report() {
    for store in common::stores().await {
        let engine = common::name(&store);
        let w = World::new(store).await;
        let mut c = w.store.read().await.unwrap();
        let year = Period::Year(2025);
        let sec = &w.secretary_cb1;
        // The first cell's secretary reads the first cell…
        assert!(reports::actuals(&mut c, sec, w.cb1, &year).await.is_ok());
        assert!(
            reports::periodic(&mut c, sec, w.cb1, &year, TODAY)
                .await
                .is_ok()
        );
        // … but neither its commune nor another commune's cell.
        for org in [w.xa, w.cb3, w.xa2] {
            let nf = |r: Result<(), StoreError>| matches!(r, Err(StoreError::NotFound(_)));
            assert!(
                nf(reports::actuals(&mut c, sec, org, &year).await.map(drop)),
                "{engine}"
            );
            assert!(nf(reports::actuals_by_quarter(&mut c, sec, org, &year)
                .await
                .map(drop)));
            assert!(nf(reports::plan_vs_actual(&mut c, sec, org, &year)
                .await
                .map(drop)));
            assert!(nf(reports::admitted_in(
                &mut c,
                sec,
                org,
                &year,
                &Line::Admissions,
                None,
                10
            )
            .await
            .map(drop)));
            assert!(nf(reports::periodic(&mut c, sec, org, &year, TODAY)
                .await
                .map(drop)));
            assert!(nf(reports::pipeline(&mut c, sec, org, TODAY)
                .await
                .map(drop)));
            assert!(nf(reports::membership_composition(&mut c, sec, org, TODAY)
                .await
                .map(drop)));
            assert!(nf(reports::admitted_composition(
                &mut c,
                sec,
                org,
                date(2025, 1, 1),
                TODAY
            )
            .await
            .map(drop)));
        }
        // The commune's staff do not reach the other commune either.
        let other = reports::periodic(&mut c, &w.staff_xa, w.xa2, &year, TODAY).await;
        assert!(matches!(other, Err(StoreError::NotFound(_))), "{engine}");
        drop(c);
        w.store.close().await;
    }
}

#[tokio::test]
async fn mass_organisations_introductions_are_counted_per_organisation_with_last_year_beside() {
    for store in common::stores().await {
        let engine = common::name(&store);
        let w = World::new(store).await;
        let mut tx = w.store.begin().await.unwrap();
        let mut ids = Vec::new();
        for (kind, name) in [
            (MassOrgKind::YouthUnion, "Đoàn Thanh niên xã Tân Phú"),
            (MassOrgKind::WomenUnion, "Hội Liên hiệp Phụ nữ xã Tân Phú"),
        ] {
            ids.push(
                units::create_mass_org(
                    &mut tx,
                    &ctx(),
                    &NewMassOrg {
                        org_id: w.xa,
                        kind,
                        name: name.into(),
                        pub_id: None,
                    },
                )
                .await
                .unwrap(),
            );
        }
        tx.commit().await.unwrap();
        let a = person(&w.store, 0, false, "20/10/2000", true).await;
        let b = person(&w.store, 1, true, "15/04/2001", true).await;
        let mut tx = w.store.begin().await.unwrap();
        for (p, on) in [(a, date(2025, 8, 1)), (b, date(2026, 3, 2))] {
            candidacies::introduce(&mut tx, &ctx(), &w.staff_xa, ids[0], p, w.cb1, on)
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();
        let mut c = w.store.read().await.unwrap();
        let p = reports::periodic(&mut c, &w.staff_xa, w.xa, &Period::Year(2026), TODAY)
            .await
            .unwrap();
        let now: Vec<(&str, i64)> = p
            .current
            .introductions
            .iter()
            .map(|i| (i.name.as_str(), i.introduced))
            .collect();
        assert_eq!(
            now,
            vec![
                ("Hội Liên hiệp Phụ nữ xã Tân Phú", 0),
                ("Đoàn Thanh niên xã Tân Phú", 1)
            ],
            "{engine}: one that introduced no one shows zero"
        );
        // 2025 up to 23/11/2025 beside 2026 up to 23/11/2026.
        let prev = p.year_earlier.as_ref().unwrap();
        assert_eq!(
            (prev.from, prev.through),
            (date(2025, 1, 1), date(2025, 11, 23))
        );
        let before: i64 = prev.introductions.iter().map(|i| i.introduced).sum();
        assert_eq!(before, 1, "{engine}");
        // A term has no "same period a year earlier".
        let term = reports::periodic(
            &mut c,
            &w.staff_xa,
            w.xa,
            &Period::Term { start_year: 2025 },
            TODAY,
        )
        .await
        .unwrap();
        assert!(term.year_earlier.is_none());
        assert_eq!(
            term.current
                .introductions
                .iter()
                .map(|i| i.introduced)
                .sum::<i64>(),
            1,
            "the term 2025–2030 starts in 2026"
        );
        drop(c);
        w.store.close().await;
    }
}

// ---------------------------------------------------------------------------------------------
// Property: the actuals of any subtree are the sum of its leaves'
// ---------------------------------------------------------------------------------------------

/// A grassroots committee: `direct` cells under it and one cell group per partial committee; with
/// neither it is a grassroots cell (a leaf).
#[derive(Clone, Debug)]
struct Grass {
    direct: u8,
    partials: Vec<u8>,
}

/// Under the province: a district with grassroots committees, or the committees directly.
#[derive(Clone, Debug)]
struct Unit {
    district: bool,
    grassroots: Vec<Grass>,
}

/// A dated fact recorded in a cell: 0 listed as a sympathizer, 1 certified, 2 admitted.
#[derive(Clone, Debug)]
struct Fact {
    leaf: prop::sample::Index,
    kind: u8,
    year: i16,
    month: i8,
    day: i8,
    women: bool,
    youth_union: bool,
    minority: bool,
    category: usize,
}

const FACT_CATEGORIES: [(&str, Option<SubGroup>); 7] = [
    ("teacher", Some(SubGroup::Teachers)),
    ("upper_secondary_student", Some(SubGroup::Students)),
    ("university_student", Some(SubGroup::Students)),
    ("private_enterprise_worker", Some(SubGroup::Workers)),
    ("hamlet_head", Some(SubGroup::HamletHeads)),
    ("militia", None),
    ("other", None),
];

fn arb_tree() -> impl Strategy<Value = Vec<Unit>> {
    let grass = (0u8..=2, proptest::collection::vec(1u8..=2, 0..=1))
        .prop_map(|(direct, partials)| Grass { direct, partials });
    let unit = (any::<bool>(), proptest::collection::vec(grass, 1..=2)).prop_map(
        |(district, grassroots)| Unit {
            district,
            grassroots,
        },
    );
    proptest::collection::vec(unit, 1..=2)
}

fn arb_facts() -> impl Strategy<Value = Vec<Fact>> {
    let fact = (
        any::<prop::sample::Index>(),
        0u8..3,
        prop_oneof![Just(2025i16), Just(2026i16)],
        1i8..=12,
        1i8..=28,
        (any::<bool>(), any::<bool>(), any::<bool>()),
        0usize..FACT_CATEGORIES.len(),
    )
        .prop_map(
            |(leaf, kind, year, month, day, (women, youth_union, minority), category)| Fact {
                leaf,
                kind,
                year,
                month,
                day,
                women,
                youth_union,
                minority,
                category,
            },
        );
    proptest::collection::vec(fact, 0..25)
}

/// The organisations created: internal key, parent index, leaf or not.
struct Tree {
    orgs: Vec<(i64, Option<usize>, bool)>,
}

impl Tree {
    fn leaves(&self) -> Vec<usize> {
        (0..self.orgs.len()).filter(|&i| self.orgs[i].2).collect()
    }

    /// Is `node` in the subtree of `root`?
    fn under(&self, root: usize, mut node: usize) -> bool {
        loop {
            if node == root {
                return true;
            }
            match self.orgs[node].1 {
                Some(p) => node = p,
                None => return false,
            }
        }
    }
}

async fn add_org(
    tx: &mut ketnap_store::Tx,
    orgs: &mut Vec<(i64, Option<usize>, bool)>,
    code: String,
    kind: OrgKind,
    parent: Option<usize>,
    leaf: bool,
) -> usize {
    let parent_id = parent.map(|p| orgs[p].0);
    let name = format!("Tổ chức {code}");
    let id = orgs::create(tx, &ctx(), &NewOrg::new(code, name, kind, parent_id))
        .await
        .unwrap();
    orgs.push((id, parent, leaf));
    orgs.len() - 1
}

async fn build_tree(store: &Store, units: &[Unit]) -> Tree {
    let mut tx = store.begin().await.unwrap();
    let mut orgs: Vec<(i64, Option<usize>, bool)> = Vec::new();
    let o = &mut orgs;
    let t = &mut tx;
    let root = add_org(t, o, "P".into(), OrgKind::Provincial, None, false).await;
    let commune = GrassrootsKind::Commune;
    let cell = OrgKind::Cell(CellKind::Residential);
    for (u, unit) in units.iter().enumerate() {
        let above = if unit.district {
            add_org(
                t,
                o,
                format!("P.D{u}"),
                OrgKind::District,
                Some(root),
                false,
            )
            .await
        } else {
            root
        };
        for (g, grass) in unit.grassroots.iter().enumerate() {
            let code = format!("P.U{u}.G{g}");
            if grass.direct == 0 && grass.partials.is_empty() {
                let kind = OrgKind::GrassrootsCell(commune);
                add_org(t, o, code, kind, Some(above), true).await;
                continue;
            }
            let kind = OrgKind::Grassroots(commune);
            let gi = add_org(t, o, code.clone(), kind, Some(above), false).await;
            for k in 0..grass.direct {
                add_org(t, o, format!("{code}.C{k}"), cell, Some(gi), true).await;
            }
            for (pi, n) in grass.partials.iter().enumerate() {
                let pcode = format!("{code}.B{pi}");
                let part = add_org(t, o, pcode.clone(), OrgKind::Partial, Some(gi), false).await;
                for k in 0..*n {
                    add_org(t, o, format!("{pcode}.C{k}"), cell, Some(part), true).await;
                }
            }
        }
    }
    tx.commit().await.unwrap();
    Tree { orgs }
}

fn member(id: &str) -> MemberFacts {
    MemberFacts {
        member_id: id.into(),
        official: true,
        same_cell: true,
        same_grassroots: true,
    }
}

/// Record the facts' counters with the write path's own counting function
/// ([`counters::deltas`] then [`counters::apply`], as `ketnap rebuild` does), and return the
/// leaf and the domain entry of each (the oracle: [`Actuals::tally`]).
async fn record(store: &Store, tree: &Tree, facts: &[Fact]) -> Vec<(usize, Entry)> {
    let leaves = tree.leaves();
    let mut tx = store.begin().await.unwrap();
    let mut out = Vec::new();
    for f in facts {
        let leaf = leaves[f.leaf.index(leaves.len())];
        let on = date(f.year, f.month, f.day);
        let (category, group) = &FACT_CATEGORIES[f.category];
        let (action, before, stage, kind) = match f.kind {
            0 => (
                Action::ListAsSympathizer {
                    resolution_no: "1".into(),
                    mentor: member("m"),
                },
                Stage::Source,
                Stage::Sympathizer,
                EntryKind::Source,
            ),
            1 => (
                Action::RecordCertificate {
                    number: "CN-1".into(),
                    issued_on: on,
                    issuer: CertIssuer::PoliticalCentre("Trung tâm".into()),
                },
                Stage::Course,
                Stage::Dossier,
                EntryKind::CourseAttendee,
            ),
            _ => (
                Action::AdmissionDecision {
                    decision_no: "1-QĐ".into(),
                    approved: true,
                    authority: Authority::SuperiorStandingCommittee,
                    received_on: on,
                    superior_consent_on: None,
                },
                Stage::AwaitingDecision,
                Stage::AwaitingCeremony,
                EntryKind::Admission,
            ),
        };
        let event = Event {
            on,
            action,
            stage,
            passed: None,
            rules_version: "QĐ 294-QĐ/TW".into(),
            fixed: Default::default(),
            warnings: Vec::new(),
        };
        let tags = Tags {
            women: f.women,
            youth_union: f.youth_union,
            ethnic_minority: f.minority,
            source_category: (*category).into(),
            ..Tags::default()
        };
        let cell = tree.orgs[leaf].0;
        counters::apply(
            &mut tx,
            &counters::deltas(&event, Some(before), None, &tags, cell),
        )
        .await
        .unwrap();
        let mut sub_groups = Vec::new();
        if f.women {
            sub_groups.push(SubGroup::Women);
        }
        if f.youth_union {
            sub_groups.push(SubGroup::YouthUnion);
        }
        if f.minority {
            sub_groups.push(SubGroup::EthnicMinority);
        }
        sub_groups.extend(group.clone());
        out.push((
            leaf,
            Entry {
                date: on,
                kind,
                sub_groups,
            },
        ));
    }
    tx.commit().await.unwrap();
    out
}

async fn check_case(
    store: &Store,
    units: &[Unit],
    facts: &[Fact],
    month: u8,
) -> Result<(), TestCaseError> {
    let tree = build_tree(store, units).await;
    let entries = record(store, &tree, facts).await;
    let system = Scope::system();
    let periods = [
        Period::Year(2025),
        Period::Year(2026),
        Period::Half { year: 2025, h: 2 },
        Period::Quarter { year: 2026, q: 1 },
        Period::Month { year: 2025, month },
        Period::Term { start_year: 2024 },
    ];
    let mut c = store.read().await.unwrap();
    for period in &periods {
        let mut leaf_actuals: BTreeMap<usize, Actuals> = BTreeMap::new();
        for leaf in tree.leaves() {
            let a = reports::actuals(&mut c, &system, tree.orgs[leaf].0, period)
                .await
                .unwrap();
            leaf_actuals.insert(leaf, a);
        }
        for root in 0..tree.orgs.len() {
            let id = tree.orgs[root].0;
            let got = reports::actuals(&mut c, &system, id, period).await.unwrap();
            let leaves = leaf_actuals
                .iter()
                .filter(|(l, _)| tree.under(root, **l))
                .map(|(_, a)| a);
            prop_assert_eq!(
                &got,
                &Actuals::sum(leaves),
                "{:?} of org #{}: the subtree against the sum of its cells",
                period,
                root
            );
            let oracle = Actuals::tally(
                entries
                    .iter()
                    .filter(|(l, _)| tree.under(root, *l))
                    .map(|(_, e)| e),
                period.first_day(),
                period.last_day(),
            );
            prop_assert_eq!(
                &got,
                &oracle,
                "{:?} of org #{}: against the facts",
                period,
                root
            );
            let r = reports::plan_vs_actual(&mut c, &system, id, period)
                .await
                .unwrap();
            prop_assert_eq!(&r.actuals, &got);
            let rows = Actuals::sum(
                r.children
                    .iter()
                    .map(|ch| &ch.actuals)
                    .chain([&r.outside_children]),
            );
            prop_assert_eq!(&rows, &got, "the children's rows add up");
            prop_assert_eq!(
                &Actuals::sum(r.quarters.iter().map(|q| &q.actuals)),
                &got,
                "the quarters add up"
            );
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, failure_persistence: None, ..ProptestConfig::default() })]
    #[test]
    fn the_actuals_of_any_subtree_equal_the_sum_over_its_cells(
        units in arb_tree(),
        facts in arb_facts(),
        month in 1u8..=12,
    ) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            for store in common::stores().await {
                check_case(&store, &units, &facts, month).await?;
                store.close().await;
            }
            Ok::<(), TestCaseError>(())
        })?;
    }
}

/// Terms run from congress to congress (plans-and-reports.md, "Quotas and plans"): an admission
/// decided the day before the commune's 2025 congress belongs to the 2020–2025 term, one decided
/// on the congress day to the 2025–2030 term; the quarters add up to the term; a cell counts by
/// its grassroots organisation's congresses; without a recorded congress the page is told the
/// convention used. Both engines.
#[tokio::test]
async fn a_term_runs_from_its_congress_to_the_next_to_the_day() {
    for store in common::stores().await {
        let engine = common::name(&store);
        let w = World::new(store).await;
        let sec = w.secretary_cb1.clone();
        let p = lifecycle_world::person(&w.store, "Vi Văn Tường", "02/02/1991", "Nam", "Tày").await;
        let mut r = w.open(&sec, p, w.cb1, date(2025, 1, 6)).await.unwrap();
        r.reach_probation().await; // admitted on 16/06/2025
        let s = Scope::system();
        let term = |y| Period::Term { start_year: y };
        let admissions = |m: Actuals| m.admissions;

        // No congress recorded: the five plan years after the congress year, said on the page.
        let mut c = w.store.read().await.unwrap();
        let span = reports::span_of(&mut c, w.xa, &term(2025)).await.unwrap();
        assert_eq!(
            (span.from, span.through),
            (date(2026, 1, 1), date(2030, 12, 31)),
            "{engine}"
        );
        assert!(
            span.convention_vi
                .unwrap()
                .contains("Chưa ghi ngày đại hội năm 2025")
        );
        drop(c);

        // Congresses of the commune on 02/07/2020 and 17/06/2025: the admission of 16/06/2025 is
        // the last day of the 2020–2025 term.
        let mut tx = w.store.begin().await.unwrap();
        orgs::add_congress(&mut tx, &ctx(), w.xa, date(2020, 7, 2))
            .await
            .unwrap();
        orgs::add_congress(&mut tx, &ctx(), w.xa, date(2025, 6, 17))
            .await
            .unwrap();
        // A cell holds no congress of its own.
        assert!(
            orgs::add_congress(&mut tx, &ctx(), w.cb1, date(2025, 6, 17))
                .await
                .is_err()
        );
        tx.commit().await.unwrap();
        let mut c = w.store.read().await.unwrap();
        let span = reports::span_of(&mut c, w.cb1, &term(2020)).await.unwrap();
        assert_eq!(
            (span.from, span.through),
            (date(2020, 7, 2), date(2025, 6, 16)),
            "{engine}"
        );
        assert!(span.convention_vi.unwrap().contains("02/07/2020"));
        for org in [w.xa, w.cb1] {
            let old = reports::actuals(&mut c, &s, org, &term(2020))
                .await
                .unwrap();
            let new = reports::actuals(&mut c, &s, org, &term(2025))
                .await
                .unwrap();
            assert_eq!((admissions(old), admissions(new)), (1, 0), "{engine}");
        }
        // The quarters of the term add up to it, the last one cut at 16/06/2025.
        let qs = reports::actuals_by_quarter(&mut c, &s, w.xa, &term(2020))
            .await
            .unwrap();
        assert_eq!(
            qs.first().unwrap().period,
            Period::quarter(2020, 3).unwrap()
        );
        assert_eq!(qs.last().unwrap().period, Period::quarter(2025, 2).unwrap());
        assert_eq!(qs.iter().map(|q| q.actuals.admissions).sum::<u32>(), 1);
        assert_eq!(qs.last().unwrap().cumulative.admissions, 1);
        // The periodic report and the drill-down list agree with it.
        let rep = reports::periodic(&mut c, &s, w.xa, &term(2020), TODAY)
            .await
            .unwrap();
        assert_eq!(rep.current.actuals.admissions, 1, "{engine}");
        assert_eq!(rep.current.from, date(2020, 7, 2));
        assert!(rep.convention_vi.is_some());
        let listed =
            reports::admitted_in(&mut c, &s, w.xa, &term(2020), &Line::Admissions, None, 50)
                .await
                .unwrap();
        assert_eq!(listed.items.len(), 1, "{engine}");
        drop(c);

        // A congress on the day of the decision opens the new term that day.
        let mut tx = w.store.begin().await.unwrap();
        ketnap_store::exec!(
            tx.ex(),
            "DELETE FROM org_congress WHERE held_on = $1",
            ketnap_store::d(date(2025, 6, 17))
        )
        .unwrap();
        orgs::add_congress(&mut tx, &ctx(), w.xa, date(2025, 6, 16))
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let mut c = w.store.read().await.unwrap();
        let old = reports::actuals(&mut c, &s, w.xa, &term(2020))
            .await
            .unwrap();
        let new = reports::actuals(&mut c, &s, w.xa, &term(2025))
            .await
            .unwrap();
        assert_eq!((admissions(old), admissions(new)), (0, 1), "{engine}");
    }
}

/// Any period (issue 16): a free range counts its days exactly, and the year "as of" a day is
/// measured against the whole year's plan ("tính đến ngày …"). Both engines.
#[tokio::test]
async fn a_free_range_counts_its_days_and_the_year_so_far_meets_the_whole_years_plan() {
    for store in common::stores().await {
        let engine = common::name(&store);
        let w = World::new(store).await;
        let sec = w.secretary_cb1.clone();
        let p = lifecycle_world::person(&w.store, "Mùa A Dính", "02/02/1991", "Nam", "Mông").await;
        let mut r = w.open(&sec, p, w.cb1, date(2025, 1, 6)).await.unwrap();
        r.reach_probation().await; // admitted on 16/06/2025
        let plan = Plan {
            admissions: 4,
            ..Plan::new(Period::Year(2025))
        };
        let mut tx = w.store.begin().await.unwrap();
        plans::upsert(&mut tx, &ctx(), &Scope::system(), w.xa, &plan)
            .await
            .unwrap();
        // No plan for a free range.
        let range = Plan::new(Period::range(date(2025, 2, 1), date(2025, 3, 1)).unwrap());
        assert!(
            plans::upsert(&mut tx, &ctx(), &Scope::system(), w.xa, &range)
                .await
                .is_err()
        );
        tx.commit().await.unwrap();
        let s = Scope::system();
        let mut c = w.store.read().await.unwrap();
        for (period, want) in [
            (Period::AsOf(date(2025, 6, 15)), 0),
            (Period::AsOf(date(2025, 6, 16)), 1),
            (
                Period::range(date(2025, 6, 16), date(2025, 6, 16)).unwrap(),
                1,
            ),
            (
                Period::range(date(2025, 6, 17), date(2025, 12, 31)).unwrap(),
                0,
            ),
            (
                Period::range(date(2024, 12, 1), date(2025, 6, 16)).unwrap(),
                1,
            ),
        ] {
            let a = reports::actuals(&mut c, &s, w.xa, &period).await.unwrap();
            assert_eq!(a.admissions, want, "{engine}: {period}");
        }
        let pva = reports::plan_vs_actual(&mut c, &s, w.xa, &Period::AsOf(date(2025, 6, 30)))
            .await
            .unwrap();
        assert_eq!(pva.plan.as_ref().map(|p| p.admissions), Some(4), "{engine}");
        assert_eq!(pva.actuals.admissions, 1);
        let admissions = pva
            .result
            .as_ref()
            .unwrap()
            .lines
            .iter()
            .find(|l| l.line == Line::Admissions)
            .unwrap()
            .clone();
        assert_eq!(admissions.achievement.actual, 1);
        assert_eq!(admissions.achievement.target, 4, "the whole year's target");
        let none = reports::plan_vs_actual(
            &mut c,
            &s,
            w.xa,
            &Period::range(date(2025, 6, 1), date(2025, 6, 30)).unwrap(),
        )
        .await
        .unwrap();
        assert!(none.plan.is_none() && none.result.is_none());
        assert_eq!(none.actuals.admissions, 1);
    }
}

/// The categories reports use (issue 16, reference-data.md "Sectors of cells"): the membership
/// is broken down by the sector of each member's cell, and the sectors add up to the whole.
#[tokio::test]
async fn membership_is_broken_down_by_the_sector_of_the_cell() {
    use ketnap_domain::org::Sector;
    for store in common::stores().await {
        let engine = common::name(&store);
        let w = World::new(store).await;
        let mut tx = w.store.begin().await.unwrap();
        let agency = orgs::create(
            &mut tx,
            &ctx(),
            &NewOrg::new(
                "T.TP.CQ",
                "Chi bộ Cơ quan Ủy ban",
                OrgKind::Cell(CellKind::Agency),
                Some(w.xa),
            ),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        lifecycle_world::member(
            &w.store,
            "Đoàn Văn Cơ",
            agency,
            ketnap_store::members::MemberStatus::Official,
        )
        .await;
        let mut c = w.store.read().await.unwrap();
        let comp = reports::membership_composition(&mut c, &Scope::system(), w.xa, TODAY)
            .await
            .unwrap();
        assert_eq!(comp.sector(Sector::Agency), 1, "{engine}");
        assert!(comp.sector(Sector::Residential) >= 4, "{engine}");
        assert_eq!(
            comp.by_sector().values().sum::<u32>(),
            comp.total(),
            "{engine}"
        );
    }
}

/// Quota rates where they are decided (issue 16; plans-and-reports.md "Rates are decided by the
/// organisations"): a directive above sets the range for its subtree from a plan year on, an
/// organisation's own resolution below wins for the rates it sets, and the suggestion cites the
/// document. Both engines.
#[tokio::test]
async fn rates_decided_above_are_inherited_and_a_nearer_resolution_wins() {
    use ketnap_domain::plan::RateDecision;
    use ketnap_domain::rules::PercentRange;
    for store in common::stores().await {
        let engine = common::name(&store);
        let w = World::new(store).await;
        let range = |l, h| {
            Some(PercentRange {
                low_bp: l,
                high_bp: h,
            })
        };
        let decision = |no: &str, y, adm, src| RateDecision {
            decided_by: String::new(),
            document_no: no.into(),
            document_on: date(2024, 12, 20),
            year_from: y,
            admissions: adm,
            sources: src,
        };
        let s = Scope::system();
        let mut tx = w.store.begin().await.unwrap();
        plans::set_rate_decision(
            &mut tx,
            &ctx(),
            &s,
            w.province,
            &decision("05-CT/TU", 2025, range(300, 400), range(600, 800)),
        )
        .await
        .unwrap();
        plans::set_rate_decision(
            &mut tx,
            &ctx(),
            &s,
            w.xa,
            &decision("12-NQ/ĐU", 2026, range(300, 500), None),
        )
        .await
        .unwrap();
        // A decision without a rate is refused.
        assert!(
            plans::set_rate_decision(&mut tx, &ctx(), &s, w.xa, &decision("x", 2026, None, None))
                .await
                .is_err()
        );
        tx.commit().await.unwrap();
        let mut c = w.store.read().await.unwrap();
        assert_eq!(
            plans::rate_decision_for(&mut c, w.cb1, 2024).await.unwrap(),
            None,
            "{engine}"
        );
        let y25 = plans::rate_decision_for(&mut c, w.cb1, 2025)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (y25.document_no.as_str(), y25.admissions),
            ("05-CT/TU", range(300, 400))
        );
        let y26 = plans::rate_decision_for(&mut c, w.cb1, 2026)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(y26.document_no, "12-NQ/ĐU", "{engine}");
        assert_eq!(
            (y26.admissions, y26.sources),
            (range(300, 500), range(600, 800))
        );
        // The other commune keeps the province's rates.
        let other = plans::rate_decision_for(&mut c, w.cb3, 2026)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(other.admissions, range(300, 400));
        // The suggestion uses them and cites the document.
        let rules = y26.apply(ketnap_domain::RuleBook::spec_default().in_force(date(2026, 1, 1)));
        let sug = ketnap_domain::plan::suggest(800, 10, &rules);
        assert_eq!(
            (sug.admissions.low.value, sug.admissions.high.value),
            (24, 40)
        );
        assert!(
            sug.admissions.citation.contains("12-NQ/ĐU"),
            "{}",
            sug.admissions.citation
        );
    }
}

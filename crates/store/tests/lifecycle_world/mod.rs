//! A fictional commune for the lifecycle conformance tests: a province, two communes with cells,
//! official members to mentor and introduce, users with scopes, and a driver that records steps
//! through `candidacies::execute` the way the web will (one transaction per step).
#![allow(dead_code, clippy::unwrap_used)]

use std::collections::BTreeMap;

use jiff::civil::{Date, date};
use ketnap_domain::RuleBook;
use ketnap_domain::lifecycle::{
    Action, Authority, CertIssuer, Command, CommitteeTally, Event, MemberFacts, Relation, Stage,
    Tally, VerificationOutcome,
};
use ketnap_domain::org::{CellKind, GrassrootsKind, OrgKind};
use ketnap_domain::person::PersonForm;
use ketnap_store::candidacies::{self, CandidateExtras};
use ketnap_store::counters::stage_code;
use ketnap_store::members::{self, MemberStatus, NewMember};
use ketnap_store::orgs::{self, NewOrg};
use ketnap_store::{
    Result, Role, Scope, Store, StoreError, WriteCtx, fetch_all, fetch_one, people, users,
};

use super::common;

/// Today in the tests (the clock of `common::ctx`).
pub const TODAY: Date = Date::constant(2026, 11, 23);

/// The fictional tree and its people.
pub struct World {
    pub store: Store,
    pub book: RuleBook,
    pub province: i64,
    /// Đảng ủy xã Tân Phú and its cells.
    pub xa: i64,
    pub cb1: i64,
    pub cb2: i64,
    /// Đảng ủy xã Tân Lập and its cell.
    pub xa2: i64,
    pub cb3: i64,
    pub cb2_pub: String,
    pub cb3_pub: String,
    /// Official members of cb1: a mentor and two introducers.
    pub mentor: (i64, String),
    pub introducers: [String; 2],
    /// A probationary member of cb1 and an official member of cb3.
    pub probationary: String,
    pub other_cell_member: String,
    /// Users.
    pub secretary_cb1: Scope,
    pub secretary_cb2: Scope,
    pub secretary_cb3: Scope,
    pub staff_xa: Scope,
    pub centre: Scope,
    pub viewer: Scope,
    pub mentor_scope: Scope,
}

/// Why the stories' votes count nine official members where the test cell's roster has a few:
/// the roster here is a stub (vote.cell accepts a count that differs from the roster with a
/// reason; `vote_cell_counts_the_roster_or_a_reason` tests the rule itself).
pub const STUB_ROSTER: &str = "Danh sách đảng viên của chi bộ thử nghiệm chưa nhập đủ";

pub fn ctx() -> WriteCtx {
    common::ctx(Some(1))
}

fn cell(code: &str, name: &str, parent: i64) -> NewOrg {
    NewOrg::new(
        code,
        name,
        OrgKind::Cell(CellKind::Residential),
        Some(parent),
    )
}

/// A fictional person; `birth` is dd/mm/yyyy.
pub async fn person(store: &Store, name: &str, birth: &str, gender: &str, ethnicity: &str) -> i64 {
    let form = PersonForm {
        full_name: name.into(),
        birth_date: birth.into(),
        gender: gender.into(),
        ethnicity: ethnicity.into(),
        religion: "Không".into(),
        education: "12/12".into(),
        qualification: "Đại học".into(),
        theory_level: "Sơ cấp".into(),
        source_category: "Giáo viên".into(),
        ..PersonForm::default()
    };
    let p = form.parse(TODAY).unwrap();
    let mut tx = store.begin().await.unwrap();
    let id = people::insert(&mut tx, &ctx(), &p, None).await.unwrap();
    tx.commit().await.unwrap();
    id
}

pub async fn member(
    store: &Store,
    name: &str,
    cell_id: i64,
    status: MemberStatus,
) -> (i64, String) {
    let person_id = person(store, name, "02/09/1975", "Nam", "Kinh").await;
    let mut tx = store.begin().await.unwrap();
    let admitted = date(2000, 5, 19);
    let id = members::insert(
        &mut tx,
        &ctx(),
        NewMember {
            person_id,
            cell_id,
            status,
            admitted_on: Some(admitted),
            official_on: (status == MemberStatus::Official).then_some(date(2001, 5, 19)),
            party_age_from: Some(admitted),
            candidacy_id: None,
            pub_id: None,
        },
    )
    .await
    .unwrap();
    let (pub_id,): (String,) = fetch_one!(
        tx.ex(),
        (String,),
        "SELECT pub_id FROM member WHERE member_id = $1",
        id
    )
    .unwrap();
    tx.commit().await.unwrap();
    (id, pub_id)
}

async fn user(store: &Store, name: &str, role: Role, org: i64, member_id: Option<i64>) -> Scope {
    let mut tx = store.begin().await.unwrap();
    let id = users::create_user(&mut tx, &ctx(), name, name, "argon2-test-hash", member_id)
        .await
        .unwrap();
    users::grant(&mut tx, &ctx(), id, role, org).await.unwrap();
    tx.commit().await.unwrap();
    Scope::user(id, role, member_id)
}

async fn org_pub_id(store: &Store, org_id: i64) -> String {
    let mut c = store.read().await.unwrap();
    orgs::get_by_id(&mut c, org_id).await.unwrap().pub_id
}

impl World {
    pub async fn new(store: Store) -> World {
        let c = ctx();
        let mut tx = store.begin().await.unwrap();
        let province = orgs::create(
            &mut tx,
            &c,
            &NewOrg::new("T", "Tỉnh ủy Thử Nghiệm", OrgKind::Provincial, None),
        )
        .await
        .unwrap();
        let xa = orgs::create(
            &mut tx,
            &c,
            &NewOrg::new(
                "T.TP",
                "Đảng ủy xã Tân Phú",
                OrgKind::Grassroots(GrassrootsKind::Commune),
                Some(province),
            ),
        )
        .await
        .unwrap();
        let cb1 = orgs::create(&mut tx, &c, &cell("T.TP.CB1", "Chi bộ thôn Đông", xa))
            .await
            .unwrap();
        let cb2 = orgs::create(&mut tx, &c, &cell("T.TP.CB2", "Chi bộ thôn Đoài", xa))
            .await
            .unwrap();
        let xa2 = orgs::create(
            &mut tx,
            &c,
            &NewOrg::new(
                "T.TL",
                "Đảng ủy xã Tân Lập",
                OrgKind::Grassroots(GrassrootsKind::Commune),
                Some(province),
            ),
        )
        .await
        .unwrap();
        let cb3 = orgs::create(&mut tx, &c, &cell("T.TL.CB1", "Chi bộ thôn Bến", xa2))
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let mentor = member(&store, "Trần Văn Bình", cb1, MemberStatus::Official).await;
        let i1 = member(&store, "Lê Thị Thu", cb1, MemberStatus::Official).await;
        let i2 = member(&store, "Phạm Quốc Hưng", cb1, MemberStatus::Official).await;
        let prob = member(&store, "Đỗ Minh Khôi", cb1, MemberStatus::Probationary).await;
        let other = member(&store, "Vũ Thị Lan", cb3, MemberStatus::Official).await;
        let secretary_cb1 = user(&store, "bithu.dong", Role::CellSecretary, cb1, None).await;
        let secretary_cb2 = user(&store, "bithu.doai", Role::CellSecretary, cb2, None).await;
        let secretary_cb3 = user(&store, "bithu.ben", Role::CellSecretary, cb3, None).await;
        let staff_xa = user(&store, "tochuc.tanphu", Role::OrgStaff, xa, None).await;
        let centre = user(&store, "ttct.tinh", Role::PoliticalCentre, province, None).await;
        let viewer = user(&store, "lanhdao.tinh", Role::Viewer, province, None).await;
        let mentor_scope = user(&store, "giupdo.binh", Role::Mentor, cb1, Some(mentor.0)).await;
        World {
            cb2_pub: org_pub_id(&store, cb2).await,
            cb3_pub: org_pub_id(&store, cb3).await,
            store,
            book: RuleBook::spec_default(),
            province,
            xa,
            cb1,
            cb2,
            xa2,
            cb3,
            mentor,
            introducers: [i1.1, i2.1],
            probationary: prob.1,
            other_cell_member: other.1,
            secretary_cb1,
            secretary_cb2,
            secretary_cb3,
            staff_xa,
            centre,
            viewer,
            mentor_scope,
        }
    }

    /// Open a candidacy in `cell` listed on `on`.
    pub async fn open(
        &self,
        scope: &Scope,
        person_id: i64,
        cell: i64,
        on: Date,
    ) -> Result<Run<'_>> {
        self.open_as(scope, person_id, cell, on, "Giáo viên").await
    }

    /// [`World::open`] with a source category.
    pub async fn open_as(
        &self,
        scope: &Scope,
        person_id: i64,
        cell: i64,
        on: Date,
        category: &str,
    ) -> Result<Run<'_>> {
        let mut tx = self.store.begin().await?;
        let (_, pub_id, _) = candidacies::open(
            &mut tx,
            &ctx(),
            &self.book,
            scope,
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
        .await?;
        tx.commit().await?;
        Ok(Run {
            w: self,
            scope: scope.clone(),
            pub_id: pub_id.to_string(),
            version: 1,
        })
    }

    pub fn member_ref(&self, pub_id: &str) -> MemberFacts {
        // The flags are what a careless client might send: the store must ignore them.
        MemberFacts {
            member_id: pub_id.to_string(),
            official: true,
            same_cell: true,
            same_grassroots: true,
        }
    }

    /// Everything that a refused step must leave unchanged.
    pub async fn snapshot(
        &self,
    ) -> (
        Vec<(i64, String, String, i64)>,
        i64,
        i64,
        Vec<(String, i64)>,
    ) {
        let mut c = self.store.read().await.unwrap();
        let counters: Vec<(i64, String, String, i64)> = fetch_all!(
            c.ex(),
            (i64, String, String, i64),
            "SELECT org_id, period, metric, value FROM counter ORDER BY org_id, period, metric"
        )
        .unwrap();
        let (events,): (i64,) = fetch_one!(
            c.ex(),
            (i64,),
            "SELECT CAST(COUNT(*) AS BIGINT) FROM candidacy_event"
        )
        .unwrap();
        let (audit,): (i64,) =
            fetch_one!(c.ex(), (i64,), "SELECT CAST(COUNT(*) AS BIGINT) FROM audit").unwrap();
        let versions: Vec<(String, i64)> = fetch_all!(
            c.ex(),
            (String, i64),
            "SELECT pub_id, version FROM candidacy ORDER BY pub_id"
        )
        .unwrap();
        (counters, events, audit, versions)
    }

    /// The gauges summed over every organisation, and the candidacies counted by stage: equal
    /// when the gauges are right.
    pub async fn gauge_recount(&self) -> (BTreeMap<String, i64>, BTreeMap<String, i64>) {
        let mut c = self.store.read().await.unwrap();
        let gauges: Vec<(String, i64)> = fetch_all!(
            c.ex(),
            (String, i64),
            "SELECT metric, CAST(SUM(value) AS BIGINT) FROM counter WHERE period = '*' GROUP BY metric"
        )
        .unwrap();
        let stages: Vec<(String, i64)> = fetch_all!(
            c.ex(),
            (String, i64),
            "SELECT stage, CAST(COUNT(*) AS BIGINT) FROM candidacy GROUP BY stage"
        )
        .unwrap();
        (
            gauges
                .into_iter()
                .filter(|(_, v)| *v != 0)
                .map(|(m, v)| (m.trim_start_matches("stage.").to_string(), v))
                .collect(),
            stages.into_iter().collect(),
        )
    }

    /// Flow totals over every organisation and month, by metric.
    pub async fn flow_totals(&self) -> BTreeMap<String, i64> {
        let mut c = self.store.read().await.unwrap();
        let rows: Vec<(String, i64)> = fetch_all!(
            c.ex(),
            (String, i64),
            "SELECT metric, CAST(SUM(value) AS BIGINT) FROM counter WHERE period <> '*' GROUP BY metric"
        )
        .unwrap();
        rows.into_iter().filter(|(_, v)| *v != 0).collect()
    }

    /// Counts straight from the event table, by kind and resulting stage.
    pub async fn event_count(&self, kind: &str, stage: Option<Stage>) -> i64 {
        let mut c = self.store.read().await.unwrap();
        let (n,): (i64,) = fetch_one!(
            c.ex(),
            (i64,),
            "SELECT CAST(COUNT(*) AS BIGINT) FROM candidacy_event WHERE kind = $1 AND ($2 OR stage = $3)",
            kind,
            stage.is_none(),
            stage.map_or("", stage_code)
        )
        .unwrap();
        n
    }
}

/// A candidacy being driven step by step.
pub struct Run<'a> {
    pub w: &'a World,
    pub scope: Scope,
    pub pub_id: String,
    pub version: i64,
}

pub fn tally(official: u32, present: u32, in_favour: u32) -> Tally {
    Tally {
        official_members: official,
        exempt_absent: 0,
        present,
        ballots: None,
        in_favour,
    }
}

impl Run<'_> {
    /// Record a step; on success the version moves on.
    pub async fn try_step(&mut self, on: Date, action: Action) -> Result<Event> {
        let mut tx = self.w.store.begin().await?;
        let r = candidacies::execute(
            &mut tx,
            &ctx(),
            &self.w.book,
            &self.scope,
            &self.pub_id,
            self.version,
            Command { on, action },
        )
        .await;
        match r {
            Ok(e) => {
                tx.commit().await?;
                self.version += 1;
                Ok(e)
            }
            Err(e) => Err(e),
        }
    }

    pub async fn step(&mut self, on: Date, action: Action) -> Event {
        match self.try_step(on, action.clone()).await {
            Ok(e) => e,
            Err(StoreError::Refused(v)) => panic!("{action:?} on {on} refused: {v:#?}"),
            Err(e) => panic!("{action:?} on {on} failed: {e}"),
        }
    }

    pub async fn stage(&self) -> Stage {
        let mut c = self.w.store.read().await.unwrap();
        candidacies::get(&mut c, &Scope::system(), &self.pub_id)
            .await
            .unwrap()
            .stage
    }

    /// Source (06/01/2025) → sympathizer → course → certificate → dossier with application,
    /// background, two introducers and the comments summary (20/03/2025).
    pub async fn reach_dossier(&mut self) {
        let w = self.w;
        self.step(
            date(2025, 1, 10),
            Action::ListAsSympathizer {
                resolution_no: "01-NQ/CB".into(),
                mentor: w.member_ref(&w.mentor.1),
            },
        )
        .await;
        self.step(
            date(2025, 2, 10),
            Action::EnrolInCourse {
                course: "Lớp nhận thức về Đảng khóa 1/2025".into(),
            },
        )
        .await;
        self.step(
            date(2025, 3, 3),
            Action::RecordCertificate {
                number: "CN-123".into(),
                issued_on: date(2025, 2, 28),
                issuer: CertIssuer::PoliticalCentre("Trung tâm Chính trị huyện".into()),
            },
        )
        .await;
        self.step(date(2025, 3, 10), Action::SubmitApplication)
            .await;
        self.step(date(2025, 3, 12), Action::DeclareBackground)
            .await;
        for i in &w.introducers {
            self.step(
                date(2025, 3, 14),
                Action::AddIntroducer {
                    introducer: w.member_ref(i),
                    letter_on: date(2025, 3, 14),
                    alongside_since: date(2023, 1, 2),
                    replaces: None,
                },
            )
            .await;
        }
        self.step(
            date(2025, 3, 20),
            Action::RecordComments {
                summary_on: date(2025, 3, 20),
            },
        )
        .await;
    }

    /// … → verification answered → background certified (21/04/2025).
    pub async fn reach_cell_vote(&mut self) {
        self.reach_dossier().await;
        self.step(date(2025, 3, 24), Action::StampBackground).await;
        for (n, subject) in [(1, Relation::Candidate), (2, Relation::Parents)] {
            self.step(
                date(2025, 3, 25),
                Action::SendVerification {
                    request_no: n,
                    subject,
                    destination: "UBND xã Tân Phú".into(),
                },
            )
            .await;
        }
        for n in [1, 2] {
            self.step(
                date(2025, 4, 15),
                Action::AnswerVerification {
                    request_no: n,
                    outcome: VerificationOutcome::Clear,
                },
            )
            .await;
        }
        self.step(date(2025, 4, 21), Action::CertifyBackground)
            .await;
    }

    /// … → the cell (06/05/2025) and the commune committee (20/05/2025) vote for admission.
    pub async fn reach_decision(&mut self) {
        self.reach_cell_vote().await;
        self.step(
            date(2025, 5, 6),
            Action::CellVote {
                base_note: Some(STUB_ROSTER.into()),
                resolution_no: "05-NQ/CB".into(),
                tally: tally(9, 9, 7),
            },
        )
        .await;
        self.step(
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
    }

    /// … → admitted on 16/06/2025, ceremony on 01/07/2025: probationary member.
    pub async fn reach_probation(&mut self) {
        self.reach_decision().await;
        self.step(
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
        self.step(
            date(2025, 7, 1),
            Action::HoldCeremony {
                late_approval: None,
            },
        )
        .await;
    }

    /// … → recognised as an official member on 20/07/2026 (official from 01/07/2026).
    pub async fn reach_official(&mut self) {
        self.reach_probation().await;
        self.step(date(2025, 7, 15), Action::DeclareMemberBackground)
            .await;
        self.step(
            date(2025, 10, 10),
            Action::CompleteNewMemberCourse {
                certificate_no: "ĐVM-9".into(),
            },
        )
        .await;
        self.step(date(2026, 6, 20), Action::SubmitSelfReview).await;
        self.step(
            date(2026, 7, 1),
            Action::RecognitionCellVote {
                base_note: Some(STUB_ROSTER.into()),
                resolution_no: "20-NQ/CB".into(),
                tally: tally(9, 9, 8),
            },
        )
        .await;
        self.step(
            date(2026, 7, 10),
            Action::RecognitionGrassrootsVote {
                resolution_no: "30-NQ/ĐU".into(),
                tally: CommitteeTally {
                    members: 9,
                    in_favour: 8,
                },
            },
        )
        .await;
        self.step(
            date(2026, 7, 20),
            Action::RecognitionDecision {
                decision_no: "400-QĐ/ĐU".into(),
                approved: true,
                authority: Authority::SuperiorStandingCommittee,
            },
        )
        .await;
    }
}

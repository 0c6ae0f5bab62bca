//! One test per rule of `shared/domain/lifecycle-and-rules.md`, named after it and citing it,
//! with boundary dates on both sides; and a property test over random command sequences.

use super::*;
use jiff::civil::date;

const TODAY: Date = Date::constant(2026, 11, 23);

fn book() -> RuleBook {
    RuleBook::spec_default()
}

fn member(id: &str) -> MemberFacts {
    MemberFacts {
        member_id: id.to_string(),
        official: true,
        same_cell: true,
        same_grassroots: true,
    }
}

/// A 35-year-old with upper-secondary education, in a hamlet cell under a commune committee.
fn ctx() -> Context {
    Context {
        candidate: CandidateFacts {
            birth_date: date(1990, 4, 10),
            education_grade12: 12,
            literate: true,
            youth_union_member: false,
            trade_union_member: false,
            religious: false,
            hoa_ethnicity: false,
            is_current_member: false,
            married: false,
            has_adult_children: false,
            own_family_member: false,
            spouse_family_member: false,
            over_age_exception: false,
        },
        cell: CellFacts {
            grassroots_cell: false,
            has_partial_committee: false,
            youth_union_exists: true,
            trade_union_instead: false,
            education_exception: None,
            competent_authority: Authority::SuperiorStandingCommittee,
            roster_official: None,
            student_thresholds: None,
        },
    }
}

fn tally(official: u32, present: u32, in_favour: u32) -> Tally {
    Tally {
        official_members: official,
        exempt_absent: 0,
        present,
        ballots: None,
        in_favour,
    }
}

/// A candidacy driven through `decide`, failing the test on any refusal.
struct Story {
    c: Candidacy,
    ctx: Context,
    book: RuleBook,
    events: Vec<Event>,
}

impl Story {
    fn new(ctx: Context) -> Story {
        Story {
            c: Candidacy::default(),
            ctx,
            book: book(),
            events: Vec::new(),
        }
    }

    fn try_step(&mut self, on: Date, action: Action) -> Result<Event, Vec<Violation>> {
        let cmd = Command { on, action };
        let e = decide(&self.c, &cmd, &self.ctx, &self.book, TODAY)?;
        self.c.apply(&e);
        self.events.push(e.clone());
        Ok(e)
    }

    fn step(&mut self, on: Date, action: Action) -> Event {
        match self.try_step(on, action.clone()) {
            Ok(e) => e,
            Err(v) => panic!("{action:?} on {on} refused: {v:#?}"),
        }
    }

    /// The ids of the rules a step breaks (and the candidacy unchanged).
    fn refused(&mut self, on: Date, action: Action) -> Vec<String> {
        let before = self.c.clone();
        match self.try_step(on, action) {
            Ok(e) => panic!("accepted but should be refused: {e:?}"),
            Err(v) => {
                assert_eq!(self.c, before, "a refused step changes nothing");
                // Every refusal says what is wrong; one under a rule of the regulations cites it
                // (a check of the data itself, `Violation::input`, has nothing to cite).
                assert!(v.iter().all(|x| !x.message_vi.is_empty()
                    && (x.citation.is_empty() != RuleSet::IDS.contains(&x.rule_id.as_ref()))));
                v.into_iter().map(|x| x.rule_id.into_owned()).collect()
            }
        }
    }

    fn stage(&self) -> Stage {
        self.c.stage.expect("opened")
    }

    /// Source → Sympathizer → certificate → dossier with two introducers and comments.
    fn reach_dossier(&mut self) -> &mut Self {
        self.step(
            date(2025, 1, 6),
            Action::Open {
                source_category: "resident".into(),
                proposed_by: None,
                readmission: None,
            },
        );
        self.step(
            date(2025, 1, 10),
            Action::ListAsSympathizer {
                resolution_no: "01-NQ/CB".into(),
                mentor: member("m1"),
            },
        );
        self.step(
            date(2025, 2, 10),
            Action::EnrolInCourse {
                course: "Lớp NTVĐ khóa 1/2025".into(),
            },
        );
        self.step(
            date(2025, 3, 3),
            Action::RecordCertificate {
                number: "CN-123".into(),
                issued_on: date(2025, 2, 28),
                issuer: CertIssuer::PoliticalCentre("Trung tâm Chính trị".into()),
            },
        );
        self.step(date(2025, 3, 10), Action::SubmitApplication);
        self.step(date(2025, 3, 12), Action::DeclareBackground);
        for id in ["i1", "i2"] {
            self.step(
                date(2025, 3, 14),
                Action::AddIntroducer {
                    introducer: member(id),
                    letter_on: date(2025, 3, 14),
                    alongside_since: date(2023, 1, 2),
                    replaces: None,
                },
            );
        }
        self.step(
            date(2025, 3, 20),
            Action::RecordComments {
                summary_on: date(2025, 3, 20),
            },
        );
        self
    }

    /// Requests 1 (the candidate) and 2 (the parents) sent on 25/03/2025 and answered on 15/04/2025.
    fn verify(&mut self, candidate: VerificationOutcome, parents: VerificationOutcome) {
        for (n, subject) in [(1, Relation::Candidate), (2, Relation::Parents)] {
            self.step(
                date(2025, 3, 25),
                Action::SendVerification {
                    request_no: n,
                    subject,
                    destination: "UBND xã".into(),
                },
            );
        }
        self.step(
            date(2025, 4, 15),
            Action::AnswerVerification {
                request_no: 1,
                outcome: candidate,
            },
        );
        self.step(
            date(2025, 4, 15),
            Action::AnswerVerification {
                request_no: 2,
                outcome: parents,
            },
        );
    }

    /// … → verification answered → background certified: ready for the cell's vote.
    fn reach_cell_vote(&mut self) -> &mut Self {
        self.reach_dossier();
        self.step(date(2025, 3, 24), Action::StampBackground);
        self.verify(VerificationOutcome::Clear, VerificationOutcome::Clear);
        self.step(date(2025, 4, 21), Action::CertifyBackground);
        self
    }

    fn vote(&mut self, on: Date) -> Event {
        self.step(
            on,
            Action::CellVote {
                base_note: None,
                resolution_no: "05-NQ/CB".into(),
                tally: tally(9, 9, 7),
            },
        )
    }

    fn reach_decision(&mut self) -> &mut Self {
        self.reach_cell_vote();
        self.vote(date(2025, 5, 6));
        self.step(
            date(2025, 5, 20),
            Action::GrassrootsVote {
                resolution_no: "12-NQ/ĐU".into(),
                tally: CommitteeTally {
                    members: 9,
                    in_favour: 7,
                },
            },
        );
        self
    }

    fn decision(&mut self, on: Date, received_on: Date) -> Event {
        self.step(
            on,
            Action::AdmissionDecision {
                decision_no: "345-QĐ/ĐU".into(),
                approved: true,
                authority: Authority::SuperiorStandingCommittee,
                received_on,
                superior_consent_on: None,
            },
        )
    }

    fn reach_probation(&mut self) -> &mut Self {
        self.reach_decision();
        self.decision(date(2025, 6, 16), date(2025, 6, 18));
        self.step(
            date(2025, 7, 1),
            Action::HoldCeremony {
                late_approval: None,
            },
        );
        self
    }

    fn reach_recognition(&mut self) -> &mut Self {
        self.reach_probation();
        self.step(date(2025, 7, 15), Action::DeclareMemberBackground);
        self.step(
            date(2025, 10, 10),
            Action::CompleteNewMemberCourse {
                certificate_no: "ĐVM-9".into(),
            },
        );
        self.step(date(2026, 6, 20), Action::SubmitSelfReview);
        self
    }

    fn recognition_vote(&mut self, on: Date, in_favour: u32) -> Result<Event, Vec<Violation>> {
        self.try_step(
            on,
            Action::RecognitionCellVote {
                base_note: None,
                resolution_no: "20-NQ/CB".into(),
                tally: tally(9, 9, in_favour),
            },
        )
    }
}

fn story() -> Story {
    Story::new(ctx())
}

fn ids(v: &[String], id: &str) -> bool {
    v.iter().any(|x| x == id)
}

#[test]
fn a_candidate_goes_from_source_to_official_member_through_every_step() {
    let mut s = story();
    s.reach_recognition();
    assert_eq!(s.stage(), Stage::Probationary);
    s.recognition_vote(date(2026, 7, 1), 8).unwrap();
    assert_eq!(s.stage(), Stage::RecognitionVote);
    s.step(
        date(2026, 7, 10),
        Action::RecognitionGrassrootsVote {
            resolution_no: "30-NQ/ĐU".into(),
            tally: CommitteeTally {
                members: 9,
                in_favour: 8,
            },
        },
    );
    s.step(
        date(2026, 7, 20),
        Action::RecognitionDecision {
            decision_no: "400-QĐ/ĐU".into(),
            approved: true,
            authority: Authority::SuperiorStandingCommittee,
        },
    );
    assert_eq!(s.stage(), Stage::Official);
    assert_eq!(
        Candidacy::replay(&s.events).unwrap(),
        s.c,
        "replay equals the projection"
    );
    assert!(
        s.events
            .iter()
            .all(|e| e.rules_version == "QĐ 24-QĐ/TW" || e.rules_version.starts_with("QĐ 2"))
    );
    assert_eq!(
        s.events[0].rules_version, "QĐ 24-QĐ/TW",
        "January 2025 is judged by QĐ 24"
    );
    assert_eq!(s.events.last().unwrap().rules_version, "QĐ 294-QĐ/TW");
}

#[test]
fn a_grassroots_cell_skips_the_grassroots_committee_vote() {
    let mut c = ctx();
    c.cell.grassroots_cell = true;
    let mut s = Story::new(c);
    s.reach_cell_vote();
    s.vote(date(2025, 5, 6));
    assert_eq!(s.stage(), Stage::AwaitingDecision);
}

// ---- age.min / age.max — QĐ 232-QĐ/TW §1.1.1–1.1.2: 18 to 60 full years, counted in months, at the cell's vote.

#[test]
fn age_min_the_day_before_the_18th_birthday_is_refused_and_the_birthday_is_accepted() {
    let mut c = ctx();
    c.candidate.birth_date = date(2007, 5, 6);
    c.candidate.youth_union_member = true;
    c.cell.youth_union_exists = false; // keep two introducers for this story
    let mut s = Story::new(c);
    s.reach_cell_vote();
    let v = s.refused(
        date(2025, 5, 5),
        Action::CellVote {
            base_note: None,
            resolution_no: "05".into(),
            tally: tally(9, 9, 9),
        },
    );
    assert!(ids(&v, "age.min"), "{v:?}");
    s.vote(date(2025, 5, 6));
}

#[test]
fn age_max_sixty_years_and_some_days_is_accepted_and_one_more_full_month_is_refused() {
    let mut c = ctx();
    c.candidate.birth_date = date(1965, 4, 10);
    let mut s = Story::new(c);
    s.reach_cell_vote();
    // 06/05/2025: 60 years 0 months 26 days: still 720 full months.
    s.vote(date(2025, 5, 6));
    let mut c = ctx();
    c.candidate.birth_date = date(1965, 4, 5);
    let mut s = Story::new(c);
    s.reach_cell_vote();
    // 06/05/2025: 60 years and 1 full month.
    let v = s.refused(
        date(2025, 5, 6),
        Action::CellVote {
            base_note: None,
            resolution_no: "05".into(),
            tally: tally(9, 9, 9),
        },
    );
    assert!(ids(&v, "age.max"), "{v:?}");
}

#[test]
fn age_over_max_authority_an_over_60_candidate_needs_a_central_level_decision_with_prior_consent() {
    let mut c = ctx();
    c.candidate.birth_date = date(1963, 1, 1);
    c.candidate.over_age_exception = true;
    let mut s = Story::new(c);
    s.reach_decision();
    let decide_by = |authority| Action::AdmissionDecision {
        decision_no: "1".into(),
        approved: true,
        authority,
        received_on: date(2025, 6, 17),
        superior_consent_on: None,
    };
    // Without the consent on file, even the central-level committee may not decide.
    let v = s.refused(
        date(2025, 6, 16),
        decide_by(Authority::CentralLevelCommittee),
    );
    assert!(ids(&v, "age.over_max_authority"), "{v:?}");
    // The consent must state the conditions: health, reputation, and the ground.
    let consent = |healthy, reputable, ground| Action::RecordSuperiorConsent {
        document_no: "45-CV/TU".into(),
        grounds: ConsentGrounds::OverAge {
            healthy,
            reputable,
            ground,
        },
    };
    let v = s.refused(
        date(2025, 6, 10),
        consent(true, false, OverAgeGround::NoLocalOrganisation),
    );
    assert!(ids(&v, "age.over_max_authority"), "{v:?}");
    let v = s.refused(
        date(2025, 6, 10),
        consent(true, true, OverAgeGround::SpecialNeed(" ".into())),
    );
    assert!(ids(&v, "age.over_max_authority"), "{v:?}");
    s.step(
        date(2025, 6, 10),
        consent(true, true, OverAgeGround::NoLocalOrganisation),
    );
    assert_eq!(s.stage(), Stage::AwaitingDecision);
    // With the consent, only the central-level committee decides.
    let v = s.refused(
        date(2025, 6, 16),
        decide_by(Authority::SuperiorStandingCommittee),
    );
    assert!(ids(&v, "age.over_max_authority"), "{v:?}");
    s.step(
        date(2025, 6, 16),
        decide_by(Authority::CentralLevelCommittee),
    );
    assert_eq!(s.stage(), Stage::AwaitingCeremony);
}

#[test]
fn age_over_max_authority_a_consent_dated_after_the_decision_does_not_count() {
    let mut c = ctx();
    c.candidate.birth_date = date(1963, 1, 1);
    c.candidate.over_age_exception = true;
    let mut s = Story::new(c);
    s.reach_decision();
    // A consent for someone not over 60 is refused as pointless.
    let mut young = story();
    young.reach_decision();
    let v = young.refused(
        date(2025, 6, 10),
        Action::RecordSuperiorConsent {
            document_no: "1".into(),
            grounds: ConsentGrounds::OverAge {
                healthy: true,
                reputable: true,
                ground: OverAgeGround::SpecialNeed("Nhu cầu đặc biệt".into()),
            },
        },
    );
    assert!(ids(&v, "input.consent"), "{v:?}");
    s.step(
        date(2025, 6, 16),
        Action::RecordSuperiorConsent {
            document_no: "45-CV/TU".into(),
            grounds: ConsentGrounds::OverAge {
                healthy: true,
                reputable: true,
                ground: OverAgeGround::SpecialNeed(
                    "Già làng có uy tín ở thôn mới thành lập".into(),
                ),
            },
        },
    );
    // The day of the consent is accepted (consent "before" the decision, on or before its day).
    s.step(
        date(2025, 6, 16),
        Action::AdmissionDecision {
            decision_no: "1".into(),
            approved: true,
            authority: Authority::CentralLevelCommittee,
            received_on: date(2025, 6, 17),
            superior_consent_on: None,
        },
    );
}

// ---- edu.* — QĐ 232-QĐ/TW §1.2; HD 01-HD/TW (2021) §1.2.

#[test]
fn edu_min_lower_secondary_is_required() {
    let mut c = ctx();
    c.candidate.education_grade12 = 8;
    let mut s = Story::new(c);
    s.reach_cell_vote();
    let v = s.refused(
        date(2025, 5, 6),
        Action::CellVote {
            base_note: None,
            resolution_no: "05".into(),
            tally: tally(9, 9, 9),
        },
    );
    assert!(ids(&v, "edu.min"), "{v:?}");
    let mut c = ctx();
    c.candidate.education_grade12 = 9;
    let mut s = Story::new(c);
    s.reach_cell_vote();
    s.vote(date(2025, 5, 6));
}

#[test]
fn edu_exception_primary_allows_primary_school_in_exception_areas_and_not_less() {
    let mut c = ctx();
    c.candidate.education_grade12 = 5;
    c.cell.education_exception = Some(EducationException::Primary);
    let mut s = Story::new(c.clone());
    s.reach_cell_vote();
    s.vote(date(2025, 5, 6));
    c.candidate.education_grade12 = 4;
    let mut s = Story::new(c);
    s.reach_cell_vote();
    let v = s.refused(
        date(2025, 5, 6),
        Action::CellVote {
            base_note: None,
            resolution_no: "05".into(),
            tally: tally(9, 9, 9),
        },
    );
    assert!(ids(&v, "edu.exception_primary"), "{v:?}");
}

#[test]
fn edu_exception_literate_needs_literacy_and_prior_written_consent() {
    let mut c = ctx();
    c.candidate.education_grade12 = 2;
    c.cell.education_exception = Some(EducationException::Literate);
    let mut s = Story::new(c);
    s.reach_decision();
    let decision = Action::AdmissionDecision {
        decision_no: "1".into(),
        approved: true,
        authority: Authority::SuperiorStandingCommittee,
        received_on: date(2025, 6, 16),
        superior_consent_on: Some(date(2025, 6, 1)),
    };
    // A date alone (as older releases recorded it) is no longer a consent.
    let v = s.refused(date(2025, 6, 16), decision.clone());
    assert!(ids(&v, "edu.exception_literate"), "{v:?}");
    s.step(
        date(2025, 6, 1),
        Action::RecordSuperiorConsent {
            document_no: "12-CV/TU".into(),
            grounds: ConsentGrounds::Literate {
                standing: LiterateStanding::VillageElder,
            },
        },
    );
    s.step(date(2025, 6, 16), decision);
}

#[test]
fn edu_exception_literate_applies_only_where_the_organisation_has_it_and_primary_needs_no_consent()
{
    // The literate exception outside its areas is refused at the consent.
    let mut c = ctx();
    c.candidate.education_grade12 = 2;
    let mut s = Story::new(c);
    s.reach_dossier();
    let v = s.refused(
        date(2025, 3, 21),
        Action::RecordSuperiorConsent {
            document_no: "12-CV/TU".into(),
            grounds: ConsentGrounds::Literate {
                standing: LiterateStanding::HamletHead,
            },
        },
    );
    assert!(ids(&v, "edu.exception_literate"), "{v:?}");
    // Primary school in a primary-exception area: decided without any consent.
    let mut c = ctx();
    c.candidate.education_grade12 = 5;
    c.cell.education_exception = Some(EducationException::Primary);
    let mut s = Story::new(c);
    s.reach_decision();
    s.step(
        date(2025, 6, 16),
        Action::AdmissionDecision {
            decision_no: "1".into(),
            approved: true,
            authority: Authority::SuperiorStandingCommittee,
            received_on: date(2025, 6, 16),
            superior_consent_on: None,
        },
    );
}

// ---- intro.* — Charter Art. 4.1; QĐ 24-QĐ/TW §3.2.1–3.2.2.

#[test]
fn intro_count_two_official_members_introduce_and_a_probationary_member_cannot() {
    let mut s = story();
    s.reach_dossier();
    s.step(
        date(2025, 3, 21),
        Action::WithdrawIntroducer {
            member_id: "i2".into(),
            reason: "chuyển công tác".into(),
        },
    );
    s.step(date(2025, 3, 24), Action::StampBackground);
    s.verify(VerificationOutcome::Clear, VerificationOutcome::Clear);
    s.step(date(2025, 4, 21), Action::CertifyBackground);
    let v = s.refused(
        date(2025, 5, 6),
        Action::CellVote {
            base_note: None,
            resolution_no: "05".into(),
            tally: tally(9, 9, 9),
        },
    );
    assert!(ids(&v, "intro.count"), "{v:?}");
    let probationary = MemberFacts {
        member_id: "p".into(),
        official: false,
        same_cell: true,
        same_grassroots: true,
    };
    let v = s.refused(
        date(2025, 5, 6),
        Action::AddIntroducer {
            introducer: probationary,
            letter_on: date(2025, 5, 6),
            alongside_since: date(2020, 1, 1),
            replaces: None,
        },
    );
    assert!(ids(&v, "intro.count"), "{v:?}");
}

#[test]
fn intro_cowork_twelve_full_months_alongside_the_candidate_and_one_day_less_is_refused() {
    let mut s = story();
    s.step(
        date(2025, 1, 6),
        Action::Open {
            source_category: "resident".into(),
            proposed_by: None,
            readmission: None,
        },
    );
    s.step(
        date(2025, 1, 10),
        Action::ListAsSympathizer {
            resolution_no: "01".into(),
            mentor: member("m1"),
        },
    );
    s.step(
        date(2025, 3, 3),
        Action::RecordCertificate {
            number: "1".into(),
            issued_on: date(2025, 2, 28),
            issuer: CertIssuer::PoliticalCentre("TTCT".into()),
        },
    );
    let v = s.refused(
        date(2025, 3, 14),
        Action::AddIntroducer {
            introducer: member("i1"),
            letter_on: date(2025, 3, 14),
            alongside_since: date(2024, 3, 15),
            replaces: None,
        },
    );
    assert!(ids(&v, "intro.cowork"), "{v:?}");
    s.step(
        date(2025, 3, 14),
        Action::AddIntroducer {
            introducer: member("i1"),
            letter_on: date(2025, 3, 14),
            alongside_since: date(2024, 3, 14),
            replaces: None,
        },
    );
}

#[test]
fn intro_replacement_a_replacing_introducer_is_exempt_from_the_twelve_months() {
    let mut s = story();
    s.reach_dossier();
    s.step(
        date(2025, 3, 21),
        Action::AddIntroducer {
            introducer: member("i3"),
            letter_on: date(2025, 3, 21),
            alongside_since: date(2025, 3, 1),
            replaces: Some("i2".into()),
        },
    );
    assert_eq!(s.c.introducers.len(), 2);
    assert!(
        s.c.introducers
            .iter()
            .any(|i| i.member_id == "i3" && i.replacement)
    );
}

#[test]
fn intro_youth_union_a_young_candidate_needs_the_union_resolution_and_one_member() {
    let mut c = ctx();
    c.candidate.birth_date = date(2000, 1, 1);
    let mut s = Story::new(c.clone());
    s.reach_cell_vote();
    let v = s.refused(
        date(2025, 5, 6),
        Action::CellVote {
            base_note: None,
            resolution_no: "05".into(),
            tally: tally(9, 9, 9),
        },
    );
    assert!(
        ids(&v, "intro.youth_union"),
        "not a union member and no resolution: {v:?}"
    );
    c.candidate.youth_union_member = true;
    let mut s = Story::new(c.clone());
    s.reach_cell_vote();
    s.step(
        date(2025, 4, 22),
        Action::RecordUnionIntroduction {
            union: UnionKind::YouthUnion,
            resolution_no: "3-NQ/ĐTN".into(),
            resolution_on: date(2025, 4, 22),
        },
    );
    s.vote(date(2025, 5, 6));
    // Without a Youth Union, in an enterprise: the trade union introduces.
    c.cell.youth_union_exists = false;
    c.cell.trade_union_instead = true;
    c.candidate.trade_union_member = true;
    let mut s = Story::new(c);
    s.reach_cell_vote();
    let v = s.refused(
        date(2025, 5, 6),
        Action::CellVote {
            base_note: None,
            resolution_no: "05".into(),
            tally: tally(9, 9, 9),
        },
    );
    assert!(ids(&v, "intro.youth_union"), "{v:?}");
}

// ---- cert.* — HD 06-HD/TW §5.4 (60 months), HD 01 §3.1 (issuer).

#[test]
fn cert_validity_a_certificate_is_valid_on_its_last_day_and_not_the_day_after() {
    let mut s = story();
    s.reach_cell_vote();
    s.c.certificate = Some(Certificate {
        number: "old".into(),
        issued_on: date(2020, 5, 6),
        issuer: CertIssuer::PoliticalCentre("TTCT".into()),
    });
    let mut late = story();
    late.reach_cell_vote();
    late.c.certificate = Some(Certificate {
        number: "old".into(),
        issued_on: date(2020, 5, 5),
        issuer: CertIssuer::PoliticalCentre("TTCT".into()),
    });
    s.vote(date(2025, 5, 6));
    let v = late.refused(
        date(2025, 5, 6),
        Action::CellVote {
            base_note: None,
            resolution_no: "05".into(),
            tally: tally(9, 9, 9),
        },
    );
    assert!(ids(&v, "cert.validity"), "{v:?}");
    // A retaken course renews it without leaving the stage.
    late.step(
        date(2025, 5, 6),
        Action::RecordCertificate {
            number: "new".into(),
            issued_on: date(2025, 5, 2),
            issuer: CertIssuer::PoliticalCentre("TTCT".into()),
        },
    );
    assert_eq!(late.stage(), Stage::CellVote);
    late.vote(date(2025, 5, 6));
}

#[test]
fn cert_issuer_only_a_political_centre_or_the_competent_committee_issues_certificates() {
    let mut s = story();
    s.step(
        date(2025, 1, 6),
        Action::Open {
            source_category: "resident".into(),
            proposed_by: None,
            readmission: None,
        },
    );
    s.step(
        date(2025, 1, 10),
        Action::ListAsSympathizer {
            resolution_no: "01".into(),
            mentor: member("m1"),
        },
    );
    let v = s.refused(
        date(2025, 3, 3),
        Action::RecordCertificate {
            number: "1".into(),
            issued_on: date(2025, 2, 28),
            issuer: CertIssuer::Other("Trường THPT".into()),
        },
    );
    assert!(ids(&v, "cert.issuer"));
    s.step(
        date(2025, 3, 3),
        Action::RecordCertificate {
            number: "1".into(),
            issued_on: date(2025, 2, 28),
            issuer: CertIssuer::CompetentCommittee("Đảng ủy xã".into()),
        },
    );
    assert_eq!(s.stage(), Stage::Dossier);
}

#[test]
fn background_validity_the_certified_background_is_valid_twelve_months() {
    let mut s = story();
    s.reach_cell_vote();
    // Certified 21/04/2025: valid through 21/04/2026; the comments must be renewed too.
    let mut v = s.refused(
        date(2026, 4, 22),
        Action::CellVote {
            base_note: None,
            resolution_no: "05".into(),
            tally: tally(9, 9, 9),
        },
    );
    v.sort();
    assert!(ids(&v, "background.validity"), "{v:?}");
    assert!(!ids(&v, "cert.validity"));
}

#[test]
fn comments_validity_introducer_letters_and_comments_expire_after_twelve_months() {
    let mut s = story();
    s.reach_cell_vote();
    // Letters of 14/03/2025: valid through 14/03/2026.
    s.vote(date(2026, 3, 14));
    let mut s = story();
    s.reach_cell_vote();
    let v = s.refused(
        date(2026, 3, 16),
        Action::CellVote {
            base_note: None,
            resolution_no: "05".into(),
            tally: tally(9, 9, 9),
        },
    );
    assert!(ids(&v, "comments.validity"), "{v:?}");
}

// ---- vote.* — Charter Art. 4.3; QĐ 294-QĐ/TW §9.3.2 (base); HD 06 §3.7a; QĐ 24 §4.2.3.

#[test]
fn vote_cell_two_thirds_of_official_members_is_exact() {
    let mut s = story();
    s.reach_cell_vote();
    let e = s.step(
        date(2025, 5, 6),
        Action::CellVote {
            base_note: None,
            resolution_no: "05".into(),
            tally: tally(9, 9, 5),
        },
    );
    assert_eq!(e.passed, Some(false));
    assert_eq!(
        s.stage(),
        Stage::CellVote,
        "a failed vote keeps the candidacy for a later vote"
    );
    assert_eq!(s.c.failed_cell_votes, 1);
    let e = s.step(
        date(2025, 6, 3),
        Action::CellVote {
            base_note: None,
            resolution_no: "06".into(),
            tally: tally(9, 7, 6),
        },
    );
    assert_eq!(e.passed, Some(true), "6 of 9 is exactly two thirds");
    assert_eq!(s.stage(), Stage::GrassrootsVote);
}

#[test]
fn vote_cell_absent_exempt_members_leave_the_base_and_present_ones_count() {
    let t = Tally {
        official_members: 12,
        exempt_absent: 3,
        present: 9,
        ballots: Some((9, 9)),
        in_favour: 6,
    };
    assert_eq!(t.base(), 9);
    assert!(
        RuleBook::spec_default()
            .latest()
            .vote_cell
            .value
            .reached(t.in_favour, t.base())
    );
    let mut s = story();
    s.reach_cell_vote();
    let v = s.refused(
        date(2025, 5, 6),
        Action::CellVote {
            base_note: None,
            resolution_no: "05".into(),
            tally: Tally {
                official_members: 9,
                exempt_absent: 0,
                present: 9,
                ballots: Some((9, 8)),
                in_favour: 9,
            },
        },
    );
    assert_eq!(v, vec!["vote.tally".to_string()]);
}

#[test]
fn vote_committee_two_thirds_of_all_committee_members() {
    let mut s = story();
    s.reach_cell_vote();
    s.vote(date(2025, 5, 6));
    let e = s.step(
        date(2025, 5, 20),
        Action::GrassrootsVote {
            resolution_no: "1".into(),
            tally: CommitteeTally {
                members: 11,
                in_favour: 7,
            },
        },
    );
    assert_eq!(e.passed, Some(false));
    assert_eq!(s.stage(), Stage::GrassrootsVote);
    let e = s.step(
        date(2025, 5, 27),
        Action::GrassrootsVote {
            resolution_no: "2".into(),
            tally: CommitteeTally {
                members: 11,
                in_favour: 8,
            },
        },
    );
    assert_eq!(e.passed, Some(true));
    assert_eq!(s.stage(), Stage::AwaitingDecision);
}

#[test]
fn vote_max_attempts_after_three_failed_recognition_votes_the_superior_committee_rules() {
    let mut s = story();
    s.reach_recognition();
    for (i, d) in [date(2026, 7, 1), date(2026, 7, 6), date(2026, 7, 13)]
        .into_iter()
        .enumerate()
    {
        let e = s.recognition_vote(d, 5).unwrap();
        assert_eq!(e.passed, Some(false), "attempt {i}");
    }
    assert_eq!(s.c.failed_recognition_votes, 3);
    let v = s.recognition_vote(date(2026, 7, 20), 9).unwrap_err();
    assert!(v.iter().any(|x| x.rule_id == "vote.max_attempts"));
    s.step(
        date(2026, 7, 27),
        Action::SuperiorRuling {
            decision_no: "50-QĐ/TU".into(),
            recognise: true,
        },
    );
    assert_eq!(s.stage(), Stage::Official);
    assert_eq!(s.c.official_from, Some(date(2026, 7, 1)));
}

// ---- religious / ethnic_chinese — QĐ 06-QĐ/TW (2018); TT 06-TT/TW (2004).

#[test]
fn religious_a_believer_needs_the_extra_verification_items() {
    let mut c = ctx();
    c.candidate.religious = true;
    let mut s = Story::new(c);
    s.reach_dossier();
    s.step(date(2025, 3, 24), Action::StampBackground);
    s.verify(VerificationOutcome::Clear, VerificationOutcome::Clear);
    let v = s.refused(date(2025, 4, 21), Action::CertifyBackground);
    assert_eq!(v, vec!["religious".to_string()]);
    s.step(
        date(2025, 4, 21),
        Action::SendVerification {
            request_no: 3,
            subject: Relation::ReligiousActivity,
            destination: "Ban dân vận".into(),
        },
    );
    s.step(
        date(2025, 4, 28),
        Action::AnswerVerification {
            request_no: 3,
            outcome: VerificationOutcome::Clear,
        },
    );
    s.step(date(2025, 4, 28), Action::CertifyBackground);
}

#[test]
fn ethnic_chinese_a_hoa_candidate_needs_the_extra_verification_items() {
    let mut c = ctx();
    c.candidate.hoa_ethnicity = true;
    let mut s = Story::new(c);
    s.reach_dossier();
    s.step(date(2025, 3, 24), Action::StampBackground);
    s.verify(VerificationOutcome::Clear, VerificationOutcome::Clear);
    assert_eq!(
        s.refused(date(2025, 4, 21), Action::CertifyBackground),
        vec!["ethnic_chinese".to_string()]
    );
}

// ---- readmit.* — QĐ 24 & QĐ 232 §3.5.1–3.5.2; QĐ 29 §3.5.

fn readmit(reason: LeaveReason, left_on: Date, cleared: Option<Date>, before: bool) -> Action {
    Action::Open {
        source_category: "former_member".into(),
        proposed_by: None,
        readmission: Some(FormerMembership {
            left_on,
            reason,
            record_cleared_on: cleared,
            readmitted_before: before,
        }),
    }
}

#[test]
fn readmit_gap_thirty_six_months_after_leaving() {
    let mut s = story();
    let v = s.refused(
        date(2025, 1, 6),
        readmit(LeaveReason::Removed, date(2022, 1, 7), None, false),
    );
    assert_eq!(v, vec!["readmit.gap".to_string()]);
    s.step(
        date(2025, 1, 6),
        readmit(LeaveReason::Removed, date(2022, 1, 6), None, false),
    );
}

#[test]
fn readmit_gap_crime_sixty_months_after_the_record_is_cleared() {
    let mut s = story();
    let v = s.refused(
        date(2025, 1, 6),
        readmit(
            LeaveReason::MinorCrime,
            date(2015, 1, 1),
            Some(date(2020, 1, 7)),
            false,
        ),
    );
    assert_eq!(v, vec!["readmit.gap_crime".to_string()]);
    s.step(
        date(2025, 1, 6),
        readmit(
            LeaveReason::MinorCrime,
            date(2015, 1, 1),
            Some(date(2020, 1, 6)),
            false,
        ),
    );
}

#[test]
fn readmit_excluded_reasons_are_never_readmitted() {
    for reason in [
        LeaveReason::QuitActivity,
        LeaveReason::AskedToLeave,
        LeaveReason::SeriousDisunity,
        LeaveReason::Corruption,
        LeaveReason::SeriousCrime,
    ] {
        let v = story().refused(
            date(2025, 1, 6),
            readmit(reason, date(2010, 1, 1), None, false),
        );
        assert!(ids(&v, "readmit.excluded"), "{reason:?}");
    }
    story().step(
        date(2025, 1, 6),
        readmit(
            LeaveReason::AskedToLeaveHardship,
            date(2010, 1, 1),
            None,
            false,
        ),
    );
}

#[test]
fn readmit_once_and_only_with_the_provincial_standing_committees_consent() {
    let v = story().refused(
        date(2025, 1, 6),
        readmit(LeaveReason::Removed, date(2010, 1, 1), None, true),
    );
    assert!(ids(&v, "readmit.once"));
    let mut s = story();
    s.step(
        date(2025, 1, 6),
        readmit(LeaveReason::Removed, date(2010, 1, 1), None, false),
    );
    let mut full = story();
    full.reach_decision();
    s.c.readmission = Some(FormerMembership {
        left_on: date(2010, 1, 1),
        reason: LeaveReason::Removed,
        record_cleared_on: None,
        readmitted_before: false,
    });
    full.c.readmission = s.c.readmission;
    let v = full.refused(
        date(2025, 6, 16),
        Action::AdmissionDecision {
            decision_no: "1".into(),
            approved: true,
            authority: Authority::SuperiorStandingCommittee,
            received_on: date(2025, 6, 16),
            superior_consent_on: None,
        },
    );
    assert!(ids(&v, "readmit.once"), "{v:?}");
    full.step(
        date(2025, 6, 10),
        Action::RecordSuperiorConsent {
            document_no: "88-CV/TU".into(),
            grounds: ConsentGrounds::Readmission,
        },
    );
    full.step(
        date(2025, 6, 16),
        Action::AdmissionDecision {
            decision_no: "1".into(),
            approved: true,
            authority: Authority::SuperiorStandingCommittee,
            received_on: date(2025, 6, 16),
            superior_consent_on: None,
        },
    );
}

#[test]
fn a_current_member_cannot_be_listed_as_a_source() {
    let mut c = ctx();
    c.candidate.is_current_member = true;
    let v = Story::new(c).refused(
        date(2025, 1, 6),
        Action::Open {
            source_category: "x".into(),
            proposed_by: None,
            readmission: None,
        },
    );
    assert_eq!(v, vec!["source.not_member".to_string()]);
}

// ---- dossier and verification — HD 06 §3; HD 01 (2021) §3.3–3.4; Charter Art. 5.1.

#[test]
fn application_first_the_application_comes_before_the_background_declaration() {
    let mut s = story();
    s.step(
        date(2025, 1, 6),
        Action::Open {
            source_category: "resident".into(),
            proposed_by: None,
            readmission: None,
        },
    );
    s.step(
        date(2025, 1, 10),
        Action::ListAsSympathizer {
            resolution_no: "01".into(),
            mentor: member("m1"),
        },
    );
    s.step(
        date(2025, 3, 3),
        Action::RecordCertificate {
            number: "1".into(),
            issued_on: date(2025, 2, 28),
            issuer: CertIssuer::PoliticalCentre("TTCT".into()),
        },
    );
    assert_eq!(
        s.refused(date(2025, 3, 4), Action::DeclareBackground),
        vec!["application.first".to_string()]
    );
    s.step(date(2025, 3, 4), Action::SubmitApplication);
    s.step(date(2025, 3, 4), Action::DeclareBackground);
}

#[test]
fn mentor_official_the_mentor_is_an_official_member_of_the_same_cell() {
    let mut s = story();
    s.step(
        date(2025, 1, 6),
        Action::Open {
            source_category: "resident".into(),
            proposed_by: None,
            readmission: None,
        },
    );
    let probationary = MemberFacts {
        member_id: "p".into(),
        official: false,
        same_cell: true,
        same_grassroots: true,
    };
    let elsewhere = MemberFacts {
        member_id: "o".into(),
        official: true,
        same_cell: false,
        same_grassroots: true,
    };
    for m in [probationary, elsewhere] {
        let v = s.refused(
            date(2025, 1, 10),
            Action::ListAsSympathizer {
                resolution_no: "01".into(),
                mentor: m,
            },
        );
        assert_eq!(v, vec!["mentor.official".to_string()]);
    }
}

#[test]
fn verify_order_pages_are_stamped_before_requests_and_certified_only_after_every_answer() {
    let mut s = story();
    s.reach_dossier();
    let v = s.refused(
        date(2025, 3, 24),
        Action::SendVerification {
            request_no: 1,
            subject: Relation::Candidate,
            destination: "x".into(),
        },
    );
    assert_eq!(
        v,
        vec!["lifecycle.order".to_string()],
        "no request before the pages are stamped"
    );
    s.step(date(2025, 3, 24), Action::StampBackground);
    s.step(
        date(2025, 3, 25),
        Action::SendVerification {
            request_no: 1,
            subject: Relation::Candidate,
            destination: "x".into(),
        },
    );
    s.step(
        date(2025, 3, 25),
        Action::SendVerification {
            request_no: 2,
            subject: Relation::Parents,
            destination: "x".into(),
        },
    );
    s.step(
        date(2025, 4, 15),
        Action::AnswerVerification {
            request_no: 1,
            outcome: VerificationOutcome::Clear,
        },
    );
    let v = s.refused(date(2025, 4, 16), Action::CertifyBackground);
    assert!(ids(&v, "verify.order"), "{v:?}");
}

#[test]
fn verify_scope_spouse_and_parents_in_law_of_a_married_candidate_are_verified() {
    let mut c = ctx();
    c.candidate.married = true;
    let mut s = Story::new(c);
    s.reach_dossier();
    s.step(date(2025, 3, 24), Action::StampBackground);
    for (n, rel) in [
        (1, Relation::Candidate),
        (2, Relation::Parents),
        (3, Relation::Spouse),
    ] {
        s.step(
            date(2025, 3, 25),
            Action::SendVerification {
                request_no: n,
                subject: rel,
                destination: "x".into(),
            },
        );
    }
    for n in 1..=3 {
        s.step(
            date(2025, 4, 15),
            Action::AnswerVerification {
                request_no: n,
                outcome: VerificationOutcome::Clear,
            },
        );
    }
    let v = s.refused(date(2025, 4, 21), Action::CertifyBackground);
    assert_eq!(v, vec!["verify.scope".to_string()]);
}

#[test]
fn verify_exempt_a_member_in_the_family_exempts_that_side_from_verification() {
    let mut c = ctx();
    c.candidate.own_family_member = true;
    c.candidate.married = true;
    c.candidate.spouse_family_member = true;
    let mut s = Story::new(c);
    s.reach_dossier();
    s.step(date(2025, 3, 24), Action::StampBackground);
    s.step(date(2025, 4, 21), Action::CertifyBackground);
    assert_eq!(s.stage(), Stage::CellVote);
}

#[test]
fn verify_exempt_the_scope_the_desk_shows_is_the_one_the_guard_asks() {
    // verify.scope and verify.exempt (HD 01-HD/TW (2021) §3.4c): one function for both.
    let book = book();
    let rules = book.in_force(TODAY);
    let mut f = ctx().candidate;
    f.married = true;
    f.has_adult_children = true;
    let all = verification_scope(rules, &FamilyFacts::of(&f));
    assert_eq!(
        all.needed,
        vec![
            Relation::Candidate,
            Relation::Parents,
            Relation::AdultChildren,
            Relation::Spouse,
            Relation::ParentsInLaw
        ]
    );
    assert!(all.exempt.is_empty());
    f.spouse_family_member = true;
    let spouse_side = verification_scope(rules, &FamilyFacts::of(&f));
    assert_eq!(
        spouse_side.exempt,
        vec![Relation::Spouse, Relation::ParentsInLaw]
    );
    assert_eq!(spouse_side.needed.len(), 3);
    f.own_family_member = true;
    let none = verification_scope(rules, &FamilyFacts::of(&f));
    assert!(none.needed.is_empty(), "{none:?}");
    assert_eq!(none.exempt.len(), 5);
}

#[test]
fn political_standard_a_disqualifying_verification_finding_blocks_certification() {
    let mut s = story();
    s.reach_dossier();
    s.step(date(2025, 3, 24), Action::StampBackground);
    s.verify(
        VerificationOutcome::Disqualifying,
        VerificationOutcome::Clear,
    );
    let v = s.refused(date(2025, 4, 21), Action::CertifyBackground);
    assert!(ids(&v, "political.standard"), "{v:?}");
    s.step(
        date(2025, 4, 22),
        Action::Reject {
            reason: "Kết quả thẩm tra không đạt".into(),
        },
    );
    assert_eq!(s.stage(), Stage::Rejected);
}

#[test]
fn political_standard_a_disqualifying_answer_about_a_parent_blocks_certification_and_unclear_asks_again()
 {
    // QĐ 232-QĐ/TW §3.3 (QĐ 58-QĐ/TW on internal political protection).
    let mut s = story();
    s.reach_dossier();
    s.step(date(2025, 3, 24), Action::StampBackground);
    s.verify(VerificationOutcome::Clear, VerificationOutcome::Unclear);
    let v = s.refused(date(2025, 4, 21), Action::CertifyBackground);
    // An unclear answer is not a result: verify.content (HD 01-HD/TW (2021) §3.4b) asks again.
    assert_eq!(
        v,
        vec!["verify.content".to_string()],
        "an unclear answer is not a clear one"
    );
    s.step(
        date(2025, 4, 22),
        Action::SendVerification {
            request_no: 3,
            subject: Relation::Parents,
            destination: "Công an xã".into(),
        },
    );
    s.step(
        date(2025, 5, 5),
        Action::AnswerVerification {
            request_no: 3,
            outcome: VerificationOutcome::Disqualifying,
        },
    );
    let v = s.refused(date(2025, 5, 6), Action::CertifyBackground);
    assert_eq!(
        v,
        vec![
            "political.standard".to_string(),
            "verify.content".to_string()
        ]
    );
}

// ---- committees and the decision — HD 12 (2022); QĐ 29 & QĐ 232 §4.3.

#[test]
fn partial_appraisal_comes_before_the_grassroots_vote_where_a_partial_committee_exists() {
    let mut c = ctx();
    c.cell.has_partial_committee = true;
    let mut s = Story::new(c);
    s.reach_cell_vote();
    s.vote(date(2025, 5, 6));
    let v = s.refused(
        date(2025, 5, 20),
        Action::GrassrootsVote {
            resolution_no: "1".into(),
            tally: CommitteeTally {
                members: 9,
                in_favour: 9,
            },
        },
    );
    assert_eq!(v, vec!["partial.appraisal".to_string()]);
    s.step(
        date(2025, 5, 13),
        Action::PartialAppraisal {
            report_no: "7-BC".into(),
            approved: true,
        },
    );
    s.step(
        date(2025, 5, 20),
        Action::GrassrootsVote {
            resolution_no: "1".into(),
            tally: CommitteeTally {
                members: 9,
                in_favour: 9,
            },
        },
    );
    assert_eq!(s.stage(), Stage::AwaitingDecision);
}

#[test]
fn authority_decide_only_the_competent_committee_decides() {
    let mut s = story();
    s.reach_decision();
    let v = s.refused(
        date(2025, 6, 16),
        Action::AdmissionDecision {
            decision_no: "1".into(),
            approved: true,
            authority: Authority::GrassrootsCommittee,
            received_on: date(2025, 6, 16),
            superior_consent_on: None,
        },
    );
    assert_eq!(v, vec!["authority.decide".to_string()]);
}

#[test]
fn decision_notify_a_refusal_ends_the_candidacy_and_is_notified_to_the_cell() {
    let mut s = story();
    s.reach_decision();
    let v = s.refused(
        date(2025, 6, 16),
        Action::AdmissionDecision {
            decision_no: "9".into(),
            approved: false,
            authority: Authority::SuperiorStandingCommittee,
            received_on: date(2025, 6, 13),
            superior_consent_on: None,
        },
    );
    assert_eq!(v, vec!["decision.notify".to_string()]);
    s.step(
        date(2025, 6, 16),
        Action::AdmissionDecision {
            decision_no: "9".into(),
            approved: false,
            authority: Authority::SuperiorStandingCommittee,
            received_on: date(2025, 6, 18),
            superior_consent_on: None,
        },
    );
    assert_eq!(s.stage(), Stage::Rejected);
    assert!(s.c.exit.is_some());
}

#[test]
fn deadline_decision_sixty_working_days_after_the_cells_resolution_a_later_decision_is_recorded_with_a_warning()
 {
    let mut s = story();
    s.reach_decision();
    let due = s.c.decision_due(&s.book).unwrap();
    assert_eq!(due, s.book.calendar.add_working_days(date(2025, 5, 6), 60));
    let mut late = story();
    late.reach_decision();
    let e = s.decision(due, due);
    assert!(e.warnings.is_empty());
    let next = late.book.calendar.add_working_days(due, 1);
    let e = late.decision(next, next);
    assert_eq!(e.warnings.len(), 1);
    assert_eq!(e.warnings[0].rule_id, "deadline.decision");
}

#[test]
fn deadline_grassroots_review_has_no_separate_deadline_inside_the_decision_window() {
    let mut s = story();
    s.reach_cell_vote();
    s.vote(date(2025, 5, 6));
    let e = s.step(
        date(2025, 7, 25),
        Action::GrassrootsVote {
            resolution_no: "1".into(),
            tally: CommitteeTally {
                members: 9,
                in_favour: 9,
            },
        },
    );
    assert!(e.warnings.is_empty());
    assert_eq!(s.book.latest().deadline_grassroots_review.value.0, 0);
}

#[test]
fn deadline_decision_extension_once_and_at_most_thirty_working_days() {
    let mut s = story();
    s.reach_decision();
    let before = s.c.decision_due(&s.book).unwrap();
    let v = s.refused(
        date(2025, 6, 2),
        Action::ExtendDeadline {
            working_days: 31,
            reason: "chờ thẩm tra bổ sung".into(),
        },
    );
    assert_eq!(v, vec!["deadline.decision_extension".to_string()]);
    s.step(
        date(2025, 6, 2),
        Action::ExtendDeadline {
            working_days: 30,
            reason: "chờ thẩm tra bổ sung".into(),
        },
    );
    assert_eq!(
        s.c.decision_due(&s.book).unwrap(),
        s.book.calendar.add_working_days(before, 30)
    );
    let v = s.refused(
        date(2025, 6, 3),
        Action::ExtendDeadline {
            working_days: 5,
            reason: "lần hai".into(),
        },
    );
    assert_eq!(v, vec!["deadline.decision_extension".to_string()]);
}

#[test]
fn deadline_ceremony_day_30_is_accepted_and_day_31_needs_the_superiors_approval() {
    let mut s = story();
    s.reach_decision();
    s.decision(date(2025, 6, 16), date(2025, 6, 18));
    let day30 = s.book.calendar.add_working_days(date(2025, 6, 18), 30);
    let day31 = s.book.calendar.add_working_days(date(2025, 6, 18), 31);
    let mut late = Story {
        c: s.c.clone(),
        ctx: s.ctx.clone(),
        book: s.book.clone(),
        events: s.events.clone(),
    };
    s.step(
        day30,
        Action::HoldCeremony {
            late_approval: None,
        },
    );
    assert_eq!(s.stage(), Stage::Probationary);
    assert_eq!(
        late.refused(
            day31,
            Action::HoldCeremony {
                late_approval: None
            }
        ),
        vec!["deadline.ceremony".to_string()]
    );
    late.step(
        day31,
        Action::HoldCeremony {
            late_approval: Some("CV 12-CV/ĐU đồng ý".into()),
        },
    );
}

#[test]
fn deadline_ceremony_counts_working_days_across_tet_2026() {
    // Received Friday 06/02/2026. Tết 2026 (Thông báo 9441/TB-BNV): 16–20/02 off. 30 working days:
    // 9–13/02 (5), 23–27/02 (10), 2–6/03 (15), 9–13/03 (20), 16–20/03 (25), 23–27/03 (30).
    let mut s = story();
    s.reach_decision();
    s.c.cell_resolution = Some(Resolution {
        number: "5".into(),
        on: date(2026, 1, 20),
    });
    s.c.last_on = Some(date(2026, 1, 20));
    s.decision(date(2026, 2, 5), date(2026, 2, 6));
    assert_eq!(s.c.ceremony_due(&s.book), Some(date(2026, 3, 27)));
    let mut late = Story {
        c: s.c.clone(),
        ctx: s.ctx.clone(),
        book: s.book.clone(),
        events: s.events.clone(),
    };
    assert_eq!(
        late.refused(
            date(2026, 3, 30),
            Action::HoldCeremony {
                late_approval: None
            }
        ),
        vec!["deadline.ceremony".to_string()]
    );
    s.step(
        date(2026, 3, 27),
        Action::HoldCeremony {
            late_approval: None,
        },
    );
}

#[test]
fn candidate_facts_come_from_a_parsed_person() {
    use crate::person::{Person, PersonForm};
    let form = PersonForm {
        full_name: "Trần Thị Hoa".into(),
        birth_date: "20/05/1995".into(),
        gender: "Nữ".into(),
        ethnicity: "Hoa".into(),
        religion: "Công giáo".into(),
        education: "12/12".into(),
        qualification: "Đại học".into(),
        theory_level: "Sơ cấp".into(),
        source_category: "teacher".into(),
        id_number: String::new(),
        youth_union_member: true,
        trade_union_member: false,
        residential_unit: String::new(),
    };
    let p: Person = form.parse(TODAY).unwrap();
    let f = CandidateFacts::from_person(&p);
    assert_eq!(f.birth_date, date(1995, 5, 20));
    assert!(f.religious && f.hoa_ethnicity && f.youth_union_member);
    assert_eq!(f.education_grade12, 12);
    let cell = CellFacts::for_kind(
        &crate::org::OrgKind::GrassrootsCell(crate::org::GrassrootsKind::School),
        false,
        Authority::SuperiorStandingCommittee,
    );
    assert!(cell.grassroots_cell);
}

#[test]
fn probation_months_twelve_months_from_the_ceremony_no_recognition_vote_before() {
    let mut s = story();
    s.reach_recognition();
    assert_eq!(s.c.probation_end, Some(date(2026, 7, 1)));
    let v = s.recognition_vote(date(2026, 6, 30), 9).unwrap_err();
    assert!(v.iter().any(|x| x.rule_id == "probation.months"));
    s.recognition_vote(date(2026, 7, 1), 9).unwrap();
}

#[test]
fn probation_course_the_new_member_course_comes_before_recognition() {
    let mut s = story();
    s.reach_probation();
    let v = s.recognition_vote(date(2026, 7, 1), 9).unwrap_err();
    assert_eq!(
        v.iter().map(|x| x.rule_id.as_ref()).collect::<Vec<_>>(),
        vec!["probation.course"]
    );
}

#[test]
fn deadline_recognition_a_late_recognition_vote_is_recorded_with_a_warning() {
    let mut s = story();
    s.reach_recognition();
    let due = s.c.recognition_vote_due(&s.book).unwrap();
    assert_eq!(due, s.book.calendar.add_working_days(date(2026, 7, 1), 30));
    let e = s
        .recognition_vote(s.book.calendar.add_working_days(due, 1), 9)
        .unwrap();
    assert_eq!(e.warnings[0].rule_id, "deadline.recognition");
}

#[test]
fn deadline_recognition_decision_thirty_working_days_after_the_cells_recognition_resolution() {
    let mut s = story();
    s.reach_recognition();
    s.recognition_vote(date(2026, 7, 1), 9).unwrap();
    s.step(
        date(2026, 7, 3),
        Action::RecognitionGrassrootsVote {
            resolution_no: "1".into(),
            tally: CommitteeTally {
                members: 9,
                in_favour: 9,
            },
        },
    );
    let due = s.c.recognition_decision_due(&s.book).unwrap();
    let late = s.book.calendar.add_working_days(due, 1);
    let e = s.step(
        late,
        Action::RecognitionDecision {
            decision_no: "1".into(),
            approved: true,
            authority: Authority::SuperiorStandingCommittee,
        },
    );
    assert_eq!(e.warnings[0].rule_id, "deadline.recognition_decision");
}

#[test]
fn recognition_effective_at_probation_end_even_when_the_approval_is_late() {
    let mut s = story();
    s.reach_recognition();
    s.recognition_vote(date(2026, 8, 20), 9).unwrap();
    s.step(
        date(2026, 9, 3),
        Action::RecognitionGrassrootsVote {
            resolution_no: "1".into(),
            tally: CommitteeTally {
                members: 9,
                in_favour: 9,
            },
        },
    );
    s.step(
        date(2026, 11, 2),
        Action::RecognitionDecision {
            decision_no: "1".into(),
            approved: true,
            authority: Authority::SuperiorStandingCommittee,
        },
    );
    assert_eq!(s.c.official_from, Some(date(2026, 7, 1)));
}

#[test]
fn party_age_from_decision_counts_from_the_admission_decision_date() {
    let mut s = story();
    s.reach_probation();
    assert_eq!(s.c.party_age_from, Some(date(2025, 6, 16)));
    assert_eq!(s.c.ceremony_on, Some(date(2025, 7, 1)));
}

#[test]
fn removal_a_probationary_member_not_qualified_is_removed_and_a_refused_recognition_removes() {
    let mut s = story();
    s.reach_probation();
    s.step(
        date(2025, 12, 1),
        Action::Remove {
            decision_no: "77-QĐ".into(),
            reason: "vi phạm tư cách".into(),
        },
    );
    assert_eq!(s.stage(), Stage::Removed);
    let mut s = story();
    s.reach_recognition();
    s.recognition_vote(date(2026, 7, 1), 9).unwrap();
    s.step(
        date(2026, 7, 3),
        Action::RecognitionGrassrootsVote {
            resolution_no: "1".into(),
            tally: CommitteeTally {
                members: 9,
                in_favour: 9,
            },
        },
    );
    s.step(
        date(2026, 7, 10),
        Action::RecognitionDecision {
            decision_no: "1".into(),
            approved: false,
            authority: Authority::SuperiorStandingCommittee,
        },
    );
    assert_eq!(s.stage(), Stage::Removed);
    // Removal applies to probationary members only: not to a candidate.
    let mut c = story();
    c.reach_dossier();
    assert_eq!(
        c.refused(
            date(2025, 4, 1),
            Action::Remove {
                decision_no: "1".into(),
                reason: "x".into()
            }
        ),
        vec!["lifecycle.order".to_string()]
    );
}

// ---- corrections and exits.

#[test]
fn a_returned_dossier_reopens_the_cell_vote_and_keeps_the_history() {
    let mut s = story();
    s.reach_decision();
    s.step(
        date(2025, 6, 2),
        Action::ReturnDossier {
            by: Level::Competent,
            reason: "Thiếu nhận xét nơi cư trú".into(),
        },
    );
    assert_eq!(s.stage(), Stage::CellVote);
    assert!(s.c.cell_resolution.is_none());
    assert_eq!(s.c.returns, 1);
    s.step(
        date(2025, 6, 10),
        Action::RecordUnionIntroduction {
            union: UnionKind::YouthUnion,
            resolution_no: "x".into(),
            resolution_on: date(2025, 6, 10),
        },
    );
    s.vote(date(2025, 6, 17));
    assert_eq!(s.stage(), Stage::GrassrootsVote);
    assert_eq!(Candidacy::replay(&s.events).unwrap(), s.c);
}

#[test]
fn a_transfer_closes_the_candidacy_and_the_receiving_cell_continues_the_same_history() {
    let mut s = story();
    s.reach_probation();
    s.step(
        date(2025, 9, 1),
        Action::TransferOut {
            to: "Chi bộ thôn Đông".into(),
        },
    );
    assert_eq!(s.stage(), Stage::TransferredOut);
    let v = s.refused(date(2025, 9, 2), Action::DeclareMemberBackground);
    assert_eq!(v, vec!["lifecycle.order".to_string()]);
    s.step(
        date(2025, 9, 5),
        Action::TransferIn {
            from: "Chi bộ thôn Tây".into(),
        },
    );
    assert_eq!(s.stage(), Stage::Probationary);
    assert_eq!(s.c.probation_end, Some(date(2026, 7, 1)));
}

#[test]
fn an_annulled_admission_ends_the_candidacy_and_an_annulled_recognition_reopens_probation() {
    let mut s = story();
    s.reach_probation();
    s.step(
        date(2025, 10, 1),
        Action::Annul {
            decision_no: "5-QĐ".into(),
            reason: "Không đủ tuổi".into(),
            target: AnnulTarget::Admission,
        },
    );
    assert_eq!(s.stage(), Stage::Annulled);
    let mut s = story();
    s.reach_recognition();
    s.recognition_vote(date(2026, 7, 1), 9).unwrap();
    s.step(
        date(2026, 7, 3),
        Action::RecognitionGrassrootsVote {
            resolution_no: "1".into(),
            tally: CommitteeTally {
                members: 9,
                in_favour: 9,
            },
        },
    );
    s.step(
        date(2026, 7, 10),
        Action::RecognitionDecision {
            decision_no: "1".into(),
            approved: true,
            authority: Authority::SuperiorStandingCommittee,
        },
    );
    s.step(
        date(2026, 9, 1),
        Action::Annul {
            decision_no: "6".into(),
            reason: "Biểu quyết sai".into(),
            target: AnnulTarget::Recognition,
        },
    );
    assert_eq!(s.stage(), Stage::Probationary);
    assert_eq!(s.c.official_from, None);
}

#[test]
fn withdrawal_and_death_are_terminal() {
    let mut s = story();
    s.reach_dossier();
    s.step(
        date(2025, 4, 1),
        Action::Withdraw {
            reason: "Đi học xa".into(),
        },
    );
    assert!(s.stage().is_terminal());
    let v = s.refused(date(2025, 4, 2), Action::SubmitApplication);
    assert_eq!(v, vec!["lifecycle.order".to_string()]);
    let mut s = story();
    s.reach_probation();
    s.step(date(2025, 8, 1), Action::RecordDeath);
    assert_eq!(s.stage(), Stage::Deceased);
}

#[test]
fn a_step_dated_in_the_future_or_before_the_last_step_is_refused_with_every_reason() {
    let mut s = story();
    s.reach_dossier();
    let v = s.refused(date(2027, 1, 1), Action::SubmitApplication);
    assert_eq!(v, vec!["input.future_date".to_string()]);
    let v = s.refused(
        date(2025, 3, 1),
        Action::AddIntroducer {
            introducer: member("i1"),
            letter_on: date(2025, 3, 2),
            alongside_since: date(2025, 1, 1),
            replaces: None,
        },
    );
    assert!(
        ids(&v, "input.date_order")
            && ids(&v, "input.duplicate")
            && ids(&v, "intro.cowork")
            && ids(&v, "input.document_date"),
        "{v:?}"
    );
}

#[test]
fn a_refusal_message_is_vietnamese_and_names_the_rule_and_its_source() {
    let mut c = ctx();
    c.candidate.birth_date = date(2007, 5, 7);
    c.cell.youth_union_exists = false;
    let mut s = Story::new(c);
    s.reach_cell_vote();
    let e = decide(
        &s.c,
        &Command {
            on: date(2025, 5, 6),
            action: Action::CellVote {
                base_note: None,
                resolution_no: "5".into(),
                tally: tally(9, 9, 9),
            },
        },
        &s.ctx,
        &s.book,
        TODAY,
    )
    .unwrap_err();
    let age = e.iter().find(|x| x.rule_id == "age.min").unwrap();
    assert!(
        age.message_vi.starts_with(
            "Chưa đủ 18 tuổi (tính theo tháng) vào ngày chi bộ xét 06/05/2025: mới 17 tuổi 11 tháng"
        ),
        "{}",
        age.message_vi
    );
    assert!(age.citation.contains("232-QĐ/TW"));
}

#[test]
fn next_steps_list_what_the_stage_allows() {
    let mut s = story();
    s.reach_cell_vote();
    let steps = next_steps(&s.c, &s.ctx);
    assert!(steps.contains(&"Chi bộ xét, biểu quyết đề nghị kết nạp"));
    assert!(!steps.contains(&"Tổ chức lễ kết nạp"));
}

// ---- property: any random sequence of accepted commands yields a history whose invariants hold.

mod property {
    use super::*;
    use proptest::prelude::*;

    fn arb_action(day: Date) -> impl Strategy<Value = Action> {
        let m = (0u8..4, any::<bool>(), any::<bool>()).prop_map(|(i, official, same_cell)| {
            MemberFacts {
                member_id: format!("m{i}"),
                official,
                same_cell,
                same_grassroots: true,
            }
        });
        let t = (5u32..12, 0u32..3, 0u32..12, 0u32..12).prop_map(
            |(official, exempt, present, favour)| Tally {
                official_members: official,
                exempt_absent: exempt,
                present: present.min(official.saturating_sub(exempt)),
                ballots: None,
                in_favour: favour.min(present).min(official.saturating_sub(exempt)),
            },
        );
        let ct = (5u32..12, 0u32..12).prop_map(|(members, f)| CommitteeTally {
            members,
            in_favour: f.min(members),
        });
        let back = (0i64..2000)
            .prop_map(move |d| day.checked_sub(jiff::Span::new().days(d)).unwrap_or(day));
        prop_oneof![
            Just(Action::Open {
                source_category: "resident".into(),
                proposed_by: None,
                readmission: None
            }),
            m.clone().prop_map(|mentor| Action::ListAsSympathizer {
                resolution_no: "1".into(),
                mentor
            }),
            Just(Action::EnrolInCourse { course: "c".into() }),
            Just(Action::FailCourse),
            back.clone()
                .prop_map(|issued_on| Action::RecordCertificate {
                    number: "1".into(),
                    issued_on,
                    issuer: CertIssuer::PoliticalCentre("T".into())
                }),
            Just(Action::SubmitApplication),
            Just(Action::DeclareBackground),
            (m, back.clone(), back.clone()).prop_map(|(introducer, letter_on, alongside_since)| {
                Action::AddIntroducer {
                    introducer,
                    letter_on,
                    alongside_since,
                    replaces: None,
                }
            }),
            back.clone()
                .prop_map(|resolution_on| Action::RecordUnionIntroduction {
                    union: UnionKind::YouthUnion,
                    resolution_no: "1".into(),
                    resolution_on
                }),
            back.prop_map(|summary_on| Action::RecordComments { summary_on }),
            Just(Action::StampBackground),
            (
                0u32..3,
                proptest::sample::select(vec![Relation::Candidate, Relation::Parents])
            )
                .prop_map(|(n, subject)| Action::SendVerification {
                    request_no: n,
                    subject,
                    destination: "x".into()
                }),
            (
                0u32..3,
                proptest::sample::select(vec![
                    VerificationOutcome::Clear,
                    VerificationOutcome::Unclear,
                    VerificationOutcome::Disqualifying
                ])
            )
                .prop_map(|(n, outcome)| Action::AnswerVerification {
                    request_no: n,
                    outcome
                }),
            Just(Action::CertifyBackground),
            t.clone().prop_map(|tally| Action::CellVote {
                base_note: None,
                resolution_no: "5".into(),
                tally
            }),
            ct.clone().prop_map(|tally| Action::GrassrootsVote {
                resolution_no: "8".into(),
                tally
            }),
            (0i64..40).prop_map(move |d| Action::AdmissionDecision {
                decision_no: "9".into(),
                approved: true,
                authority: Authority::SuperiorStandingCommittee,
                received_on: day.checked_add(jiff::Span::new().days(d)).unwrap_or(day),
                superior_consent_on: None,
            }),
            any::<bool>().prop_map(|late| Action::HoldCeremony {
                late_approval: late.then(|| "CV".to_string())
            }),
            Just(Action::CompleteNewMemberCourse {
                certificate_no: "1".into()
            }),
            t.prop_map(|tally| Action::RecognitionCellVote {
                base_note: None,
                resolution_no: "13".into(),
                tally
            }),
            ct.prop_map(|tally| Action::RecognitionGrassrootsVote {
                resolution_no: "15".into(),
                tally
            }),
            any::<bool>().prop_map(|approved| Action::RecognitionDecision {
                decision_no: "1".into(),
                approved,
                authority: Authority::SuperiorStandingCommittee
            }),
            Just(Action::Withdraw { reason: "r".into() }),
            Just(Action::TransferOut { to: "x".into() }),
            Just(Action::TransferIn { from: "x".into() }),
        ]
    }

    /// The step a clerk would take next at this stage, with random (possibly wrong) details.
    fn guided(c: &Candidacy, day: Date, r: &mut proptest::test_runner::TestRng) -> Action {
        use rand::RngExt;
        let m = |r: &mut proptest::test_runner::TestRng| MemberFacts {
            member_id: format!("m{}", r.random_range(0..4)),
            official: r.random_ratio(9, 10),
            same_cell: r.random_ratio(9, 10),
            same_grassroots: true,
        };
        let back = |r: &mut proptest::test_runner::TestRng, max: i64| {
            day.checked_sub(jiff::Span::new().days(r.random_range(0..max)))
                .unwrap_or(day)
        };
        let t = |r: &mut proptest::test_runner::TestRng| {
            let official = r.random_range(5..12);
            let present = r.random_range(official / 2..=official);
            Tally {
                official_members: official,
                exempt_absent: 0,
                present,
                ballots: None,
                in_favour: r.random_range(present / 2..=present),
            }
        };
        let ct = |r: &mut proptest::test_runner::TestRng| {
            let members = r.random_range(5..12);
            CommitteeTally {
                members,
                in_favour: r.random_range(members / 2..=members),
            }
        };
        match c.stage {
            None => Action::Open {
                source_category: "resident".into(),
                proposed_by: None,
                readmission: None,
            },
            Some(Stage::Source) => Action::ListAsSympathizer {
                resolution_no: "1".into(),
                mentor: m(r),
            },
            Some(Stage::Sympathizer) => Action::EnrolInCourse { course: "c".into() },
            Some(Stage::Course) => Action::RecordCertificate {
                number: "1".into(),
                issued_on: back(r, 30),
                issuer: CertIssuer::PoliticalCentre("T".into()),
            },
            Some(Stage::Dossier) => match (
                c.application_on,
                c.background_on,
                c.introducers.len(),
                c.comments_on,
            ) {
                (None, ..) => Action::SubmitApplication,
                (_, None, ..) => Action::DeclareBackground,
                (_, _, n, _) if n < 2 => Action::AddIntroducer {
                    introducer: m(r),
                    letter_on: back(r, 10),
                    alongside_since: back(r, 800),
                    replaces: None,
                },
                (_, _, _, None) => Action::RecordComments {
                    summary_on: back(r, 10),
                },
                _ => Action::StampBackground,
            },
            Some(Stage::Verification) => {
                let sent = c.verification.len() as u32;
                if sent < 2 {
                    let subject = if sent == 0 {
                        Relation::Candidate
                    } else {
                        Relation::Parents
                    };
                    Action::SendVerification {
                        request_no: sent,
                        subject,
                        destination: "x".into(),
                    }
                } else if let Some(open) = c.verification.iter().find(|q| q.answer.is_none()) {
                    let outcome = if r.random_ratio(1, 20) {
                        VerificationOutcome::Disqualifying
                    } else {
                        VerificationOutcome::Clear
                    };
                    Action::AnswerVerification {
                        request_no: open.request_no,
                        outcome,
                    }
                } else {
                    Action::CertifyBackground
                }
            }
            Some(Stage::CellVote) => Action::CellVote {
                base_note: None,
                resolution_no: "5".into(),
                tally: t(r),
            },
            Some(Stage::GrassrootsVote) => Action::GrassrootsVote {
                resolution_no: "8".into(),
                tally: ct(r),
            },
            Some(Stage::AwaitingDecision) => Action::AdmissionDecision {
                decision_no: "9".into(),
                approved: r.random_ratio(9, 10),
                authority: Authority::SuperiorStandingCommittee,
                received_on: day
                    .checked_add(jiff::Span::new().days(r.random_range(0..5)))
                    .unwrap_or(day),
                superior_consent_on: None,
            },
            Some(Stage::AwaitingCeremony) => Action::HoldCeremony {
                late_approval: None,
            },
            Some(Stage::Probationary) if c.new_member_course_on.is_none() => {
                Action::CompleteNewMemberCourse {
                    certificate_no: "1".into(),
                }
            }
            Some(Stage::Probationary) if c.failed_recognition_votes >= 3 => {
                Action::SuperiorRuling {
                    decision_no: "1".into(),
                    recognise: r.random(),
                }
            }
            Some(Stage::Probationary) => Action::RecognitionCellVote {
                base_note: None,
                resolution_no: "13".into(),
                tally: t(r),
            },
            Some(Stage::RecognitionVote) if c.recognition_grassroots.is_none() => {
                Action::RecognitionGrassrootsVote {
                    resolution_no: "15".into(),
                    tally: ct(r),
                }
            }
            Some(Stage::RecognitionVote) => Action::RecognitionDecision {
                decision_no: "1".into(),
                approved: r.random_ratio(9, 10),
                authority: Authority::SuperiorStandingCommittee,
            },
            Some(Stage::TransferredOut) => Action::TransferIn { from: "x".into() },
            Some(_) => Action::Annul {
                decision_no: "1".into(),
                reason: "r".into(),
                target: AnnulTarget::Recognition,
            },
        }
    }

    /// A random history: mostly the guided next step, sometimes any step at all, at random gaps.
    fn random_history(seed: u64) -> (Candidacy, Vec<Event>, Context) {
        use proptest::strategy::ValueTree;
        use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
        use rand::RngExt;
        let book = book();
        let mut ctx = ctx();
        ctx.candidate.birth_date = date(1985, 1, 1);
        let mut key = [0u8; 32];
        key[..8].copy_from_slice(&seed.to_le_bytes());
        let mut rng = TestRng::from_seed(RngAlgorithm::ChaCha, &key);
        let mut runner = TestRunner::new_with_rng(
            Config::default(),
            TestRng::from_seed(RngAlgorithm::ChaCha, &key),
        );
        let mut c = Candidacy::default();
        let mut history: Vec<Event> = Vec::new();
        let mut day = date(2021, 1, 4);
        for _ in 0..300 {
            day = day
                .checked_add(jiff::Span::new().days(rng.random_range(0..25)))
                .unwrap();
            if day > TODAY {
                break;
            }
            let action = if rng.random_ratio(4, 5) {
                guided(&c, day, &mut rng)
            } else {
                arb_action(day).new_tree(&mut runner).unwrap().current()
            };
            if let Ok(e) = decide(&c, &Command { on: day, action }, &ctx, &book, TODAY) {
                c.apply(&e);
                history.push(e);
            }
        }
        (c, history, ctx)
    }

    #[test]
    fn random_histories_reach_every_kind_of_ending() {
        let mut seen = std::collections::BTreeSet::new();
        for seed in 0..400 {
            let (_, history, _) = random_history(seed);
            seen.extend(history.iter().map(|e| e.stage));
        }
        for s in [
            Stage::Official,
            Stage::Rejected,
            Stage::Removed,
            Stage::Withdrawn,
            Stage::TransferredOut,
            Stage::RecognitionVote,
        ] {
            assert!(
                seen.contains(&s),
                "no random history reached {s:?}: {seen:?}"
            );
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]
        #[test]
        fn any_accepted_history_keeps_the_lifecycle_invariants(seed in any::<u64>()) {
            let (c, history, ctx) = random_history(seed);
            // The projection is the replay of the history.
            prop_assert_eq!(Candidacy::replay(&history).unwrap(), c.clone());
            // Dates never go backwards; nothing after a terminal stage but a transfer in or a recognition's annulment.
            let mut cert: Option<Date> = None;
            for w in history.windows(2) {
                prop_assert!(w[0].on <= w[1].on);
                if w[0].stage.is_terminal() {
                    prop_assert!(matches!(w[1].action, Action::TransferIn { .. } | Action::Annul { .. }), "{:?} after {:?}", w[1].action, w[0].stage);
                }
            }
            let mut replay = Candidacy::default();
            for e in &history {
                if let Action::RecordCertificate { issued_on, .. } = &e.action { cert = Some(*issued_on); }
                // No admission without a passing vote on a valid certificate on the vote date.
                if let Action::CellVote { tally, .. } = &e.action
                    && e.passed == Some(true) {
                        let issued = cert.unwrap();
                        prop_assert!(e.on <= crate::dates::last_valid_day(issued, 60));
                        prop_assert!(tally.in_favour * 3 >= tally.base() * 2);
                        prop_assert!(crate::dates::full_months(ctx.candidate.birth_date, e.on) >= 216);
                    }
                if let Action::AdmissionDecision { approved: true, .. } = &e.action {
                    prop_assert!(replay.cell_resolution.is_some());
                    prop_assert!(replay.grassroots_resolution.is_some());
                }
                if e.stage == Stage::Official {
                    prop_assert!(replay.ceremony_on.is_some() && replay.new_member_course_on.is_some());
                }
                replay.apply(e);
            }
        }
    }
}

/// Readiness (issue 15, point 2): what the cell's vote would refuse, from the day the dossier
/// opens, is exactly what `decide` says for that vote; nothing once the dossier is whole.
#[test]
fn readiness_lists_what_would_refuse_the_next_vote_and_nothing_when_the_dossier_is_whole() {
    let mut s = Story::new(ctx());
    s.reach_dossier();
    // Dossier open, no verification yet: the vote would be refused for it.
    let (action, broken) =
        readiness(&s.c, &s.ctx, &s.book, date(2025, 3, 21)).expect("a vote ahead");
    assert!(matches!(action, Action::CellVote { .. }));
    assert!(!broken.is_empty(), "the background is not certified yet");
    assert!(broken.iter().all(|v| !v.citation.is_empty()), "{broken:?}");
    // Verified and certified on 21/04/2025: ready on that day.
    s.step(date(2025, 3, 24), Action::StampBackground);
    s.verify(VerificationOutcome::Clear, VerificationOutcome::Clear);
    s.step(date(2025, 4, 21), Action::CertifyBackground);
    let (_, broken) = readiness(&s.c, &s.ctx, &s.book, date(2025, 5, 6)).expect("a vote ahead");
    assert!(broken.is_empty(), "{broken:?}");
    // Cert.validity: a vote long after the certificate lapsed is refused, and readiness says so.
    let (_, late) = readiness(&s.c, &s.ctx, &s.book, date(2031, 3, 1)).expect("a vote ahead");
    assert!(
        late.iter().any(|v| v.rule_id == "cert.validity"),
        "{late:?}"
    );
    // After the decision there is no vote or decision ahead to get ready for.
    let mut d = Story::new(ctx());
    d.reach_decision();
    d.decision(date(2025, 6, 16), date(2025, 6, 18));
    assert!(readiness(&d.c, &d.ctx, &d.book, date(2025, 6, 20)).is_none());
}

// ---- Judged on the act's date (issue 16): validity periods of the vote's day; dates a step
// fixes under the rules of its own day.

/// The spec's book with one deployment version from `from` changing `id` to `value`.
fn book_with(from: &str, id: &str, value: &str) -> RuleBook {
    RuleBook::from_toml(&format!(
        "[[version]]\nname = \"Hướng dẫn tỉnh X\"\neffective_from = \"{from}\"\n[version.values]\n\"{id}\" = {value}\n"
    ))
    .expect("rules file")
}

#[test]
fn cert_validity_is_the_period_in_force_on_the_vote_day_not_on_the_certificate_day() {
    // Certificate of 28/02/2025 under 60 months; a deployment shortens the period to 3 months
    // from 01/04/2025. A vote on 29/05/2025 is judged by 3 months: the last valid day is
    // 28/05/2025, and the message states the period it used.
    let mut s = story();
    s.book = book_with("2025-04-01", "cert.validity", "3");
    s.reach_cell_vote();
    assert_eq!(
        s.c.certificate_valid_until(s.book.in_force(date(2025, 5, 28))),
        Some(date(2025, 5, 28))
    );
    let v = s.try_step(
        date(2025, 5, 29),
        Action::CellVote {
            base_note: None,
            resolution_no: "05".into(),
            tally: tally(9, 9, 9),
        },
    );
    let v = v.expect_err("certificate lapsed under the vote day's period");
    let cert = v
        .iter()
        .find(|x| x.rule_id == "cert.validity")
        .expect("cert.validity");
    assert!(cert.message_vi.contains("3 tháng"), "{}", cert.message_vi);
    assert!(cert.citation.contains("Hướng dẫn tỉnh X") || cert.citation.contains("cert.validity"));
}

#[test]
fn background_validity_message_states_the_period_it_enforced() {
    let mut s = story();
    s.reach_cell_vote();
    let v = s.try_step(
        date(2026, 4, 22),
        Action::CellVote {
            base_note: None,
            resolution_no: "05".into(),
            tally: tally(9, 9, 9),
        },
    );
    let v = v.expect_err("background lapsed");
    let b = v
        .iter()
        .find(|x| x.rule_id == "background.validity")
        .unwrap();
    assert!(b.message_vi.contains("12 tháng"), "{}", b.message_vi);
    assert!(b.message_vi.contains("21/04/2026"), "{}", b.message_vi);
}

#[test]
fn probation_months_an_override_changes_the_probation_end_the_day_before_of_and_after() {
    // A deployment sets 6 months from 01/06/2025; the ceremony of 01/07/2025 fixes the end at
    // 01/01/2026.
    fn six_months() -> Story {
        let mut s = story();
        s.book = book_with("2025-06-01", "probation.months", "6");
        s.reach_probation();
        s.step(date(2025, 7, 15), Action::DeclareMemberBackground);
        s.step(
            date(2025, 10, 10),
            Action::CompleteNewMemberCourse {
                certificate_no: "ĐVM-9".into(),
            },
        );
        s.step(date(2025, 12, 20), Action::SubmitSelfReview);
        s
    }
    let mut s = six_months();
    assert_eq!(s.c.probation_end, Some(date(2026, 1, 1)));
    let v = s.recognition_vote(date(2025, 12, 31), 9).unwrap_err();
    let p = v.iter().find(|x| x.rule_id == "probation.months").unwrap();
    assert!(p.message_vi.contains("6 tháng"), "{}", p.message_vi);
    assert!(p.message_vi.contains("còn 1 ngày"), "{}", p.message_vi);
    assert!(p.citation.contains("Hướng dẫn tỉnh X"), "{}", p.citation);
    s.recognition_vote(date(2026, 1, 1), 9).unwrap();
    six_months().recognition_vote(date(2026, 1, 2), 9).unwrap();
}

#[test]
fn probation_months_a_later_change_of_the_rules_never_moves_a_recorded_probation() {
    // The ceremony of 01/07/2025 was held under 12 months; a version of 01/01/2026 with 6
    // months does not shorten it, in the projection or on replay.
    let mut s = story();
    s.book = book_with("2026-01-01", "probation.months", "6");
    s.reach_recognition();
    assert_eq!(s.c.probation_end, Some(date(2026, 7, 1)));
    let v = s.recognition_vote(date(2026, 6, 30), 9).unwrap_err();
    let p = v.iter().find(|x| x.rule_id == "probation.months").unwrap();
    assert!(p.message_vi.contains("12 tháng") && p.message_vi.contains("còn 1 ngày"));
    let replayed = Candidacy::replay(&s.events).unwrap();
    assert_eq!(replayed.probation_end, Some(date(2026, 7, 1)));
}

#[test]
fn probation_months_events_recorded_before_the_fixed_dates_keep_twelve_months() {
    // A stored event without `fixed` (recorded by an earlier release) replays as 12 months.
    let mut s = story();
    s.reach_recognition();
    let mut old = s.events.clone();
    for e in &mut old {
        e.fixed = Fixed::default();
    }
    let json = serde_json::to_string(&old).unwrap();
    assert!(!json.contains("fixed"));
    let back: Vec<Event> = serde_json::from_str(&json).unwrap();
    assert_eq!(
        Candidacy::replay(&back).unwrap().probation_end,
        Some(date(2026, 7, 1))
    );
}

fn recognise_late(s: &mut Story) {
    s.recognition_vote(date(2026, 8, 20), 9).unwrap();
    s.step(
        date(2026, 9, 3),
        Action::RecognitionGrassrootsVote {
            resolution_no: "1".into(),
            tally: CommitteeTally {
                members: 9,
                in_favour: 9,
            },
        },
    );
    s.step(
        date(2026, 11, 2),
        Action::RecognitionDecision {
            decision_no: "1".into(),
            approved: true,
            authority: Authority::SuperiorStandingCommittee,
        },
    );
}

#[test]
fn recognition_effective_at_probation_end_switched_off_counts_from_the_decision() {
    let mut s = story();
    s.book = book_with(
        "2026-01-01",
        "recognition.effective_at_probation_end",
        "false",
    );
    s.reach_recognition();
    recognise_late(&mut s);
    assert_eq!(s.c.official_from, Some(date(2026, 11, 2)));
    assert_eq!(
        Candidacy::replay(&s.events).unwrap().official_from,
        Some(date(2026, 11, 2))
    );
}

#[test]
fn party_age_from_decision_switched_off_counts_from_the_ceremony() {
    let mut s = story();
    s.book = book_with("2025-01-01", "party_age.from_decision", "false");
    s.reach_probation();
    assert_eq!(s.c.party_age_from, Some(date(2025, 7, 1)));
    assert_eq!(
        Candidacy::replay(&s.events).unwrap().party_age_from,
        Some(date(2025, 7, 1))
    );
}

// ---- The dossier as the spec lists it (issue 16).

#[test]
fn comments_validity_the_cell_vote_is_refused_while_the_5_knd_summary_is_missing() {
    let mut s = story();
    s.reach_cell_vote();
    s.c.comments_on = None;
    let v = s.try_step(
        date(2025, 5, 6),
        Action::CellVote {
            base_note: None,
            resolution_no: "05".into(),
            tally: tally(9, 9, 9),
        },
    );
    let v = v.expect_err("no summary of comments");
    let c = v
        .iter()
        .find(|x| x.rule_id == "comments.validity")
        .expect("comments.validity");
    assert!(c.message_vi.contains("5-KNĐ"), "{}", c.message_vi);
    // With the summary, the same vote passes.
    let mut s = story();
    s.reach_cell_vote();
    s.vote(date(2025, 5, 6));
}

#[test]
fn comments_validity_the_summary_older_than_the_period_is_refused_the_day_after() {
    // Summary of 20/03/2025, letters of 14/03/2025: the oldest sets the last valid day, 14/03/2026.
    let mut s = story();
    s.reach_cell_vote();
    s.c.introducers
        .iter_mut()
        .for_each(|i| i.letter_on = date(2025, 3, 21));
    // Now the summary (20/03/2025) is the oldest: valid through 20/03/2026.
    s.vote(date(2026, 3, 20));
    let mut s = story();
    s.reach_cell_vote();
    s.c.introducers
        .iter_mut()
        .for_each(|i| i.letter_on = date(2025, 3, 21));
    let v = s.try_step(
        date(2026, 3, 21),
        Action::CellVote {
            base_note: None,
            resolution_no: "05".into(),
            tally: tally(9, 9, 9),
        },
    );
    assert!(
        v.unwrap_err()
            .iter()
            .any(|x| x.rule_id == "comments.validity")
    );
}

#[test]
fn intro_cowork_an_introducer_of_another_grassroots_organisation_is_refused() {
    let mut s = story();
    s.reach_dossier();
    let mut other = member("i3");
    other.same_cell = false;
    other.same_grassroots = false;
    let v = s.refused(
        date(2025, 3, 21),
        Action::AddIntroducer {
            introducer: other.clone(),
            letter_on: date(2025, 3, 21),
            alongside_since: date(2023, 1, 2),
            replaces: Some("i1".into()),
        },
    );
    // A replacement is exempt from the 12 months only, not from the unit.
    assert!(ids(&v, "intro.cowork"), "{v:?}");
    let mut s = story();
    s.reach_dossier();
    s.step(
        date(2025, 3, 21),
        Action::WithdrawIntroducer {
            member_id: "i2".into(),
            reason: "chuyển công tác".into(),
        },
    );
    let v = s.refused(
        date(2025, 3, 22),
        Action::AddIntroducer {
            introducer: other.clone(),
            letter_on: date(2025, 3, 22),
            alongside_since: date(2023, 1, 2),
            replaces: None,
        },
    );
    assert!(ids(&v, "intro.cowork"), "{v:?}");
    // A member of another cell of the same grassroots organisation may introduce.
    other.same_grassroots = true;
    s.step(
        date(2025, 3, 22),
        Action::AddIntroducer {
            introducer: other,
            letter_on: date(2025, 3, 22),
            alongside_since: date(2023, 1, 2),
            replaces: None,
        },
    );
}

#[test]
fn deadline_decision_extension_can_be_recorded_while_the_grassroots_committee_reviews() {
    let mut s = story();
    s.reach_cell_vote();
    s.vote(date(2025, 5, 6));
    assert_eq!(s.stage(), Stage::GrassrootsVote);
    let due = s.c.decision_due(&s.book).unwrap();
    s.step(
        date(2025, 6, 2),
        Action::ExtendDeadline {
            working_days: 30,
            reason: "Chờ kết quả xác minh bổ sung".into(),
        },
    );
    assert_eq!(s.stage(), Stage::GrassrootsVote);
    assert_eq!(
        s.c.decision_due(&s.book).unwrap(),
        s.book.calendar.add_working_days(due, 30)
    );
}

// ---- vote.cell against the roster (issue 16).

#[test]
fn vote_cell_counts_the_roster_or_a_reason_for_the_difference() {
    let vote = |s: &mut Story, official: u32, note: Option<&str>| {
        s.try_step(
            date(2025, 5, 6),
            Action::CellVote {
                resolution_no: "05".into(),
                tally: tally(official, official, official),
                base_note: note.map(str::to_string),
            },
        )
    };
    let mut s = story();
    s.ctx.cell.roster_official = Some(9);
    s.reach_cell_vote();
    // One more or one fewer than the roster is refused, naming both numbers.
    for n in [8, 10] {
        let v = vote(&mut s, n, None).unwrap_err();
        let x = v
            .iter()
            .find(|x| x.rule_id == "vote.cell")
            .expect("vote.cell");
        assert!(
            x.message_vi.contains(&format!("({n})")) && x.message_vi.contains("(9 đảng viên"),
            "{}",
            x.message_vi
        );
        let v = vote(&mut s, n, Some("  ")).unwrap_err();
        assert!(v.iter().any(|x| x.rule_id == "vote.cell"));
    }
    // With the reason, the count stands and the reason is kept with the vote.
    let e = vote(
        &mut s,
        10,
        Some("Một đảng viên chuyển đến, chưa ghi vào danh sách"),
    )
    .unwrap();
    assert!(matches!(
        e.action,
        Action::CellVote {
            base_note: Some(_),
            ..
        }
    ));
    // The roster's number needs no reason; an unknown roster checks nothing.
    let mut s = story();
    s.ctx.cell.roster_official = Some(9);
    s.reach_cell_vote();
    vote(&mut s, 9, None).unwrap();
    let mut s = story();
    s.reach_cell_vote();
    vote(&mut s, 12, None).unwrap();
}

// ---- intro.youth_union as the Charter words it (issue 16).

#[test]
fn intro_youth_union_the_route_follows_the_unit_agency_without_youth_union_residential_without() {
    use crate::org::{CellKind, OrgKind};
    let young = date(2000, 5, 20);
    let cell = |kind: CellKind, yu: bool| {
        let mut f = CellFacts::for_kind(
            &OrgKind::Cell(kind),
            false,
            Authority::SuperiorStandingCommittee,
        );
        f.youth_union_exists = yu;
        f
    };
    let needs = |cell: CellFacts, birth: Date| {
        let mut c = ctx();
        c.cell = cell;
        c.candidate.birth_date = birth;
        Candidacy::introduction_needs(
            &c,
            &RuleSet::spec_default("x", date(2025, 7, 1)),
            date(2025, 8, 1),
        )
    };
    // Where a Youth Union exists: its committee and one member.
    assert_eq!(
        needs(cell(CellKind::Residential, true), young),
        (1, Some(UnionKind::YouthUnion))
    );
    // An agency or an enterprise without a Youth Union: the trade union and one member.
    assert_eq!(
        needs(cell(CellKind::Agency, false), young),
        (1, Some(UnionKind::TradeUnion))
    );
    assert_eq!(
        needs(cell(CellKind::Enterprise, false), young),
        (1, Some(UnionKind::TradeUnion))
    );
    // Elsewhere without a Youth Union (a hamlet): two official members.
    assert_eq!(needs(cell(CellKind::Residential, false), young), (2, None));
    // Youth age is up to 30 full years: 31 on the day (born 01/08/1994) is past it; 30 years and
    // 11 months (born 02/08/1994) is not.
    assert_eq!(
        needs(cell(CellKind::Agency, true), date(1994, 8, 1)),
        (2, None)
    );
    assert_eq!(
        needs(cell(CellKind::Agency, true), date(1994, 8, 2)),
        (1, Some(UnionKind::YouthUnion))
    );
}

// ---- students — per-organisation guidance (issue 16).

#[test]
fn students_a_student_meets_the_thresholds_of_the_guidance_the_grade_below_is_refused() {
    let thresholds = StudentThresholds {
        min_grade: Standing::Fair,
        min_conduct: Standing::Good,
        source: "Hướng dẫn 05-HD/TU".into(),
    };
    let vote = |s: &mut Story| {
        s.try_step(
            date(2025, 5, 6),
            Action::CellVote {
                base_note: None,
                resolution_no: "05".into(),
                tally: tally(9, 9, 9),
            },
        )
    };
    let student = |results: Option<(Standing, Standing)>| {
        let mut c = ctx();
        c.cell.student_thresholds = Some(thresholds.clone());
        let mut s = Story::new(c);
        s.reach_cell_vote();
        s.c.source_category = "university_student".into();
        if let Some((g, k)) = results {
            s.step(
                date(2025, 4, 25),
                Action::RecordStudentResults {
                    school_year: "2023–2024".into(),
                    grade: g,
                    conduct: k,
                },
            );
        }
        s
    };
    // No results on file: refused, saying the thresholds and the guidance.
    let v = vote(&mut student(None)).unwrap_err();
    let x = v
        .iter()
        .find(|x| x.rule_id == "students")
        .expect("students");
    assert!(
        x.message_vi.contains("khá") && x.message_vi.contains("05-HD/TU"),
        "{}",
        x.message_vi
    );
    // Exactly the thresholds pass; one step below either is refused.
    vote(&mut student(Some((Standing::Fair, Standing::Good)))).unwrap();
    let v = vote(&mut student(Some((Standing::Average, Standing::Excellent)))).unwrap_err();
    assert!(v.iter().any(|x| x.rule_id == "students"));
    let v = vote(&mut student(Some((Standing::Excellent, Standing::Fair)))).unwrap_err();
    assert!(v.iter().any(|x| x.rule_id == "students"));
    // Not a student, or no guidance recorded: nothing to check.
    let mut c = ctx();
    c.cell.student_thresholds = Some(thresholds);
    let mut s = Story::new(c);
    s.reach_cell_vote();
    vote(&mut s).unwrap();
    let mut s = story();
    s.reach_cell_vote();
    s.c.source_category = "upper_secondary_student".into();
    vote(&mut s).unwrap();
}

#[test]
fn verify_content_an_unclear_answer_blocks_certification_and_switched_off_counts_as_an_answer() {
    // HD 01-HD/TW (2021) §3.4b: what verification establishes; an unclear result is asked again.
    let mut s = story();
    s.reach_dossier();
    s.step(date(2025, 3, 24), Action::StampBackground);
    s.verify(VerificationOutcome::Unclear, VerificationOutcome::Clear);
    let v = s.refused(date(2025, 4, 21), Action::CertifyBackground);
    assert_eq!(v, vec!["verify.content".to_string()]);
    // No answer at all is verify.scope's.
    let mut s = story();
    s.reach_dossier();
    s.step(date(2025, 3, 24), Action::StampBackground);
    s.c.verification.clear();
    let v = s.refused(date(2025, 4, 21), Action::CertifyBackground);
    assert!(
        ids(&v, "verify.scope") && !ids(&v, "verify.content"),
        "{v:?}"
    );
    // A deployment that turns verify.content off takes any answer as a result.
    let mut s = story();
    s.book = book_with("2025-01-01", "verify.content", "false");
    s.reach_dossier();
    s.step(date(2025, 3, 24), Action::StampBackground);
    s.verify(VerificationOutcome::Unclear, VerificationOutcome::Clear);
    s.step(date(2025, 4, 21), Action::CertifyBackground);
}

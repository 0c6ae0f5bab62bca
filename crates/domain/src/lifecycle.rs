//! The admission lifecycle as an explicit state machine.
//!
//! A step is a [`Command`]: the date of the act and an [`Action`] with its resolution numbers and
//! documents. [`decide`] judges it against the current [`Candidacy`], the facts the store supplies
//! ([`Context`]), the [`RuleBook`] version in force on the act's date and `today`, and returns either
//! the [`Event`] to record or every [`Violation`] at once. [`Candidacy::apply`] folds an event into
//! the projection; [`Candidacy::replay`] rebuilds it from the history.
//!
//! ```text
//! Source ─▶ Sympathizer ─▶ Course ─▶ Dossier ─▶ Verification ─▶ CellVote ─▶ GrassrootsVote ─▶ AwaitingDecision
//!                                                    (GrassrootsVote is skipped for a grassroots cell)
//! AwaitingDecision ─▶ AwaitingCeremony ─▶ Probationary ─▶ RecognitionVote ─▶ Official
//! exits: Withdrawn · Rejected · Removed · TransferredOut (─▶ transfer in) · Deceased · Annulled
//! ```

use std::fmt;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::dates::{add_months, format_vn, full_months, last_valid_day};
use crate::rules::{RuleBook, RuleSet, Violation};

#[cfg(test)]
mod tests;

/// Where a candidacy stands.
///
/// Written as its snake_case code (`cell_vote`) wherever it is serialised: the API's answers and
/// filters and the stored projections use one code for each value (issue 18). The names of
/// earlier versions (`CellVote`) are still read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Nguồn: listed as a source.
    #[serde(alias = "Source")]
    Source,
    /// Cảm tình Đảng: on the sympathizer list, a mentor assigned.
    #[serde(alias = "Sympathizer")]
    Sympathizer,
    /// Enrolled in the awareness course.
    #[serde(alias = "Course")]
    Course,
    /// Certificate in hand; preparing the dossier.
    #[serde(alias = "Dossier")]
    Dossier,
    /// Background verification under way.
    #[serde(alias = "Verification")]
    Verification,
    /// Background certified; waiting for the cell's vote.
    #[serde(alias = "CellVote")]
    CellVote,
    /// Cell proposed admission; partial and grassroots committee review.
    #[serde(alias = "GrassrootsVote")]
    GrassrootsVote,
    /// Waiting for the competent committee's decision.
    #[serde(alias = "AwaitingDecision")]
    AwaitingDecision,
    /// Decision received; ceremony to hold.
    #[serde(alias = "AwaitingCeremony")]
    AwaitingCeremony,
    /// Probationary member (đảng viên dự bị).
    #[serde(alias = "Probationary")]
    Probationary,
    /// The cell voted for recognition; committees to approve.
    #[serde(alias = "RecognitionVote")]
    RecognitionVote,
    /// Official member (đảng viên chính thức).
    #[serde(alias = "Official")]
    Official,
    /// Withdrew.
    #[serde(alias = "Withdrawn")]
    Withdrawn,
    /// Not admitted.
    #[serde(alias = "Rejected")]
    Rejected,
    /// Removed from the probationary list (xóa tên).
    #[serde(alias = "Removed")]
    Removed,
    /// Moved to another organisation (chuyển sinh hoạt).
    #[serde(alias = "TransferredOut")]
    TransferredOut,
    /// Died.
    #[serde(alias = "Deceased")]
    Deceased,
    /// The admission was annulled as irregular.
    #[serde(alias = "Annulled")]
    Annulled,
}

impl Stage {
    /// Every stage, in lifecycle order.
    pub const ALL: [Stage; 18] = [
        Stage::Source,
        Stage::Sympathizer,
        Stage::Course,
        Stage::Dossier,
        Stage::Verification,
        Stage::CellVote,
        Stage::GrassrootsVote,
        Stage::AwaitingDecision,
        Stage::AwaitingCeremony,
        Stage::Probationary,
        Stage::RecognitionVote,
        Stage::Official,
        Stage::Withdrawn,
        Stage::Rejected,
        Stage::Removed,
        Stage::TransferredOut,
        Stage::Deceased,
        Stage::Annulled,
    ];

    /// The Vietnamese label.
    pub fn label_vi(self) -> &'static str {
        match self {
            Stage::Source => "Nguồn",
            Stage::Sympathizer => "Cảm tình Đảng",
            Stage::Course => "Học lớp nhận thức về Đảng",
            Stage::Dossier => "Hoàn thiện hồ sơ",
            Stage::Verification => "Thẩm tra lý lịch",
            Stage::CellVote => "Chờ chi bộ xét",
            Stage::GrassrootsVote => "Đảng ủy cơ sở xét",
            Stage::AwaitingDecision => "Chờ quyết định kết nạp",
            Stage::AwaitingCeremony => "Chờ lễ kết nạp",
            Stage::Probationary => "Đảng viên dự bị",
            Stage::RecognitionVote => "Đang xét công nhận chính thức",
            Stage::Official => "Đảng viên chính thức",
            Stage::Withdrawn => "Rút khỏi danh sách",
            Stage::Rejected => "Không kết nạp",
            Stage::Removed => "Xóa tên",
            Stage::TransferredOut => "Đã chuyển sinh hoạt",
            Stage::Deceased => "Từ trần",
            Stage::Annulled => "Hủy quyết định kết nạp",
        }
    }

    /// No further step is possible (except a transfer in after a transfer out, and the annulment
    /// of a recognition).
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            Stage::Official
                | Stage::Withdrawn
                | Stage::Rejected
                | Stage::Removed
                | Stage::TransferredOut
                | Stage::Deceased
                | Stage::Annulled
        )
    }

    /// Before the admission decision: still a candidate (quần chúng).
    pub fn is_candidate(self) -> bool {
        self <= Stage::AwaitingDecision
    }

    /// Admitted and on probation (includes a recognition under review).
    pub fn is_probationary(self) -> bool {
        matches!(self, Stage::Probationary | Stage::RecognitionVote)
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label_vi())
    }
}

/// A party member as the store knows them on the act's date (mentor, introducer).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberFacts {
    /// Opaque member id.
    pub member_id: String,
    /// An official member (probationary members do not vote, introduce or mentor).
    pub official: bool,
    /// In the candidate's cell.
    pub same_cell: bool,
    /// In a cell of the same grassroots organisation as the candidate's (an introducer's "same
    /// unit under the same grassroots organisation", intro.cowork). Events recorded before this
    /// was kept read `true`: they were accepted then.
    #[serde(default = "yes")]
    pub same_grassroots: bool,
}

fn yes() -> bool {
    true
}

/// Who issued the awareness-course certificate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CertIssuer {
    /// A political centre (district level or equivalent; since 2025 as the province assigns).
    PoliticalCentre(String),
    /// Where there is no centre: the committee competent to admit.
    CompetentCommittee(String),
    /// Anyone else: not accepted.
    Other(String),
}

/// The union that introduces a young candidate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum UnionKind {
    /// Đoàn TNCS Hồ Chí Minh (form 4-KNĐ).
    YouthUnion,
    /// Công đoàn (form 4A-KNĐ), where there is no Youth Union.
    TradeUnion,
}

/// Whose background a verification request checks (verify.scope).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Relation {
    /// The candidate.
    Candidate,
    /// Father and mother, or the person who raised the candidate.
    Parents,
    /// The spouse.
    Spouse,
    /// The spouse's parents.
    ParentsInLaw,
    /// Children with full civil capacity.
    AdultChildren,
    /// Extra items for a religious believer (QĐ 06-QĐ/TW 2018).
    ReligiousActivity,
    /// Extra items for a candidate of Hoa ethnicity (TT 06-TT/TW 2004).
    HoaItems,
}

impl Relation {
    /// The Vietnamese label.
    pub fn label_vi(self) -> &'static str {
        match self {
            Relation::Candidate => "người vào Đảng",
            Relation::Parents => "cha mẹ đẻ (hoặc người nuôi dưỡng)",
            Relation::Spouse => "vợ (chồng)",
            Relation::ParentsInLaw => "cha mẹ vợ (chồng)",
            Relation::AdultChildren => "con đủ năng lực hành vi dân sự",
            Relation::ReligiousActivity => "nội dung về hoạt động tôn giáo",
            Relation::HoaItems => "nội dung đối với người dân tộc Hoa",
        }
    }
}

/// The answer to a verification request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum VerificationOutcome {
    /// Nothing against the candidate.
    Clear,
    /// Something to clarify: ask again.
    Unclear,
    /// A finding that bars admission.
    Disqualifying,
}

/// The count of a cell vote. The base is all official members less those temporarily transferred
/// out or exempted from activity **who are absent** (vote.cell).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    /// Official members of the cell on the vote date.
    pub official_members: u32,
    /// Of those, temporarily transferred or exempted and absent.
    pub exempt_absent: u32,
    /// Official members present.
    pub present: u32,
    /// Ballots issued and returned, where voting was by ballot.
    pub ballots: Option<(u32, u32)>,
    /// In favour.
    pub in_favour: u32,
}

impl Tally {
    /// The base the 2/3 is measured against.
    pub fn base(&self) -> u32 {
        self.official_members.saturating_sub(self.exempt_absent)
    }

    fn check(&self) -> Option<Violation> {
        let mut wrong = Vec::new();
        if self.exempt_absent > self.official_members {
            wrong.push("số miễn sinh hoạt vắng mặt lớn hơn số đảng viên chính thức");
        }
        if self.present > self.base() {
            wrong.push("số có mặt lớn hơn số đảng viên chính thức được tính");
        }
        if self.in_favour > self.present {
            wrong.push("số tán thành lớn hơn số có mặt");
        }
        if let Some((issued, returned)) = self.ballots
            && (issued > self.present || returned > issued || self.in_favour > returned)
        {
            wrong.push("số phiếu phát ra, thu về và tán thành không khớp");
        }
        if self.official_members == 0 {
            wrong.push("chi bộ không có đảng viên chính thức");
        }
        (!wrong.is_empty()).then(|| {
            Violation::input(
                "vote.tally",
                format!("Số liệu biểu quyết không hợp lệ: {}.", wrong.join("; ")),
            )
        })
    }
}

/// The count of a committee vote (all members of the committee are the base, vote.committee).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitteeTally {
    /// Members of the committee.
    pub members: u32,
    /// In favour.
    pub in_favour: u32,
}

/// Who decides an admission or recognition (authority.decide).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Authority {
    /// The grassroots committee as a whole, where authorised.
    GrassrootsCommittee,
    /// The standing committee of the committee directly above the grassroots organisation.
    SuperiorStandingCommittee,
    /// A committee directly under the Central Committee (provincial level).
    CentralLevelCommittee,
}

impl Authority {
    /// The Vietnamese label.
    pub fn label_vi(self) -> &'static str {
        match self {
            Authority::GrassrootsCommittee => "đảng ủy cơ sở được ủy quyền",
            Authority::SuperiorStandingCommittee => "ban thường vụ cấp ủy cấp trên trực tiếp",
            Authority::CentralLevelCommittee => "cấp ủy trực thuộc Trung ương",
        }
    }
}

/// The level that returns a dossier.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Level {
    /// Partial committee.
    Partial,
    /// Grassroots committee.
    Grassroots,
    /// Competent committee.
    Competent,
}

/// Why a former member left (readmit.excluded).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LeaveReason {
    /// Removed from the roster for other reasons (xóa tên) or expelled for minor reasons.
    Removed,
    /// Removed for family-planning violations (the Secretariat's own rule).
    FamilyPlanning,
    /// Convicted of a minor crime, record since cleared.
    MinorCrime,
    /// Quit activity voluntarily (tự bỏ sinh hoạt): never re-admitted.
    QuitActivity,
    /// Asked to leave (xin ra Đảng), not for very hard family circumstances: never re-admitted.
    AskedToLeave,
    /// Asked to leave for very hard family circumstances.
    AskedToLeaveHardship,
    /// Caused serious disunity: never re-admitted.
    SeriousDisunity,
    /// Convicted of corruption: never re-admitted.
    Corruption,
    /// Convicted of a serious crime or worse: never re-admitted.
    SeriousCrime,
}

/// A former member asking to be re-admitted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormerMembership {
    /// Left the Party on.
    pub left_on: Date,
    /// Why.
    pub reason: LeaveReason,
    /// Criminal record cleared on (for [`LeaveReason::MinorCrime`]).
    pub record_cleared_on: Option<Date>,
    /// Re-admitted once already.
    pub readmitted_before: bool,
}

/// What an annulment cancels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AnnulTarget {
    /// The admission decision.
    Admission,
    /// The recognition as official member.
    Recognition,
}

/// What an education exception of the organisation allows (edu.exception_*), with its basis.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum EducationException {
    /// Mountain, border, island, ethnic-minority, disadvantaged area or fishermen: primary school.
    Primary,
    /// Village elders, hamlet heads, prestigious people in those areas: literate, with consent.
    Literate,
}

/// What a higher standing committee's written consent allows, with the conditions the spec names.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ConsentGrounds {
    /// Admission over 60 (age.max, age.over_max_authority): healthy, reputable, and working or
    /// living where there is no party organisation or member, or a special need.
    OverAge {
        /// In good health.
        healthy: bool,
        /// Of good reputation.
        reputable: bool,
        /// Why here.
        ground: OverAgeGround,
    },
    /// The literate exception (edu.exception_literate): only the persons the spec names.
    Literate {
        /// Who the candidate is among them.
        standing: LiterateStanding,
    },
    /// Re-admission of a former member (readmit.once): the provincial standing committee.
    Readmission,
}

/// Why an over-60 candidate is admitted here (age.max).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OverAgeGround {
    /// Works or lives where there is no party organisation or party member.
    NoLocalOrganisation,
    /// A special need, in the committee's words.
    SpecialNeed(String),
}

/// The persons the literate exception names (edu.exception_literate).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LiterateStanding {
    /// Già làng.
    VillageElder,
    /// Trưởng bản, trưởng thôn.
    HamletHead,
    /// Người có uy tín.
    PrestigiousPerson,
}

impl LiterateStanding {
    /// Vietnamese.
    pub fn label_vi(self) -> &'static str {
        match self {
            LiterateStanding::VillageElder => "Già làng",
            LiterateStanding::HamletHead => "Trưởng bản, trưởng thôn",
            LiterateStanding::PrestigiousPerson => "Người có uy tín trong cộng đồng",
        }
    }
}

impl ConsentGrounds {
    /// What the consent is for, in Vietnamese.
    pub fn label_vi(&self) -> &'static str {
        match self {
            ConsentGrounds::OverAge { .. } => "kết nạp người trên 60 tuổi",
            ConsentGrounds::Literate { .. } => "kết nạp người chỉ biết đọc, biết viết",
            ConsentGrounds::Readmission => "kết nạp lại",
        }
    }

    fn same_kind(&self, other: &ConsentGrounds) -> bool {
        std::mem::discriminant(self) == std::mem::discriminant(other)
    }
}

/// One step, with what the forms record. The act's date is in the [`Command`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Action {
    /// List as a source (the cell, or a mass organisation proposing to it).
    Open {
        /// Source category code.
        source_category: String,
        /// The mass organisation that proposed the candidate.
        proposed_by: Option<String>,
        /// A former member asking for re-admission.
        readmission: Option<FormerMembership>,
    },
    /// Put on the sympathizer list by the cell's resolution, with a mentor.
    ListAsSympathizer {
        /// Cell resolution number.
        resolution_no: String,
        /// The mentor.
        mentor: MemberFacts,
    },
    /// Assign another mentor.
    AssignMentor {
        /// The new mentor.
        mentor: MemberFacts,
    },
    /// Enrol in the awareness course.
    EnrolInCourse {
        /// Course name or code.
        course: String,
    },
    /// The candidate did not complete the course.
    FailCourse,
    /// Record the awareness-course certificate (also a retake when it expired).
    RecordCertificate {
        /// Certificate number.
        number: String,
        /// Issue date.
        issued_on: Date,
        /// Issuer.
        issuer: CertIssuer,
    },
    /// The candidate's application (1-KNĐ).
    SubmitApplication,
    /// The background declaration (2-KNĐ).
    DeclareBackground,
    /// An introducer's letter (3-KNĐ).
    AddIntroducer {
        /// The introducer.
        introducer: MemberFacts,
        /// Letter date.
        letter_on: Date,
        /// Since when they worked, studied or lived alongside the candidate.
        alongside_since: Date,
        /// The member this one replaces (intro.replacement).
        replaces: Option<String>,
    },
    /// An introducer can no longer introduce (moved, disciplined…).
    WithdrawIntroducer {
        /// The introducer.
        member_id: String,
        /// Why.
        reason: String,
    },
    /// The Youth Union (4-KNĐ) or trade union (4A-KNĐ) resolution introducing the candidate.
    RecordUnionIntroduction {
        /// Which union.
        union: UnionKind,
        /// Resolution number.
        resolution_no: String,
        /// Resolution date.
        resolution_on: Date,
    },
    /// The summary of mass-organisation and residence comments (5-KNĐ).
    RecordComments {
        /// Summary date.
        summary_on: Date,
    },
    /// The grassroots committee stamps the declaration's pages; verification starts (verify.order).
    StampBackground,
    /// Send a verification request.
    SendVerification {
        /// Request number within this candidacy.
        request_no: u32,
        /// Whom it verifies.
        subject: Relation,
        /// Where it was sent.
        destination: String,
    },
    /// Record the answer to a request.
    AnswerVerification {
        /// Request number.
        request_no: u32,
        /// The answer.
        outcome: VerificationOutcome,
    },
    /// The cell comments and the grassroots committee certifies the background.
    CertifyBackground,
    /// The cell votes on admission (6-KNĐ).
    CellVote {
        /// Resolution number.
        resolution_no: String,
        /// The count.
        tally: Tally,
        /// Why the official members counted differ from the cell's roster on the vote date,
        /// when they do (vote.cell): the clerk's words, kept with the vote.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        base_note: Option<String>,
    },
    /// The partial committee appraises (7-KNĐ).
    PartialAppraisal {
        /// Report number.
        report_no: String,
        /// In favour of admission.
        approved: bool,
    },
    /// The grassroots committee votes (8-KNĐ).
    GrassrootsVote {
        /// Resolution number.
        resolution_no: String,
        /// The count.
        tally: CommitteeTally,
    },
    /// A reviewing level sends the dossier back to the cell.
    ReturnDossier {
        /// Who returns it.
        by: Level,
        /// Why.
        reason: String,
    },
    /// Extend the decision deadline once (deadline.decision_extension).
    ExtendDeadline {
        /// Working days added.
        working_days: u32,
        /// Why.
        reason: String,
    },
    /// A student candidate's results of the last school year (the `students` rule).
    RecordStudentResults {
        /// The school year ("2024–2025").
        school_year: String,
        /// Academic result.
        grade: Standing,
        /// Conduct.
        conduct: Standing,
    },
    /// The written consent of a higher standing committee, with its number, for an admission
    /// the rules allow only with it (over 60, the literate exception, re-admission).
    RecordSuperiorConsent {
        /// The document's number.
        document_no: String,
        /// What it allows, with the conditions.
        grounds: ConsentGrounds,
    },
    /// The admission decision (9-KNĐ), or a refusal notified to the cell.
    AdmissionDecision {
        /// Decision number.
        decision_no: String,
        /// Admitted.
        approved: bool,
        /// Who decided.
        authority: Authority,
        /// Date the cell received it.
        received_on: Date,
        /// Written consent of a higher standing committee, as older releases recorded it (a date
        /// only). Kept to read their events; a decision now needs the consent recorded as its own
        /// step ([`Action::RecordSuperiorConsent`]).
        #[serde(default)]
        superior_consent_on: Option<Date>,
    },
    /// The admission ceremony: probation starts.
    HoldCeremony {
        /// The superior committee's approval of a late ceremony.
        late_approval: Option<String>,
    },
    /// The new member's party-member background.
    DeclareMemberBackground,
    /// The new-member political course.
    CompleteNewMemberCourse {
        /// Certificate number.
        certificate_no: String,
    },
    /// The probationary member's self-review (10-KNĐ).
    SubmitSelfReview,
    /// The cell votes on recognition (13-KNĐ).
    RecognitionCellVote {
        /// Resolution number.
        resolution_no: String,
        /// The count.
        tally: Tally,
        /// Why the official members counted differ from the cell's roster on the vote date,
        /// when they do (vote.cell): the clerk's words, kept with the vote.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        base_note: Option<String>,
    },
    /// The grassroots committee votes on recognition (15-KNĐ).
    RecognitionGrassrootsVote {
        /// Resolution number.
        resolution_no: String,
        /// The count.
        tally: CommitteeTally,
    },
    /// The competent committee decides on recognition.
    RecognitionDecision {
        /// Decision number.
        decision_no: String,
        /// Recognised.
        approved: bool,
        /// Who decided.
        authority: Authority,
    },
    /// After the cell's last allowed vote failed, the superior committee rules.
    SuperiorRuling {
        /// Decision number.
        decision_no: String,
        /// Recognise (else remove).
        recognise: bool,
    },
    /// Remove a probationary member (xóa tên).
    Remove {
        /// Decision number.
        decision_no: String,
        /// Why.
        reason: String,
    },
    /// The candidate withdraws.
    Withdraw {
        /// Why.
        reason: String,
    },
    /// The cell stops the candidacy.
    Reject {
        /// Why.
        reason: String,
    },
    /// Transfer to another organisation.
    TransferOut {
        /// Receiving organisation (opaque id or name).
        to: String,
    },
    /// Received from another organisation: the history continues here.
    TransferIn {
        /// Sending organisation.
        from: String,
    },
    /// The candidate or member died.
    RecordDeath,
    /// Annul an irregular admission or recognition.
    Annul {
        /// Decision number.
        decision_no: String,
        /// Why.
        reason: String,
        /// What is annulled.
        target: AnnulTarget,
    },
}

/// A step asked for: the act's date and the action.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Command {
    /// The date of the act (meeting, decision, receipt…).
    pub on: Date,
    /// What happened.
    pub action: Action,
}

/// A recorded step: the command accepted, the stage it led to and the rules that judged it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// Date of the act.
    pub on: Date,
    /// What happened.
    pub action: Action,
    /// Stage after the step.
    pub stage: Stage,
    /// For votes: whether the required share was reached.
    pub passed: Option<bool>,
    /// The RuleSet version in force on `on`.
    pub rules_version: String,
    /// Rules the step was late on but that do not void it (late decision, late recognition vote).
    pub warnings: Vec<Violation>,
    /// Dates the step fixed under the rules in force on its date, so that a later change of the
    /// rules never moves them: the end of probation [probation.months], the day a member is
    /// official from [recognition.effective_at_probation_end], the day party age counts from
    /// [party_age.from_decision]. Events recorded before these were kept carry none, and the
    /// spec's defaults apply to them.
    #[serde(default, skip_serializing_if = "Fixed::is_empty")]
    pub fixed: Fixed,
}

/// See [`Event::fixed`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fixed {
    /// Last day of probation, fixed by the ceremony.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probation_end: Option<Date>,
    /// Official from, fixed by the recognition decision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub official_from: Option<Date>,
    /// Party age counts from, fixed by the admission decision or the ceremony.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub party_age_from: Option<Date>,
}

impl Fixed {
    /// Nothing fixed.
    pub fn is_empty(&self) -> bool {
        *self == Fixed::default()
    }
}

/// Facts the store knows about the candidate on the act's date.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CandidateFacts {
    /// Birth date.
    pub birth_date: Date,
    /// General education in the 12-year system (9 = lower secondary done).
    pub education_grade12: u8,
    /// Reads and writes Vietnamese.
    pub literate: bool,
    /// Youth Union member.
    pub youth_union_member: bool,
    /// Trade-union member.
    pub trade_union_member: bool,
    /// A religious believer.
    pub religious: bool,
    /// Of Hoa ethnicity.
    pub hoa_ethnicity: bool,
    /// Already a party member.
    pub is_current_member: bool,
    /// Married (spouse and parents-in-law are verified).
    pub married: bool,
    /// Has children of full civil capacity.
    pub has_adult_children: bool,
    /// A parent, sibling or child is a member and the declaration is complete (verify.exempt).
    pub own_family_member: bool,
    /// The spouse, or a parent or sibling of the spouse, is a member (verify.exempt).
    pub spouse_family_member: bool,
    /// The cell takes the over-60 exception path (age.max).
    pub over_age_exception: bool,
}

impl CandidateFacts {
    /// The facts a parsed [`crate::person::Person`] gives; family and exception facts start false
    /// and are set from the background declaration.
    pub fn from_person(p: &crate::person::Person) -> CandidateFacts {
        CandidateFacts {
            birth_date: p.birth_date.date(),
            education_grade12: p.education.grade12(),
            literate: true,
            youth_union_member: p.youth_union_member,
            trade_union_member: p.trade_union_member,
            religious: p.religion.is_believer(),
            hoa_ethnicity: p.ethnicity.is_hoa(),
            is_current_member: false,
            married: false,
            has_adult_children: false,
            own_family_member: false,
            spouse_family_member: false,
            over_age_exception: false,
        }
    }
}

impl CellFacts {
    /// The facts an organisation kind gives: a grassroots cell skips the grassroots vote. The rest
    /// (partial committee, unions, exception, authority) is the organisation's own data.
    pub fn for_kind(
        kind: &crate::org::OrgKind,
        has_partial_committee: bool,
        competent_authority: Authority,
    ) -> CellFacts {
        CellFacts {
            grassroots_cell: kind.skips_grassroots_vote(),
            has_partial_committee,
            youth_union_exists: true,
            // intro.youth_union: in agencies and enterprises without a Youth Union, the trade
            // union introduces (used only when the organisation records no Youth Union).
            trade_union_instead: matches!(
                kind,
                crate::org::OrgKind::Cell(
                    crate::org::CellKind::Agency | crate::org::CellKind::Enterprise
                ) | crate::org::OrgKind::GrassrootsCell(
                    crate::org::GrassrootsKind::Agency | crate::org::GrassrootsKind::Enterprise
                )
            ),
            education_exception: None,
            competent_authority,
            roster_official: None,
            student_thresholds: None,
        }
    }
}

/// A school or university result: academic performance (học lực, kết quả học tập) or conduct
/// (hạnh kiểm, kết quả rèn luyện), in the order the schools grade them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    /// Yếu.
    Weak,
    /// Trung bình (đạt).
    Average,
    /// Khá.
    Fair,
    /// Giỏi / Tốt.
    Good,
    /// Xuất sắc.
    Excellent,
}

impl Standing {
    /// Every standing, lowest first.
    pub const ALL: [Standing; 5] = [
        Standing::Weak,
        Standing::Average,
        Standing::Fair,
        Standing::Good,
        Standing::Excellent,
    ];

    /// As an academic result: Yếu, Trung bình, Khá, Giỏi, Xuất sắc.
    pub fn grade_vi(self) -> &'static str {
        match self {
            Standing::Weak => "Yếu",
            Standing::Average => "Trung bình",
            Standing::Fair => "Khá",
            Standing::Good => "Giỏi",
            Standing::Excellent => "Xuất sắc",
        }
    }

    /// As conduct: Yếu, Trung bình, Khá, Tốt, Xuất sắc.
    pub fn conduct_vi(self) -> &'static str {
        match self {
            Standing::Good => "Tốt",
            other => other.grade_vi(),
        }
    }

    /// Stable code.
    pub fn code(self) -> &'static str {
        match self {
            Standing::Weak => "weak",
            Standing::Average => "average",
            Standing::Fair => "fair",
            Standing::Good => "good",
            Standing::Excellent => "excellent",
        }
    }

    /// By code.
    pub fn from_code(code: &str) -> Option<Standing> {
        Standing::ALL.into_iter().find(|s| s.code() == code.trim())
    }
}

/// The thresholds an organisation's guidance sets for students (the `students` rule): the
/// minimum academic result and conduct of the last school year, with the document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StudentThresholds {
    /// Minimum academic result.
    pub min_grade: Standing,
    /// Minimum conduct.
    pub min_conduct: Standing,
    /// The guidance ("Hướng dẫn 05-HD/TU ngày … của …").
    pub source: String,
}

/// Facts about the candidate's cell.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CellFacts {
    /// A grassroots cell (chi bộ cơ sở): no grassroots committee vote.
    pub grassroots_cell: bool,
    /// A partial committee sits between the cell and the grassroots committee.
    pub has_partial_committee: bool,
    /// A Youth Union organisation exists where the candidate works or lives.
    pub youth_union_exists: bool,
    /// An agency or enterprise without Youth Union: the trade union introduces.
    pub trade_union_instead: bool,
    /// The organisation's education exception, if it has one.
    pub education_exception: Option<EducationException>,
    /// Who decides admissions for this cell.
    pub competent_authority: Authority,
    /// Official members on the cell's roster on the act's date, where ketnap holds the roster
    /// (a cell vote's count is checked against it, vote.cell); `None` when unknown.
    #[serde(default)]
    pub roster_official: Option<u32>,
    /// The student thresholds of the guidance in force for the cell (the `students` rule), if
    /// an organisation at or above it recorded one.
    #[serde(default)]
    pub student_thresholds: Option<StudentThresholds>,
}

/// What [`decide`] needs besides the candidacy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Context {
    /// The candidate.
    pub candidate: CandidateFacts,
    /// The cell.
    pub cell: CellFacts,
}

/// The awareness-course certificate on file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Certificate {
    /// Number.
    pub number: String,
    /// Issue date.
    pub issued_on: Date,
    /// Issuer.
    pub issuer: CertIssuer,
}

/// An introducer on file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Introducer {
    /// Member id.
    pub member_id: String,
    /// Letter date.
    pub letter_on: Date,
    /// A replacement (intro.replacement).
    pub replacement: bool,
}

/// A verification request on file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerificationRequest {
    /// Number.
    pub request_no: u32,
    /// Whom it verifies.
    pub subject: Relation,
    /// Where it went.
    pub destination: String,
    /// Sent on.
    pub sent_on: Date,
    /// Answered on, and how.
    pub answer: Option<(Date, VerificationOutcome)>,
}

/// A resolution or decision: number and date.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resolution {
    /// Number.
    pub number: String,
    /// Date.
    pub on: Date,
}

/// The current state of a candidacy: the projection of its events.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Candidacy {
    /// Stage; `None` before the first event.
    pub stage: Option<Stage>,
    /// Events applied (the optimistic-concurrency version).
    pub version: u32,
    /// Date of the last act.
    pub last_on: Option<Date>,
    /// Listed as a source on.
    pub opened_on: Option<Date>,
    /// Source category code.
    pub source_category: String,
    /// Proposing mass organisation.
    pub proposed_by: Option<String>,
    /// Re-admission of a former member.
    pub readmission: Option<FormerMembership>,
    /// Sympathizer-list resolution.
    pub sympathizer: Option<Resolution>,
    /// Current mentor and since when.
    pub mentor: Option<(String, Date)>,
    /// Awareness-course certificate.
    pub certificate: Option<Certificate>,
    /// Application date.
    pub application_on: Option<Date>,
    /// Background declaration date.
    pub background_on: Option<Date>,
    /// Introducers currently on file.
    pub introducers: Vec<Introducer>,
    /// Union introduction.
    pub union_introduction: Option<(UnionKind, Resolution)>,
    /// Comments summary date.
    pub comments_on: Option<Date>,
    /// Background pages stamped on (verification started).
    pub stamped_on: Option<Date>,
    /// Verification requests.
    pub verification: Vec<VerificationRequest>,
    /// Background certified on.
    pub background_certified_on: Option<Date>,
    /// Failed admission votes of the cell.
    pub failed_cell_votes: u32,
    /// The cell's resolution proposing admission.
    pub cell_resolution: Option<Resolution>,
    /// Partial committee appraisal.
    pub partial_appraisal: Option<Resolution>,
    /// Grassroots committee resolution.
    pub grassroots_resolution: Option<Resolution>,
    /// Deadline extension in working days (decision or recognition decision, whichever is open).
    pub extension: Option<u32>,
    /// The admission decision and the date the cell received it.
    pub admission_decision: Option<(Resolution, Date)>,
    /// Ceremony date: probation starts.
    pub ceremony_on: Option<Date>,
    /// A late ceremony's approval.
    pub late_ceremony_approval: Option<String>,
    /// Last day of probation (12 months after the ceremony).
    pub probation_end: Option<Date>,
    /// Member background declared on.
    pub member_background_on: Option<Date>,
    /// New-member course completed on.
    pub new_member_course_on: Option<Date>,
    /// Self-review date.
    pub self_review_on: Option<Date>,
    /// Failed recognition votes.
    pub failed_recognition_votes: u32,
    /// The cell's recognition resolution.
    pub recognition_resolution: Option<Resolution>,
    /// Grassroots recognition resolution.
    pub recognition_grassroots: Option<Resolution>,
    /// Recognition decision.
    pub recognition_decision: Option<Resolution>,
    /// Official from (the end of probation).
    pub official_from: Option<Date>,
    /// Party age counts from (the admission decision's date).
    pub party_age_from: Option<Date>,
    /// The stage before a transfer out.
    pub before_transfer: Option<Stage>,
    /// Exit date and reason.
    pub exit: Option<(Date, String)>,
    /// Times the dossier was returned.
    pub returns: u32,
    /// Written consents of higher standing committees, with their conditions.
    #[serde(default)]
    pub consents: Vec<(ConsentGrounds, Resolution)>,
    /// A student's last results: school year, academic result, conduct.
    #[serde(default)]
    pub student_results: Option<(String, Standing, Standing)>,
}

/// A history that cannot be replayed (corrupt or out of order).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("event {index} cannot follow stage {stage:?}")]
pub struct ReplayError {
    /// Index of the bad event.
    pub index: usize,
    /// Stage before it.
    pub stage: Option<Stage>,
}

impl Candidacy {
    /// Rebuild the projection from the history.
    pub fn replay<'a>(
        events: impl IntoIterator<Item = &'a Event>,
    ) -> Result<Candidacy, ReplayError> {
        let mut c = Candidacy::default();
        for (index, e) in events.into_iter().enumerate() {
            if c.stage.is_none() != matches!(e.action, Action::Open { .. }) {
                return Err(ReplayError {
                    index,
                    stage: c.stage,
                });
            }
            c.apply(e);
        }
        Ok(c)
    }

    /// The current stage, `Source` before anything happened is not a stage: `None`.
    pub fn stage(&self) -> Option<Stage> {
        self.stage
    }

    /// Introducers required and a union resolution needed, for this candidate and cell.
    pub fn introduction_needs(
        ctx: &Context,
        rules: &RuleSet,
        on: Date,
    ) -> (u32, Option<UnionKind>) {
        let youth = full_months(ctx.candidate.birth_date, on) / 12 <= rules.youth_age_max.value.0;
        let two = rules.intro_count.value.0;
        if youth && ctx.cell.youth_union_exists && rules.intro_youth_union.value.0 {
            (two.saturating_sub(1), Some(UnionKind::YouthUnion))
        } else if youth && ctx.cell.trade_union_instead && rules.intro_youth_union.value.0 {
            (two.saturating_sub(1), Some(UnionKind::TradeUnion))
        } else {
            (two, None)
        }
    }

    /// Fold one event into the projection.
    pub fn apply(&mut self, e: &Event) {
        let on = e.on;
        match &e.action {
            Action::Open {
                source_category,
                proposed_by,
                readmission,
            } => {
                *self = Candidacy::default();
                self.opened_on = Some(on);
                self.source_category.clone_from(source_category);
                self.proposed_by.clone_from(proposed_by);
                self.readmission = *readmission;
            }
            Action::ListAsSympathizer {
                resolution_no,
                mentor,
            } => {
                self.sympathizer = Some(Resolution {
                    number: resolution_no.clone(),
                    on,
                });
                self.mentor = Some((mentor.member_id.clone(), on));
            }
            Action::AssignMentor { mentor } => self.mentor = Some((mentor.member_id.clone(), on)),
            Action::EnrolInCourse { .. } | Action::FailCourse => {}
            Action::RecordCertificate {
                number,
                issued_on,
                issuer,
            } => {
                self.certificate = Some(Certificate {
                    number: number.clone(),
                    issued_on: *issued_on,
                    issuer: issuer.clone(),
                });
            }
            Action::SubmitApplication => self.application_on = Some(on),
            Action::DeclareBackground => self.background_on = Some(on),
            Action::AddIntroducer {
                introducer,
                letter_on,
                replaces,
                ..
            } => {
                if let Some(old) = replaces {
                    self.introducers.retain(|i| &i.member_id != old);
                }
                self.introducers.push(Introducer {
                    member_id: introducer.member_id.clone(),
                    letter_on: *letter_on,
                    replacement: replaces.is_some(),
                });
            }
            Action::WithdrawIntroducer { member_id, .. } => {
                self.introducers.retain(|i| &i.member_id != member_id)
            }
            Action::RecordUnionIntroduction {
                union,
                resolution_no,
                resolution_on,
            } => {
                self.union_introduction = Some((
                    *union,
                    Resolution {
                        number: resolution_no.clone(),
                        on: *resolution_on,
                    },
                ));
            }
            Action::RecordComments { summary_on } => self.comments_on = Some(*summary_on),
            Action::StampBackground => self.stamped_on = Some(on),
            Action::SendVerification {
                request_no,
                subject,
                destination,
            } => {
                self.verification.push(VerificationRequest {
                    request_no: *request_no,
                    subject: *subject,
                    destination: destination.clone(),
                    sent_on: on,
                    answer: None,
                });
            }
            Action::AnswerVerification {
                request_no,
                outcome,
            } => {
                if let Some(r) = self
                    .verification
                    .iter_mut()
                    .find(|r| r.request_no == *request_no)
                {
                    r.answer = Some((on, *outcome));
                }
            }
            Action::CertifyBackground => self.background_certified_on = Some(on),
            Action::CellVote { resolution_no, .. } => {
                if e.passed == Some(true) {
                    self.cell_resolution = Some(Resolution {
                        number: resolution_no.clone(),
                        on,
                    });
                } else {
                    self.failed_cell_votes += 1;
                }
            }
            Action::PartialAppraisal {
                report_no,
                approved,
            } => {
                if *approved {
                    self.partial_appraisal = Some(Resolution {
                        number: report_no.clone(),
                        on,
                    });
                } else {
                    self.reopen_at_cell();
                }
            }
            Action::GrassrootsVote { resolution_no, .. } => {
                if e.passed == Some(true) {
                    self.grassroots_resolution = Some(Resolution {
                        number: resolution_no.clone(),
                        on,
                    });
                }
            }
            Action::ReturnDossier { .. } => {
                if e.stage == Stage::Probationary {
                    self.recognition_resolution = None;
                    self.recognition_grassroots = None;
                    self.extension = None;
                    self.returns += 1;
                } else {
                    self.reopen_at_cell();
                }
            }
            Action::ExtendDeadline { working_days, .. } => self.extension = Some(*working_days),
            Action::RecordStudentResults {
                school_year,
                grade,
                conduct,
            } => self.student_results = Some((school_year.clone(), *grade, *conduct)),
            Action::RecordSuperiorConsent {
                document_no,
                grounds,
            } => {
                self.consents.retain(|(g, _)| !g.same_kind(grounds));
                self.consents.push((
                    grounds.clone(),
                    Resolution {
                        number: document_no.clone(),
                        on,
                    },
                ));
            }
            Action::AdmissionDecision {
                decision_no,
                approved,
                received_on,
                ..
            } => {
                let r = Resolution {
                    number: decision_no.clone(),
                    on,
                };
                if *approved {
                    // [party_age.from_decision]: the decision's date; where the rules in force at
                    // the ceremony count it from the ceremony, that step fixes it instead.
                    self.party_age_from = Some(e.fixed.party_age_from.unwrap_or(on));
                    self.admission_decision = Some((r, *received_on));
                    self.extension = None;
                } else {
                    self.exit = Some((on, format!("Không kết nạp, quyết định số {decision_no}")));
                }
            }
            Action::HoldCeremony { late_approval } => {
                self.ceremony_on = Some(on);
                self.late_ceremony_approval.clone_from(late_approval);
                self.probation_end = Some(
                    e.fixed
                        .probation_end
                        .unwrap_or_else(|| add_months(on, PROBATION_MONTHS_BEFORE_FIXED)),
                );
                if let Some(d) = e.fixed.party_age_from {
                    self.party_age_from = Some(d);
                }
            }
            Action::DeclareMemberBackground => self.member_background_on = Some(on),
            Action::CompleteNewMemberCourse { .. } => self.new_member_course_on = Some(on),
            Action::SubmitSelfReview => self.self_review_on = Some(on),
            Action::RecognitionCellVote { resolution_no, .. } => {
                if e.passed == Some(true) {
                    self.recognition_resolution = Some(Resolution {
                        number: resolution_no.clone(),
                        on,
                    });
                } else {
                    self.failed_recognition_votes += 1;
                }
            }
            Action::RecognitionGrassrootsVote { resolution_no, .. } => {
                if e.passed == Some(true) {
                    self.recognition_grassroots = Some(Resolution {
                        number: resolution_no.clone(),
                        on,
                    });
                }
            }
            Action::RecognitionDecision {
                decision_no,
                approved,
                ..
            } => {
                self.recognition_decision = Some(Resolution {
                    number: decision_no.clone(),
                    on,
                });
                if *approved {
                    self.official_from = e.fixed.official_from.or(self.probation_end);
                } else {
                    self.exit = Some((
                        on,
                        format!("Không công nhận, xóa tên, quyết định số {decision_no}"),
                    ));
                }
            }
            Action::SuperiorRuling {
                decision_no,
                recognise,
            } => {
                self.recognition_decision = Some(Resolution {
                    number: decision_no.clone(),
                    on,
                });
                if *recognise {
                    self.official_from = e.fixed.official_from.or(self.probation_end);
                } else {
                    self.exit =
                        Some((on, format!("Cấp trên quyết định xóa tên, số {decision_no}")));
                }
            }
            Action::Remove {
                decision_no,
                reason,
            } => {
                self.exit = Some((
                    on,
                    format!("Xóa tên, quyết định số {decision_no}: {reason}"),
                ));
            }
            Action::Withdraw { reason } | Action::Reject { reason } => {
                self.exit = Some((on, reason.clone()))
            }
            Action::TransferOut { to } => {
                self.before_transfer = self.stage;
                self.exit = Some((on, format!("Chuyển sinh hoạt đến {to}")));
            }
            Action::TransferIn { .. } => {
                self.before_transfer = None;
                self.exit = None;
            }
            Action::RecordDeath => self.exit = Some((on, "Từ trần".to_string())),
            Action::Annul {
                decision_no,
                reason,
                target,
            } => match target {
                AnnulTarget::Admission => {
                    self.exit = Some((
                        on,
                        format!("Hủy quyết định kết nạp, số {decision_no}: {reason}"),
                    ));
                }
                AnnulTarget::Recognition => {
                    self.official_from = None;
                    self.recognition_decision = None;
                    self.recognition_resolution = None;
                    self.recognition_grassroots = None;
                }
            },
        }
        self.stage = Some(e.stage);
        self.version += 1;
        self.last_on = Some(on);
    }

    fn reopen_at_cell(&mut self) {
        self.cell_resolution = None;
        self.partial_appraisal = None;
        self.grassroots_resolution = None;
        self.extension = None;
        self.returns += 1;
    }

    /// The last day of the decision window: the cell's resolution + 60 working days (+ extension).
    pub fn decision_due(&self, book: &RuleBook) -> Option<Date> {
        let res = self.cell_resolution.as_ref()?;
        let rules = book.in_force(res.on);
        let days = rules.deadline_decision.value.0 + self.extension.unwrap_or(0);
        Some(book.calendar.add_working_days(res.on, days))
    }

    /// The last day to hold the ceremony: receipt of the decision + 30 working days.
    pub fn ceremony_due(&self, book: &RuleBook) -> Option<Date> {
        let (_, received) = self.admission_decision.as_ref()?;
        let rules = book.in_force(*received);
        Some(
            book.calendar
                .add_working_days(*received, rules.deadline_ceremony.value.0),
        )
    }

    /// The last day for the cell's recognition vote: end of probation + 30 working days.
    pub fn recognition_vote_due(&self, book: &RuleBook) -> Option<Date> {
        let end = self.probation_end?;
        Some(
            book.calendar
                .add_working_days(end, book.in_force(end).deadline_recognition.value.0),
        )
    }

    /// The last day for the recognition decision: the cell's recognition resolution + 30 working days (+ extension).
    pub fn recognition_decision_due(&self, book: &RuleBook) -> Option<Date> {
        let res = self.recognition_resolution.as_ref()?;
        let days = book.in_force(res.on).deadline_recognition_decision.value.0
            + self.extension.unwrap_or(0);
        Some(book.calendar.add_working_days(res.on, days))
    }

    /// The last day to declare the member background: ceremony + 30 working days.
    pub fn member_background_due(&self, book: &RuleBook) -> Option<Date> {
        let c = self.ceremony_on?;
        Some(
            book.calendar
                .add_working_days(c, book.in_force(c).records_member_background.value.0),
        )
    }

    /// The last valid day of the awareness certificate for an act judged under `rules` (the
    /// version in force on the act's date: a vote is judged by the period of the vote's day,
    /// not the one in force when the certificate was issued) [cert.validity].
    pub fn certificate_valid_until(&self, rules: &RuleSet) -> Option<Date> {
        let c = self.certificate.as_ref()?;
        Some(last_valid_day(c.issued_on, rules.cert_validity.value.0))
    }

    /// The last day the certified background is valid for an act judged under `rules`
    /// [background.validity].
    pub fn background_valid_until(&self, rules: &RuleSet) -> Option<Date> {
        let c = self.background_certified_on?;
        Some(last_valid_day(c, rules.background_validity.value.0))
    }

    /// The earliest date among the introducer letters, the union resolution and the comments
    /// summary (comments.validity): the dossier must be voted on by its last valid day, under
    /// the period of `rules` (the version in force on the vote's day).
    pub fn comments_valid_until(&self, rules: &RuleSet) -> Option<Date> {
        let dates = self
            .introducers
            .iter()
            .map(|i| i.letter_on)
            .chain(self.union_introduction.as_ref().map(|(_, r)| r.on))
            .chain(self.comments_on);
        let oldest = dates.min()?;
        Some(last_valid_day(oldest, rules.comments_validity.value.0))
    }
}

/// What happens next: the stage an accepted action leads to, or why the stage does not allow it.
fn next_stage(
    c: &Candidacy,
    action: &Action,
    ctx: &Context,
    passed: Option<bool>,
) -> Result<Stage, Violation> {
    use Stage::*;
    let stage = c.stage;
    let from = |allowed: &[Stage], to: Stage| -> Result<Stage, Violation> {
        match stage {
            Some(s) if allowed.contains(&s) => Ok(to),
            _ => Err(out_of_order(stage, action)),
        }
    };
    let stay = |allowed: &[Stage]| -> Result<Stage, Violation> {
        match stage {
            Some(s) if allowed.contains(&s) => Ok(s),
            _ => Err(out_of_order(stage, action)),
        }
    };
    const PIPELINE: &[Stage] = &[
        Source,
        Sympathizer,
        Course,
        Dossier,
        Verification,
        CellVote,
        GrassrootsVote,
        AwaitingDecision,
        AwaitingCeremony,
        Probationary,
        RecognitionVote,
    ];
    let pass = passed.unwrap_or(false);
    match action {
        Action::Open { .. } => match stage {
            None => Ok(Source),
            _ => Err(out_of_order(stage, action)),
        },
        Action::ListAsSympathizer { .. } => from(&[Source], Sympathizer),
        Action::AssignMentor { .. } => stay(&[
            Sympathizer,
            Course,
            Dossier,
            Verification,
            CellVote,
            GrassrootsVote,
            AwaitingDecision,
            AwaitingCeremony,
            Probationary,
        ]),
        Action::EnrolInCourse { .. } => from(&[Sympathizer], Course),
        Action::FailCourse => from(&[Course], Sympathizer),
        Action::RecordCertificate { .. } => match stage {
            Some(Sympathizer | Course) => Ok(Dossier),
            Some(s @ (Dossier | Verification | CellVote)) => Ok(s),
            _ => Err(out_of_order(stage, action)),
        },
        Action::SubmitApplication | Action::DeclareBackground | Action::RecordComments { .. } => {
            stay(&[Dossier])
        }
        Action::AddIntroducer { .. }
        | Action::WithdrawIntroducer { .. }
        | Action::RecordUnionIntroduction { .. } => stay(&[Dossier, Verification, CellVote]),
        Action::StampBackground => from(&[Dossier], Verification),
        Action::SendVerification { .. } | Action::AnswerVerification { .. } => {
            stay(&[Verification])
        }
        Action::CertifyBackground => from(&[Verification], CellVote),
        Action::CellVote { .. } => {
            let to = if !pass {
                CellVote
            } else if ctx.cell.grassroots_cell {
                AwaitingDecision
            } else {
                GrassrootsVote
            };
            from(&[CellVote], to)
        }
        Action::PartialAppraisal { approved, .. } => from(
            &[GrassrootsVote],
            if *approved { GrassrootsVote } else { CellVote },
        ),
        Action::GrassrootsVote { .. } => from(
            &[GrassrootsVote],
            if pass {
                AwaitingDecision
            } else {
                GrassrootsVote
            },
        ),
        Action::ReturnDossier { .. } => match stage {
            Some(GrassrootsVote | AwaitingDecision) => Ok(CellVote),
            Some(RecognitionVote) => Ok(Probationary),
            _ => Err(out_of_order(stage, action)),
        },
        Action::ExtendDeadline { .. } => stay(&[GrassrootsVote, AwaitingDecision, RecognitionVote]),
        Action::RecordStudentResults { .. } => {
            stay(&[Source, Sympathizer, Course, Dossier, Verification, CellVote])
        }
        Action::RecordSuperiorConsent { .. } => stay(&[
            Source,
            Sympathizer,
            Course,
            Dossier,
            Verification,
            CellVote,
            GrassrootsVote,
            AwaitingDecision,
        ]),
        Action::AdmissionDecision { approved, .. } => from(
            &[AwaitingDecision],
            if *approved {
                AwaitingCeremony
            } else {
                Rejected
            },
        ),
        Action::HoldCeremony { .. } => from(&[AwaitingCeremony], Probationary),
        Action::DeclareMemberBackground
        | Action::CompleteNewMemberCourse { .. }
        | Action::SubmitSelfReview => stay(&[Probationary, RecognitionVote]),
        Action::RecognitionCellVote { .. } => from(
            &[Probationary],
            if pass { RecognitionVote } else { Probationary },
        ),
        Action::RecognitionGrassrootsVote { .. } => stay(&[RecognitionVote]),
        Action::RecognitionDecision { approved, .. } => from(
            &[RecognitionVote],
            if *approved { Official } else { Removed },
        ),
        Action::SuperiorRuling { recognise, .. } => {
            from(&[Probationary], if *recognise { Official } else { Removed })
        }
        Action::Remove { .. } => from(&[Probationary, RecognitionVote], Removed),
        Action::Withdraw { .. } => from(&PIPELINE[..9], Withdrawn),
        Action::Reject { .. } => from(&PIPELINE[..8], Rejected),
        Action::TransferOut { .. } | Action::RecordDeath => {
            let to = if matches!(action, Action::RecordDeath) {
                Deceased
            } else {
                TransferredOut
            };
            from(PIPELINE, to)
        }
        Action::TransferIn { .. } => match (stage, c.before_transfer) {
            (Some(TransferredOut), Some(prev)) => Ok(prev),
            _ => Err(out_of_order(stage, action)),
        },
        Action::Annul { target, .. } => match target {
            AnnulTarget::Admission => {
                from(&[AwaitingCeremony, Probationary, RecognitionVote], Annulled)
            }
            AnnulTarget::Recognition => from(&[Official], Probationary),
        },
    }
}

fn out_of_order(stage: Option<Stage>, action: &Action) -> Violation {
    let at = stage.map_or("chưa có trong danh sách nguồn", Stage::label_vi);
    Violation::input(
        "lifecycle.order",
        format!(
            "Bước “{}” không thực hiện được khi hồ sơ đang ở giai đoạn “{at}”.",
            action_label_vi(action)
        ),
    )
}

/// The Vietnamese name of a step.
pub fn action_label_vi(action: &Action) -> &'static str {
    match action {
        Action::RecordSuperiorConsent { .. } => "Văn bản đồng ý của ban thường vụ cấp trên",
        Action::RecordStudentResults { .. } => "Kết quả học tập, rèn luyện của học sinh, sinh viên",
        Action::Open { .. } => "Đưa vào danh sách nguồn",
        Action::ListAsSympathizer { .. } => {
            "Đưa vào danh sách cảm tình Đảng, phân công đảng viên giúp đỡ"
        }
        Action::AssignMentor { .. } => "Phân công đảng viên giúp đỡ",
        Action::EnrolInCourse { .. } => "Cử đi học lớp bồi dưỡng nhận thức về Đảng",
        Action::FailCourse => "Không hoàn thành lớp học",
        Action::RecordCertificate { .. } => "Ghi nhận giấy chứng nhận học lớp nhận thức về Đảng",
        Action::SubmitApplication => "Nộp đơn xin vào Đảng",
        Action::DeclareBackground => "Khai lý lịch người xin vào Đảng",
        Action::AddIntroducer { .. } => "Thêm người giới thiệu",
        Action::WithdrawIntroducer { .. } => "Thôi người giới thiệu",
        Action::RecordUnionIntroduction { .. } => {
            "Ghi nhận nghị quyết giới thiệu của Đoàn/Công đoàn"
        }
        Action::RecordComments { .. } => "Ghi nhận tổng hợp ý kiến nhận xét",
        Action::StampBackground => "Đóng dấu giáp lai lý lịch, bắt đầu thẩm tra",
        Action::SendVerification { .. } => "Gửi công văn thẩm tra",
        Action::AnswerVerification { .. } => "Ghi nhận kết quả thẩm tra",
        Action::CertifyBackground => "Chứng nhận lý lịch",
        Action::CellVote { .. } => "Chi bộ xét, biểu quyết đề nghị kết nạp",
        Action::PartialAppraisal { .. } => "Đảng ủy bộ phận thẩm định",
        Action::GrassrootsVote { .. } => "Đảng ủy cơ sở xét, biểu quyết",
        Action::ReturnDossier { .. } => "Trả hồ sơ về chi bộ",
        Action::ExtendDeadline { .. } => "Gia hạn thời gian xem xét",
        Action::AdmissionDecision { .. } => "Quyết định kết nạp",
        Action::HoldCeremony { .. } => "Tổ chức lễ kết nạp",
        Action::DeclareMemberBackground => "Khai lý lịch đảng viên",
        Action::CompleteNewMemberCourse { .. } => "Hoàn thành lớp bồi dưỡng đảng viên mới",
        Action::SubmitSelfReview => "Nộp bản tự kiểm điểm",
        Action::RecognitionCellVote { .. } => "Chi bộ xét công nhận đảng viên chính thức",
        Action::RecognitionGrassrootsVote { .. } => {
            "Đảng ủy cơ sở xét công nhận đảng viên chính thức"
        }
        Action::RecognitionDecision { .. } => "Quyết định công nhận đảng viên chính thức",
        Action::SuperiorRuling { .. } => "Cấp ủy cấp trên quyết định sau ba lần biểu quyết",
        Action::Remove { .. } => "Xóa tên trong danh sách đảng viên dự bị",
        Action::Withdraw { .. } => "Rút khỏi danh sách",
        Action::Reject { .. } => "Dừng xem xét kết nạp",
        Action::TransferOut { .. } => "Chuyển sinh hoạt đi",
        Action::TransferIn { .. } => "Tiếp nhận chuyển sinh hoạt đến",
        Action::RecordDeath => "Ghi nhận từ trần",
        Action::Annul { .. } => "Hủy quyết định",
    }
}

/// The stable code of an action (`candidacy_event.kind`, the audit action `candidacy.<code>`):
/// the same text as the action's serialised `type`.
pub fn action_code(a: &Action) -> &'static str {
    match a {
        Action::RecordSuperiorConsent { .. } => "record_superior_consent",
        Action::RecordStudentResults { .. } => "record_student_results",
        Action::Open { .. } => "open",
        Action::ListAsSympathizer { .. } => "list_as_sympathizer",
        Action::AssignMentor { .. } => "assign_mentor",
        Action::EnrolInCourse { .. } => "enrol_in_course",
        Action::FailCourse => "fail_course",
        Action::RecordCertificate { .. } => "record_certificate",
        Action::SubmitApplication => "submit_application",
        Action::DeclareBackground => "declare_background",
        Action::AddIntroducer { .. } => "add_introducer",
        Action::WithdrawIntroducer { .. } => "withdraw_introducer",
        Action::RecordUnionIntroduction { .. } => "record_union_introduction",
        Action::RecordComments { .. } => "record_comments",
        Action::StampBackground => "stamp_background",
        Action::SendVerification { .. } => "send_verification",
        Action::AnswerVerification { .. } => "answer_verification",
        Action::CertifyBackground => "certify_background",
        Action::CellVote { .. } => "cell_vote",
        Action::PartialAppraisal { .. } => "partial_appraisal",
        Action::GrassrootsVote { .. } => "grassroots_vote",
        Action::ReturnDossier { .. } => "return_dossier",
        Action::ExtendDeadline { .. } => "extend_deadline",
        Action::AdmissionDecision { .. } => "admission_decision",
        Action::HoldCeremony { .. } => "hold_ceremony",
        Action::DeclareMemberBackground => "declare_member_background",
        Action::CompleteNewMemberCourse { .. } => "complete_new_member_course",
        Action::SubmitSelfReview => "submit_self_review",
        Action::RecognitionCellVote { .. } => "recognition_cell_vote",
        Action::RecognitionGrassrootsVote { .. } => "recognition_grassroots_vote",
        Action::RecognitionDecision { .. } => "recognition_decision",
        Action::SuperiorRuling { .. } => "superior_ruling",
        Action::Remove { .. } => "remove",
        Action::Withdraw { .. } => "withdraw",
        Action::Reject { .. } => "reject",
        Action::TransferOut { .. } => "transfer_out",
        Action::TransferIn { .. } => "transfer_in",
        Action::RecordDeath => "record_death",
        Action::Annul { .. } => "annul",
    }
}

/// What the button that records `action` says: the verb of what happens.
pub fn button_vi(action: &Action) -> &'static str {
    match action {
        Action::RecordSuperiorConsent { .. } => "Ghi văn bản đồng ý",
        Action::RecordStudentResults { .. } => "Ghi kết quả học tập, rèn luyện",
        Action::Open { .. } => "Đưa vào danh sách nguồn",
        Action::ListAsSympathizer { .. } => "Ghi vào danh sách cảm tình Đảng",
        Action::AssignMentor { .. } => "Ghi phân công đảng viên giúp đỡ",
        Action::EnrolInCourse { .. } => "Ghi cử đi học",
        Action::FailCourse => "Ghi không hoàn thành lớp học",
        Action::RecordCertificate { .. } => "Ghi giấy chứng nhận",
        Action::SubmitApplication => "Ghi đã nộp đơn",
        Action::DeclareBackground => "Ghi đã khai lý lịch",
        Action::AddIntroducer { .. } => "Thêm người giới thiệu",
        Action::WithdrawIntroducer { .. } => "Thôi người giới thiệu",
        Action::RecordUnionIntroduction { .. } => "Ghi nghị quyết giới thiệu",
        Action::RecordComments { .. } => "Ghi tổng hợp ý kiến nhận xét",
        Action::StampBackground => "Ghi đóng dấu giáp lai, bắt đầu thẩm tra",
        Action::SendVerification { .. } => "Ghi đã gửi công văn thẩm tra",
        Action::AnswerVerification { .. } => "Ghi kết quả thẩm tra",
        Action::CertifyBackground => "Ghi chứng nhận lý lịch",
        Action::CellVote { .. } => "Ghi kết quả biểu quyết của chi bộ",
        Action::PartialAppraisal { .. } => "Ghi kết quả thẩm định",
        Action::GrassrootsVote { .. } => "Ghi kết quả biểu quyết của đảng ủy",
        Action::ReturnDossier { .. } => "Trả hồ sơ về chi bộ",
        Action::ExtendDeadline { .. } => "Ghi gia hạn",
        Action::AdmissionDecision { .. } => "Ghi quyết định kết nạp",
        Action::HoldCeremony { .. } => "Ghi lễ kết nạp",
        Action::DeclareMemberBackground => "Ghi đã khai lý lịch đảng viên",
        Action::CompleteNewMemberCourse { .. } => "Ghi hoàn thành lớp đảng viên mới",
        Action::SubmitSelfReview => "Ghi đã nộp bản tự kiểm điểm",
        Action::RecognitionCellVote { .. } => "Ghi kết quả chi bộ xét công nhận",
        Action::RecognitionGrassrootsVote { .. } => "Ghi kết quả đảng ủy xét công nhận",
        Action::RecognitionDecision { .. } => "Ghi quyết định công nhận đảng viên chính thức",
        Action::SuperiorRuling { .. } => "Ghi quyết định của cấp ủy cấp trên",
        Action::Remove { .. } => "Xóa tên khỏi danh sách đảng viên dự bị",
        Action::Withdraw { .. } => "Rút khỏi danh sách",
        Action::Reject { .. } => "Dừng xem xét kết nạp",
        Action::TransferOut { .. } => "Ghi chuyển sinh hoạt đi",
        Action::TransferIn { .. } => "Ghi tiếp nhận chuyển đến",
        Action::RecordDeath => "Ghi nhận từ trần",
        Action::Annul { .. } => "Hủy quyết định",
    }
}

/// How heavy a step is, for the order a clerk is offered them: the process's own steps first,
/// then corrections, then the steps that end the candidacy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum StepWeight {
    /// A step of the process.
    Process,
    /// A correction or an adjustment (another mentor, an introducer withdrawn, a deadline
    /// extended, a dossier returned, a decision annulled).
    Correction,
    /// A step that ends the candidacy or the membership here.
    Exit,
}

impl StepWeight {
    /// The Vietnamese heading of the group.
    pub fn label_vi(self) -> &'static str {
        match self {
            StepWeight::Process => "Các bước khác của quy trình",
            StepWeight::Correction => "Điều chỉnh, sửa sai",
            StepWeight::Exit => "Kết thúc hồ sơ",
        }
    }
}

/// The weight of `action` ([`StepWeight`]).
pub fn step_weight(action: &Action) -> StepWeight {
    match action {
        Action::AssignMentor { .. }
        | Action::WithdrawIntroducer { .. }
        | Action::ExtendDeadline { .. }
        | Action::ReturnDossier { .. }
        | Action::Annul { .. } => StepWeight::Correction,
        Action::Remove { .. }
        | Action::Withdraw { .. }
        | Action::Reject { .. }
        | Action::TransferOut { .. }
        | Action::RecordDeath => StepWeight::Exit,
        _ => StepWeight::Process,
    }
}

/// The number an act carries (resolution, decision, certificate, report, letter), when it has one.
pub fn action_number(action: &Action) -> Option<&str> {
    let n = match action {
        Action::ListAsSympathizer { resolution_no, .. }
        | Action::CellVote { resolution_no, .. }
        | Action::GrassrootsVote { resolution_no, .. }
        | Action::RecognitionCellVote { resolution_no, .. }
        | Action::RecognitionGrassrootsVote { resolution_no, .. } => resolution_no,
        Action::RecordCertificate { number, .. } => number,
        Action::PartialAppraisal { report_no, .. } => report_no,
        Action::RecordSuperiorConsent { document_no, .. } => document_no,
        Action::AdmissionDecision { decision_no, .. }
        | Action::RecognitionDecision { decision_no, .. } => decision_no,
        _ => return None,
    };
    (!n.trim().is_empty()).then_some(n.as_str())
}

/// A vote's result in words, with its tally and the share it needed under the rules of its date:
/// "Đạt: 14/20 tán thành (cần ít nhất 14)" or "Không đạt: 12/20 tán thành, cần ít nhất 14".
/// `None` for a step that is not a vote.
pub fn vote_result_vi(event: &Event, book: &RuleBook) -> Option<String> {
    let rules = book.in_force(event.on);
    let (part, whole, ratio) = match &event.action {
        Action::CellVote { tally, .. } | Action::RecognitionCellVote { tally, .. } => {
            (tally.in_favour, tally.base(), rules.vote_cell.value)
        }
        Action::GrassrootsVote { tally, .. } | Action::RecognitionGrassrootsVote { tally, .. } => {
            (tally.in_favour, tally.members, rules.vote_committee.value)
        }
        _ => return None,
    };
    let passed = event.passed.unwrap_or_else(|| ratio.reached(part, whole));
    let needed = ratio.needed(whole);
    Some(if passed {
        format!("Đạt: {part}/{whole} tán thành (cần ít nhất {needed})")
    } else {
        format!("Không đạt: {part}/{whole} tán thành, cần ít nhất {needed}")
    })
}

/// What would refuse the next vote or decision if it were held on `on`: the rules the act would
/// break (documents missing or lapsed, the Youth Union or trade-union route, age, introducers,
/// certificate validity…), judged by [`decide`] itself on a well-formed act, so the list is
/// exactly what the step would say. Before the dossier is complete the act is the cell's vote;
/// then the committee's vote; then the admission decision. Checks of the form itself (numbers,
/// tallies, the order of steps) are left out. `None` for a stage with no such act ahead.
pub fn readiness(
    c: &Candidacy,
    ctx: &Context,
    book: &RuleBook,
    on: Date,
) -> Option<(Action, Vec<Violation>)> {
    let action = match c.stage? {
        Stage::Dossier | Stage::Verification | Stage::CellVote => Action::CellVote {
            base_note: None,
            resolution_no: "—".into(),
            tally: Tally {
                official_members: 1,
                exempt_absent: 0,
                present: 1,
                ballots: None,
                in_favour: 1,
            },
        },
        Stage::GrassrootsVote => Action::GrassrootsVote {
            resolution_no: "—".into(),
            tally: CommitteeTally {
                members: 1,
                in_favour: 1,
            },
        },
        Stage::AwaitingDecision => Action::AdmissionDecision {
            decision_no: "—".into(),
            approved: true,
            authority: ctx.cell.competent_authority,
            received_on: on,
            superior_consent_on: None,
        },
        _ => return None,
    };
    let cmd = Command {
        on,
        action: action.clone(),
    };
    // Judged as if the dossier stood at the act's stage already: what is left is what the act's
    // own rules would refuse.
    let mut at = c.clone();
    at.stage = Some(match &action {
        Action::CellVote { .. } => Stage::CellVote,
        Action::GrassrootsVote { .. } => Stage::GrassrootsVote,
        _ => Stage::AwaitingDecision,
    });
    let broken = match decide(&at, &cmd, ctx, book, on) {
        Ok(_) => Vec::new(),
        Err(v) => v
            .into_iter()
            .filter(|x| !x.citation.is_empty() && x.rule_id != "lifecycle.order")
            .collect(),
    };
    Some((action, broken))
}

/// Judge a step: the event to record, or every rule it breaks.
///
/// `today` bounds the act's date (no step dated in the future); the rules are the version of
/// `book` in force on the act's date.
pub fn decide(
    c: &Candidacy,
    cmd: &Command,
    ctx: &Context,
    book: &RuleBook,
    today: Date,
) -> Result<Event, Vec<Violation>> {
    let on = cmd.on;
    let rules = book.in_force(on);
    let mut v: Vec<Violation> = Vec::new();
    let mut warnings: Vec<Violation> = Vec::new();
    if on > today {
        v.push(Violation::input(
            "input.future_date",
            format!(
                "Ngày {} ở sau ngày hôm nay ({}).",
                format_vn(on),
                format_vn(today)
            ),
        ));
    }
    if let Some(last) = c.last_on
        && on < last
    {
        v.push(Violation::input(
            "input.date_order",
            format!(
                "Ngày {} trước ngày của bước đã ghi gần nhất ({}).",
                format_vn(on),
                format_vn(last)
            ),
        ));
    }
    let passed = guards(c, cmd, ctx, book, rules, &mut v, &mut warnings);
    let stage = match next_stage(c, &cmd.action, ctx, passed) {
        Ok(s) => s,
        Err(e) => {
            // Out of order: the stage's own message is the one that matters.
            return Err(vec![e]);
        }
    };
    if !v.is_empty() {
        return Err(v);
    }
    Ok(Event {
        on,
        action: cmd.action.clone(),
        stage,
        passed,
        rules_version: rules.version.to_string(),
        warnings,
        fixed: fixed(c, &cmd.action, rules, on),
    })
}

/// The probation this candidacy serves, in words ("12 tháng"): fixed by its ceremony.
fn probation_length(c: &Candidacy) -> String {
    match (c.ceremony_on, c.probation_end) {
        (Some(from), Some(end)) => format!("{} tháng", full_months(from, end)),
        _ => "thời kỳ".to_string(),
    }
}

/// The probation of events recorded before [`Event::fixed`] was kept: the spec's 12 months.
const PROBATION_MONTHS_BEFORE_FIXED: u32 = 12;

/// What an accepted step fixes under `rules`, the version in force on its date `on`.
fn fixed(c: &Candidacy, action: &Action, rules: &RuleSet, on: Date) -> Fixed {
    let mut f = Fixed::default();
    match action {
        Action::AdmissionDecision { approved: true, .. }
            if rules.party_age_from_decision.value.0 =>
        {
            f.party_age_from = Some(on);
        }
        Action::HoldCeremony { .. } => {
            f.probation_end = Some(add_months(on, rules.probation_months.value.0));
            if !rules.party_age_from_decision.value.0 {
                f.party_age_from = Some(on);
            }
        }
        Action::RecognitionDecision { approved: true, .. }
        | Action::SuperiorRuling {
            recognise: true, ..
        } => {
            f.official_from = if rules.recognition_effective.value.0 {
                c.probation_end
            } else {
                Some(on)
            };
        }
        _ => {}
    }
    f
}

/// vote.cell: the official members a vote counts are the cell's roster on the vote date, unless
/// the clerk says why they differ (a roster not yet up to date, a member moved that week…).
fn roster_guard(
    ctx: &Context,
    rules: &RuleSet,
    tally: &Tally,
    note: Option<&str>,
    on: Date,
    v: &mut Vec<Violation>,
) {
    let Some(roster) = ctx.cell.roster_official else {
        return;
    };
    if tally.official_members != roster && note.is_none_or(|n| n.trim().is_empty()) {
        v.push(rules.vote_cell.violation(format!(
            "Số đảng viên chính thức ghi trong biểu quyết ({}) khác danh sách đảng viên của chi bộ ngày {} ({} đảng viên chính thức): hãy sửa số, hoặc ghi lý do chênh lệch.",
            tally.official_members,
            format_vn(on),
            roster
        )));
    }
}

fn member_guard(m: &MemberFacts, rules: &RuleSet, role: &str, v: &mut Vec<Violation>) {
    if rules.mentor_official.value.0 && (!m.official || !m.same_cell) {
        v.push(rules.mentor_official.violation(format!(
            "Người {role} phải là đảng viên chính thức cùng chi bộ; đảng viên dự bị hoặc ở chi bộ khác không được phân công."
        )));
    }
}

/// Age, education, certificate, background, introducers and comments on the vote date.
fn eligibility(c: &Candidacy, ctx: &Context, rules: &RuleSet, on: Date, v: &mut Vec<Violation>) {
    let months = full_months(ctx.candidate.birth_date, on);
    let (min, max) = (rules.age_min.value.0 * 12, rules.age_max.value.0 * 12);
    if ctx.candidate.birth_date > on || months < min {
        v.push(rules.age_min.violation(format!(
            "Chưa đủ {} tuổi (tính theo tháng) vào ngày chi bộ xét {}: mới {} tuổi {} tháng.",
            rules.age_min.value.0,
            format_vn(on),
            months / 12,
            months % 12
        )));
    }
    if months > max && !ctx.candidate.over_age_exception {
        v.push(rules.age_max.violation(format!(
            "Quá {} tuổi (tính theo tháng) vào ngày chi bộ xét {}: {} tuổi {} tháng; chỉ xét khi có trường hợp đặc biệt do cấp ủy trực thuộc Trung ương quyết định.",
            rules.age_max.value.0,
            format_vn(on),
            months / 12,
            months % 12
        )));
    }
    let grade = ctx.candidate.education_grade12;
    if grade < rules.edu_min.value.0 {
        match ctx.cell.education_exception {
            Some(EducationException::Primary) if grade >= rules.edu_exception_primary.value.0 => {}
            Some(EducationException::Primary) => v.push(rules.edu_exception_primary.violation(format!(
                "Trình độ {}/12 chưa tốt nghiệp tiểu học, không đủ điều kiện ngay cả theo trường hợp vùng đặc biệt khó khăn.",
                grade
            ))),
            Some(EducationException::Literate) if ctx.candidate.literate && rules.edu_exception_literate.value.0 => {}
            Some(EducationException::Literate) => v.push(rules.edu_exception_literate.violation(
                "Trường hợp đặc biệt phải biết đọc, biết viết tiếng Việt.",
            )),
            None => v.push(rules.edu_min.violation(format!(
                "Trình độ học vấn {}/12 chưa tốt nghiệp trung học cơ sở (tối thiểu {}).",
                grade, rules.edu_min.value
            ))),
        }
    }
    match c.certificate_valid_until(rules) {
        None => v.push(rules.cert_validity.violation("Chưa có giấy chứng nhận học lớp bồi dưỡng nhận thức về Đảng.")),
        Some(until) if on > until => v.push(rules.cert_validity.violation(format!(
            "Giấy chứng nhận học lớp nhận thức về Đảng đã hết hạn ngày {} (có giá trị {}); phải học lại trước khi chi bộ xét.",
            format_vn(until),
            rules.cert_validity.value
        ))),
        Some(_) => {}
    }
    match c.background_valid_until(rules) {
        None => v.push(
            rules
                .background_validity
                .violation("Lý lịch chưa được chứng nhận."),
        ),
        Some(until) if on > until => v.push(rules.background_validity.violation(format!(
            "Lý lịch đã chứng nhận hết giá trị ngày {} (có giá trị {} kể từ ngày chứng nhận); phải thẩm tra, chứng nhận lại.",
            format_vn(until),
            rules.background_validity.value
        ))),
        Some(_) => {}
    }
    if c.comments_on.is_none() {
        v.push(rules.comments_validity.violation(
            "Thiếu bản tổng hợp ý kiến nhận xét của đoàn thể và chi ủy (chi bộ) nơi cư trú (mẫu 5-KNĐ): chi bộ chỉ xét khi hồ sơ có bản này.",
        ));
    }
    if let Some(until) = c.comments_valid_until(rules)
        && on > until
    {
        v.push(rules.comments_validity.violation(format!(
                "Quá {} kể từ ngày làm giấy giới thiệu, nghị quyết giới thiệu hoặc tổng hợp nhận xét (hết hạn {}): phải làm lại.",
                rules.comments_validity.value,
                format_vn(until)
            )));
    }
    student_guard(c, ctx, rules, v);
    intro_guard(c, ctx, rules, on, v);
    if c.mentor.is_none() {
        v.push(
            rules
                .mentor_official
                .violation("Chưa phân công đảng viên chính thức giúp đỡ."),
        );
    }
}

fn intro_guard(c: &Candidacy, ctx: &Context, rules: &RuleSet, on: Date, v: &mut Vec<Violation>) {
    let (needed, union) = Candidacy::introduction_needs(ctx, rules, on);
    let have = u32::try_from(c.introducers.len()).unwrap_or(u32::MAX);
    if have < needed {
        v.push(rules.intro_count.violation(format!(
            "Cần {needed} đảng viên chính thức giới thiệu, hiện có {have}."
        )));
    }
    match union {
        Some(UnionKind::YouthUnion) => {
            if !ctx.candidate.youth_union_member {
                v.push(rules.intro_youth_union.violation(
                    "Người trong độ tuổi thanh niên, nơi có tổ chức Đoàn, phải là đoàn viên.",
                ));
            }
            if !matches!(c.union_introduction, Some((UnionKind::YouthUnion, _))) {
                v.push(rules.intro_youth_union.violation(
                    "Thiếu nghị quyết giới thiệu đoàn viên ưu tú của ban chấp hành Đoàn cơ sở (mẫu 4-KNĐ).",
                ));
            }
        }
        Some(UnionKind::TradeUnion) => {
            if !ctx.candidate.trade_union_member {
                v.push(rules.intro_youth_union.violation(
                    "Nơi không có tổ chức Đoàn, người trong độ tuổi thanh niên phải là đoàn viên công đoàn.",
                ));
            }
            if !matches!(c.union_introduction, Some((UnionKind::TradeUnion, _))) {
                v.push(rules.intro_youth_union.violation(
                    "Thiếu nghị quyết giới thiệu của ban chấp hành công đoàn cơ sở (mẫu 4A-KNĐ).",
                ));
            }
        }
        None => {}
    }
}

fn readmission_guard(f: &FormerMembership, rules: &RuleSet, on: Date, v: &mut Vec<Violation>) {
    use LeaveReason::*;
    if rules.readmit_excluded.value.0
        && matches!(
            f.reason,
            QuitActivity | AskedToLeave | SeriousDisunity | Corruption | SeriousCrime
        )
    {
        v.push(
            rules
                .readmit_excluded
                .violation("Người đã ra khỏi Đảng vì lý do này không được xem xét kết nạp lại."),
        );
    }
    if f.readmitted_before && rules.readmit_once.value.0 <= 1 {
        v.push(rules.readmit_once.violation(
            "Chỉ xem xét kết nạp lại một lần; người này đã được kết nạp lại trước đây.",
        ));
    }
    let gap = rules.readmit_gap.value.0;
    if full_months(f.left_on, on) < gap || f.left_on > on {
        v.push(rules.readmit_gap.violation(format!(
            "Chưa đủ {} kể từ ngày ra khỏi Đảng ({}).",
            rules.readmit_gap.value,
            format_vn(f.left_on)
        )));
    }
    if f.reason == MinorCrime {
        match f.record_cleared_on {
            Some(cleared)
                if full_months(cleared, on) >= rules.readmit_gap_crime.value.0 && cleared <= on => {
            }
            Some(cleared) => v.push(rules.readmit_gap_crime.violation(format!(
                "Chưa đủ {} kể từ ngày được xóa án tích ({}).",
                rules.readmit_gap_crime.value,
                format_vn(cleared)
            ))),
            None => v.push(rules.readmit_gap_crime.violation("Chưa được xóa án tích.")),
        }
    }
}

/// The family facts that decide whom the verification covers (verify.scope, verify.exempt).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FamilyFacts {
    /// Married: the spouse and parents-in-law are verified.
    pub married: bool,
    /// Has children of full civil capacity.
    pub has_adult_children: bool,
    /// A parent, sibling or child is a member.
    pub own_family_member: bool,
    /// The spouse, or a parent or sibling of the spouse, is a member.
    pub spouse_family_member: bool,
}

impl FamilyFacts {
    /// The family facts of a candidate.
    pub fn of(f: &CandidateFacts) -> FamilyFacts {
        FamilyFacts {
            married: f.married,
            has_adult_children: f.has_adult_children,
            own_family_member: f.own_family_member,
            spouse_family_member: f.spouse_family_member,
        }
    }
}

/// Whom the background verification must cover for a candidate, and whom `verify.exempt` spares.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct VerificationScope {
    /// The people to verify (verify.scope): the candidate, the parents and adult children,
    /// and for a married candidate the spouse and the parents-in-law.
    pub needed: Vec<Relation>,
    /// Those spared by verify.exempt: the candidate's own side when a parent, sibling or child
    /// is a member; the spouse's side when the spouse or a parent or sibling of the spouse is.
    pub exempt: Vec<Relation>,
}

/// The verification a candidate needs under `rules` (verify.scope, verify.exempt): one place
/// for the guard and for the verification desk, so what the desk shows is what the guard asks.
pub fn verification_scope(rules: &RuleSet, f: &FamilyFacts) -> VerificationScope {
    let exempt = rules.verify_exempt.value.0;
    let own_exempt = exempt && f.own_family_member;
    let spouse_exempt = exempt && f.spouse_family_member;
    let mut own = vec![Relation::Candidate, Relation::Parents];
    if f.has_adult_children {
        own.push(Relation::AdultChildren);
    }
    let spouse = if f.married || spouse_exempt {
        vec![Relation::Spouse, Relation::ParentsInLaw]
    } else {
        Vec::new()
    };
    let mut out = VerificationScope::default();
    if own_exempt {
        out.exempt.extend(own);
    } else {
        out.needed.extend(own);
    }
    if spouse_exempt {
        out.exempt.extend(spouse);
    } else if f.married {
        out.needed.extend(spouse);
    }
    out
}

fn verification_guard(c: &Candidacy, ctx: &Context, rules: &RuleSet, v: &mut Vec<Violation>) {
    if rules.verify_order.value.0 {
        let open: Vec<String> = c
            .verification
            .iter()
            .filter(|r| r.answer.is_none())
            .map(|r| r.request_no.to_string())
            .collect();
        if !open.is_empty() {
            v.push(rules.verify_order.violation(format!(
                "Chi ủy chỉ nhận xét, đảng ủy chỉ chứng nhận lý lịch sau khi có kết quả thẩm tra; còn công văn số {} chưa trả lời.",
                open.join(", ")
            )));
        }
    }
    if c.verification
        .iter()
        .any(|r| matches!(r.answer, Some((_, VerificationOutcome::Disqualifying))))
    {
        v.push(rules.political_standard.violation(
            "Kết quả thẩm tra có nội dung vi phạm tiêu chuẩn chính trị: không chứng nhận lý lịch.",
        ));
    }
    let answered_clear = |rel: Relation| {
        c.verification
            .iter()
            .any(|r| r.subject == rel && matches!(r.answer, Some((_, VerificationOutcome::Clear))))
    };
    if rules.verify_scope.value.0 {
        let needed = verification_scope(rules, &FamilyFacts::of(&ctx.candidate)).needed;
        // verify.content: an answer that leaves the content unclear (political history, stance,
        // observance…) is not a result until clarified; switched off, any answer counts.
        let answered_unclear = |rel: Relation| {
            c.verification.iter().any(|r| {
                r.subject == rel && matches!(r.answer, Some((_, VerificationOutcome::Unclear)))
            })
        };
        let content = rules.verify_content.value.0;
        let (unclear, missing): (Vec<Relation>, Vec<Relation>) = needed
            .into_iter()
            .filter(|r| !answered_clear(*r))
            .partition(|r| answered_unclear(*r));
        let (unclear, missing) = if content {
            (unclear, missing)
        } else {
            (Vec::new(), missing)
        };
        if !missing.is_empty() {
            v.push(rules.verify_scope.violation(format!(
                "Chưa có kết quả thẩm tra đối với: {}.",
                missing.iter().map(|r| r.label_vi()).collect::<Vec<_>>().join("; ")
            )));
        }
        if !unclear.is_empty() {
            v.push(rules.verify_content.violation(format!(
                "Kết quả thẩm tra chưa rõ về lịch sử chính trị, quan điểm, chấp hành đường lối và pháp luật đối với: {}; phải thẩm tra làm rõ.",
                unclear.iter().map(|r| r.label_vi()).collect::<Vec<_>>().join("; ")
            )));
        }
    }
    if ctx.candidate.religious
        && rules.religious.value.0
        && !answered_clear(Relation::ReligiousActivity)
    {
        v.push(rules.religious.violation(
            "Người có đạo: cần thẩm tra thêm nội dung về hoạt động tôn giáo theo Quy định 06-QĐ/TW.",
        ));
    }
    if ctx.candidate.hoa_ethnicity
        && rules.ethnic_chinese.value.0
        && !answered_clear(Relation::HoaItems)
    {
        v.push(
            rules
                .ethnic_chinese
                .violation("Người dân tộc Hoa: cần thẩm tra thêm theo Thông tri 06-TT/TW."),
        );
    }
}

fn decision_guard(
    c: &Candidacy,
    ctx: &Context,
    rules: &RuleSet,
    on: Date,
    authority: Authority,
    superior_consent_on: Option<Date>,
    v: &mut Vec<Violation>,
) {
    let vote_on = c.cell_resolution.as_ref().map_or(on, |r| r.on);
    let over_age = full_months(ctx.candidate.birth_date, vote_on) > rules.age_max.value.0 * 12;
    // The consent recorded as its own step, with its number, on or before the decision's day.
    let _ = superior_consent_on;
    let has = |kind: ConsentGrounds| {
        c.consents
            .iter()
            .any(|(g, r)| g.same_kind(&kind) && r.on <= on)
    };
    let over_age_consent = has(ConsentGrounds::OverAge {
        healthy: true,
        reputable: true,
        ground: OverAgeGround::NoLocalOrganisation,
    });
    if over_age
        && rules.age_over_max_authority.value.0
        && (authority != Authority::CentralLevelCommittee || !over_age_consent)
    {
        v.push(rules.age_over_max_authority.violation(if over_age_consent {
            "Người trên 60 tuổi chỉ được kết nạp khi cấp ủy trực thuộc Trung ương quyết định."
        } else {
            "Người trên 60 tuổi chỉ được kết nạp khi ban thường vụ cấp ủy trực thuộc Trung ương đồng ý bằng văn bản trước (ghi bước “Văn bản đồng ý của ban thường vụ cấp trên” với số, ngày và các điều kiện), rồi cấp ủy đó quyết định."
        }));
    } else if !over_age
        && rules.authority_decide.value.0
        && authority != ctx.cell.competent_authority
        && authority != Authority::CentralLevelCommittee
    {
        v.push(rules.authority_decide.violation(format!(
            "Cấp quyết định kết nạp của chi bộ này là {}, không phải {}.",
            ctx.cell.competent_authority.label_vi(),
            authority.label_vi()
        )));
    }
    if c.readmission.is_some() && !has(ConsentGrounds::Readmission) {
        v.push(rules.readmit_once.violation(
            "Kết nạp lại cần văn bản đồng ý của ban thường vụ tỉnh ủy (thành ủy) trước khi quyết định.",
        ));
    }
    if ctx.candidate.education_grade12 < rules.edu_min.value.0
        && ctx.cell.education_exception == Some(EducationException::Literate)
        && !has(ConsentGrounds::Literate {
            standing: LiterateStanding::VillageElder,
        })
    {
        v.push(rules.edu_exception_literate.violation(
            "Trường hợp chỉ biết đọc, biết viết cần văn bản đồng ý của ban thường vụ cấp ủy trực thuộc Trung ương trước khi quyết định.",
        ));
    }
}

/// Whether the candidacy was opened for a student (upper-secondary or university).
pub fn is_student(c: &Candidacy) -> bool {
    matches!(
        c.source_category.as_str(),
        "upper_secondary_student" | "university_student"
    )
}

/// students: a student's last results meet the thresholds of the guidance in force for the
/// cell, where an organisation recorded one.
fn student_guard(c: &Candidacy, ctx: &Context, rules: &RuleSet, v: &mut Vec<Violation>) {
    let Some(t) = ctx.cell.student_thresholds.as_ref() else {
        return;
    };
    if !rules.students.value.0 || !is_student(c) {
        return;
    }
    match &c.student_results {
        None => v.push(rules.students.violation(format!(
            "Chưa ghi kết quả học tập, rèn luyện năm học gần nhất của học sinh, sinh viên (tiêu chuẩn: học lực {} trở lên, hạnh kiểm {} trở lên; {}).",
            t.min_grade.grade_vi().to_lowercase(),
            t.min_conduct.conduct_vi().to_lowercase(),
            t.source
        ))),
        Some((year, grade, conduct)) => {
            if grade < &t.min_grade || conduct < &t.min_conduct {
                v.push(rules.students.violation(format!(
                    "Năm học {year}: học lực {}, hạnh kiểm {}; tiêu chuẩn là học lực {} trở lên, hạnh kiểm {} trở lên ({}).",
                    grade.grade_vi().to_lowercase(),
                    conduct.conduct_vi().to_lowercase(),
                    t.min_grade.grade_vi().to_lowercase(),
                    t.min_conduct.conduct_vi().to_lowercase(),
                    t.source
                )));
            }
        }
    }
}

/// A consent names what it allows and the conditions the spec sets for it.
fn consent_guard(
    c: &Candidacy,
    ctx: &Context,
    rules: &RuleSet,
    grounds: &ConsentGrounds,
    on: Date,
    v: &mut Vec<Violation>,
) {
    match grounds {
        ConsentGrounds::OverAge {
            healthy,
            reputable,
            ground,
        } => {
            if full_months(ctx.candidate.birth_date, on) <= rules.age_max.value.0 * 12 {
                v.push(Violation::input(
                    "input.consent",
                    format!(
                        "Người này chưa quá {} tuổi: không cần văn bản đồng ý kết nạp người trên 60 tuổi.",
                        rules.age_max.value.0
                    ),
                ));
            }
            let mut missing = Vec::new();
            if !healthy {
                missing.push("có đủ sức khỏe");
            }
            if !reputable {
                missing.push("có uy tín");
            }
            if matches!(ground, OverAgeGround::SpecialNeed(need) if need.trim().is_empty()) {
                missing.push("nêu rõ yêu cầu đặc biệt");
            }
            if !missing.is_empty() {
                v.push(rules.age_over_max_authority.violation(format!(
                    "Người trên 60 tuổi chỉ được xem xét khi {}; nơi công tác, cư trú chưa có tổ chức đảng, đảng viên hoặc có yêu cầu đặc biệt.",
                    missing.join(", ")
                )));
            }
        }
        ConsentGrounds::Literate { .. } => {
            if ctx.cell.education_exception != Some(EducationException::Literate) {
                v.push(rules.edu_exception_literate.violation(
                    "Tổ chức này không thuộc vùng được áp dụng trường hợp chỉ biết đọc, biết viết.",
                ));
            }
            if !ctx.candidate.literate {
                v.push(
                    rules
                        .edu_exception_literate
                        .violation("Trường hợp đặc biệt phải biết đọc, biết viết tiếng Việt."),
                );
            }
        }
        ConsentGrounds::Readmission => {
            if c.readmission.is_none() {
                v.push(Violation::input(
                    "input.consent",
                    "Người này không phải trường hợp kết nạp lại.",
                ));
            }
        }
    }
}

fn not_before(doc: Date, on: Date, what: &str, v: &mut Vec<Violation>) {
    if doc > on {
        v.push(Violation::input(
            "input.document_date",
            format!(
                "Ngày {what} ({}) sau ngày ghi nhận ({}).",
                format_vn(doc),
                format_vn(on)
            ),
        ));
    }
}

fn nonempty(s: &str, what: &str, v: &mut Vec<Violation>) {
    if s.trim().is_empty() {
        v.push(Violation::input("input.required", format!("Thiếu {what}.")));
    }
}

/// Checks every rule of the action; returns whether a vote reached its share.
fn guards(
    c: &Candidacy,
    cmd: &Command,
    ctx: &Context,
    book: &RuleBook,
    rules: &RuleSet,
    v: &mut Vec<Violation>,
    w: &mut Vec<Violation>,
) -> Option<bool> {
    let on = cmd.on;
    match &cmd.action {
        Action::Open {
            source_category,
            readmission,
            ..
        } => {
            nonempty(source_category, "nhóm nguồn", v);
            if ctx.candidate.is_current_member {
                v.push(Violation::input(
                    "source.not_member",
                    "Người này đang là đảng viên, không đưa vào danh sách nguồn.",
                ));
            }
            if let Some(f) = readmission {
                readmission_guard(f, rules, on, v);
            }
            None
        }
        Action::ListAsSympathizer {
            resolution_no,
            mentor,
        } => {
            nonempty(resolution_no, "số nghị quyết của chi bộ", v);
            member_guard(mentor, rules, "giúp đỡ", v);
            None
        }
        Action::AssignMentor { mentor } => {
            member_guard(mentor, rules, "giúp đỡ", v);
            None
        }
        Action::EnrolInCourse { course } => {
            nonempty(course, "tên lớp học", v);
            None
        }
        Action::FailCourse
        | Action::DeclareMemberBackground
        | Action::SubmitSelfReview
        | Action::RecordDeath
        | Action::TransferIn { .. } => None,
        Action::RecordCertificate {
            number,
            issued_on,
            issuer,
        } => {
            nonempty(number, "số giấy chứng nhận", v);
            not_before(*issued_on, on, "cấp giấy chứng nhận", v);
            if rules.cert_issuer.value.0 && matches!(issuer, CertIssuer::Other(_)) {
                v.push(rules.cert_issuer.violation(
                    "Giấy chứng nhận phải do trung tâm chính trị (hoặc cấp ủy có thẩm quyền kết nạp nơi không có trung tâm) cấp.",
                ));
            }
            let until = last_valid_day(*issued_on, book.in_force(*issued_on).cert_validity.value.0);
            if on > until {
                v.push(rules.cert_validity.violation(format!(
                    "Giấy chứng nhận cấp ngày {} đã hết hạn ngày {}.",
                    format_vn(*issued_on),
                    format_vn(until)
                )));
            }
            None
        }
        Action::SubmitApplication => None,
        Action::DeclareBackground => {
            if rules.application_first.value.0 && c.application_on.is_none() {
                v.push(rules.application_first.violation(
                    "Người vào Đảng phải viết đơn xin vào Đảng trước khi khai lý lịch.",
                ));
            }
            None
        }
        Action::AddIntroducer {
            introducer,
            letter_on,
            alongside_since,
            replaces,
        } => {
            not_before(*letter_on, on, "giấy giới thiệu", v);
            if !introducer.official {
                v.push(
                    rules
                        .intro_count
                        .violation("Người giới thiệu phải là đảng viên chính thức."),
                );
            }
            if c.introducers
                .iter()
                .any(|i| i.member_id == introducer.member_id)
            {
                v.push(Violation::input(
                    "input.duplicate",
                    "Đảng viên này đã là người giới thiệu.",
                ));
            }
            // The same unit under the same grassroots organisation, a replacement too: only the
            // 12 months are waived for them [intro.replacement].
            if !introducer.same_grassroots {
                v.push(rules.intro_cowork.violation(
                    "Người giới thiệu phải sinh hoạt trong cùng đơn vị, cùng tổ chức cơ sở đảng với người vào Đảng.",
                ));
            }
            match replaces {
                Some(old) if !c.introducers.iter().any(|i| &i.member_id == old) => {
                    v.push(Violation::input(
                        "input.unknown",
                        "Người được thay thế không có trong danh sách người giới thiệu.",
                    ));
                }
                Some(_) if rules.intro_replacement.value.0 => {}
                _ => {
                    if full_months(*alongside_since, *letter_on) < rules.intro_cowork.value.0
                        || *alongside_since > *letter_on
                    {
                        v.push(rules.intro_cowork.violation(format!(
                            "Người giới thiệu phải cùng công tác, học tập hoặc cư trú với người vào Đảng ít nhất {} (từ {} đến ngày viết giấy giới thiệu {}).",
                            rules.intro_cowork.value,
                            format_vn(*alongside_since),
                            format_vn(*letter_on)
                        )));
                    }
                    // A young candidate needs one member besides the union; a second is harmless.
                    let needed = rules.intro_count.value.0;
                    if replaces.is_none()
                        && u32::try_from(c.introducers.len()).unwrap_or(u32::MAX) >= needed
                    {
                        v.push(
                            rules
                                .intro_count
                                .violation(format!("Đã đủ {needed} người giới thiệu.")),
                        );
                    }
                }
            }
            None
        }
        Action::WithdrawIntroducer { member_id, reason } => {
            nonempty(reason, "lý do", v);
            if !c.introducers.iter().any(|i| &i.member_id == member_id) {
                v.push(Violation::input(
                    "input.unknown",
                    "Không có người giới thiệu này trong hồ sơ.",
                ));
            }
            None
        }
        Action::RecordUnionIntroduction {
            resolution_no,
            resolution_on,
            ..
        } => {
            nonempty(resolution_no, "số nghị quyết", v);
            not_before(*resolution_on, on, "nghị quyết giới thiệu", v);
            None
        }
        Action::RecordComments { summary_on } => {
            not_before(*summary_on, on, "tổng hợp nhận xét", v);
            None
        }
        Action::StampBackground => {
            if c.application_on.is_none() || c.background_on.is_none() {
                v.push(rules.verify_order.violation(
                    "Cần có đơn xin vào Đảng và lý lịch trước khi đóng dấu giáp lai, gửi thẩm tra.",
                ));
            }
            None
        }
        Action::SendVerification {
            request_no,
            destination,
            ..
        } => {
            nonempty(destination, "nơi gửi thẩm tra", v);
            if c.verification.iter().any(|r| r.request_no == *request_no) {
                v.push(Violation::input(
                    "input.duplicate",
                    format!("Đã có công văn thẩm tra số {request_no}."),
                ));
            }
            None
        }
        Action::AnswerVerification { request_no, .. } => {
            match c.verification.iter().find(|r| r.request_no == *request_no) {
                None => v.push(Violation::input(
                    "input.unknown",
                    format!("Không có công văn thẩm tra số {request_no}."),
                )),
                Some(r) if r.answer.is_some() => v.push(Violation::input(
                    "input.duplicate",
                    format!("Công văn số {request_no} đã có kết quả."),
                )),
                Some(_) => {}
            }
            None
        }
        Action::CertifyBackground => {
            verification_guard(c, ctx, rules, v);
            None
        }
        Action::CellVote {
            base_note,
            resolution_no,
            tally,
        } => {
            nonempty(resolution_no, "số nghị quyết của chi bộ", v);
            if let Some(e) = tally.check() {
                v.push(e);
                return None;
            }
            roster_guard(ctx, rules, tally, base_note.as_deref(), on, v);
            eligibility(c, ctx, rules, on, v);
            Some(rules.vote_cell.value.reached(tally.in_favour, tally.base()))
        }
        Action::PartialAppraisal { report_no, .. } => {
            nonempty(report_no, "số báo cáo thẩm định", v);
            if !ctx.cell.has_partial_committee {
                v.push(
                    rules
                        .partial_appraisal
                        .violation("Chi bộ này không trực thuộc đảng ủy bộ phận."),
                );
            }
            None
        }
        Action::GrassrootsVote {
            resolution_no,
            tally,
        } => {
            nonempty(resolution_no, "số nghị quyết của đảng ủy", v);
            committee_tally(tally, v);
            if ctx.cell.has_partial_committee
                && rules.partial_appraisal.value.0
                && c.partial_appraisal.is_none()
            {
                v.push(
                    rules
                        .partial_appraisal
                        .violation("Đảng ủy bộ phận phải thẩm định trước khi đảng ủy cơ sở xét."),
                );
            }
            Some(
                rules
                    .vote_committee
                    .value
                    .reached(tally.in_favour, tally.members),
            )
        }
        Action::ReturnDossier { reason, .. }
        | Action::Withdraw { reason }
        | Action::Reject { reason } => {
            nonempty(reason, "lý do", v);
            None
        }
        Action::RecordStudentResults { school_year, .. } => {
            nonempty(school_year, "năm học", v);
            None
        }
        Action::RecordSuperiorConsent {
            document_no,
            grounds,
        } => {
            nonempty(document_no, "số văn bản đồng ý", v);
            consent_guard(c, ctx, rules, grounds, on, v);
            None
        }
        Action::ExtendDeadline {
            working_days,
            reason,
        } => {
            nonempty(reason, "lý do gia hạn", v);
            let max = rules.deadline_decision_extension.value.0;
            if *working_days == 0 || *working_days > max || c.extension.is_some() {
                v.push(rules.deadline_decision_extension.violation(format!(
                    "Chỉ được gia hạn một lần, tối đa {}.",
                    rules.deadline_decision_extension.value
                )));
            }
            None
        }
        Action::AdmissionDecision {
            decision_no,
            approved,
            authority,
            received_on,
            superior_consent_on,
        } => {
            nonempty(decision_no, "số quyết định", v);
            if *received_on < on {
                let rule = if *approved {
                    Violation::input("input.document_date", "")
                } else {
                    rules.decision_notify.violation("")
                };
                v.push(Violation {
                    message_vi:
                        "Ngày chi bộ nhận thông báo quyết định phải từ ngày ký quyết định trở đi."
                            .into(),
                    ..rule
                });
            }
            if *approved {
                decision_guard(c, ctx, rules, on, *authority, *superior_consent_on, v);
            }
            if let Some(due) = c.decision_due(book)
                && on > due
            {
                w.push(rules.deadline_decision.violation(format!(
                    "Quyết định ngày {} chậm so với hạn {} ({} kể từ nghị quyết của chi bộ).",
                    format_vn(on),
                    format_vn(due),
                    rules.deadline_decision.value
                )));
            }
            None
        }
        Action::HoldCeremony { late_approval } => {
            if let (Some(due), Some((_, received))) = (c.ceremony_due(book), &c.admission_decision)
            {
                not_before(*received, on, "nhận quyết định kết nạp", v);
                if on > due && late_approval.as_deref().is_none_or(|s| s.trim().is_empty()) {
                    v.push(rules.deadline_ceremony.violation(format!(
                        "Lễ kết nạp phải tổ chức trong {} kể từ ngày nhận quyết định ({}), tức chậm nhất ngày {}; muộn hơn phải có ý kiến đồng ý của cấp ủy cấp trên trực tiếp.",
                        rules.deadline_ceremony.value,
                        format_vn(*received),
                        format_vn(due)
                    )));
                }
            }
            None
        }
        Action::CompleteNewMemberCourse { certificate_no } => {
            nonempty(certificate_no, "số giấy chứng nhận", v);
            None
        }
        Action::RecognitionCellVote {
            base_note,
            resolution_no,
            tally,
        } => {
            nonempty(resolution_no, "số nghị quyết của chi bộ", v);
            if let Some(e) = tally.check() {
                v.push(e);
                return None;
            }
            roster_guard(ctx, rules, tally, base_note.as_deref(), on, v);
            if let Some(end) = c.probation_end
                && on < end
            {
                v.push(rules.probation_months.violation(format!(
                    "Chưa đủ {} dự bị: còn {} ngày (thời kỳ dự bị kết thúc ngày {}).",
                    probation_length(c),
                    (end - on).get_days(),
                    format_vn(end)
                )));
            }
            if rules.probation_course.value.0 && c.new_member_course_on.is_none() {
                v.push(rules.probation_course.violation(
                    "Chưa hoàn thành lớp bồi dưỡng lý luận chính trị cho đảng viên mới.",
                ));
            }
            if c.failed_recognition_votes >= rules.vote_max_attempts.value.0 {
                v.push(rules.vote_max_attempts.violation(format!(
                    "Chi bộ đã biểu quyết {} lần không đủ hai phần ba; việc này do cấp ủy cấp trên xem xét, quyết định.",
                    c.failed_recognition_votes
                )));
            }
            if let Some(due) = c.recognition_vote_due(book)
                && on > due
            {
                w.push(rules.deadline_recognition.violation(format!(
                        "Chi bộ xét công nhận chậm: hạn là ngày {}. Ngày công nhận vẫn tính từ ngày hết dự bị.",
                        format_vn(due)
                    )));
            }
            Some(rules.vote_cell.value.reached(tally.in_favour, tally.base()))
        }
        Action::RecognitionGrassrootsVote {
            resolution_no,
            tally,
        } => {
            nonempty(resolution_no, "số nghị quyết", v);
            committee_tally(tally, v);
            if ctx.cell.grassroots_cell {
                v.push(Violation::input(
                    "lifecycle.order",
                    "Chi bộ cơ sở không qua bước đảng ủy cơ sở xét.",
                ));
            }
            Some(
                rules
                    .vote_committee
                    .value
                    .reached(tally.in_favour, tally.members),
            )
        }
        Action::RecognitionDecision {
            decision_no,
            approved,
            authority,
        } => {
            nonempty(decision_no, "số quyết định", v);
            if !ctx.cell.grassroots_cell && c.recognition_grassroots.is_none() && *approved {
                v.push(Violation::input(
                    "lifecycle.order",
                    "Đảng ủy cơ sở chưa xét công nhận.",
                ));
            }
            if rules.authority_decide.value.0
                && *authority != ctx.cell.competent_authority
                && *authority != Authority::CentralLevelCommittee
            {
                v.push(rules.authority_decide.violation(format!(
                    "Cấp quyết định của chi bộ này là {}.",
                    ctx.cell.competent_authority.label_vi()
                )));
            }
            if let Some(due) = c.recognition_decision_due(book)
                && on > due
            {
                w.push(rules.deadline_recognition_decision.violation(format!(
                    "Quyết định công nhận chậm so với hạn {}.",
                    format_vn(due)
                )));
            }
            None
        }
        Action::SuperiorRuling { decision_no, .. } => {
            nonempty(decision_no, "số quyết định", v);
            if c.failed_recognition_votes < rules.vote_max_attempts.value.0 {
                v.push(rules.vote_max_attempts.violation(format!(
                    "Cấp trên chỉ quyết định thay khi chi bộ đã biểu quyết {} lần không đủ hai phần ba.",
                    rules.vote_max_attempts.value
                )));
            }
            if let Some(end) = c.probation_end
                && on < end
            {
                v.push(rules.probation_months.violation(format!(
                    "Chưa đủ {} dự bị: còn {} ngày (thời kỳ dự bị kết thúc ngày {}).",
                    probation_length(c),
                    (end - on).get_days(),
                    format_vn(end)
                )));
            }
            None
        }
        Action::Remove {
            decision_no,
            reason,
        } => {
            nonempty(decision_no, "số quyết định", v);
            nonempty(reason, "lý do", v);
            if !rules.removal.value.0 {
                v.push(
                    rules
                        .removal
                        .violation("Việc xóa tên đảng viên dự bị đang không áp dụng."),
                );
            }
            None
        }
        Action::TransferOut { to } => {
            nonempty(to, "nơi chuyển đến", v);
            None
        }
        Action::Annul {
            decision_no,
            reason,
            ..
        } => {
            nonempty(decision_no, "số quyết định", v);
            nonempty(reason, "lý do", v);
            None
        }
    }
}

fn committee_tally(t: &CommitteeTally, v: &mut Vec<Violation>) {
    if t.members == 0 || t.in_favour > t.members {
        v.push(Violation::input(
            "vote.tally",
            "Số cấp ủy viên tán thành phải không lớn hơn tổng số cấp ủy viên.",
        ));
    }
}

/// Whether a higher committee's written consent can matter for this candidate on `on`: a former
/// member, someone over the age limit, or someone below the education minimum in an organisation
/// with the literate exception. The consent step is offered only then.
pub fn consent_may_apply(c: &Candidacy, ctx: &Context, rules: &RuleSet, on: Date) -> bool {
    c.readmission.is_some()
        || full_months(ctx.candidate.birth_date, on) > rules.age_max.value.0 * 12
        || (ctx.cell.education_exception == Some(EducationException::Literate)
            && ctx.candidate.education_grade12 < rules.edu_min.value.0)
}

/// The next steps the current stage allows, for the forms to show (the guards still judge them).
pub fn next_steps(c: &Candidacy, ctx: &Context) -> Vec<&'static str> {
    let samples: Vec<Action> = sample_actions();
    samples
        .iter()
        .filter(|a| next_stage(c, a, ctx, Some(true)).is_ok())
        .map(action_label_vi)
        .collect()
}

fn sample_actions() -> Vec<Action> {
    let d = Date::constant(2000, 1, 1);
    let m = MemberFacts {
        member_id: String::new(),
        official: true,
        same_cell: true,
        same_grassroots: true,
    };
    let t = Tally {
        official_members: 1,
        exempt_absent: 0,
        present: 1,
        ballots: None,
        in_favour: 1,
    };
    let ct = CommitteeTally {
        members: 1,
        in_favour: 1,
    };
    let s = String::new;
    vec![
        Action::Open {
            source_category: s(),
            proposed_by: None,
            readmission: None,
        },
        Action::ListAsSympathizer {
            resolution_no: s(),
            mentor: m.clone(),
        },
        Action::AssignMentor { mentor: m.clone() },
        Action::EnrolInCourse { course: s() },
        Action::FailCourse,
        Action::RecordCertificate {
            number: s(),
            issued_on: d,
            issuer: CertIssuer::PoliticalCentre(s()),
        },
        Action::SubmitApplication,
        Action::DeclareBackground,
        Action::AddIntroducer {
            introducer: m,
            letter_on: d,
            alongside_since: d,
            replaces: None,
        },
        Action::RecordUnionIntroduction {
            union: UnionKind::YouthUnion,
            resolution_no: s(),
            resolution_on: d,
        },
        Action::RecordComments { summary_on: d },
        Action::StampBackground,
        Action::SendVerification {
            request_no: 0,
            subject: Relation::Candidate,
            destination: s(),
        },
        Action::AnswerVerification {
            request_no: 0,
            outcome: VerificationOutcome::Clear,
        },
        Action::CertifyBackground,
        Action::CellVote {
            base_note: None,
            resolution_no: s(),
            tally: t,
        },
        Action::PartialAppraisal {
            report_no: s(),
            approved: true,
        },
        Action::GrassrootsVote {
            resolution_no: s(),
            tally: ct,
        },
        Action::ReturnDossier {
            by: Level::Grassroots,
            reason: s(),
        },
        Action::ExtendDeadline {
            working_days: 0,
            reason: s(),
        },
        Action::RecordSuperiorConsent {
            document_no: s(),
            grounds: ConsentGrounds::Readmission,
        },
        Action::RecordStudentResults {
            school_year: s(),
            grade: Standing::Fair,
            conduct: Standing::Good,
        },
        Action::AdmissionDecision {
            decision_no: s(),
            approved: true,
            authority: Authority::SuperiorStandingCommittee,
            received_on: d,
            superior_consent_on: None,
        },
        Action::HoldCeremony {
            late_approval: None,
        },
        Action::DeclareMemberBackground,
        Action::CompleteNewMemberCourse {
            certificate_no: s(),
        },
        Action::SubmitSelfReview,
        Action::RecognitionCellVote {
            base_note: None,
            resolution_no: s(),
            tally: t,
        },
        Action::RecognitionGrassrootsVote {
            resolution_no: s(),
            tally: ct,
        },
        Action::RecognitionDecision {
            decision_no: s(),
            approved: true,
            authority: Authority::SuperiorStandingCommittee,
        },
        Action::SuperiorRuling {
            decision_no: s(),
            recognise: true,
        },
        Action::Remove {
            decision_no: s(),
            reason: s(),
        },
        Action::Withdraw { reason: s() },
        Action::Reject { reason: s() },
        Action::TransferOut { to: s() },
        Action::TransferIn { from: s() },
        Action::RecordDeath,
        Action::Annul {
            decision_no: s(),
            reason: s(),
            target: AnnulTarget::Admission,
        },
    ]
}

//! Deadlines and alerts: what is due, overdue or expiring for a candidacy, computed from its state,
//! its dates and `today` — never stored as truth (spec §4).

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::dates::{add_months, format_vn};
use crate::lifecycle::{Candidacy, Stage};
use crate::rules::RuleBook;

/// How many calendar days before a deadline it counts as "due soon".
pub const DUE_SOON_DAYS: i32 = 14;
/// How many calendar days before a validity ends it counts as "expiring".
pub const EXPIRING_DAYS: i32 = 60;

/// What the alert is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AlertKind {
    /// The competent committee's admission decision (deadline.decision).
    DecisionWindow,
    /// The grassroots committee's internal target, where the deployment set one.
    GrassrootsReview,
    /// The admission ceremony (deadline.ceremony).
    CeremonyWindow,
    /// The member background after the ceremony (records.member_background).
    MemberBackground,
    /// The end of probation is near: prepare the recognition.
    ProbationEnding,
    /// The cell's recognition vote (deadline.recognition).
    RecognitionWindow,
    /// The competent committee's recognition decision (deadline.recognition_decision).
    RecognitionDecisionWindow,
    /// A month with no mentor note (mentor.note_interval).
    MentorNoteMissing {
        /// Year.
        year: i16,
        /// Month 1–12.
        month: i8,
    },
    /// A verification request unanswered too long (verification.stall).
    VerificationStalled {
        /// Request number.
        request_no: u32,
    },
    /// The awareness certificate expires before a vote (cert.validity).
    CertificateExpiring,
    /// The certified background expires before a vote (background.validity).
    BackgroundExpiring,
    /// Introducer letters, union resolution or comments expire (comments.validity).
    CommentsExpiring,
}

impl AlertKind {
    /// Does recording `action` answer this alert (the act the deadline waits for, or the vote
    /// that makes an expiring document moot)? Mentor notes are written on the mentor's page, not
    /// as a step.
    pub fn cleared_by(&self, action: &crate::lifecycle::Action) -> bool {
        use crate::lifecycle::Action as A;
        match self {
            AlertKind::DecisionWindow => matches!(action, A::AdmissionDecision { .. }),
            AlertKind::GrassrootsReview => matches!(action, A::GrassrootsVote { .. }),
            AlertKind::CeremonyWindow => matches!(action, A::HoldCeremony { .. }),
            AlertKind::MemberBackground => matches!(action, A::DeclareMemberBackground),
            AlertKind::ProbationEnding => {
                matches!(action, A::SubmitSelfReview | A::RecognitionCellVote { .. })
            }
            AlertKind::RecognitionWindow => matches!(action, A::RecognitionCellVote { .. }),
            AlertKind::RecognitionDecisionWindow => matches!(
                action,
                A::RecognitionGrassrootsVote { .. } | A::RecognitionDecision { .. }
            ),
            AlertKind::MentorNoteMissing { .. } => false,
            AlertKind::VerificationStalled { .. } => {
                matches!(action, A::AnswerVerification { .. })
            }
            AlertKind::CertificateExpiring
            | AlertKind::BackgroundExpiring
            | AlertKind::CommentsExpiring => matches!(action, A::CellVote { .. }),
        }
    }
}

impl AlertKind {
    /// Where the kind stands in a work queue: the decisions and votes that a deadline of the
    /// regulations waits for first, then the verification and the documents about to lapse, then
    /// what the candidate or the mentor owes.
    pub fn rank(&self) -> u8 {
        match self {
            AlertKind::DecisionWindow => 0,
            AlertKind::RecognitionDecisionWindow => 1,
            AlertKind::RecognitionWindow => 2,
            AlertKind::GrassrootsReview => 3,
            AlertKind::CeremonyWindow => 4,
            AlertKind::VerificationStalled { .. } => 5,
            AlertKind::CertificateExpiring => 6,
            AlertKind::BackgroundExpiring => 7,
            AlertKind::CommentsExpiring => 8,
            AlertKind::ProbationEnding => 9,
            AlertKind::MemberBackground => 10,
            AlertKind::MentorNoteMissing { .. } => 11,
        }
    }

    /// A validity that lapses (rather than a deadline for an act).
    pub fn is_validity(&self) -> bool {
        matches!(
            self,
            AlertKind::CertificateExpiring
                | AlertKind::BackgroundExpiring
                | AlertKind::CommentsExpiring
        )
    }

    /// The one thing to do that clears the alert, as a clerk reads it.
    pub fn todo_vi(&self) -> &'static str {
        match self {
            AlertKind::DecisionWindow => "Ghi quyết định kết nạp",
            AlertKind::GrassrootsReview => "Ghi kết quả đảng ủy cơ sở xét",
            AlertKind::CeremonyWindow => "Ghi lễ kết nạp",
            AlertKind::MemberBackground => "Ghi đã khai lý lịch đảng viên",
            AlertKind::ProbationEnding => "Nhắc nộp bản tự kiểm điểm",
            AlertKind::RecognitionWindow => "Ghi kết quả chi bộ xét công nhận",
            AlertKind::RecognitionDecisionWindow => "Ghi quyết định công nhận",
            AlertKind::MentorNoteMissing { .. } => "Nhắc đảng viên giúp đỡ viết nhận xét",
            AlertKind::VerificationStalled { .. } => "Đôn đốc nơi thẩm tra, ghi kết quả",
            AlertKind::CertificateExpiring
            | AlertKind::BackgroundExpiring
            | AlertKind::CommentsExpiring => "Chi bộ xét trước ngày hết hiệu lực",
        }
    }
}

/// How urgent. Serialised as its [`AlertStatus::code`], the code the alert list filters by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertStatus {
    /// Past the deadline, or expired.
    #[serde(alias = "Overdue")]
    Overdue,
    /// Within [`DUE_SOON_DAYS`] (deadlines) or [`EXPIRING_DAYS`] (validities).
    #[serde(alias = "DueSoon")]
    DueSoon,
    /// Further away.
    #[serde(alias = "Upcoming")]
    Upcoming,
}

impl AlertStatus {
    /// Every status, most urgent first.
    pub const ALL: [AlertStatus; 3] = [
        AlertStatus::Overdue,
        AlertStatus::DueSoon,
        AlertStatus::Upcoming,
    ];

    /// The code: `overdue`, `due_soon`, `upcoming`.
    pub fn code(self) -> &'static str {
        match self {
            AlertStatus::Overdue => "overdue",
            AlertStatus::DueSoon => "due_soon",
            AlertStatus::Upcoming => "upcoming",
        }
    }

    /// The Vietnamese label.
    pub fn label_vi(self) -> &'static str {
        match self {
            AlertStatus::Overdue => "Quá hạn",
            AlertStatus::DueSoon => "Sắp đến hạn",
            AlertStatus::Upcoming => "Trong hạn",
        }
    }
}

/// Who must act. Serialised as its [`Actor::code`], the code the alert list filters by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Actor {
    /// The cell (its secretary).
    #[serde(rename = "cell", alias = "Cell")]
    Cell,
    /// The assigned mentor.
    #[serde(rename = "mentor", alias = "Mentor")]
    Mentor,
    /// The partial or grassroots committee.
    #[serde(rename = "grassroots", alias = "GrassrootsCommittee")]
    GrassrootsCommittee,
    /// The committee competent to decide.
    #[serde(rename = "competent", alias = "CompetentCommittee")]
    CompetentCommittee,
    /// The candidate or new member.
    #[serde(rename = "candidate", alias = "Candidate")]
    Candidate,
}

impl Actor {
    /// Every actor.
    pub const ALL: [Actor; 5] = [
        Actor::Cell,
        Actor::Mentor,
        Actor::GrassrootsCommittee,
        Actor::CompetentCommittee,
        Actor::Candidate,
    ];

    /// The code: `cell`, `mentor`, `grassroots`, `competent`, `candidate`.
    pub fn code(self) -> &'static str {
        match self {
            Actor::Cell => "cell",
            Actor::Mentor => "mentor",
            Actor::GrassrootsCommittee => "grassroots",
            Actor::CompetentCommittee => "competent",
            Actor::Candidate => "candidate",
        }
    }

    /// The Vietnamese label.
    pub fn label_vi(self) -> &'static str {
        match self {
            Actor::Cell => "Chi bộ",
            Actor::Mentor => "Đảng viên giúp đỡ",
            Actor::GrassrootsCommittee => "Đảng ủy cơ sở",
            Actor::CompetentCommittee => "Cấp ủy có thẩm quyền",
            Actor::Candidate => "Quần chúng / đảng viên mới",
        }
    }
}

/// What an alert adds when its working-day deadline ends in a year whose days off are computed
/// (the government has not announced them yet), followed by the year.
pub const PROVISIONAL_CALENDAR_VI: &str = "lịch nghỉ dự kiến, chưa công bố cho năm";

/// One thing due, overdue or expiring.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alert {
    /// What.
    pub kind: AlertKind,
    /// The rule behind it.
    pub rule_id: String,
    /// The last day (of the deadline, or of validity).
    pub due: Date,
    /// How urgent, as of `today`.
    pub status: AlertStatus,
    /// Who must act.
    pub actor: Actor,
    /// What to tell the user.
    pub message_vi: String,
}

impl Alert {
    /// The badge: the status in words that agree with the message (a validity "hết hiệu lực",
    /// a deadline "quá hạn").
    pub fn badge_vi(&self) -> &'static str {
        match (self.kind.is_validity(), self.status) {
            (true, AlertStatus::Overdue) => "Đã hết hiệu lực",
            (true, AlertStatus::DueSoon) => "Sắp hết hiệu lực",
            (_, status) => status.label_vi(),
        }
    }
}

fn deadline_status(due: Date, today: Date) -> AlertStatus {
    if today > due {
        AlertStatus::Overdue
    } else if (due - today).get_days() <= DUE_SOON_DAYS {
        AlertStatus::DueSoon
    } else {
        AlertStatus::Upcoming
    }
}

fn days_between(from: Date, to: Date) -> i32 {
    from.until(to).map(|s| s.get_days()).unwrap_or(0)
}

/// Every alert for a candidacy as of `today`. `mentor_notes` are the (year, month) of the notes on
/// file; months are checked from the one after the mentor's assignment to the last complete month.
pub fn alerts(
    c: &Candidacy,
    book: &RuleBook,
    mentor_notes: &[(i16, i8)],
    today: Date,
) -> Vec<Alert> {
    let Some(stage) = c.stage else {
        return Vec::new();
    };
    let rules = book.in_force(today);
    let mut out = Vec::new();
    let deadline = |out: &mut Vec<Alert>, kind, rule: &str, due: Date, actor, what: String| {
        let status = deadline_status(due, today);
        let when = match status {
            AlertStatus::Overdue => format!("quá hạn từ sau ngày {}", format_vn(due)),
            _ => format!("hạn chót ngày {}", format_vn(due)),
        };
        // A deadline counted in working days whose last day falls in a year whose days off are
        // not announced yet is computed from the statutory rule: say so.
        let working_days = rule.starts_with("deadline.") || rule == "records.member_background";
        let note = if working_days && book.calendar.is_provisional(due.year()) {
            format!(" ({} {})", PROVISIONAL_CALENDAR_VI, due.year())
        } else {
            String::new()
        };
        out.push(Alert {
            kind,
            rule_id: rule.to_string(),
            due,
            status,
            actor,
            message_vi: format!("{what}: {when}{note}."),
        });
    };
    match stage {
        Stage::GrassrootsVote | Stage::AwaitingDecision => {
            if let Some(due) = c.decision_due(book) {
                deadline(
                    &mut out,
                    AlertKind::DecisionWindow,
                    rules.deadline_decision.id,
                    due,
                    Actor::CompetentCommittee,
                    format!(
                        "Quyết định kết nạp trong {} kể từ nghị quyết của chi bộ",
                        rules.deadline_decision.value
                    ),
                );
            }
            let internal = rules.deadline_grassroots_review.value.0;
            if stage == Stage::GrassrootsVote
                && internal > 0
                && let Some(res) = &c.cell_resolution
            {
                deadline(
                    &mut out,
                    AlertKind::GrassrootsReview,
                    rules.deadline_grassroots_review.id,
                    book.calendar.add_working_days(res.on, internal),
                    Actor::GrassrootsCommittee,
                    "Đảng ủy cơ sở xét theo mốc nội bộ".to_string(),
                );
            }
        }
        Stage::AwaitingCeremony if c.late_ceremony_approval.is_none() => {
            if let Some(due) = c.ceremony_due(book) {
                deadline(
                    &mut out,
                    AlertKind::CeremonyWindow,
                    rules.deadline_ceremony.id,
                    due,
                    Actor::Cell,
                    format!(
                        "Tổ chức lễ kết nạp trong {} kể từ ngày nhận quyết định",
                        rules.deadline_ceremony.value
                    ),
                );
            }
        }
        Stage::Probationary => {
            if let Some(end) = c.probation_end {
                if today < end {
                    if days_between(today, end) <= EXPIRING_DAYS {
                        out.push(Alert {
                            kind: AlertKind::ProbationEnding,
                            rule_id: rules.probation_months.id.to_string(),
                            due: end,
                            status: AlertStatus::DueSoon,
                            actor: Actor::Cell,
                            message_vi: format!(
                                "Hết thời kỳ dự bị ngày {}: chuẩn bị bản tự kiểm điểm, nhận xét và xét công nhận.",
                                format_vn(end)
                            ),
                        });
                    }
                } else if let Some(due) = c.recognition_vote_due(book) {
                    deadline(
                        &mut out,
                        AlertKind::RecognitionWindow,
                        rules.deadline_recognition.id,
                        due,
                        Actor::Cell,
                        format!(
                            "Chi bộ xét công nhận đảng viên chính thức trong {} khi hết dự bị",
                            rules.deadline_recognition.value
                        ),
                    );
                }
            }
        }
        Stage::RecognitionVote => {
            if let Some(due) = c.recognition_decision_due(book) {
                deadline(
                    &mut out,
                    AlertKind::RecognitionDecisionWindow,
                    rules.deadline_recognition_decision.id,
                    due,
                    Actor::CompetentCommittee,
                    format!(
                        "Quyết định công nhận trong {} kể từ nghị quyết của chi bộ",
                        rules.deadline_recognition_decision.value
                    ),
                );
            }
        }
        _ => {}
    }
    if stage.is_probationary()
        && c.member_background_on.is_none()
        && let Some(due) = c.member_background_due(book)
    {
        deadline(
            &mut out,
            AlertKind::MemberBackground,
            rules.records_member_background.id,
            due,
            Actor::Candidate,
            format!(
                "Khai lý lịch đảng viên trong {} sau lễ kết nạp",
                rules.records_member_background.value
            ),
        );
    }
    if stage == Stage::Verification {
        for r in c.verification.iter().filter(|r| r.answer.is_none()) {
            let limit = rules.verification_stall.value.0;
            let due = r
                .sent_on
                .checked_add(jiff::Span::new().days(i64::from(limit)))
                .unwrap_or(r.sent_on);
            if today > due {
                out.push(Alert {
                    kind: AlertKind::VerificationStalled { request_no: r.request_no },
                    rule_id: rules.verification_stall.id.to_string(),
                    due,
                    status: AlertStatus::Overdue,
                    actor: Actor::GrassrootsCommittee,
                    message_vi: format!(
                        "Công văn thẩm tra số {} gửi {} ngày {} chưa có trả lời sau {}: đôn đốc hoặc cử người xác minh trực tiếp.",
                        r.request_no,
                        r.destination,
                        format_vn(r.sent_on),
                        rules.verification_stall.value
                    ),
                });
            }
        }
    }
    if matches!(
        stage,
        Stage::Sympathizer | Stage::Course | Stage::Dossier | Stage::Verification | Stage::CellVote
    ) {
        let mut validity = |kind, rule: &str, until: Option<Date>, what: &str| {
            let Some(until) = until else { return };
            let left = days_between(today, until);
            let status = if today > until {
                AlertStatus::Overdue
            } else if left <= EXPIRING_DAYS {
                AlertStatus::DueSoon
            } else {
                return;
            };
            let message_vi = if status == AlertStatus::Overdue {
                format!(
                    "{what} đã hết hiệu lực từ sau ngày {}: phải làm lại trước khi chi bộ xét.",
                    format_vn(until)
                )
            } else {
                format!(
                    "{what} hết hiệu lực sau ngày {}: chi bộ cần xét trước ngày đó.",
                    format_vn(until)
                )
            };
            out.push(Alert {
                kind,
                rule_id: rule.to_string(),
                due: until,
                status,
                actor: Actor::Cell,
                message_vi,
            });
        };
        validity(
            AlertKind::CertificateExpiring,
            rules.cert_validity.id,
            c.certificate_valid_until(rules),
            "Giấy chứng nhận học lớp nhận thức về Đảng",
        );
        validity(
            AlertKind::BackgroundExpiring,
            rules.background_validity.id,
            c.background_valid_until(rules),
            "Lý lịch đã chứng nhận",
        );
        validity(
            AlertKind::CommentsExpiring,
            rules.comments_validity.id,
            c.comments_valid_until(rules),
            "Giấy giới thiệu, nghị quyết giới thiệu và tổng hợp nhận xét",
        );
    }
    if let Some((_, since)) = &c.mentor
        && matches!(
            stage,
            Stage::Sympathizer
                | Stage::Course
                | Stage::Dossier
                | Stage::Verification
                | Stage::CellVote
                | Stage::GrassrootsVote
                | Stage::AwaitingDecision
                | Stage::AwaitingCeremony
                | Stage::Probationary
                | Stage::RecognitionVote
        )
    {
        out.extend(missing_notes(*since, mentor_notes, today, book));
    }
    out.sort_by(|a, b| a.status.cmp(&b.status).then(a.due.cmp(&b.due)));
    out
}

/// The months (year, month) with no mentor note: from the one after the mentor's assignment
/// (`since`) to the last complete month before `today`, at the interval of mentor.note_interval.
pub fn missing_note_months(
    since: Date,
    notes: &[(i16, i8)],
    today: Date,
    book: &RuleBook,
) -> Vec<(i16, i8)> {
    let step = book.in_force(today).mentor_note_interval.value.0.max(1);
    let mut out = Vec::new();
    let this_month = today.first_of_month();
    let mut m = add_months(since.first_of_month(), 1);
    while m < this_month {
        // A note anywhere in the interval ending with this month satisfies it.
        let covered = (0..step).any(|k| {
            let back = m
                .checked_sub(jiff::Span::new().months(i64::from(k)))
                .unwrap_or(m);
            notes.contains(&(back.year(), back.month()))
        });
        if !covered {
            out.push((m.year(), m.month()));
        }
        m = add_months(m, step);
    }
    out
}

/// One alert per candidacy for its missing mentor notes: due since the end of the oldest missing
/// month, naming the count and the latest months (a list of every month would bury the rest).
fn missing_notes(since: Date, notes: &[(i16, i8)], today: Date, book: &RuleBook) -> Vec<Alert> {
    let rules = book.in_force(today);
    let missing = missing_note_months(since, notes, today, book);
    let (Some(&(fy, fm)), Some(&(ly, lm))) = (missing.first(), missing.last()) else {
        return Vec::new();
    };
    let oldest = Date::new(fy, fm, 1)
        .map(|d| d.last_of_month())
        .unwrap_or(today);
    let message_vi = if missing.len() == 1 {
        format!("Đảng viên giúp đỡ chưa nhận xét tháng {lm:02}/{ly}.")
    } else {
        format!(
            "Đảng viên giúp đỡ chưa nhận xét {} tháng, từ tháng {fm:02}/{fy} đến tháng {lm:02}/{ly}.",
            missing.len()
        )
    };
    vec![Alert {
        kind: AlertKind::MentorNoteMissing {
            year: ly,
            month: lm,
        },
        rule_id: rules.mentor_note_interval.id.to_string(),
        due: oldest,
        status: AlertStatus::Overdue,
        actor: Actor::Mentor,
        message_vi,
    }]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lifecycle::{Relation, Resolution, VerificationRequest};
    use jiff::civil::date;

    fn at(stage: Stage) -> Candidacy {
        Candidacy {
            stage: Some(stage),
            ..Candidacy::default()
        }
    }

    #[test]
    fn deadline_decision_alert_is_due_soon_then_overdue_the_day_after_the_sixtieth_working_day() {
        let book = RuleBook::spec_default();
        let mut c = at(Stage::AwaitingDecision);
        c.cell_resolution = Some(Resolution {
            number: "5".into(),
            on: date(2026, 3, 2),
        });
        let due = book.calendar.add_working_days(date(2026, 3, 2), 60);
        let a = alerts(&c, &book, &[], due);
        assert_eq!(a[0].kind, AlertKind::DecisionWindow);
        assert_eq!(a[0].status, AlertStatus::DueSoon);
        assert_eq!(a[0].rule_id, "deadline.decision");
        let a = alerts(&c, &book, &[], due.tomorrow().unwrap());
        assert_eq!(a[0].status, AlertStatus::Overdue);
        c.extension = Some(30);
        let a = alerts(&c, &book, &[], due.tomorrow().unwrap());
        assert_eq!(
            a[0].due,
            book.calendar.add_working_days(date(2026, 3, 2), 90)
        );
    }

    #[test]
    fn deadline_ceremony_alert_counts_from_the_receipt_of_the_decision() {
        let book = RuleBook::spec_default();
        let mut c = at(Stage::AwaitingCeremony);
        c.admission_decision = Some((
            Resolution {
                number: "9".into(),
                on: date(2026, 9, 1),
            },
            date(2026, 9, 4),
        ));
        let a = alerts(&c, &book, &[], date(2026, 11, 23));
        assert_eq!(a[0].kind, AlertKind::CeremonyWindow);
        assert_eq!(
            a[0].due,
            book.calendar.add_working_days(date(2026, 9, 4), 30)
        );
        assert_eq!(a[0].status, AlertStatus::Overdue);
        assert_eq!(a[0].actor, Actor::Cell);
    }

    #[test]
    fn deadline_ceremony_alert_in_a_year_with_computed_days_off_says_so() {
        // Received 01/12/2026: 30 working days end in January 2027, a year whose days off the
        // government has not announced (provisional); the same deadline inside 2026 says nothing.
        let book = RuleBook::spec_default();
        let mut c = at(Stage::AwaitingCeremony);
        let decision = |received| {
            Some((
                Resolution {
                    number: "9".into(),
                    on: date(2026, 11, 30),
                },
                received,
            ))
        };
        c.admission_decision = decision(date(2026, 12, 1));
        let a = alerts(&c, &book, &[], date(2026, 12, 5));
        assert_eq!(a[0].due.year(), 2027);
        assert!(
            a[0].message_vi
                .contains("lịch nghỉ dự kiến, chưa công bố cho năm 2027"),
            "{}",
            a[0].message_vi
        );
        c.admission_decision = decision(date(2026, 10, 1));
        let a = alerts(&c, &book, &[], date(2026, 11, 5));
        assert_eq!(a[0].due.year(), 2026);
        assert!(!a[0].message_vi.contains("dự kiến"), "{}", a[0].message_vi);
    }

    #[test]
    fn deadline_recognition_alert_opens_when_probation_ends_and_warns_before() {
        let book = RuleBook::spec_default();
        let mut c = at(Stage::Probationary);
        c.ceremony_on = Some(date(2025, 12, 1));
        c.probation_end = Some(date(2026, 12, 1));
        c.member_background_on = Some(date(2025, 12, 10));
        let a = alerts(&c, &book, &[], date(2026, 11, 23));
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].kind, AlertKind::ProbationEnding);
        let a = alerts(&c, &book, &[], date(2026, 12, 2));
        assert_eq!(a[0].kind, AlertKind::RecognitionWindow);
        assert_eq!(
            a[0].due,
            book.calendar.add_working_days(date(2026, 12, 1), 30)
        );
    }

    #[test]
    fn deadline_recognition_decision_alert_counts_from_the_cells_recognition_resolution() {
        let book = RuleBook::spec_default();
        let mut c = at(Stage::RecognitionVote);
        c.recognition_resolution = Some(Resolution {
            number: "13".into(),
            on: date(2026, 10, 1),
        });
        c.member_background_on = Some(date(2025, 10, 1));
        let a = alerts(&c, &book, &[], date(2026, 11, 23));
        assert_eq!(a[0].kind, AlertKind::RecognitionDecisionWindow);
        assert_eq!(
            a[0].due,
            book.calendar.add_working_days(date(2026, 10, 1), 30)
        );
    }

    #[test]
    fn records_member_background_alert_thirty_working_days_after_the_ceremony() {
        let book = RuleBook::spec_default();
        let mut c = at(Stage::Probationary);
        c.ceremony_on = Some(date(2026, 9, 1));
        c.probation_end = Some(date(2027, 9, 1));
        let a = alerts(&c, &book, &[], date(2026, 11, 23));
        let bg = a
            .iter()
            .find(|a| a.kind == AlertKind::MemberBackground)
            .unwrap();
        assert_eq!(bg.due, book.calendar.add_working_days(date(2026, 9, 1), 30));
        assert_eq!(bg.status, AlertStatus::Overdue);
    }

    #[test]
    fn mentor_note_interval_each_complete_month_without_a_note_is_listed() {
        let book = RuleBook::spec_default();
        let mut c = at(Stage::Dossier);
        c.mentor = Some(("m1".into(), date(2026, 7, 15)));
        let a = alerts(&c, &book, &[(2026, 8), (2026, 10)], date(2026, 11, 23));
        let missing: Vec<_> = a
            .iter()
            .filter_map(|a| match a.kind {
                AlertKind::MentorNoteMissing { year, month } => Some((year, month)),
                _ => None,
            })
            .collect();
        assert_eq!(
            missing,
            vec![(2026, 9)],
            "August and October have notes, November is not over"
        );
        assert!(
            a.iter()
                .all(|a| a.actor != Actor::Mentor || a.message_vi.contains("09/2026"))
        );
    }

    #[test]
    fn mentor_note_interval_many_missing_months_make_one_alert_naming_the_count() {
        let book = RuleBook::spec_default();
        let mut c = at(Stage::Sympathizer);
        c.mentor = Some(("m1".into(), date(2025, 12, 20)));
        let a = alerts(&c, &book, &[(2026, 3)], date(2026, 11, 23));
        assert_eq!(a.len(), 1);
        assert_eq!(
            a[0].kind,
            AlertKind::MentorNoteMissing {
                year: 2026,
                month: 10
            }
        );
        assert_eq!(
            a[0].due,
            date(2026, 1, 31),
            "due since the oldest missing month"
        );
        assert_eq!(
            a[0].message_vi,
            "Đảng viên giúp đỡ chưa nhận xét 9 tháng, từ tháng 01/2026 đến tháng 10/2026."
        );
        assert_eq!(
            missing_note_months(date(2025, 12, 20), &[(2026, 3)], date(2026, 11, 23), &book).len(),
            9
        );
    }

    #[test]
    fn verification_stall_a_request_unanswered_for_thirty_days_is_flagged() {
        let book = RuleBook::spec_default();
        let mut c = at(Stage::Verification);
        c.verification.push(VerificationRequest {
            request_no: 1,
            subject: Relation::Parents,
            destination: "Đảng ủy xã Tân Phú".into(),
            sent_on: date(2026, 10, 24),
            answer: None,
        });
        assert!(
            alerts(&c, &book, &[], date(2026, 11, 23)).is_empty(),
            "day 30 is not yet stalled"
        );
        let a = alerts(&c, &book, &[], date(2026, 11, 24));
        assert_eq!(a[0].kind, AlertKind::VerificationStalled { request_no: 1 });
    }

    #[test]
    fn cert_validity_alert_expiring_then_expired_on_the_day_after_the_last_valid_day() {
        let book = RuleBook::spec_default();
        let mut c = at(Stage::CellVote);
        c.certificate = Some(crate::lifecycle::Certificate {
            number: "1".into(),
            issued_on: date(2021, 12, 15),
            issuer: crate::lifecycle::CertIssuer::PoliticalCentre("TTCT".into()),
        });
        let a = alerts(&c, &book, &[], date(2026, 11, 23));
        assert_eq!(a[0].kind, AlertKind::CertificateExpiring);
        assert_eq!(a[0].status, AlertStatus::DueSoon);
        assert_eq!(a[0].due, date(2026, 12, 15));
        assert_eq!(
            alerts(&c, &book, &[], date(2026, 12, 15))[0].status,
            AlertStatus::DueSoon
        );
        assert_eq!(
            alerts(&c, &book, &[], date(2026, 12, 16))[0].status,
            AlertStatus::Overdue
        );
    }

    #[test]
    fn terminal_candidacies_raise_no_alerts() {
        let book = RuleBook::spec_default();
        let mut c = at(Stage::Withdrawn);
        c.mentor = Some(("m1".into(), date(2025, 1, 1)));
        assert!(alerts(&c, &book, &[], date(2026, 11, 23)).is_empty());
    }
}

//! Importing candidates in flight and mentors.
//!
//! A candidate's row gives the person, the cell and the dates (and numbers) of the steps already
//! taken. The row becomes the same commands the step forms record, in the order of the process,
//! each dated with its own date and judged by the rules in force on it; the events are marked
//! with the import batch. A step the rules refuse is reported with the rule and its citation, on
//! the column of that step's date — the same message a clerk gets when recording it by hand.

use jiff::civil::Date;
use ketnap_domain::lifecycle::{
    Action, Authority, CertIssuer, Command, CommitteeTally, ConsentGrounds, LiterateStanding,
    MemberFacts, OverAgeGround, Relation, Stage, Tally, UnionKind, VerificationOutcome,
};
use ketnap_domain::person::Person;
use ketnap_store::candidacies::{self, CandidateExtras};
use ketnap_store::{Result, Tx, members, units};

use super::people::{Lookups, date_cell, insert_person, person_of};
use super::{Problems, Rec, Writer, user_error, yes_no};
use crate::sheet::fold_heading;

/// Where a row's commands come from: the column whose date (or value) each step took.
struct Step {
    key: &'static str,
    command: Command,
}

/// The stage named in the "Giai đoạn" column (its label or code).
fn stage_of(s: &str) -> Option<Stage> {
    let f = fold_heading(s);
    Stage::ALL.into_iter().find(|st| {
        fold_heading(st.label_vi()) == f || ketnap_store::counters::stage_code(*st) == s.trim()
    })
}

/// A whole number in a cell; the problem written when it is not one.
fn count(r: &Rec<'_>, key: &str, p: &mut Problems) -> std::result::Result<Option<u32>, ()> {
    let v = r.get(key).trim();
    if v.is_empty() {
        return Ok(None);
    }
    v.parse::<u32>().map(Some).map_err(|_| {
        p.at(r.line, key, format!("“{v}” không phải một số nguyên."));
    })
}

/// A member named by party-card number (or public id) as a mentor or introducer.
async fn member(
    tx: &mut Tx,
    r: &Rec<'_>,
    key: &str,
    text: &str,
    p: &mut Problems,
) -> Result<Option<MemberFacts>> {
    match members::active_by_card_or_pub_id(tx, text).await? {
        Some((_, pub_id, _)) => Ok(Some(MemberFacts {
            member_id: pub_id,
            official: true,
            same_cell: true,
            same_grassroots: true,
        })),
        None => {
            p.at(
                r.line,
                key,
                format!("Không có đảng viên nào có số thẻ “{}” trong danh sách đảng viên; hãy nhập danh sách đảng viên trước.", text.trim()),
            );
            Ok(None)
        }
    }
}

/// The dates of a row, with the dossier's small steps dated by the next step given when the list
/// leaves them blank (an office's list rarely dates the application itself; the dossier was
/// complete by the time it went further).
struct Dates {
    source: Date,
    sympathizer: Option<Date>,
    course: Option<Date>,
    cert: Option<Date>,
    application: Option<Date>,
    background: Option<Date>,
    introduction: Option<Date>,
    union_resolution: Option<Date>,
    comments: Option<Date>,
    sent: Option<Date>,
    answered: Option<Date>,
    cell_vote: Option<Date>,
    partial: Option<Date>,
    grassroots_vote: Option<Date>,
    consent: Option<Date>,
    decision: Option<Date>,
    received: Option<Date>,
    ceremony: Option<Date>,
}

fn dates(r: &Rec<'_>, p: &mut Problems) -> Option<Dates> {
    let mut bad = false;
    let mut get = |key: &str| match date_cell(r, key, p) {
        Ok(d) => d,
        Err(()) => {
            bad = true;
            None
        }
    };
    let source = get("source_on");
    let mut d = Dates {
        source: source.unwrap_or(Date::MIN),
        sympathizer: get("sympathizer_on"),
        course: get("course_on"),
        cert: get("cert_on"),
        application: get("application_on"),
        background: get("background_on"),
        introduction: get("introduction_on"),
        union_resolution: get("union_resolution_on"),
        comments: get("comments_on"),
        sent: get("verification_sent_on"),
        answered: get("verification_on"),
        cell_vote: get("cell_vote_on"),
        partial: get("partial_on"),
        grassroots_vote: get("grassroots_vote_on"),
        consent: get("consent_on"),
        decision: get("decision_on"),
        received: get("decision_received_on"),
        ceremony: get("ceremony_on"),
    };
    if bad || source.is_none() {
        return None;
    }
    // The dossier's items are in before the declaration is stamped and verification starts.
    let later = d.sent.or(d.cell_vote).or(d.decision);
    if later.is_some() {
        d.comments = d.comments.or(later);
        d.introduction = d.introduction.or(d.comments);
        d.background = d.background.or(d.introduction);
        d.application = d.application.or(d.background);
    }
    if d.cert.is_some() && d.course.is_none() {
        d.course = d.cert;
    }
    if d.decision.is_some() && d.received.is_none() {
        d.received = d.decision;
    }
    Some(d)
}

/// What a consent allows in the words [`consent_grounds`] reads back (the lists' column).
pub fn consent_text(g: &ConsentGrounds) -> String {
    match g {
        ConsentGrounds::OverAge {
            ground: OverAgeGround::NoLocalOrganisation,
            ..
        } => "Trên 60 tuổi, nơi chưa có tổ chức đảng".into(),
        ConsentGrounds::OverAge {
            ground: OverAgeGround::SpecialNeed(need),
            ..
        } => format!("Trên 60 tuổi, yêu cầu đặc biệt: {need}"),
        ConsentGrounds::Literate { standing } => match standing {
            LiterateStanding::VillageElder => "Già làng",
            LiterateStanding::HamletHead => "Trưởng thôn, trưởng bản",
            LiterateStanding::PrestigiousPerson => "Người có uy tín",
        }
        .into(),
        ConsentGrounds::Readmission => "Kết nạp lại".into(),
    }
}

/// The consent a row records (a number and what it allows), when it does and can be read.
fn consent_of(r: &Rec<'_>) -> Option<ConsentGrounds> {
    if r.get("consent_no").trim().is_empty() {
        return None;
    }
    consent_grounds(r.get("consent_grounds")).ok()
}

/// What a superior's written consent allows, as an office writes it: "Trên 60 tuổi, nơi chưa có
/// tổ chức đảng", "Trên 60 tuổi, yêu cầu đặc biệt: …" (age.max), "Già làng", "Trưởng thôn,
/// trưởng bản", "Người có uy tín" (edu.exception_literate). An over-60 consent is given only to a
/// person in good health and of good reputation (age.max): a list that records the consent
/// records that the superior found both.
fn consent_grounds(text: &str) -> std::result::Result<ConsentGrounds, String> {
    let f = fold_heading(text);
    if f.contains("60") || f.contains("tuoi") {
        let ground = if f.contains("chua co") || f.contains("khong co") {
            OverAgeGround::NoLocalOrganisation
        } else {
            match text.split_once(':').map(|(_, need)| need.trim()) {
                Some(need) if !need.is_empty() => OverAgeGround::SpecialNeed(need.to_string()),
                _ => {
                    return Err(
                        "Người trên 60 tuổi: ghi “Trên 60 tuổi, nơi chưa có tổ chức đảng” hoặc “Trên 60 tuổi, yêu cầu đặc biệt: …” với yêu cầu đặc biệt sau dấu hai chấm."
                            .to_string(),
                    );
                }
            }
        };
        return Ok(ConsentGrounds::OverAge {
            healthy: true,
            reputable: true,
            ground,
        });
    }
    if f.contains("ket nap lai") {
        return Ok(ConsentGrounds::Readmission);
    }
    let standing = if f.contains("gia lang") {
        Some(LiterateStanding::VillageElder)
    } else if f.contains("truong thon") || f.contains("truong ban") || f.contains("truong ap") {
        Some(LiterateStanding::HamletHead)
    } else if f.contains("uy tin") {
        Some(LiterateStanding::PrestigiousPerson)
    } else {
        None
    };
    standing.map(|standing| ConsentGrounds::Literate { standing }).ok_or_else(|| {
        format!(
            "Không nhận ra trường hợp “{}”: ghi “Trên 60 tuổi, nơi chưa có tổ chức đảng”, “Trên 60 tuổi, yêu cầu đặc biệt: …”, “Già làng”, “Trưởng thôn, trưởng bản”, “Người có uy tín” hoặc “Kết nạp lại”.",
            text.trim()
        )
    })
}

pub(crate) async fn write_candidates(
    tx: &mut Tx,
    w: &Writer<'_>,
    rows: &[Rec<'_>],
    p: &mut Problems,
) -> Result<Vec<(String, usize)>> {
    let mut look = Lookups::default();
    let mut by_stage: std::collections::BTreeMap<Stage, usize> = std::collections::BTreeMap::new();
    let mut ids: std::collections::HashMap<String, u32> = std::collections::HashMap::new();
    for (i, r) in rows.iter().enumerate() {
        w.done(i + 1);
        let id: String = r
            .get("id_number")
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        if !id.is_empty()
            && let Some(first) = ids.insert(id, r.line)
        {
            {
                p.at(
                    r.line,
                    "id_number",
                    format!("Số định danh cá nhân trùng với dòng {first}."),
                );
                continue;
            }
        }
        let Some(cell_id) = look
            .cell(tx, w, r.get("cell_code"), r.line, "cell_code", p)
            .await?
        else {
            continue;
        };
        let Some(person) = person_of(tx, w, &mut look, r, Some(cell_id), p).await? else {
            continue;
        };
        let Some(d) = dates(r, p) else {
            continue;
        };
        let stage_text = r.get("stage");
        let wanted = if stage_text.trim().is_empty() {
            None
        } else {
            match stage_of(stage_text) {
                Some(s) => Some(s),
                None => {
                    p.at(
                        r.line,
                        "stage",
                        format!("Không nhận ra giai đoạn “{}”.", stage_text.trim()),
                    );
                    continue;
                }
            }
        };
        let Some(steps) = commands(tx, w, r, &person, cell_id, &d, p).await? else {
            continue;
        };
        let Ok(married) = yes_no(r.get("married")).ok_or(()) else {
            p.at(r.line, "married", "Ghi “Có” hoặc “Không”.");
            continue;
        };
        let consent = consent_of(r);
        let extras = CandidateExtras {
            married,
            over_age_exception: matches!(consent, Some(ConsentGrounds::OverAge { .. })),
            literate: matches!(consent, Some(ConsentGrounds::Literate { .. })),
            ..CandidateExtras::default()
        };
        let proposed_by = match r.get("proposed_by").trim() {
            "" => None,
            name => {
                let list = units::mass_orgs_above(tx, cell_id).await?;
                let f = fold_heading(name);
                match list.into_iter().find(|(_, n)| fold_heading(n) == f) {
                    Some((pub_id, _)) => Some(pub_id),
                    None => {
                        p.at(
                            r.line,
                            "proposed_by",
                            format!(
                                "Không có tổ chức đoàn thể “{name}” ở cấp trên của chi bộ này."
                            ),
                        );
                        continue;
                    }
                }
            }
        };
        let Some(person_id) = insert_person(tx, w, r, &person, p).await? else {
            continue;
        };
        let open = Command {
            on: d.source,
            action: Action::Open {
                source_category: person.source_category.code().to_string(),
                proposed_by,
                readmission: None,
            },
        };
        let pub_id = match candidacies::open(
            tx, w.ctx, w.book, w.scope, person_id, cell_id, &extras, open,
        )
        .await
        {
            Ok((_, pub_id, _)) => pub_id,
            Err(e) if user_error(&e) => {
                p.store(r.line, Some("source_on"), &e);
                continue;
            }
            Err(e) => return Err(e),
        };
        // The row's history judged step by step and written together (the bulk path).
        let keys: Vec<&'static str> = steps.iter().map(|s| s.key).collect();
        let commands = steps.into_iter().map(|s| s.command).collect();
        let recorded =
            candidacies::execute_history(tx, w.ctx, w.book, w.scope, pub_id.as_str(), 1, commands)
                .await;
        let stage = match recorded {
            Ok(Ok(events)) => events.last().map_or(Stage::Source, |e| e.stage),
            Ok(Err((i, e))) if user_error(&e) => {
                p.store(r.line, keys.get(i).copied(), &e);
                continue;
            }
            Err(e) if user_error(&e) => {
                p.store(r.line, keys.last().copied(), &e);
                continue;
            }
            Ok(Err((_, e))) | Err(e) => return Err(e),
        };
        if let Some(want) = wanted
            && want != stage
        {
            {
                p.at(
                    r.line,
                    "stage",
                    format!(
                        "Giai đoạn ghi là “{}” nhưng các ngày đã ghi đưa hồ sơ đến giai đoạn “{}”: hãy ghi thêm ngày của các bước đã làm, hoặc sửa giai đoạn.",
                        want.label_vi(),
                        stage.label_vi()
                    ),
                );
                continue;
            }
        }
        *by_stage.entry(stage).or_default() += 1;
    }
    Ok(by_stage
        .into_iter()
        .map(|(s, n)| (s.label_vi().to_string(), n))
        .collect())
}

/// The commands of a row after the opening, in the order of the process.
async fn commands(
    tx: &mut Tx,
    w: &Writer<'_>,
    r: &Rec<'_>,
    person: &Person,
    cell_id: i64,
    d: &Dates,
    p: &mut Problems,
) -> Result<Option<Vec<Step>>> {
    let mut steps = Vec::new();
    let mut push = |key: &'static str, on: Date, action: Action| {
        steps.push(Step {
            key,
            command: Command { on, action },
        })
    };
    let mut ok = true;
    if let Some(on) = d.sympathizer {
        let mentor_text = r.get("mentor");
        if mentor_text.trim().is_empty() {
            p.at(
                r.line,
                "mentor",
                "Vào danh sách cảm tình Đảng cần ghi đảng viên giúp đỡ (số thẻ đảng viên).",
            );
            return Ok(None);
        }
        let Some(mentor) = member(tx, r, "mentor", mentor_text, p).await? else {
            return Ok(None);
        };
        push(
            "sympathizer_on",
            on,
            Action::ListAsSympathizer {
                resolution_no: r.get("sympathizer_no").trim().to_string(),
                mentor,
            },
        );
    }
    if let Some(on) = d.course {
        let name = r.get("course_name").trim();
        push(
            "course_on",
            on,
            Action::EnrolInCourse {
                course: if name.is_empty() {
                    "Lớp bồi dưỡng nhận thức về Đảng".to_string()
                } else {
                    name.to_string()
                },
            },
        );
    }
    if let Some(on) = d.cert {
        let issuer = r.get("cert_issuer").trim();
        let issuer = if issuer.is_empty() {
            "Trung tâm Chính trị"
        } else {
            issuer
        };
        let f = fold_heading(issuer);
        let issuer = if f.contains("trung tam") {
            CertIssuer::PoliticalCentre(issuer.to_string())
        } else if f.contains("dang uy")
            || f.contains("huyen uy")
            || f.contains("tinh uy")
            || f.contains("thanh uy")
        {
            CertIssuer::CompetentCommittee(issuer.to_string())
        } else {
            CertIssuer::Other(issuer.to_string())
        };
        push(
            "cert_on",
            on,
            Action::RecordCertificate {
                number: r.get("cert_no").trim().to_string(),
                issued_on: on,
                issuer,
            },
        );
    }
    if let Some(on) = d.application {
        push("application_on", on, Action::SubmitApplication);
    }
    if let Some(on) = d.background {
        push("background_on", on, Action::DeclareBackground);
    }
    if let Some(on) = d.introduction {
        let text = r.get("introducers");
        for part in text
            .split([';', ',', '\n'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            match member(tx, r, "introducers", part, p).await? {
                Some(introducer) => push(
                    "introducers",
                    on,
                    Action::AddIntroducer {
                        introducer,
                        letter_on: on,
                        // The list does not say since when the introducer has worked alongside the
                        // candidate; the letter certifies at least the twelve months the rule asks.
                        alongside_since: on.checked_sub(jiff::Span::new().months(12)).unwrap_or(on),
                        replaces: None,
                    },
                ),
                None => ok = false,
            }
        }
    }
    if let Some(on) = d.union_resolution {
        push(
            "union_resolution_on",
            on,
            Action::RecordUnionIntroduction {
                union: if person.youth_union_member {
                    UnionKind::YouthUnion
                } else {
                    UnionKind::TradeUnion
                },
                resolution_no: r.get("union_resolution_no").trim().to_string(),
                resolution_on: on,
            },
        );
    }
    if let Some(on) = d.comments {
        push("comments_on", on, Action::RecordComments { summary_on: on });
    }
    let married = yes_no(r.get("married")).unwrap_or(false);
    if let Some(on) = d.sent {
        push("verification_sent_on", on, Action::StampBackground);
        let mut subjects = vec![Relation::Candidate, Relation::Parents];
        if married {
            subjects.extend([Relation::Spouse, Relation::ParentsInLaw]);
        }
        if person.religion.is_believer() {
            subjects.push(Relation::ReligiousActivity);
        }
        if person.ethnicity.is_hoa() {
            subjects.push(Relation::HoaItems);
        }
        for (i, s) in subjects.iter().enumerate() {
            push(
                "verification_sent_on",
                on,
                Action::SendVerification {
                    request_no: i as u32 + 1,
                    subject: *s,
                    destination: "Theo hồ sơ giấy (nhập từ danh sách)".to_string(),
                },
            );
        }
        if let Some(ans) = d.answered {
            for i in 0..subjects.len() {
                push(
                    "verification_on",
                    ans,
                    Action::AnswerVerification {
                        request_no: i as u32 + 1,
                        outcome: VerificationOutcome::Clear,
                    },
                );
            }
            push("verification_on", ans, Action::CertifyBackground);
        }
    } else if d.answered.is_some() {
        p.at(
            r.line,
            "verification_sent_on",
            "Có ngày có kết quả thẩm tra thì cần ngày gửi thẩm tra.",
        );
        return Ok(None);
    }
    if let Some(on) = d.cell_vote {
        let (Ok(officials), Ok(present), Ok(in_favour)) = (
            count(r, "cell_officials", p),
            count(r, "cell_present", p),
            count(r, "cell_in_favour", p),
        ) else {
            return Ok(None);
        };
        let Some(in_favour) = in_favour else {
            p.at(
                r.line,
                "cell_in_favour",
                "Chi bộ đã xét thì cần ghi số đảng viên tán thành.",
            );
            return Ok(None);
        };
        let officials = match officials {
            Some(n) => n,
            None => {
                p.at(
                    r.line,
                    "cell_officials",
                    "Chi bộ đã xét thì cần ghi tổng số đảng viên chính thức.",
                );
                return Ok(None);
            }
        };
        push(
            "cell_vote_on",
            on,
            Action::CellVote {
                base_note: Some(r.get("cell_base_note").trim().to_string())
                    .filter(|s| !s.is_empty()),
                resolution_no: r.get("cell_resolution_no").trim().to_string(),
                tally: Tally {
                    official_members: officials,
                    exempt_absent: 0,
                    present: present.unwrap_or(officials),
                    ballots: None,
                    in_favour,
                },
            },
        );
    }
    if let Some(on) = d.partial {
        push(
            "partial_on",
            on,
            Action::PartialAppraisal {
                report_no: r.get("partial_no").trim().to_string(),
                approved: true,
            },
        );
    }
    if let Some(on) = d.grassroots_vote {
        let (Ok(members_n), Ok(in_favour)) = (
            count(r, "committee_members", p),
            count(r, "committee_in_favour", p),
        ) else {
            return Ok(None);
        };
        let (Some(members_n), Some(in_favour)) = (members_n, in_favour) else {
            p.at(
                r.line,
                "committee_in_favour",
                "Đảng ủy đã xét thì cần ghi số đảng ủy viên và số tán thành.",
            );
            return Ok(None);
        };
        push(
            "grassroots_vote_on",
            on,
            Action::GrassrootsVote {
                resolution_no: r.get("grassroots_resolution_no").trim().to_string(),
                tally: CommitteeTally {
                    members: members_n,
                    in_favour,
                },
            },
        );
    }
    let consent_no = r.get("consent_no").trim();
    match (d.consent, consent_no.is_empty()) {
        (None, true) => {}
        (Some(on), false) => match consent_grounds(r.get("consent_grounds")) {
            Ok(grounds) => push(
                "consent_on",
                on,
                Action::RecordSuperiorConsent {
                    document_no: consent_no.to_string(),
                    grounds,
                },
            ),
            Err(message) => {
                p.at(r.line, "consent_grounds", message);
                return Ok(None);
            }
        },
        (None, false) => {
            p.at(
                r.line,
                "consent_on",
                "Có số văn bản đồng ý thì cần ngày của văn bản.",
            );
            return Ok(None);
        }
        (Some(_), true) => {
            p.at(
                r.line,
                "consent_no",
                "Có ngày văn bản đồng ý thì cần số của văn bản.",
            );
            return Ok(None);
        }
    }
    if let Some(on) = d.decision {
        // An over-60 admission is decided by the committee whose standing committee consented
        // (age.over_max_authority), not by the cell's usual authority.
        let authority = match consent_of(r) {
            Some(ConsentGrounds::OverAge { .. }) => Authority::CentralLevelCommittee,
            _ => candidacies::cell_authority(tx, cell_id).await?,
        };
        push(
            "decision_on",
            on,
            Action::AdmissionDecision {
                decision_no: r.get("decision_no").trim().to_string(),
                approved: true,
                authority,
                received_on: d.received.unwrap_or(on),
                superior_consent_on: None,
            },
        );
    }
    if let Some(on) = d.ceremony {
        push(
            "ceremony_on",
            on,
            Action::HoldCeremony {
                late_approval: None,
            },
        );
    }
    let _ = w;
    // The rules take a candidacy's steps in date order; for steps of one day, the process order.
    steps.sort_by_key(|s| s.command.on);
    Ok(ok.then_some(steps))
}

pub(crate) async fn write_mentors(
    tx: &mut Tx,
    w: &Writer<'_>,
    rows: &[Rec<'_>],
    p: &mut Problems,
) -> Result<Vec<(String, usize)>> {
    let mut look = Lookups::default();
    let mut written = 0usize;
    for (i, r) in rows.iter().enumerate() {
        w.done(i + 1);
        let Some(cell_id) = look
            .cell(tx, w, r.get("cell_code"), r.line, "cell_code", p)
            .await?
        else {
            continue;
        };
        let (Ok(birth), Ok(on)) = (
            date_cell(r, "birth_date", p),
            date_cell(r, "assigned_on", p),
        ) else {
            continue;
        };
        let (Some(birth), Some(on)) = (birth, on) else {
            continue;
        };
        let id = r.get("candidate_id_number").trim();
        let found = candidacies::find_under_way(
            tx,
            w.scope,
            cell_id,
            (!id.is_empty()).then_some(id),
            r.get("full_name"),
            birth,
        )
        .await?;
        let Some((pub_id, version)) = found else {
            p.at(
                r.line,
                "full_name",
                "Không tìm thấy quần chúng này đang trong quy trình kết nạp ở chi bộ đã ghi.",
            );
            continue;
        };
        let Some(mentor) = member(tx, r, "mentor", r.get("mentor"), p).await? else {
            continue;
        };
        let command = Command {
            on,
            action: Action::AssignMentor { mentor },
        };
        match candidacies::execute(tx, w.ctx, w.book, w.scope, &pub_id, version, command).await {
            Ok(_) => written += 1,
            Err(e) if user_error(&e) => p.store(r.line, Some("mentor"), &e),
            Err(e) => return Err(e),
        }
    }
    Ok(vec![("Phân công giúp đỡ".to_string(), written)])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The consent column reads back what the lists write, for every kind of grounds.
    #[test]
    fn consent_grounds_read_back_what_the_lists_write() {
        for g in [
            ConsentGrounds::OverAge {
                healthy: true,
                reputable: true,
                ground: OverAgeGround::NoLocalOrganisation,
            },
            ConsentGrounds::OverAge {
                healthy: true,
                reputable: true,
                ground: OverAgeGround::SpecialNeed("Nghệ nhân ưu tú của làng nghề".into()),
            },
            ConsentGrounds::Literate {
                standing: LiterateStanding::VillageElder,
            },
            ConsentGrounds::Literate {
                standing: LiterateStanding::HamletHead,
            },
            ConsentGrounds::Literate {
                standing: LiterateStanding::PrestigiousPerson,
            },
            ConsentGrounds::Readmission,
        ] {
            assert_eq!(consent_grounds(&consent_text(&g)), Ok(g));
        }
        assert!(consent_grounds("Trên 60 tuổi").is_err(), "no ground given");
        assert!(consent_grounds("Thủ quỹ").is_err());
    }
}

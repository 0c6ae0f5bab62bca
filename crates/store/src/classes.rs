//! Course classes (lớp bồi dưỡng nhận thức về Đảng; lớp bồi dưỡng lý luận chính trị cho đảng
//! viên mới): the step organisations name as one of the two that stall admissions.
//!
//! A class is opened by the committee that runs it (or its political centre) with its number,
//! dates, place, capacity and lecturers. Cells and committees propose attendees from their
//! sympathizers (or probationary members, for the new-member course); the committee above
//! approves the proposals; the centre enrols the approved, records attendance and results, and
//! issues the certificates of the whole class in one batch. Each step that the admission
//! lifecycle knows is recorded through it ([`crate::candidacies::execute`]), in the same
//! transaction: enrolment (`EnrolInCourse`), a failed or missed course (`FailCourse`, back to
//! the sympathizer list) and the certificate (`RecordCertificate`, or `CompleteNewMemberCourse`),
//! so the cell vote's certificate guard (cert.validity) and the recognition's course guard
//! (probation.course) read what the class recorded.

use jiff::civil::Date;
use ketnap_domain::RuleBook;
use ketnap_domain::lifecycle::{Action, CertIssuer, Command, Stage};
use serde::Serialize;
use serde_json::json;

use crate::audit::{self, AuditEntry};
use crate::counters::stage_code;
use crate::scope::Role;
use crate::{Conn, PubId, Result, Scope, StoreError, Tx, WriteCtx, d, ts};

/// The two courses a class can teach.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClassKind {
    /// Lớp bồi dưỡng nhận thức về Đảng, for sympathizers (certificate CN-NTVĐ).
    Awareness,
    /// Lớp bồi dưỡng lý luận chính trị cho đảng viên mới, for probationary members.
    NewMember,
}

impl ClassKind {
    /// Both kinds.
    pub const ALL: [ClassKind; 2] = [ClassKind::Awareness, ClassKind::NewMember];

    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            ClassKind::Awareness => "awareness",
            ClassKind::NewMember => "new_member",
        }
    }

    /// From the stored code.
    pub fn from_code(s: &str) -> Option<ClassKind> {
        ClassKind::ALL.into_iter().find(|k| k.code() == s)
    }

    /// The course's name.
    pub fn label_vi(self) -> &'static str {
        match self {
            ClassKind::Awareness => "Lớp bồi dưỡng nhận thức về Đảng",
            ClassKind::NewMember => "Lớp bồi dưỡng lý luận chính trị cho đảng viên mới",
        }
    }

    /// The stage a candidacy must be at to be proposed and enrolled.
    pub fn stage(self) -> Stage {
        match self {
            ClassKind::Awareness => Stage::Sympathizer,
            ClassKind::NewMember => Stage::Probationary,
        }
    }
}

/// An attendee's result.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Completed the course: a certificate is issued with the class's batch.
    Passed,
    /// Attended, did not complete.
    Failed,
    /// Did not attend.
    Absent,
}

impl Outcome {
    /// Every outcome.
    pub const ALL: [Outcome; 3] = [Outcome::Passed, Outcome::Failed, Outcome::Absent];

    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            Outcome::Passed => "passed",
            Outcome::Failed => "failed",
            Outcome::Absent => "absent",
        }
    }

    /// From the stored code.
    pub fn from_code(s: &str) -> Option<Outcome> {
        Outcome::ALL.into_iter().find(|o| o.code() == s)
    }

    /// In words.
    pub fn label_vi(self) -> &'static str {
        match self {
            Outcome::Passed => "Hoàn thành",
            Outcome::Failed => "Không hoàn thành",
            Outcome::Absent => "Vắng",
        }
    }
}

/// Roles that open classes, enrol, record results and issue certificates.
pub fn role_runs_classes(role: Role) -> bool {
    matches!(role, Role::Admin | Role::OrgStaff | Role::PoliticalCentre)
}

/// Roles that propose attendees from their cells.
pub fn role_proposes(role: Role) -> bool {
    matches!(
        role,
        Role::Admin | Role::OrgStaff | Role::CommitteeMemberInCharge | Role::CellSecretary
    )
}

/// Roles that approve proposals (the committee above the cells).
pub fn role_approves(role: Role) -> bool {
    matches!(role, Role::Admin | Role::OrgStaff)
}

/// A class to open.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewClass {
    /// Which course.
    pub kind: ClassKind,
    /// Its number ("Lớp số 03/2026").
    pub number: String,
    /// First day.
    pub starts_on: Date,
    /// Last day.
    pub ends_on: Date,
    /// Where.
    pub place: String,
    /// Seats.
    pub capacity: u32,
    /// Lecturers, as the programme names them.
    pub lecturers: String,
    /// Who signs the certificates (the political centre, or the competent committee where
    /// there is none).
    pub issuer: String,
}

fn invalid(en: &'static str, vi: &'static str) -> StoreError {
    StoreError::invalid(en, vi)
}

async fn org_in_scope(tx: &mut Tx, scope: &Scope, org_id: i64) -> Result<()> {
    let (all, user, role) = scope.binds();
    let sql = format!(
        "SELECT o.org_id FROM org o WHERE o.org_id = $1 AND {}",
        scope.org_filter("o.org_id", 2)
    );
    fetch_optional!(tx.ex(), (i64,), &sql, org_id, all, user, role)?
        .map(|_| ())
        .ok_or(StoreError::NotFound("org"))
}

/// Open a class run by `org_id` (in the scope). Returns its public id.
pub async fn open(
    tx: &mut Tx,
    ctx: &WriteCtx,
    scope: &Scope,
    org_id: i64,
    c: &NewClass,
) -> Result<PubId> {
    if !role_runs_classes(scope.role) {
        return Err(StoreError::Forbidden("class open"));
    }
    org_in_scope(tx, scope, org_id).await?;
    let text_ok = |s: &str, max: usize| !s.trim().is_empty() && s.chars().count() <= max;
    if !text_ok(&c.number, 60) {
        return Err(invalid(
            "class number",
            "Hãy ghi số hiệu lớp (không quá 60 ký tự), ví dụ “Lớp số 03/2026”.",
        ));
    }
    if !text_ok(&c.place, 200) {
        return Err(invalid(
            "class place",
            "Hãy ghi địa điểm mở lớp (không quá 200 ký tự).",
        ));
    }
    if !text_ok(&c.issuer, 200) {
        return Err(invalid(
            "class issuer",
            "Hãy ghi nơi cấp giấy chứng nhận: trung tâm chính trị, hoặc cấp ủy có thẩm quyền kết nạp nơi không có trung tâm.",
        ));
    }
    if c.lecturers.chars().count() > 500 {
        return Err(invalid(
            "class lecturers",
            "Danh sách giảng viên không quá 500 ký tự.",
        ));
    }
    if c.ends_on < c.starts_on {
        return Err(invalid(
            "class dates",
            "Ngày kết thúc lớp phải từ ngày khai giảng trở đi.",
        ));
    }
    if c.capacity == 0 || c.capacity > 1_000 {
        return Err(invalid(
            "class capacity",
            "Số học viên tối đa phải từ 1 đến 1.000.",
        ));
    }
    let pub_id = PubId::generate();
    exec!(
        tx.ex(),
        "INSERT INTO course_class (pub_id, org_id, kind, number, starts_on, ends_on, place, capacity, \
         lecturers, issuer, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        pub_id.as_str(),
        org_id,
        c.kind.code(),
        c.number.trim(),
        d(c.starts_on),
        d(c.ends_on),
        c.place.trim(),
        i64::from(c.capacity),
        c.lecturers.trim(),
        c.issuer.trim(),
        ts(ctx.now)
    )?;
    audit::append(
        tx,
        ctx,
        &AuditEntry {
            action: "class.open",
            object_kind: "course_class",
            object_id: pub_id.as_str(),
            org_id: Some(org_id),
            detail: json!({ "kind": c.kind.code(), "starts_on": c.starts_on.to_string() }),
        },
    )
    .await?;
    Ok(pub_id)
}

/// A candidacy as the class steps read it, inside the scope.
struct Handle {
    candidacy_id: i64,
    pub_id: String,
    cell_id: i64,
    version: i64,
    stage: String,
}

async fn handle(tx: &mut Tx, scope: &Scope, pub_id: &str) -> Result<Handle> {
    let (all, user, role, mentor) = crate::candidacies::visible_binds(scope);
    let sql = format!(
        "SELECT c.candidacy_id, c.pub_id, c.cell_id, c.version, c.stage FROM candidacy c \
         WHERE c.pub_id = $1 AND {}",
        crate::candidacies::visible(scope, 2)
    );
    let row: Option<(i64, String, i64, i64, String)> = fetch_optional!(
        tx.ex(),
        (i64, String, i64, i64, String),
        &sql,
        pub_id,
        all,
        user,
        role,
        mentor
    )?;
    let (candidacy_id, pub_id, cell_id, version, stage) =
        row.ok_or(StoreError::NotFound("candidacy"))?;
    Ok(Handle {
        candidacy_id,
        pub_id,
        cell_id,
        version,
        stage,
    })
}

/// Propose candidacies (sympathizers for the awareness course, probationary members for the
/// new-member course) for a course, on `on`. A candidacy already proposed and not yet through a
/// class is refused by name.
pub async fn propose(
    tx: &mut Tx,
    ctx: &WriteCtx,
    scope: &Scope,
    candidacies: &[String],
    on: Date,
) -> Result<usize> {
    if !role_proposes(scope.role) {
        return Err(StoreError::Forbidden("class proposal"));
    }
    if on > ctx.today() {
        return Err(invalid(
            "proposal in the future",
            "Ngày đề nghị ở sau ngày hôm nay.",
        ));
    }
    for pub_id in candidacies {
        let h = handle(tx, scope, pub_id).await?;
        let ok = [Stage::Sympathizer, Stage::Probationary]
            .iter()
            .any(|s| stage_code(*s) == h.stage);
        if !ok {
            return Err(invalid(
                "proposal at a wrong stage",
                "Chỉ đề nghị đi học quần chúng đã vào danh sách cảm tình Đảng (lớp nhận thức về Đảng) hoặc đảng viên dự bị (lớp đảng viên mới).",
            ));
        }
        let open: Option<(Option<i64>,)> = fetch_optional!(
            tx.ex(),
            (Option<i64>,),
            "SELECT class_id FROM course_proposal WHERE candidacy_id = $1",
            h.candidacy_id
        )?;
        if let Some((class,)) = open {
            if class.is_none() {
                return Err(invalid(
                    "already proposed",
                    "Người này đã có trong danh sách đề nghị đi học, đang chờ lớp.",
                ));
            }
            exec!(
                tx.ex(),
                "DELETE FROM course_proposal WHERE candidacy_id = $1",
                h.candidacy_id
            )?;
        }
        exec!(
            tx.ex(),
            "INSERT INTO course_proposal (candidacy_id, org_id, proposed_on, recorded_at) \
             VALUES ($1, $2, $3, $4)",
            h.candidacy_id,
            h.cell_id,
            d(on),
            ts(ctx.now)
        )?;
        audit::append(
            tx,
            ctx,
            &AuditEntry {
                action: "class.propose",
                object_kind: "candidacy",
                object_id: &h.pub_id,
                org_id: Some(h.cell_id),
                detail: json!({ "on": on.to_string() }),
            },
        )
        .await?;
    }
    Ok(candidacies.len())
}

/// Approve the proposals of `candidacies` on `on` (the committee above the proposing cells).
pub async fn approve(
    tx: &mut Tx,
    ctx: &WriteCtx,
    scope: &Scope,
    candidacies: &[String],
    on: Date,
) -> Result<usize> {
    if !role_approves(scope.role) {
        return Err(StoreError::Forbidden("class approval"));
    }
    for pub_id in candidacies {
        let h = handle(tx, scope, pub_id).await?;
        let row: Option<(jiff_sqlx::Date,)> = fetch_optional!(
            tx.ex(),
            (jiff_sqlx::Date,),
            "SELECT proposed_on FROM course_proposal WHERE candidacy_id = $1 AND class_id IS NULL",
            h.candidacy_id
        )?;
        let Some((proposed,)) = row else {
            return Err(invalid(
                "approval without a proposal",
                "Người này chưa có trong danh sách đề nghị đi học.",
            ));
        };
        if on < proposed.to_jiff() || on > ctx.today() {
            return Err(invalid(
                "approval date",
                "Ngày duyệt phải từ ngày đề nghị đến hôm nay.",
            ));
        }
        exec!(
            tx.ex(),
            "UPDATE course_proposal SET approved_on = $1 WHERE candidacy_id = $2",
            d(on),
            h.candidacy_id
        )?;
        audit::append(
            tx,
            ctx,
            &AuditEntry {
                action: "class.approve",
                object_kind: "candidacy",
                object_id: &h.pub_id,
                org_id: Some(h.cell_id),
                detail: json!({ "on": on.to_string() }),
            },
        )
        .await?;
    }
    Ok(candidacies.len())
}

/// A class as the writers read it.
#[derive(sqlx::FromRow)]
struct ClassRow {
    class_id: i64,
    org_id: i64,
    kind: String,
    number: String,
    ends_on: jiff_sqlx::Date,
    capacity: i64,
    issuer: String,
}

async fn class_for_write(
    tx: &mut Tx,
    scope: &Scope,
    pub_id: &str,
) -> Result<(ClassRow, ClassKind)> {
    if !role_runs_classes(scope.role) {
        return Err(StoreError::Forbidden("class write"));
    }
    let (all, user, role) = scope.binds();
    let sql = format!(
        "SELECT k.class_id, k.org_id, k.kind, k.number, k.ends_on, k.capacity, k.issuer \
         FROM course_class k WHERE k.pub_id = $1 AND {}",
        scope.org_filter("k.org_id", 2)
    );
    let row = fetch_optional!(tx.ex(), ClassRow, &sql, pub_id, all, user, role)?
        .ok_or(StoreError::NotFound("course class"))?;
    let kind = ClassKind::from_code(&row.kind)
        .ok_or_else(|| StoreError::Corrupt(format!("class kind {}", row.kind)))?;
    Ok((row, kind))
}

/// Whether `cell_id` lies in the subtree of `org_id`.
async fn under(tx: &mut Tx, org_id: i64, cell_id: i64) -> Result<bool> {
    Ok(fetch_optional!(
        tx.ex(),
        (i64,),
        "SELECT descendant_id FROM org_closure WHERE ancestor_id = $1 AND descendant_id = $2",
        org_id,
        cell_id
    )?
    .is_some())
}

/// Enrol the approved proposals of `candidacies` in the class, on `on` (no later than the
/// class's last day). The awareness course's enrolment is the lifecycle's `EnrolInCourse`.
pub async fn enrol(
    tx: &mut Tx,
    ctx: &WriteCtx,
    book: &RuleBook,
    scope: &Scope,
    class_pub_id: &str,
    candidacies: &[String],
    on: Date,
) -> Result<usize> {
    let (class, kind) = class_for_write(tx, scope, class_pub_id).await?;
    if on > class.ends_on.to_jiff() {
        return Err(invalid(
            "enrolment after the class",
            "Ngày ghi danh phải trước khi lớp kết thúc.",
        ));
    }
    let (seated,): (i64,) = fetch_one!(
        tx.ex(),
        (i64,),
        "SELECT CAST(COUNT(*) AS BIGINT) FROM course_attendee WHERE class_id = $1",
        class.class_id
    )?;
    if seated + candidacies.len() as i64 > class.capacity {
        return Err(StoreError::invalid(
            "class full",
            format!(
                "Lớp chỉ nhận {} học viên: đã có {seated}, không thể ghi thêm {}.",
                class.capacity,
                candidacies.len()
            ),
        ));
    }
    for pub_id in candidacies {
        let h = handle(tx, scope, pub_id).await?;
        if !under(tx, class.org_id, h.cell_id).await? {
            return Err(invalid(
                "attendee outside the class's organisation",
                "Người này không thuộc tổ chức mở lớp.",
            ));
        }
        if h.stage != stage_code(kind.stage()) {
            return Err(invalid(
                "attendee at a wrong stage",
                match kind {
                    ClassKind::Awareness => {
                        "Lớp nhận thức về Đảng chỉ nhận quần chúng đang trong danh sách cảm tình Đảng."
                    }
                    ClassKind::NewMember => "Lớp đảng viên mới chỉ nhận đảng viên dự bị.",
                },
            ));
        }
        let approved: Option<(Option<jiff_sqlx::Date>,)> = fetch_optional!(
            tx.ex(),
            (Option<jiff_sqlx::Date>,),
            "SELECT approved_on FROM course_proposal WHERE candidacy_id = $1 AND class_id IS NULL",
            h.candidacy_id
        )?;
        if !matches!(approved, Some((Some(_),))) {
            return Err(invalid(
                "enrolment without an approved proposal",
                "Người này chưa được cấp ủy cấp trên duyệt đề nghị đi học.",
            ));
        }
        if kind == ClassKind::Awareness {
            crate::candidacies::execute(
                tx,
                ctx,
                book,
                scope,
                &h.pub_id,
                h.version,
                Command {
                    on,
                    action: Action::EnrolInCourse {
                        course: class.number.clone(),
                    },
                },
            )
            .await?;
        }
        exec!(
            tx.ex(),
            "INSERT INTO course_attendee (class_id, candidacy_id, cell_id, enrolled_on) \
             VALUES ($1, $2, $3, $4)",
            class.class_id,
            h.candidacy_id,
            h.cell_id,
            d(on)
        )?;
        exec!(
            tx.ex(),
            "UPDATE course_proposal SET class_id = $1 WHERE candidacy_id = $2",
            class.class_id,
            h.candidacy_id
        )?;
    }
    audit::append(
        tx,
        ctx,
        &AuditEntry {
            action: "class.enrol",
            object_kind: "course_class",
            object_id: class_pub_id,
            org_id: Some(class.org_id),
            detail: json!({ "attendees": candidacies, "on": on.to_string() }),
        },
    )
    .await?;
    Ok(candidacies.len())
}

/// Record the results of the class's attendees (after its last day). Failing or missing the
/// awareness course puts the sympathizer back on the list (`FailCourse`), to be proposed again.
pub async fn record_results(
    tx: &mut Tx,
    ctx: &WriteCtx,
    book: &RuleBook,
    scope: &Scope,
    class_pub_id: &str,
    results: &[(String, Outcome)],
) -> Result<usize> {
    let (class, kind) = class_for_write(tx, scope, class_pub_id).await?;
    let ended = class.ends_on.to_jiff();
    if ended > ctx.today() {
        return Err(invalid(
            "results before the class ended",
            "Chỉ ghi kết quả khi lớp đã kết thúc.",
        ));
    }
    for (pub_id, outcome) in results {
        let h = handle(tx, scope, pub_id).await?;
        let row: Option<(Option<String>,)> = fetch_optional!(
            tx.ex(),
            (Option<String>,),
            "SELECT result FROM course_attendee WHERE class_id = $1 AND candidacy_id = $2",
            class.class_id,
            h.candidacy_id
        )?;
        match row {
            None => {
                return Err(invalid(
                    "result for a non-attendee",
                    "Người này không có trong danh sách học viên của lớp.",
                ));
            }
            Some((Some(_),)) => {
                return Err(invalid(
                    "result already recorded",
                    "Kết quả của học viên này đã ghi.",
                ));
            }
            Some((None,)) => {}
        }
        if kind == ClassKind::Awareness && *outcome != Outcome::Passed {
            crate::candidacies::execute(
                tx,
                ctx,
                book,
                scope,
                &h.pub_id,
                h.version,
                Command {
                    on: ended,
                    action: Action::FailCourse,
                },
            )
            .await?;
        }
        exec!(
            tx.ex(),
            "UPDATE course_attendee SET result = $1 WHERE class_id = $2 AND candidacy_id = $3",
            outcome.code(),
            class.class_id,
            h.candidacy_id
        )?;
    }
    audit::append(
        tx,
        ctx,
        &AuditEntry {
            action: "class.results",
            object_kind: "course_class",
            object_id: class_pub_id,
            org_id: Some(class.org_id),
            detail: json!({ "results": results.iter().map(|(p, o)| json!([p, o.code()])).collect::<Vec<_>>() }),
        },
    )
    .await?;
    Ok(results.len())
}

/// Issue the certificates of every attendee who completed the class and has none yet, in one
/// batch dated `issued_on` (from the class's last day to today): numbered `first`, `first + 1`…
/// in the roster's order (name), each followed by `suffix` ("125/GCN-TTCT"). Each is the
/// lifecycle's certificate step, so the cell vote's guard reads it. Returns how many.
#[allow(clippy::too_many_arguments)]
pub async fn issue_certificates(
    tx: &mut Tx,
    ctx: &WriteCtx,
    book: &RuleBook,
    scope: &Scope,
    class_pub_id: &str,
    first: u32,
    suffix: &str,
    issued_on: Date,
) -> Result<usize> {
    let (class, kind) = class_for_write(tx, scope, class_pub_id).await?;
    if issued_on < class.ends_on.to_jiff() || issued_on > ctx.today() {
        return Err(invalid(
            "certificate date",
            "Ngày cấp giấy chứng nhận phải từ ngày kết thúc lớp đến hôm nay.",
        ));
    }
    if first == 0 || suffix.chars().count() > 40 {
        return Err(invalid(
            "certificate numbers",
            "Số giấy chứng nhận đầu tiên phải lớn hơn 0; ký hiệu không quá 40 ký tự.",
        ));
    }
    let rows: Vec<(String, String)> = fetch_all!(
        tx.ex(),
        (String, String),
        "SELECT c.pub_id, p.full_name FROM course_attendee a \
         JOIN candidacy c ON c.candidacy_id = a.candidacy_id \
         JOIN person p ON p.person_id = c.person_id \
         WHERE a.class_id = $1 AND a.result = 'passed' AND a.cert_no IS NULL",
        class.class_id
    )?;
    if rows.is_empty() {
        return Err(invalid(
            "no certificate to issue",
            "Không còn học viên hoàn thành lớp nào chưa được cấp giấy chứng nhận.",
        ));
    }
    let collator = ketnap_domain::text::NameCollator::new();
    let mut rows = rows;
    rows.sort_by(|a, b| collator.compare(&a.1, &b.1));
    let suffix = suffix.trim();
    for (i, (pub_id, _)) in rows.iter().enumerate() {
        let n = u64::from(first) + i as u64;
        let number = if suffix.is_empty() {
            n.to_string()
        } else {
            format!("{n}/{suffix}")
        };
        let h = handle(tx, scope, pub_id).await?;
        let action = match kind {
            ClassKind::Awareness => Action::RecordCertificate {
                number: number.clone(),
                issued_on,
                issuer: CertIssuer::PoliticalCentre(class.issuer.clone()),
            },
            ClassKind::NewMember => Action::CompleteNewMemberCourse {
                certificate_no: number.clone(),
            },
        };
        crate::candidacies::execute(
            tx,
            ctx,
            book,
            scope,
            &h.pub_id,
            h.version,
            Command {
                on: issued_on,
                action,
            },
        )
        .await?;
        exec!(
            tx.ex(),
            "UPDATE course_attendee SET cert_no = $1, cert_on = $2 WHERE class_id = $3 AND candidacy_id = $4",
            number.as_str(),
            d(issued_on),
            class.class_id,
            h.candidacy_id
        )?;
    }
    exec!(
        tx.ex(),
        "UPDATE course_class SET certified_on = $1 WHERE class_id = $2",
        d(issued_on),
        class.class_id
    )?;
    audit::append(
        tx,
        ctx,
        &AuditEntry {
            action: "class.certificates",
            object_kind: "course_class",
            object_id: class_pub_id,
            org_id: Some(class.org_id),
            detail: json!({ "count": rows.len(), "first": first, "on": issued_on.to_string() }),
        },
    )
    .await?;
    Ok(rows.len())
}

// ---------------------------------------------------------------------------------------------
// Reads
// ---------------------------------------------------------------------------------------------

/// A class of a list, with its counts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct ClassLine {
    /// Public id.
    pub pub_id: String,
    /// Course code ([`ClassKind::code`]).
    pub kind: String,
    /// Number.
    pub number: String,
    /// First day.
    #[serde(skip)]
    pub starts_on: jiff_sqlx::Date,
    /// Last day.
    #[serde(skip)]
    pub ends_on: jiff_sqlx::Date,
    /// Place.
    pub place: String,
    /// Seats.
    pub capacity: i64,
    /// Lecturers.
    pub lecturers: String,
    /// Certificate issuer.
    pub issuer: String,
    /// Organisation running it.
    pub org_name: String,
    /// Enrolled.
    pub enrolled: i64,
    /// Completed.
    pub passed: i64,
    /// Did not complete or did not attend.
    pub not_passed: i64,
    /// Certificates issued.
    pub certified: i64,
}

impl ClassLine {
    /// The course.
    pub fn class_kind(&self) -> Option<ClassKind> {
        ClassKind::from_code(&self.kind)
    }

    /// Pass rate among those with a result ("85,71 %"; none before results).
    pub fn pass_rate_vi(&self) -> Option<String> {
        let judged = u32::try_from(self.passed + self.not_passed).ok()?;
        let passed = u32::try_from(self.passed).ok()?;
        ketnap_domain::numfmt::percent_vi(passed, judged, 2)
    }
}

const CLASS_COLS: &str = "k.pub_id, k.kind, k.number, k.starts_on, k.ends_on, k.place, k.capacity, \
     k.lecturers, k.issuer, o.name AS org_name, \
     CAST((SELECT COUNT(*) FROM course_attendee a WHERE a.class_id = k.class_id) AS BIGINT) AS enrolled, \
     CAST((SELECT COUNT(*) FROM course_attendee a WHERE a.class_id = k.class_id AND a.result = 'passed') AS BIGINT) AS passed, \
     CAST((SELECT COUNT(*) FROM course_attendee a WHERE a.class_id = k.class_id AND a.result IN ('failed', 'absent')) AS BIGINT) AS not_passed, \
     CAST((SELECT COUNT(*) FROM course_attendee a WHERE a.class_id = k.class_id AND a.cert_no IS NOT NULL) AS BIGINT) AS certified";

/// The classes run by organisations of the subtree of `org_id` (in the scope) that start in
/// `from ..= through`, newest first.
pub async fn classes(
    conn: &mut Conn,
    scope: &Scope,
    org_id: i64,
    from: Date,
    through: Date,
) -> Result<Vec<ClassLine>> {
    crate::reports::org_head(conn, scope, org_id).await?;
    let sql = format!(
        "SELECT {CLASS_COLS} FROM org_closure oc JOIN course_class k ON k.org_id = oc.descendant_id \
         JOIN org o ON o.org_id = k.org_id \
         WHERE oc.ancestor_id = $1 AND k.starts_on >= $2 AND k.starts_on <= $3 \
         ORDER BY k.starts_on DESC, k.class_id DESC"
    );
    Ok(fetch_all!(
        conn.ex(),
        ClassLine,
        &sql,
        org_id,
        d(from),
        d(through)
    )?)
}

/// One attendee of a class.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Attendee {
    /// The candidacy's public id.
    pub candidacy_pub_id: String,
    /// Name.
    pub full_name: String,
    /// Birth date.
    #[serde(skip)]
    pub birth_date: jiff_sqlx::Date,
    /// The cell.
    pub cell_name: String,
    /// Enrolled on.
    #[serde(skip)]
    pub enrolled_on: jiff_sqlx::Date,
    /// Result code ([`Outcome::code`]).
    pub result: Option<String>,
    /// Certificate number.
    pub cert_no: Option<String>,
    /// Certificate date.
    #[serde(skip)]
    pub cert_on: Option<jiff_sqlx::Date>,
}

/// A class with its roster (name order).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ClassSheet {
    /// The class.
    pub class: ClassLine,
    /// Who attends.
    pub attendees: Vec<Attendee>,
}

/// The class `pub_id` with its roster, when its organisation is in the scope.
pub async fn class(conn: &mut Conn, scope: &Scope, pub_id: &str) -> Result<ClassSheet> {
    let (all, user, role) = scope.binds();
    let sql = format!(
        "SELECT {CLASS_COLS} FROM course_class k JOIN org o ON o.org_id = k.org_id \
         WHERE k.pub_id = $1 AND {}",
        scope.org_filter("k.org_id", 2)
    );
    let class = fetch_optional!(conn.ex(), ClassLine, &sql, pub_id, all, user, role)?
        .ok_or(StoreError::NotFound("course class"))?;
    let mut attendees: Vec<Attendee> = fetch_all!(
        conn.ex(),
        Attendee,
        "SELECT c.pub_id AS candidacy_pub_id, p.full_name, p.birth_date, o.name AS cell_name, \
         a.enrolled_on, a.result, a.cert_no, a.cert_on \
         FROM course_class k JOIN course_attendee a ON a.class_id = k.class_id \
         JOIN candidacy c ON c.candidacy_id = a.candidacy_id \
         JOIN person p ON p.person_id = c.person_id JOIN org o ON o.org_id = a.cell_id \
         WHERE k.pub_id = $1",
        pub_id
    )?;
    let collator = ketnap_domain::text::NameCollator::new();
    attendees.sort_by(|a, b| collator.compare(&a.full_name, &b.full_name));
    Ok(ClassSheet { class, attendees })
}

/// Someone waiting for a course: proposed or not yet, with how long they have waited.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Waiting {
    /// The candidacy's public id.
    pub candidacy_pub_id: String,
    /// Name.
    pub full_name: String,
    /// The cell.
    pub cell_name: String,
    /// The organisation above the cell (cells of the same name told apart).
    pub cell_parent: Option<String>,
    /// Birth date (for the proposal list).
    #[serde(skip)]
    pub birth_date: jiff_sqlx::Date,
    /// Stage code (sympathizer or probationary).
    pub stage: String,
    /// Waiting since: the last step that put them where they are (listing, a failed course, the
    /// ceremony).
    #[serde(skip)]
    pub since: jiff_sqlx::Date,
    /// Proposed on.
    #[serde(skip)]
    pub proposed_on: Option<jiff_sqlx::Date>,
    /// Proposal approved on.
    #[serde(skip)]
    pub approved_on: Option<jiff_sqlx::Date>,
}

impl Waiting {
    /// Days waited by `today`.
    pub fn days(&self, today: Date) -> i64 {
        i64::from((today - self.since.to_jiff()).get_days())
    }
}

/// Who in the subtree of `org_id` waits for the course `kind`: at its stage and not enrolled
/// in a class (a failed course counts as waiting again), longest wait first. The new-member
/// course: probationary members who have not completed it.
pub async fn waiting(
    conn: &mut Conn,
    scope: &Scope,
    org_id: i64,
    kind: ClassKind,
) -> Result<Vec<Waiting>> {
    crate::reports::org_head(conn, scope, org_id).await?;
    if !scope.role.sees_individuals() {
        return Err(StoreError::Forbidden("individual lists"));
    }
    let done = match kind {
        ClassKind::Awareness => "",
        ClassKind::NewMember => {
            "AND NOT EXISTS (SELECT 1 FROM candidacy_event x WHERE x.candidacy_id = c.candidacy_id \
             AND x.kind = 'complete_new_member_course')"
        }
    };
    let sql = format!(
        "SELECT c.pub_id AS candidacy_pub_id, p.full_name, o.name AS cell_name, \
         po.name AS cell_parent, p.birth_date, c.stage, c.last_on AS since, cp.proposed_on, cp.approved_on \
         FROM org_closure oc JOIN candidacy c ON c.cell_id = oc.descendant_id \
         JOIN person p ON p.person_id = c.person_id JOIN org o ON o.org_id = c.cell_id \
         LEFT JOIN org po ON po.org_id = o.parent_id \
         LEFT JOIN course_proposal cp ON cp.candidacy_id = c.candidacy_id AND cp.class_id IS NULL \
         WHERE oc.ancestor_id = $1 AND c.stage = $2 {done} \
         AND NOT EXISTS (SELECT 1 FROM course_attendee a WHERE a.candidacy_id = c.candidacy_id \
           AND a.result IS NULL) \
         ORDER BY c.last_on, c.candidacy_id"
    );
    Ok(fetch_all!(
        conn.ex(),
        Waiting,
        &sql,
        org_id,
        stage_code(kind.stage())
    )?)
}

/// Someone on the sympathizer list (danh sách quần chúng cảm tình Đảng).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Listed {
    /// Name.
    pub full_name: String,
    /// Birth date.
    #[serde(skip)]
    pub birth_date: jiff_sqlx::Date,
    /// The cell.
    pub cell_name: String,
    /// Stage code.
    pub stage: String,
    /// Source category code.
    pub source_category: String,
    /// Listed on (the last listing step).
    #[serde(skip)]
    pub listed_on: Option<jiff_sqlx::Date>,
}

/// The most people one printed list holds.
pub const LIST_MAX: i64 = 2_000;

/// The sympathizer list of the subtree of `org_id`: everyone listed and not yet admitted
/// (sympathizer through awaiting the decision), by cell then listing date; at most
/// [`LIST_MAX`]. The stage filter is on the `candidacy (cell_id, stage)` index.
pub async fn sympathizer_list(conn: &mut Conn, scope: &Scope, org_id: i64) -> Result<Vec<Listed>> {
    crate::reports::org_head(conn, scope, org_id).await?;
    if !scope.role.sees_individuals() {
        return Err(StoreError::Forbidden("individual lists"));
    }
    let stages = Stage::ALL
        .iter()
        .skip_while(|s| **s != Stage::Sympathizer)
        .take_while(|s| **s != Stage::AwaitingCeremony)
        .map(|s| format!("'{}'", stage_code(*s)))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "SELECT p.full_name, p.birth_date, o.name AS cell_name, c.stage, c.source_category, \
         (SELECT MAX(x.on_date) FROM candidacy_event x WHERE x.candidacy_id = c.candidacy_id \
          AND x.kind = 'list_as_sympathizer') AS listed_on \
         FROM org_closure oc JOIN candidacy c ON c.cell_id = oc.descendant_id \
         JOIN person p ON p.person_id = c.person_id JOIN org o ON o.org_id = c.cell_id \
         WHERE oc.ancestor_id = $1 AND c.stage IN ({stages}) \
         ORDER BY o.name, c.cell_id, c.opened_on, c.candidacy_id LIMIT $2"
    );
    Ok(fetch_all!(conn.ex(), Listed, &sql, org_id, LIST_MAX)?)
}

/// The course figures of a subtree over a period: classes that started, people enrolled (sent
/// to a course) and people certified, as separate counts, each by its own date; for one course.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CourseFigures {
    /// Classes run by organisations of the subtree that started in the period.
    pub classes: i64,
    /// Attendees from the subtree's cells enrolled in the period.
    pub enrolled: i64,
    /// Attendees from the subtree's cells certified in the period.
    pub certified: i64,
}

/// [`CourseFigures`] of the subtree of `org_id` for `kind`, days `from ..= through`.
pub async fn figures(
    conn: &mut Conn,
    org_id: i64,
    kind: ClassKind,
    from: Date,
    through: Date,
) -> Result<CourseFigures> {
    let (classes,): (i64,) = fetch_one!(
        conn.ex(),
        (i64,),
        "SELECT CAST(COUNT(*) AS BIGINT) FROM org_closure oc JOIN course_class k ON k.org_id = oc.descendant_id \
         WHERE oc.ancestor_id = $1 AND k.kind = $2 AND k.starts_on >= $3 AND k.starts_on <= $4",
        org_id,
        kind.code(),
        d(from),
        d(through)
    )?;
    // Each count walks only its own dates (indexes on the cell and the date).
    let count = |col: &str| {
        format!(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM org_closure oc \
             JOIN course_attendee a ON a.cell_id = oc.descendant_id \
             JOIN course_class k ON k.class_id = a.class_id \
             WHERE oc.ancestor_id = $1 AND k.kind = $2 AND a.{col} >= $3 AND a.{col} <= $4"
        )
    };
    let (enrolled,): (i64,) = fetch_one!(
        conn.ex(),
        (i64,),
        &count("enrolled_on"),
        org_id,
        kind.code(),
        d(from),
        d(through)
    )?;
    let (certified,): (i64,) = fetch_one!(
        conn.ex(),
        (i64,),
        &count("cert_on"),
        org_id,
        kind.code(),
        d(from),
        d(through)
    )?;
    Ok(CourseFigures {
        classes,
        enrolled,
        certified,
    })
}

/// The organisation running the class `pub_id`, when it is in the scope.
pub async fn class_org(conn: &mut Conn, scope: &Scope, pub_id: &str) -> Result<i64> {
    let (all, user, role) = scope.binds();
    let sql = format!(
        "SELECT k.org_id FROM course_class k WHERE k.pub_id = $1 AND {}",
        scope.org_filter("k.org_id", 2)
    );
    fetch_optional!(conn.ex(), (i64,), &sql, pub_id, all, user, role)?
        .map(|(o,)| o)
        .ok_or(StoreError::NotFound("course class"))
}

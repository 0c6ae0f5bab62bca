//! `/candidates` — the candidates of the user's scope: a filtered, searchable list, a board by
//! stage, the candidate page (profile, timeline, mentor notes, alerts and a form for each next
//! allowed step) and the form that lists a new person as a source of a cell.

use crate::extract::Form;
use crate::extract::Query;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use jiff::civil::Date;
use ketnap_domain::Violation;
use ketnap_domain::alerts::{AlertStatus, alerts};
use ketnap_domain::dates::{format_vn, parse_vn};
use ketnap_domain::dossier::{DossierFacts, checklist};
use ketnap_domain::lifecycle::{
    Action, AnnulTarget, Authority, CertIssuer, Command, CommitteeTally, ConsentGrounds, Context,
    Level, LiterateStanding, MemberFacts, OverAgeGround, Relation, Stage, Standing, StepWeight,
    Tally, UnionKind, VerificationOutcome, action_label_vi, action_number, button_vi,
    consent_may_apply, is_student, next_steps, readiness, step_weight, vote_result_vi,
};
use ketnap_domain::person::{
    Ethnicity, Gender, Qualification, Religion, SourceCategory, TheoryLevel,
};
use ketnap_domain::text::compare_labels;
use ketnap_store::candidacies::{self, CandidateExtras, ListFilter, Overdue};
use ketnap_store::counters::{stage_code, stage_from_code};
use ketnap_store::members::{self, MemberStatus, RosterFilter};
use ketnap_store::{StoreError, orgs, people};
use serde::Deserialize;

use crate::AppState;
use crate::auth::Auth;
use crate::error::AppError;
use crate::layout::{Crumb, Layout};
use crate::pages::documents::{DossierSection, UploadInput};
use crate::pages::downloads;
use crate::pages::person_input::PersonInput;
use crate::pages::picker::{self, Opt, opt};

/// The routes of this area.
pub fn routes() -> crate::routes::Routes {
    crate::routes::Routes::new()
        .route("/candidates", get(list).post(create))
        .route("/candidates/board", get(board))
        .route("/candidates/new", get(new_form))
        .route("/candidates/new/cells", get(cell_picker))
        .route("/candidates/{pub_id}", get(show))
        .route("/candidates/{pub_id}/step", post(step))
        .route("/candidates/{pub_id}/person", post(correct_person))
        .route("/candidates/{pub_id}/reveal-id", post(reveal_id))
}

/// Rows per list page.
const PAGE: i64 = 50;
/// Names per board column.
const BOARD_NAMES: usize = 8;

/// The cursor of the list (name key, internal id), sealed: the URL carries neither.
pub(crate) fn encode_cursor(sealer: &crate::cursor::Sealer, c: &(String, i64)) -> String {
    sealer.seal(&format!("{}\u{1f}{}", c.0, c.1))
}

pub(crate) fn decode_cursor(sealer: &crate::cursor::Sealer, s: &str) -> Option<(String, i64)> {
    let plain = sealer.open(s)?;
    let (k, id) = plain.rsplit_once('\u{1f}')?;
    Some((k.to_string(), id.parse().ok()?))
}

/// Percent-encode a query value.
fn enc(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// List
// ---------------------------------------------------------------------------------------------

/// The list's query string.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ListQuery {
    q: Option<String>,
    stage: Option<String>,
    org: Option<String>,
    source: Option<String>,
    gender: Option<String>,
    ethnicity: Option<String>,
    religion: Option<String>,
    overdue: Option<String>,
    after: Option<String>,
    format: Option<String>,
}

impl ListQuery {
    fn get(v: &Option<String>) -> &str {
        v.as_deref().map(str::trim).unwrap_or("")
    }

    /// The query string without the cursor (for the next page's link).
    fn without_after(&self) -> String {
        let pairs = [
            ("q", &self.q),
            ("stage", &self.stage),
            ("org", &self.org),
            ("source", &self.source),
            ("gender", &self.gender),
            ("ethnicity", &self.ethnicity),
            ("religion", &self.religion),
            ("overdue", &self.overdue),
        ];
        pairs
            .iter()
            .filter(|(_, v)| !Self::get(v).is_empty())
            .map(|(k, v)| format!("{k}={}", enc(Self::get(v))))
            .collect::<Vec<_>>()
            .join("&")
    }
}

/// One line of the list.
pub struct Row {
    /// Candidacy public id.
    pub pub_id: String,
    /// Name.
    pub name: String,
    /// Gender label.
    pub gender: &'static str,
    /// Cell name.
    pub cell: String,
    /// The organisation above the cell.
    pub cell_parent: String,
    /// Stage label.
    pub stage: &'static str,
    /// Listed on, dd/mm/yyyy.
    pub opened: String,
    /// Last step on, dd/mm/yyyy.
    pub last: String,
}

/// templates/candidates_list.html
#[derive(Template)]
#[template(path = "candidates_list.html")]
pub struct ListPage {
    /// Layout.
    pub layout: Layout,
    /// Whether names are shown.
    pub individuals: bool,
    /// Search text.
    pub q: String,
    /// Stage options.
    pub stages: Vec<Opt>,
    /// Organisation options.
    pub orgs: Vec<Opt>,
    /// Source category options.
    pub sources: Vec<Opt>,
    /// Gender options.
    pub genders: Vec<Opt>,
    /// Ethnicity options.
    pub ethnicities: Vec<Opt>,
    /// Religion options.
    pub religions: Vec<Opt>,
    /// Overdue only.
    pub overdue: bool,
    /// A filter other than the name search is set (the filters are shown unfolded).
    pub more_filters: bool,
    /// The rows.
    pub rows: Vec<Row>,
    /// The next page's link.
    pub next: Option<String>,
    /// Whether the page is a later page.
    pub later: bool,
    /// The "Tải về" links' prefix (roles that see individuals).
    pub download: Option<String>,
    /// The sympathizer list of the chosen organisation as a party document, for roles that print.
    pub sympathizer_paper: Option<String>,
}

/// The organisations a filter offers: the scope's roots and their descendants, down to 3 levels
/// (one query).
async fn org_options(
    state: &AppState,
    conn: &mut ketnap_store::Conn,
    auth: &Auth,
    current: &str,
) -> Result<Vec<Opt>, AppError> {
    let mut out = vec![opt("", "Tất cả", current)];
    out.extend(picker::org_options(state, conn, &auth.scope, current).await?);
    Ok(out)
}

/// `GET /candidates`
pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let mut conn = state.store.read().await?;
    let individuals = auth.role.sees_individuals();
    let g = ListQuery::get;
    let stage = stage_from_code(g(&q.stage));
    let org_row = match g(&q.org) {
        "" => None,
        p => Some(orgs::get(&mut conn, &auth.scope, p).await?),
    };
    let org = org_row.as_ref().map(|o| o.org_id);
    let gender = Gender::ALL.into_iter().find(|x| x.code() == g(&q.gender));
    let ethnicity = g(&q.ethnicity)
        .parse::<u8>()
        .ok()
        .and_then(Ethnicity::from_code);
    let religion = Religion::ALL
        .into_iter()
        .find(|x| x.code() == g(&q.religion));
    let source = SourceCategory::ALL
        .into_iter()
        .find(|x| x.code() == g(&q.source));
    let overdue = !g(&q.overdue).is_empty();
    let filter = ListFilter {
        org,
        stage,
        source_category: source.map(|s| s.code().to_string()),
        gender,
        ethnicity,
        religion,
        overdue: overdue.then_some(Overdue {
            book: &state.book,
            today: state.clock.today(),
        }),
        query: Some(g(&q.q).to_string()).filter(|s| !s.is_empty()),
    };
    if let Some(format) = downloads::requested(q.format.as_deref())? {
        downloads::allowed(&state, &auth, "Danh sách quần chúng", format).await?;
        let filter = ketnap_io::lists::ListFilter {
            candidates: filter,
            ..Default::default()
        };
        let table = ketnap_io::lists::export(
            &mut conn,
            &auth.scope,
            ketnap_io::import::Kind::Candidates,
            &filter,
        )
        .await?;
        let code = org_row.as_ref().map(|o| o.code.as_str());
        return downloads::file(&table, format, "Danh sách quần chúng", code);
    }
    let after = q
        .after
        .as_deref()
        .and_then(|a| decode_cursor(&state.cursors, a));
    let (rows, next) = if individuals {
        let page = candidacies::list(&mut conn, &auth.scope, &filter, after.clone(), PAGE).await?;
        let rows = page
            .items
            .into_iter()
            .map(|r| Row {
                pub_id: r.pub_id,
                name: r.full_name,
                gender: r.gender.label(),
                cell: r.cell_name,
                cell_parent: r.cell_parent,
                stage: r.stage.label_vi(),
                opened: format_vn(r.opened_on),
                last: format_vn(r.last_on),
            })
            .collect();
        let base = q.without_after();
        let next = page.next.map(|c| {
            let sep = if base.is_empty() { "" } else { "&" };
            format!(
                "/candidates?{base}{sep}after={}",
                encode_cursor(&state.cursors, &c)
            )
        });
        (rows, next)
    } else {
        (Vec::new(), None)
    };
    let more_filters = [
        &q.stage,
        &q.org,
        &q.source,
        &q.gender,
        &q.ethnicity,
        &q.religion,
        &q.overdue,
    ]
    .iter()
    .any(|v| !g(v).trim().is_empty());
    let sympathizer_paper =
        (individuals && crate::pages::papers::role_prints(auth.role)).then(|| {
            let org = g(&q.org).trim();
            if org.is_empty() {
                "/papers/sympathizers".to_string()
            } else {
                format!("/papers/sympathizers?org={org}")
            }
        });
    let page = ListPage {
        layout: auth.layout("Quần chúng ưu tú", "candidates"),
        sympathizer_paper,
        individuals,
        more_filters,
        q: g(&q.q).to_string(),
        stages: std::iter::once(opt("", "Tất cả", g(&q.stage)))
            .chain(
                Stage::ALL
                    .iter()
                    .map(|s| opt(stage_code(*s), s.label_vi(), g(&q.stage))),
            )
            .collect(),
        orgs: org_options(&state, &mut conn, &auth, g(&q.org)).await?,
        sources: std::iter::once(opt("", "Tất cả", g(&q.source)))
            .chain(
                SourceCategory::ALL
                    .iter()
                    .map(|s| opt(s.code(), s.label(), g(&q.source))),
            )
            .collect(),
        genders: std::iter::once(opt("", "Tất cả", g(&q.gender)))
            .chain(
                Gender::ALL
                    .iter()
                    .map(|s| opt(s.code(), s.label(), g(&q.gender))),
            )
            .collect(),
        ethnicities: std::iter::once(opt("", "Tất cả", g(&q.ethnicity)))
            .chain(
                (1..=Ethnicity::COUNT)
                    .filter_map(Ethnicity::from_code)
                    .map(|e| opt(e.code().to_string(), e.name(), g(&q.ethnicity))),
            )
            .collect(),
        religions: std::iter::once(opt("", "Tất cả", g(&q.religion)))
            .chain(
                Religion::ALL
                    .iter()
                    .map(|s| opt(s.code(), s.label(), g(&q.religion))),
            )
            .collect(),
        overdue,
        rows,
        next,
        later: after.is_some(),
        download: downloads::link(&auth, "/candidates", &q.without_after()),
    };
    Ok(Html(page.render()?).into_response())
}

// ---------------------------------------------------------------------------------------------
// Board
// ---------------------------------------------------------------------------------------------

/// One column of the board.
pub struct Column {
    /// Stage code.
    pub code: &'static str,
    /// Stage label.
    pub label: &'static str,
    /// How many ("500+" past a page).
    pub count: String,
    /// The first names: (public id, name).
    pub names: Vec<(String, String)>,
    /// More than shown.
    pub more: bool,
}

/// templates/candidates_board.html
#[derive(Template)]
#[template(path = "candidates_board.html")]
pub struct BoardPage {
    /// Layout.
    pub layout: Layout,
    /// Whether names are shown.
    pub individuals: bool,
    /// The columns.
    pub columns: Vec<Column>,
}

/// The stages of the board, in order.
const BOARD: [Stage; 12] = [
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
];

/// `GET /candidates/board`
pub async fn board(State(state): State<AppState>, auth: Auth) -> Result<Response, AppError> {
    let mut conn = state.store.read().await?;
    let individuals = auth.role.sees_individuals();
    let mut columns = Vec::new();
    if individuals {
        for s in BOARD {
            let filter = ListFilter {
                stage: Some(s),
                ..ListFilter::default()
            };
            let page = candidacies::list(&mut conn, &auth.scope, &filter, None, 500).await?;
            let n = page.items.len();
            columns.push(Column {
                code: stage_code(s),
                label: s.label_vi(),
                count: if page.next.is_some() {
                    format!("{n}+")
                } else {
                    n.to_string()
                },
                more: n > BOARD_NAMES,
                names: page
                    .items
                    .into_iter()
                    .take(BOARD_NAMES)
                    .map(|r| (r.pub_id, r.full_name))
                    .collect(),
            });
        }
    }
    let page = BoardPage {
        layout: auth.layout("Bảng theo giai đoạn", "candidates"),
        individuals,
        columns,
    };
    Ok(Html(page.render()?).into_response())
}

// ---------------------------------------------------------------------------------------------
// The candidate page
// ---------------------------------------------------------------------------------------------

/// One input of a step form.
#[derive(Clone)]
pub struct Field {
    /// Name sent.
    pub name: &'static str,
    /// Label.
    pub label: &'static str,
    /// `text`, `date`, `number` or `select`.
    pub kind: &'static str,
    /// Default value.
    pub value: String,
    /// Options of a select.
    pub options: Vec<Opt>,
    /// Hint.
    pub hint: &'static str,
}

#[derive(Clone)]
/// A form for one allowed step.
pub struct StepForm {
    /// The action's code.
    pub code: &'static str,
    /// The step's Vietnamese label.
    pub label: &'static str,
    /// Its inputs (after the date).
    pub fields: Vec<Field>,
    /// A step that ends the candidacy (shown apart, danger button).
    pub ending: bool,
    /// What the button says (the verb of what happens).
    pub button: &'static str,
    /// The date typed (today by default).
    pub on: String,
    /// Shown open (the form just posted).
    pub open: bool,
    /// The alert this step answers, when it is the one the process waits for: "Quá hạn 12/11/2026".
    pub why: Option<String>,
}

/// What would refuse the next vote or decision if it were held today ([`readiness`]).
pub struct Readiness {
    /// The act ahead ("Chi bộ xét, biểu quyết đề nghị kết nạp").
    pub act: &'static str,
    /// The rules it would break, with their messages and citations.
    pub problems: Vec<Violation>,
}

/// The personal details as the correction form shows them.
pub struct CorrectPerson {
    /// Full name.
    pub full_name: String,
    /// Birth date, dd/mm/yyyy.
    pub birth_date: String,
    /// Gender options.
    pub genders: Vec<Opt>,
    /// Ethnicity, its name.
    pub ethnicity: String,
    /// Religion options.
    pub religions: Vec<Opt>,
    /// Education, "12/12".
    pub education: String,
    /// Whether an ID number is recorded (the field is then left blank to keep it).
    pub has_id: bool,
}

/// A group of step forms of one weight, behind the one the process expects now.
pub struct FormGroup {
    /// Heading.
    pub label: &'static str,
    /// Steps that end the candidacy.
    pub ending: bool,
    /// The forms.
    pub forms: Vec<StepForm>,
}

/// What the step just saved did, said at the top of the page after the save.
pub struct Saved {
    /// The step and its date: "Quyết định kết nạp, ngày 03/12/2026".
    pub what: String,
    /// A vote's result with its tally.
    pub result: Option<String>,
    /// The vote did not pass.
    pub failed: bool,
    /// The stage now.
    pub stage: &'static str,
    /// What comes next, in words.
    pub next: String,
}

/// One event of the timeline.
pub struct TimelineItem {
    /// Date, dd/mm/yyyy.
    pub date: String,
    /// Step label.
    pub label: &'static str,
    /// Stage after.
    pub stage: &'static str,
    /// Rules version.
    pub rules: String,
    /// Warnings.
    pub warnings: Vec<Violation>,
    /// A vote's result with its tally ("Không đạt: 12/20 tán thành, cần ít nhất 14").
    pub result: Option<String>,
    /// The vote did not pass.
    pub failed: bool,
    /// The number of the act, when it has one.
    pub number: Option<String>,
}

/// One alert of the candidate.
pub struct AlertItem {
    /// Status label.
    pub status: &'static str,
    /// CSS class.
    pub class: &'static str,
    /// Due, dd/mm/yyyy.
    pub due: String,
    /// Message.
    pub message: String,
}

/// One mentor note.
pub struct NoteItem {
    /// "mm/yyyy".
    pub month: String,
    /// Written on, dd/mm/yyyy.
    pub written: String,
    /// Text.
    pub content: String,
}

/// The parts of a candidate's page a role reads ([`ketnap_store::Role::reads`]).
#[derive(Clone, Copy, Debug)]
pub struct Reads {
    /// Ethnicity, religion, education, source.
    pub sensitive: bool,
    /// The recorded steps.
    pub history: bool,
    /// The mentor's notes.
    pub notes: bool,
    /// The dossier checklist and files.
    pub dossier: bool,
}

impl Reads {
    /// For a role.
    pub fn of(role: ketnap_store::Role) -> Reads {
        use ketnap_store::Field;
        Reads {
            sensitive: role.reads(Field::Sensitive),
            history: role.reads(Field::History) || role.reads(Field::CourseResults),
            notes: role.reads(Field::MentorNotes),
            dossier: role.reads(Field::DossierFiles),
        }
    }
}

/// templates/candidates_show.html
#[derive(Template)]
#[template(path = "candidates_show.html")]
pub struct ShowPage {
    /// Layout.
    pub layout: Layout,
    /// Candidacy public id.
    pub pub_id: String,
    /// Version for the forms.
    pub version: i64,
    /// Name.
    pub name: String,
    /// Birth date.
    pub birth: String,
    /// Gender.
    pub gender: &'static str,
    /// Ethnicity.
    pub ethnicity: String,
    /// Religion.
    pub religion: &'static str,
    /// Education.
    pub education: String,
    /// Source category label.
    pub source: String,
    /// Cell public id.
    pub cell_pub_id: String,
    /// Cell name.
    pub cell_name: String,
    /// Stage label.
    pub stage: &'static str,
    /// Timeline.
    pub timeline: Vec<TimelineItem>,
    /// Mentor notes.
    pub notes: Vec<NoteItem>,
    /// Alerts.
    pub alerts: Vec<AlertItem>,
    /// Labels of the next allowed steps.
    pub next: Vec<&'static str>,
    /// The step the process expects now (nearest deadline, or the stage's main act), shown first
    /// and open.
    pub primary: Option<StepForm>,
    /// The other steps this role may record, by weight.
    pub groups: Vec<FormGroup>,
    /// What the step just saved did.
    pub saved: Option<Saved>,
    /// What the confidence words of the citations mean.
    pub confidence_note: &'static str,
    /// What would refuse the next vote or decision if it were held today.
    pub ready: Option<Readiness>,
    /// The correction form of the personal details, for staff: the values as they stand.
    pub correct: Option<CorrectPerson>,
    /// The personal details were just corrected.
    pub person_saved: bool,
    /// The ID number for a role reading sensitive fields: masked, or in full just after an
    /// audited reveal (`true`).
    pub id_shown: Option<(String, bool)>,
    /// The role may reveal the full number.
    pub reveals_id: bool,
    /// The violations of a refused step.
    pub violations: Vec<Violation>,
    /// A message for a bad form or a conflict.
    pub error: Option<String>,
    /// Today, dd/mm/yyyy (the default date of a step).
    pub today: String,
    /// The documents this stage needs, and the upload form.
    pub dossier: DossierSection,
    /// The documents printed from what is recorded: (name, print page link, DOCX link).
    pub papers: Vec<(String, String, String)>,
    /// Which parts of the page the role reads (Role::reads).
    pub reads: Reads,
    /// ID numbers typed for this person that another person holds, for staff who see both:
    /// (the other's name, found on).
    pub id_conflicts: Vec<(String, String)>,
    /// The cohorts this candidacy belongs to (one cell meeting, one ceremony): (label, link).
    pub cohorts: Vec<(String, String)>,
}

fn text(name: &'static str, label: &'static str) -> Field {
    Field {
        name,
        label,
        kind: "text",
        value: String::new(),
        options: Vec::new(),
        hint: "",
    }
}

fn date_field(name: &'static str, label: &'static str, today: &str) -> Field {
    Field {
        name,
        label,
        kind: "date",
        value: today.to_string(),
        options: Vec::new(),
        hint: "Ngày/tháng/năm, ví dụ 07/03/2026",
    }
}

fn number(name: &'static str, label: &'static str) -> Field {
    Field {
        name,
        label,
        kind: "number",
        value: String::new(),
        options: Vec::new(),
        hint: "",
    }
}

fn select(name: &'static str, label: &'static str, options: Vec<Opt>) -> Field {
    Field {
        name,
        label,
        kind: "select",
        value: String::new(),
        options,
        hint: "",
    }
}

fn standing_code(l: LiterateStanding) -> &'static str {
    match l {
        LiterateStanding::VillageElder => "village_elder",
        LiterateStanding::HamletHead => "hamlet_head",
        LiterateStanding::PrestigiousPerson => "prestigious_person",
    }
}

fn yes_no(name: &'static str, label: &'static str) -> Field {
    select(
        name,
        label,
        vec![opt("yes", "Đồng ý", ""), opt("no", "Không đồng ý", "")],
    )
}

fn authority_field(current: Authority) -> Field {
    select(
        "authority",
        "Cấp quyết định",
        [
            Authority::SuperiorStandingCommittee,
            Authority::GrassrootsCommittee,
            Authority::CentralLevelCommittee,
        ]
        .into_iter()
        .map(|a| opt(authority_code(a), a.label_vi(), authority_code(current)))
        .collect(),
    )
}

fn authority_code(a: Authority) -> &'static str {
    match a {
        Authority::GrassrootsCommittee => "grassroots",
        Authority::SuperiorStandingCommittee => "superior",
        Authority::CentralLevelCommittee => "central",
    }
}

const RELATIONS: [Relation; 7] = [
    Relation::Candidate,
    Relation::Parents,
    Relation::Spouse,
    Relation::ParentsInLaw,
    Relation::AdultChildren,
    Relation::ReligiousActivity,
    Relation::HoaItems,
];

fn relation_code(r: Relation) -> &'static str {
    match r {
        Relation::Candidate => "candidate",
        Relation::Parents => "parents",
        Relation::Spouse => "spouse",
        Relation::ParentsInLaw => "parents_in_law",
        Relation::AdultChildren => "adult_children",
        Relation::ReligiousActivity => "religious_activity",
        Relation::HoaItems => "hoa_items",
    }
}

fn tally_fields() -> Vec<Field> {
    vec![
        text("resolution_no", "Số nghị quyết"),
        number("official_members", "Số đảng viên chính thức của chi bộ"),
        number(
            "exempt_absent",
            "Số miễn sinh hoạt, chuyển tạm thời vắng mặt",
        ),
        number("present", "Số đảng viên chính thức có mặt"),
        number("in_favour", "Số tán thành"),
        text(
            "base_note",
            "Lý do số đảng viên chính thức khác danh sách của chi bộ (nếu khác)",
        ),
    ]
}

fn committee_fields() -> Vec<Field> {
    vec![
        text("resolution_no", "Số nghị quyết"),
        number("members", "Tổng số cấp ủy viên"),
        number("in_favour", "Số cấp ủy viên tán thành"),
    ]
}

/// Every step with a form: a sample action (for the label and the role check), the code, its
/// fields, and whether it ends the candidacy.
fn step_catalogue(
    members: &[Opt],
    today: &str,
    competent: Authority,
) -> Vec<(Action, &'static str, Vec<Field>, bool)> {
    let m = || MemberFacts {
        member_id: String::new(),
        official: true,
        same_cell: true,
        same_grassroots: true,
    };
    let d = Date::constant(2000, 1, 1);
    let s = String::new;
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
    let member_select = |name, label| {
        select(
            name,
            label,
            members
                .iter()
                .map(|o| opt(o.value.clone(), o.label.clone(), ""))
                .collect(),
        )
    };
    vec![
        (
            Action::ListAsSympathizer {
                resolution_no: s(),
                mentor: m(),
            },
            "list_as_sympathizer",
            vec![
                text("resolution_no", "Số nghị quyết chi bộ"),
                member_select("member", "Đảng viên giúp đỡ"),
            ],
            false,
        ),
        (
            Action::AssignMentor { mentor: m() },
            "assign_mentor",
            vec![member_select("member", "Đảng viên giúp đỡ")],
            false,
        ),
        (
            Action::EnrolInCourse { course: s() },
            "enrol_in_course",
            vec![text("course", "Lớp học (tên hoặc mã khóa)")],
            false,
        ),
        (
            Action::RecordCertificate {
                number: s(),
                issued_on: d,
                issuer: CertIssuer::PoliticalCentre(s()),
            },
            "record_certificate",
            vec![
                text("number", "Số giấy chứng nhận"),
                date_field("issued_on", "Ngày cấp", today),
                select(
                    "issuer_kind",
                    "Loại nơi cấp",
                    vec![
                        opt("centre", "Trung tâm chính trị", ""),
                        opt("committee", "Cấp ủy có thẩm quyền kết nạp", ""),
                        opt("other", "Nơi khác", ""),
                    ],
                ),
                text("issuer", "Tên nơi cấp"),
            ],
            false,
        ),
        (
            Action::SubmitApplication,
            "submit_application",
            Vec::new(),
            false,
        ),
        (
            Action::DeclareBackground,
            "declare_background",
            Vec::new(),
            false,
        ),
        (
            Action::AddIntroducer {
                introducer: m(),
                letter_on: d,
                alongside_since: d,
                replaces: None,
            },
            "add_introducer",
            vec![
                member_select("member", "Người giới thiệu"),
                date_field("letter_on", "Ngày viết giấy giới thiệu", today),
                date_field(
                    "alongside_since",
                    "Cùng công tác, học tập, cư trú từ ngày",
                    "",
                ),
            ],
            false,
        ),
        (
            Action::RecordUnionIntroduction {
                union: UnionKind::YouthUnion,
                resolution_no: s(),
                resolution_on: d,
            },
            "record_union_introduction",
            vec![
                select(
                    "union",
                    "Tổ chức giới thiệu",
                    vec![
                        opt("youth", "Đoàn TNCS Hồ Chí Minh", ""),
                        opt("trade", "Công đoàn", ""),
                    ],
                ),
                text("resolution_no", "Số nghị quyết"),
                date_field("resolution_on", "Ngày nghị quyết", today),
            ],
            false,
        ),
        (
            Action::RecordComments { summary_on: d },
            "record_comments",
            vec![date_field("summary_on", "Ngày tổng hợp ý kiến", today)],
            false,
        ),
        (
            Action::StampBackground,
            "stamp_background",
            Vec::new(),
            false,
        ),
        (
            Action::SendVerification {
                request_no: 0,
                subject: Relation::Candidate,
                destination: s(),
            },
            "send_verification",
            vec![
                number("request_no", "Số thứ tự công văn"),
                select(
                    "subject",
                    "Thẩm tra về",
                    RELATIONS
                        .iter()
                        .map(|r| opt(relation_code(*r), r.label_vi(), ""))
                        .collect(),
                ),
                text("destination", "Nơi gửi"),
            ],
            false,
        ),
        (
            Action::AnswerVerification {
                request_no: 0,
                outcome: VerificationOutcome::Clear,
            },
            "answer_verification",
            vec![
                number("request_no", "Số thứ tự công văn"),
                select(
                    "outcome",
                    "Kết quả",
                    vec![
                        opt("clear", "Không có vấn đề", ""),
                        opt("unclear", "Cần làm rõ thêm", ""),
                        opt("disqualifying", "Có vấn đề không đủ điều kiện", ""),
                    ],
                ),
            ],
            false,
        ),
        (
            Action::CertifyBackground,
            "certify_background",
            Vec::new(),
            false,
        ),
        (
            Action::CellVote {
                base_note: None,
                resolution_no: s(),
                tally: t,
            },
            "cell_vote",
            tally_fields(),
            false,
        ),
        (
            Action::PartialAppraisal {
                report_no: s(),
                approved: true,
            },
            "partial_appraisal",
            vec![
                text("report_no", "Số báo cáo thẩm định"),
                yes_no("approved", "Ý kiến"),
            ],
            false,
        ),
        (
            Action::GrassrootsVote {
                resolution_no: s(),
                tally: ct,
            },
            "grassroots_vote",
            committee_fields(),
            false,
        ),
        (
            Action::RecordStudentResults {
                school_year: s(),
                grade: Standing::Fair,
                conduct: Standing::Good,
            },
            "record_student_results",
            vec![
                text("school_year", "Năm học (ví dụ 2024–2025)"),
                select(
                    "grade",
                    "Học lực (kết quả học tập)",
                    Standing::ALL
                        .into_iter()
                        .rev()
                        .map(|x| opt(x.code(), x.grade_vi(), ""))
                        .collect(),
                ),
                select(
                    "conduct",
                    "Hạnh kiểm (kết quả rèn luyện)",
                    Standing::ALL
                        .into_iter()
                        .rev()
                        .map(|x| opt(x.code(), x.conduct_vi(), ""))
                        .collect(),
                ),
            ],
            false,
        ),
        (
            Action::RecordSuperiorConsent {
                document_no: s(),
                grounds: ConsentGrounds::Readmission,
            },
            "record_superior_consent",
            vec![
                text("document_no", "Số văn bản đồng ý"),
                select(
                    "grounds",
                    "Đồng ý cho trường hợp",
                    vec![
                        opt("over_age", "Kết nạp người trên 60 tuổi", ""),
                        opt("literate", "Kết nạp người chỉ biết đọc, biết viết", ""),
                        opt("readmission", "Kết nạp lại", ""),
                    ],
                ),
                select(
                    "healthy",
                    "Trên 60 tuổi: có đủ sức khỏe",
                    vec![opt("yes", "Có", ""), opt("no", "Không", "")],
                ),
                select(
                    "reputable",
                    "Trên 60 tuổi: có uy tín",
                    vec![opt("yes", "Có", ""), opt("no", "Không", "")],
                ),
                select(
                    "ground",
                    "Trên 60 tuổi: lý do",
                    vec![
                        opt(
                            "no_local_org",
                            "Nơi công tác, cư trú chưa có tổ chức đảng, đảng viên",
                            "",
                        ),
                        opt("special_need", "Yêu cầu đặc biệt (ghi rõ dưới đây)", ""),
                    ],
                ),
                text("special_need", "Yêu cầu đặc biệt"),
                select(
                    "standing",
                    "Biết đọc, biết viết: người vào Đảng là",
                    [
                        LiterateStanding::VillageElder,
                        LiterateStanding::HamletHead,
                        LiterateStanding::PrestigiousPerson,
                    ]
                    .into_iter()
                    .map(|l| opt(standing_code(l), l.label_vi(), ""))
                    .collect(),
                ),
            ],
            false,
        ),
        (
            Action::AdmissionDecision {
                decision_no: s(),
                approved: true,
                authority: Authority::SuperiorStandingCommittee,
                received_on: d,
                superior_consent_on: None,
            },
            "admission_decision",
            vec![
                text("decision_no", "Số quyết định"),
                yes_no("approved", "Kết quả"),
                authority_field(competent),
                date_field("received_on", "Ngày chi bộ nhận quyết định", today),
            ],
            false,
        ),
        (
            Action::HoldCeremony {
                late_approval: None,
            },
            "hold_ceremony",
            vec![text(
                "late_approval",
                "Văn bản đồng ý tổ chức muộn (nếu có)",
            )],
            false,
        ),
        (
            Action::DeclareMemberBackground,
            "declare_member_background",
            Vec::new(),
            false,
        ),
        (
            Action::CompleteNewMemberCourse {
                certificate_no: s(),
            },
            "complete_new_member_course",
            vec![text("certificate_no", "Số giấy chứng nhận")],
            false,
        ),
        (
            Action::SubmitSelfReview,
            "submit_self_review",
            Vec::new(),
            false,
        ),
        (
            Action::RecognitionCellVote {
                base_note: None,
                resolution_no: s(),
                tally: t,
            },
            "recognition_cell_vote",
            tally_fields(),
            false,
        ),
        (
            Action::RecognitionGrassrootsVote {
                resolution_no: s(),
                tally: ct,
            },
            "recognition_grassroots_vote",
            committee_fields(),
            false,
        ),
        (
            Action::RecognitionDecision {
                decision_no: s(),
                approved: true,
                authority: Authority::SuperiorStandingCommittee,
            },
            "recognition_decision",
            vec![
                text("decision_no", "Số quyết định"),
                yes_no("approved", "Kết quả"),
                authority_field(competent),
            ],
            false,
        ),
        (
            Action::Withdraw { reason: s() },
            "withdraw",
            vec![text("reason", "Lý do")],
            true,
        ),
        (
            Action::Reject { reason: s() },
            "reject",
            vec![text("reason", "Lý do")],
            true,
        ),
        (
            Action::TransferOut { to: s() },
            "transfer_out",
            vec![text("to", "Mã chi bộ nơi chuyển đến")],
            true,
        ),
        (Action::RecordDeath, "record_death", Vec::new(), true),
        (Action::FailCourse, "fail_course", Vec::new(), false),
        (
            Action::WithdrawIntroducer {
                member_id: s(),
                reason: s(),
            },
            "withdraw_introducer",
            vec![
                member_select("member", "Người giới thiệu thôi giới thiệu"),
                text("reason", "Lý do"),
            ],
            false,
        ),
        (
            Action::ReturnDossier {
                by: Level::Grassroots,
                reason: s(),
            },
            "return_dossier",
            vec![
                select(
                    "level",
                    "Cấp trả hồ sơ",
                    vec![
                        opt("grassroots", "Đảng ủy cơ sở", ""),
                        opt("partial", "Đảng ủy bộ phận", ""),
                        opt("competent", "Cấp ủy có thẩm quyền", ""),
                    ],
                ),
                text("reason", "Lý do"),
            ],
            false,
        ),
        (
            Action::ExtendDeadline {
                working_days: 0,
                reason: s(),
            },
            "extend_deadline",
            vec![
                number("working_days", "Số ngày làm việc gia hạn"),
                text("reason", "Lý do"),
            ],
            false,
        ),
        (
            Action::SuperiorRuling {
                decision_no: s(),
                recognise: true,
            },
            "superior_ruling",
            vec![
                text("decision_no", "Số quyết định"),
                select(
                    "approved",
                    "Quyết định",
                    vec![
                        opt("yes", "Công nhận đảng viên chính thức", ""),
                        opt("no", "Xóa tên", ""),
                    ],
                ),
            ],
            false,
        ),
        (
            Action::TransferIn { from: s() },
            "transfer_in",
            vec![text("from", "Nơi chuyển đi")],
            false,
        ),
        (
            Action::Remove {
                decision_no: s(),
                reason: s(),
            },
            "remove",
            vec![
                text("decision_no", "Số quyết định"),
                text("reason", "Lý do"),
            ],
            true,
        ),
        (
            Action::Annul {
                decision_no: s(),
                reason: s(),
                target: AnnulTarget::Admission,
            },
            "annul",
            vec![
                text("decision_no", "Số quyết định hủy"),
                select(
                    "target",
                    "Hủy quyết định",
                    vec![
                        opt("admission", "Kết nạp", ""),
                        opt("recognition", "Công nhận đảng viên chính thức", ""),
                    ],
                ),
                text("reason", "Lý do"),
            ],
            true,
        ),
    ]
}

/// A step form as posted: every field any step uses.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct StepInput {
    action: String,
    version: String,
    on: Option<String>,
    resolution_no: Option<String>,
    decision_no: Option<String>,
    report_no: Option<String>,
    number: Option<String>,
    issued_on: Option<String>,
    issuer_kind: Option<String>,
    issuer: Option<String>,
    course: Option<String>,
    member: Option<String>,
    letter_on: Option<String>,
    alongside_since: Option<String>,
    union: Option<String>,
    resolution_on: Option<String>,
    summary_on: Option<String>,
    request_no: Option<String>,
    subject: Option<String>,
    destination: Option<String>,
    outcome: Option<String>,
    official_members: Option<String>,
    base_note: Option<String>,
    exempt_absent: Option<String>,
    present: Option<String>,
    in_favour: Option<String>,
    members: Option<String>,
    approved: Option<String>,
    authority: Option<String>,
    received_on: Option<String>,
    certificate_no: Option<String>,
    late_approval: Option<String>,
    reason: Option<String>,
    to: Option<String>,
    level: Option<String>,
    working_days: Option<String>,
    from: Option<String>,
    target: Option<String>,
    document_no: Option<String>,
    grounds: Option<String>,
    healthy: Option<String>,
    reputable: Option<String>,
    ground: Option<String>,
    special_need: Option<String>,
    standing: Option<String>,
    school_year: Option<String>,
    grade: Option<String>,
    conduct: Option<String>,
}

impl StepInput {
    /// What was typed in the field `name`.
    fn field(&self, name: &str) -> Option<&String> {
        match name {
            "resolution_no" => self.resolution_no.as_ref(),
            "decision_no" => self.decision_no.as_ref(),
            "report_no" => self.report_no.as_ref(),
            "number" => self.number.as_ref(),
            "issued_on" => self.issued_on.as_ref(),
            "issuer_kind" => self.issuer_kind.as_ref(),
            "issuer" => self.issuer.as_ref(),
            "course" => self.course.as_ref(),
            "member" => self.member.as_ref(),
            "letter_on" => self.letter_on.as_ref(),
            "alongside_since" => self.alongside_since.as_ref(),
            "union" => self.union.as_ref(),
            "resolution_on" => self.resolution_on.as_ref(),
            "summary_on" => self.summary_on.as_ref(),
            "request_no" => self.request_no.as_ref(),
            "subject" => self.subject.as_ref(),
            "destination" => self.destination.as_ref(),
            "outcome" => self.outcome.as_ref(),
            "official_members" => self.official_members.as_ref(),
            "base_note" => self.base_note.as_ref(),
            "exempt_absent" => self.exempt_absent.as_ref(),
            "present" => self.present.as_ref(),
            "in_favour" => self.in_favour.as_ref(),
            "members" => self.members.as_ref(),
            "approved" => self.approved.as_ref(),
            "authority" => self.authority.as_ref(),
            "received_on" => self.received_on.as_ref(),
            "certificate_no" => self.certificate_no.as_ref(),
            "late_approval" => self.late_approval.as_ref(),
            "reason" => self.reason.as_ref(),
            "to" => self.to.as_ref(),
            "level" => self.level.as_ref(),
            "working_days" => self.working_days.as_ref(),
            "from" => self.from.as_ref(),
            "target" => self.target.as_ref(),
            "document_no" => self.document_no.as_ref(),
            "grounds" => self.grounds.as_ref(),
            "healthy" => self.healthy.as_ref(),
            "reputable" => self.reputable.as_ref(),
            "ground" => self.ground.as_ref(),
            "special_need" => self.special_need.as_ref(),
            "standing" => self.standing.as_ref(),
            "school_year" => self.school_year.as_ref(),
            "grade" => self.grade.as_ref(),
            "conduct" => self.conduct.as_ref(),
            _ => None,
        }
    }

    /// Put what was typed back into the form it was posted from, and open it.
    fn refill(&self, form: &mut StepForm) {
        form.open = true;
        if let Some(on) = &self.on {
            form.on = on.clone();
        }
        for f in &mut form.fields {
            let Some(v) = self.field(f.name) else {
                continue;
            };
            if f.kind == "select" {
                for o in &mut f.options {
                    o.selected = o.value == *v;
                }
            } else {
                f.value = v.clone();
            }
        }
    }
}

fn val(v: &Option<String>) -> String {
    v.as_deref().unwrap_or("").trim().to_string()
}

fn req_date(v: &Option<String>, label: &str) -> Result<Date, String> {
    parse_vn(&val(v)).ok_or_else(|| {
        format!("{label}: ngày không hợp lệ, hãy nhập theo dạng ngày/tháng/năm, ví dụ 07/03/2026.")
    })
}

fn req_num(v: &Option<String>, label: &str) -> Result<u32, String> {
    ketnap_domain::numfmt::parse_count_vi(&val(v))
        .ok_or_else(|| format!("{label}: hãy nhập một số nguyên không âm."))
}

fn member_ref(v: &Option<String>) -> Result<MemberFacts, String> {
    let id = val(v);
    if id.is_empty() {
        return Err("Hãy chọn đảng viên.".to_string());
    }
    Ok(MemberFacts {
        member_id: id,
        official: true,
        same_cell: true,
        same_grassroots: true,
    })
}

fn approved(v: &Option<String>) -> bool {
    val(v) != "no"
}

fn authority(v: &Option<String>) -> Authority {
    match val(v).as_str() {
        "grassroots" => Authority::GrassrootsCommittee,
        "central" => Authority::CentralLevelCommittee,
        _ => Authority::SuperiorStandingCommittee,
    }
}

fn tally(f: &StepInput) -> Result<Tally, String> {
    Ok(Tally {
        official_members: req_num(&f.official_members, "Số đảng viên chính thức")?,
        exempt_absent: if val(&f.exempt_absent).is_empty() {
            0
        } else {
            req_num(&f.exempt_absent, "Số miễn sinh hoạt vắng mặt")?
        },
        present: req_num(&f.present, "Số có mặt")?,
        ballots: None,
        in_favour: req_num(&f.in_favour, "Số tán thành")?,
    })
}

fn committee(f: &StepInput) -> Result<CommitteeTally, String> {
    Ok(CommitteeTally {
        members: req_num(&f.members, "Tổng số cấp ủy viên")?,
        in_favour: req_num(&f.in_favour, "Số tán thành")?,
    })
}

/// Parse a posted step form into a command; a Vietnamese message when a field is malformed.
fn parse_step(f: &StepInput) -> Result<Command, String> {
    let on = req_date(&f.on, "Ngày thực hiện")?;
    let action = match f.action.as_str() {
        "list_as_sympathizer" => Action::ListAsSympathizer {
            resolution_no: val(&f.resolution_no),
            mentor: member_ref(&f.member)?,
        },
        "assign_mentor" => Action::AssignMentor {
            mentor: member_ref(&f.member)?,
        },
        "enrol_in_course" => Action::EnrolInCourse {
            course: val(&f.course),
        },
        "record_certificate" => {
            let name = val(&f.issuer);
            Action::RecordCertificate {
                number: val(&f.number),
                issued_on: req_date(&f.issued_on, "Ngày cấp")?,
                issuer: match val(&f.issuer_kind).as_str() {
                    "committee" => CertIssuer::CompetentCommittee(name),
                    "other" => CertIssuer::Other(name),
                    _ => CertIssuer::PoliticalCentre(name),
                },
            }
        }
        "submit_application" => Action::SubmitApplication,
        "declare_background" => Action::DeclareBackground,
        "add_introducer" => Action::AddIntroducer {
            introducer: member_ref(&f.member)?,
            letter_on: req_date(&f.letter_on, "Ngày viết giấy giới thiệu")?,
            alongside_since: req_date(&f.alongside_since, "Cùng công tác từ ngày")?,
            replaces: None,
        },
        "record_union_introduction" => Action::RecordUnionIntroduction {
            union: if val(&f.union) == "trade" {
                UnionKind::TradeUnion
            } else {
                UnionKind::YouthUnion
            },
            resolution_no: val(&f.resolution_no),
            resolution_on: req_date(&f.resolution_on, "Ngày nghị quyết")?,
        },
        "record_comments" => Action::RecordComments {
            summary_on: req_date(&f.summary_on, "Ngày tổng hợp ý kiến")?,
        },
        "stamp_background" => Action::StampBackground,
        "send_verification" => Action::SendVerification {
            request_no: req_num(&f.request_no, "Số thứ tự công văn")?,
            subject: RELATIONS
                .into_iter()
                .find(|r| relation_code(*r) == val(&f.subject))
                .unwrap_or(Relation::Candidate),
            destination: val(&f.destination),
        },
        "answer_verification" => Action::AnswerVerification {
            request_no: req_num(&f.request_no, "Số thứ tự công văn")?,
            outcome: match val(&f.outcome).as_str() {
                "unclear" => VerificationOutcome::Unclear,
                "disqualifying" => VerificationOutcome::Disqualifying,
                _ => VerificationOutcome::Clear,
            },
        },
        "certify_background" => Action::CertifyBackground,
        "record_student_results" => Action::RecordStudentResults {
            school_year: val(&f.school_year),
            grade: Standing::from_code(&val(&f.grade)).unwrap_or(Standing::Average),
            conduct: Standing::from_code(&val(&f.conduct)).unwrap_or(Standing::Average),
        },
        "record_superior_consent" => Action::RecordSuperiorConsent {
            document_no: val(&f.document_no),
            grounds: match val(&f.grounds).as_str() {
                "over_age" => ConsentGrounds::OverAge {
                    healthy: val(&f.healthy) == "yes",
                    reputable: val(&f.reputable) == "yes",
                    ground: match val(&f.ground).as_str() {
                        "special_need" => OverAgeGround::SpecialNeed(val(&f.special_need)),
                        _ => OverAgeGround::NoLocalOrganisation,
                    },
                },
                "literate" => ConsentGrounds::Literate {
                    standing: [
                        LiterateStanding::VillageElder,
                        LiterateStanding::HamletHead,
                        LiterateStanding::PrestigiousPerson,
                    ]
                    .into_iter()
                    .find(|l| standing_code(*l) == val(&f.standing))
                    .unwrap_or(LiterateStanding::PrestigiousPerson),
                },
                _ => ConsentGrounds::Readmission,
            },
        },
        "cell_vote" => Action::CellVote {
            base_note: Some(val(&f.base_note)).filter(|s| !s.is_empty()),
            resolution_no: val(&f.resolution_no),
            tally: tally(f)?,
        },
        "partial_appraisal" => Action::PartialAppraisal {
            report_no: val(&f.report_no),
            approved: approved(&f.approved),
        },
        "grassroots_vote" => Action::GrassrootsVote {
            resolution_no: val(&f.resolution_no),
            tally: committee(f)?,
        },
        "admission_decision" => Action::AdmissionDecision {
            decision_no: val(&f.decision_no),
            approved: approved(&f.approved),
            authority: authority(&f.authority),
            received_on: req_date(&f.received_on, "Ngày nhận quyết định")?,
            superior_consent_on: None,
        },
        "hold_ceremony" => Action::HoldCeremony {
            late_approval: Some(val(&f.late_approval)).filter(|s| !s.is_empty()),
        },
        "declare_member_background" => Action::DeclareMemberBackground,
        "complete_new_member_course" => Action::CompleteNewMemberCourse {
            certificate_no: val(&f.certificate_no),
        },
        "submit_self_review" => Action::SubmitSelfReview,
        "recognition_cell_vote" => Action::RecognitionCellVote {
            base_note: Some(val(&f.base_note)).filter(|s| !s.is_empty()),
            resolution_no: val(&f.resolution_no),
            tally: tally(f)?,
        },
        "recognition_grassroots_vote" => Action::RecognitionGrassrootsVote {
            resolution_no: val(&f.resolution_no),
            tally: committee(f)?,
        },
        "recognition_decision" => Action::RecognitionDecision {
            decision_no: val(&f.decision_no),
            approved: approved(&f.approved),
            authority: authority(&f.authority),
        },
        "withdraw" => Action::Withdraw {
            reason: val(&f.reason),
        },
        "reject" => Action::Reject {
            reason: val(&f.reason),
        },
        "transfer_out" => Action::TransferOut { to: val(&f.to) },
        "record_death" => Action::RecordDeath,
        "fail_course" => Action::FailCourse,
        "withdraw_introducer" => Action::WithdrawIntroducer {
            member_id: member_ref(&f.member)?.member_id,
            reason: val(&f.reason),
        },
        "return_dossier" => Action::ReturnDossier {
            by: match val(&f.level).as_str() {
                "partial" => Level::Partial,
                "competent" => Level::Competent,
                _ => Level::Grassroots,
            },
            reason: val(&f.reason),
        },
        "extend_deadline" => Action::ExtendDeadline {
            working_days: req_num(&f.working_days, "Số ngày làm việc gia hạn")?,
            reason: val(&f.reason),
        },
        "superior_ruling" => Action::SuperiorRuling {
            decision_no: val(&f.decision_no),
            recognise: approved(&f.approved),
        },
        "transfer_in" => Action::TransferIn { from: val(&f.from) },
        "remove" => Action::Remove {
            decision_no: val(&f.decision_no),
            reason: val(&f.reason),
        },
        "annul" => Action::Annul {
            decision_no: val(&f.decision_no),
            reason: val(&f.reason),
            target: if val(&f.target) == "recognition" {
                AnnulTarget::Recognition
            } else {
                AnnulTarget::Admission
            },
        },
        _ => return Err("Bước này không có trong danh mục.".to_string()),
    };
    Ok(Command { on, action })
}

/// What a re-render of the candidate page carries.
#[derive(Default)]
pub(crate) struct Outcome {
    violations: Vec<Violation>,
    error: Option<String>,
    /// The form posted, to fill its fields again.
    input: Option<StepInput>,
    /// A refused document upload, to show its reason and refill its form.
    pub(crate) upload: Option<UploadInput>,
    /// A step was just saved: say what it did.
    pub(crate) saved: bool,
    /// The personal details were just corrected.
    pub(crate) person_saved: bool,
    /// The full ID number was asked for (and the reveal audited): show it once.
    pub(crate) reveal_id: bool,
}

/// The facts the rules judge a candidacy's next step by: the candidate's (from the person and the
/// candidacy) and the cell's (its kind, the committees above). `None` when the cell's facts are
/// incomplete (no next step can be judged).
pub(crate) async fn candidate_context(
    conn: &mut ketnap_store::Conn,
    c: &candidacies::CandidacyView,
    person: &ketnap_domain::person::Person,
) -> Result<Option<Context>, AppError> {
    let facts = orgs::path_facts(conn, c.cell_id).await?;
    context_of(&facts, c, person)
}

/// [`candidate_context`] from the cell's path as read ([`orgs::path_facts`]).
fn context_of(
    facts: &orgs::PathFacts,
    c: &candidacies::CandidacyView,
    person: &ketnap_domain::person::Person,
) -> Result<Option<Context>, AppError> {
    let cell = facts.org()?;
    Ok(cell
        .cell_facts(facts.has_partial_above())
        .ok()
        .map(|mut cell| {
            cell.student_thresholds = facts.thresholds.clone();
            Context {
                candidate: c.extras.facts(person),
                cell,
            }
        }))
}

/// What would refuse the next vote or decision of `c` if held `today`, for the API: the act and
/// the rules broken (empty when the dossier is ready); `None` with no such act ahead.
pub(crate) async fn readiness_of(
    conn: &mut ketnap_store::Conn,
    book: &ketnap_domain::RuleBook,
    scope: &ketnap_store::Scope,
    c: &candidacies::CandidacyView,
    today: Date,
) -> Result<Option<(Action, Vec<Violation>)>, AppError> {
    let person = people::get(conn, scope, &c.person_pub_id).await?.person;
    Ok(candidate_context(conn, c, &person)
        .await?
        .and_then(|ctx| readiness(&c.state, &ctx, book, today)))
}

pub(crate) async fn render_show(
    state: &AppState,
    auth: &Auth,
    pub_id: &str,
    outcome: Outcome,
) -> Result<ShowPage, AppError> {
    let mut conn = state.store.read().await?;
    let (c, person) = candidacies::get_with_person(&mut conn, &auth.scope, pub_id).await?;
    let person = person.person;
    // Each part of the page is read only when the role reads it (Role::reads, SECURITY.md).
    let reads = |f: ketnap_store::Field| auth.role.reads(f);
    let history =
        if reads(ketnap_store::Field::History) || reads(ketnap_store::Field::CourseResults) {
            candidacies::history(&mut conn, &auth.scope, pub_id).await?
        } else {
            Vec::new()
        };
    let notes = if reads(ketnap_store::Field::MentorNotes) {
        candidacies::mentor_notes(&mut conn, &auth.scope, pub_id).await?
    } else {
        Vec::new()
    };
    let facts = orgs::path_facts(&mut conn, c.cell_id).await?;
    let context = context_of(&facts, &c, &person)?;
    let path = facts.path;
    let today = state.clock.today();
    let months: Vec<(i16, i8)> = notes.iter().map(|n| (n.year, n.month)).collect();
    // Deadlines and the readiness check are the file's: shown to the roles that follow it (the
    // mentor-note deadline needs the notes; without them it would count every month as missing).
    let follows_file =
        reads(ketnap_store::Field::History) && reads(ketnap_store::Field::MentorNotes);
    let mut raised = if follows_file {
        alerts(&c.state, &state.book, &months, today)
    } else {
        Vec::new()
    };
    raised.sort_by_key(|a| (a.status, a.due));
    let alert_items = raised
        .iter()
        .cloned()
        .map(|a| AlertItem {
            status: a.status.label_vi(),
            class: match a.status {
                AlertStatus::Overdue => "overdue",
                AlertStatus::DueSoon => "due-soon",
                AlertStatus::Upcoming => "upcoming",
            },
            due: format_vn(a.due),
            message: a.message_vi,
        })
        .collect();
    // The dossier's facts are judged on the cell's vote date once it voted (intro.youth_union).
    let facts_on = c.state.cell_resolution.as_ref().map_or(today, |r| r.on);
    let (next, competent, facts, ready) = match context {
        Some(ctx) => {
            let competent = ctx.cell.competent_authority;
            let partial = ctx.cell.has_partial_committee;
            let facts = DossierFacts::of(&c.state, &ctx, state.book.in_force(facts_on), facts_on);
            let appraisal = action_label_vi(&Action::PartialAppraisal {
                report_no: String::new(),
                approved: true,
            });
            // The appraisal belongs only where a partial committee stands above the cell.
            let mut next = next_steps(&c.state, &ctx);
            next.retain(|l| partial || *l != appraisal);
            // The consent step only for those it can concern (over 60, literate exception,
            // re-admission).
            if !is_student(&c.state) {
                let results = action_label_vi(&Action::RecordStudentResults {
                    school_year: String::new(),
                    grade: Standing::Fair,
                    conduct: Standing::Good,
                });
                next.retain(|l| *l != results);
            }
            if !consent_may_apply(&c.state, &ctx, state.book.in_force(today), today) {
                let consent = action_label_vi(&Action::RecordSuperiorConsent {
                    document_no: String::new(),
                    grounds: ConsentGrounds::Readmission,
                });
                next.retain(|l| *l != consent);
            }
            let ready =
                readiness(&c.state, &ctx, &state.book, today).map(|(act, broken)| Readiness {
                    act: action_label_vi(&act),
                    problems: broken,
                });
            let ready = if reads(ketnap_store::Field::History) {
                ready
            } else {
                None
            };
            (next, competent, facts, ready)
        }
        None => (
            Vec::new(),
            Authority::SuperiorStandingCommittee,
            DossierFacts {
                introducers: 2,
                verification: true,
                ..DossierFacts::default()
            },
            None,
        ),
    };
    let documents = if reads(ketnap_store::Field::DossierFiles) {
        candidacies::documents(&mut conn, &auth.scope, pub_id).await?
    } else {
        Vec::new()
    };
    let events: Vec<ketnap_domain::lifecycle::Event> =
        history.iter().map(|e| e.event.clone()).collect();
    let mut dossier = DossierSection::build(
        &checklist(c.stage, &facts),
        &events,
        &documents,
        auth.role,
        today,
        outcome.upload,
    );
    // A document ketnap prints from the recorded step is listed in its dossier row.
    if crate::pages::papers::role_prints(auth.role) {
        for row in &mut dossier.rows {
            let kind = ketnap_io::paper::PaperKind::ALL
                .into_iter()
                .find(|k| k.form_code() == Some(row.code.as_str()) && k.available(&c.state));
            if let Some(k) = kind {
                let href = format!("/candidates/{}/paper/{}", c.pub_id, k.code());
                row.paper = Some((href.clone(), format!("{href}?format=docx")));
            }
        }
    }
    let mut forms: Vec<(StepWeight, Action, StepForm)> = Vec::new();
    if auth.role.writes() {
        let roster = members::list_by_cell(
            &mut conn,
            &auth.scope,
            c.cell_id,
            RosterFilter::Only(MemberStatus::Official),
            None,
            500,
        )
        .await?;
        let member_opts: Vec<Opt> = roster
            .items
            .into_iter()
            .map(|m| opt(m.pub_id, m.full_name, ""))
            .collect();
        let today_vn = format_vn(today);
        // A vote's count starts from the cell's roster today (vote.cell checks it on the vote's
        // day and says the number when they differ).
        let officials = member_opts.len().to_string();
        for (sample, code, mut fields, ending) in step_catalogue(&member_opts, &today_vn, competent)
        {
            for f in fields.iter_mut().filter(|f| f.name == "official_members") {
                f.value.clone_from(&officials);
            }
            let label = action_label_vi(&sample);
            if next.contains(&label) && candidacies::may_execute(auth.role, &sample) {
                let mut form = StepForm {
                    code,
                    label,
                    fields,
                    ending,
                    button: button_vi(&sample),
                    on: today_vn.clone(),
                    open: false,
                    why: None,
                };
                if let Some(input) = outcome.input.as_ref().filter(|i| i.action == code) {
                    input.refill(&mut form);
                }
                forms.push((step_weight(&sample), sample, form));
            }
        }
    }
    // The step the process expects now: the one answering the most urgent alert, else the first
    // step of the process (the catalogue is in lifecycle order).
    let urgent = raised.iter().find_map(|a| {
        forms
            .iter()
            .position(|(_, sample, _)| a.kind.cleared_by(sample))
            .map(|i| (i, a))
    });
    let primary_at = match urgent {
        Some((i, _)) => Some(i),
        None => forms.iter().position(|(w, _, _)| *w == StepWeight::Process),
    };
    let mut primary = primary_at.map(|i| forms.remove(i).2);
    if let (Some(p), Some((_, a))) = (primary.as_mut(), urgent) {
        p.why = Some(format!("{} {}", a.status.label_vi(), format_vn(a.due)));
    }
    let mut groups: Vec<FormGroup> = Vec::new();
    for weight in [
        StepWeight::Process,
        StepWeight::Correction,
        StepWeight::Exit,
    ] {
        let of: Vec<StepForm> = forms
            .iter()
            .filter(|(w, _, _)| *w == weight)
            .map(|(_, _, f)| f.clone())
            .collect();
        if !of.is_empty() {
            groups.push(FormGroup {
                label: if primary.is_none() && weight == StepWeight::Process {
                    "Các bước của quy trình"
                } else {
                    weight.label_vi()
                },
                ending: weight == StepWeight::Exit,
                forms: of,
            });
        }
    }
    let saved = outcome.saved.then(|| history.last()).flatten().map(|e| {
        let result = vote_result_vi(&e.event, &state.book);
        Saved {
            what: format!(
                "{}, ngày {}",
                action_label_vi(&e.event.action),
                format_vn(e.event.on)
            ),
            failed: e.event.passed == Some(false),
            result,
            stage: c.stage.label_vi(),
            next: match primary.as_ref() {
                Some(p) => format!("Việc tiếp theo: {}.", p.label),
                None if next.is_empty() => "Hồ sơ không còn bước nào để thực hiện.".into(),
                None => format!("Các bước tiếp theo: {}.", next.join("; ")),
            },
        }
    });
    let mut crumbs: Vec<Crumb> = path
        .iter()
        .map(|o| Crumb {
            href: format!("/orgs/{}", o.pub_id),
            label: o.name.clone(),
        })
        .collect();
    crumbs.push(Crumb {
        href: format!("/candidates/{}", c.pub_id),
        label: c.full_name.clone(),
    });
    let source = SourceCategory::parse(&c.source_category)
        .map(|s| s.label().to_string())
        .unwrap_or_else(|_| c.source_category.clone());
    Ok(ShowPage {
        layout: auth
            .layout(c.full_name.clone(), "candidates")
            .crumbs(crumbs),
        pub_id: c.pub_id.clone(),
        version: c.version,
        name: c.full_name.clone(),
        birth: format_vn(person.birth_date.date()),
        gender: person.gender.label(),
        ethnicity: person.ethnicity.name().to_string(),
        religion: person.religion.label(),
        education: person.education.to_string(),
        source,
        cell_pub_id: c.cell_pub_id.clone(),
        cell_name: c.cell_name.clone(),
        stage: c.stage.label_vi(),
        timeline: {
            // In date order (the order of recording breaks ties): an imported history or a
            // late-recorded step is not shown out of place.
            let mut by_date: Vec<_> = history.into_iter().collect();
            by_date.sort_by_key(|e| e.event.on);
            by_date
                .into_iter()
                .map(|e| TimelineItem {
                    date: format_vn(e.event.on),
                    label: action_label_vi(&e.event.action),
                    stage: e.event.stage.label_vi(),
                    result: vote_result_vi(&e.event, &state.book),
                    failed: e.event.passed == Some(false),
                    number: action_number(&e.event.action).map(str::to_string),
                    rules: e.event.rules_version,
                    warnings: e.event.warnings,
                })
                .collect()
        },
        notes: notes
            .into_iter()
            .map(|n| NoteItem {
                month: format!("{:02}/{}", n.month, n.year),
                written: format_vn(n.written_on),
                content: n.content,
            })
            .collect(),
        alerts: alert_items,
        next,
        primary,
        groups,
        saved,
        confidence_note: ketnap_domain::rules::Confidence::EXPLAINED_VI,
        ready,
        correct: candidacies::may_correct_person(auth.role).then(|| {
            let f = ketnap_domain::person::PersonForm::of(&person);
            CorrectPerson {
                genders: Gender::ALL
                    .iter()
                    .map(|g| opt(g.code(), g.label(), &f.gender))
                    .collect(),
                religions: Religion::ALL
                    .iter()
                    .map(|r| opt(r.code(), r.label(), &f.religion))
                    .collect(),
                full_name: f.full_name,
                birth_date: f.birth_date,
                ethnicity: person.ethnicity.name().to_string(),
                education: f.education,
                has_id: person.id_number.is_some(),
            }
        }),
        reads: Reads::of(auth.role),
        id_conflicts: people::id_conflicts(&mut conn, &auth.scope, c.person_id)
            .await?
            .into_iter()
            .map(|k| {
                (
                    k.other_name,
                    format_vn(jiff::tz::Offset::constant(7).to_datetime(k.found_at).date()),
                )
            })
            .collect(),
        person_saved: outcome.person_saved,
        id_shown: if reads(ketnap_store::Field::Sensitive) {
            person.id_number.as_ref().map(|i| {
                if outcome.reveal_id && reads(ketnap_store::Field::FullIdNumber) {
                    (i.reveal().to_string(), true)
                } else {
                    (i.to_string(), false)
                }
            })
        } else {
            None
        },
        reveals_id: reads(ketnap_store::Field::FullIdNumber),
        violations: outcome.violations,
        error: outcome.error,
        today: format_vn(today),
        dossier,
        papers: if crate::pages::papers::role_prints(auth.role) {
            ketnap_io::paper::PaperKind::ALL
                .iter()
                .filter(|k| k.available(&c.state))
                .map(|k| {
                    let href = format!("/candidates/{}/paper/{}", c.pub_id, k.code());
                    (k.label_vi(), href.clone(), format!("{href}?format=docx"))
                })
                .collect()
        } else {
            Vec::new()
        },
        cohorts: if crate::pages::papers::role_prints(auth.role) {
            [
                c.state
                    .cell_resolution
                    .as_ref()
                    .map(|r| ("cell_vote", "Cả đợt chi bộ xét ngày", r.on)),
                c.state
                    .ceremony_on
                    .map(|d| ("hold_ceremony", "Cả đợt lễ kết nạp ngày", d)),
            ]
            .into_iter()
            .flatten()
            .map(|(step, label, on)| {
                let on = format_vn(on);
                (
                    format!("{label} {on}"),
                    format!("/cohort?cell={}&on={on}&step={step}", c.cell_pub_id),
                )
            })
            .collect()
        } else {
            Vec::new()
        },
    })
}

/// The query of the candidate page.
#[derive(Debug, Default, Deserialize)]
pub struct ShowQuery {
    /// Set after a step was saved (`?da_ghi=1`): say what it did.
    #[serde(default)]
    da_ghi: Option<String>,
    /// Set after the personal details were corrected (`?da_sua=1`).
    #[serde(default)]
    da_sua: Option<String>,
}

/// `GET /candidates/{pub_id}`
pub async fn show(
    State(state): State<AppState>,
    auth: Auth,
    Path(pub_id): Path<String>,
    Query(q): Query<ShowQuery>,
) -> Result<Response, AppError> {
    let outcome = Outcome {
        saved: q.da_ghi.is_some(),
        person_saved: q.da_sua.is_some(),
        ..Outcome::default()
    };
    let page = render_show(&state, &auth, &pub_id, outcome).await?;
    Ok(Html(page.render()?).into_response())
}

/// `POST /candidates/{pub_id}/step`
pub async fn step(
    State(state): State<AppState>,
    auth: Auth,
    Path(pub_id): Path<String>,
    Form(input): Form<StepInput>,
) -> Result<Response, AppError> {
    let posted = input.clone();
    let rerender = |status: StatusCode, outcome: Outcome| {
        let posted = posted.clone();
        let state = state.clone();
        let auth = auth.clone();
        let pub_id = pub_id.clone();
        async move {
            let outcome = Outcome {
                input: Some(posted.clone()),
                ..outcome
            };
            let page = render_show(&state, &auth, &pub_id, outcome).await?;
            Ok::<Response, AppError>((status, Html(page.render()?)).into_response())
        }
    };
    let command = match parse_step(&input) {
        Ok(c) => c,
        Err(message) => {
            return rerender(
                StatusCode::UNPROCESSABLE_ENTITY,
                Outcome {
                    error: Some(message),
                    ..Outcome::default()
                },
            )
            .await;
        }
    };
    let Ok(version) = input.version.trim().parse::<i64>() else {
        return Err(AppError::BadRequest(
            "Biểu mẫu thiếu phiên bản hồ sơ; hãy tải lại trang.".into(),
        ));
    };
    let mut tx = state.store.begin().await?;
    let ctx = state.write_ctx(Some(auth.user.user_id));
    match candidacies::execute(
        &mut tx,
        &ctx,
        &state.book,
        &auth.scope,
        &pub_id,
        version,
        command,
    )
    .await
    {
        Ok(_) => {
            tx.commit().await?;
            Ok(Redirect::to(&format!("/candidates/{pub_id}?da_ghi=1#ket-qua")).into_response())
        }
        Err(StoreError::Refused(violations)) => {
            drop(tx);
            rerender(
                StatusCode::UNPROCESSABLE_ENTITY,
                Outcome {
                    violations,
                    ..Outcome::default()
                },
            )
            .await
        }
        Err(StoreError::Conflict { .. }) => {
            drop(tx);
            let message = "Hồ sơ vừa được người khác cập nhật; bước này chưa được lưu. Hãy xem lại hồ sơ và thực hiện lại.";
            rerender(
                StatusCode::CONFLICT,
                Outcome {
                    error: Some(message.into()),
                    ..Outcome::default()
                },
            )
            .await
        }
        Err(e @ StoreError::Invalid { .. }) => {
            drop(tx);
            rerender(
                StatusCode::UNPROCESSABLE_ENTITY,
                Outcome {
                    error: Some(e.message_vi()),
                    ..Outcome::default()
                },
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /candidates/{pub_id}/reveal-id`: show the candidate's ID number in full, once, to a role
/// that reads it ([`ketnap_store::Field::FullIdNumber`]); every reveal is an audit row
/// (`person.reveal_id`, the person's public id, never the number).
pub async fn reveal_id(
    State(state): State<AppState>,
    auth: Auth,
    Path(pub_id): Path<String>,
) -> Result<Response, AppError> {
    if !auth.role.reads(ketnap_store::Field::FullIdNumber) {
        return Err(AppError::Forbidden);
    }
    let c = candidacies::get(&mut state.store.read().await?, &auth.scope, &pub_id).await?;
    let mut tx = state.store.begin().await?;
    ketnap_store::audit::append(
        &mut tx,
        &state.write_ctx(Some(auth.user.user_id)),
        &ketnap_store::audit::AuditEntry {
            action: "person.reveal_id",
            object_kind: "person",
            object_id: &c.person_pub_id,
            org_id: Some(c.cell_id),
            detail: serde_json::json!({ "candidacy": c.pub_id }),
        },
    )
    .await?;
    tx.commit().await?;
    let page = render_show(
        &state,
        &auth,
        &pub_id,
        Outcome {
            reveal_id: true,
            ..Outcome::default()
        },
    )
    .await?;
    Ok(Html(page.render()?).into_response())
}

/// The correction of a candidate's personal details as posted.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct CorrectInput {
    #[serde(default)]
    full_name: String,
    #[serde(default)]
    birth_date: String,
    #[serde(default)]
    gender: String,
    #[serde(default)]
    ethnicity: String,
    #[serde(default)]
    religion: String,
    #[serde(default)]
    education: String,
    #[serde(default)]
    id_number: String,
    /// Remove the recorded ID number (a blank field keeps it).
    #[serde(default)]
    clear_id: Option<String>,
}

/// `POST /candidates/{pub_id}/person`: correct the person's details (name, birth date, gender,
/// ethnicity, religion, education, ID number) without touching the candidacy; staff only, audited
/// as `person.update`. Every other field is kept as it stands.
pub async fn correct_person(
    State(state): State<AppState>,
    auth: Auth,
    Path(pub_id): Path<String>,
    Form(input): Form<CorrectInput>,
) -> Result<Response, AppError> {
    if !candidacies::may_correct_person(auth.role) {
        return Err(AppError::Forbidden);
    }
    let (record, cell_id) = {
        let mut conn = state.store.read().await?;
        let c = candidacies::get(&mut conn, &auth.scope, &pub_id).await?;
        (
            people::get(&mut conn, &auth.scope, &c.person_pub_id).await?,
            c.cell_id,
        )
    };
    let mut form = ketnap_domain::person::PersonForm::of(&record.person);
    form.full_name = input.full_name;
    form.birth_date = input.birth_date;
    form.gender = input.gender;
    form.ethnicity = input.ethnicity;
    form.religion = input.religion;
    form.education = input.education;
    // The recorded number is never sent to the form (it shows masked): a blank field keeps it.
    if input.clear_id.is_some() {
        form.id_number = String::new();
    } else if !input.id_number.trim().is_empty() {
        form.id_number = input.id_number;
    }
    let refused = |message: String| {
        let state = state.clone();
        let auth = auth.clone();
        let pub_id = pub_id.clone();
        async move {
            let outcome = Outcome {
                error: Some(message),
                ..Outcome::default()
            };
            let page = render_show(&state, &auth, &pub_id, outcome).await?;
            Ok::<Response, AppError>(
                (StatusCode::UNPROCESSABLE_ENTITY, Html(page.render()?)).into_response(),
            )
        }
    };
    let person = match form.parse(state.clock.today()) {
        Ok(p) => p,
        Err(errors) => {
            let list: Vec<&str> = errors.iter().map(|e| e.message_vi()).collect();
            return refused(format!(
                "Chưa sửa được thông tin cá nhân, không có gì được lưu: {}",
                list.join(" ")
            ))
            .await;
        }
    };
    let mut tx = state.store.begin().await?;
    match people::update(
        &mut tx,
        &state.write_ctx(Some(auth.user.user_id)),
        &auth.scope,
        record.person_id,
        &person,
        Some(cell_id),
    )
    .await
    {
        Ok(()) => {
            tx.commit().await?;
            Ok(Redirect::to(&format!("/candidates/{pub_id}?da_sua=1")).into_response())
        }
        Err(e @ StoreError::Invalid { .. }) => {
            drop(tx);
            refused(format!(
                "Chưa sửa được thông tin cá nhân, không có gì được lưu: {}",
                e.message_vi()
            ))
            .await
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------------------------
// New candidate
// ---------------------------------------------------------------------------------------------

/// The new-candidate form as posted.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct NewInput {
    #[serde(default)]
    cell: String,
    #[serde(default)]
    listed_on: String,
    #[serde(flatten)]
    person: PersonInput,
    youth_union_member: Option<String>,
    trade_union_member: Option<String>,
    /// The mass organisation introducing the candidate (public id); a mass organisation's own
    /// users must name one of theirs.
    #[serde(default)]
    proposed_by: String,
}

impl std::ops::Deref for NewInput {
    type Target = PersonInput;

    /// The person fields, so the template reads `input.full_name` as before.
    fn deref(&self) -> &PersonInput {
        &self.person
    }
}

/// templates/candidates_new.html
#[derive(Template)]
#[template(path = "candidates_new.html")]
pub struct NewPage {
    /// Layout.
    pub layout: Layout,
    /// The cells to choose from.
    pub cells: Vec<Opt>,
    /// The mass organisations that may introduce the candidate.
    pub mass_orgs: Vec<Opt>,
    /// The acting role must name the introducing mass organisation.
    pub mass_org_required: bool,
    /// What was typed.
    pub input: NewInput,
    /// Errors by field name: (field, message).
    pub errors: Vec<(&'static str, String)>,
    /// Violations of the opening.
    pub violations: Vec<Violation>,
    /// Gender options.
    pub genders: Vec<Opt>,
    /// Qualification options.
    pub qualifications: Vec<Opt>,
    /// Theory level options.
    pub theories: Vec<Opt>,
    /// Source category options.
    pub sources: Vec<Opt>,
}

/// An option whose value is the label, selected when the typed text is the label or the code.
fn label_opt(label: &str, code: &str, current: &str) -> Opt {
    Opt {
        value: label.to_string(),
        label: label.to_string(),
        selected: current == label || current == code,
    }
}

impl NewPage {
    fn build(
        layout: Layout,
        cells: Vec<Opt>,
        mass_orgs: Vec<Opt>,
        input: NewInput,
        errors: Vec<(&'static str, String)>,
        violations: Vec<Violation>,
    ) -> NewPage {
        NewPage {
            genders: Gender::ALL
                .iter()
                .map(|g| label_opt(g.label(), g.code(), &input.gender))
                .collect(),
            qualifications: Qualification::ALL
                .iter()
                .map(|g| label_opt(g.label(), g.code(), &input.qualification))
                .collect(),
            theories: TheoryLevel::ALL
                .iter()
                .map(|g| label_opt(g.label(), g.code(), &input.theory_level))
                .collect(),
            sources: SourceCategory::ALL
                .iter()
                .map(|g| label_opt(g.label(), g.code(), &input.source_category))
                .collect(),
            mass_org_required: layout
                .user
                .as_ref()
                .is_some_and(|u| u.role == ketnap_store::Role::MassOrg),
            layout,
            cells,
            mass_orgs,
            input,
            errors,
            violations,
        }
    }
}

impl NewPage {
    /// The error of a field, if any.
    pub fn error_of(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }
}

impl NewInput {
    /// Youth Union member checked.
    pub fn youth(&self) -> bool {
        self.youth_union_member.is_some()
    }
    /// Trade union member checked.
    pub fn trade(&self) -> bool {
        self.trade_union_member.is_some()
    }
}

/// The cells in the scope (open cells only), for the form's select.
async fn cell_options(
    conn: &mut ketnap_store::Conn,
    auth: &Auth,
    current: &str,
) -> Result<Vec<Opt>, AppError> {
    // Each open cell with the organisation above it: "Chi bộ Cơ quan" is a dozen cells in a
    // district, and the commune tells them apart. Grouped by that organisation, both in the
    // natural order of their names (numbers by value).
    let mut found: Vec<(String, orgs::Org)> = orgs::open_cells(conn, &auth.scope, 2000)
        .await?
        .into_iter()
        .map(|c| (c.parent_name, c.cell))
        .collect();
    found.sort_by(|(pa, a), (pb, b)| {
        compare_labels(pa, pb).then_with(|| compare_labels(&a.name, &b.name))
    });
    Ok(found
        .into_iter()
        .map(|(parent, o)| {
            let label = if parent.is_empty() {
                o.name.clone()
            } else {
                format!("{} — {parent}", o.name)
            };
            opt(o.pub_id, label, current)
        })
        .collect())
}

/// templates/cell_options.html
#[derive(Template)]
#[template(path = "cell_options.html")]
pub struct CellOptions {
    /// The cells that match.
    pub options: Vec<Opt>,
}

/// The query of the cell picker's search.
#[derive(Debug, Default, Deserialize)]
pub struct CellQuery {
    /// What was typed: part of the cell's or its commune's name, with or without marks.
    #[serde(default)]
    tim: String,
    /// The cell chosen so far.
    #[serde(default)]
    cell: String,
}

/// `GET /candidates/new/cells?tim=…`: the picker's options whose name or commune matches what was
/// typed (folded, as the candidate search), for htmx to swap in.
pub async fn cell_picker(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<CellQuery>,
) -> Result<Response, AppError> {
    if !may_list_sources(auth.role) {
        return Err(AppError::Forbidden);
    }
    let mut conn = state.store.read().await?;
    let mut options = cell_options(&mut conn, &auth, &q.cell).await?;
    let query = q.tim.trim();
    if !query.is_empty() {
        options
            .retain(|o| ketnap_domain::text::matches(&ketnap_domain::text::fold(&o.label), query));
    }
    Ok(Html(CellOptions { options }.render()?).into_response())
}

/// Roles that put people on the source list: the staff of a cell's tree, and a mass
/// organisation introducing one of its own members (it must name itself).
fn may_list_sources(role: ketnap_store::Role) -> bool {
    use ketnap_store::Role::*;
    matches!(
        role,
        Admin | OrgStaff | CommitteeMemberInCharge | CellSecretary | MassOrg
    )
}

/// The mass organisations of the scope, for "introduced by" (one query).
async fn mass_org_options(
    conn: &mut ketnap_store::Conn,
    auth: &Auth,
    current: &str,
) -> Result<Vec<Opt>, AppError> {
    Ok(
        ketnap_store::units::mass_orgs_in_scope(conn, &auth.scope, 500)
            .await?
            .into_iter()
            .map(|(pub_id, name, beside)| opt(pub_id, format!("{name} ({beside})"), current))
            .collect(),
    )
}

/// The query of `GET /candidates/new`.
#[derive(Deserialize)]
pub struct NewQuery {
    cell: Option<String>,
}

/// `GET /candidates/new?cell=…`
pub async fn new_form(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<NewQuery>,
) -> Result<Response, AppError> {
    if !may_list_sources(auth.role) {
        return Err(AppError::Forbidden);
    }
    let mut conn = state.store.read().await?;
    let cell = q.cell.unwrap_or_default();
    let input = NewInput {
        cell: cell.clone(),
        listed_on: format_vn(state.clock.today()),
        person: PersonInput {
            ethnicity: "Kinh".into(),
            religion: "Không".into(),
            education: "12/12".into(),
            theory_level: "Không".into(),
            ..PersonInput::default()
        },
        ..NewInput::default()
    };
    let page = NewPage::build(
        auth.layout("Thêm quần chúng vào danh sách nguồn", "candidates"),
        cell_options(&mut conn, &auth, &cell).await?,
        mass_org_options(&mut conn, &auth, "").await?,
        input,
        Vec::new(),
        Vec::new(),
    );
    Ok(Html(page.render()?).into_response())
}

/// `POST /candidates`
pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    Form(input): Form<NewInput>,
) -> Result<Response, AppError> {
    let today = state.clock.today();
    let form = input.person.to_form(input.youth(), input.trade());
    let mut errors: Vec<(&'static str, String)> = Vec::new();
    let person = match form.parse(today) {
        Ok(p) => Some(p),
        Err(es) => {
            errors.extend(
                es.into_iter()
                    .map(|e| (e.field(), e.message_vi().to_string())),
            );
            None
        }
    };
    if !may_list_sources(auth.role) {
        return Err(AppError::Forbidden);
    }
    if auth.role == ketnap_store::Role::MassOrg && input.proposed_by.trim().is_empty() {
        errors.push((
            "proposed_by",
            "Hãy chọn tổ chức giới thiệu quần chúng này.".into(),
        ));
    }
    let listed_on = parse_vn(&input.listed_on);
    if listed_on.is_none() {
        errors.push((
            "listed_on",
            "Ngày đưa vào danh sách nguồn không hợp lệ, hãy nhập theo dạng ngày/tháng/năm, ví dụ 07/03/2026.".into(),
        ));
    }
    let mut conn = state.store.read().await?;
    let cell = match orgs::get(&mut conn, &auth.scope, input.cell.trim()).await {
        Ok(o) => Some(o),
        Err(StoreError::NotFound(_)) => {
            errors.push(("cell", "Hãy chọn chi bộ.".into()));
            None
        }
        Err(e) => return Err(e.into()),
    };
    let mut violations = Vec::new();
    if let (Some(person), Some(on), Some(cell), true) =
        (person, listed_on, &cell, errors.is_empty())
    {
        let mut tx = state.store.begin().await?;
        let ctx = state.write_ctx(Some(auth.user.user_id));
        let result = async {
            let person_id =
                people::insert_scoped(&mut tx, &ctx, &auth.scope, &person, None).await?;
            candidacies::open(
                &mut tx,
                &ctx,
                &state.book,
                &auth.scope,
                person_id,
                cell.org_id,
                &CandidateExtras::default(),
                Command {
                    on,
                    action: Action::Open {
                        source_category: input.source_category.clone(),
                        proposed_by: Some(input.proposed_by.trim().to_string())
                            .filter(|p| !p.is_empty()),
                        readmission: None,
                    },
                },
            )
            .await
        }
        .await;
        match result {
            Ok((_, pub_id, _)) => {
                tx.commit().await?;
                return Ok(
                    Redirect::to(&format!("/candidates/{}", pub_id.as_str())).into_response()
                );
            }
            Err(StoreError::Refused(v)) => violations = v,
            Err(e @ StoreError::Invalid { .. }) => errors.push(("form", e.message_vi())),
            Err(e) => return Err(e.into()),
        }
    }
    let cells = cell_options(&mut conn, &auth, input.cell.trim()).await?;
    let mass_orgs = mass_org_options(&mut conn, &auth, input.proposed_by.trim()).await?;
    let page = NewPage::build(
        auth.layout("Thêm quần chúng vào danh sách nguồn", "candidates"),
        cells,
        mass_orgs,
        input,
        errors,
        violations,
    );
    Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(page.render()?)).into_response())
}

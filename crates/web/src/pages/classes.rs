//! `/classes` — course classes (lớp bồi dưỡng nhận thức về Đảng, lớp đảng viên mới): who waits
//! for a class and since when, with the proposals of the cells and their approval; the classes
//! of the year with attendees and pass rate; opening a class. `/classes/{id}` — one class: its
//! roster, enrolment of the approved, results, and one batch of certificates. Every rule of who
//! may do what is the store's (`ketnap_store::classes`).

use crate::extract::{Form, Query};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use jiff::civil::Date;
use ketnap_domain::dates::{format_vn, parse_vn};
use ketnap_store::StoreError;
use ketnap_store::classes::{self, ClassKind, NewClass, Outcome};
use serde::Deserialize;

use crate::AppState;
use crate::auth::Auth;
use crate::error::AppError;
use crate::layout::Layout;
use crate::pages::picker::{Opt, opt, parse_year, pick_org};

/// The routes of the area.
pub fn routes() -> crate::routes::Routes {
    crate::routes::Routes::new()
        .route("/classes", get(index).post(open))
        .route("/classes/proposals", post(proposals))
        .route("/classes/{id}", get(show))
        .route("/classes/{id}/paper", get(roster_paper))
        .route("/classes/{id}/enrol", post(enrol))
        .route("/classes/{id}/results", post(results))
        .route("/classes/{id}/certificates", post(certificates))
}

/// The query of `/classes`.
#[derive(Deserialize, Default)]
pub struct ClassesQuery {
    org: Option<String>,
    year: Option<String>,
    kind: Option<String>,
    /// Which proposals to list: `new` (not proposed), `proposed` (awaiting approval),
    /// `approved`; empty: everyone waiting.
    state: Option<String>,
}

/// The proposal states the waiting list is filtered by.
const STATES: [(&str, &str); 4] = [
    ("", "Tất cả người chờ"),
    ("new", "Chưa đề nghị"),
    ("proposed", "Đã đề nghị, chờ duyệt"),
    ("approved", "Đã duyệt, chờ ghi danh"),
];

fn kind_of(code: Option<&str>) -> Result<ClassKind, AppError> {
    match code.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(ClassKind::Awareness),
        Some(c) => ClassKind::from_code(c)
            .ok_or_else(|| AppError::BadRequest("Không có loại lớp này.".into())),
    }
}

/// One person waiting.
pub struct WaitingLine {
    /// Candidacy public id.
    pub candidacy: String,
    /// Name.
    pub name: String,
    /// Cell.
    pub cell: String,
    /// The organisation above the cell.
    pub cell_parent: String,
    /// Waiting since, dd/mm/yyyy.
    pub since: String,
    /// Days waited.
    pub days: i64,
    /// Where the proposal stands.
    pub proposal: String,
    /// Approved (the centre may enrol).
    pub approved: bool,
}

fn waiting_line(w: classes::Waiting, today: Date) -> WaitingLine {
    WaitingLine {
        days: w.days(today),
        since: format_vn(w.since.to_jiff()),
        proposal: match (w.proposed_on, w.approved_on) {
            (_, Some(a)) => format!("Đã duyệt ngày {}", format_vn(a.to_jiff())),
            (Some(p), None) => format!("Đã đề nghị ngày {}, chờ duyệt", format_vn(p.to_jiff())),
            (None, None) => "Chưa đề nghị".into(),
        },
        approved: w.approved_on.is_some(),
        candidacy: w.candidacy_pub_id,
        name: w.full_name,
        cell: w.cell_name,
        cell_parent: w.cell_parent.unwrap_or_default(),
    }
}

/// One class of the list.
pub struct ClassRow {
    /// Public id.
    pub pub_id: String,
    /// Number.
    pub number: String,
    /// Course.
    pub kind: &'static str,
    /// "07/06/2021 – 11/06/2021".
    pub dates: String,
    /// Place.
    pub place: String,
    /// Organisation running it.
    pub org: String,
    /// "2 / 40".
    pub seats: String,
    /// Completed.
    pub passed: i64,
    /// Pass rate, or "—".
    pub pass_rate: String,
    /// Certificates issued.
    pub certified: i64,
}

fn class_row(c: &classes::ClassLine) -> ClassRow {
    ClassRow {
        pub_id: c.pub_id.clone(),
        number: c.number.clone(),
        kind: c.class_kind().map_or("", ClassKind::label_vi),
        dates: format!(
            "{} – {}",
            format_vn(c.starts_on.to_jiff()),
            format_vn(c.ends_on.to_jiff())
        ),
        place: c.place.clone(),
        org: c.org_name.clone(),
        seats: format!("{} / {}", c.enrolled, c.capacity),
        passed: c.passed,
        pass_rate: c.pass_rate_vi().unwrap_or_else(|| "—".into()),
        certified: c.certified,
    }
}

/// templates/classes_index.html
#[derive(Template)]
#[template(path = "classes_index.html")]
pub struct ClassesPage {
    layout: Layout,
    org_pub_id: String,
    org_name: String,
    org_options: Vec<Opt>,
    kind_options: Vec<Opt>,
    state_options: Vec<Opt>,
    state_code: String,
    /// Everyone waiting, whatever the filter.
    waiting_total: usize,
    kind_code: &'static str,
    kind_label: &'static str,
    year: i16,
    today: String,
    waiting: Vec<WaitingLine>,
    classes: Vec<ClassRow>,
    figures: classes::CourseFigures,
    may_propose: bool,
    may_print: bool,
    may_approve: bool,
    may_run: bool,
    error: Option<String>,
}

async fn index_page(
    state: &AppState,
    auth: &Auth,
    q: &ClassesQuery,
    error: Option<String>,
) -> Result<ClassesPage, AppError> {
    let today = state.clock.today();
    let year = parse_year(q.year.as_deref(), today)?;
    let kind = kind_of(q.kind.as_deref())?;
    let mut conn = state.store.read().await?;
    let (org, org_options) = pick_org(state, &mut conn, &auth.scope, q.org.as_deref()).await?;
    let first = Date::new(year, 1, 1).map_err(|_| AppError::NotFound)?;
    let last = Date::new(year, 12, 31).map_err(|_| AppError::NotFound)?;
    let state_code = q
        .state
        .as_deref()
        .map(str::trim)
        .filter(|c| STATES.iter().any(|(k, _)| k == c))
        .unwrap_or("")
        .to_string();
    let all = if auth.role.sees_individuals() {
        classes::waiting(&mut conn, &auth.scope, org.org_id, kind).await?
    } else {
        Vec::new()
    };
    let waiting_total = all.len();
    let waiting = all
        .into_iter()
        .filter(|w| match state_code.as_str() {
            "new" => w.proposed_on.is_none(),
            "proposed" => w.proposed_on.is_some() && w.approved_on.is_none(),
            "approved" => w.approved_on.is_some(),
            _ => true,
        })
        .map(|w| waiting_line(w, today))
        .collect();
    let list: Vec<ClassRow> = classes::classes(&mut conn, &auth.scope, org.org_id, first, last)
        .await?
        .iter()
        .filter(|c| c.class_kind() == Some(kind))
        .map(class_row)
        .collect();
    let figures = classes::figures(&mut conn, org.org_id, kind, first, last).await?;
    Ok(ClassesPage {
        layout: auth.layout(format!("Lớp bồi dưỡng — {}", org.name), "classes"),
        org_pub_id: org.pub_id.clone(),
        org_name: org.name.clone(),
        org_options,
        kind_options: ClassKind::ALL
            .iter()
            .map(|k| opt(k.code(), k.label_vi(), kind.code()))
            .collect(),
        state_options: STATES
            .iter()
            .map(|(k, l)| opt(*k, *l, &state_code))
            .collect(),
        state_code,
        waiting_total,
        kind_code: kind.code(),
        kind_label: kind.label_vi(),
        year,
        today: format_vn(today),
        waiting,
        classes: list,
        figures,
        may_propose: classes::role_proposes(auth.role),
        may_print: crate::pages::papers::role_prints(auth.role),
        may_approve: classes::role_approves(auth.role),
        may_run: classes::role_runs_classes(auth.role),
        error,
    })
}

fn page_response<T: Template>(
    page: &T,
    error: bool,
    status: axum::http::StatusCode,
) -> Result<Response, AppError> {
    let status = if error {
        status
    } else {
        axum::http::StatusCode::OK
    };
    Ok((status, Html(page.render()?)).into_response())
}

/// `GET /classes`
pub async fn index(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<ClassesQuery>,
) -> Result<Response, AppError> {
    let page = index_page(&state, &auth, &q, None).await?;
    page_response(&page, false, axum::http::StatusCode::OK)
}

/// The form fields, as posted (checkboxes repeat their name).
type Fields = Vec<(String, String)>;

fn field<'a>(f: &'a Fields, key: &str) -> &'a str {
    f.iter()
        .find(|(k, _)| k == key)
        .map_or("", |(_, v)| v.as_str())
}

fn all_of(f: &Fields, key: &str) -> Vec<String> {
    f.iter()
        .filter(|(k, _)| k == key)
        .map(|(_, v)| v.clone())
        .collect()
}

fn date_field(f: &Fields, key: &str, label: &str) -> Result<Date, AppError> {
    parse_vn(field(f, key)).ok_or_else(|| {
        AppError::BadRequest(format!(
            "{label}: hãy ghi theo dạng ngày/tháng/năm, ví dụ 07/03/2026."
        ))
    })
}

/// Whether an error is the user's (shown on the page again) rather than a fault.
fn shown_again(e: &AppError) -> bool {
    matches!(
        e,
        AppError::BadRequest(_)
            | AppError::Store(
                StoreError::Invalid { .. } | StoreError::Refused(_) | StoreError::Conflict { .. }
            )
    )
}

async fn index_again(
    state: &AppState,
    auth: &Auth,
    f: &Fields,
    e: AppError,
) -> Result<Response, AppError> {
    if !shown_again(&e) {
        return Err(e);
    }
    let q = ClassesQuery {
        org: Some(field(f, "org").to_string()),
        year: Some(field(f, "year").to_string()),
        kind: Some(field(f, "kind").to_string()),
        state: Some(field(f, "state").to_string()),
    };
    let status = e.status();
    let page = index_page(state, auth, &q, Some(e.message_vi().1)).await?;
    page_response(&page, true, status)
}

/// `POST /classes`: open a class run by the chosen organisation.
pub async fn open(
    State(state): State<AppState>,
    auth: Auth,
    Form(f): Form<Fields>,
) -> Result<Response, AppError> {
    let result: Result<String, AppError> = async {
        let kind = kind_of(Some(field(&f, "kind")))?;
        let capacity =
            ketnap_domain::numfmt::parse_count_vi(field(&f, "capacity")).ok_or_else(|| {
                AppError::BadRequest("Số học viên tối đa: hãy ghi một số, ví dụ 60.".into())
            })?;
        let new = NewClass {
            kind,
            number: field(&f, "number").to_string(),
            starts_on: date_field(&f, "starts_on", "Ngày khai giảng")?,
            ends_on: date_field(&f, "ends_on", "Ngày kết thúc")?,
            place: field(&f, "place").to_string(),
            capacity,
            lecturers: field(&f, "lecturers").to_string(),
            issuer: field(&f, "issuer").to_string(),
        };
        let mut conn = state.store.read().await?;
        let org = ketnap_store::orgs::get(&mut conn, &auth.scope, field(&f, "org")).await?;
        drop(conn);
        let mut tx = state.store.begin().await?;
        let id = classes::open(
            &mut tx,
            &state.write_ctx(Some(auth.user.user_id)),
            &auth.scope,
            org.org_id,
            &new,
        )
        .await?;
        tx.commit().await?;
        Ok(id.as_str().to_string())
    }
    .await;
    match result {
        Ok(id) => Ok(Redirect::to(&format!("/classes/{id}")).into_response()),
        Err(e) => index_again(&state, &auth, &f, e).await,
    }
}

/// `POST /classes/proposals`: the cell proposes the ticked people; the committee above approves.
pub async fn proposals(
    State(state): State<AppState>,
    auth: Auth,
    Form(f): Form<Fields>,
) -> Result<Response, AppError> {
    let result: Result<(), AppError> = async {
        let ids = all_of(&f, "candidacy");
        if ids.is_empty() {
            return Err(AppError::BadRequest(
                "Hãy đánh dấu ít nhất một người.".into(),
            ));
        }
        let on = date_field(&f, "on", "Ngày")?;
        let ctx = state.write_ctx(Some(auth.user.user_id));
        let mut tx = state.store.begin().await?;
        if field(&f, "action") == "approve" {
            classes::approve(&mut tx, &ctx, &auth.scope, &ids, on).await?;
        } else {
            classes::propose(&mut tx, &ctx, &auth.scope, &ids, on).await?;
        }
        tx.commit().await?;
        Ok(())
    }
    .await;
    match result {
        Ok(()) => Ok(Redirect::to(&format!(
            "/classes?org={}&year={}&kind={}&state={}",
            field(&f, "org"),
            field(&f, "year"),
            field(&f, "kind"),
            field(&f, "state")
        ))
        .into_response()),
        Err(e) => index_again(&state, &auth, &f, e).await,
    }
}

/// One attendee line.
pub struct AttendeeLine {
    /// Candidacy public id.
    pub candidacy: String,
    /// Name.
    pub name: String,
    /// Birth date.
    pub birth: String,
    /// Cell.
    pub cell: String,
    /// Enrolled on.
    pub enrolled: String,
    /// Result in words ("" before results).
    pub result: &'static str,
    /// Result recorded.
    pub has_result: bool,
    /// "125/GCN-TTCT ngày 15/06/2021" or "".
    pub certificate: String,
}

/// templates/classes_show.html
#[derive(Template)]
#[template(path = "classes_show.html")]
pub struct ClassPage {
    layout: Layout,
    class: ClassRow,
    lecturers: String,
    issuer: String,
    attendees: Vec<AttendeeLine>,
    /// Approved proposals of the class's organisation not yet in a class.
    approved: Vec<WaitingLine>,
    ended: bool,
    may_run: bool,
    /// Some attendee has no result yet.
    results_pending: bool,
    /// Some attendee completed the class and has no certificate yet.
    to_certify: usize,
    today: String,
    error: Option<String>,
}

async fn class_page(
    state: &AppState,
    auth: &Auth,
    id: &str,
    error: Option<String>,
) -> Result<ClassPage, AppError> {
    let today = state.clock.today();
    let mut conn = state.store.read().await?;
    let sheet = classes::class(&mut conn, &auth.scope, id).await?;
    let may_run = classes::role_runs_classes(auth.role);
    let approved = match (may_run, sheet.class.class_kind()) {
        (true, Some(kind)) => {
            let org = classes::class_org(&mut conn, &auth.scope, id).await?;
            classes::waiting(&mut conn, &auth.scope, org, kind)
                .await?
                .into_iter()
                .filter(|w| w.approved_on.is_some())
                .map(|w| waiting_line(w, today))
                .collect()
        }
        _ => Vec::new(),
    };
    let results_pending = sheet.attendees.iter().any(|a| a.result.is_none());
    let to_certify = sheet
        .attendees
        .iter()
        .filter(|a| a.result.as_deref() == Some(Outcome::Passed.code()) && a.cert_no.is_none())
        .count();
    let attendees = sheet
        .attendees
        .iter()
        .map(|a| AttendeeLine {
            candidacy: a.candidacy_pub_id.clone(),
            name: a.full_name.clone(),
            birth: format_vn(a.birth_date.to_jiff()),
            cell: a.cell_name.clone(),
            enrolled: format_vn(a.enrolled_on.to_jiff()),
            result: a
                .result
                .as_deref()
                .and_then(Outcome::from_code)
                .map_or("", Outcome::label_vi),
            has_result: a.result.is_some(),
            certificate: match (&a.cert_no, a.cert_on) {
                (Some(n), Some(on)) => format!("{n} ngày {}", format_vn(on.to_jiff())),
                _ => String::new(),
            },
        })
        .collect();
    let c = &sheet.class;
    Ok(ClassPage {
        layout: auth.layout(format!("{} — {}", c.number, c.org_name), "classes"),
        lecturers: c.lecturers.clone(),
        issuer: c.issuer.clone(),
        ended: c.ends_on.to_jiff() <= today,
        class: class_row(c),
        attendees,
        approved,
        may_run,
        results_pending,
        to_certify,
        today: format_vn(today),
        error,
    })
}

/// `GET /classes/{id}`
pub async fn show(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let page = class_page(&state, &auth, &id, None).await?;
    page_response(&page, false, axum::http::StatusCode::OK)
}

async fn class_again(
    state: &AppState,
    auth: &Auth,
    id: &str,
    e: AppError,
) -> Result<Response, AppError> {
    if !shown_again(&e) {
        return Err(e);
    }
    let status = e.status();
    let page = class_page(state, auth, id, Some(e.message_vi().1)).await?;
    page_response(&page, true, status)
}

async fn class_step(
    state: &AppState,
    auth: &Auth,
    id: &str,
    step: impl AsyncFnOnce(&mut ketnap_store::Tx, &ketnap_store::WriteCtx) -> Result<(), AppError>,
) -> Result<Response, AppError> {
    let result: Result<(), AppError> = async {
        let ctx = state.write_ctx(Some(auth.user.user_id));
        let mut tx = state.store.begin().await?;
        step(&mut tx, &ctx).await?;
        tx.commit().await?;
        Ok(())
    }
    .await;
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/classes/{id}")).into_response()),
        Err(e) => class_again(state, auth, id, e).await,
    }
}

/// `POST /classes/{id}/enrol`
pub async fn enrol(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Form(f): Form<Fields>,
) -> Result<Response, AppError> {
    class_step(&state, &auth, &id, async |tx, ctx| {
        let ids = all_of(&f, "candidacy");
        if ids.is_empty() {
            return Err(AppError::BadRequest(
                "Hãy đánh dấu ít nhất một người.".into(),
            ));
        }
        let on = date_field(&f, "on", "Ngày ghi danh")?;
        classes::enrol(tx, ctx, &state.book, &auth.scope, &id, &ids, on).await?;
        Ok(())
    })
    .await
}

/// `POST /classes/{id}/results`: `result_<candidacy>` = passed | failed | absent (blank: later).
pub async fn results(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Form(f): Form<Fields>,
) -> Result<Response, AppError> {
    class_step(&state, &auth, &id, async |tx, ctx| {
        let mut list = Vec::new();
        for (k, v) in &f {
            if let Some(c) = k.strip_prefix("result_")
                && !v.is_empty()
            {
                let o = Outcome::from_code(v)
                    .ok_or_else(|| AppError::BadRequest("Kết quả không hợp lệ.".into()))?;
                list.push((c.to_string(), o));
            }
        }
        if list.is_empty() {
            return Err(AppError::BadRequest(
                "Hãy chọn kết quả của ít nhất một học viên.".into(),
            ));
        }
        classes::record_results(tx, ctx, &state.book, &auth.scope, &id, &list).await?;
        Ok(())
    })
    .await
}

/// `POST /classes/{id}/certificates`
pub async fn certificates(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Form(f): Form<Fields>,
) -> Result<Response, AppError> {
    class_step(&state, &auth, &id, async |tx, ctx| {
        let first = ketnap_domain::numfmt::parse_count_vi(field(&f, "first")).ok_or_else(|| {
            AppError::BadRequest("Số giấy chứng nhận đầu tiên: hãy ghi một số, ví dụ 125.".into())
        })?;
        let on = date_field(&f, "issued_on", "Ngày cấp")?;
        classes::issue_certificates(
            tx,
            ctx,
            &state.book,
            &auth.scope,
            &id,
            first,
            field(&f, "suffix"),
            on,
        )
        .await?;
        Ok(())
    })
    .await
}

/// `?format=docx`
#[derive(Deserialize, Default)]
pub struct PaperQuery {
    format: Option<String>,
}

/// `GET /classes/{id}/paper`: the class roster with results and certificates as an A4 party
/// document, or a DOCX.
pub async fn roster_paper(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Query(q): Query<PaperQuery>,
) -> Result<Response, AppError> {
    let mut conn = state.store.read().await?;
    let sheet = classes::class(&mut conn, &auth.scope, &id).await?;
    let org = classes::class_org(&mut conn, &auth.scope, &id).await?;
    let path = ketnap_store::orgs::path(&mut conn, org).await?;
    let p = ketnap_io::paper::class_roster(&path, &sheet, state.clock.today())
        .ok_or(AppError::NotFound)?;
    crate::pages::papers::respond(
        p,
        format!("Danh sách học viên — {}", sheet.class.number),
        format!("/classes/{id}/paper?format=docx"),
        format!("/classes/{id}"),
        None,
        q.format.as_deref(),
    )
}

//! `/verification` — the verification desk: open requests oldest first (or only those past
//! `verification.stall`), reminders and answers recorded for the ticked requests at once, and
//! the year's durations from sending to answer (median, 90th percentile) per organisation and
//! per destination. Who may work the desk is the store's (`verification::role_works_desk`).

use crate::extract::{Form, Query};
use askama::Template;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use jiff::civil::Date;
use ketnap_domain::dates::{format_vn, parse_vn};
use ketnap_domain::lifecycle::VerificationOutcome;
use ketnap_store::StoreError;
use ketnap_store::verification::{self, Durations};
use serde::Deserialize;

use crate::AppState;
use crate::auth::Auth;
use crate::error::AppError;
use crate::layout::Layout;
use crate::pages::picker::{Opt, opt, parse_year, pick_org};
use ketnap_io::paper::{LetterInput, LetterKind, verification_letter};

/// Open requests on one page of the queue.
const QUEUE_PAGE: i64 = 100;
/// Candidacies on one page of the held-up list.
const HELD_PAGE: i64 = 50;

/// The routes of the area.
pub fn routes() -> crate::routes::Routes {
    crate::routes::Routes::new()
        .route("/verification", get(index))
        .route("/verification/work", post(work))
        .route("/verification/letter", get(letter))
}

/// The query.
#[derive(Deserialize, Default)]
pub struct DeskQuery {
    org: Option<String>,
    year: Option<String>,
    /// `stalled`: only requests past the stall threshold.
    show: Option<String>,
    /// The page of the queue, from 1.
    page: Option<String>,
    /// The page of the held-up list, from 1.
    held: Option<String>,
}

fn page_no(v: Option<&str>) -> i64 {
    v.and_then(|s| s.trim().parse::<i64>().ok())
        .filter(|n| (1..=100_000).contains(n))
        .unwrap_or(1)
}

/// One candidacy held up by verification, for the page.
pub struct HeldLine {
    /// Candidacy public id.
    pub candidacy: String,
    /// Name.
    pub name: String,
    /// Cell.
    pub cell: String,
    /// Open requests.
    pub open: i64,
    /// Days since the oldest open request.
    pub days: i64,
    /// Whom the verification covers, in words.
    pub needed: String,
    /// Whom verify.exempt spares, in words ("" when nobody).
    pub exempt: String,
}

/// One open request.
pub struct RequestLine {
    /// `<candidacy>:<no>`, the checkbox's value.
    pub key: String,
    /// Candidacy public id.
    pub candidacy: String,
    /// Name.
    pub name: String,
    /// Cell and the organisation above it.
    pub cell: String,
    /// The organisation above the cell.
    pub cell_parent: String,
    /// Request number.
    pub no: i64,
    /// Whom it verifies.
    pub subject: &'static str,
    /// Destination.
    pub destination: String,
    /// Sent on.
    pub sent: String,
    /// Days waited.
    pub days: i64,
    /// Past the stall threshold.
    pub stalled: bool,
    /// Last reminder, or "".
    pub reminded: String,
}

/// templates/verification_index.html
#[derive(Template)]
#[template(path = "verification_index.html")]
pub struct DeskPage {
    layout: Layout,
    org_pub_id: String,
    org_name: String,
    org_options: Vec<Opt>,
    show_options: Vec<Opt>,
    show: String,
    year: i16,
    today: String,
    stall_days: u32,
    open_total: i64,
    stalled_total: i64,
    held_up: i64,
    requests: Vec<RequestLine>,
    held: Vec<HeldLine>,
    /// Pager of the queue: (label, href) for previous and next.
    queue_prev: Option<String>,
    queue_next: Option<String>,
    queue_page: i64,
    held_prev: Option<String>,
    held_next: Option<String>,
    overall: Durations,
    by_org: Vec<Durations>,
    by_destination: Vec<Durations>,
    may_work: bool,
    reads_queue: bool,
    error: Option<String>,
}

async fn page(
    state: &AppState,
    auth: &Auth,
    q: &DeskQuery,
    error: Option<String>,
) -> Result<DeskPage, AppError> {
    let today = state.clock.today();
    let year = parse_year(q.year.as_deref(), today)?;
    let show = match q.show.as_deref().map(str::trim) {
        Some("stalled") => "stalled",
        _ => "",
    };
    let stall_days = state.book.in_force(today).verification_stall.value.0;
    let mut conn = state.store.read().await?;
    let (org, org_options) = pick_org(state, &mut conn, &auth.scope, q.org.as_deref()).await?;
    let reads_queue = verification::role_reads_desk(auth.role);
    let stalled_before = today
        .checked_sub(jiff::Span::new().days(i64::from(stall_days)))
        .unwrap_or(today);
    let queue_page = page_no(q.page.as_deref());
    let held_page = page_no(q.held.as_deref());
    let (counts, open, held_rows) = if reads_queue {
        let counts =
            verification::queue_counts(&mut conn, &auth.scope, org.org_id, stalled_before).await?;
        let open = verification::open_requests(
            &mut conn,
            &auth.scope,
            org.org_id,
            (show == "stalled").then_some(stalled_before),
            (queue_page - 1) * QUEUE_PAGE,
            QUEUE_PAGE,
        )
        .await?;
        let held = verification::held_up(
            &mut conn,
            &auth.scope,
            &state.book,
            org.org_id,
            (held_page - 1) * HELD_PAGE,
            HELD_PAGE,
        )
        .await?;
        (counts, open, held)
    } else {
        Default::default()
    };
    let requests: Vec<RequestLine> = open
        .iter()
        .map(|r| {
            let days = r.days(today);
            RequestLine {
                key: format!("{}:{}", r.candidacy_pub_id, r.request_no),
                candidacy: r.candidacy_pub_id.clone(),
                name: r.full_name.clone(),
                cell: r.cell_name.clone(),
                cell_parent: r.cell_parent.clone().unwrap_or_default(),
                no: r.request_no,
                subject: r.subject_vi(),
                destination: r.destination.clone(),
                sent: format_vn(r.sent_on.to_jiff()),
                days,
                stalled: days > i64::from(stall_days),
                reminded: r
                    .reminded_on
                    .map(|d| format_vn(d.to_jiff()))
                    .unwrap_or_default(),
            }
        })
        .collect();
    let words = |rs: &[ketnap_domain::lifecycle::Relation]| {
        rs.iter()
            .map(|r| r.label_vi())
            .collect::<Vec<_>>()
            .join("; ")
    };
    let held: Vec<HeldLine> = held_rows
        .iter()
        .map(|h| HeldLine {
            candidacy: h.candidacy_pub_id.clone(),
            name: h.full_name.clone(),
            cell: h.cell_name.clone(),
            open: h.open,
            days: i64::from((today - h.oldest).get_days()),
            needed: words(&h.scope.needed),
            exempt: words(&h.scope.exempt),
        })
        .collect();
    let shown_total = if show == "stalled" {
        counts.stalled
    } else {
        counts.open
    };
    let link = |queue: i64, held: i64| {
        format!(
            "/verification?org={}&show={show}&year={year}&page={queue}&held={held}",
            org.pub_id
        )
    };
    let queue_prev = (queue_page > 1).then(|| link(queue_page - 1, held_page));
    let queue_next =
        (queue_page * QUEUE_PAGE < shown_total).then(|| link(queue_page + 1, held_page));
    let held_prev = (held_page > 1).then(|| link(queue_page, held_page - 1));
    let held_next =
        (held_page * HELD_PAGE < counts.held_up).then(|| link(queue_page, held_page + 1));
    let first = Date::new(year, 1, 1).map_err(|_| AppError::NotFound)?;
    let last = Date::new(year, 12, 31).map_err(|_| AppError::NotFound)?;
    let d = verification::durations(&mut conn, &auth.scope, org.org_id, first, last).await?;
    Ok(DeskPage {
        layout: auth.layout(format!("Thẩm tra lý lịch — {}", org.name), "verification"),
        org_pub_id: org.pub_id.clone(),
        org_name: org.name.clone(),
        org_options,
        show_options: vec![
            opt("", "Mọi công văn chưa có trả lời", show),
            opt(
                "stalled",
                format!("Chỉ công văn quá {stall_days} ngày chưa trả lời"),
                show,
            ),
        ],
        show: show.to_string(),
        year,
        today: format_vn(today),
        stall_days,
        open_total: counts.open,
        stalled_total: counts.stalled,
        held_up: counts.held_up,
        requests,
        held,
        queue_prev,
        queue_next,
        queue_page,
        held_prev,
        held_next,
        overall: d.overall,
        by_org: d.by_org,
        by_destination: d.by_destination,
        may_work: verification::role_works_desk(auth.role),
        reads_queue,
        error,
    })
}

/// `GET /verification`
pub async fn index(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<DeskQuery>,
) -> Result<Response, AppError> {
    let p = page(&state, &auth, &q, None).await?;
    Ok(Html(p.render()?).into_response())
}

type Fields = Vec<(String, String)>;

fn field<'a>(f: &'a Fields, key: &str) -> &'a str {
    f.iter()
        .find(|(k, _)| k == key)
        .map_or("", |(_, v)| v.as_str())
}

/// `POST /verification/work`: `action` = `remind` | `answer`, the ticked `request`s
/// (`<candidacy>:<no>`), the day, and for answers the outcome.
pub async fn work(
    State(state): State<AppState>,
    auth: Auth,
    Form(f): Form<Fields>,
) -> Result<Response, AppError> {
    let result: Result<(), AppError> = async {
        let picked: Vec<(String, i64)> = f
            .iter()
            .filter(|(k, _)| k == "request")
            .filter_map(|(_, v)| {
                let (c, n) = v.rsplit_once(':')?;
                Some((c.to_string(), n.parse().ok()?))
            })
            .collect();
        if picked.is_empty() {
            return Err(AppError::BadRequest(
                "Hãy đánh dấu ít nhất một công văn.".into(),
            ));
        }
        let on = parse_vn(field(&f, "on")).ok_or_else(|| {
            AppError::BadRequest("Ngày: hãy ghi theo dạng ngày/tháng/năm, ví dụ 07/03/2026.".into())
        })?;
        let ctx = state.write_ctx(Some(auth.user.user_id));
        let mut tx = state.store.begin().await?;
        if field(&f, "action") == "answer" {
            let outcome = match field(&f, "outcome") {
                "clear" => VerificationOutcome::Clear,
                "unclear" => VerificationOutcome::Unclear,
                "disqualifying" => VerificationOutcome::Disqualifying,
                _ => {
                    return Err(AppError::BadRequest("Hãy chọn kết quả thẩm tra.".into()));
                }
            };
            let answers: Vec<_> = picked.into_iter().map(|(c, n)| (c, n, outcome)).collect();
            verification::answer_many(&mut tx, &ctx, &state.book, &auth.scope, &answers, on)
                .await?;
        } else {
            verification::record_reminders(&mut tx, &ctx, &auth.scope, &picked, on).await?;
        }
        tx.commit().await?;
        Ok(())
    }
    .await;
    match result {
        Ok(()) => Ok(Redirect::to(&format!(
            "/verification?org={}&show={}",
            field(&f, "org"),
            field(&f, "show")
        ))
        .into_response()),
        Err(
            e @ (AppError::BadRequest(_)
            | AppError::Store(
                StoreError::Invalid { .. } | StoreError::Refused(_) | StoreError::Conflict { .. },
            )),
        ) => {
            let q = DeskQuery {
                org: Some(field(&f, "org").to_string()),
                year: None,
                show: Some(field(&f, "show").to_string()),
                ..DeskQuery::default()
            };
            let status = e.status();
            let p = page(&state, &auth, &q, Some(e.message_vi().1)).await?;
            Ok((status, Html(p.render()?)).into_response())
        }
        Err(e) => Err(e),
    }
}

/// The query of a letter: `request` = `<candidacy>:<no>`; `format=docx` for the DOCX.
#[derive(Deserialize)]
pub struct LetterQuery {
    request: String,
    /// `request`: the request letter itself; otherwise the reminder.
    kind: Option<String>,
    format: Option<String>,
}

/// `GET /verification/letter?request=<candidacy>:<no>[&kind=request]`: the letter for one
/// request — the request itself, or the reminder after the stall threshold
/// ([`ketnap_io::paper::verification_letter`]) — as an A4 print page or a DOCX.
pub async fn letter(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<LetterQuery>,
) -> Result<Response, AppError> {
    let (pub_id, no) = q
        .request
        .rsplit_once(':')
        .and_then(|(c, n)| Some((c.to_string(), n.parse::<i64>().ok()?)))
        .ok_or(AppError::NotFound)?;
    let kind = match q.kind.as_deref() {
        Some("request") => LetterKind::Request,
        _ => LetterKind::Reminder,
    };
    let today = state.clock.today();
    let mut conn = state.store.read().await?;
    let f = verification::letter_facts(&mut conn, &auth.scope, &pub_id, no).await?;
    let path = ketnap_store::orgs::path(&mut conn, f.cell_id).await?;
    let input = LetterInput {
        path: &path,
        full_name: &f.full_name,
        birth_date: f.birth_date,
        subject: f.subject_vi,
        destination: &f.destination,
        request_no: f.request_no,
        sent_on: f.sent_on,
    };
    let p = verification_letter(kind, &input, today).ok_or(AppError::NotFound)?;
    let (heading, warning) = match kind {
        LetterKind::Request => (
            format!("Công văn đề nghị thẩm tra lý lịch — {}", f.full_name),
            None,
        ),
        LetterKind::Reminder => (
            format!(
                "Công văn đôn đốc trả lời thẩm tra lý lịch — {}",
                f.full_name
            ),
            f.answered_on.map(|a| {
                format!(
                    "Công văn số {} đã có trả lời ngày {}: không cần đôn đốc.",
                    f.request_no,
                    format_vn(a)
                )
            }),
        ),
    };
    let kind_q = if kind == LetterKind::Request {
        "&kind=request"
    } else {
        ""
    };
    crate::pages::papers::respond(
        p,
        heading,
        format!(
            "/verification/letter?request={}{kind_q}&format=docx",
            q.request
        ),
        "/verification".into(),
        warning,
        q.format.as_deref(),
    )
}

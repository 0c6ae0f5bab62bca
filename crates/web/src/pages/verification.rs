//! `/verification` — the verification desk: open requests oldest first (or only those past
//! `verification.stall`), reminders and answers recorded for the ticked requests at once, and
//! the year's durations from sending to answer (median, 90th percentile) per organisation and
//! per destination. Who may work the desk is the store's (`verification::role_works_desk`).

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
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

/// Open requests shown at most.
const QUEUE: i64 = 500;

/// The routes of the area.
pub fn routes() -> Router<AppState> {
    Router::new()
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
    open_total: usize,
    stalled_total: usize,
    held_up: usize,
    requests: Vec<RequestLine>,
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
    let (org, org_options) = pick_org(&mut conn, &auth.scope, q.org.as_deref()).await?;
    let reads_queue = verification::role_reads_desk(auth.role);
    let open = if reads_queue {
        verification::open_requests(&mut conn, &auth.scope, org.org_id, QUEUE).await?
    } else {
        Vec::new()
    };
    let open_total = open.len();
    let mut held: Vec<&str> = open.iter().map(|r| r.candidacy_pub_id.as_str()).collect();
    held.sort_unstable();
    held.dedup();
    let held_up = held.len();
    let lines: Vec<RequestLine> = open
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
    let stalled_total = lines.iter().filter(|l| l.stalled).count();
    let requests = lines
        .into_iter()
        .filter(|l| show != "stalled" || l.stalled)
        .collect();
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
        open_total,
        stalled_total,
        held_up,
        requests,
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
    axum::Form(f): axum::Form<Fields>,
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
    format: Option<String>,
}

/// `GET /verification/letter?request=<candidacy>:<no>`: the reminder letter for one request
/// ([`ketnap_io::paper::reminder_letter`]), as an A4 print page or a DOCX.
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
    let today = state.clock.today();
    let mut conn = state.store.read().await?;
    let f = verification::letter_facts(&mut conn, &auth.scope, &pub_id, no).await?;
    let path = ketnap_store::orgs::path(&mut conn, f.cell_id).await?;
    let p = ketnap_io::paper::reminder_letter(
        &path,
        &f.full_name,
        f.birth_date,
        f.subject_vi,
        &f.destination,
        f.request_no,
        f.sent_on,
        today,
    )
    .ok_or(AppError::NotFound)?;
    crate::pages::papers::respond(
        p,
        format!(
            "Công văn đôn đốc trả lời thẩm tra lý lịch — {}",
            f.full_name
        ),
        format!("/verification/letter?request={}&format=docx", q.request),
        "/verification".into(),
        f.answered_on.map(|a| {
            format!(
                "Công văn số {} đã có trả lời ngày {}: không cần đôn đốc.",
                f.request_no,
                format_vn(a)
            )
        }),
        q.format.as_deref(),
    )
}

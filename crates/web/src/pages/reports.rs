//! `/reports` — the periodic report of an organisation's subtree (month, quarter, 6 months, year,
//! term) as a page with charts, as a printable A4 page (`?print=1`) and as XLSX, CSV or JSON
//! files (`/reports/download?format=`). All of them render one [`crate::report::Report`], so the
//! files hold the figures of the page. Reports hold counts only: every role reads the reports of
//! its scope.

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use ketnap_domain::dates::format_vn;
use ketnap_domain::plan::Period;
use ketnap_store::{history, orgs};
use serde::Deserialize;

use crate::AppState;
use crate::auth::Auth;
use crate::charts;
use crate::error::AppError;
use crate::export::Document;
use crate::layout::Crumb;
use crate::pages::picker::{Opt, parse_period, period_options, pick_org};
use crate::report;

/// The routes of the area.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/reports", get(show))
        .route("/reports/download", get(download))
}

/// The query string.
#[derive(Deserialize, Default)]
pub struct ReportQuery {
    /// Organisation public id (default: the first root of the scope).
    #[serde(default)]
    pub org: Option<String>,
    /// Period code: `2026`, `2026-Q1`, `2026-H1`, `2026-03`, `2025-2030` (default: this year).
    #[serde(default)]
    pub period: Option<String>,
    /// A free range's first day (dd/mm/yyyy); with `den` only, the year as of that day.
    #[serde(default)]
    pub tu: Option<String>,
    /// A free range's last day, or the "as of" day (tính đến ngày).
    #[serde(default)]
    pub den: Option<String>,
    /// `1` for the printable page.
    #[serde(default)]
    pub print: Option<String>,
    /// `xlsx`, `csv` or `json` (downloads).
    #[serde(default)]
    pub format: Option<String>,
}

/// `reports_show.html` (and `reports_print.html`, the A4 page).
#[derive(Template)]
#[template(path = "reports_show.html")]
pub struct ReportPage {
    layout: crate::layout::Layout,
    doc: Document,
    org_pub_id: String,
    period_code: String,
    org_options: Vec<Opt>,
    period_options: Vec<Opt>,
    funnel: String,
    bars: String,
    trend: String,
    today: String,
}

/// `reports_print.html`
#[derive(Template)]
#[template(path = "reports_print.html")]
pub struct PrintPage {
    doc: Document,
    funnel: String,
    bars: String,
    trend: String,
}

struct Built {
    report: report::Report,
    org: orgs::Org,
    org_options: Vec<Opt>,
    period: Period,
    funnel: String,
    bars: String,
    trend: String,
}

async fn build(state: &AppState, auth: &Auth, q: &ReportQuery) -> Result<Built, AppError> {
    let today = state.clock.today();
    // Days typed in the form win over the chosen period: a free range, or the year as of a day.
    let day = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let typed = match (day(&q.tu), day(&q.den)) {
        (Some(a), Some(b)) => Some(format!("từ {a} đến {b}")),
        (None, Some(b)) => Some(format!("tính đến ngày {b}")),
        (Some(a), None) => Some(format!(
            "từ {a} đến {}",
            ketnap_domain::dates::format_vn(today)
        )),
        (None, None) => None,
    };
    let period = parse_period(typed.as_deref().or(q.period.as_deref()), today)?;
    let mut conn = state.store.read().await?;
    let (org, org_options) = pick_org(&mut conn, &auth.scope, q.org.as_deref()).await?;
    let report = report::build(&mut conn, &auth.scope, org.org_id, period, today).await?;
    let stages: Vec<(String, u32)> = report
        .periodic
        .pipeline
        .rows
        .iter()
        .map(|r| {
            (
                r.stage.label_vi().to_string(),
                u32::try_from(r.total).unwrap_or(0),
            )
        })
        .collect();
    let funnel = charts::funnel(&stages);
    let bars = report::children_chart(&report.plan_vs_actual);
    // The monthly trend of the period's (first) year, against the plan of a year period.
    let year = period.years().first().copied().unwrap_or(today.year());
    let months = history::monthly_admissions(&mut conn, &auth.scope, org.org_id, year).await?;
    let through = if year == today.year() {
        usize::try_from(today.month()).unwrap_or(12)
    } else {
        12
    };
    let year_plan = match period {
        Period::Year(_) => report.plan_vs_actual.plan.as_ref(),
        _ => None,
    };
    let trend = report::admissions_trend(&months, through, year_plan);
    Ok(Built {
        report,
        org,
        org_options,
        period,
        funnel,
        bars,
        trend,
    })
}

/// `GET /reports`: the report page, or with `print=1` the printable A4 page.
pub async fn show(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<ReportQuery>,
) -> Result<Response, AppError> {
    let b = build(&state, &auth, &q).await?;
    if q.print.as_deref() == Some("1") {
        let page = PrintPage {
            doc: b.report.document,
            funnel: b.funnel,
            bars: b.bars,
            trend: b.trend,
        };
        return Ok(Html(page.render()?).into_response());
    }
    let mut conn = state.store.read().await?;
    let mut layout = auth.layout(format!("Báo cáo {} — {}", b.period, b.org.name), "reports");
    layout.crumbs = orgs::path(&mut conn, b.org.org_id)
        .await?
        .into_iter()
        .map(|o| Crumb {
            href: format!("/reports?org={}&period={}", o.pub_id, b.period.code()),
            label: o.name,
        })
        .collect();
    let page = ReportPage {
        layout,
        org_options: b.org_options,
        period_options: period_options(state.clock.today(), &b.period, true),
        org_pub_id: b.org.pub_id.clone(),
        period_code: b.period.code(),
        doc: b.report.document,
        funnel: b.funnel,
        bars: b.bars,
        trend: b.trend,
        today: format_vn(state.clock.today()),
    };
    Ok(Html(page.render()?).into_response())
}

/// `GET /reports/download?format=xlsx|csv|json`: the same report as a file.
pub async fn download(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<ReportQuery>,
) -> Result<Response, AppError> {
    let format = q.format.clone().unwrap_or_else(|| "xlsx".into());
    if !matches!(format.as_str(), "xlsx" | "csv" | "json") {
        return Err(AppError::BadRequest(
            "Định dạng tệp phải là xlsx, csv hoặc json.".into(),
        ));
    }
    let b = build(&state, &auth, &q).await?;
    let stem = b.report.document.file_stem(&b.org.code, &b.period.code());
    let (bytes, mime) = match format.as_str() {
        "xlsx" => (
            b.report.document.to_xlsx().map_err(|e| {
                tracing::error!(error = %e, "xlsx");
                AppError::BadRequest("Không tạo được tệp Excel.".into())
            })?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        "csv" => (
            b.report.document.to_csv().into_bytes(),
            "text/csv; charset=utf-8",
        ),
        _ => (
            serde_json::to_vec_pretty(&b.report).map_err(|e| {
                tracing::error!(error = %e, "json");
                AppError::BadRequest("Không tạo được tệp JSON.".into())
            })?,
            "application/json",
        ),
    };
    Ok((
        [
            (header::CONTENT_TYPE, mime.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{stem}.{format}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

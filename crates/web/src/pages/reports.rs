//! `/reports` — the periodic report of an organisation's subtree (month, quarter, 6 months, year,
//! term) as a page with charts, as a printable A4 page (`?print=1`) and as XLSX, CSV or JSON
//! files (`/reports/download?format=`). All of them render one [`crate::report::Report`], so the
//! files hold the figures of the page. Reports hold counts only: every role reads the reports of
//! its scope.
//!
//! The printed page and the DOCX (`format=docx`) are the report as a finished party document
//! ([`crate::report::Report::paper`]): number and symbol, place and date, the title in capitals,
//! the narrative sections staff write on the page (`POST /reports/text`, kept with the
//! organisation and the period), the figures as numbered tables, "Nơi nhận" and the signature
//! block; the charts follow, drawn for the period only.

use crate::extract::{Form, Query};
use askama::Template;
use axum::extract::State;
use axum::http::header;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use ketnap_domain::dates::{format_vn, parse_vn};
use ketnap_domain::plan::Period;
use ketnap_store::report_texts::{self, ReportText};
use ketnap_store::{StoreError, history, orgs};
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
pub fn routes() -> crate::routes::Routes {
    crate::routes::Routes::new()
        .route("/reports", get(show))
        .route("/reports/download", get(download))
        .route("/reports/text", post(save_text))
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
    /// `xlsx`, `csv`, `json` or `docx` (downloads).
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
    /// The words form (for those who write them) or the words as written.
    text: TextForm,
    can_write: bool,
    period_label: String,
}

/// The words of the report as typed in the form (strings, so a refused form keeps them).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct TextForm {
    #[serde(default)]
    org: String,
    #[serde(default)]
    period: String,
    #[serde(default)]
    number: String,
    #[serde(default)]
    dated_on: String,
    #[serde(default)]
    results: String,
    #[serde(default)]
    shortcomings: String,
    #[serde(default)]
    tasks: String,
    #[serde(default)]
    recipients: String,
    #[serde(default)]
    sign_for: String,
    #[serde(default)]
    sign_title: String,
    #[serde(default)]
    signer: String,
    /// Why the form was refused.
    #[serde(skip)]
    error: Option<String>,
    /// What "Nơi nhận" prints when left empty.
    #[serde(skip)]
    default_recipients: String,
    /// What the signature prints when left empty.
    #[serde(skip)]
    default_sign_for: String,
}

impl TextForm {
    fn from_text(t: &ReportText) -> TextForm {
        TextForm {
            number: t.number.clone(),
            dated_on: t.dated_on.map(format_vn).unwrap_or_default(),
            results: t.results.clone(),
            shortcomings: t.shortcomings.clone(),
            tasks: t.tasks.clone(),
            recipients: t.recipients.join("\n"),
            sign_for: t.sign_for.clone(),
            sign_title: t.sign_title.clone(),
            signer: t.signer.clone(),
            ..TextForm::default()
        }
    }

    fn to_text(&self) -> Result<ReportText, String> {
        let dated_on = match self.dated_on.trim() {
            "" => None,
            s => Some(parse_vn(s).ok_or_else(|| {
                format!("Ngày báo cáo «{s}» không đúng dạng ngày/tháng/năm (ví dụ 15/12/2026).")
            })?),
        };
        Ok(ReportText {
            number: self
                .number
                .trim()
                .trim_start_matches("Số ")
                .trim()
                .to_string(),
            dated_on,
            results: self.results.replace("\r\n", "\n"),
            shortcomings: self.shortcomings.replace("\r\n", "\n"),
            tasks: self.tasks.replace("\r\n", "\n"),
            recipients: self
                .recipients
                .lines()
                .map(|l| {
                    l.trim()
                        .trim_start_matches('-')
                        .trim()
                        .trim_end_matches([',', '.', ';'])
                })
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect(),
            sign_for: self.sign_for.trim().to_string(),
            sign_title: self.sign_title.trim().to_string(),
            signer: self.signer.trim().to_string(),
        })
    }
}

/// A report's figures and charts, per (user, role, organisation, period, day, small-count
/// threshold), kept while the organisation's subtree stamp stays where it was
/// ([`ketnap_store::stamps`]): a report reads the subtree's kept counts, plans, members and
/// events, its words and the names above it (a renamed or moved organisation moves the whole
/// database's stamp). Per user, as the children listed are those the user's grants reach.
pub type ReportCache =
    crate::cache::HeadCache<ReportKey, std::sync::Arc<Figures>, ketnap_store::stamps::Stamp>;

/// What a kept report is kept for.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ReportKey {
    user_id: Option<i64>,
    role: ketnap_store::Role,
    org_id: i64,
    period: String,
    today: jiff::civil::Date,
    small_below: u32,
}

/// A report's figures and the charts drawn from them.
#[derive(Clone)]
pub struct Figures {
    report: report::Report,
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

impl Built {
    /// The charts printed after the party document: the period's trend, the pipeline and, with
    /// children, plan against actual by child; each sized for an A4 column.
    fn charts_after(&self) -> String {
        use std::fmt::Write as _;
        let mut s = String::from(
            "<section class=\"report-charts\" aria-label=\"Biểu đồ kèm theo\"><h2 class=\"paper-heading\">BIỂU ĐỒ KÈM THEO BÁO CÁO</h2>",
        );
        let figs = [
            (
                &self.trend,
                "Kết nạp lũy kế trong kỳ (so với chỉ tiêu lũy kế khi có kế hoạch năm).",
            ),
            (&self.funnel, "Quần chúng đang ở từng bước (biểu 3)."),
            (
                &self.bars,
                "Kết nạp so với chỉ tiêu theo tổ chức trực thuộc (biểu 7).",
            ),
        ];
        for (svg, caption) in figs {
            if !svg.is_empty() {
                let _ = write!(
                    s,
                    "<figure>{svg}<figcaption>{caption}</figcaption></figure>"
                );
            }
        }
        s.push_str("</section>");
        s
    }
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
    let (org, org_options) = pick_org(state, &mut conn, &auth.scope, q.org.as_deref()).await?;
    let small_below = state.security.small_below(auth.role);
    // The stamp read before the figures: a write committed meanwhile leaves them kept under the
    // older one, and the next view computes again.
    let stamp = ketnap_store::stamps::of(&mut conn, org.org_id).await?;
    let key = ReportKey {
        user_id: auth.scope.user_id,
        role: auth.role,
        org_id: org.org_id,
        period: period.code(),
        today,
        small_below,
    };
    // One computation of an organisation's report at a time; those waiting find it.
    let (kept, _computing) = state.reports.get_or_lock(&key, stamp, org.org_id).await;
    let figures = match kept {
        Some(kept) => (*kept).clone(),
        None => {
            let computed = figures(&mut conn, auth, org.org_id, period, today, small_below).await?;
            state
                .reports
                .put(key, stamp, std::sync::Arc::new(computed.clone()));
            computed
        }
    };
    let Figures {
        report,
        funnel,
        bars,
        trend,
    } = figures;
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

/// A report's figures and charts, computed.
async fn figures(
    conn: &mut ketnap_store::Conn,
    auth: &Auth,
    org_id: i64,
    period: Period,
    today: jiff::civil::Date,
    small_below: u32,
) -> Result<Figures, AppError> {
    let report = report::build(conn, &auth.scope, org_id, period, today, small_below).await?;
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
    // Admissions by month over the period's months so far (by year for a term).
    let from = period.first_day();
    let through = period.last_day().min(today);
    let mut years = Vec::new();
    if from <= through {
        for y in from.year()..=through.year() {
            years.push((
                y,
                history::monthly_admissions(conn, &auth.scope, org_id, y).await?,
            ));
        }
    }
    let year_plan = match period {
        Period::Year(_) => report.plan_vs_actual.plan.as_ref(),
        _ => None,
    };
    let trend = if years.is_empty() {
        String::new()
    } else {
        report::period_trend(&years, from, through, year_plan)
    };
    Ok(Figures {
        report,
        funnel,
        bars,
        trend,
    })
}

/// `GET /reports`: the report page, or with `print=1` the report as a printable party document.
pub async fn show(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<ReportQuery>,
) -> Result<Response, AppError> {
    render(&state, &auth, &q, None).await
}

async fn render(
    state: &AppState,
    auth: &Auth,
    q: &ReportQuery,
    typed: Option<TextForm>,
) -> Result<Response, AppError> {
    let b = build(state, auth, q).await?;
    let back = format!("/reports?org={}&period={}", b.org.pub_id, b.period.code());
    if q.print.as_deref() == Some("1") {
        let stem = b.report.document.file_stem(&b.org.code, &b.period.code());
        let page = crate::pages::papers::PaperPage {
            heading: format!("{} — {}", b.report.document.title, b.report.document.subtitle),
            p: b.report.paper(stem),
            docx: format!("{back}&format=docx").replace("/reports?", "/reports/download?"),
            back,
            warning: b.report.text.is_empty().then(|| {
                "Báo cáo chưa có phần lời (kết quả, hạn chế, phương hướng): bản in để dòng chấm cho viết tay. Ghi phần lời ở trang báo cáo để in đủ.".to_string()
            }),
            after: b.charts_after(),
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
    let mut text = typed.unwrap_or_else(|| TextForm::from_text(&b.report.text));
    text.default_recipients = b.report.default_recipients().join("\n");
    text.default_sign_for = crate::report::issuer_sign_for(b.report.issuer_kind).to_string();
    let page = ReportPage {
        layout,
        org_options: b.org_options,
        period_options: period_options(state.clock.today(), &b.period, true),
        org_pub_id: b.org.pub_id.clone(),
        period_code: b.period.code(),
        period_label: b.period.to_string(),
        doc: b.report.document,
        funnel: b.funnel,
        bars: b.bars,
        trend: b.trend,
        today: format_vn(state.clock.today()),
        text,
        can_write: report_texts::role_writes_reports(auth.role),
    };
    Ok(Html(page.render()?).into_response())
}

/// `POST /reports/text`: keep the words of the report of an organisation and a period (number,
/// date, narrative sections, recipients, signature). A refused form comes back with what was
/// typed and the reason.
pub async fn save_text(
    State(state): State<AppState>,
    auth: Auth,
    Form(form): Form<TextForm>,
) -> Result<Response, AppError> {
    if !report_texts::role_writes_reports(auth.role) {
        return Err(AppError::Forbidden);
    }
    let q = ReportQuery {
        org: Some(form.org.clone()),
        period: Some(form.period.clone()),
        ..ReportQuery::default()
    };
    let period = parse_period(Some(form.period.as_str()), state.clock.today())?;
    let org = orgs::get(&mut state.store.read().await?, &auth.scope, &form.org).await?;
    let refused = |mut f: TextForm, msg: String| {
        f.error = Some(msg);
        f
    };
    let text = match form.to_text() {
        Ok(t) => t,
        Err(msg) => return render(&state, &auth, &q, Some(refused(form, msg))).await,
    };
    let saved: Result<(), AppError> = async {
        let mut tx = state.store.begin().await?;
        report_texts::save(
            &mut tx,
            &state.write_ctx(Some(auth.user.user_id)),
            &auth.scope,
            org.org_id,
            &period,
            &text,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
    .await;
    match saved {
        Ok(()) => Ok(Redirect::to(&format!(
            "/reports?org={}&period={}#loi-bao-cao",
            org.pub_id,
            period.code()
        ))
        .into_response()),
        Err(AppError::Store(e @ (StoreError::Invalid { .. } | StoreError::Refused(_)))) => {
            let msg = e.message_vi();
            render(&state, &auth, &q, Some(refused(form, msg))).await
        }
        Err(e) => Err(e),
    }
}

/// `GET /reports/download?format=xlsx|csv|json`: the same report as a file.
pub async fn download(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<ReportQuery>,
) -> Result<Response, AppError> {
    let format = q.format.clone().unwrap_or_else(|| "xlsx".into());
    if !matches!(format.as_str(), "xlsx" | "csv" | "json" | "docx") {
        return Err(AppError::BadRequest(
            "Định dạng tệp phải là xlsx, csv, json hoặc docx.".into(),
        ));
    }
    let b = build(&state, &auth, &q).await?;
    let stem = b.report.document.file_stem(&b.org.code, &b.period.code());
    if format == "docx" {
        return crate::pages::papers::respond(
            b.report.paper(stem),
            String::new(),
            String::new(),
            String::new(),
            None,
            Some("docx"),
        );
    }
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

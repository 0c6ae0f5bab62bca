//! `/alerts` — everything due, overdue or expiring in the scope, sortable and filterable, each
//! row linking to its candidacy.

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use ketnap_domain::alerts::{AlertKind, AlertStatus};
use ketnap_domain::dates::format_vn;
use ketnap_store::candidacies;
use serde::Deserialize;

use crate::AppState;
use crate::auth::Auth;
use crate::error::AppError;
use crate::layout::Layout;
use crate::pages::downloads;

/// Alerts read for the page (the most urgent first).
const MAX_ALERTS: usize = 1000;

/// The routes of the area.
pub fn routes() -> Router<AppState> {
    Router::new().route("/alerts", get(index))
}

/// A stable code of an alert kind, for the filter.
pub fn kind_code(kind: &AlertKind) -> &'static str {
    match kind {
        AlertKind::DecisionWindow => "decision",
        AlertKind::GrassrootsReview => "grassroots_review",
        AlertKind::CeremonyWindow => "ceremony",
        AlertKind::MemberBackground => "member_background",
        AlertKind::ProbationEnding => "probation_ending",
        AlertKind::RecognitionWindow => "recognition",
        AlertKind::RecognitionDecisionWindow => "recognition_decision",
        AlertKind::MentorNoteMissing { .. } => "mentor_note",
        AlertKind::VerificationStalled { .. } => "verification",
        AlertKind::CertificateExpiring => "certificate",
        AlertKind::BackgroundExpiring => "background",
        AlertKind::CommentsExpiring => "comments",
    }
}

/// The kinds of the filter: code and Vietnamese label.
pub const KINDS: [(&str, &str); 12] = [
    ("decision", "Quyết định kết nạp"),
    ("grassroots_review", "Đảng ủy cơ sở xét"),
    ("ceremony", "Lễ kết nạp"),
    ("member_background", "Lý lịch đảng viên"),
    ("probation_ending", "Sắp hết thời gian dự bị"),
    ("recognition", "Chi bộ xét công nhận chính thức"),
    ("recognition_decision", "Quyết định công nhận chính thức"),
    ("mentor_note", "Thiếu nhận xét của người giúp đỡ"),
    ("verification", "Thẩm tra lý lịch chậm trả lời"),
    (
        "certificate",
        "Giấy chứng nhận học lớp bồi dưỡng sắp hết hạn",
    ),
    ("background", "Lý lịch sắp hết hạn"),
    ("comments", "Nhận xét, giới thiệu sắp hết hạn"),
];

/// The Vietnamese label of a kind.
pub fn kind_label(kind: &AlertKind) -> &'static str {
    let code = kind_code(kind);
    KINDS
        .iter()
        .find(|(c, _)| *c == code)
        .map_or("", |(_, l)| l)
}

fn status_code(s: AlertStatus) -> &'static str {
    match s {
        AlertStatus::Overdue => "overdue",
        AlertStatus::DueSoon => "due-soon",
        AlertStatus::Upcoming => "upcoming",
    }
}

/// The query string.
#[derive(Deserialize, Default)]
pub struct AlertQuery {
    /// `due` (default), `status` or `cell`.
    #[serde(default)]
    pub sort: Option<String>,
    /// A status code.
    #[serde(default)]
    pub status: Option<String>,
    /// A kind code.
    #[serde(default)]
    pub kind: Option<String>,
    /// `xlsx` or `csv`: the list as a file.
    #[serde(default)]
    pub format: Option<String>,
}

/// One row.
pub struct AlertLine {
    /// Candidacy public id.
    pub candidacy: String,
    /// Name.
    pub name: String,
    /// Cell name.
    pub cell: String,
    /// Status label.
    pub status: &'static str,
    /// CSS class.
    pub class: &'static str,
    /// Kind label.
    pub kind: &'static str,
    /// Due, dd/mm/yyyy.
    pub due: String,
    /// Who acts.
    pub actor: &'static str,
    /// Message.
    pub message: String,
}

/// One option of a filter.
pub struct Choice {
    /// Value.
    pub code: &'static str,
    /// Label.
    pub label: &'static str,
    /// Selected now.
    pub selected: bool,
}

/// templates/alerts_index.html
#[derive(Template)]
#[template(path = "alerts_index.html")]
pub struct AlertsPage {
    /// Layout.
    pub layout: Layout,
    /// Names shown (otherwise the page says why it is empty).
    pub individuals: bool,
    /// Rows.
    pub rows: Vec<AlertLine>,
    /// Status choices.
    pub statuses: Vec<Choice>,
    /// Kind choices.
    pub kinds: Vec<Choice>,
    /// Sort choices.
    pub sorts: Vec<Choice>,
    /// Today, dd/mm/yyyy.
    pub today: String,
    /// The "Tải về" links' prefix (roles that see individuals).
    pub download: Option<String>,
}

/// `GET /alerts`
pub async fn index(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<AlertQuery>,
) -> Result<Response, AppError> {
    let today = state.clock.today();
    let individuals = auth.role.sees_individuals();
    let status = q.status.as_deref().filter(|s| !s.is_empty());
    let kind = q.kind.as_deref().filter(|s| !s.is_empty());
    let sort = q.sort.as_deref().unwrap_or("due");
    let format = downloads::requested(q.format.as_deref())?;
    if format.is_some() {
        downloads::allowed(&auth)?;
    }
    let mut alerts = if individuals {
        let mut conn = state.store.read().await?;
        candidacies::alerts_in_scope(&mut conn, &auth.scope, &state.book, today, MAX_ALERTS).await?
    } else {
        Vec::new()
    };
    alerts.retain(|a| {
        status.is_none_or(|s| s == status_code(a.alert.status))
            && kind.is_none_or(|k| k == kind_code(&a.alert.kind))
    });
    match sort {
        "status" => alerts.sort_by_key(|a| (a.alert.status, a.alert.due)),
        "cell" => {
            alerts.sort_by(|a, b| (&a.cell_name, a.alert.due).cmp(&(&b.cell_name, b.alert.due)))
        }
        _ => alerts.sort_by_key(|a| (a.alert.due, a.alert.status)),
    }
    if let Some(format) = format {
        let table = ketnap_io::lists::alerts_table(&alerts, &kind_label);
        return downloads::file(&table, format, "Danh sách cảnh báo", None);
    }
    let query = [("status", status), ("kind", kind), ("sort", Some(sort))]
        .iter()
        .filter_map(|(k, v)| v.map(|v| format!("{k}={}", downloads::enc(v))))
        .collect::<Vec<_>>()
        .join("&");
    let rows = alerts
        .into_iter()
        .map(|a| AlertLine {
            candidacy: a.candidacy_pub_id,
            name: a.full_name,
            cell: a.cell_name,
            status: a.alert.status.label_vi(),
            class: status_code(a.alert.status),
            kind: kind_label(&a.alert.kind),
            due: format_vn(a.alert.due),
            actor: a.alert.actor.label_vi(),
            message: a.alert.message_vi,
        })
        .collect();
    let statuses = [
        AlertStatus::Overdue,
        AlertStatus::DueSoon,
        AlertStatus::Upcoming,
    ]
    .into_iter()
    .map(|s| Choice {
        code: status_code(s),
        label: s.label_vi(),
        selected: status == Some(status_code(s)),
    })
    .collect();
    let kinds = KINDS
        .iter()
        .map(|(c, l)| Choice {
            code: c,
            label: l,
            selected: kind == Some(*c),
        })
        .collect();
    let sorts = [("due", "Hạn"), ("status", "Tình trạng"), ("cell", "Chi bộ")]
        .into_iter()
        .map(|(c, l)| Choice {
            code: c,
            label: l,
            selected: sort == c,
        })
        .collect();
    let page = AlertsPage {
        layout: auth.layout("Cảnh báo", "alerts"),
        individuals,
        rows,
        statuses,
        kinds,
        sorts,
        today: format_vn(today),
        download: downloads::link(&auth, "/alerts", &query),
    };
    Ok(Html(page.render()?).into_response())
}

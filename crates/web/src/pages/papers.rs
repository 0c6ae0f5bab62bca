//! Paper printed from the data (issue 17): `/candidates/{id}/paper/{code}` — the documents a
//! candidacy's recorded steps produce ([`ketnap_io::paper::PaperKind`]) as an A4 print page, or
//! with `?format=docx` as a DOCX to edit before signing. Who may print: the roles that keep
//! dossiers ([`role_prints`]).

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use ketnap_io::paper::{self, Facts, Paper, PaperKind};
use ketnap_store::{Role, candidacies, orgs, people};
use serde::Deserialize;

use crate::AppState;
use crate::auth::Auth;
use crate::error::AppError;

/// The routes of the area.
pub fn routes() -> Router<AppState> {
    Router::new().route("/candidates/{pub_id}/paper/{code}", get(show))
}

/// Roles that keep dossiers and print their paper.
pub fn role_prints(role: Role) -> bool {
    matches!(
        role,
        Role::Admin | Role::OrgStaff | Role::CommitteeMemberInCharge | Role::CellSecretary
    )
}

/// `?format=docx`
#[derive(Deserialize, Default)]
pub struct PaperQuery {
    format: Option<String>,
}

/// templates/paper.html
#[derive(Template)]
#[template(path = "paper.html")]
pub struct PaperPage {
    /// The page's heading (the document's name).
    pub heading: String,
    /// The document.
    pub p: Paper,
    /// The DOCX link.
    pub docx: String,
    /// Where "Quay lại" goes.
    pub back: String,
    /// A note shown on screen only.
    pub warning: Option<String>,
}

/// The paper as a print page, or as a DOCX when asked.
pub fn respond(
    p: Paper,
    heading: String,
    docx: String,
    back: String,
    warning: Option<String>,
    format: Option<&str>,
) -> Result<Response, AppError> {
    match format.map(str::trim) {
        None | Some("") | Some("html") => {
            let page = PaperPage {
                heading,
                p,
                docx,
                back,
                warning,
            };
            let mut res = Html(page.render()?).into_response();
            res.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            Ok(res)
        }
        Some("docx") => {
            let bytes = p
                .to_docx()
                .map_err(|e| AppError::Internal(format!("docx: {e}")))?;
            let disposition = format!("attachment; filename=\"{}.docx\"", p.file_name);
            Ok((
                [
                    (
                        header::CONTENT_TYPE,
                        HeaderValue::from_static(
                            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                        ),
                    ),
                    (
                        header::CONTENT_DISPOSITION,
                        HeaderValue::from_str(&disposition)
                            .map_err(|_| AppError::Internal("file name".into()))?,
                    ),
                    (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
                ],
                bytes,
            )
                .into_response())
        }
        Some(_) => Err(AppError::BadRequest(
            "Định dạng không hỗ trợ: chỉ xem để in hoặc tải DOCX.".into(),
        )),
    }
}

/// `GET /candidates/{pub_id}/paper/{code}`
pub async fn show(
    State(state): State<AppState>,
    auth: Auth,
    Path((pub_id, code)): Path<(String, String)>,
    Query(q): Query<PaperQuery>,
) -> Result<Response, AppError> {
    if !role_prints(auth.role) {
        return Err(AppError::Forbidden);
    }
    let kind = PaperKind::from_code(&code).ok_or(AppError::NotFound)?;
    let mut conn = state.store.read().await?;
    let c = candidacies::get(&mut conn, &auth.scope, &pub_id).await?;
    let history = candidacies::history(&mut conn, &auth.scope, &pub_id).await?;
    let person = people::get(&mut conn, &auth.scope, &c.person_pub_id).await?;
    let path = orgs::path(&mut conn, c.cell_id).await?;
    let facts = Facts {
        full_name: &c.full_name,
        birth_date: person.person.birth_date.date(),
        state: &c.state,
        history: &history,
        path: &path,
    };
    let p = paper::build(kind, &facts).ok_or_else(|| {
        AppError::BadRequest(format!(
            "Chưa có dữ liệu để in “{}”: bước này chưa được ghi.",
            kind.label_vi()
        ))
    })?;
    let href = format!("/candidates/{pub_id}/paper/{code}");
    respond(
        p,
        format!("{} — {}", kind.label_vi(), c.full_name),
        format!("{href}?format=docx"),
        format!("/candidates/{pub_id}"),
        None,
        q.format.as_deref(),
    )
}

//! `/mentors` — monthly mentor notes: for a mentor, the candidacies assigned to them with the
//! months missing a note and a form to write one; for staff, the missing notes across the scope.

use crate::extract::Form;
use crate::extract::Query;
use askama::Template;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use ketnap_domain::alerts::AlertKind;
use ketnap_domain::dates::{format_vn, parse_vn};
use ketnap_store::{Role, StoreError, candidacies};
use serde::Deserialize;

use crate::AppState;
use crate::auth::Auth;
use crate::error::AppError;
use crate::layout::Layout;
use crate::pages::downloads;

const MAX_ALERTS: usize = 1000;
/// Candidacies of a mentor listed (a mentor follows a handful).
const ASSIGNED: i64 = 100;

/// The routes of the area.
pub fn routes() -> crate::routes::Routes {
    crate::routes::Routes::new()
        .route("/mentors", get(index))
        .route("/mentors/notes", post(add_note))
}

/// One candidacy missing notes.
pub struct MissingLine {
    /// Candidacy public id.
    pub candidacy: String,
    /// Name.
    pub name: String,
    /// Cell.
    pub cell: String,
    /// The organisation above the cell.
    pub cell_parent: String,
    /// The assigned mentor's name.
    pub mentor: String,
    /// Status label.
    pub status: &'static str,
    /// CSS class.
    pub class: &'static str,
    /// The month named by the alert, mm/yyyy.
    pub month: String,
    /// What is missing.
    pub message: String,
}

/// A candidacy assigned to the mentor.
pub struct AssignedLine {
    /// Candidacy public id.
    pub candidacy: String,
    /// Name.
    pub name: String,
    /// Cell.
    pub cell: String,
    /// Stage label.
    pub stage: &'static str,
    /// Months missing a note, mm/yyyy.
    pub missing: Vec<String>,
    /// The month the form proposes, mm/yyyy.
    pub month: String,
}

/// templates/mentors_index.html
#[derive(Template)]
#[template(path = "mentors_index.html")]
pub struct MentorsPage {
    /// Layout.
    pub layout: Layout,
    /// The user is a mentor (the note form is shown).
    pub is_mentor: bool,
    /// Names shown.
    pub individuals: bool,
    /// Missing notes.
    pub rows: Vec<MissingLine>,
    /// For a mentor: the candidacies assigned (first page).
    pub assigned: Vec<AssignedLine>,
    /// Today, dd/mm/yyyy.
    pub today: String,
    /// A refused note.
    pub error: Option<String>,
    /// Staff who may record a note for the mentor (a form on each line).
    pub records_for_mentor: bool,
    /// The "Tải về" links' prefix (roles that see individuals).
    pub download: Option<String>,
}

async fn page(
    state: &AppState,
    auth: &Auth,
    error: Option<String>,
) -> Result<MentorsPage, AppError> {
    let today = state.clock.today();
    let individuals = auth.role.sees_individuals();
    let alerts = if individuals {
        let mut conn = state.store.read().await?;
        candidacies::alerts_in_scope(&mut conn, &auth.scope, &state.book, today, MAX_ALERTS).await?
    } else {
        Vec::new()
    };
    let mut rows: Vec<MissingLine> = alerts
        .into_iter()
        .filter_map(|a| match a.alert.kind {
            AlertKind::MentorNoteMissing { year, month } => Some(MissingLine {
                candidacy: a.candidacy_pub_id,
                name: a.full_name,
                cell: a.cell_name,
                cell_parent: a.cell_parent,
                mentor: a
                    .mentor_name
                    .unwrap_or_else(|| "Chưa phân công".to_string()),
                status: a.alert.badge_vi(),
                class: match a.alert.status {
                    ketnap_domain::alerts::AlertStatus::Overdue => "overdue",
                    ketnap_domain::alerts::AlertStatus::DueSoon => "due-soon",
                    ketnap_domain::alerts::AlertStatus::Upcoming => "upcoming",
                },
                month: format!("{month:02}/{year}"),
                message: a.alert.message_vi,
            }),
            _ => None,
        })
        .collect();
    rows.sort_by(|a, b| (&a.cell, &a.name).cmp(&(&b.cell, &b.name)));
    let mut assigned = Vec::new();
    if auth.role == Role::Mentor {
        let mut conn = state.store.read().await?;
        let page = candidacies::list(
            &mut conn,
            &auth.scope,
            &candidacies::ListFilter::default(),
            None,
            ASSIGNED,
        )
        .await?;
        let this_month = format!("{:02}/{}", today.month(), today.year());
        for c in page.items.into_iter().filter(|c| !c.stage.is_terminal()) {
            let missing: Vec<String> = rows
                .iter()
                .filter(|r| r.candidacy == c.pub_id)
                .map(|r| r.month.clone())
                .collect();
            assigned.push(AssignedLine {
                month: missing
                    .first()
                    .cloned()
                    .unwrap_or_else(|| this_month.clone()),
                candidacy: c.pub_id,
                name: c.full_name,
                cell: c.cell_name,
                stage: c.stage.label_vi(),
                missing,
            });
        }
    }
    Ok(MentorsPage {
        records_for_mentor: auth.role != Role::Mentor
            && candidacies::may_write_mentor_notes(auth.role),
        assigned,
        layout: auth.layout("Đảng viên giúp đỡ", "mentors"),
        is_mentor: auth.role == Role::Mentor,
        individuals,
        rows,
        today: format_vn(today),
        error,
        download: downloads::link(auth, "/mentors", ""),
    })
}

/// `GET /mentors`
pub async fn index(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<downloads::FormatQuery>,
) -> Result<Response, AppError> {
    if let Some(format) = downloads::requested(q.format.as_deref())? {
        downloads::allowed(&state, &auth, "Danh sách đảng viên giúp đỡ", format).await?;
        let mut conn = state.store.read().await?;
        let alerts = candidacies::alerts_in_scope(
            &mut conn,
            &auth.scope,
            &state.book,
            state.clock.today(),
            MAX_ALERTS,
        )
        .await?;
        let table = ketnap_io::lists::mentor_notes_table(&alerts);
        return downloads::file(&table, format, "Nhận xét của người giúp đỡ còn thiếu", None);
    }
    Ok(Html(page(&state, &auth, None).await?.render()?).into_response())
}

/// The note form.
#[derive(Deserialize)]
pub struct NoteForm {
    candidacy: String,
    month: String,
    written_on: String,
    content: String,
}

fn parse_month(s: &str) -> Option<(i16, i8)> {
    let (m, y) = s.trim().split_once('/')?;
    let m: i8 = m.trim().parse().ok()?;
    let y: i16 = y.trim().parse().ok()?;
    (1..=12).contains(&m).then_some((y, m))
}

/// `POST /mentors/notes`
pub async fn add_note(
    State(state): State<AppState>,
    auth: Auth,
    Form(form): Form<NoteForm>,
) -> Result<Response, AppError> {
    // Mentors write their own notes; staff of the cell record a note for the mentor. The store
    // decides who may (candidacies::add_mentor_note), in one place.
    let result: Result<(), AppError> = async {
        let (year, month) = parse_month(&form.month).ok_or_else(|| {
            AppError::BadRequest("Tháng nhận xét phải theo dạng tháng/năm, ví dụ 03/2026.".into())
        })?;
        let on = parse_vn(&form.written_on).ok_or_else(|| {
            AppError::BadRequest(
                "Ngày viết phải theo dạng ngày/tháng/năm, ví dụ 07/03/2026.".into(),
            )
        })?;
        let mut tx = state.store.begin().await?;
        candidacies::add_mentor_note(
            &mut tx,
            &state.write_ctx(Some(auth.user.user_id)),
            &state.book,
            &auth.scope,
            &form.candidacy,
            year,
            month,
            on,
            &form.content,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
    .await;
    match result {
        Ok(()) => Ok(Redirect::to("/mentors").into_response()),
        Err(
            e @ (AppError::BadRequest(_)
            | AppError::Store(StoreError::Invalid { .. } | StoreError::Conflict { .. })),
        ) => {
            let status = e.status();
            let p = page(&state, &auth, Some(e.message_vi().1)).await?;
            Ok((status, Html(p.render()?)).into_response())
        }
        Err(e) => Err(e),
    }
}

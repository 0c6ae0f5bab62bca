//! Paper printed from the data (issue 17): `/candidates/{id}/paper/{code}` — the documents a
//! candidacy's recorded steps produce ([`ketnap_io::paper::PaperKind`]) as an A4 print page, or
//! with `?format=docx` as a DOCX to edit before signing. Who may print: the roles that keep
//! dossiers ([`role_prints`]).

use crate::extract::Query;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use ketnap_io::paper::{self, Block, Facts, Paper, PaperKind};
use ketnap_store::{Role, candidacies, orgs, people};
use serde::Deserialize;

use crate::AppState;
use crate::auth::Auth;
use crate::error::AppError;

/// The routes of the area.
pub fn routes() -> crate::routes::Routes {
    crate::routes::Routes::new()
        .route("/candidates/{pub_id}/paper/{code}", get(show))
        .route("/cohort", get(cohort))
        .route("/papers/sympathizers", get(sympathizers))
        .route("/papers/course-proposals", get(course_proposals))
}

/// `?org=…[&kind=…][&format=docx]` for the lists of an organisation.
#[derive(Deserialize, Default)]
pub struct ListQuery {
    org: Option<String>,
    kind: Option<String>,
    format: Option<String>,
}

/// `GET /papers/sympathizers?org=…`: the organisation's sympathizer list (danh sách quần chúng
/// cảm tình Đảng) as a party document, print page or DOCX.
pub async fn sympathizers(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    if !role_prints(auth.role) {
        return Err(AppError::Forbidden);
    }
    let today = state.clock.today();
    let mut conn = state.store.read().await?;
    let (org, _) =
        crate::pages::picker::pick_org(&state, &mut conn, &auth.scope, q.org.as_deref()).await?;
    let listed =
        ketnap_store::classes::sympathizer_list(&mut conn, &auth.scope, org.org_id).await?;
    let path = orgs::path(&mut conn, org.org_id).await?;
    let p = paper::sympathizer_list(&path, &listed, today).ok_or(AppError::NotFound)?;
    respond(
        p,
        format!("Danh sách quần chúng cảm tình Đảng — {}", org.name),
        format!("/papers/sympathizers?org={}&format=docx", org.pub_id),
        format!("/candidates?org={}", org.pub_id),
        (listed.len() as i64 >= ketnap_store::classes::LIST_MAX).then(|| {
            "Danh sách dài quá giới hạn in một lần: chọn tổ chức cấp dưới để in từng phần."
                .to_string()
        }),
        q.format.as_deref(),
    )
}

/// `GET /papers/course-proposals?org=…&kind=awareness|new_member`: the organisation's standing
/// course proposals as the list it sends to the committee above, print page or DOCX.
pub async fn course_proposals(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    if !role_prints(auth.role) {
        return Err(AppError::Forbidden);
    }
    let kind = q
        .kind
        .as_deref()
        .and_then(ketnap_store::classes::ClassKind::from_code)
        .unwrap_or(ketnap_store::classes::ClassKind::Awareness);
    let today = state.clock.today();
    let mut conn = state.store.read().await?;
    let (org, _) =
        crate::pages::picker::pick_org(&state, &mut conn, &auth.scope, q.org.as_deref()).await?;
    let proposed: Vec<ketnap_store::classes::Waiting> =
        ketnap_store::classes::waiting(&mut conn, &auth.scope, org.org_id, kind)
            .await?
            .into_iter()
            .filter(|w| w.proposed_on.is_some())
            .collect();
    let path = orgs::path(&mut conn, org.org_id).await?;
    let p = paper::proposal_list(&path, kind, &proposed, today).ok_or(AppError::NotFound)?;
    respond(
        p,
        format!("Danh sách đề nghị cử đi học — {}", org.name),
        format!(
            "/papers/course-proposals?org={}&kind={}&format=docx",
            org.pub_id,
            kind.code()
        ),
        format!("/classes?org={}&kind={}", org.pub_id, kind.code()),
        proposed
            .is_empty()
            .then(|| "Chưa có người nào được đề nghị: danh sách để trống.".to_string()),
        q.format.as_deref(),
    )
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
    /// Markup printed after the document (a report's charts); empty for most papers.
    pub after: String,
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
                after: String::new(),
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

/// The query of `/cohort`: the cell, the day and the step (`cell_vote` or `hold_ceremony`);
/// `print=1` for every paper of the cohort in one print page.
#[derive(Deserialize)]
pub struct CohortQuery {
    cell: Option<String>,
    on: Option<String>,
    step: Option<String>,
    print: Option<String>,
}

/// One member of a cohort, with the dates staff check before printing.
pub struct CohortLine {
    /// Candidacy public id.
    pub pub_id: String,
    /// Name.
    pub name: String,
    /// Birth date.
    pub birth: String,
    /// The dates and numbers recorded, in words.
    pub dates: Vec<String>,
    /// Papers printable.
    pub papers: Vec<String>,
}

/// templates/cohort.html
#[derive(Template)]
#[template(path = "cohort.html")]
pub struct CohortPage {
    layout: crate::layout::Layout,
    heading: String,
    lines: Vec<CohortLine>,
    print_href: String,
}

/// templates/papers_many.html
#[derive(Template)]
#[template(path = "papers_many.html")]
pub struct ManyPage {
    heading: String,
    papers: Vec<Paper>,
    back: String,
}

fn resolution(label: &str, r: Option<&ketnap_domain::lifecycle::Resolution>) -> Option<String> {
    r.map(|r| {
        format!(
            "{label}: số {} ngày {}",
            r.number,
            ketnap_domain::dates::format_vn(r.on)
        )
    })
}

/// `GET /cohort?cell=…&on=dd/mm/yyyy&step=cell_vote|hold_ceremony[&print=1]`: the candidacies
/// voted on at one cell meeting (or admitted at one ceremony), with their dates to check once,
/// and all their papers printed in order from one page.
pub async fn cohort(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<CohortQuery>,
) -> Result<Response, AppError> {
    if !role_prints(auth.role) {
        return Err(AppError::Forbidden);
    }
    let on = ketnap_domain::dates::parse_vn(q.on.as_deref().unwrap_or("")).ok_or_else(|| {
        AppError::BadRequest("Ngày: hãy ghi theo dạng ngày/tháng/năm, ví dụ 07/03/2026.".into())
    })?;
    let step = match q.step.as_deref() {
        None | Some("") | Some("cell_vote") => "cell_vote",
        Some("hold_ceremony") => "hold_ceremony",
        Some(_) => return Err(AppError::BadRequest("Không có bước này.".into())),
    };
    let mut conn = state.store.read().await?;
    let cell = orgs::get(&mut conn, &auth.scope, q.cell.as_deref().unwrap_or("")).await?;
    let ids = candidacies::cohort(&mut conn, &auth.scope, cell.org_id, step, on).await?;
    let path = orgs::path(&mut conn, cell.org_id).await?;
    let heading = format!(
        "{} ngày {} — {}",
        if step == "cell_vote" {
            "Đợt chi bộ xét kết nạp"
        } else {
            "Đợt lễ kết nạp"
        },
        ketnap_domain::dates::format_vn(on),
        cell.name
    );
    let mut lines = Vec::new();
    let mut papers = Vec::new();
    for id in &ids {
        let c = candidacies::get(&mut conn, &auth.scope, id).await?;
        let history = candidacies::history(&mut conn, &auth.scope, id).await?;
        let person = people::get(&mut conn, &auth.scope, &c.person_pub_id).await?;
        let birth = person.person.birth_date.date();
        let facts = Facts {
            full_name: &c.full_name,
            birth_date: birth,
            state: &c.state,
            history: &history,
            path: &path,
        };
        let mine: Vec<Paper> = PaperKind::ALL
            .iter()
            .filter_map(|k| paper::build(*k, &facts))
            .collect();
        let s = &c.state;
        lines.push(CohortLine {
            pub_id: c.pub_id.clone(),
            name: c.full_name.clone(),
            birth: ketnap_domain::dates::format_vn(birth),
            dates: [
                resolution("Chi bộ xét", s.cell_resolution.as_ref()),
                resolution("Đảng ủy bộ phận thẩm định", s.partial_appraisal.as_ref()),
                resolution("Đảng ủy cơ sở xét", s.grassroots_resolution.as_ref()),
                resolution(
                    "Quyết định kết nạp",
                    s.admission_decision.as_ref().map(|d| &d.0),
                ),
                s.ceremony_on
                    .map(|d| format!("Lễ kết nạp: ngày {}", ketnap_domain::dates::format_vn(d))),
            ]
            .into_iter()
            .flatten()
            .collect(),
            papers: PaperKind::ALL
                .iter()
                .filter(|k| k.available(s))
                .map(|k| k.label_vi())
                .collect(),
        });
        papers.extend(mine);
    }
    let back = format!(
        "/cohort?cell={}&on={}&step={step}",
        cell.pub_id,
        ketnap_domain::dates::format_vn(on)
    );
    if q.print.as_deref() == Some("1") {
        if papers.is_empty() {
            return Err(AppError::BadRequest(
                "Đợt này chưa có giấy tờ nào để in.".into(),
            ));
        }
        let page = ManyPage {
            heading,
            papers,
            back,
        };
        return Ok(Html(page.render()?).into_response());
    }
    let page = CohortPage {
        layout: auth.layout(heading.clone(), "candidates"),
        heading,
        lines,
        print_href: format!("{back}&print=1"),
    };
    Ok(Html(page.render()?).into_response())
}

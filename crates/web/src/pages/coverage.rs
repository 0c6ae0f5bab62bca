//! `/coverage` — coverage analytics of a subtree (residential units without a member or a cell,
//! the "tái trắng" risk; cells of 9+ official members without a chi ủy; cells with no source
//! this year; key local positions held by non-members), as counts per child organisation and as
//! lists; and `/coverage/evaluation`, the development results of each child for the annual
//! quality ranking. Both are [`Document`]s: a page, and XLSX or CSV with `?format=`.

use crate::extract::Query;
use askama::Template;
use axum::extract::State;
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use ketnap_domain::dates::format_vn;
use ketnap_store::{Conn, Scope, coverage, orgs};
use serde::Deserialize;

use crate::AppState;
use crate::auth::Auth;
use crate::error::AppError;
use crate::export::{Cell, Document, Section};
use crate::pages::picker::{Opt, parse_year, pick_org};
use crate::report;

/// Rows of each list on the page (the counts say how many there are in all).
const LIST_ROWS: i64 = 200;

/// The routes of the area.
pub fn routes() -> crate::routes::Routes {
    crate::routes::Routes::new()
        .route("/coverage", get(show))
        .route("/coverage/evaluation", get(evaluation))
}

/// The query string.
#[derive(Deserialize, Default)]
pub struct CoverageQuery {
    /// Organisation public id (default: the first root of the scope).
    #[serde(default)]
    pub org: Option<String>,
    /// Year (default: this year).
    #[serde(default)]
    pub year: Option<String>,
    /// `xlsx` or `csv` for a file.
    #[serde(default)]
    pub format: Option<String>,
}

/// `coverage_show.html`
#[derive(Template)]
#[template(path = "coverage_show.html")]
pub struct CoveragePage {
    layout: crate::layout::Layout,
    doc: Document,
    heading: String,
    action: &'static str,
    org_pub_id: String,
    year: i16,
    org_options: Vec<Opt>,
    today: String,
    download: Option<String>,
}

fn more_note(shown: usize, total: i64) -> Option<String> {
    (i64::try_from(shown).unwrap_or(i64::MAX) < total)
        .then(|| format!("Hiển thị {shown} trên {total} dòng; tải tệp để xem đủ."))
}

/// The coverage document of the subtree of `org` for `year`.
async fn coverage_doc(
    conn: &mut Conn,
    scope: &Scope,
    org: &orgs::Org,
    year: i16,
    state: &AppState,
    rows: i64,
) -> Result<Document, AppError> {
    let today = state.clock.today();
    let rules = state.book.in_force(today);
    let by_child = coverage::counts_by_child(conn, scope, org.org_id, year, rules).await?;
    let mut counts = Section::new(
        "I. Số liệu theo tổ chức trực thuộc",
        &[
            "Tổ chức",
            "Thôn, tổ dân phố chưa có đảng viên",
            "Thôn, tổ dân phố chưa có chi bộ",
            "Chi bộ đủ 9 đảng viên chính thức chưa có chi ủy",
            "Chi bộ chưa có nguồn trong năm",
            "Vị trí chủ chốt do người ngoài Đảng đảm nhiệm",
        ],
    );
    for o in by_child
        .children
        .iter()
        .chain(std::iter::once(&by_child.total))
    {
        let c = &o.counts;
        let label = if o.org_id == by_child.total.org_id {
            format!("Cộng: {}", o.name)
        } else {
            o.name.clone()
        };
        counts.row(vec![
            Cell::text(label),
            Cell::count(c.units_without_member),
            Cell::count(c.units_without_cell),
            Cell::count(c.cells_without_committee),
            Cell::count(c.cells_without_sources),
            Cell::count(c.key_positions_held_by_non_members),
        ]);
    }
    let total = by_child.total.counts;

    let page = coverage::units_without_member(conn, scope, org.org_id, None, rows).await?;
    let mut no_member = Section::new(
        "II. Thôn, tổ dân phố chưa có đảng viên (nguy cơ \"tái trắng\")",
        &[
            "Thôn, tổ dân phố",
            "Xã, phường",
            "Chi bộ phụ trách",
            "Tình trạng",
        ],
    );
    for u in &page.items {
        no_member.row(vec![
            Cell::text(u.kind.name_with_kind(&u.name)),
            Cell::text(&u.org_name),
            Cell::text(u.cell_name.clone().unwrap_or_else(|| "—".into())),
            Cell::text(u.blank.label()),
        ]);
    }
    no_member.note = more_note(page.items.len(), total.units_without_member);

    let page = coverage::units_without_cell(conn, scope, org.org_id, None, rows).await?;
    let mut no_cell = Section::new(
        "III. Thôn, tổ dân phố chưa có chi bộ",
        &[
            "Thôn, tổ dân phố",
            "Xã, phường",
            "Đảng viên đang cư trú",
            "Tình trạng",
        ],
    );
    for u in &page.items {
        no_cell.row(vec![
            Cell::text(u.kind.name_with_kind(&u.name)),
            Cell::text(&u.org_name),
            Cell::count(u.members_living),
            Cell::text(u.blank.label()),
        ]);
    }
    no_cell.note = more_note(page.items.len(), total.units_without_cell);

    let page =
        coverage::cells_without_committee(conn, scope, org.org_id, rules, None, rows).await?;
    let mut committee = Section::new(
        "IV. Chi bộ đủ số đảng viên chính thức để lập chi ủy nhưng chưa có chi ủy",
        &[
            "Chi bộ",
            "Trực thuộc",
            "Đảng viên chính thức",
            "Đảng viên dự bị",
        ],
    );
    for c in &page.items {
        committee.row(vec![
            Cell::text(&c.name),
            Cell::text(c.parent_name.clone().unwrap_or_default()),
            Cell::count(c.official),
            Cell::count(c.probationary),
        ]);
    }
    committee.note = Some(format!(
        "Căn cứ: {}.{}",
        rules.cell_committee_threshold.cite(),
        more_note(page.items.len(), total.cells_without_committee)
            .map(|n| format!(" {n}"))
            .unwrap_or_default()
    ));

    let page =
        coverage::cells_without_sources(conn, scope, org.org_id, year, rules, None, rows).await?;
    let mut sources = Section::new(
        format!("V. Chi bộ chưa có nguồn quần chúng trong năm {year}"),
        &[
            "Chi bộ",
            "Trực thuộc",
            "Đảng viên chính thức",
            "Đảng viên dự bị",
        ],
    );
    for c in &page.items {
        sources.row(vec![
            Cell::text(&c.name),
            Cell::text(c.parent_name.clone().unwrap_or_default()),
            Cell::count(c.official),
            Cell::count(c.probationary),
        ]);
    }
    sources.note = more_note(page.items.len(), total.cells_without_sources);

    let page =
        coverage::key_positions_held_by_non_members(conn, scope, org.org_id, None, rows).await?;
    let mut held = Section::new(
        "VI. Vị trí chủ chốt ở thôn, tổ dân phố do người ngoài Đảng đảm nhiệm",
        &[
            "Thôn, tổ dân phố",
            "Xã, phường",
            "Vị trí",
            "Người đảm nhiệm",
            "Đang phát triển",
        ],
    );
    for h in &page.items {
        held.row(vec![
            Cell::text(&h.unit_name),
            Cell::text(&h.org_name),
            Cell::text(h.kind.label_vi()),
            Cell::text(h.holder_name.clone().unwrap_or_else(|| "(ẩn)".into())),
            Cell::text(h.candidacy_stage.map(|s| s.label_vi()).unwrap_or("")),
        ]);
    }
    held.note = more_note(page.items.len(), total.key_positions_held_by_non_members);

    Ok(Document {
        heading: report::heading(conn, org.org_id, &org.name, Some(today)).await?,
        title: "BÁO CÁO".into(),
        subtitle: format!("Rà soát địa bàn, tổ chức đảng và nguồn phát triển đảng viên năm {year}"),
        sections: vec![counts, no_member, no_cell, committee, sources, held],
    })
}

/// The evaluation document: one row per child of `org` for `year`.
async fn evaluation_doc(
    conn: &mut Conn,
    scope: &Scope,
    org: &orgs::Org,
    year: i16,
    state: &AppState,
) -> Result<Document, AppError> {
    let today = state.clock.today();
    let e = coverage::evaluation(conn, scope, org.org_id, year, &state.book, today).await?;
    let mut s = Section::new(
        format!("Kết quả phát triển đảng viên năm {year} của các tổ chức trực thuộc"),
        &[
            "Tổ chức",
            "Đảng số đầu năm",
            "Chỉ tiêu kết nạp",
            "Đã kết nạp",
            "Tỷ lệ đạt",
            "Tỷ lệ kết nạp/đảng số",
            "Tốt nghiệp THPT",
            "Trong độ tuổi đoàn",
            "Không được kết nạp",
            "Xóa tên đảng viên dự bị",
            "Hủy quyết định",
            "Hồ sơ có việc quá hạn",
            "Số việc quá hạn",
        ],
    );
    for r in &e.rows {
        let share = |sh: &ketnap_domain::stats::Share| Cell::percent(sh.part, sh.whole);
        s.row(vec![
            Cell::text(&r.name),
            r.start_of_year
                .map_or(Cell::Empty, |c| Cell::count(c.official + c.probationary)),
            if r.has_plan {
                Cell::count(i64::from(r.admissions.target))
            } else {
                Cell::Empty
            },
            Cell::count(i64::from(r.admissions.actual)),
            if r.has_plan {
                Cell::percent(r.admissions.actual, r.admissions.target)
            } else {
                Cell::Empty
            },
            r.admission_rate.as_ref().map_or(Cell::Empty, share),
            share(&r.upper_secondary),
            share(&r.youth_age),
            Cell::count(i64::from(r.rejected)),
            Cell::count(i64::from(r.removed)),
            Cell::count(i64::from(r.annulled)),
            Cell::count(i64::from(r.overdue_candidacies)),
            Cell::count(i64::from(r.overdue_items)),
        ]);
    }
    s.note = Some(format!(
        "Việc quá hạn tính đến ngày {}. Tỷ lệ kết nạp so với đảng số đầu năm chỉ tính khi đã chốt số đầu năm.",
        format_vn(e.as_of)
    ));
    Ok(Document {
        heading: report::heading(conn, org.org_id, &org.name, Some(today)).await?,
        title: "BẢNG TỔNG HỢP".into(),
        subtitle: format!(
            "Kết quả công tác phát triển đảng viên năm {year} phục vụ đánh giá, xếp loại"
        ),
        sections: vec![s],
    })
}

fn file(doc: &Document, stem: String, format: &str) -> Result<Response, AppError> {
    let (bytes, mime) = match format {
        "xlsx" => (
            doc.to_xlsx().map_err(|e| {
                tracing::error!(error = %e, "xlsx");
                AppError::BadRequest("Không tạo được tệp Excel.".into())
            })?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        "csv" => (doc.to_csv().into_bytes(), "text/csv; charset=utf-8"),
        _ => {
            return Err(AppError::BadRequest(
                "Định dạng tệp phải là xlsx hoặc csv.".into(),
            ));
        }
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

/// `GET /coverage`
pub async fn show(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<CoverageQuery>,
) -> Result<Response, AppError> {
    let year = parse_year(q.year.as_deref(), state.clock.today())?;
    let mut conn = state.store.read().await?;
    let (org, org_options) = pick_org(&state, &mut conn, &auth.scope, q.org.as_deref()).await?;
    let rows = if q.format.is_some() {
        100_000
    } else {
        LIST_ROWS
    };
    let doc = coverage_doc(&mut conn, &auth.scope, &org, year, &state, rows).await?;
    if let Some(f) = q.format.as_deref() {
        return file(
            &doc,
            format!("ra-soat-{}", doc.file_stem(&org.code, &year.to_string())),
            f,
        );
    }
    let page = CoveragePage {
        layout: auth.layout(format!("Rà soát địa bàn — {}", org.name), "reports"),
        doc,
        heading: "Rà soát địa bàn, tổ chức đảng và nguồn".into(),
        action: "/coverage",
        download: crate::pages::downloads::link(
            &auth,
            "/coverage/lists",
            &format!("org={}&year={year}", org.pub_id),
        ),
        org_pub_id: org.pub_id.clone(),
        year,
        org_options,
        today: format_vn(state.clock.today()),
    };
    Ok(Html(page.render()?).into_response())
}

/// `GET /coverage/evaluation`
pub async fn evaluation(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<CoverageQuery>,
) -> Result<Response, AppError> {
    let year = parse_year(q.year.as_deref(), state.clock.today())?;
    let mut conn = state.store.read().await?;
    let (org, org_options) = pick_org(&state, &mut conn, &auth.scope, q.org.as_deref()).await?;
    let doc = evaluation_doc(&mut conn, &auth.scope, &org, year, &state).await?;
    if let Some(f) = q.format.as_deref() {
        return file(
            &doc,
            format!("danh-gia-{}", doc.file_stem(&org.code, &year.to_string())),
            f,
        );
    }
    let page = CoveragePage {
        layout: auth.layout(
            format!("Kết quả phục vụ xếp loại — {}", org.name),
            "reports",
        ),
        doc,
        heading: "Kết quả phát triển đảng viên phục vụ đánh giá, xếp loại".into(),
        action: "/coverage/evaluation",
        download: None,
        org_pub_id: org.pub_id.clone(),
        year,
        org_options,
        today: format_vn(state.clock.today()),
    };
    Ok(Html(page.render()?).into_response())
}

//! "Tải về: Excel (XLSX) · CSV" on every list page: the list as the page shows it (its filters
//! kept, every row rather than one page), written by [`ketnap_io::lists`] in the columns the
//! importer reads (or, for lists that are not imported, columns of their own).
//!
//! A list page answers `?…&format=xlsx` (or `csv`) with the file instead of the page: an
//! attachment named after the list in ASCII (`danh-sach-dang-vien-CB-XA-DONG.xlsx`), never
//! cached. Only roles that see individuals download lists; a leader who reads aggregates gets
//! 403, as for the lists themselves.

use crate::extract::Query;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use ketnap_io::import::Kind;
use ketnap_io::lists::{self, Format, ListFilter, Table};
use ketnap_store::orgs;
use serde::Deserialize;

use crate::AppState;
use crate::auth::Auth;
use crate::error::AppError;
use crate::pages::picker::{parse_year, pick_org};

/// The routes of the downloads that have no page of their own.
pub fn routes() -> crate::routes::Routes {
    crate::routes::Routes::new()
        .route("/orgs/{pub_id}/download", get(org_tree))
        .route("/coverage/lists", get(coverage_lists))
}

/// The `format` of a download's query string.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct FormatQuery {
    /// `xlsx` or `csv`.
    #[serde(default)]
    pub format: Option<String>,
}

/// The format asked for: `None` when the query has none (show the page).
pub fn requested(format: Option<&str>) -> Result<Option<Format>, AppError> {
    match format.map(str::trim).filter(|f| !f.is_empty()) {
        None => Ok(None),
        Some(f) => Format::from_code(f)
            .map(Some)
            .ok_or_else(|| AppError::BadRequest("Định dạng tệp phải là xlsx hoặc csv.".into())),
    }
}

/// Who downloads lists of individuals: the roles that read a cell's roster
/// ([`ketnap_store::Field::Roster`]: staff, the committee member in charge, the cell's secretary).
/// A mentor, the political centre and a mass organisation read their few candidates on the pages;
/// a list of the subtree in a file is not their job (SECURITY.md, issue 18).
fn may_download(auth: &Auth) -> bool {
    auth.role.reads(ketnap_store::Field::Roster)
}

/// Lists of individuals are downloaded only by [`may_download`] roles, and each download is an
/// audit row (`list.download`: which list, which format; never its rows).
pub async fn allowed(
    state: &AppState,
    auth: &Auth,
    list: &str,
    format: Format,
) -> Result<(), AppError> {
    if !may_download(auth) {
        return Err(AppError::Forbidden);
    }
    let mut tx = state.store.begin().await?;
    ketnap_store::audit::append(
        &mut tx,
        &state.write_ctx(Some(auth.user.user_id)),
        &ketnap_store::audit::AuditEntry {
            action: "list.download",
            object_kind: "list",
            object_id: list,
            org_id: None,
            detail: serde_json::json!({ "format": format.code() }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The link prefix a page's "Tải về" links append `format=…` to: the page's path and query
/// (without `format` and the page cursor), ending in `?` or `&`. `None` for roles that do not
/// download lists.
pub fn link(auth: &Auth, path: &str, query: &str) -> Option<String> {
    may_download(auth).then(|| {
        if query.is_empty() {
            format!("{path}?")
        } else {
            format!("{path}?{query}&")
        }
    })
}

/// Percent-encode a query value.
pub fn enc(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The file of a list: an attachment named from `title` and the organisation's code, not cached.
pub fn file(
    table: &Table,
    format: Format,
    title: &str,
    org_code: Option<&str>,
) -> Result<Response, AppError> {
    let (headers, rows) = table;
    let bytes = lists::to_file(headers, rows, format).map_err(|e| {
        tracing::error!(error = %e, "list file");
        AppError::BadRequest("Không tạo được tệp.".into())
    })?;
    let name = lists::file_name(title, org_code, format);
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.mime()),
    );
    // The name is ASCII letters, digits, dashes and a dot: a valid header value.
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}

/// `GET /orgs/{pub_id}/download?format=` — the organisation list of the subtree (party
/// organisations, residential units, mass organisations), as the importer reads it.
pub async fn org_tree(
    State(state): State<AppState>,
    auth: Auth,
    Path(pub_id): Path<String>,
    Query(q): Query<FormatQuery>,
) -> Result<Response, AppError> {
    let format = requested(q.format.as_deref())?.unwrap_or(Format::Xlsx);
    allowed(&state, &auth, "Danh sách tổ chức", format).await?;
    let mut conn = state.store.read().await?;
    let org = orgs::get(&mut conn, &auth.scope, &pub_id).await?;
    let filter = ListFilter {
        org: Some(org.org_id),
        ..ListFilter::default()
    };
    let table = lists::export(&mut conn, &auth.scope, Kind::Orgs, &filter).await?;
    file(&table, format, "Danh sách tổ chức", Some(&org.code))
}

/// The query of the coverage lists.
#[derive(Deserialize, Default)]
pub struct CoverageListsQuery {
    /// Organisation public id (default: the first root of the scope).
    #[serde(default)]
    pub org: Option<String>,
    /// Year (default: this year).
    #[serde(default)]
    pub year: Option<String>,
    /// `xlsx` (default) or `csv`.
    #[serde(default)]
    pub format: Option<String>,
}

/// `GET /coverage/lists?org=&year=&format=` — every row of the coverage page's lists in one
/// table (the page shows the first rows of each).
pub async fn coverage_lists(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<CoverageListsQuery>,
) -> Result<Response, AppError> {
    let format = requested(q.format.as_deref())?.unwrap_or(Format::Xlsx);
    allowed(&state, &auth, "Danh sách phủ kín thôn, tổ", format).await?;
    let today = state.clock.today();
    let year = parse_year(q.year.as_deref(), today)?;
    let mut conn = state.store.read().await?;
    let (org, _) = pick_org(&state, &mut conn, &auth.scope, q.org.as_deref()).await?;
    let rules = state.book.in_force(today);
    let table = lists::coverage(&mut conn, &auth.scope, org.org_id, year, rules).await?;
    file(
        &table,
        format,
        &format!("Rà soát địa bàn {year}"),
        Some(&org.code),
    )
}

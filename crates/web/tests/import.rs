//! The import page and the import API on the in-process router: templates, the preview of an
//! uploaded list (every problem by row and column, nothing written), the commit, who may import
//! and who may see a job.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use std::net::SocketAddr;
use std::time::Duration;

use axum::body::{Body, to_bytes};
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use calamine::{Data, Reader, Xlsx};
use common::{Page, TestApp};
use ketnap_store::{Store, WriteCtx, orgs, users};
use ketnap_web::api;
use serde_json::Value;
use tower::ServiceExt;

const ROOT: &str = "TU-TEST";

/// An org list whose last row has a kind nobody knows.
const BAD_ORGS: &str = "Mã tổ chức,Tên tổ chức,Loại,Mã tổ chức cấp trên\n\
DU-XA-HB,Đảng bộ xã Hòa Bình,Đảng ủy xã,TU-TEST\n\
CB-HB-DONG,Chi bộ thôn Đông,Chi bộ thôn,DU-XA-HB\n\
CB-HB-TAY,Chi bộ thôn Tây,Không rõ,DU-XA-HB\n";

/// The same list, fixed.
const GOOD_ORGS: &str = "Mã tổ chức,Tên tổ chức,Loại,Mã tổ chức cấp trên\n\
DU-XA-HB,Đảng bộ xã Hòa Bình,Đảng ủy xã,TU-TEST\n\
CB-HB-DONG,Chi bộ thôn Đông,Chi bộ thôn,DU-XA-HB\n\
CB-HB-TAY,Chi bộ thôn Tây,Chi bộ thôn,DU-XA-HB\n";

/// A blank database set up from the server itself: root `TU-TEST`, administrator `quantri`,
/// logged in.
async fn set_up(postgres: bool) -> Option<TestApp> {
    let mut app = TestApp::spawn_blank(postgres).await?;
    let loopback: SocketAddr = "127.0.0.1:40000".parse().unwrap();
    let mut req = Request::get("/setup").body(Body::empty()).unwrap();
    req.extensions_mut().insert(ConnectInfo(loopback));
    let form = app.send(req).await;
    let csrf = TestApp::csrf(&form);
    let body = format!(
        "_csrf={csrf}&root_kind=provincial&root_code={ROOT}&root_name=T%E1%BB%89nh&username=quantri\
         &display_name=Qu%E1%BA%A3n+tr%E1%BB%8B&password=mat-khau-dau-tien&password_confirm=mat-khau-dau-tien"
    );
    let mut req = Request::post("/setup")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, app.cookie.clone().unwrap())
        .body(Body::from(body))
        .unwrap();
    req.extensions_mut().insert(ConnectInfo(loopback));
    let done = app.send(req).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    Some(app)
}

/// A multipart upload of the import form: `_csrf` first, as the page sends it.
async fn upload(app: &mut TestApp, csrf: &str, kind: &str, name: &str, bytes: &[u8]) -> Page {
    let boundary = "----ketnap-test-boundary";
    let mut body = Vec::new();
    for (field, value) in [("_csrf", csrf), ("kind", kind)] {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
             Content-Type: text/csv\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let req = Request::post("/import")
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .header(header::COOKIE, app.cookie.clone().unwrap())
        .body(Body::from(body))
        .unwrap();
    app.send(req).await
}

/// The job's page once it has finished (it polls itself while running).
async fn finished(app: &mut TestApp, path: &str) -> Page {
    for _ in 0..400 {
        let page = app.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}: {}", page.body);
        if !page.body.contains("hx-trigger=\"every 1s\"") {
            return page;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("{path} did not finish");
}

/// Upload `csv` as a list of `kind` from the import page and wait for the preview.
async fn preview(app: &mut TestApp, kind: &str, csv: &str) -> (String, Page) {
    let page = app.get("/import").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let csrf = TestApp::csrf(&page);
    let sent = upload(app, &csrf, kind, "to-chuc.csv", csv.as_bytes()).await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let job = sent.location.unwrap();
    assert!(job.starts_with("/import/jobs/"), "{job}");
    let page = finished(app, &job).await;
    (job, page)
}

async fn org_exists(store: &Store, code: &str) -> bool {
    let mut conn = store.read().await.unwrap();
    orgs::by_code(&mut conn, code).await.is_ok()
}

async fn token_of(store: &Store, username: &str) -> String {
    let mut conn = store.read().await.unwrap();
    let user = users::by_username(&mut conn, username)
        .await
        .unwrap()
        .unwrap();
    drop(conn);
    let token = api::new_token();
    let mut tx = store.begin().await.unwrap();
    let ctx = WriteCtx::new(None, "2026-11-23T03:00:00Z".parse().unwrap());
    users::set_api_token_hash(&mut tx, &ctx, user.user_id, Some(&api::token_hash(&token)))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    token
}

async fn call(
    app: &TestApp,
    method: &str,
    path: &str,
    token: &str,
    body: &[u8],
) -> (StatusCode, Vec<u8>, String) {
    let req = Request::builder()
        .method(method)
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "text/csv")
        .body(Body::from(body.to_vec()))
        .unwrap();
    let res = app.router.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let mime = res
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let bytes = to_bytes(res.into_body(), 10 << 20).await.unwrap().to_vec();
    (status, bytes, mime)
}

async fn preview_lists_a_bad_row_then_the_fixed_file_is_committed(postgres: bool) {
    let Some(mut app) = set_up(postgres).await else {
        return;
    };
    // The preview of a file with one bad row: the row and the column, nothing written.
    let (_, page) = preview(&mut app, "orgs", BAD_ORGS).await;
    assert!(page.body.contains("có 1 vấn đề"), "{}", page.body);
    assert!(
        page.body.contains("<td>4</td><td>Loại</td>"),
        "{}",
        page.body
    );
    assert!(page.body.contains("Không nhận ra loại “Không rõ”"));
    assert!(page.body.contains("Không có gì được lưu"));
    assert!(!page.body.contains("Nhập vào hệ thống</button>"));
    for code in ["DU-XA-HB", "CB-HB-DONG", "CB-HB-TAY"] {
        assert!(!org_exists(&app.store, code).await, "{code} was written");
    }
    // The fixed file: no problem, then written on the click.
    let (job, page) = preview(&mut app, "orgs", GOOD_ORGS).await;
    assert!(page.body.contains("Không có lỗi"), "{}", page.body);
    assert!(page.body.contains("3 dòng dữ liệu"));
    assert!(page.body.contains("Nhập vào hệ thống</button>"));
    assert!(
        !org_exists(&app.store, "DU-XA-HB").await,
        "a preview writes nothing"
    );
    let csrf = TestApp::csrf(&page);
    let commit = app
        .post(&format!("{job}/commit"), &[("_csrf", &csrf)])
        .await;
    assert_eq!(commit.status, StatusCode::SEE_OTHER, "{}", commit.body);
    assert_eq!(commit.location.as_deref(), Some(job.as_str()));
    let done = finished(&mut app, &job).await;
    assert!(done.body.contains("Đã nhập vào hệ thống"), "{}", done.body);
    assert!(done.body.contains("href=\"/orgs\""));
    assert!(done.body.contains("Về trang tổng quan"));
    for code in ["DU-XA-HB", "CB-HB-DONG", "CB-HB-TAY"] {
        assert!(org_exists(&app.store, code).await, "{code} missing");
    }
    // A second click writes nothing more.
    let again = app
        .post(&format!("{job}/commit"), &[("_csrf", &csrf)])
        .await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    let page = finished(&mut app, &job).await;
    assert!(page.body.contains("Đã nhập vào hệ thống"));
}

#[tokio::test]
async fn a_bad_row_is_previewed_with_its_line_and_column_and_the_fixed_file_is_committed() {
    preview_lists_a_bad_row_then_the_fixed_file_is_committed(false).await;
}

#[tokio::test]
async fn a_bad_row_is_previewed_and_the_fixed_file_is_committed_on_postgres_too() {
    preview_lists_a_bad_row_then_the_fixed_file_is_committed(true).await;
}

#[tokio::test]
async fn the_status_fragment_polls_while_running_and_is_a_fragment_for_htmx() {
    let mut app = set_up(false).await.unwrap();
    let (job, _) = preview(&mut app, "orgs", GOOD_ORGS).await;
    let req = Request::get(&job)
        .header("hx-request", "true")
        .header(header::COOKIE, app.cookie.clone().unwrap())
        .body(Body::empty())
        .unwrap();
    let fragment = app.send(req).await;
    assert_eq!(fragment.status, StatusCode::OK);
    assert!(fragment.body.contains("id=\"import-job\""));
    assert!(!fragment.body.contains("<html"), "a fragment, not a page");
    assert!(fragment.body.contains("Không có lỗi"));
}

#[tokio::test]
async fn an_unreadable_file_is_reported_and_nothing_is_written() {
    let mut app = set_up(false).await.unwrap();
    let (_, page) = preview(&mut app, "orgs", "PK\u{3}\u{4} không phải tệp Excel").await;
    assert!(page.body.contains("Không đọc được tệp"), "{}", page.body);
    assert!(page.body.contains("Chọn tệp khác"));
}

#[tokio::test]
async fn an_upload_without_a_kind_or_a_file_is_refused_on_the_form() {
    let mut app = set_up(false).await.unwrap();
    let page = app.get("/import").await;
    let csrf = TestApp::csrf(&page);
    let no_kind = upload(&mut app, &csrf, "", "a.csv", GOOD_ORGS.as_bytes()).await;
    assert_eq!(no_kind.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(no_kind.body.contains("Chọn loại danh sách cần nhập"));
    let no_file = upload(&mut app, &csrf, "orgs", "a.csv", b"").await;
    assert_eq!(no_file.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(no_file.body.contains("Chọn tệp cần nhập"));
    let no_csrf = upload(&mut app, "sai", "orgs", "a.csv", GOOD_ORGS.as_bytes()).await;
    assert_eq!(no_csrf.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_import_page_offers_every_kind_with_its_templates_in_xlsx_and_csv() {
    let mut app = set_up(false).await.unwrap();
    let page = app.get("/import").await;
    for label in [
        "Tổ chức đảng, thôn, tổ dân phố và đoàn thể",
        "Danh sách đảng viên",
        "Quần chúng đang trong quy trình kết nạp",
        "Chỉ tiêu kế hoạch",
    ] {
        assert!(page.body.contains(label), "{label}");
    }
    assert!(page.body.contains("href=\"/import/template/members.xlsx\""));
    assert!(page.body.contains("href=\"/import/template/plans.csv\""));
    assert!(page.body.contains("aria-current=\"page\">Nhập dữ liệu</a>"));
    let csv = app.get("/import/template/orgs.csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.body.contains("Mã tổ chức"), "{}", csv.body);
    assert!(csv.body.contains("Chi bộ thôn Đông"), "the example row");
    // The XLSX: the headings, then the example row.
    let token = token_of(&app.store, "quantri").await;
    let req = Request::get("/import/template/members.xlsx")
        .header(header::COOKIE, app.cookie.clone().unwrap())
        .body(Body::empty())
        .unwrap();
    let res = app.router.clone().oneshot(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let bytes = to_bytes(res.into_body(), 10 << 20).await.unwrap().to_vec();
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    let sheet = book.worksheet_range_at(0).unwrap().unwrap();
    let first: Vec<String> = sheet
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(Data::to_string)
        .collect();
    assert_eq!(first.first().map(String::as_str), Some("Họ và tên"));
    assert!(first.iter().any(|h| h == "Ngày vào Đảng"));
    assert_eq!(sheet.height(), 2, "headings and one example row");
    // The API gives the same template.
    let (status, bytes, mime) =
        call(&app, "GET", "/api/v1/import/template/orgs", &token, b"").await;
    assert_eq!(status, StatusCode::OK);
    assert!(mime.contains("spreadsheetml"), "{mime}");
    assert!(bytes.starts_with(b"PK"));
    assert_eq!(
        app.get("/import/template/nothing.xlsx").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/import/template/orgs.pdf").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_api_imports_a_list_as_a_dry_run_then_for_real() {
    let app = set_up(false).await.unwrap();
    let token = token_of(&app.store, "quantri").await;
    let (status, body, _) = call(
        &app,
        "POST",
        "/api/v1/import/orgs?dry_run=true",
        &token,
        GOOD_ORGS.as_bytes(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    let outcome: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(outcome["kind"], "orgs");
    assert_eq!(outcome["rows"], 3);
    assert_eq!(outcome["dry_run"], true);
    assert_eq!(outcome["committed"], false);
    assert_eq!(outcome["problems"].as_array().unwrap().len(), 0);
    assert!(!org_exists(&app.store, "DU-XA-HB").await);
    // Problems are an answer too: 200, with every problem, nothing written.
    let (status, body, _) = call(
        &app,
        "POST",
        "/api/v1/import/orgs?dry_run=false",
        &token,
        BAD_ORGS.as_bytes(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let outcome: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(outcome["committed"], false);
    let problems = outcome["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 1, "{outcome}");
    assert_eq!(problems[0]["line"], 4);
    assert_eq!(problems[0]["column"], "Loại");
    assert!(!org_exists(&app.store, "DU-XA-HB").await);
    // A file that cannot be read: 422.
    let (status, body, _) = call(
        &app,
        "POST",
        "/api/v1/import/orgs?dry_run=true",
        &token,
        b"PK\x03\x04 not a workbook",
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let error: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(error["error"], "invalid");
    assert!(error["message_vi"].is_string());
    assert!(error["violations"].is_array());
    // Unknown kind: 404.
    let (status, _, _) = call(
        &app,
        "POST",
        "/api/v1/import/nothing",
        &token,
        GOOD_ORGS.as_bytes(),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // For real.
    let (status, body, _) = call(
        &app,
        "POST",
        "/api/v1/import/orgs?dry_run=false",
        &token,
        GOOD_ORGS.as_bytes(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let outcome: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(outcome["committed"], true, "{outcome}");
    assert!(org_exists(&app.store, "CB-HB-TAY").await);
}

#[tokio::test]
async fn a_cell_secretary_and_a_viewer_may_not_import() {
    let mut app = TestApp::spawn().await;
    for user in ["bithu", "lanhdao"] {
        app.cookie = None;
        app.login(user).await;
        let home = app.get("/").await;
        assert!(
            !home.body.contains("href=\"/import\""),
            "{user}: no menu entry"
        );
        for path in ["/import", "/import/template/orgs.csv"] {
            let page = app.get(path).await;
            assert_eq!(page.status, StatusCode::FORBIDDEN, "{user} {path}");
        }
        let token = token_of(&app.store, user).await;
        let (status, _, _) = call(
            &app,
            "POST",
            "/api/v1/import/orgs?dry_run=true",
            &token,
            GOOD_ORGS.as_bytes(),
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{user}");
    }
    app.cookie = None;
    app.login("tochuc").await;
    let home = app.get("/").await;
    assert!(
        home.body.contains("href=\"/import\""),
        "org staff see the entry"
    );
}

#[tokio::test]
async fn only_the_user_who_uploaded_a_file_may_see_or_commit_its_job() {
    let mut app = TestApp::spawn().await;
    app.login("tochuc").await;
    let (job, _) = preview(&mut app, "orgs", BAD_ORGS).await;
    app.cookie = None;
    app.login("admin").await;
    assert_eq!(app.get(&job).await.status, StatusCode::NOT_FOUND);
    let page = app.get("/import").await;
    let csrf = TestApp::csrf(&page);
    let commit = app
        .post(&format!("{job}/commit"), &[("_csrf", &csrf)])
        .await;
    assert_eq!(commit.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.get("/import/jobs/0000000000000000").await.status,
        StatusCode::NOT_FOUND
    );
}

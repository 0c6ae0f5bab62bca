//! The first-run page on the in-process router: a blank database leads every page to `/setup`,
//! which creates the root organisation and the first administrator once, from the server itself
//! or with the one-time setup code, and then is gone.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use common::{Page, TestApp};
use ketnap_store::{Store, orgs, setup, users};

const LOOPBACK: &str = "127.0.0.1:50000";
const REMOTE: &str = "203.0.113.7:50000";

/// A request as the server sees it from `peer` (what `into_make_service_with_connect_info` adds).
fn from_peer(mut req: Request<Body>, peer: &str) -> Request<Body> {
    let addr: SocketAddr = peer.parse().unwrap();
    req.extensions_mut().insert(ConnectInfo(addr));
    req
}

async fn get_from(app: &mut TestApp, path: &str, peer: &str) -> Page {
    let mut req = Request::get(path);
    if let Some(c) = &app.cookie {
        req = req.header(header::COOKIE, c);
    }
    app.send(from_peer(req.body(Body::empty()).unwrap(), peer))
        .await
}

fn encode(form: &[(&str, &str)]) -> String {
    form.iter()
        .map(|(k, v)| {
            let v: String = v
                .bytes()
                .map(|b| match b {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                        (b as char).to_string()
                    }
                    _ => format!("%{b:02X}"),
                })
                .collect();
            format!("{k}={v}")
        })
        .collect::<Vec<_>>()
        .join("&")
}

async fn post_from(
    app: &mut TestApp,
    path: &str,
    form: &[(&str, &str)],
    peer: &str,
    extra: Option<(&str, &str)>,
) -> Page {
    let mut req =
        Request::post(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(c) = &app.cookie {
        req = req.header(header::COOKIE, c);
    }
    if let Some((name, value)) = extra {
        req = req.header(name, value);
    }
    app.send(from_peer(req.body(Body::from(encode(form))).unwrap(), peer))
        .await
}

/// The setup form, filled in, with the CSRF token of `page`.
fn filled<'a>(csrf: &'a str, username: &'a str, code: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("_csrf", csrf),
        ("root_kind", "provincial"),
        ("root_code", "TU-TEST"),
        ("root_name", "Đảng bộ tỉnh Thử Nghiệm"),
        ("username", username),
        ("display_name", "Nguyễn Văn Quản Trị"),
        ("password", "mat-khau-dau-tien"),
        ("password_confirm", "mat-khau-dau-tien"),
        ("setup_code", code),
    ]
}

async fn is_blank(store: &Store) -> bool {
    let mut tx = store.begin().await.unwrap();
    setup::is_blank(&mut tx).await.unwrap()
}

async fn user_exists(store: &Store, username: &str) -> bool {
    let mut conn = store.read().await.unwrap();
    users::by_username(&mut conn, username)
        .await
        .unwrap()
        .is_some()
}

async fn blank_app() -> TestApp {
    TestApp::spawn_blank(false).await.unwrap()
}

#[tokio::test]
async fn on_a_blank_database_every_page_but_static_assets_and_healthz_redirects_to_setup() {
    let mut app = blank_app().await;
    for path in [
        "/",
        "/login",
        "/orgs",
        "/members",
        "/import",
        "/candidates/new",
        "/no-such-page",
    ] {
        let page = get_from(&mut app, path, LOOPBACK).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(page.location.as_deref(), Some("/setup"), "{path}");
    }
    let form = post_from(&mut app, "/login", &[("username", "x")], LOOPBACK, None).await;
    assert_eq!(form.location.as_deref(), Some("/setup"));
    assert_eq!(app.get("/healthz").await.status, StatusCode::OK);
    assert_eq!(app.get("/static/app.css").await.status, StatusCode::OK);
    let setup = get_from(&mut app, "/setup", LOOPBACK).await;
    assert_eq!(setup.status, StatusCode::OK);
    assert!(setup.body.contains("Khởi tạo hệ thống"), "{}", setup.body);
    assert!(setup.body.contains("Tỉnh ủy") && setup.body.contains("Huyện ủy"));
    assert!(setup.body.contains("Đảng ủy khối") && setup.body.contains("Đảng ủy xã"));
    assert!(
        !setup.body.contains("id=\"setup_code\""),
        "no code asked on the server itself"
    );
    assert!(
        app.state.first_run.code().is_some(),
        "a setup code was made"
    );
}

#[tokio::test]
async fn setup_from_the_server_itself_creates_the_root_and_the_admin_and_a_second_post_is_refused()
{
    let mut app = blank_app().await;
    let form = get_from(&mut app, "/setup", LOOPBACK).await;
    let csrf = TestApp::csrf(&form);
    let done = post_from(
        &mut app,
        "/setup",
        &filled(&csrf, "quantri", ""),
        LOOPBACK,
        None,
    )
    .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(done.location.as_deref(), Some("/import?setup=done"));
    // The root and the administrator exist; the administrator is logged in on the import page.
    let mut conn = app.store.read().await.unwrap();
    let root = orgs::by_code(&mut conn, "TU-TEST").await.unwrap();
    assert_eq!(root.name, "Đảng bộ tỉnh Thử Nghiệm");
    assert_eq!(root.kind, "provincial");
    drop(conn);
    assert!(user_exists(&app.store, "quantri").await);
    let import = app.get("/import?setup=done").await;
    assert_eq!(import.status, StatusCode::OK, "{}", import.body);
    assert!(import.body.contains("Đã khởi tạo hệ thống"));
    assert!(import.body.contains("Nguyễn Văn Quản Trị"));
    assert!(app.state.first_run.code().is_none(), "the code is spent");
    // The page is gone, and a second setup writes nothing.
    let again = get_from(&mut app, "/setup", LOOPBACK).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    assert_eq!(again.location.as_deref(), Some("/"));
    let csrf = TestApp::csrf(&import);
    let second = post_from(
        &mut app,
        "/setup",
        &filled(&csrf, "quantri2", ""),
        LOOPBACK,
        None,
    )
    .await;
    assert_eq!(second.status, StatusCode::SEE_OTHER);
    assert_eq!(second.location.as_deref(), Some("/"));
    assert!(!user_exists(&app.store, "quantri2").await);
    // And the pages are the pages again.
    assert_eq!(app.get("/orgs").await.status, StatusCode::OK);
}

#[tokio::test]
async fn setup_from_elsewhere_needs_the_one_time_code_and_is_accepted_with_it() {
    let mut app = blank_app().await;
    let code = app.state.first_run.code().expect("a setup code");
    let form = get_from(&mut app, "/setup", REMOTE).await;
    assert!(form.body.contains("id=\"setup_code\""), "{}", form.body);
    let csrf = TestApp::csrf(&form);
    for given in ["", "SAI0-MA00-KHOI"] {
        let refused = post_from(
            &mut app,
            "/setup",
            &filled(&csrf, "quantri", given),
            REMOTE,
            None,
        )
        .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{given}");
        assert!(refused.body.contains("Mã khởi tạo không đúng"), "{given}");
        assert!(is_blank(&app.store).await, "nothing saved");
    }
    // A request relayed by a proxy on the server itself is not "from the server itself".
    let relayed = post_from(
        &mut app,
        "/setup",
        &filled(&csrf, "quantri", ""),
        LOOPBACK,
        Some(("x-forwarded-for", "198.51.100.4")),
    )
    .await;
    assert_eq!(relayed.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(is_blank(&app.store).await);
    // The code is typed as read off the console, any case.
    let typed = code.to_lowercase();
    let done = post_from(
        &mut app,
        "/setup",
        &filled(&csrf, "quantri", &typed),
        REMOTE,
        None,
    )
    .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert!(user_exists(&app.store, "quantri").await);
}

#[tokio::test]
async fn a_request_without_a_known_peer_is_treated_as_remote() {
    let mut app = blank_app().await;
    let form = app.get("/setup").await;
    assert!(form.body.contains("id=\"setup_code\""));
}

#[tokio::test]
async fn a_setup_form_with_mistakes_is_shown_again_with_field_errors_and_nothing_is_saved() {
    let mut app = blank_app().await;
    let form = get_from(&mut app, "/setup", LOOPBACK).await;
    let csrf = TestApp::csrf(&form);
    let bad = post_from(
        &mut app,
        "/setup",
        &[
            ("_csrf", &csrf),
            ("root_kind", "cell:residential"),
            ("root_code", ""),
            ("root_name", "Đảng bộ tỉnh Thử Nghiệm"),
            ("username", "Quản trị"),
            ("display_name", "Người quản trị"),
            ("password", "xyz7q"),
            ("password_confirm", "xyz7q"),
        ],
        LOOPBACK,
        None,
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    for message in [
        "Chọn loại của tổ chức đảng cấp cao nhất",
        "Cần nhập mã tổ chức",
        "Tên đăng nhập phải dài từ 3 đến 40 ký tự",
        "Mật khẩu phải có ít nhất 8 ký tự",
    ] {
        assert!(bad.body.contains(message), "{message}");
    }
    assert!(
        bad.body.contains("value=\"Đảng bộ tỉnh Thử Nghiệm\""),
        "the typed name is kept"
    );
    assert!(
        !bad.body.contains("xyz7q"),
        "a password is never shown again"
    );
    let mismatch = post_from(
        &mut app,
        "/setup",
        &[
            ("_csrf", &csrf),
            ("root_kind", "grassroots:commune"),
            ("root_code", "DU-XA"),
            ("root_name", "Đảng bộ xã Hòa Bình"),
            ("username", "quantri"),
            ("display_name", "Người quản trị"),
            ("password", "mat-khau-dai-du"),
            ("password_confirm", "mat-khau-khac"),
        ],
        LOOPBACK,
        None,
    )
    .await;
    assert_eq!(mismatch.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        mismatch
            .body
            .contains("Hai lần nhập mật khẩu không khớp nhau")
    );
    assert!(is_blank(&app.store).await, "nothing saved");
}

#[tokio::test]
async fn the_setup_form_is_refused_without_its_csrf_token() {
    let mut app = blank_app().await;
    get_from(&mut app, "/setup", LOOPBACK).await;
    let mut form = filled("sai", "quantri", "");
    form.remove(0);
    let page = post_from(&mut app, "/setup", &form, LOOPBACK, None).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(is_blank(&app.store).await);
}

#[tokio::test]
async fn on_a_database_with_data_the_setup_page_redirects_home_and_no_code_is_made() {
    let mut app = TestApp::spawn().await;
    assert!(app.state.first_run.code().is_none());
    let page = get_from(&mut app, "/setup", LOOPBACK).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location.as_deref(), Some("/"));
}

#[tokio::test]
async fn setup_from_the_server_itself_works_on_postgres_too() {
    let Some(mut app) = TestApp::spawn_blank(true).await else {
        return;
    };
    assert_eq!(
        get_from(&mut app, "/", LOOPBACK).await.location.as_deref(),
        Some("/setup")
    );
    let form = get_from(&mut app, "/setup", LOOPBACK).await;
    let csrf = TestApp::csrf(&form);
    let done = post_from(
        &mut app,
        "/setup",
        &filled(&csrf, "quantri", ""),
        LOOPBACK,
        None,
    )
    .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert!(user_exists(&app.store, "quantri").await);
    assert_eq!(app.get("/import").await.status, StatusCode::OK);
}

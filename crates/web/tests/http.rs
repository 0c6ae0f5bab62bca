//! HTTP tests on the in-process router with a fresh database (a small demo district): login,
//! roles, scopes, CSRF. Each test builds its own app.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::*;

use axum::http::StatusCode;

#[tokio::test]
async fn every_demo_role_logs_in_and_sees_its_dashboard_and_logs_out() {
    let mut app = TestApp::spawn().await;
    for user in USERS {
        app.cookie = None;
        let res = app.login(user).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{user}: {}", res.body);
        assert_eq!(res.location.as_deref(), Some("/"));
        let home = app.get("/").await;
        assert_eq!(home.status, StatusCode::OK, "{user}");
        assert!(home.body.contains("<h1>Tổng quan</h1>"), "{user}");
        assert!(home.body.contains("lang=\"vi\""));
        let csrf = TestApp::csrf(&home);
        let out = app.post("/logout", &[("_csrf", &csrf)]).await;
        assert_eq!(out.location.as_deref(), Some("/login"));
        let again = app.get("/").await;
        assert_eq!(again.status, StatusCode::SEE_OTHER, "{user}: logged out");
    }
}

#[tokio::test]
async fn a_wrong_password_is_refused_in_vietnamese_and_repeated_failures_lock_the_name() {
    let mut app = TestApp::spawn().await;
    let form = app.get("/login").await;
    let csrf = TestApp::csrf(&form);
    for _ in 0..ketnap_web::auth::MAX_FAILURES {
        let res = app
            .post(
                "/login",
                &[
                    ("_csrf", &csrf),
                    ("username", "tochuc"),
                    ("password", "sai"),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED);
        assert!(res.body.contains("Tên đăng nhập hoặc mật khẩu không đúng."));
    }
    let res = app
        .post(
            "/login",
            &[
                ("_csrf", &csrf),
                ("username", "tochuc"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    assert!(res.body.contains("Đăng nhập sai quá nhiều lần"));
}

#[tokio::test]
async fn a_post_without_a_valid_csrf_token_is_refused() {
    let mut app = TestApp::spawn().await;
    app.get("/login").await;
    let res = app
        .post("/login", &[("username", "tochuc"), ("password", PASSWORD)])
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert!(res.body.contains("Biểu mẫu đã hết hạn"));
    let res = app
        .post(
            "/login",
            &[
                ("_csrf", "0000"),
                ("username", "tochuc"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    app.login("tochuc").await;
    let res = app.post("/logout", &[]).await;
    assert_eq!(
        res.status,
        StatusCode::FORBIDDEN,
        "logout needs the token too"
    );
}

#[tokio::test]
async fn health_metrics_static_and_unknown_paths() {
    let mut app = TestApp::spawn().await;
    assert_eq!(app.get("/healthz").await.body, "ok\n");
    assert_eq!(app.get("/static/app.css").await.status, StatusCode::OK);
    assert_eq!(
        app.get("/static/nope.js").await.status,
        StatusCode::NOT_FOUND
    );
    let missing = app.get("/khong-co").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.body.contains("Không tìm thấy"));
    assert!(
        app.get("/metrics")
            .await
            .body
            .contains("ketnap_http_requests_total")
    );
}

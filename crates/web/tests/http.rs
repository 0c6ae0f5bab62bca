//! HTTP tests on the in-process router with a fresh database (a small demo district): login,
//! roles, scopes, CSRF. Each test builds its own app.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode, header};
use ketnap_domain::RuleBook;
use ketnap_store::{Store, demo};
use ketnap_web::{AppState, Clock, app};
use sqlx::sqlite::SqliteConnectOptions;
use tower::ServiceExt;

const PASSWORD: &str = "mat-khau-thu";

struct TestApp {
    router: Router,
    cookie: Option<String>,
    _dir: tempfile::TempDir,
}

struct Page {
    status: StatusCode,
    location: Option<String>,
    body: String,
}

impl TestApp {
    async fn spawn() -> TestApp {
        let dir = tempfile::tempdir().unwrap();
        let store =
            Store::connect_sqlite(SqliteConnectOptions::new().filename(dir.path().join("t.db")))
                .await
                .unwrap();
        store.migrate().await.unwrap();
        let book = RuleBook::spec_default();
        let now: jiff::Timestamp = "2026-11-23T03:00:00Z".parse().unwrap();
        let hash = ketnap_web::auth::hash_password(PASSWORD).unwrap();
        demo::generate(
            &store,
            &book,
            demo::DemoSize::scaled(0.05),
            7,
            jiff::civil::date(2026, 11, 23),
            &demo::DemoUsers {
                password_hash: hash,
            },
        )
        .await
        .unwrap();
        let router = app(AppState::new(store, book, Clock::Fixed(now)))
            .await
            .unwrap();
        TestApp {
            router,
            cookie: None,
            _dir: dir,
        }
    }

    async fn send(&mut self, req: Request<Body>) -> Page {
        let res = self.router.clone().oneshot(req).await.unwrap();
        if let Some(c) = res.headers().get(header::SET_COOKIE) {
            let c = c.to_str().unwrap();
            self.cookie = Some(c.split(';').next().unwrap().to_string());
        }
        let status = res.status();
        let location = res
            .headers()
            .get(header::LOCATION)
            .map(|l| l.to_str().unwrap().to_string());
        let body =
            String::from_utf8(to_bytes(res.into_body(), 10 << 20).await.unwrap().to_vec()).unwrap();
        Page {
            status,
            location,
            body,
        }
    }

    async fn get(&mut self, path: &str) -> Page {
        let mut req = Request::get(path);
        if let Some(c) = &self.cookie {
            req = req.header(header::COOKIE, c);
        }
        self.send(req.body(Body::empty()).unwrap()).await
    }

    async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let body: String = form
            .iter()
            .map(|(k, v)| {
                format!(
                    "{}={}",
                    k,
                    v.replace('%', "%25").replace('&', "%26").replace(' ', "+")
                )
            })
            .collect::<Vec<_>>()
            .join("&");
        let mut req =
            Request::post(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(c) = &self.cookie {
            req = req.header(header::COOKIE, c);
        }
        self.send(req.body(Body::from(body)).unwrap()).await
    }

    /// The CSRF token of a page's forms.
    fn csrf(page: &Page) -> String {
        let at = page
            .body
            .find("name=\"_csrf\" value=\"")
            .expect("a form with _csrf");
        let rest = &page.body[at + "name=\"_csrf\" value=\"".len()..];
        rest[..rest.find('"').unwrap()].to_string()
    }

    async fn login(&mut self, user: &str) -> Page {
        let form = self.get("/login").await;
        let csrf = Self::csrf(&form);
        self.post(
            "/login",
            &[("_csrf", &csrf), ("username", user), ("password", PASSWORD)],
        )
        .await
    }
}

const USERS: [&str; 8] = [
    "admin",
    "tochuc",
    "bithu",
    "giupdo",
    "phutrach",
    "ttct",
    "doanthanhnien",
    "lanhdao",
];

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

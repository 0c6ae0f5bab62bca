//! The HTTP test harness shared by the integration tests: an in-process router over a fresh
//! database holding a small demo district, with a cookie jar, form posts, CSRF and login helpers.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode, header};
use ketnap_domain::RuleBook;
use ketnap_store::{Store, demo};
use ketnap_web::{AppState, Clock, app};
use sqlx::sqlite::SqliteConnectOptions;
use tower::ServiceExt;

pub const PASSWORD: &str = "mat-khau-thu";

pub struct TestApp {
    pub router: Router,
    pub store: Store,
    pub cookie: Option<String>,
    /// The app's state (its one-time setup code, its import jobs…).
    pub state: AppState,
    _dir: tempfile::TempDir,
}

pub struct Page {
    pub status: StatusCode,
    pub location: Option<String>,
    pub body: String,
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        let dir = tempfile::tempdir().unwrap();
        let store =
            Store::connect_sqlite(SqliteConnectOptions::new().filename(dir.path().join("t.db")))
                .await
                .unwrap();
        Self::spawn_on(store, dir).await
    }

    /// The same app over PostgreSQL (a fresh schema in `KETNAP_TEST_PG`), or `None` when
    /// PostgreSQL is not configured outside CI; under `CI=true` a missing PostgreSQL fails.
    pub async fn spawn_postgres() -> Option<TestApp> {
        let store = Self::spawn_postgres_store().await?;
        Some(Self::spawn_on(store, tempfile::tempdir().unwrap()).await)
    }

    /// A store over a fresh PostgreSQL schema in `KETNAP_TEST_PG` (not migrated), or `None`.
    async fn spawn_postgres_store() -> Option<Store> {
        use sqlx::Connection;
        use std::str::FromStr;
        let url = match std::env::var("KETNAP_TEST_PG") {
            Ok(u) if !u.is_empty() => u,
            _ => {
                assert!(
                    std::env::var("CI").as_deref() != Ok("true"),
                    "CI=true but KETNAP_TEST_PG is not set"
                );
                eprintln!("KETNAP_TEST_PG not set: PostgreSQL web test skipped");
                return None;
            }
        };
        let schema = format!("w_{}_{:016x}", std::process::id(), rand::random::<u64>());
        let base = sqlx::postgres::PgConnectOptions::from_str(&url).unwrap();
        let mut admin = sqlx::PgConnection::connect_with(&base)
            .await
            .unwrap_or_else(|e| panic!("PostgreSQL at KETNAP_TEST_PG: {e}"));
        sqlx::query(&format!("CREATE SCHEMA {schema}"))
            .execute(&mut admin)
            .await
            .unwrap();
        let store = Store::connect_postgres(base.options([("search_path", schema.as_str())]))
            .await
            .unwrap();
        Some(store)
    }

    /// The app over a migrated database holding nothing (no organisation, person or account):
    /// the first-run state. `postgres` picks PostgreSQL (`None` when it is not configured).
    pub async fn spawn_blank(postgres: bool) -> Option<TestApp> {
        let (store, dir) = if postgres {
            let store = Self::spawn_postgres_store().await?;
            (store, tempfile::tempdir().unwrap())
        } else {
            let dir = tempfile::tempdir().unwrap();
            let store = Store::connect_sqlite(
                SqliteConnectOptions::new().filename(dir.path().join("t.db")),
            )
            .await
            .unwrap();
            (store, dir)
        };
        store.migrate().await.unwrap();
        Some(Self::build(store, dir).await)
    }

    async fn build(store: Store, dir: tempfile::TempDir) -> TestApp {
        let now: jiff::Timestamp = "2026-11-23T03:00:00Z".parse().unwrap();
        let state = AppState::new(store.clone(), RuleBook::spec_default(), Clock::Fixed(now));
        let router = app(state.clone()).await.unwrap();
        TestApp {
            router,
            store,
            cookie: None,
            state,
            _dir: dir,
        }
    }

    async fn spawn_on(store: Store, dir: tempfile::TempDir) -> TestApp {
        store.migrate().await.unwrap();
        let book = RuleBook::spec_default();
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
        Self::build(store, dir).await
    }

    pub async fn send(&mut self, req: Request<Body>) -> Page {
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

    pub async fn get(&mut self, path: &str) -> Page {
        let mut req = Request::get(path);
        if let Some(c) = &self.cookie {
            req = req.header(header::COOKIE, c);
        }
        self.send(req.body(Body::empty()).unwrap()).await
    }

    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
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
    pub fn csrf(page: &Page) -> String {
        let at = page
            .body
            .find("name=\"_csrf\" value=\"")
            .expect("a form with _csrf");
        let rest = &page.body[at + "name=\"_csrf\" value=\"".len()..];
        rest[..rest.find('"').unwrap()].to_string()
    }

    pub async fn login(&mut self, user: &str) -> Page {
        let form = self.get("/login").await;
        let csrf = Self::csrf(&form);
        self.post(
            "/login",
            &[("_csrf", &csrf), ("username", user), ("password", PASSWORD)],
        )
        .await
    }
}

pub const USERS: [&str; 8] = [
    "admin",
    "tochuc",
    "bithu",
    "giupdo",
    "phutrach",
    "ttct",
    "doanthanhnien",
    "lanhdao",
];

/// The values of the options of `<select id="{id}">`, in order (the empty one left out).
pub fn options_of(body: &str, id: &str) -> Vec<String> {
    let Some(at) = body.find(&format!("id=\"{id}\"")) else {
        return Vec::new();
    };
    let rest = &body[at..];
    let rest = &rest[..rest.find("</select>").unwrap()];
    rest.split("<option value=\"")
        .skip(1)
        .map(|s| s[..s.find('"').unwrap()].to_string())
        .filter(|v| !v.is_empty())
        .collect()
}

/// GET `path` with the app's cookie, the body kept as bytes: status, headers, body (files).
pub async fn get_raw(app: &TestApp, path: &str) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let mut req = Request::get(path);
    if let Some(c) = &app.cookie {
        req = req.header(header::COOKIE, c);
    }
    let res = app
        .router
        .clone()
        .oneshot(req.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = to_bytes(res.into_body(), 64 << 20).await.unwrap().to_vec();
    (status, headers, bytes)
}

/// [`get_raw`] with the content type only.
pub async fn download(app: &TestApp, path: &str) -> (StatusCode, String, Vec<u8>) {
    let (status, headers, bytes) = get_raw(app, path).await;
    let ct = headers
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, ct, bytes)
}

/// `word/document.xml` of a DOCX, read back with the zip crate.
pub fn docx_text(bytes: &[u8]) -> String {
    use std::io::Read;
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut s = String::new();
    z.by_name("word/document.xml")
        .unwrap()
        .read_to_string(&mut s)
        .unwrap();
    s
}

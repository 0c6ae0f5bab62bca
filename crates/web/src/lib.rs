//! ketnap-web: the server a cán bộ tổ chức, a cell secretary, a mentor and a leader open every day.
//!
//! Server-rendered askama pages (Vietnamese text lives in `templates/`), vendored htmx, assets
//! embedded in the binary, forms that work without JavaScript. Every handler that touches
//! organisation data takes the [`auth::Auth`] extractor, which yields the user's [`Scope`]; a
//! request outside the scope gets 404, never data.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use ketnap_domain::RuleBook;
use ketnap_store::{Scope, Store};

pub mod api;
pub mod assets;
pub mod auth;
pub mod cache;
pub mod cursor;
pub mod error;
pub mod extract;
pub mod jobs;
pub mod layout;
pub mod pages;
pub mod routes;
pub mod second_factor;
pub mod session;

pub use error::AppError;
/// The report model, its files and its charts live in `ketnap-io` (the CLI writes them too);
/// re-exported so `crate::report`, `crate::export` and `crate::charts` keep their paths.
pub use ketnap_io::{charts, export, report};

/// Where "now" comes from: the system clock, or a fixed instant (tests, demos "as of" a date).
#[derive(Clone, Copy, Debug)]
pub enum Clock {
    /// The system clock.
    System,
    /// Always this instant.
    Fixed(jiff::Timestamp),
}

impl Clock {
    /// Now.
    pub fn now(&self) -> jiff::Timestamp {
        match self {
            Clock::System => jiff::Timestamp::now(),
            Clock::Fixed(t) => *t,
        }
    }

    /// Today in Vietnam (UTC+7).
    pub fn today(&self) -> jiff::civil::Date {
        jiff::tz::Offset::constant(7).to_datetime(self.now()).date()
    }
}

/// Request counters for `/metrics` (Prometheus text format).
#[derive(Debug, Default)]
pub struct Metrics {
    requests: AtomicU64,
    client_errors: AtomicU64,
    server_errors: AtomicU64,
    logins_failed: AtomicU64,
}

/// Settings that depend on how the server is deployed (SECURITY.md).
#[derive(Clone, Debug)]
pub struct Security {
    /// Mark the session cookie `Secure`: set it when users reach ketnap over HTTPS (through a
    /// proxy that terminates TLS), so the cookie never travels in clear.
    pub secure_cookies: bool,
    /// The bearer token `/metrics` asks for; without one, `/metrics` answers only on loopback.
    pub metrics_token: Option<String>,
    /// Readers of aggregates only (leaders) see the composition tables' rows of fewer people than
    /// this as "dưới N" (`ketnap_io::report::build`); 0 shows every count.
    pub small_counts_below: u32,
}

impl Default for Security {
    fn default() -> Self {
        Security {
            secure_cookies: false,
            metrics_token: None,
            small_counts_below: 5,
        }
    }
}

impl Security {
    /// The small-count threshold for a role: readers of individuals see every count.
    pub fn small_below(&self, role: ketnap_store::Role) -> u32 {
        if role.reads(ketnap_store::Field::Identity) {
            0
        } else {
            self.small_counts_below
        }
    }
}

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// Deployment settings: cookies, metrics.
    pub security: Arc<Security>,
    /// Seals the cursors of list pages ([`cursor::Sealer`]).
    pub cursors: Arc<cursor::Sealer>,
    /// The store.
    pub store: Store,
    /// The rules in force.
    pub book: Arc<RuleBook>,
    /// The clock.
    pub clock: Clock,
    /// Counters for `/metrics`.
    pub metrics: Arc<Metrics>,
    /// Whether the database is set up, and the one-time setup code while it is blank.
    pub first_run: Arc<pages::setup::FirstRun>,
    /// Uploaded import files awaiting their preview or commit.
    pub imports: Arc<pages::import::ImportJobs>,
    /// The organisation pickers' outlines ([`pages::picker::OutlineCache`]).
    pub outlines: Arc<pages::picker::OutlineCache>,
    /// The plans page's forecasts ([`pages::plans::ForecastCache`]).
    pub forecasts: Arc<pages::plans::ForecastCache>,
    /// The dashboard's summaries of its roots ([`pages::dashboard::SummaryCache`]).
    pub summaries: Arc<pages::dashboard::SummaryCache>,
    /// The dashboard's day's work per user ([`pages::dashboard::DayWorkCache`]).
    pub day_work: Arc<pages::dashboard::DayWorkCache>,
    /// The reports' figures and charts ([`pages::reports::ReportCache`]).
    pub reports: Arc<pages::reports::ReportCache>,
    /// The alert page's lists ([`pages::alerts::AlertListCache`]).
    pub alert_lists: Arc<pages::alerts::AlertListCache>,
    /// The plans page's plan against actual ([`pages::plans::PlanReportCache`]).
    pub plan_reports: Arc<pages::plans::PlanReportCache>,
}

impl AppState {
    /// A state over a migrated store.
    pub fn new(store: Store, book: RuleBook, clock: Clock) -> AppState {
        AppState {
            security: Arc::new(Security::default()),
            cursors: Arc::new(cursor::Sealer::new()),
            store,
            book: Arc::new(book),
            clock,
            metrics: Arc::new(Metrics::default()),
            first_run: Arc::new(pages::setup::FirstRun::default()),
            imports: Arc::new(pages::import::ImportJobs::default()),
            outlines: Arc::new(pages::picker::OutlineCache::default()),
            forecasts: Arc::new(pages::plans::ForecastCache::new(1_000)),
            summaries: Arc::new(pages::dashboard::SummaryCache::new(1_000)),
            day_work: Arc::new(pages::dashboard::DayWorkCache::new(1_000)),
            reports: Arc::new(pages::reports::ReportCache::new(64)),
            alert_lists: Arc::new(pages::alerts::AlertListCache::new(32)),
            plan_reports: Arc::new(pages::plans::PlanReportCache::new(256)),
        }
    }

    /// A write context for the user at the state's clock.
    pub fn write_ctx(&self, actor_id: Option<i64>) -> ketnap_store::WriteCtx {
        ketnap_store::WriteCtx::new(actor_id, self.clock.now())
    }
}

async fn healthz(State(state): State<AppState>) -> Response {
    match state.store.read().await {
        Ok(_) => (StatusCode::OK, "ok\n").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "healthz: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable\n").into_response()
        }
    }
}

/// `GET /metrics`: with a metrics token configured, only for `Authorization: Bearer <token>`;
/// without one, only to a client on the same machine. Anyone else gets the plain 404.
async fn metrics(State(state): State<AppState>, req: Request) -> Response {
    let allowed = match &state.security.metrics_token {
        Some(token) => req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|h| h.to_str().ok())
            .and_then(|h| h.strip_prefix("Bearer "))
            .is_some_and(|given| constant_time_eq(given.as_bytes(), token.as_bytes())),
        None => req
            .extensions()
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .is_some_and(|p| p.0.ip().to_canonical().is_loopback()),
    };
    if !allowed {
        return error::not_found().await.into_response();
    }
    let m = &state.metrics;
    let body = format!(
        "# HELP ketnap_http_requests_total HTTP requests served.\n# TYPE ketnap_http_requests_total counter\n\
         ketnap_http_requests_total {}\n\
         # HELP ketnap_http_client_errors_total Responses with a 4xx status.\n# TYPE ketnap_http_client_errors_total counter\n\
         ketnap_http_client_errors_total {}\n\
         # HELP ketnap_http_server_errors_total Responses with a 5xx status.\n# TYPE ketnap_http_server_errors_total counter\n\
         ketnap_http_server_errors_total {}\n\
         # HELP ketnap_logins_failed_total Failed login attempts.\n# TYPE ketnap_logins_failed_total counter\n\
         ketnap_logins_failed_total {}\n",
        m.requests.load(Ordering::Relaxed),
        m.client_errors.load(Ordering::Relaxed),
        m.server_errors.load(Ordering::Relaxed),
        m.logins_failed.load(Ordering::Relaxed),
    );
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
}

/// Equal byte strings, compared in time that does not depend on where they differ.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Refuse a state-changing request (POST, PUT, PATCH, DELETE) whose `Origin` names another
/// site than the `Host` it was sent to: a page elsewhere cannot post into ketnap even with a
/// stolen form. Requests without `Origin` (older browsers, API clients) go on to the CSRF and
/// token checks.
async fn same_origin(req: Request, next: Next) -> Response {
    let changes = !matches!(
        *req.method(),
        axum::http::Method::GET | axum::http::Method::HEAD | axum::http::Method::OPTIONS
    );
    if changes {
        let origin = req
            .headers()
            .get(header::ORIGIN)
            .and_then(|v| v.to_str().ok());
        let host = req
            .headers()
            .get(header::HOST)
            .and_then(|v| v.to_str().ok());
        if let Some(origin) = origin {
            let origin_host = origin
                .split_once("://")
                .map_or(origin, |(_, rest)| rest)
                .trim_end_matches('/');
            if host != Some(origin_host) {
                tracing::info!(origin = %origin, "refused: cross-site request");
                return AppError::Forbidden.into_response();
            }
        }
    }
    next.run(req).await
}

/// Counts requests and logs each one: method, path (ids only: paths carry public ids, never
/// names; query strings, which may hold a searched name, are not logged), status, duration.
async fn observe(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let started = std::time::Instant::now();
    let mut res = next.run(req).await;
    let status = res.status();
    state.metrics.requests.fetch_add(1, Ordering::Relaxed);
    if status.is_client_error() {
        state.metrics.client_errors.fetch_add(1, Ordering::Relaxed);
    } else if status.is_server_error() {
        state.metrics.server_errors.fetch_add(1, Ordering::Relaxed);
    }
    tracing::info!(
        http.method = %method,
        http.path = %path,
        http.status = status.as_u16(),
        http.duration_ms = started.elapsed().as_millis() as u64,
        "request"
    );
    let headers = res.headers_mut();
    // Pages, files and API answers carry personal data: no cache keeps them. Only the embedded
    // assets (which set their own caching) may be stored.
    if !path.starts_with("/static/") && !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'"),
    );
    res
}

/// The whole application over a migrated store (sessions live in the same database). On a blank
/// database every page leads to the first-run page; the start-of-year snapshot is checked now
/// and hourly.
pub async fn app(state: AppState) -> Result<Router, ketnap_store::StoreError> {
    pages::setup::prepare(&state).await?;
    jobs::start_of_year(&state).await;
    let sessions = session::layer(&state.store, state.security.secure_cookies).await?;
    let pages = page_routes()
        .into_router()
        .fallback(error::not_found)
        .layer(middleware::from_fn(session::csrf))
        .layer(sessions)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            pages::setup::first_run,
        ));
    Ok(open_routes()
        .into_router()
        .merge(api::routes())
        .merge(pages)
        .layer(middleware::from_fn(same_origin))
        .layer(middleware::from_fn_with_state(state.clone(), observe))
        .with_state(state))
}

/// The routes of the pages (behind the session, the CSRF check and the first-run page).
fn page_routes() -> routes::Routes {
    routes::Routes::new()
        .route("/", get(pages::dashboard::show))
        .route("/login", get(auth::login_form).post(auth::login))
        .route("/logout", post(auth::logout))
        .route("/role", post(auth::switch_role))
        .merge(pages::routes())
}

/// The routes outside the session: health, metrics, static files.
fn open_routes() -> routes::Routes {
    routes::Routes::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route("/static/{file}", get(assets::serve))
}

/// Every path the app serves outside `/api/v1` ([`api::route_list`] lists those): the pages and
/// the open routes, read from the routers themselves.
pub fn page_route_list() -> Vec<&'static str> {
    let mut all = open_routes().paths().to_vec();
    all.extend_from_slice(page_routes().paths());
    all
}

/// The scope of the system, for the CLI and jobs. Never built from a request.
pub fn system_scope() -> Scope {
    Scope::system()
}

/// Serve `router` on `listener` until Ctrl-C (or SIGTERM). Handlers see the peer's address
/// (`ConnectInfo`): the first-run page is open without its code only from the server itself.
pub async fn run(listener: tokio::net::TcpListener, router: Router) -> std::io::Result<()> {
    let shutdown = async {
        let ctrl_c = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        #[cfg(unix)]
        let term = async {
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(mut s) => {
                    s.recv().await;
                }
                Err(_) => std::future::pending::<()>().await,
            }
        };
        #[cfg(not(unix))]
        let term = std::future::pending::<()>();
        tokio::select! { () = ctrl_c => {}, () = term => {} }
        tracing::info!("shutting down");
    };
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

/// Settings of `ketnap serve`, from `ketnap.toml` then `KETNAP_*` environment variables.
#[derive(Clone, Debug, serde::Deserialize)]
pub struct ServeConfig {
    /// The database URL (when `--db` / `KETNAP_DB` is not given).
    pub db: String,
    /// Address to listen on.
    pub bind: String,
    /// The demo accounts' password (with `--demo`).
    pub demo_password: String,
    /// Mark the session cookie `Secure` (users reach ketnap over HTTPS through a proxy).
    pub secure_cookies: bool,
    /// The bearer token for `/metrics` (empty: `/metrics` on loopback only).
    pub metrics_token: String,
    /// Leaders see composition rows of fewer people than this as "dưới N" (0: every count).
    pub small_counts_below: u32,
}

impl ServeConfig {
    /// The deployment settings of the app.
    pub fn security(&self) -> Security {
        Security {
            secure_cookies: self.secure_cookies,
            metrics_token: Some(self.metrics_token.trim().to_string()).filter(|t| !t.is_empty()),
            small_counts_below: self.small_counts_below,
        }
    }
}

impl ServeConfig {
    /// Defaults, then `ketnap.toml` in the working directory (`db`, `bind`, `demo_password`), then
    /// `KETNAP_BIND`, `KETNAP_DEMO_PASSWORD` (`KETNAP_DB` is read by the CLI's `--db`).
    pub fn load() -> Result<ServeConfig, Box<figment::Error>> {
        use figment::Figment;
        use figment::providers::{Env, Format, Serialized, Toml};
        Figment::new()
            .merge(Serialized::defaults(serde_json::json!({
                "db": "sqlite:ketnap.db",
                "bind": "127.0.0.1:8080",
                "demo_password": "ketnap-demo",
                "secure_cookies": false,
                "metrics_token": "",
                "small_counts_below": 5,
            })))
            .merge(Toml::file("ketnap.toml"))
            .merge(Env::prefixed("KETNAP_").only(&[
                "bind",
                "demo_password",
                "secure_cookies",
                "metrics_token",
                "small_counts_below",
            ]))
            .extract()
            .map_err(Box::new)
    }
}

//! Server-side sessions (tower-sessions, stored in the same database as everything else) and the
//! CSRF check every state-changing form goes through.

use axum::body::{Body, Bytes, to_bytes};
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use ketnap_store::Store;
use tower_sessions::cookie::SameSite;
use tower_sessions::cookie::time::Duration;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};
use tower_sessions::{Expiry, Session, SessionManagerLayer};
use tower_sessions_sqlx_store::{PostgresStore, SqliteStore};

use crate::error::AppError;

/// Session key of the CSRF token.
pub const CSRF_KEY: &str = "csrf";
/// Form field carrying the CSRF token.
pub const CSRF_FIELD: &str = "_csrf";
/// Header carrying the CSRF token (htmx requests, uploads).
pub const CSRF_HEADER: &str = "x-csrf-token";
/// Largest form body read for the CSRF check.
const MAX_FORM: usize = 2 * 1024 * 1024;
/// Largest multipart body (a document upload): the largest document plus room for the other
/// fields, so that a file just over the document limit still reaches the page that says so.
pub const MAX_UPLOAD: usize = ketnap_store::candidacies::MAX_DOCUMENT_BYTES + 1024 * 1024;
/// How much of a multipart body is searched for the `_csrf` part, which the forms put first.
const CSRF_PREFIX: usize = 64 * 1024;

/// The session store of the engine in use.
#[derive(Clone, Debug)]
pub enum Backend {
    /// SQLite (the writer pool).
    Sqlite(SqliteStore),
    /// PostgreSQL.
    Postgres(PostgresStore),
}

#[async_trait::async_trait]
impl SessionStore for Backend {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        match self {
            Backend::Sqlite(s) => s.create(record).await,
            Backend::Postgres(s) => s.create(record).await,
        }
    }
    async fn save(&self, record: &Record) -> session_store::Result<()> {
        match self {
            Backend::Sqlite(s) => s.save(record).await,
            Backend::Postgres(s) => s.save(record).await,
        }
    }
    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        match self {
            Backend::Sqlite(s) => s.load(id).await,
            Backend::Postgres(s) => s.load(id).await,
        }
    }
    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        match self {
            Backend::Sqlite(s) => s.delete(id).await,
            Backend::Postgres(s) => s.delete(id).await,
        }
    }
}

impl Backend {
    /// Delete the expired sessions (those of anonymous visits too).
    pub async fn purge_expired(&self) -> session_store::Result<()> {
        use tower_sessions::ExpiredDeletion;
        match self {
            Backend::Sqlite(s) => s.delete_expired().await,
            Backend::Postgres(s) => s.delete_expired().await,
        }
    }
}

/// The session layer: cookie `ketnap`, HttpOnly, SameSite=Lax, `Secure` when `secure` (served
/// over HTTPS), expiring after 8 hours idle. Expired sessions are deleted now and every hour.
pub async fn layer(
    store: &Store,
    secure: bool,
) -> Result<SessionManagerLayer<Backend>, ketnap_store::StoreError> {
    let backend = match store {
        Store::Sqlite { write, .. } => {
            let s = SqliteStore::new(write.clone());
            s.migrate().await?;
            Backend::Sqlite(s)
        }
        Store::Postgres(pool) => {
            let s = PostgresStore::new(pool.clone());
            s.migrate().await?;
            Backend::Postgres(s)
        }
    };
    let purger = backend.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(60 * 60));
        loop {
            tick.tick().await;
            if let Err(e) = purger.purge_expired().await {
                tracing::warn!(error = %e, "purging expired sessions");
            }
        }
    });
    Ok(SessionManagerLayer::new(backend)
        .with_name("ketnap")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(secure)
        .with_expiry(Expiry::OnInactivity(Duration::hours(8))))
}

fn new_token() -> String {
    format!(
        "{:016x}{:016x}",
        rand::random::<u64>(),
        rand::random::<u64>()
    )
}

/// The session's CSRF token, made on first use.
pub async fn csrf_token(session: &Session) -> Result<String, AppError> {
    if let Some(t) = session
        .get::<String>(CSRF_KEY)
        .await
        .map_err(AppError::session)?
    {
        return Ok(t);
    }
    let t = new_token();
    session
        .insert(CSRF_KEY, &t)
        .await
        .map_err(AppError::session)?;
    Ok(t)
}

/// A fresh CSRF token (after login).
pub async fn rotate_csrf(session: &Session) -> Result<String, AppError> {
    let t = new_token();
    session
        .insert(CSRF_KEY, &t)
        .await
        .map_err(AppError::session)?;
    Ok(t)
}

fn field(body: &[u8], name: &str) -> Option<String> {
    std::str::from_utf8(body).ok()?.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == name).then(|| v.to_string())
    })
}

fn is_multipart(req: &Request) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|h| h.to_str().ok())
        .is_some_and(|ct| {
            ct.trim_start()
                .to_ascii_lowercase()
                .starts_with("multipart/form-data")
        })
}

/// The `_csrf` part of a multipart body, searched in its first [`CSRF_PREFIX`] bytes (the forms
/// send it before the file).
async fn multipart_field(content_type: &str, body: &Bytes) -> Option<String> {
    let prefix = body.slice(..body.len().min(CSRF_PREFIX));
    let req = Request::builder()
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(prefix))
        .ok()?;
    let mut parts = Multipart::from_request(req, &()).await.ok()?;
    while let Ok(Some(field)) = parts.next_field().await {
        if field.name() == Some(CSRF_FIELD) {
            return field.text().await.ok();
        }
    }
    None
}

fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Refuses every state-changing request of the pages without the session's CSRF token, from the
/// `_csrf` form field (a part of a multipart body, among its first 64 KiB) or the `X-CSRF-Token`
/// header. (The JSON API uses bearer tokens, not cookies.)
pub async fn csrf(req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS)
        || req.uri().path().starts_with("/api/")
    {
        return next.run(req).await;
    }
    let Some(session) = req.extensions().get::<Session>().cloned() else {
        return AppError::Csrf.into_response();
    };
    let expected = match session.get::<String>(CSRF_KEY).await {
        Ok(Some(t)) => t,
        _ => return AppError::Csrf.into_response(),
    };
    let header = req
        .headers()
        .get(CSRF_HEADER)
        .and_then(|h| h.to_str().ok())
        .map(str::to_string);
    let multipart = is_multipart(&req);
    let (parts, body) = req.into_parts();
    // An import file (`/import`) may be larger than a document.
    let limit = if !multipart {
        MAX_FORM
    } else if parts.uri.path() == "/import" {
        crate::pages::import::MAX_IMPORT_UPLOAD
    } else {
        MAX_UPLOAD
    };
    let bytes = match to_bytes(body, limit).await {
        Ok(b) => b,
        Err(_) => return AppError::TooLarge.into_response(),
    };
    let given = match header {
        Some(h) => Some(h),
        None if multipart => {
            let content_type = parts
                .headers
                .get(header::CONTENT_TYPE)
                .and_then(|h| h.to_str().ok())
                .unwrap_or_default();
            multipart_field(content_type, &bytes).await
        }
        None => field(&bytes, CSRF_FIELD),
    };
    match given {
        Some(g) if same(&g, &expected) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        _ => AppError::Csrf.into_response(),
    }
}

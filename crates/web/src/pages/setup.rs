//! The first-run page: on a blank database (no organisation, person or account) every page sends
//! the visitor to `/setup`, which creates the root organisation and the first administrator
//! ([`setup::init`]), logs that administrator in and opens the import page.
//!
//! Only the first visitor may do this, so the page is open only from the server itself
//! (a loopback peer, with no proxy header) or with the one-time setup code the server prints in
//! its log when it starts on a blank database. Once the database holds anything, `/setup`
//! answers with a redirect to `/` and is never offered again.

use std::net::SocketAddr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::extract::Form;
use askama::Template;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use ketnap_domain::org::{OrgKind, check_parent};
use ketnap_store::setup::{self, FirstAdmin, Root};
use ketnap_store::{Role, StoreError, users};
use serde::Deserialize;
use tower_sessions::Session;

use crate::AppState;
use crate::auth::{hash_password, start_session};
use crate::error::AppError;
use crate::layout::Layout;
use crate::session::csrf_token;

/// The shortest password accepted for the first administrator.
pub const MIN_PASSWORD: usize = 8;

/// Letters of the setup code: no 0, 1, I or O, so it can be read off a console and typed.
const CODE_ALPHABET: &[u8; 32] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/// Whether the database has been set up, and the one-time code that opens `/setup` to a visitor
/// who is not on the server itself.
#[derive(Debug, Default)]
pub struct FirstRun {
    /// Set once the database is known to hold data; never unset (no query after that).
    done: AtomicBool,
    /// The code, while the database is blank.
    code: Mutex<Option<String>>,
    /// Serialises the setup itself (two browsers posting at once).
    running: tokio::sync::Mutex<()>,
}

impl FirstRun {
    /// The one-time setup code, while the database is blank.
    pub fn code(&self) -> Option<String> {
        self.code.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn is_done(&self) -> bool {
        self.done.load(Ordering::Acquire)
    }

    fn mark_done(&self) {
        self.done.store(true, Ordering::Release);
        *self.code.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }

    /// Whether `given` is the setup code (case, spaces and dashes ignored; constant time).
    fn accepts(&self, given: &str) -> bool {
        let Some(code) = self.code() else {
            return false;
        };
        let norm = |s: &str| -> Vec<u8> {
            s.bytes()
                .filter(|b| !matches!(b, b'-' | b' '))
                .map(|b| b.to_ascii_uppercase())
                .collect()
        };
        let (a, b) = (norm(&code), norm(given));
        a.len() == b.len() && a.iter().zip(&b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }
}

/// A new setup code: 12 characters in three groups (`ABCD-EFGH-JKMN`), 60 random bits.
fn new_code() -> String {
    let bits = rand::random::<u64>();
    let mut code = String::with_capacity(14);
    for i in 0..12 {
        if i > 0 && i % 4 == 0 {
            code.push('-');
        }
        let index = ((bits >> (i * 5)) & 31) as usize;
        code.push(char::from(CODE_ALPHABET[index]));
    }
    code
}

/// Whether the database holds nothing yet (and remember when it does).
async fn blank(state: &AppState) -> Result<bool, StoreError> {
    if state.first_run.is_done() {
        return Ok(false);
    }
    let mut tx = state.store.begin().await?;
    let blank = setup::is_blank(&mut tx).await?;
    drop(tx);
    if !blank {
        state.first_run.mark_done();
    }
    Ok(blank)
}

/// At start: on a blank database, make the one-time setup code and print it in the log (it is
/// not personal data; whoever reads the server's log may set it up).
pub async fn prepare(state: &AppState) -> Result<(), StoreError> {
    if blank(state).await? {
        let code = new_code();
        *state
            .first_run
            .code
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = Some(code.clone());
        tracing::warn!(
            setup.code = %code,
            "the database is blank: open /setup from this machine, or from elsewhere with this one-time setup code"
        );
    }
    Ok(())
}

/// Middleware of the pages: while the database is blank, every page but `/setup` redirects
/// there (static assets, `/healthz`, `/metrics` and the API are outside the pages).
pub async fn first_run(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if state.first_run.is_done() || req.uri().path() == "/setup" {
        return next.run(req).await;
    }
    match blank(&state).await {
        Ok(true) => Redirect::to("/setup").into_response(),
        Ok(false) => next.run(req).await,
        Err(e) => AppError::from(e).into_response(),
    }
}

/// `GET|POST /setup`.
pub fn routes() -> crate::routes::Routes {
    crate::routes::Routes::new().route("/setup", get(form).post(submit))
}

/// Where the request comes from: the server itself (a loopback peer, not relayed by a proxy),
/// or anywhere else. Without the peer's address (a server not started by [`crate::run`]) the
/// request is treated as remote.
pub struct Peer {
    /// On the server itself.
    pub loopback: bool,
}

impl<S: Send + Sync> FromRequestParts<S> for Peer {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        // Behind a reverse proxy on the same machine every peer is loopback: a relayed request
        // (it carries a proxy header) counts as remote.
        let relayed = ["forwarded", "x-forwarded-for", "x-real-ip"]
            .iter()
            .any(|h| parts.headers.contains_key(*h));
        let loopback = !relayed
            && parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .is_some_and(|ConnectInfo(addr)| addr.ip().to_canonical().is_loopback());
        Ok(Peer { loopback })
    }
}

/// A kind offered for the root.
pub struct KindOption {
    /// `OrgKind` code.
    pub code: String,
    /// Vietnamese label.
    pub label: String,
    /// Selected.
    pub selected: bool,
}

/// The form as posted (passwords are never shown again).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct SetupForm {
    /// `OrgKind` code of the root.
    pub root_kind: String,
    /// The root's code.
    pub root_code: String,
    /// The root's name.
    pub root_name: String,
    /// The administrator's login name.
    pub username: String,
    /// The administrator's name shown.
    pub display_name: String,
    password: String,
    password_confirm: String,
    /// The one-time setup code (when not on the server itself).
    pub setup_code: String,
}

/// templates/setup.html
#[derive(Template)]
#[template(path = "setup.html")]
pub struct SetupPage {
    /// Layout.
    pub layout: Layout,
    /// What was typed.
    pub input: SetupForm,
    /// The kinds that may head a tree.
    pub kinds: Vec<KindOption>,
    /// Field errors: (field, Vietnamese message).
    pub errors: Vec<(&'static str, String)>,
    /// The setup code must be typed (the visitor is not on the server).
    pub needs_code: bool,
}

impl SetupPage {
    /// The error of a field, if any.
    pub fn error_of(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }
}

/// The kinds that may head a tree, the chosen one selected (by default a provincial committee).
fn root_kinds(chosen: &str) -> Vec<KindOption> {
    let chosen = if chosen.is_empty() {
        "provincial"
    } else {
        chosen
    };
    OrgKind::all()
        .into_iter()
        .filter(|k| check_parent(k, None).is_ok())
        .map(|k| KindOption {
            selected: k.code() == chosen,
            code: k.code(),
            label: k.label(),
        })
        .collect()
}

async fn render(
    session: &Session,
    input: SetupForm,
    errors: Vec<(&'static str, String)>,
    needs_code: bool,
) -> Result<Response, AppError> {
    let csrf = csrf_token(session).await?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = SetupPage {
        layout: Layout::new("Khởi tạo hệ thống", None, csrf, ""),
        kinds: root_kinds(&input.root_kind),
        input: SetupForm {
            password: String::new(),
            password_confirm: String::new(),
            setup_code: String::new(),
            ..input
        },
        errors,
        needs_code,
    };
    Ok((status, Html(page.render()?)).into_response())
}

/// `GET /setup`: the form, while the database is blank; afterwards a redirect to `/`.
pub async fn form(
    State(state): State<AppState>,
    session: Session,
    peer: Peer,
) -> Result<Response, AppError> {
    if !blank(&state).await? {
        return Ok(Redirect::to("/").into_response());
    }
    render(&session, SetupForm::default(), Vec::new(), !peer.loopback).await
}

/// The form checked field by field: the root and the administrator, or every field's error.
fn check(form: &SetupForm) -> Result<(Root, String), Vec<(&'static str, String)>> {
    let mut errors: Vec<(&'static str, String)> = Vec::new();
    let kind = OrgKind::from_code(form.root_kind.trim()).filter(|k| check_parent(k, None).is_ok());
    if kind.is_none() {
        errors.push((
            "root_kind",
            "Chọn loại của tổ chức đảng cấp cao nhất (tỉnh ủy, huyện ủy, đảng ủy khối, đảng ủy xã, phường…).".into(),
        ));
    }
    let code = form.root_code.trim();
    if code.is_empty() {
        errors.push((
            "root_code",
            "Cần nhập mã tổ chức (ví dụ TU-GL, DU-XA-HB).".into(),
        ));
    } else if code.chars().count() > 40 || code.chars().any(char::is_whitespace) {
        errors.push((
            "root_code",
            "Mã tổ chức không chứa khoảng trắng và không dài quá 40 ký tự.".into(),
        ));
    }
    let name = form.root_name.trim();
    if name.is_empty() {
        errors.push(("root_name", "Cần nhập tên tổ chức.".into()));
    } else if name.chars().count() > 200 {
        errors.push(("root_name", "Tên tổ chức không dài quá 200 ký tự.".into()));
    }
    if let Err(e) = users::normalise_username(&form.username) {
        errors.push(("username", e.message_vi()));
    }
    let display = form.display_name.trim();
    if display.is_empty() || display.chars().count() > 120 {
        errors.push((
            "display_name",
            "Tên hiển thị không được để trống và không dài quá 120 ký tự.".into(),
        ));
    }
    if form.password.chars().count() < MIN_PASSWORD {
        errors.push((
            "password",
            format!("Mật khẩu phải có ít nhất {MIN_PASSWORD} ký tự."),
        ));
    } else if form.password != form.password_confirm {
        errors.push((
            "password_confirm",
            "Hai lần nhập mật khẩu không khớp nhau.".into(),
        ));
    }
    match kind {
        Some(kind) if errors.is_empty() => Ok((
            Root {
                code: code.to_string(),
                name: name.to_string(),
                kind,
            },
            form.password.clone(),
        )),
        _ => Err(errors),
    }
}

/// `POST /setup`: create the root and the first administrator, log them in, open the import
/// page. A refusal shows the form again with every field's error; nothing is saved.
pub async fn submit(
    State(state): State<AppState>,
    session: Session,
    peer: Peer,
    Form(form): Form<SetupForm>,
) -> Result<Response, AppError> {
    let _one_at_a_time = state.first_run.running.lock().await;
    if !blank(&state).await? {
        return Ok(Redirect::to("/").into_response());
    }
    let needs_code = !peer.loopback;
    if needs_code && !state.first_run.accepts(&form.setup_code) {
        tracing::warn!("first-run setup refused: wrong or missing setup code from a remote peer");
        let errors = vec![(
            "setup_code",
            "Mã khởi tạo không đúng. Mã được ghi trong nhật ký (log) của máy chủ khi khởi động."
                .to_string(),
        )];
        return render(&session, form, errors, needs_code).await;
    }
    let (root, password) = match check(&form) {
        Ok(ok) => ok,
        Err(errors) => return render(&session, form, errors, needs_code).await,
    };
    let admin = FirstAdmin {
        username: form.username.trim().to_ascii_lowercase(),
        display_name: form.display_name.trim().to_string(),
        password_hash: hash_password(&password)?,
    };
    let ctx = state.write_ctx(None);
    let done = match setup::init(&state.store, &ctx, std::slice::from_ref(&root), &admin).await {
        Ok(done) => done,
        Err(
            e @ (StoreError::Invalid { .. } | StoreError::Refused(_) | StoreError::Conflict { .. }),
        ) => {
            let errors = vec![("form", e.message_vi())];
            return render(&session, form, errors, needs_code).await;
        }
        Err(e) => return Err(e.into()),
    };
    state.first_run.mark_done();
    let epoch = {
        let mut conn = state.store.read().await?;
        ketnap_store::users::by_id(&mut conn, done.admin_id)
            .await?
            .map_or(0, |u| u.session_epoch)
    };
    start_session(
        &session,
        done.admin_id,
        Role::Admin,
        epoch,
        state.clock.now().as_second(),
    )
    .await?;
    tracing::info!(
        user.id = done.admin_id,
        org.ids = ?done.root_ids,
        "first-run setup done: root organisation and administrator created"
    );
    Ok(Redirect::to("/import?setup=done").into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_setup_code_is_three_groups_of_four_unambiguous_characters() {
        let code = new_code();
        assert_eq!(code.len(), 14, "{code}");
        let groups: Vec<&str> = code.split('-').collect();
        assert_eq!(groups.len(), 3, "{code}");
        assert!(
            code.bytes()
                .filter(|b| *b != b'-')
                .all(|b| CODE_ALPHABET.contains(&b) && !b"01IO".contains(&b)),
            "{code}"
        );
    }

    #[test]
    fn the_setup_code_is_accepted_in_any_case_with_or_without_dashes_and_only_while_blank() {
        let first = FirstRun::default();
        assert!(!first.accepts(""), "no code: nothing is accepted");
        *first.code.lock().unwrap_or_else(|p| p.into_inner()) = Some("ABCD-EFGH-JKLM".into());
        assert!(first.accepts("ABCD-EFGH-JKLM"));
        assert!(first.accepts("abcd efgh jklm"));
        assert!(first.accepts("ABCDEFGHJKLM"));
        assert!(!first.accepts("ABCD-EFGH-JKLN"));
        assert!(!first.accepts(""));
        first.mark_done();
        assert!(
            !first.accepts("ABCD-EFGH-JKLM"),
            "spent once the database is set up"
        );
    }

    #[test]
    fn only_kinds_that_may_head_a_tree_are_offered_for_the_root() {
        let kinds = root_kinds("");
        assert_eq!(kinds.first().map(|k| k.code.as_str()), Some("provincial"));
        assert!(kinds.iter().any(|k| k.code == "district"));
        assert!(kinds.iter().any(|k| k.code == "bloc"));
        assert!(kinds.iter().any(|k| k.code == "grassroots:commune"));
        assert!(
            !kinds
                .iter()
                .any(|k| k.code == "partial" || k.code.starts_with("cell:"))
        );
        assert_eq!(kinds.iter().filter(|k| k.selected).count(), 1);
    }
}

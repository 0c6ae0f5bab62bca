//! Login (argon2id, rate-limited), logout, and the [`Auth`] extractor that yields the user's scope.

use crate::extract::Form;
use askama::Template;
use axum::extract::{FromRequestParts, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{Html, IntoResponse, Redirect, Response};
use ketnap_store::{Role, Scope, throttle, users};
use serde::Deserialize;
use tower_sessions::Session;

use crate::AppState;
use crate::error::AppError;
use crate::layout::{Layout, UserBadge};
use crate::session::{csrf_token, rotate_csrf};

const USER_KEY: &str = "user_id";
const ROLE_KEY: &str = "role";
const EPOCH_KEY: &str = "epoch";
const LOGIN_AT_KEY: &str = "login_at";
/// The account whose password was right and whose one-time code is awaited, with the time.
const PENDING_KEY: &str = "second_factor";
/// How long the code is awaited after the password.
const PENDING_SECS: i64 = 5 * 60;
/// A session ends this long after its login however active it is (the idle limit is the
/// session layer's, 8 hours).
pub const ABSOLUTE_SECS: i64 = 12 * 60 * 60;

/// templates/login.html
#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage {
    /// Layout.
    pub layout: Layout,
    /// The name typed.
    pub username: String,
    /// What went wrong.
    pub error: Option<String>,
    /// The password was right: ask for the one-time code (second step).
    pub code_step: bool,
}

/// `GET /login`
pub async fn login_form(session: Session) -> Result<Response, AppError> {
    let csrf = csrf_token(&session).await?;
    let page = LoginPage {
        layout: Layout::new("Đăng nhập", None, csrf, ""),
        username: String::new(),
        error: None,
        code_step: false,
    };
    Ok(Html(page.render()?).into_response())
}

/// The login form.
#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    /// The one-time code (second step, accounts with a second factor).
    #[serde(default)]
    code: String,
}

/// Hash a password with argon2id (default parameters).
pub fn hash_password(password: &str) -> Result<String, AppError> {
    use argon2::password_hash::PasswordHasher;
    argon2::Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| AppError::BadRequest(format!("Không tạo được mật khẩu: {e}")))
}

fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password("ketnap: no such user").unwrap_or_default())
}

/// Argon2's working memory for a password check (19 MiB with the default parameters), kept
/// for the next check: a check that allocated its own left it with the allocator of the thread
/// that ran it, one per thread (issue 19: the largest part of the server's memory above its
/// start). At most [`KEPT_MEMORY`] are kept; a check beyond them allocates and frees its own.
static ARGON2_MEMORY: std::sync::Mutex<Vec<Vec<argon2::Block>>> = std::sync::Mutex::new(Vec::new());

/// How many working memories are kept, and how many password checks run at once (they are
/// CPU-bound: more at once would share the same cores).
const KEPT_MEMORY: usize = 2;

/// The turns of the password checks ([`KEPT_MEMORY`] at once).
static PASSWORD_CHECKS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(KEPT_MEMORY);

/// Check a password against its PHC string: the same computation as argon2's
/// `PasswordVerifier` (algorithm, version, parameters and salt from the string; the outputs
/// compared in constant time), in a kept working memory.
fn verify(password: &str, hash: &str) -> bool {
    use argon2::password_hash::phc::{Output, PasswordHash};
    let Ok(h) = PasswordHash::new(hash) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (&h.salt, &h.hash) else {
        return false;
    };
    let (Ok(algorithm), Ok(params)) = (
        argon2::Algorithm::try_from(h.algorithm.as_str()),
        argon2::Params::try_from(&h),
    ) else {
        return false;
    };
    let version = match h.version.map(argon2::Version::try_from) {
        None => argon2::Version::default(),
        Some(Ok(v)) => v,
        Some(Err(_)) => return false,
    };
    let kept = || ARGON2_MEMORY.lock().unwrap_or_else(|p| p.into_inner());
    let mut memory = kept().pop().unwrap_or_default();
    memory.resize(params.block_count(), argon2::Block::default());
    let mut out = vec![0u8; expected.len()];
    let computed = argon2::Argon2::new(algorithm, version, params)
        .hash_password_into_with_memory(
            password.as_bytes(),
            salt.as_ref(),
            &mut out,
            &mut memory[..],
        )
        .is_ok();
    {
        let mut k = kept();
        if k.len() < KEPT_MEMORY {
            k.push(memory);
        }
    }
    computed && Output::new(&out).is_ok_and(|o| &o == expected)
}

/// "30 giây", "5 phút".
fn wait_words(secs: i64) -> String {
    if secs < 60 {
        format!("{secs} giây")
    } else {
        format!("{} phút", (secs + 59) / 60)
    }
}

/// `POST /login`: the password checked off the async executor; failures counted per account and
/// per address in the store, with a back-off that doubles after three failures and never locks
/// an account for more than a few minutes ([`ketnap_store::throttle`]).
pub async fn login(
    State(state): State<AppState>,
    peer: Option<axum::Extension<axum::extract::ConnectInfo<std::net::SocketAddr>>>,
    session: Session,
    Form(form): Form<LoginForm>,
) -> Result<Response, AppError> {
    let now = state.clock.now().as_second();
    // The second step: the code of the account whose password was right a moment ago.
    let pending: Option<(i64, String, i64)> = session
        .get(PENDING_KEY)
        .await
        .map_err(|e| AppError::Internal(format!("session read: {e}")))?;
    if !form.code.trim().is_empty() || (form.password.is_empty() && pending.is_some()) {
        return second_step(&state, &session, pending, &form.code, now).await;
    }
    let name = form.username.trim().to_ascii_lowercase();
    let refuse = |message: &str, csrf: String| -> Result<Response, AppError> {
        let page = LoginPage {
            layout: Layout::new("Đăng nhập", None, csrf, ""),
            username: form.username.trim().to_string(),
            error: Some(message.to_string()),
            code_step: false,
        };
        Ok((StatusCode::UNAUTHORIZED, Html(page.render()?)).into_response())
    };
    let mut keys = vec![throttle::account_key(&name)];
    if let Some(axum::Extension(axum::extract::ConnectInfo(addr))) = peer {
        keys.push(throttle::address_key(&addr.ip().to_canonical().to_string()));
    }
    let mut conn = state.store.read().await?;
    let wait = throttle::wait_secs(&mut conn, &keys, now).await?;
    if wait > 0 {
        drop(conn);
        let csrf = csrf_token(&session).await?;
        return refuse(
            &format!(
                "Đăng nhập sai nhiều lần. Vui lòng thử lại sau {}.",
                wait_words(wait)
            ),
            csrf,
        );
    }
    let user = users::by_username(&mut conn, &name).await?;
    drop(conn);
    let hash = match &user {
        Some(u) if !u.disabled => u.password_hash.clone(),
        // Same work as a real check, so timing does not tell which names exist.
        _ => dummy_hash().to_string(),
    };
    let password = form.password.clone();
    // At most [`KEPT_MEMORY`] checks at once, each in a kept working memory: more would only
    // share the same cores, each with 19 MiB of its own.
    let _turn = PASSWORD_CHECKS
        .acquire()
        .await
        .map_err(|e| AppError::Internal(format!("password check: {e}")))?;
    let verified = tokio::task::spawn_blocking(move || verify(&password, &hash))
        .await
        .map_err(|e| AppError::Internal(format!("password check: {e}")))?;
    let ok = verified && user.as_ref().is_some_and(|u| !u.disabled);
    let Some(user) = user.filter(|_| ok) else {
        let mut tx = state.store.begin().await?;
        throttle::fail(&mut tx, &keys, now).await?;
        tx.commit().await?;
        state
            .metrics
            .logins_failed
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let csrf = csrf_token(&session).await?;
        return refuse("Tên đăng nhập hoặc mật khẩu không đúng.", csrf);
    };
    let mut conn = state.store.read().await?;
    let roles = roles_of(&mut conn, user.user_id).await?;
    drop(conn);
    let Some(role) = roles.first() else {
        let csrf = csrf_token(&session).await?;
        return refuse(
            "Tài khoản chưa được phân quyền. Vui lòng liên hệ quản trị viên.",
            csrf,
        );
    };
    if user.totp_secret.is_some() {
        // The password was right; the code comes next, on its own page.
        rotate_csrf(&session).await?;
        session
            .insert(PENDING_KEY, (user.user_id, name, now))
            .await
            .map_err(|e| AppError::Internal(format!("session write: {e}")))?;
        let csrf = csrf_token(&session).await?;
        let page = LoginPage {
            layout: Layout::new("Đăng nhập", None, csrf, ""),
            username: String::new(),
            error: None,
            code_step: true,
        };
        return Ok(Html(page.render()?).into_response());
    }
    let mut tx = state.store.begin().await?;
    throttle::clear(&mut tx, &throttle::account_key(&name)).await?;
    tx.commit().await?;
    start_session(&session, user.user_id, *role, user.session_epoch, now).await?;
    tracing::info!(user.id = user.user_id, role = role.code(), "login");
    Ok(Redirect::to("/").into_response())
}

/// The second step of a login with a second factor: the one-time code of the account `pending`
/// names (its password was right less than [`PENDING_SECS`] ago). A wrong code counts as a failed
/// login for the account's back-off; a right one is spent (never accepted twice) and the session
/// starts.
async fn second_step(
    state: &AppState,
    session: &Session,
    pending: Option<(i64, String, i64)>,
    code: &str,
    now: i64,
) -> Result<Response, AppError> {
    let page = |error: &str, csrf: String, code_step: bool| -> Result<Response, AppError> {
        let page = LoginPage {
            layout: Layout::new("Đăng nhập", None, csrf, ""),
            username: String::new(),
            error: Some(error.to_string()),
            code_step,
        };
        Ok((StatusCode::UNAUTHORIZED, Html(page.render()?)).into_response())
    };
    let Some((user_id, name, _)) = pending.filter(|(_, _, at)| now - at <= PENDING_SECS) else {
        let _ = session.remove::<(i64, String, i64)>(PENDING_KEY).await;
        let csrf = csrf_token(session).await?;
        return page(
            "Phiên đăng nhập đã hết hạn. Vui lòng nhập lại tên đăng nhập và mật khẩu.",
            csrf,
            false,
        );
    };
    let keys = [throttle::account_key(&name)];
    let mut conn = state.store.read().await?;
    let wait = throttle::wait_secs(&mut conn, &keys, now).await?;
    let user = users::by_username(&mut conn, &name).await?;
    let roles = roles_of(&mut conn, user_id).await?;
    drop(conn);
    if wait > 0 {
        let csrf = csrf_token(session).await?;
        return page(
            &format!(
                "Đăng nhập sai nhiều lần. Vui lòng thử lại sau {}.",
                wait_words(wait)
            ),
            csrf,
            true,
        );
    }
    let step = user
        .as_ref()
        .filter(|u| u.user_id == user_id && !u.disabled)
        .and_then(|u| u.totp_secret.as_deref())
        .and_then(|secret| crate::second_factor::step_of(secret, code, now));
    let mut tx = state.store.begin().await?;
    let spent = match step {
        Some(s) => users::spend_totp_step(&mut tx, user_id, s).await?,
        None => false,
    };
    if !spent {
        throttle::fail(&mut tx, &keys, now).await?;
        tx.commit().await?;
        state
            .metrics
            .logins_failed
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let csrf = csrf_token(session).await?;
        return page(
            "Mã xác thực không đúng hoặc đã dùng. Nhập mã 6 chữ số đang hiện trên ứng dụng xác thực.",
            csrf,
            true,
        );
    }
    throttle::clear(&mut tx, &keys[0]).await?;
    tx.commit().await?;
    let (Some(user), Some(role)) = (user, roles.first()) else {
        return Err(AppError::Forbidden);
    };
    let _ = session.remove::<(i64, String, i64)>(PENDING_KEY).await;
    start_session(session, user.user_id, *role, user.session_epoch, now).await?;
    tracing::info!(
        user.id = user.user_id,
        role = role.code(),
        "login with second factor"
    );
    Ok(Redirect::to("/").into_response())
}

/// Log `user_id` in acting in `role`: a new session id (no fixation), the user, the role, the
/// account's session epoch and the login time kept in it, a fresh CSRF token. The login form and
/// the first-run page end here.
pub async fn start_session(
    session: &Session,
    user_id: i64,
    role: Role,
    epoch: i64,
    now: i64,
) -> Result<(), AppError> {
    session.cycle_id().await.map_err(AppError::session)?;
    session
        .insert(USER_KEY, user_id)
        .await
        .map_err(AppError::session)?;
    session
        .insert(ROLE_KEY, role.code())
        .await
        .map_err(AppError::session)?;
    session
        .insert(EPOCH_KEY, epoch)
        .await
        .map_err(AppError::session)?;
    session
        .insert(LOGIN_AT_KEY, now)
        .await
        .map_err(AppError::session)?;
    rotate_csrf(session).await?;
    Ok(())
}

/// The roles a user holds, each once, the default (the one a login starts in) first
/// ([`users::with_roles`]).
async fn roles_of(conn: &mut ketnap_store::Conn, user_id: i64) -> Result<Vec<Role>, AppError> {
    Ok(users::with_roles(conn, user_id)
        .await?
        .map(|(_, roles)| roles)
        .unwrap_or_default())
}

/// The role switch as posted.
#[derive(Deserialize)]
pub struct RoleForm {
    /// The code of the role chosen.
    #[serde(default)]
    role: String,
}

/// `POST /role`: act in another of the user's roles from the next page on (kept in the session).
/// A role the user does not hold is refused (403) and changes nothing; the answer then goes to
/// the overview, since the page the user was on may lie outside the new role's scope.
pub async fn switch_role(
    session: Session,
    auth: Auth,
    Form(form): Form<RoleForm>,
) -> Result<Response, AppError> {
    let Some(role) = Role::from_code(form.role.trim()).filter(|r| auth.roles.contains(r)) else {
        return Err(AppError::Forbidden);
    };
    session
        .insert(ROLE_KEY, role.code())
        .await
        .map_err(AppError::session)?;
    tracing::info!(
        user.id = auth.user.user_id,
        role.from = auth.role.code(),
        role.to = role.code(),
        "role switched"
    );
    Ok(Redirect::to("/").into_response())
}

/// `POST /logout`
pub async fn logout(session: Session) -> Result<Response, AppError> {
    session.flush().await.map_err(AppError::session)?;
    Ok(Redirect::to("/login").into_response())
}

/// A logged-in user acting in a role: every handler that touches organisation data takes this.
#[derive(Clone, Debug)]
pub struct Auth {
    /// The user.
    pub user: users::User,
    /// The role acting.
    pub role: Role,
    /// Every role the user holds, the default (the one a login starts in) first.
    pub roles: Vec<Role>,
    /// What the user may reach.
    pub scope: Scope,
    /// The session's CSRF token.
    pub csrf: String,
}

impl Auth {
    /// The layout of a page for this user.
    pub fn layout(&self, title: impl Into<String>, active: &'static str) -> Layout {
        Layout::new(
            title,
            Some(UserBadge::new(
                self.user.display_name.clone(),
                self.role,
                &self.roles,
            )),
            self.csrf.clone(),
            active,
        )
    }
}

impl FromRequestParts<AppState> for Auth {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let session = parts
            .extensions
            .get::<Session>()
            .cloned()
            .ok_or(AppError::Unauthenticated)?;
        let user_id: i64 = session
            .get(USER_KEY)
            .await
            .map_err(AppError::session)?
            .ok_or(AppError::Unauthenticated)?;
        let chosen: Option<String> = session.get(ROLE_KEY).await.map_err(AppError::session)?;
        let mut conn = state.store.read().await?;
        let (user, roles) = users::with_roles(&mut conn, user_id)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        drop(conn);
        // A disabled account, a password reset or a role change since the login (the epoch
        // rose), or a login older than the absolute limit: the session ends here.
        let epoch: Option<i64> = session.get(EPOCH_KEY).await.map_err(AppError::session)?;
        let login_at: Option<i64> = session.get(LOGIN_AT_KEY).await.map_err(AppError::session)?;
        let now = state.clock.now().as_second();
        if user.disabled
            || epoch != Some(user.session_epoch)
            || login_at.is_none_or(|t| now - t > ABSOLUTE_SECS)
        {
            session.flush().await.map_err(AppError::session)?;
            return Err(AppError::Unauthenticated);
        }
        // The chosen role while the user still holds it; else the default, kept for next time.
        let role = match chosen.as_deref().and_then(Role::from_code) {
            Some(r) if roles.contains(&r) => r,
            _ => {
                let Some(default) = roles.first().copied() else {
                    session.flush().await.map_err(AppError::session)?;
                    return Err(AppError::Unauthenticated);
                };
                session
                    .insert(ROLE_KEY, default.code())
                    .await
                    .map_err(AppError::session)?;
                default
            }
        };
        let csrf = csrf_token(&session).await?;
        let scope = Scope::user(user.user_id, role, user.member_id);
        Ok(Auth {
            user,
            role,
            roles,
            scope,
            csrf,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_checks_against_its_hash_in_the_kept_memory_and_nothing_else_does() {
        let hash = hash_password("mật khẩu đúng 2026").unwrap_or_default();
        // Twice: the second check runs in the memory the first one kept.
        assert!(verify("mật khẩu đúng 2026", &hash));
        assert!(verify("mật khẩu đúng 2026", &hash));
        assert!(!verify("mật khẩu sai 2026", &hash));
        assert!(!verify("mật khẩu đúng 2026", "not a hash"));
        assert!(!verify("", ""));
        // A hash made with other parameters (and another variant) checks with its own.
        use argon2::password_hash::PasswordHasher;
        let other = argon2::Argon2::new(
            argon2::Algorithm::Argon2i,
            argon2::Version::V0x13,
            argon2::Params::new(8192, 3, 1, None).unwrap_or_default(),
        )
        .hash_password(b"tham so khac")
        .map(|h| h.to_string())
        .unwrap_or_default();
        assert!(
            other.starts_with("$argon2i$v=19$m=8192,t=3,p=1$"),
            "{other}"
        );
        assert!(verify("tham so khac", &other));
        assert!(!verify("tham so khac!", &other));
        assert!(ARGON2_MEMORY.lock().map(|k| k.len()).unwrap_or(0) <= KEPT_MEMORY);
    }
}

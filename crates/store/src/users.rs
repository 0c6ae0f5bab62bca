//! Users and their scopes (a role over a set of subtrees: `user_scope` rows).
//!
//! Password and API-token hashes are computed by the web layer and stored as given; they never
//! appear in an audit row or a log. Every change appends an audit row carrying the user's public
//! id and, for grants, the role code and the organisation: no username, no display name, no hash.
//!
//! [`by_username`] and [`by_api_token_hash`] are for logging in only (no scope: nobody is logged
//! in yet); [`by_id`] loads the user of a session. Listing users is an administrator's read over
//! their subtrees ([`list`]).

use serde::Serialize;
use serde_json::json;

use crate::audit::{self, AuditEntry};
use crate::{Conn, PubId, Result, Role, Scope, StoreError, Tx, WriteCtx, ts};

/// A user as shown (never the hashes).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct User {
    /// Internal key.
    #[serde(skip)]
    pub user_id: i64,
    /// Public id.
    pub pub_id: String,
    /// Login name.
    pub username: String,
    /// Name shown.
    pub display_name: String,
    /// The user's roster entry (a mentor's member id).
    #[serde(skip)]
    pub member_id: Option<i64>,
    /// May not log in.
    pub disabled: bool,
    /// Rises when the account's sessions and tokens must end ([`end_sessions`]).
    #[serde(skip)]
    pub session_epoch: i64,
}

/// What logging in needs: the user and the stored password hash.
#[derive(Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct LoginUser {
    /// Internal key.
    pub user_id: i64,
    /// Public id.
    pub pub_id: String,
    /// Login name.
    pub username: String,
    /// Name shown.
    pub display_name: String,
    /// The user's roster entry.
    pub member_id: Option<i64>,
    /// May not log in.
    pub disabled: bool,
    /// The session epoch a new session records.
    pub session_epoch: i64,
    /// The stored password hash (PHC string), to verify against.
    pub password_hash: String,
    /// The base32 secret of the account's one-time codes, when it has a second factor.
    pub totp_secret: Option<String>,
}

impl std::fmt::Debug for LoginUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginUser")
            .field("user_id", &self.user_id)
            .field("pub_id", &self.pub_id)
            .field("disabled", &self.disabled)
            .finish_non_exhaustive()
    }
}

/// One scope of a user: the role, and the organisation whose subtree it reaches.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UserScope {
    /// The role.
    pub role: Role,
    /// The organisation's public id.
    pub org_pub_id: String,
    /// The organisation's name.
    pub org_name: String,
}

/// A user with their scopes, as an administrator lists them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UserWithScopes {
    /// The user.
    pub user: User,
    /// Their scopes inside the lister's subtrees, by role then organisation name.
    pub scopes: Vec<UserScope>,
}

const USER_COLS: &str =
    "u.user_id, u.pub_id, u.username, u.display_name, u.member_id, u.disabled, u.session_epoch";

/// Usernames are 3 to 40 of `a–z`, `0–9`, `.`, `_`, `-` (entered in any case, stored lower case).
pub fn normalise_username(name: &str) -> Result<String> {
    let name = name.trim().to_ascii_lowercase();
    let ok = (3..=40).contains(&name.len())
        && name.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-')
        });
    if ok {
        Ok(name)
    } else {
        Err(StoreError::invalid(
            "bad username",
            "Tên đăng nhập phải dài từ 3 đến 40 ký tự, chỉ gồm chữ cái không dấu (a–z), chữ số và các dấu chấm (.), gạch dưới (_), gạch ngang (-).",
        ))
    }
}

fn check_display_name(name: &str) -> Result<&str> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 120 {
        return Err(StoreError::invalid(
            "bad display name",
            "Tên hiển thị không được để trống và không dài quá 120 ký tự.",
        ));
    }
    Ok(name)
}

fn check_hash(hash: &str) -> Result<()> {
    if hash.trim().is_empty() {
        return Err(StoreError::invalid(
            "empty password hash",
            "Mật khẩu chưa được đặt.",
        ));
    }
    Ok(())
}

async fn pub_id_of(tx: &mut Tx, user_id: i64) -> Result<String> {
    let (pub_id,): (String,) = fetch_optional!(
        tx.ex(),
        (String,),
        "SELECT pub_id FROM app_user WHERE user_id = $1",
        user_id
    )?
    .ok_or(StoreError::NotFound("user"))?;
    Ok(pub_id)
}

/// Create a user with a password hash computed by the caller; returns the internal key.
/// Refuses a malformed or taken username and an unknown roster entry (Vietnamese messages).
pub async fn create_user(
    tx: &mut Tx,
    ctx: &WriteCtx,
    username: &str,
    display_name: &str,
    password_hash: &str,
    member_id: Option<i64>,
) -> Result<i64> {
    create_user_with_pub_id(
        tx,
        ctx,
        username,
        display_name,
        password_hash,
        member_id,
        PubId::generate(),
    )
    .await
}

/// [`create_user`] with a given public id (the seeded demo generator passes one).
pub async fn create_user_with_pub_id(
    tx: &mut Tx,
    ctx: &WriteCtx,
    username: &str,
    display_name: &str,
    password_hash: &str,
    member_id: Option<i64>,
    pub_id: PubId,
) -> Result<i64> {
    let username = normalise_username(username)?;
    let display_name = check_display_name(display_name)?;
    check_hash(password_hash)?;
    let taken: Option<(i64,)> = fetch_optional!(
        tx.ex(),
        (i64,),
        "SELECT user_id FROM app_user WHERE username = $1",
        username.as_str()
    )?;
    if taken.is_some() {
        return Err(StoreError::invalid(
            "duplicate username",
            format!("Tên đăng nhập “{username}” đã được dùng; vui lòng chọn tên khác."),
        ));
    }
    if let Some(m) = member_id {
        let found: Option<(i64,)> = fetch_optional!(
            tx.ex(),
            (i64,),
            "SELECT member_id FROM member WHERE member_id = $1",
            m
        )?;
        if found.is_none() {
            return Err(StoreError::invalid(
                "unknown member for user",
                "Không tìm thấy đảng viên được gắn với tài khoản.",
            ));
        }
    }
    let (user_id,): (i64,) = fetch_one!(
        tx.ex(),
        (i64,),
        "INSERT INTO app_user (pub_id, username, display_name, password_hash, member_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING user_id",
        pub_id.as_str(),
        username.as_str(),
        display_name,
        password_hash,
        member_id,
        ts(ctx.now)
    )?;
    audit::append(
        tx,
        ctx,
        &AuditEntry {
            action: "user.create",
            object_kind: "user",
            object_id: pub_id.as_str(),
            org_id: None,
            detail: json!({ "user_id": user_id, "member_id": member_id }),
        },
    )
    .await?;
    Ok(user_id)
}

/// Give `user_id` the role `role` over the subtree of `org_id`; returns whether it was new
/// (granting a scope the user already holds changes nothing and writes no audit row).
pub async fn grant(
    tx: &mut Tx,
    ctx: &WriteCtx,
    user_id: i64,
    role: Role,
    org_id: i64,
) -> Result<bool> {
    let pub_id = pub_id_of(tx, user_id).await?;
    let org: Option<(String, bool)> = fetch_optional!(
        tx.ex(),
        (String, bool),
        "SELECT pub_id, closed_on IS NOT NULL FROM org WHERE org_id = $1",
        org_id
    )?;
    match org {
        None => return Err(StoreError::NotFound("org")),
        Some((_, true)) => {
            return Err(StoreError::invalid(
                "grant on a closed org",
                "Tổ chức này đã giải thể hoặc hợp nhất; không thể phân quyền trên tổ chức đã đóng.",
            ));
        }
        Some(_) => {}
    }
    let added = exec!(
        tx.ex(),
        "INSERT INTO user_scope (user_id, role, org_id) VALUES ($1, $2, $3) ON CONFLICT (user_id, role, org_id) DO NOTHING",
        user_id,
        role.code(),
        org_id
    )?;
    if added == 0 {
        return Ok(false);
    }
    end_sessions(tx, ctx, user_id, false).await?;
    audit::append(
        tx,
        ctx,
        &AuditEntry {
            action: "user.grant",
            object_kind: "user",
            object_id: &pub_id,
            org_id: Some(org_id),
            detail: json!({ "role": role.code(), "org_id": org_id }),
        },
    )
    .await?;
    Ok(true)
}

/// Take the role `role` over `org_id` away from `user_id`; returns whether the user held it.
pub async fn revoke(
    tx: &mut Tx,
    ctx: &WriteCtx,
    user_id: i64,
    role: Role,
    org_id: i64,
) -> Result<bool> {
    let pub_id = pub_id_of(tx, user_id).await?;
    let removed = exec!(
        tx.ex(),
        "DELETE FROM user_scope WHERE user_id = $1 AND role = $2 AND org_id = $3",
        user_id,
        role.code(),
        org_id
    )?;
    if removed == 0 {
        return Ok(false);
    }
    end_sessions(tx, ctx, user_id, false).await?;
    audit::append(
        tx,
        ctx,
        &AuditEntry {
            action: "user.revoke",
            object_kind: "user",
            object_id: &pub_id,
            org_id: Some(org_id),
            detail: json!({ "role": role.code(), "org_id": org_id }),
        },
    )
    .await?;
    Ok(true)
}

/// Replace the password hash (computed by the caller). The audit row says that it changed, never
/// what to.
pub async fn set_password_hash(
    tx: &mut Tx,
    ctx: &WriteCtx,
    user_id: i64,
    password_hash: &str,
) -> Result<()> {
    check_hash(password_hash)?;
    let pub_id = pub_id_of(tx, user_id).await?;
    exec!(
        tx.ex(),
        "UPDATE app_user SET password_hash = $1 WHERE user_id = $2",
        password_hash,
        user_id
    )?;
    end_sessions(tx, ctx, user_id, true).await?;
    audit::append(
        tx,
        ctx,
        &AuditEntry {
            action: "user.password",
            object_kind: "user",
            object_id: &pub_id,
            org_id: None,
            detail: json!({ "user_id": user_id }),
        },
    )
    .await?;
    Ok(())
}

/// Give `user_id` a second factor (the base32 `secret` of its one-time codes) or take it away
/// (`None`). Sessions end either way; audited as `user.totp_set` / `user.totp_clear` (never the
/// secret).
pub async fn set_totp(
    tx: &mut Tx,
    ctx: &WriteCtx,
    user_id: i64,
    secret: Option<&str>,
) -> Result<()> {
    let pub_id = pub_id_of(tx, user_id).await?;
    exec!(
        tx.ex(),
        "UPDATE app_user SET totp_secret = $1, totp_last_step = NULL WHERE user_id = $2",
        secret,
        user_id
    )?;
    end_sessions(tx, ctx, user_id, false).await?;
    audit::append(
        tx,
        ctx,
        &AuditEntry {
            action: if secret.is_some() {
                "user.totp_set"
            } else {
                "user.totp_clear"
            },
            object_kind: "user",
            object_id: &pub_id,
            org_id: None,
            detail: json!({ "user_id": user_id }),
        },
    )
    .await?;
    Ok(())
}

/// Spend the one-time code of 30-second `step` for `user_id`: `true` once, `false` when a code of
/// this step or a later one was already accepted (a code is never used twice). Atomic: two logins
/// racing with one code, one wins.
pub async fn spend_totp_step(tx: &mut Tx, user_id: i64, step: i64) -> Result<bool> {
    let n = exec!(
        tx.ex(),
        "UPDATE app_user SET totp_last_step = $1 \
         WHERE user_id = $2 AND (totp_last_step IS NULL OR totp_last_step < $1)",
        step,
        user_id
    )?;
    Ok(n == 1)
}

/// End every session of `user_id` at its next request (the session epoch rises) and, with
/// `tokens`, revoke every API token too: a password reset and a disabled account end both; a
/// role granted or taken away ends the sessions (tokens choose their role per request and are
/// scoped again on each one).
pub async fn end_sessions(tx: &mut Tx, ctx: &WriteCtx, user_id: i64, tokens: bool) -> Result<()> {
    exec!(
        tx.ex(),
        "UPDATE app_user SET session_epoch = session_epoch + 1 WHERE user_id = $1",
        user_id
    )?;
    if tokens {
        exec!(
            tx.ex(),
            "UPDATE api_token SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
            ts(ctx.now),
            user_id
        )?;
    }
    Ok(())
}

/// The longest an API token may live, in days.
pub const MAX_TOKEN_DAYS: i64 = 366;

/// An API token as listed (never its hash).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TokenInfo {
    /// Its name.
    pub name: String,
    /// Issued at.
    pub created_at: jiff::Timestamp,
    /// Last day it works.
    pub expires_on: jiff::civil::Date,
    /// Revoked at, if revoked.
    pub revoked_at: Option<jiff::Timestamp>,
}

/// Issue an API token named `name` for `user_id` (its hash computed by the caller), working
/// through `expires_on`; a token of the same name is replaced. Audited without the hash.
pub async fn issue_token(
    tx: &mut Tx,
    ctx: &WriteCtx,
    user_id: i64,
    name: &str,
    token_hash: &str,
    expires_on: jiff::civil::Date,
) -> Result<()> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 40 {
        return Err(StoreError::invalid(
            "bad token name",
            "Tên mã truy cập phải có từ 1 đến 40 ký tự.",
        ));
    }
    if token_hash.trim().is_empty() {
        return Err(StoreError::invalid(
            "empty api token hash",
            "Mã truy cập API không hợp lệ.",
        ));
    }
    let today = ctx.today();
    if expires_on < today || (expires_on - today).get_days() > MAX_TOKEN_DAYS as i32 {
        return Err(StoreError::invalid(
            "token expiry out of range",
            format!("Mã truy cập phải hết hạn trong vòng {MAX_TOKEN_DAYS} ngày tới."),
        ));
    }
    let pub_id = pub_id_of(tx, user_id).await?;
    exec!(
        tx.ex(),
        "DELETE FROM api_token WHERE user_id = $1 AND name = $2",
        user_id,
        name
    )?;
    exec!(
        tx.ex(),
        "INSERT INTO api_token (user_id, name, token_hash, created_at, expires_on) \
         VALUES ($1, $2, $3, $4, $5)",
        user_id,
        name,
        token_hash,
        ts(ctx.now),
        crate::d(expires_on)
    )?;
    audit::append(
        tx,
        ctx,
        &AuditEntry {
            action: "user.api_token_issue",
            object_kind: "user",
            object_id: &pub_id,
            org_id: None,
            detail: json!({ "user_id": user_id, "expires_on": expires_on.to_string() }),
        },
    )
    .await?;
    Ok(())
}

/// Revoke the token `name` of `user_id`; whether there was a live one.
pub async fn revoke_token(tx: &mut Tx, ctx: &WriteCtx, user_id: i64, name: &str) -> Result<bool> {
    let pub_id = pub_id_of(tx, user_id).await?;
    let n = exec!(
        tx.ex(),
        "UPDATE api_token SET revoked_at = $1 WHERE user_id = $2 AND name = $3 AND revoked_at IS NULL",
        ts(ctx.now),
        user_id,
        name.trim()
    )?;
    if n > 0 {
        audit::append(
            tx,
            ctx,
            &AuditEntry {
                action: "user.api_token_revoke",
                object_kind: "user",
                object_id: &pub_id,
                org_id: None,
                detail: json!({ "user_id": user_id }),
            },
        )
        .await?;
    }
    Ok(n > 0)
}

/// The tokens of `user_id`, newest first (never their hashes).
pub async fn tokens(conn: &mut Conn, user_id: i64) -> Result<Vec<TokenInfo>> {
    type Row = (
        String,
        jiff_sqlx::Timestamp,
        jiff_sqlx::Date,
        Option<jiff_sqlx::Timestamp>,
    );
    let rows: Vec<Row> = fetch_all!(
        conn.ex(),
        Row,
        "SELECT name, created_at, expires_on, revoked_at FROM api_token WHERE user_id = $1 \
         ORDER BY created_at DESC, token_id DESC",
        user_id
    )?;
    Ok(rows
        .into_iter()
        .map(|(name, created, expires, revoked)| TokenInfo {
            name,
            created_at: created.to_jiff(),
            expires_on: expires.to_jiff(),
            revoked_at: revoked.map(|r| r.to_jiff()),
        })
        .collect())
}

/// Keep the single token of the older API: issue `token_hash` as the token named "mac-dinh"
/// for 90 days (or with `None` revoke it).
pub async fn set_api_token_hash(
    tx: &mut Tx,
    ctx: &WriteCtx,
    user_id: i64,
    token_hash: Option<&str>,
) -> Result<()> {
    match token_hash {
        Some(h) => {
            let until = ctx
                .today()
                .checked_add(jiff::Span::new().days(90))
                .map_err(|e| StoreError::Corrupt(format!("date: {e}")))?;
            issue_token(tx, ctx, user_id, "mac-dinh", h, until).await
        }
        None => revoke_token(tx, ctx, user_id, "mac-dinh").await.map(|_| ()),
    }
}

async fn set_disabled(tx: &mut Tx, ctx: &WriteCtx, user_id: i64, disabled: bool) -> Result<()> {
    let pub_id = pub_id_of(tx, user_id).await?;
    exec!(
        tx.ex(),
        "UPDATE app_user SET disabled = $1 WHERE user_id = $2",
        disabled,
        user_id
    )?;
    if disabled {
        end_sessions(tx, ctx, user_id, true).await?;
    }
    audit::append(
        tx,
        ctx,
        &AuditEntry {
            action: if disabled {
                "user.disable"
            } else {
                "user.enable"
            },
            object_kind: "user",
            object_id: &pub_id,
            org_id: None,
            detail: json!({ "user_id": user_id }),
        },
    )
    .await?;
    Ok(())
}

/// Disable a user: they can no longer log in (the row and its history stay).
pub async fn disable(tx: &mut Tx, ctx: &WriteCtx, user_id: i64) -> Result<()> {
    set_disabled(tx, ctx, user_id, true).await
}

/// Enable a disabled user again.
pub async fn enable(tx: &mut Tx, ctx: &WriteCtx, user_id: i64) -> Result<()> {
    set_disabled(tx, ctx, user_id, false).await
}

/// The user with this login name, with the password hash: **logging in and the CLI only** (no
/// scope exists before login). The name is matched as [`normalise_username`] writes it.
pub async fn by_username(conn: &mut Conn, name: &str) -> Result<Option<LoginUser>> {
    let name = name.trim().to_ascii_lowercase();
    Ok(fetch_optional!(
        conn.ex(),
        LoginUser,
        "SELECT user_id, pub_id, username, display_name, member_id, disabled, session_epoch, \
         password_hash, totp_secret FROM app_user WHERE username = $1",
        name
    )?)
}

/// The user whose live API token (not revoked, not past its last day `today`) has this hash:
/// **API authentication only**.
pub async fn by_api_token_hash(
    conn: &mut Conn,
    token_hash: &str,
    today: jiff::civil::Date,
) -> Result<Option<User>> {
    let sql = format!(
        "SELECT {USER_COLS} FROM api_token t JOIN app_user u ON u.user_id = t.user_id \
         WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND t.expires_on >= $2"
    );
    Ok(fetch_optional!(
        conn.ex(),
        User,
        &sql,
        token_hash,
        crate::d(today)
    )?)
}

/// A user by internal key: **the session layer and the CLI only** (after authentication).
pub async fn by_id(conn: &mut Conn, user_id: i64) -> Result<Option<User>> {
    let sql = format!("SELECT {USER_COLS} FROM app_user u WHERE u.user_id = $1");
    Ok(fetch_optional!(conn.ex(), User, &sql, user_id)?)
}

/// A user's row with one of its scope's roles (none: a user without a scope).
#[derive(sqlx::FromRow)]
struct UserRole {
    #[sqlx(flatten)]
    user: User,
    role: Option<String>,
}

/// The user `user_id` with every role it holds, each once, by role code — the order of
/// [`scopes_of`], the first the default a login starts in: what every request's login check
/// reads, in one query (issue 19: one round trip fewer per page on PostgreSQL).
pub async fn with_roles(conn: &mut Conn, user_id: i64) -> Result<Option<(User, Vec<Role>)>> {
    let sql = format!(
        "SELECT {USER_COLS}, us.role FROM app_user u \
         LEFT JOIN user_scope us ON us.user_id = u.user_id \
         WHERE u.user_id = $1 ORDER BY us.role"
    );
    let rows: Vec<UserRole> = fetch_all!(conn.ex(), UserRole, &sql, user_id)?;
    let mut roles: Vec<Role> = Vec::new();
    let mut user = None;
    for row in rows {
        if let Some(code) = &row.role {
            let role = role_of(code)?;
            if !roles.contains(&role) {
                roles.push(role);
            }
        }
        user.get_or_insert(row.user);
    }
    Ok(user.map(|u| (u, roles)))
}

fn role_of(code: &str) -> Result<Role> {
    Role::from_code(code).ok_or_else(|| StoreError::Corrupt(format!("role {code}")))
}

/// Every scope of a user (role, organisation public id, organisation name), by role and name:
/// what the session offers the user to act as.
pub async fn scopes_of(conn: &mut Conn, user_id: i64) -> Result<Vec<(Role, String, String)>> {
    let rows: Vec<(String, String, String)> = fetch_all!(
        conn.ex(),
        (String, String, String),
        "SELECT us.role, o.pub_id, o.name FROM user_scope us JOIN org o ON o.org_id = us.org_id \
         WHERE us.user_id = $1 ORDER BY us.role, o.name, o.org_id",
        user_id
    )?;
    rows.into_iter()
        .map(|(role, pub_id, name)| Ok((role_of(&role)?, pub_id, name)))
        .collect()
}

/// Users holding at least one scope inside the caller's subtrees, by username, `limit` at a time
/// after the username `after` (keyset); each with those of their scopes that lie inside the
/// caller's subtrees. One query. Administrators only.
pub async fn list(
    conn: &mut Conn,
    scope: &Scope,
    after: Option<&str>,
    limit: u32,
) -> Result<Vec<UserWithScopes>> {
    if scope.role != Role::Admin {
        return Err(StoreError::Forbidden("user list"));
    }
    let (all, user, role) = scope.binds();
    // The same three scope placeholders filter both the page and the scopes shown with it. The
    // filter's own subquery uses the aliases `sc` and `us`: the outer query must not.
    let sql = format!(
        "WITH page AS ( \
           SELECT u.user_id FROM app_user u WHERE u.username > $1 AND EXISTS ( \
             SELECT 1 FROM user_scope x WHERE x.user_id = u.user_id AND {} ) \
           ORDER BY u.username LIMIT $5) \
         SELECT u.user_id, u.pub_id, u.username, u.display_name, u.member_id, u.disabled, \
                u.session_epoch, g.role, o.pub_id, o.name \
         FROM page JOIN app_user u ON u.user_id = page.user_id \
         JOIN user_scope g ON g.user_id = u.user_id JOIN org o ON o.org_id = g.org_id \
         WHERE {} \
         ORDER BY u.username, g.role, o.name, o.org_id",
        scope.org_filter("x.org_id", 2),
        scope.org_filter("g.org_id", 2)
    );
    type Row = (
        i64,
        String,
        String,
        String,
        Option<i64>,
        bool,
        i64,
        String,
        String,
        String,
    );
    let rows: Vec<Row> = fetch_all!(
        conn.ex(),
        Row,
        &sql,
        after.unwrap_or(""),
        all,
        user,
        role,
        i64::from(limit)
    )?;
    let mut out: Vec<UserWithScopes> = Vec::new();
    for (
        user_id,
        pub_id,
        username,
        display_name,
        member_id,
        disabled,
        session_epoch,
        role,
        org_pub,
        org_name,
    ) in rows
    {
        let s = UserScope {
            role: role_of(&role)?,
            org_pub_id: org_pub,
            org_name,
        };
        match out.last_mut() {
            Some(last) if last.user.user_id == user_id => last.scopes.push(s),
            _ => out.push(UserWithScopes {
                user: User {
                    user_id,
                    pub_id,
                    username,
                    display_name,
                    member_id,
                    disabled,
                    session_epoch,
                },
                scopes: vec![s],
            }),
        }
    }
    Ok(out)
}

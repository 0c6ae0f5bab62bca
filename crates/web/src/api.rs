//! The JSON API under `/api/v1`: the same operations, scopes and rules as the pages, for
//! integrations. Authentication by bearer token (`Authorization: Bearer …`; `ketnap user token`
//! issues one; only its SHA-256 is stored). The role acted in is the user's first, or the one named
//! by the `X-Ketnap-Role` header. Errors are JSON: `{ "error", "message_vi", "violations"? }`.

use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use ketnap_domain::lifecycle::{Action, Command, Stage};
use ketnap_store::candidacies::{self, ListFilter};
use ketnap_store::{Role, Scope, StoreError, orgs, users};
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::error::AppError;

/// The SHA-256 (hex) under which a token is stored.
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.trim().as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A new random API token (shown once).
pub fn new_token() -> String {
    format!(
        "knp_{:016x}{:016x}{:016x}",
        rand::random::<u64>(),
        rand::random::<u64>(),
        rand::random::<u64>()
    )
}

/// An error of the API, as JSON.
pub struct ApiError(AppError);

impl<E: Into<AppError>> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = match &self.0 {
            AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
            e => e.status(),
        };
        let (_, message_vi) = self.0.message_vi();
        let code = match &self.0 {
            AppError::Unauthenticated => "unauthenticated",
            AppError::NotFound | AppError::Store(StoreError::NotFound(_)) => "not_found",
            AppError::Store(StoreError::Conflict { .. }) => "conflict",
            AppError::Store(StoreError::Refused(_)) => "refused",
            AppError::Store(StoreError::Invalid { .. }) | AppError::BadRequest(_) => "invalid",
            AppError::Forbidden | AppError::Store(StoreError::Forbidden(_)) => "forbidden",
            _ => "internal",
        };
        let mut body = json!({ "error": code, "message_vi": message_vi });
        if let AppError::Store(StoreError::Refused(v)) = &self.0 {
            body["violations"] = json!(v);
        }
        if status.is_server_error() {
            tracing::error!(error = %self.0, "api request failed");
        }
        (status, Json(body)).into_response()
    }
}

/// A caller authenticated by token.
pub struct ApiAuth {
    /// The user.
    pub user: users::User,
    /// The role acted in.
    pub role: Role,
    /// What the caller may reach.
    pub scope: Scope,
}

impl FromRequestParts<AppState> for ApiAuth {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|h| h.to_str().ok())
            .and_then(|h| h.strip_prefix("Bearer "))
            .ok_or(AppError::Unauthenticated)?;
        let mut conn = state.store.read().await?;
        let user = users::by_api_token_hash(&mut conn, &token_hash(token))
            .await?
            .ok_or(AppError::Unauthenticated)?;
        if user.disabled {
            return Err(AppError::Unauthenticated.into());
        }
        let roles: Vec<Role> = users::scopes_of(&mut conn, user.user_id)
            .await?
            .into_iter()
            .map(|(r, _, _)| r)
            .collect();
        let wanted = parts
            .headers
            .get("x-ketnap-role")
            .and_then(|h| h.to_str().ok())
            .and_then(Role::from_code);
        let role = match wanted {
            Some(r) if roles.contains(&r) => r,
            Some(_) => return Err(AppError::Forbidden.into()),
            None => *roles.first().ok_or(AppError::Forbidden)?,
        };
        let scope = Scope::user(user.user_id, role, user.member_id);
        Ok(ApiAuth { user, role, scope })
    }
}

async fn roots(State(state): State<AppState>, auth: ApiAuth) -> Result<Json<Value>, ApiError> {
    let mut conn = state.store.read().await?;
    let roots = orgs::scope_roots(&mut conn, &auth.scope).await?;
    Ok(Json(json!({ "items": roots })))
}

async fn org(
    State(state): State<AppState>,
    auth: ApiAuth,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let mut conn = state.store.read().await?;
    let org = orgs::get(&mut conn, &auth.scope, &id).await?;
    let children = orgs::children(&mut conn, &auth.scope, org.org_id).await?;
    Ok(Json(json!({ "org": org, "children": children })))
}

/// Query of `GET /api/v1/candidates`.
#[derive(Deserialize)]
struct ListQuery {
    org: Option<String>,
    stage: Option<String>,
    q: Option<String>,
    limit: Option<i64>,
}

async fn list(
    State(state): State<AppState>,
    auth: ApiAuth,
    Query(query): Query<ListQuery>,
) -> Result<Json<Value>, ApiError> {
    let mut conn = state.store.read().await?;
    let org = match &query.org {
        Some(pub_id) => Some(orgs::get(&mut conn, &auth.scope, pub_id).await?.org_id),
        None => None,
    };
    let stage = match &query.stage {
        Some(code) => Some(
            Stage::ALL
                .into_iter()
                .find(|s| ketnap_store::counters::stage_code(*s) == code)
                .ok_or_else(|| AppError::BadRequest(format!("Không có giai đoạn “{code}”.")))?,
        ),
        None => None,
    };
    let filter = ListFilter {
        org,
        stage,
        query: query.q.clone(),
        ..ListFilter::default()
    };
    let page = candidacies::list(
        &mut conn,
        &auth.scope,
        &filter,
        None,
        query.limit.unwrap_or(50),
    )
    .await?;
    Ok(Json(
        json!({ "items": page.items, "more": page.next.is_some() }),
    ))
}

async fn candidate(
    State(state): State<AppState>,
    auth: ApiAuth,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let mut conn = state.store.read().await?;
    let view = candidacies::get(&mut conn, &auth.scope, &id).await?;
    let history = candidacies::history(&mut conn, &auth.scope, &id).await?;
    Ok(Json(json!({ "candidacy": view, "history": history })))
}

/// Body of `POST /api/v1/candidates/{id}/steps`.
#[derive(Deserialize)]
struct StepBody {
    /// The version read (optimistic check).
    version: i64,
    /// Date of the act, YYYY-MM-DD.
    on: jiff::civil::Date,
    /// The step (`{"type": "cell_vote", …}`).
    action: Action,
}

async fn step(
    State(state): State<AppState>,
    auth: ApiAuth,
    Path(id): Path<String>,
    Json(body): Json<StepBody>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let ctx = state.write_ctx(Some(auth.user.user_id));
    let mut tx = state.store.begin().await?;
    let event = candidacies::execute(
        &mut tx,
        &ctx,
        &state.book,
        &auth.scope,
        &id,
        body.version,
        Command {
            on: body.on,
            action: body.action,
        },
    )
    .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(json!({ "event": event }))))
}

async fn alerts(State(state): State<AppState>, auth: ApiAuth) -> Result<Json<Value>, ApiError> {
    if !auth.role.sees_individuals() {
        return Err(AppError::Forbidden.into());
    }
    let mut conn = state.store.read().await?;
    let items = candidacies::alerts_in_scope(
        &mut conn,
        &auth.scope,
        &state.book,
        state.clock.today(),
        500,
    )
    .await?;
    let items: Vec<Value> = items
        .into_iter()
        .map(|a| {
            json!({
                "candidacy": a.candidacy_pub_id,
                "cell": a.cell_pub_id,
                "stage": ketnap_store::counters::stage_code(a.stage),
                "alert": a.alert,
            })
        })
        .collect();
    Ok(Json(json!({ "items": items })))
}

async fn openapi() -> Json<Value> {
    Json(openapi_document())
}

/// The OpenAPI 3.1 description of `/api/v1`.
pub fn openapi_document() -> Value {
    let err = json!({ "$ref": "#/components/schemas/Error" });
    let id = json!({ "name": "id", "in": "path", "required": true, "schema": { "type": "string", "pattern": "^[0-9a-hjkmnp-tv-z]{13}$" } });
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "ketnap API",
            "version": "1",
            "description": "Công tác phát triển đảng viên: the same operations, scopes and rules as the web pages. Authenticate with a bearer token from `ketnap user token`; choose a role with `X-Ketnap-Role`."
        },
        "servers": [{ "url": "/api/v1" }],
        "security": [{ "bearer": [] }],
        "components": {
            "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer" } },
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error", "message_vi"],
                    "properties": {
                        "error": { "type": "string", "enum": ["unauthenticated", "not_found", "conflict", "refused", "invalid", "forbidden", "internal"] },
                        "message_vi": { "type": "string" },
                        "violations": { "type": "array", "items": { "$ref": "#/components/schemas/Violation" } }
                    }
                },
                "Violation": {
                    "type": "object",
                    "required": ["rule_id", "citation", "message_vi"],
                    "properties": { "rule_id": { "type": "string" }, "citation": { "type": "string" }, "message_vi": { "type": "string" } }
                },
                "Step": {
                    "type": "object",
                    "required": ["version", "on", "action"],
                    "properties": {
                        "version": { "type": "integer", "description": "the candidacy's version as read; a stale one gets 409" },
                        "on": { "type": "string", "format": "date" },
                        "action": { "type": "object", "required": ["type"], "properties": { "type": { "type": "string", "description": "snake_case step: open, list_as_sympathizer, enrol_in_course, record_certificate, submit_application, declare_background, add_introducer, record_union_introduction, record_comments, stamp_background, send_verification, answer_verification, certify_background, cell_vote, partial_appraisal, grassroots_vote, return_dossier, extend_deadline, admission_decision, hold_ceremony, declare_member_background, complete_new_member_course, submit_self_review, recognition_cell_vote, recognition_grassroots_vote, recognition_decision, superior_ruling, remove, withdraw, reject, transfer_out, transfer_in, record_death, annul" } }, "additionalProperties": true }
                    }
                }
            }
        },
        "paths": {
            "/orgs": { "get": { "summary": "Organisations at the roots of the caller's scope", "responses": { "200": { "description": "items" }, "401": { "description": "no token", "content": { "application/json": { "schema": err } } } } } },
            "/orgs/{id}": { "get": { "summary": "An organisation and its open children", "parameters": [id], "responses": { "200": { "description": "org" }, "404": { "description": "not in scope", "content": { "application/json": { "schema": err } } } } } },
            "/candidates": { "get": {
                "summary": "Candidacies in scope, Vietnamese name order",
                "parameters": [
                    { "name": "org", "in": "query", "schema": { "type": "string" } },
                    { "name": "stage", "in": "query", "schema": { "type": "string" } },
                    { "name": "q", "in": "query", "description": "name, with or without diacritics", "schema": { "type": "string" } },
                    { "name": "limit", "in": "query", "schema": { "type": "integer", "minimum": 1, "maximum": 500 } }
                ],
                "responses": { "200": { "description": "items" }, "403": { "description": "aggregate-only role", "content": { "application/json": { "schema": err } } } }
            } },
            "/candidates/{id}": { "get": { "summary": "A candidacy and its history", "parameters": [id], "responses": { "200": { "description": "candidacy" }, "404": { "description": "not in scope", "content": { "application/json": { "schema": err } } } } } },
            "/candidates/{id}/steps": { "post": {
                "summary": "Record a lifecycle step (judged by the rules in force on its date)",
                "parameters": [id],
                "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Step" } } } },
                "responses": {
                    "201": { "description": "the recorded event" },
                    "409": { "description": "version conflict", "content": { "application/json": { "schema": err } } },
                    "422": { "description": "refused: every violated rule", "content": { "application/json": { "schema": err } } }
                }
            } },
            "/alerts": { "get": { "summary": "Due, overdue and expiring items in scope", "responses": { "200": { "description": "items" } } } }
        }
    })
}

/// The API routes (mounted at `/api/v1`).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/openapi.json", get(openapi))
        .route("/api/v1/orgs", get(roots))
        .route("/api/v1/orgs/{id}", get(org))
        .route("/api/v1/candidates", get(list))
        .route("/api/v1/candidates/{id}", get(candidate))
        .route("/api/v1/candidates/{id}/steps", post(step))
        .route("/api/v1/alerts", get(alerts))
}

//! The JSON API under `/api/v1`: the same operations, scopes and rules as the pages, for
//! integrations. Authentication by bearer token (`Authorization: Bearer …`; `ketnap user token`
//! issues one; only its SHA-256 is stored). The role acted in is the user's first, or the one named
//! by the `X-Ketnap-Role` header.
//!
//! Every answer is JSON. Refusals are `{ "error", "message_vi", "violations": [] }`: 401 without
//! a valid token, 403 when the role may not do this (the same role checks as the pages), 404 for
//! anything outside the caller's scope (never data), 409 for a stale version, 422 for bad input
//! (`invalid`, one violation `input.<field>` per field) or a rule refusal (`refused`, every rule
//! broken). Dates are ISO `yyyy-mm-dd`, instants RFC 3339; ids are the opaque public ids, never
//! internal keys. Handlers call the same store functions as the pages; there is no SQL here.
//! [`route_list`] is the router's table and [`openapi_document`] describes every entry of it.
//! The importer (`/import/{kind}`) takes its file as the raw body; its templates are XLSX.

use std::borrow::Cow;

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Path, Request, State};
use axum::handler::Handler;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodFilter, MethodRouter, on};
use axum::{Json, Router};
use jiff::civil::Date;
use ketnap_domain::Violation;
use ketnap_domain::dates::format_vn;
use ketnap_domain::lifecycle::{Action, Command, Stage};
use ketnap_domain::org::OrgKind;
use ketnap_domain::person::{Person, PersonForm};
use ketnap_store::candidacies::{self, CandidateExtras, ListFilter};
use ketnap_store::members::{self, MemberStatus, NewMember, RosterFilter};
use ketnap_store::orgs::{self, NewOrg, OrgEdit};
use ketnap_store::{Conn, PubId, Role, Scope, StoreError, audit, people, users};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::error::AppError;
use crate::pages::audit::{action_label, start_of};
use crate::pages::members::may_change_roster;
use crate::pages::orgs::{find_in_scope, may_edit_tree};

mod import;

/// Rows per page when the caller names no `limit` (at most 500, as every store list).
const DEFAULT_LIMIT: i64 = 50;

/// The SHA-256 (hex) under which a token is stored.
pub fn token_hash(token: &str) -> String {
    ketnap_store::ids::hex(&Sha256::digest(token.trim().as_bytes()))
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

// ---------------------------------------------------------------------------------------------
// Errors and extractors
// ---------------------------------------------------------------------------------------------

/// An error of the API, as JSON `{ error, message_vi, violations }`.
pub struct ApiError {
    error: AppError,
    /// Field errors of bad input (a rule refusal carries its violations in `error`).
    violations: Vec<Violation>,
}

impl<E: Into<AppError>> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError {
            error: e.into(),
            violations: Vec::new(),
        }
    }
}

impl ApiError {
    /// Bad input, one violation per field: 422 `invalid`.
    fn invalid(violations: Vec<Violation>) -> ApiError {
        let message = violations
            .iter()
            .map(|v| v.message_vi.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        ApiError {
            error: AppError::BadRequest(message),
            violations,
        }
    }
}

/// A field of the request that is wrong (`input.<field>`), as a violation.
fn field_error(field: &str, message_vi: impl Into<String>) -> Violation {
    Violation {
        rule_id: Cow::Owned(format!("input.{field}")),
        citation: "Kiểm tra dữ liệu của ketnap".to_string(),
        message_vi: message_vi.into(),
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = match &self.error {
            AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
            e => e.status(),
        };
        let (_, message_vi) = self.error.message_vi();
        let code = match &self.error {
            AppError::Unauthenticated => "unauthenticated",
            AppError::NotFound | AppError::Store(StoreError::NotFound(_)) => "not_found",
            AppError::Store(StoreError::Conflict { .. }) => "conflict",
            AppError::Store(StoreError::Refused(_)) => "refused",
            AppError::Store(StoreError::Invalid { .. }) | AppError::BadRequest(_) => "invalid",
            AppError::Forbidden | AppError::Store(StoreError::Forbidden(_)) => "forbidden",
            AppError::TooLarge => "too_large",
            _ => "internal",
        };
        let violations = match self.error {
            AppError::Store(StoreError::Refused(ref v)) => v.clone(),
            _ => self.violations,
        };
        if status.is_server_error() {
            tracing::error!(error = %self.error, "api request failed");
        }
        let body = json!({ "error": code, "message_vi": message_vi, "violations": violations });
        (status, Json(body)).into_response()
    }
}

/// A JSON body whose rejection (malformed JSON, a missing or mistyped field, a date not in
/// `yyyy-mm-dd`) is answered as an API error (422 `invalid`), not as plain text.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        // Every string of the body against its property's limit first (the pages' table).
        let Json(value) = Json::<Value>::from_request(req, state)
            .await
            .map_err(|e| bad_body(&e))?;
        let mut strings = Vec::new();
        strings_of("", &value, &mut strings);
        if let Some(message) = crate::extract::too_long(strings) {
            return Err(AppError::BadRequest(message).into());
        }
        serde_json::from_value::<T>(value)
            .map(ApiJson)
            .map_err(|e| {
                let detail = e.to_string();
                tracing::info!(error = %detail, "api body refused");
                AppError::BadRequest(format!(
                    "{} Ngày viết theo dạng yyyy-mm-dd.",
                    crate::extract::refusal_vi("Dữ liệu JSON gửi lên", &detail)
                ))
                .into()
            })
    }
}

/// Every string of a JSON value with the name of the property holding it.
fn strings_of<'a>(name: &'a str, v: &'a Value, out: &mut Vec<(&'a str, &'a str)>) {
    match v {
        Value::String(s) => out.push((name, s)),
        Value::Array(items) => items.iter().for_each(|i| strings_of(name, i, out)),
        Value::Object(map) => map.iter().for_each(|(k, i)| strings_of(k, i, out)),
        _ => {}
    }
}

fn bad_body(e: &JsonRejection) -> ApiError {
    let detail = e.body_text();
    tracing::info!(error = %detail, "api body refused");
    let message = match e {
        JsonRejection::MissingJsonContentType(_) => {
            "Cần gửi JSON (Content-Type: application/json). Không có gì được lưu.".to_string()
        }
        JsonRejection::JsonSyntaxError(_) => {
            "Dữ liệu JSON gửi lên sai cú pháp. Không có gì được lưu.".to_string()
        }
        _ => format!(
            "{} Ngày viết theo dạng yyyy-mm-dd.",
            crate::extract::refusal_vi("Dữ liệu JSON gửi lên", &detail)
        ),
    };
    AppError::BadRequest(message).into()
}

/// A query string whose rejection is answered as an API error (422 `invalid`).
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or("");
        let pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect();
        if let Some(message) =
            crate::extract::too_long(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        {
            return Err(AppError::BadRequest(message).into());
        }
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(ApiQuery(v)),
            Err(e) => Err(bad_query(&e)),
        }
    }
}

fn bad_query(e: &QueryRejection) -> ApiError {
    let detail = e.body_text();
    tracing::info!(error = %detail, "api query refused");
    AppError::BadRequest(format!(
        "{} Ngày viết theo dạng yyyy-mm-dd.",
        crate::extract::refusal_vi("Tham số truy vấn", &detail)
    ))
    .into()
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
        let user = users::by_api_token_hash(&mut conn, &token_hash(token), state.clock.today())
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
        // A role header that names no role is refused, not ignored.
        let wanted = match parts.headers.get("x-ketnap-role") {
            None => None,
            Some(h) => Some(h.to_str().ok().and_then(Role::from_code).ok_or_else(|| {
                AppError::BadRequest(
                    "X-Ketnap-Role không phải một vai trò (admin, org_staff, committee_member, cell_secretary, mentor, political_centre, mass_org, viewer).".into(),
                )
            })?),
        };
        let role = match wanted {
            Some(r) if roles.contains(&r) => r,
            Some(_) => return Err(AppError::Forbidden.into()),
            None => *roles.first().ok_or(AppError::Forbidden)?,
        };
        let scope = Scope::user(user.user_id, role, user.member_id);
        Ok(ApiAuth { user, role, scope })
    }
}

impl ApiAuth {
    /// Refuse (403) unless `allowed`: the role checks of the pages.
    fn require(&self, allowed: bool) -> Result<(), ApiError> {
        if allowed {
            Ok(())
        } else {
            Err(AppError::Forbidden.into())
        }
    }
}

type Answer = Result<Json<Value>, ApiError>;
type Created = Result<(StatusCode, Json<Value>), ApiError>;

fn created(body: Value) -> Created {
    Ok((StatusCode::CREATED, Json(body)))
}

// ---------------------------------------------------------------------------------------------
// Organisations
// ---------------------------------------------------------------------------------------------

async fn roots(State(state): State<AppState>, auth: ApiAuth) -> Answer {
    let mut conn = state.store.read().await?;
    let roots = orgs::scope_roots(&mut conn, &auth.scope).await?;
    Ok(Json(json!({ "items": roots })))
}

async fn org(State(state): State<AppState>, auth: ApiAuth, Path(id): Path<String>) -> Answer {
    let mut conn = state.store.read().await?;
    let org = orgs::get(&mut conn, &auth.scope, &id).await?;
    let children = orgs::children(&mut conn, &auth.scope, org.org_id).await?;
    Ok(Json(json!({ "org": org, "children": children })))
}

/// Body of `POST /api/v1/orgs` (the page's "add a child" form).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewOrgBody {
    /// The parent's public id (in the scope, else 404).
    parent: String,
    code: String,
    name: String,
    /// An `OrgKind` code (`cell:residential`, `grassroots:commune`, `partial`…).
    kind: String,
}

async fn create_org(
    State(state): State<AppState>,
    auth: ApiAuth,
    ApiJson(body): ApiJson<NewOrgBody>,
) -> Created {
    auth.require(may_edit_tree(auth.role))?;
    let parent = orgs::get(
        &mut state.store.read().await?,
        &auth.scope,
        body.parent.trim(),
    )
    .await?;
    let mut wrong = Vec::new();
    let kind = OrgKind::from_code(body.kind.trim());
    if kind.is_none() {
        wrong.push(field_error("kind", "Loại tổ chức không hợp lệ."));
    }
    if body.code.trim().is_empty() {
        wrong.push(field_error("code", "Cần nhập mã tổ chức."));
    }
    if body.name.trim().is_empty() {
        wrong.push(field_error("name", "Cần nhập tên tổ chức."));
    }
    let Some(kind) = kind.filter(|_| wrong.is_empty()) else {
        return Err(ApiError::invalid(wrong));
    };
    let new = NewOrg::new(
        body.code.trim(),
        body.name.trim(),
        kind,
        Some(parent.org_id),
    );
    let mut tx = state.store.begin().await?;
    let org_id = orgs::create(&mut tx, &state.write_ctx(Some(auth.user.user_id)), &new).await?;
    tx.commit().await?;
    let org = orgs::get_by_id(&mut state.store.read().await?, org_id).await?;
    created(json!({ "org": org, "parent": parent.pub_id }))
}

/// Body of `PATCH /api/v1/orgs/{id}`: what is absent stays as it is.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OrgPatch {
    name: Option<String>,
    has_cell_committee: Option<bool>,
    youth_union_exists: Option<bool>,
    trade_union_instead: Option<bool>,
}

async fn edit_org(
    State(state): State<AppState>,
    auth: ApiAuth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<OrgPatch>,
) -> Answer {
    auth.require(may_edit_tree(auth.role))?;
    let org = orgs::get(&mut state.store.read().await?, &auth.scope, &id).await?;
    let change = OrgEdit {
        name: body.name.unwrap_or_else(|| org.name.clone()),
        has_cell_committee: body.has_cell_committee.unwrap_or(org.has_cell_committee),
        youth_union_exists: body.youth_union_exists.unwrap_or(org.youth_union_exists),
        trade_union_instead: body.trade_union_instead.unwrap_or(org.trade_union_instead),
    };
    let mut tx = state.store.begin().await?;
    orgs::update(
        &mut tx,
        &state.write_ctx(Some(auth.user.user_id)),
        org.org_id,
        &change,
    )
    .await?;
    tx.commit().await?;
    let org = orgs::get(&mut state.store.read().await?, &auth.scope, &id).await?;
    Ok(Json(json!({ "org": org })))
}

/// Body of `POST /api/v1/orgs/{id}/move`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OrgMoveBody {
    /// The new parent: public id or code, in the scope (else 422, as the page).
    new_parent: String,
    on: Date,
    #[serde(default)]
    reason: String,
}

async fn move_org(
    State(state): State<AppState>,
    auth: ApiAuth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<OrgMoveBody>,
) -> Answer {
    auth.require(may_edit_tree(auth.role))?;
    let mut conn = state.store.read().await?;
    let org = orgs::get(&mut conn, &auth.scope, &id).await?;
    let parent = find_in_scope(&mut conn, &auth.scope, &body.new_parent)
        .await
        .map_err(|e| match e {
            AppError::BadRequest(m) => ApiError::invalid(vec![field_error("new_parent", m)]),
            e => e.into(),
        })?;
    drop(conn);
    let mut tx = state.store.begin().await?;
    orgs::move_subtree(
        &mut tx,
        &state.write_ctx(Some(auth.user.user_id)),
        org.org_id,
        parent.org_id,
        body.on,
        body.reason.trim(),
    )
    .await?;
    tx.commit().await?;
    let org = orgs::get(&mut state.store.read().await?, &auth.scope, &id).await?;
    Ok(Json(json!({ "org": org, "parent": parent.pub_id })))
}

/// Query of `GET /api/v1/orgs/{id}/members`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RosterParams {
    /// `active` (default), `all`, or a member status code.
    status: Option<String>,
    /// The previous page's `next` (a member's public id).
    after: Option<String>,
    limit: Option<i64>,
}

fn roster_filter(status: Option<&str>) -> Result<RosterFilter, ApiError> {
    match status.map(str::trim) {
        None | Some("" | "active") => Ok(RosterFilter::Active),
        Some("all") => Ok(RosterFilter::All),
        Some(code) => MemberStatus::from_code(code)
            .map(RosterFilter::Only)
            .ok_or_else(|| {
                ApiError::invalid(vec![field_error(
                    "status",
                    format!("Không có trạng thái đảng viên “{code}”."),
                )])
            }),
    }
}

async fn roster(
    State(state): State<AppState>,
    auth: ApiAuth,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<RosterParams>,
) -> Answer {
    let filter = roster_filter(q.status.as_deref())?;
    let mut conn = state.store.read().await?;
    let org = orgs::get(&mut conn, &auth.scope, &id).await?;
    let counts = members::counts(&mut conn, &auth.scope, org.org_id).await?;
    let individuals = auth.role.sees_individuals();
    if !org.kind()?.is_cell() {
        // As the page: a committee's roster is its counts and the children to open.
        let children = orgs::children(&mut conn, &auth.scope, org.org_id).await?;
        return Ok(Json(json!({
            "org": org, "counts": counts, "individuals": individuals,
            "items": [], "next": null, "children": children,
        })));
    }
    // The cursor is the last member's public id; its sort key is read back in the scope.
    let after = match q.after.as_deref().map(str::trim).filter(|a| !a.is_empty()) {
        Some(pub_id) => match members::get(&mut conn, &auth.scope, pub_id).await {
            Ok((m, _)) => Some((m.name_key, m.member_id)),
            Err(StoreError::NotFound(_)) => {
                return Err(ApiError::invalid(vec![field_error(
                    "after",
                    "Con trỏ trang không hợp lệ; hãy đọc lại từ trang đầu.",
                )]));
            }
            Err(e) => return Err(e.into()),
        },
        None => None,
    };
    let page = members::list_by_cell(
        &mut conn,
        &auth.scope,
        org.org_id,
        filter,
        after,
        q.limit.unwrap_or(DEFAULT_LIMIT),
    )
    .await?;
    let next = page.next.and(page.items.last().map(|m| m.pub_id.clone()));
    let cell = json!({ "pub_id": org.pub_id, "name": org.name });
    let items: Vec<Value> = page
        .items
        .into_iter()
        .map(|m| member_json(&m, &cell))
        .collect();
    Ok(Json(json!({
        "org": org, "counts": counts, "individuals": individuals,
        "items": items, "next": next, "children": [],
    })))
}

// ---------------------------------------------------------------------------------------------
// Members
// ---------------------------------------------------------------------------------------------

fn member_json(m: &members::RosterEntry, cell: &Value) -> Value {
    let mut v = json!(m);
    v["cell"] = cell.clone();
    v
}

/// A member in the scope with their cell, as the API shows them.
async fn member_view(conn: &mut Conn, scope: &Scope, pub_id: &str) -> Result<Value, ApiError> {
    let (m, cell_id) = members::get(conn, scope, pub_id).await?;
    let cell = orgs::get_by_id(conn, cell_id).await?;
    Ok(member_json(
        &m,
        &json!({ "pub_id": cell.pub_id, "name": cell.name }),
    ))
}

/// The person fields of a request, as the forms have them (dates ISO).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PersonBody {
    #[serde(default)]
    full_name: String,
    birth_date: Date,
    /// `male` / `female` (or the label).
    #[serde(default)]
    gender: String,
    #[serde(default)]
    ethnicity: String,
    #[serde(default)]
    religion: String,
    /// `12/12`, `9/12`…
    #[serde(default)]
    education: String,
    #[serde(default)]
    qualification: String,
    #[serde(default)]
    theory_level: String,
    #[serde(default)]
    source_category: String,
    #[serde(default)]
    id_number: String,
    #[serde(default)]
    youth_union_member: bool,
    #[serde(default)]
    trade_union_member: bool,
}

impl PersonBody {
    /// The person, parsed by the domain as the forms are; every field error at once.
    fn parse(&self, today: Date, wrong: &mut Vec<Violation>) -> Option<Person> {
        let form = PersonForm {
            full_name: self.full_name.clone(),
            birth_date: format_vn(self.birth_date),
            gender: self.gender.clone(),
            ethnicity: self.ethnicity.clone(),
            religion: self.religion.clone(),
            education: self.education.clone(),
            qualification: self.qualification.clone(),
            theory_level: self.theory_level.clone(),
            source_category: self.source_category.clone(),
            id_number: self.id_number.clone(),
            youth_union_member: self.youth_union_member,
            trade_union_member: self.trade_union_member,
            residential_unit: String::new(),
        };
        match form.parse(today) {
            Ok(p) => Some(p),
            Err(es) => {
                wrong.extend(
                    es.into_iter()
                        .map(|e| field_error(&format!("person.{}", e.field()), e.message_vi())),
                );
                None
            }
        }
    }
}

/// Body of `POST /api/v1/members` (the page's "add an existing member" form).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewMemberBody {
    /// The cell's public id (in the scope, else 404).
    cell: String,
    person: PersonBody,
    admitted_on: Date,
    official_on: Date,
}

async fn create_member(
    State(state): State<AppState>,
    auth: ApiAuth,
    ApiJson(body): ApiJson<NewMemberBody>,
) -> Created {
    auth.require(may_change_roster(auth.role))?;
    let cell = orgs::get(
        &mut state.store.read().await?,
        &auth.scope,
        body.cell.trim(),
    )
    .await?;
    let mut wrong = Vec::new();
    let person = body.person.parse(state.clock.today(), &mut wrong);
    let Some(person) = person.filter(|_| wrong.is_empty()) else {
        return Err(ApiError::invalid(wrong));
    };
    let pub_id = PubId::generate();
    let mut tx = state.store.begin().await?;
    let ctx = state.write_ctx(Some(auth.user.user_id));
    let person_id = people::insert_scoped(&mut tx, &ctx, &auth.scope, &person, None).await?;
    let new = NewMember {
        person_id,
        cell_id: cell.org_id,
        status: MemberStatus::Official,
        admitted_on: Some(body.admitted_on),
        official_on: Some(body.official_on),
        party_age_from: Some(body.admitted_on),
        candidacy_id: None,
        pub_id: Some(pub_id.clone()),
    };
    members::insert(&mut tx, &ctx, new).await?;
    tx.commit().await?;
    let member = member_view(&mut state.store.read().await?, &auth.scope, pub_id.as_str()).await?;
    created(json!({ "member": member }))
}

/// Body of `POST /api/v1/members/{id}/transfer`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TransferBody {
    /// The new cell: public id or code, in the scope (else 422, as the page).
    cell: String,
    on: Date,
}

async fn transfer_member(
    State(state): State<AppState>,
    auth: ApiAuth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<TransferBody>,
) -> Answer {
    auth.require(may_change_roster(auth.role))?;
    let mut conn = state.store.read().await?;
    let (member, _) = members::get(&mut conn, &auth.scope, &id).await?;
    let target = find_in_scope(&mut conn, &auth.scope, &body.cell)
        .await
        .map_err(|e| match e {
            AppError::BadRequest(m) => ApiError::invalid(vec![field_error("cell", m)]),
            e => e.into(),
        })?;
    drop(conn);
    let mut tx = state.store.begin().await?;
    members::move_to_cell(
        &mut tx,
        &state.write_ctx(Some(auth.user.user_id)),
        member.member_id,
        target.org_id,
        body.on,
    )
    .await?;
    tx.commit().await?;
    let member = member_view(&mut state.store.read().await?, &auth.scope, &id).await?;
    Ok(Json(json!({ "member": member })))
}

/// Body of `POST /api/v1/members/{id}/end`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EndBody {
    /// `deceased` or `removed`.
    status: String,
    on: Date,
}

async fn end_member(
    State(state): State<AppState>,
    auth: ApiAuth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<EndBody>,
) -> Answer {
    auth.require(may_change_roster(auth.role))?;
    let (member, _) = members::get(&mut state.store.read().await?, &auth.scope, &id).await?;
    let status = match body.status.trim() {
        "deceased" => MemberStatus::Deceased,
        "removed" => MemberStatus::Removed,
        _ => {
            return Err(ApiError::invalid(vec![field_error(
                "status",
                "Trạng thái không hợp lệ: chọn “deceased” (từ trần) hoặc “removed” (ra khỏi Đảng).",
            )]));
        }
    };
    let mut tx = state.store.begin().await?;
    members::set_status(
        &mut tx,
        &state.write_ctx(Some(auth.user.user_id)),
        member.member_id,
        status,
        body.on,
    )
    .await?;
    tx.commit().await?;
    let member = member_view(&mut state.store.read().await?, &auth.scope, &id).await?;
    Ok(Json(json!({ "member": member })))
}

// ---------------------------------------------------------------------------------------------
// Candidates
// ---------------------------------------------------------------------------------------------

/// Query of `GET /api/v1/candidates`.
#[derive(Deserialize)]
struct ListQuery {
    org: Option<String>,
    stage: Option<String>,
    q: Option<String>,
    limit: Option<i64>,
    /// The `next` of the previous page (an opaque cursor).
    after: Option<String>,
}

async fn list(
    State(state): State<AppState>,
    auth: ApiAuth,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Answer {
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
    let after = match query.after.as_deref().map(str::trim).filter(|a| !a.is_empty()) {
        Some(a) => Some(
            crate::pages::candidates::decode_cursor(&state.cursors, a).ok_or_else(|| {
                AppError::BadRequest(
                    "Con trỏ trang («after») không hợp lệ hoặc đã hết hạn; hãy đọc lại từ trang đầu."
                        .into(),
                )
            })?,
        ),
        None => None,
    };
    let page = candidacies::list(
        &mut conn,
        &auth.scope,
        &filter,
        after,
        query.limit.unwrap_or(DEFAULT_LIMIT),
    )
    .await?;
    let next = page
        .next
        .as_ref()
        .map(|c| crate::pages::candidates::encode_cursor(&state.cursors, c));
    Ok(Json(
        json!({ "items": page.items, "more": next.is_some(), "next": next }),
    ))
}

/// Body of `POST /api/v1/candidates` (the page's "new candidate" form).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewCandidateBody {
    /// The cell's public id, in the scope.
    cell: String,
    /// Listed as a source on.
    listed_on: Date,
    person: PersonBody,
    /// The proposing mass organisation's public id (a mass organisation's users must name one).
    #[serde(default)]
    proposed_by: Option<String>,
}

async fn create_candidate(
    State(state): State<AppState>,
    auth: ApiAuth,
    ApiJson(body): ApiJson<NewCandidateBody>,
) -> Created {
    auth.require(auth.role.writes() && auth.role.sees_individuals())?;
    let mut wrong = Vec::new();
    let person = body.person.parse(state.clock.today(), &mut wrong);
    let cell = match orgs::get(
        &mut state.store.read().await?,
        &auth.scope,
        body.cell.trim(),
    )
    .await
    {
        Ok(o) => Some(o),
        Err(StoreError::NotFound(_)) => {
            wrong.push(field_error("cell", "Hãy chọn chi bộ."));
            None
        }
        Err(e) => return Err(e.into()),
    };
    let (Some(person), Some(cell), true) = (person, cell, wrong.is_empty()) else {
        return Err(ApiError::invalid(wrong));
    };
    let mut tx = state.store.begin().await?;
    let ctx = state.write_ctx(Some(auth.user.user_id));
    let person_id = people::insert_scoped(&mut tx, &ctx, &auth.scope, &person, None).await?;
    let (_, pub_id, event) = candidacies::open(
        &mut tx,
        &ctx,
        &state.book,
        &auth.scope,
        person_id,
        cell.org_id,
        &CandidateExtras::default(),
        Command {
            on: body.listed_on,
            action: Action::Open {
                source_category: body.person.source_category.clone(),
                proposed_by: body.proposed_by.clone(),
                readmission: None,
            },
        },
    )
    .await?;
    tx.commit().await?;
    let view =
        candidacies::get(&mut state.store.read().await?, &auth.scope, pub_id.as_str()).await?;
    created(json!({ "candidacy": view, "event": event }))
}

async fn candidate(State(state): State<AppState>, auth: ApiAuth, Path(id): Path<String>) -> Answer {
    let mut conn = state.store.read().await?;
    let view = candidacies::get(&mut conn, &auth.scope, &id).await?;
    // Least privilege (Role::reads): a role that does not follow the file reads who and where.
    if !auth.role.reads(ketnap_store::Field::History) {
        return Ok(Json(json!({ "candidacy": {
            "pub_id": view.pub_id,
            "full_name": view.full_name,
            "cell_pub_id": view.cell_pub_id,
            "cell_name": view.cell_name,
            "stage": view.stage,
        }})));
    }
    let mut shown = serde_json::to_value(&view).map_err(|e| AppError::Internal(e.to_string()))?;
    if !auth.role.reads(ketnap_store::Field::Sensitive)
        && let Some(o) = shown.as_object_mut()
    {
        o.remove("extras");
        o.remove("source_category");
    }
    let history = candidacies::history(&mut conn, &auth.scope, &id).await?;
    // What would refuse the next vote or decision if held today (issue 15, point 2).
    let today = state.clock.today();
    let readiness =
        crate::pages::candidates::readiness_of(&mut conn, &state.book, &auth.scope, &view, today)
            .await?
            .map(|(act, broken)| {
                json!({
                    "on": today,
                    "act": candidacies::action_code(&act),
                    "act_vi": ketnap_domain::lifecycle::action_label_vi(&act),
                    "ready": broken.is_empty(),
                    "problems": broken,
                })
            });
    Ok(Json(
        json!({ "candidacy": shown, "history": history, "readiness": readiness }),
    ))
}

async fn history(State(state): State<AppState>, auth: ApiAuth, Path(id): Path<String>) -> Answer {
    let mut conn = state.store.read().await?;
    let items = candidacies::history(&mut conn, &auth.scope, &id).await?;
    Ok(Json(json!({ "items": items })))
}

/// Body of `POST /api/v1/candidates/{id}/steps`.
#[derive(Deserialize)]
struct StepBody {
    /// The version read (optimistic check).
    version: i64,
    /// Date of the act, YYYY-MM-DD.
    on: Date,
    /// The step (`{"type": "cell_vote", …}`).
    action: Action,
}

async fn step(
    State(state): State<AppState>,
    auth: ApiAuth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<StepBody>,
) -> Created {
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
    created(json!({ "event": event }))
}

async fn mentor_notes(
    State(state): State<AppState>,
    auth: ApiAuth,
    Path(id): Path<String>,
) -> Answer {
    let mut conn = state.store.read().await?;
    // The notes' read answers an unknown candidacy with no rows: ask for the candidacy first,
    // so outside the scope is 404 as everywhere.
    candidacies::get(&mut conn, &auth.scope, &id).await?;
    let items = candidacies::mentor_notes(&mut conn, &auth.scope, &id).await?;
    Ok(Json(json!({ "items": items })))
}

/// Body of `POST /api/v1/candidates/{id}/mentor-notes`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NoteBody {
    year: i16,
    /// 1–12.
    month: i8,
    written_on: Date,
    content: String,
}

async fn add_mentor_note(
    State(state): State<AppState>,
    auth: ApiAuth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<NoteBody>,
) -> Created {
    // As the page: the mentor writes their own notes.
    auth.require(auth.role == Role::Mentor)?;
    let mut tx = state.store.begin().await?;
    let note = candidacies::add_mentor_note(
        &mut tx,
        &state.write_ctx(Some(auth.user.user_id)),
        &state.book,
        &auth.scope,
        &id,
        body.year,
        body.month,
        body.written_on,
        &body.content,
    )
    .await?;
    tx.commit().await?;
    let notes = candidacies::mentor_notes(&mut state.store.read().await?, &auth.scope, &id).await?;
    let note = notes
        .into_iter()
        .find(|n| n.pub_id == note.as_str())
        .ok_or(StoreError::NotFound("mentor note"))?;
    created(json!({ "note": note }))
}

/// Query of `GET /api/v1/alerts`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AlertParams {
    limit: Option<i64>,
    /// The previous page's `next` (an opaque cursor).
    after: Option<String>,
}

/// The most alerts the API pages through (the most urgent first, as the page lists them).
const MAX_API_ALERTS: usize = 5_000;

async fn alerts(
    State(state): State<AppState>,
    auth: ApiAuth,
    ApiQuery(q): ApiQuery<AlertParams>,
) -> Answer {
    if !auth.role.sees_individuals() {
        return Err(AppError::Forbidden.into());
    }
    let limit = usize::try_from(q.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, 500)).unwrap_or(50);
    // The cursor is the position in the queue, sealed: it names no row.
    let from = match q.after.as_deref().map(str::trim).filter(|a| !a.is_empty()) {
        Some(a) => state
            .cursors
            .open(a)
            .and_then(|p| p.strip_prefix("alerts:").and_then(|n| n.parse::<usize>().ok()))
            .ok_or_else(|| {
                AppError::BadRequest(
                    "Con trỏ trang («after») không hợp lệ hoặc đã hết hạn; hãy đọc lại từ trang đầu."
                        .into(),
                )
            })?,
        None => 0,
    };
    let mut conn = state.store.read().await?;
    let all = candidacies::alerts_in_scope(
        &mut conn,
        &auth.scope,
        &state.book,
        state.clock.today(),
        (from + limit + 1).min(MAX_API_ALERTS),
    )
    .await?;
    let more = all.len() > from + limit;
    let items: Vec<Value> = all
        .into_iter()
        .skip(from)
        .take(limit)
        .map(|a| {
            json!({
                "candidacy": a.candidacy_pub_id,
                "cell": a.cell_pub_id,
                "stage": ketnap_store::counters::stage_code(a.stage),
                "alert": a.alert,
            })
        })
        .collect();
    let next = more.then(|| state.cursors.seal(&format!("alerts:{}", from + limit)));
    Ok(Json(json!({ "items": items, "more": more, "next": next })))
}

// ---------------------------------------------------------------------------------------------
// Audit
// ---------------------------------------------------------------------------------------------

/// Query of `GET /api/v1/audit` (the page's filters, dates ISO).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AuditParams {
    /// An action code (`org.move`) or a prefix (`candidacy`).
    action: Option<String>,
    /// From this day (Vietnam time).
    from: Option<Date>,
    /// To this day, inclusive.
    to: Option<Date>,
    /// The previous page's `next` (an opaque cursor).
    before: Option<String>,
    limit: Option<i64>,
}

async fn audit_list(
    State(state): State<AppState>,
    auth: ApiAuth,
    ApiQuery(q): ApiQuery<AuditParams>,
) -> Answer {
    auth.require(matches!(auth.role, Role::Admin | Role::OrgStaff))?;
    let filter = audit::ListFilter {
        action: q
            .action
            .as_deref()
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .map(str::to_string),
        from: q.from.and_then(start_of),
        until: q.to.map(|d| d.tomorrow().unwrap_or(d)).and_then(start_of),
    };
    let before = match q.before.as_deref().map(str::trim).filter(|b| !b.is_empty()) {
        Some(b) => Some(
            state
                .cursors
                .open(b)
                .and_then(|b| b.parse::<i64>().ok())
                .ok_or_else(|| {
                    AppError::BadRequest(
                        "Con trỏ trang («before») không hợp lệ hoặc đã hết hạn; hãy đọc lại từ trang đầu."
                            .into(),
                    )
                })?,
        ),
        None => None,
    };
    let mut conn = state.store.read().await?;
    let page = audit::list(
        &mut conn,
        &auth.scope,
        &filter,
        before,
        q.limit.unwrap_or(DEFAULT_LIMIT),
    )
    .await?;
    let items: Vec<Value> = page
        .items
        .into_iter()
        .map(|r| {
            let org = match (r.org_pub_id, r.org_name) {
                (Some(pub_id), name) => json!({ "pub_id": pub_id, "name": name }),
                _ => Value::Null,
            };
            json!({
                "seq": r.seq,
                "at": r.at.to_jiff(),
                "actor": r.actor_name,
                "action": r.action,
                "action_vi": action_label(&r.action),
                "object_kind": r.object_kind,
                "object_id": r.object_id,
                "org": org,
            })
        })
        .collect();
    let next = page.next.map(|seq| state.cursors.seal(&seq.to_string()));
    Ok(Json(json!({ "items": items, "next": next })))
}

// ---------------------------------------------------------------------------------------------
// Routes and OpenAPI
// ---------------------------------------------------------------------------------------------

/// An HTTP method of the API.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verb {
    /// GET.
    Get,
    /// POST.
    Post,
    /// PATCH.
    Patch,
}

impl Verb {
    /// The method as OpenAPI names it (`get`, `post`, `patch`).
    pub fn openapi(self) -> &'static str {
        match self {
            Verb::Get => "get",
            Verb::Post => "post",
            Verb::Patch => "patch",
        }
    }

    /// The method as HTTP names it.
    pub fn http(self) -> &'static str {
        match self {
            Verb::Get => "GET",
            Verb::Post => "POST",
            Verb::Patch => "PATCH",
        }
    }

    fn filter(self) -> MethodFilter {
        match self {
            Verb::Get => MethodFilter::GET,
            Verb::Post => MethodFilter::POST,
            Verb::Patch => MethodFilter::PATCH,
        }
    }
}

/// One route of the table: the method and the handler are bound together, so the table cannot
/// say GET where the router serves POST.
fn route<H, T>(
    verb: Verb,
    path: &'static str,
    handler: H,
) -> (Verb, &'static str, MethodRouter<AppState>)
where
    H: Handler<T, AppState>,
    T: 'static,
{
    (verb, path, on(verb.filter(), handler))
}

/// The API's table: every route the router serves (paths relative to `/api/v1`).
fn table() -> Vec<(Verb, &'static str, MethodRouter<AppState>)> {
    vec![
        route(Verb::Get, "/openapi.json", openapi),
        route(Verb::Get, "/orgs", roots),
        route(Verb::Post, "/orgs", create_org),
        route(Verb::Get, "/orgs/{id}", org),
        route(Verb::Patch, "/orgs/{id}", edit_org),
        route(Verb::Post, "/orgs/{id}/move", move_org),
        route(Verb::Get, "/orgs/{id}/members", roster),
        route(Verb::Post, "/members", create_member),
        route(Verb::Post, "/members/{id}/transfer", transfer_member),
        route(Verb::Post, "/members/{id}/end", end_member),
        route(Verb::Get, "/candidates", list),
        route(Verb::Post, "/candidates", create_candidate),
        route(Verb::Get, "/candidates/{id}", candidate),
        route(Verb::Get, "/candidates/{id}/history", history),
        route(Verb::Post, "/candidates/{id}/steps", step),
        route(Verb::Get, "/candidates/{id}/mentor-notes", mentor_notes),
        route(Verb::Post, "/candidates/{id}/mentor-notes", add_mentor_note),
        route(Verb::Get, "/alerts", alerts),
        route(Verb::Get, "/audit", audit_list),
        import::with_file_body(route(Verb::Post, "/import/{kind}", import::run)),
        route(Verb::Get, "/import/template/{kind}", import::template),
    ]
}

/// Every route of the API router: (method, path relative to `/api/v1`).
pub fn route_list() -> Vec<(Verb, &'static str)> {
    table().into_iter().map(|(v, p, _)| (v, p)).collect()
}

/// The API routes (mounted at `/api/v1`).
pub fn routes() -> Router<AppState> {
    table()
        .into_iter()
        .fold(Router::new(), |router, (_, path, method_router)| {
            router.route(&format!("/api/v1{path}"), method_router)
        })
}

async fn openapi() -> Json<Value> {
    Json(openapi_document())
}

fn schema(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn list_of(name: &str) -> Value {
    json!({ "type": "object", "required": ["items"], "properties": { "items": { "type": "array", "items": schema(name) } } })
}

/// An operation: summary, parameters, request body schema, the success answer, the refusals.
fn operation(
    summary: &str,
    parameters: Vec<Value>,
    body: Option<Value>,
    ok: (u16, Value),
    refusals: &[u16],
) -> Value {
    let mut responses = serde_json::Map::new();
    responses.insert(
        ok.0.to_string(),
        json!({ "description": "OK", "content": { "application/json": { "schema": ok.1 } } }),
    );
    for code in [401].iter().chain(refusals) {
        let description = match code {
            401 => "no valid token",
            403 => "the role may not do this",
            404 => "not found, or outside the caller's scope",
            409 => "stale version: someone else changed the record",
            422 => {
                "invalid input (`invalid`, one violation per field) or refused by the rules (`refused`)"
            }
            _ => "error",
        };
        responses.insert(
            code.to_string(),
            json!({ "description": description, "content": { "application/json": { "schema": schema("Error") } } }),
        );
    }
    let mut op = json!({ "summary": summary, "parameters": parameters, "responses": responses });
    if let Some(body) = body {
        op["requestBody"] =
            json!({ "required": true, "content": { "application/json": { "schema": body } } });
    }
    op
}

fn query(name: &str, description: &str, schema: Value) -> Value {
    json!({ "name": name, "in": "query", "required": false, "description": description, "schema": schema })
}

fn date() -> Value {
    json!({ "type": "string", "format": "date", "description": "yyyy-mm-dd" })
}

fn nullable_date() -> Value {
    json!({ "type": ["string", "null"], "format": "date" })
}

fn string() -> Value {
    json!({ "type": "string" })
}

fn boolean() -> Value {
    json!({ "type": "boolean" })
}

/// An object with exactly these properties (an answer naming another field fails the suite's
/// check against this document).
fn object(required: &[&str], properties: Value) -> Value {
    json!({ "type": "object", "required": required, "properties": properties, "additionalProperties": false })
}

/// A stage, by its code (the same codes as the `stage` filter).
fn stage() -> Value {
    let codes: Vec<&str> = ketnap_domain::lifecycle::Stage::ALL
        .into_iter()
        .map(ketnap_store::counters::stage_code)
        .collect();
    json!({ "type": "string", "enum": codes })
}

fn input(required: &[&str], properties: Value) -> Value {
    object(required, properties)
}

fn components() -> Value {
    let pub_id = json!({ "type": "string", "description": "opaque public id" });
    let org_ref = object(&["pub_id"], json!({ "pub_id": pub_id, "name": string() }));
    let alert = object(
        &["kind", "rule_id", "due", "status", "actor", "message_vi"],
        json!({
            "kind": { "type": "object", "required": ["kind"], "description": "what is due (`kind`: a snake_case code) and its particulars" },
            "rule_id": string(), "due": date(),
            "status": { "type": "string", "enum": ketnap_domain::alerts::AlertStatus::ALL.map(|s| s.code()) },
            "actor": { "type": "string", "enum": ["cell", "mentor", "grassroots", "competent", "candidate"] },
            "message_vi": string()
        }),
    );
    json!({
        "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer" } },
        "schemas": {
            "Error": object(&["error", "message_vi", "violations"], json!({
                "error": { "type": "string", "enum": ["unauthenticated", "not_found", "conflict", "refused", "invalid", "forbidden", "too_large", "internal"] },
                "message_vi": string(),
                "violations": { "type": "array", "items": schema("Violation") }
            })),
            "Violation": object(&["rule_id", "citation", "message_vi"], json!({
                "rule_id": { "type": "string", "description": "the rule's id (`lifecycle.order`), or `input.<field>` for bad input" },
                "citation": string(),
                "message_vi": string()
            })),
            "Org": object(&["pub_id", "code", "name", "kind"], json!({
                "pub_id": pub_id, "code": string(), "name": string(),
                "kind": { "type": "string", "description": "`provincial`, `district`, `bloc`, `grassroots:<sector>`, `grassroots_cell:<sector>`, `partial`, `cell:<sector>`" },
                "competent_authority": string(),
                "has_cell_committee": boolean(), "youth_union_exists": boolean(), "trade_union_instead": boolean(),
                "education_exception": { "type": ["string", "null"] }
            })),
            "OrgRef": org_ref,
            "RosterCounts": object(&["official", "probationary"], json!({
                "official": { "type": "integer" }, "probationary": { "type": "integer" }
            })),
            "Member": object(&["pub_id", "person_pub_id", "full_name", "birth_date", "gender", "status", "cell"], json!({
                "pub_id": pub_id, "person_pub_id": pub_id, "full_name": string(), "birth_date": date(),
                "gender": { "type": "string", "enum": ["male", "female"] },
                "status": { "type": "string", "enum": ["probationary", "official", "removed", "transferred_out", "deceased"] },
                "admitted_on": nullable_date(), "official_on": nullable_date(), "left_on": nullable_date(),
                "cell": schema("OrgRef")
            })),
            "Roster": object(&["org", "counts", "individuals", "items", "next", "children"], json!({
                "org": schema("Org"), "counts": schema("RosterCounts"),
                "individuals": { "type": "boolean", "description": "false for roles that read aggregates only: no names" },
                "items": { "type": "array", "items": schema("Member"), "description": "a cell's members, in Vietnamese name order" },
                "next": { "type": ["string", "null"], "description": "pass as `after` for the next page" },
                "children": { "type": "array", "items": schema("Org"), "description": "for a committee: its open children" }
            })),
            "Person": input(&["full_name", "birth_date", "gender", "ethnicity", "religion", "education"], json!({
                "full_name": string(), "birth_date": date(),
                "gender": { "type": "string", "description": "`male` / `female` (or Nam / Nữ)" },
                "ethnicity": { "type": "string", "description": "name or code `01`‥`54`" },
                "religion": string(), "education": { "type": "string", "description": "`12/12`, `9/12`…" },
                "qualification": string(), "theory_level": string(),
                "source_category": { "type": "string", "description": "code or label" },
                "id_number": { "type": "string", "description": "số định danh cá nhân, blank when unknown" },
                "youth_union_member": boolean(), "trade_union_member": boolean()
            })),
            "NewOrg": input(&["parent", "code", "name", "kind"], json!({
                "parent": { "type": "string", "description": "the parent's public id, in the scope (else 404)" },
                "code": string(), "name": string(), "kind": string()
            })),
            "OrgPatch": input(&[], json!({
                "name": string(), "has_cell_committee": boolean(), "youth_union_exists": boolean(), "trade_union_instead": boolean()
            })),
            "OrgMove": input(&["new_parent", "on"], json!({
                "new_parent": { "type": "string", "description": "public id or code, in the scope (else 422)" },
                "on": date(), "reason": string()
            })),
            "NewMember": input(&["cell", "person", "admitted_on", "official_on"], json!({
                "cell": { "type": "string", "description": "the cell's public id, in the scope (else 404)" },
                "person": schema("Person"), "admitted_on": date(), "official_on": date()
            })),
            "MemberTransfer": input(&["cell", "on"], json!({
                "cell": { "type": "string", "description": "public id or code of an open cell in the scope (else 422)" },
                "on": date()
            })),
            "MemberEnd": input(&["status", "on"], json!({
                "status": { "type": "string", "enum": ["deceased", "removed"] }, "on": date()
            })),
            "NewCandidate": input(&["cell", "listed_on", "person"], json!({
                "cell": { "type": "string", "description": "the cell's public id, in the scope (else 422, `input.cell`)" },
                "listed_on": date(), "person": schema("Person"),
                "proposed_by": { "type": ["string", "null"], "description": "the proposing mass organisation's public id" }
            })),
            "NewMentorNote": input(&["year", "month", "written_on", "content"], json!({
                "year": { "type": "integer" }, "month": { "type": "integer", "minimum": 1, "maximum": 12 },
                "written_on": date(), "content": string()
            })),
            "Step": object(&["version", "on", "action"], json!({
                "version": { "type": "integer", "description": "the candidacy's version as read; a stale one gets 409" },
                "on": date(),
                "action": { "type": "object", "required": ["type"], "properties": { "type": { "type": "string", "description": "snake_case step: open, list_as_sympathizer, enrol_in_course, record_certificate, submit_application, declare_background, add_introducer, record_union_introduction, record_comments, stamp_background, send_verification, answer_verification, certify_background, cell_vote, partial_appraisal, grassroots_vote, return_dossier, extend_deadline, admission_decision, hold_ceremony, declare_member_background, complete_new_member_course, submit_self_review, recognition_cell_vote, recognition_grassroots_vote, recognition_decision, superior_ruling, remove, withdraw, reject, transfer_out, transfer_in, record_death, annul" } }, "additionalProperties": true }
            })),
            "CandidacyRow": object(&["pub_id", "person_pub_id", "full_name", "gender", "cell_pub_id", "cell_name", "cell_parent", "stage", "version", "source_category", "opened_on", "last_on"], json!({
                "pub_id": pub_id, "person_pub_id": pub_id, "full_name": string(),
                "gender": { "type": "string", "enum": ["male", "female"] },
                "cell_pub_id": pub_id, "cell_name": string(),
                "cell_parent": { "type": "string", "description": "the organisation directly above the cell (tells apart cells of one name)" },
                "stage": stage(), "version": { "type": "integer" },
                "source_category": string(), "opened_on": date(), "last_on": date()
            })),
            "Candidacy": object(&["pub_id", "full_name", "cell_pub_id", "cell_name", "stage"], json!({
                "pub_id": pub_id, "person_pub_id": pub_id, "full_name": string(),
                "cell_pub_id": pub_id, "cell_name": string(), "stage": stage(),
                "version": { "type": "integer", "description": "pass as `version` with the next step" },
                "state": { "type": "object", "description": "the projection of the events" },
                "source_category": { "type": "string", "description": "absent for roles that do not read sensitive fields" },
                "mentor_pub_id": { "type": ["string", "null"] }, "proposed_by_pub_id": { "type": ["string", "null"] },
                "extras": { "type": "object", "description": "absent for roles that do not read sensitive fields" }
            })),
            "Readiness": object(&["on", "act", "act_vi", "ready", "problems"], json!({
                "on": date(),
                "act": { "type": "string", "description": "the vote or decision the check is for (a step's `type`)" },
                "act_vi": string(), "ready": boolean(),
                "problems": { "type": "array", "items": schema("Violation") }
            })),
            "Event": object(&["on", "action", "stage", "rules_version"], json!({
                "on": date(), "action": { "type": "object" }, "stage": stage(),
                "passed": { "type": ["boolean", "null"] }, "rules_version": string(),
                "warnings": { "type": "array", "items": schema("Violation") },
                "fixed": object(&[], json!({
                    "probation_end": date(), "official_from": date(), "party_age_from": date()
                }))
            })),
            "StoredEvent": object(&["seq", "kind", "cell_pub_id", "event", "recorded_at"], json!({
                "seq": { "type": "integer" }, "kind": string(), "cell_pub_id": pub_id,
                "event": schema("Event"), "recorded_at": { "type": "string", "format": "date-time" }
            })),
            "MentorNote": object(&["pub_id", "mentor_pub_id", "year", "month", "written_on", "content"], json!({
                "pub_id": pub_id, "mentor_pub_id": pub_id, "year": { "type": "integer" }, "month": { "type": "integer" },
                "written_on": date(), "content": string()
            })),
            "Alert": object(&["candidacy", "cell", "stage", "alert"], json!({
                "candidacy": pub_id, "cell": pub_id, "stage": stage(), "alert": alert
            })),
            "AuditLine": object(&["seq", "at", "action", "object_kind", "object_id"], json!({
                "seq": { "type": "integer", "description": "position in the audit chain" },
                "at": { "type": "string", "format": "date-time" },
                "actor": { "type": ["string", "null"], "description": "display name; null for the system" },
                "action": string(), "action_vi": string(), "object_kind": string(),
                "object_id": { "type": "string", "description": "public id or code" },
                "org": { "oneOf": [schema("OrgRef"), { "type": "null" }] }
            }))
        }
    })
}

/// The OpenAPI 3.1 description of `/api/v1`: every route of [`route_list`], with its
/// parameters, request body and answers.
pub fn openapi_document() -> Value {
    let id = json!({ "name": "id", "in": "path", "required": true, "description": "public id", "schema": { "type": "string", "pattern": "^[0-9a-hjkmnp-tv-z]{13}$" } });
    let limit = query(
        "limit",
        "rows per page (default 50)",
        json!({ "type": "integer", "minimum": 1, "maximum": 500 }),
    );
    let mut doc_op = operation(
        "This document",
        vec![],
        None,
        (200, json!({ "type": "object" })),
        &[],
    );
    doc_op["security"] = json!([]);
    if let Some(r) = doc_op["responses"].as_object_mut() {
        r.remove("401");
    }
    let with =
        |name: &str, value: Value| json!({ "type": "object", "properties": { name: value } });
    let mut doc = json!({
        "openapi": "3.1.0",
        "info": {
            "title": "ketnap API",
            "version": "1",
            "description": "Công tác phát triển đảng viên: the same operations, scopes and rules as the web pages. Authenticate with a bearer token from `ketnap user token`; choose a role with `X-Ketnap-Role`. Outside the caller's scope: 404, never data. Dates yyyy-mm-dd; ids are opaque public ids."
        },
        "servers": [{ "url": "/api/v1" }],
        "security": [{ "bearer": [] }],
        "components": components(),
        "paths": {
            "/openapi.json": { "get": doc_op },
            "/orgs": {
                "get": operation("Organisations at the roots of the caller's scope", vec![], None, (200, list_of("Org")), &[403]),
                "post": operation("Add a child organisation (admin, org staff)", vec![], Some(schema("NewOrg")),
                    (201, object(&["org", "parent"], json!({ "org": schema("Org"), "parent": string() }))), &[403, 404, 422])
            },
            "/orgs/{id}": {
                "get": operation("An organisation and its open children", vec![id.clone()], None,
                    (200, object(&["org", "children"], json!({ "org": schema("Org"), "children": { "type": "array", "items": schema("Org") } }))), &[403, 404]),
                "patch": operation("Change the name and flags (absent fields stay) (admin, org staff)", vec![id.clone()], Some(schema("OrgPatch")),
                    (200, with("org", schema("Org"))), &[403, 404, 422])
            },
            "/orgs/{id}/move": {
                "post": operation("Move an organisation with its subtree (admin, org staff)", vec![id.clone()], Some(schema("OrgMove")),
                    (200, object(&["org", "parent"], json!({ "org": schema("Org"), "parent": string() }))), &[403, 404, 422])
            },
            "/orgs/{id}/members": {
                "get": operation("The roster: a cell's members (keyset-paged), a committee's counts and children", vec![
                    id.clone(),
                    query("status", "`active` (default), `all`, or `official`, `probationary`, `transferred_out`, `deceased`, `removed`", string()),
                    query("after", "the previous page's `next`", string()),
                    limit.clone(),
                ], None, (200, schema("Roster")), &[404, 422])
            },
            "/members": {
                "post": operation("Put an existing official member on a cell's roster (admin, org staff)", vec![], Some(schema("NewMember")),
                    (201, with("member", schema("Member"))), &[403, 404, 422])
            },
            "/members/{id}/transfer": {
                "post": operation("Move a member to another cell of the scope (admin, org staff)", vec![id.clone()], Some(schema("MemberTransfer")),
                    (200, with("member", schema("Member"))), &[403, 404, 422])
            },
            "/members/{id}/end": {
                "post": operation("Record a member's death or removal (admin, org staff)", vec![id.clone()], Some(schema("MemberEnd")),
                    (200, with("member", schema("Member"))), &[403, 404, 422])
            },
            "/candidates": {
                "get": operation("Candidacies in scope, Vietnamese name order", vec![
                    query("org", "only this organisation's subtree (public id)", string()),
                    query("stage", "only this stage (its code, as the answers write it)", stage()),
                    query("q", "name, with or without diacritics", string()),
                    limit.clone(),
                    query("after", "the previous page's `next` (opaque)", string()),
                ], None, (200, object(&["items", "more"], json!({ "items": { "type": "array", "items": schema("CandidacyRow") }, "more": boolean(), "next": { "type": ["string", "null"], "description": "opaque cursor: pass as `after` for the next page" } }))), &[403, 404, 422]),
                "post": operation("List a new person as a source of a cell (new candidacy)", vec![], Some(schema("NewCandidate")),
                    (201, object(&["candidacy", "event"], json!({ "candidacy": schema("Candidacy"), "event": schema("Event") }))), &[403, 422])
            },
            "/candidates/{id}": {
                "get": operation("A candidacy and its history (who and where only, for roles that do not follow the file: no history, no readiness)", vec![id.clone()], None,
                    (200, object(&["candidacy"], json!({ "candidacy": schema("Candidacy"), "history": { "type": "array", "items": schema("StoredEvent") }, "readiness": { "oneOf": [schema("Readiness"), { "type": "null" }] } }))), &[403, 404])
            },
            "/candidates/{id}/history": {
                "get": operation("The recorded steps of a candidacy, oldest first", vec![id.clone()], None, (200, list_of("StoredEvent")), &[403, 404])
            },
            "/candidates/{id}/steps": {
                "post": operation("Record a lifecycle step (judged by the rules in force on its date)", vec![id.clone()], Some(schema("Step")),
                    (201, with("event", schema("Event"))), &[403, 404, 409, 422])
            },
            "/candidates/{id}/mentor-notes": {
                "get": operation("The mentor's monthly notes, by month", vec![id.clone()], None, (200, list_of("MentorNote")), &[403, 404]),
                "post": operation("Write the month's note (the assigned mentor)", vec![id.clone()], Some(schema("NewMentorNote")),
                    (201, with("note", schema("MentorNote"))), &[403, 404, 422])
            },
            "/alerts": {
                "get": operation("Due, overdue and expiring items in scope, the most urgent first (at most 5,000)", vec![
                    limit.clone(),
                    query("after", "the previous page's `next` (opaque)", string()),
                ], None, (200, object(&["items", "more", "next"], json!({ "items": { "type": "array", "items": schema("Alert") }, "more": boolean(), "next": { "type": ["string", "null"], "description": "opaque cursor: pass as `after` for the next page" } }))), &[403, 422])
            },
            "/audit": {
                "get": operation("Who did what in the scope, newest first (admin, org staff)", vec![
                    query("action", "an action code (`org.move`) or prefix (`candidacy`)", string()),
                    query("from", "from this day (Vietnam time)", date()),
                    query("to", "to this day, inclusive", date()),
                    query("before", "the previous page's `next` (opaque)", string()),
                    limit,
                ], None, (200, object(&["items", "next"], json!({ "items": { "type": "array", "items": schema("AuditLine") }, "next": { "type": ["string", "null"] } }))), &[403, 422])
            }
        }
    });
    for (path, item) in import::paths() {
        doc["paths"][path] = item;
    }
    for (name, value) in import::schemas() {
        doc["components"]["schemas"][name] = value;
    }
    doc
}

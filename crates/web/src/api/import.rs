//! The importer through the API: `POST /api/v1/import/{kind}?dry_run=true|false` with the file
//! (XLSX or CSV) as the raw body, run as the caller's scope, and `GET
//! /api/v1/import/template/{kind}`, the kind's template as XLSX. The same roles as the page
//! (administrators and organisation staff) and the same importer: all rows or none.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::MethodRouter;
use ketnap_io::import::{self, ImportError, Kind, Options};
use ketnap_io::sheet::Limits;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{
    Answer, ApiAuth, ApiError, ApiQuery, Verb, field_error, object, operation, schema, string,
};
use crate::AppState;
use crate::error::AppError;
use crate::pages::import::{MAX_IMPORT_BYTES, may_import, template_file};

/// A route of the table whose body may be as large as an import file.
pub(super) fn with_file_body(
    (verb, path, router): (Verb, &'static str, MethodRouter<AppState>),
) -> (Verb, &'static str, MethodRouter<AppState>) {
    (
        verb,
        path,
        router.layer(DefaultBodyLimit::max(MAX_IMPORT_BYTES)),
    )
}

/// Query of `POST /api/v1/import/{kind}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ImportParams {
    /// Check everything and keep nothing (the default).
    dry_run: Option<bool>,
}

fn kind_of(code: &str) -> Result<Kind, ApiError> {
    Kind::from_code(code.trim()).ok_or_else(|| AppError::NotFound.into())
}

/// `POST /api/v1/import/{kind}`: 200 with the outcome whenever the importer ran (written or not,
/// with every problem); 422 when the file cannot be read.
pub(super) async fn run(
    State(state): State<AppState>,
    auth: ApiAuth,
    Path(kind): Path<String>,
    ApiQuery(params): ApiQuery<ImportParams>,
    body: Result<Bytes, BytesRejection>,
) -> Answer {
    auth.require(may_import(auth.role))?;
    let kind = kind_of(&kind)?;
    let bytes = body.map_err(|e| -> ApiError {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            AppError::TooLarge.into()
        } else {
            ApiError::invalid(vec![field_error("file", "Không đọc được tệp gửi lên.")])
        }
    })?;
    if bytes.is_empty() {
        return Err(ApiError::invalid(vec![field_error(
            "file",
            "Gửi tệp XLSX hoặc CSV trong thân yêu cầu (tệp không được rỗng).",
        )]));
    }
    let dry_run = params.dry_run.unwrap_or(true);
    let options = Options {
        dry_run,
        file_name: format!("api-{}", kind.code()),
        limits: Limits::default(),
    };
    let ctx = state.write_ctx(Some(auth.user.user_id));
    let outcome = import::import(
        &state.store,
        &state.book,
        &auth.scope,
        &ctx,
        kind,
        &bytes,
        &options,
        &|_, _| {},
    )
    .await
    .map_err(|e| match e {
        ImportError::Sheet(e) => ApiError::invalid(vec![field_error("file", e.message_vi())]),
        ImportError::Store(e) => e.into(),
    })?;
    tracing::info!(
        user.id = auth.user.user_id,
        import.kind = kind.code(),
        import.rows = outcome.rows,
        import.problems = outcome.problems.len(),
        import.dry_run = dry_run,
        import.committed = outcome.committed,
        "api import run"
    );
    Ok(Json(json!(outcome)))
}

/// `GET /api/v1/import/template/{kind}`: the kind's headings and an example row, as XLSX.
pub(super) async fn template(
    auth: ApiAuth,
    Path(kind): Path<String>,
) -> Result<Response, ApiError> {
    auth.require(may_import(auth.role))?;
    let kind = kind_of(&kind)?;
    Ok(template_file(kind, "xlsx")?.into_response())
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The schemas of the import answers.
pub(super) fn schemas() -> Vec<(&'static str, Value)> {
    vec![
        (
            "ImportProblem",
            object(
                &["line", "message_vi"],
                json!({
                    "line": { "type": "integer", "description": "the row as the spreadsheet numbers it" },
                    "column": { "type": ["string", "null"], "description": "the column's heading, when the problem is in one cell" },
                    "message_vi": string(),
                    "rule": { "type": ["string", "null"], "description": "the rule broken and its citation" }
                }),
            ),
        ),
        (
            "ImportOutcome",
            object(
                &[
                    "kind",
                    "rows",
                    "problems",
                    "committed",
                    "dry_run",
                    "summary",
                    "notices",
                ],
                json!({
                    "kind": { "type": "string", "enum": Kind::ALL.map(Kind::code) },
                    "rows": { "type": "integer", "description": "data rows read" },
                    "problems": { "type": "array", "items": schema("ImportProblem"), "description": "when there is any, nothing was written" },
                    "committed": { "type": "boolean", "description": "the rows were written" },
                    "dry_run": dry_run_schema(),
                    "summary": { "type": "array", "description": "what the rows make: [label, count]", "items": { "type": "array", "prefixItems": [string(), { "type": "integer" }] } },
                    "notices": { "type": "array", "items": string(), "description": "what to know before committing, in Vietnamese; blocks nothing" }
                }),
            ),
        ),
    ]
}

fn dry_run_schema() -> Value {
    json!({ "type": "boolean", "description": "a preview: everything checked, nothing kept" })
}

fn kind_param() -> Value {
    json!({
        "name": "kind", "in": "path", "required": true,
        "description": "the list: orgs, members, people, candidates, mentors, plans",
        "schema": { "type": "string", "enum": Kind::ALL.map(Kind::code) }
    })
}

/// The import paths of the OpenAPI document.
pub(super) fn paths() -> Vec<(&'static str, Value)> {
    let file = json!({ "type": "string", "format": "binary" });
    let mut run = operation(
        "Import a list (XLSX or CSV as the raw body) as the caller's scope: all rows or none (admin, org staff)",
        vec![
            kind_param(),
            json!({ "name": "dry_run", "in": "query", "required": false, "description": "check everything and keep nothing (default true)", "schema": { "type": "boolean" } }),
        ],
        None,
        (200, schema("ImportOutcome")),
        &[403, 404, 413, 422],
    );
    run["requestBody"] = json!({
        "required": true,
        "description": "the file itself; any Content-Type",
        "content": {
            "application/octet-stream": { "schema": file },
            XLSX: { "schema": file },
            "text/csv": { "schema": file }
        }
    });
    if let Some(r) = run["responses"]["413"].as_object_mut() {
        r.insert(
            "description".into(),
            json!("the file is larger than 50 MiB"),
        );
    }
    let mut template = operation(
        "The template of a list: its headings and an example row, as XLSX (admin, org staff)",
        vec![kind_param()],
        None,
        (200, file.clone()),
        &[403, 404],
    );
    template["responses"]["200"]["content"] = json!({ XLSX: { "schema": file } });
    vec![
        ("/import/{kind}", json!({ "post": run })),
        ("/import/template/{kind}", json!({ "get": template })),
    ]
}

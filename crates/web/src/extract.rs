//! The extractors of the pages: a form body and a query string whose refusal is the app's own
//! Vietnamese error page, never the framework's English text (issue 18). What went wrong in
//! detail (serde's message) goes to the log only.

use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::error::AppError;

/// What a user reads when a body or a query cannot be read: which field, when serde says.
pub fn refusal_vi(what: &str, detail: &str) -> String {
    let quoted = |key: &str| {
        detail
            .split_once(key)
            .and_then(|(_, rest)| rest.split('`').nth(1))
            .map(str::to_string)
    };
    let reason = if let Some(f) = quoted("missing field") {
        format!("thiếu trường «{f}»")
    } else if let Some(f) = quoted("unknown field") {
        format!("trường «{f}» không có trong biểu mẫu")
    } else if let Some(v) = quoted("unknown variant") {
        format!("giá trị «{v}» không có trong danh sách cho phép")
    } else if detail.contains("invalid type") || detail.contains("invalid value") {
        "một trường có giá trị không đúng kiểu".to_string()
    } else if detail.contains("invalid digit") || detail.contains("number") {
        "một trường số không đúng dạng".to_string()
    } else if detail.contains("Content-Type") || detail.contains("content type") {
        "nội dung gửi lên không đúng loại".to_string()
    } else {
        "nội dung không đọc được".to_string()
    };
    format!("{what} không hợp lệ: {reason}. Không có gì được lưu.")
}

/// The first value of `pairs` longer than its field's limit ([`ketnap_domain::limits::of_field`]),
/// as the Vietnamese refusal.
pub fn too_long<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Option<String> {
    pairs.into_iter().find_map(|(name, value)| {
        ketnap_domain::limits::of_field(name)
            .check(value)
            .err()
            .map(|e| format!("{e} Không có gì được lưu."))
    })
}

/// A form body (`application/x-www-form-urlencoded`) refused in Vietnamese; every field is
/// checked against its length limit first.
pub struct Form<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Form<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (parts, body) = req.into_parts();
        // Read within the body limit (axum's `DefaultBodyLimit`, as the form extractor would).
        let bytes =
            axum::body::Bytes::from_request(Request::from_parts(parts.clone(), body), state)
                .await
                .map_err(|e| {
                    if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                        AppError::TooLarge
                    } else {
                        AppError::BadRequest(refusal_vi("Biểu mẫu gửi lên", &e.body_text()))
                    }
                })?;
        let pairs: Vec<(String, String)> = form_urlencoded::parse(&bytes).into_owned().collect();
        if let Some(message) = too_long(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))) {
            tracing::info!("form refused: a field over its length limit");
            return Err(AppError::BadRequest(message));
        }
        let req = Request::from_parts(parts, axum::body::Body::from(bytes));
        match axum::Form::<T>::from_request(req, state).await {
            Ok(axum::Form(v)) => Ok(Form(v)),
            Err(e) => Err(form_refused(&e)),
        }
    }
}

fn form_refused(e: &FormRejection) -> AppError {
    let detail = e.body_text();
    tracing::info!(error = %detail, "form refused");
    AppError::BadRequest(refusal_vi("Biểu mẫu gửi lên", &detail))
}

/// A query string refused in Vietnamese.
pub struct Query<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or("");
        let pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect();
        if let Some(message) = too_long(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))) {
            return Err(AppError::BadRequest(message));
        }
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(Query(v)),
            Err(e) => Err(query_refused(&e)),
        }
    }
}

fn query_refused(e: &QueryRejection) -> AppError {
    let detail = e.body_text();
    tracing::info!(error = %detail, "query refused");
    AppError::BadRequest(refusal_vi("Địa chỉ trang", &detail))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_messages_become_vietnamese_naming_the_field() {
        assert_eq!(
            refusal_vi(
                "Biểu mẫu gửi lên",
                "Failed to deserialize form body: missing field `org`"
            ),
            "Biểu mẫu gửi lên không hợp lệ: thiếu trường «org». Không có gì được lưu."
        );
        assert!(
            refusal_vi("X", "unknown variant `Sympathizer`, expected one of")
                .contains("«Sympathizer»")
        );
        assert!(
            !refusal_vi("X", "Failed to deserialize: expected value at line 1").contains("Failed")
        );
    }
}

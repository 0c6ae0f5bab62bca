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

/// A form body (`application/x-www-form-urlencoded`) refused in Vietnamese.
pub struct Form<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Form<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
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

//! The web error type: an explicit status table and a Vietnamese error page. Logs get the English
//! cause (never personal data); users get the Vietnamese message.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use ketnap_store::StoreError;

use crate::layout::Layout;

/// Errors of a request.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// From the store (not found, conflict, refused, invalid, database…).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Not logged in: go to the login page.
    #[error("not authenticated")]
    Unauthenticated,
    /// No such page, or outside the user's scope.
    #[error("not found")]
    NotFound,
    /// The role may not do this.
    #[error("forbidden")]
    Forbidden,
    /// A state-changing request without a valid CSRF token.
    #[error("missing or invalid CSRF token")]
    Csrf,
    /// A body larger than allowed.
    #[error("request body too large")]
    TooLarge,
    /// Bad input, with the Vietnamese message.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// The session store failed.
    #[error("session error: {0}")]
    Session(String),
    /// A template failed to render.
    #[error("template error: {0}")]
    Template(#[from] askama::Error),
    /// A file could not be produced (a DOCX, …), for the log.
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    /// A session-store error.
    pub fn session(e: tower_sessions::session::Error) -> AppError {
        AppError::Session(e.to_string())
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::Store(StoreError::NotFound(_)) | AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Store(StoreError::Conflict { .. }) => StatusCode::CONFLICT,
            AppError::Store(StoreError::Refused(_) | StoreError::Invalid { .. })
            | AppError::BadRequest(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Store(StoreError::Forbidden(_)) | AppError::Forbidden | AppError::Csrf => {
                StatusCode::FORBIDDEN
            }
            AppError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Unauthenticated => StatusCode::SEE_OTHER,
            AppError::Store(_)
            | AppError::Session(_)
            | AppError::Template(_)
            | AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Heading and message in Vietnamese.
    pub fn message_vi(&self) -> (String, String) {
        match self {
            AppError::Store(e @ StoreError::NotFound(_)) => ("Không tìm thấy".into(), e.message_vi()),
            AppError::Store(e) => ("Không thực hiện được".into(), e.message_vi()),
            AppError::NotFound => ("Không tìm thấy".into(), "Trang này không có, hoặc bạn không có quyền xem.".into()),
            AppError::Forbidden => ("Không có quyền".into(), "Bạn không có quyền thực hiện thao tác này.".into()),
            AppError::Csrf => (
                "Biểu mẫu đã hết hạn".into(),
                "Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ. Vui lòng tải lại trang và thử lại.".into(),
            ),
            AppError::TooLarge => ("Dữ liệu quá lớn".into(), "Dữ liệu gửi lên vượt quá giới hạn cho phép.".into()),
            AppError::BadRequest(m) => ("Dữ liệu chưa hợp lệ".into(), m.clone()),
            AppError::Unauthenticated => ("Cần đăng nhập".into(), "Vui lòng đăng nhập.".into()),
            AppError::Session(_) | AppError::Template(_) | AppError::Internal(_) => {
                ("Lỗi hệ thống".into(), "Đã có lỗi; thao tác chưa được lưu. Vui lòng thử lại sau.".into())
            }
        }
    }
}

/// templates/error.html
#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    /// Layout.
    pub layout: Layout,
    /// HTTP status.
    pub status: u16,
    /// Heading.
    pub heading: String,
    /// Message.
    pub message: String,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if matches!(self, AppError::Unauthenticated) {
            return Redirect::to("/login").into_response();
        }
        let status = self.status();
        if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
        } else {
            tracing::info!(error = %self, "request refused");
        }
        let (heading, message) = self.message_vi();
        let page = ErrorPage {
            layout: Layout::new(heading.clone(), None, String::new(), ""),
            status: status.as_u16(),
            heading,
            message,
        };
        match page.render() {
            Ok(html) => (status, Html(html)).into_response(),
            Err(_) => (status, "Lỗi hệ thống / internal error").into_response(),
        }
    }
}

/// The fallback for unknown paths.
pub async fn not_found() -> AppError {
    AppError::NotFound
}

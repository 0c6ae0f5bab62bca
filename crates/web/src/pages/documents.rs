//! The dossier of a candidate: the checklist of the documents the current stage needs (shown on
//! the candidate page, section "Hồ sơ cần có ở bước này"), the upload of a document under a form
//! code and its download.
//!
//! Uploads are `multipart/form-data` forms whose first part is `_csrf` (the CSRF middleware reads
//! it there). The type of a file is read from its first bytes, never from what the browser claims:
//! PDF, JPEG, PNG, DOC and DOCX are accepted. A download goes through the scope (404 outside it),
//! is sent as an attachment with the stored type and a file name made of the form code and the
//! document's public id (never the uploaded name), and is not cached.

use askama::Template;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use jiff::civil::Date;
use ketnap_domain::dates::{format_vn, parse_vn};
use ketnap_domain::dossier::{self, ChecklistItem};
use ketnap_domain::numfmt::{decimal_vi, group_thousands, round_half_up};
use ketnap_store::candidacies::{self, DocumentMeta, MAX_DOCUMENT_BYTES};
use ketnap_store::{Role, StoreError};

use crate::AppState;
use crate::auth::Auth;
use crate::error::AppError;
use crate::pages::candidates::{Outcome, render_show};
use crate::session::MAX_UPLOAD;

/// `POST /candidates/{pub_id}/documents` (upload) and `GET /documents/{pub_id}` (download).
pub fn routes() -> crate::routes::Routes {
    crate::routes::Routes::new()
        .route(
            "/candidates/{pub_id}/documents",
            post(upload).layer(DefaultBodyLimit::max(MAX_UPLOAD)),
        )
        .route("/documents/{pub_id}", get(download))
}

/// The file types accepted: media type, extension, magic bytes. PDF, JPEG, PNG and DOCX only
/// (issue 18): no legacy DOC (macros), no archive.
const TYPES: [(&str, &str, &[u8]); 4] = [
    ("application/pdf", "pdf", b"%PDF-"),
    ("image/jpeg", "jpg", &[0xFF, 0xD8, 0xFF]),
    (
        "image/png",
        "png",
        &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A],
    ),
    (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "docx",
        b"PK\x03\x04",
    ),
];

/// The first bytes of the archive formats refused (a ZIP that is not a DOCX among them).
const ARCHIVES: [&[u8]; 7] = [
    b"PK\x03\x04",
    b"PK\x05\x06",
    b"Rar!\x1A\x07",
    &[b'7', b'z', 0xBC, 0xAF, 0x27, 0x1C],
    &[0x1F, 0x8B],
    b"BZh",
    &[0xFD, b'7', b'z', b'X', b'Z', 0x00],
];

/// The largest a DOCX may grow to when unpacked (its parts' declared sizes added up), and the
/// most parts it may have: a "ZIP bomb" named `.docx` is refused without being unpacked.
const DOCX_MAX_UNPACKED: u64 = 100 * 1024 * 1024;
const DOCX_MAX_PARTS: usize = 2_000;

/// The media type of an accepted file: its extension names one of [`TYPES`] and its content
/// agrees (the first bytes; for a DOCX, the parts of a Word document and no macros, no nested
/// archive). The refusal in Vietnamese otherwise.
fn sniff(bytes: &[u8], file_name: &str) -> Result<&'static str, &'static str> {
    let name = file_name.trim().to_lowercase();
    let ext = name.rsplit_once('.').map_or("", |(_, e)| e);
    let ext = if ext == "jpeg" { "jpg" } else { ext };
    let Some((mime, ext, magic)) = TYPES.iter().find(|(_, e, _)| *e == ext) else {
        return Err(if ARCHIVES.iter().any(|m| bytes.starts_with(m)) {
            ARCHIVE_VI
        } else {
            "Chỉ nhận tệp PDF, JPG, PNG hoặc DOCX (tên tệp phải có đuôi .pdf, .jpg, .png hoặc .docx). Không có gì được lưu."
        });
    };
    if !bytes.starts_with(magic) {
        return Err(if ARCHIVES.iter().any(|m| bytes.starts_with(m)) {
            ARCHIVE_VI
        } else {
            "Nội dung tệp không đúng với đuôi tên tệp (ví dụ một ảnh được đổi tên thành .pdf): hãy lưu lại đúng định dạng rồi đính kèm. Không có gì được lưu."
        });
    }
    if *ext == "docx" {
        docx_parts_ok(bytes)?;
    }
    Ok(mime)
}

const ARCHIVE_VI: &str = "Không nhận tệp nén (ZIP, RAR, 7z…): hãy đính kèm từng giấy tờ dạng PDF, JPG, PNG hoặc DOCX. Không có gì được lưu.";

/// A DOCX is a ZIP: read its directory (nothing is unpacked) and ask for the parts of a Word
/// document, no macro project, no archive or program inside, and a bounded unpacked size.
fn docx_parts_ok(bytes: &[u8]) -> Result<(), &'static str> {
    const NOT_WORD: &str = "Tệp có đuôi .docx nhưng không phải văn bản Word đọc được: hãy mở bằng Word, lưu lại dạng .docx hoặc .pdf rồi đính kèm. Không có gì được lưu.";
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|_| NOT_WORD)?;
    if zip.len() > DOCX_MAX_PARTS {
        return Err(NOT_WORD);
    }
    let names: Vec<String> = zip.file_names().map(str::to_lowercase).collect();
    if !names.iter().any(|n| n == "[content_types].xml")
        || !names.iter().any(|n| n == "word/document.xml")
    {
        return Err(NOT_WORD);
    }
    const INSIDE: [&str; 10] = [
        ".zip", ".rar", ".7z", ".gz", ".exe", ".dll", ".js", ".vbs", ".bat", ".cmd",
    ];
    if names
        .iter()
        .any(|n| n.ends_with("vbaproject.bin") || INSIDE.iter().any(|x| n.ends_with(x)))
    {
        return Err(
            "Tệp Word này có macro hoặc chứa tệp nén, chương trình bên trong: hãy lưu lại dạng .docx thường hoặc .pdf rồi đính kèm. Không có gì được lưu.",
        );
    }
    let mut unpacked: u64 = 0;
    for i in 0..zip.len() {
        let part = zip.by_index_raw(i).map_err(|_| NOT_WORD)?;
        unpacked = unpacked.saturating_add(part.size());
    }
    if unpacked > DOCX_MAX_UNPACKED {
        return Err(NOT_WORD);
    }
    Ok(())
}

/// The media type and extension of a stored type; a type not accepted here (stored by another
/// path) is sent as plain bytes.
fn served_as(mime: &str) -> (&'static str, &'static str) {
    TYPES
        .iter()
        .find(|(m, _, _)| *m == mime)
        .map_or(("application/octet-stream", "bin"), |(m, e, _)| (*m, *e))
}

/// A size the Vietnamese way: `850 B`, `12,5 KB`, `3,2 MB`.
fn size_vi(bytes: i64) -> String {
    let n = u128::try_from(bytes).unwrap_or(0);
    if n < 1024 {
        format!("{} B", group_thousands(n))
    } else if n < 1024 * 1024 {
        format!("{} KB", decimal_vi(round_half_up(n * 10, 1024), 1))
    } else {
        format!("{} MB", decimal_vi(round_half_up(n * 10, 1024 * 1024), 1))
    }
}

/// One attached document, as a link.
pub struct DocLink {
    /// Download link.
    pub href: String,
    /// The document's date, dd/mm/yyyy (empty when unknown).
    pub date: String,
    /// Its size.
    pub size: String,
}

impl DocLink {
    fn of(d: &DocumentMeta) -> DocLink {
        DocLink {
            href: format!("/documents/{}", d.pub_id),
            date: d.dated_on.map(format_vn).unwrap_or_default(),
            size: size_vi(d.size),
        }
    }
}

/// One line of the checklist.
pub struct ChecklistRow {
    /// Form code.
    pub code: String,
    /// Title.
    pub title: String,
    /// Who makes it.
    pub provider: &'static str,
    /// The condition that makes it needed, if any.
    pub condition: Option<&'static str>,
    /// Made in this stage (else carried from an earlier one).
    pub current: bool,
    /// Copies needed.
    pub copies: u32,
    /// The documents attached under this code.
    pub docs: Vec<DocLink>,
    /// The recorded steps that made the document: "ngày 03/04/2026, số 12-NQ/CB".
    pub recorded: Vec<String>,
    /// The document printed from those steps (page, DOCX), for the roles that print.
    pub paper: Option<(String, String)>,
    /// At least `copies` documents attached, or as many recorded steps that made it.
    pub complete: bool,
    /// Attached or recorded at all.
    pub present: bool,
    /// The source, with its confidence mark.
    pub citation: String,
    /// How sure the source is, in words ("" when confirmed).
    pub mark: &'static str,
}

/// A form code offered by the upload form.
pub struct CodeOption {
    /// The code.
    pub code: String,
    /// Code and title.
    pub label: String,
    /// Selected.
    pub selected: bool,
}

/// What the upload form posted, to refill it after a refusal.
#[derive(Clone, Debug, Default)]
pub struct UploadInput {
    /// The chosen form code.
    pub form_code: String,
    /// The date typed.
    pub dated_on: String,
    /// Why nothing was saved, in Vietnamese.
    pub error: Option<String>,
}

/// The section "Hồ sơ cần có ở bước này" of the candidate page.
pub struct DossierSection {
    /// The checklist.
    pub rows: Vec<ChecklistRow>,
    /// Documents attached under a code the checklist does not hold (now).
    pub others: Vec<(String, DocLink)>,
    /// The role may attach documents.
    pub can_upload: bool,
    /// The codes offered by the upload form.
    pub options: Vec<CodeOption>,
    /// The date of the upload form.
    pub dated_on: String,
    /// Why the last upload was refused.
    pub error: Option<String>,
    /// The largest file, in MB.
    pub max_mb: String,
}

impl DossierSection {
    /// The section for a checklist, the documents attached and the role.
    pub fn build(
        items: &[ChecklistItem],
        events: &[ketnap_domain::lifecycle::Event],
        docs: &[DocumentMeta],
        role: Role,
        today: Date,
        upload: Option<UploadInput>,
    ) -> DossierSection {
        let rows: Vec<ChecklistRow> = items
            .iter()
            .map(|item| {
                let form = item.form;
                let links: Vec<DocLink> = docs
                    .iter()
                    .filter(|d| d.form_code == form.code)
                    .map(DocLink::of)
                    .collect();
                let recorded: Vec<String> = ketnap_domain::dossier::made_by_steps(form, events)
                    .into_iter()
                    .map(|(on, number)| match number {
                        Some(n) => format!("ngày {}, số {n}", format_vn(on)),
                        None => format!("ngày {}", format_vn(on)),
                    })
                    .collect();
                let copies = item.copies as usize;
                ChecklistRow {
                    code: form.code.clone(),
                    title: form.title.clone(),
                    provider: form.provider.label_vi(),
                    condition: form.need.label_vi(),
                    current: item.current,
                    copies: item.copies,
                    complete: links.len() >= copies || recorded.len() >= copies,
                    present: !links.is_empty() || !recorded.is_empty(),
                    recorded,
                    paper: None,
                    docs: links,
                    citation: form.citation(),
                    mark: form.confidence.label_vi(),
                }
            })
            .collect();
        let others = docs
            .iter()
            .filter(|d| !rows.iter().any(|r| r.code == d.form_code))
            .map(|d| (d.form_code.clone(), DocLink::of(d)))
            .collect();
        let upload = upload.unwrap_or_default();
        let chosen = if upload.form_code.is_empty() {
            rows.iter()
                .find(|r| r.current && !r.complete)
                .or(rows.iter().find(|r| !r.complete))
                .map(|r| r.code.clone())
                .unwrap_or_default()
        } else {
            upload.form_code.clone()
        };
        let options = rows
            .iter()
            .map(|r| CodeOption {
                code: r.code.clone(),
                label: format!("{} — {}", r.code, r.title),
                selected: r.code == chosen,
            })
            .collect();
        DossierSection {
            can_upload: candidacies::may_attach_documents(role) && !rows.is_empty(),
            rows,
            others,
            options,
            dated_on: if upload.dated_on.is_empty() {
                format_vn(today)
            } else {
                upload.dated_on
            },
            error: upload.error,
            max_mb: group_thousands((MAX_DOCUMENT_BYTES / (1024 * 1024)) as u128),
        }
    }
}

/// The upload as read from the form.
struct Posted {
    input: UploadInput,
    file_name: String,
    bytes: Vec<u8>,
    too_big: bool,
}

async fn read_upload(mut multipart: Multipart) -> Result<Posted, String> {
    let mut posted = Posted {
        input: UploadInput::default(),
        file_name: String::new(),
        bytes: Vec::new(),
        too_big: false,
    };
    let unreadable = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_big_message()
        } else {
            "Không đọc được dữ liệu gửi lên; vui lòng chọn lại tệp và gửi lại.".to_string()
        }
    };
    while let Some(field) = multipart.next_field().await.map_err(unreadable)? {
        match field.name() {
            Some("form_code") => {
                posted.input.form_code = field.text().await.map_err(unreadable)?.trim().into()
            }
            Some("dated_on") => {
                posted.input.dated_on = field.text().await.map_err(unreadable)?.trim().into()
            }
            Some("file") => {
                posted.file_name = field.file_name().unwrap_or_default().to_string();
                let bytes = field.bytes().await.map_err(unreadable)?;
                posted.too_big = bytes.len() > MAX_DOCUMENT_BYTES;
                if !posted.too_big {
                    posted.bytes = bytes.to_vec();
                }
            }
            _ => {}
        }
    }
    Ok(posted)
}

fn too_big_message() -> String {
    format!(
        "Tệp quá lớn: mỗi tệp tối đa {} MB. Không có gì được lưu.",
        group_thousands((MAX_DOCUMENT_BYTES / (1024 * 1024)) as u128)
    )
}

/// What the form asks for, checked before anything is written: the form code, the date, the
/// file and its type. The Vietnamese message of the first problem.
fn check(
    posted: &Posted,
    today: Date,
) -> Result<(&'static str, Option<Date>, &'static str), String> {
    let form = dossier::form(&posted.input.form_code).ok_or_else(|| {
        "Chọn mã mẫu của tài liệu (ví dụ 1-KNĐ). Không có gì được lưu.".to_string()
    })?;
    let dated_on = if posted.input.dated_on.is_empty() {
        None
    } else {
        let d = parse_vn(&posted.input.dated_on).ok_or_else(|| {
            "Ngày của tài liệu phải theo dạng ngày/tháng/năm, ví dụ 07/03/2026. Không có gì được lưu.".to_string()
        })?;
        if d > today {
            return Err(
                "Ngày của tài liệu không được sau ngày hôm nay. Không có gì được lưu.".into(),
            );
        }
        Some(d)
    };
    if posted.too_big {
        return Err(too_big_message());
    }
    if posted.bytes.is_empty() {
        return Err("Chọn tệp cần đính kèm (tệp không được rỗng). Không có gì được lưu.".into());
    }
    let mime = sniff(&posted.bytes, &posted.file_name).map_err(str::to_string)?;
    Ok((form.title.as_str(), dated_on, mime))
}

/// The candidate page again, with the upload's message and its inputs.
async fn refuse(
    state: &AppState,
    auth: &Auth,
    pub_id: &str,
    input: UploadInput,
    message: String,
) -> Result<Response, AppError> {
    let mut outcome = Outcome::default();
    outcome.upload = Some(UploadInput {
        error: Some(message),
        ..input
    });
    let page = render_show(state, auth, pub_id, outcome).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(page.render()?)).into_response())
}

/// `POST /candidates/{pub_id}/documents`: attach a document under a form code (staff roles of
/// the candidacy's scope). A refusal shows the candidate page again with the reason; nothing is
/// saved.
pub async fn upload(
    State(state): State<AppState>,
    auth: Auth,
    Path(pub_id): Path<String>,
    multipart: Multipart,
) -> Result<Response, AppError> {
    if !candidacies::may_attach_documents(auth.role) {
        return Err(AppError::Forbidden);
    }
    let posted = match read_upload(multipart).await {
        Ok(p) => p,
        Err(message) => {
            return refuse(&state, &auth, &pub_id, UploadInput::default(), message).await;
        }
    };
    let (title, dated_on, mime) = match check(&posted, state.clock.today()) {
        Ok(ok) => ok,
        Err(message) => return refuse(&state, &auth, &pub_id, posted.input, message).await,
    };
    let mut tx = state.store.begin().await?;
    let ctx = state.write_ctx(Some(auth.user.user_id));
    match candidacies::add_document(
        &mut tx,
        &ctx,
        &auth.scope,
        &pub_id,
        &posted.input.form_code,
        title,
        mime,
        &posted.bytes,
        dated_on,
    )
    .await
    {
        Ok(doc) => {
            tx.commit().await?;
            tracing::info!(
                candidacy.id = %pub_id,
                document.id = doc.as_str(),
                document.form_code = %posted.input.form_code,
                "document attached"
            );
            Ok(Redirect::to(&format!("/candidates/{pub_id}#ho-so")).into_response())
        }
        Err(e @ StoreError::Invalid { .. }) => {
            drop(tx);
            refuse(&state, &auth, &pub_id, posted.input, e.message_vi()).await
        }
        Err(e) => Err(e.into()),
    }
}

/// The `Content-Disposition` of a download: an attachment named `<form code>-<id>.<ext>`, with an
/// ASCII fallback (Đ → D, anything else unsafe → `_`) and the UTF-8 name percent-encoded.
fn disposition(form_code: &str, pub_id: &str, ext: &str) -> String {
    let name = format!("{form_code}-{pub_id}.{ext}");
    let ascii: String = name
        .chars()
        .map(|c| match c {
            'Đ' => 'D',
            'đ' => 'd',
            c if c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_') => c,
            _ => '_',
        })
        .collect();
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_') {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

/// `GET /documents/{pub_id}`: the document's bytes, when its candidacy is in the scope.
pub async fn download(
    State(state): State<AppState>,
    auth: Auth,
    Path(pub_id): Path<String>,
) -> Result<Response, AppError> {
    let mut conn = state.store.read().await?;
    let doc = candidacies::document_content(&mut conn, &auth.scope, &pub_id).await?;
    let (mime, ext) = served_as(&doc.meta.mime);
    let disposition = disposition(&doc.meta.form_code, &doc.meta.pub_id, ext);
    let mut res = doc.bytes.into_response();
    let headers = res.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    tracing::info!(document.id = %doc.meta.pub_id, "document downloaded");
    Ok(res)
}

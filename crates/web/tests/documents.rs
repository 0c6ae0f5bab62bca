//! HTTP tests of the dossier on the candidate page: the checklist of the current stage, the
//! upload of a document under a form code (multipart, CSRF), its download through the scope, and
//! the refusals that save nothing.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use crate::common;
use common::*;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use ketnap_store::candidacies::{self, MAX_DOCUMENT_BYTES};
use ketnap_store::{Scope, Store};

const BOUNDARY: &str = "----ketnap-test-7d1f0c";

/// A PDF-looking file with bytes that are not UTF-8.
fn pdf_bytes() -> Vec<u8> {
    let mut b = b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n1 0 obj\n".to_vec();
    b.extend((0u8..=255).cycle().take(3000));
    b.extend_from_slice(b"\n%%EOF\n");
    b
}

/// One part of a multipart body: name, file name (for a file), bytes.
type Part<'a> = (&'a str, Option<&'a str>, &'a [u8]);

fn multipart_body(parts: &[Part<'_>]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, file_name, bytes) in parts {
        body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        match file_name {
            Some(f) => body.extend_from_slice(
                format!(
                    "Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\n\
                     Content-Type: application/octet-stream\r\n\r\n"
                )
                .as_bytes(),
            ),
            None => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
            ),
        }
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

/// Post a multipart form.
async fn post_multipart(app: &mut TestApp, path: &str, parts: &[Part<'_>]) -> Page {
    let mut req = Request::post(path).header(
        header::CONTENT_TYPE,
        format!("multipart/form-data; boundary={BOUNDARY}"),
    );
    if let Some(c) = &app.cookie {
        req = req.header(header::COOKIE, c);
    }
    app.send(req.body(Body::from(multipart_body(parts))).unwrap())
        .await
}

/// Upload a file to a candidate with the session's CSRF token.
async fn upload(app: &mut TestApp, id: &str, code: &str, date: &str, file: &[u8]) -> Page {
    upload_named(app, id, code, date, "don-xin-vao-dang.pdf", file).await
}

/// [`upload`] under a file name of the test's choosing.
async fn upload_named(
    app: &mut TestApp,
    id: &str,
    code: &str,
    date: &str,
    name: &str,
    file: &[u8],
) -> Page {
    let csrf = TestApp::csrf(&app.get("/candidates").await);
    post_multipart(
        app,
        &format!("/candidates/{id}/documents"),
        &[
            ("_csrf", None, csrf.as_bytes()),
            ("form_code", None, code.as_bytes()),
            ("dated_on", None, date.as_bytes()),
            ("file", Some(name), file),
        ],
    )
    .await
}

/// The public ids of the candidates a list page links to, in order.
fn candidate_ids(body: &str) -> Vec<String> {
    body.split("<td><a href=\"/candidates/")
        .skip(1)
        .map(|s| s[..s.find('"').unwrap()].to_string())
        .collect()
}

/// The first candidate of the list with this query, as the logged-in user sees it.
async fn first_candidate(app: &mut TestApp, query: &str) -> String {
    let list = app.get(&format!("/candidates{query}")).await;
    assert_eq!(list.status, StatusCode::OK);
    candidate_ids(&list.body)
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("a candidate for {query}"))
}

/// The download links of a form code's checklist row.
fn links_of(body: &str, code: &str) -> Vec<String> {
    let at = body
        .find(&format!("<tr data-form=\"{code}\">"))
        .unwrap_or_else(|| panic!("row {code}"));
    let row = &body[at..];
    let row = &row[..row.find("</tr>").unwrap()];
    row.split("<a href=\"/documents/")
        .skip(1)
        .map(|s| format!("/documents/{}", &s[..s.find('"').unwrap()]))
        .collect()
}

/// The documents stored for a candidacy (system scope).
async fn stored(store: &Store, id: &str) -> usize {
    let mut conn = store.read().await.unwrap();
    candidacies::documents(&mut conn, &Scope::system(), id)
        .await
        .unwrap()
        .len()
}

#[tokio::test]
async fn the_candidate_page_shows_the_dossier_checklist_of_the_current_stage() {
    let mut app = TestApp::spawn().await;
    app.login("tochuc").await;
    let id = first_candidate(&mut app, "?stage=dossier").await;
    let page = app.get(&format!("/candidates/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    let body = &page.body;
    assert!(body.contains("Hồ sơ cần có ở bước này"), "{body}");
    for code in ["1-KNĐ", "2-KNĐ", "3-KNĐ", "5-KNĐ", "CN-NTVĐ"] {
        assert!(
            body.contains(&format!("<tr data-form=\"{code}\">")),
            "{code}"
        );
    }
    assert!(body.contains("Đơn xin vào Đảng"));
    assert!(body.contains("Lý lịch của người xin vào Đảng"));
    assert!(body.contains("Chưa có"));
    assert!(body.contains("HD 12-HD/BTCTW (2022), Phụ lục 2"));
    // Later stages' forms are not asked for yet; the certificate is carried from the course.
    assert!(!body.contains("<tr data-form=\"6-KNĐ\">"));
    let cert = &body[body.find("<tr data-form=\"CN-NTVĐ\">").unwrap()..];
    assert!(cert[..cert.find("</tr>").unwrap()].contains("bước trước"));
    // Staff get the upload form, a multipart form with the CSRF token first.
    let form = &body[body
        .find("enctype=\"multipart/form-data\"")
        .expect("upload form")..];
    assert!(form.find("name=\"_csrf\"").unwrap() < form.find("name=\"file\"").unwrap());
    assert!(form.contains("<option value=\"1-KNĐ\""));

    let probationary = first_candidate(&mut app, "?stage=probationary").await;
    let page = app.get(&format!("/candidates/{probationary}")).await;
    for code in ["10-KNĐ", "11-KNĐ", "12-KNĐ", "13-KNĐ", "9-KNĐ", "6-KNĐ"] {
        assert!(
            page.body.contains(&format!("<tr data-form=\"{code}\">")),
            "{code}"
        );
    }
}

#[tokio::test]
async fn a_staff_upload_then_download_round_trips_the_bytes() {
    let mut app = TestApp::spawn().await;
    round_trip(&mut app).await;
}

#[tokio::test]
async fn a_staff_upload_then_download_round_trips_the_bytes_on_postgres() {
    if let Some(mut app) = TestApp::spawn_postgres().await {
        round_trip(&mut app).await;
    }
}

async fn round_trip(app: &mut TestApp) {
    app.login("tochuc").await;
    let id = first_candidate(app, "?stage=dossier").await;
    let file = pdf_bytes();
    let res = upload(app, &id, "1-KNĐ", "15/11/2026", &file).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(
        res.location.as_deref(),
        Some(format!("/candidates/{id}#ho-so").as_str())
    );
    let page = app.get(&format!("/candidates/{id}")).await;
    let row = &page.body[page.body.find("<tr data-form=\"1-KNĐ\">").unwrap()..];
    let row = &row[..row.find("</tr>").unwrap()];
    assert!(row.contains("Đã có"), "{row}");
    assert!(row.contains("15/11/2026"), "{row}");
    let links = links_of(&page.body, "1-KNĐ");
    assert_eq!(links.len(), 1);
    assert!(links_of(&page.body, "2-KNĐ").is_empty());

    let (status, headers, body) = get_raw(app, &links[0]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, file, "the bytes come back unchanged");
    assert_eq!(headers[header::CONTENT_TYPE], "application/pdf");
    let disposition = headers[header::CONTENT_DISPOSITION].to_str().unwrap();
    let doc_id = links[0].trim_start_matches("/documents/");
    assert_eq!(
        disposition,
        format!(
            "attachment; filename=\"1-KND-{doc_id}.pdf\"; filename*=UTF-8''1-KN%C4%90-{doc_id}.pdf"
        )
    );
    assert_eq!(headers[header::CACHE_CONTROL], "private, no-store");
    assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert_eq!(stored(&app.store, &id).await, 1);
}

#[tokio::test]
async fn a_user_outside_the_scope_gets_404_on_download() {
    let mut app = TestApp::spawn().await;
    app.login("bithu").await;
    let own: Vec<String> = candidate_ids(&app.get("/candidates").await.body);
    app.cookie = None;
    app.login("tochuc").await;
    let all = candidate_ids(&app.get("/candidates").await.body);
    let other = all.iter().find(|c| !own.contains(c)).unwrap().clone();
    let res = upload(&mut app, &other, "2-KNĐ", "01/11/2026", &pdf_bytes()).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let page = app.get(&format!("/candidates/{other}")).await;
    let link = links_of(&page.body, "2-KNĐ")
        .into_iter()
        .next()
        .or_else(|| {
            // A candidate past the dossier stage lists 2-KNĐ as carried; one before it does not
            // list it, and the document shows among the others.
            let at = page.body.find("<a href=\"/documents/")?;
            let rest = &page.body[at + "<a href=\"".len()..];
            Some(rest[..rest.find('"').unwrap()].to_string())
        })
        .unwrap();
    let (status, _, _) = get_raw(&app, &link).await;
    assert_eq!(status, StatusCode::OK);

    app.cookie = None;
    app.login("bithu").await;
    let (status, headers, body) = get_raw(&app, &link).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(headers.get(header::CONTENT_DISPOSITION).is_none());
    assert!(!body.starts_with(b"%PDF"));
    let (status, _, _) = get_raw(&app, "/documents/0000000000000").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Not logged in: to the login page, never the file.
    app.cookie = None;
    let (status, headers, _) = get_raw(&app, &link).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers[header::LOCATION], "/login");
}

#[tokio::test]
async fn an_upload_without_the_csrf_token_is_refused_and_nothing_is_stored() {
    let mut app = TestApp::spawn().await;
    app.login("tochuc").await;
    let id = first_candidate(&mut app, "?stage=dossier").await;
    let path = format!("/candidates/{id}/documents");
    let file = pdf_bytes();
    let without = post_multipart(
        &mut app,
        &path,
        &[
            ("form_code", None, "1-KNĐ".as_bytes()),
            ("dated_on", None, b"01/11/2026"),
            ("file", Some("a.pdf"), &file),
        ],
    )
    .await;
    assert_eq!(without.status, StatusCode::FORBIDDEN);
    let wrong = post_multipart(
        &mut app,
        &path,
        &[
            ("_csrf", None, b"0123456789abcdef0123456789abcdef"),
            ("form_code", None, "1-KNĐ".as_bytes()),
            ("file", Some("a.pdf"), &file),
        ],
    )
    .await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    assert!(wrong.body.contains("Biểu mẫu đã hết hạn"));
    assert_eq!(stored(&app.store, &id).await, 0);
}

#[tokio::test]
async fn roles_that_may_not_attach_documents_are_refused_and_nothing_is_stored() {
    let mut app = TestApp::spawn().await;
    // The mentor sees the candidacies assigned to them, but may not attach documents.
    app.login("giupdo").await;
    let id = first_candidate(&mut app, "").await;
    let page = app.get(&format!("/candidates/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    // Least privilege (issue 18): a mentor does not read the dossier at all.
    assert!(!page.body.contains("Hồ sơ cần có ở bước này"));
    assert!(!page.body.contains("enctype=\"multipart/form-data\""));
    let res = upload(&mut app, &id, "1-KNĐ", "01/11/2026", &pdf_bytes()).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    for user in ["ttct", "doanthanhnien"] {
        app.cookie = None;
        app.login(user).await;
        let page = app.get(&format!("/candidates/{id}")).await;
        if page.status == StatusCode::OK {
            assert!(
                !page.body.contains("enctype=\"multipart/form-data\""),
                "{user}"
            );
            let res = upload(&mut app, &id, "1-KNĐ", "01/11/2026", &pdf_bytes()).await;
            assert_eq!(res.status, StatusCode::FORBIDDEN, "{user}");
        }
    }
    // The viewer sees aggregates only.
    app.cookie = None;
    app.login("lanhdao").await;
    let csrf = TestApp::csrf(&app.get("/").await);
    let res = post_multipart(
        &mut app,
        &format!("/candidates/{id}/documents"),
        &[
            ("_csrf", None, csrf.as_bytes()),
            ("form_code", None, "1-KNĐ".as_bytes()),
            ("file", Some("a.pdf"), &pdf_bytes()),
        ],
    )
    .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(stored(&app.store, &id).await, 0);
}

#[tokio::test]
async fn a_cell_secretary_cannot_attach_to_another_cells_candidate() {
    let mut app = TestApp::spawn().await;
    app.login("bithu").await;
    let own: Vec<String> = candidate_ids(&app.get("/candidates").await.body);
    // Cell secretaries are staff of their own cell (candidacies::add_document): the form shows.
    let mine = own.first().unwrap().clone();
    let page = app.get(&format!("/candidates/{mine}")).await;
    assert!(page.body.contains("enctype=\"multipart/form-data\""));
    app.cookie = None;
    app.login("tochuc").await;
    let all = candidate_ids(&app.get("/candidates").await.body);
    let other = all.iter().find(|c| !own.contains(c)).unwrap().clone();
    app.cookie = None;
    app.login("bithu").await;
    let res = upload(&mut app, &other, "1-KNĐ", "01/11/2026", &pdf_bytes()).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert!(!res.body.contains("Hồ sơ cần có ở bước này"));
    assert_eq!(stored(&app.store, &other).await, 0);
}

#[tokio::test]
async fn refused_uploads_show_the_page_again_with_the_reason_and_save_nothing() {
    let mut app = TestApp::spawn().await;
    app.login("tochuc").await;
    let id = first_candidate(&mut app, "?stage=dossier").await;
    let pdf = pdf_bytes();
    // No form code.
    let res = upload(&mut app, &id, "", "01/11/2026", &pdf).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.body.contains("Chọn mã mẫu của tài liệu"),
        "{}",
        res.body
    );
    assert!(res.body.contains("Hồ sơ cần có ở bước này"));
    // A code outside the catalogue.
    let res = upload(&mut app, &id, "99-KNĐ", "01/11/2026", &pdf).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Too big: one byte over the limit.
    let mut big = pdf.clone();
    big.resize(MAX_DOCUMENT_BYTES + 1, b'x');
    let res = upload(&mut app, &id, "2-KNĐ", "01/11/2026", &big).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.body.contains("Tệp quá lớn: mỗi tệp tối đa 20 MB"),
        "{}",
        res.body
    );
    // The form keeps what was chosen.
    assert!(res.body.contains("<option value=\"2-KNĐ\" selected>"));
    // A type not accepted (HTML sent as a PDF).
    let res = upload(
        &mut app,
        &id,
        "1-KNĐ",
        "01/11/2026",
        b"<html><script>x</script>",
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.body
            .contains("Nội dung tệp không đúng với đuôi tên tệp")
    );
    // No file, a bad date, a date in the future.
    let res = upload(&mut app, &id, "1-KNĐ", "01/11/2026", b"").await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("Chọn tệp cần đính kèm"));
    let res = upload(&mut app, &id, "1-KNĐ", "31/02/2026", &pdf).await;
    assert!(res.body.contains("ví dụ 07/03/2026. Không có gì được lưu."));
    let res = upload(&mut app, &id, "1-KNĐ", "01/01/2027", &pdf).await;
    assert!(res.body.contains("không được sau ngày hôm nay"));
    assert_eq!(stored(&app.store, &id).await, 0);
    // A body far over the limit is refused before any handler.
    let mut huge = pdf.clone();
    huge.resize(MAX_DOCUMENT_BYTES + 2 * 1024 * 1024, b'x');
    let res = upload(&mut app, &id, "2-KNĐ", "01/11/2026", &huge).await;
    assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(stored(&app.store, &id).await, 0);
}

/// A ZIP of the named parts (stored, not compressed).
fn zip_of(parts: &[(&str, &[u8])]) -> Vec<u8> {
    use std::io::Write;
    let mut out = std::io::Cursor::new(Vec::new());
    {
        let mut w = zip::ZipWriter::new(&mut out);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        for (name, bytes) in parts {
            w.start_file(*name, opts).unwrap();
            w.write_all(bytes).unwrap();
        }
        w.finish().unwrap();
    }
    out.into_inner()
}

/// Issue 18, point 3: the type comes from the content and the extension agreeing; PDF, JPEG, PNG
/// and DOCX only; archives refused (a ZIP under any name, a ZIP named .docx that is no Word
/// document, a DOCX with macros or an archive inside); each refusal says why, nothing is stored.
#[tokio::test]
async fn uploads_are_what_their_name_says_and_never_archives() {
    let mut app = TestApp::spawn().await;
    app.login("tochuc").await;
    let id = first_candidate(&mut app, "?stage=dossier").await;
    let png: &[u8] = &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0];
    let word = |extra: &[(&str, &[u8])]| {
        let mut parts: Vec<(&str, &[u8])> = vec![
            ("[Content_Types].xml", b"<Types/>"),
            ("word/document.xml", b"<w:document/>"),
        ];
        parts.extend_from_slice(extra);
        zip_of(&parts)
    };
    let refusals: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "anh.pdf",
            png.to_vec(),
            "Nội dung tệp không đúng với đuôi tên tệp",
        ),
        (
            "don.pdf.exe",
            pdf_bytes(),
            "Chỉ nhận tệp PDF, JPG, PNG hoặc DOCX",
        ),
        (
            "don.doc",
            vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0],
            "Chỉ nhận tệp PDF, JPG, PNG hoặc DOCX",
        ),
        (
            "ho-so.zip",
            zip_of(&[("a.pdf", b"%PDF-1.4")]),
            "Không nhận tệp nén",
        ),
        (
            "ho-so.pdf",
            zip_of(&[("a.pdf", b"%PDF-1.4")]),
            "Không nhận tệp nén",
        ),
        (
            "ho-so.pdf",
            vec![0x1F, 0x8B, 8, 0, 0, 0],
            "Không nhận tệp nén",
        ),
        (
            "ho-so.docx",
            zip_of(&[("a.pdf", b"%PDF-1.4")]),
            "không phải văn bản Word đọc được",
        ),
        (
            "don.docx",
            word(&[("word/vbaProject.bin", b"macro")]),
            "có macro hoặc chứa tệp nén",
        ),
        (
            "don.docx",
            word(&[("word/embeddings/x.zip", b"PK")]),
            "có macro hoặc chứa tệp nén",
        ),
    ];
    for (name, bytes, why) in refusals {
        let res = upload_named(&mut app, &id, "1-KNĐ", "01/11/2026", name, &bytes).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        assert!(res.body.contains(why), "{name}: {why}");
        assert!(res.body.contains("Không có gì được lưu."), "{name}");
    }
    assert_eq!(stored(&app.store, &id).await, 0);
    // What agrees is kept: a Word document, a JPEG named .jpeg, a PNG.
    for (name, bytes) in [
        ("don.docx", word(&[])),
        ("anh.JPEG", vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 0]),
        ("anh.png", png.to_vec()),
    ] {
        let res = upload_named(&mut app, &id, "1-KNĐ", "01/11/2026", name, &bytes).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{name}: {}", res.body);
    }
    assert_eq!(stored(&app.store, &id).await, 3);
}

//! HTTP tests of the coverage and evaluation pages: every role reads them in its scope, the
//! counts table agrees with the lists, the files open with calamine, outside the scope is 404.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use crate::common;
use common::*;

use axum::http::StatusCode;
use calamine::{Data, Reader, Xlsx};

async fn bytes_of(app: &TestApp, path: &str) -> (StatusCode, Vec<u8>) {
    let (status, _, bytes) = get_raw(app, path).await;
    (status, bytes)
}

#[tokio::test]
async fn every_role_reads_coverage_and_evaluation_of_its_scope() {
    let mut app = TestApp::spawn().await;
    for user in USERS {
        app.cookie = None;
        app.login(user).await;
        let page = app.get("/coverage").await;
        assert_eq!(page.status, StatusCode::OK, "{user}: {}", page.body);
        assert!(
            page.body.contains("I. Số liệu theo tổ chức trực thuộc"),
            "{user}"
        );
        let page = app.get("/coverage/evaluation?year=2026").await;
        assert_eq!(page.status, StatusCode::OK, "{user}: {}", page.body);
    }
}

#[tokio::test]
async fn the_coverage_counts_match_the_lists_and_the_xlsx() {
    let mut app = TestApp::spawn().await;
    app.login("tochuc").await;
    let page = app.get("/coverage?year=2026").await;
    let org = options_of(&page.body, "c-org")[0].clone();
    // The total row of section I against the number of rows of section IV (chi ủy), when the
    // list is not cut.
    let total_at = page.body.find("Cộng: ").unwrap();
    let total_row = &page.body[total_at..];
    let total_row = &total_row[..total_row.find("</tr>").unwrap()];
    let cells: Vec<String> = total_row
        .split("<td class=\"num\">")
        .skip(1)
        .map(|c| c[..c.find('<').unwrap()].replace('.', ""))
        .collect();
    let committee_total: usize = cells[2].parse().unwrap();
    let iv = &page.body[page.body.find("<h2>IV.").unwrap()..];
    let iv = &iv[..iv.find("</section>").unwrap()];
    let rows = iv.matches("<tr><th scope=\"row\">").count();
    assert_eq!(rows, committee_total, "{iv}");
    let (status, bytes) =
        bytes_of(&app, &format!("/coverage?org={org}&year=2026&format=xlsx")).await;
    assert_eq!(status, StatusCode::OK);
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    let sheet = book.worksheet_range("Báo cáo").unwrap();
    let total = sheet
        .rows()
        .find(|r| matches!(&r[0], Data::String(s) if s.starts_with("Cộng: ")))
        .unwrap()
        .to_vec();
    assert_eq!(total[3], Data::Float(committee_total as f64));
    let (status, bytes) = bytes_of(
        &app,
        &format!("/coverage/evaluation?org={org}&year=2026&format=xlsx"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(&bytes[..2], b"PK");
    let (status, _) = bytes_of(&app, &format!("/coverage?org={org}&format=pdf")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // A year that is not a year gets the Vietnamese page, not a bare 400.
    for bad in ["abc", "99999", ""] {
        let res = app
            .get(&format!("/coverage/evaluation?org={org}&year={bad}"))
            .await;
        if bad.is_empty() {
            assert_eq!(res.status, StatusCode::OK);
        } else {
            assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
            assert!(res.body.contains("không hợp lệ"), "{bad}: {}", res.body);
        }
    }
}

#[tokio::test]
async fn coverage_outside_the_scope_is_not_found() {
    let mut app = TestApp::spawn().await;
    app.login("tochuc").await;
    let all = options_of(&app.get("/coverage").await.body, "c-org");
    app.cookie = None;
    app.login("bithu").await;
    let mine = options_of(&app.get("/coverage").await.body, "c-org");
    let outside = all.iter().find(|o| !mine.contains(o)).unwrap();
    assert_eq!(
        app.get(&format!("/coverage?org={outside}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get(&format!("/coverage/evaluation?org={outside}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

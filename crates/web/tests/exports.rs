//! HTTP tests of the list downloads: each list page's XLSX, read back with calamine, has the rows
//! the page shows (every page of it) in the importer's columns; the file is an attachment with an
//! ASCII name, never cached; a leader who sees aggregates only downloads nothing; a cell that
//! looks like a formula comes out neutralised.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use crate::common;
use common::*;

use axum::http::{StatusCode, header};
use calamine::{Data, Reader, Xlsx};
use ketnap_domain::org::{CellKind, OrgKind};
use ketnap_io::import::{Kind, columns};
use ketnap_store::orgs::{self, NewOrg};
use ketnap_store::{WriteCtx, fetch_one};

/// The rows of the XLSX at `path` (the heading row first), every cell as text.
async fn xlsx(app: &TestApp, path: &str) -> Vec<Vec<String>> {
    let (status, headers, bytes) = get_raw(app, path).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "{path}: {}",
        String::from_utf8_lossy(&bytes)
    );
    let disposition = headers[header::CONTENT_DISPOSITION].to_str().unwrap();
    assert!(
        disposition.starts_with("attachment; filename=\""),
        "{disposition}"
    );
    assert!(disposition.ends_with(".xlsx\""), "{disposition}");
    assert!(disposition.is_ascii(), "{disposition}");
    assert_eq!(headers[header::CACHE_CONTROL], "no-store", "{path}");
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    let sheet = book.worksheet_range("Danh sách").unwrap();
    sheet
        .rows()
        .map(|r| {
            r.iter()
                .map(|c| match c {
                    Data::String(s) => s.clone(),
                    Data::Empty => String::new(),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect()
}

fn column(rows: &[Vec<String>], heading: &str) -> Vec<String> {
    let at = rows[0]
        .iter()
        .position(|h| h == heading)
        .unwrap_or_else(|| panic!("no column {heading}: {:?}", rows[0]));
    rows[1..].iter().map(|r| r[at].clone()).collect()
}

fn unescape(s: &str) -> String {
    s.replace("&amp;", "&").replace("&#38;", "&")
}

/// The text of every `<td>…</td>` cell `n` (0-based) of the rows of the page's first table, on
/// every page (following "Trang sau").
async fn page_column(app: &mut TestApp, first: &str, n: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut path = first.to_string();
    loop {
        let page = app.get(&path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        let body = &page.body;
        // The list is the page's last table (a summary may come before it).
        if let Some(start) = body.rfind("<tbody>") {
            let table = &body[start..body[start..].find("</tbody>").unwrap() + start];
            for tr in table.split("<tr>").skip(1) {
                let cell = tr.split("<td").nth(n + 1).unwrap();
                let cell = &cell[cell.find('>').unwrap() + 1..];
                let cell = &cell[..cell.find("</td>").unwrap()];
                // Strip tags (links, badges).
                let mut text = String::new();
                let mut inside = false;
                for ch in cell.chars() {
                    match ch {
                        '<' => inside = true,
                        '>' => inside = false,
                        c if !inside => text.push(c),
                        _ => {}
                    }
                }
                out.push(unescape(text.trim()));
            }
        }
        let Some(at) = body
            .find("rel=\"next\"")
            .or_else(|| body.find(">Trang sau<"))
        else {
            return out;
        };
        let before = &body[..at];
        let href = before.rfind("href=\"").unwrap();
        let link = &before[href + 6..];
        path = unescape(&link[..link.find('"').unwrap()]);
    }
}

#[tokio::test]
async fn the_candidates_xlsx_has_the_rows_of_the_filtered_list_in_the_importers_columns() {
    let mut app = TestApp::spawn().await;
    app.login("tochuc").await;
    let page = app.get("/candidates?gender=female").await;
    assert!(
        unescape(&page.body).contains("Tải về: <a href=\"/candidates?gender=female&format=xlsx\""),
        "{}",
        page.body
    );
    let names = page_column(&mut app, "/candidates?gender=female", 0).await;
    assert!(names.len() > 5, "{names:?}");
    let rows = xlsx(&app, "/candidates?gender=female&format=xlsx").await;
    assert_eq!(rows[0], columns::headings(Kind::Candidates));
    assert_eq!(column(&rows, "Họ và tên"), names);
    assert!(column(&rows, "Giới tính").iter().all(|g| g == "Nữ"));
    // The stage as its label, the dates dd/mm/yyyy.
    let stages = page_column(&mut app, "/candidates?gender=female", 3).await;
    assert_eq!(column(&rows, "Giai đoạn"), stages);
    assert!(
        column(&rows, "Ngày đưa vào nguồn")
            .iter()
            .all(|d| d.len() == 10 && &d[2..3] == "/")
    );
}

#[tokio::test]
async fn a_cell_secretarys_roster_xlsx_is_their_cells_roster() {
    let mut app = TestApp::spawn().await;
    app.login("bithu").await;
    let page = app.get("/members").await;
    assert_eq!(page.status, StatusCode::OK);
    let names = page_column(&mut app, "/members", 0).await;
    assert!(!names.is_empty());
    let at = page
        .body
        .find("Tải về: <a href=\"")
        .expect("download links");
    let link = &page.body[at + "Tải về: <a href=\"".len()..];
    let link = unescape(&link[..link.find('"').unwrap()]);
    assert!(
        link.starts_with("/members?org=") && link.ends_with("format=xlsx"),
        "{link}"
    );
    let rows = xlsx(&app, &link).await;
    assert_eq!(rows[0], columns::headings(Kind::Members));
    assert_eq!(column(&rows, "Họ và tên"), names);
    let cells: std::collections::BTreeSet<String> =
        column(&rows, "Mã chi bộ").into_iter().collect();
    assert_eq!(cells.len(), 1, "{cells:?}");
    assert!(
        column(&rows, "Loại đảng viên")
            .iter()
            .all(|s| s == "Chính thức" || s == "Dự bị")
    );
    let (status, headers, bytes) = get_raw(&app, &link.replace("xlsx", "csv")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "a byte-order mark");
    let disposition = headers[header::CONTENT_DISPOSITION].to_str().unwrap();
    assert!(
        disposition.contains("danh-sach-dang-vien-"),
        "{disposition}"
    );
}

#[tokio::test]
async fn the_alerts_mentors_and_audit_files_have_the_rows_of_their_pages() {
    let mut app = TestApp::spawn().await;
    app.login("tochuc").await;

    // Deadlines: one line per candidate, on the page and in the file alike.
    let names = page_column(
        &mut app,
        "/alerts?kind=decision&status=overdue&sort=cell",
        2,
    )
    .await;
    assert!(!names.is_empty());
    let rows = xlsx(
        &app,
        "/alerts?kind=decision&status=overdue&sort=cell&format=xlsx",
    )
    .await;
    assert_eq!(rows.len() - 1, names.len());
    assert_eq!(column(&rows, "Họ và tên"), names);
    // Missing mentor notes: the page folds them into one line per mentor and cell; the file
    // keeps one line per candidate.
    let folded = page_column(&mut app, "/alerts?kind=mentor_note", 2).await;
    let rows = xlsx(&app, "/alerts?kind=mentor_note&format=xlsx").await;
    let counted: usize = folded
        .iter()
        .map(|n| {
            n.strip_suffix(" quần chúng")
                .and_then(|k| k.parse::<usize>().ok())
                .unwrap_or_else(|| panic!("a mentor's line reads “{n}”"))
        })
        .sum();
    assert!(!folded.is_empty() && folded.len() < rows.len());
    assert_eq!(
        counted,
        rows.len() - 1,
        "every candidate counted once: {folded:?}"
    );

    let names = page_column(&mut app, "/mentors", 0).await;
    let rows = xlsx(&app, "/mentors?format=xlsx").await;
    assert_eq!(column(&rows, "Họ và tên"), names);
    let page = app.get("/mentors").await;
    if !names.is_empty() {
        assert!(page.body.contains("/mentors?format=csv"));
    }

    let codes = page_column(&mut app, "/audit?action=candidacy", 0).await;
    assert!(codes.len() > 50, "more than one page: {}", codes.len());
    let rows = xlsx(&app, "/audit?action=candidacy&format=xlsx").await;
    let exported = column(&rows, "Mã thao tác");
    assert_eq!(exported.len(), codes.len());
    assert!(exported.iter().all(|c| c.starts_with("candidacy.")));
}

#[tokio::test]
async fn the_plans_orgs_and_coverage_files_hold_the_pages_lists() {
    let mut app = TestApp::spawn().await;
    app.login("tochuc").await;
    let page = app.get("/plans?period=2026").await;
    let org = options_of(&page.body, "p-org")[0].clone();
    let rows = xlsx(&app, &format!("/plans?org={org}&period=2026&format=xlsx")).await;
    assert_eq!(rows[0], columns::headings(Kind::Plans));
    assert!(rows.len() > 1, "the district and its communes have plans");
    assert!(column(&rows, "Kỳ kế hoạch").iter().all(|p| p == "2026"));

    let page = app.get(&format!("/orgs/{org}")).await;
    assert!(
        page.body
            .contains(&format!("/orgs/{org}/download?format=xlsx"))
    );
    let rows = xlsx(&app, &format!("/orgs/{org}/download?format=xlsx")).await;
    assert_eq!(rows[0], columns::headings(Kind::Orgs));
    let codes = column(&rows, "Mã tổ chức");
    let kinds = column(&rows, "Loại");
    assert!(
        kinds.iter().any(|k| k == "Thôn" || k == "Tổ dân phố"),
        "{kinds:?}"
    );
    // Every child shown on the page is in the file.
    let children = page_column(&mut app, &format!("/orgs/{org}"), 0).await;
    assert!(!children.is_empty());
    let names = column(&rows, "Tên tổ chức");
    for c in &children {
        assert!(
            names.iter().any(|n| c.contains(n.as_str())),
            "{c} not in the file"
        );
    }
    assert!(!codes[0].is_empty());

    // The coverage lists: as many rows as the page's totals.
    let page = app.get(&format!("/coverage?org={org}&year=2026")).await;
    assert!(
        unescape(&page.body).contains(&format!("/coverage/lists?org={org}&year=2026&format=xlsx"))
    );
    let total_at = page.body.find("Cộng: ").unwrap();
    let total_row = &page.body[total_at..];
    let total_row = &total_row[..total_row.find("</tr>").unwrap()];
    let total: usize = total_row
        .split("<td class=\"num\">")
        .skip(1)
        .map(|c| {
            c[..c.find('<').unwrap()]
                .replace('.', "")
                .parse::<usize>()
                .unwrap()
        })
        .sum();
    let rows = xlsx(
        &app,
        &format!("/coverage/lists?org={org}&year=2026&format=xlsx"),
    )
    .await;
    assert_eq!(rows.len() - 1, total);
}

#[tokio::test]
async fn a_leader_who_reads_aggregates_downloads_no_list() {
    let mut app = TestApp::spawn().await;
    app.login("lanhdao").await;
    let page = app.get("/plans?period=2026").await;
    assert!(!page.body.contains("Tải về:"));
    let org = options_of(&page.body, "p-org")[0].clone();
    for path in [
        "/candidates?format=xlsx".to_string(),
        format!("/members?org={org}&format=xlsx"),
        "/alerts?format=csv".to_string(),
        "/mentors?format=xlsx".to_string(),
        format!("/plans?org={org}&period=2026&format=xlsx"),
        format!("/orgs/{org}/download?format=xlsx"),
        format!("/coverage/lists?org={org}&year=2026&format=xlsx"),
    ] {
        let (status, _, _) = get_raw(&app, &path).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
    }
}

#[tokio::test]
async fn a_name_that_looks_like_a_formula_comes_out_neutralised() {
    let mut app = TestApp::spawn().await;
    let (parent_id, parent_pub): (i64, String) = {
        let mut c = app.store.read().await.unwrap();
        fetch_one!(
            c.ex(),
            (i64, String),
            "SELECT org_id, pub_id FROM org WHERE kind = 'grassroots:commune' ORDER BY code LIMIT 1"
        )
        .unwrap()
    };
    let name = "=HYPERLINK(\"http://x.example\",\"Bấm\")";
    let mut tx = app.store.begin().await.unwrap();
    let ctx = WriteCtx::new(None, "2026-11-23T03:00:00Z".parse().unwrap());
    orgs::create(
        &mut tx,
        &ctx,
        &NewOrg::new(
            "CB-CONG-THUC",
            name,
            OrgKind::Cell(CellKind::Other),
            Some(parent_id),
        ),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();

    app.login("tochuc").await;
    let (status, _, bytes) =
        get_raw(&app, &format!("/orgs/{parent_pub}/download?format=csv")).await;
    assert_eq!(status, StatusCode::OK);
    let text = String::from_utf8(bytes).unwrap();
    let line = text
        .lines()
        .find(|l| l.starts_with("CB-CONG-THUC,"))
        .expect("the new cell's row");
    assert!(line.contains("'=HYPERLINK"), "{line}");
    assert!(!line.contains(",=") && !line.contains(",\"="), "{line}");

    let rows = xlsx(&app, &format!("/orgs/{parent_pub}/download?format=xlsx")).await;
    let at = column(&rows, "Mã tổ chức")
        .iter()
        .position(|c| c == "CB-CONG-THUC")
        .unwrap();
    // Text, not a formula: it reads back as written.
    assert_eq!(column(&rows, "Tên tổ chức")[at], name);
}

#[tokio::test]
async fn the_downloads_read_the_same_on_postgresql() {
    let Some(mut app) = TestApp::spawn_postgres().await else {
        return;
    };
    app.login("tochuc").await;
    let names = page_column(&mut app, "/candidates?gender=male", 0).await;
    let rows = xlsx(&app, "/candidates?gender=male&format=xlsx").await;
    assert_eq!(column(&rows, "Họ và tên"), names);
    let page = app.get("/plans?period=2026").await;
    let org = options_of(&page.body, "p-org")[0].clone();
    let rows = xlsx(&app, &format!("/orgs/{org}/download?format=xlsx")).await;
    assert_eq!(rows[0], columns::headings(Kind::Orgs));
    assert!(rows.len() > 10);
    app.cookie = None;
    app.login("bithu").await;
    let names = page_column(&mut app, "/members", 0).await;
    let page = app.get("/members").await;
    let at = page
        .body
        .find("Tải về: <a href=\"")
        .expect("download links");
    let link = &page.body[at + "Tải về: <a href=\"".len()..];
    let link = unescape(&link[..link.find('"').unwrap()]);
    let rows = xlsx(&app, &link).await;
    assert_eq!(column(&rows, "Họ và tên"), names);
}

//! HTTP tests of the report pages: every role reads the report of its scope; the XLSX, CSV and
//! JSON files hold the figures of the page (the XLSX read back with calamine); the printable
//! page; refusals.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use crate::common;
use common::*;

use axum::http::StatusCode;
use calamine::{Data, Reader, Xlsx};

/// The rows of the page's table under the heading `title`: each row's cells as text.
fn table_rows(body: &str, title: &str) -> Vec<Vec<String>> {
    let at = body.find(&format!("<h2>{title}")).expect(title);
    let rest = &body[at..];
    let tbody = &rest[rest.find("<tbody>").unwrap()..rest.find("</tbody>").unwrap()];
    tbody
        .split("<tr>")
        .skip(1)
        .map(|tr| {
            let mut cells = Vec::new();
            let mut s = tr;
            while let Some(open) = s.find("<t") {
                let after = &s[open..];
                if !(after.starts_with("<td") || after.starts_with("<th")) {
                    s = &after[2..];
                    continue;
                }
                let start = after.find('>').unwrap() + 1;
                let end = after.find("</t").unwrap();
                cells.push(after[start..end].trim().to_string());
                s = &after[end + 3..];
            }
            cells
        })
        .collect()
}

/// The shown text of a number cell as the page writes it, from a calamine cell.
fn shown(cell: &Data) -> String {
    match cell {
        Data::Float(f) => {
            let n = *f as i64;
            let s = n.unsigned_abs().to_string();
            let mut out = String::new();
            for (i, ch) in s.chars().enumerate() {
                if i > 0 && (s.len() - i).is_multiple_of(3) {
                    out.push('.');
                }
                out.push(ch);
            }
            if n < 0 { format!("−{out}") } else { out }
        }
        Data::Int(i) => i.to_string(),
        Data::String(s) => s.clone(),
        Data::Empty => String::new(),
        other => other.to_string(),
    }
}

#[tokio::test]
async fn every_role_reads_the_report_of_its_scope_for_every_kind_of_period() {
    let mut app = TestApp::spawn().await;
    for user in USERS {
        app.cookie = None;
        app.login(user).await;
        for period in ["2026", "2026-Q3", "2026-H1", "2026-11", "2025-2030"] {
            let page = app.get(&format!("/reports?period={period}")).await;
            assert_eq!(
                page.status,
                StatusCode::OK,
                "{user} {period}: {}",
                page.body
            );
            assert!(
                page.body.contains("I. Kết quả thực hiện chỉ tiêu"),
                "{user}"
            );
            assert!(page.body.contains("<svg"), "{user}: charts");
        }
    }
}

#[tokio::test]
async fn the_xlsx_file_holds_the_numbers_of_the_page() {
    let mut app = TestApp::spawn().await;
    app.login("tochuc").await;
    let page = app.get("/reports?period=2026").await;
    let org = options_of(&page.body, "r-org")[0].clone();
    let (status, ct, bytes) = download(
        &app,
        &format!("/reports/download?org={org}&period=2026&format=xlsx"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(ct.contains("spreadsheetml"), "{ct}");
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    let sheet = book.worksheet_range("Báo cáo").unwrap();
    let grid: Vec<Vec<Data>> = sheet.rows().map(|r| r.to_vec()).collect();
    let find = |title: &str, label: &str| -> Vec<Data> {
        let start = grid
            .iter()
            .position(|r| matches!(&r[0], Data::String(s) if s.starts_with(title)))
            .unwrap_or_else(|| panic!("section {title} in the xlsx"));
        grid[start..]
            .iter()
            .find(|r| matches!(&r[0], Data::String(s) if s == label))
            .unwrap_or_else(|| panic!("row {label} in the xlsx"))
            .clone()
    };
    // Sections II and V of the page, row by row, against the file.
    for (title, labels) in [
        (
            "II. Biến động trong kỳ",
            vec![
                "Kết nạp đảng viên",
                "Công nhận đảng viên chính thức",
                "Lập danh sách cảm tình Đảng",
            ],
        ),
        (
            "V. Cơ cấu đội ngũ đảng viên",
            vec!["Tổng số", "Nữ", "Người dân tộc thiểu số"],
        ),
    ] {
        let rows = table_rows(&page.body, title);
        for label in labels {
            let on_page = rows.iter().find(|r| r[0] == label).expect(label);
            let in_file = find(title, label);
            assert_eq!(shown(&in_file[1]), on_page[1], "{title} / {label}");
        }
    }
    // The heading block as party documents set it.
    assert!(
        grid.iter()
            .flatten()
            .any(|c| matches!(c, Data::String(s) if s == "ĐẢNG CỘNG SẢN VIỆT NAM"))
    );
    assert!(grid.iter().flatten().any(|c| matches!(c, Data::String(s) if s.starts_with("KẾT QUẢ CÔNG TÁC PHÁT TRIỂN ĐẢNG VIÊN NĂM 2026"))));
}

#[tokio::test]
async fn csv_and_json_hold_the_same_admissions_as_the_page() {
    let mut app = TestApp::spawn().await;
    app.login("tochuc").await;
    let page = app.get("/reports?period=2026").await;
    let org = options_of(&page.body, "r-org")[0].clone();
    let rows = table_rows(&page.body, "II. Biến động trong kỳ");
    let admitted = rows.iter().find(|r| r[0] == "Kết nạp đảng viên").unwrap()[1].replace('.', "");
    let (status, ct, csv) = download(
        &app,
        &format!("/reports/download?org={org}&period=2026&format=csv"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(ct.starts_with("text/csv"));
    let csv = String::from_utf8(csv).unwrap();
    let line = csv
        .lines()
        .find(|l| l.starts_with("Kết nạp đảng viên,") && l.split(',').count() == 4)
        .unwrap();
    assert_eq!(line.split(',').nth(1).unwrap(), admitted);
    let (status, _, json) = download(
        &app,
        &format!("/reports/download?org={org}&period=2026&format=json"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(
        v["periodic"]["current"]["flows"]["admissions"].to_string(),
        admitted
    );
    let (status, _, _) = download(
        &app,
        &format!("/reports/download?org={org}&period=2026&format=pdf"),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn the_printable_page_has_the_heading_and_no_navigation() {
    let mut app = TestApp::spawn().await;
    app.login("lanhdao").await;
    let page = app.get("/reports?period=2026-Q4&print=1").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("ĐẢNG CỘNG SẢN VIỆT NAM"));
    assert!(
        page.body
            .contains("KẾT QUẢ CÔNG TÁC PHÁT TRIỂN ĐẢNG VIÊN QUÝ IV/2026"),
        "{}",
        &page.body[..2000]
    );
    assert!(!page.body.contains("Điều hướng chính"));
}

#[tokio::test]
async fn the_report_is_a_finished_party_document_with_the_words_staff_write_for_the_period() {
    let mut app = TestApp::spawn().await;
    app.login("tochuc").await;
    let page = app.get("/reports?period=2026-Q4").await;
    assert!(
        page.body.contains("Phần lời của báo cáo"),
        "a form for staff"
    );
    let org = options_of(&page.body, "r-org")[0].clone();
    let csrf = TestApp::csrf(&page);
    let form = |date: &'static str| {
        vec![
            ("_csrf", csrf.clone()),
            ("org", org.clone()),
            ("period", "2026-Q4".to_string()),
            ("number", "Số 25-BC/HU".to_string()),
            ("dated_on", date.to_string()),
            (
                "results",
                "Các chi bộ tập trung tạo nguồn.\r\nMở lớp nhận thức đúng kế hoạch.".to_string(),
            ),
            (
                "shortcomings",
                "Thẩm tra lý lịch ở nơi xa còn chậm.".to_string(),
            ),
            ("tasks", "Hoàn thành hồ sơ tồn trước Tết.".to_string()),
            (
                "recipients",
                "- Ban Tổ chức Tỉnh ủy,\nLưu Văn phòng".to_string(),
            ),
            ("sign_for", String::new()),
            ("sign_title", "Phó Bí thư".to_string()),
            ("signer", "Trần Văn Ký".to_string()),
        ]
    };
    let as_refs = |f: &[(&'static str, String)]| -> Vec<(&'static str, String)> { f.to_vec() };
    // A date that is not a date: refused in Vietnamese, with what was typed kept.
    let bad = as_refs(&form("31/02/2026"));
    let pairs: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let res = app.post("/reports/text", &pairs).await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(
        res.body.contains("không đúng dạng ngày/tháng/năm"),
        "refusal"
    );
    assert!(
        res.body.contains("Thẩm tra lý lịch ở nơi xa còn chậm."),
        "kept"
    );
    let good = as_refs(&form("28/12/2026"));
    let pairs: Vec<(&str, &str)> = good.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let res = app.post("/reports/text", &pairs).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);

    // The printed report: number and symbol, the place's name, the title in capitals, the
    // narrative in its three parts around the numbered tables, recipients and the signature.
    let print = app
        .get(&format!("/reports?org={org}&period=2026-Q4&print=1"))
        .await;
    assert_eq!(print.status, StatusCode::OK);
    let b = &print.body;
    for part in [
        "HUYỆN ỦY HÒA LÂM",
        "Số 25-BC/HU",
        "Hòa Lâm, ngày 28 tháng 12 năm 2026",
        "KẾT QUẢ CÔNG TÁC PHÁT TRIỂN ĐẢNG VIÊN QUÝ IV/2026",
        "I. KẾT QUẢ ĐẠT ĐƯỢC",
        "Mở lớp nhận thức đúng kế hoạch.",
        "Biểu 1. Kết quả thực hiện chỉ tiêu",
        "Biểu 8. Lớp bồi dưỡng",
        "II. HẠN CHẾ, KHUYẾT ĐIỂM VÀ NGUYÊN NHÂN",
        "III. PHƯƠNG HƯỚNG, NHIỆM VỤ THỜI GIAN TỚI",
        "Ban Tổ chức Tỉnh ủy",
        "T/M BAN THƯỜNG VỤ",
        "PHÓ BÍ THƯ",
        "Trần Văn Ký",
        "BIỂU ĐỒ KÈM THEO BÁO CÁO",
    ] {
        assert!(b.contains(part), "{part}");
    }
    let order: Vec<usize> = [
        "I. KẾT QUẢ ĐẠT ĐƯỢC",
        "Biểu 1.",
        "II. HẠN CHẾ",
        "III. PHƯƠNG HƯỚNG",
        "Nơi nhận",
    ]
    .iter()
    .map(|p| b.find(p).unwrap())
    .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}");
    assert!(
        !b.contains("Ban Tổ chức Tỉnh ủy,,"),
        "recipient punctuation is the layout's"
    );
    // The trend is drawn for the quarter's months only.
    assert!(
        b.contains(">T10<") && !b.contains(">T9<"),
        "the quarter's months"
    );

    // The same document as DOCX.
    let (status, ct, bytes) = download(
        &app,
        &format!("/reports/download?org={org}&period=2026-Q4&format=docx"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(ct.contains("wordprocessingml"), "{ct}");
    let x = docx_text(&bytes);
    for part in [
        "Số 25-BC/HU",
        "Hòa Lâm, ngày 28 tháng 12 năm 2026",
        "QUÝ IV/2026",
        "Thẩm tra lý lịch ở nơi xa còn chậm.",
        "Biểu 2. Biến động trong kỳ",
        "Trần Văn Ký",
    ] {
        assert!(x.contains(part), "{part} in the DOCX");
    }

    // Another period has its own words: none yet, so dotted lines and a dotted date.
    let q3 = app
        .get(&format!("/reports?org={org}&period=2026-Q3&print=1"))
        .await;
    assert!(q3.body.contains("Hòa Lâm, ngày ………… tháng ………… năm …………"));
    assert!(q3.body.contains("paper-blank"));
    assert!(q3.body.contains("chưa có phần lời"));

    // A leader reads the words but has no form and may not write them.
    app.cookie = None;
    app.login("lanhdao").await;
    let page = app.get(&format!("/reports?org={org}&period=2026-Q4")).await;
    assert!(page.body.contains("Hoàn thành hồ sơ tồn trước Tết."));
    assert!(!page.body.contains("action=\"/reports/text\""));
    let csrf = TestApp::csrf(&page);
    let res = app
        .post(
            "/reports/text",
            &[("_csrf", &csrf), ("org", &org), ("period", "2026-Q4")],
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_report_outside_the_scope_is_not_found_and_a_bad_period_is_refused() {
    let mut app = TestApp::spawn().await;
    app.login("tochuc").await;
    let all = options_of(&app.get("/reports").await.body, "r-org");
    app.cookie = None;
    app.login("bithu").await;
    let mine = options_of(&app.get("/reports").await.body, "r-org");
    let outside = all.iter().find(|o| !mine.contains(o)).unwrap();
    let res = app.get(&format!("/reports?org={outside}")).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    let (status, _, _) = download(
        &app,
        &format!("/reports/download?org={outside}&format=xlsx"),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let res = app.get("/reports?period=2026-Q7").await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
}

/// Any period (issue 16): days typed on the report page make a free range or the year as of a
/// day, shown in words and kept in the download links; a bad day is refused in Vietnamese.
#[tokio::test]
async fn the_report_takes_a_free_range_and_the_year_as_of_a_day() {
    let mut app = TestApp::spawn().await;
    app.login("tochuc").await;
    let page = app
        .get("/reports?tu=15%2F01%2F2026&den=31%2F07%2F2026")
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body.contains("Từ 15/01/2026 đến 31/07/2026"),
        "{}",
        page.body
    );
    assert!(page.body.contains("period=2026-01-15..2026-07-31"));
    let page = app.get("/reports?den=31%2F07%2F2026").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("Năm 2026 tính đến ngày 31/07/2026"),
        "{}",
        page.body
    );
    let (status, _, _) = download(
        &app,
        "/reports/download?period=2026-01-15..2026-07-31&format=csv",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let bad = app
        .get("/reports?tu=31%2F07%2F2026&den=15%2F01%2F2026")
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.body.contains("Kỳ kế hoạch không hợp lệ"),
        "{}",
        bad.body
    );
}

/// The fields of one CSV line (RFC 4180 quoting: labels such as "Xóa tên, khai trừ, ra khỏi
/// Đảng" are quoted).
fn csv_fields(line: &str) -> Vec<String> {
    let (mut out, mut cur, mut quoted) = (Vec::new(), String::new(), false);
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    out.push(cur);
    out
}

/// The number of a page cell ("1.234", "−5") as an integer.
fn count(s: &str) -> i64 {
    s.replace('.', "")
        .replace('−', "-")
        .parse()
        .unwrap_or_else(|_| panic!("a count: {s}"))
}

/// The same figure everywhere (issue 16, point 11), for a year and for a range cut inside its
/// first and last months (counted to the day from events, not from the monthly counters): every
/// count of sections I, II and IV is the same on the page, in the XLSX and in the CSV; and
/// within the report the admissions are one figure: section I's, section II's, the total of
/// section IV and the sum of section VII's organisations.
#[tokio::test]
async fn every_output_shows_the_same_counts_and_the_sections_agree_for_a_year_and_a_cut_range() {
    let mut app = TestApp::spawn().await;
    app.login("tochuc").await;
    for (query, period) in [
        ("period=2026", "2026"),
        (
            "tu=15%2F01%2F2026&den=20%2F11%2F2026",
            "2026-01-15..2026-11-20",
        ),
    ] {
        let page = app.get(&format!("/reports?{query}")).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let org = options_of(&page.body, "r-org")[0].clone();
        let (_, _, bytes) = download(
            &app,
            &format!("/reports/download?org={org}&period={period}&format=xlsx"),
        )
        .await;
        let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
        let grid: Vec<Vec<Data>> = book
            .worksheet_range("Báo cáo")
            .unwrap()
            .rows()
            .map(|r| r.to_vec())
            .collect();
        let (_, _, csv) = download(
            &app,
            &format!("/reports/download?org={org}&period={period}&format=csv"),
        )
        .await;
        let csv = String::from_utf8(csv).unwrap();
        let csv_rows: Vec<Vec<String>> = csv.lines().map(csv_fields).collect();
        let mut sections = std::collections::BTreeMap::new();
        for (title, col) in [
            ("I. Kết quả thực hiện chỉ tiêu", 2),
            ("II. Biến động trong kỳ", 1),
            ("IV. Cơ cấu đảng viên mới kết nạp trong kỳ", 1),
        ] {
            let rows = table_rows(&page.body, title);
            assert!(!rows.is_empty(), "{period}: {title}");
            let x_start = grid
                .iter()
                .position(|r| matches!(&r[0], Data::String(s) if s.starts_with(title)))
                .unwrap_or_else(|| panic!("{title} in the xlsx"));
            let c_start = csv_rows
                .iter()
                .position(|r| r[0].starts_with(title))
                .unwrap_or_else(|| panic!("{title} in the csv"));
            for row in &rows {
                let label = &row[0];
                let x = grid[x_start..]
                    .iter()
                    .find(|r| matches!(&r[0], Data::String(s) if s == label))
                    .unwrap_or_else(|| panic!("{period} {title} / {label} in the xlsx"));
                assert_eq!(shown(&x[col]), row[col], "{period} {title} / {label}: xlsx");
                let c = csv_rows[c_start..]
                    .iter()
                    .find(|r| &r[0] == label)
                    .unwrap_or_else(|| panic!("{period} {title} / {label} in the csv"));
                assert_eq!(
                    c[col],
                    row[col].replace('.', "").replace('−', "-"),
                    "{period} {title} / {label}: csv"
                );
            }
            sections.insert(title, rows);
        }
        let cell = |title: &str, label: &str, col: usize| -> i64 {
            let rows = &sections[title];
            count(&rows.iter().find(|r| r[0] == label).expect(label)[col])
        };
        let admitted = cell("II. Biến động trong kỳ", "Kết nạp đảng viên", 1);
        assert!(admitted > 0, "{period}: the demo admits people in 2026");
        assert_eq!(
            cell("I. Kết quả thực hiện chỉ tiêu", "Kết nạp đảng viên", 2),
            admitted,
            "{period}: I and II"
        );
        assert_eq!(
            cell("IV. Cơ cấu đảng viên mới kết nạp trong kỳ", "Tổng số", 1),
            admitted,
            "{period}: IV and II"
        );
        let by_child: i64 = table_rows(&page.body, "VII. Kết quả kết nạp theo tổ chức trực thuộc")
            .iter()
            .map(|r| count(&r[2]))
            .sum();
        assert_eq!(by_child, admitted, "{period}: VII and II");
    }
}

/// Issue 18, point 1: a leader (aggregates only) reads the composition tables with the rows of
/// fewer than 5 people (the default setting) written "dưới 5" and a note saying why; totals and
/// everything else stay exact. Staff read every count.
#[tokio::test]
async fn a_leader_reads_small_counts_of_the_composition_suppressed() {
    let mut app = TestApp::spawn().await;
    app.login("lanhdao").await;
    let org = options_of(&app.get("/reports").await.body, "r-org")[0].clone();
    let leader = app.get(&format!("/reports?org={org}&period=2026")).await;
    assert_eq!(leader.status, StatusCode::OK);
    assert!(leader.body.contains("dưới 5"), "some row is small");
    assert!(
        leader
            .body
            .contains("không ghi số cụ thể để không lộ thông tin cá nhân")
    );
    app.cookie = None;
    app.login("tochuc").await;
    let staff = app.get(&format!("/reports?org={org}&period=2026")).await;
    assert_eq!(staff.status, StatusCode::OK);
    assert!(!staff.body.contains("dưới 5"), "staff read every count");
    // The admission total (section IV's first row) is the same for both.
    let total = |body: &str| {
        let iv = &body[body.find("IV. Cơ cấu đảng viên mới kết nạp").unwrap()..];
        let row = &iv[iv.find("Tổng số").unwrap()..];
        row[..row.find("</tr>").unwrap()].to_string()
    };
    assert_eq!(total(&leader.body), total(&staff.body));
}

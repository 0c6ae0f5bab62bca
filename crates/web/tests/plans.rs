//! HTTP tests of the plans pages: every role reads them, staff write a plan, accept the
//! suggestion and assign targets to children; refusals change nothing; the drill-down lists the
//! people behind a number only to roles that see individuals.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use crate::common;
use common::*;

use axum::http::StatusCode;

fn root_of(body: &str) -> String {
    options_of(body, "p-org")[0].clone()
}

#[tokio::test]
async fn every_role_reads_the_plan_page_of_its_scope() {
    let mut app = TestApp::spawn().await;
    for user in USERS {
        app.cookie = None;
        app.login(user).await;
        let page = app.get("/plans").await;
        assert_eq!(page.status, StatusCode::OK, "{user}: {}", page.body);
        assert!(
            page.body.contains("Kế hoạch phát triển đảng viên 2026"),
            "{user}"
        );
        let term = app.get("/plans?period=2025-2030").await;
        assert_eq!(term.status, StatusCode::OK, "{user}: {}", term.body);
        let bad = app.get("/plans?period=n%C4%83m-ngo%C3%A1i").await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{user}");
    }
}

#[tokio::test]
async fn staff_save_a_plan_with_shares_and_the_page_shows_the_rounding_and_the_achievement() {
    let mut app = TestApp::spawn().await;
    app.login("tochuc").await;
    let page = app.get("/plans?period=2026").await;
    let org = root_of(&page.body);
    let csrf = TestApp::csrf(&page);
    let res = app
        .post(
            "/plans",
            &[
                ("_csrf", &csrf),
                ("org", &org),
                ("period", "2026"),
                ("sources", "40"),
                ("course_attendees", "30"),
                ("admissions", "16"),
                ("sub_women", "40"),
                ("unit_women", "share"),
                ("sub_youth_union", "70"),
                ("unit_youth_union", "share"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let page = app.get(&format!("/plans?org={org}&period=2026")).await;
    // plans-and-reports.md: sub-targets as shares of the admissions target, rounded half up.
    assert!(page.body.contains("16 × 40 % = 6,4 → 6"), "{}", page.body);
    assert!(page.body.contains("16 × 70 % = 11,2 → 11"));
    // The quarter split of 16: 4 each.
    assert!(page.body.contains("Quý IV/2026"));
    // Achievement of the admissions line = actual ÷ 16, shown with the seeds' decimals.
    let at = page.body.find("Kết nạp đảng viên</th>").unwrap();
    let row = &page.body[at..at + 600];
    assert!(row.contains(">16<"), "{row}");
    assert!(row.contains(" %"), "{row}");
}

#[tokio::test]
async fn a_plan_that_cannot_hold_is_refused_in_vietnamese_and_nothing_is_saved() {
    let mut app = TestApp::spawn().await;
    app.login("tochuc").await;
    let page = app.get("/plans?period=2027").await;
    let org = root_of(&page.body);
    let csrf = TestApp::csrf(&page);
    let res = app
        .post(
            "/plans",
            &[
                ("_csrf", &csrf),
                ("org", &org),
                ("period", "2027"),
                ("admissions", "4"),
                ("sub_women", "5"),
                ("unit_women", "count"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.body.contains("lớn hơn chỉ tiêu kết nạp"),
        "{}",
        res.body
    );
    let after = app.get(&format!("/plans?org={org}&period=2027")).await;
    assert!(after.body.contains("Chưa có kế hoạch cho kỳ này"));
    let res = app
        .post(
            "/plans",
            &[
                ("_csrf", &csrf),
                ("org", &org),
                ("period", "2027"),
                ("admissions", "mười"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.body.contains("không phải là một số nguyên"),
        "{}",
        res.body
    );
}

#[tokio::test]
async fn the_suggestion_is_accepted_and_children_get_targets_whose_gap_is_shown() {
    let mut app = TestApp::spawn().await;
    app.login("tochuc").await;
    let page = app.get("/plans?period=2026").await;
    let org = root_of(&page.body);
    assert!(page.body.contains("Kế hoạch đề xuất"));
    assert!(page.body.contains("Nghị quyết") || page.body.contains("Căn cứ"));
    // Accept the suggestion (the form posts the suggested values).
    let at = page.body.find("Dùng kế hoạch đề xuất").unwrap();
    let form = &page.body[..at];
    let form = &form[form.rfind("<form").unwrap()..];
    let value = |name: &str| -> String {
        let k = format!("name=\"{name}\" value=\"");
        let i = form.find(&k).unwrap() + k.len();
        form[i..i + form[i..].find('"').unwrap()].to_string()
    };
    let (adm, src, course) = (
        value("admissions"),
        value("sources"),
        value("course_attendees"),
    );
    let csrf = TestApp::csrf(&page);
    let res = app
        .post(
            "/plans",
            &[
                ("_csrf", &csrf),
                ("org", &org),
                ("period", "2026"),
                ("admissions", &adm),
                ("sources", &src),
                ("course_attendees", &course),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    // Assign 1 admission to the first child only: the children plan less than the parent.
    let page = app.get(&format!("/plans?org={org}&period=2026")).await;
    let at = page.body.find("_admissions\"").expect("children's inputs");
    let name_start = page.body[..at].rfind("name=\"").unwrap() + "name=\"".len();
    let child = page.body[name_start..at].to_string();
    let res = app
        .post(
            "/plans/children",
            &[
                ("_csrf", &csrf),
                ("org", &org),
                ("period", "2026"),
                (&format!("{child}_admissions"), "1"),
                (&format!("{child}_sources"), "2"),
                (&format!("{child}_course"), "2"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let page = app.get(&format!("/plans?org={org}&period=2026")).await;
    assert!(page.body.contains("Tổng chỉ tiêu các tổ chức trực thuộc"));
    // The admissions row of the gap table: this plan, the children's sum, their difference.
    let at = page
        .body
        .find("Tổng chỉ tiêu các tổ chức trực thuộc")
        .unwrap();
    let gap = &page.body[at..];
    let row = &gap[gap
        .find("<th scope=\"row\">Kết nạp đảng viên</th>")
        .unwrap()..];
    let row = &row[..row.find("</tr>").unwrap()];
    let cells: Vec<String> = row
        .split("<td class=\"num\">")
        .skip(1)
        .map(|c| c[..c.find('<').unwrap()].trim().to_string())
        .collect();
    assert_eq!(cells[0], adm, "{row}");
    let sum: i64 = cells[1].parse().unwrap();
    let diff = sum - adm.parse::<i64>().unwrap();
    let shown = match diff {
        0 => "0".to_string(),
        d if d > 0 => format!("+{d}"),
        d => format!("−{}", -d),
    };
    assert_eq!(cells[2], shown, "{row}");
    assert_eq!(row.contains("thiếu"), diff < 0, "{row}");
    // The child's own page holds its plan.
    let child_page = app.get(&format!("/plans?org={child}&period=2026")).await;
    assert_eq!(child_page.status, StatusCode::OK);
    assert!(child_page.body.contains("Chỉ tiêu 2026"));
    // A bad number in one child refuses the whole assignment.
    let res = app
        .post(
            "/plans/children",
            &[
                ("_csrf", &csrf),
                ("org", &org),
                ("period", "2026"),
                (&format!("{child}_admissions"), "-3"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    let again = app.get(&format!("/plans?org={child}&period=2026")).await;
    assert!(
        again.body.contains("value=\"1\""),
        "the child's plan is unchanged"
    );
}

#[tokio::test]
async fn readers_cannot_write_plans_nor_post_without_csrf_and_viewers_get_no_names() {
    let mut app = TestApp::spawn().await;
    app.login("lanhdao").await;
    let page = app.get("/plans").await;
    let org = root_of(&page.body);
    assert!(!page.body.contains("Lưu kế hoạch"));
    let csrf = TestApp::csrf(&page);
    let res = app
        .post(
            "/plans",
            &[
                ("_csrf", &csrf),
                ("org", &org),
                ("period", "2026"),
                ("admissions", "3"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    let drill = app
        .get(&format!(
            "/plans/admitted?org={org}&period=2026&line=admissions"
        ))
        .await;
    assert_eq!(drill.status, StatusCode::NOT_FOUND);
    app.cookie = None;
    app.login("tochuc").await;
    let res = app
        .post(
            "/plans",
            &[("org", &org), ("period", "2026"), ("admissions", "3")],
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    let drill = app
        .get(&format!(
            "/plans/admitted?org={org}&period=2026&line=admissions"
        ))
        .await;
    assert_eq!(drill.status, StatusCode::OK, "{}", drill.body);
}

#[tokio::test]
async fn a_plan_of_an_organisation_outside_the_scope_is_not_found() {
    let mut app = TestApp::spawn().await;
    app.login("tochuc").await;
    let page = app.get("/plans").await;
    let all = options_of(&page.body, "p-org");
    app.cookie = None;
    app.login("bithu").await;
    let mine = options_of(&app.get("/plans").await.body, "p-org");
    let outside = all
        .iter()
        .find(|o| !mine.contains(o))
        .expect("an org outside the cell");
    let res = app.get(&format!("/plans?org={outside}")).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert!(!res.body.contains("Kết quả thực hiện"));
}

/// Quota rates where they are decided (issue 16): staff record a resolution's rates on the plan
/// page; the suggestion then uses and cites them; a rate that cannot be read is refused in
/// Vietnamese.
#[tokio::test]
async fn staff_record_the_rates_a_resolution_decides_and_the_suggestion_cites_it() {
    let mut app = TestApp::spawn().await;
    app.login("tochuc").await;
    let page = app.get("/plans?period=2026").await;
    let org = root_of(&page.body);
    let csrf = TestApp::csrf(&page);
    assert!(
        page.body
            .contains("Ghi tỷ lệ do chỉ thị, nghị quyết quyết định")
    );
    let post = |adm: &'static str| {
        vec![
            ("_csrf", csrf.clone()),
            ("org", org.clone()),
            ("period", "2026".to_string()),
            ("document_no", "07-NQ/HU".to_string()),
            ("document_on", "15/12/2025".to_string()),
            ("year_from", "2026".to_string()),
            ("admissions_rate", adm.to_string()),
            ("sources_rate", "6-8".to_string()),
        ]
    };
    let bad = post("ba phần trăm");
    let bad: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let res = app.post("/plans/rates", &bad).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert!(res.body.contains("không đọc được"), "{}", res.body);
    // The reason stands by the rates form, open, with what was typed kept; the plan's own form
    // is not blamed.
    assert!(res.body.contains("Chưa ghi được tỷ lệ"), "{}", res.body);
    assert!(!res.body.contains("Chưa lưu được kế hoạch"), "{}", res.body);
    assert!(res.body.contains(r#"id="ty-le" open"#), "{}", res.body);
    assert!(res.body.contains(r#"value="ba phần trăm""#), "{}", res.body);
    assert!(res.body.contains(r#"value="07-NQ/HU""#), "{}", res.body);
    let good = post("3,5-5");
    let good: Vec<(&str, &str)> = good.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let res = app.post("/plans/rates", &good).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let page = app.get(&format!("/plans?org={org}&period=2026")).await;
    assert!(page.body.contains("07-NQ/HU"), "{}", page.body);
    assert!(
        page.body.contains("3,5"),
        "the decided rate in the suggestion"
    );
}

//! A mass organisation proposes candidates to a cell: through the new-candidate form, naming
//! itself as the introducing organisation (QĐ 294 / HD: the Youth Union introduces its members);
//! without naming it nothing is saved.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use crate::common;
use common::*;

use axum::http::StatusCode;

fn form<'a>(csrf: &'a str, cell: &'a str, proposed_by: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("_csrf", csrf),
        ("cell", cell),
        ("proposed_by", proposed_by),
        ("listed_on", "06/11/2026"),
        ("full_name", "Lò Văn Thắng"),
        ("birth_date", "02/09/2003"),
        ("gender", "Nam"),
        ("ethnicity", "Thái"),
        ("religion", "Không"),
        ("education", "12/12"),
        ("qualification", "Cao đẳng"),
        ("theory_level", "Không"),
        ("source_category", "Đoàn viên"),
        ("youth_union_member", "on"),
        ("id_number", ""),
    ]
}

#[tokio::test]
async fn a_mass_organisation_proposes_a_candidate_naming_itself_and_nothing_without_it() {
    let mut app = TestApp::spawn().await;
    app.login("doanthanhnien").await;
    let page = app.get("/candidates/new").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let cell = options_of(&page.body, "cell")[0].clone();
    let mass = options_of(&page.body, "proposed_by");
    assert!(!mass.is_empty(), "the mass organisation is offered");
    let csrf = TestApp::csrf(&page);
    let refused = app.post("/candidates", &form(&csrf, &cell, "")).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("Hãy chọn tổ chức giới thiệu"));
    let found = app.get("/candidates?q=lo+van+thang").await;
    assert!(!found.body.contains("Lò Văn Thắng"), "nothing was saved");
    let res = app.post("/candidates", &form(&csrf, &cell, &mass[0])).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    // Staff of the cell see the proposal.
    app.cookie = None;
    app.login("tochuc").await;
    let found = app.get("/candidates?q=lo+van+thang").await;
    assert!(found.body.contains("Lò Văn Thắng"), "{}", found.body);
    // A viewer may not open the form.
    app.cookie = None;
    app.login("lanhdao").await;
    assert_eq!(
        app.get("/candidates/new").await.status,
        StatusCode::FORBIDDEN
    );
}

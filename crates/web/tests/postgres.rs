//! The web app served from PostgreSQL: the same router over a PostgreSQL store (fresh schema),
//! with sessions in PostgreSQL too. Login, every main page for every demo role, folded search, a
//! refused and an accepted step, logout.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use crate::common;
use common::*;

use axum::http::StatusCode;

#[tokio::test]
async fn the_app_serves_every_role_from_postgresql() {
    let Some(mut app) = TestApp::spawn_postgres().await else {
        return;
    };
    for user in USERS {
        app.cookie = None;
        let res = app.login(user).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{user}: {}", res.body);
        let home = app.get("/").await;
        assert_eq!(home.status, StatusCode::OK, "{user}: {}", home.body);
        assert!(home.body.contains("Đăng xuất"), "{user} is logged in");
        for path in [
            "/orgs",
            "/candidates",
            "/candidates/board",
            "/alerts",
            "/mentors",
        ] {
            let page = app.get(path).await;
            assert!(
                page.status == StatusCode::OK || page.status == StatusCode::FORBIDDEN,
                "{user} {path}: {} {}",
                page.status,
                page.body
            );
        }
        let csrf = TestApp::csrf(&home);
        let out = app.post("/logout", &[("_csrf", &csrf)]).await;
        assert_eq!(out.status, StatusCode::SEE_OTHER, "{user}");
        assert_eq!(
            app.get("/").await.status,
            StatusCode::SEE_OTHER,
            "{user} logged out"
        );
    }
}

#[tokio::test]
async fn folded_search_and_a_step_work_on_postgresql() {
    let Some(mut app) = TestApp::spawn_postgres().await else {
        return;
    };
    app.login("tochuc").await;
    let form = app.get("/candidates/new").await;
    let csrf = TestApp::csrf(&form);
    let at = form.body.find("id=\"cell\"").unwrap();
    let rest = &form.body[at..];
    let rest = &rest[rest.find("<option value=\"").unwrap() + "<option value=\"".len()..];
    let mut cell = rest[..rest.find('"').unwrap()].to_string();
    if cell.is_empty() {
        let rest = &rest[rest.find("<option value=\"").unwrap() + "<option value=\"".len()..];
        cell = rest[..rest.find('"').unwrap()].to_string();
    }
    let res = app
        .post(
            "/candidates",
            &[
                ("_csrf", &csrf),
                ("cell", &cell),
                ("listed_on", "06/01/2026"),
                ("full_name", "Nguyễn Văn Đức"),
                ("birth_date", "20/05/1995"),
                ("gender", "Nam"),
                ("ethnicity", "Kinh"),
                ("religion", "Không"),
                ("education", "12/12"),
                ("qualification", "Đại học"),
                ("theory_level", "Sơ cấp"),
                ("source_category", "Giáo viên"),
                ("id_number", ""),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let id = res.location.unwrap();
    let found = app.get("/candidates?q=nguyen+van+duc").await;
    assert!(found.body.contains("Nguyễn Văn Đức"), "{}", found.body);
    // A refused step (enrolling before being listed) saves nothing and says why in Vietnamese.
    let page = app.get(&id).await;
    let csrf = TestApp::csrf(&page);
    let at = page.body.find("name=\"version\" value=\"").unwrap();
    let rest = &page.body[at + "name=\"version\" value=\"".len()..];
    let version = rest[..rest.find('"').unwrap()].to_string();
    let refused = app
        .post(
            &format!("{id}/step"),
            &[
                ("_csrf", &csrf),
                ("action", "hold_ceremony"),
                ("version", &version),
                ("on", "10/01/2026"),
            ],
        )
        .await;
    assert_ne!(refused.status, StatusCode::SEE_OTHER, "{}", refused.body);
    let after = app.get(&id).await;
    assert!(
        after
            .body
            .contains(&format!("name=\"version\" value=\"{version}\""))
    );
}

//! HTTP tests of roles: the menu each demo role is shown, and the role switch of a user holding
//! several roles (the demo's `phutrach`: committee member in charge of three cells, and mentor of
//! candidates in one of them). The switch is a CSRF-protected form; the chosen role is kept in
//! the session and used while the user still holds it; the scope follows the role.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;
use common::*;

use axum::http::StatusCode;
use ketnap_store::candidacies::{self, ListFilter};
use ketnap_store::{Role, Scope, Store, WriteCtx, users};

/// The menu entries of a page, as the links of the main navigation.
fn menu(body: &str) -> Vec<String> {
    let start = body
        .find("<nav aria-label=\"Điều hướng chính\">")
        .expect("a main menu");
    let nav = &body[start..];
    let nav = &nav[..nav.find("</nav>").unwrap()];
    nav.split("<a href=\"")
        .skip(1)
        .map(|s| s[..s.find('"').unwrap()].to_string())
        .collect()
}

/// The menu entry marked as the current page (the only one).
fn current_entry(body: &str) -> Option<String> {
    let start = body.find("<nav aria-label=\"Điều hướng chính\">")?;
    let nav = &body[start..];
    let nav = &nav[..nav.find("</nav>")?];
    let marked: Vec<String> = nav
        .split("<a href=\"")
        .skip(1)
        .filter(|a| a[..a.find('>').unwrap()].contains("aria-current=\"page\""))
        .map(|a| a[..a.find('"').unwrap()].to_string())
        .collect();
    assert!(
        marked.len() <= 1,
        "several entries marked current: {marked:?}"
    );
    marked.into_iter().next()
}

/// The acting role's label in the top bar.
fn role_shown(body: &str) -> String {
    let at = body
        .find("<span class=\"user-role\">")
        .expect("a user badge");
    let rest = &body[at + "<span class=\"user-role\">".len()..];
    rest[..rest.find("</span>").unwrap()].to_string()
}

/// The values offered by the role switch (empty when there is none).
fn switch_options(body: &str) -> Vec<String> {
    let Some(at) = body.find("<form class=\"role-switch\"") else {
        return Vec::new();
    };
    let form = &body[at..];
    let form = &form[..form.find("</form>").unwrap()];
    form.split("<option value=\"")
        .skip(1)
        .map(|s| s[..s.find('"').unwrap()].to_string())
        .collect()
}

/// What the demo's two-role user reaches in each role.
struct TwoRoles {
    user_id: i64,
    /// The three cells in charge: (public id, name).
    in_charge: Vec<(String, String)>,
    /// The cell where they mentor.
    mentor_cell: String,
    /// Candidacies they mentor: (public id, name).
    mentees: Vec<(String, String)>,
    /// Candidacies of their cells that they do not mentor: (public id, name).
    others: Vec<(String, String)>,
}

async fn phutrach(store: &Store) -> TwoRoles {
    let mut conn = store.read().await.unwrap();
    let u = users::by_username(&mut conn, "phutrach")
        .await
        .unwrap()
        .unwrap();
    let scopes = users::scopes_of(&mut conn, u.user_id).await.unwrap();
    let in_charge: Vec<(String, String)> = scopes
        .iter()
        .filter(|s| s.0 == Role::CommitteeMemberInCharge)
        .map(|s| (s.1.clone(), s.2.clone()))
        .collect();
    let mentor_cell = scopes
        .iter()
        .find(|s| s.0 == Role::Mentor)
        .map(|s| s.1.clone())
        .expect("phutrach also mentors");
    let list = |role: Role| Scope::user(u.user_id, role, u.member_id);
    let rows = |p: ketnap_store::Page<candidacies::CandidacyRow>| -> Vec<(String, String)> {
        p.items
            .into_iter()
            .map(|c| (c.pub_id, c.full_name))
            .collect()
    };
    let mentees = rows(
        candidacies::list(
            &mut conn,
            &list(Role::Mentor),
            &ListFilter::default(),
            None,
            500,
        )
        .await
        .unwrap(),
    );
    let others: Vec<(String, String)> = rows(
        candidacies::list(
            &mut conn,
            &list(Role::CommitteeMemberInCharge),
            &ListFilter::default(),
            None,
            500,
        )
        .await
        .unwrap(),
    )
    .into_iter()
    .filter(|c| !mentees.contains(c))
    .collect();
    TwoRoles {
        user_id: u.user_id,
        in_charge,
        mentor_cell,
        mentees,
        others,
    }
}

/// Post the role switch from the home page's form.
async fn switch(app: &mut TestApp, role: &str) -> Page {
    let home = app.get("/").await;
    let csrf = TestApp::csrf(&home);
    app.post("/role", &[("_csrf", &csrf), ("role", role)]).await
}

#[tokio::test]
async fn a_user_holding_two_roles_switches_role_and_sees_the_other_roles_menu_and_scope() {
    let mut app = TestApp::spawn().await;
    switch_and_back(&mut app).await;
}

#[tokio::test]
async fn on_postgresql_too_the_switch_is_kept_in_the_session_and_changes_menu_and_scope() {
    let Some(mut app) = TestApp::spawn_postgres().await else {
        return;
    };
    switch_and_back(&mut app).await;
}

/// phutrach switches to mentor (menu, list and candidate pages follow) and back.
async fn switch_and_back(app: &mut TestApp) {
    let p = phutrach(&app.store).await;
    assert!(
        !p.mentees.is_empty(),
        "the demo gives phutrach candidates to mentor"
    );
    assert!(!p.others.is_empty());
    app.login("phutrach").await;

    let home = app.get("/").await;
    assert_eq!(role_shown(&home.body), "Đảng ủy viên phụ trách chi bộ");
    assert_eq!(
        switch_options(&home.body),
        ["committee_member", "mentor"],
        "the switch offers both roles"
    );
    assert!(home.body.contains(">Đảng viên giúp đỡ</option>"));
    assert!(menu(&home.body).contains(&"/members".to_string()));
    let other = &p.others[0];
    assert_eq!(
        app.get(&format!("/candidates/{}", other.0)).await.status,
        StatusCode::OK
    );

    let res = switch(app, "mentor").await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(res.location.as_deref(), Some("/"));
    let home = app.get("/").await;
    assert_eq!(role_shown(&home.body), "Đảng viên giúp đỡ");
    assert_eq!(
        menu(&home.body),
        ["/", "/orgs", "/candidates", "/mentors", "/alerts"],
        "a mentor's menu"
    );
    assert!(home.body.contains("value=\"mentor\" selected"));
    let mentors = app.get("/mentors").await;
    assert_eq!(mentors.status, StatusCode::OK);
    assert!(mentors.body.contains("bạn được phân công giúp đỡ"));
    let (mentee, name) = &p.mentees[0];
    let page = app.get(&format!("/candidates/{mentee}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(name.as_str()));
    let list = app.get("/candidates").await;
    assert!(list.body.contains(name.as_str()));
    assert!(
        !list.body.contains(&format!("/candidates/{}", other.0)),
        "a mentor's list holds only the candidates assigned to them"
    );

    // And back: the committee member's scope again.
    let res = switch(app, "committee_member").await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let home = app.get("/").await;
    assert_eq!(role_shown(&home.body), "Đảng ủy viên phụ trách chi bộ");
    assert_eq!(
        app.get(&format!("/candidates/{}", other.0)).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn after_switching_role_the_pages_outside_the_new_scope_are_404_and_show_nothing() {
    let mut app = TestApp::spawn().await;
    let p = phutrach(&app.store).await;
    app.login("phutrach").await;
    let outside: Vec<&(String, String)> = p
        .in_charge
        .iter()
        .filter(|(id, _)| *id != p.mentor_cell)
        .collect();
    assert!(
        !outside.is_empty(),
        "a cell in charge where phutrach does not mentor"
    );
    for (id, _) in &outside {
        assert_eq!(app.get(&format!("/orgs/{id}")).await.status, StatusCode::OK);
    }
    switch(&mut app, "mentor").await;
    for (id, name) in &outside {
        for path in [format!("/orgs/{id}"), format!("/members?org={id}")] {
            let res = app.get(&path).await;
            assert_eq!(res.status, StatusCode::NOT_FOUND, "{path}");
            assert!(res.body.contains("Không tìm thấy"), "{path}: the 404 page");
            assert!(!res.body.contains(name.as_str()), "{path} names the cell");
        }
    }
    for (id, name) in &p.others {
        let res = app.get(&format!("/candidates/{id}")).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{name}");
        assert!(!res.body.contains(name.as_str()));
    }
    assert_eq!(
        app.get(&format!("/orgs/{}", p.mentor_cell)).await.status,
        StatusCode::OK,
        "the cell where they mentor stays in reach"
    );
}

#[tokio::test]
async fn switching_to_a_role_the_user_does_not_hold_is_refused_and_changes_nothing() {
    let mut app = TestApp::spawn().await;
    let p = phutrach(&app.store).await;
    app.login("phutrach").await;
    for role in ["admin", "org_staff", "viewer", "khong-co", ""] {
        let res = switch(&mut app, role).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{role}");
        assert!(res.body.contains("Không có quyền"), "{role}");
        let home = app.get("/").await;
        assert_eq!(
            role_shown(&home.body),
            "Đảng ủy viên phụ trách chi bộ",
            "{role}"
        );
        assert!(!menu(&home.body).contains(&"/audit".to_string()));
    }
    assert_eq!(app.get("/audit").await.status, StatusCode::FORBIDDEN);
    let other = &p.others[0].0;
    assert_eq!(
        app.get(&format!("/candidates/{other}")).await.status,
        StatusCode::OK
    );

    // A user holding one role has no switch, and cannot post one either.
    app.cookie = None;
    app.login("bithu").await;
    let home = app.get("/").await;
    assert!(
        switch_options(&home.body).is_empty(),
        "no switch for one role"
    );
    assert!(!home.body.contains("action=\"/role\""));
    let res = switch(&mut app, "admin").await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(role_shown(&app.get("/").await.body), "Bí thư chi bộ");
}

#[tokio::test]
async fn a_role_switch_without_the_csrf_token_is_refused() {
    let mut app = TestApp::spawn().await;
    app.login("phutrach").await;
    let res = app.post("/role", &[("role", "mentor")]).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert!(res.body.contains("Biểu mẫu đã hết hạn"));
    let res = app
        .post("/role", &[("_csrf", "0000"), ("role", "mentor")])
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    let home = app.get("/").await;
    assert_eq!(role_shown(&home.body), "Đảng ủy viên phụ trách chi bộ");

    // Not logged in: the token check comes first, then the login.
    app.cookie = None;
    let form = app.get("/login").await;
    let csrf = TestApp::csrf(&form);
    let res = app
        .post("/role", &[("_csrf", &csrf), ("role", "mentor")])
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(res.location.as_deref(), Some("/login"));
}

#[tokio::test]
async fn a_role_taken_away_ends_the_session_and_the_next_login_starts_in_the_role_left() {
    let mut app = TestApp::spawn().await;
    let p = phutrach(&app.store).await;
    app.login("phutrach").await;
    switch(&mut app, "mentor").await;
    assert_eq!(role_shown(&app.get("/").await.body), "Đảng viên giúp đỡ");
    let mentor_cell = {
        let mut conn = app.store.read().await.unwrap();
        ketnap_store::orgs::get(&mut conn, &Scope::system(), &p.mentor_cell)
            .await
            .unwrap()
            .org_id
    };
    let mut tx = app.store.begin().await.unwrap();
    let ctx = WriteCtx::new(None, "2026-11-23T03:00:00Z".parse().unwrap());
    assert!(
        users::revoke(&mut tx, &ctx, p.user_id, Role::Mentor, mentor_cell)
            .await
            .unwrap()
    );
    tx.commit().await.unwrap();

    // A role change ends the open session at once (issue 18): the next page asks to log in.
    let res = app.get("/").await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(res.location.as_deref(), Some("/login"));
    app.cookie = None;
    app.login("phutrach").await;
    let home = app.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert_eq!(role_shown(&home.body), "Đảng ủy viên phụ trách chi bộ");
    assert!(
        switch_options(&home.body).is_empty(),
        "one role left: no switch"
    );
    assert!(menu(&home.body).contains(&"/members".to_string()));
    let res = switch(&mut app, "mentor").await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "the role is gone");
}

/// The menu each demo account is shown in its (first) role.
fn expected_menu(user: &str) -> &'static [&'static str] {
    match user {
        "admin" | "tochuc" => &[
            "/",
            "/orgs",
            "/members",
            "/candidates",
            "/mentors",
            "/classes",
            "/verification",
            "/alerts",
            "/plans",
            "/reports",
            "/audit",
            "/import",
        ],
        "bithu" | "phutrach" => &[
            "/",
            "/orgs",
            "/members",
            "/candidates",
            "/mentors",
            "/classes",
            "/alerts",
            "/plans",
            "/reports",
        ],
        "giupdo" => &["/", "/orgs", "/candidates", "/mentors", "/alerts"],
        "ttct" => &["/", "/orgs", "/candidates", "/classes", "/alerts"],
        "doanthanhnien" => &["/", "/orgs", "/candidates"],
        "lanhdao" => &["/", "/orgs", "/members", "/plans", "/reports"],
        _ => unreachable!("not a demo account: {user}"),
    }
}

#[tokio::test]
async fn every_demo_role_sees_only_its_menu_entries_and_every_entry_opens() {
    let mut app = TestApp::spawn().await;
    for user in USERS {
        app.cookie = None;
        app.login(user).await;
        let home = app.get("/").await;
        let entries = menu(&home.body);
        assert_eq!(entries, expected_menu(user), "{user}");
        for href in &entries {
            let res = app.get(href).await;
            assert_eq!(res.status, StatusCode::OK, "{user} {href}");
            assert_eq!(
                menu(&res.body),
                entries,
                "{user} {href}: the same menu on every page"
            );
            assert_eq!(
                current_entry(&res.body).as_deref(),
                Some(href.as_str()),
                "{user} {href}: the entry marked current"
            );
        }
        if !entries.contains(&"/audit".to_string()) {
            assert_eq!(
                app.get("/audit").await.status,
                StatusCode::FORBIDDEN,
                "{user}: a hidden entry that the page refuses"
            );
        }
    }
}

#[tokio::test]
async fn the_role_switch_is_a_csrf_form_listing_the_users_roles_in_vietnamese() {
    let mut app = TestApp::spawn().await;
    app.login("phutrach").await;
    let home = app.get("/").await;
    let at = home.body.find("<form class=\"role-switch\"").unwrap();
    let form = &home.body[at..];
    let form = &form[..form.find("</form>").unwrap()];
    assert!(form.contains("method=\"post\" action=\"/role\""));
    assert!(form.contains(&format!(
        "name=\"_csrf\" value=\"{}\"",
        TestApp::csrf(&home)
    )));
    assert!(form.contains("<label class=\"visually-hidden\" for=\"role-switch\">"));
    assert!(form.contains(">Đảng ủy viên phụ trách chi bộ</option>"));
    assert!(form.contains(">Đảng viên giúp đỡ</option>"));
    assert!(form.contains(">Đổi vai trò</button>"));
    for user in USERS.iter().filter(|u| **u != "phutrach") {
        app.cookie = None;
        app.login(user).await;
        assert!(
            switch_options(&app.get("/").await.body).is_empty(),
            "{user} holds one role"
        );
    }
}

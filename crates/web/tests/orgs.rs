//! HTTP tests of the organisation tree, the roster, alerts, audit and mentor notes: every page
//! for every demo role, scopes (nothing outside the scope carries data), CSRF, refused steps.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;
use common::*;

use axum::http::StatusCode;
use ketnap_store::Store;

use ketnap_store::orgs::{self, Org};
use ketnap_store::{Scope, users};

/// Every organisation of the demo, by walking the tree with the system scope.
async fn all_orgs(store: &Store) -> Vec<Org> {
    let mut conn = store.read().await.unwrap();
    let mut out = Vec::new();
    let mut todo = orgs::scope_roots(&mut conn, &Scope::system())
        .await
        .unwrap();
    while let Some(o) = todo.pop() {
        todo.extend(
            orgs::children(&mut conn, &Scope::system(), o.org_id)
                .await
                .unwrap(),
        );
        out.push(o);
    }
    out
}

/// The public ids of a user's scope roots.
async fn roots_of(store: &Store, user: &str) -> Vec<String> {
    let mut conn = store.read().await.unwrap();
    let u = users::by_username(&mut conn, user).await.unwrap().unwrap();
    users::scopes_of(&mut conn, u.user_id)
        .await
        .unwrap()
        .into_iter()
        .map(|(_, p, _)| p)
        .collect()
}

async fn org_by_pub(store: &Store, pub_id: &str) -> Org {
    let mut conn = store.read().await.unwrap();
    orgs::get(&mut conn, &Scope::system(), pub_id)
        .await
        .unwrap()
}

async fn path_pub_ids(store: &Store, org_id: i64) -> Vec<String> {
    let mut conn = store.read().await.unwrap();
    orgs::path(&mut conn, org_id)
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.pub_id)
        .collect()
}

#[tokio::test]
async fn every_page_of_the_area_renders_for_every_demo_role() {
    let mut app = TestApp::spawn().await;
    for user in USERS {
        app.cookie = None;
        app.login(user).await;
        let root = roots_of(&app.store, user).await[0].clone();
        let pages = [
            ("/orgs".to_string(), StatusCode::OK),
            (format!("/orgs/{root}"), StatusCode::OK),
            ("/members".to_string(), StatusCode::OK),
            (format!("/members?org={root}"), StatusCode::OK),
            ("/alerts".to_string(), StatusCode::OK),
            (
                "/alerts?sort=cell&status=overdue".to_string(),
                StatusCode::OK,
            ),
            ("/mentors".to_string(), StatusCode::OK),
            (
                "/audit".to_string(),
                if matches!(user, "admin" | "tochuc") {
                    StatusCode::OK
                } else {
                    StatusCode::FORBIDDEN
                },
            ),
        ];
        for (path, want) in pages {
            let res = app.get(&path).await;
            assert_eq!(
                res.status,
                want,
                "{user} {path}: {}",
                &res.body[..res.body.len().min(400)]
            );
            assert!(res.body.contains("lang=\"vi\""), "{user} {path}");
        }
    }
}

#[tokio::test]
async fn a_cell_secretary_gets_404_on_another_cells_org_page_and_roster() {
    let mut app = TestApp::spawn().await;
    let own = roots_of(&app.store, "bithu").await[0].clone();
    let other = all_orgs(&app.store)
        .await
        .into_iter()
        .find(|o| o.kind.starts_with("cell:") && o.pub_id != own)
        .unwrap();
    app.login("bithu").await;
    let res = app.get(&format!("/orgs/{}", other.pub_id)).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert!(!res.body.contains(&other.name));
    let res = app.get(&format!("/members?org={}", other.pub_id)).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert!(!res.body.contains(&other.name));
    let own_page = app.get(&format!("/members?org={own}")).await;
    assert_eq!(own_page.status, StatusCode::OK);
    assert!(
        own_page.body.contains("<table"),
        "the own roster lists members"
    );
}

#[tokio::test]
async fn any_org_page_answered_with_200_lies_in_the_users_scope_and_others_carry_no_data() {
    let mut app = TestApp::spawn().await;
    let all = all_orgs(&app.store).await;
    // A small deterministic generator: the pairs differ per user but not per run.
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let (mut shown, mut refused) = (0, 0);
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for user in USERS {
        app.cookie = None;
        app.login(user).await;
        let roots = roots_of(&app.store, user).await;
        for _ in 0..12 {
            let org = &all[usize::try_from(next() % all.len() as u64).unwrap()];
            let res = app.get(&format!("/orgs/{}", org.pub_id)).await;
            let path = path_pub_ids(&app.store, org.org_id).await;
            let inside = path.iter().any(|p| roots.contains(p));
            if res.status == StatusCode::OK {
                assert!(inside, "{user} got {} outside the scope", org.code);
                assert!(res.body.contains(&org.name));
                shown += 1;
            } else {
                refused += 1;
                assert_eq!(res.status, StatusCode::NOT_FOUND, "{user} {}", org.code);
                assert!(!inside, "{user} was refused {} inside the scope", org.code);
                assert!(
                    !res.body.contains(&org.name),
                    "{user}: a 404 names {}",
                    org.code
                );
            }
        }
    }
    assert!(
        shown > 0 && refused > 0,
        "both cases drawn: {shown} shown, {refused} refused"
    );
}

#[tokio::test]
async fn staff_add_a_child_and_edit_an_org_and_a_post_without_csrf_is_refused() {
    let mut app = TestApp::spawn().await;
    let root = roots_of(&app.store, "tochuc").await[0].clone();
    let grassroots = all_orgs(&app.store)
        .await
        .into_iter()
        .find(|o| o.kind.starts_with("grassroots:"))
        .unwrap();
    app.login("tochuc").await;
    let page = app.get(&format!("/orgs/{}", grassroots.pub_id)).await;
    assert!(page.body.contains("Thêm tổ chức trực thuộc"));
    let csrf = TestApp::csrf(&page);
    let no_csrf = app
        .post(
            &format!("/orgs/{}/edit", grassroots.pub_id),
            &[("name", "Tên mới")],
        )
        .await;
    assert_eq!(no_csrf.status, StatusCode::FORBIDDEN);
    assert_eq!(
        org_by_pub(&app.store, &grassroots.pub_id).await.name,
        grassroots.name
    );
    let res = app
        .post(
            &format!("/orgs/{}/children", grassroots.pub_id),
            &[
                ("_csrf", &csrf),
                ("code", "TEST.CBMOI"),
                ("name", "Chi bộ thôn Mới"),
                ("kind", "cell:residential"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let page = app.get(&format!("/orgs/{}", grassroots.pub_id)).await;
    assert!(page.body.contains("Chi bộ thôn Mới"));
    let res = app
        .post(
            &format!("/orgs/{}/children", grassroots.pub_id),
            &[
                ("_csrf", &csrf),
                ("code", "TEST.X"),
                ("name", "Tỉnh ủy lạc chỗ"),
                ("kind", "provincial"),
            ],
        )
        .await;
    assert_eq!(
        res.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a kind the parent may not contain"
    );
    let res = app
        .post(
            &format!("/orgs/{}/edit", grassroots.pub_id),
            &[
                ("_csrf", &csrf),
                ("name", "Đảng ủy xã Đổi Tên"),
                ("youth_union_exists", "1"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(
        org_by_pub(&app.store, &grassroots.pub_id).await.name,
        "Đảng ủy xã Đổi Tên"
    );
    let _ = root;
    app.cookie = None;
    app.login("bithu").await;
    let own = roots_of(&app.store, "bithu").await[0].clone();
    let page = app.get(&format!("/orgs/{own}")).await;
    assert!(
        !page.body.contains("Chuyển tổ chức sang"),
        "a secretary gets no tree forms"
    );
    let csrf = TestApp::csrf(&page);
    let res = app
        .post(
            &format!("/orgs/{own}/edit"),
            &[("_csrf", &csrf), ("name", "X")],
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_refused_move_shows_the_vietnamese_message_and_changes_nothing() {
    let mut app = TestApp::spawn().await;
    let root = roots_of(&app.store, "tochuc").await[0].clone();
    let root_org = org_by_pub(&app.store, &root).await;
    let all = all_orgs(&app.store).await;
    let cell = all.iter().find(|o| o.kind.starts_with("cell:")).unwrap();
    let before = path_pub_ids(&app.store, root_org.org_id).await;
    let cell_path = path_pub_ids(&app.store, cell.org_id).await;
    app.login("tochuc").await;
    let page = app.get(&format!("/orgs/{root}")).await;
    let csrf = TestApp::csrf(&page);
    // Under its own descendant.
    let res = app
        .post(
            &format!("/orgs/{root}/move"),
            &[
                ("_csrf", &csrf),
                ("new_parent", &cell.pub_id),
                ("on", "01/11/2026"),
            ],
        )
        .await;
    assert_eq!(
        res.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        &res.body[..res.body.len().min(300)]
    );
    assert!(res.body.contains("Không có gì được lưu"));
    assert_eq!(path_pub_ids(&app.store, root_org.org_id).await, before);
    // A cell directly under the district: against the tree rules.
    let res = app
        .post(
            &format!("/orgs/{}/move", cell.pub_id),
            &[
                ("_csrf", &csrf),
                ("new_parent", &root_org.code),
                ("on", "01/11/2026"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(path_pub_ids(&app.store, cell.org_id).await, cell_path);
    // A parent outside the scope is not found by its code either.
    let res = app
        .post(
            &format!("/orgs/{}/move", cell.pub_id),
            &[
                ("_csrf", &csrf),
                ("new_parent", "KHONG.CO"),
                ("on", "01/11/2026"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(path_pub_ids(&app.store, cell.org_id).await, cell_path);
}

#[tokio::test]
async fn staff_mark_a_member_deceased_and_the_roster_filter_shows_it() {
    let mut app = TestApp::spawn().await;
    let cell = roots_of(&app.store, "bithu").await[0].clone();
    app.login("tochuc").await;
    let page = app.get(&format!("/members?org={cell}")).await;
    assert_eq!(page.status, StatusCode::OK);
    let at = page.body.find("/status\"").unwrap();
    let start = page.body[..at].rfind("/members/").unwrap() + "/members/".len();
    let member = page.body[start..at].to_string();
    let csrf = TestApp::csrf(&page);
    let bad = app
        .post(
            &format!("/members/{member}/status"),
            &[
                ("_csrf", &csrf),
                ("status", "deceased"),
                ("on", "32/13/2026"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let ok = app
        .post(
            &format!("/members/{member}/status"),
            &[
                ("_csrf", &csrf),
                ("status", "deceased"),
                ("on", "01/11/2026"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let dead = app
        .get(&format!("/members?org={cell}&status=deceased"))
        .await;
    assert!(dead.body.contains("Đã từ trần"));
    let again = app
        .post(
            &format!("/members/{member}/status"),
            &[
                ("_csrf", &csrf),
                ("status", "removed"),
                ("on", "02/11/2026"),
            ],
        )
        .await;
    assert_eq!(
        again.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a member who left changes no more"
    );
    let audit = app.get("/audit?action=member.status").await;
    assert_eq!(audit.status, StatusCode::OK);
    assert!(audit.body.contains("Thay đổi trạng thái đảng viên"));
    app.cookie = None;
    app.login("bithu").await;
    let page = app.get(&format!("/members?org={cell}")).await;
    let csrf = TestApp::csrf(&page);
    let res = app
        .post(
            &format!("/members/{member}/status"),
            &[
                ("_csrf", &csrf),
                ("status", "removed"),
                ("on", "02/11/2026"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_mentor_writes_a_missing_monthly_note_and_a_second_one_for_the_month_is_refused() {
    let mut app = TestApp::spawn().await;
    // Given a candidacy under way assigned to the demo mentor (the demo's one has finished).
    let mut tx = app.store.begin().await.unwrap();
    ketnap_store::exec!(
        tx.ex(),
        "UPDATE candidacy SET mentor_member_id = (SELECT member_id FROM app_user WHERE username = 'giupdo') \
         WHERE candidacy_id = (SELECT MIN(candidacy_id) FROM candidacy WHERE mentor_member_id IS NOT NULL \
         AND stage IN ('sympathizer', 'course', 'dossier', 'verification', 'cell_vote'))"
    )
    .unwrap();
    tx.commit().await.unwrap();
    app.login("giupdo").await;
    let page = app.get("/mentors").await;
    assert_eq!(page.status, StatusCode::OK);
    let at = page
        .body
        .find("name=\"candidacy\" value=\"")
        .expect("a candidacy assigned to the demo mentor");
    let rest = &page.body[at + "name=\"candidacy\" value=\"".len()..];
    let candidacy = rest[..rest.find('"').unwrap()].to_string();
    let mat = page.body[at..].find("name=\"month\" value=\"").unwrap() + at;
    let rest = &page.body[mat + "name=\"month\" value=\"".len()..];
    let month = rest[..rest.find('"').unwrap()].to_string();
    let csrf = TestApp::csrf(&page);
    let form = [
        ("_csrf", csrf.as_str()),
        ("candidacy", &candidacy),
        ("month", &month),
        ("written_on", "23/11/2026"),
        ("content", "Tích cực, gương mẫu"),
    ];
    let res = app.post("/mentors/notes", &form).await;
    // The proposed month is a missing one, or this month (which may already have its note).
    if res.status == StatusCode::SEE_OTHER {
        assert_eq!(res.location.as_deref(), Some("/mentors"));
    } else {
        assert!(
            res.body.contains("Đã có nhận xét"),
            "{}",
            &res.body[..res.body.len().min(500)]
        );
    }
    let res = app.post("/mentors/notes", &form).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("Đã có nhận xét"));
    let no_csrf = app.post("/mentors/notes", &form[1..]).await;
    assert_eq!(no_csrf.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn alerts_filter_by_status_and_the_viewer_sees_no_names() {
    let mut app = TestApp::spawn().await;
    app.login("tochuc").await;
    let all = app.get("/alerts").await;
    assert_eq!(all.status, StatusCode::OK);
    let overdue = app.get("/alerts?status=overdue&sort=status").await;
    assert!(!overdue.body.contains("badge upcoming"));
    assert!(!overdue.body.contains("badge due-soon"));
    app.cookie = None;
    app.login("lanhdao").await;
    let v = app.get("/alerts").await;
    assert_eq!(v.status, StatusCode::OK);
    assert!(
        !v.body.contains("/candidates/"),
        "no individual rows for a viewer"
    );
}

#[tokio::test]
async fn staff_add_an_existing_official_member_and_transfer_them_to_another_cell() {
    let mut app = TestApp::spawn().await;
    let cell = roots_of(&app.store, "bithu").await[0].clone();
    let other = all_orgs(&app.store)
        .await
        .into_iter()
        .find(|o| o.kind.starts_with("cell:") && o.pub_id != cell)
        .unwrap();
    app.login("tochuc").await;
    let form = app.get(&format!("/members/new?cell={cell}")).await;
    assert_eq!(form.status, StatusCode::OK);
    let csrf = TestApp::csrf(&form);
    let mut fields = vec![
        ("_csrf", csrf.as_str()),
        ("cell", cell.as_str()),
        ("full_name", "Đinh Thị Xuân Mai"),
        ("birth_date", "12/03/1980"),
        ("gender", "female"),
        ("ethnicity", "Kinh"),
        ("religion", "Không"),
        ("education", "12/12"),
        ("qualification", "university"),
        ("theory_level", "none"),
        ("source_category", "farmer"),
        ("admitted_on", "khong-phai-ngay"),
        ("official_on", "05/06/2011"),
    ];
    let qual = form.body.split("name=\"qualification\"").nth(1).unwrap();
    let qual_code = qual
        .split("value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let theory = form.body.split("name=\"theory_level\"").nth(1).unwrap();
    let theory_code = theory
        .split("value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let source = form.body.split("name=\"source_category\"").nth(1).unwrap();
    let source_code = source
        .split("value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    for f in &mut fields {
        match f.0 {
            "qualification" => f.1 = &qual_code,
            "theory_level" => f.1 = &theory_code,
            "source_category" => f.1 = &source_code,
            _ => {}
        }
    }
    let bad = app.post("/members/new", &fields).await;
    assert_eq!(
        bad.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        &bad.body[..bad.body.len().min(400)]
    );
    let roster = app.get(&format!("/members?org={cell}&status=all")).await;
    assert!(
        !roster.body.contains("Đinh Thị Xuân Mai"),
        "a refused form saves nothing"
    );
    fields[11].1 = "05/06/2010";
    let ok = app.post("/members/new", &fields).await;
    assert_eq!(
        ok.status,
        StatusCode::SEE_OTHER,
        "{}",
        &ok.body[..ok.body.len().min(2000)]
    );
    let roster = app.get(&format!("/members?org={cell}&status=all")).await;
    let at = roster
        .body
        .find("Đinh Thị Xuân Mai")
        .expect("the new member is listed");
    let end = roster.body[at..].find("/move\"").unwrap() + at;
    let start = roster.body[..end].rfind("/members/").unwrap() + "/members/".len();
    let member = roster.body[start..end].to_string();
    let res = app
        .post(
            &format!("/members/{member}/move"),
            &[
                ("_csrf", &csrf),
                ("cell", &other.code),
                ("on", "20/11/2026"),
            ],
        )
        .await;
    assert_eq!(
        res.status,
        StatusCode::SEE_OTHER,
        "{}",
        &res.body[..res.body.len().min(400)]
    );
    let there = app
        .get(&format!("/members?org={}&status=all", other.pub_id))
        .await;
    assert!(there.body.contains("Đinh Thị Xuân Mai"));
    let here = app.get(&format!("/members?org={cell}&status=all")).await;
    assert!(!here.body.contains("Đinh Thị Xuân Mai"));
}

#[tokio::test]
async fn a_viewer_sees_a_cells_counts_but_no_names() {
    let mut app = TestApp::spawn().await;
    let roots = roots_of(&app.store, "lanhdao").await;
    let mut cell = None;
    for o in all_orgs(&app.store)
        .await
        .into_iter()
        .filter(|o| o.kind.starts_with("cell:"))
    {
        if path_pub_ids(&app.store, o.org_id)
            .await
            .iter()
            .any(|p| roots.contains(p))
        {
            cell = Some(o);
            break;
        }
    }
    let cell = cell.expect("a cell in the viewer's scope");
    app.login("lanhdao").await;
    let page = app.get(&format!("/orgs/{}", cell.pub_id)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Đảng viên chính thức"));
    assert!(!page.body.contains("Họ và tên"), "no roster for a viewer");
    let roster = app.get(&format!("/members?org={}", cell.pub_id)).await;
    assert_eq!(roster.status, StatusCode::OK);
    assert!(!roster.body.contains("Họ và tên"));
    assert!(
        !roster.body.contains("/members/new"),
        "no roster forms for a viewer"
    );
}

/// Terms from congress to congress: staff record the day a grassroots organisation's congress
/// sat; its cells show those dates as theirs; a cell holds none; a bad date is refused in
/// Vietnamese and nothing is saved.
#[tokio::test]
async fn staff_record_a_congress_and_its_cells_show_it() {
    let mut app = TestApp::spawn().await;
    let grassroots = all_orgs(&app.store)
        .await
        .into_iter()
        .find(|o| o.kind.starts_with("grassroots:"))
        .unwrap();
    let cell = all_orgs(&app.store)
        .await
        .into_iter()
        .find(|o| o.kind.starts_with("cell:") && o.parent_id == Some(grassroots.org_id))
        .unwrap();
    app.login("tochuc").await;
    let page = app.get(&format!("/orgs/{}", grassroots.pub_id)).await;
    assert!(page.body.contains("Đại hội mở nhiệm kỳ"));
    let csrf = TestApp::csrf(&page);
    let url = format!("/orgs/{}/congress", grassroots.pub_id);
    let bad = app
        .post(&url, &[("_csrf", &csrf), ("held_on", "31/02/2025")])
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    assert!(
        bad.body.contains("Ngày đại hội: hãy ghi ngày/tháng/năm"),
        "{}",
        bad.body
    );
    let ok = app
        .post(&url, &[("_csrf", &csrf), ("held_on", "17/06/2025")])
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let page = app.get(&format!("/orgs/{}", grassroots.pub_id)).await;
    assert!(page.body.contains("17/06/2025"));
    let page = app.get(&format!("/orgs/{}", cell.pub_id)).await;
    assert!(
        page.body.contains("17/06/2025") && page.body.contains(&grassroots.name),
        "{}",
        page.body
    );
    assert!(
        !page.body.contains("Ghi ngày đại hội"),
        "a cell holds no congress"
    );
}

/// students (issue 16): staff record a guidance's thresholds for student candidates on the
/// organisation page; its cells show them as theirs.
#[tokio::test]
async fn staff_record_the_student_thresholds_and_the_cells_show_them() {
    let mut app = TestApp::spawn().await;
    let grassroots = all_orgs(&app.store)
        .await
        .into_iter()
        .find(|o| o.kind.starts_with("grassroots:"))
        .unwrap();
    let cell = all_orgs(&app.store)
        .await
        .into_iter()
        .find(|o| o.kind.starts_with("cell:") && o.parent_id == Some(grassroots.org_id))
        .unwrap();
    app.login("tochuc").await;
    let page = app.get(&format!("/orgs/{}", grassroots.pub_id)).await;
    assert!(page.body.contains("Tiêu chuẩn với học sinh, sinh viên"));
    let csrf = TestApp::csrf(&page);
    let url = format!("/orgs/{}/students", grassroots.pub_id);
    let empty = app
        .post(
            &url,
            &[
                ("_csrf", &csrf),
                ("min_grade", "fair"),
                ("min_conduct", "good"),
                ("source", " "),
            ],
        )
        .await;
    assert_eq!(
        empty.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        empty.body
    );
    let ok = app
        .post(
            &url,
            &[
                ("_csrf", &csrf),
                ("min_grade", "fair"),
                ("min_conduct", "good"),
                ("source", "Hướng dẫn 03-HD/ĐU"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let page = app.get(&format!("/orgs/{}", cell.pub_id)).await;
    assert!(
        page.body
            .contains("Học lực khá trở lên, hạnh kiểm (rèn luyện) tốt trở lên"),
        "{}",
        page.body
    );
}

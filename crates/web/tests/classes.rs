//! HTTP tests of the course classes (issue 17): every role reaches the page its job needs; a
//! cell secretary proposes a sympathizer, the organisation staff approve, the political centre
//! opens a class, enrols, records the result and issues the certificates in one batch; the
//! candidate then stands at the dossier step with the class's certificate. Bad input is refused
//! in Vietnamese and changes nothing.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use crate::common;
use common::*;

use axum::http::StatusCode;

fn first_value_of(body: &str, name: &str) -> Option<String> {
    let key = format!("name=\"{name}\" value=\"");
    let at = body.find(&key)? + key.len();
    Some(body[at..at + body[at..].find('"')?].to_string())
}

#[tokio::test]
async fn every_role_reads_the_classes_page_as_its_job_needs() {
    let mut app = TestApp::spawn().await;
    for user in USERS {
        app.cookie = None;
        app.login(user).await;
        let page = app.get("/classes").await;
        assert_eq!(page.status, StatusCode::OK, "{user}: {}", page.body);
        assert!(page.body.contains("Chờ đi học"), "{user}");
        let runs = matches!(user, "admin" | "tochuc" | "ttct");
        assert_eq!(page.body.contains("Mở lớp mới"), runs, "{user}");
        if user == "lanhdao" {
            assert!(
                !page.body.contains("name=\"candidacy\""),
                "a viewer sees no names"
            );
        }
    }
}

#[tokio::test]
async fn a_sympathizer_goes_from_proposal_to_certificate_through_a_class() {
    let mut app = TestApp::spawn().await;
    // The organisation staff propose the sympathizer who has waited longest.
    app.login("tochuc").await;
    let page = app.get("/classes").await;
    let csrf = TestApp::csrf(&page);
    let who = first_value_of(&page.body, "candidacy").expect("a sympathizer waits in the demo");
    let org = options_of(&page.body, "k-org")[0].clone();
    let res = app
        .post(
            "/classes/proposals",
            &[
                ("_csrf", &csrf),
                ("org", &org),
                ("year", ""),
                ("kind", "awareness"),
                ("candidacy", &who),
                ("on", "ngày mai"),
                ("action", "propose"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert!(res.body.contains("ngày/tháng/năm"), "{}", res.body);
    let today = {
        let at = page.body.find("id=\"w-on\" name=\"on\" value=\"").unwrap() + 27;
        page.body[at..at + 10].to_string()
    };
    let res = app
        .post(
            "/classes/proposals",
            &[
                ("_csrf", &csrf),
                ("org", &org),
                ("year", ""),
                ("kind", "awareness"),
                ("candidacy", &who),
                ("on", &today),
                ("action", "propose"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    // A cell secretary does not approve.
    app.cookie = None;
    app.login("bithu").await;
    let page = app.get("/classes").await;
    let res = app
        .post(
            "/classes/proposals",
            &[
                ("_csrf", &TestApp::csrf(&page)),
                ("candidacy", &who),
                ("on", &today),
                ("action", "approve"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);

    // The organisation staff approve it.
    app.cookie = None;
    app.login("tochuc").await;
    let page = app.get("/classes").await;
    assert!(page.body.contains("chờ duyệt"), "{}", page.body);
    let csrf = TestApp::csrf(&page);
    let res = app
        .post(
            "/classes/proposals",
            &[
                ("_csrf", &csrf),
                ("candidacy", &who),
                ("on", &today),
                ("action", "approve"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);

    // The political centre opens a class of the district, ending today.
    app.cookie = None;
    app.login("ttct").await;
    let page = app.get("/classes").await;
    let csrf = TestApp::csrf(&page);
    let district = options_of(&page.body, "k-org")[0].clone();
    let class_form = |start: &str| {
        vec![
            ("_csrf", csrf.clone()),
            ("org", district.clone()),
            ("kind", "awareness".to_string()),
            ("number", "Lớp số 09/2026".to_string()),
            ("starts_on", start.to_string()),
            ("ends_on", today.clone()),
            ("place", "Hội trường Trung tâm".to_string()),
            ("capacity", "40".to_string()),
            ("lecturers", "Nguyễn Văn Giảng".to_string()),
            ("issuer", "Trung tâm Chính trị huyện".to_string()),
        ]
    };
    let bad = class_form("31/12/2099");
    let bad: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let res = app.post("/classes", &bad).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert!(
        res.body
            .contains("Ngày kết thúc lớp phải từ ngày khai giảng"),
        "{}",
        res.body
    );
    let good = class_form(&today);
    let good: Vec<(&str, &str)> = good.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let res = app.post("/classes", &good).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let class = res.location.clone().unwrap();
    let page = app.get(&class).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Lớp số 09/2026"));
    assert!(
        page.body.contains(&who),
        "the approved sympathizer is offered for enrolment"
    );
    let csrf = TestApp::csrf(&page);
    let res = app
        .post(
            &format!("{class}/enrol"),
            &[("_csrf", &csrf), ("candidacy", &who), ("on", &today)],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let res = app
        .post(
            &format!("{class}/results"),
            &[("_csrf", &csrf), (&format!("result_{who}"), "passed")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let res = app
        .post(
            &format!("{class}/certificates"),
            &[
                ("_csrf", &csrf),
                ("first", "125"),
                ("suffix", "GCN-TTCT"),
                ("issued_on", &today),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let page = app.get(&class).await;
    assert!(page.body.contains("125/GCN-TTCT"), "{}", page.body);
    assert!(page.body.contains("100 %"), "{}", page.body);
    // The roster as a party document (its DOCX is the same model: tests/papers.rs).
    let roster = app.get(&format!("{class}/paper")).await;
    assert_eq!(roster.status, StatusCode::OK, "{}", roster.body);
    assert!(roster.body.contains("DANH SÁCH HỌC VIÊN"));
    assert!(roster.body.contains("125/GCN-TTCT"));

    // A second batch has nobody left to certify.
    let res = app
        .post(
            &format!("{class}/certificates"),
            &[("_csrf", &csrf), ("first", "126"), ("issued_on", &today)],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert!(res.body.contains("Không còn học viên"), "{}", res.body);

    // The candidate's page: at the dossier step, with the class's certificate.
    app.cookie = None;
    app.login("tochuc").await;
    let page = app.get(&format!("/candidates/{who}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("125/GCN-TTCT"), "{}", page.body);
    assert!(page.body.contains("Hoàn thiện hồ sơ"), "{}", page.body);

    // The year's report counts the class, the person sent and the person certified apart.
    let year = &today[6..];
    let page = app.get(&format!("/reports?period={year}")).await;
    assert_eq!(page.status, StatusCode::OK);
    for label in [
        "Lớp nhận thức về Đảng mở trong kỳ",
        "Người được cử học lớp nhận thức về Đảng",
        "Người được cấp giấy chứng nhận qua các lớp",
    ] {
        assert!(
            page.body.contains(&format!(
                "<th scope=\"row\">{label}</th><td class=\"num\">1</td>"
            )),
            "{label}: {}",
            &page.body[page.body.find("VIII. Lớp bồi dưỡng").expect("section VIII")..]
        );
    }
}

//! HTTP tests of the paper printed from the data (issue 17): for a candidate awaiting the
//! ceremony, the cell's minutes and resolution (6-KNĐ), the grassroots committee's resolution
//! (8-KNĐ) and the admission decision (9-KNĐ), each as an A4 page in the party document layout
//! and as a DOCX read back here (zip + XML) holding the candidate's name, the numbers and the
//! dates; roles that do not keep dossiers are refused.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use crate::common;
use common::*;

use axum::http::StatusCode;
use ketnap_store::{Scope, candidacies};

#[tokio::test]
async fn a_candidates_papers_are_printed_and_downloaded_from_the_recorded_steps() {
    let mut app = TestApp::spawn().await;
    app.login("tochuc").await;
    let list = app.get("/candidates?stage=awaiting_ceremony").await;
    let body = &list.body[list.body.find("<tbody>").expect("a list")..];
    let at = body
        .find("href=\"/candidates/")
        .expect("a candidate awaits the ceremony");
    let rest = &body[at + "href=\"/candidates/".len()..];
    let id = rest[..rest.find('"').unwrap()].to_string();
    let mut conn = app.store.read().await.unwrap();
    let c = candidacies::get(&mut conn, &Scope::system(), &id)
        .await
        .unwrap();
    drop(conn);
    let cell = c.state.cell_resolution.clone().unwrap();
    let grassroots = c.state.grassroots_resolution.clone().unwrap();
    let (decision, _) = c.state.admission_decision.clone().unwrap();
    let dmy = |d: jiff::civil::Date| {
        format!(
            "ngày {:02} tháng {:02} năm {}",
            d.day(),
            d.month(),
            d.year()
        )
    };

    let page = app.get(&format!("/candidates/{id}")).await;
    assert!(
        page.body.contains("Giấy tờ in từ dữ liệu đã ghi"),
        "{}",
        page.body
    );
    let comments_on = c
        .state
        .comments_on
        .expect("comments summarised before the vote");
    for (code, number, on) in [
        ("5-KND", None, comments_on),
        ("bien-ban-chi-bo", None, cell.on),
        ("6-KND", Some(&cell.number), cell.on),
        ("8-KND", Some(&grassroots.number), grassroots.on),
        ("9-KND", Some(&decision.number), decision.on),
    ] {
        let href = format!("/candidates/{id}/paper/{code}");
        assert!(
            page.body.contains(&href),
            "{code} offered on the candidate page"
        );
        let paper = app.get(&href).await;
        assert_eq!(paper.status, StatusCode::OK, "{code}: {}", paper.body);
        assert!(paper.body.contains("ĐẢNG CỘNG SẢN VIỆT NAM"), "{code}");
        assert!(paper.body.contains(&c.full_name), "{code}");
        assert!(paper.body.contains(&dmy(on)), "{code}: the act's date");
        let (status, ct, bytes) = download(&app, &format!("{href}?format=docx")).await;
        assert_eq!(status, StatusCode::OK, "{code}");
        assert!(ct.contains("wordprocessingml"), "{ct}");
        let xml = docx_text(&bytes);
        assert!(xml.contains(&c.full_name), "{code}: the name in the DOCX");
        assert!(xml.contains(&dmy(on)), "{code}: the date in the DOCX");
        if let Some(n) = number {
            assert!(paper.body.contains(n.as_str()), "{code}: number {n}");
            assert!(xml.contains(n.as_str()), "{code}: number {n} in the DOCX");
        }
    }
    // Each document produced is listed in its dossier row with the date of the step that made
    // it and its print and DOCX links.
    for code in ["6-KNĐ", "8-KNĐ", "9-KNĐ"] {
        let at = page
            .body
            .find(&format!("data-form=\"{code}\""))
            .unwrap_or_else(|| panic!("{code} in the dossier"));
        let row = &page.body[at..at + page.body[at..].find("</tr>").unwrap()];
        let url = code.replace('Đ', "D");
        assert!(
            row.contains(&format!("/candidates/{id}/paper/{url}")),
            "{code}: {row}"
        );
        assert!(row.contains("văn bản lập từ dữ liệu"), "{code}");
    }
    // The cell meeting's cohort: the candidate is in it, and one page prints every paper of it.
    let key = "href=\"/cohort?cell=";
    let at = page.body.find(key).expect("the cohort link");
    let href = page.body[at + 6..at + 6 + page.body[at + 6..].find('"').unwrap()]
        .replace("&amp;", "&")
        .replace("&#38;", "&");
    let cohort = app.get(&href).await;
    assert_eq!(cohort.status, StatusCode::OK, "{href}: {}", cohort.body);
    assert!(cohort.body.contains(&c.full_name), "{}", cohort.body);
    assert!(
        cohort.body.contains(&cell.number),
        "the dates and numbers to check"
    );
    let all = app.get(&format!("{href}&print=1")).await;
    assert_eq!(all.status, StatusCode::OK);
    assert!(
        all.body.matches("ĐẢNG CỘNG SẢN VIỆT NAM").count() >= 4,
        "every paper of the cohort"
    );
    assert!(all.body.contains(&c.full_name));
    let (status, _, _) = download(&app, &format!("/candidates/{id}/paper/khong-co")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = download(&app, &format!("/candidates/{id}/paper/6-KND?format=pdf")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    for user in ["ttct", "doanthanhnien", "lanhdao"] {
        app.cookie = None;
        app.login(user).await;
        let (status, _, _) = download(&app, &format!("/candidates/{id}/paper/6-KND")).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{user}");
    }
}

/// The organisation's lists: the sympathizer list and the course proposal list, each as a party
/// document and as a DOCX holding the names.
#[tokio::test]
async fn the_sympathizer_list_and_the_course_proposal_list_are_printed() {
    let mut app = TestApp::spawn().await;
    app.login("tochuc").await;
    let list = app.get("/candidates?stage=sympathizer").await;
    assert!(list.body.contains("In danh sách cảm tình Đảng"));
    let body = &list.body[list.body.find("<tbody>").expect("a list")..];
    let at = body.find("href=\"/candidates/").unwrap();
    let rest = &body[at..];
    let name = &rest[rest.find('>').unwrap() + 1..rest.find("</a>").unwrap()];
    let page = app.get("/papers/sympathizers").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    for part in [
        "ĐẢNG CỘNG SẢN VIỆT NAM",
        "DANH SÁCH",
        "Quần chúng cảm tình Đảng",
        "Vào danh sách ngày",
        name,
    ] {
        assert!(page.body.contains(part), "{part}");
    }
    let (status, _, bytes) = download(&app, "/papers/sympathizers?format=docx").await;
    assert_eq!(status, StatusCode::OK);
    assert!(docx_text(&bytes).contains(name), "{name} in the DOCX");

    let classes = app.get("/classes").await;
    assert!(classes.body.contains("In danh sách đề nghị cử đi học"));
    let page = app.get("/papers/course-proposals?kind=awareness").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("đề nghị cử đi học"), "{}", page.body);
    let (status, ct, _) =
        download(&app, "/papers/course-proposals?kind=awareness&format=docx").await;
    assert_eq!(status, StatusCode::OK);
    assert!(ct.contains("wordprocessingml"));

    // Roles that do not keep dossiers print no list.
    for user in ["ttct", "doanthanhnien", "lanhdao"] {
        app.cookie = None;
        app.login(user).await;
        let (status, _, _) = download(&app, "/papers/sympathizers").await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{user}");
    }
}

/// A member recognised as official: the recognition papers (13-KNĐ, 15-KNĐ and the decision)
/// are offered with the admission ones, and each prints with the member's name.
#[tokio::test]
async fn an_official_members_recognition_papers_are_printed() {
    let mut app = TestApp::spawn().await;
    app.login("tochuc").await;
    let list = app.get("/candidates?stage=official").await;
    let body = &list.body[list.body.find("<tbody>").expect("a list")..];
    let at = body
        .find("href=\"/candidates/")
        .expect("an official member in the demo");
    let rest = &body[at + "href=\"/candidates/".len()..];
    let id = rest[..rest.find('"').unwrap()].to_string();
    let page = app.get(&format!("/candidates/{id}")).await;
    for code in ["13-KND", "15-KND", "quyet-dinh-cong-nhan", "9-KND"] {
        let href = format!("/candidates/{id}/paper/{code}");
        assert!(page.body.contains(&href), "{code} offered");
        let paper = app.get(&href).await;
        assert_eq!(paper.status, StatusCode::OK, "{code}");
        assert!(paper.body.contains("ĐẢNG CỘNG SẢN VIỆT NAM"), "{code}");
    }
    let decision = app
        .get(&format!("/candidates/{id}/paper/quyet-dinh-cong-nhan"))
        .await;
    assert!(
        decision.body.contains("là đảng viên chính thức kể từ ngày"),
        "{}",
        decision.body
    );
}

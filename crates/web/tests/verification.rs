//! HTTP tests of the verification desk (issue 17): staff read the open requests of their scope
//! oldest first, record a reminder and answers for the ticked requests; a bad answer is refused
//! in Vietnamese and changes nothing; roles that do not follow dossiers read only the durations.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use crate::common;
use common::*;

use axum::http::StatusCode;

fn first_request(body: &str) -> Option<String> {
    let key = "name=\"request\" value=\"";
    let at = body.find(key)? + key.len();
    Some(body[at..at + body[at..].find('"')?].to_string())
}

fn today_of(body: &str) -> String {
    let key = "id=\"v-on\" name=\"on\" value=\"";
    let at = body.find(key).unwrap() + key.len();
    body[at..at + 10].to_string()
}

#[tokio::test]
async fn staff_remind_and_answer_the_oldest_request_and_it_leaves_the_queue() {
    let mut app = TestApp::spawn().await;
    app.login("tochuc").await;
    let page = app.get("/verification").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("Thời gian thẩm tra năm"));
    let request = first_request(&page.body).expect("the demo has open requests");
    let csrf = TestApp::csrf(&page);
    let today = today_of(&page.body);

    let res = app
        .post(
            "/verification/work",
            &[
                ("_csrf", &csrf),
                ("request", &request),
                ("on", &today),
                ("action", "remind"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let page = app.get("/verification").await;
    let row_at = page.body.find(&format!("value=\"{request}\"")).unwrap();
    let row = &page.body[row_at..row_at + page.body[row_at..].find("</tr>").unwrap()];
    assert!(row.contains(&today), "the reminder's day: {row}");

    // The reminder letter, laid out as a party document, names the candidate and the place.
    let letter = app
        .get(&format!("/verification/letter?request={request}"))
        .await;
    assert_eq!(letter.status, StatusCode::OK, "{}", letter.body);
    for part in [
        "ĐẢNG CỘNG SẢN VIỆT NAM",
        "V/v đôn đốc trả lời thẩm tra lý lịch",
        "Kính gửi:",
        "Nơi nhận:",
        "T/M ",
    ] {
        assert!(letter.body.contains(part), "{part}: {}", letter.body);
    }
    let name = &row[row.find("<a href=\"/candidates/").unwrap()..];
    let name = &name[name.find('>').unwrap() + 1..name.find("</a>").unwrap()];
    assert!(letter.body.contains(name), "{name}");
    assert!(
        !letter.body.contains("ngày 0"),
        "the signing date stays blank"
    );
    let bad = app.get("/verification/letter?request=khong-co:1").await;
    assert_eq!(bad.status, StatusCode::NOT_FOUND);
    // The request letter itself: dated the day it was sent, with the number in the dossier.
    let sent = {
        let cells: Vec<&str> = row.split("<td").collect();
        let c = cells
            .iter()
            .find(|c| c.contains("data-label=\"Ngày gửi\""))
            .unwrap();
        let v = &c[c.find('>').unwrap() + 1..c.find("</td>").unwrap()];
        v.to_string()
    };
    let (d, rest) = sent.split_once('/').unwrap();
    let (m, y) = rest.split_once('/').unwrap();
    let first = app
        .get(&format!(
            "/verification/letter?request={request}&kind=request"
        ))
        .await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    for part in [
        "V/v thẩm tra lý lịch người vào Đảng",
        "đề nghị",
        name,
        &format!("ngày {d} tháng {m} năm {y}"),
    ] {
        assert!(first.body.contains(part), "{part}");
    }
    // The held-up list names the candidate, with what the verification covers.
    assert!(page.body.contains("Quần chúng đang chờ kết quả thẩm tra"));
    assert!(page.body.contains("Cần thẩm tra"));

    let res = app
        .post(
            "/verification/work",
            &[
                ("_csrf", &csrf),
                ("request", &request),
                ("on", &today),
                ("action", "answer"),
                ("outcome", ""),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert!(res.body.contains("Hãy chọn kết quả thẩm tra"));
    let res = app
        .post(
            "/verification/work",
            &[
                ("_csrf", &csrf),
                ("request", &request),
                ("on", &today),
                ("action", "answer"),
                ("outcome", "clear"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let page = app.get("/verification").await;
    assert!(
        !page.body.contains(&format!("value=\"{request}\"")),
        "the answered request left the queue"
    );
}

#[tokio::test]
async fn roles_that_do_not_follow_dossiers_read_only_the_durations() {
    let mut app = TestApp::spawn().await;
    for user in ["ttct", "doanthanhnien", "lanhdao", "giupdo"] {
        app.cookie = None;
        app.login(user).await;
        let page = app.get("/verification").await;
        assert_eq!(page.status, StatusCode::OK, "{user}: {}", page.body);
        assert!(
            first_request(&page.body).is_none(),
            "{user} reads no request"
        );
        assert!(page.body.contains("Thời gian thẩm tra năm"), "{user}");
        let letter = app.get("/verification/letter?request=x:1").await;
        assert_eq!(letter.status, StatusCode::FORBIDDEN, "{user}");
    }
    app.cookie = None;
    app.login("bithu").await;
    let page = app.get("/verification").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        !page.body.contains("Ghi kết quả cho công văn đã chọn"),
        "a secretary reads, does not work the desk"
    );
}

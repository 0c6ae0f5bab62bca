//! The alert list (issue 19): read from the day's alert queue, its lines worded for the page
//! shown only, it shows exactly what it shows when every candidacy's alerts are computed —
//! the same lines, words, folded mentor notes and pages, under each filter and order.
#![allow(clippy::unwrap_used)]

use crate::common::TestApp;

/// How many pages the list has (its last `trang=` link; 1 without one).
fn page_count(body: &str) -> usize {
    body.split("trang=")
        .skip(1)
        .filter_map(|s| {
            s.chars()
                .take_while(char::is_ascii_digit)
                .collect::<String>()
                .parse()
                .ok()
        })
        .max()
        .unwrap_or(1)
}

/// A page without its form token (each login has its own).
fn without_token(body: &str) -> String {
    let mark = "name=\"_csrf\" value=\"";
    let mut out = String::new();
    let mut rest = body;
    while let Some(at) = rest.find(mark) {
        out.push_str(&rest[..at + mark.len()]);
        rest = &rest[at + mark.len()..];
        rest = rest.find('"').map_or("", |end| &rest[end..]);
    }
    out.push_str(rest);
    out
}

/// Every page of the list at `path`, as served (without the form token).
async fn every_page(app: &mut TestApp, path: &str) -> Vec<String> {
    let first = app.get(path).await;
    assert_eq!(first.status, 200, "{path}");
    let n = page_count(&first.body);
    let mut pages = vec![without_token(&first.body)];
    for p in 2..=n {
        let page = app.get(&format!("{path}&trang={p}")).await;
        assert_eq!(page.status, 200, "{path} page {p}");
        pages.push(without_token(&page.body));
    }
    pages
}

#[tokio::test]
async fn the_list_from_the_queue_is_the_list_computed_from_every_candidacy() {
    let mut app = TestApp::spawn().await;
    let paths = [
        "/alerts?sort=queue",
        "/alerts?sort=due",
        "/alerts?sort=cell",
        "/alerts?status=overdue",
        "/alerts?kind=mentor_note",
        "/alerts?actor=cell",
    ];
    let users = ["tochuc", "bithu", "giupdo"];
    // Before the day's pass the list computes every candidacy's alerts.
    let mut computed = Vec::new();
    for user in users {
        app.login(user).await;
        let mut of_user = Vec::new();
        for path in paths {
            of_user.push(every_page(&mut app, path).await);
        }
        computed.push(of_user);
    }
    // The folded mentor notes are there to compare.
    let all = computed[0].concat().concat();
    assert!(
        all.contains("<a href=\"/mentors\">1 quần chúng</a>") && all.contains("chưa nhận xét"),
        "mentor notes folded, with their words"
    );
    let today = app.state.clock.today();
    ketnap_store::alert_queue::daily_pass(&app.store, &app.state.book, today)
        .await
        .unwrap();
    for (user, before_of_user) in users.iter().zip(&computed) {
        app.login(user).await;
        for (path, before) in paths.iter().zip(before_of_user) {
            let after = every_page(&mut app, path).await;
            assert_eq!(after.len(), before.len(), "{user} {path}: pages");
            for (i, (a, b)) in after.iter().zip(before).enumerate() {
                assert!(a == b, "{user} {path} page {}: differs", i + 1);
            }
        }
    }
}

//! Pages read in a number of queries that does not grow with the rows they show: every query the
//! store runs is counted (sqlx reports each statement as a `sqlx::query` tracing event), and each
//! main page must take as many queries after more candidates, mentors and events are added to the
//! cell as before.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

mod common;
use common::*;

use std::sync::atomic::{AtomicUsize, Ordering};

use axum::http::StatusCode;
use tracing::Subscriber;
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

static QUERIES: AtomicUsize = AtomicUsize::new(0);

/// Counts the statements sqlx runs.
struct CountQueries;

impl<S: Subscriber> Layer<S> for CountQueries {
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        if event.metadata().target() == "sqlx::query" {
            QUERIES.fetch_add(1, Ordering::SeqCst);
        }
    }
}

/// The queries one GET takes (the page must answer 200): the least of three loads, since a
/// background task of the app (the session store's clean-up) may run a statement while a page
/// is being measured; it can only add to a count, never take away.
async fn queries_of(app: &mut TestApp, path: &str) -> usize {
    let mut least = usize::MAX;
    for _ in 0..3 {
        let before = QUERIES.load(Ordering::SeqCst);
        let page = app.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}: {}", page.body);
        least = least.min(QUERIES.load(Ordering::SeqCst) - before);
    }
    least
}

/// Open a candidacy in `cell` through the form and list them as a sympathizer with `mentor`.
async fn candidate_with_mentor(app: &mut TestApp, cell: &str, name: &str, mentor_at: usize) {
    let form = app.get("/candidates/new").await;
    let csrf = TestApp::csrf(&form);
    let res = app
        .post(
            "/candidates",
            &[
                ("_csrf", &csrf),
                ("cell", cell),
                ("listed_on", "06/01/2026"),
                ("full_name", name),
                ("birth_date", "20/05/1995"),
                ("gender", "Nữ"),
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
    let page = app.get(&id).await;
    let members = options_of(&page.body, "list_as_sympathizer-member");
    let mentor = members[mentor_at % members.len()].clone();
    let csrf = TestApp::csrf(&page);
    let at = page.body.find("name=\"version\" value=\"").unwrap();
    let rest = &page.body[at + "name=\"version\" value=\"".len()..];
    let version = rest[..rest.find('"').unwrap()].to_string();
    let res = app
        .post(
            &format!("{id}/step"),
            &[
                ("_csrf", &csrf),
                ("action", "list_as_sympathizer"),
                ("version", &version),
                ("on", "10/01/2026"),
                ("resolution_no", "01-NQ/CB"),
                ("member", &mentor),
            ],
        )
        .await;
    assert!(
        res.status == StatusCode::SEE_OTHER || res.status == StatusCode::OK,
        "{}",
        res.body
    );
}

#[tokio::test]
async fn main_pages_take_as_many_queries_with_more_candidates_and_mentors_in_the_cell() {
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(CountQueries))
        .unwrap();
    let mut app = TestApp::spawn().await;
    app.login("tochuc").await;
    let form = app.get("/candidates/new").await;
    let cell = options_of(&form.body, "cell")[0].clone();
    // One candidate with a mentor first, so every page already shows a row of each kind.
    candidate_with_mentor(&mut app, &cell, "Lê Thị Hoa", 0).await;
    let pages = [
        "/".to_string(),
        "/orgs".to_string(),
        format!("/orgs/{cell}"),
        "/candidates".to_string(),
        format!("/candidates?org={cell}"),
        "/candidates?q=nguyen".to_string(),
        "/candidates/board".to_string(),
        "/alerts".to_string(),
        "/mentors".to_string(),
        "/audit".to_string(),
        format!("/members?org={cell}"),
    ];
    let mut before = Vec::new();
    for p in &pages {
        before.push(queries_of(&mut app, p).await);
    }
    for (i, name) in [
        "Trần Văn Bình",
        "Phạm Thị Cúc",
        "Hoàng Văn Dũng",
        "Vũ Thị Én",
    ]
    .into_iter()
    .enumerate()
    {
        candidate_with_mentor(&mut app, &cell, name, i + 1).await;
    }
    for (p, b) in pages.iter().zip(&before) {
        let after = queries_of(&mut app, p).await;
        assert_eq!(
            after, *b,
            "{p} took {b} queries before and {after} after four more candidates and mentors"
        );
    }
    // The counter really counts: a page takes some queries.
    assert!(before.iter().all(|n| *n > 0), "{before:?}");
}

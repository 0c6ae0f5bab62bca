//! Pages read in a number of queries that does not grow with the rows they show: every query the
//! store runs is counted (sqlx reports each statement as a `sqlx::query` tracing event), and each
//! main page must take as many queries after more candidates, mentors and events are added to the
//! cell as before.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use crate::common;
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
        least = least.min(counted(app, path).await.0);
    }
    least
}

/// [`queries_of`] for an API route, with a bearer token.
async fn api_queries_of(app: &TestApp, path: &str, token: &str) -> usize {
    use tower::ServiceExt;
    let mut least = usize::MAX;
    for _ in 0..3 {
        let before = QUERIES.load(Ordering::SeqCst);
        let req = axum::http::Request::get(path)
            .header(axum::http::header::AUTHORIZATION, format!("Bearer {token}"))
            .body(axum::body::Body::empty())
            .unwrap();
        let res = app.router.clone().oneshot(req).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{path}");
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

/// The path of a route with its parameters filled for the demo: the cell and the candidate made
/// by the test; `None` for a parameter this test does not fill.
fn filled(route: &str, cell: &str, candidate: &str) -> Option<String> {
    let mut out = Vec::new();
    let segments: Vec<&str> = route.split('/').collect();
    for (i, seg) in segments.iter().enumerate() {
        let before = if i > 0 { segments[i - 1] } else { "" };
        out.push(match (*seg, before) {
            ("{pub_id}" | "{id}", "candidates") => candidate.to_string(),
            ("{pub_id}" | "{id}", "orgs") => cell.to_string(),
            (s, _) if s.starts_with('{') => return None,
            (s, _) => s.to_string(),
        });
    }
    let path = out.join("/");
    // Pages that ask which organisation in their query.
    Some(match route {
        "/members/new" => format!("{path}?cell={cell}"),
        _ => path,
    })
}

/// The routes whose GET does not answer a page from the path alone (each needs a file, a form's
/// answer or parameters of its own) — listed, so that a new route is counted or added here
/// knowingly.
const NOT_A_PAGE: [&str; 10] = [
    "/login",
    "/healthz",
    "/metrics",
    "/orgs/{pub_id}/download",
    "/coverage/lists",
    "/static/{file}",
    "/setup",
    "/reports/download",
    "/verification/letter",
    "/cohort",
];

/// Issue 19, the bar: every GET route of the pages and of the API, read from the routers
/// (`page_route_list`, `api::route_list`), takes as many queries after four more candidates with
/// mentors in the cell as before.
#[tokio::test]
async fn every_get_route_takes_as_many_queries_with_more_candidates() {
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(CountQueries))
        .unwrap();
    let mut app = TestApp::spawn().await;
    app.login("tochuc").await;
    let form = app.get("/candidates/new").await;
    let cell = options_of(&form.body, "cell")[0].clone();
    candidate_with_mentor(&mut app, &cell, "Lê Thị Hoa", 0).await;
    let list = app.get(&format!("/candidates?org={cell}")).await;
    let at =
        list.body.find("<td><a href=\"/candidates/").unwrap() + "<td><a href=\"/candidates/".len();
    let candidate = list.body[at..at + list.body[at..].find('"').unwrap()].to_string();
    let mut paths = Vec::new();
    let mut skipped = Vec::new();
    let mut unfilled = Vec::new();
    for route in ketnap_web::page_route_list() {
        if NOT_A_PAGE.contains(&route) {
            continue;
        }
        let Some(path) = filled(route, &cell, &candidate) else {
            skipped.push(route);
            continue;
        };
        let page = app.get(&path).await;
        match page.status {
            StatusCode::OK => paths.push(path),
            StatusCode::METHOD_NOT_ALLOWED => {}
            s => unfilled.push(format!("GET {path} ({route}) answered {s}")),
        }
    }
    assert!(
        unfilled.is_empty(),
        "fill these here or list them in NOT_A_PAGE:\n{}",
        unfilled.join("\n")
    );
    assert!(paths.len() >= 20, "{paths:?}");
    // The API's GET routes, with a token of the same account.
    let token = ketnap_web::api::new_token();
    {
        let user = ketnap_store::users::by_username(&mut app.store.read().await.unwrap(), "tochuc")
            .await
            .unwrap()
            .unwrap();
        let mut tx = app.store.begin().await.unwrap();
        ketnap_store::users::set_api_token_hash(
            &mut tx,
            &ketnap_store::WriteCtx::new(None, "2026-11-23T03:00:00Z".parse().unwrap()),
            user.user_id,
            Some(&ketnap_web::api::token_hash(&token)),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
    let mut apis = Vec::new();
    for (verb, route) in ketnap_web::api::route_list() {
        if !matches!(verb, ketnap_web::api::Verb::Get) || route.contains("{kind}") {
            continue; // writes; the import template is a file
        }
        let path = filled(route, &cell, &candidate).expect("API parameters are filled");
        apis.push(format!("/api/v1{path}"));
    }
    let mut before = Vec::new();
    for p in &paths {
        before.push(queries_of(&mut app, p).await);
    }
    let mut api_before = Vec::new();
    for p in &apis {
        api_before.push(api_queries_of(&app, p, &token).await);
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
    let mut grew = Vec::new();
    for (p, b) in paths.iter().zip(&before) {
        let after = queries_of(&mut app, p).await;
        if after != *b {
            grew.push(format!("{p}: {b} → {after}"));
        }
    }
    for (p, b) in apis.iter().zip(&api_before) {
        let after = api_queries_of(&app, p, &token).await;
        if after != *b {
            grew.push(format!("{p}: {b} → {after}"));
        }
    }
    assert!(apis.len() >= 8, "{apis:?}");
    assert!(
        grew.is_empty(),
        "queries grew with the rows shown:\n{}",
        grew.join("\n")
    );
    eprintln!(
        "{} page routes and {} API routes counted; not filled here: {skipped:?}",
        paths.len(),
        apis.len()
    );
}

/// The count the dashboard's funnel table shows for a stage.
fn funnel_count(body: &str, label: &str) -> u64 {
    let head = format!("<tr><td>{label}</td><td class=\"num\">");
    let at = body.find(&head).expect("the stage's row") + head.len();
    let rest = &body[at..];
    rest[..rest.find('<').unwrap()]
        .replace('.', "")
        .parse()
        .unwrap()
}

/// The queries one GET takes, and its page.
async fn counted(app: &mut TestApp, path: &str) -> (usize, String) {
    let before = QUERIES.load(Ordering::SeqCst);
    let page = app.get(path).await;
    assert_eq!(page.status, StatusCode::OK, "{path}: {}", page.body);
    (QUERIES.load(Ordering::SeqCst) - before, page.body)
}

/// Issue 19 (B1, B3, B5; `ketnap_store::stamps`): the dashboard's figures, a report, the plans
/// page's plan against actual and the alert list are kept in memory and served again while
/// nothing was written into their subtree — the second view reads fewer statements than the
/// first — and a candidate listed in a cell of the subtree shows on the very next view (each
/// read again).
#[tokio::test]
async fn kept_views_are_served_until_their_subtree_is_written() {
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(CountQueries))
        .unwrap();
    let mut app = TestApp::spawn().await;
    app.login("tochuc").await;
    let form = app.get("/candidates/new").await;
    let cell = options_of(&form.body, "cell")[0].clone();
    let report = "/reports?period=2026";
    let (first, dashboard) = counted(&mut app, "/").await;
    let (kept_queries, kept) = counted(&mut app, "/").await;
    assert!(
        kept_queries < first,
        "the dashboard: {first} then {kept_queries} queries"
    );
    assert_eq!(kept, dashboard, "the same page served again");
    let (first, before) = counted(&mut app, report).await;
    let (again, kept) = counted(&mut app, report).await;
    assert!(again < first, "the report: {first} then {again} queries");
    assert_eq!(kept, before, "the same report served again");

    let (first_alerts, alerts) = counted(&mut app, "/alerts").await;
    let (kept_alerts, kept) = counted(&mut app, "/alerts").await;
    assert!(
        kept_alerts < first_alerts,
        "the alerts: {first_alerts} then {kept_alerts} queries"
    );
    assert_eq!(
        kept, alerts,
        "the same lines, with the words the first view filled"
    );
    assert!(alerts.contains("<td"), "lines shown");

    let plans = "/plans?period=2026";
    let (first_plans, plans_page) = counted(&mut app, plans).await;
    let (kept_plans, kept) = counted(&mut app, plans).await;
    assert!(
        kept_plans < first_plans,
        "the plans page: {first_plans} then {kept_plans} queries"
    );
    assert_eq!(
        kept, plans_page,
        "the same plan against actual served again"
    );

    let listed = funnel_count(&dashboard, "Cảm tình Đảng");
    candidate_with_mentor(&mut app, &cell, "Lê Thị Hoa", 0).await;
    let (recomputed, dashboard) = counted(&mut app, "/").await;
    assert_eq!(
        funnel_count(&dashboard, "Cảm tình Đảng"),
        listed + 1,
        "the new sympathizer counted"
    );
    assert!(recomputed > kept_queries, "computed again after the write");
    assert!(
        dashboard.contains("Lê Thị Hoa"),
        "the day's work read again after the write: the new step among the latest"
    );
    let (_, after) = counted(&mut app, report).await;
    assert_ne!(after, before, "the report computed again after the write");
    let (plans_after, _) = counted(&mut app, plans).await;
    assert!(
        plans_after > kept_plans,
        "the plans page read again after the write: {kept_plans} then {plans_after}"
    );
    let (alerts_after, _) = counted(&mut app, "/alerts").await;
    assert!(
        alerts_after > kept_alerts,
        "the alerts read again after the write: {kept_alerts} then {alerts_after}"
    );
}

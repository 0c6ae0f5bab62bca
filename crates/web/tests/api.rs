//! The JSON API on the in-process router: token auth, scopes, refused steps as JSON, OpenAPI.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode, header};
use ketnap_domain::RuleBook;
use ketnap_store::{Store, WriteCtx, demo, users};
use ketnap_web::{AppState, Clock, api, app};
use serde_json::{Value, json};
use sqlx::sqlite::SqliteConnectOptions;
use tower::ServiceExt;

struct Api {
    router: Router,
    store: Store,
    _dir: tempfile::TempDir,
}

impl Api {
    async fn spawn() -> Api {
        let dir = tempfile::tempdir().unwrap();
        let store =
            Store::connect_sqlite(SqliteConnectOptions::new().filename(dir.path().join("t.db")))
                .await
                .unwrap();
        store.migrate().await.unwrap();
        let book = RuleBook::spec_default();
        demo::generate(
            &store,
            &book,
            demo::DemoSize::scaled(0.05),
            11,
            jiff::civil::date(2026, 11, 23),
            &demo::DemoUsers {
                password_hash: "x".into(),
            },
        )
        .await
        .unwrap();
        let now: jiff::Timestamp = "2026-11-23T03:00:00Z".parse().unwrap();
        let router = app(AppState::new(store.clone(), book, Clock::Fixed(now)))
            .await
            .unwrap();
        Api {
            router,
            store,
            _dir: dir,
        }
    }

    async fn token(&self, username: &str) -> String {
        let token = api::new_token();
        let mut conn = self.store.read().await.unwrap();
        let user = users::by_username(&mut conn, username)
            .await
            .unwrap()
            .unwrap();
        drop(conn);
        let mut tx = self.store.begin().await.unwrap();
        let ctx = WriteCtx::new(None, "2026-11-23T03:00:00Z".parse().unwrap());
        users::set_api_token_hash(&mut tx, &ctx, user.user_id, Some(&api::token_hash(&token)))
            .await
            .unwrap();
        tx.commit().await.unwrap();
        token
    }

    async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = Request::builder().method(method).uri(path);
        if let Some(t) = token {
            req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        let req = match body {
            Some(b) => req
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(b.to_string()))
                .unwrap(),
            None => req.body(Body::empty()).unwrap(),
        };
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let bytes = to_bytes(res.into_body(), 10 << 20).await.unwrap();
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }
}

#[tokio::test]
async fn the_openapi_document_describes_every_route() {
    let api = Api::spawn().await;
    let (status, doc) = api.call("GET", "/api/v1/openapi.json", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(doc["openapi"], "3.1.0");
    for path in [
        "/orgs",
        "/orgs/{id}",
        "/candidates",
        "/candidates/{id}",
        "/candidates/{id}/steps",
        "/alerts",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path}");
    }
}

#[tokio::test]
async fn without_a_valid_token_the_api_answers_401_in_json() {
    let api = Api::spawn().await;
    let (status, body) = api.call("GET", "/api/v1/candidates", None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"], "unauthenticated");
    let (status, _) = api
        .call("GET", "/api/v1/candidates", Some("knp_wrong"), None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_cell_secretary_reaches_only_its_cell_and_a_refused_step_changes_nothing() {
    let api = Api::spawn().await;
    let staff = api.token("tochuc").await;
    let secretary = api.token("bithu").await;
    let (status, all) = api
        .call("GET", "/api/v1/candidates?limit=500", Some(&staff), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, own) = api
        .call(
            "GET",
            "/api/v1/candidates?limit=500",
            Some(&secretary),
            None,
        )
        .await;
    let own_ids: Vec<&str> = own["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["pub_id"].as_str().unwrap())
        .collect();
    let other = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| !own_ids.contains(&c["pub_id"].as_str().unwrap()))
        .expect("a candidacy outside the secretary's cell");
    let other_id = other["pub_id"].as_str().unwrap();
    let (status, body) = api
        .call(
            "GET",
            &format!("/api/v1/candidates/{other_id}"),
            Some(&secretary),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.get("candidacy").is_none(), "no data outside the scope");

    // A cell vote on a candidacy still at the source stage is refused with the rule, as JSON.
    let source = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["stage"] == "Source")
        .expect("a source");
    let id = source["pub_id"].as_str().unwrap();
    let (_, before) = api
        .call(
            "GET",
            &format!("/api/v1/candidates/{id}"),
            Some(&staff),
            None,
        )
        .await;
    let version = before["candidacy"]["version"].as_i64().unwrap();
    let step = json!({
        "version": version,
        "on": "2026-11-20",
        "action": { "type": "cell_vote", "resolution_no": "05-NQ/CB",
                    "tally": { "official_members": 9, "exempt_absent": 0, "present": 9, "ballots": null, "in_favour": 9 } }
    });
    let (status, body) = api
        .call(
            "POST",
            &format!("/api/v1/candidates/{id}/steps"),
            Some(&staff),
            Some(step),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"], "refused");
    assert_eq!(body["violations"][0]["rule_id"], "lifecycle.order");
    let (_, after) = api
        .call(
            "GET",
            &format!("/api/v1/candidates/{id}"),
            Some(&staff),
            None,
        )
        .await;
    assert_eq!(
        after["candidacy"]["version"],
        before["candidacy"]["version"]
    );
    assert_eq!(after["history"], before["history"]);
    // A stale version is a conflict.
    let stale = json!({ "version": version + 7, "on": "2026-11-20", "action": { "type": "withdraw", "reason": "Chuyển đi nơi khác" } });
    let (status, body) = api
        .call(
            "POST",
            &format!("/api/v1/candidates/{id}/steps"),
            Some(&staff),
            Some(stale),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let ok = json!({ "version": version, "on": "2026-11-20", "action": { "type": "withdraw", "reason": "Chuyển đi nơi khác" } });
    let (status, body) = api
        .call(
            "POST",
            &format!("/api/v1/candidates/{id}/steps"),
            Some(&staff),
            Some(ok),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["event"]["stage"], "Withdrawn");
}

//! The JSON API on the in-process router: token auth, scopes, the role checks of the pages,
//! refusals as JSON (a refused write changes nothing), audit rows of writes, and an OpenAPI
//! document that describes every route the router serves.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode, header};
use ketnap_domain::RuleBook;
use ketnap_store::orgs::{self, Org};
use ketnap_store::{Role, Scope, Store, WriteCtx, demo, members, users};
use ketnap_web::{AppState, Clock, api, app};
use serde_json::{Value, json};
use sqlx::sqlite::SqliteConnectOptions;
use tower::ServiceExt;

struct Api {
    router: Router,
    store: Store,
    _dir: tempfile::TempDir,
}

fn ctx() -> WriteCtx {
    WriteCtx::new(None, "2026-11-23T03:00:00Z".parse().unwrap())
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
        users::set_api_token_hash(
            &mut tx,
            &ctx(),
            user.user_id,
            Some(&api::token_hash(&token)),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        token
    }

    /// Give a demo user one more role over an organisation (by public id).
    async fn grant(&self, username: &str, role: Role, org_pub_id: &str) {
        let mut conn = self.store.read().await.unwrap();
        let user = users::by_username(&mut conn, username)
            .await
            .unwrap()
            .unwrap();
        let org = orgs::get(&mut conn, &Scope::system(), org_pub_id)
            .await
            .unwrap();
        drop(conn);
        let mut tx = self.store.begin().await.unwrap();
        users::grant(&mut tx, &ctx(), user.user_id, role, org.org_id)
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }

    async fn send(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        role: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = Request::builder().method(method).uri(path);
        if let Some(t) = token {
            req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        if let Some(r) = role {
            req = req.header("x-ketnap-role", r);
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
        let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        conforms(method, path, status, &body);
        (status, body)
    }

    async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        self.send(method, path, token, None, body).await
    }

    /// A GET that must answer 200.
    async fn read(&self, path: &str, token: &str) -> Value {
        let (status, body) = self.call("GET", path, Some(token), None).await;
        assert_eq!(status, StatusCode::OK, "GET {path}: {body}");
        body
    }

    /// The open organisations of the demo, with the system scope.
    async fn tree(&self) -> Vec<Org> {
        let mut conn = self.store.read().await.unwrap();
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

    /// The public id of a user's first scope root.
    async fn root_of(&self, token: &str) -> String {
        let roots = self.read("/api/v1/orgs", token).await;
        roots["items"][0]["pub_id"].as_str().unwrap().to_string()
    }

    /// The public ids of an active member's roster rows in a cell (first page of 500).
    async fn roster_ids(&self, cell: &str, token: &str, status: &str) -> Vec<String> {
        let body = self
            .read(
                &format!("/api/v1/orgs/{cell}/members?status={status}&limit=500"),
                token,
            )
            .await;
        ids(&body["items"])
    }
}

/// Every answer the suite receives is checked against the OpenAPI document (issue 18, point 6):
/// the operation of the method and path, the schema of the status it answered (an undocumented
/// status is a failure), with the required fields and no field the document does not name.
fn conforms(method: &str, path: &str, status: StatusCode, body: &Value) {
    static DOC: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    let doc = DOC.get_or_init(api::openapi_document);
    let path = path.split('?').next().unwrap();
    let Some(rel) = path.strip_prefix("/api/v1") else {
        return;
    };
    let (template, _) = api::route_list()
        .into_iter()
        .map(|(_, p)| (p, ()))
        .find(|(p, _)| {
            let a: Vec<&str> = p.split('/').collect();
            let b: Vec<&str> = rel.split('/').collect();
            a.len() == b.len()
                && a.iter()
                    .zip(&b)
                    .all(|(x, y)| x == y || (x.starts_with('{') && !y.is_empty()))
        })
        .unwrap_or_else(|| panic!("{method} {path}: no route of the document"));
    let op = &doc["paths"][template][method.to_ascii_lowercase()];
    assert!(op.is_object(), "{method} {template}: not in the document");
    let answer = &op["responses"][status.as_str()];
    assert!(
        answer.is_object(),
        "{method} {template} answered {status}, which the document does not list: {body}"
    );
    let Some(schema) = answer["content"]["application/json"]["schema"].as_object() else {
        return;
    };
    let root = json!({ "components": doc["components"], "allOf": [schema] });
    let validator = jsonschema::validator_for(&root).unwrap();
    let errors: std::collections::BTreeSet<String> = validator
        .iter_errors(body)
        .map(|e| format!("{e}"))
        .collect();
    let errors: Vec<String> = errors.into_iter().collect();
    assert!(
        errors.is_empty(),
        "{method} {template} {status}: the answer does not match the document:\n{}\n{body}",
        errors.join("\n"),
        body = &body.to_string()[..body.to_string().len().min(1500)]
    );
}

fn ids(items: &Value) -> Vec<String> {
    items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["pub_id"].as_str().unwrap().to_string())
        .collect()
}

fn is_cell(o: &Org) -> bool {
    o.kind.starts_with("cell:") || o.kind.starts_with("grassroots_cell:")
}

fn person(name: &str, birth: &str) -> Value {
    json!({
        "full_name": name, "birth_date": birth, "gender": "male", "ethnicity": "Kinh",
        "religion": "Không", "education": "12/12", "qualification": "Đại học",
        "theory_level": "Sơ cấp", "source_category": "Giáo viên"
    })
}

/// The audit rows (action, object id) a user reads for an action code or prefix.
async fn audited(api: &Api, token: &str, action: &str) -> Vec<(String, String)> {
    let body = api
        .read(&format!("/api/v1/audit?action={action}&limit=500"), token)
        .await;
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["action"].as_str().unwrap().to_string(),
                r["object_id"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn the_openapi_document_describes_every_route_the_router_serves() {
    let api = Api::spawn().await;
    let (status, doc) = api.call("GET", "/api/v1/openapi.json", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(doc["openapi"], "3.1.0");
    let routes = api::route_list();
    assert!(routes.len() >= 19, "{}", routes.len());
    for (verb, path) in &routes {
        let op = &doc["paths"][*path][verb.openapi()];
        assert!(op.is_object(), "{} {path} is not described", verb.http());
        assert!(op["summary"].is_string(), "{} {path}: summary", verb.http());
        let ok = op["responses"]
            .as_object()
            .unwrap()
            .iter()
            .find(|(code, _)| code.starts_with('2'))
            .unwrap_or_else(|| panic!("{} {path}: no success answer", verb.http()));
        // JSON, or a file (an import template) described with its own media type.
        let has_schema = |content: &Value| {
            content
                .as_object()
                .is_some_and(|types| types.values().any(|t| t["schema"].is_object()))
        };
        assert!(
            has_schema(&ok.1["content"]),
            "{} {path}: no response schema",
            verb.http()
        );
        if path.contains("{id}") {
            let params = op["parameters"].as_array().unwrap();
            assert!(
                params
                    .iter()
                    .any(|p| p["name"] == "id" && p["in"] == "path"),
                "{} {path}: the id parameter",
                verb.http()
            );
        }
        if verb.openapi() != "get" {
            assert!(
                has_schema(&op["requestBody"]["content"]),
                "{} {path}: no request body",
                verb.http()
            );
        }
        // Every `$ref` of the operation names a schema of the document.
        let text = op.to_string();
        for part in text.split("#/components/schemas/").skip(1) {
            let name = &part[..part.find('"').unwrap()];
            assert!(
                doc["components"]["schemas"][name].is_object(),
                "{} {path}: unknown schema {name}",
                verb.http()
            );
        }
        // The router serves the route with this method: without a token it asks for one
        // (no 404 or 405 from the router); the document itself is public.
        let concrete = path
            .replace("{id}", "0000000000000")
            .replace("{kind}", "orgs");
        let body = (verb.openapi() != "get").then(|| json!({}));
        let (status, answer) = api
            .call(verb.http(), &format!("/api/v1{concrete}"), None, body)
            .await;
        if *path == "/openapi.json" {
            assert_eq!(status, StatusCode::OK);
        } else {
            assert_eq!(
                status,
                StatusCode::UNAUTHORIZED,
                "{} {path}: {answer}",
                verb.http()
            );
            assert_eq!(answer["error"], "unauthenticated");
        }
    }
    // And the document describes nothing the router does not serve.
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            assert!(
                routes
                    .iter()
                    .any(|(v, p)| p == path && v.openapi() == method),
                "{method} {path} is described but not served"
            );
        }
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
        .find(|c| c["stage"] == "source")
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
    // A source has no vote or decision ahead yet to get ready for.
    assert!(before["readiness"].is_null(), "{before}");
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
    assert_eq!(body["event"]["stage"], "withdrawn");
}

#[tokio::test]
async fn org_staff_add_edit_and_move_an_organisation_and_each_write_is_audited() {
    let api = Api::spawn().await;
    let staff = api.token("tochuc").await;
    let district = api.root_of(&staff).await;
    let grassroots: Vec<String> =
        api.read(&format!("/api/v1/orgs/{district}"), &staff).await["children"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|o| o["kind"].as_str().unwrap().starts_with("grassroots:"))
            .map(|o| o["pub_id"].as_str().unwrap().to_string())
            .collect();
    assert!(grassroots.len() >= 2, "two grassroots committees");
    let (from, to) = (&grassroots[0], &grassroots[1]);

    let (status, body) = api
        .call(
            "POST",
            "/api/v1/orgs",
            Some(&staff),
            Some(json!({ "parent": from, "code": "API.CB.THU", "name": "Chi bộ thôn Thử", "kind": "cell:residential" })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let new = body["org"]["pub_id"].as_str().unwrap().to_string();
    assert_eq!(body["org"]["kind"], "cell:residential");
    assert_eq!(body["parent"], from.as_str());
    assert!(body["org"].get("org_id").is_none(), "no internal key");
    let children = api.read(&format!("/api/v1/orgs/{from}"), &staff).await;
    assert!(ids(&children["children"]).contains(&new));

    // PATCH changes what it names and keeps the rest.
    let before = api.read(&format!("/api/v1/orgs/{new}"), &staff).await["org"].clone();
    let (status, body) = api
        .call(
            "PATCH",
            &format!("/api/v1/orgs/{new}"),
            Some(&staff),
            Some(json!({ "name": "Chi bộ thôn Thử Mới", "has_cell_committee": true })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["org"]["name"], "Chi bộ thôn Thử Mới");
    assert_eq!(body["org"]["has_cell_committee"], true);
    assert_eq!(
        body["org"]["youth_union_exists"],
        before["youth_union_exists"]
    );
    assert_eq!(
        body["org"]["trade_union_instead"],
        before["trade_union_instead"]
    );

    let (status, body) = api
        .call(
            "POST",
            &format!("/api/v1/orgs/{new}/move"),
            Some(&staff),
            Some(json!({ "new_parent": to, "on": "2026-11-20", "reason": "Sáp nhập thôn" })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["parent"], to.as_str());
    assert!(ids(&api.read(&format!("/api/v1/orgs/{to}"), &staff).await["children"]).contains(&new));
    assert!(
        !ids(&api.read(&format!("/api/v1/orgs/{from}"), &staff).await["children"]).contains(&new)
    );

    let rows = audited(&api, &staff, "org").await;
    for action in ["org.create", "org.update", "org.move"] {
        assert!(
            rows.contains(&(action.to_string(), new.clone())),
            "{action} audited: {rows:?}"
        );
    }
}

#[tokio::test]
async fn a_refused_tree_write_is_422_and_changes_nothing() {
    let api = Api::spawn().await;
    let staff = api.token("tochuc").await;
    let district = api.root_of(&staff).await;
    let district_view = api.read(&format!("/api/v1/orgs/{district}"), &staff).await;
    let grassroots = district_view["children"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["kind"].as_str().unwrap().starts_with("grassroots:"))
        .unwrap()["pub_id"]
        .as_str()
        .unwrap()
        .to_string();
    let before = api
        .read(&format!("/api/v1/orgs/{grassroots}"), &staff)
        .await;
    let audit_before = api.read("/api/v1/audit?limit=1", &staff).await;

    // org.parent (Điều lệ Đảng Điều 10, 21–24): a district committee cannot sit under a
    // grassroots committee.
    let (status, body) = api
        .call(
            "POST",
            "/api/v1/orgs",
            Some(&staff),
            Some(json!({ "parent": grassroots, "code": "API.X", "name": "Huyện ủy Thử", "kind": "district" })),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"], "invalid");
    // Unknown kind and empty name: every field at once.
    let (status, body) = api
        .call(
            "POST",
            "/api/v1/orgs",
            Some(&staff),
            Some(json!({ "parent": grassroots, "code": "API.Y", "name": " ", "kind": "village" })),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let rules: Vec<&str> = body["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["rule_id"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["input.kind", "input.name"]);
    // An unknown field is refused, not ignored.
    let (status, body) = api
        .call(
            "PATCH",
            &format!("/api/v1/orgs/{grassroots}"),
            Some(&staff),
            Some(json!({ "nmae": "Đảng ủy Thử" })),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"], "invalid");
    // An empty name.
    let (status, _) = api
        .call(
            "PATCH",
            &format!("/api/v1/orgs/{grassroots}"),
            Some(&staff),
            Some(json!({ "name": "  " })),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // A move under itself.
    let child = before["children"][0]["pub_id"].as_str().unwrap();
    let (status, body) = api
        .call(
            "POST",
            &format!("/api/v1/orgs/{grassroots}/move"),
            Some(&staff),
            Some(json!({ "new_parent": child, "on": "2026-11-20" })),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    // A date not in yyyy-mm-dd.
    let (status, body) = api
        .call(
            "POST",
            &format!("/api/v1/orgs/{grassroots}/move"),
            Some(&staff),
            Some(json!({ "new_parent": district, "on": "20/11/2026" })),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"], "invalid");

    let after = api
        .read(&format!("/api/v1/orgs/{grassroots}"), &staff)
        .await;
    assert_eq!(after, before, "nothing changed");
    let audit_after = api.read("/api/v1/audit?limit=1", &staff).await;
    assert_eq!(audit_after, audit_before, "no audit row");
}

#[tokio::test]
async fn tree_writes_are_refused_to_other_roles_and_are_404_outside_the_scope() {
    let api = Api::spawn().await;
    let staff = api.token("tochuc").await;
    let secretary = api.token("bithu").await;
    let viewer = api.token("lanhdao").await;
    let cell = api.root_of(&secretary).await;
    let district = api.root_of(&staff).await;
    for token in [&secretary, &viewer] {
        let (status, body) = api
            .call(
                "POST",
                "/api/v1/orgs",
                Some(token),
                Some(json!({ "parent": cell, "code": "API.Z", "name": "Chi bộ Z", "kind": "cell:residential" })),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        assert_eq!(body["error"], "forbidden");
        let (status, _) = api
            .call(
                "PATCH",
                &format!("/api/v1/orgs/{cell}"),
                Some(token),
                Some(json!({ "name": "Chi bộ Z" })),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _) = api
            .call(
                "POST",
                &format!("/api/v1/orgs/{cell}/move"),
                Some(token),
                Some(json!({ "new_parent": district, "on": "2026-11-20" })),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
    // The secretary as org staff of their own cell only: the rest of the tree is 404.
    api.grant("bithu", Role::OrgStaff, &cell).await;
    let staff_of_cell = Some("org_staff");
    let other = api
        .tree()
        .await
        .into_iter()
        .find(|o| is_cell(o) && o.pub_id != cell)
        .unwrap();
    let (status, body) = api
        .send(
            "PATCH",
            &format!("/api/v1/orgs/{}", other.pub_id),
            Some(&secretary),
            staff_of_cell,
            Some(json!({ "name": "Chi bộ Z" })),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(body["error"], "not_found");
    assert!(body.get("org").is_none());
    let (status, _) = api
        .send(
            "POST",
            "/api/v1/orgs",
            Some(&secretary),
            staff_of_cell,
            Some(json!({ "parent": other.pub_id, "code": "API.Z", "name": "Chi bộ Z", "kind": "cell:residential" })),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = api
        .send(
            "POST",
            &format!("/api/v1/orgs/{}/move", other.pub_id),
            Some(&secretary),
            staff_of_cell,
            Some(json!({ "new_parent": cell, "on": "2026-11-20" })),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // A target outside the scope is refused as the page refuses it (422), and nothing moves.
    let (status, body) = api
        .send(
            "POST",
            &format!("/api/v1/orgs/{cell}/move"),
            Some(&secretary),
            staff_of_cell,
            Some(json!({ "new_parent": district, "on": "2026-11-20" })),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["violations"][0]["rule_id"], "input.new_parent");
    let mut conn = api.store.read().await.unwrap();
    let org = orgs::get(&mut conn, &Scope::system(), &cell).await.unwrap();
    let parent = orgs::get_by_id(&mut conn, org.parent_id.unwrap())
        .await
        .unwrap();
    assert_ne!(parent.pub_id, district, "not moved");
    let (status, _) = api
        .send(
            "GET",
            &format!("/api/v1/orgs/{}/members", other.pub_id),
            Some(&secretary),
            staff_of_cell,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_cell_roster_is_keyset_paged_by_public_ids_and_a_committee_shows_counts() {
    let api = Api::spawn().await;
    let secretary = api.token("bithu").await;
    let staff = api.token("tochuc").await;
    let viewer = api.token("lanhdao").await;
    let cell = api.root_of(&secretary).await;
    let all = api.roster_ids(&cell, &secretary, "active").await;
    let first = api
        .read(&format!("/api/v1/orgs/{cell}/members?limit=3"), &secretary)
        .await;
    let total = first["counts"]["official"].as_i64().unwrap()
        + first["counts"]["probationary"].as_i64().unwrap();
    assert_eq!(all.len() as i64, total, "the active roster is the counts");
    assert!(total > 3, "more than one page");
    let item = &first["items"][0];
    assert!(item.get("member_id").is_none() && item.get("person_id").is_none());
    assert_eq!(item["cell"]["pub_id"], cell.as_str());
    let birth = item["birth_date"].as_str().unwrap();
    assert!(
        birth.len() == 10 && birth.as_bytes()[4] == b'-',
        "ISO date: {birth}"
    );
    let mut paged = ids(&first["items"]);
    let mut next = first["next"].as_str().map(str::to_string);
    while let Some(after) = next {
        assert!(all.contains(&after), "the cursor is a member's public id");
        let page = api
            .read(
                &format!("/api/v1/orgs/{cell}/members?limit=3&after={after}"),
                &secretary,
            )
            .await;
        paged.extend(ids(&page["items"]));
        next = page["next"].as_str().map(str::to_string);
    }
    assert_eq!(paged, all, "the pages together are the roster, in order");
    // A bad status or cursor is 422.
    let (status, body) = api
        .call(
            "GET",
            &format!("/api/v1/orgs/{cell}/members?status=sleeping"),
            Some(&secretary),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, _) = api
        .call(
            "GET",
            &format!("/api/v1/orgs/{cell}/members?after=0000000000000"),
            Some(&secretary),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // A committee: its counts and children, no names.
    let district = api.root_of(&staff).await;
    let body = api
        .read(&format!("/api/v1/orgs/{district}/members"), &staff)
        .await;
    assert!(body["counts"]["official"].as_i64().unwrap() >= total);
    assert_eq!(body["items"], json!([]));
    assert!(!body["children"].as_array().unwrap().is_empty());
    // A leader reads aggregates only: the counts, no names (as the page).
    let body = api
        .read(&format!("/api/v1/orgs/{cell}/members"), &viewer)
        .await;
    assert_eq!(body["individuals"], false);
    assert_eq!(body["items"], json!([]));
    assert_eq!(
        body["counts"]["official"].as_i64().unwrap()
            + body["counts"]["probationary"].as_i64().unwrap(),
        total
    );
    // Outside the scope: 404.
    let other = api
        .tree()
        .await
        .into_iter()
        .find(|o| is_cell(o) && o.pub_id != cell)
        .unwrap();
    let (status, body) = api
        .call(
            "GET",
            &format!("/api/v1/orgs/{}/members", other.pub_id),
            Some(&secretary),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.get("items").is_none());
}

#[tokio::test]
async fn org_staff_add_transfer_and_end_a_member_and_each_write_is_audited() {
    let api = Api::spawn().await;
    let staff = api.token("tochuc").await;
    let secretary = api.token("bithu").await;
    let cell = api.root_of(&secretary).await;
    let other = api
        .tree()
        .await
        .into_iter()
        .find(|o| is_cell(o) && o.pub_id != cell && o.closed_on.is_none())
        .unwrap()
        .pub_id;
    let (status, body) = api
        .call(
            "POST",
            "/api/v1/members",
            Some(&staff),
            Some(json!({
                "cell": cell, "person": person("Trần Văn Thử", "1980-03-04"),
                "admitted_on": "2010-05-19", "official_on": "2011-05-19"
            })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let member = body["member"]["pub_id"].as_str().unwrap().to_string();
    assert_eq!(body["member"]["status"], "official");
    assert_eq!(body["member"]["admitted_on"], "2010-05-19");
    assert_eq!(body["member"]["birth_date"], "1980-03-04");
    assert_eq!(body["member"]["cell"]["pub_id"], cell.as_str());
    assert!(
        api.roster_ids(&cell, &staff, "active")
            .await
            .contains(&member)
    );

    let (status, body) = api
        .call(
            "POST",
            &format!("/api/v1/members/{member}/transfer"),
            Some(&staff),
            Some(json!({ "cell": other, "on": "2026-11-20" })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["member"]["cell"]["pub_id"], other.as_str());
    assert!(
        api.roster_ids(&other, &staff, "active")
            .await
            .contains(&member)
    );
    assert!(
        !api.roster_ids(&cell, &staff, "active")
            .await
            .contains(&member)
    );

    let (status, body) = api
        .call(
            "POST",
            &format!("/api/v1/members/{member}/end"),
            Some(&staff),
            Some(json!({ "status": "deceased", "on": "2026-11-21" })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["member"]["status"], "deceased");
    assert_eq!(body["member"]["left_on"], "2026-11-21");
    assert!(
        !api.roster_ids(&other, &staff, "active")
            .await
            .contains(&member)
    );
    assert!(
        api.roster_ids(&other, &staff, "deceased")
            .await
            .contains(&member)
    );

    let rows = audited(&api, &staff, "member").await;
    for action in ["member.create", "member.move", "member.status"] {
        assert!(
            rows.contains(&(action.to_string(), member.clone())),
            "{action} audited: {rows:?}"
        );
    }
}

#[tokio::test]
async fn roster_changes_are_refused_to_other_roles_outside_the_scope_and_against_the_rules() {
    let api = Api::spawn().await;
    let staff = api.token("tochuc").await;
    let secretary = api.token("bithu").await;
    let mentor = api.token("giupdo").await;
    let cell = api.root_of(&secretary).await;
    let roster = api.roster_ids(&cell, &staff, "active").await;
    let member = roster[0].clone();
    let other = api
        .tree()
        .await
        .into_iter()
        .find(|o| is_cell(o) && o.pub_id != cell && o.closed_on.is_none())
        .unwrap()
        .pub_id;
    let new = json!({
        "cell": cell, "person": person("Lê Thị Thử", "1985-01-02"),
        "admitted_on": "2012-01-02", "official_on": "2013-01-02"
    });
    // The page's role check: only administrators and org staff change the roster.
    for token in [&secretary, &mentor] {
        let (status, _) = api
            .call("POST", "/api/v1/members", Some(token), Some(new.clone()))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _) = api
            .call(
                "POST",
                &format!("/api/v1/members/{member}/transfer"),
                Some(token),
                Some(json!({ "cell": other, "on": "2026-11-20" })),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _) = api
            .call(
                "POST",
                &format!("/api/v1/members/{member}/end"),
                Some(token),
                Some(json!({ "status": "removed", "on": "2026-11-20" })),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
    // Org staff of the secretary's cell only: a member of another cell is 404.
    api.grant("bithu", Role::OrgStaff, &cell).await;
    let elsewhere = api.roster_ids(&other, &staff, "active").await[0].clone();
    for (path, body) in [
        (
            format!("/api/v1/members/{elsewhere}/transfer"),
            json!({ "cell": cell, "on": "2026-11-20" }),
        ),
        (
            format!("/api/v1/members/{elsewhere}/end"),
            json!({ "status": "removed", "on": "2026-11-20" }),
        ),
    ] {
        let (status, answer) = api
            .send(
                "POST",
                &path,
                Some(&secretary),
                Some("org_staff"),
                Some(body),
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{answer}");
        assert!(answer.get("member").is_none());
    }
    let mut outside = new.clone();
    outside["cell"] = json!(other);
    let (status, _) = api
        .send(
            "POST",
            "/api/v1/members",
            Some(&secretary),
            Some("org_staff"),
            Some(outside),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Refusals by the rules change nothing.
    let audit_before = api.read("/api/v1/audit?limit=1", &staff).await;
    let (status, body) = api
        .call(
            "POST",
            &format!("/api/v1/members/{member}/transfer"),
            Some(&staff),
            Some(json!({ "cell": cell, "on": "2026-11-20" })),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"], "invalid");
    let (status, body) = api
        .call(
            "POST",
            &format!("/api/v1/members/{member}/end"),
            Some(&staff),
            Some(json!({ "status": "official", "on": "2026-11-20" })),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["violations"][0]["rule_id"], "input.status");
    let mut bad = new.clone();
    bad["person"]["full_name"] = json!("");
    bad["person"]["gender"] = json!("x");
    let (status, body) = api
        .call("POST", "/api/v1/members", Some(&staff), Some(bad))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let rules: Vec<&str> = body["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["rule_id"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"input.person.full_name"), "{rules:?}");
    assert!(rules.contains(&"input.person.gender"), "{rules:?}");
    // A committee is not a cell: a member lives in a cell (store rule, members::insert).
    let district = api.root_of(&staff).await;
    let mut committee = new.clone();
    committee["cell"] = json!(district);
    let (status, body) = api
        .call("POST", "/api/v1/members", Some(&staff), Some(committee))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(api.roster_ids(&cell, &staff, "active").await, roster);
    assert_eq!(
        api.read("/api/v1/audit?limit=1", &staff).await,
        audit_before,
        "no audit row"
    );
}

#[tokio::test]
async fn staff_list_a_new_candidate_and_its_history_starts_with_the_opening() {
    let api = Api::spawn().await;
    let staff = api.token("tochuc").await;
    let secretary = api.token("bithu").await;
    let cell = api.root_of(&secretary).await;
    let (status, body) = api
        .call(
            "POST",
            "/api/v1/candidates",
            Some(&staff),
            Some(json!({ "cell": cell, "listed_on": "2026-11-02", "person": person("Phạm Văn Đức", "2000-06-15") })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let id = body["candidacy"]["pub_id"].as_str().unwrap().to_string();
    assert_eq!(body["candidacy"]["stage"], "source");
    assert_eq!(body["candidacy"]["cell_pub_id"], cell.as_str());
    assert_eq!(body["candidacy"]["source_category"], "teacher");
    assert_eq!(body["event"]["on"], "2026-11-02");
    assert!(body["candidacy"].get("candidacy_id").is_none());
    // The cell's secretary finds it by an unaccented name.
    let found = api
        .read("/api/v1/candidates?q=pham+van+duc", &secretary)
        .await;
    assert!(ids(&found["items"]).contains(&id));
    let history = api
        .read(&format!("/api/v1/candidates/{id}/history"), &secretary)
        .await;
    let items = history["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["kind"], "open");
    assert_eq!(items[0]["event"]["on"], "2026-11-02");
    assert!(items[0].get("actor_id").is_none());
    let rows = audited(&api, &staff, "candidacy.open").await;
    assert!(rows.contains(&("candidacy.open".to_string(), id.clone())));
    // History outside the scope is 404; for aggregate-only roles 403 (as the candidate page).
    let other = api.read("/api/v1/candidates?limit=500", &staff).await["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["cell_pub_id"] != cell.as_str())
        .unwrap()["pub_id"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, body) = api
        .call(
            "GET",
            &format!("/api/v1/candidates/{other}/history"),
            Some(&secretary),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.get("items").is_none());
    let viewer = api.token("lanhdao").await;
    let (status, _) = api
        .call(
            "GET",
            &format!("/api/v1/candidates/{id}/history"),
            Some(&viewer),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_refused_new_candidate_names_every_wrong_field_and_saves_nothing() {
    let api = Api::spawn().await;
    let staff = api.token("tochuc").await;
    let secretary = api.token("bithu").await;
    let cell = api.root_of(&secretary).await;
    let audit_before = api.read("/api/v1/audit?limit=1", &staff).await;
    let count = |v: &Value| v["items"].as_array().unwrap().len();
    let before = count(&api.read("/api/v1/candidates?limit=500", &staff).await);

    let mut bad = person("", "2000-06-15");
    bad["ethnicity"] = json!("Sao Hỏa");
    let (status, body) = api
        .call(
            "POST",
            "/api/v1/candidates",
            Some(&staff),
            Some(json!({ "cell": "0000000000000", "listed_on": "2026-11-02", "person": bad })),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"], "invalid");
    let rules: Vec<&str> = body["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["rule_id"].as_str().unwrap())
        .collect();
    for field in [
        "input.person.full_name",
        "input.person.ethnicity",
        "input.cell",
    ] {
        assert!(rules.contains(&field), "{field}: {rules:?}");
    }
    // input.future_date (lifecycle::decide): a step is never dated after today; the person
    // written in the same transaction is rolled back with it.
    let (status, body) = api
        .call(
            "POST",
            "/api/v1/candidates",
            Some(&staff),
            Some(json!({ "cell": cell, "listed_on": "2026-12-31", "person": person("Vũ Văn Sớm", "2000-01-01") })),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"], "refused", "{body}");
    assert_eq!(body["violations"][0]["rule_id"], "input.future_date");
    // Roles that may not list sources: 403 (a mentor from the store, a leader as the page).
    for user in ["giupdo", "lanhdao"] {
        let token = api.token(user).await;
        let (status, body) = api
            .call(
                "POST",
                "/api/v1/candidates",
                Some(&token),
                Some(json!({ "cell": cell, "listed_on": "2026-11-02", "person": person("Đỗ Văn Thử", "2000-01-01") })),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{user}: {body}");
    }
    assert_eq!(
        count(&api.read("/api/v1/candidates?limit=500", &staff).await),
        before
    );
    assert_eq!(
        api.read("/api/v1/audit?limit=1", &staff).await,
        audit_before,
        "no audit row, no person written"
    );
}

#[tokio::test]
async fn a_mentor_writes_the_months_note_once_and_others_may_not() {
    let api = Api::spawn().await;
    let mentor = api.token("giupdo").await;
    let staff = api.token("tochuc").await;
    let secretary = api.token("bithu").await;
    let cell = api.root_of(&mentor).await;
    // The mentor's roster id, then a candidacy under way assigned to them.
    let mut conn = api.store.read().await.unwrap();
    let user = users::by_username(&mut conn, "giupdo")
        .await
        .unwrap()
        .unwrap();
    let org = orgs::get(&mut conn, &Scope::system(), &cell).await.unwrap();
    let me = members::list_by_cell(
        &mut conn,
        &Scope::system(),
        org.org_id,
        members::RosterFilter::All,
        None,
        500,
    )
    .await
    .unwrap()
    .items
    .into_iter()
    .find(|m| Some(m.member_id) == user.member_id)
    .unwrap()
    .pub_id;
    drop(conn);
    let terminal = [
        "official",
        "withdrawn",
        "rejected",
        "removed",
        "transferred_out",
        "deceased",
        "annulled",
    ];
    let mut mine = None;
    let mut not_mine = None;
    for c in api.read("/api/v1/candidates?limit=500", &mentor).await["items"]
        .as_array()
        .unwrap()
    {
        if terminal.contains(&c["stage"].as_str().unwrap()) {
            continue;
        }
        let id = c["pub_id"].as_str().unwrap().to_string();
        let view = api.read(&format!("/api/v1/candidates/{id}"), &mentor).await;
        if view["candidacy"]["mentor_pub_id"] == me.as_str() {
            mine.get_or_insert(id);
        } else if view["candidacy"]["mentor_pub_id"].is_string() {
            not_mine.get_or_insert(id);
        }
    }
    let id = mine.expect("a candidacy assigned to the mentor");
    let notes_path = format!("/api/v1/candidates/{id}/mentor-notes");
    let before = api.read(&notes_path, &mentor).await;
    let taken: Vec<(i64, i64)> = before["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| (n["year"].as_i64().unwrap(), n["month"].as_i64().unwrap()))
        .collect();
    let (year, month) = (1..=11)
        .rev()
        .map(|m| (2026, m))
        .find(|ym| !taken.contains(ym))
        .expect("a month without a note");
    let written_on = format!("{year}-{month:02}-{}", if month == 11 { 20 } else { 28 });
    let note = json!({ "year": year, "month": month, "written_on": written_on, "content": "Tích cực tham gia sinh hoạt." });

    let audited_before = audited(&api, &staff, "candidacy.mentor_note")
        .await
        .iter()
        .filter(|(_, object)| *object == id)
        .count();
    // Only the mentor writes (as the page); staff get 403.
    let (status, _) = api
        .call("POST", &notes_path, Some(&staff), Some(note.clone()))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = api
        .call("POST", &notes_path, Some(&mentor), Some(note.clone()))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["note"]["written_on"], written_on.as_str());
    assert_eq!(body["note"]["mentor_pub_id"], me.as_str());
    let note_id = body["note"]["pub_id"].as_str().unwrap().to_string();
    // The cell's secretary reads it.
    let after = api.read(&notes_path, &secretary).await;
    assert!(ids(&after["items"]).contains(&note_id));
    // One note per month: the second is refused and changes nothing.
    let (status, body) = api
        .call("POST", &notes_path, Some(&mentor), Some(note.clone()))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(api.read(&notes_path, &mentor).await, after);
    // Another mentor's candidacy is not the mentor's to write: 404.
    if let Some(other) = not_mine {
        let (status, _) = api
            .call(
                "POST",
                &format!("/api/v1/candidates/{other}/mentor-notes"),
                Some(&mentor),
                Some(note.clone()),
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
    // Outside the scope: 404, and aggregate-only roles: 403.
    let outside = api.read("/api/v1/candidates?limit=500", &staff).await["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["cell_pub_id"] != cell.as_str())
        .unwrap()["pub_id"]
        .as_str()
        .unwrap()
        .to_string();
    for method in ["GET", "POST"] {
        let body = (method == "POST").then(|| note.clone());
        let (status, answer) = api
            .call(
                method,
                &format!("/api/v1/candidates/{outside}/mentor-notes"),
                Some(&mentor),
                body,
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method}: {answer}");
        assert!(answer.get("items").is_none());
    }
    let viewer = api.token("lanhdao").await;
    let (status, _) = api.call("GET", &notes_path, Some(&viewer), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let rows = audited(&api, &staff, "candidacy.mentor_note").await;
    let audited_after = rows.iter().filter(|(_, object)| *object == id).count();
    assert_eq!(
        audited_after,
        audited_before + 1,
        "one audit row for the note"
    );
}

#[tokio::test]
async fn the_audit_is_for_administrators_and_org_staff_with_the_pages_filters() {
    let api = Api::spawn().await;
    let staff = api.token("tochuc").await;
    for user in [
        "bithu",
        "giupdo",
        "phutrach",
        "ttct",
        "doanthanhnien",
        "lanhdao",
    ] {
        let token = api.token(user).await;
        let (status, body) = api.call("GET", "/api/v1/audit", Some(&token), None).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{user}");
        assert!(body.get("items").is_none());
    }
    let admin = api.token("admin").await;
    let all = api.read("/api/v1/audit?limit=500", &admin).await;
    assert!(!all["items"].as_array().unwrap().is_empty());
    // An action filter: the code itself, or every action under a prefix.
    let creates = api
        .read("/api/v1/audit?action=org.create&limit=500", &staff)
        .await;
    let items = creates["items"].as_array().unwrap();
    assert!(!items.is_empty());
    assert!(items.iter().all(|r| r["action"] == "org.create"));
    assert_eq!(items[0]["action_vi"], "Tạo tổ chức");
    assert!(
        items
            .iter()
            .all(|r| r.get("actor_id").is_none() && r.get("detail").is_none())
    );
    let at = items[0]["at"].as_str().unwrap();
    assert!(at.ends_with('Z') && at.contains('T'), "{at}");
    // Keyset pages by seq: newest first, no row twice.
    let first = api.read("/api/v1/audit?limit=3", &staff).await;
    let before = first["next"].as_str().unwrap().to_string();
    assert!(
        before.parse::<i64>().is_err(),
        "the cursor is opaque: {before}"
    );
    let second = api
        .read(&format!("/api/v1/audit?limit=3&before={before}"), &staff)
        .await;
    let seqs: Vec<i64> = first["items"]
        .as_array()
        .unwrap()
        .iter()
        .chain(second["items"].as_array().unwrap())
        .map(|r| r["seq"].as_i64().unwrap())
        .collect();
    assert!(seqs.windows(2).all(|w| w[0] > w[1]), "{seqs:?}");
    // Dates: the day range of the demo's writes, and a day with none.
    let day = api
        .read(
            "/api/v1/audit?from=2026-11-23&to=2026-11-23&limit=5",
            &staff,
        )
        .await;
    assert!(!day["items"].as_array().unwrap().is_empty());
    let none = api
        .read("/api/v1/audit?from=2020-01-01&to=2020-01-31", &staff)
        .await;
    assert_eq!(none["items"], json!([]));
    let (status, body) = api
        .call("GET", "/api/v1/audit?from=23/11/2026", Some(&staff), None)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"], "invalid");
}

#[tokio::test]
async fn a_user_with_two_roles_chooses_one_with_the_role_header() {
    let api = Api::spawn().await;
    let staff = api.token("tochuc").await;
    let district = api.root_of(&staff).await;
    api.grant("tochuc", Role::Viewer, &district).await;
    // The default role is the first; the header picks another the user holds.
    let (status, _) = api
        .send("GET", "/api/v1/audit", Some(&staff), None, None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = api
        .send("GET", "/api/v1/audit", Some(&staff), Some("viewer"), None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let cell = api.tree().await.into_iter().find(is_cell).unwrap().pub_id;
    let (status, body) = api
        .send(
            "PATCH",
            &format!("/api/v1/orgs/{cell}"),
            Some(&staff),
            Some("viewer"),
            Some(json!({ "name": "Chi bộ Z" })),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    // A role the user does not hold is refused.
    let (status, _) = api
        .send("GET", "/api/v1/orgs", Some(&staff), Some("admin"), None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

/// Issue 18, point 5: the alerts list pages with an opaque cursor (no row id, no name in it), in
/// the same order as one long page; a forged cursor is refused in Vietnamese.
#[tokio::test]
async fn the_alerts_page_with_an_opaque_cursor() {
    let api = Api::spawn().await;
    let staff = api.token("tochuc").await;
    let whole = api.read("/api/v1/alerts?limit=500", &staff).await;
    let whole: Vec<Value> = whole["items"].as_array().unwrap().clone();
    assert!(whole.len() > 7, "the demo has alerts");
    let mut paged: Vec<Value> = Vec::new();
    let mut path = "/api/v1/alerts?limit=7".to_string();
    loop {
        let page = api.read(&path, &staff).await;
        paged.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next"].as_str() {
            Some(next) => {
                assert_eq!(page["more"], true);
                assert!(!next.contains(':'), "opaque");
                path = format!("/api/v1/alerts?limit=7&after={next}");
            }
            None => {
                assert_eq!(page["more"], false);
                break;
            }
        }
    }
    assert_eq!(
        paged,
        whole.into_iter().take(paged.len()).collect::<Vec<_>>()
    );
    let (status, body) = api
        .call("GET", "/api/v1/alerts?after=alerts:7", Some(&staff), None)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body["message_vi"]
            .as_str()
            .unwrap()
            .contains("Con trỏ trang")
    );
}

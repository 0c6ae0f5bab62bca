//! Issue 18, the bar: a property test over every route of both routers, read from the app itself
//! ([`ketnap_web::page_route_list`], [`ketnap_web::api::route_list`]), so that a new route is
//! covered without editing this test. Random users (every demo account), random roles
//! (`X-Ketnap-Role`, valid or not), random object ids (of every kind, in and out of the scope,
//! and junk) and random `org` filters: no answer carries data outside the role's table
//! (`Role::reads`, SECURITY.md):
//! - no name of a person the user's scope does not reach (nobody's, for a leader; for a mentor,
//!   no candidate assigned to another mentor; for a mass organisation, no candidate it did not
//!   propose);
//! - no ID number in full for a role without `Field::FullIdNumber`, and not even masked for a
//!   role without `Field::Sensitive`;
//! - no mentor note for a role without `Field::MentorNotes`.
//!
//! On SQLite and on PostgreSQL (`KETNAP_TEST_PG`). The cases are drawn from a seeded generator
//! (`KETNAP_ROUTE_SEED`, default fixed; the seed is printed on failure).
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use crate::common;
use common::*;

use std::collections::HashSet;

use axum::body::{Body, to_bytes};
use axum::http::{Request, header};
use ketnap_store::{Field, Role, Store, WriteCtx, fetch_all, users};
use ketnap_web::api;
use tower::ServiceExt;

/// Requests per user and engine.
const CASES: usize = 220;

/// A small deterministic generator (SplitMix64): enough to pick cases reproducibly.
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n.max(1) as u64).unwrap()
    }

    fn pick<'a, T>(&mut self, from: &'a [T]) -> &'a T {
        &from[self.below(from.len())]
    }
}

/// What a user must never be shown.
struct Forbidden {
    names: Vec<String>,
    full_ids: Vec<String>,
    masked_ids: Vec<String>,
    notes: Vec<String>,
}

/// Public ids to fill routes with: every one of the database (any kind, any scope, and junk), and
/// those of the acting user's reach (so that half the cases reach data).
struct Pools {
    ids: Vec<String>,
    near: Vec<String>,
}

impl Pools {
    fn id(&self, g: &mut Gen) -> String {
        if g.below(2) == 0 && !self.near.is_empty() {
            g.pick(&self.near).clone()
        } else {
            g.pick(&self.ids).clone()
        }
    }
}

/// The public ids of candidacies, roster rows and organisations in the reach of `username`.
async fn near(store: &Store, username: &str) -> Vec<String> {
    let mut conn = store.read().await.unwrap();
    let user = users::by_username(&mut conn, username)
        .await
        .unwrap()
        .unwrap();
    let reach = format!(
        "SELECT oc.descendant_id FROM org_closure oc JOIN user_scope us ON us.org_id = oc.ancestor_id \
         WHERE us.user_id = {}",
        user.user_id
    );
    let mut out = Vec::new();
    for (table, col) in [
        ("candidacy", "cell_id"),
        ("member", "cell_id"),
        ("org", "org_id"),
    ] {
        let ids: Vec<(String,)> = fetch_all!(
            conn.ex(),
            (String,),
            &format!("SELECT pub_id FROM {table} WHERE {col} IN ({reach})")
        )
        .unwrap();
        out.extend(ids.into_iter().map(|(i,)| i));
    }
    out
}

async fn rows(store: &Store, sql: &str) -> Vec<(String,)> {
    let mut conn = store.read().await.unwrap();
    fetch_all!(conn.ex(), (String,), sql).unwrap()
}

async fn pools(store: &Store) -> Pools {
    let mut ids = Vec::new();
    for table in [
        "candidacy",
        "org",
        "member",
        "person",
        "document",
        "course_class",
        "mass_org",
        "residential_unit",
    ] {
        ids.extend(
            rows(store, &format!("SELECT pub_id FROM {table}"))
                .await
                .into_iter()
                .map(|(p,)| p),
        );
    }
    ids.extend(
        [
            "0000000000000",
            "zzzzzzzzzzzzz",
            "1 OR 1=1",
            "..%2F..%2Fetc",
            "%00",
        ]
        .iter()
        .map(|s| (*s).to_string()),
    );
    Pools {
        ids,
        near: Vec::new(),
    }
}

/// Give some people a (valid, fictional) ID number, so that its leaks can be looked for: the
/// province code 001, the century-and-gender digit, the birth year, six digits.
async fn seed_id_numbers(store: &Store) -> Vec<String> {
    let people: Vec<(i64, String, String)> = {
        let mut conn = store.read().await.unwrap();
        fetch_all!(
            conn.ex(),
            (i64, String, String),
            "SELECT p.person_id, p.gender, CAST(p.birth_date AS TEXT) FROM person p \
             WHERE p.id_number IS NULL AND EXISTS (SELECT 1 FROM candidacy c WHERE c.person_id = p.person_id) \
             ORDER BY p.person_id"
        )
        .unwrap()
    };
    let mut out = Vec::new();
    let mut tx = store.begin().await.unwrap();
    for (i, (person, gender, birth)) in people.iter().step_by(7).take(40).enumerate() {
        let year: u32 = birth[..4].parse().unwrap();
        let century = match (year >= 2000, gender.as_str()) {
            (false, "male") => 0,
            (false, _) => 1,
            (true, "male") => 2,
            (true, _) => 3,
        };
        let id = format!("001{century}{:02}{:06}", year % 100, 731_000 + i);
        ketnap_store::exec!(
            tx.ex(),
            "UPDATE person SET id_number = $1 WHERE person_id = $2",
            id.clone(),
            *person
        )
        .unwrap();
        out.push(id);
    }
    tx.commit().await.unwrap();
    out
}

/// The names no page may show `username` (acting in its first role), and the markers of the
/// fields its role does not read.
async fn forbidden(store: &Store, username: &str, ids: &[String]) -> (Role, Forbidden) {
    let mut conn = store.read().await.unwrap();
    let user = users::by_username(&mut conn, username)
        .await
        .unwrap()
        .unwrap();
    let roles = users::scopes_of(&mut conn, user.user_id).await.unwrap();
    let role = roles[0].0;
    // The organisations any role of the user reaches (the union: no false alarm after a switch).
    let reach = format!(
        "SELECT oc.descendant_id FROM org_closure oc JOIN user_scope us ON us.org_id = oc.ancestor_id \
         WHERE us.user_id = {}",
        user.user_id
    );
    let member = user.member_id.unwrap_or(-1);
    // People with a roster row or a candidacy the user reaches.
    let seen: Vec<(String,)> = fetch_all!(
        conn.ex(),
        (String,),
        &format!(
            "SELECT p.full_name FROM person p WHERE \
             EXISTS (SELECT 1 FROM member m WHERE m.person_id = p.person_id AND m.cell_id IN ({reach})) \
             OR EXISTS (SELECT 1 FROM candidacy c WHERE c.person_id = p.person_id AND c.cell_id IN ({reach})) \
             OR EXISTS (SELECT 1 FROM candidacy c WHERE c.person_id = p.person_id AND c.mentor_member_id = {member}) \
             OR ({roster} AND EXISTS (SELECT 1 FROM key_position k JOIN residential_unit ru \
                 ON ru.residential_unit_id = k.residential_unit_id WHERE k.person_id = p.person_id AND ru.org_id IN ({reach})))",
            roster = if role.reads(Field::Roster) { "1 = 1" } else { "1 = 0" }
        )
    )
    .unwrap();
    let seen: HashSet<String> = seen.into_iter().map(|(n,)| n).collect();
    let everyone: Vec<(String,)> =
        fetch_all!(conn.ex(), (String,), "SELECT full_name FROM person").unwrap();
    let displayed: Vec<(String,)> =
        fetch_all!(conn.ex(), (String,), "SELECT display_name FROM app_user").unwrap();
    let displayed: HashSet<String> = displayed.into_iter().map(|(n,)| n).collect();
    let mut names: HashSet<String> = everyone
        .into_iter()
        .map(|(n,)| n)
        .filter(|n| !displayed.contains(n))
        .filter(|n| role == Role::Viewer || !seen.contains(n))
        .collect();
    // Narrower than the subtree: pure candidates (no roster row in reach, so never shown as a
    // mentor or an introducer) the role does not follow.
    let narrower = |t: &str| match role {
        Role::Mentor => Some(format!(
            "{t}.mentor_member_id IS NULL OR {t}.mentor_member_id <> {member}"
        )),
        Role::MassOrg => Some(format!(
            "{t}.proposed_by IS NULL OR {t}.proposed_by NOT IN (SELECT mass_org_id FROM mass_org WHERE org_id IN ({reach}))"
        )),
        _ => None,
    };
    if let (Some(cond), Some(cond2)) = (narrower("c"), narrower("c2")) {
        let theirs: Vec<(String,)> = fetch_all!(
            conn.ex(),
            (String,),
            &format!(
                "SELECT p.full_name FROM candidacy c JOIN person p ON p.person_id = c.person_id \
                 WHERE c.cell_id IN ({reach}) AND ({cond}) \
                 AND NOT EXISTS (SELECT 1 FROM member m WHERE m.person_id = p.person_id AND m.cell_id IN ({reach})) \
                 AND NOT EXISTS (SELECT 1 FROM candidacy c2 WHERE c2.person_id = p.person_id AND NOT ({cond2}))"
            )
        )
        .unwrap();
        names.extend(theirs.into_iter().map(|(n,)| n));
    }
    let notes: Vec<(String,)> = if role.reads(Field::MentorNotes) {
        Vec::new()
    } else {
        fetch_all!(conn.ex(), (String,), "SELECT content FROM mentor_note").unwrap()
    };
    let forbidden = Forbidden {
        names: names
            .into_iter()
            .filter(|n| n.split(' ').count() >= 3)
            .collect(),
        full_ids: if role.reads(Field::FullIdNumber) {
            Vec::new()
        } else {
            ids.to_vec()
        },
        masked_ids: if role.reads(Field::Sensitive) {
            Vec::new()
        } else {
            ids.iter()
                .map(|i| format!("********{}", &i[i.len() - 4..]))
                .collect()
        },
        notes: notes
            .into_iter()
            .map(|(n,)| n)
            .filter(|n| n.chars().count() >= 40)
            .collect::<HashSet<_>>()
            .into_iter()
            .collect(),
    };
    (role, forbidden)
}

/// One request's answer as text (a binary file's bytes read lossily).
async fn answer(app: &TestApp, req: Request<Body>) -> (u16, String) {
    let res = app.router.clone().oneshot(req).await.unwrap();
    let status = res.status().as_u16();
    let bytes = to_bytes(res.into_body(), 64 << 20).await.unwrap();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

/// Fill a route's parameters from the pools.
fn fill(path: &str, g: &mut Gen, pools: &Pools) -> String {
    const CODES: [&str; 10] = [
        "5-KNĐ", "6-KNĐ", "7-KNĐ", "8-KNĐ", "9-KNĐ", "13-KNĐ", "15-KNĐ", "bien-ban", "x", "../",
    ];
    const KINDS: [&str; 6] = ["orgs", "members", "candidates", "units", "x", "mau.xlsx"];
    path.split('/')
        .map(|seg| match seg {
            "{pub_id}" | "{id}" => pools.id(g),
            "{code}" => g.pick(&CODES).to_string(),
            "{kind}" | "{file}" => g.pick(&KINDS).to_string(),
            s if s.starts_with('{') => format!("{:016x}", g.next()),
            s => s.to_string(),
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// A query string that sometimes names an organisation, a format or a page.
fn query(g: &mut Gen, pools: &Pools) -> String {
    match g.below(6) {
        0 => format!("?org={}", pools.id(g)),
        1 => format!("?org={}&format=csv", pools.id(g)),
        2 => format!("?cell={}&q=a", pools.id(g)),
        3 => format!("?request={}&kind=request", pools.id(g)),
        _ => String::new(),
    }
}

/// Percent-encode what a URI may not carry as is.
fn encode(uri: &str) -> String {
    let mut out = String::new();
    for b in uri.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~%/=?&".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn leaks(body: &str, f: &Forbidden) -> Vec<String> {
    let mut out = Vec::new();
    for n in &f.names {
        if body.contains(n.as_str()) {
            out.push(format!("the name {n}"));
        }
    }
    for i in f.full_ids.iter().chain(&f.masked_ids) {
        if body.contains(i.as_str()) {
            out.push(format!("the ID number {i}"));
        }
    }
    for n in &f.notes {
        if body.contains(n.as_str()) {
            out.push("a mentor note".into());
        }
    }
    out
}

async fn token(store: &Store, username: &str) -> String {
    let t = api::new_token();
    let mut conn = store.read().await.unwrap();
    let user = users::by_username(&mut conn, username)
        .await
        .unwrap()
        .unwrap();
    drop(conn);
    let mut tx = store.begin().await.unwrap();
    users::set_api_token_hash(
        &mut tx,
        &WriteCtx::new(None, "2026-11-23T03:00:00Z".parse().unwrap()),
        user.user_id,
        Some(&api::token_hash(&t)),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    t
}

async fn no_route_leaks(mut app: TestApp, engine: &str) {
    let seed: u64 = std::env::var("KETNAP_ROUTE_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x6b65_746e_6170);
    let mut g = Gen(seed);
    let ids = seed_id_numbers(&app.store).await;
    assert!(!ids.is_empty());
    let mut pools = pools(&app.store).await;
    let pages = ketnap_web::page_route_list();
    let apis = api::route_list();
    assert!(pages.len() > 40 && apis.len() > 15, "the routes are read");
    const ROLES: [&str; 10] = [
        "admin",
        "org_staff",
        "cell_secretary",
        "mentor",
        "committee_member",
        "political_centre",
        "mass_org",
        "viewer",
        "root",
        "",
    ];
    let mut found = Vec::new();
    let mut answered = 0usize;
    let mut statuses: std::collections::BTreeMap<u16, usize> = std::collections::BTreeMap::new();
    for user in USERS {
        let (role, f) = forbidden(&app.store, user, &ids).await;
        assert!(
            !f.names.is_empty() || role == Role::Admin,
            "{user}: some names are outside its reach"
        );
        app.cookie = None;
        app.login(user).await;
        let home = app.get("/").await;
        let csrf = TestApp::csrf(&home);
        let bearer = token(&app.store, user).await;
        pools.near = near(&app.store, user).await;
        for _ in 0..CASES {
            let (method, uri, is_api) = if g.below(3) == 0 {
                let (verb, path) = *g.pick(&apis);
                let m = format!("{verb:?}").to_ascii_uppercase();
                (m, format!("/api/v1{}", fill(path, &mut g, &pools)), true)
            } else {
                let template: &str = pages[g.below(pages.len())];
                let path = fill(template, &mut g, &pools);
                let m = if g.below(3) == 0 { "POST" } else { "GET" };
                (m.to_string(), path, false)
            };
            // Logging out, in or switching role would change who asks the next cases.
            if uri == "/logout" || uri == "/role" || uri == "/login" {
                continue;
            }
            let uri = if method == "GET" {
                format!("{uri}{}", query(&mut g, &pools))
            } else {
                uri
            };
            let uri = encode(&uri);
            let mut req = Request::builder().method(method.as_str()).uri(&uri);
            if is_api {
                req = req.header(header::AUTHORIZATION, format!("Bearer {bearer}"));
                if g.below(4) == 0 {
                    req = req.header("x-ketnap-role", *g.pick(&ROLES));
                }
            } else if let Some(c) = &app.cookie {
                req = req.header(header::COOKIE, c);
            }
            let body = if method == "GET" {
                Body::empty()
            } else if is_api {
                req = req.header(header::CONTENT_TYPE, "application/json");
                Body::from(format!(
                    r#"{{"cell":"{}","org":"{}","version":1,"on":"2026-11-20"}}"#,
                    pools.id(&mut g),
                    pools.id(&mut g)
                ))
            } else {
                req = req.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
                Body::from(format!(
                    "_csrf={csrf}&org={}&cell={}&candidacy={}",
                    pools.id(&mut g),
                    pools.id(&mut g),
                    pools.id(&mut g)
                ))
            };
            let (mut status, mut text) = answer(&app, req.body(body).unwrap()).await;
            if status == 405 && !is_api {
                // The page answers the other method: ask it that way (a GET with no body).
                let (other, body) = if method == "GET" {
                    (
                        "POST",
                        Body::from(format!(
                            "_csrf={csrf}&org={}&cell={}",
                            pools.id(&mut g),
                            pools.id(&mut g)
                        )),
                    )
                } else {
                    ("GET", Body::empty())
                };
                let mut again = Request::builder().method(other).uri(&uri);
                if let Some(c) = &app.cookie {
                    again = again.header(header::COOKIE, c);
                }
                if other == "POST" {
                    again = again.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
                }
                (status, text) = answer(&app, again.body(body).unwrap()).await;
            }
            assert!(
                status < 500,
                "{engine} {user} {method} {uri}: {status} {text}"
            );
            answered += 1;
            *statuses.entry(status).or_default() += 1;
            for leak in leaks(&text, &f) {
                found.push(format!("{engine} {user} {method} {uri} ({status}): {leak}"));
            }
        }
    }
    eprintln!("{engine}: {answered} requests, by status {statuses:?}");
    assert!(answered > USERS.len() * CASES / 2);
    assert!(
        statuses.get(&200).copied().unwrap_or(0) + statuses.get(&422).copied().unwrap_or(0)
            > answered / 4,
        "enough answers carry data to look into: {statuses:?}"
    );
    assert!(
        found.is_empty(),
        "seed {seed}: {} leaks:\n{}",
        found.len(),
        found[..found.len().min(40)].join("\n")
    );
}

#[tokio::test]
async fn no_route_answers_data_outside_the_roles_table_on_sqlite() {
    no_route_leaks(TestApp::spawn().await, "sqlite").await;
}

#[tokio::test]
async fn no_route_answers_data_outside_the_roles_table_on_postgres() {
    let Some(app) = TestApp::spawn_postgres().await else {
        return;
    };
    no_route_leaks(app, "postgres").await;
}

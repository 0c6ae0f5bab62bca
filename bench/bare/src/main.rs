//! The bare endpoint the benchmarks measure ketnap against (`bench/run.sh`): each view's store
//! queries over HTTP as JSON, with no login, no session, no role or subtree scope (the system
//! scope) and no template. What ketnap adds on top of this is what the ratio measures.
//!
//! `ketnap-bare --db URL --bind 127.0.0.1:PORT`. Routes (organisations by public id):
//! - `/list?org=&stage=&q=` — the candidate list's first page of 50 (`candidacies::list`);
//! - `/candidacy/{pub_id}` — one candidacy (`candidacies::get`);
//! - `/alerts?org=` — the work queue under an organisation (`candidacies::alerts_under`);
//! - `/dashboard?org=&year=` — the dashboard's reads for one organisation (gauges, roster
//!   counts, plan against actual, monthly admissions, the alert queue's counts and the week's
//!   alerts, latest steps);
//! - `/report?org=&year=` — the year report's figures (`reports::periodic`);
//! - `/rollup?year=` — plan against actual at every root (`reports::plan_vs_actual`).

mod args;
use args::arg;

use std::net::SocketAddr;

use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use ketnap_domain::plan::Period;
use ketnap_domain::rules::RuleBook;
use ketnap_store::candidacies::{self, ListFilter};
use ketnap_store::{Scope, Store, StoreError, counters, history, members, orgs, reports};
use serde::Deserialize;
use serde_json::json;

#[derive(Clone)]
struct Bare {
    store: Store,
    book: std::sync::Arc<RuleBook>,
    today: jiff::civil::Date,
}

struct Fail(StoreError);

impl From<StoreError> for Fail {
    fn from(e: StoreError) -> Fail {
        Fail(e)
    }
}

impl IntoResponse for Fail {
    fn into_response(self) -> Response {
        (StatusCode::INTERNAL_SERVER_ERROR, self.0.to_string()).into_response()
    }
}

#[derive(Deserialize)]
struct Q {
    org: Option<String>,
    stage: Option<String>,
    q: Option<String>,
    year: Option<i16>,
}

async fn org_id(conn: &mut ketnap_store::Conn, pub_id: Option<&str>) -> Result<i64, Fail> {
    let sys = Scope::system();
    match pub_id {
        Some(p) => Ok(orgs::get(conn, &sys, p).await?.org_id),
        None => Ok(orgs::scope_roots(conn, &sys)
            .await?
            .first()
            .map_or(0, |o| o.org_id)),
    }
}

async fn list(State(b): State<Bare>, Query(q): Query<Q>) -> Result<Response, Fail> {
    let mut conn = b.store.read().await?;
    let org = match q.org.as_deref() {
        Some(p) => Some(org_id(&mut conn, Some(p)).await?),
        None => None,
    };
    let filter = ListFilter {
        org,
        stage: q.stage.as_deref().and_then(counters::stage_from_code),
        query: q.q.clone(),
        ..ListFilter::default()
    };
    let page = candidacies::list(&mut conn, &Scope::system(), &filter, None, 50).await?;
    Ok(Json(json!({ "rows": page.items, "more": page.next.is_some() })).into_response())
}

async fn candidacy(State(b): State<Bare>, Path(pub_id): Path<String>) -> Result<Response, Fail> {
    let mut conn = b.store.read().await?;
    let view = candidacies::get(&mut conn, &Scope::system(), &pub_id).await?;
    let history = candidacies::history(&mut conn, &Scope::system(), &pub_id).await?;
    Ok(Json(json!({ "candidacy": view, "history": history.len() })).into_response())
}

async fn alerts(State(b): State<Bare>, Query(q): Query<Q>) -> Result<Response, Fail> {
    let mut conn = b.store.read().await?;
    let under = match q.org.as_deref() {
        Some(p) => Some(org_id(&mut conn, Some(p)).await?),
        None => None,
    };
    let all = candidacies::alerts_under(&mut conn, &Scope::system(), &b.book, b.today, 5000, under)
        .await?;
    let rows: Vec<_> = all
        .iter()
        .take(50)
        .map(|a| json!({ "candidacy": a.candidacy_pub_id, "name": a.full_name, "due": a.alert.due.to_string(), "message": a.alert.message_vi }))
        .collect();
    Ok(Json(json!({ "count": all.len(), "rows": rows })).into_response())
}

async fn dashboard(State(b): State<Bare>, Query(q): Query<Q>) -> Result<Response, Fail> {
    let sys = Scope::system();
    let mut conn = b.store.read().await?;
    let org = org_id(&mut conn, q.org.as_deref()).await?;
    let year = q.year.unwrap_or(b.today.year());
    let gauges = counters::gauges(&mut conn, &sys, org).await?;
    let roster = members::counts(&mut conn, &sys, org).await?;
    let pva = reports::plan_vs_actual(&mut conn, &sys, org, &Period::Year(year)).await?;
    let months = history::monthly_admissions(&mut conn, &sys, org, year).await?;
    let week = b.today.saturating_add(jiff::Span::new().days(7));
    let alerts =
        ketnap_store::alert_queue::for_dashboard(&mut conn, &sys, &b.book, b.today, week, 50)
            .await?;
    let latest = history::latest_events(&mut conn, &sys, 10).await?;
    Ok(Json(json!({
        "gauges": gauges.len(),
        "official": roster.official,
        "plan_vs_actual": pva,
        "months": months,
        "overdue": alerts.overdue,
        "soon": alerts.soon.len(),
        "latest": latest.len(),
    }))
    .into_response())
}

async fn report(State(b): State<Bare>, Query(q): Query<Q>) -> Result<Response, Fail> {
    let mut conn = b.store.read().await?;
    let org = org_id(&mut conn, q.org.as_deref()).await?;
    let year = q.year.unwrap_or(b.today.year());
    let r = reports::periodic(
        &mut conn,
        &Scope::system(),
        org,
        &Period::Year(year),
        b.today,
    )
    .await?;
    Ok(Json(r).into_response())
}

async fn rollup(State(b): State<Bare>, Query(q): Query<Q>) -> Result<Response, Fail> {
    let sys = Scope::system();
    let mut conn = b.store.read().await?;
    let year = q.year.unwrap_or(b.today.year());
    let mut out = Vec::new();
    for root in orgs::scope_roots(&mut conn, &sys).await? {
        out.push(reports::plan_vs_actual(&mut conn, &sys, root.org_id, &Period::Year(year)).await?);
    }
    Ok(Json(out).into_response())
}

/// The sample the benchmark asks for (`bench/run.sh` reads it once): the demo province and
/// district, the district's first commune, the commune's most frequent stage among the first
/// page of its candidate list, one of its candidacies and a folded family name to search.
async fn ids(State(b): State<Bare>) -> Result<Response, Fail> {
    let sys = Scope::system();
    let mut conn = b.store.read().await?;
    let province = orgs::by_code(&mut conn, "TG").await?;
    let district = orgs::by_code(&mut conn, "TG.HL").await?;
    let commune = orgs::children(&mut conn, &sys, district.org_id)
        .await?
        .into_iter()
        .find(|o| o.kind.starts_with("grassroots:commune"))
        .ok_or(Fail(StoreError::NotFound("bench sample")))?;
    let filter = ListFilter {
        org: Some(commune.org_id),
        ..ListFilter::default()
    };
    let page = candidacies::list(&mut conn, &sys, &filter, None, 200).await?;
    let mut by_stage: std::collections::BTreeMap<String, usize> = Default::default();
    for r in &page.items {
        if !r.stage.is_terminal() {
            *by_stage
                .entry(counters::stage_code(r.stage).to_string())
                .or_default() += 1;
        }
    }
    let stage = by_stage
        .iter()
        .max_by_key(|(_, n)| **n)
        .map(|(s, _)| s.clone())
        .unwrap_or_default();
    let first = page
        .items
        .first()
        .ok_or(Fail(StoreError::NotFound("bench sample")))?;
    let word = ketnap_domain::text::fold(first.full_name.split(' ').next().unwrap_or(""));
    Ok(Json(json!({
        "province": province.pub_id,
        "district": district.pub_id,
        "commune": commune.pub_id,
        "stage": stage,
        "word": word,
        "candidacy": first.pub_id,
    }))
    .into_response())
}

/// The server's allocator (`crates/cli`): the bench writes and reads as the server does.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let db = arg("--db").ok_or("--db URL")?;
    let bind: SocketAddr = arg("--bind")
        .unwrap_or_else(|| "127.0.0.1:8091".into())
        .parse()?;
    let today = match arg("--today") {
        Some(t) => t.parse()?,
        None => jiff::tz::Offset::constant(7)
            .to_datetime(jiff::Timestamp::now())
            .date(),
    };
    let book = match arg("--rules") {
        Some(path) => RuleBook::from_toml(&std::fs::read_to_string(path)?)?,
        None => RuleBook::spec_default(),
    };
    let store = Store::connect(&db).await?;
    let state = Bare {
        store,
        book: std::sync::Arc::new(book),
        today,
    };
    let app = Router::new()
        .route("/list", get(list))
        .route("/candidacy/{pub_id}", get(candidacy))
        .route("/alerts", get(alerts))
        .route("/dashboard", get(dashboard))
        .route("/report", get(report))
        .route("/rollup", get(rollup))
        .route("/ids", get(ids))
        .with_state(state);
    let listener = tokio::net::TcpListener::bind(bind).await?;
    axum::serve(listener, app).await?;
    Ok(())
}

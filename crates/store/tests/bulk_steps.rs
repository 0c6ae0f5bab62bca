//! The bulk path of `ketnap gen` (issue 19): a candidacy's history recorded with
//! `candidacies::execute_many` (judged step by step, written together), its mentor's notes with
//! `add_mentor_notes`, and the derived rows (audit, counters, alert rows) written at the commit,
//! leave exactly the rows that recording each step with `candidacies::execute` (and each note with
//! `add_mentor_note`) leaves: the same district generated both ways, compared table by table on
//! both engines, and both audit trails verify.
#![allow(clippy::unwrap_used)]

use crate::common;

use jiff::civil::{Date, date};
use ketnap_domain::RuleBook;
use ketnap_store::demo::{self, DemoSize, DemoUsers};
use ketnap_store::{Store, audit, fetch_all};

const TODAY: Date = date(2026, 11, 23);

/// Every row of `table` (the columns named), as text, sorted.
async fn rows(store: &Store, table: &str, cols: &[&str], filter: &str) -> Vec<String> {
    let cols: Vec<String> = cols
        .iter()
        .map(|c| format!("COALESCE(CAST({c} AS TEXT), '-')"))
        .collect();
    let sql = format!("SELECT {} FROM {table} {filter}", cols.join(" || '|' || "));
    let mut conn = store.read().await.unwrap();
    let mut got: Vec<String> = fetch_all!(conn.ex(), (String,), &sql)
        .unwrap()
        .into_iter()
        .map(|(r,)| r)
        .collect();
    got.sort();
    got
}

const TABLES: &[(&str, &[&str], &str)] = &[
    (
        "candidacy",
        &[
            "candidacy_id",
            "pub_id",
            "person_id",
            "cell_id",
            "stage",
            "version",
            "state",
            "opened_on",
            "last_on",
            "mentor_member_id",
            "proposed_by",
            "source_category",
            "context",
        ],
        "",
    ),
    (
        "candidacy_event",
        &[
            "candidacy_id",
            "seq",
            "cell_id",
            "on_date",
            "kind",
            "stage",
            "payload",
            "rules_version",
            "chain",
        ],
        "",
    ),
    (
        "stage_spell",
        &["candidacy_id", "seq", "stage", "entered_on"],
        "",
    ),
    (
        "counter",
        &["org_id", "period", "metric", "value"],
        "WHERE value <> 0",
    ),
    (
        "counter_sum",
        &["org_id", "period", "metric", "value"],
        "WHERE value <> 0",
    ),
    (
        "alert_due",
        &[
            "candidacy_id",
            "cell_id",
            "kind_key",
            "kind",
            "rank",
            "status",
            "due",
            "actor",
        ],
        "",
    ),
    (
        "member",
        &[
            "member_id",
            "pub_id",
            "person_id",
            "cell_id",
            "status",
            "admitted_on",
            "official_on",
            "party_age_from",
            "left_on",
            "candidacy_id",
        ],
        "",
    ),
    (
        "member_facet",
        &["org_id", "facet", "value", "n"],
        "WHERE n <> 0",
    ),
    (
        "mentor_note",
        &[
            "pub_id",
            "candidacy_id",
            "mentor_member_id",
            "year",
            "month",
            "written_on",
            "content",
        ],
        "",
    ),
    (
        "verification_request",
        &[
            "candidacy_id",
            "request_no",
            "cell_id",
            "subject",
            "destination",
            "sent_on",
            "answered_on",
            "outcome",
        ],
        "",
    ),
    // The audit rows as a set: their order inside a transaction may differ.
    (
        "audit",
        &["action", "object_kind", "object_id", "org_id", "detail"],
        "",
    ),
];

#[tokio::test]
async fn a_history_written_in_bulk_leaves_the_rows_its_steps_leave_one_by_one() {
    let book = RuleBook::spec_default();
    let accounts = DemoUsers {
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".to_string(),
    };
    let mut pairs = vec![(common::sqlite().await, common::sqlite().await)];
    if let (Some(a), Some(b)) = (common::postgres().await, common::postgres().await) {
        pairs.push((a, b));
    }
    for (bulk, one_by_one) in pairs {
        let engine = common::name(&bulk);
        let size = DemoSize::scaled(0.08);
        let a = demo::generate(&bulk, &book, size, 5, TODAY, &accounts)
            .await
            .unwrap();
        let b = demo::generate_step_by_step(&one_by_one, &book, size, 5, TODAY, &accounts)
            .await
            .unwrap();
        assert!(a.events > 200 && a.mentor_notes > 50, "{engine}: {a:?}");
        assert_eq!(
            (a.people, a.events, a.mentor_notes),
            (b.people, b.events, b.mentor_notes),
            "{engine}"
        );
        for (table, cols, filter) in TABLES {
            let x = rows(&bulk, table, cols, filter).await;
            let y = rows(&one_by_one, table, cols, filter).await;
            assert!(!x.is_empty(), "{engine}: {table} is empty");
            assert_eq!(x.len(), y.len(), "{engine}: rows of {table}");
            if let Some((p, q)) = x.iter().zip(&y).find(|(p, q)| p != q) {
                panic!("{engine}: {table} differs:\n bulk:        {p}\n one by one:  {q}");
            }
        }
        for store in [&bulk, &one_by_one] {
            let report = audit::verify(store).await.unwrap();
            assert!(report.ok(), "{engine}: {report:?}");
        }
    }
}

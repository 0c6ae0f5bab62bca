//! Tampering (issue 18, R5) on SQLite and PostgreSQL: editing, deleting or reordering a recorded
//! step's row directly in the database — say, moving the date of a step — is found by
//! `audit::verify`, which names the candidacy and the step; the untouched database verifies.
#![allow(clippy::unwrap_used)]

use crate::common;
use crate::lifecycle_world;

use jiff::civil::date;
use ketnap_store::{Store, audit, exec, fetch_one};
use lifecycle_world::{World, person};

/// A candidacy with a few recorded steps; its internal key and public id.
async fn recorded(w: &World) -> (i64, String) {
    let p = person(&w.store, "Đinh Văn Thử", "02/02/1996", "Nam", "Kinh").await;
    let mut r = w
        .open(&w.secretary_cb1, p, w.cb1, date(2025, 1, 6))
        .await
        .unwrap();
    r.reach_dossier().await;
    let mut c = w.store.read().await.unwrap();
    let (id,): (i64,) = fetch_one!(
        c.ex(),
        (i64,),
        "SELECT candidacy_id FROM candidacy WHERE pub_id = $1",
        r.pub_id.as_str()
    )
    .unwrap();
    (id, r.pub_id.clone())
}

async fn broken(store: &Store) -> Option<String> {
    let report = audit::verify(store).await.unwrap();
    assert!(
        report.first_broken.is_none(),
        "the audit rows themselves are intact"
    );
    report.event_broken
}

/// Run the statements (separated by `;`) in one transaction, each bound to the candidacy.
async fn tamper(store: &Store, sql: &str, id: i64) {
    let mut tx = store.begin().await.unwrap();
    for statement in sql.split(';').map(str::trim).filter(|s| !s.is_empty()) {
        exec!(tx.ex(), statement, id).unwrap();
    }
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn an_edited_a_deleted_or_a_reordered_step_row_is_found_and_named() {
    for (case, sql) in [
        ("a date moved", ""),
        (
            "the payload edited",
            "UPDATE candidacy_event SET payload = REPLACE(payload, '2025', '2024') \
             WHERE candidacy_id = $1 AND seq = 2",
        ),
        (
            "the last step deleted",
            "DELETE FROM candidacy_event WHERE candidacy_id = $1 \
             AND seq = (SELECT MAX(seq) FROM candidacy_event WHERE candidacy_id = $1)",
        ),
        (
            "a middle step deleted",
            "DELETE FROM candidacy_event WHERE candidacy_id = $1 AND seq = 2",
        ),
        (
            "two steps swapped",
            "UPDATE candidacy_event SET seq = -2 WHERE candidacy_id = $1 AND seq = 2; \
             UPDATE candidacy_event SET seq = 2 WHERE candidacy_id = $1 AND seq = 3; \
             UPDATE candidacy_event SET seq = 3 WHERE candidacy_id = $1 AND seq = -2",
        ),
    ] {
        for store in common::stores().await {
            let engine = common::name(&store);
            let w = World::new(store).await;
            let (id, pub_id) = recorded(&w).await;
            assert_eq!(broken(&w.store).await, None, "{engine}: intact before");
            if case == "a date moved" {
                // The date of step 2 moved a day: an engine-neutral edit of the date column.
                let mut c = w.store.read().await.unwrap();
                let (on,): (jiff_sqlx::Date,) = fetch_one!(
                    c.ex(),
                    (jiff_sqlx::Date,),
                    "SELECT on_date FROM candidacy_event WHERE candidacy_id = $1 AND seq = 2",
                    id
                )
                .unwrap();
                drop(c);
                let moved = on.to_jiff().tomorrow().unwrap();
                let mut tx = w.store.begin().await.unwrap();
                exec!(
                    tx.ex(),
                    "UPDATE candidacy_event SET on_date = $1 WHERE candidacy_id = $2 AND seq = 2",
                    ketnap_store::d(moved),
                    id
                )
                .unwrap();
                tx.commit().await.unwrap();
            } else {
                tamper(&w.store, sql, id).await;
            }
            let found = broken(&w.store)
                .await
                .unwrap_or_else(|| panic!("{engine}: {case} went unnoticed"));
            assert!(found.contains(&pub_id), "{engine}: {case}: {found}");
            assert!(found.contains("step"), "{engine}: {case}: {found}");
        }
    }
}

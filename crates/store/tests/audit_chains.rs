//! The audit trail as 64 chains (issue 19, migration 16): writers in organisations of different
//! chains append at once without forking any chain; a transaction's rows all go to the chain of
//! its first row; every commit raises the trail's version (`audit::head_id`); a row edited or a
//! chain's tail cut in any chain is named by `audit::verify`. Both engines.
#![allow(clippy::unwrap_used)]

use crate::common;

use ketnap_store::audit::{self, AuditEntry, CHAINS};
use ketnap_store::{Store, exec, fetch_all, fetch_one};
use serde_json::json;

async fn append(store: &Store, orgs: &[i64], tag: &str) {
    let mut tx = store.begin().await.unwrap();
    for (i, org) in orgs.iter().enumerate() {
        let id = format!("{tag}-{i}");
        audit::append(
            &mut tx,
            &common::ctx(None),
            &AuditEntry {
                action: "test.append",
                object_kind: "test",
                object_id: &id,
                org_id: Some(*org),
                detail: json!({ "i": i }),
            },
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
}

async fn chains_of(store: &Store, tag: &str) -> Vec<i64> {
    let mut c = store.read().await.unwrap();
    let pattern = format!("{tag}-%");
    fetch_all!(
        c.ex(),
        (i64,),
        "SELECT DISTINCT chain_id FROM audit WHERE object_id LIKE $1 ORDER BY chain_id",
        pattern
    )
    .unwrap()
    .into_iter()
    .map(|(c,)| c)
    .collect()
}

#[tokio::test]
async fn writers_of_different_chains_append_at_once_and_every_chain_verifies() {
    for store in common::stores().await {
        let engine = common::name(&store);
        let version = |store: Store| async move {
            let mut c = store.read().await.unwrap();
            audit::head_id(&mut c).await.unwrap()
        };
        let v0 = version(store.clone()).await;
        // Sixteen writers at once, each its own organisation (its own chain), 20 transactions each.
        let mut handles = Vec::new();
        for w in 0..16i64 {
            let store = store.clone();
            handles.push(tokio::spawn(async move {
                for t in 0..20 {
                    append(&store, &[1000 + w, 2000 + w], &format!("w{w}t{t}")).await;
                }
            }));
        }
        for h in handles {
            h.await.unwrap();
        }
        let mut c = store.read().await.unwrap();
        let (rows,): (i64,) = fetch_one!(
            c.ex(),
            (i64,),
            "SELECT CAST(COUNT(*) AS BIGINT) FROM audit WHERE action = 'test.append'"
        )
        .unwrap();
        assert_eq!(rows, 16 * 20 * 2, "{engine}");
        drop(c);
        // A transaction's rows are in the chain of its first row's organisation.
        for w in 0..16i64 {
            assert_eq!(
                chains_of(&store, &format!("w{w}t3")).await,
                vec![(1000 + w).rem_euclid(CHAINS)],
                "{engine}"
            );
        }
        let report = audit::verify(&store).await.unwrap();
        assert!(report.ok(), "{engine}: {report:?}");
        assert_eq!(report.rows, 16 * 20 * 2, "{engine}");
        // Every commit raised the version.
        let v1 = version(store.clone()).await;
        assert!(v1 > v0, "{engine}");
        append(&store, &[7], "one-more").await;
        assert!(version(store.clone()).await > v1, "{engine}");

        // An edited row in a chain other than 0 is named.
        let mut c = store.read().await.unwrap();
        let (seq, chain): (i64, i64) = fetch_one!(
            c.ex(),
            (i64, i64),
            "SELECT seq, chain_id FROM audit WHERE object_id = 'w5t10-1'"
        )
        .unwrap();
        drop(c);
        assert_ne!(chain, 0);
        let mut tx = store.begin().await.unwrap();
        exec!(
            tx.ex(),
            "UPDATE audit SET detail = '{}' WHERE seq = $1",
            seq
        )
        .unwrap();
        tx.commit().await.unwrap();
        let report = audit::verify(&store).await.unwrap();
        assert_eq!(report.first_broken, Some(seq), "{engine}: {report:?}");
        exec_restore(&store, seq, "{\"i\":1}").await;
        assert!(audit::verify(&store).await.unwrap().ok(), "{engine}");

        // A chain's tail cut is found through its head: named from the row after its last.
        let mut c = store.read().await.unwrap();
        let tail: Vec<(i64,)> = fetch_all!(
            c.ex(),
            (i64,),
            "SELECT seq FROM audit WHERE chain_id = $1 ORDER BY seq DESC LIMIT 2",
            chain
        )
        .unwrap();
        drop(c);
        let mut tx = store.begin().await.unwrap();
        exec!(tx.ex(), "DELETE FROM audit WHERE seq = $1", tail[0].0).unwrap();
        tx.commit().await.unwrap();
        let report = audit::verify(&store).await.unwrap();
        assert_eq!(
            report.first_broken,
            Some(tail[1].0 + 1),
            "{engine}: {report:?}"
        );
    }
}

async fn exec_restore(store: &Store, seq: i64, detail: &str) {
    let mut tx = store.begin().await.unwrap();
    exec!(
        tx.ex(),
        "UPDATE audit SET detail = $1 WHERE seq = $2",
        detail,
        seq
    )
    .unwrap();
    tx.commit().await.unwrap();
}

/// PostgreSQL: a step reads its chain's head and draws its seq with its own row, and appends over
/// that head at the commit only if it is still the chain's (issue 19, B4: the head is not
/// locked in a round trip of its own). Two steps in one cell read the same head; the one that
/// read second commits first; the other finds the head moved, appends after it (the head locked,
/// a seq drawn again: larger) with its stamps and counters once, and the chain verifies.
#[tokio::test]
async fn a_step_whose_chain_head_moved_meanwhile_appends_after_the_new_head() {
    use crate::alert_queue::{TODAY, assign_mentor};
    use ketnap_domain::RuleBook;
    use ketnap_store::demo::{self, DemoSize};
    use ketnap_store::stamps;
    let Some(store) = common::postgres().await else {
        return;
    };
    let book = RuleBook::spec_default();
    demo::generate(
        &store,
        &book,
        DemoSize::scaled(0.05),
        7,
        TODAY,
        &common::accounts(),
    )
    .await
    .unwrap();
    let found = common::assignable(&store).await;
    let (a, b) = found
        .iter()
        .find_map(|x| {
            let y = found.iter().find(|y| y.2 == x.2 && y.0 != x.0)?;
            Some((x.clone(), y.clone()))
        })
        .expect("two candidacies in one cell");
    let mut conn = store.read().await.unwrap();
    let cell = a.2;
    let before = stamps::of(&mut conn, cell).await.unwrap();
    drop(conn);

    let mut first = store.begin().await.unwrap();
    assign_mentor(&mut first, &book, &a.0, a.1, &a.3).await;
    let mut second = store.begin().await.unwrap();
    assign_mentor(&mut second, &book, &b.0, b.1, &b.3).await;
    second.commit().await.unwrap();
    first.commit().await.unwrap();

    let mut conn = store.read().await.unwrap();
    let seq_of = |rows: &[(String, i64, i64)], id: &str| {
        rows.iter().find(|r| r.0 == id).map(|r| (r.1, r.2)).unwrap()
    };
    let rows: Vec<(String, i64, i64)> = fetch_all!(
        conn.ex(),
        (String, i64, i64),
        "SELECT object_id, seq, chain_id FROM audit WHERE action = 'candidacy.assign_mentor' \
         AND object_id IN ($1, $2)",
        a.0.as_str(),
        b.0.as_str()
    )
    .unwrap();
    assert_eq!(rows.len(), 2, "{rows:?}");
    let (seq_a, chain_a) = seq_of(&rows, &a.0);
    let (seq_b, chain_b) = seq_of(&rows, &b.0);
    assert_eq!(chain_a, chain_b);
    assert_eq!(chain_a, cell.rem_euclid(CHAINS));
    assert!(
        seq_a > seq_b,
        "the later commit appends after: {seq_a} {seq_b}"
    );
    let (head,): (i64,) = fetch_one!(
        conn.ex(),
        (i64,),
        "SELECT seq FROM audit_chain WHERE chain_id = $1",
        chain_a
    )
    .unwrap();
    assert_eq!(head, seq_a);
    // Each commit moved the cell's stamp once (the first's tail ran once, after its retry).
    let after = stamps::of(&mut conn, cell).await.unwrap();
    assert_eq!(after.subtree, before.subtree + 2);
    drop(conn);
    let report = audit::verify(&store).await.unwrap();
    assert!(report.ok(), "{report:?}");
}

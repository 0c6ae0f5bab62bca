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

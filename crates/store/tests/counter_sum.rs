//! The counters summed per subtree (`counter_sum`, issue 19) always equal the cells' counters
//! summed over the closure: after the steps of a demo district, after a cell moves to another
//! grassroots committee and after two cells merge. Both engines.
#![allow(clippy::unwrap_used)]

use crate::common;

use jiff::civil::{Date, date};
use ketnap_domain::RuleBook;
use ketnap_store::demo::{self, DemoSize, DemoUsers};
use ketnap_store::{Store, fetch_all, orgs};

const TODAY: Date = date(2026, 11, 23);

async fn sums(
    store: &Store,
) -> (
    Vec<(i64, String, String, i64)>,
    Vec<(i64, String, String, i64)>,
) {
    let mut conn = store.read().await.unwrap();
    let kept: Vec<(i64, String, String, i64)> = fetch_all!(
        conn.ex(),
        (i64, String, String, i64),
        "SELECT org_id, period, metric, value FROM counter_sum WHERE value <> 0 \
         ORDER BY org_id, period, metric"
    )
    .unwrap();
    let derived: Vec<(i64, String, String, i64)> = fetch_all!(
        conn.ex(),
        (i64, String, String, i64),
        "SELECT oc.ancestor_id, k.period, k.metric, CAST(SUM(k.value) AS BIGINT) FROM org_closure oc \
         JOIN counter k ON k.org_id = oc.descendant_id GROUP BY oc.ancestor_id, k.period, k.metric \
         HAVING SUM(k.value) <> 0 ORDER BY oc.ancestor_id, k.period, k.metric"
    )
    .unwrap();
    (kept, derived)
}

#[tokio::test]
async fn the_subtree_sums_follow_the_steps_a_move_and_a_merge() {
    for store in common::stores().await {
        demo::generate(
            &store,
            &RuleBook::spec_default(),
            DemoSize::scaled(0.05),
            5,
            TODAY,
            &DemoUsers {
                password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".to_string(),
            },
        )
        .await
        .unwrap();
        let (kept, derived) = sums(&store).await;
        assert!(kept.len() > 100, "{}", kept.len());
        assert_eq!(kept, derived, "{} after the steps", common::name(&store));

        // The busiest cell moves to another commune; then two cells of one commune merge.
        let mut conn = store.read().await.unwrap();
        let cells: Vec<(i64, i64, i64)> = fetch_all!(
            conn.ex(),
            (i64, i64, i64),
            "SELECT o.org_id, o.parent_id, CAST((SELECT COUNT(*) FROM candidacy c WHERE c.cell_id = o.org_id) AS BIGINT) AS n \
             FROM org o JOIN org p ON p.org_id = o.parent_id \
             WHERE o.kind LIKE 'cell:%' AND p.kind = 'grassroots:commune' ORDER BY n DESC, o.org_id"
        )
        .unwrap();
        drop(conn);
        let (cell, parent, n) = cells[0];
        assert!(n > 0);
        let other = cells.iter().find(|c| c.1 != parent).unwrap().1;
        let ctx = common::ctx(None);
        let mut tx = store.begin().await.unwrap();
        orgs::move_subtree(&mut tx, &ctx, cell, other, TODAY, "Điều chỉnh địa giới")
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let (kept, derived) = sums(&store).await;
        assert_eq!(kept, derived, "{} after the move", common::name(&store));

        let twin = cells
            .iter()
            .find(|c| c.1 == parent && c.0 != cell)
            .map(|c| c.0)
            .unwrap();
        let into = cells
            .iter()
            .find(|c| c.1 == parent && c.0 != cell && c.0 != twin)
            .map(|c| c.0)
            .unwrap();
        let mut tx = store.begin().await.unwrap();
        orgs::merge(&mut tx, &ctx, twin, into, TODAY, "Hợp nhất chi bộ")
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let (kept, derived) = sums(&store).await;
        assert_eq!(kept, derived, "{} after the merge", common::name(&store));
        // `ketnap rebuild` finds the same: nothing differs, sums and spells included.
        let report = ketnap_store::rebuild::rebuild(&store, &RuleBook::spec_default())
            .await
            .unwrap();
        assert!(report.is_clean(), "{report:?}");

        // A sum edited behind the store's back is reported.
        let mut tx = store.begin().await.unwrap();
        ketnap_store::exec!(
            tx.ex(),
            "UPDATE counter_sum SET value = value + 1 WHERE org_id = $1 AND period = '*'",
            parent
        )
        .unwrap();
        tx.commit().await.unwrap();
        let report = ketnap_store::rebuild::rebuild(&store, &RuleBook::spec_default())
            .await
            .unwrap();
        assert!(!report.counter_sum_differences.is_empty());
        assert!(report.counter_sum_differences.iter().all(|d| d.0 == parent));
    }
}

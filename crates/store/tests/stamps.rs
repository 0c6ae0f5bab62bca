//! Subtree stamps (issue 19, B3 and B5; `ketnap_store::stamps`): a commit moves on the stamp of
//! every ancestor of the organisations it writes into, once, and nothing else; a change of the
//! tree, or of what names no organisation, moves the whole database's; a read's audit row moves
//! nothing. What the kept dashboards and reports rely on to be served only while nothing they
//! show has changed. Both engines.
#![allow(clippy::unwrap_used)]

use crate::common;

use jiff::civil::{Date, date};
use ketnap_domain::RuleBook;
use ketnap_domain::lifecycle::{Action, Command, MemberFacts};
use ketnap_store::audit::{self, AuditEntry};
use ketnap_store::demo::{self, DemoSize};
use ketnap_store::stamps::{self, Stamp};
use ketnap_store::{Scope, Store, candidacies, fetch_all, orgs};

const TODAY: Date = date(2026, 11, 23);

async fn stamp(store: &Store, org: i64) -> Stamp {
    let mut conn = store.read().await.unwrap();
    stamps::of(&mut conn, org).await.unwrap()
}

async fn stamps_of(store: &Store, orgs: &[i64]) -> Vec<Stamp> {
    let mut out = Vec::new();
    for o in orgs {
        out.push(stamp(store, *o).await);
    }
    out
}

async fn append(store: &Store, action: &str, kind: &str, org: Option<i64>) {
    let mut tx = store.begin().await.unwrap();
    audit::append(
        &mut tx,
        &common::ctx(None),
        &AuditEntry {
            action,
            object_kind: kind,
            object_id: "x",
            org_id: org,
            detail: serde_json::json!({}),
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn a_commit_moves_the_stamps_of_what_it_writes_into_and_nothing_else() {
    let book = RuleBook::spec_default();
    for store in common::stores().await {
        let engine = common::name(&store);
        demo::generate(
            &store,
            &book,
            DemoSize::scaled(0.05),
            3,
            TODAY,
            &common::accounts(),
        )
        .await
        .unwrap();
        // A candidacy a mentor may be assigned to, an official of its cell, the cell's
        // ancestors, and a commune outside them.
        let (pub_id, version, cell, mentor) = common::assignable(&store).await[0].clone();
        let mut conn = store.read().await.unwrap();
        let above: Vec<(i64,)> = fetch_all!(
            conn.ex(),
            (i64,),
            "SELECT ancestor_id FROM org_closure WHERE descendant_id = $1 ORDER BY ancestor_id",
            cell
        )
        .unwrap();
        let above: Vec<i64> = above.into_iter().map(|(a,)| a).collect();
        let elsewhere: Vec<(i64,)> = fetch_all!(
            conn.ex(),
            (i64,),
            "SELECT o.org_id FROM org o WHERE o.kind = 'grassroots:commune' \
             AND NOT EXISTS (SELECT 1 FROM org_closure oc WHERE oc.descendant_id = $1 \
             AND oc.ancestor_id = o.org_id) ORDER BY o.org_id",
            cell
        )
        .unwrap();
        drop(conn);
        assert!(above.len() >= 3, "{engine}: {above:?}");
        let other = elsewhere[0].0;

        // A step in the cell: its cell and every organisation above it, by one.
        let before = stamps_of(&store, &above).await;
        let other_before = stamp(&store, other).await;
        let mut tx = store.begin().await.unwrap();
        candidacies::execute(
            &mut tx,
            &common::ctx(None),
            &book,
            &Scope::system(),
            &pub_id,
            version,
            Command {
                on: TODAY,
                action: Action::AssignMentor {
                    mentor: MemberFacts {
                        member_id: mentor.clone(),
                        official: true,
                        same_cell: true,
                        same_grassroots: true,
                    },
                },
            },
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let after = stamps_of(&store, &above).await;
        for (b, a) in before.iter().zip(&after) {
            assert_eq!(a.subtree, b.subtree + 1, "{engine}: {before:?} → {after:?}");
            assert_eq!(a.whole, b.whole, "{engine}: the whole database's left");
        }
        assert_eq!(stamp(&store, other).await, other_before, "{engine}");

        // A member moved out of the cell to a cell of the other commune: both subtrees move
        // (the audit row names the new cell; the old one is touched by the move).
        let mut conn = store.read().await.unwrap();
        let moves: Vec<(i64, i64)> = fetch_all!(
            conn.ex(),
            (i64, i64),
            "SELECT m.member_id, (SELECT MIN(o.org_id) FROM org o JOIN org_closure oc \
               ON oc.descendant_id = o.org_id WHERE oc.ancestor_id = $2 AND o.kind LIKE 'cell:%' \
               AND o.closed_on IS NULL) \
             FROM member m WHERE m.cell_id = $1 AND m.left_on IS NULL \
             AND m.status IN ('official', 'probationary') ORDER BY m.member_id",
            cell,
            other
        )
        .unwrap();
        drop(conn);
        let (member, to) = moves[0];
        let before = stamps_of(&store, &[cell, to]).await;
        let mut tx = store.begin().await.unwrap();
        ketnap_store::members::move_to_cell(&mut tx, &common::ctx(None), member, to, TODAY)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let after_move = stamps_of(&store, &[cell, to]).await;
        for (b, a) in before.iter().zip(&after_move) {
            assert_eq!(
                a.subtree,
                b.subtree + 1,
                "{engine}: {before:?} → {after_move:?}"
            );
        }
        let after = stamps_of(&store, &above).await;

        // A read's audit row (an ID number revealed) moves nothing.
        append(&store, "person.reveal_id", "person", Some(cell)).await;
        assert_eq!(stamps_of(&store, &above).await, after, "{engine}");

        // A change of the tree, or of what names no organisation, moves the whole database's.
        let whole = after[0].whole;
        append(&store, "org.update", "org", Some(cell)).await;
        assert_eq!(stamp(&store, other).await.whole, whole + 1, "{engine}");
        append(&store, "person.update", "person", None).await;
        assert_eq!(stamp(&store, other).await.whole, whole + 2, "{engine}");
        let mut tx = store.begin().await.unwrap();
        orgs::move_subtree(
            &mut tx,
            &common::ctx(None),
            cell,
            other,
            TODAY,
            "Điều chỉnh",
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(
            stamp(&store, other).await.whole,
            whole + 3,
            "{engine}: the move"
        );
    }
}

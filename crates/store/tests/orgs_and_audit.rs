//! Conformance: organisations, the closure table, moves and merges, scopes, the audit chain.
#![allow(clippy::unwrap_used)]

use crate::common;

use jiff::civil::date;
use ketnap_domain::org::{CellKind, GrassrootsKind, OrgKind};
use ketnap_store::orgs::{self, NewOrg};
use ketnap_store::{Role, Scope, Store, StoreError, audit, exec};

async fn tree(store: &Store) -> (i64, i64, i64, i64, i64) {
    let ctx = common::ctx(None);
    let mut tx = store.begin().await.unwrap();
    let prov = orgs::create(
        &mut tx,
        &ctx,
        &NewOrg::new("T", "Tỉnh ủy Thử Nghiệm", OrgKind::Provincial, None),
    )
    .await
    .unwrap();
    let dist = orgs::create(
        &mut tx,
        &ctx,
        &NewOrg::new("T.H", "Huyện ủy Hòa Bình", OrgKind::District, Some(prov)),
    )
    .await
    .unwrap();
    let xa = orgs::create(
        &mut tx,
        &ctx,
        &NewOrg::new(
            "T.H.X",
            "Đảng ủy xã Tân Phú",
            OrgKind::Grassroots(GrassrootsKind::Commune),
            Some(dist),
        ),
    )
    .await
    .unwrap();
    let cb = orgs::create(
        &mut tx,
        &ctx,
        &NewOrg::new(
            "T.H.X.CB1",
            "Chi bộ thôn Đông",
            OrgKind::Cell(CellKind::Residential),
            Some(xa),
        ),
    )
    .await
    .unwrap();
    let xa2 = orgs::create(
        &mut tx,
        &ctx,
        &NewOrg::new(
            "T.H.Y",
            "Đảng ủy xã Tân Lập",
            OrgKind::Grassroots(GrassrootsKind::Commune),
            Some(dist),
        ),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    (prov, dist, xa, cb, xa2)
}

#[tokio::test]
async fn migrations_are_twins_with_the_same_versions() {
    let (sqlite, postgres) = Store::migration_versions();
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, postgres);
}

#[tokio::test]
async fn the_closure_table_follows_inserts_moves_and_merges() {
    for store in common::stores().await {
        let (prov, dist, xa, cb, xa2) = tree(&store).await;
        let mut c = store.read().await.unwrap();
        assert!(
            orgs::closure_differences(&mut c).await.unwrap().is_empty(),
            "{}",
            common::name(&store)
        );
        let path: Vec<String> = orgs::path(&mut c, cb)
            .await
            .unwrap()
            .into_iter()
            .map(|o| o.code)
            .collect();
        assert_eq!(path, ["T", "T.H", "T.H.X", "T.H.X.CB1"]);
        drop(c);
        // 2025: the district is dissolved; the commune reports to the province.
        let ctx = common::ctx(None);
        let mut tx = store.begin().await.unwrap();
        orgs::move_subtree(&mut tx, &ctx, xa, prov, date(2025, 7, 1), "Sắp xếp 2025")
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let mut c = store.read().await.unwrap();
        assert!(orgs::closure_differences(&mut c).await.unwrap().is_empty());
        let path: Vec<String> = orgs::path(&mut c, cb)
            .await
            .unwrap()
            .into_iter()
            .map(|o| o.code)
            .collect();
        assert_eq!(path, ["T", "T.H.X", "T.H.X.CB1"]);
        drop(c);
        // Merge Tân Lập into Tân Phú: Tân Lập is kept, closed, under Tân Phú.
        let mut tx = store.begin().await.unwrap();
        orgs::merge(&mut tx, &ctx, xa2, xa, date(2025, 7, 1), "Hợp nhất xã")
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let mut c = store.read().await.unwrap();
        assert!(orgs::closure_differences(&mut c).await.unwrap().is_empty());
        let merged = orgs::get_by_id(&mut c, xa2).await.unwrap();
        assert!(merged.is_closed());
        assert_eq!(merged.parent_id, Some(xa));
        let children: Vec<String> = orgs::children(&mut c, &Scope::system(), xa)
            .await
            .unwrap()
            .into_iter()
            .map(|o| o.code)
            .collect();
        assert_eq!(
            children,
            ["T.H.X.CB1"],
            "closed organisations are not listed as children"
        );
        let _ = dist;
    }
}

#[tokio::test]
async fn a_move_under_its_own_subtree_or_against_the_tree_rules_is_refused_and_changes_nothing() {
    for store in common::stores().await {
        let (prov, _, xa, cb, _) = tree(&store).await;
        let ctx = common::ctx(None);
        let mut tx = store.begin().await.unwrap();
        let e = orgs::move_subtree(&mut tx, &ctx, xa, cb, date(2025, 7, 1), "x")
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::Invalid { .. }), "{e:?}");
        let e = orgs::move_subtree(&mut tx, &ctx, cb, prov, date(2025, 7, 1), "x")
            .await
            .unwrap_err();
        assert!(e.message_vi().contains("Chi bộ"), "{}", e.message_vi());
        drop(tx);
        let mut c = store.read().await.unwrap();
        assert!(orgs::closure_differences(&mut c).await.unwrap().is_empty());
        assert_eq!(
            orgs::get_by_id(&mut c, cb).await.unwrap().parent_id,
            Some(xa)
        );
    }
}

#[tokio::test]
async fn a_scoped_read_outside_the_users_subtrees_finds_nothing() {
    for store in common::stores().await {
        let (_, _, xa, cb, xa2) = tree(&store).await;
        let mut tx = store.begin().await.unwrap();
        exec!(
            tx.ex(),
            "INSERT INTO app_user (pub_id, username, display_name, password_hash, created_at) VALUES ('u1', 'bt', 'Bí thư', 'x', '2026-01-01T00:00:00Z')"
        )
        .unwrap();
        tx.commit().await.unwrap();
        let mut tx = store.begin().await.unwrap();
        let (user_id,): (i64,) = ketnap_store::fetch_one!(
            tx.ex(),
            (i64,),
            "SELECT user_id FROM app_user WHERE username = 'bt'"
        )
        .unwrap();
        exec!(
            tx.ex(),
            "INSERT INTO user_scope (user_id, role, org_id) VALUES ($1, $2, $3)",
            user_id,
            "cell_secretary",
            cb
        )
        .unwrap();
        tx.commit().await.unwrap();
        let mut c = store.read().await.unwrap();
        let scope = Scope::user(user_id, Role::CellSecretary, None);
        let own = orgs::get_by_id(&mut c, cb).await.unwrap();
        let other = orgs::get_by_id(&mut c, xa2).await.unwrap();
        let parent = orgs::get_by_id(&mut c, xa).await.unwrap();
        assert_eq!(
            orgs::get(&mut c, &scope, &own.pub_id).await.unwrap().org_id,
            cb
        );
        assert!(matches!(
            orgs::get(&mut c, &scope, &other.pub_id).await,
            Err(StoreError::NotFound(_))
        ));
        assert!(matches!(
            orgs::get(&mut c, &scope, &parent.pub_id).await,
            Err(StoreError::NotFound(_))
        ));
        let as_viewer = Scope::user(user_id, Role::Viewer, None);
        assert!(
            matches!(
                orgs::get(&mut c, &as_viewer, &own.pub_id).await,
                Err(StoreError::NotFound(_))
            ),
            "a role the user does not hold reaches nothing"
        );
        assert_eq!(orgs::scope_roots(&mut c, &scope).await.unwrap().len(), 1);
    }
}

#[tokio::test]
async fn the_audit_chain_verifies_and_names_the_first_tampered_row() {
    for store in common::stores().await {
        tree(&store).await;
        let report = audit::verify(&store).await.unwrap();
        assert!(report.ok(), "{report:?}");
        assert_eq!(report.rows, 5);
        let mut tx = store.begin().await.unwrap();
        exec!(tx.ex(), "UPDATE audit SET detail = '{}' WHERE seq = 3").unwrap();
        tx.commit().await.unwrap();
        let report = audit::verify(&store).await.unwrap();
        assert_eq!(report.first_broken, Some(3), "{}", common::name(&store));
        let mut tx = store.begin().await.unwrap();
        exec!(tx.ex(), "DELETE FROM audit WHERE seq >= 3").unwrap();
        tx.commit().await.unwrap();
        let report = audit::verify(&store).await.unwrap();
        assert_eq!(
            report.first_broken,
            Some(3),
            "a cut tail is found through the head"
        );
    }
}

#[tokio::test]
async fn placeholders_bind_by_number_and_sums_decode_on_both_engines() {
    for store in common::stores().await {
        let mut c = store.read().await.unwrap();
        let (a, b): (i64, String) = ketnap_store::fetch_one!(
            c.ex(),
            (i64, String),
            "SELECT CAST($2 AS BIGINT), $1",
            "x".to_string(),
            7i64
        )
        .unwrap();
        assert_eq!((a, b.as_str()), (7, "x"), "{}", common::name(&store));
        let (n,): (i64,) = ketnap_store::fetch_one!(
            c.ex(),
            (i64,),
            "SELECT CAST(COALESCE(SUM(depth), 0) AS BIGINT) FROM org_closure WHERE ancestor_id = $1",
            1i64
        )
        .unwrap();
        assert_eq!(n, 0);
    }
}

#[tokio::test]
async fn the_audit_list_shows_only_rows_of_the_scopes_subtrees_newest_first() {
    for store in common::stores().await {
        let (prov, _, xa, cb, _) = tree(&store).await;
        let mut tx = store.begin().await.unwrap();
        audit::append(
            &mut tx,
            &common::ctx(None),
            &audit::AuditEntry {
                action: "user.create",
                object_kind: "user",
                object_id: "u-system",
                org_id: None,
                detail: serde_json::json!({}),
            },
        )
        .await
        .unwrap();
        exec!(
            tx.ex(),
            "INSERT INTO app_user (pub_id, username, display_name, password_hash, created_at) VALUES ('u1', 'tc', 'Cán bộ', 'x', '2026-01-01T00:00:00Z')"
        )
        .unwrap();
        tx.commit().await.unwrap();
        let mut tx = store.begin().await.unwrap();
        let (user_id,): (i64,) = ketnap_store::fetch_one!(
            tx.ex(),
            (i64,),
            "SELECT user_id FROM app_user WHERE username = 'tc'"
        )
        .unwrap();
        for (role, org) in [("org_staff", xa), ("admin", prov)] {
            exec!(
                tx.ex(),
                "INSERT INTO user_scope (user_id, role, org_id) VALUES ($1, $2, $3)",
                user_id,
                role,
                org
            )
            .unwrap();
        }
        tx.commit().await.unwrap();
        let mut c = store.read().await.unwrap();
        let staff = Scope::user(user_id, Role::OrgStaff, None);
        let none = audit::ListFilter::default();
        let page = audit::list(&mut c, &staff, &none, None, 50).await.unwrap();
        let xa_pub = orgs::get_by_id(&mut c, xa).await.unwrap().pub_id;
        let cb_pub = orgs::get_by_id(&mut c, cb).await.unwrap().pub_id;
        let orgs_seen: Vec<_> = page
            .items
            .iter()
            .map(|r| r.org_pub_id.clone().unwrap())
            .collect();
        assert_eq!(orgs_seen, vec![cb_pub, xa_pub], "{}", common::name(&store));
        let admin = Scope::user(user_id, Role::Admin, None);
        let first = audit::list(&mut c, &admin, &none, None, 4).await.unwrap();
        assert_eq!(first.items.len(), 4);
        assert_eq!(
            first.items[0].action, "user.create",
            "system rows for admins, newest first"
        );
        let rest = audit::list(&mut c, &admin, &none, first.next, 4)
            .await
            .unwrap();
        assert_eq!(rest.items.len(), 2);
        assert!(rest.next.is_none());
        assert!(rest.items.iter().all(|r| r.seq < first.items[3].seq));
        let only = audit::ListFilter {
            action: Some("user".into()),
            ..Default::default()
        };
        assert_eq!(
            audit::list(&mut c, &admin, &only, None, 50)
                .await
                .unwrap()
                .items
                .len(),
            1
        );
        assert!(
            audit::list(&mut c, &staff, &only, None, 50)
                .await
                .unwrap()
                .items
                .is_empty()
        );
        let later = audit::ListFilter {
            from: Some("2100-01-01T00:00:00Z".parse().unwrap()),
            ..Default::default()
        };
        assert!(
            audit::list(&mut c, &admin, &later, None, 50)
                .await
                .unwrap()
                .items
                .is_empty()
        );
    }
}

#[tokio::test]
async fn an_org_update_changes_name_and_flags_with_an_audit_row_and_refuses_an_empty_name() {
    for store in common::stores().await {
        let (_, _, _, cb, _) = tree(&store).await;
        let ctx = common::ctx(None);
        let edit = orgs::OrgEdit {
            name: "Chi bộ thôn Đông Mới".into(),
            has_cell_committee: true,
            youth_union_exists: false,
            trade_union_instead: true,
        };
        let mut tx = store.begin().await.unwrap();
        orgs::update(&mut tx, &ctx, cb, &edit).await.unwrap();
        tx.commit().await.unwrap();
        let mut c = store.read().await.unwrap();
        let o = orgs::get_by_id(&mut c, cb).await.unwrap();
        assert_eq!(o.name, "Chi bộ thôn Đông Mới");
        assert!(o.has_cell_committee && !o.youth_union_exists && o.trade_union_instead);
        let page = audit::list(
            &mut c,
            &Scope::system(),
            &audit::ListFilter::default(),
            None,
            1,
        )
        .await
        .unwrap();
        assert_eq!(page.items[0].action, "org.update");
        drop(c);
        let mut tx = store.begin().await.unwrap();
        let blank = orgs::OrgEdit {
            name: "  ".into(),
            ..edit
        };
        assert!(matches!(
            orgs::update(&mut tx, &ctx, cb, &blank).await,
            Err(StoreError::Invalid { .. })
        ));
        drop(tx);
        let mut c = store.read().await.unwrap();
        assert_eq!(
            orgs::get_by_id(&mut c, cb).await.unwrap().name,
            "Chi bộ thôn Đông Mới"
        );
    }
}

#[tokio::test]
async fn an_organisation_name_longer_than_its_limit_is_refused_in_vietnamese_and_nothing_is_written()
 {
    for store in common::stores().await {
        let (_, dist, xa, _, _) = tree(&store).await;
        let ctx = common::ctx(None);
        let long = "Đảng ủy xã ".to_string() + &"A".repeat(100_000);
        let mut tx = store.begin().await.unwrap();
        let e = orgs::create(
            &mut tx,
            &ctx,
            &NewOrg::new(
                "T.H.Z",
                &long,
                OrgKind::Grassroots(GrassrootsKind::Commune),
                Some(dist),
            ),
        )
        .await
        .unwrap_err();
        assert!(matches!(e, StoreError::Invalid { .. }), "{e:?}");
        assert!(e.message_vi().contains("Tên tổ chức"), "{}", e.message_vi());
        drop(tx);
        let mut tx = store.begin().await.unwrap();
        let edit = orgs::OrgEdit {
            name: long.clone(),
            has_cell_committee: false,
            youth_union_exists: true,
            trade_union_instead: false,
        };
        let e = orgs::update(&mut tx, &ctx, xa, &edit).await.unwrap_err();
        assert!(
            e.message_vi().contains("dài quá 200 ký tự"),
            "{}",
            common::name(&store)
        );
        drop(tx);
        let mut c = store.read().await.unwrap();
        let (n,): (i64,) = ketnap_store::fetch_one!(
            c.ex(),
            (i64,),
            "SELECT COUNT(*) FROM org WHERE LENGTH(name) > 200"
        )
        .unwrap();
        assert_eq!(n, 0);
    }
}

/// What judging a cell's next step reads of the tree, in one query (`orgs::path_facts`, issue
/// 19): the path from the root down, the partial committee above a cell under one (and none
/// above a cell directly under its grassroots committee, nor counted for the committee itself),
/// and the nearest student thresholds above — the same as the separate reads give. Both engines.
#[tokio::test]
async fn a_cells_path_facts_are_its_path_its_partial_committee_and_nearest_thresholds() {
    use ketnap_domain::lifecycle::{Standing, StudentThresholds};
    for store in common::stores().await {
        let (prov, dist, xa, cb, _) = tree(&store).await;
        let ctx = common::ctx(None);
        let mut tx = store.begin().await.unwrap();
        let part = orgs::create(
            &mut tx,
            &ctx,
            &NewOrg::new(
                "T.H.X.BP",
                "Đảng bộ bộ phận thôn Tây",
                OrgKind::Partial,
                Some(xa),
            ),
        )
        .await
        .unwrap();
        let under = orgs::create(
            &mut tx,
            &ctx,
            &NewOrg::new(
                "T.H.X.BP.CB",
                "Chi bộ xóm Giữa",
                OrgKind::Cell(CellKind::Residential),
                Some(part),
            ),
        )
        .await
        .unwrap();
        let rule = StudentThresholds {
            min_grade: Standing::Fair,
            min_conduct: Standing::Good,
            source: "Hướng dẫn 03-HD/ĐU ngày 10/01/2025 của Đảng ủy xã".into(),
        };
        orgs::set_student_thresholds(&mut tx, &ctx, xa, &rule)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let mut c = store.read().await.unwrap();
        let ids = |f: &orgs::PathFacts| f.path.iter().map(|o| o.org_id).collect::<Vec<_>>();

        let f = orgs::path_facts(&mut c, under).await.unwrap();
        assert_eq!(ids(&f), [prov, dist, xa, part, under]);
        assert_eq!(f.org().unwrap().org_id, under);
        assert!(f.has_partial_above(), "a partial committee above");
        assert_eq!(
            f.thresholds.as_ref(),
            Some(&rule),
            "the commune's, nearest above"
        );

        let f = orgs::path_facts(&mut c, cb).await.unwrap();
        assert_eq!(ids(&f), [prov, dist, xa, cb]);
        assert!(!f.has_partial_above(), "directly under the commune");
        assert_eq!(
            f.thresholds,
            orgs::student_thresholds(c.ex(), cb).await.unwrap()
        );

        let f = orgs::path_facts(&mut c, part).await.unwrap();
        assert!(
            !f.has_partial_above(),
            "the committee itself is not above itself"
        );
        let f = orgs::path_facts(&mut c, dist).await.unwrap();
        assert_eq!(ids(&f), [prov, dist]);
        assert_eq!(f.thresholds, None, "no thresholds above the commune");
        let none = orgs::path_facts(&mut c, 987_654).await.unwrap();
        assert!(none.path.is_empty());
        assert!(matches!(none.org(), Err(StoreError::NotFound("org"))));
    }
}

/// One transaction with more audit rows than one statement may bind (an import's, a generator's:
/// 12 values a row, PostgreSQL binds at most 65,535): the rows that fit go with the chain's head
/// in the commit's statement, the rest after it in the same transaction — every row lands,
/// numbered along its chain, and the trail verifies (issue 19: a province generated on
/// PostgreSQL stopped at "too many arguments for query: 194428"). Both engines.
#[tokio::test]
async fn a_transaction_with_more_audit_rows_than_a_statement_binds_lands_whole() {
    const ROWS: usize = 6_000;
    for store in common::stores().await {
        let (_, _, xa, _, _) = tree(&store).await;
        let before = audit::verify(&store).await.unwrap().rows;
        let ids: Vec<String> = (0..ROWS).map(|i| format!("thu-nghiem-{i}")).collect();
        let entries: Vec<audit::AuditEntry<'_>> = ids
            .iter()
            .map(|id| audit::AuditEntry {
                action: "org.note",
                object_kind: "org",
                object_id: id,
                org_id: Some(xa),
                detail: serde_json::json!({ "n": id }),
            })
            .collect();
        let mut tx = store.begin().await.unwrap();
        audit::append_many(&mut tx, &common::ctx(None), &entries)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let report = audit::verify(&store).await.unwrap();
        assert!(report.ok(), "{}: {report:?}", common::name(&store));
        assert_eq!(
            report.rows,
            before + ROWS as u64,
            "{}",
            common::name(&store)
        );
        let mut c = store.read().await.unwrap();
        let (n, distinct): (i64, i64) = ketnap_store::fetch_one!(
            c.ex(),
            (i64, i64),
            "SELECT COUNT(*), COUNT(DISTINCT seq) FROM audit WHERE action = 'org.note'"
        )
        .unwrap();
        assert_eq!((n, distinct), (ROWS as i64, ROWS as i64));
    }
}

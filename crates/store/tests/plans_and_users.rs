//! Conformance: plans per organisation and period, users and their scopes.
#![allow(clippy::unwrap_used)]

use crate::common;

use ketnap_domain::RuleBook;
use ketnap_domain::org::{CellKind, GrassrootsKind, OrgKind};
use ketnap_domain::plan::{self, Period, Plan, SubGroup, SubTarget};
use ketnap_store::orgs::{self, NewOrg};
use ketnap_store::{Role, Scope, Store, StoreError, audit, fetch_all, fetch_one, plans, users};

struct Tree {
    district: i64,
    commune: i64,
    cell_a: i64,
    cell_b: i64,
    other_commune: i64,
}

async fn tree(store: &Store) -> Tree {
    let ctx = common::ctx(None);
    let mut tx = store.begin().await.unwrap();
    let prov = orgs::create(
        &mut tx,
        &ctx,
        &NewOrg::new("P", "Tỉnh ủy Thử Nghiệm", OrgKind::Provincial, None),
    )
    .await
    .unwrap();
    let district = orgs::create(
        &mut tx,
        &ctx,
        &NewOrg::new("P.D", "Huyện ủy Sông Xanh", OrgKind::District, Some(prov)),
    )
    .await
    .unwrap();
    let commune = orgs::create(
        &mut tx,
        &ctx,
        &NewOrg::new(
            "P.D.X1",
            "Đảng ủy xã Tân An",
            OrgKind::Grassroots(GrassrootsKind::Commune),
            Some(district),
        ),
    )
    .await
    .unwrap();
    let cell_a = orgs::create(
        &mut tx,
        &ctx,
        &NewOrg::new(
            "P.D.X1.A",
            "Chi bộ thôn An Đông",
            OrgKind::Cell(CellKind::Residential),
            Some(commune),
        ),
    )
    .await
    .unwrap();
    let cell_b = orgs::create(
        &mut tx,
        &ctx,
        &NewOrg::new(
            "P.D.X1.B",
            "Chi bộ thôn Bình Tây",
            OrgKind::Cell(CellKind::Residential),
            Some(commune),
        ),
    )
    .await
    .unwrap();
    let other_commune = orgs::create(
        &mut tx,
        &ctx,
        &NewOrg::new(
            "P.D.X2",
            "Đảng ủy xã Phú Lộc",
            OrgKind::Grassroots(GrassrootsKind::Commune),
            Some(district),
        ),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    Tree {
        district,
        commune,
        cell_a,
        cell_b,
        other_commune,
    }
}

fn year_plan(admissions: u32) -> Plan {
    Plan {
        sources: admissions * 2,
        course_attendees: admissions + 1,
        admissions,
        ..Plan::new(Period::Year(2026))
    }
}

async fn audit_actions(store: &Store) -> Vec<(String, String)> {
    let mut c = store.read().await.unwrap();
    fetch_all!(
        c.ex(),
        (String, String),
        "SELECT action, detail FROM audit ORDER BY seq"
    )
    .unwrap()
}

#[tokio::test]
async fn a_plan_is_stored_per_org_and_period_and_replaced_on_upsert_with_an_audit_row_each_time() {
    for store in common::stores().await {
        let t = tree(&store).await;
        let ctx = common::ctx(None);
        let sys = Scope::system();
        let mut p = year_plan(16);
        p.sub_targets
            .insert(SubGroup::Women, SubTarget::Share(4000));
        p.sub_targets
            .insert(SubGroup::Other("dân quân".into()), SubTarget::Count(2));
        let mut tx = store.begin().await.unwrap();
        plans::upsert(&mut tx, &ctx, &sys, t.commune, &p)
            .await
            .unwrap();
        let term = Plan {
            admissions: 80,
            ..Plan::new(Period::Term { start_year: 2025 })
        };
        plans::upsert(&mut tx, &ctx, &sys, t.commune, &term)
            .await
            .unwrap();
        tx.commit().await.unwrap();

        let mut c = store.read().await.unwrap();
        let got = plans::get(&mut c, &sys, t.commune, Period::Year(2026))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(got.plan, p, "{}", common::name(&store));
        assert_eq!(got.updated_at, ctx.now);
        assert!(
            plans::get(&mut c, &sys, t.commune, Period::Year(2027))
                .await
                .unwrap()
                .is_none()
        );
        let periods: Vec<String> = plans::list_for_org(&mut c, &sys, t.commune)
            .await
            .unwrap()
            .into_iter()
            .map(|s| s.plan.period.code())
            .collect();
        assert_eq!(periods, ["2025-2030", "2026"]);
        drop(c);

        let mut tx = store.begin().await.unwrap();
        plans::upsert(&mut tx, &ctx, &sys, t.commune, &year_plan(20))
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let mut c = store.read().await.unwrap();
        let got = plans::get(&mut c, &sys, t.commune, Period::Year(2026))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(got.plan.admissions, 20);
        assert!(
            got.plan.sub_targets.is_empty(),
            "the upsert replaces the body"
        );
        let (n,): (i64,) = fetch_one!(
            c.ex(),
            (i64,),
            "SELECT COUNT(*) FROM plan WHERE org_id = $1",
            t.commune
        )
        .unwrap();
        assert_eq!(n, 2, "one row per (org, period)");
        drop(c);

        let plan_rows: Vec<(String, String)> = audit_actions(&store)
            .await
            .into_iter()
            .filter(|(a, _)| a.starts_with("plan."))
            .collect();
        let actions: Vec<&str> = plan_rows.iter().map(|(a, _)| a.as_str()).collect();
        assert_eq!(actions, ["plan.create", "plan.create", "plan.update"]);
        assert!(
            plan_rows[0].1.contains("\"period\":\"2026\""),
            "{}",
            plan_rows[0].1
        );
        assert!(audit::verify(&store).await.unwrap().ok());
    }
}

#[tokio::test]
async fn a_plan_that_cannot_hold_is_refused_in_vietnamese_and_nothing_is_written() {
    for store in common::stores().await {
        let t = tree(&store).await;
        let ctx = common::ctx(None);
        let mut p = year_plan(10);
        p.sub_targets.insert(SubGroup::Women, SubTarget::Count(11));
        let mut tx = store.begin().await.unwrap();
        let e = plans::upsert(&mut tx, &ctx, &Scope::system(), t.commune, &p)
            .await
            .unwrap_err();
        assert_eq!(
            e.message_vi(),
            "Chỉ tiêu nữ (11) lớn hơn chỉ tiêu kết nạp (10).",
            "{}",
            common::name(&store)
        );
        drop(tx);
        let mut c = store.read().await.unwrap();
        let (n,): (i64,) = fetch_one!(c.ex(), (i64,), "SELECT COUNT(*) FROM plan").unwrap();
        assert_eq!(n, 0);
    }
}

#[tokio::test]
async fn the_childrens_plans_come_in_one_list_with_the_missing_ones_and_show_the_gap() {
    for store in common::stores().await {
        let t = tree(&store).await;
        let ctx = common::ctx(None);
        let sys = Scope::system();
        let mut tx = store.begin().await.unwrap();
        plans::upsert(&mut tx, &ctx, &sys, t.commune, &year_plan(5))
            .await
            .unwrap();
        plans::upsert(&mut tx, &ctx, &sys, t.cell_a, &year_plan(2))
            .await
            .unwrap();
        let other_year = Plan {
            admissions: 9,
            ..Plan::new(Period::Year(2025))
        };
        plans::upsert(&mut tx, &ctx, &sys, t.cell_b, &other_year)
            .await
            .unwrap();
        tx.commit().await.unwrap();

        let mut c = store.read().await.unwrap();
        let kids = plans::children(&mut c, &sys, t.commune, Period::Year(2026))
            .await
            .unwrap();
        let summary: Vec<(&str, Option<u32>)> = kids
            .iter()
            .map(|k| (k.code.as_str(), k.plan.as_ref().map(|p| p.admissions)))
            .collect();
        assert_eq!(
            summary,
            [("P.D.X1.A", Some(2)), ("P.D.X1.B", None)],
            "{}",
            common::name(&store)
        );
        let parent = plans::get(&mut c, &sys, t.commune, Period::Year(2026))
            .await
            .unwrap()
            .unwrap();
        let gap =
            plan::children_gap(&parent.plan, kids.iter().filter_map(|k| k.plan.as_ref())).unwrap();
        let admissions = gap
            .lines
            .iter()
            .find(|l| l.line == plan::Line::Admissions)
            .unwrap();
        assert_eq!((admissions.parent, admissions.children), (5, 2));
        assert!(!gap.is_balanced());
    }
}

#[tokio::test]
async fn a_suggested_plan_round_trips_through_the_store() {
    for store in common::stores().await {
        let t = tree(&store).await;
        let ctx = common::ctx(None);
        let rules = RuleBook::spec_default();
        let p = plan::suggest(830, 41, rules.latest()).to_plan(Period::Year(2026));
        let mut tx = store.begin().await.unwrap();
        plans::upsert(&mut tx, &ctx, &Scope::system(), t.district, &p)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let mut c = store.read().await.unwrap();
        let got = plans::get(&mut c, &Scope::system(), t.district, Period::Year(2026))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(got.plan, p);
    }
}

#[tokio::test]
async fn many_plans_are_written_together_as_one_at_a_time_and_one_refused_writes_none() {
    for store in common::stores().await {
        let t = tree(&store).await;
        let ctx = common::ctx(None);
        let sys = Scope::system();
        let mut tx = store.begin().await.unwrap();
        plans::upsert(&mut tx, &ctx, &sys, t.cell_a, &year_plan(1))
            .await
            .unwrap();
        tx.commit().await.unwrap();

        // The commune's year twice (the later stands), a new term, the cell's year again.
        let term = Plan {
            admissions: 40,
            ..Plan::new(Period::Term { start_year: 2025 })
        };
        let (first, later, cell) = (year_plan(8), year_plan(9), year_plan(2));
        let items = [
            (t.commune, &first),
            (t.commune, &term),
            (t.commune, &later),
            (t.cell_a, &cell),
        ];
        let mut tx = store.begin().await.unwrap();
        plans::upsert_many(&mut tx, &ctx, &sys, &items)
            .await
            .unwrap();
        tx.commit().await.unwrap();

        let mut c = store.read().await.unwrap();
        for (org, period, want) in [
            (t.commune, Period::Year(2026), &later),
            (t.commune, Period::Term { start_year: 2025 }, &term),
            (t.cell_a, Period::Year(2026), &cell),
        ] {
            let got = plans::get(&mut c, &sys, org, period)
                .await
                .unwrap()
                .unwrap();
            assert_eq!(&got.plan, want, "{}", common::name(&store));
        }
        drop(c);
        let actions: Vec<String> = audit_actions(&store)
            .await
            .into_iter()
            .map(|(a, _)| a)
            .filter(|a| a.starts_with("plan."))
            .collect();
        assert_eq!(
            actions,
            [
                "plan.create",
                "plan.create",
                "plan.create",
                "plan.update",
                "plan.update"
            ],
            "one audit row per plan given, in order; a plan stored before or earlier in the list is an update"
        );

        // One organisation out of the scope: refused, and nothing of the others written.
        let staff = user_with(&store, "canbo.many", Role::OrgStaff, &[t.commune]).await;
        let staff_scope = Scope::user(staff, Role::OrgStaff, None);
        let (b, outside) = (year_plan(3), year_plan(4));
        let mut tx = store.begin().await.unwrap();
        let e = plans::upsert_many(
            &mut tx,
            &ctx,
            &staff_scope,
            &[(t.cell_b, &b), (t.other_commune, &outside)],
        )
        .await
        .unwrap_err();
        assert!(matches!(e, StoreError::NotFound(_)), "{e:?}");
        tx.commit().await.unwrap();
        let mut c = store.read().await.unwrap();
        assert!(
            plans::get(&mut c, &sys, t.cell_b, Period::Year(2026))
                .await
                .unwrap()
                .is_none(),
            "nothing written when one plan is refused"
        );
        drop(c);
        assert!(audit::verify(&store).await.unwrap().ok());
    }
}

async fn user_with(store: &Store, name: &str, role: Role, orgs: &[i64]) -> i64 {
    let ctx = common::ctx(None);
    let mut tx = store.begin().await.unwrap();
    let id = users::create_user(&mut tx, &ctx, name, "Người dùng thử", "$argon2id$x", None)
        .await
        .unwrap();
    for &o in orgs {
        assert!(users::grant(&mut tx, &ctx, id, role, o).await.unwrap());
    }
    tx.commit().await.unwrap();
    id
}

#[tokio::test]
async fn plans_outside_the_scope_are_not_found_and_only_staff_may_write_them() {
    for store in common::stores().await {
        let t = tree(&store).await;
        let ctx = common::ctx(None);
        let staff = user_with(&store, "canbo.x1", Role::OrgStaff, &[t.commune]).await;
        let staff_scope = Scope::user(staff, Role::OrgStaff, None);
        let mut tx = store.begin().await.unwrap();
        plans::upsert(&mut tx, &ctx, &staff_scope, t.cell_a, &year_plan(1))
            .await
            .unwrap();
        let e = plans::upsert(&mut tx, &ctx, &staff_scope, t.other_commune, &year_plan(1))
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::NotFound(_)), "{e:?}");
        plans::upsert(
            &mut tx,
            &ctx,
            &Scope::system(),
            t.other_commune,
            &year_plan(3),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();

        let secretary = user_with(&store, "bithu.a", Role::CellSecretary, &[t.cell_a]).await;
        let sec_scope = Scope::user(secretary, Role::CellSecretary, None);
        let mut tx = store.begin().await.unwrap();
        let e = plans::upsert(&mut tx, &ctx, &sec_scope, t.cell_a, &year_plan(1))
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::Forbidden(_)), "{e:?}");
        drop(tx);

        let mut c = store.read().await.unwrap();
        assert!(
            plans::get(&mut c, &sec_scope, t.cell_a, Period::Year(2026))
                .await
                .unwrap()
                .is_some(),
            "{}",
            common::name(&store)
        );
        assert!(
            plans::get(&mut c, &staff_scope, t.other_commune, Period::Year(2026))
                .await
                .unwrap()
                .is_none(),
            "another commune's plan is out of scope"
        );
        let seen: Vec<String> = plans::children(&mut c, &sec_scope, t.commune, Period::Year(2026))
            .await
            .unwrap()
            .into_iter()
            .map(|k| k.code)
            .collect();
        assert_eq!(
            seen,
            ["P.D.X1.A"],
            "a secretary sees only their cell among the children"
        );
    }
}

#[tokio::test]
async fn a_user_is_created_with_a_valid_unique_username_and_the_audit_never_holds_the_hash() {
    for store in common::stores().await {
        tree(&store).await;
        let ctx = common::ctx(None);
        let mut tx = store.begin().await.unwrap();
        let id = users::create_user(
            &mut tx,
            &ctx,
            "  Nguyen.Van-An_01 ",
            "Nguyễn Văn An",
            "$argon2id$secret-hash",
            None,
        )
        .await
        .unwrap();
        for bad in ["ab", "tên-có-dấu", "has space", &"x".repeat(41), "a/b"] {
            let e = users::create_user(&mut tx, &ctx, bad, "X", "h", None)
                .await
                .unwrap_err();
            assert!(
                e.message_vi()
                    .starts_with("Tên đăng nhập phải dài từ 3 đến 40 ký tự"),
                "{bad}: {}",
                e.message_vi()
            );
        }
        let e = users::create_user(&mut tx, &ctx, "NGUYEN.VAN-AN_01", "Khác", "h", None)
            .await
            .unwrap_err();
        assert_eq!(
            e.message_vi(),
            "Tên đăng nhập “nguyen.van-an_01” đã được dùng; vui lòng chọn tên khác."
        );
        let e = users::create_user(&mut tx, &ctx, "nobody", "Ai đó", "h", Some(999_999))
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::Invalid { .. }), "{e:?}");
        let e = users::create_user(&mut tx, &ctx, "nohash", "Ai đó", " ", None)
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::Invalid { .. }), "{e:?}");
        users::set_password_hash(&mut tx, &ctx, id, "$argon2id$new-secret")
            .await
            .unwrap();
        users::set_api_token_hash(&mut tx, &ctx, id, Some("token-hash-1"))
            .await
            .unwrap();
        tx.commit().await.unwrap();

        let mut c = store.read().await.unwrap();
        let login = users::by_username(&mut c, "nguyen.van-an_01")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(login.user_id, id, "{}", common::name(&store));
        assert_eq!(login.password_hash, "$argon2id$new-secret");
        assert!(!login.disabled);
        assert!(
            !format!("{login:?}").contains("secret"),
            "Debug hides the hash"
        );
        assert_eq!(
            users::by_username(&mut c, "NGUYEN.VAN-AN_01")
                .await
                .unwrap()
                .map(|u| u.user_id),
            Some(id)
        );
        assert!(
            users::by_username(&mut c, "nobody")
                .await
                .unwrap()
                .is_none()
        );
        let by_token = users::by_api_token_hash(&mut c, "token-hash-1", ctx.today())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(by_token.display_name, "Nguyễn Văn An");
        // The token works through its last day (90 days), not after.
        let last = ctx.today().checked_add(jiff::Span::new().days(90)).unwrap();
        assert!(
            users::by_api_token_hash(&mut c, "token-hash-1", last)
                .await
                .unwrap()
                .is_some()
        );
        assert!(
            users::by_api_token_hash(&mut c, "token-hash-1", last.tomorrow().unwrap())
                .await
                .unwrap()
                .is_none(),
            "expired"
        );
        drop(c);

        let rows = audit_actions(&store).await;
        let user_rows: Vec<&(String, String)> = rows
            .iter()
            .filter(|(a, _)| a.starts_with("user."))
            .collect();
        let actions: Vec<&str> = user_rows.iter().map(|(a, _)| a.as_str()).collect();
        assert_eq!(
            actions,
            ["user.create", "user.password", "user.api_token_issue"]
        );
        let mut c = store.read().await.unwrap();
        let everything: Vec<(String,)> = fetch_all!(
            c.ex(),
            (String,),
            "SELECT action || ' ' || object_id || ' ' || detail FROM audit"
        )
        .unwrap();
        for (row,) in everything {
            for secret in ["secret", "token-hash", "nguyen", "Nguyễn"] {
                assert!(!row.contains(secret), "audit row leaks {secret}: {row}");
            }
        }
        assert!(audit::verify(&store).await.unwrap().ok());
    }
}

#[tokio::test]
async fn grants_and_revokes_shape_the_scopes_and_a_disabled_user_is_marked() {
    for store in common::stores().await {
        let t = tree(&store).await;
        let ctx = common::ctx(None);
        let id = user_with(
            &store,
            "phutrach",
            Role::CommitteeMemberInCharge,
            &[t.cell_b, t.cell_a],
        )
        .await;
        let mut tx = store.begin().await.unwrap();
        assert!(
            !users::grant(&mut tx, &ctx, id, Role::CommitteeMemberInCharge, t.cell_a)
                .await
                .unwrap(),
            "granting twice is a no-op"
        );
        assert!(
            users::grant(&mut tx, &ctx, id, Role::Viewer, t.commune)
                .await
                .unwrap()
        );
        tx.commit().await.unwrap();

        let mut c = store.read().await.unwrap();
        let scopes = users::scopes_of(&mut c, id).await.unwrap();
        let names: Vec<(Role, &str)> = scopes.iter().map(|(r, _, n)| (*r, n.as_str())).collect();
        assert_eq!(
            names,
            [
                (Role::CommitteeMemberInCharge, "Chi bộ thôn An Đông"),
                (Role::CommitteeMemberInCharge, "Chi bộ thôn Bình Tây"),
                (Role::Viewer, "Đảng ủy xã Tân An"),
            ],
            "{}",
            common::name(&store)
        );
        let a_pub = orgs::get_by_id(&mut c, t.cell_a).await.unwrap().pub_id;
        assert_eq!(scopes[0].1, a_pub);
        let in_charge = Scope::user(id, Role::CommitteeMemberInCharge, None);
        assert_eq!(
            orgs::scope_roots(&mut c, &in_charge).await.unwrap().len(),
            2
        );
        drop(c);

        let mut tx = store.begin().await.unwrap();
        assert!(
            users::revoke(&mut tx, &ctx, id, Role::CommitteeMemberInCharge, t.cell_b)
                .await
                .unwrap()
        );
        assert!(
            !users::revoke(&mut tx, &ctx, id, Role::CommitteeMemberInCharge, t.cell_b)
                .await
                .unwrap()
        );
        users::disable(&mut tx, &ctx, id).await.unwrap();
        tx.commit().await.unwrap();

        let mut c = store.read().await.unwrap();
        assert_eq!(users::scopes_of(&mut c, id).await.unwrap().len(), 2);
        let b = orgs::get_by_id(&mut c, t.cell_b).await.unwrap();
        assert!(matches!(
            orgs::get(&mut c, &in_charge, &b.pub_id).await,
            Err(StoreError::NotFound(_))
        ));
        assert!(users::by_id(&mut c, id).await.unwrap().unwrap().disabled);
        drop(c);
        let actions: Vec<String> = audit_actions(&store)
            .await
            .into_iter()
            .map(|(a, _)| a)
            .filter(|a| a.starts_with("user."))
            .collect();
        assert_eq!(
            actions,
            [
                "user.create",
                "user.grant",
                "user.grant",
                "user.grant",
                "user.revoke",
                "user.disable"
            ]
        );
        let mut tx = store.begin().await.unwrap();
        users::enable(&mut tx, &ctx, id).await.unwrap();
        let e = users::grant(&mut tx, &ctx, id, Role::Viewer, 999_999)
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::NotFound(_)));
        tx.commit().await.unwrap();
        let mut c = store.read().await.unwrap();
        assert!(!users::by_id(&mut c, id).await.unwrap().unwrap().disabled);
    }
}

#[tokio::test]
async fn an_admin_lists_the_users_of_their_subtree_by_keyset_pages_and_others_may_not() {
    for store in common::stores().await {
        let t = tree(&store).await;
        let admin = user_with(&store, "admin.x1", Role::Admin, &[t.commune]).await;
        user_with(&store, "bithu.a", Role::CellSecretary, &[t.cell_a]).await;
        user_with(&store, "bithu.b", Role::CellSecretary, &[t.cell_b]).await;
        user_with(&store, "canbo.x2", Role::OrgStaff, &[t.other_commune]).await;
        let both = user_with(
            &store,
            "huyen.xem",
            Role::Viewer,
            &[t.commune, t.other_commune],
        )
        .await;
        let district_admin = user_with(&store, "admin.huyen", Role::Admin, &[t.district]).await;

        let scope = Scope::user(admin, Role::Admin, None);
        let mut c = store.read().await.unwrap();
        let page = users::list(&mut c, &scope, None, 100).await.unwrap();
        let names: Vec<&str> = page.iter().map(|u| u.user.username.as_str()).collect();
        assert_eq!(
            names,
            ["admin.x1", "bithu.a", "bithu.b", "huyen.xem"],
            "{}",
            common::name(&store)
        );
        let viewer = page.iter().find(|u| u.user.user_id == both).unwrap();
        let orgs_seen: Vec<&str> = viewer.scopes.iter().map(|s| s.org_name.as_str()).collect();
        assert_eq!(
            orgs_seen,
            ["Đảng ủy xã Tân An"],
            "scopes outside the lister's subtrees are not shown"
        );

        let first = users::list(&mut c, &scope, None, 2).await.unwrap();
        let second = users::list(&mut c, &scope, Some(&first[1].user.username), 2)
            .await
            .unwrap();
        let paged: Vec<&str> = first
            .iter()
            .chain(&second)
            .map(|u| u.user.username.as_str())
            .collect();
        assert_eq!(paged, names);

        let all = users::list(
            &mut c,
            &Scope::user(district_admin, Role::Admin, None),
            None,
            100,
        )
        .await
        .unwrap();
        assert_eq!(all.len(), 6);

        let e = users::list(&mut c, &Scope::user(admin, Role::OrgStaff, None), None, 100)
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::Forbidden(_)));
    }
}

#[tokio::test]
async fn the_words_of_a_report_are_kept_per_org_and_period_in_scope_and_audited_without_the_text() {
    use ketnap_store::report_texts::{self, ReportText};
    for store in common::stores().await {
        let t = tree(&store).await;
        let ctx = common::ctx(None);
        let staff = user_with(&store, "canbo.words", Role::OrgStaff, &[t.commune]).await;
        let staff_scope = Scope::user(staff, Role::OrgStaff, None);
        let q4 = Period::quarter(2026, 4).unwrap();
        let text = ReportText {
            number: "25-BC/ĐU".into(),
            dated_on: Some(jiff::civil::date(2026, 12, 28)),
            results: "Kết nạp vượt chỉ tiêu quý.\nMở một lớp nhận thức.".into(),
            shortcomings: "Thẩm tra lý lịch còn chậm.".into(),
            tasks: "Hoàn thành thẩm tra trước Tết.".into(),
            recipients: vec!["Huyện ủy Sông Xanh (để báo cáo)".into(), "Lưu".into()],
            sign_for: "T/M ĐẢNG ỦY".into(),
            sign_title: "PHÓ BÍ THƯ".into(),
            signer: "Trần Văn Ký".into(),
        };
        let mut tx = store.begin().await.unwrap();
        report_texts::save(&mut tx, &ctx, &staff_scope, t.commune, &q4, &text)
            .await
            .unwrap();
        // Out of the scope: not found; a mentor-like role may not write.
        let e = report_texts::save(&mut tx, &ctx, &staff_scope, t.other_commune, &q4, &text)
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::NotFound(_)), "{e:?}");
        let viewer = Scope::user(staff, Role::Viewer, None);
        let e = report_texts::save(&mut tx, &ctx, &viewer, t.commune, &q4, &text)
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::Forbidden(_)), "{e:?}");
        // Too long: refused with a Vietnamese message.
        let long = ReportText {
            results: "x".repeat(report_texts::MAX_SECTION + 1),
            ..ReportText::default()
        };
        let e = report_texts::save(&mut tx, &ctx, &staff_scope, t.commune, &q4, &long)
            .await
            .unwrap_err();
        assert!(e.message_vi().contains("Kết quả đạt được"), "{e:?}");
        tx.commit().await.unwrap();

        let mut c = store.read().await.unwrap();
        let got = report_texts::get(&mut c, &staff_scope, t.commune, &q4)
            .await
            .unwrap();
        assert_eq!(got, text, "{}", common::name(&store));
        let other_period = report_texts::get(&mut c, &staff_scope, t.commune, &Period::Year(2026))
            .await
            .unwrap();
        assert!(other_period.is_empty(), "kept with the period");
        drop(c);

        // Saving again replaces the words (one row per org and period).
        let mut tx = store.begin().await.unwrap();
        let shorter = ReportText {
            results: "Đã sửa.".into(),
            ..text.clone()
        };
        report_texts::save(&mut tx, &ctx, &staff_scope, t.commune, &q4, &shorter)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let mut c = store.read().await.unwrap();
        let got = report_texts::get(&mut c, &Scope::system(), t.commune, &q4)
            .await
            .unwrap();
        assert_eq!(got.results, "Đã sửa.");
        let (n,): (i64,) = fetch_one!(c.ex(), (i64,), "SELECT COUNT(*) FROM report_text").unwrap();
        assert_eq!(n, 1);
        drop(c);
        let rows: Vec<(String, String)> = audit_actions(&store)
            .await
            .into_iter()
            .filter(|(a, _)| a == "report_text.save")
            .collect();
        assert_eq!(rows.len(), 2);
        assert!(
            rows.iter()
                .all(|(_, d)| !d.contains("Thẩm tra") && !d.contains("Trần Văn Ký")),
            "the audit holds which fields are filled, never the words"
        );
        assert!(audit::verify(&store).await.unwrap().ok());
    }
}

#[tokio::test]
async fn a_password_reset_or_a_disabled_account_ends_its_sessions_and_tokens_and_a_role_change_its_sessions()
 {
    for store in common::stores().await {
        let t = tree(&store).await;
        let ctx = common::ctx(None);
        let id = user_with(&store, "canbo.shut", Role::OrgStaff, &[t.commune]).await;
        let epoch = |store: &Store| {
            let store = store.clone();
            async move {
                let mut c = store.read().await.unwrap();
                users::by_id(&mut c, id)
                    .await
                    .unwrap()
                    .unwrap()
                    .session_epoch
            }
        };
        let mut tx = store.begin().await.unwrap();
        let until = ctx.today().checked_add(jiff::Span::new().days(30)).unwrap();
        users::issue_token(&mut tx, &ctx, id, "bao-cao", "hash-a", until)
            .await
            .unwrap();
        users::issue_token(&mut tx, &ctx, id, "dong-bo", "hash-b", until)
            .await
            .unwrap();
        // A token may not outlive the limit, nor carry an empty name.
        let far = ctx
            .today()
            .checked_add(jiff::Span::new().days(400))
            .unwrap();
        assert!(
            users::issue_token(&mut tx, &ctx, id, "xa", "hash-c", far)
                .await
                .is_err()
        );
        assert!(
            users::issue_token(&mut tx, &ctx, id, " ", "hash-c", until)
                .await
                .is_err()
        );
        tx.commit().await.unwrap();
        let before = epoch(&store).await;

        // A role change: the sessions end (the epoch rises); the tokens stay.
        let mut tx = store.begin().await.unwrap();
        users::grant(&mut tx, &ctx, id, Role::Viewer, t.district)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let after_grant = epoch(&store).await;
        assert!(after_grant > before, "{}", common::name(&store));
        let mut c = store.read().await.unwrap();
        assert!(
            users::by_api_token_hash(&mut c, "hash-a", ctx.today())
                .await
                .unwrap()
                .is_some()
        );
        drop(c);

        // One token revoked by name; the other still works.
        let mut tx = store.begin().await.unwrap();
        assert!(
            users::revoke_token(&mut tx, &ctx, id, "bao-cao")
                .await
                .unwrap()
        );
        assert!(
            !users::revoke_token(&mut tx, &ctx, id, "bao-cao")
                .await
                .unwrap()
        );
        tx.commit().await.unwrap();
        let mut c = store.read().await.unwrap();
        assert!(
            users::by_api_token_hash(&mut c, "hash-a", ctx.today())
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            users::by_api_token_hash(&mut c, "hash-b", ctx.today())
                .await
                .unwrap()
                .is_some()
        );
        let listed: Vec<(String, bool)> = users::tokens(&mut c, id)
            .await
            .unwrap()
            .into_iter()
            .map(|t| (t.name, t.revoked_at.is_some()))
            .collect();
        assert_eq!(listed.len(), 2);
        assert!(listed.contains(&("bao-cao".to_string(), true)));
        drop(c);

        // A password reset ends sessions and every token.
        let mut tx = store.begin().await.unwrap();
        users::set_password_hash(&mut tx, &ctx, id, "$argon2id$other")
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert!(epoch(&store).await > after_grant);
        let mut c = store.read().await.unwrap();
        assert!(
            users::by_api_token_hash(&mut c, "hash-b", ctx.today())
                .await
                .unwrap()
                .is_none(),
            "a reset revokes every token"
        );
        drop(c);

        // Disabling does the same.
        let mut tx = store.begin().await.unwrap();
        users::issue_token(&mut tx, &ctx, id, "moi", "hash-d", until)
            .await
            .unwrap();
        users::disable(&mut tx, &ctx, id).await.unwrap();
        tx.commit().await.unwrap();
        let mut c = store.read().await.unwrap();
        assert!(
            users::by_api_token_hash(&mut c, "hash-d", ctx.today())
                .await
                .unwrap()
                .is_none()
        );
        drop(c);
        assert!(audit::verify(&store).await.unwrap().ok());
    }
}

#[tokio::test]
async fn failed_logins_back_off_per_account_and_address_and_unlock_clears_the_account() {
    use ketnap_store::throttle;
    for store in common::stores().await {
        let keys = vec![
            throttle::account_key("TochUc"),
            throttle::address_key("10.0.0.9"),
        ];
        let t0 = 1_800_000_000;
        let mut c = store.read().await.unwrap();
        assert_eq!(throttle::wait_secs(&mut c, &keys, t0).await.unwrap(), 0);
        drop(c);
        for i in 0..5 {
            let mut tx = store.begin().await.unwrap();
            throttle::fail(&mut tx, &keys, t0 + i).await.unwrap();
            tx.commit().await.unwrap();
        }
        // Five failures, the last at t0+4: the wait is 2^(5-3) = 4 s from then.
        let mut c = store.read().await.unwrap();
        assert_eq!(
            throttle::wait_secs(&mut c, &keys, t0 + 4).await.unwrap(),
            4,
            "{}",
            common::name(&store)
        );
        assert_eq!(throttle::wait_secs(&mut c, &keys, t0 + 8).await.unwrap(), 0);
        drop(c);
        // The owner's unlock clears the account; the address keeps its count.
        let mut tx = store.begin().await.unwrap();
        assert!(
            throttle::clear(&mut tx, &throttle::account_key("tochuc"))
                .await
                .unwrap()
        );
        tx.commit().await.unwrap();
        let mut c = store.read().await.unwrap();
        assert_eq!(
            throttle::wait_secs(&mut c, &keys[..1], t0 + 4)
                .await
                .unwrap(),
            0
        );
        assert_eq!(
            throttle::wait_secs(&mut c, &keys[1..], t0 + 4)
                .await
                .unwrap(),
            4
        );
        // A quiet day forgets.
        assert_eq!(
            throttle::wait_secs(&mut c, &keys, t0 + throttle::FORGET_SECS + 10)
                .await
                .unwrap(),
            0
        );
    }
}

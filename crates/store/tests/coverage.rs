//! Conformance: coverage analytics (blank units, cells without a chi ủy or without sources, key
//! positions held by non-members) and the evaluation inputs of the annual ranking, on both
//! engines. Every list is checked at its boundary, every count per child against its list, and
//! every function against a scope that does not reach the organisation. All names are fictional.
#![allow(clippy::unwrap_used)]

use crate::common;
use crate::lifecycle_world;

use std::collections::BTreeSet;

use jiff::civil::{Date, date};
use ketnap_domain::RuleSet;
use ketnap_domain::alerts::AlertStatus;
use ketnap_domain::lifecycle::{Action, AnnulTarget, Authority, CommitteeTally, Stage, UnionKind};
use ketnap_domain::org::{BlankKind, ResidentialKind};
use ketnap_domain::person::PersonForm;
use ketnap_domain::plan::{Line, Period, Plan, SubGroup, SubTarget};
use ketnap_domain::rules::Count;
use ketnap_store::coverage::{self, KeyPositionKind};
use ketnap_store::members::{self, MemberStatus, NewMember};
use ketnap_store::orgs::{self, OrgEdit};
use ketnap_store::units::{self, NewResidentialUnit};
use ketnap_store::{Role, Scope, Store, StoreError, candidacies, people, plans, users};
use lifecycle_world::{Run, TODAY, World, ctx, tally};

const YEAR: i16 = 2026;

/// Given names for numbered fictional people.
const GIVEN: [&str; 8] = [
    "An", "Bình", "Cường", "Dũng", "Giang", "Hải", "Khánh", "Lâm",
];

/// A fictional person living in `unit` (a unit public id, or empty).
async fn person_in(store: &Store, name: &str, unit: &str) -> i64 {
    let form = PersonForm {
        full_name: name.into(),
        birth_date: "12/03/1980".into(),
        gender: "Nam".into(),
        ethnicity: "Kinh".into(),
        religion: "Không".into(),
        education: "12/12".into(),
        qualification: "Trung cấp".into(),
        theory_level: "Không".into(),
        source_category: "Khác".into(),
        residential_unit: unit.into(),
        ..PersonForm::default()
    };
    let p = form.parse(TODAY).unwrap();
    let mut tx = store.begin().await.unwrap();
    let id = people::insert(&mut tx, &ctx(), &p, None).await.unwrap();
    tx.commit().await.unwrap();
    id
}

/// A new member of `cell` living in `unit`; returns (person, member).
async fn member_in(
    store: &Store,
    name: &str,
    cell: i64,
    unit: &str,
    status: MemberStatus,
) -> (i64, i64) {
    let person_id = person_in(store, name, unit).await;
    let mut tx = store.begin().await.unwrap();
    let member_id = members::insert(
        &mut tx,
        &ctx(),
        NewMember {
            person_id,
            cell_id: cell,
            status,
            admitted_on: Some(date(2010, 3, 1)),
            official_on: (status == MemberStatus::Official).then_some(date(2011, 3, 1)),
            party_age_from: Some(date(2010, 3, 1)),
            candidacy_id: None,
            pub_id: None,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    (person_id, member_id)
}

/// A residential unit of `commune` covered by `cell`; returns (key, public id).
async fn unit(store: &Store, commune: i64, cell: Option<i64>, name: &str) -> (i64, String) {
    let mut tx = store.begin().await.unwrap();
    let id = units::create_residential_unit(
        &mut tx,
        &ctx(),
        &NewResidentialUnit {
            org_id: commune,
            cell_id: cell,
            kind: ResidentialKind::Thon,
            name: name.into(),
            pub_id: None,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let mut c = store.read().await.unwrap();
    let pub_id = units::list_residential_units(&mut c, &Scope::system(), commune)
        .await
        .unwrap()
        .into_iter()
        .find(|u| u.residential_unit_id == id)
        .unwrap()
        .pub_id;
    (id, pub_id)
}

/// A user holding `role` over `org`.
async fn user_over(store: &Store, username: &str, role: Role, org: i64) -> Scope {
    let mut tx = store.begin().await.unwrap();
    let id = users::create_user(
        &mut tx,
        &ctx(),
        username,
        username,
        "argon2-test-hash",
        None,
    )
    .await
    .unwrap();
    users::grant(&mut tx, &ctx(), id, role, org).await.unwrap();
    tx.commit().await.unwrap();
    Scope::user(id, role, None)
}

/// Every item of the five lists under `root`, read one small page at a time.
async fn all_lists(
    store: &Store,
    scope: &Scope,
    root: i64,
    year: i16,
    rules: &RuleSet,
) -> [Vec<String>; 5] {
    let mut c = store.read().await.unwrap();
    let mut no_member = Vec::new();
    let mut after = None;
    loop {
        let p = coverage::units_without_member(&mut c, scope, root, after, 2)
            .await
            .unwrap();
        assert!(p.items.len() <= 2);
        no_member.extend(p.items.into_iter().map(|u| u.name));
        match p.next {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    let mut no_cell = Vec::new();
    let mut after = None;
    loop {
        let p = coverage::units_without_cell(&mut c, scope, root, after, 2)
            .await
            .unwrap();
        no_cell.extend(p.items.into_iter().map(|u| u.name));
        match p.next {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    let mut no_committee = Vec::new();
    let mut after = None;
    loop {
        let p = coverage::cells_without_committee(&mut c, scope, root, rules, after, 2)
            .await
            .unwrap();
        no_committee.extend(p.items.into_iter().map(|u| u.name));
        match p.next {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    let mut no_sources = Vec::new();
    let mut after = None;
    loop {
        let p = coverage::cells_without_sources(&mut c, scope, root, year, rules, after, 2)
            .await
            .unwrap();
        no_sources.extend(p.items.into_iter().map(|u| u.name));
        match p.next {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    let mut held = Vec::new();
    let mut after = None;
    loop {
        let p = coverage::key_positions_held_by_non_members(&mut c, scope, root, after, 2)
            .await
            .unwrap();
        held.extend(
            p.items
                .into_iter()
                .map(|h| format!("{}/{}", h.unit_name, h.kind.code())),
        );
        match p.next {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    [no_member, no_cell, no_committee, no_sources, held]
}

fn as_array(c: &coverage::CoverageCounts) -> [i64; 5] {
    [
        c.units_without_member,
        c.units_without_cell,
        c.cells_without_committee,
        c.cells_without_sources,
        c.key_positions_held_by_non_members,
    ]
}

/// The counts of `parent` and of each child equal the lengths of the lists under them.
async fn counts_equal_lists(store: &Store, scope: &Scope, parent: i64, year: i16, rules: &RuleSet) {
    let engine = common::name(store);
    let mut c = store.read().await.unwrap();
    let by_child = coverage::counts_by_child(&mut c, scope, parent, year, rules)
        .await
        .unwrap();
    drop(c);
    let mut rows = vec![by_child.total.clone()];
    rows.extend(by_child.children.iter().cloned());
    let mut sum = [0i64; 5];
    for row in &rows {
        let lists = all_lists(store, scope, row.org_id, year, rules).await;
        let lengths = lists.each_ref().map(|l| i64::try_from(l.len()).unwrap());
        assert_eq!(
            as_array(&row.counts),
            lengths,
            "{engine}: counts of {} against its lists {lists:?}",
            row.code
        );
        if row.org_id != parent {
            for (s, n) in sum.iter_mut().zip(lengths) {
                *s += n;
            }
        }
    }
    // Cells sit under the children (units and key positions may hang on the parent itself).
    let total = as_array(&by_child.total.counts);
    assert_eq!(
        total[2..4],
        sum[2..4],
        "{engine}: cells add up over the children"
    );
}

// ---------------------------------------------------------------------------------------------
// Units
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_unit_with_exactly_one_member_is_covered_until_that_member_leaves() {
    for store in common::stores().await {
        let engine = common::name(&store);
        let w = World::new(store).await;
        let store = &w.store;
        let (_, dong) = unit(store, w.xa, Some(w.cb1), "Thôn Đông").await;
        let (_, giua) = unit(store, w.xa, Some(w.cb1), "Thôn Giữa").await;
        let (_, tay) = unit(store, w.xa, None, "Thôn Tây").await;
        let (_, _bai) = unit(store, w.xa, None, "Thôn Bãi").await;
        let (_, _ben) = unit(store, w.xa2, Some(w.cb3), "Thôn Bến").await;
        let (_, only) = member_in(store, "Lò Văn Một", w.cb1, &dong, MemberStatus::Official).await;
        member_in(store, "Lò Thị Hai", w.cb1, &tay, MemberStatus::Probationary).await;
        // Someone who is not a member living there does not cover a unit.
        person_in(store, "Lò Văn Ba", &giua).await;

        let rules = w.book.latest().clone();
        let [no_member, no_cell, ..] =
            all_lists(store, &Scope::system(), w.province, YEAR, &rules).await;
        // Ordered by the commune's code (T.TL before T.TP), then by creation.
        assert_eq!(no_member, ["Thôn Bến", "Thôn Giữa", "Thôn Bãi"], "{engine}");
        assert_eq!(no_cell, ["Thôn Tây", "Thôn Bãi"], "{engine}");
        let mut c = store.read().await.unwrap();
        let page = coverage::units_without_cell(&mut c, &Scope::system(), w.xa, None, 10)
            .await
            .unwrap();
        let kinds: Vec<(i64, BlankKind)> = page
            .items
            .iter()
            .map(|u| (u.members_living, u.blank))
            .collect();
        assert_eq!(
            kinds,
            [(1, BlankKind::NoCell), (0, BlankKind::NoMemberNoCell)],
            "{engine}"
        );
        assert!(page.next.is_none());
        drop(c);
        counts_equal_lists(store, &Scope::system(), w.province, YEAR, &rules).await;

        // The one member moves away: the unit falls blank (tái trắng).
        let mut tx = store.begin().await.unwrap();
        members::set_status(&mut tx, &ctx(), only, MemberStatus::TransferredOut, TODAY)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let [no_member, ..] = all_lists(store, &Scope::system(), w.xa, YEAR, &rules).await;
        assert_eq!(
            no_member,
            ["Thôn Đông", "Thôn Giữa", "Thôn Bãi"],
            "{engine}"
        );
        counts_equal_lists(store, &Scope::system(), w.province, YEAR, &rules).await;
        let mut c = store.read().await.unwrap();
        let counts = coverage::counts_by_child(&mut c, &Scope::system(), w.xa, YEAR, &rules)
            .await
            .unwrap();
        assert_eq!(
            counts.total.counts.units_without_member, 3,
            "{engine}: the commune's own units count in its total"
        );
        assert!(
            counts
                .children
                .iter()
                .all(|c| c.counts.units_without_member == 0),
            "{engine}: units belong to the commune, not to its cells"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Cells without a chi ủy
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_cell_needs_a_chi_uy_at_nine_official_members_not_eight_dieu_le_dieu_24() {
    // Điều lệ Đảng, Điều 24.4 (rule cell.committee_threshold): a cell with 9 official members or
    // more elects a chi ủy.
    for store in common::stores().await {
        let engine = common::name(&store);
        let w = World::new(store).await;
        let store = &w.store;
        for given in GIVEN {
            member_in(
                store,
                &format!("Hà Văn {given}"),
                w.cb2,
                "",
                MemberStatus::Official,
            )
            .await;
        }
        for given in &GIVEN[..3] {
            member_in(
                store,
                &format!("Hà Thị {given}"),
                w.cb2,
                "",
                MemberStatus::Probationary,
            )
            .await;
        }
        let rules = w.book.latest().clone();
        assert_eq!(rules.cell_committee_threshold.value, Count(9));
        let [.., no_committee, _, _] =
            all_lists(store, &Scope::system(), w.province, YEAR, &rules).await;
        assert!(
            no_committee.is_empty(),
            "{engine}: 8 official (and 3 probationary) members: no chi ủy needed"
        );
        // The threshold comes from the RuleSet: a deployment that sets 8 sees the cell.
        let mut eight = rules.clone();
        eight.cell_committee_threshold.value = Count(8);
        let [.., no_committee, _, _] =
            all_lists(store, &Scope::system(), w.province, YEAR, &eight).await;
        assert_eq!(no_committee, ["Chi bộ thôn Đoài"], "{engine}");

        member_in(store, "Hà Văn Chín", w.cb2, "", MemberStatus::Official).await;
        let mut c = store.read().await.unwrap();
        let page = coverage::cells_without_committee(
            &mut c,
            &Scope::system(),
            w.province,
            &rules,
            None,
            10,
        )
        .await
        .unwrap();
        let seen: Vec<(String, i64, i64)> = page
            .items
            .iter()
            .map(|c| (c.name.clone(), c.official, c.probationary))
            .collect();
        assert_eq!(seen, [("Chi bộ thôn Đoài".to_string(), 9, 3)], "{engine}");
        assert_eq!(
            page.items[0].committee,
            ketnap_domain::org::CellCommitteeStatus::Missing
        );
        assert_eq!(
            page.items[0].parent_name.as_deref(),
            Some("Đảng ủy xã Tân Phú")
        );
        drop(c);
        counts_equal_lists(store, &Scope::system(), w.province, YEAR, &rules).await;

        // A chi ủy is elected: the cell leaves the list.
        let mut tx = store.begin().await.unwrap();
        orgs::update(
            &mut tx,
            &ctx(),
            w.cb2,
            &OrgEdit {
                name: "Chi bộ thôn Đoài".into(),
                has_cell_committee: true,
                youth_union_exists: true,
                trade_union_instead: false,
            },
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let [.., no_committee, _, _] =
            all_lists(store, &Scope::system(), w.province, YEAR, &rules).await;
        assert!(no_committee.is_empty(), "{engine}");
        counts_equal_lists(store, &Scope::system(), w.province, YEAR, &rules).await;
    }
}

// ---------------------------------------------------------------------------------------------
// Cells without sources
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_cell_whose_only_source_was_opened_last_year_has_none_this_year_once_it_left_the_pipeline()
 {
    for store in common::stores().await {
        let engine = common::name(&store);
        let w = World::new(store).await;
        let rules = w.book.latest().clone();
        let last_year =
            lifecycle_world::person(&w.store, "Mai Văn Cũ", "03/03/1990", "Nam", "Kinh").await;
        let this_year =
            lifecycle_world::person(&w.store, "Mai Thị Mới", "04/04/1991", "Nữ", "Kinh").await;
        let [.., no_sources, _] =
            all_lists(&w.store, &Scope::system(), w.province, YEAR, &rules).await;
        assert_eq!(
            no_sources,
            ["Chi bộ thôn Bến", "Chi bộ thôn Đông", "Chi bộ thôn Đoài"],
            "{engine}: nobody anywhere yet (by code: T.TL.CB1, T.TP.CB1, T.TP.CB2)"
        );

        // Thôn Đông: listed as a source in December last year, still in the pipeline.
        let mut old = w
            .open(&w.staff_xa, last_year, w.cb1, date(2025, 12, 15))
            .await
            .unwrap();
        // Thôn Đoài: listed this year and withdrawn at once: the year still counts a source.
        let mut new = w
            .open(&w.staff_xa, this_year, w.cb2, date(2026, 2, 2))
            .await
            .unwrap();
        new.step(
            date(2026, 3, 2),
            Action::Withdraw {
                reason: "Chuyển đi làm ăn xa".into(),
            },
        )
        .await;
        let [.., no_sources, _] =
            all_lists(&w.store, &Scope::system(), w.province, YEAR, &rules).await;
        assert_eq!(no_sources, ["Chi bộ thôn Bến"], "{engine}");
        counts_equal_lists(&w.store, &Scope::system(), w.province, YEAR, &rules).await;

        // The source of last year withdraws this year: no source counted this year, none left.
        old.step(
            date(2026, 1, 12),
            Action::Withdraw {
                reason: "Không đủ điều kiện sức khỏe".into(),
            },
        )
        .await;
        let [.., no_sources, _] =
            all_lists(&w.store, &Scope::system(), w.province, YEAR, &rules).await;
        assert_eq!(
            no_sources,
            ["Chi bộ thôn Bến", "Chi bộ thôn Đông"],
            "{engine}"
        );
        // Last year Thôn Đông had its source, Thôn Đoài had none.
        let [.., no_sources, _] =
            all_lists(&w.store, &Scope::system(), w.province, 2025, &rules).await;
        assert_eq!(
            no_sources,
            ["Chi bộ thôn Bến", "Chi bộ thôn Đoài"],
            "{engine}"
        );
        counts_equal_lists(&w.store, &Scope::system(), w.province, YEAR, &rules).await;
        counts_equal_lists(&w.store, &Scope::system(), w.province, 2025, &rules).await;
    }
}

// ---------------------------------------------------------------------------------------------
// Key positions
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn key_positions_held_by_non_members_are_listed_and_a_member_who_left_is_a_non_member() {
    for store in common::stores().await {
        let engine = common::name(&store);
        let w = World::new(store).await;
        let store = &w.store;
        let rules = w.book.latest().clone();
        let (dong, dong_pub) = unit(store, w.xa, Some(w.cb1), "Thôn Đông").await;
        let (ben, ben_pub) = unit(store, w.xa2, Some(w.cb3), "Thôn Bến").await;
        let (head, _) = member_in(
            store,
            "Quàng Văn Trưởng",
            w.cb1,
            &dong_pub,
            MemberStatus::Official,
        )
        .await;
        let (former, former_member) = member_in(
            store,
            "Quàng Văn Cựu",
            w.cb1,
            &dong_pub,
            MemberStatus::Official,
        )
        .await;
        let militia = person_in(store, "Quàng Văn Dân", &dong_pub).await;
        let youth = person_in(store, "Quàng Thị Đoàn", &dong_pub).await;
        let ben_head = person_in(store, "Lường Văn Bến", &ben_pub).await;
        w.open(&w.staff_xa, youth, w.cb1, date(2026, 4, 1))
            .await
            .unwrap();
        let mut tx = store.begin().await.unwrap();
        members::set_status(
            &mut tx,
            &ctx(),
            former_member,
            MemberStatus::Removed,
            date(2026, 5, 5),
        )
        .await
        .unwrap();
        for (u, kind, person) in [
            (dong, KeyPositionKind::HamletHead, head),
            (dong, KeyPositionKind::FrontCommitteeHead, former),
            (dong, KeyPositionKind::MilitiaLeader, militia),
            (dong, KeyPositionKind::YouthUnionSecretary, youth),
            (ben, KeyPositionKind::HamletHead, ben_head),
        ] {
            coverage::set_key_position(&mut tx, &ctx(), &Scope::system(), u, kind, Some(person))
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();

        let mut c = store.read().await.unwrap();
        let page = coverage::key_positions_held_by_non_members(
            &mut c,
            &Scope::system(),
            w.province,
            None,
            50,
        )
        .await
        .unwrap();
        let seen: Vec<(String, KeyPositionKind, Option<String>, Option<Stage>)> = page
            .items
            .iter()
            .map(|h| {
                (
                    h.unit_name.clone(),
                    h.kind,
                    h.holder_name.clone(),
                    h.candidacy_stage,
                )
            })
            .collect();
        assert_eq!(
            seen,
            [
                (
                    "Thôn Bến".into(),
                    KeyPositionKind::HamletHead,
                    Some("Lường Văn Bến".into()),
                    None
                ),
                (
                    "Thôn Đông".into(),
                    KeyPositionKind::FrontCommitteeHead,
                    Some("Quàng Văn Cựu".into()),
                    None
                ),
                (
                    "Thôn Đông".into(),
                    KeyPositionKind::MilitiaLeader,
                    Some("Quàng Văn Dân".into()),
                    None
                ),
                (
                    "Thôn Đông".into(),
                    KeyPositionKind::YouthUnionSecretary,
                    Some("Quàng Thị Đoàn".into()),
                    Some(Stage::Source)
                ),
            ],
            "{engine}"
        );
        // A viewer sees the positions, never the names.
        let viewed =
            coverage::key_positions_held_by_non_members(&mut c, &w.viewer, w.province, None, 50)
                .await
                .unwrap();
        assert_eq!(viewed.items.len(), 4, "{engine}");
        assert!(viewed.items.iter().all(|h| h.holder_name.is_none()));
        let on_unit = coverage::unit_key_positions(&mut c, &w.staff_xa, dong)
            .await
            .unwrap();
        let flags: Vec<(KeyPositionKind, bool)> = on_unit
            .iter()
            .map(|k| (k.kind, k.holder_is_member))
            .collect();
        assert_eq!(
            flags,
            [
                (KeyPositionKind::HamletHead, true),
                (KeyPositionKind::FrontCommitteeHead, false),
                (KeyPositionKind::YouthUnionSecretary, false),
                (KeyPositionKind::MilitiaLeader, false),
            ],
            "{engine}"
        );
        drop(c);
        counts_equal_lists(store, &Scope::system(), w.province, YEAR, &rules).await;

        // Only organisation staff and administrators record holders, only in their scope.
        let mut tx = store.begin().await.unwrap();
        let e = coverage::set_key_position(
            &mut tx,
            &ctx(),
            &w.secretary_cb1,
            dong,
            KeyPositionKind::MilitiaLeader,
            None,
        )
        .await
        .unwrap_err();
        assert!(matches!(e, StoreError::Forbidden(_)), "{engine}: {e}");
        let e = coverage::set_key_position(
            &mut tx,
            &ctx(),
            &w.staff_xa,
            ben,
            KeyPositionKind::HamletHead,
            Some(head),
        )
        .await
        .unwrap_err();
        assert!(matches!(e, StoreError::NotFound(_)), "{engine}: {e}");
        // The militia leader's post falls vacant; a member becomes the youth secretary.
        coverage::set_key_position(
            &mut tx,
            &ctx(),
            &w.staff_xa,
            dong,
            KeyPositionKind::MilitiaLeader,
            None,
        )
        .await
        .unwrap();
        coverage::set_key_position(
            &mut tx,
            &ctx(),
            &w.staff_xa,
            dong,
            KeyPositionKind::YouthUnionSecretary,
            Some(head),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let [.., held] = all_lists(store, &Scope::system(), w.province, YEAR, &rules).await;
        assert_eq!(
            held,
            ["Thôn Bến/hamlet_head", "Thôn Đông/front_committee_head"],
            "{engine}"
        );
        counts_equal_lists(store, &Scope::system(), w.province, YEAR, &rules).await;
        let verified = ketnap_store::audit::verify(store).await.unwrap();
        assert!(verified.ok(), "{engine}: {verified:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// Scope
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn an_organisation_outside_the_scope_is_not_found_by_every_coverage_read() {
    for store in common::stores().await {
        let engine = common::name(&store);
        let w = World::new(store).await;
        let store = &w.store;
        let rules = w.book.latest().clone();
        let (ben, _) = unit(store, w.xa2, Some(w.cb3), "Thôn Bến").await;
        let staff_tl = user_over(store, "tochuc.tanlap", Role::OrgStaff, w.xa2).await;
        let mut c = store.read().await.unwrap();
        let nf = |r: std::result::Result<(), StoreError>, what: &str| {
            assert!(
                matches!(r, Err(StoreError::NotFound(_))),
                "{engine}: {what} outside the scope gave {r:?}"
            );
        };
        for root in [w.province, w.xa, w.cb1] {
            let s = &staff_tl;
            nf(
                coverage::units_without_member(&mut c, s, root, None, 10)
                    .await
                    .map(|_| ()),
                "units without member",
            );
            nf(
                coverage::units_without_cell(&mut c, s, root, None, 10)
                    .await
                    .map(|_| ()),
                "units without cell",
            );
            nf(
                coverage::cells_without_committee(&mut c, s, root, &rules, None, 10)
                    .await
                    .map(|_| ()),
                "cells without committee",
            );
            nf(
                coverage::cells_without_sources(&mut c, s, root, YEAR, &rules, None, 10)
                    .await
                    .map(|_| ()),
                "cells without sources",
            );
            nf(
                coverage::key_positions_held_by_non_members(&mut c, s, root, None, 10)
                    .await
                    .map(|_| ()),
                "key positions",
            );
            nf(
                coverage::counts_by_child(&mut c, s, root, YEAR, &rules)
                    .await
                    .map(|_| ()),
                "counts",
            );
            nf(
                coverage::evaluation(&mut c, s, root, 2025, &w.book, TODAY)
                    .await
                    .map(|_| ()),
                "evaluation",
            );
        }
        nf(
            coverage::unit_key_positions(&mut c, &w.staff_xa, ben)
                .await
                .map(|_| ()),
            "a unit's positions",
        );
        // Inside the scope the same reads answer.
        let own = coverage::counts_by_child(&mut c, &staff_tl, w.xa2, YEAR, &rules)
            .await
            .unwrap();
        assert_eq!(own.total.counts.units_without_member, 1, "{engine}");
        assert_eq!(
            own.children
                .iter()
                .map(|c| c.name.as_str())
                .collect::<Vec<_>>(),
            ["Chi bộ thôn Bến"]
        );
        assert_eq!(
            coverage::unit_key_positions(&mut c, &staff_tl, ben)
                .await
                .unwrap(),
            []
        );
        drop(c);
        counts_equal_lists(store, &staff_tl, w.xa2, YEAR, &rules).await;
    }
}

// ---------------------------------------------------------------------------------------------
// Evaluation inputs
// ---------------------------------------------------------------------------------------------

/// A candidate of cb1 listed on 06/01/2025 (source category: teacher).
async fn candidate<'a>(
    w: &'a World,
    name: &str,
    birth: &str,
    gender: &str,
    education: &str,
    youth: bool,
) -> Run<'a> {
    let form = PersonForm {
        full_name: name.into(),
        birth_date: birth.into(),
        gender: gender.into(),
        ethnicity: "Kinh".into(),
        religion: "Không".into(),
        education: education.into(),
        qualification: "Đại học".into(),
        theory_level: "Sơ cấp".into(),
        source_category: "Giáo viên".into(),
        youth_union_member: youth,
        ..PersonForm::default()
    };
    let p = form.parse(TODAY).unwrap();
    let mut tx = w.store.begin().await.unwrap();
    let id = people::insert(&mut tx, &ctx(), &p, None).await.unwrap();
    tx.commit().await.unwrap();
    w.open(&w.staff_xa, id, w.cb1, date(2025, 1, 6))
        .await
        .unwrap()
}

/// From the certified background (21/04/2025) to the ceremony (01/07/2025), with the Youth Union's
/// introduction first for a candidate of youth age (rule intro.youth_union).
async fn vote_and_admit(r: &mut Run<'_>, youth: bool) {
    if youth {
        r.step(
            date(2025, 4, 25),
            Action::RecordUnionIntroduction {
                union: UnionKind::YouthUnion,
                resolution_no: "07-NQ/ĐTN".into(),
                resolution_on: date(2025, 4, 25),
            },
        )
        .await;
    }
    r.step(
        date(2025, 5, 6),
        Action::CellVote {
            base_note: Some(lifecycle_world::STUB_ROSTER.into()),
            resolution_no: "05-NQ/CB".into(),
            tally: tally(9, 9, 7),
        },
    )
    .await;
    r.step(
        date(2025, 5, 20),
        Action::GrassrootsVote {
            resolution_no: "12-NQ/ĐU".into(),
            tally: CommitteeTally {
                members: 9,
                in_favour: 7,
            },
        },
    )
    .await;
    r.step(date(2025, 6, 16), decision(true)).await;
    r.step(
        date(2025, 7, 1),
        Action::HoldCeremony {
            late_approval: None,
        },
    )
    .await;
}

fn decision(approved: bool) -> Action {
    Action::AdmissionDecision {
        decision_no: "345-QĐ/ĐU".into(),
        approved,
        authority: Authority::SuperiorStandingCommittee,
        received_on: date(2025, 6, 18),
        superior_consent_on: None,
    }
}

#[tokio::test]
async fn evaluation_inputs_match_a_hand_counted_commune() {
    for store in common::stores().await {
        let engine = common::name(&store);
        let w = World::new(store).await;
        // A: a woman of 24, Youth Union member, upper-secondary school finished: admitted.
        let mut a = candidate(&w, "Cầm Thị An", "15/08/2000", "Nữ", "12/12", true).await;
        a.reach_cell_vote().await;
        vote_and_admit(&mut a, true).await;
        // B: a man of 40 with grade 9 of 12: admitted.
        let mut b = candidate(&w, "Cầm Văn Bảo", "10/01/1985", "Nam", "9/12", false).await;
        b.reach_cell_vote().await;
        vote_and_admit(&mut b, false).await;
        // C: refused by the competent committee: rejected.
        let mut c = candidate(&w, "Cầm Văn Chung", "10/01/1986", "Nam", "12/12", false).await;
        c.reach_decision().await;
        c.step(date(2025, 6, 16), decision(false)).await;
        // D: admitted, then the admission is annulled in September.
        let mut d = candidate(&w, "Cầm Văn Dũng", "10/01/1987", "Nam", "12/12", false).await;
        d.reach_probation().await;
        d.step(
            date(2025, 9, 2),
            Action::Annul {
                decision_no: "50-QĐ/HU".into(),
                reason: "Kết nạp sai quy trình".into(),
                target: AnnulTarget::Admission,
            },
        )
        .await;
        assert_eq!(d.stage().await, Stage::Annulled);

        // The commune's plan for 2025 and the start-of-year membership.
        let mut plan = Plan::new(Period::Year(2025));
        plan.sources = 8;
        plan.course_attendees = 4;
        plan.admissions = 4;
        plan.sub_targets
            .insert(SubGroup::Women, SubTarget::Share(5000));
        let mut tx = w.store.begin().await.unwrap();
        plans::upsert(&mut tx, &ctx(), &Scope::system(), w.xa, &plan)
            .await
            .unwrap();
        members::snapshot_start_of_year(&mut tx, &ctx(), 2025, date(2025, 1, 1))
            .await
            .unwrap();
        tx.commit().await.unwrap();

        let mut conn = w.store.read().await.unwrap();
        let ev = coverage::evaluation(&mut conn, &w.viewer, w.province, 2025, &w.book, TODAY)
            .await
            .unwrap();
        assert_eq!(
            (ev.year, ev.as_of, ev.org_code.as_str()),
            (2025, TODAY, "T")
        );
        let names: Vec<&str> = ev.rows.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(
            names,
            ["Đảng ủy xã Tân Lập", "Đảng ủy xã Tân Phú"],
            "{engine}"
        );
        let (tl, tp) = (&ev.rows[0], &ev.rows[1]);

        // Tân Phú: 2 admitted (A, B; D annulled) of a target of 4.
        assert!(tp.has_plan);
        assert_eq!(
            (tp.admissions.actual, tp.admissions.target),
            (2, 4),
            "{engine}"
        );
        assert_eq!(tp.admissions_pct, "50 %");
        let start = tp.start_of_year.unwrap();
        assert_eq!((start.official, start.probationary), (3, 1), "{engine}");
        assert_eq!(
            tp.admission_rate.unwrap().percent_vn().as_deref(),
            Some("50 %")
        );
        let line = |l: Line| {
            let r = tp.plan_vs_actual.line(&l).unwrap();
            (r.actual, r.achievement.pct_text())
        };
        assert_eq!(
            line(Line::Sources),
            (4, "50 %".into()),
            "{engine}: A, B, C, D listed"
        );
        assert_eq!(line(Line::CourseAttendees), (4, "100 %".into()), "{engine}");
        assert_eq!(line(Line::Admissions), (2, "50 %".into()), "{engine}");
        // Sub-groups against the admissions target (the seeds' convention): 1 of 4, 2 of 4.
        assert_eq!(
            line(Line::SubGroup(SubGroup::Women)),
            (1, "25 %".into()),
            "{engine}"
        );
        assert_eq!(
            tp.plan_vs_actual
                .line(&Line::SubGroup(SubGroup::Women))
                .unwrap()
                .sub_target,
            Some(2)
        );
        assert_eq!(
            line(Line::SubGroup(SubGroup::YouthUnion)),
            (1, "25 %".into()),
            "{engine}"
        );
        assert_eq!(
            line(Line::SubGroup(SubGroup::Teachers)),
            (2, "50 %".into()),
            "{engine}"
        );
        // Quality: A finished upper-secondary school, B did not; A was of youth age.
        assert_eq!(
            (tp.upper_secondary.part, tp.upper_secondary.whole),
            (1, 2),
            "{engine}"
        );
        assert_eq!((tp.youth_age.part, tp.youth_age.whole), (1, 2), "{engine}");
        assert_eq!(
            (tp.rejected, tp.removed, tp.annulled),
            (1, 0, 1),
            "{engine}"
        );

        // Overdue items as of today: the same alerts the alerts page shows.
        let alerts =
            candidacies::alerts_in_scope(&mut conn, &Scope::system(), &w.book, TODAY, 10_000)
                .await
                .unwrap();
        let overdue: Vec<_> = alerts
            .iter()
            .filter(|a| a.alert.status == AlertStatus::Overdue)
            .collect();
        let with_overdue: BTreeSet<&str> = overdue
            .iter()
            .map(|a| a.candidacy_pub_id.as_str())
            .collect();
        assert!(
            !overdue.is_empty(),
            "{engine}: A and B are past their recognition window"
        );
        assert_eq!(
            (tp.overdue_candidacies as usize, tp.overdue_items as usize),
            (with_overdue.len(), overdue.len()),
            "{engine}"
        );

        // Tân Lập: no plan, nothing done.
        assert!(!tl.has_plan);
        assert_eq!((tl.admissions.actual, tl.admissions_pct.as_str()), (0, "—"));
        assert_eq!(
            tl.admission_rate.unwrap().percent_vn().as_deref(),
            Some("0 %")
        );
        assert_eq!(
            (tl.upper_secondary.whole, tl.rejected, tl.overdue_items),
            (0, 0, 0)
        );

        // The export: the public ids and figures, never the internal keys.
        let json = serde_json::to_value(&ev).unwrap();
        assert_eq!(json["rows"][1]["admissions_pct"], "50 %");
        assert_eq!(json["rows"][1]["upper_secondary"]["part"], 1);
        assert!(json["rows"][1].get("org_id").is_none());

        // Another year has none of it.
        let ev = coverage::evaluation(
            &mut conn,
            &Scope::system(),
            w.province,
            2024,
            &w.book,
            TODAY,
        )
        .await
        .unwrap();
        assert!(
            ev.rows
                .iter()
                .all(|r| r.admissions.actual == 0 && !r.has_plan && r.rejected == 0)
        );
    }
}

// ---------------------------------------------------------------------------------------------
// The demo district
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn the_demo_district_has_key_positions_and_its_coverage_counts_equal_its_lists() {
    for store in common::stores().await {
        let engine = common::name(&store);
        let book = ketnap_domain::RuleBook::spec_default();
        let today: Date = date(2026, 11, 23);
        ketnap_store::demo::generate(
            &store,
            &book,
            ketnap_store::demo::DemoSize::scaled(0.05),
            7,
            today,
            &ketnap_store::demo::DemoUsers {
                password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".to_string(),
            },
        )
        .await
        .unwrap();
        let mut c = store.read().await.unwrap();
        let district = orgs::by_code(&mut c, "TG.HL").await.unwrap().org_id;
        let rules = book.latest().clone();
        let counts = coverage::counts_by_child(&mut c, &Scope::system(), district, YEAR, &rules)
            .await
            .unwrap();
        let (held,): (i64,) = ketnap_store::fetch_one!(
            c.ex(),
            (i64,),
            "SELECT CAST(COUNT(*) AS BIGINT) FROM key_position"
        )
        .unwrap();
        assert!(held > 0, "{engine}: the demo records key positions");
        assert!(
            counts.total.counts.key_positions_held_by_non_members > 0
                && counts.total.counts.key_positions_held_by_non_members < held,
            "{engine}: some, not all, held by non-members: {counts:?}"
        );
        assert!(
            counts.total.counts.units_without_cell > 0,
            "{engine}: the demo's blank units"
        );
        drop(c);
        counts_equal_lists(&store, &Scope::system(), district, YEAR, &rules).await;
        let ev = {
            let mut c = store.read().await.unwrap();
            coverage::evaluation(&mut c, &Scope::system(), district, YEAR, &book, today)
                .await
                .unwrap()
        };
        assert!(
            ev.rows.iter().all(|r| r.has_plan),
            "{engine}: the demo plans every organisation"
        );
        assert!(ev.rows.iter().any(|r| r.admissions.actual > 0), "{engine}");
    }
}

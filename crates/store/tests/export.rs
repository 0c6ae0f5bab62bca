//! The exporter's reads on both engines, over a small demo district: each list has the rows the
//! scoped list functions count, a cell secretary's export holds their cell only, a leader gets
//! no list of individuals, and the steps read from the events are in the order of the process.
#![allow(clippy::unwrap_used)]

use crate::common;

use jiff::civil::{Date, date};
use ketnap_domain::RuleBook;
use ketnap_domain::lifecycle::Stage;
use ketnap_store::candidacies::{self, ListFilter};
use ketnap_store::export::{self, CandidacyFilter, CandidacyLine, MemberLine};
use ketnap_store::members::{self, RosterFilter};
use ketnap_store::{Conn, Role, Scope, Store, StoreError, coverage, demo, fetch_one, orgs, users};

const TODAY: Date = date(2026, 11, 23);

async fn small(store: &Store) -> demo::DemoReport {
    demo::generate(
        store,
        &RuleBook::spec_default(),
        demo::DemoSize::scaled(0.05),
        7,
        TODAY,
        &demo::DemoUsers {
            password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".to_string(),
        },
    )
    .await
    .unwrap()
}

/// The scope a demo account acts in (its default role).
async fn scope_of(c: &mut Conn, username: &str, role: Role) -> Scope {
    let u = users::by_username(c, username).await.unwrap().unwrap();
    Scope::user(u.user_id, role, u.member_id)
}

async fn whole_roster(c: &mut Conn, scope: &Scope, root: i64) -> Vec<MemberLine> {
    let mut out = Vec::new();
    let mut after = None;
    loop {
        // A small page, so that the keyset is crossed several times.
        let page = export::roster(c, scope, root, RosterFilter::Active, after, 37)
            .await
            .unwrap();
        out.extend(page.items);
        match page.next {
            Some(n) => after = Some(n),
            None => return out,
        }
    }
}

async fn all_candidacies(c: &mut Conn, scope: &Scope, in_flight: bool) -> Vec<CandidacyLine> {
    let filter = CandidacyFilter {
        list: ListFilter::default(),
        in_flight,
    };
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let page = export::candidacies_page(c, scope, &filter, after)
            .await
            .unwrap();
        out.extend(page.items);
        match page.next {
            Some(n) => after = Some(n),
            None => return out,
        }
    }
}

async fn list_count(c: &mut Conn, scope: &Scope) -> usize {
    let mut n = 0;
    let mut after = None;
    loop {
        let page = candidacies::list(c, scope, &ListFilter::default(), after, 500)
            .await
            .unwrap();
        n += page.items.len();
        match page.next {
            Some(x) => after = Some(x),
            None => return n,
        }
    }
}

#[tokio::test]
async fn every_export_has_the_rows_the_scoped_lists_count() {
    for store in common::stores().await {
        let engine = common::name(&store);
        let report = small(&store).await;
        let mut c = store.read().await.unwrap();
        let system = Scope::system();
        let roots = orgs::scope_roots(&mut c, &system).await.unwrap();
        assert_eq!(roots.len(), 1, "{engine}");
        let root = roots[0].org_id;

        // The roster: every active member of the tree, each once, in (cell, name) order.
        let roster = whole_roster(&mut c, &system, root).await;
        let counts = members::counts(&mut c, &system, root).await.unwrap();
        assert_eq!(roster.len() as i64, counts.total(), "{engine}");
        assert_eq!(
            roster.len() as u64,
            report.official + report.probationary,
            "{engine}"
        );
        let mut ids: Vec<i64> = roster.iter().map(|m| m.member_id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), roster.len(), "{engine}: a member twice");
        assert!(
            roster
                .windows(2)
                .all(|w| (&w[0].cell_code, &w[0].name_key) <= (&w[1].cell_code, &w[1].name_key)),
            "{engine}: roster order"
        );
        assert!(
            roster.iter().all(|m| m.person.ethnicity.is_some()),
            "{engine}"
        );

        // Candidacies: the list page's rows, every one.
        let all = all_candidacies(&mut c, &system, false).await;
        assert_eq!(all.len(), list_count(&mut c, &system).await, "{engine}");
        assert_eq!(all.len() as u64, report.candidacies(), "{engine}");
        let flying = all_candidacies(&mut c, &system, true).await;
        let expected: u64 = report
            .by_stage
            .iter()
            .filter(|(s, _)| export::in_flight(**s))
            .map(|(_, n)| n)
            .sum();
        assert_eq!(flying.len() as u64, expected, "{engine}");
        assert!(
            flying.iter().all(|l| export::in_flight(l.stage)),
            "{engine}"
        );

        // Organisations, units, mass organisations: every open one, parents first.
        let tree = export::org_tree(&mut c, &system, root).await.unwrap();
        let (open,): (i64,) = fetch_one!(
            c.ex(),
            (i64,),
            "SELECT CAST(COUNT(*) AS BIGINT) FROM org WHERE closed_on IS NULL"
        )
        .unwrap();
        assert_eq!(tree.orgs.len() as i64, open, "{engine}");
        assert_eq!(
            tree.units.len() as u64,
            report.residential_units,
            "{engine}"
        );
        assert_eq!(tree.mass_orgs.len() as u64, report.mass_orgs, "{engine}");
        for (i, o) in tree.orgs.iter().enumerate() {
            if let Some(p) = &o.parent_code {
                let at = tree.orgs.iter().position(|x| &x.code == p);
                assert!(
                    at.is_some_and(|at| at < i),
                    "{engine}: {} before its parent",
                    o.code
                );
            }
        }

        // People holding posts without being members: as many posts as the coverage list.
        let holders = export::post_holders(&mut c, &system, root).await.unwrap();
        let posts: usize = holders.iter().map(|h| h.person.posts.len()).sum();
        let mut held = 0;
        let mut after = None;
        loop {
            let page =
                coverage::key_positions_held_by_non_members(&mut c, &system, root, after, 500)
                    .await
                    .unwrap();
            held += page.items.len();
            match page.next {
                Some(n) => after = Some(n),
                None => break,
            }
        }
        assert_eq!(posts, held, "{engine}");

        // Plans: every plan of the tree.
        let plans = export::plans(&mut c, &system, root, None, None)
            .await
            .unwrap();
        assert_eq!(plans.len() as u64, report.plans, "{engine}");
        let one = export::plans(&mut c, &system, root, None, Some(0))
            .await
            .unwrap();
        assert!(one.iter().all(|p| p.depth == 0), "{engine}");
    }
}

#[tokio::test]
async fn a_cell_secretarys_export_holds_only_their_cell() {
    for store in common::stores().await {
        let engine = common::name(&store);
        small(&store).await;
        let mut c = store.read().await.unwrap();
        let scope = scope_of(&mut c, "bithu", Role::CellSecretary).await;
        let roots = orgs::scope_roots(&mut c, &scope).await.unwrap();
        assert_eq!(roots.len(), 1, "{engine}");
        let cell = &roots[0];

        let roster = whole_roster(&mut c, &scope, cell.org_id).await;
        let page =
            members::list_by_cell(&mut c, &scope, cell.org_id, RosterFilter::Active, None, 500)
                .await
                .unwrap();
        assert!(!roster.is_empty(), "{engine}");
        assert_eq!(roster.len(), page.items.len(), "{engine}");
        assert!(roster.iter().all(|m| m.cell_code == cell.code), "{engine}");
        // Same rows, same order as the roster page.
        let names: Vec<&str> = roster.iter().map(|m| m.person.full_name.as_str()).collect();
        let page_names: Vec<&str> = page.items.iter().map(|m| m.full_name.as_str()).collect();
        assert_eq!(names, page_names, "{engine}");

        let lines = all_candidacies(&mut c, &scope, false).await;
        assert!(!lines.is_empty(), "{engine}");
        assert_eq!(lines.len(), list_count(&mut c, &scope).await, "{engine}");
        assert!(lines.iter().all(|l| l.cell_code == cell.code), "{engine}");

        // The commune above the cell is outside the scope.
        let parent = orgs::get_by_id(&mut c, cell.parent_id.unwrap())
            .await
            .unwrap();
        let err = export::roster(
            &mut c,
            &scope,
            parent.org_id,
            RosterFilter::Active,
            None,
            10,
        )
        .await
        .unwrap_err();
        assert!(matches!(err, StoreError::NotFound(_)), "{engine}: {err:?}");
        let err = export::org_tree(&mut c, &scope, parent.org_id)
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::NotFound(_)), "{engine}: {err:?}");
        let tree = export::org_tree(&mut c, &scope, cell.org_id).await.unwrap();
        assert_eq!(tree.orgs.len(), 1, "{engine}");
        assert_eq!(tree.orgs[0].code, cell.code, "{engine}");
    }
}

#[tokio::test]
async fn a_leader_who_sees_aggregates_only_gets_no_list_of_individuals() {
    for store in common::stores().await {
        let engine = common::name(&store);
        small(&store).await;
        let mut c = store.read().await.unwrap();
        let scope = scope_of(&mut c, "lanhdao", Role::Viewer).await;
        let root = orgs::scope_roots(&mut c, &scope).await.unwrap()[0].org_id;
        let err = export::roster(&mut c, &scope, root, RosterFilter::Active, None, 10)
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Forbidden(_)), "{engine}");
        let err = export::post_holders(&mut c, &scope, root)
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Forbidden(_)), "{engine}");
        let err = export::candidacies_page(&mut c, &scope, &CandidacyFilter::default(), None)
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Forbidden(_)), "{engine}");
        // Aggregates stay readable.
        assert!(
            !export::org_tree(&mut c, &scope, root)
                .await
                .unwrap()
                .orgs
                .is_empty(),
            "{engine}"
        );
    }
}

#[tokio::test]
async fn the_steps_of_a_candidacy_are_read_from_its_events_in_the_order_of_the_process() {
    for store in common::stores().await {
        let engine = common::name(&store);
        small(&store).await;
        let mut c = store.read().await.unwrap();
        let lines = all_candidacies(&mut c, &Scope::system(), true).await;
        let mut seen_vote = false;
        for l in &lines {
            let s = &l.steps;
            let source = s.source_on.unwrap();
            if l.stage >= Stage::Sympathizer {
                let (on, _) = s.sympathizer.clone().unwrap();
                assert!(on >= source, "{engine}: {}", l.pub_id);
                assert!(s.mentor.is_some(), "{engine}: {}", l.pub_id);
            }
            if l.stage >= Stage::Verification {
                assert!(s.verification_sent_on.is_some(), "{engine}: {}", l.pub_id);
            }
            if l.stage >= Stage::GrassrootsVote && l.stage <= Stage::AwaitingCeremony {
                let vote = s.cell_vote.clone().unwrap();
                assert!(
                    vote.4 <= vote.3 && vote.3 <= vote.2,
                    "{engine}: tally {vote:?}"
                );
                assert!(
                    vote.0 >= s.verification_on.unwrap(),
                    "{engine}: {}",
                    l.pub_id
                );
                assert!(!s.introducers.is_empty(), "{engine}: {}", l.pub_id);
                seen_vote = true;
            }
            if l.stage == Stage::AwaitingCeremony {
                let (_, on, received) = s.decision.clone().unwrap();
                assert!(received >= on, "{engine}");
                assert!(s.ceremony_on.is_none(), "{engine}");
            }
        }
        assert!(seen_vote, "{engine}: no candidacy past the cell vote");
    }
}

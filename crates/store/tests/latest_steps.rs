//! The dashboard's latest steps (`history::latest_events`), written for the scope given (issue 19),
//! are for every demo account the latest steps of exactly the candidacies its list shows. Both
//! engines.
#![allow(clippy::unwrap_used)]

use crate::common;

use std::collections::BTreeSet;

use jiff::civil::{Date, date};
use ketnap_domain::RuleBook;
use ketnap_store::candidacies::{self, ListFilter};
use ketnap_store::demo::{self, DemoSize, DemoUsers};
use ketnap_store::{Role, Scope, fetch_all, history};

const TODAY: Date = date(2026, 11, 23);

#[tokio::test]
async fn each_account_sees_the_latest_steps_of_the_candidacies_it_lists() {
    for store in common::stores().await {
        demo::generate(
            &store,
            &RuleBook::spec_default(),
            DemoSize::scaled(0.05),
            3,
            TODAY,
            &DemoUsers {
                password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".to_string(),
            },
        )
        .await
        .unwrap();
        let mut conn = store.read().await.unwrap();
        let users: Vec<(i64, String, Option<i64>)> = fetch_all!(
            conn.ex(),
            (i64, String, Option<i64>),
            "SELECT DISTINCT us.user_id, us.role, u.member_id FROM user_scope us \
             JOIN app_user u ON u.user_id = us.user_id ORDER BY us.user_id, us.role"
        )
        .unwrap();
        // Every step, newest first: (candidacy public id, date).
        let steps: Vec<(String, jiff_sqlx::Date)> = fetch_all!(
            conn.ex(),
            (String, jiff_sqlx::Date),
            "SELECT c.pub_id, e.on_date FROM candidacy_event e \
             JOIN candidacy c ON c.candidacy_id = e.candidacy_id ORDER BY e.event_id DESC"
        )
        .unwrap();
        let mut scopes = vec![Scope::system()];
        for (user, role, member) in users {
            let role = Role::from_code(&role).unwrap();
            if role.sees_individuals() {
                scopes.push(Scope::user(user, role, member));
            }
        }
        assert!(scopes.len() >= 5);
        for scope in &scopes {
            // What the list shows, every page.
            let mut listed = BTreeSet::new();
            let mut after = None;
            loop {
                let page = candidacies::list(&mut conn, scope, &ListFilter::default(), after, 100)
                    .await
                    .unwrap();
                listed.extend(page.items.iter().map(|r| r.pub_id.clone()));
                match page.next {
                    Some(n) => after = Some(n),
                    None => break,
                }
            }
            let want: Vec<(String, Date)> = steps
                .iter()
                .filter(|(id, _)| listed.contains(id))
                .take(10)
                .map(|(id, on)| (id.clone(), on.to_jiff()))
                .collect();
            let got: Vec<(String, Date)> = history::latest_events(&mut conn, scope, 10)
                .await
                .unwrap()
                .into_iter()
                .map(|e| (e.candidacy_pub_id, e.on))
                .collect();
            assert_eq!(got, want, "{} {:?}", common::name(&store), scope.role);
        }
    }
}

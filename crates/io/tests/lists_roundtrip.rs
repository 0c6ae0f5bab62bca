//! An export imports back unchanged: every list of a small demo district, exported, imported into
//! an empty database in the order an office brings them, and exported again, gives the same
//! files.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use jiff::civil::date;
use ketnap_domain::RuleBook;
use ketnap_io::import::{self, Kind, Options};
use ketnap_io::lists::{self, Format, Table};
use ketnap_store::export;
use ketnap_store::members::{self, RosterFilter};
use ketnap_store::{Scope, Store, WriteCtx, demo, orgs};

async fn store(dir: &tempfile::TempDir, name: &str) -> Store {
    let path = dir.path().join(name);
    let store = Store::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    store.migrate().await.unwrap();
    store
}

fn ctx() -> WriteCtx {
    WriteCtx::new(None, "2026-11-23T03:00:00Z".parse().unwrap())
}

/// Every member gets a party-card number (offices name mentors and introducers by it).
async fn number_cards(store: &Store) {
    let mut c = store.read().await.unwrap();
    let root = orgs::scope_roots(&mut c, &Scope::system()).await.unwrap()[0].org_id;
    let mut ids = Vec::new();
    let mut after = None;
    loop {
        let page = export::roster(
            &mut c,
            &Scope::system(),
            root,
            RosterFilter::All,
            after,
            5000,
        )
        .await
        .unwrap();
        ids.extend(page.items.iter().map(|m| m.member_id));
        match page.next {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    drop(c);
    let mut tx = store.begin().await.unwrap();
    for id in ids {
        members::set_card_no(&mut tx, id, &format!("{:08}", 10_000_000 + id))
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
}

async fn export_all(store: &Store) -> Vec<(Kind, Table)> {
    let mut c = store.read().await.unwrap();
    let mut out = Vec::new();
    for kind in Kind::ALL {
        out.push((
            kind,
            lists::export_all(&mut c, &Scope::system(), kind)
                .await
                .unwrap(),
        ));
    }
    out
}

#[tokio::test]
async fn an_export_imported_into_an_empty_database_exports_the_same_files() {
    let dir = tempfile::tempdir().unwrap();
    let book = RuleBook::spec_default();
    let first = store(&dir, "a.db").await;
    demo::generate(
        &first,
        &book,
        demo::DemoSize::scaled(0.05),
        7,
        date(2026, 11, 23),
        &demo::DemoUsers {
            password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".to_string(),
        },
    )
    .await
    .unwrap();
    number_cards(&first).await;
    let before = export_all(&first).await;
    for (kind, (headers, rows)) in &before {
        assert_eq!(*headers, import::columns::headings(*kind), "{kind:?}");
        assert!(
            !rows.is_empty() || *kind == Kind::Mentors,
            "{kind:?}: nothing exported"
        );
    }

    let second = store(&dir, "b.db").await;
    for (kind, (headers, rows)) in &before {
        if rows.is_empty() {
            continue;
        }
        let bytes = lists::to_file(headers, rows, Format::Xlsx).unwrap();
        let options = Options {
            dry_run: false,
            file_name: lists::file_name(kind.label_vi(), None, Format::Xlsx),
            limits: Default::default(),
        };
        let outcome = import::import(
            &second,
            &book,
            &Scope::system(),
            &ctx(),
            *kind,
            &bytes,
            &options,
            &|_, _| {},
        )
        .await
        .unwrap();
        let first_problems: Vec<String> = outcome
            .problems
            .iter()
            .take(10)
            .map(|p| format!("line {} {:?}: {}", p.line, p.column, p.message_vi))
            .collect();
        assert!(
            outcome.committed,
            "{kind:?}: {} problems, first: {first_problems:#?}",
            outcome.problems.len()
        );
    }

    let after = export_all(&second).await;
    for ((kind, a), (_, b)) in before.iter().zip(&after) {
        assert_eq!(a.0, b.0, "{kind:?}");
        assert_eq!(a.1.len(), b.1.len(), "{kind:?}: row count");
        for (x, y) in a.1.iter().zip(&b.1) {
            assert_eq!(x, y, "{kind:?}");
        }
    }
}

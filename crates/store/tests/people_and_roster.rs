//! Conformance: people (folded search, Vietnamese name order, keyset paging, scopes), the roster
//! (status changes, moves, subtree counts, start-of-year snapshots, the chi ủy check), residential
//! units and mass organisations. Every name and number here is fictional.
#![allow(clippy::unwrap_used)]

use crate::common;

use jiff::civil::{Date, date};
use ketnap_domain::RuleBook;
use ketnap_domain::org::{BlankKind, CellKind, GrassrootsKind, OrgKind, ResidentialKind};
use ketnap_domain::person::{Person, PersonForm, UnitRef};
use ketnap_domain::text::{self, NameCollator};
use ketnap_store::members::{self, MemberStatus, NewMember, RosterCounts, RosterFilter};
use ketnap_store::orgs::{self, NewOrg};
use ketnap_store::people::{self, DUPLICATE_ID_NUMBER_VI};
use ketnap_store::units::{self, MassOrgKind, NewMassOrg, NewResidentialUnit};
use ketnap_store::{PubId, Role, Scope, Store, StoreError, exec, fetch_one, ts};

const TODAY: Date = date(2026, 11, 23);

struct Tree {
    prov: i64,
    xa_a: i64,
    cell_a1: i64,
    cell_a2: i64,
    xa_b: i64,
    cell_b1: i64,
}

async fn tree(store: &Store) -> Tree {
    let ctx = common::ctx(None);
    let mut tx = store.begin().await.unwrap();
    let org = |code: &'static str, name: &'static str, kind: OrgKind, parent: Option<i64>| {
        NewOrg::new(code, name, kind, parent)
    };
    let prov = orgs::create(
        &mut tx,
        &ctx,
        &org("P", "Tỉnh ủy Thử Nghiệm", OrgKind::Provincial, None),
    )
    .await
    .unwrap();
    let commune = OrgKind::Grassroots(GrassrootsKind::Commune);
    let cell = OrgKind::Cell(CellKind::Residential);
    let xa_a = orgs::create(
        &mut tx,
        &ctx,
        &org("P.A", "Đảng ủy xã Tân Phú", commune, Some(prov)),
    )
    .await
    .unwrap();
    let cell_a1 = orgs::create(
        &mut tx,
        &ctx,
        &org("P.A.1", "Chi bộ thôn Đông", cell, Some(xa_a)),
    )
    .await
    .unwrap();
    let cell_a2 = orgs::create(
        &mut tx,
        &ctx,
        &org("P.A.2", "Chi bộ thôn Tây", cell, Some(xa_a)),
    )
    .await
    .unwrap();
    let xa_b = orgs::create(
        &mut tx,
        &ctx,
        &org("P.B", "Đảng ủy xã Hòa Lạc", commune, Some(prov)),
    )
    .await
    .unwrap();
    let cell_b1 = orgs::create(
        &mut tx,
        &ctx,
        &org("P.B.1", "Chi bộ thôn Bắc", cell, Some(xa_b)),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    Tree {
        prov,
        xa_a,
        cell_a1,
        cell_a2,
        xa_b,
        cell_b1,
    }
}

fn form(name: &str) -> PersonForm {
    PersonForm {
        full_name: name.into(),
        birth_date: "20/05/2000".into(),
        gender: "Nam".into(),
        ethnicity: "Kinh".into(),
        religion: "Không".into(),
        education: "12/12".into(),
        qualification: "Đại học".into(),
        theory_level: "Không".into(),
        source_category: "Đoàn viên thanh niên".into(),
        id_number: String::new(),
        youth_union_member: true,
        trade_union_member: false,
        residential_unit: String::new(),
    }
}

fn person(name: &str) -> Person {
    form(name).parse(TODAY).unwrap()
}

/// A person on the roster of `cell`; returns (person_id, member_id).
async fn add_member(
    store: &Store,
    cell: i64,
    name: &str,
    status: MemberStatus,
    admitted_on: Date,
) -> (i64, i64) {
    let ctx = common::ctx(None);
    let mut tx = store.begin().await.unwrap();
    let person_id = people::insert(&mut tx, &ctx, &person(name), None)
        .await
        .unwrap();
    let official_on = (status == MemberStatus::Official)
        .then(|| admitted_on.saturating_add(jiff::Span::new().years(1)));
    let member_id = members::insert(
        &mut tx,
        &ctx,
        NewMember {
            person_id,
            cell_id: cell,
            status,
            admitted_on: Some(admitted_on),
            official_on,
            party_age_from: official_on.map(|_| admitted_on),
            candidacy_id: None,
            pub_id: None,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    (person_id, member_id)
}

/// A user holding `role` over `org`.
async fn user_over(store: &Store, username: &str, role: Role, org: i64) -> Scope {
    let mut tx = store.begin().await.unwrap();
    let (user_id,): (i64,) = fetch_one!(
        tx.ex(),
        (i64,),
        "INSERT INTO app_user (pub_id, username, display_name, password_hash, created_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING user_id",
        PubId::generate().as_str(),
        username,
        "Người dùng thử",
        "x",
        ts(common::ctx(None).now)
    )
    .unwrap();
    exec!(
        tx.ex(),
        "INSERT INTO user_scope (user_id, role, org_id) VALUES ($1, $2, $3)",
        user_id,
        role.code(),
        org
    )
    .unwrap();
    tx.commit().await.unwrap();
    Scope::user(user_id, role, None)
}

/// Every page of a search, concatenated.
async fn search_all(store: &Store, scope: &Scope, query: &str, page: i64) -> Vec<(String, i64)> {
    let mut conn = store.read().await.unwrap();
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let p = people::search(&mut conn, scope, query, after, page)
            .await
            .unwrap();
        assert!(p.items.len() <= usize::try_from(page).unwrap());
        out.extend(p.items.iter().map(|h| (h.full_name.clone(), h.person_id)));
        match p.next {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    out
}

// ---- fictional names covering every Vietnamese diacritic ------------------------------------

const BREVE: char = '\u{0306}';
const CIRCUMFLEX: char = '\u{0302}';
const HORN: char = '\u{031B}';
/// Huyền, sắc, hỏi, ngã, nặng as combining marks.
const TONES: [char; 5] = ['\u{0300}', '\u{0301}', '\u{0309}', '\u{0303}', '\u{0323}'];
/// ă â ê ô ơ ư as base letter + combining modifier.
const VOWELS: [(char, char); 6] = [
    ('a', BREVE),
    ('a', CIRCUMFLEX),
    ('e', CIRCUMFLEX),
    ('o', CIRCUMFLEX),
    ('o', HORN),
    ('u', HORN),
];
const INITIALS: [&str; 5] = ["Đ", "L", "Kh", "Th", "Ng"];
const FINALS: [&str; 6] = ["c", "n", "m", "t", "ng", "p"];
const FAMILIES: [&str; 6] = ["Đặng", "Nguyễn", "Trần", "Lê", "Phạm", "Đỗ"];
const MIDDLES: [&str; 5] = ["Văn", "Thị", "Hữu", "Ngọc", "Đình"];

/// Fictional full names, every one of ă â ê ô ơ ư with each of the five tone marks in the given
/// name, some in capitals; each returned as the text to type (NFD for even `i`, NFC for odd).
fn generated_names() -> Vec<String> {
    let mut names = Vec::new();
    let mut i = 0usize;
    for (base, modifier) in VOWELS {
        for tone in TONES {
            let initial = INITIALS[i % INITIALS.len()];
            // Decomposed: base, modifier, tone (the normalizers put them in canonical order).
            let given: String = format!(
                "{initial}{base}{modifier}{tone}{}",
                FINALS[i % FINALS.len()]
            );
            let family = FAMILIES[i % FAMILIES.len()];
            let middle = MIDDLES[(i / 2) % MIDDLES.len()];
            let mut nfd = decompose(&format!("{family} {middle} {given}"));
            if i.is_multiple_of(3) {
                nfd = nfd.to_uppercase();
            }
            let typed = if i.is_multiple_of(2) {
                nfd
            } else {
                // NFC: what FullName stores.
                ketnap_domain::person::FullName::parse(&nfd)
                    .unwrap()
                    .as_str()
                    .to_string()
            };
            names.push(typed);
            i += 1;
        }
    }
    names.push("Nguyễn Văn Đức".to_string());
    names.push("Lê Minh Dục".to_string());
    names.push("Trần Đức Anh".to_string());
    names
}

/// A crude NFD for the precomposed letters used in the fixed parts of the names above (enough to
/// type them decomposed; FullName::parse composes them back).
fn decompose(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        match c {
            'ặ' => out.push_str("a\u{0306}\u{0323}"),
            'ễ' => out.push_str("e\u{0302}\u{0303}"),
            'ầ' => out.push_str("a\u{0302}\u{0300}"),
            'ỗ' => out.push_str("o\u{0302}\u{0303}"),
            'ă' => out.push_str("a\u{0306}"),
            'ữ' => out.push_str("u\u{031B}\u{0303}"),
            'ọ' => out.push_str("o\u{0323}"),
            'ị' => out.push_str("i\u{0323}"),
            'ạ' => out.push_str("a\u{0323}"),
            'ê' => out.push_str("e\u{0302}"),
            'ì' => out.push_str("i\u{0300}"),
            'Đ' | 'đ' => out.push(c),
            other => out.push(other),
        }
    }
    out
}

fn has_combining(s: &str) -> bool {
    s.chars().any(|c| ('\u{0300}'..='\u{036F}').contains(&c))
}

#[tokio::test]
async fn folded_search_finds_every_diacritic_identically_on_both_engines_in_vietnamese_name_order()
{
    let names = generated_names();
    let mut queries: Vec<String> = vec![
        "nguyen van duc".into(),
        "DUC".into(),
        "đức".into(),
        "Đ\u{0075}\u{031B}\u{0301}c".into(), // "Đức" typed decomposed
        "NGUYỄN VĂN ĐỨC".into(),
        "van d".into(),
        "duc nguyen".into(),
        "".into(),
    ];
    for n in &names {
        let given = n.rsplit(' ').next().unwrap().to_string();
        queries.push(given.clone());
        queries.push(text::fold(&given));
        queries.push(decompose(&given).to_lowercase());
    }
    let mut per_engine: Vec<Vec<Vec<String>>> = Vec::new();
    for store in common::stores().await {
        let engine = common::name(&store);
        let tree = tree(&store).await;
        let mut stored = Vec::new();
        for (i, n) in names.iter().enumerate() {
            let cell = if i.is_multiple_of(2) {
                tree.cell_a1
            } else {
                tree.cell_b1
            };
            let (person_id, _) =
                add_member(&store, cell, n, MemberStatus::Official, date(2020, 1, 1)).await;
            let nfc = ketnap_domain::person::FullName::parse(n).unwrap();
            stored.push((nfc.as_str().to_string(), person_id));
        }
        // The folded column is lowercase whatever case was typed.
        let mut conn = store.read().await.unwrap();
        let (decomposed,): (i64,) = fetch_one!(
            conn.ex(),
            (i64,),
            "SELECT COUNT(*) FROM person WHERE search_text <> LOWER(search_text)"
        )
        .unwrap();
        assert_eq!(decomposed, 0, "{engine}");
        drop(conn);
        let collator = NameCollator::shared();
        let mut results = Vec::new();
        for q in &queries {
            let got = search_all(&store, &Scope::system(), q, 500).await;
            let mut expected: Vec<(String, i64)> = stored
                .iter()
                .filter(|(n, _)| text::matches(&text::fold(n), q))
                .cloned()
                .collect();
            expected.sort_by(|a, b| collator.compare_names(&a.0, &b.0).then(a.1.cmp(&b.1)));
            assert_eq!(got, expected, "{engine}: query {q:?}");
            assert!(got.iter().all(|(n, _)| !has_combining(n)), "{engine}: NFC");
            results.push(got.into_iter().map(|(n, _)| n).collect::<Vec<_>>());
        }
        let duc = "Nguyễn Văn Đức".to_string();
        for (q, r) in queries.iter().zip(&results).take(5) {
            assert!(r.contains(&duc), "{engine}: {q:?} finds Nguyễn Văn Đức");
        }
        assert_eq!(
            results[7].len(),
            names.len(),
            "{engine}: an empty query lists everyone"
        );
        // Given name first: "Trần Đức Anh" (Anh) comes before "Nguyễn Văn Đức" (Đức).
        let all = &results[7];
        let pos = |n: &str| all.iter().position(|x| x == n).unwrap();
        assert!(pos("Trần Đức Anh") < pos("Nguyễn Văn Đức"), "{engine}");
        assert!(
            pos("Lê Minh Dục") < pos("Nguyễn Văn Đức"),
            "{engine}: d < đ"
        );
        per_engine.push(results);
    }
    for other in per_engine.iter().skip(1) {
        assert_eq!(other, &per_engine[0], "SQLite and PostgreSQL agree");
    }
}

#[tokio::test]
async fn keyset_paging_returns_every_row_exactly_once_in_order() {
    for store in common::stores().await {
        let engine = common::name(&store);
        let tree = tree(&store).await;
        // Several people share a given name and some the whole name: ties break on the id.
        let given = ["An", "Ánh", "Bình", "Cường", "Dũng", "Đạt", "Hà", "Hải"];
        let families = ["Nguyễn", "Trần", "Lê"];
        for (i, g) in given.iter().enumerate() {
            for f in families {
                let name = format!("{f} Văn {g}");
                add_member(
                    &store,
                    tree.cell_a1,
                    &name,
                    MemberStatus::Official,
                    date(2019, 3, 1),
                )
                .await;
                if i.is_multiple_of(3) {
                    add_member(
                        &store,
                        tree.cell_a2,
                        &name,
                        MemberStatus::Probationary,
                        date(2025, 3, 1),
                    )
                    .await;
                }
            }
        }
        let whole = search_all(&store, &Scope::system(), "van", 500).await;
        assert_eq!(whole.len(), 8 * 3 + 3 * 3, "{engine}");
        for size in [1, 2, 3, 7] {
            let paged = search_all(&store, &Scope::system(), "van", size).await;
            assert_eq!(paged, whole, "{engine}: page size {size}");
        }
        let mut ids: Vec<i64> = whole.iter().map(|(_, id)| *id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), whole.len(), "{engine}: no row twice");
        // The roster pages the same way.
        let mut conn = store.read().await.unwrap();
        let mut after = None;
        let mut roster = Vec::new();
        loop {
            let p = members::list_by_cell(
                &mut conn,
                &Scope::system(),
                tree.cell_a1,
                RosterFilter::Active,
                after,
                4,
            )
            .await
            .unwrap();
            roster.extend(p.items.into_iter().map(|e| e.full_name));
            match p.next {
                Some(n) => after = Some(n),
                None => break,
            }
        }
        assert_eq!(roster.len(), 24, "{engine}");
        let mut sorted = roster.clone();
        NameCollator::shared().sort_names(&mut sorted, |s| s.as_str());
        assert_eq!(roster, sorted, "{engine}: roster in Vietnamese order");
    }
}

#[tokio::test]
async fn a_scoped_search_never_returns_a_person_from_another_subtree_and_a_viewer_gets_no_rows() {
    for store in common::stores().await {
        let engine = common::name(&store);
        let tree = tree(&store).await;
        let (a_person, _) = add_member(
            &store,
            tree.cell_a1,
            "Nguyễn Thị Hoa",
            MemberStatus::Official,
            date(2018, 1, 1),
        )
        .await;
        let (b_person, _) = add_member(
            &store,
            tree.cell_b1,
            "Nguyễn Thị Hồng",
            MemberStatus::Official,
            date(2018, 1, 1),
        )
        .await;
        // A candidate (no roster row) of commune A's second cell.
        let ctx = common::ctx(None);
        let mut tx = store.begin().await.unwrap();
        let cand_person = people::insert(&mut tx, &ctx, &person("Nguyễn Thị Huệ"), None)
            .await
            .unwrap();
        exec!(
            tx.ex(),
            "INSERT INTO candidacy (pub_id, person_id, cell_id, stage, version, state, opened_on, last_on, \
             source_category, context, updated_at) VALUES ($1, $2, $3, 'source', 1, '{}', $4, $4, 'other', '{}', $5)",
            PubId::generate().as_str(),
            cand_person,
            tree.cell_a2,
            ketnap_store::d(date(2026, 1, 5)),
            ts(ctx.now)
        )
        .unwrap();
        // Someone on no roster and in no candidacy: visible to the system only.
        let loner = people::insert(&mut tx, &ctx, &person("Nguyễn Thị Hạnh"), None)
            .await
            .unwrap();
        tx.commit().await.unwrap();

        let staff_a = user_over(&store, "staff_a", Role::OrgStaff, tree.xa_a).await;
        let ids = |v: Vec<(String, i64)>| v.into_iter().map(|(_, id)| id).collect::<Vec<_>>();
        let mut found = ids(search_all(&store, &staff_a, "nguyen thi", 10).await);
        found.sort_unstable();
        let mut want = vec![a_person, cand_person];
        want.sort_unstable();
        assert_eq!(found, want, "{engine}: only commune A's people");
        let mut everyone = ids(search_all(&store, &Scope::system(), "nguyen thi", 10).await);
        everyone.sort_unstable();
        let mut all = vec![a_person, b_person, cand_person, loner];
        all.sort_unstable();
        assert_eq!(everyone, all, "{engine}");

        let mut conn = store.read().await.unwrap();
        let b_pub: (String,) = fetch_one!(
            conn.ex(),
            (String,),
            "SELECT pub_id FROM person WHERE person_id = $1",
            b_person
        )
        .unwrap();
        let a_pub: (String,) = fetch_one!(
            conn.ex(),
            (String,),
            "SELECT pub_id FROM person WHERE person_id = $1",
            a_person
        )
        .unwrap();
        assert!(matches!(
            people::get(&mut conn, &staff_a, &b_pub.0).await,
            Err(StoreError::NotFound(_))
        ));
        let got = people::get(&mut conn, &staff_a, &a_pub.0).await.unwrap();
        assert_eq!(got.person_id, a_person);
        assert_eq!(got.person, person("Nguyễn Thị Hoa"));
        // A cell secretary of B's cell sees B's member and nobody of commune A.
        let sec_b = user_over(&store, "sec_b", Role::CellSecretary, tree.cell_b1).await;
        assert_eq!(
            ids(search_all(&store, &sec_b, "", 10).await),
            vec![b_person],
            "{engine}"
        );
        let roster_a =
            members::list_by_cell(&mut conn, &sec_b, tree.cell_a1, RosterFilter::All, None, 50)
                .await
                .unwrap();
        assert!(
            roster_a.items.is_empty(),
            "{engine}: no roster of another cell"
        );

        // A viewer over the whole province sees counts, never a person.
        let viewer = user_over(&store, "viewer", Role::Viewer, tree.prov).await;
        assert!(
            search_all(&store, &viewer, "nguyen", 10).await.is_empty(),
            "{engine}"
        );
        assert!(
            search_all(&store, &viewer, "", 10).await.is_empty(),
            "{engine}"
        );
        assert!(matches!(
            people::get(&mut conn, &viewer, &a_pub.0).await,
            Err(StoreError::Forbidden(_))
        ));
        let roster = members::list_by_cell(
            &mut conn,
            &viewer,
            tree.cell_a1,
            RosterFilter::All,
            None,
            50,
        )
        .await
        .unwrap();
        assert!(roster.items.is_empty() && roster.next.is_none(), "{engine}");
        let counts = members::counts(&mut conn, &viewer, tree.prov)
            .await
            .unwrap();
        assert_eq!(
            counts,
            RosterCounts {
                official: 2,
                probationary: 0
            },
            "{engine}"
        );
        assert!(matches!(
            members::counts(&mut conn, &staff_a, tree.xa_b).await,
            Err(StoreError::NotFound(_))
        ));
    }
}

#[tokio::test]
async fn a_person_round_trips_with_codes_and_a_duplicate_id_number_is_refused_in_vietnamese() {
    for store in common::stores().await {
        let engine = common::name(&store);
        let tree = tree(&store).await;
        let ctx = common::ctx(Some(7));
        // A residential unit for the person to live in.
        let mut tx = store.begin().await.unwrap();
        let unit_pub = PubId::generate();
        units::create_residential_unit(
            &mut tx,
            &ctx,
            &NewResidentialUnit {
                org_id: tree.xa_a,
                cell_id: Some(tree.cell_a1),
                kind: ResidentialKind::Buon,
                name: "Buôn Ea Thử".into(),
                pub_id: Some(unit_pub.clone()),
            },
        )
        .await
        .unwrap();
        let p = PersonForm {
            full_name: "H'Hen Niê".into(),
            birth_date: "01/02/1999".into(),
            gender: "Nữ".into(),
            ethnicity: "Ê Đê".into(),
            religion: "Tin lành".into(),
            education: "9/12".into(),
            qualification: "Trung cấp".into(),
            theory_level: "Sơ cấp".into(),
            source_category: "Đoàn viên thanh niên".into(),
            id_number: "066199001234".into(),
            youth_union_member: true,
            trade_union_member: true,
            residential_unit: unit_pub.as_str().into(),
        }
        .parse(TODAY)
        .unwrap();
        let pid = PubId::from_u64(42);
        let person_id = people::insert(&mut tx, &ctx, &p, Some(pid.clone()))
            .await
            .unwrap();
        tx.commit().await.unwrap();

        let mut conn = store.read().await.unwrap();
        let back = people::load(conn.ex(), person_id).await.unwrap();
        assert_eq!(back, p, "{engine}");
        assert_eq!(
            back.residential_unit,
            Some(UnitRef::parse(unit_pub.as_str()).unwrap())
        );
        let codes: (String, String, String, String, String, String, String) = fetch_one!(
            conn.ex(),
            (String, String, String, String, String, String, String),
            "SELECT ethnicity, religion, education, gender, qualification, theory_level, search_text FROM person WHERE person_id = $1",
            person_id
        )
        .unwrap();
        assert_eq!(codes.0, format!("{:02}", p.ethnicity.code()), "{engine}");
        assert_eq!(codes.0.len(), 2);
        assert_eq!(
            (codes.1.as_str(), codes.2.as_str(), codes.3.as_str()),
            ("protestantism", "9/12", "female"),
            "{engine}"
        );
        assert_eq!(codes.4, p.qualification.code());
        assert_eq!(codes.5, p.theory_level.code());
        assert_eq!(codes.6, "h'hen nie");
        // The audit row names the public id and nothing personal.
        let (object_id, detail): (String, String) = fetch_one!(
            conn.ex(),
            (String, String),
            "SELECT object_id, detail FROM audit WHERE action = 'person.create' ORDER BY seq DESC LIMIT 1"
        )
        .unwrap();
        assert_eq!(object_id, pid.as_str());
        assert!(
            !detail.contains("066199001234") && !detail.contains("Hen"),
            "{engine}"
        );
        let before = rows_written(&mut conn).await;
        drop(conn);

        // Someone else with the same ID number.
        let twin = PersonForm {
            id_number: "066 199 001234".into(),
            ..form("Trần Văn Khác")
        }
        .parse(TODAY)
        .unwrap();
        let mut tx = store.begin().await.unwrap();
        let err = people::insert(&mut tx, &ctx, &twin, None)
            .await
            .unwrap_err();
        assert_eq!(err.message_vi(), DUPLICATE_ID_NUMBER_VI, "{engine}");
        assert_eq!(
            err.message_vi(),
            "Số định danh cá nhân đã có trong hệ thống."
        );
        drop(tx);
        let mut conn = store.read().await.unwrap();
        assert_eq!(
            rows_written(&mut conn).await,
            before,
            "{engine}: nothing written"
        );
        drop(conn);

        // Update: a new name is searchable; the person keeps their own ID number.
        let mut tx = store.begin().await.unwrap();
        let renamed = Person {
            full_name: ketnap_domain::person::FullName::parse("H'Hen Niê Ksor").unwrap(),
            ..p.clone()
        };
        people::update(&mut tx, &ctx, &Scope::system(), person_id, &renamed, None)
            .await
            .unwrap();
        let other = people::insert(&mut tx, &ctx, &person("Trần Văn Khác"), None)
            .await
            .unwrap();
        let stolen = Person {
            id_number: p.id_number.clone(),
            ..person("Trần Văn Khác")
        };
        let err = people::update(&mut tx, &ctx, &Scope::system(), other, &stolen, None)
            .await
            .unwrap_err();
        assert_eq!(err.message_vi(), DUPLICATE_ID_NUMBER_VI, "{engine}");
        tx.commit().await.unwrap();
        let mut conn = store.read().await.unwrap();
        assert_eq!(people::load(conn.ex(), person_id).await.unwrap(), renamed);
        drop(conn);
        let hits = search_all(&store, &Scope::system(), "ksor", 10).await;
        assert_eq!(
            hits,
            vec![("H'Hen Niê Ksor".to_string(), person_id)],
            "{engine}"
        );

        // A code that no longer parses reads back as a corrupt row.
        let mut tx = store.begin().await.unwrap();
        exec!(
            tx.ex(),
            "UPDATE person SET religion = 'gone' WHERE person_id = $1",
            person_id
        )
        .unwrap();
        tx.commit().await.unwrap();
        let mut conn = store.read().await.unwrap();
        assert!(matches!(
            people::load(conn.ex(), person_id).await,
            Err(StoreError::Corrupt(_))
        ));
    }
}

/// (people, audit rows).
async fn rows_written(conn: &mut ketnap_store::Conn) -> (i64, i64) {
    fetch_one!(
        conn.ex(),
        (i64, i64),
        "SELECT (SELECT COUNT(*) FROM person), (SELECT COUNT(*) FROM audit)"
    )
    .unwrap()
}

#[tokio::test]
async fn the_roster_follows_status_changes_and_moves() {
    for store in common::stores().await {
        let engine = common::name(&store);
        let tree = tree(&store).await;
        let (_, m1) = add_member(
            &store,
            tree.cell_a1,
            "Phạm Văn Sơn",
            MemberStatus::Probationary,
            date(2025, 6, 1),
        )
        .await;
        let (_, m2) = add_member(
            &store,
            tree.cell_a1,
            "Lê Thị Mai",
            MemberStatus::Official,
            date(2010, 6, 1),
        )
        .await;
        let ctx = common::ctx(None);
        let mut conn = store.read().await.unwrap();
        let f = members::facts(conn.ex(), m1, tree.cell_a1).await.unwrap();
        assert!(!f.official && f.same_cell, "{engine}");
        let f = members::facts(conn.ex(), m2, tree.cell_a2).await.unwrap();
        assert!(f.official && !f.same_cell, "{engine}");
        drop(conn);

        let mut tx = store.begin().await.unwrap();
        members::set_status(&mut tx, &ctx, m1, MemberStatus::Official, date(2026, 6, 1))
            .await
            .unwrap();
        members::move_to_cell(&mut tx, &ctx, m1, tree.cell_a2, date(2026, 7, 1))
            .await
            .unwrap();
        members::set_status(
            &mut tx,
            &ctx,
            m2,
            MemberStatus::TransferredOut,
            date(2026, 8, 1),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();

        let mut conn = store.read().await.unwrap();
        let f = members::facts(conn.ex(), m1, tree.cell_a2).await.unwrap();
        assert!(f.official && f.same_cell, "{engine}");
        let a2 = members::list_by_cell(
            &mut conn,
            &Scope::system(),
            tree.cell_a2,
            RosterFilter::Active,
            None,
            10,
        )
        .await
        .unwrap();
        assert_eq!(a2.items.len(), 1);
        assert_eq!(a2.items[0].status, MemberStatus::Official);
        assert_eq!(a2.items[0].official_on, Some(date(2026, 6, 1)), "{engine}");
        let a1_active = members::list_by_cell(
            &mut conn,
            &Scope::system(),
            tree.cell_a1,
            RosterFilter::Active,
            None,
            10,
        )
        .await
        .unwrap();
        assert!(a1_active.items.is_empty(), "{engine}");
        let a1_left = members::list_by_cell(
            &mut conn,
            &Scope::system(),
            tree.cell_a1,
            RosterFilter::Only(MemberStatus::TransferredOut),
            None,
            10,
        )
        .await
        .unwrap();
        assert_eq!(a1_left.items.len(), 1);
        assert_eq!(a1_left.items[0].left_on, Some(date(2026, 8, 1)), "{engine}");
        assert_eq!(
            a1_left.items[0].status.label_vi(),
            "Đã chuyển sinh hoạt đi nơi khác"
        );
        drop(conn);

        // Steps that make no sense are refused with a Vietnamese message, nothing written.
        let mut tx = store.begin().await.unwrap();
        let e = members::set_status(&mut tx, &ctx, m2, MemberStatus::Official, date(2026, 9, 1))
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::Invalid { .. }), "{engine}");
        let e = members::set_status(
            &mut tx,
            &ctx,
            m1,
            MemberStatus::Probationary,
            date(2026, 9, 1),
        )
        .await
        .unwrap_err();
        assert!(e.message_vi().contains("Đảng viên dự bị"), "{engine}");
        let e = members::move_to_cell(&mut tx, &ctx, m1, tree.xa_b, date(2026, 9, 1))
            .await
            .unwrap_err();
        assert!(e.message_vi().contains("chi bộ"), "{engine}");
        drop(tx);
        let mut conn = store.read().await.unwrap();
        let (actions,): (i64,) = fetch_one!(
            conn.ex(),
            (i64,),
            "SELECT COUNT(*) FROM audit WHERE action IN ('member.create', 'member.status', 'member.move')"
        )
        .unwrap();
        assert_eq!(actions, 2 + 3, "{engine}: one audit row per write");
    }
}

async fn cell_sum(store: &Store, commune: i64) -> RosterCounts {
    let mut conn = store.read().await.unwrap();
    let cells = orgs::children(&mut conn, &Scope::system(), commune)
        .await
        .unwrap();
    let mut sum = RosterCounts::default();
    for c in cells {
        let n = members::counts(&mut conn, &Scope::system(), c.org_id)
            .await
            .unwrap();
        sum.official += n.official;
        sum.probationary += n.probationary;
    }
    sum
}

async fn counts(store: &Store, org: i64) -> RosterCounts {
    let mut conn = store.read().await.unwrap();
    members::counts(&mut conn, &Scope::system(), org)
        .await
        .unwrap()
}

#[tokio::test]
async fn subtree_counts_equal_the_sum_over_cells_after_a_subtree_move() {
    for store in common::stores().await {
        let engine = common::name(&store);
        let tree = tree(&store).await;
        let plan = [
            (tree.cell_a1, 3, 1),
            (tree.cell_a2, 2, 2),
            (tree.cell_b1, 4, 0),
        ];
        let mut n = 0;
        for (cell, official, probationary) in plan {
            for _ in 0..official {
                n += 1;
                add_member(
                    &store,
                    cell,
                    &format!("Hoàng Văn Thử {}", roman(n)),
                    MemberStatus::Official,
                    date(2015, 1, 1),
                )
                .await;
            }
            for _ in 0..probationary {
                n += 1;
                add_member(
                    &store,
                    cell,
                    &format!("Hoàng Thị Thử {}", roman(n)),
                    MemberStatus::Probationary,
                    date(2026, 2, 1),
                )
                .await;
            }
        }
        assert_eq!(
            counts(&store, tree.xa_a).await,
            RosterCounts {
                official: 5,
                probationary: 3
            },
            "{engine}"
        );
        assert_eq!(
            counts(&store, tree.xa_b).await,
            RosterCounts {
                official: 4,
                probationary: 0
            }
        );
        assert_eq!(counts(&store, tree.prov).await.total(), 12);

        let ctx = common::ctx(None);
        let mut tx = store.begin().await.unwrap();
        orgs::move_subtree(
            &mut tx,
            &ctx,
            tree.cell_a2,
            tree.xa_b,
            date(2026, 7, 1),
            "sắp xếp lại",
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        for commune in [tree.xa_a, tree.xa_b] {
            assert_eq!(
                counts(&store, commune).await,
                cell_sum(&store, commune).await,
                "{engine}"
            );
        }
        // The batch for a page of children equals counting each child alone.
        let mut conn = store.read().await.unwrap();
        let batch = members::counts_of_children(&mut conn, &Scope::system(), tree.prov)
            .await
            .unwrap();
        let children = orgs::children(&mut conn, &Scope::system(), tree.prov)
            .await
            .unwrap();
        drop(conn);
        assert_eq!(batch.len(), children.len(), "{engine}");
        for child in children {
            assert_eq!(
                batch[&child.org_id],
                counts(&store, child.org_id).await,
                "{engine}"
            );
        }
        assert_eq!(
            counts(&store, tree.xa_a).await,
            RosterCounts {
                official: 3,
                probationary: 1
            },
            "{engine}"
        );
        assert_eq!(
            counts(&store, tree.xa_b).await,
            RosterCounts {
                official: 6,
                probationary: 2
            },
            "{engine}"
        );
        let p = counts(&store, tree.prov).await;
        let (a, b) = (
            counts(&store, tree.xa_a).await,
            counts(&store, tree.xa_b).await,
        );
        assert_eq!(p.official, a.official + b.official, "{engine}");
        assert_eq!(p.probationary, a.probationary + b.probationary, "{engine}");
    }
}

/// Distinct name words for numbered fictional people (letters only: names have no digits).
fn roman(n: usize) -> String {
    let words = [
        "Một", "Hai", "Ba", "Bốn", "Năm", "Sáu", "Bảy", "Tám", "Chín", "Mười",
    ];
    format!("{} {}", words[n / 10 % 10], words[n % 10])
}

#[tokio::test]
async fn the_start_of_year_snapshot_equals_the_live_counts_then_stays_fixed() {
    for store in common::stores().await {
        let engine = common::name(&store);
        let tree = tree(&store).await;
        let (_, prob) = add_member(
            &store,
            tree.cell_a1,
            "Vũ Văn Tâm",
            MemberStatus::Probationary,
            date(2025, 5, 1),
        )
        .await;
        let (_, off) = add_member(
            &store,
            tree.cell_a2,
            "Vũ Thị Lan",
            MemberStatus::Official,
            date(2001, 5, 1),
        )
        .await;
        add_member(
            &store,
            tree.cell_b1,
            "Đinh Văn Tú",
            MemberStatus::Official,
            date(2005, 5, 1),
        )
        .await;
        let orgs_all = [
            tree.prov,
            tree.xa_a,
            tree.cell_a1,
            tree.cell_a2,
            tree.xa_b,
            tree.cell_b1,
        ];
        let mut live = Vec::new();
        for o in orgs_all {
            live.push(counts(&store, o).await);
        }
        let ctx = common::ctx(None);
        let mut tx = store.begin().await.unwrap();
        let written = members::snapshot_start_of_year(&mut tx, &ctx, 2026, date(2026, 1, 1))
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(written, 6, "{engine}: one row per organisation");

        // Later in the year: one becomes official, one leaves, one joins.
        let mut tx = store.begin().await.unwrap();
        members::set_status(
            &mut tx,
            &ctx,
            prob,
            MemberStatus::Official,
            date(2026, 5, 2),
        )
        .await
        .unwrap();
        members::set_status(&mut tx, &ctx, off, MemberStatus::Deceased, date(2026, 6, 3))
            .await
            .unwrap();
        tx.commit().await.unwrap();
        add_member(
            &store,
            tree.cell_b1,
            "Đinh Thị Hương",
            MemberStatus::Probationary,
            date(2026, 7, 1),
        )
        .await;
        // Taking 2026 again changes nothing.
        let mut tx = store.begin().await.unwrap();
        let again = members::snapshot_start_of_year(&mut tx, &ctx, 2026, date(2026, 1, 1))
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(again, 0, "{engine}: idempotent per year");

        let mut conn = store.read().await.unwrap();
        for (o, want) in orgs_all.iter().zip(&live) {
            let s = members::start_of_year(&mut conn, *o, 2026).await.unwrap();
            assert!(s.from_snapshot, "{engine}");
            assert_eq!(&s.counts, want, "{engine}: org {o}");
        }
        assert_eq!(
            live[0],
            RosterCounts {
                official: 2,
                probationary: 1
            }
        );
        drop(conn);
        assert_eq!(
            counts(&store, tree.prov).await,
            RosterCounts {
                official: 2,
                probationary: 1
            },
            "{engine}: live moved on"
        );
        assert_eq!(
            counts(&store, tree.xa_a).await,
            RosterCounts {
                official: 1,
                probationary: 0
            },
            "{engine}"
        );

        // No snapshot for 2027 yet: today's counts, flagged.
        let mut conn = store.read().await.unwrap();
        let s = members::start_of_year(&mut conn, tree.prov, 2027)
            .await
            .unwrap();
        assert!(!s.from_snapshot, "{engine}");
        assert_eq!(
            s.counts,
            RosterCounts {
                official: 2,
                probationary: 1
            }
        );
        drop(conn);

        // A snapshot as of a date counts the roster as it stood then.
        let mut tx = store.begin().await.unwrap();
        members::snapshot_start_of_year(&mut tx, &ctx, 2027, date(2026, 6, 1))
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let mut conn = store.read().await.unwrap();
        let s = members::start_of_year(&mut conn, tree.prov, 2027)
            .await
            .unwrap();
        // On 1/6/2026: Tâm official (2/5), Lan not yet deceased (3/6), Tú official, Hương not yet.
        assert_eq!(
            s.counts,
            RosterCounts {
                official: 3,
                probationary: 0
            },
            "{engine}"
        );
    }
}

#[tokio::test]
async fn cells_with_nine_official_members_and_no_committee_are_listed() {
    for store in common::stores().await {
        let engine = common::name(&store);
        let tree = tree(&store).await;
        for i in 0..9 {
            add_member(
                &store,
                tree.cell_a1,
                &format!("Bùi Văn Đông {}", roman(i)),
                MemberStatus::Official,
                date(2010, 1, 1),
            )
            .await;
        }
        for i in 0..8 {
            add_member(
                &store,
                tree.cell_a2,
                &format!("Bùi Văn Tây {}", roman(i)),
                MemberStatus::Official,
                date(2010, 1, 1),
            )
            .await;
        }
        for i in 0..3 {
            add_member(
                &store,
                tree.cell_a2,
                &format!("Bùi Thị Tây {}", roman(i)),
                MemberStatus::Probationary,
                date(2026, 1, 1),
            )
            .await;
        }
        let rules = RuleBook::spec_default();
        let mut conn = store.read().await.unwrap();
        let cells = members::cells_needing_committee(
            &mut conn,
            &Scope::system(),
            tree.prov,
            rules.latest(),
        )
        .await
        .unwrap();
        assert_eq!(cells.len(), 1, "{engine}");
        assert_eq!((cells[0].org_id, cells[0].official), (tree.cell_a1, 9));
        let staff_b = user_over(&store, "staff_b", Role::OrgStaff, tree.xa_b).await;
        let none = members::cells_needing_committee(&mut conn, &staff_b, tree.prov, rules.latest())
            .await
            .unwrap();
        assert!(none.is_empty(), "{engine}: outside the scope");
        drop(conn);
        let mut tx = store.begin().await.unwrap();
        exec!(
            tx.ex(),
            "UPDATE org SET has_cell_committee = $1 WHERE org_id = $2",
            true,
            tree.cell_a1
        )
        .unwrap();
        tx.commit().await.unwrap();
        let mut conn = store.read().await.unwrap();
        let cells = members::cells_needing_committee(
            &mut conn,
            &Scope::system(),
            tree.prov,
            rules.latest(),
        )
        .await
        .unwrap();
        assert!(cells.is_empty(), "{engine}: a chi ủy was elected");
    }
}

#[tokio::test]
async fn residential_units_show_coverage_and_mass_organisations_are_listed() {
    for store in common::stores().await {
        let engine = common::name(&store);
        let tree = tree(&store).await;
        let ctx = common::ctx(None);
        let mut tx = store.begin().await.unwrap();
        let unit = |name: &str, cell: Option<i64>, pub_id: u64| NewResidentialUnit {
            org_id: tree.xa_a,
            cell_id: cell,
            kind: ResidentialKind::Thon,
            name: name.into(),
            pub_id: Some(PubId::from_u64(pub_id)),
        };
        let covered = units::create_residential_unit(
            &mut tx,
            &ctx,
            &unit("Thôn Đông", Some(tree.cell_a1), 1),
        )
        .await
        .unwrap();
        let no_member = units::create_residential_unit(
            &mut tx,
            &ctx,
            &unit("Thôn Giữa", Some(tree.cell_a1), 2),
        )
        .await
        .unwrap();
        let no_cell = units::create_residential_unit(&mut tx, &ctx, &unit("Thôn Tây", None, 3))
            .await
            .unwrap();
        // Refused: a cell of another commune, a unit under a province, a commune as the cell.
        let e =
            units::create_residential_unit(&mut tx, &ctx, &unit("Thôn Lạ", Some(tree.cell_b1), 4))
                .await
                .unwrap_err();
        assert!(e.message_vi().contains("Chi bộ phụ trách"), "{engine}");
        let e = units::create_residential_unit(
            &mut tx,
            &ctx,
            &NewResidentialUnit {
                org_id: tree.prov,
                ..unit("Thôn Sai", None, 5)
            },
        )
        .await
        .unwrap_err();
        assert!(matches!(e, StoreError::Invalid { .. }), "{engine}");
        let e = units::create_residential_unit(
            &mut tx,
            &ctx,
            &NewResidentialUnit {
                org_id: tree.prov,
                ..unit("Thôn Sai", Some(tree.xa_a), 6)
            },
        )
        .await
        .unwrap_err();
        assert!(e.message_vi().contains("Thôn, tổ dân phố"), "{engine}");
        tx.commit().await.unwrap();

        // Members living in two of the units.
        let mut tx = store.begin().await.unwrap();
        for (name, unit_pub) in [("Lý Văn Cư", 1u64), ("Lý Thị Trú", 3)] {
            let p = PersonForm {
                residential_unit: PubId::from_u64(unit_pub).as_str().into(),
                ..form(name)
            }
            .parse(TODAY)
            .unwrap();
            let person_id = people::insert(&mut tx, &ctx, &p, None).await.unwrap();
            members::insert(
                &mut tx,
                &ctx,
                NewMember {
                    person_id,
                    cell_id: tree.cell_a1,
                    status: MemberStatus::Official,
                    admitted_on: Some(date(2012, 1, 1)),
                    official_on: Some(date(2013, 1, 1)),
                    party_age_from: Some(date(2012, 1, 1)),
                    candidacy_id: None,
                    pub_id: None,
                },
            )
            .await
            .unwrap();
        }
        tx.commit().await.unwrap();

        let mut conn = store.read().await.unwrap();
        let list = units::list_residential_units(&mut conn, &Scope::system(), tree.xa_a)
            .await
            .unwrap();
        let view: Vec<(i64, i64, Option<BlankKind>)> = list
            .iter()
            .map(|u| (u.residential_unit_id, u.members_living, u.blank))
            .collect();
        assert_eq!(
            view,
            vec![
                (covered, 1, None),
                (no_member, 0, Some(BlankKind::NoMember)),
                (no_cell, 1, Some(BlankKind::NoCell)),
            ],
            "{engine}"
        );
        let blank: Vec<i64> = units::blank_units(&mut conn, &Scope::system(), tree.prov)
            .await
            .unwrap()
            .into_iter()
            .map(|u| u.residential_unit_id)
            .collect();
        assert_eq!(blank, vec![no_member, no_cell], "{engine}");
        let staff_b = user_over(&store, "staff_b_units", Role::OrgStaff, tree.xa_b).await;
        assert!(
            units::list_residential_units(&mut conn, &staff_b, tree.xa_a)
                .await
                .unwrap()
                .is_empty()
        );
        drop(conn);

        // Tái trắng: the covered unit loses its cell.
        let before = list[0].blank;
        let mut tx = store.begin().await.unwrap();
        units::set_covering_cell(&mut tx, &ctx, covered, None)
            .await
            .unwrap();
        let youth = units::create_mass_org(
            &mut tx,
            &ctx,
            &NewMassOrg {
                org_id: tree.xa_a,
                kind: MassOrgKind::YouthUnion,
                name: "Đoàn Thanh niên xã Tân Phú".into(),
                pub_id: None,
            },
        )
        .await
        .unwrap();
        let women = units::create_mass_org(
            &mut tx,
            &ctx,
            &NewMassOrg {
                org_id: tree.xa_a,
                kind: MassOrgKind::WomenUnion,
                name: "Hội Liên hiệp Phụ nữ xã Tân Phú".into(),
                pub_id: None,
            },
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let mut conn = store.read().await.unwrap();
        let now = units::list_residential_units(&mut conn, &Scope::system(), tree.xa_a)
            .await
            .unwrap();
        assert!(
            ketnap_domain::org::became_blank(before, now[0].blank),
            "{engine}"
        );
        let mass: Vec<(i64, MassOrgKind)> =
            units::list_mass_orgs(&mut conn, &Scope::system(), tree.xa_a)
                .await
                .unwrap()
                .into_iter()
                .map(|m| (m.mass_org_id, m.kind))
                .collect();
        assert_eq!(mass.len(), 2, "{engine}");
        assert!(
            mass.contains(&(youth, MassOrgKind::YouthUnion))
                && mass.contains(&(women, MassOrgKind::WomenUnion))
        );
        assert!(
            units::list_mass_orgs(&mut conn, &staff_b, tree.xa_a)
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(MassOrgKind::FatherlandFront.code(), "fatherland_front");
        assert!(
            MassOrgKind::ALL
                .iter()
                .all(|k| MassOrgKind::from_code(k.code()) == Some(*k))
        );
    }
}

#[tokio::test]
async fn a_duplicate_id_number_is_answered_only_within_the_scope_and_flagged_to_staff_who_see_both()
{
    for store in common::stores().await {
        let engine = common::name(&store);
        let t = tree(&store).await;
        let ctx = common::ctx(None);
        // A member of commune A holds the number.
        let (holder, _) = add_member(
            &store,
            t.cell_a1,
            "Lê Văn Giữ",
            MemberStatus::Official,
            date(2010, 5, 1),
        )
        .await;
        let mut tx = store.begin().await.unwrap();
        let with_id = |name: &str| {
            PersonForm {
                id_number: "066199009876".into(),
                ..form(name)
            }
            .parse(TODAY)
            .unwrap()
        };
        let held = Person {
            id_number: with_id("Lê Văn Giữ").id_number,
            ..person("Lê Văn Giữ")
        };
        people::update(&mut tx, &ctx, &Scope::system(), holder, &held, None)
            .await
            .unwrap();
        tx.commit().await.unwrap();

        // Staff of commune A see the holder: told plainly, nothing written.
        let staff_a = user_over(&store, "canbo.a", Role::OrgStaff, t.xa_a).await;
        let mut tx = store.begin().await.unwrap();
        let e = people::insert_scoped(&mut tx, &ctx, &staff_a, &with_id("Trần Văn Mới"), None)
            .await
            .unwrap_err();
        assert_eq!(e.message_vi(), DUPLICATE_ID_NUMBER_VI, "{engine}");
        drop(tx);

        // Staff of commune B do not: saved without the number, told nothing.
        let staff_b = user_over(&store, "canbo.b", Role::OrgStaff, t.xa_b).await;
        let mut tx = store.begin().await.unwrap();
        let newcomer =
            people::insert_scoped(&mut tx, &ctx, &staff_b, &with_id("Trần Văn Mới"), None)
                .await
                .unwrap();
        members::insert(
            &mut tx,
            &ctx,
            NewMember {
                person_id: newcomer,
                cell_id: t.cell_b1,
                status: MemberStatus::Official,
                admitted_on: Some(date(2012, 3, 1)),
                official_on: Some(date(2013, 3, 1)),
                party_age_from: Some(date(2012, 3, 1)),
                candidacy_id: None,
                pub_id: None,
            },
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let mut conn = store.read().await.unwrap();
        let (stored,): (Option<String>,) = fetch_one!(
            conn.ex(),
            (Option<String>,),
            "SELECT id_number FROM person WHERE person_id = $1",
            newcomer
        )
        .unwrap();
        assert_eq!(stored, None, "{engine}: kept without the number");
        assert!(
            people::id_conflicts(&mut conn, &staff_b, newcomer)
                .await
                .unwrap()
                .is_empty(),
            "{engine}: commune B is not told about a person it cannot see"
        );
        // The province's staff see both: the flag names the holder.
        let staff_p = user_over(&store, "canbo.p", Role::OrgStaff, t.prov).await;
        let flags = people::id_conflicts(&mut conn, &staff_p, newcomer)
            .await
            .unwrap();
        assert_eq!(flags.len(), 1, "{engine}");
        assert_eq!(flags[0].other_name, "Lê Văn Giữ");
        let (detail,): (String,) = fetch_one!(
            conn.ex(),
            (String,),
            "SELECT detail FROM audit WHERE action = 'person.id_conflict'"
        )
        .unwrap();
        assert!(
            !detail.contains("066199009876"),
            "the audit holds no number"
        );
        drop(conn);
        // A correction by commune B typing the same number again: answered the same way (kept
        // without it, flagged again), not refused.
        let mut tx = store.begin().await.unwrap();
        people::update(
            &mut tx,
            &ctx,
            &staff_b,
            newcomer,
            &with_id("Trần Văn Mới"),
            None,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let mut conn = store.read().await.unwrap();
        let (stored,): (Option<String>,) = fetch_one!(
            conn.ex(),
            (Option<String>,),
            "SELECT id_number FROM person WHERE person_id = $1",
            newcomer
        )
        .unwrap();
        assert_eq!(stored, None, "{engine}: the correction keeps no number");
        assert_eq!(
            people::id_conflicts(&mut conn, &staff_p, newcomer)
                .await
                .unwrap()
                .len(),
            2,
            "{engine}"
        );
        // Commune A correcting its own holder's twin would be told (it sees the holder).
        drop(conn);
        let mut tx = store.begin().await.unwrap();
        let e = people::update(
            &mut tx,
            &ctx,
            &staff_a,
            holder,
            &with_id("Lê Văn Giữ"),
            None,
        )
        .await;
        assert!(e.is_ok(), "{engine}: its own number is no conflict");
    }
}

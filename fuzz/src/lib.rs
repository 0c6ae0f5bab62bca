//! The bodies of the fuzz targets (`fuzz_targets/*.rs` call one each). Each feeds arbitrary bytes
//! to a parser of input that reaches ketnap from outside and checks what must hold whatever the
//! input: no panic, and the invariants named below.

use std::sync::OnceLock;

use jiff::civil::{Date, date};
use ketnap_domain::RuleBook;

const TODAY: Date = date(2026, 11, 23);

/// Split `data` into `n` text fields at 0x1F (unit separator), lossily.
fn fields(data: &[u8], n: usize) -> Vec<String> {
    let text = String::from_utf8_lossy(data);
    let mut out: Vec<String> = text.split('\u{1f}').map(str::to_string).collect();
    out.resize(n, String::new());
    out
}

/// The importers: the first byte picks the list (organisations, members, people, candidates,
/// mentors, plans), the rest is the file (CSV or XLSX). Run as a dry run (all the row checks,
/// nothing kept) on a small fictional district in SQLite, as the system scope.
pub fn importers(data: &[u8]) {
    struct World {
        rt: tokio::runtime::Runtime,
        store: ketnap_store::Store,
        book: RuleBook,
        _dir: tempfile::TempDir,
    }
    static WORLD: OnceLock<World> = OnceLock::new();
    let w = WORLD.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let book = RuleBook::spec_default();
        let store = rt.block_on(async {
            let store = ketnap_store::Store::connect(&format!(
                "sqlite:{}",
                dir.path().join("fuzz.db").display()
            ))
            .await
            .unwrap();
            store.migrate().await.unwrap();
            ketnap_store::demo::generate(
                &store,
                &book,
                ketnap_store::demo::DemoSize::scaled(0.01),
                3,
                TODAY,
                &ketnap_store::demo::DemoUsers {
                    password_hash: "x".into(),
                },
            )
            .await
            .unwrap();
            store
        });
        World {
            rt,
            store,
            book,
            _dir: dir,
        }
    });
    let Some((&first, file)) = data.split_first() else {
        return;
    };
    use ketnap_io::import::Kind;
    let kinds = [
        Kind::Orgs,
        Kind::Members,
        Kind::People,
        Kind::Candidates,
        Kind::Mentors,
        Kind::Plans,
    ];
    let kind = kinds[usize::from(first) % kinds.len()];
    let options = ketnap_io::import::Options {
        dry_run: true,
        file_name: "fuzz.csv".into(),
        limits: ketnap_io::sheet::Limits::default(),
    };
    let ctx = ketnap_store::WriteCtx::new(None, "2026-11-23T03:00:00Z".parse().unwrap());
    let before = w.rt.block_on(counts(&w.store));
    let _ = w.rt.block_on(ketnap_io::import::import(
        &w.store,
        &w.book,
        &ketnap_store::Scope::system(),
        &ctx,
        kind,
        file,
        &options,
        &|_, _| {},
    ));
    // A dry run keeps nothing.
    assert_eq!(w.rt.block_on(counts(&w.store)), before);
}

async fn counts(store: &ketnap_store::Store) -> (i64, i64, i64) {
    let mut conn = store.read().await.unwrap();
    let (p,): (i64,) =
        ketnap_store::fetch_one!(conn.ex(), (i64,), "SELECT COUNT(*) FROM person").unwrap();
    let (c,): (i64,) =
        ketnap_store::fetch_one!(conn.ex(), (i64,), "SELECT COUNT(*) FROM candidacy").unwrap();
    let (o,): (i64,) =
        ketnap_store::fetch_one!(conn.ex(), (i64,), "SELECT COUNT(*) FROM org").unwrap();
    (p, c, o)
}

/// The sheet reader (CSV or XLSX by content) and the search for the heading row.
pub fn sheet(data: &[u8]) {
    let limits = ketnap_io::sheet::Limits {
        max_bytes: 1 << 20,
        max_rows: 5_000,
        max_cell_chars: 2_000,
    };
    if let Ok(rows) = ketnap_io::sheet::read_rows(data, &limits) {
        assert!(rows.len() <= limits.max_rows + ketnap_io::sheet::HEADER_SEARCH_ROWS);
        let _ = ketnap_io::sheet::split_header(rows, |h| {
            ketnap_io::sheet::fold_heading(h).contains("ho va ten")
        });
    }
    // A cell written to CSV is never read back as a formula.
    let text = String::from_utf8_lossy(data);
    let safe = ketnap_io::sheet::neutralise(&text);
    assert!(!safe.starts_with(['=', '+', '-', '@']) || safe.is_empty());
}

/// A person as the forms and the API post it: thirteen text fields and two flags.
pub fn person_form(data: &[u8]) {
    let f = fields(data, 13);
    let form = ketnap_domain::person::PersonForm {
        full_name: f[0].clone(),
        birth_date: f[1].clone(),
        gender: f[2].clone(),
        ethnicity: f[3].clone(),
        religion: f[4].clone(),
        education: f[5].clone(),
        qualification: f[6].clone(),
        theory_level: f[7].clone(),
        source_category: f[8].clone(),
        id_number: f[9].clone(),
        youth_union_member: f[10].len() % 2 == 1,
        trade_union_member: f[11].len() % 2 == 1,
        residential_unit: f[12].clone(),
    };
    match form.parse(TODAY) {
        // What parses once parses the same from its own form (the correction form round trip).
        Ok(p) => {
            let again = ketnap_domain::person::PersonForm::of(&p).parse(TODAY);
            assert_eq!(again.as_ref().ok(), Some(&p));
        }
        Err(errors) => {
            assert!(!errors.is_empty());
            for e in errors {
                assert!(!e.message_vi().is_empty());
            }
        }
    }
}

/// The JSON body of a step (`POST /api/v1/candidates/{id}/steps`): what parses serialises and
/// parses back to the same action.
pub fn step_json(data: &[u8]) {
    if let Ok(action) = serde_json::from_slice::<ketnap_domain::lifecycle::Action>(data) {
        let text = serde_json::to_string(&action).unwrap();
        let back: ketnap_domain::lifecycle::Action = serde_json::from_str(&text).unwrap();
        assert_eq!(back, action);
    }
    let _ = serde_json::from_slice::<ketnap_domain::lifecycle::Candidacy>(data);
}

/// Dates and counts typed the Vietnamese way: a date that parses prints and parses back to
/// itself; a count is never guessed from a decimal.
pub fn dates_numbers(data: &[u8]) {
    let s = String::from_utf8_lossy(data);
    if let Some(d) = ketnap_domain::dates::parse_vn(&s) {
        assert_eq!(
            ketnap_domain::dates::parse_vn(&ketnap_domain::dates::format_vn(d)),
            Some(d)
        );
    }
    if let Some(d) = ketnap_io::sheet::parse_date(&s) {
        assert_eq!(
            ketnap_io::sheet::parse_date(&ketnap_io::sheet::format_date(d)),
            Some(d)
        );
    }
    if let Some(n) = ketnap_domain::numfmt::parse_count_vi(&s) {
        assert_eq!(
            ketnap_domain::numfmt::parse_count_vi(&ketnap_domain::numfmt::group_thousands(
                u128::from(n)
            )),
            Some(n)
        );
    }
}

/// Folding and the Vietnamese collation: folding is idempotent, a name matches itself folded,
/// the sort key and the comparison never panic and the comparison is antisymmetric.
pub fn folding(data: &[u8]) {
    let s = String::from_utf8_lossy(data);
    let (a, b) = s.split_at(
        s.char_indices()
            .nth(s.chars().count() / 2)
            .map_or(0, |(i, _)| i),
    );
    let f = ketnap_domain::text::fold(&s);
    assert_eq!(ketnap_domain::text::fold(&f), f);
    let _ = ketnap_domain::text::name_sort_key(&s);
    let _ = ketnap_domain::text::split_name(&s);
    assert_eq!(
        ketnap_domain::text::compare_labels(a, b),
        ketnap_domain::text::compare_labels(b, a).reverse()
    );
}

/// The rules file (`--rules`, `KETNAP_RULES`): refused with a message, or loaded.
pub fn rules_toml(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(book) = RuleBook::from_toml(text)
    {
        let _ = book.in_force(TODAY);
    }
}

//! The bounded fuzz run of CI (issue 18, point 8): the bodies of the cargo-fuzz targets
//! (`fuzz/src/lib.rs`, compiled here as they are) over the committed seeds (`fuzz/seeds/`) and
//! deterministic mutations of them, on the stable toolchain, without libFuzzer. The long runs use
//! `bash scripts/fuzz.sh` (coverage-guided; results in SECURITY.md). A failing input is printed
//! in hex.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

#[path = "../../../fuzz/src/lib.rs"]
mod targets;

use std::path::Path;

/// A small deterministic generator (SplitMix64).
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % (n.max(1) as u64)).unwrap()
    }
}

/// Pieces that matter to these parsers.
const TOKENS: [&[u8]; 16] = [
    b"\x1f",
    b",",
    b";",
    b"\n",
    b"\r\n",
    b"\"",
    b"=",
    b"/",
    b"-",
    b".",
    b"0",
    b"99999999999",
    "Đ".as_bytes(),
    "ệ".as_bytes(),
    b"{\"type\":",
    b"\xff\xfe",
];

fn mutate(g: &mut Gen, seed: &[u8], other: &[u8]) -> Vec<u8> {
    let mut v = seed.to_vec();
    for _ in 0..1 + g.below(4) {
        let at = g.below(v.len() + 1);
        match g.below(6) {
            0 if !v.is_empty() => {
                let i = g.below(v.len());
                v[i] ^= 1 << g.below(8);
            }
            1 => v.insert(at, u8::try_from(g.below(256)).unwrap()),
            2 if !v.is_empty() => {
                let end = (at + g.below(8)).min(v.len());
                v.drain(at.min(end)..end);
            }
            3 => {
                let t = TOKENS[g.below(TOKENS.len())];
                v.splice(at..at, t.iter().copied());
            }
            4 if !other.is_empty() => {
                let from = g.below(other.len());
                let end = (from + g.below(32)).min(other.len());
                v.splice(at..at, other[from..end].iter().copied());
            }
            _ => {
                let end = (at + g.below(16)).min(v.len());
                let piece = v[at.min(end)..end].to_vec();
                v.splice(at..at, piece);
            }
        }
    }
    v
}

fn seeds(target: &str) -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/seeds")
        .join(target);
    let mut out: Vec<Vec<u8>> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| std::fs::read(e.unwrap().path()).unwrap())
        .collect();
    out.sort();
    assert!(!out.is_empty(), "seeds of {target}");
    out
}

fn run(target: &str, body: fn(&[u8]), cases: usize) {
    let seeds = seeds(target);
    let mut g = Gen(0x6b65_746e_6170 ^ target.len() as u64);
    for s in &seeds {
        body(s);
    }
    for _ in 0..cases {
        let a = &seeds[g.below(seeds.len())];
        let b = &seeds[g.below(seeds.len())];
        let input = mutate(&mut g, a, b);
        let caught = std::panic::catch_unwind(|| body(&input));
        if caught.is_err() {
            let hex: String = input.iter().map(|b| format!("{b:02x}")).collect();
            panic!("{target}: the input {hex} fails");
        }
    }
}

#[test]
fn importers() {
    run("importers", targets::importers, 400);
}

#[test]
fn sheet() {
    run("sheet", targets::sheet, 5_000);
}

#[test]
fn person_form() {
    run("person_form", targets::person_form, 20_000);
}

#[test]
fn step_json() {
    run("step_json", targets::step_json, 20_000);
}

#[test]
fn dates_numbers() {
    run("dates_numbers", targets::dates_numbers, 20_000);
}

#[test]
fn folding() {
    run("folding", targets::folding, 20_000);
}

#[test]
fn rules_toml() {
    run("rules_toml", targets::rules_toml, 5_000);
}

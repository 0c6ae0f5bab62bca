//! criterion benches of the hot domain functions (issue 19, point 4): judging a step, the plan
//! rollup of an organisation's children, folding a name for search and the Vietnamese collation
//! key and comparison. `cargo bench -p ketnap-domain --bench hot`; results in BENCHMARKS.md.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use jiff::civil::{Date, date};
use ketnap_domain::RuleBook;
use ketnap_domain::lifecycle::{
    Action, Authority, Candidacy, CandidateFacts, CellFacts, Command, Context, decide,
};
use ketnap_domain::plan::{Period, Plan, rollup};
use ketnap_domain::text;

const TODAY: Date = date(2026, 11, 23);

fn context() -> Context {
    Context {
        candidate: CandidateFacts {
            birth_date: date(1990, 4, 10),
            education_grade12: 12,
            literate: true,
            youth_union_member: false,
            trade_union_member: false,
            religious: false,
            hoa_ethnicity: false,
            is_current_member: false,
            married: false,
            has_adult_children: false,
            own_family_member: false,
            spouse_family_member: false,
            over_age_exception: false,
        },
        cell: CellFacts {
            grassroots_cell: false,
            has_partial_committee: false,
            youth_union_exists: true,
            trade_union_instead: false,
            education_exception: None,
            competent_authority: Authority::SuperiorStandingCommittee,
            roster_official: None,
            student_thresholds: None,
        },
    }
}

fn step(c: &mut Criterion) {
    let book = RuleBook::spec_default();
    let ctx = context();
    let fresh = Candidacy::default();
    let open = Command {
        on: date(2026, 3, 2),
        action: Action::Open {
            source_category: "teacher".into(),
            proposed_by: None,
            readmission: None,
        },
    };
    let judged = decide(&fresh, &open, &ctx, &book, TODAY);
    assert!(judged.is_ok(), "the step is accepted: {judged:?}");
    c.bench_function("step: judge listing a source", |b| {
        b.iter(|| decide(black_box(&fresh), black_box(&open), &ctx, &book, TODAY))
    });
}

fn plans(c: &mut Criterion) {
    let period = Period::Year(2026);
    let children: Vec<Plan> = (0..300u32)
        .map(|i| {
            let mut p = Plan::new(period);
            p.sources = 10 + i % 7;
            p.course_attendees = 8 + i % 5;
            p.admissions = 4 + i % 3;
            p
        })
        .collect();
    c.bench_function("rollup: 300 children's plans", |b| {
        b.iter(|| rollup(period, black_box(&children)).unwrap())
    });
}

fn folding(c: &mut Criterion) {
    let names = [
        "Nguyễn Thị Ánh Tuyết",
        "Đặng Văn Đức",
        "Hoàng Thị Thu Hường",
        "Lò Văn Pá",
        "Trần Quốc Hưng",
    ];
    c.bench_function("fold: a name", |b| {
        b.iter(|| text::fold(black_box(names[0])))
    });
    c.bench_function("collation key: a name", |b| {
        b.iter(|| text::name_sort_key(black_box(names[2])))
    });
    c.bench_function("compare: 5 names sorted", |b| {
        b.iter(|| {
            let mut v = names;
            v.sort_by(|a, b| text::compare_labels(a, b));
            v
        })
    });
}

criterion_group!(benches, step, plans, folding);
criterion_main!(benches);

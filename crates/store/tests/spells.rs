//! The stage spells the forecast reads (issue 19) are written with each step exactly as the
//! events give them: one row per stage entered, an event that keeps the stage adding none (what
//! `CandidacyHistory::from_events` keeps); the pipeline's stage-since date from them is the one the
//! events give, kept as `candidacy.stage_since`; the pipeline read from the counters by day entered
//! (migration 19) is the one counted candidacy by candidacy, for every organisation, also with the
//! rows the migration fills. Both engines, over a small demo district.
#![allow(clippy::unwrap_used)]

use crate::common;

use jiff::civil::{Date, date};
use ketnap_domain::RuleBook;
use ketnap_domain::forecast::CandidacyHistory;
use ketnap_store::demo::{self, DemoSize, DemoUsers};
use ketnap_store::{Scope, counters, fetch_all};

const TODAY: Date = date(2026, 11, 23);

#[tokio::test]
async fn the_spells_written_by_the_steps_are_the_events_stage_entries() {
    for store in common::stores().await {
        demo::generate(
            &store,
            &RuleBook::spec_default(),
            DemoSize::scaled(0.05),
            11,
            TODAY,
            &DemoUsers {
                password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".to_string(),
            },
        )
        .await
        .unwrap();
        let mut conn = store.read().await.unwrap();
        let events: Vec<(i64, jiff_sqlx::Date, String)> = fetch_all!(
            conn.ex(),
            (i64, jiff_sqlx::Date, String),
            "SELECT candidacy_id, on_date, stage FROM candidacy_event ORDER BY candidacy_id, seq"
        )
        .unwrap();
        let spells: Vec<(i64, jiff_sqlx::Date, String)> = fetch_all!(
            conn.ex(),
            (i64, jiff_sqlx::Date, String),
            "SELECT candidacy_id, entered_on, stage FROM stage_spell ORDER BY candidacy_id, seq"
        )
        .unwrap();
        // The events folded as the forecast folds them.
        let mut expected: Vec<(i64, Date, String)> = Vec::new();
        let mut i = 0;
        while i < events.len() {
            let id = events[i].0;
            let run: Vec<(Date, ketnap_domain::lifecycle::Stage)> = events[i..]
                .iter()
                .take_while(|e| e.0 == id)
                .map(|e| (e.1.to_jiff(), counters::stage_from_code(&e.2).unwrap()))
                .collect();
            i += run.len();
            for p in CandidacyHistory::from_events(id.to_string(), run).passages {
                expected.push((id, p.on, counters::stage_code(p.stage).to_string()));
            }
        }
        let got: Vec<(i64, Date, String)> = spells
            .into_iter()
            .map(|(id, on, stage)| (id, on.to_jiff(), stage))
            .collect();
        assert!(got.len() > 100, "{}", got.len());
        assert!(got.len() < events.len(), "some events keep their stage");
        assert_eq!(got, expected, "{}", common::name(&store));
        // The migration's fill of the spells already recorded (version 13) gives the same rows.
        let filled: Vec<(i64, jiff_sqlx::Date, String)> = fetch_all!(
            conn.ex(),
            (i64, jiff_sqlx::Date, String),
            "SELECT candidacy_id, on_date, stage FROM ( \
               SELECT e.candidacy_id, e.seq, e.stage, e.on_date, \
                      LAG(e.stage) OVER (PARTITION BY e.candidacy_id ORDER BY e.seq) AS prev \
               FROM candidacy_event e) x \
             WHERE prev IS NULL OR prev <> stage ORDER BY candidacy_id, seq"
        )
        .unwrap();
        let filled: Vec<(i64, Date, String)> = filled
            .into_iter()
            .map(|(id, on, stage)| (id, on.to_jiff(), stage))
            .collect();
        assert_eq!(filled, expected);

        // The forecast's histories of the district, read from the spells, are those its events
        // give (the query it read before the spells).
        let (root,): (i64,) = ketnap_store::fetch_one!(
            conn.ex(),
            (i64,),
            "SELECT org_id FROM org WHERE code = 'TG.HL'"
        )
        .unwrap();
        let since = date(2025, 1, 1);
        let got = ketnap_store::history::forecast_history(&mut conn, &Scope::system(), root, since)
            .await
            .unwrap();
        let rows: Vec<(String, jiff_sqlx::Date, String)> = fetch_all!(
            conn.ex(),
            (String, jiff_sqlx::Date, String),
            "SELECT c.pub_id, e.on_date, e.stage FROM org_closure oc \
             JOIN candidacy c ON c.cell_id = oc.descendant_id \
             JOIN candidacy_event e ON e.candidacy_id = c.candidacy_id \
             WHERE oc.ancestor_id = $1 AND (c.stage IN ('source', 'sympathizer', 'course', 'dossier', \
               'verification', 'cell_vote', 'grassroots_vote', 'awaiting_decision') OR c.last_on >= $2) \
             ORDER BY c.candidacy_id, e.seq",
            root,
            ketnap_store::d(since)
        )
        .unwrap();
        let mut want: Vec<CandidacyHistory> = Vec::new();
        let mut i = 0;
        while i < rows.len() {
            let id = rows[i].0.clone();
            let run: Vec<(Date, ketnap_domain::lifecycle::Stage)> = rows[i..]
                .iter()
                .take_while(|r| r.0 == id)
                .map(|r| (r.1.to_jiff(), counters::stage_from_code(&r.2).unwrap()))
                .collect();
            i += run.len();
            want.push(CandidacyHistory::from_events(id, run));
        }
        assert!(want.len() > 20, "{}", want.len());
        assert_eq!(got, want, "{}", common::name(&store));

        // The pipeline's stage-since date from the latest spell is the earliest event after the
        // last one that left the candidacy in another stage (what it read before the spells).
        let from_events: Vec<(i64, Option<jiff_sqlx::Date>)> = fetch_all!(
            conn.ex(),
            (i64, Option<jiff_sqlx::Date>),
            "SELECT c.candidacy_id, (SELECT MIN(e.on_date) FROM candidacy_event e \
               WHERE e.candidacy_id = c.candidacy_id AND e.seq > COALESCE((SELECT MAX(b.seq) \
               FROM candidacy_event b WHERE b.candidacy_id = c.candidacy_id AND b.stage <> c.stage), 0)) \
             FROM candidacy c ORDER BY c.candidacy_id"
        )
        .unwrap();
        let from_spells: Vec<(i64, Option<jiff_sqlx::Date>)> = fetch_all!(
            conn.ex(),
            (i64, Option<jiff_sqlx::Date>),
            "SELECT c.candidacy_id, (SELECT s.entered_on FROM stage_spell s \
               WHERE s.candidacy_id = c.candidacy_id ORDER BY s.seq DESC LIMIT 1) \
             FROM candidacy c ORDER BY c.candidacy_id"
        )
        .unwrap();
        assert!(from_events.len() > 20);
        assert_eq!(from_spells, from_events, "{}", common::name(&store));
        let kept: Vec<(i64, Option<jiff_sqlx::Date>)> = fetch_all!(
            conn.ex(),
            (i64, Option<jiff_sqlx::Date>),
            "SELECT candidacy_id, stage_since FROM candidacy ORDER BY candidacy_id"
        )
        .unwrap();
        assert_eq!(kept, from_events, "{}", common::name(&store));
        let pipeline = ketnap_store::reports::pipeline(&mut conn, &Scope::system(), root, TODAY)
            .await
            .unwrap();
        assert!(pipeline.total() > 20, "{}", pipeline.total());
        drop(conn);
        pipelines_are_counted(&store, "after the demo").await;

        // The migration's fill (an existing database's candidacies) gives the same rows.
        common::refill(
            &store,
            "0019_stage_since.sql",
            "UPDATE candidacy",
            &[
                "UPDATE candidacy SET stage_since = NULL",
                "DELETE FROM counter WHERE period = 'since'",
                "DELETE FROM counter_sum WHERE period = 'since'",
            ],
        )
        .await;
        pipelines_are_counted(&store, "the migration's fill").await;
        let report = ketnap_store::rebuild::rebuild(&store, &RuleBook::spec_default())
            .await
            .unwrap();
        assert!(report.is_clean(), "the migration's fill: {report:?}");
    }
}

/// Every open organisation's pipeline (read from the counters by day entered) is the pipeline
/// counted candidacy by candidacy from their latest stage spell, on days that move candidacies
/// between the age buckets.
async fn pipelines_are_counted(store: &ketnap_store::Store, when: &str) {
    let mut conn = store.read().await.unwrap();
    let orgs: Vec<(i64,)> = fetch_all!(
        conn.ex(),
        (i64,),
        "SELECT org_id FROM org WHERE closed_on IS NULL ORDER BY org_id"
    )
    .unwrap();
    for today in [TODAY, date(2026, 2, 28), date(2027, 5, 31)] {
        let cut = |m: i64| ketnap_store::d(today.saturating_sub(jiff::Span::new().months(m)));
        for &(org,) in &orgs {
            let got = ketnap_store::reports::pipeline(&mut conn, &Scope::system(), org, today)
                .await
                .unwrap();
            let want: Vec<(String, i64, i64, i64, i64, i64)> = fetch_all!(
                conn.ex(),
                (String, i64, i64, i64, i64, i64),
                "SELECT x.stage, CAST(COUNT(*) AS BIGINT), \
                 CAST(SUM(CASE WHEN x.since > $2 THEN 1 ELSE 0 END) AS BIGINT), \
                 CAST(SUM(CASE WHEN x.since <= $2 AND x.since > $3 THEN 1 ELSE 0 END) AS BIGINT), \
                 CAST(SUM(CASE WHEN x.since <= $3 AND x.since > $4 THEN 1 ELSE 0 END) AS BIGINT), \
                 CAST(SUM(CASE WHEN x.since <= $4 THEN 1 ELSE 0 END) AS BIGINT) \
                 FROM (SELECT c.stage, (SELECT s.entered_on FROM stage_spell s \
                   WHERE s.candidacy_id = c.candidacy_id ORDER BY s.seq DESC LIMIT 1) AS since \
                   FROM org_closure oc JOIN candidacy c ON c.cell_id = oc.descendant_id \
                   WHERE oc.ancestor_id = $1 AND c.stage NOT IN ('official', 'withdrawn', \
                   'rejected', 'removed', 'transferred_out', 'deceased', 'annulled')) x \
                 GROUP BY x.stage",
                org,
                cut(3),
                cut(6),
                cut(12)
            )
            .unwrap();
            let mut want: Vec<(String, i64, i64, i64, i64, i64)> = want;
            want.sort_by_key(|r| counters::stage_from_code(&r.0).unwrap());
            let got: Vec<(String, i64, i64, i64, i64, i64)> = got
                .rows
                .iter()
                .map(|r| {
                    (
                        counters::stage_code(r.stage).to_string(),
                        r.total,
                        r.under_3_months,
                        r.from_3_to_6_months,
                        r.from_6_to_12_months,
                        r.from_12_months,
                    )
                })
                .collect();
            assert_eq!(
                got,
                want,
                "{when}: org {org} on {today}, {}",
                common::name(store)
            );
        }
    }
}

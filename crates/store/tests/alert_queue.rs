//! The alert queue (issue 19) answers exactly what computing every candidacy's alerts answers:
//! after the daily pass, for the whole database, under organisations and for scoped users; after
//! writes made in the day (a mentor note, steps); and it is not used on another day or under
//! another rule book. Both engines.
#![allow(clippy::unwrap_used)]

use crate::common;

use jiff::civil::{Date, date};
use ketnap_domain::RuleBook;
use ketnap_domain::alerts::{AlertKind, AlertStatus};
use ketnap_store::alert_queue::Words;
use ketnap_store::demo::{self, DemoSize};
use ketnap_store::{Role, Scope, Store, alert_queue, candidacies, fetch_all};

pub(crate) const TODAY: Date = date(2026, 11, 23);

use common::accounts;

/// Every alert as a comparable line (the order kept).
fn lines(found: &[candidacies::CandidacyAlert]) -> Vec<String> {
    found
        .iter()
        .map(|a| {
            format!(
                "{}|{}|{}|{}|{:?}|{:?}|{}|{}|{}|{}",
                a.candidacy_pub_id,
                a.full_name,
                a.cell_pub_id,
                a.cell_parent,
                a.stage,
                a.alert.kind,
                a.alert.due,
                a.alert.status.code(),
                a.alert.message_vi,
                a.mentor_name.clone().unwrap_or_default()
            )
        })
        .collect()
}

async fn queue_rows(store: &Store) -> Vec<String> {
    let mut conn = store.read().await.unwrap();
    let rows: Vec<(i64, i64, String, String, i64, i64, String)> = fetch_all!(
        conn.ex(),
        (i64, i64, String, String, i64, i64, String),
        "SELECT candidacy_id, cell_id, kind_key, kind, CAST(rank AS BIGINT), CAST(status AS BIGINT), actor \
         FROM alert_due ORDER BY candidacy_id, kind_key"
    )
    .unwrap();
    rows.into_iter().map(|r| format!("{r:?}")).collect()
}

async fn same_answers(store: &Store, book: &RuleBook, scopes: &[Scope], unders: &[i64]) {
    let mut conn = store.read().await.unwrap();
    assert!(alert_queue::fresh(&mut conn, book, TODAY).await.unwrap());
    for scope in scopes {
        for limit in [10_000, 7] {
            let stored = candidacies::alerts_under(&mut conn, scope, book, TODAY, limit, None)
                .await
                .unwrap();
            let computed = candidacies::alerts_computed(&mut conn, scope, book, TODAY, limit, None)
                .await
                .unwrap();
            assert_eq!(
                lines(&stored),
                lines(&computed),
                "{} {:?} limit {limit}",
                common::name(store),
                scope.role
            );
            // Read without their words (kind, due day, status and actor from the queue's
            // columns), then worded: the same alerts, rule and actor included.
            let mut later = candidacies::alerts_worded(
                &mut conn,
                scope,
                book,
                TODAY,
                limit,
                None,
                Words::Later,
            )
            .await
            .unwrap();
            let bare: Vec<_> = later
                .iter()
                .map(|a| (a.alert.kind, a.alert.due, a.alert.status, a.alert.actor))
                .collect();
            let full: Vec<_> = computed
                .iter()
                .map(|a| (a.alert.kind, a.alert.due, a.alert.status, a.alert.actor))
                .collect();
            assert_eq!(bare, full);
            assert!(later.iter().all(|a| a.alert.message_vi.is_empty()));
            let mut picked: Vec<_> = later.iter_mut().collect();
            let found = alert_queue::fill_words(&mut conn, book, TODAY, &mut picked)
                .await
                .unwrap();
            assert!(found.iter().all(|f| *f));
            assert_eq!(lines(&later), lines(&computed));
            let rules = |v: &[candidacies::CandidacyAlert]| {
                v.iter()
                    .map(|a| a.alert.rule_id.clone())
                    .collect::<Vec<_>>()
            };
            assert_eq!(rules(&later), rules(&computed));
        }
        for &u in unders {
            let stored = candidacies::alerts_under(&mut conn, scope, book, TODAY, 500, Some(u))
                .await
                .unwrap();
            let computed =
                candidacies::alerts_computed(&mut conn, scope, book, TODAY, 500, Some(u))
                    .await
                    .unwrap();
            assert_eq!(lines(&stored), lines(&computed), "under {u}");
        }
        // The dashboard's figures: from the queue, and as the computed list gives them.
        let week = date(2026, 11, 30);
        let dash = alert_queue::for_dashboard(&mut conn, scope, book, TODAY, week, 50)
            .await
            .unwrap();
        let all = candidacies::alerts_computed(&mut conn, scope, book, TODAY, 100_000, None)
            .await
            .unwrap();
        let overdue: Vec<_> = all
            .iter()
            .filter(|a| a.alert.status == AlertStatus::Overdue)
            .collect();
        assert_eq!(dash.overdue, overdue.len() as u64);
        assert_eq!(
            dash.overdue_acts,
            overdue.iter().filter(|a| a.alert.kind.rank() <= 5).count() as u64
        );
        let soon: Vec<_> = all
            .iter()
            .filter(|a| a.alert.status != AlertStatus::Overdue && a.alert.due <= week)
            .take(50)
            .cloned()
            .collect();
        assert_eq!(lines(&dash.soon), lines(&soon));
    }
}

#[tokio::test]
async fn the_queue_answers_what_computing_every_candidacy_answers() {
    let book = RuleBook::spec_default();
    for store in common::stores().await {
        demo::generate(&store, &book, DemoSize::scaled(0.05), 7, TODAY, &accounts())
            .await
            .unwrap();
        {
            let mut conn = store.read().await.unwrap();
            assert!(!alert_queue::fresh(&mut conn, &book, TODAY).await.unwrap());
        }
        // The steps, openings and notes of the demo (all written "today") left the rows the pass
        // writes: the write path keeps the queue without the pass.
        let before = queue_rows(&store).await;
        assert!(before.len() >= 20, "{}", before.len());
        let n = alert_queue::daily_pass(&store, &book, TODAY).await.unwrap();
        let open: Vec<(i64,)> = {
            let mut conn = store.read().await.unwrap();
            fetch_all!(
                conn.ex(),
                (i64,),
                &format!(
                    "SELECT candidacy_id FROM candidacy WHERE stage NOT IN ({})",
                    ketnap_store::counters::stage_codes(|s| s.is_terminal())
                )
            )
            .unwrap()
        };
        assert!(n >= 30, "{n}");
        assert_eq!(n, open.len() as u64, "the pass reads the open candidacies");
        assert_eq!(before, queue_rows(&store).await, "{}", common::name(&store));
        // Scopes: everything, and every demo account that sees individuals.
        let mut scopes = vec![Scope::system()];
        let mut conn = store.read().await.unwrap();
        let users: Vec<(i64, String, Option<i64>)> = fetch_all!(
            conn.ex(),
            (i64, String, Option<i64>),
            "SELECT DISTINCT us.user_id, us.role, u.member_id FROM user_scope us JOIN app_user u ON u.user_id = us.user_id \
             ORDER BY us.user_id, us.role"
        )
        .unwrap();
        for (user, role, member) in users {
            let role = Role::from_code(&role).unwrap();
            if role.sees_individuals() {
                scopes.push(Scope::user(user, role, member));
            }
        }
        assert!(scopes.len() >= 5, "{}", scopes.len());
        let unders: Vec<(i64,)> = fetch_all!(
            conn.ex(),
            (i64,),
            "SELECT org_id FROM org WHERE kind LIKE 'grassroots:%' ORDER BY org_id"
        )
        .unwrap();
        drop(conn);
        let unders: Vec<i64> = unders.into_iter().map(|(u,)| u).collect();
        same_answers(&store, &book, &scopes, &unders).await;

        // Writes in the day keep the queue exact: a month's mentor note for every candidacy that
        // misses one.
        let mut conn = store.read().await.unwrap();
        let all =
            candidacies::alerts_computed(&mut conn, &Scope::system(), &book, TODAY, 100_000, None)
                .await
                .unwrap();
        drop(conn);
        let missing: Vec<(String, i16, i8)> = all
            .iter()
            .filter_map(|a| match a.alert.kind {
                AlertKind::MentorNoteMissing { year, month } => {
                    Some((a.candidacy_pub_id.clone(), year, month))
                }
                _ => None,
            })
            .collect();
        assert!(!missing.is_empty());
        let ctx = common::ctx(None);
        assert_eq!(ctx.today(), TODAY);
        let mut tx = store.begin().await.unwrap();
        for (pub_id, year, month) in &missing {
            candidacies::add_mentor_note(
                &mut tx,
                &ctx,
                &book,
                &Scope::system(),
                pub_id,
                *year,
                *month,
                TODAY,
                "Quần chúng tích cực.",
            )
            .await
            .unwrap();
        }
        tx.commit().await.unwrap();
        same_answers(&store, &book, &scopes, &unders).await;

        // The overdue counts (counters summed per subtree) follow a cell's rows into the cell
        // it is merged into; `ketnap rebuild` counts the rows again, also after the migration's
        // fill.
        let mut conn = store.read().await.unwrap();
        let cells: Vec<(i64,)> = fetch_all!(
            conn.ex(),
            (i64,),
            "SELECT a.cell_id FROM alert_due a JOIN org o ON o.org_id = a.cell_id \
             WHERE a.status = 0 AND o.closed_on IS NULL GROUP BY a.cell_id ORDER BY COUNT(*) DESC, a.cell_id"
        )
        .unwrap();
        drop(conn);
        assert!(cells.len() >= 2, "{}", cells.len());
        let mut tx = store.begin().await.unwrap();
        ketnap_store::orgs::merge(
            &mut tx,
            &ctx,
            cells[0].0,
            cells[1].0,
            TODAY,
            "Hợp nhất chi bộ",
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        same_answers(&store, &book, &scopes, &unders).await;
        let clean = |r: &ketnap_store::rebuild::RebuildReport| {
            r.counter_differences.is_empty() && r.counter_sum_differences.is_empty()
        };
        let report = ketnap_store::rebuild::rebuild(&store, &book).await.unwrap();
        assert!(clean(&report), "{report:?}");
        common::refill(
            &store,
            "0021_overdue_counts.sql",
            "INSERT INTO",
            &[
                "DELETE FROM counter WHERE period = 'alert'",
                "DELETE FROM counter_sum WHERE period = 'alert'",
            ],
        )
        .await;
        let report = ketnap_store::rebuild::rebuild(&store, &book).await.unwrap();
        assert!(clean(&report), "the migration's fill: {report:?}");
        same_answers(&store, &book, &scopes, &unders).await;

        // Another day, or another rule book: the rows are not used.
        let mut conn = store.read().await.unwrap();
        assert!(
            !alert_queue::fresh(&mut conn, &book, TODAY.tomorrow().unwrap())
                .await
                .unwrap()
        );
        let mut other = book.clone();
        other.calendar = ketnap_domain::calendar::WorkCalendar::statutory();
        assert!(!alert_queue::fresh(&mut conn, &other, TODAY).await.unwrap());
    }
}

/// Every alert row with its due day, of one candidacy or all (`None`), sorted.
async fn rows_with_due(store: &Store, candidacy_pub_id: Option<&str>) -> Vec<String> {
    let mut conn = store.read().await.unwrap();
    let rows: Vec<(String, i64, String, i64, i64, String, String)> = fetch_all!(
        conn.ex(),
        (String, i64, String, i64, i64, String, String),
        "SELECT c.pub_id, a.cell_id, a.kind_key, CAST(a.rank AS BIGINT), CAST(a.status AS BIGINT), \
         CAST(a.due AS TEXT), a.actor FROM alert_due a JOIN candidacy c ON c.candidacy_id = a.candidacy_id \
         WHERE $1 = '' OR c.pub_id = $1 ORDER BY c.pub_id, a.kind_key",
        candidacy_pub_id.unwrap_or_default()
    )
    .unwrap();
    rows.into_iter().map(|r| format!("{r:?}")).collect()
}

/// Alert rows written over since the counting trigger was made.
async fn deletes(store: &Store) -> i64 {
    let mut conn = store.read().await.unwrap();
    let (n,): (i64,) =
        ketnap_store::fetch_one!(conn.ex(), (i64,), "SELECT COUNT(*) FROM alert_deleted").unwrap();
    n
}

/// Assign `mentor` to candidacy `pub_id` at `version` (a step judged and written in `tx`).
pub(crate) async fn assign_mentor(
    tx: &mut ketnap_store::Tx,
    book: &RuleBook,
    pub_id: &str,
    version: i64,
    mentor: &str,
) {
    use ketnap_domain::lifecycle::{Action, Command, MemberFacts};
    candidacies::execute(
        tx,
        &common::ctx(None),
        book,
        &Scope::system(),
        pub_id,
        version,
        Command {
            on: TODAY,
            action: Action::AssignMentor {
                mentor: MemberFacts {
                    member_id: mentor.to_string(),
                    official: true,
                    same_cell: true,
                    same_grassroots: true,
                },
            },
        },
    )
    .await
    .unwrap();
}

/// A step rewrites its candidacy's alert rows only when they change (issue 19, B4: on SQLite
/// the rows and mentor notes are read with the step's own row, and a step that leaves them as
/// they were deletes and inserts nothing; on PostgreSQL the rows are compared by the statement
/// that writes them, which writes none of the rows that stay), and every step leaves the rows
/// the daily pass writes (both engines). A mentor reassigned: the missing-note alert counts from the assignment, so
/// the first reassignment changes the rows and a second on the same day leaves them.
#[tokio::test]
async fn a_step_rewrites_its_alert_rows_only_when_they_change() {
    let book = RuleBook::spec_default();
    for store in common::stores().await {
        let engine = common::name(&store);
        demo::generate(&store, &book, DemoSize::scaled(0.05), 7, TODAY, &accounts())
            .await
            .unwrap();
        alert_queue::daily_pass(&store, &book, TODAY).await.unwrap();
        // Rows written over counted by a trigger: on SQLite the deletes (a change rewrites the
        // candidacy's rows), on PostgreSQL every delete, update and insert (a change is written
        // in place by one statement, `alert_queue::write_compared`).
        let mut tx = store.begin().await.unwrap();
        ketnap_store::exec!(tx.ex(), "CREATE TABLE alert_deleted (n INTEGER)").unwrap();
        if engine == "sqlite" {
            ketnap_store::exec!(
                tx.ex(),
                "CREATE TRIGGER alert_deleted AFTER DELETE ON alert_due \
                 BEGIN INSERT INTO alert_deleted VALUES (1); END"
            )
            .unwrap();
        } else {
            ketnap_store::exec!(
                tx.ex(),
                "CREATE FUNCTION alert_written() RETURNS trigger LANGUAGE plpgsql AS \
                 'BEGIN INSERT INTO alert_deleted VALUES (1); RETURN NULL; END'"
            )
            .unwrap();
            ketnap_store::exec!(
                tx.ex(),
                "CREATE TRIGGER alert_deleted AFTER INSERT OR UPDATE OR DELETE ON alert_due \
                 FOR EACH ROW EXECUTE FUNCTION alert_written()"
            )
            .unwrap();
        }
        tx.commit().await.unwrap();
        // Candidacies where a mentor may be assigned, with alert rows, their mentor and the
        // official members of their cell.
        let mut conn = store.read().await.unwrap();
        let found: Vec<(String, i64, Option<String>, String)> = fetch_all!(
            conn.ex(),
            (String, i64, Option<String>, String),
            "SELECT c.pub_id, c.version, cm.pub_id, m.pub_id FROM candidacy c \
             LEFT JOIN member cm ON cm.member_id = c.mentor_member_id \
             JOIN member m ON m.cell_id = c.cell_id AND m.status = 'official' \
             WHERE c.stage IN ('sympathizer', 'course', 'dossier') \
             AND EXISTS (SELECT 1 FROM alert_due a WHERE a.candidacy_id = c.candidacy_id) \
             ORDER BY c.pub_id, m.pub_id"
        )
        .unwrap();
        drop(conn);
        let mut targets: Vec<(String, i64, String, String)> = Vec::new();
        let mut i = 0;
        while i < found.len() {
            let (pub_id, version, current, _) = &found[i];
            let officials: Vec<&String> = found[i..]
                .iter()
                .take_while(|r| &r.0 == pub_id)
                .map(|r| &r.3)
                .collect();
            i += officials.len();
            let first = officials.iter().find(|m| Some(**m) != current.as_ref());
            let second = first.and_then(|f| officials.iter().find(|m| *m != f));
            if let (Some(a), Some(b)) = (first, second) {
                targets.push((pub_id.clone(), *version, (*a).clone(), (*b).clone()));
            }
        }
        assert!(targets.len() >= 4, "{engine}: {}", targets.len());
        let ctx = common::ctx(None);
        let (mut unchanged, mut changed) = (0, 0);
        for (pub_id, version, a, b) in &targets {
            for (k, mentor) in [a, b].into_iter().enumerate() {
                let before = rows_with_due(&store, Some(pub_id)).await;
                let deleted = deletes(&store).await;
                let mut tx = store.begin().await.unwrap();
                assign_mentor(&mut tx, &book, pub_id, version + k as i64, mentor).await;
                tx.commit().await.unwrap();
                let after = rows_with_due(&store, Some(pub_id)).await;
                if before == after {
                    unchanged += 1;
                } else {
                    changed += 1;
                }
                let now = deletes(&store).await;
                if before == after {
                    assert_eq!(now, deleted, "{engine} {pub_id}: rows left as they were");
                } else {
                    assert!(now > deleted, "{engine} {pub_id}: the old rows replaced");
                }
            }
        }
        assert!(
            unchanged >= 3 && changed >= 1,
            "{engine}: {unchanged} {changed}"
        );
        // The rows the steps left are the rows the daily pass writes.
        let kept = rows_with_due(&store, None).await;
        alert_queue::daily_pass(&store, &book, TODAY).await.unwrap();
        assert_eq!(kept, rows_with_due(&store, None).await, "{engine}");
        // Several writes in one transaction: an audit row of another organisation first (the
        // transaction's chain is its), then steps of two candidacies (each reading its own
        // cell's head ahead): the rows go to one chain, hashed over its real head.
        let mut tx = store.begin().await.unwrap();
        ketnap_store::audit::append(
            &mut tx,
            &ctx,
            &ketnap_store::audit::AuditEntry {
                action: "test.append",
                object_kind: "test",
                object_id: "first",
                org_id: Some(1),
                detail: serde_json::json!({}),
            },
        )
        .await
        .unwrap();
        for (pub_id, version, a, _) in targets.iter().take(2) {
            assign_mentor(&mut tx, &book, pub_id, version + 2, a).await;
        }
        tx.commit().await.unwrap();
        // Two candidacies' steps in one transaction, no other row first: the chain is the first
        // step's cell's, the head read ahead is the second's.
        let mut tx = store.begin().await.unwrap();
        for (pub_id, version, a, _) in targets.iter().skip(2).take(2).rev() {
            assign_mentor(&mut tx, &book, pub_id, version + 2, a).await;
        }
        tx.commit().await.unwrap();
        // The audit chains the steps appended to (heads read ahead on SQLite) verify.
        let report = ketnap_store::audit::verify(&store).await.unwrap();
        assert!(report.ok(), "{engine}: {report:?}");
    }
}

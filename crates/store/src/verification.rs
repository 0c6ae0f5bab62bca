//! The verification desk (thẩm tra lý lịch): every verification request as a row that staff work
//! as a queue — open requests by age and destination, reminders after `verification.stall`,
//! answers recorded in bulk — and the durations from sending to answer per organisation and per
//! destination (median and 90th percentile).
//!
//! The rows are a projection of the candidacies' histories (`SendVerification`,
//! `AnswerVerification`), written by [`sync`] in the transaction of the step
//! ([`crate::candidacies::execute`]) and compared by `ketnap rebuild` ([`expected_rows`]); the
//! queue reads only open rows through an index on (cell, answered, sent), so its cost follows the
//! requests it shows. Answers go through the lifecycle like any step.

use std::collections::BTreeMap;

use jiff::civil::Date;
use ketnap_domain::RuleBook;
use ketnap_domain::lifecycle::{Action, Candidacy, Command, Relation, VerificationOutcome};
use ketnap_domain::text::fold;
use serde::Serialize;
use serde_json::json;

use crate::audit::{self, AuditEntry};
use crate::bulk::{self, Val};
use crate::{Conn, Result, Scope, StoreError, Tx, WriteCtx, d};

/// The stored text of a serde enum (`candidate`, `clear`…).
fn code<T: Serialize>(x: &T) -> String {
    serde_json::to_value(x)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn from_code<T: serde::de::DeserializeOwned>(s: &str) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(s.to_string())).ok()
}

/// A destination folded to group the same place written differently.
pub fn destination_key(destination: &str) -> String {
    fold(destination)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// One request as the projection holds it (what [`sync`] writes and rebuild compares).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestRow {
    /// Number within the candidacy.
    pub request_no: i64,
    /// The cell.
    pub cell_id: i64,
    /// Whom it verifies (code).
    pub subject: String,
    /// Where it went.
    pub destination: String,
    /// Sent on.
    pub sent_on: Date,
    /// Answered on.
    pub answered_on: Option<Date>,
    /// Outcome (code).
    pub outcome: Option<String>,
}

/// The rows a candidacy's state implies, in its cell.
pub fn expected_rows(c: &Candidacy, cell_id: i64) -> Vec<RequestRow> {
    c.verification
        .iter()
        .map(|r| RequestRow {
            request_no: i64::from(r.request_no),
            cell_id,
            subject: code(&r.subject),
            destination: r.destination.clone(),
            sent_on: r.sent_on,
            answered_on: r.answer.as_ref().map(|a| a.0),
            outcome: r.answer.as_ref().map(|a| code(&a.1)),
        })
        .collect()
}

/// The rows stored for candidacies `lo ..= hi` (rebuild), by candidacy.
pub async fn stored_rows(
    conn: &mut Conn,
    lo: i64,
    hi: i64,
) -> Result<BTreeMap<i64, Vec<RequestRow>>> {
    type Raw = (
        i64,
        i64,
        i64,
        String,
        String,
        jiff_sqlx::Date,
        Option<jiff_sqlx::Date>,
        Option<String>,
    );
    let rows: Vec<Raw> = fetch_all!(
        conn.ex(),
        Raw,
        "SELECT candidacy_id, request_no, cell_id, subject, destination, sent_on, answered_on, outcome \
         FROM verification_request WHERE candidacy_id >= $1 AND candidacy_id <= $2 \
         ORDER BY candidacy_id, request_no",
        lo,
        hi
    )?;
    let mut out: BTreeMap<i64, Vec<RequestRow>> = BTreeMap::new();
    for (id, no, cell, subject, destination, sent, answered, outcome) in rows {
        out.entry(id).or_default().push(RequestRow {
            request_no: no,
            cell_id: cell,
            subject,
            destination,
            sent_on: sent.to_jiff(),
            answered_on: answered.map(|a| a.to_jiff()),
            outcome,
        });
    }
    Ok(out)
}

/// Write the candidacy's requests after a step (called by `execute` when the step sends or
/// answers a request, or moves the candidacy to another cell): every row the state implies in
/// one statement — a new request inserted, a known one given its cell and answer (its subject,
/// destination, sending date and sender stay as they were sent).
pub(crate) async fn sync(
    tx: &mut Tx,
    ctx: &WriteCtx,
    candidacy_id: i64,
    cell_id: i64,
    c: &Candidacy,
) -> Result<()> {
    let rows: Vec<Vec<Val>> = expected_rows(c, cell_id)
        .into_iter()
        .map(|r| {
            vec![
                Val::Int(Some(candidacy_id)),
                Val::Int(Some(r.request_no)),
                Val::Int(Some(r.cell_id)),
                Val::Text(Some(destination_key(&r.destination))),
                Val::Text(Some(r.subject)),
                Val::Text(Some(r.destination)),
                Val::Date(Some(d(r.sent_on))),
                Val::Int(ctx.actor_id),
                Val::Date(r.answered_on.map(d)),
                Val::Text(r.outcome),
            ]
        })
        .collect();
    bulk::insert_tail(
        tx,
        "INSERT INTO verification_request (candidacy_id, request_no, cell_id, destination_key, \
         subject, destination, sent_on, sent_by, answered_on, outcome)",
        10,
        &rows,
        "ON CONFLICT (candidacy_id, request_no) DO UPDATE SET cell_id = excluded.cell_id, \
         answered_on = excluded.answered_on, outcome = excluded.outcome",
    )
    .await
}

/// Roles that work the desk (record reminders and answers).
pub fn role_works_desk(role: crate::Role) -> bool {
    matches!(role, crate::Role::Admin | crate::Role::OrgStaff)
}

/// Roles that read the queue's names (the staff who work it and those who follow the cells);
/// every role that reads the organisation reads the durations (aggregates).
pub fn role_reads_desk(role: crate::Role) -> bool {
    matches!(
        role,
        crate::Role::Admin
            | crate::Role::OrgStaff
            | crate::Role::CommitteeMemberInCharge
            | crate::Role::CellSecretary
    )
}

/// One open request of the queue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct OpenRequest {
    /// The candidacy's public id.
    pub candidacy_pub_id: String,
    /// Name.
    pub full_name: String,
    /// The cell.
    pub cell_name: String,
    /// The organisation above the cell.
    pub cell_parent: Option<String>,
    /// Number within the candidacy.
    pub request_no: i64,
    /// Whom it verifies (code).
    pub subject: String,
    /// Where it went.
    pub destination: String,
    /// Sent on.
    #[serde(skip)]
    pub sent_on: jiff_sqlx::Date,
    /// Last reminder.
    #[serde(skip)]
    pub reminded_on: Option<jiff_sqlx::Date>,
}

impl OpenRequest {
    /// Whom it verifies, in words.
    pub fn subject_vi(&self) -> &'static str {
        from_code::<Relation>(&self.subject).map_or("", Relation::label_vi)
    }

    /// Days waited by `today`.
    pub fn days(&self, today: Date) -> i64 {
        i64::from((today - self.sent_on.to_jiff()).get_days())
    }
}

/// The open requests of the subtree of `org_id`, oldest first: `limit` of them after the first
/// `offset`; with `stalled_before`, only those sent before that day (past `verification.stall`).
/// The condition is written only when asked for, so each form of the query keeps its plan.
pub async fn open_requests(
    conn: &mut Conn,
    scope: &Scope,
    org_id: i64,
    stalled_before: Option<Date>,
    offset: i64,
    limit: i64,
) -> Result<Vec<OpenRequest>> {
    crate::reports::org_head(conn, scope, org_id).await?;
    if !role_reads_desk(scope.role) {
        return Err(StoreError::Forbidden("verification queue"));
    }
    let head = "SELECT c.pub_id AS candidacy_pub_id, p.full_name, o.name AS cell_name, \
         po.name AS cell_parent, v.request_no, v.subject, v.destination, v.sent_on, v.reminded_on \
         FROM org_closure oc JOIN verification_request v ON v.cell_id = oc.descendant_id \
         JOIN candidacy c ON c.candidacy_id = v.candidacy_id \
         JOIN person p ON p.person_id = c.person_id JOIN org o ON o.org_id = v.cell_id \
         LEFT JOIN org po ON po.org_id = o.parent_id \
         WHERE oc.ancestor_id = $1 AND v.answered_on IS NULL";
    let order = "ORDER BY v.sent_on, v.candidacy_id, v.request_no";
    Ok(match stalled_before {
        None => fetch_all!(
            conn.ex(),
            OpenRequest,
            &format!("{head} {order} LIMIT $2 OFFSET $3"),
            org_id,
            limit,
            offset
        )?,
        Some(before) => fetch_all!(
            conn.ex(),
            OpenRequest,
            &format!("{head} AND v.sent_on < $2 {order} LIMIT $3 OFFSET $4"),
            org_id,
            d(before),
            limit,
            offset
        )?,
    })
}

/// The size of the queue of a subtree.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct QueueCounts {
    /// Open requests.
    pub open: i64,
    /// Of those, sent before the stall day.
    pub stalled: i64,
    /// Candidacies with an open request (held up by verification).
    pub held_up: i64,
}

/// Count the open requests of the subtree of `org_id`, those sent before `stalled_before`, and
/// the candidacies they hold up, in one grouped query over the open-request index.
pub async fn queue_counts(
    conn: &mut Conn,
    scope: &Scope,
    org_id: i64,
    stalled_before: Date,
) -> Result<QueueCounts> {
    crate::reports::org_head(conn, scope, org_id).await?;
    if !role_reads_desk(scope.role) {
        return Err(StoreError::Forbidden("verification queue"));
    }
    let (open, stalled, held_up): (i64, i64, i64) = fetch_one!(
        conn.ex(),
        (i64, i64, i64),
        "SELECT COUNT(*), CAST(COALESCE(SUM(CASE WHEN v.sent_on < $2 THEN 1 ELSE 0 END), 0) AS BIGINT), \
         COUNT(DISTINCT v.candidacy_id) \
         FROM org_closure oc JOIN verification_request v ON v.cell_id = oc.descendant_id \
         WHERE oc.ancestor_id = $1 AND v.answered_on IS NULL",
        org_id,
        d(stalled_before)
    )?;
    Ok(QueueCounts {
        open,
        stalled,
        held_up,
    })
}

/// A candidacy held up by verification: its open requests and what verify.exempt spares it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HeldUp {
    /// The candidacy's public id.
    pub candidacy_pub_id: String,
    /// Name.
    pub full_name: String,
    /// The cell.
    pub cell_name: String,
    /// Open requests.
    pub open: i64,
    /// The oldest open request was sent on.
    pub oldest: Date,
    /// Whom the verification must cover and whom verify.exempt spares
    /// ([`ketnap_domain::lifecycle::verification_scope`]).
    pub scope: ketnap_domain::lifecycle::VerificationScope,
}

/// The candidacies of the subtree of `org_id` held up by verification, longest waiting first
/// (`limit` after `offset`), each with the verification it needs and the exemptions applied. Only
/// the rows shown are read in full.
pub async fn held_up(
    conn: &mut Conn,
    scope: &Scope,
    book: &ketnap_domain::RuleBook,
    org_id: i64,
    offset: i64,
    limit: i64,
) -> Result<Vec<HeldUp>> {
    crate::reports::org_head(conn, scope, org_id).await?;
    if !role_reads_desk(scope.role) {
        return Err(StoreError::Forbidden("verification queue"));
    }
    type Raw = (String, String, String, i64, jiff_sqlx::Date, String);
    let rows: Vec<Raw> = fetch_all!(
        conn.ex(),
        Raw,
        "SELECT c.pub_id, p.full_name, o.name, w.open, w.oldest, c.context FROM \
         (SELECT v.candidacy_id, COUNT(*) AS open, MIN(v.sent_on) AS oldest \
          FROM org_closure oc JOIN verification_request v ON v.cell_id = oc.descendant_id \
          WHERE oc.ancestor_id = $1 AND v.answered_on IS NULL GROUP BY v.candidacy_id \
          ORDER BY MIN(v.sent_on), v.candidacy_id LIMIT $2 OFFSET $3) w \
         JOIN candidacy c ON c.candidacy_id = w.candidacy_id \
         JOIN person p ON p.person_id = c.person_id JOIN org o ON o.org_id = c.cell_id \
         ORDER BY w.oldest, c.candidacy_id",
        org_id,
        limit,
        offset
    )?;
    rows.into_iter()
        .map(|(pub_id, full_name, cell_name, open, oldest, context)| {
            let e: crate::candidacies::CandidateExtras = serde_json::from_str(&context)
                .map_err(|e| StoreError::Corrupt(format!("candidacy context: {e}")))?;
            let rules = book.in_force(oldest.to_jiff());
            Ok(HeldUp {
                candidacy_pub_id: pub_id,
                full_name,
                cell_name,
                open,
                oldest: oldest.to_jiff(),
                scope: ketnap_domain::lifecycle::verification_scope(
                    rules,
                    &ketnap_domain::lifecycle::FamilyFacts {
                        married: e.married,
                        has_adult_children: e.has_adult_children,
                        own_family_member: e.own_family_member,
                        spouse_family_member: e.spouse_family_member,
                    },
                ),
            })
        })
        .collect()
}

async fn request_key(tx: &mut Tx, scope: &Scope, pub_id: &str, no: i64) -> Result<(i64, i64, i64)> {
    let (all, user, role) = scope.binds();
    let sql = format!(
        "SELECT c.candidacy_id, c.version, c.cell_id FROM candidacy c \
         JOIN verification_request v ON v.candidacy_id = c.candidacy_id AND v.request_no = $2 \
         WHERE c.pub_id = $1 AND {}",
        scope.org_filter("c.cell_id", 3)
    );
    fetch_optional!(tx.ex(), (i64, i64, i64), &sql, pub_id, no, all, user, role)?
        .ok_or(StoreError::NotFound("verification request"))
}

/// Record that a reminder letter was sent on `on` for each request (candidacy, number).
pub async fn record_reminders(
    tx: &mut Tx,
    ctx: &WriteCtx,
    scope: &Scope,
    requests: &[(String, i64)],
    on: Date,
) -> Result<usize> {
    if !role_works_desk(scope.role) {
        return Err(StoreError::Forbidden("verification desk"));
    }
    if on > ctx.today() {
        return Err(StoreError::invalid(
            "reminder in the future",
            "Ngày gửi công văn đôn đốc ở sau ngày hôm nay.",
        ));
    }
    for (pub_id, no) in requests {
        let (candidacy_id, _, cell_id) = request_key(tx, scope, pub_id, *no).await?;
        exec!(
            tx.ex(),
            "UPDATE verification_request SET reminded_on = $1 WHERE candidacy_id = $2 AND request_no = $3 \
             AND answered_on IS NULL",
            d(on),
            candidacy_id,
            *no
        )?;
        audit::append(
            tx,
            ctx,
            &AuditEntry {
                action: "verification.remind",
                object_kind: "candidacy",
                object_id: pub_id,
                org_id: Some(cell_id),
                detail: json!({ "request_no": no, "on": on.to_string() }),
            },
        )
        .await?;
    }
    Ok(requests.len())
}

/// Record the answers of many requests received on `on`, each through the lifecycle
/// (`AnswerVerification`), in one transaction: all land or none.
pub async fn answer_many(
    tx: &mut Tx,
    ctx: &WriteCtx,
    book: &RuleBook,
    scope: &Scope,
    answers: &[(String, i64, VerificationOutcome)],
    on: Date,
) -> Result<usize> {
    if !role_works_desk(scope.role) {
        return Err(StoreError::Forbidden("verification desk"));
    }
    for (pub_id, no, outcome) in answers {
        let (_, version, _) = request_key(tx, scope, pub_id, *no).await?;
        let request_no = u32::try_from(*no)
            .map_err(|_| StoreError::invalid("request number", "Số công văn không hợp lệ."))?;
        crate::candidacies::execute(
            tx,
            ctx,
            book,
            scope,
            pub_id,
            version,
            Command {
                on,
                action: Action::AnswerVerification {
                    request_no,
                    outcome: *outcome,
                },
            },
        )
        .await?;
    }
    Ok(answers.len())
}

/// What a reminder letter for one request says, read within the scope.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LetterFacts {
    /// The candidate's name.
    pub full_name: String,
    /// Birth date.
    pub birth_date: Date,
    /// Whom the request verifies, in words.
    pub subject_vi: &'static str,
    /// Where it went.
    pub destination: String,
    /// Number within the candidacy.
    pub request_no: i64,
    /// Sent on.
    pub sent_on: Date,
    /// Answered on (a letter for an answered request says so).
    pub answered_on: Option<Date>,
    /// The cell.
    pub cell_id: i64,
}

/// The facts of the reminder letter for request `no` of candidacy `pub_id`.
pub async fn letter_facts(
    conn: &mut Conn,
    scope: &Scope,
    pub_id: &str,
    no: i64,
) -> Result<LetterFacts> {
    if !role_reads_desk(scope.role) {
        return Err(StoreError::Forbidden("verification letter"));
    }
    let (all, user, role) = scope.binds();
    let sql = format!(
        "SELECT p.full_name, p.birth_date, v.subject, v.destination, v.sent_on, v.answered_on, v.cell_id \
         FROM candidacy c JOIN verification_request v ON v.candidacy_id = c.candidacy_id \
         JOIN person p ON p.person_id = c.person_id \
         WHERE c.pub_id = $1 AND v.request_no = $2 AND {}",
        scope.org_filter("v.cell_id", 3)
    );
    type Raw = (
        String,
        jiff_sqlx::Date,
        String,
        String,
        jiff_sqlx::Date,
        Option<jiff_sqlx::Date>,
        i64,
    );
    let (full_name, birth, subject, destination, sent, answered, cell_id): Raw =
        fetch_optional!(conn.ex(), Raw, &sql, pub_id, no, all, user, role)?
            .ok_or(StoreError::NotFound("verification request"))?;
    Ok(LetterFacts {
        full_name,
        birth_date: birth.to_jiff(),
        subject_vi: from_code::<Relation>(&subject).map_or("", Relation::label_vi),
        destination,
        request_no: no,
        sent_on: sent.to_jiff(),
        answered_on: answered.map(|a| a.to_jiff()),
        cell_id,
    })
}

/// Median and 90th percentile of days from sending to answer, for one group.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Durations {
    /// The organisation or destination.
    pub name: String,
    /// Requests answered.
    pub answered: usize,
    /// Median days (nearest rank).
    pub median: i64,
    /// 90th percentile days (nearest rank).
    pub p90: i64,
}

/// The nearest-rank percentile `pct` of sorted `days`.
fn percentile(days: &[i64], pct: usize) -> i64 {
    if days.is_empty() {
        return 0;
    }
    let rank = (pct * days.len()).div_ceil(100).max(1);
    days[rank - 1]
}

fn durations_of(groups: BTreeMap<String, Vec<i64>>) -> Vec<Durations> {
    let mut out: Vec<Durations> = groups
        .into_iter()
        .map(|(name, mut days)| {
            days.sort_unstable();
            Durations {
                answered: days.len(),
                median: percentile(&days, 50),
                p90: percentile(&days, 90),
                name,
            }
        })
        .collect();
    out.sort_by(|a, b| b.p90.cmp(&a.p90).then_with(|| a.name.cmp(&b.name)));
    out
}

/// The verification durations of the subtree of `org_id` for requests answered in
/// `from ..= through`: overall, per organisation directly under `org_id` (the cell's branch), and
/// per destination (grouped by [`destination_key`], shown as first written).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DurationReport {
    /// All requests.
    pub overall: Durations,
    /// Per organisation under `org_id`.
    pub by_org: Vec<Durations>,
    /// Per destination.
    pub by_destination: Vec<Durations>,
}

/// [`DurationReport`] (aggregates: every role that reads the organisation may read it).
pub async fn durations(
    conn: &mut Conn,
    scope: &Scope,
    org_id: i64,
    from: Date,
    through: Date,
) -> Result<DurationReport> {
    crate::reports::org_head(conn, scope, org_id).await?;
    type Raw = (
        Option<String>,
        String,
        String,
        jiff_sqlx::Date,
        jiff_sqlx::Date,
    );
    // The branch of each request: the ancestor of its cell directly under `org_id` (none when the
    // cell is `org_id` itself).
    let rows: Vec<Raw> = fetch_all!(
        conn.ex(),
        Raw,
        "SELECT co.name, v.destination_key, v.destination, v.sent_on, v.answered_on \
         FROM org_closure oc JOIN verification_request v ON v.cell_id = oc.descendant_id \
         LEFT JOIN (org_closure up JOIN org co ON co.org_id = up.ancestor_id AND co.parent_id = $1) \
           ON up.descendant_id = v.cell_id \
         WHERE oc.ancestor_id = $1 AND v.answered_on >= $2 AND v.answered_on <= $3",
        org_id,
        d(from),
        d(through)
    )?;
    let mut all = Vec::new();
    let mut by_org: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    let mut by_dest: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for (org, key, destination, sent, answered) in rows {
        let days = i64::from((answered.to_jiff() - sent.to_jiff()).get_days());
        all.push(days);
        if let Some(org) = org {
            by_org.entry(org).or_default().push(days);
        }
        names.entry(key.clone()).or_insert(destination);
        by_dest.entry(key).or_default().push(days);
    }
    let by_destination = durations_of(
        by_dest
            .into_iter()
            .map(|(k, v)| (names.remove(&k).unwrap_or(k), v))
            .collect(),
    );
    let overall = durations_of(BTreeMap::from([("Tất cả".to_string(), all)]))
        .pop()
        .unwrap_or(Durations {
            name: "Tất cả".into(),
            answered: 0,
            median: 0,
            p90: 0,
        });
    Ok(DurationReport {
        overall,
        by_org: durations_of(by_org),
        by_destination,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_take_the_nearest_rank() {
        let days: Vec<i64> = (1..=10).collect();
        assert_eq!(percentile(&days, 50), 5);
        assert_eq!(percentile(&days, 90), 9);
        assert_eq!(percentile(&[7], 90), 7);
        assert_eq!(percentile(&[3, 40], 50), 3);
        assert_eq!(percentile(&[3, 40], 90), 40);
        assert_eq!(percentile(&[], 50), 0);
    }

    #[test]
    fn destinations_written_differently_fold_to_one_key() {
        assert_eq!(
            destination_key("UBND  xã Tân Phú"),
            destination_key("ubnd xa tan phu")
        );
    }
}

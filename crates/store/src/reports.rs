//! The data behind the plan-vs-actual views and the periodic reports (month, quarter, 6 months,
//! year, term) of any organisation's subtree: serialisable structs the web pages, the printable
//! pages, the XLSX files and the CLI all render.
//!
//! **Where the numbers come from.** Flows are read from the per-cell, per-month counters
//! ([`crate::counters`]) added up over the subtree with one join over `org_closure`; a period is
//! the months it spans (`YYYY-MM` from its first to its last day). Counter metrics map to the
//! plan's lines ([`Line`]) as follows:
//! - sources = `sympathizer.listed` (see [`SOURCES_METRIC`] for why not `source.opened`);
//! - course attendees = `course.certified` (the first awareness certificate);
//! - admissions = `admission` (approved decisions; an annulment takes its admission back in the
//!   month and cell of the decision, so an annulled admission is in no report);
//! - sub-groups ([`sub_group_metrics`]): women, Youth Union members, ethnic minority and religious
//!   from `admission.<group>`; workers, students, teachers and hamlet heads from
//!   `admission.source.<source category code>`.
//!
//! The candidates behind a number ([`admitted_in`]) are read from the events the counters were
//! written from, with the same rules, so a drill-down lists exactly as many people as the number.
//!
//! **Composition** (of the admitted, of the membership) and the **pipeline ageing** read people
//! and candidacies as grouped queries or one streamed pass over the rows (never a query per
//! person, never the whole set in memory). Names are read only by [`admitted_in`], for roles that see individuals; everything
//! else is an aggregate that every role may read for an organisation in its scope. An
//! organisation outside the scope is [`StoreError::NotFound`].

use std::collections::{BTreeMap, HashMap};

use jiff::ToSpan;
use jiff::civil::Date;
use ketnap_domain::dates::format_vn;
use ketnap_domain::lifecycle::{Action, AnnulTarget, Stage};
use ketnap_domain::org::{OrgKind, Sector};
use ketnap_domain::person::{
    BirthDate, Education, Ethnicity, Gender, Qualification, Religion, SourceCategory, TheoryLevel,
};
use ketnap_domain::plan::{Actuals, Gap, Line, Period, Plan, PlanVsActual, SubGroup, children_gap};
use ketnap_domain::stats::{Composition, Facet, ProfileFacts};
use serde::Serialize;

use crate::candidacies::{self, EventPayload, IntroductionCount};
use crate::counters::{admission_metrics, period_of, stage_from_code};
use crate::people::{Page, into_page, page_size};
use crate::{Conn, Result, Scope, StoreError, counters, d, member_facets, orgs, plans};

/// The counter behind the plan's **sources** line: people put on the sympathizer list
/// (`sympathizer.listed`).
///
/// Not `source.opened`: the plan's sources target is "nguồn cảm tình Đảng" (seed 000: 6–8 % of
/// the membership), the quần chúng cảm tình Đảng whom the cell has listed by resolution and given
/// a mentor — the people the cell is actually building. `source.opened` counts everyone a clerk
/// put into the pool, including people never listed; it is reported beside it as a flow
/// ([`Flows::sources_opened`]).
pub const SOURCES_METRIC: &str = "sympathizer.listed";
/// The counter behind the **course attendees** line: the first awareness certificate.
pub const COURSE_METRIC: &str = "course.certified";
/// The counter behind the **admissions** line: approved admission decisions (less annulled ones).
pub const ADMISSIONS_METRIC: &str = "admission";

/// The counter metrics whose sum is a sub-group's actual admissions.
///
/// Women, Youth Union members, ethnic minority and religious believers are the candidate's flags
/// on the decision's date (`admission.<group>`). The other named groups are source categories of
/// the candidacy (`admission.source.<code>`, [`SourceCategory::code`]): workers = private
/// enterprise workers (the category whose aliases include "Công nhân"); students = upper-secondary
/// and university students; teachers; hamlet heads = heads and deputy heads of hamlets and
/// residential groups. A candidacy has one category, so the sums never count anyone twice.
/// Youth Union membership is the flag only, not also the `youth_union_member` source category:
/// a union of the two cannot be added up from counters, and the flag is what the seeds count
/// ("đoàn viên ưu tú"). A deployment's own groups ([`SubGroup::Other`]) have no counter: 0.
pub fn sub_group_metrics(g: &SubGroup) -> Vec<String> {
    let source = |c: SourceCategory| format!("admission.source.{}", c.code());
    match g {
        SubGroup::Women => vec!["admission.women".into()],
        SubGroup::YouthUnion => vec!["admission.youth_union".into()],
        SubGroup::EthnicMinority => vec!["admission.ethnic_minority".into()],
        SubGroup::Religious => vec!["admission.religious".into()],
        SubGroup::Workers => vec![source(SourceCategory::PrivateEnterpriseWorker)],
        SubGroup::Students => vec![
            source(SourceCategory::UpperSecondaryStudent),
            source(SourceCategory::UniversityStudent),
        ],
        SubGroup::Teachers => vec![source(SourceCategory::Teacher)],
        SubGroup::HamletHeads => vec![source(SourceCategory::HamletHead)],
        SubGroup::Other(_) => Vec::new(),
    }
}

fn count(n: i64) -> u32 {
    u32::try_from(n.max(0)).unwrap_or(u32::MAX)
}

fn metric(m: &BTreeMap<String, i64>, name: &str) -> i64 {
    m.get(name).copied().unwrap_or(0)
}

/// The plan's lines from counter totals by metric ([`sub_group_metrics`] for the sub-groups; the
/// named groups with a nonzero count only).
pub fn actuals_from_metrics(m: &BTreeMap<String, i64>) -> Actuals {
    let mut sub_groups = BTreeMap::new();
    for g in SubGroup::NAMED {
        let n: i64 = sub_group_metrics(&g).iter().map(|k| metric(m, k)).sum();
        if n > 0 {
            sub_groups.insert(g, count(n));
        }
    }
    Actuals {
        sources: count(metric(m, SOURCES_METRIC)),
        course_attendees: count(metric(m, COURSE_METRIC)),
        admissions: count(metric(m, ADMISSIONS_METRIC)),
        sub_groups,
    }
}

// ---------------------------------------------------------------------------------------------
// The organisation and its period
// ---------------------------------------------------------------------------------------------

/// The organisation a report is about (its heading).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct OrgHead {
    /// Internal key.
    #[serde(skip)]
    pub org_id: i64,
    /// Public id.
    pub pub_id: String,
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Kind code (`OrgKind::code`).
    pub kind: String,
}

/// The organisation `org_id` if it is in the scope, else [`StoreError::NotFound`].
pub async fn org_head(conn: &mut Conn, scope: &Scope, org_id: i64) -> Result<OrgHead> {
    let (all, user, role) = scope.binds();
    let sql = format!(
        "SELECT o.org_id, o.pub_id, o.code, o.name, o.kind FROM org o WHERE o.org_id = $1 AND {}",
        scope.org_filter("o.org_id", 2)
    );
    fetch_optional!(conn.ex(), OrgHead, &sql, org_id, all, user, role)?
        .ok_or(StoreError::NotFound("org"))
}

/// The counter months (`YYYY-MM`, inclusive) of the days `from ..= through`.
fn month_range(from: Date, through: Date) -> (String, String) {
    (period_of(from), period_of(through))
}

/// Counter totals of the subtree by month and metric, for the months `from ..= to`: one query.
async fn monthly(
    conn: &mut Conn,
    org_id: i64,
    from: &str,
    to: &str,
) -> Result<Vec<(String, String, i64)>> {
    Ok(fetch_all!(
        conn.ex(),
        (String, String, i64),
        "SELECT k.period, k.metric, CAST(COALESCE(SUM(k.value), 0) AS BIGINT) FROM counter_sum k \
         WHERE k.org_id = $1 AND k.period >= $2 AND k.period <= $3 AND k.period <> '*' \
         GROUP BY k.period, k.metric",
        org_id,
        from,
        to
    )?)
}

fn add_to(m: &mut BTreeMap<String, i64>, metric: &str, v: i64) {
    *m.entry(metric.to_string()).or_default() += v;
}

fn totals(rows: &[(String, String, i64)]) -> BTreeMap<String, i64> {
    let mut m = BTreeMap::new();
    for (_, metric, v) in rows {
        add_to(&mut m, metric, *v);
    }
    m
}

/// Metrics of the subtree over the days `from ..= through`: whole months from the counters, and
/// the days of a month the range cuts (a term opened by a congress on the 15th) from the events
/// of those days, through the same [`counters::deltas`] the counters were written with.
async fn period_metrics(
    conn: &mut Conn,
    org_id: i64,
    from: Date,
    through: Date,
    today: Option<Date>,
) -> Result<BTreeMap<String, i64>> {
    let (full, edges) = split_days(from, through, today);
    let mut m = match full {
        Some((a, b)) => totals(&monthly(conn, org_id, &a, &b).await?),
        None => BTreeMap::new(),
    };
    for (a, b, sign) in edges {
        if sign < 0 && nothing_dated_from(conn, a).await? {
            continue;
        }
        for (_, metrics) in event_metrics(conn, Subtree::Of(org_id), a, b).await? {
            for (metric, v) in metrics {
                add_to(&mut m, &metric, sign * v);
            }
        }
    }
    Ok(m)
}

/// Counter months `YYYY-MM`, first and last included.
type MonthSpan = (String, String);

/// An event of a stretch of days with what counting it needs: the group it counts in, its
/// payload, the stage before it, its cell, and the payload of a later annulment, if any.
type EventRow = (i64, String, Option<String>, i64, Option<String>);

/// The days `from ..= through` as counter months (`YYYY-MM`, inclusive; `None` when none) and
/// the stretches of a month they cut, each with its sign: `+1` counted from its events, `-1` taken
/// away from a whole month counted. A last month cut short is counted from its first days, or —
/// when fewer days follow `through` in it, or `through` is `today` (nothing is dated after today,
/// so nothing is read) — as the whole month less the days after `through`.
fn split_days(
    from: Date,
    through: Date,
    today: Option<Date>,
) -> (Option<MonthSpan>, Vec<(Date, Date, i64)>) {
    if from > through {
        return (None, Vec::new());
    }
    let first_of = |d: Date| d.first_of_month();
    let last = through.last_of_month();
    let full_from = if from == first_of(from) {
        Some(from)
    } else {
        from.last_of_month().tomorrow().ok()
    };
    let trailing_cut =
        through != last && (first_of(through) != first_of(from) || from == first_of(from));
    let after = trailing_cut
        .then(|| through.tomorrow().ok())
        .flatten()
        .filter(|_| {
            today.is_some_and(|t| through >= t) || last.day() - through.day() < through.day()
        })
        .filter(|_| full_from.is_some_and(|a| a <= first_of(through)));
    let full_through = if through == last || after.is_some() {
        Some(last)
    } else {
        first_of(through).yesterday().ok()
    };
    let full = match (full_from, full_through) {
        (Some(a), Some(b)) if a <= b => Some(month_range(a, b)),
        _ => None,
    };
    let mut edges: Vec<(Date, Date, i64)> = Vec::new();
    if from != first_of(from) {
        edges.push((from, through.min(from.last_of_month()), 1));
    }
    if trailing_cut {
        match after {
            Some(next) => edges.push((next, last, -1)),
            None => edges.push((from.max(first_of(through)), through, 1)),
        }
    }
    (full, edges)
}

/// Is no step of the database dated on or after `from`? The latest step's date is the latest
/// `candidacy.last_on` (a candidacy's steps are dated in order), one read of
/// `candidacy_last_on`: the days after a period running to today are then not walked for.
async fn nothing_dated_from(conn: &mut Conn, from: Date) -> Result<bool> {
    let (latest,): (Option<jiff_sqlx::Date>,) = fetch_one!(
        conn.ex(),
        (Option<jiff_sqlx::Date>,),
        "SELECT MAX(last_on) FROM candidacy"
    )?;
    Ok(latest.is_none_or(|l| l.to_jiff() < from))
}

/// Whose events [`event_metrics`] counts: one subtree, or each open child of an organisation.
#[derive(Clone, Copy)]
enum Subtree {
    /// The subtree of this organisation (grouped under its id).
    Of(i64),
    /// Each open child's subtree of this organisation, grouped by child.
    ChildrenOf(i64),
}

/// The flow metrics the events of the days `from ..= through` (inside one month) wrote, as the
/// counters hold them: an admission or recognition later annulled counts minus itself on its
/// own day, as the annulment's reversal does in the counters.
async fn event_metrics(
    conn: &mut Conn,
    whose: Subtree,
    from: Date,
    through: Date,
) -> Result<BTreeMap<i64, BTreeMap<String, i64>>> {
    let (group, join, id) = match whose {
        Subtree::Of(id) => ("oc.ancestor_id", "WHERE oc.ancestor_id = $1", id),
        Subtree::ChildrenOf(id) => (
            "ch.org_id",
            "JOIN org ch ON ch.org_id = oc.ancestor_id WHERE ch.parent_id = $1 AND ch.closed_on IS NULL",
            id,
        ),
    };
    let sql = format!(
        "SELECT {group}, e.payload, pe.stage, e.cell_id, \
           (SELECT x.payload FROM candidacy_event x WHERE x.candidacy_id = e.candidacy_id \
            AND x.seq > e.seq AND x.kind = 'annul' ORDER BY x.seq LIMIT 1) \
         FROM org_closure oc JOIN candidacy_event e ON e.cell_id = oc.descendant_id \
         LEFT JOIN candidacy_event pe ON pe.candidacy_id = e.candidacy_id AND pe.seq = e.seq - 1 \
         {join} AND e.on_date >= $2 AND e.on_date <= $3"
    );
    let rows: Vec<EventRow> = fetch_all!(conn.ex(), EventRow, &sql, id, d(from), d(through))?;
    let mut out: BTreeMap<i64, BTreeMap<String, i64>> = BTreeMap::new();
    for (key, payload, before, cell_id, annul) in rows {
        let m = out.entry(key).or_default();
        let p = candidacies::EventPayload::parse(&payload)?;
        let before = before.as_deref().and_then(counters::stage_from_code);
        let own = counters::period_of(p.event.on);
        // The event's own flows (an annulment's reversal is counted on the annulled act's day).
        // Flows only: the gauges (and the day a stage was entered) are not a period's.
        let flows: Vec<String> = counters::deltas(&p.event, before, None, &p.tags, cell_id)
            .into_iter()
            .filter(|x| x.delta > 0 && x.period == own)
            .map(|x| x.metric)
            .collect();
        for f in &flows {
            add_to(m, f, 1);
        }
        if let Some(annul) = annul {
            let a = candidacies::EventPayload::parse(&annul)?;
            if let Action::Annul { target, .. } = &a.event.action {
                let reversed: Vec<String> = match target {
                    AnnulTarget::Admission
                        if matches!(
                            p.event.action,
                            Action::AdmissionDecision { approved: true, .. }
                        ) =>
                    {
                        counters::admission_metrics(&p.tags)
                    }
                    AnnulTarget::Recognition if flows.iter().any(|f| f == "recognition") => {
                        vec!["recognition".to_string()]
                    }
                    _ => Vec::new(),
                };
                for f in reversed {
                    add_to(m, &f, -1);
                }
            }
        }
    }
    Ok(out)
}

/// The days a report counts for a period in an organisation, and the convention behind them
/// when the period is a term (nhiệm kỳ).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Span {
    /// First day counted.
    pub from: Date,
    /// Last day of the period (a report counts up to its own date at most).
    pub through: Date,
    /// How a term's days were decided, in Vietnamese, for the page (`None` for other periods).
    pub convention_vi: Option<String>,
}

/// The days of `period` for the subtree of `org_id`. A term runs from the congress that opened it
/// to the day before the next one, by the congress dates of the nearest organisation at or
/// above `org_id` that recorded any (plans-and-reports.md: "nhiệm kỳ 2020–2025" includes what was
/// done after the 2020 congress); without the opening congress, the five plan years after the
/// congress year, and the page says so.
pub async fn span_of(conn: &mut Conn, org_id: i64, period: &Period) -> Result<Span> {
    let Period::Term { start_year } = *period else {
        return Ok(Span {
            from: period.first_day(),
            through: period.last_day(),
            convention_vi: None,
        });
    };
    let congresses = orgs::congresses(conn, org_id).await?;
    let opening = congresses
        .as_ref()
        .and_then(|(_, ds)| ds.iter().copied().find(|d| d.year() == start_year));
    let Some(opened) = opening else {
        return Ok(Span {
            from: period.first_day(),
            through: period.last_day(),
            convention_vi: Some(format!(
                "Chưa ghi ngày đại hội năm {start_year} của tổ chức: nhiệm kỳ tính theo 5 năm kế hoạch từ {} đến {}. Ghi ngày đại hội ở trang tổ chức để tính từ ngày đại hội.",
                format_vn(period.first_day()),
                format_vn(period.last_day())
            )),
        });
    };
    let next = congresses
        .as_ref()
        .and_then(|(_, ds)| ds.iter().copied().find(|d| *d > opened));
    let (through, until) = match next.and_then(|n| n.yesterday().ok().map(|y| (y, n))) {
        Some((y, n)) => (y, format!("đến trước đại hội ngày {}", format_vn(n))),
        None => (
            period.last_day(),
            format!(
                "đến {} (chưa ghi ngày đại hội nhiệm kỳ sau)",
                format_vn(period.last_day())
            ),
        ),
    };
    Ok(Span {
        from: opened,
        through,
        convention_vi: Some(format!(
            "Nhiệm kỳ tính từ đại hội ngày {} {until}.",
            format_vn(opened)
        )),
    })
}

// ---------------------------------------------------------------------------------------------
// Actuals
// ---------------------------------------------------------------------------------------------

/// The actuals of the subtree of `org_id` over `period`, from the counters in one query over
/// `org_closure`.
pub async fn actuals(
    conn: &mut Conn,
    scope: &Scope,
    org_id: i64,
    period: &Period,
) -> Result<Actuals> {
    org_head(conn, scope, org_id).await?;
    let span = span_of(conn, org_id, period).await?;
    let m = period_metrics(conn, org_id, span.from, span.through, None).await?;
    Ok(actuals_from_metrics(&m))
}

/// The actuals of one quarter of a period, and from the start of the period through it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct QuarterActuals {
    /// The quarter.
    pub period: Period,
    /// In the quarter (its part inside the period: a month counts only itself).
    pub actuals: Actuals,
    /// From the first day of the period through the end of this quarter.
    pub cumulative: Actuals,
}

/// The actuals of the subtree of `org_id` for each quarter `period` touches ([`Period::quarters`]:
/// four for a year, twenty for a term, two for a half year, one for a quarter or a month), each
/// with the cumulative actuals through it. One query for the whole period.
pub async fn actuals_by_quarter(
    conn: &mut Conn,
    scope: &Scope,
    org_id: i64,
    period: &Period,
) -> Result<Vec<QuarterActuals>> {
    org_head(conn, scope, org_id).await?;
    quarters_of(conn, org_id, period).await
}

async fn quarters_of(conn: &mut Conn, org_id: i64, period: &Period) -> Result<Vec<QuarterActuals>> {
    let span = span_of(conn, org_id, period).await?;
    let mut running: BTreeMap<String, i64> = BTreeMap::new();
    let mut out = Vec::new();
    if matches!(
        period,
        Period::Term { .. } | Period::Range { .. } | Period::AsOf(_)
    ) {
        // A term's (or a free range's) quarters are those its days touch, each counted over its days inside the term
        // (the first and last may be cut by the congresses).
        let mut q = Period::quarter_of(span.from);
        while q.first_day() <= span.through {
            let m = period_metrics(
                conn,
                org_id,
                q.first_day().max(span.from),
                q.last_day().min(span.through),
                None,
            )
            .await?;
            for (metric, v) in &m {
                add_to(&mut running, metric, *v);
            }
            out.push(QuarterActuals {
                period: q,
                actuals: actuals_from_metrics(&m),
                cumulative: actuals_from_metrics(&running),
            });
            match q.last_day().tomorrow() {
                Ok(next) => q = Period::quarter_of(next),
                Err(_) => break,
            }
        }
        return Ok(out);
    }
    let (from, to) = month_range(span.from, span.through);
    let rows = monthly(conn, org_id, &from, &to).await?;
    for q in period.quarters() {
        let (qa, qb) = month_range(q.first_day(), q.last_day());
        let mut m = BTreeMap::new();
        for (month, metric, v) in &rows {
            if *month >= qa && *month <= qb {
                add_to(&mut m, metric, *v);
                add_to(&mut running, metric, *v);
            }
        }
        out.push(QuarterActuals {
            period: q,
            actuals: actuals_from_metrics(&m),
            cumulative: actuals_from_metrics(&running),
        });
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Plan vs actual
// ---------------------------------------------------------------------------------------------

/// One quarter of a plan-vs-actual report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct QuarterResult {
    /// The quarter.
    pub period: Period,
    /// Its actuals.
    pub actuals: Actuals,
    /// From the start of the period through it.
    pub cumulative: Actuals,
    /// The quarter against its own targets: a year plan's quarter split
    /// ([`PlanVsActual::by_quarter`]), or a quarter's own plan; `None` otherwise.
    pub against_quarter: Option<PlanVsActual>,
    /// The cumulative actuals against the whole plan (seed: "from January to now: 60, 80 % of the
    /// annual plan"); `None` without a plan.
    pub cumulative_against_plan: Option<PlanVsActual>,
}

/// One open child of the organisation in a plan-vs-actual report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ChildResult {
    /// Internal key.
    #[serde(skip)]
    pub org_id: i64,
    /// Public id (the drill-down link).
    pub org_pub_id: String,
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Kind code.
    pub kind: String,
    /// Its plan for the period, if any.
    pub plan: Option<Plan>,
    /// Its subtree's actuals.
    pub actuals: Actuals,
    /// Its plan against its actuals.
    pub result: Option<PlanVsActual>,
}

/// Plan against actual for an organisation and a period, with its quarters and its children.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PlanVsActualReport {
    /// The organisation.
    pub org: OrgHead,
    /// The period.
    pub period: Period,
    /// Its plan for exactly this period (`None`: no plan; a month or a half year has none).
    pub plan: Option<Plan>,
    /// The subtree's actuals.
    pub actuals: Actuals,
    /// The plan against the actuals (achievements as the seeds compute them).
    pub result: Option<PlanVsActual>,
    /// Each quarter the period touches, with its cumulative result.
    pub quarters: Vec<QuarterResult>,
    /// One row per open child in the scope, by name.
    pub children: Vec<ChildResult>,
    /// What the subtree counted outside the open children's rows (in the organisation itself, or
    /// in children closed by a merge), so the rows add up to [`PlanVsActualReport::actuals`].
    pub outside_children: Actuals,
    /// Where the children's plans do not add up to this plan (`None` without a plan).
    pub children_gap: Option<Gap>,
    /// How a term's days were decided (congress dates, or the convention without them).
    pub convention_vi: Option<String>,
}

/// The report behind the plan-vs-actual view: the plan of `org_id` for `period` and the actuals
/// of its subtree, by quarter and cumulative, and one row per open child with its plan and its
/// actuals (the children's plans in one query, their actuals in ONE grouped query over
/// `org_closure`), with the gap between the children's plans and this one.
pub async fn plan_vs_actual(
    conn: &mut Conn,
    scope: &Scope,
    org_id: i64,
    period: &Period,
) -> Result<PlanVsActualReport> {
    let org = org_head(conn, scope, org_id).await?;
    // The year so far is measured against the whole year's plan; another free range has none.
    let plan = match period.plan_period() {
        Some(p) => plans::get(conn, scope, org_id, p).await?.map(|s| s.plan),
        None => None,
    };
    let quarters = quarters_of(conn, org_id, period).await?;
    let total = quarters
        .last()
        .map(|q| q.cumulative.clone())
        .unwrap_or_default();
    let split: Option<Vec<PlanVsActual>> = match (&plan, period) {
        (Some(p), Period::Year(_)) if quarters.len() == 4 => {
            let arr: [Actuals; 4] = std::array::from_fn(|i| quarters[i].actuals.clone());
            Some(PlanVsActual::by_quarter(p, &arr))
        }
        _ => None,
    };
    let quarters = quarters
        .into_iter()
        .enumerate()
        .map(|(i, q)| QuarterResult {
            against_quarter: match (&split, &plan, period) {
                (Some(s), _, _) => s.get(i).cloned(),
                (None, Some(p), Period::Quarter { .. }) => Some(PlanVsActual::new(p, &q.actuals)),
                _ => None,
            },
            cumulative_against_plan: plan.as_ref().map(|p| PlanVsActual::new(p, &q.cumulative)),
            period: q.period,
            actuals: q.actuals,
            cumulative: q.cumulative,
        })
        .collect();

    let kids =
        plans::children(conn, scope, org_id, period.plan_period().unwrap_or(*period)).await?;
    let span = span_of(conn, org_id, period).await?;
    // The children's actuals over the same days as the whole: the whole months from the
    // counters in one grouped query, a month cut by a congress or a range from its events.
    let (full, edges) = split_days(span.from, span.through, None);
    let mut by_child: BTreeMap<i64, BTreeMap<String, i64>> = BTreeMap::new();
    if let Some((from, to)) = full {
        let rows: Vec<(i64, String, i64)> = fetch_all!(
            conn.ex(),
            (i64, String, i64),
            "SELECT ch.org_id, k.metric, CAST(COALESCE(SUM(k.value), 0) AS BIGINT) FROM org ch \
             JOIN counter_sum k ON k.org_id = ch.org_id \
             WHERE ch.parent_id = $1 AND ch.closed_on IS NULL \
             AND k.period >= $2 AND k.period <= $3 AND k.period <> '*' \
             GROUP BY ch.org_id, k.metric",
            org_id,
            from.as_str(),
            to.as_str()
        )?;
        for (child, metric, v) in rows {
            add_to(by_child.entry(child).or_default(), &metric, v);
        }
    }
    for (a, b, sign) in edges {
        if sign < 0 && nothing_dated_from(conn, a).await? {
            continue;
        }
        for (child, metrics) in event_metrics(conn, Subtree::ChildrenOf(org_id), a, b).await? {
            for (metric, v) in metrics {
                add_to(by_child.entry(child).or_default(), &metric, sign * v);
            }
        }
    }
    let mut rest = period_metrics(conn, org_id, span.from, span.through, None).await?;
    let mut children = Vec::with_capacity(kids.len());
    for k in kids {
        let m = by_child.remove(&k.org_id).unwrap_or_default();
        for (metric, v) in &m {
            add_to(&mut rest, metric, -v);
        }
        let actuals = actuals_from_metrics(&m);
        children.push(ChildResult {
            result: k.plan.as_ref().map(|p| PlanVsActual::new(p, &actuals)),
            org_id: k.org_id,
            org_pub_id: k.org_pub_id,
            code: k.code,
            name: k.name,
            kind: k.kind,
            plan: k.plan,
            actuals,
        });
    }
    let children_gap = match &plan {
        Some(p) => Some(
            children_gap(p, children.iter().filter_map(|c| c.plan.as_ref()))
                .map_err(|e| StoreError::Corrupt(format!("children plans: {e:?}")))?,
        ),
        None => None,
    };
    Ok(PlanVsActualReport {
        result: plan.as_ref().map(|p| PlanVsActual::new(p, &total)),
        org,
        period: *period,
        plan,
        actuals: total,
        quarters,
        children,
        outside_children: actuals_from_metrics(&rest),
        children_gap,
        convention_vi: span.convention_vi,
    })
}

// ---------------------------------------------------------------------------------------------
// Drill-down
// ---------------------------------------------------------------------------------------------

/// One person behind a number of a plan-vs-actual report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AdmittedRow {
    /// The event (internal key; the cursor's second half).
    #[serde(skip)]
    pub event_id: i64,
    /// The candidacy's public id (the link to the dossier).
    pub candidacy_pub_id: String,
    /// Họ và tên.
    pub full_name: String,
    /// The cell the step was recorded in: public id.
    pub cell_pub_id: String,
    /// The cell's name.
    pub cell_name: String,
    /// The date counted: the admission decision's date (for the sources line, the listing's;
    /// for the course line, the certificate's recording).
    pub decided_on: Date,
}

#[derive(sqlx::FromRow)]
struct DrillRow {
    event_id: i64,
    candidacy_pub_id: String,
    full_name: String,
    cell_pub_id: String,
    cell_name: String,
    on_date: jiff_sqlx::Date,
    payload: String,
}

/// The events an approved, not annulled admission decision leaves (what `admission` counts): the
/// decision moved the candidacy to `awaiting_ceremony`, and no later annulment of the admission
/// (which ends in `annulled`) followed it.
pub(crate) const ADMITTED: &str = "e.kind = 'admission_decision' AND e.stage = 'awaiting_ceremony' \
    AND NOT EXISTS (SELECT 1 FROM candidacy_event an WHERE an.candidacy_id = e.candidacy_id \
    AND an.seq > e.seq AND an.kind = 'annul' AND an.stage = 'annulled')";

/// What `course.certified` counts: the certificate that moved a sympathizer (or a course
/// attendee) into the dossier stage.
const CERTIFIED: &str = "e.kind = 'record_certificate' AND e.stage = 'dossier' \
    AND EXISTS (SELECT 1 FROM candidacy_event pe WHERE pe.candidacy_id = e.candidacy_id \
    AND pe.seq = e.seq - 1 AND pe.stage IN ('sympathizer', 'course'))";

/// What `sympathizer.listed` counts.
const LISTED: &str = "e.kind = 'list_as_sympathizer'";

/// The people behind the number of `line` in the plan-vs-actual report of `org_id` for `period`:
/// for admissions and sub-groups, the approved and not annulled admission decisions dated in the
/// period and recorded in a cell of the subtree (a sub-group's by the tags the counters used);
/// for sources, the listings as sympathizer; for course attendees, the first certificates. In
/// decision-date order, keyset-paged: `after` is the previous page's `next` (date, event id).
/// Lists exactly as many people as the report counts. Roles that see aggregates only get
/// [`StoreError::Forbidden`].
pub async fn admitted_in(
    conn: &mut Conn,
    scope: &Scope,
    org_id: i64,
    period: &Period,
    line: &Line,
    after: Option<(Date, i64)>,
    limit: i64,
) -> Result<Page<AdmittedRow, (Date, i64)>> {
    if !scope.role.sees_individuals() {
        return Err(StoreError::Forbidden("individual records"));
    }
    org_head(conn, scope, org_id).await?;
    let limit = page_size(limit);
    let (condition, wanted): (&str, Option<Vec<String>>) = match line {
        Line::Sources => (LISTED, None),
        Line::CourseAttendees => (CERTIFIED, None),
        Line::Admissions => (ADMITTED, None),
        Line::SubGroup(g) => (ADMITTED, Some(sub_group_metrics(g))),
    };
    if wanted.as_ref().is_some_and(Vec::is_empty) {
        return Ok(Page::empty());
    }
    let sql = format!(
        "SELECT e.event_id, c.pub_id AS candidacy_pub_id, p.full_name, o.pub_id AS cell_pub_id, \
         o.name AS cell_name, e.on_date, e.payload \
         FROM org_closure oc JOIN candidacy_event e ON e.cell_id = oc.descendant_id \
         JOIN candidacy c ON c.candidacy_id = e.candidacy_id \
         JOIN person p ON p.person_id = c.person_id JOIN org o ON o.org_id = e.cell_id \
         WHERE oc.ancestor_id = $1 AND e.on_date >= $2 AND e.on_date <= $3 AND {condition} \
         AND (e.on_date, e.event_id) > ($4, $5) ORDER BY e.on_date, e.event_id LIMIT $6"
    );
    let span = span_of(conn, org_id, period).await?;
    // The first day is a valid date on both engines (PostgreSQL's range is narrower than jiff's).
    let mut cursor = after.unwrap_or((span.from, i64::MIN));
    let mut out: Vec<AdmittedRow> = Vec::new();
    loop {
        let rows = fetch_all!(
            conn.ex(),
            DrillRow,
            &sql,
            org_id,
            d(span.from),
            d(span.through),
            d(cursor.0),
            cursor.1,
            limit + 1
        )?;
        let fetched = rows.len();
        for r in rows {
            let on = r.on_date.to_jiff();
            cursor = (on, r.event_id);
            if let Some(w) = &wanted {
                let tags = EventPayload::parse(&r.payload)?.tags;
                if !admission_metrics(&tags).iter().any(|m| w.contains(m)) {
                    continue;
                }
            }
            out.push(AdmittedRow {
                event_id: r.event_id,
                candidacy_pub_id: r.candidacy_pub_id,
                full_name: r.full_name,
                cell_pub_id: r.cell_pub_id,
                cell_name: r.cell_name,
                decided_on: on,
            });
        }
        // Without a sub-group filter one fetch is the page; with it, read on until the page is
        // over-full (so `next` is known) or the rows run out.
        let exhausted = i64::try_from(fetched).unwrap_or(i64::MAX) <= limit;
        if wanted.is_none() || exhausted || i64::try_from(out.len()).unwrap_or(0) > limit {
            return Ok(into_page(out, limit, |r| (r.decided_on, r.event_id)));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Pipeline ageing
// ---------------------------------------------------------------------------------------------

/// How long a candidacy has stood in its current stage, in full calendar months.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StageAge {
    /// Less than 3 months.
    Under3Months,
    /// 3 months or more, less than 6.
    From3To6Months,
    /// 6 months or more, less than 12.
    From6To12Months,
    /// 12 months or more.
    From12Months,
}

impl StageAge {
    /// Every bucket, newest first.
    pub const ALL: [StageAge; 4] = [
        StageAge::Under3Months,
        StageAge::From3To6Months,
        StageAge::From6To12Months,
        StageAge::From12Months,
    ];

    /// The Vietnamese label.
    pub fn label_vi(self) -> &'static str {
        match self {
            StageAge::Under3Months => "Dưới 3 tháng",
            StageAge::From3To6Months => "Từ 3 đến dưới 6 tháng",
            StageAge::From6To12Months => "Từ 6 đến dưới 12 tháng",
            StageAge::From12Months => "Từ 12 tháng trở lên",
        }
    }

    /// The bucket of a candidacy in its stage since `since`, on `today`: under 3 months when
    /// `since` is after `today` minus 3 months, and so on (the same boundaries as the query).
    pub fn of(since: Date, today: Date) -> StageAge {
        let [c3, c6, c12] = cutoffs(today);
        if since > c3 {
            StageAge::Under3Months
        } else if since > c6 {
            StageAge::From3To6Months
        } else if since > c12 {
            StageAge::From6To12Months
        } else {
            StageAge::From12Months
        }
    }
}

/// `today` minus 3, 6 and 12 months (jiff clamps to the month's last day: 31/05 − 3 months =
/// 28/02 or 29/02).
fn cutoffs(today: Date) -> [Date; 3] {
    [3, 6, 12].map(|m: i64| today.saturating_sub(m.months()))
}

/// The candidacies of one stage, by how long they have stood in it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PipelineRow {
    /// The stage.
    pub stage: Stage,
    /// How many stand in it.
    pub total: i64,
    /// Less than 3 months in the stage.
    pub under_3_months: i64,
    /// 3 to less than 6 months.
    pub from_3_to_6_months: i64,
    /// 6 to less than 12 months.
    pub from_6_to_12_months: i64,
    /// 12 months or more.
    pub from_12_months: i64,
}

impl PipelineRow {
    /// The count of one bucket.
    pub fn age(&self, a: StageAge) -> i64 {
        match a {
            StageAge::Under3Months => self.under_3_months,
            StageAge::From3To6Months => self.from_3_to_6_months,
            StageAge::From6To12Months => self.from_6_to_12_months,
            StageAge::From12Months => self.from_12_months,
        }
    }
}

/// The candidacies under way in a subtree (every stage that is not an ending), by stage and by
/// time in the current stage, as of a date.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Pipeline {
    /// As of.
    pub as_of: Date,
    /// One row per stage under way with at least one candidacy, in lifecycle order.
    pub rows: Vec<PipelineRow>,
}

impl Pipeline {
    /// The sum of the rows.
    pub fn total(&self) -> i64 {
        self.rows.iter().map(|r| r.total).sum()
    }
}

/// The pipeline of the subtree of `org_id` by stage, with ageing as of `today`, in ONE grouped
/// query. A candidacy's time in its stage runs from its *stage-since* date: the date of the
/// first event of the current run of its stage: the date its latest stage spell was entered
/// (`stage_spell`, written with the step; steps are dated in order, so it is the earliest event
/// after the last one that left the candidacy in another stage). Steps that keep the stage (a
/// mentor assigned, a document) do not reset it.
pub async fn pipeline(
    conn: &mut Conn,
    scope: &Scope,
    org_id: i64,
    today: Date,
) -> Result<Pipeline> {
    org_head(conn, scope, org_id).await?;
    pipeline_of(conn, org_id, today).await
}

async fn pipeline_of(conn: &mut Conn, org_id: i64, today: Date) -> Result<Pipeline> {
    // The subtree's counts by stage and day entered (`counters::since_metric`: the stage's code,
    // ':', the day as YYYYMMDD): one row per stage and day, however many candidacies.
    let sql = "SELECT x.stage, CAST(SUM(x.n) AS BIGINT), \
         CAST(COALESCE(SUM(CASE WHEN x.since > $2 THEN x.n ELSE 0 END), 0) AS BIGINT), \
         CAST(COALESCE(SUM(CASE WHEN x.since <= $2 AND x.since > $3 THEN x.n ELSE 0 END), 0) AS BIGINT), \
         CAST(COALESCE(SUM(CASE WHEN x.since <= $3 AND x.since > $4 THEN x.n ELSE 0 END), 0) AS BIGINT), \
         CAST(COALESCE(SUM(CASE WHEN x.since <= $4 THEN x.n ELSE 0 END), 0) AS BIGINT) \
         FROM (SELECT substr(k.metric, 1, length(k.metric) - 9) AS stage, \
           substr(k.metric, length(k.metric) - 7) AS since, k.value AS n \
           FROM counter_sum k WHERE k.org_id = $1 AND k.period = 'since' AND k.value <> 0) x \
         GROUP BY x.stage HAVING SUM(x.n) <> 0";
    let day = |on: Date| format!("{:04}{:02}{:02}", on.year(), on.month(), on.day());
    let [c3, c6, c12] = cutoffs(today);
    let rows: Vec<(String, i64, i64, i64, i64, i64)> = fetch_all!(
        conn.ex(),
        (String, i64, i64, i64, i64, i64),
        sql,
        org_id,
        day(c3),
        day(c6),
        day(c12)
    )?;
    let mut out = Vec::with_capacity(rows.len());
    for (stage, total, a, b, c, e) in rows {
        let stage =
            stage_from_code(&stage).ok_or_else(|| StoreError::Corrupt(format!("stage {stage}")))?;
        out.push(PipelineRow {
            stage,
            total,
            under_3_months: a,
            from_3_to_6_months: b,
            from_6_to_12_months: c,
            from_12_months: e,
        });
    }
    out.sort_by_key(|r| r.stage);
    Ok(Pipeline {
        as_of: today,
        rows: out,
    })
}

// ---------------------------------------------------------------------------------------------
// Composition
// ---------------------------------------------------------------------------------------------

#[derive(sqlx::FromRow)]
pub(crate) struct FactsRow {
    pub(crate) as_of: Option<jiff_sqlx::Date>,
    birth_date: jiff_sqlx::Date,
    pub(crate) gender: String,
    pub(crate) ethnicity: String,
    pub(crate) religion: String,
    pub(crate) education: String,
    pub(crate) qualification: String,
    pub(crate) theory_level: String,
    pub(crate) source_category: String,
    pub(crate) person_source_category: String,
    pub(crate) youth_union_member: bool,
    pub(crate) trade_union_member: bool,
    /// The kind of the cell the person is counted in (its sector).
    pub(crate) cell_kind: String,
    /// The cell an admission decision was recorded in (`crate::admitted_facets` reads only).
    #[sqlx(default)]
    pub(crate) admitted_in: Option<i64>,
    /// The member's admission and leaving dates (membership reads only).
    #[sqlx(default)]
    pub(crate) admitted_on: Option<jiff_sqlx::Date>,
    #[sqlx(default)]
    pub(crate) left_on: Option<jiff_sqlx::Date>,
}

fn corrupt(what: &str) -> StoreError {
    // Codes only, never a value: these are sensitive fields.
    StoreError::Corrupt(format!("person {what} code"))
}

fn gender_of(code: &str) -> Result<Gender> {
    Gender::ALL
        .into_iter()
        .find(|g| g.code() == code)
        .ok_or_else(|| corrupt("gender"))
}

fn ethnicity_of(code: &str) -> Result<Ethnicity> {
    (code.len() == 2)
        .then(|| code.parse::<u8>().ok())
        .flatten()
        .and_then(Ethnicity::from_code)
        .ok_or_else(|| corrupt("ethnicity"))
}

fn religion_of(code: &str) -> Result<Religion> {
    Religion::ALL
        .into_iter()
        .find(|r| r.code() == code)
        .ok_or_else(|| corrupt("religion"))
}

fn qualification_of(code: &str) -> Result<Qualification> {
    Qualification::ALL
        .into_iter()
        .find(|q| q.code() == code)
        .ok_or_else(|| corrupt("qualification"))
}

fn theory_level_of(code: &str) -> Result<TheoryLevel> {
    TheoryLevel::ALL
        .into_iter()
        .find(|t| t.code() == code)
        .ok_or_else(|| corrupt("theory level"))
}

fn source_of(code: &str) -> Option<SourceCategory> {
    SourceCategory::ALL.into_iter().find(|s| s.code() == code)
}

fn sector_of(cell_kind: &str) -> Option<Sector> {
    OrgKind::from_code(cell_kind).as_ref().and_then(Sector::of)
}

/// The fact a `member_facet` row counts (`crate::member_facets`); ages are read apart.
pub(crate) fn facet_of(facet: &str, value: &str) -> Result<Facet> {
    Ok(match facet {
        "person" => Facet::Person,
        "gender" => Facet::Gender(gender_of(value)?),
        "ethnicity" => Facet::Ethnicity(ethnicity_of(value)?),
        "religion" => Facet::Religion(religion_of(value)?),
        "education" => Facet::Education(Education::parse(value).map_err(|_| corrupt("education"))?),
        "qualification" => Facet::Qualification(qualification_of(value)?),
        "theory_level" => Facet::TheoryLevel(theory_level_of(value)?),
        "source" => Facet::Source(source_of(value).ok_or_else(|| corrupt("source category"))?),
        "youth_union" => Facet::YouthUnion(value == "1"),
        "trade_union" => Facet::TradeUnion(value == "1"),
        "cell_kind" => Facet::Sector(sector_of(value)),
        _ => return Err(corrupt("member fact")),
    })
}

impl FactsRow {
    pub(crate) fn facts(&self, as_of: Date) -> Result<ProfileFacts> {
        let birth =
            BirthDate::try_from(self.birth_date.to_jiff()).map_err(|_| corrupt("birth date"))?;
        // The candidacy's category (what the counters count), else the person's: a candidacy
        // opened without a category stores an empty one.
        let source_category = source_of(&self.source_category)
            .or_else(|| source_of(&self.person_source_category))
            .ok_or_else(|| corrupt("source category"))?;
        Ok(ProfileFacts {
            gender: gender_of(&self.gender)?,
            age_years: birth.age_in_full_years(as_of),
            ethnicity: ethnicity_of(&self.ethnicity)?,
            religion: religion_of(&self.religion)?,
            education: Education::parse(&self.education).map_err(|_| corrupt("education"))?,
            qualification: qualification_of(&self.qualification)?,
            theory_level: theory_level_of(&self.theory_level)?,
            source_category,
            youth_union_member: self.youth_union_member,
            trade_union_member: self.trade_union_member,
            sector: sector_of(&self.cell_kind),
        })
    }
}

pub(crate) const FACT_COLS: &str = "p.birth_date, p.gender, p.ethnicity, p.religion, p.education, \
    p.qualification, p.theory_level, p.source_category AS person_source_category, \
    p.youth_union_member, p.trade_union_member";

/// A member's facts as [`FactsRow`] reads them (over `member m`, `person p` and the cell
/// `org co`): the person's own source category, the member's cell.
pub(crate) const MEMBER_FACT_COLS: &str = "CAST(NULL AS DATE) AS as_of, p.birth_date, p.gender, \
    p.ethnicity, p.religion, p.education, p.qualification, p.theory_level, \
    p.source_category AS person_source_category, p.youth_union_member, p.trade_union_member, \
    p.source_category, co.kind AS cell_kind";

/// The composition of the people admitted in the subtree of `org_id` between `from` and
/// `through` (approved and not annulled decisions, as [`admitted_in`] lists them), each as of the
/// decision's date; the source category is the candidacy's (what the counters count; the
/// person's when the candidacy has none). Read from the counters kept per subtree and month
/// (`crate::admitted_facets`), a month cut by the period corrected from its days' decisions.
pub async fn admitted_composition(
    conn: &mut Conn,
    scope: &Scope,
    org_id: i64,
    from: Date,
    through: Date,
) -> Result<Composition> {
    org_head(conn, scope, org_id).await?;
    admitted_of(conn, org_id, from, through, None).await
}

/// [`admitted_composition`] read decision by decision (every decision of the subtree and its
/// person): what the counters must give (the tests compare the two).
pub async fn admitted_composition_scanned(
    conn: &mut Conn,
    scope: &Scope,
    org_id: i64,
    from: Date,
    through: Date,
) -> Result<Composition> {
    org_head(conn, scope, org_id).await?;
    let mut counts = HashMap::new();
    admitted_days(conn, org_id, from, through, 1, &mut counts).await?;
    composition_of(counts)
}

/// Add `sign` times the facts of the decisions of the days `from ..= through` in the subtree to
/// `counts` (ages as age steps, as the counters keep them).
async fn admitted_days(
    conn: &mut Conn,
    org_id: i64,
    from: Date,
    through: Date,
    sign: i64,
    counts: &mut HashMap<Facet, i64>,
) -> Result<()> {
    let sql = format!(
        "SELECT e.on_date AS as_of, {FACT_COLS}, c.source_category, \
         co.kind AS cell_kind \
         FROM org_closure oc JOIN candidacy_event e ON e.cell_id = oc.descendant_id \
         JOIN org co ON co.org_id = e.cell_id \
         JOIN candidacy c ON c.candidacy_id = e.candidacy_id \
         JOIN person p ON p.person_id = c.person_id \
         WHERE oc.ancestor_id = $1 AND e.on_date >= $2 AND e.on_date <= $3 AND {ADMITTED}"
    );
    crate::for_each_row!(
        conn.ex(),
        FactsRow,
        &sql,
        |r| {
            let on = r.as_of.map_or(through, |x| x.to_jiff());
            for f in r.facts(on)?.facets() {
                let f = match f {
                    Facet::Age(a) => Facet::Age(crate::admitted_facets::age_step(a)),
                    other => other,
                };
                *counts.entry(f).or_default() += sign;
            }
            Ok(())
        },
        org_id,
        d(from),
        d(through)
    )
}

/// A composition from counts by fact (ages as age steps), read from kept counters: a count
/// below zero means the counters disagree with what they count.
pub(crate) fn composition_of(counts: HashMap<Facet, i64>) -> Result<Composition> {
    let mut comp = Composition::new();
    for (f, n) in counts {
        let n = u32::try_from(n).map_err(|_| {
            StoreError::Corrupt("composition count below zero (run ketnap rebuild)".into())
        })?;
        if n > 0 {
            comp.add_count(f, n);
        }
    }
    Ok(comp)
}

async fn admitted_of(
    conn: &mut Conn,
    org_id: i64,
    from: Date,
    through: Date,
    today: Option<Date>,
) -> Result<Composition> {
    let (full, edges) = split_days(from, through, today);
    let mut counts: HashMap<Facet, i64> = HashMap::new();
    if let Some((a, b)) = full {
        let rows: Vec<(String, i64)> = fetch_all!(
            conn.ex(),
            (String, i64),
            "SELECT metric, CAST(SUM(value) AS BIGINT) FROM counter_sum \
             WHERE org_id = $1 AND period >= $2 AND period <= $3 GROUP BY metric",
            org_id,
            format!("{}{a}", crate::admitted_facets::PERIOD_PREFIX),
            format!("{}{b}", crate::admitted_facets::PERIOD_PREFIX)
        )?;
        for (metric, n) in rows {
            *counts
                .entry(crate::admitted_facets::facet_of_metric(&metric)?)
                .or_default() += n;
        }
    }
    for (a, b, sign) in edges {
        if sign < 0 && nothing_dated_from(conn, a).await? {
            continue;
        }
        admitted_days(conn, org_id, a, b, sign, &mut counts).await?;
    }
    composition_of(counts)
}

/// The composition of the membership (official and probationary members) of the subtree of
/// `org_id` as it stood on `as_of`: admitted by then and not yet left (a leaving status without
/// a date counts as left, as in the start-of-year snapshot), ages on `as_of`. Members are counted
/// in the cell their roster row names now. Read in one pass as the rows stream in.
pub async fn membership_composition(
    conn: &mut Conn,
    scope: &Scope,
    org_id: i64,
    as_of: Date,
) -> Result<Composition> {
    org_head(conn, scope, org_id).await?;
    let [comp] = memberships_of(conn, org_id, [as_of]).await?;
    Ok(comp)
}

/// The membership compositions of the subtree of `org_id` on each of `dates`, from one pass over
/// the members who were in on any of them (a report's period end and the same day a year
/// earlier read the subtree's members once, not twice).
async fn memberships_of<const N: usize>(
    conn: &mut Conn,
    org_id: i64,
    dates: [Date; N],
) -> Result<[Composition; N]> {
    let (Some(first), Some(last)) = (dates.iter().min(), dates.iter().max()) else {
        return Ok(std::array::from_fn(|_| Composition::new()));
    };
    let sql = format!(
        "SELECT {MEMBER_FACT_COLS}, m.admitted_on, m.left_on \
         FROM org_closure oc JOIN member m ON m.cell_id = oc.descendant_id \
         JOIN org co ON co.org_id = m.cell_id \
         JOIN person p ON p.person_id = m.person_id \
         WHERE oc.ancestor_id = $1 AND (m.admitted_on IS NULL OR m.admitted_on <= $2) \
         AND (m.left_on IS NULL OR m.left_on > $3) \
         AND (m.left_on IS NOT NULL OR m.status IN ('official', 'probationary'))"
    );
    let mut comps: [Composition; N] = std::array::from_fn(|_| Composition::new());
    crate::for_each_row!(
        conn.ex(),
        FactsRow,
        &sql,
        |r| {
            let admitted = r.admitted_on.map(|x| x.to_jiff());
            let left = r.left_on.map(|x| x.to_jiff());
            for (comp, on) in comps.iter_mut().zip(dates) {
                if admitted.is_none_or(|a| a <= on) && left.is_none_or(|l| l > on) {
                    comp.add(&r.facts(on)?);
                }
            }
            Ok(())
        },
        org_id,
        d(*last),
        d(*first)
    )?;
    Ok(comps)
}

// ---------------------------------------------------------------------------------------------
// Periodic report
// ---------------------------------------------------------------------------------------------

/// The flows of a period, from the counters.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Flows {
    /// Listed as sources (`source.opened`).
    pub sources_opened: i64,
    /// Put on the sympathizer list (`sympathizer.listed`).
    pub sympathizers_listed: i64,
    /// First awareness certificates (`course.certified`).
    pub course_certified: i64,
    /// Admitted: approved decisions, less annulled ones (`admission`).
    pub admissions: i64,
    /// Refused admission decisions (`admission.refused`).
    pub admissions_refused: i64,
    /// Admission ceremonies held (`ceremony`).
    pub ceremonies: i64,
    /// Recognised as official members, less annulled recognitions (`recognition`).
    pub recognitions: i64,
    /// Removed from the party (`removal`).
    pub removals: i64,
    /// Withdrawn (`withdrawn`).
    pub withdrawn: i64,
    /// Rejected (`rejected`).
    pub rejected: i64,
    /// Transferred in (`transfer.in`).
    pub transfers_in: i64,
    /// Transferred out (`transfer.out`).
    pub transfers_out: i64,
    /// Died (`deceased`).
    pub deceased: i64,
    /// Decisions annulled (`annulment`).
    pub annulments: i64,
}

impl Flows {
    /// The flows of counter totals by metric.
    pub fn from_metrics(m: &BTreeMap<String, i64>) -> Flows {
        let g = |k: &str| metric(m, k);
        Flows {
            sources_opened: g("source.opened"),
            sympathizers_listed: g("sympathizer.listed"),
            course_certified: g("course.certified"),
            admissions: g("admission"),
            admissions_refused: g("admission.refused"),
            ceremonies: g("ceremony"),
            recognitions: g("recognition"),
            removals: g("removal"),
            withdrawn: g("withdrawn"),
            rejected: g("rejected"),
            transfers_in: g("transfer.in"),
            transfers_out: g("transfer.out"),
            deceased: g("deceased"),
            annulments: g("annulment"),
        }
    }
}

/// The figures of one period (the report's own, or the same period a year earlier).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PeriodFigures {
    /// The period.
    pub period: Period,
    /// Its first day.
    pub from: Date,
    /// The last day counted: the period's last day, or for a period not over yet the report's
    /// date (a year earlier: that date a year earlier). Flows count the days `from ..= through`:
    /// whole months from the counters, a month cut by either end from its events.
    pub through: Date,
    /// Flows.
    pub flows: Flows,
    /// The plan's lines.
    pub actuals: Actuals,
    /// The people admitted (as of their decision's date).
    pub admitted: Composition,
    /// The membership on `through`.
    pub membership: Composition,
    /// Introductions by each mass organisation of the subtree (one that introduced no one shows
    /// zero).
    pub introductions: Vec<IntroductionCount>,
    /// The awareness course's classes, people enrolled and people certified through them.
    pub awareness_course: crate::classes::CourseFigures,
    /// The same for the new-member course.
    pub new_member_course: crate::classes::CourseFigures,
}

/// The periodic report of an organisation's subtree.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PeriodicReport {
    /// The organisation.
    pub org: OrgHead,
    /// The report's date.
    pub today: Date,
    /// The period's figures.
    pub current: PeriodFigures,
    /// The same figures for the same period a year earlier (`None` for a term: a term has no
    /// "same period a year earlier").
    pub year_earlier: Option<PeriodFigures>,
    /// The candidacies under way now, by stage and ageing (a gauge: no year-earlier figure).
    pub pipeline: Pipeline,
    /// How a term's days were decided (congress dates, or the convention without them).
    pub convention_vi: Option<String>,
}

/// The same period a year earlier; a term has none.
fn year_earlier(p: &Period) -> Option<Period> {
    Some(match *p {
        Period::Year(y) => Period::Year(y.checked_sub(1)?),
        Period::Quarter { year, q } => Period::Quarter {
            year: year.checked_sub(1)?,
            q,
        },
        Period::Half { year, h } => Period::Half {
            year: year.checked_sub(1)?,
            h,
        },
        Period::Month { year, month } => Period::Month {
            year: year.checked_sub(1)?,
            month,
        },
        Period::Term { .. } => return None,
        Period::AsOf(d) => Period::AsOf(d.saturating_sub(1.year())),
        Period::Range { from, to } => {
            Period::range(from.saturating_sub(1.year()), to.saturating_sub(1.year()))?
        }
    })
}

/// The figures of `period` over the days `from ..= through` (`today`: the report's date).
#[allow(clippy::too_many_arguments)]
async fn figures(
    conn: &mut Conn,
    org_id: i64,
    period: Period,
    from: Date,
    through: Date,
    today: Date,
    membership: Composition,
    introductions: Vec<IntroductionCount>,
) -> Result<PeriodFigures> {
    let m = period_metrics(conn, org_id, from, through, Some(today)).await?;
    Ok(PeriodFigures {
        period,
        from,
        through,
        flows: Flows::from_metrics(&m),
        actuals: actuals_from_metrics(&m),
        admitted: admitted_of(conn, org_id, from, through, Some(today)).await?,
        membership,
        introductions,
        awareness_course: crate::classes::figures(
            conn,
            org_id,
            crate::classes::ClassKind::Awareness,
            from,
            through,
        )
        .await?,
        new_member_course: crate::classes::figures(
            conn,
            org_id,
            crate::classes::ClassKind::NewMember,
            from,
            through,
        )
        .await?,
    })
}

/// The periodic report (month, quarter, 6 months, year, term) of the subtree of `org_id` as of
/// `today`: admissions, recognitions, removals and the other flows (counters); the pipeline by
/// stage with ageing ([`pipeline`]); the composition of the admitted and of the membership at
/// the period's end ([`admitted_composition`], [`membership_composition`]); mass-organisation
/// introductions per organisation; and the same figures for the same period a year earlier.
/// Every read is scoped; outside the scope [`StoreError::NotFound`].
pub async fn periodic(
    conn: &mut Conn,
    scope: &Scope,
    org_id: i64,
    period: &Period,
    today: Date,
) -> Result<PeriodicReport> {
    let org = org_head(conn, scope, org_id).await?;
    let span = span_of(conn, org_id, period).await?;
    let through = span.through.min(today);
    // The same period a year earlier, ending as many days in as this one has run.
    let earlier = year_earlier(period).map(|p| {
        let through = through
            .saturating_sub(1.year())
            .min(p.last_day())
            .max(p.first_day());
        (p, through)
    });
    // The membership and the introductions of both periods, each in one read.
    let (membership, introductions, earlier_figures) = match earlier {
        Some((p, on)) => {
            let [now, then] = member_facets::memberships(conn, org_id, [through, on]).await?;
            let [ours, theirs] = candidacies::introductions_in_spans(
                conn,
                scope,
                org_id,
                [(span.from, through), (p.first_day(), on)],
            )
            .await?;
            (now, ours, Some((p, on, then, theirs)))
        }
        None => {
            let [now] = member_facets::memberships(conn, org_id, [through]).await?;
            let [ours] =
                candidacies::introductions_in_spans(conn, scope, org_id, [(span.from, through)])
                    .await?;
            (now, ours, None)
        }
    };
    let current = figures(
        conn,
        org_id,
        *period,
        span.from,
        through,
        today,
        membership,
        introductions,
    )
    .await?;
    let year_earlier = match earlier_figures {
        Some((p, on, m, intro)) => {
            Some(figures(conn, org_id, p, p.first_day(), on, today, m, intro).await?)
        }
        None => None,
    };
    let pipeline = pipeline_of(conn, org_id, today).await?;
    Ok(PeriodicReport {
        org,
        today,
        current,
        year_earlier,
        pipeline,
        convention_vi: span.convention_vi,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn sub_groups_map_to_the_counters_of_their_flags_and_source_categories() {
        let m: BTreeMap<String, i64> = [
            ("admission", 23),
            ("admission.women", 15),
            ("admission.youth_union", 14),
            ("admission.source.teacher", 3),
            ("admission.source.upper_secondary_student", 2),
            ("admission.source.university_student", 1),
            ("admission.source.private_enterprise_worker", 4),
            ("admission.source.hamlet_head", 1),
            ("admission.youth_age", 9),
            ("sympathizer.listed", 40),
            ("source.opened", 70),
            ("course.certified", 30),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        let a = actuals_from_metrics(&m);
        assert_eq!((a.sources, a.course_attendees, a.admissions), (40, 30, 23));
        let g = |s: SubGroup| a.get(&Line::SubGroup(s));
        assert_eq!(g(SubGroup::Women), 15);
        assert_eq!(g(SubGroup::YouthUnion), 14);
        assert_eq!(g(SubGroup::Students), 3);
        assert_eq!(g(SubGroup::Workers), 4);
        assert_eq!(g(SubGroup::Teachers), 3);
        assert_eq!(g(SubGroup::HamletHeads), 1);
        assert_eq!(g(SubGroup::EthnicMinority), 0);
        assert!(!a.sub_groups.contains_key(&SubGroup::EthnicMinority));
        assert!(sub_group_metrics(&SubGroup::Other("dân quân".into())).is_empty());
    }

    #[test]
    fn a_last_month_cut_short_is_read_from_its_shorter_side() {
        // A year running to 7 December: January–November whole, 1–7 December from its events.
        assert_eq!(
            split_days(date(2025, 1, 1), date(2025, 12, 7), None),
            (
                Some(("2025-01".into(), "2025-11".into())),
                vec![(date(2025, 12, 1), date(2025, 12, 7), 1)]
            )
        );
        // Running to 20 December: the whole of December less 21–31 December.
        assert_eq!(
            split_days(date(2026, 1, 1), date(2026, 12, 20), None),
            (
                Some(("2026-01".into(), "2026-12".into())),
                vec![(date(2026, 12, 21), date(2026, 12, 31), -1)]
            )
        );
        // A month period to its 16th of 30 days: 1–16 read (14 days follow, fewer than 16).
        assert_eq!(
            split_days(date(2026, 11, 1), date(2026, 11, 16), None),
            (
                Some(("2026-11".into(), "2026-11".into())),
                vec![(date(2026, 11, 17), date(2026, 11, 30), -1)]
            )
        );
        // A term from a congress on the 15th: its first month cut from the front, as before.
        assert_eq!(
            split_days(date(2025, 10, 15), date(2026, 2, 27), None),
            (
                Some(("2025-11".into(), "2026-02".into())),
                vec![
                    (date(2025, 10, 15), date(2025, 10, 31), 1),
                    (date(2026, 2, 28), date(2026, 2, 28), -1)
                ]
            )
        );
        // Inside one month from a cut day: its days, from its events.
        assert_eq!(
            split_days(date(2026, 3, 10), date(2026, 3, 30), None),
            (None, vec![(date(2026, 3, 10), date(2026, 3, 30), 1)])
        );
    }

    #[test]
    fn a_period_running_to_today_reads_no_days_of_its_last_month() {
        // To 7 December, today: the whole of December less 8–31 December (nothing dated after
        // today).
        let today = date(2026, 12, 7);
        assert_eq!(
            split_days(date(2026, 1, 1), today, Some(today)),
            (
                Some(("2026-01".into(), "2026-12".into())),
                vec![(date(2026, 12, 8), date(2026, 12, 31), -1)]
            )
        );
        // The same days a year earlier are not today: read from their events.
        assert_eq!(
            split_days(date(2025, 1, 1), date(2025, 12, 7), Some(today)),
            (
                Some(("2025-01".into(), "2025-11".into())),
                vec![(date(2025, 12, 1), date(2025, 12, 7), 1)]
            )
        );
    }

    #[test]
    fn the_same_period_a_year_earlier() {
        assert_eq!(year_earlier(&Period::Year(2026)), Some(Period::Year(2025)));
        assert_eq!(
            year_earlier(&Period::Half { year: 2026, h: 2 }),
            Some(Period::Half { year: 2025, h: 2 })
        );
        assert_eq!(year_earlier(&Period::Term { start_year: 2025 }), None);
    }

    #[test]
    fn stage_age_buckets_start_at_full_months() {
        let today = date(2026, 11, 23);
        assert_eq!(
            StageAge::of(date(2026, 8, 24), today),
            StageAge::Under3Months
        );
        assert_eq!(
            StageAge::of(date(2026, 8, 23), today),
            StageAge::From3To6Months
        );
        assert_eq!(
            StageAge::of(date(2026, 5, 24), today),
            StageAge::From3To6Months
        );
        assert_eq!(
            StageAge::of(date(2026, 5, 23), today),
            StageAge::From6To12Months
        );
        assert_eq!(
            StageAge::of(date(2025, 11, 24), today),
            StageAge::From6To12Months
        );
        assert_eq!(
            StageAge::of(date(2025, 11, 23), today),
            StageAge::From12Months
        );
        // The end of a longer month clamps: 31/05 − 3 months = 28/02.
        assert_eq!(cutoffs(date(2026, 5, 31))[0], date(2026, 2, 28));
    }
}

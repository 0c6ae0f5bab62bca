//! `/` — the dashboard of the user's scope: the pipeline by stage, this year's admissions against
//! the plan, what is due or overdue this week.

use askama::Template;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};
use ketnap_domain::alerts::AlertStatus;
use ketnap_domain::dates::format_vn;
use ketnap_domain::forecast;
use ketnap_domain::lifecycle::Stage;
use ketnap_domain::numfmt::group_thousands;
use ketnap_domain::plan::{Achievement, Period};
use ketnap_store::{counters, history, members, orgs, reports, stamps};

use crate::AppState;
use crate::auth::Auth;
use crate::charts;
use crate::error::AppError;
use crate::layout::Layout;

/// One bar of the funnel.
#[derive(Clone)]
pub struct FunnelBar {
    /// Stage label.
    pub label: &'static str,
    /// Candidacies at that stage now.
    pub count: i64,
    /// The same, thousands grouped.
    pub count_text: String,
    /// Bar width, percent of the largest.
    pub width: i64,
}

/// A root of the user's scope, summarised.
#[derive(Clone)]
pub struct RootSummary {
    /// Public id.
    pub pub_id: String,
    /// Name.
    pub name: String,
    /// Official members.
    pub official: i64,
    /// Probationary members.
    pub probationary: i64,
    /// The funnel.
    pub funnel: Vec<FunnelBar>,
    /// Admissions this year.
    pub admitted: i64,
    /// This year's admissions target, if a plan exists.
    pub target: Option<u32>,
    /// Achievement as the seeds write it ("80 %"), or "—".
    pub achievement: String,
    /// The leader's verdict in one sentence.
    pub verdict: String,
    /// On track (met, or the forecast expects it).
    pub on_track: bool,
    /// Members, thousands grouped.
    pub official_text: String,
    /// Probationary members, thousands grouped.
    pub probationary_text: String,
    /// Admissions so far and the target, thousands grouped: "134 / 146".
    pub admitted_text: String,
    /// The pipeline as an SVG funnel (the table beside it holds the same numbers).
    pub funnel_chart: String,
    /// Admissions against the plan by child organisation (SVG), empty without children.
    pub children_chart: String,
    /// Cumulative admissions by month against the cumulative plan (SVG).
    pub trend_chart: String,
}

/// A recent step.
#[derive(Clone)]
pub struct EventRow {
    /// dd/mm/yyyy.
    pub on: String,
    /// The step's label.
    pub label: &'static str,
    /// Candidacy public id.
    pub candidacy: String,
    /// Name.
    pub name: String,
    /// Cell.
    pub cell: String,
}

/// One alert row.
#[derive(Clone)]
pub struct AlertRow {
    /// Candidacy public id.
    pub candidacy: String,
    /// Name (only for roles that see individuals).
    pub name: String,
    /// Cell.
    pub cell: String,
    /// Status label.
    pub status: &'static str,
    /// CSS class of the status.
    pub class: &'static str,
    /// Due date, dd/mm/yyyy.
    pub due: String,
    /// What to do.
    pub message: String,
}

/// templates/dashboard.html
#[derive(Template)]
#[template(path = "dashboard.html")]
pub struct DashboardPage {
    /// Layout.
    pub layout: Layout,
    /// Today, dd/mm/yyyy.
    pub today: String,
    /// The year.
    pub year: i16,
    /// The roots of the scope.
    pub roots: Vec<RootSummary>,
    /// Due within the coming week (not the backlog).
    pub alerts: Vec<AlertRow>,
    /// The backlog: overdue items, "12" (thousands grouped), and of them the decisions and votes.
    pub overdue: String,
    /// Of the overdue, those a decision or a vote waits for.
    pub overdue_acts: String,
    /// Whether names are shown.
    pub individuals: bool,
    /// The latest steps in the scope.
    pub events: Vec<EventRow>,
}

const FUNNEL: [Stage; 11] = [
    Stage::Source,
    Stage::Sympathizer,
    Stage::Course,
    Stage::Dossier,
    Stage::Verification,
    Stage::CellVote,
    Stage::GrassrootsVote,
    Stage::AwaitingDecision,
    Stage::AwaitingCeremony,
    Stage::Probationary,
    Stage::RecognitionVote,
];

/// The dashboard's summaries of a root, per (user, role, organisation, day), kept while the
/// organisation's subtree stamp stays where it was ([`ketnap_store::stamps`]): a summary reads
/// only the subtree's kept counts and plan (the children the user's grants reach among them:
/// hence per user; a grant moves the whole database's stamp). The alerts and latest steps, which
/// follow the day's work, are read on every view.
pub type SummaryCache = crate::cache::HeadCache<
    (Option<i64>, ketnap_store::Role, i64, jiff::civil::Date),
    RootSummary,
    stamps::Stamp,
>;

/// The day's work of a scope: what is due within the week, the backlog's counts, the latest
/// steps (names: for roles that see individuals).
#[derive(Clone, Default)]
pub struct DayWork {
    /// Due within the coming week.
    pub alerts: Vec<AlertRow>,
    /// Overdue items.
    pub overdue: u128,
    /// Of them, those a decision or a vote waits for.
    pub overdue_acts: u128,
    /// The latest steps.
    pub events: Vec<EventRow>,
}

/// The dashboard's day's work per (user, role, day), kept while the stamps of the user's scope
/// stay where they were ([`ketnap_store::stamps`]): every step, note, name change and the daily
/// pass moves them, as for the alert page's list. Not for a mentor's or a mass organisation's
/// scope (their candidacies are not one subtree's), read on every view there. Kept, a view of
/// the dashboard reads the session, the user, the roots and their stamps: 4 statements instead
/// of 13 (issue 19, B3 on PostgreSQL).
pub type DayWorkCache = crate::cache::HeadCache<
    (Option<i64>, ketnap_store::Role, jiff::civil::Date),
    DayWork,
    stamps::Stamp,
>;

/// `GET /`
pub async fn show(State(state): State<AppState>, auth: Auth) -> Result<Response, AppError> {
    let today = state.clock.today();
    let year = today.year();
    let mut conn = state.store.read().await?;
    let mut roots = Vec::new();
    // The scope's stamps ([`stamps::of_scope`]: the sum of its roots' subtree stamps, each of
    // which only grows), from the roots' own.
    let mut scope_stamp = stamps::Stamp {
        subtree: 0,
        whole: 0,
    };
    for org in orgs::scope_roots(&mut conn, &auth.scope).await? {
        // Read before the figures: a write committed meanwhile leaves this summary under the
        // older stamp, and the next view computes again.
        let stamp = stamps::of(&mut conn, org.org_id).await?;
        scope_stamp.subtree += stamp.subtree;
        scope_stamp.whole = stamp.whole;
        let key = (auth.scope.user_id, auth.role, org.org_id, today);
        // One computation of an organisation's summary at a time; those waiting find it.
        let (kept, _computing) = state.summaries.get_or_lock(&key, stamp, org.org_id).await;
        if let Some(kept) = kept {
            roots.push(kept);
            continue;
        }
        let gauges = counters::gauges(&mut conn, &auth.scope, org.org_id).await?;
        let max = FUNNEL
            .iter()
            .map(|s| gauges.get(s).copied().unwrap_or(0))
            .max()
            .unwrap_or(0)
            .max(1);
        let funnel = FUNNEL
            .iter()
            .map(|s| {
                let count = gauges.get(s).copied().unwrap_or(0);
                FunnelBar {
                    label: s.label_vi(),
                    count_text: group_thousands(u128::try_from(count).unwrap_or(0)),
                    count,
                    width: count * 100 / max,
                }
            })
            .collect();
        let roster = members::counts(&mut conn, &auth.scope, org.org_id).await?;
        let pva = reports::plan_vs_actual(&mut conn, &auth.scope, org.org_id, &Period::Year(year))
            .await?;
        let admitted = i64::from(pva.actuals.admissions);
        let target = pva.plan.as_ref().map(|p| p.admissions);
        let achievement = target
            .map(|t| Achievement::of(pva.actuals.admissions, t).pct_text())
            .unwrap_or_else(|| "—".to_string());
        let stages: Vec<(&str, u32)> = FUNNEL
            .iter()
            .map(|s| {
                (
                    s.label_vi(),
                    u32::try_from(gauges.get(s).copied().unwrap_or(0)).unwrap_or(0),
                )
            })
            .collect();
        let funnel_chart = charts::funnel(&stages);
        let children_chart = crate::report::children_chart(&pva);
        let months = history::monthly_admissions(&mut conn, &auth.scope, org.org_id, year).await?;
        let through = usize::try_from(today.month()).unwrap_or(12);
        let trend_chart = crate::report::admissions_trend(&months, through, pva.plan.as_ref());
        // Judged against the plan's pace to the end of this month: read from the plan itself,
        // so the dashboard's cost does not grow with the history (the forecast, which reads
        // every candidacy's steps, is on the plans page).
        let month = today.month();
        let due = pva.plan.as_ref().map_or(0, |p| {
            p.month_targets(&ketnap_domain::plan::Line::Admissions)
                .iter()
                .take(usize::try_from(month).unwrap_or(12))
                .sum()
        });
        let verdict = forecast::progress(
            year,
            pva.actuals.admissions,
            target,
            today,
            forecast::Outlook::Pace { due, month },
        );
        let g = |n: u128| group_thousands(n);
        let admitted_text = match target {
            Some(t) => format!(
                "{} / {}",
                g(u128::from(pva.actuals.admissions)),
                g(u128::from(t))
            ),
            None => g(u128::from(pva.actuals.admissions)),
        };
        let summary = RootSummary {
            verdict: verdict.sentence_vi,
            on_track: verdict.on_track,
            official_text: g(u128::try_from(roster.official).unwrap_or(0)),
            probationary_text: g(u128::try_from(roster.probationary).unwrap_or(0)),
            admitted_text,
            pub_id: org.pub_id,
            name: org.name,
            official: roster.official,
            probationary: roster.probationary,
            funnel,
            admitted,
            target,
            achievement,
            funnel_chart,
            children_chart,
            trend_chart,
        };
        state.summaries.put(key, stamp, summary.clone());
        roots.push(summary);
    }
    let individuals = auth.role.sees_individuals();
    let kept = !roots.is_empty()
        && !matches!(
            auth.role,
            ketnap_store::Role::Mentor | ketnap_store::Role::MassOrg
        );
    let key = (auth.scope.user_id, auth.role, today);
    let org_key = auth.scope.user_id.unwrap_or(0);
    let (found, _computing) = if kept && individuals {
        state.day_work.get_or_lock(&key, scope_stamp, org_key).await
    } else {
        (None, None)
    };
    let work = match found {
        Some(work) => work,
        None if individuals => {
            let work = day_work(&state, &mut conn, &auth, today).await?;
            if kept {
                state.day_work.put(key, scope_stamp, work.clone());
            }
            work
        }
        None => DayWork::default(),
    };
    let page = DashboardPage {
        layout: auth.layout("Tổng quan", "dashboard"),
        today: format_vn(today),
        year,
        roots,
        alerts: work.alerts,
        overdue: group_thousands(work.overdue),
        overdue_acts: group_thousands(work.overdue_acts),
        individuals,
        events: work.events,
    };
    Ok(Html(page.render()?).into_response())
}

/// The day's work of the scope, read from the alert queue and the latest steps.
async fn day_work(
    state: &AppState,
    conn: &mut ketnap_store::Conn,
    auth: &Auth,
    today: jiff::civil::Date,
) -> Result<DayWork, AppError> {
    let week = today
        .checked_add(jiff::Span::new().days(7))
        .unwrap_or(today);
    let found =
        ketnap_store::alert_queue::for_dashboard(conn, &auth.scope, &state.book, today, week, 50)
            .await?;
    let mut alerts = Vec::new();
    for a in found.soon {
        alerts.push(AlertRow {
            candidacy: a.candidacy_pub_id,
            name: a.full_name,
            cell: if a.cell_parent.is_empty() {
                a.cell_name
            } else {
                format!("{} ({})", a.cell_name, a.cell_parent)
            },
            status: a.alert.badge_vi(),
            class: match a.alert.status {
                AlertStatus::Overdue => "overdue",
                AlertStatus::DueSoon => "due-soon",
                AlertStatus::Upcoming => "upcoming",
            },
            due: format_vn(a.alert.due),
            message: a.alert.message_vi,
        });
    }
    alerts.sort_by(|a, b| {
        let d = |s: &str| ketnap_domain::dates::parse_vn(s);
        d(&a.due).cmp(&d(&b.due))
    });
    let mut latest = history::latest_events(conn, &auth.scope, 10).await?;
    // The latest recorded, shown newest act first (a step recorded late is not out of place).
    latest.sort_by_key(|e| std::cmp::Reverse(e.on));
    let events = latest
        .into_iter()
        .map(|e| EventRow {
            on: format_vn(e.on),
            label: ketnap_domain::lifecycle::action_label_vi(&e.action),
            candidacy: e.candidacy_pub_id,
            name: e.full_name,
            cell: e.cell_name,
        })
        .collect();
    Ok(DayWork {
        alerts,
        overdue: u128::from(found.overdue),
        overdue_acts: u128::from(found.overdue_acts),
        events,
    })
}

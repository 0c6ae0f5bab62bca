//! `/` — the dashboard of the user's scope: the pipeline by stage, this year's admissions against
//! the plan, what is due or overdue this week.

use askama::Template;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};
use ketnap_domain::alerts::AlertStatus;
use ketnap_domain::dates::format_vn;
use ketnap_domain::lifecycle::Stage;
use ketnap_domain::plan::{Achievement, Period};
use ketnap_store::{candidacies, counters, history, members, orgs, reports};

use crate::AppState;
use crate::auth::Auth;
use crate::charts;
use crate::error::AppError;
use crate::layout::Layout;

/// One bar of the funnel.
pub struct FunnelBar {
    /// Stage label.
    pub label: &'static str,
    /// Candidacies at that stage now.
    pub count: i64,
    /// Bar width, percent of the largest.
    pub width: i64,
}

/// A root of the user's scope, summarised.
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
    /// The pipeline as an SVG funnel (the table beside it holds the same numbers).
    pub funnel_chart: String,
    /// Admissions against the plan by child organisation (SVG), empty without children.
    pub children_chart: String,
    /// Cumulative admissions by month against the cumulative plan (SVG).
    pub trend_chart: String,
}

/// A recent step.
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
    /// Due or overdue within the week.
    pub alerts: Vec<AlertRow>,
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

/// `GET /`
pub async fn show(State(state): State<AppState>, auth: Auth) -> Result<Response, AppError> {
    let today = state.clock.today();
    let year = today.year();
    let mut conn = state.store.read().await?;
    let mut roots = Vec::new();
    for org in orgs::scope_roots(&mut conn, &auth.scope).await? {
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
        roots.push(RootSummary {
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
        });
    }
    let individuals = auth.role.sees_individuals();
    let mut alerts = Vec::new();
    if individuals {
        let week = today
            .checked_add(jiff::Span::new().days(7))
            .unwrap_or(today);
        for a in
            candidacies::alerts_in_scope(&mut conn, &auth.scope, &state.book, today, 200).await?
        {
            if a.alert.status != AlertStatus::Overdue && a.alert.due > week {
                continue;
            }
            alerts.push(AlertRow {
                candidacy: a.candidacy_pub_id,
                name: a.full_name,
                cell: a.cell_name,
                status: a.alert.status.label_vi(),
                class: match a.alert.status {
                    AlertStatus::Overdue => "overdue",
                    AlertStatus::DueSoon => "due-soon",
                    AlertStatus::Upcoming => "upcoming",
                },
                due: format_vn(a.alert.due),
                message: a.alert.message_vi,
            });
            if alerts.len() >= 50 {
                break;
            }
        }
    }
    let events = if individuals {
        history::latest_events(&mut conn, &auth.scope, 10)
            .await?
            .into_iter()
            .map(|e| EventRow {
                on: format_vn(e.on),
                label: ketnap_domain::lifecycle::action_label_vi(&e.action),
                candidacy: e.candidacy_pub_id,
                name: e.full_name,
                cell: e.cell_name,
            })
            .collect()
    } else {
        Vec::new()
    };
    let page = DashboardPage {
        layout: auth.layout("Tổng quan", "dashboard"),
        today: format_vn(today),
        year,
        roots,
        alerts,
        individuals,
        events,
    };
    Ok(Html(page.render()?).into_response())
}

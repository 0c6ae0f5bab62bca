//! `/plans` — the plan of an organisation for a year, a term or a quarter: its targets with the
//! quarter split and sub-targets, the suggested plan computed from the start-of-year membership,
//! plan against actual (by quarter and cumulative, rolled up the subtree from the counters), the
//! children's plans and where they do not add up, the forecast to the year's end, and the
//! drill-down to the people behind a number (`/plans/admitted`).
//!
//! Everyone with a scope reads plans (they hold counts, never people); organisation staff and
//! administrators write them (`plans::role_writes_plans`). The drill-down lists names, so it is
//! for roles that see individuals.

use std::collections::BTreeMap;
use std::sync::Arc;

use jiff::civil::Date;

use crate::extract::{Form, Query};
use askama::Template;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use ketnap_domain::dates::format_vn;
use ketnap_domain::forecast::{self, Forecast};
use ketnap_domain::plan::{
    self, Achievement, Line, Period, Plan, PlanVsActual, QuarterWeights, RateDecision, SubGroup,
    SubTarget,
};
use ketnap_store::reports::{self, PlanVsActualReport};
use ketnap_store::{StoreError, members, orgs, plans};
use serde::Deserialize;

use crate::AppState;
use crate::auth::Auth;
use crate::charts;
use crate::error::AppError;
use crate::layout::Crumb;
use crate::pages::downloads;
use crate::pages::picker::{Opt, parse_period, period_options, pick_org};

/// Years of history the forecast learns from.
const FORECAST_YEARS: i64 = 3;
/// Rows of the drill-down page.
const DRILL_PAGE: i64 = 100;

/// The routes of the area.
pub fn routes() -> crate::routes::Routes {
    crate::routes::Routes::new()
        .route("/plans", get(show).post(save))
        .route("/plans/children", post(assign_children))
        .route("/plans/rates", post(save_rates))
        .route("/plans/admitted", get(admitted))
}

/// The query string of the plan page.
#[derive(Deserialize, Default)]
pub struct PlanQuery {
    /// Organisation public id (default: the first root of the scope).
    #[serde(default)]
    pub org: Option<String>,
    /// Period code (`2026`, `2025-2030`, `2026-Q2`); default: this year.
    #[serde(default)]
    pub period: Option<String>,
    /// `xlsx` or `csv`: the plans of the organisation and its children as a file.
    #[serde(default)]
    pub format: Option<String>,
}

/// One line of the plan's targets.
pub struct TargetRow {
    /// Label.
    pub label: String,
    /// The period's target.
    pub target: String,
    /// The quarter split (year plans), else empty.
    pub quarters: Vec<String>,
    /// How a share was rounded ("16 × 40 % = 6,4 → 6"), if it is one.
    pub computation: String,
}

/// One line of plan against actual.
pub struct ResultRow {
    /// Label.
    pub label: String,
    /// Line code for the drill-down (`admissions`, `sub:women`…), empty when none.
    pub line_code: String,
    /// Target (for a sub-group: the admissions target, the seeds' base).
    pub target: String,
    /// Actual.
    pub actual: String,
    /// "143,75 %".
    pub pct: String,
    /// "23/16".
    pub fraction: String,
    /// CSS class: `exceeded`, `reached` or `behind`.
    pub class: &'static str,
    /// For a sub-group with its own sub-target: the actual against it.
    pub against_sub_target: String,
}

/// One quarter of the plan-vs-actual table.
pub struct QuarterRow {
    /// "Quý I/2026".
    pub label: String,
    /// Admissions in the quarter.
    pub admissions: String,
    /// The quarter's admissions target (split of the year plan), if any.
    pub target: String,
    /// Quarter achievement.
    pub pct: String,
    /// Admissions from the start of the period through the quarter.
    pub cumulative: String,
    /// Cumulative against the whole plan.
    pub cumulative_pct: String,
}

/// One child organisation.
pub struct ChildRow {
    /// Public id.
    pub pub_id: String,
    /// Name.
    pub name: String,
    /// Targets (empty when the child has no plan).
    pub sources: String,
    /// Course target.
    pub course: String,
    /// Admissions target.
    pub admissions: String,
    /// Admissions actual.
    pub actual: String,
    /// Achievement of the admissions target.
    pub pct: String,
    /// Whether the child has a plan.
    pub has_plan: bool,
}

/// One line where the children's plans and the parent's differ.
pub struct GapRow {
    /// Label.
    pub label: String,
    /// Parent's target.
    pub parent: String,
    /// Sum of the children's.
    pub children: String,
    /// Difference (children − parent), signed.
    pub difference: String,
    /// Children plan less than the parent asks.
    pub short: bool,
}

/// The edit form's values (strings, as typed).
#[derive(Clone, Debug, Default)]
pub struct PlanFields {
    /// Sources target.
    pub sources: String,
    /// Course target.
    pub course_attendees: String,
    /// Admissions target.
    pub admissions: String,
    /// Per named sub-group: (code, label, value, unit `count`/`share`).
    pub subs: Vec<(String, String, String, String)>,
    /// Quarter weights, empty for even.
    pub q: [String; 4],
}

/// The suggestion box.
pub struct SuggestionView {
    /// Start-of-year membership.
    pub members: String,
    /// The base is today's count because no snapshot was taken.
    pub provisional: bool,
    /// Number of cells.
    pub cells: String,
    /// Lines: label, range text, citation.
    pub lines: Vec<(String, String, String)>,
    /// The suggested plan as form values.
    pub fields: PlanFields,
}

/// The plans page's forecasts per (organisation, day, admitted so far, quota), kept while the
/// organisation's subtree stamp stays put ([`ketnap_store::stamps`]; a write elsewhere in the
/// database leaves it kept). The forecast reads the organisation's subtree whole once the
/// organisation is in the reader's scope, so readers share it; one computation per organisation
/// at a time ([`crate::cache::HeadCache::get_or_lock`]: a province's quadratic distribution
/// takes 0.5 s).
pub type ForecastCache =
    crate::cache::HeadCache<ForecastKey, Arc<Forecast>, ketnap_store::stamps::Stamp>;

type ForecastKey = (i64, Date, u32, u32);

/// The plans page's plan against actual and open cells per (user, role, organisation, period),
/// kept while the organisation's subtree stamp stays put ([`ketnap_store::stamps`]): they read
/// the subtree's kept sums, plans and tree (and the children the user's grants reach: hence per
/// user).
pub type PlanReportCache = crate::cache::HeadCache<
    (Option<i64>, ketnap_store::Role, i64, String),
    Arc<(PlanVsActualReport, u32)>,
    ketnap_store::stamps::Stamp,
>;

/// The forecast box.
pub struct ForecastView {
    /// Verdict.
    pub verdict: String,
    /// Whether the verdict is good news.
    pub positive: bool,
    /// Summary line.
    pub summary: String,
    /// Expected admissions by the year's end.
    pub expected: String,
    /// Range.
    pub range: String,
    /// Probability that the quota is met.
    pub p_meet: String,
    /// Sparse-data label, if any.
    pub sparse: String,
    /// The method, in plain Vietnamese.
    pub method: String,
    /// Per stage: stage label, open candidacies, expected admissions from them.
    pub by_stage: Vec<(String, String, String)>,
}

/// `plans_show.html`
#[derive(Template)]
#[template(path = "plans_show.html")]
pub struct PlanPage {
    layout: crate::layout::Layout,
    org_pub_id: String,
    org_name: String,
    period_code: String,
    period_label: String,
    org_options: Vec<Opt>,
    period_options: Vec<Opt>,
    can_write: bool,
    individuals: bool,
    error: Option<String>,
    /// The rates form refused: the reason and what was typed (kept in the form).
    rates_error: Option<String>,
    rates_typed: BTreeMap<String, String>,
    has_plan: bool,
    targets: Vec<TargetRow>,
    quarter_heads: Vec<String>,
    warnings: Vec<ketnap_domain::Violation>,
    suggestion: Option<SuggestionView>,
    fields: PlanFields,
    results: Vec<ResultRow>,
    actual_admissions: String,
    /// The plan year a rate decision recorded here applies from (the page's year).
    year_from: i16,
    /// A term's days: from its congress, or the convention used without one.
    convention: Option<String>,
    quarters: Vec<QuarterRow>,
    children: Vec<ChildRow>,
    gaps: Vec<GapRow>,
    children_chart: String,
    forecast: Option<ForecastView>,
    today: String,
    download: Option<String>,
}

fn count(n: u32) -> String {
    plan::format_count(n)
}

fn line_code(line: &Line) -> String {
    match line {
        Line::Sources => "sources".into(),
        Line::CourseAttendees => "course".into(),
        Line::Admissions => "admissions".into(),
        Line::SubGroup(g) => format!("sub:{}", g.code()),
    }
}

fn parse_line(code: &str) -> Option<Line> {
    match code {
        "sources" => Some(Line::Sources),
        "course" => Some(Line::CourseAttendees),
        "admissions" => Some(Line::Admissions),
        _ => code
            .strip_prefix("sub:")
            .and_then(SubGroup::from_code)
            .map(Line::SubGroup),
    }
}

fn class_of(a: &Achievement) -> &'static str {
    if a.target == 0 {
        ""
    } else if a.exceeded() {
        "exceeded"
    } else if a.reached() {
        "reached"
    } else {
        "behind"
    }
}

fn result_rows(r: &PlanVsActual, admissions_target: u32) -> Vec<ResultRow> {
    r.lines
        .iter()
        .map(|l| ResultRow {
            label: l.line.label(),
            line_code: line_code(&l.line),
            target: count(match l.line {
                Line::SubGroup(_) => admissions_target,
                _ => l.achievement.target,
            }),
            actual: count(l.actual),
            pct: l.achievement.pct_text(),
            fraction: l.achievement.fraction(),
            class: class_of(&l.achievement),
            against_sub_target: match (l.sub_target, l.against_sub_target()) {
                (Some(t), Some(a)) => {
                    format!("{} / {} ({})", count(l.actual), count(t), a.pct_text())
                }
                _ => String::new(),
            },
        })
        .collect()
}

fn bp_text(bp: u32) -> String {
    let whole = bp / 100;
    let frac = bp % 100;
    if frac == 0 {
        whole.to_string()
    } else if frac.is_multiple_of(10) {
        format!("{whole},{}", frac / 10)
    } else {
        format!("{whole},{frac:02}")
    }
}

impl PlanFields {
    fn of(plan: &Plan) -> PlanFields {
        let subs = SubGroup::NAMED
            .iter()
            .map(|g| {
                let (value, unit) = match plan.sub_targets.get(g) {
                    Some(SubTarget::Count(n)) => (n.to_string(), "count"),
                    Some(SubTarget::Share(bp)) => (bp_text(*bp), "share"),
                    None => (String::new(), "share"),
                };
                (g.code(), g.label().to_string(), value, unit.to_string())
            })
            .collect();
        let q = match plan.quarter_weights {
            QuarterWeights::Custom(w) => w.map(|x| x.to_string()),
            QuarterWeights::Even => Default::default(),
        };
        PlanFields {
            sources: plan.sources.to_string(),
            course_attendees: plan.course_attendees.to_string(),
            admissions: plan.admissions.to_string(),
            subs,
            q,
        }
    }

    fn from_form(form: &BTreeMap<String, String>) -> PlanFields {
        let get = |k: &str| form.get(k).cloned().unwrap_or_default();
        PlanFields {
            sources: get("sources"),
            course_attendees: get("course_attendees"),
            admissions: get("admissions"),
            subs: SubGroup::NAMED
                .iter()
                .map(|g| {
                    let code = g.code();
                    (
                        code.clone(),
                        g.label().to_string(),
                        get(&format!("sub_{code}")),
                        form.get(&format!("unit_{code}"))
                            .cloned()
                            .unwrap_or_else(|| "share".into()),
                    )
                })
                .collect(),
            q: [get("q1"), get("q2"), get("q3"), get("q4")],
        }
    }

    /// The plan these fields describe, or the Vietnamese reason they do not.
    fn to_plan(&self, period: Period) -> Result<Plan, String> {
        let num = |v: &str, label: &str| -> Result<u32, String> {
            let v = v.trim();
            if v.is_empty() {
                return Ok(0);
            }
            ketnap_domain::numfmt::parse_count_vi(v).ok_or_else(|| {
                format!(
                    "{label}: «{v}» không phải là một số nguyên không âm (ví dụ 15 hoặc 1.500)."
                )
            })
        };
        let mut plan = Plan::new(period);
        plan.sources = num(&self.sources, "Nguồn cảm tình Đảng")?;
        plan.course_attendees = num(&self.course_attendees, "Học lớp nhận thức về Đảng")?;
        plan.admissions = num(&self.admissions, "Kết nạp đảng viên")?;
        for (code, label, value, unit) in &self.subs {
            let v = value.trim();
            if v.is_empty() {
                continue;
            }
            let g = SubGroup::from_code(code).ok_or_else(|| "Nhóm không hợp lệ.".to_string())?;
            let t = if unit == "count" {
                SubTarget::Count(num(v, label)?)
            } else {
                SubTarget::Share(parse_percent_bp(v).ok_or_else(|| {
                    format!("Chỉ tiêu {label}: «{v}» không phải là một tỷ lệ phần trăm (ví dụ 40 hoặc 12,5).")
                })?)
            };
            plan.sub_targets.insert(g, t);
        }
        if self.q.iter().any(|x| !x.trim().is_empty()) {
            let mut w = [0u32; 4];
            for (i, x) in self.q.iter().enumerate() {
                w[i] = num(x, &format!("Tỷ trọng quý {}", i + 1))?;
            }
            plan.quarter_weights = QuarterWeights::Custom(w);
        }
        plan.check().map_err(|e| e.to_string())?;
        Ok(plan)
    }
}

/// "40" → 4000, "12,5" → 1250, "12.5 %" → 1250 (at most two decimals).
fn parse_percent_bp(s: &str) -> Option<u32> {
    let s = s.trim().trim_end_matches('%').trim().replace('.', ",");
    let (whole, frac) = match s.split_once(',') {
        Some((w, f)) => (w, f),
        None => (s.as_str(), ""),
    };
    if frac.len() > 2 || !frac.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let w: u32 = whole.parse().ok()?;
    let f: u32 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<2}").parse().ok()?
    };
    w.checked_mul(100)?.checked_add(f)
}

/// Render the plan page (also after a refused save, with the typed values and the reason).
/// A form refused, shown again with its reason and what was typed.
enum Typed {
    /// The plan's form.
    Plan(PlanFields, String),
    /// The rates form (its fields as posted).
    Rates(BTreeMap<String, String>, String),
}

async fn render(
    state: &AppState,
    auth: &Auth,
    org_key: Option<&str>,
    period: Period,
    typed: Option<Typed>,
) -> Result<Response, AppError> {
    let today = state.clock.today();
    let mut conn = state.store.read().await?;
    let (org, org_options) = pick_org(state, &mut conn, &auth.scope, org_key).await?;
    // Plan against actual kept while the organisation's subtree stamp stays put (read first: a
    // write committed meanwhile leaves it under the older stamp), one computation at a time.
    let stamp = ketnap_store::stamps::of(&mut conn, org.org_id).await?;
    let key = (auth.scope.user_id, auth.role, org.org_id, period.code());
    let (kept, computing) = state
        .plan_reports
        .get_or_lock(&key, stamp, org.org_id)
        .await;
    let (report, cells): (PlanVsActualReport, u32) = match kept {
        Some(kept) => (*kept).clone(),
        None => {
            let report =
                reports::plan_vs_actual(&mut conn, &auth.scope, org.org_id, &period).await?;
            let cells = u32::try_from(orgs::cell_count(&mut conn, org.org_id).await?).unwrap_or(0);
            state
                .plan_reports
                .put(key, stamp, Arc::new((report.clone(), cells)));
            (report, cells)
        }
    };
    drop(computing);
    let plan = report.plan.clone();
    let quarter_heads: Vec<String> = if matches!(period, Period::Year(_)) {
        (1..=4)
            .filter_map(|q| Period::quarter(period.years()[0], q))
            .map(|p| p.to_string())
            .collect()
    } else {
        Vec::new()
    };
    let targets = plan
        .as_ref()
        .map(|p| {
            let mut lines = vec![Line::Sources, Line::CourseAttendees, Line::Admissions];
            lines.extend(p.sub_targets.keys().cloned().map(Line::SubGroup));
            lines
                .into_iter()
                .map(|l| TargetRow {
                    label: l.label(),
                    target: count(p.target(&l)),
                    quarters: if quarter_heads.is_empty() {
                        Vec::new()
                    } else {
                        p.quarter_targets(&l).iter().map(|n| count(*n)).collect()
                    },
                    computation: match &l {
                        Line::SubGroup(g) => p
                            .sub_targets
                            .get(g)
                            .and_then(|t| t.computation(p.admissions))
                            .map(|c| c.text())
                            .unwrap_or_default(),
                        _ => String::new(),
                    },
                })
                .collect()
        })
        .unwrap_or_default();
    // The suggestion and the rate checks are for year plans (the rates are annual).
    let (suggestion, warnings) = if let Period::Year(y) = period {
        // The rates of the plan's year: the RuleSet in force on its first day, with the
        // directive or resolution that decided them for this subtree, if any.
        let year_rules = state
            .book
            .in_force(jiff::civil::Date::new(y, 1, 1).unwrap_or(today))
            .clone();
        let decision = plans::rate_decision_for(&mut conn, org.org_id, y).await?;
        let rules = &decision
            .as_ref()
            .map_or(year_rules.clone(), |d| d.apply(&year_rules));
        let base = members::start_of_year(&mut conn, org.org_id, y).await?;
        let total = u32::try_from(base.counts.official + base.counts.probationary).unwrap_or(0);
        let s = plan::suggest(total, cells, rules);
        let warnings = plan
            .as_ref()
            .map(|p| plan::check_rates(p, total, rules))
            .unwrap_or_default();
        let lines = vec![
            (
                "Kết nạp đảng viên".to_string(),
                s.admissions.text(),
                s.admissions.citation.clone(),
            ),
            (
                "Nguồn cảm tình Đảng".to_string(),
                s.sources.text(),
                s.sources.citation.clone(),
            ),
            (
                "Học lớp nhận thức về Đảng (tối thiểu)".to_string(),
                s.course.text(),
                s.course.citation.clone(),
            ),
            (
                "Kết nạp theo chi bộ".to_string(),
                s.cell_admissions.text(),
                s.cell_admissions.citation.clone(),
            ),
        ];
        (
            Some(SuggestionView {
                members: count(total),
                provisional: !base.from_snapshot,
                cells: count(cells),
                lines,
                fields: PlanFields::of(&s.to_plan(period)),
            }),
            warnings,
        )
    } else {
        (None, Vec::new())
    };
    let admissions_target = plan.as_ref().map_or(0, |p| p.admissions);
    let results = report
        .result
        .as_ref()
        .map(|r| result_rows(r, admissions_target))
        .unwrap_or_default();
    let quarters = report
        .quarters
        .iter()
        .map(|q| {
            let qa = q
                .against_quarter
                .as_ref()
                .and_then(|r| r.lines.iter().find(|l| l.line == Line::Admissions));
            let ca = q
                .cumulative_against_plan
                .as_ref()
                .and_then(|r| r.lines.iter().find(|l| l.line == Line::Admissions));
            QuarterRow {
                label: q.period.to_string(),
                admissions: count(q.actuals.admissions),
                target: qa.map(|l| count(l.achievement.target)).unwrap_or_default(),
                pct: qa.map(|l| l.achievement.pct_text()).unwrap_or_default(),
                cumulative: count(q.cumulative.admissions),
                cumulative_pct: ca.map(|l| l.achievement.pct_text()).unwrap_or_default(),
            }
        })
        .collect();
    let children: Vec<ChildRow> = report
        .children
        .iter()
        .map(|c| ChildRow {
            pub_id: c.org_pub_id.clone(),
            name: c.name.clone(),
            sources: c
                .plan
                .as_ref()
                .map(|p| p.sources.to_string())
                .unwrap_or_default(),
            course: c
                .plan
                .as_ref()
                .map(|p| p.course_attendees.to_string())
                .unwrap_or_default(),
            admissions: c
                .plan
                .as_ref()
                .map(|p| p.admissions.to_string())
                .unwrap_or_default(),
            actual: count(c.actuals.admissions),
            pct: c
                .plan
                .as_ref()
                .map(|p| Achievement::of(c.actuals.admissions, p.admissions).pct_text())
                .unwrap_or_default(),
            has_plan: c.plan.is_some(),
        })
        .collect();
    let chart_rows: Vec<(String, u32, u32)> = report
        .children
        .iter()
        .map(|c| {
            (
                c.name.clone(),
                c.plan.as_ref().map_or(0, |p| p.admissions),
                c.actuals.admissions,
            )
        })
        .collect();
    let children_chart = if chart_rows.is_empty() {
        String::new()
    } else {
        charts::plan_vs_actual_bars(&chart_rows)
    };
    let gaps = report
        .children_gap
        .as_ref()
        .map(|g| {
            g.lines
                .iter()
                .map(|l| GapRow {
                    label: l.line.label(),
                    parent: count(l.parent),
                    children: count(l.children),
                    difference: if l.difference > 0 {
                        format!("+{}", l.difference)
                    } else if l.difference < 0 {
                        format!("−{}", l.difference.unsigned_abs())
                    } else {
                        "0".into()
                    },
                    short: l.difference < 0,
                })
                .collect()
        })
        .unwrap_or_default();
    let forecast = match (period, &plan) {
        (Period::Year(y), Some(p)) if y == today.year() => {
            // Kept while nothing is written into the organisation's subtree (its stamp): its
            // exact distribution costs the square of the open candidacies (a province's: ~0.5 s).
            // (The stamp read for plan against actual above: the same organisation's.)
            let key = (org.org_id, today, report.actuals.admissions, p.admissions);
            let (kept, _computing) = state.forecasts.get_or_lock(&key, stamp, org.org_id).await;
            let computed = match kept {
                Some(f) => f,
                None => {
                    let since = today.saturating_sub(jiff::Span::new().years(FORECAST_YEARS));
                    let candidacies = ketnap_store::history::forecast_history(
                        &mut conn,
                        &auth.scope,
                        org.org_id,
                        since,
                    )
                    .await?;
                    let input = forecast::ForecastInput {
                        today,
                        history_since: since,
                        admitted_so_far: report.actuals.admissions,
                        quota: Some(p.admissions),
                        candidacies,
                    };
                    let f = Arc::new(forecast::forecast(&input));
                    state.forecasts.put(key, stamp, Arc::clone(&f));
                    f
                }
            };
            Some(forecast_view(&computed))
        }
        _ => None,
    };
    let fields = match &typed {
        Some(Typed::Plan(f, _)) => f.clone(),
        _ => plan
            .as_ref()
            .map(PlanFields::of)
            .or_else(|| suggestion.as_ref().map(|s| s.fields.clone()))
            .unwrap_or_else(|| PlanFields::of(&Plan::new(period))),
    };
    let mut layout = auth.layout(format!("Kế hoạch {period} — {}", org.name), "plans");
    layout.crumbs = orgs::path(&mut conn, org.org_id)
        .await?
        .into_iter()
        .map(|o| Crumb {
            href: format!("/plans?org={}&period={}", o.pub_id, period.code()),
            label: o.name,
        })
        .collect();
    let page = PlanPage {
        layout,
        org_pub_id: org.pub_id.clone(),
        org_name: org.name.clone(),
        period_code: period.code(),
        period_label: period.to_string(),
        org_options,
        period_options: period_options(today, &period, false),
        can_write: plans::role_writes_plans(auth.role),
        individuals: auth.role.reads(ketnap_store::Field::Roster),
        error: match &typed {
            Some(Typed::Plan(_, e)) => Some(e.clone()),
            _ => None,
        },
        rates_error: match &typed {
            Some(Typed::Rates(_, e)) => Some(e.clone()),
            _ => None,
        },
        rates_typed: match typed {
            Some(Typed::Rates(f, _)) => f,
            _ => BTreeMap::new(),
        },
        has_plan: plan.is_some(),
        targets,
        quarter_heads,
        warnings,
        suggestion,
        fields,
        results,
        actual_admissions: count(report.actuals.admissions),
        year_from: period.years().first().copied().unwrap_or(today.year()),
        convention: report.convention_vi.clone(),
        quarters,
        children,
        gaps,
        children_chart,
        forecast,
        today: format_vn(today),
        download: downloads::link(
            auth,
            "/plans",
            &format!(
                "org={}&period={}",
                org.pub_id,
                downloads::enc(&period.code())
            ),
        ),
    };
    let status = if page.error.is_some() || page.rates_error.is_some() {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        axum::http::StatusCode::OK
    };
    Ok((status, Html(page.render()?)).into_response())
}

impl PlanPage {
    /// What was typed in the refused rates form's field `key` (empty otherwise).
    fn rate_typed(&self, key: &str) -> &str {
        self.rates_typed.get(key).map_or("", String::as_str)
    }
}

fn forecast_view(f: &Forecast) -> ForecastView {
    ForecastView {
        verdict: f.verdict.label_vi().to_string(),
        positive: f.verdict.is_positive(),
        summary: f.summary_vi(),
        expected: f.expected_text(),
        range: f.range_text(),
        p_meet: f.p_meet_text().unwrap_or_default(),
        sparse: f.sparse_label().unwrap_or_default().to_string(),
        method: f.method_vi(),
        by_stage: f
            .by_stage()
            .into_iter()
            .map(|(s, n, e)| {
                (
                    s.label_vi().to_string(),
                    count(n),
                    ketnap_domain::numfmt::decimal_vi((e * 10.0).round().max(0.0) as u128, 1),
                )
            })
            .collect(),
    }
}

/// `GET /plans`
pub async fn show(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<PlanQuery>,
) -> Result<Response, AppError> {
    let period = parse_period(q.period.as_deref(), state.clock.today())?;
    if let Some(format) = downloads::requested(q.format.as_deref())? {
        downloads::allowed(&state, &auth, "Danh sách người được kết nạp", format).await?;
        let mut conn = state.store.read().await?;
        let (org, _) = pick_org(&state, &mut conn, &auth.scope, q.org.as_deref()).await?;
        // The page's plans: the organisation's and its children's, for the period.
        let filter = ketnap_io::lists::ListFilter {
            org: Some(org.org_id),
            period: Some(period),
            depth: Some(1),
            ..Default::default()
        };
        let table = ketnap_io::lists::export(
            &mut conn,
            &auth.scope,
            ketnap_io::import::Kind::Plans,
            &filter,
        )
        .await?;
        return downloads::file(&table, format, "Chỉ tiêu kế hoạch", Some(&org.code));
    }
    render(&state, &auth, q.org.as_deref(), period, None).await
}

/// A rate as typed: `3-5`, `3–5`, `3,5 - 4`, or one number (`4`); percent of the membership.
fn typed_rate(text: &str) -> Result<Option<ketnap_domain::rules::PercentRange>, String> {
    let t = text.trim().trim_end_matches('%').trim();
    if t.is_empty() {
        return Ok(None);
    }
    let bp = |s: &str| -> Option<u32> {
        let v: f64 = s.trim().replace(',', ".").parse().ok()?;
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        (0.0..=100.0)
            .contains(&v)
            .then(|| (v * 100.0).round() as u32)
    };
    let (lo, hi) = match t.split_once(['-', '–']) {
        Some((a, b)) => (bp(a), bp(b)),
        None => (bp(t), bp(t)),
    };
    match (lo, hi) {
        (Some(low_bp), Some(high_bp)) if low_bp <= high_bp => {
            Ok(Some(ketnap_domain::rules::PercentRange { low_bp, high_bp }))
        }
        _ => Err(format!(
            "Tỷ lệ «{}» không đọc được: ghi phần trăm, ví dụ 3-5 hoặc 4.",
            text.trim()
        )),
    }
}

/// `POST /plans/rates`: the rates a directive or resolution sets for the organisation's subtree.
pub async fn save_rates(
    State(state): State<AppState>,
    auth: Auth,
    Form(form): Form<BTreeMap<String, String>>,
) -> Result<Response, AppError> {
    if !plans::role_writes_plans(auth.role) {
        return Err(AppError::Forbidden);
    }
    let today = state.clock.today();
    let period = parse_period(form.get("period").map(String::as_str), today)?;
    let org_key = form.get("org").cloned().unwrap_or_default();
    let org = orgs::get(&mut state.store.read().await?, &auth.scope, &org_key).await?;
    let get = |k: &str| form.get(k).map(String::as_str).unwrap_or("");
    let parsed: Result<RateDecision, String> = (|| {
        Ok(RateDecision {
            decided_by: org.name.clone(),
            document_no: get("document_no").trim().to_string(),
            document_on: ketnap_domain::dates::parse_vn(get("document_on"))
                .ok_or("Ngày văn bản: hãy ghi ngày/tháng/năm.")?,
            year_from: get("year_from")
                .trim()
                .parse::<i16>()
                .ok()
                .filter(|y| (2000..=2100).contains(y))
                .ok_or("Năm áp dụng: hãy ghi một năm, ví dụ 2026.")?,
            admissions: typed_rate(get("admissions_rate"))?,
            sources: typed_rate(get("sources_rate"))?,
        })
    })();
    let result: Result<(), AppError> = async {
        let decision = parsed.map_err(AppError::BadRequest)?;
        let mut tx = state.store.begin().await?;
        plans::set_rate_decision(
            &mut tx,
            &state.write_ctx(Some(auth.user.user_id)),
            &auth.scope,
            org.org_id,
            &decision,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
    .await;
    match result {
        Ok(()) => Ok(Redirect::to(&format!(
            "/plans?org={}&period={}#h-suggest",
            org.pub_id,
            period.code()
        ))
        .into_response()),
        Err(AppError::BadRequest(msg)) => {
            refused_rates(&state, &auth, &org_key, period, &form, msg).await
        }
        Err(AppError::Store(e @ (StoreError::Invalid { .. } | StoreError::Refused(_)))) => {
            refused_rates(&state, &auth, &org_key, period, &form, e.message_vi()).await
        }
        Err(e) => Err(e),
    }
}

/// The plan page again with the reason a rate decision was refused (nothing saved).
async fn refused_rates(
    state: &AppState,
    auth: &Auth,
    org_key: &str,
    period: Period,
    form: &BTreeMap<String, String>,
    msg: String,
) -> Result<Response, AppError> {
    render(
        state,
        auth,
        Some(org_key),
        period,
        Some(Typed::Rates(form.clone(), msg)),
    )
    .await
}

/// `POST /plans`: save the organisation's plan for the period (or accept the suggestion, which
/// posts the suggested values).
pub async fn save(
    State(state): State<AppState>,
    auth: Auth,
    Form(form): Form<BTreeMap<String, String>>,
) -> Result<Response, AppError> {
    if !plans::role_writes_plans(auth.role) {
        return Err(AppError::Forbidden);
    }
    let period = parse_period(form.get("period").map(String::as_str), state.clock.today())?;
    let org_key = form.get("org").cloned().unwrap_or_default();
    let org = orgs::get(&mut state.store.read().await?, &auth.scope, &org_key).await?;
    let fields = PlanFields::from_form(&form);
    let plan = match fields.to_plan(period) {
        Ok(p) => p,
        Err(msg) => {
            return render(
                &state,
                &auth,
                Some(&org_key),
                period,
                Some(Typed::Plan(fields, msg)),
            )
            .await;
        }
    };
    let result: Result<(), AppError> = async {
        let mut tx = state.store.begin().await?;
        plans::upsert(
            &mut tx,
            &state.write_ctx(Some(auth.user.user_id)),
            &auth.scope,
            org.org_id,
            &plan,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
    .await;
    match result {
        Ok(()) => Ok(Redirect::to(&format!(
            "/plans?org={}&period={}",
            org.pub_id,
            period.code()
        ))
        .into_response()),
        Err(AppError::Store(e @ (StoreError::Invalid { .. } | StoreError::Refused(_)))) => {
            render(
                &state,
                &auth,
                Some(&org_key),
                period,
                Some(Typed::Plan(fields, e.message_vi())),
            )
            .await
        }
        Err(e) => Err(e),
    }
}

/// `POST /plans/children`: a higher level assigns sources, course and admissions targets to its
/// children (`<child pub id>_sources`, `_course`, `_admissions`); a child's sub-targets and
/// quarter split are kept. All children in one transaction: every row lands or none.
pub async fn assign_children(
    State(state): State<AppState>,
    auth: Auth,
    Form(form): Form<BTreeMap<String, String>>,
) -> Result<Response, AppError> {
    if !plans::role_writes_plans(auth.role) {
        return Err(AppError::Forbidden);
    }
    let period = parse_period(form.get("period").map(String::as_str), state.clock.today())?;
    let org_key = form.get("org").cloned().unwrap_or_default();
    let mut conn = state.store.read().await?;
    let org = orgs::get(&mut conn, &auth.scope, &org_key).await?;
    let children = plans::children(&mut conn, &auth.scope, org.org_id, period).await?;
    drop(conn);
    let mut updates: Vec<(i64, Plan)> = Vec::new();
    for c in &children {
        let key = |f: &str| format!("{}_{f}", c.org_pub_id);
        let typed: Vec<&String> = ["sources", "course", "admissions"]
            .iter()
            .filter_map(|f| form.get(&key(f)))
            .collect();
        if typed.iter().all(|v| v.trim().is_empty()) {
            continue;
        }
        let mut plan = c.plan.clone().unwrap_or_else(|| Plan::new(period));
        let num = |f: &str| -> Result<u32, AppError> {
            let v = form.get(&key(f)).map(|s| s.trim()).unwrap_or("");
            if v.is_empty() {
                return Ok(0);
            }
            ketnap_domain::numfmt::parse_count_vi(v).ok_or_else(|| {
                AppError::BadRequest(format!(
                    "{}: «{v}» không phải là một số nguyên không âm (ví dụ 15 hoặc 1.500).",
                    c.name
                ))
            })
        };
        plan.sources = num("sources")?;
        plan.course_attendees = num("course")?;
        plan.admissions = num("admissions")?;
        updates.push((c.org_id, plan));
    }
    let mut tx = state.store.begin().await?;
    let ctx = state.write_ctx(Some(auth.user.user_id));
    for (org_id, plan) in &updates {
        plans::upsert(&mut tx, &ctx, &auth.scope, *org_id, plan).await?;
    }
    tx.commit().await?;
    Ok(Redirect::to(&format!(
        "/plans?org={}&period={}",
        org.pub_id,
        period.code()
    ))
    .into_response())
}

/// The query of the drill-down.
#[derive(Deserialize, Default)]
pub struct AdmittedQuery {
    /// Organisation public id (default: the first root of the scope).
    #[serde(default)]
    pub org: Option<String>,
    /// Period code (default: this year).
    #[serde(default)]
    pub period: Option<String>,
    /// Line code (`admissions`, `sub:women`…).
    #[serde(default)]
    pub line: Option<String>,
    /// Keyset cursor.
    #[serde(default)]
    pub after: Option<String>,
}

/// One person behind a number.
pub struct AdmittedLine {
    /// Candidacy public id.
    pub candidacy: String,
    /// Name.
    pub name: String,
    /// Cell.
    pub cell: String,
    /// Decision date.
    pub on: String,
}

/// `plans_admitted.html`
#[derive(Template)]
#[template(path = "plans_admitted.html")]
pub struct AdmittedPage {
    layout: crate::layout::Layout,
    org_pub_id: String,
    org_name: String,
    period_code: String,
    period_label: String,
    line_label: String,
    line_code: String,
    rows: Vec<AdmittedLine>,
    next: Option<String>,
}

/// The cursor (decision date, internal id), sealed.
fn encode_cursor(sealer: &crate::cursor::Sealer, (on, id): &(jiff::civil::Date, i64)) -> String {
    sealer.seal(&format!("{on}_{id}"))
}

fn decode_cursor(sealer: &crate::cursor::Sealer, s: &str) -> Option<(jiff::civil::Date, i64)> {
    let plain = sealer.open(s)?;
    let (on, id) = plain.split_once('_')?;
    Some((on.parse().ok()?, id.parse().ok()?))
}

/// `GET /plans/admitted`: the people admitted behind a plan-vs-actual number; for the roles that
/// read rosters (a mentor, the political centre, a mass organisation read the figure only).
pub async fn admitted(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<AdmittedQuery>,
) -> Result<Response, AppError> {
    if !auth.role.reads(ketnap_store::Field::Roster) {
        return Err(AppError::NotFound);
    }
    let period = parse_period(q.period.as_deref(), state.clock.today())?;
    let line = match q.line.as_deref().filter(|s| !s.is_empty()) {
        None => Line::Admissions,
        Some(code) => {
            parse_line(code).ok_or_else(|| AppError::BadRequest("Chỉ tiêu không hợp lệ.".into()))?
        }
    };
    let mut conn = state.store.read().await?;
    let (org, _) = pick_org(&state, &mut conn, &auth.scope, q.org.as_deref()).await?;
    let page = reports::admitted_in(
        &mut conn,
        &auth.scope,
        org.org_id,
        &period,
        &line,
        q.after
            .as_deref()
            .and_then(|a| decode_cursor(&state.cursors, a)),
        DRILL_PAGE,
    )
    .await?;
    let mut layout = auth.layout(format!("{} — {}", line.label(), org.name), "plans");
    layout.crumbs = vec![
        Crumb {
            href: format!("/plans?org={}&period={}", org.pub_id, period.code()),
            label: format!("Kế hoạch {period} — {}", org.name),
        },
        Crumb {
            href: String::new(),
            label: line.label(),
        },
    ];
    let view = AdmittedPage {
        layout,
        org_pub_id: org.pub_id.clone(),
        org_name: org.name.clone(),
        period_code: period.code(),
        period_label: period.to_string(),
        line_label: line.label(),
        rows: page
            .items
            .into_iter()
            .map(|r| AdmittedLine {
                candidacy: r.candidacy_pub_id,
                name: r.full_name,
                cell: r.cell_name,
                on: format_vn(r.decided_on),
            })
            .collect(),
        next: page.next.map(|c| encode_cursor(&state.cursors, &c)),
        line_code: line_code(&line),
    };
    Ok(Html(view.render()?).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_are_read_with_a_comma_or_a_dot() {
        assert_eq!(parse_percent_bp("40"), Some(4000));
        assert_eq!(parse_percent_bp("12,5"), Some(1250));
        assert_eq!(parse_percent_bp("12.5 %"), Some(1250));
        assert_eq!(parse_percent_bp("3,75"), Some(375));
        assert_eq!(parse_percent_bp("1,234"), None);
        assert_eq!(parse_percent_bp("abc"), None);
        assert_eq!(bp_text(1250), "12,5");
        assert_eq!(bp_text(375), "3,75");
        assert_eq!(bp_text(4000), "40");
    }

    #[test]
    fn typed_fields_become_a_plan_or_a_vietnamese_reason() {
        let mut f = PlanFields::of(&Plan::new(Period::Year(2026)));
        f.admissions = "16".into();
        for s in &mut f.subs {
            if s.0 == "women" {
                s.2 = "40".into();
            }
        }
        let p = f.to_plan(Period::Year(2026)).unwrap();
        assert_eq!(p.target(&Line::SubGroup(SubGroup::Women)), 6); // 16 × 40 % = 6,4 → 6
        f.admissions = "mười".into();
        assert!(
            f.to_plan(Period::Year(2026))
                .unwrap_err()
                .contains("Kết nạp đảng viên")
        );
        f.admissions = "4".into();
        for s in &mut f.subs {
            if s.0 == "women" {
                s.2 = "5".into();
                s.3 = "count".into();
            }
        }
        assert!(
            f.to_plan(Period::Year(2026)).is_err(),
            "a sub-target above the admissions"
        );
    }
}

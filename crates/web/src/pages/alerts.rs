//! `/alerts` — everything due, overdue or expiring in the scope, sortable and filterable, each
//! row linking to its candidacy.

use crate::extract::Query;
use askama::Template;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use ketnap_domain::alerts::{Actor, AlertKind, AlertStatus};
use ketnap_domain::dates::format_vn;
use ketnap_domain::numfmt::group_thousands;
use ketnap_store::alert_queue::{self, Words};
use ketnap_store::candidacies;
use serde::Deserialize;

use crate::AppState;
use crate::auth::Auth;
use crate::error::AppError;
use crate::layout::Layout;
use crate::pages::downloads;

/// Alerts read for the page (the most urgent first).
const MAX_ALERTS: usize = 1000;

/// The alert page's list (with the words of the lines a view has shown filled) per (user, role,
/// organisation asked, day), kept while the stamps of the scope or of the organisation asked
/// stay where they were ([`ketnap_store::stamps`]): every step, the daily pass and every change
/// of a name moves them. Not for a mentor's or a mass organisation's list (their candidacies
/// are not one subtree's; a few rows).
pub type AlertListCache = crate::cache::HeadCache<
    (
        Option<i64>,
        ketnap_store::Role,
        Option<i64>,
        jiff::civil::Date,
    ),
    std::sync::Arc<std::sync::Mutex<Vec<candidacies::CandidacyAlert>>>,
    ketnap_store::stamps::Stamp,
>;

/// The routes of the area.
pub fn routes() -> crate::routes::Routes {
    crate::routes::Routes::new().route("/alerts", get(index))
}

/// A stable code of an alert kind, for the filter.
pub use ketnap_store::alert_queue::kind_code;

/// The kinds of the filter: code and Vietnamese label, in the work queue's order
/// ([`AlertKind::rank`]).
pub const KINDS: [(&str, &str); 12] = [
    ("decision", "Quyết định kết nạp"),
    ("recognition_decision", "Quyết định công nhận chính thức"),
    ("recognition", "Chi bộ xét công nhận chính thức"),
    ("grassroots_review", "Đảng ủy cơ sở xét"),
    ("ceremony", "Lễ kết nạp"),
    ("verification", "Thẩm tra lý lịch chậm trả lời"),
    ("certificate", "Hiệu lực giấy chứng nhận học lớp bồi dưỡng"),
    ("background", "Hiệu lực lý lịch đã chứng nhận"),
    ("comments", "Hiệu lực giấy giới thiệu, nhận xét"),
    ("probation_ending", "Sắp hết thời gian dự bị"),
    ("member_background", "Lý lịch đảng viên"),
    ("mentor_note", "Nhận xét của đảng viên giúp đỡ"),
];

/// Rows per page.
const PAGE: usize = 50;

/// Who must act, for the filter: code, label.
const ACTORS: [(&str, &str); 5] = [
    ("cell", "Chi bộ"),
    ("mentor", "Đảng viên giúp đỡ"),
    ("grassroots", "Đảng ủy cơ sở"),
    ("competent", "Cấp ủy có thẩm quyền"),
    ("candidate", "Quần chúng / đảng viên mới"),
];

/// The Vietnamese label of a kind.
pub fn kind_label(kind: &AlertKind) -> &'static str {
    let code = kind_code(kind);
    KINDS
        .iter()
        .find(|(c, _)| *c == code)
        .map_or("", |(_, l)| l)
}

/// The badge's CSS class of a status.
fn status_class(s: AlertStatus) -> &'static str {
    match s {
        AlertStatus::Overdue => "overdue",
        AlertStatus::DueSoon => "due-soon",
        AlertStatus::Upcoming => "upcoming",
    }
}

/// The query string.
#[derive(Deserialize, Default)]
pub struct AlertQuery {
    /// `due` (default), `status` or `cell`.
    #[serde(default)]
    pub sort: Option<String>,
    /// A status code.
    #[serde(default)]
    pub status: Option<String>,
    /// A kind code.
    #[serde(default)]
    pub kind: Option<String>,
    /// Who must act (an actor code).
    #[serde(default)]
    pub actor: Option<String>,
    /// An organisation (public id): its cells only.
    #[serde(default)]
    pub org: Option<String>,
    /// The page, from 1.
    #[serde(default)]
    pub trang: Option<String>,
    /// `xlsx` or `csv`: the list as a file.
    #[serde(default)]
    pub format: Option<String>,
}

/// One row.
pub struct AlertLine {
    /// Where the row leads: the candidate's page, or the mentors' page for a folded line.
    pub href: String,
    /// Name, or "3 quần chúng" for a mentor's folded line.
    pub name: String,
    /// The candidates a mentor's line folds.
    pub folded: Vec<String>,
    /// Cell name.
    pub cell: String,
    /// The organisation above the cell.
    pub cell_parent: String,
    /// Status label (in words that agree with the message).
    pub status: &'static str,
    /// CSS class.
    pub class: &'static str,
    /// Kind label.
    pub kind: &'static str,
    /// Due, dd/mm/yyyy.
    pub due: String,
    /// Who acts: the person where ketnap knows them ("Đảng viên giúp đỡ: Lê Văn Hải").
    pub actor: String,
    /// The one thing to do that clears it.
    pub todo: &'static str,
    /// Message.
    pub message: String,
}

/// One line of the summary: a kind with its counts by status.
pub struct SummaryLine {
    /// Kind code (for the filter link).
    pub code: &'static str,
    /// Kind label.
    pub label: &'static str,
    /// Overdue / expired.
    pub overdue: String,
    /// Due soon / expiring.
    pub due_soon: String,
    /// Further away.
    pub upcoming: String,
}

/// A link to another page of the list.
pub struct PageLink {
    /// Label.
    pub label: String,
    /// Href.
    pub href: String,
    /// The page shown.
    pub current: bool,
}

/// One option of a filter.
pub struct Choice {
    /// Value.
    pub code: &'static str,
    /// Label.
    pub label: &'static str,
    /// Selected now.
    pub selected: bool,
}

/// templates/alerts_index.html
#[derive(Template)]
#[template(path = "alerts_index.html")]
pub struct AlertsPage {
    /// Layout.
    pub layout: Layout,
    /// Names shown (otherwise the page says why it is empty).
    pub individuals: bool,
    /// Rows of this page.
    pub rows: Vec<AlertLine>,
    /// Alerts matching the filters (all pages).
    pub total: String,
    /// Counts by kind and status (the organisation filter applied, not the others).
    pub summary: Vec<SummaryLine>,
    /// Pages.
    pub pages: Vec<PageLink>,
    /// The next page.
    pub next: Option<String>,
    /// Organisation choices.
    pub orgs: Vec<crate::pages::picker::Opt>,
    /// A filter is set (the filters are shown unfolded).
    pub filtered: bool,
    /// Who-acts choices.
    pub actors: Vec<Choice>,
    /// Status choices.
    pub statuses: Vec<Choice>,
    /// Kind choices.
    pub kinds: Vec<Choice>,
    /// Sort choices.
    pub sorts: Vec<Choice>,
    /// Today, dd/mm/yyyy.
    pub today: String,
    /// The "Tải về" links' prefix (roles that see individuals).
    pub download: Option<String>,
}

/// The line of one alert: who must act named where ketnap knows them (the mentor, the cell, the
/// committee above the cell), and the one action that clears it.
fn alert_line(a: candidacies::CandidacyAlert) -> AlertLine {
    let who = match a.alert.actor {
        Actor::Mentor => a.mentor_name.clone(),
        Actor::Cell => Some(a.cell_name.clone()),
        Actor::GrassrootsCommittee if !a.cell_parent.is_empty() => Some(a.cell_parent.clone()),
        _ => None,
    };
    AlertLine {
        href: format!("/candidates/{}", a.candidacy_pub_id),
        name: a.full_name,
        folded: Vec::new(),
        cell: a.cell_name,
        cell_parent: a.cell_parent,
        status: a.alert.badge_vi(),
        class: status_class(a.alert.status),
        kind: kind_label(&a.alert.kind),
        due: format_vn(a.alert.due),
        actor: match who {
            Some(w) if a.alert.actor != Actor::Cell => {
                format!("{}: {w}", a.alert.actor.label_vi())
            }
            Some(w) => w,
            None => a.alert.actor.label_vi().to_string(),
        },
        todo: a.alert.kind.todo_vi(),
        message: a.alert.message_vi,
    }
}

/// `GET /alerts`
pub async fn index(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<AlertQuery>,
) -> Result<Response, AppError> {
    let today = state.clock.today();
    let individuals = auth.role.sees_individuals();
    let status = q.status.as_deref().filter(|s| !s.is_empty());
    let kind = q.kind.as_deref().filter(|s| !s.is_empty());
    let sort = q.sort.as_deref().unwrap_or("queue");
    let format = downloads::requested(q.format.as_deref())?;
    if let Some(format) = format {
        downloads::allowed(&state, &auth, "Danh sách cảnh báo", format).await?;
    }
    let actor = q.actor.as_deref().filter(|s| !s.is_empty());
    let org_asked = q.org.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let page_no: usize = q
        .trang
        .as_deref()
        .and_then(|p| p.trim().parse().ok())
        .filter(|p| *p >= 1)
        .unwrap_or(1);
    // The words of each alert (its message) are computed for the lines the page shows; a file
    // gets every line's.
    let words = if format.is_some() {
        Words::Now
    } else {
        Words::Later
    };
    let mut conn = if individuals {
        Some(state.store.read().await?)
    } else {
        None
    };
    let (mut alerts, orgs, kept_list) = if let Some(conn) = conn.as_mut() {
        let under = match org_asked {
            Some(p) => Some(ketnap_store::orgs::get(conn, &auth.scope, p).await?.org_id),
            None => None,
        };
        let orgs =
            crate::pages::picker::org_options(&state, conn, &auth.scope, org_asked.unwrap_or(""))
                .await?;
        // The page's list kept while the scope's (or the asked organisation's) stamps stay put:
        // read before the list, so a write committed meanwhile leaves it under the older stamp.
        let kept = if words == Words::Later
            && !matches!(
                auth.role,
                ketnap_store::Role::Mentor | ketnap_store::Role::MassOrg
            ) {
            let stamp = match under {
                Some(o) => ketnap_store::stamps::of(conn, o).await?,
                None => ketnap_store::stamps::of_scope(conn, &auth.scope).await?,
            };
            Some(((auth.scope.user_id, auth.role, under, today), stamp))
        } else {
            None
        };
        let (alerts, kept_list) = match kept
            .as_ref()
            .and_then(|(key, stamp)| state.alert_lists.get(key, *stamp))
        {
            Some(list) => {
                let alerts = list.lock().map(|l| l.clone()).unwrap_or_default();
                (alerts, Some(list))
            }
            None => {
                let list = candidacies::alerts_worded(
                    conn,
                    &auth.scope,
                    &state.book,
                    today,
                    MAX_ALERTS,
                    under,
                    words,
                )
                .await?;
                let kept_list = kept.map(|(key, stamp)| {
                    let kept = std::sync::Arc::new(std::sync::Mutex::new(list.clone()));
                    state.alert_lists.put(key, stamp, kept.clone());
                    kept
                });
                (list, kept_list)
            }
        };
        (alerts, orgs, kept_list)
    } else {
        (Vec::new(), Vec::new(), None)
    };
    let summary = KINDS
        .iter()
        .filter_map(|(code, label)| {
            let of = |st: AlertStatus| {
                alerts
                    .iter()
                    .filter(|a| kind_code(&a.alert.kind) == *code && a.alert.status == st)
                    .count()
            };
            let (o, d, u) = (
                of(AlertStatus::Overdue),
                of(AlertStatus::DueSoon),
                of(AlertStatus::Upcoming),
            );
            (o + d + u > 0).then(|| SummaryLine {
                code,
                label,
                overdue: group_thousands(o as u128),
                due_soon: group_thousands(d as u128),
                upcoming: group_thousands(u as u128),
            })
        })
        .collect();
    alerts.retain(|a| {
        status.is_none_or(|s| s == a.alert.status.code())
            && kind.is_none_or(|k| k == kind_code(&a.alert.kind))
            && actor.is_none_or(|x| x == a.alert.actor.code())
    });
    match sort {
        "due" => alerts.sort_by_key(|a| (a.alert.due, a.alert.status)),
        "cell" => alerts.sort_by(|a, b| {
            (&a.cell_parent, &a.cell_name, a.alert.due).cmp(&(
                &b.cell_parent,
                &b.cell_name,
                b.alert.due,
            ))
        }),
        // The work queue: as the store orders it (overdue first, decisions before notes).
        _ => {}
    }
    if let Some(format) = format {
        let table = ketnap_io::lists::alerts_table(&alerts, &kind_label);
        return downloads::file(&table, format, "Danh sách cảnh báo", None);
    }
    let query = [
        ("status", status),
        ("kind", kind),
        ("actor", actor),
        ("org", org_asked),
        ("sort", Some(sort)),
    ]
    .iter()
    .filter_map(|(k, v)| v.map(|v| format!("{k}={}", downloads::enc(v))))
    .collect::<Vec<_>>()
    .join("&");
    // Every alert as a line; the missing mentor notes folded into one line per mentor and cell
    // (a mentor late with three candidates is one thing to chase, not three), where the first
    // of them stood in the order. The lines are grouped first (on the queue's own facts), and
    // the words computed for the page's lines only.
    let mut groups: Vec<Vec<usize>> = Vec::with_capacity(alerts.len());
    let mut mentor_line: std::collections::HashMap<(Option<&str>, &str), usize> =
        std::collections::HashMap::new();
    for (i, a) in alerts.iter().enumerate() {
        if matches!(a.alert.kind, AlertKind::MentorNoteMissing { .. }) {
            let key = (a.mentor_name.as_deref(), a.cell_pub_id.as_str());
            match mentor_line.get(&key) {
                Some(&g) => groups[g].push(i),
                None => {
                    mentor_line.insert(key, groups.len());
                    groups.push(vec![i]);
                }
            }
        } else {
            groups.push(vec![i]);
        }
    }
    let total = groups.len();
    let last_page = total.div_ceil(PAGE).max(1);
    let page_no = page_no.min(last_page);
    let shown: Vec<Vec<usize>> = groups
        .into_iter()
        .skip((page_no - 1) * PAGE)
        .take(PAGE)
        .collect();
    // The words of the alert each shown line stands for; a line whose alert its candidacy no
    // longer has (a step between the two reads) is left out. The groups' first alerts come in
    // the groups' order (a group starts where its first alert stands).
    let mut keep = vec![true; shown.len()];
    if words == Words::Later
        && let Some(conn) = conn.as_mut()
    {
        // The lines whose words a kept list already holds (filled by an earlier view) are not
        // read again; those filled now are written back to it.
        let firsts: std::collections::BTreeSet<usize> = shown
            .iter()
            .map(|g| g[0])
            .filter(|&i| alerts[i].alert.message_vi.is_empty())
            .collect();
        if !firsts.is_empty() {
            let mut picked: Vec<&mut candidacies::CandidacyAlert> = alerts
                .iter_mut()
                .enumerate()
                .filter(|(i, _)| firsts.contains(i))
                .map(|(_, a)| a)
                .collect();
            let filled = alert_queue::fill_words(conn, &state.book, today, &mut picked).await?;
            let found: std::collections::HashMap<usize, bool> =
                firsts.iter().copied().zip(filled).collect();
            for (g, k) in shown.iter().zip(keep.iter_mut()) {
                if let Some(f) = found.get(&g[0]) {
                    *k = *f;
                }
            }
            if let Some(Ok(mut list)) = kept_list.as_ref().map(|l| l.lock()) {
                for (&i, _) in found.iter().filter(|(_, f)| **f) {
                    let a = &alerts[i];
                    if let Some(c) = list.iter_mut().find(|c| {
                        c.candidacy_pub_id == a.candidacy_pub_id && c.alert.kind == a.alert.kind
                    }) {
                        c.alert = a.alert.clone();
                    }
                }
            }
        }
    }
    drop(conn);
    let mut slots: Vec<Option<candidacies::CandidacyAlert>> =
        alerts.into_iter().map(Some).collect();
    let mut take = |i: usize| slots.get_mut(i).and_then(Option::take);
    let mut lines: Vec<AlertLine> = Vec::with_capacity(shown.len());
    for (g, _) in shown.iter().zip(&keep).filter(|(_, k)| **k) {
        let Some(first) = take(g[0]) else { continue };
        if !matches!(first.alert.kind, AlertKind::MentorNoteMissing { .. }) {
            lines.push(alert_line(first));
            continue;
        }
        let mentor = first
            .mentor_name
            .clone()
            .unwrap_or_else(|| "Chưa phân công".to_string());
        let mut folded = vec![first.full_name.clone()];
        folded.extend(g[1..].iter().filter_map(|&i| take(i)).map(|a| a.full_name));
        let mut line = alert_line(first);
        line.href = "/mentors".to_string();
        line.actor = format!("{}: {mentor}", Actor::Mentor.label_vi());
        line.name = format!("{} quần chúng", folded.len());
        line.message = match folded.as_slice() {
            // One candidate: the alert's own words (how many months, since when).
            [only] => format!("{} ({only})", line.message),
            all => format!(
                "Đảng viên giúp đỡ {mentor} chưa nhận xét hằng tháng cho {} quần chúng: {}.",
                all.len(),
                all.join(", ")
            ),
        };
        line.folded = folded;
        lines.push(line);
    }
    let pages = (1..=last_page)
        .filter(|p| *p == 1 || *p == last_page || p.abs_diff(page_no) <= 2)
        .map(|p| PageLink {
            label: p.to_string(),
            href: format!("/alerts?{query}&trang={p}"),
            current: p == page_no,
        })
        .collect();
    let next = (page_no < last_page).then(|| format!("/alerts?{query}&trang={}", page_no + 1));
    let rows = lines;
    let statuses = [
        AlertStatus::Overdue,
        AlertStatus::DueSoon,
        AlertStatus::Upcoming,
    ]
    .into_iter()
    .map(|s| Choice {
        code: s.code(),
        label: s.label_vi(),
        selected: status == Some(s.code()),
    })
    .collect();
    let kinds = KINDS
        .iter()
        .map(|(c, l)| Choice {
            code: c,
            label: l,
            selected: kind == Some(*c),
        })
        .collect();
    let actors = ACTORS
        .iter()
        .map(|(c, l)| Choice {
            code: c,
            label: l,
            selected: actor == Some(*c),
        })
        .collect();
    let sorts = [
        ("queue", "Việc gấp trước"),
        ("due", "Hạn"),
        ("cell", "Chi bộ"),
    ]
    .into_iter()
    .map(|(c, l)| Choice {
        code: c,
        label: l,
        selected: sort == c,
    })
    .collect();
    let page = AlertsPage {
        layout: auth.layout("Cảnh báo", "alerts"),
        individuals,
        rows,
        total: group_thousands(total as u128),
        summary,
        pages,
        next,
        orgs,
        filtered: status.is_some() || kind.is_some() || actor.is_some() || org_asked.is_some(),
        actors,
        statuses,
        kinds,
        sorts,
        today: format_vn(today),
        download: downloads::link(&auth, "/alerts", &query),
    };
    Ok(Html(page.render()?).into_response())
}

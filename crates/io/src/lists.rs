//! The exporter: every list a user can see, as XLSX or CSV, with the page's filters applied.
//!
//! The importable lists ([`Kind`]) are written with exactly the columns the importer reads
//! ([`columns::headings`]), in that order, each cell in the text the importer parses back: dates
//! dd/mm/yyyy, yes/no as “Có”/“Không”, codes as stored, enums by their Vietnamese label (gender
//! “Nam”/“Nữ”, the ethnic group's name, education “12/12”, the stage's label). So an export
//! imports back unchanged: export → import into an empty database → export gives the same file.
//!
//! The other lists (alerts, missing mentor notes, the audit log, the coverage lists) have columns
//! of their own and are not meant to be imported.
//!
//! Rows come from [`ketnap_store::export`], which applies the scope as the pages do; lists of
//! individuals are refused to roles that see aggregates only, and their sensitive cells
//! (ethnicity, religion, ID number) are left blank for such roles.

use std::collections::HashSet;

use jiff::civil::Date;
use ketnap_domain::RuleSet;
use ketnap_domain::alerts::AlertKind;
use ketnap_domain::org::OrgKind;
use ketnap_domain::plan::Period;
use ketnap_store::candidacies::{self, CandidacyAlert};
use ketnap_store::export::{
    self, CandidacyFilter, CandidacyLine, MassOrgLine, MemberLine, OrgLine, PersonFields, PlanLine,
    PostHolderLine, UnitLine,
};
use ketnap_store::members::{MemberStatus, RosterFilter};
use ketnap_store::{Conn, Scope, StoreError, audit, coverage, orgs};

use crate::import::{Kind, columns};
use crate::sheet::{self, SheetError};

/// A list ready to write: its headings and its rows of text (as wide as the headings).
pub type Table = (Vec<&'static str>, Vec<Vec<String>>);

/// Most rows a non-importable export reads (the audit log of a province is long; a file past
/// this is cut, and the last row says so).
pub const MAX_ROWS: usize = 200_000;

/// The format of a downloaded list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Excel workbook.
    Xlsx,
    /// Comma-separated values, UTF-8 with a byte-order mark.
    Csv,
}

impl Format {
    /// The code [`Format::from_code`] reads.
    pub fn code(self) -> &'static str {
        match self {
            Format::Xlsx => "xlsx",
            Format::Csv => "csv",
        }
    }

    /// The format named in a URL or on the command line (`xlsx`, `csv`).
    pub fn from_code(code: &str) -> Option<Format> {
        match code.trim().to_ascii_lowercase().as_str() {
            "xlsx" => Some(Format::Xlsx),
            "csv" => Some(Format::Csv),
            _ => None,
        }
    }

    /// The file extension.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Xlsx => "xlsx",
            Format::Csv => "csv",
        }
    }

    /// The media type.
    pub fn mime(self) -> &'static str {
        match self {
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Format::Csv => "text/csv; charset=utf-8",
        }
    }
}

/// The name of the worksheet of every export.
pub const SHEET_NAME: &str = "Danh sách";

/// The bytes of a list in `format` (formula-looking cells neutralised by the writers).
pub fn to_file(
    headers: &[&str],
    rows: &[Vec<String>],
    format: Format,
) -> Result<Vec<u8>, SheetError> {
    match format {
        Format::Xlsx => sheet::write_xlsx(SHEET_NAME, headers, rows),
        Format::Csv => Ok(sheet::write_csv(headers, rows)),
    }
}

/// A download's file name: the list's name transliterated to ASCII, then the organisation's
/// code, dashes between words (`danh-sach-dang-vien-CB-XA-DONG.xlsx`).
pub fn file_name(title: &str, org_code: Option<&str>, format: Format) -> String {
    let slug = |s: &str, lower: bool| -> String {
        let mut out = String::new();
        for c in s.chars() {
            let c = match c {
                'Đ' => 'D',
                'đ' => 'd',
                c => c,
            };
            let folded = ketnap_domain::text::fold(&c.to_string());
            let mut pushed = false;
            for f in folded.chars() {
                if f.is_ascii_alphanumeric() {
                    // `fold` lowercases: keep the case of codes as written.
                    let f = if !lower && c.is_uppercase() {
                        f.to_ascii_uppercase()
                    } else {
                        f
                    };
                    out.push(f);
                    pushed = true;
                }
            }
            if !pushed && !out.ends_with('-') && !out.is_empty() {
                out.push('-');
            }
        }
        out.trim_matches('-').to_string()
    };
    let mut name = slug(title, true);
    if let Some(code) = org_code.map(|c| slug(c, false)).filter(|c| !c.is_empty()) {
        if !name.is_empty() {
            name.push('-');
        }
        name.push_str(&code);
    }
    if name.is_empty() {
        name.push_str("danh-sach");
    }
    format!("{name}.{}", format.extension())
}

// ---------------------------------------------------------------------------------------------
// Importable lists
// ---------------------------------------------------------------------------------------------

/// Which rows of a list to export: the page's filters.
#[derive(Clone, Debug, Default)]
pub struct ListFilter<'a> {
    /// The subtree (an organisation's internal key, already looked up in the scope); `None`: every
    /// root of the scope.
    pub org: Option<i64>,
    /// The roster: which members (default: official and probationary).
    pub roster: Option<RosterFilter>,
    /// Candidates: the list page's filter (its `org`, when `None`, is [`ListFilter::org`]).
    pub candidates: candidacies::ListFilter<'a>,
    /// Candidates and mentors: only candidacies in flight (listed, before the ceremony, not
    /// closed): what the importer brings in. The web pages export every row they show.
    pub in_flight: bool,
    /// Plans: only this period.
    pub period: Option<Period>,
    /// Plans: only this many levels below the organisation (1: it and its children).
    pub depth: Option<i64>,
}

/// The rows of `kind` that `scope` sees under `filter`, with exactly
/// [`columns::headings`]`(kind)` as headers, cells as the importer parses them.
pub async fn export(
    conn: &mut Conn,
    scope: &Scope,
    kind: Kind,
    filter: &ListFilter<'_>,
) -> Result<Table, StoreError> {
    let headers = columns::headings(kind);
    let keys: Vec<&'static str> = columns::of(kind).iter().map(|c| c.key).collect();
    let mut rows = Vec::new();
    match kind {
        Kind::Orgs => {
            for root in roots(conn, scope, filter.org).await? {
                let tree = export::org_tree(conn, scope, root).await?;
                rows.extend(tree.orgs.iter().map(|o| row(&keys, |k| org_cell(o, k))));
                rows.extend(tree.units.iter().map(|u| row(&keys, |k| unit_cell(u, k))));
                rows.extend(
                    tree.mass_orgs
                        .iter()
                        .map(|m| row(&keys, |k| mass_org_cell(m, k))),
                );
            }
        }
        Kind::Members => {
            let status = filter.roster.unwrap_or(RosterFilter::Active);
            for root in roots(conn, scope, filter.org).await? {
                let mut after = None;
                loop {
                    let page =
                        export::roster(conn, scope, root, status, after, export::ROSTER_PAGE)
                            .await?;
                    rows.extend(page.items.iter().map(|m| row(&keys, |k| member_cell(m, k))));
                    match page.next {
                        Some(n) => after = Some(n),
                        None => break,
                    }
                }
            }
        }
        Kind::People => {
            for root in roots(conn, scope, filter.org).await? {
                let list = export::post_holders(conn, scope, root).await?;
                rows.extend(list.iter().map(|h| row(&keys, |k| holder_cell(h, k))));
            }
        }
        Kind::Candidates | Kind::Mentors => {
            let mut list = filter.candidates.clone();
            if list.org.is_none() {
                list.org = filter.org;
            }
            let f = CandidacyFilter {
                list,
                in_flight: filter.in_flight,
            };
            let mut after = None;
            loop {
                let page = export::candidacies_page(conn, scope, &f, after).await?;
                for c in &page.items {
                    if kind == Kind::Candidates {
                        rows.push(row(&keys, |k| candidate_cell(c, k)));
                    } else if let Some(r) = mentor_row(&keys, c) {
                        rows.push(r);
                    }
                }
                match page.next {
                    Some(n) => after = Some(n),
                    None => break,
                }
            }
        }
        Kind::Plans => {
            for root in roots(conn, scope, filter.org).await? {
                let list = export::plans(conn, scope, root, filter.period, filter.depth).await?;
                rows.extend(list.iter().map(|p| row(&keys, |k| plan_cell(p, k))));
            }
        }
    }
    Ok((headers, rows))
}

/// Everything of `kind` the scope reaches, as the importer takes it (candidacies in flight only,
/// the active roster): what `ketnap export --kind K` writes.
pub async fn export_all(conn: &mut Conn, scope: &Scope, kind: Kind) -> Result<Table, StoreError> {
    let filter = ListFilter {
        in_flight: true,
        ..ListFilter::default()
    };
    export(conn, scope, kind, &filter).await
}

/// [`export_all`] for the subtree of the organisation with code `org_code` (`ketnap export
/// --org CODE`); [`StoreError::NotFound`] when no organisation in the scope has that code.
pub async fn export_subtree(
    conn: &mut Conn,
    scope: &Scope,
    kind: Kind,
    org_code: &str,
) -> Result<Table, StoreError> {
    let org = orgs::by_code(conn, org_code.trim()).await?;
    // The same lookup in the scope: outside it, the organisation does not exist for this user.
    let org = orgs::get(conn, scope, &org.pub_id).await?;
    let filter = ListFilter {
        org: Some(org.org_id),
        in_flight: true,
        ..ListFilter::default()
    };
    export(conn, scope, kind, &filter).await
}

/// The roots to export: the one asked, or every root of the scope.
async fn roots(conn: &mut Conn, scope: &Scope, org: Option<i64>) -> Result<Vec<i64>, StoreError> {
    match org {
        Some(id) => Ok(vec![id]),
        None => {
            let mut ids: Vec<i64> = orgs::scope_roots(conn, scope)
                .await?
                .into_iter()
                .filter(|o| !o.is_closed())
                .map(|o| o.org_id)
                .collect();
            // A user may hold a subtree and one of its descendants: export each row once.
            let all: HashSet<i64> = ids.iter().copied().collect();
            let mut keep = Vec::new();
            for id in &ids {
                let path = orgs::path(conn, *id).await?;
                if !path
                    .iter()
                    .any(|o| o.org_id != *id && all.contains(&o.org_id))
                {
                    keep.push(*id);
                }
            }
            ids.retain(|id| keep.contains(id));
            Ok(ids)
        }
    }
}

/// One row: the cell of each column key.
fn row(keys: &[&'static str], cell: impl Fn(&str) -> Option<String>) -> Vec<String> {
    keys.iter().map(|k| cell(k).unwrap_or_default()).collect()
}

/// “Có” / “Không”.
pub fn yes_no(b: bool) -> String {
    if b { "Có" } else { "Không" }.to_string()
}

fn date(d: Option<Date>) -> String {
    d.map(sheet::format_date).unwrap_or_default()
}

/// The first letter in upper case (“xã” → “Xã”).
fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// The cells of a person's profile.
fn person_cell(p: &PersonFields, key: &str) -> Option<String> {
    Some(match key {
        "full_name" => p.full_name.clone(),
        "birth_date" => sheet::format_date(p.birth_date),
        "gender" => p.gender.label().to_string(),
        "ethnicity" => p
            .ethnicity
            .map(|e| e.name().to_string())
            .unwrap_or_default(),
        "religion" => p
            .religion
            .map(|r| r.label().to_string())
            .unwrap_or_default(),
        "education" => p.education.to_string(),
        "qualification" => p.qualification.label().to_string(),
        "theory_level" => p.theory_level.label().to_string(),
        "source_category" => p.source_category.label().to_string(),
        "id_number" => p.id_number.clone().unwrap_or_default(),
        "youth_union" => yes_no(p.youth_union_member),
        "trade_union" => yes_no(p.trade_union_member),
        "unit" => p.unit_name.clone().unwrap_or_default(),
        "posts" => p
            .posts
            .iter()
            .map(|k| k.label_vi())
            .collect::<Vec<_>>()
            .join("; "),
        _ => return None,
    })
}

/// The sector of an organisation kind, capitalised (“Xã”, “Thôn, ấp, tổ dân phố”); empty for the
/// kinds without one. The kind's full label already names it: this column is for readers.
fn sector(kind: &OrgKind) -> String {
    match kind {
        OrgKind::Grassroots(k) | OrgKind::GrassrootsCell(k) => capitalised(k.label()),
        OrgKind::Cell(k) => capitalised(k.label()),
        _ => String::new(),
    }
}

fn org_cell(o: &OrgLine, key: &str) -> Option<String> {
    Some(match key {
        "code" => o.code.clone(),
        "name" => o.name.clone(),
        "kind" => o.kind.label(),
        "sector" => sector(&o.kind),
        "parent_code" => o.parent_code.clone().unwrap_or_default(),
        "cell_code" => String::new(),
        "authority" => capitalised(o.authority.label_vi()),
        "youth_union_exists" => yes_no(o.youth_union_exists),
        "trade_union_instead" => yes_no(o.trade_union_instead),
        _ => return None,
    })
}

fn unit_cell(u: &UnitLine, key: &str) -> Option<String> {
    Some(match key {
        "name" => u.name.clone(),
        "kind" => u.kind.title().to_string(),
        "parent_code" => u.org_code.clone(),
        "cell_code" => u.cell_code.clone().unwrap_or_default(),
        "code" | "sector" | "authority" | "youth_union_exists" | "trade_union_instead" => {
            String::new()
        }
        _ => return None,
    })
}

fn mass_org_cell(m: &MassOrgLine, key: &str) -> Option<String> {
    Some(match key {
        "name" => m.name.clone(),
        "kind" => m.kind.label_vi().to_string(),
        "parent_code" => m.org_code.clone(),
        "code"
        | "sector"
        | "cell_code"
        | "authority"
        | "youth_union_exists"
        | "trade_union_instead" => String::new(),
        _ => return None,
    })
}

/// The roster's status as the importer reads it: “Chính thức” / “Dự bị”; a member who left is
/// written with the status's full label.
fn status_text(s: MemberStatus) -> String {
    match s {
        MemberStatus::Official => "Chính thức".into(),
        MemberStatus::Probationary => "Dự bị".into(),
        other => other.label_vi().into(),
    }
}

fn member_cell(m: &MemberLine, key: &str) -> Option<String> {
    person_cell(&m.person, key).or_else(|| {
        Some(match key {
            "cell_code" => m.cell_code.clone(),
            "status" => status_text(m.status),
            "admitted_on" => date(m.admitted_on),
            "official_on" => date(m.official_on),
            "card_no" => m.card_no.clone().unwrap_or_default(),
            _ => return None,
        })
    })
}

fn holder_cell(h: &PostHolderLine, key: &str) -> Option<String> {
    person_cell(&h.person, key).or_else(|| match key {
        "org_code" => Some(h.org_code.clone()),
        _ => None,
    })
}

fn candidate_cell(c: &CandidacyLine, key: &str) -> Option<String> {
    if let Some(v) = person_cell(&c.person, key) {
        return Some(v);
    }
    let s = &c.steps;
    let n = |v: u32| v.to_string();
    Some(match key {
        "cell_code" => c.cell_code.clone(),
        "stage" => c.stage.label_vi().to_string(),
        "married" => yes_no(c.extras.married),
        "proposed_by" => c.proposed_by.clone().unwrap_or_default(),
        "source_on" => date(s.source_on),
        "sympathizer_on" => date(s.sympathizer.as_ref().map(|x| x.0)),
        "sympathizer_no" => s
            .sympathizer
            .as_ref()
            .map(|x| x.1.clone())
            .unwrap_or_default(),
        "mentor" => s.mentor.clone().unwrap_or_default(),
        "course_on" => date(s.course.as_ref().map(|x| x.0)),
        "course_name" => s.course.as_ref().map(|x| x.1.clone()).unwrap_or_default(),
        "cert_no" => s
            .certificate
            .as_ref()
            .map(|x| x.0.clone())
            .unwrap_or_default(),
        "cert_on" => date(s.certificate.as_ref().map(|x| x.1)),
        "cert_issuer" => s
            .certificate
            .as_ref()
            .map(|x| x.2.clone())
            .unwrap_or_default(),
        "application_on" => date(s.application_on),
        "background_on" => date(s.background_on),
        "introducers" => s.introducers.join("; "),
        "introduction_on" => date(s.introduction_on),
        "union_resolution_no" => s
            .union_resolution
            .as_ref()
            .map(|x| x.0.clone())
            .unwrap_or_default(),
        "union_resolution_on" => date(s.union_resolution.as_ref().map(|x| x.1)),
        "comments_on" => date(s.comments_on),
        "verification_sent_on" => date(s.verification_sent_on),
        "verification_on" => date(s.verification_on),
        "cell_vote_on" => date(s.cell_vote.as_ref().map(|x| x.0)),
        "cell_resolution_no" => s
            .cell_vote
            .as_ref()
            .map(|x| x.1.clone())
            .unwrap_or_default(),
        "cell_officials" => s.cell_vote.as_ref().map(|x| n(x.2)).unwrap_or_default(),
        "cell_present" => s.cell_vote.as_ref().map(|x| n(x.3)).unwrap_or_default(),
        "cell_in_favour" => s.cell_vote.as_ref().map(|x| n(x.4)).unwrap_or_default(),
        "partial_on" => date(s.partial.as_ref().map(|x| x.0)),
        "partial_no" => s.partial.as_ref().map(|x| x.1.clone()).unwrap_or_default(),
        "grassroots_vote_on" => date(s.grassroots_vote.as_ref().map(|x| x.0)),
        "grassroots_resolution_no" => s
            .grassroots_vote
            .as_ref()
            .map(|x| x.1.clone())
            .unwrap_or_default(),
        "committee_members" => s
            .grassroots_vote
            .as_ref()
            .map(|x| n(x.2))
            .unwrap_or_default(),
        "committee_in_favour" => s
            .grassroots_vote
            .as_ref()
            .map(|x| n(x.3))
            .unwrap_or_default(),
        "decision_no" => s.decision.as_ref().map(|x| x.0.clone()).unwrap_or_default(),
        "decision_on" => date(s.decision.as_ref().map(|x| x.1)),
        "decision_received_on" => date(s.decision.as_ref().map(|x| x.2)),
        "ceremony_on" => date(s.ceremony_on),
        "cell_base_note" => s.cell_base_note.clone().unwrap_or_default(),
        "consent_no" => s.consent.as_ref().map(|x| x.0.clone()).unwrap_or_default(),
        "consent_on" => date(s.consent.as_ref().map(|x| x.1)),
        "consent_grounds" => s
            .consent
            .as_ref()
            .map(|x| crate::import::consent_text(&x.2))
            .unwrap_or_default(),
        _ => return None,
    })
}

/// A mentor assignment row: only a candidacy whose mentor was (re)assigned after the sympathizer
/// listing (the listing itself, with its mentor, is in the candidates' list).
fn mentor_row(keys: &[&'static str], c: &CandidacyLine) -> Option<Vec<String>> {
    let s = &c.steps;
    let mentor = s.mentor.clone()?;
    let assigned_on = s.mentor_assigned_on?;
    if !s.mentor_reassigned {
        return None;
    }
    Some(row(keys, |key| {
        Some(match key {
            "candidate_id_number" => c.person.id_number.clone().unwrap_or_default(),
            "full_name" => c.person.full_name.clone(),
            "birth_date" => sheet::format_date(c.person.birth_date),
            "cell_code" => c.cell_code.clone(),
            "mentor" => mentor.clone(),
            "assigned_on" => sheet::format_date(assigned_on),
            _ => return None,
        })
    }))
}

fn plan_cell(p: &PlanLine, key: &str) -> Option<String> {
    Some(match key {
        "org_code" => p.org_code.clone(),
        "period" => p.plan.period.code(),
        "sources" => p.plan.sources.to_string(),
        "course_attendees" => p.plan.course_attendees.to_string(),
        "admissions" => p.plan.admissions.to_string(),
        _ => return None,
    })
}

// ---------------------------------------------------------------------------------------------
// Lists with columns of their own (not imported)
// ---------------------------------------------------------------------------------------------

/// The headings of [`alerts_table`].
pub const ALERT_HEADINGS: [&str; 8] = [
    "Họ và tên",
    "Chi bộ",
    "Giai đoạn",
    "Tình trạng",
    "Loại cảnh báo",
    "Hạn",
    "Người thực hiện",
    "Nội dung",
];

/// The alerts as the alerts page lists them (already filtered and sorted by the page), with
/// `kind_label` naming each kind.
pub fn alerts_table(
    alerts: &[CandidacyAlert],
    kind_label: &dyn Fn(&AlertKind) -> &'static str,
) -> Table {
    let rows = alerts
        .iter()
        .map(|a| {
            vec![
                a.full_name.clone(),
                a.cell_name.clone(),
                a.stage.label_vi().to_string(),
                a.alert.status.label_vi().to_string(),
                kind_label(&a.alert.kind).to_string(),
                sheet::format_date(a.alert.due),
                a.alert.actor.label_vi().to_string(),
                a.alert.message_vi.clone(),
            ]
        })
        .collect();
    (ALERT_HEADINGS.to_vec(), rows)
}

/// The headings of [`mentor_notes_table`].
pub const MENTOR_NOTE_HEADINGS: [&str; 6] = [
    "Họ và tên",
    "Chi bộ",
    "Giai đoạn",
    "Tháng thiếu nhận xét",
    "Tình trạng",
    "Nội dung",
];

/// The monthly mentor notes missing, as the mentors' page lists them: the
/// [`AlertKind::MentorNoteMissing`] alerts, by cell then name.
pub fn mentor_notes_table(alerts: &[CandidacyAlert]) -> Table {
    let mut lines: Vec<(&CandidacyAlert, i16, i8)> = alerts
        .iter()
        .filter_map(|a| match a.alert.kind {
            AlertKind::MentorNoteMissing { year, month } => Some((a, year, month)),
            _ => None,
        })
        .collect();
    lines.sort_by(|a, b| (&a.0.cell_name, &a.0.full_name).cmp(&(&b.0.cell_name, &b.0.full_name)));
    let rows = lines
        .into_iter()
        .map(|(a, year, month)| {
            vec![
                a.full_name.clone(),
                a.cell_name.clone(),
                a.stage.label_vi().to_string(),
                format!("{month:02}/{year}"),
                a.alert.status.label_vi().to_string(),
                a.alert.message_vi.clone(),
            ]
        })
        .collect();
    (MENTOR_NOTE_HEADINGS.to_vec(), rows)
}

/// The headings of [`audit`].
pub const AUDIT_HEADINGS: [&str; 7] = [
    "Thời gian",
    "Người thực hiện",
    "Thao tác",
    "Mã thao tác",
    "Đối tượng",
    "Mã đối tượng",
    "Tổ chức",
];

/// The audit rows the scope sees under `filter`, newest first (every page of the audit page, up
/// to [`MAX_ROWS`]), with `action_label` and `object_label` naming actions and object kinds.
pub async fn audit(
    conn: &mut Conn,
    scope: &Scope,
    filter: &audit::ListFilter,
    action_label: &(dyn Fn(&str) -> String + Sync),
    object_label: &(dyn Fn(&str) -> String + Sync),
) -> Result<Table, StoreError> {
    let vn = jiff::tz::Offset::constant(7);
    let mut rows = Vec::new();
    let mut before = None;
    loop {
        let page = audit::list(conn, scope, filter, before, ketnap_store::people::MAX_PAGE).await?;
        for r in &page.items {
            rows.push(vec![
                vn.to_datetime(r.at.to_jiff())
                    .strftime("%d/%m/%Y %H:%M")
                    .to_string(),
                r.actor_name
                    .clone()
                    .unwrap_or_else(|| "Hệ thống".to_string()),
                action_label(&r.action),
                r.action.clone(),
                object_label(&r.object_kind),
                r.object_id.clone(),
                r.org_name.clone().unwrap_or_default(),
            ]);
        }
        match page.next {
            Some(n) if rows.len() < MAX_ROWS => before = Some(n),
            _ => break,
        }
    }
    Ok((AUDIT_HEADINGS.to_vec(), rows))
}

/// The headings of [`coverage`].
pub const COVERAGE_HEADINGS: [&str; 9] = [
    "Danh sách",
    "Tên",
    "Trực thuộc",
    "Chi bộ phụ trách",
    "Đảng viên chính thức hoặc đang cư trú",
    "Đảng viên dự bị",
    "Vị trí",
    "Người đảm nhiệm",
    "Tình trạng",
];

/// The coverage lists of the subtree of `root` for `year`, one after the other, every row (the
/// page shows the first of each): units without a member, units without a cell, cells that need
/// a chi ủy, cells without a source this year, key positions held by non-members.
pub async fn coverage(
    conn: &mut Conn,
    scope: &Scope,
    root: i64,
    year: i16,
    rules: &RuleSet,
) -> Result<Table, StoreError> {
    const PAGE: i64 = ketnap_store::people::MAX_PAGE;
    let mut rows: Vec<Vec<String>> = Vec::new();
    let count = |n: i64| n.to_string();
    for (list, no_member) in [
        ("Thôn, tổ dân phố chưa có đảng viên", true),
        ("Thôn, tổ dân phố chưa có chi bộ", false),
    ] {
        let mut after = None;
        loop {
            let page = if no_member {
                coverage::units_without_member(conn, scope, root, after, PAGE).await?
            } else {
                coverage::units_without_cell(conn, scope, root, after, PAGE).await?
            };
            for u in &page.items {
                rows.push(vec![
                    list.to_string(),
                    u.name.clone(),
                    u.org_name.clone(),
                    u.cell_name.clone().unwrap_or_default(),
                    count(u.members_living),
                    String::new(),
                    String::new(),
                    String::new(),
                    u.blank.label().to_string(),
                ]);
            }
            match page.next {
                Some(n) if rows.len() < MAX_ROWS => after = Some(n),
                _ => break,
            }
        }
    }
    for (list, committee) in [
        (
            "Chi bộ đủ số đảng viên chính thức để lập chi ủy nhưng chưa có chi ủy",
            true,
        ),
        ("Chi bộ chưa có nguồn quần chúng trong năm", false),
    ] {
        let mut after = None;
        loop {
            let page = if committee {
                coverage::cells_without_committee(conn, scope, root, rules, after, PAGE).await?
            } else {
                coverage::cells_without_sources(conn, scope, root, year, rules, after, PAGE).await?
            };
            for c in &page.items {
                rows.push(vec![
                    list.to_string(),
                    c.name.clone(),
                    c.parent_name.clone().unwrap_or_default(),
                    String::new(),
                    count(c.official),
                    count(c.probationary),
                    String::new(),
                    String::new(),
                    c.committee.label().to_string(),
                ]);
            }
            match page.next {
                Some(n) if rows.len() < MAX_ROWS => after = Some(n),
                _ => break,
            }
        }
    }
    let list = "Vị trí chủ chốt do người ngoài Đảng đảm nhiệm";
    let mut after = None;
    loop {
        let page =
            coverage::key_positions_held_by_non_members(conn, scope, root, after, PAGE).await?;
        for h in &page.items {
            rows.push(vec![
                list.to_string(),
                h.unit_name.clone(),
                h.org_name.clone(),
                String::new(),
                String::new(),
                String::new(),
                h.kind.label_vi().to_string(),
                h.holder_name.clone().unwrap_or_else(|| "(ẩn)".into()),
                h.candidacy_stage
                    .map(|s| format!("Đang phát triển: {}", s.label_vi()))
                    .unwrap_or_default(),
            ]);
        }
        match page.next {
            Some(n) if rows.len() < MAX_ROWS => after = Some(n),
            _ => break,
        }
    }
    Ok((COVERAGE_HEADINGS.to_vec(), rows))
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;
    use ketnap_domain::lifecycle::{Authority, Stage};
    use ketnap_domain::org::{CellKind, GrassrootsKind, ResidentialKind};
    use ketnap_domain::person::{
        Education, Ethnicity, Gender, Qualification, Religion, SourceCategory, TheoryLevel,
    };
    use ketnap_domain::plan::Plan;
    use ketnap_store::candidacies::CandidateExtras;
    use ketnap_store::coverage::KeyPositionKind;
    use ketnap_store::export::Steps;
    use ketnap_store::units::MassOrgKind;

    fn person() -> PersonFields {
        PersonFields {
            person_id: 1,
            full_name: "Nguyễn Thị Mai".into(),
            birth_date: date(1998, 3, 7),
            gender: Gender::Female,
            ethnicity: Some(Ethnicity::KINH),
            religion: Some(Religion::None),
            education: Education::parse("12/12").expect("a valid education"),
            qualification: Qualification::University,
            theory_level: TheoryLevel::None,
            source_category: SourceCategory::Teacher,
            id_number: Some("001198012345".into()),
            youth_union_member: true,
            trade_union_member: false,
            unit_name: Some("Thôn Đông".into()),
            posts: vec![
                KeyPositionKind::HamletHead,
                KeyPositionKind::YouthUnionSecretary,
            ],
        }
    }

    fn keys(kind: Kind) -> Vec<&'static str> {
        columns::of(kind).iter().map(|c| c.key).collect()
    }

    /// Every key of `kind` has a source in `cell`.
    fn all_known(kind: Kind, cell: impl Fn(&str) -> Option<String>) {
        for k in keys(kind) {
            assert!(cell(k).is_some(), "{kind:?}: column {k} has no value");
        }
    }

    fn candidacy() -> CandidacyLine {
        CandidacyLine {
            candidacy_id: 1,
            pub_id: "aaaaaaaaaaaaa".into(),
            person: person(),
            cell_code: "CB-XA-DONG".into(),
            stage: Stage::CellVote,
            extras: CandidateExtras::default(),
            proposed_by: Some("Đoàn Thanh niên xã".into()),
            steps: Steps {
                source_on: Some(date(2025, 1, 10)),
                sympathizer: Some((date(2025, 2, 20), "05-NQ/CB".into())),
                mentor: Some("01234567".into()),
                mentor_assigned_on: Some(date(2025, 3, 1)),
                mentor_reassigned: true,
                cell_vote: Some((date(2025, 6, 1), "12-NQ/CB".into(), 20, 18, 18)),
                introducers: vec!["01234567".into(), "01234568".into()],
                introduction_on: Some(date(2025, 4, 10)),
                ..Steps::default()
            },
        }
    }

    #[test]
    fn every_column_of_every_list_has_a_value_source() {
        let org = OrgLine {
            org_id: 1,
            code: "DU-XA".into(),
            name: "Đảng bộ xã Đông".into(),
            kind: OrgKind::Grassroots(GrassrootsKind::Commune),
            parent_code: None,
            authority: Authority::SuperiorStandingCommittee,
            youth_union_exists: true,
            trade_union_instead: false,
            depth: 0,
        };
        all_known(Kind::Orgs, |k| org_cell(&org, k));
        let unit = UnitLine {
            residential_unit_id: 1,
            kind: ResidentialKind::Thon,
            name: "Thôn Đông".into(),
            org_code: "DU-XA".into(),
            cell_code: Some("CB-XA-DONG".into()),
        };
        all_known(Kind::Orgs, |k| unit_cell(&unit, k));
        let mass = MassOrgLine {
            mass_org_id: 1,
            kind: MassOrgKind::YouthUnion,
            name: "Đoàn Thanh niên xã".into(),
            org_code: "DU-XA".into(),
        };
        all_known(Kind::Orgs, |k| mass_org_cell(&mass, k));
        let member = MemberLine {
            member_id: 1,
            pub_id: "aaaaaaaaaaaaa".into(),
            person: person(),
            cell_code: "CB-XA-DONG".into(),
            status: MemberStatus::Official,
            admitted_on: Some(date(2015, 5, 19)),
            official_on: Some(date(2016, 5, 19)),
            card_no: Some("01234567".into()),
            name_key: String::new(),
        };
        all_known(Kind::Members, |k| member_cell(&member, k));
        let holder = PostHolderLine {
            person: person(),
            org_code: "DU-XA".into(),
        };
        all_known(Kind::People, |k| holder_cell(&holder, k));
        let c = candidacy();
        all_known(Kind::Candidates, |k| candidate_cell(&c, k));
        let row = mentor_row(&keys(Kind::Mentors), &c).expect("a reassigned mentor");
        assert!(row.iter().all(|v| !v.is_empty()), "{row:?}");
        let plan = PlanLine {
            org_code: "DU-XA".into(),
            org_name: "Đảng bộ xã Đông".into(),
            depth: 0,
            plan: Plan::new(Period::Year(2026)),
        };
        all_known(Kind::Plans, |k| plan_cell(&plan, k));
    }

    #[test]
    fn the_headers_of_every_export_are_the_importers_headings() {
        // `export` writes `columns::headings(kind)` and a row per record with one cell per key.
        for kind in Kind::ALL {
            let headings = columns::headings(kind);
            let keys = keys(kind);
            assert_eq!(headings.len(), keys.len(), "{kind:?}");
            let r = row(&keys, |_| Some("x".into()));
            assert_eq!(r.len(), headings.len(), "{kind:?}");
        }
        let member = candidacy();
        let r = row(&keys(Kind::Candidates), |k| candidate_cell(&member, k));
        let at = |key: &str| {
            let i = keys(Kind::Candidates)
                .iter()
                .position(|k| *k == key)
                .expect("a column");
            r[i].clone()
        };
        assert_eq!(at("gender"), "Nữ");
        assert_eq!(at("ethnicity"), "Kinh");
        assert_eq!(at("education"), "12/12");
        assert_eq!(at("birth_date"), "07/03/1998");
        assert_eq!(at("youth_union"), "Có");
        assert_eq!(at("trade_union"), "Không");
        assert_eq!(at("stage"), Stage::CellVote.label_vi());
        assert_eq!(at("introducers"), "01234567; 01234568");
        assert_eq!(at("cell_officials"), "20");
    }

    #[test]
    fn cells_read_back_as_the_importer_reads_them() {
        let p = person();
        assert_eq!(
            Gender::parse(&person_cell(&p, "gender").expect("gender")),
            Ok(p.gender)
        );
        let e = person_cell(&p, "ethnicity").expect("ethnicity");
        assert_eq!(Ethnicity::parse(&e), Ok(Ethnicity::KINH));
        for code in 1..=Ethnicity::COUNT {
            let e = Ethnicity::from_code(code).expect("a group");
            assert_eq!(Ethnicity::parse(e.name()), Ok(e), "{}", e.name());
        }
        assert_eq!(
            Religion::parse(&person_cell(&p, "religion").expect("religion")),
            Ok(Religion::None)
        );
        for k in OrgKind::all() {
            // The importer matches the kind's full label first.
            assert!(!k.label().is_empty());
        }
        let cell = OrgKind::Cell(CellKind::Residential);
        assert_eq!(sector(&cell), "Thôn, ấp, tổ dân phố");
        assert_eq!(
            person_cell(&p, "posts").expect("posts"),
            "Trưởng thôn, tổ trưởng tổ dân phố; Bí thư chi đoàn"
        );
    }

    #[test]
    fn file_names_are_ascii_with_the_code_as_written() {
        assert_eq!(
            file_name("Danh sách đảng viên", Some("CB-XA-DONG"), Format::Xlsx),
            "danh-sach-dang-vien-CB-XA-DONG.xlsx"
        );
        assert_eq!(
            file_name("Quần chúng ưu tú", None, Format::Csv),
            "quan-chung-uu-tu.csv"
        );
        assert_eq!(
            file_name("Nhật ký", Some("Đ.01 x"), Format::Csv),
            "nhat-ky-D-01-x.csv"
        );
        assert_eq!(Format::from_code("XLSX"), Some(Format::Xlsx));
        assert_eq!(Format::from_code("pdf"), None);
    }

    #[test]
    fn a_formula_looking_cell_is_neutralised_in_csv() {
        let bytes =
            to_file(&["Tên"], &[vec!["=HYPERLINK(\"x\")".into()]], Format::Csv).expect("csv");
        let text = String::from_utf8(bytes).expect("utf-8");
        assert!(!text.contains("\n=HYP"), "{text}");
        assert!(text.contains("'=HYPERLINK"), "{text}");
    }
}

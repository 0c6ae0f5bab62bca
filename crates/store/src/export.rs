//! Reads for the exporter (`ketnap_io::lists`): every list a user can see, as plain rows, in the
//! order the files list them, with the values the importer reads back.
//!
//! Each read takes a [`Scope`] and filters by it as the list pages do ([`Scope::org_filter`] on
//! the organisation a row hangs from); a root outside the scope is [`StoreError::NotFound`]. Lists
//! of individuals (roster, people holding posts, candidacies) are refused with
//! [`StoreError::Forbidden`] to roles that see aggregates only, and the sensitive fields
//! (ethnicity, religion) only for the roles that read them, the ID number only for those with
//! `Field::FullIdNumber` (`Role::reads`).
//!
//! No query per row: the roster is keyset-paged in large pages (two queries a page: the members,
//! then the posts they hold); candidacies are read through the page's own
//! [`candidacies::list`] (so an export has the page's rows) with three more queries a page (the
//! people, the events, the card numbers of the introducers); organisations, residential units,
//! mass organisations, people holding posts and plans are one query each.

use std::collections::{BTreeMap, HashMap};

use jiff::civil::Date;
use ketnap_domain::lifecycle::{Action, Authority, CertIssuer, Event, Stage};
use ketnap_domain::org::{OrgKind, ResidentialKind};
use ketnap_domain::person::{
    Education, Ethnicity, Gender, Qualification, Religion, SourceCategory, TheoryLevel,
};
use ketnap_domain::plan::{Period, Plan};
use ketnap_domain::text::NameCollator;
use serde::Serialize;

use crate::candidacies::{self, CandidateExtras, EventPayload, ListFilter};
use crate::counters::stage_from_code;
use crate::coverage::KeyPositionKind;
use crate::members::{MemberStatus, RosterFilter};
use crate::orgs::authority_from_code;
use crate::people::{Page, into_page, page_size};
use crate::units::{MassOrgKind, residential_kind_from_code};
use crate::{Conn, PubId, Result, Scope, StoreError};

/// Rows read per roster query: large, so that a commune's roster is one or two queries, and
/// bounded, so that a province's is read in steps.
pub const ROSTER_PAGE: i64 = 5000;

/// Candidacies read per page (the most [`candidacies::list`] returns at once).
const CANDIDACY_PAGE: i64 = crate::people::MAX_PAGE;

fn corrupt(what: &str, code: &str) -> StoreError {
    // Codes only: never a name or an ID number in the message.
    StoreError::Corrupt(format!("export {what} code {code:?}"))
}

fn individuals(scope: &Scope) -> Result<()> {
    if scope.role.sees_individuals() {
        Ok(())
    } else {
        Err(StoreError::Forbidden("individual records"))
    }
}

/// Internal integer keys read from the database, inlined in an `IN (…)` list: safe, and one SQL
/// text per page (as `candidacies::notes_of` does).
fn id_list(ids: &[i64]) -> String {
    ids.iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The root must be an organisation in the scope.
async fn check_root(conn: &mut Conn, scope: &Scope, root: i64) -> Result<()> {
    let (all, user, role) = scope.binds();
    let sql = format!(
        "SELECT o.org_id FROM org o WHERE o.org_id = $1 AND {}",
        scope.org_filter("o.org_id", 2)
    );
    fetch_optional!(conn.ex(), (i64,), &sql, root, all, user, role)?
        .map(|_| ())
        .ok_or(StoreError::NotFound("org"))
}

/// The SQL condition "`{col}` is in the subtree of `$n`".
fn in_subtree(col: &str, n: usize) -> String {
    format!(
        "EXISTS (SELECT 1 FROM org_closure rc WHERE rc.ancestor_id = ${n} AND rc.descendant_id = {col})"
    )
}

// ---------------------------------------------------------------------------------------------
// People
// ---------------------------------------------------------------------------------------------

/// A person's profile as a list writes it: every enum parsed back from its stored code, the
/// residential unit by name, and the key local positions the person holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PersonFields {
    /// Internal key.
    #[serde(skip)]
    pub person_id: i64,
    /// Họ và tên.
    pub full_name: String,
    /// Ngày sinh.
    pub birth_date: Date,
    /// Giới tính.
    pub gender: Gender,
    /// Dân tộc (`None` for roles without `Field::Sensitive`).
    #[serde(skip)]
    pub ethnicity: Option<Ethnicity>,
    /// Tôn giáo (`None` for roles without `Field::Sensitive`).
    #[serde(skip)]
    pub religion: Option<Religion>,
    /// Giáo dục phổ thông.
    pub education: Education,
    /// Chuyên môn, nghiệp vụ.
    pub qualification: Qualification,
    /// Lý luận chính trị.
    pub theory_level: TheoryLevel,
    /// Đối tượng.
    pub source_category: SourceCategory,
    /// Số định danh cá nhân (`None` when unknown or for roles without `Field::FullIdNumber`).
    #[serde(skip)]
    pub id_number: Option<String>,
    /// Đoàn viên.
    pub youth_union_member: bool,
    /// Công đoàn viên.
    pub trade_union_member: bool,
    /// The residential unit's name (`Thôn Đông`), when known.
    pub unit_name: Option<String>,
    /// Key local positions held, in [`KeyPositionKind::ALL`] order.
    pub posts: Vec<KeyPositionKind>,
}

/// The person columns of a query (`p` the person, `ru` its residential unit, left-joined).
const PERSON_COLS: &str = "p.person_id, p.full_name, p.birth_date, p.gender, p.ethnicity, p.religion, \
    p.education, p.qualification, p.theory_level, p.source_category, p.id_number, p.youth_union_member, \
    p.trade_union_member, ru.name AS unit_name";

const PERSON_UNIT_JOIN: &str =
    "LEFT JOIN residential_unit ru ON ru.residential_unit_id = p.residential_unit_id";

#[derive(sqlx::FromRow)]
struct PersonRow {
    person_id: i64,
    full_name: String,
    birth_date: jiff_sqlx::Date,
    gender: String,
    ethnicity: String,
    religion: String,
    education: String,
    qualification: String,
    theory_level: String,
    source_category: String,
    id_number: Option<String>,
    youth_union_member: bool,
    trade_union_member: bool,
    unit_name: Option<String>,
}

fn find<T: Copy>(all: &[T], code: fn(T) -> &'static str, stored: &str) -> Option<T> {
    all.iter().copied().find(|v| code(*v) == stored)
}

impl PersonRow {
    fn into_fields(self, role: crate::Role) -> Result<PersonFields> {
        let sensitive = role.reads(crate::Field::Sensitive);
        let gender = find(&Gender::ALL, Gender::code, &self.gender)
            .ok_or_else(|| corrupt("gender", &self.gender))?;
        let ethnicity = (self.ethnicity.len() == 2)
            .then(|| self.ethnicity.parse::<u8>().ok())
            .flatten()
            .and_then(Ethnicity::from_code)
            .ok_or_else(|| StoreError::Corrupt("export person ethnicity code".into()))?;
        let religion = find(&Religion::ALL, Religion::code, &self.religion)
            .ok_or_else(|| StoreError::Corrupt("export person religion code".into()))?;
        let education =
            Education::parse(&self.education).map_err(|_| corrupt("education", &self.education))?;
        let qualification = find(
            &Qualification::ALL,
            Qualification::code,
            &self.qualification,
        )
        .ok_or_else(|| corrupt("qualification", &self.qualification))?;
        let theory_level = find(&TheoryLevel::ALL, TheoryLevel::code, &self.theory_level)
            .ok_or_else(|| corrupt("theory level", &self.theory_level))?;
        let source_category = find(
            &SourceCategory::ALL,
            SourceCategory::code,
            &self.source_category,
        )
        .ok_or_else(|| corrupt("source category", &self.source_category))?;
        Ok(PersonFields {
            person_id: self.person_id,
            full_name: self.full_name,
            birth_date: self.birth_date.to_jiff(),
            gender,
            ethnicity: sensitive.then_some(ethnicity),
            religion: sensitive.then_some(religion),
            education,
            qualification,
            theory_level,
            source_category,
            // In full for the roles that read it (a list goes back in through the importer); left
            // out for the others rather than masked, which the importer would refuse.
            id_number: self
                .id_number
                .filter(|_| role.reads(crate::Field::FullIdNumber)),
            youth_union_member: self.youth_union_member,
            trade_union_member: self.trade_union_member,
            unit_name: self.unit_name,
            posts: Vec::new(),
        })
    }
}

/// The key positions held by these people, each list in [`KeyPositionKind::ALL`] order: one query.
async fn posts_of(conn: &mut Conn, people: &[i64]) -> Result<HashMap<i64, Vec<KeyPositionKind>>> {
    let mut out: HashMap<i64, Vec<KeyPositionKind>> = HashMap::new();
    if people.is_empty() {
        return Ok(out);
    }
    let sql = format!(
        "SELECT person_id, kind FROM key_position WHERE person_id IN ({})",
        id_list(people)
    );
    let rows: Vec<(i64, String)> = fetch_all!(conn.ex(), (i64, String), &sql)?;
    for (person_id, kind) in rows {
        let kind =
            KeyPositionKind::from_code(&kind).ok_or_else(|| corrupt("key position", &kind))?;
        out.entry(person_id).or_default().push(kind);
    }
    for v in out.values_mut() {
        v.sort();
        v.dedup();
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Organisations, residential units, mass organisations
// ---------------------------------------------------------------------------------------------

/// An open organisation of the subtree.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OrgLine {
    /// Internal key.
    #[serde(skip)]
    pub org_id: i64,
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: OrgKind,
    /// The parent's code (`None` for a root of the tree).
    pub parent_code: Option<String>,
    /// Who decides admissions.
    pub authority: Authority,
    /// A Youth Union organisation exists.
    pub youth_union_exists: bool,
    /// The trade union introduces instead of the Youth Union.
    pub trade_union_instead: bool,
    /// Depth below the export's root (0 for the root).
    pub depth: i64,
}

/// A residential unit of a commune-level organisation of the subtree.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UnitLine {
    /// Internal key.
    #[serde(skip)]
    pub residential_unit_id: i64,
    /// Thôn, tổ dân phố, …
    pub kind: ResidentialKind,
    /// Name as written locally (`Thôn Đông`).
    pub name: String,
    /// The commune-level organisation's code.
    pub org_code: String,
    /// The covering cell's code, when it has one.
    pub cell_code: Option<String>,
}

/// A mass organisation beside an organisation of the subtree.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MassOrgLine {
    /// Internal key.
    #[serde(skip)]
    pub mass_org_id: i64,
    /// Kind.
    pub kind: MassOrgKind,
    /// Name.
    pub name: String,
    /// The party organisation's code.
    pub org_code: String,
}

/// The organisation list of a subtree.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct OrgTree {
    /// Open organisations, in tree order (a parent before its children, siblings by code).
    pub orgs: Vec<OrgLine>,
    /// Residential units, by organisation code then name (Vietnamese order).
    pub units: Vec<UnitLine>,
    /// Mass organisations, by organisation code then name (Vietnamese order).
    pub mass_orgs: Vec<MassOrgLine>,
}

/// The open organisations of the subtree of `root` (in the scope), with its residential units and
/// mass organisations: three queries. Aggregates: every role may read them.
pub async fn org_tree(conn: &mut Conn, scope: &Scope, root: i64) -> Result<OrgTree> {
    check_root(conn, scope, root).await?;
    let (all, user, role) = scope.binds();
    let sql = format!(
        "SELECT o.org_id, o.code, o.name, o.kind, par.code, o.competent_authority, o.youth_union_exists, \
         o.trade_union_instead, rc.depth, o.parent_id \
         FROM org_closure rc JOIN org o ON o.org_id = rc.descendant_id \
         LEFT JOIN org par ON par.org_id = o.parent_id \
         WHERE rc.ancestor_id = $1 AND o.closed_on IS NULL AND {}",
        scope.org_filter("o.org_id", 2)
    );
    type Row = (
        i64,
        String,
        String,
        String,
        Option<String>,
        String,
        bool,
        bool,
        i64,
        Option<i64>,
    );
    let rows: Vec<Row> = fetch_all!(conn.ex(), Row, &sql, root, all, user, role)?;
    let mut by_parent: BTreeMap<Option<i64>, Vec<(OrgLine, i64)>> = BTreeMap::new();
    let mut ids = std::collections::HashSet::new();
    for (org_id, _, _, _, _, _, _, _, _, _) in &rows {
        ids.insert(*org_id);
    }
    for (org_id, code, name, kind, parent_code, authority, yu, tu, depth, parent_id) in rows {
        let kind_v = OrgKind::from_code(&kind).ok_or_else(|| corrupt("org kind", &kind))?;
        let line = OrgLine {
            org_id,
            code,
            name,
            kind: kind_v,
            parent_code,
            authority: authority_from_code(&authority),
            youth_union_exists: yu,
            trade_union_instead: tu,
            depth,
        };
        // The root (or an organisation whose parent is closed) starts a branch of its own.
        let key = parent_id.filter(|p| ids.contains(p) && org_id != root);
        by_parent.entry(key).or_default().push((line, org_id));
    }
    let mut orgs = Vec::new();
    let mut stack: Vec<(OrgLine, i64)> = by_parent.remove(&None).unwrap_or_default();
    stack.sort_by(|a, b| b.0.code.cmp(&a.0.code));
    while let Some((line, id)) = stack.pop() {
        if let Some(mut children) = by_parent.remove(&Some(id)) {
            children.sort_by(|a, b| b.0.code.cmp(&a.0.code));
            stack.extend(children);
        }
        orgs.push(line);
    }

    let sql = format!(
        "SELECT u.residential_unit_id, u.kind, u.name, o.code, cell.code FROM residential_unit u \
         JOIN org o ON o.org_id = u.org_id \
         LEFT JOIN org cell ON cell.org_id = u.cell_id AND cell.closed_on IS NULL \
         WHERE {} AND o.closed_on IS NULL AND {}",
        in_subtree("u.org_id", 1),
        scope.org_filter("u.org_id", 2)
    );
    let rows: Vec<(i64, String, String, String, Option<String>)> = fetch_all!(
        conn.ex(),
        (i64, String, String, String, Option<String>),
        &sql,
        root,
        all,
        user,
        role
    )?;
    let mut units = rows
        .into_iter()
        .map(|(residential_unit_id, kind, name, org_code, cell_code)| {
            Ok(UnitLine {
                residential_unit_id,
                kind: residential_kind_from_code(&kind)
                    .ok_or_else(|| corrupt("residential kind", &kind))?,
                name,
                org_code,
                cell_code,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let collator = NameCollator::shared();
    units.sort_by(|a, b| {
        a.org_code
            .cmp(&b.org_code)
            .then(collator.compare(&a.name, &b.name))
            .then(a.residential_unit_id.cmp(&b.residential_unit_id))
    });

    let sql = format!(
        "SELECT mo.mass_org_id, mo.kind, mo.name, o.code FROM mass_org mo JOIN org o ON o.org_id = mo.org_id \
         WHERE {} AND o.closed_on IS NULL AND {}",
        in_subtree("mo.org_id", 1),
        scope.org_filter("mo.org_id", 2)
    );
    let rows: Vec<(i64, String, String, String)> = fetch_all!(
        conn.ex(),
        (i64, String, String, String),
        &sql,
        root,
        all,
        user,
        role
    )?;
    let mut mass_orgs = rows
        .into_iter()
        .map(|(mass_org_id, kind, name, org_code)| {
            Ok(MassOrgLine {
                mass_org_id,
                kind: MassOrgKind::from_code(&kind)
                    .ok_or_else(|| corrupt("mass org kind", &kind))?,
                name,
                org_code,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    mass_orgs.sort_by(|a, b| {
        a.org_code
            .cmp(&b.org_code)
            .then(collator.compare(&a.name, &b.name))
            .then(a.mass_org_id.cmp(&b.mass_org_id))
    });
    Ok(OrgTree {
        orgs,
        units,
        mass_orgs,
    })
}

// ---------------------------------------------------------------------------------------------
// Roster
// ---------------------------------------------------------------------------------------------

/// One member of the roster export.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MemberLine {
    /// Internal key.
    #[serde(skip)]
    pub member_id: i64,
    /// Public id.
    pub pub_id: String,
    /// The person.
    pub person: PersonFields,
    /// The cell's code.
    pub cell_code: String,
    /// Status.
    pub status: MemberStatus,
    /// Ngày vào Đảng.
    pub admitted_on: Option<Date>,
    /// Ngày chính thức.
    pub official_on: Option<Date>,
    /// Số thẻ đảng viên.
    pub card_no: Option<String>,
    /// The Vietnamese sort key of the name (the cursor's middle part).
    #[serde(skip)]
    pub name_key: String,
}

/// The cursor of [`roster`]: (cell code, name key, member id).
pub type RosterCursor = (String, String, i64);

#[derive(sqlx::FromRow)]
struct MemberRow {
    member_id: i64,
    pub_id: String,
    cell_code: String,
    status: String,
    admitted_on: Option<jiff_sqlx::Date>,
    official_on: Option<jiff_sqlx::Date>,
    card_no: Option<String>,
    name_key: String,
    #[sqlx(flatten)]
    person: PersonRow,
}

/// The members of the cells under `root` (itself included) in the scope, by cell code then in
/// Vietnamese name order, keyset-paged: `after` is the previous page's `next`. Two queries a page
/// (the members, the posts they hold). For one cell the order is the roster page's.
pub async fn roster(
    conn: &mut Conn,
    scope: &Scope,
    root: i64,
    filter: RosterFilter,
    after: Option<RosterCursor>,
    limit: i64,
) -> Result<Page<MemberLine, RosterCursor>> {
    individuals(scope)?;
    check_root(conn, scope, root).await?;
    let limit = limit.clamp(1, ROSTER_PAGE);
    let (all_statuses, a, b) = match filter {
        RosterFilter::Active => (
            false,
            MemberStatus::Official.code(),
            MemberStatus::Probationary.code(),
        ),
        RosterFilter::Only(s) => (false, s.code(), s.code()),
        RosterFilter::All => (true, "", ""),
    };
    let (all, user, role) = scope.binds();
    let (after_code, after_key, after_id) = after.unwrap_or_default();
    let sql = format!(
        "SELECT m.member_id, m.pub_id, o.code AS cell_code, m.status, m.admitted_on, m.official_on, m.card_no, \
         p.name_key, {PERSON_COLS} \
         FROM member m JOIN person p ON p.person_id = m.person_id JOIN org o ON o.org_id = m.cell_id \
         {PERSON_UNIT_JOIN} \
         WHERE {} AND {} AND ($5 OR m.status = $6 OR m.status = $7) \
         AND (o.code, p.name_key, m.member_id) > ($8, $9, $10) \
         ORDER BY o.code, p.name_key, m.member_id LIMIT $11",
        in_subtree("m.cell_id", 1),
        scope.org_filter("m.cell_id", 2)
    );
    let rows = fetch_all!(
        conn.ex(),
        MemberRow,
        &sql,
        root,
        all,
        user,
        role,
        all_statuses,
        a,
        b,
        after_code,
        after_key,
        after_id,
        limit + 1
    )?;
    let people: Vec<i64> = rows.iter().map(|r| r.person.person_id).collect();
    let mut posts = posts_of(conn, &people).await?;
    let lines = rows
        .into_iter()
        .map(|r| {
            let status =
                MemberStatus::from_code(&r.status).ok_or_else(|| corrupt("status", &r.status))?;
            let mut person = r.person.into_fields(scope.role)?;
            person.posts = posts.remove(&person.person_id).unwrap_or_default();
            Ok(MemberLine {
                member_id: r.member_id,
                pub_id: r.pub_id,
                person,
                cell_code: r.cell_code,
                status,
                admitted_on: r.admitted_on.map(|x| x.to_jiff()),
                official_on: r.official_on.map(|x| x.to_jiff()),
                card_no: r.card_no.filter(|c| !c.trim().is_empty()),
                name_key: r.name_key,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(into_page(lines, limit, |m| {
        (m.cell_code.clone(), m.name_key.clone(), m.member_id)
    }))
}

// ---------------------------------------------------------------------------------------------
// People holding posts
// ---------------------------------------------------------------------------------------------

/// Someone who holds key positions of residential units and is not an active member.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PostHolderLine {
    /// The person, with the positions held in the units of the subtree.
    pub person: PersonFields,
    /// The code of the commune-level organisation of the (first) unit.
    pub org_code: String,
}

/// The holders of key positions of the residential units under `root` (in the scope) who are not
/// active members, by organisation code then in Vietnamese name order: one query.
pub async fn post_holders(
    conn: &mut Conn,
    scope: &Scope,
    root: i64,
) -> Result<Vec<PostHolderLine>> {
    individuals(scope)?;
    check_root(conn, scope, root).await?;
    let (all, user, role) = scope.binds();
    #[derive(sqlx::FromRow)]
    struct Row {
        post: String,
        org_code: String,
        #[sqlx(flatten)]
        person: PersonRow,
    }
    let sql = format!(
        "SELECT k.kind AS post, o.code AS org_code, {PERSON_COLS} \
         FROM key_position k JOIN residential_unit u ON u.residential_unit_id = k.residential_unit_id \
         JOIN org o ON o.org_id = u.org_id JOIN person p ON p.person_id = k.person_id \
         {PERSON_UNIT_JOIN} \
         WHERE {} AND {} AND NOT EXISTS (SELECT 1 FROM member am WHERE am.person_id = k.person_id \
         AND am.status IN ('official', 'probationary')) \
         ORDER BY o.code, p.name_key, p.person_id",
        in_subtree("u.org_id", 1),
        scope.org_filter("u.org_id", 2)
    );
    let rows = fetch_all!(conn.ex(), Row, &sql, root, all, user, role)?;
    let mut out: Vec<PostHolderLine> = Vec::new();
    let mut index: HashMap<i64, usize> = HashMap::new();
    for r in rows {
        let post =
            KeyPositionKind::from_code(&r.post).ok_or_else(|| corrupt("key position", &r.post))?;
        match index.get(&r.person.person_id) {
            Some(&i) => out[i].person.posts.push(post),
            None => {
                index.insert(r.person.person_id, out.len());
                let mut person = r.person.into_fields(scope.role)?;
                person.posts.push(post);
                out.push(PostHolderLine {
                    person,
                    org_code: r.org_code,
                });
            }
        }
    }
    for line in &mut out {
        line.person.posts.sort();
        line.person.posts.dedup();
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Candidacies
// ---------------------------------------------------------------------------------------------

/// A member named in a dossier (mentor, introducer): the card number (số thẻ đảng viên) when
/// known, else the member's public id.
pub type MemberRef = String;

/// The steps of a candidacy as its list records them: dates and numbers read from the events.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Steps {
    /// Ngày đưa vào nguồn.
    pub source_on: Option<Date>,
    /// Sympathizer list: date and resolution number.
    pub sympathizer: Option<(Date, String)>,
    /// The current mentor.
    pub mentor: Option<MemberRef>,
    /// When the current mentor was assigned.
    pub mentor_assigned_on: Option<Date>,
    /// The mentor was (re)assigned after the sympathizer listing.
    pub mentor_reassigned: bool,
    /// Awareness course: date and name.
    pub course: Option<(Date, String)>,
    /// Certificate: number, issue date, issuer.
    pub certificate: Option<(String, Date, String)>,
    /// Ngày làm đơn.
    pub application_on: Option<Date>,
    /// Ngày khai lý lịch.
    pub background_on: Option<Date>,
    /// Introducers still standing, in the order they were added.
    pub introducers: Vec<MemberRef>,
    /// The latest introducer's letter date.
    pub introduction_on: Option<Date>,
    /// Youth Union (or trade union) resolution: number and date.
    pub union_resolution: Option<(String, Date)>,
    /// Ngày tổng hợp nhận xét.
    pub comments_on: Option<Date>,
    /// First verification request sent (or the stamping of the background).
    pub verification_sent_on: Option<Date>,
    /// The certification of the background, once every verification answer is in.
    pub verification_on: Option<Date>,
    /// Cell vote: date, resolution number, official members, present, in favour.
    pub cell_vote: Option<(Date, String, u32, u32, u32)>,
    /// Why the official members given for the cell vote differ from the roster, when the
    /// clerk said.
    pub cell_base_note: Option<String>,
    /// The superior's written consent (over 60, the literate exception, re-admission): number,
    /// date and what it allows.
    pub consent: Option<(String, Date, ketnap_domain::lifecycle::ConsentGrounds)>,
    /// Partial committee appraisal: date and report number.
    pub partial: Option<(Date, String)>,
    /// Grassroots committee vote: date, resolution number, committee members, in favour.
    pub grassroots_vote: Option<(Date, String, u32, u32)>,
    /// Admission decision: number, date, date received by the cell.
    pub decision: Option<(String, Date, Date)>,
    /// Ngày lễ kết nạp.
    pub ceremony_on: Option<Date>,
}

impl Steps {
    /// Fold a candidacy's history (oldest first) into its steps; member public ids are read
    /// through `member_ref` (card number, else public id).
    pub fn of(events: &[Event], member_ref: &dyn Fn(&str) -> MemberRef) -> Steps {
        let mut s = Steps::default();
        let mut introducers: Vec<(String, Date)> = Vec::new();
        for e in events {
            let on = e.on;
            match &e.action {
                Action::Open { .. } => s.source_on = Some(on),
                Action::ListAsSympathizer {
                    resolution_no,
                    mentor,
                } => {
                    s.sympathizer = Some((on, resolution_no.clone()));
                    s.mentor = Some(member_ref(&mentor.member_id));
                    s.mentor_assigned_on = Some(on);
                    s.mentor_reassigned = false;
                }
                Action::AssignMentor { mentor } => {
                    s.mentor = Some(member_ref(&mentor.member_id));
                    s.mentor_assigned_on = Some(on);
                    s.mentor_reassigned = true;
                }
                Action::EnrolInCourse { course } => s.course = Some((on, course.clone())),
                Action::RecordCertificate {
                    number,
                    issued_on,
                    issuer,
                } => {
                    let issuer = match issuer {
                        CertIssuer::PoliticalCentre(n)
                        | CertIssuer::CompetentCommittee(n)
                        | CertIssuer::Other(n) => n.clone(),
                    };
                    s.certificate = Some((number.clone(), *issued_on, issuer));
                }
                Action::SubmitApplication => s.application_on = Some(on),
                Action::DeclareBackground => s.background_on = Some(on),
                Action::AddIntroducer {
                    introducer,
                    letter_on,
                    replaces,
                    ..
                } => {
                    if let Some(r) = replaces {
                        introducers.retain(|(m, _)| m != r);
                    }
                    introducers.retain(|(m, _)| *m != introducer.member_id);
                    introducers.push((introducer.member_id.clone(), *letter_on));
                }
                Action::WithdrawIntroducer { member_id, .. } => {
                    introducers.retain(|(m, _)| m != member_id);
                }
                Action::RecordUnionIntroduction {
                    resolution_no,
                    resolution_on,
                    ..
                } => s.union_resolution = Some((resolution_no.clone(), *resolution_on)),
                Action::RecordComments { summary_on } => s.comments_on = Some(*summary_on),
                Action::StampBackground => {
                    s.verification_sent_on.get_or_insert(on);
                }
                // The first request sent, unless the stamping already started it earlier.
                Action::SendVerification { .. }
                    if s.verification_sent_on.is_none_or(|d| d > on) =>
                {
                    s.verification_sent_on = Some(on);
                }
                // Verification ends when the background is certified (the answers come before).
                Action::CertifyBackground => s.verification_on = Some(on),
                Action::CellVote {
                    base_note,
                    resolution_no,
                    tally,
                } => {
                    s.cell_base_note.clone_from(base_note);
                    s.cell_vote = Some((
                        on,
                        resolution_no.clone(),
                        tally.official_members,
                        tally.present,
                        tally.in_favour,
                    ));
                }
                Action::PartialAppraisal { report_no, .. } => {
                    s.partial = Some((on, report_no.clone()));
                }
                Action::GrassrootsVote {
                    resolution_no,
                    tally,
                } => {
                    s.grassroots_vote =
                        Some((on, resolution_no.clone(), tally.members, tally.in_favour));
                }
                Action::AdmissionDecision {
                    decision_no,
                    approved,
                    received_on,
                    ..
                } => {
                    s.decision = approved.then(|| (decision_no.clone(), on, *received_on));
                }
                Action::HoldCeremony { .. } => s.ceremony_on = Some(on),
                Action::RecordSuperiorConsent {
                    document_no,
                    grounds,
                } => s.consent = Some((document_no.clone(), on, grounds.clone())),
                _ => {}
            }
        }
        s.introduction_on = introducers.iter().map(|(_, d)| *d).max();
        s.introducers = introducers.iter().map(|(m, _)| member_ref(m)).collect();
        s
    }
}

/// One candidacy of the export.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CandidacyLine {
    /// Internal key.
    #[serde(skip)]
    pub candidacy_id: i64,
    /// Public id.
    pub pub_id: String,
    /// The person.
    pub person: PersonFields,
    /// The cell's code.
    pub cell_code: String,
    /// Stage.
    pub stage: Stage,
    /// What the clerk declared (married…).
    pub extras: CandidateExtras,
    /// The proposing mass organisation's name.
    pub proposed_by: Option<String>,
    /// The steps taken.
    pub steps: Steps,
}

#[derive(sqlx::FromRow)]
struct CandidacyDetailRow {
    candidacy_id: i64,
    cell_code: String,
    stage: String,
    opened_on: jiff_sqlx::Date,
    context: String,
    proposed_by: Option<String>,
    mentor_pub_id: Option<String>,
    mentor_card_no: Option<String>,
    #[sqlx(flatten)]
    person: PersonRow,
}

/// Which candidacies [`candidacies_page`] reads: the list page's filter, and whether only those
/// in flight (listed, not yet admitted: before the ceremony and not closed) are kept.
#[derive(Clone, Debug, Default)]
pub struct CandidacyFilter<'a> {
    /// The list page's filter (scope, subtree, stage, person fields, overdue, name search).
    pub list: ListFilter<'a>,
    /// Keep only candidacies before the ceremony that are not closed.
    pub in_flight: bool,
}

/// Whether a stage is "in flight" for the candidates' list: listed and not yet admitted (after
/// the ceremony the person is on the roster).
pub fn in_flight(stage: Stage) -> bool {
    !stage.is_terminal() && (stage.is_candidate() || stage == Stage::AwaitingCeremony)
}

/// The cursor of [`candidacies_page`]: the list page's (name key, candidacy id).
pub type CandidacyCursor = (String, i64);

/// One page of the candidacies the list page shows for `filter` (same rows, same order:
/// [`candidacies::list`] picks them), each with the person, the cell's code and the steps read
/// from its events: four queries a page. Roles that see aggregates only get
/// [`StoreError::Forbidden`].
pub async fn candidacies_page(
    conn: &mut Conn,
    scope: &Scope,
    filter: &CandidacyFilter<'_>,
    after: Option<CandidacyCursor>,
) -> Result<Page<CandidacyLine, CandidacyCursor>> {
    individuals(scope)?;
    let limit = page_size(CANDIDACY_PAGE);
    let page = candidacies::list(conn, scope, &filter.list, after, limit).await?;
    let next = page.next;
    let ids: Vec<i64> = page
        .items
        .iter()
        .filter(|r| !filter.in_flight || in_flight(r.stage))
        .map(|r| r.candidacy_id)
        .collect();
    if ids.is_empty() {
        return Ok(Page {
            items: Vec::new(),
            next,
        });
    }
    let list = id_list(&ids);
    let sql = format!(
        "SELECT c.candidacy_id, o.code AS cell_code, c.stage, c.opened_on, c.context, mo.name AS proposed_by, \
         mm.pub_id AS mentor_pub_id, mm.card_no AS mentor_card_no, {PERSON_COLS} \
         FROM candidacy c JOIN person p ON p.person_id = c.person_id JOIN org o ON o.org_id = c.cell_id \
         {PERSON_UNIT_JOIN} \
         LEFT JOIN mass_org mo ON mo.mass_org_id = c.proposed_by \
         LEFT JOIN member mm ON mm.member_id = c.mentor_member_id \
         WHERE c.candidacy_id IN ({list})"
    );
    let rows = fetch_all!(conn.ex(), CandidacyDetailRow, &sql)?;
    let sql = format!(
        "SELECT candidacy_id, payload FROM candidacy_event WHERE candidacy_id IN ({list}) \
         ORDER BY candidacy_id, seq"
    );
    let events: Vec<(i64, String)> = fetch_all!(conn.ex(), (i64, String), &sql)?;
    let mut history: HashMap<i64, Vec<Event>> = HashMap::new();
    let mut named: Vec<PubId> = Vec::new();
    for (id, payload) in events {
        let event = EventPayload::parse(&payload)?.event;
        if let Action::AddIntroducer { introducer, .. } = &event.action
            && let Some(p) = PubId::parse(&introducer.member_id)
        {
            named.push(p);
        }
        history.entry(id).or_default().push(event);
    }
    let cards = cards_of(conn, &mut named).await?;
    let mut details: HashMap<i64, CandidacyDetailRow> =
        rows.into_iter().map(|r| (r.candidacy_id, r)).collect();
    let mut items = Vec::with_capacity(ids.len());
    for list_row in page.items {
        let Some(d) = details.remove(&list_row.candidacy_id) else {
            continue;
        };
        let candidacy_id = list_row.candidacy_id;
        let stage = stage_from_code(&d.stage).ok_or_else(|| corrupt("stage", &d.stage))?;
        let extras: CandidateExtras = serde_json::from_str(&d.context)
            .map_err(|e| StoreError::Corrupt(format!("candidacy context: {e}")))?;
        let current_mentor = d
            .mentor_card_no
            .clone()
            .filter(|c| !c.trim().is_empty())
            .or(d.mentor_pub_id.clone());
        let member_ref = |pub_id: &str| -> MemberRef {
            cards
                .get(pub_id)
                .cloned()
                .unwrap_or_else(|| pub_id.to_string())
        };
        let events = history.remove(&candidacy_id).unwrap_or_default();
        let mut steps = Steps::of(&events, &member_ref);
        steps.source_on.get_or_insert(d.opened_on.to_jiff());
        if current_mentor.is_some() {
            steps.mentor = current_mentor;
        }
        items.push(CandidacyLine {
            candidacy_id,
            pub_id: list_row.pub_id,
            person: d.person.into_fields(scope.role)?,
            cell_code: d.cell_code,
            stage,
            extras,
            proposed_by: d.proposed_by,
            steps,
        });
    }
    Ok(Page { items, next })
}

/// The card number (else nothing) of members named by public id: one query.
async fn cards_of(conn: &mut Conn, named: &mut Vec<PubId>) -> Result<HashMap<String, String>> {
    named.sort_by(|a, b| a.as_str().cmp(b.as_str()));
    named.dedup_by(|a, b| a.as_str() == b.as_str());
    if named.is_empty() {
        return Ok(HashMap::new());
    }
    // Public ids checked by `PubId::parse` (13 characters of the id alphabet): safe to inline.
    let list = named
        .iter()
        .map(|p| format!("'{}'", p.as_str()))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "SELECT pub_id, card_no FROM member WHERE pub_id IN ({list}) AND card_no IS NOT NULL"
    );
    let rows: Vec<(String, String)> = fetch_all!(conn.ex(), (String, String), &sql)?;
    Ok(rows
        .into_iter()
        .filter(|(_, c)| !c.trim().is_empty())
        .collect())
}

// ---------------------------------------------------------------------------------------------
// Plans
// ---------------------------------------------------------------------------------------------

/// A plan of an organisation of the subtree.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PlanLine {
    /// The organisation's code.
    pub org_code: String,
    /// The organisation's name.
    pub org_name: String,
    /// Depth below the export's root.
    pub depth: i64,
    /// The plan.
    pub plan: Plan,
}

/// The plans of the open organisations under `root` (in the scope), at most `max_depth` levels
/// below it when given, of one period when given, by depth, code and period: one query.
/// Aggregates: every role may read them.
pub async fn plans(
    conn: &mut Conn,
    scope: &Scope,
    root: i64,
    period: Option<Period>,
    max_depth: Option<i64>,
) -> Result<Vec<PlanLine>> {
    check_root(conn, scope, root).await?;
    let (all, user, role) = scope.binds();
    let sql = format!(
        "SELECT o.code, o.name, rc.depth, p.body FROM plan p JOIN org o ON o.org_id = p.org_id \
         JOIN org_closure rc ON rc.descendant_id = p.org_id \
         WHERE rc.ancestor_id = $1 AND o.closed_on IS NULL AND {} \
         AND ($5 OR p.period = $6) AND ($7 OR rc.depth <= $8) \
         ORDER BY rc.depth, o.code, p.period",
        scope.org_filter("p.org_id", 2)
    );
    let rows: Vec<(String, String, i64, String)> = fetch_all!(
        conn.ex(),
        (String, String, i64, String),
        &sql,
        root,
        all,
        user,
        role,
        period.is_none(),
        period.map(|p| p.code()).unwrap_or_default(),
        max_depth.is_none(),
        max_depth.unwrap_or(0)
    )?;
    rows.into_iter()
        .map(|(org_code, org_name, depth, body)| {
            Ok(PlanLine {
                org_code,
                org_name,
                depth,
                plan: serde_json::from_str(&body)
                    .map_err(|e| StoreError::Corrupt(format!("plan body: {e}")))?,
            })
        })
        .collect()
}

//! People: the profile (sơ yếu) of candidates and members, with the folded search text and the
//! Vietnamese name key stored beside it, and the scoped search over them.
//!
//! Enum fields are stored as their domain codes (ethnicity `"01"`‥`"54"`, religion, qualification,
//! theory level and source-category codes, education `"9/12"`, gender `male`/`female`); reading
//! them back parses every code again and a code that no longer parses is a
//! [`StoreError::Corrupt`]. `search_text` is [`text::fold`] of the full name and `name_key` is
//! [`text::name_sort_key`] (given name, then family, then middle names), so search and order are
//! the same on both engines.
//!
//! A person is visible to a scope when they have a roster row (`member`) or a candidacy in a cell
//! of the scope. Roles that see aggregates only ([`crate::Role::sees_individuals`]) never get a
//! person's row. Audit rows carry the public id only, never the name or the ID number.

use std::collections::{HashMap, HashSet};

use jiff::civil::Date;
use ketnap_domain::person::{
    BirthDate, Education, Ethnicity, FullName, Gender, IdNumber, Person, Qualification, Religion,
    SourceCategory, TheoryLevel, UnitRef,
};
use ketnap_domain::text;
use serde::Serialize;
use serde_json::json;

use crate::audit::{self, AuditEntry};
use crate::bulk::{self, Val};
use crate::dialect::{LIKE_ESCAPE, contains_pattern};
use crate::{Conn, Ex, PubId, Result, Scope, StoreError, Tx, WriteCtx, d, ts};

/// One page of a keyset-paged list: the rows, and the cursor to pass as `after` for the next
/// page (`None` on the last page). The default cursor is `(name_key, internal id)`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Page<T, C = (String, i64)> {
    /// The rows of this page, in list order.
    pub items: Vec<T>,
    /// Where the next page starts; `None` when this is the last page.
    #[serde(skip)]
    pub next: Option<C>,
}

impl<T, C> Page<T, C> {
    /// An empty last page.
    pub fn empty() -> Page<T, C> {
        Page {
            items: Vec::new(),
            next: None,
        }
    }
}

/// Most rows one page may hold.
pub const MAX_PAGE: i64 = 500;

/// Most distinct query words matched in SQL; see [`search`].
pub const MAX_QUERY_WORDS: usize = 8;

/// The Vietnamese message for a duplicate personal identification number.
pub const DUPLICATE_ID_NUMBER_VI: &str = "Số định danh cá nhân đã có trong hệ thống.";

/// Clamp a requested page size to `1..=MAX_PAGE`.
pub(crate) fn page_size(limit: i64) -> i64 {
    limit.clamp(1, MAX_PAGE)
}

/// Cut the `limit + 1` rows a keyset query fetched into a page; `cursor` gives the last kept row's
/// cursor when more rows follow.
pub(crate) fn into_page<T, C>(
    mut rows: Vec<T>,
    limit: i64,
    cursor: impl Fn(&T) -> C,
) -> Page<T, C> {
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let next = if rows.len() > limit {
        rows.truncate(limit);
        rows.last().map(&cursor)
    } else {
        None
    };
    Page { items: rows, next }
}

/// The stored code of an ethnic group: two digits, `"01"`‥`"54"`.
pub fn ethnicity_code(e: Ethnicity) -> String {
    format!("{:02}", e.code())
}

fn corrupt(what: &str, code: &str) -> StoreError {
    // Codes only: never a name or an ID number in the message.
    StoreError::Corrupt(format!("person {what} code {code:?}"))
}

/// The row as stored.
#[derive(sqlx::FromRow)]
pub(crate) struct PersonRow {
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
    unit_pub_id: Option<String>,
}

impl PersonRow {
    pub(crate) fn into_person(self) -> Result<Person> {
        let full_name = FullName::parse(&self.full_name)
            .map_err(|_| StoreError::Corrupt("person full name".into()))?;
        let birth_date = BirthDate::try_from(self.birth_date.to_jiff())
            .map_err(|_| StoreError::Corrupt("person birth date".into()))?;
        let gender = Gender::ALL
            .into_iter()
            .find(|g| g.code() == self.gender)
            .ok_or_else(|| corrupt("gender", &self.gender))?;
        let ethnicity = (self.ethnicity.len() == 2)
            .then(|| self.ethnicity.parse::<u8>().ok())
            .flatten()
            .and_then(Ethnicity::from_code)
            .ok_or_else(|| StoreError::Corrupt("person ethnicity code".into()))?;
        let religion = Religion::ALL
            .into_iter()
            .find(|r| r.code() == self.religion)
            .ok_or_else(|| StoreError::Corrupt("person religion code".into()))?;
        let education =
            Education::parse(&self.education).map_err(|_| corrupt("education", &self.education))?;
        let qualification = Qualification::ALL
            .into_iter()
            .find(|q| q.code() == self.qualification)
            .ok_or_else(|| corrupt("qualification", &self.qualification))?;
        let theory_level = TheoryLevel::ALL
            .into_iter()
            .find(|t| t.code() == self.theory_level)
            .ok_or_else(|| corrupt("theory level", &self.theory_level))?;
        let source_category = SourceCategory::ALL
            .into_iter()
            .find(|s| s.code() == self.source_category)
            .ok_or_else(|| corrupt("source category", &self.source_category))?;
        let id_number = self
            .id_number
            .as_deref()
            .map(IdNumber::parse)
            .transpose()
            .map_err(|_| StoreError::Corrupt("person id number".into()))?;
        let residential_unit = self
            .unit_pub_id
            .as_deref()
            .map(UnitRef::parse)
            .transpose()
            .map_err(|_| StoreError::Corrupt("person residential unit".into()))?;
        Ok(Person {
            full_name,
            birth_date,
            gender,
            ethnicity,
            religion,
            education,
            qualification,
            theory_level,
            source_category,
            id_number,
            youth_union_member: self.youth_union_member,
            trade_union_member: self.trade_union_member,
            residential_unit,
        })
    }
}

pub(crate) const PERSON_COLS: &str = "p.full_name, p.birth_date, p.gender, p.ethnicity, p.religion, p.education, \
    p.qualification, p.theory_level, p.source_category, p.id_number, p.youth_union_member, \
    p.trade_union_member, ru.pub_id AS unit_pub_id";

/// The internal key of the residential unit a person's [`UnitRef`] names (its public id).
async fn unit_id(tx: &mut Tx, unit: Option<&UnitRef>) -> Result<Option<i64>> {
    let Some(unit) = unit else { return Ok(None) };
    let row: Option<(i64,)> = fetch_optional!(
        tx.ex(),
        (i64,),
        "SELECT residential_unit_id FROM residential_unit WHERE pub_id = $1",
        unit.as_str()
    )?;
    row.map(|(id,)| Some(id)).ok_or_else(|| {
        StoreError::invalid(
            "unknown residential unit",
            "Không tìm thấy thôn, tổ dân phố đã chọn.",
        )
    })
}

fn duplicate_id_number() -> StoreError {
    StoreError::invalid("duplicate id number", DUPLICATE_ID_NUMBER_VI)
}

/// A unique violation on `id_number` that slipped past the check (two writers at once) reads as
/// the same Vietnamese error.
fn map_unique(e: sqlx::Error) -> StoreError {
    match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => duplicate_id_number(),
        _ => StoreError::Db(e),
    }
}

/// Store a new person; returns the internal key. `pub_id`: the public id to use (a seeded
/// generator passes one), or `None` for a random one.
///
/// A personal identification number another person already has is refused with
/// "Số định danh cá nhân đã có trong hệ thống." and nothing is written. The audit row
/// (`person.create`) carries the public id only.
pub async fn insert(tx: &mut Tx, ctx: &WriteCtx, p: &Person, pub_id: Option<PubId>) -> Result<i64> {
    let ids = insert_many(tx, ctx, &[(p, pub_id)]).await?;
    ids.first()
        .copied()
        .ok_or_else(|| StoreError::Corrupt("person insert returned nothing".into()))
}

/// Store a new person typed by a user acting in `scope`. An ID number another person already
/// holds is answered within the scope only (issue 18): when the user can see that person, the
/// write is refused ([`DUPLICATE_ID_NUMBER_VI`]); when they cannot, saying so would tell them the
/// number exists elsewhere, so the new person is kept **without** the number and the pair is
/// flagged (`id_conflict`, audit `person.id_conflict` without the number) to the staff who see
/// both ([`id_conflicts`]). Returns the new person's key.
pub async fn insert_scoped(
    tx: &mut Tx,
    ctx: &WriteCtx,
    scope: &Scope,
    p: &Person,
    pub_id: Option<PubId>,
) -> Result<i64> {
    match id_held(tx, scope, p, 0).await? {
        IdHeld::Free => insert(tx, ctx, p, pub_id).await,
        IdHeld::InScope => Err(duplicate_id_number()),
        IdHeld::Elsewhere(other) => {
            let mut without = p.clone();
            without.id_number = None;
            let person_id = insert(tx, ctx, &without, pub_id).await?;
            flag_id_conflict(tx, ctx, person_id, other, p).await?;
            Ok(person_id)
        }
    }
}

/// Whether the ID number of `p` is already held by another person (`except`: the person being
/// corrected), as a user acting in `scope` may be told.
enum IdHeld {
    /// Nobody else holds it.
    Free,
    /// A person the scope reaches holds it (the system scope reaches everyone).
    InScope,
    /// A person outside the scope holds it (their key).
    Elsewhere(i64),
}

async fn id_held(tx: &mut Tx, scope: &Scope, p: &Person, except: i64) -> Result<IdHeld> {
    let Some(id) = &p.id_number else {
        return Ok(IdHeld::Free);
    };
    let holder: Option<(i64,)> = fetch_optional!(
        tx.ex(),
        (i64,),
        "SELECT person_id FROM person WHERE id_number = $1 AND person_id <> $2",
        id.reveal(),
        except
    )?;
    let Some((other,)) = holder else {
        return Ok(IdHeld::Free);
    };
    if scope.is_system() {
        return Ok(IdHeld::InScope);
    }
    let (all, user, role) = scope.binds();
    let sql = format!(
        "SELECT p.person_id FROM person p WHERE p.person_id = $1 AND {}",
        person_visible(scope, "p.person_id", 2)
    );
    let visible: Option<(i64,)> = fetch_optional!(tx.ex(), (i64,), &sql, other, all, user, role)?;
    Ok(if visible.is_some() {
        IdHeld::InScope
    } else {
        IdHeld::Elsewhere(other)
    })
}

/// Flag that `person_id` was given the ID number of `typed` that `other` already holds
/// (`id_conflict`, audit `person.id_conflict` without the number), for the staff who see both.
pub async fn flag_id_conflict(
    tx: &mut Tx,
    ctx: &WriteCtx,
    person_id: i64,
    other: i64,
    typed: &Person,
) -> Result<()> {
    let typed = typed
        .id_number
        .as_ref()
        .map(|i| i.reveal().to_string())
        .unwrap_or_default();
    exec!(
        tx.ex(),
        "INSERT INTO id_conflict (person_id, other_person_id, id_number, found_at) VALUES ($1, $2, $3, $4)",
        person_id,
        other,
        typed,
        ts(ctx.now)
    )?;
    let (new_pub,): (String,) = fetch_one!(
        tx.ex(),
        (String,),
        "SELECT pub_id FROM person WHERE person_id = $1",
        person_id
    )?;
    audit::append(
        tx,
        ctx,
        &AuditEntry {
            action: "person.id_conflict",
            object_kind: "person",
            object_id: &new_pub,
            org_id: None,
            detail: json!({}),
        },
    )
    .await?;
    Ok(())
}

/// An ID number flagged on a person: held by another person the reader also sees.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct IdConflict {
    /// The other person's name.
    pub other_name: String,
    /// The other person's public id.
    pub other_pub_id: String,
    /// When it was found.
    pub found_at: jiff::Timestamp,
}

/// The open ID-number conflicts of `person_id` that the scope may see: only when it reaches
/// both persons and reads sensitive fields.
pub async fn id_conflicts(
    conn: &mut Conn,
    scope: &Scope,
    person_id: i64,
) -> Result<Vec<IdConflict>> {
    if !scope.is_system() && !scope.role.reads(crate::Field::Sensitive) {
        return Ok(Vec::new());
    }
    let (all, user, role) = scope.binds();
    let sql = format!(
        "SELECT o.full_name, o.pub_id, k.found_at FROM id_conflict k \
         JOIN person o ON o.person_id = k.other_person_id \
         WHERE k.person_id = $1 AND k.resolved_at IS NULL AND {} AND {} ORDER BY k.conflict_id",
        person_visible(scope, "k.person_id", 2),
        person_visible(scope, "k.other_person_id", 2)
    );
    let rows: Vec<(String, String, jiff_sqlx::Timestamp)> = fetch_all!(
        conn.ex(),
        (String, String, jiff_sqlx::Timestamp),
        &sql,
        person_id,
        all,
        user,
        role
    )?;
    Ok(rows
        .into_iter()
        .map(|(other_name, other_pub_id, at)| IdConflict {
            other_name,
            other_pub_id,
            found_at: at.to_jiff(),
        })
        .collect())
}

/// The personal identification numbers among `ids` that a person already has.
pub async fn taken_id_numbers(tx: &mut Tx, ids: &[&str]) -> Result<HashSet<String>> {
    let keys: Vec<Val> = ids
        .iter()
        .map(|i| Val::Text(Some((*i).to_string())))
        .collect();
    let rows: Vec<(String,)> = bulk::select_in(
        tx,
        "SELECT id_number FROM person WHERE id_number IN",
        &[],
        &keys,
    )
    .await?;
    Ok(rows.into_iter().map(|(i,)| i).collect())
}

/// The holders of the ID numbers among `ids`, as a user acting in `scope` may be told: the numbers
/// held by a person the scope reaches (an importer names those rows), and the numbers held only
/// outside it, with the holder's key (the row is kept without the number and the pair flagged with
/// [`flag_id_conflict`], as [`insert_scoped`] does).
pub async fn id_holders(
    tx: &mut Tx,
    scope: &Scope,
    ids: &[&str],
) -> Result<(HashSet<String>, HashMap<String, i64>)> {
    let keys: Vec<Val> = ids
        .iter()
        .map(|i| Val::Text(Some((*i).to_string())))
        .collect();
    let held: Vec<(i64, String)> = bulk::select_in(
        tx,
        "SELECT person_id, id_number FROM person WHERE id_number IN",
        &[],
        &keys,
    )
    .await?;
    if held.is_empty() || scope.is_system() {
        return Ok((held.into_iter().map(|(_, i)| i).collect(), HashMap::new()));
    }
    let (all, user, role) = scope.binds();
    let select = format!(
        "SELECT p.person_id FROM person p WHERE {} AND p.person_id IN",
        person_visible(scope, "p.person_id", 1)
    );
    let keys: Vec<Val> = held.iter().map(|(p, _)| Val::Int(Some(*p))).collect();
    let seen: Vec<(i64,)> = bulk::select_in(
        tx,
        &select,
        &[
            Val::Bool(all),
            Val::Int(Some(user)),
            Val::Text(Some(role.to_string())),
        ],
        &keys,
    )
    .await?;
    let seen: HashSet<i64> = seen.into_iter().map(|(p,)| p).collect();
    let mut inside = HashSet::new();
    let mut outside = HashMap::new();
    for (person, id) in held {
        if seen.contains(&person) {
            inside.insert(id);
        } else {
            outside.insert(id, person);
        }
    }
    Ok((inside, outside))
}

/// Store many new persons at once (an import): the same rows and audit rows as [`insert`] one
/// by one, in a few statements. Returns their internal keys in the order given. Refused whole
/// (nothing written) when any ID number is already taken, or twice in the list, or a residential
/// unit is unknown: an importer checks these first to name the rows.
pub async fn insert_many(
    tx: &mut Tx,
    ctx: &WriteCtx,
    persons: &[(&Person, Option<PubId>)],
) -> Result<Vec<i64>> {
    let ids: Vec<&str> = persons
        .iter()
        .filter_map(|(p, _)| p.id_number.as_ref().map(|i| i.reveal()))
        .collect();
    let distinct: HashSet<&str> = ids.iter().copied().collect();
    if distinct.len() < ids.len() || !taken_id_numbers(tx, &ids).await?.is_empty() {
        return Err(duplicate_id_number());
    }
    let units: Vec<&str> = persons
        .iter()
        .filter_map(|(p, _)| p.residential_unit.as_ref().map(UnitRef::as_str))
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let keys: Vec<Val> = units
        .iter()
        .map(|u| Val::Text(Some((*u).to_string())))
        .collect();
    let unit_ids: HashMap<String, i64> = bulk::select_in::<(i64, String)>(
        tx,
        "SELECT residential_unit_id, pub_id FROM residential_unit WHERE pub_id IN",
        &[],
        &keys,
    )
    .await?
    .into_iter()
    .map(|(id, pub_id)| (pub_id, id))
    .collect();
    let mut pub_ids = Vec::with_capacity(persons.len());
    let mut rows = Vec::with_capacity(persons.len());
    for (p, pub_id) in persons {
        let unit = match &p.residential_unit {
            None => None,
            Some(u) => Some(*unit_ids.get(u.as_str()).ok_or_else(|| {
                StoreError::invalid(
                    "unknown residential unit",
                    "Không tìm thấy thôn, tổ dân phố đã chọn.",
                )
            })?),
        };
        let pub_id = pub_id.clone().unwrap_or_else(PubId::generate);
        let name = p.full_name.as_str();
        rows.push(vec![
            Val::Text(Some(pub_id.as_str().to_string())),
            Val::Text(Some(name.to_string())),
            Val::Text(Some(text::fold(name))),
            Val::Text(Some(text::name_sort_key(name))),
            Val::Date(Some(d(p.birth_date.date()))),
            Val::Text(Some(p.gender.code().to_string())),
            Val::Text(Some(ethnicity_code(p.ethnicity))),
            Val::Text(Some(p.religion.code().to_string())),
            Val::Text(Some(p.education.to_string())),
            Val::Text(Some(p.qualification.code().to_string())),
            Val::Text(Some(p.theory_level.code().to_string())),
            Val::Text(Some(p.source_category.code().to_string())),
            Val::Text(p.id_number.as_ref().map(|i| i.reveal().to_string())),
            Val::Bool(p.youth_union_member),
            Val::Bool(p.trade_union_member),
            Val::Int(unit),
            Val::Ts(ts(ctx.now)),
        ]);
        pub_ids.push(pub_id);
    }
    let keys: Vec<&str> = pub_ids.iter().map(PubId::as_str).collect();
    let ids = bulk::insert_ids(
        tx,
        "INSERT INTO person (pub_id, full_name, search_text, name_key, birth_date, gender, ethnicity, religion, \
         education, qualification, theory_level, source_category, id_number, youth_union_member, \
         trade_union_member, residential_unit_id, created_at)",
        17,
        &rows,
        "person_id, pub_id",
        &keys,
    )
    .await
    .map_err(|e| match e {
        StoreError::Db(e) => map_unique(e),
        other => other,
    })?;
    let entries: Vec<AuditEntry<'_>> = pub_ids
        .iter()
        .map(|pub_id| AuditEntry {
            action: "person.create",
            object_kind: "person",
            object_id: pub_id.as_str(),
            org_id: None,
            detail: json!({}),
        })
        .collect();
    audit::append_many(tx, ctx, &entries).await?;
    Ok(ids)
}

/// Replace a person's profile (every field; the folded search text and name key follow the name).
/// The same ID-number rule as [`insert_scoped`], answered within `scope`: a number another person
/// of the scope holds is refused; one held outside it is not saved (the person keeps the number
/// they had) and the pair is flagged to the staff who see both. Audit row `person.update` with the
/// public id only, in the subtree of `org_id` (the cell of the candidacy or roster row the
/// correction was made from, so that the staff who see that cell see the row).
pub async fn update(
    tx: &mut Tx,
    ctx: &WriteCtx,
    scope: &Scope,
    person_id: i64,
    p: &Person,
    org_id: Option<i64>,
) -> Result<()> {
    let (pub_id,): (String,) = fetch_optional!(
        tx.ex(),
        (String,),
        "SELECT pub_id FROM person WHERE person_id = $1",
        person_id
    )?
    .ok_or(StoreError::NotFound("person"))?;
    let kept;
    let p = match id_held(tx, scope, p, person_id).await? {
        IdHeld::Free => p,
        IdHeld::InScope => return Err(duplicate_id_number()),
        IdHeld::Elsewhere(other) => {
            flag_id_conflict(tx, ctx, person_id, other, p).await?;
            let mut q = p.clone();
            q.id_number = load(tx.ex(), person_id).await?.id_number;
            kept = q;
            &kept
        }
    };
    let unit = unit_id(tx, p.residential_unit.as_ref()).await?;
    let name = p.full_name.as_str();
    // A member's facts change with the person's: out of the composition counters before, back
    // in after.
    let members = crate::member_facets::ids_where(tx, "m.person_id = $1", person_id).await?;
    crate::member_facets::shift(tx, &members, -1).await?;
    // So do the facts of their admission decisions (the admitted's composition).
    crate::admitted_facets::shift(tx, "c.person_id = $1", person_id, -1).await?;
    exec!(
        tx.ex(),
        "UPDATE person SET full_name = $1, search_text = $2, name_key = $3, birth_date = $4, gender = $5, \
         ethnicity = $6, religion = $7, education = $8, qualification = $9, theory_level = $10, \
         source_category = $11, id_number = $12, youth_union_member = $13, trade_union_member = $14, \
         residential_unit_id = $15 WHERE person_id = $16",
        name,
        text::fold(name),
        text::name_sort_key(name),
        d(p.birth_date.date()),
        p.gender.code(),
        ethnicity_code(p.ethnicity),
        p.religion.code(),
        p.education.to_string(),
        p.qualification.code(),
        p.theory_level.code(),
        p.source_category.code(),
        p.id_number.as_ref().map(|i| i.reveal().to_string()),
        p.youth_union_member,
        p.trade_union_member,
        unit,
        person_id
    )
    .map_err(map_unique)?;
    crate::member_facets::shift(tx, &members, 1).await?;
    crate::admitted_facets::shift(tx, "c.person_id = $1", person_id, 1).await?;
    audit::append(
        tx,
        ctx,
        &AuditEntry {
            action: "person.update",
            object_kind: "person",
            object_id: &pub_id,
            org_id,
            detail: json!({}),
        },
    )
    .await?;
    Ok(())
}

/// The domain [`Person`] stored under `person_id` (system use and after a scoped lookup: the
/// lifecycle reads the candidate's profile in its own transaction). A stored code that no longer
/// parses is [`StoreError::Corrupt`].
pub async fn load(ex: Ex<'_>, person_id: i64) -> Result<Person> {
    let sql = format!(
        "SELECT {PERSON_COLS} FROM person p \
         LEFT JOIN residential_unit ru ON ru.residential_unit_id = p.residential_unit_id \
         WHERE p.person_id = $1"
    );
    fetch_optional!(ex, PersonRow, &sql, person_id)?
        .ok_or(StoreError::NotFound("person"))?
        .into_person()
}

/// A person as a scoped read returns them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PersonRecord {
    /// Internal key.
    #[serde(skip)]
    pub person_id: i64,
    /// Public id.
    pub pub_id: String,
    /// The profile.
    pub person: Person,
}

/// The SQL condition "the person `{person_col}` has a roster row or a candidacy in a cell of the
/// scope" (everyone for the system scope), with the scope's three placeholders at `$n`.
pub(crate) fn person_visible(scope: &Scope, person_col: &str, n: usize) -> String {
    if scope.is_system() {
        return format!("${n}");
    }
    format!(
        "(EXISTS (SELECT 1 FROM member vm WHERE vm.person_id = {person_col} AND {}) \
         OR EXISTS (SELECT 1 FROM candidacy vc WHERE vc.person_id = {person_col} AND {}))",
        scope.org_filter("vm.cell_id", n),
        scope.org_filter("vc.cell_id", n)
    )
}

/// A person by public id, when visible to the scope (a roster row or a candidacy in one of its
/// cells). Roles that see aggregates only get [`StoreError::Forbidden`].
pub async fn get(conn: &mut Conn, scope: &Scope, pub_id: &str) -> Result<PersonRecord> {
    if !scope.role.sees_individuals() {
        return Err(StoreError::Forbidden("individual records"));
    }
    let (all, user, role) = scope.binds();
    let sql = format!(
        "SELECT p.person_id, p.pub_id, {PERSON_COLS} FROM person p \
         LEFT JOIN residential_unit ru ON ru.residential_unit_id = p.residential_unit_id \
         WHERE p.pub_id = $1 AND {}",
        person_visible(scope, "p.person_id", 2)
    );
    #[derive(sqlx::FromRow)]
    struct Row {
        person_id: i64,
        pub_id: String,
        #[sqlx(flatten)]
        row: PersonRow,
    }
    let r = fetch_optional!(conn.ex(), Row, &sql, pub_id, all, user, role)?
        .ok_or(StoreError::NotFound("person"))?;
    Ok(PersonRecord {
        person_id: r.person_id,
        pub_id: r.pub_id,
        person: r.row.into_person()?,
    })
}

/// One row of a search result: what a list shows, no sensitive field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PersonHit {
    /// Internal key.
    #[serde(skip)]
    pub person_id: i64,
    /// Public id.
    pub pub_id: String,
    /// Họ và tên.
    pub full_name: String,
    /// Ngày sinh.
    pub birth_date: Date,
    /// Giới tính.
    pub gender: Gender,
    /// The Vietnamese sort key (the cursor's first half).
    #[serde(skip)]
    pub name_key: String,
}

/// The distinct folded words of a query that SQL matches: words that another query word contains
/// are implied by it and dropped; at most [`MAX_QUERY_WORDS`], the longest kept.
pub fn query_words(query: &str) -> Vec<String> {
    let folded = text::fold_query(query);
    let mut words: Vec<&str> = folded.split(' ').filter(|w| !w.is_empty()).collect();
    words.sort_unstable();
    words.dedup();
    let all = words.clone();
    words.retain(|w| !all.iter().any(|o| o != w && o.contains(w)));
    words.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
    words.truncate(MAX_QUERY_WORDS);
    words.into_iter().map(str::to_string).collect()
}

/// Search people visible to the scope by name, accent- and case-insensitively: every folded query
/// word must occur in the folded name ("nguyen van duc", "DUC" and "đức" all find
/// "Nguyễn Văn Đức"), at most [`MAX_QUERY_WORDS`] distinct words (the longest). Keyset-paged in
/// Vietnamese name order (given name first); `after` is the previous page's `next`. Roles that see
/// aggregates only get an empty page.
pub async fn search(
    conn: &mut Conn,
    scope: &Scope,
    query: &str,
    after: Option<(String, i64)>,
    limit: i64,
) -> Result<Page<PersonHit>> {
    if !scope.role.sees_individuals() {
        return Ok(Page::empty());
    }
    let limit = page_size(limit);
    let words = query_words(query);
    // A fixed number of patterns keeps one SQL text; unused ones match everything.
    let mut patterns: Vec<String> = words.iter().map(|w| contains_pattern(w)).collect();
    patterns.resize(MAX_QUERY_WORDS, "%".to_string());
    let like: Vec<String> = (4..4 + MAX_QUERY_WORDS)
        .map(|n| format!("p.search_text LIKE ${n}{LIKE_ESCAPE}"))
        .collect();
    let k = 4 + MAX_QUERY_WORDS;
    let sql = format!(
        "SELECT p.person_id, p.pub_id, p.full_name, p.birth_date, p.gender, p.name_key FROM person p \
         WHERE {} AND {} AND (p.name_key, p.person_id) > (${k}, ${}) \
         ORDER BY p.name_key, p.person_id LIMIT ${}",
        person_visible(scope, "p.person_id", 1),
        like.join(" AND "),
        k + 1,
        k + 2
    );
    let (all, user, role) = scope.binds();
    let (after_key, after_id) = after.unwrap_or_default();
    let [p0, p1, p2, p3, p4, p5, p6, p7]: [String; MAX_QUERY_WORDS] = patterns
        .try_into()
        .map_err(|_| StoreError::Corrupt("query patterns".into()))?;
    let rows: Vec<(i64, String, String, jiff_sqlx::Date, String, String)> = fetch_all!(
        conn.ex(),
        (i64, String, String, jiff_sqlx::Date, String, String),
        &sql,
        all,
        user,
        role,
        p0,
        p1,
        p2,
        p3,
        p4,
        p5,
        p6,
        p7,
        after_key,
        after_id,
        limit + 1
    )?;
    let hits = rows
        .into_iter()
        .map(|(person_id, pub_id, full_name, birth, gender, name_key)| {
            let gender = Gender::ALL
                .into_iter()
                .find(|g| g.code() == gender)
                .ok_or_else(|| corrupt("gender", &gender))?;
            Ok(PersonHit {
                person_id,
                pub_id,
                full_name,
                birth_date: birth.to_jiff(),
                gender,
                name_key,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(into_page(hits, limit, |h| {
        (h.name_key.clone(), h.person_id)
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_words_are_folded_deduplicated_and_implied_words_dropped() {
        assert_eq!(query_words("Nguyễn  VĂN đức"), ["nguyen", "duc", "van"]);
        assert_eq!(query_words("an anh"), ["anh"]);
        assert!(query_words("   ").is_empty());
        let many = "a1 b2 c3 d4 e5 f6 g7 h8 i9 j10";
        assert_eq!(query_words(many).len(), MAX_QUERY_WORDS);
    }

    #[test]
    fn a_page_keeps_the_limit_and_points_at_its_last_row() {
        let p = into_page(vec![1, 2, 3], 2, |x| *x);
        assert_eq!((p.items, p.next), (vec![1, 2], Some(2)));
        let p = into_page(vec![1, 2], 2, |x| *x);
        assert_eq!((p.items, p.next), (vec![1, 2], None));
    }
}

//! Importing the roster (members with their dates, card numbers and posts) and the people who
//! hold posts in residential units without being members.

use std::collections::HashMap;

use jiff::civil::Date;
use ketnap_domain::person::{Person, PersonForm, UnitRef};
use ketnap_domain::text::fold;
use ketnap_store::coverage::{self, KeyPositionKind};
use ketnap_store::members::{self, MemberStatus, NewMember};
use ketnap_store::orgs;
use ketnap_store::units::{self, NamedUnit};
use ketnap_store::{Result, Tx, people};

use super::{Problems, Rec, Writer, user_error, yes_no};
use crate::sheet::{fold_heading, parse_date};

/// The columns of a person's profile, by field name of [`PersonForm`].
const PERSON_KEYS: [(&str, &str); 10] = [
    ("full_name", "full_name"),
    ("birth_date", "birth_date"),
    ("gender", "gender"),
    ("ethnicity", "ethnicity"),
    ("religion", "religion"),
    ("education", "education"),
    ("qualification", "qualification"),
    ("theory_level", "theory_level"),
    ("source_category", "source_category"),
    ("id_number", "id_number"),
];

/// Caches of one batch: organisations by code, the units above each cell, and each unit name
/// already looked up (a roster names the same few hamlets on thousands of rows).
#[derive(Default)]
pub(crate) struct Lookups {
    orgs: HashMap<String, Option<(i64, ketnap_domain::org::OrgKind)>>,
    units: HashMap<i64, Vec<NamedUnit>>,
    unit_names: HashMap<(i64, String), Option<NamedUnit>>,
    /// Organisations read ahead by [`Lookups::prefetch`], by code (absent: no such code).
    coded: Option<HashMap<String, orgs::CodedOrg>>,
}

impl Lookups {
    /// Read ahead the organisations of `codes` and the units above each, in a few statements
    /// instead of two per code (a roster names thousands of cells).
    pub async fn prefetch(&mut self, tx: &mut Tx, w: &Writer<'_>, codes: &[&str]) -> Result<()> {
        let found = orgs::by_codes_for(tx, w.scope, codes).await?;
        let ids: Vec<i64> = found
            .values()
            .filter(|o| o.in_scope && !o.closed)
            .map(|o| o.org_id)
            .collect();
        let mut units = units::units_above_many(tx, &ids).await?;
        for id in ids {
            self.units.insert(id, units.remove(&id).unwrap_or_default());
        }
        self.coded = Some(found);
        Ok(())
    }

    /// An organisation by code inside the scope, or the problem written on `key`.
    pub async fn org(
        &mut self,
        tx: &mut Tx,
        w: &Writer<'_>,
        code: &str,
        line: u32,
        key: &str,
        p: &mut Problems,
    ) -> Result<Option<(i64, ketnap_domain::org::OrgKind)>> {
        let code = code.trim();
        if let Some(hit) = self.orgs.get(code) {
            if hit.is_none() {
                p.at(
                    line,
                    key,
                    format!("Không dùng được tổ chức mã “{code}” (xem dòng trước)."),
                );
            }
            return Ok(*hit);
        }
        let found = match &self.coded {
            Some(coded) => coded.get(code).cloned(),
            None => orgs::by_code_for(tx, w.scope, code).await?,
        };
        let hit = match found {
            None => {
                p.at(
                    line,
                    key,
                    format!("Không có tổ chức mã “{code}” trong hệ thống."),
                );
                None
            }
            Some(o) if !o.in_scope => {
                p.at(
                    line,
                    key,
                    format!("Tổ chức mã “{code}” nằm ngoài phạm vi bạn được giao."),
                );
                None
            }
            Some(o) if o.closed => {
                p.at(
                    line,
                    key,
                    format!("Tổ chức mã “{code}” đã giải thể hoặc hợp nhất."),
                );
                None
            }
            Some(o) => Some((o.org_id, o.kind)),
        };
        self.orgs.insert(code.to_string(), hit);
        Ok(hit)
    }

    /// Remember an organisation created in this batch.
    pub fn remember(&mut self, code: &str, org_id: i64, kind: ketnap_domain::org::OrgKind) {
        self.orgs
            .insert(code.trim().to_string(), Some((org_id, kind)));
    }

    /// A cell by code, or the problem.
    pub async fn cell(
        &mut self,
        tx: &mut Tx,
        w: &Writer<'_>,
        code: &str,
        line: u32,
        key: &str,
        p: &mut Problems,
    ) -> Result<Option<i64>> {
        match self.org(tx, w, code, line, key, p).await? {
            Some((id, kind)) if kind.is_cell() => Ok(Some(id)),
            Some(_) => {
                p.at(
                    line,
                    key,
                    format!("“{}” không phải một chi bộ.", code.trim()),
                );
                Ok(None)
            }
            None => Ok(None),
        }
    }

    /// The residential unit named `name` among those above `org_id`.
    pub async fn unit(
        &mut self,
        tx: &mut Tx,
        org_id: i64,
        name: &str,
    ) -> Result<Option<NamedUnit>> {
        let key = (org_id, name.trim().to_string());
        if let Some(hit) = self.unit_names.get(&key) {
            return Ok(hit.clone());
        }
        if let std::collections::hash_map::Entry::Vacant(e) = self.units.entry(org_id) {
            e.insert(units::units_above(tx, org_id).await?);
        }
        let want = fold(name.trim());
        let hit = self.units.get(&org_id).and_then(|list| {
            list.iter()
                .find(|u| {
                    let n = fold(&u.name);
                    n == want || format!("{} {}", fold(kind_label(&u.kind)), n) == want
                })
                .cloned()
        });
        self.unit_names.insert(key, hit.clone());
        Ok(hit)
    }
}

fn kind_label(code: &str) -> &'static str {
    units::residential_kind_from_code(code).map_or("", |k| k.label())
}

/// A person's profile from a row, with the unit resolved under `org_id`; problems written.
pub(crate) async fn person_of(
    tx: &mut Tx,
    w: &Writer<'_>,
    look: &mut Lookups,
    r: &Rec<'_>,
    org_id: Option<i64>,
    p: &mut Problems,
) -> Result<Option<Person>> {
    let mut form = PersonForm::default();
    for (key, _) in PERSON_KEYS {
        let v = r.get(key).trim().to_string();
        match key {
            "full_name" => form.full_name = v,
            "birth_date" => form.birth_date = normal_date(&v),
            "gender" => form.gender = v,
            "ethnicity" => form.ethnicity = if v.is_empty() { "Kinh".into() } else { v },
            "religion" => form.religion = if v.is_empty() { "Không".into() } else { v },
            "education" => form.education = if v.is_empty() { "12/12".into() } else { v },
            "qualification" => form.qualification = if v.is_empty() { "Không".into() } else { v },
            "theory_level" => form.theory_level = if v.is_empty() { "Không".into() } else { v },
            "source_category" => {
                form.source_category = if v.is_empty() { "Khác".into() } else { v }
            }
            _ => form.id_number = v,
        }
    }
    let mut ok = true;
    for (key, field) in [("youth_union", 0), ("trade_union", 1)] {
        match yes_no(r.get(key)) {
            Some(b) if field == 0 => form.youth_union_member = b,
            Some(b) => form.trade_union_member = b,
            None => {
                p.at(r.line, key, "Ghi “Có” hoặc “Không”.");
                ok = false;
            }
        }
    }
    let unit_name = r.get("unit").trim();
    let mut unit: Option<UnitRef> = None;
    if !unit_name.is_empty() {
        match org_id {
            Some(org) => match look.unit(tx, org, unit_name).await? {
                Some(u) => unit = UnitRef::parse(&u.pub_id).ok(),
                None => {
                    p.at(
                        r.line,
                        "unit",
                        format!("Không có thôn, tổ dân phố “{unit_name}” thuộc xã, phường của tổ chức này."),
                    );
                    ok = false;
                }
            },
            None => ok = false,
        }
    }
    match form.parse(w.today) {
        Ok(mut person) => {
            person.residential_unit = unit;
            Ok(ok.then_some(person))
        }
        Err(errors) => {
            for e in errors {
                let key = match e.field() {
                    "birth_date" => "birth_date",
                    f => PERSON_KEYS
                        .iter()
                        .find(|(_, name)| *name == f)
                        .map_or("full_name", |(k, _)| k),
                };
                p.at(r.line, key, e.message_vi());
            }
            Ok(None)
        }
    }
}

/// Insert the person of a row; a refusal (an ID number already recorded) is the row's problem.
pub(crate) async fn insert_person(
    tx: &mut Tx,
    w: &Writer<'_>,
    r: &Rec<'_>,
    person: &Person,
    p: &mut Problems,
) -> Result<Option<i64>> {
    match people::insert_scoped(tx, w.ctx, w.scope, person, None).await {
        Ok(id) => Ok(Some(id)),
        Err(e) if user_error(&e) => {
            p.store(r.line, Some("id_number"), &e);
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// A date typed in any of the usual ways, as dd/mm/yyyy (unchanged when it cannot be read, so the
/// domain's own message explains it).
fn normal_date(s: &str) -> String {
    parse_date(s).map_or_else(|| s.to_string(), crate::sheet::format_date)
}

/// A date cell: `None` when blank; the problem written when unreadable.
pub(crate) fn date_cell(
    r: &Rec<'_>,
    key: &str,
    p: &mut Problems,
) -> std::result::Result<Option<Date>, ()> {
    let v = r.get(key).trim();
    if v.is_empty() {
        return Ok(None);
    }
    match parse_date(v) {
        Some(d) => Ok(Some(d)),
        None => {
            p.at(
                r.line,
                key,
                format!(
                    "Ngày “{v}” không đọc được: ghi theo dạng ngày/tháng/năm, ví dụ 07/03/1998."
                ),
            );
            Err(())
        }
    }
}

/// The posts named in a cell ("Trưởng thôn; Bí thư chi đoàn").
fn posts(s: &str) -> std::result::Result<Vec<KeyPositionKind>, String> {
    let aliases: &[(&str, KeyPositionKind)] = &[
        ("truong thon", KeyPositionKind::HamletHead),
        ("to truong to dan pho", KeyPositionKind::HamletHead),
        ("truong ap", KeyPositionKind::HamletHead),
        ("truong ban", KeyPositionKind::HamletHead),
        ("truong khu pho", KeyPositionKind::HamletHead),
        (
            "truong ban cong tac mat tran",
            KeyPositionKind::FrontCommitteeHead,
        ),
        ("bi thu chi doan", KeyPositionKind::YouthUnionSecretary),
        ("chi hoi truong phu nu", KeyPositionKind::WomenUnionHead),
        ("chi hoi truong nong dan", KeyPositionKind::FarmersUnionHead),
        (
            "chi hoi truong cuu chien binh",
            KeyPositionKind::VeteransHead,
        ),
        ("thon doi truong", KeyPositionKind::MilitiaLeader),
        (
            "to truong to bao ve an ninh trat tu",
            KeyPositionKind::SecurityTeamLeader,
        ),
    ];
    let mut out = Vec::new();
    for part in s.split([';', '\n']) {
        let f = fold_heading(part);
        if f.is_empty() {
            continue;
        }
        let hit = KeyPositionKind::ALL
            .into_iter()
            .find(|k| fold_heading(k.label_vi()) == f || k.code() == part.trim())
            .or_else(|| aliases.iter().find(|(a, _)| *a == f).map(|(_, k)| *k));
        match hit {
            Some(k) if !out.contains(&k) => out.push(k),
            Some(_) => {}
            None => return Err(part.trim().to_string()),
        }
    }
    Ok(out)
}

/// A post to record: the row's line, the unit, the post and its holder.
type Post = (u32, i64, KeyPositionKind, i64);

/// The posts row `r` names for `person` in their unit, checked (the problems written): the unit
/// and the posts, `None` when the row names none or a problem was written.
async fn post_kinds(
    tx: &mut Tx,
    w: &Writer<'_>,
    r: &Rec<'_>,
    person: &Person,
    look: &mut Lookups,
    org_id: i64,
    p: &mut Problems,
) -> Result<Option<(i64, Vec<KeyPositionKind>)>> {
    let text = r.get("posts");
    if text.trim().is_empty() {
        return Ok(None);
    }
    let list = match posts(text) {
        Ok(l) => l,
        Err(unknown) => {
            p.at(
                r.line,
                "posts",
                format!(
                    "Không nhận ra chức vụ “{unknown}”; các chức vụ cách nhau bằng dấu chấm phẩy."
                ),
            );
            return Ok(None);
        }
    };
    if !coverage::role_writes_key_positions(w.scope.role) {
        p.at(
            r.line,
            "posts",
            "Vai trò của bạn không ghi chức vụ chủ chốt ở thôn, tổ dân phố: bỏ cột này hoặc nhờ cán bộ tổ chức nhập.",
        );
        return Ok(None);
    }
    let Some(unit_ref) = &person.residential_unit else {
        p.at(
            r.line,
            "unit",
            "Người giữ chức vụ ở thôn, tổ dân phố cần ghi thôn, tổ dân phố.",
        );
        return Ok(None);
    };
    let unit = look
        .unit(tx, org_id, r.get("unit"))
        .await?
        .filter(|u| u.pub_id == unit_ref.as_str());
    Ok(unit.map(|u| (u.unit_id, list)))
}

/// The posts of [`post_kinds`] as posts of `person_id`, added to `out` to be written with
/// [`write_posts`].
fn posts_held(
    line: u32,
    kinds: Option<(i64, Vec<KeyPositionKind>)>,
    person_id: i64,
    out: &mut Vec<Post>,
) {
    if let Some((unit, list)) = kinds {
        out.extend(list.into_iter().map(|k| (line, unit, k, person_id)));
    }
}

/// Record `list` in a few statements ([`coverage::set_key_positions`]); when that is refused,
/// one by one, to name the row refused.
async fn write_posts(tx: &mut Tx, w: &Writer<'_>, list: &[Post], p: &mut Problems) -> Result<()> {
    let items: Vec<_> = list.iter().map(|(_, u, k, h)| (*u, *k, Some(*h))).collect();
    match coverage::set_key_positions(tx, w.ctx, w.scope, &items).await {
        Ok(()) => return Ok(()),
        Err(e) if user_error(&e) => {}
        Err(e) => return Err(e),
    }
    for (line, unit, kind, holder) in list {
        match coverage::set_key_position(tx, w.ctx, w.scope, *unit, *kind, Some(*holder)).await {
            Ok(()) => {}
            Err(e) if user_error(&e) => p.store(*line, Some("posts"), &e),
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Catch a duplicate ID number inside the file before the database says it.
fn duplicate_ids(rows: &[Rec<'_>], p: &mut Problems) {
    let mut seen: HashMap<String, u32> = HashMap::new();
    for r in rows {
        let id: String = r
            .get("id_number")
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        if id.is_empty() {
            continue;
        }
        if let Some(first) = seen.insert(id, r.line) {
            p.at(
                r.line,
                "id_number",
                format!("Số định danh cá nhân trùng với dòng {first}."),
            );
        }
    }
}

/// Rows of a roster written per round of bulk statements.
const WRITE_CHUNK: usize = 4_000;

/// A roster row checked and waiting to be written.
struct Pending {
    /// Index in the rows.
    row: usize,
    person: Person,
    new: NewMember,
    card: Option<String>,
    /// The unit and the posts the row names.
    posts: Option<(i64, Vec<KeyPositionKind>)>,
    /// The ID number as typed, when a person outside the importer's scope holds it (the key of
    /// that person): the row lands without it and the pair is flagged (issue 18).
    conflict: Option<(i64, Person)>,
}

pub(crate) async fn write_members(
    tx: &mut Tx,
    w: &Writer<'_>,
    rows: &[Rec<'_>],
    p: &mut Problems,
) -> Result<Vec<(String, usize)>> {
    duplicate_ids(rows, p);
    let mut cards: HashMap<String, u32> = HashMap::new();
    let mut look = Lookups::default();
    let (mut official, mut probationary) = (0usize, 0usize);
    let mut earliest: Option<Date> = None;
    let mut pending: Vec<Pending> = Vec::with_capacity(rows.len());
    let codes: Vec<&str> = rows.iter().map(|r| r.get("cell_code")).collect();
    look.prefetch(tx, w, &codes).await?;
    for (i, r) in rows.iter().enumerate() {
        let Some(cell_id) = look
            .cell(tx, w, r.get("cell_code"), r.line, "cell_code", p)
            .await?
        else {
            continue;
        };
        let Some(person) = person_of(tx, w, &mut look, r, Some(cell_id), p).await? else {
            continue;
        };
        let (Ok(admitted_on), Ok(official_on)) = (
            date_cell(r, "admitted_on", p),
            date_cell(r, "official_on", p),
        ) else {
            continue;
        };
        let Some(admitted_on) = admitted_on else {
            continue;
        };
        if admitted_on > w.today {
            p.at(r.line, "admitted_on", "Ngày vào Đảng ở sau ngày hôm nay.");
            continue;
        }
        if admitted_on < person.birth_date.date() {
            p.at(r.line, "admitted_on", "Ngày vào Đảng ở trước ngày sinh.");
            continue;
        }
        if let Some(o) = official_on
            && (o < admitted_on || o > w.today)
        {
            {
                p.at(
                    r.line,
                    "official_on",
                    "Ngày chính thức phải sau ngày vào Đảng và không sau hôm nay.",
                );
                continue;
            }
        }
        let status_text = fold_heading(r.get("status"));
        let status = match status_text.as_str() {
            "" => {
                if official_on.is_some() {
                    MemberStatus::Official
                } else {
                    // Probation is twelve months: a member admitted longer ago whose official date
                    // the list does not give is official.
                    let end = admitted_on
                        .checked_add(jiff::Span::new().months(12))
                        .unwrap_or(admitted_on);
                    if end > w.today {
                        MemberStatus::Probationary
                    } else {
                        MemberStatus::Official
                    }
                }
            }
            s if s.contains("chinh thuc") || s == "official" => MemberStatus::Official,
            s if s.contains("du bi") || s == "probationary" => MemberStatus::Probationary,
            _ => {
                p.at(r.line, "status", "Ghi “Chính thức” hoặc “Dự bị”.");
                continue;
            }
        };
        if status == MemberStatus::Probationary && official_on.is_some() {
            p.at(
                r.line,
                "official_on",
                "Đảng viên dự bị chưa có ngày chính thức.",
            );
            continue;
        }
        let card = r.get("card_no").trim().to_string();
        if !card.is_empty()
            && let Some(first) = cards.insert(card.clone(), r.line)
        {
            {
                p.at(
                    r.line,
                    "card_no",
                    format!("Số thẻ đảng viên trùng với dòng {first}."),
                );
                continue;
            }
        }
        match status {
            MemberStatus::Official => official += 1,
            _ => probationary += 1,
        }
        let posts = post_kinds(tx, w, r, &person, &mut look, cell_id, p).await?;
        earliest = Some(earliest.map_or(admitted_on, |e: Date| e.min(admitted_on)));
        pending.push(Pending {
            row: i,
            person,
            new: NewMember {
                person_id: 0,
                cell_id,
                status,
                admitted_on: Some(admitted_on),
                official_on,
                party_age_from: None,
                candidacy_id: None,
                pub_id: None,
            },
            card: (!card.is_empty()).then_some(card),
            posts,
            conflict: None,
        });
    }
    // An ID number someone in the scope already has is named on its row, as a single insert would
    // refuse it; one held only outside the scope is not told: the row lands without it, flagged.
    let ids: Vec<&str> = pending
        .iter()
        .filter_map(|x| x.person.id_number.as_ref().map(|i| i.reveal()))
        .collect();
    let (inside, outside) = people::id_holders(tx, w.scope, &ids).await?;
    for x in &mut pending {
        let Some(id) = x.person.id_number.as_ref().map(|i| i.reveal().to_string()) else {
            continue;
        };
        if inside.contains(&id) {
            p.at(
                rows[x.row].line,
                "id_number",
                people::DUPLICATE_ID_NUMBER_VI,
            );
        } else if let Some(other) = outside.get(&id) {
            let typed = x.person.clone();
            x.person.id_number = None;
            x.conflict = Some((*other, typed));
        }
    }
    // A card number a member in the scope already holds, likewise.
    let cards: Vec<&str> = pending.iter().filter_map(|x| x.card.as_deref()).collect();
    let taken = members::taken_card_numbers(tx, w.scope, &cards).await?;
    if !taken.is_empty() {
        for x in &pending {
            if x.card.as_ref().is_some_and(|c| taken.contains(c)) {
                p.at(
                    rows[x.row].line,
                    "card_no",
                    "Số thẻ đảng viên này đã có trong danh sách đảng viên.",
                );
            }
        }
    }
    // Every check is done: the preview (a dry run) stops here, having read and written nothing
    // more, and lists the same problems the import would; what the writes below could still
    // refuse was checked above. Written in chunks, many rows per statement (ketnap_store::bulk),
    // only when nothing is wrong: a file with a problem lands nothing anyway.
    let mut written = 0;
    let write = p.list.is_empty() && !w.dry_run;
    for chunk in pending.chunks_mut(WRITE_CHUNK) {
        if !write || !p.list.is_empty() {
            break;
        }
        let persons: Vec<(&Person, Option<ketnap_store::PubId>)> =
            chunk.iter().map(|x| (&x.person, None)).collect();
        // The bulk writes check everything before writing anything, so a refusal leaves the
        // transaction usable: the chunk is then written row by row to name the row refused.
        let person_ids = match people::insert_many(tx, w.ctx, &persons).await {
            Ok(ids) => ids,
            Err(e) if user_error(&e) => {
                for x in chunk.iter() {
                    insert_person(tx, w, &rows[x.row], &x.person, p).await?;
                }
                break;
            }
            Err(e) => return Err(e),
        };
        let new: Vec<(NewMember, Option<String>)> = chunk
            .iter()
            .zip(&person_ids)
            .map(|(x, id)| {
                (
                    NewMember {
                        person_id: *id,
                        pub_id: None,
                        ..x.new.clone()
                    },
                    x.card.clone(),
                )
            })
            .collect();
        match members::insert_many(tx, w.ctx, &new).await {
            Ok(_) => {}
            Err(e) if user_error(&e) => {
                for (x, (one, _)) in chunk.iter().zip(new) {
                    match members::insert(tx, w.ctx, one).await {
                        Ok(_) => {}
                        Err(e) if user_error(&e) => {
                            p.store(rows[x.row].line, Some("cell_code"), &e)
                        }
                        Err(e) => return Err(e),
                    }
                }
                break;
            }
            Err(e) => return Err(e),
        }
        for (x, person_id) in chunk.iter().zip(&person_ids) {
            if let Some((other, typed)) = &x.conflict {
                people::flag_id_conflict(tx, w.ctx, *person_id, *other, typed).await?;
            }
        }
        let mut posts = Vec::new();
        for (x, person_id) in chunk.iter_mut().zip(person_ids) {
            posts_held(rows[x.row].line, x.posts.take(), person_id, &mut posts);
        }
        write_posts(tx, w, &posts, p).await?;
        written += chunk.len();
        w.done(written);
    }
    if probationary > 0 {
        p.notices.push(format!(
            "{probationary} đảng viên dự bị sẽ có trong danh sách đảng viên, nhưng tệp này không có hồ sơ kết nạp của họ: hệ thống sẽ không nhắc hạn xét công nhận chính thức và không tính họ vào kết quả kết nạp của năm. Muốn theo dõi, hãy bỏ họ khỏi tệp này và nhập qua danh sách “{}” ở giai đoạn “{}”, với ngày quyết định và ngày lễ kết nạp.",
            super::Kind::Candidates.label_vi(),
            ketnap_domain::lifecycle::Stage::Probationary.label_vi(),
        ));
    }
    if let Some(first) = earliest.filter(|_| write) {
        // The start-of-year membership of the years the roster covers (the last ten at most):
        // the base of every quota from the first day.
        let to = w.today.year();
        let from = (first.year() + 1).max(to - 10).min(to);
        ketnap_store::setup::refill_start_of_year(tx, w.ctx, from, to).await?;
    }
    Ok(vec![
        ("Đảng viên chính thức".to_string(), official),
        ("Đảng viên dự bị".to_string(), probationary),
    ])
}

pub(crate) async fn write_people(
    tx: &mut Tx,
    w: &Writer<'_>,
    rows: &[Rec<'_>],
    p: &mut Problems,
) -> Result<Vec<(String, usize)>> {
    duplicate_ids(rows, p);
    let mut look = Lookups::default();
    let mut written = 0usize;
    for (i, r) in rows.iter().enumerate() {
        w.done(i + 1);
        let Some((org_id, _)) = look
            .org(tx, w, r.get("org_code"), r.line, "org_code", p)
            .await?
        else {
            continue;
        };
        let Some(person) = person_of(tx, w, &mut look, r, Some(org_id), p).await? else {
            continue;
        };
        let Some(person_id) = insert_person(tx, w, r, &person, p).await? else {
            continue;
        };
        let kinds = post_kinds(tx, w, r, &person, &mut look, org_id, p).await?;
        let mut posts = Vec::new();
        posts_held(r.line, kinds, person_id, &mut posts);
        write_posts(tx, w, &posts, p).await?;
        written += 1;
    }
    Ok(vec![("Người".to_string(), written)])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn posts_are_read_by_their_names_separated_by_semicolons() {
        assert_eq!(
            posts("Trưởng thôn; Bí thư chi đoàn").expect("known posts"),
            vec![
                KeyPositionKind::HamletHead,
                KeyPositionKind::YouthUnionSecretary
            ]
        );
        assert_eq!(
            posts("Trưởng thôn, tổ trưởng tổ dân phố").expect("the label itself"),
            vec![KeyPositionKind::HamletHead]
        );
        assert_eq!(posts("Thủ quỹ").unwrap_err(), "Thủ quỹ");
    }
}

//! Importing the organisation tree, residential units and mass organisations.
//!
//! One list holds all three, told apart by the "Loại" column: a party organisation (its code,
//! name, kind and sector, the code of the organisation above), a residential unit (thôn, tổ dân
//! phố… under its commune's code, with the code of the cell that covers it) or a mass
//! organisation (beside the party organisation whose code it gives). Rows may come in any
//! order: a child is written after its parent.

use std::collections::HashMap;

use ketnap_domain::lifecycle::Authority;
use ketnap_domain::org::{CellKind, GrassrootsKind, OrgKind, ResidentialKind};
use ketnap_store::orgs::{self, NewOrg};
use ketnap_store::units::{self, MassOrgKind, NewMassOrg, NewResidentialUnit};
use ketnap_store::{Result, StoreError, Tx};

use super::people::Lookups;
use super::{Problems, Rec, Writer, yes_no};
use crate::sheet::fold_heading;

/// What a row of the list is.
enum Row {
    Party(PartyRow),
    Unit {
        name: String,
        kind: ResidentialKind,
        commune: String,
        cell: String,
    },
    Mass {
        name: String,
        kind: MassOrgKind,
        org: String,
    },
}

struct PartyRow {
    code: String,
    name: String,
    kind: OrgKind,
    parent: String,
    authority: Option<Authority>,
    youth_union_exists: bool,
    trade_union_instead: bool,
}

/// The level named in the "Loại" column, before the sector is known.
enum Level {
    Provincial,
    District,
    Bloc,
    Grassroots,
    GrassrootsCell,
    Partial,
    Cell,
}

/// The level and the words after its name (the sector, when the name carries it).
fn level_of(folded: &str) -> Option<(Level, String)> {
    type Make = fn() -> Level;
    let table: &[(&str, Make)] = &[
        ("chi bo co so", || Level::GrassrootsCell),
        ("dang bo bo phan", || Level::Partial),
        ("dang uy bo phan", || Level::Partial),
        ("dang uy khoi", || Level::Bloc),
        ("dang bo khoi", || Level::Bloc),
        ("dang bo truc thuoc", || Level::Bloc),
        ("tinh uy", || Level::Provincial),
        ("thanh uy truc thuoc trung uong", || Level::Provincial),
        ("dang bo tinh", || Level::Provincial),
        ("huyen uy", || Level::District),
        ("quan uy", || Level::District),
        ("thi uy", || Level::District),
        ("dang bo huyen", || Level::District),
        ("dang uy co so", || Level::Grassroots),
        ("dang bo co so", || Level::Grassroots),
        ("dang uy xa", || Level::Grassroots),
        ("dang bo xa", || Level::Grassroots),
        ("dang uy phuong", || Level::Grassroots),
        ("dang bo phuong", || Level::Grassroots),
        ("dang uy thi tran", || Level::Grassroots),
        ("dang uy dac khu", || Level::Grassroots),
        ("dang uy", || Level::Grassroots),
        ("dang bo", || Level::Grassroots),
        ("chi bo truc thuoc", || Level::Cell),
        ("chi bo", || Level::Cell),
    ];
    table
        .iter()
        .find(|(prefix, _)| folded == *prefix || folded.starts_with(&format!("{prefix} ")))
        .map(|(prefix, f)| (f(), folded[prefix.len()..].trim().to_string()))
}

fn grassroots_sector(folded: &str) -> Option<GrassrootsKind> {
    let extra: &[(&str, GrassrootsKind)] = &[
        ("thi tran", GrassrootsKind::Township),
        ("truong", GrassrootsKind::School),
        ("benh vien", GrassrootsKind::Health),
        ("quan doi", GrassrootsKind::Military),
        ("khac", GrassrootsKind::Other),
    ];
    GrassrootsKind::ALL
        .into_iter()
        .find(|k| !k.label().is_empty() && fold_heading(k.label()) == folded)
        .or_else(|| extra.iter().find(|(t, _)| *t == folded).map(|(_, k)| *k))
}

fn cell_sector(folded: &str) -> Option<CellKind> {
    let extra: &[(&str, CellKind)] = &[
        ("thon", CellKind::Residential),
        ("to dan pho", CellKind::Residential),
        ("khu dan cu", CellKind::Residential),
        ("thon to dan pho", CellKind::Residential),
        ("ap", CellKind::Residential),
        ("ban", CellKind::Residential),
        ("khu pho", CellKind::Residential),
        ("truong", CellKind::School),
        ("hanh chinh", CellKind::Agency),
        ("co quan hanh chinh doan the", CellKind::Agency),
        ("su nghiep", CellKind::Agency),
        ("quan doi", CellKind::Military),
        ("khac", CellKind::Other),
    ];
    CellKind::ALL
        .into_iter()
        .find(|k| !k.label().is_empty() && fold_heading(k.label()) == folded)
        .or_else(|| extra.iter().find(|(t, _)| *t == folded).map(|(_, k)| *k))
}

/// The organisation kind of a "Loại" and "Lĩnh vực" pair: a stored code (`cell:school`), or a
/// Vietnamese name ("Chi bộ", "Đảng ủy xã"), with the sector from the name or the sector column.
pub(crate) fn org_kind(kind: &str, sector: &str) -> Option<OrgKind> {
    if let Some(k) = OrgKind::from_code(kind.trim()) {
        return Some(k);
    }
    let folded = fold_heading(kind);
    if let Some(k) = OrgKind::all()
        .into_iter()
        .filter(|_| sector.trim().is_empty())
        .find(|k| fold_heading(&k.label()) == folded)
    {
        return Some(k);
    }
    let (level, rest) = level_of(&folded)?;
    // The sector: the column, else what follows the level's words ("Đảng ủy xã" → xã).
    let sector_text = if sector.trim().is_empty() {
        rest
    } else {
        fold_heading(sector)
    };
    match level {
        Level::Provincial => Some(OrgKind::Provincial),
        Level::District => Some(OrgKind::District),
        Level::Bloc => Some(OrgKind::Bloc),
        Level::Partial => Some(OrgKind::Partial),
        Level::Grassroots => {
            let s = if sector_text.is_empty() {
                Some(GrassrootsKind::Other)
            } else {
                grassroots_sector(&sector_text)
            };
            s.map(OrgKind::Grassroots)
        }
        Level::GrassrootsCell => grassroots_sector(&sector_text)
            .or((sector_text.is_empty()).then_some(GrassrootsKind::Other))
            .map(OrgKind::GrassrootsCell),
        Level::Cell => cell_sector(&sector_text)
            .or((sector_text.is_empty()).then_some(CellKind::Other))
            .map(OrgKind::Cell),
    }
}

fn residential_kind(kind: &str) -> Option<ResidentialKind> {
    let folded = fold_heading(kind);
    ResidentialKind::ALL.into_iter().find(|k| {
        fold_heading(k.label()) == folded || units::residential_kind_code(*k) == kind.trim()
    })
}

fn mass_kind(kind: &str) -> Option<MassOrgKind> {
    let folded = fold_heading(kind);
    let short: &[(&str, MassOrgKind)] = &[
        ("doan thanh nien", MassOrgKind::YouthUnion),
        ("doan tncs ho chi minh", MassOrgKind::YouthUnion),
        ("hoi phu nu", MassOrgKind::WomenUnion),
        ("hoi lhpn", MassOrgKind::WomenUnion),
        ("hoi ccb", MassOrgKind::Veterans),
        ("mttq", MassOrgKind::FatherlandFront),
        ("uy ban mat tran to quoc", MassOrgKind::FatherlandFront),
    ];
    MassOrgKind::from_code(kind.trim())
        .or_else(|| {
            MassOrgKind::ALL
                .into_iter()
                .find(|k| fold_heading(k.label_vi()) == folded)
        })
        .or_else(|| short.iter().find(|(t, _)| *t == folded).map(|(_, k)| *k))
}

fn authority(s: &str) -> Option<Option<Authority>> {
    let folded = fold_heading(s);
    if folded.is_empty() {
        return Some(None);
    }
    for a in [
        Authority::GrassrootsCommittee,
        Authority::SuperiorStandingCommittee,
        Authority::CentralLevelCommittee,
    ] {
        if orgs::authority_code(a) == s.trim() {
            return Some(Some(a));
        }
    }
    if folded.contains("dang uy co so") || folded == "dang uy" || folded.contains("co so") {
        Some(Some(Authority::GrassrootsCommittee))
    } else if folded.contains("trung uong") {
        Some(Some(Authority::CentralLevelCommittee))
    } else if folded.contains("thuong vu") || folded.contains("cap tren") || folded.contains("btv")
    {
        Some(Some(Authority::SuperiorStandingCommittee))
    } else {
        None
    }
}

fn parse(r: &Rec<'_>, p: &mut Problems) -> Option<Row> {
    let kind_text = r.get("kind");
    let name = r.get("name").trim().to_string();
    let parent = r.get("parent_code").trim().to_string();
    if let Some(kind) = residential_kind(kind_text) {
        if parent.is_empty() {
            p.at(
                r.line,
                "parent_code",
                "Thôn, tổ dân phố cần mã đảng bộ xã, phường quản lý.",
            );
            return None;
        }
        return Some(Row::Unit {
            name,
            kind,
            commune: parent,
            cell: r.get("cell_code").trim().to_string(),
        });
    }
    if let Some(kind) = mass_kind(kind_text) {
        if parent.is_empty() {
            p.at(
                r.line,
                "parent_code",
                "Tổ chức đoàn thể cần mã tổ chức đảng nơi hoạt động.",
            );
            return None;
        }
        return Some(Row::Mass {
            name,
            kind,
            org: parent,
        });
    }
    let Some(kind) = org_kind(kind_text, r.get("sector")) else {
        p.at(
            r.line,
            "kind",
            format!(
                "Không nhận ra loại “{}”: dùng Tỉnh ủy, Huyện ủy, Đảng ủy khối, Đảng ủy xã/phường, \
                 Đảng ủy cơ sở, Chi bộ cơ sở, Đảng bộ bộ phận, Chi bộ; Thôn, Tổ dân phố…; hoặc tên \
                 tổ chức đoàn thể.",
                kind_text.trim()
            ),
        );
        return None;
    };
    let mut ok = true;
    let authority = authority(r.get("authority")).unwrap_or_else(|| {
        p.at(r.line, "authority", "Không nhận ra cấp quyết định kết nạp.");
        ok = false;
        None
    });
    let flag = |key: &str, default: bool, p: &mut Problems, ok: &mut bool| {
        let v = r.get(key);
        if v.trim().is_empty() {
            return default;
        }
        yes_no(v).unwrap_or_else(|| {
            p.at(r.line, key, "Ghi “Có” hoặc “Không”.");
            *ok = false;
            default
        })
    };
    let youth_union_exists = flag("youth_union_exists", true, p, &mut ok);
    let trade_union_instead = flag("trade_union_instead", false, p, &mut ok);
    let code = r.get("code").trim().to_string();
    if code.is_empty() {
        p.at(
            r.line,
            "code",
            "Chưa có “Mã tổ chức” (bắt buộc với tổ chức đảng).",
        );
        ok = false;
    }
    if code.chars().count() > 40 {
        p.at(r.line, "code", "Mã tổ chức dài quá 40 ký tự.");
        ok = false;
    }
    if name.chars().count() > 200 {
        p.at(r.line, "name", "Tên tổ chức dài quá 200 ký tự.");
        ok = false;
    }
    ok.then_some(Row::Party(PartyRow {
        code,
        name,
        kind,
        parent,
        authority,
        youth_union_exists,
        trade_union_instead,
    }))
}

pub(crate) async fn write(
    tx: &mut Tx,
    w: &Writer<'_>,
    rows: &[Rec<'_>],
    p: &mut Problems,
) -> Result<Vec<(String, usize)>> {
    let mut parsed: Vec<(u32, Row)> = Vec::new();
    let mut lines_of_code: HashMap<String, u32> = HashMap::new();
    for r in rows {
        if let Some(row) = parse(r, p) {
            if let Row::Party(o) = &row
                && let Some(first) = lines_of_code.insert(o.code.clone(), r.line)
            {
                p.at(
                    r.line,
                    "code",
                    format!("Mã tổ chức “{}” trùng với dòng {first}.", o.code),
                );
                continue;
            }
            parsed.push((r.line, row));
        }
    }
    // Party organisations, parents first: each pass writes the rows whose parent is known.
    let mut made: HashMap<String, (i64, OrgKind)> = HashMap::new();
    let mut look = Lookups::default();
    let mut pending: Vec<(u32, PartyRow)> = Vec::new();
    let mut others: Vec<(u32, Row)> = Vec::new();
    for (line, row) in parsed {
        match row {
            Row::Party(o) => pending.push((line, o)),
            other => others.push((line, other)),
        }
    }
    let (mut n_orgs, mut n_units, mut n_mass, mut done) = (0usize, 0usize, 0usize, 0usize);
    loop {
        let before = pending.len();
        let mut later = Vec::new();
        for (line, o) in pending {
            let waits = !o.parent.is_empty()
                && !made.contains_key(&o.parent)
                && lines_of_code.contains_key(&o.parent)
                && o.parent != o.code;
            if waits {
                later.push((line, o));
                continue;
            }
            let parent_id = if o.parent.is_empty() {
                if !w.scope.is_system() {
                    p.at(line, "parent_code", "Chỉ quản trị hệ thống mới tạo được tổ chức cấp cao nhất; hãy ghi mã tổ chức cấp trên.");
                    continue;
                }
                None
            } else {
                match look.org(tx, w, &o.parent, line, "parent_code", p).await? {
                    Some((id, _)) => Some(id),
                    None => continue,
                }
            };
            if orgs::by_code_for(tx, w.scope, &o.code).await?.is_some() {
                p.at(
                    line,
                    "code",
                    format!("Mã tổ chức “{}” đã có trong hệ thống.", o.code),
                );
                continue;
            }
            let mut new = NewOrg::new(o.code.clone(), o.name.clone(), o.kind, parent_id);
            if let Some(a) = o.authority {
                new.competent_authority = a;
            } else if parent_id.is_none() {
                new.competent_authority = Authority::SuperiorStandingCommittee;
            }
            new.youth_union_exists = o.youth_union_exists;
            new.trade_union_instead = o.trade_union_instead;
            match orgs::create(tx, w.ctx, &new).await {
                Ok(id) => {
                    made.insert(o.code.clone(), (id, o.kind));
                    look.remember(&o.code, id, o.kind);
                    n_orgs += 1;
                }
                Err(e @ (StoreError::Invalid { .. } | StoreError::Refused(_))) => {
                    p.store(line, Some("kind"), &e);
                }
                Err(e) => return Err(e),
            }
            done += 1;
            w.done(done);
        }
        pending = later;
        if pending.is_empty() || pending.len() == before {
            break;
        }
    }
    for (line, o) in pending {
        p.at(
            line,
            "parent_code",
            format!(
                "Không xếp được vào cây: tổ chức cấp trên “{}” không tạo được (xem các dòng khác).",
                o.parent
            ),
        );
    }
    for (line, row) in others {
        match row {
            Row::Unit {
                name,
                kind,
                commune,
                cell,
            } => {
                let Some((org_id, _)) = look.org(tx, w, &commune, line, "parent_code", p).await?
                else {
                    continue;
                };
                let cell_id = if cell.is_empty() {
                    None
                } else {
                    match look.org(tx, w, &cell, line, "cell_code", p).await? {
                        Some((id, _)) => Some(id),
                        None => continue,
                    }
                };
                let new = NewResidentialUnit {
                    org_id,
                    cell_id,
                    kind,
                    name,
                    pub_id: None,
                };
                match units::create_residential_unit(tx, w.ctx, &new).await {
                    Ok(_) => n_units += 1,
                    Err(e @ (StoreError::Invalid { .. } | StoreError::Refused(_))) => {
                        p.store(line, Some("cell_code"), &e);
                    }
                    Err(e) => return Err(e),
                }
            }
            Row::Mass { name, kind, org } => {
                let Some((org_id, _)) = look.org(tx, w, &org, line, "parent_code", p).await? else {
                    continue;
                };
                let new = NewMassOrg {
                    org_id,
                    kind,
                    name,
                    pub_id: None,
                };
                match units::create_mass_org(tx, w.ctx, &new).await {
                    Ok(_) => n_mass += 1,
                    Err(e @ (StoreError::Invalid { .. } | StoreError::Refused(_))) => {
                        p.store(line, Some("name"), &e);
                    }
                    Err(e) => return Err(e),
                }
            }
            Row::Party(_) => {}
        }
        done += 1;
        w.done(done);
    }
    if n_orgs > 0 {
        // The new organisations get this year's start-of-year row (zero until a roster comes).
        let year = w.today.year();
        ketnap_store::setup::refill_start_of_year(tx, w.ctx, year, year).await?;
    }
    Ok(vec![
        ("Tổ chức đảng".to_string(), n_orgs),
        ("Thôn, tổ dân phố".to_string(), n_units),
        ("Tổ chức đoàn thể".to_string(), n_mass),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_read_from_the_names_offices_write() {
        let cases = [
            ("Tỉnh ủy", "", Some(OrgKind::Provincial)),
            ("Huyện ủy", "", Some(OrgKind::District)),
            (
                "Đảng ủy xã",
                "",
                Some(OrgKind::Grassroots(GrassrootsKind::Commune)),
            ),
            (
                "Đảng bộ cơ sở",
                "Phường",
                Some(OrgKind::Grassroots(GrassrootsKind::Ward)),
            ),
            (
                "Chi bộ cơ sở",
                "Trường học",
                Some(OrgKind::GrassrootsCell(GrassrootsKind::School)),
            ),
            (
                "Chi bộ",
                "Thôn, tổ dân phố",
                Some(OrgKind::Cell(CellKind::Residential)),
            ),
            ("chi bo", "co quan", Some(OrgKind::Cell(CellKind::Agency))),
            ("Chi bộ", "", Some(OrgKind::Cell(CellKind::Other))),
            ("cell:school", "", Some(OrgKind::Cell(CellKind::School))),
            ("Đảng bộ bộ phận", "", Some(OrgKind::Partial)),
            ("Hợp tác xã", "", None),
        ];
        for (kind, sector, want) in cases {
            assert_eq!(org_kind(kind, sector), want, "{kind} / {sector}");
        }
        assert_eq!(
            residential_kind("Tổ dân phố"),
            Some(ResidentialKind::ToDanPho)
        );
        assert_eq!(mass_kind("Đoàn Thanh niên"), Some(MassOrgKind::YouthUnion));
    }
}

//! Organisations: kinds, the tree invariants, the chi ủy rule, residential units and coverage.
//!
//! The party's organisation follows the administrative system (Điều lệ Đảng Điều 10): a provincial
//! committee, (until 30/6/2025) district committees, bloc and directly-subordinate committees, then
//! the grassroots organisations (tổ chức cơ sở đảng: đảng bộ cơ sở or chi bộ cơ sở), partial
//! committees and cells. Since 1/7/2025 the district level is gone and commune, ward and special-zone
//! committees sit directly under the province; older data keeps its districts. So the tree is of any
//! depth and [`check_parent`] only says which kind may sit under which.
//!
//! [`OrgTree`] is an in-memory tree with the same operations the store performs on its
//! `org_closure(ancestor_id, descendant_id, depth)` table; [`OrgTree::closure`] gives the rows that
//! table must hold, so store tests can compare against it.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::rules::{RuleSet, Violation};

/// Rule id of the parent–child invariant of the organisation tree.
pub const PARENT_RULE_ID: &str = "org.parent";

/// Where the parent–child invariant comes from.
pub const PARENT_CITATION: &str = "Điều lệ Đảng (2011) Điều 10 (hệ thống tổ chức lập tương ứng với \
hệ thống hành chính; cấp ủy cấp trên trực tiếp lập hoặc giải thể tổ chức trực thuộc), Điều 21–24 \
(tổ chức cơ sở đảng, đảng bộ bộ phận, chi bộ); Quy định 29-QĐ/TW §19.3 (đảng ủy bộ phận trực thuộc \
đảng ủy cơ sở); từ 01/7/2025 không còn cấp huyện, đảng bộ xã, phường, đặc khu trực thuộc tỉnh ủy, \
thành ủy";

/// Rule id of the residential-unit invariant (a unit belongs to a commune-level organisation).
pub const RESIDENTIAL_UNIT_RULE_ID: &str = "org.residential_unit";

/// Where the residential-unit invariant comes from.
pub const RESIDENTIAL_UNIT_CITATION: &str = "Thông tư 04/2012/TT-BNV Điều 2 (chưa xác nhận): thôn, \
tổ dân phố không phải là một cấp hành chính, được tổ chức ở xã, phường, thị trấn; chi bộ thôn, tổ dân \
phố trực thuộc đảng ủy xã, phường (Điều lệ Đảng Điều 21)";

/// The sector of a grassroots organisation (tổ chức cơ sở đảng).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GrassrootsKind {
    /// Xã.
    Commune,
    /// Phường.
    Ward,
    /// Thị trấn (abolished with the district level in 2025; kept for older data).
    Township,
    /// Đặc khu (island special zone, since 2025).
    SpecialZone,
    /// Cơ quan (state agency, public service unit).
    Agency,
    /// Trường học.
    School,
    /// Doanh nghiệp.
    Enterprise,
    /// Công an.
    Police,
    /// Quân sự, quân đội.
    Military,
    /// Y tế (hospital, health centre).
    Health,
    /// Any other sector.
    Other,
}

impl GrassrootsKind {
    /// Every kind, in the order of the glossary.
    pub const ALL: [GrassrootsKind; 11] = [
        GrassrootsKind::Commune,
        GrassrootsKind::Ward,
        GrassrootsKind::Township,
        GrassrootsKind::SpecialZone,
        GrassrootsKind::Agency,
        GrassrootsKind::School,
        GrassrootsKind::Enterprise,
        GrassrootsKind::Police,
        GrassrootsKind::Military,
        GrassrootsKind::Health,
        GrassrootsKind::Other,
    ];

    /// The sector in Vietnamese, lower case (`xã`, `trường học`); empty for [`GrassrootsKind::Other`].
    pub fn label(self) -> &'static str {
        match self {
            GrassrootsKind::Commune => "xã",
            GrassrootsKind::Ward => "phường",
            GrassrootsKind::Township => "thị trấn",
            GrassrootsKind::SpecialZone => "đặc khu",
            GrassrootsKind::Agency => "cơ quan",
            GrassrootsKind::School => "trường học",
            GrassrootsKind::Enterprise => "doanh nghiệp",
            GrassrootsKind::Police => "công an",
            GrassrootsKind::Military => "quân sự",
            GrassrootsKind::Health => "y tế",
            GrassrootsKind::Other => "",
        }
    }

    /// A territorial unit of the commune level (xã, phường, thị trấn, đặc khu): the level that holds
    /// hamlets and residential groups.
    pub fn is_territorial(self) -> bool {
        matches!(
            self,
            GrassrootsKind::Commune
                | GrassrootsKind::Ward
                | GrassrootsKind::Township
                | GrassrootsKind::SpecialZone
        )
    }

    fn code(self) -> &'static str {
        match self {
            GrassrootsKind::Commune => "commune",
            GrassrootsKind::Ward => "ward",
            GrassrootsKind::Township => "township",
            GrassrootsKind::SpecialZone => "special_zone",
            GrassrootsKind::Agency => "agency",
            GrassrootsKind::School => "school",
            GrassrootsKind::Enterprise => "enterprise",
            GrassrootsKind::Police => "police",
            GrassrootsKind::Military => "military",
            GrassrootsKind::Health => "health",
            GrassrootsKind::Other => "other",
        }
    }
}

/// The sector of a cell, for membership and admission breakdowns (reference-data.md, "Sectors of
/// cells"). State and non-state enterprises are one sector: ketnap does not record ownership.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sector {
    /// Thôn, ấp, bản, tổ dân phố (and a commune's or ward's own grassroots cell).
    Residential,
    /// Cơ quan hành chính, đoàn thể.
    Agency,
    /// Đơn vị sự nghiệp: trường học, y tế.
    PublicService,
    /// Doanh nghiệp.
    Enterprise,
    /// Công an.
    Police,
    /// Quân sự.
    Military,
    /// Khác.
    Other,
}

impl Sector {
    /// Every sector, in the reference list's order.
    pub const ALL: [Sector; 7] = [
        Sector::Residential,
        Sector::Agency,
        Sector::PublicService,
        Sector::Enterprise,
        Sector::Police,
        Sector::Military,
        Sector::Other,
    ];

    /// Vietnamese.
    pub fn label_vi(self) -> &'static str {
        match self {
            Sector::Residential => "Khu dân cư (thôn, tổ dân phố)",
            Sector::Agency => "Cơ quan hành chính, đoàn thể",
            Sector::PublicService => "Đơn vị sự nghiệp (trường học, y tế)",
            Sector::Enterprise => "Doanh nghiệp",
            Sector::Police => "Công an",
            Sector::Military => "Quân sự",
            Sector::Other => "Khác",
        }
    }

    /// The sector of an organisation that holds members (a cell or a grassroots cell); `None`
    /// for the levels above.
    pub fn of(kind: &OrgKind) -> Option<Sector> {
        Some(match *kind {
            OrgKind::Cell(k) => match k {
                CellKind::Residential => Sector::Residential,
                CellKind::Agency => Sector::Agency,
                CellKind::School | CellKind::Health => Sector::PublicService,
                CellKind::Enterprise => Sector::Enterprise,
                CellKind::Police => Sector::Police,
                CellKind::Military => Sector::Military,
                CellKind::Other => Sector::Other,
            },
            OrgKind::GrassrootsCell(k) => match k {
                GrassrootsKind::Commune
                | GrassrootsKind::Ward
                | GrassrootsKind::Township
                | GrassrootsKind::SpecialZone => Sector::Residential,
                GrassrootsKind::Agency => Sector::Agency,
                GrassrootsKind::School | GrassrootsKind::Health => Sector::PublicService,
                GrassrootsKind::Enterprise => Sector::Enterprise,
                GrassrootsKind::Police => Sector::Police,
                GrassrootsKind::Military => Sector::Military,
                GrassrootsKind::Other => Sector::Other,
            },
            _ => return None,
        })
    }
}

/// The kind of a party cell under a grassroots committee or a partial committee.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CellKind {
    /// Chi bộ thôn, ấp, bản, tổ dân phố, khu phố (residential).
    Residential,
    /// Chi bộ trường học.
    School,
    /// Chi bộ cơ quan.
    Agency,
    /// Chi bộ doanh nghiệp.
    Enterprise,
    /// Chi bộ công an.
    Police,
    /// Chi bộ quân sự.
    Military,
    /// Chi bộ y tế.
    Health,
    /// Any other cell.
    Other,
}

impl CellKind {
    /// Every kind.
    pub const ALL: [CellKind; 8] = [
        CellKind::Residential,
        CellKind::School,
        CellKind::Agency,
        CellKind::Enterprise,
        CellKind::Police,
        CellKind::Military,
        CellKind::Health,
        CellKind::Other,
    ];

    /// The sector in Vietnamese, lower case; empty for [`CellKind::Other`].
    pub fn label(self) -> &'static str {
        match self {
            CellKind::Residential => "thôn, ấp, tổ dân phố",
            CellKind::School => "trường học",
            CellKind::Agency => "cơ quan",
            CellKind::Enterprise => "doanh nghiệp",
            CellKind::Police => "công an",
            CellKind::Military => "quân sự",
            CellKind::Health => "y tế",
            CellKind::Other => "",
        }
    }

    fn code(self) -> &'static str {
        match self {
            CellKind::Residential => "residential",
            CellKind::School => "school",
            CellKind::Agency => "agency",
            CellKind::Enterprise => "enterprise",
            CellKind::Police => "police",
            CellKind::Military => "military",
            CellKind::Health => "health",
            CellKind::Other => "other",
        }
    }
}

/// The kind of a party organisation.
///
/// A *grassroots cell* (chi bộ cơ sở) is a cell that is itself the grassroots organisation: it has no
/// grassroots committee above it inside its unit, so the lifecycle skips the grassroots committee vote
/// for its candidates ([`OrgKind::skips_grassroots_vote`]). It is its own variant so that no code can
/// mistake it for an ordinary cell (chi bộ trực thuộc) or for a grassroots committee (đảng bộ cơ sở).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    /// Tỉnh ủy, Thành ủy trực thuộc Trung ương: the root of a tree.
    Provincial,
    /// Huyện ủy, Quận ủy, Thị ủy, Thành ủy thuộc tỉnh (dissolved 2025; kept for older data).
    District,
    /// Đảng ủy khối, or a committee directly under the province (police, military, …).
    Bloc,
    /// Đảng bộ cơ sở: a grassroots committee with cells (and maybe partial committees) under it.
    Grassroots(GrassrootsKind),
    /// Chi bộ cơ sở: a cell that is itself a grassroots organisation.
    GrassrootsCell(GrassrootsKind),
    /// Đảng bộ bộ phận: between a grassroots committee and its cells.
    Partial,
    /// Chi bộ trực thuộc: a cell under a grassroots or partial committee.
    Cell(CellKind),
}

impl OrgKind {
    /// Every kind (each sector of the grassroots and cell kinds).
    pub fn all() -> Vec<OrgKind> {
        let mut v = vec![OrgKind::Provincial, OrgKind::District, OrgKind::Bloc];
        v.extend(GrassrootsKind::ALL.iter().map(|&k| OrgKind::Grassroots(k)));
        v.extend(
            GrassrootsKind::ALL
                .iter()
                .map(|&k| OrgKind::GrassrootsCell(k)),
        );
        v.push(OrgKind::Partial);
        v.extend(CellKind::ALL.iter().map(|&k| OrgKind::Cell(k)));
        v
    }

    /// The Vietnamese name of the kind: `Tỉnh ủy`, `Đảng ủy xã`, `Chi bộ cơ sở trường học`,
    /// `Đảng bộ bộ phận`, `Chi bộ thôn, ấp, tổ dân phố`.
    pub fn label(&self) -> String {
        fn with(prefix: &str, sector: &str) -> String {
            if sector.is_empty() {
                prefix.to_string()
            } else {
                format!("{prefix} {sector}")
            }
        }
        match *self {
            OrgKind::Provincial => "Tỉnh ủy".to_string(),
            OrgKind::District => "Huyện ủy".to_string(),
            OrgKind::Bloc => "Đảng ủy khối".to_string(),
            OrgKind::Grassroots(k) if k.is_territorial() => with("Đảng ủy", k.label()),
            OrgKind::Grassroots(k) => with("Đảng ủy cơ sở", k.label()),
            OrgKind::GrassrootsCell(k) => with("Chi bộ cơ sở", k.label()),
            OrgKind::Partial => "Đảng bộ bộ phận".to_string(),
            OrgKind::Cell(k) => with("Chi bộ", k.label()),
        }
    }

    /// A grassroots organisation (tổ chức cơ sở đảng): a grassroots committee or a grassroots cell.
    pub fn is_grassroots(&self) -> bool {
        matches!(self, OrgKind::Grassroots(_) | OrgKind::GrassrootsCell(_))
    }

    /// A chi bộ cơ sở.
    pub fn is_grassroots_cell(&self) -> bool {
        matches!(self, OrgKind::GrassrootsCell(_))
    }

    /// A chi bộ of either kind: where members meet, candidates belong and cell votes happen, and
    /// where the chi ủy rule ([`cell_committee_status`]) applies.
    pub fn is_cell(&self) -> bool {
        matches!(self, OrgKind::Cell(_) | OrgKind::GrassrootsCell(_))
    }

    /// The lifecycle skips the grassroots committee vote: the cell is itself the grassroots
    /// organisation (lifecycle-and-rules.md §1).
    pub fn skips_grassroots_vote(&self) -> bool {
        self.is_grassroots_cell()
    }

    /// The grassroots sector, for grassroots committees and grassroots cells.
    pub fn grassroots_kind(&self) -> Option<GrassrootsKind> {
        match *self {
            OrgKind::Grassroots(k) | OrgKind::GrassrootsCell(k) => Some(k),
            _ => None,
        }
    }

    /// May `child` sit directly under an organisation of this kind?
    pub fn may_contain(&self, child: &OrgKind) -> bool {
        check_parent(child, Some(self)).is_ok()
    }

    /// A stable ASCII code for storage: `provincial`, `grassroots:commune`,
    /// `grassroots_cell:school`, `partial`, `cell:residential`.
    pub fn code(&self) -> String {
        match *self {
            OrgKind::Provincial => "provincial".to_string(),
            OrgKind::District => "district".to_string(),
            OrgKind::Bloc => "bloc".to_string(),
            OrgKind::Grassroots(k) => format!("grassroots:{}", k.code()),
            OrgKind::GrassrootsCell(k) => format!("grassroots_cell:{}", k.code()),
            OrgKind::Partial => "partial".to_string(),
            OrgKind::Cell(k) => format!("cell:{}", k.code()),
        }
    }

    /// The kind of a [`OrgKind::code`]; `None` for an unknown code.
    pub fn from_code(code: &str) -> Option<OrgKind> {
        // Read without building every code: it runs for each organisation a query returns.
        match code {
            "provincial" => return Some(OrgKind::Provincial),
            "district" => return Some(OrgKind::District),
            "bloc" => return Some(OrgKind::Bloc),
            "partial" => return Some(OrgKind::Partial),
            _ => {}
        }
        let (prefix, sector) = code.split_once(':')?;
        let grassroots = || GrassrootsKind::ALL.into_iter().find(|k| k.code() == sector);
        match prefix {
            "grassroots" => grassroots().map(OrgKind::Grassroots),
            "grassroots_cell" => grassroots().map(OrgKind::GrassrootsCell),
            "cell" => CellKind::ALL
                .into_iter()
                .find(|k| k.code() == sector)
                .map(OrgKind::Cell),
            _ => None,
        }
    }

    /// What may be above this kind, as a Vietnamese phrase for messages.
    fn allowed_parents_vi(&self) -> &'static str {
        match self {
            OrgKind::Provincial => "không trực thuộc tổ chức nào trong cây",
            OrgKind::District | OrgKind::Bloc => "trực thuộc tỉnh ủy, thành ủy",
            OrgKind::Grassroots(_) | OrgKind::GrassrootsCell(_) => {
                "trực thuộc tỉnh ủy, huyện ủy hoặc đảng ủy khối"
            }
            OrgKind::Partial => "trực thuộc đảng ủy cơ sở",
            OrgKind::Cell(_) => "trực thuộc đảng ủy cơ sở hoặc đảng bộ bộ phận",
        }
    }
}

impl fmt::Display for OrgKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label())
    }
}

fn parent_violation(message_vi: String) -> Violation {
    Violation {
        rule_id: PARENT_RULE_ID.into(),
        citation: PARENT_CITATION.to_string(),
        message_vi,
    }
}

/// May an organisation of kind `child` sit directly under one of kind `parent` (`None`: at the root)?
///
/// - a provincial committee is a root;
/// - a district or bloc committee is under a provincial committee;
/// - a grassroots committee or a grassroots cell is under a provincial, district or bloc committee
///   (directly under the province since the 2025 reorganisation, under a district before it);
/// - a partial committee is under a grassroots committee;
/// - a cell is under a grassroots committee or a partial committee.
///
/// Breaches are [`Violation`]s of [`PARENT_RULE_ID`] with a Vietnamese message.
pub fn check_parent(child: &OrgKind, parent: Option<&OrgKind>) -> Result<(), Violation> {
    let Some(parent) = parent else {
        // A provincial committee heads a province's tree; a district, bloc or grassroots
        // committee (or a grassroots cell) heads the tree of a smaller deployment that starts
        // there (a district or a commune running ketnap on its own).
        return match child {
            OrgKind::Provincial
            | OrgKind::District
            | OrgKind::Bloc
            | OrgKind::Grassroots(_)
            | OrgKind::GrassrootsCell(_) => Ok(()),
            _ => Err(parent_violation(format!(
                "{} phải trực thuộc một tổ chức đảng cấp trên ({}).",
                child.label(),
                child.allowed_parents_vi()
            ))),
        };
    };
    let ok = match child {
        OrgKind::Provincial => false,
        OrgKind::District | OrgKind::Bloc => matches!(parent, OrgKind::Provincial),
        OrgKind::Grassroots(_) | OrgKind::GrassrootsCell(_) => {
            matches!(
                parent,
                OrgKind::Provincial | OrgKind::District | OrgKind::Bloc
            )
        }
        OrgKind::Partial => matches!(parent, OrgKind::Grassroots(_)),
        OrgKind::Cell(_) => matches!(parent, OrgKind::Grassroots(_) | OrgKind::Partial),
    };
    if ok {
        Ok(())
    } else {
        Err(parent_violation(format!(
            "{} không thể trực thuộc {}: {} chỉ {}.",
            child.label(),
            parent.label(),
            child.label(),
            child.allowed_parents_vi()
        )))
    }
}

/// Where a cell stands with the chi ủy rule (Điều lệ Đảng Điều 24.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CellCommitteeStatus {
    /// At least the threshold of official members and no chi ủy: one should be elected.
    Missing,
    /// At least the threshold and a chi ủy is in place.
    Elected,
    /// Below the threshold: the cell elects a secretary (and a deputy if needed).
    NotRequired,
    /// Below the threshold but a chi ủy is in place (elected when the cell was larger): it serves
    /// until the next congress, which elects a secretary instead.
    BelowThreshold,
}

impl CellCommitteeStatus {
    /// Vietnamese description.
    pub fn label(self) -> &'static str {
        match self {
            CellCommitteeStatus::Missing => "đủ số đảng viên chính thức nhưng chưa có chi ủy",
            CellCommitteeStatus::Elected => "có chi ủy",
            CellCommitteeStatus::NotRequired => "chưa đủ số đảng viên chính thức để bầu chi ủy",
            CellCommitteeStatus::BelowThreshold => {
                "có chi ủy nhưng số đảng viên chính thức dưới mức bầu chi ủy"
            }
        }
    }
}

/// The chi ủy rule: a cell with at least `cell.committee_threshold` (9) official members elects a
/// chi ủy; below that, a secretary.
pub fn cell_committee_status(
    official_members: u32,
    has_committee: bool,
    rules: &RuleSet,
) -> CellCommitteeStatus {
    let reached = official_members >= rules.cell_committee_threshold.value.0;
    match (reached, has_committee) {
        (true, false) => CellCommitteeStatus::Missing,
        (true, true) => CellCommitteeStatus::Elected,
        (false, false) => CellCommitteeStatus::NotRequired,
        (false, true) => CellCommitteeStatus::BelowThreshold,
    }
}

/// The violation of `cell.committee_threshold` when a cell that should have a chi ủy has none.
pub fn cell_committee_violation(
    official_members: u32,
    has_committee: bool,
    rules: &RuleSet,
) -> Option<Violation> {
    match cell_committee_status(official_members, has_committee, rules) {
        CellCommitteeStatus::Missing => Some(rules.cell_committee_threshold.violation(format!(
            "Chi bộ có {official_members} đảng viên chính thức (từ {} trở lên) nhưng chưa bầu chi ủy.",
            rules.cell_committee_threshold.value.0
        ))),
        _ => None,
    }
}

/// A chi ủy has at most `cell.committee_max` (7) members.
pub fn check_cell_committee_size(size: u32, rules: &RuleSet) -> Result<(), Violation> {
    let max = rules.cell_committee_max.value.0;
    if size <= max {
        Ok(())
    } else {
        Err(rules.cell_committee_max.violation(format!(
            "Chi ủy có {size} thành viên, vượt quá {max} thành viên."
        )))
    }
}

/// The kind of a residential unit (thôn, tổ dân phố and their local names). Not a party body: a
/// unit of coverage, watched for having members and a cell.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResidentialKind {
    /// Thôn.
    Thon,
    /// Ấp (southern provinces).
    Ap,
    /// Làng.
    Lang,
    /// Bản (northern mountain provinces).
    Ban,
    /// Buôn (Central Highlands).
    Buon,
    /// Plei, plơi (Central Highlands).
    Plei,
    /// Xóm.
    Xom,
    /// Phum (Khmer areas).
    Phum,
    /// Sóc (Khmer areas).
    Soc,
    /// Tổ dân phố.
    ToDanPho,
    /// Khu phố.
    KhuPho,
    /// Khối phố.
    KhoiPho,
    /// Khóm.
    Khom,
}

impl ResidentialKind {
    /// The unit's name with its kind in front, unless the name already begins with it:
    /// ("thôn", "17") → "thôn 17", ("thôn", "Thôn 17") → "Thôn 17", never "thôn Thôn 17".
    pub fn name_with_kind(self, name: &str) -> String {
        let label = self.label();
        let folded = crate::text::fold(name.trim());
        if folded.starts_with(&crate::text::fold(label)) {
            name.trim().to_string()
        } else {
            format!("{label} {}", name.trim())
        }
    }

    /// Every kind.
    pub const ALL: [ResidentialKind; 13] = [
        ResidentialKind::Thon,
        ResidentialKind::Ap,
        ResidentialKind::Lang,
        ResidentialKind::Ban,
        ResidentialKind::Buon,
        ResidentialKind::Plei,
        ResidentialKind::Xom,
        ResidentialKind::Phum,
        ResidentialKind::Soc,
        ResidentialKind::ToDanPho,
        ResidentialKind::KhuPho,
        ResidentialKind::KhoiPho,
        ResidentialKind::Khom,
    ];

    /// Lower-case Vietnamese name: `thôn`, `tổ dân phố`.
    pub fn label(self) -> &'static str {
        match self {
            ResidentialKind::Thon => "thôn",
            ResidentialKind::Ap => "ấp",
            ResidentialKind::Lang => "làng",
            ResidentialKind::Ban => "bản",
            ResidentialKind::Buon => "buôn",
            ResidentialKind::Plei => "plei",
            ResidentialKind::Xom => "xóm",
            ResidentialKind::Phum => "phum",
            ResidentialKind::Soc => "sóc",
            ResidentialKind::ToDanPho => "tổ dân phố",
            ResidentialKind::KhuPho => "khu phố",
            ResidentialKind::KhoiPho => "khối phố",
            ResidentialKind::Khom => "khóm",
        }
    }

    /// Capitalised, as at the start of a name: `Thôn`, `Tổ dân phố`.
    pub fn title(self) -> &'static str {
        match self {
            ResidentialKind::Thon => "Thôn",
            ResidentialKind::Ap => "Ấp",
            ResidentialKind::Lang => "Làng",
            ResidentialKind::Ban => "Bản",
            ResidentialKind::Buon => "Buôn",
            ResidentialKind::Plei => "Plei",
            ResidentialKind::Xom => "Xóm",
            ResidentialKind::Phum => "Phum",
            ResidentialKind::Soc => "Sóc",
            ResidentialKind::ToDanPho => "Tổ dân phố",
            ResidentialKind::KhuPho => "Khu phố",
            ResidentialKind::KhoiPho => "Khối phố",
            ResidentialKind::Khom => "Khóm",
        }
    }

    /// An urban residential group (tổ dân phố, khu phố, khối phố, khóm) rather than a rural one
    /// (thôn, ấp, làng, bản, …).
    pub fn is_urban(self) -> bool {
        matches!(
            self,
            ResidentialKind::ToDanPho
                | ResidentialKind::KhuPho
                | ResidentialKind::KhoiPho
                | ResidentialKind::Khom
        )
    }

    /// The kind named by its Vietnamese label, any case (`Tổ dân phố`, `thôn`).
    pub fn from_label(s: &str) -> Option<ResidentialKind> {
        let s = s.trim().to_lowercase();
        let s = if s == "plơi" { "plei".to_string() } else { s };
        ResidentialKind::ALL.into_iter().find(|k| k.label() == s)
    }
}

impl fmt::Display for ResidentialKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// A hamlet or residential group of a commune-level grassroots organisation, with the cell that
/// covers it, if any.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResidentialUnit<Id = OrgId> {
    /// Thôn, tổ dân phố, …
    pub kind: ResidentialKind,
    /// The unit's name as written locally (`Thôn 3`, `Tổ dân phố Hòa Bình`).
    pub name: String,
    /// The commune, ward or special-zone organisation it belongs to.
    pub grassroots: Id,
    /// The cell that covers it (its own cell, or one shared with a neighbouring unit).
    pub cell: Option<Id>,
}

impl<Id> ResidentialUnit<Id> {
    /// Coverage of the unit given how many members live there; `None` when covered.
    pub fn coverage(&self, members_living_there: u32) -> Option<BlankKind> {
        blank_unit(members_living_there, self.cell.is_some())
    }
}

/// How a residential unit is "blank" (trắng): the units a committee must watch and, when they fall
/// blank again, report as "tái trắng".
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BlankKind {
    /// No member lives there, though a (shared) cell covers it.
    NoMember,
    /// Members live there but no cell covers it.
    NoCell,
    /// Neither a member nor a cell.
    NoMemberNoCell,
}

impl BlankKind {
    /// Vietnamese description.
    pub fn label(self) -> &'static str {
        match self {
            BlankKind::NoMember => "chưa có đảng viên",
            BlankKind::NoCell => "chưa có chi bộ",
            BlankKind::NoMemberNoCell => "chưa có đảng viên, chưa có chi bộ",
        }
    }
}

/// Coverage of a residential unit: `None` when members live there and a cell covers it.
pub fn blank_unit(members_living_there: u32, has_cell: bool) -> Option<BlankKind> {
    match (members_living_there > 0, has_cell) {
        (true, true) => None,
        (true, false) => Some(BlankKind::NoCell),
        (false, true) => Some(BlankKind::NoMember),
        (false, false) => Some(BlankKind::NoMemberNoCell),
    }
}

/// "Tái trắng": the unit was covered at the earlier observation and is blank now.
pub fn became_blank(before: Option<BlankKind>, now: Option<BlankKind>) -> bool {
    before.is_none() && now.is_some()
}

/// A residential unit belongs to a commune-level organisation (xã, phường, thị trấn, đặc khu) and its
/// covering cell, if any, is a cell (or that organisation itself when it is a grassroots cell).
pub fn check_residential_unit(
    grassroots: &OrgKind,
    cell: Option<&OrgKind>,
) -> Result<(), Violation> {
    let violation = |message_vi: String| Violation {
        rule_id: RESIDENTIAL_UNIT_RULE_ID.into(),
        citation: RESIDENTIAL_UNIT_CITATION.to_string(),
        message_vi,
    };
    if !grassroots
        .grassroots_kind()
        .is_some_and(GrassrootsKind::is_territorial)
    {
        return Err(violation(format!(
            "Thôn, tổ dân phố chỉ thuộc đảng bộ xã, phường, thị trấn, đặc khu; không thuộc {}.",
            grassroots.label()
        )));
    }
    match cell {
        None | Some(OrgKind::Cell(_)) => Ok(()),
        Some(k @ OrgKind::GrassrootsCell(_)) if k == grassroots => Ok(()),
        Some(other) => Err(violation(format!(
            "Thôn, tổ dân phố chỉ do một chi bộ phụ trách; {} không phải là chi bộ.",
            other.label()
        ))),
    }
}

/// An organisation id for the in-memory tree: an opaque number (the store's internal key).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct OrgId(pub u64);

impl fmt::Display for OrgId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// What an [`OrgTree`] operation refuses, with a Vietnamese message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
pub enum TreeError<Id: fmt::Display> {
    /// The id is already in the tree.
    #[error("Tổ chức {0} đã có trong cây tổ chức.")]
    Duplicate(Id),
    /// No organisation has this id.
    #[error("Không tìm thấy tổ chức {0}.")]
    Unknown(Id),
    /// The target is the node itself or one of its descendants.
    #[error(
        "Không thể chuyển tổ chức {node} vào {target}: {target} là chính nó hoặc là tổ chức cấp dưới của nó."
    )]
    Cycle {
        /// The node being moved (or merged).
        node: Id,
        /// The refused target.
        target: Id,
    },
    /// The organisation still has organisations under it.
    #[error("Tổ chức {0} còn tổ chức trực thuộc, không thể xóa.")]
    HasChildren(Id),
    /// A kind invariant ([`check_parent`], [`check_residential_unit`]).
    #[error("{}", .0.message_vi)]
    Rule(Violation),
}

impl<Id: fmt::Display> TreeError<Id> {
    /// The Vietnamese message a clerk reads.
    pub fn message_vi(&self) -> String {
        self.to_string()
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Node<Id> {
    kind: OrgKind,
    parent: Option<Id>,
    children: BTreeSet<Id>,
}

/// An in-memory organisation tree: kinds and parent links, every change checked by
/// [`check_parent`] and for cycles. It mirrors what the store does on its tables and closure table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrgTree<Id = OrgId> {
    nodes: BTreeMap<Id, Node<Id>>,
}

impl<Id: Ord + Clone + fmt::Display> Default for OrgTree<Id> {
    fn default() -> Self {
        OrgTree {
            nodes: BTreeMap::new(),
        }
    }
}

impl<Id: Ord + Clone + fmt::Display> OrgTree<Id> {
    /// An empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of organisations.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// No organisation at all.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// Is `id` in the tree?
    pub fn contains(&self, id: &Id) -> bool {
        self.nodes.contains_key(id)
    }

    /// All ids, in id order.
    pub fn ids(&self) -> impl Iterator<Item = &Id> {
        self.nodes.keys()
    }

    /// The kind of `id`.
    pub fn kind(&self, id: &Id) -> Option<&OrgKind> {
        self.nodes.get(id).map(|n| &n.kind)
    }

    /// The parent of `id` (`None` for a root or an unknown id).
    pub fn parent(&self, id: &Id) -> Option<&Id> {
        self.nodes.get(id).and_then(|n| n.parent.as_ref())
    }

    /// The direct children of `id`, in id order (empty for an unknown id).
    pub fn children(&self, id: &Id) -> Vec<Id> {
        self.nodes
            .get(id)
            .map(|n| n.children.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// The roots (provincial committees), in id order.
    pub fn roots(&self) -> Vec<Id> {
        self.nodes
            .iter()
            .filter(|(_, n)| n.parent.is_none())
            .map(|(id, _)| id.clone())
            .collect()
    }

    fn node(&self, id: &Id) -> Result<&Node<Id>, TreeError<Id>> {
        self.nodes
            .get(id)
            .ok_or_else(|| TreeError::Unknown(id.clone()))
    }

    /// Add an organisation under `parent` (`None`: a root).
    pub fn insert(
        &mut self,
        id: Id,
        kind: OrgKind,
        parent: Option<Id>,
    ) -> Result<(), TreeError<Id>> {
        if self.nodes.contains_key(&id) {
            return Err(TreeError::Duplicate(id));
        }
        let parent_kind = match &parent {
            Some(p) => Some(self.node(p)?.kind),
            None => None,
        };
        check_parent(&kind, parent_kind.as_ref()).map_err(TreeError::Rule)?;
        if let Some(p) = &parent
            && let Some(pn) = self.nodes.get_mut(p)
        {
            pn.children.insert(id.clone());
        }
        self.nodes.insert(
            id,
            Node {
                kind,
                parent,
                children: BTreeSet::new(),
            },
        );
        Ok(())
    }

    /// Remove an organisation with nothing under it; returns its kind. (The store keeps dissolved
    /// organisations for history; this is for the in-memory model.)
    pub fn remove(&mut self, id: &Id) -> Result<OrgKind, TreeError<Id>> {
        let node = self.node(id)?;
        if !node.children.is_empty() {
            return Err(TreeError::HasChildren(id.clone()));
        }
        let parent = node.parent.clone();
        if let Some(p) = parent
            && let Some(pn) = self.nodes.get_mut(&p)
        {
            pn.children.remove(id);
        }
        self.nodes
            .remove(id)
            .map(|n| n.kind)
            .ok_or_else(|| TreeError::Unknown(id.clone()))
    }

    /// Change the kind of `id` (a ward reclassified, a cell become a grassroots cell); the new kind
    /// must fit under its parent and every child must fit under it. Returns the old kind.
    pub fn set_kind(&mut self, id: &Id, kind: OrgKind) -> Result<OrgKind, TreeError<Id>> {
        let node = self.node(id)?;
        let parent_kind = match &node.parent {
            Some(p) => Some(self.node(p)?.kind),
            None => None,
        };
        check_parent(&kind, parent_kind.as_ref()).map_err(TreeError::Rule)?;
        for c in &node.children {
            check_parent(&self.node(c)?.kind, Some(&kind)).map_err(TreeError::Rule)?;
        }
        let node = self
            .nodes
            .get_mut(id)
            .ok_or_else(|| TreeError::Unknown(id.clone()))?;
        Ok(std::mem::replace(&mut node.kind, kind))
    }

    /// Is `ancestor` the node itself or one of its ancestors?
    pub fn is_ancestor_or_self(&self, ancestor: &Id, node: &Id) -> bool {
        node == ancestor || self.ancestors(node).iter().any(|a| a == ancestor)
    }

    /// Move `node` and everything under it to `new_parent`. Refused when `new_parent` is the node or
    /// one of its descendants, or when the node's kind may not sit under `new_parent`. Returns the
    /// old parent. Moving to the current parent changes nothing.
    pub fn move_subtree(
        &mut self,
        node: &Id,
        new_parent: &Id,
    ) -> Result<Option<Id>, TreeError<Id>> {
        let kind = self.node(node)?.kind;
        let parent_kind = self.node(new_parent)?.kind;
        if self.is_ancestor_or_self(node, new_parent) {
            return Err(TreeError::Cycle {
                node: node.clone(),
                target: new_parent.clone(),
            });
        }
        check_parent(&kind, Some(&parent_kind)).map_err(TreeError::Rule)?;
        let old = self.node(node)?.parent.clone();
        if old.as_ref() == Some(new_parent) {
            return Ok(old);
        }
        self.relink(node, old.as_ref(), new_parent);
        Ok(old)
    }

    fn relink(&mut self, node: &Id, old: Option<&Id>, new_parent: &Id) {
        if let Some(o) = old
            && let Some(on) = self.nodes.get_mut(o)
        {
            on.children.remove(node);
        }
        if let Some(pn) = self.nodes.get_mut(new_parent) {
            pn.children.insert(node.clone());
        }
        if let Some(n) = self.nodes.get_mut(node) {
            n.parent = Some(new_parent.clone());
        }
    }

    /// Merge `from` into `into`: every direct child of `from` moves under `into` (a commune merged
    /// into another in 2025 hands over its cells). All or nothing: if one child may not sit under
    /// `into`, nothing moves. `from` stays, empty (the store marks it dissolved and keeps its
    /// history). Returns the ids that moved, in id order.
    pub fn merge(&mut self, from: &Id, into: &Id) -> Result<Vec<Id>, TreeError<Id>> {
        let into_kind = self.node(into)?.kind;
        let children: Vec<Id> = self.node(from)?.children.iter().cloned().collect();
        if self.is_ancestor_or_self(from, into) {
            return Err(TreeError::Cycle {
                node: from.clone(),
                target: into.clone(),
            });
        }
        for c in &children {
            check_parent(&self.node(c)?.kind, Some(&into_kind)).map_err(TreeError::Rule)?;
        }
        for c in &children {
            self.relink(c, Some(from), into);
        }
        Ok(children)
    }

    /// The ancestors of `id`, nearest first (parent, grandparent, …, root); empty for a root or an
    /// unknown id.
    pub fn ancestors(&self, id: &Id) -> Vec<Id> {
        let mut out = Vec::new();
        let mut cur = self.parent(id);
        while let Some(p) = cur {
            // The invariants keep the tree acyclic; the bound guards against a corrupted one.
            if out.len() > self.nodes.len() {
                break;
            }
            out.push(p.clone());
            cur = self.parent(p);
        }
        out
    }

    /// Everything under `id` (not `id` itself), depth first, children in id order.
    pub fn descendants(&self, id: &Id) -> Vec<Id> {
        let mut out = self.subtree_ids(id);
        if !out.is_empty() {
            out.remove(0);
        }
        out
    }

    /// `id` and everything under it, depth first (`id` first); empty for an unknown id.
    pub fn subtree_ids(&self, id: &Id) -> Vec<Id> {
        let mut out = Vec::new();
        if !self.contains(id) {
            return out;
        }
        let mut stack = vec![id.clone()];
        while let Some(cur) = stack.pop() {
            if let Some(n) = self.nodes.get(&cur) {
                stack.extend(n.children.iter().rev().cloned());
            }
            out.push(cur);
            if out.len() > self.nodes.len() {
                break;
            }
        }
        out
    }

    /// Depth of `id`: 0 for a root.
    pub fn depth(&self, id: &Id) -> Option<u32> {
        self.contains(id)
            .then(|| u32::try_from(self.ancestors(id).len()).unwrap_or(u32::MAX))
    }

    /// The rows of the closure table: `(ancestor, descendant, depth)` for every node and each of its
    /// ancestors, including the node itself at depth 0; sorted by ancestor, then descendant.
    pub fn closure(&self) -> Vec<(Id, Id, u32)> {
        let mut rows = Vec::new();
        for id in self.nodes.keys() {
            rows.push((id.clone(), id.clone(), 0));
            for (i, a) in self.ancestors(id).into_iter().enumerate() {
                rows.push((a, id.clone(), u32::try_from(i + 1).unwrap_or(u32::MAX)));
            }
        }
        rows.sort();
        rows
    }

    /// The grassroots organisation `id` belongs to: itself if it is one, else the nearest grassroots
    /// ancestor (`None` above the grassroots level).
    pub fn grassroots_of(&self, id: &Id) -> Option<Id> {
        if self.kind(id)?.is_grassroots() {
            return Some(id.clone());
        }
        self.ancestors(id)
            .into_iter()
            .find(|a| self.kind(a).is_some_and(OrgKind::is_grassroots))
    }

    /// A residential unit's organisation and covering cell exist, have the right kinds
    /// ([`check_residential_unit`]) and the cell is inside that organisation.
    pub fn check_unit(&self, unit: &ResidentialUnit<Id>) -> Result<(), TreeError<Id>> {
        let g = self.node(&unit.grassroots)?.kind;
        let cell = match &unit.cell {
            Some(c) => Some((c, self.node(c)?.kind)),
            None => None,
        };
        check_residential_unit(&g, cell.as_ref().map(|(_, k)| k)).map_err(TreeError::Rule)?;
        if let Some((c, k)) = cell
            && !self.is_ancestor_or_self(&unit.grassroots, c)
        {
            return Err(TreeError::Rule(Violation {
                rule_id: RESIDENTIAL_UNIT_RULE_ID.into(),
                citation: RESIDENTIAL_UNIT_CITATION.to_string(),
                message_vi: format!(
                    "{} {c} không trực thuộc {} {} của {} {}.",
                    k.label(),
                    g.label(),
                    unit.grassroots,
                    unit.kind.label(),
                    unit.name
                ),
            }));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_unit_name_never_doubles_its_kind() {
        let k = ResidentialKind::Thon;
        assert_eq!(k.name_with_kind("Thôn 17"), "Thôn 17");
        assert_eq!(k.name_with_kind("thon 17"), "thon 17");
        let with = k.name_with_kind("17");
        assert!(
            with.ends_with(" 17") && crate::text::fold(&with).starts_with("thon"),
            "{with}"
        );
    }
    use crate::rules::RuleBook;
    use proptest::prelude::*;

    const COMMUNE: OrgKind = OrgKind::Grassroots(GrassrootsKind::Commune);
    const HAMLET_CELL: OrgKind = OrgKind::Cell(CellKind::Residential);

    fn rules() -> RuleSet {
        RuleBook::spec_default().latest().clone()
    }

    #[test]
    fn org_parent_the_kinds_nest_as_the_charter_arranges_them() {
        // Điều lệ Đảng Điều 10, 21–24; QĐ 29-QĐ/TW §19.3; two-level government since 1/7/2025.
        use OrgKind::*;
        let school = GrassrootsCell(GrassrootsKind::School);
        let police = Grassroots(GrassrootsKind::Police);
        let cases: &[(OrgKind, Option<OrgKind>, bool)] = &[
            (Provincial, None, true),
            (Provincial, Some(Provincial), false),
            (District, Some(Provincial), true),
            // The top of a smaller deployment (a district or a commune on its own).
            (District, None, true),
            (District, Some(District), false),
            (Bloc, Some(Provincial), true),
            (Bloc, Some(District), false),
            // A commune directly under the province (post-2025) and under a district (pre-2025).
            (COMMUNE, Some(Provincial), true),
            (COMMUNE, Some(District), true),
            (police, Some(Bloc), true),
            (COMMUNE, None, true),
            (Partial, None, false),
            (COMMUNE, Some(COMMUNE), false),
            (
                Grassroots(GrassrootsKind::SpecialZone),
                Some(Provincial),
                true,
            ),
            (school, Some(District), true),
            (school, Some(Provincial), true),
            (school, Some(COMMUNE), false),
            (Partial, Some(COMMUNE), true),
            (Partial, Some(school), false),
            (Partial, Some(Partial), false),
            (Partial, Some(District), false),
            (HAMLET_CELL, Some(COMMUNE), true),
            (HAMLET_CELL, Some(Partial), true),
            (HAMLET_CELL, Some(school), false),
            (HAMLET_CELL, Some(HAMLET_CELL), false),
            (HAMLET_CELL, Some(Provincial), false),
            (HAMLET_CELL, Some(District), false),
            (HAMLET_CELL, None, false),
        ];
        for (child, parent, ok) in cases {
            let r = check_parent(child, parent.as_ref());
            assert_eq!(r.is_ok(), *ok, "{child:?} under {parent:?}: {r:?}");
            if let Err(v) = r {
                assert_eq!(v.rule_id, "org.parent");
                assert!(v.citation.contains("Điều lệ Đảng"));
                assert!(!v.message_vi.is_empty());
            }
        }
    }

    #[test]
    fn a_refused_parent_is_explained_in_vietnamese() {
        let v = check_parent(&HAMLET_CELL, Some(&OrgKind::Provincial)).unwrap_err();
        assert_eq!(
            v.message_vi,
            "Chi bộ thôn, ấp, tổ dân phố không thể trực thuộc Tỉnh ủy: Chi bộ thôn, ấp, tổ dân phố \
             chỉ trực thuộc đảng ủy cơ sở hoặc đảng bộ bộ phận."
        );
    }

    #[test]
    fn kinds_have_vietnamese_labels_and_stable_codes() {
        assert_eq!(OrgKind::Provincial.label(), "Tỉnh ủy");
        assert_eq!(OrgKind::District.label(), "Huyện ủy");
        assert_eq!(OrgKind::Bloc.label(), "Đảng ủy khối");
        assert_eq!(COMMUNE.label(), "Đảng ủy xã");
        assert_eq!(
            OrgKind::Grassroots(GrassrootsKind::Ward).label(),
            "Đảng ủy phường"
        );
        assert_eq!(
            OrgKind::Grassroots(GrassrootsKind::Enterprise).label(),
            "Đảng ủy cơ sở doanh nghiệp"
        );
        assert_eq!(
            OrgKind::GrassrootsCell(GrassrootsKind::School).label(),
            "Chi bộ cơ sở trường học"
        );
        assert_eq!(
            OrgKind::GrassrootsCell(GrassrootsKind::Other).label(),
            "Chi bộ cơ sở"
        );
        assert_eq!(OrgKind::Partial.label(), "Đảng bộ bộ phận");
        assert_eq!(HAMLET_CELL.label(), "Chi bộ thôn, ấp, tổ dân phố");
        assert_eq!(OrgKind::Cell(CellKind::Other).label(), "Chi bộ");
        let all = OrgKind::all();
        assert_eq!(all.len(), 3 + 11 + 11 + 1 + 8);
        for k in &all {
            assert_eq!(OrgKind::from_code(&k.code()), Some(*k));
        }
        assert_eq!(
            OrgKind::from_code("grassroots_cell:school"),
            Some(OrgKind::GrassrootsCell(GrassrootsKind::School))
        );
        assert_eq!(OrgKind::from_code("nope"), None);
    }

    #[test]
    fn a_grassroots_cell_skips_the_grassroots_committee_vote_and_a_cell_does_not() {
        let gc = OrgKind::GrassrootsCell(GrassrootsKind::Agency);
        assert!(gc.skips_grassroots_vote() && gc.is_cell() && gc.is_grassroots());
        assert!(
            !HAMLET_CELL.skips_grassroots_vote()
                && HAMLET_CELL.is_cell()
                && !HAMLET_CELL.is_grassroots()
        );
        assert!(!COMMUNE.skips_grassroots_vote() && !COMMUNE.is_cell() && COMMUNE.is_grassroots());
    }

    #[test]
    fn cell_committee_threshold_a_cell_of_nine_official_members_needs_a_chi_uy() {
        // Điều lệ Đảng Điều 24.4: từ 9 đảng viên chính thức trở lên bầu chi ủy.
        let r = rules();
        assert_eq!(
            cell_committee_status(9, false, &r),
            CellCommitteeStatus::Missing
        );
        assert_eq!(
            cell_committee_status(12, true, &r),
            CellCommitteeStatus::Elected
        );
        assert_eq!(
            cell_committee_status(8, false, &r),
            CellCommitteeStatus::NotRequired
        );
        assert_eq!(
            cell_committee_status(8, true, &r),
            CellCommitteeStatus::BelowThreshold
        );
        let v = cell_committee_violation(9, false, &r).unwrap();
        assert_eq!(v.rule_id, "cell.committee_threshold");
        assert!(v.citation.contains("Điều 24.4"));
        assert_eq!(
            v.message_vi,
            "Chi bộ có 9 đảng viên chính thức (từ 9 trở lên) nhưng chưa bầu chi ủy."
        );
        assert_eq!(cell_committee_violation(8, false, &r), None);
        assert_eq!(cell_committee_violation(10, true, &r), None);
    }

    #[test]
    fn cell_committee_max_a_chi_uy_has_at_most_seven_members() {
        // Điều lệ Đảng Điều 24.4: chi ủy không quá 7 thành viên.
        let r = rules();
        assert!(check_cell_committee_size(7, &r).is_ok());
        let v = check_cell_committee_size(8, &r).unwrap_err();
        assert_eq!(v.rule_id, "cell.committee_max");
        assert_eq!(
            v.message_vi,
            "Chi ủy có 8 thành viên, vượt quá 7 thành viên."
        );
    }

    #[test]
    fn a_unit_without_a_member_or_a_cell_is_blank() {
        // plans-and-reports.md: "tái trắng" — a hamlet again with no member or no cell.
        assert_eq!(blank_unit(3, true), None);
        assert_eq!(blank_unit(3, false), Some(BlankKind::NoCell));
        assert_eq!(blank_unit(0, true), Some(BlankKind::NoMember));
        assert_eq!(blank_unit(0, false), Some(BlankKind::NoMemberNoCell));
        assert!(became_blank(None, Some(BlankKind::NoMember)));
        assert!(!became_blank(
            Some(BlankKind::NoCell),
            Some(BlankKind::NoCell)
        ));
        assert!(!became_blank(Some(BlankKind::NoCell), None));
        let unit = ResidentialUnit {
            kind: ResidentialKind::Thon,
            name: "Thôn 3".into(),
            grassroots: OrgId(2),
            cell: None,
        };
        assert_eq!(unit.coverage(2), Some(BlankKind::NoCell));
        assert_eq!(
            BlankKind::NoMemberNoCell.label(),
            "chưa có đảng viên, chưa có chi bộ"
        );
    }

    #[test]
    fn residential_kinds_read_their_vietnamese_names() {
        assert_eq!(
            ResidentialKind::from_label("Tổ dân phố"),
            Some(ResidentialKind::ToDanPho)
        );
        assert_eq!(ResidentialKind::from_label("ấp"), Some(ResidentialKind::Ap));
        assert_eq!(
            ResidentialKind::from_label("plơi"),
            Some(ResidentialKind::Plei)
        );
        assert_eq!(ResidentialKind::from_label("tỉnh"), None);
        assert!(ResidentialKind::Khom.is_urban() && !ResidentialKind::Buon.is_urban());
        for k in ResidentialKind::ALL {
            assert_eq!(ResidentialKind::from_label(k.title()), Some(k));
        }
    }

    #[test]
    fn org_residential_unit_a_hamlet_belongs_to_a_commune_and_its_cell_is_inside() {
        let mut t = OrgTree::new();
        t.insert(OrgId(1), OrgKind::Provincial, None).unwrap();
        t.insert(OrgId(2), COMMUNE, Some(OrgId(1))).unwrap();
        t.insert(OrgId(3), HAMLET_CELL, Some(OrgId(2))).unwrap();
        t.insert(OrgId(4), COMMUNE, Some(OrgId(1))).unwrap();
        t.insert(OrgId(5), HAMLET_CELL, Some(OrgId(4))).unwrap();
        t.insert(
            OrgId(6),
            OrgKind::Grassroots(GrassrootsKind::School),
            Some(OrgId(1)),
        )
        .unwrap();
        let mut unit = ResidentialUnit {
            kind: ResidentialKind::Thon,
            name: "Thôn 3".into(),
            grassroots: OrgId(2),
            cell: Some(OrgId(3)),
        };
        assert_eq!(t.check_unit(&unit), Ok(()));
        unit.cell = Some(OrgId(5));
        let e = t.check_unit(&unit).unwrap_err();
        assert!(
            matches!(&e, TreeError::Rule(v) if v.rule_id == "org.residential_unit"),
            "{e:?}"
        );
        unit.cell = Some(OrgId(4));
        assert!(t.check_unit(&unit).is_err());
        unit.grassroots = OrgId(6);
        unit.cell = None;
        assert!(t.check_unit(&unit).is_err());
        let gc = OrgKind::GrassrootsCell(GrassrootsKind::Commune);
        assert!(check_residential_unit(&gc, Some(&gc)).is_ok());
    }

    /// Province 1 › District 2 › Commune 3 › {Partial 4 › Cell 5, Cell 6}; Commune 7 › Cell 8.
    fn pre_2025() -> OrgTree {
        let mut t = OrgTree::new();
        t.insert(OrgId(1), OrgKind::Provincial, None).unwrap();
        t.insert(OrgId(2), OrgKind::District, Some(OrgId(1)))
            .unwrap();
        t.insert(OrgId(3), COMMUNE, Some(OrgId(2))).unwrap();
        t.insert(OrgId(4), OrgKind::Partial, Some(OrgId(3)))
            .unwrap();
        t.insert(OrgId(5), HAMLET_CELL, Some(OrgId(4))).unwrap();
        t.insert(OrgId(6), HAMLET_CELL, Some(OrgId(3))).unwrap();
        t.insert(OrgId(7), COMMUNE, Some(OrgId(2))).unwrap();
        t.insert(OrgId(8), HAMLET_CELL, Some(OrgId(7))).unwrap();
        t
    }

    #[test]
    fn the_tree_answers_ancestors_descendants_depth_and_closure() {
        let t = pre_2025();
        assert_eq!(
            t.ancestors(&OrgId(5)),
            vec![OrgId(4), OrgId(3), OrgId(2), OrgId(1)]
        );
        assert_eq!(t.descendants(&OrgId(3)), vec![OrgId(4), OrgId(5), OrgId(6)]);
        assert_eq!(
            t.subtree_ids(&OrgId(3)),
            vec![OrgId(3), OrgId(4), OrgId(5), OrgId(6)]
        );
        assert_eq!(t.depth(&OrgId(1)), Some(0));
        assert_eq!(t.depth(&OrgId(5)), Some(4));
        assert_eq!(t.depth(&OrgId(99)), None);
        assert_eq!(t.grassroots_of(&OrgId(5)), Some(OrgId(3)));
        assert_eq!(t.grassroots_of(&OrgId(2)), None);
        let closure = t.closure();
        assert_eq!(closure.len(), 1 + 2 + 3 + 4 + 5 + 4 + 3 + 4);
        assert!(closure.contains(&(OrgId(1), OrgId(5), 4)));
        assert!(closure.contains(&(OrgId(5), OrgId(5), 0)));
    }

    #[test]
    fn the_2025_reorganisation_moves_communes_under_the_province_and_merges_them() {
        let mut t = pre_2025();
        // District level dissolved: communes go directly under the province.
        assert_eq!(t.move_subtree(&OrgId(3), &OrgId(1)), Ok(Some(OrgId(2))));
        assert_eq!(t.move_subtree(&OrgId(7), &OrgId(1)), Ok(Some(OrgId(2))));
        assert_eq!(t.depth(&OrgId(5)), Some(3));
        assert!(t.closure().contains(&(OrgId(1), OrgId(5), 3)));
        assert!(
            !t.closure()
                .iter()
                .any(|(a, d, _)| *a == OrgId(2) && *d != OrgId(2))
        );
        assert_eq!(t.remove(&OrgId(2)), Ok(OrgKind::District));
        // Commune 7 merged into commune 3: its cells move.
        assert_eq!(t.merge(&OrgId(7), &OrgId(3)), Ok(vec![OrgId(8)]));
        assert_eq!(t.parent(&OrgId(8)), Some(&OrgId(3)));
        assert!(t.children(&OrgId(7)).is_empty());
        assert_eq!(t.ancestors(&OrgId(8)), vec![OrgId(3), OrgId(1)]);
    }

    #[test]
    fn a_move_under_its_own_descendant_is_refused() {
        let mut t = pre_2025();
        let before = t.clone();
        assert_eq!(
            t.move_subtree(&OrgId(3), &OrgId(5)),
            Err(TreeError::Cycle {
                node: OrgId(3),
                target: OrgId(5)
            })
        );
        assert_eq!(
            t.move_subtree(&OrgId(3), &OrgId(3)),
            Err(TreeError::Cycle {
                node: OrgId(3),
                target: OrgId(3)
            })
        );
        assert!(matches!(
            t.merge(&OrgId(3), &OrgId(4)),
            Err(TreeError::Cycle { .. })
        ));
        assert_eq!(t, before);
        let e = t.move_subtree(&OrgId(3), &OrgId(3)).unwrap_err();
        assert_eq!(
            e.message_vi(),
            "Không thể chuyển tổ chức #3 vào #3: #3 là chính nó hoặc là tổ chức cấp dưới của nó."
        );
    }

    #[test]
    fn a_wrong_kind_move_or_merge_changes_nothing() {
        let mut t = pre_2025();
        let before = t.clone();
        // A cell cannot sit under a district; a commune cannot sit under a commune.
        assert!(matches!(
            t.move_subtree(&OrgId(6), &OrgId(2)),
            Err(TreeError::Rule(_))
        ));
        assert!(matches!(
            t.move_subtree(&OrgId(7), &OrgId(3)),
            Err(TreeError::Rule(_))
        ));
        // Merging commune 3 into partial 4's sibling cell is refused whole (partial 4 cannot go under a cell).
        assert!(t.merge(&OrgId(3), &OrgId(8)).is_err());
        assert!(matches!(
            t.insert(OrgId(1), OrgKind::Provincial, None),
            Err(TreeError::Duplicate(_))
        ));
        assert!(matches!(
            t.insert(OrgId(9), HAMLET_CELL, Some(OrgId(99))),
            Err(TreeError::Unknown(_))
        ));
        assert!(matches!(
            t.remove(&OrgId(3)),
            Err(TreeError::HasChildren(_))
        ));
        assert!(
            t.set_kind(&OrgId(3), OrgKind::GrassrootsCell(GrassrootsKind::Commune))
                .is_err()
        );
        assert_eq!(t, before);
        assert_eq!(
            t.set_kind(&OrgId(7), OrgKind::Grassroots(GrassrootsKind::Ward)),
            Ok(COMMUNE)
        );
    }

    fn kinds() -> Vec<OrgKind> {
        vec![
            OrgKind::Provincial,
            OrgKind::District,
            OrgKind::Bloc,
            COMMUNE,
            OrgKind::Grassroots(GrassrootsKind::Enterprise),
            OrgKind::GrassrootsCell(GrassrootsKind::School),
            OrgKind::Partial,
            HAMLET_CELL,
            OrgKind::Cell(CellKind::Police),
        ]
    }

    fn assert_consistent(t: &OrgTree<u32>) {
        let mut expected = Vec::new();
        let mut sizes = 0;
        for id in t.ids() {
            let anc = t.ancestors(id);
            assert_eq!(t.depth(id), Some(anc.len() as u32));
            expected.push((*id, *id, 0));
            for (i, a) in anc.iter().enumerate() {
                expected.push((*a, *id, i as u32 + 1));
                assert!(t.descendants(a).contains(id));
            }
            let parent_kind = t.parent(id).and_then(|p| t.kind(p));
            assert!(check_parent(t.kind(id).unwrap(), parent_kind).is_ok());
            for c in t.children(id) {
                assert_eq!(t.parent(&c), Some(id));
            }
            sizes += anc.len() + 1;
        }
        expected.sort();
        let closure = t.closure();
        assert_eq!(closure.len(), sizes);
        assert_eq!(closure, expected);
    }

    proptest! {
        #[test]
        fn random_inserts_moves_and_merges_keep_the_closure_consistent(
            ops in proptest::collection::vec((0u8..4, 0usize..9, 0usize..64, 0usize..64), 1..120)
        ) {
            let kinds = kinds();
            let mut t: OrgTree<u32> = OrgTree::new();
            t.insert(0, OrgKind::Provincial, None).unwrap();
            let mut next = 1u32;
            for (op, k, a, b) in ops {
                let ids: Vec<u32> = t.ids().copied().collect();
                let pick = |i: usize| ids[i % ids.len()];
                let before = t.clone();
                let result = match op {
                    0 | 1 => {
                        let r = t.insert(next, kinds[k], Some(pick(a))).map(|_| ());
                        next += 1;
                        r
                    }
                    2 => {
                        let (node, target) = (pick(a), pick(b));
                        let under_itself = t.is_ancestor_or_self(&node, &target);
                        let r = t.move_subtree(&node, &target).map(|_| ());
                        if under_itself {
                            let is_cycle = matches!(r, Err(TreeError::Cycle { .. }));
                            prop_assert!(is_cycle, "expected a cycle error, got {:?}", r);
                        }
                        r
                    }
                    _ => t.merge(&pick(a), &pick(b)).map(|_| ()),
                };
                if result.is_err() {
                    prop_assert_eq!(&t, &before);
                }
                assert_consistent(&t);
            }
        }
    }
}

#[cfg(test)]
mod sector_tests {
    use super::*;
    use crate::person::SourceCategory;

    /// reference-data.md: the sectors of cells and the source categories the seeds name.
    #[test]
    fn cells_have_the_sectors_of_the_reference_list_and_residents_are_a_source_category() {
        assert_eq!(
            Sector::of(&OrgKind::Cell(CellKind::School)),
            Some(Sector::PublicService)
        );
        assert_eq!(
            Sector::of(&OrgKind::Cell(CellKind::Health)),
            Some(Sector::PublicService)
        );
        assert_eq!(
            Sector::of(&OrgKind::Cell(CellKind::Residential)),
            Some(Sector::Residential)
        );
        assert_eq!(
            Sector::of(&OrgKind::GrassrootsCell(GrassrootsKind::Ward)),
            Some(Sector::Residential)
        );
        assert_eq!(
            Sector::of(&OrgKind::GrassrootsCell(GrassrootsKind::Enterprise)),
            Some(Sector::Enterprise)
        );
        assert_eq!(
            Sector::of(&OrgKind::Grassroots(GrassrootsKind::Commune)),
            None
        );
        for k in CellKind::ALL {
            assert!(Sector::of(&OrgKind::Cell(k)).is_some());
        }
        assert_eq!(
            SourceCategory::parse("Quần chúng ở khu dân cư"),
            Ok(SourceCategory::Resident)
        );
        assert_eq!(
            SourceCategory::parse("resident"),
            Ok(SourceCategory::Resident)
        );
        assert_eq!(
            SourceCategory::parse("Người dân"),
            Ok(SourceCategory::Resident)
        );
    }
}

//! The one deterministic generator behind `ketnap demo` (and `serve --demo`): a **fictional**
//! district filled through the real write paths, so every page and report has something true to
//! show. The national data set later is the same code at a larger [`DemoSize`].
//!
//! What it writes, into an empty database only ([`generate`] refuses any other):
//! - one provincial committee (Tỉnh ủy Trường Giang, a province that does not exist) and one
//!   district committee (Huyện ủy Hòa Lâm) under it;
//! - grassroots organisations of mixed kinds, in a fixed rotation: communes with hamlet cells and
//!   residential units (one highland commune with an education exception, one with many Catholic
//!   families, some with a blank unit), a township with residential groups, a high school that is
//!   a grassroots cell, a garment company with two partial committees and a trade union instead
//!   of the Youth Union, the district police (one partial committee, authorised to admit), the
//!   military command, the health centre, district agencies and a brick company;
//! - the roster: people with names combined from lists of common family, middle and given names
//!   (no real person's data), realistic ages, ethnicities, religions, education and admission
//!   dates; mostly official members, a few who left this year;
//! - mass organisations beside each grassroots organisation, and their introductions;
//! - candidacies spread over every stage and every terminal state, each driven step by step
//!   through [`candidacies::open`] and [`candidacies::execute`] with realistic dates, so events,
//!   counters, roster changes and audit rows are all real; mentors and monthly notes (some months
//!   missing); some overdue items (ceremony and recognition windows, late decisions, stalled
//!   verifications, expiring certificates);
//! - start-of-year membership snapshots (this year and last), plans for this year and the
//!   2025–2030 term for every organisation ([`ketnap_domain::plan::suggest`]);
//! - who holds the key local positions of each residential unit (hamlet head, front and union
//!   heads, militia and security leaders): mostly members living there, some non-members;
//! - one demo account per role, with the password hash the caller passes; one of them holds two
//!   roles (the committee member in charge, `phutrach`, also mentors candidates in one of their
//!   cells), so the role switch has someone to show.
//!
//! Deterministic: one ChaCha8 generator seeded from `seed` draws every choice in a fixed order,
//! public ids come from it ([`PubId::from_u64`]), and every instant is the start of `today` in
//! Vietnam (never after the wall clock): the same seed, size and `today` give the same data, on
//! either engine. One exception for now: the candidacy write path draws its own random public ids
//! (the candidacy, the member a ceremony adds, mentor notes, introductions), so those ids differ
//! between runs while every other value is equal. One transaction per grassroots
//! organisation, one for the top and one each for snapshots, plans, users and key positions.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use jiff::civil::Date;
use ketnap_domain::RuleBook;
use ketnap_domain::dates::{add_months, format_vn};
use ketnap_domain::lifecycle::{
    Action, AnnulTarget, Authority, CertIssuer, Command, CommitteeTally, EducationException,
    MemberFacts, Relation, Stage, Tally, UnionKind, VerificationOutcome,
};
use ketnap_domain::org::{CellKind, GrassrootsKind, OrgKind, ResidentialKind};
use ketnap_domain::person::{
    BirthDate, Education, Ethnicity, FullName, Gender, Person, Qualification, Religion,
    SourceCategory, TheoryLevel, UnitRef,
};
use ketnap_domain::plan::{self, Period, Plan, SubGroup, SubTarget};
use rand::rngs::ChaCha8Rng;
use rand::{Rng as _, SeedableRng};
use serde::Serialize;

use crate::candidacies::{self, CandidateExtras};
use crate::members::{self, MemberStatus, NewMember};
use crate::orgs::{self, NewOrg};
use crate::units::{self, MassOrgKind, NewMassOrg, NewResidentialUnit};
use crate::{
    PubId, Result, Role, Scope, Store, StoreError, Tx, WriteCtx, ops, people, plans, users,
};

// ---------------------------------------------------------------------------------------------
// Size, accounts, report
// ---------------------------------------------------------------------------------------------

/// How big a district to generate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct DemoSize {
    /// Grassroots organisations (the kinds rotate; 20 covers every kind once or more).
    pub grassroots: u32,
    /// Cells in all (about; each grassroots committee gets its share).
    pub cells: u32,
    /// Members on the roster before the candidacies add theirs (about).
    pub members: u32,
    /// Candidacies.
    pub candidacies: u32,
}

impl DemoSize {
    /// The standard district: 20 grassroots organisations, ~300 cells, ~6,000 members, ~1,200
    /// candidacies.
    pub const STANDARD: DemoSize = DemoSize {
        grassroots: 20,
        cells: 300,
        members: 6000,
        candidacies: 1200,
    };

    /// The standard district times `scale` (0.05 for a quick test, 1 for the demo), never below
    /// what it takes to show every kind of organisation that matters and every stage: 6
    /// grassroots organisations, 2 cells each, 6 members a cell, 60 candidacies.
    pub fn scaled(scale: f64) -> DemoSize {
        let scale = if scale.is_finite() && scale > 0.0 {
            scale
        } else {
            1.0
        };
        let s = |n: u32, min: u32| -> u32 {
            let v = (f64::from(n) * scale).round();
            let v = if v >= f64::from(u32::MAX) {
                u32::MAX
            } else {
                v as u32
            };
            v.max(min)
        };
        let grassroots = s(20, 6);
        let cells = s(300, grassroots.saturating_mul(2));
        DemoSize {
            grassroots,
            cells,
            members: s(6000, cells.saturating_mul(6)),
            candidacies: s(1200, 60),
        }
    }
}

/// The demo accounts' password, hashed by the caller (the web layer's hasher).
#[derive(Clone)]
pub struct DemoUsers {
    /// The PHC string every demo account gets.
    pub password_hash: String,
}

impl fmt::Debug for DemoUsers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DemoUsers").finish_non_exhaustive()
    }
}

/// A demo account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DemoAccount {
    /// Login name.
    pub username: String,
    /// Role.
    pub role: Role,
    /// What it reaches (organisation names).
    pub orgs: Vec<String>,
}

/// What [`generate`] wrote.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct DemoReport {
    /// The seed used.
    pub seed: u64,
    /// The date the data is "as of".
    pub today: Option<Date>,
    /// Organisations (all kinds).
    pub orgs: u64,
    /// Grassroots organisations.
    pub grassroots: u64,
    /// Partial committees.
    pub partials: u64,
    /// Cells (chi bộ, grassroots cells included).
    pub cells: u64,
    /// Residential units.
    pub residential_units: u64,
    /// Mass organisations.
    pub mass_orgs: u64,
    /// People (members and candidates).
    pub people: u64,
    /// Official members now on the roster.
    pub official: u64,
    /// Probationary members now on the roster.
    pub probationary: u64,
    /// Candidacies by stage.
    pub by_stage: BTreeMap<Stage, u64>,
    /// Candidacy events.
    pub events: u64,
    /// Mentor notes.
    pub mentor_notes: u64,
    /// Mass-organisation introductions.
    pub introductions: u64,
    /// Plans.
    pub plans: u64,
    /// Audit rows.
    pub audit_rows: u64,
    /// The demo accounts.
    pub accounts: Vec<DemoAccount>,
}

impl DemoReport {
    /// Candidacies in all.
    pub fn candidacies(&self) -> u64 {
        self.by_stage.values().sum()
    }
}

impl fmt::Display for DemoReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "Dữ liệu mẫu (hư cấu) — hạt giống {}, tính đến ngày {}",
            self.seed,
            self.today.map_or_else(String::new, format_vn)
        )?;
        writeln!(
            f,
            "  Tổ chức đảng: {} (cơ sở {}, bộ phận {}, chi bộ {})",
            self.orgs, self.grassroots, self.partials, self.cells
        )?;
        writeln!(
            f,
            "  Thôn, tổ dân phố: {}; tổ chức đoàn thể: {}; giới thiệu của đoàn thể: {}",
            self.residential_units, self.mass_orgs, self.introductions
        )?;
        writeln!(
            f,
            "  Người: {}; đảng viên chính thức {}, dự bị {}",
            self.people, self.official, self.probationary
        )?;
        writeln!(
            f,
            "  Hồ sơ phát triển đảng viên: {} ({} bước, {} nhận xét hằng tháng)",
            self.candidacies(),
            self.events,
            self.mentor_notes
        )?;
        for (stage, n) in &self.by_stage {
            writeln!(f, "    {:<32} {n}", stage.label_vi())?;
        }
        writeln!(
            f,
            "  Kế hoạch: {}; dòng nhật ký: {}",
            self.plans, self.audit_rows
        )?;
        writeln!(f, "  Tài khoản mẫu (cùng một mật khẩu):")?;
        for a in &self.accounts {
            writeln!(
                f,
                "    {:<16} {:<30} {}",
                a.username,
                a.role.label_vi(),
                a.orgs.join("; ")
            )?;
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// The seeded generator
// ---------------------------------------------------------------------------------------------

struct Gen {
    rng: ChaCha8Rng,
    /// Record each candidacy's history one `execute` at a time instead of with `execute_many`
    /// ([`generate_step_by_step`]).
    step_by_step: bool,
}

impl Gen {
    fn new(seed: u64) -> Gen {
        Gen {
            rng: ChaCha8Rng::seed_from_u64(seed),
            step_by_step: false,
        }
    }

    fn u64(&mut self) -> u64 {
        self.rng.next_u64()
    }

    /// Uniform in `0..n` (0 when `n` is 0).
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        let span = (hi - lo) as u64 + 1;
        lo + self.below(span) as i64
    }

    /// Uniform in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        (self.u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// True with probability `p`.
    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len() as u64) as usize]
    }

    fn weighted<'a, T>(&mut self, xs: &'a [(T, u32)]) -> &'a T {
        let total: u64 = xs.iter().map(|(_, w)| u64::from(*w)).sum();
        let mut r = self.below(total);
        for (x, w) in xs {
            if r < u64::from(*w) {
                return x;
            }
            r -= u64::from(*w);
        }
        &xs[xs.len() - 1].0
    }

    fn pub_id(&mut self) -> PubId {
        PubId::from_u64(self.u64())
    }

    fn shuffle<T>(&mut self, xs: &mut [T]) {
        for i in (1..xs.len()).rev() {
            let j = self.below(i as u64 + 1) as usize;
            xs.swap(i, j);
        }
    }
}

fn add_days(d: Date, n: i64) -> Date {
    jiff::Span::new()
        .try_days(n)
        .ok()
        .and_then(|s| d.checked_add(s).ok())
        .unwrap_or(d)
}

fn months_before(d: Date, n: i64) -> Date {
    jiff::Span::new()
        .try_months(n)
        .ok()
        .and_then(|s| d.checked_sub(s).ok())
        .unwrap_or(d)
}

fn days_between(a: Date, b: Date) -> i64 {
    a.until(b).map_or(0, |s| i64::from(s.get_days()))
}

fn years_before(d: Date, years: i64, extra_days: i64) -> Date {
    let y = i16::try_from(i64::from(d.year()) - years).unwrap_or(1950);
    let base = Date::new(y, d.month(), d.day().min(28)).unwrap_or(d);
    add_days(base, -extra_days)
}

fn bad(what: &str) -> impl Fn(ketnap_domain::person::PersonError) -> StoreError + '_ {
    move |e| StoreError::Corrupt(format!("demo {what}: {e:?}"))
}

// ---------------------------------------------------------------------------------------------
// Names (combinations of common names: no real person's data)
// ---------------------------------------------------------------------------------------------

const FAMILY_KINH: &[(&str, u32)] = &[
    ("Nguyễn", 380),
    ("Trần", 110),
    ("Lê", 95),
    ("Phạm", 70),
    ("Hoàng", 50),
    ("Phan", 45),
    ("Vũ", 40),
    ("Võ", 25),
    ("Đặng", 21),
    ("Bùi", 20),
    ("Đỗ", 14),
    ("Hồ", 13),
    ("Ngô", 13),
    ("Dương", 10),
    ("Lý", 5),
    ("Đinh", 8),
    ("Đào", 7),
    ("Trịnh", 6),
    ("Lương", 5),
    ("Mai", 5),
    ("Cao", 5),
    ("Tạ", 3),
    ("Lưu", 3),
    ("Hà", 5),
    ("Chu", 3),
    ("Kiều", 2),
    ("Quách", 2),
    ("Tô", 3),
    ("Triệu", 2),
    ("Thái", 2),
];
const FAMILY_TAY_NUNG: &[(&str, u32)] = &[
    ("Hoàng", 30),
    ("Nông", 25),
    ("Lục", 10),
    ("Ma", 8),
    ("Hà", 8),
    ("Lương", 6),
    ("Vi", 6),
    ("Lý", 5),
    ("Triệu", 4),
];
const FAMILY_MUONG: &[(&str, u32)] = &[
    ("Bùi", 40),
    ("Đinh", 25),
    ("Quách", 10),
    ("Hà", 10),
    ("Xa", 5),
];
const FAMILY_THAI: &[(&str, u32)] = &[
    ("Lò", 30),
    ("Lường", 20),
    ("Cầm", 15),
    ("Vi", 10),
    ("Hà", 10),
];
const FAMILY_HMONG: &[(&str, u32)] = &[
    ("Giàng", 30),
    ("Sùng", 20),
    ("Vàng", 20),
    ("Thào", 15),
    ("Mùa", 10),
    ("Lầu", 8),
];
const FAMILY_DAO: &[(&str, u32)] = &[
    ("Triệu", 35),
    ("Bàn", 25),
    ("Đặng", 20),
    ("Lý", 10),
    ("Phùng", 8),
];
const FAMILY_HOA: &[(&str, u32)] = &[
    ("Lý", 20),
    ("Trương", 20),
    ("Hứa", 15),
    ("Quách", 10),
    ("Lâm", 15),
];
const MIDDLE_MALE: &[&str] = &[
    "Văn", "Văn", "Văn", "Hữu", "Đức", "Công", "Quang", "Minh", "Thành", "Ngọc", "Xuân", "Đình",
    "Trọng", "Bá", "Quốc", "Tiến", "Thanh", "Hoàng", "Duy", "Gia", "Tuấn", "Mạnh", "Việt",
];
const MIDDLE_FEMALE: &[&str] = &[
    "Thị", "Thị", "Thị", "Thị", "Ngọc", "Thu", "Thanh", "Minh", "Thùy", "Phương", "Hồng", "Kim",
    "Mai", "Bích", "Khánh", "Hoài", "Diệu", "Quỳnh", "Bảo", "Hải", "Lan",
];
const SECOND_MIDDLE_FEMALE: &[&str] = &["Thu", "Thanh", "Ngọc", "Minh", "Hồng", "Kim", "Phương"];
const GIVEN_MALE: &[&str] = &[
    "An", "Bình", "Cường", "Dũng", "Đạt", "Đức", "Hải", "Hiếu", "Hoàng", "Hùng", "Huy", "Khang",
    "Khánh", "Kiên", "Lâm", "Long", "Mạnh", "Minh", "Nam", "Nghĩa", "Phong", "Phúc", "Quang",
    "Quân", "Sơn", "Tài", "Thắng", "Thành", "Thịnh", "Toàn", "Trung", "Tuấn", "Tùng", "Vinh",
    "Việt", "Hưng", "Lộc", "Tâm", "Tiến", "Trí", "Hòa", "Bảo", "Khoa", "Duy", "Hậu", "Chiến",
    "Thái", "Tú", "Vượng", "Lực",
];
const GIVEN_FEMALE: &[&str] = &[
    "Anh", "Ánh", "Chi", "Diệp", "Dung", "Duyên", "Giang", "Hà", "Hạnh", "Hằng", "Hiền", "Hoa",
    "Hồng", "Huệ", "Hương", "Lan", "Liên", "Linh", "Loan", "Mai", "My", "Nga", "Ngân", "Ngọc",
    "Nhung", "Oanh", "Phương", "Quỳnh", "Tâm", "Thảo", "Thủy", "Trang", "Trinh", "Tuyết", "Uyên",
    "Vân", "Yến", "Thu", "Lý", "Nhàn", "Thơm", "Xuân",
];
const GIVEN_HMONG_MALE: &[&str] = &[
    "Páo", "Sử", "Dơ", "Chứ", "Pó", "Súa", "Dế", "Chở", "Lử", "Tủa",
];
const GIVEN_HMONG_FEMALE: &[&str] = &["Mai", "Dở", "Sua", "Mỷ", "Pằng", "Chá", "Dợ", "Lan"];

/// The ethnic groups of the district, by code: 01 Kinh, 02 Tày, 03 Thái, 04 Hoa, 06 Mường,
/// 07 Nùng, 08 HMông, 09 Dao.
const ETHNIC_LOWLAND: &[(u8, u32)] = &[
    (1, 930),
    (2, 20),
    (6, 18),
    (7, 10),
    (3, 8),
    (4, 6),
    (9, 5),
    (8, 3),
];
const ETHNIC_HIGHLAND: &[(u8, u32)] = &[
    (1, 380),
    (2, 160),
    (9, 130),
    (8, 120),
    (6, 80),
    (3, 60),
    (7, 70),
];

fn full_name(g: &mut Gen, gender: Gender, ethnicity: u8) -> String {
    let female = gender == Gender::Female;
    let family = match ethnicity {
        2 | 7 => *g.weighted(FAMILY_TAY_NUNG),
        3 => *g.weighted(FAMILY_THAI),
        4 => *g.weighted(FAMILY_HOA),
        6 => *g.weighted(FAMILY_MUONG),
        8 => *g.weighted(FAMILY_HMONG),
        9 => *g.weighted(FAMILY_DAO),
        _ => *g.weighted(FAMILY_KINH),
    };
    if ethnicity == 8 {
        let (middle, given) = if female {
            ("Thị", *g.pick(GIVEN_HMONG_FEMALE))
        } else {
            ("A", *g.pick(GIVEN_HMONG_MALE))
        };
        return format!("{family} {middle} {given}");
    }
    let (middle, given) = if female {
        (*g.pick(MIDDLE_FEMALE), *g.pick(GIVEN_FEMALE))
    } else {
        (*g.pick(MIDDLE_MALE), *g.pick(GIVEN_MALE))
    };
    if female && middle == "Thị" && g.chance(0.25) {
        let second = *g.pick(SECOND_MIDDLE_FEMALE);
        if second != given {
            return format!("{family} {middle} {second} {given}");
        }
    }
    if given == middle {
        format!("{family} {given}")
    } else {
        format!("{family} {middle} {given}")
    }
}

const PLACE_SYLLABLES: &[&str] = &[
    "An", "Bình", "Phú", "Tân", "Hòa", "Thạnh", "Long", "Mỹ", "Hưng", "Lợi", "Phước", "Thuận",
    "Vĩnh", "Xuân", "Thanh", "Lộc", "Sơn", "Hải", "Lâm", "Trung", "Đức", "Nghĩa", "Thịnh", "Quang",
    "Minh", "Hiệp", "Khánh", "Tiến", "Hợp", "Thành", "Đông", "Tây", "Kim", "Ngọc", "Cẩm", "Hương",
    "Đại", "Yên", "Định", "Cát", "Lạc", "Phong", "Tường", "Quế", "Liên",
];

fn place_name(g: &mut Gen, taken: &mut BTreeSet<String>) -> String {
    let mut attempts = 0u32;
    loop {
        let a = *g.pick(PLACE_SYLLABLES);
        let b = *g.pick(PLACE_SYLLABLES);
        if a == b {
            continue;
        }
        attempts += 1;
        // Past the two-syllable names (a national-size run), number them.
        let name = if attempts > 64 {
            format!("{a} {b} {}", taken.len())
        } else {
            format!("{a} {b}")
        };
        if taken.insert(name.clone()) {
            return name;
        }
    }
}

const HAMLET_NAMES: &[&str] = &[
    "Đông",
    "Tây",
    "Nam",
    "Bắc",
    "Trung",
    "Thượng",
    "Hạ",
    "Đồng Mới",
    "Bãi Sậy",
    "Gò Mả",
    "Cầu Đá",
    "Đầm Sen",
    "Bến Đò",
    "Làng Chùa",
    "Xóm Giữa",
    "Đồi Thông",
    "Suối Cát",
    "Khe Nước",
    "Trại Mít",
    "Hồ Sen",
    "Bàu Tre",
    "Cây Đa",
    "Đá Bạc",
    "Núi Một",
    "Ngọc Hồ",
    "Tân Lập",
    "Tân Tiến",
    "Đoàn Kết",
    "Quyết Thắng",
    "Thống Nhất",
];

// ---------------------------------------------------------------------------------------------
// The district's shape
// ---------------------------------------------------------------------------------------------

const PROVINCE: &str = "Trường Giang";
const DISTRICT: &str = "Hòa Lâm";
const CENTRE: &str = "Trung tâm Chính trị huyện Hòa Lâm";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Sector {
    /// A rural commune; `highland` has many ethnic minorities and the primary-school exception,
    /// `catholic` many Catholic families.
    Commune {
        highland: bool,
        catholic: bool,
    },
    Township,
    HighSchool,
    Garment,
    Police,
    Military,
    Health,
    Agencies,
    Front,
    Bricks,
}

impl Sector {
    fn territorial(self) -> bool {
        matches!(self, Sector::Commune { .. } | Sector::Township)
    }
}

/// The rotation of grassroots kinds and their share of cells (of ~300 in the standard district).
const ROTATION: [(Sector, u32); 20] = [
    (
        Sector::Commune {
            highland: false,
            catholic: false,
        },
        20,
    ),
    (Sector::HighSchool, 0),
    (Sector::Garment, 12),
    (
        Sector::Commune {
            highland: true,
            catholic: false,
        },
        18,
    ),
    (Sector::Police, 14),
    (Sector::Township, 16),
    (Sector::Military, 9),
    (Sector::Health, 9),
    (
        Sector::Commune {
            highland: false,
            catholic: true,
        },
        20,
    ),
    (
        Sector::Commune {
            highland: false,
            catholic: false,
        },
        21,
    ),
    (Sector::Agencies, 8),
    (
        Sector::Commune {
            highland: false,
            catholic: false,
        },
        19,
    ),
    (
        Sector::Commune {
            highland: false,
            catholic: false,
        },
        22,
    ),
    (Sector::Bricks, 5),
    (
        Sector::Commune {
            highland: false,
            catholic: false,
        },
        20,
    ),
    (Sector::Front, 5),
    (
        Sector::Commune {
            highland: false,
            catholic: false,
        },
        18,
    ),
    (
        Sector::Commune {
            highland: true,
            catholic: false,
        },
        17,
    ),
    (
        Sector::Commune {
            highland: false,
            catholic: false,
        },
        23,
    ),
    (
        Sector::Commune {
            highland: false,
            catholic: false,
        },
        20,
    ),
];

/// A cell as planned.
#[derive(Clone, Debug)]
struct CellPlan {
    code: String,
    name: String,
    kind: OrgKind,
    /// Index into the grassroots' partial committees.
    partial: Option<usize>,
    /// The residential unit it covers (hamlet cells).
    unit: Option<String>,
    members: u32,
    /// Relative weight for members, then for candidacies.
    weight: f64,
}

#[derive(Clone, Debug)]
struct GrassrootsPlan {
    sector: Sector,
    code: String,
    name: String,
    /// The place, for names (`xã Tân Phú`).
    place: String,
    kind: OrgKind,
    partials: Vec<String>,
    cells: Vec<CellPlan>,
    /// Residential units that no cell covers (blank units, "tái trắng").
    blank_units: Vec<String>,
    authority: Authority,
    committee_size: u32,
}

fn cell_names(sector: Sector) -> Vec<(String, CellKind)> {
    let list: &[(&str, CellKind)] = match sector {
        Sector::Garment => &[
            ("Chi bộ Tổ cắt", CellKind::Enterprise),
            ("Chi bộ Tổ may 1", CellKind::Enterprise),
            ("Chi bộ Tổ may 2", CellKind::Enterprise),
            ("Chi bộ Tổ hoàn thiện", CellKind::Enterprise),
            ("Chi bộ Phòng Kỹ thuật", CellKind::Enterprise),
            ("Chi bộ Tổ may 3", CellKind::Enterprise),
            ("Chi bộ Tổ may 4", CellKind::Enterprise),
            ("Chi bộ Tổ là", CellKind::Enterprise),
            ("Chi bộ Phòng Kế toán", CellKind::Enterprise),
            ("Chi bộ Kho vận", CellKind::Enterprise),
            ("Chi bộ Tổ bảo trì", CellKind::Enterprise),
            ("Chi bộ Phòng Hành chính", CellKind::Enterprise),
        ],
        Sector::Police => &[
            ("Chi bộ Công an xã Tân Hòa", CellKind::Police),
            ("Chi bộ Công an xã Phú Lộc", CellKind::Police),
            ("Chi bộ Công an xã Mỹ Thạnh", CellKind::Police),
            ("Chi bộ Công an xã An Bình", CellKind::Police),
            ("Chi bộ Công an thị trấn", CellKind::Police),
            ("Chi bộ Đội Cảnh sát giao thông – trật tự", CellKind::Police),
            ("Chi bộ Đội Cảnh sát hình sự", CellKind::Police),
            ("Chi bộ Đội An ninh", CellKind::Police),
            ("Chi bộ Đội Tham mưu – Tổng hợp", CellKind::Police),
            ("Chi bộ Đội Cảnh sát kinh tế", CellKind::Police),
            ("Chi bộ Đội Quản lý hành chính", CellKind::Police),
            ("Chi bộ Đội Phòng cháy chữa cháy", CellKind::Police),
            ("Chi bộ Đội Cảnh sát điều tra", CellKind::Police),
            ("Chi bộ Nhà tạm giữ", CellKind::Police),
        ],
        Sector::Military => &[
            ("Chi bộ Cơ quan Chỉ huy", CellKind::Military),
            ("Chi bộ Ban Tham mưu", CellKind::Military),
            ("Chi bộ Ban Chính trị", CellKind::Military),
            ("Chi bộ Ban Hậu cần – Kỹ thuật", CellKind::Military),
            ("Chi bộ Đại đội Bộ binh 1", CellKind::Military),
            ("Chi bộ Đại đội Bộ binh 2", CellKind::Military),
            ("Chi bộ Trung đội Trinh sát", CellKind::Military),
            ("Chi bộ Trung đội Thông tin", CellKind::Military),
            ("Chi bộ Kho vũ khí", CellKind::Military),
        ],
        Sector::Health => &[
            ("Chi bộ Khoa Nội", CellKind::Health),
            ("Chi bộ Khoa Ngoại", CellKind::Health),
            ("Chi bộ Khoa Sản", CellKind::Health),
            ("Chi bộ Khoa Nhi", CellKind::Health),
            ("Chi bộ Khoa Khám bệnh", CellKind::Health),
            ("Chi bộ Khoa Y tế công cộng", CellKind::Health),
            ("Chi bộ Khoa Dược", CellKind::Health),
            ("Chi bộ Khoa Cận lâm sàng", CellKind::Health),
            ("Chi bộ Phòng Kế hoạch – Nghiệp vụ", CellKind::Health),
        ],
        Sector::Agencies => &[
            ("Chi bộ Văn phòng HĐND và UBND", CellKind::Agency),
            ("Chi bộ Phòng Tài chính – Kế hoạch", CellKind::Agency),
            ("Chi bộ Phòng Nội vụ", CellKind::Agency),
            ("Chi bộ Phòng Nông nghiệp", CellKind::Agency),
            ("Chi bộ Phòng Giáo dục và Đào tạo", CellKind::Agency),
            ("Chi bộ Phòng Tài nguyên và Môi trường", CellKind::Agency),
            ("Chi bộ Phòng Văn hóa – Thông tin", CellKind::Agency),
            (
                "Chi bộ Phòng Lao động – Thương binh và Xã hội",
                CellKind::Agency,
            ),
            ("Chi bộ Thanh tra huyện", CellKind::Agency),
            ("Chi bộ Phòng Tư pháp", CellKind::Agency),
        ],
        Sector::Front => &[
            ("Chi bộ Ủy ban Mặt trận Tổ quốc", CellKind::Agency),
            ("Chi bộ Huyện đoàn", CellKind::Agency),
            ("Chi bộ Hội Liên hiệp Phụ nữ", CellKind::Agency),
            ("Chi bộ Hội Nông dân", CellKind::Agency),
            ("Chi bộ Hội Cựu chiến binh", CellKind::Agency),
            ("Chi bộ Liên đoàn Lao động", CellKind::Agency),
        ],
        Sector::Bricks => &[
            ("Chi bộ Phân xưởng tạo hình", CellKind::Enterprise),
            ("Chi bộ Phân xưởng lò nung", CellKind::Enterprise),
            ("Chi bộ Phân xưởng cơ điện", CellKind::Enterprise),
            ("Chi bộ Khối văn phòng", CellKind::Enterprise),
            ("Chi bộ Đội vận tải", CellKind::Enterprise),
        ],
        Sector::Commune { .. } | Sector::Township | Sector::HighSchool => &[],
    };
    list.iter().map(|(n, k)| ((*n).to_string(), *k)).collect()
}

/// Cells of a commune or township that are not hamlet cells.
const COMMUNE_OTHER_CELLS: &[(&str, CellKind)] = &[
    ("Chi bộ Trường Tiểu học", CellKind::School),
    ("Chi bộ Trường THCS", CellKind::School),
    ("Chi bộ Cơ quan", CellKind::Agency),
    ("Chi bộ Trạm Y tế", CellKind::Health),
    ("Chi bộ Quân sự", CellKind::Military),
    ("Chi bộ Trường Mầm non", CellKind::School),
];

fn plan_grassroots(
    g: &mut Gen,
    district: &DistrictPlace,
    index: usize,
    sector: Sector,
    cells: u32,
    places: &mut BTreeSet<String>,
) -> GrassrootsPlan {
    let code = format!("{}.{:03}", district.code, index + 1);
    let district_name = district.name.as_str();
    let place = place_name(g, places);
    let (name, kind) = match sector {
        Sector::Commune { .. } => (
            format!("Đảng ủy xã {place}"),
            OrgKind::Grassroots(GrassrootsKind::Commune),
        ),
        Sector::Township => (
            format!("Đảng ủy thị trấn {place}"),
            OrgKind::Grassroots(GrassrootsKind::Township),
        ),
        Sector::HighSchool => (
            format!("Chi bộ Trường THPT {place}"),
            OrgKind::GrassrootsCell(GrassrootsKind::School),
        ),
        Sector::Garment => (
            format!("Đảng ủy Công ty Cổ phần May {place}"),
            OrgKind::Grassroots(GrassrootsKind::Enterprise),
        ),
        Sector::Police => (
            format!("Đảng ủy Công an huyện {district_name}"),
            OrgKind::Grassroots(GrassrootsKind::Police),
        ),
        Sector::Military => (
            format!("Đảng ủy Quân sự huyện {district_name}"),
            OrgKind::Grassroots(GrassrootsKind::Military),
        ),
        Sector::Health => (
            format!("Đảng ủy Trung tâm Y tế huyện {district_name}"),
            OrgKind::Grassroots(GrassrootsKind::Health),
        ),
        Sector::Agencies => (
            format!("Đảng ủy Cơ quan Ủy ban nhân dân huyện {district_name}"),
            OrgKind::Grassroots(GrassrootsKind::Agency),
        ),
        Sector::Front => (
            format!("Đảng ủy Cơ quan Mặt trận Tổ quốc và các đoàn thể huyện {district_name}"),
            OrgKind::Grassroots(GrassrootsKind::Agency),
        ),
        Sector::Bricks => (
            format!("Đảng ủy Công ty TNHH Gạch ngói {place}"),
            OrgKind::Grassroots(GrassrootsKind::Enterprise),
        ),
    };
    // Names of the district's own bodies repeat when the rotation comes round again.
    let name = if index >= ROTATION.len()
        && !matches!(
            sector,
            Sector::Commune { .. }
                | Sector::Township
                | Sector::HighSchool
                | Sector::Garment
                | Sector::Bricks
        ) {
        format!("{name} (khu vực {})", index / ROTATION.len() + 1)
    } else {
        name
    };
    let partials: Vec<String> = match sector {
        Sector::Garment => vec![
            "Đảng bộ bộ phận Xí nghiệp May số 1".to_string(),
            "Đảng bộ bộ phận Xí nghiệp May số 2".to_string(),
        ],
        Sector::Police => vec!["Đảng bộ bộ phận Công an xã, thị trấn".to_string()],
        _ => Vec::new(),
    };
    let mut out = Vec::new();
    let mut blank_units = Vec::new();
    match sector {
        Sector::HighSchool => {}
        Sector::Commune { .. } | Sector::Township => {
            let township = sector == Sector::Township;
            let others = (cells / 4).min(COMMUNE_OTHER_CELLS.len() as u32);
            let hamlets = cells.saturating_sub(others).max(1);
            let numbered = township || g.chance(0.4);
            let mut names: Vec<&str> = HAMLET_NAMES.to_vec();
            g.shuffle(&mut names);
            let unit_name = |i: u32, names: &[&str]| -> String {
                let title = if township {
                    ResidentialKind::ToDanPho.title()
                } else {
                    ResidentialKind::Thon.title()
                };
                if numbered || i as usize >= names.len() {
                    format!("{title} {}", i + 1)
                } else {
                    format!("{title} {}", names[i as usize])
                }
            };
            for i in 0..hamlets {
                let unit = unit_name(i, &names);
                let label = if township { "tổ dân phố" } else { "thôn" };
                let short = unit
                    .split_once(' ')
                    .map(|x| x.1)
                    .unwrap_or(&unit)
                    .trim_start_matches("dân phố ")
                    .to_string();
                out.push(CellPlan {
                    code: String::new(),
                    name: format!("Chi bộ {label} {short}"),
                    kind: OrgKind::Cell(CellKind::Residential),
                    partial: None,
                    unit: Some(unit),
                    members: 0,
                    weight: 1.3 * (0.5 + g.unit()),
                });
            }
            // A unit without its own cell (covered by none): the coverage report's blank unit.
            if g.chance(0.4) || index == 0 {
                blank_units.push(unit_name(hamlets, &names));
            }
            for (n, k) in COMMUNE_OTHER_CELLS.iter().take(others as usize) {
                out.push(CellPlan {
                    code: String::new(),
                    name: (*n).to_string(),
                    kind: OrgKind::Cell(*k),
                    partial: None,
                    unit: None,
                    members: 0,
                    weight: 0.5 * (0.6 + g.unit()),
                });
            }
        }
        _ => {
            let names = cell_names(sector);
            for i in 0..cells.max(1) {
                let (base, kind) = &names[i as usize % names.len()];
                let name = if (i as usize) < names.len() {
                    base.clone()
                } else {
                    format!("{base} ({})", i as usize / names.len() + 1)
                };
                let partial = match sector {
                    Sector::Garment => Some((i as usize) % 2),
                    Sector::Police if name.contains("Công an xã") || name.contains("thị trấn") => {
                        Some(0)
                    }
                    _ => None,
                };
                let factor = match sector {
                    Sector::Police => 0.9,
                    Sector::Military => 0.8,
                    Sector::Health => 0.9,
                    _ => 0.6,
                };
                out.push(CellPlan {
                    code: String::new(),
                    name,
                    kind: OrgKind::Cell(*kind),
                    partial,
                    unit: None,
                    members: 0,
                    weight: factor * (0.5 + g.unit()),
                });
            }
        }
    }
    if sector == Sector::HighSchool {
        // The grassroots cell is its own (only) cell.
        out.push(CellPlan {
            code: code.clone(),
            name: name.clone(),
            kind,
            partial: None,
            unit: None,
            members: 0,
            weight: 2.2,
        });
    }
    for (i, c) in out.iter_mut().enumerate() {
        if c.code.is_empty() {
            c.code = format!("{code}.CB{:02}", i + 1);
        }
    }
    GrassrootsPlan {
        sector,
        code,
        name,
        place,
        kind,
        partials,
        cells: out,
        blank_units,
        authority: if sector == Sector::Police {
            Authority::GrassrootsCommittee
        } else {
            Authority::SuperiorStandingCommittee
        },
        committee_size: if sector.territorial() {
            g.range(13, 15) as u32
        } else {
            g.range(7, 11) as u32
        },
    }
}

/// Split `total` over `weights` by largest remainder, at least `min` each.
fn apportion(total: u32, weights: &[f64], min: u32) -> Vec<u32> {
    let n = weights.len();
    if n == 0 {
        return Vec::new();
    }
    let floor_total = min.saturating_mul(n as u32);
    let rest = f64::from(total.saturating_sub(floor_total));
    let sum: f64 = weights.iter().sum::<f64>().max(f64::MIN_POSITIVE);
    let exact: Vec<f64> = weights.iter().map(|w| rest * w / sum).collect();
    let mut out: Vec<u32> = exact.iter().map(|e| min + e.floor() as u32).collect();
    let given: u32 = out.iter().sum();
    let mut left = total.saturating_sub(given);
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| {
        let ra = exact[a] - exact[a].floor();
        let rb = exact[b] - exact[b].floor();
        rb.total_cmp(&ra).then(a.cmp(&b))
    });
    for i in order.into_iter().cycle().take(n * 2) {
        if left == 0 {
            break;
        }
        out[i] += 1;
        left -= 1;
    }
    out
}

// ---------------------------------------------------------------------------------------------
// People
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy)]
struct Profile {
    sector: Sector,
    cell_kind: CellKind,
}

impl Profile {
    fn female_share(self) -> f64 {
        match (self.sector, self.cell_kind) {
            (Sector::Police, _) => 0.12,
            (Sector::Military, _) | (_, CellKind::Military) => 0.08,
            (Sector::Health, _) | (_, CellKind::Health) => 0.62,
            (Sector::HighSchool, _) | (_, CellKind::School) => 0.66,
            (Sector::Garment, _) => 0.6,
            (Sector::Bricks, _) => 0.3,
            (Sector::Agencies | Sector::Front, _) => 0.48,
            _ => 0.36,
        }
    }

    fn ethnic(self) -> &'static [(u8, u32)] {
        match self.sector {
            Sector::Commune { highland: true, .. } => ETHNIC_HIGHLAND,
            _ => ETHNIC_LOWLAND,
        }
    }

    fn religion(self, g: &mut Gen, member: bool) -> Religion {
        let catholic = matches!(self.sector, Sector::Commune { catholic: true, .. });
        let believers = match (catholic, member) {
            (true, true) => 0.12,
            (true, false) => 0.4,
            (false, true) => 0.04,
            (false, false) => 0.14,
        };
        if !g.chance(believers) {
            return Religion::None;
        }
        if catholic && g.chance(0.8) {
            return Religion::Catholicism;
        }
        *g.weighted(&[
            (Religion::Buddhism, 70),
            (Religion::Catholicism, 20),
            (Religion::Protestantism, 6),
            (Religion::CaoDai, 2),
            (Religion::Other, 2),
        ])
    }

    fn source_category(self, g: &mut Gen, age: i64, female: bool) -> SourceCategory {
        match (self.sector, self.cell_kind) {
            (Sector::HighSchool, _) => {
                if age <= 19 {
                    SourceCategory::UpperSecondaryStudent
                } else {
                    SourceCategory::Teacher
                }
            }
            (_, CellKind::School) => SourceCategory::Teacher,
            (_, CellKind::Health) | (Sector::Health, _) => SourceCategory::HealthWorker,
            (Sector::Garment | Sector::Bricks, _) => SourceCategory::PrivateEnterpriseWorker,
            (Sector::Police, _) => SourceCategory::CommunePolice,
            (Sector::Military, _) | (_, CellKind::Military) => SourceCategory::Militia,
            (Sector::Agencies | Sector::Front, _) | (_, CellKind::Agency) => {
                *g.pick(&[SourceCategory::CommuneCadre, SourceCategory::Other])
            }
            _ => {
                if age <= 25 && !female && g.chance(0.25) {
                    return SourceCategory::PreMilitaryService;
                }
                *g.weighted(&[
                    (SourceCategory::YouthUnionMember, 30),
                    (SourceCategory::MassOrgMember, 18),
                    (SourceCategory::NonSpecialisedWorker, 10),
                    (SourceCategory::DemobilisedSoldier, 8),
                    (SourceCategory::Militia, 8),
                    (SourceCategory::HamletHead, 5),
                    (SourceCategory::FrontUnionBranchHead, 4),
                    (SourceCategory::CommuneCadre, 5),
                    (SourceCategory::Teacher, 4),
                    (SourceCategory::Other, 8),
                ])
            }
        }
    }

    fn qualification(self, g: &mut Gen) -> Qualification {
        match (self.sector, self.cell_kind) {
            (Sector::HighSchool, _) | (_, CellKind::School) => *g.weighted(&[
                (Qualification::University, 80),
                (Qualification::Master, 15),
                (Qualification::College, 5),
            ]),
            (Sector::Health, _) | (_, CellKind::Health) => *g.weighted(&[
                (Qualification::Intermediate, 30),
                (Qualification::College, 25),
                (Qualification::University, 40),
                (Qualification::Master, 5),
            ]),
            (Sector::Agencies | Sector::Front, _) | (_, CellKind::Agency) => *g.weighted(&[
                (Qualification::University, 75),
                (Qualification::Master, 15),
                (Qualification::College, 10),
            ]),
            (Sector::Police | Sector::Military, _) => *g.weighted(&[
                (Qualification::Intermediate, 45),
                (Qualification::University, 45),
                (Qualification::College, 10),
            ]),
            _ => *g.weighted(&[
                (Qualification::None, 55),
                (Qualification::Elementary, 15),
                (Qualification::Intermediate, 17),
                (Qualification::College, 5),
                (Qualification::University, 8),
            ]),
        }
    }
}

struct PersonSpec {
    gender: Gender,
    birth: Date,
    ethnicity: u8,
    religion: Religion,
    education: (u8, u8),
    qualification: Qualification,
    theory: TheoryLevel,
    category: SourceCategory,
    youth_union: bool,
    trade_union: bool,
    unit: Option<String>,
}

fn build_person(g: &mut Gen, spec: &PersonSpec, today: Date) -> Result<Person> {
    let name = full_name(g, spec.gender, spec.ethnicity);
    Ok(Person {
        full_name: FullName::parse(&name).map_err(bad("name"))?,
        birth_date: BirthDate::new(spec.birth, today).map_err(bad("birth date"))?,
        gender: spec.gender,
        ethnicity: Ethnicity::from_code(spec.ethnicity)
            .ok_or_else(|| StoreError::Corrupt("demo ethnicity".into()))?,
        religion: spec.religion,
        education: Education::new(spec.education.0, spec.education.1).map_err(bad("education"))?,
        qualification: spec.qualification,
        theory_level: spec.theory,
        source_category: spec.category,
        id_number: None,
        youth_union_member: spec.youth_union,
        trade_union_member: spec.trade_union,
        residential_unit: spec
            .unit
            .as_deref()
            .map(UnitRef::parse)
            .transpose()
            .map_err(bad("unit"))?,
    })
}

/// A member's profile: age by sector, admitted in their twenties or thirties, official a year
/// later.
fn member_spec(
    g: &mut Gen,
    profile: Profile,
    unit: Option<&str>,
    today: Date,
) -> (PersonSpec, Date) {
    let female = g.chance(profile.female_share());
    let gender = if female { Gender::Female } else { Gender::Male };
    let (lo, hi) = match profile.sector {
        Sector::Commune { .. } | Sector::Township if profile.cell_kind == CellKind::Residential => {
            *g.weighted(&[((26, 40), 25), ((41, 60), 35), ((61, 88), 40)])
        }
        Sector::Police | Sector::Military => (23, 55),
        Sector::Garment | Sector::Bricks => (23, 52),
        _ => (25, 59),
    };
    let age = g.range(lo, hi);
    let birth = years_before(today, age, g.range(0, 364));
    let admitted_age = g.range(19, (age - 2).clamp(19, 38));
    let admitted = add_days(birth, admitted_age * 365 + g.range(0, 300));
    let latest = add_days(today, -400);
    let admitted = if admitted > latest { latest } else { admitted };
    let old = birth.year() < 1968;
    let education = if old {
        (g.range(7, 10) as u8, 10)
    } else if profile.sector.territorial() && profile.cell_kind == CellKind::Residential {
        (*g.weighted(&[(9u8, 30), (12, 70)]), 12)
    } else {
        (12, 12)
    };
    let ethnicity = *g.weighted(profile.ethnic());
    let spec = PersonSpec {
        gender,
        birth,
        ethnicity,
        religion: profile.religion(g, true),
        education,
        qualification: profile.qualification(g),
        theory: *g.weighted(&[
            (TheoryLevel::Elementary, 68),
            (TheoryLevel::Intermediate, 22),
            (TheoryLevel::Advanced, 4),
            (TheoryLevel::None, 6),
        ]),
        category: profile.source_category(g, age, female),
        youth_union: age <= 30,
        trade_union: !profile.sector.territorial() || profile.cell_kind != CellKind::Residential,
        unit: unit.map(str::to_string),
    };
    (spec, admitted)
}

// ---------------------------------------------------------------------------------------------
// Candidacy paths
// ---------------------------------------------------------------------------------------------

/// Where a generated candidacy ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Goal {
    /// Under way at this stage.
    At(Stage),
    /// Under way and overdue at this stage (late decision, late ceremony, late recognition vote,
    /// stalled dossier with an expiring certificate).
    Overdue(Stage),
    /// Recognised as an official member.
    Official,
    /// Withdrew at this stage.
    Withdrawn(Stage),
    /// Stopped by the cell at this stage, refused by the competent committee
    /// (`AwaitingDecision`), or after a disqualifying verification (`Verification`).
    Rejected(Stage),
    /// Removed from the probationary list (`Probationary`) or refused recognition
    /// (`RecognitionVote`).
    Removed(Stage),
    /// Transferred out of the district at this stage.
    TransferredOut(Stage),
    /// Died at this stage.
    Deceased(Stage),
    /// The admission was annulled.
    Annulled,
}

/// The share of each goal in a thousand candidacies.
const GOALS: &[(Goal, u32)] = &[
    (Goal::At(Stage::Source), 165),
    (Goal::At(Stage::Sympathizer), 135),
    (Goal::At(Stage::Course), 55),
    (Goal::At(Stage::Dossier), 70),
    (Goal::Overdue(Stage::Dossier), 8),
    (Goal::At(Stage::Verification), 65),
    (Goal::At(Stage::CellVote), 28),
    (Goal::At(Stage::GrassrootsVote), 24),
    (Goal::At(Stage::AwaitingDecision), 22),
    (Goal::Overdue(Stage::AwaitingDecision), 7),
    (Goal::At(Stage::AwaitingCeremony), 14),
    (Goal::Overdue(Stage::AwaitingCeremony), 6),
    (Goal::At(Stage::Probationary), 110),
    (Goal::Overdue(Stage::Probationary), 10),
    (Goal::At(Stage::RecognitionVote), 18),
    (Goal::Official, 155),
    (Goal::Withdrawn(Stage::Sympathizer), 14),
    (Goal::Withdrawn(Stage::Dossier), 10),
    (Goal::Withdrawn(Stage::Source), 8),
    (Goal::Rejected(Stage::Source), 7),
    (Goal::Rejected(Stage::Verification), 6),
    (Goal::Rejected(Stage::CellVote), 5),
    (Goal::Rejected(Stage::AwaitingDecision), 4),
    (Goal::Removed(Stage::Probationary), 6),
    (Goal::Removed(Stage::RecognitionVote), 3),
    (Goal::TransferredOut(Stage::Sympathizer), 8),
    (Goal::TransferredOut(Stage::Probationary), 5),
    (Goal::Deceased(Stage::Sympathizer), 2),
    (Goal::Deceased(Stage::Probationary), 2),
    (Goal::Annulled, 3),
];

impl Goal {
    /// The stage the path is cut at before the exit step.
    fn cut_stage(self) -> Stage {
        match self {
            Goal::At(s)
            | Goal::Overdue(s)
            | Goal::Withdrawn(s)
            | Goal::Rejected(s)
            | Goal::Removed(s)
            | Goal::TransferredOut(s)
            | Goal::Deceased(s) => s,
            Goal::Official => Stage::Official,
            Goal::Annulled => Stage::Probationary,
        }
    }

    fn needs_grassroots_vote(self) -> bool {
        self.cut_stage() == Stage::GrassrootsVote
    }
}

/// The facts of the candidate that shape the path.
struct PathFacts {
    youth: bool,
    union: UnionKind,
    married: bool,
    religious: bool,
    hoa: bool,
    grassroots_cell: bool,
    partial: bool,
    authority: Authority,
    official_members: u32,
    committee_size: u32,
    mentor: String,
    introducers: [String; 2],
    second_mentor: Option<String>,
    proposed_by: Option<String>,
    category: SourceCategory,
}

/// One step: days after the opening, the action (dates inside it relative to `EPOCH`), the stage
/// it leads to.
#[derive(Clone, Debug)]
struct Step {
    day: i64,
    action: Action,
    stage: Stage,
}

/// Actions carry dates; a path is built on this epoch and shifted to its real opening date.
const EPOCH: Date = Date::constant(2000, 1, 3);

fn shift(action: &mut Action, days: i64) {
    match action {
        Action::RecordCertificate { issued_on, .. } => *issued_on = add_days(*issued_on, days),
        Action::AddIntroducer {
            letter_on,
            alongside_since,
            ..
        } => {
            *letter_on = add_days(*letter_on, days);
            *alongside_since = add_days(*alongside_since, days);
        }
        Action::RecordUnionIntroduction { resolution_on, .. } => {
            *resolution_on = add_days(*resolution_on, days);
        }
        Action::RecordComments { summary_on } => *summary_on = add_days(*summary_on, days),
        Action::AdmissionDecision {
            received_on,
            superior_consent_on,
            ..
        } => {
            *received_on = add_days(*received_on, days);
            *superior_consent_on = superior_consent_on.map(|d| add_days(d, days));
        }
        _ => {}
    }
}

/// `t` recounted on a roster of `n` official members, passing or failing as it did.
fn to_roster(t: Tally, n: u32) -> Tally {
    let passed = 3 * t.in_favour >= 2 * t.base();
    let need = (2 * n).div_ceil(3);
    let present = t.present.min(n).max(need);
    let in_favour = if passed {
        t.in_favour.min(present).max(need)
    } else {
        need.saturating_sub(1).min(present)
    };
    Tally {
        official_members: n,
        exempt_absent: 0,
        present,
        ballots: t.ballots.map(|_| (present, present)),
        in_favour,
    }
}

fn tally(g: &mut Gen, official: u32, pass: bool) -> Tally {
    let base = official.max(3);
    let need = (2 * base).div_ceil(3);
    if !pass {
        let present = base - g.below(u64::from(base / 5 + 1)) as u32;
        let present = present.max(need);
        return Tally {
            official_members: base,
            exempt_absent: 0,
            present,
            ballots: Some((present, present)),
            in_favour: need - 1,
        };
    }
    let present = base - g.below(u64::from(base / 4 + 1)) as u32;
    let present = present.max(need);
    let in_favour = present - g.below(u64::from(present - need + 1)) as u32;
    Tally {
        official_members: base,
        exempt_absent: 0,
        present,
        ballots: if g.chance(0.5) {
            Some((present, present))
        } else {
            None
        },
        in_favour,
    }
}

fn committee(g: &mut Gen, members: u32) -> CommitteeTally {
    let need = (2 * members).div_ceil(3);
    CommitteeTally {
        members,
        in_favour: members - g.below(u64::from(members - need + 1)) as u32,
    }
}

/// The whole road from source to official member, with realistic gaps; `disqualify` makes the
/// first verification answer disqualifying (the path then stops at its answers).
fn full_path(g: &mut Gen, f: &PathFacts, n: u32, disqualify: bool, stale: bool) -> Vec<Step> {
    let mut steps = Vec::new();
    let mut day = 0i64;
    let at = |day: i64| add_days(EPOCH, day);
    let push = |steps: &mut Vec<Step>, day: i64, action: Action, stage: Stage| {
        steps.push(Step { day, action, stage });
    };
    push(
        &mut steps,
        day,
        Action::Open {
            source_category: f.category.code().to_string(),
            proposed_by: f.proposed_by.clone(),
            readmission: None,
        },
        Stage::Source,
    );
    day += g.range(25, 120);
    push(
        &mut steps,
        day,
        Action::ListAsSympathizer {
            resolution_no: format!("{:02}-NQ/CB", g.range(1, 40)),
            mentor: member_facts(&f.mentor),
        },
        Stage::Sympathizer,
    );
    let year_of = |d: i64| at(d).year();
    if g.chance(0.05) {
        day += g.range(20, 70);
        push(
            &mut steps,
            day,
            Action::EnrolInCourse {
                course: format!("Lớp bồi dưỡng nhận thức về Đảng khóa {}", g.range(1, 4)),
            },
            Stage::Course,
        );
        day += g.range(8, 20);
        push(&mut steps, day, Action::FailCourse, Stage::Sympathizer);
        day += g.range(60, 150);
    } else {
        day += g.range(20, 100);
    }
    let course_no = g.range(1, 4);
    let course_year = year_of(day);
    push(
        &mut steps,
        day,
        Action::EnrolInCourse {
            course: format!("Lớp bồi dưỡng nhận thức về Đảng khóa {course_no}/{course_year}"),
        },
        Stage::Course,
    );
    day += g.range(5, 12);
    let issued = day;
    day += g.range(2, 14);
    push(
        &mut steps,
        day,
        Action::RecordCertificate {
            number: format!("{:04}/CN-TTCT", 100 + n % 9000),
            issued_on: at(issued),
            issuer: CertIssuer::PoliticalCentre(CENTRE.to_string()),
        },
        Stage::Dossier,
    );
    if stale {
        // A dossier that stalled for years: the certificate is about to expire.
        day += g.range(1100, 1300);
    }
    if let Some(m) = &f.second_mentor {
        day += g.range(5, 30);
        push(
            &mut steps,
            day,
            Action::AssignMentor {
                mentor: member_facts(m),
            },
            Stage::Dossier,
        );
    }
    day += g.range(7, 40);
    push(&mut steps, day, Action::SubmitApplication, Stage::Dossier);
    day += g.range(3, 20);
    push(&mut steps, day, Action::DeclareBackground, Stage::Dossier);
    day += g.range(3, 20);
    for m in &f.introducers {
        let months = g.range(14, 90);
        push(
            &mut steps,
            day,
            Action::AddIntroducer {
                introducer: member_facts(m),
                letter_on: at(day),
                alongside_since: add_days(at(day), -months * 31),
                replaces: None,
            },
            Stage::Dossier,
        );
    }
    if f.youth {
        let res_day = day - g.range(0, 3);
        push(
            &mut steps,
            day,
            Action::RecordUnionIntroduction {
                union: f.union,
                resolution_no: match f.union {
                    UnionKind::YouthUnion => format!("{:02}-NQ/ĐTN", g.range(1, 30)),
                    UnionKind::TradeUnion => format!("{:02}-NQ/CĐ", g.range(1, 30)),
                },
                resolution_on: at(res_day),
            },
            Stage::Dossier,
        );
    }
    day += g.range(3, 15);
    push(
        &mut steps,
        day,
        Action::RecordComments {
            summary_on: at(day),
        },
        Stage::Dossier,
    );
    day += g.range(2, 10);
    push(
        &mut steps,
        day,
        Action::StampBackground,
        Stage::Verification,
    );
    let mut subjects = vec![Relation::Candidate, Relation::Parents];
    if f.married {
        subjects.push(Relation::Spouse);
        subjects.push(Relation::ParentsInLaw);
    }
    if f.religious {
        subjects.push(Relation::ReligiousActivity);
    }
    if f.hoa {
        subjects.push(Relation::HoaItems);
    }
    day += g.range(0, 3);
    let sent = day;
    let destinations = [
        "Đảng ủy xã nơi cư trú",
        "Đảng ủy xã nơi sinh",
        "Chi bộ nơi công tác",
        "Công an xã nơi thường trú",
    ];
    for (i, s) in subjects.iter().enumerate() {
        push(
            &mut steps,
            sent,
            Action::SendVerification {
                request_no: i as u32 + 1,
                subject: *s,
                destination: (*g.pick(&destinations)).to_string(),
            },
            Stage::Verification,
        );
    }
    let mut answers: Vec<(i64, u32)> = (0..subjects.len())
        .map(|i| (sent + g.range(12, 75), i as u32 + 1))
        .collect();
    answers.sort();
    for (d, no) in &answers {
        let outcome = if disqualify && *no == 1 {
            VerificationOutcome::Disqualifying
        } else {
            VerificationOutcome::Clear
        };
        push(
            &mut steps,
            *d,
            Action::AnswerVerification {
                request_no: *no,
                outcome,
            },
            Stage::Verification,
        );
    }
    day = answers.last().map_or(sent, |a| a.0);
    if disqualify {
        return steps;
    }
    day += g.range(3, 14);
    push(&mut steps, day, Action::CertifyBackground, Stage::CellVote);
    day += g.range(5, 25);
    let after_vote = if f.grassroots_cell {
        Stage::AwaitingDecision
    } else {
        Stage::GrassrootsVote
    };
    push(
        &mut steps,
        day,
        Action::CellVote {
            base_note: None,
            resolution_no: format!("{:02}-NQ/CB", g.range(1, 40)),
            tally: tally(g, f.official_members, true),
        },
        after_vote,
    );
    if !f.grassroots_cell {
        if f.partial {
            day += g.range(5, 14);
            push(
                &mut steps,
                day,
                Action::PartialAppraisal {
                    report_no: format!("{:02}-BC/ĐBBP", g.range(1, 30)),
                    approved: true,
                },
                Stage::GrassrootsVote,
            );
        }
        day += g.range(7, 25);
        push(
            &mut steps,
            day,
            Action::GrassrootsVote {
                resolution_no: format!("{:02}-NQ/ĐU", g.range(1, 80)),
                tally: committee(g, f.committee_size),
            },
            Stage::AwaitingDecision,
        );
    }
    day += g.range(10, 45);
    let received = day + g.range(1, 6);
    let decision_no = match f.authority {
        Authority::GrassrootsCommittee => format!("{}-QĐ/ĐU", g.range(10, 300)),
        _ => format!("{}-QĐ/HU", g.range(100, 2900)),
    };
    push(
        &mut steps,
        day,
        Action::AdmissionDecision {
            decision_no,
            approved: true,
            authority: f.authority,
            received_on: at(received),
            superior_consent_on: None,
        },
        Stage::AwaitingCeremony,
    );
    day = received + g.range(5, 25);
    let ceremony = day;
    push(
        &mut steps,
        day,
        Action::HoldCeremony {
            late_approval: None,
        },
        Stage::Probationary,
    );
    day += g.range(7, 25);
    push(
        &mut steps,
        day,
        Action::DeclareMemberBackground,
        Stage::Probationary,
    );
    day = ceremony + g.range(60, 200);
    push(
        &mut steps,
        day,
        Action::CompleteNewMemberCourse {
            certificate_no: format!("{:04}/ĐVM", 100 + n % 9000),
        },
        Stage::Probationary,
    );
    let end = days_between(EPOCH, add_months(at(ceremony), 12));
    day = end - g.range(5, 20);
    push(
        &mut steps,
        day,
        Action::SubmitSelfReview,
        Stage::Probationary,
    );
    day = end + g.range(3, 25);
    push(
        &mut steps,
        day,
        Action::RecognitionCellVote {
            base_note: None,
            resolution_no: format!("{:02}-NQ/CB", g.range(1, 40)),
            tally: tally(g, f.official_members, true),
        },
        Stage::RecognitionVote,
    );
    if !f.grassroots_cell {
        day += g.range(7, 20);
        push(
            &mut steps,
            day,
            Action::RecognitionGrassrootsVote {
                resolution_no: format!("{:02}-NQ/ĐU", g.range(1, 80)),
                tally: committee(g, f.committee_size),
            },
            Stage::RecognitionVote,
        );
    }
    day += g.range(7, 25);
    let decision_no = match f.authority {
        Authority::GrassrootsCommittee => format!("{}-QĐ/ĐU", g.range(10, 300)),
        _ => format!("{}-QĐ/HU", g.range(100, 2900)),
    };
    push(
        &mut steps,
        day,
        Action::RecognitionDecision {
            decision_no,
            approved: true,
            authority: f.authority,
        },
        Stage::Official,
    );
    steps
}

fn member_facts(pub_id: &str) -> MemberFacts {
    MemberFacts {
        member_id: pub_id.to_string(),
        official: true,
        same_cell: true,
        same_grassroots: true,
    }
}

/// The steps up to entering `stage`, and the steps that stay in it after.
fn cut(path: &[Step], stage: Stage) -> Vec<Step> {
    let Some(entry) = path.iter().position(|s| s.stage == stage) else {
        return path.to_vec();
    };
    let mut out: Vec<Step> = path[..=entry].to_vec();
    out.extend(
        path[entry + 1..]
            .iter()
            .take_while(|s| s.stage == stage)
            .cloned(),
    );
    out
}

const WITHDRAW_REASONS: &[&str] = &[
    "Quần chúng có đơn xin rút vì hoàn cảnh gia đình khó khăn",
    "Quần chúng đi làm ăn xa, không tiếp tục tham gia",
    "Quần chúng xin rút để tập trung học tập",
];
const REJECT_REASONS: &[&str] = &[
    "Chưa đủ tiêu chuẩn, chi bộ tiếp tục bồi dưỡng, xem xét sau",
    "Vi phạm quy định về kế hoạch hóa gia đình",
    "Ý thức chấp hành nội quy nơi công tác chưa tốt",
];
const NOTES: &[&str] = &[
    "Quần chúng chấp hành tốt chủ trương của Đảng, chính sách, pháp luật của Nhà nước; tích cực tham gia phong trào ở địa phương.",
    "Đã trao đổi về Điều lệ Đảng; quần chúng nắm được nội dung cơ bản, có ý thức tự học tập, rèn luyện.",
    "Quần chúng hoàn thành tốt nhiệm vụ được giao, có quan hệ tốt với quần chúng nơi cư trú.",
    "Trong tháng quần chúng tham gia tích cực hoạt động của chi đoàn; cần phát huy hơn tinh thần phê bình và tự phê bình.",
    "Đảng viên dự bị chấp hành nghiêm sinh hoạt chi bộ, thực hiện tốt nhiệm vụ được phân công.",
    "Đã hướng dẫn quần chúng hoàn thiện hồ sơ; quần chúng tiếp thu tốt, tác phong gương mẫu.",
];

// ---------------------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------------------

/// A cell as written: what the candidacies need.
struct CellState {
    org_id: i64,
    grassroots_cell: bool,
    partial: bool,
    profile: Profile,
    unit: Option<String>,
    /// Official members: (member id, public id).
    officials: Vec<(i64, String)>,
    youth_union: bool,
    trade_union_instead: bool,
    highland: bool,
    name: String,
}

struct Written {
    grassroots_id: i64,
    cells: Vec<CellState>,
    mass_orgs: Vec<(i64, String, MassOrgKind)>,
}

async fn write_grassroots(
    tx: &mut Tx,
    ctx: &WriteCtx,
    g: &mut Gen,
    district: i64,
    gp: &GrassrootsPlan,
    today: Date,
    report: &mut DemoReport,
) -> Result<Written> {
    let highland = matches!(gp.sector, Sector::Commune { highland: true, .. });
    let enterprise = matches!(gp.sector, Sector::Garment | Sector::Bricks);
    let with_flags = |mut n: NewOrg, g: &mut Gen| {
        n.competent_authority = gp.authority;
        n.youth_union_exists = !enterprise;
        n.trade_union_instead = enterprise;
        n.education_exception = highland.then_some(EducationException::Primary);
        n.pub_id = Some(g.pub_id());
        n
    };
    let grassroots_id = orgs::create(
        tx,
        ctx,
        &with_flags(
            NewOrg::new(gp.code.clone(), gp.name.clone(), gp.kind, Some(district)),
            g,
        ),
    )
    .await?;
    report.grassroots += 1;
    report.orgs += 1;
    let mut partial_ids = Vec::new();
    for (i, name) in gp.partials.iter().enumerate() {
        let id = orgs::create(
            tx,
            ctx,
            &with_flags(
                NewOrg::new(
                    format!("{}.BP{}", gp.code, i + 1),
                    name.clone(),
                    OrgKind::Partial,
                    Some(grassroots_id),
                ),
                g,
            ),
        )
        .await?;
        partial_ids.push(id);
        report.partials += 1;
        report.orgs += 1;
    }
    // Mass organisations beside the grassroots organisation.
    let place_label = match gp.sector {
        Sector::Commune { .. } => format!("xã {}", gp.place),
        Sector::Township => format!("thị trấn {}", gp.place),
        _ => gp
            .name
            .trim_start_matches("Đảng ủy ")
            .trim_start_matches("Chi bộ ")
            .to_string(),
    };
    let kinds: &[MassOrgKind] = match gp.sector {
        Sector::Commune { .. } | Sector::Township => &[
            MassOrgKind::FatherlandFront,
            MassOrgKind::YouthUnion,
            MassOrgKind::WomenUnion,
            MassOrgKind::FarmersUnion,
            MassOrgKind::Veterans,
        ],
        Sector::Garment | Sector::Bricks => &[MassOrgKind::TradeUnion],
        Sector::HighSchool | Sector::Health | Sector::Agencies | Sector::Front => {
            &[MassOrgKind::YouthUnion, MassOrgKind::TradeUnion]
        }
        Sector::Police | Sector::Military => &[MassOrgKind::YouthUnion],
    };
    let mut mass_orgs = Vec::new();
    for &kind in kinds {
        let label = match kind {
            MassOrgKind::YouthUnion => "Đoàn Thanh niên",
            MassOrgKind::WomenUnion => "Hội Liên hiệp Phụ nữ",
            MassOrgKind::FarmersUnion => "Hội Nông dân",
            MassOrgKind::Veterans => "Hội Cựu chiến binh",
            MassOrgKind::TradeUnion => "Công đoàn",
            MassOrgKind::FatherlandFront => "Ủy ban Mặt trận Tổ quốc",
        };
        let pub_id = g.pub_id();
        let id = units::create_mass_org(
            tx,
            ctx,
            &NewMassOrg {
                org_id: grassroots_id,
                kind,
                name: format!("{label} {place_label}"),
                pub_id: Some(pub_id.clone()),
            },
        )
        .await?;
        mass_orgs.push((id, pub_id.as_str().to_string(), kind));
        report.mass_orgs += 1;
    }
    let mut cells = Vec::new();
    for cp in &gp.cells {
        let cell_id = if gp.kind.is_grassroots_cell() {
            grassroots_id
        } else {
            let parent = cp
                .partial
                .and_then(|p| partial_ids.get(p).copied())
                .unwrap_or(grassroots_id);
            report.orgs += 1;
            orgs::create(
                tx,
                ctx,
                &with_flags(
                    NewOrg::new(cp.code.clone(), cp.name.clone(), cp.kind, Some(parent)),
                    g,
                ),
            )
            .await?
        };
        report.cells += 1;
        let unit = match &cp.unit {
            Some(name) => {
                let pub_id = g.pub_id();
                units::create_residential_unit(
                    tx,
                    ctx,
                    &NewResidentialUnit {
                        org_id: grassroots_id,
                        cell_id: Some(cell_id),
                        kind: if gp.sector == Sector::Township {
                            ResidentialKind::ToDanPho
                        } else {
                            ResidentialKind::Thon
                        },
                        name: name.clone(),
                        pub_id: Some(pub_id.clone()),
                    },
                )
                .await?;
                report.residential_units += 1;
                Some(pub_id.as_str().to_string())
            }
            None => None,
        };
        let cell_kind = match cp.kind {
            OrgKind::Cell(k) => k,
            _ => CellKind::School,
        };
        let profile = Profile {
            sector: gp.sector,
            cell_kind,
        };
        // The cell's roster: drawn member by member, written in a few statements.
        let mut drawn = Vec::with_capacity(cp.members as usize);
        for i in 0..cp.members {
            let (spec, admitted) = member_spec(g, profile, unit.as_deref(), today);
            let person = build_person(g, &spec, today)?;
            let person_pub = g.pub_id();
            let member_pub = g.pub_id();
            // A few members left this year: the oldest died, some moved away.
            let age = days_between(spec.birth, today) / 365;
            let leave = if i >= 3 && age >= 78 && g.chance(0.04) {
                Some(MemberStatus::Deceased)
            } else if i >= 3 && g.chance(0.006) {
                Some(MemberStatus::TransferredOut)
            } else {
                None
            };
            let leave = leave.map(|status| {
                let on = add_days(today, -g.range(5, 300)).max(first_of_year(today));
                (status, on)
            });
            drawn.push((person, person_pub, member_pub, admitted, leave));
        }
        let persons: Vec<(&Person, Option<PubId>)> = drawn
            .iter()
            .map(|(p, pub_id, ..)| (p, Some(pub_id.clone())))
            .collect();
        let person_ids = people::insert_many(tx, ctx, &persons).await?;
        report.people += drawn.len() as u64;
        let new_members: Vec<(NewMember, Option<String>)> = drawn
            .iter()
            .zip(&person_ids)
            .map(|((_, _, member_pub, admitted, _), person_id)| {
                let member = NewMember {
                    person_id: *person_id,
                    cell_id,
                    status: MemberStatus::Official,
                    admitted_on: Some(*admitted),
                    official_on: Some(add_months(*admitted, 12)),
                    party_age_from: Some(*admitted),
                    candidacy_id: None,
                    pub_id: Some(member_pub.clone()),
                };
                (member, None)
            })
            .collect();
        let member_ids = members::insert_many(tx, ctx, &new_members).await?;
        let mut officials = Vec::new();
        for ((_, _, member_pub, _, leave), member_id) in drawn.iter().zip(member_ids) {
            match leave {
                Some((status, on)) => {
                    members::set_status(tx, ctx, member_id, *status, *on).await?;
                }
                None => officials.push((member_id, member_pub.as_str().to_string())),
            }
        }
        cells.push(CellState {
            org_id: cell_id,
            grassroots_cell: gp.kind.is_grassroots_cell(),
            partial: cp.partial.is_some(),
            profile,
            unit,
            officials,
            youth_union: !enterprise,
            trade_union_instead: enterprise,
            highland,
            name: cp.name.clone(),
        });
    }
    for name in &gp.blank_units {
        units::create_residential_unit(
            tx,
            ctx,
            &NewResidentialUnit {
                org_id: grassroots_id,
                cell_id: None,
                kind: if gp.sector == Sector::Township {
                    ResidentialKind::ToDanPho
                } else {
                    ResidentialKind::Thon
                },
                name: name.clone(),
                pub_id: Some(g.pub_id()),
            },
        )
        .await?;
        report.residential_units += 1;
    }
    Ok(Written {
        grassroots_id,
        cells,
        mass_orgs,
    })
}

fn first_of_year(d: Date) -> Date {
    Date::new(d.year(), 1, 1).unwrap_or(d)
}

/// One candidacy to write.
struct Job {
    goal: Goal,
    cell: usize,
}

/// The candidate's profile and the path's facts.
#[allow(clippy::too_many_arguments)]
async fn write_candidacy(
    tx: &mut Tx,
    ctx: &WriteCtx,
    g: &mut Gen,
    book: &RuleBook,
    gp: &GrassrootsPlan,
    w: &Written,
    job: &Job,
    n: u32,
    today: Date,
    report: &mut DemoReport,
) -> Result<()> {
    let sys = Scope::system();
    let cell = &w.cells[job.cell];
    let profile = cell.profile;
    let goal = job.goal;

    // Who: younger than the roster, often a Youth Union member.
    let female = g.chance(profile.female_share().clamp(0.3, 0.7));
    let gender = if female { Gender::Female } else { Gender::Male };
    let age_at_open = match profile.sector {
        Sector::HighSchool if g.chance(0.4) => 18,
        Sector::Police | Sector::Military => g.range(19, 32),
        _ => {
            let (lo, hi) = *g.weighted(&[((18, 30), 70), ((31, 45), 27), ((46, 55), 3)]);
            g.range(lo, hi)
        }
    };
    // Youth (≤ 30 full years) is judged at the vote, a year or two after the opening: everyone
    // who may still be young then gets the Youth Union's (or trade union's) introduction.
    let youth_at_open = age_at_open <= 31;
    let ethnicity = *g.weighted(profile.ethnic());
    let religion = profile.religion(g, false);
    let low_education = cell.highland && g.chance(0.08);
    let education = if low_education {
        (g.range(5, 8) as u8, 12)
    } else {
        (*g.weighted(&[(9u8, 15), (12, 85)]), 12)
    };
    let category = profile.source_category(g, age_at_open, female);
    let married = age_at_open >= 25 && g.chance(0.6);
    let extras = CandidateExtras {
        married,
        spouse_family_member: married && g.chance(0.15),
        own_family_member: g.chance(0.2),
        ..CandidateExtras::default()
    };

    // Mentor and introducers: official members of the cell.
    let officials = &cell.officials;
    if officials.len() < 3 {
        return Ok(());
    }
    let mut picks: Vec<usize> = (0..officials.len()).collect();
    g.shuffle(&mut picks);
    let mentor = officials[picks[0]].1.clone();
    let introducers = [officials[picks[1]].1.clone(), officials[picks[2]].1.clone()];
    let second_mentor =
        (officials.len() > 3 && g.chance(0.05)).then(|| officials[picks[3]].1.clone());
    let union = if cell.trade_union_instead {
        UnionKind::TradeUnion
    } else {
        UnionKind::YouthUnion
    };
    let proposer = if cell.trade_union_instead {
        w.mass_orgs.iter().find(|m| m.2 == MassOrgKind::TradeUnion)
    } else if youth_at_open {
        w.mass_orgs.iter().find(|m| m.2 == MassOrgKind::YouthUnion)
    } else if female {
        w.mass_orgs.iter().find(|m| m.2 == MassOrgKind::WomenUnion)
    } else {
        w.mass_orgs
            .iter()
            .find(|m| matches!(m.2, MassOrgKind::FarmersUnion | MassOrgKind::Veterans))
    };
    let proposer = proposer.filter(|_| g.chance(0.45));
    let facts = PathFacts {
        youth: youth_at_open,
        union,
        married: married && !extras.spouse_family_member,
        religious: religion.is_believer(),
        hoa: ethnicity == 4,
        grassroots_cell: cell.grassroots_cell,
        partial: cell.partial,
        authority: gp.authority,
        official_members: officials.len() as u32,
        committee_size: gp.committee_size,
        mentor,
        introducers,
        second_mentor,
        proposed_by: proposer.map(|m| m.1.clone()),
        category,
    };
    let disqualify = goal == Goal::Rejected(Stage::Verification);
    let stale = goal == Goal::Overdue(Stage::Dossier);
    let path = full_path(g, &facts, n, disqualify, stale);

    // Cut the road where the goal says, add the exit, and place it in time.
    let mut steps = cut(&path, goal.cut_stage());
    let entry_day = steps
        .iter()
        .find(|s| s.stage == goal.cut_stage())
        .map_or(0, |s| s.day);
    let last_day = steps.last().map_or(0, |s| s.day);
    let exit = |g: &mut Gen, steps: &mut Vec<Step>, after: i64, action: Action, stage: Stage| {
        let day = after + g.range(10, 120);
        steps.push(Step { day, action, stage });
    };
    match goal {
        Goal::Withdrawn(_) => {
            let reason = (*g.pick(WITHDRAW_REASONS)).to_string();
            exit(
                g,
                &mut steps,
                last_day,
                Action::Withdraw { reason },
                Stage::Withdrawn,
            );
        }
        Goal::Rejected(Stage::AwaitingDecision) => {
            let day = last_day + g.range(15, 45);
            steps.push(Step {
                day,
                action: Action::AdmissionDecision {
                    decision_no: format!("{}-QĐ/HU", g.range(100, 2900)),
                    approved: false,
                    authority: gp.authority,
                    received_on: add_days(EPOCH, day + g.range(1, 5)),
                    superior_consent_on: None,
                },
                stage: Stage::Rejected,
            });
        }
        Goal::Rejected(Stage::CellVote) => {
            // The cell's vote fell short of two thirds; the cell stops the candidacy.
            let day = last_day + g.range(5, 25);
            steps.push(Step {
                day,
                action: Action::CellVote {
                    base_note: None,
                    resolution_no: format!("{:02}-NQ/CB", g.range(1, 40)),
                    tally: tally(g, officials.len() as u32, false),
                },
                stage: Stage::CellVote,
            });
            let reason = (*g.pick(REJECT_REASONS)).to_string();
            exit(
                g,
                &mut steps,
                day,
                Action::Reject { reason },
                Stage::Rejected,
            );
        }
        Goal::Rejected(Stage::Verification) => {
            exit(
                g,
                &mut steps,
                last_day,
                Action::Reject {
                    reason: "Kết quả thẩm tra lý lịch không đủ tiêu chuẩn chính trị".to_string(),
                },
                Stage::Rejected,
            );
        }
        Goal::Rejected(_) => {
            let reason = (*g.pick(REJECT_REASONS)).to_string();
            exit(
                g,
                &mut steps,
                last_day,
                Action::Reject { reason },
                Stage::Rejected,
            );
        }
        Goal::Removed(Stage::RecognitionVote) => {
            let day = last_day + g.range(10, 30);
            steps.push(Step {
                day,
                action: Action::RecognitionDecision {
                    decision_no: format!("{}-QĐ/HU", g.range(100, 2900)),
                    approved: false,
                    authority: gp.authority,
                },
                stage: Stage::Removed,
            });
        }
        Goal::Removed(_) => {
            let after = entry_day + g.range(60, 250);
            steps.retain(|s| s.day <= after);
            let decision_no = format!("{}-QĐ/HU", g.range(100, 2900));
            exit(
                g,
                &mut steps,
                after,
                Action::Remove {
                    decision_no,
                    reason: "Không đủ tư cách đảng viên trong thời kỳ dự bị".to_string(),
                },
                Stage::Removed,
            );
        }
        Goal::TransferredOut(_) => {
            let after = if goal.cut_stage() == Stage::Probationary {
                let a = entry_day + g.range(30, 200);
                steps.retain(|s| s.day <= a);
                a
            } else {
                last_day
            };
            let to = format!(
                "Đảng ủy xã {} (tỉnh khác)",
                place_name(g, &mut BTreeSet::new())
            );
            exit(
                g,
                &mut steps,
                after,
                Action::TransferOut { to },
                Stage::TransferredOut,
            );
        }
        Goal::Deceased(_) => {
            let after = if goal.cut_stage() == Stage::Probationary {
                let a = entry_day + g.range(30, 250);
                steps.retain(|s| s.day <= a);
                a
            } else {
                last_day
            };
            exit(g, &mut steps, after, Action::RecordDeath, Stage::Deceased);
        }
        Goal::Annulled => {
            let a = entry_day + g.range(30, 200);
            steps.retain(|s| s.day <= a);
            let decision_no = format!("{}-QĐ/HU", g.range(100, 2900));
            exit(
                g,
                &mut steps,
                a,
                Action::Annul {
                    decision_no,
                    reason: "Kết nạp không đúng quy định: hồ sơ khai không trung thực".to_string(),
                    target: AnnulTarget::Admission,
                },
                Stage::Annulled,
            );
        }
        Goal::At(_) | Goal::Overdue(_) | Goal::Official => {}
    }

    // Days from the anchor step to today.
    let (anchor, lag) = match goal {
        Goal::At(s) => {
            let lag = match s {
                Stage::Source => g.range(0, 200),
                Stage::Sympathizer => g.range(0, 110),
                Stage::Course => g.range(0, 10),
                Stage::Dossier => g.range(0, 60),
                Stage::Verification => g.range(0, 95),
                Stage::CellVote | Stage::GrassrootsVote => g.range(0, 25),
                Stage::AwaitingDecision => g.range(0, 40),
                // The cell received the decision (up to 6 days after it) before today.
                Stage::AwaitingCeremony => g.range(6, 15),
                Stage::Probationary => g.range(0, 355),
                _ => g.range(0, 20),
            };
            (entry_day, lag)
        }
        Goal::Overdue(s) => {
            let lag = match s {
                // Received about three months ago: far past 30 working days.
                Stage::AwaitingCeremony => g.range(70, 110),
                Stage::AwaitingDecision => g.range(100, 140),
                // Probation ended two to three months ago without a recognition vote.
                Stage::Probationary => g.range(425, 460),
                _ => 0,
            };
            (entry_day, lag)
        }
        _ => (steps.last().map_or(0, |s| s.day), g.range(0, 700)),
    };
    let open_on = add_days(today, -(anchor + lag));
    let open_on = if let Goal::Overdue(Stage::Dossier) = goal {
        // The certificate (issued a week or two after enrolling) expires within two months.
        let issued_day = path
            .iter()
            .find_map(|s| match &s.action {
                Action::RecordCertificate { issued_on, .. } => {
                    Some(days_between(EPOCH, *issued_on))
                }
                _ => None,
            })
            .unwrap_or(0);
        let issued = add_days(months_before(today, 60), g.range(5, 50));
        let open = add_days(issued, -issued_day);
        steps.retain(|s| add_days(open, s.day) <= today);
        open
    } else {
        open_on
    };
    let delta = days_between(EPOCH, open_on);

    // The person, and a mass organisation's introduction before the opening.
    let birth = years_before(open_on, age_at_open, g.range(0, 330));
    let spec = PersonSpec {
        gender,
        birth,
        ethnicity,
        religion,
        education,
        qualification: if age_at_open <= 19 {
            Qualification::None
        } else {
            profile.qualification(g)
        },
        theory: TheoryLevel::None,
        category,
        youth_union: youth_at_open && cell.youth_union,
        trade_union: cell.trade_union_instead || !profile.sector.territorial(),
        unit: cell.unit.clone(),
    };
    let person = build_person(g, &spec, today)?;
    let person_id = people::insert(tx, ctx, &person, Some(g.pub_id())).await?;
    report.people += 1;
    if let Some((mass_org_id, _, _)) = proposer {
        let on = add_days(open_on, -g.range(0, 14));
        candidacies::introduce(tx, ctx, &sys, *mass_org_id, person_id, cell.org_id, on).await?;
        report.introductions += 1;
    }

    // Drive the candidacy through the real write path: opened, then its history recorded as
    // `execute` would step by step (`execute_many`: judged one by one, written together).
    let mut pub_id = String::new();
    let mut commands = Vec::new();
    let mut mentor_since: Option<Date> = None;
    for step in steps {
        let on = add_days(open_on, step.day);
        if on > today {
            break;
        }
        let mut action = step.action;
        shift(&mut action, delta);
        // A vote counts the cell's roster on its day (vote.cell), with the planned outcome.
        if let Action::CellVote { tally, .. } | Action::RecognitionCellVote { tally, .. } =
            &mut action
            && let Some(n) = members::official_on(tx, cell.org_id, on).await?
            && n > 0
        {
            *tally = to_roster(*tally, n);
        }
        let command = Command { on, action };
        if pub_id.is_empty() {
            let (_, id, _) = candidacies::open(
                tx,
                ctx,
                book,
                &sys,
                person_id,
                cell.org_id,
                &extras,
                command,
            )
            .await?;
            pub_id = id.as_str().to_string();
        } else {
            if mentor_since.is_none()
                && matches!(
                    command.action,
                    Action::ListAsSympathizer { .. } | Action::AssignMentor { .. }
                )
            {
                mentor_since = Some(on);
            }
            commands.push(command);
        }
        report.events += 1;
    }
    let events = if g.step_by_step {
        let mut events = Vec::with_capacity(commands.len());
        for (version, command) in (1i64..).zip(commands) {
            events
                .push(candidacies::execute(tx, ctx, book, &sys, &pub_id, version, command).await?);
        }
        events
    } else {
        candidacies::execute_many(tx, ctx, book, &sys, &pub_id, 1, commands).await?
    };
    let end = events.iter().find(|e| e.stage.is_terminal()).map(|e| e.on);

    // Monthly notes of the mentor, a few months missing, the latest ones more often.
    if let Some(since) = mentor_since {
        let until = end.unwrap_or(today);
        let mut month = add_months(
            Date::new(since.year(), since.month(), 1).unwrap_or(since),
            1,
        );
        let last_month_missing = g.chance(0.25);
        let mut notes = Vec::new();
        while month <= until && notes.len() < 18 {
            let next = add_months(month, 1);
            let on = add_days(month, g.range(19, 27));
            let recent = next > add_days(today, -40);
            let skip = g.chance(0.1) || (recent && last_month_missing);
            if on <= today && on <= until && !skip {
                let content = *g.pick(NOTES);
                notes.push(candidacies::NewMentorNote {
                    year: month.year(),
                    month: month.month(),
                    written_on: on,
                    content,
                });
            }
            month = next;
        }
        if g.step_by_step {
            for n in &notes {
                candidacies::add_mentor_note(
                    tx,
                    ctx,
                    book,
                    &sys,
                    &pub_id,
                    n.year,
                    n.month,
                    n.written_on,
                    n.content,
                )
                .await?;
            }
        } else {
            candidacies::add_mentor_notes(tx, ctx, book, &sys, &pub_id, &notes).await?;
        }
        report.mentor_notes += notes.len() as u64;
    }
    Ok(())
}

/// Deal the goals: every goal at least once (when there are enough candidacies), then by share;
/// shuffled.
fn deal_goals(g: &mut Gen, total: u32) -> Vec<Goal> {
    let weights: Vec<f64> = GOALS.iter().map(|(_, w)| f64::from(*w)).collect();
    let min = u32::from(total as usize >= GOALS.len());
    let counts = apportion(total, &weights, min);
    let mut out = Vec::with_capacity(total as usize);
    for ((goal, _), n) in GOALS.iter().zip(counts) {
        out.extend(std::iter::repeat_n(*goal, n as usize));
    }
    g.shuffle(&mut out);
    out
}

// ---------------------------------------------------------------------------------------------
// The generator
// ---------------------------------------------------------------------------------------------

/// Fill an **empty** database with a fictional district of `size`, as of `today`, from `seed`.
/// Refuses a database that holds anything ([`StoreError::Invalid`], nothing written). See the
/// module documentation for what it writes.
pub async fn generate(
    store: &Store,
    book: &RuleBook,
    size: DemoSize,
    seed: u64,
    today: Date,
    accounts: &DemoUsers,
) -> Result<DemoReport> {
    generate_district(store, book, size, seed, today, accounts, false).await
}

/// [`generate`], each candidacy's history recorded one [`candidacies::execute`] at a time (the
/// path a clerk's step takes) instead of with [`candidacies::execute_many`]: the same data, more
/// slowly. The bulk path is checked against it.
pub async fn generate_step_by_step(
    store: &Store,
    book: &RuleBook,
    size: DemoSize,
    seed: u64,
    today: Date,
    accounts: &DemoUsers,
) -> Result<DemoReport> {
    generate_district(store, book, size, seed, today, accounts, true).await
}

/// How many trees and districts [`generate_scale`] writes, each district of `size`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Shape {
    provinces: u32,
    districts: u32,
    size: DemoSize,
}

/// The named scales of `ketnap gen` (the benchmarks' data sets).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Scale {
    /// One province with one standard district (the demo): ~340 organisations, ~6,000 members,
    /// 1,200 candidacies.
    District,
    /// One province of 25 standard districts: ~8,500 organisations, ~150,000 members, 30,000
    /// candidacies.
    Province,
    /// 34 provinces of 25 standard districts: ~290,000 organisations, ~5.1 million members,
    /// ~1 million candidacies, ~10 million events.
    National,
}

impl Scale {
    fn shape(self) -> Shape {
        let (provinces, districts) = match self {
            Scale::District => (1, 1),
            Scale::Province => (1, 25),
            Scale::National => (34, 25),
        };
        Shape {
            provinces,
            districts,
            size: DemoSize::STANDARD,
        }
    }
}

/// Generate a named scale: the demo district (with the demo accounts, in its first district)
/// repeated over `provinces × districts`, every district planned and written as the demo's,
/// one grassroots organisation per transaction, then the start-of-year counts, the plans and the
/// key positions over the whole tree. Deterministic for a seed.
pub async fn generate_scale(
    store: &Store,
    book: &RuleBook,
    scale: Scale,
    seed: u64,
    today: Date,
    accounts: &DemoUsers,
    progress: &(dyn Fn(u32, u32) + Sync),
) -> Result<DemoReport> {
    generate_shape_with(
        store,
        book,
        scale.shape(),
        seed,
        today,
        accounts,
        progress,
        false,
    )
    .await
}

/// One province of one district of `size`.
async fn generate_district(
    store: &Store,
    book: &RuleBook,
    size: DemoSize,
    seed: u64,
    today: Date,
    accounts: &DemoUsers,
    step_by_step: bool,
) -> Result<DemoReport> {
    let shape = Shape {
        provinces: 1,
        districts: 1,
        size,
    };
    generate_shape_with(
        store,
        book,
        shape,
        seed,
        today,
        accounts,
        &|_, _| {},
        step_by_step,
    )
    .await
}

/// A province: created with its first district, right after that district is planned.
struct ProvinceSlot {
    id: Option<i64>,
    code: String,
    name: String,
}

/// Where a district sits and what it is called.
#[derive(Clone, Debug)]
struct DistrictPlace {
    code: String,
    name: String,
}

/// What one written district leaves for the accounts.
struct DistrictWritten {
    district: i64,
    plans: Vec<GrassrootsPlan>,
    written: Vec<Written>,
}

#[allow(clippy::too_many_arguments)]
async fn generate_shape_with(
    store: &Store,
    book: &RuleBook,
    shape: Shape,
    seed: u64,
    today: Date,
    accounts: &DemoUsers,
    progress: &(dyn Fn(u32, u32) + Sync),
    step_by_step: bool,
) -> Result<DemoReport> {
    if !ops::is_empty(store).await? {
        return Err(StoreError::invalid(
            "demo on a non-empty database",
            "Cơ sở dữ liệu đã có dữ liệu; dữ liệu mẫu chỉ được tạo trên cơ sở dữ liệu trống.",
        ));
    }
    let now = jiff::tz::Offset::constant(7)
        .to_timestamp(today.at(0, 0, 0, 0))
        .map_err(|e| StoreError::invalid(format!("demo date: {e}"), "Ngày không hợp lệ."))?;
    let ctx = WriteCtx::new(None, now).with_id_seed(seed);
    let mut g = Gen::new(seed);
    g.step_by_step = step_by_step;
    let mut report = DemoReport {
        seed,
        today: Some(today),
        ..DemoReport::default()
    };
    // Province and district names: the demo's first, then drawn (unique in the data set).
    let mut names = BTreeSet::new();
    names.insert(PROVINCE.to_string());
    names.insert(DISTRICT.to_string());
    let mut counter = 0u32;
    let mut first: Option<DistrictWritten> = None;
    let mut roots: Vec<(i64, String)> = Vec::new();
    let total = shape.provinces * shape.districts;
    let mut done = 0u32;
    for pi in 0..shape.provinces {
        let (pcode, pname) = if pi == 0 {
            ("TG".to_string(), PROVINCE.to_string())
        } else {
            (format!("P{:02}", pi + 1), place_name(&mut g, &mut names))
        };
        // Created by the first district after it is planned (the demo's draws, in its order).
        let mut province = ProvinceSlot {
            id: None,
            code: pcode.clone(),
            name: format!("Tỉnh ủy {pname}"),
        };
        for di in 0..shape.districts {
            let place = if pi == 0 && di == 0 {
                DistrictPlace {
                    code: "TG.HL".to_string(),
                    name: DISTRICT.to_string(),
                }
            } else {
                DistrictPlace {
                    code: format!("{pcode}.D{:02}", di + 1),
                    name: place_name(&mut g, &mut names),
                }
            };
            let d = write_district(
                store,
                &ctx,
                book,
                &mut g,
                shape.size,
                &mut province,
                &place,
                today,
                &mut counter,
                &mut report,
            )
            .await?;
            if di == 0
                && let Some(id) = province.id
            {
                roots.push((id, province.name.clone()));
            }
            if first.is_none() {
                first = Some(d);
            }
            done += 1;
            progress(done, total);
        }
    }
    let Some(first) = first else {
        return Err(StoreError::invalid(
            "gen with no district",
            "Không có huyện nào để tạo dữ liệu.",
        ));
    };

    // Start-of-year membership: this year and last.
    let mut tx = store.begin().await?;
    for year in [today.year() - 1, today.year()] {
        let jan1 = Date::new(year, 1, 1).unwrap_or(today);
        members::snapshot_start_of_year(&mut tx, &ctx, year, jan1).await?;
    }
    tx.commit().await?;

    // Plans for this year and the 2025–2030 term, suggested from the start-of-year membership.
    write_plans(store, &ctx, book, &mut g, today, &mut report).await?;

    // One account per role.
    write_accounts(
        store,
        &ctx,
        &mut g,
        accounts,
        &roots,
        first.district,
        &first.plans,
        &first.written,
        &mut report,
    )
    .await?;

    write_key_positions(store, &ctx, &mut g).await?;
    fill_counts(store, &mut report).await?;
    Ok(report)
}

/// Plan one district of `size` in memory, then write it under `province`: the district
/// committee, then each grassroots organisation in its own transaction (tree, roster,
/// candidacies with their histories, notes, introductions).
#[allow(clippy::too_many_arguments)]
async fn write_district(
    store: &Store,
    ctx: &WriteCtx,
    book: &RuleBook,
    g: &mut Gen,
    size: DemoSize,
    province: &mut ProvinceSlot,
    place: &DistrictPlace,
    today: Date,
    counter: &mut u32,
    report: &mut DemoReport,
) -> Result<DistrictWritten> {
    let ctx = *ctx;
    let mut places = BTreeSet::new();
    places.insert(place.name.clone());
    // The shape, planned in memory before anything is written.
    let n = size.grassroots.max(1) as usize;
    let sectors: Vec<(Sector, u32)> = (0..n).map(|i| ROTATION[i % ROTATION.len()]).collect();
    let cell_weights: Vec<f64> = sectors.iter().map(|(_, w)| f64::from(*w)).collect();
    let non_school: u32 = sectors
        .iter()
        .filter(|(s, _)| *s != Sector::HighSchool)
        .count() as u32;
    let cells_per = apportion(size.cells.max(non_school), &cell_weights, 0);
    let mut plans_g: Vec<GrassrootsPlan> = Vec::with_capacity(n);
    for (i, ((sector, _), cells)) in sectors.iter().zip(&cells_per).enumerate() {
        let cells = if *sector == Sector::HighSchool {
            0
        } else {
            (*cells).max(1)
        };
        plans_g.push(plan_grassroots(g, place, i, *sector, cells, &mut places));
    }
    // Members over every cell by weight, at least six each.
    let all_weights: Vec<f64> = plans_g
        .iter()
        .flat_map(|p| p.cells.iter().map(|c| c.weight))
        .collect();
    let per_cell = apportion(size.members, &all_weights, 6);
    let mut k = 0;
    for p in &mut plans_g {
        for c in &mut p.cells {
            c.members = per_cell[k];
            k += 1;
        }
    }
    // Candidacies: goals dealt over the cells by weight (bigger cells, more candidates).
    let goals = deal_goals(g, size.candidacies);
    let cell_index: Vec<(usize, usize, f64, bool)> = plans_g
        .iter()
        .enumerate()
        .flat_map(|(gi, p)| {
            p.cells
                .iter()
                .enumerate()
                .map(move |(ci, c)| (gi, ci, f64::from(c.members), p.kind.is_grassroots_cell()))
        })
        .collect();
    let weight_total: f64 = cell_index.iter().map(|c| c.2).sum();
    let mut jobs: Vec<Vec<Job>> = (0..n).map(|_| Vec::new()).collect();
    for goal in goals {
        let mut chosen = None;
        for _ in 0..50 {
            let mut r = g.unit() * weight_total;
            let mut pick = cell_index.len() - 1;
            for (i, c) in cell_index.iter().enumerate() {
                if r < c.2 {
                    pick = i;
                    break;
                }
                r -= c.2;
            }
            let (_, _, _, grassroots_cell) = cell_index[pick];
            if goal.needs_grassroots_vote() && grassroots_cell {
                continue;
            }
            chosen = Some(pick);
            break;
        }
        if let Some(pick) = chosen {
            let (gi, ci, _, _) = cell_index[pick];
            jobs[gi].push(Job { goal, cell: ci });
        }
    }

    let mut tx = store.begin().await?;
    let province_id = match province.id {
        Some(id) => id,
        None => {
            let id = orgs::create(
                &mut tx,
                &ctx,
                &NewOrg {
                    pub_id: Some(g.pub_id()),
                    ..NewOrg::new(
                        province.code.clone(),
                        province.name.clone(),
                        OrgKind::Provincial,
                        None,
                    )
                },
            )
            .await?;
            report.orgs += 1;
            province.id = Some(id);
            id
        }
    };
    let district = orgs::create(
        &mut tx,
        &ctx,
        &NewOrg {
            pub_id: Some(g.pub_id()),
            ..NewOrg::new(
                place.code.clone(),
                format!("Huyện ủy {}", place.name),
                OrgKind::District,
                Some(province_id),
            )
        },
    )
    .await?;
    report.orgs += 1;
    tx.commit().await?;

    // Each grassroots organisation in its own transaction: tree, roster, candidacies, notes.
    let mut written_all: Vec<Written> = Vec::with_capacity(n);
    for (gi, gp) in plans_g.iter().enumerate() {
        let mut tx = store.begin().await?;
        let written = write_grassroots(&mut tx, &ctx, g, district, gp, today, report).await?;
        for job in &jobs[gi] {
            *counter += 1;
            write_candidacy(
                &mut tx, &ctx, g, book, gp, &written, job, *counter, today, report,
            )
            .await?;
        }
        // Introductions that have not led to a listing yet.
        if let Some((mass_org_id, _, _)) = written
            .mass_orgs
            .iter()
            .find(|m| m.2 == MassOrgKind::YouthUnion)
            && let Some(cell) = written.cells.first()
        {
            for _ in 0..g.range(0, 2) {
                let spec = PersonSpec {
                    gender: if g.chance(0.5) {
                        Gender::Female
                    } else {
                        Gender::Male
                    },
                    birth: years_before(today, g.range(19, 27), g.range(0, 300)),
                    ethnicity: *g.weighted(cell.profile.ethnic()),
                    religion: Religion::None,
                    education: (12, 12),
                    qualification: Qualification::None,
                    theory: TheoryLevel::None,
                    category: SourceCategory::YouthUnionMember,
                    youth_union: true,
                    trade_union: false,
                    unit: cell.unit.clone(),
                };
                let person = build_person(g, &spec, today)?;
                let person_id = people::insert(&mut tx, &ctx, &person, Some(g.pub_id())).await?;
                report.people += 1;
                let on = add_days(today, -g.range(3, 40));
                candidacies::introduce(
                    &mut tx,
                    &ctx,
                    &Scope::system(),
                    *mass_org_id,
                    person_id,
                    cell.org_id,
                    on,
                )
                .await?;
                report.introductions += 1;
            }
        }
        tx.commit().await?;
        written_all.push(written);
    }

    Ok(DistrictWritten {
        district,
        plans: plans_g,
        written: written_all,
    })
}

async fn write_plans(
    store: &Store,
    ctx: &WriteCtx,
    book: &RuleBook,
    g: &mut Gen,
    today: Date,
    report: &mut DemoReport,
) -> Result<()> {
    let year = today.year();
    // Per organisation: start-of-year members and open cells in its subtree; one query.
    let rows: Vec<(i64, String, i64, i64)> = {
        let mut conn = store.read().await?;
        fetch_all!(
            conn.ex(),
            (i64, String, i64, i64),
            "SELECT o.org_id, o.kind, \
               COALESCE((SELECT s.official + s.probationary FROM membership_snapshot s \
                         WHERE s.org_id = o.org_id AND s.year = $1), CAST(0 AS BIGINT)), \
               (SELECT COUNT(*) FROM org_closure c JOIN org x ON x.org_id = c.descendant_id \
                WHERE c.ancestor_id = o.org_id AND x.closed_on IS NULL \
                  AND (x.kind LIKE 'cell:%' OR x.kind LIKE 'grassroots_cell:%')) \
             FROM org o WHERE o.closed_on IS NULL ORDER BY o.org_id",
            i64::from(year)
        )?
    };
    let rules = book.in_force(today);
    let mut plans: Vec<(i64, Plan)> = Vec::with_capacity(rows.len() * 2);
    for (org_id, kind, members, cells) in rows {
        let members = u32::try_from(members).unwrap_or(0);
        let cells = u32::try_from(cells).unwrap_or(0).max(1);
        let suggestion = plan::suggest(members, cells, rules);
        let mut year_plan = suggestion.to_plan(Period::Year(year));
        let is_cell = kind.starts_with("cell:") || kind.starts_with("grassroots_cell:");
        if is_cell {
            // A cell: at least the per-cell minimums (2 to the course, 1–2 admissions).
            year_plan.admissions = year_plan.admissions.clamp(1, 2);
            year_plan.course_attendees = year_plan.course_attendees.max(2);
            year_plan.sources = year_plan.sources.max(year_plan.course_attendees);
        } else {
            year_plan.sub_targets.insert(
                SubGroup::Women,
                SubTarget::Share(g.range(30, 45) as u32 * 100),
            );
            year_plan.sub_targets.insert(
                SubGroup::YouthUnion,
                SubTarget::Share(g.range(55, 70) as u32 * 100),
            );
            if kind.contains("enterprise") {
                year_plan
                    .sub_targets
                    .insert(SubGroup::Workers, SubTarget::Share(6000));
            }
        }
        // Staff edit some suggestions: a little more here, a little less there.
        if g.chance(0.15) && year_plan.admissions > 1 {
            year_plan.admissions = (year_plan.admissions as i64 + g.range(-1, 1)) as u32;
        }
        let term = Plan {
            period: Period::Term { start_year: 2025 },
            sources: year_plan.sources * 5,
            course_attendees: year_plan.course_attendees * 5,
            admissions: year_plan.admissions * 5,
            sub_targets: year_plan.sub_targets.clone(),
            quarter_weights: Default::default(),
        };
        plans.push((org_id, year_plan));
        plans.push((org_id, term));
        report.plans += 2;
    }
    // Every organisation's plans in one transaction, many per statement.
    let items: Vec<(i64, &Plan)> = plans.iter().map(|(o, p)| (*o, p)).collect();
    let mut tx = store.begin().await?;
    plans::upsert_many(&mut tx, ctx, &Scope::system(), &items).await?;
    tx.commit().await?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn write_accounts(
    store: &Store,
    ctx: &WriteCtx,
    g: &mut Gen,
    accounts: &DemoUsers,
    roots: &[(i64, String)],
    district: i64,
    plans_g: &[GrassrootsPlan],
    written: &[Written],
    report: &mut DemoReport,
) -> Result<()> {
    // The first commune: its first hamlet cell has a secretary, its first three cells a committee
    // member in charge, its Youth Union an account.
    let commune = plans_g
        .iter()
        .position(|p| matches!(p.sector, Sector::Commune { .. }))
        .unwrap_or(0);
    let w = &written[commune];
    let gp = &plans_g[commune];
    let first_cell = w.cells.first();
    let hash = accounts.password_hash.as_str();
    let mut tx = store.begin().await?;
    let district_name = format!("Huyện ủy {DISTRICT}");
    let name = |g: &mut Gen, female: bool| {
        full_name(g, if female { Gender::Female } else { Gender::Male }, 1)
    };
    let n = name(g, false);
    add_account(
        &mut tx,
        ctx,
        g,
        hash,
        report,
        "admin",
        &n,
        None,
        Role::Admin,
        roots,
    )
    .await?;
    let n = name(g, true);
    add_account(
        &mut tx,
        ctx,
        g,
        hash,
        report,
        "tochuc",
        &n,
        None,
        Role::OrgStaff,
        &[(district, district_name.clone())],
    )
    .await?;
    // Roster entries already behind an account: the second mentor below is someone else.
    let mut taken: Vec<i64> = Vec::new();
    if let Some(cell) = first_cell {
        let member = cell.officials.first().map(|m| m.0);
        taken.extend(member);
        let n = name(g, false);
        add_account(
            &mut tx,
            ctx,
            g,
            hash,
            report,
            "bithu",
            &n,
            member,
            Role::CellSecretary,
            &[(cell.org_id, cell.name.clone())],
        )
        .await?;
        // The mentor: the member who mentors most in that cell.
        let mentor: Option<(i64, i64)> = {
            fetch_optional!(
                tx.ex(),
                (i64, i64),
                "SELECT mentor_member_id, COUNT(*) FROM candidacy WHERE cell_id = $1 \
                 AND mentor_member_id IS NOT NULL GROUP BY mentor_member_id \
                 ORDER BY COUNT(*) DESC, mentor_member_id LIMIT 1",
                cell.org_id
            )?
        };
        let mentor = mentor.map(|m| m.0).or(cell.officials.get(1).map(|m| m.0));
        taken.extend(mentor);
        let n = name(g, true);
        add_account(
            &mut tx,
            ctx,
            g,
            hash,
            report,
            "giupdo",
            &n,
            mentor,
            Role::Mentor,
            &[(cell.org_id, cell.name.clone())],
        )
        .await?;
    }
    let three: Vec<(i64, String)> = w
        .cells
        .iter()
        .take(3)
        .map(|c| (c.org_id, c.name.clone()))
        .collect();
    let second = second_mentor(&mut tx, &w.cells[..w.cells.len().min(3)], &taken).await?;
    let n = name(g, false);
    let phutrach = add_account(
        &mut tx,
        ctx,
        g,
        hash,
        report,
        "phutrach",
        &n,
        second.as_ref().map(|(member, _)| *member),
        Role::CommitteeMemberInCharge,
        &three,
    )
    .await?;
    if let Some((_, cell)) = second {
        add_role(
            &mut tx,
            ctx,
            report,
            (phutrach, "phutrach"),
            Role::Mentor,
            &[cell],
        )
        .await?;
    }
    let n = name(g, true);
    add_account(
        &mut tx,
        ctx,
        g,
        hash,
        report,
        "ttct",
        &n,
        None,
        Role::PoliticalCentre,
        &[(district, district_name.clone())],
    )
    .await?;
    let n = name(g, false);
    add_account(
        &mut tx,
        ctx,
        g,
        hash,
        report,
        "doanthanhnien",
        &n,
        None,
        Role::MassOrg,
        &[(w.grassroots_id, gp.name.clone())],
    )
    .await?;
    let n = name(g, false);
    add_account(
        &mut tx,
        ctx,
        g,
        hash,
        report,
        "lanhdao",
        &n,
        None,
        Role::Viewer,
        &[(district, district_name)],
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The member the committee member in charge is on the roster as, and the cell where they
/// mentor: among `cells` (theirs), the member not in `taken` who mentors most candidacies (the
/// lowest member id on a tie, the earlier cell on a tie between cells); with no such mentor, the
/// first official of those cells not in `taken`. `None` only when the cells have no one left.
async fn second_mentor(
    tx: &mut Tx,
    cells: &[CellState],
    taken: &[i64],
) -> Result<Option<(i64, (i64, String))>> {
    let mut best: Option<(i64, i64, &CellState)> = None;
    for cell in cells {
        let rows: Vec<(i64, i64)> = fetch_all!(
            tx.ex(),
            (i64, i64),
            "SELECT mentor_member_id, COUNT(*) FROM candidacy WHERE cell_id = $1 \
             AND mentor_member_id IS NOT NULL GROUP BY mentor_member_id \
             ORDER BY COUNT(*) DESC, mentor_member_id",
            cell.org_id
        )?;
        if let Some((member, n)) = rows.into_iter().find(|(m, _)| !taken.contains(m))
            && best.as_ref().is_none_or(|(_, most, _)| n > *most)
        {
            best = Some((member, n, cell));
        }
    }
    if let Some((member, _, cell)) = best {
        return Ok(Some((member, (cell.org_id, cell.name.clone()))));
    }
    Ok(cells.iter().find_map(|cell| {
        cell.officials
            .iter()
            .find(|(m, _)| !taken.contains(m))
            .map(|(m, _)| (*m, (cell.org_id, cell.name.clone())))
    }))
}

/// One more role for an account made by [`add_account`], listed as its own line.
async fn add_role(
    tx: &mut Tx,
    ctx: &WriteCtx,
    report: &mut DemoReport,
    (user_id, username): (i64, &str),
    role: Role,
    orgs: &[(i64, String)],
) -> Result<()> {
    for (org, _) in orgs {
        users::grant(tx, ctx, user_id, role, *org).await?;
    }
    report.accounts.push(DemoAccount {
        username: username.to_string(),
        role,
        orgs: orgs.iter().map(|(_, n)| n.clone()).collect(),
    });
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn add_account(
    tx: &mut Tx,
    ctx: &WriteCtx,
    g: &mut Gen,
    hash: &str,
    report: &mut DemoReport,
    username: &str,
    display: &str,
    member: Option<i64>,
    role: Role,
    orgs: &[(i64, String)],
) -> Result<i64> {
    let id = users::create_user_with_pub_id(tx, ctx, username, display, hash, member, g.pub_id())
        .await?;
    for (org, _) in orgs {
        users::grant(tx, ctx, id, role, *org).await?;
    }
    report.accounts.push(DemoAccount {
        username: username.to_string(),
        role,
        orgs: orgs.iter().map(|(_, n)| n.clone()).collect(),
    });
    Ok(id)
}

/// Who holds the key positions of each residential unit ([`crate::coverage`]): people living
/// there, mostly members (veterans' and front heads nearly always, Youth Union secretaries less
/// often), otherwise non-members (candidates, young people a union introduced); a position with
/// nobody left to hold it stays vacant. One transaction, many positions per statement.
async fn write_key_positions(store: &Store, ctx: &WriteCtx, g: &mut Gen) -> Result<()> {
    use crate::coverage::{self, KeyPositionKind};
    let rows: Vec<(i64, i64, i64)> = {
        let mut conn = store.read().await?;
        fetch_all!(
            conn.ex(),
            (i64, i64, i64),
            "SELECT p.residential_unit_id, p.person_id, CAST(CASE WHEN EXISTS (SELECT 1 FROM member m \
             WHERE m.person_id = p.person_id AND m.status IN ('official', 'probationary')) THEN 1 ELSE 0 END AS BIGINT) \
             FROM person p WHERE p.residential_unit_id IS NOT NULL ORDER BY p.residential_unit_id, p.person_id"
        )?
    };
    let mut by_unit: BTreeMap<i64, (Vec<i64>, Vec<i64>)> = BTreeMap::new();
    for (unit, person, member) in rows {
        let e = by_unit.entry(unit).or_default();
        if member == 1 {
            e.0.push(person);
        } else {
            e.1.push(person);
        }
    }
    let mut items = Vec::new();
    for (unit, (mut members, mut others)) in by_unit {
        for kind in KeyPositionKind::ALL {
            let p_member = match kind {
                KeyPositionKind::VeteransHead => 0.9,
                KeyPositionKind::FrontCommitteeHead => 0.8,
                KeyPositionKind::HamletHead => 0.75,
                KeyPositionKind::YouthUnionSecretary => 0.35,
                _ => 0.55,
            };
            let want_member = g.chance(p_member);
            let pool = if (want_member && !members.is_empty()) || others.is_empty() {
                &mut members
            } else {
                &mut others
            };
            if pool.is_empty() {
                continue;
            }
            let person = pool.swap_remove(g.below(pool.len() as u64) as usize);
            items.push((unit, kind, Some(person)));
        }
    }
    let mut tx = store.begin().await?;
    coverage::set_key_positions(&mut tx, ctx, &Scope::system(), &items).await?;
    tx.commit().await?;
    Ok(())
}

async fn fill_counts(store: &Store, report: &mut DemoReport) -> Result<()> {
    let mut conn = store.read().await?;
    let stages: Vec<(String, i64)> = fetch_all!(
        conn.ex(),
        (String, i64),
        "SELECT stage, COUNT(*) FROM candidacy GROUP BY stage ORDER BY stage"
    )?;
    report.by_stage = stages
        .into_iter()
        .filter_map(|(s, n)| {
            crate::counters::stage_from_code(&s).map(|s| (s, u64::try_from(n).unwrap_or(0)))
        })
        .collect();
    let (official, probationary, audit_rows, people): (i64, i64, i64, i64) = fetch_one!(
        conn.ex(),
        (i64, i64, i64, i64),
        "SELECT (SELECT COUNT(*) FROM member WHERE status = 'official'), \
                (SELECT COUNT(*) FROM member WHERE status = 'probationary'), \
                (SELECT COUNT(*) FROM audit), (SELECT COUNT(*) FROM person)"
    )?;
    report.official = u64::try_from(official).unwrap_or(0);
    report.probationary = u64::try_from(probationary).unwrap_or(0);
    report.audit_rows = u64::try_from(audit_rows).unwrap_or(0);
    report.people = u64::try_from(people).unwrap_or(0);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_draws_the_same_names_and_another_seed_others() {
        let draw = |seed| {
            let mut g = Gen::new(seed);
            (0..20)
                .map(|i| {
                    full_name(
                        &mut g,
                        if i % 2 == 0 {
                            Gender::Male
                        } else {
                            Gender::Female
                        },
                        if i % 7 == 0 { 8 } else { 1 },
                    )
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(draw(7), draw(7));
        assert_ne!(draw(7), draw(8));
        for name in draw(7) {
            assert!(FullName::parse(&name).is_ok(), "{name}");
            assert!(name.split(' ').count() >= 2, "{name}");
        }
    }

    #[test]
    fn apportion_gives_every_share_its_minimum_and_sums_to_the_total() {
        let parts = apportion(100, &[1.0, 2.0, 3.0, 0.0], 5);
        assert_eq!(parts.iter().sum::<u32>(), 100);
        assert!(parts.iter().all(|&p| p >= 5), "{parts:?}");
        assert!(parts[2] > parts[1] && parts[1] > parts[0]);
    }

    #[test]
    fn every_goal_is_dealt_at_least_once_when_there_are_enough_candidacies() {
        let mut g = Gen::new(1);
        let goals = deal_goals(&mut g, 60);
        assert_eq!(goals.len(), 60);
        for (goal, _) in GOALS {
            assert!(goals.contains(goal), "{goal:?}");
        }
    }

    #[test]
    fn the_standard_size_scales_down_to_a_floor_that_still_shows_everything() {
        assert_eq!(DemoSize::scaled(1.0), DemoSize::STANDARD);
        let small = DemoSize::scaled(0.01);
        assert_eq!(small.grassroots, 6);
        assert!(small.cells >= 12 && small.members >= small.cells * 6);
        assert_eq!(small.candidacies, 60);
    }
}

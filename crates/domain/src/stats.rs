//! Composition statistics for the reports: how many women, young people, ethnic-minority members,
//! believers… among a set of people, and the shares the reports print.
//!
//! A [`Composition`] is a bag of counts: the composition of an organisation is the
//! [merge](Composition::merge) of its subtrees' compositions, in any order and grouping (the sum is
//! associative and commutative), so per-unit counters roll up without rescanning people.
//! People enter as [`ProfileFacts`], the few facts the counts need, taken from a [`Person`] as of
//! a date (ages change, so every composition is "as of" a date).
//!
//! Breakdowns follow `plans-and-reports.md` (Reports) and `reference-data.md`: women, age bands
//! (≤ 30, 31–40, 41–50, 51–60, > 60), youth age 16–30, ethnic minority and each group, religious
//! believers and each religion, upper-secondary education, college or higher qualification,
//! political-theory level, source category, Youth Union and trade-union members.
//!
//! Shares are exact ratios ([`Share`]); [`format_percent_vn`] writes them the way the reports do,
//! with a decimal comma, at most two decimals, **rounded half up** (15/16 → "93,75 %",
//! 7/18 → "38,89 %", 1/800 → "0,13 %").

use std::collections::BTreeMap;
use std::fmt;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::person::{
    Education, Ethnicity, Gender, Person, Qualification, Religion, SourceCategory, TheoryLevel,
};

// ---------------------------------------------------------------------------------------------
// Facts and age bands
// ---------------------------------------------------------------------------------------------

/// The facts about one person that the composition counts, as of a date.
///
/// Holds ethnicity and religion: like a [`Person`], keep it out of logs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileFacts {
    /// Giới tính.
    pub gender: Gender,
    /// Full years of age on the "as of" date.
    pub age_years: u32,
    /// Dân tộc.
    pub ethnicity: Ethnicity,
    /// Tôn giáo.
    pub religion: Religion,
    /// Giáo dục phổ thông.
    pub education: Education,
    /// Trình độ chuyên môn.
    pub qualification: Qualification,
    /// Lý luận chính trị.
    pub theory_level: TheoryLevel,
    /// Đối tượng nguồn.
    pub source_category: SourceCategory,
    /// Đoàn viên Đoàn TNCS Hồ Chí Minh.
    pub youth_union_member: bool,
    /// Đoàn viên công đoàn.
    pub trade_union_member: bool,
    /// The sector of the cell the person is counted in (a member's cell, the cell that admitted
    /// them); `None` when not counted in a cell.
    pub sector: Option<crate::org::Sector>,
}

impl ProfileFacts {
    /// The facts of `person` on `as_of` (age in full years on that date).
    pub fn of(person: &Person, as_of: Date) -> Self {
        ProfileFacts {
            gender: person.gender,
            age_years: person.birth_date.age_in_full_years(as_of),
            ethnicity: person.ethnicity,
            religion: person.religion,
            education: person.education,
            qualification: person.qualification,
            theory_level: person.theory_level,
            source_category: person.source_category,
            youth_union_member: person.youth_union_member,
            trade_union_member: person.trade_union_member,
            sector: None,
        }
    }
}

/// One fact about a person that a [`Composition`] counts: every person has exactly one of each
/// kind (a person is one [`Facet::Person`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Facet {
    /// The person (the total).
    Person,
    /// Giới tính.
    Gender(Gender),
    /// Full years of age on the "as of" date.
    Age(u32),
    /// Dân tộc.
    Ethnicity(Ethnicity),
    /// Tôn giáo.
    Religion(Religion),
    /// Giáo dục phổ thông.
    Education(Education),
    /// Trình độ chuyên môn.
    Qualification(Qualification),
    /// Lý luận chính trị.
    TheoryLevel(TheoryLevel),
    /// Đối tượng nguồn.
    Source(SourceCategory),
    /// Đoàn viên Đoàn TNCS Hồ Chí Minh.
    YouthUnion(bool),
    /// Đoàn viên công đoàn.
    TradeUnion(bool),
    /// The sector of the cell the person is counted in.
    Sector(Option<crate::org::Sector>),
}

impl ProfileFacts {
    /// The person's facts, one of each kind.
    pub fn facets(&self) -> [Facet; 12] {
        [
            Facet::Person,
            Facet::Gender(self.gender),
            Facet::Age(self.age_years),
            Facet::Ethnicity(self.ethnicity),
            Facet::Religion(self.religion),
            Facet::Education(self.education),
            Facet::Qualification(self.qualification),
            Facet::TheoryLevel(self.theory_level),
            Facet::Source(self.source_category),
            Facet::YouthUnion(self.youth_union_member),
            Facet::TradeUnion(self.trade_union_member),
            Facet::Sector(self.sector),
        ]
    }
}

/// The ages at which a composition's age counts change (its age band or youth age): ages in
/// one stretch between two of them count alike, so counting people "at least this old" at each
/// of these ages gives every age count a composition needs.
pub fn age_steps() -> Vec<u32> {
    (0..=150u32)
        .filter(|&a| {
            a == 0 || AgeBand::of(a) != AgeBand::of(a - 1) || is_youth_age(a) != is_youth_age(a - 1)
        })
        .collect()
}

/// The youngest age of the youth age group (Youth Union age), in full years.
pub const YOUTH_AGE_MIN: u32 = 16;
/// The oldest age of the youth age group, in full years.
pub const YOUTH_AGE_MAX: u32 = 30;

/// Whether an age in full years is youth age (16–30 inclusive).
pub fn is_youth_age(age_years: u32) -> bool {
    (YOUTH_AGE_MIN..=YOUTH_AGE_MAX).contains(&age_years)
}

/// An age band of the reports, by full years; the bands partition all ages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum AgeBand {
    /// 30 or younger.
    #[serde(rename = "up_to_30")]
    UpTo30,
    /// 31 to 40.
    #[serde(rename = "from_31_to_40")]
    From31To40,
    /// 41 to 50.
    #[serde(rename = "from_41_to_50")]
    From41To50,
    /// 51 to 60.
    #[serde(rename = "from_51_to_60")]
    From51To60,
    /// Over 60.
    #[serde(rename = "over_60")]
    Over60,
}

impl AgeBand {
    /// All bands, youngest first.
    pub const ALL: [AgeBand; 5] = [
        AgeBand::UpTo30,
        AgeBand::From31To40,
        AgeBand::From41To50,
        AgeBand::From51To60,
        AgeBand::Over60,
    ];

    /// The band of an age in full years.
    pub fn of(age_years: u32) -> AgeBand {
        match age_years {
            0..=30 => AgeBand::UpTo30,
            31..=40 => AgeBand::From31To40,
            41..=50 => AgeBand::From41To50,
            51..=60 => AgeBand::From51To60,
            _ => AgeBand::Over60,
        }
    }

    /// Whether the band holds an age in full years (its bounds, inclusive).
    pub fn contains(self, age_years: u32) -> bool {
        let (low, high) = match self {
            AgeBand::UpTo30 => (0, 30),
            AgeBand::From31To40 => (31, 40),
            AgeBand::From41To50 => (41, 50),
            AgeBand::From51To60 => (51, 60),
            AgeBand::Over60 => (61, u32::MAX),
        };
        (low..=high).contains(&age_years)
    }

    /// The Vietnamese label.
    pub fn label(self) -> &'static str {
        match self {
            AgeBand::UpTo30 => "Từ 30 tuổi trở xuống",
            AgeBand::From31To40 => "Từ 31 đến 40 tuổi",
            AgeBand::From41To50 => "Từ 41 đến 50 tuổi",
            AgeBand::From51To60 => "Từ 51 đến 60 tuổi",
            AgeBand::Over60 => "Trên 60 tuổi",
        }
    }
}

impl fmt::Display for AgeBand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

// ---------------------------------------------------------------------------------------------
// Composition
// ---------------------------------------------------------------------------------------------

/// Counts over a set of people. Maps hold only nonzero counts, in list order (the enums' order,
/// ethnic groups by code); the accessors by key return 0 for a missing key.
///
/// Every person is counted once in `total`, in one age band, one ethnic group, one religion, one
/// qualification, one theory level and one source category: each of those breakdowns sums to
/// `total`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Composition {
    total: u32,
    women: u32,
    age_bands: BTreeMap<AgeBand, u32>,
    youth_age: u32,
    minority: u32,
    by_ethnicity: BTreeMap<Ethnicity, u32>,
    believers: u32,
    by_religion: BTreeMap<Religion, u32>,
    primary: u32,
    lower_secondary: u32,
    upper_secondary: u32,
    college_or_higher: u32,
    by_qualification: BTreeMap<Qualification, u32>,
    by_theory_level: BTreeMap<TheoryLevel, u32>,
    by_source: BTreeMap<SourceCategory, u32>,
    youth_union_members: u32,
    trade_union_members: u32,
    by_sector: BTreeMap<crate::org::Sector, u32>,
}

/// Adds `n` to a counter. Saturating, so a corrupt counter never panics; real counts (millions)
/// are far from `u32::MAX`.
fn bump(counter: &mut u32, n: u32) {
    *counter = counter.saturating_add(n);
}

fn bump_key<K: Ord>(map: &mut BTreeMap<K, u32>, k: K, n: u32) {
    if n > 0 {
        bump(map.entry(k).or_insert(0), n);
    }
}

impl Composition {
    /// The empty composition (no one).
    pub fn new() -> Self {
        Composition::default()
    }

    /// The composition of `people` as of a date.
    pub fn of_people<'a>(people: impl IntoIterator<Item = &'a Person>, as_of: Date) -> Self {
        let mut c = Composition::new();
        for p in people {
            c.add(&ProfileFacts::of(p, as_of));
        }
        c
    }

    /// Count one more person.
    pub fn add(&mut self, f: &ProfileFacts) {
        for facet in f.facets() {
            self.add_count(facet, 1);
        }
    }

    /// Count `n` people with one fact: the composition kept as counters per fact (the report's
    /// membership from per-organisation counters) is rebuilt fact by fact, and [`add`] is the
    /// same for the facts of one person ([`ProfileFacts::facets`]).
    ///
    /// [`add`]: Composition::add
    pub fn add_count(&mut self, facet: Facet, n: u32) {
        let flag = |b: bool| if b { n } else { 0 };
        match facet {
            Facet::Person => bump(&mut self.total, n),
            Facet::Gender(g) => bump(&mut self.women, flag(g == Gender::Female)),
            Facet::Age(age) => {
                bump_key(&mut self.age_bands, AgeBand::of(age), n);
                bump(&mut self.youth_age, flag(is_youth_age(age)));
            }
            Facet::Ethnicity(e) => {
                bump(&mut self.minority, flag(e.is_minority()));
                bump_key(&mut self.by_ethnicity, e, n);
            }
            Facet::Religion(r) => {
                bump(&mut self.believers, flag(r.is_believer()));
                bump_key(&mut self.by_religion, r, n);
            }
            Facet::Education(e) => {
                bump(&mut self.primary, flag(e.primary_done()));
                bump(&mut self.lower_secondary, flag(e.lower_secondary_done()));
                bump(&mut self.upper_secondary, flag(e.upper_secondary_done()));
            }
            Facet::Qualification(q) => {
                bump(&mut self.college_or_higher, flag(q.is_college_or_higher()));
                bump_key(&mut self.by_qualification, q, n);
            }
            Facet::TheoryLevel(t) => bump_key(&mut self.by_theory_level, t, n),
            Facet::Source(s) => bump_key(&mut self.by_source, s, n),
            Facet::YouthUnion(b) => bump(&mut self.youth_union_members, flag(b)),
            Facet::TradeUnion(b) => bump(&mut self.trade_union_members, flag(b)),
            Facet::Sector(Some(s)) => bump_key(&mut self.by_sector, s, n),
            Facet::Sector(None) => {}
        }
    }

    /// Add another composition's counts (the roll-up of a subtree: the whole is the sum of its
    /// parts).
    pub fn merge(&mut self, other: &Composition) {
        bump(&mut self.total, other.total);
        bump(&mut self.women, other.women);
        for (&k, &n) in &other.age_bands {
            bump_key(&mut self.age_bands, k, n);
        }
        bump(&mut self.youth_age, other.youth_age);
        bump(&mut self.minority, other.minority);
        for (&k, &n) in &other.by_ethnicity {
            bump_key(&mut self.by_ethnicity, k, n);
        }
        bump(&mut self.believers, other.believers);
        for (&k, &n) in &other.by_religion {
            bump_key(&mut self.by_religion, k, n);
        }
        bump(&mut self.primary, other.primary);
        bump(&mut self.lower_secondary, other.lower_secondary);
        bump(&mut self.upper_secondary, other.upper_secondary);
        bump(&mut self.college_or_higher, other.college_or_higher);
        for (&k, &n) in &other.by_qualification {
            bump_key(&mut self.by_qualification, k, n);
        }
        for (&k, &n) in &other.by_theory_level {
            bump_key(&mut self.by_theory_level, k, n);
        }
        for (&k, &n) in &other.by_source {
            bump_key(&mut self.by_source, k, n);
        }
        bump(&mut self.youth_union_members, other.youth_union_members);
        bump(&mut self.trade_union_members, other.trade_union_members);
        for (&k, &n) in &other.by_sector {
            bump_key(&mut self.by_sector, k, n);
        }
    }

    /// The number of people.
    pub fn total(&self) -> u32 {
        self.total
    }

    /// Women (nữ).
    pub fn women(&self) -> u32 {
        self.women
    }

    /// People in an age band.
    pub fn age_band(&self, band: AgeBand) -> u32 {
        self.age_bands.get(&band).copied().unwrap_or(0)
    }

    /// Every age band with its count (zeros included), youngest first.
    pub fn age_bands(&self) -> impl Iterator<Item = (AgeBand, u32)> + '_ {
        AgeBand::ALL.into_iter().map(|b| (b, self.age_band(b)))
    }

    /// People of youth age (16–30).
    pub fn youth_age(&self) -> u32 {
        self.youth_age
    }

    /// Ethnic-minority people (any group but Kinh).
    pub fn minority(&self) -> u32 {
        self.minority
    }

    /// People of one ethnic group.
    pub fn ethnicity(&self, e: Ethnicity) -> u32 {
        self.by_ethnicity.get(&e).copied().unwrap_or(0)
    }

    /// Nonzero counts by ethnic group, by code.
    pub fn by_ethnicity(&self) -> &BTreeMap<Ethnicity, u32> {
        &self.by_ethnicity
    }

    /// Religious believers (any religion, including "Khác").
    pub fn believers(&self) -> u32 {
        self.believers
    }

    /// People of one religion ([`Religion::None`] counts those with none).
    pub fn religion(&self, r: Religion) -> u32 {
        self.by_religion.get(&r).copied().unwrap_or(0)
    }

    /// Nonzero counts by religion, in list order.
    pub fn by_religion(&self) -> &BTreeMap<Religion, u32> {
        &self.by_religion
    }

    /// People who completed primary school.
    pub fn primary_done(&self) -> u32 {
        self.primary
    }

    /// People who completed lower secondary school (THCS).
    pub fn lower_secondary_done(&self) -> u32 {
        self.lower_secondary
    }

    /// People who completed upper secondary school (THPT).
    pub fn upper_secondary_done(&self) -> u32 {
        self.upper_secondary
    }

    /// People with a college (cao đẳng) qualification or higher.
    pub fn college_or_higher(&self) -> u32 {
        self.college_or_higher
    }

    /// People with one professional qualification.
    pub fn qualification(&self, q: Qualification) -> u32 {
        self.by_qualification.get(&q).copied().unwrap_or(0)
    }

    /// Nonzero counts by professional qualification, lowest first.
    pub fn by_qualification(&self) -> &BTreeMap<Qualification, u32> {
        &self.by_qualification
    }

    /// People with one political-theory level.
    pub fn theory_level(&self, t: TheoryLevel) -> u32 {
        self.by_theory_level.get(&t).copied().unwrap_or(0)
    }

    /// Nonzero counts by political-theory level, lowest first.
    pub fn by_theory_level(&self) -> &BTreeMap<TheoryLevel, u32> {
        &self.by_theory_level
    }

    /// People of one source category.
    pub fn source(&self, s: SourceCategory) -> u32 {
        self.by_source.get(&s).copied().unwrap_or(0)
    }

    /// Nonzero counts by source category, in list order.
    pub fn by_source(&self) -> &BTreeMap<SourceCategory, u32> {
        &self.by_source
    }

    /// People counted in cells of `sector`.
    pub fn sector(&self, sector: crate::org::Sector) -> u32 {
        self.by_sector.get(&sector).copied().unwrap_or(0)
    }

    /// People by the sector of their cell (reference-data.md, "Sectors of cells").
    pub fn by_sector(&self) -> &BTreeMap<crate::org::Sector, u32> {
        &self.by_sector
    }

    /// Youth Union members (đoàn viên).
    pub fn youth_union_members(&self) -> u32 {
        self.youth_union_members
    }

    /// Trade-union members.
    pub fn trade_union_members(&self) -> u32 {
        self.trade_union_members
    }

    /// `part` out of everyone counted.
    pub fn share_of(&self, part: u32) -> Share {
        Share::new(part, self.total)
    }

    /// Share of women.
    pub fn women_share(&self) -> Share {
        self.share_of(self.women)
    }

    /// Share of people of youth age.
    pub fn youth_age_share(&self) -> Share {
        self.share_of(self.youth_age)
    }

    /// Share of ethnic-minority people.
    pub fn minority_share(&self) -> Share {
        self.share_of(self.minority)
    }

    /// Share of religious believers.
    pub fn believer_share(&self) -> Share {
        self.share_of(self.believers)
    }

    /// Share of people who completed upper secondary school.
    pub fn upper_secondary_share(&self) -> Share {
        self.share_of(self.upper_secondary)
    }

    /// Share of people with a college qualification or higher.
    pub fn college_or_higher_share(&self) -> Share {
        self.share_of(self.college_or_higher)
    }

    /// Share of Youth Union members.
    pub fn youth_union_share(&self) -> Share {
        self.share_of(self.youth_union_members)
    }
}

impl<'a> Extend<&'a ProfileFacts> for Composition {
    fn extend<I: IntoIterator<Item = &'a ProfileFacts>>(&mut self, iter: I) {
        for f in iter {
            self.add(f);
        }
    }
}

impl Extend<ProfileFacts> for Composition {
    fn extend<I: IntoIterator<Item = ProfileFacts>>(&mut self, iter: I) {
        for f in iter {
            self.add(&f);
        }
    }
}

impl<'a> FromIterator<&'a ProfileFacts> for Composition {
    fn from_iter<I: IntoIterator<Item = &'a ProfileFacts>>(iter: I) -> Self {
        let mut c = Composition::new();
        c.extend(iter);
        c
    }
}

impl FromIterator<ProfileFacts> for Composition {
    fn from_iter<I: IntoIterator<Item = ProfileFacts>>(iter: I) -> Self {
        let mut c = Composition::new();
        c.extend(iter);
        c
    }
}

// ---------------------------------------------------------------------------------------------
// Shares and percentages
// ---------------------------------------------------------------------------------------------

/// An exact share `part / whole` (15 of 16 women). Compare and format from the integers; no
/// floating point.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Share {
    /// The counted part.
    pub part: u32,
    /// The whole (may be 0: then there is no percentage).
    pub whole: u32,
}

impl Share {
    /// `part / whole`.
    pub fn new(part: u32, whole: u32) -> Self {
        Share { part, whole }
    }

    /// The percentage in hundredths of a percent, rounded half up (15/16 → 9375); `None` when
    /// the whole is 0.
    pub fn hundredths_of_percent(self) -> Option<u64> {
        let scaled = rounded_percent(self.part, self.whole, 2)?;
        u64::try_from(scaled).ok()
    }

    /// Vietnamese percentage with at most two decimals, rounded half up: "93,75 %", "87,5 %",
    /// "100 %"; `None` when the whole is 0.
    pub fn percent_vn(self) -> Option<String> {
        format_percent_vn(self.part, self.whole)
    }

    /// Whether the share is at least `num/den`, exactly (false when the whole is 0).
    pub fn at_least(self, num: u32, den: u32) -> bool {
        self.whole > 0
            && u64::from(self.part) * u64::from(den) >= u64::from(self.whole) * u64::from(num)
    }
}

impl fmt::Display for Share {
    /// The percentage ([`Share::percent_vn`]), or "—" when the whole is 0.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.percent_vn() {
            Some(p) => f.write_str(&p),
            None => f.write_str("—"),
        }
    }
}

/// `part / whole × 100` in units of 10^-`decimals` percent, rounded half up; `None` if
/// `whole` is 0.
fn rounded_percent(part: u32, whole: u32, decimals: u32) -> Option<u128> {
    crate::numfmt::scaled_percent(part, whole, decimals)
}

/// `part / whole` as a Vietnamese percentage with at most two decimals: decimal comma, trailing
/// zeros dropped, a space before `%`, `.` between thousands (15/16 → "93,75 %", 7/18 →
/// "38,89 %", 14/16 → "87,5 %", 23/16 → "143,75 %", 1/1 → "100 %"). `None` when `whole` is 0.
///
/// Rounding is **half up** on the exact ratio (1/800 = 0,125 % → "0,13 %"; 1/16 with one decimal
/// = 6,25 % → "6,3 %"), the rule people apply by hand to the seeds' figures.
pub fn format_percent_vn(part: u32, whole: u32) -> Option<String> {
    format_percent_vn_with(part, whole, 2)
}

/// Like [`format_percent_vn`] with at most `max_decimals` decimals (capped at 6): the seeds also
/// print one decimal ("38,9 %").
pub fn format_percent_vn_with(part: u32, whole: u32, max_decimals: u32) -> Option<String> {
    crate::numfmt::percent_vi(part, whole, max_decimals)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::person::PersonForm;
    use jiff::civil::date;
    use proptest::prelude::*;

    const AS_OF: Date = date(2026, 6, 30);

    /// The ages where a count changes: the bands (≤ 30, 31–40, 41–50, 51–60, > 60) and youth
    /// age (16–30), plan-and-reports.md (Reports).
    #[test]
    fn age_steps_are_where_a_band_or_youth_age_changes() {
        assert_eq!(age_steps(), vec![0, 16, 31, 41, 51, 61]);
    }

    /// Counting `n` people with one age gives what adding them one by one gives.
    #[test]
    fn an_age_counted_n_times_is_n_people_of_that_age() {
        for age in [0, 15, 16, 30, 31, 45, 60, 61, 90] {
            let mut by_count = Composition::new();
            by_count.add_count(Facet::Age(age), 3);
            let mut one_by_one = Composition::new();
            for _ in 0..3 {
                one_by_one.add_count(Facet::Age(age), 1);
            }
            assert_eq!(by_count, one_by_one, "{age}");
            assert_eq!(
                by_count.youth_age,
                if (16..=30).contains(&age) { 3 } else { 0 }
            );
        }
    }

    fn person(name: &str, birth: &str, gender: &str, ethnicity: &str, religion: &str) -> Person {
        PersonForm {
            full_name: name.into(),
            birth_date: birth.into(),
            gender: gender.into(),
            ethnicity: ethnicity.into(),
            religion: religion.into(),
            education: "12/12".into(),
            qualification: "Đại học".into(),
            theory_level: "Sơ cấp".into(),
            source_category: "Giáo viên".into(),
            youth_union_member: true,
            ..PersonForm::default()
        }
        .parse(AS_OF)
        .unwrap()
    }

    #[test]
    fn a_cells_sources_are_counted_by_every_breakdown_of_the_reports() {
        // Fictional people.
        let mut people = vec![
            person("Nguyễn Thị Lan", "01/07/1996", "Nữ", "Kinh", "Không"),
            person("Ksor H'Ben", "30/06/2010", "Nữ", "Gia-rai", "Tin Lành"),
            person("Trần Văn Bình", "01/07/1985", "Nam", "Kinh", "Công giáo"),
            person("Lò Văn Phong", "15/03/1966", "Nam", "Thái", "Không"),
        ];
        people[2].education = Education::parse("7/10").unwrap();
        people[2].qualification = Qualification::Intermediate;
        people[2].youth_union_member = false;
        people[3].education = Education::parse("9/12").unwrap();
        people[3].qualification = Qualification::None;
        people[3].youth_union_member = false;
        people[3].source_category = SourceCategory::HamletHead;

        let c = Composition::of_people(&people, AS_OF);
        assert_eq!(c.total(), 4);
        assert_eq!(c.women(), 2);
        // Ages on 30/06/2026: 29, 16 (birthday today), 40, 60.
        assert_eq!(c.age_band(AgeBand::UpTo30), 2);
        assert_eq!(c.age_band(AgeBand::From31To40), 1);
        assert_eq!(c.age_band(AgeBand::From51To60), 1);
        assert_eq!(c.age_band(AgeBand::Over60), 0);
        assert_eq!(c.youth_age(), 2);
        assert_eq!(c.minority(), 2);
        assert_eq!(c.ethnicity(Ethnicity::KINH), 2);
        assert_eq!(c.by_ethnicity().len(), 3);
        assert_eq!(c.believers(), 2);
        assert_eq!(c.religion(Religion::None), 2);
        assert_eq!(c.upper_secondary_done(), 2);
        assert_eq!(c.lower_secondary_done(), 4);
        assert_eq!(c.college_or_higher(), 2);
        assert_eq!(c.qualification(Qualification::Intermediate), 1);
        assert_eq!(c.theory_level(TheoryLevel::Elementary), 4);
        assert_eq!(c.source(SourceCategory::Teacher), 3);
        assert_eq!(c.source(SourceCategory::HamletHead), 1);
        assert_eq!(c.youth_union_members(), 2);
        assert_eq!(c.women_share().to_string(), "50 %");
        assert_eq!(c.minority_share().percent_vn().as_deref(), Some("50 %"));
        assert_eq!(c.youth_union_share(), Share::new(2, 4));
    }

    #[test]
    fn the_day_before_the_16th_birthday_is_not_youth_age_yet() {
        let p = person("Ksor H'Ben", "01/07/2010", "Nữ", "Gia-rai", "Không");
        assert_eq!(Composition::of_people([&p], AS_OF).youth_age(), 0);
        assert_eq!(
            Composition::of_people([&p], date(2026, 7, 1)).youth_age(),
            1
        );
    }

    #[test]
    fn age_bands_have_their_edges_where_the_reports_put_them() {
        let band = AgeBand::of;
        assert_eq!(
            [band(0), band(30), band(31), band(40), band(41)],
            [
                AgeBand::UpTo30,
                AgeBand::UpTo30,
                AgeBand::From31To40,
                AgeBand::From31To40,
                AgeBand::From41To50
            ]
        );
        assert_eq!(
            [band(50), band(51), band(60), band(61)],
            [
                AgeBand::From41To50,
                AgeBand::From51To60,
                AgeBand::From51To60,
                AgeBand::Over60
            ]
        );
        assert!(!is_youth_age(15) && is_youth_age(16) && is_youth_age(30) && !is_youth_age(31));
        assert_eq!(AgeBand::Over60.to_string(), "Trên 60 tuổi");
    }

    #[test]
    fn percentages_are_written_the_vietnamese_way_rounded_half_up() {
        assert_eq!(format_percent_vn(15, 16).as_deref(), Some("93,75 %"));
        assert_eq!(format_percent_vn(23, 16).as_deref(), Some("143,75 %"));
        assert_eq!(format_percent_vn(14, 16).as_deref(), Some("87,5 %"));
        assert_eq!(format_percent_vn(7, 18).as_deref(), Some("38,89 %"));
        assert_eq!(format_percent_vn(1, 3).as_deref(), Some("33,33 %"));
        assert_eq!(format_percent_vn(2, 3).as_deref(), Some("66,67 %"));
        assert_eq!(
            format_percent_vn(1, 800).as_deref(),
            Some("0,13 %"),
            "0,125 rounds up"
        );
        assert_eq!(format_percent_vn(16, 16).as_deref(), Some("100 %"));
        assert_eq!(format_percent_vn(0, 5).as_deref(), Some("0 %"));
        assert_eq!(format_percent_vn(25, 2).as_deref(), Some("1.250 %"));
        assert_eq!(format_percent_vn(1, 0), None);
        assert_eq!(format_percent_vn_with(7, 18, 1).as_deref(), Some("38,9 %"));
        assert_eq!(
            format_percent_vn_with(1, 16, 1).as_deref(),
            Some("6,3 %"),
            "6,25 rounds up"
        );
        assert_eq!(format_percent_vn_with(2, 3, 0).as_deref(), Some("67 %"));
        assert_eq!(
            format_percent_vn(u32::MAX, 1).as_deref(),
            Some("429.496.729.500 %")
        );
        assert_eq!(Share::new(15, 16).hundredths_of_percent(), Some(9375));
        assert_eq!(Share::new(3, 0).to_string(), "—");
        assert!(Share::new(2, 3).at_least(2, 3) && !Share::new(1, 2).at_least(2, 3));
    }

    #[test]
    fn an_empty_composition_has_no_shares() {
        let c = Composition::new();
        assert_eq!(c.total(), 0);
        assert_eq!(c.women_share().percent_vn(), None);
        assert_eq!(c.age_bands().map(|(_, n)| n).sum::<u32>(), 0);
    }

    #[test]
    fn a_composition_serialises_with_readable_keys() {
        let p = person("Nguyễn Thị Lan", "01/07/1996", "Nữ", "HMông", "Phật giáo");
        let c = Composition::of_people([&p], AS_OF);
        let text = toml::to_string(&c).unwrap();
        assert!(text.contains("up_to_30 = 1"), "{text}");
        assert!(text.contains("08 = 1"), "{text}");
        assert!(text.contains("buddhism = 1"), "{text}");
        assert_eq!(toml::from_str::<Composition>(&text).unwrap(), c);
    }

    // ---- properties ----

    fn facts() -> impl Strategy<Value = ProfileFacts> {
        (
            any::<bool>(),
            0u32..100,
            1u8..=54,
            0usize..Religion::ALL.len(),
            (0u8..=12, any::<bool>()),
            0usize..Qualification::ALL.len(),
            0usize..TheoryLevel::ALL.len(),
            0usize..SourceCategory::ALL.len(),
            any::<bool>(),
            any::<bool>(),
        )
            .prop_map(|(female, age, eth, rel, (grade, ten), q, t, s, yu, tu)| {
                let system = if ten { 10 } else { 12 };
                ProfileFacts {
                    gender: if female { Gender::Female } else { Gender::Male },
                    age_years: age,
                    ethnicity: Ethnicity::from_code(eth).unwrap(),
                    religion: Religion::ALL[rel],
                    education: Education::new(grade.min(system), system).unwrap(),
                    qualification: Qualification::ALL[q],
                    theory_level: TheoryLevel::ALL[t],
                    source_category: SourceCategory::ALL[s],
                    youth_union_member: yu,
                    trade_union_member: tu,
                    sector: Some(
                        crate::org::Sector::ALL[age as usize % crate::org::Sector::ALL.len()],
                    ),
                }
            })
    }

    fn composition() -> impl Strategy<Value = Composition> {
        prop::collection::vec(facts(), 0..20).prop_map(|v| v.iter().collect())
    }

    fn merged(a: &Composition, b: &Composition) -> Composition {
        let mut m = a.clone();
        m.merge(b);
        m
    }

    proptest! {
        #[test]
        fn merge_is_commutative(a in composition(), b in composition()) {
            prop_assert_eq!(merged(&a, &b), merged(&b, &a));
        }

        #[test]
        fn merge_is_associative(a in composition(), b in composition(), c in composition()) {
            prop_assert_eq!(merged(&merged(&a, &b), &c), merged(&a, &merged(&b, &c)));
        }

        #[test]
        fn the_empty_composition_is_the_unit_of_merge(a in composition()) {
            prop_assert_eq!(merged(&a, &Composition::new()), a.clone());
            prop_assert_eq!(merged(&Composition::new(), &a), a);
        }

        #[test]
        fn counting_parts_then_merging_equals_counting_the_whole(
            people in prop::collection::vec(facts(), 0..40),
            cut in 0usize..40,
        ) {
            let cut = cut.min(people.len());
            let whole: Composition = people.iter().collect();
            let left: Composition = people[..cut].iter().collect();
            let right: Composition = people[cut..].iter().collect();
            prop_assert_eq!(merged(&left, &right), whole);
        }

        #[test]
        fn totals_equal_the_number_of_people_and_every_breakdown_partitions_them(
            people in prop::collection::vec(facts(), 0..40),
        ) {
            let c: Composition = people.iter().collect();
            let n = u32::try_from(people.len()).unwrap();
            prop_assert_eq!(c.total(), n);
            prop_assert_eq!(c.age_bands().map(|(_, k)| k).sum::<u32>(), n);
            prop_assert_eq!(c.by_ethnicity().values().sum::<u32>(), n);
            prop_assert_eq!(c.by_religion().values().sum::<u32>(), n);
            prop_assert_eq!(c.by_qualification().values().sum::<u32>(), n);
            prop_assert_eq!(c.by_theory_level().values().sum::<u32>(), n);
            prop_assert_eq!(c.by_source().values().sum::<u32>(), n);
            prop_assert_eq!(c.minority() + c.ethnicity(Ethnicity::KINH), n);
            prop_assert_eq!(c.believers() + c.religion(Religion::None), n);
            prop_assert!(c.upper_secondary_done() <= c.lower_secondary_done());
            prop_assert!(c.lower_secondary_done() <= c.primary_done());
            prop_assert!(c.youth_age() <= c.age_band(AgeBand::UpTo30));
            prop_assert!(c.by_religion().values().all(|&k| k > 0));
        }

        #[test]
        fn every_age_falls_in_exactly_one_band(age in prop_oneof![0u32..200, Just(u32::MAX)]) {
            let holding: Vec<AgeBand> = AgeBand::ALL.into_iter().filter(|b| b.contains(age)).collect();
            prop_assert_eq!(holding, vec![AgeBand::of(age)]);
            if age > 0 { prop_assert!(AgeBand::of(age - 1) <= AgeBand::of(age)); }
        }

        #[test]
        fn percentages_are_within_half_a_unit_of_the_exact_value(part in 0u32..10_000, whole in 1u32..10_000) {
            let h = Share::new(part, whole).hundredths_of_percent().unwrap();
            // |h/10000 - part/whole| <= 1/20000, in integers:
            let exact = u128::from(part) * 10_000 * 2;
            let got = u128::from(h) * u128::from(whole) * 2;
            prop_assert!(got.abs_diff(exact) <= u128::from(whole));
        }
    }
}

//! Plans, quotas and their arithmetic: periods, targets and sub-targets, the quarter split, the
//! suggested targets from the cited rates, plan-vs-actual with the seeds' conventions, rollups.
//!
//! Conventions (`shared/domain/plans-and-reports.md`), stated once here:
//! - **Rounding to people**: round half up. `830 × 3 % = 24,9 → 25`, `10 × 25 % = 2,5 → 3`; the
//!   computation is shown with every rounded count ([`RoundedShare::text`]).
//! - **Quarter split**: largest remainder. Even by default, the remainder going to the earliest
//!   quarters (10 → 3, 3, 2, 2); custom weights allowed ([`quarter_split`]). The split always sums
//!   to the total.
//! - **Achievement** = actual ÷ target, exact (a rational), shown with a decimal comma and trailing
//!   zeros dropped (`143,75 %`, `87,5 %`, `80 %`); a target of 0 has no percentage (`—`).
//! - **Sub-group achievement is measured against the admissions target** (seed: 2018, 23 admitted
//!   of a target of 16 → 143,75 %; of whom 15 women → 93,75 %, 14 Youth Union members → 87,5 %).
//! - **Cumulative results** are against the annual plan (seed: "from January to now: 60, 80 % of the
//!   annual plan"); term results read as a fraction (`21/15`).
//! - **Terms** (nhiệm kỳ `2025–2030`) cover the five calendar years after the congress year
//!   (2026–2030), so every year belongs to exactly one term.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::numfmt::{decimal_vi, group_thousands, round_half_up};
use crate::rules::{CountRange, PercentRange, RuleSet, Violation, format_bp};

// ---------------------------------------------------------------------------------------------
// Numbers in Vietnamese
// ---------------------------------------------------------------------------------------------

fn to_u32(n: u128) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// A count written the Vietnamese way (`7.650`).
pub fn format_count(n: u32) -> String {
    group_thousands(u128::from(n))
}

// ---------------------------------------------------------------------------------------------
// Periods
// ---------------------------------------------------------------------------------------------

/// The period of a plan or a report: a calendar year, a 5-year term, a quarter, and for the
/// periodic reports a half year (6 tháng) or a month.
///
/// Shown in Vietnamese (`2025`, `2025–2030`, `Quý I/2025`, `6 tháng đầu năm 2025`,
/// `Tháng 3/2025`); stored and serialised by [`Period::code`] (`2025`, `2025-2030`, `2025-Q1`,
/// `2025-H1`, `2025-03`). Both forms parse.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum Period {
    /// A calendar year.
    Year(i16),
    /// A party term `start_year–start_year+5` (nhiệm kỳ 2025–2030): the calendar years
    /// `start_year + 1 ..= start_year + 5`, the five annual plans after the congress.
    Term {
        /// The congress year that opens the term.
        start_year: i16,
    },
    /// A quarter of a year. `q` is 1..=4; build it with [`Period::quarter`] or by parsing (a
    /// hand-built `q` outside that range is read as the nearest quarter).
    Quarter {
        /// The year.
        year: i16,
        /// The quarter, 1..=4.
        q: u8,
    },
    /// A half year: `h` 1 (January–June, 6 tháng đầu năm) or 2 (July–December, 6 tháng cuối
    /// năm). Build it with [`Period::half`] or by parsing (`h` outside 1..=2 reads as the nearest).
    Half {
        /// The year.
        year: i16,
        /// The half, 1..=2.
        h: u8,
    },
    /// A calendar month. Build it with [`Period::month`] or by parsing (`month` outside 1..=12
    /// reads as the nearest).
    Month {
        /// The year.
        year: i16,
        /// The month, 1..=12.
        month: u8,
    },
    /// Any days, first and last included (từ ngày … đến ngày …). Build it with
    /// [`Period::range`] (a hand-built `to` before `from` reads as the one day `from`).
    Range {
        /// First day.
        from: Date,
        /// Last day.
        to: Date,
    },
    /// From 1 January of a year through a day of it (tính đến ngày …): the year so far, measured
    /// against the whole year's plan.
    AsOf(Date),
}

/// A text that is not a period.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
pub enum PeriodError {
    /// Not one of the forms `2025`, `2025–2030`, `Quý I/2025`, `2025-Q1`, `6 tháng đầu năm 2025`,
    /// `2025-H1`, `Tháng 3/2025`, `2025-03`.
    #[error(
        "Kỳ kế hoạch không hợp lệ: «{0}» (ví dụ: 2025, 2025–2030, Quý I/2025, 6 tháng đầu năm 2025, Tháng 3/2025, từ 15/01/2025 đến 31/07/2025, tính đến ngày 31/07/2025)."
    )]
    Invalid(String),
    /// A term that is not five years long.
    #[error("Nhiệm kỳ phải dài 5 năm (ví dụ 2025–2030): «{0}».")]
    TermLength(String),
}

const YEARS: std::ops::RangeInclusive<i16> = 1900..=2999;
const ROMAN: [&str; 4] = ["I", "II", "III", "IV"];

fn day(y: i32, m: i8, d: i8, fallback: Date) -> Date {
    i16::try_from(y)
        .ok()
        .and_then(|y| Date::new(y, m, d).ok())
        .unwrap_or(fallback)
}

impl Period {
    /// The quarter `q` (1..=4) of `year`.
    pub fn quarter(year: i16, q: u8) -> Option<Period> {
        (1..=4).contains(&q).then_some(Period::Quarter { year, q })
    }

    /// The half `h` (1..=2) of `year`.
    pub fn half(year: i16, h: u8) -> Option<Period> {
        (1..=2).contains(&h).then_some(Period::Half { year, h })
    }

    /// The month `month` (1..=12) of `year`.
    pub fn month(year: i16, month: u8) -> Option<Period> {
        (1..=12)
            .contains(&month)
            .then_some(Period::Month { year, month })
    }

    /// The days `from ..= to`; `None` when `to` is before `from`.
    pub fn range(from: Date, to: Date) -> Option<Period> {
        (from <= to).then_some(Period::Range { from, to })
    }

    /// The plan a period is measured against: its own, or for the year so far (a day "as of",
    /// or a range from 1 January inside one year) the whole year's; `None` for another range.
    pub fn plan_period(&self) -> Option<Period> {
        match *self {
            Period::AsOf(d) => Some(Period::Year(d.year())),
            Period::Range { from, to }
                if from.month() == 1 && from.day() == 1 && from.year() == to.year() =>
            {
                Some(Period::Year(from.year()))
            }
            Period::Range { .. } => None,
            p => Some(p),
        }
    }

    /// The quarter containing `d`.
    pub fn quarter_of(d: Date) -> Period {
        let q = u8::try_from((d.month() - 1) / 3 + 1).unwrap_or(1);
        Period::Quarter { year: d.year(), q }
    }

    /// The year containing `d`.
    pub fn year_of(d: Date) -> Period {
        Period::Year(d.year())
    }

    fn q_clamped(q: u8) -> u8 {
        q.clamp(1, 4)
    }

    fn h_clamped(h: u8) -> u8 {
        h.clamp(1, 2)
    }

    fn m_clamped(m: u8) -> i8 {
        i8::try_from(m.clamp(1, 12)).unwrap_or(1)
    }

    /// The first day of the period.
    pub fn first_day(&self) -> Date {
        match *self {
            Period::Year(y) => day(i32::from(y), 1, 1, Date::MIN),
            Period::Term { start_year } => day(i32::from(start_year) + 1, 1, 1, Date::MAX),
            Period::Quarter { year, q } => {
                let m = i8::try_from(3 * (Self::q_clamped(q) - 1) + 1).unwrap_or(1);
                day(i32::from(year), m, 1, Date::MIN)
            }
            Period::Half { year, h } => {
                let m = if Self::h_clamped(h) == 1 { 1 } else { 7 };
                day(i32::from(year), m, 1, Date::MIN)
            }
            Period::Month { year, month } => {
                day(i32::from(year), Self::m_clamped(month), 1, Date::MIN)
            }
            Period::Range { from, .. } => from,
            Period::AsOf(d) => d.first_of_year(),
        }
    }

    /// The last day of the period.
    pub fn last_day(&self) -> Date {
        match *self {
            Period::Year(y) => day(i32::from(y), 12, 31, Date::MAX),
            Period::Term { start_year } => day(i32::from(start_year) + 5, 12, 31, Date::MAX),
            Period::Quarter { year, q } => {
                let q = Self::q_clamped(q);
                let m = i8::try_from(3 * q).unwrap_or(12);
                let d = if q == 2 || q == 3 { 30 } else { 31 };
                day(i32::from(year), m, d, Date::MAX)
            }
            Period::Half { year, h } => {
                let (m, d) = if Self::h_clamped(h) == 1 {
                    (6, 30)
                } else {
                    (12, 31)
                };
                day(i32::from(year), m, d, Date::MAX)
            }
            Period::Month { year, month } => {
                day(i32::from(year), Self::m_clamped(month), 1, Date::MAX).last_of_month()
            }
            Period::Range { from, to } => to.max(from),
            Period::AsOf(d) => d,
        }
    }

    /// Is `d` inside the period (first and last day included)?
    pub fn contains(&self, d: Date) -> bool {
        self.first_day() <= d && d <= self.last_day()
    }

    /// The calendar years the period touches.
    pub fn years(&self) -> Vec<i16> {
        match *self {
            Period::Year(y)
            | Period::Quarter { year: y, .. }
            | Period::Half { year: y, .. }
            | Period::Month { year: y, .. } => vec![y],
            Period::Term { start_year } => {
                (1..=5).filter_map(|i| start_year.checked_add(i)).collect()
            }
            Period::AsOf(d) => vec![d.year()],
            Period::Range { .. } => (self.first_day().year()..=self.last_day().year()).collect(),
        }
    }

    /// The quarters of the period, in order (a quarter is its own only quarter; a month gives the
    /// quarter that holds it).
    pub fn quarters(&self) -> Vec<Period> {
        match *self {
            Period::Quarter { year, q } => vec![Period::Quarter {
                year,
                q: Self::q_clamped(q),
            }],
            Period::Half { year, h } => {
                let first = 2 * Self::h_clamped(h) - 1;
                vec![
                    Period::Quarter { year, q: first },
                    Period::Quarter { year, q: first + 1 },
                ]
            }
            Period::Month { .. } => vec![Period::quarter_of(self.first_day())],
            Period::Range { .. } | Period::AsOf(_) => {
                // The quarters its days touch.
                let mut out = Vec::new();
                let mut q = Period::quarter_of(self.first_day());
                while q.first_day() <= self.last_day() {
                    out.push(q);
                    match q.last_day().tomorrow() {
                        Ok(next) => q = Period::quarter_of(next),
                        Err(_) => break,
                    }
                }
                out
            }
            _ => self
                .years()
                .into_iter()
                .flat_map(|year| (1..=4).map(move |q| Period::Quarter { year, q }))
                .collect(),
        }
    }

    /// The ASCII form for storage and URLs: `2025`, `2025-2030`, `2025-Q1`, `2025-H1`, `2025-03`.
    pub fn code(&self) -> String {
        match *self {
            Period::Year(y) => y.to_string(),
            Period::Term { start_year } => {
                format!("{start_year}-{}", i32::from(start_year) + 5)
            }
            Period::Quarter { year, q } => format!("{year}-Q{}", Self::q_clamped(q)),
            Period::Half { year, h } => format!("{year}-H{}", Self::h_clamped(h)),
            Period::Month { year, month } => format!("{year}-{:02}", Self::m_clamped(month)),
            Period::Range { .. } => format!("{}..{}", self.first_day(), self.last_day()),
            Period::AsOf(d) => d.to_string(),
        }
    }
}

impl fmt::Display for Period {
    /// `2025`, `2025–2030`, `Quý I/2025`, `6 tháng đầu năm 2025`, `Tháng 3/2025`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Period::Year(y) => write!(f, "{y}"),
            Period::Term { start_year } => write!(f, "{start_year}–{}", i32::from(start_year) + 5),
            Period::Quarter { year, q } => {
                let roman = ROMAN[usize::from(Self::q_clamped(q) - 1)];
                write!(f, "Quý {roman}/{year}")
            }
            Period::Half { year, h } => {
                let which = if Self::h_clamped(h) == 1 {
                    "đầu"
                } else {
                    "cuối"
                };
                write!(f, "6 tháng {which} năm {year}")
            }
            Period::Month { year, month } => write!(f, "Tháng {}/{year}", Self::m_clamped(month)),
            Period::Range { .. } => write!(
                f,
                "Từ {} đến {}",
                crate::dates::format_vn(self.first_day()),
                crate::dates::format_vn(self.last_day())
            ),
            Period::AsOf(d) => write!(
                f,
                "Năm {} tính đến ngày {}",
                d.year(),
                crate::dates::format_vn(d)
            ),
        }
    }
}

fn parse_year(s: &str) -> Option<i16> {
    if s.len() != 4 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok().filter(|y| YEARS.contains(y))
}

fn parse_month(s: &str) -> Option<u8> {
    if s.is_empty() || s.len() > 2 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok().filter(|m| (1..=12).contains(m))
}

/// `6 tháng đầu năm 2025`, `6 tháng cuối năm 2025`, `2025-h1`, `h2/2025` (lower case).
fn parse_half(lower: &str) -> Option<Result<Period, ()>> {
    if let Some(rest) = lower.strip_prefix("6 tháng") {
        let rest = rest.trim();
        let (h, rest) = if let Some(r) = rest.strip_prefix("đầu") {
            (1, r)
        } else if let Some(r) = rest.strip_prefix("cuối") {
            (2, r)
        } else {
            return Some(Err(()));
        };
        let rest = rest.trim();
        let rest = rest.strip_prefix("năm").unwrap_or(rest).trim();
        return Some(
            parse_year(rest)
                .map(|year| Period::Half { year, h })
                .ok_or(()),
        );
    }
    if lower.contains("tháng") || !lower.contains('h') {
        return None;
    }
    let tokens: Vec<&str> = lower
        .split(|c: char| "/-. ".contains(c))
        .filter(|t| !t.is_empty())
        .collect();
    let [a, b] = tokens.as_slice() else {
        return Some(Err(()));
    };
    let (ht, yt) = if a.starts_with('h') { (a, b) } else { (b, a) };
    let h = match ht.strip_prefix('h') {
        Some("1") => 1,
        Some("2") => 2,
        _ => return Some(Err(())),
    };
    Some(
        parse_year(yt)
            .map(|year| Period::Half { year, h })
            .ok_or(()),
    )
}

/// `tháng 3/2025`, `tháng 3 năm 2025`, `03/2025`, `2025-03` (lower case).
fn parse_month_period(lower: &str) -> Option<Result<Period, ()>> {
    let rest = match lower.strip_prefix("tháng") {
        Some(r) => r.trim().replace("năm", "/"),
        None if lower.contains('/') => lower.to_string(),
        None => {
            // `2025-03`: a year, a dash, one or two digits (a term has a year after the dash).
            let (y, m) = lower.split_once('-')?;
            if m.trim().len() > 2 {
                return None;
            }
            return Some(
                parse_year(y.trim())
                    .zip(parse_month(m.trim()))
                    .map(|(year, month)| Period::Month { year, month })
                    .ok_or(()),
            );
        }
    };
    let tokens: Vec<&str> = rest
        .split(|c: char| c == '/' || c.is_whitespace())
        .filter(|t| !t.is_empty())
        .collect();
    let [m, y] = tokens.as_slice() else {
        return Some(Err(()));
    };
    Some(
        parse_year(y)
            .zip(parse_month(m))
            .map(|(year, month)| Period::Month { year, month })
            .ok_or(()),
    )
}

/// A day as written: `31/7/2019`, `31/07/2019` or `2019-07-31`.
fn parse_day(s: &str) -> Option<Date> {
    let s = s.trim();
    crate::dates::parse_vn(s).or_else(|| {
        (s.len() == 10 && s.as_bytes().get(4) == Some(&b'-'))
            .then(|| s.parse().ok())
            .flatten()
    })
}

/// `từ 15/01/2025 đến 31/07/2025`, `2025-01-15..2025-07-31` (a range); `tính đến ngày 31/7/2019`,
/// `đến 31/07/2019`, `2019-07-31` (the year as of a day); `None` when it is not about days.
fn parse_days(lower: &str) -> Option<Option<Period>> {
    if let Some((a, b)) = lower.split_once("..") {
        return Some(
            parse_day(a)
                .zip(parse_day(b))
                .and_then(|(a, b)| Period::range(a, b)),
        );
    }
    if let Some(rest) = lower.strip_prefix("từ") {
        let rest = rest.trim().strip_prefix("ngày").unwrap_or(rest.trim());
        let (a, b) = rest.split_once("đến")?;
        let b = b.trim().strip_prefix("ngày").unwrap_or(b.trim());
        return Some(
            parse_day(a)
                .zip(parse_day(b))
                .and_then(|(a, b)| Period::range(a, b)),
        );
    }
    let rest = lower.strip_prefix("tính").map(str::trim).unwrap_or(lower);
    if let Some(rest) = rest.strip_prefix("đến") {
        let rest = rest.trim().strip_prefix("ngày").unwrap_or(rest.trim());
        return Some(parse_day(rest).map(Period::AsOf));
    }
    // A bare ISO day (the code of "as of").
    if lower.len() == 10
        && lower.as_bytes().get(4) == Some(&b'-')
        && lower.as_bytes().get(7) == Some(&b'-')
    {
        return Some(parse_day(lower).map(Period::AsOf));
    }
    None
}

fn parse_q(s: &str) -> Option<u8> {
    match s {
        "1" | "i" => Some(1),
        "2" | "ii" => Some(2),
        "3" | "iii" => Some(3),
        "4" | "iv" => Some(4),
        _ => None,
    }
}

impl FromStr for Period {
    type Err = PeriodError;

    /// Accepts `2025`, `năm 2025`; `2025–2030`, `2025-2030`, `nhiệm kỳ 2025 - 2030`; `Quý I/2025`,
    /// `quý 1 năm 2025`, `Q1/2025`, `2025-Q1`; `6 tháng đầu năm 2025`, `6 tháng cuối năm 2025`,
    /// `2025-H1`, `H2/2025`; `Tháng 3/2025`, `tháng 3 năm 2025`, `03/2025`, `2025-03`.
    /// Years 1900–2999.
    fn from_str(s: &str) -> Result<Period, PeriodError> {
        let invalid = || PeriodError::Invalid(s.to_string());
        let lower = s.trim().to_lowercase();
        if let Some(p) = parse_days(&lower) {
            return p.ok_or_else(invalid);
        }
        let lower = lower
            .strip_prefix("nhiệm kỳ")
            .unwrap_or(&lower)
            .trim()
            .to_string();
        let lower = lower
            .strip_prefix("năm")
            .unwrap_or(&lower)
            .trim()
            .to_string();
        if let Some(half) = parse_half(&lower) {
            return half.map_err(|()| invalid());
        }
        if !lower.contains('q')
            && let Some(month) = parse_month_period(&lower)
        {
            return month.map_err(|()| invalid());
        }
        if lower.contains('q') {
            let spaced = lower.replace("quý", " q ").replace("năm", " ");
            let spaced: String = spaced
                .chars()
                .map(|c| if "/-.–,".contains(c) { ' ' } else { c })
                .collect();
            let mut tokens: Vec<String> = Vec::new();
            let mut words = spaced.split_whitespace().peekable();
            while let Some(w) = words.next() {
                if w == "q" {
                    let n = words.next().ok_or_else(invalid)?;
                    tokens.push(format!("q{n}"));
                } else {
                    tokens.push(w.to_string());
                }
            }
            let [a, b] = tokens.as_slice() else {
                return Err(invalid());
            };
            let (qt, yt) = if a.starts_with('q') { (a, b) } else { (b, a) };
            let q = qt.strip_prefix('q').and_then(parse_q).ok_or_else(invalid)?;
            let year = parse_year(yt).ok_or_else(invalid)?;
            return Ok(Period::Quarter { year, q });
        }
        if let Some((a, b)) = lower.split_once(['–', '-']) {
            let start = parse_year(a.trim()).ok_or_else(invalid)?;
            let end = parse_year(b.trim()).ok_or_else(invalid)?;
            if i32::from(end) - i32::from(start) != 5 {
                return Err(PeriodError::TermLength(s.to_string()));
            }
            return Ok(Period::Term { start_year: start });
        }
        parse_year(&lower).map(Period::Year).ok_or_else(invalid)
    }
}

impl From<Period> for String {
    fn from(p: Period) -> String {
        p.code()
    }
}

impl TryFrom<String> for Period {
    type Error = PeriodError;
    fn try_from(s: String) -> Result<Period, PeriodError> {
        s.parse()
    }
}

// ---------------------------------------------------------------------------------------------
// Rounded shares and the quarter split
// ---------------------------------------------------------------------------------------------

/// A count of people computed as a share of a base, rounded half up, with its computation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoundedShare {
    /// The base (membership, admissions target).
    pub base: u32,
    /// The share, basis points (1 % = 100).
    pub bp: u32,
    /// `base × bp / 10 000`, rounded half up.
    pub value: u32,
}

impl RoundedShare {
    /// `base × bp / 10 000` rounded half up.
    pub fn of(base: u32, bp: u32) -> RoundedShare {
        let exact = u128::from(base) * u128::from(bp);
        RoundedShare {
            base,
            bp,
            value: to_u32(round_half_up(exact, 10_000)),
        }
    }

    /// Is the product a whole number (no rounding happened)?
    pub fn is_exact(&self) -> bool {
        (u128::from(self.base) * u128::from(self.bp)) % 10_000 == 0
    }

    /// The computation as staff read it: `830 × 3 % = 24,9 → 25`; `800 × 3 % = 24` when exact.
    pub fn text(&self) -> String {
        let exact = decimal_vi(u128::from(self.base) * u128::from(self.bp), 4);
        let head = format!(
            "{} × {} % = {exact}",
            format_count(self.base),
            format_bp(self.bp)
        );
        if self.is_exact() {
            head
        } else {
            format!("{head} → {}", format_count(self.value))
        }
    }
}

/// How a plan's counts are split over the four quarters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuarterWeights {
    /// Even: a quarter each, the remainder to the earliest quarters.
    #[default]
    Even,
    /// Proportional to these weights (explicit quarter counts are weights that sum to the total).
    /// All zero is read as even.
    Custom([u32; 4]),
}

/// Split `total` over four quarters by largest remainder: each quarter gets the whole part of
/// `total × weight / Σ weights`; the units left go one each to the largest remainders, ties to the
/// earliest quarter. The parts always sum to `total`; a quarter of weight 0 gets 0. Even split:
/// `10` → `[3, 3, 2, 2]`.
pub fn quarter_split(total: u32, weights: QuarterWeights) -> [u32; 4] {
    let w = match weights {
        QuarterWeights::Custom(w) if w.iter().any(|&x| x > 0) => w,
        _ => [1; 4],
    };
    let sum: u128 = w.iter().map(|&x| u128::from(x)).sum();
    let mut out = [0u32; 4];
    let mut rem = [0u128; 4];
    let mut given: u128 = 0;
    for ((o, r), &wi) in out.iter_mut().zip(rem.iter_mut()).zip(w.iter()) {
        let n = u128::from(total) * u128::from(wi);
        *o = to_u32(n / sum);
        *r = n % sum;
        given += u128::from(*o);
    }
    let mut left = u128::from(total).saturating_sub(given);
    let mut order = [0usize, 1, 2, 3];
    order.sort_by(|&a, &b| rem[b].cmp(&rem[a]).then(a.cmp(&b)));
    for i in order {
        if left == 0 {
            break;
        }
        out[i] += 1;
        left -= 1;
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Plans
// ---------------------------------------------------------------------------------------------

/// A group the plans set sub-targets for and the reports break down by.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum SubGroup {
    /// Nữ.
    Women,
    /// Đoàn viên thanh niên (đoàn viên ưu tú).
    YouthUnion,
    /// Công nhân.
    Workers,
    /// Người dân tộc thiểu số.
    EthnicMinority,
    /// Người có đạo.
    Religious,
    /// Học sinh, sinh viên.
    Students,
    /// Giáo viên.
    Teachers,
    /// Trưởng thôn, tổ trưởng tổ dân phố.
    HamletHeads,
    /// Any other group a deployment names (its Vietnamese label).
    Other(String),
}

impl SubGroup {
    /// The named groups (not [`SubGroup::Other`]).
    pub const NAMED: [SubGroup; 8] = [
        SubGroup::Women,
        SubGroup::YouthUnion,
        SubGroup::Workers,
        SubGroup::EthnicMinority,
        SubGroup::Religious,
        SubGroup::Students,
        SubGroup::Teachers,
        SubGroup::HamletHeads,
    ];

    /// Vietnamese label, lower case, as after "trong đó": `nữ`, `đoàn viên thanh niên`.
    pub fn label(&self) -> &str {
        match self {
            SubGroup::Women => "nữ",
            SubGroup::YouthUnion => "đoàn viên thanh niên",
            SubGroup::Workers => "công nhân",
            SubGroup::EthnicMinority => "người dân tộc thiểu số",
            SubGroup::Religious => "người có đạo",
            SubGroup::Students => "học sinh, sinh viên",
            SubGroup::Teachers => "giáo viên",
            SubGroup::HamletHeads => "trưởng thôn, tổ trưởng tổ dân phố",
            SubGroup::Other(label) => label,
        }
    }

    /// Stable code: `women`, `youth_union`, …, `other:<label>`.
    pub fn code(&self) -> String {
        match self {
            SubGroup::Women => "women".into(),
            SubGroup::YouthUnion => "youth_union".into(),
            SubGroup::Workers => "workers".into(),
            SubGroup::EthnicMinority => "ethnic_minority".into(),
            SubGroup::Religious => "religious".into(),
            SubGroup::Students => "students".into(),
            SubGroup::Teachers => "teachers".into(),
            SubGroup::HamletHeads => "hamlet_heads".into(),
            SubGroup::Other(label) => format!("other:{label}"),
        }
    }

    /// The group of a [`SubGroup::code`].
    pub fn from_code(code: &str) -> Option<SubGroup> {
        if let Some(label) = code.strip_prefix("other:") {
            let label = label.trim();
            return (!label.is_empty()).then(|| SubGroup::Other(label.to_string()));
        }
        SubGroup::NAMED.into_iter().find(|g| g.code() == code)
    }
}

impl fmt::Display for SubGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

impl From<SubGroup> for String {
    fn from(g: SubGroup) -> String {
        g.code()
    }
}

impl TryFrom<String> for SubGroup {
    type Error = String;
    fn try_from(s: String) -> Result<SubGroup, String> {
        SubGroup::from_code(&s).ok_or_else(|| format!("nhóm không hợp lệ: «{s}»"))
    }
}

/// A sub-target: a count, or a share of the plan's admissions target.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubTarget {
    /// So many people.
    Count(u32),
    /// Basis points of the admissions target (4000 = 40 %).
    Share(u32),
}

impl SubTarget {
    /// The count: a share is `admissions × share` rounded half up (`16 × 40 % = 6,4 → 6`).
    pub fn resolved_count(&self, admissions: u32) -> u32 {
        match *self {
            SubTarget::Count(n) => n,
            SubTarget::Share(bp) => RoundedShare::of(admissions, bp).value,
        }
    }

    /// The rounding shown for a share (`None` for a count).
    pub fn computation(&self, admissions: u32) -> Option<RoundedShare> {
        match *self {
            SubTarget::Count(_) => None,
            SubTarget::Share(bp) => Some(RoundedShare::of(admissions, bp)),
        }
    }
}

/// A line of a plan or a report.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Line {
    /// Sources (quần chúng cảm tình Đảng in the pipeline).
    Sources,
    /// People sent to the party awareness course.
    CourseAttendees,
    /// New members admitted.
    Admissions,
    /// Admissions of a sub-group ("trong đó …").
    SubGroup(SubGroup),
}

impl Line {
    /// Vietnamese label.
    pub fn label(&self) -> String {
        match self {
            Line::Sources => "Nguồn cảm tình Đảng".to_string(),
            Line::CourseAttendees => "Học lớp nhận thức về Đảng".to_string(),
            Line::Admissions => "Kết nạp đảng viên".to_string(),
            Line::SubGroup(g) => format!("trong đó: {}", g.label()),
        }
    }
}

/// What a plan or a rollup refuses, with a Vietnamese message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
pub enum PlanError {
    /// Plans of different periods were combined.
    #[error("Kế hoạch kỳ {found} không cùng kỳ {expected}.")]
    PeriodMismatch {
        /// The period asked for.
        expected: Period,
        /// The period of the offending plan.
        found: Period,
    },
    /// A share above 100 % of the admissions target.
    #[error("Chỉ tiêu {group} bằng {} % chỉ tiêu kết nạp, vượt quá 100 %.", format_bp(*.bp))]
    ShareTooLarge {
        /// The sub-group.
        group: SubGroup,
        /// The share, basis points.
        bp: u32,
    },
    /// A sub-target larger than the admissions target.
    #[error("Chỉ tiêu {group} ({count}) lớn hơn chỉ tiêu kết nạp ({admissions}).")]
    SubTargetTooLarge {
        /// The sub-group.
        group: SubGroup,
        /// The resolved sub-target.
        count: u32,
        /// The admissions target.
        admissions: u32,
    },
}

/// The plan of one organisation for one period (the store keys it by organisation and period).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    /// The period planned.
    pub period: Period,
    /// Target: sources (sympathizers) to build.
    pub sources: u32,
    /// Target: people sent to the awareness course.
    pub course_attendees: u32,
    /// Target: admissions.
    pub admissions: u32,
    /// Sub-targets of the admissions, by group.
    #[serde(default)]
    pub sub_targets: BTreeMap<SubGroup, SubTarget>,
    /// How the targets split over the quarters (year plans).
    #[serde(default)]
    pub quarter_weights: QuarterWeights,
}

impl Plan {
    /// An empty plan (all targets 0) for `period`.
    pub fn new(period: Period) -> Plan {
        Plan {
            period,
            sources: 0,
            course_attendees: 0,
            admissions: 0,
            sub_targets: BTreeMap::new(),
            quarter_weights: QuarterWeights::Even,
        }
    }

    /// The sub-targets as counts (shares resolved against the admissions target).
    pub fn resolved_sub_targets(&self) -> BTreeMap<SubGroup, u32> {
        self.sub_targets
            .iter()
            .map(|(g, t)| (g.clone(), t.resolved_count(self.admissions)))
            .collect()
    }

    /// The target of a line (a sub-group without a sub-target: 0).
    pub fn target(&self, line: &Line) -> u32 {
        match line {
            Line::Sources => self.sources,
            Line::CourseAttendees => self.course_attendees,
            Line::Admissions => self.admissions,
            Line::SubGroup(g) => self
                .sub_targets
                .get(g)
                .map_or(0, |t| t.resolved_count(self.admissions)),
        }
    }

    /// The quarter targets of a line, by [`quarter_split`] with the plan's weights.
    pub fn quarter_targets(&self, line: &Line) -> [u32; 4] {
        quarter_split(self.target(line), self.quarter_weights)
    }

    /// The target of `line` by month: each quarter's target split evenly over its three months
    /// (largest remainder, earliest month first), so the twelve sum to the year's target.
    pub fn month_targets(&self, line: &Line) -> [u32; 12] {
        let quarters = self.quarter_targets(line);
        let mut out = [0u32; 12];
        for (m, slot) in out.iter_mut().enumerate() {
            *slot = quarter_split(quarters[m / 3], QuarterWeights::Custom([1, 1, 1, 0]))[m % 3];
        }
        out
    }

    /// Sub-targets that cannot hold: a share above 100 %, or a count above the admissions target.
    pub fn check(&self) -> Result<(), PlanError> {
        for (g, t) in &self.sub_targets {
            if let SubTarget::Share(bp) = *t
                && bp > 10_000
            {
                return Err(PlanError::ShareTooLarge {
                    group: g.clone(),
                    bp,
                });
            }
            let count = t.resolved_count(self.admissions);
            if count > self.admissions {
                return Err(PlanError::SubTargetTooLarge {
                    group: g.clone(),
                    count,
                    admissions: self.admissions,
                });
            }
        }
        Ok(())
    }

    fn lines(&self) -> Vec<Line> {
        let mut lines = vec![Line::Sources, Line::CourseAttendees, Line::Admissions];
        lines.extend(self.sub_targets.keys().cloned().map(Line::SubGroup));
        lines
    }
}

// ---------------------------------------------------------------------------------------------
// Suggested plan
// ---------------------------------------------------------------------------------------------

/// Low, middle and high counts of a rate applied to the membership.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RateSuggestion {
    /// The rule (`plan.admissions_rate`).
    pub rule_id: &'static str,
    /// Its citation.
    pub citation: String,
    /// The rate range.
    pub rate: PercentRange,
    /// At the low rate.
    pub low: RoundedShare,
    /// At the midpoint of the range (rounded to whole basis points).
    pub mid: RoundedShare,
    /// At the high rate.
    pub high: RoundedShare,
}

impl RateSuggestion {
    fn new(base: u32, rate: &crate::rules::Cited<PercentRange>) -> RateSuggestion {
        let r = rate.value;
        let mid_bp = to_u32(round_half_up(
            u128::from(r.low_bp) + u128::from(r.high_bp),
            2,
        ));
        RateSuggestion {
            rule_id: rate.id,
            citation: rate.cite(),
            rate: r,
            low: RoundedShare::of(base, r.low_bp),
            mid: RoundedShare::of(base, mid_bp),
            high: RoundedShare::of(base, r.high_bp),
        }
    }

    /// `25–33 (830 × 3 % = 24,9 → 25; 830 × 4 % = 33,2 → 33)`.
    pub fn text(&self) -> String {
        format!(
            "{}–{} ({}; {})",
            format_count(self.low.value),
            format_count(self.high.value),
            self.low.text(),
            self.high.text()
        )
    }
}

/// A per-cell quota multiplied by the number of cells.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PerCell {
    /// The rule (`plan.cell_course_min`, `plan.cell_admissions`).
    pub rule_id: &'static str,
    /// Its citation.
    pub citation: String,
    /// Number of cells.
    pub cells: u32,
    /// The quota of each cell.
    pub per_cell: CountRange,
    /// `cells × per_cell`.
    pub total: CountRange,
}

impl PerCell {
    fn new(rule_id: &'static str, citation: String, cells: u32, per_cell: CountRange) -> PerCell {
        let total = CountRange {
            low: cells.saturating_mul(per_cell.low),
            high: cells.saturating_mul(per_cell.high),
        };
        PerCell {
            rule_id,
            citation,
            cells,
            per_cell,
            total,
        }
    }

    /// `41 chi bộ × 1–2 = 41–82`.
    pub fn text(&self) -> String {
        let total = if self.total.low == self.total.high {
            format_count(self.total.low)
        } else {
            format!(
                "{}–{}",
                format_count(self.total.low),
                format_count(self.total.high)
            )
        };
        format!(
            "{} chi bộ × {} = {total}",
            format_count(self.cells),
            self.per_cell
        )
    }
}

/// Targets suggested from the start-of-year membership and the number of cells; staff accept or
/// edit them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SuggestedPlan {
    /// Đảng số đầu năm.
    pub start_of_year_members: u32,
    /// Number of cells.
    pub cells: u32,
    /// Admissions at `plan.admissions_rate` (3–4 %).
    pub admissions: RateSuggestion,
    /// Sources at `plan.sources_rate` (6–8 %).
    pub sources: RateSuggestion,
    /// At least `plan.cell_course_min` (2) people per cell to the awareness course.
    pub course: PerCell,
    /// `plan.cell_admissions` (1–2) admissions per cell.
    pub cell_admissions: PerCell,
}

impl SuggestedPlan {
    /// A plan from the suggestion: admissions and sources at the middle rate; course attendees at
    /// least the per-cell minimum and at least the admissions target (everyone admitted must have
    /// passed the course).
    pub fn to_plan(&self, period: Period) -> Plan {
        let admissions = self.admissions.mid.value;
        Plan {
            sources: self.sources.mid.value,
            course_attendees: self.course.total.low.max(admissions),
            admissions,
            ..Plan::new(period)
        }
    }
}

/// A superior's directive or an organisation's own resolution setting the admission and source
/// rates for its subtree (plans-and-reports.md: "a district's 3–4 %", "a commune's 3–5 %"), from a
/// plan year on, inherited down the tree.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RateDecision {
    /// Who decided (the organisation's name).
    pub decided_by: String,
    /// The document's number ("05-CT/HU").
    pub document_no: String,
    /// The document's date.
    pub document_on: Date,
    /// The first plan year it applies to.
    pub year_from: i16,
    /// Admissions, % of the start-of-year membership.
    pub admissions: Option<PercentRange>,
    /// Sources, % of the membership.
    pub sources: Option<PercentRange>,
}

impl RateDecision {
    /// `rules` with the rates this decision sets, cited to it.
    pub fn apply(&self, rules: &RuleSet) -> RuleSet {
        let mut r = rules.clone();
        let cite = format!(
            "Văn bản số {} ngày {} của {} (áp dụng từ kế hoạch năm {})",
            self.document_no,
            crate::dates::format_vn(self.document_on),
            self.decided_by,
            self.year_from
        );
        if let Some(a) = self.admissions {
            r.plan_admissions_rate.value = a;
            r.plan_admissions_rate.citation = cite.clone().into();
            r.plan_admissions_rate.confidence = crate::rules::Confidence::DeploymentChoice;
        }
        if let Some(s) = self.sources {
            r.plan_sources_rate.value = s;
            r.plan_sources_rate.citation = cite.into();
            r.plan_sources_rate.confidence = crate::rules::Confidence::DeploymentChoice;
        }
        r
    }
}

/// The suggested targets: `round(start-of-year membership × rate)`, rounding half up, at the low,
/// middle and high rate of the RuleSet, and the per-cell quotas times `cells`.
pub fn suggest(start_of_year_members: u32, cells: u32, rules: &RuleSet) -> SuggestedPlan {
    SuggestedPlan {
        start_of_year_members,
        cells,
        admissions: RateSuggestion::new(start_of_year_members, &rules.plan_admissions_rate),
        sources: RateSuggestion::new(start_of_year_members, &rules.plan_sources_rate),
        course: PerCell::new(
            rules.plan_cell_course_min.id,
            rules.plan_cell_course_min.cite(),
            cells,
            CountRange {
                low: rules.plan_cell_course_min.value.0,
                high: rules.plan_cell_course_min.value.0,
            },
        ),
        cell_admissions: PerCell::new(
            rules.plan_cell_admissions.id,
            rules.plan_cell_admissions.cite(),
            cells,
            rules.plan_cell_admissions.value,
        ),
    }
}

/// Warnings for a plan of an organisation below the cited rates: admissions below
/// `plan.admissions_rate` and sources below `plan.sources_rate` of the start-of-year membership.
pub fn check_rates(plan: &Plan, start_of_year_members: u32, rules: &RuleSet) -> Vec<Violation> {
    let mut out = Vec::new();
    let adm = RoundedShare::of(
        start_of_year_members,
        rules.plan_admissions_rate.value.low_bp,
    );
    if plan.admissions < adm.value {
        out.push(rules.plan_admissions_rate.violation(format!(
            "Chỉ tiêu kết nạp {} thấp hơn mức tối thiểu {} % đảng số đầu năm ({}).",
            format_count(plan.admissions),
            format_bp(adm.bp),
            adm.text()
        )));
    }
    let src = RoundedShare::of(start_of_year_members, rules.plan_sources_rate.value.low_bp);
    if plan.sources < src.value {
        out.push(rules.plan_sources_rate.violation(format!(
            "Chỉ tiêu tạo nguồn {} thấp hơn mức tối thiểu {} % đảng số ({}).",
            format_count(plan.sources),
            format_bp(src.bp),
            src.text()
        )));
    }
    out
}

/// Warnings for one cell's plan: fewer than `plan.cell_course_min` (2) people to the course, fewer
/// admissions than `plan.cell_admissions` (1–2) asks.
pub fn check_cell_plan(plan: &Plan, rules: &RuleSet) -> Vec<Violation> {
    let mut out = Vec::new();
    let course_min = rules.plan_cell_course_min.value.0;
    if plan.course_attendees < course_min {
        out.push(rules.plan_cell_course_min.violation(format!(
            "Chi bộ chỉ cử {} quần chúng đi học lớp nhận thức về Đảng, ít hơn {course_min} người mỗi năm.",
            plan.course_attendees
        )));
    }
    let adm = rules.plan_cell_admissions.value;
    if plan.admissions < adm.low {
        out.push(rules.plan_cell_admissions.violation(format!(
            "Chỉ tiêu kết nạp của chi bộ là {}, dưới mức {adm} đảng viên mỗi năm.",
            plan.admissions
        )));
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Achievement, actuals, plan vs actual
// ---------------------------------------------------------------------------------------------

/// Actual against target, exact.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Achievement {
    /// What was done.
    pub actual: u32,
    /// What was planned (the basis of the percentage).
    pub target: u32,
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

impl Achievement {
    /// `actual` of `target`.
    pub fn of(actual: u32, target: u32) -> Achievement {
        Achievement { actual, target }
    }

    /// The percentage as a reduced fraction `(numerator, denominator)`: 23 of 16 → (575, 4)
    /// = 143,75 %. `None` when the target is 0.
    pub fn percent(&self) -> Option<(u64, u64)> {
        if self.target == 0 {
            return None;
        }
        let (n, d) = (u64::from(self.actual) * 100, u64::from(self.target));
        let g = gcd(n, d).max(1);
        Some((n / g, d / g))
    }

    /// The percentage rounded half up to `decimals` places, decimal comma, trailing zeros dropped:
    /// `143,75 %`, `87,5 %`, `80 %`; 7 of 18 at 1 place → `38,9 %`. `None` when the target is 0.
    pub fn format_pct(&self, decimals: u8) -> Option<String> {
        let decimals = u32::from(decimals.min(9));
        if self.target == 0 {
            return None;
        }
        let scaled = round_half_up(
            u128::from(self.actual) * 100 * 10u128.pow(decimals),
            u128::from(self.target),
        );
        Some(format!("{} %", decimal_vi(scaled, decimals)))
    }

    /// The percentage the way the seeds write it: exact when it ends within two decimals
    /// (`143,75 %`, `87,5 %`), otherwise one decimal (`38,9 %`); `—` without a target.
    pub fn pct_text(&self) -> String {
        if self.target == 0 {
            return "—".to_string();
        }
        let exact2 = (u128::from(self.actual) * 10_000) % u128::from(self.target) == 0;
        self.format_pct(if exact2 { 2 } else { 1 })
            .unwrap_or_else(|| "—".to_string())
    }

    /// Above 100 % (vượt chỉ tiêu). A target of 0 has no percentage and is never exceeded.
    pub fn exceeded(&self) -> bool {
        self.target > 0 && self.actual > self.target
    }

    /// At least 100 % (đạt chỉ tiêu).
    pub fn reached(&self) -> bool {
        self.target > 0 && self.actual >= self.target
    }

    /// As term results are written: `21/15`.
    pub fn fraction(&self) -> String {
        format!(
            "{}/{}",
            format_count(self.actual),
            format_count(self.target)
        )
    }
}

/// What a dated record counts toward.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    /// A person listed as a source.
    Source,
    /// A person who attended the awareness course.
    CourseAttendee,
    /// A person admitted (the date of the admission decision or ceremony, as the report defines).
    Admission,
}

/// One dated fact the actuals count.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// When it happened.
    pub date: Date,
    /// What it counts toward.
    pub kind: EntryKind,
    /// The sub-groups the person belongs to; counted for admissions only ("trong đó …").
    #[serde(default)]
    pub sub_groups: Vec<SubGroup>,
}

/// The actual counts of a period.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actuals {
    /// Sources listed.
    pub sources: u32,
    /// Awareness-course attendees.
    pub course_attendees: u32,
    /// Admissions.
    pub admissions: u32,
    /// Admissions by sub-group.
    #[serde(default)]
    pub sub_groups: BTreeMap<SubGroup, u32>,
}

impl Actuals {
    /// The actual of a line.
    pub fn get(&self, line: &Line) -> u32 {
        match line {
            Line::Sources => self.sources,
            Line::CourseAttendees => self.course_attendees,
            Line::Admissions => self.admissions,
            Line::SubGroup(g) => self.sub_groups.get(g).copied().unwrap_or(0),
        }
    }

    /// Add `other` to these counts.
    pub fn add(&mut self, other: &Actuals) {
        self.sources = self.sources.saturating_add(other.sources);
        self.course_attendees = self.course_attendees.saturating_add(other.course_attendees);
        self.admissions = self.admissions.saturating_add(other.admissions);
        for (g, n) in &other.sub_groups {
            let e = self.sub_groups.entry(g.clone()).or_insert(0);
            *e = e.saturating_add(*n);
        }
    }

    /// The sum of several actuals (of child organisations, or of quarters).
    pub fn sum<'a>(all: impl IntoIterator<Item = &'a Actuals>) -> Actuals {
        let mut total = Actuals::default();
        for a in all {
            total.add(a);
        }
        total
    }

    /// Count one entry.
    pub fn record(&mut self, entry: &Entry) {
        match entry.kind {
            EntryKind::Source => self.sources = self.sources.saturating_add(1),
            EntryKind::CourseAttendee => {
                self.course_attendees = self.course_attendees.saturating_add(1);
            }
            EntryKind::Admission => {
                self.admissions = self.admissions.saturating_add(1);
                let mut seen: Vec<&SubGroup> = Vec::new();
                for g in &entry.sub_groups {
                    if !seen.contains(&g) {
                        seen.push(g);
                        let e = self.sub_groups.entry(g.clone()).or_insert(0);
                        *e = e.saturating_add(1);
                    }
                }
            }
        }
    }

    /// The counts of the entries dated `from ..= through`.
    pub fn tally<'a>(
        entries: impl IntoIterator<Item = &'a Entry>,
        from: Date,
        through: Date,
    ) -> Actuals {
        let mut a = Actuals::default();
        for e in entries {
            if from <= e.date && e.date <= through {
                a.record(e);
            }
        }
        a
    }

    /// The counts of the entries of `year`, by quarter.
    pub fn by_quarter<'a>(entries: impl IntoIterator<Item = &'a Entry>, year: i16) -> [Actuals; 4] {
        let mut out: [Actuals; 4] = Default::default();
        for e in entries {
            if e.date.year() == year {
                let i = usize::try_from((e.date.month() - 1) / 3)
                    .unwrap_or(0)
                    .min(3);
                out[i].record(e);
            }
        }
        out
    }
}

/// One line of a plan-vs-actual table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineResult {
    /// Which line.
    pub line: Line,
    /// The actual count.
    pub actual: u32,
    /// For a sub-group, its own sub-target (resolved), if the plan set one.
    pub sub_target: Option<u32>,
    /// The achievement: against the line's target, and for a sub-group against the **admissions**
    /// target (the seeds' convention).
    pub achievement: Achievement,
}

impl LineResult {
    /// A sub-group's actual against its own sub-target (not the seeds' convention; shown beside).
    pub fn against_sub_target(&self) -> Option<Achievement> {
        self.sub_target.map(|t| Achievement::of(self.actual, t))
    }
}

/// Plan against actual, line by line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanVsActual {
    /// The period reported (a quarter for a quarter's table).
    pub period: Period,
    /// Sources, course attendees, admissions, then each sub-group.
    pub lines: Vec<LineResult>,
}

/// Targets of one table (annual, one quarter, or through a quarter).
struct Targets {
    sources: u32,
    course_attendees: u32,
    admissions: u32,
    sub: BTreeMap<SubGroup, u32>,
}

impl Targets {
    fn of(plan: &Plan) -> Targets {
        Targets {
            sources: plan.sources,
            course_attendees: plan.course_attendees,
            admissions: plan.admissions,
            sub: plan.resolved_sub_targets(),
        }
    }

    /// Quarters `0..=last` of the plan's split.
    fn quarters(plan: &Plan, first: usize, last: usize) -> Targets {
        let part = |total: u32| -> u32 {
            quarter_split(total, plan.quarter_weights)[first..=last.min(3)]
                .iter()
                .sum()
        };
        Targets {
            sources: part(plan.sources),
            course_attendees: part(plan.course_attendees),
            admissions: part(plan.admissions),
            sub: plan
                .resolved_sub_targets()
                .into_iter()
                .map(|(g, n)| (g, part(n)))
                .collect(),
        }
    }
}

impl PlanVsActual {
    fn build(period: Period, t: &Targets, actuals: &Actuals) -> PlanVsActual {
        let mut lines = vec![
            LineResult {
                line: Line::Sources,
                actual: actuals.sources,
                sub_target: None,
                achievement: Achievement::of(actuals.sources, t.sources),
            },
            LineResult {
                line: Line::CourseAttendees,
                actual: actuals.course_attendees,
                sub_target: None,
                achievement: Achievement::of(actuals.course_attendees, t.course_attendees),
            },
            LineResult {
                line: Line::Admissions,
                actual: actuals.admissions,
                sub_target: None,
                achievement: Achievement::of(actuals.admissions, t.admissions),
            },
        ];
        let mut groups: Vec<&SubGroup> = t.sub.keys().chain(actuals.sub_groups.keys()).collect();
        groups.sort();
        groups.dedup();
        for g in groups {
            let actual = actuals.sub_groups.get(g).copied().unwrap_or(0);
            lines.push(LineResult {
                line: Line::SubGroup(g.clone()),
                actual,
                sub_target: t.sub.get(g).copied(),
                achievement: Achievement::of(actual, t.admissions),
            });
        }
        PlanVsActual { period, lines }
    }

    /// The plan's period against `actuals`.
    pub fn new(plan: &Plan, actuals: &Actuals) -> PlanVsActual {
        PlanVsActual::build(plan.period, &Targets::of(plan), actuals)
    }

    fn year_of(plan: &Plan) -> i16 {
        plan.period.first_day().year()
    }

    /// One table per quarter of a year plan: the quarter's targets ([`Plan::quarter_targets`])
    /// against the quarter's actuals.
    pub fn by_quarter(plan: &Plan, quarters: &[Actuals; 4]) -> Vec<PlanVsActual> {
        let year = Self::year_of(plan);
        (0..4usize)
            .map(|i| {
                let q = u8::try_from(i + 1).unwrap_or(4);
                PlanVsActual::build(
                    Period::Quarter { year, q },
                    &Targets::quarters(plan, i, i),
                    &quarters[i],
                )
            })
            .collect()
    }

    /// Cumulative from the first quarter through quarter `through_q` (1..=4) against the **annual**
    /// plan (seed: "from January to now: 60, 80 % of the annual plan").
    pub fn cumulative(plan: &Plan, quarters: &[Actuals; 4], through_q: u8) -> PlanVsActual {
        let n = usize::from(through_q.clamp(1, 4));
        PlanVsActual::build(
            plan.period,
            &Targets::of(plan),
            &Actuals::sum(&quarters[..n]),
        )
    }

    /// Cumulative through quarter `through_q` against the plan **to date** (the quarter targets
    /// through that quarter).
    pub fn to_date(plan: &Plan, quarters: &[Actuals; 4], through_q: u8) -> PlanVsActual {
        let n = usize::from(through_q.clamp(1, 4));
        let year = Self::year_of(plan);
        let period = Period::Quarter {
            year,
            q: through_q.clamp(1, 4),
        };
        PlanVsActual::build(
            period,
            &Targets::quarters(plan, 0, n - 1),
            &Actuals::sum(&quarters[..n]),
        )
    }

    /// The entries from the start of the plan's period through `date`, against the whole plan.
    pub fn through_date<'a>(
        plan: &Plan,
        entries: impl IntoIterator<Item = &'a Entry>,
        date: Date,
    ) -> PlanVsActual {
        let through = date.min(plan.period.last_day());
        PlanVsActual::new(
            plan,
            &Actuals::tally(entries, plan.period.first_day(), through),
        )
    }

    /// The result of one line.
    pub fn line(&self, line: &Line) -> Option<&LineResult> {
        self.lines.iter().find(|l| &l.line == line)
    }
}

// ---------------------------------------------------------------------------------------------
// Rollups
// ---------------------------------------------------------------------------------------------

/// The sum of plans of one period (children into a parent's total): targets added, sub-targets
/// resolved to counts first and added; the quarter weights are the summed admissions quarter
/// targets, so the rolled-up admissions split equals the sum of the children's splits.
pub fn rollup<'a>(
    period: Period,
    plans: impl IntoIterator<Item = &'a Plan>,
) -> Result<Plan, PlanError> {
    let mut total = Plan::new(period);
    let mut counts: BTreeMap<SubGroup, u32> = BTreeMap::new();
    let mut quarters = [0u32; 4];
    for p in plans {
        if p.period != period {
            return Err(PlanError::PeriodMismatch {
                expected: period,
                found: p.period,
            });
        }
        total.sources = total.sources.saturating_add(p.sources);
        total.course_attendees = total.course_attendees.saturating_add(p.course_attendees);
        total.admissions = total.admissions.saturating_add(p.admissions);
        for (g, n) in p.resolved_sub_targets() {
            let e = counts.entry(g).or_insert(0);
            *e = e.saturating_add(n);
        }
        for (q, n) in quarters
            .iter_mut()
            .zip(p.quarter_targets(&Line::Admissions))
        {
            *q = q.saturating_add(n);
        }
    }
    total.sub_targets = counts
        .into_iter()
        .map(|(g, n)| (g, SubTarget::Count(n)))
        .collect();
    total.quarter_weights = if quarters.iter().any(|&n| n > 0) {
        QuarterWeights::Custom(quarters)
    } else {
        QuarterWeights::Even
    };
    Ok(total)
}

/// One line of [`Gap`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GapLine {
    /// Which target.
    pub line: Line,
    /// The parent's target.
    pub parent: u32,
    /// The sum of the children's targets.
    pub children: u32,
    /// `children − parent`: negative where the children plan less than the parent asks.
    pub difference: i64,
}

/// Where the children's plans do not add up to the parent's.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gap {
    /// The period.
    pub period: Period,
    /// Every target line, balanced or not.
    pub lines: Vec<GapLine>,
}

impl Gap {
    /// Every line adds up.
    pub fn is_balanced(&self) -> bool {
        self.lines.iter().all(|l| l.difference == 0)
    }

    /// The lines where the children plan less than the parent.
    pub fn shortfalls(&self) -> impl Iterator<Item = &GapLine> {
        self.lines.iter().filter(|l| l.difference < 0)
    }
}

/// Compare a parent's plan with the sum of its children's plans ([`rollup`]), target by target
/// (sub-targets resolved to counts on both sides).
pub fn children_gap<'a>(
    parent: &Plan,
    children: impl IntoIterator<Item = &'a Plan>,
) -> Result<Gap, PlanError> {
    let sum = rollup(parent.period, children)?;
    let mut lines = parent.lines();
    lines.extend(sum.lines());
    lines.sort();
    lines.dedup();
    let lines = lines
        .into_iter()
        .map(|line| {
            let (p, c) = (parent.target(&line), sum.target(&line));
            GapLine {
                line,
                parent: p,
                children: c,
                difference: i64::from(c) - i64::from(p),
            }
        })
        .collect();
    Ok(Gap {
        period: parent.period,
        lines,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_period_a_free_range_and_the_year_as_of_a_day_parse_show_and_round_trip() {
        let r: Period = "Từ 15/01/2025 đến 31/07/2025".parse().unwrap();
        assert_eq!(
            r,
            Period::range(date(2025, 1, 15), date(2025, 7, 31)).unwrap()
        );
        assert_eq!(r.code(), "2025-01-15..2025-07-31");
        assert_eq!(r.to_string(), "Từ 15/01/2025 đến 31/07/2025");
        assert_eq!(r.code().parse::<Period>().unwrap(), r);
        assert_eq!(r.quarters().len(), 3);
        assert_eq!(
            r.plan_period(),
            None,
            "a range from mid-January has no plan"
        );
        let a: Period = "tính đến ngày 31/7/2019".parse().unwrap();
        assert_eq!(a, Period::AsOf(date(2019, 7, 31)));
        assert_eq!(
            (a.first_day(), a.last_day()),
            (date(2019, 1, 1), date(2019, 7, 31))
        );
        assert_eq!(a.to_string(), "Năm 2019 tính đến ngày 31/07/2019");
        assert_eq!(a.code().parse::<Period>().unwrap(), a);
        // The year so far is measured against the whole year's plan.
        assert_eq!(a.plan_period(), Some(Period::Year(2019)));
        assert_eq!(
            Period::range(date(2019, 1, 1), date(2019, 9, 30))
                .unwrap()
                .plan_period(),
            Some(Period::Year(2019))
        );
        assert_eq!(Period::Year(2019).plan_period(), Some(Period::Year(2019)));
        // A range backwards or a bad day is refused.
        assert!("từ 31/07/2025 đến 15/01/2025".parse::<Period>().is_err());
        assert!("đến 31/02/2025".parse::<Period>().is_err());
        // The older forms still parse as before.
        assert_eq!(
            "2025-03".parse::<Period>().unwrap(),
            Period::Month {
                year: 2025,
                month: 3
            }
        );
        assert_eq!(
            "2025-2030".parse::<Period>().unwrap(),
            Period::Term { start_year: 2025 }
        );
    }

    #[test]
    fn the_months_of_a_plan_sum_to_the_years_target() {
        let mut p = Plan::new(Period::Year(2026));
        p.admissions = 218;
        let months = p.month_targets(&Line::Admissions);
        assert_eq!(months.iter().sum::<u32>(), 218);
        // 218 → quarters 55, 55, 54, 54 → months of the first quarter 19, 18, 18.
        assert_eq!(&months[..3], &[19, 18, 18]);
    }
    use crate::rules::RuleBook;
    use jiff::civil::date;
    use proptest::prelude::*;

    fn rules() -> RuleSet {
        RuleBook::spec_default().latest().clone()
    }

    fn year_plan(admissions: u32) -> Plan {
        Plan {
            admissions,
            ..Plan::new(Period::Year(2018))
        }
    }

    #[test]
    fn the_2018_seed_results_read_143_75_93_75_and_87_5_percent_of_the_admissions_target() {
        // plans-and-reports.md: "năm 2018 kết nạp 23 đảng viên, đạt 143,75 % chỉ tiêu (trong đó
        // 15 nữ, đạt 93,75 %; 14 đoàn viên ưu tú, đạt 87,5 %)" — target 16.
        let mut plan = year_plan(16);
        plan.sub_targets
            .insert(SubGroup::Women, SubTarget::Share(4000));
        let actuals = Actuals {
            admissions: 23,
            sub_groups: [(SubGroup::Women, 15), (SubGroup::YouthUnion, 14)]
                .into_iter()
                .collect(),
            ..Actuals::default()
        };
        let r = PlanVsActual::new(&plan, &actuals);
        let adm = r.line(&Line::Admissions).unwrap();
        assert_eq!(adm.achievement.pct_text(), "143,75 %");
        assert_eq!(adm.achievement.percent(), Some((575, 4)));
        assert!(adm.achievement.exceeded());
        let women = r.line(&Line::SubGroup(SubGroup::Women)).unwrap();
        assert_eq!(women.achievement, Achievement::of(15, 16));
        assert_eq!(women.achievement.pct_text(), "93,75 %");
        assert_eq!(women.sub_target, Some(6)); // 16 × 40 % = 6,4 → 6
        assert_eq!(women.against_sub_target().unwrap().pct_text(), "250 %");
        let youth = r.line(&Line::SubGroup(SubGroup::YouthUnion)).unwrap();
        assert_eq!(youth.achievement.pct_text(), "87,5 %");
        assert_eq!(youth.sub_target, None);
        assert!(!youth.achievement.exceeded());
        assert_eq!(
            r.lines.iter().map(|l| l.line.label()).collect::<Vec<_>>(),
            vec![
                "Nguồn cảm tình Đảng",
                "Học lớp nhận thức về Đảng",
                "Kết nạp đảng viên",
                "trong đó: nữ",
                "trong đó: đoàn viên thanh niên"
            ]
        );
    }

    #[test]
    fn percentages_use_a_decimal_comma_and_drop_trailing_zeros() {
        assert_eq!(Achievement::of(23, 16).format_pct(2).unwrap(), "143,75 %");
        assert_eq!(Achievement::of(14, 16).format_pct(2).unwrap(), "87,5 %");
        assert_eq!(Achievement::of(7, 18).format_pct(1).unwrap(), "38,9 %");
        assert_eq!(Achievement::of(7, 18).pct_text(), "38,9 %");
        assert_eq!(Achievement::of(7, 18).format_pct(2).unwrap(), "38,89 %");
        assert_eq!(Achievement::of(60, 75).format_pct(2).unwrap(), "80 %");
        assert_eq!(Achievement::of(60, 75).pct_text(), "80 %");
        assert_eq!(Achievement::of(1, 3).format_pct(0).unwrap(), "33 %");
        assert_eq!(Achievement::of(2, 3).format_pct(1).unwrap(), "66,7 %");
        assert_eq!(Achievement::of(250, 2).pct_text(), "12.500 %");
    }

    #[test]
    fn a_zero_target_has_no_percentage_and_is_never_exceeded() {
        let a = Achievement::of(3, 0);
        assert_eq!(a.format_pct(2), None);
        assert_eq!(a.percent(), None);
        assert_eq!(a.pct_text(), "—");
        assert!(!a.exceeded() && !a.reached());
        assert!(Achievement::of(16, 16).reached() && !Achievement::of(16, 16).exceeded());
    }

    #[test]
    fn term_results_read_as_a_fraction() {
        assert_eq!(Achievement::of(21, 15).fraction(), "21/15");
        assert_eq!(Achievement::of(21, 15).pct_text(), "140 %");
    }

    #[test]
    fn cumulative_results_are_against_the_annual_plan() {
        // plans-and-reports.md: "from January to now: 60, 80 % of the annual plan" (target 75).
        let plan = Plan {
            admissions: 75,
            ..Plan::new(Period::Year(2024))
        };
        let q = |n: u32| Actuals {
            admissions: n,
            ..Actuals::default()
        };
        let quarters = [q(20), q(25), q(15), q(0)];
        let r = PlanVsActual::cumulative(&plan, &quarters, 3);
        let adm = r.line(&Line::Admissions).unwrap();
        assert_eq!(adm.achievement, Achievement::of(60, 75));
        assert_eq!(adm.achievement.pct_text(), "80 %");
        // Against the plan to date: 19 + 19 + 19 = 57.
        let d = PlanVsActual::to_date(&plan, &quarters, 3);
        assert_eq!(
            d.line(&Line::Admissions).unwrap().achievement,
            Achievement::of(60, 57)
        );
        assert_eq!(d.period.to_string(), "Quý III/2024");
        let by_q = PlanVsActual::by_quarter(&plan, &quarters);
        assert_eq!(by_q.len(), 4);
        assert_eq!(by_q[0].period, Period::Quarter { year: 2024, q: 1 });
        assert_eq!(
            by_q[1].line(&Line::Admissions).unwrap().achievement,
            Achievement::of(25, 19)
        );
        assert_eq!(
            by_q[3].line(&Line::Admissions).unwrap().achievement,
            Achievement::of(0, 18)
        );
    }

    #[test]
    fn results_through_a_date_count_dated_entries_of_the_period_only() {
        let plan = Plan {
            admissions: 4,
            sources: 10,
            ..Plan::new(Period::Year(2025))
        };
        let e = |d: Date, kind: EntryKind, g: &[SubGroup]| Entry {
            date: d,
            kind,
            sub_groups: g.to_vec(),
        };
        let entries = vec![
            e(date(2024, 12, 31), EntryKind::Admission, &[]),
            e(
                date(2025, 2, 3),
                EntryKind::Admission,
                &[SubGroup::Women, SubGroup::Women],
            ),
            e(
                date(2025, 5, 19),
                EntryKind::Admission,
                &[SubGroup::YouthUnion],
            ),
            e(date(2025, 5, 20), EntryKind::Source, &[SubGroup::Women]),
            e(date(2025, 9, 2), EntryKind::Admission, &[]),
        ];
        let r = PlanVsActual::through_date(&plan, &entries, date(2025, 5, 20));
        assert_eq!(
            r.line(&Line::Admissions).unwrap().achievement,
            Achievement::of(2, 4)
        );
        assert_eq!(r.line(&Line::Sources).unwrap().actual, 1);
        assert_eq!(r.line(&Line::SubGroup(SubGroup::Women)).unwrap().actual, 1);
        let q = Actuals::by_quarter(&entries, 2025);
        assert_eq!(
            [
                q[0].admissions,
                q[1].admissions,
                q[2].admissions,
                q[3].admissions
            ],
            [1, 1, 1, 0]
        );
    }

    #[test]
    fn plan_admissions_rate_suggests_three_to_four_percent_of_the_start_of_year_membership() {
        // Nghị quyết 21-NQ/TW; seed 004. Ward Hiệp Thành: 830 members in 41 cells.
        let s = suggest(830, 41, &rules());
        assert_eq!(s.admissions.rule_id, "plan.admissions_rate");
        assert_eq!(s.admissions.low.text(), "830 × 3 % = 24,9 → 25");
        assert_eq!(s.admissions.high.text(), "830 × 4 % = 33,2 → 33");
        assert_eq!(s.admissions.mid.text(), "830 × 3,5 % = 29,05 → 29");
        assert_eq!(
            s.admissions.text(),
            "25–33 (830 × 3 % = 24,9 → 25; 830 × 4 % = 33,2 → 33)"
        );
        // Pleiku: 7,650 members; 229,5 rounds half up to 230.
        let p = suggest(7650, 68, &rules());
        assert_eq!(p.admissions.low.text(), "7.650 × 3 % = 229,5 → 230");
        assert_eq!(
            suggest(800, 1, &rules()).admissions.low.text(),
            "800 × 3 % = 24"
        );
    }

    #[test]
    fn plan_sources_rate_suggests_six_to_eight_percent_of_the_membership() {
        // Seed 000: nguồn cảm tình Đảng 6–8 % so với đảng số.
        let s = suggest(830, 41, &rules());
        assert_eq!(s.sources.rule_id, "plan.sources_rate");
        assert_eq!(s.sources.low.text(), "830 × 6 % = 49,8 → 50");
        assert_eq!(s.sources.high.text(), "830 × 8 % = 66,4 → 66");
        assert_eq!(s.sources.mid.value, 58); // 830 × 7 % = 58,1
    }

    #[test]
    fn plan_cell_course_min_and_plan_cell_admissions_scale_with_the_cells() {
        // Seed 000: each cell ≥ 2 to the course and 1–2 admissions a year.
        let s = suggest(830, 41, &rules());
        assert_eq!(s.course.total, CountRange { low: 82, high: 82 });
        assert_eq!(s.course.text(), "41 chi bộ × 2 = 82");
        assert_eq!(s.cell_admissions.total, CountRange { low: 41, high: 82 });
        assert_eq!(s.cell_admissions.text(), "41 chi bộ × 1–2 = 41–82");
        let plan = s.to_plan(Period::Year(2026));
        assert_eq!(
            (plan.admissions, plan.sources, plan.course_attendees),
            (29, 58, 82)
        );
    }

    #[test]
    fn plans_below_the_cited_rates_are_flagged_with_the_rounding_shown() {
        let r = rules();
        let plan = Plan {
            admissions: 20,
            sources: 50,
            ..Plan::new(Period::Year(2026))
        };
        let v = check_rates(&plan, 830, &r);
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].rule_id, "plan.admissions_rate");
        assert_eq!(
            v[0].message_vi,
            "Chỉ tiêu kết nạp 20 thấp hơn mức tối thiểu 3 % đảng số đầu năm (830 × 3 % = 24,9 → 25)."
        );
        let cell = Plan {
            admissions: 0,
            course_attendees: 1,
            ..Plan::new(Period::Year(2026))
        };
        let ids: Vec<String> = check_cell_plan(&cell, &r)
            .iter()
            .map(|v| v.rule_id.to_string())
            .collect();
        assert_eq!(ids, vec!["plan.cell_course_min", "plan.cell_admissions"]);
        let ok = Plan {
            admissions: 1,
            course_attendees: 2,
            ..Plan::new(Period::Year(2026))
        };
        assert!(check_cell_plan(&ok, &r).is_empty());
    }

    #[test]
    fn shares_of_the_admissions_target_round_half_up() {
        // Seed 003: 70 % Youth Union, 40 % women, 20 % workers of the admissions target.
        assert_eq!(SubTarget::Share(7000).resolved_count(16), 11); // 11,2
        assert_eq!(
            SubTarget::Share(4000).computation(16).unwrap().text(),
            "16 × 40 % = 6,4 → 6"
        );
        assert_eq!(
            SubTarget::Share(2500).computation(10).unwrap().text(),
            "10 × 25 % = 2,5 → 3"
        );
        assert_eq!(SubTarget::Share(2000).resolved_count(10), 2);
        assert_eq!(SubTarget::Count(5).resolved_count(10), 5);
        assert_eq!(SubTarget::Count(5).computation(10), None);
    }

    #[test]
    fn impossible_sub_targets_are_refused() {
        let mut p = year_plan(10);
        p.sub_targets
            .insert(SubGroup::Women, SubTarget::Share(12_000));
        assert_eq!(
            p.check(),
            Err(PlanError::ShareTooLarge {
                group: SubGroup::Women,
                bp: 12_000
            })
        );
        assert_eq!(
            p.check().unwrap_err().to_string(),
            "Chỉ tiêu nữ bằng 120 % chỉ tiêu kết nạp, vượt quá 100 %."
        );
        p.sub_targets.insert(SubGroup::Women, SubTarget::Count(11));
        assert_eq!(
            p.check().unwrap_err().to_string(),
            "Chỉ tiêu nữ (11) lớn hơn chỉ tiêu kết nạp (10)."
        );
        p.sub_targets
            .insert(SubGroup::Women, SubTarget::Share(10_000));
        assert_eq!(p.check(), Ok(()));
    }

    #[test]
    fn the_quarter_split_sums_to_the_total_earliest_quarters_first() {
        assert_eq!(quarter_split(10, QuarterWeights::Even), [3, 3, 2, 2]);
        assert_eq!(quarter_split(16, QuarterWeights::Even), [4, 4, 4, 4]);
        assert_eq!(quarter_split(1, QuarterWeights::Even), [1, 0, 0, 0]);
        assert_eq!(quarter_split(0, QuarterWeights::Even), [0, 0, 0, 0]);
        assert_eq!(
            quarter_split(10, QuarterWeights::Custom([1, 2, 3, 4])),
            [1, 2, 3, 4]
        );
        assert_eq!(
            quarter_split(10, QuarterWeights::Custom([1, 1, 1, 0])),
            [4, 3, 3, 0]
        );
        assert_eq!(
            quarter_split(7, QuarterWeights::Custom([0, 0, 0, 0])),
            [2, 2, 2, 1]
        );
        // Explicit quarter counts are weights that sum to the total.
        assert_eq!(
            quarter_split(16, QuarterWeights::Custom([2, 3, 5, 6])),
            [2, 3, 5, 6]
        );
    }

    #[test]
    fn periods_parse_and_display_in_vietnamese() {
        let cases = [
            ("2025", Period::Year(2025), "2025", "2025"),
            ("năm 2025", Period::Year(2025), "2025", "2025"),
            (
                "2025–2030",
                Period::Term { start_year: 2025 },
                "2025–2030",
                "2025-2030",
            ),
            (
                "nhiệm kỳ 2020 - 2025",
                Period::Term { start_year: 2020 },
                "2020–2025",
                "2020-2025",
            ),
            (
                "Quý I/2025",
                Period::Quarter { year: 2025, q: 1 },
                "Quý I/2025",
                "2025-Q1",
            ),
            (
                "quý 3 năm 2025",
                Period::Quarter { year: 2025, q: 3 },
                "Quý III/2025",
                "2025-Q3",
            ),
            (
                "Q4/2025",
                Period::Quarter { year: 2025, q: 4 },
                "Quý IV/2025",
                "2025-Q4",
            ),
            (
                "2025-Q2",
                Period::Quarter { year: 2025, q: 2 },
                "Quý II/2025",
                "2025-Q2",
            ),
        ];
        for (text, period, shown, code) in cases {
            assert_eq!(text.parse::<Period>(), Ok(period), "{text}");
            assert_eq!(period.to_string(), shown);
            assert_eq!(period.code(), code);
            assert_eq!(shown.parse::<Period>(), Ok(period));
            assert_eq!(code.parse::<Period>(), Ok(period));
        }
        assert!(matches!(
            "2025–2029".parse::<Period>(),
            Err(PeriodError::TermLength(_))
        ));
        for bad in [
            "",
            "25",
            "Quý V/2025",
            "Q1",
            "2025/2026/2027",
            "abcd",
            "Q1/2025/3",
        ] {
            assert!(bad.parse::<Period>().is_err(), "{bad}");
        }
        assert_eq!(Period::quarter(2025, 5), None);
        assert_eq!(
            Period::quarter(2025, 1),
            Some(Period::Quarter { year: 2025, q: 1 })
        );
    }

    #[test]
    fn half_years_and_months_parse_display_and_span_their_days() {
        let h1 = Period::Half { year: 2025, h: 1 };
        let h2 = Period::Half { year: 2025, h: 2 };
        let mar = Period::Month {
            year: 2025,
            month: 3,
        };
        let feb24 = Period::Month {
            year: 2024,
            month: 2,
        };
        for (text, p) in [
            ("6 tháng đầu năm 2025", h1),
            ("6 tháng cuối năm 2025", h2),
            ("2025-H1", h1),
            ("H2/2025", h2),
            ("Tháng 3/2025", mar),
            ("tháng 3 năm 2025", mar),
            ("03/2025", mar),
            ("2025-03", mar),
        ] {
            assert_eq!(text.parse::<Period>(), Ok(p), "{text}");
        }
        assert_eq!(h1.to_string(), "6 tháng đầu năm 2025");
        assert_eq!(h2.code(), "2025-H2");
        assert_eq!(mar.to_string(), "Tháng 3/2025");
        assert_eq!(mar.code(), "2025-03");
        assert_eq!(
            (h2.first_day(), h2.last_day()),
            (date(2025, 7, 1), date(2025, 12, 31))
        );
        assert_eq!(
            (feb24.first_day(), feb24.last_day()),
            (date(2024, 2, 1), date(2024, 2, 29))
        );
        assert_eq!(
            h2.quarters(),
            vec![
                Period::Quarter { year: 2025, q: 3 },
                Period::Quarter { year: 2025, q: 4 }
            ]
        );
        assert_eq!(mar.quarters(), vec![Period::Quarter { year: 2025, q: 1 }]);
        assert_eq!(Period::half(2025, 3), None);
        assert_eq!(Period::month(2025, 13), None);
        for bad in [
            "Tháng 13/2025",
            "2025-00",
            "2025-H3",
            "6 tháng giữa năm 2025",
            "13/2025",
        ] {
            assert!(bad.parse::<Period>().is_err(), "{bad}");
        }
    }

    #[test]
    fn periods_contain_their_days_and_quarters() {
        let y = Period::Year(2025);
        assert!(y.contains(date(2025, 1, 1)) && y.contains(date(2025, 12, 31)));
        assert!(!y.contains(date(2026, 1, 1)));
        assert_eq!(y.quarters().len(), 4);
        let q2 = Period::Quarter { year: 2025, q: 2 };
        assert_eq!(
            (q2.first_day(), q2.last_day()),
            (date(2025, 4, 1), date(2025, 6, 30))
        );
        assert_eq!(Period::quarter_of(date(2025, 6, 30)), q2);
        assert_eq!(
            Period::quarter_of(date(2025, 7, 1)).to_string(),
            "Quý III/2025"
        );
        let term = Period::Term { start_year: 2025 };
        assert!(!term.contains(date(2025, 12, 31)));
        assert!(term.contains(date(2026, 1, 1)) && term.contains(date(2030, 12, 31)));
        assert_eq!(term.years(), vec![2026, 2027, 2028, 2029, 2030]);
        assert_eq!(term.quarters().len(), 20);
        assert_eq!(q2.quarters(), vec![q2]);
    }

    #[test]
    fn periods_and_sub_groups_serialise_as_their_codes() {
        let mut plan = year_plan(16);
        plan.sub_targets
            .insert(SubGroup::Other("dân quân".into()), SubTarget::Count(2));
        plan.sub_targets
            .insert(SubGroup::YouthUnion, SubTarget::Share(7000));
        let text = toml::to_string(&plan).unwrap();
        assert!(text.contains("period = \"2018\""), "{text}");
        assert!(text.contains("youth_union"), "{text}");
        let back: Plan = toml::from_str(&text).unwrap();
        assert_eq!(back, plan);
        assert_eq!(
            SubGroup::from_code("other:dân quân"),
            Some(SubGroup::Other("dân quân".into()))
        );
        assert_eq!(SubGroup::from_code("women"), Some(SubGroup::Women));
        assert_eq!(SubGroup::from_code("men"), None);
    }

    #[test]
    fn a_rollup_sums_the_children_and_the_gap_shows_what_is_missing() {
        let mut a = year_plan(3);
        a.sub_targets
            .insert(SubGroup::Women, SubTarget::Share(5000)); // 1,5 → 2
        a.course_attendees = 2;
        let mut b = year_plan(2);
        b.sub_targets.insert(SubGroup::Women, SubTarget::Count(1));
        b.course_attendees = 2;
        let sum = rollup(Period::Year(2018), [&a, &b]).unwrap();
        assert_eq!(sum.admissions, 5);
        assert_eq!(sum.course_attendees, 4);
        assert_eq!(
            sum.sub_targets.get(&SubGroup::Women),
            Some(&SubTarget::Count(3))
        );
        assert_eq!(sum.quarter_targets(&Line::Admissions), [2, 2, 1, 0]);
        let mut parent = year_plan(6);
        parent.course_attendees = 4;
        parent
            .sub_targets
            .insert(SubGroup::YouthUnion, SubTarget::Share(5000));
        let gap = children_gap(&parent, [&a, &b]).unwrap();
        assert!(!gap.is_balanced());
        let short: Vec<(Line, u32, u32, i64)> = gap
            .shortfalls()
            .map(|l| (l.line.clone(), l.parent, l.children, l.difference))
            .collect();
        assert_eq!(
            short,
            vec![
                (Line::Admissions, 6, 5, -1),
                (Line::SubGroup(SubGroup::YouthUnion), 3, 0, -3),
            ]
        );
        let women = gap
            .lines
            .iter()
            .find(|l| l.line == Line::SubGroup(SubGroup::Women))
            .unwrap();
        assert_eq!((women.parent, women.children, women.difference), (0, 3, 3));
        let other = Plan::new(Period::Year(2019));
        assert!(matches!(
            rollup(Period::Year(2018), [&a, &other]),
            Err(PlanError::PeriodMismatch { .. })
        ));
        let balanced = children_gap(&sum, [&a, &b]).unwrap();
        assert!(balanced.is_balanced());
    }

    fn arb_plan() -> impl Strategy<Value = Plan> {
        (
            0u32..500,
            0u32..500,
            0u32..200,
            proptest::option::of(0u32..=10_000),
            proptest::option::of(0u32..50),
            proptest::option::of(proptest::array::uniform4(0u32..10)),
        )
            .prop_map(|(sources, course, admissions, share, count, weights)| {
                let mut p = Plan {
                    sources,
                    course_attendees: course,
                    admissions,
                    quarter_weights: weights.map_or(QuarterWeights::Even, QuarterWeights::Custom),
                    ..Plan::new(Period::Year(2026))
                };
                if let Some(bp) = share {
                    p.sub_targets.insert(SubGroup::Women, SubTarget::Share(bp));
                }
                if let Some(n) = count {
                    p.sub_targets
                        .insert(SubGroup::YouthUnion, SubTarget::Count(n));
                }
                p
            })
    }

    proptest! {
        #[test]
        fn a_rollup_of_random_plans_equals_the_sum_of_its_parts(plans in proptest::collection::vec(arb_plan(), 0..12)) {
            let sum = rollup(Period::Year(2026), &plans).unwrap();
            prop_assert_eq!(sum.sources, plans.iter().map(|p| p.sources).sum::<u32>());
            prop_assert_eq!(sum.course_attendees, plans.iter().map(|p| p.course_attendees).sum::<u32>());
            prop_assert_eq!(sum.admissions, plans.iter().map(|p| p.admissions).sum::<u32>());
            for g in [SubGroup::Women, SubGroup::YouthUnion] {
                let line = Line::SubGroup(g);
                prop_assert_eq!(sum.target(&line), plans.iter().map(|p| p.target(&line)).sum::<u32>());
            }
            let mut quarters = [0u32; 4];
            for p in &plans {
                for (q, n) in quarters.iter_mut().zip(p.quarter_targets(&Line::Admissions)) {
                    *q += n;
                }
            }
            prop_assert_eq!(sum.quarter_targets(&Line::Admissions), quarters);
            prop_assert!(children_gap(&sum, &plans).unwrap().is_balanced());
            let actuals: Vec<Actuals> = plans.iter().map(|p| Actuals { admissions: p.admissions, ..Actuals::default() }).collect();
            prop_assert_eq!(Actuals::sum(&actuals).admissions, sum.admissions);
        }

        #[test]
        fn an_even_quarter_split_sums_to_the_total_and_differs_by_at_most_one(total in 0u32..100_000) {
            let s = quarter_split(total, QuarterWeights::Even);
            prop_assert_eq!(s.iter().sum::<u32>(), total);
            let (min, max) = (s.iter().min().unwrap(), s.iter().max().unwrap());
            prop_assert!(max - min <= 1);
            // Earlier quarters never get less than later ones.
            prop_assert!(s.windows(2).all(|w| w[0] >= w[1]));
        }

        #[test]
        fn a_weighted_quarter_split_sums_to_the_total_within_one_of_the_exact_share(
            total in 0u32..100_000, w in proptest::array::uniform4(0u32..1000)
        ) {
            let s = quarter_split(total, QuarterWeights::Custom(w));
            prop_assert_eq!(s.iter().sum::<u32>(), total);
            let sum: u64 = w.iter().map(|&x| u64::from(x)).sum();
            for (part, wi) in s.iter().zip(w) {
                // All-zero weights are read as even: nothing to compare with.
                if let Some(exact_floor) = (u64::from(total) * u64::from(wi)).checked_div(sum) {
                    prop_assert!(u64::from(*part) == exact_floor || u64::from(*part) == exact_floor + 1);
                    if wi == 0 { prop_assert_eq!(*part, 0); }
                }
            }
        }

        #[test]
        fn periods_round_trip_through_their_code_and_display(y in 1900i16..2990, q in 1u8..=4, m in 1u8..=12, kind in 0u8..5) {
            let p = match kind {
                0 => Period::Year(y),
                1 => Period::Term { start_year: y },
                2 => Period::Quarter { year: y, q },
                3 => Period::Half { year: y, h: 1 + q % 2 },
                _ => Period::Month { year: y, month: m },
            };
            prop_assert_eq!(p.code().parse::<Period>(), Ok(p));
            prop_assert_eq!(p.to_string().parse::<Period>(), Ok(p));
            prop_assert!(p.contains(p.first_day()) && p.contains(p.last_day()));
        }
    }
}

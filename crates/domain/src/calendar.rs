//! Working days: Monday–Friday less public holidays, days off in lieu and swapped weekdays, plus the
//! Saturdays (or Sundays) worked in exchange.
//!
//! Every deadline "within N working days of D" ends on the N-th working day after D, D itself not
//! counted: [`WorkCalendar::add_working_days`].
//!
//! A year is one of two kinds ([`YearStatus`]):
//! - **announced**: the government's schedule for the public sector (cán bộ, công chức, viên chức),
//!   shipped as data for 2021–2026 (`data/calendar_vn.toml`, each year with its source) or given by
//!   a deployment's `[calendar]` table ([`WorkCalendar::apply_toml`]);
//! - **provisional**: computed from the statutory rule for every other year — the public holidays
//!   of Bộ luật Lao động 2019, Điều 112 khoản 1, and the day off in lieu on the next working day
//!   when a holiday falls on the weekly day off (Điều 111 khoản 3). Years before 2021 use the code
//!   then in force (see [`WorkCalendar::source`]).
//!
//! The provisional rule, year by year:
//! - Tết Dương lịch 1/1; 30/4; 1/5;
//! - Tết Nguyên đán: the last day of the lunar year (29 or 30 tháng Chạp) and mùng 1–4 — the split
//!   "one day before, four after" is the one the Prime Minister chose in 2022 and 2026 (Điều 112
//!   khoản 3 leaves the split to him);
//! - Giỗ Tổ Hùng Vương: 10 tháng 3 (the ordinary third month when the year has a leap third month);
//! - Quốc khánh 2/9 and one adjacent day: 3/9 when 2/9 is a Sunday, Monday or Thursday, otherwise
//!   1/9 — the day that joins 2/9 to the weekend, which is what every announcement of 2021–2026 chose
//!   (2021 Thu → 3/9, 2022 Fri → 1/9, 2023 Sat → 1/9, 2024 Mon → 3/9, 2025 Tue → 1/9,
//!   2026 Wed → 1/9);
//! - each holiday on a Saturday or Sunday (or on a day already a holiday) gives a day off on the next
//!   weekday that is neither a holiday nor already a day in lieu — except a Tết day on a Saturday,
//!   given on the working day before the break, as every announced Tết of 2020–2025 did (a Tết
//!   day on a Sunday goes after the break). Swaps (hoán đổi) are never guessed.
//!
//! Tết and Giỗ Tổ follow the Vietnamese lunar calendar at UTC+7, computed in [`lunar`]; it differs
//! from the Chinese one (UTC+8) in some years, e.g. Tết 1985 (21/01 in Vietnam, 20/02 in China).

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::{Date, Weekday};

pub use lunar::{LunarDate, leap_month, lunar_from_solar, lunar_new_year, solar_from_lunar};

/// The announced years shipped with ketnap; same format as a deployment's `[calendar]` table.
const SHIPPED: &str = include_str!("../data/calendar_vn.toml");

/// Provisional years computed once, when the calendar is built; others are computed on demand.
const FIRST_CACHED_YEAR: i16 = 1990;
/// See [`FIRST_CACHED_YEAR`].
const LAST_CACHED_YEAR: i16 = 2100;

/// The source named for an entry of a deployment's `[calendar]` table that gives none.
const DEPLOYMENT_SOURCE: &str = "Cấu hình lịch nghỉ của đơn vị";

// Labels shown with `WorkCalendar::holidays`.
const NEW_YEAR: &str = "Tết Dương lịch";
const TET_LAST_DAY: &str = "Tết Nguyên đán (ngày cuối năm Âm lịch)";
const TET_DAYS: [&str; 4] = [
    "Tết Nguyên đán (mùng 1 tháng Giêng)",
    "Tết Nguyên đán (mùng 2 tháng Giêng)",
    "Tết Nguyên đán (mùng 3 tháng Giêng)",
    "Tết Nguyên đán (mùng 4 tháng Giêng)",
];
const TET: &str = "Tết Nguyên đán";
const HUNG_KINGS: &str = "Giỗ Tổ Hùng Vương (10/3 Âm lịch)";
const REUNIFICATION: &str = "Ngày Chiến thắng (30/4)";
const LABOUR_DAY: &str = "Ngày Quốc tế Lao động (1/5)";
const NATIONAL_DAY: &str = "Quốc khánh (2/9)";
const NATIONAL_DAY_ADJACENT: &str = "Quốc khánh (ngày liền kề)";
const IN_LIEU: &str = "Nghỉ bù (ngày lễ trùng ngày nghỉ hằng tuần)";
const ANNOUNCED_DAY_OFF: &str = "Nghỉ bù hoặc nghỉ hoán đổi (theo thông báo)";
const WORKED_DAY: &str = "Làm bù (hoán đổi ngày làm việc)";

/// Whether a year's days off are the government's announcement or computed from the statute.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum YearStatus {
    /// Announced: shipped data or a deployment's `[calendar]` entry.
    Announced,
    /// Computed from the statutory rule; the government may still swap days.
    Provisional,
}

/// What a day listed by [`WorkCalendar::holidays`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DayKind {
    /// A public holiday (ngày lễ, Tết), whatever the day of the week.
    Holiday,
    /// A weekday off that is not itself a holiday: a day in lieu (nghỉ bù) or a swapped weekday.
    DayOff,
    /// A Saturday or Sunday worked in exchange for a swapped weekday (làm bù).
    WorkedDay,
}

/// One day of a year's list of holidays, days off and days worked, for display.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CalendarDay {
    /// The day.
    pub date: Date,
    /// What it is.
    pub kind: DayKind,
    /// Its Vietnamese label, e.g. "Giỗ Tổ Hùng Vương (10/3 Âm lịch)".
    pub label_vi: &'static str,
}

/// One year: its weekdays off and its weekend days worked.
#[derive(Clone, Debug, PartialEq)]
struct YearPlan {
    status: YearStatus,
    source: Cow<'static, str>,
    /// Days with no work; only the Monday–Friday ones matter.
    days_off: BTreeSet<Date>,
    /// Saturdays and Sundays worked.
    worked_days: BTreeSet<Date>,
}

impl YearPlan {
    fn provisional(year: i16) -> YearPlan {
        let (holidays, in_lieu) = statutory_days(year);
        let days_off = holidays
            .iter()
            .map(|(d, _)| *d)
            .filter(|d| !is_weekend(*d))
            .chain(in_lieu)
            .collect();
        YearPlan {
            status: YearStatus::Provisional,
            source: Cow::Borrowed(provisional_source(year)),
            days_off,
            worked_days: BTreeSet::new(),
        }
    }

    fn is_working_day(&self, d: Date) -> bool {
        if self.worked_days.contains(&d) {
            return true;
        }
        !is_weekend(d) && !self.days_off.contains(&d)
    }
}

/// The working-day calendar: per year, the weekdays off and the weekend days worked.
///
/// Build it with [`WorkCalendar::vietnam`]; a deployment replaces or adds years with
/// [`WorkCalendar::apply_toml`].
#[derive(Clone, Debug, PartialEq)]
pub struct WorkCalendar {
    years: BTreeMap<i16, YearPlan>,
}

impl Default for WorkCalendar {
    fn default() -> Self {
        WorkCalendar::vietnam()
    }
}

impl WorkCalendar {
    /// Vietnam's calendar: announced years (2021–2026) as shipped data, every other year computed
    /// from the statutory rule and marked provisional.
    pub fn vietnam() -> Self {
        let mut cal = WorkCalendar::statutory();
        // The shipped data is checked by a unit test; were it ever unreadable, the computed years
        // would stand, which is the best a deadline can get without it.
        if let Ok(entries) = shipped_entries() {
            cal.insert(entries);
        }
        cal
    }

    /// The calendar computed from the statutory rule alone: every year provisional, no swaps.
    pub fn statutory() -> Self {
        let years = (FIRST_CACHED_YEAR..=LAST_CACHED_YEAR)
            .map(|y| (y, YearPlan::provisional(y)))
            .collect();
        WorkCalendar { years }
    }

    /// Apply a deployment's `[calendar]` table. Each entry replaces that year's data and marks it
    /// announced:
    ///
    /// ```toml
    /// [[calendar.year]]
    /// year = 2027
    /// days_off = ["2027-02-05", "2027-02-08", "2027-02-09", "2027-02-10", "2027-02-11"]
    /// worked_days = ["2027-02-20"]      # Saturdays or Sundays worked (làm bù); optional
    /// source = "Thông báo ... của Bộ Nội vụ"  # optional
    /// ```
    ///
    /// `days_off` lists every weekday off of the year (holidays, days in lieu, swapped days); dates
    /// are `"YYYY-MM-DD"` strings or TOML dates and must lie in the entry's year. Nothing is
    /// applied when any entry is wrong; the error says which and why.
    pub fn apply_toml(&mut self, v: &toml::Value) -> Result<(), String> {
        let entries = parse_calendar(v)?;
        self.insert(entries);
        Ok(())
    }

    /// Is `d` a working day?
    pub fn is_working_day(&self, d: Date) -> bool {
        self.plan(d.year()).is_working_day(d)
    }

    /// The `n`-th working day after `d` (`d` itself not counted); `d` when `n` is 0.
    ///
    /// Stops at the last date jiff can represent (31/12/9999).
    pub fn add_working_days(&self, d: Date, n: u32) -> Date {
        let mut days = Cursor::new(self);
        let mut cur = d;
        let mut left = n;
        while left > 0 {
            match cur.tomorrow() {
                Ok(next) => cur = next,
                Err(_) => break,
            }
            if days.is_working_day(cur) {
                left -= 1;
            }
        }
        cur
    }

    /// The number of working days in `(from, to]`; negative (minus those in `(to, from]`) when
    /// `to` is before `from`. So `working_days_between(d, add_working_days(d, n)) == n` for `n > 0`.
    pub fn working_days_between(&self, from: Date, to: Date) -> i64 {
        let (lo, hi, sign) = if to >= from {
            (from, to, 1)
        } else {
            (to, from, -1)
        };
        let mut days = Cursor::new(self);
        let mut count = 0i64;
        let mut cur = lo;
        while cur < hi {
            match cur.tomorrow() {
                Ok(next) => cur = next,
                Err(_) => break,
            }
            if days.is_working_day(cur) {
                count += 1;
            }
        }
        sign * count
    }

    /// Is `year` computed from the statutory rule rather than announced?
    pub fn is_provisional(&self, year: i16) -> bool {
        self.status(year) == YearStatus::Provisional
    }

    /// Whether `year` is announced or provisional.
    pub fn status(&self, year: i16) -> YearStatus {
        self.years
            .get(&year)
            .map_or(YearStatus::Provisional, |p| p.status)
    }

    /// Where `year`'s days off come from: the announcement, or the statute the computation follows.
    pub fn source(&self, year: i16) -> &str {
        self.years
            .get(&year)
            .map_or(provisional_source(year), |p| &*p.source)
    }

    /// The announced years, in order.
    pub fn announced_years(&self) -> Vec<i16> {
        self.years
            .iter()
            .filter(|(_, p)| p.status == YearStatus::Announced)
            .map(|(y, _)| *y)
            .collect()
    }

    /// `year`'s public holidays (whatever the day of the week), other weekdays off and weekend
    /// days worked, in date order, for display.
    ///
    /// For an announced year the holidays on fixed dates are listed, then every announced day off
    /// is named by what it is near (Tết, Quốc khánh) or as a day in lieu or swapped day.
    pub fn holidays(&self, year: i16) -> Vec<CalendarDay> {
        let plan = self.plan(year);
        let mut out = Vec::new();
        match plan.status {
            YearStatus::Provisional => {
                let (holidays, in_lieu) = statutory_days(year);
                out.extend(holidays.into_iter().map(|(date, label_vi)| CalendarDay {
                    date,
                    kind: DayKind::Holiday,
                    label_vi,
                }));
                out.extend(in_lieu.into_iter().map(|date| CalendarDay {
                    date,
                    kind: DayKind::DayOff,
                    label_vi: IN_LIEU,
                }));
            }
            YearStatus::Announced => {
                let fixed = fixed_holidays(year);
                let tet = lunar::tet_jdn(i64::from(year));
                for (date, label_vi) in &fixed {
                    out.push(CalendarDay {
                        date: *date,
                        kind: DayKind::Holiday,
                        label_vi,
                    });
                }
                for date in plan
                    .days_off
                    .iter()
                    .filter(|d| !fixed.iter().any(|(f, _)| f == *d))
                {
                    let near_tet = (lunar::jdn_of(*date) - tet).abs() <= 7;
                    let (kind, label_vi) = if near_tet {
                        (DayKind::Holiday, TET)
                    } else if year >= 2021 && date.month() == 9 && matches!(date.day(), 1 | 3) {
                        (DayKind::Holiday, NATIONAL_DAY_ADJACENT)
                    } else {
                        (DayKind::DayOff, ANNOUNCED_DAY_OFF)
                    };
                    out.push(CalendarDay {
                        date: *date,
                        kind,
                        label_vi,
                    });
                }
            }
        }
        out.extend(plan.worked_days.iter().map(|date| CalendarDay {
            date: *date,
            kind: DayKind::WorkedDay,
            label_vi: WORKED_DAY,
        }));
        out.sort_by_key(|c| c.date);
        out
    }

    fn plan(&self, year: i16) -> Cow<'_, YearPlan> {
        match self.years.get(&year) {
            Some(p) => Cow::Borrowed(p),
            None => Cow::Owned(YearPlan::provisional(year)),
        }
    }

    fn insert(&mut self, entries: Vec<YearEntry>) {
        for e in entries {
            self.years.insert(
                e.year,
                YearPlan {
                    status: YearStatus::Announced,
                    source: Cow::Owned(e.source),
                    days_off: e.days_off,
                    worked_days: e.worked_days,
                },
            );
        }
    }
}

/// Walks days keeping the current year's plan, so years outside the cache are computed once.
struct Cursor<'a> {
    cal: &'a WorkCalendar,
    plan: Option<(i16, Cow<'a, YearPlan>)>,
}

impl<'a> Cursor<'a> {
    fn new(cal: &'a WorkCalendar) -> Self {
        Cursor { cal, plan: None }
    }

    fn is_working_day(&mut self, d: Date) -> bool {
        let year = d.year();
        match &self.plan {
            Some((y, plan)) if *y == year => plan.is_working_day(d),
            _ => {
                let plan = self.cal.plan(year);
                let working = plan.is_working_day(d);
                self.plan = Some((year, plan));
                working
            }
        }
    }
}

fn is_weekend(d: Date) -> bool {
    matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday)
}

/// The statute a provisional year follows.
fn provisional_source(year: i16) -> &'static str {
    if year >= 2021 {
        "Tạm tính theo Bộ luật Lao động 2019, Điều 112 khoản 1 (ngày lễ, Tết) và Điều 111 khoản 3 \
         (nghỉ bù); chưa có thông báo của Chính phủ"
    } else if year >= 2014 {
        "Tạm tính theo Bộ luật Lao động 2012, Điều 115 (Tết Âm lịch 5 ngày, Quốc khánh 1 ngày, nghỉ \
         bù); không có dữ liệu thông báo"
    } else {
        "Tạm tính theo Bộ luật Lao động 1994 (sửa đổi 2007), Điều 73 (Tết Âm lịch 4 ngày, Giỗ Tổ từ \
         2007, nghỉ bù); không có dữ liệu thông báo"
    }
}

/// The holidays on a fixed solar or lunar date (not Tết, not the adjacent day of Quốc khánh).
fn fixed_holidays(year: i16) -> Vec<(Date, &'static str)> {
    let mut out = Vec::new();
    let mut push = |date: Option<Date>, label: &'static str| {
        if let Some(date) = date {
            out.push((date, label));
        }
    };
    push(Date::new(year, 1, 1).ok(), NEW_YEAR);
    // Giỗ Tổ Hùng Vương is a paid holiday since the 2007 amendment of the Labour Code.
    if year >= 2007 {
        push(
            solar_from_lunar(LunarDate {
                year,
                month: 3,
                day: 10,
                leap: false,
            }),
            HUNG_KINGS,
        );
    }
    push(Date::new(year, 4, 30).ok(), REUNIFICATION);
    push(Date::new(year, 5, 1).ok(), LABOUR_DAY);
    push(Date::new(year, 9, 2).ok(), NATIONAL_DAY);
    out
}

/// A day of Tết Nguyên đán (the last day of the lunar year or mùng 1–4).
fn is_tet(label: &str) -> bool {
    label == TET_LAST_DAY || TET_DAYS.contains(&label)
}

/// The statutory holidays of a provisional year (any day of the week) and its days in lieu.
fn statutory_days(year: i16) -> (Vec<(Date, &'static str)>, Vec<Date>) {
    let mut holidays = fixed_holidays(year);
    // Tết: the last day of the lunar year and the first four days (Bộ luật Lao động 2012 and 2019);
    // three under the 1994 code, whose five-day Tết began with Tết 2014.
    let tet = lunar::tet_jdn(i64::from(year));
    if let Some(d) = lunar::date_of_jdn(tet - 1) {
        holidays.push((d, TET_LAST_DAY));
    }
    let after = if year >= 2014 { 4 } else { 3 };
    for (i, label) in TET_DAYS.iter().take(after).enumerate() {
        // `i` < 4, so the cast is exact.
        if let Some(d) = lunar::date_of_jdn(tet + i as i64) {
            holidays.push((d, label));
        }
    }
    // The second day of Quốc khánh: Bộ luật Lao động 2019, Điều 112 khoản 1 điểm đ.
    if year >= 2021 {
        let adjacent = match Date::new(year, 9, 2).map(|d| d.weekday()) {
            Ok(Weekday::Sunday | Weekday::Monday | Weekday::Thursday) => Date::new(year, 9, 3),
            _ => Date::new(year, 9, 1),
        };
        if let Ok(d) = adjacent {
            holidays.push((d, NATIONAL_DAY_ADJACENT));
        }
    }
    holidays.sort_by_key(|(d, _)| *d);

    // Điều 111 khoản 3: a holiday on the weekly day off gives a day off on the next working day.
    // A holiday on a day that is already a holiday (Giỗ Tổ can fall on 30/4 or 1/5) is treated the
    // same way, so that the year still has its eleven days.
    let holiday_dates: BTreeSet<Date> = holidays.iter().map(|(d, _)| *d).collect();
    let mut seen = BTreeSet::new();
    let mut in_lieu: Vec<Date> = Vec::new();
    for (d, label) in &holidays {
        let needs_lieu = is_weekend(*d) || seen.contains(d);
        seen.insert(*d);
        if !needs_lieu {
            continue;
        }
        // A Tết day on a Saturday is given on the working day before the break, as every
        // announced Tết of 2020–2025 did (2021: Wed 10/02; 2024: Thu 08/02; 2025: Mon 27/01).
        if d.weekday() == Weekday::Saturday && is_tet(label) {
            let mut cur = *d;
            let mut given = None;
            while let Ok(prev) = cur.yesterday() {
                cur = prev;
                if !is_weekend(cur) && !holiday_dates.contains(&cur) && !in_lieu.contains(&cur) {
                    given = Some(cur);
                    break;
                }
            }
            if let Some(g) = given {
                in_lieu.push(g);
                continue;
            }
        }
        let mut cur = *d;
        while let Ok(next) = cur.tomorrow() {
            cur = next;
            if !is_weekend(cur) && !holiday_dates.contains(&cur) && !in_lieu.contains(&cur) {
                in_lieu.push(cur);
                break;
            }
        }
    }
    (holidays, in_lieu)
}

/// One `[[calendar.year]]` entry, checked.
struct YearEntry {
    year: i16,
    days_off: BTreeSet<Date>,
    worked_days: BTreeSet<Date>,
    source: String,
}

fn shipped_entries() -> Result<Vec<YearEntry>, String> {
    let table: toml::Table = SHIPPED
        .parse()
        .map_err(|e: toml::de::Error| e.to_string())?;
    parse_calendar(&toml::Value::Table(table))
}

fn parse_calendar(v: &toml::Value) -> Result<Vec<YearEntry>, String> {
    let table = v
        .as_table()
        .ok_or("`calendar` must be a table of `[[calendar.year]]` entries")?;
    if let Some(key) = table.keys().find(|k| k.as_str() != "year") {
        return Err(format!(
            "unknown key `{key}` in [calendar]: only `[[calendar.year]]` entries are allowed"
        ));
    }
    let Some(years) = table.get("year") else {
        return Ok(Vec::new());
    };
    let years = years
        .as_array()
        .ok_or("`calendar.year` must be an array of tables (`[[calendar.year]]`)")?;
    let mut seen = BTreeSet::new();
    let mut out = Vec::with_capacity(years.len());
    for (i, entry) in years.iter().enumerate() {
        let entry = parse_year(i, entry)?;
        if !seen.insert(entry.year) {
            return Err(format!("calendar year {} is given twice", entry.year));
        }
        out.push(entry);
    }
    Ok(out)
}

fn parse_year(index: usize, v: &toml::Value) -> Result<YearEntry, String> {
    let at = format!("[[calendar.year]] entry {}", index + 1);
    let table = v
        .as_table()
        .ok_or_else(|| format!("{at} must be a table"))?;
    if let Some(key) = table
        .keys()
        .find(|k| !matches!(k.as_str(), "year" | "days_off" | "worked_days" | "source"))
    {
        return Err(format!(
            "{at}: unknown key `{key}` (expected year, days_off, worked_days, source)"
        ));
    }
    let year = table
        .get("year")
        .ok_or_else(|| format!("{at}: `year` is missing"))?
        .as_integer()
        .ok_or_else(|| format!("{at}: `year` must be an integer"))?;
    let year = i16::try_from(year)
        .ok()
        .filter(|y| Date::new(*y, 1, 1).is_ok())
        .ok_or_else(|| format!("{at}: year {year} is out of range"))?;
    let at = format!("calendar year {year}");
    let days_off = match table.get("days_off") {
        Some(v) => parse_dates(v, "days_off", year, &at)?,
        None => {
            return Err(format!(
                "{at}: `days_off` is missing (list every weekday off of the year)"
            ));
        }
    };
    let worked_days = match table.get("worked_days") {
        Some(v) => parse_dates(v, "worked_days", year, &at)?,
        None => BTreeSet::new(),
    };
    for d in &worked_days {
        if !is_weekend(*d) {
            return Err(format!(
                "{at}: worked_days has {d}, a {:?}; list only Saturdays or Sundays worked in exchange \
                 for a weekday off (a weekday not in days_off is already a working day)",
                d.weekday()
            ));
        }
        if days_off.contains(d) {
            return Err(format!("{at}: {d} is in both days_off and worked_days"));
        }
    }
    let source = match table.get("source") {
        None => DEPLOYMENT_SOURCE.to_string(),
        Some(s) => s
            .as_str()
            .ok_or_else(|| format!("{at}: `source` must be a string"))?
            .trim()
            .to_string(),
    };
    Ok(YearEntry {
        year,
        days_off,
        worked_days,
        source,
    })
}

fn parse_dates(v: &toml::Value, key: &str, year: i16, at: &str) -> Result<BTreeSet<Date>, String> {
    let items = v
        .as_array()
        .ok_or_else(|| format!("{at}: `{key}` must be an array of dates"))?;
    let mut out = BTreeSet::new();
    for (i, item) in items.iter().enumerate() {
        let date = match item {
            toml::Value::String(s) => s.trim().parse::<Date>().map_err(|_| {
                format!("{at}: {key}[{i}] = \"{s}\" is not a valid date (expected YYYY-MM-DD, e.g. \"{year}-02-05\")")
            })?,
            toml::Value::Datetime(dt) => match (dt.date, dt.time, dt.offset) {
                (Some(d), None, None) => i16::try_from(d.year)
                    .ok()
                    .and_then(|y| Date::new(y, d.month as i8, d.day as i8).ok())
                    .ok_or_else(|| format!("{at}: {key}[{i}] = {dt} is not a valid date"))?,
                _ => return Err(format!("{at}: {key}[{i}] = {dt} must be a date without a time")),
            },
            other => {
                return Err(format!("{at}: {key}[{i}] = {other} must be a date string like \"{year}-02-05\""));
            }
        };
        if date.year() != year {
            return Err(format!(
                "{at}: {key} has {date}, which is not in {year}; list it under year {}",
                date.year()
            ));
        }
        out.insert(date);
    }
    Ok(out)
}

pub mod lunar {
    //! The Vietnamese lunar calendar (âm lịch), reckoned at UTC+7.
    //!
    //! This follows the method Hồ Ngọc Đức published for computing the Vietnamese calendar
    //! ("Thuật toán tính âm lịch"): a month begins on the local day of the new moon; month 11 is
    //! the month containing the winter solstice; when 13 new moons start between two months 11,
    //! the first month in which the sun enters no new 30° sign (no major solar term) is the leap
    //! month and takes the number of the month before it. New moons come from the mean lunation
    //! with the periodic terms of Meeus (Astronomical Formulae for Calculators, ch. 32, epoch
    //! 1900 January 0.5) and ΔT; the sun's longitude from its mean longitude and equation of
    //! centre. Dates are proleptic Gregorian, as in jiff. The results agree with the published
    //! Vietnamese calendar for the modern era; far from it they are only as good as the series.

    use std::f64::consts::PI;

    use jiff::civil::Date;

    /// Vietnam's time zone, in hours east of UTC, since 1975 (the North since 1968).
    pub const UTC_OFFSET_HOURS: f64 = 7.0;

    /// Mean length of a lunation, in days.
    const SYNODIC_MONTH: f64 = 29.530588853;

    /// A day of the lunar calendar.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub struct LunarDate {
        /// The lunar year, named by the solar year in which it mostly falls (Tết 2026 = year 2026).
        pub year: i16,
        /// The month, 1 (tháng Giêng) to 12 (tháng Chạp).
        pub month: u8,
        /// The day, 1 to 29 or 30.
        pub day: u8,
        /// Is this the leap month (tháng nhuận), the one repeating `month`?
        pub leap: bool,
    }

    /// The first day of lunar year `year` (mùng 1 Tết). Years outside jiff's range (±9999) give
    /// jiff's first or last date.
    pub fn lunar_new_year(year: i16) -> Date {
        date_of_jdn(tet_jdn(i64::from(year))).unwrap_or(if year <= 0 {
            Date::MIN
        } else {
            Date::MAX
        })
    }

    /// The solar date of a lunar date; `None` when it does not exist (month out of 1–12, day past
    /// the month's end, a leap month the year does not have, or out of jiff's range).
    pub fn solar_from_lunar(lunar: LunarDate) -> Option<Date> {
        if !(1..=12).contains(&lunar.month) || lunar.day == 0 {
            return None;
        }
        // Months 11 and 12 of year Y lie between month 11 of Y and month 11 of Y + 1.
        let span_year = i64::from(lunar.year) + if lunar.month >= 11 { 1 } else { 0 };
        let span = Span::ending(span_year);
        let index = span.index_of(lunar.month, lunar.leap)?;
        let start = span.month_start(index);
        let length = span.month_start(index + 1) - start;
        if i64::from(lunar.day) > length {
            return None;
        }
        date_of_jdn(start + i64::from(lunar.day) - 1)
    }

    /// The lunar date of a solar date.
    pub fn lunar_from_solar(date: Date) -> LunarDate {
        let jdn = jdn_of(date);
        let year = i64::from(date.year());
        let next = Span::ending(year + 1);
        let (span_year, span) = if jdn >= next.month_start(0) {
            (year + 1, next)
        } else {
            (year, Span::ending(year))
        };
        let estimate = ((jdn - span.month_start(0)) as f64 / SYNODIC_MONTH).floor() as i64;
        let mut index = estimate.clamp(0, span.months - 1);
        while index + 1 < span.months && span.month_start(index + 1) <= jdn {
            index += 1;
        }
        while index > 0 && span.month_start(index) > jdn {
            index -= 1;
        }
        let (month, leap) = span.label(index);
        let lunar_year = if month >= 11 {
            span_year - 1
        } else {
            span_year
        };
        LunarDate {
            // Within a year of `date`, which jiff keeps within ±9999.
            year: i16::try_from(lunar_year).unwrap_or(date.year()),
            month,
            // A lunar month has at most 30 days.
            day: u8::try_from(jdn - span.month_start(index) + 1).unwrap_or(1),
            leap,
        }
    }

    /// The leap month of lunar year `year` (e.g. `Some(6)` for 2025, tháng 6 nhuận), if any.
    pub fn leap_month(year: i16) -> Option<u8> {
        let year = i64::from(year);
        // A leap month 1–10 of `year` lies in the span ending in `year`; a leap 11 or 12 in the
        // next one.
        let this = Span::ending(year);
        if let Some(l) = this.leap {
            let (month, _) = this.label(l);
            if month <= 10 {
                return Some(month);
            }
        }
        let next = Span::ending(year + 1);
        next.leap.map(|l| next.label(l).0).filter(|m| *m >= 11)
    }

    /// The Julian day number of mùng 1 Tết of lunar year `year`.
    pub(super) fn tet_jdn(year: i64) -> i64 {
        let span = Span::ending(year);
        // Month 1 is the third month after month 11, the fourth after a leap 11 or 12.
        let index = match span.leap {
            Some(l) if l <= 2 => 3,
            _ => 2,
        };
        span.month_start(index)
    }

    /// The Julian day number of a date (the day starting at noon UT on it, by convention).
    pub(super) fn jdn_of(date: Date) -> i64 {
        jdn(
            i64::from(date.year()),
            i64::from(date.month()),
            i64::from(date.day()),
        )
    }

    /// The date of a Julian day number, if jiff can represent it.
    pub(super) fn date_of_jdn(jdn: i64) -> Option<Date> {
        // Inverse of `jdn`, in 400-year cycles (146 097 days), centuries and 4-year cycles.
        let a = jdn + 32044;
        let b = (4 * a + 3).div_euclid(146_097);
        let c = a - (146_097 * b).div_euclid(4);
        let d = (4 * c + 3).div_euclid(1461);
        let e = c - (1461 * d).div_euclid(4);
        let m = (5 * e + 2).div_euclid(153);
        let day = e - (153 * m + 2).div_euclid(5) + 1;
        let month = m + 3 - 12 * m.div_euclid(10);
        let year = 100 * b + d - 4800 + m.div_euclid(10);
        Date::new(
            i16::try_from(year).ok()?,
            i8::try_from(month).ok()?,
            i8::try_from(day).ok()?,
        )
        .ok()
    }

    /// Julian day number of a proleptic Gregorian date.
    fn jdn(year: i64, month: i64, day: i64) -> i64 {
        // Count from March of year −4800 so that February, with its leap day, ends the year.
        let a = (14 - month).div_euclid(12);
        let y = year + 4800 - a;
        let m = month + 12 * a - 3;
        day + (153 * m + 2).div_euclid(5) + 365 * y + y.div_euclid(4) - y.div_euclid(100)
            + y.div_euclid(400)
            - 32045
    }

    /// The local (UTC+7) Julian day number of the day of new moon number `k` (0 = January 1900).
    fn new_moon_day(k: i64) -> i64 {
        let dr = PI / 180.0;
        let k = k as f64;
        let t = k / 1236.85; // Julian centuries since 1900 January 0.5
        let t2 = t * t;
        let t3 = t2 * t;
        let mean = 2415020.75933 + 29.53058868 * k + 0.0001178 * t2 - 0.000000155 * t3
            + 0.00033 * ((166.56 + 132.87 * t - 0.009173 * t2) * dr).sin();
        let sun_anomaly = (359.2242 + 29.10535608 * k - 0.0000333 * t2 - 0.00000347 * t3) * dr;
        let moon_anomaly = (306.0253 + 385.81691806 * k + 0.0107306 * t2 + 0.00001236 * t3) * dr;
        let moon_latitude = (21.2964 + 390.67050646 * k - 0.0016528 * t2 - 0.00000239 * t3) * dr;
        let (m, mp, f) = (sun_anomaly, moon_anomaly, moon_latitude);
        let periodic = (0.1734 - 0.000393 * t) * m.sin() + 0.0021 * (2.0 * m).sin()
            - 0.4068 * mp.sin()
            + 0.0161 * (2.0 * mp).sin()
            - 0.0004 * (3.0 * mp).sin()
            + 0.0104 * (2.0 * f).sin()
            - 0.0051 * (m + mp).sin()
            - 0.0074 * (m - mp).sin()
            + 0.0004 * (2.0 * f + m).sin()
            - 0.0004 * (2.0 * f - m).sin()
            - 0.0006 * (2.0 * f + mp).sin()
            + 0.0010 * (2.0 * f - mp).sin()
            + 0.0005 * (m + 2.0 * mp).sin();
        // ΔT (dynamical minus universal time), in days.
        let delta_t = if t < -11.0 {
            0.001 + 0.000839 * t + 0.0002261 * t2 - 0.00000845 * t3 - 0.000000081 * t * t3
        } else {
            -0.000278 + 0.000265 * t + 0.000262 * t2
        };
        let julian_day = mean + periodic - delta_t;
        (julian_day + 0.5 + UTC_OFFSET_HOURS / 24.0).floor() as i64
    }

    /// The 30° sector (0 = 0°–30° from the vernal equinox … 9 = from the winter solstice) of the
    /// sun's apparent longitude at the local midnight that starts day `jdn`.
    fn sun_sector(jdn: i64) -> i64 {
        let dr = PI / 180.0;
        let t = (jdn as f64 - 2451545.5 - UTC_OFFSET_HOURS / 24.0) / 36525.0; // centuries from J2000
        let t2 = t * t;
        let anomaly = (357.52910 + 35999.05030 * t - 0.0001559 * t2 - 0.00000048 * t * t2) * dr;
        let mean_longitude = 280.46645 + 36000.76983 * t + 0.0003032 * t2;
        let centre = (1.914600 - 0.004817 * t - 0.000014 * t2) * anomaly.sin()
            + (0.019993 - 0.000101 * t) * (2.0 * anomaly).sin()
            + 0.000290 * (3.0 * anomaly).sin();
        let longitude = (mean_longitude + centre).rem_euclid(360.0);
        (longitude / 30.0).floor() as i64
    }

    /// The number of the new moon that starts month 11 of solar year `year` (the month containing
    /// the winter solstice): the last new moon on or before 31 December, or the one before it if
    /// that new moon is already past the solstice.
    fn month_11(year: i64) -> i64 {
        let days = (jdn(year, 12, 31) - 2415021) as f64;
        let k = (days / SYNODIC_MONTH).floor() as i64;
        if sun_sector(new_moon_day(k)) >= 9 {
            k - 1
        } else {
            k
        }
    }

    /// The lunar months from month 11 of one solar year to (not including) month 11 of the next.
    struct Span {
        /// The new moon starting the span's month 11.
        k0: i64,
        /// 12, or 13 when one of them is a leap month.
        months: i64,
        /// Index (from 1) of the leap month within the span.
        leap: Option<i64>,
    }

    impl Span {
        /// The span from month 11 of `year - 1` to month 11 of `year`.
        fn ending(year: i64) -> Span {
            let k0 = month_11(year - 1);
            let k1 = month_11(year);
            if new_moon_day(k1) - new_moon_day(k0) > 365 {
                Span {
                    k0,
                    months: 13,
                    leap: Some(leap_index(k0)),
                }
            } else {
                Span {
                    k0,
                    months: 12,
                    leap: None,
                }
            }
        }

        fn month_start(&self, index: i64) -> i64 {
            new_moon_day(self.k0 + index)
        }

        /// The month number and leap flag of the month at `index`.
        fn label(&self, index: i64) -> (u8, bool) {
            let (ordinal, leap) = match self.leap {
                Some(l) if index == l => (index - 1, true),
                Some(l) if index > l => (index - 1, false),
                _ => (index, false),
            };
            // Ordinal 0 is month 11, 1 is month 12, 2 is month 1 …; the result is in 1..=12.
            let month = (10 + ordinal).rem_euclid(12) + 1;
            (u8::try_from(month).unwrap_or(1), leap)
        }

        /// The index of month `month` (the leap one when `leap`), if the span has it.
        fn index_of(&self, month: u8, leap: bool) -> Option<i64> {
            let ordinal = (i64::from(month) + 1).rem_euclid(12);
            match (self.leap, leap) {
                (Some(l), true) => (l - 1 == ordinal).then_some(l),
                (Some(l), false) => Some(if ordinal >= l { ordinal + 1 } else { ordinal }),
                (None, true) => None,
                (None, false) => Some(ordinal),
            }
        }
    }

    /// In a 13-month span starting at new moon `k0`, the index of the first month whose start and
    /// end find the sun in the same sector: it contains no major solar term.
    fn leap_index(k0: i64) -> i64 {
        let mut index = 1;
        let mut sector = sun_sector(new_moon_day(k0 + 1));
        while index < 12 {
            let next = sun_sector(new_moon_day(k0 + index + 1));
            if next == sector {
                break;
            }
            sector = next;
            index += 1;
        }
        index
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;
    use proptest::prelude::*;

    use super::*;

    fn cal() -> WorkCalendar {
        WorkCalendar::vietnam()
    }

    fn lunar(year: i16, month: u8, day: u8) -> LunarDate {
        LunarDate {
            year,
            month,
            day,
            leap: false,
        }
    }

    fn weekdays_off(cal: &WorkCalendar, year: i16) -> usize {
        let plan = cal.plan(year);
        plan.days_off.iter().filter(|d| !is_weekend(**d)).count()
    }

    #[test]
    fn julian_day_numbers_round_trip_through_jiff_dates() {
        assert_eq!(lunar::jdn_of(date(2000, 1, 1)), 2_451_545);
        assert_eq!(lunar::jdn_of(date(1900, 1, 1)), 2_415_021);
        for d in [
            date(-9999, 1, 1),
            date(1, 1, 1),
            date(1582, 10, 15),
            date(2024, 2, 29),
            date(9999, 12, 31),
        ] {
            assert_eq!(lunar::date_of_jdn(lunar::jdn_of(d)), Some(d));
        }
    }

    #[test]
    fn tet_falls_on_the_vietnamese_new_year_dates() {
        let known = [
            (1990, date(1990, 1, 27)),
            (2000, date(2000, 2, 5)),
            (2016, date(2016, 2, 8)),
            (2017, date(2017, 1, 28)),
            (2018, date(2018, 2, 16)),
            (2019, date(2019, 2, 5)),
            (2020, date(2020, 1, 25)),
            (2021, date(2021, 2, 12)),
            (2022, date(2022, 2, 1)),
            (2023, date(2023, 1, 22)),
            (2024, date(2024, 2, 10)),
            (2025, date(2025, 1, 29)),
            (2026, date(2026, 2, 17)),
            (2027, date(2027, 2, 6)),
            (2028, date(2028, 1, 26)),
            (2029, date(2029, 2, 13)),
            (2030, date(2030, 2, 2)),
        ];
        for (year, tet) in known {
            assert_eq!(lunar_new_year(year), tet, "Tết {year}");
            assert_eq!(lunar_from_solar(tet), lunar(year, 1, 1));
        }
    }

    #[test]
    fn tet_follows_vietnam_at_utc_plus_7_where_china_differs() {
        // Lịch Việt Nam tính theo múi giờ UTC+7: Tết 1985, 2007 and 2030 differ from China's.
        assert_eq!(lunar_new_year(1968), date(1968, 1, 29)); // China: 1968-01-30 (Tết Mậu Thân)
        assert_eq!(lunar_new_year(1985), date(1985, 1, 21)); // China: 1985-02-20
        assert_eq!(lunar_new_year(2007), date(2007, 2, 17)); // China: 2007-02-18
        assert_eq!(lunar_new_year(2030), date(2030, 2, 2)); // China: 2030-02-03
    }

    #[test]
    fn hung_kings_day_is_the_tenth_day_of_the_third_lunar_month() {
        // Bộ luật Lao động 2019, Điều 112 khoản 1 điểm d: Giỗ Tổ Hùng Vương, 10/3 âm lịch.
        let known = [
            (2021, date(2021, 4, 21)),
            (2022, date(2022, 4, 10)),
            (2023, date(2023, 4, 29)), // a year with a leap second month
            (2024, date(2024, 4, 18)),
            (2025, date(2025, 4, 7)),
            (2026, date(2026, 4, 26)),
        ];
        for (year, day) in known {
            assert_eq!(
                solar_from_lunar(lunar(year, 3, 10)),
                Some(day),
                "Giỗ Tổ {year}"
            );
        }
    }

    #[test]
    fn leap_months_are_the_ones_the_vietnamese_calendar_repeats() {
        assert_eq!(leap_month(2020), Some(4));
        assert_eq!(leap_month(2023), Some(2));
        assert_eq!(leap_month(2025), Some(6));
        assert_eq!(leap_month(2024), None);
        assert_eq!(leap_month(2026), None);
        // Tháng 6 nhuận Ất Tỵ began on 25/07/2025.
        assert_eq!(
            solar_from_lunar(LunarDate {
                year: 2025,
                month: 6,
                day: 1,
                leap: true
            }),
            Some(date(2025, 7, 25))
        );
        assert_eq!(
            lunar_from_solar(date(2025, 7, 25)),
            LunarDate {
                year: 2025,
                month: 6,
                day: 1,
                leap: true
            }
        );
    }

    #[test]
    fn the_lunar_dates_named_in_the_announcements_match() {
        // Each announcement gives the lunar date of the first and last day of the Tết break.
        let named = [
            (date(2021, 2, 10), lunar(2020, 12, 29)),
            (date(2021, 2, 11), lunar(2020, 12, 30)),
            (date(2021, 2, 16), lunar(2021, 1, 5)),
            (date(2022, 1, 31), lunar(2021, 12, 29)),
            (date(2022, 2, 4), lunar(2022, 1, 4)),
            (date(2023, 1, 20), lunar(2022, 12, 29)),
            (date(2023, 1, 26), lunar(2023, 1, 5)),
            (date(2024, 2, 8), lunar(2023, 12, 29)),
            (date(2024, 2, 14), lunar(2024, 1, 5)),
            (date(2025, 1, 25), lunar(2024, 12, 26)),
            (date(2025, 1, 27), lunar(2024, 12, 28)),
            (date(2025, 2, 2), lunar(2025, 1, 5)),
            (date(2026, 2, 14), lunar(2025, 12, 27)),
            (date(2026, 2, 16), lunar(2025, 12, 29)),
            (date(2026, 2, 22), lunar(2026, 1, 6)),
        ];
        for (solar, expected) in named {
            assert_eq!(lunar_from_solar(solar), expected, "{solar}");
        }
    }

    #[test]
    fn impossible_lunar_dates_have_no_solar_date() {
        // Tháng Chạp Ất Tỵ has 29 days (there is no 30 Tết in 2026).
        assert_eq!(solar_from_lunar(lunar(2025, 12, 30)), None);
        assert_eq!(
            solar_from_lunar(LunarDate {
                year: 2025,
                month: 3,
                day: 1,
                leap: true
            }),
            None
        );
        assert_eq!(solar_from_lunar(lunar(2025, 13, 1)), None);
        assert_eq!(solar_from_lunar(lunar(2025, 0, 1)), None);
        assert_eq!(solar_from_lunar(lunar(2025, 1, 0)), None);
    }

    #[test]
    fn the_shipped_calendar_reads_and_covers_2021_to_2026() {
        let entries = shipped_entries();
        assert!(entries.is_ok(), "{:?}", entries.err());
        let cal = cal();
        assert_eq!(
            cal.announced_years(),
            vec![2021, 2022, 2023, 2024, 2025, 2026]
        );
        for year in 2021..=2026 {
            assert!(!cal.is_provisional(year));
            assert!(!cal.source(year).is_empty());
        }
        assert!(cal.is_provisional(2020));
        assert!(cal.is_provisional(2027));
        assert!(cal.is_provisional(2500));
        assert!(cal.source(2027).contains("Bộ luật Lao động 2019"));
    }

    #[test]
    fn each_announced_year_nets_the_eleven_statutory_days_off() {
        // Bộ luật Lao động 2019, Điều 112 khoản 1: 11 days. A holiday on a weekend is replaced by a
        // day in lieu (Điều 111 khoản 3) and a swapped weekday by a Saturday worked.
        let cal = cal();
        let expected = [
            (2021, 11, 0),
            (2022, 11, 0),
            (2023, 11, 0),
            (2024, 12, 1),
            (2025, 12, 1),
            (2026, 13, 2),
        ];
        for (year, off, worked) in expected {
            let plan = cal.plan(year);
            assert_eq!(weekdays_off(&cal, year), off, "{year} weekdays off");
            assert_eq!(plan.worked_days.len(), worked, "{year} days worked");
            assert!(plan.worked_days.iter().all(|d| is_weekend(*d)));
        }
    }

    /// The computed rule against every announced year shipped (2021–2026): every weekday it gives
    /// off was given off, and the only other weekdays off are the swapped ones, one per weekend
    /// day worked (swaps are never guessed). Tết 2021, 2024 and 2025 put a Saturday's day in lieu
    /// before the break.
    #[test]
    fn the_computed_rule_reproduces_every_announced_year() {
        let announced = WorkCalendar::vietnam();
        let computed = WorkCalendar::statutory();
        for year in announced.announced_years() {
            let mut d = Date::new(year, 1, 1).unwrap();
            let (mut extra_off, mut worked) = (0, 0);
            while d.year() == year {
                let (a, c) = (announced.is_working_day(d), computed.is_working_day(d));
                if is_weekend(d) {
                    worked += i32::from(a);
                    assert!(!c, "{d}");
                } else {
                    assert!(!a || c, "{year}: computed {d} off, announced working");
                    extra_off += i32::from(!a && c);
                }
                d = d.tomorrow().unwrap();
            }
            assert_eq!(
                extra_off, worked,
                "{year}: weekdays swapped against weekend days worked"
            );
        }
        for (year, before) in [
            (2021, (2, 10)),
            (2024, (2, 8)),
            (2025, (1, 27)),
            (2020, (1, 23)),
        ] {
            let d = Date::new(year, before.0, before.1).unwrap();
            assert!(
                !computed.is_working_day(d),
                "{d}: the Saturday of Tết, given before the break"
            );
        }
    }

    #[test]
    fn every_provisional_year_under_the_2019_code_has_eleven_weekdays_off() {
        let cal = cal();
        for year in 2027..=2100 {
            assert_eq!(weekdays_off(&cal, year), 11, "{year}");
        }
        assert_eq!(weekdays_off(&cal, 2150), 11);
    }

    #[test]
    fn the_announced_tet_breaks_are_days_off() {
        let cal = cal();
        // Thông báo 9441/TB-BNV: Tết Bính Ngọ 14–22/02/2026.
        for day in 14..=22 {
            assert!(!cal.is_working_day(date(2026, 2, day)), "2026-02-{day}");
        }
        assert!(cal.is_working_day(date(2026, 2, 13)));
        assert!(cal.is_working_day(date(2026, 2, 23)));
        // Văn bản 8726/VPCP-KGVX: Tết Ất Tỵ 25/01–02/02/2025.
        assert!(cal.is_working_day(date(2025, 1, 24)));
        assert!((25..=31).all(|d| !cal.is_working_day(date(2025, 1, d))));
        assert!(!cal.is_working_day(date(2025, 2, 2)));
        assert!(cal.is_working_day(date(2025, 2, 3)));
    }

    #[test]
    fn a_deadline_across_tet_2026_skips_the_tet_break() {
        // From Tue 20/01/2026: 18 working days to Fri 13/02, Tết 16–20/02 off (Thông báo
        // 9441/TB-BNV), 5 more in the week of 23/02, then 2–6/03 and 9–10/03: the 30th is 10/03.
        let cal = cal();
        assert_eq!(
            cal.add_working_days(date(2026, 1, 20), 18),
            date(2026, 2, 13)
        );
        assert_eq!(
            cal.add_working_days(date(2026, 1, 20), 19),
            date(2026, 2, 23)
        );
        assert_eq!(
            cal.add_working_days(date(2026, 1, 20), 30),
            date(2026, 3, 10)
        );
        assert_eq!(
            cal.working_days_between(date(2026, 1, 20), date(2026, 3, 10)),
            30
        );
    }

    #[test]
    fn a_saturday_worked_in_lieu_counts_as_a_working_day() {
        // Công văn 12729/VPCP-KGVX: Fri 02/01/2026 off, Sat 10/01/2026 worked.
        let cal = cal();
        assert!(!cal.is_working_day(date(2026, 1, 2)));
        assert!(cal.is_working_day(date(2026, 1, 10)));
        assert_eq!(cal.add_working_days(date(2026, 1, 9), 1), date(2026, 1, 10));
        assert_eq!(
            cal.add_working_days(date(2025, 12, 31), 1),
            date(2026, 1, 5)
        );
        // Thông báo 9441/TB-BNV: Sat 22/08/2026 worked for Mon 31/08.
        assert!(cal.is_working_day(date(2026, 8, 22)));
        assert!(!cal.is_working_day(date(2026, 8, 31)));
        assert!(cal.is_working_day(date(2024, 5, 4)));
        assert!(cal.is_working_day(date(2025, 4, 26)));
        assert!(!cal.is_working_day(date(2025, 4, 19)));
    }

    #[test]
    fn the_day_itself_is_not_counted() {
        let cal = cal();
        assert_eq!(cal.add_working_days(date(2026, 3, 2), 1), date(2026, 3, 3));
        assert_eq!(cal.add_working_days(date(2026, 3, 6), 1), date(2026, 3, 9));
        // From a Saturday, the first working day is the Monday.
        assert_eq!(cal.add_working_days(date(2026, 3, 7), 1), date(2026, 3, 9));
    }

    #[test]
    fn zero_working_days_after_a_day_is_that_day_even_a_holiday() {
        let cal = cal();
        assert_eq!(
            cal.add_working_days(date(2026, 2, 17), 0),
            date(2026, 2, 17)
        );
        assert_eq!(cal.add_working_days(date(2026, 3, 3), 0), date(2026, 3, 3));
    }

    #[test]
    fn working_days_between_counts_the_end_not_the_start_and_is_signed() {
        let cal = cal();
        let (mon, fri) = (date(2026, 3, 2), date(2026, 3, 6));
        assert_eq!(cal.working_days_between(mon, mon), 0);
        assert_eq!(cal.working_days_between(mon, fri), 4);
        assert_eq!(cal.working_days_between(fri, mon), -4);
        assert_eq!(
            cal.working_days_between(date(2026, 2, 13), date(2026, 2, 22)),
            0
        );
    }

    #[test]
    fn a_provisional_tet_saturday_is_given_before_the_break_and_its_sunday_after() {
        // Tết 2027 is Sat 06/02: the last day of Bính Ngọ is Fri 05/02; mùng 1 on the Saturday
        // gives Thu 04/02 (before the break, as announced Tết breaks did in 2020–2025) and mùng 2
        // on the Sunday gives Wed 10/02, after mùng 3–4 (Bộ luật Lao động 2019, Điều 111 khoản 3).
        let cal = cal();
        for day in [4, 5, 8, 9, 10] {
            assert!(!cal.is_working_day(date(2027, 2, day)), "2027-02-{day}");
        }
        assert!(cal.is_working_day(date(2027, 2, 3)));
        assert!(cal.is_working_day(date(2027, 2, 11)));
        // Giỗ Tổ 2027 and 2/9/2027 (Thu) with 3/9 adjacent.
        let hung = solar_from_lunar(lunar(2027, 3, 10));
        assert!(hung.is_some_and(|d| !cal.is_working_day(d)));
        assert!(!cal.is_working_day(date(2027, 9, 3)));
        assert!(cal.is_working_day(date(2027, 9, 1)));
    }

    #[test]
    fn the_national_day_rule_reproduces_every_announced_year() {
        // The adjacent day chosen in 2021–2026 is the one joining 2/9 to the weekend.
        let statutory = WorkCalendar::statutory();
        let announced = cal();
        for year in 2021..=2026 {
            let provisional: Vec<Date> = statutory
                .plan(year)
                .days_off
                .iter()
                .filter(|d| d.month() == 9 || (d.month() == 8 && d.day() >= 29))
                .copied()
                .collect();
            assert_eq!(provisional.len(), 2, "{year}");
            assert!(
                provisional.iter().all(|d| !announced.is_working_day(*d)),
                "{year}: {provisional:?}"
            );
        }
    }

    #[test]
    fn years_before_2021_follow_the_code_then_in_force() {
        let cal = cal();
        // Bộ luật Lao động 2012: Quốc khánh one day; 2/9/2019 is a Monday, 3/9 a working day.
        assert!(!cal.is_working_day(date(2019, 9, 2)));
        assert!(cal.is_working_day(date(2019, 9, 3)));
        assert_eq!(weekdays_off(&cal, 2019), 10);
        // Before 2007 Giỗ Tổ was not a holiday.
        let hung = solar_from_lunar(lunar(2005, 3, 10));
        assert!(hung.is_some_and(|d| is_weekend(d) || cal.is_working_day(d)));
        assert!(cal.holidays(2005).iter().all(|c| c.label_vi != HUNG_KINGS));
        assert!(cal.holidays(2007).iter().any(|c| c.label_vi == HUNG_KINGS));
    }

    #[test]
    fn years_outside_the_precomputed_range_are_computed_on_demand() {
        let cal = cal();
        assert!(!cal.is_working_day(date(2150, 1, 1)));
        let tet = lunar_new_year(2150);
        assert!(!cal.is_working_day(tet));
        assert!(cal.is_provisional(1950));
        assert!(!cal.is_working_day(date(1950, 5, 1)));
        assert_eq!(
            cal.add_working_days(date(9999, 12, 30), 10),
            date(9999, 12, 31)
        );
    }

    #[test]
    fn holidays_list_the_announced_year_for_display() {
        let days = cal().holidays(2026);
        let find = |d: Date| {
            days.iter()
                .find(|c| c.date == d)
                .map(|c| (c.kind, c.label_vi))
        };
        assert_eq!(find(date(2026, 1, 1)), Some((DayKind::Holiday, NEW_YEAR)));
        assert_eq!(
            find(date(2026, 1, 2)),
            Some((DayKind::DayOff, ANNOUNCED_DAY_OFF))
        );
        assert_eq!(
            find(date(2026, 1, 10)),
            Some((DayKind::WorkedDay, WORKED_DAY))
        );
        assert_eq!(find(date(2026, 2, 16)), Some((DayKind::Holiday, TET)));
        assert_eq!(
            find(date(2026, 4, 26)),
            Some((DayKind::Holiday, HUNG_KINGS))
        );
        assert_eq!(
            find(date(2026, 4, 27)),
            Some((DayKind::DayOff, ANNOUNCED_DAY_OFF))
        );
        assert_eq!(
            find(date(2026, 9, 1)),
            Some((DayKind::Holiday, NATIONAL_DAY_ADJACENT))
        );
        assert!(days.windows(2).all(|w| w[0].date <= w[1].date));
    }

    #[test]
    fn holidays_list_a_provisional_year_with_its_days_in_lieu() {
        let days = cal().holidays(2027);
        let holidays = days.iter().filter(|c| c.kind == DayKind::Holiday).count();
        assert_eq!(holidays, 11);
        let in_lieu: Vec<Date> = days
            .iter()
            .filter(|c| c.kind == DayKind::DayOff)
            .map(|c| c.date)
            .collect();
        assert!(in_lieu.contains(&date(2027, 2, 4)));
        assert!(in_lieu.contains(&date(2027, 2, 10)));
        assert_eq!(
            days.iter()
                .find(|c| c.date == date(2027, 2, 6))
                .map(|c| c.label_vi),
            Some(TET_DAYS[0])
        );
    }

    fn apply(cal: &mut WorkCalendar, text: &str) -> Result<(), String> {
        let doc: toml::Table = text.parse().map_err(|e: toml::de::Error| e.to_string())?;
        match doc.get("calendar") {
            Some(v) => cal.apply_toml(v),
            None => Err("no [calendar]".into()),
        }
    }

    #[test]
    fn a_deployment_entry_replaces_the_year_and_marks_it_announced() {
        let mut cal = cal();
        assert!(cal.is_provisional(2027));
        let r = apply(
            &mut cal,
            r#"
            [[calendar.year]]
            year = 2027
            days_off = ["2027-02-04", "2027-02-05", 2027-02-08, "2027-02-09", "2027-02-10"]
            worked_days = ["2027-02-20"]
            source = "Thông báo giả định"
            "#,
        );
        assert_eq!(r, Ok(()));
        assert!(!cal.is_provisional(2027));
        assert_eq!(cal.source(2027), "Thông báo giả định");
        assert!(!cal.is_working_day(date(2027, 2, 4)));
        assert!(cal.is_working_day(date(2027, 2, 11))); // no longer a day in lieu
        assert!(cal.is_working_day(date(2027, 2, 20)));
        // Only the year given changes.
        assert!(!cal.is_working_day(date(2026, 1, 2)));
    }

    #[test]
    fn a_deployment_entry_without_source_names_the_deployment() {
        let mut cal = cal();
        let r = apply(&mut cal, "[[calendar.year]]\nyear = 2028\ndays_off = []\n");
        assert_eq!(r, Ok(()));
        assert_eq!(cal.source(2028), DEPLOYMENT_SOURCE);
        assert!(cal.is_working_day(date(2028, 1, 26)));
    }

    #[test]
    fn bad_calendar_entries_are_refused_with_a_clear_message_and_change_nothing() {
        let cases = [
            (
                "[[calendar.year]]\nyear = 2027\ndays_off = [\"2027-02-30\"]",
                "\"2027-02-30\" is not a valid date",
            ),
            (
                "[[calendar.year]]\nyear = 2027\ndays_off = [\"05/02/2027\"]",
                "expected YYYY-MM-DD",
            ),
            (
                "[[calendar.year]]\nyear = 2027\ndays_off = [\"2026-12-31\"]",
                "not in 2027",
            ),
            (
                "[[calendar.year]]\nyear = 2027\ndays_off = [20270205]",
                "must be a date string",
            ),
            (
                "[[calendar.year]]\nyear = 2027\ndays_off = [\"2027-02-20\"]\nworked_days = [\"2027-02-20\"]",
                "both",
            ),
            (
                "[[calendar.year]]\nyear = 2027\ndays_off = []\nworked_days = [\"2027-02-19\"]",
                "Friday",
            ),
            (
                "[[calendar.year]]\nyear = 2027\nday_off = []",
                "unknown key `day_off`",
            ),
            ("[[calendar.year]]\nyear = 2027", "`days_off` is missing"),
            ("[[calendar.year]]\ndays_off = []", "`year` is missing"),
            (
                "[[calendar.year]]\nyear = 20270\ndays_off = []",
                "out of range",
            ),
            (
                "[[calendar.year]]\nyear = 2027\ndays_off = []\n[[calendar.year]]\nyear = 2027\ndays_off = []",
                "twice",
            ),
            ("[calendar]\nyears = []", "unknown key `years`"),
            (
                "[[calendar.year]]\nyear = 2027\ndays_off = [2027-02-05T08:00:00]",
                "without a time",
            ),
        ];
        for (text, message) in cases {
            let mut cal = cal();
            let text = format!("[[calendar.year]]\nyear = 2028\ndays_off = []\n{text}");
            let r = apply(&mut cal, &text);
            assert!(
                r.as_ref().is_err_and(|e| e.contains(message)),
                "{text}\n→ {r:?}"
            );
            assert!(cal.is_provisional(2028), "nothing applied on error: {text}");
        }
    }

    #[test]
    fn an_empty_calendar_table_changes_nothing() {
        let mut cal = cal();
        assert_eq!(apply(&mut cal, "[calendar]"), Ok(()));
        assert_eq!(cal.announced_years().len(), 6);
    }

    proptest! {
        #[test]
        fn the_nth_working_day_after_a_date_is_a_working_day_n_working_days_later(
            offset in 0i64..(120 * 366),
            n in 0u32..400,
        ) {
            let cal = cal();
            let start = lunar::date_of_jdn(lunar::jdn_of(date(1995, 1, 1)) + offset);
            prop_assume!(start.is_some());
            let Some(start) = start else { return Ok(()) };
            let end = cal.add_working_days(start, n);
            if n > 0 {
                prop_assert!(cal.is_working_day(end));
                prop_assert!(end > start);
            } else {
                prop_assert_eq!(end, start);
            }
            prop_assert_eq!(cal.working_days_between(start, end), i64::from(n));
            prop_assert_eq!(cal.working_days_between(end, start), -i64::from(n));
        }

        #[test]
        fn lunar_and_solar_dates_convert_back_and_forth(offset in 0i64..(300 * 366)) {
            let solar = lunar::date_of_jdn(lunar::jdn_of(date(1900, 1, 1)) + offset);
            prop_assume!(solar.is_some());
            let Some(solar) = solar else { return Ok(()) };
            let l = lunar_from_solar(solar);
            prop_assert!((1..=12).contains(&l.month) && (1..=30).contains(&l.day));
            prop_assert_eq!(solar_from_lunar(l), Some(solar));
        }
    }
}

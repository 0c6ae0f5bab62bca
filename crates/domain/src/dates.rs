//! Civil-date arithmetic the rules use: full months between two dates, validity periods, dd/mm/yyyy.
//!
//! Convention (Bộ luật Dân sự 2015, Điều 147–148): a period of N months from day D does not count
//! D itself and ends at the end of the corresponding day of the N-th month after D, or at the end of
//! that month's last day where it has no such day. So a certificate of 15/03/2021 valid 60 months
//! is still valid on 15/03/2026 and expired on 16/03/2026, and someone born on 20/05/2008 has
//! 18 full years (216 months) on 20/05/2026.

use jiff::ToSpan;
use jiff::civil::Date;

/// `d` plus `n` months, clamped to the month's last day (31/01 + 1 month = 28/02 or 29/02).
pub fn add_months(d: Date, n: u32) -> Date {
    let n = i32::try_from(n).unwrap_or(i32::MAX);
    d.checked_add(n.months()).unwrap_or(Date::MAX)
}

/// The number of full months from `from` to `to`: the largest `m` with `add_months(from, m) <= to`.
/// Zero when `to` is before `from`.
pub fn full_months(from: Date, to: Date) -> u32 {
    if to < from {
        return 0;
    }
    let rough = (i32::from(to.year()) - i32::from(from.year())) * 12
        + (i32::from(to.month()) - i32::from(from.month()));
    let mut m = u32::try_from(rough.max(0)).unwrap_or(0);
    while m > 0 && add_months(from, m) > to {
        m -= 1;
    }
    while add_months(from, m + 1) <= to {
        m += 1;
    }
    m
}

/// The last day a document dated `issued` is valid when it is valid `months` months.
pub fn last_valid_day(issued: Date, months: u32) -> Date {
    add_months(issued, months)
}

/// `dd/mm/yyyy`, as Vietnamese forms write dates.
pub fn format_vn(d: Date) -> String {
    format!("{:02}/{:02}/{:04}", d.day(), d.month(), d.year())
}

/// Parse `dd/mm/yyyy` (also `d/m/yyyy`, `-`, `.` or spaces as separators, and the eight digits
/// `ddmmyyyy` typed on a phone's keypad without separators).
pub fn parse_vn(s: &str) -> Option<Date> {
    let s = s.trim();
    if s.len() == 8 && s.bytes().all(|b| b.is_ascii_digit()) {
        let d: i8 = s[0..2].parse().ok()?;
        let m: i8 = s[2..4].parse().ok()?;
        let y: i16 = s[4..8].parse().ok()?;
        return Date::new(y, m, d).ok();
    }
    let parts: Vec<&str> = s
        .split(['/', '-', '.', ' '])
        .filter(|p| !p.is_empty())
        .collect();
    if parts.len() != 3 || parts[2].len() != 4 {
        return None;
    }
    let d: i8 = parts[0].parse().ok()?;
    let m: i8 = parts[1].parse().ok()?;
    let y: i16 = parts[2].parse().ok()?;
    Date::new(y, m, d).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn full_months_count_the_anniversary_day() {
        assert_eq!(full_months(date(2008, 5, 20), date(2026, 5, 19)), 215);
        assert_eq!(full_months(date(2008, 5, 20), date(2026, 5, 20)), 216);
        assert_eq!(full_months(date(2026, 1, 31), date(2026, 2, 28)), 1);
        assert_eq!(full_months(date(2026, 1, 31), date(2026, 2, 27)), 0);
        assert_eq!(full_months(date(2008, 2, 29), date(2026, 2, 28)), 216);
        assert_eq!(full_months(date(2026, 3, 1), date(2026, 2, 1)), 0);
    }

    #[test]
    fn a_certificate_is_valid_on_its_last_day() {
        assert_eq!(last_valid_day(date(2021, 3, 15), 60), date(2026, 3, 15));
        assert_eq!(last_valid_day(date(2021, 8, 31), 6), date(2022, 2, 28));
    }

    #[test]
    fn vietnamese_dates_round_trip() {
        assert_eq!(format_vn(date(2026, 3, 5)), "05/03/2026");
        assert_eq!(parse_vn("05/03/2026"), Some(date(2026, 3, 5)));
        assert_eq!(parse_vn("5/3/2026"), Some(date(2026, 3, 5)));
        assert_eq!(parse_vn("31/02/2026"), None);
        assert_eq!(parse_vn("2026-03-05"), None);
        assert_eq!(parse_vn(""), None);
        // Typed on a phone: no separators, or spaces.
        assert_eq!(parse_vn("07031998"), Some(date(1998, 3, 7)));
        assert_eq!(parse_vn("7 3 1998"), Some(date(1998, 3, 7)));
        assert_eq!(parse_vn(" 07/03/1998 "), Some(date(1998, 3, 7)));
        assert_eq!(parse_vn("31021998"), None);
        assert_eq!(parse_vn("0703199"), None);
    }

    proptest::proptest! {
        #[test]
        fn full_months_is_the_inverse_of_add_months(y in 1950i16..2030, m in 1i8..=12, d in 1i8..=28, n in 0u32..900) {
            let from = date(y, m, d);
            let to = add_months(from, n);
            proptest::prop_assert_eq!(full_months(from, to), n);
            proptest::prop_assert_eq!(full_months(from, to.yesterday().unwrap()), n.saturating_sub(1));
        }
    }
}

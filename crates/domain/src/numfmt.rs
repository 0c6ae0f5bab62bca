//! Numbers written the Vietnamese way: `.` between thousands, a decimal comma, exact rounding.
//! One place for every count and percentage that pages, reports and messages print.

/// A count typed the Vietnamese way: digits, optionally grouped by thousands with `.` (or a
/// space) in groups of exactly three — `1500`, `1.500`, `12 000`. Anything else is refused
/// rather than guessed: `1.5` and `1,5` are not counts, nor is `-3`. `None` when refused.
pub fn parse_count_vi(s: &str) -> Option<u32> {
    let s = s.trim();
    if s.is_empty()
        || !s
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == ' ')
    {
        return None;
    }
    let sep = if s.contains('.') { '.' } else { ' ' };
    if s.contains('.') && s.contains(' ') {
        return None;
    }
    let groups: Vec<&str> = s.split(sep).collect();
    if groups.len() > 1 {
        let first = groups[0];
        if first.is_empty() || first.len() > 3 || groups[1..].iter().any(|g| g.len() != 3) {
            return None;
        }
    }
    groups.concat().parse().ok()
}

/// `num / den` rounded half up (`den > 0`): floor((2·num + den) / (2·den)).
pub fn round_half_up(num: u128, den: u128) -> u128 {
    (2 * num + den) / (2 * den)
}

/// Thousands grouped with `.`: `7650` → `7.650`.
pub fn group_thousands(n: u128) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    out
}

/// `scaled / 10^decimals` with a decimal comma, trailing zeros dropped: (`2490`, 2) → `24,9`.
pub fn decimal_vi(scaled: u128, decimals: u32) -> String {
    let pow = 10u128.pow(decimals);
    let (int, frac) = (scaled / pow, scaled % pow);
    let mut frac = format!("{frac:0width$}", width = decimals as usize);
    while frac.ends_with('0') {
        frac.pop();
    }
    if frac.is_empty() {
        group_thousands(int)
    } else {
        format!("{},{frac}", group_thousands(int))
    }
}

/// `part / whole` in hundredths of `10^-decimals` percent, rounded half up; `None` when `whole` is 0.
pub fn scaled_percent(part: u32, whole: u32, decimals: u32) -> Option<u128> {
    (whole > 0).then(|| {
        round_half_up(
            u128::from(part) * 100 * 10u128.pow(decimals),
            u128::from(whole),
        )
    })
}

/// `part / whole` as a percentage with at most `max_decimals` decimals (capped at 6), half up:
/// 15/16 → `93,75 %`, 14/16 → `87,5 %`, 7/18 at one decimal → `38,9 %`. `None` when `whole` is 0.
pub fn percent_vi(part: u32, whole: u32, max_decimals: u32) -> Option<String> {
    let decimals = max_decimals.min(6);
    scaled_percent(part, whole, decimals).map(|s| format!("{} %", decimal_vi(s, decimals)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_count_is_read_with_thousands_grouped_and_never_guessed() {
        for (typed, want) in [
            ("0", Some(0)),
            ("15", Some(15)),
            ("1500", Some(1500)),
            ("1.500", Some(1500)),
            ("12 000", Some(12_000)),
            ("1.234.567", Some(1_234_567)),
            (" 7 ", Some(7)),
            ("1.5", None),
            ("1,5", None),
            ("15.", None),
            (".500", None),
            ("1.50", None),
            ("1234.567", None),
            ("-3", None),
            ("3e2", None),
            ("", None),
            ("99999999999", None),
        ] {
            assert_eq!(parse_count_vi(typed), want, "{typed:?}");
        }
    }

    #[test]
    fn the_seeds_percentages_print_as_they_do() {
        assert_eq!(percent_vi(23, 16, 2).unwrap(), "143,75 %");
        assert_eq!(percent_vi(15, 16, 2).unwrap(), "93,75 %");
        assert_eq!(percent_vi(14, 16, 2).unwrap(), "87,5 %");
        assert_eq!(percent_vi(7, 18, 1).unwrap(), "38,9 %");
        assert_eq!(percent_vi(60, 75, 2).unwrap(), "80 %");
        assert_eq!(percent_vi(1, 0, 2), None);
        assert_eq!(percent_vi(1, 800, 2).unwrap(), "0,13 %");
        assert_eq!(group_thousands(7650), "7.650");
        assert_eq!(decimal_vi(100_000_050, 2), "1.000.000,5");
    }
}

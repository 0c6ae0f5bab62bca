//! `ketnap calendar`: a year's days off as ketnap counts them, and adding a year the government
//! announced to the deployment's rules file, so deadlines use it without a new release.

use std::path::Path;

use anyhow::{Context, bail};
use jiff::civil::Date;
use ketnap_domain::RuleBook;
use ketnap_domain::calendar::{DayKind, YearStatus};
use ketnap_domain::dates::{format_vn, parse_vn};

/// Print the days off and the weekend days worked of `year`, and whether they are announced.
pub fn show(book: &RuleBook, year: i16) {
    let cal = &book.calendar;
    match cal.status(year) {
        YearStatus::Announced => {
            println!("# Năm {year}: lịch nghỉ đã công bố — {}", cal.source(year))
        }
        YearStatus::Provisional => println!(
            "# Năm {year}: lịch nghỉ dự kiến, tính theo luật ({}); chưa có lịch công bố",
            cal.source(year)
        ),
    }
    for d in cal.holidays(year) {
        let kind = match d.kind {
            DayKind::Holiday => "nghỉ lễ",
            DayKind::DayOff => "nghỉ bù / hoán đổi",
            DayKind::WorkedDay => "làm bù",
        };
        println!("{}\t{kind}\t{}", format_vn(d.date), d.label_vi);
    }
}

/// A date as a clerk types it (dd/mm/yyyy) or as TOML writes it (yyyy-mm-dd).
fn day(s: &str) -> anyhow::Result<Date> {
    let s = s.trim();
    parse_vn(s)
        .or_else(|| s.parse().ok())
        .with_context(|| format!("Ngày “{s}” không đọc được: ghi dd/mm/yyyy."))
}

/// Append the announced `year` to the rules file at `path` (created when missing): checked with
/// the rest of the file first, refused when the file already has that year.
pub fn add(
    path: &Path,
    year: i16,
    days_off: &[String],
    worked: &[String],
    source: &str,
) -> anyhow::Result<()> {
    if source.trim().is_empty() {
        bail!("Hãy ghi nguồn công bố (--source), ví dụ số và ngày của thông báo.");
    }
    let off = days_off
        .iter()
        .map(|s| day(s))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let worked = worked
        .iter()
        .map(|s| day(s))
        .collect::<anyhow::Result<Vec<_>>>()?;
    if off.is_empty() {
        bail!("Hãy ghi các ngày nghỉ trong tuần của năm {year} (--off).");
    }
    let old = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    };
    let doc: toml::Table = old
        .parse()
        .with_context(|| format!("Tệp quy định {} không đọc được.", path.display()))?;
    let has_year = doc
        .get("calendar")
        .and_then(|c| c.get("year"))
        .and_then(|y| y.as_array())
        .is_some_and(|a| {
            a.iter()
                .any(|e| e.get("year").and_then(toml::Value::as_integer) == Some(i64::from(year)))
        });
    if has_year {
        bail!(
            "Tệp {} đã có lịch nghỉ năm {year}; hãy sửa trực tiếp mục đó.",
            path.display()
        );
    }
    let list = |ds: &[Date]| {
        ds.iter()
            .map(|d| format!("\"{d}\""))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let entry = format!(
        "\n[[calendar.year]]\nyear = {year}\ndays_off = [{}]\nworked_days = [{}]\nsource = {}\n",
        list(&off),
        list(&worked),
        toml::Value::String(source.trim().to_string())
    );
    let new = format!("{old}{entry}");
    // The whole file must still load: dates in the year, weekdays off, weekend days worked.
    RuleBook::from_toml(&new)
        .map_err(|e| anyhow::anyhow!("Lịch nghỉ năm {year} không hợp lệ: {e}"))?;
    std::fs::write(path, new).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_announced_year_is_added_checked_and_used_for_deadlines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("quy-dinh.toml");
        // A hypothetical 2027 announcement: Tết 04–10/02 and a swap against Saturday 20/02.
        add(
            &path,
            2027,
            &[
                "01/01/2027".into(),
                "04/02/2027".into(),
                "05/02/2027".into(),
                "08/02/2027".into(),
                "09/02/2027".into(),
                "10/02/2027".into(),
                "11/02/2027".into(),
            ],
            &["20/02/2027".into()],
            "Thông báo giả định của Bộ Nội vụ",
        )
        .unwrap();
        let book = RuleBook::from_toml(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(book.calendar.status(2027), YearStatus::Announced);
        assert!(!book.calendar.is_working_day(Date::constant(2027, 2, 11)));
        assert!(book.calendar.is_working_day(Date::constant(2027, 2, 20)));
        // The same year twice is refused; a day outside the year is refused; nothing written.
        let before = std::fs::read_to_string(&path).unwrap();
        assert!(add(&path, 2027, &["12/02/2027".into()], &[], "x").is_err());
        let e = add(&path, 2028, &["07/02/2029".into()], &[], "x").unwrap_err();
        assert!(e.to_string().contains("2028"), "{e}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), before);
        assert!(day("31/02/2027").is_err());
    }
}

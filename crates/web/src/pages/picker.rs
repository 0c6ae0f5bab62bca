//! The choices the plans, reports, coverage and candidates pages share: `<select>` options, the
//! organisation picker over the scope (one query, [`orgs::outline`]), and periods and years read
//! from the query string with Vietnamese refusals.

use jiff::civil::Date;
use ketnap_domain::plan::Period;
use std::sync::Arc;

use ketnap_store::{Conn, Scope, orgs};

use crate::AppState;
use crate::cache::HeadCache;

use crate::error::AppError;

/// Organisations offered in a picker.
pub const MAX_PICKER: usize = 400;

/// A `<select>` option.
#[derive(Clone)]
pub struct Opt {
    /// Value sent.
    pub value: String,
    /// Label shown.
    pub label: String,
    /// Selected.
    pub selected: bool,
}

/// An option, selected when its value is `current`.
pub fn opt(value: impl Into<String>, label: impl Into<String>, current: &str) -> Opt {
    let value = value.into();
    let selected = value == current;
    Opt {
        value,
        label: label.into(),
        selected,
    }
}

/// The outlines of the pickers, per user and role, kept while the database's audit head stays
/// where it was: every write that can change a picker (an organisation created, renamed, moved,
/// merged or closed, a user's subtrees granted or taken) appends an audit row, so a new head is a
/// new outline. A page then pays one index read (`MAX(audit_id)`) instead of the outline's query
/// and its Vietnamese sort.
pub struct OutlineCache {
    by_user: HeadCache<OutlineKey, Outline>,
}

impl Default for OutlineCache {
    fn default() -> Self {
        OutlineCache {
            by_user: HeadCache::new(OUTLINE_USERS),
        }
    }
}

/// Whose outline: the user (none for the system) and the role's code.
type OutlineKey = (Option<i64>, &'static str);

/// An outline: organisations with their depth, in picker order.
type Outline = Arc<Vec<(orgs::Org, usize)>>;

/// Users whose outlines are kept at once (beyond, the cache starts again).
const OUTLINE_USERS: usize = 10_000;

impl OutlineCache {
    async fn outline(&self, conn: &mut Conn, scope: &Scope) -> Result<Outline, AppError> {
        let head = ketnap_store::audit::head_id(conn).await?;
        let key = (scope.user_id, scope.role.code());
        if let Some(outline) = self.by_user.get(&key, head) {
            return Ok(outline);
        }
        let outline = Arc::new(orgs::outline(conn, scope, 3, MAX_PICKER).await?);
        self.by_user.put(key, head, outline.clone());
        Ok(outline)
    }
}

/// The organisations of the scope as an indented outline (roots and three levels below).
pub async fn org_options(
    state: &AppState,
    conn: &mut Conn,
    scope: &Scope,
    current: &str,
) -> Result<Vec<Opt>, AppError> {
    Ok(state
        .outlines
        .outline(conn, scope)
        .await?
        .iter()
        .map(|(o, depth)| {
            opt(
                o.pub_id.clone(),
                format!("{}{}", "— ".repeat(*depth), o.name),
                current,
            )
        })
        .collect())
}

/// The organisation asked for (`None` or empty: the first root of the scope) and the picker's
/// options with it selected. Outside the scope: not found.
pub async fn pick_org(
    state: &AppState,
    conn: &mut Conn,
    scope: &Scope,
    asked: Option<&str>,
) -> Result<(orgs::Org, Vec<Opt>), AppError> {
    let org = match asked.map(str::trim).filter(|s| !s.is_empty()) {
        Some(p) => Some(orgs::get(conn, scope, p).await?),
        None => None,
    };
    let current = org.as_ref().map(|o| o.pub_id.clone()).unwrap_or_default();
    let mut options = org_options(state, conn, scope, &current).await?;
    let org = match org {
        Some(o) => o,
        None => {
            let first = options.first_mut().ok_or(AppError::NotFound)?;
            first.selected = true;
            orgs::get(conn, scope, &first.value).await?
        }
    };
    Ok((org, options))
}

/// A period code from the query string (`2026`, `2026-Q1`, `2026-H1`, `2026-03`, `2025-2030`);
/// none or empty: the year of `today`.
pub fn parse_period(code: Option<&str>, today: Date) -> Result<Period, AppError> {
    match code.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(Period::Year(today.year())),
        Some(c) => c
            .parse::<Period>()
            .map_err(|e| AppError::BadRequest(e.to_string())),
    }
}

/// A year from the query string; none or empty: the year of `today`.
pub fn parse_year(text: Option<&str>, today: Date) -> Result<i16, AppError> {
    match text.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(today.year()),
        Some(t) => t
            .parse::<i16>()
            .ok()
            .filter(|y| (1945..=2999).contains(y))
            .ok_or_else(|| {
                AppError::BadRequest(format!("Năm «{t}» không hợp lệ (ví dụ: {}).", today.year()))
            }),
    }
}

/// The periods a page offers around `today` (`current` first when it is not among them).
pub fn period_options(today: Date, current: &Period, months: bool) -> Vec<Opt> {
    let y = today.year();
    let term_start = 2025 + 5 * ((y - 2025).div_euclid(5));
    let mut ps = vec![Period::Year(y), Period::Year(y - 1), Period::Year(y + 1)];
    ps.extend((1..=4).filter_map(|q| Period::quarter(y, q)));
    if months {
        ps.extend((1..=2).filter_map(|h| Period::half(y, h)));
        ps.extend((1..=12).filter_map(|m| Period::month(y, m)));
    }
    ps.push(Period::Term {
        start_year: term_start,
    });
    ps.push(Period::Term {
        start_year: term_start - 5,
    });
    if !ps.contains(current) {
        ps.insert(0, *current);
    }
    let code = current.code();
    ps.into_iter()
        .map(|p| opt(p.code(), p.to_string(), &code))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn a_bad_year_or_period_is_refused_in_vietnamese() {
        let today = date(2026, 11, 23);
        assert_eq!(parse_year(None, today).unwrap(), 2026);
        assert_eq!(parse_year(Some(" 2024 "), today).unwrap(), 2024);
        for bad in ["abc", "99999", "-3", "1800"] {
            let e = parse_year(Some(bad), today).unwrap_err();
            assert!(e.message_vi().1.contains("không hợp lệ"), "{bad}");
        }
        assert_eq!(parse_period(Some(""), today).unwrap(), Period::Year(2026));
        assert!(parse_period(Some("2026-Q7"), today).is_err());
    }

    #[test]
    fn the_current_period_is_offered_and_selected() {
        let today = date(2026, 11, 23);
        let opts = period_options(today, &Period::Year(2019), false);
        assert_eq!(opts[0].value, "2019");
        assert!(opts[0].selected);
        assert_eq!(opts.iter().filter(|o| o.selected).count(), 1);
        assert!(opts.iter().any(|o| o.value == "2025-2030"));
    }
}

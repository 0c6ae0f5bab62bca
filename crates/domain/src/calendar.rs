//! Working days: Monday–Friday less public holidays and days off in lieu, plus Saturdays worked.
//! (Stub: weekends only; the full Vietnamese calendar is being written.)

use jiff::civil::{Date, Weekday};

/// The per-year list of days off and Saturdays worked.
#[derive(Clone, Debug, Default)]
pub struct WorkCalendar {}

impl WorkCalendar {
    /// Vietnam's calendar: announced years as shipped data, later years computed (provisional).
    pub fn vietnam() -> Self {
        WorkCalendar {}
    }

    /// Apply a deployment's `[calendar]` table.
    pub fn apply_toml(&mut self, _v: &toml::Value) -> Result<(), String> {
        Ok(())
    }

    /// Is `d` a working day?
    pub fn is_working_day(&self, d: Date) -> bool {
        !matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday)
    }

    /// The `n`-th working day after `d` (`d` itself not counted).
    pub fn add_working_days(&self, d: Date, n: u32) -> Date {
        let mut cur = d;
        let mut left = n;
        while left > 0 {
            cur = cur.tomorrow().unwrap_or(cur);
            if self.is_working_day(cur) {
                left -= 1;
            }
        }
        cur
    }
}

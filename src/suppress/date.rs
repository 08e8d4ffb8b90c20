//! Calendar dates for `until YYYY-MM-DD` expiries: parsed strictly (a day
//! that does not exist is an error, not the next valid one), compared as
//! plain values, and "today" taken from the clock in UTC unless a run sets it.

use std::fmt;

/// A day of the proleptic Gregorian calendar.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: u16,
    month: u8,
    day: u8,
}

/// Why a `YYYY-MM-DD` text is not a date.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    #[error("`{0}` is not a date in the form YYYY-MM-DD")]
    Format(String),
    #[error("{0} does not exist: month {1} has no day {2}")]
    NoSuchDay(String, u8, u8),
    #[error("{0} does not exist: there is no month {1}")]
    NoSuchMonth(String, u8),
}

impl Date {
    pub fn new(year: u16, month: u8, day: u8) -> Option<Date> {
        let ok = (1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month);
        ok.then_some(Date { year, month, day })
    }

    /// Exactly `YYYY-MM-DD`, four, two and two ASCII digits.
    pub fn parse(s: &str) -> Result<Date, DateError> {
        let bad = || DateError::Format(s.to_string());
        let b = s.as_bytes();
        let digits = |r: std::ops::Range<usize>| -> Option<u16> {
            let part = b.get(r)?;
            part.iter().try_fold(0u16, |n, &c| {
                c.is_ascii_digit().then(|| n * 10 + u16::from(c - b'0'))
            })
        };
        if b.len() != 10 || b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
            return Err(bad());
        }
        let (Some(year), Some(month), Some(day)) = (digits(0..4), digits(5..7), digits(8..10))
        else {
            return Err(bad());
        };
        // Two digits each: both fit in a u8.
        let (month, day) = (month as u8, day as u8);
        if !(1..=12).contains(&month) {
            return Err(DateError::NoSuchMonth(s.to_string(), month));
        }
        Date::new(year, month, day).ok_or_else(|| DateError::NoSuchDay(s.to_string(), month, day))
    }

    /// The UTC date of a count of days since 1970-01-01 (Howard Hinnant's
    /// `civil_from_days`, <https://howardhinnant.github.io/date_algorithms.html>).
    pub fn from_days_since_epoch(days: i64) -> Option<Date> {
        let z = days.checked_add(719_468)?;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        Date::new(
            u16::try_from(year).ok()?,
            u8::try_from(month).ok()?,
            u8::try_from(day).ok()?,
        )
    }

    /// Today in UTC, by the system clock.
    pub fn today_utc() -> Option<Date> {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .ok()?
            .as_secs();
        Date::from_days_since_epoch(i64::try_from(secs / 86_400).ok()?)
    }
}

fn is_leap(year: u16) -> bool {
    (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400)
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_real_days_only() {
        assert_eq!(
            Date::parse("2027-03-31"),
            Ok(Date::new(2027, 3, 31).unwrap())
        );
        assert_eq!(Date::parse("2028-02-29").unwrap().to_string(), "2028-02-29");
        assert_eq!(
            Date::parse("2027-02-30"),
            Err(DateError::NoSuchDay("2027-02-30".into(), 2, 30))
        );
        assert!(Date::parse("2027-02-29").is_err());
        assert!(Date::parse("1900-02-29").is_err());
        assert!(Date::parse("2000-02-29").is_ok());
        assert_eq!(
            Date::parse("2027-13-01"),
            Err(DateError::NoSuchMonth("2027-13-01".into(), 13))
        );
        for bad in [
            "",
            "2027-3-31",
            "2027/03/31",
            "20270331",
            "2027-03-31x",
            "２０２７-03-31",
            "2027-0a-01",
        ] {
            assert!(
                matches!(Date::parse(bad), Err(DateError::Format(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn orders_by_day() {
        let d = |s| Date::parse(s).unwrap();
        assert!(d("2027-03-31") < d("2027-04-01"));
        assert!(d("2026-12-31") < d("2027-01-01"));
    }

    #[test]
    fn civil_from_days() {
        assert_eq!(Date::from_days_since_epoch(0), Date::new(1970, 1, 1));
        assert_eq!(Date::from_days_since_epoch(11_016), Date::new(2000, 2, 29));
        assert_eq!(Date::from_days_since_epoch(20_543), Date::new(2026, 3, 31));
        assert_eq!(Date::from_days_since_epoch(i64::MAX), None);
        assert!(Date::today_utc().is_some());
    }
}

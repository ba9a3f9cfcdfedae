//! The seed's date-time format: UTC, `%Y-%m-%d %H:%M:%S`, nothing else
//! (no `T`, no zone, no fractions). JavaScript sees milliseconds since the epoch.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{Error, Result};

pub const FORMAT: &str = "%Y-%m-%d %H:%M:%S";

/// Largest timestamp accepted: 9999-12-31 23:59:59 UTC (four-digit years only).
const MAX_MS: f64 = 253_402_300_799_000.0;
/// Smallest: 0000-01-01 00:00:00 UTC.
const MIN_MS: f64 = -62_167_219_200_000.0;

/// Milliseconds since the epoch to the wire string. Fractions of a second are
/// dropped (floored), as the format has none.
pub fn format_date_time(ms: f64) -> Result<String> {
    Ok(format_naive(&naive_from_ms(ms)?))
}

/// Wire string to milliseconds since the epoch; anything but the exact
/// format is refused with `invalid_input`.
pub fn parse_date_time(s: &str) -> Result<i64> {
    Ok(parse_naive(s)?.and_utc().timestamp_millis())
}

pub(crate) fn naive_from_ms(ms: f64) -> Result<NaiveDateTime> {
    if !ms.is_finite() || !(MIN_MS..=MAX_MS).contains(&ms) {
        return Err(Error::invalid_input(format!("time out of range: {ms}")));
    }
    let ms = ms.floor() as i64;
    let secs = ms.div_euclid(1000);
    DateTime::<Utc>::from_timestamp(secs, 0)
        .map(|d| d.naive_utc())
        .ok_or_else(|| Error::invalid_input(format!("time out of range: {ms}")))
}

pub(crate) fn format_naive(t: &NaiveDateTime) -> String {
    t.format(FORMAT).to_string()
}

pub(crate) fn parse_naive(s: &str) -> Result<NaiveDateTime> {
    let b = s.as_bytes();
    let shape_ok = b.len() == 19
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b' ',
            13 | 16 => *c == b':',
            _ => c.is_ascii_digit(),
        });
    if !shape_ok {
        return Err(Error::invalid_input(format!(
            "date-time must look like 2025-12-31 23:59:59 (UTC), got {:?}",
            excerpt(s)
        )));
    }
    NaiveDateTime::parse_from_str(s, FORMAT)
        .map_err(|_| Error::invalid_input(format!("not a valid date-time: {s:?}")))
}

fn excerpt(s: &str) -> String {
    s.chars().take(40).collect()
}

/// A wire date-time: serialised as the seed's string, parsed strictly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct WireTime(pub NaiveDateTime);

impl WireTime {
    pub fn from_ms(ms: f64) -> Result<Self> {
        naive_from_ms(ms).map(WireTime)
    }
    pub fn parse(s: &str) -> Result<Self> {
        parse_naive(s).map(WireTime)
    }
    pub fn to_ms(&self) -> i64 {
        self.0.and_utc().timestamp_millis()
    }
}

impl std::fmt::Display for WireTime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&format_naive(&self.0))
    }
}

impl Serialize for WireTime {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&format_naive(&self.0))
    }
}

impl<'de> Deserialize<'de> for WireTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        WireTime::parse(&s).map_err(|e| serde::de::Error::custom(e.message))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    #[test]
    fn formats_the_seed_example() {
        // 2000-01-01 00:00:00 UTC
        assert_eq!(format_date_time(946_684_800_000.0).unwrap(), "2000-01-01 00:00:00");
        assert_eq!(parse_date_time("2000-01-01 00:00:00").unwrap(), 946_684_800_000);
        assert_eq!(parse_date_time("2025-12-31 23:59:59").unwrap(), 1_767_225_599_000);
    }

    #[test]
    fn round_trips_whole_seconds() {
        for ms in [0i64, 1_767_225_599_000, 951_782_400_000 /* 2000-02-29 */, -86_400_000, 253_402_300_799_000] {
            let s = format_date_time(ms as f64).unwrap();
            assert_eq!(parse_date_time(&s).unwrap(), ms, "{s}");
        }
        assert_eq!(format_date_time(-1.0).unwrap(), "1969-12-31 23:59:59");
    }

    #[test]
    fn drops_fractions() {
        assert_eq!(format_date_time(1_767_225_599_999.0).unwrap(), "2025-12-31 23:59:59");
    }

    #[test]
    fn refuses_other_shapes() {
        for bad in [
            "2025-12-31T23:59:59",
            "2025-12-31 23:59:59Z",
            "2025-12-31 23:59:59.000",
            "2025-1-31 23:59:59",
            "2025-12-31 23:59",
            "",
            "2025-02-30 00:00:00",
            "2025-12-31 24:00:00",
            "+2025-12-31 23:59:5",
            "２０２５-12-31 23:59:59",
        ] {
            let e = parse_date_time(bad).unwrap_err();
            assert_eq!(e.kind, ErrorKind::InvalidInput, "{bad:?}");
        }
    }

    #[test]
    fn refuses_out_of_range_ms() {
        for bad in [f64::NAN, f64::INFINITY, 1e20, -1e20, MAX_MS + 1000.0] {
            assert_eq!(format_date_time(bad).unwrap_err().kind, ErrorKind::InvalidInput);
        }
    }

    #[test]
    fn wire_time_serde() {
        let t: WireTime = serde_json::from_str("\"2025-06-01 08:30:00\"").unwrap();
        assert_eq!(serde_json::to_string(&t).unwrap(), "\"2025-06-01 08:30:00\"");
        assert!(serde_json::from_str::<WireTime>("\"2025-06-01T08:30:00Z\"").is_err());
        assert!(serde_json::from_str::<WireTime>("1748766600").is_err());
    }
}

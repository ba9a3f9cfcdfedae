//! The seed's date-time format: UTC, `%Y-%m-%d %H:%M:%S`, nothing else
//! (no `T`, no zone, no fractions). JavaScript sees milliseconds since the epoch.

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, Timelike, Utc};
use serde::{Serialize, Serializer};

use crate::error::{quoted, Error, Result};

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
        return Err(Error::invalid_input("time out of range (years 0000 to 9999 only)"));
    }
    let ms = ms.floor() as i64;
    let secs = ms.div_euclid(1000);
    DateTime::<Utc>::from_timestamp(secs, 0)
        .map(|d| d.naive_utc())
        .ok_or_else(|| Error::invalid_input("time out of range (years 0000 to 9999 only)"))
}

/// Formats with `FORMAT` (written out by hand: chrono's strftime engine
/// would add tens of kilobytes to the WebAssembly module).
pub(crate) fn format_naive(t: &NaiveDateTime) -> String {
    let mut s = String::with_capacity(19);
    let mut put = |n: u32, width: usize, sep: Option<char>| {
        let digits = n.to_string();
        for _ in digits.len()..width {
            s.push('0');
        }
        s.push_str(&digits);
        if let Some(c) = sep {
            s.push(c);
        }
    };
    put(t.year().max(0) as u32, 4, Some('-'));
    put(t.month(), 2, Some('-'));
    put(t.day(), 2, Some(' '));
    put(t.hour(), 2, Some(':'));
    put(t.minute(), 2, Some(':'));
    put(t.second(), 2, None);
    s
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
            "date-time must look like 2025-12-31 23:59:59 (UTC), got {}",
            quoted(s, 40)
        )));
    }
    // The shape is checked above, so every field is ASCII digits.
    let num = |a: usize, b: usize| s[a..b].parse::<u32>().unwrap_or(u32::MAX);
    NaiveDate::from_ymd_opt(num(0, 4) as i32, num(5, 7), num(8, 10))
        .and_then(|d| d.and_hms_opt(num(11, 13), num(14, 16), num(17, 19)))
        .ok_or_else(|| Error::invalid_input(format!("not a valid date-time: {}", quoted(s, 40))))
}

/// Reads a date-time a server sent, leniently: the seed's format, or with a
/// `T` between date and time, a fraction of a second (dropped), and a zone
/// (`Z`, `+02:00`, `+0200`, `+02`) converted to UTC. `""` and the zero date
/// `0000-00-00 00:00:00` (in any of those spellings) read as none. Anything
/// else is refused.
pub fn parse_lenient(s: &str) -> Result<Option<NaiveDateTime>> {
    let s = s.trim();
    let refuse = || Error::invalid_input(format!("not a date-time: {}", quoted(s, 40)));
    if s.is_empty() || s.starts_with("0000-00-00") {
        return Ok(None);
    }
    // The first 19 bytes are sliced at 10 and 11 below: they must be ASCII
    // (a multi-byte character there would make the slicing panic).
    if s.len() < 19 || !s.as_bytes()[..19].is_ascii() {
        return Err(refuse());
    }
    let (head, mut rest) = s.split_at(19);
    let mut canon = String::with_capacity(19);
    canon.push_str(&head[..10]);
    canon.push(match head.as_bytes()[10] {
        b' ' | b'T' | b't' => ' ',
        _ => return Err(refuse()),
    });
    canon.push_str(&head[11..]);
    let t = parse_naive(&canon)?;
    if let Some(frac) = rest.strip_prefix('.') {
        let n = frac.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 || n > 9 {
            return Err(refuse());
        }
        rest = &frac[n..];
    }
    let offset_s: i64 = match rest {
        "" | "Z" | "z" => 0,
        zone => {
            let sign = match zone.as_bytes()[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return Err(refuse()),
            };
            // `hh`, `hhmm` or those with colons (at most 5 bytes): the
            // digits read by hand, without an allocation or a number parser.
            let mut d = [0i64; 4];
            let mut n = 0;
            for &c in zone[1..].as_bytes().iter().filter(|c| **c != b':') {
                if !c.is_ascii_digit() || n == 4 {
                    return Err(refuse());
                }
                d[n] = i64::from(c - b'0');
                n += 1;
            }
            if !(n == 2 || n == 4) || zone.len() > 6 {
                return Err(refuse());
            }
            let (h, m) = (d[0] * 10 + d[1], d[2] * 10 + d[3]);
            if h > 23 || m > 59 {
                return Err(refuse());
            }
            sign * (h * 3600 + m * 60)
        }
    };
    // In UTC a time may leave the four-digit years the wire format has
    // (`0000-01-01T00:00:00+01:00`): refused, as `format_naive` would
    // write such a year wrongly. (`naive_from_ms` checks the range and
    // converts; chrono's date arithmetic is not needed.)
    naive_from_ms(((t.and_utc().timestamp() - offset_s) * 1000) as f64).map(Some).map_err(|_| refuse())
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
    /// See `parse_lenient`: `Ok(None)` for an empty or zero date.
    pub fn parse_lenient(s: &str) -> Result<Option<Self>> {
        parse_lenient(s).map(|t| t.map(WireTime))
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

    /// The hand-written formatter and parser agree with chrono's strftime.
    #[test]
    fn agrees_with_chrono_strftime() {
        let mut ms: i64 = -62_000_000_000_000;
        while ms < 253_402_300_000_000 {
            let t = naive_from_ms(ms as f64).unwrap();
            let s = format_naive(&t);
            assert_eq!(s, t.format(FORMAT).to_string());
            assert_eq!(NaiveDateTime::parse_from_str(&s, FORMAT).unwrap(), parse_naive(&s).unwrap());
            ms += 7_777_777_777_777 / 13;
        }
    }

    #[test]
    fn refuses_out_of_range_ms() {
        for bad in [f64::NAN, f64::INFINITY, 1e20, -1e20, MAX_MS + 1000.0] {
            assert_eq!(format_date_time(bad).unwrap_err().kind, ErrorKind::InvalidInput);
        }
    }

    #[test]
    fn lenient_spellings() {
        let ms = |s: &str| parse_lenient(s).unwrap().map(|t| t.and_utc().timestamp_millis());
        let want = Some(1_767_225_599_000);
        for ok in [
            "2025-12-31 23:59:59",
            "2025-12-31T23:59:59",
            "2025-12-31T23:59:59Z",
            "2025-12-31T23:59:59.000Z",
            "2025-12-31 23:59:59.123456",
            "2026-01-01T01:59:59+02:00",
            "2026-01-01T01:59:59+0200",
            "2026-01-01T01:59:59+02",
            "2025-12-31T20:59:59-03:00",
        ] {
            assert_eq!(ms(ok), want, "{ok:?}");
        }
        for none in ["", "  ", "0000-00-00 00:00:00", "0000-00-00T00:00:00Z", "0000-00-00"] {
            assert_eq!(ms(none), None, "{none:?}");
        }
        // Out of the four-digit years once in UTC, and a multi-byte character
        // where the date's separators are looked for.
        for bad in ["0000-01-01T00:00:00+00:30", "9999-12-31T23:59:59-01:00", "2025-12-31T23:59:5\u{e9}", "2025-12-3\u{1d404}23:59:59"] {
            assert!(parse_lenient(bad).is_err(), "{bad:?}");
        }
        assert_eq!(ms("0000-01-01T00:30:00+00:30"), Some(MIN_MS as i64));
        assert_eq!(ms("9999-12-31T23:59:59+01:00"), Some(MAX_MS as i64 - 3_600_000));
        for bad in ["2025-12-31", "2025-12-31X23:59:59", "2025-12-31T23:59:59.Z", "2025-12-31T23:59:59+2", "2025-12-31T23:59:59 UTC", "2025-02-30T00:00:00Z", "2025-12-31T23:59:59+24:00", "yesterday"] {
            assert!(parse_lenient(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn wire_time_serde() {
        let t = WireTime::parse("2025-06-01 08:30:00").unwrap();
        assert_eq!(serde_json::to_string(&t).unwrap(), "\"2025-06-01 08:30:00\"");
        assert_eq!(t.to_ms(), 1_748_766_600_000);
        assert!(WireTime::parse("2025-06-01T08:30:00Z").is_err());
    }
}

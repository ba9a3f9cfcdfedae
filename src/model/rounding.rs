//! Project rounding: durations reported rounded DOWN, to the NEAREST or UP to
//! a whole number of `rounding_minutes`; 0 minutes means no rounding.

use serde::Serialize;

use crate::error::{quoted, Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
pub enum RoundingMethod {
    #[serde(rename = "DOWN")]
    Down,
    #[default]
    #[serde(rename = "NEAREST")]
    Nearest,
    #[serde(rename = "UP")]
    Up,
}

impl RoundingMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            RoundingMethod::Down => "DOWN",
            RoundingMethod::Nearest => "NEAREST",
            RoundingMethod::Up => "UP",
        }
    }

    pub fn parse(s: &str) -> Result<Self> {
        match s.trim().to_ascii_uppercase().as_str() {
            "DOWN" => Ok(RoundingMethod::Down),
            "NEAREST" => Ok(RoundingMethod::Nearest),
            "UP" => Ok(RoundingMethod::Up),
            _ => Err(Error::invalid_input(format!("rounding method must be DOWN, NEAREST or UP, got {}", quoted(s, 20)))),
        }
    }
}

/// Round `seconds` to a multiple of `minutes` minutes.
pub fn round_duration(seconds: f64, method: RoundingMethod, minutes: f64) -> Result<f64> {
    if !seconds.is_finite() || seconds < 0.0 {
        return Err(Error::invalid_input("duration must be a non-negative number of seconds"));
    }
    if !minutes.is_finite() || minutes < 0.0 || minutes.fract() != 0.0 || minutes > 1440.0 * 366.0 {
        return Err(Error::invalid_input("rounding minutes must be a whole number from 0"));
    }
    if minutes == 0.0 {
        return Ok(seconds);
    }
    let unit = minutes * 60.0;
    let units = seconds / unit;
    let n = match method {
        RoundingMethod::Down => units.floor(),
        RoundingMethod::Up => units.ceil(),
        // Half rounds up: 7.5 minutes to 15 is 15.
        RoundingMethod::Nearest => (units + 0.5).floor(),
    };
    Ok(n * unit)
}

#[cfg(test)]
mod tests {
    use super::RoundingMethod::*;
    use super::*;

    #[test]
    fn rounds_each_way() {
        let cases = [
            (0.0, Down, 15.0, 0.0),
            (0.0, Up, 15.0, 0.0),
            (1.0, Up, 15.0, 900.0),
            (1.0, Down, 15.0, 0.0),
            (1.0, Nearest, 15.0, 0.0),
            (449.0, Nearest, 15.0, 0.0),
            (450.0, Nearest, 15.0, 900.0),
            (900.0, Up, 15.0, 900.0),
            (901.0, Up, 15.0, 1800.0),
            (1799.0, Down, 15.0, 900.0),
            (3599.0, Nearest, 60.0, 3600.0),
            (1234.0, Up, 0.0, 1234.0),
            (1234.5, Down, 0.0, 1234.5),
            (125.0, Nearest, 1.0, 120.0),
            (150.0, Nearest, 1.0, 180.0),
        ];
        for (s, m, min, want) in cases {
            assert_eq!(round_duration(s, m, min).unwrap(), want, "{s} {m:?} {min}");
        }
    }

    #[test]
    fn refuses_bad_input() {
        assert!(round_duration(-1.0, Up, 15.0).is_err());
        assert!(round_duration(f64::NAN, Up, 15.0).is_err());
        assert!(round_duration(10.0, Up, 1.5).is_err());
        assert!(round_duration(10.0, Up, -15.0).is_err());
    }

    #[test]
    fn method_parsing() {
        assert_eq!(RoundingMethod::parse("up").unwrap(), Up);
        assert_eq!(RoundingMethod::parse("NEAREST").unwrap(), Nearest);
        assert!(RoundingMethod::parse("SIDEWAYS").is_err());
        assert_eq!(serde_json::to_string(&Down).unwrap(), "\"DOWN\"");
    }
}

//! The wire date-time parser (`Y-m-d H:i:s`, UTC), with a round trip.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tyme_tab::model::{format_date_time, parse_date_time};

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    if let Ok(ms) = parse_date_time(s) {
        let formatted = format_date_time(ms as f64).expect("a parsed time must format");
        assert_eq!(parse_date_time(&formatted).ok(), Some(ms), "round trip changed the time");
    }
    if data.len() >= 8 {
        let f = f64::from_le_bytes(data[..8].try_into().unwrap());
        let _ = format_date_time(f);
    }
});

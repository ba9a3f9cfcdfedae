//! `GET /data/summary`: per-task totals for a time range.

use super::authorised;
use crate::error::{Error, Result};
use crate::http::{check_status, decode_list_lenient, query, HttpRequest, Listed, Method};
use crate::model::{datetime::format_date_time, SummaryRow};

pub fn build_summary(base_url: &str, access_token: &str, from_ms: f64, to_ms: f64) -> Result<HttpRequest> {
    let from = format_date_time(from_ms)?;
    let to = format_date_time(to_ms)?;
    if from_ms > to_ms {
        return Err(Error::invalid_input("summary range: from is after to"));
    }
    Ok(authorised(Method::Get, base_url, &format!("/data/summary?{}", query(&[("from", &from), ("to", &to)])), access_token, None))
}

/// Rows as seconds or `h:mm:ss`; a row that cannot be read is skipped and counted.
pub fn parse_summary(status: u16, headers: &[(String, String)], body: &[u8]) -> Result<Listed<SummaryRow>> {
    check_status(status, headers, body)?;
    decode_list_lenient(status, body, SummaryRow::from_json)
}

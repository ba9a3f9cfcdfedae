//! `GET /data/times`: time entries in a range, paged by offset (live
//! service only; a seed server answers 404 and totals come from `summary`).

use super::authorised;
use crate::error::{Error, ErrorKind, Result};
use crate::http::{check_status, decode_list_lenient, query, HttpRequest, Listed, Method};
use crate::model::{datetime::format_date_time, Entity, EntityType, TimeRecord};

/// Most pages one read follows (a guard against a server that never ends).
pub const MAX_PAGES: usize = 50;

/// One page from offset `start`, for `user_id` when known.
pub fn build_times(base_url: &str, access_token: &str, from_ms: f64, to_ms: f64, user_id: Option<&str>, start: usize) -> Result<HttpRequest> {
    let from = format_date_time(from_ms)?;
    let to = format_date_time(to_ms)?;
    if from_ms > to_ms {
        return Err(Error::invalid_input("times range: from is after to"));
    }
    let start = start.to_string();
    let mut pairs = vec![("from", from.as_str()), ("to", to.as_str())];
    if let Some(u) = user_id.filter(|u| !u.is_empty()) {
        pairs.push(("user_id", u));
    }
    if start != "0" {
        pairs.push(("start", &start));
    }
    Ok(authorised(Method::Get, base_url, &format!("/data/times?{}", query(&pairs)), access_token, None))
}

/// The entries of one page; items without `type` are time entries, their
/// parent from `related_id` when the seed's fields are absent.
pub fn parse_times(status: u16, headers: &[(String, String)], body: &[u8]) -> Result<Listed<TimeRecord>> {
    check_status(status, headers, body)?;
    decode_list_lenient(status, body, |v| match Entity::from_json_as(v, ErrorKind::BadResponse, EntityType::TimedTaskRecord)? {
        Entity::TimedTaskRecord(r) if !r.id.is_empty() => Ok(r),
        _ => Err(Error::bad_response("not a time entry")),
    })
}

/// Whether to ask for the page after one of `got` items, the first page
/// having had `first` (the server's page size is not known: a page as full
/// as the first one may have a successor).
pub fn more_pages(first: usize, got: usize, pages_read: usize) -> bool {
    got > 0 && got >= first && pages_read < MAX_PAGES
}

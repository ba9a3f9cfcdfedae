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

/// A page of fewer entries than this is the last. The server's page size is
/// not published: a page as full as the first one may have a successor, but
/// a server paging by fewer than this many is assumed not to exist, so the
/// usual week (a handful of entries) costs one request, not two.
pub const MIN_FULL_PAGE: usize = 10;

/// Whether to ask for the page after one of `got` items, the first page
/// having had `first`.
pub fn more_pages(first: usize, got: usize, pages_read: usize) -> bool {
    got >= MIN_FULL_PAGE && got >= first && pages_read < MAX_PAGES
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paging() {
        assert!(!more_pages(2, 2, 1), "a short first page is the only one");
        assert!(!more_pages(0, 0, 1));
        assert!(more_pages(10, 10, 1), "a page of ten may have a successor");
        assert!(more_pages(100, 100, 3));
        assert!(!more_pages(100, 37, 2), "a shorter page is the last");
        assert!(!more_pages(100, 100, MAX_PAGES));
    }
}

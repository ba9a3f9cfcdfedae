//! `DELETE /data/entity?time_ids[]=…`: discard a time entry (live service
//! only). Deleting an entry that is already gone is not an error, so a
//! repeated discard is harmless.

use super::authorised;
use crate::error::{Error, Result};
use crate::http::{check_status, query, HttpRequest, Method};

pub fn build_delete_time(base_url: &str, access_token: &str, id: &str) -> Result<HttpRequest> {
    if id.trim().is_empty() {
        return Err(Error::invalid_input("a time entry id is required"));
    }
    Ok(authorised(Method::Delete, base_url, &format!("/data/entity?{}", query(&[("time_ids[]", id)])), access_token, None))
}

/// Any 2xx is done; a 404 is "already gone" only when the server is known
/// to serve the route (the caller decides: see `dialect`).
pub fn parse_delete(status: u16, headers: &[(String, String)], body: &[u8]) -> Result<()> {
    check_status(status, headers, body)
}

//! `GET /data/members/me`: the signed-in member (live service only; a seed
//! server answers 404). Its id goes on time entries as `user_id`.

use super::authorised;
use crate::error::{ErrorKind, Result};
use crate::http::{check_status, decode_one, HttpRequest, Method};
use crate::model::read::Fields;

pub fn build_me(base_url: &str, access_token: &str) -> HttpRequest {
    authorised(Method::Get, base_url, "/data/members/me", access_token, None)
}

/// The member's id (a string or number `id`, or `user_id`).
pub fn parse_me(status: u16, headers: &[(String, String)], body: &[u8]) -> Result<String> {
    check_status(status, headers, body)?;
    decode_one(status, body, |v| {
        let f = Fields::of(v, "member", ErrorKind::BadResponse)?;
        f.first_id(&["id", "user_id"])?.ok_or_else(|| f.err("id", "is required"))
    })
    .map_err(|e| e.with_status(status))
}

//! The Tyme data and webhook endpoints, one file per family: each builds its
//! request (`build_*`) and reads its answer (`parse_*`), without I/O. Paths
//! carry no trailing slash, as the live client sends them (the seed writes
//! one; the seed's server answers both).

pub mod delete;
pub mod members;
pub mod search;
pub mod summary;
pub mod times;
pub mod update;
pub mod webhooks;

use crate::http::{join_url, HttpRequest, Method};

/// The headers every authorised call carries.
pub(crate) fn authorised(method: Method, base_url: &str, path_and_query: &str, access_token: &str, json_body: Option<Vec<u8>>) -> HttpRequest {
    let mut headers = vec![
        ("Accept".to_string(), "application/json".to_string()),
        ("Authorization".to_string(), format!("Bearer {access_token}")),
    ];
    if json_body.is_some() {
        headers.push(("Content-Type".to_string(), "application/json".to_string()));
    }
    HttpRequest { method, url: join_url(base_url, path_and_query), headers, body: json_body }
}

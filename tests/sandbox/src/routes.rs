//! The router: which handler answers which method and path.

use std::sync::Arc;

use hyper::Method;
use serde_json::json;

use crate::data::{search, summary, update};
use crate::http::{json_resp, Req, Resp};
use crate::oauth::{authorize_get, authorize_post, token};
use crate::state::App;
use crate::webhooks::webhook_sub;

pub(crate) async fn route(app: &Arc<App>, req: &Req) -> Resp {
    let p = req.path.trim_end_matches('/');
    let p = if p.is_empty() { "/" } else { p };
    let m = &req.method;
    match p {
        "/" if m == Method::GET => json_resp(200, &json!({"name":"tyme-sandbox","docs":"tests/sandbox/README.md"})),
        "/v1/authorize" if m == Method::GET => authorize_get(app, req),
        "/v1/authorize" if m == Method::POST => authorize_post(app, req),
        "/v1/access_token" if m == Method::POST => token(app, req, false),
        "/v1/refresh_token" if m == Method::POST => token(app, req, true),
        "/data/search_entity" | "/data/update_entity" | "/data/summary" | "/webhooks/subscribe"
        | "/webhooks/unsubscribe" => {
            if let Err(r) = app.bearer_ok(req) {
                return r;
            }
            match (p, m.as_str()) {
                ("/data/search_entity", "GET") => search(app, req),
                ("/data/update_entity", "POST") | ("/data/update_entity", "PUT") => update(app, req),
                ("/data/summary", "GET") => summary(app, req),
                ("/webhooks/subscribe", "GET") | ("/webhooks/subscribe", "POST") => webhook_sub(app, req, true),
                ("/webhooks/unsubscribe", "POST") | ("/webhooks/unsubscribe", "DELETE") => webhook_sub(app, req, false),
                _ => json_resp(405, &json!({"error":"method_not_allowed","message":"method not allowed on this path"})),
            }
        }
        "/v1/authorize" | "/v1/access_token" | "/v1/refresh_token" => {
            json_resp(405, &json!({"error":"method_not_allowed","message":"method not allowed on this path"}))
        }
        _ => json_resp(404, &json!({"error":"not_found","message":"no such endpoint"})),
    }
}

//! The routers, one per dialect: which handler answers which method and
//! path (README "Dialects" has the side-by-side table).

use std::sync::Arc;

use hyper::Method;
use serde_json::json;

use crate::data::live::{delete, members, times};
use crate::data::{search, summary, update};
use crate::http::{json_resp, Req, Resp};
use crate::model::Dialect;
use crate::oauth::{authorize_get, authorize_post, token, TokenPath};
use crate::state::App;
use crate::webhooks::webhook_sub;

fn not_found() -> Resp {
    json_resp(404, &json!({"error":"not_found","message":"no such endpoint"}))
}

fn not_allowed() -> Resp {
    json_resp(405, &json!({"error":"method_not_allowed","message":"method not allowed on this path"}))
}

fn root(app: &App) -> Resp {
    json_resp(
        200,
        &json!({"name":"tyme-sandbox","dialect":app.cfg.dialect.as_str(),"docs":"tests/sandbox/README.md"}),
    )
}

pub(crate) async fn route(app: &Arc<App>, req: &Req) -> Resp {
    match app.cfg.dialect {
        Dialect::Seed => route_seed(app, req),
        Dialect::Live => route_live(app, req),
    }
}

/// The seed: every path with and without a trailing slash.
fn route_seed(app: &Arc<App>, req: &Req) -> Resp {
    let p = req.path.trim_end_matches('/');
    let p = if p.is_empty() { "/" } else { p };
    let m = &req.method;
    match p {
        "/" if m == Method::GET => root(app),
        "/v1/authorize" if m == Method::GET => authorize_get(app, req),
        "/v1/authorize" if m == Method::POST => authorize_post(app, req),
        "/v1/access_token" if m == Method::POST => token(app, req, TokenPath::Access),
        "/v1/refresh_token" if m == Method::POST => token(app, req, TokenPath::Refresh),
        "/data/search_entity" | "/data/update_entity" | "/data/summary" | "/webhooks/subscribe"
        | "/webhooks/unsubscribe" => {
            if let Err(r) = app.bearer_ok(req) {
                return r;
            }
            match (p, m.as_str()) {
                ("/data/search_entity", "GET") => search(app, req),
                ("/data/update_entity", "POST") | ("/data/update_entity", "PUT") => update(app, req),
                ("/data/summary", "GET") => summary(app, req),
                ("/webhooks/subscribe", "GET") => webhook_sub(app, req, true),
                ("/webhooks/unsubscribe", "POST") => webhook_sub(app, req, false),
                _ => not_allowed(),
            }
        }
        "/v1/authorize" | "/v1/access_token" | "/v1/refresh_token" => not_allowed(),
        _ => not_found(),
    }
}

/// The live service as its client uses it: no trailing slash anywhere.
fn route_live(app: &Arc<App>, req: &Req) -> Resp {
    let p = req.path.as_str();
    let m = &req.method;
    if p != "/" && p.ends_with('/') {
        return json_resp(404, &json!({"error":"not_found","message":"no such endpoint (no trailing slash)"}));
    }
    let member = p.strip_prefix("/data/members/").filter(|rest| !rest.is_empty() && !rest.contains('/'));
    match p {
        "/" if m == Method::GET => root(app),
        "/v1/authorize" if m == Method::GET => authorize_get(app, req),
        "/v1/authorize" if m == Method::POST => authorize_post(app, req),
        "/v1/access_token" if m == Method::POST => token(app, req, TokenPath::Access),
        "/v1/authorize" | "/v1/access_token" => not_allowed(),
        "/data/search_entity" | "/data/update_entity" | "/data/summary" | "/data/times" | "/data/members"
        | "/data/entity" | "/webhooks/subscribe" | "/webhooks/unsubscribe" => {
            let user = match app.bearer_ok(req) {
                Ok(u) => u,
                Err(r) => return r,
            };
            match (p, m.as_str()) {
                ("/data/search_entity", "GET") => search(app, req),
                ("/data/update_entity", "POST") => update(app, req),
                ("/data/summary", "GET") => summary(app, req),
                ("/data/times", "GET") => times(app, req),
                ("/data/members", "GET") => members(app, &user, ""),
                ("/data/entity", "DELETE") => delete(app, req),
                ("/webhooks/subscribe", "POST") => webhook_sub(app, req, true),
                ("/webhooks/unsubscribe", "DELETE") | ("/webhooks/unsubscribe", "POST") => {
                    webhook_sub(app, req, false)
                }
                _ => not_allowed(),
            }
        }
        _ => match member {
            Some(rest) => {
                let user = match app.bearer_ok(req) {
                    Ok(u) => u,
                    Err(r) => return r,
                };
                if m != Method::GET {
                    return not_allowed();
                }
                members(app, &user, rest)
            }
            None => not_found(),
        },
    }
}

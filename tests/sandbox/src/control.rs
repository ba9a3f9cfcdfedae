//! The control API under /_sandbox/ (only with --control): reset, state,
//! log, faults, tokens, clients, mode, many entities at once (entities), and
//! time entries added or stopped as the Tyme app would. The same for both dialects.

use std::sync::{Arc, MutexGuard};

use serde_json::{json, Value};

use crate::faults::Faults;
use crate::http::{json_resp, reject, Req, Resp};
use crate::model::{Applied, Removal, StopError};
use crate::state::{rng_state, start_data, unix_now, App, Client, St};
use crate::webhooks::fire;

/// Answer a change made as the Tyme app would: fire its webhooks (which
/// saves the state), answer the entry in the canonical shape.
fn changed(app: &Arc<App>, st: MutexGuard<'_, St>, a: Applied) -> Resp {
    fire(app, st, &a.events);
    json_resp(200, &a.entity.canonical())
}

fn id_of(v: &Value) -> Option<String> {
    match &v["id"] {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

pub(crate) fn control(app: &Arc<App>, req: &Req) -> Resp {
    let p = req.path.trim_end_matches('/');
    let ok = || json_resp(200, &json!({"status":"ok"}));
    let body = || -> Result<Value, Resp> {
        if req.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(json!({}));
        }
        serde_json::from_slice(&req.body)
            .map_err(|e| json_resp(400, &json!({"error":"invalid_request","field":"body","message":e.to_string()})))
    };
    let m = req.method.as_str();
    match (m, p) {
        ("POST", "/_sandbox/reset") => {
            let mut st = app.lock();
            st.data = start_data(&app.cfg);
            st.tokens.clear();
            st.spent.clear();
            st.codes.clear();
            st.log.clear();
            st.faults = Faults::default();
            st.interactive = !app.cfg.auto_approve;
            app.save(&st);
            ok()
        }
        ("GET", "/_sandbox/state") => json_resp(200, &app.lock().data.dump()),
        ("GET", "/_sandbox/log") => json_resp(200, &Value::Array(app.lock().log.clone())),
        ("DELETE", "/_sandbox/log") => {
            app.lock().log.clear();
            ok()
        }
        ("GET", "/_sandbox/faults") => json_resp(200, &json!(app.lock().faults)),
        ("POST", "/_sandbox/faults") => {
            let v = match body() {
                Ok(v) => v,
                Err(r) => return r,
            };
            let mut f: Faults = match serde_json::from_value(v) {
                Ok(f) => f,
                Err(e) => {
                    return json_resp(400, &json!({"error":"invalid_request","field":"body","message":e.to_string()}))
                }
            };
            if let Some(s) = f.status {
                if ![500, 502, 503, 429, 307, 308].contains(&s) {
                    return json_resp(400, &json!({"error":"invalid_request","field":"status","message":"status must be 500, 502, 503, 429, 307 or 308"}));
                }
            }
            let redirects = matches!(f.status, Some(307 | 308));
            match &f.redirect_to {
                Some(o) if redirects && (o.starts_with("http://") || o.starts_with("https://")) && !o.contains(['?', '#']) => {}
                None if !redirects => {}
                _ => return json_resp(400, &json!({"error":"invalid_request","field":"redirect_to","message":"status 307 or 308 needs redirect_to, an http(s) origin, and redirect_to needs one of them"})),
            }
            if !(0.0..=100.0).contains(&f.fail_percent) {
                return json_resp(400, &json!({"error":"invalid_request","field":"fail_percent","message":"fail_percent must be 0..100"}));
            }
            match &f.malformed {
                Value::Null | Value::Bool(_) => {}
                Value::String(s) if s == "html" || s == "truncated" => {}
                _ => return json_resp(400, &json!({"error":"invalid_request","field":"malformed","message":"malformed must be true, false, \"truncated\" or \"html\""})),
            }
            f.counted = f.fail_next > 0 || f.fail_percent > 0.0;
            let mut st = app.lock();
            if let Some(seed) = f.seed {
                st.rng = rng_state(seed);
            }
            st.faults = f;
            json_resp(200, &json!(st.faults))
        }
        ("DELETE", "/_sandbox/faults") => {
            app.lock().faults = Faults::default();
            ok()
        }
        ("POST", "/_sandbox/expire_tokens") => {
            let mut st = app.lock();
            let now = unix_now();
            let mut n = 0;
            for t in st.tokens.iter_mut() {
                if t.expires_at > now - 1 {
                    t.expires_at = now - 1;
                    n += 1;
                }
            }
            app.save(&st);
            json_resp(200, &json!({"status":"ok","expired":n}))
        }
        ("POST", "/_sandbox/expire_codes") => {
            // Every authorization code issued and not exchanged yet expires
            // now: its exchange answers invalid_grant "code expired".
            let mut st = app.lock();
            let now = unix_now();
            let mut n = 0;
            for c in st.codes.values_mut() {
                if c.expires_at > now - 1 {
                    c.expires_at = now - 1;
                    n += 1;
                }
            }
            json_resp(200, &json!({"status":"ok","expired":n}))
        }
        ("GET", "/_sandbox/in_flight") => {
            let list: Vec<Value> = app.lock().in_flight.iter().map(|(_, v)| v.clone()).collect();
            json_resp(200, &Value::Array(list))
        }
        ("POST", "/_sandbox/revoke_tokens") => {
            // As a user revoking the app's access: every access and refresh
            // token issued so far stops working (401, then invalid_grant).
            let mut st = app.lock();
            let n = st.tokens.len();
            let gone: Vec<String> = st.tokens.drain(..).map(|t| t.refresh_token).collect();
            st.spent.extend(gone);
            app.save(&st);
            json_resp(200, &json!({"status":"ok","revoked":n}))
        }
        ("GET", "/_sandbox/clients") => {
            let st = app.lock();
            let list: Vec<Value> = st
                .clients
                .iter()
                .map(|c| json!({"client_id": c.client_id, "has_secret": c.client_secret.is_some(), "redirect_uris": c.redirect_uris}))
                .collect();
            json_resp(200, &Value::Array(list))
        }
        ("POST", "/_sandbox/clients") => {
            let v = match body() {
                Ok(v) => v,
                Err(r) => return r,
            };
            let c: Client = match serde_json::from_value(v) {
                Ok(c) => c,
                Err(e) => {
                    return json_resp(400, &json!({"error":"invalid_request","field":"body","message":e.to_string()}))
                }
            };
            if c.client_id.is_empty() {
                return json_resp(400, &json!({"error":"invalid_request","field":"client_id","message":"client_id is required"}));
            }
            if c.redirect_uris.is_empty() {
                return json_resp(400, &json!({"error":"invalid_request","field":"redirect_uris","message":"at least one redirect URI is required"}));
            }
            let mut st = app.lock();
            st.clients.retain(|x| x.client_id != c.client_id);
            let id = c.client_id.clone();
            st.clients.push(c);
            app.save(&st);
            json_resp(200, &json!({"status":"ok","client_id":id}))
        }
        ("GET", "/_sandbox/mode") => json_resp(200, &json!({"interactive": app.lock().interactive})),
        ("POST", "/_sandbox/mode") => {
            let v = match body() {
                Ok(v) => v,
                Err(r) => return r,
            };
            let Some(i) = v.get("interactive").and_then(Value::as_bool) else {
                return json_resp(400, &json!({"error":"invalid_request","field":"interactive","message":"interactive must be true or false"}));
            };
            app.lock().interactive = i;
            json_resp(200, &json!({"interactive": i}))
        }
        ("POST", "/_sandbox/add_time") => {
            let v = match body() {
                Ok(v) => v,
                Err(r) => return r,
            };
            let mut st = app.lock();
            match st.data.add_time(&v) {
                Ok(a) => changed(app, st, a),
                Err(r) => reject(r),
            }
        }
        ("POST", "/_sandbox/entities") => {
            // Many new categories, projects, tasks and sub-tasks at once, in
            // the seed's names whatever the dialect, all or nothing, no webhooks.
            let v = match body() {
                Ok(v) => v,
                Err(r) => return r,
            };
            let Some(list) = v["entities"].as_array() else {
                return json_resp(400, &json!({"error":"invalid_request","field":"entities","message":"entities must be a list"}));
            };
            let mut st = app.lock();
            match st.data.add_entities(list) {
                Ok(n) => {
                    app.save(&st);
                    json_resp(200, &json!({"status":"ok","added":n}))
                }
                Err(e) => {
                    let mut b = e.reject.body();
                    b["index"] = json!(e.index);
                    json_resp(e.reject.status, &b)
                }
            }
        }
        ("POST", "/_sandbox/remove") => {
            // An entity deleted in the Tyme app (with its children, as the
            // live DELETE /data/entity does); an unknown id removes nothing.
            let v = match body() {
                Ok(v) => v,
                Err(r) => return r,
            };
            let Some(id) = id_of(&v) else {
                return json_resp(400, &json!({"error":"invalid_request","field":"id","message":"id is required"}));
            };
            let mut r = Removal::default();
            match v["type"].as_str() {
                Some("Category") => r.categories.push(id),
                Some("Project") => r.projects.push(id),
                Some("TimedTask") => r.tasks.push(id),
                Some("TimedSubTask") => r.subtasks.push(id),
                Some("TimedTaskRecord") => r.time_entries.push(id),
                _ => return json_resp(400, &json!({"error":"invalid_request","field":"type","message":"type must be Category, Project, TimedTask, TimedSubTask or TimedTaskRecord"})),
            }
            let mut st = app.lock();
            let n = st.data.remove(&r);
            app.save(&st);
            json_resp(200, &json!({"status":"ok","removed":n}))
        }
        ("POST", "/_sandbox/stop_time") => {
            let v = match body() {
                Ok(v) => v,
                Err(r) => return r,
            };
            let Some(id) = id_of(&v) else {
                return json_resp(400, &json!({"error":"invalid_request","field":"id","message":"id (of a time entry) is required"}));
            };
            let time_end = match &v["time_end"] {
                Value::Null => None,
                Value::String(s) => Some(s.clone()),
                _ => return json_resp(400, &json!({"error":"invalid_request","field":"time_end","message":"time_end must be Y-m-d H:i:s"})),
            };
            let mut st = app.lock();
            match st.data.stop_time(&id, time_end.as_deref()) {
                Ok(a) => changed(app, st, a),
                Err(StopError::Invalid(r)) => reject(r),
                Err(StopError::NotRunning) => json_resp(
                    409,
                    &json!({"error":"conflict","field":"id","message":"the time entry is not running"}),
                ),
            }
        }
        _ => json_resp(404, &json!({"error":"not_found","message":"no such control endpoint"})),
    }
}

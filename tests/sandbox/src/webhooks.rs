//! Webhook subscriptions and their deliveries (with retries).

use std::sync::{Arc, MutexGuard};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use serde_json::{json, Value};

use crate::http::{json_resp, pstr, Req, Resp};
use crate::model::{self, fmt_dt, now_dt, Delivery, Dialect, Entity, Webhook};
use crate::state::{App, St};

pub(crate) const TRIGGERS: [&str; 6] = ["category", "project", "task", "subtask", "time", "stopped_time"];

pub(crate) fn webhook_sub(app: &App, req: &Req, subscribe: bool) -> Resp {
    let live = app.cfg.dialect == Dialect::Live;
    let m = match req.params() {
        Ok(m) => m,
        Err(r) => return json_resp(400, &json!({"error":"missing values","field":r.field})),
    };
    // seed: hookUrl and trigger_type, nothing else; live: hook_url and
    // trigger_type, other keys ignored (a hookUrl key does not count).
    let url_key = if live { "hook_url" } else { "hookUrl" };
    if !live {
        if let Some(k) = m.keys().find(|k| !["hookUrl", "trigger_type"].contains(&k.as_str())) {
            let k = model::truncate(k);
            return json_resp(
                400,
                &json!({"error":"missing values","field":k,"message":format!("unknown field {k:?}; expected hookUrl and trigger_type")}),
            );
        }
    }
    let url = pstr(&m, url_key).filter(|s| !s.trim().is_empty());
    let Some(url) = url else {
        return json_resp(400, &json!({"error":"missing values","field":url_key}));
    };
    let trigger = pstr(&m, "trigger_type").unwrap_or_default();
    if !TRIGGERS.contains(&trigger.as_str()) {
        return json_resp(400, &json!({"error":"missing values","field":"trigger_type"}));
    }
    if subscribe && !url.starts_with("http://") && !url.starts_with("https://") {
        return json_resp(403, &json!({"error":"not_allowed","message":format!("{url_key} must be an http(s) URL")}));
    }
    let w = Webhook { hook_url: url, trigger_type: trigger };
    let mut st = app.lock();
    if subscribe {
        if !st.data.webhooks.contains(&w) {
            st.data.webhooks.push(w);
        }
    } else {
        let before = st.data.webhooks.len();
        st.data.webhooks.retain(|x| x != &w);
        if live && st.data.webhooks.len() == before {
            return json_resp(404, &json!({"error":"not_found","message":"no such subscription"}));
        }
    }
    app.save(&st);
    json_resp(200, &json!({"status":"success"}))
}

/// Record the deliveries `events` cause, save the state, release the lock,
/// then deliver in the background.
pub(crate) fn fire(app: &Arc<App>, mut st: MutexGuard<'_, St>, events: &[(&'static str, Entity)]) {
    let jobs = queue_deliveries(&mut st, events, app.cfg.dialect);
    app.save(&st);
    drop(st);
    for (id, url, payload) in jobs {
        let app = app.clone();
        tokio::spawn(async move { deliver(app, id, url, payload).await });
    }
}

fn queue_deliveries(st: &mut St, events: &[(&'static str, Entity)], dialect: Dialect) -> Vec<(String, String, Value)> {
    let mut jobs = vec![];
    for (trigger, entity) in events {
        let hooks: Vec<Webhook> = st.data.webhooks.iter().filter(|w| w.trigger_type == *trigger).cloned().collect();
        for w in hooks {
            let id = model::new_id();
            st.data.deliveries.push(Delivery {
                id: id.clone(),
                hook_url: w.hook_url.clone(),
                trigger_type: trigger.to_string(),
                entity_id: entity.id().to_string(),
                status: "pending".into(),
                attempts: 0,
                last_status: None,
                last_error: None,
                created_at: fmt_dt(now_dt()),
            });
            jobs.push((id, w.hook_url, json!({"trigger_type": trigger, "entity": entity.shape(dialect)})));
        }
    }
    jobs
}

async fn deliver(app: Arc<App>, id: String, url: String, payload: Value) {
    let attempts = app.cfg.webhook_attempts.max(1);
    for attempt in 1..=attempts {
        let result: Result<u16, String> = async {
            let uri: hyper::Uri = url.parse().map_err(|_| "invalid hook URL".to_string())?;
            if uri.scheme_str() != Some("http") {
                return Err("only http:// hook URLs can be delivered by the sandbox".to_string());
            }
            let req = Request::post(uri)
                .header("content-type", "application/json")
                .header("user-agent", "tyme-sandbox-webhooks")
                .body(Full::new(Bytes::from(payload.to_string())))
                .map_err(|e| e.to_string())?;
            let resp = tokio::time::timeout(Duration::from_secs(5), app.http.request(req))
                .await
                .map_err(|_| "timed out".to_string())?
                .map_err(|e| format!("connection failed: {e}"))?;
            let status = resp.status().as_u16();
            let _ = resp.into_body().collect().await;
            Ok(status)
        }
        .await;
        let done = {
            let mut st = app.lock();
            let done = matches!(result, Ok(s) if (200..300).contains(&s));
            if let Some(d) = st.data.deliveries.iter_mut().find(|d| d.id == id) {
                d.attempts = attempt;
                match &result {
                    Ok(s) => {
                        d.last_status = Some(*s);
                        d.last_error = None;
                    }
                    Err(e) => d.last_error = Some(e.clone()),
                }
                d.status = if done {
                    "delivered".into()
                } else if attempt == attempts {
                    "failed".into()
                } else {
                    "pending".into()
                };
            }
            app.save(&st);
            done
        };
        if done {
            return;
        }
        if attempt < attempts {
            tokio::time::sleep(Duration::from_millis(app.cfg.webhook_backoff_ms << (attempt - 1))).await;
        }
    }
}

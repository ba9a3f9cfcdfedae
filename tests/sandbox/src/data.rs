//! The data endpoints: search_entity, update_entity, summary.

use std::sync::Arc;

use serde_json::Value;

use crate::http::{json_resp, pstr, reject, Req, Resp};
use crate::model::{bad, now_dt, parse_dt, Reject};
use crate::state::App;
use crate::webhooks::{deliver, queue_deliveries};

pub(crate) fn search(app: &App, req: &Req) -> Resp {
    let m = match req.params() {
        Ok(m) => m,
        Err(r) => return reject(r),
    };
    let kind = pstr(&m, "type").unwrap_or_default();
    let name = pstr(&m, "name").unwrap_or_default();
    let parent = pstr(&m, "parent_id").filter(|s| !s.is_empty() && s != "null");
    match app.lock().data.search(&kind, &name, parent.as_deref()) {
        Ok(v) => json_resp(200, &v),
        Err(r) => reject(r),
    }
}

pub(crate) fn update(app: &Arc<App>, req: &Req) -> Resp {
    let body: Value = match serde_json::from_slice(&req.body) {
        Ok(v) => v,
        Err(e) => return reject(bad("body", format!("the body is not valid JSON: {e}"))),
    };
    let mut st = app.lock();
    let applied = match st.data.update_entity(&body) {
        Ok(a) => a,
        Err(r) => return reject(r),
    };
    let jobs = queue_deliveries(&mut st, &applied.events);
    app.save(&st);
    drop(st);
    for (id, url, payload) in jobs {
        let app = app.clone();
        tokio::spawn(async move { deliver(app, id, url, payload).await });
    }
    json_resp(200, &applied.entity)
}

pub(crate) fn summary(app: &App, req: &Req) -> Resp {
    let m = match req.params() {
        Ok(m) => m,
        Err(r) => return reject(r),
    };
    let get = |k: &str| -> Result<chrono::NaiveDateTime, Reject> {
        let s = pstr(&m, k).ok_or_else(|| bad(k, format!("{k} is required")))?;
        parse_dt(&s).ok_or_else(|| bad(k, format!("{k} must be Y-m-d H:i:s (UTC)")))
    };
    let (from, to) = match (get("from"), get("to")) {
        (Ok(f), Ok(t)) => (f, t),
        (Err(r), _) | (_, Err(r)) => return reject(r),
    };
    if to < from {
        return reject(bad("to", "to is before from"));
    }
    json_resp(200, &app.lock().data.summary(from, to, now_dt()))
}

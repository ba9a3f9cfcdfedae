//! The data endpoints: search_entity, update_entity and summary (both
//! dialects), and in `live` the live dialect's times, members and delete.

pub(crate) mod live;

use std::sync::Arc;

use serde_json::{json, Map, Value};

use crate::http::{json_resp, pstr, reject, Req, Resp};
use crate::model::{bad, now_dt, parse_dt, summary_row, Dialect, Reject};
use crate::state::App;
use crate::webhooks::fire;

/// The parameters of a read: the seed reading also takes its JSON
/// parameters from a body; the live one reads the query string only.
fn read_params(app: &App, req: &Req) -> Result<Map<String, Value>, Reject> {
    match app.cfg.dialect {
        Dialect::Seed => req.params(),
        Dialect::Live => Ok(req.query_params()),
    }
}

/// A required `Y-m-d H:i:s` parameter (400 naming it when missing or wrong).
pub(crate) fn dt_param(m: &Map<String, Value>, k: &str) -> Result<chrono::NaiveDateTime, Reject> {
    let s = pstr(m, k).ok_or_else(|| bad(k, format!("{k} is required")))?;
    parse_dt(&s).ok_or_else(|| bad(k, format!("{k} must be Y-m-d H:i:s (UTC)")))
}

/// `from` and `to`, with `to` not before `from`.
pub(crate) fn range(m: &Map<String, Value>) -> Result<(chrono::NaiveDateTime, chrono::NaiveDateTime), Reject> {
    let (from, to) = (dt_param(m, "from")?, dt_param(m, "to")?);
    if to < from {
        return Err(bad("to", "to is before from"));
    }
    Ok((from, to))
}

pub(crate) fn search(app: &App, req: &Req) -> Resp {
    let m = match read_params(app, req) {
        Ok(m) => m,
        Err(r) => return reject(r),
    };
    let kind = pstr(&m, "type").unwrap_or_default();
    let name = pstr(&m, "name").unwrap_or_default();
    let parent = pstr(&m, "parent_id").filter(|s| !s.is_empty() && s != "null");
    let found = match app.lock().data.search(&kind, &name, parent.as_deref()) {
        Ok(v) => v,
        Err(r) => return reject(r),
    };
    let items: Vec<Value> = found.iter().map(|e| e.shape(app.cfg.dialect)).collect();
    match app.cfg.dialect {
        Dialect::Seed => json_resp(200, &Value::Array(items)),
        Dialect::Live => json_resp(200, &json!({"data": items})),
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
    fire(app, st, &applied.events);
    match app.cfg.dialect {
        Dialect::Seed => json_resp(200, &applied.entity.wire()),
        Dialect::Live => json_resp(200, &json!({"status":"success"})),
    }
}

pub(crate) fn summary(app: &App, req: &Req) -> Resp {
    let m = match read_params(app, req) {
        Ok(m) => m,
        Err(r) => return reject(r),
    };
    let (from, to) = match range(&m) {
        Ok(r) => r,
        Err(r) => return reject(r),
    };
    let rows = app.lock().data.summary(from, to, now_dt());
    match (app.cfg.dialect, rows) {
        (Dialect::Live, Value::Array(rows)) => json_resp(200, &Value::Array(rows.iter().map(summary_row).collect())),
        (_, rows) => json_resp(200, &rows),
    }
}

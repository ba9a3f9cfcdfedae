//! The live dialect's extra data endpoints: `GET /data/times`,
//! `GET /data/members[/me|/{id}]` and `DELETE /data/entity`.

use serde_json::{json, Value};

use super::range;
use crate::http::{json_resp, pstr, reject, Req, Resp};
use crate::model::{bad, now_dt, Removal};
use crate::state::App;

/// `GET /data/times?from&to[&user_id][&billing_state][&start]`: the entries
/// overlapping the range, at most `--times-page-size` from offset `start`.
pub(crate) fn times(app: &App, req: &Req) -> Resp {
    let m = req.query_params();
    let (from, to) = match range(&m) {
        Ok(r) => r,
        Err(r) => return reject(r),
    };
    let user = pstr(&m, "user_id").filter(|s| !s.is_empty());
    let billing = match pstr(&m, "billing_state").filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => match s.parse::<u8>() {
            Ok(b @ 0..=2) => Some(b),
            _ => return reject(bad("billing_state", "billing_state must be 0, 1 or 2")),
        },
    };
    let start = match pstr(&m, "start").filter(|s| !s.is_empty()) {
        None => 0,
        Some(s) => match s.parse::<usize>() {
            Ok(n) => n,
            Err(_) => return reject(bad("start", "start must be a non-negative integer (an offset)")),
        },
    };
    let st = app.lock();
    let page: Vec<Value> = st
        .data
        .times(from, to, now_dt(), user.as_deref(), billing)
        .into_iter()
        .skip(start)
        .take(app.cfg.times_page_size.max(1))
        .map(|e| e.live())
        .collect();
    json_resp(200, &json!({ "data": page }))
}

/// `GET /data/members` (`rest` ""), `/data/members/me`, `/data/members/{id}`.
pub(crate) fn members(app: &App, user: &str, rest: &str) -> Resp {
    let st = app.lock();
    let wanted = match rest {
        "" => return json_resp(200, &json!({"data": st.data.members.iter().map(|m| m.live()).collect::<Vec<_>>()})),
        "me" => user,
        id => id,
    };
    match st.data.members.iter().find(|m| m.id == wanted) {
        Some(m) => json_resp(200, &m.live()),
        None => json_resp(404, &json!({"error":"not_found","message":"no member with this id"})),
    }
}

/// The query keys of `DELETE /data/entity`, each also without `[]`.
const DELETE_KEYS: [&str; 5] = ["time_ids", "project_ids", "task_ids", "subtask_ids", "category_ids"];

/// `DELETE /data/entity?time_ids[]=..&project_ids[]=..` (README "Dialects").
pub(crate) fn delete(app: &App, req: &Req) -> Resp {
    let mut r = Removal::default();
    for (k, v) in &req.query {
        if v.is_empty() {
            continue;
        }
        let list = match k.strip_suffix("[]").unwrap_or(k) {
            "time_ids" => &mut r.time_entries,
            "project_ids" => &mut r.projects,
            "task_ids" => &mut r.tasks,
            "subtask_ids" => &mut r.subtasks,
            "category_ids" => &mut r.categories,
            _ => continue,
        };
        list.push(v.clone());
    }
    if r.is_empty() {
        let keys = DELETE_KEYS.map(|k| format!("{k}[]")).join(", ");
        return json_resp(
            400,
            &json!({"error":"missing values","field":"time_ids","message":format!("no id to delete; send one of {keys}")}),
        );
    }
    let mut st = app.lock();
    st.data.remove(&r);
    app.save(&st);
    json_resp(200, &json!({"status":"success"}))
}

//! The live dialect (`--dialect live`), answers: search, summary, members,
//! times, delete, webhooks and the demo data (README "Dialects"). Real HTTP
//! on 127.0.0.1.
mod common;

use common::*;
use serde_json::{json, Value};

fn ok() -> Value {
    json!({"status":"success"})
}

async fn put(api: &Api, body: Value) {
    let r = api.live_update(body.clone()).await;
    assert_eq!((r.status, r.json()), (200, ok()), "{body} -> {}", r.body);
}

/// Category 700, project 701 (rate 90, 7200 s planned, rounding UP 15),
/// task 702 (billable, 600 s), sub-task "s-1" (an id that is not a number).
async fn tree(api: &Api) {
    put(api, json!({"type":"ProjectCategory","id":"700","name":"Clients"})).await;
    put(api, json!({"type":"Project","id":"701","name":"Website","related_id":"700","rounding_method":"UP",
        "rounding_minutes":15,"default_hourly_rate":90,"planned_duration":7200,"planned_budget":900})).await;
    put(api, json!({"type":"TimedTask","id":"702","name":"Design","related_id":"701","billable":true,"planned_duration":600})).await;
    put(api, json!({"type":"TimedSubTask","id":"s-1","name":"Homepage","related_id":"702","planned_duration":60})).await;
}

fn is_iso_ms_z(v: &Value) -> bool {
    let s = v.as_str().unwrap_or("");
    let b = s.as_bytes();
    s.len() == 24
        && b.iter().zip(b"DDDD-DD-DDTDD:DD:DD.DDDZ").all(|(c, w)| if *w == b'D' { c.is_ascii_digit() } else { c == w })
}

/// Drop `created_at` after checking it is ISO 8601 with milliseconds and Z.
fn without_created_at(mut v: Value) -> Value {
    assert!(is_iso_ms_z(&v["created_at"]), "created_at {}", v["created_at"]);
    v.as_object_mut().unwrap().remove("created_at");
    v
}

/// search_entity: a `data` envelope, no `type`, the parent as `related_id`,
/// ids as numbers where all digits, 0/1 booleans, the rate as a string with
/// two decimals, planned_duration in seconds, extra fields.
#[tokio::test]
async fn search_answers_in_the_live_shape() {
    let s = live_server().await;
    let api = live_signed_in(&s).await;
    tree(&api).await;
    let one = |r: R| -> Value {
        assert_eq!(r.status, 200, "{}", r.body);
        let data = r.json()["data"].clone();
        assert_eq!(data.as_array().map(Vec::len), Some(1), "{}", r.body);
        without_created_at(data[0].clone())
    };
    assert_eq!(
        one(api.get("/data/search_entity?type=ProjectCategory").await),
        json!({"id":700,"name":"Clients","color":0,"completed":0})
    );
    assert_eq!(
        one(api.get("/data/search_entity?type=Project&name=web").await),
        json!({"id":701,"name":"Website","related_id":700,"rounding_method":"UP","rounding_minutes":15,
            "default_hourly_rate":"90.00","planned_duration":7200,"planned_budget":900.0,"color":0,"completed":0})
    );
    assert_eq!(
        one(api.get("/data/search_entity?type=TimedTask&parent_id=701").await),
        json!({"id":702,"name":"Design","related_id":701,"billable":1,"planned_duration":600,"color":0,"completed":0})
    );
    assert_eq!(
        one(api.get("/data/search_entity?type=TimedSubTask&name=HOME&parent_id=702").await),
        json!({"id":"s-1","name":"Homepage","related_id":702,"planned_duration":60,"completed":0})
    );
    let r = api.get("/data/search_entity?type=TimedTask&parent_id=9").await;
    assert_eq!(r.json(), json!({"data":[]}));
    let r = api.get("/data/search_entity?name=x").await;
    assert_eq!((r.status, r.json()["field"].clone()), (400, json!("type")));
}

/// summary: a bare array; duration as h:mm:ss (hours not capped), ids as
/// numbers where digits, billable 0/1, entries a number.
#[tokio::test]
async fn summary_durations_as_h_mm_ss() {
    let s = live_server().await;
    let api = live_signed_in(&s).await;
    tree(&api).await;
    // 27 h 3 min 9 s on the task, 45 s on the sub-task
    put(&api, json!({"type":"TimedTaskRecord","id":"e1","related_id":"702","user_id":"1001",
        "time_start":"2026-11-28 00:00:00","time_end":"2026-11-29 03:03:09"})).await;
    put(&api, json!({"type":"TimedTaskRecord","id":"e2","related_id":"s-1","user_id":"1001",
        "time_start":"2026-11-29 05:00:00","time_end":"2026-11-29 05:00:45"})).await;
    let r = api.get("/data/summary?from=2026-11-27%2000:00:00&to=2026-11-30%2000:00:00").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let rows = r.json();
    let rows = rows.as_array().expect("a bare array");
    assert_eq!(rows.len(), 2, "{rows:?}");
    let task = rows.iter().find(|r| r["subtask_id"].is_null()).unwrap();
    assert_eq!(
        task,
        &json!({"task_id":702,"task_name":"Design","subtask_id":null,"subtask_name":null,"project_id":701,
            "project_name":"Website","category_id":700,"category_name":"Clients","billable":1,"rounding_method":"UP",
            "rounding_minutes":15,"hourly_rate":90.0,"duration":"27:03:09","entries":1})
    );
    let sub = rows.iter().find(|r| r["subtask_id"] == "s-1").unwrap();
    assert_eq!((sub["duration"].clone(), sub["task_id"].clone()), (json!("0:00:45"), json!(702)));
}

/// members: the list in an envelope, `me` and `{id}` as bare objects with
/// numeric ids, 404 for a stranger, 401 without a token.
#[tokio::test]
async fn members_me_and_by_id() {
    let s = live_server().await;
    let mut api = live_signed_in(&s).await;
    let first = json!({"id":1001,"name":"Sandbox User","email":"user@sandbox.test","role":"admin"});
    let second = json!({"id":1002,"name":"Second Member","email":"second@sandbox.test","role":"member"});
    assert_eq!(api.get("/data/members").await.json(), json!({"data":[first, second]}));
    assert_eq!(api.get("/data/members/me").await.json(), first);
    assert_eq!(api.get("/data/members/1002").await.json(), second);
    let r = api.get("/data/members/4242").await;
    assert_eq!((r.status, r.json()["error"].clone()), (404, json!("not_found")));
    assert_eq!(api.send("DELETE", "/data/members/1002", &json!({})).await.status, 405);
    assert_eq!(
        api.state().await["members"],
        json!([{"id":"1001","name":"Sandbox User","email":"user@sandbox.test","role":"admin"},
               {"id":"1002","name":"Second Member","email":"second@sandbox.test","role":"member"}])
    );
    api.token = None;
    assert_eq!(api.get("/data/members/me").await.status, 401);
    assert_eq!(api.get("/data/members").await.status, 401);
}

fn entry(id: &str, user: &str, start: &str, end: Option<&str>, billing: u8) -> Value {
    json!({"type":"TimedTaskRecord","id":id,"related_id":"702","user_id":user,"time_start":start,
        "time_end":end,"note":format!("note {id}"),"billing_state":billing})
}

fn ids(r: &R) -> Vec<String> {
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()["data"].as_array().unwrap().iter().map(|e| e["id"].to_string().trim_matches('"').to_string()).collect()
}

/// times: entries overlapping [from, to], ordered by time_start then id,
/// filtered by user_id and billing_state, paged by `start` with at most
/// --times-page-size entries per answer.
#[tokio::test]
async fn times_range_filters_and_paging() {
    let s = tyme_sandbox::start(tyme_sandbox::Config { times_page_size: 2, ..live_cfg() }).await.unwrap();
    let api = live_signed_in(&s).await;
    tree(&api).await;
    put(&api, entry("e1", "1001", "2026-11-29 09:00:00", Some("2026-11-29 10:00:00"), 0)).await;
    put(&api, entry("e2", "1002", "2026-11-29 11:00:00", Some("2026-11-29 12:00:00"), 1)).await;
    put(&api, entry("e3", "1001", "2026-11-29 08:00:00", Some("2026-11-29 08:30:00"), 2)).await;
    put(&api, entry("e4", "1001", "2026-11-30 09:00:00", Some("2026-11-30 10:00:00"), 0)).await; // after `to`
    put(&api, entry("e5", "1001", "2026-11-28 23:00:00", Some("2026-11-29 00:30:00"), 0)).await; // across `from`
    put(&api, entry("10", "1001", "2026-11-29 13:00:00", Some("2026-11-29 13:10:00"), 0)).await;
    put(&api, entry("9", "1001", "2026-11-29 13:00:00", Some("2026-11-29 13:05:00"), 0)).await;
    let q = "/data/times?from=2026-11-29%2000:00:00&to=2026-11-29%2023:59:59";
    assert_eq!(ids(&api.get(q).await), ["e5", "e3"]);
    assert_eq!(ids(&api.get(&format!("{q}&start=2")).await), ["e1", "e2"]);
    assert_eq!(ids(&api.get(&format!("{q}&start=4")).await), ["9", "10"], "same start: by id, as numbers");
    assert_eq!(ids(&api.get(&format!("{q}&start=6")).await), Vec::<String>::new());
    assert_eq!(ids(&api.get(&format!("{q}&user_id=1002")).await), ["e2"]);
    assert_eq!(ids(&api.get(&format!("{q}&billing_state=2")).await), ["e3"]);
    assert_eq!(ids(&api.get(&format!("{q}&user_id=1001&billing_state=0&start=1")).await), ["e1", "9"]);
    let r = api.get(&format!("{q}&user_id=1002")).await;
    assert_eq!(
        r.json()["data"][0],
        json!({"id":"e2","related_id":702,"user_id":1002,"time_start":"2026-11-29T11:00:00.000Z",
            "time_end":"2026-11-29T12:00:00.000Z","note":"note e2","billing_state":1})
    );
    for (query, field) in [
        ("/data/times?to=2026-11-29%2023:59:59", "from"),
        ("/data/times?from=2026-11-29%2000:00:00", "to"),
        ("/data/times?from=2026-11-29T00:00:00Z&to=2026-11-29%2023:59:59", "from"),
        (&format!("{q}&billing_state=7") as &str, "billing_state"),
        (&format!("{q}&start=-1") as &str, "start"),
    ] {
        let r = api.get(query).await;
        assert_eq!((r.status, r.json()["field"].clone()), (400, json!(field)), "{query}");
    }
}

/// A running entry is in the times of a range that reaches now, with
/// time_end "" (and counts up to now, also when it began before `from`).
#[tokio::test]
async fn times_show_a_running_entry_with_an_empty_end() {
    let s = live_server().await;
    let api = live_signed_in(&s).await;
    tree(&api).await;
    let start = dt_from_now(-3600);
    put(&api, json!({"type":"TimedTaskRecord","id":"run","related_id":"s-1","user_id":"1001","time_start":start})).await;
    let (from, to) = (dt_from_now(-600), dt_from_now(600));
    let r = api.get(&format!("/data/times?from={}&to={}", enc(&from), enc(&to))).await;
    let iso = format!("{}T{}.000Z", &start[..10], &start[11..]);
    assert_eq!(
        r.json(),
        json!({"data":[{"id":"run","related_id":"s-1","user_id":1001,"time_start":iso,"time_end":"","note":"","billing_state":0}]})
    );
}

/// DELETE /data/entity deletes what the id lists name (a project with its
/// tasks, sub-tasks and their entries), ignores ids that do not exist (so a
/// repeat is harmless), and needs at least one id.
#[tokio::test]
async fn delete_entity_is_idempotent_and_cascades() {
    let s = live_server().await;
    let api = live_signed_in(&s).await;
    tree(&api).await;
    put(&api, json!({"type":"Project","id":"801","name":"Other","related_id":"700"})).await;
    put(&api, json!({"type":"TimedTask","id":"802","name":"Other task","related_id":"801"})).await;
    put(&api, entry("e1", "1001", "2026-11-29 09:00:00", Some("2026-11-29 10:00:00"), 0)).await;
    put(&api, json!({"type":"TimedTaskRecord","id":"e2","related_id":"s-1","user_id":"1001","time_start":"2026-11-29 11:00:00"})).await;
    put(&api, json!({"type":"TimedTaskRecord","id":"e3","related_id":"802","user_id":"1001","time_start":"2026-11-29 12:00:00"})).await;
    put(&api, json!({"type":"TimedTaskRecord","id":"e4","related_id":"802","user_id":"1001","time_start":"2026-11-29 13:00:00"})).await;
    let list = |st: &Value, k: &str| -> Vec<String> {
        st[k].as_array().unwrap().iter().map(|x| x["id"].as_str().unwrap().to_string()).collect()
    };

    let r = api.send("DELETE", "/data/entity?time_ids[]=e3&time_ids[]=nope", &json!({})).await;
    assert_eq!((r.status, r.json()), (200, ok()), "{}", r.body);
    assert_eq!(list(&api.state().await, "time_entries"), ["e1", "e2", "e4"]);
    let r = api.get("/data/entity?time_ids[]=e4").await;
    assert_eq!(r.status, 405);

    let before = api.state().await;
    let r = api.send("DELETE", "/data/entity?project_ids[]=701", &json!({})).await;
    assert_eq!((r.status, r.json()), (200, ok()));
    let st = api.state().await;
    assert_eq!(list(&st, "projects"), ["801"]);
    assert_eq!(list(&st, "tasks"), ["802"]);
    assert_eq!(list(&st, "subtasks"), Vec::<String>::new());
    assert_eq!(list(&st, "time_entries"), ["e4"]);
    assert_ne!(st, before);
    // the same delete again: success, nothing changes
    let r = api.send("DELETE", "/data/entity?project_ids[]=701", &json!({})).await;
    assert_eq!((r.status, r.json()), (200, ok()));
    assert_eq!(api.state().await, st);

    // keys without [] too; a category's projects stay, without a category
    let r = api.send("DELETE", "/data/entity?category_ids=700&task_ids=802", &json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let st = api.state().await;
    assert_eq!(list(&st, "categories"), Vec::<String>::new());
    assert_eq!((list(&st, "projects"), st["projects"][0]["category_id"].clone()), (vec!["801".to_string()], Value::Null));
    assert_eq!(list(&st, "time_entries"), Vec::<String>::new(), "e4 went with its task");

    for q in ["/data/entity", "/data/entity?time_ids[]=", "/data/entity?ids[]=e1"] {
        let r = api.send("DELETE", q, &json!({})).await;
        assert_eq!((r.status, r.json()["error"].clone()), (400, json!("missing values")), "{q}");
    }
}

/// Webhooks: POST subscribe with hook_url (a hookUrl key is not enough,
/// other keys are ignored), GET is 405; deliveries carry the live shape;
/// DELETE (or POST) unsubscribe, 404 when there is no such subscription.
#[tokio::test]
async fn webhooks_subscribe_deliver_and_unsubscribe() {
    let s = live_server().await;
    let api = live_signed_in(&s).await;
    let rx = receiver(vec![]).await;
    let r = api.post("/webhooks/subscribe", &json!({"hookUrl": rx.url, "trigger_type": "task"})).await;
    assert_eq!(r.json(), json!({"error":"missing values","field":"hook_url"}));
    let r = api.get(&format!("/webhooks/subscribe?hook_url={}&trigger_type=task", enc(&rx.url))).await;
    assert_eq!(r.status, 405);
    for t in ["task", "time", "stopped_time"] {
        let r = api.post("/webhooks/subscribe", &json!({"hook_url": rx.url, "trigger_type": t, "extra": 1})).await;
        assert_eq!((r.status, r.json()), (200, ok()), "{}", r.body);
    }
    tree(&api).await;
    put(&api, json!({"type":"TimedTaskRecord","id":"e1","related_id":"702","user_id":"1002","time_start":"2026-11-29 09:00:00"})).await;
    put(&api, json!({"type":"TimedTaskRecord","id":"e1","related_id":"702","user_id":"1002","time_end":"2026-11-29 09:15:00"})).await;
    assert!(rx.wait_until(|got| got.len() >= 3).await, "{:?}", rx.got.lock().unwrap());
    let got = rx.got.lock().unwrap().clone();
    let of = |t: &str| got.iter().find(|g| g["trigger_type"] == t).unwrap_or_else(|| panic!("no {t}: {got:?}"))["entity"].clone();
    assert_eq!(
        without_created_at(of("task")),
        json!({"id":702,"name":"Design","related_id":701,"billable":1,"planned_duration":600,"color":0,"completed":0})
    );
    let time = json!({"id":"e1","related_id":702,"user_id":1002,"time_start":"2026-11-29T09:00:00.000Z","time_end":"","note":"","billing_state":0});
    assert_eq!(of("time"), time);
    let mut stopped = time.clone();
    stopped["time_end"] = json!("2026-11-29T09:15:00.000Z");
    assert_eq!(of("stopped_time"), stopped);

    let body = json!({"hook_url": rx.url, "trigger_type": "task"});
    let r = api.send("DELETE", "/webhooks/unsubscribe", &body).await;
    assert_eq!((r.status, r.json()), (200, ok()));
    let r = api.send("DELETE", "/webhooks/unsubscribe", &body).await;
    assert_eq!((r.status, r.json()["error"].clone()), (404, json!("not_found")));
    let r = api.send("DELETE", &format!("/webhooks/unsubscribe?hook_url={}&trigger_type=time", enc(&rx.url)), &json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = api.post("/webhooks/unsubscribe", &json!({"hook_url": rx.url, "trigger_type": "stopped_time"})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(api.state().await["webhooks"], json!([]));
}

/// --demo in live: the same entities, and some whose ids are all digits,
/// answered as numbers.
#[tokio::test]
async fn demo_has_numeric_ids() {
    let s = tyme_sandbox::start(tyme_sandbox::Config { demo: true, ..live_cfg() }).await.unwrap();
    let api = live_signed_in(&s).await;
    let seed = tyme_sandbox::start(tyme_sandbox::Config { demo: true, ..cfg() }).await.unwrap();
    let seed_state = Api::new(&seed).state().await;
    let live_state = api.state().await;
    for k in ["categories", "projects", "tasks", "subtasks"] {
        assert_eq!(live_state[k], seed_state[k], "{k}");
    }
    let data = api.get("/data/search_entity?type=TimedTask").await.json()["data"].clone();
    let numeric = data.as_array().unwrap().iter().filter(|t| t["id"].is_u64() && t["related_id"].is_u64()).count();
    assert!(numeric >= 1, "{data}");
    let projects = api.get("/data/search_entity?type=Project").await.json()["data"].clone();
    assert!(projects.as_array().unwrap().iter().any(|p| p["id"].is_u64()), "{projects}");
    assert!(projects.as_array().unwrap().iter().any(|p| p["id"].is_string()), "{projects}");
}

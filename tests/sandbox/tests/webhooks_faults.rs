mod common;

use common::*;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

#[tokio::test]
async fn webhooks_are_delivered_for_each_trigger() {
    let s = server().await;
    let api = signed_in(&s).await;
    let rx = receiver(vec![]).await;
    // the seed's GET with hookUrl (the live dialect's POST: tests/live.rs)
    for t in ["category", "project", "task", "subtask", "time", "stopped_time"] {
        let r = api.subscribe(&rx.url, t).await;
        assert_eq!((r.status, r.json()), (200, json!({"status":"success"})));
    }
    // subscribing twice keeps one subscription
    api.subscribe(&rx.url, "task").await;
    assert_eq!(api.state().await["webhooks"].as_array().unwrap().len(), 6);

    let c = api.update(json!({"type":"ProjectCategory","name":"C"})).await.json();
    let p = api.update(json!({"type":"Project","name":"P","category_id":c["id"]})).await.json();
    let t = api.update(json!({"type":"TimedTask","name":"T","project_id":p["id"]})).await.json();
    api.update(json!({"type":"TimedTask","id":t["id"],"name":"T2"})).await; // update: no event
    let st = api.update(json!({"type":"TimedSubTask","name":"S","task_id":t["id"]})).await.json();
    let e = api.update(json!({"type":"TimedTaskRecord","subtask_id":st["id"],"time_start":"2025-01-01 10:00:00","time_end":null})).await.json();
    api.update(json!({"type":"TimedTaskRecord","id":e["id"],"time_end":"2025-01-01 11:00:00"})).await;

    assert!(rx.wait_until(|got| got.len() >= 6).await, "deliveries: {:?}", rx.got.lock().unwrap());
    // Each event's deliveries are recorded with the change that fires it:
    // once all are answered, none is still on its way to the receiver.
    let settled = api.settled_deliveries().await;
    assert_eq!(settled.len(), 6, "{settled:?}");
    let got = rx.got.lock().unwrap().clone();
    assert_eq!(got.len(), 6, "{got:?}");
    let mut triggers: Vec<String> = got.iter().map(|g| g["trigger_type"].as_str().unwrap().to_string()).collect();
    triggers.sort();
    assert_eq!(triggers, ["category", "project", "stopped_time", "subtask", "task", "time"]);
    let stopped = got.iter().find(|g| g["trigger_type"] == "stopped_time").unwrap();
    assert_eq!(stopped["entity"]["id"], e["id"]);
    assert_eq!(stopped["entity"]["time_end"], "2025-01-01 11:00:00");
    let task = got.iter().find(|g| g["trigger_type"] == "task").unwrap();
    assert_eq!(task["entity"]["name"], "T");

    let state = api.state().await;
    let d = state["deliveries"].as_array().unwrap();
    assert_eq!(d.len(), 6);
    assert!(d.iter().all(|d| d["status"] == "delivered" && d["attempts"] == 1 && d["last_status"] == 200));

    // unsubscribe (the seed's POST, with and without the slash): no more deliveries
    let r = api.post("/webhooks/unsubscribe/", &json!({"hookUrl": rx.url, "trigger_type": "category"})).await;
    assert_eq!(r.status, 200);
    let r = api.post("/webhooks/unsubscribe", &json!({"hookUrl": rx.url, "trigger_type": "project"})).await;
    assert_eq!(r.status, 200);
    assert_eq!(api.update(json!({"type":"ProjectCategory","name":"C2"})).await.status, 200);
    assert_eq!(api.update(json!({"type":"Project","name":"P2"})).await.status, 200);
    // The changes are made (their answers came): a delivery they fired would
    // be recorded by now. A task, still subscribed, proves the receiver
    // still gets what it asked for.
    assert_eq!(api.update(json!({"type":"TimedTask","name":"T3","project_id":p["id"]})).await.status, 200);
    assert!(rx.wait_until(|got| got.len() >= 7).await, "the task's delivery: {:?}", rx.got.lock().unwrap());
    let settled = api.settled_deliveries().await;
    assert_eq!(settled.len(), 7, "one more delivery, the task's: {settled:?}");
    let got = rx.got.lock().unwrap().clone();
    assert_eq!(got.len(), 7, "{got:?}");
    assert_eq!(got[6]["trigger_type"], "task", "{got:?}");
    assert_eq!(got[6]["entity"]["name"], "T3");
}

#[tokio::test]
async fn webhook_deliveries_are_retried_then_marked_failed() {
    let s = server().await;
    let api = signed_in(&s).await;
    let rx = receiver(vec![500, 503]).await; // two failures, then 200
    api.subscribe(&rx.url, "category").await;
    api.update(json!({"type":"ProjectCategory","name":"C"})).await;
    assert!(rx.wait_until(|got| got.len() == 1).await);
    assert_eq!(*rx.hits.lock().unwrap(), 3);
    let st = api.state().await;
    assert_eq!(st["deliveries"][0]["attempts"], 3);
    assert_eq!(st["deliveries"][0]["status"], "delivered");

    // a receiver that is down: attempts exhausted → failed
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}/gone", l.local_addr().unwrap())
    };
    api.subscribe(&dead, "project").await;
    api.update(json!({"type":"Project","name":"P"})).await;
    let d = wait_for("the undeliverable hook marked failed", || async {
        let st = api.state().await;
        st["deliveries"].as_array().unwrap().iter().find(|d| d["hook_url"] == json!(dead) && d["status"] == "failed").cloned()
    })
    .await;
    assert_eq!(d["attempts"], 3);
    assert!(d["last_error"].as_str().unwrap().contains("connection"), "{d}");
}

#[tokio::test]
async fn webhook_validation() {
    let s = server().await;
    let api = signed_in(&s).await;
    let r = api.get("/webhooks/subscribe?trigger_type=task").await;
    assert_eq!((r.status, r.json()), (400, json!({"error":"missing values","field":"hookUrl"})));
    let r = api.subscribe("http://127.0.0.1:1/", "everything").await;
    assert_eq!((r.status, r.json()["field"].clone()), (400, json!("trigger_type")));
    let r = api.subscribe("ftp://x/", "task").await;
    assert_eq!((r.status, r.json()["error"].clone()), (403, json!("not_allowed")));
}

async fn faults(api: &Api, f: serde_json::Value) {
    let r = raw(&api.addr, "POST", "/_sandbox/faults", &[("Content-Type", "application/json")], Some(&f.to_string())).await.unwrap();
    assert_eq!(r.status, 200, "{}", r.body);
}

const SEARCH: &str = "/data/search_entity?type=Project&name=";

#[tokio::test]
async fn fault_fail_next_with_status_and_retry_after() {
    let s = server().await;
    let api = signed_in(&s).await;
    faults(&api, json!({"fail_next": 2, "status": 429, "retry_after": 7})).await;
    for _ in 0..2 {
        let r = api.get(SEARCH).await;
        assert_eq!(r.status, 429);
        assert_eq!(r.header("retry-after").as_deref(), Some("7"));
        assert_eq!(r.json()["error"], "rate_limited");
        assert_eq!(r.header("access-control-allow-origin").as_deref(), Some("*"));
    }
    assert_eq!(api.get(SEARCH).await.status, 200);
    for status in [500, 502, 503] {
        faults(&api, json!({"fail_next": 1, "status": status})).await;
        let r = api.get(SEARCH).await;
        assert_eq!(r.status, status);
        if status == 503 {
            assert!(r.header("retry-after").is_some());
        }
        assert_eq!(api.get(SEARCH).await.status, 200);
    }
    // a failed write was not applied
    faults(&api, json!({"fail_next": 1, "status": 500})).await;
    api.update(json!({"type":"ProjectCategory","id":"c1","name":"x"})).await;
    assert_eq!(api.state().await["categories"], json!([]));
    // with apply: the write happens, the answer still fails
    faults(&api, json!({"fail_next": 1, "status": 502, "apply": true})).await;
    assert_eq!(api.update(json!({"type":"ProjectCategory","id":"c1","name":"x"})).await.status, 502);
    assert_eq!(api.state().await["categories"].as_array().unwrap().len(), 1);
    // invalid fault settings are refused
    let r = raw(&api.addr, "POST", "/_sandbox/faults", &[], Some("{\"status\":418}")).await.unwrap();
    assert_eq!((r.status, r.json()["field"].clone()), (400, json!("status")));
}

#[tokio::test]
async fn fault_percent_path_prefix_and_clear() {
    let s = server().await;
    let api = signed_in(&s).await;
    faults(&api, json!({"fail_percent": 100, "status": 503, "path_prefix": "/data/summary"})).await;
    assert_eq!(api.get(SEARCH).await.status, 200);
    assert_eq!(api.get("/data/summary?from=2025-01-01%2000:00:00&to=2025-01-02%2000:00:00").await.status, 503);
    faults(&api, json!({"fail_percent": 50, "status": 500})).await;
    let mut failed = 0;
    for _ in 0..200 {
        if api.get(SEARCH).await.status == 500 {
            failed += 1;
        }
    }
    assert!((50..=150).contains(&failed), "{failed} of 200 failed at 50%");
    let r = raw(&api.addr, "DELETE", "/_sandbox/faults", &[], None).await.unwrap();
    assert_eq!(r.status, 200);
    for _ in 0..20 {
        assert_eq!(api.get(SEARCH).await.status, 200);
    }
}

#[tokio::test]
async fn fault_latency_fixed_and_random() {
    let s = server().await;
    let api = signed_in(&s).await;
    faults(&api, json!({"latency_ms": 300})).await;
    let t = Instant::now();
    assert_eq!(api.get(SEARCH).await.status, 200);
    assert!(t.elapsed() >= Duration::from_millis(300));
    faults(&api, json!({"latency_ms": 10, "latency_jitter_ms": 200})).await;
    let mut times = vec![];
    for _ in 0..8 {
        let t = Instant::now();
        assert_eq!(api.get(SEARCH).await.status, 200);
        times.push(t.elapsed().as_millis());
    }
    assert!(times.iter().all(|&ms| ms >= 10));
    assert!(times.iter().max().unwrap() - times.iter().min().unwrap() > 10, "{times:?}");
    let log = raw(&api.addr, "GET", "/_sandbox/log", &[], None).await.unwrap().json();
    assert!(log.as_array().unwrap().iter().any(|e| e["ms"].as_u64().unwrap() >= 300));
}

#[tokio::test]
async fn fault_drop_closes_the_connection_without_a_response() {
    let s = server().await;
    let api = signed_in(&s).await;
    faults(&api, json!({"fail_next": 1, "drop": true})).await;
    let h = format!("Bearer {}", api.token.as_ref().unwrap());
    let r = raw(&api.addr, "GET", SEARCH, &[("Authorization", &h)], None).await;
    assert!(r.is_err(), "expected a dropped connection, got {r:?}");
    assert_eq!(api.get(SEARCH).await.status, 200);
    let log = raw(&api.addr, "GET", "/_sandbox/log", &[], None).await.unwrap().json();
    let statuses: Vec<u64> = log.as_array().unwrap().iter().map(|e| e["status"].as_u64().unwrap()).collect();
    assert!(statuses.contains(&0), "dropped request logged with status 0: {statuses:?}");
}

#[tokio::test]
async fn fault_malformed_bodies() {
    let s = server().await;
    let api = signed_in(&s).await;
    faults(&api, json!({"fail_next": 1, "malformed": true})).await;
    let r = api.get(SEARCH).await;
    assert_eq!(r.status, 200);
    assert!(serde_json::from_str::<serde_json::Value>(&r.body).is_err(), "body should be truncated: {}", r.body);
    faults(&api, json!({"fail_next": 1, "malformed": "html"})).await;
    let r = api.get(SEARCH).await;
    assert_eq!(r.status, 200);
    assert!(r.header("content-type").unwrap().starts_with("text/html"));
    assert!(r.body.starts_with("<html>"));
    assert_eq!(api.get(SEARCH).await.json(), json!([]));
}

/// A malformed answer is a 2xx, so the write behind it was applied.
#[tokio::test]
async fn fault_malformed_answer_still_applies_the_write() {
    let s = server().await;
    let api = signed_in(&s).await;
    faults(&api, json!({"fail_next": 1, "malformed": "html", "path_prefix": "/data/update_entity"})).await;
    let r = api.post("/data/update_entity/", &json!({"type":"ProjectCategory","id":"c-malformed","name":"Kept"})).await;
    assert_eq!(r.status, 200);
    assert!(r.body.starts_with("<html>"));
    let state = raw(&api.addr, "GET", "/_sandbox/state", &[], None).await.unwrap().json();
    let names: Vec<&str> = state["categories"].as_array().unwrap().iter().filter_map(|c| c["name"].as_str()).collect();
    assert_eq!(names, vec!["Kept"]);
}

#[tokio::test]
async fn request_log_records_method_path_status() {
    let s = server().await;
    let api = signed_in(&s).await;
    raw(&api.addr, "DELETE", "/_sandbox/log", &[], None).await.unwrap();
    api.get(SEARCH).await;
    api.update(json!({"name":"x"})).await;
    api.update(json!({"type":"Project","id":"logged-id","name":"x"})).await;
    let log = raw(&api.addr, "GET", "/_sandbox/log", &[], None).await.unwrap().json();
    let log = log.as_array().unwrap();
    assert_eq!(log.len(), 3, "control calls are not logged: {log:?}");
    // A write's entity id is logged (the order in which entities were written); a body without one logs none.
    assert_eq!(log[2]["entity"], "logged-id");
    assert!(log[1].get("entity").is_none());
    assert_eq!(log[0]["method"], "GET");
    assert_eq!(log[0]["path"], "/data/search_entity");
    assert_eq!(log[0]["status"], 200);
    assert_eq!(log[1]["method"], "POST");
    assert_eq!(log[1]["status"], 400);
    assert!(log[1]["at"].as_str().unwrap().len() >= 19);
    assert!(log[1]["ms"].is_u64());
}

/// Send one update on its own connection without waiting for the answer.
async fn send_update(api: &Api, body: &Value) -> tokio::net::TcpStream {
    use tokio::io::AsyncWriteExt;
    let body = body.to_string();
    let mut c = tokio::net::TcpStream::connect(&api.addr).await.unwrap();
    let req = format!(
        "POST /data/update_entity/ HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        api.addr,
        api.token.as_ref().unwrap(),
        body.len()
    );
    c.write_all(req.as_bytes()).await.unwrap();
    c
}

async fn update_posts(api: &Api) -> usize {
    let log = raw(&api.addr, "GET", "/_sandbox/log", &[], None).await.unwrap().json();
    log.as_array().unwrap().iter().filter(|e| e["method"] == "POST" && e["path"] == "/data/update_entity/").count()
}

/// Injected latency is slept before the request is routed (a slow request
/// path): with jitter, a write sent first can land after a write sent later
/// on another connection, the reordering a client with concurrent writes
/// must survive (README "Faults").
#[tokio::test]
async fn latency_lets_an_earlier_write_land_after_a_later_one() {
    use tokio::io::AsyncReadExt;
    let s = server().await;
    let api = signed_in(&s).await;
    assert_eq!(api.update(json!({"type":"ProjectCategory","id":"c1","name":"first"})).await.status, 200);
    faults(&api, json!({"latency_ms": 1500, "path_prefix": "/data/update_entity"})).await;
    let mut slow = send_update(&api, &json!({"type":"ProjectCategory","id":"c1","name":"earlier"})).await;
    // In flight: its latency is decided, so the faults can go.
    wait_for("the slow write in flight", || async { (api.in_flight().await.len() == 1).then_some(()) }).await;
    raw(&api.addr, "DELETE", "/_sandbox/faults", &[], None).await.unwrap();
    assert_eq!(api.update(json!({"type":"ProjectCategory","id":"c1","name":"later"})).await.status, 200);
    assert_eq!(api.state().await["categories"][0]["name"], "later");
    let mut answer = String::new();
    slow.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert_eq!(api.state().await["categories"][0]["name"], "earlier", "the earlier write landed last");
}

/// A client that gives up during the delay closes its connection, and the
/// delayed request is then dropped unprocessed (the request lost on the way;
/// "applied, answer lost" is what `apply: true` models).
#[tokio::test]
async fn a_delayed_request_whose_client_is_gone_is_not_applied() {
    let s = server().await;
    let api = signed_in(&s).await;
    assert_eq!(api.update(json!({"type":"ProjectCategory","id":"c1","name":"first"})).await.status, 200);
    faults(&api, json!({"latency_ms": 1000, "path_prefix": "/data/update_entity"})).await;
    let c = send_update(&api, &json!({"type":"ProjectCategory","id":"c1","name":"abandoned"})).await;
    wait_for("the write in flight", || async { (api.in_flight().await.len() == 1).then_some(()) }).await;
    drop(c);
    // The server notices its client gone and drops the request (no longer in flight)...
    wait_for("the abandoned write dropped", || async { api.in_flight().await.is_empty().then_some(()) }).await;
    raw(&api.addr, "DELETE", "/_sandbox/faults", &[], None).await.unwrap();
    assert_eq!(api.update(json!({"type":"ProjectCategory","id":"c1","name":"newer"})).await.status, 200);
    // ...and so it can never be applied after the newer write.
    assert!(api.in_flight().await.is_empty());
    assert_eq!(api.state().await["categories"][0]["name"], "newer");
    assert_eq!(update_posts(&api).await, 2, "the abandoned request was never processed nor logged");
}

/// The statuses of `n` searches under `fail_percent` 50, after the faults
/// were posted with `seed` (or on a server started with one).
async fn statuses(api: &Api, seed: Option<u64>, n: usize) -> Vec<u16> {
    let mut f = json!({"fail_percent": 50, "status": 500, "latency_jitter_ms": 3});
    if let Some(s) = seed {
        f["seed"] = json!(s);
    }
    faults(api, f).await;
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        out.push(api.get(SEARCH).await.status);
    }
    out
}

#[tokio::test]
async fn a_fault_seed_replays_the_same_failures() {
    let s = server().await;
    let api = signed_in(&s).await;
    let a = statuses(&api, Some(42), 64).await;
    let b = statuses(&api, Some(42), 64).await;
    assert_eq!(a, b, "the same seed, the same requests: the same failures");
    assert!(a.contains(&500) && a.contains(&200), "{a:?}");
    assert_ne!(statuses(&api, Some(43), 64).await, a, "another seed, other failures");
    // Without a seed the stream goes on: the next 64 differ from the seeded ones.
    assert_ne!(statuses(&api, None, 64).await, a);
    // The answer shows the seed in force; a set without one shows none.
    let r = raw(&api.addr, "POST", "/_sandbox/faults", &[], Some("{\"seed\":7,\"fail_next\":1}")).await.unwrap();
    assert_eq!(r.json()["seed"], json!(7));
    let r = raw(&api.addr, "POST", "/_sandbox/faults", &[], Some("{\"fail_next\":1}")).await.unwrap();
    assert!(r.json().get("seed").is_none());
    // --seed: two servers started with the same seed fail the same requests.
    let mk = || async {
        let s = tyme_sandbox::start(tyme_sandbox::Config { seed: Some(9), ..cfg() }).await.unwrap();
        let api = signed_in(&s).await;
        let v = statuses(&api, None, 64).await;
        (s, v)
    };
    let (_s1, v1) = mk().await;
    let (_s2, v2) = mk().await;
    assert_eq!(v1, v2);
}

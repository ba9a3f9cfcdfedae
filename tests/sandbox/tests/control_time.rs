//! The control API's `add_time` and `stop_time` (both dialects): time
//! entries added or stopped as the Tyme app would, firing the same webhooks,
//! so tests can prove a client notices a timer stopped elsewhere.
mod common;

use common::*;
use serde_json::{json, Value};
use tyme_sandbox::{Config, Dialect};

/// A server of `dialect` with project p1, task t1 and sub-task s1 made
/// through the control-free API of that dialect.
async fn setup(dialect: Dialect) -> (tyme_sandbox::Running, Api) {
    let s = tyme_sandbox::start(Config { dialect, ..cfg() }).await.unwrap();
    let api = match dialect {
        Dialect::Seed => signed_in(&s).await,
        Dialect::Live => live_signed_in(&s).await,
    };
    let bodies = [
        json!({"type":"Project","id":"p1","name":"P"}),
        json!({"type":"TimedTask","id":"t1","name":"T","project_id":"p1","related_id":"p1"}),
        json!({"type":"TimedSubTask","id":"s1","name":"S","task_id":"t1","related_id":"t1"}),
    ];
    for b in bodies {
        let r = api.post("/data/update_entity", &b).await;
        assert_eq!(r.status, 200, "{b} -> {}", r.body);
    }
    (s, api)
}

#[tokio::test]
async fn add_time_answers_the_canonical_entry_with_a_generated_id() {
    for dialect in [Dialect::Seed, Dialect::Live] {
        let (_s, api) = setup(dialect).await;
        let body = json!({"task_id":"t1","subtask_id":"s1","time_start":"2026-11-29 09:00:00","note":"from the app","user_id":"1002"});
        let r = api.control("POST", "/_sandbox/add_time", &body).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let mut e = r.json();
        let id = e["id"].as_str().expect("id").to_string();
        match dialect {
            Dialect::Seed => assert!(uuid::Uuid::parse_str(&id).is_ok(), "seed ids are UUIDs: {id}"),
            Dialect::Live => assert!(id.parse::<u64>().is_ok_and(|n| n >= 5001), "live ids are numbers: {id}"),
        }
        e.as_object_mut().unwrap().remove("id");
        assert_eq!(
            e,
            json!({"type":"TimedTaskRecord","task_id":"t1","subtask_id":"s1","time_start":"2026-11-29 09:00:00",
                "time_end":null,"note":"from the app","user_id":"1002","billing_state":0}),
            "{dialect:?}"
        );
        assert_eq!(api.state().await["time_entries"][0]["id"], json!(id));
        // refused: no time_start, an unknown task, a stranger, an unknown key
        for (body, status, field) in [
            (json!({"task_id":"t1"}), 400, "time_start"),
            (json!({"task_id":"nope","time_start":"2026-11-29 09:00:00"}), 404, "task_id"),
            (json!({"task_id":"t1","time_start":"2026-11-29 09:00:00","user_id":"7"}), 400, "user_id"),
            (json!({"task_id":"t1","time_start":"2026-11-29 09:00:00","id":"x"}), 400, "id"),
        ] {
            let r = api.control("POST", "/_sandbox/add_time", &body).await;
            assert_eq!((r.status, r.json()["field"].clone()), (status, json!(field)), "{dialect:?} {body}");
        }
        assert_eq!(api.state().await["time_entries"].as_array().unwrap().len(), 1);
    }
}

#[tokio::test]
async fn stop_time_stops_a_running_entry_and_fires_stopped_time() {
    for dialect in [Dialect::Seed, Dialect::Live] {
        let (_s, api) = setup(dialect).await;
        let rx = receiver(vec![]).await;
        let r = match dialect {
            Dialect::Seed => api.subscribe(&rx.url, "stopped_time").await,
            Dialect::Live => api.post("/webhooks/subscribe", &json!({"hook_url":rx.url,"trigger_type":"stopped_time"})).await,
        };
        assert_eq!(r.status, 200, "{}", r.body);
        // started two hours ago, so "now" is after the start on any clock
        let (start, end_a) = (dt_from_now(-7200), dt_from_now(-3600));
        let before_start = dt_from_now(-7300);
        let add = |id: &str| json!({"task_id":"t1","time_start":start,"note":id});
        let a = api.control("POST", "/_sandbox/add_time", &add("a")).await.json()["id"].clone();
        let b = api.control("POST", "/_sandbox/add_time", &add("b")).await.json()["id"].clone();

        // an explicit end
        let r = api.control("POST", "/_sandbox/stop_time", &json!({"id":a,"time_end":end_a})).await;
        assert_eq!((r.status, r.json()["time_end"].clone()), (200, json!(end_a)), "{}", r.body);
        // default: now (between the moments before and after the call)
        let before = dt_from_now(0);
        let r = api.control("POST", "/_sandbox/stop_time", &json!({"id":b})).await;
        let after = dt_from_now(0);
        assert_eq!(r.status, 200, "{}", r.body);
        let end = r.json()["time_end"].as_str().unwrap().to_string();
        assert!(before <= end && end <= after, "{before} <= {end} <= {after}");
        let st = api.state().await;
        let stored: Vec<Value> = st["time_entries"].as_array().unwrap().iter().map(|e| e["time_end"].clone()).collect();
        assert_eq!(stored, [json!(end_a), json!(end)]);

        // not running: 409; no such entry: 404; an end before the start: 400
        let r = api.control("POST", "/_sandbox/stop_time", &json!({"id":a})).await;
        assert_eq!((r.status, r.json()["error"].clone()), (409, json!("conflict")));
        let r = api.control("POST", "/_sandbox/stop_time", &json!({"id":"nope"})).await;
        assert_eq!((r.status, r.json()["field"].clone()), (404, json!("id")));
        let c = api.control("POST", "/_sandbox/add_time", &add("c")).await.json()["id"].clone();
        let r = api.control("POST", "/_sandbox/stop_time", &json!({"id":c,"time_end":before_start})).await;
        assert_eq!((r.status, r.json()["field"].clone()), (400, json!("time_end")));
        let r = api.control("POST", "/_sandbox/stop_time", &json!({})).await;
        assert_eq!((r.status, r.json()["field"].clone()), (400, json!("id")));

        // the webhook: one stopped_time per stop, the entity in the dialect's shape
        assert!(rx.wait_until(|got| got.len() >= 2).await, "{:?}", rx.got.lock().unwrap());
        // Every delivery of what fired so far answered: no third one is on its way.
        let deliveries = api.settled_deliveries().await;
        assert_eq!(deliveries.len(), 2, "{deliveries:?}");
        let got = rx.got.lock().unwrap().clone();
        assert_eq!(got.len(), 2, "{got:?}");
        let first = &got.iter().find(|g| g["entity"]["note"] == "a").expect("a stopped")["entity"];
        assert_eq!(first["time_end"], match dialect {
            Dialect::Seed => json!(end_a),
            Dialect::Live => json!(format!("{}T{}.000Z", &end_a[..10], &end_a[11..])),
        });
        assert_eq!(first.get("type").is_some(), dialect == Dialect::Seed, "{first}");
    }
}

//! The control API's `POST /_sandbox/entities` (both dialects): many new
//! entities at once, checked as `update_entity` checks them, all or nothing.
mod common;

use common::*;
use serde_json::{json, Value};
use tyme_sandbox::{Config, Dialect};

fn ids(state: &Value, list: &str) -> Vec<String> {
    state[list].as_array().unwrap().iter().map(|x| x["id"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn entities_are_added_in_order_and_listed_by_search() {
    for dialect in [Dialect::Seed, Dialect::Live] {
        let s = tyme_sandbox::start(Config { dialect, ..cfg() }).await.unwrap();
        let api = match dialect {
            Dialect::Seed => signed_in(&s).await,
            Dialect::Live => live_signed_in(&s).await,
        };
        let mut list = vec![json!({"type":"ProjectCategory","id":"c1","name":"C"})];
        for i in 0..300 {
            list.push(json!({"type":"Project","id":format!("p{i}"),"name":format!("Project {i}"),"category_id":if i == 0 { json!("c1") } else { json!(null) }}));
        }
        for i in 0..200 {
            list.push(json!({"type":"TimedTask","id":format!("t{i}"),"name":format!("Task {i}"),"project_id":format!("p{}", i % 7)}));
        }
        list.push(json!({"type":"TimedSubTask","id":"s1","name":"Step","task_id":"t3"}));
        let r = api.control("POST", "/_sandbox/entities", &json!({ "entities": list })).await;
        assert_eq!((r.status, r.json()), (200, json!({"status":"ok","added":502})), "{dialect:?}");
        let st = api.state().await;
        let want: Vec<String> = (0..300).map(|i| format!("p{i}")).collect();
        assert_eq!(ids(&st, "projects"), want, "{dialect:?}");
        assert_eq!(ids(&st, "tasks").len(), 200);
        assert_eq!(st["tasks"][9]["project_id"], json!("p2"));
        assert_eq!(st["subtasks"][0]["task_id"], json!("t3"));
        assert_eq!(st["projects"][0]["category_id"], json!("c1"));
        // The API lists them as it lists any other.
        let path = match dialect {
            Dialect::Seed => "/data/search_entity/?type=TimedTask&name=Task%2019",
            Dialect::Live => "/data/search_entity?type=TimedTask&name=Task%2019",
        };
        let r = api.get(path).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let body = r.json();
        let found = if body.is_array() { body } else { body["data"].clone() };
        let mut names: Vec<&str> = found.as_array().unwrap().iter().map(|x| x["name"].as_str().unwrap()).collect();
        names.sort();
        assert_eq!(
            names,
            vec![
                "Task 19", "Task 190", "Task 191", "Task 192", "Task 193", "Task 194", "Task 195", "Task 196",
                "Task 197", "Task 198", "Task 199"
            ],
            "{dialect:?}"
        );
    }
}

#[tokio::test]
async fn a_refused_entity_stores_nothing_and_names_its_index() {
    let s = tyme_sandbox::start(cfg()).await.unwrap();
    let api = signed_in(&s).await;
    let ok = json!({"type":"Project","id":"p1","name":"P"});
    for (bad, status, field) in [
        (json!({"type":"TimedTask","id":"t1","name":"T","project_id":"nope"}), 404, "project_id"),
        (json!({"type":"Project","id":"p1","name":"again"}), 400, "id"),
        (json!({"type":"Project","name":"no id"}), 400, "id"),
        (json!({"type":"TimedTaskRecord","id":"r1"}), 400, "type"),
        (json!({"type":"Project","id":"p2","name":""}), 400, "name"),
        (json!("a string"), 400, "body"),
    ] {
        let r = api.control("POST", "/_sandbox/entities", &json!({ "entities": [ok.clone(), bad.clone()] })).await;
        let b = r.json();
        assert_eq!(
            (r.status, b["field"].clone(), b["index"].clone()),
            (status, json!(field), json!(1)),
            "{bad} -> {b}"
        );
        assert_eq!(api.state().await["projects"], json!([]), "nothing stored after {bad}");
    }
    let r = api.control("POST", "/_sandbox/entities", &json!({ "entities": {} })).await;
    assert_eq!((r.status, r.json()["field"].clone()), (400, json!("entities")));
}

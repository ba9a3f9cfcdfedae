mod common;

use common::*;
use serde_json::{json, Value};

async fn make_tree(api: &Api) -> (String, String, String, String) {
    let c = api.update(json!({"type":"ProjectCategory","name":"Clients"})).await.json();
    let p = api
        .update(json!({"type":"Project","name":"Website","category_id":c["id"],"rounding_method":"UP","rounding_minutes":15,"hourly_rate":90.5,"planned_duration_hours":12.5,"planned_budget":1000.0}))
        .await
        .json();
    let t = api
        .update(json!({"type":"TimedTask","name":"Design","project_id":p["id"],"billable":true,"planned_duration":3600}))
        .await
        .json();
    let st = api.update(json!({"type":"TimedSubTask","name":"Homepage","task_id":t["id"],"planned_duration":600})).await.json();
    let s = |v: &Value| v["id"].as_str().unwrap().to_string();
    (s(&c), s(&p), s(&t), s(&st))
}

#[tokio::test]
async fn create_returns_stored_entities_in_the_documented_shapes() {
    let s = server().await;
    let api = signed_in(&s).await;
    let (c, p, t, st) = make_tree(&api).await;
    let state = api.state().await;
    assert_eq!(state["categories"], json!([{"type":"ProjectCategory","id":c,"name":"Clients"}]));
    assert_eq!(
        state["projects"][0],
        json!({"type":"Project","id":p,"name":"Website","category_id":c,"rounding_method":"UP","rounding_minutes":15,"hourly_rate":90.5,"planned_duration_hours":12.5,"planned_budget":1000.0})
    );
    assert_eq!(state["tasks"][0], json!({"type":"TimedTask","id":t,"name":"Design","project_id":p,"billable":true,"planned_duration":3600}));
    assert_eq!(state["subtasks"][0], json!({"type":"TimedSubTask","id":st,"name":"Homepage","task_id":t,"planned_duration":600}));

    // a record on a sub-task carries both ids
    let e = api
        .update(json!({"type":"TimedTaskRecord","task_id":"","subtask_id":st,"time_start":"2025-03-01 10:00:00","time_end":null,"note":"n"}))
        .await;
    assert_eq!(e.status, 200, "{}", e.body);
    let e = e.json();
    assert_eq!(e["task_id"], json!(t));
    assert_eq!(e["subtask_id"], json!(st));
    assert_eq!(e["time_end"], Value::Null);
}

#[tokio::test]
async fn upsert_by_caller_id_is_idempotent() {
    let s = server().await;
    let api = signed_in(&s).await;
    let (_, p, _, _) = make_tree(&api).await;
    let body = json!({"type":"TimedTask","id":"client-1","name":"Write","project_id":p,"billable":false,"planned_duration":0});
    let a = api.update(body.clone()).await;
    let b = api.update(body).await;
    assert_eq!(a.status, 200);
    assert_eq!(a.json(), b.json());
    let state = api.state().await;
    let n = state["tasks"].as_array().unwrap().iter().filter(|t| t["id"] == "client-1").count();
    assert_eq!(n, 1);
    // update by id changes the entity, keeps missing fields
    let r = api.update(json!({"type":"TimedTask","id":"client-1","name":"Rewrite"})).await.json();
    assert_eq!(r["name"], "Rewrite");
    assert_eq!(r["project_id"], json!(p));
    assert_eq!(api.state().await["tasks"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn validation_names_the_field() {
    let s = server().await;
    let api = signed_in(&s).await;
    let (c, p, t, _) = make_tree(&api).await;
    let cases = vec![
        (json!({"name":"x"}), 400, "type"),
        (json!({"type":"Nope","name":"x"}), 400, "type"),
        (json!({"type":"ProjectCategory"}), 400, "name"),
        (json!({"type":"ProjectCategory","name":"  "}), 400, "name"),
        (json!({"type":"ProjectCategory","name":5}), 400, "name"),
        (json!({"type":"ProjectCategory","id":7,"name":"x"}), 400, "id"),
        (json!({"type":"Project","name":"x","rounding_method":"SIDEWAYS"}), 400, "rounding_method"),
        (json!({"type":"Project","name":"x","rounding_minutes":1.5}), 400, "rounding_minutes"),
        (json!({"type":"Project","name":"x","hourly_rate":"ten"}), 400, "hourly_rate"),
        (json!({"type":"Project","name":"x","category_id":"missing"}), 404, "category_id"),
        (json!({"type":"TimedTask","name":"x"}), 400, "project_id"),
        (json!({"type":"TimedTask","name":"x","project_id":"missing"}), 404, "project_id"),
        (json!({"type":"TimedTask","name":"x","project_id":p,"billable":"yes"}), 400, "billable"),
        (json!({"type":"TimedSubTask","name":"x"}), 400, "task_id"),
        (json!({"type":"TimedSubTask","name":"x","task_id":c}), 404, "task_id"),
        (json!({"type":"TimedTaskRecord","time_start":"2025-01-01 00:00:00"}), 400, "task_id"),
        (json!({"type":"TimedTaskRecord","task_id":t}), 400, "time_start"),
        (json!({"type":"TimedTaskRecord","task_id":t,"time_start":"2025-01-01T00:00:00Z"}), 400, "time_start"),
        (json!({"type":"TimedTaskRecord","task_id":t,"time_start":"2025-01-01 10:00:00","time_end":"2025-01-01 09:00:00"}), 400, "time_end"),
        (json!({"type":"TimedTaskRecord","task_id":t,"time_start":"2025-01-01 10:00:00","time_end":"soon"}), 400, "time_end"),
        (json!({"type":"TimedTaskRecord","subtask_id":"missing","time_start":"2025-01-01 10:00:00"}), 404, "subtask_id"),
        (json!({"type":"TimedTaskRecord","task_id":t,"time_start":"2025-01-01 10:00:00","note":3}), 400, "note"),
        (json!([1, 2]), 400, "body"),
    ];
    for (body, status, field) in cases {
        let r = api.update(body.clone()).await;
        assert_eq!(r.status, status, "{body} -> {}", r.body);
        let j = r.json();
        assert_eq!(j["field"], field, "{body} -> {}", r.body);
        assert!(j["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    let r = api.post("/data/update_entity", &json!(null)).await;
    assert_eq!(r.status, 400);
    let r = raw(&api.addr, "POST", "/data/update_entity", &[("Authorization", &format!("Bearer {}", api.token.as_ref().unwrap()))], Some("{not json")).await.unwrap();
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["field"], "body");
    let r = api.get("/data/search_entity?name=x").await;
    assert_eq!((r.status, r.json()["field"].clone()), (400, json!("type")));
    let r = api.get("/data/summary?from=2025-01-01%2000:00:00").await;
    assert_eq!((r.status, r.json()["field"].clone()), (400, json!("to")));
    let r = api.get("/data/summary?from=2025-01-02%2000:00:00&to=2025-01-01%2000:00:00").await;
    assert_eq!((r.status, r.json()["field"].clone()), (400, json!("to")));
    // nothing invalid was stored
    assert_eq!(api.state().await["projects"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn live_shapes_are_accepted() {
    let s = server().await;
    let api = signed_in(&s).await;
    let (c, _, _, _) = make_tree(&api).await;
    let p = api
        .update(json!({"type":"Project","name":"Live","related_id":c,"default_hourly_rate":80,"planned_duration":7200}))
        .await;
    assert_eq!(p.status, 200, "{}", p.body);
    let p = p.json();
    assert_eq!(p["category_id"], json!(c));
    assert_eq!(p["hourly_rate"], 80.0);
    assert_eq!(p["planned_duration_hours"], 2.0);
    let t = api.update(json!({"type":"TimedTask","name":"LiveTask","project_id":p["id"]})).await.json();
    let st = api.update(json!({"type":"TimedSubTask","name":"LiveSub","task_id":t["id"]})).await.json();
    let e = api
        .update(json!({"type":"TimedTaskRecord","related_id":st["id"],"user_id":"u1","time_start":"2025-01-01 10:00:00","time_end":"2025-01-01 11:00:00","note":""}))
        .await;
    assert_eq!(e.status, 200, "{}", e.body);
    assert_eq!(e.json()["task_id"], t["id"]);
    assert_eq!(e.json()["subtask_id"], st["id"]);
    let e = api.update(json!({"type":"TimedTaskRecord","related_id":t["id"],"time_start":"2025-01-01 12:00:00"})).await.json();
    assert_eq!(e["subtask_id"], "");
}

#[tokio::test]
async fn search_filters_by_name_and_parent_with_and_without_slash() {
    let s = server().await;
    let api = signed_in(&s).await;
    let (c, p, t, _) = make_tree(&api).await;
    let p2 = api.update(json!({"type":"Project","name":"Internal website"})).await.json();
    api.update(json!({"type":"TimedTask","name":"Design review","project_id":p2["id"]})).await;
    api.update(json!({"type":"TimedTask","name":"Build","project_id":p})).await;

    let names = |r: R| -> Vec<String> {
        let mut v: Vec<String> = r.json().as_array().unwrap().iter().map(|x| x["name"].as_str().unwrap().to_string()).collect();
        v.sort();
        v
    };
    assert_eq!(names(api.get("/data/search_entity/?type=Project&name=WEBSITE").await), vec!["Internal website", "Website"]);
    assert_eq!(names(api.get(&format!("/data/search_entity?type=Project&name=web&parent_id={c}")).await), vec!["Website"]);
    assert_eq!(names(api.get("/data/search_entity?type=TimedTask&name=design").await), vec!["Design", "Design review"]);
    assert_eq!(names(api.get(&format!("/data/search_entity/?type=TimedTask&name=&parent_id={p}")).await), vec!["Build", "Design"]);
    assert_eq!(names(api.get(&format!("/data/search_entity/?type=TimedSubTask&name=home&parent_id={t}")).await), vec!["Homepage"]);
    assert_eq!(names(api.get("/data/search_entity/?type=TimedSubTask&name=home&parent_id=other").await), Vec::<String>::new());
    assert_eq!(names(api.get("/data/search_entity/?type=ProjectCategory&name=").await), vec!["Clients"]);
    let r = api.get("/data/search_entity?type=TimedTask&name=nothing-like-this").await;
    assert_eq!(r.json(), json!([]));
    // the seed's JSON parameters, sent as a body, are accepted as well
    let r = api.send("GET", "/data/search_entity/", &json!({"type":"Project","name":"inter"})).await;
    assert_eq!(names(r), vec!["Internal website"]);
}

#[tokio::test]
async fn summary_totals_clipping_running_entries_and_names() {
    let s = server().await;
    let api = signed_in(&s).await;
    let (c, p, t, st) = make_tree(&api).await;
    let other = api.update(json!({"type":"TimedTask","name":"Other","project_id":p,"billable":false})).await.json();
    let rec = |task: &str, sub: &str, a: &str, b: Option<&str>| {
        json!({"type":"TimedTaskRecord","task_id":task,"subtask_id":sub,"time_start":a,"time_end":b,"note":""})
    };
    // 1 h inside, 2 h starting before `from` (1 h counts), 30 min on the sub-task
    api.update(rec(&t, "", "2025-03-01 10:00:00", Some("2025-03-01 11:00:00"))).await;
    api.update(rec(&t, "", "2025-02-28 23:00:00", Some("2025-03-01 01:00:00"))).await;
    api.update(rec("", &st, "2025-03-01 12:00:00", Some("2025-03-01 12:30:00"))).await;
    // outside the range
    api.update(rec(other["id"].as_str().unwrap(), "", "2025-03-05 10:00:00", Some("2025-03-05 11:00:00"))).await;

    let r = api.get("/data/summary/?from=2025-03-01%2000:00:00&to=2025-03-01%2023:59:59").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let rows = r.json();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 2, "{rows:?}");
    let task_row = rows.iter().find(|r| r["subtask_id"].is_null()).unwrap();
    assert_eq!(task_row["duration"], 7200);
    assert_eq!(task_row["entries"], 2);
    assert_eq!(task_row["task_id"], json!(t));
    assert_eq!(task_row["task_name"], "Design");
    assert_eq!(task_row["project_id"], json!(p));
    assert_eq!(task_row["project_name"], "Website");
    assert_eq!(task_row["category_id"], json!(c));
    assert_eq!(task_row["category_name"], "Clients");
    assert_eq!(task_row["billable"], true);
    assert_eq!(task_row["rounding_method"], "UP");
    assert_eq!(task_row["rounding_minutes"], 15);
    assert_eq!(task_row["hourly_rate"], 90.5);
    let sub_row = rows.iter().find(|r| r["subtask_id"] == json!(st)).unwrap();
    assert_eq!(sub_row["duration"], 1800);
    assert_eq!(sub_row["subtask_name"], "Homepage");
    assert_eq!(sub_row["task_id"], json!(t));

    // a running entry started 90 s ago counts up to now
    let start = (chrono::Utc::now().naive_utc() - chrono::Duration::seconds(90)).format("%Y-%m-%d %H:%M:%S").to_string();
    let run = api.update(rec(other["id"].as_str().unwrap(), "", &start, None)).await.json();
    let from = (chrono::Utc::now().naive_utc() - chrono::Duration::hours(1)).format("%Y-%m-%d %H:%M:%S").to_string();
    let to = (chrono::Utc::now().naive_utc() + chrono::Duration::hours(1)).format("%Y-%m-%d %H:%M:%S").to_string();
    let r = api.get(&format!("/data/summary?from={}&to={}", enc(&from), enc(&to))).await.json();
    let row = &r.as_array().unwrap()[0];
    assert_eq!(row["task_name"], "Other");
    let d = row["duration"].as_i64().unwrap();
    assert!((89..=100).contains(&d), "running entry counted {d} s");
    // stopping it with the same id
    let stop = (chrono::Utc::now().naive_utc() - chrono::Duration::seconds(30)).format("%Y-%m-%d %H:%M:%S").to_string();
    let r = api.update(json!({"type":"TimedTaskRecord","id":run["id"],"time_end":stop})).await.json();
    assert_eq!(r["time_end"], json!(stop));
    let r = api.get(&format!("/data/summary?from={}&to={}", enc(&from), enc(&to))).await.json();
    let d = r[0]["duration"].as_i64().unwrap();
    assert!((59..=61).contains(&d), "stopped entry counted {d} s");
}

#[tokio::test]
async fn trailing_slash_both_ways_and_unknown_paths() {
    let s = server().await;
    let api = signed_in(&s).await;
    for path in ["/data/search_entity?type=Project&name=", "/data/search_entity/?type=Project&name="] {
        assert_eq!(api.get(path).await.status, 200, "{path}");
    }
    assert_eq!(api.update(json!({"type":"ProjectCategory","name":"a"})).await.status, 200);
    assert_eq!(api.post("/data/update_entity", &json!({"type":"ProjectCategory","name":"b"})).await.status, 200);
    assert_eq!(api.get("/data/nothing").await.status, 404);
    assert_eq!(api.get("/data/update_entity").await.status, 405);
}

#[tokio::test]
async fn cors_preflight_and_headers_on_every_response() {
    let s = server().await;
    let addr = s.addr.to_string();
    let r = raw(&addr, "OPTIONS", "/data/update_entity/", &[("Origin", "http://localhost:5173"), ("Access-Control-Request-Method", "POST"), ("Access-Control-Request-Headers", "authorization,content-type")], None)
        .await
        .unwrap();
    assert_eq!(r.status, 204);
    assert_eq!(r.header("access-control-allow-origin").as_deref(), Some("*"));
    let allow = r.header("access-control-allow-headers").unwrap().to_lowercase();
    assert!(allow.contains("authorization") && allow.contains("content-type"));
    assert!(r.header("access-control-allow-methods").unwrap().contains("POST"));
    // also on errors and on the token endpoint
    let r = raw(&addr, "GET", "/data/summary", &[], None).await.unwrap();
    assert_eq!(r.status, 401);
    assert_eq!(r.header("access-control-allow-origin").as_deref(), Some("*"));
    let r = raw(&addr, "POST", "/v1/access_token", &[], Some("")).await.unwrap();
    assert_eq!(r.header("access-control-allow-origin").as_deref(), Some("*"));
}

#[tokio::test]
async fn demo_seed_and_reset() {
    let s = tyme_sandbox::start(tyme_sandbox::Config { demo: true, ..cfg() }).await.unwrap();
    let api = signed_in(&s).await;
    let st = api.state().await;
    assert!(st["projects"].as_array().unwrap().len() >= 3);
    assert!(st["subtasks"].as_array().unwrap().len() >= 2);
    api.update(json!({"type":"ProjectCategory","name":"Extra"})).await;
    let r = raw(&api.addr, "POST", "/_sandbox/reset", &[], None).await.unwrap();
    assert_eq!(r.status, 200);
    let st2 = api.state().await;
    assert_eq!(st2["categories"], st["categories"]);
    assert_eq!(st2["stats"]["tokens_issued"], 0);
    // tokens are gone after reset, the clients stay
    assert_eq!(api.get("/data/search_entity?type=Project&name=").await.status, 401);
    let mut api = Api::new(&s);
    sign_in(&mut api).await;
}

#[tokio::test]
async fn control_api_is_off_without_the_flag() {
    let s = tyme_sandbox::start(tyme_sandbox::Config { control: false, ..cfg() }).await.unwrap();
    let r = raw(&s.addr.to_string(), "GET", "/_sandbox/state", &[], None).await.unwrap();
    assert_eq!(r.status, 404);
    let r = raw(&s.addr.to_string(), "POST", "/_sandbox/reset", &[], None).await.unwrap();
    assert_eq!(r.status, 404);
}

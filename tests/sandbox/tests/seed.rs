//! The seed dialect (the default) is strict where the live one differs, so
//! a client has to discover which one it talks to (README "Dialects").
//! Real HTTP on 127.0.0.1.
mod common;

use common::*;
use serde_json::{json, Value};

#[tokio::test]
async fn root_names_the_dialect() {
    let s = server().await;
    let r = raw(&s.addr.to_string(), "GET", "/", &[], None).await.unwrap();
    assert_eq!((r.json()["name"].clone(), r.json()["dialect"].clone()), (json!("tyme-sandbox"), json!("seed")));
}

/// Refreshing is only at /v1/refresh_token: grant_type=refresh_token at
/// /v1/access_token is refused (JSON or form), and the refresh token stays
/// good for the right endpoint.
#[tokio::test]
async fn refresh_at_access_token_is_an_unsupported_grant() {
    let s = server().await;
    let mut api = Api::new(&s);
    let (_, refresh) = sign_in(&mut api).await;
    let expected = json!({"error":"unsupported_grant_type","error_description":"refresh at /v1/refresh_token"});
    let r = api.post("/v1/access_token", &json!({"grant_type":"refresh_token","refresh_token":refresh,"client_id":"app"})).await;
    assert_eq!((r.status, r.json()), (400, expected.clone()));
    let r = form_token(&api.addr, &format!("grant_type=refresh_token&refresh_token={refresh}&client_id=app")).await;
    assert_eq!((r.status, r.json()), (400, expected));
    let r = api.post("/v1/refresh_token/", &json!({"grant_type":"refresh_token","refresh_token":refresh,"client_id":"app"})).await;
    assert_eq!(r.status, 200, "{}", r.body);
}

/// The live dialect's extra endpoints do not exist in the seed.
#[tokio::test]
async fn live_only_endpoints_are_not_found() {
    let s = server().await;
    let api = signed_in(&s).await;
    let not_found = json!({"error":"not_found","message":"no such endpoint"});
    for path in [
        "/data/times?from=2026-01-01%2000:00:00&to=2026-01-02%2000:00:00",
        "/data/members",
        "/data/members/me",
        "/data/members/1001",
    ] {
        let r = api.get(path).await;
        assert_eq!((r.status, r.json()), (404, not_found.clone()), "{path}");
    }
    let r = api.send("DELETE", "/data/entity?time_ids[]=x", &json!({})).await;
    assert_eq!((r.status, r.json()), (404, not_found));
}

/// Webhooks: subscribe by GET only, unsubscribe by POST only.
#[tokio::test]
async fn webhook_methods_of_the_live_client_are_not_allowed() {
    let s = server().await;
    let api = signed_in(&s).await;
    let hook = "http://127.0.0.1:1/h";
    let r = api.post("/webhooks/subscribe", &json!({"hookUrl":hook,"trigger_type":"task"})).await;
    assert_eq!(r.status, 405);
    assert_eq!(api.state().await["webhooks"], json!([]));
    assert_eq!(api.subscribe(hook, "task").await.status, 200);
    let r = api.send("DELETE", "/webhooks/unsubscribe/", &json!({"hookUrl":hook,"trigger_type":"task"})).await;
    assert_eq!(r.status, 405);
    assert_eq!(api.state().await["webhooks"].as_array().unwrap().len(), 1);
    // unsubscribing what is not subscribed is fine in the seed
    for _ in 0..2 {
        let r = api.post("/webhooks/unsubscribe/", &json!({"hookUrl":hook,"trigger_type":"task"})).await;
        assert_eq!((r.status, r.json()), (200, json!({"status":"success"})));
    }
}

/// search_entity without a name matches all, as an empty name does.
#[tokio::test]
async fn search_without_a_name_is_all() {
    let s = server().await;
    let api = signed_in(&s).await;
    for n in ["A", "B"] {
        assert_eq!(api.update(json!({"type":"ProjectCategory","name":n})).await.status, 200);
    }
    for q in ["/data/search_entity/?type=ProjectCategory", "/data/search_entity?type=ProjectCategory&name="] {
        let r = api.get(q).await;
        assert_eq!(r.json().as_array().map(Vec::len), Some(2), "{q}: {}", r.body);
    }
}

fn refused(r: &R, field: &str, what: &Value) {
    assert_eq!((r.status, r.json()["field"].clone()), (400, json!(field)), "{what} -> {}", r.body);
}

/// A seed name and its live alias sent together must agree; then the
/// request passes and the answer is the seed's.
#[tokio::test]
async fn seed_names_and_live_aliases_must_agree() {
    let s = server().await;
    let api = signed_in(&s).await;
    for body in [
        json!({"type":"ProjectCategory","id":"c1","name":"C1"}),
        json!({"type":"ProjectCategory","id":"c2","name":"C2"}),
    ] {
        assert_eq!(api.update(body).await.status, 200);
    }
    let disagreeing = [
        (json!({"type":"Project","id":"p1","name":"P","category_id":"c1","related_id":"c2"}), "related_id"),
        (json!({"type":"Project","id":"p1","name":"P","category_id":"c1","related_id":null}), "related_id"),
        (json!({"type":"Project","id":"p1","name":"P","hourly_rate":90,"default_hourly_rate":95}), "default_hourly_rate"),
        (json!({"type":"Project","id":"p1","name":"P","hourly_rate":90,"default_hourly_rate":"90"}), "default_hourly_rate"),
        (json!({"type":"Project","id":"p1","name":"P","planned_duration_hours":2,"planned_duration":3600}), "planned_duration"),
    ];
    for (body, field) in &disagreeing {
        refused(&api.update(body.clone()).await, field, body);
    }
    let r = api
        .update(json!({"type":"Project","id":"p1","name":"P","category_id":"c1","related_id":"c1","hourly_rate":90,
            "default_hourly_rate":90.0,"planned_duration_hours":2.5,"planned_duration":9000}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        r.json(),
        json!({"type":"Project","id":"p1","name":"P","category_id":"c1","rounding_method":"NEAREST","rounding_minutes":0,
            "hourly_rate":90.0,"planned_duration_hours":2.5,"planned_budget":0.0})
    );
    let r = api.update(json!({"type":"Project","id":"p2","name":"Q","category_id":"","related_id":null})).await;
    assert_eq!((r.status, r.json()["category_id"].clone()), (200, Value::Null), "{}", r.body);

    for body in [
        json!({"type":"TimedTask","id":"t1","name":"T","project_id":"p1","related_id":"p2"}),
        json!({"type":"TimedSubTask","id":"s1","name":"S","task_id":"t1","related_id":"t2"}),
    ] {
        refused(&api.update(body.clone()).await, "related_id", &body);
    }
    let r = api.update(json!({"type":"TimedTask","id":"t1","name":"T","project_id":"p1","related_id":"p1"})).await;
    assert_eq!((r.status, r.json()["project_id"].clone()), (200, json!("p1")), "{}", r.body);
    let r = api.update(json!({"type":"TimedSubTask","id":"s1","name":"S","task_id":"t1","related_id":"t1"})).await;
    assert_eq!((r.status, r.json()["task_id"].clone()), (200, json!("t1")), "{}", r.body);

    // a record names its sub-task in related_id when it has one, else its task
    let at = "2026-11-29 09:00:00";
    for body in [
        json!({"type":"TimedTaskRecord","task_id":"t1","related_id":"s1","time_start":at}),
        json!({"type":"TimedTaskRecord","task_id":"t1","subtask_id":"s1","related_id":"t1","time_start":at}),
    ] {
        refused(&api.update(body.clone()).await, "related_id", &body);
    }
    assert_eq!(api.state().await["time_entries"], json!([]));
    let r = api.update(json!({"type":"TimedTaskRecord","id":"e1","task_id":"t1","related_id":"t1","time_start":at})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = api
        .update(json!({"type":"TimedTaskRecord","id":"e2","task_id":"t1","subtask_id":"s1","related_id":"s1","user_id":"1002","time_start":at}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    // the answer stays the seed's (no user_id); the state keeps it
    assert_eq!(
        r.json(),
        json!({"type":"TimedTaskRecord","id":"e2","task_id":"t1","subtask_id":"s1","time_start":at,"time_end":null,"note":""})
    );
    let st = api.state().await;
    let users: Vec<Value> = st["time_entries"].as_array().unwrap().iter().map(|e| e["user_id"].clone()).collect();
    assert_eq!(users, [Value::Null, json!("1002")]);
}

//! The sandbox is strict where a lenient reading would hide a client mistake:
//! date-times in exactly `Y-m-d H:i:s`, and no field outside the seed's list
//! (plus the documented live aliases). Real HTTP on 127.0.0.1.
mod common;

use common::*;
use serde_json::{json, Value};

async fn task(api: &Api) -> (String, String) {
    let p = api.update(json!({"type":"Project","id":"p1","name":"P"})).await;
    assert_eq!(p.status, 200, "{}", p.body);
    let t = api.update(json!({"type":"TimedTask","id":"t1","name":"T","project_id":"p1"})).await;
    assert_eq!(t.status, 200, "{}", t.body);
    ("p1".into(), "t1".into())
}

fn assert_field(r: &R, status: u16, field: &str, what: &Value) {
    assert_eq!(r.status, status, "{what} -> {}", r.body);
    assert_eq!(r.json()["field"], field, "{what} -> {}", r.body);
}

/// Shapes that chrono's `%Y-%m-%d %H:%M:%S` alone lets through, a leap
/// second, and calendar nonsense: each refused with 400 naming the field, in
/// update_entity (time_start, time_end) and summary (from, to).
#[tokio::test]
async fn date_times_must_have_the_exact_shape() {
    let s = server().await;
    let api = signed_in(&s).await;
    let (_, t) = task(&api).await;
    let wrong = [
        "2025-1-01  00:00:00",  // unpadded month, two spaces
        "+025-01-01 00:00:00",  // sign before the year
        "2025-01-01 00:00:60",  // leap second
        "2025-06-30 23:59:60",  // leap second on a real leap-second date
        "2025-01-01 0:00:000",  // digits shifted
        "2025-01-01T00:00:00",  // ISO T
        "2025-01-01 00:00:0Z",
        "2025/01/01 00:00:00",
        "2025-02-30 00:00:00",  // shape fine, calendar not
        "2025-01-01 24:00:00",
        "٢025-01-01 00:00:0",   // a non-ASCII digit (19 bytes in all)
        " 2025-01-01 00:00:0",
    ];
    for w in wrong {
        let body = json!({"type":"TimedTaskRecord","task_id":t,"time_start":w});
        assert_field(&api.update(body.clone()).await, 400, "time_start", &body);
        let body = json!({"type":"TimedTaskRecord","task_id":t,"time_start":"2025-01-01 00:00:00","time_end":w});
        assert_field(&api.update(body.clone()).await, 400, "time_end", &body);
        let q = format!("/data/summary/?from={}&to=2025-12-31%2000:00:00", enc(w));
        assert_field(&api.get(&q).await, 400, "from", &json!(q));
        let q = format!("/data/summary/?from=2025-01-01%2000:00:00&to={}", enc(w));
        assert_field(&api.get(&q).await, 400, "to", &json!(q));
    }
    assert_eq!(api.state().await["time_entries"], json!([]), "nothing refused was stored");

    // the right shape still passes, at the edges of the clock and calendar
    for ok in ["2024-02-29 23:59:59", "0001-01-01 00:00:00", "9999-12-31 23:59:59"] {
        let body = json!({"type":"TimedTaskRecord","task_id":t,"time_start":ok,"time_end":ok});
        let r = api.update(body.clone()).await;
        assert_eq!(r.status, 200, "{body} -> {}", r.body);
        assert_eq!(r.json()["time_start"], ok);
    }
}

/// A key outside the seed's list for the type (plus the documented live
/// aliases) is refused with 400 naming it, and nothing is stored; the seed's
/// full bodies and the live aliases still pass.
#[tokio::test]
async fn update_entity_refuses_unknown_fields() {
    let s = server().await;
    let api = signed_in(&s).await;
    let (p, t) = task(&api).await;
    let before = api.state().await;
    let cases = vec![
        (json!({"type":"ProjectCategory","name":"C","colour":"red"}), "colour"),
        (json!({"type":"Project","name":"P2","planned_duration_hour":3.5}), "planned_duration_hour"),
        (json!({"type":"Project","id":"p1","name":"P","hourlyRate":10}), "hourlyRate"),
        (json!({"type":"TimedTask","name":"T2","project_id":p,"biilable":true}), "biilable"),
        (json!({"type":"TimedTask","name":"T2","project_id":p,"user_id":"u1"}), "user_id"),
        (json!({"type":"TimedSubTask","name":"S","task_id":t,"planned_duration_hours":1}), "planned_duration_hours"),
        (json!({"type":"TimedTaskRecord","task_id":t,"time_start":"2025-01-01 00:00:00","notes":"x"}), "notes"),
        (json!({"type":"TimedTaskRecord","task_id":t,"time_start":"2025-01-01 00:00:00","duration":60}), "duration"),
        (json!({"type":"TimedTaskRecord","task_id":t,"time_start":"2025-01-01 00:00:00","project_id":p}), "project_id"),
    ];
    for (body, field) in cases {
        let r = api.update(body.clone()).await;
        assert_field(&r, 400, field, &body);
        assert_eq!(r.json()["error"], "invalid_request");
        assert!(r.json()["message"].as_str().unwrap().contains("unknown field"), "{}", r.body);
    }
    // a long unknown key is echoed shortened
    let long = "k".repeat(500);
    let r = api.update(json!({"type":"ProjectCategory","name":"C",long.clone():1})).await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["field"], "k".repeat(60));
    assert!(r.body.len() < 600, "{}", r.body);
    assert_eq!(api.state().await, before, "nothing refused was stored");

    // every seed field, and the live aliases, are accepted
    let ok = vec![
        json!({"type":"ProjectCategory","id":"c1","name":"C"}),
        json!({"type":"Project","id":"p2","name":"P2","category_id":"c1","rounding_method":"UP","rounding_minutes":5,"hourly_rate":1.5,"planned_duration_hours":2.0,"planned_budget":3.0}),
        json!({"type":"Project","id":"p3","name":"P3","related_id":"c1","default_hourly_rate":2,"planned_duration":3600}),
        json!({"type":"TimedTask","id":"t2","name":"T2","project_id":"p2","billable":true,"planned_duration":60}),
        json!({"type":"TimedTask","id":"t3","name":"T3","related_id":"p2"}),
        json!({"type":"TimedSubTask","id":"s1","name":"S","task_id":"t2","planned_duration":60}),
        json!({"type":"TimedSubTask","id":"s2","name":"S2","related_id":"t2"}),
        json!({"type":"TimedTaskRecord","id":"e1","task_id":"t2","subtask_id":"","time_start":"2025-01-01 00:00:00","time_end":null,"note":""}),
        json!({"type":"TimedTaskRecord","id":"e2","related_id":"s1","user_id":"u1","time_start":"2025-01-01 00:00:00"}),
    ];
    for body in ok {
        let r = api.update(body.clone()).await;
        assert_eq!(r.status, 200, "{body} -> {}", r.body);
    }
}

/// Webhook calls take hookUrl and trigger_type, nothing else: another key
/// (the live dialect's `hook_url` too) is a 400 `missing values` naming it.
#[tokio::test]
async fn webhooks_refuse_unknown_fields() {
    let s = server().await;
    let api = signed_in(&s).await;
    let hook = "http://127.0.0.1:1/h";
    let r = api.get(&format!("/webhooks/subscribe/?hookUrl={}&trigger_type=task&triger=time", enc(hook))).await;
    assert_eq!((r.status, r.json()["error"].clone(), r.json()["field"].clone()), (400, json!("missing values"), json!("triger")));
    let r = api.get(&format!("/webhooks/subscribe/?hookURL={}&trigger_type=task", enc(hook))).await;
    assert_eq!((r.status, r.json()["field"].clone()), (400, json!("hookURL")));
    let r = api.get(&format!("/webhooks/subscribe/?hookUrl={}&trigger_type=task&secret=x", enc(hook))).await;
    assert_eq!((r.status, r.json()["field"].clone()), (400, json!("secret")));
    let r = api.get(&format!("/webhooks/subscribe/?hook_url={}&trigger_type=task", enc(hook))).await;
    assert_eq!((r.status, r.json()["field"].clone()), (400, json!("hook_url")));
    let r = api.post("/webhooks/unsubscribe/", &json!({"hookUrl":hook,"hook_url":hook,"trigger_type":"task"})).await;
    assert_eq!((r.status, r.json()["field"].clone()), (400, json!("hook_url")));
    let r = api.post("/webhooks/unsubscribe/", &json!({"hookUrl":hook,"trigger":"task"})).await;
    assert_eq!((r.status, r.json()["field"].clone()), (400, json!("trigger")));
    assert_eq!(api.state().await["webhooks"], json!([]));

    // the seed's shapes still work
    let r = api.get(&format!("/webhooks/subscribe/?hookUrl={}&trigger_type=task", enc(hook))).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = api.subscribe(hook, "time").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = api.post("/webhooks/unsubscribe/", &json!({"hookUrl":hook,"trigger_type":"task"})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(api.state().await["webhooks"], json!([{"hook_url":hook,"trigger_type":"time"}]));
}

/// OAuth endpoints follow RFC 6749 (3.1, 3.2: unrecognized parameters are
/// ignored), so extra parameters are not an error there.
#[tokio::test]
async fn oauth_ignores_unknown_parameters() {
    let s = server().await;
    let code = get_code(&s.addr.to_string(), "app", "&scope=all&prompt=login").await;
    let r = raw(
        &s.addr.to_string(),
        "POST",
        "/v1/access_token",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        Some(&format!(
            "grant_type=authorization_code&code={code}&redirect_uri={}&client_id=app&scope=all&resource=x",
            enc(REDIRECT)
        )),
    )
    .await
    .unwrap();
    assert_eq!(r.status, 200, "{}", r.body);
    let refresh = r.json()["refresh_token"].as_str().unwrap().to_string();
    let mut api = Api::new(&s);
    let r = api
        .post("/v1/refresh_token", &json!({"grant_type":"refresh_token","refresh_token":refresh,"client_id":"app","scope":"all"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    api.token = Some(r.json()["access_token"].as_str().unwrap().to_string());
    assert_eq!(api.get("/data/search_entity/?type=Project&name=").await.status, 200);
}

//! The live dialect (`--dialect live`), requests: token endpoint, paths,
//! and how update_entity reads each type (README "Dialects"). Answers of the
//! reads are in live_reads.rs. Real HTTP on 127.0.0.1.
mod common;

use base64::Engine as _;
use common::*;
use serde_json::{json, Value};
use sha2::Digest as _;

fn assert_error(r: &R, status: u16, field: &str) {
    assert_eq!(r.status, status, "{}", r.body);
    assert_eq!(r.json()["field"], field, "{}", r.body);
}

/// A category, project and task with the given (all-digit) ids.
async fn tree(api: &Api, cat: &str, project: &str, task: &str) {
    let ok = json!({"status":"success"});
    let r = api.live_update(json!({"type":"ProjectCategory","id":cat,"name":"Clients"})).await;
    assert_eq!((r.status, r.json()), (200, ok.clone()), "{}", r.body);
    let r = api.live_update(json!({"type":"Project","id":project,"name":"Website","related_id":cat})).await;
    assert_eq!((r.status, r.json()), (200, ok.clone()), "{}", r.body);
    let r = api.live_update(json!({"type":"TimedTask","id":task,"name":"Design","related_id":project})).await;
    assert_eq!((r.status, r.json()), (200, ok), "{}", r.body);
}

fn find<'a>(list: &'a Value, id: &str) -> &'a Value {
    list.as_array().unwrap().iter().find(|x| x["id"] == id).unwrap_or_else(|| panic!("no {id} in {list}"))
}

#[tokio::test]
async fn root_names_the_dialect() {
    let s = live_server().await;
    let r = raw(&s.addr.to_string(), "GET", "/", &[], None).await.unwrap();
    assert_eq!((r.json()["name"].clone(), r.json()["dialect"].clone()), (json!("tyme-sandbox"), json!("live")));
}

/// The token endpoint takes form bodies only: JSON is a 400 even with
/// every right value; the same values form-encoded pass.
#[tokio::test]
async fn token_requests_must_be_form_encoded() {
    let s = live_server().await;
    let addr = s.addr.to_string();
    let code = get_code(&addr, "app", "").await;
    let body = json!({"grant_type":"authorization_code","code":code,"redirect_uri":REDIRECT,"client_id":"app"});
    let r = raw(&addr, "POST", "/v1/access_token", &[("Content-Type", "application/json")], Some(&body.to_string()))
        .await
        .unwrap();
    assert_eq!(
        (r.status, r.json()),
        (400, json!({"error":"invalid_request","error_description":"token requests must be form-encoded"}))
    );
    // the refused JSON request did not use the code up
    let form = format!("grant_type=authorization_code&code={code}&redirect_uri={}&client_id=app", enc(REDIRECT));
    let r = form_token(&addr, &form).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["token_type"], "Bearer");
}

/// Refresh is `grant_type=refresh_token` at /v1/access_token (rotating:
/// the old refresh token is spent); /v1/refresh_token is not served.
#[tokio::test]
async fn refresh_at_access_token_and_no_refresh_token_endpoint() {
    let s = live_server().await;
    let mut api = Api::new(&s);
    let (access, refresh) = live_sign_in(&mut api).await;
    let form = format!("grant_type=refresh_token&refresh_token={refresh}&client_id=app");
    let r = raw(&api.addr, "POST", "/v1/refresh_token", &[("Content-Type", "application/x-www-form-urlencoded")], Some(&form))
        .await
        .unwrap();
    assert_eq!((r.status, r.json()["error"].clone()), (404, json!("not_found")));
    let r = form_token(&api.addr, &form).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let new_access = r.json()["access_token"].as_str().unwrap().to_string();
    assert_ne!(new_access, access);
    assert_ne!(r.json()["refresh_token"].as_str().unwrap(), refresh);
    let again = form_token(&api.addr, &form).await;
    assert_eq!((again.status, again.json()["error"].clone()), (400, json!("invalid_grant")));
    api.token = Some(new_access);
    assert_eq!(api.get("/data/members/me").await.status, 200);
    assert_eq!(api.state().await["stats"]["refreshes"], 1);
}

/// The live client's authorize: PKCE S256 and an empty `scope`.
#[tokio::test]
async fn authorize_with_pkce_and_an_empty_scope() {
    let s = live_server().await;
    let addr = s.addr.to_string();
    let verifier = "v".repeat(43);
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier.as_bytes()));
    let code = get_code(&addr, "app", &format!("&scope=&code_challenge={challenge}&code_challenge_method=S256")).await;
    let form = format!(
        "grant_type=authorization_code&code={code}&redirect_uri={}&client_id=app&code_verifier={verifier}",
        enc(REDIRECT)
    );
    assert_eq!(form_token(&addr, &form).await.status, 200);
}

/// No trailing slash anywhere: with one, every path is a 404.
#[tokio::test]
async fn a_trailing_slash_is_not_found() {
    let s = live_server().await;
    let api = live_signed_in(&s).await;
    assert_eq!(api.get("/data/search_entity?type=Project").await.status, 200);
    for path in ["/data/search_entity/?type=Project", "/data/members/", "/data/summary/?from=2026-01-01%2000:00:00&to=2026-01-02%2000:00:00"] {
        let r = api.get(path).await;
        assert_eq!((r.status, r.json()["error"].clone()), (404, json!("not_found")), "{path}");
    }
    let r = api.post("/data/update_entity/", &json!({"type":"ProjectCategory","name":"x"})).await;
    assert_eq!(r.status, 404);
    let r = form_token(&api.addr, "grant_type=refresh_token&refresh_token=x&client_id=app").await;
    assert_eq!(r.status, 400, "the path without a slash is served");
    let r = raw(&api.addr, "POST", "/v1/access_token/", &[("Content-Type", "application/x-www-form-urlencoded")], Some("grant_type=x"))
        .await
        .unwrap();
    assert_eq!(r.status, 404);
    assert_eq!(api.state().await["categories"], json!([]));
}

/// update_entity answers `{"status":"success"}`, not the entity; a given id
/// is kept as given, a generated one is a number from 5001 up.
#[tokio::test]
async fn update_answers_success_and_keeps_or_makes_ids() {
    let s = live_server().await;
    let api = live_signed_in(&s).await;
    let r = api.live_update(json!({"type":"ProjectCategory","id":"abc","name":"Given"})).await;
    assert_eq!((r.status, r.json()), (200, json!({"status":"success"})));
    let r = api.live_update(json!({"type":"ProjectCategory","id":42,"name":"Number"})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = api.live_update(json!({"type":"ProjectCategory","name":"Made"})).await;
    assert_eq!((r.status, r.json()), (200, json!({"status":"success"})));
    let cats = api.state().await["categories"].clone();
    assert_eq!(find(&cats, "abc")["name"], "Given");
    assert_eq!(find(&cats, "42")["name"], "Number");
    let made = cats.as_array().unwrap().iter().find(|c| c["name"] == "Made").unwrap();
    let n: u64 = made["id"].as_str().unwrap().parse().expect("a generated id is all digits");
    assert!(n >= 5001, "{n}");
    // an update by id answers the same and changes the entity
    let r = api.live_update(json!({"type":"ProjectCategory","id":"abc","name":"Renamed"})).await;
    assert_eq!((r.status, r.json()), (200, json!({"status":"success"})));
    assert_eq!(find(&api.state().await["categories"], "abc")["name"], "Renamed");
    assert_eq!(api.state().await["categories"].as_array().unwrap().len(), 3);
}

/// A project's live names are stored in the canonical ones: related_id →
/// category_id, default_hourly_rate → hourly_rate, planned_duration
/// (seconds) → planned_duration_hours.
#[tokio::test]
async fn project_live_names_are_stored_canonically() {
    let s = live_server().await;
    let api = live_signed_in(&s).await;
    api.live_update(json!({"type":"ProjectCategory","id":"700","name":"C"})).await;
    let body = json!({"type":"Project","id":"701","name":"P","related_id":"700","rounding_method":"UP",
        "rounding_minutes":15,"default_hourly_rate":90,"planned_duration":7200,"planned_budget":1800,
        "color":3,"start_date":"2026-01-01 00:00:00"});
    let r = api.live_update(body).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        api.state().await["projects"][0],
        json!({"type":"Project","id":"701","name":"P","category_id":"700","rounding_method":"UP","rounding_minutes":15,
            "hourly_rate":90.0,"planned_duration_hours":2.0,"planned_budget":1800.0})
    );
    // the rate as the live answers show it (a decimal string), and a
    // related_id of null: no category
    let r = api.live_update(json!({"type":"Project","id":"701","related_id":null,"default_hourly_rate":"95.50"})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let p = api.state().await["projects"][0].clone();
    assert_eq!((p["category_id"].clone(), p["hourly_rate"].clone()), (Value::Null, json!(95.5)));
    let r = api.live_update(json!({"type":"Project","id":"702","name":"Q","related_id":"nope"})).await;
    assert_error(&r, 404, "related_id");
    let r = api.live_update(json!({"type":"Project","id":"702","name":"Q","planned_duration":-1})).await;
    assert_error(&r, 400, "planned_duration");
    let r = api.live_update(json!({"type":"Project","id":"702","name":"Q","default_hourly_rate":"a lot"})).await;
    assert_error(&r, 400, "default_hourly_rate");
}

/// The seed's names are not read in live (ignored like any unknown key).
#[tokio::test]
async fn seed_names_are_ignored() {
    let s = live_server().await;
    let api = live_signed_in(&s).await;
    let r = api
        .live_update(json!({"type":"Project","id":"p-s","name":"P","category_id":"no-such","hourly_rate":50,
            "planned_duration_hours":3,"colour":"red"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let p = api.state().await["projects"][0].clone();
    assert_eq!(
        (p["category_id"].clone(), p["hourly_rate"].clone(), p["planned_duration_hours"].clone()),
        (Value::Null, json!(0.0), json!(0.0))
    );
    // a parent given only by its seed name is no parent
    let r = api.live_update(json!({"type":"TimedTask","id":"t-s","name":"T","project_id":"p-s"})).await;
    assert_error(&r, 400, "related_id");
    let r = api
        .live_update(json!({"type":"TimedTaskRecord","task_id":"t-s","user_id":"1001","time_start":"2026-01-01 09:00:00"}))
        .await;
    assert_error(&r, 400, "related_id");
    assert_eq!(api.state().await["tasks"], json!([]));
}

/// Tasks and sub-tasks need related_id (400 when missing, 404 when
/// unknown); billable takes a boolean or 0/1.
#[tokio::test]
async fn tasks_and_subtasks_need_related_id() {
    let s = live_server().await;
    let api = live_signed_in(&s).await;
    tree(&api, "1", "2", "3").await;
    assert_error(&api.live_update(json!({"type":"TimedTask","name":"T"})).await, 400, "related_id");
    assert_error(&api.live_update(json!({"type":"TimedTask","name":"T","related_id":"9"})).await, 404, "related_id");
    assert_error(&api.live_update(json!({"type":"TimedSubTask","name":"S"})).await, 400, "related_id");
    assert_error(&api.live_update(json!({"type":"TimedSubTask","name":"S","related_id":"2"})).await, 404, "related_id");
    assert_error(&api.live_update(json!({"type":"TimedTask","name":"T","related_id":"2","billable":"yes"})).await, 400, "billable");
    for (id, billable, stored) in [("10", json!(1), true), ("11", json!(0), false), ("12", json!(true), true)] {
        let r = api.live_update(json!({"type":"TimedTask","id":id,"name":"T","related_id":2,"billable":billable})).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let t = find(&api.state().await["tasks"], id).clone();
        assert_eq!((t["project_id"].clone(), t["billable"].clone()), (json!("2"), json!(stored)));
    }
    let r = api.live_update(json!({"type":"TimedSubTask","id":"20","name":"S","related_id":"3","planned_duration":600})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        api.state().await["subtasks"],
        json!([{"type":"TimedSubTask","id":"20","name":"S","task_id":"3","planned_duration":600}])
    );
    // an update by id may leave the parent out
    let r = api.live_update(json!({"type":"TimedTask","id":"10","name":"Renamed"})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(find(&api.state().await["tasks"], "10")["project_id"], "2");
}

/// A time entry needs related_id and a user_id of a member on every write
/// (create and update); nothing refused is stored.
#[tokio::test]
async fn time_entry_needs_related_id_and_a_member_user_id() {
    let s = live_server().await;
    let api = live_signed_in(&s).await;
    tree(&api, "1", "2", "3").await;
    let start = "2026-11-29 09:00:00";
    let cases = [
        (json!({"type":"TimedTaskRecord","related_id":"3","time_start":start}), 400, "user_id"),
        (json!({"type":"TimedTaskRecord","related_id":"3","user_id":"","time_start":start}), 400, "user_id"),
        (json!({"type":"TimedTaskRecord","related_id":"3","user_id":"4242","time_start":start}), 400, "user_id"),
        (json!({"type":"TimedTaskRecord","user_id":"1001","time_start":start}), 400, "related_id"),
        (json!({"type":"TimedTaskRecord","related_id":"99","user_id":"1001","time_start":start}), 404, "related_id"),
        (json!({"type":"TimedTaskRecord","related_id":"3","user_id":"1001"}), 400, "time_start"),
        (json!({"type":"TimedTaskRecord","related_id":"3","user_id":"1001","time_start":"2026-11-29T09:00:00Z"}), 400, "time_start"),
        (json!({"type":"TimedTaskRecord","related_id":"3","user_id":"1001","time_start":start,"billing_state":3}), 400, "billing_state"),
    ];
    for (body, status, field) in cases {
        let r = api.live_update(body.clone()).await;
        assert_eq!((r.status, r.json()["field"].clone()), (status, json!(field)), "{body} -> {}", r.body);
    }
    assert_eq!(api.state().await["time_entries"], json!([]));

    let r = api
        .live_update(json!({"type":"TimedTaskRecord","id":"e1","related_id":3,"user_id":1002,"time_start":start,
            "time_end":"2026-11-29 10:00:00","note":"n","billing_state":1}))
        .await;
    assert_eq!((r.status, r.json()), (200, json!({"status":"success"})), "{}", r.body);
    // an update without user_id is refused too
    let r = api.live_update(json!({"type":"TimedTaskRecord","id":"e1","related_id":"3","note":"changed"})).await;
    assert_error(&r, 400, "user_id");
    assert_eq!(
        api.state().await["time_entries"],
        json!([{"type":"TimedTaskRecord","id":"e1","task_id":"3","subtask_id":"","time_start":start,
            "time_end":"2026-11-29 10:00:00","note":"n","user_id":"1002","billing_state":1}])
    );
}

/// time_end left out (or null) on create: a running entry; on an update,
/// left out keeps the stored value; a record on a sub-task names it in
/// related_id and is stored with both ids.
#[tokio::test]
async fn running_entries_and_sub_task_records() {
    let s = live_server().await;
    let api = live_signed_in(&s).await;
    tree(&api, "1", "2", "3").await;
    api.live_update(json!({"type":"TimedSubTask","id":"4","name":"S","related_id":"3"})).await;
    let r = api
        .live_update(json!({"type":"TimedTaskRecord","id":"e1","related_id":"3","user_id":"1001","time_start":"2026-11-29 09:00:00"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let e = api.state().await["time_entries"][0].clone();
    assert_eq!((e["time_end"].clone(), e["user_id"].clone()), (Value::Null, json!("1001")));
    // stop it, then an update without time_end keeps the end
    let stop = json!({"type":"TimedTaskRecord","id":"e1","related_id":"3","user_id":"1001","time_end":"2026-11-29 09:30:00"});
    assert_eq!(api.live_update(stop).await.status, 200);
    let r = api.live_update(json!({"type":"TimedTaskRecord","id":"e1","related_id":"3","user_id":"1001","note":"x"})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let e = api.state().await["time_entries"][0].clone();
    assert_eq!((e["time_end"].clone(), e["note"].clone()), (json!("2026-11-29 09:30:00"), json!("x")));
    // an empty time_end (as the live client sends one) means running
    let r = api
        .live_update(json!({"type":"TimedTaskRecord","id":"e2","related_id":"4","user_id":"1001","time_start":"2026-11-29 11:00:00","time_end":""}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let e2 = find(&api.state().await["time_entries"], "e2").clone();
    assert_eq!(
        (e2["task_id"].clone(), e2["subtask_id"].clone(), e2["time_end"].clone()),
        (json!("3"), json!("4"), Value::Null)
    );
}

//! Every parser against the responses in tests/fixtures/ (one JSON file
//! each: `note`, status, headers, and `body` as JSON or `body_text`
//! verbatim), and every request builder against the seed's field names.
//! `live_*` and `seed_*` fixtures are recorded from the sandbox (see the end
//! of tests/sandbox_api.rs, which also checks they are still what it
//! answers); the others are hand-written, each `note` saying why. The
//! expected values below are read off the fixtures, never off the parser.
#![cfg(not(target_arch = "wasm32"))]

use serde_json::{json, Value};
use tyme_tab::api::{delete, members, search, summary, times, update, webhooks};
use tyme_tab::dialect::{Dialect, Learned, RefreshAt, WebhookVerbs};
use tyme_tab::http::{names_field, HttpRequest, Method, MAX_BODY};
use tyme_tab::model::summary::SummaryRow;
use tyme_tab::model::{Category, Entity, EntityType, Project, RoundingMethod, SubTask, Task, TimeRecord, TriggerType, WireTime};
use tyme_tab::oauth::{self, ClientConfig, Secret, TokenGrant};
use tyme_tab::ErrorKind;

struct Fx {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

fn fx(name: &str) -> Fx {
    let path = format!("{}/tests/fixtures/{name}.json", env!("CARGO_MANIFEST_DIR"));
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let headers = v["headers"].as_object().unwrap().iter().map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string())).collect();
    let body = match (v.get("body"), v.get("body_text")) {
        (Some(b), _) => serde_json::to_vec(b).unwrap(),
        (None, Some(Value::String(t))) => t.clone().into_bytes(),
        _ => panic!("{name}: no body"),
    };
    Fx { status: v["status"].as_u64().unwrap() as u16, headers, body }
}

/// A fixture's `body` as JSON (to read expected values off the input).
fn fx_json(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}.json", env!("CARGO_MANIFEST_DIR"));
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    v["body"].clone()
}

const NOW: i64 = 1_750_000_000_000;
const BASE: &str = "http://127.0.0.1:4010";

fn cfg(secret: Option<&str>) -> ClientConfig {
    ClientConfig::new(BASE, "tyme-tab", secret, "https://ext.chromiumapp.org/cb").unwrap()
}

fn token(name: &str, grant: TokenGrant, prev: Option<&Secret>) -> tyme_tab::Result<oauth::TokenSet> {
    let f = fx(name);
    oauth::parse_token_response(grant, f.status, &f.headers, &f.body, NOW, prev)
}

/// A form body as a JSON object of strings (to compare like a JSON body).
fn form(r: &HttpRequest) -> Value {
    Value::Object(r.form_pairs().into_iter().map(|(k, v)| (k, Value::String(v))).collect())
}

fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
    k.sort();
    k
}

fn sorted(names: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = names.iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}

// ---------- OAuth ----------

#[test]
fn token_response_ok() {
    let t = token("token_ok", TokenGrant::AuthorizationCode, None).unwrap();
    assert_eq!(t.access_token.expose(), "at_0123456789abcdefghij");
    assert_eq!(t.refresh_token.expose(), "rt_0123456789abcdefghij");
    assert_eq!(t.token_type, "Bearer");
    assert_eq!(t.expires_at_ms, NOW + 3_600_000);
    assert!(!t.needs_refresh(NOW + 3_539_000));
    assert!(t.needs_refresh(NOW + 3_540_000));
    let dbg = format!("{t:?}");
    assert!(!dbg.contains("0123456789"), "{dbg}");
}

/// The refresh margin is 60 s, or half the token's lifetime when that is
/// shorter: a token living 60 s or less is not refreshed before every call.
#[test]
fn short_lived_tokens_refresh_at_half_their_lifetime() {
    let parse = |expires_in: u32| {
        let body = format!(r#"{{"access_token":"a","refresh_token":"r","expires_in":{expires_in}}}"#);
        oauth::parse_token_response(TokenGrant::RefreshToken, 200, &[], body.as_bytes(), NOW, None).unwrap()
    };
    for (expires_in, refresh_from) in [(30, 15_000), (60, 30_000), (100, 50_000), (120, 60_000), (3600, 3_540_000)] {
        let t = parse(expires_in);
        assert_eq!(t.issued_at_ms, Some(NOW));
        assert!(!t.needs_refresh(NOW), "{expires_in}");
        assert!(!t.needs_refresh(NOW + refresh_from - 1), "{expires_in}");
        assert!(t.needs_refresh(NOW + refresh_from), "{expires_in}");
        assert_eq!(oauth::next_step(Some(&t), NOW + 1000), oauth::NextStep::Send, "{expires_in}");
    }
    // Already expired on arrival: refresh at once.
    assert!(parse(0).needs_refresh(NOW));
    // Without an issue time (a set stored by an older version): the 60 s margin.
    let mut t = parse(30);
    t.issued_at_ms = None;
    assert!(t.needs_refresh(NOW));
    // An issue time after the expiry is not believed.
    t.issued_at_ms = Some(t.expires_at_ms + 10);
    assert!(t.needs_refresh(NOW));
}

#[test]
fn token_response_keeps_previous_refresh_token() {
    let prev = Secret::new("rt_previous");
    let t = token("token_no_refresh", TokenGrant::RefreshToken, Some(&prev)).unwrap();
    assert_eq!(t.refresh_token.expose(), "rt_previous");
    assert_eq!(t.expires_at_ms, NOW + 1_800_000);
    assert_eq!(token("token_no_refresh", TokenGrant::AuthorizationCode, None).unwrap_err().kind, ErrorKind::BadResponse);
}

#[test]
fn token_invalid_grant_is_reauth_required() {
    for name in ["seed_token_invalid_grant", "live_token_invalid_grant"] {
        let description = fx_json(name)["error_description"].as_str().unwrap().to_string();
        assert!(!description.is_empty(), "{name}");
        for grant in [TokenGrant::RefreshToken, TokenGrant::AuthorizationCode] {
            let e = token(name, grant, None).unwrap_err();
            assert_eq!(e.kind, ErrorKind::ReauthRequired, "{name}");
            assert_eq!(e.status, Some(400), "{name}");
            // Only the plain OAuth error code is kept, never the server's description.
            assert!(e.message.contains("(invalid_grant)"), "{}", e.message);
            assert!(!e.message.contains(&description), "{}", e.message);
        }
    }
}

#[test]
fn token_errors() {
    for d in ["seed", "live"] {
        let e = token(&format!("{d}_token_invalid_client"), TokenGrant::RefreshToken, None).unwrap_err();
        assert_eq!((e.kind, e.status), (ErrorKind::Unauthorized, Some(401)), "{d}");
        assert_eq!(token(&format!("{d}_error_503"), TokenGrant::RefreshToken, None).unwrap_err().kind, ErrorKind::Server, "{d}");
        assert_eq!(token(&format!("{d}_error_429"), TokenGrant::RefreshToken, None).unwrap_err().retry_after, Some(17), "{d}");
    }
    assert_eq!(token("token_wrong_types", TokenGrant::RefreshToken, None).unwrap_err().kind, ErrorKind::BadResponse);
    assert_eq!(token("ok_html_page", TokenGrant::RefreshToken, None).unwrap_err().kind, ErrorKind::BadResponse);
    assert_eq!(token("empty_body", TokenGrant::RefreshToken, None).unwrap_err().kind, ErrorKind::BadResponse);
    assert_eq!(token("malformed_json", TokenGrant::RefreshToken, None).unwrap_err().kind, ErrorKind::BadResponse);
}

#[test]
fn exchange_request_fields() {
    let r = oauth::build_exchange(&cfg(None), "the-code", &"v".repeat(43)).unwrap();
    assert_eq!(r.method, Method::Post);
    assert_eq!(r.url, format!("{BASE}/v1/access_token"));
    // Form-encoded, as RFC 6749 and the live client send it.
    assert_eq!(r.header("content-type"), Some("application/x-www-form-urlencoded"));
    assert!(r.json_body().is_none());
    let b = form(&r);
    // The seed's fields (client_secret only when configured) plus the PKCE verifier.
    assert_eq!(keys(&b), sorted(&["grant_type", "code", "redirect_uri", "client_id", "code_verifier"]));
    assert_eq!(b["grant_type"], "authorization_code");
    assert_eq!(b["code"], "the-code");
    assert_eq!(b["redirect_uri"], "https://ext.chromiumapp.org/cb");
    assert_eq!(b["client_id"], "tyme-tab");
    let r = oauth::build_exchange(&cfg(Some("s3cret")), "c", &"v".repeat(43)).unwrap();
    assert_eq!(form(&r)["client_secret"], "s3cret");
    assert!(!format!("{r:?}").contains("s3cret"));
    assert_eq!(oauth::build_exchange(&cfg(None), "", &"v".repeat(43)).unwrap_err().kind, ErrorKind::MissingCode);
    assert_eq!(oauth::build_exchange(&cfg(None), "c", "short").unwrap_err().kind, ErrorKind::InvalidInput);
}

#[test]
fn refresh_request_fields() {
    for (at, path) in [(RefreshAt::AccessToken, "/v1/access_token"), (RefreshAt::RefreshToken, "/v1/refresh_token")] {
        let r = oauth::build_refresh(&cfg(None), &Secret::new("rt_1"), at).unwrap();
        assert_eq!(r.url, format!("{BASE}{path}"));
        assert_eq!(r.header("content-type"), Some("application/x-www-form-urlencoded"));
        let b = form(&r);
        assert_eq!(keys(&b), sorted(&["grant_type", "refresh_token", "client_id"]));
        assert_eq!(b["grant_type"], "refresh_token");
        assert_eq!(b["refresh_token"], "rt_1");
        let r = oauth::build_refresh(&cfg(Some("s")), &Secret::new("rt_1"), at).unwrap();
        assert_eq!(keys(&form(&r)), sorted(&["grant_type", "refresh_token", "client_id", "client_secret"]));
    }
}

// ---------- search ----------

fn parse_search_as(ty: EntityType, name: &str) -> tyme_tab::Result<Vec<Entity>> {
    let f = fx(name);
    let l = search::parse_search(ty, f.status, &f.headers, &f.body)?;
    assert_eq!(l.skipped, 0, "{name}");
    Ok(l.items)
}

/// The type each search fixture was recorded for.
fn parse_search(name: &str) -> tyme_tab::Result<Vec<Entity>> {
    let ty = match name {
        n if n.contains("categor") => EntityType::ProjectCategory,
        n if n.contains("project") => EntityType::Project,
        n if n.contains("subtask") => EntityType::TimedSubTask,
        _ => EntityType::TimedTask,
    };
    parse_search_as(ty, name)
}

#[test]
fn search_shapes() {
    let l = parse_search("search_categories").unwrap();
    assert_eq!(l.len(), 2);
    assert_eq!(l[1].id(), "7");
    let l = parse_search("search_projects_envelope").unwrap();
    match &l[0] {
        Entity::Project(p) => {
            assert_eq!(p.category_id.as_deref(), Some("c1"));
            assert_eq!(p.rounding_minutes, 15);
            assert_eq!(p.planned_duration_hours, 120.5);
            assert_eq!(p.hourly_rate, 95.5);
        }
        other => panic!("{other:?}"),
    }
    let l = parse_search("search_task_single").unwrap();
    assert_eq!(l.len(), 1);
    assert!(matches!(&l[0], Entity::TimedTask(t) if t.billable && t.planned_duration == 7200));
    let l = parse_search("search_subtasks_defaults").unwrap();
    assert!(matches!(&l[0], Entity::TimedSubTask(s) if s.name.is_empty() && s.planned_duration == 0));
}

#[test]
fn search_request_fields() {
    let r = search::build_search(BASE, "AT", EntityType::TimedTask, "de sign&x", Some("p1")).unwrap();
    assert_eq!(r.method, Method::Get);
    assert_eq!(r.path(), "/data/search_entity");
    assert_eq!(
        r.query_pairs(),
        vec![("type".into(), "TimedTask".into()), ("name".into(), "de sign&x".into()), ("parent_id".into(), "p1".into())]
    );
    assert_eq!(r.header("authorization"), Some("Bearer AT"));
    assert!(r.body.is_none());
    // An empty name is left out, as the live client does.
    let r = search::build_search(BASE, "AT", EntityType::ProjectCategory, "", None).unwrap();
    assert_eq!(r.query_pairs(), vec![("type".into(), "ProjectCategory".into())]);
    assert!(search::build_search(BASE, "AT", EntityType::TimedTaskRecord, "", None).is_err());
}

// ---------- update ----------

/// What the client sent for the update fixtures (the record they answer).
fn sent_record() -> Entity {
    Entity::from_json(
        &json!({"type":"TimedTaskRecord","id":"r1","task_id":"t1","time_start":"2025-06-01 08:30:00","note":"sent"}),
        ErrorKind::InvalidInput,
    )
    .unwrap()
}

fn parse_update(name: &str) -> tyme_tab::Result<Entity> {
    let f = fx(name);
    update::parse_update(sent_record(), f.status, &f.headers, &f.body)
}

#[test]
fn update_shapes() {
    match parse_update("update_record_running").unwrap() {
        Entity::TimedTaskRecord(r) => {
            assert!(r.time_end.is_none());
            assert_eq!(r.time_start.to_string(), "2025-06-01 08:30:00");
            assert_eq!(r.note, "Reading docs");
        }
        other => panic!("{other:?}"),
    }
    match parse_update("update_record_stopped").unwrap() {
        Entity::TimedTaskRecord(r) => assert_eq!(r.time_end.unwrap().to_string(), "2025-06-01 09:45:10"),
        other => panic!("{other:?}"),
    }
    // A date-time with `T` and `Z` is read (UTC), and the stored entity wins.
    match parse_update("update_record_bad_time").unwrap() {
        Entity::TimedTaskRecord(r) => assert_eq!((r.time_start.to_string(), r.note.as_str()), ("2025-06-01 08:30:00".to_string(), "")),
        other => panic!("{other:?}"),
    }
    // A 2xx is applied whatever its body says: an answer that is not a
    // readable entity of the same id leaves the entity that was sent.
    for body in [&br#"{"status":"success"}"#[..], b"", b"<html>ok</html>", br#"{"type":"TimedTaskRecord","id":"other","task_id":"t","time_start":"2025-06-01 08:30:00"}"#] {
        assert_eq!(update::parse_update(sent_record(), 200, &[], body).unwrap(), sent_record(), "{}", String::from_utf8_lossy(body));
    }
    assert_eq!(update::parse_update(sent_record(), 201, &[], br#"{"data":{"status":"success"}}"#).unwrap(), sent_record());
}

/// The seed's field names per type, plus the live service's names for the
/// same values (so one request suits either dialect).
#[test]
fn update_request_sends_seed_and_live_field_names() {
    let seed: [(Value, &[&str]); 5] = [
        (json!({"type":"ProjectCategory","id":"c","name":"n"}), &["type", "id", "name"]),
        (
            json!({"type":"Project","id":"p","name":"n","category_id":"c","rounding_method":"UP","rounding_minutes":15,"hourly_rate":1.5,"planned_duration_hours":120.5,"planned_budget":9.0}),
            &["type", "id", "name", "category_id", "rounding_method", "rounding_minutes", "hourly_rate", "planned_duration_hours", "planned_budget"],
        ),
        (
            json!({"type":"TimedTask","id":"t","name":"n","project_id":"p","billable":true,"planned_duration":3600}),
            &["type", "id", "name", "project_id", "billable", "planned_duration"],
        ),
        (json!({"type":"TimedSubTask","id":"s","name":"n","task_id":"t","planned_duration":60}), &["type", "id", "name", "task_id", "planned_duration"]),
        (
            json!({"type":"TimedTaskRecord","id":"r","task_id":"t","subtask_id":"","time_start":"2025-06-01 08:30:00","time_end":"2025-06-01 09:00:00","note":"x"}),
            &["type", "id", "task_id", "subtask_id", "time_start", "time_end", "note"],
        ),
    ];
    // The live names, each from the test's own input.
    let live = |input: &Value| -> Value {
        match input["type"].as_str().unwrap() {
            "Project" => json!({"related_id": input["category_id"], "default_hourly_rate": input["hourly_rate"],
                "planned_duration": (input["planned_duration_hours"].as_f64().unwrap() * 3600.0) as i64}),
            "TimedTask" => json!({"related_id": input["project_id"]}),
            "TimedSubTask" => json!({"related_id": input["task_id"]}),
            "TimedTaskRecord" => json!({"related_id": input["task_id"], "user_id": "1001"}),
            _ => json!({}),
        }
    };
    for (input, fields) in seed {
        let e = Entity::from_json(&input, ErrorKind::InvalidInput).unwrap();
        let r = update::build_update(BASE, "AT", &e, Some("1001")).unwrap();
        assert_eq!(r.method, Method::Post);
        assert_eq!(r.path(), "/data/update_entity");
        assert_eq!(r.header("content-type"), Some("application/json"));
        let body = r.json_body().unwrap();
        let mut want = input.clone();
        for (k, v) in live(&input).as_object().unwrap() {
            want[k] = v.clone();
        }
        let mut want_keys: Vec<&str> = fields.to_vec();
        let extra = live(&input);
        want_keys.extend(extra.as_object().unwrap().keys().map(String::as_str));
        assert_eq!(keys(&body), sorted(&want_keys), "{}", input["type"]);
        // Every value goes out as it came in, under both names.
        assert_eq!(body, want);
    }
    // A running entry leaves time_end out (as the live client does); a sub-task's
    // entry names the sub-task as its related_id; no user_id when none is known.
    let e = Entity::from_json(
        &json!({"type":"TimedTaskRecord","id":"r","task_id":"","subtask_id":"s","time_start":"2025-06-01 08:30:00","time_end":null,"note":""}),
        ErrorKind::InvalidInput,
    )
    .unwrap();
    let body = update::build_update(BASE, "AT", &e, None).unwrap().json_body().unwrap();
    assert_eq!(body, json!({"type":"TimedTaskRecord","id":"r","task_id":"","subtask_id":"s","related_id":"s","time_start":"2025-06-01 08:30:00","note":""}));
}

#[test]
fn update_refuses_bad_input_before_sending() {
    let no_id = Entity::from_json(&json!({"type":"ProjectCategory","name":"n"}), ErrorKind::InvalidInput).unwrap();
    assert_eq!(update::build_update(BASE, "AT", &no_id, None).unwrap_err().kind, ErrorKind::InvalidInput);
    let bad = Entity::from_json(
        &json!({"type":"TimedTaskRecord","id":"r","task_id":"t","time_start":"2025-06-01 10:00:00","time_end":"2025-06-01 09:00:00"}),
        ErrorKind::InvalidInput,
    )
    .unwrap();
    assert_eq!(update::build_update(BASE, "AT", &bad, None).unwrap_err().kind, ErrorKind::InvalidInput);
    let e = Entity::from_json(&json!({"type":"TimedTaskRecord","id":"r","task_id":"t","time_start":"2025-06-01T10:00:00Z"}), ErrorKind::InvalidInput)
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidInput);
    assert_eq!(Entity::from_json(&json!({"type":"Nope"}), ErrorKind::InvalidInput).unwrap_err().kind, ErrorKind::InvalidInput);
    assert_eq!(Entity::from_json(&json!([1]), ErrorKind::InvalidInput).unwrap_err().kind, ErrorKind::InvalidInput);
}

// ---------- summary ----------

#[test]
fn summary_rows_with_rounding() {
    let f = fx("summary_rows");
    let rows = summary::parse_summary(f.status, &f.headers, &f.body).unwrap();
    assert_eq!(rows.skipped, 0);
    let rows = rows.items;
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].duration, 1000.0);
    assert_eq!(rows[0].rounded_duration, 1800.0); // UP to 15 minutes
    assert_eq!(rows[0].category_name.as_deref(), Some("Clients"));
    assert_eq!(rows[1].subtask_id.as_deref(), Some("s9"));
    assert_eq!(rows[1].category_id, None);
    assert_eq!(rows[1].rounded_duration, 61.0); // 0 minutes: no rounding
    let f = fx("summary_wrong_types");
    // A row that cannot be read is skipped and counted, not the whole list lost.
    let rows = summary::parse_summary(f.status, &f.headers, &f.body).unwrap();
    assert_eq!((rows.items.len(), rows.skipped), (0, 1));
}

/// Every field of both fixture rows, so a misspelt or dropped field name in
/// the parser (or in what is handed to JavaScript) fails here.
#[test]
fn summary_rows_parse_every_field() {
    let f = fx("summary_rows");
    let rows = summary::parse_summary(f.status, &f.headers, &f.body).unwrap().items;
    let s = |v: &str| v.to_string();
    assert_eq!(
        rows,
        vec![
            SummaryRow {
                task_id: s("t1"),
                task_name: s("Design"),
                subtask_id: None,
                subtask_name: None,
                project_id: s("p1"),
                project_name: s("Website"),
                category_id: Some(s("c1")),
                category_name: Some(s("Clients")),
                billable: true,
                rounding_method: RoundingMethod::Up,
                rounding_minutes: 15,
                hourly_rate: 95.5,
                duration: 1000.0,
                entries: 2,
                rounded_duration: 1800.0,
            },
            SummaryRow {
                task_id: s("t2"),
                task_name: s("Calls"),
                subtask_id: Some(s("s9")),
                subtask_name: Some(s("Kick-off")),
                project_id: s("p2"),
                project_name: s("Ops"),
                category_id: None,
                category_name: None,
                billable: false,
                rounding_method: RoundingMethod::Nearest,
                rounding_minutes: 0,
                hourly_rate: 0.0,
                duration: 61.0,
                entries: 1,
                rounded_duration: 61.0,
            },
        ]
    );
    // What JavaScript gets: the wire names (those of `SummaryRow` in the .d.ts) plus rounded_duration.
    let out = serde_json::to_value(&rows[0]).unwrap();
    let body: Value = serde_json::from_slice(&f.body).unwrap();
    let mut want = body[0].clone();
    want["rounded_duration"] = json!(1800.0);
    want["duration"] = json!(1000.0);
    assert_eq!(out, want);
}

#[test]
fn summary_request_fields() {
    let r = summary::build_summary(BASE, "AT", 946_684_800_000.0, 946_771_199_000.0).unwrap();
    assert_eq!(r.path(), "/data/summary");
    assert_eq!(r.query_pairs(), vec![("from".into(), "2000-01-01 00:00:00".into()), ("to".into(), "2000-01-01 23:59:59".into())]);
    assert_eq!(summary::build_summary(BASE, "AT", 2.0e12, 1.0e12).unwrap_err().kind, ErrorKind::InvalidInput);
    assert_eq!(summary::build_summary(BASE, "AT", f64::NAN, 1.0e12).unwrap_err().kind, ErrorKind::InvalidInput);
}

// ---------- webhooks ----------

#[test]
fn webhook_answers() {
    let p = |n: &str| {
        let f = fx(n);
        webhooks::parse_webhook(f.status, &f.headers, &f.body)
    };
    p("webhook_ok").unwrap();
    let e = p("webhook_not_allowed").unwrap_err();
    assert_eq!((e.kind, e.status), (ErrorKind::Forbidden, Some(403)));
    let e = p("webhook_missing_values").unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidInput);
    assert!(e.message.contains("hookUrl"), "{}", e.message);
    assert_eq!(p("ok_html_page").unwrap_err().kind, ErrorKind::BadResponse);
}

#[test]
fn webhook_request_fields() {
    let r = webhooks::build_subscribe(BASE, "AT", "https://hooks.example/x?a=1", TriggerType::StoppedTime, WebhookVerbs::Seed).unwrap();
    assert_eq!((r.method, r.path()), (Method::Get, "/webhooks/subscribe"));
    assert_eq!(r.query_pairs(), vec![("hookUrl".into(), "https://hooks.example/x?a=1".into()), ("trigger_type".into(), "stopped_time".into())]);
    let r = webhooks::build_unsubscribe(BASE, "AT", "https://hooks.example/x", TriggerType::Time, WebhookVerbs::Seed).unwrap();
    assert_eq!((r.method, r.path()), (Method::Post, "/webhooks/unsubscribe"));
    let b = r.json_body().unwrap();
    assert_eq!(keys(&b), sorted(&["hookUrl", "trigger_type"]));
    assert_eq!(b, json!({"hookUrl":"https://hooks.example/x","trigger_type":"time"}));
    assert!(webhooks::build_subscribe(BASE, "AT", "javascript:alert(1)", TriggerType::Time, WebhookVerbs::Live).is_err());
}

// ---------- shared error mapping ----------

#[test]
fn status_errors_from_fixtures() {
    let cases = [
        ("seed_error_401_expired", ErrorKind::Unauthorized, 401, None),
        ("live_error_401_expired", ErrorKind::Unauthorized, 401, None),
        ("error_403_html", ErrorKind::Forbidden, 403, None),
        ("error_404", ErrorKind::NotFound, 404, None),
        ("error_400_validation", ErrorKind::InvalidInput, 400, None),
        ("seed_error_429", ErrorKind::RateLimited, 429, Some(17)),
        ("live_error_429", ErrorKind::RateLimited, 429, Some(17)),
        ("seed_error_503", ErrorKind::Server, 503, Some(5)),
        ("live_error_503", ErrorKind::Server, 503, Some(5)),
        ("error_500_html", ErrorKind::Server, 500, None),
    ];
    for (name, kind, status, retry) in cases {
        let e = parse_search(name).unwrap_err();
        assert_eq!((e.kind, e.status, e.retry_after), (kind, Some(status), retry), "{name}");
    }
    let e = parse_search("error_400_validation").unwrap_err();
    assert!(e.message.contains("time_start"), "{}", e.message);
}

#[test]
fn html_excerpts_never_carry_tokens() {
    let e = parse_search("error_403_html").unwrap_err();
    assert!(!e.message.contains("at_0123456789"), "{}", e.message);
    assert!(e.message.contains("[redacted]"), "{}", e.message);
    let e = parse_search("ok_html_page").unwrap_err();
    assert_eq!(e.kind, ErrorKind::BadResponse);
    assert!(e.message.contains("Sign in to continue"), "{}", e.message);
}

#[test]
fn undecodable_bodies_are_bad_response() {
    for name in ["malformed_json", "empty_body", "ok_html_page"] {
        let e = parse_search(name).unwrap_err();
        assert_eq!(e.kind, ErrorKind::BadResponse, "{name}: {}", e.message);
        assert_eq!(e.status, Some(200), "{name}");
    }
    // One unreadable item in a list is skipped and counted, not the list lost.
    for name in ["wrong_types_entity", "unknown_entity_type"] {
        let f = fx(name);
        let l = search::parse_search(EntityType::TimedTask, f.status, &f.headers, &f.body).unwrap();
        assert_eq!((l.items.len(), l.skipped), (0, 1), "{name}");
    }
}

#[test]
fn huge_body_is_refused() {
    let mut body = b"[".to_vec();
    let item = br#"{"type":"ProjectCategory","id":"c","name":"n"},"#;
    while body.len() <= MAX_BODY {
        body.extend_from_slice(item);
    }
    body.extend_from_slice(br#"{"type":"ProjectCategory","id":"c","name":"n"}]"#);
    let e = search::parse_search(EntityType::Project, 200, &[], &body).unwrap_err();
    assert_eq!(e.kind, ErrorKind::BadResponse);
    assert!(e.message.contains("too large"), "{}", e.message);
    let e = oauth::parse_token_response(TokenGrant::RefreshToken, 200, &[], &body, NOW, None).unwrap_err();
    assert_eq!(e.kind, ErrorKind::BadResponse);
}

// ---------- dates ----------

#[test]
fn wire_time_round_trips() {
    for s in ["2000-01-01 00:00:00", "2024-02-29 12:34:56", "2025-12-31 23:59:59", "1970-01-01 00:00:00"] {
        let t = WireTime::parse(s).unwrap();
        assert_eq!(t.to_string(), s);
        assert_eq!(tyme_tab::model::format_date_time(t.to_ms() as f64).unwrap(), s);
        assert_eq!(tyme_tab::model::parse_date_time(s).unwrap(), t.to_ms());
    }
}

#[test]
fn request_debug_is_redacted() {
    let r: HttpRequest = search::build_search(BASE, "secret-access-token-0123456789", EntityType::Project, "x", None).unwrap();
    assert!(!format!("{r:?}").contains("secret-access"));
}

// ---------- every lenient-reading variant, one fixture each ----------

#[test]
fn every_fixture_says_where_it_comes_from() {
    let dir = format!("{}/tests/fixtures", env!("CARGO_MANIFEST_DIR"));
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        let v: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let note = v["note"].as_str().unwrap_or("");
        let recorded = name.starts_with("live_") || name.starts_with("seed_");
        let want = if recorded { "recorded from the sandbox, --dialect " } else { "hand-written: " };
        assert!(note.starts_with(want), "{name}: note {note:?} should start with {want:?}");
        if recorded {
            let dialect = name.split('_').next().unwrap();
            assert!(note.starts_with(&format!("{want}{dialect} ")), "{name}: {note}");
        }
        n += 1;
    }
    assert!(n >= 50, "{n} fixtures");
}

fn s(v: &str) -> String {
    v.to_string()
}

fn wt(v: &str) -> WireTime {
    WireTime::parse(v).unwrap()
}

fn search_listed(ty: EntityType, name: &str) -> (Vec<Entity>, usize) {
    let f = fx(name);
    let l = search::parse_search(ty, f.status, &f.headers, &f.body).unwrap();
    (l.items, l.skipped)
}

/// Live search answers: a `data` envelope, no `type` (the type asked for),
/// parents as `related_id`, ids as numbers where digits, the hourly rate as
/// a decimal string, `planned_duration` in seconds, `billable` 0/1, and
/// fields the client does not know (`color`, `completed`, `created_at`).
#[test]
fn live_search_answers() {
    let (l, skipped) = search_listed(EntityType::ProjectCategory, "live_search_categories");
    assert_eq!(skipped, 0);
    assert_eq!(
        l,
        vec![
            Entity::ProjectCategory(Category { id: s("demo-cat-clients"), name: s("Clients") }),
            Entity::ProjectCategory(Category { id: s("demo-cat-internal"), name: s("Internal") }),
        ]
    );
    let project = |id: &str, name: &str, cat: &str, rate: f64, budget: f64| {
        Entity::Project(Project {
            id: s(id),
            name: s(name),
            category_id: Some(s(cat)),
            rounding_method: RoundingMethod::Nearest,
            rounding_minutes: 15,
            hourly_rate: rate,
            planned_duration_hours: 40.0, // 144000 s
            planned_budget: budget,
        })
    };
    let (l, skipped) = search_listed(EntityType::Project, "live_search_projects");
    assert_eq!(skipped, 0);
    assert_eq!(
        l,
        vec![
            project("demo-proj-website", "Website Relaunch", "demo-cat-clients", 95.0, 3800.0),
            project("demo-proj-app", "Mobile App", "demo-cat-clients", 110.0, 4400.0),
            project("demo-proj-admin", "Administration", "demo-cat-internal", 0.0, 0.0),
            project("4001", "Support Retainer", "demo-cat-clients", 80.0, 3200.0),
        ]
    );
    // The seed's reading of the same demo projects (bare, typed, seed names) is the same.
    let (seed, skipped) = search_listed(EntityType::Project, "seed_search_projects");
    assert_eq!((seed, skipped), (l, 0));

    let task = |id: &str, name: &str, project: &str, billable: bool| {
        Entity::TimedTask(Task { id: s(id), name: s(name), project_id: s(project), billable, planned_duration: 0 })
    };
    let (l, skipped) = search_listed(EntityType::TimedTask, "live_search_tasks");
    assert_eq!(skipped, 0);
    assert_eq!(
        l,
        vec![
            task("demo-task-design", "Design", "demo-proj-website", true),
            task("demo-task-dev", "Development", "demo-proj-website", true),
            task("demo-task-api", "API integration", "demo-proj-app", true),
            task("demo-task-meetings", "Meetings", "demo-proj-admin", false),
            task("demo-task-accounting", "Accounting", "demo-proj-admin", false),
            task("4002", "Hotline", "4001", true),
        ]
    );
    let sub = |id: &str, name: &str, task: &str| Entity::TimedSubTask(SubTask { id: s(id), name: s(name), task_id: s(task), planned_duration: 0 });
    let (l, skipped) = search_listed(EntityType::TimedSubTask, "live_search_subtasks");
    assert_eq!(skipped, 0);
    assert_eq!(
        l,
        vec![
            sub("demo-sub-homepage", "Homepage", "demo-task-design"),
            sub("demo-sub-checkout", "Checkout", "demo-task-design"),
            sub("demo-sub-login", "Login flow", "demo-task-api"),
            sub("4003", "Escalations", "4002"),
        ]
    );
}

/// Numbers and booleans as strings; an item that cannot be read is skipped
/// and counted.
#[test]
fn numbers_and_booleans_as_strings() {
    let (l, skipped) = search_listed(EntityType::TimedTask, "search_tasks_strings");
    assert_eq!(skipped, 1, "Gamma's billable \"maybe\"");
    assert_eq!(
        l,
        vec![
            Entity::TimedTask(Task { id: s("12"), name: s("Alpha"), project_id: s("3"), billable: true, planned_duration: 3600 }),
            Entity::TimedTask(Task { id: s("13"), name: s("Beta"), project_id: s("3"), billable: false, planned_duration: 1800 }),
        ]
    );
    let f = fx("summary_strings_envelope");
    let rows = summary::parse_summary(f.status, &f.headers, &f.body).unwrap();
    assert_eq!(rows.skipped, 0);
    assert_eq!(
        rows.items,
        vec![
            SummaryRow {
                task_id: s("4002"),
                task_name: s("Hotline"),
                subtask_id: None,
                subtask_name: None,
                project_id: s("4001"),
                project_name: s("Support"),
                category_id: None,
                category_name: None,
                billable: true,
                rounding_method: RoundingMethod::Up,
                rounding_minutes: 15,
                hourly_rate: 80.5,
                duration: 5415.0,
                entries: 2,
                rounded_duration: 6300.0, // up to 7 × 15 min
            },
            SummaryRow {
                task_id: s("7"),
                task_name: s("Night shift"),
                subtask_id: None,
                subtask_name: None,
                project_id: s("4001"),
                project_name: s("Support"),
                category_id: Some(s("9")),
                category_name: Some(s("Ops")),
                billable: false,
                rounding_method: RoundingMethod::Down,
                rounding_minutes: 0,
                hourly_rate: 0.0,
                duration: 97_389.0, // 27:03:09
                entries: 3,
                rounded_duration: 97_389.0,
            },
        ]
    );
}

/// Summary rows: the live dialect's `h:mm:ss`, number ids and 0/1, and the
/// seed's seconds, string ids and booleans, read alike.
#[test]
fn summary_durations_as_h_mm_ss_or_seconds() {
    let want = vec![
        SummaryRow {
            task_id: s("4002"),
            task_name: s("Hotline"),
            subtask_id: None,
            subtask_name: None,
            project_id: s("4001"),
            project_name: s("Support Retainer"),
            category_id: Some(s("demo-cat-clients")),
            category_name: Some(s("Clients")),
            billable: true,
            rounding_method: RoundingMethod::Nearest,
            rounding_minutes: 15,
            hourly_rate: 80.0,
            duration: 5415.0, // 1:30:15
            entries: 1,
            rounded_duration: 5400.0, // nearest 15 min
        },
        SummaryRow {
            task_id: s("demo-task-design"),
            task_name: s("Design"),
            subtask_id: Some(s("demo-sub-homepage")),
            subtask_name: Some(s("Homepage")),
            project_id: s("demo-proj-website"),
            project_name: s("Website Relaunch"),
            category_id: Some(s("demo-cat-clients")),
            category_name: Some(s("Clients")),
            billable: true,
            rounding_method: RoundingMethod::Nearest,
            rounding_minutes: 15,
            hourly_rate: 95.0,
            duration: 7200.0, // 2:00:00
            entries: 1,
            rounded_duration: 7200.0,
        },
    ];
    for name in ["live_summary", "seed_summary"] {
        let f = fx(name);
        let rows = summary::parse_summary(f.status, &f.headers, &f.body).unwrap();
        assert_eq!(rows.skipped, 0, "{name}");
        assert_eq!(rows.items, want, "{name}");
    }
}

fn times_listed(name: &str) -> tyme_tab::Result<(Vec<TimeRecord>, usize)> {
    let f = fx(name);
    times::parse_times(f.status, &f.headers, &f.body).map(|l| (l.items, l.skipped))
}

/// Live time entries: ISO dates with `T`, `Z` and milliseconds, a running
/// entry's `time_end` as "", ids and `related_id` numbers read as strings.
#[test]
fn live_times_answer() {
    let (items, skipped) = times_listed("live_times").unwrap();
    assert_eq!(skipped, 0);
    assert_eq!(
        items,
        vec![
            TimeRecord {
                id: s("5001"),
                task_id: s("4002"),
                subtask_id: s(""),
                time_start: wt("2026-01-05 08:00:00"),
                time_end: Some(wt("2026-01-05 09:30:15")),
                note: s("Call"),
            },
            // `related_id` names the sub-task here; without the seed's fields
            // it is read as the parent (a caller with the catalog tells a
            // sub-task apart, as the extension does).
            TimeRecord {
                id: s("5002"),
                task_id: s("demo-sub-homepage"),
                subtask_id: s(""),
                time_start: wt("2026-01-05 10:00:00"),
                time_end: None,
                note: s("Homepage"),
            },
        ]
    );
    // A seed server has no /data/times.
    let e = times_listed("seed_times_missing").unwrap_err();
    assert_eq!((e.kind, e.status), (ErrorKind::NotFound, Some(404)));
}

/// Zone offsets, a fraction without a zone, the zero date as none, the
/// seed's fields, a bare list, and one unreadable item skipped and counted.
#[test]
fn times_offsets_and_zero_dates() {
    let (items, skipped) = times_listed("times_offsets_and_zero_dates").unwrap();
    assert_eq!(skipped, 1, "e4's time_start \"yesterday\"");
    assert_eq!(
        items,
        vec![
            TimeRecord {
                id: s("e1"),
                task_id: s("t1"),
                subtask_id: s(""),
                time_start: wt("2026-01-05 08:00:00"), // 10:00 at +02:00
                time_end: Some(wt("2026-01-05 09:00:00")),
                note: s("offset"),
            },
            TimeRecord {
                id: s("e2"),
                task_id: s("t1"),
                subtask_id: s(""),
                time_start: wt("2026-01-05 09:30:00"), // .250 dropped
                time_end: None,                        // 0000-00-00 00:00:00
                note: s("zero date"),
            },
            TimeRecord {
                id: s("e3"),
                task_id: s("t2"),
                subtask_id: s("s2"),
                time_start: wt("2026-01-05 01:30:00"), // 07:00 at +05:30
                time_end: None,
                note: s("seed fields"),
            },
        ]
    );
}

/// The member id, a number (live, bare) or a string (in an envelope).
#[test]
fn member_ids() {
    for name in ["live_members_me", "members_me_envelope"] {
        let f = fx(name);
        assert_eq!(members::parse_me(f.status, &f.headers, &f.body).unwrap(), "1001", "{name}");
    }
}

/// The entry `recorded_entry` of tests/sandbox_api.rs, as the seed fixture answers it, with another note.
fn sent_recorded() -> Entity {
    Entity::from_json(
        &json!({"type":"TimedTaskRecord","id":"r-recorded","task_id":"4002","subtask_id":"","time_start":"2026-01-05 11:00:00","time_end":"2026-01-05 11:15:00","note":"sent"}),
        ErrorKind::InvalidInput,
    )
    .unwrap()
}

/// Any 2xx on a write is applied: the stored entity where the answer is one
/// of the same id (bare or in an envelope), else the entity sent.
#[test]
fn write_answers() {
    for name in ["live_update_success", "live_update_html", "live_update_truncated", "empty_body", "update_success_envelope"] {
        assert_eq!(parse_update(name).unwrap(), sent_record(), "{name}");
    }
    // The seed answers the stored entity, which wins over what was sent.
    let f = fx("seed_update_entity");
    let stored = update::parse_update(sent_recorded(), f.status, &f.headers, &f.body).unwrap();
    let want = TimeRecord {
        id: s("r-recorded"),
        task_id: s("4002"),
        subtask_id: s(""),
        time_start: wt("2026-01-05 11:00:00"),
        time_end: Some(wt("2026-01-05 11:15:00")),
        note: s("Recorded"),
    };
    assert_eq!(stored, Entity::TimedTaskRecord(want));
    match parse_update("update_entity_envelope").unwrap() {
        Entity::TimedTaskRecord(r) => assert_eq!(
            r,
            TimeRecord { id: s("r1"), task_id: s("t1"), subtask_id: s(""), time_start: wt("2025-06-01 08:30:00"), time_end: None, note: s("stored") }
        ),
        other => panic!("{other:?}"),
    }
    // A live refusal of the member id names it (what makes the client ask
    // /data/members/me again).
    let f = fx("live_update_user_id_refused");
    assert!(names_field(&f.body, "user_id"));
    let e = parse_update("live_update_user_id_refused").unwrap_err();
    assert_eq!((e.kind, e.status), (ErrorKind::InvalidInput, Some(400)));
    assert!(e.message.contains("user_id is not a member of this team") && e.message.contains("field user_id"), "{}", e.message);
}

/// Discard, subscribe and unsubscribe answers of the live dialect: a 404
/// on unsubscribing is "already gone" with the live verbs only.
#[test]
fn live_delete_and_webhook_answers() {
    let f = fx("live_delete_success");
    delete::parse_delete(f.status, &f.headers, &f.body).unwrap();
    let f = fx("live_webhook_subscribe");
    webhooks::parse_webhook(f.status, &f.headers, &f.body).unwrap();
    let f = fx("empty_body");
    webhooks::parse_webhook(f.status, &f.headers, &f.body).unwrap();
    let f = fx("live_webhook_unsubscribe_gone");
    webhooks::parse_unsubscribe(WebhookVerbs::Live, f.status, &f.headers, &f.body).unwrap();
    let e = webhooks::parse_unsubscribe(WebhookVerbs::Seed, f.status, &f.headers, &f.body).unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound);
}

/// The answers the client learns a server's dialect from.
#[test]
fn discovery_answers_teach_the_dialect() {
    // A seed server refuses a refresh at /v1/access_token: try /v1/refresh_token.
    let f = fx("seed_refresh_at_access_token");
    let mut d = Dialect::default();
    assert_eq!(d.learn_refresh(RefreshAt::AccessToken, f.status, &f.body, true), Learned::TryOther);
    assert_eq!(d.refresh, Some(RefreshAt::RefreshToken));
    // A live server has no /v1/refresh_token: back to /v1/access_token.
    let f = fx("live_refresh_at_refresh_token");
    assert_eq!(d.learn_refresh(RefreshAt::RefreshToken, f.status, &f.body, true), Learned::TryOther);
    assert_eq!(d.refresh, Some(RefreshAt::AccessToken));
    let f = fx("live_token_ok");
    assert_eq!(d.learn_refresh(RefreshAt::AccessToken, f.status, &f.body, false), Learned::Done);
    assert_eq!(d.refresh, Some(RefreshAt::AccessToken));
    // Webhooks: the seed's 405 to the live verbs, the live success.
    let f = fx("seed_webhook_subscribe_post");
    let mut d = Dialect::default();
    assert_eq!(d.learn_webhooks(WebhookVerbs::Live, f.status, &f.body, true), Learned::TryOther);
    assert_eq!(d.webhooks, Some(WebhookVerbs::Seed));
    let f = fx("live_webhook_subscribe");
    let mut d = Dialect::default();
    assert_eq!(d.learn_webhooks(WebhookVerbs::Live, f.status, &f.body, true), Learned::Done);
    assert_eq!(d.webhooks, Some(WebhookVerbs::Live));
    // Optional endpoints.
    let mut slot = None;
    Dialect::learn_endpoint(&mut slot, fx("seed_times_missing").status);
    assert_eq!(slot, Some(false));
    Dialect::learn_endpoint(&mut slot, fx("live_times").status);
    assert_eq!(slot, Some(true));
}

/// Token answers: the live sandbox's JSON, and a form-encoded one.
#[test]
fn token_answers_json_and_form_encoded() {
    let t = token("live_token_ok", TokenGrant::AuthorizationCode, None).unwrap();
    assert_eq!((t.access_token.expose(), t.refresh_token.expose()), ("at_recorded_0123456789abcdef", "rt_recorded_0123456789abcdef"));
    assert_eq!((t.token_type.as_str(), t.expires_at_ms), ("Bearer", NOW + 3_600_000));
    let t = token("token_form_encoded", TokenGrant::RefreshToken, None).unwrap();
    assert_eq!((t.access_token.expose(), t.refresh_token.expose()), ("at_form_0123456789abcdef", "rt_form_0123456789abcdef"));
    assert_eq!((t.token_type.as_str(), t.expires_at_ms), ("bearer", NOW + 7_200_000));
}

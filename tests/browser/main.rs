//! wasm-bindgen-test suite for the JS-facing API, run in headless Chromium:
//! error objects, JSON shapes (no BigInt), and real fetches. The sandbox
//! part needs `TYME_SANDBOX_URL` at build time (`make test-wasm` starts a
//! sandbox); without it those tests fail, unless `TYME_SKIP_SANDBOX` is set
//! at build time.
#![cfg(target_arch = "wasm32")]

use js_sys::{Array, Function, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

use tyme_tab::http::MAX_BODY;
use tyme_tab::wasm::{format_date_time, new_id, parse_date_time, round_duration, TymeClient};
use tyme_tab::wasm::note::make_note;
use tyme_tab::wasm::outbox::{outbox_ack, outbox_due, outbox_enqueue, outbox_new, outbox_next_wake};

wasm_bindgen_test_configure!(run_in_browser);

fn get(v: &JsValue, k: &str) -> JsValue {
    Reflect::get(v, &k.into()).unwrap()
}

fn obj(pairs: &[(&str, JsValue)]) -> JsValue {
    let o = js_sys::Object::new();
    for (k, v) in pairs {
        Reflect::set(&o, &(*k).into(), v).unwrap();
    }
    o.into()
}

fn assert_tyme_error(e: &JsValue, code: &str) {
    assert!(e.is_instance_of::<js_sys::Error>(), "not an Error: {e:?}");
    assert_eq!(get(e, "name").as_string().as_deref(), Some("TymeError"));
    assert_eq!(get(e, "code").as_string().as_deref(), Some(code), "message: {:?}", get(e, "message").as_string());
    assert!(get(e, "message").as_string().is_some_and(|m| !m.is_empty()));
}

async fn settle(p: Promise) -> Result<JsValue, JsValue> {
    JsFuture::from(p).await
}

fn config(base: &str, on_tokens: Option<&Function>) -> JsValue {
    let mut pairs = vec![
        ("baseUrl", JsValue::from_str(base)),
        ("clientId", JsValue::from_str("tyme-tab-browser")),
        ("redirectUri", JsValue::from_str("https://tyme-tab.test/cb")),
    ];
    if let Some(f) = on_tokens {
        pairs.push(("onTokens", f.clone().into()));
    }
    obj(&pairs)
}

/// No value handed to JS may be a BigInt, anywhere inside.
fn assert_no_bigint(v: &JsValue) {
    assert!(!v.is_bigint(), "BigInt found");
    if Array::is_array(v) {
        for item in Array::from(v).iter() {
            assert_no_bigint(&item);
        }
    } else if v.is_object() && !v.is_function() {
        let o: &js_sys::Object = v.unchecked_ref();
        for k in js_sys::Object::keys(o).iter() {
            assert_no_bigint(&Reflect::get(v, &k).unwrap());
        }
    }
}

#[wasm_bindgen_test]
fn date_time_helpers() {
    assert_eq!(format_date_time(946_684_800_000.0).unwrap(), "2000-01-01 00:00:00");
    assert_eq!(parse_date_time("2025-12-31 23:59:59").unwrap(), 1_767_225_599_000.0);
    assert_tyme_error(&parse_date_time("2025-12-31T23:59:59Z").unwrap_err(), "invalid_input");
    assert_tyme_error(&format_date_time(f64::NAN).unwrap_err(), "invalid_input");
}

#[wasm_bindgen_test]
fn rounding_helper() {
    assert_eq!(round_duration(1.0, "UP", 15.0).unwrap(), 900.0);
    assert_eq!(round_duration(449.0, "NEAREST", 15.0).unwrap(), 0.0);
    assert_eq!(round_duration(1799.0, "DOWN", 15.0).unwrap(), 900.0);
    assert_eq!(round_duration(61.0, "UP", 0.0).unwrap(), 61.0);
    assert_tyme_error(&round_duration(1.0, "SIDEWAYS", 15.0).unwrap_err(), "invalid_input");
}

#[wasm_bindgen_test]
fn outbox_next_wake_is_null_or_a_number() {
    // null (as the .d.ts says: number | null), never undefined.
    let empty = outbox_new().unwrap();
    assert!(outbox_next_wake(empty.clone()).unwrap().is_null());
    assert!(outbox_next_wake(JsValue::UNDEFINED).unwrap().is_null());
    let entity = obj(&[("type", "Project".into()), ("id", "p1".into()), ("name", "P".into())]);
    let state = outbox_enqueue(empty, entity, 1_700_000_000_000.0).unwrap();
    assert_eq!(outbox_next_wake(state.clone()).unwrap().as_f64(), Some(1_700_000_000_000.0));
    let op = Array::from(&outbox_due(state.clone(), 1_700_000_000_000.0).unwrap()).get(0);
    let op_id = get(&op, "opId").as_string().unwrap();
    assert!(get(&op, "lastError").is_null() && get(&op, "sendingSince").is_null());
    let done = outbox_ack(state, &op_id).unwrap();
    assert!(outbox_next_wake(done).unwrap().is_null());
}

#[wasm_bindgen_test]
fn make_note_options_are_optional() {
    let want = "T — https://e.test/";
    assert_eq!(make_note("https://e.test/?token=1", "T", JsValue::UNDEFINED).unwrap(), want);
    assert_eq!(make_note("https://e.test/?token=1", "T", JsValue::NULL).unwrap(), want);
    let short = obj(&[("maxLength", 16.into())]);
    assert_eq!(make_note("https://e.test/abcdefghijklmnop", "T", short).unwrap().chars().count(), 16);
    assert_tyme_error(&make_note("https://e.test/", "T", obj(&[("maxLength", "x".into())])).unwrap_err(), "invalid_input");
}

#[wasm_bindgen_test]
fn new_ids_are_uuid_v4_and_distinct() {
    let a = new_id().unwrap();
    let b = new_id().unwrap();
    assert_ne!(a, b);
    assert_eq!(a.len(), 36);
    assert_eq!(&a[14..15], "4");
    assert!(matches!(&a[19..20], "8" | "9" | "a" | "b"));
}

#[wasm_bindgen_test]
fn constructor_refuses_bad_config() {
    assert_tyme_error(&TymeClient::new(JsValue::from_str("x")).err().unwrap(), "invalid_input");
    assert_tyme_error(&TymeClient::new(config("ftp://nope", None)).err().unwrap(), "invalid_input");
    let bad_cb = obj(&[
        ("baseUrl", "http://127.0.0.1:9".into()),
        ("clientId", "c".into()),
        ("redirectUri", "https://x/cb".into()),
        ("onTokens", 5.into()),
    ]);
    assert_tyme_error(&TymeClient::new(bad_cb).err().unwrap(), "invalid_input");
}

#[wasm_bindgen_test]
fn sign_in_shapes_and_redirects() {
    let c = TymeClient::new(config("http://127.0.0.1:9", None)).unwrap();
    let s = c.begin_sign_in().unwrap();
    let url = get(&s, "url").as_string().unwrap();
    let state = get(&s, "state").as_string().unwrap();
    let verifier = get(&s, "verifier").as_string().unwrap();
    assert!(url.starts_with("http://127.0.0.1:9/v1/authorize?response_type=code&client_id=tyme-tab-browser&state="), "{url}");
    assert!(url.contains("code_challenge_method=S256"));
    assert!(state.len() >= 22 && verifier.len() >= 43);
    assert_ne!(state, get(&c.begin_sign_in().unwrap(), "state").as_string().unwrap());
    let ok = format!("https://tyme-tab.test/cb?code=abc&state={state}");
    assert_eq!(TymeClient::parse_redirect(&ok, &state).unwrap(), "abc");
    assert_tyme_error(&TymeClient::parse_redirect(&ok, "other").unwrap_err(), "invalid_state");
    assert_tyme_error(&TymeClient::parse_redirect(&format!("https://x/cb?state={state}"), &state).unwrap_err(), "missing_code");
    let denied = TymeClient::parse_redirect(&format!("https://x/cb?error=access_denied&state={state}"), &state).unwrap_err();
    assert_tyme_error(&denied, "access_denied");
}

#[wasm_bindgen_test]
fn tokens_are_plain_numbers_and_strings() {
    let c = TymeClient::new(config("http://127.0.0.1:9", None)).unwrap();
    assert!(c.get_tokens().unwrap().is_null());
    let t = obj(&[
        ("accessToken", "a".into()),
        ("refreshToken", "r".into()),
        ("tokenType", "Bearer".into()),
        ("expiresAt", 1_767_225_599_000.0.into()),
    ]);
    c.set_tokens(t).unwrap();
    let back = c.get_tokens().unwrap();
    assert_no_bigint(&back);
    assert_eq!(get(&back, "expiresAt").as_f64(), Some(1_767_225_599_000.0));
    assert_eq!(get(&back, "accessToken").as_string().as_deref(), Some("a"));
    assert_tyme_error(&c.set_tokens(obj(&[("accessToken", "a".into())])).unwrap_err(), "invalid_input");
    c.set_tokens(JsValue::NULL).unwrap();
    assert!(c.get_tokens().unwrap().is_null());
}

#[wasm_bindgen_test]
async fn data_calls_without_tokens_are_unauthorized() {
    let c = TymeClient::new(config("http://127.0.0.1:9", None)).unwrap();
    let e = settle(c.search_entity("Project".into(), "".into(), None)).await.unwrap_err();
    assert_tyme_error(&e, "unauthorized");
    let e = settle(c.search_entity("Nope".into(), "".into(), None)).await.unwrap_err();
    assert_tyme_error(&e, "invalid_input");
}

/// A real fetch to a closed port on 127.0.0.1 rejects with `network`.
#[wasm_bindgen_test]
async fn unreachable_server_is_network() {
    let c = TymeClient::new(config("http://127.0.0.1:9", None)).unwrap();
    let t = obj(&[("accessToken", "a".into()), ("refreshToken", "r".into()), ("expiresAt", 4.0e12.into())]);
    c.set_tokens(t).unwrap();
    let e = settle(c.summary(0.0, 1000.0)).await.unwrap_err();
    assert_tyme_error(&e, "network");
    let msg = get(&e, "message").as_string().unwrap();
    assert!(!msg.contains("a\""), "{msg}");
}

// ---------- against the sandbox ----------

/// The sandbox's address, baked in at build time.  Without it the sandbox
/// tests fail, unless `TYME_SKIP_SANDBOX` was set at build time too: then
/// they say so and return.
fn sandbox_url() -> Option<&'static str> {
    match (option_env!("TYME_SANDBOX_URL"), option_env!("TYME_SKIP_SANDBOX")) {
        (Some(u), _) => Some(u),
        (None, Some(_)) => {
            console_log!("TYME_SKIP_SANDBOX set and no TYME_SANDBOX_URL: sandbox test skipped");
            None
        }
        (None, None) => panic!(
            "TYME_SANDBOX_URL was not set at build time: run `make test-wasm` (it starts a sandbox), \
             or set TYME_SKIP_SANDBOX=1 to skip the sandbox tests on purpose"
        ),
    }
}

async fn fetch_json(method: &str, url: &str, body: Option<&str>) -> JsValue {
    let mut b = gloo_net::http::RequestBuilder::new(url).method(method.parse().unwrap()).header("Content-Type", "application/json");
    // The control API answers only this run's token (scripts/with-sandbox.sh);
    // other paths get no such header (their CORS does not list it).
    if url.contains("/_sandbox/") {
        b = b.header("X-Sandbox-Token", option_env!("TYME_SANDBOX_CONTROL_TOKEN").unwrap_or(""));
    }
    b = b.header("Accept", "application/json");
    let req = match body {
        Some(s) => b.body(s).unwrap(),
        None => b.build().unwrap(),
    };
    let resp = req.send().await.expect("control fetch");
    assert!(resp.ok(), "{method} {url}: {}", resp.status());
    let text = resp.text().await.unwrap();
    js_sys::JSON::parse(&text).unwrap_or(JsValue::NULL)
}

/// Registers a client whose redirect URI is on the sandbox itself, so a
/// plain fetch of the authorize URL ends on a URL carrying the code.
async fn signed_in_client(base: &str, on_tokens: Option<&Function>) -> TymeClient {
    signed_in_client_with(base, on_tokens, None).await
}

/// The client's config against the sandbox, with `onTokens`, `onDialect`
/// and a known `dialect` where given.
fn sandbox_config(base: &str, on_tokens: Option<&Function>, on_dialect: Option<&Function>, dialect: Option<&JsValue>) -> JsValue {
    let redirect = format!("{base}/_sandbox/state");
    let f = |f: Option<&Function>| f.map(|f| f.clone().into()).unwrap_or(JsValue::UNDEFINED);
    obj(&[
        ("baseUrl", base.into()),
        ("clientId", "tyme-tab-browser".into()),
        ("redirectUri", redirect.as_str().into()),
        ("onTokens", f(on_tokens)),
        ("onDialect", f(on_dialect)),
        ("dialect", dialect.cloned().unwrap_or(JsValue::UNDEFINED)),
    ])
}

async fn signed_in_client_with(base: &str, on_tokens: Option<&Function>, on_dialect: Option<&Function>) -> TymeClient {
    let redirect = format!("{base}/_sandbox/state");
    fetch_json("POST", &format!("{base}/_sandbox/clients"), Some(&format!(r#"{{"client_id":"tyme-tab-browser","redirect_uris":["{redirect}"]}}"#))).await;
    let c = TymeClient::new(sandbox_config(base, on_tokens, on_dialect, None)).unwrap();
    let s = c.begin_sign_in().unwrap();
    let resp = gloo_net::http::Request::get(&get(&s, "url").as_string().unwrap()).send().await.expect("authorize");
    let code = TymeClient::parse_redirect(&resp.url(), &get(&s, "state").as_string().unwrap()).unwrap();
    let tokens = settle(c.exchange_code(code, get(&s, "verifier").as_string().unwrap())).await.unwrap();
    assert_no_bigint(&tokens);
    assert!(get(&tokens, "expiresAt").as_f64().unwrap() > js_sys::Date::now());
    c
}

#[wasm_bindgen_test]
async fn sandbox_round_trip_shapes() {
    let Some(base) = sandbox_url() else { return };
    fetch_json("POST", &format!("{base}/_sandbox/reset"), Some("{}")).await;
    let c = signed_in_client(base, None).await;
    let input = obj(&[("type", "ProjectCategory".into()), ("name", "Browser clients".into())]);
    let cat = settle(c.update_entity(input)).await.unwrap();
    let id = get(&cat, "id").as_string().unwrap();
    assert_eq!(id.len(), 36, "generated id");
    assert_eq!(get(&cat, "type").as_string().as_deref(), Some("ProjectCategory"));
    assert_eq!(get(&cat, "name").as_string().as_deref(), Some("Browser clients"));
    // Stored under the client's id in either dialect (the seed answers the
    // stored entity, the live service `{"status":"success"}`).
    let state = sandbox_state(base).await;
    let stored = find_by_id(&get(&state, "categories"), &id).expect("the category is stored under the generated id");
    assert_eq!(get(&stored, "name").as_string().as_deref(), Some("Browser clients"));
    let list = settle(c.search_entity("ProjectCategory".into(), "browser".into(), None)).await.unwrap();
    assert!(Array::is_array(&list));
    assert_eq!(Array::from(&list).length(), 1);
    assert_eq!(get(&Array::from(&list).get(0), "id").as_string(), Some(id));
    assert_eq!(get(&list, "skipped").as_f64(), Some(0.0));
    let task_input = js_sys::JSON::parse(r#"{"type":"TimedTask","name":"t","project_id":"missing","billable":true}"#).unwrap();
    let e = settle(c.update_entity(task_input)).await.unwrap_err();
    assert_tyme_error(&e, "not_found");
    let rows = settle(c.summary(0.0, js_sys::Date::now())).await.unwrap();
    assert_no_bigint(&rows);
    settle(c.subscribe_webhook("http://127.0.0.1:9/h".into(), "time".into())).await.unwrap();
    let e = settle(c.subscribe_webhook("http://127.0.0.1:9/h".into(), "nope".into())).await.unwrap_err();
    assert_tyme_error(&e, "invalid_input");
    settle(c.unsubscribe_webhook("http://127.0.0.1:9/h".into(), "time".into())).await.unwrap();
}

#[wasm_bindgen_test]
async fn sandbox_single_flight_refresh_and_on_tokens() {
    let Some(base) = sandbox_url() else { return };
    let seen = Array::new();
    let seen2 = seen.clone();
    let cb = Closure::<dyn FnMut(JsValue) -> Promise>::new(move |t: JsValue| {
        seen2.push(&t);
        Promise::resolve(&JsValue::UNDEFINED)
    });
    let f: &Function = cb.as_ref().unchecked_ref();
    let c = signed_in_client(base, Some(f)).await;
    assert_eq!(seen.length(), 1, "onTokens after the code exchange");
    let before = fetch_json("GET", &format!("{base}/_sandbox/state"), None).await;
    let refreshes_before = get(&get(&before, "stats"), "refreshes").as_f64().unwrap();

    // Make the held token due for a refresh (expired), then fire three calls at once.
    let t = c.get_tokens().unwrap();
    Reflect::set(&t, &"expiresAt".into(), &(js_sys::Date::now() - 1.0).into()).unwrap();
    c.set_tokens(t).unwrap();
    let calls = Array::of3(
        &c.search_entity("Project".into(), "".into(), None),
        &c.search_entity("ProjectCategory".into(), "".into(), None),
        &c.summary(0.0, js_sys::Date::now()),
    );
    JsFuture::from(Promise::all(&calls)).await.unwrap();
    let after = fetch_json("GET", &format!("{base}/_sandbox/state"), None).await;
    assert_eq!(get(&get(&after, "stats"), "refreshes").as_f64().unwrap(), refreshes_before + 1.0, "one refresh for three calls");
    assert_eq!(seen.length(), 2, "onTokens with the rotated pair");
    let latest = seen.get(1);
    assert_eq!(get(&latest, "refreshToken").as_string(), get(&c.get_tokens().unwrap(), "refreshToken").as_string());

    // A 401 (tokens expired server-side) is cured by one refresh.
    fetch_json("POST", &format!("{base}/_sandbox/expire_tokens"), Some("{}")).await;
    settle(c.search_entity("Project".into(), "".into(), None)).await.unwrap();
    assert_eq!(seen.length(), 3);

    // A spent refresh token: reauth_required and onTokens(null).
    let stale = seen.get(1);
    c.set_tokens(stale).unwrap();
    let e = settle(c.refresh()).await.unwrap_err();
    assert_tyme_error(&e, "reauth_required");
    assert!(seen.get(3).is_null());
    assert!(c.get_tokens().unwrap().is_null());
    drop(cb);
}

async fn sandbox_refreshes(base: &str) -> f64 {
    let state = fetch_json("GET", &format!("{base}/_sandbox/state"), None).await;
    get(&get(&state, "stats"), "refreshes").as_f64().unwrap()
}

/// A token living under two minutes is refreshed at half its lifetime, not
/// 60 s before expiry (which would be before every call).
#[wasm_bindgen_test]
async fn sandbox_short_lived_token_is_not_refreshed_before_every_call() {
    let Some(base) = sandbox_url() else { return };
    let c = signed_in_client(base, None).await;
    let t = c.get_tokens().unwrap();
    let issued = get(&t, "issuedAt").as_f64().expect("issuedAt handed out");
    assert!(issued <= js_sys::Date::now() && get(&t, "expiresAt").as_f64().unwrap() > issued);

    // Lifetime 40 s, 30 s left: the margin is 20 s, so no refresh yet.
    let now = js_sys::Date::now();
    Reflect::set(&t, &"issuedAt".into(), &(now - 10_000.0).into()).unwrap();
    Reflect::set(&t, &"expiresAt".into(), &(now + 30_000.0).into()).unwrap();
    c.set_tokens(t.clone()).unwrap();
    let before = sandbox_refreshes(base).await;
    settle(c.search_entity("Project".into(), "".into(), None)).await.unwrap();
    settle(c.summary(0.0, js_sys::Date::now())).await.unwrap();
    assert_eq!(sandbox_refreshes(base).await, before, "no refresh with 30 s of a 40 s lifetime left");
    assert_eq!(get(&c.get_tokens().unwrap(), "accessToken").as_string(), get(&t, "accessToken").as_string());

    // The same set without issuedAt (stored by an older version): 60 s margin.
    Reflect::delete_property(t.unchecked_ref::<js_sys::Object>(), &"issuedAt".into()).unwrap();
    c.set_tokens(t).unwrap();
    settle(c.search_entity("Project".into(), "".into(), None)).await.unwrap();
    assert_eq!(sandbox_refreshes(base).await, before + 1.0, "refreshed within the 60 s margin");
}

/// `timeoutMs`: a request with no answer in time rejects with `network`
/// saying it timed out, before the server (2 s of injected latency) answered.
#[wasm_bindgen_test]
async fn sandbox_request_times_out() {
    let Some(base) = sandbox_url() else { return };
    let c = signed_in_client(base, None).await;
    let tokens = c.get_tokens().unwrap();
    let cfg = obj(&[
        ("baseUrl", base.into()),
        ("clientId", "tyme-tab-browser".into()),
        ("redirectUri", format!("{base}/_sandbox/state").as_str().into()),
        ("timeoutMs", 300.into()),
    ]);
    let quick = TymeClient::new(cfg).unwrap();
    quick.set_tokens(tokens).unwrap();
    settle(quick.search_entity("Project".into(), "".into(), None)).await.expect("answers in time without latency");

    fetch_json("POST", &format!("{base}/_sandbox/faults"), Some(r#"{"latency_ms":2000}"#)).await;
    fetch_json("DELETE", &format!("{base}/_sandbox/log"), None).await;
    let r = settle(quick.search_entity("Project".into(), "".into(), None)).await;
    // Rejected before the server answered: no search is in the log yet
    // (a request is logged when it is answered).
    let log = fetch_json("GET", &format!("{base}/_sandbox/log"), None).await;
    let answered = js_sys::Array::from(&log).iter().filter(|e| get(e, "path").as_string().is_some_and(|p| p.starts_with("/data/search_entity"))).count();
    assert_eq!(answered, 0, "the timeout came only after the server answered");
    // The default (30 s) client still gets its answer.
    let slow = settle(c.search_entity("Project".into(), "".into(), None)).await;
    fetch_json("DELETE", &format!("{base}/_sandbox/faults"), None).await;

    let e = r.unwrap_err();
    assert_tyme_error(&e, "network");
    let msg = get(&e, "message").as_string().unwrap();
    assert!(msg.contains("timed out") && msg.contains("300 ms"), "{msg}");
    slow.expect("the default timeout outlasts 2 s of latency");
}

#[wasm_bindgen_test]
fn constructor_refuses_bad_timeouts() {
    for bad in [JsValue::from(0), JsValue::from(-5), JsValue::from(1e12), JsValue::from_str("300")] {
        let cfg = obj(&[
            ("baseUrl", "http://127.0.0.1:9".into()),
            ("clientId", "c".into()),
            ("redirectUri", "https://x/cb".into()),
            ("timeoutMs", bad),
        ]);
        assert_tyme_error(&TymeClient::new(cfg).err().unwrap(), "invalid_input");
    }
}

/// Replaces the global `fetch` with one answering 200 with a streamed body
/// (no Content-Length): `total` bytes of `fill` in 1 MiB chunks, or `text` in
/// one-byte chunks.  Returns `{pulled, cancelled, restore()}`.
fn fake_streaming_fetch(total: f64, text: &str) -> JsValue {
    let install = Function::new_with_args(
        "total, text",
        r#"
        const real = globalThis.fetch;
        const st = { pulled: 0, cancelled: false, restore() { globalThis.fetch = real; } };
        globalThis.fetch = async () => {
          const bytes = new TextEncoder().encode(text);
          let i = 0;
          const chunk = new Uint8Array(1 << 20).fill(0x20);
          const body = new ReadableStream({
            pull(c) {
              if (text) { if (i < bytes.length) { c.enqueue(bytes.slice(i, i + 1)); i++; } else c.close(); return; }
              if (st.pulled >= total) { c.close(); return; }
              st.pulled += chunk.length; c.enqueue(chunk.slice());
            },
            cancel() { st.cancelled = true; },
          });
          return new Response(body, { status: 200, headers: { 'Content-Type': 'application/json' } });
        };
        return st;"#,
    );
    install.call2(&JsValue::NULL, &total.into(), &text.into()).unwrap()
}

fn restore(st: &JsValue) {
    get(st, "restore").unchecked_into::<Function>().call0(st).unwrap();
}

/// A body without Content-Length is read as a stream and refused as soon as
/// it passes the limit (`MAX_BODY`): not read to its end.
#[wasm_bindgen_test]
async fn streamed_body_over_the_limit_is_cut_off() {
    let c = TymeClient::new(config("http://127.0.0.1:9", None)).unwrap();
    c.set_tokens(obj(&[("accessToken", "a".into()), ("refreshToken", "r".into()), ("expiresAt", 4.0e12.into())])).unwrap();

    // Twice the limit plus some: a reader that does not stop reads it all.
    let total = 2.0 * MAX_BODY as f64 + 8.0 * 1048576.0;
    let st = fake_streaming_fetch(total, "");
    let r = settle(c.summary(0.0, 1000.0)).await;
    restore(&st);
    let e = r.unwrap_err();
    assert_tyme_error(&e, "bad_response");
    assert!(get(&e, "message").as_string().unwrap().contains("too large"));
    let pulled = get(&st, "pulled").as_f64().unwrap();
    // The limit and at most three chunks of 1 MiB past it (those in flight).
    assert!(pulled <= MAX_BODY as f64 + 3.0 * 1048576.0, "read {pulled} bytes of a {total}-byte body");
    assert_eq!(get(&st, "cancelled").as_bool(), Some(true), "the stream is cancelled");

    // A small body arriving byte by byte is put together whole.
    let row = r#"[{"task_id":"t","task_name":"Ä task","project_id":"p","project_name":"P","duration":90,"rounding_method":"UP","rounding_minutes":1}]"#;
    let st = fake_streaming_fetch(0.0, row);
    let r = settle(c.summary(0.0, 1000.0)).await;
    restore(&st);
    let rows = r.unwrap();
    assert_eq!(Array::from(&rows).length(), 1);
    let first = Array::from(&rows).get(0);
    assert_eq!(get(&first, "task_name").as_string().as_deref(), Some("Ä task"));
    assert_eq!(get(&first, "rounded_duration").as_f64(), Some(120.0));
}

// ---------- what the client learns of the server (src/dialect.rs) ----------

async fn sandbox_state(base: &str) -> JsValue {
    fetch_json("GET", &format!("{base}/_sandbox/state"), None).await
}

fn find_by_id(list: &JsValue, id: &str) -> Option<JsValue> {
    Array::from(list).iter().find(|e| get(e, "id").as_string().as_deref() == Some(id))
}

/// A JS value as JSON, to compare with `serde_json::json!`.
fn to_value(v: &JsValue) -> serde_json::Value {
    serde_json::from_str(&js_sys::JSON::stringify(v).unwrap().as_string().unwrap()).unwrap()
}

/// Whether the sandbox speaks the live dialect (`GET /` names it). Called
/// before the log is cleared, as the probe is logged too.
async fn speaks_live(base: &str) -> bool {
    let v = fetch_json("GET", &format!("{base}/"), None).await;
    match get(&v, "dialect").as_string().as_deref() {
        Some("live") => true,
        Some("seed") => false,
        other => panic!("GET / names no dialect: {other:?}"),
    }
}

/// A fresh sandbox state and request log; answers whether it speaks live.
async fn fresh_sandbox(base: &str) -> bool {
    fetch_json("POST", &format!("{base}/_sandbox/reset"), Some("{}")).await;
    let live = speaks_live(base).await;
    clear_log(base).await;
    live
}

async fn clear_log(base: &str) {
    fetch_json("DELETE", &format!("{base}/_sandbox/log"), None).await;
}

/// The requests the sandbox logged since the log was last cleared, as
/// `"METHOD /path status"` (CORS preflights left out).
async fn requests(base: &str) -> Vec<String> {
    let log = fetch_json("GET", &format!("{base}/_sandbox/log"), None).await;
    Array::from(&log)
        .iter()
        .filter(|e| get(e, "method").as_string().as_deref() != Some("OPTIONS"))
        .map(|e| format!("{} {} {}", get(&e, "method").as_string().unwrap(), get(&e, "path").as_string().unwrap(), get(&e, "status").as_f64().unwrap()))
        .collect()
}

/// The requests logged since the last look, then a fresh log.
async fn take_requests(base: &str) -> Vec<String> {
    let r = requests(base).await;
    clear_log(base).await;
    r
}

/// Every value an `onDialect` (or any one-argument callback) was called with.
struct Calls {
    seen: Array,
    cb: Closure<dyn FnMut(JsValue)>,
}

impl Calls {
    fn new() -> Self {
        let seen = Array::new();
        let s = seen.clone();
        Calls { seen, cb: Closure::new(move |v: JsValue| { s.push(&v); }) }
    }
    fn func(&self) -> &Function {
        self.cb.as_ref().unchecked_ref()
    }
    fn count(&self) -> u32 {
        self.seen.length()
    }
    fn last(&self) -> serde_json::Value {
        assert!(self.count() > 0, "onDialect was never called");
        to_value(&self.seen.get(self.count() - 1))
    }
}

/// A project `p-{task}` and task `task` (billable) to hang time entries on.
async fn make_task(c: &TymeClient, task: &str) {
    let p = js_sys::JSON::parse(&format!(r#"{{"type":"Project","id":"p-{task}","name":"Project {task}"}}"#)).unwrap();
    settle(c.update_entity(p)).await.unwrap();
    let t = js_sys::JSON::parse(&format!(r#"{{"type":"TimedTask","id":"{task}","name":"Task {task}","project_id":"p-{task}","billable":true}}"#)).unwrap();
    settle(c.update_entity(t)).await.unwrap();
}

fn wire_time(ms: f64) -> String {
    format_date_time(ms).unwrap()
}

/// Now, in whole seconds (the wire has no fractions).
fn now_s() -> f64 {
    (js_sys::Date::now() / 1000.0).floor() * 1000.0
}

/// A running time entry on `task` that started an hour ago.
fn running_entry(id: &str, task: &str) -> JsValue {
    let start = wire_time(now_s() - 3_600_000.0);
    js_sys::JSON::parse(&format!(r#"{{"type":"TimedTaskRecord","id":"{id}","task_id":"{task}","subtask_id":"","time_start":"{start}","time_end":null,"note":"n"}}"#)).unwrap()
}

/// The refresh path is found on the first refresh (the seed's server refuses
/// the live way once: two token requests) and then used straight away (one).
#[wasm_bindgen_test]
async fn sandbox_refresh_path_is_learned_once() {
    let Some(base) = sandbox_url() else { return };
    let live = fresh_sandbox(base).await;
    let learned = Calls::new();
    let c = signed_in_client_with(base, None, Some(learned.func())).await;
    clear_log(base).await;
    let first = settle(c.refresh()).await.unwrap();
    let want = match live {
        true => vec!["POST /v1/access_token 200"],
        false => vec!["POST /v1/access_token 400", "POST /v1/refresh_token 200"],
    };
    assert_eq!(take_requests(base).await, want);
    let path = if live { "access_token" } else { "refresh_token" };
    assert_eq!(learned.last()["refresh"], path);
    assert_eq!(to_value(&c.get_dialect().unwrap())["refresh"], path);
    let second = settle(c.refresh()).await.unwrap();
    assert_eq!(take_requests(base).await, vec![format!("POST /v1/{path} 200")]);
    // Both were real rotations.
    assert_ne!(get(&first, "refreshToken").as_string(), get(&second, "refreshToken").as_string());
    assert_eq!(get(&get(&sandbox_state(base).await, "stats"), "refreshes").as_f64(), Some(2.0));
}

/// At sign-in the client asks `/data/members/me` once: the live service
/// answers member 1001, whose id then goes on every time entry (and no
/// second request is made for it); a seed server answers 404, remembered,
/// and entries go without.
#[wasm_bindgen_test]
async fn sandbox_time_entry_carries_the_member_id_learned_at_sign_in() {
    let Some(base) = sandbox_url() else { return };
    let live = fresh_sandbox(base).await;
    let learned = Calls::new();
    let c = signed_in_client_with(base, None, Some(learned.func())).await;
    let me = if live { "GET /data/members/me 200" } else { "GET /data/members/me 404" };
    assert_eq!(take_requests(base).await, vec!["GET /v1/authorize 302", "POST /v1/access_token 200", me]);
    let want = if live { serde_json::json!({"members": true, "userId": "1001"}) } else { serde_json::json!({"members": false}) };
    assert_eq!(learned.last(), want);

    make_task(&c, "task-m").await;
    clear_log(base).await;
    let sent = running_entry("rec-m", "task-m");
    let back = settle(c.update_entity(sent.clone())).await.unwrap();
    assert_eq!(take_requests(base).await, vec!["POST /data/update_entity 200"], "no second members/me");
    // The client answers the entry (the live service's answer is only `{"status":"success"}`).
    assert_eq!(to_value(&back), to_value(&sent));
    let entry = find_by_id(&get(&sandbox_state(base).await, "time_entries"), "rec-m").expect("entry stored");
    assert_eq!(get(&entry, "user_id").as_string().as_deref(), if live { Some("1001") } else { None });
    assert!(get(&entry, "time_end").is_null());
    // Editing it keeps the member (the live service refuses an entry without one).
    let mut stop = to_value(&sent);
    stop["time_end"] = wire_time(now_s()).into();
    let stop_js = js_sys::JSON::parse(&stop.to_string()).unwrap();
    let stopped = settle(c.update_entity(stop_js)).await.unwrap();
    assert_eq!(to_value(&stopped), stop);
    let entry = find_by_id(&get(&sandbox_state(base).await, "time_entries"), "rec-m").unwrap();
    assert_eq!(get(&entry, "time_end").as_string(), stop["time_end"].as_str().map(String::from));
    assert_eq!(get(&entry, "user_id").as_string().as_deref(), if live { Some("1001") } else { None });
}

/// A member id the live service refuses (400 naming `user_id`, as after a
/// change of account) makes the client ask `/data/members/me` again and send
/// the write once more with the new id. The seed stores any `user_id` as
/// given, so nothing is asked again there.
#[wasm_bindgen_test]
async fn sandbox_refused_member_id_is_asked_again_once() {
    let Some(base) = sandbox_url() else { return };
    let live = fresh_sandbox(base).await;
    let c = signed_in_client(base, None).await;
    make_task(&c, "task-u").await;
    let stale = js_sys::JSON::parse(r#"{"members":true,"userId":"9999"}"#).unwrap();
    let learned = Calls::new();
    let c2 = TymeClient::new(sandbox_config(base, None, Some(learned.func()), Some(&stale))).unwrap();
    c2.set_tokens(c.get_tokens().unwrap()).unwrap();
    clear_log(base).await;
    settle(c2.update_entity(running_entry("rec-u", "task-u"))).await.unwrap();
    let entry = find_by_id(&get(&sandbox_state(base).await, "time_entries"), "rec-u").expect("entry stored");
    if live {
        assert_eq!(take_requests(base).await, vec!["POST /data/update_entity 400", "GET /data/members/me 200", "POST /data/update_entity 200"]);
        assert_eq!(get(&entry, "user_id").as_string().as_deref(), Some("1001"));
        assert_eq!(learned.last(), serde_json::json!({"members": true, "userId": "1001"}));
    } else {
        assert_eq!(take_requests(base).await, vec!["POST /data/update_entity 200"]);
        assert_eq!(get(&entry, "user_id").as_string().as_deref(), Some("9999"));
        assert_eq!(learned.count(), 0, "nothing learned");
    }
}

/// Webhook verbs: the live ones first (`POST /webhooks/subscribe`); a seed
/// server answers 405 and the seed's `GET` follows, remembered. An
/// unsubscribe that the live service answers 404 (already gone) succeeds.
#[wasm_bindgen_test]
async fn sandbox_webhook_verbs_are_discovered() {
    let Some(base) = sandbox_url() else { return };
    let live = fresh_sandbox(base).await;
    let learned = Calls::new();
    let c = signed_in_client_with(base, None, Some(learned.func())).await;
    clear_log(base).await;
    let hook = "http://127.0.0.1:9/verbs";
    settle(c.subscribe_webhook(hook.into(), "time".into())).await.unwrap();
    let want = match live {
        true => vec!["POST /webhooks/subscribe 200"],
        false => vec!["POST /webhooks/subscribe 405", "GET /webhooks/subscribe 200"],
    };
    assert_eq!(take_requests(base).await, want);
    assert_eq!(learned.last()["webhooks"], if live { "live" } else { "seed" });
    settle(c.subscribe_webhook(hook.into(), "stopped_time".into())).await.unwrap();
    let verb = if live { "POST" } else { "GET" };
    assert_eq!(take_requests(base).await, vec![format!("{verb} /webhooks/subscribe 200")]);
    let hooks = to_value(&get(&sandbox_state(base).await, "webhooks"));
    let mut triggers: Vec<&str> = hooks.as_array().unwrap().iter().filter(|h| h["hook_url"] == hook).map(|h| h["trigger_type"].as_str().unwrap()).collect();
    triggers.sort();
    assert_eq!(triggers, vec!["stopped_time", "time"], "{hooks}");

    let unsub = if live { "DELETE" } else { "POST" };
    settle(c.unsubscribe_webhook(hook.into(), "time".into())).await.unwrap();
    assert_eq!(take_requests(base).await, vec![format!("{unsub} /webhooks/unsubscribe 200")]);
    // Again: gone already (live 404, seed 200), which is what was asked.
    settle(c.unsubscribe_webhook(hook.into(), "time".into())).await.unwrap();
    let again = if live { 404 } else { 200 };
    assert_eq!(take_requests(base).await, vec![format!("{unsub} /webhooks/unsubscribe {again}")]);
    let hooks = to_value(&get(&sandbox_state(base).await, "webhooks"));
    assert_eq!(hooks.as_array().unwrap().iter().filter(|h| h["hook_url"] == hook).count(), 1, "{hooks}");
    assert_eq!(to_value(&c.get_dialect().unwrap())["webhooks"], if live { "live" } else { "seed" });
}

/// `times()` on the live service: every entry of the member in the range,
/// a running one with `time_end` null, the numeric ids of the wire read as
/// strings. On a seed server: `null` after one 404, and later calls send
/// nothing.
#[wasm_bindgen_test]
async fn sandbox_times_reads_entries_or_is_null() {
    let Some(base) = sandbox_url() else { return };
    let live = fresh_sandbox(base).await;
    let c = signed_in_client(base, None).await;
    make_task(&c, "7301").await;
    let t0 = now_s();
    let (s1, e1, s2) = (wire_time(t0 - 3.0 * 3_600_000.0), wire_time(t0 - 2.0 * 3_600_000.0), wire_time(t0 - 3_600_000.0));
    // Entries as the Tyme app adds them: under ids the server makes.
    let body1 = format!(r#"{{"task_id":"7301","time_start":"{s1}","time_end":"{e1}","note":"Call","user_id":"1001"}}"#);
    let a1 = fetch_json("POST", &format!("{base}/_sandbox/add_time"), Some(&body1)).await;
    let body2 = format!(r#"{{"task_id":"7301","time_start":"{s2}","note":"Running","user_id":"1001"}}"#);
    let a2 = fetch_json("POST", &format!("{base}/_sandbox/add_time"), Some(&body2)).await;
    let (id1, id2) = (get(&a1, "id").as_string().unwrap(), get(&a2, "id").as_string().unwrap());
    clear_log(base).await;

    let (from, to) = (t0 - 4.0 * 3_600_000.0, t0 + 60_000.0);
    let got = settle(c.times(from, to)).await.unwrap();
    if !live {
        assert!(got.is_null(), "no /data/times on a seed server");
        assert_eq!(take_requests(base).await, vec!["GET /data/times 404"]);
        assert_eq!(to_value(&c.get_dialect().unwrap())["times"], false);
        assert!(settle(c.times(from, to)).await.unwrap().is_null());
        assert_eq!(requests(base).await, Vec::<String>::new(), "asked once only");
        return;
    }
    // A first page of fewer than 10 entries is the only one: one request.
    assert_eq!(take_requests(base).await, vec!["GET /data/times 200"]);
    // The wire had the ids as numbers (the variant this test is about).
    let tokens = c.get_tokens().unwrap();
    let q = format!("from={}&to={}", js_sys::encode_uri_component(&wire_time(from)), js_sys::encode_uri_component(&wire_time(to)));
    let raw = gloo_net::http::Request::get(&format!("{base}/data/times?{q}"))
        .header("Authorization", &format!("Bearer {}", get(&tokens, "accessToken").as_string().unwrap()))
        .send()
        .await
        .unwrap();
    let raw: serde_json::Value = serde_json::from_str(&raw.text().await.unwrap()).unwrap();
    assert!(raw["data"].as_array().unwrap().iter().all(|e| e["id"].is_number() && e["related_id"].is_number()), "{raw}");
    assert_no_bigint(&got);
    assert_eq!(get(&got, "skipped").as_f64(), Some(0.0));
    assert_eq!(
        to_value(&got),
        serde_json::json!([
            {"type": "TimedTaskRecord", "id": id1, "task_id": "7301", "subtask_id": "", "time_start": s1, "time_end": e1, "note": "Call"},
            {"type": "TimedTaskRecord", "id": id2, "task_id": "7301", "subtask_id": "", "time_start": s2, "time_end": null, "note": "Running"},
        ])
    );
    assert_eq!(to_value(&c.get_dialect().unwrap())["times"], true);
}

/// `sendWrite` of `{type:"TimedTaskRecord", id, deleted:true}`: the live
/// service deletes the entry (`DELETE /data/entity`); a seed server has no
/// such route, so it rejects with `not_found` (and is not asked again).
#[wasm_bindgen_test]
async fn sandbox_send_write_discards_where_served() {
    let Some(base) = sandbox_url() else { return };
    let live = fresh_sandbox(base).await;
    let c = signed_in_client(base, None).await;
    make_task(&c, "task-d").await;
    settle(c.update_entity(running_entry("rec-d", "task-d"))).await.unwrap();
    assert!(find_by_id(&get(&sandbox_state(base).await, "time_entries"), "rec-d").is_some());
    clear_log(base).await;
    let discard = obj(&[("type", "TimedTaskRecord".into()), ("id", "rec-d".into()), ("deleted", true.into())]);
    let r = settle(c.send_write(discard.clone())).await;
    let left = find_by_id(&get(&sandbox_state(base).await, "time_entries"), "rec-d");
    if live {
        assert_eq!(to_value(&r.unwrap()), to_value(&discard), "answers what it was given");
        assert_eq!(take_requests(base).await, vec!["DELETE /data/entity 200"]);
        assert!(left.is_none(), "the entry is gone");
        // A second discard of the same entry is harmless.
        settle(c.send_write(discard)).await.unwrap();
        assert_eq!(take_requests(base).await, vec!["DELETE /data/entity 200"]);
    } else {
        assert_tyme_error(&r.unwrap_err(), "not_found");
        assert_eq!(take_requests(base).await, vec!["DELETE /data/entity 404"]);
        assert!(left.is_some(), "nothing deleted");
        assert_tyme_error(&settle(c.send_write(discard)).await.unwrap_err(), "not_found");
        assert_eq!(requests(base).await, Vec::<String>::new(), "not asked again");
    }
    assert_eq!(to_value(&c.get_dialect().unwrap())["delete"], live);
}

/// What one client learned, handed to `onDialect`, is all a new client
/// needs: built with that `dialect`, it sends no discovery request at all
/// (refresh, webhooks, member id, times, discard) and learns nothing new.
#[wasm_bindgen_test]
async fn sandbox_learned_dialect_is_reused_without_discovery() {
    let Some(base) = sandbox_url() else { return };
    let live = fresh_sandbox(base).await;
    let learned = Calls::new();
    let c = signed_in_client_with(base, None, Some(learned.func())).await;
    make_task(&c, "task-r").await;
    let hook = "http://127.0.0.1:9/reuse";
    settle(c.refresh()).await.unwrap();
    settle(c.subscribe_webhook(hook.into(), "time".into())).await.unwrap();
    let (from, to) = (now_s() - 7_200_000.0, now_s() + 60_000.0);
    settle(c.times(from, to)).await.unwrap();
    let _ = settle(c.discard_time_entry("no-such-entry".into())).await;
    let want = match live {
        true => serde_json::json!({"refresh": "access_token", "webhooks": "live", "times": true, "members": true, "delete": true, "userId": "1001"}),
        false => serde_json::json!({"refresh": "refresh_token", "webhooks": "seed", "times": false, "members": false, "delete": false}),
    };
    assert_eq!(learned.last(), want);
    assert_eq!(to_value(&c.get_dialect().unwrap()), want);

    // A new client (a restarted worker) with what was stored.
    let stored = learned.seen.get(learned.count() - 1);
    let again = Calls::new();
    let c2 = TymeClient::new(sandbox_config(base, None, Some(again.func()), Some(&stored))).unwrap();
    c2.set_tokens(c.get_tokens().unwrap()).unwrap();
    clear_log(base).await;
    settle(c2.refresh()).await.unwrap();
    let path = if live { "access_token" } else { "refresh_token" };
    assert_eq!(take_requests(base).await, vec![format!("POST /v1/{path} 200")]);
    settle(c2.subscribe_webhook(hook.into(), "stopped_time".into())).await.unwrap();
    let verb = if live { "POST" } else { "GET" };
    assert_eq!(take_requests(base).await, vec![format!("{verb} /webhooks/subscribe 200")]);
    settle(c2.update_entity(running_entry("rec-r", "task-r"))).await.unwrap();
    assert_eq!(take_requests(base).await, vec!["POST /data/update_entity 200"], "no members/me");
    let entry = find_by_id(&get(&sandbox_state(base).await, "time_entries"), "rec-r").unwrap();
    assert_eq!(get(&entry, "user_id").as_string().as_deref(), if live { Some("1001") } else { None });
    let times = settle(c2.times(from, to)).await.unwrap();
    let discarded = settle(c2.discard_time_entry("rec-r".into())).await;
    if live {
        assert_eq!(Array::from(&times).length(), 1);
        assert_eq!(get(&Array::from(&times).get(0), "id").as_string().as_deref(), Some("rec-r"));
        discarded.unwrap();
        assert_eq!(take_requests(base).await, vec!["GET /data/times 200", "DELETE /data/entity 200"]);
    } else {
        assert!(times.is_null());
        assert_tyme_error(&discarded.unwrap_err(), "not_found");
        assert_eq!(take_requests(base).await, Vec::<String>::new());
    }
    assert_eq!(again.count(), 0, "nothing new learned");
    assert_eq!(to_value(&c2.get_dialect().unwrap()), want);
}

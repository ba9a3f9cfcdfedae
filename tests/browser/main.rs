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
    // The control API answers only this run's token (scripts/with-sandbox.sh).
    b = b.header("X-Sandbox-Token", option_env!("TYME_SANDBOX_CONTROL_TOKEN").unwrap_or(""));
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
    let redirect = format!("{base}/_sandbox/state");
    fetch_json("POST", &format!("{base}/_sandbox/clients"), Some(&format!(r#"{{"client_id":"tyme-tab-browser","redirect_uris":["{redirect}"]}}"#))).await;
    let cfg = obj(&[
        ("baseUrl", base.into()),
        ("clientId", "tyme-tab-browser".into()),
        ("redirectUri", redirect.as_str().into()),
        ("onTokens", on_tokens.map(|f| f.clone().into()).unwrap_or(JsValue::UNDEFINED)),
    ]);
    let c = TymeClient::new(cfg).unwrap();
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
    let list = settle(c.search_entity("ProjectCategory".into(), "browser".into(), None)).await.unwrap();
    assert!(Array::is_array(&list));
    assert_eq!(Array::from(&list).length(), 1);
    let task_input = js_sys::JSON::parse(r#"{"type":"TimedTask","name":"t","project_id":"missing","billable":true}"#).unwrap();
    let e = settle(c.update_entity(task_input)).await.unwrap_err();
    assert!(get(&e, "name").as_string().as_deref() == Some("TymeError"));
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
/// saying it timed out, long before the server's 2 s of injected latency.
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
    let started = js_sys::Date::now();
    let r = settle(quick.search_entity("Project".into(), "".into(), None)).await;
    let elapsed = js_sys::Date::now() - started;
    // The default (30 s) client still gets its answer.
    let slow = settle(c.search_entity("Project".into(), "".into(), None)).await;
    fetch_json("DELETE", &format!("{base}/_sandbox/faults"), None).await;

    let e = r.unwrap_err();
    assert_tyme_error(&e, "network");
    let msg = get(&e, "message").as_string().unwrap();
    assert!(msg.contains("timed out") && msg.contains("300 ms"), "{msg}");
    assert!((250.0..1500.0).contains(&elapsed), "rejected after {elapsed} ms");
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
/// it passes the 8 MiB limit: not read to its end.
#[wasm_bindgen_test]
async fn streamed_body_over_the_limit_is_cut_off() {
    let c = TymeClient::new(config("http://127.0.0.1:9", None)).unwrap();
    c.set_tokens(obj(&[("accessToken", "a".into()), ("refreshToken", "r".into()), ("expiresAt", 4.0e12.into())])).unwrap();

    let st = fake_streaming_fetch(64.0 * 1048576.0, "");
    let r = settle(c.summary(0.0, 1000.0)).await;
    restore(&st);
    let e = r.unwrap_err();
    assert_tyme_error(&e, "bad_response");
    assert!(get(&e, "message").as_string().unwrap().contains("too large"));
    let pulled = get(&st, "pulled").as_f64().unwrap();
    assert!(pulled <= 11.0 * 1048576.0, "read {pulled} bytes of a 64 MiB body");
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

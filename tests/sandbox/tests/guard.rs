//! What the sandbox opens to others (issue 11, point 5): it binds loopback
//! only, answers only Host headers that name it, serves the control API only
//! with the run's token and without wildcard CORS or a private-network
//! opt-in; and the redirect fault that tests/e2e/redirect.test.mjs uses.
mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use common::*;
use serde_json::json;

const BIN: &str = env!("CARGO_BIN_EXE_tyme-sandbox");

#[tokio::test]
async fn the_control_api_needs_the_runs_token() {
    let s = server().await;
    let addr = s.addr.to_string();
    assert_eq!(s.control_token(), Some(CONTROL_TOKEN));
    for (method, path) in [("GET", "/_sandbox/state"), ("GET", "/_sandbox/log"), ("POST", "/_sandbox/reset"), ("POST", "/_sandbox/clients")] {
        let none = raw_plain(&addr, method, path, &[], Some("{}")).await.unwrap();
        assert_eq!(none.status, 401, "{method} {path} without a token: {}", none.body);
        assert!(!none.body.contains("tasks") && !none.body.contains("client_id"), "{}", none.body);
        let wrong = raw_plain(&addr, method, path, &[("X-Sandbox-Token", "test-control-token-5f4e3d2c1b0b")], Some("{}")).await.unwrap();
        assert_eq!(wrong.status, 401, "{method} {path} with a wrong token");
        let short = raw_plain(&addr, method, path, &[("X-Sandbox-Token", "test")], Some("{}")).await.unwrap();
        assert_eq!(short.status, 401, "{method} {path} with a prefix of the token");
    }
    let ok = raw_plain(&addr, "GET", "/_sandbox/state", &[("X-Sandbox-Token", CONTROL_TOKEN)], None).await.unwrap();
    assert_eq!(ok.status, 200);
    // A token in the query string or as a bearer token is not the header.
    let q = raw_plain(&addr, "GET", &format!("/_sandbox/state?token={CONTROL_TOKEN}"), &[], None).await.unwrap();
    assert_eq!(q.status, 401);
    let bearer = format!("Bearer {CONTROL_TOKEN}");
    let b = raw_plain(&addr, "GET", "/_sandbox/state", &[("Authorization", &bearer)], None).await.unwrap();
    assert_eq!(b.status, 401);
    // Nothing was changed by the refused calls.
    let clients = raw(&addr, "GET", "/_sandbox/clients", &[], None).await.unwrap().json();
    assert_eq!(clients.as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn control_paths_send_no_wildcard_cors_and_no_private_network_opt_in() {
    let s = server().await;
    let addr = s.addr.to_string();
    let preflight = [
        ("Origin", "https://evil.example"),
        ("Access-Control-Request-Method", "POST"),
        ("Access-Control-Request-Headers", "x-sandbox-token, content-type"),
        ("Access-Control-Request-Private-Network", "true"),
    ];
    for path in ["/_sandbox/state", "/_sandbox/faults", "/_sandbox"] {
        let r = raw_plain(&addr, "OPTIONS", path, &preflight, None).await.unwrap();
        assert_eq!(r.header("access-control-allow-origin"), None, "{path}: {:?}", r.headers);
        assert_eq!(r.header("access-control-allow-private-network"), None, "{path}");
        let g = raw(&addr, "GET", path, &[("Origin", "https://evil.example")], None).await.unwrap();
        assert_eq!(g.header("access-control-allow-origin"), None, "{path}: {:?}", g.headers);
    }
    // A loopback page (the wasm test runner) gets its own origin back, never `*`.
    let local = "http://127.0.0.1:40123";
    let r = raw_plain(&addr, "OPTIONS", "/_sandbox/reset", &[("Origin", local), ("Access-Control-Request-Private-Network", "true")], None)
        .await
        .unwrap();
    assert_eq!(r.header("access-control-allow-origin").as_deref(), Some(local));
    assert_eq!(r.header("vary").as_deref(), Some("Origin"));
    assert!(r.header("access-control-allow-headers").unwrap().to_ascii_lowercase().contains("x-sandbox-token"));
    assert_eq!(r.header("access-control-allow-private-network"), None);
    // The data API keeps its open CORS (the extension and the web console are other origins).
    let d = raw_plain(&addr, "OPTIONS", "/data/search_entity", &preflight, None).await.unwrap();
    assert_eq!(d.header("access-control-allow-origin").as_deref(), Some("*"));
}

#[tokio::test]
async fn only_a_host_header_naming_the_sandbox_is_answered() {
    let s = server().await;
    let addr = s.addr.to_string();
    let port = s.addr.port();
    for host in [format!("evil.example:{port}"), "evil.example".to_string(), format!("127.0.0.1:{}", port.wrapping_add(1)), format!("127.0.0.2:{port}")] {
        for (method, path) in [("GET", "/"), ("GET", "/_sandbox/state"), ("OPTIONS", "/data/summary"), ("GET", "/v1/authorize?client_id=app")] {
            let r = raw(&addr, method, path, &[("Host", &host)], None).await.unwrap();
            assert_eq!(r.status, 421, "{method} {path} with Host {host}");
            assert_eq!(r.header("access-control-allow-origin"), None);
        }
    }
    for host in [format!("127.0.0.1:{port}"), format!("localhost:{port}"), format!("LOCALHOST:{port}")] {
        assert_eq!(raw(&addr, "GET", "/", &[("Host", &host)], None).await.unwrap().status, 200, "{host}");
    }
}

#[test]
fn it_binds_loopback_only() {
    for host in ["0.0.0.0", "::", "192.0.2.1", "example.com"] {
        let out = Command::new(BIN).args(["--port", "0", "--host", host]).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "--host {host}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("loopback"), "{}", String::from_utf8_lossy(&out.stderr));
    }
}

#[tokio::test]
async fn control_without_a_given_token_makes_one_and_says_it() {
    let mut child = Command::new(BIN)
        .args(["--port", "0", "--control"])
        .env_remove("TYME_SANDBOX_CONTROL_TOKEN")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let (mut first, mut second) = (String::new(), String::new());
    out.read_line(&mut first).unwrap();
    out.read_line(&mut second).unwrap();
    let addr = first.trim().strip_prefix("listening on http://").unwrap().to_string();
    let token = second.trim().strip_prefix("control token: ").unwrap_or_else(|| panic!("{second:?}")).to_string();
    assert!(token.len() >= 32 && token.bytes().all(|c| c.is_ascii_hexdigit()), "{token}");
    assert_eq!(raw_plain(&addr, "GET", "/_sandbox/state", &[], None).await.unwrap().status, 401);
    assert_eq!(raw_plain(&addr, "GET", "/_sandbox/state", &[("X-Sandbox-Token", &token)], None).await.unwrap().status, 200);
    let _ = child.kill();
    let _ = child.wait();
    // A token given is not printed, and a short one is refused.
    let given = Command::new(BIN).args(["--port", "0", "--control", "--control-token", "short"]).output().unwrap();
    assert_eq!(given.status.code(), Some(1));
}

#[tokio::test]
async fn the_redirect_fault_sends_the_request_to_another_origin() {
    let s = server().await;
    let api = Api::new(&s);
    let set = |body: serde_json::Value| {
        let addr = api.addr.clone();
        async move { raw(&addr, "POST", "/_sandbox/faults", &[("Content-Type", "application/json")], Some(&body.to_string())).await.unwrap() }
    };
    assert_eq!(set(json!({"status": 307, "redirect_to": "http://127.0.0.1:9", "path_prefix": "/v1/"})).await.status, 200);
    let r = api.get("/v1/authorize?client_id=app&state=a%20b").await;
    assert_eq!(r.status, 307);
    assert_eq!(r.header("location").as_deref(), Some("http://127.0.0.1:9/v1/authorize?client_id=app&state=a+b"));
    assert_eq!(set(json!({"fail_next": 1, "status": 308, "redirect_to": "https://elsewhere.test/"})).await.status, 200);
    let r = api.post("/v1/access_token", &json!({"grant_type": "authorization_code"})).await;
    assert_eq!(r.status, 308);
    assert_eq!(r.header("location").as_deref(), Some("https://elsewhere.test/v1/access_token"));
    assert_eq!(api.get("/").await.status, 200, "fail_next used up");
    for bad in [
        json!({"status": 307}),
        json!({"status": 503, "redirect_to": "http://127.0.0.1:9"}),
        json!({"status": 308, "redirect_to": "javascript:alert(1)"}),
        json!({"status": 301, "redirect_to": "http://127.0.0.1:9"}),
    ] {
        let r = set(bad.clone()).await;
        assert_eq!(r.status, 400, "{bad}");
    }
}

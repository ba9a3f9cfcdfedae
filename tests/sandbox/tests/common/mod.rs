//! Helpers for the sandbox's own tests: a raw HTTP/1.1 client over
//! 127.0.0.1 (so dropped connections and broken bodies are visible as such),
//! sign-in, and a local webhook receiver.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tyme_sandbox::{start, Client, Config, Dialect, Running};

pub const REDIRECT: &str = "http://127.0.0.1:9/callback";

/// The control API's token of every test server (`raw` sends it on
/// `/_sandbox` paths; `raw_plain` sends only what it is given).
pub const CONTROL_TOKEN: &str = "test-control-token-5f4e3d2c1b0a";

pub fn cfg() -> Config {
    Config {
        control_token: Some(CONTROL_TOKEN.into()),
        clients: vec![
            Client { client_id: "app".into(), client_secret: None, redirect_uris: vec![REDIRECT.into()] },
            Client {
                client_id: "secret-app".into(),
                client_secret: Some("s3cret".into()),
                redirect_uris: vec![REDIRECT.into()],
            },
        ],
        webhook_backoff_ms: 20,
        ..Config::default()
    }
}

pub async fn server() -> Running {
    start(cfg()).await.expect("server starts")
}

pub fn live_cfg() -> Config {
    Config { dialect: Dialect::Live, ..cfg() }
}

pub async fn live_server() -> Running {
    start(live_cfg()).await.expect("server starts")
}

#[derive(Debug)]
pub struct R {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl R {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone())
    }
}

/// One request on a fresh connection; Err when the server closed the
/// connection without an answer. A control call (`/_sandbox/...`) carries
/// the test servers' token unless `headers` names one.
pub async fn raw(addr: &str, method: &str, path: &str, headers: &[(&str, &str)], body: Option<&str>) -> std::io::Result<R> {
    let mut h = headers.to_vec();
    if path.starts_with("/_sandbox") && !h.iter().any(|(k, _)| k.eq_ignore_ascii_case("x-sandbox-token")) {
        h.push(("X-Sandbox-Token", CONTROL_TOKEN));
    }
    raw_plain(addr, method, path, &h, body).await
}

/// `raw` without the control token: the request as given (Host: `addr`
/// unless `headers` names one).
pub async fn raw_plain(addr: &str, method: &str, path: &str, headers: &[(&str, &str)], body: Option<&str>) -> std::io::Result<R> {
    let mut s = TcpStream::connect(addr).await?;
    let mut req = format!("{method} {path} HTTP/1.1\r\nConnection: close\r\n");
    if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("host")) {
        req.push_str(&format!("Host: {addr}\r\n"));
    }
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    let body = body.unwrap_or("");
    if !body.is_empty() || method == "POST" {
        req.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    req.push_str("\r\n");
    req.push_str(body);
    s.write_all(req.as_bytes()).await?;
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await?;
    if buf.is_empty() {
        return Err(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "connection closed without a response"));
    }
    let text = String::from_utf8_lossy(&buf).to_string();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status: u16 = lines.next().unwrap_or("").split(' ').nth(1).unwrap_or("0").parse().unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':').map(|(k, v)| (k.trim().to_string(), v.trim().to_string())))
        .collect();
    Ok(R { status, headers, body: body.to_string() })
}

pub struct Api {
    pub addr: String,
    pub token: Option<String>,
}

impl Api {
    pub fn new(r: &Running) -> Api {
        Api { addr: r.addr.to_string(), token: None }
    }
    fn auth(&self) -> Vec<(&str, String)> {
        match &self.token {
            Some(t) => vec![("Authorization", format!("Bearer {t}"))],
            None => vec![],
        }
    }
    pub async fn get(&self, path: &str) -> R {
        let a = self.auth();
        let h: Vec<(&str, &str)> = a.iter().map(|(k, v)| (*k, v.as_str())).collect();
        raw(&self.addr, "GET", path, &h, None).await.expect("response")
    }
    pub async fn send(&self, method: &str, path: &str, body: &Value) -> R {
        let a = self.auth();
        let mut h: Vec<(&str, &str)> = a.iter().map(|(k, v)| (*k, v.as_str())).collect();
        h.push(("Content-Type", "application/json"));
        raw(&self.addr, method, path, &h, Some(&body.to_string())).await.expect("response")
    }
    pub async fn post(&self, path: &str, body: &Value) -> R {
        self.send("POST", path, body).await
    }
    pub async fn update(&self, body: Value) -> R {
        self.post("/data/update_entity/", &body).await
    }
    /// The seed's subscribe: `GET /webhooks/subscribe/?hookUrl&trigger_type`.
    pub async fn subscribe(&self, hook: &str, trigger: &str) -> R {
        self.get(&format!("/webhooks/subscribe/?hookUrl={}&trigger_type={trigger}", enc(hook))).await
    }
    /// The live dialect's update (no trailing slash).
    pub async fn live_update(&self, body: Value) -> R {
        self.post("/data/update_entity", &body).await
    }
    /// A control call (no token, JSON body).
    pub async fn control(&self, method: &str, path: &str, body: &Value) -> R {
        raw(&self.addr, method, path, &[("Content-Type", "application/json")], Some(&body.to_string())).await.unwrap()
    }
    pub async fn state(&self) -> Value {
        raw(&self.addr, "GET", "/_sandbox/state", &[], None).await.unwrap().json()
    }
    /// The API requests received and not answered yet (`[{method, path}]`).
    pub async fn in_flight(&self) -> Vec<Value> {
        raw(&self.addr, "GET", "/_sandbox/in_flight", &[], None).await.unwrap().json().as_array().unwrap().clone()
    }
    /// The webhook deliveries once none is pending: every event fired so far
    /// has its delivery recorded (synchronously, with the change that fired
    /// it), so after this no delivery of those events is still on its way.
    pub async fn settled_deliveries(&self) -> Vec<Value> {
        wait_for("every webhook delivery answered or failed", || async {
            let d = self.state().await["deliveries"].as_array().unwrap().clone();
            d.iter().all(|d| d["status"] != "pending").then_some(d)
        })
        .await
    }
}

pub fn query_param(url: &str, name: &str) -> Option<String> {
    let q = url.split_once('?')?.1;
    form_urlencoded::parse(q.as_bytes()).find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
}

pub fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Auto-approve authorize → code.
pub async fn get_code(addr: &str, client: &str, extra: &str) -> String {
    let path = format!(
        "/v1/authorize?response_type=code&client_id={client}&state=st1&redirect_uri={}{extra}",
        enc(REDIRECT)
    );
    let r = raw(addr, "GET", &path, &[], None).await.unwrap();
    assert_eq!(r.status, 302, "{}", r.body);
    let loc = r.header("location").unwrap();
    assert_eq!(query_param(&loc, "state").as_deref(), Some("st1"));
    query_param(&loc, "code").expect("code in redirect")
}

/// Sign in with client `app`; returns (access, refresh).
pub async fn sign_in(api: &mut Api) -> (String, String) {
    let code = get_code(&api.addr, "app", "").await;
    let r = raw(
        &api.addr,
        "POST",
        "/v1/access_token",
        &[("Content-Type", "application/json")],
        Some(
            &serde_json::json!({"grant_type":"authorization_code","code":code,"redirect_uri":REDIRECT,"client_id":"app"})
                .to_string(),
        ),
    )
    .await
    .unwrap();
    assert_eq!(r.status, 200, "{}", r.body);
    let j = r.json();
    let a = j["access_token"].as_str().unwrap().to_string();
    api.token = Some(a.clone());
    (a, j["refresh_token"].as_str().unwrap().to_string())
}

/// A form-encoded POST to the token endpoint (what the live dialect takes).
pub async fn form_token(addr: &str, form: &str) -> R {
    raw(addr, "POST", "/v1/access_token", &[("Content-Type", "application/x-www-form-urlencoded")], Some(form))
        .await
        .unwrap()
}

/// Sign in with client `app` the live way (form-encoded code exchange);
/// returns (access, refresh).
pub async fn live_sign_in(api: &mut Api) -> (String, String) {
    let code = get_code(&api.addr, "app", "").await;
    let form = format!("grant_type=authorization_code&code={code}&redirect_uri={}&client_id=app", enc(REDIRECT));
    let r = form_token(&api.addr, &form).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let j = r.json();
    let a = j["access_token"].as_str().unwrap().to_string();
    api.token = Some(a.clone());
    (a, j["refresh_token"].as_str().unwrap().to_string())
}

pub async fn live_signed_in(r: &Running) -> Api {
    let mut api = Api::new(r);
    live_sign_in(&mut api).await;
    api
}

/// Now plus `secs` (may be negative) as `Y-m-d H:i:s` UTC.
pub fn dt_from_now(secs: i64) -> String {
    (chrono::Utc::now().naive_utc() + chrono::Duration::seconds(secs)).format("%Y-%m-%d %H:%M:%S").to_string()
}

pub async fn signed_in(r: &Running) -> Api {
    let mut api = Api::new(r);
    sign_in(&mut api).await;
    api
}

/// A local webhook receiver: records each POST body; answers with the
/// statuses in `plan` in turn (then 200).
pub struct Receiver {
    pub url: String,
    pub got: Arc<Mutex<Vec<Value>>>,
    pub hits: Arc<Mutex<u32>>,
    /// Woken on every request the receiver answers.
    pub arrived: Arc<tokio::sync::Notify>,
}

impl Receiver {
    /// Wait until `f` holds of the bodies received (woken by each delivery,
    /// no polling); false when 10 s pass first (a safety net).
    pub async fn wait_until<F: FnMut(&[Value]) -> bool>(&self, mut f: F) -> bool {
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            // Registered before the check, so a delivery between the two wakes it.
            let next = self.arrived.notified();
            if f(&self.got.lock().unwrap()) {
                return true;
            }
            if tokio::time::timeout_at(deadline, next).await.is_err() {
                return f(&self.got.lock().unwrap());
            }
        }
    }
}

pub async fn receiver(plan: Vec<u16>) -> Receiver {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", l.local_addr().unwrap());
    let got = Arc::new(Mutex::new(Vec::new()));
    let hits = Arc::new(Mutex::new(0u32));
    let arrived = Arc::new(tokio::sync::Notify::new());
    let (g, h, a) = (got.clone(), hits.clone(), arrived.clone());
    let plan = Arc::new(Mutex::new(plan));
    tokio::spawn(async move {
        loop {
            let Ok((mut s, _)) = l.accept().await else { return };
            let (g, h, a, plan) = (g.clone(), h.clone(), a.clone(), plan.clone());
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut tmp = [0u8; 4096];
                loop {
                    let n = s.read(&mut tmp).await.unwrap_or(0);
                    if n == 0 {
                        break;
                    }
                    buf.extend_from_slice(&tmp[..n]);
                    let text = String::from_utf8_lossy(&buf).to_string();
                    if let Some((head, body)) = text.split_once("\r\n\r\n") {
                        let len: usize = head
                            .lines()
                            .find_map(|l| {
                                let (k, v) = l.split_once(':')?;
                                k.eq_ignore_ascii_case("content-length").then(|| v.trim().parse().ok())?
                            })
                            .unwrap_or(0);
                        if body.len() >= len {
                            *h.lock().unwrap() += 1;
                            let status = {
                                let mut p = plan.lock().unwrap();
                                if p.is_empty() { 200 } else { p.remove(0) }
                            };
                            if status == 200 {
                                g.lock().unwrap().push(serde_json::from_str(&body[..len]).unwrap_or(Value::Null));
                            }
                            a.notify_waiters();
                            let resp = format!("HTTP/1.1 {status} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
                            let _ = s.write_all(resp.as_bytes()).await;
                            break;
                        }
                    }
                }
            });
        }
    });
    Receiver { url, got, hits, arrived }
}

/// Wait until the async condition `f` holds: the control API has no push,
/// so it is asked again every 50 ms (the JS suites' waitFor); panics naming
/// `what` after 10 s, a safety net only.
pub async fn wait_for<T, F, Fut>(what: &str, mut f: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        if let Some(v) = f().await {
            return v;
        }
        assert!(tokio::time::Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

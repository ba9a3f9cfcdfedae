//! tyme-sandbox: a Tyme-compatible local server (OAuth, data, webhooks) with a
//! control API for tests. The wire contract is written down in README.md.

pub mod model;

use std::collections::{HashMap, HashSet};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use base64::Engine as _;
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::HeaderValue;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use sha2::Digest as _;
use tokio::net::TcpListener;
use tokio::sync::Notify;

use model::{bad, fmt_dt, now_dt, parse_dt, Data, Delivery, Reject, Webhook};

type Body = Full<Bytes>;
type Resp = Response<Body>;

const MAX_BODY: usize = 1 << 20;
const MAX_LOG: usize = 10_000;

/// A registered OAuth client.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Client {
    pub client_id: String,
    #[serde(default)]
    pub client_secret: Option<String>,
    pub redirect_uris: Vec<String>,
}

impl Client {
    /// Parse `ID[:SECRET]=REDIRECT_URI[,REDIRECT_URI...]`.
    pub fn parse(s: &str) -> Result<Client, String> {
        let (left, uris) = s
            .split_once('=')
            .ok_or_else(|| format!("--client {s:?}: expected ID[:SECRET]=REDIRECT_URI[,REDIRECT_URI...]"))?;
        let (id, secret) = match left.split_once(':') {
            Some((id, sec)) => (id, Some(sec.to_string()).filter(|s| !s.is_empty())),
            None => (left, None),
        };
        if id.is_empty() {
            return Err(format!("--client {s:?}: empty client id"));
        }
        let redirect_uris: Vec<String> =
            uris.split(',').map(str::trim).filter(|u| !u.is_empty()).map(String::from).collect();
        if redirect_uris.is_empty() {
            return Err(format!("--client {s:?}: at least one redirect URI is required"));
        }
        Ok(Client { client_id: id.to_string(), client_secret: secret, redirect_uris })
    }
}

/// Server settings (the CLI flags of main.rs map onto these).
#[derive(Clone, Debug)]
pub struct Config {
    pub host: String,
    pub port: u16,
    pub control: bool,
    pub auto_approve: bool,
    pub clients: Vec<Client>,
    pub token_lifetime: i64,
    pub code_lifetime: i64,
    pub state_file: Option<PathBuf>,
    pub demo: bool,
    pub webhook_attempts: u32,
    pub webhook_backoff_ms: u64,
    pub verbose: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            host: "127.0.0.1".into(),
            port: 0,
            control: true,
            auto_approve: true,
            clients: vec![],
            token_lifetime: 3600,
            code_lifetime: 60,
            state_file: None,
            demo: false,
            webhook_attempts: 3,
            webhook_backoff_ms: 200,
            verbose: false,
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct Token {
    access_token: String,
    refresh_token: String,
    client_id: String,
    /// Unix seconds.
    expires_at: i64,
}

#[derive(Clone, Debug)]
struct Code {
    client_id: String,
    redirect_uri: Option<String>,
    challenge: Option<(String, String)>,
    expires_at: i64,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct Faults {
    #[serde(default)]
    latency_ms: u64,
    #[serde(default)]
    latency_jitter_ms: u64,
    #[serde(default)]
    fail_next: u64,
    #[serde(default)]
    fail_percent: f64,
    #[serde(default)]
    status: Option<u16>,
    #[serde(default)]
    retry_after: Option<u64>,
    #[serde(default)]
    drop: bool,
    #[serde(default)]
    malformed: Value,
    #[serde(default)]
    path_prefix: Option<String>,
    /// Process the request (apply its changes) before the fault answers.
    #[serde(default)]
    apply: bool,
    /// Set when fail_next or fail_percent was given: only those requests fail.
    #[serde(skip)]
    counted: bool,
}

#[derive(Serialize, Deserialize, Default)]
struct Persisted {
    data: Data,
    #[serde(default)]
    clients: Vec<Client>,
    #[serde(default)]
    tokens: Vec<Token>,
    #[serde(default)]
    spent_refresh_tokens: Vec<String>,
}

struct St {
    data: Data,
    clients: Vec<Client>,
    tokens: Vec<Token>,
    spent: HashSet<String>,
    codes: HashMap<String, Code>,
    log: Vec<Value>,
    faults: Faults,
    interactive: bool,
    rng: u64,
}

impl St {
    fn rand(&mut self) -> u64 {
        // xorshift64*, seeded from a random uuid
        let mut x = self.rng;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.rng = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

pub struct App {
    cfg: Config,
    st: Mutex<St>,
    http: hyper_util::client::legacy::Client<hyper_util::client::legacy::connect::HttpConnector, Body>,
}

/// A running server.
pub struct Running {
    pub addr: SocketAddr,
    pub app: Arc<App>,
    task: tokio::task::JoinHandle<()>,
}

impl Running {
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
    /// Stop accepting connections (open connections finish on their own).
    pub fn stop(self) {
        self.task.abort();
    }
}

fn unix_now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn random_token(n_uuids: usize) -> String {
    (0..n_uuids).map(|_| uuid::Uuid::new_v4().simple().to_string()).collect()
}

fn start_data(cfg: &Config) -> Data {
    if cfg.demo {
        Data::demo()
    } else {
        Data::default()
    }
}

/// Bind and serve. Loads `state_file` when it exists.
pub async fn start(cfg: Config) -> std::io::Result<Running> {
    let mut persisted = Persisted { data: start_data(&cfg), ..Default::default() };
    if let Some(path) = &cfg.state_file {
        if path.exists() {
            let named = |kind: std::io::ErrorKind, e: &dyn std::fmt::Display| {
                std::io::Error::new(kind, format!("state file {}: {e}", path.display()))
            };
            let text = std::fs::read_to_string(path).map_err(|e| named(e.kind(), &e))?;
            persisted = serde_json::from_str(&text).map_err(|e| named(std::io::ErrorKind::InvalidData, &e))?;
            persisted.data.check().map_err(|e| named(std::io::ErrorKind::InvalidData, &e))?;
        }
    }
    let mut clients = persisted.clients;
    for c in &cfg.clients {
        clients.retain(|x| x.client_id != c.client_id);
        clients.push(c.clone());
    }
    let st = St {
        data: persisted.data,
        clients,
        tokens: persisted.tokens,
        spent: persisted.spent_refresh_tokens.into_iter().collect(),
        codes: HashMap::new(),
        log: Vec::new(),
        faults: Faults::default(),
        interactive: !cfg.auto_approve,
        rng: (uuid::Uuid::new_v4().as_u128() as u64) | 1,
    };
    let listener = TcpListener::bind((cfg.host.as_str(), cfg.port)).await?;
    let addr = listener.local_addr()?;
    let http = hyper_util::client::legacy::Client::builder(TokioExecutor::new()).build_http();
    let app = Arc::new(App { cfg, st: Mutex::new(st), http });
    app.save(&app.lock());
    let app2 = app.clone();
    let task = tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            };
            let app = app2.clone();
            tokio::spawn(async move {
                let kill = Arc::new(Notify::new());
                let k2 = kill.clone();
                let svc = hyper::service::service_fn(move |req| {
                    let app = app.clone();
                    let kill = k2.clone();
                    async move { Ok::<_, Infallible>(handle(app, req, kill).await) }
                });
                let conn = hyper::server::conn::http1::Builder::new()
                    .keep_alive(true)
                    .serve_connection(TokioIo::new(stream), svc);
                tokio::select! {
                    _ = conn => {}
                    _ = kill.notified() => {} // drop fault: close without a response
                }
            });
        }
    });
    Ok(Running { addr, app, task })
}

impl App {
    fn lock(&self) -> MutexGuard<'_, St> {
        self.st.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Write the state file atomically (temp file in the same folder + rename).
    fn save(&self, st: &St) {
        let Some(path) = &self.cfg.state_file else { return };
        let p = Persisted {
            data: st.data.clone(),
            clients: st.clients.clone(),
            tokens: st.tokens.clone(),
            spent_refresh_tokens: st.spent.iter().cloned().collect(),
        };
        let text = match serde_json::to_vec_pretty(&p) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("tyme-sandbox: cannot serialize state: {e}");
                return;
            }
        };
        let mut tmp = path.clone().into_os_string();
        tmp.push(format!(".tmp-{}", std::process::id()));
        let tmp = PathBuf::from(tmp);
        let res = (|| -> std::io::Result<()> {
            use std::io::Write;
            use std::os::unix::fs::OpenOptionsExt;
            // The file holds tokens and client secrets: owner-only from the
            // moment it exists (a leftover temp file of a crashed run with
            // the same pid is removed first, so the mode always applies).
            let _ = std::fs::remove_file(&tmp);
            let mut f = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&tmp)?;
            f.write_all(&text)?;
            f.sync_all()?;
            std::fs::rename(&tmp, path)
        })();
        if let Err(e) = res {
            eprintln!("tyme-sandbox: cannot write {}: {e}", path.display());
            let _ = std::fs::remove_file(&tmp);
        }
    }
}

// ---------------------------------------------------------------- responses

fn with_cors(mut r: Resp) -> Resp {
    let h = r.headers_mut();
    h.insert("access-control-allow-origin", HeaderValue::from_static("*"));
    h.insert("access-control-allow-headers", HeaderValue::from_static("Authorization, Content-Type"));
    h.insert("access-control-allow-methods", HeaderValue::from_static("GET, POST, PUT, DELETE, OPTIONS"));
    h.insert("access-control-expose-headers", HeaderValue::from_static("Retry-After, Location"));
    h.insert("access-control-max-age", HeaderValue::from_static("600"));
    r
}

fn json_resp(status: u16, v: &Value) -> Resp {
    let mut r = Response::new(Full::new(Bytes::from(v.to_string())));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    r.headers_mut().insert("content-type", HeaderValue::from_static("application/json"));
    r.headers_mut().insert("cache-control", HeaderValue::from_static("no-store"));
    r
}

fn reject(r: Reject) -> Resp {
    json_resp(r.status, &r.body())
}

fn html_resp(status: u16, body: String) -> Resp {
    let mut r = Response::new(Full::new(Bytes::from(body)));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    r.headers_mut().insert("content-type", HeaderValue::from_static("text/html; charset=utf-8"));
    r.headers_mut().insert("cache-control", HeaderValue::from_static("no-store"));
    r
}

fn redirect(location: &str) -> Resp {
    let mut r = Response::new(Full::new(Bytes::new()));
    *r.status_mut() = StatusCode::FOUND;
    if let Ok(v) = HeaderValue::from_str(location) {
        r.headers_mut().insert("location", v);
    }
    r.headers_mut().insert("cache-control", HeaderValue::from_static("no-store"));
    r
}

fn oauth_err(status: u16, error: &str, description: &str) -> Resp {
    json_resp(status, &json!({"error": error, "error_description": description}))
}

fn unauthorized(msg: &str) -> Resp {
    let mut r = json_resp(401, &json!({"error": "unauthorized", "message": msg}));
    r.headers_mut()
        .insert("www-authenticate", HeaderValue::from_static("Bearer error=\"invalid_token\""));
    r
}

pub fn html_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

// ---------------------------------------------------------------- requests

struct Req {
    method: Method,
    path: String,
    query: Vec<(String, String)>,
    headers: hyper::HeaderMap,
    body: Bytes,
}

impl Req {
    fn content_type(&self) -> String {
        self.headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase()
    }
    /// Parameters from the body (JSON object or form) overlaid by the query string.
    fn params(&self) -> Result<Map<String, Value>, Reject> {
        let mut m = Map::new();
        let body = self.body.as_ref();
        if !body.iter().all(u8::is_ascii_whitespace) {
            let ct = self.content_type();
            if ct.contains("application/x-www-form-urlencoded") {
                for (k, v) in form_urlencoded::parse(body) {
                    m.insert(k.into_owned(), Value::String(v.into_owned()));
                }
            } else {
                match serde_json::from_slice::<Value>(body) {
                    Ok(Value::Object(o)) => m = o,
                    Ok(_) => return Err(bad("body", "the body must be a JSON object")),
                    Err(e) if ct.contains("json") || body.first() == Some(&b'{') => {
                        return Err(bad("body", format!("the body is not valid JSON: {e}")))
                    }
                    Err(_) => {
                        for (k, v) in form_urlencoded::parse(body) {
                            m.insert(k.into_owned(), Value::String(v.into_owned()));
                        }
                    }
                }
            }
        }
        for (k, v) in &self.query {
            m.insert(k.clone(), Value::String(v.clone()));
        }
        Ok(m)
    }
}

fn pstr(m: &Map<String, Value>, k: &str) -> Option<String> {
    match m.get(k) {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    }
}

async fn handle(app: Arc<App>, req: Request<Incoming>, kill: Arc<Notify>) -> Resp {
    let started = Instant::now();
    let (parts, body) = req.into_parts();
    let path = parts.uri.path().to_string();
    let query: Vec<(String, String)> = parts
        .uri
        .query()
        .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default();
    let body = match Limited::new(body, MAX_BODY).collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => {
            return with_cors(json_resp(413, &json!({"error":"invalid_request","field":"body","message":"body too large or unreadable"})))
        }
    };
    let wants_pna = parts.headers.contains_key("access-control-request-private-network");
    let req = Req { method: parts.method, path, query, headers: parts.headers, body };

    if req.method == Method::OPTIONS {
        let mut r = Response::new(Full::new(Bytes::new()));
        *r.status_mut() = StatusCode::NO_CONTENT;
        if wants_pna {
            r.headers_mut()
                .insert("access-control-allow-private-network", HeaderValue::from_static("true"));
        }
        if !req.path.starts_with("/_sandbox") {
            app.log(&req, 204, started);
        }
        return with_cors(r);
    }

    if req.path == "/_sandbox" || req.path.starts_with("/_sandbox/") {
        if !app.cfg.control {
            return with_cors(json_resp(404, &json!({"error":"not_found","message":"the control API is off (start with --control)"})));
        }
        return with_cors(control(&app, &req));
    }

    // Fault injection.
    let (delay, fail) = app.decide_fault(&req.path);
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let resp = match fail {
        None => route(&app, &req).await,
        Some(f) => {
            if f.apply {
                let _ = route(&app, &req).await;
            }
            if f.drop {
                app.log(&req, 0, started);
                kill.notify_one();
                std::future::pending::<()>().await;
                unreachable!()
            }
            fault_response(&f)
        }
    };
    let status = resp.status().as_u16();
    app.log(&req, status, started);
    with_cors(resp)
}

fn fault_response(f: &Faults) -> Resp {
    match &f.malformed {
        Value::Bool(true) | Value::String(_) => {
            if f.malformed.as_str() == Some("html") {
                return html_resp(200, "<html><body><h1>502 Bad Gateway</h1></body></html>".into());
            }
            let mut r = Response::new(Full::new(Bytes::from_static(b"{\"id\":\"7F3A\",\"name\":\"trunc")));
            r.headers_mut().insert("content-type", HeaderValue::from_static("application/json"));
            return r;
        }
        _ => {}
    }
    let status = f.status.unwrap_or(503);
    let error = match status {
        429 => "rate_limited",
        503 => "unavailable",
        502 => "bad_gateway",
        _ => "server_error",
    };
    let mut r = json_resp(status, &json!({"error": error}));
    let retry = f.retry_after.or(if status == 429 || status == 503 { Some(1) } else { None });
    if let Some(s) = retry {
        r.headers_mut().insert("retry-after", HeaderValue::from(s));
    }
    r
}

impl App {
    fn log(&self, req: &Req, status: u16, started: Instant) {
        let ms = started.elapsed().as_millis() as u64;
        if self.cfg.verbose {
            eprintln!("{} {} {} {}ms", req.method, req.path, status, ms);
        }
        let mut st = self.lock();
        if st.log.len() >= MAX_LOG {
            st.log.remove(0);
        }
        st.log.push(json!({
            "method": req.method.as_str(),
            "path": req.path,
            "status": status,
            "at": chrono::Utc::now().format("%Y-%m-%d %H:%M:%S%.3f").to_string(),
            "ms": ms,
        }));
    }

    fn decide_fault(&self, path: &str) -> (Duration, Option<Faults>) {
        let mut st = self.lock();
        let f = st.faults.clone();
        if let Some(p) = &f.path_prefix {
            if !path.starts_with(p.as_str()) {
                return (Duration::ZERO, None);
            }
        }
        let jitter = if f.latency_jitter_ms > 0 { st.rand() % (f.latency_jitter_ms + 1) } else { 0 };
        let delay = Duration::from_millis(f.latency_ms + jitter);
        let malformed = matches!(f.malformed, Value::Bool(true) | Value::String(_));
        let fail = if f.fail_next > 0 {
            st.faults.fail_next -= 1;
            true
        } else if f.fail_percent > 0.0 {
            (st.rand() % 10_000) as f64 / 100.0 < f.fail_percent
        } else if f.counted {
            false
        } else {
            // drop / malformed / status alone apply to every matching request
            f.drop || malformed || f.status.is_some()
        };
        (delay, if fail { Some(f) } else { None })
    }

    fn bearer_ok(&self, req: &Req) -> Result<(), Resp> {
        let h = req.headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or("");
        let tok = h
            .strip_prefix("Bearer ")
            .or_else(|| h.strip_prefix("bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty());
        let Some(tok) = tok else {
            return Err(unauthorized("missing bearer token"));
        };
        let st = self.lock();
        match st.tokens.iter().find(|t| t.access_token == tok) {
            None => Err(unauthorized("unknown access token")),
            Some(t) if t.expires_at <= unix_now() => Err(unauthorized("access token expired")),
            Some(_) => Ok(()),
        }
    }
}

async fn route(app: &Arc<App>, req: &Req) -> Resp {
    let p = req.path.trim_end_matches('/');
    let p = if p.is_empty() { "/" } else { p };
    let m = &req.method;
    match p {
        "/" if m == Method::GET => json_resp(200, &json!({"name":"tyme-sandbox","docs":"tests/sandbox/README.md"})),
        "/v1/authorize" if m == Method::GET => authorize_get(app, req),
        "/v1/authorize" if m == Method::POST => authorize_post(app, req),
        "/v1/access_token" if m == Method::POST => token(app, req, false),
        "/v1/refresh_token" if m == Method::POST => token(app, req, true),
        "/data/search_entity" | "/data/update_entity" | "/data/summary" | "/webhooks/subscribe"
        | "/webhooks/unsubscribe" => {
            if let Err(r) = app.bearer_ok(req) {
                return r;
            }
            match (p, m.as_str()) {
                ("/data/search_entity", "GET") => search(app, req),
                ("/data/update_entity", "POST") | ("/data/update_entity", "PUT") => update(app, req),
                ("/data/summary", "GET") => summary(app, req),
                ("/webhooks/subscribe", "GET") | ("/webhooks/subscribe", "POST") => webhook_sub(app, req, true),
                ("/webhooks/unsubscribe", "POST") | ("/webhooks/unsubscribe", "DELETE") => webhook_sub(app, req, false),
                _ => json_resp(405, &json!({"error":"method_not_allowed","message":"method not allowed on this path"})),
            }
        }
        "/v1/authorize" | "/v1/access_token" | "/v1/refresh_token" => {
            json_resp(405, &json!({"error":"method_not_allowed","message":"method not allowed on this path"}))
        }
        _ => json_resp(404, &json!({"error":"not_found","message":"no such endpoint"})),
    }
}

// ---------------------------------------------------------------- OAuth

fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">\
<title>{t}</title><style>body{{font-family:system-ui,sans-serif;max-width:26rem;margin:3rem auto;padding:0 1rem}}\
label{{display:block;margin:.6rem 0}}input{{width:100%;padding:.4rem}}button{{margin:.8rem .5rem 0 0;padding:.4rem 1rem}}\
.error{{color:#b00}}</style></head><body>{body}</body></html>",
        t = html_escape(title)
    )
}

fn error_page(msg: &str) -> Resp {
    html_resp(
        400,
        page(
            "Authorization error",
            &format!("<h1>Authorization error</h1><p class=\"error\" id=\"error\">{}</p>", html_escape(msg)),
        ),
    )
}

fn append_query(uri: &str, pairs: &[(&str, &str)]) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k, v);
    }
    let q = s.finish();
    let (base, frag) = match uri.split_once('#') {
        Some((b, f)) => (b, Some(f)),
        None => (uri, None),
    };
    let sep = if base.contains('?') { '&' } else { '?' };
    let mut out = format!("{base}{sep}{q}");
    if let Some(f) = frag {
        out.push('#');
        out.push_str(f);
    }
    out
}

struct AuthParams {
    client_id: String,
    redirect_uri: String,
    redirect_given: bool,
    state: Option<String>,
    challenge: Option<(String, String)>,
}

/// Validate client and redirect URI (errors are pages, never redirects), then
/// the rest (errors are redirects).
fn auth_params(app: &App, m: &Map<String, Value>) -> Result<AuthParams, Resp> {
    let client_id = pstr(m, "client_id").unwrap_or_default();
    if client_id.is_empty() {
        return Err(error_page("client_id is missing."));
    }
    let client = {
        let st = app.lock();
        st.clients.iter().find(|c| c.client_id == client_id).cloned()
    };
    let Some(client) = client else {
        return Err(error_page(&format!("Unknown client {:?}.", model::truncate(&client_id))));
    };
    let given = pstr(m, "redirect_uri").filter(|s| !s.is_empty());
    let redirect_uri = match &given {
        Some(u) if client.redirect_uris.contains(u) => u.clone(),
        Some(u) => {
            return Err(error_page(&format!(
                "The redirect URI {:?} is not registered for this client.",
                model::truncate(u)
            )))
        }
        None if client.redirect_uris.len() == 1 => client.redirect_uris[0].clone(),
        None => return Err(error_page("redirect_uri is missing.")),
    };
    let state = pstr(m, "state").filter(|s| !s.is_empty());
    let err = |code: &str, desc: &str| {
        let mut pairs = vec![("error", code), ("error_description", desc)];
        if let Some(s) = &state {
            pairs.push(("state", s));
        }
        redirect(&append_query(&redirect_uri, &pairs))
    };
    if pstr(m, "response_type").as_deref() != Some("code") {
        return Err(err("unsupported_response_type", "response_type must be code"));
    }
    let challenge = match pstr(m, "code_challenge").filter(|s| !s.is_empty()) {
        None => None,
        Some(c) => {
            let method = pstr(m, "code_challenge_method").filter(|s| !s.is_empty()).unwrap_or_else(|| "plain".into());
            if method != "S256" && method != "plain" {
                return Err(err("invalid_request", "code_challenge_method must be S256"));
            }
            if c.len() < 43 || c.len() > 128 {
                return Err(err("invalid_request", "code_challenge has the wrong length"));
            }
            Some((c, method))
        }
    };
    Ok(AuthParams { client_id, redirect_uri, redirect_given: given.is_some(), state, challenge })
}

fn issue_code(app: &App, a: &AuthParams) -> Resp {
    let code = random_token(1);
    app.lock().codes.insert(
        code.clone(),
        Code {
            client_id: a.client_id.clone(),
            redirect_uri: if a.redirect_given { Some(a.redirect_uri.clone()) } else { None },
            challenge: a.challenge.clone(),
            expires_at: unix_now() + app.cfg.code_lifetime,
        },
    );
    let mut pairs = vec![("code", code.as_str())];
    if let Some(s) = &a.state {
        pairs.push(("state", s));
    }
    redirect(&append_query(&a.redirect_uri, &pairs))
}

fn sign_in_form(m: &Map<String, Value>, a: &AuthParams, error: Option<&str>) -> Resp {
    let mut hidden = String::new();
    for k in ["response_type", "client_id", "redirect_uri", "state", "code_challenge", "code_challenge_method"] {
        if let Some(v) = pstr(m, k) {
            hidden.push_str(&format!(
                "<input type=\"hidden\" name=\"{k}\" value=\"{}\">",
                html_escape(&v)
            ));
        }
    }
    let err = error
        .map(|e| format!("<p class=\"error\" id=\"error\">{}</p>", html_escape(e)))
        .unwrap_or_default();
    let email = pstr(m, "email").unwrap_or_default();
    let body = format!(
        "<h1>Sign in to Tyme</h1><p><strong id=\"client\">{client}</strong> asks for access to your Tyme data.</p>{err}\
<form method=\"post\" action=\"/v1/authorize\">{hidden}\
<label>Email <input id=\"email\" name=\"email\" type=\"text\" autocomplete=\"username\" value=\"{email}\" required></label>\
<label>Password <input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required></label>\
<button id=\"approve\" type=\"submit\" name=\"decision\" value=\"approve\">Approve</button>\
<button id=\"deny\" type=\"submit\" name=\"decision\" value=\"deny\" formnovalidate>Deny</button></form>",
        client = html_escape(&a.client_id),
        email = html_escape(&email),
    );
    html_resp(if error.is_some() { 400 } else { 200 }, page("Sign in to Tyme (sandbox)", &body))
}

fn authorize_get(app: &App, req: &Req) -> Resp {
    let m: Map<String, Value> = req.query.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect();
    let a = match auth_params(app, &m) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let interactive = app.lock().interactive;
    if interactive {
        sign_in_form(&m, &a, None)
    } else {
        issue_code(app, &a)
    }
}

fn authorize_post(app: &App, req: &Req) -> Resp {
    let m = match req.params() {
        Ok(m) => m,
        Err(_) => return error_page("The form could not be read."),
    };
    let a = match auth_params(app, &m) {
        Ok(a) => a,
        Err(r) => return r,
    };
    match pstr(&m, "decision").as_deref() {
        Some("approve") => {
            let email = pstr(&m, "email").unwrap_or_default();
            let password = pstr(&m, "password").unwrap_or_default();
            if email.trim().is_empty() || password.is_empty() {
                return sign_in_form(&m, &a, Some("Enter an email and a password."));
            }
            issue_code(app, &a)
        }
        Some("deny") => {
            let mut pairs = vec![("error", "access_denied"), ("error_description", "the user denied access")];
            if let Some(s) = &a.state {
                pairs.push(("state", s));
            }
            redirect(&append_query(&a.redirect_uri, &pairs))
        }
        _ => sign_in_form(&m, &a, Some("Choose Approve or Deny.")),
    }
}

fn pkce_ok(challenge: &(String, String), verifier: &str) -> bool {
    if verifier.len() < 43 || verifier.len() > 128 {
        return false;
    }
    match challenge.1.as_str() {
        "S256" => {
            let d = sha2::Sha256::digest(verifier.as_bytes());
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(d) == challenge.0
        }
        _ => verifier == challenge.0,
    }
}

fn token(app: &App, req: &Req, refresh_path: bool) -> Resp {
    let m = match req.params() {
        Ok(m) => m,
        Err(r) => return oauth_err(400, "invalid_request", &r.message),
    };
    // Client credentials: body, or HTTP Basic.
    let mut client_id = pstr(&m, "client_id").filter(|s| !s.is_empty());
    let mut secret = pstr(&m, "client_secret").filter(|s| !s.is_empty());
    if let Some(basic) = req
        .headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|h| h.strip_prefix("Basic "))
    {
        if let Ok(dec) = base64::engine::general_purpose::STANDARD.decode(basic.trim()) {
            if let Some((i, s)) = String::from_utf8_lossy(&dec).split_once(':') {
                client_id = client_id.or(Some(i.to_string()));
                secret = secret.or(Some(s.to_string()).filter(|s| !s.is_empty()));
            }
        }
    }
    let grant = pstr(&m, "grant_type").unwrap_or_default();
    if grant.is_empty() {
        return oauth_err(400, "invalid_request", "grant_type is missing");
    }
    let Some(client_id) = client_id else {
        return oauth_err(400, "invalid_request", "client_id is missing");
    };
    let mut st = app.lock();
    let Some(client) = st.clients.iter().find(|c| c.client_id == client_id).cloned() else {
        return oauth_err(401, "invalid_client", "unknown client");
    };
    if let Some(expected) = &client.client_secret {
        if secret.as_deref() != Some(expected.as_str()) {
            return oauth_err(401, "invalid_client", "client authentication failed");
        }
    }
    let now = unix_now();
    match (grant.as_str(), refresh_path) {
        ("authorization_code", false) => {
            let Some(code) = pstr(&m, "code").filter(|s| !s.is_empty()) else {
                return oauth_err(400, "invalid_request", "code is missing");
            };
            // Single use: the code is gone after the first attempt.
            let Some(c) = st.codes.remove(&code) else {
                return oauth_err(400, "invalid_grant", "unknown or already used code");
            };
            if c.expires_at <= now {
                return oauth_err(400, "invalid_grant", "code expired");
            }
            if c.client_id != client_id {
                return oauth_err(400, "invalid_grant", "code was issued to another client");
            }
            let redirect_uri = pstr(&m, "redirect_uri").filter(|s| !s.is_empty());
            if let Some(expected) = &c.redirect_uri {
                if redirect_uri.as_ref() != Some(expected) {
                    return oauth_err(400, "invalid_grant", "redirect_uri does not match the authorization request");
                }
            }
            if let Some(ch) = &c.challenge {
                let v = pstr(&m, "code_verifier").unwrap_or_default();
                if v.is_empty() {
                    return oauth_err(400, "invalid_grant", "code_verifier is missing");
                }
                if !pkce_ok(ch, &v) {
                    return oauth_err(400, "invalid_grant", "code_verifier does not match the code_challenge");
                }
            }
            let r = issue_tokens(app, &mut st, &client_id);
            st.data.stats.tokens_issued += 1;
            app.save(&st);
            r
        }
        ("refresh_token", _) => {
            let Some(rt) = pstr(&m, "refresh_token").filter(|s| !s.is_empty()) else {
                return oauth_err(400, "invalid_request", "refresh_token is missing");
            };
            if st.spent.contains(&rt) {
                return oauth_err(400, "invalid_grant", "refresh token already used");
            }
            let Some(pos) = st.tokens.iter().position(|t| t.refresh_token == rt) else {
                return oauth_err(400, "invalid_grant", "unknown refresh token");
            };
            if st.tokens[pos].client_id != client_id {
                return oauth_err(400, "invalid_grant", "refresh token was issued to another client");
            }
            let old = st.tokens.remove(pos);
            st.spent.insert(old.refresh_token);
            let r = issue_tokens(app, &mut st, &client_id);
            st.data.stats.refreshes += 1;
            app.save(&st);
            r
        }
        ("authorization_code", true) => oauth_err(400, "unsupported_grant_type", "use grant_type refresh_token here"),
        _ => oauth_err(400, "unsupported_grant_type", "grant_type must be authorization_code or refresh_token"),
    }
}

fn issue_tokens(app: &App, st: &mut St, client_id: &str) -> Resp {
    let t = Token {
        access_token: random_token(2),
        refresh_token: random_token(2),
        client_id: client_id.to_string(),
        expires_at: unix_now() + app.cfg.token_lifetime,
    };
    let body = json!({
        "access_token": t.access_token,
        "refresh_token": t.refresh_token,
        "token_type": "Bearer",
        "expires_in": app.cfg.token_lifetime,
    });
    st.tokens.push(t);
    json_resp(200, &body)
}

// ---------------------------------------------------------------- data

fn search(app: &App, req: &Req) -> Resp {
    let m = match req.params() {
        Ok(m) => m,
        Err(r) => return reject(r),
    };
    let kind = pstr(&m, "type").unwrap_or_default();
    let name = pstr(&m, "name").unwrap_or_default();
    let parent = pstr(&m, "parent_id").filter(|s| !s.is_empty() && s != "null");
    match app.lock().data.search(&kind, &name, parent.as_deref()) {
        Ok(v) => json_resp(200, &v),
        Err(r) => reject(r),
    }
}

fn update(app: &Arc<App>, req: &Req) -> Resp {
    let body: Value = match serde_json::from_slice(&req.body) {
        Ok(v) => v,
        Err(e) => return reject(bad("body", format!("the body is not valid JSON: {e}"))),
    };
    let mut st = app.lock();
    let applied = match st.data.update_entity(&body) {
        Ok(a) => a,
        Err(r) => return reject(r),
    };
    let jobs = queue_deliveries(&mut st, &applied.events);
    app.save(&st);
    drop(st);
    for (id, url, payload) in jobs {
        let app = app.clone();
        tokio::spawn(async move { deliver(app, id, url, payload).await });
    }
    json_resp(200, &applied.entity)
}

fn summary(app: &App, req: &Req) -> Resp {
    let m = match req.params() {
        Ok(m) => m,
        Err(r) => return reject(r),
    };
    let get = |k: &str| -> Result<chrono::NaiveDateTime, Reject> {
        let s = pstr(&m, k).ok_or_else(|| bad(k, format!("{k} is required")))?;
        parse_dt(&s).ok_or_else(|| bad(k, format!("{k} must be Y-m-d H:i:s (UTC)")))
    };
    let (from, to) = match (get("from"), get("to")) {
        (Ok(f), Ok(t)) => (f, t),
        (Err(r), _) | (_, Err(r)) => return reject(r),
    };
    if to < from {
        return reject(bad("to", "to is before from"));
    }
    json_resp(200, &app.lock().data.summary(from, to, now_dt()))
}

// ---------------------------------------------------------------- webhooks

const TRIGGERS: [&str; 6] = ["category", "project", "task", "subtask", "time", "stopped_time"];

fn webhook_sub(app: &App, req: &Req, subscribe: bool) -> Resp {
    let m = match req.params() {
        Ok(m) => m,
        Err(r) => return json_resp(400, &json!({"error":"missing values","field":r.field})),
    };
    // seed: hookUrl, trigger_type; live: hook_url. Nothing else.
    if let Some(k) = m.keys().find(|k| !["hookUrl", "hook_url", "trigger_type"].contains(&k.as_str())) {
        let k = model::truncate(k);
        return json_resp(
            400,
            &json!({"error":"missing values","field":k,"message":format!("unknown field {k:?}; expected hookUrl (or hook_url) and trigger_type")}),
        );
    }
    let url = pstr(&m, "hookUrl").or_else(|| pstr(&m, "hook_url")).filter(|s| !s.trim().is_empty());
    let Some(url) = url else {
        return json_resp(400, &json!({"error":"missing values","field":"hookUrl"}));
    };
    let trigger = pstr(&m, "trigger_type").unwrap_or_default();
    if !TRIGGERS.contains(&trigger.as_str()) {
        return json_resp(400, &json!({"error":"missing values","field":"trigger_type"}));
    }
    if subscribe && !url.starts_with("http://") && !url.starts_with("https://") {
        return json_resp(403, &json!({"error":"not_allowed","message":"hookUrl must be an http(s) URL"}));
    }
    let w = Webhook { hook_url: url, trigger_type: trigger };
    let mut st = app.lock();
    if subscribe {
        if !st.data.webhooks.contains(&w) {
            st.data.webhooks.push(w);
        }
    } else {
        st.data.webhooks.retain(|x| x != &w);
    }
    app.save(&st);
    json_resp(200, &json!({"status":"success"}))
}

fn queue_deliveries(st: &mut St, events: &[(&'static str, Value)]) -> Vec<(String, String, Value)> {
    let mut jobs = vec![];
    for (trigger, entity) in events {
        let hooks: Vec<Webhook> = st.data.webhooks.iter().filter(|w| w.trigger_type == *trigger).cloned().collect();
        for w in hooks {
            let id = model::new_id();
            st.data.deliveries.push(Delivery {
                id: id.clone(),
                hook_url: w.hook_url.clone(),
                trigger_type: trigger.to_string(),
                entity_id: entity["id"].as_str().unwrap_or_default().to_string(),
                status: "pending".into(),
                attempts: 0,
                last_status: None,
                last_error: None,
                created_at: fmt_dt(now_dt()),
            });
            jobs.push((id, w.hook_url, json!({"trigger_type": trigger, "entity": entity})));
        }
    }
    jobs
}

async fn deliver(app: Arc<App>, id: String, url: String, payload: Value) {
    let attempts = app.cfg.webhook_attempts.max(1);
    for attempt in 1..=attempts {
        let result: Result<u16, String> = async {
            let uri: hyper::Uri = url.parse().map_err(|_| "invalid hook URL".to_string())?;
            if uri.scheme_str() != Some("http") {
                return Err("only http:// hook URLs can be delivered by the sandbox".to_string());
            }
            let req = Request::post(uri)
                .header("content-type", "application/json")
                .header("user-agent", "tyme-sandbox-webhooks")
                .body(Full::new(Bytes::from(payload.to_string())))
                .map_err(|e| e.to_string())?;
            let resp = tokio::time::timeout(Duration::from_secs(5), app.http.request(req))
                .await
                .map_err(|_| "timed out".to_string())?
                .map_err(|e| format!("connection failed: {e}"))?;
            let status = resp.status().as_u16();
            let _ = resp.into_body().collect().await;
            Ok(status)
        }
        .await;
        let done = {
            let mut st = app.lock();
            let done = matches!(result, Ok(s) if (200..300).contains(&s));
            if let Some(d) = st.data.deliveries.iter_mut().find(|d| d.id == id) {
                d.attempts = attempt;
                match &result {
                    Ok(s) => {
                        d.last_status = Some(*s);
                        d.last_error = None;
                    }
                    Err(e) => d.last_error = Some(e.clone()),
                }
                d.status = if done {
                    "delivered".into()
                } else if attempt == attempts {
                    "failed".into()
                } else {
                    "pending".into()
                };
            }
            app.save(&st);
            done
        };
        if done {
            return;
        }
        if attempt < attempts {
            tokio::time::sleep(Duration::from_millis(app.cfg.webhook_backoff_ms << (attempt - 1))).await;
        }
    }
}

// ---------------------------------------------------------------- control

fn control(app: &App, req: &Req) -> Resp {
    let p = req.path.trim_end_matches('/');
    let ok = || json_resp(200, &json!({"status":"ok"}));
    let body = || -> Result<Value, Resp> {
        if req.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(json!({}));
        }
        serde_json::from_slice(&req.body)
            .map_err(|e| json_resp(400, &json!({"error":"invalid_request","field":"body","message":e.to_string()})))
    };
    let m = req.method.as_str();
    match (m, p) {
        ("POST", "/_sandbox/reset") => {
            let mut st = app.lock();
            st.data = start_data(&app.cfg);
            st.tokens.clear();
            st.spent.clear();
            st.codes.clear();
            st.log.clear();
            st.faults = Faults::default();
            st.interactive = !app.cfg.auto_approve;
            app.save(&st);
            ok()
        }
        ("GET", "/_sandbox/state") => json_resp(200, &app.lock().data.dump()),
        ("GET", "/_sandbox/log") => json_resp(200, &Value::Array(app.lock().log.clone())),
        ("DELETE", "/_sandbox/log") => {
            app.lock().log.clear();
            ok()
        }
        ("GET", "/_sandbox/faults") => json_resp(200, &json!(app.lock().faults)),
        ("POST", "/_sandbox/faults") => {
            let v = match body() {
                Ok(v) => v,
                Err(r) => return r,
            };
            let mut f: Faults = match serde_json::from_value(v) {
                Ok(f) => f,
                Err(e) => {
                    return json_resp(400, &json!({"error":"invalid_request","field":"body","message":e.to_string()}))
                }
            };
            if let Some(s) = f.status {
                if ![500, 502, 503, 429].contains(&s) {
                    return json_resp(400, &json!({"error":"invalid_request","field":"status","message":"status must be 500, 502, 503 or 429"}));
                }
            }
            if !(0.0..=100.0).contains(&f.fail_percent) {
                return json_resp(400, &json!({"error":"invalid_request","field":"fail_percent","message":"fail_percent must be 0..100"}));
            }
            match &f.malformed {
                Value::Null | Value::Bool(_) => {}
                Value::String(s) if s == "html" || s == "truncated" => {}
                _ => return json_resp(400, &json!({"error":"invalid_request","field":"malformed","message":"malformed must be true, false, \"truncated\" or \"html\""})),
            }
            f.counted = f.fail_next > 0 || f.fail_percent > 0.0;
            let mut st = app.lock();
            st.faults = f;
            json_resp(200, &json!(st.faults))
        }
        ("DELETE", "/_sandbox/faults") => {
            app.lock().faults = Faults::default();
            ok()
        }
        ("POST", "/_sandbox/expire_tokens") => {
            let mut st = app.lock();
            let now = unix_now();
            let mut n = 0;
            for t in st.tokens.iter_mut() {
                if t.expires_at > now - 1 {
                    t.expires_at = now - 1;
                    n += 1;
                }
            }
            app.save(&st);
            json_resp(200, &json!({"status":"ok","expired":n}))
        }
        ("GET", "/_sandbox/clients") => {
            let st = app.lock();
            let list: Vec<Value> = st
                .clients
                .iter()
                .map(|c| json!({"client_id": c.client_id, "has_secret": c.client_secret.is_some(), "redirect_uris": c.redirect_uris}))
                .collect();
            json_resp(200, &Value::Array(list))
        }
        ("POST", "/_sandbox/clients") => {
            let v = match body() {
                Ok(v) => v,
                Err(r) => return r,
            };
            let c: Client = match serde_json::from_value(v) {
                Ok(c) => c,
                Err(e) => {
                    return json_resp(400, &json!({"error":"invalid_request","field":"body","message":e.to_string()}))
                }
            };
            if c.client_id.is_empty() {
                return json_resp(400, &json!({"error":"invalid_request","field":"client_id","message":"client_id is required"}));
            }
            if c.redirect_uris.is_empty() {
                return json_resp(400, &json!({"error":"invalid_request","field":"redirect_uris","message":"at least one redirect URI is required"}));
            }
            let mut st = app.lock();
            st.clients.retain(|x| x.client_id != c.client_id);
            let id = c.client_id.clone();
            st.clients.push(c);
            app.save(&st);
            json_resp(200, &json!({"status":"ok","client_id":id}))
        }
        ("GET", "/_sandbox/mode") => json_resp(200, &json!({"interactive": app.lock().interactive})),
        ("POST", "/_sandbox/mode") => {
            let v = match body() {
                Ok(v) => v,
                Err(r) => return r,
            };
            let Some(i) = v.get("interactive").and_then(Value::as_bool) else {
                return json_resp(400, &json!({"error":"invalid_request","field":"interactive","message":"interactive must be true or false"}));
            };
            app.lock().interactive = i;
            json_resp(200, &json!({"interactive": i}))
        }
        _ => json_resp(404, &json!({"error":"not_found","message":"no such control endpoint"})),
    }
}

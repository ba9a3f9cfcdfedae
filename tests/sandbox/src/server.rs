//! Binding, the accept loop, and the per-request pipeline (CORS, control,
//! faults, routing, the request log).

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::HeaderValue;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo};
use serde_json::json;
use tokio::net::TcpListener;
use tokio::sync::Notify;

use crate::control::control;
use crate::faults::{fault_response, Faults};
use crate::http::{json_resp, with_cors, Req, Resp, MAX_BODY};
use crate::routes::route;
use crate::state::{rng_state, start_data, App, Config, Persisted, St};

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
    /// The control API's token (None with the control API off).
    pub fn control_token(&self) -> Option<&str> {
        if self.app.cfg.control {
            self.app.cfg.control_token.as_deref()
        } else {
            None
        }
    }
    /// Stop accepting connections (open connections finish on their own).
    pub fn stop(self) {
        self.task.abort();
    }
}

/// Is `host` a loopback name or address (the only ones the sandbox binds)?
pub fn is_loopback(host: &str) -> bool {
    let h = host.trim_start_matches('[').trim_end_matches(']');
    h.eq_ignore_ascii_case("localhost") || h.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// A random token of 128 bits (two v4 UUIDs' random bits), hex.
fn random_token() -> String {
    format!("{:032x}", uuid::Uuid::new_v4().as_u128() ^ uuid::Uuid::new_v4().as_u128().rotate_left(64))
}

/// Bind and serve. Loads `state_file` when it exists. Binds loopback
/// addresses only; with the control API on, it answers only requests that
/// carry `cfg.control_token` (a random one when none is given).
pub async fn start(mut cfg: Config) -> std::io::Result<Running> {
    if !is_loopback(&cfg.host) {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("--host {}: the sandbox listens on loopback only (127.0.0.1, ::1 or localhost)", cfg.host),
        ));
    }
    if cfg.control_token.as_deref().is_some_and(|t| t.len() < 16) {
        return Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, "the control token must have at least 16 characters"));
    }
    if cfg.control && cfg.control_token.is_none() {
        cfg.control_token = Some(random_token());
    }
    let mut persisted = Persisted { data: start_data(&cfg), ..Default::default() };
    if let Some(path) = &cfg.state_file {
        if path.exists() {
            let named = |kind: std::io::ErrorKind, e: &dyn std::fmt::Display| {
                std::io::Error::new(kind, format!("state file {}: {e}", path.display()))
            };
            let text = std::fs::read_to_string(path).map_err(|e| named(e.kind(), &e))?;
            persisted = serde_json::from_str(&text).map_err(|e| named(std::io::ErrorKind::InvalidData, &e))?;
            persisted.data.check().map_err(|e| named(std::io::ErrorKind::InvalidData, &e))?;
            persisted.data.dialect = cfg.dialect;
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
        rng: cfg.seed.map_or((uuid::Uuid::new_v4().as_u128() as u64) | 1, rng_state),
        in_flight: Vec::new(),
        in_flight_seq: 0,
    };
    let listener = TcpListener::bind((cfg.host.as_str(), cfg.port)).await?;
    let addr = listener.local_addr()?;
    let http = hyper_util::client::legacy::Client::builder(TokioExecutor::new()).build_http();
    let app = Arc::new(App { cfg, st: Mutex::new(st), http, port: addr.port() });
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

/// The Host header names this server: `127.0.0.1`, `localhost` or `[::1]`
/// with its port (a page on a rebound DNS name gets 421).
fn host_allowed(host: Option<&HeaderValue>, port: u16) -> bool {
    let Some(h) = host.and_then(|h| h.to_str().ok()) else { return false };
    let h = h.to_ascii_lowercase();
    ["127.0.0.1", "localhost", "[::1]"].iter().any(|n| h == format!("{n}:{port}"))
}

/// A loopback page's origin (the wasm test runner's, the web console's):
/// the only ones the control API answers with CORS headers (never `*`).
fn loopback_origin(origin: Option<&HeaderValue>) -> Option<HeaderValue> {
    let o = origin?.to_str().ok()?;
    let host = o.strip_prefix("http://")?;
    let name = match host.rsplit_once(':') {
        Some((n, port)) if !port.is_empty() && port.bytes().all(|c| c.is_ascii_digit()) => n,
        _ => host,
    };
    (is_loopback(name) && !name.is_empty()).then(|| HeaderValue::from_str(o).ok()).flatten()
}

fn control_cors(mut r: Resp, origin: Option<HeaderValue>) -> Resp {
    let h = r.headers_mut();
    h.insert("vary", HeaderValue::from_static("Origin"));
    if let Some(o) = origin {
        h.insert("access-control-allow-origin", o);
        h.insert("access-control-allow-headers", HeaderValue::from_static("Content-Type, X-Sandbox-Token"));
        h.insert("access-control-allow-methods", HeaderValue::from_static("GET, POST, DELETE"));
    }
    r
}

/// Constant-time comparison of the given token with the run's.
fn token_ok(given: Option<&HeaderValue>, want: Option<&str>) -> bool {
    let (Some(g), Some(w)) = (given.map(HeaderValue::as_bytes), want.map(str::as_bytes)) else { return false };
    g.len() == w.len() && g.iter().zip(w).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}

pub(crate) async fn handle(app: Arc<App>, req: Request<Incoming>, kill: Arc<Notify>) -> Resp {
    let started = Instant::now();
    if !host_allowed(req.headers().get("host"), app.port) {
        return json_resp(421, &json!({"error":"misdirected_request","message":"unknown Host"}));
    }
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

    let control_path = req.path == "/_sandbox" || req.path.starts_with("/_sandbox/");
    if control_path {
        // No wildcard CORS and no private-network opt-in here: a loopback
        // page's origin at most, and the run's token on every call.
        let origin = loopback_origin(req.headers.get("origin"));
        if !app.cfg.control {
            return control_cors(json_resp(404, &json!({"error":"not_found","message":"the control API is off (start with --control)"})), origin);
        }
        if req.method == Method::OPTIONS {
            let mut r = Response::new(Full::new(Bytes::new()));
            *r.status_mut() = StatusCode::NO_CONTENT;
            return control_cors(r, origin);
        }
        if !token_ok(req.headers.get("x-sandbox-token"), app.cfg.control_token.as_deref()) {
            return control_cors(
                json_resp(401, &json!({"error":"unauthorized","message":"the control API needs this run's X-Sandbox-Token header"})),
                origin,
            );
        }
        return control_cors(control(&app, &req), origin);
    }

    if req.method == Method::OPTIONS {
        let mut r = Response::new(Full::new(Bytes::new()));
        *r.status_mut() = StatusCode::NO_CONTENT;
        if wants_pna {
            r.headers_mut()
                .insert("access-control-allow-private-network", HeaderValue::from_static("true"));
        }
        app.log(&req, 204, started);
        return with_cors(r);
    }

    // Fault injection.
    let (delay, fail) = app.decide_fault(&req.path);
    // From here until answered (or dropped), the request is listed as in flight.
    let _in_flight = app.in_flight(&req);
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let resp = match fail {
        None => route(&app, &req).await,
        Some(f) => {
            // A 2xx (a malformed body) says the server did the work, so the
            // request is processed; other faults only when `apply` is set.
            let answers_2xx = !f.drop && matches!(f.malformed, serde_json::Value::Bool(true) | serde_json::Value::String(_));
            if f.apply || answers_2xx {
                let _ = route(&app, &req).await;
            }
            if f.drop {
                app.log(&req, 0, started);
                kill.notify_one();
                std::future::pending::<()>().await;
                unreachable!()
            }
            fault_response(&f, &req)
        }
    };
    let status = resp.status().as_u16();
    app.log(&req, status, started);
    with_cors(resp)
}

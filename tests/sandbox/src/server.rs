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
use crate::state::{start_data, App, Config, Persisted, St};

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

pub(crate) async fn handle(app: Arc<App>, req: Request<Incoming>, kill: Arc<Notify>) -> Resp {
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

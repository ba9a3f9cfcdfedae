//! Server settings, the shared state behind one lock, and its persistence.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};
use std::time::Instant;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::faults::Faults;
use crate::http::{unauthorized, Body, Req, Resp};
use crate::model::{Data, Dialect, TOKEN_USER};

pub(crate) const MAX_LOG: usize = 10_000;

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
    /// Which reading of the Tyme API to speak (README "Dialects").
    pub dialect: Dialect,
    /// Most entries one `GET /data/times` answer holds (live dialect).
    pub times_page_size: usize,
    /// The control API's per-run secret (header `X-Sandbox-Token`); with
    /// `control` on and none given, `start` makes a random one
    /// (`Running::control_token`).
    pub control_token: Option<String>,
    /// Seed of the fault randomness (which requests fail, the latency
    /// jitter); none: a random one. `POST /_sandbox/faults {"seed":N}`
    /// seeds it again.
    pub seed: Option<u64>,
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
            dialect: Dialect::Seed,
            times_page_size: 100,
            control_token: None,
            seed: None,
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Token {
    pub(crate) access_token: String,
    pub(crate) refresh_token: String,
    pub(crate) client_id: String,
    /// Unix seconds.
    pub(crate) expires_at: i64,
    /// The member the token belongs to (always the fixed first member).
    #[serde(default = "token_user")]
    pub(crate) user_id: String,
}

fn token_user() -> String {
    TOKEN_USER.to_string()
}

#[derive(Clone, Debug)]
pub(crate) struct Code {
    pub(crate) client_id: String,
    pub(crate) redirect_uri: Option<String>,
    pub(crate) challenge: Option<(String, String)>,
    pub(crate) expires_at: i64,
}

#[derive(Serialize, Deserialize, Default)]
pub(crate) struct Persisted {
    pub(crate) data: Data,
    #[serde(default)]
    pub(crate) clients: Vec<Client>,
    #[serde(default)]
    pub(crate) tokens: Vec<Token>,
    #[serde(default)]
    pub(crate) spent_refresh_tokens: Vec<String>,
}

pub(crate) struct St {
    pub(crate) data: Data,
    pub(crate) clients: Vec<Client>,
    pub(crate) tokens: Vec<Token>,
    pub(crate) spent: HashSet<String>,
    pub(crate) codes: HashMap<String, Code>,
    pub(crate) log: Vec<Value>,
    pub(crate) faults: Faults,
    pub(crate) interactive: bool,
    pub(crate) rng: u64,
    /// API requests received and not answered yet (`GET /_sandbox/in_flight`):
    /// (number, `{method, path}`), each removed by its `InFlight` guard.
    pub(crate) in_flight: Vec<(u64, Value)>,
    pub(crate) in_flight_seq: u64,
}

/// The xorshift state for a seed: splitmix64 of it (so nearby seeds give
/// unrelated streams), never 0 (a zero state would stay 0).
pub(crate) fn rng_state(seed: u64) -> u64 {
    let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    (z ^ (z >> 31)) | 1
}

impl St {
    pub(crate) fn rand(&mut self) -> u64 {
        // xorshift64*, seeded from --seed / the faults' `seed`, else a random uuid
        let mut x = self.rng;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.rng = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

pub struct App {
    pub(crate) cfg: Config,
    pub(crate) st: Mutex<St>,
    pub(crate) http: hyper_util::client::legacy::Client<hyper_util::client::legacy::connect::HttpConnector, Body>,
    /// The bound port (the Host header must name it).
    pub(crate) port: u16,
}

pub(crate) fn unix_now() -> i64 {
    chrono::Utc::now().timestamp()
}

pub(crate) fn random_token(n_uuids: usize) -> String {
    (0..n_uuids).map(|_| uuid::Uuid::new_v4().simple().to_string()).collect()
}

pub(crate) fn start_data(cfg: &Config) -> Data {
    let data = if cfg.demo { Data::demo() } else { Data::default() };
    Data { dialect: cfg.dialect, ..data }
}

/// One API request in flight: listed from its fault decision on, and
/// removed when it is answered or dropped (its client gone, a drop fault).
pub(crate) struct InFlight<'a> {
    app: &'a App,
    n: u64,
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.app.lock().in_flight.retain(|(n, _)| *n != self.n);
    }
}

impl App {
    /// List `req` as in flight until the returned guard is dropped.
    pub(crate) fn in_flight(&self, req: &Req) -> InFlight<'_> {
        let mut st = self.lock();
        st.in_flight_seq += 1;
        let n = st.in_flight_seq;
        st.in_flight.push((n, json!({"method": req.method.as_str(), "path": req.path})));
        InFlight { app: self, n }
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, St> {
        self.st.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Write the state file atomically (temp file in the same folder + rename).
    pub(crate) fn save(&self, st: &St) {
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

impl App {
    pub(crate) fn log(&self, req: &Req, status: u16, started: Instant) {
        let ms = started.elapsed().as_millis() as u64;
        if self.cfg.verbose {
            eprintln!("{} {} {} {}ms", req.method, req.path, status, ms);
        }
        // The id of the entity a write names (its JSON body's `id`), so a
        // test can read the order in which entities were written.
        let entity = serde_json::from_slice::<Value>(&req.body)
            .ok()
            .and_then(|v| v.get("id").and_then(Value::as_str).map(str::to_string));
        let mut st = self.lock();
        if st.log.len() >= MAX_LOG {
            st.log.remove(0);
        }
        let mut line = json!({
            "method": req.method.as_str(),
            "path": req.path,
            "status": status,
            "at": chrono::Utc::now().format("%Y-%m-%d %H:%M:%S%.3f").to_string(),
            "ms": ms,
        });
        if let Some(id) = entity {
            line["entity"] = Value::String(id);
        }
        st.log.push(line);
    }

    /// The member of a valid, unexpired bearer token, or the 401 answer.
    pub(crate) fn bearer_ok(&self, req: &Req) -> Result<String, Resp> {
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
            Some(t) => Ok(t.user_id.clone()),
        }
    }
}

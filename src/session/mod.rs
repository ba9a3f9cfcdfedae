//! The client session: the one owner of the token set and of what is known
//! of the server (`Dialect`), and the logic of every call: when to refresh,
//! one refresh at a time, one more attempt after a 401, a rotated pair
//! stored before it is used, and the dialect discoveries. No I/O: the host
//! passes in an `Env` (the transport, the clock, where tokens are stored);
//! the wasm binding passes `fetch` and JavaScript callbacks, native tests
//! pass an HTTP client against the sandbox. The decisions themselves are the
//! next-action machines of `step`, which the session runs.
//!
//! Tokens have one home: `Session::tokens`. The host may keep a copy
//! (`Env::store_tokens` is handed every change, awaited before a new pair is
//! used, and is what survives a restart), but it gives it back only through
//! `set_tokens`; the session never reads a token from anywhere else.

mod calls;
mod flight;
pub mod step;

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use crate::dialect::Dialect;
use crate::error::{Error, ErrorKind, Result};
use crate::http::{HttpRequest, Reply};
use crate::oauth::{build_exchange, parse_token_response, ClientConfig, TokenGrant, TokenSet};
use flight::{Flight, FlightWait, Pilot};
pub use step::{CallAction, CallStep, RefreshAction, RefreshStep};

/// A future of the host's, not `Send` (the browser is single-threaded).
pub type LocalFuture<T> = Pin<Box<dyn Future<Output = T>>>;

/// What the session needs from where it runs.
pub trait Env {
    /// Sends one request and answers the reply; no answer at all (offline,
    /// timed out, refused redirect, body over `MAX_BODY`) is an error.
    fn send(&self, req: HttpRequest) -> LocalFuture<Result<Reply>>;
    /// Milliseconds since the epoch.
    fn now_ms(&self) -> i64;
    /// Keeps the token set (`None`: signed out) where it survives a restart.
    /// Awaited: a rotated pair is not used before this answers.
    fn store_tokens(&self, tokens: Option<&TokenSet>) -> LocalFuture<Result<()>>;
    /// The dialect changed; the host may keep it per server (not awaited:
    /// losing it only means learning it again).
    fn dialect_changed(&self, dialect: &Dialect);
}

pub struct Session {
    cfg: ClientConfig,
    env: Box<dyn Env>,
    tokens: RefCell<Option<TokenSet>>,
    dialect: RefCell<Dialect>,
    flight: RefCell<Option<Rc<Flight>>>,
}

fn store_failed() -> Error {
    Error::invalid_input("onTokens failed to store the new token pair")
}

impl Session {
    /// A session for `cfg` starting from what is known of the server.
    pub fn new(cfg: ClientConfig, dialect: Dialect, env: Box<dyn Env>) -> Session {
        Session { cfg, env, tokens: RefCell::new(None), dialect: RefCell::new(dialect), flight: RefCell::new(None) }
    }

    pub fn config(&self) -> &ClientConfig {
        &self.cfg
    }

    /// The token set held (a copy).
    pub fn tokens(&self) -> Option<TokenSet> {
        self.tokens.borrow().clone()
    }

    /// Replaces the token set (a stored one given back after a restart, or
    /// `None` to sign out); not handed to `store_tokens`, which it came from.
    pub fn set_tokens(&self, tokens: Option<TokenSet>) {
        *self.tokens.borrow_mut() = tokens;
    }

    /// What is known of the server (a copy).
    pub fn dialect(&self) -> Dialect {
        self.dialect.borrow().clone()
    }

    /// Updates the dialect with `f` and reports a change to the host.
    /// (`&mut dyn FnMut`: one copy of this, not one per caller.)
    fn learn(&self, f: &mut dyn FnMut(&mut Dialect)) {
        let before = self.dialect.borrow().clone();
        f(&mut self.dialect.borrow_mut());
        // A copy: the host's callback may call back into the session.
        let now = self.dialect.borrow().clone();
        if now != before {
            self.env.dialect_changed(&now);
        }
    }

    /// Keeps `t` as the held pair and stores it; a store that fails is
    /// reported, but the pair is kept (a spent refresh token cannot be used
    /// again, so the new one is the only one that works).
    async fn keep(&self, t: TokenSet) -> Result<TokenSet> {
        *self.tokens.borrow_mut() = Some(t.clone());
        self.env.store_tokens(Some(&t)).await.map_err(|_| store_failed())?;
        Ok(t)
    }

    /// Exchanges an authorization code (and its PKCE verifier) for a pair,
    /// stored before it is answered. A sign-in may be another account: its
    /// member id is learned afresh (a failure is retried at the first write).
    pub async fn exchange_code(&self, code: &str, verifier: &str) -> Result<TokenSet> {
        let reply = self.env.send(build_exchange(&self.cfg, code, verifier)?).await?;
        let t = parse_token_response(TokenGrant::AuthorizationCode, reply.status, &reply.headers, &reply.body, self.env.now_ms(), None)?;
        let t = self.keep(t).await?;
        self.learn(&mut |d| {
            d.user_id = None;
            if d.members == Some(true) {
                d.members = None;
            }
        });
        let _ = self.user_id(false).await;
        Ok(t)
    }

    /// Refreshes the pair: joins the refresh under way, or runs one that
    /// every concurrent caller then waits on.
    pub async fn refresh(&self) -> Result<TokenSet> {
        let under_way = self.flight.borrow().clone();
        if let Some(f) = under_way {
            return FlightWait(f).await;
        }
        let flight = Rc::new(Flight::default());
        *self.flight.borrow_mut() = Some(flight.clone());
        let pilot = Pilot { slot: &self.flight, flight };
        let r = self.run_refresh().await;
        pilot.land(r.clone());
        r
    }

    async fn run_refresh(&self) -> Result<TokenSet> {
        let (mut step, mut req) = RefreshStep::start(&self.cfg, self.tokens.borrow().as_ref(), &self.dialect.borrow())?;
        loop {
            let reply = self.env.send(req).await?;
            let mut action = None;
            let now = self.env.now_ms();
            self.learn(&mut |d| action = Some(step.on_reply(&self.cfg, d, &reply, now)));
            match action {
                Some(RefreshAction::Send(next)) => req = next,
                Some(RefreshAction::Rotated(t)) => return self.keep(t).await,
                Some(RefreshAction::SignedOut(e)) => {
                    *self.tokens.borrow_mut() = None;
                    let _ = self.env.store_tokens(None).await;
                    return Err(e);
                }
                Some(RefreshAction::Failed(e)) => return Err(e),
                None => return Err(Error::new(ErrorKind::Unauthorized, "not signed in")),
            }
        }
    }

    /// Runs one data call (`CallStep`): `build` makes the request for an
    /// access token; answers the reply that stands, for the endpoint to read.
    /// (One non-generic future serves every endpoint: a small module.)
    pub async fn call(&self, build: &dyn Fn(&str) -> Result<HttpRequest>) -> Result<Reply> {
        let mut step = CallStep::new();
        let mut action = step.next(self.tokens.borrow().as_ref(), self.env.now_ms());
        loop {
            match action {
                CallAction::SignIn => return Err(Error::new(ErrorKind::Unauthorized, "not signed in")),
                CallAction::Refresh => {
                    self.refresh().await?;
                    action = step.next(self.tokens.borrow().as_ref(), self.env.now_ms());
                }
                CallAction::Send(access) => {
                    let reply = self.env.send(build(&access)?).await?;
                    action = step.on_reply(reply.status, self.tokens.borrow().as_ref(), self.env.now_ms());
                    if action == CallAction::Done {
                        return Ok(reply);
                    }
                }
                CallAction::Done => return Err(Error::bad_response("no reply to read")),
            }
        }
    }
}

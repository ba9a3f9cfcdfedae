//! `TymeClient`: the core's requests sent with `fetch`, with the token set
//! kept here, refreshed single-flight before expiry and once after a 401,
//! and every new pair handed to `onTokens` before it is used.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use js_sys::{Function, Promise, Reflect};
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{future_to_promise, spawn_local, JsFuture};

use super::convert::{json_of, now_ms, random_bytes, to_js};
use super::error::{js_err, to_js_error};
use super::transport::{send, Reply};
use crate::api::{search, summary, update, webhooks};
use crate::error::{Error, ErrorKind, Result};
use crate::http::HttpRequest;
use crate::model::read::Fields;
use crate::model::{new_id, Entity, EntityType, TriggerType};
use crate::oauth::{self, next_step, ClientConfig, NextStep, Secret, TokenGrant, TokenSet};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TokenSetJs<'a> {
    access_token: &'a str,
    refresh_token: &'a str,
    token_type: &'a str,
    expires_at: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    issued_at: Option<f64>,
}

fn token_to_js(t: &TokenSet) -> Result<JsValue> {
    to_js(&TokenSetJs {
        access_token: t.access_token.expose(),
        refresh_token: t.refresh_token.expose(),
        token_type: &t.token_type,
        expires_at: t.expires_at_ms as f64,
        issued_at: t.issued_at_ms.map(|i| i as f64),
    })
}

fn token_from_js(v: JsValue) -> Result<Option<TokenSet>> {
    if v.is_null() || v.is_undefined() {
        return Ok(None);
    }
    let json = json_of(&v, "tokens")?;
    let f = Fields::of(&json, "tokens", ErrorKind::InvalidInput)?;
    let access = f.text("accessToken")?;
    let refresh = f.text("refreshToken")?;
    let expires_at = f.float("expiresAt")?;
    if access.is_empty() || refresh.is_empty() || !f.has("expiresAt") {
        return Err(Error::invalid_input("tokens need accessToken, refreshToken and expiresAt"));
    }
    Ok(Some(TokenSet {
        access_token: Secret::new(access),
        refresh_token: Secret::new(refresh),
        token_type: f.opt_text("tokenType")?.filter(|s| !s.is_empty()).unwrap_or_else(|| "Bearer".into()),
        expires_at_ms: expires_at as i64,
        issued_at_ms: Some(f.float("issuedAt")? as i64).filter(|_| f.has("issuedAt")),
    }))
}

/// A refresh in progress that every concurrent caller waits on.
#[derive(Default)]
struct Flight {
    result: RefCell<Option<Result<TokenSet>>>,
    wakers: RefCell<Vec<Waker>>,
}

struct FlightWait(Rc<Flight>);

impl Future for FlightWait {
    type Output = Result<TokenSet>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if let Some(r) = self.0.result.borrow().as_ref() {
            return Poll::Ready(r.clone());
        }
        self.0.wakers.borrow_mut().push(cx.waker().clone());
        Poll::Pending
    }
}

/// Default time a request may take, answer body included.
const DEFAULT_TIMEOUT_MS: u32 = 30_000;

struct Inner {
    cfg: ClientConfig,
    timeout_ms: u32,
    tokens: RefCell<Option<TokenSet>>,
    on_tokens: Option<Function>,
    flight: RefCell<Option<Rc<Flight>>>,
}

impl Inner {
    fn access_token(&self) -> Option<String> {
        self.tokens.borrow().as_ref().map(|t| t.access_token.expose().to_string())
    }

    /// Hands the new pair (or null) to `onTokens` and waits for it.
    async fn notify(&self, tokens: Option<&TokenSet>) -> std::result::Result<(), JsValue> {
        let Some(f) = &self.on_tokens else { return Ok(()) };
        let arg = match tokens {
            Some(t) => token_to_js(t).map_err(js_err)?,
            None => JsValue::NULL,
        };
        let ret = f.call1(&JsValue::NULL, &arg)?;
        JsFuture::from(Promise::resolve(&ret)).await?;
        Ok(())
    }

    async fn run_refresh(self: Rc<Self>) -> Result<TokenSet> {
        let current = self.tokens.borrow().clone();
        let Some(current) = current else {
            return Err(Error::new(ErrorKind::Unauthorized, "not signed in"));
        };
        let req = oauth::build_refresh(&self.cfg, &current.refresh_token)?;
        let reply = send(req, self.timeout_ms).await?;
        match oauth::parse_token_response(
            TokenGrant::RefreshToken,
            reply.status,
            &reply.headers,
            &reply.body,
            now_ms(),
            Some(&current.refresh_token),
        ) {
            Ok(t) => {
                // The old refresh token is spent: keep the new pair whatever
                // the storage callback does, and report its failure.
                *self.tokens.borrow_mut() = Some(t.clone());
                if self.notify(Some(&t)).await.is_err() {
                    return Err(Error::invalid_input("onTokens failed to store the new token pair"));
                }
                Ok(t)
            }
            Err(e) => {
                if e.kind == ErrorKind::ReauthRequired {
                    *self.tokens.borrow_mut() = None;
                    let _ = self.notify(None).await;
                }
                Err(e)
            }
        }
    }

    /// Single-flight refresh: joins the one in progress or starts one.
    async fn refresh(self: &Rc<Self>) -> Result<TokenSet> {
        let flight = {
            let mut slot = self.flight.borrow_mut();
            match slot.as_ref() {
                Some(f) => f.clone(),
                None => {
                    let f = Rc::new(Flight::default());
                    *slot = Some(f.clone());
                    let me = self.clone();
                    let fl = f.clone();
                    spawn_local(async move {
                        let r = me.clone().run_refresh().await;
                        me.flight.borrow_mut().take();
                        *fl.result.borrow_mut() = Some(r);
                        for w in fl.wakers.borrow_mut().drain(..) {
                            w.wake();
                        }
                    });
                    f
                }
            }
        };
        FlightWait(flight).await
    }

    /// Runs one data call: refresh first when due, and once more after a
    /// 401. Answers the last reply (one non-generic copy of this future keeps
    /// the module small; each endpoint parses the reply itself).
    async fn call(self: &Rc<Self>, build: &dyn Fn(&str) -> Result<HttpRequest>) -> Result<Reply> {
        let mut retried = false;
        let step = next_step(self.tokens.borrow().as_ref(), now_ms());
        match step {
            NextStep::SignIn => return Err(Error::new(ErrorKind::Unauthorized, "not signed in")),
            NextStep::Refresh => {
                self.refresh().await?;
            }
            NextStep::Send => {}
        }
        loop {
            let access = self.access_token().ok_or_else(|| Error::new(ErrorKind::Unauthorized, "not signed in"))?;
            let reply = send(build(&access)?, self.timeout_ms).await?;
            if reply.status == 401 && !retried {
                retried = true;
                // Another call may have refreshed meanwhile: then just retry.
                if self.access_token().as_deref() == Some(access.as_str()) {
                    self.refresh().await?;
                }
                continue;
            }
            return Ok(reply);
        }
    }
}

type LocalFuture<T> = Pin<Box<dyn Future<Output = T>>>;

/// The one bridge from a Rust future to a JS promise.  Every async method
/// goes through it with a boxed future, so the module holds a single copy of
/// the promise glue instead of one per method.
fn promise(fut: LocalFuture<Result<JsValue>>) -> Promise {
    future_to_promise(async move { fut.await.map_err(|e| to_js_error(&e)) })
}

/// A promise already rejected with `e` (input refused before any request).
fn rejected(e: Error) -> Promise {
    Promise::reject(&to_js_error(&e))
}

/// A data call: `build` makes the request for an access token (see
/// `Inner::call`), `parse` reads the reply.  One future type serves every
/// endpoint.
fn data_call(inner: Rc<Inner>, build: Box<dyn Fn(&str) -> Result<HttpRequest>>, parse: fn(Reply) -> Result<JsValue>) -> Promise {
    promise(Box::pin(async move { parse(inner.call(&*build).await?) }))
}

fn webhook_done(r: Reply) -> Result<JsValue> {
    webhooks::parse_webhook(r.status, &r.headers, &r.body)?;
    Ok(JsValue::UNDEFINED)
}

#[wasm_bindgen]
pub struct TymeClient {
    inner: Rc<Inner>,
}

#[wasm_bindgen]
impl TymeClient {
    #[wasm_bindgen(constructor)]
    pub fn new(#[wasm_bindgen(unchecked_param_type = "TymeConfig")] config: JsValue) -> std::result::Result<TymeClient, JsValue> {
        if !config.is_object() {
            return Err(js_err(Error::invalid_input("config must be an object")));
        }
        let on_tokens = Reflect::get(&config, &"onTokens".into()).unwrap_or(JsValue::UNDEFINED);
        let on_tokens = if on_tokens.is_undefined() || on_tokens.is_null() {
            None
        } else {
            Some(on_tokens.dyn_into::<Function>().map_err(|_| js_err(Error::invalid_input("onTokens must be a function")))?)
        };
        let (cfg, timeout_ms) = (|| {
            let json = json_of(&config, "config")?;
            let f = Fields::of(&json, "config", ErrorKind::InvalidInput)?;
            let timeout = f.float("timeoutMs")?;
            let timeout_ms = match f.has("timeoutMs") {
                false => DEFAULT_TIMEOUT_MS,
                true if (1.0..=3_600_000.0).contains(&timeout) => timeout as u32,
                true => return Err(Error::invalid_input("timeoutMs must be 1 to 3600000 milliseconds")),
            };
            let cfg = ClientConfig::new(&f.text("baseUrl")?, &f.text("clientId")?, f.opt_text("clientSecret")?.as_deref(), &f.text("redirectUri")?)?;
            Ok((cfg, timeout_ms))
        })()
        .map_err(js_err)?;
        Ok(TymeClient { inner: Rc::new(Inner { cfg, timeout_ms, tokens: RefCell::new(None), on_tokens, flight: RefCell::new(None) }) })
    }

    /// The authorize URL with a fresh state and PKCE verifier.
    #[wasm_bindgen(js_name = beginSignIn, unchecked_return_type = "SignIn")]
    pub fn begin_sign_in(&self) -> std::result::Result<JsValue, JsValue> {
        let state = random_bytes::<32>().map_err(js_err)?;
        let verifier = random_bytes::<32>().map_err(js_err)?;
        let s = oauth::authorize_request(&self.inner.cfg, &state, &verifier).map_err(js_err)?;
        #[derive(Serialize)]
        struct Out<'a> {
            url: &'a str,
            state: &'a str,
            verifier: &'a str,
        }
        to_js(&Out { url: &s.url, state: &s.state, verifier: &s.verifier }).map_err(js_err)
    }

    /// The code from the redirect URL, or `invalid_state` / `missing_code` / `access_denied`.
    #[wasm_bindgen(js_name = parseRedirect)]
    pub fn parse_redirect(redirect_url: &str, expected_state: &str) -> std::result::Result<String, JsValue> {
        oauth::parse_redirect(redirect_url, expected_state).map_err(js_err)
    }

    #[wasm_bindgen(js_name = exchangeCode, unchecked_return_type = "Promise<TokenSet>")]
    pub fn exchange_code(&self, code: String, verifier: String) -> Promise {
        let inner = self.inner.clone();
        promise(Box::pin(async move {
            let req = oauth::build_exchange(&inner.cfg, &code, &verifier)?;
            let reply = send(req, inner.timeout_ms).await?;
            let t = oauth::parse_token_response(TokenGrant::AuthorizationCode, reply.status, &reply.headers, &reply.body, now_ms(), None)?;
            *inner.tokens.borrow_mut() = Some(t.clone());
            if inner.notify(Some(&t)).await.is_err() {
                return Err(Error::invalid_input("onTokens failed to store the new token pair"));
            }
            token_to_js(&t)
        }))
    }

    #[wasm_bindgen(js_name = setTokens)]
    pub fn set_tokens(&self, #[wasm_bindgen(unchecked_param_type = "TokenSet | null")] tokens: JsValue) -> std::result::Result<(), JsValue> {
        let t = token_from_js(tokens).map_err(js_err)?;
        *self.inner.tokens.borrow_mut() = t;
        Ok(())
    }

    #[wasm_bindgen(js_name = getTokens, unchecked_return_type = "TokenSet | null")]
    pub fn get_tokens(&self) -> std::result::Result<JsValue, JsValue> {
        match self.inner.tokens.borrow().as_ref() {
            Some(t) => token_to_js(t).map_err(js_err),
            None => Ok(JsValue::NULL),
        }
    }

    #[wasm_bindgen(unchecked_return_type = "Promise<TokenSet>")]
    pub fn refresh(&self) -> Promise {
        let inner = self.inner.clone();
        promise(Box::pin(async move { token_to_js(&inner.refresh().await?) }))
    }

    #[wasm_bindgen(js_name = searchEntity, unchecked_return_type = "Promise<Entity[]>")]
    pub fn search_entity(
        &self,
        #[wasm_bindgen(unchecked_param_type = "EntityType")] entity_type: String,
        name: String,
        parent_id: Option<String>,
    ) -> Promise {
        let t = match EntityType::parse(&entity_type) {
            Ok(t) => t,
            Err(e) => return rejected(e),
        };
        let base = self.inner.cfg.base_url.clone();
        data_call(
            self.inner.clone(),
            Box::new(move |tok| search::build_search(&base, tok, t, &name, parent_id.as_deref())),
            |r| to_js(&search::parse_search(r.status, &r.headers, &r.body)?),
        )
    }

    #[wasm_bindgen(js_name = updateEntity, unchecked_return_type = "Promise<Entity>")]
    pub fn update_entity(&self, #[wasm_bindgen(unchecked_param_type = "EntityInput")] entity: JsValue) -> Promise {
        let parsed = json_of(&entity, "entity").and_then(|v| Entity::from_json(&v, ErrorKind::InvalidInput));
        let mut e = match parsed {
            Ok(e) => e,
            Err(e) => return rejected(e),
        };
        if e.id().trim().is_empty() {
            match random_bytes::<16>() {
                Ok(b) => e.set_id(new_id(b)),
                Err(err) => return rejected(err),
            }
        }
        let base = self.inner.cfg.base_url.clone();
        data_call(
            self.inner.clone(),
            Box::new(move |tok| update::build_update(&base, tok, &e)),
            |r| to_js(&update::parse_update(r.status, &r.headers, &r.body)?),
        )
    }

    #[wasm_bindgen(unchecked_return_type = "Promise<SummaryRow[]>")]
    pub fn summary(&self, from_ms: f64, to_ms: f64) -> Promise {
        let base = self.inner.cfg.base_url.clone();
        data_call(
            self.inner.clone(),
            Box::new(move |tok| summary::build_summary(&base, tok, from_ms, to_ms)),
            |r| to_js(&summary::parse_summary(r.status, &r.headers, &r.body)?),
        )
    }

    #[wasm_bindgen(js_name = subscribeWebhook, unchecked_return_type = "Promise<void>")]
    pub fn subscribe_webhook(&self, hook_url: String, #[wasm_bindgen(unchecked_param_type = "TriggerType")] trigger: String) -> Promise {
        let t = match TriggerType::parse(&trigger) {
            Ok(t) => t,
            Err(e) => return rejected(e),
        };
        let base = self.inner.cfg.base_url.clone();
        data_call(self.inner.clone(), Box::new(move |tok| webhooks::build_subscribe(&base, tok, &hook_url, t)), webhook_done)
    }

    #[wasm_bindgen(js_name = unsubscribeWebhook, unchecked_return_type = "Promise<void>")]
    pub fn unsubscribe_webhook(&self, hook_url: String, #[wasm_bindgen(unchecked_param_type = "TriggerType")] trigger: String) -> Promise {
        let t = match TriggerType::parse(&trigger) {
            Ok(t) => t,
            Err(e) => return rejected(e),
        };
        let base = self.inner.cfg.base_url.clone();
        data_call(self.inner.clone(), Box::new(move |tok| webhooks::build_unsubscribe(&base, tok, &hook_url, t)), webhook_done)
    }
}

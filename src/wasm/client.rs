//! `TymeClient`: the core's requests sent with `fetch`, with the token set
//! kept here, refreshed single-flight before expiry and once after a 401,
//! and every new pair handed to `onTokens` before it is used. What the
//! server speaks (`dialect::Dialect`) is kept here too, learned from its
//! answers and handed to `onDialect` whenever it changes.

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
use crate::api::{delete, members, search, summary, times, update, webhooks};
use crate::dialect::{Dialect, Learned};
use crate::http::Listed;
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
    dialect: RefCell<Dialect>,
    on_dialect: Option<Function>,
}

/// A list handed to JavaScript as an array, with the count of items that
/// could not be read as its `skipped` property.
fn listed_to_js<T: Serialize>(l: &Listed<T>) -> Result<JsValue> {
    let arr = to_js(&l.items)?;
    let _ = Reflect::set(&arr, &"skipped".into(), &JsValue::from_f64(l.skipped as f64));
    Ok(arr)
}

fn optional_function(config: &JsValue, name: &str) -> Result<Option<Function>> {
    let f = Reflect::get(config, &name.into()).unwrap_or(JsValue::UNDEFINED);
    if f.is_undefined() || f.is_null() {
        return Ok(None);
    }
    f.dyn_into::<Function>().map(Some).map_err(|_| Error::invalid_input(format!("{name} must be a function")))
}

impl Inner {
    /// Hands the dialect to `onDialect` when it differs from `before`
    /// (not awaited: losing it only means learning it again).
    fn dialect_changed(&self, before: &Dialect) {
        let now = self.dialect.borrow().clone();
        if &now == before {
            return;
        }
        if let (Some(f), Ok(v)) = (&self.on_dialect, to_js(&now.to_json())) {
            let _ = f.call1(&JsValue::NULL, &v);
        }
    }

    /// Updates the dialect with `f` and reports a change.
    /// (`&mut dyn FnMut`: one copy of this in the module, not one per caller.)
    fn learn(&self, f: &mut dyn FnMut(&mut Dialect)) {
        let before = self.dialect.borrow().clone();
        f(&mut self.dialect.borrow_mut());
        self.dialect_changed(&before);
    }

    /// The signed-in member's id for a time entry's `user_id`: known, or
    /// asked once of `/data/members/me` (a server without it answers 404,
    /// remembered, and entries go without). `fresh` asks again.
    async fn user_id(self: &Rc<Self>, fresh: bool) -> Result<Option<String>> {
        {
            let d = self.dialect.borrow();
            if d.members == Some(false) {
                return Ok(None);
            }
            if !fresh && d.user_id.is_some() {
                return Ok(d.user_id.clone());
            }
        }
        let reply = self.call(&|tok| Ok(members::build_me(&self.cfg.base_url, tok))).await?;
        self.learn(&mut |d| Dialect::learn_endpoint(&mut d.members, reply.status));
        if crate::dialect::route_missing(reply.status) {
            return Ok(None);
        }
        let id = members::parse_me(reply.status, &reply.headers, &reply.body)?;
        self.learn(&mut |d| d.user_id = Some(id.clone()));
        Ok(Some(id))
    }

    /// Sends one write: an update, with the member's id on a time entry; a
    /// 400 naming `user_id` asks `/data/members/me` again and resends once.
    async fn write(self: &Rc<Self>, e: Entity) -> Result<Entity> {
        let is_entry = e.entity_type() == EntityType::TimedTaskRecord;
        let mut user = if is_entry { self.user_id(false).await.unwrap_or(None) } else { None };
        let mut asked_again = false;
        loop {
            let reply = self.call(&|tok| update::build_update(&self.cfg.base_url, tok, &e, user.as_deref())).await?;
            let names_user = reply.status == 400 && crate::http::names_field(&reply.body, "user_id");
            if is_entry && names_user && !asked_again {
                asked_again = true;
                self.learn(&mut |d| d.members = None);
                user = self.user_id(true).await?;
                continue;
            }
            return update::parse_update(e, reply.status, &reply.headers, &reply.body);
        }
    }

    /// Discards a time entry (`DELETE /data/entity`); a server without the
    /// route answers `not_found`, remembered so the caller stops offering it.
    async fn discard(self: &Rc<Self>, id: String) -> Result<()> {
        if self.dialect.borrow().delete == Some(false) {
            return Err(Error::new(ErrorKind::NotFound, "this server cannot discard time entries"));
        }
        let reply = self.call(&|tok| delete::build_delete_time(&self.cfg.base_url, tok, &id)).await?;
        self.learn(&mut |d| Dialect::learn_endpoint(&mut d.delete, reply.status));
        if crate::dialect::route_missing(reply.status) {
            return Err(Error::new(ErrorKind::NotFound, "this server cannot discard time entries").with_status(reply.status));
        }
        delete::parse_delete(reply.status, &reply.headers, &reply.body)
    }

    /// Time entries in a range, every page; `None` when the server has no
    /// `/data/times` (learned and remembered: later calls send nothing).
    async fn times(self: &Rc<Self>, from_ms: f64, to_ms: f64) -> Result<Option<Listed<crate::model::TimeRecord>>> {
        if self.dialect.borrow().times == Some(false) {
            return Ok(None);
        }
        let user = self.user_id(false).await.unwrap_or(None);
        let mut all = Listed { items: Vec::new(), skipped: 0 };
        let mut first = 0;
        let mut pages = 0;
        loop {
            let start = all.items.len() + all.skipped;
            let reply = self.call(&|tok| times::build_times(&self.cfg.base_url, tok, from_ms, to_ms, user.as_deref(), start)).await?;
            self.learn(&mut |d| Dialect::learn_endpoint(&mut d.times, reply.status));
            if pages == 0 && crate::dialect::route_missing(reply.status) {
                return Ok(None);
            }
            let page = times::parse_times(reply.status, &reply.headers, &reply.body)?;
            let got = page.items.len() + page.skipped;
            if pages == 0 {
                first = got;
            }
            pages += 1;
            all.items.extend(page.items);
            all.skipped += page.skipped;
            if !times::more_pages(first, got, pages) {
                return Ok(Some(all));
            }
        }
    }

    /// Subscribes or unsubscribes, in the verbs the server speaks (the live
    /// ones first; a route-missing answer switches once, remembered).
    async fn webhook(self: &Rc<Self>, hook_url: String, trigger: TriggerType, subscribe: bool) -> Result<()> {
        let mut first_try = true;
        loop {
            let verbs = self.dialect.borrow().webhook_verbs();
            let base = &self.cfg.base_url;
            let reply = self
                .call(&|tok| match subscribe {
                    true => webhooks::build_subscribe(base, tok, &hook_url, trigger, verbs),
                    false => webhooks::build_unsubscribe(base, tok, &hook_url, trigger, verbs),
                })
                .await?;
            // An unsubscribe's 404 is "already gone" in the live verbs, so
            // only subscribing (or a 405) teaches the verbs.
            let teaches = subscribe || reply.status != 404;
            let mut learned = Learned::Done;
            if teaches {
                self.learn(&mut |d| learned = d.learn_webhooks(verbs, reply.status, &reply.body, first_try));
            }
            if learned == Learned::TryOther {
                first_try = false;
                continue;
            }
            return match subscribe {
                true => webhooks::parse_webhook(reply.status, &reply.headers, &reply.body),
                false => webhooks::parse_unsubscribe(verbs, reply.status, &reply.headers, &reply.body),
            };
        }
    }

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
        let mut at = self.dialect.borrow().refresh_at();
        let mut first_try = true;
        let reply = loop {
            let reply = send(oauth::build_refresh(&self.cfg, &current.refresh_token, at)?, self.timeout_ms).await?;
            let before = self.dialect.borrow().clone();
            let learned = self.dialect.borrow_mut().learn_refresh(at, reply.status, &reply.body, first_try);
            self.dialect_changed(&before);
            match learned {
                Learned::TryOther => {
                    at = self.dialect.borrow().refresh_at();
                    first_try = false;
                }
                Learned::Done => break reply,
            }
        };
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
        let on_tokens = optional_function(&config, "onTokens").map_err(js_err)?;
        let on_dialect = optional_function(&config, "onDialect").map_err(js_err)?;
        let (cfg, timeout_ms, dialect) = (|| {
            let json = json_of(&config, "config")?;
            let f = Fields::of(&json, "config", ErrorKind::InvalidInput)?;
            let timeout = f.float("timeoutMs")?;
            let timeout_ms = match f.has("timeoutMs") {
                false => DEFAULT_TIMEOUT_MS,
                true if (1.0..=3_600_000.0).contains(&timeout) => timeout as u32,
                true => return Err(Error::invalid_input("timeoutMs must be 1 to 3600000 milliseconds")),
            };
            let cfg = ClientConfig::new(&f.text("baseUrl")?, &f.text("clientId")?, f.opt_text("clientSecret")?.as_deref(), &f.text("redirectUri")?)?;
            let dialect = Dialect::from_json(f.get("dialect").unwrap_or(&serde_json::Value::Null))?;
            Ok((cfg, timeout_ms, dialect))
        })()
        .map_err(js_err)?;
        Ok(TymeClient {
            inner: Rc::new(Inner {
                cfg,
                timeout_ms,
                tokens: RefCell::new(None),
                on_tokens,
                flight: RefCell::new(None),
                dialect: RefCell::new(dialect),
                on_dialect,
            }),
        })
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
            // A sign-in may be another account: learn its member id now, so the
            // first start sends one request (a failure is retried at that start).
            inner.learn(&mut |d| {
                d.user_id = None;
                if d.members == Some(true) {
                    d.members = None;
                }
            });
            let _ = inner.user_id(false).await;
            token_to_js(&t)
        }))
    }

    /// What is known of the server (see `Dialect` in API.md).
    #[wasm_bindgen(js_name = getDialect, unchecked_return_type = "Dialect")]
    pub fn get_dialect(&self) -> std::result::Result<JsValue, JsValue> {
        to_js(&self.inner.dialect.borrow().to_json()).map_err(js_err)
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

    #[wasm_bindgen(js_name = searchEntity, unchecked_return_type = "Promise<Listed<Entity>>")]
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
            match t {
                EntityType::ProjectCategory => |r: Reply| listed_to_js(&search::parse_search(EntityType::ProjectCategory, r.status, &r.headers, &r.body)?),
                EntityType::Project => |r: Reply| listed_to_js(&search::parse_search(EntityType::Project, r.status, &r.headers, &r.body)?),
                EntityType::TimedTask => |r: Reply| listed_to_js(&search::parse_search(EntityType::TimedTask, r.status, &r.headers, &r.body)?),
                _ => |r: Reply| listed_to_js(&search::parse_search(EntityType::TimedSubTask, r.status, &r.headers, &r.body)?),
            },
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
        let inner = self.inner.clone();
        promise(Box::pin(async move { to_js(&inner.write(e).await?) }))
    }

    /// Sends one outbox entity: `{type:"TimedTaskRecord", id, deleted:true}`
    /// discards that entry, anything else is an `updateEntity`. Answers the
    /// entity as stored (or as sent, for a discard).
    #[wasm_bindgen(js_name = sendWrite, unchecked_return_type = "Promise<Entity | OutboxEntity>")]
    pub fn send_write(&self, #[wasm_bindgen(unchecked_param_type = "OutboxEntity")] entity: JsValue) -> Promise {
        let json = match json_of(&entity, "entity") {
            Ok(v) => v,
            Err(e) => return rejected(e),
        };
        if json.get("deleted").and_then(serde_json::Value::as_bool) == Some(true) {
            let id = crate::outbox::entity_key(&json).map(|(_, id)| id);
            let ty = json.get("type").and_then(serde_json::Value::as_str).unwrap_or("");
            let id = match (ty, id) {
                ("TimedTaskRecord", Ok(id)) => id,
                _ => return rejected(Error::invalid_input("only a time entry can be discarded")),
            };
            let inner = self.inner.clone();
            return promise(Box::pin(async move {
                inner.discard(id).await?;
                Ok(entity)
            }));
        }
        self.update_entity(entity)
    }

    /// Discards a time entry on the server (`DELETE /data/entity`).
    #[wasm_bindgen(js_name = discardTimeEntry, unchecked_return_type = "Promise<void>")]
    pub fn discard_time_entry(&self, id: String) -> Promise {
        let inner = self.inner.clone();
        promise(Box::pin(async move {
            inner.discard(id).await?;
            Ok(JsValue::UNDEFINED)
        }))
    }

    /// Time entries of the signed-in member in a range (every page), or
    /// `null` when the server has no `/data/times`. Each carries its `type`,
    /// as the declaration says, so it can be sent back as it is.
    #[wasm_bindgen(unchecked_return_type = "Promise<Listed<TimedTaskRecord> | null>")]
    pub fn times(&self, from_ms: f64, to_ms: f64) -> Promise {
        let inner = self.inner.clone();
        promise(Box::pin(async move {
            match inner.times(from_ms, to_ms).await? {
                Some(l) => listed_to_js(&Listed { items: l.items.into_iter().map(Entity::TimedTaskRecord).collect::<Vec<_>>(), skipped: l.skipped }),
                None => Ok(JsValue::NULL),
            }
        }))
    }

    #[wasm_bindgen(unchecked_return_type = "Promise<Listed<SummaryRow>>")]
    pub fn summary(&self, from_ms: f64, to_ms: f64) -> Promise {
        let base = self.inner.cfg.base_url.clone();
        data_call(
            self.inner.clone(),
            Box::new(move |tok| summary::build_summary(&base, tok, from_ms, to_ms)),
            |r| listed_to_js(&summary::parse_summary(r.status, &r.headers, &r.body)?),
        )
    }

    #[wasm_bindgen(js_name = subscribeWebhook, unchecked_return_type = "Promise<void>")]
    pub fn subscribe_webhook(&self, hook_url: String, #[wasm_bindgen(unchecked_param_type = "TriggerType")] trigger: String) -> Promise {
        let t = match TriggerType::parse(&trigger) {
            Ok(t) => t,
            Err(e) => return rejected(e),
        };
        let inner = self.inner.clone();
        promise(Box::pin(async move {
            inner.webhook(hook_url, t, true).await?;
            Ok(JsValue::UNDEFINED)
        }))
    }

    #[wasm_bindgen(js_name = unsubscribeWebhook, unchecked_return_type = "Promise<void>")]
    pub fn unsubscribe_webhook(&self, hook_url: String, #[wasm_bindgen(unchecked_param_type = "TriggerType")] trigger: String) -> Promise {
        let t = match TriggerType::parse(&trigger) {
            Ok(t) => t,
            Err(e) => return rejected(e),
        };
        let inner = self.inner.clone();
        promise(Box::pin(async move {
            inner.webhook(hook_url, t, false).await?;
            Ok(JsValue::UNDEFINED)
        }))
    }
}

//! `TymeClient`: the JavaScript face of `session::Session`. It translates
//! (config, tokens, entities and errors between JavaScript and Rust) and
//! decides nothing: when to refresh, the single flight, the retry after a
//! 401, storing a rotated pair before use and the dialect discoveries are
//! the session's (src/session/). The transport and the stores are
//! `env::JsEnv`.

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use js_sys::{Function, Promise, Reflect};
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use super::convert::{json_of, random_bytes, to_js};
use super::env::{token_from_js, token_to_js, JsEnv};
use super::error::{js_err, to_js_error};
use crate::dialect::Dialect;
use crate::error::{Error, ErrorKind, Result};
use crate::http::Listed;
use crate::model::read::Fields;
use crate::model::{new_id, Entity, EntityType, TriggerType};
use crate::oauth::{self, ClientConfig};
use crate::session::Session;

/// Default time a request may take, answer body included.
const DEFAULT_TIMEOUT_MS: u32 = 30_000;

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

/// The settings `new TymeClient(config)` reads (callbacks apart).
fn read_config(config: &JsValue) -> Result<(ClientConfig, u32, Dialect)> {
    let json = json_of(config, "config")?;
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
}

#[wasm_bindgen]
pub struct TymeClient {
    session: Rc<Session>,
}

impl TymeClient {
    /// A promise of `f(session)`: the session is shared with the future.
    fn run<F, Fut>(&self, f: F) -> Promise
    where
        F: FnOnce(Rc<Session>) -> Fut,
        Fut: Future<Output = Result<JsValue>> + 'static,
    {
        promise(Box::pin(f(self.session.clone())))
    }
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
        let (cfg, timeout_ms, dialect) = read_config(&config).map_err(js_err)?;
        let env = JsEnv { timeout_ms, on_tokens, on_dialect };
        Ok(TymeClient { session: Rc::new(Session::new(cfg, dialect, Box::new(env))) })
    }

    /// The authorize URL with a fresh state and PKCE verifier.
    #[wasm_bindgen(js_name = beginSignIn, unchecked_return_type = "SignIn")]
    pub fn begin_sign_in(&self) -> std::result::Result<JsValue, JsValue> {
        let state = random_bytes::<32>().map_err(js_err)?;
        let verifier = random_bytes::<32>().map_err(js_err)?;
        let s = oauth::authorize_request(self.session.config(), &state, &verifier).map_err(js_err)?;
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
        self.run(|s| async move { token_to_js(&s.exchange_code(&code, &verifier).await?) })
    }

    /// What is known of the server (see `Dialect` in API.md).
    #[wasm_bindgen(js_name = getDialect, unchecked_return_type = "Dialect")]
    pub fn get_dialect(&self) -> std::result::Result<JsValue, JsValue> {
        to_js(&self.session.dialect().to_json()).map_err(js_err)
    }

    #[wasm_bindgen(js_name = setTokens)]
    pub fn set_tokens(&self, #[wasm_bindgen(unchecked_param_type = "TokenSet | null")] tokens: JsValue) -> std::result::Result<(), JsValue> {
        self.session.set_tokens(token_from_js(tokens).map_err(js_err)?);
        Ok(())
    }

    #[wasm_bindgen(js_name = getTokens, unchecked_return_type = "TokenSet | null")]
    pub fn get_tokens(&self) -> std::result::Result<JsValue, JsValue> {
        match self.session.tokens() {
            Some(t) => token_to_js(&t).map_err(js_err),
            None => Ok(JsValue::NULL),
        }
    }

    #[wasm_bindgen(unchecked_return_type = "Promise<TokenSet>")]
    pub fn refresh(&self) -> Promise {
        self.run(|s| async move { token_to_js(&s.refresh().await?) })
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
        self.run(|s| async move { listed_to_js(&s.search(t, &name, parent_id.as_deref()).await?) })
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
        self.run(|s| async move { to_js(&s.write(e).await?) })
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
            return self.run(|s| async move {
                s.discard(&id).await?;
                Ok(entity)
            });
        }
        self.update_entity(entity)
    }

    /// Discards a time entry on the server (`DELETE /data/entity`).
    #[wasm_bindgen(js_name = discardTimeEntry, unchecked_return_type = "Promise<void>")]
    pub fn discard_time_entry(&self, id: String) -> Promise {
        self.run(|s| async move {
            s.discard(&id).await?;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// Time entries of the signed-in member in a range (every page), or
    /// `null` when the server has no `/data/times`. Each carries its `type`,
    /// as the declaration says, so it can be sent back as it is.
    #[wasm_bindgen(unchecked_return_type = "Promise<Listed<TimedTaskRecord> | null>")]
    pub fn times(&self, from_ms: f64, to_ms: f64) -> Promise {
        self.run(|s| async move {
            match s.times(from_ms, to_ms).await? {
                Some(l) => listed_to_js(&Listed { items: l.items.into_iter().map(Entity::TimedTaskRecord).collect::<Vec<_>>(), skipped: l.skipped }),
                None => Ok(JsValue::NULL),
            }
        })
    }

    #[wasm_bindgen(unchecked_return_type = "Promise<Listed<SummaryRow>>")]
    pub fn summary(&self, from_ms: f64, to_ms: f64) -> Promise {
        self.run(|s| async move { listed_to_js(&s.summary(from_ms, to_ms).await?) })
    }

    #[wasm_bindgen(js_name = subscribeWebhook, unchecked_return_type = "Promise<void>")]
    pub fn subscribe_webhook(&self, hook_url: String, #[wasm_bindgen(unchecked_param_type = "TriggerType")] trigger: String) -> Promise {
        self.webhook(hook_url, trigger, true)
    }

    #[wasm_bindgen(js_name = unsubscribeWebhook, unchecked_return_type = "Promise<void>")]
    pub fn unsubscribe_webhook(&self, hook_url: String, #[wasm_bindgen(unchecked_param_type = "TriggerType")] trigger: String) -> Promise {
        self.webhook(hook_url, trigger, false)
    }
}

impl TymeClient {
    fn webhook(&self, hook_url: String, trigger: String, subscribe: bool) -> Promise {
        let t = match TriggerType::parse(&trigger) {
            Ok(t) => t,
            Err(e) => return rejected(e),
        };
        self.run(|s| async move {
            s.webhook(&hook_url, t, subscribe).await?;
            Ok(JsValue::UNDEFINED)
        })
    }
}

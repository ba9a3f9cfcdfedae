//! The session's `Env` in JavaScript: `fetch` as the transport, `Date.now`
//! as the clock, the `onTokens` and `onDialect` callbacks as the stores; and
//! the token set as JavaScript sees it (`TokenSet` in API.md).

use js_sys::{Function, Promise};
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use super::convert::{json_of, now_ms, to_js};
use super::transport::send;
use crate::dialect::Dialect;
use crate::error::{Error, ErrorKind, Result};
use crate::http::{HttpRequest, Reply};
use crate::model::read::Fields;
use crate::oauth::{Secret, TokenSet};
use crate::session::{Env, LocalFuture};

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

pub(crate) fn token_to_js(t: &TokenSet) -> Result<JsValue> {
    to_js(&TokenSetJs {
        access_token: t.access_token.expose(),
        refresh_token: t.refresh_token.expose(),
        token_type: &t.token_type,
        expires_at: t.expires_at_ms as f64,
        issued_at: t.issued_at_ms.map(|i| i as f64),
    })
}

pub(crate) fn token_from_js(v: JsValue) -> Result<Option<TokenSet>> {
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

pub(crate) struct JsEnv {
    pub(crate) timeout_ms: u32,
    pub(crate) on_tokens: Option<Function>,
    pub(crate) on_dialect: Option<Function>,
}

/// Calls `onTokens` with the pair (or null) and waits for what it answers.
async fn notify(f: Option<Function>, arg: Result<JsValue>) -> Result<()> {
    let Some(f) = f else { return Ok(()) };
    let ret = f.call1(&JsValue::NULL, &arg?).map_err(|_| Error::invalid_input("onTokens threw"))?;
    JsFuture::from(Promise::resolve(&ret)).await.map_err(|_| Error::invalid_input("onTokens rejected"))?;
    Ok(())
}

impl Env for JsEnv {
    fn send(&self, req: HttpRequest) -> LocalFuture<Result<Reply>> {
        Box::pin(send(req, self.timeout_ms))
    }

    fn now_ms(&self) -> i64 {
        now_ms()
    }

    fn store_tokens(&self, tokens: Option<&TokenSet>) -> LocalFuture<Result<()>> {
        let arg = tokens.map_or(Ok(JsValue::NULL), token_to_js);
        Box::pin(notify(self.on_tokens.clone(), arg))
    }

    fn dialect_changed(&self, dialect: &Dialect) {
        if let (Some(f), Ok(v)) = (&self.on_dialect, to_js(&dialect.to_json())) {
            let _ = f.call1(&JsValue::NULL, &v);
        }
    }
}

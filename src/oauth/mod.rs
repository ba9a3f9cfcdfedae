//! OAuth 2.0 with PKCE against Tyme: authorize URL and redirect parsing,
//! code exchange and refresh (requests built, responses parsed, no I/O),
//! the token set and the decision of what to do next.

pub mod authorize;
pub mod pkce;
pub mod secret;
pub mod session;
pub mod token;

pub use authorize::{authorize_request, parse_redirect, SignIn};
pub use pkce::{challenge_s256, verifier_from_bytes};
pub use secret::Secret;
pub use session::{next_step, NextStep, REFRESH_MARGIN_MS};
pub use token::{build_exchange, build_refresh, parse_token_response, TokenGrant, TokenSet};

use crate::error::{Error, Result};

/// Where and who this client is.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientConfig {
    pub base_url: String,
    pub client_id: String,
    pub client_secret: Option<Secret>,
    pub redirect_uri: String,
}

impl ClientConfig {
    pub fn new(base_url: &str, client_id: &str, client_secret: Option<&str>, redirect_uri: &str) -> Result<Self> {
        let base_url = base_url.trim();
        if !(base_url.starts_with("https://") || base_url.starts_with("http://")) || base_url.len() < 10 {
            return Err(Error::invalid_input("baseUrl must be an http(s) URL"));
        }
        if base_url.contains(['?', '#', ' ']) {
            return Err(Error::invalid_input("baseUrl must not have a query, fragment or spaces"));
        }
        if client_id.trim().is_empty() {
            return Err(Error::invalid_input("clientId is required"));
        }
        if redirect_uri.trim().is_empty() {
            return Err(Error::invalid_input("redirectUri is required"));
        }
        Ok(ClientConfig {
            base_url: base_url.trim_end_matches('/').to_string(),
            client_id: client_id.to_string(),
            client_secret: client_secret.filter(|s| !s.is_empty()).map(Secret::new),
            redirect_uri: redirect_uri.to_string(),
        })
    }
}

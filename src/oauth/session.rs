//! What a data call must do first, given the tokens held now (the first
//! decision of `session::CallStep`, which also handles the 401 after).

use super::token::TokenSet;

/// Refresh this long before the access token expires (at most half its
/// lifetime, see `TokenSet::refresh_margin_ms`).
pub const REFRESH_MARGIN_MS: i64 = 60_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NextStep {
    /// No tokens: the user must sign in (`unauthorized`).
    SignIn,
    /// The access token is (nearly) expired: refresh, then send.
    Refresh,
    /// Send with the current access token.
    Send,
}

pub fn next_step(tokens: Option<&TokenSet>, now_ms: i64) -> NextStep {
    match tokens {
        None => NextStep::SignIn,
        Some(t) if t.needs_refresh(now_ms) => NextStep::Refresh,
        Some(_) => NextStep::Send,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oauth::Secret;

    #[test]
    fn steps() {
        let t = TokenSet { access_token: Secret::new("a"), refresh_token: Secret::new("r"), token_type: "Bearer".into(), expires_at_ms: 100_000, issued_at_ms: None };
        assert_eq!(next_step(None, 0), NextStep::SignIn);
        assert_eq!(next_step(Some(&t), 0), NextStep::Send);
        assert_eq!(next_step(Some(&t), 40_000), NextStep::Refresh);
    }
}

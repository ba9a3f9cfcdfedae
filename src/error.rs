//! One error type for the whole core, with stable string codes that the
//! JavaScript side matches on (see `src/wasm/API.md`).

use std::fmt;

/// What went wrong, as a stable code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// A 401 that a refresh did not cure, or no tokens at all.
    Unauthorized,
    /// The refresh token was rejected (`invalid_grant`): sign in again.
    ReauthRequired,
    /// 403, for example an account without API access.
    Forbidden,
    /// 404.
    NotFound,
    /// The OAuth redirect's `state` does not match the one sent.
    InvalidState,
    /// The OAuth redirect carries no `code`.
    MissingCode,
    /// The OAuth redirect carries `error=...`.
    AccessDenied,
    /// The request never got an answer (offline, connection dropped).
    Network,
    /// 5xx.
    Server,
    /// 429.
    RateLimited,
    /// A body that could not be understood.
    BadResponse,
    /// Input refused before any request, or a 400 from the server.
    InvalidInput,
}

impl ErrorKind {
    /// The stable code string.
    pub fn code(self) -> &'static str {
        match self {
            ErrorKind::Unauthorized => "unauthorized",
            ErrorKind::ReauthRequired => "reauth_required",
            ErrorKind::Forbidden => "forbidden",
            ErrorKind::NotFound => "not_found",
            ErrorKind::InvalidState => "invalid_state",
            ErrorKind::MissingCode => "missing_code",
            ErrorKind::AccessDenied => "access_denied",
            ErrorKind::Network => "network",
            ErrorKind::Server => "server",
            ErrorKind::RateLimited => "rate_limited",
            ErrorKind::BadResponse => "bad_response",
            ErrorKind::InvalidInput => "invalid_input",
        }
    }

    /// Every kind, for exhaustive tests of the code table.
    pub const ALL: [ErrorKind; 12] = [
        ErrorKind::Unauthorized,
        ErrorKind::ReauthRequired,
        ErrorKind::Forbidden,
        ErrorKind::NotFound,
        ErrorKind::InvalidState,
        ErrorKind::MissingCode,
        ErrorKind::AccessDenied,
        ErrorKind::Network,
        ErrorKind::Server,
        ErrorKind::RateLimited,
        ErrorKind::BadResponse,
        ErrorKind::InvalidInput,
    ];
}

/// A failure with its code, a human message (never a token or secret), and,
/// where it applies, the HTTP status and the server's `Retry-After` seconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub kind: ErrorKind,
    pub message: String,
    pub status: Option<u16>,
    pub retry_after: Option<u32>,
}

impl Error {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error { kind, message: message.into(), status: None, retry_after: None }
    }

    pub fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    pub fn with_retry_after(mut self, seconds: Option<u32>) -> Self {
        self.retry_after = seconds;
        self
    }

    pub fn code(&self) -> &'static str {
        self.kind.code()
    }

    pub fn invalid_input(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::InvalidInput, message)
    }

    pub fn bad_response(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::BadResponse, message)
    }

    pub fn network(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Network, message)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.code(), self.message)?;
        if let Some(s) = self.status {
            write!(f, " (HTTP {s})")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;

/// `s` in double quotes for an error message: at most `max` characters, with
/// control characters left out.  (Rather than `{:?}`, whose escaping code and
/// Unicode tables would otherwise be the only users in the WebAssembly module.)
pub(crate) fn quoted(s: &str, max: usize) -> String {
    let mut out = String::with_capacity(max + 2);
    out.push('"');
    out.extend(s.chars().filter(|c| !c.is_control()).take(max));
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_the_documented_ones_and_unique() {
        let codes: Vec<&str> = ErrorKind::ALL.iter().map(|k| k.code()).collect();
        assert_eq!(
            codes,
            [
                "unauthorized", "reauth_required", "forbidden", "not_found", "invalid_state",
                "missing_code", "access_denied", "network", "server", "rate_limited",
                "bad_response", "invalid_input"
            ]
        );
        let api_md = include_str!("wasm/API.md");
        for c in &codes {
            assert!(api_md.contains(&format!("`{c}`")), "{c} missing from API.md");
        }
    }

    #[test]
    fn display_has_code_and_status() {
        let e = Error::new(ErrorKind::Server, "boom").with_status(502);
        assert_eq!(e.to_string(), "server: boom (HTTP 502)");
    }
}

//! Tyme Tab core: a typed client for the Tyme time-tracker API that does no
//! I/O. It builds HTTP requests (`http::HttpRequest`) and parses responses
//! (`api::*`, `oauth::*`), keeps the OAuth token set and runs every call
//! (`session`: when to refresh, one refresh at a time, one retry after a
//! 401, what the server speaks), formats the API's UTC date-times and rounds
//! durations (`model`), scrubs notes (`note`) and orders offline writes
//! (`outbox`). Transport, clock and randomness are passed in. Only `wasm`
//! (built for wasm32) talks to JavaScript: it passes the session the browser's
//! `fetch` and exposes the API of `src/wasm/API.md`.

pub mod api;
pub mod dialect;
pub mod error;
pub mod http;
pub mod model;
pub mod note;
pub mod oauth;
pub mod outbox;
pub mod session;
#[cfg(target_arch = "wasm32")]
pub mod wasm;

pub use error::{Error, ErrorKind, Result};

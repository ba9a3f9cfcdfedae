//! tyme-sandbox: a Tyme-compatible local server (OAuth, data, webhooks) with a
//! control API for tests. The wire contract is written down in README.md.
//!
//! Modules: `server` (bind, accept, the per-request pipeline), `state` (config,
//! shared state, persistence), `http` (answers, CORS, request parameters),
//! `routes` (the router), `oauth`, `data`, `webhooks`, `control` (/_sandbox),
//! `faults`; `model` holds the entities and their rules. Two dialects
//! (`--dialect seed|live`) share the model and differ on the wire only.

mod control;
mod data;
mod faults;
mod http;
pub mod model;
mod oauth;
mod routes;
mod server;
mod state;
mod webhooks;

pub use http::html_escape;
pub use model::Dialect;
pub use server::{start, Running};
pub use state::{App, Client, Config};

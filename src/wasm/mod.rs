//! The only code that knows JavaScript: `#[wasm_bindgen]` exports, `fetch`
//! transport, `crypto.getRandomValues`, and errors as JS `Error` objects.
//! No logic lives here; it converts values and calls the core.

/// Talc instead of the default dlmalloc: made for WebAssembly, and smaller
/// in the module.  (Single-threaded: the module is built without atomics.)
#[cfg(not(target_feature = "atomics"))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

mod client;
mod env;
mod convert;
pub mod note;
pub mod outbox;
pub(crate) mod error;
pub mod pure;
mod transport;
mod types;

pub use client::TymeClient;
pub use pure::{format_date_time, new_id, parse_date_time, round_duration};
#[allow(unused_imports)]
pub(crate) use error::to_js_error;

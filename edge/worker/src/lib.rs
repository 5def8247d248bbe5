//! Préau on Cloudflare Workers: a thin adapter around the shared edge core.
//!
//! It turns the Workers request into an `http::Request`, asks `preau_edge::Edge` for the
//! answer and turns that back into a Workers response. Storage is D1 (`DB`) and the static
//! assets (`ASSETS`), see `platform`. No rule of the product lives here: sign-in, the charter
//! gate and default-deny serving are all decided by `preau_edge::app`, exactly as under
//! `preau serve`.
//!
//! Built for wasm32 (scripts/build-worker.sh). On other targets only the pure helpers are
//! compiled, for their unit tests.
#![cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]

mod asset_url;
#[cfg(target_arch = "wasm32")]
mod platform;
#[cfg(target_arch = "wasm32")]
mod worker_entry;

//! Préau's edge: the request-handling core shared by the self-hosted server and the
//! Cloudflare Worker (`app`), the rules it enforces (`access`, `accounts`, `password`,
//! `session`, `throttle`, `audit`), the storage it needs (`store`), and the native adapter
//! behind the `native` feature.

pub mod access;
pub mod accounts;
pub mod admin;
pub mod app;
pub mod audit;
pub mod password;
pub mod paths;
pub mod session;
pub mod site;
pub mod store;
pub mod throttle;
pub mod time;

#[cfg(feature = "native")]
pub mod native;

pub use app::{Client, Edge, EdgeConfig};

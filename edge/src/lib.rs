//! Préau's edge: the request-handling core shared by the self-hosted server and the
//! Cloudflare Worker, and the native adapter behind the `native` feature. Reading ONDE
//! exports (`roster`) is behind the `roster` feature (in `native`), so the CSV and
//! encoding crates stay out of the Worker; the roster's SQL (`store::roster`) is always
//! there, for the daily purge.
//!
//! A request flows adapter → `app` (normalise, session, `routes::Route`) → one module of
//! `features` → `guard` → `store` (one module per table) → the adapter's `Platform`.
//! The rules the features share: `accounts`, `activation` (codes of the invitation letters), `password`, `session`, `throttle`, `audit`,
//! `client` (addresses behind proxies), `paths`, `form`, `respond`, `site`.

pub mod accounts;
pub mod activation;
pub mod admin;
pub mod app;
pub mod audit;
pub mod client;
pub mod comments;
pub mod conditional;
mod features;
pub mod forge;
pub mod form;
mod guard;
pub mod multipart;
pub mod my_data;
pub mod password;
pub mod paths;
pub mod respond;
#[cfg(feature = "roster")]
pub mod roster;
pub mod routes;
pub mod session;
pub mod site;
pub mod store;
pub mod throttle;
pub mod time;
pub mod uploads;
pub mod writing;

#[cfg(feature = "native")]
pub mod native;
#[cfg(feature = "native")]
pub mod testing;

pub use app::{BodyProblem, ConfigError, Edge, EdgeConfig};
pub use client::{Client, Proxies};
/// A post's approved comments in the served markup, for pages read offline.
pub use features::comment_view::archived_section;
/// The access manifest and its rules, shared with the generator.
pub use preau_contract::access;

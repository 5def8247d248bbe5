//! Helpers shared by the end-to-end tests, written once: `mod support;` in a test file.
//!
//! - `site`: paths of the repository, copying and walking folders, building a site, free
//!   ports, running the `preau` command line;
//! - `client`: a small HTTP client (no redirects followed, a cookie jar per browser);
//! - `scenarios`: the HTTP scenario suite and its single list, run by both adapters;
//! - `comments`: the scenarios of comments and moderation (listed with the others);
//! - `activation`: the scenarios of activation with a letter's code (listed with the others);
//! - `uploads`: the upload scenarios of that suite (listed in `scenarios`);
//! - `native`: `preau serve` as a scenario target;
//! - `worker`: the Cloudflare Worker under `wrangler dev`;
//! - `forge`: a local Forgejo/Gitea contents API for the Worker's online editor.
//!
//! Each test file uses a part of them only.

#![allow(dead_code)]

pub mod activation;
pub mod client;
pub mod comments;
pub mod delivery;
pub mod editor;
pub mod forge;
pub mod native;
pub mod scenarios;
pub mod site;
pub mod uploads;
pub mod worker;

//! Préau's edge: the request-handling core shared by the self-hosted server and the
//! Cloudflare Worker, plus the access rules and manifest format shared with the generator.

pub mod access;
pub mod time;

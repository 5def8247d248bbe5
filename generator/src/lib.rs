//! Préau's generator: `content/` and a theme in, a complete static site and its access
//! manifest out. The pipeline runs one way: `content` reads files into the `model`,
//! `render` and `feeds` turn the model into files, `build` writes them and keeps the model
//! for incremental rebuilds.

pub mod build;
pub mod content;
pub mod encode;
pub mod error;
pub mod feeds;
pub mod frontmatter;
pub mod manifest;
pub mod markdown;
pub mod model;
pub mod render;
pub mod strings;
pub mod theme;

pub use build::{BuildOptions, BuildReport, Generator, Part, RebuildKind, RETIRED_KEPT_SECS};
pub use error::{BuildError, ContentError};
pub use theme::Theme;

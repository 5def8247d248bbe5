//! Files built into the binary by `build.rs`: the default theme, and the charters and guides
//! that `preau init` gives a new town.

include!(concat!(env!("OUT_DIR"), "/embedded.rs"));

/// The local folder that, when it exists, changes files of the built-in theme.
pub const THEME_OVERLAY: &str = "themes/default";

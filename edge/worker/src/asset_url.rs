//! Where the static-assets binding serves a file of the built site. Pure Rust, so that it
//! is unit-tested on the host too.

/// Host name of the URLs sent to the `ASSETS` binding. The binding ignores it; only the
/// path matters.
pub const ASSETS_ORIGIN: &str = "https://assets.local";

/// JavaScript's encodeURIComponent: the asset server decodes each path segment with
/// decodeURIComponent and serves a file only at this spelling of its path.
fn encode_component(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for b in segment.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The URL at which the assets binding serves `path` (relative to the output folder). With
/// the default `html_handling` ("auto-trailing-slash"), `a/index.html` is served at `/a/`
/// and `a.html` at `/a`; asking for the file name itself only gets a redirect there.
pub fn asset_url(path: &str) -> String {
    let (stem, folder) = if path == "index.html" {
        ("", true)
    } else if let Some(dir) = path.strip_suffix("/index.html") {
        (dir, true)
    } else if let Some(page) = path.strip_suffix(".html") {
        (page, false)
    } else {
        (path, false)
    };
    let mut url = String::from(ASSETS_ORIGIN);
    for seg in stem.split('/').filter(|s| !s.is_empty()) {
        url.push('/');
        url.push_str(&encode_component(seg));
    }
    if folder || url.len() == ASSETS_ORIGIN.len() {
        url.push('/');
    }
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_files_to_the_urls_the_asset_server_answers() {
        let u = |p: &str| {
            asset_url(p)
                .strip_prefix(ASSETS_ORIGIN)
                .unwrap()
                .to_string()
        };
        assert_eq!(u("index.html"), "/");
        assert_eq!(u("404.html"), "/404");
        assert_eq!(u("ecoles/a/classes/b/index.html"), "/ecoles/a/classes/b/");
        assert_eq!(u("_preau/shells/signin.html"), "/_preau/shells/signin");
        assert_eq!(u("_preau/manifest.json"), "/_preau/manifest.json");
        assert_eq!(u("ecoles/a/post/vache.svg"), "/ecoles/a/post/vache.svg");
        assert_eq!(
            u("guides/été à l'école/photo 1.jpg"),
            "/guides/%C3%A9t%C3%A9%20%C3%A0%20l'%C3%A9cole/photo%201.jpg"
        );
        assert_eq!(u("a/b%c?d#e.png"), "/a/b%25c%3Fd%23e.png");
    }
}

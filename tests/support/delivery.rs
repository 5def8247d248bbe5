//! Scenarios of delivery (issue 14): compressed answers, revalidation, fingerprinted theme
//! files. Listed in `scenario_lists!` with the others.
//!
//! What each deployment guarantees differs, and the scenarios say so through
//! `Target::compresses`: `preau serve` sends the build's Brotli copies (gzip, and pages
//! changed at request time, it compresses itself); on Cloudflare the Worker sends identity bytes
//! and Cloudflare's edge compresses HTML, CSS, JS, SVG, XML and JSON on the way out, which
//! `wrangler dev` does not reproduce. Everywhere: a coding is only one the client accepts
//! and decodes to the same bytes; entity tags, `304` after the gate and the cache rules
//! are the core's, the same on both.

use super::client::{Browser, Resp};
use super::scenarios::{member, Target, CLASS, CLASS_URL, OTHER_CLASS, PASSWORD};
use std::io::Read;

fn decoded(r: &Resp) -> Vec<u8> {
    match r.header("content-encoding") {
        None => r.bytes.clone(),
        Some("br") => {
            let mut out = Vec::new();
            brotli::BrotliDecompress(&mut &r.bytes[..], &mut out).expect("valid brotli");
            out
        }
        Some("gzip") => {
            let mut out = Vec::new();
            flate2::read::GzDecoder::new(&r.bytes[..])
                .read_to_end(&mut out)
                .expect("valid gzip");
            out
        }
        Some(other) => panic!("content-encoding {other} is not decoded by this test"),
    }
}

fn get(b: &mut Browser, path: &str, headers: &[(&str, &str)]) -> Resp {
    b.send("GET", path, super::client::Body::None, headers)
}

/// Each `Accept-Encoding` gets a coding it allows (the best one where the server
/// compresses), `Vary: Accept-Encoding`, and bytes that decode to the page; the same for a
/// public page, a gated page and the stylesheet.
pub fn compression_negotiated(t: &dyn Target) {
    let mut anon = Browser::new(&t.base_url());
    let mut parent = member(t, "livraison.parent", "parent", Some(CLASS));
    let style = fingerprinted(t, "theme/style.css");
    // (Accept-Encoding, what `preau serve` sends, the codings the client allows.)
    let cases: &[(&str, Option<&str>, &[&str])] = &[
        ("br, gzip", Some("br"), &["br", "gzip"]),
        ("gzip, deflate, br", Some("br"), &["br", "gzip", "deflate"]),
        ("gzip", Some("gzip"), &["gzip"]),
        ("br;q=0, gzip", Some("gzip"), &["gzip"]),
        ("br;q=0.3, gzip;q=0.9", Some("gzip"), &["br", "gzip"]),
        ("identity", None, &[]),
        ("br;q=0, gzip;q=0", None, &[]),
        // `*;q=0` alone would refuse identity too (workerd then answers 415): say it.
        ("identity, *;q=0", None, &[]),
    ];
    for (who, b, path) in [
        ("anonyme", &mut anon, "/"),
        ("anonyme", &mut Browser::new(&t.base_url()), style.as_str()),
        ("parent", &mut parent, CLASS_URL),
    ] {
        let plain = get(b, path, &[]);
        assert_eq!(plain.status, 200, "{who} {path}");
        assert_eq!(
            plain.header("content-encoding"),
            None,
            "{who} {path}: no Accept-Encoding"
        );
        for (accept, want, allowed) in cases {
            let r = get(b, path, &[("accept-encoding", accept)]);
            assert_eq!(r.status, 200, "{who} {path} {accept}");
            let got = r.header("content-encoding");
            if t.compresses() {
                assert_eq!(got, *want, "{who} {path} Accept-Encoding: {accept}");
                assert!(
                    r.header("vary")
                        .unwrap_or("")
                        .to_ascii_lowercase()
                        .contains("accept-encoding"),
                    "{who} {path}: Vary"
                );
            } else if let Some(got) = got {
                // The platform picks (workerd prefers gzip): any coding the client allows.
                assert!(allowed.contains(&got), "{who} {path} {accept}: got {got}");
            }
            assert_eq!(
                decoded(&r),
                plain.bytes,
                "{who} {path} {accept}: same bytes"
            );
        }
    }
}

/// Strong entity tags and dates from the build: `If-None-Match` and `If-Modified-Since`
/// give `304` without a body, to anyone for a public file and only past the gate for a
/// gated one: a reader the gate refuses gets the refusal, never a `304`.
pub fn revalidation_after_the_gate(t: &dyn Target) {
    let mut anon = Browser::new(&t.base_url());
    let first = anon.get("/");
    let tag = first
        .header("etag")
        .expect("ETag on a public page")
        .to_string();
    assert!(!tag.starts_with("W/"), "strong entity tag: {tag}");
    let again = get(&mut anon, "/", &[("if-none-match", &tag)]);
    assert_eq!(again.status, 304);
    assert!(again.bytes.is_empty());
    assert_eq!(again.header("etag"), Some(tag.as_str()));
    let weak = format!("W/{tag}");
    assert_eq!(get(&mut anon, "/", &[("if-none-match", &weak)]).status, 304);
    assert_eq!(
        get(&mut anon, "/", &[("if-none-match", "\"autre\"")]).status,
        200
    );
    let date = first
        .header("last-modified")
        .expect("Last-Modified")
        .to_string();
    assert_eq!(
        get(&mut anon, "/", &[("if-modified-since", &date)]).status,
        304
    );
    let old = "Mon, 01 Jan 2001 00:00:00 GMT";
    assert_eq!(
        get(&mut anon, "/", &[("if-modified-since", old)]).status,
        200
    );

    let mut parent = member(t, "revalide.parent", "parent", Some(CLASS));
    let page = parent.get(CLASS_URL);
    assert_eq!(page.status, 200);
    // Kept by the member's browser only and asked again before every use (`no-cache`,
    // never a `max-age`): a signed-out browser is never shown it without the gate.
    assert_eq!(
        page.header("cache-control"),
        Some("private, no-cache"),
        "gated page"
    );
    let tag = page
        .header("etag")
        .expect("ETag on a gated page")
        .to_string();
    let r = get(&mut parent, CLASS_URL, &[("if-none-match", &tag)]);
    assert_eq!(r.status, 304, "the member's copy is still right");
    assert!(r.bytes.is_empty());
    assert_eq!(r.header("cache-control"), Some("private, no-cache"));
    if t.compresses() {
        // A compressed copy has its own tag, and its 304 names that same copy.
        let br = get(&mut parent, CLASS_URL, &[("accept-encoding", "br")]);
        let br_tag = br.header("etag").expect("ETag of the br copy").to_string();
        assert_ne!(br_tag, tag, "each coding has its own strong tag");
        let r = get(
            &mut parent,
            CLASS_URL,
            &[("accept-encoding", "br"), ("if-none-match", &br_tag)],
        );
        assert_eq!(r.status, 304);
        assert_eq!(r.header("etag"), Some(br_tag.as_str()));
    }
    let date = page.header("last-modified").unwrap_or(old).to_string();

    // Refused readers with the member's validators: the gate's answer, never a 304.
    let mut other = member(t, "revalide.autre", "parent", Some(OTHER_CLASS));
    t.add_account("revalide.attente", "parent", Some(CLASS), PASSWORD);
    let mut pending = Browser::new(&t.base_url());
    assert_eq!(pending.sign_in("revalide.attente", PASSWORD).status, 303);
    for (who, b, want) in [
        ("anonyme", &mut Browser::new(&t.base_url()), 303),
        ("autre classe", &mut other, 403),
        ("charte non acceptée", &mut pending, 303),
    ] {
        for h in [
            ("if-none-match", tag.as_str()),
            ("if-none-match", "*"),
            ("if-modified-since", date.as_str()),
        ] {
            let r = get(b, CLASS_URL, &[h]);
            assert_eq!(r.status, want, "{who} with {h:?}");
            assert_ne!(
                r.header("etag"),
                Some(tag.as_str()),
                "{who}: no validator leaks"
            );
        }
    }
}

/// Pages name the theme's files by content hash; those names are cached for a year,
/// immutable; the plain names still answer, with a short cache.
pub fn fingerprinted_theme(t: &dyn Target) {
    let manifest = manifest(t);
    assert!(!manifest.fingerprinted.is_empty());
    // Every built page (as written, whoever may read it) names only hashed theme files.
    for path in manifest.files.keys().filter(|p| p.ends_with(".html")) {
        let html = std::fs::read_to_string(t.site_dir().join(path)).unwrap_or_default();
        for plain in manifest.fingerprinted.keys() {
            assert!(
                !html.contains(&format!("\"/{plain}\"")),
                "{path} names /{plain} instead of its fingerprinted name"
            );
        }
    }
    let mut anon = Browser::new(&t.base_url());
    let home = anon.get("/");
    let style = fingerprinted(t, "theme/style.css");
    assert!(
        home.body.contains(&format!("href=\"{style}\"")),
        "the home page links {style}"
    );
    for (plain, hashed) in &manifest.fingerprinted {
        let r = anon.get(&format!("/{hashed}"));
        assert_eq!(r.status, 200, "/{hashed}");
        let cache = r.header("cache-control").unwrap_or("");
        assert!(
            cache.contains("immutable") && cache.contains("max-age=31536000"),
            "/{hashed}: {cache}"
        );
        let old = anon.get(&format!("/{plain}"));
        assert_eq!(old.status, 200, "/{plain} keeps working");
        assert_eq!(old.bytes, r.bytes, "/{plain}: same bytes");
        let cache = old.header("cache-control").unwrap_or("");
        assert!(!cache.contains("immutable"), "/{plain}: {cache}");
    }
    // Other public files are never immutable.
    for path in ["/", "/sitemap.xml"] {
        let cache = anon
            .get(path)
            .header("cache-control")
            .unwrap_or("")
            .to_string();
        assert!(!cache.contains("immutable"), "{path}: {cache}");
    }
}

/// `/theme/style.<hash>.css` of the built site.
fn fingerprinted(t: &dyn Target, plain: &str) -> String {
    let m = manifest(t);
    format!(
        "/{}",
        m.fingerprinted
            .get(plain)
            .expect("fingerprinted theme file")
    )
}

fn manifest(t: &dyn Target) -> preau_contract::access::Manifest {
    let path = t.site_dir().join("_preau/manifest.json");
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_slice(&bytes).expect("manifest json")
}

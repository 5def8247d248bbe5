//! The security headers of every response: the edge adds them to what it answers, and the
//! build writes them into Cloudflare's `_headers` file for files served without the Worker.

/// The Content-Security-Policy of every response.
pub const CSP: &str = "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/// Headers on every response (HSTS is added only over HTTPS).
pub const SECURITY_HEADERS: &[(&str, &str)] = &[
    ("content-security-policy", CSP),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "same-origin"),
    (
        "permissions-policy",
        "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    ),
    ("x-frame-options", "DENY"),
];
pub const HSTS: &str = "max-age=31536000; includeSubDomains";

/// Cache of a theme file under its content-hashed name: its bytes never change.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Cache of a theme file under its plain name (kept for pages cached before a deploy and
/// for links from outside): short, since the bytes change with the theme.
pub const THEME_PLAIN: &str = "public, max-age=3600";

/// The same headers in Cloudflare's `_headers` format, and the cache of the theme's files
/// (served there without the Worker): `fingerprints` maps each plain output path
/// (`theme/style.css`) to its content-hashed one. One rule per file, so that no two rules
/// set `cache-control` on one path (Cloudflare would join their values).
pub fn headers_file(fingerprints: &std::collections::BTreeMap<String, String>) -> String {
    let mut out = String::from("/*\n");
    for (name, value) in SECURITY_HEADERS {
        out.push_str(&format!("  {name}: {value}\n"));
    }
    out.push_str(&format!("  strict-transport-security: {HSTS}\n"));
    for (plain, hashed) in fingerprints {
        out.push_str(&format!("/{plain}\n  cache-control: {THEME_PLAIN}\n"));
        out.push_str(&format!("/{hashed}\n  cache-control: {IMMUTABLE}\n"));
    }
    out
}

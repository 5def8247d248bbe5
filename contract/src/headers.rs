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

/// The same headers in Cloudflare's `_headers` format.
pub fn headers_file() -> String {
    let mut out = String::from("/*\n");
    for (name, value) in SECURITY_HEADERS {
        out.push_str(&format!("  {name}: {value}\n"));
    }
    out.push_str(&format!(
        "  strict-transport-security: {HSTS}\n/theme/*\n  cache-control: public, max-age=86400\n"
    ));
    out
}

//! A tiny HTTP client for the end-to-end tests: no redirects followed, one cookie jar per
//! browser, the answer's status, headers, body and time.

use std::collections::BTreeMap;
use std::io::Read;
use std::time::{Duration, Instant};

pub struct Resp {
    pub status: u16,
    /// By lowercase name.
    pub headers: BTreeMap<String, Vec<String>>,
    /// The body as text (lossy UTF-8) and as sent.
    pub body: String,
    pub bytes: Vec<u8>,
    /// From sending the request to the end of the body.
    pub took: Duration,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(&name.to_ascii_lowercase())
            .and_then(|v| v.first())
            .map(String::as_str)
    }

    pub fn location(&self) -> &str {
        self.header("location").unwrap_or("")
    }

    /// Value of the first `<input name="csrf" value="…">` of the page ("" if none).
    pub fn csrf(&self) -> String {
        input_value(&self.body, "csrf")
    }
}

/// The `value` attributes of every `<input>` named `name`, in page order, as written
/// (entities not decoded).
pub fn input_values(body: &str, name: &str) -> Vec<String> {
    let wanted = format!("name=\"{name}\"");
    let mut out = Vec::new();
    let mut rest = body;
    while let Some(i) = rest.find("<input") {
        let tag_and_after = &rest[i..];
        let end = tag_and_after.find('>').unwrap_or(tag_and_after.len());
        let tag = &tag_and_after[..end];
        if tag.contains(&wanted) {
            let value = tag
                .find("value=\"")
                .map(|j| {
                    let v = &tag[j + 7..];
                    v[..v.find('"').unwrap_or(v.len())].to_string()
                })
                .unwrap_or_default();
            out.push(value);
        }
        rest = &tag_and_after[end..];
    }
    out
}

/// The `value` of the first `<input>` named `name` ("" if there is none).
pub fn input_value(body: &str, name: &str) -> String {
    input_values(body, name)
        .into_iter()
        .next()
        .unwrap_or_default()
}

/// One browser: a base URL and a cookie jar.
#[derive(Clone)]
pub struct Browser {
    pub base: String,
    pub cookies: BTreeMap<String, String>,
    agent: ureq::Agent,
}

/// What a request carries.
pub enum Body<'a> {
    None,
    Form(&'a [(&'a str, &'a str)]),
    /// Sent as `application/x-www-form-urlencoded`, unchecked.
    Raw(&'a [u8]),
    /// Bytes sent with this `Content-Type` (a `multipart/form-data` body, for instance).
    Typed(&'a str, &'a [u8]),
}

impl Browser {
    pub fn new(base: &str) -> Browser {
        Browser {
            base: base.trim_end_matches('/').to_string(),
            cookies: BTreeMap::new(),
            agent: ureq::AgentBuilder::new()
                .redirects(0)
                .timeout(Duration::from_secs(60))
                .build(),
        }
    }

    /// A new browser on the same site (empty cookie jar).
    pub fn fresh(&self) -> Browser {
        Browser::new(&self.base)
    }

    fn absorb(&mut self, set_cookies: &[String]) {
        for c in set_cookies {
            let first = c.split(';').next().unwrap_or("");
            if let Some((k, v)) = first.split_once('=') {
                if v.is_empty() || c.to_ascii_lowercase().contains("max-age=0") {
                    self.cookies.remove(k);
                } else {
                    self.cookies.insert(k.to_string(), v.to_string());
                }
            }
        }
    }

    /// Any request; answers of every status come back as a `Resp`.
    pub fn send(&mut self, method: &str, path: &str, body: Body, headers: &[(&str, &str)]) -> Resp {
        let url = format!("{}{path}", self.base);
        let mut req = self.agent.request(method, &url);
        if !self.cookies.is_empty() {
            let jar = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ");
            req = req.set("cookie", &jar);
        }
        for (k, v) in headers {
            req = req.set(k, v);
        }
        let start = Instant::now();
        let result = match body {
            Body::None => req.call(),
            Body::Form(form) => req.send_form(form),
            Body::Raw(bytes) => req
                .set("content-type", "application/x-www-form-urlencoded")
                .send_bytes(bytes),
            Body::Typed(content_type, bytes) => {
                req.set("content-type", content_type).send_bytes(bytes)
            }
        };
        let r = match result {
            Ok(r) | Err(ureq::Error::Status(_, r)) => r,
            Err(e) => panic!("{method} {url}: {e}"),
        };
        let mut headers: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for name in r.headers_names() {
            headers.insert(
                name.to_ascii_lowercase(),
                r.all(&name).iter().map(|s| s.to_string()).collect(),
            );
        }
        self.absorb(headers.get("set-cookie").map_or(&[], Vec::as_slice));
        let status = r.status();
        let mut bytes = Vec::new();
        r.into_reader()
            .read_to_end(&mut bytes)
            .unwrap_or_else(|e| panic!("{method} {url}: body: {e}"));
        Resp {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
            bytes,
            took: start.elapsed(),
        }
    }

    pub fn get(&mut self, path: &str) -> Resp {
        self.send("GET", path, Body::None, &[])
    }

    pub fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Resp {
        self.send("POST", path, Body::Form(form), &[])
    }

    pub fn post_with(
        &mut self,
        path: &str,
        form: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> Resp {
        self.send("POST", path, Body::Form(form), headers)
    }

    /// Sign in through the real form (no `next`); returns the answer to the POST.
    pub fn sign_in(&mut self, login: &str, password: &str) -> Resp {
        self.sign_in_to(login, password, "")
    }

    /// Sign in through the real form, asking to go to `next` afterwards.
    pub fn sign_in_to(&mut self, login: &str, password: &str, next: &str) -> Resp {
        let page = self.get("/connexion/");
        assert_eq!(page.status, 200, "sign-in page: {}", page.body);
        let csrf = page.csrf();
        self.post(
            "/connexion/",
            &[
                ("csrf", &csrf),
                ("login", login),
                ("password", password),
                ("next", next),
            ],
        )
    }

    /// Accept the charter shown by the gate.
    pub fn accept_charter(&mut self) -> Resp {
        let gate = self.get("/charte/accepter/");
        assert_eq!(gate.status, 200, "gate page: {}", gate.body);
        let csrf = gate.csrf();
        self.post(
            "/charte/accepter/",
            &[("csrf", &csrf), ("next", "/espace/")],
        )
    }
}

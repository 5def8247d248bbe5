//! A tiny HTTP client for scenario tests: no redirects followed, cookies kept per user.

use std::collections::BTreeMap;
use std::time::Duration;

pub struct Resp {
    pub status: u16,
    pub headers: BTreeMap<String, Vec<String>>,
    pub body: String,
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

    /// Value of `<input name="csrf" value="…">` in the page.
    pub fn csrf(&self) -> String {
        hidden(&self.body, "csrf")
    }
}

/// Value of the `value` attribute of the input named `name` (any type).
pub fn hidden_value(body: &str, name: &str) -> String {
    let Some(i) = body.find(&format!("name=\"{name}\"")) else {
        return String::new();
    };
    let rest = &body[i..];
    let end = rest.find('>').unwrap_or(rest.len());
    let tag = &rest[..end];
    tag.find("value=\"")
        .map(|j| {
            let v = &tag[j + 7..];
            v[..v.find('"').unwrap_or(0)].to_string()
        })
        .unwrap_or_default()
}

pub fn hidden(body: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    body.find(&marker)
        .map(|i| {
            let rest = &body[i + marker.len()..];
            rest[..rest.find('"').unwrap_or(0)].to_string()
        })
        .unwrap_or_default()
}

/// One browser: a cookie jar and a base URL.
#[derive(Clone)]
pub struct Browser {
    pub base: String,
    pub cookies: BTreeMap<String, String>,
    agent: ureq::Agent,
}

impl Browser {
    pub fn new(base: &str) -> Browser {
        Browser {
            base: base.trim_end_matches('/').to_string(),
            cookies: BTreeMap::new(),
            agent: ureq::AgentBuilder::new()
                .redirects(0)
                .timeout(Duration::from_secs(30))
                .build(),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn absorb(&mut self, r: &ureq::Response) {
        for c in r.all("set-cookie") {
            let first = c.split(';').next().unwrap_or("");
            if let Some((k, v)) = first.split_once('=') {
                if v.is_empty() || c.contains("Max-Age=0") {
                    self.cookies.remove(k);
                } else {
                    self.cookies.insert(k.to_string(), v.to_string());
                }
            }
        }
    }

    fn finish(&mut self, result: Result<ureq::Response, ureq::Error>) -> Resp {
        let r = match result {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            Err(e) => panic!("request failed: {e}"),
        };
        self.absorb(&r);
        let mut headers: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for name in r.headers_names() {
            headers.insert(
                name.to_ascii_lowercase(),
                r.all(&name).iter().map(|s| s.to_string()).collect(),
            );
        }
        let status = r.status();
        let body = r.into_string().unwrap_or_default();
        Resp {
            status,
            headers,
            body,
        }
    }

    pub fn get(&mut self, path: &str) -> Resp {
        let req = self
            .agent
            .get(&format!("{}{path}", self.base))
            .set("cookie", &self.cookie_header());
        let res = req.call();
        self.finish(res)
    }

    pub fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Resp {
        self.post_with(path, form, &[])
    }

    pub fn post_with(
        &mut self,
        path: &str,
        form: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> Resp {
        let mut req = self
            .agent
            .post(&format!("{}{path}", self.base))
            .set("cookie", &self.cookie_header());
        for (k, v) in headers {
            req = req.set(k, v);
        }
        let res = req.send_form(form);
        self.finish(res)
    }

    /// Sign in through the real form; returns the answer to the POST.
    pub fn sign_in(&mut self, login: &str, password: &str) -> Resp {
        let page = self.get("/connexion/");
        let csrf = page.csrf();
        self.post(
            "/connexion/",
            &[
                ("csrf", &csrf),
                ("login", login),
                ("password", password),
                ("next", ""),
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

//! Production behind a real nginx with a self-signed certificate (deploy/nginx.conf's
//! proxy settings): signing in works over HTTPS, the cookies are `Secure` and `__Host-`,
//! the audit log has the visitor's address and not the proxy's, and a visitor who reaches
//! `preau serve` directly in plain HTTP is refused. The visitor is curl, sending from
//! 127.1.2.3 (all of 127.0.0.0/8 is loopback on Linux), in another /24 than the proxy's
//! 127.0.0.1, since the audit log keeps /24 networks.
//! Needs nginx, openssl and curl (scripts/install-deps.sh installs them).

mod support;
use support::scenarios::{self, PASSWORD};
use support::site::{copy_dir, free_port, theme};

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const VISITOR: &str = "127.1.2.3";

struct Killed(Child);
impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn have(tool: &str) -> bool {
    Command::new(tool)
        .arg(if tool == "nginx" { "-v" } else { "--version" })
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

fn wait_port(port: u16, child: &mut Child, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Ok(Some(s)) = child.try_wait() {
            panic!("{what} exited ({s})");
        }
        assert!(Instant::now() < deadline, "{what} did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// curl from the visitor's address; returns (status, headers, body).
fn curl(jar: &Path, args: &[&str]) -> (u16, String, String) {
    let out = Command::new("curl")
        .args([
            "-sS",
            "-k",
            "--interface",
            VISITOR,
            "-D",
            "-",
            "-o",
            "-",
            "-w",
            "\n%{http_code}",
        ])
        .arg("-b")
        .arg(jar)
        .arg("-c")
        .arg(jar)
        .args(args)
        .output()
        .expect("curl");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (rest, code) = text.rsplit_once('\n').unwrap_or((&text, "0"));
    let (head, body) = rest.split_once("\r\n\r\n").unwrap_or((rest, ""));
    (
        code.trim().parse().unwrap_or(0),
        head.to_string(),
        body.to_string(),
    )
}

#[test]
fn behind_nginx_over_https() {
    let missing: Vec<_> = ["nginx", "openssl", "curl"]
        .into_iter()
        .filter(|t| !have(t))
        .collect();
    if !missing.is_empty() {
        assert!(
            std::env::var_os("CI").is_none(),
            "missing in CI: {missing:?} (scripts/install-deps.sh)"
        );
        eprintln!("skipped: {missing:?} not installed (scripts/install-deps.sh)");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let status = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=ent.test",
        ])
        .arg("-keyout")
        .arg(d.join("key.pem"))
        .arg("-out")
        .arg(d.join("cert.pem"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("openssl");
    assert!(status.success());

    copy_dir(&scenarios::fixture(), &d.join("content"));
    let data = d.join("data");
    let add = Command::new(env!("CARGO_BIN_EXE_preau"))
        .args([
            "accounts",
            "add",
            "proxy.parent",
            "--role",
            "parent",
            "--scope",
            scenarios::CLASS,
            "--password-stdin",
            "--quiet",
            "--data",
        ])
        .arg(&data)
        .stdin(Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write as _;
            c.stdin
                .take()
                .expect("stdin")
                .write_all(format!("{PASSWORD}\n").as_bytes())?;
            c.wait()
        })
        .expect("accounts add");
    assert!(add.success());

    let up = free_port();
    let mut serve = Command::new(env!("CARGO_BIN_EXE_preau"));
    serve
        .args([
            "serve",
            "--no-watch",
            "--no-reload",
            "--quiet",
            "--behind-https-proxy",
            "--trusted-proxy",
            "127.0.0.1",
            "--addr",
        ])
        .arg(format!("127.0.0.1:{up}"))
        .arg("--content")
        .arg(d.join("content"))
        .arg("--theme")
        .arg(theme())
        .arg("--output")
        .arg(d.join("public"))
        .arg("--data")
        .arg(&data)
        .stdin(Stdio::null())
        .stdout(Stdio::null());
    let mut server = Killed(serve.spawn().expect("preau serve"));
    wait_port(up, &mut server.0, "preau serve");

    let tls = free_port();
    let conf = format!(
        "daemon off;\nworker_processes 1;\npid {d}/nginx.pid;\nerror_log {d}/error.log;\n\
         events {{ worker_connections 64; }}\n\
         http {{\n  access_log off;\n  client_body_temp_path {d}/body;\n  proxy_temp_path {d}/proxy;\n\
           fastcgi_temp_path {d}/fcgi;\n  uwsgi_temp_path {d}/uwsgi;\n  scgi_temp_path {d}/scgi;\n\
           server {{\n    listen 127.0.0.1:{tls} ssl;\n    server_name ent.test;\n\
             ssl_certificate {d}/cert.pem;\n    ssl_certificate_key {d}/key.pem;\n\
             client_max_body_size 70m;\n\
             location / {{\n      proxy_pass http://127.0.0.1:{up};\n      proxy_set_header Host $http_host;\n\
               proxy_set_header X-Forwarded-For $remote_addr;\n      proxy_set_header X-Forwarded-Proto https;\n    }}\n  }}\n}}\n",
        d = d.display()
    );
    // As deploy/nginx.conf, with `$http_host` for `$host`: here the port is not 443, and the
    // edge compares the browser's Origin with the Host it is given.
    std::fs::write(d.join("nginx.conf"), conf).unwrap();
    let mut nginx = Killed(
        Command::new("nginx")
            .arg("-p")
            .arg(d)
            .arg("-c")
            .arg(d.join("nginx.conf"))
            .args(["-e", "stderr"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .spawn()
            .expect("nginx"),
    );
    wait_port(tls, &mut nginx.0, "nginx");

    let jar = d.join("cookies.txt");
    let base = format!("https://127.0.0.1:{tls}");
    let (code, head, page) = curl(&jar, &[&format!("{base}/connexion/")]);
    assert_eq!(code, 200, "{head}\n{page}");
    assert!(
        head.to_ascii_lowercase()
            .contains("strict-transport-security"),
        "HSTS over HTTPS: {head}"
    );
    let csrf_cookie = head
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("set-cookie:") && l.contains("csrf"))
        .unwrap_or_else(|| panic!("no anti-forgery cookie: {head}"));
    assert!(
        csrf_cookie.contains("__Host-") && csrf_cookie.contains("Secure"),
        "{csrf_cookie}"
    );
    let csrf = support::client::input_value(&page, "csrf");
    let (code, head, body) = curl(
        &jar,
        &[
            "--data-urlencode",
            &format!("csrf={csrf}"),
            "--data-urlencode",
            "login=proxy.parent",
            "--data-urlencode",
            &format!("password={PASSWORD}"),
            "--data-urlencode",
            "next=",
            "-H",
            &format!("Origin: {base}"),
            &format!("{base}/connexion/"),
        ],
    );
    assert_eq!(code, 303, "sign-in over HTTPS: {head}\n{body}");
    let session = head
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("set-cookie:") && l.contains("session"))
        .unwrap_or_else(|| panic!("no session cookie: {head}"));
    for part in ["__Host-", "Secure", "HttpOnly", "Path=/"] {
        assert!(session.contains(part), "{part} missing: {session}");
    }
    assert!(!session.contains("Domain="), "{session}");
    // The session works through the proxy.
    let (code, _, space) = curl(&jar, &[&format!("{base}/espace/")]);
    assert!(code == 200 || code == 303, "{code} {space}");

    // The audit log: the visitor's network, never the proxy's.
    let out = Command::new(env!("CARGO_BIN_EXE_preau"))
        .args(["audit", "export", "--data"])
        .arg(&data)
        .output()
        .expect("audit export");
    let log = String::from_utf8_lossy(&out.stdout);
    let signin: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("proxy.parent") && !l.contains(",cli,"))
        .collect();
    assert!(!signin.is_empty(), "{log}");
    eprintln!("audit through the proxy: {signin:?}");
    for line in &signin {
        assert!(
            line.contains("127.1.2.0/24"),
            "visitor's address expected: {line}"
        );
        assert!(
            !line.contains("127.0.0.0/24"),
            "proxy's address logged: {line}"
        );
    }

    // Straight to preau serve in plain HTTP, from anywhere but the proxy: refused.
    let (code, _, body) = curl(&jar, &[&format!("http://127.0.0.1:{up}/connexion/")]);
    assert_eq!(code, 403, "{body}");
    assert!(body.contains("proxy HTTPS"), "{body}");
    // And a server that would listen outside loopback in plain HTTP does not start.
    let out = Command::new(env!("CARGO_BIN_EXE_preau"))
        .args([
            "serve",
            "--no-watch",
            "--quiet",
            "--addr",
            "0.0.0.0:0",
            "--content",
        ])
        .arg(d.join("content"))
        .arg("--theme")
        .arg(theme())
        .arg("--output")
        .arg(d.join("public2"))
        .arg("--data")
        .arg(d.join("data2"))
        .stdin(Stdio::null())
        .output()
        .expect("serve 0.0.0.0");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("en HTTP simple"));
    // Monitoring through the proxy.
    let (code, _, body) = curl(&jar, &[&format!("{base}/_preau/sante")]);
    assert_eq!((code, body.as_str()), (200, "ok\n"));
}

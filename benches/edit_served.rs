//! Edit → served in `preau serve`, measured from outside as a teacher saving a file would
//! see it: on the 10,000-post synthetic town of `benches/build.rs`, the time from writing
//! a post's file to the first HTTP answer that contains the change, polled every 5 ms by a
//! signed-in parent of the class. Two kinds of edit, alternating: a body edit (a paragraph
//! added; polled on the post's page) and a title edit (polled on the class list, which
//! shows the title; the tag pages and the feeds are rebuilt in the same rebuild).
//! Also read from the server's log: the in-process rebuild time of each edit, so that what
//! the watcher and the reload add shows.
//!
//! Run with `cargo bench --bench edit_served`. Environment: `PREAU_BENCH_POSTS` (10000),
//! `PREAU_BENCH_RUNS` (edits of each kind, 9), `PREAU_BENCH_REFERENCE_BIN=<path>` to
//! measure another `preau` binary in the same run (e.g. one built from an older commit)
//! as the reference.

#[path = "../tests/support/mod.rs"]
mod support;

#[allow(dead_code)]
#[path = "build.rs"]
mod build_bench;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::client::Browser;
use support::site::free_port;

const TARGET: Duration = Duration::from_millis(50);
/// Measured by the issue (14, item 5) before this benchmark existed, same method.
const OLD_BODY: Duration = Duration::from_millis(169);
const OLD_TITLE: Duration = Duration::from_millis(181);
const POLL: Duration = Duration::from_millis(5);
const PASSWORD: &str = "tortue-lampe-orage-cerise-71";
const LOGIN: &str = "banc.parent";
const CLASS_DIR: &str = "ecoles/ecole-00/classes/cp";

struct Server {
    child: Child,
    base: String,
    /// In-process rebuild times the server logged ("Reconstruction … en N ms.").
    rebuilds: Arc<Mutex<Vec<u64>>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn run(bin: &Path, dir: &Path, args: &[&str], stdin: Option<&str>) {
    let mut child = Command::new(bin)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run preau");
    if let Some(s) = stdin {
        let _ = child.stdin.take().expect("stdin").write_all(s.as_bytes());
    }
    let out = child.wait_with_output().expect("wait");
    assert!(
        out.status.success(),
        "preau {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn start(bin: &Path, dir: &Path, tag: &str) -> Server {
    let data = dir.join(format!("data-{tag}"));
    let public = dir.join(format!("public-{tag}"));
    let _ = std::fs::remove_dir_all(&public);
    let _ = std::fs::remove_dir_all(&data);
    let s = |p: &Path| p.to_string_lossy().into_owned();
    run(
        bin,
        dir,
        &[
            "accounts",
            "add",
            LOGIN,
            "--role",
            "parent",
            "--scope",
            "ecole-00/cp",
            "--password-stdin",
            "--data",
            &s(&data),
            "--quiet",
        ],
        Some(PASSWORD),
    );
    let port = free_port();
    let mut child = Command::new(bin)
        .args(["serve", "--no-reload"])
        .arg("--content")
        .arg(dir.join("content"))
        .arg("--output")
        .arg(&public)
        .arg("--data")
        .arg(&data)
        .arg("--addr")
        .arg(format!("127.0.0.1:{port}"))
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start preau serve");
    let rebuilds: Arc<Mutex<Vec<u64>>> = Arc::default();
    let log = rebuilds.clone();
    let stderr = child.stderr.take().expect("stderr");
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(ms) = line
                .strip_prefix("Reconstruction ")
                .and_then(|l| l.split(" en ").nth(1))
                .and_then(|l| l.strip_suffix(" ms."))
                .and_then(|n| n.parse().ok())
            {
                log.lock().expect("log").push(ms);
            } else if line.contains("erreur")
                || (line.starts_with("  ") && std::env::var_os("PREAU_TIMINGS").is_some())
            {
                eprintln!("  serveur : {line}");
            }
        }
    });
    let mut server = Server {
        child,
        base: format!("http://127.0.0.1:{port}"),
        rebuilds,
    };
    let deadline = Instant::now() + Duration::from_secs(300);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Ok(Some(status)) = server.child.try_wait() {
            panic!("preau serve exited ({status})");
        }
        assert!(Instant::now() < deadline, "preau serve did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    server
}

/// The newest `.md` post of the class (on the first page of its list) and its address.
fn newest_post(content: &Path) -> (PathBuf, String) {
    let mut names: Vec<String> = std::fs::read_dir(content.join(CLASS_DIR))
        .expect("class folder")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("20") && n.ends_with(".md"))
        .collect();
    names.sort();
    let name = names.pop().expect("a post");
    let slug = name.trim_end_matches(".md")[11..].to_string();
    (
        content.join(CLASS_DIR).join(&name),
        format!("/{CLASS_DIR}/{slug}/"),
    )
}

/// Write `text` into `file`, then poll `url` every 5 ms until an answer contains
/// `marker`; the time from the write.
fn edit_and_poll(
    browser: &mut Browser,
    file: &Path,
    text: &str,
    url: &str,
    marker: &str,
) -> Duration {
    let start = Instant::now();
    std::fs::write(file, text).expect("write the post");
    loop {
        let asked = Instant::now();
        let r = browser.get(url);
        if r.status == 200 && r.body.contains(marker) {
            return start.elapsed();
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "{url} never showed « {marker} » (status {})",
            r.status
        );
        if let Some(rest) = POLL.checked_sub(asked.elapsed()) {
            std::thread::sleep(rest);
        }
    }
}

struct Measured {
    body: Vec<Duration>,
    title: Vec<Duration>,
    rebuilds: Vec<u64>,
}

fn measure(bin: &Path, dir: &Path, tag: &str, runs: usize) -> Measured {
    let server = start(bin, dir, tag);
    let mut browser = Browser::new(&server.base);
    let r = browser.sign_in(LOGIN, PASSWORD);
    assert_eq!(r.status, 303, "sign-in: {}", r.body);
    browser.accept_charter();
    let (file, url) = newest_post(&dir.join("content"));
    let class_url = format!("/{CLASS_DIR}/");
    let first = browser.get(&url);
    assert_eq!(first.status, 200, "{url}: {}", first.body);
    let (mut body, mut title) = (Vec::new(), Vec::new());
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    for run in 0..runs {
        let source = std::fs::read_to_string(&file).expect("read the post");
        let marker = format!("Marqueur{tag}{stamp}x{run}");
        let text = format!("{source}\nUn paragraphe ajouté : {marker}.\n");
        body.push(edit_and_poll(&mut browser, &file, &text, &url, &marker));
        // Let the watcher go quiet: the next edit is a new save, not the same burst.
        std::thread::sleep(Duration::from_millis(300));
        let source = std::fs::read_to_string(&file).expect("read the post");
        let marker = format!("Titre{tag}{stamp}x{run}");
        let text: String = source
            .lines()
            .map(|l| {
                if l.starts_with("title = ") {
                    format!("title = \"Sortie {marker}\"")
                } else {
                    l.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
            + "\n";
        title.push(edit_and_poll(
            &mut browser,
            &file,
            &text,
            &class_url,
            &marker,
        ));
        std::thread::sleep(Duration::from_millis(300));
    }
    let rebuilds = server.rebuilds.lock().expect("log").clone();
    Measured {
        body,
        title,
        rebuilds,
    }
}

fn pct(v: &[Duration], p: f64) -> Duration {
    let mut v = v.to_vec();
    v.sort();
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v[i.min(v.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

fn main() {
    let posts: usize = std::env::var("PREAU_BENCH_POSTS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000);
    let runs: usize = std::env::var("PREAU_BENCH_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(9)
        .max(1);
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    build_bench::corpus::write(&dir.join("content"), posts);
    let mut bins = vec![("this", PathBuf::from(env!("CARGO_BIN_EXE_preau")))];
    if let Ok(reference) = std::env::var("PREAU_BENCH_REFERENCE_BIN") {
        bins.push(("reference", PathBuf::from(reference)));
    }
    println!(
        "Préau edit → served: {posts} posts, {runs} edits of each kind, polled every {} ms; load {}",
        POLL.as_millis(),
        load()
    );
    let mut results = Vec::new();
    for (tag, bin) in &bins {
        let r = measure(bin, dir, tag, runs);
        results.push((*tag, r));
    }
    println!(
        "{:<10} {:<6} {:>10} {:>10} {:>10} {:>12} {:>12}",
        "binary", "edit", "median", "p90", "max", "/ target", "/ old figure"
    );
    for (tag, r) in &results {
        for (kind, v, old) in [("body", &r.body, OLD_BODY), ("title", &r.title, OLD_TITLE)] {
            let med = pct(v, 0.5);
            println!(
                "{tag:<10} {kind:<6} {:>10} {:>10} {:>10} {:>12.2} {:>12.2}",
                ms(med),
                ms(pct(v, 0.9)),
                ms(pct(v, 1.0)),
                med.as_secs_f64() / TARGET.as_secs_f64(),
                med.as_secs_f64() / old.as_secs_f64()
            );
        }
        let mut rb = r.rebuilds.clone();
        rb.sort();
        if !rb.is_empty() {
            println!(
                "{tag:<10} in-process rebuilds logged: {} (median {} ms, max {} ms)",
                rb.len(),
                rb[rb.len() / 2],
                rb[rb.len() - 1]
            );
        }
    }
    if let [(_, this), (_, reference)] = &results[..] {
        println!(
            "this / reference (medians): body {:.2}, title {:.2}",
            pct(&this.body, 0.5).as_secs_f64() / pct(&reference.body, 0.5).as_secs_f64(),
            pct(&this.title, 0.5).as_secs_f64() / pct(&reference.title, 0.5).as_secs_f64()
        );
    }
    println!(
        "target {} median for each kind; old figures {} (body), {} (title); load {}",
        ms(TARGET),
        ms(OLD_BODY),
        ms(OLD_TITLE),
        load()
    );
}

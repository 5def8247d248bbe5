//! The CPU time a request costs the Worker, measured under `wrangler dev` (workerd, local
//! D1): the CPU that workerd's processes used (utime + stime from /proc, 10 ms ticks)
//! during N identical requests, divided by N. Three kinds, in the same run:
//! - the reference: a public page (the Worker runs first on every path, checks the manifest
//!   and hands the file over from the static assets);
//! - a gated class page for a signed-in parent (session lookup in D1, charter, scope);
//! - a sign-in (the form, then the POST that verifies the password), minus one public page.
//!
//! This is an upper bound of what Cloudflare bills: workerd here also parses HTTP, runs the
//! local D1 (SQLite) in the same process and the dev proxy; on Cloudflare only the isolate's
//! own CPU counts. `preau cost` takes its defaults from this benchmark.
//! Run with `cargo bench --bench worker_cpu` (needs `bash scripts/install-deps.sh`).

#[path = "../tests/support/mod.rs"]
mod support;

use support::client::Browser;
use support::scenarios::{self, CLASS_URL, PASSWORD};
use support::site::{build_ok, run_preau};
use support::worker::WorkerServer;

const LOGIN: &str = "banc.cpu";
const PAGES: usize = 400;
const SIGNINS: usize = 40;

/// CPU seconds used so far by the processes of `group`, as (workerd, the others: node).
fn cpu(group: u32) -> (f64, f64) {
    let tick = 100.0; // USER_HZ on Linux
    let (mut workerd, mut other) = (0.0, 0.0);
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return (0.0, 0.0);
    };
    for e in dir.flatten() {
        let Ok(stat) = std::fs::read_to_string(e.path().join("stat")) else {
            continue;
        };
        // `pid (comm) state ppid pgrp …`: comm may hold spaces, so split after the ')'.
        let Some((head, rest)) = stat.rsplit_once(')') else {
            continue;
        };
        let f: Vec<&str> = rest.split_whitespace().collect();
        if f.len() < 13 || f[2].parse::<u32>().ok() != Some(group) {
            continue;
        }
        let used =
            (f[11].parse::<f64>().unwrap_or(0.0) + f[12].parse::<f64>().unwrap_or(0.0)) / tick;
        if head.contains("(workerd") {
            workerd += used;
        } else {
            other += used;
        }
    }
    (workerd, other)
}

/// CPU milliseconds per run of `f`, over `n` runs (workerd, node).
fn per_request(group: u32, n: usize, mut f: impl FnMut()) -> (f64, f64) {
    let before = cpu(group);
    for _ in 0..n {
        f();
    }
    let after = cpu(group);
    (
        (after.0 - before.0) * 1000.0 / n as f64,
        (after.1 - before.1) * 1000.0 / n as f64,
    )
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let site = dir.path().join("public");
    build_ok(&scenarios::fixture(), &site);
    let worker = WorkerServer::start(&site);
    let group = worker.process_group();
    worker.exec_sql(&run_preau(
        &[
            "accounts",
            "add",
            LOGIN,
            "--role",
            "parent",
            "--scope",
            "ecole-a/ce1",
            "--password-stdin",
            "--sql",
        ],
        Some(PASSWORD),
    ));
    let mut parent = Browser::new(&worker.base_url);
    assert_eq!(parent.sign_in(LOGIN, PASSWORD).status, 303, "sign-in");
    assert_eq!(parent.accept_charter().status, 303, "charter");
    let mut visitor = Browser::new(&worker.base_url);
    // Warm up: the wasm is compiled and the first queries prepared before measuring.
    for _ in 0..20 {
        assert_eq!(visitor.get("/").status, 200);
        assert_eq!(parent.get(CLASS_URL).status, 200);
    }

    let public = per_request(group, PAGES, || {
        assert_eq!(visitor.get("/").status, 200);
    });
    let gated = per_request(group, PAGES, || {
        let r = parent.get(CLASS_URL);
        assert_eq!(r.status, 200, "{}", r.body);
    });
    let signin = per_request(group, SIGNINS, || {
        let mut b = Browser::new(&worker.base_url);
        let r = b.sign_in(LOGIN, PASSWORD);
        assert_eq!(r.status, 303, "{}", r.body);
    });
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "charge de la machine (1, 5, 15 min) : {}",
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
    println!("Temps CPU par requête du Worker sous wrangler dev (workerd ; node du proxy de wrangler à part)");
    let row = |what: &str, n: usize, (w, o): (f64, f64)| {
        println!(
            "  {what:<34} {w:>7.2} ms workerd   {o:>6.2} ms node   ×{:.1} la référence   ({n} requêtes)",
            w / public.0.max(0.01)
        );
    };
    row("page publique (référence)", PAGES, public);
    row("page de classe, parent connecté", PAGES, gated);
    let only_post = (signin.0 - public.0, signin.1 - public.1);
    row("connexion (formulaire + envoi)", SIGNINS, signin);
    row("connexion, envoi seul (estimé)", SIGNINS, only_post);
    println!(
        "Pour preau cost : --cpu-ms-per-request {:.1} --cpu-ms-per-signin {:.0}",
        gated.0, only_post.0
    );
}

//! What inserting comments costs over HTTP, on both deployments in the same run: `preau
//! serve` and the Worker under `wrangler dev` (workerd, local D1), serving the same built
//! site. Two class posts of the same text, one with comments off (the reference: no
//! injection) and one with 0, 10 and 200 approved comments, inserted straight into each
//! deployment's database (the benchmark measures reading, not posting). Median and p90 of
//! 200 sequential requests by one signed-in parent, each on a kept-alive connection.
//! Run with `cargo bench --bench comments_http` (needs what the Worker tests need:
//! `bash scripts/install-deps.sh`).

#[path = "../tests/support/mod.rs"]
mod support;

use preau_edge::native::SqliteDb;
use preau_edge::store::Db;
use preau_edge::testing::block_on;
use std::path::Path;
use std::time::Duration;
use support::client::Browser;
use support::native::NativeServer;
use support::scenarios::{self, PASSWORD};
use support::site::{build_ok, copy_dir, run_preau};
use support::worker::WorkerServer;

const WITH: &str = "/ecoles/ecole-a/classes/ce1/avec-commentaires/";
const WITHOUT: &str = "/ecoles/ecole-a/classes/ce1/sans-commentaires/";
const LOGIN: &str = "banc.parent";
const REQUESTS: usize = 200;
const COUNTS: [usize; 3] = [0, 10, 200];

/// The scenario fixture plus the two posts of the benchmark (same text, ~300 words).
fn content(dir: &Path) -> std::path::PathBuf {
    let content = dir.join("content");
    copy_dir(&scenarios::fixture(), &content);
    let text =
        "Ce matin, les élèves ont observé les saisons dans le jardin de l'école. ".repeat(25);
    let class = content.join("ecoles/ecole-a/classes/ce1");
    for (file, comments) in [
        ("2026-10-20-avec-commentaires.md", ""),
        ("2026-10-20-sans-commentaires.md", "comments = false\n"),
    ] {
        let page = format!("+++\ntitle = \"Les saisons\"\n{comments}+++\n\n{text}\n");
        std::fs::write(class.join(file), page).expect("write post");
    }
    content
}

/// `count` approved comments on the benchmark post, by the benchmark's parent, as SQL that
/// both SQLite and D1 run (replacing what a previous step inserted).
fn comments_sql(count: usize) -> String {
    let mut sql = format!("DELETE FROM comments WHERE page = '{WITH}';\n");
    if count > 0 {
        sql.push_str(&format!(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {count}) \
             INSERT INTO comments (page, scope, author_id, body, status, created_at, updated_at) \
             SELECT '{WITH}', 'ecole-a/ce1', a.id, \
             'Merci pour ces photos, mon fils en parle tous les soirs ! Commentaire ' || n.i, \
             'approved', 1790000000 + n.i, 1790000000 + n.i \
             FROM n, accounts a WHERE a.login = '{LOGIN}';\n"
        ));
    }
    sql
}

struct Timing {
    median: Duration,
    p90: Duration,
}

fn measure(b: &mut Browser, path: &str, expect: Option<usize>) -> Timing {
    let first = b.get(path);
    assert_eq!(first.status, 200, "{path}: {}", first.body);
    if let Some(n) = expect {
        let shown = first.body.matches("Commentaire ").count();
        assert!(shown >= n, "{path}: {shown} comments shown, {n} expected");
    }
    let mut took: Vec<Duration> = (0..REQUESTS)
        .map(|_| {
            let r = b.get(path);
            assert_eq!(r.status, 200);
            r.took
        })
        .collect();
    took.sort();
    Timing {
        median: took[REQUESTS / 2],
        p90: took[REQUESTS * 9 / 10],
    }
}

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

/// Measure one deployment; `run_sql` runs SQL against its database.
fn bench(name: &str, base: &str, run_sql: &dyn Fn(&str)) -> Vec<(String, Timing)> {
    let mut b = Browser::new(base);
    assert_eq!(b.sign_in(LOGIN, PASSWORD).status, 303, "{name}: sign-in");
    assert_eq!(b.accept_charter().status, 303, "{name}: charter");
    let mut rows = vec![("sans injection".to_string(), measure(&mut b, WITHOUT, None))];
    for count in COUNTS {
        run_sql(&comments_sql(count));
        rows.push((
            format!("{count} commentaires"),
            measure(&mut b, WITH, Some(count)),
        ));
    }
    rows
}

fn print(name: &str, rows: &[(String, Timing)]) {
    let reference = us(rows[0].1.median);
    println!("{name}: médiane / p90 sur {REQUESTS} requêtes");
    for (what, t) in rows {
        println!(
            "  {what:<18} {:>8.0} µs / {:>8.0} µs   +{:>7.0} µs   ×{:.2}",
            us(t.median),
            us(t.p90),
            us(t.median) - reference,
            us(t.median) / reference
        );
    }
}

/// `preau accounts add` of the benchmark's parent, with `extra` (`--data …` or `--sql`).
fn add_account<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "accounts",
        "add",
        LOGIN,
        "--role",
        "parent",
        "--scope",
        "ecole-a/ce1",
        "--password-stdin",
    ];
    args.extend_from_slice(extra);
    args
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let content = content(dir.path());

    let native = NativeServer::start_on(&content);
    let data = native.dir.path().join("data");
    run_preau(
        &add_account(&["--data", &data.to_string_lossy()]),
        Some(PASSWORD),
    );
    let db = SqliteDb::open(&data.join("preau.sqlite3"), 1).expect("open the server's SQLite");
    let native_rows = bench("preau serve", &native.base, &|sql| {
        for statement in sql.split(";\n").filter(|s| !s.trim().is_empty()) {
            block_on(db.execute(statement, &[])).expect("SQL");
        }
    });
    drop(native);

    let site = dir.path().join("public");
    build_ok(&content, &site);
    let worker = WorkerServer::start(&site);
    worker.exec_sql(&run_preau(&add_account(&["--sql"]), Some(PASSWORD)));
    let worker_rows = bench("wrangler dev", &worker.base_url, &|sql| {
        worker.exec_sql(sql);
    });

    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "charge de la machine (1, 5, 15 min) : {}",
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
    print("preau serve (SQLite)", &native_rows);
    print("Worker sous wrangler dev (workerd, D1 local)", &worker_rows);
}

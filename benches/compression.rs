//! Compression levels, measured: for every compressible file of a built site (HTML, CSS,
//! JS, SVG, XML, JSON of the demo town `content/`, or of `PREAU_BENCH_CORPUS=<dir>` whose
//! `content/` folder is a corpus such as `PREAU_BENCH_KEEP` of the build bench leaves),
//! the total size and the CPU time (one thread) of Brotli qualities 4–11 (windows of
//! 2^16, 2^18 and 2^22 bytes) and gzip levels 1 and 6–9, against the identity bytes and
//! against Brotli 11 (window 2^22) in the same run. The
//! levels the build uses (`encode::BROTLI_QUALITY`, `encode::GZIP_LEVEL`) and the one
//! `preau serve` uses at request time were chosen from this table.
//!
//! Run with `cargo bench --bench compression`.

use preau_contract::access::{compressible, Manifest, Visibility, MANIFEST_PATH};
use preau_generator::encode;
use preau_generator::{BuildOptions, Generator};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Each level compresses every file this many times; the median run counts.
const RUNS: usize = 3;

fn main() {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let content = match std::env::var("PREAU_BENCH_CORPUS") {
        Ok(dir) => Path::new(&dir).join("content"),
        Err(_) => repo.join("content"),
    };
    let tmp = tempfile::tempdir().expect("temporary folder");
    let out = tmp.path().join("public");
    let opts = BuildOptions {
        content: content.clone(),
        theme: repo.join("themes").join("default"),
        output: out.clone(),
    };
    Generator::new(opts)
        .and_then(|mut g| g.build(&|_, _| {}))
        .unwrap_or_else(|e| panic!("build of {}: {e}", content.display()));
    // The files as the manifest lists them (the copies are not listed), edge-only ones aside.
    let manifest: Manifest = serde_json::from_slice(
        &std::fs::read(out.join(MANIFEST_PATH)).expect("the build writes its manifest"),
    )
    .expect("manifest JSON");
    let mut files: Vec<Vec<u8>> = Vec::new();
    for (path, access) in &manifest.files {
        if access.visibility != Visibility::Internal && compressible(path) {
            let data = std::fs::read(out.join(path)).expect("read a built file");
            if data.len() >= encode::MIN_COMPRESS {
                files.push(data);
            }
        }
    }
    // `PREAU_BENCH_SAMPLE=N` keeps one file in N (a 10,000-post corpus has 13,000 pages).
    let sample: usize = std::env::var("PREAU_BENCH_SAMPLE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1)
        .max(1);
    let files: Vec<Vec<u8>> = files.into_iter().step_by(sample).collect();
    // `PREAU_BENCH_MAX_QUALITY=Q` skips the slow qualities above Q (then the last column
    // compares with the highest quality measured).
    let max_q: u32 = std::env::var("PREAU_BENCH_MAX_QUALITY")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(11)
        .clamp(1, 11);
    let identity: usize = files.iter().map(Vec::len).sum();
    let pages = files.len();
    println!(
        "Compression of {} ({pages} files of {} bytes or more, {} KB in all, {RUNS} runs, median)",
        content.display(),
        encode::MIN_COMPRESS,
        identity / 1024
    );
    let mut rows: Vec<(String, usize, Duration)> = Vec::new();
    // The window matters as much as the quality: with a 64 KiB window (16) the encoder
    // picks, for qualities 5 to 8, a hasher whose tables cost more to set up than the
    // pages take to compress.
    for q in 1..=max_q {
        for window in [16, 18, 22] {
            if q < 4 && window != 18 {
                continue;
            }
            let (size, time) = measure(&files, |d| brotli_window(d, q, window));
            rows.push((format!("br {q} w{window}"), size, time));
        }
        if q <= 6 {
            // The build's encoder: one call with the input's size as a hint.
            let (size, time) = measure(&files, |d| encode::brotli(d, q));
            rows.push((format!("br {q} build"), size, time));
            let (size, time) = measure(&files, |d| brotli_hinted(d, q));
            rows.push((format!("br {q} hint"), size, time));
        }
    }
    for level in [1, 6, 7, 8, 9] {
        let (size, time) = measure(&files, |d| encode::gzip(d, level));
        rows.push((format!("gzip {level}"), size, time));
    }
    let br11 = rows
        .iter()
        .find(|r| r.0 == format!("br {max_q} w{}", if max_q < 4 { 18 } else { 22 }))
        .map(|r| r.1)
        .unwrap_or(1);
    println!(
        "{:<12} {:>10} {:>10} {:>12} {:>12} {:>14}",
        "level", "KB", "/identity", "/br max", "ms (total)", "µs per file"
    );
    for (name, size, time) in &rows {
        println!(
            "{:<12} {:>10} {:>10.3} {:>12.3} {:>12.1} {:>14.1}",
            name,
            size / 1024,
            *size as f64 / identity as f64,
            *size as f64 / br11 as f64,
            time.as_secs_f64() * 1e3,
            time.as_secs_f64() * 1e6 / pages as f64
        );
    }
}

/// Total compressed size and median total time of `f` over all files.
fn measure(files: &[Vec<u8>], f: impl Fn(&[u8]) -> Vec<u8>) -> (usize, Duration) {
    let mut times = Vec::new();
    let mut size = 0;
    for _ in 0..RUNS {
        let start = Instant::now();
        size = files.iter().map(|d| f(d).len()).sum();
        times.push(start.elapsed());
    }
    times.sort();
    (size, times[RUNS / 2])
}

/// Brotli at `quality` with a window of 2^`window` bytes.
fn brotli_window(data: &[u8], quality: u32, window: u32) -> Vec<u8> {
    use std::io::Write;
    let mut out = Vec::with_capacity(data.len() / 3);
    {
        let mut w = brotli::CompressorWriter::new(&mut out, 4096, quality, window);
        w.write_all(data).expect("writing into a Vec");
    }
    out
}

/// Brotli at `quality`, window 2^18, told the input's size beforehand.
fn brotli_hinted(data: &[u8], quality: u32) -> Vec<u8> {
    let mut params = brotli::enc::encode::BrotliEncoderInitParams();
    params.quality = quality as i32;
    params.lgwin = 18;
    params.size_hint = data.len();
    let mut out = Vec::with_capacity(data.len() / 3);
    brotli::BrotliCompress(&mut &data[..], &mut out, &params).expect("writing into a Vec");
    out
}

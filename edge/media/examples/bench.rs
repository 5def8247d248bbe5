//! Time and peak heap of `inspect()` on a 12-megapixel (4000 x 3000) phone-like JPEG,
//! generated here, then on any files given:
//!
//! cargo run --release -p preau-media --example bench [-- path/to/photo.jpg ...]
//!
//! Peak heap is what a Worker (128 MB) must hold besides the input; the breakdown shows
//! whether decoding, resampling or encoding dominates.

#[path = "../tests/inspect/common/mod.rs"]
mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

/// The system allocator, counting bytes in use and their high-water mark.
struct Counting;
static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc(layout);
        if !p.is_null() {
            let now = CURRENT.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout);
        CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static A: Counting = Counting;

fn measure(name: &str, input: &[u8]) {
    let limits = preau_media::Limits::default();
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..5 {
        let base = CURRENT.load(Ordering::Relaxed);
        PEAK.store(base, Ordering::Relaxed);
        let t = Instant::now();
        let r = preau_media::inspect(input, &limits);
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        let peak = PEAK.load(Ordering::Relaxed) - base;
        last = Some((r, peak));
    }
    times.sort_by(|a, b| a.total_cmp(b));
    let (r, peak) = last.unwrap();
    match r {
        Ok(i) => println!(
            "{name}: {} bytes in -> {:?} {}x{} {} bytes, variants {:?}; median {:.1} ms (min {:.1}, max {:.1}); peak heap {:.1} MiB (input not counted)",
            input.len(),
            i.kind,
            i.width.unwrap_or(0),
            i.height.unwrap_or(0),
            i.bytes.len(),
            i.variants
                .iter()
                .map(|v| (v.width, v.height, v.bytes.len()))
                .collect::<Vec<_>>(),
            times[2],
            times[0],
            times[4],
            peak as f64 / 1048576.0
        ),
        Err(e) => println!("{name}: refused {e:?}"),
    }
}

/// Where the time goes: the scaled decode, the resampling and the encoder on their own.
fn breakdown(jpeg: &[u8]) {
    let base = CURRENT.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let t = Instant::now();
    let mut d = jpeg_decoder::Decoder::new(jpeg);
    d.read_info().unwrap();
    let _ = d.scale(1536, 1536);
    let px = d.decode().unwrap();
    let info = d.info().unwrap();
    let decode = t.elapsed().as_secs_f64() * 1000.0;
    let decode_peak = (PEAK.load(Ordering::Relaxed) - base) as f64 / 1048576.0;
    let base = CURRENT.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let t = Instant::now();
    let mut full = jpeg_decoder::Decoder::new(jpeg);
    let _ = full.decode().unwrap();
    let decode_full = t.elapsed().as_secs_f64() * 1000.0;
    let t = Instant::now();
    let mut out = Vec::new();
    let mut e = jpeg_encoder::Encoder::new(&mut out, 82);
    e.set_progressive(true);
    e.set_optimized_huffman_tables(true);
    e.encode(&px, info.width, info.height, jpeg_encoder::ColorType::Rgb)
        .unwrap();
    let encode = t.elapsed().as_secs_f64() * 1000.0;
    let encode_peak = (PEAK.load(Ordering::Relaxed) - base) as f64 / 1048576.0;
    let t = Instant::now();
    let mut out2 = Vec::new();
    let e = jpeg_encoder::Encoder::new(&mut out2, 82);
    e.encode(&px, info.width, info.height, jpeg_encoder::ColorType::Rgb)
        .unwrap();
    let encode_base = t.elapsed().as_secs_f64() * 1000.0;
    println!(
        "  breakdown: decode at 1/2 scale to {}x{} {decode:.1} ms, peak {decode_peak:.1} MiB (full-size decode {decode_full:.1} ms); \
         encode progressive+optimised {encode:.1} ms, peak {encode_peak:.1} MiB ({} B), baseline {encode_base:.1} ms ({} B)",
        info.width,
        info.height,
        out.len(),
        out2.len()
    );
}

fn main() {
    let (w, h) = (4000u32, 3000u32);
    let rgb = common::photo_rgb(w, h);
    let jpeg = common::with_metadata(&common::plain_jpeg(w as u16, h as u16, &rgb, 90), 6);
    drop(rgb);
    measure("generated 4000x3000 JPEG q90 (orientation 6)", &jpeg);
    breakdown(&jpeg);
    for path in std::env::args().skip(1) {
        match std::fs::read(&path) {
            Ok(b) => {
                measure(&path, &b);
                if b.starts_with(&[0xFF, 0xD8]) {
                    breakdown(&b);
                }
            }
            Err(e) => println!("{path}: {e}"),
        }
    }
}

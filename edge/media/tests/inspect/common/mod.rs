//! Test fixtures, all generated here: images with every kind of metadata a phone or an
//! editor writes, PDFs with metadata and active content, and hostile files. This module
//! holds the markers to look for and the pixels; one module per format builds the files.
// The benchmark example uses a few of these fixtures: the rest would warn there.
#![allow(dead_code, unused_imports)]

mod jpeg;
mod pdf;
mod pictures;

pub use jpeg::*;
pub use pdf::*;
pub use pictures::*;

/// Strings planted in the metadata of the fixtures; none may survive inspection.
pub const MARKERS: &[&[u8]] = &[
    b"MarkerCameraMake",
    b"MarkerCameraModel",
    b"MarkerGpsArea",
    b"MarkerIptcAuthor",
    b"MarkerIccProfile",
    b"MarkerXmpCreator",
    b"MarkerJpegComment",
    b"MarkerPngAuthor",
    b"MarkerPngGps",
    b"MarkerPngZtxt",
    b"MarkerGifComment",
    b"MarkerPdfAuthor",
    b"MarkerPdfProducer",
    b"MarkerPdfXmp",
    b"MarkerWebpExif",
    b"MarkerAppended",
];

/// Generic metadata signatures that must not appear in any stored file either.
pub const SIGNATURES: &[&[u8]] = &[
    b"Exif",
    b"GPS",
    b"tEXt",
    b"iTXt",
    b"zTXt",
    b"eXIf",
    b"iCCP",
    b"XML:com.adobe.xmp",
    b"<x:xmpmeta",
    b"http://ns.adobe.com/xap",
    b"Photoshop 3.0",
    b"8BIM",
    b"ICC_PROFILE",
    b"/Author",
    b"/Info",
    b"/Producer",
    b"/Metadata",
    b"<script",
];

/// Panics with the name of the first marker or signature found in `bytes`.
pub fn assert_clean(what: &str, bytes: &[u8]) {
    for m in MARKERS.iter().chain(SIGNATURES) {
        assert!(
            !contains(bytes, m),
            "{what}: found {:?} in the stored file",
            String::from_utf8_lossy(m)
        );
    }
}

pub fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// A deterministic pseudo-random generator (xorshift64*).
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

// ---------------------------------------------------------------------------------------
// Pixels

/// RGB test picture: left half red, right half blue, with a gradient and some noise so
/// it compresses like a photo.
pub fn two_halves_rgb(w: u32, h: u32) -> Vec<u8> {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut v = Vec::with_capacity((w * h * 3) as usize);
    for y in 0..h {
        for x in 0..w {
            let n = (rng.next() % 16) as u8;
            let g = ((y * 64) / h.max(1)) as u8;
            if x < w / 2 {
                v.extend_from_slice(&[220 + n / 2, g + n, 20 + n]);
            } else {
                v.extend_from_slice(&[20 + n, g + n, 220 + n / 2]);
            }
        }
    }
    v
}

/// A photo-like picture (smooth gradients plus noise), for the benchmark.
pub fn photo_rgb(w: u32, h: u32) -> Vec<u8> {
    let mut rng = Rng(42);
    let mut v = Vec::with_capacity((w as usize) * (h as usize) * 3);
    for y in 0..h {
        for x in 0..w {
            let n = (rng.next() % 24) as u32;
            let r = (x * 255 / w.max(1) + n) as u8;
            let g = (y * 255 / h.max(1) + n) as u8;
            let b = (((x + y) * 128 / (w + h).max(1)) + n + 60) as u8;
            v.extend_from_slice(&[r, g, b]);
        }
    }
    v
}

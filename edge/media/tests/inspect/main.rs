//! Inspection of uploads: accepted files come back clean with their variants, hostile ones
//! are refused, and no input makes the inspector panic. One test binary, one module per
//! theme; the fixtures are in `common`.

mod common;
mod images;
mod pdf;
mod refusals;
mod robustness;
mod variants;

use common::*;
use preau_media::{inspect, Inspected, Kind, Limits, Refusal};

fn limits() -> Limits {
    Limits::default()
}

/// Small limits so that the test images exercise downscaling and variants.
fn small_limits() -> Limits {
    Limits {
        max_side: 40,
        variant_widths: vec![16],
        ..Limits::default()
    }
}

fn refusal(bytes: &[u8]) -> Refusal {
    match inspect(bytes, &limits()) {
        Ok(i) => panic!("accepted as {:?}", i.kind),
        Err(r) => r,
    }
}

/// Asserts an accepted image and each of its variants has no metadata left, decodes
/// again as the same kind, and respects the limits.
fn check_stored_image(what: &str, i: &Inspected, l: &Limits) {
    let (w, h) = (i.width.unwrap(), i.height.unwrap());
    assert!(
        w.max(h) <= l.max_side,
        "{what}: {w}x{h} over {}",
        l.max_side
    );
    assert_eq!(i.mime, i.kind.mime());
    assert_eq!(i.extension, i.kind.extension());
    check_clean_file(what, i.kind, &i.bytes);
    // The stored file is itself accepted, with the same dimensions.
    let again =
        inspect(&i.bytes, l).unwrap_or_else(|r| panic!("{what}: stored file refused: {r:?}"));
    assert_eq!((again.width, again.height), (i.width, i.height), "{what}");
    let mut previous = 0;
    for v in &i.variants {
        let what = format!("{what} variant {}", v.width);
        assert!(v.width > previous && v.width < w, "{what}: width");
        previous = v.width;
        assert!(l.variant_widths.contains(&v.width), "{what}: not requested");
        check_clean_file(&what, i.kind, &v.bytes);
        let back = inspect(&v.bytes, l).unwrap_or_else(|r| panic!("{what}: refused: {r:?}"));
        assert_eq!(back.kind, i.kind, "{what}: kind");
        assert_eq!(
            (back.width, back.height),
            (Some(v.width), Some(v.height)),
            "{what}: dimensions"
        );
    }
}

/// No marker, no metadata signature; for JPEG no APPn segment but JFIF and no comment,
/// for PNG only the critical chunks.
fn check_clean_file(what: &str, kind: Kind, bytes: &[u8]) {
    assert_clean(what, bytes);
    match kind {
        Kind::Jpeg => {
            for (marker, _) in jpeg_segments(bytes) {
                assert!(
                    marker == 0xE0 || !(0xE1..=0xEF).contains(&marker) && marker != 0xFE,
                    "{what}: segment FF{marker:02X} kept"
                );
            }
        }
        Kind::Png => {
            let mut at = 8;
            while at + 8 <= bytes.len() {
                let len = u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
                let chunk = &bytes[at + 4..at + 8];
                assert!(
                    [&b"IHDR"[..], b"IDAT", b"IEND"].contains(&chunk),
                    "{what}: chunk {:?} kept",
                    String::from_utf8_lossy(chunk)
                );
                at += 12 + len;
            }
        }
        _ => {}
    }
}

//! Refused files get the right reason, and each reason its own stable key.

use super::*;
use preau_media::PdfActiveContent;

#[test]
fn hostile_corpus_is_refused_with_the_right_reason() {
    let mut truncated = phone_jpeg();
    truncated.truncate(truncated.len() * 2 / 3);
    let mut truncated_png = png_with_text(60, 30, false, 1);
    truncated_png.truncate(truncated_png.len() - 40);
    let over = vec![0u8; limits().max_bytes + 1];
    let cases: Vec<(&str, Vec<u8>, Refusal)> = vec![
        ("empty", Vec::new(), Refusal::Empty),
        ("over the size limit", over, Refusal::TooLarge),
        (
            "HTML renamed .jpg",
            b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>".to_vec(),
            Refusal::UnknownType,
        ),
        (
            "SVG with a script, named .jpg",
            b"<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>".to_vec(),
            Refusal::UnknownType,
        ),
        (
            "SVG with leading spaces",
            b"   <svg onload=\"alert(1)\"/>".to_vec(),
            Refusal::UnknownType,
        ),
        (
            "GIF header followed by HTML",
            b"GIF89a\x01\0\x01\0<html><script>alert(1)</script></html>".to_vec(),
            Refusal::Undecodable,
        ),
        (
            // The HTML is read as the logical screen size (`<h` x `tm`): refused before
            // anything is decoded.
            "GIF magic then HTML",
            b"GIF89a<html><script>alert(1)</script></html>".to_vec(),
            Refusal::TooManyPixels {
                width: 26684,
                height: 28020,
            },
        ),
        (
            "PDF header followed by HTML",
            b"%PDF-1.4\n<html><script>alert(1)</script></html>".to_vec(),
            Refusal::Undecodable,
        ),
        ("ZIP", b"PK\x03\x04\x14\0\0\0\x08\0rest of a zip".to_vec(), Refusal::UnknownType),
        ("ELF", b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0".to_vec(), Refusal::UnknownType),
        ("Windows program", b"MZ\x90\0\x03\0\0\0".to_vec(), Refusal::UnknownType),
        (
            "HEIC",
            b"\0\0\0\x18ftypheic\0\0\0\0mif1heic".to_vec(),
            Refusal::UnsupportedImage,
        ),
        ("TIFF", b"II*\0\x08\0\0\0".to_vec(), Refusal::UnsupportedImage),
        ("MP4 video", b"\0\0\0\x18ftypmp42\0\0\0\0isom".to_vec(), Refusal::UnknownType),
        ("truncated JPEG", truncated, Refusal::Undecodable),
        ("truncated PNG", truncated_png, Refusal::Undecodable),
        (
            "PNG bomb 100000 x 100000",
            png_bomb(100_000, 100_000),
            Refusal::TooManyPixels {
                width: 100_000,
                height: 100_000,
            },
        ),
        (
            "PNG 30000 x 30000",
            png_bomb(30_000, 30_000),
            Refusal::TooManyPixels {
                width: 30_000,
                height: 30_000,
            },
        ),
        (
            "PNG 100000 x 1",
            png_bomb(100_000, 1),
            Refusal::TooManyPixels {
                width: 100_000,
                height: 1,
            },
        ),
        (
            "JPEG bomb 65000 x 65000",
            jpeg_bomb(65_000, 65_000),
            Refusal::TooManyPixels {
                width: 65_000,
                height: 65_000,
            },
        ),
        (
            "GIF bomb 65535 x 65535",
            gif_bomb(65_535, 65_535),
            Refusal::TooManyPixels {
                width: 65_535,
                height: 65_535,
            },
        ),
        (
            "WebP bomb 16384 x 16384",
            webp_bomb(16_384, 16_384),
            Refusal::TooManyPixels {
                width: 16_384,
                height: 16_384,
            },
        ),
    ];
    for (what, input, expected) in cases {
        assert_eq!(inspect(&input, &limits()).err(), Some(expected), "{what}");
    }
}

#[test]
fn every_refusal_has_a_distinct_stable_key() {
    let all = [
        Refusal::Empty,
        Refusal::TooLarge,
        Refusal::UnknownType,
        Refusal::UnsupportedImage,
        Refusal::TooManyPixels {
            width: 1,
            height: 1,
        },
        Refusal::AnimationTooLarge,
        Refusal::Undecodable,
        Refusal::PdfActive(PdfActiveContent::JavaScript),
        Refusal::PdfEncrypted,
        Refusal::EncodingFailed,
    ];
    let mut keys: Vec<&str> = all.iter().map(|r| r.key()).collect();
    assert!(keys.iter().all(|k| k.starts_with("upload_")));
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), all.len());
}

#[test]
fn worker_limits_cap_decoded_memory_before_decoding() {
    let w = Limits::worker();
    // A 12-megapixel baseline JPEG decodes at 1/2 scale: fine.
    assert!(
        inspect(&jpeg_bomb(4000, 3000), &w).err()
            != Some(Refusal::TooManyPixels {
                width: 4000,
                height: 3000
            })
    );
    // A 12-megapixel RGBA PNG would take 48 MB decoded: refused on the Worker only.
    let png = png_bomb(4000, 3000);
    assert_eq!(
        inspect(&png, &w).err(),
        Some(Refusal::TooManyPixels {
            width: 4000,
            height: 3000
        })
    );
    assert_ne!(
        inspect(&png, &limits()).err(),
        Some(Refusal::TooManyPixels {
            width: 4000,
            height: 3000
        })
    );
    // A progressive 40-megapixel JPEG keeps 120 MB of coefficients: refused there too.
    let mut progressive = jpeg_bomb(7300, 5470);
    let sof = progressive
        .windows(2)
        .position(|m| m == [0xFF, 0xC0])
        .unwrap();
    progressive[sof + 1] = 0xC2;
    assert_eq!(
        inspect(&progressive, &w).err(),
        Some(Refusal::TooManyPixels {
            width: 7300,
            height: 5470
        })
    );
}

#[test]
fn animated_gif_over_the_frame_budget_is_refused() {
    let input = gif_with_comment(24, 18);
    let l = Limits {
        max_pixels: 24 * 18 * 2,
        ..Limits::default()
    };
    assert_eq!(inspect(&input, &l).err(), Some(Refusal::AnimationTooLarge));
}

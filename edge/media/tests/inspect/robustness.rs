//! No input makes the inspector panic, and whatever it accepts is clean.

use super::*;

/// Every valid fixture, then damaged: truncated at many lengths, bytes flipped, random
/// bytes behind each magic number. Inspection may refuse, never panic, and whatever it
/// accepts is clean.
#[test]
fn no_panic_on_damaged_or_random_input() {
    let mut fixtures: Vec<Vec<u8>> = vec![
        phone_jpeg(),
        png_with_text(20, 10, true, 6),
        gif_with_comment(12, 8),
        apng(12, 8),
        webp_with_exif(12, 8, false),
        webp_with_exif(12, 8, true),
        pdf_with_metadata(),
        pdf_with_object_stream(),
        jpeg_bomb(300, 200),
    ];
    // More seeds for a longer run: every file under $FUZZ_DIR (real photos and PDFs, say)
    // smaller than 400 kB.
    if let Ok(dir) = std::env::var("FUZZ_DIR") {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            if let Ok(b) = std::fs::read(entry.path()) {
                if b.len() < 400_000 {
                    fixtures.push(b);
                }
            }
        }
    }
    let l = small_limits();
    let seed = std::env::var("FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(7);
    let mut rng = Rng(seed);
    let iterations: usize = std::env::var("FUZZ_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    let mut accepted = 0;
    let mut check = |bytes: &[u8]| {
        if let Ok(i) = inspect(bytes, &l) {
            accepted += 1;
            assert!(!contains(&i.bytes, b"MarkerGpsArea"));
            assert!(!contains(&i.bytes, b"MarkerPdfAuthor"));
            if let (Some(w), Some(h)) = (i.width, i.height) {
                assert!(w.max(h) <= l.max_side);
            }
            for v in &i.variants {
                assert!(Some(v.width) < i.width);
                assert!(!contains(&v.bytes, b"MarkerGpsArea"));
            }
            // What is stored is itself accepted; a cleaned PDF is a fixed point.
            let again = inspect(&i.bytes, &l).expect("stored file accepted");
            if i.kind == Kind::Pdf {
                assert!(again.bytes == i.bytes, "PDF cleaning is not idempotent");
            }
        }
    };
    for f in &fixtures {
        // Truncations.
        for cut in (0..f.len()).step_by((f.len() / 60).max(1)) {
            check(&f[..cut]);
        }
        // Random byte changes.
        for _ in 0..iterations {
            let mut m = f.clone();
            for _ in 0..1 + rng.below(8) {
                let at = rng.below(m.len());
                m[at] = rng.next() as u8;
            }
            check(&m);
        }
    }
    // Random bodies behind each accepted magic number.
    let magics: [&[u8]; 6] = [
        b"\xFF\xD8\xFF",
        b"\x89PNG\r\n\x1a\n",
        b"GIF89a",
        b"RIFF\0\0\0\0WEBPVP8 ",
        b"%PDF-1.7\n",
        b"%PDF-1.5\n1 0 obj << /Type /ObjStm /N 5 /First 3 /Filter /FlateDecode /Length 40 >>\nstream\n",
    ];
    for magic in magics {
        for _ in 0..iterations {
            let mut m = magic.to_vec();
            let len = rng.below(600);
            m.extend((0..len).map(|_| rng.next() as u8));
            check(&m);
        }
    }
    assert!(accepted > 0, "some damaged files should still decode");
}

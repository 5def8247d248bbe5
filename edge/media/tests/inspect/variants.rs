//! Variants for `srcset`: exactly the requested widths below the stored width, the stored
//! file's kind, proportional heights, and no metadata either.
//!
//! Most tests ask for small widths on small images: the resampling is not optimised in
//! test builds, and what is checked does not depend on the size.

use super::*;

/// Widths for images about 120 pixels wide, in the proportions of the defaults.
fn small_widths() -> Limits {
    Limits {
        variant_widths: vec![48, 96],
        ..Limits::default()
    }
}

/// (width, height) of each variant, in order.
fn sizes(i: &Inspected) -> Vec<(u32, u32)> {
    i.variants.iter().map(|v| (v.width, v.height)).collect()
}

/// The height the variant of a `w` x `h` image gets at `target` pixels wide.
fn expected_height(w: u32, h: u32, target: u32) -> u32 {
    ((h * target + w / 2) / w).max(1)
}

#[test]
fn variants_have_the_requested_widths_and_the_stored_kind() {
    let l = small_widths();
    let jpeg = plain_jpeg(120, 90, &photo_rgb(120, 90), 85);
    let cases = [
        ("JPEG", jpeg, Kind::Jpeg, (120, 90)),
        (
            "opaque PNG",
            png_with_text(100, 50, false, 1),
            Kind::Png,
            (100, 50),
        ),
        (
            "transparent PNG",
            png_with_text(100, 50, true, 1),
            Kind::Png,
            (100, 50),
        ),
        // WebP is stored as JPEG, so its variants are JPEGs too.
        (
            "opaque WebP",
            webp_with_exif(100, 60, false),
            Kind::Jpeg,
            (100, 60),
        ),
        (
            "transparent WebP",
            webp_with_exif(100, 60, true),
            Kind::Png,
            (100, 60),
        ),
    ];
    for (what, input, kind, (w, h)) in cases {
        let i = inspect(&input, &l).unwrap_or_else(|r| panic!("{what}: {r:?}"));
        assert_eq!(
            (i.kind, i.width, i.height),
            (kind, Some(w), Some(h)),
            "{what}"
        );
        assert_eq!(
            sizes(&i),
            [
                (48, expected_height(w, h, 48)),
                (96, expected_height(w, h, 96))
            ],
            "{what}"
        );
        for v in &i.variants {
            let magic: &[u8] = match kind {
                Kind::Jpeg => b"\xFF\xD8\xFF",
                _ => b"\x89PNG\r\n\x1a\n",
            };
            assert!(v.bytes.starts_with(magic), "{what}: variant {}", v.width);
        }
        // Inspects each variant again: same kind, same dimensions, still clean.
        check_stored_image(what, &i, &l);
    }
}

#[test]
fn default_limits_make_480_and_960_pixel_variants() {
    let l = limits();
    assert_eq!(l.variant_widths, [480, 960]);
    let input = with_metadata(&plain_jpeg(1000, 750, &photo_rgb(1000, 750), 85), 1);
    let i = inspect(&input, &l).unwrap();
    assert_eq!(
        (i.kind, i.width, i.height),
        (Kind::Jpeg, Some(1000), Some(750))
    );
    assert_eq!(sizes(&i), [(480, 360), (960, 720)]);
    for v in &i.variants {
        assert_eq!(decode_jpeg(&v.bytes).0, v.width);
        check_clean_file(&format!("variant {}", v.width), Kind::Jpeg, &v.bytes);
    }
}

#[test]
fn variants_follow_the_upright_width_and_ignore_repeats_and_zero() {
    // Orientation 6: 160 x 120 as stored by the phone, 120 x 160 upright.
    let input = with_metadata(&plain_jpeg(160, 120, &photo_rgb(160, 120), 85), 6);
    let l = Limits {
        variant_widths: vec![96, 0, 48, 96, 120, 400],
        ..Limits::default()
    };
    let i = inspect(&input, &l).unwrap();
    assert_eq!((i.width, i.height), (Some(120), Some(160)));
    assert_eq!(sizes(&i), [(48, 64), (96, 128)]);
    check_stored_image("portrait JPEG", &i, &l);
}

#[test]
fn stored_image_stays_within_max_side_and_variants_are_scaled_from_it() {
    let l = Limits {
        max_side: 200,
        ..small_widths()
    };
    let i = inspect(&png_with_text(250, 100, false, 1), &l).unwrap();
    assert_eq!((i.width, i.height), (Some(200), Some(80)));
    // 80 * 48 / 200 = 19.2, 80 * 96 / 200 = 38.4
    assert_eq!(sizes(&i), [(48, 19), (96, 38)]);
    check_stored_image("wide PNG", &i, &l);
}

#[test]
fn an_image_300_px_wide_gets_no_variant() {
    let l = limits();
    let jpeg = plain_jpeg(300, 200, &photo_rgb(300, 200), 85);
    // Taller than the smallest variant width, but not wider: still none.
    let tall = png_with_text(300, 900, false, 1);
    for (what, input) in [("JPEG", jpeg), ("tall PNG", tall)] {
        let i = inspect(&input, &l).unwrap();
        assert_eq!(i.width, Some(300), "{what}");
        assert!(i.variants.is_empty(), "{what}: {:?}", sizes(&i));
    }
}

#[test]
fn variants_carry_no_metadata_either() {
    let l = small_widths();
    let jpeg = with_metadata(&plain_jpeg(120, 90, &photo_rgb(120, 90), 85), 1);
    let mut polyglot = jpeg.clone();
    polyglot.extend_from_slice(b"<html><script>alert('MarkerAppended')</script></html>");
    for (what, input, planted) in [
        (
            "JPEG with EXIF, XMP, ICC, IPTC and a comment",
            jpeg,
            &b"MarkerGpsArea"[..],
        ),
        ("JPEG/HTML polyglot", polyglot, b"MarkerAppended"),
        (
            "PNG with text, eXIf and iCCP",
            png_with_text(100, 50, true, 1),
            b"MarkerPngGps",
        ),
        (
            "WebP with EXIF and XMP",
            webp_with_exif(100, 60, false),
            b"MarkerWebpExif",
        ),
    ] {
        assert!(
            contains(&input, planted),
            "{what}: fixture lacks its marker"
        );
        let i = inspect(&input, &l).unwrap_or_else(|r| panic!("{what}: {r:?}"));
        assert_eq!(i.variants.len(), 2, "{what}");
        for v in &i.variants {
            check_clean_file(&format!("{what}, variant {}", v.width), i.kind, &v.bytes);
        }
    }
}

#[test]
fn pdfs_and_stored_gifs_have_no_variants() {
    let l = Limits {
        variant_widths: vec![8, 16],
        ..Limits::default()
    };
    let gif = inspect(&gif_with_comment(24, 18), &l).unwrap();
    assert_eq!(gif.kind, Kind::Gif);
    assert!(gif.variants.is_empty());
    let pdf = inspect(&pdf_with_metadata(), &l).unwrap();
    assert!(pdf.variants.is_empty());
}

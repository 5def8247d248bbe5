//! Accepted images: metadata gone, orientation applied, sizes and kinds as documented.

use super::*;

#[test]
fn phone_jpeg_loses_exif_gps_and_comes_upright() {
    let input = phone_jpeg();
    for m in [&b"MarkerCameraMake"[..], b"MarkerGpsArea", b"Exif", b"GPS"] {
        assert!(contains(&input, m), "fixture lacks {m:?}");
    }
    let l = limits();
    let i = inspect(&input, &l).unwrap();
    assert_eq!((i.kind, i.source), (Kind::Jpeg, Kind::Jpeg));
    // Orientation 6: stored 64 x 48 sideways, shown 48 x 64.
    assert_eq!((i.width, i.height), (Some(48), Some(64)));
    check_stored_image("phone JPEG", &i, &l);
    assert!(i.variants.is_empty(), "narrower than every variant width");
    // Rotated 90 degrees clockwise: the red left half is now the top half.
    let (w, h, px) = decode_jpeg(&i.bytes);
    assert_eq!((w, h), (48, 64));
    let at = |x: u32, y: u32| {
        let p = ((y * w + x) * 3) as usize;
        (px[p], px[p + 1], px[p + 2])
    };
    let (r, _, b) = at(24, 8);
    assert!(r > 150 && b < 100, "top should be red, got {:?}", at(24, 8));
    let (r, _, b) = at(24, 56);
    assert!(
        b > 150 && r < 100,
        "bottom should be blue, got {:?}",
        at(24, 56)
    );
}

#[test]
fn large_jpeg_is_scaled_to_max_side_with_its_variants() {
    let rgb = two_halves_rgb(600, 300);
    let input = with_metadata(&plain_jpeg(600, 300, &rgb, 85), 6);
    let l = Limits {
        max_side: 256,
        // 128 and 500 are not narrower than the stored image: no variant for them.
        variant_widths: vec![500, 64, 128],
        ..Limits::default()
    };
    let i = inspect(&input, &l).unwrap();
    // 600 x 300 decoded at 1/2 (300 x 150 >= 3/4 of 256), scaled to fit 256, then rotated.
    assert_eq!((i.width, i.height), (Some(128), Some(256)));
    check_stored_image("large JPEG", &i, &l);
    let sizes: Vec<(u32, u32)> = i.variants.iter().map(|v| (v.width, v.height)).collect();
    assert_eq!(sizes, [(64, 128)]);
}

#[test]
fn jpeg_with_html_appended_is_stored_without_it() {
    let mut input = phone_jpeg();
    input.extend_from_slice(b"<html><script>alert('MarkerAppended')</script></html>");
    let i = inspect(&input, &limits()).unwrap();
    assert_eq!(i.kind, Kind::Jpeg);
    check_stored_image("JPEG/HTML polyglot", &i, &limits());
}

#[test]
fn png_loses_text_exif_and_icc_and_keeps_transparency() {
    let l = small_limits();
    for rgba in [false, true] {
        // Orientation 8 in eXIf: rotate 90 degrees counter-clockwise.
        let input = png_with_text(60, 30, rgba, 8);
        for m in [
            &b"tEXt"[..],
            b"iTXt",
            b"zTXt",
            b"eXIf",
            b"iCCP",
            b"MarkerPngAuthor",
        ] {
            assert!(contains(&input, m), "fixture lacks {m:?}");
        }
        let i = inspect(&input, &l).unwrap();
        assert_eq!((i.kind, i.source), (Kind::Png, Kind::Png));
        assert_eq!((i.width, i.height), (Some(20), Some(40)));
        check_stored_image("PNG", &i, &l);
        // Opaque or not, the variant is a PNG like the stored file.
        let sizes: Vec<(u32, u32)> = i.variants.iter().map(|v| (v.width, v.height)).collect();
        assert_eq!(sizes, [(16, 32)]);
    }
}

#[test]
fn animated_png_keeps_its_first_frame_only() {
    let input = apng(30, 20);
    assert!(contains(&input, b"acTL") && contains(&input, b"fdAT"));
    let i = inspect(&input, &small_limits()).unwrap();
    assert_eq!((i.kind, i.width, i.height), (Kind::Png, Some(30), Some(20)));
    check_stored_image("APNG", &i, &small_limits());
    assert_eq!((i.variants[0].width, i.variants[0].height), (16, 11));
    for chunk in [&b"acTL"[..], b"fcTL", b"fdAT"] {
        assert!(!contains(&i.bytes, chunk));
    }
}

#[test]
fn webp_becomes_jpeg_or_png_without_exif() {
    let l = small_limits();
    let i = inspect(&webp_with_exif(30, 20, false), &l).unwrap();
    assert_eq!((i.kind, i.source), (Kind::Jpeg, Kind::Webp));
    assert_eq!((i.width, i.height), (Some(30), Some(20)));
    check_stored_image("opaque WebP", &i, &l);
    assert_eq!(i.variants.len(), 1);
    // Orientation 3 (upside down) applied: the red half is now on the right.
    let (w, _, px) = decode_jpeg(&i.bytes);
    let p = ((10 * w + 25) * 3) as usize;
    assert!(px[p] > 150 && px[p + 2] < 100, "right should be red");

    let i = inspect(&webp_with_exif(30, 20, true), &l).unwrap();
    assert_eq!((i.kind, i.source), (Kind::Png, Kind::Webp));
    check_stored_image("transparent WebP", &i, &l);
    assert_eq!(i.variants.len(), 1);
}

#[test]
fn animated_gif_keeps_its_frames_and_loses_its_comment() {
    let input = gif_with_comment(24, 18);
    assert!(contains(&input, b"MarkerGifComment"));
    let l = small_limits();
    let i = inspect(&input, &l).unwrap();
    assert_eq!((i.kind, i.source), (Kind::Gif, Kind::Gif));
    assert_eq!((i.width, i.height), (Some(24), Some(18)));
    check_stored_image("GIF", &i, &l);
    assert!(contains(&i.bytes, b"NETSCAPE2.0"), "loop kept");
    let mut d = gif::DecodeOptions::new().read_info(&i.bytes[..]).unwrap();
    let mut frames = 0;
    while d.read_next_frame().unwrap().is_some() {
        frames += 1;
    }
    assert_eq!(frames, 3);
    assert!(i.variants.is_empty(), "an animation is not resampled");
}

#[test]
fn gif_larger_than_max_side_becomes_a_png_of_its_first_frame() {
    let input = gif_with_comment(90, 45);
    let i = inspect(&input, &small_limits()).unwrap();
    assert_eq!((i.kind, i.source), (Kind::Png, Kind::Gif));
    assert_eq!((i.width, i.height), (Some(40), Some(20)));
    check_stored_image("large GIF", &i, &small_limits());
    // A still image now, so it gets its variants.
    assert_eq!((i.variants[0].width, i.variants[0].height), (16, 8));
}

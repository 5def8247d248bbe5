//! PNG (with text, EXIF and ICC chunks; animated), GIF (with comment and XMP) and WebP
//! (with EXIF and XMP) fixtures, and a header-only bomb of each.

use super::{exif_tiff, two_halves_rgb, XMP_PACKET};

pub fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

pub fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut c = (data.len() as u32).to_be_bytes().to_vec();
    let mut body = kind.to_vec();
    body.extend_from_slice(data);
    c.extend_from_slice(&body);
    c.extend_from_slice(&crc32(&body).to_be_bytes());
    c
}

/// A PNG with text chunks (tEXt Author, iTXt GPS, zTXt comment), an eXIf chunk with GPS
/// and an orientation, and an iCCP chunk. `rgba` chooses RGBA (semi-transparent) or RGB.
pub fn png_with_text(w: u32, h: u32, rgba: bool, orientation: u16) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(if rgba {
            png::ColorType::Rgba
        } else {
            png::ColorType::Rgb
        });
        enc.set_depth(png::BitDepth::Eight);
        enc.add_text_chunk("Author".into(), "MarkerPngAuthor".into())
            .unwrap();
        enc.add_itxt_chunk("GPS".into(), "MarkerPngGps 48.8566 N".into())
            .unwrap();
        enc.add_ztxt_chunk("Comment".into(), "MarkerPngZtxt".into())
            .unwrap();
        let mut writer = enc.write_header().unwrap();
        writer
            .write_chunk(png::chunk::eXIf, &exif_tiff(orientation))
            .unwrap();
        let mut icc = b"MarkerIccProfile\0\0".to_vec();
        icc.extend(miniz_oxide::deflate::compress_to_vec_zlib(
            b"fake profile",
            6,
        ));
        writer.write_chunk(png::chunk::iCCP, &icc).unwrap();
        let rgb = two_halves_rgb(w, h);
        let data: Vec<u8> = if rgba {
            rgb.chunks(3)
                .enumerate()
                .flat_map(|(i, p)| [p[0], p[1], p[2], if i % 2 == 0 { 128 } else { 255 }])
                .collect()
        } else {
            rgb
        };
        writer.write_image_data(&data).unwrap();
        writer.finish().unwrap();
    }
    out
}

/// A PNG signature and IHDR declaring `w` x `h` pixels, then a tiny IDAT and IEND.
pub fn png_bomb(w: u32, h: u32) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = w.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    out.extend(png_chunk(b"IHDR", &ihdr));
    out.extend(png_chunk(
        b"IDAT",
        &miniz_oxide::deflate::compress_to_vec_zlib(&[0u8; 4096], 9),
    ));
    out.extend(png_chunk(b"IEND", &[]));
    out
}

pub fn apng(w: u32, h: u32) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        enc.set_animated(3, 0).unwrap();
        enc.add_text_chunk("Author".into(), "MarkerPngAuthor".into())
            .unwrap();
        let mut writer = enc.write_header().unwrap();
        for f in 0..3u8 {
            let data: Vec<u8> = two_halves_rgb(w, h)
                .iter()
                .map(|v| v.wrapping_add(f * 60))
                .collect();
            writer.write_image_data(&data).unwrap();
        }
        writer.finish().unwrap();
    }
    out
}

// ---------------------------------------------------------------------------------------
// GIF

/// An animated GIF (3 frames, looping forever) with a comment extension and an XMP
/// application extension.
pub fn gif_with_comment(w: u16, h: u16) -> Vec<u8> {
    let palette: Vec<u8> = (0..=255u8).flat_map(|i| [i, 255 - i, i / 2]).collect();
    let mut enc = gif::Encoder::new(Vec::new(), w, h, &palette).unwrap();
    enc.set_repeat(gif::Repeat::Infinite).unwrap();
    enc.write_raw_extension(gif::AnyExtension(0xFE), &[b"MarkerGifComment"])
        .unwrap();
    enc.write_raw_extension(
        gif::AnyExtension(0xFF),
        &[b"XMP DataXMP", b"<x:xmpmeta>MarkerXmpCreator</x:xmpmeta>"],
    )
    .unwrap();
    for f in 0..3u8 {
        let buf: Vec<u8> = (0..u32::from(w) * u32::from(h))
            .map(|i| (i as u8).wrapping_add(f * 40))
            .collect();
        let frame = gif::Frame {
            width: w,
            height: h,
            delay: 10,
            buffer: std::borrow::Cow::Owned(buf),
            ..Default::default()
        };
        enc.write_frame(&frame).unwrap();
    }
    enc.into_inner().unwrap()
}

/// A GIF whose logical screen claims `w` x `h`.
pub fn gif_bomb(w: u16, h: u16) -> Vec<u8> {
    let mut out = b"GIF89a".to_vec();
    out.extend_from_slice(&w.to_le_bytes());
    out.extend_from_slice(&h.to_le_bytes());
    out.extend_from_slice(&[0x80, 0, 0, 0, 0, 0, 255, 255, 255]);
    out.extend_from_slice(&[0x2C, 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 0x44, 0x01, 0, 0x3B]);
    out
}

// ---------------------------------------------------------------------------------------
// WebP

/// A lossless WebP with an EXIF chunk (GPS, orientation 3 = upside down) and XMP.
pub fn webp_with_exif(w: u32, h: u32, alpha: bool) -> Vec<u8> {
    let rgb = two_halves_rgb(w, h);
    let (data, color) = if alpha {
        let d: Vec<u8> = rgb
            .chunks(3)
            .flat_map(|p| [p[0], p[1], p[2], 100])
            .collect();
        (d, image_webp::ColorType::Rgba8)
    } else {
        (rgb, image_webp::ColorType::Rgb8)
    };
    let mut out = Vec::new();
    let mut enc = image_webp::WebPEncoder::new(&mut out);
    let mut exif = exif_tiff(3);
    exif.extend_from_slice(b"MarkerWebpExif");
    enc.set_exif_metadata(exif);
    enc.set_xmp_metadata(XMP_PACKET.to_vec());
    enc.encode(&data, w, h, color).unwrap();
    out
}

/// A WebP (VP8X) header declaring a `w` x `h` canvas.
pub fn webp_bomb(w: u32, h: u32) -> Vec<u8> {
    let mut vp8x = vec![0u8; 10];
    vp8x[4..7].copy_from_slice(&(w - 1).to_le_bytes()[..3]);
    vp8x[7..10].copy_from_slice(&(h - 1).to_le_bytes()[..3]);
    let mut body = b"WEBP".to_vec();
    body.extend_from_slice(b"VP8X");
    body.extend_from_slice(&10u32.to_le_bytes());
    body.extend_from_slice(&vp8x);
    body.extend_from_slice(b"VP8L");
    body.extend_from_slice(&5u32.to_le_bytes());
    body.extend_from_slice(&[0x2f, 0, 0, 0, 0, 0]);
    let mut out = b"RIFF".to_vec();
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out.extend_from_slice(&body);
    out
}

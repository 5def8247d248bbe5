//! JPEG decoding, at a reduced scale when the photo is much larger than what is stored,
//! with the checks the decoder does not make: truncation and the memory of progressive
//! files.

use crate::raster::{exif_orientation, Raster};
use crate::still::{check_pixels, decoder_memory};
use crate::{Limits, Refusal};

/// Decodes a JPEG at a reduced scale when it is much larger than `max_side` (the IDCT can
/// produce 1/2, 1/4 or 1/8 of the size directly: less time, a quarter of the memory).
pub(crate) fn decode(bytes: &[u8], limits: &Limits) -> Result<(Raster, u16), Refusal> {
    // The decoder tolerates missing data at the end (it pads the picture); a truncated
    // upload is refused instead, so a damaged photo is not stored half grey.
    let layout = jpeg_layout(bytes).ok_or(Refusal::Undecodable)?;
    if !layout.complete {
        return Err(Refusal::Undecodable);
    }
    let mut dec = jpeg_decoder::Decoder::new(bytes);
    dec.set_max_decoding_buffer_size(decoder_memory(limits));
    dec.read_info().map_err(|_| Refusal::Undecodable)?;
    let info = dec.info().ok_or(Refusal::Undecodable)?;
    let (w, h) = (u32::from(info.width), u32::from(info.height));
    check_pixels(w, h, 0, limits)?;
    if info.coding_process != jpeg_decoder::CodingProcess::Lossless {
        // Smallest scale whose longest side still reaches 3/4 of max_side.
        let target = (u64::from(limits.max_side) * 3 / 4).clamp(1, u64::from(u16::MAX)) as u16;
        dec.scale(target, target)
            .map_err(|_| Refusal::Undecodable)?;
    }
    let scaled = dec.info().ok_or(Refusal::Undecodable)?;
    let decoded = u64::from(scaled.width) * u64::from(scaled.height) * 3
        + layout.progressive_coefficients.unwrap_or(0);
    if decoded > limits.max_decoded_bytes {
        return Err(Refusal::TooManyPixels {
            width: w,
            height: h,
        });
    }
    let pixels = dec.decode().map_err(|_| Refusal::Undecodable)?;
    let info = dec.info().ok_or(Refusal::Undecodable)?;
    let (w, h) = (u32::from(info.width), u32::from(info.height));
    let orientation = dec.exif_data().map(exif_orientation).unwrap_or(1);
    let raster = match info.pixel_format {
        jpeg_decoder::PixelFormat::L8 => Raster::new(w, h, 1, pixels),
        jpeg_decoder::PixelFormat::L16 => {
            // Native-endian samples of `precision` bits: keep the top eight.
            let shift = u32::from(layout.precision.clamp(9, 16) - 8);
            let gray = pixels
                .chunks_exact(2)
                .map(|p| (u16::from_ne_bytes([p[0], p[1]]) >> shift).min(255) as u8)
                .collect();
            Raster::new(w, h, 1, gray)
        }
        jpeg_decoder::PixelFormat::RGB24 => Raster::new(w, h, 3, pixels),
        jpeg_decoder::PixelFormat::CMYK32 => Raster::new(w, h, 3, cmyk_to_rgb(&pixels)),
    };
    Ok((raster.ok_or(Refusal::Undecodable)?, orientation))
}

/// What the segments before the first scan say about a JPEG.
struct JpegLayout {
    /// An end-of-image marker follows the first start-of-scan: the entropy-coded data
    /// cannot contain `FF D9`, so a file cut short has none.
    complete: bool,
    /// Progressive JPEGs are decoded by keeping every DCT coefficient of the full-size
    /// image (2 bytes each) until the last scan: this many bytes.
    progressive_coefficients: Option<u64>,
    /// Bits per sample, from the frame header (8, or up to 16 for lossless JPEG).
    precision: u8,
}

fn jpeg_layout(b: &[u8]) -> Option<JpegLayout> {
    let mut i = 2;
    let mut progressive_coefficients = None;
    let mut precision = 8;
    loop {
        // Skip fill bytes before a marker.
        while b.get(i) == Some(&0xFF) && b.get(i + 1) == Some(&0xFF) {
            i += 1;
        }
        if b.get(i) != Some(&0xFF) {
            return None;
        }
        let marker = *b.get(i + 1)?;
        match marker {
            0xDA => break,
            0x01 | 0xD0..=0xD7 => i += 2,
            _ => {
                let len = b.get(i + 2..i + 4)?;
                let len = usize::from(u16::from_be_bytes([len[0], len[1]]));
                if matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC) {
                    precision = *b.get(i + 4)?;
                }
                if matches!(marker, 0xC2 | 0xC6 | 0xCA) {
                    progressive_coefficients = Some(coefficient_bytes(b.get(i + 4..i + 2 + len)?)?);
                }
                i += 2 + len;
            }
        }
    }
    let complete = b
        .get(i..)
        .is_some_and(|rest| rest.windows(2).any(|w| w == [0xFF, 0xD9]));
    Some(JpegLayout {
        complete,
        progressive_coefficients,
        precision,
    })
}

/// Bytes of DCT coefficients for a frame header (SOF payload): each component's blocks,
/// padded to whole MCUs, 64 coefficients of 2 bytes per block.
fn coefficient_bytes(sof: &[u8]) -> Option<u64> {
    let h = u64::from(u16::from_be_bytes([*sof.get(1)?, *sof.get(2)?]));
    let w = u64::from(u16::from_be_bytes([*sof.get(3)?, *sof.get(4)?]));
    let n = usize::from(*sof.get(5)?);
    let comps: Vec<(u64, u64)> = (0..n)
        .map(|c| {
            let f = *sof.get(6 + c * 3 + 1)?;
            Some((u64::from(f >> 4).max(1), u64::from(f & 15).max(1)))
        })
        .collect::<Option<_>>()?;
    let hmax = comps.iter().map(|c| c.0).max()?;
    let vmax = comps.iter().map(|c| c.1).max()?;
    let mcus_x = w.div_ceil(8 * hmax);
    let mcus_y = h.div_ceil(8 * vmax);
    Some(
        comps
            .iter()
            .map(|(hs, vs)| mcus_x * hs * mcus_y * vs * 64 * 2)
            .sum(),
    )
}

/// Naive CMYK to RGB (the decoder already undid Adobe's inversion: 0 is no ink).
fn cmyk_to_rgb(cmyk: &[u8]) -> Vec<u8> {
    cmyk.chunks_exact(4)
        .flat_map(|p| {
            let k = 255 - u16::from(p[3]);
            [
                ((255 - u16::from(p[0])) * k / 255) as u8,
                ((255 - u16::from(p[1])) * k / 255) as u8,
                ((255 - u16::from(p[2])) * k / 255) as u8,
            ]
        })
        .collect()
}

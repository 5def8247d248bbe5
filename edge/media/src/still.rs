//! What every still image goes through once decoded: the pixel checks the decoders make
//! before decoding, then scaling, orientation, the choice of stored kind, and variants.

use crate::encode::encode;
use crate::raster::Raster;
use crate::{Inspected, Kind, Limits, Refusal, Variant};

/// Longest side accepted in an upload, whatever its pixel count.
const MAX_SIDE_IN: u32 = 65_535;

/// The most bytes a decoder may allocate.
pub(crate) fn decoder_memory(limits: &Limits) -> usize {
    usize::try_from(limits.max_decoded_bytes).unwrap_or(usize::MAX)
}

/// Checks dimensions read from a header, before decoding: the pixel count, and the size
/// of the buffer the image will decode to (`bytes_per_pixel` of it).
pub(crate) fn check_pixels(
    width: u32,
    height: u32,
    bytes_per_pixel: u64,
    limits: &Limits,
) -> Result<(), Refusal> {
    if width == 0 || height == 0 {
        return Err(Refusal::Undecodable);
    }
    let pixels = u64::from(width) * u64::from(height);
    // Sides beyond 65535 (possible in PNG only) are refused too: the resampling filter's
    // tables grow with the longest side, and JPEG cannot store them anyway.
    if pixels > limits.max_pixels
        || pixels * bytes_per_pixel > limits.max_decoded_bytes
        || width.max(height) > MAX_SIDE_IN
    {
        return Err(Refusal::TooManyPixels { width, height });
    }
    Ok(())
}

/// Scales, orients and re-encodes a decoded still image, and makes its variants.
pub(crate) fn finish(
    source: Kind,
    raster: Raster,
    orientation: u16,
    limits: &Limits,
) -> Result<Inspected, Refusal> {
    // Scaling before rotating gives the same pixels for less work: the longest side is
    // the same either way.
    let raster = raster.fit_within(limits.max_side).oriented(orientation);
    let alpha = raster.uses_alpha();
    let raster = if raster.has_alpha_channel() && !alpha {
        raster.without_alpha()
    } else {
        raster
    };
    let kind = match source {
        Kind::Png => Kind::Png,
        Kind::Webp if alpha => Kind::Png,
        _ => Kind::Jpeg,
    };
    stored(kind, source, &raster, limits)
}

/// The answer for an image stored as `kind` (JPEG or PNG) with `raster`'s pixels.
pub(crate) fn stored(
    kind: Kind,
    source: Kind,
    raster: &Raster,
    limits: &Limits,
) -> Result<Inspected, Refusal> {
    Ok(Inspected {
        kind,
        source,
        bytes: encode(raster, kind, limits)?,
        variants: variants(raster, kind, limits)?,
        width: Some(raster.width),
        height: Some(raster.height),
        pages: None,
        mime: kind.mime(),
        extension: kind.extension(),
    })
}

/// One variant per requested width below the stored width, each resampled from the
/// stored pixels (not from the previous variant: one resampling, not two, per variant).
fn variants(raster: &Raster, kind: Kind, limits: &Limits) -> Result<Vec<Variant>, Refusal> {
    let mut widths: Vec<u32> = limits
        .variant_widths
        .iter()
        .copied()
        .filter(|&w| w > 0 && w < raster.width)
        .collect();
    widths.sort_unstable();
    widths.dedup();
    widths
        .into_iter()
        .map(|width| {
            let height = variant_height(raster.width, raster.height, width);
            let bytes = encode(&raster.resized(width, height), kind, limits)?;
            Ok(Variant {
                width,
                height,
                bytes,
            })
        })
        .collect()
}

/// The height that keeps the aspect ratio at `target` pixels wide, rounded to nearest.
fn variant_height(width: u32, height: u32, target: u32) -> u32 {
    let (w, h, t) = (u64::from(width), u64::from(height), u64::from(target));
    // target < width, so the result is at most `height` and fits in a u32.
    ((h * t + w / 2) / w).max(1) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variant_height_rounds_to_nearest_and_never_reaches_zero() {
        assert_eq!(variant_height(2048, 1536, 960), 720);
        assert_eq!(variant_height(1536, 2048, 480), 640);
        // 333 * 480 / 1000 = 159.84
        assert_eq!(variant_height(1000, 333, 480), 160);
        assert_eq!(variant_height(2048, 1, 480), 1);
    }
}

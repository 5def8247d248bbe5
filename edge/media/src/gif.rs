//! GIF: re-encoded frame by frame from the palette indices, so animations survive and
//! nothing else of the upload does.

use crate::raster::{buffer_len, Raster};
use crate::still::{self, check_pixels};
use crate::{Inspected, Kind, Limits, Refusal};
use ::gif as g;

/// Re-encodes losslessly and without re-quantising, so animations are kept (class
/// animations, stop-motion) and comments, XMP and other extensions are dropped. A GIF
/// larger than `max_side` is not resampled frame by frame: its first frame is stored,
/// scaled down, as PNG.
pub(crate) fn inspect(bytes: &[u8], limits: &Limits) -> Result<Inspected, Refusal> {
    let per_frame = std::num::NonZeroU64::new(limits.max_pixels.max(1))
        .map(g::MemoryLimit::Bytes)
        .unwrap_or(g::MemoryLimit::Unlimited);
    let mut opts = g::DecodeOptions::new();
    opts.set_color_output(g::ColorOutput::Indexed);
    opts.set_memory_limit(per_frame);
    opts.check_frame_consistency(true);
    let mut dec = opts.read_info(bytes).map_err(|_| Refusal::Undecodable)?;
    let (sw, sh) = (u32::from(dec.width()), u32::from(dec.height()));
    check_pixels(sw, sh, 4, limits)?;
    let global = dec.global_palette().map(<[u8]>::to_vec);
    let fits = sw.max(sh) <= limits.max_side;

    let mut encoder: Option<g::Encoder<Vec<u8>>> = None;
    let mut first: Option<Raster> = None;
    let mut total: u64 = 0;
    let mut frames = 0u32;
    while let Some(frame) = dec.read_next_frame().map_err(|_| Refusal::Undecodable)? {
        // A copy, so that the decoder can be asked for the loop count below.
        let frame = &frame.clone();
        total += u64::from(frame.width) * u64::from(frame.height);
        if total > limits.max_pixels {
            return Err(Refusal::AnimationTooLarge);
        }
        if first.is_none() {
            let palette = frame.palette.as_deref().or(global.as_deref());
            first = Some(composite(sw, sh, frame, palette).ok_or(Refusal::Undecodable)?);
            if !fits {
                // Only the first frame is kept; the rest need not be decoded.
                break;
            }
        }
        if frame.width == 0 || frame.height == 0 {
            continue;
        }
        if encoder.is_none() {
            let palette = global.as_deref().unwrap_or(&[]);
            let mut e = g::Encoder::new(Vec::new(), sw as u16, sh as u16, palette)
                .map_err(|_| Refusal::EncodingFailed)?;
            // The loop count is known once the first frame was reached. Finite(0)
            // is what the decoder reports without a loop extension: play once.
            let repeat = dec.repeat();
            if repeat != g::Repeat::Finite(0) {
                e.set_repeat(repeat).map_err(|_| Refusal::EncodingFailed)?;
            }
            encoder = Some(e);
        }
        let out = g::Frame {
            delay: frame.delay,
            dispose: frame.dispose,
            transparent: frame.transparent,
            needs_user_input: false,
            top: frame.top,
            left: frame.left,
            width: frame.width,
            height: frame.height,
            // The decoder de-interlaced the pixels.
            interlaced: false,
            palette: frame.palette.clone(),
            buffer: std::borrow::Cow::Borrowed(&frame.buffer),
        };
        if let Some(e) = encoder.as_mut() {
            e.write_frame(&out).map_err(|_| Refusal::EncodingFailed)?;
        }
        frames += 1;
    }
    let first = first.ok_or(Refusal::Undecodable)?;
    if !fits || frames == 0 {
        // Too large to keep as GIF: the first frame, scaled, as PNG. It is a still image
        // now, so it gets variants like any other.
        let raster = first.fit_within(limits.max_side);
        let raster = if raster.uses_alpha() {
            raster
        } else {
            raster.without_alpha()
        };
        return still::stored(Kind::Png, Kind::Gif, &raster, limits);
    }
    let bytes = encoder
        .ok_or(Refusal::Undecodable)?
        .into_inner()
        .map_err(|_| Refusal::EncodingFailed)?;
    Ok(Inspected {
        kind: Kind::Gif,
        source: Kind::Gif,
        bytes,
        // Narrower animations would mean resampling and re-quantising every frame.
        variants: Vec::new(),
        width: Some(sw),
        height: Some(sh),
        pages: None,
        mime: Kind::Gif.mime(),
        extension: Kind::Gif.extension(),
    })
}

/// The first frame drawn on a transparent canvas of the logical screen size, as RGBA.
fn composite(sw: u32, sh: u32, frame: &g::Frame, palette: Option<&[u8]>) -> Option<Raster> {
    let palette = palette?;
    let mut canvas = vec![0u8; buffer_len(sw, sh, 4)?];
    let fw = usize::from(frame.width);
    for (i, &index) in frame
        .buffer
        .iter()
        .enumerate()
        .take(fw * usize::from(frame.height))
    {
        if Some(index) == frame.transparent {
            continue;
        }
        let x = usize::from(frame.left) + i % fw;
        let y = usize::from(frame.top) + i / fw;
        if x >= sw as usize || y >= sh as usize {
            continue;
        }
        let p = usize::from(index) * 3;
        let (Some(rgb), Some(dst)) = (
            palette.get(p..p + 3),
            canvas.get_mut((y * sw as usize + x) * 4..(y * sw as usize + x) * 4 + 4),
        ) else {
            continue;
        };
        dst[..3].copy_from_slice(rgb);
        dst[3] = 255;
    }
    Raster::new(sw, sh, 4, canvas)
}

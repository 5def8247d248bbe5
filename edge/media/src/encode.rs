//! Encoders for stored images and their variants: only pixels go in, so no metadata of the
//! upload can come out.

use crate::raster::Raster;
use crate::{Kind, Limits, Refusal};

/// Encodes as PNG when `kind` is PNG, as JPEG otherwise (the only stored still kinds).
pub(crate) fn encode(raster: &Raster, kind: Kind, limits: &Limits) -> Result<Vec<u8>, Refusal> {
    match kind {
        Kind::Png => encode_png(raster),
        _ => encode_jpeg(raster, limits.jpeg_quality),
    }
}

fn encode_jpeg(raster: &Raster, quality: u8) -> Result<Vec<u8>, Refusal> {
    let (w, h) = (
        u16::try_from(raster.width).map_err(|_| Refusal::EncodingFailed)?,
        u16::try_from(raster.height).map_err(|_| Refusal::EncodingFailed)?,
    );
    let color = match raster.channels {
        1 => jpeg_encoder::ColorType::Luma,
        3 => jpeg_encoder::ColorType::Rgb,
        // Alpha is ignored by the encoder; callers only send opaque images here.
        4 => jpeg_encoder::ColorType::Rgba,
        _ => return encode_jpeg(&raster.clone().into_rgb_family(), quality),
    };
    let mut out = Vec::with_capacity(raster.data.len() / 8);
    let mut enc = jpeg_encoder::Encoder::new(&mut out, quality.clamp(1, 100));
    enc.set_sampling_factor(jpeg_encoder::SamplingFactor::R_4_2_0);
    // Both make smaller files for the same pixels, and progressive ones show early on a
    // slow phone connection.
    enc.set_optimized_huffman_tables(true);
    enc.set_progressive(true);
    enc.encode(&raster.data, w, h, color)
        .map_err(|_| Refusal::EncodingFailed)?;
    Ok(out)
}

pub(crate) fn encode_png(raster: &Raster) -> Result<Vec<u8>, Refusal> {
    let color = match raster.channels {
        1 => png::ColorType::Grayscale,
        2 => png::ColorType::GrayscaleAlpha,
        3 => png::ColorType::Rgb,
        _ => png::ColorType::Rgba,
    };
    let mut out = Vec::with_capacity(raster.data.len() / 2);
    let mut enc = png::Encoder::new(&mut out, raster.width, raster.height);
    enc.set_color(color);
    enc.set_depth(png::BitDepth::Eight);
    enc.set_compression(png::Compression::Balanced);
    let mut writer = enc.write_header().map_err(|_| Refusal::EncodingFailed)?;
    writer
        .write_image_data(&raster.data)
        .map_err(|_| Refusal::EncodingFailed)?;
    writer.finish().map_err(|_| Refusal::EncodingFailed)?;
    Ok(out)
}

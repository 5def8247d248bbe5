//! WebP decoding (lossy, lossless, the first frame of an animation). WebP is not stored as
//! such: `still` re-encodes it as JPEG, or PNG when it uses transparency.

use crate::raster::{buffer_len, exif_orientation, Raster};
use crate::still::{check_pixels, decoder_memory};
use crate::{Limits, Refusal};

pub(crate) fn decode(bytes: &[u8], limits: &Limits) -> Result<(Raster, u16), Refusal> {
    let mut dec = image_webp::WebPDecoder::new(std::io::Cursor::new(bytes))
        .map_err(|_| Refusal::Undecodable)?;
    let (w, h) = dec.dimensions();
    check_pixels(w, h, 4, limits)?;
    dec.set_memory_limit(decoder_memory(limits));
    let channels = if dec.has_alpha() { 4 } else { 3 };
    let size = dec.output_buffer_size().ok_or(Refusal::Undecodable)?;
    if Some(size) != buffer_len(w, h, channels) {
        return Err(Refusal::Undecodable);
    }
    let mut buf = vec![0u8; size];
    // For an animated WebP this is the first frame.
    dec.read_image(&mut buf).map_err(|_| Refusal::Undecodable)?;
    let orientation = dec
        .exif_metadata()
        .ok()
        .flatten()
        .map(|e| exif_orientation(&e))
        .unwrap_or(1);
    let raster = Raster::new(w, h, channels, buf).ok_or(Refusal::Undecodable)?;
    Ok((raster, orientation))
}

//! PNG decoding (the first frame of an animated PNG), without ever inflating text or ICC
//! chunks.

use crate::raster::{buffer_len, exif_orientation, Raster};
use crate::still::{check_pixels, decoder_memory};
use crate::{Limits, Refusal};

pub(crate) fn decode(bytes: &[u8], limits: &Limits) -> Result<(Raster, u16), Refusal> {
    let limit = png::Limits {
        bytes: decoder_memory(limits),
    };
    let mut dec = png::Decoder::new_with_limits(std::io::Cursor::new(bytes), limit);
    dec.set_transformations(png::Transformations::normalize_to_color8());
    // Text and ICC chunks are never used: do not even inflate them.
    dec.set_ignore_text_chunk(true);
    dec.set_ignore_iccp_chunk(true);
    let header = dec.read_header_info().map_err(|_| Refusal::Undecodable)?;
    check_pixels(header.width, header.height, 4, limits)?;
    let mut reader = dec.read_info().map_err(|_| Refusal::Undecodable)?;
    let orientation = reader
        .info()
        .exif_metadata
        .as_deref()
        .map(exif_orientation)
        .unwrap_or(1);
    let size = reader.output_buffer_size().ok_or(Refusal::Undecodable)?;
    let mut buf = vec![0u8; size];
    let out = reader
        .next_frame(&mut buf)
        .map_err(|_| Refusal::Undecodable)?;
    // Reads up to IEND: a file cut short is refused.
    reader.finish().map_err(|_| Refusal::Undecodable)?;
    let channels: u8 = match out.color_type {
        png::ColorType::Grayscale => 1,
        png::ColorType::GrayscaleAlpha => 2,
        png::ColorType::Rgb => 3,
        png::ColorType::Rgba => 4,
        png::ColorType::Indexed => return Err(Refusal::Undecodable),
    };
    let len = buffer_len(out.width, out.height, channels).ok_or(Refusal::Undecodable)?;
    if out.line_size != out.width as usize * usize::from(channels) || len > buf.len() {
        return Err(Refusal::Undecodable);
    }
    buf.truncate(len);
    let raster = Raster::new(out.width, out.height, channels, buf).ok_or(Refusal::Undecodable)?;
    Ok((raster, orientation))
}

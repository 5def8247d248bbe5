//! Pixel operations for uploaded images on plain 8-bit interleaved buffers (`Raster`):
//! alpha handling, EXIF orientation, fitting within a square. Resampling lives in
//! `resample`, reading the EXIF orientation in `exif`.
//!
//! Nothing here panics on any input: sizes are checked with `checked_*` arithmetic and
//! slices are read with `get`.

mod exif;
mod resample;

pub(crate) use exif::exif_orientation;

/// An 8-bit image: `channels` is 1 (gray), 2 (gray + alpha), 3 (RGB) or 4 (RGBA).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Raster {
    pub width: u32,
    pub height: u32,
    pub channels: u8,
    pub data: Vec<u8>,
}

impl Raster {
    /// Wraps a buffer, checking that its length matches the dimensions.
    pub fn new(width: u32, height: u32, channels: u8, data: Vec<u8>) -> Option<Raster> {
        let expected = buffer_len(width, height, channels)?;
        if width == 0 || height == 0 || !(1..=4).contains(&channels) || data.len() != expected {
            return None;
        }
        Some(Raster {
            width,
            height,
            channels,
            data,
        })
    }

    pub fn has_alpha_channel(&self) -> bool {
        self.channels == 2 || self.channels == 4
    }

    /// True if the image has an alpha channel with at least one pixel not fully opaque.
    pub fn uses_alpha(&self) -> bool {
        if !self.has_alpha_channel() {
            return false;
        }
        let c = usize::from(self.channels);
        self.data.chunks_exact(c).any(|p| p[c - 1] != 255)
    }

    /// Drops an alpha channel that is fully opaque (or, for JPEG output, ignored).
    pub fn without_alpha(self) -> Raster {
        if !self.has_alpha_channel() {
            return self;
        }
        let c = usize::from(self.channels);
        let data: Vec<u8> = self
            .data
            .chunks_exact(c)
            .flat_map(|p| p[..c - 1].iter().copied())
            .collect();
        Raster {
            width: self.width,
            height: self.height,
            channels: self.channels - 1,
            data,
        }
    }

    /// Applies an EXIF orientation (1..=8, anything else means 1), so that the result is
    /// upright. Orientations 5 to 8 swap width and height.
    pub fn oriented(self, orientation: u16) -> Raster {
        if !(2..=8).contains(&orientation) {
            return self;
        }
        let (w, h) = (self.width as usize, self.height as usize);
        let c = usize::from(self.channels);
        let swap = orientation >= 5;
        let (ow, oh) = if swap { (h, w) } else { (w, h) };
        let mut out = vec![0u8; self.data.len()];
        for y in 0..oh {
            for x in 0..ow {
                // The source pixel shown at (x, y) once the image is upright.
                let (sx, sy) = match orientation {
                    2 => (w - 1 - x, y),
                    3 => (w - 1 - x, h - 1 - y),
                    4 => (x, h - 1 - y),
                    5 => (y, x),
                    6 => (y, h - 1 - x),
                    7 => (w - 1 - y, h - 1 - x),
                    _ => (w - 1 - y, x), // 8
                };
                let src = (sy * w + sx) * c;
                let dst = (y * ow + x) * c;
                if let (Some(s), Some(d)) = (self.data.get(src..src + c), out.get_mut(dst..dst + c))
                {
                    d.copy_from_slice(s);
                }
            }
        }
        Raster {
            width: ow as u32,
            height: oh as u32,
            channels: self.channels,
            data: out,
        }
    }

    /// Downscales so that the longest side is at most `max_side` (keeping the aspect ratio;
    /// never upscales). Returns the image unchanged when it already fits.
    pub fn fit_within(self, max_side: u32) -> Raster {
        let (w, h) = fitted_size(self.width, self.height, max_side);
        if (w, h) == (self.width, self.height) {
            return self;
        }
        self.resized(w, h)
    }

    /// Gray (+ alpha) to RGB (+ alpha), for encoders that want colour.
    pub fn into_rgb_family(self) -> Raster {
        match self.channels {
            1 => Raster {
                data: self.data.iter().flat_map(|&g| [g, g, g]).collect(),
                channels: 3,
                ..self
            },
            2 => Raster {
                data: self
                    .data
                    .chunks_exact(2)
                    .flat_map(|p| [p[0], p[0], p[0], p[1]])
                    .collect(),
                channels: 4,
                ..self
            },
            _ => self,
        }
    }
}

/// Length in bytes of a `width` x `height` buffer of `channels` bytes per pixel.
pub(crate) fn buffer_len(width: u32, height: u32, channels: u8) -> Option<usize> {
    usize::try_from(width)
        .ok()?
        .checked_mul(usize::try_from(height).ok()?)?
        .checked_mul(usize::from(channels))
}

/// The size of `width` x `height` scaled down (never up) to fit a `max_side` square, each
/// side at least 1 pixel.
pub(crate) fn fitted_size(width: u32, height: u32, max_side: u32) -> (u32, u32) {
    let longest = width.max(height);
    if longest <= max_side || longest == 0 {
        return (width, height);
    }
    let max_side = u64::from(max_side.max(1));
    let scale = |side: u32| -> u32 {
        // Round to nearest; the longest side lands exactly on max_side.
        let v = (u64::from(side) * max_side + u64::from(longest) / 2) / u64::from(longest);
        v.clamp(1, max_side) as u32
    };
    (scale(width), scale(height))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numbered(w: u32, h: u32) -> Raster {
        let data = (0..w * h).map(|i| i as u8).collect();
        Raster::new(w, h, 1, data).unwrap()
    }

    #[test]
    fn orientations_map_corners_like_exif_says() {
        // 3 x 2 image:  0 1 2 / 3 4 5
        let r = numbered(3, 2);
        assert_eq!(r.clone().oriented(1).data, vec![0, 1, 2, 3, 4, 5]);
        assert_eq!(r.clone().oriented(2).data, vec![2, 1, 0, 5, 4, 3]);
        assert_eq!(r.clone().oriented(3).data, vec![5, 4, 3, 2, 1, 0]);
        assert_eq!(r.clone().oriented(4).data, vec![3, 4, 5, 0, 1, 2]);
        let t = r.clone().oriented(5);
        assert_eq!((t.width, t.height), (2, 3));
        assert_eq!(t.data, vec![0, 3, 1, 4, 2, 5]);
        // Rotate 90 degrees clockwise: the left column, read bottom-up, becomes the top row.
        assert_eq!(r.clone().oriented(6).data, vec![3, 0, 4, 1, 5, 2]);
        assert_eq!(r.clone().oriented(7).data, vec![5, 2, 4, 1, 3, 0]);
        assert_eq!(r.oriented(8).data, vec![2, 5, 1, 4, 0, 3]);
    }

    #[test]
    fn fitted_size_never_upscales_and_hits_the_limit() {
        assert_eq!(fitted_size(4000, 3000, 2048), (2048, 1536));
        assert_eq!(fitted_size(3000, 4000, 2048), (1536, 2048));
        assert_eq!(fitted_size(100, 50, 2048), (100, 50));
        assert_eq!(fitted_size(60000, 1, 480), (480, 1));
    }
}

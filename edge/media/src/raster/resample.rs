//! Downscaling: a Catmull-Rom (bicubic) filter in fixed point, on premultiplied alpha.

use super::Raster;

impl Raster {
    /// Resamples to exactly `new_w` x `new_h` (both >= 1) with a Catmull-Rom (bicubic) filter
    /// whose support grows with the reduction, so that downscaling does not alias.
    /// Alpha is premultiplied during the resampling so transparent pixels do not bleed.
    pub fn resized(&self, new_w: u32, new_h: u32) -> Raster {
        let new_w = new_w.max(1);
        let new_h = new_h.max(1);
        let premultiplied = self.uses_alpha();
        let copy;
        let src = if premultiplied {
            let mut c = self.clone();
            premultiply(&mut c);
            copy = c;
            &copy
        } else {
            self
        };
        let c = usize::from(src.channels);
        // Horizontal pass: width -> new_w, rows unchanged.
        let hx = weights(src.width as usize, new_w as usize);
        let mut mid = vec![0u8; new_w as usize * src.height as usize * c];
        for (row_in, row_out) in src
            .data
            .chunks_exact(src.width as usize * c)
            .zip(mid.chunks_exact_mut(new_w as usize * c))
        {
            for (x, tap) in hx.iter().enumerate() {
                let mut acc = [0i32; 4];
                for (i, &wgt) in tap.weights.iter().enumerate() {
                    let base = (tap.start + i) * c;
                    for (ch, a) in acc.iter_mut().enumerate().take(c) {
                        *a += i32::from(row_in.get(base + ch).copied().unwrap_or(0)) * wgt;
                    }
                }
                for (ch, a) in acc.iter().enumerate().take(c) {
                    if let Some(o) = row_out.get_mut(x * c + ch) {
                        *o = clamp_fixed(*a);
                    }
                }
            }
        }
        // Vertical pass: height -> new_h.
        let row_len = new_w as usize * c;
        let old_h = mid.len() / row_len.max(1);
        let vy = weights(old_h, new_h as usize);
        let mut out = vec![0u8; row_len * new_h as usize];
        let mut acc = vec![0i32; row_len];
        for (y, tap) in vy.iter().enumerate() {
            acc.iter_mut().for_each(|a| *a = 0);
            for (i, &wgt) in tap.weights.iter().enumerate() {
                let start = (tap.start + i) * row_len;
                if let Some(row) = mid.get(start..start + row_len) {
                    for (a, &p) in acc.iter_mut().zip(row) {
                        *a += i32::from(p) * wgt;
                    }
                }
            }
            if let Some(row_out) = out.get_mut(y * row_len..(y + 1) * row_len) {
                for (o, &a) in row_out.iter_mut().zip(&acc) {
                    *o = clamp_fixed(a);
                }
            }
        }
        let mut result = Raster {
            width: new_w,
            height: new_h,
            channels: c as u8,
            data: out,
        };
        if premultiplied {
            unpremultiply(&mut result);
        }
        result
    }
}

/// Fixed-point precision of the filter weights.
const SHIFT: u32 = 14;

fn clamp_fixed(acc: i32) -> u8 {
    ((acc + (1 << (SHIFT - 1))) >> SHIFT).clamp(0, 255) as u8
}

struct Tap {
    start: usize,
    weights: Vec<i32>,
}

fn catmull_rom(x: f64) -> f64 {
    let x = x.abs();
    if x < 1.0 {
        1.5 * x * x * x - 2.5 * x * x + 1.0
    } else if x < 2.0 {
        -0.5 * x * x * x + 2.5 * x * x - 4.0 * x + 2.0
    } else {
        0.0
    }
}

/// The filter taps mapping `src_len` samples to `dst_len` samples (both >= 1).
fn weights(src_len: usize, dst_len: usize) -> Vec<Tap> {
    let src_len = src_len.max(1);
    let dst_len = dst_len.max(1);
    let ratio = src_len as f64 / dst_len as f64;
    let scale = ratio.max(1.0);
    let support = 2.0 * scale;
    (0..dst_len)
        .map(|i| {
            let center = (i as f64 + 0.5) * ratio;
            let lo = ((center - support).floor().max(0.0)) as usize;
            let hi = ((center + support).ceil() as usize).min(src_len);
            let lo = lo.min(hi.saturating_sub(1));
            let raw: Vec<f64> = (lo..hi)
                .map(|j| catmull_rom((j as f64 + 0.5 - center) / scale))
                .collect();
            let sum: f64 = raw.iter().sum();
            let norm = if sum.abs() > f64::EPSILON { sum } else { 1.0 };
            let mut fixed: Vec<i32> = raw
                .iter()
                .map(|w| (w / norm * f64::from(1u32 << SHIFT)).round() as i32)
                .collect();
            // Make the weights add up to exactly 1.0 so flat areas stay flat.
            let total: i32 = fixed.iter().sum();
            if let Some(mid) = fixed.get_mut((hi - lo) / 2) {
                *mid += (1 << SHIFT) - total;
            }
            Tap {
                start: lo,
                weights: fixed,
            }
        })
        .collect()
}

fn premultiply(r: &mut Raster) {
    let c = usize::from(r.channels);
    for p in r.data.chunks_exact_mut(c) {
        let a = u16::from(p[c - 1]);
        for v in &mut p[..c - 1] {
            *v = ((u16::from(*v) * a + 127) / 255) as u8;
        }
    }
}

fn unpremultiply(r: &mut Raster) {
    let c = usize::from(r.channels);
    for p in r.data.chunks_exact_mut(c) {
        let a = u16::from(p[c - 1]);
        if a == 0 {
            p[..c - 1].iter_mut().for_each(|v| *v = 0);
        } else if a < 255 {
            for v in &mut p[..c - 1] {
                *v = ((u16::from(*v) * 255 + a / 2) / a).min(255) as u8;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resizing_keeps_flat_colours_flat() {
        let r = Raster::new(37, 23, 3, vec![200; 37 * 23 * 3]).unwrap();
        let s = r.resized(10, 7);
        assert_eq!(r.width, 37);
        assert_eq!((s.width, s.height, s.data.len()), (10, 7, 210));
        assert!(s.data.iter().all(|&v| v == 200));
    }
}

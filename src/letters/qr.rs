//! The QR code of a letter's activation link, as modules (dark or light), with the quiet
//! zone of four modules that scanners need around it.

use qrcode::{Color, EcLevel, QrCode};

/// Light modules around the code.
const QUIET: usize = 4;

/// A QR code with its quiet zone: `width` × `width` modules, rows from the top.
pub struct Modules {
    pub width: usize,
    dark: Vec<bool>,
}

/// The QR code of `text`, error correction M (a letter folded or smudged still scans).
pub fn modules(text: &str) -> Modules {
    // Any text of a letter fits (a link is under 100 bytes; M holds 2,331): fall back to
    // level L rather than fail on an absurd site address.
    let code = QrCode::with_error_correction_level(text, EcLevel::M)
        .or_else(|_| QrCode::with_error_correction_level(text, EcLevel::L))
        .expect("an activation link fits in a QR code");
    let inner = code.width();
    let width = inner + 2 * QUIET;
    let mut dark = vec![false; width * width];
    for (i, c) in code.to_colors().into_iter().enumerate() {
        if c == Color::Dark {
            let (x, y) = (i % inner + QUIET, i / inner + QUIET);
            dark[y * width + x] = true;
        }
    }
    Modules { width, dark }
}

impl Modules {
    pub fn is_dark(&self, x: usize, y: usize) -> bool {
        self.dark.get(y * self.width + x).copied().unwrap_or(false)
    }

    /// Dark modules as (column, row counted from the bottom), as PDF coordinates go.
    pub fn dark_from_bottom(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        (0..self.width).flat_map(move |y| {
            (0..self.width)
                .filter(move |x| self.is_dark(*x, y))
                .map(move |x| (x, self.width - 1 - y))
        })
    }

    /// A grey picture, `scale` pixels per module (0 = black), for decoding in tests.
    #[cfg(test)]
    pub fn bitmap(&self, scale: usize) -> (usize, Vec<u8>) {
        let side = self.width * scale;
        let mut px = vec![255u8; side * side];
        for y in 0..side {
            for x in 0..side {
                if self.is_dark(x / scale, y / scale) {
                    px[y * side + x] = 0;
                }
            }
        }
        (side, px)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Decode a grey picture with rqrr, as a phone's camera app would.
    pub fn decode(side: usize, px: &[u8]) -> String {
        let mut img =
            rqrr::PreparedImage::prepare_from_greyscale(side, side, |x, y| px[y * side + x]);
        let grids = img.detect_grids();
        assert_eq!(grids.len(), 1, "one QR code");
        grids[0].decode().expect("decodes").1
    }

    #[test]
    fn the_link_decodes_back() {
        let link = "https://ent.alpha.example/activer/?code=ABCD-EFGH-JKMN";
        let m = modules(link);
        let (side, px) = m.bitmap(4);
        assert_eq!(decode(side, &px), link);
        // The quiet zone is light.
        assert!((0..m.width).all(|i| !m.is_dark(i, 0) && !m.is_dark(0, i)));
        assert!(m.dark_from_bottom().count() > 100);
    }
}

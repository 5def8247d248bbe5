//! The type of an upload, from its first bytes only: names and declared types can lie.

use crate::Kind;

pub(crate) enum Sniffed {
    Accepted(Kind),
    /// Recognised, so the user can be told to export as JPEG instead of "unknown file".
    UnsupportedImage,
    Unknown,
}

pub(crate) fn sniff(b: &[u8]) -> Sniffed {
    if b.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Sniffed::Accepted(Kind::Jpeg)
    } else if b.starts_with(b"\x89PNG\r\n\x1a\n") {
        Sniffed::Accepted(Kind::Png)
    } else if b.starts_with(b"GIF87a") || b.starts_with(b"GIF89a") {
        Sniffed::Accepted(Kind::Gif)
    } else if b.starts_with(b"RIFF") && b.get(8..12) == Some(b"WEBP") {
        Sniffed::Accepted(Kind::Webp)
    } else if b.starts_with(b"%PDF-") {
        Sniffed::Accepted(Kind::Pdf)
    } else if is_unsupported_image(b) {
        Sniffed::UnsupportedImage
    } else {
        Sniffed::Unknown
    }
}

fn is_unsupported_image(b: &[u8]) -> bool {
    // ISO base media (HEIC, HEIF, AVIF) with an image brand; video brands stay unknown.
    if b.get(4..8) == Some(b"ftyp") {
        const BRANDS: [&[u8]; 10] = [
            b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1", b"avif",
            b"avis",
        ];
        return b.get(8..12).is_some_and(|brand| BRANDS.contains(&brand));
    }
    // TIFF (both byte orders), BMP, JPEG XL (bare codestream and container).
    b.starts_with(b"II*\0")
        || b.starts_with(b"MM\0*")
        || b.starts_with(b"BM")
        || b.starts_with(&[0xFF, 0x0A])
        || b.starts_with(b"\0\0\0\x0cJXL \r\n\x87\n")
}

//! Inspection of uploaded photos and documents: pure, no I/O, the same natively and on the
//! Worker (wasm32).
//!
//! [`inspect`] takes the bytes of one uploaded file and either refuses it with a typed
//! [`Refusal`] (the caller maps [`Refusal::key`] to a French message) or returns the
//! cleaned file to store, with its type, dimensions and smaller [`Variant`]s for `srcset`.
//!
//! ```
//! use preau_media::{inspect, Limits, Refusal};
//!
//! let limits = Limits::default(); // Limits::worker() on the Worker
//! let refused = inspect(b"<svg onload=alert(1)>", &limits).unwrap_err();
//! assert_eq!(refused, Refusal::UnknownType);
//! assert_eq!(refused.key(), "upload_unknown_type");
//! ```
//!
//! - The type comes from the content only: magic bytes, then a complete decode. Names and
//!   declared types are never looked at. Accepted: JPEG, PNG, WebP, GIF, PDF.
//! - Images are always decoded and re-encoded, so nothing of the original byte stream
//!   survives: no EXIF (GPS, camera), XMP, IPTC, ICC profile, comments, text chunks, nor
//!   whatever was appended (polyglots). The EXIF orientation is applied first.
//! - The pixel count is read from the header and checked before any pixel is decoded, and
//!   decoders get memory limits (decompression bombs).
//! - PDFs are parsed, refused if they hold active content or are encrypted, and written
//!   out anew without their Info dictionary and XMP metadata (see `pdf`).
//!
//! Inside: `detect` (magic bytes) → `jpeg`, `png`, `webp` (decoders) → `still` (scale,
//! orient, variants) → `encode`; `gif` and `pdf` have their own paths; `raster` holds the
//! pixel operations.

mod detect;
mod encode;
mod gif;
mod jpeg;
mod pdf;
mod png;
mod raster;
mod still;
mod webp;

pub use pdf::PdfActiveContent;

use detect::Sniffed;

/// Limits applied to one uploaded file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest accepted file, in bytes.
    pub max_bytes: usize,
    /// Largest accepted image, in pixels (width x height), checked before decoding.
    pub max_pixels: u64,
    /// Longest side of the stored image; larger images are scaled down (never up).
    pub max_side: u32,
    /// Widths of the smaller versions made for `srcset`. Only widths below the stored
    /// image's width are made, each once, in increasing order; 0 is ignored.
    pub variant_widths: Vec<u32>,
    /// Largest decoded pixel buffer, in bytes: width x height x 4 for PNG, WebP and GIF,
    /// the reduced-scale size x 3 for JPEG (decoded at 1/2, 1/4 or 1/8 when large). Also
    /// the decoders' memory limit. Peak memory is about twice this, plus the input. The
    /// Worker has 128 MB: use [`Limits::worker`] there.
    pub max_decoded_bytes: u64,
    /// JPEG quality (1..=100) of stored photos and their variants.
    pub jpeg_quality: u8,
}

impl Limits {
    /// The defaults with decoded buffers capped at 40 MiB, for the Worker's 128 MB: JPEGs
    /// up to `max_pixels` (they decode at a reduced scale), PNG and WebP up to about 10
    /// megapixels.
    pub fn worker() -> Limits {
        Limits {
            max_decoded_bytes: 40 << 20,
            ..Limits::default()
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: 10 * 1024 * 1024,
            max_pixels: 40_000_000,
            max_side: 2048,
            // A phone column at 1x and at 2x; the stored file covers larger screens.
            variant_widths: vec![480, 960],
            // 40 megapixels in RGBA, plus a margin.
            max_decoded_bytes: 168 << 20,
            jpeg_quality: 82,
        }
    }
}

/// A file type this crate accepts or produces.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    Jpeg,
    Png,
    Webp,
    Gif,
    Pdf,
}

impl Kind {
    pub fn mime(self) -> &'static str {
        match self {
            Kind::Jpeg => "image/jpeg",
            Kind::Png => "image/png",
            Kind::Webp => "image/webp",
            Kind::Gif => "image/gif",
            Kind::Pdf => "application/pdf",
        }
    }

    /// The file extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            Kind::Jpeg => "jpg",
            Kind::Png => "png",
            Kind::Webp => "webp",
            Kind::Gif => "gif",
            Kind::Pdf => "pdf",
        }
    }

    pub fn is_image(self) -> bool {
        self != Kind::Pdf
    }
}

/// A smaller version of a stored image, for `srcset`: same kind as the stored file, and
/// just as clean.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Variant {
    /// Exactly one of [`Limits::variant_widths`].
    pub width: u32,
    /// The stored image's height scaled like its width, rounded to nearest, at least 1.
    pub height: u32,
    pub bytes: Vec<u8>,
}

/// An accepted file, cleaned and ready to store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Inspected {
    /// The format of `bytes`, the file to store, and of its variants. It can differ from
    /// `source`: WebP is stored as JPEG (or PNG with transparency), and a GIF larger than
    /// `max_side` as PNG.
    pub kind: Kind,
    /// The format that was uploaded, detected from the content.
    pub source: Kind,
    /// The cleaned file to store: re-encoded images, rewritten PDFs.
    pub bytes: Vec<u8>,
    /// Narrower versions, by increasing width: one per width of
    /// [`Limits::variant_widths`] below `width`. Empty for PDFs and stored GIFs (an
    /// animation is kept as uploaded, not resampled).
    pub variants: Vec<Variant>,
    /// Dimensions of the stored image, upright (orientation applied); `None` for PDFs.
    pub width: Option<u32>,
    pub height: Option<u32>,
    /// Number of pages of a PDF.
    pub pages: Option<u32>,
    /// Same as `kind.mime()`.
    pub mime: &'static str,
    /// Same as `kind.extension()`.
    pub extension: &'static str,
}

/// Why a file was refused. No text for users here: the caller maps [`Refusal::key`] to a
/// message in the strings file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The file has no bytes.
    Empty,
    /// The file is over `max_bytes` (or its cleaned version would be much larger).
    TooLarge,
    /// Not one of the accepted types: SVG, HTML, archives, programs, documents...
    UnknownType,
    /// An image format that is recognised but not accepted (HEIC/HEIF, AVIF, TIFF, BMP,
    /// JPEG XL): the user can export the photo as JPEG.
    UnsupportedImage,
    /// More pixels than `max_pixels`, read from the header before decoding.
    TooManyPixels { width: u32, height: u32 },
    /// An animated GIF whose frames add up to more than `max_pixels`.
    AnimationTooLarge,
    /// The type was recognised but the file does not decode: damaged or truncated.
    Undecodable,
    /// A PDF with scripts, launch actions, attachments, multimedia, data-sending forms or
    /// links to files.
    PdfActive(PdfActiveContent),
    /// A password-protected (encrypted) PDF: its content cannot be inspected.
    PdfEncrypted,
    /// Re-encoding failed (should not happen; reported rather than stored half-done).
    EncodingFailed,
}

impl Refusal {
    /// A stable identifier, the key of the user-facing message in the strings file.
    pub fn key(&self) -> &'static str {
        match self {
            Refusal::Empty => "upload_empty",
            Refusal::TooLarge => "upload_too_large",
            Refusal::UnknownType => "upload_unknown_type",
            Refusal::UnsupportedImage => "upload_unsupported_image",
            Refusal::TooManyPixels { .. } => "upload_too_many_pixels",
            Refusal::AnimationTooLarge => "upload_animation_too_large",
            Refusal::Undecodable => "upload_undecodable",
            Refusal::PdfActive(_) => "upload_pdf_active",
            Refusal::PdfEncrypted => "upload_pdf_encrypted",
            Refusal::EncodingFailed => "upload_encoding_failed",
        }
    }
}

/// Detects the type of `bytes` from its content, checks it against `limits` and returns
/// the cleaned file to store, or why it is refused.
pub fn inspect(bytes: &[u8], limits: &Limits) -> Result<Inspected, Refusal> {
    if bytes.is_empty() {
        return Err(Refusal::Empty);
    }
    if bytes.len() > limits.max_bytes {
        return Err(Refusal::TooLarge);
    }
    let source = match detect::sniff(bytes) {
        Sniffed::Accepted(kind) => kind,
        Sniffed::UnsupportedImage => return Err(Refusal::UnsupportedImage),
        Sniffed::Unknown => return Err(Refusal::UnknownType),
    };
    let (raster, orientation) = match source {
        Kind::Pdf => return pdf::inspect(bytes, limits),
        Kind::Gif => return gif::inspect(bytes, limits),
        Kind::Jpeg => jpeg::decode(bytes, limits)?,
        Kind::Png => png::decode(bytes, limits)?,
        Kind::Webp => webp::decode(bytes, limits)?,
    };
    still::finish(source, raster, orientation, limits)
}

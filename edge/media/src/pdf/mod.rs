//! PDF inspection: parse, refuse active content, drop metadata, re-serialise.
//!
//! This is deliberately not a general PDF library. It reads every indirect object of the
//! file by scanning for `N G obj` (so a damaged cross-reference table does not matter and
//! incremental updates resolve to their latest revision), expands object streams with a
//! bounded inflater, and then walks the objects reachable from the document catalog. Only
//! those objects are written out, renumbered from 1, as plain objects with a fresh
//! cross-reference table and a trailer that holds nothing but `/Size` and `/Root`: the
//! Info dictionary, XMP metadata streams, old revisions and unreferenced objects do not
//! survive. What is checked is exactly what is written, so a viewer cannot be shown an
//! object this module did not inspect.
//!
//! Stream contents (pages, fonts, images) are copied byte for byte, still compressed: they
//! cannot hold actions or scripts, which live in dictionaries, and those are all checked.
//!
//! `parse` reads values, `scan` finds every object of the file, `check` refuses active
//! content, `write` serialises what is reachable.

mod check;
mod parse;
mod scan;
mod write;

use crate::{Inspected, Kind, Limits, Refusal};

use check::count_pages;
use scan::{header_version, scan};
use write::rewrite;

/// Why a PDF is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PdfError {
    Undecodable,
    Encrypted,
    Active(PdfActiveContent),
    /// The cleaned file would be larger than allowed (object streams expand when written
    /// out as plain objects).
    TooLarge,
}

/// The kind of active content that got a PDF refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PdfActiveContent {
    /// `/JS`, `/JavaScript` (actions, name trees), and 3D or rendition scripts.
    JavaScript,
    /// `/Launch` actions: start a program or open a file.
    Launch,
    /// Attached files: `/EmbeddedFiles`, `/EF`, `/EmbeddedFile` streams, file attachment
    /// annotations, `/GoToE`.
    EmbeddedFile,
    /// Multimedia and 3D: `/RichMedia`, `/Movie`, `/Sound`, `/Screen`, `/3D`, `/Rendition`.
    Multimedia,
    /// Forms that send or load data (`/SubmitForm`, `/ImportData`) and XFA forms.
    Form,
    /// Links that leave the web: `/GoToR` (another file) and URIs other than http(s),
    /// mailto and tel (`javascript:`, `file:`, `data:`, shares...).
    ExternalLink,
}

impl PdfActiveContent {
    /// A stable identifier, for logs and the audit trail (not shown to users as is).
    pub fn key(self) -> &'static str {
        match self {
            PdfActiveContent::JavaScript => "javascript",
            PdfActiveContent::Launch => "launch",
            PdfActiveContent::EmbeddedFile => "embedded_file",
            PdfActiveContent::Multimedia => "multimedia",
            PdfActiveContent::Form => "form",
            PdfActiveContent::ExternalLink => "external_link",
        }
    }
}

/// Nesting deeper than this (arrays and dictionaries) is refused: real files stay far below,
/// and it bounds the recursion of the parser, the checker and the writer.
const MAX_DEPTH: usize = 64;

/// A cleaned PDF.
struct CleanPdf {
    bytes: Vec<u8>,
    pages: u32,
}

/// The answer for an upload detected as PDF.
pub(crate) fn inspect(bytes: &[u8], limits: &Limits) -> Result<Inspected, Refusal> {
    // Object streams are written out uncompressed: allow some growth, not a bomb.
    let max_output = limits.max_bytes.saturating_mul(3);
    let clean = clean(bytes, max_output).map_err(|e| match e {
        PdfError::Undecodable => Refusal::Undecodable,
        PdfError::Encrypted => Refusal::PdfEncrypted,
        PdfError::Active(what) => Refusal::PdfActive(what),
        PdfError::TooLarge => Refusal::TooLarge,
    })?;
    Ok(Inspected {
        kind: Kind::Pdf,
        source: Kind::Pdf,
        bytes: clean.bytes,
        variants: Vec::new(),
        width: None,
        height: None,
        pages: Some(clean.pages),
        mime: Kind::Pdf.mime(),
        extension: Kind::Pdf.extension(),
    })
}

/// Inspects and cleans a PDF. `max_output` bounds the size of the written file.
fn clean(input: &[u8], max_output: usize) -> Result<CleanPdf, PdfError> {
    let version = header_version(input).ok_or(PdfError::Undecodable)?;
    let file = scan(input)?;
    let trailer = file.trailer()?;
    if file.encrypted || dict_get(trailer, b"Encrypt").is_some() {
        return Err(PdfError::Encrypted);
    }
    let root = match dict_get(trailer, b"Root") {
        Some(Obj::Ref(num, gen))
            if matches!(file.get((*num, *gen)).map(|o| &o.value), Some(Obj::Dict(_))) =>
        {
            (*num, *gen)
        }
        _ => file.catalog_fallback().ok_or(PdfError::Undecodable)?,
    };
    let pages = count_pages(&file, root)?;
    if pages == 0 {
        return Err(PdfError::Undecodable);
    }
    let out = rewrite(&file, root, &version, max_output)?;
    if out.len() > max_output {
        return Err(PdfError::TooLarge);
    }
    Ok(CleanPdf { bytes: out, pages })
}

#[derive(Clone, Debug, PartialEq)]
enum Obj {
    Null,
    Bool(bool),
    Int(i64),
    /// A real number, kept as validated text (`-12.5`): no float formatting round trip.
    Real(Vec<u8>),
    Str(Vec<u8>),
    /// A name without its slash, `#xx` escapes decoded.
    Name(Vec<u8>),
    Array(Vec<Obj>),
    Dict(Dict),
    Ref(u32, u16),
}

type Dict = Vec<(Vec<u8>, Obj)>;

/// An indirect object: a value and, for streams, the raw (still encoded) data.
struct Indirect {
    value: Obj,
    /// Where the stream data lies in the input.
    stream: Option<std::ops::Range<usize>>,
}

fn dict_get<'a>(dict: &'a Dict, key: &[u8]) -> Option<&'a Obj> {
    // The last occurrence wins, like the writer keeps it.
    dict.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v)
}

fn is_name(obj: Option<&Obj>, name: &[u8]) -> bool {
    matches!(obj, Some(Obj::Name(n)) if n == name)
}

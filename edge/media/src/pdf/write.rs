//! Serialising the objects reachable from the catalog, renumbered, with a fresh
//! cross-reference table and a trailer of `/Size` and `/Root` only.

use std::collections::BTreeMap;

use super::check::{check_dict, is_metadata_stream};
use super::parse::is_regular;
use super::scan::Scanned;
use super::{dict_get, Dict, Obj, PdfActiveContent, PdfError, MAX_DEPTH};

/// Dictionary keys that are removed wherever they appear: XMP metadata and private
/// application data (which can carry names and paths).
const DROPPED_KEYS: &[&[u8]] = &[b"Metadata", b"PieceInfo"];

struct Rewriter<'f> {
    file: &'f Scanned<'f>,
    /// Old (number, generation) -> new number, in order of discovery.
    numbers: BTreeMap<(u32, u16), u32>,
    queue: Vec<(u32, u16)>,
}

impl Rewriter<'_> {
    /// The new number for a reference, or `None` when it points at nothing (null).
    fn number_for(&mut self, key: (u32, u16)) -> Option<u32> {
        if let Some(n) = self.numbers.get(&key) {
            return Some(*n);
        }
        let target = self.file.get(key)?;
        if is_metadata_stream(target) {
            return None;
        }
        let n = u32::try_from(self.numbers.len() + 1).ok()?;
        self.numbers.insert(key, n);
        self.queue.push(key);
        Some(n)
    }

    /// Writes `obj`, checking dictionaries and renumbering references on the way.
    fn write(&mut self, obj: &Obj, out: &mut Vec<u8>, depth: usize) -> Result<(), PdfError> {
        if depth > MAX_DEPTH {
            return Err(PdfError::Undecodable);
        }
        match obj {
            Obj::Null => out.extend_from_slice(b"null"),
            Obj::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
            Obj::Int(i) => out.extend_from_slice(i.to_string().as_bytes()),
            Obj::Real(r) => out.extend_from_slice(r),
            Obj::Str(s) => {
                out.push(b'<');
                for b in s {
                    out.extend_from_slice(&hex_byte(*b));
                }
                out.push(b'>');
            }
            Obj::Name(n) => write_name(n, out),
            Obj::Array(items) => {
                out.push(b'[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(b' ');
                    }
                    self.write(item, out, depth + 1)?;
                }
                out.push(b']');
            }
            Obj::Dict(d) => self.write_dict(d, None, out, depth)?,
            Obj::Ref(n, g) => match self.number_for((*n, *g)) {
                Some(new) => {
                    out.extend_from_slice(new.to_string().as_bytes());
                    out.extend_from_slice(b" 0 R");
                }
                None => out.extend_from_slice(b"null"),
            },
        }
        Ok(())
    }

    fn write_dict(
        &mut self,
        d: &Dict,
        stream_len: Option<usize>,
        out: &mut Vec<u8>,
        depth: usize,
    ) -> Result<(), PdfError> {
        check_dict(d, Some(self.file)).map_err(PdfError::Active)?;
        if stream_len.is_some()
            && (dict_get(d, b"F").is_some() || dict_get(d, b"FFilter").is_some())
        {
            // A stream whose data comes from another (possibly remote) file.
            return Err(PdfError::Active(PdfActiveContent::ExternalLink));
        }
        // A repeated key: only its last occurrence is written.
        let last: BTreeMap<&[u8], usize> = d
            .iter()
            .enumerate()
            .map(|(i, (k, _))| (k.as_slice(), i))
            .collect();
        out.extend_from_slice(b"<<");
        for (i, (key, value)) in d.iter().enumerate() {
            let dropped = DROPPED_KEYS.contains(&key.as_slice())
                || (stream_len.is_some() && key == b"Length")
                || last.get(key.as_slice()) != Some(&i);
            if dropped {
                continue;
            }
            write_name(key, out);
            out.push(b' ');
            self.write(value, out, depth + 1)?;
            out.push(b'\n');
        }
        if let Some(len) = stream_len {
            out.extend_from_slice(b"/Length ");
            out.extend_from_slice(len.to_string().as_bytes());
        }
        out.extend_from_slice(b">>");
        Ok(())
    }
}

fn hex_byte(b: u8) -> [u8; 2] {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    [HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]]
}

fn write_name(n: &[u8], out: &mut Vec<u8>) {
    out.push(b'/');
    for &b in n {
        if (0x21..=0x7e).contains(&b) && is_regular(b) && b != b'#' {
            out.push(b);
        } else {
            out.push(b'#');
            out.extend_from_slice(&hex_byte(b));
        }
    }
}

pub(super) fn rewrite(
    file: &Scanned,
    root: (u32, u16),
    version: &[u8],
    max_output: usize,
) -> Result<Vec<u8>, PdfError> {
    let mut w = Rewriter {
        file,
        numbers: BTreeMap::new(),
        queue: Vec::new(),
    };
    w.number_for(root).ok_or(PdfError::Undecodable)?;
    let mut out = Vec::with_capacity(file.objects.len() * 64);
    out.extend_from_slice(b"%PDF-");
    out.extend_from_slice(version);
    out.extend_from_slice(b"\n%\xE2\xE3\xCF\xD3\n");
    let mut offsets = Vec::new();
    let mut next = 0;
    while let Some(&key) = w.queue.get(next) {
        next += 1;
        let Some(obj) = file.get(key) else {
            return Err(PdfError::Undecodable);
        };
        offsets.push(out.len());
        out.extend_from_slice(offsets.len().to_string().as_bytes());
        out.extend_from_slice(b" 0 obj\n");
        match (&obj.value, file.stream(obj)) {
            (Obj::Dict(d), Some(data)) => {
                w.write_dict(d, Some(data.len()), &mut out, 0)?;
                out.extend_from_slice(b"\nstream\n");
                out.extend_from_slice(data);
                out.extend_from_slice(b"\nendstream");
            }
            (value, _) => w.write(value, &mut out, 0)?,
        }
        out.extend_from_slice(b"\nendobj\n");
        if out.len() > max_output {
            return Err(PdfError::TooLarge);
        }
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", offsets.len() + 1).as_bytes(),
    );
    for off in &offsets {
        out.extend_from_slice(format!("{off:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<</Size {} /Root 1 0 R>>\nstartxref\n{xref}\n%%EOF\n",
            offsets.len() + 1
        )
        .as_bytes(),
    );
    Ok(out)
}

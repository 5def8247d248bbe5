//! Finding every indirect object of a PDF by scanning for `N G obj`, trailers, and the
//! objects inside object streams.

use std::collections::BTreeMap;

use super::parse::{is_regular, is_white, Parser, MAX_NODES};
use super::{dict_get, is_name, Dict, Indirect, Obj, PdfError};

/// Total bytes that object streams may inflate to (they are inflated one at a time).
const MAX_INFLATED: usize = 32 << 20;

pub(super) struct Scanned<'a> {
    data: &'a [u8],
    /// (number, generation) -> (position in the file, object). A later position wins.
    pub(super) objects: BTreeMap<(u32, u16), (usize, Indirect)>,
    /// Trailer dictionaries (classic trailers and cross-reference stream dictionaries),
    /// with their positions.
    trailers: Vec<(usize, Dict)>,
    pub(super) encrypted: bool,
    nodes_left: usize,
}

impl Scanned<'_> {
    pub(super) fn trailer(&self) -> Result<&Dict, PdfError> {
        static EMPTY: Dict = Vec::new();
        Ok(self
            .trailers
            .iter()
            .filter(|(_, d)| dict_get(d, b"Root").is_some())
            .max_by_key(|(p, _)| *p)
            .map(|(_, d)| d)
            .unwrap_or(&EMPTY))
    }

    /// The latest `/Type /Catalog` object, for files whose trailer is lost.
    pub(super) fn catalog_fallback(&self) -> Option<(u32, u16)> {
        self.objects
            .iter()
            .filter(|(_, (_, o))| match &o.value {
                Obj::Dict(d) => is_name(dict_get(d, b"Type"), b"Catalog"),
                _ => false,
            })
            .max_by_key(|(_, (p, _))| *p)
            .map(|(k, _)| *k)
    }

    pub(super) fn get(&self, key: (u32, u16)) -> Option<&Indirect> {
        self.objects.get(&key).map(|(_, o)| o)
    }

    pub(super) fn stream(&self, o: &Indirect) -> Option<&[u8]> {
        o.stream.clone().and_then(|r| self.data.get(r))
    }

    fn insert(&mut self, key: (u32, u16), pos: usize, obj: Indirect) {
        match self.objects.get(&key) {
            Some((old, _)) if *old > pos => {}
            _ => {
                self.objects.insert(key, (pos, obj));
            }
        }
    }
}

pub(super) fn header_version(input: &[u8]) -> Option<Vec<u8>> {
    let rest = input.strip_prefix(b"%PDF-")?;
    let v = rest.get(..3).unwrap_or(&[]);
    let ok = v.len() == 3 && v[0].is_ascii_digit() && v[1] == b'.' && v[2].is_ascii_digit();
    Some(if ok { v.to_vec() } else { b"1.7".to_vec() })
}

fn find(data: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    let hay = data.get(from..)?;
    hay.windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

/// If `obj_kw` (the position of an `obj` keyword) is preceded by `num gen`, returns them
/// and the position where `num` starts.
fn object_header(data: &[u8], obj_kw: usize) -> Option<(u32, u16, usize)> {
    if data.get(obj_kw + 3).is_some_and(|&b| is_regular(b)) {
        return None;
    }
    let back_digits = |i: &mut usize| -> Option<(usize, usize)> {
        let end = *i;
        while *i > 0 && end - *i < 10 && data.get(*i - 1).is_some_and(|b| b.is_ascii_digit()) {
            *i -= 1;
        }
        (*i < end).then_some((*i, end))
    };
    let back_ws = |i: &mut usize| -> bool {
        let end = *i;
        while *i > 0 && end - *i < 64 && data.get(*i - 1).is_some_and(|&b| is_white(b)) {
            *i -= 1;
        }
        *i < end
    };
    let mut i = obj_kw;
    back_ws(&mut i);
    let (gs, ge) = back_digits(&mut i)?;
    if !back_ws(&mut i) {
        return None;
    }
    let (ns, ne) = back_digits(&mut i)?;
    if ns > 0 && data.get(ns - 1).is_some_and(|&b| is_regular(b)) {
        return None;
    }
    let num: u32 = std::str::from_utf8(data.get(ns..ne)?).ok()?.parse().ok()?;
    let gen: u16 = std::str::from_utf8(data.get(gs..ge)?).ok()?.parse().ok()?;
    Some((num, gen, ns))
}

/// Reads every `N G obj ... endobj` and `trailer << ... >>` of the file, in one forward
/// pass: each byte is looked at a bounded number of times, whatever the input.
pub(super) fn scan(data: &[u8]) -> Result<Scanned<'_>, PdfError> {
    let mut file = Scanned {
        data,
        objects: BTreeMap::new(),
        trailers: Vec::new(),
        encrypted: false,
        nodes_left: MAX_NODES,
    };
    let mut pos = 0;
    let mut next_trailer = find(data, 0, b"trailer");
    // Past this position there is no `endstream` at all.
    let mut no_endstream_after = usize::MAX;
    while pos < data.len() {
        if next_trailer.is_some_and(|t| t < pos) {
            next_trailer = find(data, pos, b"trailer");
        }
        let next_obj = find(data, pos, b"obj");
        let trailer_first = match (next_obj, next_trailer) {
            (None, None) => break,
            (Some(o), Some(t)) if t < o => Some(t),
            (None, Some(t)) => Some(t),
            _ => None,
        };
        match (trailer_first, next_obj) {
            (Some(t), _) => {
                let mut p = Parser::with_budget(data, t + b"trailer".len(), file.nodes_left);
                p.skip_ws();
                let parsed = if p.starts_with(b"<<") {
                    p.parse(0)
                } else {
                    Err(())
                };
                file.nodes_left = p.nodes_left;
                if let Ok(Obj::Dict(d)) = parsed {
                    file.trailers.push((t, d));
                }
                pos = p.pos.max(t + 1);
                next_trailer = find(data, pos, b"trailer");
            }
            (None, None) => break,
            (None, Some(o)) => {
                pos = o + 3;
                let Some((num, gen, start)) = object_header(data, o) else {
                    continue;
                };
                let mut p = Parser::with_budget(data, o + 3, file.nodes_left);
                let parsed = p.parse(0);
                file.nodes_left = p.nodes_left;
                if file.nodes_left == 0 {
                    return Err(PdfError::Undecodable);
                }
                let Ok(value) = parsed else {
                    // Skip what the broken object consumed, so hostile input cannot make
                    // us re-read the same bytes again and again.
                    pos = p.pos.max(pos);
                    continue;
                };
                p.skip_ws();
                let mut stream = None;
                if p.at_keyword(b"stream") {
                    let Obj::Dict(dict) = &value else {
                        continue;
                    };
                    let after_kw = p.pos + b"stream".len();
                    match stream_data(data, after_kw, dict, no_endstream_after) {
                        Some((range, end)) => {
                            stream = Some(range);
                            p.pos = end;
                        }
                        None => {
                            no_endstream_after = no_endstream_after.min(after_kw);
                            continue;
                        }
                    }
                }
                pos = p.pos;
                if let Obj::Dict(d) = &value {
                    if is_name(dict_get(d, b"Type"), b"XRef") {
                        file.trailers.push((start, d.clone()));
                    }
                }
                file.insert((num, gen), start, Indirect { value, stream });
            }
        }
    }
    expand_object_streams(&mut file)?;
    file.encrypted = file
        .trailers
        .iter()
        .any(|(_, d)| dict_get(d, b"Encrypt").is_some());
    Ok(file)
}

/// The data of a stream whose `stream` keyword ends at `after_kw`: uses `/Length` when it
/// is direct and lands on `endstream`, else searches for `endstream`. Returns the data's
/// range and the position after `endstream`.
fn stream_data(
    data: &[u8],
    after_kw: usize,
    dict: &Dict,
    no_endstream_after: usize,
) -> Option<(std::ops::Range<usize>, usize)> {
    let mut start = after_kw;
    if data.get(start) == Some(&b'\r') {
        start += 1;
    }
    if data.get(start) == Some(&b'\n') {
        start += 1;
    }
    if let Some(Obj::Int(len)) = dict_get(dict, b"Length") {
        if let Some(end) = usize::try_from(*len)
            .ok()
            .and_then(|l| start.checked_add(l))
        {
            if end <= data.len() {
                let mut p = Parser::new(data, end);
                p.skip_ws();
                if p.at_keyword(b"endstream") {
                    return Some((start..end, p.pos + b"endstream".len()));
                }
            }
        }
    }
    if start >= no_endstream_after {
        return None;
    }
    let kw = find(data, start, b"endstream")?;
    let mut end = kw;
    if end > start && data.get(end - 1) == Some(&b'\n') {
        end -= 1;
    }
    if end > start && data.get(end - 1) == Some(&b'\r') {
        end -= 1;
    }
    Some((start..end, kw + b"endstream".len()))
}

/// Parses the objects held in object streams (`/Type /ObjStm`), one stream at a time.
fn expand_object_streams(file: &mut Scanned) -> Result<(), PdfError> {
    let containers: Vec<(u32, u16)> = file
        .objects
        .iter()
        .filter(|(_, (_, o))| match &o.value {
            Obj::Dict(d) => o.stream.is_some() && is_name(dict_get(d, b"Type"), b"ObjStm"),
            _ => false,
        })
        .map(|(k, _)| *k)
        .collect();
    let mut budget = MAX_INFLATED;
    for key in containers {
        let Some((pos, obj)) = file.objects.get(&key) else {
            continue;
        };
        let pos = *pos;
        let Obj::Dict(d) = &obj.value else { continue };
        if has_filter(d, b"Crypt") {
            file.encrypted = true;
            continue;
        }
        let (Some(Obj::Int(n)), Some(Obj::Int(first))) = (dict_get(d, b"N"), dict_get(d, b"First"))
        else {
            continue;
        };
        let (Ok(n), Ok(first)) = (usize::try_from(*n), usize::try_from(*first)) else {
            continue;
        };
        let Some(raw) = file.stream(obj) else {
            continue;
        };
        let Some(data) = decode_flate(d, raw, budget) else {
            continue;
        };
        budget = budget
            .checked_sub(data.len())
            .ok_or(PdfError::Undecodable)?;
        // The header: `num offset` pairs, offsets increasing.
        let mut header = Parser::new(&data, 0);
        let mut entries: Vec<(u32, usize)> = Vec::new();
        while entries.len() < n {
            header.skip_ws();
            let Ok(Obj::Int(num)) = header.number() else {
                break;
            };
            header.skip_ws();
            let Ok(Obj::Int(off)) = header.number() else {
                break;
            };
            let (Ok(num), Ok(off)) = (u32::try_from(num), usize::try_from(off)) else {
                break;
            };
            if entries.last().is_some_and(|&(_, prev)| off <= prev) {
                break;
            }
            entries.push((num, off));
        }
        for (i, &(num, off)) in entries.iter().enumerate() {
            // Each object is parsed within its own slice: total work stays linear.
            let end = match entries.get(i + 1) {
                Some(&(_, next)) => first.saturating_add(next).min(data.len()),
                None => data.len(),
            };
            let Some(slice) = data.get(..end) else {
                continue;
            };
            let Some(at) = first.checked_add(off) else {
                continue;
            };
            let mut p = Parser::with_budget(slice, at, file.nodes_left);
            let parsed = p.parse(0);
            file.nodes_left = p.nodes_left;
            if file.nodes_left == 0 {
                return Err(PdfError::Undecodable);
            }
            if let Ok(value) = parsed {
                // Objects in a stream count as just after the stream itself.
                file.insert(
                    (num, 0),
                    pos + 1,
                    Indirect {
                        value,
                        stream: None,
                    },
                );
            }
        }
    }
    Ok(())
}

fn has_filter(d: &Dict, name: &[u8]) -> bool {
    match dict_get(d, b"Filter") {
        Some(Obj::Name(n)) => n == name,
        Some(Obj::Array(a)) => a.iter().any(|f| matches!(f, Obj::Name(n) if n == name)),
        _ => false,
    }
}

/// Inflates an object stream (no filter, or FlateDecode without predictor), to at most
/// `limit` bytes.
fn decode_flate(d: &Dict, raw: &[u8], limit: usize) -> Option<Vec<u8>> {
    let filters: Vec<&Obj> = match dict_get(d, b"Filter") {
        None => Vec::new(),
        Some(Obj::Array(a)) => a.iter().collect(),
        Some(other) => vec![other],
    };
    let predictor = match dict_get(d, b"DecodeParms") {
        Some(Obj::Dict(p)) => dict_get(p, b"Predictor").is_some_and(|v| *v != Obj::Int(1)),
        Some(Obj::Null) | None => false,
        Some(_) => true,
    };
    if predictor {
        return None;
    }
    match filters.as_slice() {
        [] => (raw.len() <= limit).then(|| raw.to_vec()),
        [Obj::Name(n)] if n == b"FlateDecode" || n == b"Fl" => {
            miniz_oxide::inflate::decompress_to_vec_zlib_with_limit(raw, limit).ok()
        }
        _ => None,
    }
}

//! What gets a PDF refused: active content in any dictionary that is written out, links
//! that leave the web, and no page at all.

use super::scan::Scanned;
use super::{dict_get, is_name, Dict, Indirect, Obj, PdfActiveContent, PdfError};

/// Pages reachable from the catalog's page tree; each node counts once, so a tree that
/// loops back on itself ends.
pub(super) fn count_pages(file: &Scanned, root: (u32, u16)) -> Result<u32, PdfError> {
    let catalog = match file.get(root).map(|o| &o.value) {
        Some(Obj::Dict(d)) => d,
        _ => return Err(PdfError::Undecodable),
    };
    let mut stack = match dict_get(catalog, b"Pages") {
        Some(Obj::Ref(n, g)) => vec![(*n, *g)],
        _ => return Err(PdfError::Undecodable),
    };
    let mut seen = std::collections::BTreeSet::new();
    let mut pages: u32 = 0;
    while let Some(key) = stack.pop() {
        if !seen.insert(key) {
            continue;
        }
        let Some(Indirect {
            value: Obj::Dict(node),
            stream: None,
        }) = file.get(key)
        else {
            continue;
        };
        match dict_get(node, b"Kids") {
            Some(Obj::Array(kids)) => {
                for kid in kids {
                    if let Obj::Ref(n, g) = kid {
                        stack.push((*n, *g));
                    }
                }
            }
            _ => {
                let typ = dict_get(node, b"Type");
                if typ.is_none() || is_name(typ, b"Page") {
                    pages = pages.saturating_add(1);
                }
            }
        }
    }
    Ok(pages)
}

/// Refuses a dictionary that is, or directly holds, active content. Values are followed
/// through references (`/S 12 0 R` pointing at `/JavaScript`), as viewers do.
pub(super) fn check_dict<'a>(
    d: &'a Dict,
    file: Option<&'a Scanned<'a>>,
) -> Result<(), PdfActiveContent> {
    use PdfActiveContent::*;
    let resolve = |mut v: &'a Obj| -> &'a Obj {
        for _ in 0..8 {
            let Obj::Ref(n, g) = v else { break };
            match file.and_then(|f| f.get((*n, *g))) {
                Some(target) => v = &target.value,
                None => break,
            }
        }
        v
    };
    let mut uri_action = false;
    for (key, value) in d {
        let value = resolve(value);
        match key.as_slice() {
            b"JS" | b"JavaScript" => return Err(JavaScript),
            b"EmbeddedFiles" | b"EmbeddedFile" | b"EF" => return Err(EmbeddedFile),
            b"XFA" => return Err(Form),
            b"RichMediaContent" | b"RichMediaSettings" | b"3DD" => return Err(Multimedia),
            b"S" => {
                if let Obj::Name(n) = value {
                    match n.as_slice() {
                        b"JavaScript" => return Err(JavaScript),
                        b"Launch" => return Err(Launch),
                        b"SubmitForm" | b"ImportData" => return Err(Form),
                        b"GoToR" => return Err(ExternalLink),
                        b"GoToE" => return Err(EmbeddedFile),
                        b"RichMediaExecute" | b"Rendition" | b"Movie" | b"Sound" => {
                            return Err(Multimedia)
                        }
                        b"URI" => uri_action = true,
                        _ => {}
                    }
                }
            }
            b"Subtype" | b"Type" => {
                if let Obj::Name(n) = value {
                    match n.as_slice() {
                        b"RichMedia" | b"Movie" | b"Sound" | b"Screen" | b"3D" => {
                            return Err(Multimedia)
                        }
                        b"FileAttachment" | b"EmbeddedFile" => return Err(EmbeddedFile),
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    if uri_action {
        check_uri(dict_get(d, b"URI").map(resolve))?;
    }
    Ok(())
}

fn check_uri(uri: Option<&Obj>) -> Result<(), PdfActiveContent> {
    let Some(Obj::Str(s)) = uri else {
        return Ok(());
    };
    let text: Vec<u8> = s
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace() && !b.is_ascii_control())
        .map(|b| b.to_ascii_lowercase())
        .collect();
    if text.starts_with(b"\\\\") || text.starts_with(b"//") {
        return Err(PdfActiveContent::ExternalLink);
    }
    let scheme_end = text.iter().position(|&b| b == b':');
    let slash = text
        .iter()
        .position(|&b| b == b'/' || b == b'?' || b == b'#');
    match scheme_end {
        Some(c) if slash.is_none_or(|s| c < s) => {
            let scheme = &text[..c];
            if [&b"http"[..], b"https", b"mailto", b"tel"].contains(&scheme) {
                Ok(())
            } else {
                Err(PdfActiveContent::ExternalLink)
            }
        }
        _ => Ok(()),
    }
}

/// True for XMP metadata streams, which are dropped wherever they are referenced from.
pub(super) fn is_metadata_stream(o: &Indirect) -> bool {
    match &o.value {
        Obj::Dict(d) if o.stream.is_some() => {
            is_name(dict_get(d, b"Type"), b"Metadata") || is_name(dict_get(d, b"Subtype"), b"XML")
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pdf::parse::Parser;

    fn parse(s: &[u8]) -> Obj {
        Parser::new(s, 0).parse(0).unwrap()
    }

    #[test]
    fn names_are_unescaped_so_hidden_javascript_is_seen() {
        assert_eq!(parse(b"/J#61vaScript"), Obj::Name(b"JavaScript".to_vec()));
        let d = match parse(b"<</S/J#61vaScript/J#53(app.alert(1))>>") {
            Obj::Dict(d) => d,
            _ => panic!(),
        };
        assert_eq!(check_dict(&d, None), Err(PdfActiveContent::JavaScript));
    }

    #[test]
    fn uris() {
        let ok = |s: &[u8]| check_uri(Some(&Obj::Str(s.to_vec())));
        assert!(ok(b"https://example.org/a:b").is_ok());
        assert!(ok(b"mailto:ecole@example.org").is_ok());
        assert!(ok(b"page2.html").is_ok());
        assert!(ok(b"JavaScript:alert(1)").is_err());
        assert!(ok(b"java\nscript:alert(1)").is_err());
        assert!(ok(b"file:///etc/passwd").is_err());
        assert!(ok(b"\\\\server\\share").is_err());
    }
}

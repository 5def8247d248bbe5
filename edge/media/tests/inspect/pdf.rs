//! PDFs: metadata dropped, active content and encryption refused, hostile structures
//! refused in bounded time.

use super::*;
use preau_media::PdfActiveContent;

#[test]
fn pdf_loses_info_and_xmp_and_keeps_its_page() {
    for (what, input) in [
        ("plain PDF", pdf_with_metadata()),
        ("PDF with object stream", pdf_with_object_stream()),
    ] {
        assert!(contains(&input, b"MarkerPdfAuthor"));
        let i = inspect(&input, &limits()).unwrap_or_else(|r| panic!("{what}: {r:?}"));
        assert_eq!((i.kind, i.source, i.pages), (Kind::Pdf, Kind::Pdf, Some(1)));
        assert_eq!(i.mime, "application/pdf");
        assert!(i.variants.is_empty() && i.width.is_none());
        assert_clean(what, &i.bytes);
        assert!(
            contains(&i.bytes, b"Sortie a la ferme"),
            "{what}: page content kept"
        );
        assert!(i.bytes.starts_with(b"%PDF-1.7\n"));
        // The cleaned file is itself a clean PDF, and cleaning again changes nothing.
        let again = inspect(&i.bytes, &limits()).unwrap();
        assert_eq!(again.bytes, i.bytes, "{what}: not idempotent");
    }
    let i = inspect(&pdf_with_metadata(), &limits()).unwrap();
    assert!(contains(&i.bytes, b"/URI"), "web links stay");
}

#[test]
fn pdf_active_content_is_refused() {
    use PdfActiveContent::*;
    let js = stream("", b"app.alert('x')");
    let cases: Vec<(&str, Vec<u8>, PdfActiveContent)> = vec![
        (
            "OpenAction JavaScript",
            pdf_with("/OpenAction << /S /JavaScript /JS (app.alert(1)) >>", &[]),
            JavaScript,
        ),
        (
            "JavaScript name tree",
            pdf_with(
                "/Names << /JavaScript << /Names [(a) 5 0 R] >> >>",
                std::slice::from_ref(&js),
            ),
            JavaScript,
        ),
        (
            "escaped name",
            pdf_with("/OpenAction << /S /J#61vaScript /J#53 5 0 R >>", &[js]),
            JavaScript,
        ),
        (
            "action type behind a reference",
            pdf_with(
                "/OpenAction << /S 5 0 R /JS 6 0 R >>",
                &[b"/JavaScript".to_vec(), stream("", b"app.alert(2)")],
            ),
            JavaScript,
        ),
        (
            "javascript: link behind a reference",
            pdf_with(
                "/OpenAction << /S /URI /URI 5 0 R >>",
                &[b"(javascript:alert(1))".to_vec()],
            ),
            ExternalLink,
        ),
        (
            "stream from an external file",
            pdf_with(
                "/Extra 5 0 R",
                &[stream("/F (http://tracker.example/x)", b"")],
            ),
            ExternalLink,
        ),
        (
            "page additional action",
            pdf_with("/AA << /WC << /S /JavaScript /JS (x) >> >>", &[]),
            JavaScript,
        ),
        (
            "launch",
            pdf_with("/OpenAction << /S /Launch /F (cmd.exe) >>", &[]),
            Launch,
        ),
        (
            "embedded files",
            pdf_with(
                "/Names << /EmbeddedFiles << /Names [(a.exe) 5 0 R] >> >>",
                &[b"<< /Type /Filespec /F (a.exe) /EF << /F 6 0 R >> >>".to_vec()],
            ),
            EmbeddedFile,
        ),
        (
            "submit form",
            pdf_with("/OpenAction << /S /SubmitForm /F (http://x/) >>", &[]),
            Form,
        ),
        (
            "XFA",
            pdf_with(
                "/AcroForm << /Fields [] /XFA 5 0 R >>",
                &[stream("", b"<xdp/>")],
            ),
            Form,
        ),
        (
            "rich media",
            pdf_with(
                "/OpenAction 5 0 R",
                &[b"<< /Type /Annot /Subtype /RichMedia >>".to_vec()],
            ),
            Multimedia,
        ),
        (
            "javascript: link",
            pdf_with("/OpenAction << /S /URI /URI (javascript:alert(1)) >>", &[]),
            ExternalLink,
        ),
        (
            "remote go-to",
            pdf_with(
                "/OpenAction << /S /GoToR /F (\\\\\\\\server\\\\x.pdf) /D [0 /Fit] >>",
                &[],
            ),
            ExternalLink,
        ),
    ];
    for (what, input, expected) in cases {
        assert_eq!(
            inspect(&input, &limits()).err(),
            Some(Refusal::PdfActive(expected)),
            "{what}"
        );
    }
}

#[test]
fn encrypted_pdf_is_refused() {
    let mut bodies = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>".to_vec(),
    ];
    bodies.push(b"<< /Filter /Standard /V 2 /R 3 /O <00> /U <00> /P -4 >>".to_vec());
    let input = pdf(&bodies, "/Encrypt 4 0 R");
    assert_eq!(refusal(&input), Refusal::PdfEncrypted);
}

#[test]
fn pdf_hostile_structures_do_not_hang_or_explode() {
    let l = limits();
    // Deep nesting, unterminated strings, a huge array of tiny objects, many unterminated
    // streams, a reference loop in the page tree, and a flate bomb in an object stream.
    let mut deep = b"%PDF-1.7\n1 0 obj ".to_vec();
    deep.extend(vec![b'['; 200_000]);
    let mut strings = b"%PDF-1.7\n".to_vec();
    for i in 0..50_000 {
        strings.extend_from_slice(format!("{i} 0 obj (").as_bytes());
    }
    let mut tiny = b"%PDF-1.7\n1 0 obj [".to_vec();
    tiny.extend(b"0 ".repeat(4_000_000));
    tiny.extend_from_slice(b"] endobj");
    let mut streams = b"%PDF-1.7\n".to_vec();
    for i in 0..50_000 {
        streams.extend_from_slice(format!("{i} 0 obj <<>> stream\n").as_bytes());
    }
    let looped = pdf(
        &[
            b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
            b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 1 >>".to_vec(),
            b"<< /Type /Page /Parent 2 0 R /Kids [2 0 R] >>".to_vec(),
        ],
        "",
    );
    let bomb_data = miniz_oxide::deflate::compress_to_vec_zlib(&vec![b' '; 80 << 20], 9);
    // The page tree (object 3) lives in an object stream that inflates to 80 MB.
    let bomb = pdf(
        &[
            b"<< /Type /Catalog /Pages 3 0 R >>".to_vec(),
            stream(
                "/Type /ObjStm /N 1 /First 4 /Filter /FlateDecode",
                &bomb_data,
            ),
        ],
        "",
    );
    for (what, input) in [
        ("deep nesting", deep),
        ("unterminated strings", strings),
        ("millions of tiny values", tiny),
        ("unterminated streams", streams),
        ("page tree loop", looped),
        ("flate bomb", bomb),
    ] {
        let start = std::time::Instant::now();
        let r = inspect(&input, &l);
        assert!(r.is_err() || what == "page tree loop", "{what}: {r:?}");
        assert!(
            start.elapsed() < std::time::Duration::from_secs(20),
            "{what}: took {:?}",
            start.elapsed()
        );
    }
}

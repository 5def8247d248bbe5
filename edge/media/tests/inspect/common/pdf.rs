//! PDF fixtures: metadata (Info, XMP), object streams and incremental updates, and a
//! one-page document to which active content is added.

pub fn pdf(bodies: &[Vec<u8>], trailer_extra: &str) -> Vec<u8> {
    let mut out = b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in bodies.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", bodies.len() + 1).as_bytes(),
    );
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R {trailer_extra} >>\nstartxref\n{xref}\n%%EOF\n",
            bodies.len() + 1
        )
        .as_bytes(),
    );
    out
}

pub fn stream(dict: &str, data: &[u8]) -> Vec<u8> {
    let mut s = format!("<< {dict} /Length {} >>\nstream\n", data.len()).into_bytes();
    s.extend_from_slice(data);
    s.extend_from_slice(b"\nendstream");
    s
}

const PAGE_CONTENT: &[u8] = b"BT /F1 24 Tf 72 720 Td (Sortie a la ferme) Tj ET";

/// A one-page PDF with an Info dictionary (Author, Producer), an XMP metadata stream on
/// the catalog and another on the page, and a benign /OpenAction (go to page 1).
pub fn pdf_with_metadata() -> Vec<u8> {
    let mut xmp = b"<?xpacket begin=\"\"?>".to_vec();
    xmp.extend_from_slice(b"<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">MarkerPdfXmp</x:xmpmeta>");
    pdf(
        &[
            b"<< /Type /Catalog /Pages 2 0 R /Metadata 5 0 R /OpenAction [3 0 R /Fit] >>".to_vec(),
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Metadata 5 0 R /Resources << /Font << /F1 7 0 R >> >> /Annots [8 0 R] >>".to_vec(),
            stream("", PAGE_CONTENT),
            stream("/Type /Metadata /Subtype /XML", &xmp),
            b"<< /Author (MarkerPdfAuthor) /Producer (MarkerPdfProducer) /Title (Sortie) >>".to_vec(),
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_vec(),
            b"<< /Type /Annot /Subtype /Link /Rect [72 700 200 720] /A << /S /URI /URI (https://ecole.example.org/) >> >>".to_vec(),
        ],
        "/Info 6 0 R /ID [<0123456789ABCDEF0123456789ABCDEF> <0123456789ABCDEF0123456789ABCDEF>]",
    )
}

/// The same document with its page objects inside a compressed object stream, and an
/// incremental update that replaces the Info dictionary.
pub fn pdf_with_object_stream() -> Vec<u8> {
    let objs: [&[u8]; 2] = [
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
    ];
    let mut header = String::new();
    let mut body = Vec::new();
    for (i, o) in objs.iter().enumerate() {
        header.push_str(&format!("{} {} ", i + 2, body.len()));
        body.extend_from_slice(o);
        body.push(b' ');
    }
    let mut plain = header.clone().into_bytes();
    plain.extend_from_slice(&body);
    let packed = miniz_oxide::deflate::compress_to_vec_zlib(&plain, 6);
    let objstm = stream(
        &format!(
            "/Type /ObjStm /N 2 /First {} /Filter /FlateDecode",
            header.len()
        ),
        &packed,
    );
    let mut out = pdf(
        &[
            b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
            b"null".to_vec(), // placeholders: the real 2 and 3 live in the stream
            b"null".to_vec(),
            stream("", PAGE_CONTENT),
            objstm,
            b"<< /Author (MarkerPdfAuthor) >>".to_vec(),
        ],
        "/Info 6 0 R",
    );
    // The null placeholders come first in the file; the object stream (later) wins.
    let update_at = out.len();
    out.extend_from_slice(
        b"6 0 obj\n<< /Author (MarkerPdfAuthor) /Producer (MarkerPdfProducer) >>\nendobj\n",
    );
    out.extend_from_slice(
        format!("xref\n6 1\n{update_at:010} 00000 n \ntrailer\n<< /Size 7 /Root 1 0 R /Info 6 0 R >>\nstartxref\n{}\n%%EOF\n", out.len()).as_bytes(),
    );
    out
}

/// A one-page PDF whose catalog carries `catalog_extra` (for active content).
pub fn pdf_with(catalog_extra: &str, extra_objects: &[Vec<u8>]) -> Vec<u8> {
    let mut bodies = vec![
        format!("<< /Type /Catalog /Pages 2 0 R {catalog_extra} >>").into_bytes(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>".to_vec(),
        stream("", PAGE_CONTENT),
    ];
    bodies.extend_from_slice(extra_objects);
    pdf(&bodies, "")
}

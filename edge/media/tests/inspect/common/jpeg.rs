//! JPEG fixtures: a phone photo with hand-made EXIF (GPS, orientation), XMP, ICC, IPTC
//! and a comment, and a header-only bomb.

use super::two_halves_rgb;

pub fn plain_jpeg(w: u16, h: u16, rgb: &[u8], quality: u8) -> Vec<u8> {
    let mut out = Vec::new();
    let enc = jpeg_encoder::Encoder::new(&mut out, quality);
    enc.encode(rgb, w, h, jpeg_encoder::ColorType::Rgb)
        .expect("fixture encodes");
    out
}

/// A TIFF/EXIF block (big-endian) with Make, Model, Orientation and a GPS IFD holding a
/// position (latitude, longitude, altitude) and a processing-method string.
pub fn exif_tiff(orientation: u16) -> Vec<u8> {
    // Layout: header (8) | IFD0 (2 + 4*12 + 4) | GPS IFD (2 + 6*12 + 4) | data area.
    let ifd0 = 8u32;
    let ifd0_len = 2 + 4 * 12 + 4;
    let gps = ifd0 + ifd0_len;
    let gps_len = 2 + 6 * 12 + 4;
    let data = gps + gps_len;
    let make = b"MarkerCameraMake\0";
    let model = b"MarkerCameraModel\0";
    let area = b"ASCII\0\0\0GPS MarkerGpsArea";
    let make_at = data;
    let model_at = make_at + make.len() as u32;
    let lat_at = model_at + model.len() as u32;
    let lon_at = lat_at + 24;
    let alt_at = lon_at + 24;
    let area_at = alt_at + 8;

    let mut t = Vec::new();
    t.extend_from_slice(b"MM\0\x2a");
    t.extend_from_slice(&ifd0.to_be_bytes());
    let entry = |t: &mut Vec<u8>, tag: u16, typ: u16, count: u32, value: [u8; 4]| {
        t.extend_from_slice(&tag.to_be_bytes());
        t.extend_from_slice(&typ.to_be_bytes());
        t.extend_from_slice(&count.to_be_bytes());
        t.extend_from_slice(&value);
    };
    // IFD0
    t.extend_from_slice(&4u16.to_be_bytes());
    entry(&mut t, 0x010F, 2, make.len() as u32, make_at.to_be_bytes());
    entry(
        &mut t,
        0x0110,
        2,
        model.len() as u32,
        model_at.to_be_bytes(),
    );
    let o = orientation.to_be_bytes();
    entry(&mut t, 0x0112, 3, 1, [o[0], o[1], 0, 0]);
    entry(&mut t, 0x8825, 4, 1, gps.to_be_bytes());
    t.extend_from_slice(&0u32.to_be_bytes());
    // GPS IFD
    t.extend_from_slice(&6u16.to_be_bytes());
    entry(&mut t, 0x0001, 2, 2, *b"N\0\0\0");
    entry(&mut t, 0x0002, 5, 3, lat_at.to_be_bytes());
    entry(&mut t, 0x0003, 2, 2, *b"E\0\0\0");
    entry(&mut t, 0x0004, 5, 3, lon_at.to_be_bytes());
    entry(&mut t, 0x0006, 5, 1, alt_at.to_be_bytes());
    entry(&mut t, 0x001B, 7, area.len() as u32, area_at.to_be_bytes());
    t.extend_from_slice(&0u32.to_be_bytes());
    // Data
    t.extend_from_slice(make);
    t.extend_from_slice(model);
    for (num, den) in [(48u32, 1u32), (51, 1), (2950, 100)] {
        t.extend_from_slice(&num.to_be_bytes());
        t.extend_from_slice(&den.to_be_bytes());
    }
    for (num, den) in [(2u32, 1u32), (17, 1), (4010, 100)] {
        t.extend_from_slice(&num.to_be_bytes());
        t.extend_from_slice(&den.to_be_bytes());
    }
    t.extend_from_slice(&35u32.to_be_bytes());
    t.extend_from_slice(&1u32.to_be_bytes());
    t.extend_from_slice(area);
    t
}

fn segment(marker: u8, payload: &[u8]) -> Vec<u8> {
    let mut s = vec![0xFF, marker];
    s.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
    s.extend_from_slice(payload);
    s
}

pub const XMP_PACKET: &[u8] = b"<?xpacket begin=\"\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?><x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\"><rdf:Description xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><dc:creator>MarkerXmpCreator</dc:creator></rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end=\"w\"?>";

/// Inserts, right after SOI, the segments a phone and an editor write: APP1 EXIF (built
/// by hand), APP1 XMP, APP2 ICC profile, APP13 IPTC, and a COM comment.
pub fn with_metadata(jpeg: &[u8], orientation: u16) -> Vec<u8> {
    let mut exif = b"Exif\0\0".to_vec();
    exif.extend_from_slice(&exif_tiff(orientation));
    let mut xmp = b"http://ns.adobe.com/xap/1.0/\0".to_vec();
    xmp.extend_from_slice(XMP_PACKET);
    let mut icc = b"ICC_PROFILE\0\x01\x01".to_vec();
    icc.extend_from_slice(b"\0\0\0\x80appl\x02\x10\0\0mntrRGB XYZ MarkerIccProfile");
    let mut iptc = b"Photoshop 3.0\08BIM\x04\x04\0\0\0\0\0\x18".to_vec();
    iptc.extend_from_slice(b"\x1c\x02\x50\0\x10MarkerIptcAuthor");
    let mut out = jpeg[..2].to_vec();
    out.extend(segment(0xE1, &exif));
    out.extend(segment(0xE1, &xmp));
    out.extend(segment(0xE2, &icc));
    out.extend(segment(0xED, &iptc));
    out.extend(segment(0xFE, b"MarkerJpegComment"));
    out.extend_from_slice(&jpeg[2..]);
    out
}

/// The phone photo of the tests: 64 x 48, red on the left, blue on the right, stored
/// sideways (orientation 6: display rotated 90 degrees clockwise), with full metadata.
pub fn phone_jpeg() -> Vec<u8> {
    let rgb = two_halves_rgb(64, 48);
    with_metadata(&plain_jpeg(64, 48, &rgb, 90), 6)
}

/// The JPEG segments (marker, payload) before the first scan.
pub fn jpeg_segments(b: &[u8]) -> Vec<(u8, Vec<u8>)> {
    let mut out = Vec::new();
    let mut i = 2;
    while i + 4 <= b.len() && b[i] == 0xFF {
        let m = b[i + 1];
        let len = u16::from_be_bytes([b[i + 2], b[i + 3]]) as usize;
        out.push((m, b[i + 4..(i + 2 + len).min(b.len())].to_vec()));
        if m == 0xDA {
            break;
        }
        i += 2 + len;
    }
    out
}

pub fn decode_jpeg(b: &[u8]) -> (u32, u32, Vec<u8>) {
    let mut d = jpeg_decoder::Decoder::new(b);
    let px = d.decode().expect("stored JPEG decodes");
    let info = d.info().expect("info");
    (u32::from(info.width), u32::from(info.height), px)
}

/// A header-only JPEG claiming `w` x `h` pixels (SOF0 with three components).
pub fn jpeg_bomb(w: u16, h: u16) -> Vec<u8> {
    let mut out = vec![0xFF, 0xD8];
    let mut sof = vec![8];
    sof.extend_from_slice(&h.to_be_bytes());
    sof.extend_from_slice(&w.to_be_bytes());
    sof.extend_from_slice(&[3, 1, 0x22, 0, 2, 0x11, 0, 3, 0x11, 0]);
    let mut dqt = vec![0];
    dqt.extend_from_slice(&[1u8; 64]);
    out.extend(segment(0xDB, &dqt));
    out.extend(segment(0xC0, &sof));
    out.extend(segment(0xDA, &[3, 1, 0, 2, 0x11, 3, 0x11, 0, 63, 0]));
    out.extend_from_slice(&[0u8; 64]);
    out.extend_from_slice(&[0xFF, 0xD9]);
    out
}

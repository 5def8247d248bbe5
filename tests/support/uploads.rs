//! The upload scenarios of the HTTP suite (issue 9), run by both adapters through the one
//! list of scenarios.rs (`scenario_lists!`): the form `POST /espace/medias/` as a browser
//! sends it (`multipart/form-data`: `csrf`, `portee`, one `fichiers` part per file) and the
//! files served under `/medias/…`.
//!
//! Each scenario uploads into a place of its own, so that on the Worker (one server for the
//! whole list) a gallery that must stay empty is not filled by another scenario:
//! hostile files into class CM1 of school B, hostile names into school B, accepted files
//! into class CE1, concurrent uploads into class CP, the daily quota into school A; the
//! refused requests store nothing anywhere. (The pending scenarios, which have a Worker of
//! their own, use class CP, class CE1 and school B.) "Nothing stored" is checked twice: the gallery
//! of the place, and the blob store itself (`Target::stored_blobs`: the native data folder,
//! miniflare's local R2 under the Worker's `--persist-to` folder).
//!
//! The fixture files come from preau-media's own tests (edge/media/tests/inspect/common).

use super::client::{Body, Browser, Resp};
use super::scenarios::{
    decode_entities, member, Target, CLASS, OTHER_CLASS, OTHER_SCHOOL_CLASS, PASSWORD,
};
use preau_contract::media::{MediaKind, MediaRef};
use std::time::{Duration, Instant};

#[path = "../../edge/media/tests/inspect/common/mod.rs"]
pub mod common;

/// The upload page and form.
pub const MEDIA_PAGE: &str = "/espace/medias/";
const BOUNDARY: &str = "----preau-scenario-k7Qz2xW9mB4";

/// Limits of the core's default configuration (edge/src/uploads.rs, preau-media), the same
/// on both adapters.
const FILES_PER_REQUEST: usize = 20;
const FILES_PER_DAY: usize = 300;
const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;

// The French texts the page shows (themes/default/strings/fr.toml).
const T_UNKNOWN_TYPE: &str = "ce type de fichier n'est pas accepté";
const T_UNDECODABLE: &str = "le fichier est abîmé ou incomplet";
const T_TOO_MANY_PIXELS: &str = "l'image est trop grande (40 mégapixels au plus)";
const T_EMPTY: &str = "le fichier est vide";
const T_TOO_LARGE: &str = "le fichier est trop volumineux (10 Mo au plus)";
const T_PDF_ACTIVE: &str = "ce PDF contient des éléments actifs";
const T_FORBIDDEN: &str = "Seuls les enseignants, les directions";
const T_BAD_SCOPE: &str = "Vous ne pouvez pas ajouter de fichiers à cet endroit.";
const T_BAD_FORM: &str = "Le formulaire envoyé est illisible.";
const T_TOO_MANY_FILES: &str = "Trop de fichiers en une fois : envoyez-en 20 au plus.";
const T_QUOTA: &str = "Limite du jour atteinte (300 fichiers";
const T_GALLERY_EMPTY: &str = "Aucun fichier pour le moment.";
const T_ALT: &str = "Décrivez la photo";

// ---------------------------------------------------------------------------------------
// The form, as a browser sends it
// ---------------------------------------------------------------------------------------

/// One file of the form: the `filename` parameter exactly as sent (raw bytes between the
/// quotes: browsers send UTF-8 and replace `"`, CR and LF by `%22`, `%0D`, `%0A`) and the
/// content.
#[derive(Clone)]
pub struct File {
    pub name: Vec<u8>,
    pub data: Vec<u8>,
}

pub fn file(name: &str, data: Vec<u8>) -> File {
    File {
        name: name.as_bytes().to_vec(),
        data,
    }
}

/// The type a browser declares, from the name only (the server must ignore it).
fn declared_type(name: &[u8]) -> &'static str {
    let n = String::from_utf8_lossy(name).to_ascii_lowercase();
    match n.rsplit('.').next().unwrap_or("") {
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "pdf" => "application/pdf",
        "svg" => "image/svg+xml",
        "zip" => "application/zip",
        _ => "application/octet-stream",
    }
}

/// A `multipart/form-data` body: the plain fields, then one `fichiers` part per file.
pub fn multipart(fields: &[(&str, &str)], files: &[File]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n")
                .as_bytes(),
        );
        body.extend(value.as_bytes());
        body.extend(b"\r\n");
    }
    for f in files {
        body.extend(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"fichiers\"; filename=\""
            )
            .as_bytes(),
        );
        body.extend(&f.name);
        body.extend(format!("\"\r\nContent-Type: {}\r\n\r\n", declared_type(&f.name)).as_bytes());
        body.extend(&f.data);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

fn multipart_type() -> String {
    format!("multipart/form-data; boundary={BOUNDARY}")
}

/// Post the upload form with this token and scope (and extra headers).
pub fn post_files(
    b: &mut Browser,
    csrf: &str,
    scope: &str,
    files: &[File],
    headers: &[(&str, &str)],
) -> Resp {
    let body = multipart(&[("csrf", csrf), ("portee", scope)], files);
    b.send(
        "POST",
        MEDIA_PAGE,
        Body::Typed(&multipart_type(), &body),
        headers,
    )
}

/// The anti-forgery token of the upload page (the page must open).
fn page_csrf(b: &mut Browser) -> String {
    let page = b.get(MEDIA_PAGE);
    assert_eq!(page.status, 200, "{MEDIA_PAGE}: {}", page.body);
    let token = page.csrf();
    assert!(!token.is_empty(), "{MEDIA_PAGE}: no csrf input");
    token
}

/// Open the upload page and send `files` into `scope`, as the plain form does (a browser
/// sends its origin with every form post).
pub fn upload(b: &mut Browser, scope: &str, files: &[File]) -> Resp {
    let csrf = page_csrf(b);
    let origin = b.base.clone();
    post_files(b, &csrf, scope, files, &[("origin", &origin)])
}

// ---------------------------------------------------------------------------------------
// Reading the page
// ---------------------------------------------------------------------------------------

/// The text between `start` and the next `end` after it, from `from`.
fn between<'a>(s: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let i = s.find(start)? + start.len();
    let j = s[i..].find(end)? + i;
    Some(&s[i..j])
}

/// What the page says became of each file of the last request.
#[derive(Debug, Default)]
pub struct Results {
    /// (name shown, Markdown snippet), entities decoded.
    pub accepted: Vec<(String, String)>,
    /// (name shown, reason), entities decoded.
    pub refused: Vec<(String, String)>,
}

impl Results {
    /// The reason given for the file shown as `name`.
    pub fn reason(&self, name: &str) -> Option<&str> {
        self.refused
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, r)| r.as_str())
    }

    /// The media URL of the accepted file shown as `name`.
    pub fn url(&self, name: &str) -> Option<String> {
        self.accepted
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, s)| snippet_url(s))
    }
}

pub fn results(page: &str) -> Results {
    let mut out = Results::default();
    let Some(section) = between(page, "<section class=\"upload-results\"", "</section>") else {
        return out;
    };
    if let Some(list) = between(section, "<ul class=\"uploaded\">", "</ul>") {
        for item in list.split("<li>").skip(1) {
            let name = between(item, "<p><strong>", "</strong>").unwrap_or("");
            let snippet = between(item, "<textarea", "</textarea>")
                .and_then(|t| t.split_once('>'))
                .map(|(_, s)| s)
                .unwrap_or("");
            out.accepted
                .push((decode_entities(name), decode_entities(snippet)));
        }
    }
    if let Some(list) = between(section, "<ul class=\"error\" role=\"alert\">", "</ul>") {
        for item in list.split("<li>").skip(1) {
            let name = between(item, "<strong>", "</strong>").unwrap_or("");
            let reason = between(item, "</strong> : ", "</li>").unwrap_or("");
            out.refused
                .push((decode_entities(name), decode_entities(reason)));
        }
    }
    out
}

/// The URL of a Markdown snippet (`![…](url)` or `[…](url)`).
pub fn snippet_url(snippet: &str) -> String {
    let s = snippet.trim();
    let open = s.rfind("](").map(|i| i + 2).unwrap_or(0);
    s[open..].trim_end_matches(')').to_string()
}

/// One file of a gallery: (name shown, snippet), entities decoded.
pub fn gallery(page: &str) -> Vec<(String, String)> {
    let Some(section) = page.split("aria-labelledby=\"h-gallery\"").nth(1) else {
        panic!("no gallery on the page:\n{page}");
    };
    let Some(list) = between(section, "<ul class=\"gallery\">", "</ul>") else {
        assert!(
            section.contains(T_GALLERY_EMPTY),
            "neither a gallery nor its empty message:\n{section}"
        );
        return Vec::new();
    };
    list.split("<li>")
        .skip(1)
        .map(|item| {
            let name = between(item, "<p>", "</p>").unwrap_or("");
            let snippet = between(item, "<textarea", "</textarea>")
                .and_then(|t| t.split_once('>'))
                .map(|(_, s)| s)
                .unwrap_or("");
            (decode_entities(name), decode_entities(snippet))
        })
        .collect()
}

/// The first page of the gallery of `scope`, as `b` (an uploader there) sees it.
pub fn gallery_of(b: &mut Browser, scope: &str) -> Vec<(String, String)> {
    let r = b.get(&format!(
        "{MEDIA_PAGE}?portee={}",
        scope.replace('/', "%2F")
    ));
    assert_eq!(r.status, 200, "gallery of {scope}: {}", r.body);
    gallery(&r.body)
}

/// Every stored version of an upload: the file itself and its smaller versions.
pub fn versions(url: &str) -> Vec<String> {
    let m = MediaRef::parse(url).unwrap_or_else(|| panic!("{url} is not a media name"));
    let mut all = vec![m.original().url()];
    all.extend(m.variants().iter().map(MediaRef::url));
    all
}

// ---------------------------------------------------------------------------------------
// Files
// ---------------------------------------------------------------------------------------

/// A small PNG whose pixels depend on `seed` (so each seed is a different upload).
pub fn tiny_png(seed: u32) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, 3, 2);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let mut w = enc.write_header().expect("png header");
        let s = seed.to_be_bytes();
        let data = [
            s[1], s[2], s[3], s[3], s[2], s[1], 7, 7, 7, //
            s[0], s[1], 9, 1, 2, 3, s[3], 0, s[2],
        ];
        w.write_image_data(&data).expect("png data");
        w.finish().expect("png end");
    }
    out
}

/// A phone photo `w` x `h` as the sensor stored it, sideways (orientation 6) with GPS,
/// camera, XMP, ICC, IPTC and a comment; `seed` changes a few pixels.
pub fn sideways_photo(w: u16, h: u16, seed: u8) -> Vec<u8> {
    let mut rgb = common::two_halves_rgb(u32::from(w), u32::from(h));
    for (i, v) in rgb.iter_mut().take(64).enumerate() {
        *v = v.wrapping_add(seed.wrapping_mul(i as u8 | 1));
    }
    common::with_metadata(&common::plain_jpeg(w, h, &rgb, 85), 6)
}

/// Width and height from a stored file's own header (JPEG, PNG, GIF, WebP).
fn decoded_size(kind: MediaKind, bytes: &[u8]) -> (u32, u32) {
    let be = |i: usize| u32::from_be_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
    let le16 = |i: usize| u32::from(u16::from_le_bytes([bytes[i], bytes[i + 1]]));
    match kind {
        MediaKind::Jpeg => {
            let (w, h, _) = common::decode_jpeg(bytes);
            (w, h)
        }
        MediaKind::Png => {
            assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n") && &bytes[12..16] == b"IHDR");
            (be(16), be(20))
        }
        MediaKind::Gif => {
            assert!(bytes.starts_with(b"GIF8"));
            (le16(6), le16(8))
        }
        MediaKind::Webp => {
            let d = image_webp::WebPDecoder::new(std::io::Cursor::new(bytes))
                .expect("stored WebP decodes");
            d.dimensions()
        }
        MediaKind::Pdf => panic!("a PDF has no size"),
    }
}

// ---------------------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------------------

/// The blob store holds exactly the same files as before (nothing written, nothing left).
fn assert_nothing_stored(t: &dyn Target, before: &[String], what: &str) {
    let after = t.stored_blobs();
    assert_eq!(
        after, before,
        "{what}: the blob store changed (files before / after)"
    );
}

/// `r` is the friendly page with `message`, and status `status`.
fn assert_notice(what: &str, r: &Resp, status: u16, message: &str) {
    assert_eq!(r.status, status, "{what}: {}", r.body);
    assert!(
        decode_entities(&r.body).contains(message),
        "{what}: the page does not say {message:?}:\n{}",
        r.body
    );
}

/// Headers every served upload carries.
fn assert_media_headers(url: &str, r: &Resp, kind: MediaKind, public: bool) {
    assert_eq!(r.header("content-type"), Some(kind.mime()), "{url}");
    assert_eq!(r.header("x-content-type-options"), Some("nosniff"), "{url}");
    let csp = r.header("content-security-policy").unwrap_or("");
    assert!(
        csp.contains("sandbox"),
        "{url}: CSP {csp:?} without sandbox"
    );
    assert!(
        csp.contains("default-src 'none'"),
        "{url}: CSP {csp:?} without default-src 'none'"
    );
    let cache = r.header("cache-control").unwrap_or("");
    if public {
        assert!(cache.contains("public"), "{url}: Cache-Control {cache:?}");
    } else {
        assert!(cache.contains("private"), "{url}: Cache-Control {cache:?}");
        assert!(!cache.contains("public"), "{url}: Cache-Control {cache:?}");
    }
    assert_eq!(r.header("accept-ranges"), Some("bytes"), "{url}");
}

/// The shown name of an uploaded file is a name, never a path, and safe to show.
fn assert_plain_name(name: &str) {
    assert!(!name.is_empty(), "empty name");
    assert!(
        !name.contains(['/', '\\']),
        "the name {name:?} keeps a path separator"
    );
    assert!(
        !name.starts_with('.'),
        "the name {name:?} starts with a dot"
    );
    assert!(
        !name.chars().any(char::is_control),
        "the name {name:?} keeps control characters"
    );
    assert!(
        !name.contains(['\u{202a}', '\u{202b}', '\u{202c}', '\u{202d}', '\u{202e}']),
        "the name {name:?} keeps a bidirectional override"
    );
    assert!(
        name.chars().count() <= 100,
        "the name {name:?} is longer than 100 characters"
    );
}

// ---------------------------------------------------------------------------------------
// Scenarios
// ---------------------------------------------------------------------------------------

/// The hostile corpus: each file is refused with its French reason next to its name, and
/// nothing is stored (the gallery of the class stays empty, the blob store unchanged).
/// A JPEG with HTML appended (and a script in a comment) is a valid photo: it is kept
/// without the HTML.
pub fn upload_hostile_files(t: &dyn Target) {
    let mut teacher = member(t, "hostile.prof", "teacher", Some(OTHER_SCHOOL_CLASS));
    assert!(gallery_of(&mut teacher, OTHER_SCHOOL_CLASS).is_empty());
    let before = t.stored_blobs();

    let mut truncated = common::phone_jpeg();
    truncated.truncate(truncated.len() * 2 / 3);
    let mut over = common::phone_jpeg();
    over.resize(MAX_FILE_BYTES + 1, 0);
    let svg = b"<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"><script>alert(document.cookie)</script></svg>";
    let corpus: Vec<(File, &str)> = vec![
        (
            file(
                "photo.jpg",
                b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
                    .to_vec(),
            ),
            T_UNKNOWN_TYPE,
        ),
        (file("dessin.svg", svg.to_vec()), T_UNKNOWN_TYPE),
        (file("dessin-svg.jpg", svg.to_vec()), T_UNKNOWN_TYPE),
        (file("coupee.jpg", truncated), T_UNDECODABLE),
        (
            file("immense.png", common::png_bomb(30_000, 30_000)),
            T_TOO_MANY_PIXELS,
        ),
        (
            file("bombe.jpg", common::jpeg_bomb(65_000, 65_000)),
            T_TOO_MANY_PIXELS,
        ),
        (
            file(
                "archive.zip",
                b"PK\x03\x04\x14\0\0\0\x08\0\0\0\0\0rest of a zip".to_vec(),
            ),
            T_UNKNOWN_TYPE,
        ),
        (
            file(
                "programme.jpg",
                b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x02\0\x3e\0".to_vec(),
            ),
            T_UNKNOWN_TYPE,
        ),
        (file("vide.jpg", Vec::new()), T_EMPTY),
        (file("lourde.jpg", over), T_TOO_LARGE),
        (
            file(
                "script.pdf",
                common::pdf_with("/OpenAction << /S /JavaScript /JS (app.alert(1)) >>", &[]),
            ),
            T_PDF_ACTIVE,
        ),
        (
            file(
                "lancement.pdf",
                common::pdf_with("/OpenAction << /S /Launch /F (cmd.exe) >>", &[]),
            ),
            T_PDF_ACTIVE,
        ),
    ];
    let files: Vec<File> = corpus.iter().map(|(f, _)| f.clone()).collect();
    let r = upload(&mut teacher, OTHER_SCHOOL_CLASS, &files);
    assert_eq!(r.status, 422, "nothing accepted: {}", r.body);
    let res = results(&r.body);
    assert!(res.accepted.is_empty(), "accepted: {:?}", res.accepted);
    assert_eq!(
        res.refused.len(),
        corpus.len(),
        "one refusal per file: {:?}",
        res.refused
    );
    for (f, reason) in &corpus {
        let name = String::from_utf8_lossy(&f.name);
        let got = res
            .reason(&name)
            .unwrap_or_else(|| panic!("{name}: no refusal naming it: {:?}", res.refused));
        assert!(
            got.starts_with(reason),
            "{name}: reason {got:?}, want {reason:?}"
        );
    }
    // Each file alone too: the same answer, whatever comes with it.
    for (f, reason) in corpus.iter().take(3) {
        let r = upload(&mut teacher, OTHER_SCHOOL_CLASS, std::slice::from_ref(f));
        assert_eq!(r.status, 422);
        let name = String::from_utf8_lossy(&f.name);
        assert!(
            results(&r.body)
                .reason(&name)
                .is_some_and(|g| g.starts_with(reason)),
            "{name} alone: {}",
            r.body
        );
    }
    assert!(
        gallery_of(&mut teacher, OTHER_SCHOOL_CLASS).is_empty(),
        "a refused file is in the gallery"
    );
    assert_nothing_stored(t, &before, "hostile corpus");

    // The polyglot: a real JPEG, a script in a comment segment and an HTML page after its
    // end. Accepted as a photo (it is one), stored without any of the HTML; a refused file
    // of the same request does not stop it.
    let mut jpeg = common::plain_jpeg(40, 30, &common::two_halves_rgb(40, 30), 90);
    let comment = b"<script>alert('COM')</script>";
    let mut com = vec![0xFF, 0xFE];
    com.extend(((comment.len() + 2) as u16).to_be_bytes());
    com.extend(comment);
    jpeg.splice(2..2, com);
    jpeg.extend(b"<html><body><script>alert(document.cookie)</script>MarkerAppended</body></html>");
    let r = upload(
        &mut teacher,
        OTHER_SCHOOL_CLASS,
        &[
            file("polyglotte.jpg", jpeg),
            file("encore-vide.jpg", Vec::new()),
        ],
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let res = results(&r.body);
    assert!(res
        .reason("encore-vide.jpg")
        .is_some_and(|g| g.starts_with(T_EMPTY)));
    let url = res
        .url("polyglotte.jpg")
        .unwrap_or_else(|| panic!("the polyglot JPEG is a photo: {:?}", res));
    let shown = gallery_of(&mut teacher, OTHER_SCHOOL_CLASS);
    assert_eq!(shown.len(), 1, "gallery: {shown:?}");
    assert_eq!(snippet_url(&shown[0].1), url);
    for v in versions(&url) {
        let got = teacher.get(&v);
        assert_eq!(got.status, 200, "{v}");
        assert_media_headers(&v, &got, MediaKind::Jpeg, false);
        for bad in [&b"<script"[..], b"<html", b"<body", b"alert("] {
            assert!(
                !common::contains(&got.bytes, bad),
                "{v}: the stored polyglot keeps {:?}",
                String::from_utf8_lossy(bad)
            );
        }
        common::assert_clean(&v, &got.bytes);
        assert!(got.bytes.ends_with(&[0xFF, 0xD9]), "{v}: ends the JPEG");
    }
}

/// File names are shown cleaned, never used as a path: `../`, backslashes, NUL and other
/// control characters, bidirectional overrides, HTML, 300 characters, non-Latin scripts.
/// The stored files are named by the server only.
pub fn upload_hostile_names(t: &dyn Target) {
    let school = "ecole-b";
    let mut staff = member(t, "noms.mairie", "municipal", Some(school));
    let long = format!("{}.png", "é".repeat(296));
    let long_ascii = format!("{}.png", "a".repeat(296));
    // (name sent, name shown or None when only its safety is checked)
    let names: Vec<(Vec<u8>, Option<String>)> = vec![
        (b"../../etc/passwd.png".to_vec(), Some("passwd.png".into())),
        (
            b"../../../../../../tmp/x.png".to_vec(),
            Some("x.png".into()),
        ),
        (b"/var/www/index.png".to_vec(), Some("index.png".into())),
        (b"..\\..\\windows\\system.png".to_vec(), None),
        (b"nul\0cache.png".to_vec(), Some("nulcache.png".into())),
        (b"%00pourcent.png".to_vec(), Some("%00pourcent.png".into())),
        (
            b"cloche\x07\x1b[31mrouge\x7f\x08.png".to_vec(),
            Some("cloche[31mrouge.png".into()),
        ),
        (b"tab\there.png".to_vec(), Some("tabhere.png".into())),
        // A browser's encoding of CR LF in a file name.
        // Shown as is, or decoded and cleaned (see upload_names_as_browsers_send_them).
        (b"ligne%0D%0Asuite.png".to_vec(), None),
        (
            "photo\u{202e}gnp.exe".as_bytes().to_vec(),
            Some("photognp.exe".into()),
        ),
        (
            b"<img src=x onerror=alert(1)>.png".to_vec(),
            Some("<img src=x onerror=alert(1)>.png".into()),
        ),
        (b".htaccess".to_vec(), Some("htaccess".into())),
        (b"...".to_vec(), Some("fichier".into())),
        (b"../".to_vec(), Some("fichier".into())),
        (long.as_bytes().to_vec(), Some("é".repeat(100))),
        (long_ascii.as_bytes().to_vec(), Some("a".repeat(100))),
        (
            "фото класса.png".as_bytes().to_vec(),
            Some("фото класса.png".into()),
        ),
        (
            "صورة المدرسة.png".as_bytes().to_vec(),
            Some("صورة المدرسة.png".into()),
        ),
        (
            "遠足の写真.png".as_bytes().to_vec(),
            Some("遠足の写真.png".into()),
        ),
        ("कक्षा.png".as_bytes().to_vec(), Some("कक्षा.png".into())),
        (
            "🦒 girafe.png".as_bytes().to_vec(),
            Some("🦒 girafe.png".into()),
        ),
    ];
    let files: Vec<File> = names
        .iter()
        .enumerate()
        .map(|(i, (n, _))| File {
            name: n.clone(),
            data: tiny_png(0x4E00 + i as u32),
        })
        .collect();
    // Two requests: more names than files a request may carry.
    let mut accepted = Vec::new();
    for chunk in files.chunks(FILES_PER_REQUEST / 2) {
        let r = upload(&mut staff, school, chunk);
        assert_eq!(r.status, 200, "{:?}", results(&r.body));
        assert!(
            !r.body.contains("<img src=x"),
            "a file name is written into the page as HTML"
        );
        assert!(!r.body.contains('\0'), "a NUL reached the page");
        let res = results(&r.body);
        assert!(res.refused.is_empty(), "refused: {:?}", res.refused);
        assert_eq!(res.accepted.len(), chunk.len(), "{:?}", res.accepted);
        accepted.extend(res.accepted);
    }
    for ((sent, want), (shown, snippet)) in names.iter().zip(&accepted) {
        let sent = String::from_utf8_lossy(sent);
        assert_plain_name(shown);
        if let Some(want) = want {
            assert_eq!(shown, want, "sent as {sent:?}");
        }
        let url = snippet_url(snippet);
        let m = MediaRef::parse(&url).unwrap_or_else(|| panic!("{sent:?}: {url}"));
        assert_eq!(m.scope.as_path(), school);
        assert_eq!(
            m.kind,
            MediaKind::Png,
            "{sent:?}: the type comes from the content"
        );
        assert!(
            url.starts_with(&format!("/medias/{school}/")) && !url.contains(".."),
            "{sent:?}: {url}"
        );
        assert_eq!(staff.get(&url).status, 200, "{url}");
    }
    // The gallery shows the same cleaned names, escaped.
    let page = staff.get(&format!("{MEDIA_PAGE}?portee={school}"));
    assert!(
        !page.body.contains("<img src=x"),
        "a file name is written into the gallery as HTML"
    );
    let shown = gallery_of(&mut staff, school);
    assert_eq!(shown.len(), names.len(), "{shown:?}");
    for (name, _) in &shown {
        assert_plain_name(name);
    }
    for (_, want) in &names {
        if let Some(want) = want {
            assert!(
                shown.iter().any(|(n, _)| n == want),
                "{want:?} not in the gallery"
            );
        }
    }
    // A refused file is named the same clean way.
    let r = upload(
        &mut staff,
        school,
        &[File {
            name: b"../../../etc/cron.d/\x1bpage.jpg".to_vec(),
            data: b"<html><script>alert(1)</script></html>".to_vec(),
        }],
    );
    assert_eq!(r.status, 422);
    let res = results(&r.body);
    assert!(
        res.reason("page.jpg")
            .is_some_and(|g| g.starts_with(T_UNKNOWN_TYPE)),
        "{:?}",
        res.refused
    );
    // The server keeps only names of its own making.
    for blob in t.stored_blobs() {
        let base = blob.rsplit('/').next().unwrap_or("");
        for (sent, _) in &names {
            let sent = String::from_utf8_lossy(sent);
            let stem = sent.rsplit(['/', '\\']).next().unwrap_or("");
            assert!(
                stem.len() < 3 || !base.contains(stem),
                "a stored file is named after {sent:?}: {blob}"
            );
        }
    }
}

/// Refused requests: a place the uploader does not belong to, parents, pupils and partners,
/// anonymous visitors (sent to sign-in), a missing, wrong or other session's anti-forgery
/// token, another origin, an unreadable form, too many files at once. Nothing is stored.
pub fn upload_refused_requests(t: &dyn Target) {
    let before = t.stored_blobs();
    let photo = || vec![file("refus-photo.png", tiny_png(0x5E_F0_5E))];
    let mut teacher = member(t, "refus.prof", "teacher", Some(CLASS));

    // Mon espace links the page for staff, not for families.
    let space = teacher.get("/espace/");
    assert!(
        space.body.contains(&format!("href=\"{MEDIA_PAGE}\"")),
        "Mon espace of a teacher links {MEDIA_PAGE}"
    );
    assert!(decode_entities(&space.body).contains("Photos et documents"));

    // Places the teacher does not belong to: another class, the school as a whole, another
    // school, the town, and nonsense.
    let token = page_csrf(&mut teacher);
    for scope in [
        OTHER_CLASS,
        "ecole-a",
        OTHER_SCHOOL_CLASS,
        "ecole-b",
        "ville",
        "../ecole-a/ce1",
        "ecole-a/ce1/../cp",
        "",
    ] {
        let r = post_files(&mut teacher, &token, scope, &photo(), &[]);
        assert_notice(
            &format!("teacher of {CLASS} into {scope:?}"),
            &r,
            403,
            T_BAD_SCOPE,
        );
    }
    // The form shows only the teacher's own class.
    let page = teacher.get(MEDIA_PAGE);
    assert!(page.body.contains(&format!("<option value=\"{CLASS}\"")));
    for other in [OTHER_CLASS, OTHER_SCHOOL_CLASS, "ville"] {
        assert!(
            !page.body.contains(&format!("<option value=\"{other}\"")),
            "the form offers {other}"
        );
    }

    // Families and partners may not upload at all, even into their own class.
    for (login, role, scope) in [
        ("refus.parent", "parent", CLASS),
        ("refus.eleve", "pupil", CLASS),
        ("refus.partenaire", "partner", "ecole-a"),
    ] {
        let mut b = member(t, login, role, Some(scope));
        let space = b.get("/espace/");
        assert_eq!(space.status, 200);
        assert!(
            !space.body.contains(&format!("href=\"{MEDIA_PAGE}\"")),
            "Mon espace of a {role} links the upload page"
        );
        let r = b.get(MEDIA_PAGE);
        assert_notice(&format!("{role}: page"), &r, 403, T_FORBIDDEN);
        // With the session's own valid token (from Mon espace): refused for the role.
        let r = post_files(&mut b, &space.csrf(), scope, &photo(), &[]);
        assert_notice(&format!("{role}: upload"), &r, 403, T_FORBIDDEN);
    }

    // Anonymous: to sign-in, and back to the page afterwards.
    let mut anon = Browser::new(&t.base_url());
    let r = anon.get(MEDIA_PAGE);
    assert_eq!(r.status, 303);
    assert_eq!(r.location(), "/connexion/?suite=%2Fespace%2Fmedias%2F");
    let r = post_files(&mut anon, "", CLASS, &photo(), &[]);
    assert_eq!(r.status, 303, "anonymous upload: {}", r.body);
    assert!(r.location().starts_with("/connexion/"), "{}", r.location());

    // Signed in, charter not accepted: to the charter.
    t.add_account("refus.attente", "teacher", Some(CLASS), PASSWORD);
    let mut pending = Browser::new(&t.base_url());
    assert_eq!(pending.sign_in("refus.attente", PASSWORD).status, 303);
    let r = post_files(&mut pending, "", CLASS, &photo(), &[]);
    assert_eq!(r.status, 303);
    assert!(
        r.location().starts_with("/charte/accepter/"),
        "{}",
        r.location()
    );

    // Anti-forgery: none, forged, another session's, another origin.
    let mut other = member(t, "refus.collegue", "teacher", Some(CLASS));
    let other_token = page_csrf(&mut other);
    let no_token = multipart(&[("portee", CLASS)], &photo());
    let r = teacher.send(
        "POST",
        MEDIA_PAGE,
        Body::Typed(&multipart_type(), &no_token),
        &[],
    );
    assert_eq!(r.status, 403, "no token: {}", r.body);
    for (what, csrf, headers) in [
        ("forged token", "forged".to_string(), vec![]),
        ("empty token", String::new(), vec![]),
        ("another session's token", other_token.clone(), vec![]),
        (
            "another origin",
            token.clone(),
            vec![("origin", "https://evil.example")],
        ),
        ("origin null", token.clone(), vec![("origin", "null")]),
    ] {
        let r = post_files(&mut teacher, &csrf, CLASS, &photo(), &headers);
        assert_eq!(r.status, 403, "{what}: {}", r.body);
        assert!(results(&r.body).accepted.is_empty(), "{what}");
    }
    // The token of the page in a url-encoded form, and a multipart body without boundary.
    let r = teacher.post(MEDIA_PAGE, &[("csrf", &token), ("portee", CLASS)]);
    assert_notice("url-encoded form", &r, 400, T_BAD_FORM);
    let body = multipart(&[("csrf", &token), ("portee", CLASS)], &photo());
    let r = teacher.send(
        "POST",
        MEDIA_PAGE,
        Body::Typed("multipart/form-data", &body),
        &[],
    );
    assert_notice("no boundary", &r, 400, T_BAD_FORM);
    let mut cut = body.clone();
    cut.truncate(body.len() - 30);
    let r = teacher.send(
        "POST",
        MEDIA_PAGE,
        Body::Typed(&multipart_type(), &cut),
        &[],
    );
    assert_notice("truncated form", &r, 400, T_BAD_FORM);

    // One file more than a request may carry: refused as a whole, with the limit.
    let many: Vec<File> = (0..=FILES_PER_REQUEST as u32)
        .map(|i| file(&format!("refus-{i}.png"), tiny_png(0x5E_00 + i)))
        .collect();
    let r = post_files(&mut teacher, &token, CLASS, &many, &[]);
    assert_notice("21 files", &r, 422, T_TOO_MANY_FILES);
    assert!(results(&r.body).accepted.is_empty());

    // The right token still works for the same session (nothing above spent it), but the
    // check of what was stored comes first.
    assert_nothing_stored(t, &before, "refused requests");
    for (name, _) in gallery_of(&mut teacher, CLASS) {
        assert!(!name.starts_with("refus-"), "{name} was stored");
    }
}

/// Photos (a sideways phone JPEG with GPS, a large one, PNG, WebP, GIF) and a PDF are
/// accepted, stored without metadata, upright, at most 2,048 px with 480/960 px versions,
/// and served to the class only: anonymous visitors and members who have not accepted the
/// charter are sent away, another class's parent gets 403, a disabled account goes to
/// sign-in. PDFs download in a sandbox; ranges get 206. The uploader may delete.
pub fn upload_accepted_and_served(t: &dyn Target) {
    let mut teacher = member(t, "valide.prof", "teacher", Some(CLASS));
    let before = t.stored_blobs();
    let files = vec![
        file("IMG_0001.JPG", common::phone_jpeg()),
        file("IMG_0002.jpeg", sideways_photo(2400, 1800, 1)),
        file("dessin.png", common::png_with_text(60, 30, true, 1)),
        file("tete-en-bas.webp", common::webp_with_exif(40, 30, false)),
        file("anime.gif", common::gif_with_comment(20, 10)),
        file(
            "Sortie à la ferme (programme).pdf",
            common::pdf_with_metadata(),
        ),
    ];
    let start = Instant::now();
    let r = upload(&mut teacher, CLASS, &files);
    let took = start.elapsed();
    assert_eq!(r.status, 200, "{}", r.body);
    eprintln!("six files (one 2400 x 1800 photo) checked and stored in {took:.2?}");
    let res = results(&r.body);
    assert!(res.refused.is_empty(), "refused: {:?}", res.refused);
    assert_eq!(res.accepted.len(), files.len());
    let url = |name: &str| {
        res.url(name)
            .unwrap_or_else(|| panic!("{name} not accepted: {res:?}"))
    };
    let phone = url("IMG_0001.JPG");
    let big = url("IMG_0002.jpeg");
    let png = url("dessin.png");
    let webp = url("tete-en-bas.webp");
    let gif = url("anime.gif");
    let pdf = url("Sortie à la ferme (programme).pdf");
    // Snippets: an image with the alt placeholder, a link for the PDF.
    for (name, snippet) in &res.accepted {
        if name.ends_with(".pdf") {
            assert_eq!(snippet, &format!("[{name}]({pdf})"));
        } else {
            assert!(
                snippet.starts_with(&format!("![{T_ALT}](/medias/{CLASS}/")),
                "{name}: {snippet}"
            );
        }
    }
    // Names: the type and the size come from the content (the sideways photo is upright;
    // the large one is at most 2,048 px).
    let kinds = [
        (&phone, MediaKind::Jpeg, Some((48, 64))),
        (&big, MediaKind::Jpeg, Some((1536, 2048))),
        (&png, MediaKind::Png, Some((60, 30))),
        // A WebP without transparency is stored as a JPEG (with it: a PNG).
        (&webp, MediaKind::Jpeg, Some((40, 30))),
        (&gif, MediaKind::Gif, Some((20, 10))),
        (&pdf, MediaKind::Pdf, None),
    ];
    let mut all_versions = 0;
    for (u, kind, size) in kinds {
        let m = MediaRef::parse(u).unwrap_or_else(|| panic!("{u}"));
        assert_eq!((m.kind, m.size), (kind, size), "{u}");
        assert_eq!(m.scope.as_path(), CLASS);
        // Every stored version: type, headers, no metadata, the size its name says.
        for v in versions(u) {
            all_versions += 1;
            let got = teacher.get(&v);
            assert_eq!(got.status, 200, "{v}");
            assert_media_headers(&v, &got, kind, false);
            common::assert_clean(&v, &got.bytes);
            let vm = MediaRef::parse(&v).expect("version name");
            if kind.is_image() {
                assert_eq!(
                    Some(decoded_size(kind, &got.bytes)),
                    vm.dimensions(),
                    "{v}: the stored image has the size of its name"
                );
            }
        }
    }
    assert_eq!(
        versions(&big).len(),
        3,
        "the 2,048 px photo has its 480 and 960 px versions"
    );
    // The blob store got every version (on the Worker: miniflare's R2 under --persist-to).
    let stored = t.stored_blobs();
    assert!(
        stored.len() >= before.len() + all_versions,
        "{all_versions} versions stored, the blob store went from {} to {} files",
        before.len(),
        stored.len()
    );

    // Orientation applied: the sensor's left half (red) is the top of the upright photo.
    let got = teacher.get(&phone);
    let (w, h, px) = common::decode_jpeg(&got.bytes);
    assert_eq!((w, h), (48, 64), "portrait");
    let at = |x: u32, y: u32| {
        let i = ((y * w + x) * 3) as usize;
        (px[i], px[i + 2])
    };
    let (r_top, b_top) = at(24, 8);
    let (r_bottom, b_bottom) = at(24, 56);
    assert!(
        r_top > 150 && b_top < 100 && b_bottom > 150 && r_bottom < 100,
        "top {:?} should be red, bottom {:?} blue",
        at(24, 8),
        at(24, 56)
    );
    // The WebP had orientation 3 (upside down): its red half is now on the right.
    let got = teacher.get(&webp);
    let (w, _, buf) = common::decode_jpeg(&got.bytes);
    assert_eq!(w, 40);
    let px = |x: usize, y: usize| buf[(y * 40 + x) * 3];
    assert!(
        px(5, 15) < 100 && px(35, 15) > 150,
        "the upside-down WebP is turned: left red {}, right red {}",
        px(5, 15),
        px(35, 15)
    );

    // The PDF: a download, in a sandbox, with a safe file name.
    let got = teacher.get(&pdf);
    let disposition = got.header("content-disposition").unwrap_or("");
    assert!(
        disposition.starts_with("attachment"),
        "{pdf}: Content-Disposition {disposition:?}"
    );
    assert!(disposition.contains("filename*=UTF-8''Sortie%20%C3%A0%20la%20ferme"));
    assert!(got.bytes.starts_with(b"%PDF-"), "{pdf}");

    // Ranges, as a phone's PDF reader or video player asks.
    let full = teacher.get(&pdf).bytes;
    let part = teacher.send("GET", &pdf, Body::None, &[("range", "bytes=0-99")]);
    assert_eq!(part.status, 206, "{pdf}: range");
    assert_eq!(
        part.header("content-range"),
        Some(format!("bytes 0-99/{}", full.len()).as_str())
    );
    assert_eq!(part.bytes, &full[..100]);
    assert_media_headers(&pdf, &part, MediaKind::Pdf, false);
    let tail = teacher.send("GET", &big, Body::None, &[("range", "bytes=-10")]);
    let whole = teacher.get(&big).bytes;
    assert_eq!(tail.status, 206, "{big}: suffix range");
    assert_eq!(tail.bytes, &whole[whole.len() - 10..]);
    assert_eq!(
        tail.header("content-range"),
        Some(
            format!(
                "bytes {}-{}/{}",
                whole.len() - 10,
                whole.len() - 1,
                whole.len()
            )
            .as_str()
        )
    );
    let from = teacher.send("GET", &big, Body::None, &[("range", "bytes=100-")]);
    assert_eq!(from.status, 206);
    assert_eq!(from.bytes, &whole[100..]);
    assert_eq!(
        part.header("content-length"),
        Some("100"),
        "{pdf}: length of the part"
    );
    let head = teacher.send("HEAD", &big, Body::None, &[]);
    assert_eq!(head.status, 200, "HEAD {big}");
    assert!(head.bytes.is_empty(), "HEAD {big}: no body");
    assert_eq!(
        head.header("content-length"),
        Some(whole.len().to_string().as_str()),
        "HEAD {big}: the length of the file"
    );
    assert_media_headers(&big, &head, MediaKind::Jpeg, false);
    let past = teacher.send("GET", &big, Body::None, &[("range", "bytes=99999999-")]);
    assert_eq!(past.status, 416, "{big}: range past the end");

    // Who may see them.
    let mut parent = member(t, "valide.parent", "parent", Some(CLASS));
    let mut other = member(t, "valide.autre", "parent", Some(OTHER_CLASS));
    let mut far = member(t, "valide.loin", "parent", Some(OTHER_SCHOOL_CLASS));
    let mut other_teacher = member(t, "valide.prof-cp", "teacher", Some(OTHER_CLASS));
    let mut leaving = member(t, "valide.depart", "parent", Some(CLASS));
    t.add_account("valide.attente", "parent", Some(CLASS), PASSWORD);
    let mut waiting = Browser::new(&t.base_url());
    assert_eq!(waiting.sign_in("valide.attente", PASSWORD).status, 303);
    let mut anon = Browser::new(&t.base_url());
    let mut checked = Vec::new();
    for u in [&phone, &big, &png, &webp, &gif, &pdf] {
        checked.extend(versions(u));
    }
    for v in &checked {
        assert_eq!(parent.get(v).status, 200, "class parent: {v}");
        assert_eq!(leaving.get(v).status, 200, "class parent: {v}");
        let r = anon.get(v);
        assert_eq!(r.status, 303, "anonymous: {v}");
        assert!(r.location().starts_with("/connexion/?suite="), "{v}");
        assert!(r.bytes.is_empty(), "anonymous: {v}: body on redirect");
        let r = waiting.get(v);
        assert_eq!(r.status, 303, "charter not accepted: {v}");
        assert!(r.location().starts_with("/charte/accepter/"), "{v}");
        for (who, b) in [
            ("another class's parent", &mut other),
            ("another school's parent", &mut far),
            ("another class's teacher", &mut other_teacher),
        ] {
            let r = b.get(v);
            assert_eq!(r.status, 403, "{who}: {v}");
            assert!(r.body.contains("Accès refusé"), "{who}: {v}");
            assert!(!common::contains(&r.bytes, &whole[..64]), "{who}: {v}");
        }
    }
    t.disable("valide.depart");
    for v in &checked {
        let r = leaving.get(v);
        assert_eq!(r.status, 303, "disabled account: {v}");
        assert!(r.location().starts_with("/connexion/"), "{v}");
    }
    // The same content under another class's name is not that class's file (the stored
    // bytes are shared by content, the rows are not).
    let m = MediaRef::parse(&phone).expect("phone");
    let moved = MediaRef {
        scope: preau_contract::media::MediaScope::parse(OTHER_CLASS).expect("scope"),
        ..m.clone()
    }
    .url();
    assert_eq!(other_teacher.get(&moved).status, 404, "{moved}");
    assert_eq!(other.get(&moved).status, 404, "{moved}");
    // A mistyped name is not found, for members too.
    let typo = phone.replacen(&m.hash[..4], "0000", 1);
    assert_eq!(parent.get(&typo).status, 404, "{typo}");

    // The gallery: newest first, 480 px thumbnails of the large photo.
    let page = teacher.get(&format!(
        "{MEDIA_PAGE}?portee={}",
        CLASS.replace('/', "%2F")
    ));
    let shown = gallery(&page.body);
    assert!(shown.len() >= files.len(), "{shown:?}");
    let thumb = versions(&big)[1].clone();
    assert!(
        page.body.contains(&format!("src=\"{thumb}\"")),
        "the gallery shows the 480 px version {thumb}"
    );

    // Deleting: another teacher of the class may not (not theirs), the uploader may.
    let mut colleague = member(t, "valide.collegue", "teacher", Some(CLASS));
    let token = page_csrf(&mut colleague);
    let r = colleague.post(
        "/espace/medias/supprimer/",
        &[("csrf", &token), ("media", &gif)],
    );
    assert_eq!(r.status, 403, "a colleague deletes: {}", r.body);
    assert_eq!(parent.get(&gif).status, 200);
    let parent_token = parent.get("/espace/").csrf();
    let r = parent.post(
        "/espace/medias/supprimer/",
        &[("csrf", &parent_token), ("media", &gif)],
    );
    assert_eq!(r.status, 403, "a parent deletes");
    let token = page_csrf(&mut teacher);
    let r = teacher.post(
        "/espace/medias/supprimer/",
        &[("csrf", "forged"), ("media", &gif)],
    );
    assert_eq!(r.status, 403, "forged token");
    let before_delete = t.stored_blobs();
    let r = teacher.post(
        "/espace/medias/supprimer/",
        &[("csrf", &token), ("media", &gif)],
    );
    assert_eq!(r.status, 303, "the uploader deletes: {}", r.body);
    assert!(r.location().starts_with(MEDIA_PAGE), "{}", r.location());
    assert_eq!(
        wait_for_blob_count(t, before_delete.len() - 1),
        before_delete.len() - 1,
        "the deleted GIF's file is removed from the blob store"
    );
    assert_eq!(parent.get(&gif).status, 404, "deleted");
    assert_eq!(teacher.get(&gif).status, 404, "deleted");
    assert!(
        !gallery_of(&mut teacher, CLASS)
            .iter()
            .any(|(_, s)| snippet_url(s) == gif),
        "the deleted GIF is still in the gallery"
    );
    assert_eq!(parent.get(&png).status, 200, "the others stay");
    // The school's director may delete a teacher's file of the school.
    let mut director = member(t, "valide.direction", "director", Some("ecole-a"));
    let token = page_csrf(&mut director);
    let r = director.post(
        "/espace/medias/supprimer/",
        &[("csrf", &token), ("media", &png)],
    );
    assert_eq!(r.status, 303, "the director deletes: {}", r.body);
    assert_eq!(parent.get(&png).status, 404, "deleted by the director");
    assert_eq!(parent.get(&phone).status, 200, "the others stay");

    // The town's public media: uploaded by the communication team, open to anyone.
    let mut com = member(t, "valide.communication", "communication", None);
    let r = upload(
        &mut com,
        "ville",
        &[file("affiche.png", tiny_png(0x0C_0001))],
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let public = results(&r.body).url("affiche.png").expect("public media");
    assert!(public.starts_with("/medias/ville/"), "{public}");
    let got = Browser::new(&t.base_url()).get(&public);
    assert_eq!(got.status, 200, "anonymous reads public media");
    assert_media_headers(&public, &got, MediaKind::Png, true);
    common::assert_clean(&public, &got.bytes);
}

/// Two teachers of a class send the same files at the same moment (two threads): each file
/// gets one row (one entry in the gallery), both teachers get the same URLs, and every
/// stored version is whole and served. Rounds: one phone photo (three versions), then
/// twenty small pictures per request, so that the two requests write the same blobs at
/// the same time (a race shows only sometimes).
pub fn upload_concurrent_same_file(t: &dyn Target) {
    let a = member(t, "ensemble.prof-a", "teacher", Some(OTHER_CLASS));
    let b = member(t, "ensemble.prof-b", "teacher", Some(OTHER_CLASS));
    let mut failures = Vec::new();
    let mut rounds: Vec<Vec<Vec<u8>>> = vec![vec![sideways_photo(1200, 900, 100)]];
    for round in 1..7u32 {
        rounds.push(
            (0..FILES_PER_REQUEST as u32)
                .map(|i| tiny_png(0xC0_0000 + round * 100 + i))
                .collect(),
        );
    }
    for (round, contents) in rounds.iter().enumerate() {
        let before = t.stored_blobs();
        let mut people = [a.clone(), b.clone()];
        let tokens: Vec<String> = people.iter_mut().map(page_csrf).collect();
        let name = |who: usize, i: usize| format!("ensemble-{round}-{i}-{who}.img");
        let barrier = std::sync::Barrier::new(2);
        let answers: Vec<Resp> = std::thread::scope(|s| {
            let handles: Vec<_> = people
                .iter_mut()
                .zip(&tokens)
                .enumerate()
                .map(|(who, (p, token))| {
                    let barrier = &barrier;
                    let files: Vec<File> = contents
                        .iter()
                        .enumerate()
                        .map(|(i, c)| file(&name(who, i), c.clone()))
                        .collect();
                    s.spawn(move || {
                        barrier.wait();
                        post_files(p, token, OTHER_CLASS, &files, &[])
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("upload thread"))
                .collect()
        });
        let res: Vec<Results> = answers.iter().map(|r| results(&r.body)).collect();
        for (who, (r, got)) in answers.iter().zip(&res).enumerate() {
            if r.status != 200 || !got.refused.is_empty() {
                failures.push(format!(
                    "round {round}, teacher {who}: {} refused: {:?}",
                    r.status, got.refused
                ));
            }
        }
        let mut viewer = people[0].clone();
        let gallery = gallery_of(&mut viewer, OTHER_CLASS);
        let mut urls = Vec::new();
        for i in 0..contents.len() {
            let (ua, ub) = (res[0].url(&name(0, i)), res[1].url(&name(1, i)));
            let Some(url) = ua.clone().or(ub.clone()) else {
                continue;
            };
            if ua.is_some() && ub.is_some() && ua != ub {
                failures.push(format!("round {round}, file {i}: two URLs {ua:?} {ub:?}"));
            }
            let rows = gallery
                .iter()
                .filter(|(_, s)| snippet_url(s) == url)
                .count();
            if rows != 1 {
                failures.push(format!(
                    "round {round}, file {i}: {rows} gallery rows for {url}"
                ));
            }
            // Every version whole and served.
            for v in versions(&url) {
                let got = viewer.get(&v);
                if got.status != 200 {
                    failures.push(format!(
                        "round {round}, file {i}: {v} answers {}",
                        got.status
                    ));
                    continue;
                }
                let m = MediaRef::parse(&v).expect("name");
                if Some(decoded_size(m.kind, &got.bytes)) != m.dimensions() {
                    failures.push(format!("round {round}, file {i}: {v} is not whole"));
                }
                urls.push(v);
            }
        }
        // One stored file per version, none left over by the loser of a race.
        let want = urls.len();
        let added = wait_for_blobs(t, &before, want);
        if added != want {
            failures.push(format!(
                "round {round}: {added} blob files added for {want} versions"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "concurrent uploads of the same files:\n{}",
        failures.join("\n")
    );
}

/// The number of files of the blob store once it is `want` (or after 3 s).
fn wait_for_blob_count(t: &dyn Target, want: usize) -> usize {
    let deadline = Instant::now() + Duration::from_secs(3);
    loop {
        let n = t.stored_blobs().len();
        if n == want || Instant::now() > deadline {
            return n;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// How many files the blob store gained since `before`, once it stops changing (miniflare
/// may remove an overwritten object's old file a moment later).
fn wait_for_blobs(t: &dyn Target, before: &[String], want: usize) -> usize {
    let deadline = Instant::now() + Duration::from_secs(3);
    loop {
        let now = t.stored_blobs();
        let added = now.iter().filter(|k| !before.contains(k)).count();
        let removed = before.iter().filter(|k| !now.contains(k)).count();
        let n = added.saturating_sub(removed);
        if n == want || Instant::now() > deadline {
            return n;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Upload a day's quota of different small pictures (15 requests of 20) into `scope`;
/// returns their URLs.
fn fill_daily_quota(b: &mut Browser, token: &str, scope: &str, seed: u32) -> Vec<String> {
    let start = Instant::now();
    let mut urls = Vec::new();
    let mut n = 0u32;
    for request in 0..FILES_PER_DAY / FILES_PER_REQUEST {
        let files: Vec<File> = (0..FILES_PER_REQUEST)
            .map(|_| {
                n += 1;
                file(&format!("quota-{n:03}.png"), tiny_png(seed + n))
            })
            .collect();
        let r = post_files(b, token, scope, &files, &[]);
        assert_eq!(r.status, 200, "request {request}: {}", r.body);
        let res = results(&r.body);
        assert_eq!(
            (res.accepted.len(), res.refused.len()),
            (FILES_PER_REQUEST, 0),
            "request {request}: {:?}",
            res.refused
        );
        urls.extend(res.accepted.iter().map(|(_, s)| snippet_url(s)));
    }
    eprintln!(
        "{FILES_PER_DAY} files in {} requests in {:.1?}",
        FILES_PER_DAY / FILES_PER_REQUEST,
        start.elapsed()
    );
    urls
}

/// The daily quota (300 files per account and 24 hours): 15 requests of 20 different files
/// go in, the next file is refused with the quota message and nothing of it is stored.
/// The gallery pages through them all.
pub fn upload_daily_quota(t: &dyn Target) {
    let school = "ecole-a";
    let mut director = member(t, "quota.direction", "director", Some(school));
    let token = page_csrf(&mut director);
    fill_daily_quota(&mut director, &token, school, 0x0A_0000);
    let before = t.stored_blobs();
    let r = post_files(
        &mut director,
        &token,
        school,
        &[
            file("quota-de-trop.png", tiny_png(0x0B_0001)),
            file("quota-encore.png", tiny_png(0x0B_0002)),
        ],
        &[],
    );
    assert_eq!(r.status, 422, "past the quota: {}", r.body);
    let res = results(&r.body);
    for name in ["quota-de-trop.png", "quota-encore.png"] {
        assert!(
            res.reason(name).is_some_and(|g| g.starts_with(T_QUOTA)),
            "{name}: {:?}",
            res.refused
        );
    }
    assert_nothing_stored(t, &before, "past the quota");
    // Another account is not held back by it.
    let mut colleague = member(t, "quota.mairie", "municipal", Some(school));
    let r = upload(
        &mut colleague,
        school,
        &[file("quota-autre-compte.png", tiny_png(0x0B_0003))],
    );
    assert_eq!(r.status, 200, "{}", r.body);
    // The gallery, 24 per page, newest first, pages through all of them.
    let mut seen = 0;
    let mut page_n = 1;
    loop {
        let r = director.get(&format!("{MEDIA_PAGE}?portee={school}&page={page_n}"));
        assert_eq!(r.status, 200);
        let items = gallery(&r.body);
        if page_n == 1 {
            assert_eq!(items[0].0, "quota-autre-compte.png", "newest first");
        }
        seen += items.len();
        if !r.body.contains(&format!("page={}", page_n + 1)) {
            break;
        }
        page_n += 1;
        assert!(page_n < 30, "endless gallery");
    }
    assert_eq!(seen, FILES_PER_DAY + 1, "every upload is in the gallery");
}

/// File names as browsers send them (WHATWG HTML, multipart/form-data encoding: `"`, CR
/// and LF become `%22`, `%0D`, `%0A`; nothing else is escaped, a backslash is sent as is)
/// are shown as the file was named on the device: a PDF "Sortie "ferme".pdf" is shown and
/// downloaded under that name, not as "Sortie %22ferme%22.pdf".
pub fn upload_names_as_browsers_send_them(t: &dyn Target) {
    let mut teacher = member(t, "navigateur.prof", "teacher", Some(CLASS));
    let r = upload(
        &mut teacher,
        CLASS,
        &[
            file("Sortie %22ferme%22.pdf", common::pdf_with("", &[])),
            file("deux%0D%0Alignes.png", tiny_png(0x0D_0001)),
        ],
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let res = results(&r.body);
    let names: Vec<&str> = res.accepted.iter().map(|(n, _)| n.as_str()).collect();
    assert!(
        names.contains(&"Sortie \"ferme\".pdf"),
        "the PDF is shown as {names:?}, not as Sortie \"ferme\".pdf"
    );
    assert!(
        names.contains(&"deuxlignes.png"),
        "the CR LF of a name are removed, not shown as %0D%0A: {names:?}"
    );
    let pdf = res
        .accepted
        .iter()
        .find(|(n, _)| n.ends_with(".pdf"))
        .map(|(_, s)| snippet_url(s))
        .expect("pdf");
    let got = teacher.get(&pdf);
    let disposition = got.header("content-disposition").unwrap_or("");
    assert!(
        disposition.contains("filename*=UTF-8''Sortie%20%22ferme%22.pdf"),
        "downloaded as {disposition:?}"
    );
}

/// The daily quota counts what was uploaded, not what is still there: after a day's 300
/// files, deleting one does not allow one more (the quota is read from the rows of the
/// uploads table, edge/src/features/upload_store.rs `Quota::read`, so every deletion
/// gives one upload back: upload, delete, upload… without end).
pub fn upload_quota_survives_deletion(t: &dyn Target) {
    let school = "ecole-b";
    let mut director = member(t, "quota.effacement", "director", Some(school));
    let token = page_csrf(&mut director);
    let urls = fill_daily_quota(&mut director, &token, school, 0x0E_0000);
    let r = director.post(
        "/espace/medias/supprimer/",
        &[("csrf", &token), ("media", &urls[0])],
    );
    assert_eq!(r.status, 303, "delete: {}", r.body);
    let r = post_files(
        &mut director,
        &token,
        school,
        &[file("quota-apres-effacement.png", tiny_png(0x0F_0001))],
        &[],
    );
    let res = results(&r.body);
    assert!(
        res.reason("quota-apres-effacement.png")
            .is_some_and(|g| g.starts_with(T_QUOTA)),
        "the 301st upload of the day went in after a deletion ({}): {:?}",
        r.status,
        res
    );
}

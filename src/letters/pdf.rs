//! The invitation letters as one PDF: one A4 page per letter, the DejaVu Sans fonts
//! (Bitstream Vera licence, shipped by the `dejavu` crate) embedded as CID fonts so that
//! every accent of a name prints, subset to the glyphs used, and the QR code drawn as
//! squares.
//!
//! Each QR code is drawn inside `q <scale> 0 0 <scale> x y cm … Q` with one `c r 1 1 re`
//! per dark module (`c`, `r`: column and row from the bottom left), so a test can read the
//! code back from the page itself.

use super::{qr, Letter};
use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use std::collections::BTreeMap;

const A4: (f32, f32) = (595.28, 841.89);
const MARGIN: f32 = 56.0;

/// A font embedded once, subset: the glyphs the pages used get new ids in the order they
/// appear (0 stays `.notdef`), and the pages show those ids.
struct Font<'a> {
    face: ttf_parser::Face<'a>,
    data: &'a [u8],
    name: &'static [u8],
    resource: &'static [u8],
    remapper: subsetter::GlyphRemapper,
    /// New id → (character, id in the whole font).
    used: BTreeMap<u16, (char, u16)>,
}

impl<'a> Font<'a> {
    fn new(data: &'a [u8], name: &'static [u8], resource: &'static [u8]) -> Font<'a> {
        let face = ttf_parser::Face::parse(data, 0).expect("the DejaVu font of the crate parses");
        Font {
            face,
            data,
            name,
            resource,
            remapper: subsetter::GlyphRemapper::new(),
            used: BTreeMap::new(),
        }
    }

    fn glyph(&self, c: char) -> u16 {
        self.face
            .glyph_index(c)
            .or_else(|| self.face.glyph_index('?'))
            .map(|g| g.0)
            .unwrap_or(0)
    }

    /// Width of `text` at `size`, in points.
    fn width(&self, text: &str, size: f32) -> f32 {
        let upem = f32::from(self.face.units_per_em());
        text.chars()
            .map(|c| {
                let g = ttf_parser::GlyphId(self.glyph(c));
                f32::from(self.face.glyph_hor_advance(g).unwrap_or(0))
            })
            .sum::<f32>()
            * size
            / upem
    }

    /// `text` as two-byte glyph ids (Identity-H), remembering the glyphs used.
    fn encode(&mut self, text: &str) -> Vec<u8> {
        let mut out = Vec::with_capacity(text.len() * 2);
        for c in text.chars() {
            let g = self.glyph(c);
            let new = self.remapper.remap(g);
            self.used.entry(new).or_insert((c, g));
            out.extend(new.to_be_bytes());
        }
        out
    }

    /// Words of `text` in lines no wider than `max` points.
    fn wrap(&self, text: &str, size: f32, max: f32) -> Vec<String> {
        let mut lines = Vec::new();
        let mut line = String::new();
        for word in text.split_whitespace() {
            let candidate = if line.is_empty() {
                word.to_string()
            } else {
                format!("{line} {word}")
            };
            if !line.is_empty() && self.width(&candidate, size) > max {
                lines.push(std::mem::take(&mut line));
                line = word.to_string();
            } else {
                line = candidate;
            }
        }
        if !line.is_empty() {
            lines.push(line);
        }
        lines
    }

    /// Write the font's objects (Type0 → CIDFont → descriptor, file, ToUnicode).
    fn write(
        &self,
        pdf: &mut Pdf,
        next: &mut impl FnMut() -> Ref,
        id: Ref,
    ) -> Result<(), subsetter::Error> {
        let subset = subsetter::subset(self.data, 0, &self.remapper)?;
        let (cid, descriptor, file, cmap) = (next(), next(), next(), next());
        let upem = f32::from(self.face.units_per_em());
        let scale = |v: i16| f32::from(v) * 1000.0 / upem;
        pdf.type0_font(id)
            .base_font(Name(self.name))
            .encoding_predefined(Name(b"Identity-H"))
            .descendant_font(cid)
            .to_unicode(cmap);
        let info = SystemInfo {
            registry: Str(b"Adobe"),
            ordering: Str(b"Identity"),
            supplement: 0,
        };
        let mut font = pdf.cid_font(cid);
        font.subtype(CidFontType::Type2)
            .base_font(Name(self.name))
            .system_info(info)
            .font_descriptor(descriptor)
            .default_width(0.0)
            .cid_to_gid_map_predefined(Name(b"Identity"));
        let mut widths = font.widths();
        for (new, (_, old)) in &self.used {
            let w = self
                .face
                .glyph_hor_advance(ttf_parser::GlyphId(*old))
                .unwrap_or(0);
            widths.consecutive(*new, [f32::from(w) * 1000.0 / upem]);
        }
        widths.finish();
        font.finish();
        let b = self.face.global_bounding_box();
        pdf.font_descriptor(descriptor)
            .name(Name(self.name))
            .flags(FontFlags::NON_SYMBOLIC)
            .bbox(Rect::new(
                scale(b.x_min),
                scale(b.y_min),
                scale(b.x_max),
                scale(b.y_max),
            ))
            .italic_angle(0.0)
            .ascent(scale(self.face.ascender()))
            .descent(scale(self.face.descender()))
            .cap_height(scale(self.face.capital_height().unwrap_or(700)))
            .stem_v(80.0)
            .font_file2(file);
        let packed = miniz_oxide::deflate::compress_to_vec_zlib(&subset, 6);
        pdf.stream(file, &packed)
            .filter(Filter::FlateDecode)
            .pair(Name(b"Length1"), subset.len() as i32);
        let mut map = UnicodeCmap::new(Name(b"Preau-UCS"), info);
        for (new, (c, _)) in &self.used {
            map.pair(*new, *c);
        }
        pdf.cmap(cmap, &map.finish());
        Ok(())
    }
}

/// One page being drawn.
struct Page<'f, 'a> {
    content: Content,
    regular: &'f mut Font<'a>,
    bold: &'f mut Font<'a>,
}

impl Page<'_, '_> {
    fn text(&mut self, x: f32, y: f32, size: f32, bold: bool, gray: f32, text: &str) {
        let font = if bold {
            &mut *self.bold
        } else {
            &mut *self.regular
        };
        let name = font.resource;
        let bytes = font.encode(text);
        self.content
            .set_fill_gray(gray)
            .begin_text()
            .set_font(Name(name), size)
            .set_text_matrix([1.0, 0.0, 0.0, 1.0, x, y])
            .show(Str(&bytes))
            .end_text();
    }

    /// Lines of `text` wrapped to the page's width from `y` down; returns the next `y`.
    fn paragraph(&mut self, y: f32, size: f32, gray: f32, text: &str) -> f32 {
        let mut y = y;
        for line in self.regular.wrap(text, size, A4.0 - 2.0 * MARGIN) {
            self.text(MARGIN, y, size, false, gray, &line);
            y -= size * 1.35;
        }
        y
    }

    fn qr(&mut self, modules: &qr::Modules, x: f32, y: f32, size: f32) {
        let n = modules.width as f32;
        let s = size / n;
        self.content
            .save_state()
            .set_fill_gray(0.0)
            .transform([s, 0.0, 0.0, s, x, y]);
        for (col, row) in modules.dark_from_bottom() {
            self.content.rect(col as f32, row as f32, 1.0, 1.0);
        }
        self.content.fill_nonzero().restore_state();
    }

    fn frame(&mut self, x: f32, y: f32, w: f32, h: f32) {
        self.content
            .set_stroke_gray(0.55)
            .set_line_width(1.0)
            .rect(x, y, w, h)
            .stroke();
    }
}

/// The letters, one page each, in their order.
pub fn render(letters: &[Letter], title: &str) -> Result<Vec<u8>, subsetter::Error> {
    // `XXXXXX+` marks a subset font (PDF 1.7, 9.6.4).
    let mut regular = Font::new(dejavu::sans::regular(), b"PREAUR+DejaVuSans", b"F1");
    let mut bold = Font::new(dejavu::sans::bold(), b"PREAUB+DejaVuSans-Bold", b"F2");
    let mut pdf = Pdf::new();
    let mut counter = 0;
    let mut next = || {
        counter += 1;
        Ref::new(counter)
    };
    let (catalog, tree, info, f1, f2) = (next(), next(), next(), next(), next());
    let mut pages = Vec::with_capacity(letters.len());
    for letter in letters {
        let (page_id, content_id) = (next(), next());
        let mut page = Page {
            content: Content::new(),
            regular: &mut regular,
            bold: &mut bold,
        };
        draw(&mut page, letter);
        let stream = page.content.finish();
        let packed = miniz_oxide::deflate::compress_to_vec_zlib(&stream, 6);
        pdf.stream(content_id, &packed).filter(Filter::FlateDecode);
        let mut p = pdf.page(page_id);
        p.media_box(Rect::new(0.0, 0.0, A4.0, A4.1))
            .parent(tree)
            .contents(content_id);
        p.resources()
            .fonts()
            .pair(Name(b"F1"), f1)
            .pair(Name(b"F2"), f2);
        p.finish();
        pages.push(page_id);
    }
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree)
        .kids(pages.iter().copied())
        .count(pages.len() as i32);
    pdf.document_info(info)
        .title(TextStr(title))
        .creator(TextStr("Préau (preau roster letters)"));
    regular.write(&mut pdf, &mut next, f1)?;
    bold.write(&mut pdf, &mut next, f2)?;
    Ok(pdf.finish())
}

/// One letter: who it is for and where it goes, the access, the QR code, the three steps.
fn draw(p: &mut Page, l: &Letter) {
    let right = A4.0 - MARGIN;
    let top = A4.1 - MARGIN;
    // For the school office sorting the pile.
    let pile = format!("À remettre : {}", l.pile);
    let w = p.regular.width(&pile, 9.0);
    p.text(right - w, top + 20.0, 9.0, false, 0.35, &pile);
    p.text(MARGIN, top - 10.0, 18.0, true, 0.0, &l.site_title);
    p.text(
        MARGIN,
        top - 30.0,
        11.0,
        false,
        0.3,
        "Courrier d'invitation à l'espace numérique de travail (ENT)",
    );
    p.text(
        MARGIN,
        top - 70.0,
        13.0,
        false,
        0.0,
        &format!("Bonjour {},", l.name),
    );
    let y = p.paragraph(top - 92.0, 11.0, 0.0, &l.account_line);

    // The access, framed, with the QR code beside it.
    let box_top = y - 14.0;
    let box_h = 190.0;
    let qr_size = 150.0;
    p.frame(MARGIN, box_top - box_h, A4.0 - 2.0 * MARGIN, box_h);
    let x = MARGIN + 16.0;
    let mut y = box_top - 28.0;
    for (label, value, size) in [
        ("Adresse de l'ENT", l.site.as_str(), 12.0),
        ("Identifiant", l.login.as_str(), 15.0),
        ("Code d'activation", l.code_grouped.as_str(), 22.0),
    ] {
        p.text(x, y, 9.5, false, 0.35, label);
        p.text(x, y - size - 2.0, size, true, 0.0, value);
        y -= size + 34.0;
    }
    p.text(
        x,
        box_top - box_h + 14.0,
        9.5,
        false,
        0.35,
        &format!("Code valable jusqu'au {}, une seule fois", l.expires),
    );
    let modules = qr::modules(&l.link);
    let qx = right - qr_size - 16.0;
    let qy = box_top - box_h + 26.0;
    p.qr(&modules, qx, qy, qr_size);
    let caption = "Scannez avec le téléphone";
    let w = p.regular.width(caption, 9.0);
    p.text(
        qx + (qr_size - w) / 2.0,
        qy - 12.0,
        9.0,
        false,
        0.35,
        caption,
    );

    // The three steps.
    let mut y = box_top - box_h - 36.0;
    p.text(MARGIN, y, 13.0, true, 0.0, "Pour activer votre compte");
    y -= 24.0;
    for (i, step) in l.steps.iter().enumerate() {
        p.text(MARGIN, y, 11.0, true, 0.0, &format!("{}.", i + 1));
        let lines = p.regular.wrap(step, 11.0, A4.0 - 2.0 * MARGIN - 18.0);
        for line in lines {
            p.text(MARGIN + 18.0, y, 11.0, false, 0.0, &line);
            y -= 15.0;
        }
        y -= 6.0;
    }
    p.paragraph(MARGIN + 40.0, 9.0, 0.35, &l.footer);
}

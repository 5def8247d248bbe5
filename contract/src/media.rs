//! Names of uploaded media. The server names every upload after its content and its size:
//! `/medias/<scope>/<id>-<width>x<height>.<ext>` for an image (smaller versions add
//! `-<w>` before the extension: `…-2048x1536-480.jpg`) and `/medias/<scope>/<id>.pdf` for a
//! document, where `<scope>` is `ville` (the town's public media), a school or
//! `school/class`, and `<id>` is 16 hex digits of the content hash followed by 2 check
//! digits. So the build can write `width`, `height` and `srcset` without the database,
//! and a mistyped name (a changed, missing or swapped character) fails its check digits
//! and is reported by `preau check` instead of showing a broken image.

use crate::access::{Access, Visibility};
use crate::slug::is_slug;

pub const PREFIX: &str = "/medias/";
/// The scope word for the town's public media (a school may not use it as its id).
pub const TOWN: &str = "ville";
/// Widths of the smaller versions of an image, for `srcset`.
pub const VARIANT_WIDTHS: &[u32] = &[480, 960];
/// Longest side of a stored image.
pub const MAX_SIDE: u32 = 2048;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MediaKind {
    Jpeg,
    Png,
    Webp,
    Gif,
    Pdf,
}

impl MediaKind {
    pub const ALL: &'static [MediaKind] = &[
        MediaKind::Jpeg,
        MediaKind::Png,
        MediaKind::Webp,
        MediaKind::Gif,
        MediaKind::Pdf,
    ];

    pub fn ext(self) -> &'static str {
        match self {
            MediaKind::Jpeg => "jpg",
            MediaKind::Png => "png",
            MediaKind::Webp => "webp",
            MediaKind::Gif => "gif",
            MediaKind::Pdf => "pdf",
        }
    }

    pub fn mime(self) -> &'static str {
        match self {
            MediaKind::Jpeg => "image/jpeg",
            MediaKind::Png => "image/png",
            MediaKind::Webp => "image/webp",
            MediaKind::Gif => "image/gif",
            MediaKind::Pdf => "application/pdf",
        }
    }

    pub fn from_ext(ext: &str) -> Option<MediaKind> {
        MediaKind::ALL.iter().copied().find(|k| k.ext() == ext)
    }

    pub fn is_image(self) -> bool {
        self != MediaKind::Pdf
    }
}

/// Where an upload belongs, and so who may see it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MediaScope {
    Town,
    School(String),
    Class(String, String),
}

impl MediaScope {
    /// `ville`, `school` or `school/class` (the form field `portee` and the URL part).
    pub fn parse(s: &str) -> Option<MediaScope> {
        if s == TOWN {
            return Some(MediaScope::Town);
        }
        match s.split_once('/') {
            Some((school, class)) if is_slug(school) && is_slug(class) && school != TOWN => {
                Some(MediaScope::Class(school.into(), class.into()))
            }
            None if is_slug(s) => Some(MediaScope::School(s.into())),
            _ => None,
        }
    }

    pub fn as_path(&self) -> String {
        match self {
            MediaScope::Town => TOWN.into(),
            MediaScope::School(s) => s.clone(),
            MediaScope::Class(s, c) => format!("{s}/{c}"),
        }
    }

    /// Who may see media of this scope: the town's are public, a school's are for the
    /// school, a class's for the class.
    pub fn access(&self) -> Access {
        match self {
            MediaScope::Town => Access::public(),
            MediaScope::School(s) => Access {
                visibility: Visibility::School,
                school: Some(s.clone()),
                class: None,
            },
            MediaScope::Class(s, c) => Access {
                visibility: Visibility::Class,
                school: Some(s.clone()),
                class: Some(c.clone()),
            },
        }
    }
}

/// One uploaded file (or one smaller version of it), as named in URLs.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MediaRef {
    pub scope: MediaScope,
    /// 16 hex digits of the content hash.
    pub hash: String,
    pub kind: MediaKind,
    /// Width and height of the stored image; `None` for a PDF.
    pub size: Option<(u32, u32)>,
    /// A smaller version (its width), or the stored image itself.
    pub variant: Option<u32>,
}

impl MediaRef {
    /// Two hex check digits over the name's other parts: a weighted sum modulo 251, so any
    /// change of one character or swap of two neighbours changes it.
    fn check(hash: &str, kind: MediaKind, size: Option<(u32, u32)>) -> String {
        let text = match size {
            Some((w, h)) => format!("{hash}-{w}x{h}.{}", kind.ext()),
            None => format!("{hash}.{}", kind.ext()),
        };
        let sum = text.bytes().enumerate().fold(0u32, |acc, (i, b)| {
            (acc + (i as u32 + 1) * u32::from(b)) % 251
        });
        format!("{sum:02x}")
    }

    /// The file name inside the scope folder.
    pub fn file_name(&self) -> String {
        let check = Self::check(&self.hash, self.kind, self.size);
        let ext = self.kind.ext();
        match (self.size, self.variant) {
            (Some((w, h)), Some(v)) => format!("{}{check}-{w}x{h}-{v}.{ext}", self.hash),
            (Some((w, h)), None) => format!("{}{check}-{w}x{h}.{ext}", self.hash),
            (None, _) => format!("{}{check}.{ext}", self.hash),
        }
    }

    pub fn url(&self) -> String {
        format!("{PREFIX}{}/{}", self.scope.as_path(), self.file_name())
    }

    /// Parse a URL path (`/medias/…`); `None` unless every part, check digits included,
    /// is right.
    pub fn parse(path: &str) -> Option<MediaRef> {
        let rest = path.strip_prefix(PREFIX)?;
        let (scope, file) = rest.rsplit_once('/')?;
        let scope = MediaScope::parse(scope)?;
        let (stem, ext) = file.rsplit_once('.')?;
        let kind = MediaKind::from_ext(ext)?;
        let mut parts = stem.split('-');
        let id = parts.next()?;
        if id.len() != 18
            || !id
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            return None;
        }
        let (hash, check) = id.split_at(16);
        let size = match parts.next() {
            Some(dims) => {
                let (w, h) = dims.split_once('x')?;
                Some((number(w)?, number(h)?))
            }
            None => None,
        };
        let variant = match parts.next() {
            Some(v) => Some(number(v)?),
            None => None,
        };
        if parts.next().is_some() || kind.is_image() != size.is_some() {
            return None;
        }
        if let (Some(v), Some((w, _))) = (variant, size) {
            if !VARIANT_WIDTHS.contains(&v) || v >= w {
                return None;
            }
        }
        if Self::check(hash, kind, size) != check {
            return None;
        }
        Some(MediaRef {
            scope,
            hash: hash.to_string(),
            kind,
            size,
            variant,
        })
    }

    /// The stored image itself (not a smaller version).
    pub fn original(&self) -> MediaRef {
        MediaRef {
            variant: None,
            ..self.clone()
        }
    }

    /// The smaller versions stored for this image, narrowest first.
    pub fn variants(&self) -> Vec<MediaRef> {
        let Some((w, _)) = self.size else {
            return Vec::new();
        };
        VARIANT_WIDTHS
            .iter()
            .filter(|v| **v < w)
            .map(|v| MediaRef {
                variant: Some(*v),
                ..self.original()
            })
            .collect()
    }

    /// Width and height of this file (a smaller version keeps the proportions).
    pub fn dimensions(&self) -> Option<(u32, u32)> {
        let (w, h) = self.size?;
        Some(match self.variant {
            Some(v) => (v, scaled(h, v, w)),
            None => (w, h),
        })
    }

    /// The `srcset` of an image: its smaller versions and itself.
    pub fn srcset(&self) -> Option<String> {
        let (w, _) = self.size?;
        let mut parts: Vec<String> = self
            .variants()
            .iter()
            .filter_map(|v| v.variant.map(|vw| format!("{} {vw}w", v.url())))
            .collect();
        parts.push(format!("{} {w}w", self.original().url()));
        Some(parts.join(", "))
    }

    /// Key of the stored bytes: the same content has the same key in every scope.
    pub fn blob_key(&self) -> String {
        match self.variant {
            Some(v) => format!("{}-{v}", self.hash),
            None => self.hash.clone(),
        }
    }
}

/// `h * v / w`, rounded, at least 1.
pub fn scaled(h: u32, v: u32, w: u32) -> u32 {
    if w == 0 {
        return 1;
    }
    ((u64::from(h) * u64::from(v) + u64::from(w) / 2) / u64::from(w)).max(1) as u32
}

fn number(s: &str) -> Option<u32> {
    if s.is_empty() || s.starts_with('0') || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok().filter(|n| (1..=65_535).contains(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn photo() -> MediaRef {
        MediaRef {
            scope: MediaScope::Class("ecole-a".into(), "ce1".into()),
            hash: "0123456789abcdef".into(),
            kind: MediaKind::Jpeg,
            size: Some((2048, 1536)),
            variant: None,
        }
    }

    #[test]
    fn names_round_trip_and_describe_the_image() {
        let p = photo();
        let url = p.url();
        assert!(url.starts_with("/medias/ecole-a/ce1/0123456789abcdef"));
        assert!(url.ends_with("-2048x1536.jpg"));
        assert_eq!(MediaRef::parse(&url), Some(p.clone()));
        let v = p.variants();
        assert_eq!(v.len(), 2);
        assert_eq!(v[0].dimensions(), Some((480, 360)));
        assert_eq!(MediaRef::parse(&v[1].url()), Some(v[1].clone()));
        let srcset = p.srcset().unwrap();
        assert!(srcset.contains("-480.jpg 480w") && srcset.ends_with("2048x1536.jpg 2048w"));
        let pdf = MediaRef {
            scope: MediaScope::Town,
            kind: MediaKind::Pdf,
            size: None,
            ..photo()
        };
        assert!(pdf.url().starts_with("/medias/ville/"));
        assert_eq!(MediaRef::parse(&pdf.url()), Some(pdf));
    }

    #[test]
    fn typos_fail_the_check_digits() {
        let url = photo().url();
        let mut caught = 0;
        let mut tried = 0;
        let bytes = url.as_bytes();
        let start = "/medias/ecole-a/ce1/".len();
        for i in start..bytes.len() {
            for c in [b'0', b'7', b'a', b'f', b'x', b'-', b'9'] {
                if bytes[i] == c {
                    continue;
                }
                let mut b = bytes.to_vec();
                b[i] = c;
                let typo = String::from_utf8(b).unwrap();
                tried += 1;
                if MediaRef::parse(&typo).is_none() {
                    caught += 1;
                }
            }
        }
        assert_eq!(caught, tried, "every one-character typo is caught");
        // A swap of two neighbours.
        let mut b = url.as_bytes().to_vec();
        b.swap(start + 3, start + 4);
        assert!(MediaRef::parse(&String::from_utf8(b).unwrap()).is_none());
    }

    #[test]
    fn hostile_names_are_not_media() {
        for bad in [
            "/medias/../secret/0123456789abcdef00-1x1.jpg",
            "/medias/ecole-a/ce1/0123456789ABCDEF00-2048x1536.jpg",
            "/medias/ecole-a/ce1/x.jpg",
            "/medias/a/b/c/0123456789abcdef00.pdf",
            "/medias/ville/ce1/0123456789abcdef00.pdf",
            "/medias/ecole-a/0123456789abcdef00-0x5.png",
        ] {
            assert!(MediaRef::parse(bad).is_none(), "{bad}");
        }
        assert_eq!(MediaScope::parse("ville"), Some(MediaScope::Town));
        assert_eq!(MediaScope::parse("ville/ce1"), None);
        assert_eq!(MediaScope::parse("../x"), None);
    }
}

//! What the build knows of each file's bytes: the content hash (the edge's strong `ETag`
//! and the fingerprint of theme files) and the Brotli and gzip copies written next to every
//! compressible file, so that `preau serve` sends them without compressing at request time.

use crate::error::BuildError;
use preau_contract::access::{compressible, FileMeta};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::Path;

/// Brotli quality of the copies written at build, from `cargo bench --bench compression`
/// on the demo town (174 files, 642 KB; 2-core machine under load): quality 5 gives 1.08×
/// the bytes of quality 11 in about 0.23 ms per file, quality 4 1.15× in 0.1 ms, qualities
/// 6 to 8 nothing more than 5, 9 to 11 at most 8 % fewer bytes for 15 to 25 times the time.
pub const BROTLI_QUALITY: u32 = 5;
/// Brotli window (log2 bytes): larger than any page. Not 16: with a 64 KiB window the
/// encoder picks, for qualities 5 to 8, a hasher that costs about 7 ms per page to set up
/// (30 times slower, measured in the same bench), for no smaller output.
const BROTLI_WINDOW: u32 = 18;
/// gzip level of the copies, for the few clients without Brotli: levels 7 to 9 gave the
/// same bytes as 6 on the demo town's pages (same bench), at up to twice the time.
pub const GZIP_LEVEL: u32 = 6;
/// Smaller files are sent as they are: a few hundred bytes fit in one packet anyway.
pub const MIN_COMPRESS: usize = 512;

/// First 16 bytes of the SHA-256 of `data`, in hex.
pub fn hash(data: &[u8]) -> String {
    let digest = Sha256::digest(data);
    let mut s = String::with_capacity(32);
    for b in &digest[..16] {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// Brotli at `quality` with the build's window.
pub fn brotli(data: &[u8], quality: u32) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() / 3);
    {
        let mut w = brotli::CompressorWriter::new(&mut out, 4096, quality, BROTLI_WINDOW);
        // Writing into a Vec cannot fail.
        let _ = w.write_all(data);
    }
    out
}

/// gzip at `level` (0–9).
pub fn gzip(data: &[u8], level: u32) -> Vec<u8> {
    let mut w = flate2::write::GzEncoder::new(
        Vec::with_capacity(data.len() / 3),
        flate2::Compression::new(level),
    );
    let _ = w.write_all(data);
    w.finish().unwrap_or_default()
}

/// Write `data` at `dir/rel` (and its `.br`/`.gz` copies when worth it), returning what
/// the manifest says of it (`modified` left at 0 for the caller). The copies are written
/// before the file: a reader that sees the new file never pairs it with old copies.
/// `replace` writes through a temporary name (rebuilds, while a server reads).
pub fn write(dir: &Path, rel: &str, data: &[u8], replace: bool) -> Result<FileMeta, BuildError> {
    let full = dir.join(rel);
    let mut compressed = false;
    if compressible(rel) && data.len() >= MIN_COMPRESS {
        let br = brotli(data, BROTLI_QUALITY);
        let gz = gzip(data, GZIP_LEVEL);
        // Only when both really save bytes (already dense files stay as they are).
        if br.len() + 64 < data.len() && gz.len() + 64 < data.len() {
            put(&sibling(&full, "br"), &br, replace)?;
            put(&sibling(&full, "gz"), &gz, replace)?;
            compressed = true;
        }
    }
    if !compressed && replace {
        // An earlier build may have left copies of older bytes.
        for ext in ["br", "gz"] {
            let _ = std::fs::remove_file(sibling(&full, ext));
        }
    }
    put(&full, data, replace)?;
    Ok(FileMeta {
        hash: hash(data),
        modified: 0,
        compressed,
        immutable: false,
    })
}

/// `a/b.html` -> `a/b.html.br`.
fn sibling(full: &Path, ext: &str) -> std::path::PathBuf {
    let mut s = full.as_os_str().to_os_string();
    s.push(".");
    s.push(ext);
    s.into()
}

fn put(path: &Path, data: &[u8], replace: bool) -> Result<(), BuildError> {
    if !replace {
        return std::fs::write(path, data).map_err(|e| BuildError::io(path, e));
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| BuildError::io(parent, e))?;
    }
    let mut tmp = path.as_os_str().to_os_string();
    tmp.push(".preau-tmp");
    std::fs::write(&tmp, data).map_err(|e| BuildError::io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| BuildError::io(path, e))
}

/// `theme/style.css` + hash -> `theme/style.3f9a2b1c0d4e.css` (12 hex digits: 48 bits).
pub fn fingerprinted_name(rel: &str, hash: &str) -> String {
    let short = &hash[..12.min(hash.len())];
    let (dir, name) = match rel.rsplit_once('/') {
        Some((d, n)) => (format!("{d}/"), n),
        None => (String::new(), rel),
    };
    match name.rsplit_once('.') {
        Some((stem, ext)) => format!("{dir}{stem}.{short}.{ext}"),
        None => format!("{dir}{name}.{short}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_keep_the_extension() {
        assert_eq!(
            fingerprinted_name("theme/style.css", "0123456789abcdef"),
            "theme/style.0123456789ab.css"
        );
        assert_eq!(
            fingerprinted_name("theme/x", "0123456789abcdef"),
            "theme/x.0123456789ab"
        );
    }

    #[test]
    fn copies_decode_to_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let page = "<p>Bonjour les parents</p>".repeat(100);
        let m = write(dir.path(), "a.html", page.as_bytes(), false).unwrap();
        assert!(m.compressed);
        assert_eq!(m.hash, hash(page.as_bytes()));
        let gz = std::fs::read(dir.path().join("a.html.gz")).unwrap();
        let mut out = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&gz[..]), &mut out)
            .unwrap();
        assert_eq!(out, page);
        let br = std::fs::read(dir.path().join("a.html.br")).unwrap();
        let mut out = Vec::new();
        brotli::BrotliDecompress(&mut &br[..], &mut out).unwrap();
        assert_eq!(out, page.as_bytes());
        // Tiny and incompressible files get no copies.
        assert!(
            !write(dir.path(), "b.html", b"<p>x</p>", false)
                .unwrap()
                .compressed
        );
        assert!(
            !write(dir.path(), "c.png", &[7u8; 4000], false)
                .unwrap()
                .compressed
        );
    }
}

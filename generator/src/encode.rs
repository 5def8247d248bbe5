//! What the build knows of each file's bytes: the content hash (the edge's strong `ETag`
//! and the fingerprint of theme files) and the Brotli copy written next to every
//! compressible file, so that `preau serve` sends it without compressing at request time.
//! gzip, for the few clients without Brotli, is made by `preau serve` at request time
//! (about 0.05 ms a page): writing a second copy of every page cost the build a third of
//! its files for them.

use crate::error::BuildError;
use preau_contract::access::{compressible, FileMeta};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

/// Brotli quality of the copies written at build. From `cargo bench --bench compression`
/// on the build bench's 10,000-post corpus (`PREAU_BENCH_SAMPLE=8`: 1,826 pages, 11 MB;
/// window 2^18; 2-core machine under load 7-10, so times are ratios within the run):
/// quality 5 gives 0.359 of the identity bytes in 1.00 (time), quality 4 0.379 in about
/// 0.8, quality 3 0.399 in 0.57, quality 2 0.403 in 0.49, quality 1 0.426 in 0.28. The
/// copies are only for `preau serve` (Cloudflare compresses itself) and cost most of a
/// first full build's CPU at quality 5 (4.3 s of 5 s user time at 10,000 posts, against
/// 3.0 s at quality 2): quality 2 halves it for 12 % more bytes (a 5 KB page gets 0.6 KB
/// bigger, less than one packet). Quality 1 would save another third of the time for 6 %
/// more bytes than 2 and is larger than gzip 6. Qualities 9 to 11 stay far too slow.
/// Measured again on the shared harness's corpus (`PREAU_BENCH_CORPUS=/dev/shm/ssg/n10000/
/// preau`, 1,646 sampled pages, 8.5 MB, load 3-4): quality 1 0.424 of the identity bytes in
/// about 0.7 of quality 2's time, quality 2 0.402, quality 3 0.399, quality 4 0.372 in 1.7
/// times quality 2's time, gzip 6 0.390: quality 1 stays out (its copies would be larger
/// than gzip 6's), and a one-call encoder told the whole input, or a 2^16 window, changed
/// nothing measurable at quality 2. Reusing the encoder's tables from one page to the next
/// (a fifth of its instructions zero them) is not done: handed back unzeroed they changed
/// the compressed bytes, so the encoder reads memory it did not write.
pub const BROTLI_QUALITY: u32 = 2;
/// Brotli window (log2 bytes): larger than any page. Not 16: with a 64 KiB window the
/// encoder picks, for qualities 5 to 8, a hasher that costs about 7 ms per page to set up
/// (30 times slower, measured in the same bench), for no smaller output.
const BROTLI_WINDOW: u32 = 18;
/// gzip level of `gzip` (the compression bench; `preau serve` uses its own fast level).
pub const GZIP_LEVEL: u32 = 6;
/// Smaller files are sent as they are: a few hundred bytes fit in one packet anyway.
pub const MIN_COMPRESS: usize = 512;

/// First 16 bytes of the SHA-256 of `data`, in hex.
pub fn hash(data: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let digest = Sha256::digest(data);
    let mut s = String::with_capacity(32);
    for b in &digest[..16] {
        s.push(HEX[(b >> 4) as usize] as char);
        s.push(HEX[(b & 15) as usize] as char);
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

/// What a file's writer may reuse instead of compressing again.
#[derive(Clone, Copy)]
pub enum Reuse<'a> {
    /// Nothing (a first build).
    None,
    /// A full build into a new folder: the previous build's folder and what it wrote.
    /// A file whose bytes did not change is a hard link to the previous one, and so is
    /// its `.br` copy (two system calls instead of compressing and writing it again).
    Previous {
        dir: &'a Path,
        meta: &'a BTreeMap<String, FileMeta>,
    },
    /// A rebuild in place: what the folder holds now. A file whose bytes did not change
    /// is not written at all.
    InPlace(&'a BTreeMap<String, FileMeta>),
}

/// How `write` wrote a file, for the build's report and the benchmark.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wrote {
    /// Bytes unchanged, the folder already had them: nothing written.
    Unchanged,
    /// The file and its Brotli copy linked from the previous build.
    Linked,
    /// The file written, and its Brotli copy made now (or none: not worth it).
    Compressed,
}

/// Write `data` at `dir/rel` (and its `.br` copy when worth it), returning what the
/// manifest says of it (`modified` left at 0 for the caller, except for an unchanged file,
/// which keeps its time). The copy is written before the file: a reader that sees the new
/// file never pairs it with an old copy. `replace` writes through a temporary name
/// (rebuilds, while a server reads).
pub fn write(dir: &Path, rel: &str, data: &[u8], replace: bool) -> Result<FileMeta, BuildError> {
    write_reusing(dir, rel, data, replace, Reuse::None).map(|(m, _)| m)
}

/// `write`, reusing what `reuse` offers for bytes that did not change.
pub fn write_reusing(
    dir: &Path,
    rel: &str,
    data: &[u8],
    replace: bool,
    reuse: Reuse,
) -> Result<(FileMeta, Wrote), BuildError> {
    let full = dir.join(rel);
    let hash = hash(data);
    let worth = compressible(rel) && data.len() >= MIN_COMPRESS;
    if let Reuse::InPlace(current) = reuse {
        if let Some(m) = current.get(rel).filter(|m| m.hash == hash) {
            // Only trusted while the file is there (a hand-made deletion is repaired).
            if full.is_file() && (!m.compressed || sibling(&full, "br").is_file()) {
                return Ok((m.clone(), Wrote::Unchanged));
            }
        }
    }
    if let Reuse::Previous { dir: old, meta } = reuse {
        // Same bytes as the previous build's file: link it and its copy (no data written:
        // on a server's disk, writing the whole site again is what a build waits for).
        if let Some(m) = meta.get(rel).filter(|m| m.hash == hash) {
            let prev = old.join(rel);
            let copy_ok = !m.compressed
                || std::fs::hard_link(sibling(&prev, "br"), sibling(&full, "br")).is_ok();
            if copy_ok && std::fs::hard_link(&prev, &full).is_ok() {
                let meta = FileMeta {
                    hash,
                    modified: 0,
                    compressed: m.compressed,
                    immutable: false,
                    retired: 0,
                };
                return Ok((meta, Wrote::Linked));
            }
            // Something moved under us: write everything again.
            let _ = std::fs::remove_file(sibling(&full, "br"));
        }
    }
    let mut compressed = false;
    if worth {
        let br = brotli(data, BROTLI_QUALITY);
        // Only when it really saves bytes (already dense files stay as they are).
        if br.len() + 64 < data.len() {
            put(&sibling(&full, "br"), &br, replace)?;
            compressed = true;
        }
    }
    if !compressed && replace {
        // An earlier build may have left a copy of older bytes.
        let _ = std::fs::remove_file(sibling(&full, "br"));
    }
    put(&full, data, replace)?;
    Ok((
        FileMeta {
            hash,
            modified: 0,
            compressed,
            immutable: false,
            retired: 0,
        },
        Wrote::Compressed,
    ))
}

/// `a/b.html` -> `a/b.html.br`.
pub(crate) fn sibling(full: &Path, ext: &str) -> std::path::PathBuf {
    let mut s = full.as_os_str().to_os_string();
    s.push(".");
    s.push(ext);
    s.into()
}

/// Write a file of a new build's folder: its folder was made beforehand (one `open`,
/// `write`, `close`), else it is made now.
pub(crate) fn put_new(path: &Path, data: &[u8]) -> Result<(), BuildError> {
    match std::fs::write(path, data) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(|e| BuildError::io(parent, e))?;
            }
            std::fs::write(path, data).map_err(|e| BuildError::io(path, e))
        }
        other => other.map_err(|e| BuildError::io(path, e)),
    }
}

fn put(path: &Path, data: &[u8], replace: bool) -> Result<(), BuildError> {
    if !replace {
        return put_new(path, data);
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
        assert!(
            !dir.path().join("a.html.gz").exists(),
            "gzip is made at request time"
        );
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

//! Embeds the default theme (`themes/default/`) and the texts `preau init` gives a new town
//! (its charters and guides, from `content/`) in the `preau` binary, so that a town's own
//! repository needs neither. One `include_bytes!` per file: no dependency, and cargo
//! rebuilds when any of these files changes (the folders are watched too, for new files).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn files(root: &Path, dir: &Path, out: &mut Vec<(String, PathBuf)>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    entries.sort();
    for path in entries {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if name.starts_with('.') || name.ends_with('~') {
            continue;
        }
        if path.is_dir() {
            files(root, &path, out);
        } else if path.is_file() {
            let rel = path.strip_prefix(root).unwrap_or(&path);
            out.push((rel.to_string_lossy().replace('\\', "/"), path.clone()));
        }
    }
}

fn table(name: &str, root: &Path, dirs: &[&str], code: &mut String) {
    let mut list = Vec::new();
    for d in dirs {
        let dir = root.join(d);
        println!("cargo:rerun-if-changed={}", dir.display());
        files(root, &dir, &mut list);
    }
    writeln!(code, "pub static {name}: &[(&str, &[u8])] = &[").unwrap();
    for (rel, path) in list {
        let abs = path.canonicalize().unwrap_or(path);
        writeln!(
            code,
            "    ({rel:?}, include_bytes!({:?})),",
            abs.display().to_string()
        )
        .unwrap();
    }
    writeln!(code, "];").unwrap();
}

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let mut code = String::new();
    table(
        "DEFAULT_THEME",
        &root.join("themes/default"),
        &["."],
        &mut code,
    );
    table(
        "STARTER_TEXTS",
        &root.join("content"),
        &["charte", "guides"],
        &mut code,
    );
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR")).join("embedded.rs");
    std::fs::write(&out, code).expect("write embedded.rs");
    println!("cargo:rerun-if-changed=build.rs");
}

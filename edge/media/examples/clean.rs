//! Runs `inspect()` on files, to look at what would be stored:
//! `cargo run --release -p preau-media --example clean -- OUT_DIR FILE...`.
//! Writes the stored file and its variants for each accepted one, prints one line per file.

use std::path::Path;

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(out_dir) = args.next() else {
        eprintln!("usage: clean OUT_DIR FILE...");
        std::process::exit(2);
    };
    let _ = std::fs::create_dir_all(&out_dir);
    let limits = preau_media::Limits::default();
    for path in args {
        let stem = Path::new(&path)
            .file_name()
            .map(|n| n.to_string_lossy().replace('.', "_"))
            .unwrap_or_default();
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) => {
                println!("{path}: {e}");
                continue;
            }
        };
        let t = std::time::Instant::now();
        let r = preau_media::inspect(&bytes, &limits);
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        match r {
            Ok(i) => {
                let out = format!("{out_dir}/{stem}.{}", i.extension);
                let _ = std::fs::write(&out, &i.bytes);
                let variants: String = i
                    .variants
                    .iter()
                    .map(|v| {
                        let p = format!("{out_dir}/{stem}.{}w.{}", v.width, i.extension);
                        let _ = std::fs::write(&p, &v.bytes);
                        format!(" {}x{} {} B", v.width, v.height, v.bytes.len())
                    })
                    .collect();
                println!(
                    "{path}: {} B {:?} -> {out} {:?} {}x{} {} B{}{} ({ms:.1} ms)",
                    bytes.len(),
                    i.source,
                    i.kind,
                    i.width.unwrap_or(0),
                    i.height.unwrap_or(0),
                    i.bytes.len(),
                    if variants.is_empty() {
                        String::new()
                    } else {
                        format!(", variants{variants}")
                    },
                    i.pages.map(|p| format!(" {p} page(s)")).unwrap_or_default(),
                );
            }
            Err(e) => println!(
                "{path}: {} B refused {} {e:?} ({ms:.1} ms)",
                bytes.len(),
                e.key()
            ),
        }
    }
}

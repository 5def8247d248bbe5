//! Files, builds, ports and the command line: the helpers every kind of test needs.

use preau_generator::{BuildError, BuildOptions, BuildReport, Generator};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The repository root.
pub fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A content folder of `tests/fixtures/`.
pub fn fixture(name: &str) -> PathBuf {
    repo().join("tests/fixtures").join(name)
}

/// The default theme.
pub fn theme() -> PathBuf {
    repo().join("themes/default")
}

/// The build options of `preau build --content <content> --output <output>`.
pub fn options(content: &Path, output: &Path) -> BuildOptions {
    BuildOptions {
        content: content.to_path_buf(),
        theme: theme(),
        output: output.to_path_buf(),
    }
}

/// A full build with the default theme, as `preau build` does it.
pub fn build(content: &Path, output: &Path) -> Result<BuildReport, BuildError> {
    Generator::new(options(content, output))?.build(&|_, _| {})
}

/// A build that must succeed; panics with every content error otherwise.
pub fn build_ok(content: &Path, output: &Path) -> BuildReport {
    match build(content, output) {
        Ok(report) => report,
        Err(BuildError::Content(errors)) => panic!(
            "build of {} failed:\n{}",
            content.display(),
            errors
                .iter()
                .map(|e| format!("  {e}\n"))
                .collect::<String>()
        ),
        Err(e) => panic!("build of {} failed: {e}", content.display()),
    }
}

/// Every file under `dir`, by its path relative to `dir` with `/` separators.
pub fn walk(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn visit(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        for entry in entries {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                visit(root, &path, out);
            } else {
                let rel = path.strip_prefix(root).expect("under the root");
                let rel = rel
                    .iter()
                    .map(|p| p.to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/");
                let bytes =
                    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                out.insert(rel, bytes);
            }
        }
    }
    let mut out = BTreeMap::new();
    visit(dir, dir, &mut out);
    out
}

/// The path of every file under `dir` (relative, `/` separators, sorted), without reading
/// them; empty when `dir` does not exist.
pub fn walk_names(dir: &Path) -> Vec<String> {
    fn visit(root: &Path, dir: &Path, out: &mut Vec<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                visit(root, &path, out);
            } else if let Ok(rel) = path.strip_prefix(root) {
                let rel = rel.iter().map(|p| p.to_string_lossy()).collect::<Vec<_>>();
                out.push(rel.join("/"));
            }
        }
    }
    let mut out = Vec::new();
    visit(dir, dir, &mut out);
    out.sort();
    out
}

/// Copy the files of `from` into `to` (created as needed).
pub fn copy_dir(from: &Path, to: &Path) {
    for (rel, bytes) in walk(from) {
        let dest = to.join(&rel);
        std::fs::create_dir_all(dest.parent().expect("parent")).expect("mkdir");
        std::fs::write(&dest, bytes).unwrap_or_else(|e| panic!("{}: {e}", dest.display()));
    }
}

/// A TCP port free on the loopback interface right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

/// Run the `preau` command line with `stdin` as its input; returns its standard output.
/// Panics, with its error output, when it fails.
pub fn run_preau<S: AsRef<std::ffi::OsStr>>(args: &[S], stdin: Option<&str>) -> String {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_preau"))
        .args(args)
        .current_dir(repo())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start preau");
    let mut input = child.stdin.take().expect("stdin");
    if let Some(s) = stdin {
        input.write_all(s.as_bytes()).expect("write stdin");
    }
    drop(input);
    let out = child.wait_with_output().expect("preau");
    let shown: Vec<_> = args.iter().map(|a| a.as_ref().to_string_lossy()).collect();
    assert!(
        out.status.success(),
        "preau {shown:?} failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

/// Text as a reader sees it: the few entities the templates and the minifier write, decoded.
pub fn decoded(html: &str) -> String {
    html.replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&apos;", "'")
        .replace("&quot;", "\"")
        .replace("&#x2F;", "/")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The generator's leak check: the title and summary of every page `secret` picks (texts
/// of 12 characters or more; a title that a page `shared` also has says nothing) must
/// appear in none of `files` (path, text as a reader sees it, see `decoded`). Returns how
/// many texts were checked and the leaks found.
pub fn leaks(
    site: &preau_generator::model::Site,
    files: &[(String, String)],
    secret: &dyn Fn(&preau_generator::model::Page) -> bool,
    shared: &dyn Fn(&preau_generator::model::Page) -> bool,
) -> (usize, Vec<String>) {
    let shared_titles: std::collections::BTreeSet<&str> = site
        .pages
        .iter()
        .filter(|p| shared(p))
        .map(|p| p.title.as_str())
        .collect();
    let mut checked = 0;
    let mut found = Vec::new();
    for page in site.pages.iter().filter(|p| secret(p)) {
        let mut secrets = vec![page.summary.as_str()];
        if !shared_titles.contains(page.title.as_str()) {
            secrets.push(page.title.as_str());
        }
        for secret in secrets.into_iter().filter(|t| t.chars().count() >= 12) {
            checked += 1;
            for (path, body) in files {
                if body.contains(secret) {
                    found.push(format!("{path} shows « {secret} » from {}", page.url));
                }
            }
        }
    }
    (checked, found)
}

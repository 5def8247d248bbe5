//! End-to-end tests of the generator and of the `preau` command line, on the demo content
//! (`content/`) and on small fixtures (`tests/fixtures/`), each a complete content folder:
//!
//! - `basic`: a school, a class with two posts (one with a co-located image), town news;
//! - `private`: pages of every non-public visibility, each carrying a `SECRET…` marker
//!   (`paginate_by = 2`, so lists and tag pages have several pages);
//! - `broken`: `basic` with five content errors in five files;
//! - `hostile`: raw HTML attacks that the sanitiser must neutralise silently;
//! - `hostile-links`: Markdown `javascript:` and `data:` links, refused as content errors;
//! - `hostile-svg`: a co-located SVG image with a script, refused as a content error.

mod support;

use preau_edge::access::{Access, Manifest, Visibility, MANIFEST_PATH};
use preau_generator::{BuildError, ContentError, Generator, RebuildKind};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use support::site::{build, build_ok, copy_dir, decoded, fixture, options, theme, walk};

// ---------------------------------------------------------------------------------------
// Helpers (the shared ones are in tests/support/site.rs)
// ---------------------------------------------------------------------------------------

fn repo() -> PathBuf {
    support::site::repo().to_path_buf()
}

/// A build that must fail with content errors; returns them.
fn build_errors(content: &Path, output: &Path) -> Vec<ContentError> {
    match build(content, output) {
        Ok(_) => panic!("build of {} should have failed", content.display()),
        Err(BuildError::Content(errors)) => errors,
        Err(e) => panic!(
            "build of {} failed, but not with content errors: {e}",
            content.display()
        ),
    }
}

fn manifest(output: &Path) -> Manifest {
    let bytes = std::fs::read(output.join(MANIFEST_PATH)).expect("the manifest is written");
    serde_json::from_slice(&bytes).expect("the manifest is valid JSON")
}

fn text(files: &BTreeMap<String, Vec<u8>>, path: &str) -> String {
    let bytes = files
        .get(path)
        .unwrap_or_else(|| panic!("{path} was not built"));
    String::from_utf8_lossy(bytes).into_owned()
}

/// The `preau` binary, run from the repository root.
fn preau(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_preau"))
        .args(args)
        .current_dir(repo())
        .output()
        .expect("run preau")
}

fn s(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

/// Files and folders next to `output` (the build writes `.name.tmp` there, then removes it).
fn siblings(output: &Path) -> BTreeSet<String> {
    std::fs::read_dir(output.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

// ---------------------------------------------------------------------------------------
// The demo site
// ---------------------------------------------------------------------------------------

#[test]
fn demo_site_builds_and_manifest_covers_every_file() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("public");
    let report = build_ok(&repo().join("content"), &out);
    let files = walk(&out);
    assert!(
        report.pages > 20,
        "the demo site has {} pages only",
        report.pages
    );
    assert_eq!(
        report.files + report.compressed,
        files.len(),
        "the report counts every written file"
    );

    let m = manifest(&out);
    // The `.br` copies are not in the manifest (never served under their own name): each
    // lies next to a file whose entry says so, and decodes to it. No `.gz`: `preau serve`
    // makes gzip at request time.
    let mut compressed = 0;
    for (path, meta) in &m.meta {
        assert!(
            m.files.contains_key(path),
            "{path}: meta without a manifest entry"
        );
        assert!(files.contains_key(path), "{path}: meta without a file");
        let copy = format!("{path}.br");
        assert_eq!(files.contains_key(&copy), meta.compressed, "{copy}");
        assert!(!files.contains_key(&format!("{path}.gz")), "{path}.gz");
        if meta.compressed {
            compressed += 1;
            let br = &files[&copy];
            let mut plain = Vec::new();
            brotli::BrotliDecompress(&mut &br[..], &mut plain).unwrap();
            assert!(plain == files[path], "{path}.br decodes to another file");
        }
    }
    assert!(
        compressed > 20,
        "only {compressed} files have compressed copies"
    );
    assert!(
        m.meta["index.html"].compressed,
        "the home page has compressed copies"
    );
    let on_disk: BTreeSet<&String> = files
        .keys()
        .filter(|p| {
            !p.rsplit_once('.').is_some_and(|(base, ext)| {
                ext == "br" && m.meta.get(base).is_some_and(|x| x.compressed)
            })
        })
        .collect();
    let listed: BTreeSet<&String> = m.files.keys().collect();
    let unlisted: Vec<_> = on_disk.difference(&listed).collect();
    let missing: Vec<_> = listed.difference(&on_disk).collect();
    assert!(
        unlisted.is_empty(),
        "files missing from the manifest (the edge would refuse them): {unlisted:#?}"
    );
    assert!(
        missing.is_empty(),
        "manifest entries with no file: {missing:#?}"
    );

    // Scopes are consistent: class files name their class, school files their school.
    for (path, access) in &m.files {
        match access.visibility {
            Visibility::Class => assert!(
                access.school.is_some() && access.class.is_some(),
                "{path}: {access:?}"
            ),
            Visibility::School => assert!(
                access.school.is_some() && access.class.is_none(),
                "{path}: {access:?}"
            ),
            _ => {}
        }
    }
    assert_eq!(m.files[MANIFEST_PATH].visibility, Visibility::Internal);
    assert_eq!(
        siblings(&out),
        BTreeSet::from(["public".to_string()]),
        "temporary folders are cleaned up"
    );
}

#[test]
fn html_passes_nu_checker() {
    let jar = repo().join("node_modules/vnu-jar/build/dist/vnu.jar");
    assert!(
        jar.is_file(),
        "the Nu HTML checker is missing ({}): run `npm ci` at the repository root to install it",
        jar.display()
    );
    // The demo site, plus the `private` fixture for what the demo lacks: public tag pages,
    // staff pages, pagination (it has `paginate_by = 2`) and minified pages (`minify_html`).
    let tmp = tempfile::tempdir().unwrap();
    let sites = [
        (repo().join("content"), tmp.path().join("demo")),
        (fixture("private"), tmp.path().join("private")),
    ];
    let mut html = Vec::new();
    for (content, out) in &sites {
        build_ok(content, out);
        html.extend(walk(out).into_keys().filter(|p| p.ends_with(".html")));
    }
    assert!(
        html.iter().any(|p| p.starts_with("_preau/shells/")),
        "the edge shells are checked too"
    );
    assert!(
        html.iter().any(|p| p.contains("/page/2/")),
        "a second list page is checked"
    );

    let mut args = vec![
        "-jar",
        s(&jar),
        "--errors-only",
        "--skip-non-html",
        "--format",
        "json",
    ];
    args.extend(sites.iter().map(|(_, out)| s(out)));
    let run = Command::new("java")
        .args(&args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run `java` ({e}): install a Java runtime (11 or later) for the Nu HTML checker"));
    // The checker writes its JSON report to stderr.
    let report = String::from_utf8_lossy(&run.stderr);
    let json: serde_json::Value = serde_json::from_str(report.trim()).unwrap_or_else(|e| {
        panic!(
            "unreadable report from the Nu HTML checker ({e}):\nstdout: {}\nstderr: {report}",
            String::from_utf8_lossy(&run.stdout)
        )
    });
    let messages = json["messages"].as_array().expect("a list of messages");
    let root = format!("file:{}/", tmp.path().display());
    let lines: Vec<String> = messages
        .iter()
        .map(|m| {
            let url = m["url"].as_str().unwrap_or("?");
            format!(
                "{}:{}:{}: [{}] {}\n    …{}…",
                url.strip_prefix(&root).unwrap_or(url),
                m["lastLine"],
                m["firstColumn"],
                m["type"].as_str().unwrap_or("?"),
                m["message"].as_str().unwrap_or("?"),
                m["extract"].as_str().unwrap_or("").replace('\n', " "),
            )
        })
        .collect();
    assert!(
        lines.is_empty(),
        "{} HTML error(s) in {} checked files:\n{}",
        lines.len(),
        html.len(),
        lines.join("\n")
    );
    assert!(run.status.success(), "the checker failed: {report}");
}

// ---------------------------------------------------------------------------------------
// Privacy
// ---------------------------------------------------------------------------------------

/// Markers of the `private` fixture and the page that must show each.
const MARKERS: &[(&str, &str)] = &[
    ("SECRETVILLE", "actualites/reunion-des-agents/index.html"),
    ("SECRETGUIDE", "guides/procedure-interne/index.html"),
    (
        "SECRETSTAFF",
        "ecoles/ecole-a/actualites/conseil-des-maitres/index.html",
    ),
    (
        "SECRETECOLE",
        "ecoles/ecole-a/actualites/reunion-parents/index.html",
    ),
    (
        "SECRETPERI",
        "ecoles/ecole-a/periscolaire/accueil-du-soir/index.html",
    ),
    (
        "SECRETPERITAG",
        "ecoles/ecole-a/periscolaire/accueil-du-soir/index.html",
    ),
    ("SECRETCLASSTITLE", "ecoles/ecole-a/classes/ce1/index.html"),
    ("SECRETCLASSINDEX", "ecoles/ecole-a/classes/ce1/index.html"),
    (
        "SECRETCLASSE1",
        "ecoles/ecole-a/classes/ce1/ferme/index.html",
    ),
    (
        "SECRETAUTEUR",
        "ecoles/ecole-a/classes/ce1/ferme/index.html",
    ),
    (
        "SECRETCLASSETAG",
        "ecoles/ecole-a/classes/ce1/ferme/index.html",
    ),
    (
        "SECRETCOUVERTURE",
        "ecoles/ecole-a/classes/ce1/ferme/index.html",
    ),
    ("SECRETALT", "ecoles/ecole-a/classes/ce1/ferme/index.html"),
    (
        "SECRETCLASSESCHOOL",
        "ecoles/ecole-a/classes/ce1/piscine/index.html",
    ),
    ("SECRETCP", "ecoles/ecole-a/classes/cp/lecture/index.html"),
];

#[test]
fn no_private_text_in_public_files() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("public");
    build_ok(&fixture("private"), &out);
    let files = walk(&out);
    let m = manifest(&out);

    // The test is not vacuous: each marker is built, on a page that is not public.
    for (marker, page) in MARKERS {
        assert!(
            text(&files, page).contains(marker),
            "{marker} should be shown on {page}"
        );
        assert!(!m.files[*page].is_public(), "{page} should not be public");
    }
    // Public items still reach public pages, including the shared tag's pages.
    let tag_page: String = files
        .keys()
        .filter(|p| p.starts_with("etiquettes/sortie/"))
        .map(|p| text(&files, p))
        .collect();
    assert!(tag_page.contains("/actualites/rentree/"), "{tag_page}");
    assert!(
        tag_page.contains("/ecoles/ecole-a/classes/ce1/spectacle/"),
        "{tag_page}"
    );

    // No public file (pages, lists, tags, feeds, sitemap, robots.txt) names a private page.
    let public: Vec<&String> = m
        .files
        .iter()
        .filter(|(_, a)| a.is_public())
        .map(|(p, _)| p)
        .collect();
    assert!(
        public.iter().any(|p| p.ends_with(".xml"))
            && public.iter().any(|p| p.starts_with("etiquettes/"))
    );
    let mut leaks = Vec::new();
    for path in &public {
        let t = text(&files, path);
        for (marker, page) in MARKERS {
            if t.contains(marker) {
                leaks.push(format!("{path} shows {marker} (from {page})"));
            }
        }
    }
    assert!(
        leaks.is_empty(),
        "private text in public files:\n{}",
        leaks.join("\n")
    );

    // More generally, a page's text only appears in files whose readers may all read it
    // (the class title never reaches a school-wide page, class ce1 never reaches cp...).
    let mut widened = Vec::new();
    for (path, access) in &m.files {
        if access.visibility == Visibility::Internal {
            continue;
        }
        let t = text(&files, path);
        for (marker, page) in MARKERS {
            let source: &Access = &m.files[*page];
            if t.contains(marker) && !source.covers(access) {
                widened.push(format!(
                    "{path} ({access:?}) shows {marker} from {page} ({source:?})"
                ));
            }
        }
    }
    assert!(
        widened.is_empty(),
        "text shown to a wider audience than its page:\n{}",
        widened.join("\n")
    );

    // The sitemap lists public pages only.
    let sitemap = text(&files, "sitemap.xml");
    for loc in sitemap.split("<loc>").skip(1) {
        let url = loc.split("</loc>").next().unwrap();
        let path = url.trim_start_matches("https://ent.test.example/");
        let file = if path.is_empty() || path.ends_with('/') {
            format!("{path}index.html")
        } else {
            path.to_string()
        };
        assert!(
            m.files.get(&file).is_some_and(Access::is_public),
            "sitemap lists {url} ({file})"
        );
    }
}

#[test]
fn no_private_title_or_summary_of_the_demo_in_public_files() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("public");
    let mut generator = Generator::new(options(&repo().join("content"), &out)).unwrap();
    generator.build(&|_, _| {}).unwrap();
    let site = generator.site().expect("the site model is kept");
    let files = walk(&out);
    let m = manifest(&out);
    let public: Vec<(&String, String)> = m
        .files
        .iter()
        .filter(|(p, a)| a.is_public() && !p.starts_with("theme/"))
        .map(|(p, _)| (p, decoded(&text(&files, p))))
        .collect();

    // Every item written by an author for a restricted audience: its title and summary.
    // A public page may share a title (e.g. "Semaine du goût"); that says nothing.
    let public: Vec<(String, String)> = public.into_iter().map(|(p, t)| (p.clone(), t)).collect();
    let (checked, leaks) = support::site::leaks(
        site,
        &public,
        &|p| p.is_item() && !p.access.is_public(),
        &|p| p.access.is_public(),
    );
    assert!(checked > 20, "only {checked} private texts checked");
    assert!(
        leaks.is_empty(),
        "private text in public files:\n{}",
        leaks.join("\n")
    );
}

// ---------------------------------------------------------------------------------------
// Content errors
// ---------------------------------------------------------------------------------------

/// The errors of the `broken` fixture: file, line, a word of the message.
const BROKEN: &[(&str, usize, &str)] = &[
    ("actualites/2026-09-10-fete.md", 3, "titel"),
    ("actualites/2026-09-12-agents.md", 3, "visibility"),
    ("actualites/cantine.md", 4, "date"),
    (
        "ecoles/ecole-a/classes/ce1/2026-09-15-la-chorale.md",
        8,
        "/guides/les-chants/",
    ),
    (
        "ecoles/ecole-a/classes/ce1/2026-10-10-le-potager/index.md",
        8,
        "texte alternatif",
    ),
];

#[test]
fn content_errors_are_all_reported_and_previous_output_kept() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("public");
    build_ok(&fixture("basic"), &out);
    let before = walk(&out);

    let errors = build_errors(&fixture("broken"), &out);
    let listing: String = errors.iter().map(|e| format!("  {e}\n")).collect();
    for (file, line, word) in BROKEN {
        assert!(
            errors.iter().any(|e| e.file == Path::new(file)
                && e.line == Some(*line)
                && e.message.contains(word)),
            "expected an error « {word} » at {file}:{line}, got:\n{listing}"
        );
    }
    assert_eq!(errors.len(), BROKEN.len(), "unexpected errors:\n{listing}");
    assert!(
        errors.iter().all(|e| e.hint.is_some()),
        "every error comes with a hint:\n{listing}"
    );
    assert!(
        walk(&out) == before,
        "a failed build must leave the previous site untouched"
    );
    assert_eq!(siblings(&out), BTreeSet::from(["public".to_string()]));

    // The command line says the same, with `file:line`, and exits with code 1.
    for command in ["build", "check"] {
        let run = preau(&[
            command,
            "--content",
            s(&fixture("broken")),
            "--theme",
            s(&theme()),
            "--output",
            s(&out),
        ]);
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert_eq!(run.status.code(), Some(1), "preau {command}: {stderr}");
        for (file, line, _) in BROKEN {
            assert!(
                stderr.contains(&format!("{file}:{line}:")),
                "preau {command} should name {file}:{line}:\n{stderr}"
            );
        }
        assert!(
            walk(&out) == before,
            "preau {command} must leave the previous site untouched"
        );
    }
}

// ---------------------------------------------------------------------------------------
// Hostile content
// ---------------------------------------------------------------------------------------

#[test]
fn hostile_html_is_neutralised() {
    let tmp = tempfile::tempdir().unwrap();

    // Raw HTML is sanitised silently: the build succeeds without any of it.
    let out = tmp.path().join("public");
    build_ok(&fixture("hostile"), &out);
    let files = walk(&out);
    let page = text(&files, "actualites/piege/index.html");
    assert!(
        page.contains("Le texte visible reste affiché") && page.contains("Fin du texte"),
        "{page}"
    );
    let needles = [
        "<script",
        "onerror",
        "onload",
        "onclick",
        "javascript:",
        "ascript:",
        "data:text/html",
        "<iframe",
        "<base",
        "http-equiv",
        "<object",
        "<embed",
        "<style",
        "evil.example",
    ];
    let mut found = Vec::new();
    // The theme's own scripts (progressive enhancement of the upload page and the editor)
    // are not content; pages name them by content hash.
    let m = manifest(&out);
    let theme_scripts: Vec<String> = ["theme/upload.js", "theme/editor.js"]
        .iter()
        .map(|p| {
            let name = m.fingerprinted.get(*p).map_or(*p, String::as_str);
            format!("<script src=\"/{name}\" defer></script>")
        })
        .collect();
    for (path, bytes) in &files {
        let mut lower = String::from_utf8_lossy(bytes).to_lowercase();
        for script in &theme_scripts {
            lower = lower.replace(script.as_str(), "");
        }
        for needle in needles {
            if lower.contains(needle) {
                found.push(format!("{path}: {needle}"));
            }
        }
    }
    assert!(
        found.is_empty(),
        "hostile HTML survived:\n{}",
        found.join("\n")
    );

    // Markdown links and images with a dangerous scheme are content errors.
    let out = tmp.path().join("public-links");
    let errors = build_errors(&fixture("hostile-links"), &out);
    let listing: String = errors.iter().map(|e| format!("  {e}\n")).collect();
    let file = Path::new("actualites/2026-09-02-liens.md");
    for (line, word) in [
        (5, "javascript:"),
        (7, "data:text/html"),
        (9, "javascript:"),
    ] {
        assert!(
            errors
                .iter()
                .any(|e| e.file == file && e.line == Some(line) && e.message.contains(word)),
            "expected {word} refused at line {line}, got:\n{listing}"
        );
    }
    assert_eq!(errors.len(), 3, "{listing}");
    assert!(
        !out.exists(),
        "nothing is written when the content has errors"
    );

    // A co-located SVG image with a script is refused.
    let out = tmp.path().join("public-svg");
    let errors = build_errors(&fixture("hostile-svg"), &out);
    let listing: String = errors.iter().map(|e| format!("  {e}\n")).collect();
    assert!(
        errors.iter().any(
            |e| e.file == Path::new("actualites/2026-09-03-dessin/soleil.svg")
                && e.message.contains("SVG")
        ),
        "the SVG with a script should be refused, got:\n{listing}"
    );
    assert!(
        !out.exists(),
        "nothing is written when the content has errors"
    );
}

// ---------------------------------------------------------------------------------------
// Incremental rebuilds and the command line
// ---------------------------------------------------------------------------------------

/// Replace `old` by `new` in a content file and rebuild; the rebuild must be incremental.
fn edit_and_rebuild(generator: &mut Generator, rel: &str, old: &str, new: &str) {
    let path = generator.options().content.join(rel);
    let source = std::fs::read_to_string(&path).unwrap();
    let edited = source.replace(old, new);
    assert_ne!(source, edited, "{old} is not in {rel}");
    std::fs::write(&path, edited).unwrap();
    let kind = generator
        .rebuild(&[PathBuf::from(rel)], &|_, _| {})
        .unwrap();
    assert_eq!(
        kind,
        RebuildKind::Incremental,
        "rebuild after editing {rel}"
    );
}

/// Paths whose bytes differ between two built sites (or exist in one only).
fn differences(a: &BTreeMap<String, Vec<u8>>, b: &BTreeMap<String, Vec<u8>>) -> Vec<String> {
    a.keys()
        .chain(b.keys())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .filter(|p| a.get(*p) != b.get(*p))
        .cloned()
        .collect()
}

/// The files with the manifest's build times zeroed.
fn without_times(mut files: BTreeMap<String, Vec<u8>>) -> BTreeMap<String, Vec<u8>> {
    if let Some(json) = files.get_mut(MANIFEST_PATH) {
        let mut m: Manifest = serde_json::from_slice(json).unwrap();
        for meta in m.meta.values_mut() {
            meta.modified = 0;
        }
        *json = serde_json::to_vec(&m).unwrap();
    }
    files
}

/// Panics unless `out` is, but for the manifest's times, what a full build of `content`
/// in a new folder gives.
fn assert_same_as_fresh_build(tmp: &Path, content: &Path, out: &Path, what: &str) {
    let fresh = tmp.join("fresh");
    build_ok(content, &fresh);
    let differ = differences(&without_times(walk(&fresh)), &without_times(walk(out)));
    assert!(
        differ.is_empty(),
        "{what} and full builds differ in {differ:?}"
    );
}

/// The `basic` fixture copied into `tmp` and built once: its content folder, its output
/// and the generator that built it, for rebuilds.
fn built_basic(tmp: &Path) -> (PathBuf, PathBuf, Generator) {
    let content = tmp.join("content");
    let out = tmp.join("public");
    copy_dir(&fixture("basic"), &content);
    let mut generator = Generator::new(options(&content, &out)).unwrap();
    generator.build(&|_, _| {}).unwrap();
    (content, out, generator)
}

#[test]
fn incremental_rebuild_updates_lists() {
    let tmp = tempfile::tempdir().unwrap();
    let (content, out, mut generator) = built_basic(tmp.path());
    let old_title = "La chorale du jeudi";
    let new_title = "La chorale du vendredi";
    assert!(text(&walk(&out), "ecoles/ecole-a/classes/ce1/index.html").contains(old_title));

    // A class post: its page, the class list, its tag page and the class feed change.
    let post = "ecoles/ecole-a/classes/ce1/2026-09-15-la-chorale.md";
    edit_and_rebuild(&mut generator, post, old_title, new_title);
    edit_and_rebuild(&mut generator, post, "Chaque jeudi", "Chaque vendredi");
    let files = walk(&out);
    for path in [
        "ecoles/ecole-a/classes/ce1/la-chorale/index.html",
        "ecoles/ecole-a/classes/ce1/index.html",
        "ecoles/ecole-a/classes/ce1/etiquettes/musique/index.html",
        "ecoles/ecole-a/classes/ce1/atom.xml",
    ] {
        assert!(
            text(&files, path).contains(new_title),
            "{path} should show the new title"
        );
    }
    let stale: Vec<&String> = files
        .iter()
        .filter(|(_, b)| String::from_utf8_lossy(b).contains(old_title))
        .map(|(p, _)| p)
        .collect();
    assert!(stale.is_empty(), "the old title is still in {stale:?}");

    // Town news: the home page, the public tag page and the town feed change too.
    edit_and_rebuild(
        &mut generator,
        "actualites/2026-09-01-rentree.md",
        "C'est la rentrée",
        "La rentrée des classes",
    );
    let files = walk(&out);
    for path in [
        "index.html",
        "actualites/index.html",
        "etiquettes/rentree/index.html",
        "atom.xml",
    ] {
        assert!(
            decoded(&text(&files, path)).contains("La rentrée des classes"),
            "{path} should show the new title"
        );
    }

    // The result is exactly what a full build of the edited content gives, but for the
    // times in the manifest (`Last-Modified`: a full build in a new folder stamps now).
    assert_same_as_fresh_build(tmp.path(), &content, &out, "incremental");
}

#[test]
fn renaming_a_class_or_a_school_reaches_every_page_that_names_it() {
    let tmp = tempfile::tempdir().unwrap();
    let (content, out, mut generator) = built_basic(tmp.path());
    let post = "ecoles/ecole-a/classes/ce1/la-chorale/index.html";
    assert!(text(&walk(&out), post).contains("CE1 de Mme Martin"));
    for (rel, old, new) in [
        (
            "ecoles/ecole-a/classes/ce1/_index.md",
            "CE1 de Mme Martin",
            "CE1 de M. Bernard",
        ),
        ("ecoles/ecole-a/_index.md", "École A", "École des Tilleuls"),
    ] {
        let path = content.join(rel);
        let source = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, source.replace(old, new)).unwrap();
        generator
            .rebuild(&[PathBuf::from(rel)], &|_, _| {})
            .unwrap();
        let files = walk(&out);
        assert!(
            decoded(&text(&files, post)).contains(new),
            "the post's breadcrumb names {new}"
        );
        let stale: Vec<&String> = files
            .iter()
            .filter(|(p, b)| {
                p.ends_with(".html") && decoded(&String::from_utf8_lossy(b)).contains(old)
            })
            .map(|(p, _)| p)
            .collect();
        assert!(stale.is_empty(), "{old} is still in {stale:?}");
    }
    assert_same_as_fresh_build(tmp.path(), &content, &out, "rebuilt");
}

#[test]
fn preau_new_post_scaffolds_a_buildable_post() {
    let tmp = tempfile::tempdir().unwrap();
    let content = tmp.path().join("content");
    let out = tmp.path().join("public");
    copy_dir(&fixture("basic"), &content);

    let run = preau(&[
        "new",
        "post",
        "ecole-a/ce1",
        "Sortie à la ferme",
        "--content",
        s(&content),
        "--date",
        "2026-10-03",
    ]);
    assert!(
        run.status.success(),
        "preau new post failed: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    let source = content.join("ecoles/ecole-a/classes/ce1/2026-10-03-sortie-a-la-ferme/index.md");
    assert!(source.is_file(), "{} should exist", source.display());

    let run = preau(&[
        "build",
        "--content",
        s(&content),
        "--theme",
        s(&theme()),
        "--output",
        s(&out),
    ]);
    assert!(
        run.status.success(),
        "the scaffolded post does not build:\n{}\n--- {}:\n{}",
        String::from_utf8_lossy(&run.stderr),
        source.display(),
        std::fs::read_to_string(&source).unwrap_or_default()
    );
    let files = walk(&out);
    let path = "ecoles/ecole-a/classes/ce1/sortie-a-la-ferme/index.html";
    assert!(text(&files, path).contains("Sortie à la ferme"));
    assert!(text(&files, "ecoles/ecole-a/classes/ce1/index.html")
        .contains("/ecoles/ecole-a/classes/ce1/sortie-a-la-ferme/"));
    let access = &manifest(&out).files[path];
    assert_eq!(
        (
            access.visibility,
            access.school.as_deref(),
            access.class.as_deref()
        ),
        (Visibility::Class, Some("ecole-a"), Some("ce1"))
    );

    // Scaffolding the same post twice is refused rather than overwriting it.
    let run = preau(&[
        "new",
        "post",
        "ecole-a/ce1",
        "Sortie à la ferme",
        "--content",
        s(&content),
        "--date",
        "2026-10-03",
    ]);
    assert!(
        !run.status.success(),
        "a second scaffold must not overwrite the first"
    );
}

#[test]
fn new_posts_are_added_without_a_full_build() {
    let tmp = tempfile::tempdir().unwrap();
    let content = tmp.path().join("content");
    let out = tmp.path().join("public");
    copy_dir(&fixture("private"), &content);
    let mut generator = Generator::new(options(&content, &out)).unwrap();
    generator.build(&|_, _| {}).unwrap();
    // Two class posts (a file, and a folder with its index.md alone: the editor's two
    // shapes), a new tag and an existing one, one more list page (`paginate_by = 2`), and
    // public school news (home and school page).
    let new = [
        (
            "ecoles/ecole-a/classes/ce1/2026-10-20-le-musee.md",
            "+++\ntitle = \"Visite du musée\"\ntags = [\"sortie\", \"arts plastiques\"]\n+++\n\nNous avons vu des tableaux. [La piscine](../piscine/)\n",
        ),
        (
            "ecoles/ecole-a/classes/ce1/2026-10-21-la-foret/index.md",
            "+++\ntitle = \"Promenade en forêt\"\n+++\n\nDes feuilles de toutes les couleurs.\n",
        ),
        (
            "ecoles/ecole-a/actualites/2026-10-22-portes-ouvertes.md",
            "+++\ntitle = \"Portes ouvertes à l'école\"\ntags = [\"fete\"]\n+++\n\nVenez nombreux.\n",
        ),
    ];
    for (rel, text) in new {
        let path = content.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        let kind = generator
            .rebuild(&[PathBuf::from(rel)], &|_, _| {})
            .unwrap();
        assert_eq!(kind, RebuildKind::Incremental, "adding {rel}");
    }
    let files = walk(&out);
    for (path, shows) in [
        (
            "ecoles/ecole-a/classes/ce1/index.html",
            "Promenade en forêt",
        ),
        (
            "ecoles/ecole-a/classes/ce1/le-musee/index.html",
            "Visite du musée",
        ),
        (
            "ecoles/ecole-a/classes/ce1/etiquettes/arts-plastiques/index.html",
            "Visite du musée",
        ),
        ("ecoles/ecole-a/classes/ce1/page/3/index.html", ""),
        ("index.html", "Portes ouvertes"),
        ("ecoles/ecole-a/index.html", "Portes ouvertes"),
    ] {
        assert!(
            decoded(&text(&files, path)).contains(shows),
            "{path} should show « {shows} »"
        );
    }
    let m = manifest(&out);
    for path in [
        "ecoles/ecole-a/classes/ce1/la-foret/index.html",
        "ecoles/ecole-a/classes/ce1/page/3/index.html",
        "ecoles/ecole-a/classes/ce1/etiquettes/arts-plastiques/index.html",
    ] {
        assert!(m.files.contains_key(path), "{path} is not in the manifest");
        assert!(m.meta.contains_key(path), "{path} has no meta");
    }

    // A temporary file of an editor, gone by the time of the rebuild: nothing to build.
    let kind = generator
        .rebuild(
            &[PathBuf::from("ecoles/ecole-a/classes/ce1/sedX4k2Qz")],
            &|_, _| {},
        )
        .unwrap();
    assert_eq!(kind, RebuildKind::Incremental);

    // Exactly what a full build of the same content gives, but for the manifest's times.
    assert_same_as_fresh_build(tmp.path(), &content, &out, "incremental");
}

#[test]
fn a_build_links_the_unchanged_files_of_the_previous_one() {
    use std::os::unix::fs::MetadataExt;
    let tmp = tempfile::tempdir().unwrap();
    let content = tmp.path().join("content");
    let out = tmp.path().join("public");
    copy_dir(&fixture("basic"), &content);
    let first = build_ok(&content, &out);
    assert_eq!(first.reused, 0, "nothing to reuse in a first build");
    let inode = |p: &str| std::fs::metadata(out.join(p)).unwrap().ino();
    let class = "ecoles/ecole-a/classes/ce1/index.html";
    let home = "index.html";
    let (class_before, home_before) = (inode(class), inode(&format!("{home}.br")));
    let post = content.join("ecoles/ecole-a/classes/ce1/2026-09-15-la-chorale.md");
    let text = std::fs::read_to_string(&post).unwrap();
    std::fs::write(
        &post,
        text.replace("La chorale du jeudi", "La chorale du lundi"),
    )
    .unwrap();
    let second = build_ok(&content, &out);
    assert!(
        second.reused > first.compressed / 2,
        "{} of {} files linked",
        second.reused,
        second.files
    );
    // The home page did not change: its copy is the same file; the class list did.
    assert_eq!(inode(&format!("{home}.br")), home_before);
    assert_ne!(inode(class), class_before);
    assert!(text_of(&out, class).contains("La chorale du lundi"));
    let fresh = tmp.path().join("fresh");
    build_ok(&content, &fresh);
    let differ = differences(&without_times(walk(&fresh)), &without_times(walk(&out)));
    assert!(
        differ.is_empty(),
        "linked and fresh builds differ in {differ:?}"
    );
}

fn text_of(out: &Path, rel: &str) -> String {
    decoded(&std::fs::read_to_string(out.join(rel)).unwrap())
}

#[test]
fn a_replaced_theme_file_keeps_its_hashed_name_for_a_day() {
    let tmp = tempfile::tempdir().unwrap();
    let (content, out, theme_dir) = (
        tmp.path().join("content"),
        tmp.path().join("public"),
        tmp.path().join("theme"),
    );
    copy_dir(&fixture("basic"), &content);
    copy_dir(&theme(), &theme_dir);
    let build_with_theme = || {
        let opts = preau_generator::BuildOptions {
            theme: theme_dir.clone(),
            ..options(&content, &out)
        };
        Generator::new(opts).unwrap().build(&|_, _| {}).unwrap();
        let m: Manifest =
            serde_json::from_slice(&std::fs::read(out.join(MANIFEST_PATH)).unwrap()).unwrap();
        m
    };
    let first = build_with_theme();
    let old = first.fingerprinted["theme/style.css"].clone();
    let css = theme_dir.join("static/style.css");
    let text = std::fs::read_to_string(&css).unwrap();
    std::fs::write(&css, format!("{text}\n/* nouvelle couleur */\n")).unwrap();

    // A new stylesheet: pages name the new file; the old one still answers, public and
    // immutable, with the time it was replaced.
    let second = build_with_theme();
    let new = second.fingerprinted["theme/style.css"].clone();
    assert_ne!(new, old);
    assert!(text_of(&out, "index.html").contains(&new));
    assert!(!text_of(&out, "index.html").contains(&old));
    assert_eq!(std::fs::read(out.join(&old)).unwrap(), text.as_bytes());
    assert!(second.files[&old].is_public());
    let meta = &second.meta[&old];
    assert!(meta.immutable && meta.retired > 0, "{meta:?}");

    // Still there a build later (same replacement time); gone once a day has passed.
    let third = build_with_theme();
    assert_eq!(third.meta[&old].retired, meta.retired);
    let mut manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join(MANIFEST_PATH)).unwrap()).unwrap();
    manifest["meta"][&old]["r"] = (meta.retired - preau_generator::RETIRED_KEPT_SECS).into();
    std::fs::write(out.join(MANIFEST_PATH), manifest.to_string()).unwrap();
    let fourth = build_with_theme();
    assert!(!fourth.files.contains_key(&old));
    assert!(!out.join(&old).exists());
    assert!(out.join(&new).exists());
}

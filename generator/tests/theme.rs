//! A theme the edge cannot work with is refused at build time: a shell without a slot the
//! edge fills, a marker that is no slot, or a strings file without a text the edge shows.

mod support;
use support::copy_dir;

use preau_generator::{BuildError, BuildOptions, Generator};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Build the basic fixture with a copy of the default theme changed by `edit`.
fn build_with(edit: impl FnOnce(&Path)) -> Result<(), BuildError> {
    let dir = tempfile::tempdir().expect("tempdir");
    let theme = dir.path().join("theme");
    copy_dir(&root().join("themes/default"), &theme);
    edit(&theme);
    let mut g = Generator::new(BuildOptions {
        content: root().join("tests/fixtures/basic"),
        theme,
        output: dir.path().join("public"),
    })?;
    g.build(&|_, _| {}).map(|_| ())
}

fn replace(file: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(file).expect("read");
    assert!(text.contains(from), "{from} not in {}", file.display());
    std::fs::write(file, text.replace(from, to)).expect("write");
}

#[test]
fn the_default_theme_builds() {
    build_with(|_| {}).expect("default theme");
}

#[test]
fn a_shell_without_a_required_slot_is_a_theme_error() {
    let err = build_with(|t| {
        replace(
            &t.join("templates/edge/signin.html"),
            "value=\"@@CSRF@@\"",
            "value=\"\"",
        )
    })
    .expect_err("missing slot");
    let msg = err.to_string();
    assert!(
        msg.contains("edge/signin.html") && msg.contains("@@CSRF@@ manquant"),
        "{msg}"
    );
}

#[test]
fn a_marker_that_is_no_slot_is_a_theme_error() {
    let err = build_with(|t| {
        replace(
            &t.join("templates/edge/message.html"),
            "@@MESSAGE@@",
            "@@MESSAGE@@ @@MESAGE@@",
        )
    })
    .expect_err("unknown slot");
    assert!(err.to_string().contains("@@MESAGE@@ inconnu"), "{err}");
}

#[test]
fn a_missing_edge_text_is_a_theme_error() {
    let err = build_with(|t| replace(&t.join("strings/fr.toml"), "month_3 = \"mars\"\n", ""))
        .expect_err("missing text");
    assert!(err.to_string().contains("edge.month_3"), "{err}");
}

//! Uploaded photos named in posts: the build writes their sizes and smaller versions from
//! the name alone, and refuses a mistyped name or a photo narrower than the page's readers.

mod support;
use support::copy_dir;

use preau_contract::media::{MediaKind, MediaRef, MediaScope};
use preau_generator::{BuildError, BuildOptions, Generator};
use std::path::{Path, PathBuf};

fn photo(scope: MediaScope) -> MediaRef {
    MediaRef {
        scope,
        hash: "00aa11bb22cc33dd".into(),
        kind: MediaKind::Jpeg,
        size: Some((2048, 1536)),
        variant: None,
    }
}

/// Build the basic fixture with one more post in class ce1 (and public news) using `body`.
fn build(
    class_body: &str,
    news_body: &str,
) -> (Result<(), BuildError>, PathBuf, tempfile::TempDir) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let dir = tempfile::tempdir().expect("tempdir");
    let content = dir.path().join("content");
    copy_dir(&root.join("tests/fixtures/basic"), &content);
    std::fs::write(
        content.join("ecoles/ecole-a/classes/ce1/2026-10-20-photos.md"),
        format!("+++\ntitle = \"Photos\"\n+++\n\n{class_body}\n"),
    )
    .expect("post");
    std::fs::write(
        content.join("actualites/2026-10-21-photos.md"),
        format!("+++\ntitle = \"Photos publiques\"\n+++\n\n{news_body}\n"),
    )
    .expect("news");
    let out = dir.path().join("public");
    let r = Generator::new(BuildOptions {
        content,
        theme: root.join("themes/default"),
        output: out.clone(),
    })
    .and_then(|mut g| g.build(&|_, _| {}).map(|_| ()));
    (r, out, dir)
}

#[test]
fn a_photo_gets_its_sizes_and_smaller_versions_without_the_database() {
    let class = photo(MediaScope::Class("ecole-a".into(), "ce1".into()));
    let town = photo(MediaScope::Town);
    let (r, out, _dir) = build(
        &format!("![Les radis]({})", class.url()),
        &format!("![La mairie]({})", town.url()),
    );
    r.expect("build");
    let html = std::fs::read_to_string(out.join("ecoles/ecole-a/classes/ce1/photos/index.html"))
        .expect("page");
    assert!(html.contains("width=\"2048\" height=\"1536\""), "{html}");
    assert!(
        html.contains(&format!("{} 480w", class.variants()[0].url())),
        "{html}"
    );
    assert!(html.contains("loading=\"lazy\""));
}

#[test]
fn a_mistyped_name_and_a_class_photo_on_a_public_page_are_errors() {
    let class = photo(MediaScope::Class("ecole-a".into(), "ce1".into()));
    let typo = class.url().replace("2048x1536", "2048x1535");
    let (r, _, _dir) = build(
        &format!("![Les radis]({typo})"),
        &format!("![Fuite]({})", class.url()),
    );
    let msg = match r {
        Err(BuildError::Content(errors)) => errors
            .iter()
            .map(|e| e.to_string())
            .collect::<Vec<_>>()
            .join("\n"),
        other => panic!("expected content errors, got {other:?}"),
    };
    assert!(msg.contains("nom de média invalide"), "{msg}");
    assert!(msg.contains("est réservé à ecole-a/ce1"), "{msg}");
}

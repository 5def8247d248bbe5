//! Which pages the manifest opens to comments: class posts that are not public, unless the
//! post or its class turns them off; the class sets the moderation mode and pupils' right.

mod support;
use support::copy_dir;

use preau_contract::access::{Manifest, Moderation, MANIFEST_PATH};
use preau_generator::{BuildOptions, Generator};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The manifest of the basic fixture with its content changed by `edit`.
fn manifest_with(edit: impl FnOnce(&Path)) -> (Manifest, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let content = dir.path().join("content");
    copy_dir(&root().join("tests/fixtures/basic"), &content);
    edit(&content);
    let out = dir.path().join("public");
    let mut g = Generator::new(BuildOptions {
        content,
        theme: root().join("themes/default"),
        output: out.clone(),
    })
    .expect("generator");
    g.build(&|_, _| {}).expect("build");
    let m = serde_json::from_slice(&std::fs::read(out.join(MANIFEST_PATH)).unwrap()).unwrap();
    let post =
        std::fs::read_to_string(out.join("ecoles/ecole-a/classes/ce1/la-chorale/index.html"))
            .unwrap();
    (m, post)
}

const CLASS: &str = "ecoles/ecole-a/classes/ce1/_index.md";
const POST: &str = "/ecoles/ecole-a/classes/ce1/la-chorale/";

fn set(content: &Path, file: &str, key_lines: &str) {
    let p = content.join(file);
    let text = std::fs::read_to_string(&p).unwrap();
    let text = text.replacen("+++\n", &format!("+++\n{key_lines}\n"), 1);
    std::fs::write(p, text).unwrap();
}

#[test]
fn class_posts_are_open_by_default_with_moderation_before() {
    let (m, post) = manifest_with(|_| {});
    let rule = m.comments[POST];
    assert_eq!(rule.moderation, Moderation::Before);
    assert!(!rule.pupils);
    assert!(post.contains("data-preau-comments=\"/ecoles/ecole-a/classes/ce1/la-chorale/\""));
    for page in m.comments.keys() {
        let file = format!("{}index.html", &page[1..]);
        assert!(!m.files[&file].is_public(), "{page}");
    }
    assert!(!m.comments.contains_key("/actualites/rentree/"));
}

#[test]
fn the_class_sets_the_mode_and_pupils_and_can_turn_comments_off() {
    let (m, _) =
        manifest_with(|c| set(c, CLASS, "moderation = \"trusted\"\npupil_comments = true"));
    assert_eq!(m.comments[POST].moderation, Moderation::Trusted);
    assert!(m.comments[POST].pupils);
    let (m, post) = manifest_with(|c| set(c, CLASS, "comments = false"));
    assert!(m.comments.is_empty());
    assert!(!post.contains("data-preau-comments"));
    let (m, _) = manifest_with(|c| {
        set(
            c,
            "ecoles/ecole-a/classes/ce1/2026-09-15-la-chorale.md",
            "comments = false",
        )
    });
    assert!(!m.comments.contains_key(POST));
    let (m, post) = manifest_with(|c| {
        set(
            c,
            "ecoles/ecole-a/classes/ce1/2026-09-15-la-chorale.md",
            "visibility = \"public\"",
        )
    });
    assert!(!m.comments.contains_key(POST));
    assert!(!post.contains("data-preau-comments"));
}

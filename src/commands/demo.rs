//! Demo accounts for `preau serve --demo`: one per role around one class of the demo town,
//! with fresh random passphrases printed at start; and the demo's own content repository,
//! so that the online editor works in the demo (the repository's `content/` is a folder of
//! this project's Git tree, not a Git root, and must not receive the demo's commits).

use anyhow::Context;
use notify::{RecursiveMode, Watcher};
use preau_edge::accounts::{Role, Scope};
use preau_edge::admin::{self, NewAccount};
use preau_edge::native::Native;
use preau_edge::store::Random;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

pub const DEMO_SCHOOL: &str = "ecole-jean-moulin";
pub const DEMO_CLASS: &str = "ce1-a";

const WORDS: &[&str] = &[
    "girafe", "velo", "orange", "piscine", "cartable", "nuage", "tortue", "crayon", "jardin",
    "lune", "pomme", "tambour", "hibou", "colline", "bateau", "citron", "renard", "etoile",
    "fusee", "sapin", "violon", "castor", "prairie", "soleil", "moulin", "cerise", "dauphin",
    "lanterne", "plume", "rocher",
];

pub fn passphrase(r: &impl Random) -> String {
    // Four different words: a repeated word reads as a pattern to the password policy.
    let mut words: Vec<&str> = Vec::with_capacity(4);
    let mut b = [0u8; 1];
    while words.len() < 4 {
        r.fill(&mut b);
        let w = WORDS[usize::from(b[0]) % WORDS.len()];
        if !words.contains(&w) {
            words.push(w);
        }
    }
    r.fill(&mut b);
    format!("{}-{}", words.join("-"), u16::from(b[0]) % 90 + 10)
}

/// Which class the demo accounts are around: the demo town's CE1 A, or in another site
/// (a town's own repository from `preau init`) its first class, with plain logins.
struct DemoPlace {
    school: String,
    class: String,
    other_class: Option<String>,
    demo_town: bool,
}

fn place(classes: &BTreeMap<String, Vec<String>>) -> DemoPlace {
    let demo_town = classes
        .get(DEMO_SCHOOL)
        .is_some_and(|c| c.iter().any(|c| c == DEMO_CLASS));
    if demo_town {
        return DemoPlace {
            school: DEMO_SCHOOL.into(),
            class: DEMO_CLASS.into(),
            other_class: Some("cp-a".into()),
            demo_town,
        };
    }
    let (school, list) = classes
        .iter()
        .find(|(_, c)| !c.is_empty())
        .map(|(s, c)| (s.clone(), c.clone()))
        .unwrap_or_else(|| ("ecole-exemple".into(), vec!["cp-a".into()]));
    DemoPlace {
        school,
        class: list[0].clone(),
        other_class: list.get(1).cloned(),
        demo_town,
    }
}

/// Create the demo accounts; returns one printable line per account.
pub async fn seed(
    p: &Native,
    classes: &BTreeMap<String, Vec<String>>,
) -> anyhow::Result<Vec<String>> {
    let at = place(classes);
    let class = Scope {
        school: Some(at.school.clone()),
        class: Some(at.class.clone()),
    };
    let school = Scope {
        school: Some(at.school.clone()),
        class: None,
    };
    let login = |demo: &'static str, plain: &'static str| if at.demo_town { demo } else { plain };
    let mut people: Vec<(&str, &str, Role, Scope)> = vec![
        (
            login("parent.ce1a", "parent"),
            "Mme Camille Petit",
            Role::Parent,
            class.clone(),
        ),
        (
            login("eleve.ce1a", "eleve"),
            "Léo Petit",
            Role::Pupil,
            class.clone(),
        ),
        (
            login("enseignant.ce1a", "enseignant"),
            "Mme Garnier",
            Role::Teacher,
            class.clone(),
        ),
    ];
    if let Some(other) = &at.other_class {
        people.push((
            login("parent.cpa", "parent.autre-classe"),
            "M. Karim Benali",
            Role::Parent,
            Scope {
                school: Some(at.school.clone()),
                class: Some(other.clone()),
            },
        ));
    }
    people.extend([
        (
            login("directeur.jm", "directeur"),
            "M. Rousseau",
            Role::Director,
            school.clone(),
        ),
        (
            login("periscolaire.jm", "periscolaire"),
            "Mme Lopez",
            Role::Municipal,
            school.clone(),
        ),
        (
            login("partenaire.jm", "partenaire"),
            if at.demo_town {
                "Club de judo d'Alpha"
            } else {
                "Club de judo"
            },
            Role::Partner,
            school,
        ),
        (
            "communication",
            "Service communication",
            Role::Communication,
            Scope::town(),
        ),
        ("admin", "Service informatique", Role::Admin, Scope::town()),
    ]);
    let mut lines = Vec::new();
    for (login, name, role, scope) in people {
        let password = passphrase(p);
        admin::add(
            p,
            &NewAccount {
                login,
                display_name: name,
                role,
                scopes: vec![scope.clone()],
                password: &password,
            },
            "demo",
        )
        .await?;
        lines.push(format!(
            "{login:<18}  {password:<36}  {} ({}, {})",
            name,
            role.as_str(),
            scope.label()
        ));
    }
    Ok(lines)
}

/// The demo's content repository: a copy of `content` in `dir` (`contenu/`), made a Git
/// working tree with one initial commit and no remote, thrown away with `dir`. The online
/// editor commits there; `content` itself is never written. Fails when `git` is missing
/// (the demo then runs without the editor).
pub fn content_repo(content: &Path, dir: &Path) -> anyhow::Result<PathBuf> {
    let copy = dir.join("contenu");
    copy_tree(content, &copy).with_context(|| format!("copie de {}", content.display()))?;
    git(&copy, &["init", "--quiet", "-b", "main"])?;
    git(&copy, &["add", "-A"])?;
    git(
        &copy,
        &[
            "-c",
            "user.name=Préau (démonstration)",
            "-c",
            "user.email=demonstration@ent.invalid",
            "-c",
            "commit.gpgsign=false",
            "commit",
            "--quiet",
            "--no-verify",
            "-m",
            "Contenu de démonstration",
        ],
    )?;
    Ok(copy)
}

fn git(dir: &Path, args: &[&str]) -> anyhow::Result<()> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        // The person's own Git settings (hooks, templates, signing) stay out of the demo.
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .context("programme git introuvable")?;
    if !out.status.success() {
        anyhow::bail!(
            "git {} : {}",
            args.first().unwrap_or(&""),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}

/// Copy a folder (files and folders; links are skipped: the content has none, and a link
/// could point out of it).
fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let kind = entry.file_type()?;
        let name = entry.file_name();
        if name == ".git" {
            continue;
        }
        let target = to.join(&name);
        if kind.is_dir() {
            copy_tree(&entry.path(), &target)?;
        } else if kind.is_file() {
            std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}

/// Keep the demo's copy up to date with `content` while the demo runs: a file written or
/// removed in `content` is written or removed in `copy` (whose own watcher rebuilds the
/// site), so that editing `content/` still shows at once. The returned watcher must be
/// kept alive.
pub fn mirror(content: &Path, copy: &Path) -> anyhow::Result<notify::RecommendedWatcher> {
    let from = std::fs::canonicalize(content)?;
    let to = copy.to_path_buf();
    let mut watcher = notify::recommended_watcher(move |ev: notify::Result<notify::Event>| {
        let Ok(ev) = ev else { return };
        if matches!(ev.kind, notify::EventKind::Access(_)) {
            return;
        }
        for p in ev.paths {
            let Ok(rel) = p.strip_prefix(&from) else {
                continue;
            };
            if rel
                .components()
                .any(|c| c.as_os_str().to_string_lossy().starts_with('.'))
            {
                continue;
            }
            let dest = to.join(rel);
            let done = if p.is_file() {
                dest.parent()
                    .map_or(Ok(()), std::fs::create_dir_all)
                    .and_then(|_| std::fs::copy(&p, &dest).map(|_| ()))
            } else if !p.exists() && dest.is_file() {
                std::fs::remove_file(&dest)
            } else {
                Ok(())
            };
            if let Err(e) = done {
                eprintln!("démonstration : copie de {} : {e}", rel.display());
            }
        }
    })?;
    watcher.watch(content, RecursiveMode::Recursive)?;
    Ok(watcher)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_repository_is_a_committed_copy_and_content_is_left_alone() {
        let src = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(src.path().join("ecoles/a")).unwrap();
        std::fs::write(src.path().join("_index.md"), "+++\ntitle = \"x\"\n+++\n").unwrap();
        std::fs::write(src.path().join("ecoles/a/_index.md"), "+++\n+++\n").unwrap();
        let dir = tempfile::tempdir().unwrap();
        let copy = content_repo(src.path(), dir.path()).unwrap();
        assert!(copy.join(".git").is_dir() && copy.join("ecoles/a/_index.md").is_file());
        assert!(!src.path().join(".git").exists());
        let log = Command::new("git")
            .arg("-C")
            .arg(&copy)
            .args(["log", "--format=%s", "--name-only"])
            .output()
            .unwrap();
        let log = String::from_utf8_lossy(&log.stdout);
        assert!(log.starts_with("Contenu de démonstration"), "{log}");
        assert!(log.contains("ecoles/a/_index.md"), "{log}");
        let status = Command::new("git")
            .arg("-C")
            .arg(&copy)
            .args(["status", "--porcelain"])
            .output()
            .unwrap();
        assert!(status.stdout.is_empty(), "a clean working tree");
    }
}

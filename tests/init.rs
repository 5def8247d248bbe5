//! `preau init` makes a town's own repository outside this one; `preau build` and
//! `preau serve --demo` then work there with the theme built into the binary, and a local
//! `themes/default/` replaces the built-in files it has.

mod support;
use support::client::Browser;
use support::site::{free_port, repo};

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

fn preau(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_preau"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .expect("run preau")
}

struct Server(Child);
impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `preau serve --demo` in `dir`; returns the server and the printed demo lines.
fn serve_demo(dir: &Path, port: u16) -> (Server, Vec<String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_preau"))
        .args(["serve", "--demo", "--no-watch", "--quiet", "--addr"])
        .arg(format!("127.0.0.1:{port}"))
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start preau serve");
    let out = child.stdout.take().expect("stdout");
    let mut lines = Vec::new();
    for line in BufReader::new(out).lines() {
        let line = line.expect("line");
        if line.starts_with("Préau est servi") {
            break;
        }
        lines.push(line);
    }
    (Server(child), lines)
}

#[test]
fn a_new_town_repository_builds_and_serves_with_the_built_in_theme() {
    let tmp = tempfile::tempdir().expect("tempdir");
    assert!(!tmp.path().starts_with(repo()), "outside the repository");
    let town = tmp.path().join("ent-beaulieu");
    let out = preau(
        tmp.path(),
        &[
            "init",
            "ent-beaulieu",
            "--town",
            "Beaulieu",
            "--address",
            "https://ent.beaulieu.fr",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!town.join("themes").exists(), "the theme is not copied");
    for f in [
        "content/config.toml",
        "content/charte/parents.md",
        "content/charte/eleves.md",
        "content/charte/personnel.md",
        "content/guides/activer-son-compte.md",
        "content/ecoles/ecole-exemple/classes/cp-a/_index.md",
        ".gitignore",
        ".github/workflows/deploy.yml",
    ] {
        assert!(town.join(f).is_file(), "{f}");
    }
    let config = std::fs::read_to_string(town.join("content/config.toml")).unwrap();
    assert!(config.contains("town = \"Beaulieu\"") && config.contains("https://ent.beaulieu.fr"));

    // A second init in the same folder writes nothing.
    let again = preau(
        tmp.path(),
        &[
            "init",
            "ent-beaulieu",
            "--town",
            "X",
            "--address",
            "https://ent.x.fr",
        ],
    );
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("n'est pas vide"));
    // Without a terminal, a missing name is an error, not a question.
    let missing = preau(
        tmp.path(),
        &["init", "autre", "--address", "https://ent.x.fr"],
    );
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("--town manquant"));
    assert!(!tmp.path().join("autre").exists());

    let out = preau(&town, &["build", "--quiet"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let home = std::fs::read_to_string(town.join("public/index.html")).unwrap();
    assert!(home.contains("Beaulieu"));
    let css = std::fs::read(town.join("public/theme/style.css")).unwrap();
    assert_eq!(
        css,
        std::fs::read(repo().join("themes/default/static/style.css")).unwrap()
    );

    // The town's colours: one file of its own over the built-in theme.
    std::fs::create_dir_all(town.join("themes/default/static")).unwrap();
    std::fs::write(
        town.join("themes/default/static/style.css"),
        "body{color:#123456}",
    )
    .unwrap();
    let out = preau(&town, &["build", "--quiet"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(town.join("public/theme/style.css")).unwrap(),
        "body{color:#123456}"
    );
    assert!(
        town.join("public/theme/icon.svg").is_file(),
        "other files stay built in"
    );

    let port = free_port();
    let (_server, lines) = serve_demo(&town, port);
    let parent = lines
        .iter()
        .find_map(|l| {
            let mut w = l.split_whitespace();
            (w.next() == Some("parent")).then(|| w.next().unwrap_or_default().to_string())
        })
        .unwrap_or_else(|| panic!("no demo parent in {lines:?}"));
    let mut b = Browser::new(&format!("http://127.0.0.1:{port}"));
    let home = b.get("/");
    assert_eq!(home.status, 200);
    assert!(home.body.contains("Beaulieu"));
    let class = "/ecoles/ecole-exemple/classes/cp-a/";
    assert_eq!(b.get(class).status, 303, "the class is private");
    let r = b.sign_in("parent", &parent);
    assert_eq!(r.status, 303, "{}", r.body);
    b.accept_charter();
    let page = b.get(class);
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("CP A"));
}

/// `preau serve --demo` gives the online editor a Git working tree of its own (a copy of
/// the content, one initial commit, no remote): the demo teacher writes and publishes a
/// post, the class's demo parent reads it at once, and the town's `content/` is untouched.
#[test]
fn the_demo_teacher_publishes_with_the_editor_into_the_demo_s_own_repository() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let town = tmp.path().join("ent-demo");
    let out = preau(
        tmp.path(),
        &[
            "init",
            "ent-demo",
            "--town",
            "Démoville",
            "--address",
            "https://ent.demoville.fr",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let before = support::site::walk(&town.join("content"));
    let port = free_port();
    let (server, lines) = serve_demo(&town, port);
    let password = |login: &str| {
        lines
            .iter()
            .find_map(|l| {
                let mut w = l.split_whitespace();
                (w.next() == Some(login)).then(|| w.next().unwrap_or_default().to_string())
            })
            .unwrap_or_else(|| panic!("no demo {login} in {lines:?}"))
    };
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("Éditeur en ligne") && l.contains("/espace/ecrire/")),
        "the start message tells about the editor: {lines:?}"
    );
    let base = format!("http://127.0.0.1:{port}");
    let mut teacher = Browser::new(&base);
    let r = teacher.sign_in("enseignant", &password("enseignant"));
    assert_eq!(r.status, 303, "{}", r.body);
    teacher.accept_charter();
    let list = teacher.get("/espace/ecrire/");
    assert_eq!(
        list.status, 200,
        "the editor is on in the demo: {}",
        list.body
    );
    let r = support::editor::save(
        &mut teacher,
        "portee=classe:ecole-exemple/cp-a",
        "La kermesse",
        "Merci à tous ! KERMESSE-DEMO",
        "publier",
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let mut parent = Browser::new(&base);
    let r = parent.sign_in("parent", &password("parent"));
    assert_eq!(r.status, 303, "{}", r.body);
    parent.accept_charter();
    let page = parent.get("/ecoles/ecole-exemple/classes/cp-a/la-kermesse/");
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("KERMESSE-DEMO"));
    drop(server);
    assert!(!town.join("content/.git").exists());
    assert_eq!(
        support::site::walk(&town.join("content")),
        before,
        "the town's content is never written by the demo"
    );
}

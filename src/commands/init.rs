//! `preau init DIR`: a town's own content repository, ready to build and serve: its
//! settings, one example school and class, the three charters and the families' guides
//! (Préau's texts with the town's name and address), a `.gitignore` and a workflow that
//! checks every push and can deploy it. The theme is not copied: it is built into `preau`.

use anyhow::{bail, Context};
use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct InitArgs {
    /// Dossier à créer (vide ou absent)
    pub dir: PathBuf,
    /// Nom de la commune (« Beaulieu-sur-Loire »)
    #[arg(long, value_name = "NOM")]
    pub town: Option<String>,
    /// Adresse publique de l'ENT (https://ent.ville.fr)
    #[arg(long, value_name = "URL")]
    pub address: Option<String>,
}

/// Ask on a terminal; without one, say which option is missing (never wait on a pipe).
fn ask(
    what: &str,
    flag: &str,
    check: impl Fn(&str) -> Result<String, String>,
) -> anyhow::Result<String> {
    if !std::io::stdin().is_terminal() {
        bail!("{flag} manquant : indiquez-le (pas de terminal pour le demander)");
    }
    let stdin = std::io::stdin();
    loop {
        eprint!("{what} : ");
        std::io::stderr().flush()?;
        let mut line = String::new();
        if stdin.lock().read_line(&mut line)? == 0 {
            bail!("{flag} manquant");
        }
        match check(line.trim()) {
            Ok(v) => return Ok(v),
            Err(e) => eprintln!("{e}"),
        }
    }
}

fn check_town(s: &str) -> Result<String, String> {
    let s = s.trim();
    if s.is_empty()
        || s.chars().count() > 80
        || s.chars().any(|c| c.is_control() || "\"\\<>".contains(c))
    {
        return Err("nom de commune attendu (1 à 80 caractères, sans guillemets ni < >)".into());
    }
    Ok(s.to_string())
}

/// An `https://host` address (a path is refused: the site is served at the root).
fn check_address(s: &str) -> Result<String, String> {
    let s = s.trim().trim_end_matches('/');
    let host = s
        .strip_prefix("https://")
        .ok_or_else(|| format!("« {s} » : adresse en https:// attendue (https://ent.ville.fr)"))?;
    let ok = !host.is_empty()
        && host.len() <= 253
        && host.contains('.')
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b':');
    if !ok {
        return Err(format!(
            "« {s} » : un nom de domaine seul est attendu après https:// (https://ent.ville.fr)"
        ));
    }
    Ok(s.to_ascii_lowercase())
}

/// « de Beaulieu », « d'Orléans ».
fn of_town(town: &str) -> String {
    let first = town
        .chars()
        .next()
        .map(|c| c.to_lowercase().to_string())
        .unwrap_or_default();
    if "aeiouyhéèêàâîôû".contains(first.as_str()) {
        format!("d'{town}")
    } else {
        format!("de {town}")
    }
}

/// Préau's charters and guides name the demo town Alpha: give them the town's name and
/// addresses. What only the town knows (phone numbers, the DPO) is listed for review.
fn adapt(text: &str, town: &str, host: &str) -> String {
    let domain = host.strip_prefix("ent.").unwrap_or(host);
    text.replace("ent.alpha.example", host)
        .replace("@alpha.example", &format!("@{domain}"))
        .replace("d'Alpha", &of_town(town))
        .replace("ENT Alpha", &format!("ENT {town}"))
        .replace("des trois écoles", "des écoles")
        .replace("Alpha", town)
}

fn toml_str(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

fn today() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    preau_edge::time::date_of_unix(now)
}

/// Every file of the new repository, as (path, contents).
pub fn files(town: &str, address: &str) -> Vec<(String, Vec<u8>)> {
    let host = address.trim_start_matches("https://");
    let of = of_town(town);
    let mut out: Vec<(String, Vec<u8>)> = Vec::new();
    let mut put = |p: &str, s: String| out.push((p.to_string(), s.into_bytes()));
    put(
        "content/config.toml",
        format!(
            "# Réglages du site (voir le README de Préau, « Content model »).\n\
             title = {}\ntown = {}\nbase_url = {}\ndescription = {}\npaginate_by = 10\n\
             # Hôtes autorisés pour les vidéos intégrées (<iframe>), par exemple [\"www.youtube-nocookie.com\"]\n\
             iframe_allowlist = []\n",
            toml_str(&format!("ENT de la ville {of}")),
            toml_str(town),
            toml_str(address),
            toml_str(&format!(
                "L'espace numérique de travail des écoles publiques {of} : la vie des classes et les actualités des écoles, au même endroit pour les familles et les équipes."
            )),
        ),
    );
    put(
        "content/_index.md",
        format!(
            "+++\ntitle = {}\nsummary = {}\n+++\n\n\
             Bienvenue sur l'espace numérique de travail des écoles publiques {of}.\n\n\
             Vous y trouverez le blog de la classe de votre enfant, les actualités des écoles et celles de la ville.\n\
             Les pages des classes ne sont visibles que par les familles de la classe, une fois connectées.\n\n\
             Pour bien démarrer, suivez le guide [Activer son compte](/guides/activer-son-compte/) et lisez la\n\
             [charte d'utilisation pour les parents](/charte/parents/). Tous les guides sont réunis sur la page\n\
             [Guides pour les familles](/guides/).\n",
            toml_str(&format!("Bienvenue sur l'ENT des écoles {of}")),
            toml_str(&format!("L'espace numérique de travail des écoles publiques {of}.")),
        ),
    );
    put(
        "content/actualites/_index.md",
        format!(
            "+++\ntitle = \"Actualités de la ville\"\nsummary = {}\n+++\n\n\
             Les informations de la ville pour les familles des écoles publiques.\n",
            toml_str(&format!(
                "Les informations de la ville {of} pour les familles."
            ))
        ),
    );
    put(
        "content/ecoles/ecole-exemple/_index.md",
        "+++\ntitle = \"École exemple\"\nsummary = \"Une école pour essayer : renommez le dossier (identifiant de l'école) et ce texte.\"\n\n\
         [extra]\naddress = \"1 rue des Écoles\"\nphone = \"\"\ndirector = \"\"\n+++\n\n\
         Cette page présente l'école. Le nom du dossier `ecole-exemple` est l'identifiant de l'école\n\
         (lettres minuscules, chiffres et tirets) : c'est lui que citent les comptes (`--scope ecole-exemple/cp-a`).\n"
            .to_string(),
    );
    put(
        "content/ecoles/ecole-exemple/classes/cp-a/_index.md",
        "+++\ntitle = \"CP A\"\nsummary = \"Le blog de la classe de CP A.\"\n+++\n\n\
         Bienvenue sur le blog de la classe. Seules les familles de la classe et l'équipe de l'école le lisent.\n"
            .to_string(),
    );
    put(
        &format!(
            "content/ecoles/ecole-exemple/classes/cp-a/{}-bienvenue.md",
            today()
        ),
        "+++\ntitle = \"Bienvenue sur le blog de la classe\"\n+++\n\n\
         Un premier article pour essayer. Créez les suivants avec\n\
         `preau new post ecole-exemple/cp-a \"Titre\"`.\n"
            .to_string(),
    );
    for (path, bytes) in crate::embedded::STARTER_TEXTS {
        let text = String::from_utf8_lossy(bytes);
        put(&format!("content/{path}"), adapt(&text, town, host));
    }
    put(".gitignore", GITIGNORE.to_string());
    put(".github/workflows/deploy.yml", WORKFLOW.to_string());
    put("LISEZMOI.md", readme(town, address));
    out
}

const GITIGNORE: &str = "\
# Construits ou propres à la machine : jamais dans le dépôt
/public
/public.tmp
/data
/sauvegardes
*.swp
*~
";

const WORKFLOW: &str = r#"# Vérifie le contenu à chaque envoi, et sur main met le site en ligne sur le serveur de
# la ville (preau serve, voir « Héberger soi-même » dans le README de Préau).
# GitHub Actions lit ce dossier, Forgejo et Gitea Actions aussi.
#
# Variables du dépôt (Settings > Variables) :
#   PREAU_GIT       adresse Git de Préau (cargo install --git), par exemple le miroir de la ville
#   PREAU_VERSION   étiquette de la version utilisée sur le serveur (v0.1.0)
# Secrets (Settings > Secrets), pour la mise en ligne seulement :
#   DEPLOY_HOST     le serveur (ent.ville.fr)
#   DEPLOY_KEY      clé SSH privée du compte « deploy » du serveur, qui ne peut que
#                   mettre à jour /srv/preau/site (git pull) ; preau serve reconstruit seul
name: deploy
on:
  push:
  pull_request:
jobs:
  check:
    runs-on: ubuntu-latest
    timeout-minutes: 30
    steps:
      - uses: actions/checkout@v4
      - name: Préau
        run: cargo install --locked --quiet --git "${{ vars.PREAU_GIT }}" --tag "${{ vars.PREAU_VERSION }}" preau
      - name: Vérifier le contenu
        run: preau check
  deploy:
    needs: check
    if: github.ref == 'refs/heads/main' && github.event_name == 'push'
    runs-on: ubuntu-latest
    timeout-minutes: 10
    concurrency:
      group: deploy
      cancel-in-progress: false
    steps:
      - name: Mettre à jour le contenu du serveur
        env:
          DEPLOY_HOST: ${{ secrets.DEPLOY_HOST }}
          DEPLOY_KEY: ${{ secrets.DEPLOY_KEY }}
        run: |
          if [ -z "$DEPLOY_HOST" ]; then echo "DEPLOY_HOST non défini : rien à mettre en ligne"; exit 0; fi
          umask 077
          printf '%s\n' "$DEPLOY_KEY" > key
          ssh -i key -o StrictHostKeyChecking=accept-new "deploy@$DEPLOY_HOST" \
            git -C /srv/preau/site pull --ff-only
"#;

fn readme(town: &str, address: &str) -> String {
    let of = of_town(town);
    format!(
        "# ENT des écoles {of}\n\n\
         Le contenu de l'ENT ({address}), publié avec Préau.\n\n\
         - `content/config.toml` : le nom et l'adresse du site.\n\
         - `content/ecoles/<école>/classes/<classe>/` : une école, une classe et ses articles\n\
           (`preau new post ecole-exemple/cp-a \"Titre\"`). Renommez ou supprimez l'école exemple.\n\
         - `content/charte/` : les trois chartes (parents, élèves, personnels). Changer `version`\n\
           fait accepter la charte à nouveau par tout son public.\n\
         - `content/guides/` : les guides des familles. Relisez les numéros de téléphone et les\n\
           adresses e-mail, repris des exemples de Préau.\n\n\
         Essayer sur son poste : `preau serve --demo` (comptes de démonstration), puis\n\
         <http://127.0.0.1:8000/>. Vérifier : `preau check`. Construire : `preau build`.\n\n\
         Le thème est intégré à Préau. Pour changer les couleurs ou le logo, créez\n\
         `themes/default/static/style.css` ou `themes/default/static/icon.svg` : chaque fichier\n\
         présent dans `themes/default/` remplace celui du thème intégré, les autres restent ceux de\n\
         la version de Préau installée.\n"
    )
}

pub fn run(args: InitArgs, quiet: bool) -> anyhow::Result<()> {
    let dir = &args.dir;
    if dir.exists() {
        let mut entries = std::fs::read_dir(dir).with_context(|| format!("{}", dir.display()))?;
        if entries.next().is_some() {
            bail!(
                "{} n'est pas vide : preau init crée un dépôt dans un dossier vide ou absent, sans rien écraser",
                dir.display()
            );
        }
    }
    let town = match &args.town {
        Some(t) => check_town(t).map_err(anyhow::Error::msg)?,
        None => ask("Nom de la commune", "--town", check_town)?,
    };
    let address = match &args.address {
        Some(a) => check_address(a).map_err(anyhow::Error::msg)?,
        None => ask(
            "Adresse de l'ENT (https://ent.ville.fr)",
            "--address",
            check_address,
        )?,
    };
    let files = files(&town, &address);
    for (path, bytes) in &files {
        write_new(&dir.join(path), bytes)?;
    }
    if !quiet {
        eprintln!(
            "Dépôt de l'ENT {} créé dans {} ({} fichiers).\n\
             À relire : les numéros de téléphone et les adresses e-mail des chartes et des guides.\n\
             Ensuite : cd {} && git init && preau serve --demo",
            of_town(&town),
            dir.display(),
            files.len(),
            dir.display()
        );
    }
    Ok(())
}

fn write_new(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).with_context(|| format!("{}", parent.display()))?;
    }
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .with_context(|| format!("{}", path.display()))?;
    f.write_all(bytes)
        .with_context(|| format!("{}", path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_and_names_are_checked_and_texts_adapted() {
        assert_eq!(
            check_address("https://ent.ville.fr/").unwrap(),
            "https://ent.ville.fr"
        );
        for bad in [
            "http://ent.ville.fr",
            "ent.ville.fr",
            "https://ent.ville.fr/ent",
            "https://x",
            "https://a\".fr",
        ] {
            assert!(check_address(bad).is_err(), "{bad}");
        }
        assert!(check_town("").is_err());
        assert!(check_town("A\"b").is_err());
        assert_eq!(of_town("Orléans"), "d'Orléans");
        assert_eq!(of_town("Beaulieu"), "de Beaulieu");
        let t = adapt(
            "la ville d'Alpha (ent@alpha.example, ent.alpha.example), ENT Alpha",
            "Beaulieu",
            "ent.beaulieu.fr",
        );
        assert_eq!(
            t,
            "la ville de Beaulieu (ent@beaulieu.fr, ent.beaulieu.fr), ENT Beaulieu"
        );
        let all = files("Beaulieu", "https://ent.beaulieu.fr");
        for (path, bytes) in &all {
            let text = String::from_utf8_lossy(bytes);
            assert!(
                !text.contains("Alpha") && !text.contains("alpha.example"),
                "{path}"
            );
        }
        for need in [
            "content/charte/parents.md",
            "content/charte/eleves.md",
            "content/charte/personnel.md",
            "content/guides/_index.md",
            ".gitignore",
            ".github/workflows/deploy.yml",
        ] {
            assert!(all.iter().any(|(p, _)| p == need), "{need}");
        }
    }
}

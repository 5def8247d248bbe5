//! `preau new post <school>/<class> "Titre"`: scaffold a dated post with its front matter.

use anyhow::{bail, Context};
use preau_generator::model::{is_slug, slugify};
use std::path::Path;

#[derive(clap::Subcommand)]
pub enum NewWhat {
    /// Un article dans le blog d'une classe
    Post {
        /// École et classe, par exemple ecole-jean-moulin/ce1-a
        class: String,
        /// Titre de l'article
        title: String,
        /// Date de publication (AAAA-MM-JJ), aujourd'hui par défaut
        #[arg(long)]
        date: Option<String>,
    },
}

pub fn run(what: NewWhat, content: &Path, quiet: bool) -> anyhow::Result<()> {
    let NewWhat::Post { class, title, date } = what;
    let Some((school, class_id)) = class.split_once('/') else {
        bail!("indiquez l'école et la classe sous la forme ecole/classe, par exemple ecole-jean-moulin/ce1-a");
    };
    if !is_slug(school) || !is_slug(class_id) {
        bail!("« {class} » : école et classe s'écrivent en minuscules, sans accents ni espaces");
    }
    let class_dir = content
        .join("ecoles")
        .join(school)
        .join("classes")
        .join(class_id);
    if !class_dir.is_dir() {
        bail!(
            "la classe {} n'existe pas ; créez d'abord son dossier avec un fichier _index.md",
            class_dir.display()
        );
    }
    let date = match date {
        Some(d) => preau_contract::date::Date::parse(&d)
            .with_context(|| format!("date invalide « {d} » : écrivez AAAA-MM-JJ"))?
            .to_string(),
        None => today(),
    };
    let slug = slugify(&title);
    if slug.is_empty() {
        bail!("le titre doit contenir au moins une lettre");
    }
    let dir = class_dir.join(format!("{date}-{slug}"));
    if dir.exists() {
        bail!("{} existe déjà", dir.display());
    }
    std::fs::create_dir_all(&dir).with_context(|| format!("création de {}", dir.display()))?;
    let file = dir.join("index.md");
    let escaped = title.replace('\\', "\\\\").replace('"', "\\\"");
    let text = format!(
        "+++\ntitle = \"{escaped}\"\ndate = {date}\n# author = \"Mme …\"\ntags = []\n# summary = \"Une ou deux phrases pour la liste des articles.\"\n+++\n\nÉcrivez ici. Pour une photo, placez le fichier dans ce dossier puis écrivez `![Description de la photo pour les personnes qui ne la voient pas](photo.jpg)`.\n"
    );
    std::fs::write(&file, text).with_context(|| format!("écriture de {}", file.display()))?;
    if !quiet {
        eprintln!("Article créé : {}", file.display());
    }
    Ok(())
}

fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    preau_edge::time::date_of_unix(secs as i64)
}

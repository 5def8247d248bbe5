//! `preau roster letters`: the invitation letters as one PDF, and their activation codes
//! stored (hashed) in the same step; `--sql` also writes the codes' SQL for Cloudflare D1,
//! and `--d1-export` plans the letters on an export of D1 instead of the local database.
//! The PDF is complete on disk before the codes are committed, and only then takes its
//! name: a failure leaves the previous codes working and no half-written file.

use crate::letters::{self, pdf, Letter, Places, Selection, Site};
use crate::report::Refused;
use anyhow::Context;
use preau_contract::access::{Manifest, MANIFEST_PATH};
use preau_edge::accounts::Scope;
use preau_edge::activation::DEFAULT_DAYS;
use preau_edge::admin;
use preau_edge::native::Native;
use preau_edge::store::{self, Clock, Db};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct LettersArgs {
    /// Fichier PDF à écrire
    #[arg(long, default_value = "lettres.pdf")]
    pub output: PathBuf,
    /// Dossier du site construit (noms des écoles et des classes)
    #[arg(long, default_value = "public")]
    pub site: PathBuf,
    /// Dossier du contenu (adresse et titre du site, dans config.toml)
    #[arg(long, default_value = "content")]
    pub content: PathBuf,
    /// Réimprimer pour une classe (ecole/classe) ; répétable
    #[arg(long = "class")]
    pub classes: Vec<String>,
    /// Réimprimer pour tous les comptes de la base élèves
    #[arg(long)]
    pub all: bool,
    /// Réimprimer pour un compte ; répétable
    #[arg(long = "login")]
    pub logins: Vec<String>,
    /// Durée de validité des codes, en jours
    #[arg(long, default_value_t = DEFAULT_DAYS)]
    pub days: i64,
    /// Écrire aussi le SQL des codes pour Cloudflare D1 (wrangler d1 execute --file)
    #[arg(long)]
    pub sql: Option<PathBuf>,
    /// Cloudflare : les comptes d'après un export de D1 (`wrangler d1 export DB --remote
    /// --output FICHIER`) au lieu de la base locale ; demande --sql
    #[arg(long, value_name = "FICHIER", requires = "sql")]
    pub d1_export: Option<PathBuf>,
}

fn site(content: &Path) -> anyhow::Result<Site> {
    let path = content.join("config.toml");
    let text = std::fs::read_to_string(&path).map_err(|e| {
        Refused(format!(
            "{} : lecture impossible ({e}) ; donnez le dossier du contenu avec --content",
            path.display()
        ))
    })?;
    #[derive(serde::Deserialize)]
    struct Config {
        title: String,
        base_url: String,
    }
    let c: Config = toml::from_str(&text)
        .map_err(|e| Refused(format!("{} : {}", path.display(), e.message())))?;
    if !c.base_url.starts_with("https://") && !c.base_url.starts_with("http://") {
        return Err(Refused(format!(
            "{} : base_url « {} » doit être l'adresse du site (https://…), imprimée sur les courriers",
            path.display(),
            c.base_url
        ))
        .into());
    }
    Ok(Site {
        title: c.title,
        base_url: c.base_url,
    })
}

fn places(site_dir: &Path) -> Places {
    let Some(m) = std::fs::read(site_dir.join(MANIFEST_PATH))
        .ok()
        .and_then(|b| serde_json::from_slice::<Manifest>(&b).ok())
    else {
        return Places::default();
    };
    Places {
        schools: m.schools.into_iter().map(|(k, v)| (k, v.title)).collect(),
        classes: m.classes.into_iter().map(|(k, v)| (k, v.title)).collect(),
    }
}

/// `dd/mm/yyyy` of a Unix time.
fn french_date(secs: i64) -> String {
    let iso = preau_edge::time::date_of_unix(secs);
    match (iso.get(0..4), iso.get(5..7), iso.get(8..10)) {
        (Some(y), Some(m), Some(d)) => format!("{d}/{m}/{y}"),
        _ => iso,
    }
}

pub fn run(data: &Path, args: LettersArgs, actor: &str, quiet: bool) -> anyhow::Result<()> {
    if !(1..=preau_edge::activation::MAX_DAYS).contains(&args.days) {
        return Err(Refused(format!(
            "--days {} : entre 1 et {} jours",
            args.days,
            preau_edge::activation::MAX_DAYS
        ))
        .into());
    }
    let site = site(&args.content)?;
    let places = places(&args.site);
    let mut classes = Vec::new();
    for c in &args.classes {
        match Scope::parse(c) {
            Some(s) if s.class.is_some() => classes.push(s),
            _ => {
                return Err(Refused(format!(
                    "--class « {c} » : écrivez ecole/classe (noms des dossiers de content/ecoles/)"
                ))
                .into())
            }
        }
    }
    let sel = Selection {
        all: args.all,
        logins: args.logins.clone(),
        classes,
    };
    let rt = tokio::runtime::Builder::new_current_thread().build()?;
    rt.block_on(async move {
        // On Cloudflare the letters are planned on a copy of D1, and the codes go to D1
        // through the SQL file only.
        let copy = match &args.d1_export {
            Some(export) => Some(super::roster::d1_copy(export)?),
            None => None,
        };
        let db_dir = copy.as_ref().map_or(data, |d| d.path());
        let p = Native::open(db_dir, &args.site)?;
        let recipients = store::activation::recipients(&p).await?;
        let planned = letters::plan(&recipients, &sel, &places).map_err(|e| Refused(e.to_string()))?;
        if planned.is_empty() {
            println!("Aucun courrier à imprimer : tous les comptes ont déjà reçu le leur (--all, --class ou --login pour réimprimer).");
            return Ok(());
        }
        let now = p.now();
        let expires = french_date(now + args.days * 86_400);
        let logins: Vec<String> = planned.iter().map(|l| l.login.clone()).collect();
        let codes = admin::new_codes(&p, &logins);
        let pages: Vec<Letter> = planned
            .iter()
            .zip(&codes)
            .map(|(l, (_, code))| Letter::new(l, &site, code, &expires))
            .collect();
        let bytes = pdf::render(&pages, &format!("Courriers d'invitation — {}", site.title))
            .map_err(|e| anyhow::anyhow!("réduction des polices du PDF : {e:?}"))?;

        let mut piles: BTreeMap<&str, usize> = BTreeMap::new();
        for l in &planned {
            *piles.entry(if l.pile_key.is_empty() { "ville" } else { &l.pile_key }).or_default() += 1;
        }
        let note = format!(
            "courriers {} : {}",
            args.output.display(),
            piles.iter().map(|(k, n)| format!("{k} ({n})")).collect::<Vec<_>>().join(", ")
        );
        let statements = admin::code_statements(&codes, now, args.days, actor, &note)?;
        let tmp = args.output.with_extension("pdf.partiel");
        std::fs::write(&tmp, &bytes).with_context(|| format!("écriture de {}", tmp.display()))?;
        if let Some(sql) = &args.sql {
            std::fs::write(sql, admin::to_sql_script(&statements))
                .with_context(|| format!("écriture de {}", sql.display()))?;
        }
        if let Err(e) = p.batch(statements).await {
            let _ = std::fs::remove_file(&tmp);
            return Err(e.into());
        }
        std::fs::rename(&tmp, &args.output)
            .with_context(|| format!("écriture de {}", args.output.display()))?;
        if !quiet {
            eprintln!("Par classe : {}", piles.iter().map(|(k, n)| format!("{k} : {n}")).collect::<Vec<_>>().join(" ; "));
        }
        println!(
            "{} courrier(s) dans {} ({} Ko), codes valables jusqu'au {expires}.{}",
            planned.len(),
            args.output.display(),
            bytes.len() / 1024,
            if sel.reprint() { " Les codes des courriers précédents de ces comptes ne fonctionnent plus." } else { "" }
        );
        if let Some(sql) = &args.sql {
            println!("Pour Cloudflare D1 : scripts/wrangler.sh d1 execute DB --remote --file {} (les codes ne fonctionnent qu'une fois ce fichier appliqué)", sql.display());
        }
        Ok(())
    })
}

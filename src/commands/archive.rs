//! `preau archive <école>/<classe> --output classe.zip`: the year-end copy of one class
//! blog, to open from a USB key without a server or an account. The generator renders
//! the class's part of the site on its own (the class home, its posts of the school year
//! that the class's families may read, their tag pages and the theme), so lists name
//! nothing else; `offline` makes every link relative and removes what needs the server;
//! uploaded photos come from the data folder at phone size; approved comments only with
//! `--comments`. The zip lists its files in path order with one fixed date, so the same
//! content gives the same bytes. The export is written to the audit log.

use crate::offline;
use crate::report::Refused;
use anyhow::Context;
use preau_contract::access::{may_read, Role, Scope};
use preau_contract::media::MediaRef;
use preau_edge::audit::{Action, Entry, Outcome, CLI_CLIENT};
use preau_edge::native::Native;
use preau_edge::site::SiteData;
use preau_generator::model::{is_slug, Page, Place, SectionKey};
use preau_generator::{BuildOptions, Generator};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct ArchiveArgs {
    /// École et classe, par exemple ecole-jean-moulin/ce1-a
    pub class: String,
    /// Fichier zip à écrire (il ne doit pas déjà exister)
    #[arg(long, value_name = "FICHIER")]
    pub output: PathBuf,
    /// Année scolaire, du 1er août au 31 juillet (par exemple 2025-2026) ; l'année en
    /// cours par défaut
    #[arg(long, value_name = "AAAA-AAAA")]
    pub year: Option<String>,
    /// Joindre les commentaires approuvés des articles (absents par défaut)
    #[arg(long)]
    pub comments: bool,
    /// Dossier des données de preau serve (photos, commentaires, journal d'audit)
    #[arg(long, default_value = "data")]
    pub data: PathBuf,
    /// Dossier du contenu
    #[arg(long, default_value = "content")]
    pub content: PathBuf,
    /// Dossier d'un thème complet (sans cette option, le thème intégré)
    #[arg(long)]
    pub theme: Option<PathBuf>,
}

/// A school year: from 1 August of `start` to 31 July of the next year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SchoolYear {
    pub start: i32,
}

impl SchoolYear {
    /// `2025-2026`; the second year must follow the first.
    pub fn parse(s: &str) -> Option<SchoolYear> {
        let (a, b) = s.trim().split_once('-')?;
        let ok = |x: &str| x.len() == 4 && x.bytes().all(|c| c.is_ascii_digit());
        if !ok(a) || !ok(b) {
            return None;
        }
        let (a, b): (i32, i32) = (a.parse().ok()?, b.parse().ok()?);
        (b == a + 1).then_some(SchoolYear { start: a })
    }

    /// The school year of a day (`YYYY-MM-DD`): August starts the next one.
    pub fn of_day(iso: &str) -> SchoolYear {
        let year: i32 = iso.get(..4).and_then(|y| y.parse().ok()).unwrap_or(1970);
        let month: u32 = iso.get(5..7).and_then(|m| m.parse().ok()).unwrap_or(1);
        SchoolYear {
            start: if month >= 8 { year } else { year - 1 },
        }
    }

    pub fn first_day(self) -> String {
        format!("{:04}-08-01", self.start)
    }

    pub fn last_day(self) -> String {
        format!("{:04}-07-31", self.start + 1)
    }

    pub fn contains(self, iso: &str) -> bool {
        iso >= self.first_day().as_str() && iso <= self.last_day().as_str()
    }

    pub fn label(self) -> String {
        format!("{}-{}", self.start, self.start + 1)
    }
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn actor() -> String {
    std::env::var("USER")
        .map(|u| format!("cli:{u}"))
        .unwrap_or_else(|_| "cli".into())
}

fn refuse(message: String) -> anyhow::Error {
    Refused(message).into()
}

/// What went into an archive, for the summary line and the tests.
#[derive(Debug, Default)]
pub struct Summary {
    pub posts: usize,
    pub photos: usize,
    pub comments: usize,
    pub files: usize,
    pub bytes: u64,
    /// Pages left out that the archive's pages linked to (their links became text).
    pub left_out: usize,
}

pub fn run(args: ArchiveArgs, quiet: bool) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let Some((school, class)) = args.class.split_once('/') else {
        return Err(refuse(format!(
            "« {} » : indiquez l'école et la classe sous la forme ecole/classe, par exemple ecole-jean-moulin/ce1-a",
            args.class
        )));
    };
    if !is_slug(school) || !is_slug(class) {
        return Err(refuse(format!(
            "« {} » : école et classe s'écrivent en minuscules, sans accents ni espaces, par exemple ecole-jean-moulin/ce1-a",
            args.class
        )));
    }
    let year = match &args.year {
        Some(y) => SchoolYear::parse(y).ok_or_else(|| {
            refuse(format!(
                "année scolaire invalide « {y} » : écrivez deux années qui se suivent, par exemple --year 2025-2026"
            ))
        })?,
        None => SchoolYear::of_day(&preau_edge::time::date_of_unix(now())),
    };
    if args.output.exists() {
        return Err(refuse(format!(
            "{} existe déjà : choisissez un autre nom avec --output, ou supprimez d'abord ce fichier",
            args.output.display()
        )));
    }
    let db_file = args.data.join("preau.sqlite3");
    if !db_file.is_file() {
        return Err(refuse(format!(
            "{} introuvable : --data doit être le dossier des données de preau serve (les photos, les commentaires et le journal d'audit y sont)",
            db_file.display()
        )));
    }

    let site_args = crate::SiteArgs {
        content: args.content.clone(),
        theme: args.theme.clone(),
        output: PathBuf::from("public"),
    };
    let theme = crate::commands::build::theme(&site_args)?;
    let mut generator = Generator::with_theme(
        BuildOptions {
            content: args.content.clone(),
            theme: PathBuf::new(),
            output: PathBuf::from("public"),
        },
        theme,
    )?;
    let families = [Scope {
        school: Some(school.to_string()),
        class: Some(class.to_string()),
    }];
    let is_class =
        |k: &SectionKey| matches!(k, SectionKey::Class(s, c) if s == school && c == class);
    // What the class's families could read, of that year; the school page only so that
    // the breadcrumbs name the school (it is not rendered).
    let keep = |p: &Page| match &p.place {
        Place::Index(k) => is_class(k),
        Place::Item(k) => {
            is_class(k)
                && p.date
                    .as_ref()
                    .is_some_and(|d| year.contains(&d.to_string()))
                && may_read(Role::Parent, &families, &p.access)
        }
        Place::School(s) => s == school,
        Place::Home => false,
    };
    let under = format!("ecoles/{school}/classes/{class}/");
    let part = generator.render_part(&keep, &under)?;
    let Some(classes) = part.classes.get(school) else {
        let known: Vec<&str> = part.classes.keys().map(String::as_str).collect();
        return Err(refuse(format!(
            "école inconnue « {school} » : les écoles du site sont {}",
            known.join(", ")
        )));
    };
    if !classes.iter().any(|c| c == class) {
        return Err(refuse(format!(
            "classe inconnue « {class} » à l'école {school} : ses classes sont {}",
            classes.join(", ")
        )));
    }
    let items: Vec<&Page> = part.pages.iter().filter(|p| p.is_item()).collect();
    let Some(index) = part.pages.iter().find(|p| !p.is_item()) else {
        return Err(refuse(format!("classe inconnue « {school}/{class} »")));
    };
    let strings = generator.strings();
    let edge_strings = strings.with_prefix("edge.");
    let months =
        preau_contract::date::Months::from_strings(|k| edge_strings.get(k).map(String::as_str))
            .map_err(|k| anyhow::anyhow!("texte manquant dans le fichier de textes : edge.{k}"))?;
    if items.is_empty() {
        let long = |iso: String| {
            preau_contract::date::Date::parse(&iso)
                .map(|d| d.long(&months))
                .unwrap_or(iso)
        };
        return Err(refuse(format!(
            "aucun article de {school}/{class} que ses familles peuvent lire pendant l'année scolaire {} (du {} au {}) : choisissez une autre année avec --year",
            year.label(),
            long(year.first_day()),
            long(year.last_day())
        )));
    }

    let native = Native::open(&args.data, Path::new("public"))?;
    let rt = tokio::runtime::Builder::new_current_thread().build()?;
    let site = SiteData {
        strings: edge_strings.clone(),
        months,
        ..SiteData::default()
    };
    let mut summary = Summary {
        posts: items.len(),
        ..Summary::default()
    };
    // Page file -> its comments section and how many comments it shows.
    let mut comments: BTreeMap<String, (String, usize)> = BTreeMap::new();
    if args.comments {
        for p in &items {
            let all = rt.block_on(preau_edge::store::comments::of_page(&native.db, &p.url))?;
            let shown = all
                .iter()
                .filter(|c| c.status == preau_edge::comments::Status::Approved && !c.reported)
                .count();
            let html = preau_edge::archived_section(&site, &all);
            comments.insert(p.output_path(), (html.as_str().to_string(), shown));
        }
    }

    let note = strings
        .get("archive_note")
        .replace("{annee}", &year.label());
    let site_title = part.site_title.clone();
    let mut files = part.files;
    let stylesheet = files
        .keys()
        .find(|k| k.starts_with("theme/style.") && k.ends_with(".css"))
        .cloned();
    files.insert(
        "index.html".into(),
        root_page(
            strings,
            &site_title,
            &index.title,
            &index.output_path(),
            stylesheet.as_deref(),
            year,
            items.len(),
        )
        .into_bytes(),
    );
    let paths: BTreeSet<String> = files.keys().cloned().collect();
    let mut media: BTreeSet<String> = BTreeSet::new();
    let mut left_out: BTreeSet<String> = BTreeSet::new();
    let mut used: BTreeSet<String> = BTreeSet::new();
    for (path, bytes) in files.iter_mut() {
        if !path.ends_with(".html") {
            continue;
        }
        let html = String::from_utf8_lossy(bytes).into_owned();
        let out = offline::page(
            &html,
            path,
            &paths,
            comments.get(path).map(|(html, _)| html.as_str()),
            &note,
        )
        .with_context(|| format!("{path} : page illisible"))?;
        if out.had_comments {
            summary.comments += comments.get(path).map_or(0, |(_, n)| *n);
        }
        media.extend(out.media);
        left_out.extend(out.dropped);
        used.extend(out.used);
        *bytes = out.html.into_bytes();
    }
    // The theme's scripts (the editor, uploads) and whatever else no page uses stay out.
    files.retain(|path, _| !path.starts_with("theme/") || used.contains(path));
    for path in &media {
        let Some(m) = MediaRef::parse(&format!("/{path}")) else {
            continue;
        };
        let key = m.blob_key();
        let file = args.data.join("medias").join(&key[..2]).join(&key);
        let bytes = std::fs::read(&file).map_err(|e| {
            refuse(format!(
                "le fichier /{path} (nommé dans un article) manque dans {} ({e}) : --data doit être le dossier des données de preau serve",
                args.data.join("medias").display()
            ))
        })?;
        if m.kind.is_image() {
            summary.photos += 1;
        }
        files.insert(path.clone(), bytes);
    }
    summary.files = files.len();
    summary.left_out = left_out.len();
    write_zip(&args.output, &files, year)?;
    summary.bytes = std::fs::metadata(&args.output)
        .map(|m| m.len())
        .unwrap_or(0);

    let target = format!("{school}/{class} {}", year.label());
    let actor = actor();
    rt.block_on(preau_edge::store::audit::append(
        &native.db,
        now(),
        &Entry {
            actor: &actor,
            action: Action::ClassArchive,
            target: &target,
            outcome: Outcome::Success,
            client: CLI_CLIENT,
        },
    ))?;
    if !quiet {
        eprintln!(
            "Archive de {school}/{class} ({}) écrite dans {} : {} article(s), {} photo(s), {} commentaire(s), {} fichiers, {} Ko, en {} ms ; les liens vers {} page(s) hors de l'archive sont devenus du texte.",
            year.label(),
            args.output.display(),
            summary.posts,
            summary.photos,
            summary.comments,
            summary.files,
            summary.bytes / 1024,
            started.elapsed().as_millis(),
            summary.left_out
        );
    }
    Ok(())
}

/// The archive's first page: what it is, and the way into the class blog.
fn root_page(
    strings: &preau_generator::strings::Strings,
    site_title: &str,
    class_title: &str,
    class_home: &str,
    stylesheet: Option<&str>,
    year: SchoolYear,
    posts: usize,
) -> String {
    use preau_contract::html::escape;
    let title = strings
        .get("archive_title")
        .replace("{classe}", class_title)
        .replace("{annee}", &year.label());
    let count = strings
        .get("archive_count")
        .replace("{n}", &posts.to_string());
    let css = stylesheet
        .map(|s| format!("<link rel=\"stylesheet\" href=\"/{}\">\n", escape(s)))
        .unwrap_or_default();
    format!(
        "<!DOCTYPE html>\n<html lang=\"fr\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{} — {}</title>\n{css}</head>\n<body>\n<main id=\"contenu\" class=\"wrap\">\n<h1>{}</h1>\n<p>{}</p>\n<p><a href=\"/{}\">{}</a></p>\n</main>\n</body>\n</html>\n",
        escape(&title),
        escape(site_title),
        escape(&title),
        escape(&count),
        escape(class_home),
        escape(strings.get("archive_open")),
    )
}

/// Already compressed: stored as they are.
fn stored(path: &str) -> bool {
    [".jpg", ".jpeg", ".png", ".webp", ".gif", ".pdf"]
        .iter()
        .any(|e| path.ends_with(e))
}

/// The zip, written under a temporary name next to `out` and renamed when complete
/// (never over an existing file). Files in path order, all dated the last day of the
/// school year: the same files give the same bytes.
fn write_zip(
    out: &Path,
    files: &BTreeMap<String, Vec<u8>>,
    year: SchoolYear,
) -> anyhow::Result<()> {
    use zip::write::SimpleFileOptions;
    let dir = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let tmp = tempfile::Builder::new()
        .prefix(".preau-archive-")
        .tempfile_in(&dir)
        .with_context(|| format!("{}", dir.display()))?;
    let date = zip::DateTime::from_date_and_time((year.start + 1) as u16, 7, 31, 0, 0, 0)
        .map_err(|e| anyhow::anyhow!("date de l'archive : {e}"))?;
    let mut zip = zip::ZipWriter::new(std::io::BufWriter::new(tmp.as_file()));
    for (path, bytes) in files {
        let method = if stored(path) {
            zip::CompressionMethod::Stored
        } else {
            zip::CompressionMethod::Deflated
        };
        let options = SimpleFileOptions::default()
            .compression_method(method)
            .last_modified_time(date)
            .unix_permissions(0o644);
        zip.start_file(path.as_str(), options)
            .with_context(|| format!("{path} dans l'archive"))?;
        zip.write_all(bytes)?;
    }
    let mut w = zip.finish()?;
    w.flush()?;
    drop(w);
    tmp.as_file().sync_all()?;
    tmp.persist_noclobber(out)
        .map_err(|e| anyhow::anyhow!("{} : {}", out.display(), e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn school_years() {
        let y = SchoolYear::parse("2025-2026").unwrap();
        assert!(y.contains("2025-08-01") && y.contains("2026-07-31"));
        assert!(!y.contains("2025-07-31") && !y.contains("2026-08-01"));
        assert_eq!(SchoolYear::of_day("2026-06-15"), y);
        assert_eq!(SchoolYear::of_day("2025-09-01"), y);
        assert_eq!(SchoolYear::of_day("2026-08-02").start, 2026);
        for bad in [
            "2025",
            "2025-2027",
            "25-26",
            "2025-2026-2027",
            "abcd-abce",
            "",
        ] {
            assert!(SchoolYear::parse(bad).is_none(), "{bad}");
        }
    }
}

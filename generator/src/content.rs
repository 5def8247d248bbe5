//! Reading `content/`: find every file, place it in the site, parse its front matter and
//! Markdown in parallel, then assemble the site model and check it as a whole.
//! Every problem is collected; nothing stops at the first error.

use crate::error::ContentError;
use crate::frontmatter::{self, FrontMatter};
use crate::markdown::{self, MarkdownOptions};
use crate::model::*;
use crate::strings::Strings;
use preau_contract::date::{Date, Months};
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

/// Name of the site settings file at the root of the content folder.
pub const CONFIG_FILE: &str = "config.toml";

/// Read the whole content folder into a site model.
pub fn load(root: &Path, strings: &Strings) -> Result<Site, Vec<ContentError>> {
    let started = std::time::Instant::now();
    let mut errors = Vec::new();
    let config = load_config(root, &mut errors);
    let (md_files, other_files) = list_files(root, &mut errors);
    crate::build::phase("content: files listed", started);
    let config = match config {
        Some(c) => c,
        None => return Err(errors),
    };

    let opts = MarkdownOptions {
        iframe_allowlist: &config.iframe_allowlist,
    };
    let results: Vec<(Option<Page>, Vec<ContentError>)> = md_files
        .par_iter()
        .map(|rel| {
            let mut errs = Vec::new();
            let page = load_page(root, rel, &opts, true, &mut errs);
            (page, errs)
        })
        .collect();
    crate::build::phase("content: pages read", started);
    let mut pages = Vec::with_capacity(results.len());
    // Folders of draft posts (`x/index.md` with `draft = true`, e.g. unpublished in the
    // online editor): their files wait with them, unpublished, instead of being files
    // without a page.
    let mut draft_dirs: HashSet<&Path> = HashSet::new();
    for ((page, errs), rel) in results.into_iter().zip(&md_files) {
        let silent = page.is_none() && errs.is_empty();
        errors.extend(errs);
        match page {
            Some(p) => pages.push(p),
            None if silent && rel.file_name().is_some_and(|f| f == "index.md") => {
                if let Some(dir) = rel.parent() {
                    draft_dirs.insert(dir);
                }
            }
            None => {}
        }
    }
    let other_files: Vec<PathBuf> = other_files
        .iter()
        .filter(|f| !f.parent().is_some_and(|d| draft_dirs.contains(d)))
        .cloned()
        .collect();
    let site = assemble(config, pages, &other_files, root, strings, &mut errors);
    crate::build::phase("content: assembled", started);
    if errors.is_empty() {
        Ok(site)
    } else {
        errors.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
        Err(errors)
    }
}

pub fn load_config(root: &Path, errors: &mut Vec<ContentError>) -> Option<Config> {
    let path = root.join(CONFIG_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => {
            errors.push(
                ContentError::new(
                    CONFIG_FILE,
                    None,
                    format!("impossible de lire la configuration : {e}"),
                )
                .with_hint("créez content/config.toml avec au moins title = \"…\""),
            );
            return None;
        }
    };
    match toml::from_str::<Config>(&text) {
        Ok(c) if c.paginate_by == 0 => {
            errors.push(ContentError::new(
                CONFIG_FILE,
                None,
                "paginate_by doit être au moins 1",
            ));
            None
        }
        Ok(c) => Some(c),
        Err(e) => {
            let line = e.span().map(|s| crate::error::line_of(&text, s.start));
            errors.push(ContentError::new(
                CONFIG_FILE,
                line,
                format!("configuration invalide : {}", e.message()),
            ));
            None
        }
    }
}

/// Markdown files and other files, relative to `root`, sorted; hidden files are skipped.
pub fn list_files(root: &Path, errors: &mut Vec<ContentError>) -> (Vec<PathBuf>, Vec<PathBuf>) {
    let mut md = Vec::new();
    let mut other = Vec::new();
    let walker = walkdir::WalkDir::new(root)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
    for entry in walker {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let path = e.path().map(Path::to_path_buf).unwrap_or_default();
                errors.push(ContentError::new(
                    path,
                    None,
                    format!("lecture impossible : {e}"),
                ));
                continue;
            }
        };
        // Never follow links: a symlink could pull files from outside the content folder.
        if entry.path_is_symlink() {
            let rel = entry.path().strip_prefix(root).unwrap_or(entry.path());
            errors.push(
                ContentError::new(rel, None, "lien symbolique refusé")
                    .with_hint("copiez le fichier dans le dossier de contenu"),
            );
            continue;
        }
        if !entry.file_type().is_file() {
            continue;
        }
        let rel = entry
            .path()
            .strip_prefix(root)
            .unwrap_or(entry.path())
            .to_path_buf();
        if rel == Path::new(CONFIG_FILE) {
            continue;
        }
        if rel.extension().is_some_and(|e| e == "md") {
            md.push(rel);
        } else {
            other.push(rel);
        }
    }
    (md, other)
}

/// Where a Markdown file sits, from its path alone.
pub fn classify(rel: &Path) -> Result<(Place, Option<String>), ContentError> {
    let parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
    let bad = || {
        ContentError::new(rel, None, "fichier à un emplacement inconnu")
            .with_hint("voir le modèle de contenu dans le README : actualites/, guides/, charte/, ecoles/<école>/…")
    };
    // (section, rest of the path inside the section)
    let (section, rest): (Option<SectionKey>, &[&str]) = match parts.as_slice() {
        ["_index.md"] => return Ok((Place::Home, None)),
        ["actualites", rest @ ..] => (Some(SectionKey::TownNews), rest),
        ["guides", rest @ ..] => (Some(SectionKey::Guides), rest),
        ["charte", rest @ ..] => (Some(SectionKey::Charters), rest),
        ["ecoles", school, "_index.md"] => {
            check_id(rel, school)?;
            return Ok((Place::School(school.to_string()), None));
        }
        ["ecoles", school, "actualites", rest @ ..] => {
            check_id(rel, school)?;
            (Some(SectionKey::SchoolNews(school.to_string())), rest)
        }
        ["ecoles", school, "periscolaire", rest @ ..] => {
            check_id(rel, school)?;
            (Some(SectionKey::Periscolaire(school.to_string())), rest)
        }
        ["ecoles", school, "classes", class, rest @ ..] => {
            check_id(rel, school)?;
            check_id(rel, class)?;
            (
                Some(SectionKey::Class(school.to_string(), class.to_string())),
                rest,
            )
        }
        _ => (None, &[]),
    };
    let Some(section) = section else {
        return Err(bad());
    };
    match rest {
        ["_index.md"] => Ok((Place::Index(section), None)),
        [file] => {
            let stem = file.trim_end_matches(".md");
            Ok((Place::Item(section), Some(stem.to_string())))
        }
        [dir, "index.md"] => Ok((Place::Item(section), Some(dir.to_string()))),
        _ => Err(bad()),
    }
}

fn check_id(rel: &Path, id: &str) -> Result<(), ContentError> {
    if id == preau_contract::media::TOWN {
        return Err(
            ContentError::new(rel, None, format!("nom de dossier réservé « {id} »")).with_hint(
                "« ville » désigne les médias publics de la ville ; choisissez un autre nom",
            ),
        );
    }
    if is_slug(id) {
        Ok(())
    } else {
        Err(
            ContentError::new(rel, None, format!("nom de dossier invalide « {id} »")).with_hint(
                format!(
                    "utilisez des minuscules sans accents ni espaces, par exemple « {} »",
                    slugify(id)
                ),
            ),
        )
    }
}

/// Load one Markdown file on its own (for incremental rebuilds).
pub fn load_one(
    root: &Path,
    rel: &Path,
    config: &Config,
    errors: &mut Vec<ContentError>,
) -> Option<Page> {
    let opts = MarkdownOptions {
        iframe_allowlist: &config.iframe_allowlist,
    };
    load_page(root, rel, &opts, false, errors)
}

/// One page from its file. `defer`: a dated item's body is checked but its HTML is left
/// in the file (`Body::Source`), for `body_html` to render when its page is written.
fn load_page(
    root: &Path,
    rel: &Path,
    opts: &MarkdownOptions,
    defer: bool,
    errors: &mut Vec<ContentError>,
) -> Option<Page> {
    let (place, name) = match classify(rel) {
        Ok(x) => x,
        Err(e) => {
            errors.push(e);
            return None;
        }
    };
    let (text, stamp) = match read_source(&root.join(rel)) {
        Ok(t) => t,
        Err(e) => {
            errors.push(ContentError::new(
                rel,
                None,
                format!("lecture impossible : {e}"),
            ));
            return None;
        }
    };
    let defer = (defer && deferrable(&place)).then_some(stamp);
    page_from_text(rel, place, name, &text, opts, false, defer, errors)
}

/// Pages whose body HTML a full build does not keep: dated items and guides, each shown
/// on its own page only. Charters stay whole (their text is in the gate shells) and so do
/// indexes, school pages and the home page (their text heads their lists).
fn deferrable(place: &Place) -> bool {
    matches!(place, Place::Item(k) if !matches!(k, SectionKey::Charters))
}

/// A file's text with its length and time, read through one open file (the time and the
/// bytes are those of the same file).
fn read_source(path: &Path) -> std::io::Result<(String, (u64, Option<std::time::SystemTime>))> {
    use std::io::Read;
    let mut f = std::fs::File::open(path)?;
    let md = f.metadata()?;
    let mut text = String::with_capacity(md.len() as usize);
    f.read_to_string(&mut text)?;
    Ok((text, (md.len(), md.modified().ok())))
}

/// The body HTML of `page`: kept, or rendered again from its source file (`Body::Source`).
/// The file must be the one read at load (same length and time): its text was checked then.
pub fn body_html<'a>(
    site: &Site,
    page: &'a Page,
) -> Result<std::borrow::Cow<'a, str>, crate::error::BuildError> {
    let Body::Source {
        body_offset,
        body_line,
        len,
        modified,
    } = page.body
    else {
        return Ok(std::borrow::Cow::Borrowed(&page.html));
    };
    let rel = page.source.as_deref().unwrap_or(Path::new(""));
    let changed = || {
        crate::error::BuildError::Content(vec![ContentError::new(
            rel,
            None,
            "fichier modifié pendant la construction",
        )
        .with_hint("relancez la construction")])
    };
    let path = site.root.join(rel);
    let (text, stamp) = read_source(&path).map_err(|e| crate::error::BuildError::io(&path, e))?;
    if stamp != (len, modified) {
        return Err(changed());
    }
    let body = text.get(body_offset..).ok_or_else(changed)?;
    let opts = MarkdownOptions {
        iframe_allowlist: &site.config.iframe_allowlist,
    };
    // Its problems were reported when it was read (same bytes).
    let mut ignored = Vec::new();
    let rendered = markdown::render(rel, body, body_line, &opts, &mut ignored);
    Ok(std::borrow::Cow::Owned(rendered.html))
}

/// A page from its text, as if it were the file `rel` (for the online editor's preview,
/// which renders a draft too: `with_drafts`).
pub fn load_text(
    rel: &Path,
    text: &str,
    config: &Config,
    errors: &mut Vec<ContentError>,
) -> Option<Page> {
    let opts = MarkdownOptions {
        iframe_allowlist: &config.iframe_allowlist,
    };
    let (place, name) = match classify(rel) {
        Ok(x) => x,
        Err(e) => {
            errors.push(e);
            return None;
        }
    };
    page_from_text(rel, place, name, text, &opts, true, None, errors)
}

/// The file's length and time, as `read_source` gives them.
type Stamp = (u64, Option<std::time::SystemTime>);

#[allow(clippy::too_many_arguments)]
fn page_from_text(
    rel: &Path,
    place: Place,
    name: Option<String>,
    text: &str,
    opts: &MarkdownOptions,
    with_drafts: bool,
    defer: Option<Stamp>,
    errors: &mut Vec<ContentError>,
) -> Option<Page> {
    let parsed = frontmatter::parse(rel, text, errors)?;
    let meta = parsed.meta;
    // Line of a key that is present, for errors about its value (line 2 if unknown).
    let key_line = |key: &str| Some(parsed.key_lines.get(key).copied().unwrap_or(2));
    if meta.draft && !with_drafts {
        return None;
    }
    let mut ok = true;
    let title = match meta.title.clone() {
        Some(t) if !t.trim().is_empty() => t.trim().to_string(),
        _ => {
            errors.push(
                ContentError::new(rel, Some(2), "titre manquant")
                    .with_hint("ajoutez title = \"…\" dans l'en-tête"),
            );
            ok = false;
            String::new()
        }
    };

    // Slug and date from the file or folder name.
    let (mut date, slug) = match &name {
        Some(n) => match Date::split_prefix(n) {
            Some((d, rest)) => (Some(d), rest.to_string()),
            None => (None, n.clone()),
        },
        None => (None, String::new()),
    };
    if let Some(d) = meta.date {
        date = Some(d);
    }
    if name.is_some() && !is_slug(&slug) {
        errors.push(
            ContentError::new(rel, None, format!("nom de fichier invalide « {slug} »")).with_hint(
                format!(
                    "utilisez des minuscules sans accents ni espaces, par exemple « {} »",
                    slugify(&slug)
                ),
            ),
        );
        ok = false;
    }
    if let Place::Item(section) = &place {
        if !section.by_weight() && date.is_none() {
            errors.push(
                ContentError::new(rel, Some(2), "date manquante")
                    .with_hint("ajoutez date = 2026-10-03 dans l'en-tête, ou commencez le nom du fichier par la date"),
            );
            ok = false;
        }
    }

    let access = match resolve_access(rel, &place, &meta, key_line("visibility")) {
        Ok(a) => a,
        Err(e) => {
            errors.push(e);
            ok = false;
            Access::public()
        }
    };
    if matches!(place, Place::Item(SectionKey::Charters)) {
        if meta.audience.is_none() {
            errors.push(
                ContentError::new(rel, Some(2), "charte sans public")
                    .with_hint("ajoutez audience = \"parents\", \"eleves\" ou \"personnel\""),
            );
            ok = false;
        }
        if meta.version.as_deref().is_none_or(|v| v.trim().is_empty()) {
            errors.push(
                ContentError::new(rel, Some(2), "charte sans version")
                    .with_hint("ajoutez version = \"2026-09\" ; changer la version fait accepter la charte de nouveau par tous"),
            );
            ok = false;
        }
    } else if meta.audience.is_some() || meta.version.is_some() {
        errors.push(
            ContentError::new(
                rel,
                key_line(if meta.audience.is_some() {
                    "audience"
                } else {
                    "version"
                }),
                "les clés audience et version sont réservées aux chartes",
            )
            .with_hint("retirez-les, ou placez ce fichier dans charte/"),
        );
        ok = false;
    }
    if let Some(cover) = &meta.cover {
        if cover.alt.as_deref().is_none_or(|a| a.trim().is_empty()) {
            errors.push(
                ContentError::new(
                    rel,
                    key_line("cover"),
                    "image de couverture sans texte alternatif",
                )
                .with_hint(
                    "cover = { image = \"…\", alt = \"description de l'image\" } (RGAA 1.1)",
                ),
            );
            ok = false;
        }
    }

    let url = page_url(&place, &slug);
    let (rendered, body) = match defer {
        Some((len, modified)) => (
            markdown::scan(rel, &parsed.body, parsed.body_line, opts, errors),
            Body::Source {
                body_offset: parsed.body_offset,
                body_line: parsed.body_line,
                len,
                modified,
            },
        ),
        None => (
            markdown::render(rel, &parsed.body, parsed.body_line, opts, errors),
            Body::Kept,
        ),
    };
    let summary = meta
        .summary
        .clone()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| shorten(&rendered.first_paragraph, 220));
    let cover_url = meta.cover.as_ref().map(|c| resolve_url(&url, &c.image));
    let mut links = rendered.links;
    if let Some(c) = &meta.cover {
        links.push((c.image.clone(), 2));
    }
    ok.then(|| Page {
        source: Some(rel.to_path_buf()),
        place,
        slug,
        url,
        access,
        title,
        date,
        html: rendered.html,
        body,
        summary,
        assets: Vec::new(),
        links,
        cover_url,
        meta,
    })
}

fn page_url(place: &Place, slug: &str) -> String {
    match place {
        Place::Home => "/".into(),
        Place::School(s) => format!("/ecoles/{s}/"),
        Place::Index(k) => k.url(),
        Place::Item(k) => format!("{}{slug}/", k.url()),
    }
}

fn resolve_access(
    rel: &Path,
    place: &Place,
    meta: &FrontMatter,
    line: Option<usize>,
) -> Result<Access, ContentError> {
    let (default, school, class) = match place {
        Place::Home => (Visibility::Public, None, None),
        Place::School(s) => (Visibility::Public, Some(s.as_str()), None),
        Place::Index(k) | Place::Item(k) => (k.default_visibility(), k.school(), k.class()),
    };
    let v = meta.visibility.unwrap_or(default);
    let err = |msg: &str, hint: &str| Err(ContentError::new(rel, line, msg).with_hint(hint));
    if matches!(
        place,
        Place::Home | Place::Item(SectionKey::Charters) | Place::Index(SectionKey::Charters)
    ) && v != Visibility::Public
    {
        return err(
            "cette page doit rester publique",
            "l'accueil et les chartes sont lues avant la connexion ; retirez visibility",
        );
    }
    let access = match v {
        Visibility::Public => Access::public(),
        Visibility::Class => {
            if class.is_none() {
                return err(
                    "visibility = \"class\" n'a de sens que dans le blog d'une classe",
                    "utilisez school, staff ou public ici",
                );
            }
            Access {
                visibility: v,
                school: school.map(str::to_string),
                class: class.map(str::to_string),
            }
        }
        Visibility::School => {
            if school.is_none() {
                return err(
                    "visibility = \"school\" n'a de sens que dans le dossier d'une école",
                    "utilisez staff ou public ici",
                );
            }
            Access {
                visibility: v,
                school: school.map(str::to_string),
                class: None,
            }
        }
        Visibility::Staff => Access {
            visibility: v,
            school: school.map(str::to_string),
            class: None,
        },
        Visibility::Internal => {
            return err(
                "visibility = \"internal\" est réservé au générateur",
                "valeurs possibles : public, school, class, staff",
            )
        }
    };
    Ok(access)
}

/// Resolve a link as a browser would from a page at `base` (a URL ending with `/`).
pub fn resolve_url(base: &str, link: &str) -> String {
    let link = link.split(['#', '?']).next().unwrap_or("");
    let joined = if link.starts_with('/') {
        link.to_string()
    } else {
        format!("{base}{link}")
    };
    let trailing = joined.ends_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for seg in joined.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    let mut out = format!("/{}", parts.join("/"));
    if trailing && out != "/" {
        out.push('/');
    }
    out
}

fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let cut: String = s.chars().take(max).collect();
    let cut = match cut.rfind(' ') {
        Some(i) => &cut[..i],
        None => &cut,
    };
    format!("{}…", cut.trim_end_matches([',', ';', ':', '.']))
}

/// Put loaded pages together: virtual indexes, sections, assets, tags, checks.
pub fn assemble(
    config: Config,
    mut pages: Vec<Page>,
    other_files: &[PathBuf],
    root: &Path,
    strings: &Strings,
    errors: &mut Vec<ContentError>,
) -> Site {
    // Sections and schools that exist because something lives in them.
    let mut needed_sections: BTreeMap<SectionKey, ()> = BTreeMap::new();
    let mut needed_schools: BTreeMap<String, ()> = BTreeMap::new();
    for s in [
        SectionKey::TownNews,
        SectionKey::Guides,
        SectionKey::Charters,
    ] {
        needed_sections.insert(s, ());
    }
    for p in &pages {
        if let Some(k) = p.section() {
            needed_sections.insert(k.clone(), ());
            if let Some(s) = k.school() {
                needed_schools.insert(s.to_string(), ());
            }
        }
        if let Place::School(s) = &p.place {
            needed_schools.insert(s.clone(), ());
        }
    }
    for s in needed_schools.keys() {
        needed_sections.insert(SectionKey::SchoolNews(s.clone()), ());
        needed_sections.insert(SectionKey::Periscolaire(s.clone()), ());
    }
    let existing: HashSet<Place> = pages.iter().map(|p| p.place.clone()).collect();
    for k in needed_sections.keys() {
        let place = Place::Index(k.clone());
        if !existing.contains(&place) {
            let title = match k {
                SectionKey::Class(_, c) => {
                    format!("{} {}", strings.get("class_label"), class_label(c))
                }
                _ => strings.get(k.default_title_key()).to_string(),
            };
            pages.push(virtual_page(
                place,
                title,
                k.default_visibility(),
                k.school(),
                k.class(),
            ));
        }
    }
    for s in needed_schools.keys() {
        let place = Place::School(s.clone());
        if !existing.contains(&place) {
            pages.push(virtual_page(
                place,
                format!("{} {}", strings.get("school_label"), class_label(s)),
                Visibility::Public,
                Some(s),
                None,
            ));
        }
    }
    if !existing.contains(&Place::Home) {
        pages.push(virtual_page(
            Place::Home,
            config.title.clone(),
            Visibility::Public,
            None,
            None,
        ));
    }
    // Stable order: by URL, so indexes and outputs do not depend on the file system.
    pages.sort_by(|a, b| a.url.cmp(&b.url));

    let mut by_url: HashMap<&str, usize> = HashMap::new();
    for (i, p) in pages.iter().enumerate() {
        if let Some(&j) = by_url.get(p.url.as_str()) {
            let first = pages[j].source.clone().unwrap_or_default();
            errors.push(
                ContentError::new(
                    p.source.clone().unwrap_or_default(),
                    None,
                    format!("deux pages ont la même adresse {}", p.url),
                )
                .with_hint(format!("renommez ce fichier ou {}", first.display())),
            );
        } else {
            by_url.insert(p.url.as_str(), i);
        }
    }

    // Assets belong to the page whose folder holds them.
    let mut owner_by_dir: HashMap<PathBuf, usize> = HashMap::new();
    for (i, p) in pages.iter().enumerate() {
        if let Some(src) = &p.source {
            let fname = src.file_name().and_then(|f| f.to_str()).unwrap_or("");
            if fname == "index.md" || fname == "_index.md" {
                owner_by_dir.insert(src.parent().unwrap_or(Path::new("")).to_path_buf(), i);
            }
        } else if p.is_item() {
            // virtual pages own nothing
        }
    }
    // Virtual indexes own their folders too, so images next to `x.md` posts have a home.
    for (i, p) in pages.iter().enumerate() {
        if p.source.is_none() {
            let dir = PathBuf::from(p.url.trim_matches('/'));
            owner_by_dir.entry(dir).or_insert(i);
        }
    }
    let mut asset_urls: HashSet<String> = HashSet::new();
    for rel in other_files {
        let dir = rel.parent().unwrap_or(Path::new("")).to_path_buf();
        let Some(&owner) = owner_by_dir.get(&dir) else {
            errors.push(ContentError::new(rel, None, "fichier sans page").with_hint(
                "placez les images dans le dossier d'un article (à côté de son index.md)",
            ));
            continue;
        };
        let fname = rel.file_name().and_then(|f| f.to_str()).unwrap_or("");
        if !valid_asset_name(fname) {
            errors.push(
                ContentError::new(rel, None, format!("nom de fichier invalide « {fname} »"))
                    .with_hint("minuscules, chiffres et tirets, avec une extension .svg, .png, .jpg, .webp, .gif ou .pdf"),
            );
            continue;
        }
        if fname.ends_with(".svg") {
            match std::fs::read_to_string(root.join(rel)) {
                Ok(svg) => {
                    if let Some(why) = markdown::svg_is_dangerous(&svg) {
                        errors.push(
                            ContentError::new(rel, None, format!("image SVG refusée : {why}"))
                                .with_hint("exportez le dessin sans script ni lien externe"),
                        );
                        continue;
                    }
                }
                Err(e) => {
                    errors.push(ContentError::new(
                        rel,
                        None,
                        format!("lecture impossible : {e}"),
                    ));
                    continue;
                }
            }
        }
        let url = format!("{}{fname}", pages[owner].url);
        asset_urls.insert(url.clone());
        pages[owner]
            .assets
            .push((rel.clone(), url.trim_start_matches('/').to_string()));
    }

    // Internal links and images must lead somewhere.
    let page_urls: HashSet<&str> = pages.iter().map(|p| p.url.as_str()).collect();
    // On every thread (10,000 pages' links), reported in page order.
    let broken: Vec<Vec<ContentError>> = pages
        .par_iter()
        .map(|p| {
            let mut found = Vec::new();
            check_links(p, &page_urls, &asset_urls, &mut found);
            found
        })
        .collect();
    errors.extend(broken.into_iter().flatten());

    // Sections, in display order.
    let mut sections: BTreeMap<SectionKey, Vec<usize>> = BTreeMap::new();
    let mut section_index = BTreeMap::new();
    let mut schools = BTreeMap::new();
    let mut charters = BTreeMap::new();
    let mut home = None;
    for (i, p) in pages.iter().enumerate() {
        match &p.place {
            Place::Item(k) => sections.entry(k.clone()).or_default().push(i),
            Place::Index(k) => {
                section_index.insert(k.clone(), i);
                sections.entry(k.clone()).or_default();
            }
            Place::School(s) => {
                schools.insert(s.clone(), i);
            }
            Place::Home => home = Some(i),
        }
        if let (Place::Item(SectionKey::Charters), Some(aud)) = (&p.place, p.meta.audience) {
            if let Some(prev) = charters.insert(aud, i) {
                errors.push(
                    ContentError::new(
                        p.source.clone().unwrap_or_default(),
                        None,
                        format!("deux chartes pour le public « {} »", aud.as_str()),
                    )
                    .with_hint(format!(
                        "gardez une seule charte par public (l'autre : {})",
                        pages[prev].url
                    )),
                );
            }
        }
    }
    for aud in Audience::ALL {
        if !charters.contains_key(&aud) {
            errors.push(
                ContentError::new(
                    "charte",
                    None,
                    format!("charte manquante pour le public « {} »", aud.as_str()),
                )
                .with_hint(format!(
                    "créez content/charte/{}.md avec audience et version",
                    aud.as_str()
                )),
            );
        }
    }
    for (key, items) in sections.iter_mut() {
        if key.by_weight() {
            items.sort_by(|&a, &b| {
                (pages[a].meta.weight.unwrap_or(i64::MAX), &pages[a].title)
                    .cmp(&(pages[b].meta.weight.unwrap_or(i64::MAX), &pages[b].title))
            });
        } else {
            items.sort_by(|&a, &b| by_date(&pages, a, b));
        }
    }
    let mut classes: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for k in sections.keys() {
        if let SectionKey::Class(s, c) = k {
            classes.entry(s.clone()).or_default().push(c.clone());
        }
    }

    // Tags, per audience, newest first (items are walked in section order).
    let mut tags: BTreeMap<TagScope, BTreeMap<String, (String, Vec<usize>)>> = BTreeMap::new();
    for (i, p) in pages.iter().enumerate() {
        if !p.is_item() {
            continue;
        }
        let Some(scope) = TagScope::of(&p.access) else {
            continue;
        };
        for tag in &p.meta.tags {
            let slug = slugify(tag);
            if slug.is_empty() {
                continue;
            }
            tags.entry(scope.clone())
                .or_default()
                .entry(slug)
                .or_insert_with(|| (tag.clone(), Vec::new()))
                .1
                .push(i);
        }
    }
    for per_scope in tags.values_mut() {
        for (_, items) in per_scope.values_mut() {
            items.sort_by(|&a, &b| by_date(&pages, a, b));
            items.dedup();
        }
    }

    let months = strings.months().unwrap_or_else(|e| {
        errors.push(ContentError::new("strings/fr.toml", None, e));
        Months::numeric()
    });
    let cards = pages.par_iter().map(|p| card_of(p, &months)).collect();
    Site {
        config,
        pages,
        sections,
        section_index,
        schools,
        classes,
        tags,
        charters,
        home,
        cards,
        months,
        root: root.to_path_buf(),
    }
}

/// Report the internal links and images of `p` that lead nowhere.
pub fn check_links(
    p: &Page,
    page_urls: &HashSet<&str>,
    asset_urls: &HashSet<String>,
    errors: &mut Vec<ContentError>,
) {
    for (link, line) in &p.links {
        if link.ends_with(".md") {
            errors.push(
                ContentError::new(
                    p.source.clone().unwrap_or_default(),
                    Some(*line),
                    format!("lien vers un fichier Markdown « {link} »"),
                )
                .with_hint("écrivez l'adresse de la page, par exemple /guides/activer-son-compte/"),
            );
            continue;
        }
        let target = resolve_url(&p.url, link);
        if target.starts_with(preau_contract::media::PREFIX) {
            check_media(p, link, &target, *line, errors);
            continue;
        }
        let found = page_urls.contains(target.as_str())
            || asset_urls.contains(&target)
            || page_urls.contains(format!("{target}/").as_str())
            || is_generated_url(&target);
        if !found {
            errors.push(
                ContentError::new(
                    p.source.clone().unwrap_or_default(),
                    Some(*line),
                    format!("lien cassé « {link} » (aucune page ni image à {target})"),
                )
                .with_hint("vérifiez l'adresse ; une image doit être dans le dossier de l'article"),
            );
        }
    }
}

/// An uploaded file named in a page: the name must be whole (its check digits right), and
/// everyone who may read the page must be allowed to see the file, or they would get a
/// broken image (and a public page would point at a class's photo).
fn check_media(p: &Page, link: &str, target: &str, line: usize, errors: &mut Vec<ContentError>) {
    let file = p.source.clone().unwrap_or_default();
    let Some(media) = preau_contract::media::MediaRef::parse(target) else {
        errors.push(
            ContentError::new(&file, Some(line), format!("nom de média invalide « {link} »"))
                .with_hint("copiez l'extrait Markdown donné par la page Photos et documents sans le modifier : une lettre changée ou manquante se voit"),
        );
        return;
    };
    if !media.scope.access().covers(&p.access) {
        errors.push(
            ContentError::new(
                &file,
                Some(line),
                format!(
                    "le média « {link} » est réservé à {} mais la page est lue plus largement ({})",
                    media.scope.as_path(),
                    p.access.visibility.as_str()
                ),
            )
            .with_hint("envoyez la photo dans la portée de la page (la classe, l'école ou les médias publics de la ville)"),
        );
    }
}

/// Order of dated items: newest first, then by URL.
pub fn by_date(pages: &[Page], a: usize, b: usize) -> std::cmp::Ordering {
    pages[b]
        .date
        .cmp(&pages[a].date)
        .then_with(|| pages[a].url.cmp(&pages[b].url))
}

/// URLs the generator makes that content may link to.
fn is_generated_url(url: &str) -> bool {
    url.ends_with("/atom.xml") || url.starts_with("/etiquettes/") || url == "/sitemap.xml"
}

/// The files next to a folder post's `index.md` (`rel`) as that page's assets, for a page
/// the model does not hold (a draft's folder, left out of the build): what the preview of
/// its publication links to. The build checks them again when it is published.
pub fn folder_assets(root: &Path, rel: &Path, page_url: &str) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    if rel.file_name().is_none_or(|f| f != "index.md") {
        return out;
    }
    let dir = rel.parent().unwrap_or(Path::new(""));
    let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
        return out;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let is_file = e.file_type().is_ok_and(|t| t.is_file());
        if is_file && !name.ends_with(".md") && valid_asset_name(&name) {
            let url = format!("{page_url}{name}");
            out.push((dir.join(&name), url.trim_start_matches('/').to_string()));
        }
    }
    out.sort();
    out
}

fn valid_asset_name(name: &str) -> bool {
    let Some((stem, ext)) = name.rsplit_once('.') else {
        return false;
    };
    is_slug(stem) && ["svg", "png", "jpg", "jpeg", "webp", "gif", "pdf"].contains(&ext)
}

/// "cm2-b" -> "CM2 B": a readable label that is not the (possibly private) page title.
pub fn class_label(id: &str) -> String {
    id.split('-')
        .map(|w| {
            if w.len() <= 4 {
                w.to_uppercase()
            } else {
                let mut c = w.chars();
                c.next()
                    .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                    .unwrap_or_default()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn virtual_page(
    place: Place,
    title: String,
    v: Visibility,
    school: Option<&str>,
    class: Option<&str>,
) -> Page {
    let url = page_url(&place, "");
    let access = match v {
        Visibility::Public => Access::public(),
        Visibility::Class => Access {
            visibility: v,
            school: school.map(str::to_string),
            class: class.map(str::to_string),
        },
        _ => Access {
            visibility: v,
            school: school.map(str::to_string),
            class: None,
        },
    };
    Page {
        source: None,
        place,
        slug: String::new(),
        url,
        access,
        meta: FrontMatter::default(),
        title,
        date: None,
        html: String::new(),
        body: Body::Kept,
        summary: String::new(),
        assets: Vec::new(),
        links: Vec::new(),
        cover_url: None,
    }
}

pub fn card_of(p: &Page, months: &Months) -> Card {
    let tag_scope = TagScope::of(&p.access);
    Card {
        title: p.title.clone(),
        url: p.url.clone(),
        date: p.date.map(|d| d.to_string()),
        date_fr: p.date.map(|d| d.long(months)),
        summary: p.summary.clone(),
        author: p.meta.author.clone(),
        cover: match (&p.cover_url, &p.meta.cover) {
            (Some(url), Some(c)) => Some(CoverCard {
                url: url.clone(),
                alt: c.alt.clone().unwrap_or_default(),
            }),
            _ => None,
        },
        tags: p
            .meta
            .tags
            .iter()
            .map(|t| TagLink {
                name: t.clone(),
                url: tag_scope
                    .as_ref()
                    .map(|s| format!("{}{}/", s.base_url(), slugify(t))),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classify_places() {
        let (p, slug) = classify(Path::new("ecoles/a/classes/ce1/2026-10-03-ferme.md")).unwrap();
        assert_eq!(p, Place::Item(SectionKey::Class("a".into(), "ce1".into())));
        assert_eq!(slug.as_deref(), Some("2026-10-03-ferme"));
        let (p, _) = classify(Path::new("ecoles/a/classes/ce1/2026-10-03-ferme/index.md")).unwrap();
        assert!(matches!(p, Place::Item(_)));
        assert_eq!(
            classify(Path::new("ecoles/a/_index.md")).unwrap().0,
            Place::School("a".into())
        );
        assert!(classify(Path::new("divers/x.md")).is_err());
        assert!(classify(Path::new("ecoles/Ecole A/_index.md")).is_err());
    }

    #[test]
    fn resolve_urls_like_a_browser() {
        assert_eq!(resolve_url("/a/b/", "c.svg"), "/a/b/c.svg");
        assert_eq!(resolve_url("/a/b/", "../c/"), "/a/c/");
        assert_eq!(resolve_url("/a/b/", "/guides/x/#etape-2"), "/guides/x/");
        assert_eq!(resolve_url("/a/", "../../../x"), "/x");
    }

    fn copy_tree(from: &Path, to: &Path) {
        for entry in walkdir::WalkDir::new(from) {
            let entry = entry.unwrap();
            let dst = to.join(entry.path().strip_prefix(from).unwrap());
            if entry.file_type().is_dir() {
                std::fs::create_dir_all(&dst).unwrap();
            } else {
                std::fs::copy(entry.path(), &dst).unwrap();
            }
        }
    }

    #[test]
    fn a_post_is_rendered_from_its_file_and_never_from_text_changed_since_it_was_checked() {
        let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let tmp = tempfile::tempdir().unwrap();
        copy_tree(&repo.join("tests/fixtures/scenario-site"), tmp.path());
        let strings = Strings::load(&repo.join("themes/default/strings/fr.toml")).unwrap();
        let site = load(tmp.path(), &strings).unwrap();
        let page = site
            .pages
            .iter()
            .find(|p| matches!(p.body, Body::Source { .. }))
            .expect("a dated item whose body is left in its file");
        assert!(page.html.is_empty(), "not kept from reading");
        let rel = page.source.clone().unwrap();
        // The same HTML as the page loaded on its own (what rebuilds and the preview do).
        let mut errors = Vec::new();
        let alone = load_one(tmp.path(), &rel, &site.config, &mut errors).unwrap();
        assert!(errors.is_empty() && !alone.html.is_empty());
        assert_eq!(body_html(&site, page).unwrap(), alone.html);
        // Changed after the checks (here a link they would refuse): the build stops, it
        // does not write a page from text nobody checked.
        let path = tmp.path().join(&rel);
        let mut text = std::fs::read_to_string(&path).unwrap();
        text.push_str("\n[clic](javascript:alert(1))\n");
        std::fs::write(&path, text).unwrap();
        match body_html(&site, page) {
            Err(crate::error::BuildError::Content(errors)) => {
                assert!(
                    errors[0]
                        .message
                        .contains("modifié pendant la construction"),
                    "{errors:?}"
                );
                assert_eq!(errors[0].file, rel);
            }
            other => panic!("a changed file must stop the build: {other:?}"),
        }
    }

    #[test]
    fn class_labels() {
        assert_eq!(class_label("cm2-b"), "CM2 B");
        assert_eq!(class_label("ecole-du-port"), "Ecole DU PORT");
    }
}

//! The build pipeline: load content, render every output in parallel, write the site into a
//! temporary folder and swap it in only when everything succeeded. Keeps the site model in
//! memory so that `rebuild` can re-render only what an edited post touches.

use crate::content;
use crate::encode::{self, Reuse, Wrote};
use crate::error::{BuildError, ContentError};
use crate::feeds;
use crate::manifest;
use crate::model::*;
use crate::render::{Output, Renderer};
use crate::strings::Strings;
use crate::theme::Theme;
use preau_contract::access::{CommentRule, FileMeta, Manifest, MANIFEST_PATH};
use preau_contract::shell::STRINGS_PATH;
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Where to read and write.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    pub content: PathBuf,
    pub theme: PathBuf,
    pub output: PathBuf,
}

/// What a build did, for the command line and the benchmark.
#[derive(Debug, Clone, Default)]
pub struct BuildReport {
    pub pages: usize,
    /// Files of the site (as the manifest lists them).
    pub files: usize,
    /// Of them, those with a `.br` copy written next to them.
    pub compressed: usize,
    /// Files linked from the previous build's output with their copy (bytes unchanged)
    /// instead of being written and compressed again.
    pub reused: usize,
    /// Bytes of the files, copies not counted.
    pub bytes: u64,
    pub duration: Duration,
}

/// Progress callback: (done, total).
pub type Progress<'a> = &'a (dyn Fn(usize, usize) + Sync);

/// A loaded project: theme, strings and (after a build) the site model.
pub struct Generator {
    opts: BuildOptions,
    theme: Theme,
    renderer: Renderer,
    site: Option<Site>,
    other_files: Vec<PathBuf>,
    files: BTreeMap<String, Access>,
    /// Hash, time and copies of every served file, as written last (see `stamp`).
    meta: BTreeMap<String, FileMeta>,
    /// The manifest of the last build or rebuild, shared with the edge (`manifest`).
    manifest: Option<Arc<Manifest>>,
    /// Build number of `manifest`: one more at each build or rebuild.
    generation: u64,
    /// When set, rebuilds write the manifest file after handing it over (`preau serve`).
    writer: Option<manifest::Writer>,
    /// `files` and `meta` (and the comment rules) being copied back from the manifest an
    /// incremental rebuild moved them into (see `reclaim`).
    spare: Option<std::thread::JoinHandle<Spare>>,
    spare_comments: Option<BTreeMap<String, CommentRule>>,
    /// `files` and `meta` are only in `manifest` (a full build moved them there instead of
    /// keeping a second copy): `reclaim` copies them back when a rebuild needs them.
    lent: bool,
}

/// The generator's own copy of a manifest's large maps, made after the handover.
type Spare = (
    BTreeMap<String, Access>,
    BTreeMap<String, FileMeta>,
    BTreeMap<String, CommentRule>,
);

/// The files of a build as it writes them: access rule, and what the build knows of the bytes.
type Written = (BTreeMap<String, Access>, BTreeMap<String, FileMeta>);

/// Where `write_site_files` writes: a new folder (a full build) or the served one.
#[derive(Clone, Copy)]
enum Mode<'a> {
    New(Reuse<'a>),
    InPlace,
}

impl Generator {
    /// A generator on the theme folder `opts.theme`.
    pub fn new(opts: BuildOptions) -> Result<Generator, BuildError> {
        let theme = Theme::folder(&opts.theme)?;
        Generator::with_theme(opts, theme)
    }

    /// A generator on a theme already loaded (the built-in one; `opts.theme` is not read).
    pub fn with_theme(opts: BuildOptions, theme: Theme) -> Result<Generator, BuildError> {
        let strings_file = "strings/fr.toml";
        let text = theme.file(strings_file).ok_or_else(|| {
            BuildError::Theme(format!("{} : {strings_file} introuvable", theme.describe()))
        })?;
        let strings = std::str::from_utf8(text)
            .map_err(|e| e.to_string())
            .and_then(Strings::parse)
            .map_err(|e| {
                BuildError::Theme(format!("{} : {strings_file} : {e}", theme.describe()))
            })?;
        let missing = strings.missing_edge_keys();
        if !missing.is_empty() {
            return Err(BuildError::Theme(format!(
                "textes manquants dans strings/fr.toml (les pages de connexion et de l'espace les affichent) : {}",
                missing.join(", ")
            )));
        }
        let mut errors = Vec::new();
        let config =
            content::load_config(&opts.content, &mut errors).ok_or(BuildError::Content(errors))?;
        let renderer = Renderer::new(&theme, strings, &config)?;
        Ok(Generator {
            opts,
            theme,
            renderer,
            site: None,
            other_files: Vec::new(),
            files: BTreeMap::new(),
            meta: BTreeMap::new(),
            manifest: None,
            generation: 0,
            writer: None,
            spare: None,
            spare_comments: None,
            lent: false,
        })
    }

    /// The manifest of the last build or rebuild and its build number: `preau serve` hands
    /// it to the edge instead of parsing the file again.
    pub fn manifest(&self) -> Option<(u64, Arc<Manifest>)> {
        self.manifest.clone().map(|m| (self.generation, m))
    }

    /// From now on, incremental rebuilds write the manifest file in the background, after
    /// `manifest` has it (see `manifest::Writer`; full builds still write it before their
    /// swap). For a process that hands the manifest over in memory (`preau serve`).
    pub fn defer_manifest_writes(&mut self) -> Result<(), BuildError> {
        if self.writer.is_none() {
            let dir = self.opts.output.join(MANIFEST_PATH);
            self.writer = Some(manifest::Writer::start().map_err(|e| BuildError::io(&dir, e))?);
        }
        // A serving process rebuilds soon: its copies of the manifest's maps are made now,
        // in the background, not by the first rebuild.
        self.lend_back();
        Ok(())
    }

    /// A generator replacing `previous` (a new theme): its build numbers follow the
    /// previous one's, so the edge takes its manifests as newer.
    pub fn continue_after(&mut self, previous: &Generator) {
        self.generation += previous.generation;
    }

    /// Write the current manifest's file again (in the background when deferred).
    pub fn write_manifest_soon(&self) {
        let Some(m) = &self.manifest else { return };
        let path = self.opts.output.join(MANIFEST_PATH);
        match &self.writer {
            Some(w) => w.submit(path, m.clone()),
            None => {
                if let Err(e) = manifest::write_json(&path, m) {
                    eprintln!("erreur : écriture de {} : {e}", path.display());
                }
            }
        }
    }

    /// Wait until the manifest file holds the last rebuild's manifest.
    pub fn flush_manifest(&self) {
        if let Some(w) = &self.writer {
            w.flush();
        }
    }

    pub fn site(&self) -> Option<&Site> {
        self.site.as_ref()
    }

    pub fn options(&self) -> &BuildOptions {
        &self.opts
    }

    pub fn theme(&self) -> &Theme {
        &self.theme
    }

    /// Load and check everything without writing (what `preau check` runs).
    pub fn check(&mut self) -> Result<usize, BuildError> {
        let site = self.load()?;
        // Rendering catches template errors too; the result is dropped.
        Renderer::all_outputs(&site)
            .par_iter()
            .try_for_each(|o| self.renderer.render(&site, o).map(|_| ()))?;
        let n = site.pages.len();
        self.site = Some(site);
        Ok(n)
    }

    fn load(&mut self) -> Result<Site, BuildError> {
        let mut errors = Vec::new();
        let (_, others) = content::list_files(&self.opts.content, &mut errors);
        self.other_files = others;
        content::load(&self.opts.content, self.renderer.strings()).map_err(BuildError::Content)
    }

    /// Build the whole site into a temporary folder, then swap it in.
    pub fn build(&mut self, progress: Progress) -> Result<BuildReport, BuildError> {
        let start = Instant::now();
        // Only the previous build's `meta` is read (see `previous`): no copy of it is made.
        self.join_spare();
        // Made anew from the model below.
        self.spare_comments = None;
        let site = self.load()?;
        phase("build: content read", start);
        let written_from = Instant::now();
        let tmp = sibling(&self.opts.output, "tmp");
        if tmp.exists() {
            std::fs::remove_dir_all(&tmp).map_err(|e| BuildError::io(&tmp, e))?;
        }
        std::fs::create_dir_all(&tmp).map_err(|e| BuildError::io(&tmp, e))?;
        if self.meta.is_empty() && !self.lent {
            // A new process: the last build's times, so that unchanged files keep their
            // `Last-Modified` across builds and deploys.
            self.meta = previous_meta(&self.opts.output);
        }
        let result = self.write_all(&site, &tmp, progress);
        let (bytes, reused, manifest) = match result {
            Ok(x) => x,
            Err(e) => {
                let _ = std::fs::remove_dir_all(&tmp);
                return Err(e);
            }
        };
        phase("build: all written", written_from);
        // A late background write of the previous manifest must not land in the new folder.
        self.flush_manifest();
        let swap = Instant::now();
        swap_in(&tmp, &self.opts.output)?;
        phase("build: swapped in", swap);
        phase("build: total", start);
        let report = BuildReport {
            pages: site.pages.len(),
            files: manifest.files.len(),
            compressed: manifest.meta.values().filter(|m| m.compressed).count(),
            reused,
            bytes,
            duration: start.elapsed(),
        };
        // The maps are in the manifest only (moved, not copied).
        self.files = BTreeMap::new();
        self.meta = BTreeMap::new();
        self.lent = true;
        self.manifest = Some(Arc::new(manifest));
        self.generation += 1;
        self.site = Some(site);
        if self.writer.is_some() {
            self.lend_back();
        }
        Ok(report)
    }

    /// What the previous build or rebuild wrote: in `meta`, or in the manifest that holds
    /// it (`lent`).
    fn previous(&self) -> &BTreeMap<String, FileMeta> {
        match &self.manifest {
            Some(m) if self.lent => &m.meta,
            _ => &self.meta,
        }
    }

    fn write_all(
        &self,
        site: &Site,
        dir: &Path,
        progress: Progress,
    ) -> Result<(u64, usize, Manifest), BuildError> {
        let outputs = Renderer::all_outputs(site);
        let total = outputs.len();
        let done = AtomicUsize::new(0);
        let linked = AtomicUsize::new(0);
        // The previous build's `.br` copies, linked for the files whose bytes did not
        // change (the output folder still holds that build until the swap).
        let reuse = Reuse::Previous {
            dir: &self.opts.output,
            meta: self.previous(),
        };
        let count = |w: Wrote| {
            if w == Wrote::Linked {
                linked.fetch_add(1, Ordering::Relaxed);
            }
        };
        // The folder is new: make the folders that hold pages' folders here (sections,
        // schools, `page/`: a few hundred), then each page makes its own folder as it is
        // written, on the thread that writes it (10,000 `mkdir`s split over the threads
        // instead of one after the other), and files are written directly (no temporary
        // name, no per-file folder check). Images and site files are written after the
        // pages, into folders that exist then (or made when missing, see `put_new`).
        let mut folders: BTreeSet<PathBuf> = outputs
            .iter()
            .filter_map(|o| {
                Path::new(&Renderer::target(site, o).0)
                    .parent()
                    .and_then(Path::parent)
                    .map(Path::to_path_buf)
            })
            .collect();
        folders.insert(PathBuf::from(preau_contract::access::PRIVATE_DIR));
        let mut started = Instant::now();
        for f in &folders {
            let full = dir.join(f);
            std::fs::create_dir_all(&full).map_err(|e| BuildError::io(&full, e))?;
        }
        phase("build: folders made", started);
        started = Instant::now();
        let rendered: Vec<(String, Access, u64, FileMeta)> = outputs
            .par_iter()
            .map(|o| {
                let (path, access) = Renderer::target(site, o);
                let bytes = self.renderer.render(site, o)?;
                if let Some(parent) = Path::new(&path).parent() {
                    let full = dir.join(parent);
                    match std::fs::create_dir(&full) {
                        Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => {
                            return Err(BuildError::io(&full, e));
                        }
                        _ => {}
                    }
                }
                let (meta, how) = encode::write_reusing(dir, &path, &bytes, false, reuse)?;
                count(how);
                let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                if n.is_multiple_of(256) || n == total {
                    progress(n, total);
                }
                Ok((path, access, bytes.len() as u64, meta))
            })
            .collect::<Result<_, BuildError>>()?;
        phase("build: pages rendered and written", started);
        started = Instant::now();
        let mut files = BTreeMap::new();
        let mut metas = BTreeMap::new();
        let mut bytes = 0;
        for (path, access, n, meta) in rendered {
            bytes += n;
            metas.insert(path.clone(), meta);
            files.insert(path, access);
        }
        // Co-located images keep the access of their page.
        let assets: Vec<(&PathBuf, &String, &Access)> = site
            .pages
            .iter()
            .flat_map(|p| p.assets.iter().map(move |(src, dst)| (src, dst, &p.access)))
            .collect();
        let copied: Vec<(String, Access, u64, FileMeta)> = assets
            .par_iter()
            .map(|(src, dst, access)| {
                let from = self.opts.content.join(src);
                let data = std::fs::read(&from).map_err(|e| BuildError::io(&from, e))?;
                let (meta, how) = encode::write_reusing(dir, dst, &data, false, reuse)?;
                count(how);
                Ok(((*dst).clone(), (*access).clone(), data.len() as u64, meta))
            })
            .collect::<Result<_, BuildError>>()?;
        for (path, access, n, meta) in copied {
            bytes += n;
            metas.insert(path.clone(), meta);
            files.insert(path, access);
        }
        phase("build: images copied", started);
        started = Instant::now();
        let mut written = (files, metas);
        bytes += self.write_static(dir, &mut written, reuse, &count)?;
        phase("build: theme files written", started);
        let (n, manifest) =
            self.write_site_files(site, dir, &mut written, Mode::New(reuse), &count)?;
        Ok((bytes + n, linked.into_inner(), manifest))
    }

    /// The theme's CSS, icons and scripts, under `/theme/`: each under its plain name and
    /// under its content-hashed name (the one pages use, cached for a year).
    fn write_static(
        &self,
        dir: &Path,
        written: &mut Written,
        reuse: Reuse,
        count: &dyn Fn(Wrote),
    ) -> Result<u64, BuildError> {
        let (files, metas) = written;
        let mut bytes = 0;
        for (rel, data) in self.theme.under("static") {
            let out = format!("theme/{rel}");
            let to = dir.join(&out);
            if let Some(parent) = to.parent() {
                std::fs::create_dir_all(parent).map_err(|e| BuildError::io(parent, e))?;
            }
            let (meta, how) = encode::write_reusing(dir, &out, data, false, reuse)?;
            count(how);
            bytes += data.len() as u64;
            if let Some(hashed) = self.renderer.fingerprints().get(&out) {
                let (meta, how) = encode::write_reusing(dir, hashed, data, false, reuse)?;
                count(how);
                let meta = FileMeta {
                    immutable: true,
                    ..meta
                };
                bytes += data.len() as u64;
                metas.insert(hashed.clone(), meta);
                files.insert(hashed.clone(), Access::public());
            }
            metas.insert(out.clone(), meta);
            files.insert(out, Access::public());
        }
        if let Reuse::Previous { dir: old, meta } = reuse {
            bytes += keep_retired(old, meta, dir, written, unix_now())?;
        }
        Ok(bytes)
    }

    /// Feeds, sitemap, robots.txt, the edge's page shells and strings, and the manifest.
    fn write_site_files(
        &self,
        site: &Site,
        dir: &Path,
        written: &mut Written,
        mode: Mode,
        count: &dyn Fn(Wrote),
    ) -> Result<(u64, Manifest), BuildError> {
        let (files, metas) = written;
        let current = self.previous();
        let mut bytes = 0u64;
        let public_pages: Vec<String> = files
            .iter()
            .filter(|(p, a)| a.is_public() && p.ends_with("index.html"))
            .map(|(p, _)| format!("/{}", p.trim_end_matches("index.html")))
            .collect();
        let t = Instant::now();
        // The feeds (one per section, with every item: the largest of these files) are
        // compressed and written on every thread.
        let feeds = feeds::feeds(site);
        let feeds_written: Vec<(FileMeta, Wrote)> = feeds
            .par_iter()
            .map(|(path, _, xml)| match mode {
                Mode::New(reuse) => encode::write_reusing(dir, path, xml.as_bytes(), false, reuse),
                Mode::InPlace => {
                    encode::write_reusing(dir, path, xml.as_bytes(), true, Reuse::InPlace(current))
                }
            })
            .collect::<Result<_, BuildError>>()?;
        for ((path, access, xml), (meta, how)) in feeds.into_iter().zip(feeds_written) {
            count(how);
            bytes += xml.len() as u64;
            metas.insert(path.clone(), meta);
            files.insert(path, access);
        }
        let mut put = |path: String, access: Access, data: &[u8]| -> Result<(), BuildError> {
            if access.visibility == preau_contract::access::Visibility::Internal {
                // Read by the edge only, never sent as they are.
                match mode {
                    Mode::New(_) => put_new(dir, &path, data)?,
                    // Unchanged (most rebuilds): not written, the edge reads the same bytes.
                    Mode::InPlace => {
                        if std::fs::read(dir.join(&path)).ok().as_deref() != Some(data) {
                            write_file(dir, &path, data)?;
                        }
                    }
                }
            } else {
                let (meta, how) = match mode {
                    Mode::New(reuse) => encode::write_reusing(dir, &path, data, false, reuse)?,
                    Mode::InPlace => {
                        encode::write_reusing(dir, &path, data, true, Reuse::InPlace(current))?
                    }
                };
                count(how);
                metas.insert(path.clone(), meta);
            }
            bytes += data.len() as u64;
            files.insert(path, access);
            Ok(())
        };
        put(
            "robots.txt".into(),
            Access::public(),
            feeds::robots(site).as_bytes(),
        )?;
        // Read by Cloudflare's static assets (security headers on files served without
        // the Worker); never served itself.
        put(
            "_headers".into(),
            Access::internal(),
            preau_contract::headers::headers_file(self.renderer.fingerprints()).as_bytes(),
        )?;
        // Read by wrangler: the `.br`/`.gz` copies are for `preau serve` only (Cloudflare
        // compresses assets and Worker answers itself), so they are not uploaded.
        put(".assetsignore".into(), Access::internal(), b"*.br\n*.gz\n")?;
        for (path, html) in self.renderer.render_shells(site)? {
            put(path, Access::internal(), &html)?;
        }
        for (path, html) in self.renderer.render_error_pages()? {
            put(path, Access::internal(), &html)?;
        }
        let strings =
            serde_json::to_vec(&self.renderer.strings().with_prefix("edge.")).unwrap_or_default();
        put(STRINGS_PATH.into(), Access::internal(), &strings)?;
        put(
            "sitemap.xml".into(),
            Access::public(),
            feeds::sitemap(site, &public_pages).as_bytes(),
        )?;
        phase("site files", t);
        let t = Instant::now();
        files.insert(MANIFEST_PATH.into(), Access::internal());
        let mut m: Manifest = manifest::skeleton(site);
        stamp(metas, current);
        match mode {
            // A new folder: the maps move into the manifest (the caller keeps no copy).
            Mode::New(_) => {
                m.files = std::mem::take(files);
                m.meta = std::mem::take(metas);
            }
            Mode::InPlace => {
                m.files = files.clone();
                m.meta = metas.clone();
            }
        }
        m.fingerprinted = self.renderer.fingerprints().clone();
        // A rebuild in place: written by its caller, after the handover when it can.
        if let Mode::New(_) = mode {
            let path = dir.join(MANIFEST_PATH);
            bytes += manifest::write_new(&path, &m).map_err(|e| BuildError::io(&path, e))?;
        }
        phase("manifest", t);
        Ok((bytes, m))
    }

    /// Rebuild after `changed` content files (paths relative to the content folder) were
    /// edited. Falls back to a full build when the change adds, removes or moves anything.
    pub fn rebuild(
        &mut self,
        changed: &[PathBuf],
        progress: Progress,
    ) -> Result<RebuildKind, BuildError> {
        let Some(mut site) = self.site.take() else {
            self.build(progress)?;
            return Ok(RebuildKind::Full);
        };
        let result = self.try_incremental(&mut site, changed);
        self.site = Some(site);
        match result? {
            true => Ok(RebuildKind::Incremental),
            false => {
                self.build(progress)?;
                Ok(RebuildKind::Full)
            }
        }
    }

    /// Update the model in place when only the text of existing pages changed (same place,
    /// access, tags, cover) and re-render what shows them. `Ok(false)`: the change needs a
    /// full build; the model is untouched. Errors also leave the model untouched.
    fn try_incremental(
        &mut self,
        site: &mut Site,
        changed: &[PathBuf],
    ) -> Result<bool, BuildError> {
        let started = Instant::now();
        self.reclaim();
        let mut replacements = Vec::new();
        let mut additions: Vec<Page> = Vec::new();
        let mut errors: Vec<ContentError> = Vec::new();
        for rel in changed {
            let Some(i) = site
                .pages
                .iter()
                .position(|p| p.source.as_deref() == Some(rel.as_path()))
            else {
                // A draft that was not built and still is one (the online editor saves
                // drafts into content/): nothing shows it, nothing to rebuild.
                if self.is_draft(rel) {
                    continue;
                }
                let full = self.opts.content.join(rel);
                if rel.is_relative() && !full.exists() && !is_known(site, rel) {
                    // An editor's temporary file, already renamed or deleted: nothing
                    // was built from it.
                    continue;
                }
                // A new post (or a draft published): added to the model when it is one
                // more dated item of a section that exists, else a full build.
                if !self.new_item_file(site, rel) {
                    return Ok(false);
                }
                let Some(page) =
                    content::load_one(&self.opts.content, rel, &site.config, &mut errors)
                else {
                    if errors.is_empty() {
                        return Ok(false);
                    }
                    continue;
                };
                if !addable(site, &additions, &page) {
                    return Ok(false);
                }
                additions.push(page);
                continue;
            };
            if !rel.is_relative() || !self.opts.content.join(rel).is_file() {
                return Ok(false);
            }
            let Some(page) = content::load_one(&self.opts.content, rel, &site.config, &mut errors)
            else {
                if errors.is_empty() {
                    return Ok(false); // became a draft
                }
                continue;
            };
            let old = &site.pages[i];
            if page.place != old.place
                || page.access != old.access
                || page.meta.tags != old.meta.tags
                || page.url != old.url
                || page.meta.cover != old.meta.cover
                // A school, a class or another index renamed: its name is in the
                // breadcrumbs, menus and lists of pages the incremental path does not
                // know to redo. Rare enough for a full build.
                || (!old.is_item() && page.title != old.title)
            {
                return Ok(false);
            }
            replacements.push((i, page));
        }
        phase("load", started);
        let asset_urls: HashSet<String> = site
            .pages
            .iter()
            .flat_map(|p| p.assets.iter().map(|(_, dst)| format!("/{dst}")))
            .collect();
        let page_urls: HashSet<&str> = site
            .pages
            .iter()
            .chain(&additions)
            .map(|p| p.url.as_str())
            .collect();
        for page in replacements.iter().map(|(_, p)| p).chain(&additions) {
            content::check_links(page, &page_urls, &asset_urls, &mut errors);
        }
        if !errors.is_empty() {
            return Err(BuildError::Content(errors));
        }
        phase("links", started);
        let mut touched = Vec::new();
        // A new public page changes the sitemap (an edit keeps its address and access).
        let new_public = additions.iter().any(|p| p.access.is_public());
        for page in additions {
            touched.push(add_item(site, page));
        }
        for (i, page) in replacements {
            let assets = std::mem::take(&mut site.pages[i].assets);
            site.pages[i] = Page { assets, ..page };
            site.cards[i] = content::card_of(&site.pages[i], &site.months);
            // A new date may move the item in its lists.
            let pages = &site.pages;
            if let Some(key) = pages[i].section().cloned() {
                if !key.by_weight() {
                    if let Some(items) = site.sections.get_mut(&key) {
                        items.sort_by(|&a, &b| content::by_date(pages, a, b));
                    }
                }
            }
            if let Some(scope) = TagScope::of(&pages[i].access) {
                if let Some(tags) = site.tags.get_mut(&scope) {
                    for (_, items) in tags.values_mut().filter(|(_, items)| items.contains(&i)) {
                        items.sort_by(|&a, &b| content::by_date(pages, a, b));
                    }
                }
            }
            touched.push(i);
        }
        phase("model", started);
        let site: &Site = site;
        let mut dirty: BTreeSet<Output> = BTreeSet::new();
        for &i in &touched {
            dirty.extend(affected_outputs(site, i));
        }
        let dir = &self.opts.output.clone();
        // Only the files whose bytes changed are written (and compressed).
        let current = Reuse::InPlace(&self.meta);
        let rewritten: Vec<(String, Access, FileMeta)> = dirty
            .par_iter()
            .map(|o| {
                let (path, access) = Renderer::target(site, o);
                let bytes = self.renderer.render(site, o)?;
                let (meta, _) = encode::write_reusing(dir, &path, &bytes, true, current)?;
                Ok((path, access, meta))
            })
            .collect::<Result<_, BuildError>>()?;
        phase("render", started);
        // Dated items only (most edits): the shells, error pages and strings do not show
        // them, only their sections' feeds and the sitemap may change, and of the
        // manifest only their entries and the latest items. Anything else (a charter's
        // text is in its gate shell; an index page) makes all the site files.
        let items_only = touched.iter().all(|&i| {
            matches!(&site.pages[i].place, Place::Item(k) if !matches!(k, SectionKey::Charters))
        });
        let manifest = if items_only {
            let now = unix_now();
            for (path, access, meta) in rewritten {
                self.put_stamped(path, access, meta, now);
            }
            phase("pages", started);
            self.write_item_site_files(site, dir, &touched, new_public, now)?;
            let t = Instant::now();
            let m = self.next_manifest(site, &touched);
            phase("manifest", t);
            m
        } else {
            self.spare_comments = None;
            let mut written = (std::mem::take(&mut self.files), self.meta.clone());
            for (path, access, meta) in rewritten {
                // A new post adds its page (and maybe a list or tag page) to the manifest.
                written.0.insert(path.clone(), access);
                written.1.insert(path, meta);
            }
            phase("pages", started);
            let result = self.write_site_files(site, dir, &mut written, Mode::InPlace, &|_| {});
            self.files = written.0;
            self.meta = written.1;
            let (_, manifest) = result?;
            // Its own copies stay with the generator (this path is rare: no move).
            manifest
        };
        let t = Instant::now();
        let manifest = Arc::new(manifest);
        if items_only {
            self.copy_back(&manifest);
        }
        let path = dir.join(MANIFEST_PATH);
        match &self.writer {
            Some(w) => w.submit(path, manifest.clone()),
            None => manifest::write_json(&path, &manifest).map_err(|e| BuildError::io(&path, e))?,
        }
        phase("manifest file", t);
        self.manifest = Some(manifest);
        self.generation += 1;
        Ok(true)
    }
}

impl Generator {
    /// Record a file a rebuild in place wrote (or found unchanged), with its time: the
    /// previous one when the bytes did not change, `now` otherwise (as `stamp`).
    fn put_stamped(&mut self, path: String, access: Access, meta: FileMeta, now: i64) {
        let modified = match self.meta.get(&path) {
            Some(p) if p.hash == meta.hash && p.modified > 0 => p.modified,
            _ if meta.modified > 0 => meta.modified,
            _ => now,
        };
        self.meta
            .insert(path.clone(), FileMeta { modified, ..meta });
        self.files.insert(path, access);
    }

    /// `write_site_files` of a rebuild in place that changed only the dated items
    /// `touched`: their sections' feeds, and the sitemap when `sitemap` (a new public page).
    fn write_item_site_files(
        &mut self,
        site: &Site,
        dir: &Path,
        touched: &[usize],
        sitemap: bool,
        now: i64,
    ) -> Result<(), BuildError> {
        let t = Instant::now();
        let keys: BTreeSet<SectionKey> = touched
            .iter()
            .filter_map(|&i| site.pages[i].section().cloned())
            .collect();
        let mut out: Vec<(String, Access, String)> = feeds::feeds_of(site, Some(&keys));
        if sitemap {
            let public_pages: Vec<String> = self
                .files
                .iter()
                .filter(|(p, a)| a.is_public() && p.ends_with("index.html"))
                .map(|(p, _)| format!("/{}", p.trim_end_matches("index.html")))
                .collect();
            out.push((
                "sitemap.xml".into(),
                Access::public(),
                feeds::sitemap(site, &public_pages),
            ));
        }
        for (path, access, xml) in out {
            let (meta, _) = encode::write_reusing(
                dir,
                &path,
                xml.as_bytes(),
                true,
                Reuse::InPlace(&self.meta),
            )?;
            self.put_stamped(path, access, meta, now);
        }
        phase("site files", t);
        Ok(())
    }

    /// The manifest after a rebuild of dated items only: the previous one's places and
    /// charters, the latest items again, the comment rules of `touched`, and the
    /// generator's `files` and `meta` moved in (no copy on the way to the edge; they are
    /// copied back after, see `copy_back`).
    fn next_manifest(&mut self, site: &Site, touched: &[usize]) -> Manifest {
        let files = std::mem::take(&mut self.files);
        let meta = std::mem::take(&mut self.meta);
        let Some(prev) = self.manifest.clone() else {
            let mut m = manifest::skeleton(site);
            m.files = files;
            m.meta = meta;
            m.fingerprinted = self.renderer.fingerprints().clone();
            return m;
        };
        let mut comments = self
            .spare_comments
            .take()
            .unwrap_or_else(|| prev.comments.clone());
        for &i in touched {
            let url = &site.pages[i].url;
            match manifest::comment_rule(site, i) {
                Some(rule) => {
                    comments.insert(url.clone(), rule);
                }
                None => {
                    comments.remove(url);
                }
            }
        }
        Manifest {
            files,
            meta,
            comments,
            recent: manifest::recent(site),
            charters: prev.charters.clone(),
            schools: prev.schools.clone(),
            classes: prev.classes.clone(),
            pupil_posts: prev.pupil_posts.clone(),
            fingerprinted: prev.fingerprinted.clone(),
        }
    }

    /// Copy the large maps of `m` back for the generator, on another thread: the edge
    /// serves with `m` meanwhile, and the next rebuild or build waits for the copy
    /// (`reclaim`), seconds later at a person's pace.
    fn copy_back(&mut self, m: &Arc<Manifest>) {
        let shared = m.clone();
        let copy = move || {
            (
                shared.files.clone(),
                shared.meta.clone(),
                shared.comments.clone(),
            )
        };
        match std::thread::Builder::new()
            .name("preau-copy".into())
            .spawn(copy)
        {
            Ok(handle) => self.spare = Some(handle),
            Err(_) => {
                self.files = m.files.clone();
                self.meta = m.meta.clone();
            }
        }
    }

    /// After a full build that moved `files` and `meta` into the manifest: their copies
    /// for the generator, made in the background (`copy_back`).
    fn lend_back(&mut self) {
        if !self.lent || self.spare.is_some() {
            return;
        }
        if let Some(m) = self.manifest.clone() {
            self.lent = false;
            self.copy_back(&m);
        }
    }

    /// Take back `files` and `meta` (the copies `copy_back` made, or copies of the
    /// manifest's maps now), before using them.
    fn reclaim(&mut self) {
        self.join_spare();
        if self.lent {
            self.lent = false;
            if let Some(m) = &self.manifest {
                self.files = m.files.clone();
                self.meta = m.meta.clone();
            }
        }
    }

    /// Take back the copies `copy_back` made, if it did.
    fn join_spare(&mut self) {
        let Some(handle) = self.spare.take() else {
            return;
        };
        match handle.join() {
            Ok((files, meta, comments)) => {
                self.files = files;
                self.meta = meta;
                self.spare_comments = Some(comments);
            }
            Err(_) => {
                if let Some(m) = &self.manifest {
                    self.files = m.files.clone();
                    self.meta = m.meta.clone();
                }
            }
        }
    }

    /// Could `rel` be a post added without a full build: a Markdown file of the content
    /// folder, alone in its folder when it is an `index.md` (co-located images need the
    /// full build's checks and copies).
    fn new_item_file(&self, site: &Site, rel: &Path) -> bool {
        let full = self.opts.content.join(rel);
        if !rel.is_relative() || !full.is_file() || rel.extension().is_none_or(|e| e != "md") {
            return false;
        }
        let name = rel.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name == "_index.md" {
            return false;
        }
        if name != "index.md" {
            return true;
        }
        let Some(Ok(entries)) = full.parent().map(std::fs::read_dir) else {
            return false;
        };
        // Alone in a folder that holds no other page.
        let folder = rel.parent().unwrap_or(Path::new(""));
        entries.count() == 1
            && !site
                .pages
                .iter()
                .any(|p| p.source.as_deref().is_some_and(|s| s.starts_with(folder)))
    }

    /// Is `rel` (relative to the content folder) a readable draft?
    fn is_draft(&self, rel: &Path) -> bool {
        let Ok(text) = std::fs::read_to_string(self.opts.content.join(rel)) else {
            return false;
        };
        let mut errors = Vec::new();
        rel.is_relative()
            && content::classify(rel).is_ok()
            && crate::frontmatter::parse(rel, &text, &mut errors).is_some_and(|p| p.meta.draft)
            && errors.is_empty()
    }

    /// The page the file `rel` would become with the text `text`, rendered by the same
    /// theme as the published site, and the problems `preau check` would report for it
    /// (a draft is rendered too). The online editor's preview and checks on save; the
    /// built site is not touched. Needs a built site (`build` first).
    pub fn preview(&mut self, rel: &Path, text: &str) -> Result<Vec<u8>, BuildError> {
        let Some(mut site) = self.site.take() else {
            return Err(BuildError::Theme("site non construit".into()));
        };
        let result = self.preview_in(&mut site, rel, text);
        self.site = Some(site);
        result
    }

    fn preview_in(&self, site: &mut Site, rel: &Path, text: &str) -> Result<Vec<u8>, BuildError> {
        let mut errors = Vec::new();
        let Some(mut page) = content::load_text(rel, text, &site.config, &mut errors) else {
            return Err(BuildError::Content(errors));
        };
        let existing = site
            .pages
            .iter()
            .position(|p| p.source.as_deref() == Some(rel));
        match existing {
            Some(i) => page.assets = site.pages[i].assets.clone(),
            // A draft's folder is not in the model: its files, as they are on disk.
            None => page.assets = content::folder_assets(&self.opts.content, rel, &page.url),
        }
        let asset_urls: HashSet<String> = site
            .pages
            .iter()
            .chain(std::iter::once(&page))
            .flat_map(|p| p.assets.iter().map(|(_, dst)| format!("/{dst}")))
            .collect();
        let mut page_urls: HashSet<&str> = site.pages.iter().map(|p| p.url.as_str()).collect();
        page_urls.insert(page.url.as_str());
        content::check_links(&page, &page_urls, &asset_urls, &mut errors);
        if !errors.is_empty() {
            return Err(BuildError::Content(errors));
        }
        // Render it in place of the page it replaces (or as one more page), then put the
        // model back as it was.
        let card = content::card_of(&page, &site.months);
        let i = match existing {
            Some(i) => i,
            None => {
                site.pages.push(page.clone());
                site.cards.push(card.clone());
                site.pages.len() - 1
            }
        };
        let old_page = std::mem::replace(&mut site.pages[i], page);
        let old_card = std::mem::replace(&mut site.cards[i], card);
        let result = self.renderer.render(site, &Output::Page(i));
        site.pages[i] = old_page;
        site.cards[i] = old_card;
        if existing.is_none() {
            site.pages.pop();
            site.cards.pop();
        }
        result
    }
}

/// Is `rel` a file or folder the model was built from (a page, an image, a folder of them)?
fn is_known(site: &Site, rel: &Path) -> bool {
    site.pages.iter().any(|p| {
        p.source.as_deref().is_some_and(|s| s.starts_with(rel))
            || p.assets.iter().any(|(src, _)| src.starts_with(rel))
    })
}

/// Can `page` (new) join the model as it is: a dated item (not a charter) of a section
/// that exists, at an address no page has, without a cover image?
fn addable(site: &Site, others: &[Page], page: &Page) -> bool {
    let Place::Item(key) = &page.place else {
        return false;
    };
    !matches!(key, SectionKey::Charters)
        && !key.by_weight()
        && site.sections.contains_key(key)
        && site.section_index.contains_key(key)
        && page.assets.is_empty()
        && page.meta.cover.is_none()
        && !site
            .pages
            .iter()
            .chain(others)
            .any(|p| p.url == page.url || p.source == page.source)
}

/// Put the new item `page` into the model: one more page (at the end: indexes of the
/// others do not move; a full build orders them by address again), its card, its place in
/// its section's list and in its tags. Returns its index.
fn add_item(site: &mut Site, page: Page) -> usize {
    let i = site.pages.len();
    site.cards.push(content::card_of(&page, &site.months));
    let key = page.section().cloned();
    let scope = TagScope::of(&page.access);
    let tags: Vec<(String, String)> = page
        .meta
        .tags
        .iter()
        .map(|t| (slugify(t), t.clone()))
        .filter(|(slug, _)| !slug.is_empty())
        .collect();
    site.pages.push(page);
    let pages = &site.pages;
    if let Some(items) = key.and_then(|k| site.sections.get_mut(&k)) {
        items.push(i);
        items.sort_by(|&a, &b| content::by_date(pages, a, b));
    }
    if let Some(scope) = scope {
        let per_scope = site.tags.entry(scope).or_default();
        for (slug, name) in tags {
            let (_, items) = per_scope.entry(slug).or_insert_with(|| (name, Vec::new()));
            if !items.contains(&i) {
                items.push(i);
                items.sort_by(|&a, &b| content::by_date(pages, a, b));
            }
        }
    }
    i
}

/// With `PREAU_TIMINGS` set, print how long a build's or rebuild's phase took and the
/// process's resident memory then (current and peak, Linux), to profile one.
pub(crate) fn phase(name: &str, since: Instant) {
    if std::env::var_os("PREAU_TIMINGS").is_some() {
        eprintln!(
            "  {name} : {:.1} ms{}",
            since.elapsed().as_secs_f64() * 1000.0,
            memory_now()
        );
    }
}

/// ", RSS 80 MB (peak 95 MB)" from /proc/self/status; empty where there is none.
fn memory_now() -> String {
    let Ok(status) = std::fs::read_to_string("/proc/self/status") else {
        return String::new();
    };
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .map(|kb| kb / 1024)
    };
    match (field("VmRSS:"), field("VmHWM:")) {
        (Some(now), Some(peak)) => format!(", RSS {now} MB (peak {peak} MB)"),
        _ => String::new(),
    }
}

/// A part of the site rendered on its own (see `Generator::render_part`).
#[derive(Debug, Clone, Default)]
pub struct Part {
    /// Output path -> bytes: the part's pages, the files next to them, and every file of
    /// the theme's `static/` under its content-hashed name (the one pages link to).
    pub files: BTreeMap<String, Vec<u8>>,
    /// The pages kept, as in the part's model (indexes first, then items newest first).
    pub pages: Vec<Page>,
    /// The classes of each school in the whole site (for messages naming what exists).
    pub classes: BTreeMap<String, Vec<String>>,
    /// The site's title (`config.toml`).
    pub site_title: String,
}

impl Generator {
    /// Render only the pages `keep` accepts, as if the site held nothing else: lists,
    /// pagination and tag pages then show only them. Outputs whose path does not start
    /// with `under` are not rendered (the kept pages may include some, such as a school
    /// page, only so that breadcrumbs name it). Nothing is written and the model of a
    /// normal build is not touched: this is for the year-end class archive. The whole
    /// site is still loaded and checked first, so a content error stops it as it stops a
    /// build; link checks are not repeated on the part (links to pages left out are
    /// expected, the caller handles them).
    pub fn render_part(
        &mut self,
        keep: &dyn Fn(&Page) -> bool,
        under: &str,
    ) -> Result<Part, BuildError> {
        let site = self.load()?;
        let kept: Vec<Page> = site.pages.iter().filter(|p| keep(p)).cloned().collect();
        // The part lacks the charters and the pages it links to: `assemble` reports them,
        // which says nothing about the part (the whole site passed the same checks).
        let mut ignored = Vec::new();
        let part = content::assemble(
            site.config.clone(),
            kept,
            &[],
            &self.opts.content,
            self.renderer.strings(),
            &mut ignored,
        );
        let outputs: Vec<Output> = Renderer::all_outputs(&part)
            .into_iter()
            .filter(|o| Renderer::target(&part, o).0.starts_with(under))
            .collect();
        let rendered: Vec<(String, Vec<u8>)> = outputs
            .par_iter()
            .map(|o| {
                Ok((
                    Renderer::target(&part, o).0,
                    self.renderer.render(&part, o)?,
                ))
            })
            .collect::<Result<_, BuildError>>()?;
        let mut files: BTreeMap<String, Vec<u8>> = rendered.into_iter().collect();
        for page in part
            .pages
            .iter()
            .filter(|p| p.url.trim_start_matches('/').starts_with(under))
        {
            for (src, dst) in &page.assets {
                let from = self.opts.content.join(src);
                let data = std::fs::read(&from).map_err(|e| BuildError::io(&from, e))?;
                files.insert(dst.clone(), data);
            }
        }
        for (rel, data) in self.theme.under("static") {
            if let Some(hashed) = self.renderer.fingerprints().get(&format!("theme/{rel}")) {
                files.insert(hashed.clone(), data.to_vec());
            }
        }
        let mut pages: Vec<Page> = Vec::new();
        for (key, &i) in &part.section_index {
            if part.pages[i].url.trim_start_matches('/').starts_with(under) {
                pages.push(part.pages[i].clone());
                for &j in part.sections.get(key).into_iter().flatten() {
                    pages.push(part.pages[j].clone());
                }
            }
        }
        Ok(Part {
            files,
            pages,
            classes: site.classes.clone(),
            site_title: site.config.title.clone(),
        })
    }

    /// The strings of the theme (the text of every page).
    pub fn strings(&self) -> &Strings {
        self.renderer.strings()
    }
}

/// How `rebuild` did its work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RebuildKind {
    Incremental,
    Full,
}

/// Outputs that show page `i`: itself, its section's lists, its tags, and the pages that
/// show the latest items (home, school page).
pub fn affected_outputs(site: &Site, i: usize) -> Vec<Output> {
    let page = &site.pages[i];
    let mut out = vec![Output::Page(i)];
    if let Some(key) = page.section() {
        if let Some(&idx) = site.section_index.get(key) {
            out.push(Output::Page(idx));
        }
        for o in Renderer::all_list_pages(site, key) {
            out.push(o);
        }
        match key {
            SectionKey::TownNews | SectionKey::Guides | SectionKey::SchoolNews(_) => {
                if let Some(h) = site.home {
                    out.push(Output::Page(h));
                }
            }
            _ => {}
        }
        if let SectionKey::SchoolNews(s) = key {
            if let Some(&sp) = site.schools.get(s) {
                out.push(Output::Page(sp));
            }
        }
    }
    if let Some(scope) = TagScope::of(&page.access) {
        out.push(Output::TagIndex(scope.clone()));
        for tag in &page.meta.tags {
            let slug = slugify(tag);
            if let Some((_, items)) = site.tags.get(&scope).and_then(|t| t.get(&slug)) {
                let n = items.len().div_ceil(site.config.paginate_by).max(1);
                for k in 1..=n {
                    out.push(Output::Tag(scope.clone(), slug.clone(), k));
                }
            }
        }
    }
    out
}

/// How long a replaced content-hashed theme file stays: pages cached by browsers, open in a
/// tab or saved offline still name it after a deploy.
pub const RETIRED_KEPT_SECS: i64 = 24 * 3600;

/// The previous build's content-hashed theme files that this build no longer has (a new
/// stylesheet, a new logo), linked into the new folder for a day after they were replaced,
/// still public and immutable. Returns their bytes.
fn keep_retired(
    old: &Path,
    previous: &BTreeMap<String, FileMeta>,
    dir: &Path,
    written: &mut Written,
    now: i64,
) -> Result<u64, BuildError> {
    let (files, metas) = written;
    let mut bytes = 0;
    for (path, m) in previous {
        if !m.immutable || files.contains_key(path) || !path.starts_with("theme/") {
            continue;
        }
        let retired = if m.retired > 0 { m.retired } else { now };
        if now - retired >= RETIRED_KEPT_SECS {
            continue;
        }
        let (from, to) = (old.join(path), dir.join(path));
        // Gone from the previous folder (removed by hand): nothing to keep.
        let Ok(size) = std::fs::metadata(&from).map(|md| md.len()) else {
            continue;
        };
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent).map_err(|e| BuildError::io(parent, e))?;
        }
        if std::fs::hard_link(&from, &to).is_err() {
            std::fs::copy(&from, &to).map_err(|e| BuildError::io(&to, e))?;
        }
        let compressed = m.compressed && {
            let (fb, tb) = (encode::sibling(&from, "br"), encode::sibling(&to, "br"));
            std::fs::hard_link(&fb, &tb).is_ok() || std::fs::copy(&fb, &tb).is_ok()
        };
        bytes += size;
        metas.insert(
            path.clone(),
            FileMeta {
                compressed,
                retired,
                ..m.clone()
            },
        );
        files.insert(path.clone(), Access::public());
    }
    Ok(bytes)
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Give each file its `modified` time: the previous one when its bytes did not change,
/// now otherwise.
fn stamp(metas: &mut BTreeMap<String, FileMeta>, previous: &BTreeMap<String, FileMeta>) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    for (path, meta) in metas.iter_mut() {
        meta.modified = match previous.get(path) {
            Some(p) if p.hash == meta.hash && p.modified > 0 => p.modified,
            _ if meta.modified > 0 => meta.modified,
            _ => now,
        };
    }
}

/// The `meta` of the manifest a previous build left in `output` (empty if none).
fn previous_meta(output: &Path) -> BTreeMap<String, FileMeta> {
    #[derive(serde::Deserialize)]
    struct OnlyMeta {
        #[serde(default)]
        meta: BTreeMap<String, FileMeta>,
    }
    std::fs::read(output.join(MANIFEST_PATH))
        .ok()
        .and_then(|b| serde_json::from_slice::<OnlyMeta>(&b).ok())
        .map(|m| m.meta)
        .unwrap_or_default()
}

fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "public".into());
    path.with_file_name(format!(".{name}.{suffix}"))
}

/// Replace `output` by `tmp` with two renames, so a reader never sees a half-written site.
fn swap_in(tmp: &Path, output: &Path) -> Result<(), BuildError> {
    let old = sibling(output, "old");
    if old.exists() {
        remove_tree(&old)?;
    }
    if output.exists() {
        std::fs::rename(output, &old).map_err(|e| BuildError::io(output, e))?;
    }
    std::fs::rename(tmp, output).map_err(|e| BuildError::io(output, e))?;
    if old.exists() {
        remove_tree(&old)?;
    }
    Ok(())
}

/// Delete a folder tree.
fn remove_tree(root: &Path) -> Result<(), BuildError> {
    std::fs::remove_dir_all(root).map_err(|e| BuildError::io(root, e))
}

/// Write one file into a new build's folder (made beforehand, nobody reads it yet).
fn put_new(dir: &Path, rel: &str, data: &[u8]) -> Result<(), BuildError> {
    encode::put_new(&dir.join(rel), data)
}

/// Write one file, creating its folder; replaced atomically so a server never reads half.
fn write_file(dir: &Path, rel: &str, data: &[u8]) -> Result<(), BuildError> {
    let path = dir.join(rel);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| BuildError::io(parent, e))?;
    }
    let tmp = path.with_extension("preau-tmp");
    std::fs::write(&tmp, data).map_err(|e| BuildError::io(&tmp, e))?;
    std::fs::rename(&tmp, &path).map_err(|e| BuildError::io(&path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(hash: &str, modified: i64) -> FileMeta {
        FileMeta {
            hash: hash.into(),
            modified,
            ..FileMeta::default()
        }
    }

    #[test]
    fn unchanged_bytes_keep_their_time() {
        let previous = BTreeMap::from([
            ("a.html".to_string(), meta("h1", 1_000)),
            ("b.html".to_string(), meta("h2", 1_000)),
        ]);
        let mut now = BTreeMap::from([
            ("a.html".to_string(), meta("h1", 0)),
            ("b.html".to_string(), meta("h2-changed", 0)),
            ("c.html".to_string(), meta("h3", 0)),
        ]);
        stamp(&mut now, &previous);
        assert_eq!(now["a.html"].modified, 1_000);
        assert!(
            now["b.html"].modified > 1_000_000,
            "a changed file is stamped now"
        );
        assert!(
            now["c.html"].modified > 1_000_000,
            "a new file is stamped now"
        );
    }
}

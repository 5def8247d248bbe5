//! The access manifest: every output file with its visibility and scope, the charter
//! versions, and what "Mon espace" lists. Written under `_preau/`, which is never served.

use crate::model::*;
use preau_contract::access::{CharterInfo, CommentRule, Manifest, PlaceInfo, RecentItem};

/// Everything of the manifest except `files`, which the build fills as it writes.
pub fn skeleton(site: &Site) -> Manifest {
    let mut m = Manifest::default();
    for (aud, &i) in &site.charters {
        let p = &site.pages[i];
        m.charters.insert(
            *aud,
            CharterInfo {
                version: p.meta.version.clone().unwrap_or_default(),
                path: p.url.clone(),
                title: p.title.clone(),
            },
        );
    }
    for (s, &i) in &site.schools {
        m.schools.insert(
            s.clone(),
            PlaceInfo {
                title: site.pages[i].title.clone(),
                path: site.pages[i].url.clone(),
            },
        );
    }
    for (key, &i) in &site.section_index {
        if let SectionKey::Class(s, c) = key {
            m.classes.insert(
                format!("{s}/{c}"),
                PlaceInfo {
                    title: site.pages[i].title.clone(),
                    path: site.pages[i].url.clone(),
                },
            );
            if site.pages[i].meta.pupil_posts == Some(true) {
                m.pupil_posts.insert(format!("{s}/{c}"));
            }
        }
    }
    for i in 0..site.pages.len() {
        if let Some(rule) = comment_rule(site, i) {
            m.comments.insert(site.pages[i].url.clone(), rule);
        }
    }
    m.recent = recent(site);
    m
}

/// What "Mon espace" lists: the five latest items of each class, school news and
/// after-school section.
pub fn recent(site: &Site) -> std::collections::BTreeMap<String, Vec<RecentItem>> {
    let mut recent: std::collections::BTreeMap<String, Vec<RecentItem>> = Default::default();
    for (key, items) in &site.sections {
        let bucket = match key {
            SectionKey::Class(s, c) => format!("{s}/{c}"),
            SectionKey::SchoolNews(s) | SectionKey::Periscolaire(s) => s.clone(),
            _ => continue,
        };
        let list = recent.entry(bucket).or_default();
        for &i in items.iter().take(5) {
            let p = &site.pages[i];
            list.push(RecentItem {
                title: p.title.clone(),
                path: p.url.clone(),
                date: p.date.map(|d| d.to_string()).unwrap_or_default(),
                access: p.access.clone(),
            });
        }
        list.sort_by(|a, b| b.date.cmp(&a.date));
    }
    recent
}

/// The comments of page `i`: only class posts that are not public, with comments neither
/// turned off on the post (`comments = false`) nor on its class (`comments = false` in the
/// class's `_index.md`, which also sets `moderation` and `pupil_comments`).
pub fn comment_rule(site: &Site, i: usize) -> Option<CommentRule> {
    let page = &site.pages[i];
    let Place::Item(key @ SectionKey::Class(..)) = &page.place else {
        return None;
    };
    if page.access.is_public() || page.meta.comments == Some(false) {
        return None;
    }
    let class = site.section_index.get(key).map(|&c| &site.pages[c].meta);
    if class.and_then(|m| m.comments) == Some(false) {
        return None;
    }
    Some(CommentRule {
        moderation: class.and_then(|m| m.moderation).unwrap_or_default(),
        pupils: class.and_then(|m| m.pupil_comments).unwrap_or(false),
    })
}

/// Writes the manifest file after the edge has it (`preau serve`'s rebuilds): the file is
/// 4.5 MB at 10,000 posts and serialising and writing it took 100–330 ms of every rebuild,
/// for nobody in the running server, which gets the manifest in memory.
///
/// Crash safety: each write goes to a temporary name and is renamed over the old file, so
/// the file is always a whole manifest: the latest, or an earlier one while a write is
/// pending (tens of milliseconds), or after a crash in between. Nothing serves from a
/// lagging file: `preau serve` makes a full build (written before its swap, `flush` first)
/// before its edge reads the file, the Worker serves what `preau build` wrote, and the
/// next process reads only the files' times from it (`previous_meta`). Only the newest
/// pending manifest is written: rebuilds in a burst cost one write.
pub struct Writer {
    shared: std::sync::Arc<Shared>,
    thread: Option<std::thread::JoinHandle<()>>,
}

#[derive(Default)]
struct Shared {
    state: std::sync::Mutex<State>,
    changed: std::sync::Condvar,
}

#[derive(Default)]
struct State {
    pending: Option<(std::path::PathBuf, std::sync::Arc<Manifest>)>,
    busy: bool,
    stop: bool,
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        match self.state.lock() {
            Ok(s) => s,
            Err(p) => p.into_inner(),
        }
    }
}

impl Writer {
    pub fn start() -> std::io::Result<Writer> {
        let shared = std::sync::Arc::new(Shared::default());
        let s = shared.clone();
        let thread = std::thread::Builder::new()
            .name("preau-manifest".into())
            .spawn(move || loop {
                let (path, manifest) = {
                    let mut st = s.lock();
                    loop {
                        if let Some(p) = st.pending.take() {
                            st.busy = true;
                            break p;
                        }
                        if st.stop {
                            return;
                        }
                        st = match s.changed.wait(st) {
                            Ok(g) => g,
                            Err(p) => p.into_inner(),
                        };
                    }
                };
                if let Err(e) = write_json(&path, &manifest) {
                    // The served site is right (the edge has the manifest); only the file
                    // lags, and the next rebuild writes it again.
                    eprintln!("erreur : écriture de {} : {e}", path.display());
                }
                s.lock().busy = false;
                s.changed.notify_all();
            })?;
        Ok(Writer {
            shared,
            thread: Some(thread),
        })
    }

    /// Write `manifest` to `path` soon (replaces a manifest not written yet).
    pub fn submit(&self, path: std::path::PathBuf, manifest: std::sync::Arc<Manifest>) {
        self.shared.lock().pending = Some((path, manifest));
        self.shared.changed.notify_all();
    }

    /// Wait until everything submitted is written (before a full build swaps its folder in:
    /// a late write must not land in the new folder).
    pub fn flush(&self) {
        let mut st = self.shared.lock();
        while st.pending.is_some() || st.busy {
            st = match self.shared.changed.wait(st) {
                Ok(g) => g,
                Err(p) => p.into_inner(),
            };
        }
    }
}

impl Drop for Writer {
    /// The pending manifest is written before the thread ends.
    fn drop(&mut self) {
        self.shared.lock().stop = true;
        self.shared.changed.notify_all();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Serialise and write atomically (temporary name, then rename).
/// Write `manifest` as the new file `path` (a new build's folder, which nobody reads yet),
/// serialised straight into the file: no whole copy of its JSON (4.5 MB at 10,000 posts)
/// in memory. Returns its length in bytes.
pub fn write_new(path: &std::path::Path, manifest: &Manifest) -> std::io::Result<u64> {
    use std::io::Write;
    let file = std::fs::File::create(path)?;
    let mut w = std::io::BufWriter::with_capacity(64 * 1024, file);
    serde_json::to_writer(&mut w, manifest)?;
    w.flush()?;
    let file = w.into_inner().map_err(|e| e.into_error())?;
    file.metadata().map(|m| m.len())
}

pub fn write_json(path: &std::path::Path, manifest: &Manifest) -> std::io::Result<()> {
    let json = serde_json::to_vec(manifest)?;
    let tmp = path.with_extension("preau-tmp");
    std::fs::write(&tmp, &json)?;
    std::fs::rename(&tmp, path)
}

//! `preau serve`: build, serve the site through the edge core (gate, sign-in, charters),
//! watch content and theme, rebuild incrementally and reload the browser.

use crate::SiteArgs;
use anyhow::Context;
use notify::{RecursiveMode, Watcher};
use preau_edge::client::{ForwardHeader, Network, Proxies};
use preau_edge::native::{self, LiveReload, Native};
use preau_edge::site::ManifestSlot;
use preau_edge::{Edge, EdgeConfig};
use preau_generator::{BuildError, Generator};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(clap::Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub site: SiteArgs,
    /// Dossier des données (base SQLite, clé de session)
    #[arg(long, default_value = "data")]
    pub data: PathBuf,
    /// Adresse d'écoute
    #[arg(long, default_value = "127.0.0.1:8000")]
    pub addr: String,
    /// Données jetables avec un compte de démonstration par rôle
    #[arg(long)]
    pub demo: bool,
    /// Ne pas recharger le navigateur après une reconstruction
    #[arg(long)]
    pub no_reload: bool,
    /// Ne pas surveiller le contenu
    #[arg(long)]
    pub no_watch: bool,
    /// Un proxy HTTPS est devant ce serveur (cookies Secure, HSTS)
    #[arg(long)]
    pub behind_https_proxy: bool,
    /// Adresse ou réseau du proxy (répétable ; par défaut 127.0.0.1 et ::1) : l'adresse
    /// du visiteur n'est lue dans l'en-tête de transfert que pour les connexions venant de lui
    #[arg(
        long = "trusted-proxy",
        value_name = "ADRESSE[/PRÉFIXE]",
        requires = "behind_https_proxy"
    )]
    pub trusted_proxies: Vec<String>,
    /// En-tête écrit par le proxy : x-forwarded-for (nginx, Caddy, HAProxy) ou forwarded (RFC 7239)
    #[arg(
        long,
        value_name = "EN-TÊTE",
        default_value = "x-forwarded-for",
        requires = "behind_https_proxy"
    )]
    pub proxy_header: String,
    /// Taille maximale d'un fichier envoyé (Mo)
    #[arg(long, value_name = "MO")]
    pub upload_max_mb: Option<u64>,
    /// Fichiers envoyés par compte et par jour
    #[arg(long, value_name = "N")]
    pub uploads_per_day: Option<u64>,
    /// Mo envoyés par compte et par jour
    #[arg(long, value_name = "MO")]
    pub upload_mb_per_day: Option<u64>,
    /// Fichiers par envoi
    #[arg(long, value_name = "N")]
    pub uploads_per_request: Option<u64>,
    /// Domaine des adresses des auteurs des commits de l'éditeur en ligne (par défaut celui
    /// de base_url) : identifiant@DOMAINE, jamais l'adresse personnelle
    #[arg(long, value_name = "DOMAINE")]
    pub git_mail_domain: Option<String>,
    /// Fichier du secret partagé avec la forge pour son webhook d'envoi (POST /_preau/depot) ;
    /// sans lui, pas de webhook
    #[arg(long, value_name = "FICHIER")]
    pub webhook_secret_file: Option<PathBuf>,
    /// Récupérer le dépôt distant toutes les N secondes (0 : jamais), au cas où un webhook se perd
    #[arg(long, value_name = "SECONDES", default_value_t = 300)]
    pub fetch_every: u64,
}

/// The proxies whose forwarding header is believed (none unless behind a proxy).
fn proxies(args: &ServeArgs) -> anyhow::Result<Proxies> {
    if !args.behind_https_proxy {
        return Ok(Proxies::default());
    }
    let mut p = Proxies::loopback();
    p.required = true;
    if !args.trusted_proxies.is_empty() {
        p.trusted = args
            .trusted_proxies
            .iter()
            .map(|s| {
                Network::parse(s).with_context(|| {
                    format!("--trusted-proxy « {s} » : attendu une adresse IP ou un réseau (10.0.0.0/8)")
                })
            })
            .collect::<anyhow::Result<_>>()?;
    }
    p.header = match args.proxy_header.to_ascii_lowercase().as_str() {
        "x-forwarded-for" => ForwardHeader::XForwardedFor,
        "forwarded" => ForwardHeader::Forwarded,
        other => anyhow::bail!("--proxy-header « {other} » : x-forwarded-for ou forwarded"),
    };
    Ok(p)
}

pub fn run(mut args: ServeArgs, quiet: bool) -> anyhow::Result<()> {
    let demo_dir = if args.demo {
        Some(tempfile::Builder::new().prefix("preau-demo-").tempdir()?)
    } else {
        None
    };
    // The demo builds and edits a Git copy of the content (`demo::content_repo`), kept up
    // to date with the original while it runs; a content folder that is the top of a Git
    // working tree already is edited in place, as without --demo.
    let mut _mirror = None;
    let mut copied = false;
    let own_repo = args.site.content.join(".git").exists();
    if let Some(dir) = demo_dir.as_ref().filter(|_| !own_repo) {
        match super::demo::content_repo(&args.site.content, dir.path()) {
            Ok(copy) => {
                _mirror = (!args.no_watch)
                    .then(|| super::demo::mirror(&args.site.content, &copy).ok())
                    .flatten();
                args.site.content = copy;
                copied = true;
            }
            Err(e) => eprintln!("Démonstration sans l'éditeur en ligne : {e:#}."),
        }
    }
    let mut generator = super::build::generator(&args.site)?;
    let report = generator.build(&|_, _| {})?;
    // The edge gets each rebuild's manifest in memory (`ManifestSlot`); the file follows.
    generator.defer_manifest_writes()?;
    let manifests = Arc::new(ManifestSlot::default());
    if let Some((n, m)) = generator.manifest() {
        manifests.put(n, m);
    }
    if !quiet {
        eprintln!(
            "Site construit : {} pages en {} ms.",
            report.pages,
            report.duration.as_millis()
        );
    }
    let classes = generator
        .site()
        .map(|s| s.classes.clone())
        .unwrap_or_default();
    let data = demo_dir
        .as_ref()
        .map(|d| d.path().to_path_buf())
        .unwrap_or_else(|| args.data.clone());
    let mut platform = Native::open(&data, &args.site.output).context("ouverture des données")?;
    platform.manifests = Some(manifests.clone());
    if !quiet {
        for m in &platform.db.applied {
            eprintln!("Base de données : migration {m} appliquée.");
        }
    }
    let domain = args.git_mail_domain.clone().unwrap_or_else(|| {
        super::editor::mail_domain(
            generator
                .site()
                .map(|s| s.config.base_url.as_str())
                .unwrap_or(""),
        )
    });
    let generator = Arc::new(Mutex::new(generator));
    let built: super::editor::Built = Arc::default();
    match super::editor::open(
        &args.site.content,
        &domain,
        generator.clone(),
        built.clone(),
        manifests.clone(),
    ) {
        Ok(repo) => {
            if !quiet {
                eprintln!(
                    "Éditeur en ligne : /espace/ecrire/ (commits dans {}, auteurs @{domain}).",
                    repo.root().display()
                );
            }
            platform.git = Some(repo);
        }
        Err(e) => {
            if !quiet {
                eprintln!("Éditeur en ligne désactivé : {e}. Pour l'activer : git init dans le dossier du contenu, puis un premier commit.");
            }
        }
    }
    let secret = super::secret::load_or_create(&data)?;
    let mut config = EdgeConfig::new(secret)
        .with_context(|| format!("clé {}", data.join("secret.key").display()))?;
    config.proxies = proxies(&args)?;
    if let Some(file) = &args.webhook_secret_file {
        config.repo_hook_secret = Some(super::editor::webhook_secret(file)?);
    }
    for (name, value) in [
        ("max_mb", args.upload_max_mb),
        ("files_per_day", args.uploads_per_day),
        ("mb_per_day", args.upload_mb_per_day),
        ("files_per_request", args.uploads_per_request),
    ] {
        if let Some(v) = value {
            config
                .uploads
                .set(name, &v.to_string())
                .map_err(anyhow::Error::msg)?;
        }
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let addr: std::net::SocketAddr = args
        .addr
        .parse()
        .with_context(|| format!("adresse invalide « {} »", args.addr))?;
    if !addr.ip().is_loopback() && !args.behind_https_proxy {
        anyhow::bail!("refus d'écouter sur {addr} en HTTP simple : les mots de passe circuleraient en clair. Placez un proxy HTTPS devant et ajoutez --behind-https-proxy, ou écoutez sur 127.0.0.1.");
    }
    runtime.block_on(async move {
        let edge = Arc::new(Edge::new(platform, config).await.context("chargement du site")?);
        if let Some(dir) = &demo_dir {
            let lines = super::demo::seed(&edge.platform, &classes).await?;
            println!("Données de démonstration dans {} (effacées à l'arrêt).", dir.path().display());
            if edge.platform.git.is_some() {
                println!("Éditeur en ligne : connectez-vous comme enseignant, puis « Écrire un article » (/espace/ecrire/). Les articles sont des commits dans {}{}.", args.site.content.display(), if copied { " (une copie du contenu, effacée à l'arrêt : content/ n'est jamais modifié)" } else { "" });
            }
            println!("Comptes de démonstration (identifiant / mot de passe) :");
            for l in lines {
                println!("  {l}");
            }
        }
        let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| format!("écoute sur {addr}"))?;
        let local = listener.local_addr()?;
        println!("Préau est servi sur http://{local}/ (Ctrl+C pour arrêter)");
        let live = (!args.no_reload && !args.no_watch).then(|| Arc::new(LiveReload::default()));
        if !args.no_watch {
            spawn_watcher(generator, built, manifests, edge.clone(), live.clone(), tokio::runtime::Handle::current(), quiet)?;
        }
        if args.fetch_every > 0 && edge.platform.git.is_some() {
            super::editor::spawn_fetch(edge.clone(), live.clone(), Duration::from_secs(args.fetch_every));
        }
        let purge_edge = edge.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(24 * 3600));
            loop {
                tick.tick().await;
                match purge_edge.purge().await {
                    Ok(n) if n > 0 => eprintln!("Journal d'audit : {n} entrée(s) plus ancienne(s) que la durée de conservation supprimée(s)."),
                    Ok(_) => {}
                    Err(e) => eprintln!("erreur : purge du journal d'audit : {e}"),
                }
            }
        });
        // Stop cleanly on Ctrl+C or SIGTERM, so the demo data folder is really deleted.
        tokio::select! {
            r = native::serve(edge, listener, args.behind_https_proxy, live) => r?,
            _ = shutdown_signal() => eprintln!("Arrêt demandé."),
        }
        drop(demo_dir);
        Ok(())
    })
}

fn spawn_watcher(
    generator: Arc<Mutex<Generator>>,
    built: super::editor::Built,
    manifests: Arc<ManifestSlot>,
    edge: Arc<Edge<Native>>,
    live: Option<Arc<LiveReload>>,
    rt: tokio::runtime::Handle,
    quiet: bool,
) -> anyhow::Result<()> {
    let opts = lock(&generator).options().clone();
    let (tx, rx) = std::sync::mpsc::channel::<notify::Result<notify::Event>>();
    let mut watcher = notify::recommended_watcher(tx)?;
    watcher.watch(&opts.content, RecursiveMode::Recursive)?;
    let theme_dir = lock(&generator)
        .theme()
        .folder_path()
        .map(Path::to_path_buf);
    if let Some(dir) = &theme_dir {
        watcher.watch(dir, RecursiveMode::Recursive)?;
    }
    let content = std::fs::canonicalize(&opts.content).unwrap_or(opts.content.clone());
    std::thread::spawn(move || {
        let _watcher = watcher;
        while let Ok(first) = rx.recv() {
            let events = burst(&rx, first, QUIET, BURST_CAP, saved);
            let mut changed: Vec<PathBuf> = Vec::new();
            let mut theme = false;
            for ev in events.into_iter().flatten() {
                if matches!(ev.kind, notify::EventKind::Access(_)) {
                    continue;
                }
                for p in ev.paths {
                    match relative_to(&p, &content) {
                        Some(rel) if !is_hidden(&rel) => changed.push(rel),
                        Some(_) => {}
                        None => theme = true,
                    }
                }
            }
            changed.sort();
            changed.dedup();
            // The editor rebuilt these itself, as they are now. Asked with the generator
            // held: the editor's rebuild notes its files before letting it go, so a save
            // whose events came while it was rebuilding is not built twice.
            let unchanged = |changed: &mut Vec<PathBuf>| {
                if let Ok(b) = built.lock() {
                    changed.retain(|rel| {
                        let now = std::fs::metadata(content.join(rel))
                            .and_then(|m| m.modified())
                            .ok();
                        now.is_none() || b.get(rel) != now.as_ref()
                    });
                }
            };
            let started = std::time::Instant::now();
            let result = if theme {
                let reloaded = lock(&generator)
                    .theme()
                    .reload()
                    .and_then(|t| Generator::with_theme(opts.clone(), t));
                reloaded.and_then(|mut g| {
                    // The current generator's last manifest is written before the new
                    // folder replaces the old one (a late write would land in it).
                    lock(&generator).flush_manifest();
                    g.build(&|_, _| {})?;
                    g.defer_manifest_writes()?;
                    let mut held = lock(&generator);
                    // The build numbers go on from the previous generator's.
                    g.continue_after(&held);
                    // The previous generator's writer ends here, after its last write,
                    // which may have landed in the new folder: this build's manifest is
                    // written again after it.
                    *held = g;
                    held.write_manifest_soon();
                    Ok(preau_generator::RebuildKind::Full)
                })
            } else {
                let mut g = lock(&generator);
                unchanged(&mut changed);
                if changed.is_empty() {
                    continue;
                }
                g.rebuild(&changed, &|_, _| {})
            };
            match result {
                Ok(kind) => {
                    if let Some((n, m)) = lock(&generator).manifest() {
                        manifests.put(n, m);
                    }
                    let t = std::time::Instant::now();
                    let reloaded = rt.block_on(edge.reload());
                    if std::env::var_os("PREAU_TIMINGS").is_some() {
                        eprintln!("  reload : {:.1} ms", t.elapsed().as_secs_f64() * 1000.0);
                    }
                    if let Err(e) = reloaded {
                        eprintln!("erreur : rechargement du site : {e}");
                    }
                    if let Some(l) = &live {
                        l.generation.fetch_add(1, Ordering::Relaxed);
                    }
                    if !quiet {
                        let how = if kind == preau_generator::RebuildKind::Incremental {
                            "partielle"
                        } else {
                            "complète"
                        };
                        eprintln!(
                            "Reconstruction {how} en {} ms.",
                            started.elapsed().as_millis()
                        );
                    }
                }
                Err(BuildError::Content(list)) => crate::report::content_errors(&list),
                Err(e) => eprintln!("erreur : {e}"),
            }
        }
    });
    Ok(())
}

/// Editors save in several steps (write a temporary file, rename it; or truncate, write,
/// close): a rebuild starts once no event came for this long, or at once after the close
/// or rename that ends a save (`saved`). Measured with `cargo bench --bench edit_served`:
/// the steps of one save come within a millisecond.
const QUIET: Duration = Duration::from_millis(5);
/// A folder copied in, or a tool that keeps writing, still gets a rebuild this soon after
/// its first event (the next events start another one).
const BURST_CAP: Duration = Duration::from_millis(100);

/// Does this event end a save: a file closed after writing, or renamed into place (an
/// editor's temporary file)? Then the rebuild need not wait for the quiet moment.
fn saved(ev: &notify::Result<notify::Event>) -> bool {
    use notify::event::{AccessKind, AccessMode, ModifyKind, RenameMode};
    use notify::EventKind;
    matches!(
        ev.as_ref().map(|e| e.kind),
        Ok(EventKind::Access(AccessKind::Close(AccessMode::Write))
            | EventKind::Modify(ModifyKind::Name(RenameMode::To | RenameMode::Both)))
    )
}

/// `first` and the events that follow it until `quiet` passes without one, or `cap` after
/// the first, or nothing more is waiting right after an event that ends a save (`done`).
/// Another event after that starts another rebuild: nothing is missed, at worst built
/// twice.
fn burst<T>(
    rx: &std::sync::mpsc::Receiver<T>,
    first: T,
    quiet: Duration,
    cap: Duration,
    done: impl Fn(&T) -> bool,
) -> Vec<T> {
    let start = std::time::Instant::now();
    let mut events = vec![first];
    loop {
        let left = cap.saturating_sub(start.elapsed());
        if left.is_zero() {
            break;
        }
        if events.last().is_some_and(&done) {
            match rx.try_recv() {
                Ok(e) => {
                    events.push(e);
                    continue;
                }
                Err(_) => break,
            }
        }
        match rx.recv_timeout(quiet.min(left)) {
            Ok(e) => events.push(e),
            Err(_) => break,
        }
    }
    events
}

/// The generator, even if a thread panicked while holding it (the model is rebuilt from
/// the files at the next change anyway).
fn lock(g: &Mutex<Generator>) -> std::sync::MutexGuard<'_, Generator> {
    match g.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    }
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => return std::future::pending().await,
            };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

fn relative_to(p: &Path, root: &Path) -> Option<PathBuf> {
    let canon = std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    canon
        .strip_prefix(root)
        .ok()
        .map(Path::to_path_buf)
        .or_else(|| p.strip_prefix(root).ok().map(Path::to_path_buf))
}

fn is_hidden(rel: &Path) -> bool {
    rel.iter().any(|c| c.to_string_lossy().starts_with('.'))
        || rel.extension().is_some_and(|e| e == "swp" || e == "tmp")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    #[test]
    fn a_burst_ends_after_a_quiet_moment() {
        let (tx, rx) = std::sync::mpsc::channel();
        let sender = std::thread::spawn(move || {
            for i in 1..4 {
                tx.send(i).unwrap();
                std::thread::sleep(Duration::from_millis(2));
            }
            // Much later than the quiet time: the next burst.
            std::thread::sleep(Duration::from_millis(300));
            let _ = tx.send(99);
        });
        let start = Instant::now();
        let events = burst(
            &rx,
            0,
            Duration::from_millis(40),
            Duration::from_secs(2),
            |_| false,
        );
        assert_eq!(events, vec![0, 1, 2, 3]);
        assert!(
            start.elapsed() < Duration::from_millis(250),
            "no wait for the next burst"
        );
        assert_eq!(rx.recv().unwrap(), 99);
        sender.join().unwrap();
    }

    #[test]
    fn a_burst_ends_at_once_after_a_save_when_nothing_waits() {
        let (tx, rx) = std::sync::mpsc::channel();
        tx.send(1).unwrap();
        tx.send(2).unwrap();
        let start = Instant::now();
        // 2 ends a save: what is already waiting is taken, then no quiet wait.
        let events = burst(
            &rx,
            0,
            Duration::from_secs(5),
            Duration::from_secs(10),
            |e| *e == 2,
        );
        assert_eq!(events, vec![0, 1, 2]);
        assert!(start.elapsed() < Duration::from_secs(1));
        drop(tx);
    }

    #[test]
    fn a_burst_that_never_ends_is_cut() {
        let (tx, rx) = std::sync::mpsc::channel();
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stop2 = stop.clone();
        let sender = std::thread::spawn(move || {
            while !stop2.load(Ordering::Relaxed) {
                if tx.send(1).is_err() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(1));
            }
        });
        let start = Instant::now();
        let events = burst(
            &rx,
            0,
            Duration::from_millis(50),
            Duration::from_millis(60),
            |_| false,
        );
        let took = start.elapsed();
        stop.store(true, Ordering::Relaxed);
        sender.join().unwrap();
        assert!(events.len() > 1);
        assert!(took >= Duration::from_millis(60), "{took:?}");
        assert!(took < Duration::from_millis(1000), "{took:?}");
    }
}

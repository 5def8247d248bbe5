//! `preau cost`: what a year on Cloudflare's Workers paid plan costs for a number of
//! pupils, from the published prices and the Worker requests each page view of the built
//! site really makes. `wrangler.toml` runs the Worker first on every path but the theme's
//! files (default deny), so a page view costs one Worker request per HTML page and image;
//! CSS and icons under `/theme/` are free static assets.

use anyhow::Context;
use preau_edge::access::{Manifest, MANIFEST_PATH};
use std::path::PathBuf;

/// Workers paid plan prices (USD), as published by Cloudflare in 2026.
const BASE_PER_MONTH: f64 = 5.0;
const REQUESTS_INCLUDED: f64 = 10_000_000.0;
const PER_MILLION_REQUESTS: f64 = 0.30;
const CPU_MS_INCLUDED: f64 = 30_000_000.0;
const PER_MILLION_CPU_MS: f64 = 0.02;
const D1_READS_INCLUDED: f64 = 25_000_000_000.0;
const PER_MILLION_D1_READS: f64 = 0.001;
const D1_WRITES_INCLUDED: f64 = 50_000_000.0;
const PER_MILLION_D1_WRITES: f64 = 1.0;
/// R2 (uploads): storage per GB-month, class A (writes) and class B (reads) operations.
const R2_GB_MONTH_INCLUDED: f64 = 10.0;
const PER_R2_GB_MONTH: f64 = 0.015;
const R2_WRITES_INCLUDED: f64 = 1_000_000.0;
const PER_MILLION_R2_WRITES: f64 = 4.5;
const R2_READS_INCLUDED: f64 = 10_000_000.0;
const PER_MILLION_R2_READS: f64 = 0.36;

#[derive(clap::Args)]
pub struct CostArgs {
    /// Nombre d'élèves
    #[arg(long, default_value_t = 1450)]
    pub pupils: u32,
    /// Site construit à mesurer
    #[arg(long, default_value = "public")]
    pub output: PathBuf,
    /// Comptes parents par élève
    #[arg(long, default_value_t = 1.6)]
    pub parents_per_pupil: f64,
    /// Pages privées lues par parent et par semaine d'école
    #[arg(long, default_value_t = 15.0)]
    pub views_per_week: f64,
    /// Pages publiques lues par parent et par semaine d'école
    #[arg(long, default_value_t = 3.0)]
    pub public_views_per_week: f64,
    /// Semaines d'école par an
    #[arg(long, default_value_t = 36.0)]
    pub weeks: f64,
    /// Connexions par parent et par mois
    #[arg(long, default_value_t = 4.0)]
    pub signins_per_month: f64,
    /// Temps CPU d'une requête ordinaire du Worker (ms) ; par défaut, une page de classe
    /// lue par un parent connecté mesurée par `cargo bench --bench worker_cpu` sous wrangler
    /// dev (11,2 ms, tout le processus workerd compris : un majorant)
    #[arg(long, default_value_t = 11.0)]
    pub cpu_ms_per_request: f64,
    /// Temps CPU d'une connexion (hachage Argon2id, ms) ; par défaut la mesure de
    /// `cargo bench --bench worker_cpu` (63 ms sous wrangler dev)
    #[arg(long, default_value_t = 65.0)]
    pub cpu_ms_per_signin: f64,
    /// Photos envoyées par classe et par semaine d'école
    #[arg(long, default_value_t = 10.0)]
    pub photos_per_class_week: f64,
    /// Octets stockés par photo, toutes tailles comprises (mesuré avec `cargo run --release
    /// -p preau-media --example bench` : une photo de 12 mégapixels réduite à 2 000 px
    /// pèse 498 Ko, plus 134 Ko et 23 Ko pour ses versions 960 et 480 px)
    #[arg(long, default_value_t = 655_000.0)]
    pub bytes_per_photo: f64,
    /// Nombre de classes (par défaut : celles du site construit)
    #[arg(long)]
    pub classes: Option<usize>,
    /// Photos vues par parent et par semaine (chaque vue est une requête Worker et une lecture R2)
    #[arg(long, default_value_t = 20.0)]
    pub photo_views_per_week: f64,
    /// Taux de change
    #[arg(long, default_value_t = 0.92)]
    pub eur_per_usd: f64,
}

/// Average Worker requests per page view (the page plus its images outside `/theme/`),
/// for private pages (`private = true`) or public ones.
pub fn requests_per_view(output: &std::path::Path, private: bool) -> anyhow::Result<(f64, usize)> {
    let bytes = std::fs::read(output.join(MANIFEST_PATH)).with_context(|| {
        format!(
            "{} : lancez d'abord preau build",
            output.join(MANIFEST_PATH).display()
        )
    })?;
    let m: Manifest = serde_json::from_slice(&bytes)?;
    let mut pages = 0usize;
    let mut requests = 0usize;
    for (file, access) in &m.files {
        if access.is_public() == private || !file.ends_with(".html") || file.starts_with("_preau/")
        {
            continue;
        }
        let html = std::fs::read_to_string(output.join(file)).unwrap_or_default();
        let dir = file.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
        pages += 1;
        requests += 1;
        for src in html.split("src=").skip(1) {
            let src = src.trim_start_matches(['"', '\'']);
            let end = src.find(['"', '\'', ' ', '>']).unwrap_or(src.len());
            let src = &src[..end];
            let path = match src.strip_prefix('/') {
                Some(abs) => abs.to_string(),
                None => format!("{dir}/{src}"),
            };
            if !path.starts_with("theme/") && m.files.contains_key(&path) {
                requests += 1;
            }
        }
    }
    Ok((
        if pages == 0 {
            1.0
        } else {
            requests as f64 / pages as f64
        },
        pages,
    ))
}

/// Classes of the built site (the manifest lists them).
fn classes(output: &std::path::Path) -> anyhow::Result<usize> {
    let bytes = std::fs::read(output.join(MANIFEST_PATH))?;
    let m: Manifest = serde_json::from_slice(&bytes)?;
    Ok(m.classes.len())
}

pub fn run(args: CostArgs) -> anyhow::Result<()> {
    let (per_view, pages) = requests_per_view(&args.output, true)?;
    let (per_public_view, public_pages) = requests_per_view(&args.output, false)?;
    let parents = f64::from(args.pupils) * args.parents_per_pupil;
    let views = parents * args.views_per_week * args.weeks;
    let public_views = parents * args.public_views_per_week * args.weeks;
    // A sign-in is three Worker requests: the form, the POST, the redirect target.
    let signins = parents * args.signins_per_month * 12.0;
    let requests = views * per_view + public_views * per_public_view + signins * 3.0;
    let cpu_ms = requests * args.cpu_ms_per_request + signins * args.cpu_ms_per_signin;
    // One session lookup per request (about 3 rows read), a few writes per sign-in.
    let d1_reads = requests * 3.0;
    let d1_writes = signins * 4.0 + views * 0.2;
    // Uploads: every photo is 3 writes (2,048, 960 and 480 px); the storage at the end of
    // the year is counted for the whole year (an upper bound: photos arrive through it).
    let classes = match args.classes {
        Some(n) => n,
        None => classes(&args.output)?,
    };
    let photos = classes as f64 * args.photos_per_class_week * args.weeks;
    let r2_gb = photos * args.bytes_per_photo / 1e9;
    let r2_writes = photos * 3.0;
    let r2_reads = parents * args.photo_views_per_week * args.weeks;
    // Each photo shown is one more Worker request (the guard runs on /medias/).
    let requests = requests + r2_reads;
    let cpu_ms = cpu_ms + r2_reads * args.cpu_ms_per_request;
    let d1_reads = d1_reads + r2_reads * 4.0;
    let monthly = |yearly: f64| yearly / 12.0;
    let over = |used: f64, included: f64, per_million: f64| {
        ((monthly(used) - included).max(0.0) / 1e6) * per_million * 12.0
    };
    let usd = BASE_PER_MONTH * 12.0
        + over(requests, REQUESTS_INCLUDED, PER_MILLION_REQUESTS)
        + over(cpu_ms, CPU_MS_INCLUDED, PER_MILLION_CPU_MS)
        + over(d1_reads, D1_READS_INCLUDED, PER_MILLION_D1_READS)
        + over(d1_writes, D1_WRITES_INCLUDED, PER_MILLION_D1_WRITES)
        + (r2_gb - R2_GB_MONTH_INCLUDED).max(0.0) * PER_R2_GB_MONTH * 12.0
        + over(r2_writes, R2_WRITES_INCLUDED, PER_MILLION_R2_WRITES)
        + over(r2_reads, R2_READS_INCLUDED, PER_MILLION_R2_READS);
    let eur = usd * args.eur_per_usd;
    let per_pupil = eur / f64::from(args.pupils.max(1));
    println!(
        "Coût annuel estimé sur Cloudflare Workers (offre payante) pour {} élèves",
        args.pupils
    );
    println!("  mesuré sur le site construit : {per_view:.2} requête(s) Worker par page privée lue ({pages} pages privées),");
    println!("                                 {per_public_view:.2} par page publique lue ({public_pages} pages publiques)");
    println!("  pages privées lues par an    : {views:>14.0}");
    println!("  pages publiques lues par an  : {public_views:>14.0}");
    println!("  connexions par an            : {signins:>14.0}");
    println!(
        "  requêtes Worker par mois     : {:>14.0} (inclus : {REQUESTS_INCLUDED:.0})",
        monthly(requests)
    );
    println!(
        "  temps CPU par mois (ms)      : {:>14.0} (inclus : {CPU_MS_INCLUDED:.0})",
        monthly(cpu_ms)
    );
    println!(
        "    ({} ms par requête, {} ms par connexion : mesurés par cargo bench --bench worker_cpu ; une connexion dépasse les 10 ms de l'offre gratuite)",
        args.cpu_ms_per_request, args.cpu_ms_per_signin
    );
    println!(
        "  lectures D1 par mois         : {:>14.0} (inclus : {D1_READS_INCLUDED:.0})",
        monthly(d1_reads)
    );
    println!(
        "  écritures D1 par mois        : {:>14.0} (inclus : {D1_WRITES_INCLUDED:.0})",
        monthly(d1_writes)
    );
    println!(
        "  photos par an ({classes} classes) : {photos:>10.0}, soit {r2_gb:.1} Go stockés dans R2 (inclus : {R2_GB_MONTH_INCLUDED:.0} Go)"
    );
    println!(
        "  écritures R2 par mois        : {:>14.0} (incluses : {R2_WRITES_INCLUDED:.0})",
        monthly(r2_writes)
    );
    println!(
        "  lectures R2 par mois         : {:>14.0} (incluses : {R2_READS_INCLUDED:.0})",
        monthly(r2_reads)
    );
    println!("  CSS et icônes du thème (/theme/) : gratuits (fichiers statiques)");
    println!("Total : {usd:.2} $ par an, soit {eur:.2} € ; {per_pupil:.3} € par élève et par an");
    println!(
        "ENT commerciaux : 2 à 7 € par élève et par an, soit {:.0} à {:.0} € pour {} élèves",
        2.0 * f64::from(args.pupils),
        7.0 * f64::from(args.pupils),
        args.pupils
    );
    Ok(())
}

//! `preau build` and `preau check`.

use crate::SiteArgs;
use indicatif::{ProgressBar, ProgressStyle};
use preau_generator::{BuildOptions, Generator, Theme};
use std::io::IsTerminal;
use std::path::PathBuf;

pub fn options(args: &SiteArgs) -> BuildOptions {
    BuildOptions {
        content: args.content.clone(),
        theme: args
            .theme
            .clone()
            .unwrap_or_else(|| PathBuf::from(crate::embedded::THEME_OVERLAY)),
        output: args.output.clone(),
    }
}

/// The theme `--theme` names, or the built-in one with the local `themes/default/` over it.
pub fn theme(args: &SiteArgs) -> anyhow::Result<Theme> {
    Ok(match &args.theme {
        Some(folder) => Theme::folder(folder)?,
        None => Theme::builtin(
            crate::embedded::DEFAULT_THEME,
            Some(std::path::Path::new(crate::embedded::THEME_OVERLAY)),
        )?,
    })
}

/// A generator on the site's content and theme.
pub fn generator(args: &SiteArgs) -> anyhow::Result<Generator> {
    Ok(Generator::with_theme(options(args), theme(args)?)?)
}

/// A progress bar on a terminal, nothing otherwise.
pub fn progress_bar(quiet: bool) -> Option<ProgressBar> {
    if quiet || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{spinner} {wide_bar} {pos}/{len} fichiers")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    // Shown only if the build lasts long enough to need it.
    bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    Some(bar)
}

pub fn run(args: &SiteArgs, quiet: bool) -> anyhow::Result<()> {
    let mut generator = generator(args)?;
    let bar = progress_bar(quiet);
    let started = std::time::Instant::now();
    let report = generator.build(&|done, total| {
        if let Some(bar) = &bar {
            if started.elapsed().as_millis() > 300 && bar.is_hidden() {
                bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
            }
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        }
    })?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    if !quiet {
        eprintln!(
            "Site construit dans {} : {} pages, {} fichiers (dont {} avec une copie .br, {} reprises de la construction précédente), {} Ko, en {} ms.",
            args.output.display(),
            report.pages,
            report.files,
            report.compressed,
            report.reused,
            report.bytes / 1024,
            report.duration.as_millis()
        );
    }
    // The process ends here: the site model (every page of the site) is left to the
    // system instead of being freed piece by piece (about 20 ms at 10,000 posts). Nothing
    // is pending in it: the manifest and every file are written.
    std::mem::forget(generator);
    Ok(())
}

pub fn check(args: &SiteArgs, quiet: bool) -> anyhow::Result<()> {
    let mut generator = generator(args)?;
    let pages = generator.check()?;
    if !quiet {
        eprintln!("Contenu vérifié : {pages} pages, aucune erreur.");
    }
    Ok(())
}

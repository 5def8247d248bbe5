//! `preau audit export`: the audit log as CSV (reversibility, and the one-year
//! connection logs the town must keep).

use anyhow::Context;
use preau_edge::native::Native;
use preau_edge::store::SqlValue;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct AuditArgs {
    #[arg(long, default_value = "data", global = true)]
    pub data: PathBuf,
    #[command(subcommand)]
    pub command: AuditCommand,
}

#[derive(clap::Subcommand)]
pub enum AuditCommand {
    /// Exporter le journal en CSV (sur la sortie standard, ou --output)
    Export {
        /// Depuis cette date (AAAA-MM-JJ, UTC)
        #[arg(long)]
        since: Option<String>,
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// Supprimer les entrées plus anciennes que la durée de conservation
    Purge {
        #[arg(long, default_value_t = preau_edge::audit::DEFAULT_RETENTION_DAYS)]
        days: i64,
    },
}

pub fn run(args: AuditArgs, quiet: bool) -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_current_thread().build()?;
    let p = Native::open(&args.data, std::path::Path::new("public"))?;
    rt.block_on(async move {
        match args.command {
            AuditCommand::Export { since, output } => {
                let since = match since {
                    Some(s) => preau_edge::time::parse_date(&s)
                        .with_context(|| format!("date invalide « {s} » : écrivez AAAA-MM-JJ"))?,
                    None => 0,
                };
                let rows = preau_edge::store::audit::since(&p.db, since).await?;
                let sink: Box<dyn std::io::Write> = match &output {
                    Some(path) => Box::new(
                        std::fs::File::create(path)
                            .with_context(|| format!("création de {}", path.display()))?,
                    ),
                    None => Box::new(std::io::stdout()),
                };
                let mut w = csv::Writer::from_writer(sink);
                w.write_record([
                    "id",
                    "horodatage_utc",
                    "acteur",
                    "action",
                    "cible",
                    "resultat",
                    "client",
                ])?;
                for r in &rows {
                    let text = |i: usize| match r.get(i) {
                        Some(SqlValue::Text(s)) => s.clone(),
                        Some(SqlValue::Int(n)) => n.to_string(),
                        _ => String::new(),
                    };
                    let at = r
                        .get(1)
                        .and_then(SqlValue::as_i64)
                        .map(preau_edge::time::rfc3339)
                        .unwrap_or_default();
                    w.write_record([text(0), at, text(2), text(3), text(4), text(5), text(6)])?;
                }
                w.flush()?;
                if !quiet {
                    eprintln!("{} entrée(s) exportée(s).", rows.len());
                }
            }
            AuditCommand::Purge { days } => {
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_secs() as i64)
                    .unwrap_or(0);
                let n = preau_edge::store::audit::purge(&p.db, now, days).await?;
                if !quiet {
                    eprintln!("{n} entrée(s) supprimée(s).");
                }
            }
        }
        Ok(())
    })
}

//! The whole instance in open formats (`preau export`, `preau import-archive`): one CSV file
//! per table of the migrations (UTF-8, a header row, RFC 4180), written from a database file
//! that nobody else writes (a copy made with SQLite's online backup, or a `wrangler d1
//! export` loaded into a throwaway file), and read back into a freshly migrated database.
//!
//! Every table of the schema is either in `TABLES` (with a French description of each of its
//! columns, for `LISEZMOI.txt`) or in `EXCLUDED` with the reason; a test fails when a
//! migration adds a table or a column that is neither, so nothing is silently left behind.
//! Credentials (password hashes, activation code hashes) are columns marked `secret`: they
//! leave only when asked for; on import a missing one is replaced by an unusable value
//! (`!` and random hex: nobody signs in, a new letter is needed).
//!
//! Cells: NULL is an empty cell; integers are decimal; a text that a spreadsheet would take
//! for a formula (first character `=`, `+`, `-`, `@`, tab or carriage return) gets a `'`
//! in front, and so does a text that itself starts with `'`, so that reading removes exactly
//! one leading `'` and gives back the stored text.

use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};
use std::path::Path;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum ArchiveError {
    #[error("{0}")]
    Db(String),
    #[error("{0}")]
    Io(String),
    /// The archive's content is not what it should be (the message says where).
    #[error("{0}")]
    Invalid(String),
}

fn db(path: &Path) -> impl Fn(rusqlite::Error) -> ArchiveError + '_ {
    move |e| ArchiveError::Db(format!("{} : {e}", path.display()))
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> ArchiveError + '_ {
    move |e| ArchiveError::Io(format!("{} : {e}", path.display()))
}

/// One exported table: its file, the order that makes exports deterministic, and what a
/// reader needs to know about it and each column.
pub struct TableSpec {
    pub name: &'static str,
    /// `ORDER BY` of the export: a unique key, so that two exports of the same data are
    /// the same bytes.
    pub order: &'static str,
    pub about: &'static str,
    pub columns: &'static [(&'static str, &'static str)],
    /// Columns that leave only with `--with-secrets`.
    pub secret: &'static [&'static str],
}

impl TableSpec {
    pub fn file(&self) -> String {
        format!("{}.csv", self.name)
    }
}

const TIME: &str = "(secondes depuis le 1er janvier 1970, UTC)";

/// Every table that is exported, in the order they are read back (accounts first).
pub const TABLES: &[TableSpec] = &[
    TableSpec {
        name: "accounts",
        order: "id",
        about: "Les comptes : une ligne par personne (élève, responsable, enseignant, directeur, personnel municipal, partenaire, communication, administrateur).",
        columns: &[
            ("id", "numéro du compte ; les autres fichiers désignent un compte par ce numéro (account_id, author_id, …)"),
            ("login", "identifiant de connexion"),
            ("display_name", "nom affiché"),
            ("role", "rôle : pupil (élève), parent, teacher (enseignant), director, municipal (périscolaire), partner, communication, admin"),
            ("password_hash", "empreinte Argon2id du mot de passe (seulement avec --with-secrets ; « ! » au début : pas encore de mot de passe)"),
            ("password_changed_at", "date du dernier changement de mot de passe"),
            ("disabled", "1 : compte désactivé, 0 : actif"),
            ("created_at", "date de création"),
        ],
        secret: &["password_hash"],
    },
    TableSpec {
        name: "memberships",
        order: "account_id, school, class",
        about: "Les rattachements : à quelle école ou classe chaque compte appartient (les deux colonnes vides : toute la commune).",
        columns: &[
            ("account_id", "numéro du compte (accounts.csv)"),
            ("school", "identifiant de l'école (nom de son dossier dans content/ecoles/), vide : toute la commune"),
            ("class", "identifiant de la classe dans cette école, vide : toute l'école"),
        ],
        secret: &[],
    },
    TableSpec {
        name: "charter_acceptances",
        order: "account_id, audience, version",
        about: "Les acceptations de la charte d'usage : qui a accepté quelle version, quand.",
        columns: &[
            ("account_id", "numéro du compte (accounts.csv)"),
            ("audience", "charte acceptée : parents, eleves ou personnel"),
            ("version", "version de la charte acceptée"),
            ("accepted_at", "date de l'acceptation"),
        ],
        secret: &[],
    },
    TableSpec {
        name: "audit_log",
        order: "id",
        about: "Le journal d'audit : chaque connexion, acceptation, dépôt, commentaire, modération et changement de compte, gardé un an.",
        columns: &[
            ("id", "numéro de l'entrée, dans l'ordre"),
            ("at", "date de l'action"),
            ("actor", "qui a agi (identifiant, ou cli:utilisateur pour la ligne de commande)"),
            ("action", "ce qui a été fait (signin, charter_accept, upload, comment_post, …)"),
            ("target", "sur quoi (page, fichier, compte)"),
            ("outcome", "résultat : success, failure, denied, refused, throttled, …"),
            ("client", "adresse réseau tronquée du visiteur"),
        ],
        secret: &[],
    },
    TableSpec {
        name: "uploads",
        order: "id",
        about: "L'index des photos et documents déposés ; les fichiers eux-mêmes sont dans le dossier medias/.",
        columns: &[
            ("id", "numéro du dépôt"),
            ("scope", "où le fichier a été déposé : ville, une école, ou école/classe"),
            ("hash", "16 chiffres hexadécimaux du SHA-256 du fichier ; le fichier est medias/<hash>.<kind>, ses versions réduites medias/<hash>-<largeur>.<kind>"),
            ("kind", "type du fichier : jpg, png, webp, gif, pdf"),
            ("width", "largeur de l'image en pixels (vide pour un PDF)"),
            ("height", "hauteur de l'image en pixels (vide pour un PDF)"),
            ("bytes", "octets stockés, versions réduites comprises"),
            ("original_name", "nom du fichier sur l'appareil de la personne qui l'a déposé (nettoyé)"),
            ("uploader_id", "numéro du compte qui l'a déposé (accounts.csv)"),
            ("created_at", "date du dépôt"),
        ],
        secret: &[],
    },
    TableSpec {
        name: "upload_log",
        order: "account_id, at, bytes",
        about: "Les dépôts des deux derniers jours, pour le quota quotidien (gardés quand un fichier est supprimé).",
        columns: &[
            ("account_id", "numéro du compte (accounts.csv)"),
            ("at", "date du dépôt"),
            ("bytes", "octets déposés"),
        ],
        secret: &[],
    },
    TableSpec {
        name: "roster_people",
        order: "account_id",
        about: "Les personnes venues de la base élèves ONDE : noms, autorisation photo, classe ONDE ; jamais d'adresse, de téléphone, d'INE ni de date de naissance.",
        columns: &[
            ("account_id", "numéro du compte (accounts.csv)"),
            ("kind", "pupil (élève), guardian (responsable légal) ou teacher (enseignant)"),
            ("person_key", "clé qui reconnaît un élève à l'import suivant (calculée avec la clé roster.key, qui n'est dans l'archive qu'avec --with-secrets)"),
            ("last_name", "nom de naissance"),
            ("usage_name", "nom d'usage (vide si aucun)"),
            ("first_name", "prénom"),
            ("email", "courriel pour les notifications (vide si aucun)"),
            ("photo_allowed", "élèves : 1 si la famille autorise les photos, 0 sinon"),
            ("onde_class", "libellé de la classe dans ONDE lors du dernier import"),
            ("disabled_at", "date à laquelle la personne a quitté la base élèves (compte désactivé)"),
            ("delete_after", "date après laquelle le compte sera supprimé (trois mois après le départ)"),
        ],
        secret: &[],
    },
    TableSpec {
        name: "guardianships",
        order: "guardian_id, pupil_id",
        about: "Les liens entre un responsable légal et chacun de ses enfants.",
        columns: &[
            ("guardian_id", "numéro du compte du responsable (accounts.csv)"),
            ("pupil_id", "numéro du compte de l'élève (accounts.csv)"),
        ],
        secret: &[],
    },
    TableSpec {
        name: "comments",
        order: "id",
        about: "Les commentaires sur les articles des classes, avec leur modération.",
        columns: &[
            ("id", "numéro du commentaire"),
            ("page", "adresse de l'article commenté (/ecoles/…/classes/…/article/)"),
            ("scope", "école/classe de l'article (qui modère)"),
            ("author_id", "numéro du compte de l'auteur (accounts.csv)"),
            ("parent_id", "numéro du commentaire auquel une enseignante ou un enseignant répond (vide sinon)"),
            ("body", "texte du commentaire (un « ' » ajouté devant un texte commençant par = + - @ ou ', voir plus bas)"),
            ("status", "pending (en attente), approved (publié), rejected (refusé)"),
            ("reported", "1 : signalé par un membre, en attente d'une nouvelle décision"),
            ("reason", "motif d'un refus, montré à l'auteur"),
            ("created_at", "date d'écriture"),
            ("updated_at", "date de la dernière modification"),
            ("moderated_by", "numéro du compte qui a modéré (accounts.csv)"),
            ("moderated_at", "date de la modération"),
        ],
        secret: &[],
    },
    TableSpec {
        name: "activation_codes",
        order: "account_id",
        about: "Les lettres d'invitation : pour chaque compte, quand son code d'activation a été créé, quand il expire, s'il a servi.",
        columns: &[
            ("account_id", "numéro du compte (accounts.csv)"),
            ("code_hash", "SHA-256 du code d'activation (seulement avec --with-secrets)"),
            ("created_at", "date d'impression de la lettre"),
            ("expires_at", "date d'expiration du code"),
            ("used_at", "date d'utilisation du code (vide : pas encore utilisé)"),
        ],
        secret: &["code_hash"],
    },
    TableSpec {
        name: "editor_posts",
        order: "path",
        about: "Les articles écrits dans l'éditeur en ligne : auteur, état (brouillon, proposé, publié) ; le texte lui-même est dans le dépôt Git du contenu.",
        columns: &[
            ("path", "chemin du fichier Markdown dans le dossier du contenu"),
            ("place", "blog de l'article (classe:école/classe, ecole:école, periscolaire:école, guides, ville)"),
            ("title", "titre"),
            ("author_id", "numéro du compte de l'auteur (accounts.csv)"),
            ("author_name", "nom de l'auteur au moment de l'écriture"),
            ("state", "draft (brouillon), submitted (proposé à validation), published (publié)"),
            ("version", "empreinte du fichier tel qu'écrit en dernier"),
            ("commit_id", "commit Git qui l'a écrit"),
            ("note", "motif du refus d'une proposition"),
            ("pending_text", "texte pas encore accepté par le dépôt (Cloudflare) : le fichier entier tel qu'il sera envoyé"),
            ("created_at", "date de création"),
            ("updated_at", "date de la dernière modification"),
            ("pending_base", "version (sha) du fichier que ce texte en attente remplace (vide : nouveau fichier)"),
            ("pending_message", "message du commit en attente"),
            ("pending_login", "identifiant de l'auteur du commit en attente"),
            ("pending_name", "nom de l'auteur du commit en attente"),
            ("pending_error", "raison du dernier échec d'envoi (conflict : le fichier a changé entre-temps, l'auteur est prévenu)"),
            ("pending_tries", "nombre d'essais d'envoi"),
        ],
        secret: &[],
    },
];

/// Tables of the schema that are not exported, and why (also written in `LISEZMOI.txt`).
pub const EXCLUDED: &[(&str, &str)] = &[
    (
        "sessions",
        "les sessions ouvertes (jetons de connexion) : elles ne déménagent pas, chacun se reconnecte",
    ),
    (
        "throttle",
        "les compteurs d'échecs de connexion, effacés au bout de quelques minutes",
    ),
    (
        "d1_migrations",
        "la version du schéma : elle est dans manifest.json (schema, migrations)",
    ),
];

/// Tables of SQLite itself or of Cloudflare D1, never ours.
fn internal(name: &str) -> bool {
    name.starts_with("sqlite_") || name.starts_with("_cf_")
}

pub fn spec(name: &str) -> Option<&'static TableSpec> {
    TABLES.iter().find(|t| t.name == name)
}

/// A text cell as written: a `'` in front of what a spreadsheet would run as a formula.
pub fn escape_text(s: &str) -> std::borrow::Cow<'_, str> {
    match s.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r' | b'\'') => format!("'{s}").into(),
        _ => s.into(),
    }
}

/// The stored text of a cell written by `escape_text`.
pub fn unescape_text(s: &str) -> &str {
    s.strip_prefix('\'').unwrap_or(s)
}

/// Columns of `table` in schema order: (name, declared type, NOT NULL).
fn columns(c: &Connection, table: &str) -> rusqlite::Result<Vec<(String, String, bool)>> {
    let mut st = c.prepare(&format!("PRAGMA table_info(\"{table}\")"))?;
    let rows = st.query_map([], |r| {
        Ok((
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?.to_ascii_uppercase(),
            r.get::<_, i64>(3)? != 0,
        ))
    })?;
    rows.collect()
}

/// Tables of a database, ours only, sorted.
pub fn tables_of(c: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut st = c.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")?;
    let names = st
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(names.into_iter().filter(|n| !internal(n)).collect())
}

/// What was written for one table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableFile {
    pub table: String,
    pub file: String,
    pub rows: u64,
    pub columns: Vec<String>,
}

/// Write one CSV per table of `TABLES` from the database file `source` (opened read-only,
/// in one read transaction) into `dir`. A table of the database that is neither exported
/// nor excluded stops the export: this binary does not know it.
pub fn write_tables(
    source: &Path,
    dir: &Path,
    with_secrets: bool,
) -> Result<Vec<TableFile>, ArchiveError> {
    let e = db(source);
    let c = Connection::open_with_flags(source, OpenFlags::SQLITE_OPEN_READ_ONLY).map_err(&e)?;
    c.execute_batch("BEGIN").map_err(&e)?;
    let present = tables_of(&c).map_err(&e)?;
    if let Some(unknown) = present
        .iter()
        .find(|t| spec(t).is_none() && !EXCLUDED.iter().any(|(x, _)| x == t))
    {
        return Err(ArchiveError::Invalid(format!(
            "la table {unknown} de la base n'est pas connue de cette version de Préau : rien n'a été exporté"
        )));
    }
    let mut out = Vec::new();
    for t in TABLES {
        if !present.iter().any(|p| p == t.name) {
            continue;
        }
        let cols: Vec<(String, String, bool)> = columns(&c, t.name)
            .map_err(&e)?
            .into_iter()
            .filter(|(n, _, _)| with_secrets || !t.secret.contains(&n.as_str()))
            .collect();
        let path = dir.join(t.file());
        let file = std::fs::File::create(&path).map_err(io(&path))?;
        let mut w = csv::Writer::from_writer(std::io::BufWriter::with_capacity(1 << 16, file));
        let names: Vec<&str> = cols.iter().map(|(n, _, _)| n.as_str()).collect();
        w.write_record(&names)
            .map_err(|x| ArchiveError::Io(format!("{} : {x}", path.display())))?;
        let list = names
            .iter()
            .map(|n| format!("\"{n}\""))
            .collect::<Vec<_>>()
            .join(", ");
        let mut st = c
            .prepare(&format!(
                "SELECT {list} FROM \"{}\" ORDER BY {}",
                t.name, t.order
            ))
            .map_err(&e)?;
        let mut rows = st.query([]).map_err(&e)?;
        let mut n = 0u64;
        let mut record: Vec<String> = Vec::with_capacity(names.len());
        while let Some(r) = rows.next().map_err(&e)? {
            record.clear();
            for (i, name) in names.iter().enumerate() {
                record.push(match r.get_ref(i).map_err(&e)? {
                    ValueRef::Null => String::new(),
                    ValueRef::Integer(v) => v.to_string(),
                    ValueRef::Real(v) => v.to_string(),
                    ValueRef::Text(b) => escape_text(&String::from_utf8_lossy(b)).into_owned(),
                    ValueRef::Blob(_) => {
                        return Err(ArchiveError::Invalid(format!(
                            "{}.{name} : valeur binaire inattendue",
                            t.name
                        )))
                    }
                });
            }
            w.write_record(&record)
                .map_err(|x| ArchiveError::Io(format!("{} : {x}", path.display())))?;
            n += 1;
        }
        let inner = w
            .into_inner()
            .map_err(|x| ArchiveError::Io(format!("{} : {x}", path.display())))?;
        let file = inner
            .into_inner()
            .map_err(|x| ArchiveError::Io(format!("{} : {x}", path.display())))?;
        file.sync_all().map_err(io(&path))?;
        out.push(TableFile {
            table: t.name.to_string(),
            file: t.file(),
            rows: n,
            columns: names.iter().map(|s| s.to_string()).collect(),
        });
    }
    Ok(out)
}

/// The blob keys the uploads of `source` need (each file and its smaller versions), with
/// the name of the file in the archive (`medias/<clé>.<ext>`), sorted by key.
pub fn media_files(source: &Path) -> Result<Vec<(String, String)>, ArchiveError> {
    let e = db(source);
    let c = Connection::open_with_flags(source, OpenFlags::SQLITE_OPEN_READ_ONLY).map_err(&e)?;
    let mut st = c
        .prepare("SELECT hash, min(kind), max(coalesce(width, 0)) FROM uploads GROUP BY hash ORDER BY hash")
        .map_err(&e)?;
    let rows = st
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })
        .map_err(&e)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(&e)?;
    let mut out = Vec::new();
    for (hash, kind, width) in rows {
        if !valid_key(&hash) || preau_contract::media::MediaKind::from_ext(&kind).is_none() {
            return Err(ArchiveError::Invalid(format!(
                "dépôt au nom inattendu dans la base : {hash}.{kind}"
            )));
        }
        out.push((hash.clone(), format!("medias/{hash}.{kind}")));
        for v in preau_contract::media::VARIANT_WIDTHS {
            if width > i64::from(*v) {
                let key = format!("{hash}-{v}");
                out.push((key.clone(), format!("medias/{key}.{kind}")));
            }
        }
    }
    out.sort();
    Ok(out)
}

/// A blob key as the core makes them: hex digits, then optionally `-` and a width.
pub fn valid_key(key: &str) -> bool {
    let (hash, width) = match key.split_once('-') {
        Some((h, w)) => (h, Some(w)),
        None => (key, None),
    };
    hash.len() >= 3
        && hash.len() <= 64
        && hash.bytes().all(|b| b.is_ascii_hexdigit())
        && width
            .is_none_or(|w| !w.is_empty() && w.len() <= 5 && w.bytes().all(|b| b.is_ascii_digit()))
}

/// The blob key of an archive file `medias/<clé>.<ext>`, if it is one.
pub fn media_key(path: &str) -> Option<&str> {
    let name = path.strip_prefix("medias/")?;
    let (key, ext) = name.rsplit_once('.')?;
    (valid_key(key) && preau_contract::media::MediaKind::from_ext(ext).is_some()).then_some(key)
}

/// Read the CSV files of `tables` from `dir` into the database `target`, which must have
/// been migrated and hold no rows. One transaction; foreign keys are checked once at the
/// end (rows reference each other in every order), and a missing secret column gets an
/// unusable value from `filler`. Returns the rows read per table.
pub fn read_tables(
    dir: &Path,
    tables: &[TableFile],
    target: &Path,
    filler: &mut dyn FnMut() -> String,
) -> Result<Vec<(String, u64)>, ArchiveError> {
    let e = db(target);
    let mut c = Connection::open(target).map_err(&e)?;
    c.execute_batch("PRAGMA foreign_keys = OFF; PRAGMA journal_mode = DELETE;")
        .map_err(&e)?;
    let tx = c.transaction().map_err(&e)?;
    let mut counts = Vec::new();
    // In the order of TABLES, whatever the manifest's order.
    for t in TABLES {
        let Some(tf) = tables.iter().find(|f| f.table == t.name) else {
            continue;
        };
        let schema = columns(&tx, t.name).map_err(&e)?;
        let path = dir.join(&tf.file);
        let file = std::fs::File::open(&path).map_err(io(&path))?;
        let mut r = csv::ReaderBuilder::new()
            .has_headers(true)
            .from_reader(std::io::BufReader::with_capacity(1 << 16, file));
        let bad = |what: String| ArchiveError::Invalid(format!("{} : {what}", tf.file));
        let header: Vec<String> = r
            .headers()
            .map_err(|x| bad(format!("en-tête illisible ({x})")))?
            .iter()
            .map(str::to_string)
            .collect();
        if header != tf.columns {
            return Err(bad(
                "les colonnes ne sont pas celles du manifeste (fichier modifié ?)".into(),
            ));
        }
        let mut kinds = Vec::new();
        for h in &header {
            let Some((_, ty, not_null)) = schema.iter().find(|(n, _, _)| n == h) else {
                return Err(bad(format!(
                    "colonne {h} inconnue de cette version de Préau (archive plus récente ?)"
                )));
            };
            kinds.push((ty.contains("INT"), *not_null));
        }
        // Secret columns the archive does not hold, NOT NULL: an unusable value each.
        let fill: Vec<&str> = t
            .secret
            .iter()
            .copied()
            .filter(|s| !header.iter().any(|h| h == s))
            .filter(|s| schema.iter().any(|(n, _, nn)| n == s && *nn))
            .collect();
        let names: Vec<String> = header
            .iter()
            .map(String::as_str)
            .chain(fill.iter().copied())
            .map(|n| format!("\"{n}\""))
            .collect();
        let marks: Vec<String> = (1..=names.len()).map(|i| format!("?{i}")).collect();
        let sql = format!(
            "INSERT INTO \"{}\" ({}) VALUES ({})",
            t.name,
            names.join(", "),
            marks.join(", ")
        );
        let mut st = tx.prepare(&sql).map_err(&e)?;
        let mut n = 0u64;
        let mut record = csv::StringRecord::new();
        loop {
            match r.read_record(&mut record) {
                Ok(false) => break,
                Ok(true) => {}
                Err(x) => return Err(bad(format!("ligne {} illisible ({x})", n + 2))),
            }
            let line = n + 2;
            if record.len() != header.len() {
                return Err(bad(format!("ligne {line} : nombre de cellules inattendu")));
            }
            let mut values: Vec<rusqlite::types::Value> = Vec::with_capacity(names.len());
            for (i, cell) in record.iter().enumerate() {
                let (int, not_null) = kinds[i];
                values.push(if cell.is_empty() && (int || !not_null) {
                    if not_null {
                        return Err(bad(format!(
                            "ligne {line}, colonne {} : valeur obligatoire manquante",
                            header[i]
                        )));
                    }
                    rusqlite::types::Value::Null
                } else if int {
                    rusqlite::types::Value::Integer(cell.parse().map_err(|_| {
                        bad(format!(
                            "ligne {line}, colonne {} : nombre entier attendu",
                            header[i]
                        ))
                    })?)
                } else {
                    rusqlite::types::Value::Text(unescape_text(cell).to_string())
                });
            }
            for _ in &fill {
                values.push(rusqlite::types::Value::Text(filler()));
            }
            st.execute(rusqlite::params_from_iter(values))
                .map_err(|x| bad(format!("ligne {line} refusée par la base ({x})")))?;
            n += 1;
        }
        if n != tf.rows {
            return Err(bad(format!(
                "{n} lignes au lieu des {} du manifeste (fichier tronqué ?)",
                tf.rows
            )));
        }
        counts.push((t.name.to_string(), n));
    }
    {
        let mut st = tx.prepare("PRAGMA foreign_key_check").map_err(&e)?;
        let mut rows = st.query([]).map_err(&e)?;
        if let Some(r) = rows.next().map_err(&e)? {
            let table: String = r.get(0).unwrap_or_default();
            let parent: String = r.get(2).unwrap_or_default();
            return Err(ArchiveError::Invalid(format!(
                "{table}.csv désigne une ligne de {parent}.csv qui n'existe pas (archive incohérente)"
            )));
        }
    }
    tx.commit().map_err(&e)?;
    Ok(counts)
}

/// One SQL literal.
fn literal(v: ValueRef) -> String {
    match v {
        ValueRef::Null => "NULL".into(),
        ValueRef::Integer(i) => i.to_string(),
        ValueRef::Real(f) => f.to_string(),
        ValueRef::Text(t) => format!("'{}'", String::from_utf8_lossy(t).replace('\'', "''")),
        ValueRef::Blob(b) => format!(
            "X'{}'",
            b.iter().map(|x| format!("{x:02X}")).collect::<String>()
        ),
    }
}

/// The rows of the exported tables of `source` as INSERT statements (every column, secret
/// ones included: the caller filled them), accounts first; for `wrangler d1 execute`.
pub fn insert_script(source: &Path, out: &mut dyn std::io::Write) -> Result<u64, ArchiveError> {
    let e = db(source);
    let w = |x: std::io::Error| ArchiveError::Io(x.to_string());
    let c = Connection::open_with_flags(source, OpenFlags::SQLITE_OPEN_READ_ONLY).map_err(&e)?;
    let mut n = 0;
    for t in TABLES {
        let cols = columns(&c, t.name).map_err(&e)?;
        if cols.is_empty() {
            continue;
        }
        let list = cols
            .iter()
            .map(|(c, _, _)| format!("\"{c}\""))
            .collect::<Vec<_>>()
            .join(", ");
        let mut st = c
            .prepare(&format!(
                "SELECT {list} FROM \"{}\" ORDER BY {}",
                t.name, t.order
            ))
            .map_err(&e)?;
        let mut rows = st.query([]).map_err(&e)?;
        while let Some(r) = rows.next().map_err(&e)? {
            let values = (0..cols.len())
                .map(|i| r.get_ref(i).map(literal))
                .collect::<Result<Vec<_>, _>>()
                .map_err(&e)?;
            writeln!(
                out,
                "INSERT INTO \"{}\" ({list}) VALUES ({});",
                t.name,
                values.join(", ")
            )
            .map_err(w)?;
            n += 1;
        }
    }
    Ok(n)
}

/// `LISEZMOI.txt`: every file and every column, in French. The same text for the same
/// schema and options, so that two exports compare byte for byte.
pub fn readme(with_secrets: bool, has_mapping: bool, has_roster_key: bool) -> String {
    let mut s = String::new();
    s.push_str("EXPORT COMPLET D'UNE INSTANCE PRÉAU\n");
    s.push_str("===================================\n\n");
    s.push_str("Ce dossier contient toutes les données de l'instance dans des formats ouverts :\n");
    s.push_str("les comptes, leurs rattachements, les liens familiaux et autorisations photo,\n");
    s.push_str(
        "les acceptations de la charte, les commentaires, l'index des photos et documents\n",
    );
    s.push_str("et les fichiers eux-mêmes, les articles de l'éditeur en ligne, les lettres\n");
    s.push_str(
        "d'invitation et le journal d'audit. Le contenu du site (articles, pages, guides)\n",
    );
    s.push_str("est dans le dépôt Git du contenu, pas ici.\n\n");
    s.push_str("Pour le remettre dans une instance vide :\n");
    s.push_str("    preau import-archive CE_DOSSIER --data DOSSIER_DES_DONNEES\n\n");
    if with_secrets {
        s.push_str(
            "ATTENTION : cet export contient les empreintes des mots de passe et des codes\n",
        );
        s.push_str(
            "d'activation, et la clé de l'annuaire (roster.key). Gardez-le comme un secret\n",
        );
        s.push_str(
            "(chiffré, accès restreint) et détruisez-le après usage. Restauré, chacun garde\n",
        );
        s.push_str("son mot de passe.\n\n");
    } else {
        s.push_str(
            "Cet export ne contient ni mot de passe, ni empreinte de mot de passe, ni code\n",
        );
        s.push_str(
            "d'activation, ni jeton de session, ni clé. Une instance restaurée à partir de\n",
        );
        s.push_str("lui ne permet à personne de se connecter : imprimez de nouvelles lettres\n");
        s.push_str(
            "d'invitation pour tous (preau roster letters --all ; un compte créé à la main :\n",
        );
        s.push_str(
            "preau accounts reset-password). Sans la clé de l'annuaire, le prochain import\n",
        );
        s.push_str(
            "ONDE ne reconnaîtra pas les élèves déjà importés. Pour tout garder (changement\n",
        );
        s.push_str("d'hébergement), exportez avec --with-secrets.\n\n");
    }
    s.push_str("FORMAT DES FICHIERS CSV\n-----------------------\n\n");
    s.push_str("UTF-8, séparateur virgule, guillemets doubles autour des cellules qui en ont\n");
    s.push_str(
        "besoin (RFC 4180), une ligne d'en-tête avec les noms des colonnes. Une cellule vide\n",
    );
    s.push_str("est une valeur absente (un texte vide dans une colonne toujours remplie, comme\n");
    s.push_str(&format!(
        "usage_name). Les dates sont des nombres entiers {TIME}.\n"
    ));
    s.push_str(
        "Un texte qui commence par = + - @ une tabulation ou ' est écrit avec un ' devant,\n",
    );
    s.push_str("pour qu'un tableur ne l'exécute pas comme une formule ; l'import retire ce ' et\n");
    s.push_str(
        "retrouve le texte exact. Les lignes sont dans un ordre fixe (indiqué pour chaque\n",
    );
    s.push_str("fichier) : deux exports des mêmes données sont identiques.\n\n");
    s.push_str("LES FICHIERS\n------------\n\n");
    s.push_str("manifest.json\n    Le format et sa version, la version du schéma de la base (migrations), la\n    date de l'export, le nombre de lignes de chaque fichier CSV, et la taille et\n    l'empreinte SHA-256 de chaque fichier : l'import vérifie tout avant d'écrire.\n\n");
    s.push_str("LISEZMOI.txt\n    Ce fichier.\n\n");
    for t in TABLES {
        s.push_str(&format!(
            "{}\n    {}\n    Ordre des lignes : {}.\n",
            t.file(),
            t.about,
            t.order
        ));
        for (c, about) in t.columns {
            if !with_secrets && t.secret.contains(c) {
                continue;
            }
            s.push_str(&format!("    - {c} : {about}\n"));
        }
        s.push('\n');
    }
    s.push_str("medias/\n    Les photos et documents déposés, un fichier par contenu : <hash>.<kind>\n    (voir uploads.csv), et les versions réduites des images, <hash>-<largeur>.<kind>.\n\n");
    if has_mapping {
        s.push_str("classes-onde.toml\n    La correspondance entre les classes d'ONDE et celles du site (preau roster\n    import --mapping).\n\n");
    }
    if has_roster_key {
        s.push_str("roster.key\n    La clé qui calcule person_key (roster_people.csv) : avec elle, le prochain\n    import ONDE reconnaît les élèves.\n\n");
    }
    s.push_str("NON EXPORTÉ\n-----------\n\n");
    for (t, why) in EXCLUDED {
        s.push_str(&format!("{t} : {why}.\n"));
    }
    s.push_str("La clé secrète du serveur (secret.key) : une nouvelle est créée au démarrage.\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn migrated() -> Connection {
        let c = Connection::open_in_memory().expect("memory");
        c.execute_batch("CREATE TABLE d1_migrations (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE, applied_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP)").expect("d1");
        for (_, sql) in super::super::MIGRATIONS {
            c.execute_batch(sql).expect("migration");
        }
        c
    }

    /// A migration that adds a table or a column must say whether it is exported (and
    /// describe it for LISEZMOI.txt) or why not.
    #[test]
    fn every_table_and_column_of_the_migrations_is_exported_or_excluded() {
        let c = migrated();
        let tables = tables_of(&c).expect("tables");
        for t in &tables {
            if EXCLUDED.iter().any(|(x, _)| x == t) {
                assert!(spec(t).is_none(), "{t} both exported and excluded");
                continue;
            }
            let Some(s) = spec(t) else {
                panic!("table {t} of the migrations is neither in export::TABLES nor in export::EXCLUDED (with its reason)");
            };
            let cols: Vec<String> = columns(&c, t)
                .expect("columns")
                .into_iter()
                .map(|c| c.0)
                .collect();
            let described: Vec<String> = s.columns.iter().map(|c| c.0.to_string()).collect();
            assert_eq!(
                cols, described,
                "columns of {t}: describe each one (in schema order) in export::TABLES"
            );
            for secret in s.secret {
                assert!(cols.iter().any(|c| c == secret), "{t}.{secret}");
            }
        }
        for s in TABLES {
            assert!(
                tables.iter().any(|t| t == s.name),
                "{} no longer exists",
                s.name
            );
        }
        for (x, _) in EXCLUDED {
            assert!(tables.iter().any(|t| t == x), "{x} no longer exists");
        }
    }

    #[test]
    fn formulas_are_defused_and_come_back_unchanged() {
        for s in [
            "=1+1",
            "+33 6",
            "-2",
            "@SUM(A1)",
            "\tx",
            "\rx",
            "'déjà",
            "''",
            "normal",
            "",
            "=HYPERLINK(\"http://x\")",
        ] {
            let e = escape_text(s);
            assert!(
                !matches!(
                    e.as_bytes().first(),
                    Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
                ),
                "{s:?} → {e:?}"
            );
            assert_eq!(unescape_text(&e), s);
        }
        assert_eq!(escape_text("bonjour"), "bonjour");
    }

    #[test]
    fn media_names_are_checked() {
        assert_eq!(
            media_key("medias/0123456789abcdef.jpg"),
            Some("0123456789abcdef")
        );
        assert_eq!(
            media_key("medias/0123456789abcdef-480.webp"),
            Some("0123456789abcdef-480")
        );
        for bad in [
            "medias/../x.jpg",
            "medias/0123.exe",
            "medias/01/0123.jpg",
            "medias/zz12.jpg",
            "medias/0123-.jpg",
            "medias/0123-4a.jpg",
            "x/0123.jpg",
        ] {
            assert_eq!(media_key(bad), None, "{bad}");
        }
    }

    #[test]
    fn readme_names_every_exported_file() {
        let text = readme(false, false, false);
        for t in TABLES {
            assert!(text.contains(&t.file()), "{}", t.name);
        }
        assert!(!text.contains("- password_hash"));
        assert!(readme(true, false, true).contains("- password_hash"));
        assert!(text.contains("nouvelles lettres"));
    }
}

//! The paths the edge answers itself. Templates link to them, robots.txt keeps crawlers
//! off them, and the Worker's `run_worker_first` list must cover them: all read them here.

pub const SIGNIN: &str = "/connexion/";
pub const SIGNOUT: &str = "/deconnexion/";
pub const SIGNOUT_ALL: &str = "/deconnexion/partout/";
pub const ACCEPT: &str = "/charte/accepter/";
pub const SPACE: &str = "/espace/";
pub const PASSWORD: &str = "/espace/mot-de-passe/";
pub const MEDIA_UPLOAD: &str = "/espace/medias/";
pub const MEDIA_DELETE: &str = "/espace/medias/supprimer/";
pub const COMMENT: &str = "/commentaires/";
pub const COMMENT_EDIT: &str = "/commentaires/modifier/";
pub const COMMENT_DELETE: &str = "/commentaires/supprimer/";
pub const COMMENT_REPORT: &str = "/commentaires/signaler/";
pub const COMMENT_REPLY: &str = "/commentaires/repondre/";
pub const MODERATION: &str = "/espace/moderation/";
/// For a class's teachers and the school's director: the pupils without photo permission.
pub const CLASS_LIST: &str = "/espace/classe/";
/// Everything stored about oneself (RGPD right of access), as a page and as JSON.
pub const MY_DATA: &str = "/espace/mes-donnees/";
pub const MY_DATA_JSON: &str = "/espace/mes-donnees/donnees.json";
/// For monitoring: answers `ok` and nothing else (see the edge's `features/health`).
pub const HEALTH: &str = "/_preau/sante";
/// The forge's push webhook (signed with the secret shared with the forge).
pub const REPO_HOOK: &str = "/_preau/depot";
/// The archive route of `preau export --from-worker` and `import-archive --to-worker`: the
/// listing of the stored uploads here, one object at `ARCHIVE_OBJECTS/<clé>` (a Worker
/// secret token only; absent without it).
pub const ARCHIVE_OBJECTS: &str = "/_preau/archive/objets";
/// The online editor: the list of one's posts, the editor, the validation of proposals.
pub const WRITE: &str = "/espace/ecrire/";
pub const WRITE_POST: &str = "/espace/ecrire/article/";
pub const WRITE_REVIEW: &str = "/espace/ecrire/valider/";
/// Activating an account with the code of its invitation letter (`?code=` from the QR code).
pub const ACTIVATE: &str = "/activer/";
/// Uploaded files, served by the edge from outside the site (see `media`).
pub const MEDIA_FILES: &str = crate::media::PREFIX;

/// Every path of the edge's own pages.
pub const EDGE_ROUTES: &[&str] = &[
    SIGNIN,
    SIGNOUT,
    SIGNOUT_ALL,
    ACCEPT,
    SPACE,
    PASSWORD,
    MEDIA_UPLOAD,
    MEDIA_DELETE,
    COMMENT,
    COMMENT_EDIT,
    COMMENT_DELETE,
    COMMENT_REPORT,
    COMMENT_REPLY,
    MODERATION,
    CLASS_LIST,
    MY_DATA,
    MY_DATA_JSON,
    HEALTH,
    REPO_HOOK,
    ARCHIVE_OBJECTS,
    WRITE,
    WRITE_POST,
    WRITE_REVIEW,
    ACTIVATE,
    MEDIA_FILES,
];

/// Where the edge's pages live, as (name, path) for templates: `{{ routes.signin }}`.
pub const NAMED: &[(&str, &str)] = &[
    ("signin", SIGNIN),
    ("signout", SIGNOUT),
    ("signout_all", SIGNOUT_ALL),
    ("accept", ACCEPT),
    ("space", SPACE),
    ("password", PASSWORD),
    ("media_upload", MEDIA_UPLOAD),
    ("media_delete", MEDIA_DELETE),
    ("comment", COMMENT),
    ("moderation", MODERATION),
    ("class_list", CLASS_LIST),
    ("my_data", MY_DATA),
    ("my_data_json", MY_DATA_JSON),
    ("write", WRITE),
    ("write_post", WRITE_POST),
    ("activate", ACTIVATE),
];

/// Folders crawlers are asked to leave alone (robots.txt): the edge's pages and the
/// private sections.
pub fn robots_disallow() -> Vec<&'static str> {
    let mut v = vec!["/ecoles/*/classes/", "/ecoles/*/periscolaire/"];
    for r in EDGE_ROUTES {
        // `/espace/mot-de-passe/` is under `/espace/` already.
        if !EDGE_ROUTES
            .iter()
            .any(|other| other != r && r.starts_with(other))
        {
            v.push(r);
        }
    }
    v
}

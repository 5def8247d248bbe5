//! Every route of the edge, with the methods it answers and the largest request body it
//! takes. The adapters ask here before reading a body; the core dispatches on `Route`.

use crate::uploads::UploadConfig;
use http::Method;
use preau_contract::routes as paths;

/// Largest body of an ordinary form.
pub const FORM_LIMIT: usize = 64 * 1024;
/// Largest forge webhook body (GitHub caps its payloads at 25 MB but a push of a few
/// commits is a few KB; a larger one is refused and the periodic fetch takes it instead).
pub const HOOK_LIMIT: usize = 2 * 1024 * 1024;

/// Largest object the archive route takes: uploads are checked against smaller limits when
/// they are made (10 MB per file by default), so an archive of this instance fits.
pub const ARCHIVE_OBJECT_LIMIT: usize = 32 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    Signin,
    Signout,
    SignoutAll,
    Accept,
    Space,
    Password,
    /// The upload form and its gallery.
    MediaUpload,
    MediaDelete,
    Comment,
    CommentEdit,
    CommentDelete,
    CommentReport,
    CommentReply,
    /// The moderation queue and its decisions.
    Moderation,
    /// The pupils of one's classes without photo permission.
    ClassList,
    /// Mes données: the page and the JSON download.
    MyData,
    MyDataJson,
    /// `ok` for monitoring.
    Health,
    /// The forge's push webhook.
    RepoHook,
    /// The archive route (a bearer token, never a session): the listing of stored uploads,
    /// and one object read or written.
    ArchiveList,
    ArchiveObject,
    /// The online editor: one's posts, the editor, the validation of proposals.
    Write,
    WritePost,
    WriteReview,
    /// Activating an account with the code of its invitation letter.
    Activate,
    /// An uploaded file (`/medias/…`), served from outside the site.
    MediaFile,
    /// Any other path: a file of the built site, gated by the manifest.
    File,
}

impl Route {
    pub const ALL: &'static [Route] = &[
        Route::Signin,
        Route::Signout,
        Route::SignoutAll,
        Route::Accept,
        Route::Space,
        Route::Password,
        Route::MediaUpload,
        Route::MediaDelete,
        Route::Comment,
        Route::CommentEdit,
        Route::CommentDelete,
        Route::CommentReport,
        Route::CommentReply,
        Route::Moderation,
        Route::ClassList,
        Route::MyData,
        Route::MyDataJson,
        Route::Health,
        Route::RepoHook,
        Route::ArchiveList,
        Route::ArchiveObject,
        Route::Write,
        Route::WritePost,
        Route::WriteReview,
        Route::Activate,
        Route::MediaFile,
        Route::File,
    ];

    /// The route of a canonical path (from `paths::normalise`).
    pub fn of(path: &str) -> Route {
        match path {
            paths::SIGNIN => Route::Signin,
            paths::SIGNOUT => Route::Signout,
            paths::SIGNOUT_ALL => Route::SignoutAll,
            paths::ACCEPT => Route::Accept,
            paths::SPACE => Route::Space,
            paths::PASSWORD => Route::Password,
            paths::MEDIA_UPLOAD => Route::MediaUpload,
            paths::MEDIA_DELETE => Route::MediaDelete,
            paths::COMMENT => Route::Comment,
            paths::COMMENT_EDIT => Route::CommentEdit,
            paths::COMMENT_DELETE => Route::CommentDelete,
            paths::COMMENT_REPORT => Route::CommentReport,
            paths::COMMENT_REPLY => Route::CommentReply,
            paths::MODERATION => Route::Moderation,
            paths::CLASS_LIST => Route::ClassList,
            paths::MY_DATA => Route::MyData,
            paths::MY_DATA_JSON => Route::MyDataJson,
            paths::HEALTH => Route::Health,
            paths::REPO_HOOK => Route::RepoHook,
            paths::ARCHIVE_OBJECTS => Route::ArchiveList,
            p if p
                .strip_prefix(paths::ARCHIVE_OBJECTS)
                .is_some_and(|k| k.starts_with('/')) =>
            {
                Route::ArchiveObject
            }
            paths::WRITE => Route::Write,
            paths::WRITE_POST => Route::WritePost,
            paths::WRITE_REVIEW => Route::WriteReview,
            paths::ACTIVATE => Route::Activate,
            p if p.starts_with(paths::MEDIA_FILES) => Route::MediaFile,
            _ => Route::File,
        }
    }

    /// Name for logs.
    pub fn name(self) -> &'static str {
        match self {
            Route::Signin => "connexion",
            Route::Signout => "deconnexion",
            Route::SignoutAll => "deconnexion-partout",
            Route::Accept => "charte",
            Route::Space => "espace",
            Route::Password => "mot-de-passe",
            Route::MediaUpload => "medias",
            Route::MediaDelete => "medias-suppression",
            Route::Comment => "commentaire",
            Route::CommentEdit => "commentaire-modification",
            Route::CommentDelete => "commentaire-suppression",
            Route::CommentReport => "commentaire-signalement",
            Route::CommentReply => "commentaire-reponse",
            Route::Moderation => "moderation",
            Route::ClassList => "classe",
            Route::MyData => "mes-donnees",
            Route::MyDataJson => "mes-donnees-json",
            Route::Health => "sante",
            Route::RepoHook => "depot",
            Route::ArchiveList => "archive-liste",
            Route::ArchiveObject => "archive-objet",
            Route::Write => "ecrire",
            Route::WritePost => "ecrire-article",
            Route::WriteReview => "ecrire-validation",
            Route::Activate => "activer",
            Route::MediaFile => "media",
            Route::File => "fichier",
        }
    }

    pub fn methods(self) -> &'static [Method] {
        const READ: &[Method] = &[Method::GET, Method::HEAD];
        const FORM: &[Method] = &[Method::GET, Method::HEAD, Method::POST];
        const POST: &[Method] = &[Method::POST];
        const OBJECT: &[Method] = &[Method::GET, Method::HEAD, Method::PUT];
        match self {
            Route::ArchiveObject => OBJECT,
            Route::Signin
            | Route::Accept
            | Route::Password
            | Route::MediaUpload
            | Route::Moderation
            | Route::WritePost
            | Route::Activate => FORM,
            Route::Signout
            | Route::SignoutAll
            | Route::MediaDelete
            | Route::Comment
            | Route::CommentEdit
            | Route::CommentDelete
            | Route::CommentReport
            | Route::CommentReply
            | Route::WriteReview
            | Route::RepoHook => POST,
            Route::Space
            | Route::ClassList
            | Route::MyData
            | Route::MyDataJson
            | Route::Health
            | Route::ArchiveList
            | Route::Write
            | Route::File
            | Route::MediaFile => READ,
        }
    }

    /// The `Allow` header of a 405.
    pub fn allow(self) -> String {
        self.methods()
            .iter()
            .map(Method::as_str)
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Largest request body, in bytes: a form, or for the upload form the configured size
    /// of one request's files; the editor's form carries one photo and a text of up to
    /// 50,000 characters (not encoded in `multipart/form-data`).
    pub fn body_limit(self, uploads: &UploadConfig) -> usize {
        match self {
            Route::MediaUpload => uploads.request_bytes,
            // A push event lists its commits: larger than a form.
            Route::RepoHook => HOOK_LIMIT,
            Route::WritePost => uploads.media.max_bytes.saturating_add(4 * FORM_LIMIT),
            // One stored object: never larger than one upload request's files.
            Route::ArchiveObject => uploads.request_bytes.max(ARCHIVE_OBJECT_LIMIT),
            _ => FORM_LIMIT,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_edge_path_has_its_route() {
        for p in paths::EDGE_ROUTES {
            assert_ne!(Route::of(p), Route::File, "{p}");
        }
        assert_eq!(Route::of("/espace"), Route::File);
        assert_eq!(Route::of("/medias/ville/x.pdf"), Route::MediaFile);
        let c = UploadConfig::default();
        assert_eq!(Route::Signin.body_limit(&c), FORM_LIMIT);
        assert!(Route::MediaUpload.body_limit(&c) > 10 << 20);
        assert!(Route::WritePost.body_limit(&c) > c.media.max_bytes + 200_000);
        assert_eq!(Route::File.allow(), "GET, HEAD");
        assert_eq!(Route::Signout.allow(), "POST");
        assert_eq!(
            Route::of("/_preau/archive/objets/0123456789abcdef"),
            Route::ArchiveObject
        );
        assert_eq!(Route::of("/_preau/archive/objetsx"), Route::File);
        assert_eq!(Route::ArchiveObject.allow(), "GET, HEAD, PUT");
    }
}

//! One module per feature of the edge, each with short handlers built on the guard:
//! `serving` (the built site behind the manifest), `signin` and `signout`, `activation`
//! (the code of an invitation letter, then a first password), `charter` (the
//! gate), `space` (Mon espace), `password` (changing one's password), `uploads` (photos and
//! documents), `comments` and `moderation`, `class_list` (pupils without photo permission),
//! `my_data` (Mes données), `health` (monitoring), `editor` (the online editor), `repo_hook`
//! (the forge's push webhook), `archive` (the token-only route of whole-instance exports and
//! imports). This is the one
//! place that maps routes to handlers; a new feature adds its routes to `routes::Route` and
//! one line per route here.

mod activation;
pub(crate) mod archive;
mod charter;
mod class_list;
pub(crate) mod comment_view;
mod comments;
mod credentials;
pub(crate) mod editor;
mod editor_view;
mod gallery;
mod health;
mod media;
mod moderation;
mod my_data;
mod password;
mod repo_hook;
mod serving;
mod signin;
mod signout;
mod space;
mod upload_store;
mod uploads;

use crate::app::{Ctx, Edge, Handled};
use crate::routes::Route;
use crate::store::Platform;
use http::Method;

/// Every handler but the built site's runs boxed: an `async fn`'s future is as large as
/// its largest branch (the editor's, kilobytes), and the server moves the future of every
/// request, so a page read would copy all of it for nothing.
pub(crate) async fn dispatch<P: Platform>(edge: &Edge<P>, cx: &Ctx<'_>, route: Route) -> Handled {
    let post = cx.req.method() == Method::POST;
    match (route, post) {
        (Route::Signin, false) => signin::page(edge, cx),
        (Route::Signin, true) => Box::pin(signin::submit(edge, cx)).await,
        (Route::Signout, _) => Box::pin(signout::submit(edge, cx, false)).await,
        (Route::SignoutAll, _) => Box::pin(signout::submit(edge, cx, true)).await,
        (Route::Accept, false) => charter::page(edge, cx),
        (Route::Accept, true) => Box::pin(charter::accept(edge, cx)).await,
        (Route::Space, _) => Box::pin(space::page(edge, cx)).await,
        (Route::Password, false) => password::page(edge, cx),
        (Route::Password, true) => Box::pin(password::submit(edge, cx)).await,
        (Route::MediaUpload, false) => Box::pin(uploads::page(edge, cx)).await,
        (Route::MediaUpload, true) => Box::pin(uploads::submit(edge, cx)).await,
        (Route::MediaDelete, _) => Box::pin(uploads::delete(edge, cx)).await,
        (Route::Comment, _) => Box::pin(comments::post(edge, cx)).await,
        (Route::CommentEdit, _) => Box::pin(comments::edit(edge, cx)).await,
        (Route::CommentDelete, _) => Box::pin(comments::delete(edge, cx)).await,
        (Route::CommentReport, _) => Box::pin(comments::report(edge, cx)).await,
        (Route::CommentReply, _) => Box::pin(comments::reply(edge, cx)).await,
        (Route::Moderation, false) => Box::pin(moderation::page(edge, cx)).await,
        (Route::Moderation, true) => Box::pin(moderation::submit(edge, cx)).await,
        (Route::ClassList, _) => Box::pin(class_list::page(edge, cx)).await,
        (Route::MyData, _) => Box::pin(my_data::page(edge, cx)).await,
        (Route::MyDataJson, _) => Box::pin(my_data::json(edge, cx)).await,
        (Route::Health, _) => Box::pin(health::get(edge, cx)).await,
        (Route::RepoHook, _) => Box::pin(repo_hook::post(edge, cx)).await,
        (Route::ArchiveList, _) => Box::pin(archive::list(edge, cx)).await,
        (Route::ArchiveObject, _) => Box::pin(archive::object(edge, cx)).await,
        (Route::Write, _) => Box::pin(editor::list(edge, cx)).await,
        (Route::WritePost, false) => Box::pin(editor::page(edge, cx)).await,
        (Route::WritePost, true) => Box::pin(editor::submit(edge, cx)).await,
        (Route::WriteReview, _) => Box::pin(editor::review(edge, cx)).await,
        (Route::Activate, false) => activation::page(edge, cx),
        (Route::Activate, true) => Box::pin(activation::submit(edge, cx)).await,
        (Route::MediaFile, _) => Box::pin(media::get(edge, cx)).await,
        (Route::File, _) => serving::get(edge, cx).await,
    }
}

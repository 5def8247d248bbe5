//! Uploads, in process: who may upload where, what is stored (nothing of a refused file,
//! no metadata in what is kept), who may then read it, and what happens when the blob
//! store fails half-way. The HTTP scenarios run the same journeys against both adapters.
#![cfg(feature = "native")]

mod support;

#[path = "../media/tests/inspect/common/mod.rs"]
mod common;

use http::{Method, StatusCode};
use preau_contract::media::MediaRef;
use preau_edge::accounts::Role;
use preau_edge::respond::Resp;
use preau_edge::store::Db;
use preau_edge::testing::block_on;
use std::sync::atomic::Ordering;
use support::{input, text, world, World, FORM};

const CE1: &str = "ecole-a/ce1";

trait Uploads {
    fn upload(&self, session: &str, scope: &str, files: &[(&str, &[u8])]) -> Resp;
    fn rows(&self) -> i64;
}

impl Uploads for World {
    /// Post files to the upload form as a browser does.
    fn upload(&self, session: &str, scope: &str, files: &[(&str, &[u8])]) -> Resp {
        let page = self.get("/espace/medias/", session);
        let token = if page.status() == StatusCode::OK {
            input(&text(&page), "csrf")
        } else {
            String::new()
        };
        let b = "----preau-test-7";
        let mut body = Vec::new();
        for (name, value) in [("csrf", token.as_bytes()), ("portee", scope.as_bytes())] {
            body.extend(
                format!("--{b}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n")
                    .as_bytes(),
            );
            body.extend_from_slice(value);
            body.extend(b"\r\n");
        }
        for (file, data) in files {
            body.extend(format!("--{b}\r\nContent-Disposition: form-data; name=\"fichiers\"; filename=\"{file}\"\r\nContent-Type: image/jpeg\r\n\r\n").as_bytes());
            body.extend_from_slice(data);
            body.extend(b"\r\n");
        }
        body.extend(format!("--{b}--\r\n").as_bytes());
        let ct = format!("multipart/form-data; boundary={b}");
        self.send(Method::POST, "/espace/medias/", session, &ct, body)
    }

    fn rows(&self) -> i64 {
        let r = block_on(
            self.edge
                .platform
                .query("SELECT count(*) FROM uploads", &[]),
        )
        .expect("count");
        r[0][0].as_i64().unwrap_or(-1)
    }
}

/// Every `/medias/…` URL in a page.
fn media_urls(html: &str) -> Vec<String> {
    let mut out: Vec<String> = html
        .split("/medias/")
        .skip(1)
        .filter_map(|rest| rest.split(['"', ')', ' ']).next())
        .map(|s| format!("/medias/{s}"))
        .filter(|u| MediaRef::parse(u).is_some())
        .collect();
    out.sort();
    out.dedup();
    out
}

#[test]
fn a_teachers_phone_photo_is_cleaned_resized_and_shown_to_the_class_only() {
    let w = world();
    let teacher = w.member("prof.ce1", Role::Teacher, CE1);
    let photo = common::phone_jpeg();
    let r = w.upload(&teacher, CE1, &[("IMG_0001.jpg", &photo)]);
    let page = text(&r);
    assert_eq!(r.status(), StatusCode::OK, "{page}");
    let urls = media_urls(&page);
    let original = urls
        .iter()
        .filter_map(|u| MediaRef::parse(u))
        .find(|m| m.variant.is_none())
        .expect("snippet url");
    // Orientation 6: the 64 x 48 sensor image is shown upright, 48 x 64.
    assert_eq!(original.size, Some((48, 64)));
    assert!(
        page.contains(&format!("![Décrivez la photo]({})", original.url())),
        "{page}"
    );
    let parent = w.member("parent.ce1", Role::Parent, CE1);
    let got = w.get(&original.url(), &parent);
    assert_eq!(got.status(), StatusCode::OK);
    assert_eq!(got.headers()["content-type"], "image/jpeg");
    common::assert_clean("stored photo", got.body());
    let other = w.member("parent.cp", Role::Parent, "ecole-a/cp");
    assert_eq!(
        w.get(&original.url(), &other).status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(w.get(&original.url(), "").status(), StatusCode::SEE_OTHER);
    // A range, as a phone's video player or a PDF reader asks.
    let part = w.send(Method::GET, &original.url(), &parent, "", Vec::new());
    assert_eq!(part.headers()["accept-ranges"], "bytes");
}

#[test]
fn refused_files_leave_nothing_and_the_others_still_go_in() {
    let w = world();
    let teacher = w.member("prof.ce1", Role::Teacher, CE1);
    let html_as_jpg = b"<!DOCTYPE html><script>alert(1)</script>".to_vec();
    let svg = b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>".to_vec();
    let photo = common::phone_jpeg();
    let r = w.upload(
        &teacher,
        CE1,
        &[
            ("../../etc/passwd.jpg", &html_as_jpg),
            ("dessin.svg", &svg),
            ("ok.jpg", &photo),
            ("vide.jpg", b""),
        ],
    );
    let page = text(&r);
    assert_eq!(r.status(), StatusCode::OK, "{page}");
    assert!(
        page.contains("<strong>passwd.jpg</strong> : ce type de fichier n&#39;est pas accepté"),
        "{page}"
    );
    assert!(
        page.contains("<strong>dessin.svg</strong> : ce type"),
        "{page}"
    );
    assert!(
        page.contains("<strong>vide.jpg</strong> : le fichier est vide"),
        "{page}"
    );
    assert_eq!(w.rows(), 1);
}

#[test]
fn only_staff_upload_and_only_into_their_own_places() {
    let w = world();
    let photo = common::phone_jpeg();
    let parent = w.member("parent.ce1", Role::Parent, CE1);
    assert_eq!(
        w.upload(&parent, CE1, &[("a.jpg", &photo)]).status(),
        StatusCode::FORBIDDEN
    );
    let pupil = w.member("eleve.ce1", Role::Pupil, CE1);
    assert_eq!(
        w.upload(&pupil, CE1, &[("a.jpg", &photo)]).status(),
        StatusCode::FORBIDDEN
    );
    let teacher = w.member("prof.ce1", Role::Teacher, CE1);
    assert_eq!(
        w.upload(&teacher, "ecole-a/cp", &[("a.jpg", &photo)])
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        w.upload(&teacher, "ville", &[("a.jpg", &photo)]).status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        w.upload("", CE1, &[("a.jpg", &photo)]).status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(w.rows(), 0);
}

#[test]
fn a_blob_store_failure_stores_nothing_and_says_so() {
    let w = world();
    let teacher = w.member("prof.ce1", Role::Teacher, CE1);
    w.edge
        .platform
        .fail_blob_writes
        .store(true, Ordering::SeqCst);
    let r = w.upload(&teacher, CE1, &[("a.jpg", &common::phone_jpeg())]);
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(&r).contains("momentanément indisponible"));
    assert_eq!(w.rows(), 0);
    w.edge
        .platform
        .fail_blob_writes
        .store(false, Ordering::SeqCst);
    assert_eq!(
        w.upload(&teacher, CE1, &[("a.jpg", &common::phone_jpeg())])
            .status(),
        StatusCode::OK
    );
    assert_eq!(w.rows(), 1);
}

#[test]
fn the_same_file_twice_is_stored_once_and_deleting_it_removes_the_blob() {
    let w = world();
    let teacher = w.member("prof.ce1", Role::Teacher, CE1);
    let photo = common::phone_jpeg();
    let first = media_urls(&text(&w.upload(&teacher, CE1, &[("a.jpg", &photo)])));
    let second = media_urls(&text(&w.upload(&teacher, CE1, &[("b.jpg", &photo)])));
    assert_eq!(first, second);
    assert_eq!(w.rows(), 1);
    let url = first
        .iter()
        .find(|u| MediaRef::parse(u).is_some_and(|m| m.variant.is_none()))
        .expect("url")
        .clone();
    let page = text(&w.get("/espace/medias/?portee=ecole-a%2Fce1", &teacher));
    let body = format!(
        "csrf={}&media={}",
        input(&page, "csrf"),
        url.replace('/', "%2F")
    );
    let r = w.send(
        Method::POST,
        "/espace/medias/supprimer/",
        &teacher,
        FORM,
        body.into_bytes(),
    );
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", text(&r));
    assert_eq!(w.rows(), 0);
    assert_eq!(w.get(&url, &teacher).status(), StatusCode::NOT_FOUND);
    let hash = MediaRef::parse(&url).expect("media").hash;
    assert!(block_on(preau_edge::store::Blobs::get_blob(
        &w.edge.platform,
        &hash,
        None
    ))
    .expect("get")
    .is_none());
}

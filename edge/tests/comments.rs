//! Comments and moderation, in process: hostile text never becomes markup for anyone, who
//! sees what in each moderation mode, who may do what, the limits, concurrent posts, and
//! comments across a rebuild. The HTTP scenarios run the main journey against both adapters.
#![cfg(feature = "native")]

mod support;

use http::{Method, StatusCode};
use preau_contract::access::{Manifest, Moderation, MANIFEST_PATH};
use preau_edge::accounts::Role;
use preau_edge::respond::Resp;
use preau_edge::store::Db;
use preau_edge::testing::block_on;
use std::sync::Arc;
use support::{input, text, world, World, FORM};

const CE1: &str = "ecole-a/ce1";
const POST: &str = "/ecoles/ecole-a/classes/ce1/la-chorale/";
const OTHER_POST: &str = "/ecoles/ecole-a/classes/ce1/le-potager/";
const PUBLIC: &str = "/actualites/rentree/";

fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

trait Comments {
    fn csrf(&self, session: &str) -> String;
    fn post_form(&self, session: &str, path: &str, fields: &[(&str, &str)]) -> Resp;
    fn comment(&self, session: &str, page: &str, texte: &str) -> Resp;
    fn moderation(&self, session: &str) -> String;
    fn approve_all(&self, session: &str) -> Resp;
    fn count(&self, sql: &str) -> i64;
    fn ids(&self) -> Vec<i64>;
    fn edit_manifest(&self, f: impl FnOnce(&mut Manifest));
}

impl Comments for World {
    /// The session's anti-forgery token (from Mon espace).
    fn csrf(&self, session: &str) -> String {
        input(&text(&self.get("/espace/", session)), "csrf")
    }

    fn post_form(&self, session: &str, path: &str, fields: &[(&str, &str)]) -> Resp {
        let mut body = format!("csrf={}", self.csrf(session));
        for (k, v) in fields {
            body.push_str(&format!("&{k}={}", enc(v)));
        }
        self.send(Method::POST, path, session, FORM, body.into_bytes())
    }

    fn comment(&self, session: &str, page: &str, texte: &str) -> Resp {
        self.post_form(
            session,
            "/commentaires/",
            &[("page", page), ("texte", texte)],
        )
    }

    fn moderation(&self, session: &str) -> String {
        let r = self.get("/espace/moderation/", session);
        assert_eq!(r.status(), StatusCode::OK, "{}", text(&r));
        text(&r)
    }

    fn approve_all(&self, session: &str) -> Resp {
        let page = self.moderation(session);
        let max = input(&page, "jusqua");
        self.post_form(
            session,
            "/espace/moderation/",
            &[("action", "tout"), ("classe", ""), ("jusqua", &max)],
        )
    }

    fn count(&self, sql: &str) -> i64 {
        let r = block_on(self.edge.platform.query(sql, &[])).expect("count");
        r[0][0].as_i64().unwrap_or(-1)
    }

    fn ids(&self) -> Vec<i64> {
        let r = block_on(
            self.edge
                .platform
                .query("SELECT id FROM comments ORDER BY id", &[]),
        )
        .expect("ids");
        r.iter().filter_map(|r| r[0].as_i64()).collect()
    }

    fn edit_manifest(&self, f: impl FnOnce(&mut Manifest)) {
        let files = self.edge.platform.files.lock().expect("files");
        let mut m: Manifest = serde_json::from_slice(&files[MANIFEST_PATH]).expect("manifest");
        drop(files);
        f(&mut m);
        let bytes = serde_json::to_vec(&m).expect("json");
        self.edge.platform.put_file(MANIFEST_PATH, &bytes);
        block_on(self.edge.reload()).expect("reload");
    }
}

/// The comments section of a served page.
fn section(html: &str) -> &str {
    let start = html.find("data-preau-comments").expect("marker");
    let end = html[start..].find("</section>").expect("end") + start;
    &html[start..end]
}

const TAGS: &[&str] = &[
    "h2", "p", "ol", "li", "strong", "time", "span", "br", "a", "form", "input", "textarea",
    "button", "details", "summary", "label", "div", "select", "option",
];
const ATTRS: &[&str] = &[
    "id",
    "class",
    "href",
    "rel",
    "datetime",
    "method",
    "action",
    "type",
    "name",
    "value",
    "required",
    "maxlength",
    "rows",
    "aria-describedby",
    "for",
    "selected",
    "data-pending",
    "role",
];

/// No markup but the edge's own: every tag and attribute of `html` is one the edge writes,
/// links only to this site or to http(s), and every `<` starts one of those tags.
fn assert_inert(html: &str, what: &str) {
    let mut rest = html;
    while let Some(i) = rest.find('<') {
        let after = &rest[i + 1..];
        let end = after
            .find('>')
            .unwrap_or_else(|| panic!("{what}: open tag in {after}"));
        let tag = &after[..end];
        rest = &after[end + 1..];
        let tag = tag.strip_prefix('/').unwrap_or(tag);
        let name: String = tag
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        assert!(TAGS.contains(&name.as_str()), "{what}: tag <{tag}>");
        let mut attrs = &tag[name.len()..];
        loop {
            attrs = attrs.trim_start();
            if attrs.is_empty() {
                break;
            }
            let n: String = attrs
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect();
            assert!(ATTRS.contains(&n.as_str()), "{what}: attribute {attrs}");
            attrs = &attrs[n.len()..];
            if let Some(v) = attrs.strip_prefix("=\"") {
                let close = v.find('"').expect("quoted");
                let value = &v[..close];
                if n == "href" || n == "action" {
                    assert!(
                        value.starts_with('/')
                            || value.starts_with("https://")
                            || value.starts_with("http://"),
                        "{what}: {n}={value}"
                    );
                }
                if n == "href" && !value.starts_with('/') {
                    assert!(
                        tag.contains("rel=\"nofollow ugc noopener\""),
                        "{what}: {tag}"
                    );
                }
                attrs = &v[close + 1..];
            } else {
                assert!(
                    attrs.is_empty() || attrs.starts_with(' '),
                    "{what}: {attrs}"
                );
            }
        }
    }
}

fn payloads() -> Vec<String> {
    let base = [
        "<script>alert(1)</script>",
        "<SCRIPT SRC=//x.test/x.js></SCRIPT>",
        "<scr<script>ipt>alert(1)</scr</script>ipt>",
        "<img src=x onerror=alert(1)>",
        "<img/src=x/onerror=alert(1)>",
        "<svg onload=alert(1)>",
        "<svg><script>alert(1)</script></svg>",
        "<body onload=alert(1)>",
        "<iframe src=javascript:alert(1)>",
        "<iframe srcdoc=\"<script>alert(1)</script>\">",
        "<a href=\"javascript:alert(1)\">clic</a>",
        "<a href=javascript&colon;alert(1)>x</a>",
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "<a href=\"data:text/html,<script>alert(1)</script>\">x</a>",
        "<object data=\"data:text/html,x\">",
        "<embed src=javascript:alert(1)>",
        "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
        "<style>@import 'http://x.test/x.css';</style>",
        "<link rel=stylesheet href=http://x.test/x.css>",
        "<meta http-equiv=refresh content=\"0;url=javascript:alert(1)\">",
        "<base href=\"http://x.test/\">",
        "<form action=http://x.test><input name=csrf></form>",
        "<input autofocus onfocus=alert(1)>",
        "<details open ontoggle=alert(1)>",
        "<video><source onerror=alert(1)>",
        "<marquee onstart=alert(1)>",
        "&lt;script&gt;alert(1)&lt;/script&gt;",
        "&#60;script&#62;alert(1)&#60;/script&#62;",
        "&#x3C;img src=x onerror=alert(1)&#x3E;",
        "\u{FF1C}script\u{FF1E}alert(1)\u{FF1C}/script\u{FF1E}",
        "\u{202E}gnp.exe\u{202C} <b>",
        "<scr\u{200B}ipt>alert(1)</scr\u{200B}ipt>",
        "<\u{0000}script>alert(1)</script>",
        "<!--<script>alert(1)//-->",
        "<![CDATA[<script>alert(1)</script>]]>",
        "\"><script>alert(1)</script>",
        "'><img src=x onerror=alert(1)>",
        "\" onmouseover=\"alert(1)",
        "' onmouseover='alert(1)",
        "` onmouseover=`alert(1)",
        "</textarea><script>alert(1)</script>",
        "</p></li></ol></section><script>alert(1)</script>",
        "</section><section data-preau-comments=\"/ecoles/ecole-a/classes/ce1/la-chorale/\">",
        "<section data-preau-comments=\"/\">@@CSRF@@</section>",
        "@@TITLE@@ @@CSRF@@ @@RESULTS@@",
        "https://x.test/\"onmouseover=\"alert(1)",
        "https://x.test/<script>alert(1)</script>",
        "http://x.test/?a=<img src=x onerror=alert(1)>",
        "https://x.test/'onclick='alert(1)",
        "https://javascript:alert(1)@x.test/",
        "http://x.test/#\"><svg onload=alert(1)>",
        "<a href=https://x.test/ onclick=alert(1)>x</a>",
        "<div style=\"background:url(javascript:alert(1))\">",
        "<x onclick=alert(1)>clic",
        "<img src=\"x\" onerror=\"alert(1)\"",
        "<<script>>alert(1)<</script>>",
        "<script\n>alert(1)</script\n>",
        "<sCrIpT>alert(1)</ScRiPt>",
        "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">",
        "<template><script>alert(1)</script></template>",
        "<isindex type=image src=1 onerror=alert(1)>",
        "<table background=javascript:alert(1)>",
        "<button formaction=javascript:alert(1)>x",
        "<svg><a xlink:href=javascript:alert(1)><text>x</text></a></svg>",
        "<?xml version=\"1.0\"?><script>alert(1)</script>",
        "\u{FEFF}<script>alert(1)</script>",
        "%3Cscript%3Ealert(1)%3C/script%3E",
        "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e",
    ];
    let mut out: Vec<String> = base.iter().map(|s| s.to_string()).collect();
    for (i, b) in base.iter().enumerate().take(40) {
        out.push(format!("Ligne {i}\n{b}\nfin https://ecole.test/{i}"));
    }
    out
}

#[test]
fn hostile_text_never_becomes_markup_for_anyone() {
    let w = world();
    let all = payloads();
    assert!(all.len() >= 100, "{}", all.len());
    // Five payloads per author: within the limits, no clock to move.
    let authors: Vec<String> = (0..all.len().div_ceil(5))
        .map(|i| w.member(&format!("parent.{i:02}"), Role::Parent, CE1))
        .collect();
    let author = authors[0].clone();
    let other = w.member("parent.b", Role::Parent, CE1);
    let teacher = w.member("prof.ce1", Role::Teacher, CE1);
    for (i, p) in all.iter().enumerate() {
        let r = w.comment(&authors[i / 5], POST, p);
        // Refused when it normalises to nothing, or to a payload already posted.
        let refused = [StatusCode::UNPROCESSABLE_ENTITY, StatusCode::CONFLICT];
        assert!(
            r.status() == StatusCode::SEE_OTHER || refused.contains(&r.status()),
            "{p}: {}",
            r.status()
        );
        if r.status() != StatusCode::SEE_OTHER {
            assert_inert(section(&text(&r)), p);
        }
    }
    let stored = w.count("SELECT count(*) FROM comments");
    assert!(stored >= 95, "{stored}");
    assert_inert(section(&text(&w.get(POST, &author))), "author, pending");
    let queue = w.moderation(&teacher);
    let start = queue.find("<main").unwrap_or(0);
    let end = queue.rfind("</main>").unwrap_or(queue.len());
    let queue_main = &queue[start..end];
    let from = queue_main.find("<form").expect("queue");
    assert_inert(&queue_main[from..], "moderation page");
    assert_eq!(w.approve_all(&teacher).status(), StatusCode::SEE_OTHER);
    for (who, s) in [
        ("author", &author),
        ("other", &other),
        ("teacher", &teacher),
    ] {
        let page = text(&w.get(POST, s));
        let sec = section(&page);
        assert_inert(sec, who);
        assert_eq!(
            sec.matches("class=\"comment\"").count() as i64,
            stored,
            "{who}"
        );
        assert_eq!(page.matches("data-preau-comments=\"").count(), 1);
        assert!(!page.contains("<script>alert"), "{who}");
    }
}

fn get_if(w: &World, path: &str, session: &str, tag: &str) -> Resp {
    let req = http::Request::builder()
        .uri(path)
        .header("host", "ent.test")
        .header("cookie", session)
        .header("if-none-match", tag)
        .body(Vec::new())
        .expect("request");
    block_on(w.edge.handle(req, preau_edge::testing::local_client()))
}

fn etag(r: &Resp) -> String {
    r.headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

#[test]
fn a_page_with_comments_revalidates_with_a_tag_that_follows_its_comments_and_its_reader() {
    let w = world();
    let parent = w.member("parent.a", Role::Parent, CE1);
    let other = w.member("parent.b", Role::Parent, CE1);
    let teacher = w.member("prof.ce1", Role::Teacher, CE1);
    let elsewhere = w.member("parent.cp", Role::Parent, "ecole-a/cp");
    let first = w.get(POST, &parent);
    assert_eq!(first.status(), StatusCode::OK);
    assert_eq!(first.headers()["cache-control"], "private, no-cache");
    let tag = etag(&first);
    assert!(tag.starts_with('"') && tag.len() > 10, "{tag}");
    let again = get_if(&w, POST, &parent, &tag);
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert!(again.body().is_empty());
    // Each reader's page carries their own forms: another parent's tag is not theirs.
    let theirs = w.get(POST, &other);
    assert_ne!(etag(&theirs), tag);
    assert_eq!(get_if(&w, POST, &other, &tag).status(), StatusCode::OK);
    // The gate runs first: a reader of another class, the tag or `*` in hand, gets no 304.
    for sent in [tag.as_str(), "*"] {
        let r = get_if(&w, POST, &elsewhere, sent);
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{sent}");
        assert!(r.headers().get("etag").is_none());
        assert_eq!(get_if(&w, POST, "", sent).status(), StatusCode::SEE_OTHER);
    }
    // A comment approved since: the kept copy is stale, the page comes back with it.
    assert_eq!(
        w.comment(&other, POST, "Bravo les chanteurs").status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(w.approve_all(&teacher).status(), StatusCode::SEE_OTHER);
    let fresh = get_if(&w, POST, &parent, &tag);
    assert_eq!(fresh.status(), StatusCode::OK);
    assert!(text(&fresh).contains("Bravo les chanteurs"));
    let new_tag = etag(&fresh);
    assert_ne!(new_tag, tag);
    assert_eq!(
        get_if(&w, POST, &parent, &new_tag).status(),
        StatusCode::NOT_MODIFIED
    );
    // A comment waiting for moderation shows to its author only: their tag moves, the
    // other parent's copy stays valid.
    let theirs = etag(&w.get(POST, &other));
    assert_eq!(
        w.comment(&parent, POST, "Merci pour les photos").status(),
        StatusCode::SEE_OTHER
    );
    let mine = get_if(&w, POST, &parent, &new_tag);
    assert_eq!(mine.status(), StatusCode::OK);
    assert!(text(&mine).contains("Merci pour les photos"));
    assert_eq!(
        get_if(&w, POST, &other, &theirs).status(),
        StatusCode::NOT_MODIFIED
    );
}

#[test]
fn pending_comments_show_only_to_their_author_and_the_moderators() {
    let w = world();
    let author = w.member("parent.a", Role::Parent, CE1);
    let other = w.member("parent.b", Role::Parent, CE1);
    let teacher = w.member("prof.ce1", Role::Teacher, CE1);
    let director = w.member("dir.a", Role::Director, "ecole-a");
    let r = w.comment(&author, POST, "Quelle belle chorale !");
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = r.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(to, format!("{POST}?commentaire=attente#commentaires"));
    let mine = w.get(&to, &author);
    assert_eq!(mine.headers()["cache-control"], "private, no-cache");
    let mine = text(&mine);
    assert!(mine.contains("Quelle belle chorale"));
    assert!(mine.contains("en attente de validation"));
    assert!(mine.contains("role=\"status\""));
    assert!(!text(&w.get(POST, &other)).contains("Quelle belle chorale"));
    assert!(text(&w.get(POST, &teacher)).contains("Quelle belle chorale"));
    assert!(!text(&w.get(OTHER_POST, &author)).contains("Quelle belle chorale"));
    let space = text(&w.get("/espace/", &director));
    assert!(space.contains("data-pending=\"1\""), "{space}");
    // The header of private pages tells moderators, and only them.
    let badge = "<span class=\"badge\">1 en attente</span></a>";
    assert!(text(&w.get(OTHER_POST, &teacher)).contains(badge));
    assert!(!text(&w.get(OTHER_POST, &author)).contains("class=\"badge\""));
    assert!(!text(&w.get("/espace/", &other)).contains("/espace/moderation/"));
    assert!(w.moderation(&director).contains("Quelle belle chorale"));
    let id = w.ids()[0].to_string();
    let r = w.post_form(
        &teacher,
        "/espace/moderation/",
        &[("action", "publier"), ("id", &id)],
    );
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let seen = text(&w.get(POST, &other));
    assert!(seen.contains("Quelle belle chorale"));
    assert!(!seen.contains("en attente de validation"));
    assert!(w
        .moderation(&teacher)
        .contains("Aucun commentaire à modérer"));
    // Refused with a reason: the author sees it and the reason, nobody else.
    w.comment(&author, POST, "Un avis déplacé");
    let id = w.ids()[1].to_string();
    let r = w.post_form(
        &teacher,
        "/espace/moderation/",
        &[
            ("action", "refuser"),
            ("id", &id),
            ("motif", "Hors sujet <b>"),
        ],
    );
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let mine = text(&w.get(POST, &author));
    assert!(mine.contains("Hors sujet &lt;b&gt;"));
    assert!(!text(&w.get(POST, &other)).contains("Un avis déplacé"));
    assert!(!text(&w.get(POST, &teacher)).contains("Un avis déplacé"));
    let audit = w.count("SELECT count(*) FROM audit_log WHERE action IN ('comment_post', 'comment_approve', 'comment_reject')");
    assert_eq!(audit, 4);
}

#[test]
fn only_the_right_people_may_post_moderate_answer_edit_and_delete() {
    let w = world();
    let parent = w.member("parent.a", Role::Parent, CE1);
    let other = w.member("parent.b", Role::Parent, CE1);
    let stranger = w.member("parent.cp", Role::Parent, "ecole-a/cp");
    let pupil = w.member("eleve.ce1", Role::Pupil, CE1);
    let teacher = w.member("prof.ce1", Role::Teacher, CE1);
    // Another class's parent can neither read nor post.
    assert_eq!(w.get(POST, &stranger).status(), StatusCode::FORBIDDEN);
    assert_eq!(
        w.comment(&stranger, POST, "Bonjour").status(),
        StatusCode::FORBIDDEN
    );
    // Pupils only where the class allows it.
    assert!(!section(&text(&w.get(POST, &pupil))).contains("name=\"texte\""));
    assert_eq!(
        w.comment(&pupil, POST, "Coucou").status(),
        StatusCode::FORBIDDEN
    );
    w.edit_manifest(|m| {
        for r in m.comments.values_mut() {
            r.pupils = true;
        }
    });
    assert_eq!(
        w.comment(&pupil, POST, "Coucou").status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        w.comment(&parent, POST, "Bravo les enfants").status(),
        StatusCode::SEE_OTHER
    );
    let ids = w.ids();
    let id = ids[1].to_string();
    // A parent moderates nothing, answers nothing, edits and deletes nothing of others.
    assert_eq!(
        w.get("/espace/moderation/", &other).status(),
        StatusCode::FORBIDDEN
    );
    for action in ["publier", "refuser"] {
        let r = w.post_form(
            &other,
            "/espace/moderation/",
            &[("action", action), ("id", &id)],
        );
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{action}");
    }
    let r = w.post_form(
        &other,
        "/espace/moderation/",
        &[("action", "tout"), ("jusqua", "99")],
    );
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = w.post_form(
        &other,
        "/commentaires/modifier/",
        &[("id", &id), ("texte", "pirate")],
    );
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = w.post_form(&other, "/commentaires/supprimer/", &[("id", &id)]);
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = w.post_form(
        &teacher,
        "/espace/moderation/",
        &[("action", "publier"), ("id", &id)],
    );
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = w.post_form(
        &other,
        "/commentaires/repondre/",
        &[("id", &id), ("texte", "moi")],
    );
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(w.count("SELECT count(*) FROM comments WHERE body = 'Bravo les enfants' AND status = 'approved'"), 1);
    // The teacher answers (one level), the author edits and deletes.
    let r = w.post_form(
        &teacher,
        "/commentaires/repondre/",
        &[("id", &id), ("texte", "Merci !")],
    );
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let reply = *w.ids().last().unwrap();
    let r = w.post_form(
        &teacher,
        "/commentaires/repondre/",
        &[("id", &reply.to_string()), ("texte", "encore")],
    );
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let page = text(&w.get(POST, &other));
    assert!(page.contains("class=\"replies\"") && page.contains("Merci !"));
    let r = w.post_form(
        &parent,
        "/commentaires/modifier/",
        &[("id", &id), ("texte", "Bravo à tous")],
    );
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // An edit of an approved comment in `before` mode goes back to the queue.
    assert!(!text(&w.get(POST, &other)).contains("Bravo à tous"));
    assert!(w.moderation(&teacher).contains("Bravo à tous"));
    let r = w.post_form(&parent, "/commentaires/supprimer/", &[("id", &id)]);
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        w.count(&format!(
            "SELECT count(*) FROM comments WHERE id = {id} OR parent_id = {id}"
        )),
        0
    );
}

#[test]
fn forged_and_cross_origin_posts_are_refused() {
    let w = world();
    let parent = w.member("parent.a", Role::Parent, CE1);
    let body = format!("csrf=faux&page={}&texte=Bonjour", enc(POST));
    let r = w.send(
        Method::POST,
        "/commentaires/",
        &parent,
        FORM,
        body.into_bytes(),
    );
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let body = format!("csrf={}&page={}&texte=Bonjour", w.csrf(&parent), enc(POST));
    let req = http::Request::builder()
        .method(Method::POST)
        .uri("/commentaires/")
        .header("host", "ent.test")
        .header("origin", "https://pirate.test")
        .header("cookie", &parent)
        .header("content-type", FORM)
        .body(body.into_bytes())
        .unwrap();
    let r = block_on(w.edge.handle(req, preau_edge::testing::local_client()));
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let body = format!("page={}&texte=Bonjour", enc(POST));
    let r = w.send(Method::POST, "/commentaires/", "", FORM, body.into_bytes());
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(r.headers()["location"]
        .to_str()
        .unwrap()
        .starts_with("/connexion/"));
    assert_eq!(
        w.get("/commentaires/", &parent).status(),
        StatusCode::METHOD_NOT_ALLOWED
    );
    assert_eq!(w.count("SELECT count(*) FROM comments"), 0);
}

#[test]
fn the_limits_hold_and_a_refused_comment_keeps_its_text() {
    let w = world();
    let parent = w.member("parent.a", Role::Parent, CE1);
    for i in 0..5 {
        let r = w.comment(&parent, POST, &format!("Message {i}"));
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
    }
    let r = w.comment(&parent, OTHER_POST, "Un sixième");
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let page = text(&r);
    assert!(page.contains("Un sixième</textarea>"), "{page}");
    assert!(page.contains("role=\"alert\""));
    w.edge.platform.advance(601);
    assert_eq!(
        w.comment(&parent, OTHER_POST, "Un sixième").status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        w.comment(&parent, POST, "Message 1").status(),
        StatusCode::CONFLICT
    );
    let long = "a".repeat(2001);
    let r = w.comment(&parent, POST, &long);
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(&r).contains(&long));
    assert_eq!(
        w.comment(&parent, POST, " \u{200B} \n ").status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(w.count("SELECT count(*) FROM comments"), 6);
}

#[test]
fn closed_and_public_pages_take_no_comments() {
    let w = world();
    let parent = w.member("parent.a", Role::Parent, CE1);
    assert!(!text(&w.get(PUBLIC, "")).contains("name=\"texte\""));
    assert_eq!(
        w.comment(&parent, PUBLIC, "Bonjour").status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        w.comment(&parent, "/nulle/part/", "Bonjour").status(),
        StatusCode::FORBIDDEN
    );
    let m = w.edge.site().manifest.clone();
    assert!(m.comments.contains_key(POST));
    assert!(m
        .comments
        .keys()
        .all(|p| !m.files[&format!("{}index.html", &p[1..])].is_public()));
    w.edit_manifest(|m| {
        m.comments.remove(POST);
    });
    assert_eq!(
        w.comment(&parent, POST, "Bonjour").status(),
        StatusCode::FORBIDDEN
    );
    assert!(!text(&w.get(POST, &parent)).contains("name=\"texte\""));
    assert_eq!(w.count("SELECT count(*) FROM comments"), 0);
}

#[test]
fn after_and_trusted_modes_and_reports() {
    let w = world();
    let a = w.member("parent.a", Role::Parent, CE1);
    let b = w.member("parent.b", Role::Parent, CE1);
    let teacher = w.member("prof.ce1", Role::Teacher, CE1);
    w.edit_manifest(|m| {
        for r in m.comments.values_mut() {
            r.moderation = Moderation::Trusted;
        }
    });
    w.comment(&a, POST, "Premier");
    assert!(!text(&w.get(POST, &b)).contains("Premier"));
    assert_eq!(w.approve_all(&teacher).status(), StatusCode::SEE_OTHER);
    let r = w.comment(&a, POST, "Deuxième");
    assert!(r.headers()["location"].to_str().unwrap().contains("publie"));
    assert!(text(&w.get(POST, &b)).contains("Deuxième"));
    w.edit_manifest(|m| {
        for r in m.comments.values_mut() {
            r.moderation = Moderation::After;
        }
    });
    w.comment(&b, POST, "Tout de suite");
    let page = text(&w.get(POST, &a));
    assert!(page.contains("Tout de suite"));
    // A report hides it from other families and puts it back in the queue.
    let id = *w.ids().last().unwrap();
    let r = w.post_form(&a, "/commentaires/signaler/", &[("id", &id.to_string())]);
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(!text(&w.get(POST, &a)).contains("Tout de suite"));
    assert!(text(&w.get(POST, &b)).contains("Tout de suite"));
    let queue = w.moderation(&teacher);
    assert!(queue.contains("Tout de suite") && queue.contains("signalé"));
    w.post_form(
        &teacher,
        "/espace/moderation/",
        &[("action", "publier"), ("id", &id.to_string())],
    );
    assert!(text(&w.get(POST, &a)).contains("Tout de suite"));
    assert_eq!(
        w.count("SELECT count(*) FROM audit_log WHERE action = 'comment_report'"),
        1
    );
}

#[test]
fn two_hundred_concurrent_comments_are_all_stored_once_and_shown() {
    let w = Arc::new(world());
    let sessions: Vec<String> = (0..40)
        .map(|i| w.member(&format!("parent.{i:02}"), Role::Parent, CE1))
        .collect();
    let teacher = w.member("prof.ce1", Role::Teacher, CE1);
    let tokens: Vec<String> = sessions.iter().map(|s| w.csrf(s)).collect();
    let threads: Vec<_> = sessions
        .into_iter()
        .zip(tokens)
        .enumerate()
        .map(|(i, (s, t))| {
            let w = Arc::clone(&w);
            std::thread::spawn(move || {
                for k in 0..5 {
                    let body = format!(
                        "csrf={t}&page={}&texte={}",
                        enc(POST),
                        enc(&format!("Bravo {i} n°{k}"))
                    );
                    let r = w.send(Method::POST, "/commentaires/", &s, FORM, body.into_bytes());
                    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", text(&r));
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("thread");
    }
    assert_eq!(w.count("SELECT count(*) FROM comments"), 200);
    assert_eq!(w.count("SELECT count(DISTINCT body) FROM comments"), 200);
    assert_eq!(w.approve_all(&teacher).status(), StatusCode::SEE_OTHER);
    let page = text(&w.get(POST, &teacher));
    assert_eq!(section(&page).matches("class=\"comment\"").count(), 200);
    assert_eq!(
        w.count("SELECT count(*) FROM comments WHERE status = 'approved'"),
        200
    );
}

#[test]
fn comments_stay_with_their_post_across_rebuilds() {
    let w = world();
    let parent = w.member("parent.a", Role::Parent, CE1);
    let teacher = w.member("prof.ce1", Role::Teacher, CE1);
    w.comment(&teacher, POST, "Publié par l'enseignante");
    // A real rebuild of the same content, deployed.
    let out = tempfile::tempdir().unwrap();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    preau_generator::Generator::new(preau_generator::BuildOptions {
        content: root.join("tests/fixtures/basic"),
        theme: root.join("themes/default"),
        output: out.path().join("public"),
    })
    .and_then(|mut g| g.build(&|_, _| {}).map(|_| ()))
    .expect("build");
    deploy(&w, &out.path().join("public"), &out.path().join("public"));
    block_on(w.edge.reload()).unwrap();
    assert!(text(&w.get(POST, &parent)).contains("Publié par l&#39;enseignante"));
    // The post disappears: its comments stay in the database and come back with it.
    let saved = w.edge.site().manifest.clone();
    w.edit_manifest(|m| {
        m.files
            .remove("ecoles/ecole-a/classes/ce1/la-chorale/index.html");
        m.comments.remove(POST);
    });
    assert_eq!(w.get(POST, &parent).status(), StatusCode::NOT_FOUND);
    assert_eq!(w.count("SELECT count(*) FROM comments"), 1);
    w.edit_manifest(|m| *m = (*saved).clone());
    assert!(text(&w.get(POST, &parent)).contains("Publié par l&#39;enseignante"));
}

/// The comments and the split page are kept between requests: every change shows on the
/// next read all the same (a comment, a moderation, a change written outside the core as
/// the CLI would, a new build of the page), and each reader keeps their own form.
#[test]
fn kept_comments_follow_every_change_and_each_reader_gets_their_own_form() {
    let w = world();
    let a = w.member("parent.a", Role::Parent, CE1);
    let b = w.member("parent.b", Role::Parent, CE1);
    let teacher = w.member("prof.ce1", Role::Teacher, CE1);
    let first = text(&w.get(POST, &a));
    assert_eq!(first, text(&w.get(POST, &a)), "the same page twice");
    let (csrf_a, csrf_b) = (w.csrf(&a), w.csrf(&b));
    assert_ne!(csrf_a, csrf_b);
    let page_b = text(&w.get(POST, &b));
    assert!(section(&first).contains(&csrf_a) && !section(&first).contains(&csrf_b));
    assert!(section(&page_b).contains(&csrf_b) && !section(&page_b).contains(&csrf_a));
    w.comment(&teacher, POST, "Bravo aux choristes");
    assert!(text(&w.get(POST, &a)).contains("Bravo aux choristes"));
    w.comment(&b, POST, "Merci pour les photos");
    assert!(text(&w.get(POST, &b)).contains("Merci pour les photos"));
    assert!(
        !text(&w.get(POST, &a)).contains("Merci pour les photos"),
        "pending"
    );
    let id = w.ids()[1].to_string();
    w.post_form(
        &teacher,
        "/espace/moderation/",
        &[("action", "publier"), ("id", &id)],
    );
    assert!(text(&w.get(POST, &a)).contains("Merci pour les photos"));
    // Written straight into the database, as `preau` commands do.
    block_on(w.edge.platform.execute(
        "UPDATE comments SET body = 'Texte corrigé' WHERE id = ?1",
        &[w.ids()[0].into()],
    ))
    .expect("update");
    let seen = text(&w.get(POST, &a));
    assert!(seen.contains("Texte corrigé") && !seen.contains("Bravo aux choristes"));
    // A new build of the page (same manifest): the new text, with the comments.
    let file = "ecoles/ecole-a/classes/ce1/la-chorale/index.html";
    let built = String::from_utf8(w.edge.platform.files.lock().unwrap()[file].clone()).unwrap();
    let rebuilt = built.replacen("<main", "<p>Nouvelle version</p><main", 1);
    assert_ne!(rebuilt, built);
    w.edge.platform.put_file(file, rebuilt.as_bytes());
    let seen = text(&w.get(POST, &a));
    assert!(
        seen.contains("Nouvelle version") && seen.contains("Texte corrigé"),
        "{seen}"
    );
}

fn deploy(w: &World, root: &std::path::Path, dir: &std::path::Path) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            deploy(w, root, &p);
        } else {
            let rel = p
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            w.edge.platform.put_file(&rel, &std::fs::read(&p).unwrap());
        }
    }
}

#[test]
#[should_panic(expected = "attribute")]
fn the_markup_check_catches_an_event_handler() {
    assert_inert("<p class=\"body\" onclick=\"alert(1)\">x</p>", "self-test");
}

#[test]
#[should_panic(expected = "tag")]
fn the_markup_check_catches_a_foreign_tag() {
    assert_inert("<p class=\"body\"><img src=x></p>", "self-test");
}

#[test]
#[should_panic(expected = "href")]
fn the_markup_check_catches_a_script_link() {
    assert_inert("<a href=\"javascript:alert(1)\">x</a>", "self-test");
}

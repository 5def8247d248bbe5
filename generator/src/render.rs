//! Rendering: the site model through the theme's Tera templates into HTML, minified.
//! Each output is named by an `Output` key so that a rebuild can render only what a change
//! touched.

use crate::content::class_label;
use crate::error::BuildError;
use crate::model::*;
use crate::strings::Strings;
use crate::theme::Theme;
use preau_contract::html::SafeHtml;
use preau_contract::shell::{Shell, ShellName, ShellProblem, Slot, ERRORS_DIR};
use preau_contract::text::Text;
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use tera::{Context, Tera};

/// One file the build writes, by what it shows.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Output {
    /// A content page (for a section index, the first page of its list).
    Page(usize),
    /// Page `n` (2 or more) of a section list.
    ListPage(SectionKey, usize),
    TagIndex(TagScope),
    /// Page `n` (1 or more) of a tag's list.
    Tag(TagScope, String, usize),
    NotFound,
}

pub struct Renderer {
    tera: Tera,
    strings: Strings,
    site_ctx: Value,
    minify: bool,
    /// `theme/style.css` -> `theme/style.<hash>.css`, for every file of the theme's `static/`.
    fingerprints: BTreeMap<String, String>,
}

#[derive(Serialize)]
struct Crumb {
    title: String,
    url: String,
}

#[derive(Serialize)]
struct Pagination {
    current: usize,
    total: usize,
    prev_url: Option<String>,
    next_url: Option<String>,
}

impl Renderer {
    pub fn new(theme: &Theme, strings: Strings, config: &Config) -> Result<Renderer, BuildError> {
        let mut templates = Vec::new();
        for (name, bytes) in theme
            .under("templates")
            .filter(|(n, _)| n.ends_with(".html"))
        {
            let text = std::str::from_utf8(bytes).map_err(|_| {
                BuildError::Theme(format!(
                    "{} : templates/{name} n'est pas en UTF-8",
                    theme.describe()
                ))
            })?;
            templates.push((name, text));
        }
        let mut tera = Tera::default();
        tera.add_raw_templates(templates)
            .map_err(|e| BuildError::Theme(tera_error_chain(&e)))?;
        tera.autoescape_on(vec![".html", ".xml"]);
        // Tera's default also escapes `/`, which bloats every URL; inside quoted attributes
        // and text these five are the ones that matter.
        tera.set_escape_fn(preau_contract::html::escape);
        let fn_strings = strings.clone();
        tera.register_function("t", move |args: &HashMap<String, Value>| {
            let key = args
                .get("k")
                .and_then(Value::as_str)
                .ok_or_else(|| tera::Error::msg("t() attend k=\"clé\""))?;
            if !fn_strings.contains(key) {
                return Err(tera::Error::msg(format!(
                    "texte manquant dans le fichier de textes : {key}"
                )));
            }
            Ok(Value::String(fn_strings.get(key).to_string()))
        });
        let fingerprints = theme_fingerprints(theme);
        let fn_assets = fingerprints.clone();
        // `asset(p="style.css")`: the content-hashed URL of a theme file.
        tera.register_function("asset", move |args: &HashMap<String, Value>| {
            let p = args
                .get("p")
                .and_then(Value::as_str)
                .ok_or_else(|| tera::Error::msg("asset() attend p=\"fichier\""))?;
            fn_assets
                .get(&format!("theme/{p}"))
                .map(|h| Value::String(format!("/{h}")))
                .ok_or_else(|| {
                    tera::Error::msg(format!("fichier du thème introuvable : static/{p}"))
                })
        });
        let site_ctx = json!({
            "title": config.title,
            "town": config.town,
            "description": config.description,
            "base_url": config.base_url.trim_end_matches('/'),
            "routes": preau_contract::routes::NAMED.iter().copied().collect::<HashMap<_, _>>(),
        });
        Ok(Renderer {
            tera,
            strings,
            site_ctx,
            minify: config.minify_html,
            fingerprints,
        })
    }

    /// Theme files by plain output path, with their content-hashed output path.
    pub fn fingerprints(&self) -> &BTreeMap<String, String> {
        &self.fingerprints
    }

    pub fn strings(&self) -> &Strings {
        &self.strings
    }

    /// Every output of the site, in a stable order.
    pub fn all_outputs(site: &Site) -> Vec<Output> {
        let mut out: Vec<Output> = (0..site.pages.len()).map(Output::Page).collect();
        for (key, items) in &site.sections {
            let n = Self::list_pages(site, key, items.len());
            for page in 2..=n {
                out.push(Output::ListPage(key.clone(), page));
            }
        }
        for (scope, tags) in &site.tags {
            out.push(Output::TagIndex(scope.clone()));
            for (slug, (_, items)) in tags {
                let n = items.len().div_ceil(site.config.paginate_by).max(1);
                for page in 1..=n {
                    out.push(Output::Tag(scope.clone(), slug.clone(), page));
                }
            }
        }
        out.push(Output::NotFound);
        out
    }

    /// Pages 2.. of a section's list.
    pub fn all_list_pages(site: &Site, key: &SectionKey) -> Vec<Output> {
        let n = Self::list_pages(site, key, 0);
        (2..=n).map(|p| Output::ListPage(key.clone(), p)).collect()
    }

    fn list_pages(site: &Site, key: &SectionKey, _n: usize) -> usize {
        let visible = visible_items(site, key).len();
        if key.by_weight() {
            1
        } else {
            visible.div_ceil(site.config.paginate_by).max(1)
        }
    }

    /// Output path and access rule of an output.
    pub fn target(site: &Site, out: &Output) -> (String, Access) {
        match out {
            Output::Page(i) => (site.pages[*i].output_path(), site.pages[*i].access.clone()),
            Output::ListPage(k, n) => (
                url_to_file(&format!("{}page/{n}/", k.url())),
                section_access(site, k),
            ),
            Output::TagIndex(scope) => (url_to_file(&scope.base_url()), scope.access()),
            Output::Tag(scope, slug, n) => {
                let base = format!("{}{slug}/", scope.base_url());
                let url = if *n == 1 {
                    base
                } else {
                    format!("{base}page/{n}/")
                };
                (url_to_file(&url), scope.access())
            }
            Output::NotFound => ("404.html".into(), Access::public()),
        }
    }

    pub fn render(&self, site: &Site, out: &Output) -> Result<Vec<u8>, BuildError> {
        let html = match out {
            Output::Page(i) => self.render_page(site, *i)?,
            Output::ListPage(k, n) => {
                let idx = site.section_index[k];
                self.render_list(site, idx, k, *n)?
            }
            Output::TagIndex(scope) => self.render_tag_index(site, scope)?,
            Output::Tag(scope, slug, n) => self.render_tag(site, scope, slug, *n)?,
            Output::NotFound => {
                let mut ctx = self.base_ctx(&Access::public(), "/404.html");
                ctx.insert("title", self.strings.get("not_found_title"));
                self.run("404.html", &ctx)?
            }
        };
        Ok(if self.minify {
            minify(&html)
        } else {
            html.into_bytes()
        })
    }

    fn run(&self, template: &str, ctx: &Context) -> Result<String, BuildError> {
        self.tera
            .render(template, ctx)
            .map_err(|e| BuildError::Theme(format!("{template} : {}", tera_error_chain(&e))))
    }

    fn base_ctx(&self, access: &Access, url: &str) -> Context {
        let mut ctx = Context::new();
        ctx.insert("site", &self.site_ctx);
        ctx.insert("page_url", url);
        ctx.insert("private_label", &private_label(access, &self.strings));
        ctx.insert("is_private", &!access.is_public());
        ctx
    }

    fn crumbs(&self, site: &Site, page: &Page) -> Vec<Crumb> {
        let mut crumbs = vec![Crumb {
            title: self.strings.get("nav_home").to_string(),
            url: "/".into(),
        }];
        let school = match &page.place {
            Place::School(_) | Place::Home => None,
            Place::Index(k) | Place::Item(k) => k.school(),
        };
        if let Some(s) = school {
            if let Some(&i) = site.schools.get(s) {
                crumbs.push(Crumb {
                    title: site.pages[i].title.clone(),
                    url: site.pages[i].url.clone(),
                });
            }
        }
        if let Place::Item(k) = &page.place {
            if let Some(&i) = site.section_index.get(k) {
                let title = match k {
                    // A class title may be private while the post is school-wide.
                    SectionKey::Class(_, c) if !site.pages[i].access.covers(&page.access) => {
                        format!("{} {}", self.strings.get("class_label"), class_label(c))
                    }
                    _ => site.pages[i].title.clone(),
                };
                crumbs.push(Crumb {
                    title,
                    url: site.pages[i].url.clone(),
                });
            }
        }
        crumbs
    }

    fn render_page(&self, site: &Site, i: usize) -> Result<String, BuildError> {
        let page = &site.pages[i];
        match &page.place {
            Place::Home => self.render_home(site, i),
            Place::School(s) => self.render_school(site, i, s),
            Place::Index(k) => self.render_list(site, i, k, 1),
            Place::Item(k) => {
                let mut ctx = self.base_ctx(&page.access, &page.url);
                ctx.insert("crumbs", &self.crumbs(site, page));
                ctx.insert("title", &page.title);
                ctx.insert("card", &site.cards[i]);
                ctx.insert("content", &crate::content::body_html(site, page)?);
                let comments = crate::manifest::comment_rule(site, i).is_some();
                ctx.insert("comments", &comments);
                let template = match k {
                    SectionKey::Charters => {
                        ctx.insert("version", &page.meta.version);
                        "charter.html"
                    }
                    SectionKey::Guides => "guide.html",
                    _ => "post.html",
                };
                self.run(template, &ctx)
            }
        }
    }

    fn render_home(&self, site: &Site, i: usize) -> Result<String, BuildError> {
        let page = &site.pages[i];
        let mut ctx = self.base_ctx(&page.access, "/");
        ctx.insert("title", &page.title);
        ctx.insert("content", &page.html);
        let public = Access::public();
        let news = latest(site, &SectionKey::TownNews, &public, 5);
        ctx.insert("news", &news);
        let mut school_news: Vec<usize> = site
            .sections
            .iter()
            .filter(|(k, _)| matches!(k, SectionKey::SchoolNews(_)))
            .flat_map(|(_, items)| items.iter().copied())
            .filter(|&j| site.pages[j].access.is_public())
            .collect();
        school_news.sort_by(|&a, &b| site.pages[b].date.cmp(&site.pages[a].date));
        school_news.truncate(6);
        let school_news: Vec<&Card> = school_news.iter().map(|&j| &site.cards[j]).collect();
        ctx.insert("school_news", &school_news);
        let schools: Vec<Value> = site
            .schools
            .values()
            .map(|&j| json!({"title": site.pages[j].title, "url": site.pages[j].url, "summary": site.pages[j].summary}))
            .collect();
        ctx.insert("schools", &schools);
        ctx.insert("guides", &latest(site, &SectionKey::Guides, &public, 20));
        self.run("home.html", &ctx)
    }

    fn render_school(&self, site: &Site, i: usize, school: &str) -> Result<String, BuildError> {
        let page = &site.pages[i];
        let mut ctx = self.base_ctx(&page.access, &page.url);
        ctx.insert("crumbs", &self.crumbs(site, page));
        ctx.insert("title", &page.title);
        ctx.insert("content", &page.html);
        ctx.insert("extra", &page.meta.extra);
        let news_key = SectionKey::SchoolNews(school.to_string());
        ctx.insert("news", &latest(site, &news_key, &page.access, 5));
        ctx.insert("news_url", &news_key.url());
        ctx.insert(
            "periscolaire_url",
            &SectionKey::Periscolaire(school.to_string()).url(),
        );
        let classes: Vec<Value> = site
            .classes
            .get(school)
            .map(|cs| {
                cs.iter()
                    .map(|c| {
                        let k = SectionKey::Class(school.to_string(), c.clone());
                        json!({"label": class_label(c), "url": k.url()})
                    })
                    .collect()
            })
            .unwrap_or_default();
        ctx.insert("classes", &classes);
        self.run("school.html", &ctx)
    }

    fn render_list(
        &self,
        site: &Site,
        idx: usize,
        key: &SectionKey,
        n: usize,
    ) -> Result<String, BuildError> {
        let index = &site.pages[idx];
        let items = visible_items(site, key);
        let per = if key.by_weight() {
            usize::MAX
        } else {
            site.config.paginate_by
        };
        let total = if key.by_weight() {
            1
        } else {
            items.len().div_ceil(per).max(1)
        };
        let start = (n - 1).saturating_mul(per).min(items.len());
        let end = start.saturating_add(per).min(items.len());
        let cards: Vec<&Card> = items[start..end].iter().map(|&j| &site.cards[j]).collect();
        let url = if n == 1 {
            key.url()
        } else {
            format!("{}page/{n}/", key.url())
        };
        let mut ctx = self.base_ctx(&index.access, &url);
        ctx.insert("crumbs", &self.crumbs(site, index));
        ctx.insert("title", &index.title);
        ctx.insert("content", if n == 1 { index.html.as_str() } else { "" });
        ctx.insert("items", &cards);
        ctx.insert("pagination", &pagination(&key.url(), n, total));
        ctx.insert("feed_url", &format!("{}atom.xml", key.url()));
        ctx.insert("is_class", &matches!(key, SectionKey::Class(..)));
        if let SectionKey::Class(s, c) = key {
            let tags = site.tags.get(&TagScope::Class(s.clone(), c.clone()));
            ctx.insert(
                "tags",
                &tag_list(&TagScope::Class(s.clone(), c.clone()), tags),
            );
        }
        let template = if matches!(key, SectionKey::Guides | SectionKey::Charters) {
            "guides.html"
        } else {
            "list.html"
        };
        self.run(template, &ctx)
    }

    fn render_tag_index(&self, site: &Site, scope: &TagScope) -> Result<String, BuildError> {
        let mut ctx = self.base_ctx(&scope.access(), &scope.base_url());
        ctx.insert("title", self.strings.get("tags_title"));
        ctx.insert("tags", &tag_list(scope, site.tags.get(scope)));
        ctx.insert("crumbs", &self.tag_crumbs(site, scope));
        self.run("tags.html", &ctx)
    }

    fn tag_crumbs(&self, site: &Site, scope: &TagScope) -> Vec<Crumb> {
        let mut crumbs = vec![Crumb {
            title: self.strings.get("nav_home").to_string(),
            url: "/".into(),
        }];
        if let TagScope::Class(s, c) = scope {
            if let Some(&i) = site.schools.get(s) {
                crumbs.push(Crumb {
                    title: site.pages[i].title.clone(),
                    url: site.pages[i].url.clone(),
                });
            }
            let k = SectionKey::Class(s.clone(), c.clone());
            if let Some(&i) = site.section_index.get(&k) {
                crumbs.push(Crumb {
                    title: site.pages[i].title.clone(),
                    url: site.pages[i].url.clone(),
                });
            }
        }
        crumbs.push(Crumb {
            title: self.strings.get("tags_title").to_string(),
            url: scope.base_url(),
        });
        crumbs
    }

    fn render_tag(
        &self,
        site: &Site,
        scope: &TagScope,
        slug: &str,
        n: usize,
    ) -> Result<String, BuildError> {
        let Some((name, items)) = site.tags.get(scope).and_then(|t| t.get(slug)) else {
            return Err(BuildError::Theme(format!("étiquette inconnue {slug}")));
        };
        let per = site.config.paginate_by;
        let total = items.len().div_ceil(per).max(1);
        let start = ((n - 1) * per).min(items.len());
        let end = (start + per).min(items.len());
        let cards: Vec<&Card> = items[start..end].iter().map(|&j| &site.cards[j]).collect();
        let base = format!("{}{slug}/", scope.base_url());
        let mut ctx = self.base_ctx(&scope.access(), &base);
        ctx.insert(
            "title",
            &format!("{} « {name} »", self.strings.get("tag_title_prefix")),
        );
        ctx.insert("content", "");
        ctx.insert("items", &cards);
        ctx.insert("pagination", &pagination(&base, n, total));
        ctx.insert("crumbs", &self.tag_crumbs(site, scope));
        ctx.insert("is_class", &false);
        self.run("list.html", &ctx)
    }

    /// The edge's pages, with slots left for the edge to fill. Not minified: the edge
    /// splits them at their `@@SLOT@@` markers. The charter gate gets one shell per
    /// audience with that charter's text inside. A shell that lacks a slot the edge fills,
    /// or has a marker that is no slot, is a theme error.
    pub fn render_shells(&self, site: &Site) -> Result<Vec<(String, Vec<u8>)>, BuildError> {
        let mut out = Vec::new();
        for name in ShellName::all() {
            let charter = match name {
                ShellName::Gate(aud) => match site.charters.get(&aud) {
                    Some(&i) => Some(&site.pages[i]),
                    // No charter for this audience: nothing to accept, no gate page.
                    None => continue,
                },
                _ => None,
            };
            let mut ctx = self.base_ctx(&Access::public(), "@@URL@@");
            ctx.insert("title", "@@TITLE@@");
            let template = format!("edge/{}.html", name.template());
            let mut html = Shell::parse(&self.run(&template, &ctx)?);
            if let Some(charter) = charter {
                let body = SafeHtml::trusted(format!(
                    "<h2>{}</h2>{}",
                    tera::escape_html(&charter.title),
                    charter.html
                ));
                html = Shell::parse(&html.fill_some(&[(Slot::Charter, &body)]));
            }
            let problems = html.problems(name);
            if !problems.is_empty() {
                let list: Vec<String> = problems
                    .iter()
                    .map(|p| match p {
                        ShellProblem::Missing(s) => format!("{} manquant", s.marker()),
                        ShellProblem::Unknown(n) => format!("@@{n}@@ inconnu"),
                    })
                    .collect();
                return Err(BuildError::Theme(format!(
                    "templates/{template} : {}",
                    list.join(", ")
                )));
            }
            out.push((name.path(), html.fill_some(&[]).into_bytes()));
        }
        Ok(out)
    }

    /// Whole pages for when the edge cannot answer (the Worker could not start, or crashed).
    pub fn render_error_pages(&self) -> Result<Vec<(String, Vec<u8>)>, BuildError> {
        let shell = Shell::parse(&{
            let mut ctx = self.base_ctx(&Access::public(), "");
            ctx.insert("title", "@@TITLE@@");
            self.run("edge/message.html", &ctx)?
        });
        let page = |status: u16, title: Text, text: Text| {
            let title = SafeHtml::text(self.strings.get(&format!("edge.{}", title.key())));
            let text = SafeHtml::text(self.strings.get(&format!("edge.{}", text.key())));
            (
                format!("{ERRORS_DIR}/{status}.html"),
                shell
                    .fill(&[(Slot::Title, &title), (Slot::Message, &text)])
                    .into_bytes(),
            )
        };
        Ok(vec![
            page(500, Text::InternalError, Text::InternalErrorText),
            page(503, Text::Unavailable, Text::UnavailableText),
        ])
    }
}

/// Items of a section that may appear on its index (never wider than the index's audience).
pub fn visible_items(site: &Site, key: &SectionKey) -> Vec<usize> {
    let access = section_access(site, key);
    site.sections
        .get(key)
        .map(|items| {
            items
                .iter()
                .copied()
                .filter(|&j| site.pages[j].access.covers(&access))
                .collect()
        })
        .unwrap_or_default()
}

pub fn section_access(site: &Site, key: &SectionKey) -> Access {
    site.section_index
        .get(key)
        .map(|&i| site.pages[i].access.clone())
        .unwrap_or_else(Access::internal)
}

fn latest<'a>(site: &'a Site, key: &SectionKey, audience: &Access, n: usize) -> Vec<&'a Card> {
    site.sections
        .get(key)
        .map(|items| {
            items
                .iter()
                .filter(|&&j| site.pages[j].access.covers(audience))
                .take(n)
                .map(|&j| &site.cards[j])
                .collect()
        })
        .unwrap_or_default()
}

fn tag_list(
    scope: &TagScope,
    tags: Option<&std::collections::BTreeMap<String, (String, Vec<usize>)>>,
) -> Vec<Value> {
    tags.map(|t| {
        t.iter()
            .map(|(slug, (name, items))| json!({"name": name, "url": format!("{}{slug}/", scope.base_url()), "count": items.len()}))
            .collect()
    })
    .unwrap_or_default()
}

fn pagination(base: &str, n: usize, total: usize) -> Pagination {
    let url = |k: usize| {
        if k == 1 {
            base.to_string()
        } else {
            format!("{base}page/{k}/")
        }
    };
    Pagination {
        current: n,
        total,
        prev_url: (n > 1).then(|| url(n - 1)),
        next_url: (n < total).then(|| url(n + 1)),
    }
}

fn private_label(access: &Access, strings: &Strings) -> Option<String> {
    let key = match access.visibility {
        Visibility::Public => return None,
        Visibility::School => "private_school",
        Visibility::Class => "private_class",
        Visibility::Staff => "private_staff",
        Visibility::Internal => return None,
    };
    Some(strings.get(key).to_string())
}

pub fn minify(html: &str) -> Vec<u8> {
    let mut cfg = minify_html::Cfg::new();
    cfg.keep_closing_tags = true;
    cfg.keep_html_and_head_opening_tags = true;
    cfg.minify_css = true;
    minify_html::minify(html.as_bytes(), &cfg)
}

fn tera_error_chain(e: &tera::Error) -> String {
    let mut msg = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        msg.push_str(" : ");
        msg.push_str(&s.to_string());
        source = s.source();
    }
    msg
}

/// Hash every file of the theme's `static/` folder (a few small files).
fn theme_fingerprints(theme: &Theme) -> BTreeMap<String, String> {
    theme
        .under("static")
        .map(|(rel, data)| {
            let plain = format!("theme/{rel}");
            let hashed = crate::encode::fingerprinted_name(&plain, &crate::encode::hash(data));
            (plain, hashed)
        })
        .collect()
}

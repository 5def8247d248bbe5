//! Page shells: the edge's pages (sign-in, charter gate, Mon espace, messages…) rendered by
//! the theme at build time with `@@SLOT@@` markers, and filled by the edge per request.
//!
//! A shell is parsed once into literal parts and slots; filling writes each part once, so
//! a value is never scanned again: a title containing `@@CSRF@@` stays that text.

use crate::access::Audience;
use crate::html::SafeHtml;

/// Folder (inside the output's private folder) that holds the shells.
pub const SHELLS_DIR: &str = "_preau/shells";
/// The edge's interface text (the `[edge]` table of the theme's strings file, as JSON).
pub const STRINGS_PATH: &str = "_preau/strings.json";
/// Whole pages for failures where the core cannot answer (the Worker could not start, or
/// its wasm instance crashed): rendered at build, served by the adapter.
pub const ERRORS_DIR: &str = "_preau/errors";

macro_rules! slots {
    ($($variant:ident => $name:literal),* $(,)?) => {
        /// A marker `@@NAME@@` in a shell.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Slot { $($variant),* }

        impl Slot {
            pub const ALL: &'static [Slot] = &[$(Slot::$variant),*];

            pub fn name(self) -> &'static str {
                match self { $(Slot::$variant => $name),* }
            }
        }
    };
}

slots! {
    Title => "TITLE",
    Url => "URL",
    Message => "MESSAGE",
    Error => "ERROR",
    Csrf => "CSRF",
    Next => "NEXT",
    Login => "LOGIN",
    Name => "NAME",
    Role => "ROLE",
    Places => "PLACES",
    Latest => "LATEST",
    Notice => "NOTICE",
    Charter => "CHARTER",
    Actions => "ACTIONS",
    Scopes => "SCOPES",
    Results => "RESULTS",
    Gallery => "GALLERY",
    Code => "CODE",
}

impl Slot {
    pub fn parse(name: &str) -> Option<Slot> {
        Slot::ALL.iter().copied().find(|s| s.name() == name)
    }

    pub fn marker(self) -> String {
        format!("@@{}@@", self.name())
    }
}

/// The edge's pages, by what they are for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ShellName {
    Signin,
    /// The charter gate; one shell per audience, with that charter's text inside.
    Gate(Audience),
    Forbidden,
    Space,
    Password,
    Media,
    Moderation,
    /// The pupils of one's classes without photo permission.
    ClassList,
    /// Everything stored about oneself.
    MyData,
    /// The online editor's list of posts (`/espace/ecrire/`).
    Writing,
    /// The online editor's form.
    Editor,
    Message,
    /// `/activer/`: the code of the invitation letter.
    Activation,
    /// `/activer/`, second step: the account's first password.
    ActivationPassword,
}

impl ShellName {
    pub fn all() -> Vec<ShellName> {
        let mut v = vec![
            ShellName::Signin,
            ShellName::Forbidden,
            ShellName::Space,
            ShellName::Password,
            ShellName::Media,
            ShellName::Moderation,
            ShellName::ClassList,
            ShellName::MyData,
            ShellName::Writing,
            ShellName::Editor,
            ShellName::Message,
            ShellName::Activation,
            ShellName::ActivationPassword,
        ];
        v.extend(Audience::ALL.iter().map(|a| ShellName::Gate(*a)));
        v
    }

    /// The theme's template (`templates/edge/<name>.html`).
    pub fn template(self) -> &'static str {
        match self {
            ShellName::Signin => "signin",
            ShellName::Gate(_) => "gate",
            ShellName::Forbidden => "forbidden",
            ShellName::Space => "espace",
            ShellName::Password => "mot-de-passe",
            ShellName::Media => "medias",
            ShellName::Moderation => "moderation",
            ShellName::ClassList => "classe",
            ShellName::MyData => "mes-donnees",
            ShellName::Writing => "ecrire",
            ShellName::Editor => "editeur",
            ShellName::Message => "message",
            ShellName::Activation => "activer",
            ShellName::ActivationPassword => "activer-mot-de-passe",
        }
    }

    /// Path of the built shell inside the output folder.
    pub fn path(self) -> String {
        match self {
            ShellName::Gate(a) => format!("{SHELLS_DIR}/gate-{}.html", a.as_str()),
            other => format!("{SHELLS_DIR}/{}.html", other.template()),
        }
    }

    /// Slots the edge fills on this page: a theme whose shell lacks one cannot work, and
    /// the build refuses it.
    pub fn required(self) -> &'static [Slot] {
        use Slot::*;
        match self {
            ShellName::Signin => &[Title, Error, Csrf, Next, Login],
            ShellName::Gate(_) => &[Title, Notice, Csrf, Next],
            ShellName::Forbidden => &[Title],
            ShellName::Space => &[Title, Name, Role, Places, Latest, Csrf, Actions],
            ShellName::Password => &[Title, Error, Csrf],
            ShellName::Media => &[Title, Csrf, Scopes, Results, Gallery],
            ShellName::Moderation => &[Title, Notice, Scopes, Results],
            ShellName::ClassList => &[Title, Results],
            ShellName::MyData => &[Title, Results],
            ShellName::Writing => &[Title, Notice, Results],
            ShellName::Editor => &[Title, Error, Results, Gallery],
            ShellName::Message => &[Title, Message],
            ShellName::Activation => &[Title, Error, Csrf, Code],
            ShellName::ActivationPassword => &[Title, Error, Csrf, Code, Login],
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Text(String),
    Slot(Slot),
}

/// A parsed shell.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Shell {
    parts: Vec<Part>,
    len: usize,
}

/// What is wrong with a theme's shell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShellProblem {
    Missing(Slot),
    Unknown(String),
}

impl Shell {
    /// Split `html` at its `@@NAME@@` markers. A marker whose name is not a slot stays
    /// text (and is reported by `problems`).
    pub fn parse(html: &str) -> Shell {
        let mut parts = Vec::new();
        let mut text = String::new();
        let mut rest = html;
        while let Some(i) = rest.find("@@") {
            let after = &rest[i + 2..];
            let name_len = after
                .bytes()
                .take_while(|b| b.is_ascii_uppercase() || *b == b'_')
                .count();
            match Slot::parse(&after[..name_len]) {
                Some(slot) if after[name_len..].starts_with("@@") => {
                    text.push_str(&rest[..i]);
                    if !text.is_empty() {
                        parts.push(Part::Text(std::mem::take(&mut text)));
                    }
                    parts.push(Part::Slot(slot));
                    rest = &after[name_len + 2..];
                }
                _ => {
                    text.push_str(&rest[..i + 2]);
                    rest = after;
                }
            }
        }
        text.push_str(rest);
        if !text.is_empty() {
            parts.push(Part::Text(text));
        }
        Shell {
            parts,
            len: html.len(),
        }
    }

    pub fn has(&self, slot: Slot) -> bool {
        self.parts.contains(&Part::Slot(slot))
    }

    /// Required slots that are absent, and `@@NAME@@`-looking markers that are no slot.
    pub fn problems(&self, name: ShellName) -> Vec<ShellProblem> {
        let mut out: Vec<ShellProblem> = name
            .required()
            .iter()
            .filter(|s| !self.has(**s))
            .map(|s| ShellProblem::Missing(*s))
            .collect();
        for p in &self.parts {
            if let Part::Text(t) = p {
                let mut rest = t.as_str();
                while let Some(i) = rest.find("@@") {
                    let after = &rest[i + 2..];
                    let n = after
                        .bytes()
                        .take_while(|b| b.is_ascii_uppercase() || *b == b'_')
                        .count();
                    if n > 0 && after[n..].starts_with("@@") {
                        out.push(ShellProblem::Unknown(after[..n].to_string()));
                        rest = &after[n + 2..];
                    } else {
                        rest = after;
                    }
                }
            }
        }
        out
    }

    /// The page with every slot replaced by its value (empty when not given), in one pass.
    pub fn fill(&self, values: &[(Slot, &SafeHtml)]) -> String {
        let extra: usize = values.iter().map(|(_, v)| v.as_str().len()).sum();
        let mut out = String::with_capacity(self.len + extra);
        for p in &self.parts {
            match p {
                Part::Text(t) => out.push_str(t),
                Part::Slot(s) => {
                    if let Some((_, v)) = values.iter().find(|(k, _)| k == s) {
                        out.push_str(v.as_str());
                    }
                }
            }
        }
        out
    }

    /// Fill only the given slots and keep the others as markers (the generator puts the
    /// charter's text into the gate shell at build time and leaves the rest to the edge).
    pub fn fill_some(&self, values: &[(Slot, &SafeHtml)]) -> String {
        let mut out = String::with_capacity(self.len);
        for p in &self.parts {
            match p {
                Part::Text(t) => out.push_str(t),
                Part::Slot(s) => match values.iter().find(|(k, _)| k == s) {
                    Some((_, v)) => out.push_str(&neutralise(v.as_str())),
                    None => out.push_str(&s.marker()),
                },
            }
        }
        out
    }
}

/// Content placed into a shell at build time must not create markers for the edge: `@@`
/// becomes `&#64;@`, which a browser shows the same.
pub fn neutralise(html: &str) -> String {
    html.replace("@@", "&#64;@")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_every_slot_once_and_never_rescans_values() {
        let shell = Shell::parse(
            "<title>@@TITLE@@</title><p>@@NAME@@</p><input value=\"@@CSRF@@\">@@URL@@",
        );
        let name = SafeHtml::text("@@CSRF@@ <b>x</b> @@TITLE@@");
        let title = SafeHtml::text("@@NAME@@");
        let csrf = SafeHtml::trusted("TOKEN");
        let html = shell.fill(&[
            (Slot::Title, &title),
            (Slot::Name, &name),
            (Slot::Csrf, &csrf),
        ]);
        assert_eq!(
            html,
            "<title>@@NAME@@</title><p>@@CSRF@@ &lt;b&gt;x&lt;/b&gt; @@TITLE@@</p><input value=\"TOKEN\">"
        );
        assert_eq!(html.matches("TOKEN").count(), 1);
    }

    #[test]
    fn reports_missing_and_unknown_slots() {
        let shell = Shell::parse("<p>@@TITLE@@ @@MESAGE@@ a@@b @@ @@@@</p>");
        let problems = shell.problems(ShellName::Message);
        assert_eq!(
            problems,
            vec![
                ShellProblem::Missing(Slot::Message),
                ShellProblem::Unknown("MESAGE".into())
            ]
        );
        assert!(Shell::parse("@@TITLE@@@@MESSAGE@@")
            .problems(ShellName::Message)
            .is_empty());
    }

    #[test]
    fn build_time_content_cannot_plant_markers() {
        let gate = Shell::parse("<div>@@CHARTER@@</div><input value=\"@@CSRF@@\">");
        let charter = SafeHtml::trusted("<p>Écrivez @@CSRF@@</p>");
        let built = gate.fill_some(&[(Slot::Charter, &charter)]);
        let reparsed = Shell::parse(&built);
        let token = SafeHtml::trusted("TOKEN");
        let page = reparsed.fill(&[(Slot::Csrf, &token)]);
        assert_eq!(page.matches("TOKEN").count(), 1);
        assert!(page.contains("&#64;@CSRF&#64;@"));
    }
}

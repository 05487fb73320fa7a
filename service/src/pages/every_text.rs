//! Keeps the pages' invariant true: every text a page shows comes from
//! the catalogue, and every French text the code gives it has its
//! English there.
//!
//! Templates: once tags, askama's blocks, expressions and comments are
//! removed, no letter may remain, nor in the attributes people read
//! (`aria-label`, `placeholder`, `title`, `alt`). The keys are the string
//! literals inside the catalogue's calls (`tr`, `tr1`, `tr2`, `tr3`,
//! `fill`, `count`), in the templates and in the service's code outside
//! its tests; the names `french` gives and the pages translate where they
//! print them are listed here by hand.
#![cfg(test)]

use std::path::{Path, PathBuf};

use registre_projections::resolutions::MotionResult;
use registre_schema::Role;
use registre_schema::events::session::{MotionKind, SessionKind};

use crate::application::documents::DocumentError;
use crate::{catalogue, french};

/// The calls whose string literals are catalogue keys.
const CALLS: [&str; 6] = [".tr(", ".tr1(", ".tr2(", ".tr3(", ".fill(", ".count("];

/// Attributes a person reads (or hears).
const READ_ATTRIBUTES: [&str; 4] = ["aria-label", "placeholder", "title", "alt"];

fn service_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The files under `dir` whose names end with `extension`, with their text.
fn files(dir: &Path, extension: &str) -> Vec<(PathBuf, String)> {
    let mut found = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("a readable folder") {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == extension) {
                let text = std::fs::read_to_string(&path).expect("a readable file");
                found.push((path, text));
            }
        }
    }
    found.sort();
    found
}

/// `text` without what lies between each `open` and the next `close`.
fn without(text: &str, open: &str, close: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(open) {
        out.push_str(&rest[..at]);
        out.push(' ');
        rest = match rest[at + open.len()..].find(close) {
            Some(end) => &rest[at + open.len() + end + close.len()..],
            None => "",
        };
    }
    out.push_str(rest);
    out
}

/// What a template shows that does not come from its expressions: each
/// piece of text left, and each read attribute's value left, that has a
/// letter.
fn bare_text(template: &str) -> Vec<String> {
    let code_free = without(
        &without(&without(template, "{#", "#}"), "{%", "%}"),
        "{{",
        "}}",
    );
    let has_letter = |s: &str| s.chars().any(char::is_alphabetic);
    let mut bare = Vec::new();
    for attribute in READ_ATTRIBUTES {
        let marker = format!(" {attribute}=\"");
        let mut rest = code_free.as_str();
        while let Some(at) = rest.find(&marker) {
            rest = &rest[at + marker.len()..];
            let value = rest.split('"').next().unwrap_or("");
            if has_letter(value) {
                bare.push(format!("{attribute}=\"{value}\""));
            }
        }
    }
    let text = without(&code_free, "<", ">");
    // HTML's named entities (`&amp;`) are markup, not words.
    let mut words = String::new();
    for (i, piece) in text.split('&').enumerate() {
        let entity_end = piece.find(';').filter(|e| {
            i > 0
                && *e <= 8
                && piece[..*e]
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '#')
        });
        words.push_str(entity_end.map_or(piece, |e| &piece[e + 1..]));
        words.push(' ');
    }
    bare.extend(
        words
            .lines()
            .map(str::trim)
            .filter(|l| has_letter(l))
            .map(str::to_owned),
    );
    bare
}

/// The string literals inside the catalogue's calls in `source` (nested
/// calls and `match` arms included).
fn keys(source: &str) -> Vec<String> {
    let mut found = Vec::new();
    for call in CALLS {
        let mut rest = source;
        while let Some(at) = rest.find(call) {
            rest = &rest[at + call.len()..];
            let mut depth = 1;
            let mut chars = rest.char_indices();
            while let Some((_, c)) = chars.next() {
                match c {
                    '(' => depth += 1,
                    ')' => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    '"' => {
                        let mut literal = String::new();
                        while let Some((_, c)) = chars.next() {
                            match c {
                                '"' => break,
                                '\\' => match chars.next() {
                                    Some((_, 'n')) => literal.push('\n'),
                                    Some((_, other)) => literal.push(other),
                                    None => {}
                                },
                                c => literal.push(c),
                            }
                        }
                        found.push(literal);
                    }
                    _ => {}
                }
            }
        }
    }
    found
}

/// The service's code outside its tests (each test module is a file's
/// last part, or the whole file) and its comments.
fn code() -> Vec<(PathBuf, String)> {
    files(&service_dir().join("src"), "rs")
        .into_iter()
        .map(|(path, text)| {
            let code = text
                .split("#[cfg(test)]")
                .next()
                .unwrap_or("")
                .split("#![cfg(test)]")
                .next()
                .unwrap_or("")
                .lines()
                .filter(|l| !l.trim_start().starts_with("//"))
                .collect::<Vec<_>>()
                .join("\n");
            (path, code)
        })
        .collect()
}

/// The keys of `texts` the catalogue has no English for.
fn untranslated<'a>(texts: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    texts
        .into_iter()
        .filter(|t| catalogue::english(t).is_none())
        .map(|t| format!("{t:?}"))
        .collect()
}

#[test]
fn given_every_template_when_its_code_is_removed_then_no_word_is_left() {
    let templates = files(&service_dir().join("templates"), "html");
    assert!(templates.len() > 20, "{} templates", templates.len());
    for (path, text) in templates {
        let bare = bare_text(&text);
        assert!(
            bare.is_empty(),
            "{}: text outside the catalogue: {bare:#?}",
            path.display()
        );
    }
}

#[test]
fn given_a_template_with_a_bare_word_when_checked_then_it_is_found() {
    let clean = r#"<p title="{{ frame.tr("Titre") }}">{{ frame.tr("Bonjour") }} &amp; · 12</p>{# un commentaire #}{% if x == "oui" %}{% endif %}"#;
    assert_eq!(bare_text(clean), Vec::<String>::new());
    let bare = r#"<p>{{ frame.tr("Bonjour") }} Mali</p>"#;
    assert_eq!(bare_text(bare), vec!["Mali"]);
    let attribute = r#"<input placeholder="Nom du délégué">"#;
    assert_eq!(
        bare_text(attribute),
        vec![r#"placeholder="Nom du délégué""#]
    );
}

/// Fails naming each file with a key the catalogue has no English for;
/// `at_least` keys must be found (the scan itself works).
fn each_key_has_its_english(sources: Vec<(PathBuf, String)>, at_least: usize) {
    let mut keys_seen = 0;
    for (path, text) in sources {
        let found = keys(&text);
        keys_seen += found.len();
        let missing = untranslated(found.iter().map(String::as_str));
        assert!(
            missing.is_empty(),
            "{}: no English for {missing:#?}",
            path.display()
        );
    }
    assert!(keys_seen >= at_least, "{keys_seen} keys");
}

#[test]
fn given_the_catalogue_calls_of_the_templates_when_read_then_each_key_has_its_english() {
    each_key_has_its_english(files(&service_dir().join("templates"), "html"), 300);
}

#[test]
fn given_the_catalogue_calls_of_the_code_when_read_then_each_key_has_its_english() {
    each_key_has_its_english(code(), 200);
}

#[test]
fn given_calls_with_literals_when_read_then_their_keys_are_found() {
    let source = r#"lang.tr(match k { A => "une", _ => "deux" }); t.fill("{} : {}", &[&x, &f("y")]); lang.count(n, "jour", "jours"); chars().count();"#;
    assert_eq!(
        keys(source),
        vec!["une", "deux", "{} : {}", "y", "jour", "jours"]
    );
}

#[test]
fn given_the_names_the_pages_translate_where_they_print_them_then_each_has_its_english() {
    let roles = [
        Role::Secretariat,
        Role::Auditor,
        Role::Dashboard,
        Role::System,
    ];
    let mut names: Vec<&str> = Vec::new();
    names.extend(french::STATUSES.map(french::status));
    names.extend(roles.map(french::role));
    names.extend(
        registre_schema::events::DomainEvent::TYPES
            .iter()
            .map(|(t, _)| french::event(t)),
    );
    names.extend(
        registre_schema::access::ACCESS_EVENT_TYPES
            .iter()
            .map(|t| french::event(t)),
    );
    names.extend([SessionKind::Ordinary, SessionKind::Extraordinary].map(french::session_kind));
    names.extend(
        [
            MotionKind::Ordinary,
            MotionKind::Election,
            MotionKind::Exclusion,
            MotionKind::StatuteAmendment,
            MotionKind::Dissolution,
        ]
        .map(french::motion_kind),
    );
    names.extend(
        [
            MotionResult::Adopted,
            MotionResult::Rejected,
            MotionResult::Pending,
        ]
        .map(french::motion_result),
    );
    names.extend(registre_documents::Kind::ALL.map(registre_documents::Kind::title));
    names.extend(
        [
            DocumentError::UnknownReference,
            DocumentError::UnknownSubject,
            DocumentError::NotYet,
            DocumentError::EmptyLog,
            DocumentError::Unavailable,
            DocumentError::Failed,
        ]
        .map(|e| e.message_fr()),
    );
    names.extend(super::seats::END_REASONS.map(|(_, r)| french::mandate_end(r)));
    names.extend(super::reorganisation::KINDS.map(|(_, k)| french::reorganisation(k)));
    names.extend(super::establishment::KINDS.map(|(_, label, _)| label));
    names.extend(super::establishment::LEVELS.map(|(_, label, _)| label));
    names.extend(super::amendment::MAJORITY_CHOICES.map(|(_, label, _)| label));
    // An event type `french::event` has no name for comes back as it is,
    // and has no English either.
    assert_eq!(untranslated(names), Vec::<String>::new());
}

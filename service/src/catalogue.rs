//! The pages' English: one message catalogue, gettext style, whose keys
//! are the French texts (`service/locales/en.po`, compiled in).
//!
//! French is the working language and the source: a text missing from the
//! catalogue shows in French rather than not at all. A key with values
//! marks each with `{}`, filled in order, so that an English sentence may
//! order its words as English does.

use std::collections::HashMap;
use std::sync::LazyLock;

/// The catalogue as shipped.
pub const ENGLISH_PO: &str = include_str!("../locales/en.po");

/// The English of each French text, read once.
static ENGLISH: LazyLock<HashMap<String, String>> = LazyLock::new(|| {
    parse(ENGLISH_PO)
        // The tests read the shipped catalogue: a broken one fails them.
        .unwrap_or_default()
        .into_iter()
        .map(|e| (e.msgid, e.msgstr))
        .collect()
});

/// The English of a French text, if the catalogue has it.
pub fn english(french: &str) -> Option<&'static str> {
    ENGLISH.get(french).map(String::as_str)
}

/// One entry of a PO file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub msgid: String,
    pub msgstr: String,
    /// The line its `msgid` starts on, for messages about it.
    pub line: usize,
}

/// The entries of a PO file, in order, the header (empty `msgid`) left
/// out. Reads the subset registre writes: `#` comments, `msgid "…"` then
/// `msgstr "…"`, each possibly continued by lines of `"…"`, with `\"`,
/// `\\`, `\n` and `\t` escapes.
pub fn parse(text: &str) -> Result<Vec<Entry>, String> {
    #[derive(PartialEq)]
    enum Part {
        None,
        Id,
        Str,
    }
    let mut entries = Vec::new();
    let (mut id, mut string, mut part, mut start) = (String::new(), String::new(), Part::None, 0);
    let mut finish = |id: &mut String, string: &mut String, start: usize| {
        if !id.is_empty() {
            entries.push(Entry {
                msgid: std::mem::take(id),
                msgstr: std::mem::take(string),
                line: start,
            });
        }
        id.clear();
        string.clear();
    };
    for (n, line) in text.lines().enumerate() {
        let n = n + 1;
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(rest) = line.strip_prefix("msgid ") {
            if part == Part::Id {
                return Err(format!("line {n}: msgid without msgstr"));
            }
            finish(&mut id, &mut string, start);
            id = quoted(rest).map_err(|e| format!("line {n}: {e}"))?;
            (part, start) = (Part::Id, n);
        } else if let Some(rest) = line.strip_prefix("msgstr ") {
            if part != Part::Id {
                return Err(format!("line {n}: msgstr without msgid"));
            }
            string = quoted(rest).map_err(|e| format!("line {n}: {e}"))?;
            part = Part::Str;
        } else if line.starts_with('"') {
            let more = quoted(line).map_err(|e| format!("line {n}: {e}"))?;
            match part {
                Part::Id => id.push_str(&more),
                Part::Str => string.push_str(&more),
                Part::None => return Err(format!("line {n}: a string outside an entry")),
            }
        } else {
            return Err(format!("line {n}: not a PO line: {line}"));
        }
    }
    if part == Part::Id {
        return Err("the last msgid has no msgstr".into());
    }
    finish(&mut id, &mut string, start);
    Ok(entries)
}

/// The text of one `"…"`, escapes read.
fn quoted(s: &str) -> Result<String, String> {
    let inner = s
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .ok_or_else(|| format!("expected a string between double quotes: {s}"))?;
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('"') => out.push('"'),
                Some('\\') => out.push('\\'),
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                other => return Err(format!("unknown escape \\{}", other.unwrap_or(' '))),
            },
            '"' => return Err(format!("an unescaped double quote in {s}")),
            c => out.push(c),
        }
    }
    Ok(out)
}

/// `{}` filled in order with `values`; a value missing leaves its `{}`.
pub fn fill(text: &str, values: &[&dyn std::fmt::Display]) -> String {
    let mut out = String::with_capacity(text.len() + 16 * values.len());
    let mut values = values.iter();
    let mut rest = text;
    while let Some(at) = rest.find("{}") {
        out.push_str(&rest[..at]);
        match values.next() {
            Some(v) => out.push_str(&v.to_string()),
            None => out.push_str("{}"),
        }
        rest = &rest[at + 2..];
    }
    out.push_str(rest);
    out
}

/// How many `{}` a text has.
pub fn placeholders(text: &str) -> usize {
    text.matches("{}").count()
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    fn shipped() -> Vec<Entry> {
        parse(ENGLISH_PO).unwrap_or_else(|e| panic!("en.po: {e}"))
    }

    #[test]
    fn given_the_shipped_catalogue_when_parsed_then_every_entry_has_its_english() {
        let entries = shipped();
        assert!(entries.len() > 100, "{} entries", entries.len());
        for e in &entries {
            assert!(
                !e.msgstr.trim().is_empty(),
                "line {}: {:?} has no English",
                e.line,
                e.msgid
            );
        }
    }

    #[test]
    fn given_the_shipped_catalogue_when_read_then_no_french_text_is_there_twice() {
        let mut seen = HashSet::new();
        for e in shipped() {
            assert!(
                seen.insert(e.msgid.clone()),
                "line {}: {:?} again",
                e.line,
                e.msgid
            );
        }
    }

    #[test]
    fn given_the_shipped_catalogue_when_read_then_each_english_has_the_values_of_its_french() {
        for e in shipped() {
            assert_eq!(
                placeholders(&e.msgid),
                placeholders(&e.msgstr),
                "line {}: {:?} → {:?}",
                e.line,
                e.msgid,
                e.msgstr
            );
        }
    }

    #[test]
    fn given_a_po_text_when_parsed_then_comments_escapes_and_continuations_are_read() {
        let text = r#"
# a comment
msgid ""
msgstr "Content-Type: text/plain; charset=UTF-8\n"

msgid "Dites « \"oui\" » \\ non"
msgstr "Say \"yes\" \\ no"

msgid "Une phrase "
"longue"
msgstr "A long "
"sentence"
"#;
        let entries = parse(text).unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].msgid, r#"Dites « "oui" » \ non"#);
        assert_eq!(entries[0].msgstr, r#"Say "yes" \ no"#);
        assert_eq!(entries[1].msgid, "Une phrase longue");
        assert_eq!(entries[1].msgstr, "A long sentence");
        assert_eq!(entries[1].line, 9);
    }

    #[test]
    fn given_broken_po_texts_when_parsed_then_the_line_is_named() {
        for (text, wanted) in [
            ("msgid \"a\"\nmsgid \"b\"\nmsgstr \"c\"", "line 2"),
            ("msgstr \"c\"", "line 1"),
            ("msgid \"a\nmsgstr \"b\"", "line 1"),
            ("msgid \"a \\q\"\nmsgstr \"b\"", "line 1"),
            ("msgid \"a\"", "no msgstr"),
            ("bonjour", "line 1"),
        ] {
            let e = parse(text).unwrap_err();
            assert!(e.contains(wanted), "{text:?}: {e}");
        }
    }

    #[test]
    fn given_a_text_with_values_when_filled_then_they_take_the_places_in_order() {
        assert_eq!(fill("{} sur {}", &[&1, &"deux"]), "1 sur deux");
        assert_eq!(fill("sans valeur", &[]), "sans valeur");
        assert_eq!(fill("{} et {}", &[&1]), "1 et {}");
        assert_eq!(placeholders("{} et {}"), 2);
    }
}

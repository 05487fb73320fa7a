//! docs/codes.md and the sources in step: every refusal code a source
//! gives is in the table, and every code in the table is given.

use std::collections::BTreeSet;
use std::path::Path;

/// Where codes are given: the domain's refusals, the API's, the imports',
/// the documents', the sign-in's and the witnesses'.
const SOURCES: &[&str] = &[
    "domain/src/error.rs",
    "service/src/graphql/errors.rs",
    "service/src/graphql/translation.rs",
    "service/src/graphql/limits.rs",
    "service/src/graphql/http.rs",
    "service/src/spreadsheets/mod.rs",
    "service/src/spreadsheets/members.rs",
    "service/src/spreadsheets/payments.rs",
    "service/src/application/documents/mod.rs",
    "service/src/application/accounts.rs",
    "service/src/server/checkpoints.rs",
    "service/src/audit_trail/witnesses.rs",
];

/// Where the pages say a code in their French text, `(code X)`.
const PAGES: &str = "service/src/pages";

/// The codes the pages write in their messages.
fn written_codes(text: &str, out: &mut BTreeSet<String>) {
    for (at, _) in text.match_indices("(code ") {
        let rest = &text[at + "(code ".len()..];
        let run = rest
            .find(|c: char| !(c.is_ascii_uppercase() || c == '_'))
            .unwrap_or(rest.len());
        // `(code {})` writes a code given elsewhere.
        if run > 0 {
            out.insert(rest[..run].to_owned());
        }
    }
}

/// The string literals of `text` that read as codes: capitals, digits
/// and underscores between double quotes, five characters at least.
fn codes(text: &str, out: &mut BTreeSet<String>) {
    for (at, _) in text.match_indices('"') {
        let rest = &text[at + 1..];
        let run = rest
            .find(|c: char| !(c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'))
            .unwrap_or(rest.len());
        let code = &rest[..run];
        if code.len() >= 5
            && code.starts_with(|c: char| c.is_ascii_uppercase())
            && rest[run..].starts_with('"')
        {
            out.insert(code.to_owned());
        }
    }
}

#[test]
fn every_refusal_code_is_in_the_table_and_every_code_of_the_table_is_given() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut given = BTreeSet::new();
    for source in SOURCES {
        let text = std::fs::read_to_string(root.join(source)).unwrap();
        // Tests give codes of their own making.
        let code = text.split("#[cfg(test)]").next().unwrap_or("");
        codes(code, &mut given);
    }
    for entry in std::fs::read_dir(root.join(PAGES)).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        written_codes(text.split("#[cfg(test)]").next().unwrap_or(""), &mut given);
    }
    let table = std::fs::read_to_string(root.join("docs/codes.md")).unwrap();
    let listed: BTreeSet<String> = table
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split('`').next())
        .map(str::to_owned)
        .collect();
    let missing: Vec<&String> = given.difference(&listed).collect();
    assert!(
        missing.is_empty(),
        "given but not in docs/codes.md: {missing:?}"
    );
    let stale: Vec<&String> = listed.difference(&given).collect();
    assert!(
        stale.is_empty(),
        "in docs/codes.md but given nowhere: {stale:?}"
    );
    assert!(listed.len() > 120, "only {} codes", listed.len());
}

//! The layering, checked on the sources so that it stays true: adapters
//! reach the service through `registre_service::application` alone, only the
//! store crate and start-up wiring (the command line) name a store
//! backend, and every event the service appends was decided by an
//! aggregate.

use std::path::{Path, PathBuf};

/// The adapters: they hold an `Application` and nothing else of the
/// service. (Folders that do not exist yet are skipped.)
const ADAPTERS: &[&str] = &[
    "service/src/graphql",
    "service/src/pages",
    "service/src/documents",
    "service/src/spreadsheets",
];

/// What an adapter must not name: the log's writer side and the services
/// the application wraps.
const NOT_IN_ADAPTERS: &[&str] = &[
    "EventStore",
    "registre_store",
    "crate::store",
    "crate::commands",
    "crate::projector",
    "CommandHandler",
    "Projector",
    "crate::accounts",
];

/// The backends, named only in the store crate, the command line, the
/// benchmarks and tests.
const BACKENDS: &[&str] = &["SqliteStore", "PostgresStore", "KurrentDbStore"];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// A file's code before its unit tests (`#[cfg(test)]`).
fn code(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    match text.find("#[cfg(test)]") {
        Some(i) => text[..i].to_owned(),
        None => text,
    }
}

/// `(file, line, name)` for every forbidden name outside comments.
fn offences(files: &[PathBuf], names: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for file in files {
        for (n, line) in code(file).lines().enumerate() {
            let line = line.split("//").next().unwrap_or_default();
            for name in names {
                if line.contains(name) {
                    found.push(format!("{}:{}: {name}", file.display(), n + 1));
                }
            }
        }
    }
    found
}

#[test]
fn adapters_reach_the_service_through_the_application_alone() {
    let mut files = Vec::new();
    for dir in ADAPTERS {
        rust_files(&root().join(dir), &mut files);
    }
    // The check must look at something: the GraphQL adapter and the
    // pages at least.
    for must in ["graphql/mutations/mod.rs", "pages/mod.rs"] {
        assert!(files.iter().any(|f| f.ends_with(must)), "{must} not read");
    }
    assert_eq!(offences(&files, NOT_IN_ADAPTERS), Vec::<String>::new());
}

#[test]
fn the_service_names_no_store_backend() {
    let mut files = Vec::new();
    rust_files(&root().join("service/src"), &mut files);
    assert!(files.len() > 50, "{} files", files.len());
    assert_eq!(offences(&files, BACKENDS), Vec::<String>::new());
}

/// Where the service may name an append: the command handler builds
/// them after an aggregate's decide (access tokens included), and the
/// metrics' store wrapper passes them on, counted.
const APPENDS_ALLOWED_IN: &[&str] = &["commands/handler.rs", "metrics.rs"];

#[test]
fn every_event_the_service_appends_is_decided() {
    let mut files = Vec::new();
    rust_files(&root().join("service/src"), &mut files);
    let found = offences(&files, &["AppendRequest", "append_batch", "import("]);
    let elsewhere: Vec<_> = found
        .iter()
        .filter(|f| !APPENDS_ALLOWED_IN.iter().any(|a| f.contains(a)))
        .collect();
    assert_eq!(elsewhere, Vec::<&String>::new());
    assert!(
        found.iter().any(|f| f.contains("commands/handler.rs")),
        "the handler's appends are found: {found:?}"
    );
}

#[test]
fn the_check_finds_what_it_looks_for() {
    // Given a file that names the store, the check reports it.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("adapter.rs");
    std::fs::write(
        &file,
        "// EventStore in a comment is fine\nuse crate::store::EventStore;\n",
    )
    .unwrap();
    let found = offences(&[file], NOT_IN_ADAPTERS);
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(found[0].ends_with(":2: EventStore"));
}

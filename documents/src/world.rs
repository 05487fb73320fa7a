//! The typst `World` a document is compiled in: everything in memory.
//!
//! Invariants: no file is read from disk, no package is downloaded (a
//! `@preview` import fails), and there is no clock (`datetime.today()`
//! fails): the template and its data are the whole input, so the same
//! data gives the same bytes.

use std::sync::LazyLock;

use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime, Duration};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};

/// The fonts shipped with typst (Libertinus Serif, New Computer Modern,
/// DejaVu Sans Mono), parsed once per process.
static FONTS: LazyLock<(LazyHash<FontBook>, Vec<Font>)> = LazyLock::new(|| {
    let fonts: Vec<Font> = typst_assets::fonts()
        .flat_map(|data| Font::iter(Bytes::new(data)))
        .collect();
    (LazyHash::new(FontBook::from_fonts(&fonts)), fonts)
});

static LIBRARY: LazyLock<LazyHash<Library>> = LazyLock::new(|| LazyHash::new(Library::default()));

/// A file of the in-memory project.
pub(crate) fn file_id(path: &str) -> FileId {
    let vpath = VirtualPath::new(path).expect("the documents' own paths are valid");
    RootedPath::new(VirtualRoot::Project, vpath).intern()
}

/// One compilation's inputs: typst sources by path and other files.
pub(crate) struct MemoryWorld {
    main: FileId,
    sources: Vec<Source>,
    files: Vec<(FileId, Bytes)>,
}

impl MemoryWorld {
    pub(crate) fn new(main: &str, sources: &[(&str, &str)], files: Vec<(&str, Bytes)>) -> Self {
        MemoryWorld {
            main: file_id(main),
            sources: sources
                .iter()
                .map(|(path, text)| Source::new(file_id(path), (*text).to_owned()))
                .collect(),
            files: files
                .into_iter()
                .map(|(path, bytes)| (file_id(path), bytes))
                .collect(),
        }
    }

    fn not_found(id: FileId) -> FileError {
        FileError::NotFound(id.get().vpath().get_with_slash().into())
    }
}

impl World for MemoryWorld {
    fn library(&self) -> &LazyHash<Library> {
        &LIBRARY
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &FONTS.0
    }

    fn main(&self) -> FileId {
        self.main
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        self.sources
            .iter()
            .find(|s| s.id() == id)
            .cloned()
            .ok_or_else(|| Self::not_found(id))
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if let Some(source) = self.sources.iter().find(|s| s.id() == id) {
            return Ok(Bytes::from_string(source.clone()));
        }
        self.files
            .iter()
            .find(|(f, _)| *f == id)
            .map(|(_, b)| b.clone())
            .ok_or_else(|| Self::not_found(id))
    }

    fn font(&self, index: usize) -> Option<Font> {
        FONTS.1.get(index).cloned()
    }

    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        None
    }
}

/// Whether the shipped fonts draw every character of `text` (the serif
/// the documents are set in).
pub fn fonts_cover(text: &str) -> bool {
    let fonts = &FONTS.1;
    text.chars().filter(|c| !c.is_whitespace()).all(|c| {
        fonts
            .iter()
            .filter(|f| f.info().family == "Libertinus Serif")
            .any(|f| f.info().coverage.contains(c as u32))
    })
}

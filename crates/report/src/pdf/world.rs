//! The one typst `World` Taper needs: a template, its JSON data, a chart, the bundled fonts.

use std::sync::OnceLock;

use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime, Duration};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};

/// Parsed once per process: the fonts typst-assets bundles (Libertinus Serif, New Computer
/// Modern, DejaVu Sans Mono) and the standard library.
struct Shared {
    library: LazyHash<Library>,
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
}

fn shared() -> &'static Shared {
    static SHARED: OnceLock<Shared> = OnceLock::new();
    SHARED.get_or_init(|| {
        let fonts: Vec<Font> = typst_assets::fonts().flat_map(|data| Font::iter(Bytes::new(data))).collect();
        Shared {
            library: LazyHash::new(Library::builder().build()),
            book: LazyHash::new(FontBook::from_fonts(&fonts)),
            fonts,
        }
    })
}

fn file_id(path: &str) -> FileId {
    // Every path is a constant of this module, so it always parses.
    let path = VirtualPath::new(path).expect("a constant path");
    FileId::new(RootedPath::new(VirtualRoot::Project, path))
}

pub struct DocumentWorld {
    main: Source,
    data_id: FileId,
    data: Bytes,
    /// A chart the document draws (`/chart.svg`), made by Taper's own SVG code.
    chart: Option<(FileId, Bytes)>,
}

impl DocumentWorld {
    pub fn new(template: &str, data: &[u8], chart: Option<&str>) -> Self {
        DocumentWorld {
            main: Source::new(file_id("/main.typ"), template.to_string()),
            data_id: file_id("/data.json"),
            data: Bytes::new(data.to_vec()),
            chart: chart.map(|svg| (file_id("/chart.svg"), Bytes::new(svg.as_bytes().to_vec()))),
        }
    }
}

impl World for DocumentWorld {
    fn library(&self) -> &LazyHash<Library> {
        &shared().library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &shared().book
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() { Ok(self.main.clone()) } else { Err(FileError::AccessDenied) }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        match &self.chart {
            _ if id == self.data_id => Ok(self.data.clone()),
            Some((chart, bytes)) if id == *chart => Ok(bytes.clone()),
            _ => Err(FileError::AccessDenied),
        }
    }

    fn font(&self, index: usize) -> Option<Font> {
        shared().fonts.get(index).cloned()
    }

    /// Templates print dates they are given, never today's: a document is the same whenever made.
    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        None
    }
}

//! PDFs laid out by typst, as a library: fonts embedded, no network, no files read.
//!
//! **Invariant:** no person's text is ever spliced into typst markup. Each document's values go
//! to its template as a JSON file (`/data.json`) the template reads with `json()`; a string read
//! that way is shown as text, so a note such as `#set text(red)` prints as typed.

mod calendar;
mod plan_doc;
mod world;

pub use calendar::{CalendarDay, MAX_MONTHS, Month, months, months_note};
pub use plan_doc::short_date;

use serde::Serialize;

/// The person's plan: each step, its dose and how to prepare it, the notes, the decision it is for.
const PLAN_TEMPLATE: &str = include_str!("plan.typ");
/// The prescriber's summary: the person's own choice of sections, page one first.
const SUMMARY_TEMPLATE: &str = include_str!("summary.typ");

/// Why a PDF could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("the document's data could not be written: {0}")]
    Data(#[from] serde_json::Error),
    #[error("the PDF could not be laid out: {0}")]
    Layout(String),
}

/// The person's plan as the PDF shows it, every value already in words (the server and the CLI
/// fill it from their own views, so the PDF says what the page says).
#[derive(Debug, Clone, Serialize)]
pub struct PlanDocument {
    /// "Paroxetine: a taper plan".
    pub title: String,
    /// "Made on 7 December 2026".
    pub made: String,
    /// Whose plan, where known ("For Marta"); never an e-mail address.
    pub person: Option<String>,
    /// Strategy, pace, length and ending, a line each.
    pub summary: Vec<String>,
    /// Where the plan holds, or is on hold, in words.
    pub hold: Option<String>,
    pub steps: Vec<StepRow>,
    /// The plan's notes (warnings, product cautions), in the plan's order.
    pub notes: Vec<String>,
    /// The plan month by month, where its days are dated ([`months`]), and what it leaves out.
    pub months: Vec<Month>,
    pub months_note: Option<String>,
    pub disclaimer: String,
}

/// One step as a row.
#[derive(Debug, Clone, Serialize)]
pub struct StepRow {
    /// "0 (now)", "1", …
    pub step: String,
    /// "from 4 Jan 2027" or "day 28".
    pub when: String,
    pub dose: String,
    /// How to prepare the day's dose, where it is taken at once.
    pub how: String,
    /// A day in parts: what to make first, then each time.
    pub first: Vec<String>,
    pub times: Vec<TimeRow>,
    /// What the step uses up until the next one.
    pub stock: Option<String>,
    /// Cautions for this step's products, on the first step that uses each.
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TimeRow {
    pub time: String,
    pub dose: String,
    pub take: String,
}

/// The person's plan as a PDF.
pub fn plan(doc: &PlanDocument) -> Result<Vec<u8>, PdfError> {
    render(PLAN_TEMPLATE, &serde_json::to_vec(doc)?, None)
}

/// A summary for the prescriber (issue 22), in the sections the person chose, every value in
/// words: the web page and the PDF are filled from the same document, so they say the same.
#[derive(Debug, Clone, Serialize)]
pub struct SummaryDocument {
    /// "Taper: a summary for the prescriber".
    pub title: String,
    /// Whose it is, as they call themselves ("Alex"); never an e-mail address.
    pub person: String,
    /// "Made on 7 Dec 2026 by Alex, covering 8 Sep to 7 Dec 2026".
    pub made: String,
    pub sections: Vec<Section>,
    /// What the person chose to leave out, in words, so a reader knows the gaps are chosen.
    pub left_out: Vec<String>,
    pub disclaimer: String,
    /// A space for the prescriber to sign (a pharmacy order).
    pub sign: bool,
}

/// A part of the summary: a heading, lines of text, a table, and whether the chart goes here.
#[derive(Debug, Clone, Serialize)]
pub struct Section {
    /// A fragment id for the web page ("doses").
    pub id: String,
    pub heading: String,
    /// Lines shown first and marked (an urgent flag).
    pub alerts: Vec<String>,
    pub lines: Vec<String>,
    pub table: Option<Table>,
    /// The wave chart, drawn under the lines.
    pub chart: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Table {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// The prescriber's summary as a PDF; `chart` is the SVG drawn where a section asks for it.
pub fn summary(doc: &SummaryDocument, chart: Option<&str>) -> Result<Vec<u8>, PdfError> {
    render(SUMMARY_TEMPLATE, &serde_json::to_vec(doc)?, chart)
}

fn render(template: &str, data: &[u8], chart: Option<&str>) -> Result<Vec<u8>, PdfError> {
    let world = world::DocumentWorld::new(template, data, chart);
    let document = typst::compile::<typst_layout::PagedDocument>(&world).output.map_err(layout)?;
    typst_pdf::pdf(&document, &typst_pdf::PdfOptions::default()).map_err(layout)
}

/// typst's diagnostics, in one message.
fn layout(errors: typst::diag::EcoVec<typst::diag::SourceDiagnostic>) -> PdfError {
    PdfError::Layout(errors.iter().map(|e| e.message.to_string()).collect::<Vec<_>>().join("; "))
}

//! Text and metadata from the documents staff publish: the text of a DOCX (tables
//! included, since the header of a Vietnamese administrative document is a two-column
//! table), and the fields of a document in the layout of Decree 30/2020/NĐ-CP (number,
//! type, issuing body, signer, dates, summary), each with a confidence and where it was
//! found. Low-confidence fields are left empty for the editor: never a guess.
//!
//! No HTTP, no files of its own: it reads bytes it is given, within limits, and is called off
//! the async threads.

pub mod columns;
pub mod docx;
pub mod fields;
pub mod pdf;

pub use docx::{docx_text, DocxError, DocxLimits};
pub use fields::{extract, Extracted, Field, FoundAt, MIN_CONFIDENCE};
pub use pdf::{pdf_text, picture_text, PdfError, PdfLimits, Reading};

/// A document's text: pages of lines (a DOCX is one page; a PDF has its own).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Text {
    pub pages: Vec<Vec<String>>,
}

impl Text {
    /// One page of lines, from text with line breaks.
    pub fn from_plain(s: &str) -> Text {
        Text {
            pages: vec![s.lines().map(str::to_owned).collect()],
        }
    }

    /// Characters of text, for the caller's report.
    pub fn chars(&self) -> usize {
        self.pages.iter().flatten().map(|l| l.chars().count()).sum()
    }
}

//! Text and metadata from the documents staff publish: the text of a DOCX (tables
//! included, since the header of a Vietnamese administrative document is a two-column
//! table), of an old Word .doc, of a PDF or a scan (poppler and Tesseract), old Vietnamese
//! encodings converted, and the fields of a document in the layout of Decree 30/2020/NĐ-CP (number,
//! type, issuing body, signer, dates, summary), each with a confidence and where it was
//! found. Low-confidence fields are left empty for the editor: never a guess.
//!
//! No HTTP, no files of its own: it reads bytes it is given, within limits, and is called off
//! the async threads.

pub mod columns;
pub mod doc;
pub mod docx;
pub mod fields;
pub mod legacy;
pub mod pdf;

pub use doc::doc_text;
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

/// Converts pages typed in a legacy Vietnamese encoding (TCVN3, VNI) to Unicode, and says so
/// in the reading's warnings (the editor checks such a file's fields with more care).
pub fn to_unicode(reading: &mut Reading) {
    if let Some(enc) = legacy::fix(&mut reading.text) {
        reading.warnings.push(format!(
            "the text was typed in the old {} encoding and was converted to Unicode",
            enc.name()
        ));
    }
}

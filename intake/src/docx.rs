//! The text of a DOCX: `word/document.xml`'s paragraphs as lines, table cells in reading
//! order (a row's cells left to right), within limits that a hostile file (a zip bomb, a
//! million entries) cannot get past.

use crate::Text;
use quick_xml::events::Event;
use std::io::Read;

/// How much of a DOCX is read at most.
#[derive(Debug, Clone, Copy)]
pub struct DocxLimits {
    /// Entries in the zip.
    pub max_entries: usize,
    /// Bytes of `word/document.xml` once inflated.
    pub max_xml_bytes: u64,
    /// Inflated bytes per compressed byte (a bomb compresses far better than prose).
    pub max_ratio: u64,
}

impl Default for DocxLimits {
    fn default() -> Self {
        DocxLimits {
            max_entries: 5_000,
            max_xml_bytes: 64 * 1024 * 1024,
            max_ratio: 200,
        }
    }
}

/// Why a DOCX could not be read.
#[derive(Debug, thiserror::Error)]
pub enum DocxError {
    #[error("not a DOCX (a zip with word/document.xml): {0}")]
    NotDocx(String),
    #[error("the document is larger than allowed: {0}")]
    TooLarge(String),
    #[error("the document's XML is damaged: {0}")]
    Damaged(String),
}

/// The DOCX's text as one page of lines.
pub fn docx_text(bytes: &[u8], limits: DocxLimits) -> Result<Text, DocxError> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| DocxError::NotDocx(e.to_string()))?;
    if zip.len() > limits.max_entries {
        return Err(DocxError::TooLarge(format!(
            "{} entries in the zip; at most {}",
            zip.len(),
            limits.max_entries
        )));
    }
    let file = zip
        .by_name("word/document.xml")
        .map_err(|e| DocxError::NotDocx(e.to_string()))?;
    let (size, packed) = (file.size(), file.compressed_size().max(1));
    if size > limits.max_xml_bytes || size / packed > limits.max_ratio {
        return Err(DocxError::TooLarge(format!(
            "word/document.xml inflates to {size} bytes from {packed}"
        )));
    }
    // The sizes in the zip's directory may lie: read no more than the limit whatever they say.
    let mut xml = Vec::new();
    file.take(limits.max_xml_bytes.saturating_add(1))
        .read_to_end(&mut xml)
        .map_err(|e| DocxError::Damaged(e.to_string()))?;
    if u64::try_from(xml.len()).unwrap_or(u64::MAX) > limits.max_xml_bytes {
        return Err(DocxError::TooLarge(
            "word/document.xml inflates beyond the limit".to_owned(),
        ));
    }
    Ok(Text {
        pages: vec![paragraphs(&xml)?],
    })
}

/// Each `w:p` as a line: its `w:t` runs joined, `w:tab` as a tab, `w:br` as a new line.
fn paragraphs(xml: &[u8]) -> Result<Vec<String>, DocxError> {
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut buf = Vec::new();
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut in_text = false;
    loop {
        let event = reader
            .read_event_into(&mut buf)
            .map_err(|e| DocxError::Damaged(e.to_string()))?;
        match event {
            Event::Start(e) if e.local_name().as_ref() == b"t" => in_text = true,
            Event::End(e) if e.local_name().as_ref() == b"t" => in_text = false,
            Event::Text(t) if in_text => {
                let s = t.decode().map_err(|e| DocxError::Damaged(e.to_string()))?;
                line.push_str(&s);
            }
            Event::GeneralRef(r) if in_text => {
                // An entity in text (`&amp;`, `&#7871;`).
                let name = r.decode().map_err(|e| DocxError::Damaged(e.to_string()))?;
                let c = match name.as_ref() {
                    "amp" => Some('&'),
                    "lt" => Some('<'),
                    "gt" => Some('>'),
                    "quot" => Some('"'),
                    "apos" => Some('\''),
                    n => n
                        .strip_prefix("#x")
                        .and_then(|h| u32::from_str_radix(h, 16).ok())
                        .or_else(|| n.strip_prefix('#').and_then(|d| d.parse().ok()))
                        .and_then(char::from_u32),
                };
                if let Some(c) = c {
                    line.push(c);
                }
            }
            Event::Empty(e) => match e.local_name().as_ref() {
                b"tab" => line.push('\t'),
                b"br" | b"cr" => lines.push(std::mem::take(&mut line)),
                _ => {}
            },
            Event::End(e) if e.local_name().as_ref() == b"p" => {
                lines.push(std::mem::take(&mut line));
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    if !line.is_empty() {
        lines.push(line);
    }
    Ok(lines)
}

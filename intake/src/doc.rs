//! The text of an old Word (.doc, Word 97–2003) file, through Debian's `antiword` run as a
//! process under the same time limit as the PDF tools. antiword draws a table's rows as
//! `|cell|cell|`; the rows of a table are read column by column, as a DOCX's cells are, so
//! the Decree 30 header (issuer left, motto right) reads the same from either.

use crate::pdf::{run, PdfError, PdfLimits, Reading};
use crate::Text;
use std::path::Path;
use std::process::Command;

/// The text of the .doc at `file`.
pub fn doc_text(file: &Path, limits: &PdfLimits) -> Result<Reading, PdfError> {
    let mut cmd = Command::new("antiword");
    // UTF-8 out; -w 0: no wrapping, a paragraph on one line.
    cmd.args(["-m", "UTF-8.txt", "-w", "0"]).arg(file);
    let ran = run(cmd, limits.per_page)?;
    if !ran.status.success() {
        let why = ran.why("antiword refused it");
        if why.contains("encrypted") || why.contains("password") {
            return Err(PdfError::Encrypted);
        }
        return Err(PdfError::Damaged(why));
    }
    let text = String::from_utf8_lossy(&ran.out);
    Ok(Reading {
        text: Text {
            pages: vec![tables_by_column(&text)],
        },
        pages: 1,
        ocr_pages: Vec::new(),
        warnings: Vec::new(),
    })
}

/// Lines of text with each run of table rows (`|a|b|`) read column by column.
fn tables_by_column(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rows: Vec<Vec<String>> = Vec::new();
    let flush = |rows: &mut Vec<Vec<String>>, out: &mut Vec<String>| {
        let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
        for c in 0..columns {
            for r in rows.iter() {
                if let Some(cell) = r.get(c).filter(|s| !s.is_empty()) {
                    out.push(cell.clone());
                }
            }
        }
        rows.clear();
    };
    for line in text.lines() {
        let t = line.trim();
        if t.starts_with('|') && t.len() > 1 {
            let inner = t.trim_start_matches('|').trim_end_matches('|');
            rows.push(inner.split('|').map(|c| c.trim().to_owned()).collect());
        } else {
            flush(&mut rows, &mut out);
            if !t.is_empty() {
                out.push(t.to_owned());
            }
        }
    }
    flush(&mut rows, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::tables_by_column;

    #[test]
    fn a_header_table_reads_column_by_column() {
        let text = "|UBND TỈNH LÀO CAI    |CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM|\n|Số: 12/QĐ-UBND       |Độc lập - Tự do - Hạnh phúc       |\n|                     |Lào Cai, ngày 05 tháng 3 năm 2024 |\n\nQUYẾT ĐỊNH\n";
        assert_eq!(
            tables_by_column(text),
            [
                "UBND TỈNH LÀO CAI",
                "Số: 12/QĐ-UBND",
                "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                "Độc lập - Tự do - Hạnh phúc",
                "Lào Cai, ngày 05 tháng 3 năm 2024",
                "QUYẾT ĐỊNH",
            ]
        );
    }
}

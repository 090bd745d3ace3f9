//! The demo documents' attached files: a one-page PDF per document, written directly
//! (a PDF of a few text lines is a handful of objects; a PDF crate would be a heavy
//! dependency for this). The standard PDF fonts have no Vietnamese letters, so the text is
//! written without diacritics; real documents arrive as the agency's own files.

use unicode_normalization::UnicodeNormalization;

/// The text without diacritics (`Quyết định` → `Quyet dinh`), in the ASCII the standard
/// fonts can show.
pub fn plain(s: &str) -> String {
    s.nfd()
        .filter_map(|c| match c {
            'đ' => Some('d'),
            'Đ' => Some('D'),
            '–' | '—' => Some('-'),
            c if c.is_ascii() => Some(c),
            _ => None,
        })
        .collect()
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in plain(s).chars() {
        match c {
            '(' | ')' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_ascii_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Wraps `text` at `width` characters.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.len() + 1 + word.len() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// A one-page A4 PDF: `heading` in bold, then `paragraphs`, wrapped.
pub fn one_page(heading: &[String], paragraphs: &[String]) -> Vec<u8> {
    let mut stream = String::from("BT\n/F2 12 Tf\n16 TL\n72 770 Td\n");
    for line in heading {
        stream.push_str(&format!("({}) Tj T*\n", escape(line)));
    }
    stream.push_str("/F1 11 Tf\n15 TL\nT*\n");
    let mut budget = 40usize;
    'all: for p in paragraphs {
        for line in wrap(&plain(p), 88) {
            if budget == 0 {
                break 'all;
            }
            budget -= 1;
            stream.push_str(&format!("({}) Tj T*\n", escape(&line)));
        }
        stream.push_str("T*\n");
    }
    stream.push_str("ET\n");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R /F2 5 0 R >> >> /Contents 6 0 R >>".to_owned(),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>".to_owned(),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>".to_owned(),
        format!("<< /Length {} >>\nstream\n{stream}endstream", stream.len()),
    ];
    let mut out = String::from("%PDF-1.4\n");
    let mut offsets = Vec::with_capacity(objects.len());
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.push_str(&format!("{} 0 obj\n{body}\nendobj\n", i + 1));
    }
    let xref = out.len();
    out.push_str(&format!(
        "xref\n0 {}\n0000000000 65535 f \n",
        objects.len() + 1
    ));
    for o in offsets {
        out.push_str(&format!("{o:010} 00000 n \n"));
    }
    out.push_str(&format!(
        "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        objects.len() + 1
    ));
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_drops_diacritics_only() {
        assert_eq!(
            plain("Quyết định số 12/QĐ-UBND"),
            "Quyet dinh so 12/QD-UBND"
        );
    }

    #[test]
    fn the_pdf_has_a_valid_cross_reference_table() {
        let pdf = one_page(
            &["Số: 1/QĐ-UBND (thử)".into()],
            &["Điều 1. Nội dung.".into()],
        );
        let text = String::from_utf8(pdf).unwrap();
        assert!(text.starts_with("%PDF-1.4"));
        assert!(text.contains("(So: 1/QD-UBND \\(thu\\)) Tj"));
        // Every offset in the table points at its object.
        let xref_at: usize = text
            .rsplit("startxref\n")
            .next()
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let table = &text[xref_at..];
        for (i, line) in table.lines().skip(3).take(6).enumerate() {
            let off: usize = line[..10].parse().unwrap();
            assert!(
                text[off..].starts_with(&format!("{} 0 obj", i + 1)),
                "object {}",
                i + 1
            );
        }
    }
}

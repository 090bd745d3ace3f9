//! Puts side-by-side columns back in reading order. A Decree 30 document opens and closes
//! with two-column tables (issuer and number left, motto and date right; "Nơi nhận" left,
//! the signer right); OCR reads across the page and interleaves them line by line:
//! "UBND TỈNH LÀO CAI   CỘNG HÒA XÃ HỘI...".
//! Here each line is cut at its wide gaps into segments placed on the page, and every run of
//! lines made only of left- and right-hand segments is read as a table is: the left column
//! top to bottom, then the right one. Full-width lines (the body, centred titles) are kept.

/// A piece of a line and where it sits across the page, as fractions of the page's width.
#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    pub start: f64,
    pub end: f64,
    pub text: String,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Left,
    Right,
    Full,
}

fn side(s: &Segment) -> Side {
    // The body is never in columns: an article or the preamble cut in two by a skewed
    // scan stays whole, and ends a run of header lines.
    let text = s.text.trim_start();
    if text.starts_with("Điều ") || text.starts_with("Căn cứ") {
        return Side::Full;
    }
    let centre = (s.start + s.end) / 2.0;
    if centre < 0.4 && s.end < 0.6 {
        Side::Left
    } else if centre > 0.6 && s.start > 0.4 {
        Side::Right
    } else {
        Side::Full
    }
}

/// Lines of segments (top to bottom) as lines of text in reading order.
pub fn untangle(lines: &[Vec<Segment>]) -> Vec<String> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let split = |l: &Vec<Segment>| !l.is_empty() && l.iter().all(|s| side(s) != Side::Full);
        let Some(line) = lines.get(i) else { break };
        if !split(line) {
            out.push(join(line.iter()));
            i += 1;
            continue;
        }
        let run_end = lines
            .get(i..)
            .unwrap_or_default()
            .iter()
            .position(|l| !split(l))
            .map_or(lines.len(), |n| i + n);
        // A table starts at a row with both columns; half-lines before it (the end of a
        // line cut by a skewed scan) stay where they are.
        let two_sided = |l: &Vec<Segment>| {
            l.iter().any(|s| side(s) == Side::Left) && l.iter().any(|s| side(s) == Side::Right)
        };
        let first = lines
            .get(i..run_end)
            .unwrap_or_default()
            .iter()
            .position(two_sided)
            .map_or(run_end, |n| i + n);
        for l in lines.get(i..first).unwrap_or_default() {
            out.push(join(l.iter()));
        }
        let run = lines.get(first..run_end).unwrap_or_default();
        if !run.is_empty() {
            for want in [Side::Left, Side::Right] {
                for l in run {
                    let text = join(l.iter().filter(|s| side(s) == want));
                    if !text.is_empty() {
                        out.push(text);
                    }
                }
            }
        }
        i = run_end;
    }
    out
}

fn join<'a>(segments: impl Iterator<Item = &'a Segment>) -> String {
    segments
        .map(|s| s.text.trim())
        .filter(|t| !t.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Tesseract's TSV (a row per word with its box) as lines of segments: words of one line
/// are cut where the gap between them is wider than one and a half times the line's height,
/// or wider than a space where the page's halves meet.
pub fn from_tsv(tsv: &str) -> Vec<Vec<Segment>> {
    struct Word {
        key: (u32, u32, u32),
        left: u32,
        top: u32,
        width: u32,
        height: u32,
        text: String,
    }
    let mut page_width = 0u32;
    let mut words: Vec<Word> = Vec::new();
    for row in tsv.lines().skip(1) {
        let f: Vec<&str> = row.split('\t').collect();
        let n = |i: usize| f.get(i).and_then(|v| v.trim().parse::<u32>().ok());
        let (Some(level), Some(b), Some(p), Some(l)) = (n(0), n(2), n(3), n(4)) else {
            continue;
        };
        let (Some(left), Some(top), Some(width), Some(height)) = (n(6), n(7), n(8), n(9)) else {
            continue;
        };
        if level == 1 {
            page_width = width;
        }
        let text = f.get(11).map(|t| t.trim()).unwrap_or_default();
        if level == 5 && !text.is_empty() {
            words.push(Word {
                key: (b, p, l),
                left,
                top,
                width,
                height,
                text: text.to_owned(),
            });
        }
    }
    let w = f64::from(page_width.max(1));
    // Tesseract's lines, each top to bottom by its first word, words left to right.
    let mut lines: Vec<Vec<Word>> = Vec::new();
    for word in words {
        match lines.last_mut() {
            Some(line) if line.first().is_some_and(|x| x.key == word.key) => line.push(word),
            _ => lines.push(vec![word]),
        }
    }
    lines.sort_by_key(|l| l.iter().map(|w| w.top).min().unwrap_or(0));
    lines
        .into_iter()
        .map(|mut line| {
            line.sort_by_key(|w| w.left);
            let mut heights: Vec<u32> = line.iter().map(|w| w.height).collect();
            heights.sort_unstable();
            let h = heights.get(heights.len() / 2).copied().unwrap_or(20);
            let mut segments: Vec<Segment> = Vec::new();
            let mut last_end: Option<u32> = None;
            for word in &line {
                let gap = last_end.map(|e| word.left.saturating_sub(e));
                let start = f64::from(word.left) / w;
                let end = f64::from(word.left.saturating_add(word.width)) / w;
                // A column's gap: wide anywhere, or a little wider than a space where the
                // page's two halves meet (a long issuer's line runs up to the motto's).
                let middle = |g: u32| {
                    let centre = (f64::from(word.left) - f64::from(g) / 2.0) / w;
                    (0.4..=0.6).contains(&centre) && f64::from(g) > 0.6 * f64::from(h)
                };
                match (segments.last_mut(), gap) {
                    (Some(s), Some(g)) if f64::from(g) <= 1.5 * f64::from(h) && !middle(g) => {
                        s.text.push(' ');
                        s.text.push_str(&word.text);
                        s.end = end;
                    }
                    _ => segments.push(Segment {
                        start,
                        end,
                        text: word.text.clone(),
                    }),
                }
                last_end = Some(word.left.saturating_add(word.width));
            }
            segments
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(parts: &[(f64, f64, &str)]) -> Vec<Segment> {
        parts
            .iter()
            .map(|(start, end, text)| Segment {
                start: *start,
                end: *end,
                text: (*text).to_owned(),
            })
            .collect()
    }

    #[test]
    fn a_printed_header_and_closing_are_read_column_by_column() {
        let page = [
            line(&[
                (0.1, 0.35, "UBND TỈNH LÀO CAI"),
                (0.5, 0.95, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA"),
            ]),
            line(&[(0.12, 0.3, "SỞ TÀI CHÍNH"), (0.68, 0.78, "VIỆT NAM")]),
            line(&[
                (0.1, 0.32, "Số: 1021/QĐ-STC"),
                (0.55, 0.9, "Độc lập - Tự do - Hạnh phúc"),
            ]),
            line(&[(0.55, 0.95, "Lào Cai, ngày 22 tháng 10 năm 2024")]),
            line(&[(0.4, 0.6, "QUYẾT ĐỊNH")]),
            line(&[(
                0.0,
                1.0,
                "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm",
            )]),
            line(&[(0.0, 0.08, "2015;")]),
            // A skewed scan cuts an article in two: it stays in place.
            line(&[(0.0, 0.45, "Điều 1. Nội dung chính của")]),
            line(&[(0.5, 1.0, "văn bản được quy định như sau")]),
            line(&[(0.0, 0.15, "Nơi nhận:"), (0.6, 0.8, "KT. GIÁM ĐỐC")]),
            line(&[(0.0, 0.2, "- Như Điều 3;"), (0.6, 0.8, "PHÓ GIÁM ĐỐC")]),
            line(&[(0.58, 0.85, "Nguyễn Thị Hồng Vân")]),
        ];
        assert_eq!(
            untangle(&page),
            [
                "UBND TỈNH LÀO CAI",
                "SỞ TÀI CHÍNH",
                "Số: 1021/QĐ-STC",
                "CỘNG HÒA XÃ HỘI CHỦ NGHĨA",
                "VIỆT NAM",
                "Độc lập - Tự do - Hạnh phúc",
                "Lào Cai, ngày 22 tháng 10 năm 2024",
                "QUYẾT ĐỊNH",
                "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm",
                "2015;",
                "Điều 1. Nội dung chính của",
                "văn bản được quy định như sau",
                "Nơi nhận:",
                "- Như Điều 3;",
                "KT. GIÁM ĐỐC",
                "PHÓ GIÁM ĐỐC",
                "Nguyễn Thị Hồng Vân",
            ]
        );
    }

    #[test]
    fn ocr_words_are_cut_at_wide_gaps() {
        let tsv = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n\
                   1\t1\t0\t0\t0\t0\t0\t0\t1600\t2200\t-1\t\n\
                   5\t1\t1\t1\t1\t1\t100\t100\t80\t30\t90\tUBND\n\
                   5\t1\t1\t1\t1\t2\t190\t100\t200\t30\t90\tTỈNH\n\
                   5\t1\t1\t1\t1\t3\t900\t100\t120\t30\t90\tCỘNG\n\
                   5\t1\t1\t1\t1\t4\t1030\t100\t120\t30\t90\tHÒA\n\
                   5\t1\t1\t1\t2\t1\t120\t150\t200\t30\t90\tSố:\n\
                   5\t1\t1\t1\t2\t2\t950\t150\t200\t30\t90\tĐộc\n";
        assert_eq!(
            untangle(&from_tsv(tsv)),
            ["UBND TỈNH", "Số:", "CỘNG HÒA", "Độc"]
        );
    }
}

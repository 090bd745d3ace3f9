//! The fields of a Vietnamese administrative document, read from its text by the layout of
//! Decree 30/2020/NĐ-CP: the issuing body (its parent above it) and "Số: 123/QĐ-UBND" at the
//! top left, the national motto and "Lào Cai, ngày 05 tháng 3 năm 2024" at the top right,
//! the type and the summary as the title, the signer's block at the end (TM./KT./Q. and the
//! title, then the name).
//!
//! Each field comes with a confidence and where it was found; one below [`MIN_CONFIDENCE`] is
//! not filled in, so an editor types it rather than trusting a guess.

use crate::Text;
use chrono::NaiveDate;
use regex::Regex;
use serde::Serialize;
use std::sync::LazyLock;
use unicode_normalization::UnicodeNormalization;

/// Fields below this confidence are left empty.
pub const MIN_CONFIDENCE: f32 = 0.6;

/// Where a field was read: page and line, counting from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FoundAt {
    pub page: usize,
    pub line: usize,
}

/// One field: its value (empty below [`MIN_CONFIDENCE`]), how sure, and where.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Field {
    pub value: Option<String>,
    pub confidence: f32,
    pub found_at: Option<FoundAt>,
}

impl Field {
    fn none() -> Field {
        Field {
            value: None,
            confidence: 0.0,
            found_at: None,
        }
    }

    fn at(value: String, confidence: f32, at: FoundAt) -> Field {
        let keep = confidence >= MIN_CONFIDENCE && !value.trim().is_empty();
        Field {
            value: keep.then_some(value),
            confidence,
            found_at: Some(at),
        }
    }
}

/// What was read from a document.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Extracted {
    /// Số ký hiệu, e.g. `3055/QĐ-UBND`.
    pub number: Field,
    /// Quyết định, Kế hoạch, Công văn...
    pub doc_type: Field,
    /// The issuing body, as printed (its parent body is not part of it).
    pub issuer: Field,
    pub signer: Field,
    /// The signer's title: `KT. CHỦ TỊCH PHÓ CHỦ TỊCH`.
    pub signer_title: Field,
    /// `YYYY-MM-DD`.
    pub issued_on: Field,
    pub effective_on: Field,
    /// The summary (trích yếu): "Về việc ..." or the title under the type.
    pub title: Field,
}

/// The document types of Decree 30 (Appendix III) as printed, and as stored.
const TYPES: [(&str, &str, &str); 16] = [
    ("QUYẾT ĐỊNH", "Quyết định", "QĐ"),
    ("KẾ HOẠCH", "Kế hoạch", "KH"),
    ("THÔNG BÁO", "Thông báo", "TB"),
    ("NGHỊ QUYẾT", "Nghị quyết", "NQ"),
    ("CHỈ THỊ", "Chỉ thị", "CT"),
    ("BÁO CÁO", "Báo cáo", "BC"),
    ("TỜ TRÌNH", "Tờ trình", "TTr"),
    ("NGHỊ ĐỊNH", "Nghị định", "NĐ"),
    ("THÔNG TƯ", "Thông tư", "TT"),
    ("HƯỚNG DẪN", "Hướng dẫn", "HD"),
    ("QUY CHẾ", "Quy chế", "QC"),
    ("QUY ĐỊNH", "Quy định", "QyĐ"),
    ("CHƯƠNG TRÌNH", "Chương trình", "CTr"),
    ("ĐỀ ÁN", "Đề án", "ĐA"),
    ("CÔNG ĐIỆN", "Công điện", "CĐ"),
    ("GIẤY MỜI", "Giấy mời", "GM"),
];

/// The lines of the motto, which are never the issuer.
const MOTTO: [&str; 2] = ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "ĐỘC LẬP"];

static NUMBER: LazyLock<Option<Regex>> = LazyLock::new(|| {
    // "Số: 123/QĐ-UBND", "Số 12/2024/NĐ-CP", "Số: 789 /STC-NS" (a space before the slash).
    // OCR reads "ố" as another mark, or in a wide font as "6" or "0" ("S6: 1/QD-UBND").
    Regex::new(r"^(?i:s[ốôoóồổỗ60])\s*[:.]?\s*(\d{1,6}[a-zA-Z]?)\s*/\s*((?:\d{4}/)?[\p{Lu}Đđ][\p{L}\d&]*(?:-[\p{L}\d&]+)*)")
        .ok()
});

/// "ngày 05 tháng 3 năm 2024"; the vowels may come out of OCR with the wrong mark
/// ("ngảy", "thang", "nắm"), the numbers not.
static DATE_WORDS: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"(?i)ng\w{1,2}y\s+(\d{1,2})\s+th\w{1,2}ng\s+(\d{1,2})\s+n\w{1,2}m\s+(\d{4})").ok()
});

static DATE_SLASH: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"(\d{1,2})\s*/\s*(\d{1,2})\s*/\s*(\d{4})").ok());

static EFFECT: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"(?i)có hiệu lực(?: thi hành)?(?: kể)? từ ngày\s*(ký|ban hành|\d)").ok()
});

/// The captures of `re` in `s`; a pattern that failed to compile (a bug the tests catch)
/// matches nothing rather than panicking.
fn caps<'a>(re: &Option<Regex>, s: &'a str) -> Option<regex::Captures<'a>> {
    re.as_ref()?.captures(s)
}

/// A line made comparable: NFC, markdown emphasis and surrounding spaces gone, runs of
/// whitespace as one space.
fn clean(s: &str) -> String {
    let s: String = s.nfc().collect();
    s.replace(['*', '_'], "")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn is_upper(s: &str) -> bool {
    let letters: Vec<char> = s.chars().filter(|c| c.is_alphabetic()).collect();
    letters.len() >= 2 && letters.iter().all(|c| !c.is_lowercase())
}

fn date(d: &str, m: &str, y: &str) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
}

/// Reads the fields of `text`.
/// A symbol's type code as printed: OCR often loses the bar of `Đ` (`QD-UBND` for
/// `QĐ-UBND`); codes that exist only with it get it back.
fn restore_d(sym: &str) -> String {
    sym.split('-')
        .map(|part| {
            TYPES
                .iter()
                .map(|t| t.2)
                .find(|code| code.contains('Đ') && code.replace('Đ', "D") == part)
                .unwrap_or(part)
        })
        .collect::<Vec<_>>()
        .join("-")
}

/// Words that open the name of an issuing body (or of its parent).
const BODIES: [&str; 38] = [
    "UBND",
    "ỦY BAN",
    "UỶ BAN",
    "HĐND",
    "HỘI ĐỒNG",
    "SỞ",
    "BỘ",
    "CHÍNH PHỦ",
    "THỦ TƯỚNG",
    "BAN",
    "PHÒNG",
    "TRUNG TÂM",
    "CỤC",
    "TỔNG CỤC",
    "CHI CỤC",
    "VĂN PHÒNG",
    "THANH TRA",
    "ĐẢNG",
    "TỈNH ỦY",
    "TỈNH UỶ",
    "HUYỆN ỦY",
    "HUYỆN UỶ",
    "THỊ ỦY",
    "THÀNH ỦY",
    "MẶT TRẬN",
    "ĐOÀN",
    "HỘI",
    "CÔNG AN",
    "BỘ CHỈ HUY",
    "TRƯỜNG",
    "BỆNH VIỆN",
    "KHO BẠC",
    "QUỐC HỘI",
    "LIÊN ĐOÀN",
    "CỤC THUẾ",
    "TÒA ÁN",
    "VIỆN KIỂM SÁT",
    "BẢO HIỂM",
];

fn opens_a_body(s: &str) -> bool {
    BODIES.iter().any(|b| {
        s.starts_with(b)
            && s.get(b.len()..)
                .is_none_or(|r| r.is_empty() || r.starts_with(' '))
    })
}

/// A date cut by a narrow column ("Lào Cai, ngày 22 tháng 10 năm" / "2024") made whole
/// again, found where it starts.
fn rejoin_dates(lines: Vec<(FoundAt, String)>) -> Vec<(FoundAt, String)> {
    let mut out: Vec<(FoundAt, String)> = Vec::with_capacity(lines.len());
    for (at, s) in lines {
        let year_alone = s.len() == 4 && s.bytes().all(|b| b.is_ascii_digit());
        let year_first = s
            .get(..4)
            .is_some_and(|y| y.bytes().all(|b| b.is_ascii_digit()))
            && s.get(4..5)
                .is_some_and(|c| !c.as_bytes().iter().any(u8::is_ascii_digit));
        if let Some((_, prev)) = out.last_mut() {
            let cut = prev.ends_with("năm") && prev.contains("ngày") && prev.contains("tháng");
            if cut && (year_alone || year_first) {
                prev.push(' ');
                prev.push_str(&s);
                continue;
            }
        }
        out.push((at, s));
    }
    out
}

pub fn extract(text: &Text) -> Extracted {
    // Lines with where they are, in reading order.
    let lines: Vec<(FoundAt, String)> = text
        .pages
        .iter()
        .enumerate()
        .flat_map(|(p, page)| {
            page.iter().enumerate().map(move |(l, s)| {
                (
                    FoundAt {
                        page: p + 1,
                        line: l + 1,
                    },
                    clean(s),
                )
            })
        })
        .filter(|(_, s)| !s.is_empty())
        .collect();
    let lines = rejoin_dates(lines);
    // The header: up to the first "Căn cứ" (the preamble) or 40 lines.
    let head_end = lines
        .iter()
        .position(|(_, s)| s.starts_with("Căn cứ") || s.starts_with("Kính gửi"))
        .unwrap_or(lines.len())
        .min(40);
    let head = lines.get(..head_end).unwrap_or_default();

    let mut out = Extracted {
        number: Field::none(),
        doc_type: Field::none(),
        issuer: Field::none(),
        signer: Field::none(),
        signer_title: Field::none(),
        issued_on: Field::none(),
        effective_on: Field::none(),
        title: Field::none(),
    };

    // Số ký hiệu, and the issuer above it.
    let mut number_line = None;
    let mut symbol_type: Option<&str> = None;
    for (i, (at, s)) in head.iter().enumerate() {
        if let Some(c) = caps(&NUMBER, s) {
            let (n, sym) = (
                c.get(1).map_or("", |m| m.as_str()),
                c.get(2).map_or("", |m| m.as_str()),
            );
            let sym = restore_d(sym);
            let sym = sym.as_str();
            out.number = Field::at(format!("{n}/{sym}"), 0.98, *at);
            number_line = Some(i);
            // The type's code is the symbol's first part (after a year): QĐ-UBND → QĐ.
            let code = sym
                .rsplit('/')
                .next()
                .unwrap_or(sym)
                .split('-')
                .next()
                .unwrap_or("");
            symbol_type = TYPES
                .iter()
                .find(|t| t.2.eq_ignore_ascii_case(code) || t.2 == code)
                .map(|t| t.1);
            if symbol_type.is_none() && sym.contains('-') {
                // No type code: a letter (công văn) names only its issuer, `789/STC-NS`.
                symbol_type = Some("Công văn");
            }
            break;
        }
        if s.starts_with("Số") && s.contains('/') {
            // "Số: /QĐ-UBND": a draft's blank number. Known to be absent, not guessed.
            number_line = Some(i);
            out.number = Field {
                value: None,
                confidence: 0.0,
                found_at: Some(*at),
            };
            let code = s
                .split('/')
                .nth(1)
                .unwrap_or("")
                .split('-')
                .next()
                .unwrap_or("")
                .trim();
            symbol_type = TYPES.iter().find(|t| t.2 == code).map(|t| t.1);
            break;
        }
    }
    if let Some(n) = number_line {
        // The uppercase lines just above the number, without the motto: the last is the
        // issuer (the one above it, its parent body).
        let above: Vec<&(FoundAt, String)> = head
            .get(..n)
            .unwrap_or_default()
            .iter()
            .filter(|(_, s)| is_upper(s) && !MOTTO.iter().any(|m| s.starts_with(m)))
            .filter(|(_, s)| !TYPES.iter().any(|t| s.as_str() == t.0))
            .collect();
        // A name too long for its column goes on in the next line ("ỦY BAN NHÂN DÂN TỈNH
        // LÀO" / "CAI"): a line that does not open with the name of a body continues the
        // one above it.
        let mut names: Vec<(FoundAt, String)> = Vec::new();
        for (at, s) in &above {
            match names.last_mut() {
                Some((prev, name)) if prev.line + 1 == at.line && !opens_a_body(s) => {
                    name.push(' ');
                    name.push_str(s);
                    *prev = FoundAt {
                        page: prev.page,
                        line: at.line,
                    };
                }
                _ => names.push((*at, s.clone())),
            }
        }
        let above = names;
        if let Some((at, s)) = above.last() {
            let confidence = if above.len() >= 2 { 0.92 } else { 0.8 };
            out.issuer = Field::at(
                s.trim_end_matches(['-', '_', ' ']).to_owned(),
                confidence,
                *at,
            );
        }
    }

    // The date of issue: "<place>, ngày 05 tháng 3 năm 2024" in the header. OCR may read the
    // motto's column after the opening lines of the body, so past the header only a placed
    // date counts (the preamble's "Căn cứ Luật ... ngày 19 tháng 6 năm 2015" has no place).
    let date_end = lines.len().min(60).max(head_end);
    let placed_date = |s: &str| {
        s.find(',')
            .is_some_and(|i| s.find("ng").is_some_and(|j| i < j))
    };
    for (i, (at, s)) in lines.get(..date_end).unwrap_or_default().iter().enumerate() {
        if i >= head_end && !placed_date(s) {
            continue;
        }
        if let Some(c) = caps(&DATE_WORDS, s) {
            let d = (|| date(c.get(1)?.as_str(), c.get(2)?.as_str(), c.get(3)?.as_str()))();
            let placed = placed_date(s);
            if let Some(d) = d {
                out.issued_on = Field::at(
                    d.format("%Y-%m-%d").to_string(),
                    if placed { 0.97 } else { 0.8 },
                    *at,
                );
                break;
            }
        }
        if s.contains(", ngày") && s.contains("tháng") && caps(&DATE_WORDS, s).is_none() {
            // "Lào Cai, ngày tháng năm 2021": left blank for the signature day.
            out.issued_on = Field {
                value: None,
                confidence: 0.0,
                found_at: Some(*at),
            };
            break;
        }
    }

    // The type: a line of its own in capitals, else the number's symbol.
    let type_line = lines.iter().take(60).position(|(_, s)| {
        TYPES.iter().any(|t| {
            s.as_str() == t.0
                || s.starts_with(&format!("{} ", t.0)) && is_upper(s) && s.len() <= t.0.len() + 2
        })
    });
    if let Some(i) = type_line {
        if let Some((at, s)) = lines.get(i) {
            if let Some(t) = TYPES.iter().find(|t| s.starts_with(t.0)) {
                out.doc_type = Field::at(t.1.to_owned(), 0.95, *at);
            }
        }
    } else if let (Some(t), Some(n)) = (symbol_type, number_line.and_then(|n| head.get(n))) {
        out.doc_type = Field::at(t.to_owned(), 0.88, n.0);
    }

    // The title: after the type line, up to the preamble or the issuer named again; a
    // letter's "V/v ..." under its number.
    if let Some(i) = type_line {
        let mut parts = Vec::new();
        let mut first = None;
        for (at, s) in lines.iter().skip(i + 1).take(6) {
            // The title ends where the issuer speaks ("ỦY BAN NHÂN DÂN TỈNH ...", its own
            // name again, "GIÁM ĐỐC SỞ ..."), where the case changes, or at the preamble.
            let authority = [
                "ỦY BAN",
                "UBND",
                "CHỦ TỊCH",
                "GIÁM ĐỐC",
                "BỘ TRƯỞNG",
                "THỦ TƯỚNG",
                "CHÍNH PHỦ",
                "HỘI ĐỒNG",
                "SỞ ",
                "BỘ ",
                "BAN ",
                "TỈNH ỦY",
                "HUYỆN ỦY",
            ];
            let case_changed = parts
                .first()
                .is_some_and(|f: &String| is_upper(f) != is_upper(s));
            let stop = s.starts_with("Căn cứ")
                || out.issuer.value.as_deref() == Some(s.as_str())
                || (!parts.is_empty()
                    && (case_changed
                        || (is_upper(s) && authority.iter().any(|a| s.starts_with(a)))))
                || s.starts_with("Kính gửi")
                || s.starts_with("I.")
                || s.starts_with("Phần");
            if stop {
                break;
            }
            if first.is_none() {
                first = Some(*at);
            }
            parts.push(s.clone());
            if s.ends_with(';') || s.ends_with(':') {
                break;
            }
        }
        if let (Some(at), false) = (first, parts.is_empty()) {
            let t = parts.join(" ");
            out.title = Field::at(t, 0.85, at);
        }
    } else if let Some(n) = number_line {
        if let Some((at, s)) = head
            .iter()
            .skip(n + 1)
            .find(|(_, s)| s.starts_with("V/v") || s.starts_with("Về việc"))
        {
            let mut t = s.trim_start_matches("V/v").trim().to_owned();
            // A summary too long for its column goes on below it, before the motto's lines.
            let start = head.iter().position(|(a, _)| a == at).unwrap_or(0);
            for (_, next) in head.iter().skip(start + 1).take(2) {
                let ends = is_upper(next)
                    || MOTTO.iter().any(|m| next.starts_with(m))
                    || next.starts_with("Độc lập")
                    || next.contains("ngày")
                    || next.starts_with("Kính gửi");
                if ends {
                    break;
                }
                t.push(' ');
                t.push_str(next);
            }
            out.title = Field::at(
                format!("Về việc {t}").replace("Về việc Về việc", "Về việc"),
                0.85,
                *at,
            );
        }
    }

    // The signer's block: from the end, a line of its title (TM./KT./Q./TL./TUQ. or a title
    // in capitals), then the name: the last line of two to six capitalised words.
    let tail_start = lines.len().saturating_sub(40);
    let tail = lines.get(tail_start..).unwrap_or_default();
    let titled = |s: &str| {
        ["TM.", "KT.", "Q.", "TL.", "TUQ.", "TM ", "KT "]
            .iter()
            .any(|p| s.starts_with(p))
            || (is_upper(s)
                && [
                    "CHỦ TỊCH",
                    "GIÁM ĐỐC",
                    "TRƯỞNG",
                    "BÍ THƯ",
                    "BỘ TRƯỞNG",
                    "THỦ TƯỚNG",
                    "CHÁNH VĂN PHÒNG",
                    "TỔNG GIÁM ĐỐC",
                ]
                .iter()
                .any(|t| s.contains(t))
                && s.split_whitespace().count() <= 8)
    };
    let is_name = |s: &str| {
        let words: Vec<&str> = s.split_whitespace().collect();
        (2..=6).contains(&words.len())
            && !s
                .chars()
                .any(|c| c.is_ascii_digit() || matches!(c, ':' | ';' | ',' | '(' | ')' | '/' | '.'))
            && words
                .iter()
                .all(|w| w.chars().next().is_some_and(char::is_uppercase))
            && !is_upper(s)
    };
    if let Some(first_title) = tail.iter().position(|(_, s)| titled(s)) {
        let block = tail.get(first_title..).unwrap_or_default();
        let title_lines: Vec<&(FoundAt, String)> = block
            .iter()
            .take_while(|(_, s)| titled(s) || (is_upper(s) && !is_name(s)))
            .take(4)
            .collect();
        if let Some((at, _)) = title_lines.first() {
            let t = title_lines
                .iter()
                .map(|(_, s)| s.as_str())
                .collect::<Vec<_>>()
                .join(" ");
            out.signer_title = Field::at(t, 0.85, *at);
        }
        if let Some((at, s)) = block.iter().rev().find(|(_, s)| is_name(s)) {
            out.signer = Field::at(s.clone(), 0.9, *at);
        }
    }

    // When it takes effect.
    for (at, s) in &lines {
        let Some(c) = caps(&EFFECT, s) else { continue };
        let how = c.get(1).map_or("", |m| m.as_str());
        if how == "ký" || how == "ban hành" {
            if let Some(d) = &out.issued_on.value {
                out.effective_on = Field::at(d.clone(), 0.9, *at);
            }
        } else {
            let rest = s.get(c.get(0).map_or(0, |m| m.start())..).unwrap_or("");
            let d = caps(&DATE_WORDS, rest)
                .and_then(|c| date(c.get(1)?.as_str(), c.get(2)?.as_str(), c.get(3)?.as_str()))
                .or_else(|| {
                    caps(&DATE_SLASH, rest).and_then(|c| {
                        date(c.get(1)?.as_str(), c.get(2)?.as_str(), c.get(3)?.as_str())
                    })
                });
            if let Some(d) = d {
                out.effective_on = Field::at(d.format("%Y-%m-%d").to_string(), 0.9, *at);
            }
        }
        break;
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn the_patterns_compile_and_match_what_they_should() {
        let c = caps(&NUMBER, "Số: 3055/QĐ-UBND").unwrap();
        assert_eq!((&c[1], &c[2]), ("3055", "QĐ-UBND"));
        let c = caps(&NUMBER, "Số 12/2024/NĐ-CP").unwrap();
        assert_eq!((&c[1], &c[2]), ("12", "2024/NĐ-CP"));
        let c = caps(&NUMBER, "Số: 789 /STC-NS").unwrap();
        assert_eq!((&c[1], &c[2]), ("789", "STC-NS"));
        assert!(caps(&NUMBER, "Số: /QĐ-UBND").is_none());
        let c = caps(&NUMBER, "S6: 1/QD-UBND Độc lap - Tự do - Hanh phúc").unwrap();
        assert_eq!((&c[1], &c[2]), ("1", "QD-UBND"));
        assert!(caps(&NUMBER, "S60 năm 2024").is_none());
        assert!(caps(&DATE_WORDS, "Lào Cai, ngày 02 tháng 10 năm 2018").is_some());
        assert!(caps(
            &EFFECT,
            "Quyết định này có hiệu lực thi hành kể từ ngày ký."
        )
        .is_some());
        assert!(caps(&DATE_SLASH, "từ ngày 01/01/2025").is_some());
    }
}

//! Text typed in the pre-Unicode Vietnamese encodings and still found in old files: TCVN3
//! (the ".VnTime" fonts of the ABC keyboard: one byte a letter, read back as Latin-1
//! mojibake, "Céng hoµ x· héi chñ nghÜa") and VNI (a letter and a tone as two bytes, "Coäng
//! hoøa xaõ hoäi chuû nghóa"). A page is converted only when it clearly is one of them:
//! Vietnamese in Unicode shares many Latin-1 letters (à, é, ô) with both.

use std::collections::HashMap;
use std::sync::LazyLock;
use unicode_normalization::UnicodeNormalization;

/// The encodings recognised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Legacy {
    Tcvn3,
    Vni,
}

impl Legacy {
    /// The name people know it by.
    pub fn name(self) -> &'static str {
        match self {
            Legacy::Tcvn3 => "TCVN3 (ABC)",
            Legacy::Vni => "VNI",
        }
    }
}

/// TCVN 5712 (VN1, of which the ABC fonts' VN3 is the lower-case part) for bytes 0xA0 to
/// 0xFF, as the fonts' Latin-1 code points come out of a DOCX or a PDF.
const TCVN_HIGH: [char; 96] = [
    '\u{a0}', 'Ă', 'Â', 'Ê', 'Ô', 'Ơ', 'Ư', 'Đ', 'ă', 'â', 'ê', 'ô', 'ơ', 'ư', 'đ', 'Ằ', //
    '\u{300}', '\u{309}', '\u{303}', '\u{301}', '\u{323}', 'à', 'ả', 'ã', 'á', 'ạ', 'Ẳ', 'ằ', 'ẳ',
    'ẵ', 'ắ', 'Ẵ', //
    'Ắ', 'Ầ', 'Ẩ', 'Ẫ', 'Ấ', 'Ề', 'ặ', 'ầ', 'ẩ', 'ẫ', 'ấ', 'ậ', 'è', 'Ể', 'ẻ', 'ẽ', //
    'é', 'ẹ', 'ề', 'ể', 'ễ', 'ế', 'ệ', 'ì', 'ỉ', 'Ễ', 'Ế', 'Ồ', 'ĩ', 'í', 'ị', 'ò', //
    'Ổ', 'ỏ', 'õ', 'ó', 'ọ', 'ồ', 'ổ', 'ỗ', 'ố', 'ộ', 'ờ', 'ở', 'ỡ', 'ớ', 'ợ', 'ù', //
    'Ỗ', 'ủ', 'ũ', 'ú', 'ụ', 'ừ', 'ử', 'ữ', 'ứ', 'ự', 'ỳ', 'ỷ', 'ỹ', 'ý', 'ỵ', 'Ố',
];

/// Latin-1 letters that Vietnamese in Unicode never uses but TCVN3 text is full of.
const TCVN_MARKERS: &str = "µ¸¶·¹¨©ª«¬®¡¢£¤¥¦§ÇËÐÞßçðþÿ";

/// VNI's letters: the sequences (longest first when matching) and what they stand for.
static VNI: LazyLock<HashMap<String, char>> = LazyLock::new(|| {
    let mut m = HashMap::new();
    // Tones: acute, grave, hook, tilde, dot below.
    let tones = ['\u{301}', '\u{300}', '\u{309}', '\u{303}', '\u{323}'];
    // A vowel as VNI writes it, its Unicode base, and the tone keys VNI uses after it.
    let plain = ["ù", "ø", "û", "õ", "ï"];
    let hat = ["á", "à", "å", "ã", "ä"];
    let breve = ["é", "è", "ú", "ü", "ë"];
    let rows: [(&str, char, [&str; 5]); 12] = [
        ("a", 'a', plain),
        ("aâ", 'â', hat),
        ("aê", 'ă', breve),
        ("e", 'e', plain),
        ("eâ", 'ê', hat),
        ("o", 'o', plain),
        ("oâ", 'ô', hat),
        ("ô", 'ơ', plain),
        ("u", 'u', plain),
        ("ö", 'ư', plain),
        ("y", 'y', plain),
        ("i", 'i', plain),
    ];
    for (vni, base, keys) in rows {
        for upper in [false, true] {
            let case = |s: &str| {
                if upper {
                    s.to_uppercase()
                } else {
                    s.to_owned()
                }
            };
            let b = if upper {
                base.to_uppercase().next().unwrap_or(base)
            } else {
                base
            };
            if base != 'i' {
                m.insert(case(vni), b);
            }
            for (key, tone) in keys.iter().zip(tones) {
                let made: String = [b, tone].iter().collect::<String>().nfc().collect();
                if let Some(c) = made.chars().next() {
                    // The tone key implies the hat or the breve: ộ is "oä", not "oâä".
                    let letter: String = vni.chars().take(1).collect();
                    if base != 'i' {
                        m.insert(format!("{}{}", case(&letter), case(key)), c);
                    }
                }
            }
        }
    }
    // I takes one-letter forms, and Ỵ has its own; Đ is Ñ.
    for (vni, tone) in ["í", "ì", "æ", "ó", "ò"].into_iter().zip(tones) {
        for upper in [false, true] {
            let base = if upper { 'I' } else { 'i' };
            let made: String = [base, tone].iter().collect::<String>().nfc().collect();
            if let Some(c) = made.chars().next() {
                let key = if upper {
                    vni.to_uppercase()
                } else {
                    vni.to_owned()
                };
                m.insert(key, c);
            }
        }
    }
    m.insert("î".to_owned(), 'ỵ');
    m.insert("Î".to_owned(), 'Ỵ');
    m.insert("ñ".to_owned(), 'đ');
    m.insert("Ñ".to_owned(), 'Đ');
    m
});

/// How many VNI letter-and-tone pairs `s` has whose tone key is no Vietnamese letter (VNI's
/// "oà" is ồ, but "hoà" in Unicode is common; its "oø", "uû", "eä" never are).
fn vni_pairs(s: &str) -> usize {
    let chars: Vec<char> = s.chars().collect();
    chars
        .windows(2)
        .filter(|w| {
            let pair: String = w.iter().collect();
            pair.chars()
                .next()
                .is_some_and(|c| "aeouyAEOUYôÔöÖ".contains(c))
                && w.get(1).is_some_and(|m| "øûïåäëüØÛÏÅÄËÜ".contains(*m))
                && VNI.contains_key(&pair)
        })
        .count()
}

/// Which legacy encoding `s` is in, if clearly one.
pub fn detect(s: &str) -> Option<Legacy> {
    let letters = s.chars().filter(|c| c.is_alphabetic()).count();
    if letters < 20 {
        return None;
    }
    let tcvn = s.chars().filter(|c| TCVN_MARKERS.contains(*c)).count();
    let vni = vni_pairs(s);
    if vni >= 3 && vni * 40 >= letters && vni >= tcvn {
        Some(Legacy::Vni)
    } else if tcvn >= 3 && tcvn * 40 >= letters {
        Some(Legacy::Tcvn3)
    } else {
        None
    }
}

/// `s` from `from` into Unicode (NFC).
pub fn convert(s: &str, from: Legacy) -> String {
    match from {
        // Capitals were typed with the ".VnTimeH" fonts: lower-case codes drawn as capitals.
        // A line, or a word, whose plain letters are all capitals is made capitals whole
        // ("LµO" → LÀO; "Về" stays as it is).
        Legacy::Tcvn3 => {
            let line_in_capitals = s.chars().filter(char::is_ascii_uppercase).count() >= 3
                && !s.chars().any(|c| c.is_ascii_lowercase());
            s.split_inclusive(char::is_whitespace)
                .map(|word| {
                    let converted: String = word
                        .chars()
                        .map(|c| {
                            u32::from(c)
                                .checked_sub(0xA0)
                                .and_then(|i| usize::try_from(i).ok())
                                .and_then(|i| TCVN_HIGH.get(i).copied())
                                .filter(|_| u32::from(c) <= 0xFF)
                                .unwrap_or(c)
                        })
                        .collect();
                    let capitals = line_in_capitals
                        || word.chars().filter(char::is_ascii_uppercase).count() >= 2
                            && !word.chars().any(|c| c.is_ascii_lowercase());
                    if capitals {
                        converted.to_uppercase()
                    } else {
                        converted
                    }
                })
                .collect::<String>()
                .nfc()
                .collect()
        }
        Legacy::Vni => {
            let chars: Vec<char> = s.chars().collect();
            let mut out = String::with_capacity(s.len());
            let mut i = 0;
            while i < chars.len() {
                let mut done = false;
                for len in [2usize, 1] {
                    if let Some(seq) = chars.get(i..i + len) {
                        let key: String = seq.iter().collect();
                        if let Some(c) = VNI.get(&key) {
                            out.push(*c);
                            i += len;
                            done = true;
                            break;
                        }
                    }
                }
                if !done {
                    if let Some(c) = chars.get(i) {
                        out.push(*c);
                    }
                    i += 1;
                }
            }
            out.nfc().collect()
        }
    }
}

/// `s` written in `to`, as a file typed with those fonts gives it (for tests and the
/// labelled set); letters the encoding lacks stay as they are.
pub fn encode(s: &str, to: Legacy) -> String {
    match to {
        Legacy::Tcvn3 => s
            .nfc()
            .map(|c| {
                // A capital the font lacks is typed lower-case in the capitals' font.
                let lower = c.to_lowercase().next().unwrap_or(c);
                let at = TCVN_HIGH.iter().position(|t| *t == c).or_else(|| {
                    (!c.is_ascii())
                        .then(|| TCVN_HIGH.iter().position(|t| *t == lower))
                        .flatten()
                });
                match at {
                    Some(i) => u32::try_from(i)
                        .ok()
                        .and_then(|i| char::from_u32(0xA0 + i))
                        .unwrap_or(c),
                    None => c,
                }
            })
            .collect(),
        Legacy::Vni => s
            .nfc()
            .map(|c| {
                VNI.iter()
                    .filter(|(k, v)| **v == c && k.chars().count() <= 2)
                    .map(|(k, _)| k.clone())
                    // The written form, not an identity ("a" for a).
                    .max_by_key(|k| (k.chars().count(), k.clone()))
                    .unwrap_or_else(|| c.to_string())
            })
            .collect(),
    }
}

/// Converts every page of `text` written in a legacy encoding; says which, if any.
pub fn fix(text: &mut crate::Text) -> Option<Legacy> {
    let mut found = None;
    for page in &mut text.pages {
        let all = page.join("\n");
        if let Some(enc) = detect(&all) {
            for line in page.iter_mut() {
                *line = convert(line, enc);
            }
            found = Some(enc);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    const MOTTO: &str = "Cộng hòa xã hội chủ nghĩa Việt Nam. Độc lập - Tự do - Hạnh phúc. Ủy ban nhân dân tỉnh Lào Cai quyết định về việc ứng dụng công nghệ thông tin";

    #[test]
    fn tcvn3_is_recognised_and_converted() {
        let legacy = encode(&MOTTO.to_lowercase(), Legacy::Tcvn3);
        assert!(legacy.contains("x·") && legacy.contains("chñ"), "{legacy}");
        assert_eq!(detect(&legacy), Some(Legacy::Tcvn3));
        assert_eq!(convert(&legacy, Legacy::Tcvn3), MOTTO.to_lowercase());
    }

    #[test]
    fn vni_is_recognised_and_converted() {
        let legacy = encode(MOTTO, Legacy::Vni);
        assert!(legacy.contains("Coäng hoøa"), "{legacy}");
        assert_eq!(detect(&legacy), Some(Legacy::Vni));
        assert_eq!(convert(&legacy, Legacy::Vni), MOTTO);
    }

    #[test]
    fn unicode_vietnamese_and_french_are_left_alone() {
        assert_eq!(detect(MOTTO), None);
        assert_eq!(
            detect("Đây là văn bản: tiếng Việt có dấu, về việc ban hành quy chế."),
            None
        );
        assert_eq!(
            detect("Le café où nous étions, à côté de l'église, était fermé."),
            None
        );
    }
}

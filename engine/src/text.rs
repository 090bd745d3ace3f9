//! Vietnamese text helpers: NFC normalisation of everything we store, folding (tone and vowel
//! marks removed, `đ` → `d`) and URL slugs.
//!
//! Imported text is dirty: decomposed (NFD) sequences, and the look-alike `Ð` (U+00D0, Icelandic
//! eth) typed for `Đ` (U+0110). `Đ` has no Unicode decomposition, so folding maps it by hand.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// Returns `s` in Unicode NFC, the form every stored string takes.
pub fn nfc(s: &str) -> String {
    // Fast path: most input already is NFC; checking is cheaper than rebuilding.
    if unicode_normalization::is_nfc_quick(s.chars()) == unicode_normalization::IsNormalized::Yes {
        s.to_owned()
    } else {
        s.nfc().collect()
    }
}

/// NFC-normalises every string (and key) inside a JSON value, in place.
pub fn nfc_json(v: &mut serde_json::Value) {
    use serde_json::Value;
    match v {
        Value::String(s) => {
            let n = nfc(s);
            if n != *s {
                *s = n;
            }
        }
        Value::Array(a) => a.iter_mut().for_each(nfc_json),
        Value::Object(o) => {
            let entries = std::mem::take(o);
            for (k, mut val) in entries {
                nfc_json(&mut val);
                o.insert(nfc(&k), val);
            }
        }
        _ => {}
    }
}

/// At most `max` bytes of `s`, cut at the character boundary at or below it: where stored or
/// indexed text is bounded, a multi-byte Vietnamese letter is never split.
pub fn prefix(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s.get(..end).unwrap_or_default()
}

/// Lower-cases and removes every diacritic: `Quyết Định` → `quyet dinh`, `Ð`/`Đ`/`đ` → `d`.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    fold_into(&mut out, s);
    out
}

/// `fold`, appended to `out`: the search's tokenizer folds every syllable of every hit's text
/// for its snippet into one reused buffer, with no allocation per syllable.
pub fn fold_into(out: &mut String, s: &str) {
    let table = folded_letters();
    for c in s.chars() {
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
            continue;
        }
        // Vietnamese letters, precomposed: one lookup. The rest: decomposed, marks dropped.
        let code = u32::from(c);
        let known = code
            .checked_sub(LETTERS_FROM)
            .and_then(|i| usize::try_from(i).ok())
            .and_then(|i| table.get(i))
            .copied()
            .filter(|b| *b != 0);
        match known {
            Some(b) => out.push(char::from(b)),
            None => fold_slowly(out, c),
        }
    }
}

/// The first character of the table of letters that fold to one ASCII letter: from Latin-1's
/// letters to the end of Latin Extended Additional, where every Vietnamese letter is.
const LETTERS_FROM: u32 = 0xc0;
const LETTERS_TO: u32 = 0x1eff;

/// For each character from `LETTERS_FROM` to `LETTERS_TO`: the ASCII letter it folds to, or
/// 0 when it folds to something else (or nothing). Made once from the slow way.
fn folded_letters() -> &'static [u8] {
    static TABLE: std::sync::OnceLock<Box<[u8]>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        (LETTERS_FROM..=LETTERS_TO)
            .map(|code| {
                let Some(c) = char::from_u32(code) else {
                    return 0;
                };
                let mut s = String::new();
                fold_slowly(&mut s, c);
                match s.as_bytes() {
                    [b] if b.is_ascii_alphanumeric() => *b,
                    _ => 0,
                }
            })
            .collect()
    })
}

/// One character folded by decomposing it: its marks dropped, `đ` → `d`, lower case.
fn fold_slowly(out: &mut String, c: char) {
    fn push(out: &mut String, c: char) {
        if is_combining_mark(c) {
            return;
        }
        match c {
            'đ' | 'Đ' | 'Ð' | 'ð' => out.push('d'),
            _ => out.extend(c.to_lowercase()),
        }
    }
    unicode_normalization::char::decompose_canonical(c, |d| push(out, d));
}

/// Makes a URL slug: folded, ASCII letters and digits, words joined by `-`, at most
/// `max_len` bytes and never cut inside a word when it can be helped.
///
/// `Quyết định số 3055/QĐ-UBND về kiến trúc` → `quyet-dinh-so-3055-qd-ubnd-ve-kien-truc`.
pub fn slugify(s: &str, max_len: usize) -> String {
    let folded = fold(s);
    let mut slug = String::with_capacity(folded.len());
    for word in folded.split(|c: char| !c.is_ascii_alphanumeric()) {
        if word.is_empty() {
            continue;
        }
        let extra = if slug.is_empty() { 0 } else { 1 };
        if slug.len() + extra + word.len() > max_len {
            if slug.is_empty() {
                slug.push_str(&word[..max_len.min(word.len())]);
            }
            break;
        }
        if extra == 1 {
            slug.push('-');
        }
        slug.push_str(word);
    }
    slug
}

/// Whether `s` is a well-formed slug: lower-case ASCII letters, digits and single inner dashes.
pub fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 200
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !s.contains("--")
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slug_of_a_decision_title() {
        assert_eq!(
            slugify("Quyết định số 3055/QĐ-UBND về kiến trúc", 120),
            "quyet-dinh-so-3055-qd-ubnd-ve-kien-truc"
        );
    }

    #[test]
    fn folding_char_by_char_equals_folding_the_nfd_string() {
        let reference = |s: &str| -> String {
            let mut out = String::new();
            for c in s.nfd().filter(|c| !is_combining_mark(*c)) {
                match c {
                    'đ' | 'Đ' | 'Ð' | 'ð' => out.push('d'),
                    _ => out.extend(c.to_lowercase()),
                }
            }
            out
        };
        let all: String = (0u32..0x2000)
            .chain(0x1e00..0x1f00)
            .filter_map(char::from_u32)
            .collect();
        assert_eq!(fold(&all), reference(&all));
        for s in [
            "Quyết Định số 3055/QĐ-UBND",
            "Ho\u{0300}a Bi\u{0300}nh",
            "ÐÀ NẴNG – Thừa Thiên Huế",
        ] {
            assert_eq!(fold(s), reference(s), "{s}");
        }
    }

    #[test]
    fn folding_handles_nfd_and_the_eth_lookalike() {
        let nfd: String = "Quyết định".nfd().collect();
        assert_eq!(fold(&nfd), "quyet dinh");
        assert_eq!(fold("ÐỒNG ĐẲNG đường"), "dong dang duong");
        assert_eq!(fold("Hoà Hòa thuý thúy"), "hoa hoa thuy thuy");
    }

    #[test]
    fn nfc_composes_decomposed_text() {
        let nfd: String = "Thủ tục hành chính".nfd().collect();
        assert_ne!(nfd, "Thủ tục hành chính");
        assert_eq!(nfc(&nfd), "Thủ tục hành chính");
    }

    #[test]
    fn nfc_json_reaches_nested_strings() {
        let nfd: String = "Sở Tài chính".nfd().collect();
        let mut v = serde_json::json!({"a": [nfd.clone()], "b": {"c": nfd}});
        nfc_json(&mut v);
        assert_eq!(v["a"][0], "Sở Tài chính");
        assert_eq!(v["b"]["c"], "Sở Tài chính");
    }

    #[test]
    fn slug_is_cut_between_words() {
        assert_eq!(slugify("một hai ba bốn", 9), "mot-hai");
        assert_eq!(slugify("!!!", 10), "");
        assert_eq!(slugify("abcdefghijkl", 5), "abcde");
    }

    #[test]
    fn slug_check() {
        assert!(is_slug("so-tai-chinh"));
        assert!(!is_slug("Sở"));
        assert!(!is_slug("a--b"));
        assert!(!is_slug("-a"));
        assert!(!is_slug(""));
    }
}

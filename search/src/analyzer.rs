//! The Vietnamese analyser: every rule about how Vietnamese text becomes index terms.
//!
//! Text is split into syllables on the *original* string, so offsets stay true for snippets,
//! and a syllable keeps its combining marks even when the text is decomposed (NFD): tantivy's
//! stock tokenizer would split `e` + U+0301 apart. Each syllable then yields:
//!
//! - an **exact** term: NFC, lower-case, `Ð` (U+00D0) read as `Đ`, and the tone mark moved to
//!   the end (`hoà` and `hòa` are both `hoa` + U+0300), so both tone placements match;
//! - a **folded** term: no tone or vowel marks, `đ` → `d` (`quyết` → `quyet`);
//! - for the bigram field, pairs of adjacent folded syllables (`quyet_dinh`), which reward
//!   words kept together without the cost of phrase queries.

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// Name of the exact-spelling tokenizer.
pub const EXACT: &str = "vi_exact";
/// Name of the folded tokenizer.
pub const FOLDED: &str = "vi_folded";
/// Name of the folded-bigram tokenizer.
pub const BIGRAM: &str = "vi_bigram";

/// Longest syllable kept; longer runs (URLs, garbage from conversions) are dropped.
const MAX_TOKEN_BYTES: usize = 64;

/// The five Vietnamese tone marks as combining characters.
fn is_tone(c: char) -> bool {
    matches!(c, '\u{300}' | '\u{301}' | '\u{303}' | '\u{309}' | '\u{323}')
}

/// Splits `text` into syllables: runs of letters, digits and combining marks, with byte offsets.
/// Whether `c` belongs in a syllable, with the letters of Vietnamese answered without
/// Unicode's table lookup (a measurable share of snippet making).
fn is_word_char(c: char) -> bool {
    match u32::from(c) {
        0..=0x7f => c.is_ascii_alphanumeric(),
        // Latin-1 letters and Latin Extended-A and -B, all letters but × and ÷.
        0xc0..=0x24f => c != '×' && c != '÷',
        // Latin Extended Additional: ạ ả ấ ầ ẩ ẫ ậ ... ỹ.
        0x1ea0..=0x1ef9 => true,
        _ => c.is_alphanumeric(),
    }
}

pub fn syllables(text: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut chars = text.char_indices().peekable();
    std::iter::from_fn(move || {
        let start = loop {
            let (i, c) = chars.next()?;
            if is_word_char(c) {
                break i;
            }
        };
        let mut end = text.len();
        while let Some(&(i, c)) = chars.peek() {
            if is_word_char(c) || is_combining_mark(c) {
                chars.next();
            } else {
                end = i;
                break;
            }
        }
        Some((start, end))
    })
}

/// The exact term of one syllable: NFC, lower-case, `Ð` → `đ`, tone mark last.
pub fn exact_term(syllable: &str) -> String {
    let mut tone = None;
    let mut base = String::with_capacity(syllable.len() + 2);
    for c in syllable.nfd() {
        if is_tone(c) {
            tone = Some(c);
            continue;
        }
        match c {
            'Ð' | 'ð' | 'Đ' => base.push('đ'),
            _ => base.extend(c.to_lowercase()),
        }
    }
    let mut out: String = base.nfc().collect();
    if let Some(t) = tone {
        out.push(t);
    }
    out
}

/// The folded term of one syllable.
pub fn folded_term(syllable: &str) -> String {
    portico_engine::text::fold(syllable)
}

/// A key for document numbers that ignores case, marks and separators:
/// `3055/QĐ-UBND`, `3055 qd ubnd` and `3055/qd-ubnd` all give `3055qdubnd`.
pub fn number_key(s: &str) -> String {
    folded_term(s)
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Exact,
    Folded,
    Bigram,
}

/// The tokenizer, in one of its three modes.
#[derive(Clone, Debug)]
pub struct VietnameseTokenizer {
    mode: Mode,
    token: Token,
}

impl VietnameseTokenizer {
    /// Exact spelling, tone placement canonicalised.
    pub fn exact() -> Self {
        Self::with(Mode::Exact)
    }
    /// Folded: no marks.
    pub fn folded() -> Self {
        Self::with(Mode::Folded)
    }
    /// Adjacent folded syllable pairs.
    pub fn bigram() -> Self {
        Self::with(Mode::Bigram)
    }
    fn with(mode: Mode) -> Self {
        VietnameseTokenizer {
            mode,
            token: Token::default(),
        }
    }
}

/// The stream over one text.
pub struct VietnameseStream<'a> {
    text: &'a str,
    spans: Box<dyn Iterator<Item = (usize, usize)> + 'a>,
    mode: Mode,
    token: &'a mut Token,
    position: usize,
    previous: Option<(usize, String)>,
}

impl Tokenizer for VietnameseTokenizer {
    type TokenStream<'a> = VietnameseStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> VietnameseStream<'a> {
        self.token.reset();
        VietnameseStream {
            text,
            spans: Box::new(syllables(text).filter(|(s, e)| e - s <= MAX_TOKEN_BYTES)),
            mode: self.mode,
            token: &mut self.token,
            position: 0,
            previous: None,
        }
    }
}

impl TokenStream for VietnameseStream<'_> {
    fn advance(&mut self) -> bool {
        loop {
            let Some((from, to)) = self.spans.next() else {
                return false;
            };
            let syllable = &self.text[from..to];
            let text = match self.mode {
                Mode::Exact => exact_term(syllable),
                // Into the token's own buffer: snippets fold every syllable of every hit's
                // text, and a new string each was a good part of their time.
                Mode::Folded => {
                    self.place(from, to);
                    self.token.text.clear();
                    portico_engine::text::fold_into(&mut self.token.text, syllable);
                    return true;
                }
                Mode::Bigram => {
                    let folded = folded_term(syllable);
                    let prev = self.previous.replace((from, folded.clone()));
                    match prev {
                        Some((pfrom, p)) => {
                            self.fill(pfrom, to, format!("{p}_{folded}"));
                            return true;
                        }
                        None => continue,
                    }
                }
            };
            self.fill(from, to, text);
            return true;
        }
    }

    fn token(&self) -> &Token {
        self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        self.token
    }
}

impl VietnameseStream<'_> {
    fn fill(&mut self, from: usize, to: usize, text: String) {
        self.place(from, to);
        self.token.text = text;
    }

    /// The next token's offsets and position; its text is the caller's to write.
    fn place(&mut self, from: usize, to: usize) {
        self.token.offset_from = from;
        self.token.offset_to = to;
        self.token.position = self.position;
        self.token.position_length = 1;
        self.position += 1;
    }
}

/// Registers the three tokenizers on an index.
pub fn register(index: &tantivy::Index) {
    let m = index.tokenizers();
    m.register(EXACT, VietnameseTokenizer::exact());
    m.register(FOLDED, VietnameseTokenizer::folded());
    m.register(BIGRAM, VietnameseTokenizer::bigram());
}

/// The terms a tokenizer makes of a text, for building queries the same way as the index.
pub fn terms(tokenizer: &mut VietnameseTokenizer, text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut stream = tokenizer.token_stream(text);
    while stream.advance() {
        out.push(stream.token().text.clone());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fast_word_test_agrees_with_unicode() {
        for c in (0u32..0x2000).filter_map(char::from_u32) {
            let fast = is_word_char(c);
            assert_eq!(fast, c.is_alphanumeric(), "{c:?} U+{:04X}", c as u32);
        }
    }

    fn all(mut t: VietnameseTokenizer, s: &str) -> Vec<String> {
        terms(&mut t, s)
    }

    #[test]
    fn both_tone_placements_give_one_exact_term() {
        assert_eq!(exact_term("hoà"), exact_term("hòa"));
        assert_eq!(exact_term("Thuý"), exact_term("thúy"));
        assert_ne!(exact_term("hoà"), exact_term("hoá"));
        assert_eq!(folded_term("hoà"), "hoa");
    }

    #[test]
    fn decomposed_text_stays_one_syllable_with_true_offsets() {
        let nfd: String = "Quyết định số 3055/QĐ-UBND".nfd().collect();
        let mut t = VietnameseTokenizer::folded();
        let mut stream = t.token_stream(&nfd);
        let mut got = Vec::new();
        while stream.advance() {
            let tok = stream.token();
            got.push((
                tok.text.clone(),
                nfd[tok.offset_from..tok.offset_to]
                    .nfc()
                    .collect::<String>(),
            ));
        }
        let texts: Vec<_> = got.iter().map(|g| g.0.as_str()).collect();
        assert_eq!(texts, ["quyet", "dinh", "so", "3055", "qd", "ubnd"]);
        assert_eq!(got[1].1, "định");
    }

    #[test]
    fn the_eth_lookalike_is_read_as_d_with_stroke() {
        assert_eq!(exact_term("ÐỒNG"), exact_term("đồng"));
        assert_eq!(folded_term("ÐỒNG"), "dong");
        assert_eq!(
            all(VietnameseTokenizer::exact(), "ĐẢNG Ðảng"),
            vec![exact_term("đảng"); 2]
        );
    }

    #[test]
    fn bigrams_pair_neighbours() {
        assert_eq!(
            all(VietnameseTokenizer::bigram(), "Quyết định phê duyệt"),
            ["quyet_dinh", "dinh_phe", "phe_duyet"]
        );
    }

    #[test]
    fn number_keys_ignore_separators_and_marks() {
        assert_eq!(number_key("3055/QĐ-UBND"), "3055qdubnd");
        assert_eq!(number_key("3055 QĐ UBND"), "3055qdubnd");
        assert_eq!(number_key("3055/qd-ubnd"), "3055qdubnd");
    }

    #[test]
    fn garbage_runs_are_dropped() {
        let long = "a".repeat(100);
        assert_eq!(
            all(VietnameseTokenizer::folded(), &format!("{long} xã")),
            ["xa"]
        );
        assert!(all(VietnameseTokenizer::folded(), "!!! ... 🙂").is_empty());
    }
}

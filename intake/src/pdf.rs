//! Text from PDFs and scans, with Debian's tools run as separate processes: poppler's
//! `pdftotext` (per page, the layout kept) and `pdfinfo`, `pdftoppm` to rasterise a page
//! with no text, and Tesseract with its Vietnamese model for the pictures. A process that
//! takes too long is killed; pages past the cap are not read (the result says so); pages are
//! recognised a few at a time.
//!
//! Why processes, not crates: the Rust PDF crates read the text layer of simple PDFs but not
//! the CID fonts and odd encodings of real government PDFs, which poppler reads; Tesseract
//! through its command needs no C bindings compiled into the server, and a crash of either
//! takes down one page's work, not the node.

use crate::columns::{from_tsv, untangle};
use crate::Text;
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What reading a PDF or a picture may take.
#[derive(Debug, Clone, Copy)]
pub struct PdfLimits {
    /// Pages read at most; the rest are left out, and said to be.
    pub max_pages: usize,
    /// Time for one tool run (a page's text, a page's OCR).
    pub per_page: Duration,
    /// Time for the whole file.
    pub total: Duration,
    /// Pages recognised at once.
    pub ocr_threads: usize,
    /// Pixels of a picture at most (a 50,000 × 50,000 scan is refused before Tesseract).
    pub max_pixels: u64,
    /// Resolution pages without text are rasterised at for OCR.
    pub dpi: u32,
}

impl Default for PdfLimits {
    fn default() -> Self {
        PdfLimits {
            max_pages: 200,
            per_page: Duration::from_secs(20),
            total: Duration::from_secs(300),
            ocr_threads: 2,
            max_pixels: 60_000_000,
            dpi: 200,
        }
    }
}

/// Why a file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("{0} is not installed (Debian: {1}); scripts/intake-tools.sh installs it")]
    Missing(&'static str, &'static str),
    #[error("the PDF is encrypted: remove the password and send it again")]
    Encrypted,
    #[error("the file cannot be read: {0}")]
    Damaged(String),
    #[error("the picture is {0} × {1} pixels; at most {2} pixels are read")]
    TooManyPixels(u32, u32, u64),
    #[error("reading took longer than {0} s")]
    TimedOut(u64),
    #[error("{0}")]
    Io(String),
}

/// A PDF's or picture's text, with what was recognised and what was left out.
#[derive(Debug, Clone, Default)]
pub struct Reading {
    pub text: Text,
    /// Pages in the file.
    pub pages: usize,
    /// Pages whose text came from OCR.
    pub ocr_pages: Vec<usize>,
    /// What the reader should know: pages beyond the cap, a page that timed out.
    pub warnings: Vec<String>,
}

/// What a tool run gave.
pub(crate) struct Ran {
    pub(crate) status: std::process::ExitStatus,
    pub(crate) out: Vec<u8>,
    /// Its complaints (the first 64 KB): "Incorrect password" tells an encrypted file.
    pub(crate) err: String,
}

impl Ran {
    /// The tool's first complaint (at most 200 characters), or `otherwise`.
    pub(crate) fn why(&self, otherwise: &str) -> String {
        let first = self
            .err
            .lines()
            .next()
            .map(str::trim)
            .filter(|l| !l.is_empty());
        first.unwrap_or(otherwise).chars().take(200).collect()
    }
}

/// Runs `cmd`, feeding nothing, and returns what it wrote, or kills it at `limit`.
pub(crate) fn run(cmd: Command, limit: Duration) -> Result<Ran, PdfError> {
    let name = cmd.get_program().to_string_lossy().into_owned();
    let missing = || match name.as_str() {
        "tesseract" => PdfError::Missing("tesseract", "tesseract-ocr tesseract-ocr-vie"),
        "antiword" => PdfError::Missing("antiword", "antiword"),
        _ => PdfError::Missing("pdftotext/pdfinfo/pdftoppm", "poppler-utils"),
    };
    // At a lower priority (nice 10): reading a file is staff's work, and must not slow the
    // portals' readers when OCR takes the cores. Without `nice`, as it is.
    let mut niced = Command::new("nice");
    niced
        .args(["-n", "10"])
        .arg(cmd.get_program())
        .args(cmd.get_args());
    for (k, v) in cmd.get_envs() {
        match v {
            Some(v) => niced.env(k, v),
            None => niced.env_remove(k),
        };
    }
    let spawn = |mut c: Command| {
        c.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
    };
    let (mut child, through_nice) = match spawn(niced) {
        Ok(c) => (c, true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => match spawn(cmd) {
            Ok(c) => (c, false),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(missing()),
            Err(e) => return Err(PdfError::Io(format!("{name}: {e}"))),
        },
        Err(e) => return Err(PdfError::Io(format!("{name}: {e}"))),
    };
    // Read both while it runs, so a large output (or a damaged file's thousand complaints)
    // cannot fill a pipe and stall it; past the caps the rest is drained and dropped.
    fn drain(
        pipe: Option<impl Read + Send + 'static>,
        cap: u64,
    ) -> std::thread::JoinHandle<Vec<u8>> {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut p) = pipe {
                let _ = (&mut p).take(cap).read_to_end(&mut buf);
                let _ = std::io::copy(&mut p, &mut std::io::sink());
            }
            buf
        })
    }
    let reader = drain(child.stdout.take(), 64 * 1024 * 1024);
    let complaints = drain(child.stderr.take(), 64 * 1024);
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break s,
            Ok(None) if started.elapsed() > limit => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(PdfError::TimedOut(limit.as_secs()));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => return Err(PdfError::Io(e.to_string())),
        }
    };
    let ran = Ran {
        status,
        out: reader.join().unwrap_or_default(),
        err: String::from_utf8_lossy(&complaints.join().unwrap_or_default()).into_owned(),
    };
    // `nice` says 127 when it cannot find the tool.
    if through_nice && status.code() == Some(127) {
        return Err(missing());
    }
    Ok(ran)
}

/// How many pages `file` has, from `pdfinfo`.
fn page_count(file: &Path, limits: &PdfLimits) -> Result<usize, PdfError> {
    let mut cmd = Command::new("pdfinfo");
    cmd.arg(file);
    let ran = run(cmd, limits.per_page)?;
    let text = String::from_utf8_lossy(&ran.out);
    // A file locked for opening needs its password; one only restricted against changes
    // (common for signed decisions) opens without one and is read like any other.
    if ran.err.contains("Incorrect password") {
        return Err(PdfError::Encrypted);
    }
    if !ran.status.success() {
        return Err(PdfError::Damaged(ran.why("pdfinfo refused it")));
    }
    text.lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .ok_or_else(|| PdfError::Damaged("no page count".to_owned()))
}

/// Whether a page's text is real text: enough letters, and not the replacement characters
/// a font without a Unicode map gives.
fn readable(s: &str) -> bool {
    let letters = s.chars().filter(|c| c.is_alphabetic()).count();
    let junk = s
        .chars()
        .filter(|c| *c == '\u{fffd}' || ('\u{e000}'..='\u{f8ff}').contains(c))
        .count();
    letters >= 20 && junk * 20 < letters
}

/// A PDF's text page by page; pages without readable text go to OCR.
pub fn pdf_text(file: &Path, limits: &PdfLimits) -> Result<Reading, PdfError> {
    let started = Instant::now();
    let pages = page_count(file, limits)?;
    let mut out = Reading {
        pages,
        ..Default::default()
    };
    let read = pages.min(limits.max_pages);
    if pages > read {
        out.warnings
            .push(format!("only the first {read} of {pages} pages were read"));
    }
    let mut texts: Vec<Option<Vec<String>>> = Vec::with_capacity(read);
    for p in 1..=read {
        if started.elapsed() > limits.total {
            out.warnings
                .push(format!("stopped at page {p}: the file took too long"));
            break;
        }
        let mut cmd = Command::new("pdftotext");
        // Reading order (no -layout): poppler reads a table's cells as blocks, so the two
        // header columns come one after the other as in a DOCX; laid out as printed, they
        // run together where a long issuer meets the motto.
        cmd.args(["-enc", "UTF-8", "-f", &p.to_string(), "-l", &p.to_string()])
            .arg(file)
            .arg("-");
        let text = match run(cmd, limits.per_page) {
            Ok(r) if r.status.success() => String::from_utf8_lossy(&r.out).into_owned(),
            Ok(_) => String::new(),
            Err(PdfError::TimedOut(_)) => {
                out.warnings
                    .push(format!("page {p}: its text took too long"));
                String::new()
            }
            Err(e) => return Err(e),
        };
        texts.push(readable(&text).then(|| text.lines().map(str::to_owned).collect()));
    }
    // Pages without text: rasterised and recognised, a few at a time.
    let need: Vec<usize> = texts
        .iter()
        .enumerate()
        .filter(|(_, t)| t.is_none())
        .map(|(i, _)| i + 1)
        .collect();
    let recognised = ocr_pages(file, &need, limits, started);
    for (p, r) in recognised {
        match r {
            Ok(t) => {
                if let Some(slot) = texts.get_mut(p - 1) {
                    *slot = Some(t);
                }
                out.ocr_pages.push(p);
            }
            Err(e) => out.warnings.push(format!("page {p}: {e}")),
        }
    }
    out.ocr_pages.sort_unstable();
    out.text = Text {
        pages: texts.into_iter().map(Option::unwrap_or_default).collect(),
    };
    Ok(out)
}

/// OCR of the given pages of a PDF, `limits.ocr_threads` at a time.
fn ocr_pages(
    file: &Path,
    pages: &[usize],
    limits: &PdfLimits,
    started: Instant,
) -> Vec<(usize, Result<Vec<String>, PdfError>)> {
    let queue = std::sync::Mutex::new(pages.to_vec());
    let done = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..limits.ocr_threads.max(1) {
            s.spawn(|| loop {
                let next = queue.lock().map(|mut q| q.pop()).unwrap_or(None);
                let Some(p) = next else { break };
                let r = if started.elapsed() > limits.total {
                    Err(PdfError::TimedOut(limits.total.as_secs()))
                } else {
                    page_ocr(file, p, limits)
                };
                if let Ok(mut d) = done.lock() {
                    d.push((p, r));
                }
            });
        }
    });
    done.into_inner().unwrap_or_default()
}

/// One page rasterised (grey PGM at `limits.dpi`) and recognised. PGM, not PNG: compressing
/// a page's PNG took longer than drawing it, for Tesseract to uncompress it again.
fn page_ocr(file: &Path, page: usize, limits: &PdfLimits) -> Result<Vec<String>, PdfError> {
    // A page's size is the file's to say: a 200-inch page at 200 dpi is 1.6 GB of pixels.
    // Its size in points is asked first and a page past the pixel cap is refused; the crop
    // below holds even if that answer was wrong.
    let side = limits.max_pixels.isqrt().max(1);
    if let Some((w, h)) = page_points(file, page, limits) {
        let px = |pt: u64| pt.saturating_mul(u64::from(limits.dpi)).div_ceil(72);
        let (w, h) = (px(w), px(h));
        if w.saturating_mul(h) > limits.max_pixels {
            return Err(PdfError::TooManyPixels(
                u32::try_from(w).unwrap_or(u32::MAX),
                u32::try_from(h).unwrap_or(u32::MAX),
                limits.max_pixels,
            ));
        }
    }
    let dir = tempfile::tempdir().map_err(|e| PdfError::Io(e.to_string()))?;
    let prefix = dir.path().join("page");
    let mut cmd = Command::new("pdftoppm");
    cmd.args(["-r", &limits.dpi.to_string(), "-gray", "-singlefile"])
        .args([
            "-x",
            "0",
            "-y",
            "0",
            "-W",
            &side.to_string(),
            "-H",
            &side.to_string(),
        ])
        .args(["-f", &page.to_string(), "-l", &page.to_string()])
        .arg(file)
        .arg(&prefix);
    let ran = run(cmd, limits.per_page)?;
    if !ran.status.success() {
        return Err(PdfError::Damaged(format!("page {page} cannot be drawn")));
    }
    tesseract(&prefix.with_extension("pgm"), limits)
}

/// A page's width and height in whole points (rounded up), from `pdfinfo`
/// (`Page    3 size: 595.276 x 841.89 pts (A4)`).
fn page_points(file: &Path, page: usize, limits: &PdfLimits) -> Option<(u64, u64)> {
    let mut cmd = Command::new("pdfinfo");
    cmd.args(["-f", &page.to_string(), "-l", &page.to_string()])
        .arg(file);
    let ran = run(cmd, limits.per_page).ok()?;
    let text = String::from_utf8_lossy(&ran.out);
    parse_page_size(&text)
}

fn parse_page_size(text: &str) -> Option<(u64, u64)> {
    let line = text
        .lines()
        .find(|l| l.starts_with("Page") && l.contains(" size:"))?;
    let (_, size) = line.split_once(" size:")?;
    // Whole points, up: `841.89` is 842; a number too long for u64 is as large as can be.
    let points = |w: &str| -> Option<u64> {
        let (whole, frac) = w.split_once('.').unwrap_or((w, ""));
        if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        if !frac.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let n = whole.parse::<u64>().unwrap_or(u64::MAX);
        Some(n.saturating_add(u64::from(frac.bytes().any(|b| b != b'0'))))
    };
    let mut numbers = size.split_whitespace().filter_map(points);
    Some((numbers.next()?, numbers.next()?))
}

/// Tesseract with the Vietnamese model (and English, for the odd English word): its words
/// with their boxes (TSV), so that columns it reads across can be put back in order.
fn tesseract(picture: &Path, limits: &PdfLimits) -> Result<Vec<String>, PdfError> {
    let mut cmd = Command::new("tesseract");
    cmd.arg(picture)
        .arg("-")
        .args(["-l", "vie+eng", "--psm", "4"])
        // Documents are dark on light: the second pass looking for inverted text is time
        // wasted on every line.
        .args(["-c", "tessedit_do_invert=0", "tsv"])
        .env("OMP_THREAD_LIMIT", "1");
    let ran = run(cmd, limits.per_page)?;
    if !ran.status.success() {
        return Err(PdfError::Damaged(
            "the picture cannot be recognised".to_owned(),
        ));
    }
    Ok(untangle(&from_tsv(&String::from_utf8_lossy(&ran.out))))
}

/// A picture's (JPEG, PNG, TIFF) text by OCR, after checking its size from its header.
pub fn picture_text(file: &Path, limits: &PdfLimits) -> Result<Reading, PdfError> {
    let (w, h) = dimensions(file)?;
    if u64::from(w) * u64::from(h) > limits.max_pixels {
        return Err(PdfError::TooManyPixels(w, h, limits.max_pixels));
    }
    let text = tesseract(file, limits)?;
    Ok(Reading {
        text: Text { pages: vec![text] },
        pages: 1,
        ocr_pages: vec![1],
        warnings: Vec::new(),
    })
}

/// Width and height from the file's header (PNG, JPEG, TIFF), without decoding it.
fn dimensions(file: &Path) -> Result<(u32, u32), PdfError> {
    let mut head = vec![0u8; 64 * 1024];
    let n = std::fs::File::open(file)
        .and_then(|mut f| f.read(&mut head))
        .map_err(|e| PdfError::Io(e.to_string()))?;
    head.truncate(n);
    let be32 = |b: &[u8]| {
        b.get(..4)
            .and_then(|b| <[u8; 4]>::try_from(b).ok())
            .map(u32::from_be_bytes)
    };
    if head.starts_with(b"\x89PNG") {
        return match (
            head.get(16..20).and_then(be32),
            head.get(20..24).and_then(be32),
        ) {
            (Some(w), Some(h)) => Ok((w, h)),
            _ => Err(PdfError::Damaged("a PNG without its size".to_owned())),
        };
    }
    if head.starts_with(&[0xFF, 0xD8]) {
        // The first start-of-frame marker holds the size.
        let mut i = 2;
        while i + 9 < head.len() {
            if head.get(i) != Some(&0xFF) {
                i += 1;
                continue;
            }
            let marker = head.get(i + 1).copied().unwrap_or(0);
            let len = usize::from(u16::from_be_bytes([
                head.get(i + 2).copied().unwrap_or(0),
                head.get(i + 3).copied().unwrap_or(0),
            ]));
            if (0xC0..=0xCF).contains(&marker) && ![0xC4, 0xC8, 0xCC].contains(&marker) {
                let h = u16::from_be_bytes([
                    head.get(i + 5).copied().unwrap_or(0),
                    head.get(i + 6).copied().unwrap_or(0),
                ]);
                let w = u16::from_be_bytes([
                    head.get(i + 7).copied().unwrap_or(0),
                    head.get(i + 8).copied().unwrap_or(0),
                ]);
                return Ok((u32::from(w), u32::from(h)));
            }
            i += 2 + len;
        }
        return Err(PdfError::Damaged(
            "a JPEG without its size in its first 64 KB".to_owned(),
        ));
    }
    if head.starts_with(b"II*\0") || head.starts_with(b"MM\0*") {
        // Scanners write the directory after the pixels: read it where the header points.
        let little = head.starts_with(b"II");
        let at = tiff_u32(little, head.get(4..8)).unwrap_or(0);
        // Every directory is a page Tesseract reads: the largest one counts, not the first.
        let mut f = std::fs::File::open(file).map_err(|e| PdfError::Io(e.to_string()))?;
        let (mut at, mut largest, mut seen) = (at, None::<(u32, u32)>, Vec::new());
        while at != 0 {
            if seen.contains(&at) || seen.len() >= MAX_TIFF_PAGES {
                return Err(PdfError::Damaged(
                    "a TIFF whose pages go round in circles or never end".to_owned(),
                ));
            }
            seen.push(at);
            let mut ifd = vec![0u8; 2 + 500 * 12 + 4];
            std::io::Seek::seek(&mut f, std::io::SeekFrom::Start(u64::from(at)))
                .map_err(|e| PdfError::Io(e.to_string()))?;
            let n = read_up_to(&mut f, &mut ifd).map_err(|e| PdfError::Io(e.to_string()))?;
            ifd.truncate(n);
            let (w, h, next) = tiff_directory(little, &ifd)
                .ok_or_else(|| PdfError::Damaged("a TIFF without its size".to_owned()))?;
            if largest
                .is_none_or(|(lw, lh)| u64::from(w) * u64::from(h) > u64::from(lw) * u64::from(lh))
            {
                largest = Some((w, h));
            }
            at = next;
        }
        return largest.ok_or_else(|| PdfError::Damaged("a TIFF without its size".to_owned()));
    }
    Err(PdfError::Damaged("not a PDF, JPEG, PNG or TIFF".to_owned()))
}

/// Pages of a TIFF looked at, at most.
const MAX_TIFF_PAGES: usize = 1000;

/// Reads until `buf` is full or the file ends.
fn read_up_to(f: &mut std::fs::File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match f.read(buf.get_mut(n..).unwrap_or_default())? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// One TIFF directory's image width and height (tags 256 and 257) and where the next
/// directory is (0: none), `head` starting at the directory.
fn tiff_directory(little: bool, head: &[u8]) -> Option<(u32, u32, u32)> {
    let (w, h) = tiff_size(little, head)?;
    let count = <[u8; 2]>::try_from(head.get(..2)?).ok()?;
    let entries = usize::from(if little {
        u16::from_le_bytes(count)
    } else {
        u16::from_be_bytes(count)
    });
    let at = 2 + entries * 12;
    // A directory cut short (more than 500 entries, or the file ends) has no next.
    let next = tiff_u32(little, head.get(at..at + 4)).unwrap_or(0);
    Some((w, h, next))
}

/// A TIFF's 32-bit number in the file's byte order.
fn tiff_u32(little: bool, bytes: Option<&[u8]>) -> Option<u32> {
    let b = <[u8; 4]>::try_from(bytes?).ok()?;
    Some(if little {
        u32::from_le_bytes(b)
    } else {
        u32::from_be_bytes(b)
    })
}

/// A TIFF image's width and height (tags 256 and 257 of the directory `head` starts at).
fn tiff_size(little: bool, head: &[u8]) -> Option<(u32, u32)> {
    let u16_at = |i: usize| {
        let b = <[u8; 2]>::try_from(head.get(i..i + 2)?).ok()?;
        Some(if little {
            u16::from_le_bytes(b)
        } else {
            u16::from_be_bytes(b)
        })
    };
    let u32_at = |i: usize| tiff_u32(little, head.get(i..i + 4));
    let ifd = 0;
    let entries = usize::from(u16_at(ifd)?);
    let (mut w, mut h) = (None, None);
    for e in 0..entries.min(500) {
        let at = ifd + 2 + e * 12;
        let tag = u16_at(at)?;
        let kind = u16_at(at + 2)?;
        // SHORT (3) values sit in the first two bytes of the value field, LONG (4) in four.
        let value = if kind == 3 {
            u32::from(u16_at(at + 8)?)
        } else {
            u32_at(at + 8)?
        };
        match tag {
            256 => w = Some(value),
            257 => h = Some(value),
            _ => {}
        }
    }
    Some((w?, h?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_tool_is_named_with_its_package() {
        let err = run(
            Command::new("pdftotext-not-installed"),
            Duration::from_secs(5),
        );
        assert!(
            matches!(err, Err(PdfError::Missing(_, "poppler-utils"))),
            "{:?}",
            err.err()
        );
    }

    /// A little-endian TIFF of pages of these sizes, the directories chained (`next` of the
    /// last pointing at `last_next`).
    fn tiff(pages: &[(u32, u32)], last_next: Option<u32>) -> Vec<u8> {
        let mut b = b"II*\0".to_vec();
        b.extend(8u32.to_le_bytes());
        for (i, (w, h)) in pages.iter().enumerate() {
            b.extend(2u16.to_le_bytes());
            for (tag, v) in [(256u16, *w), (257, *h)] {
                b.extend(tag.to_le_bytes());
                b.extend(4u16.to_le_bytes());
                b.extend(1u32.to_le_bytes());
                b.extend(v.to_le_bytes());
            }
            let here = u32::try_from(b.len()).unwrap();
            let next = if i + 1 < pages.len() {
                here + 4
            } else {
                last_next.unwrap_or(0)
            };
            b.extend(next.to_le_bytes());
        }
        b
    }

    #[test]
    fn every_page_of_a_tiff_is_measured_not_only_the_first() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("scan.tif");
        std::fs::write(&f, tiff(&[(100, 100), (90_000, 90_000), (200, 50)], None)).unwrap();
        assert_eq!(dimensions(&f).unwrap(), (90_000, 90_000));
        assert!(matches!(
            picture_text(&f, &PdfLimits::default()),
            Err(PdfError::TooManyPixels(90_000, 90_000, _))
        ));
        // Directories that point back at themselves are refused, not followed for ever.
        std::fs::write(&f, tiff(&[(100, 100)], Some(8))).unwrap();
        assert!(matches!(dimensions(&f), Err(PdfError::Damaged(_))));
    }

    #[test]
    fn a_pages_size_is_read_from_pdfinfo_in_whole_points_up() {
        let out = "Page    1 size: 595.276 x 841.89 pts (A4)\nPage    1 rot:  0\n";
        assert_eq!(parse_page_size(out), Some((596, 842)));
        let out = "Page    2 size: 14400 x 14400 pts\n";
        assert_eq!(parse_page_size(out), Some((14400, 14400)));
        assert_eq!(parse_page_size("Pages: 3\n"), None);
        let huge = "Page    1 size: 99999999999999999999999 x 1 pts\n";
        assert_eq!(parse_page_size(huge), Some((u64::MAX, 1)));
    }

    #[test]
    fn a_tool_too_slow_is_stopped() {
        let mut cmd = Command::new("sleep");
        cmd.arg("5");
        let started = Instant::now();
        assert!(matches!(
            run(cmd, Duration::from_millis(200)),
            Err(PdfError::TimedOut(_))
        ));
        assert!(started.elapsed() < Duration::from_secs(2));
    }
}

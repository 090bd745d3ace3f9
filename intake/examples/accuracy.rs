//! Field accuracy of document intake on the labelled set, per field and per format, and the
//! time OCR takes per page: `bench/intake-accuracy.sh` runs it (release build).
//!
//! The set: 100 documents generated in the Decree 30/2020/NĐ-CP layout with known fields,
//! as DOCX, as PDF printed by headless Chromium, and as scans of that PDF (rasterised at
//! 150, 200 and 300 dpi, skewed up to 1.5°, speckled, grey grain, JPEG at quality 75, as
//! image-only PDF pages read through OCR).
//!
//! Arguments: `--scans N` documents scanned at 200 dpi (default 40), `--other-dpi N` at
//! 150 and 300 dpi each (default 15).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::as_conversions,
    clippy::print_stdout
)]

#[path = "../tests/set/mod.rs"]
mod set;

use portico_intake::{docx_text, extract, pdf_text, DocxLimits, PdfLimits, Text};
use set::{Doc, Page, Score, FIELDS};
use std::time::{Duration, Instant};

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn row(what: &str, s: &Score) {
    let cells: Vec<String> = (0..FIELDS.len())
        .map(|i| format!("{:>6.1}", s.percent(i)))
        .collect();
    println!("{what:<18} {:>4}  {}", s.total, cells.join(" "));
}

fn header() {
    let names: Vec<String> = FIELDS
        .iter()
        .map(|f| format!("{:>6}", &f[..f.len().min(6)]))
        .collect();
    println!("{:<18} {:>4}  {}", "format", "docs", names.join(" "));
}

/// Scans `docs` (pages of `printed`) at `dpi`; the score and the OCR time per page.
fn scans(
    docs: &[(usize, &Doc)],
    printed: &std::path::Path,
    dpi: u32,
    dir: &std::path::Path,
) -> (Score, Vec<Duration>) {
    let mut score = Score::default();
    let mut times = Vec::new();
    for (k, (page, d)) in docs.iter().enumerate() {
        let clean = set::rasterise(printed, page + 1, dpi, dir);
        // Skew from -1.5° to +1.5° across the set, speckle and grain on every page.
        let degrees = -1.5 + 3.0 * (k as f32 / docs.len().max(2) as f32);
        let jpeg = set::scan(&clean, degrees, 1500, 7 + k as u64);
        let file = dir.join(format!("scan-{dpi}-{page}.pdf"));
        std::fs::write(&file, set::pdf(&[Page::Jpeg { bytes: jpeg }])).unwrap();
        let started = Instant::now();
        let r = pdf_text(&file, &PdfLimits::default()).unwrap();
        times.push(started.elapsed());
        assert_eq!(r.ocr_pages, vec![1], "{:?}", r.warnings);
        // PORTICO_DUMP=711/UBND-NS prints what OCR gave for that document.
        if std::env::var("PORTICO_DUMP").is_ok_and(|n| n == d.number) {
            eprintln!(
                "{dpi} dpi, {}:\n{}",
                d.number,
                r.text.pages.concat().join("\n")
            );
        }
        score.add(d, &extract(&r.text));
    }
    (score, times)
}

fn seconds(times: &[Duration]) -> String {
    let mut t: Vec<f64> = times.iter().map(Duration::as_secs_f64).collect();
    t.sort_by(f64::total_cmp);
    if t.is_empty() {
        return "-".into();
    }
    let mean = t.iter().sum::<f64>() / t.len() as f64;
    let p95 = t[((t.len() as f64 * 0.95) as usize).min(t.len() - 1)];
    format!(
        "mean {mean:.2} s, p95 {p95:.2} s, max {:.2} s",
        t[t.len() - 1]
    )
}

fn main() {
    let docs = set::set();
    let dir = tempfile::tempdir().unwrap();
    header();

    let mut s = Score::default();
    for d in &docs {
        s.add(
            d,
            &extract(&docx_text(&set::docx(d), DocxLimits::default()).unwrap()),
        );
    }
    row("DOCX", &s);

    let Some(browser) = set::chromium() else {
        println!(
            "(no Chromium: the PDF and scan rows need it; scripts/intake-tools.sh installs it)"
        );
        return;
    };
    let printed = set::print_pdf(browser, &docs, dir.path());
    let started = Instant::now();
    let r = pdf_text(&printed, &PdfLimits::default()).unwrap();
    let text_time = started.elapsed();
    assert_eq!(r.pages, docs.len(), "one page per document");
    let mut s = Score::default();
    for (d, page) in docs.iter().zip(&r.text.pages) {
        s.add(
            d,
            &extract(&Text {
                pages: vec![page.clone()],
            }),
        );
    }
    row("PDF (Chromium)", &s);
    if !s.misses.is_empty() {
        eprintln!("PDF misses: {:#?}", s.misses);
    }

    // Documents spread over the set: every issuer, type and signer block appears.
    let pick = |n: usize| -> Vec<(usize, &Doc)> {
        let step = (docs.len() / n.max(1)).max(1);
        docs.iter().enumerate().step_by(step).take(n).collect()
    };
    let mut all_times = Vec::new();
    let mut lines = Vec::new();
    for (dpi, n) in [
        (200, arg("--scans", 40)),
        (150, arg("--other-dpi", 15)),
        (300, arg("--other-dpi", 15)),
    ] {
        if n == 0 {
            continue;
        }
        let (s, times) = scans(&pick(n), &printed, dpi, dir.path());
        row(&format!("scan {dpi} dpi"), &s);
        if !s.misses.is_empty() {
            eprintln!("scan {dpi} dpi misses: {:#?}", s.misses);
        }
        lines.push(format!(
            "OCR at {dpi} dpi: {} ({} pages)",
            seconds(&times),
            times.len()
        ));
        all_times.extend(times);
    }
    println!();
    println!(
        "text layer of the printed PDF: {:.1} ms per page ({} pages)",
        text_time.as_secs_f64() * 1000.0 / docs.len() as f64,
        docs.len()
    );
    for l in lines {
        println!("{l}");
    }
    println!();
    println!("targets: digital number and issue date >= 98 %, type and issuer >= 95 %, signer >= 90 %, effective date >= 85 %;");
    println!("         200 dpi scans number and issue date >= 90 %; OCR <= 3 s per page");
}

//! The labelled set shared by the tests and `examples/accuracy.rs`: documents generated in
//! the layout of Decree 30/2020/NĐ-CP with known fields, written as DOCX, printed as PDF by
//! Chromium (real Vietnamese fonts, the header and signature as two-column tables, as word
//! processors print them) and scanned back (rasterised, skewed, speckled, JPEG-compressed,
//! wrapped as image-only PDF pages); and the scoring of what was read against what was
//! written.

#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::as_conversions
)]

use docx_rs::{Docx, Paragraph, Run, Table, TableCell, TableRow};
use portico_intake::Extracted;
use std::path::Path;
use std::process::Command;

pub struct Doc {
    pub parent: &'static str,
    pub issuer: &'static str,
    pub number: String,
    pub doc_type: &'static str,
    /// The type line as printed (none for a letter).
    pub heading: Option<&'static str>,
    pub title: String,
    pub place: &'static str,
    pub issued: (u32, u32, i32),
    pub effective: Option<String>,
    pub effect_sentence: String,
    pub signer_lines: Vec<&'static str>,
    pub signer: &'static str,
}

fn para(s: &str) -> Paragraph {
    Paragraph::new().add_run(Run::new().add_text(s))
}

fn cell(lines: &[String]) -> TableCell {
    lines
        .iter()
        .fold(TableCell::new(), |c, l| c.add_paragraph(para(l)))
}

/// A document's parts in reading order: the header's two columns, the paragraphs between,
/// and the closing's two columns ("Nơi nhận" and the signer's block).
pub struct Parts {
    pub left: Vec<String>,
    pub right: Vec<String>,
    pub middle: Vec<String>,
    pub received: Vec<String>,
    pub signer: Vec<String>,
}

pub fn parts(d: &Doc) -> Parts {
    let mut left = vec![];
    if !d.parent.is_empty() {
        left.push(d.parent.to_owned());
    }
    left.push(d.issuer.to_owned());
    left.push(format!("Số: {}", d.number));
    if d.heading.is_none() {
        left.push(format!("V/v {}", d.title.trim_start_matches("Về việc ")));
    }
    let (day, month, year) = d.issued;
    let right = vec![
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM".to_owned(),
        "Độc lập - Tự do - Hạnh phúc".to_owned(),
        format!("{}, ngày {:02} tháng {} năm {}", d.place, day, month, year),
    ];
    let mut middle = Vec::new();
    if let Some(h) = d.heading {
        middle.push(h.to_owned());
        middle.push(d.title.clone());
        middle.push(d.issuer.to_owned());
        middle.push(
            "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015;".to_owned(),
        );
        middle.push(
            "Căn cứ Nghị định số 30/2020/NĐ-CP ngày 05/3/2020 của Chính phủ về công tác văn thư;"
                .to_owned(),
        );
    } else {
        middle.push("Kính gửi: Các cơ quan, đơn vị trực thuộc.".to_owned());
    }
    middle.push("Điều 1. Nội dung chính của văn bản được quy định như sau, với các số liệu 12/2023 và 45 đơn vị.".to_owned());
    middle.push(d.effect_sentence.clone());
    middle.push("Điều 3. Chánh Văn phòng, Thủ trưởng các cơ quan, đơn vị có liên quan chịu trách nhiệm thi hành./.".to_owned());
    let mut signer: Vec<String> = d.signer_lines.iter().map(|s| (*s).to_owned()).collect();
    signer.push("(Đã ký)".to_owned());
    signer.push(d.signer.to_owned());
    let received = vec![
        "Nơi nhận:".to_owned(),
        "- Như Điều 3;".to_owned(),
        "- Lưu: VT.".to_owned(),
    ];
    Parts {
        left,
        right,
        middle,
        received,
        signer,
    }
}

pub fn docx(d: &Doc) -> Vec<u8> {
    let p = parts(d);
    let mut doc = Docx::new().add_table(Table::new(vec![TableRow::new(vec![
        cell(&p.left),
        cell(&p.right),
    ])]));
    for m in &p.middle {
        doc = doc.add_paragraph(para(m));
    }
    doc = doc.add_table(Table::new(vec![TableRow::new(vec![
        cell(&p.received),
        cell(&p.signer),
    ])]));
    let mut out = std::io::Cursor::new(Vec::new());
    doc.build().pack(&mut out).unwrap();
    out.into_inner()
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The set as one HTML page per document, laid out as Decree 30 prints it (Times-metric
/// serif at 13 pt, the two header columns centred in a table with a word processor's cell
/// margins, the left one narrower, the title bold and centred).
pub fn html(docs: &[Doc]) -> String {
    let col = |lines: &[String]| {
        lines
            .iter()
            .map(|l| format!("<div>{}</div>", escape(l)))
            .collect::<String>()
    };
    let mut out = String::from(
        "<!doctype html><meta charset=utf-8><style>\
         @page { size: A4; margin: 20mm 15mm 20mm 30mm }\
         body { font: 13pt 'Liberation Serif', 'DejaVu Serif', serif; margin: 0 }\
         .doc { page-break-after: always }\
         table { width: 100%; border-collapse: collapse } td { vertical-align: top; text-align: center; padding: 0 2mm }\
         td:first-child { width: 42% }\
         .mid { text-align: center; font-weight: bold } p { text-align: justify; margin: 6pt 0 }\
         </style>",
    );
    for d in docs {
        let p = parts(d);
        out.push_str("<div class=doc><table><tr><td>");
        out.push_str(&col(&p.left));
        out.push_str("</td><td>");
        out.push_str(&col(&p.right));
        out.push_str("</td></tr></table>");
        for (i, m) in p.middle.iter().enumerate() {
            let centred = d.heading.is_some() && i < 3;
            out.push_str(&format!(
                "<p{}>{}</p>",
                if centred { " class=mid" } else { "" },
                escape(m)
            ));
        }
        out.push_str("<table><tr><td style='text-align:left'>");
        out.push_str(&col(&p.received));
        out.push_str("</td><td>");
        out.push_str(&col(&p.signer));
        out.push_str("</td></tr></table></div>");
    }
    out
}

/// Chromium, or `None` (with the reason printed) when it is not installed.
pub fn chromium() -> Option<&'static str> {
    ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|c| Command::new(c).arg("--version").output().is_ok())
}

/// Chromium, with poppler beside it, for the printed and scanned rows: under CI they must be
/// here (scripts/test installs them); elsewhere the caller is told what to install and
/// passes over.
pub fn printer() -> Option<&'static str> {
    let poppler = Command::new("pdftoppm").arg("-v").output().is_ok();
    let browser = chromium();
    if browser.is_none() || !poppler {
        assert!(
            std::env::var("CI").is_err(),
            "install chromium, poppler-utils and tesseract-ocr-vie (scripts/intake-tools.sh)"
        );
        eprintln!("skipped: chromium or poppler-utils is missing (scripts/intake-tools.sh)");
        return None;
    }
    browser
}

/// The set printed to one PDF by headless Chromium, a page per document.
pub fn print_pdf(browser: &str, docs: &[Doc], dir: &Path) -> std::path::PathBuf {
    let page = dir.join("set.html");
    std::fs::write(&page, html(docs)).unwrap();
    let out = dir.join("set.pdf");
    // At a low priority, so that printing does not starve the tests running beside it.
    let ok = Command::new("nice")
        .args(["-n", "15", browser])
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-pdf-header-footer",
        ])
        .arg(format!("--print-to-pdf={}", out.display()))
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    assert!(
        out.exists(),
        "Chromium printed nothing: {}",
        String::from_utf8_lossy(&ok.stderr)
    );
    out
}

/// One page of a PDF as a grey picture at `dpi` (poppler's pdftoppm).
pub fn rasterise(pdf: &Path, page: usize, dpi: u32, dir: &Path) -> image::GrayImage {
    let prefix = dir.join(format!("page-{page}-{dpi}"));
    let ok = Command::new("nice")
        .args(["-n", "15", "pdftoppm"])
        .args(["-r", &dpi.to_string(), "-gray", "-png", "-singlefile"])
        .args(["-f", &page.to_string(), "-l", &page.to_string()])
        .arg(pdf)
        .arg(&prefix)
        .status()
        .unwrap();
    assert!(ok.success());
    image::open(prefix.with_extension("png"))
        .unwrap()
        .into_luma8()
}

/// A scanner's faults on a clean page: skewed by `degrees` (a shear, as a page fed askew),
/// speckled (a pixel in `1/speckle` flipped), faint grey noise, then JPEG at quality 75.
pub fn scan(page: &image::GrayImage, degrees: f32, speckle: u32, seed: u64) -> Vec<u8> {
    let (w, h) = page.dimensions();
    let slope = degrees.to_radians().tan();
    let mut out = image::GrayImage::from_pixel(w, h, image::Luma([255]));
    let mut state = seed.max(1);
    let mut next = move || {
        // xorshift64: reproducible noise without a dependency.
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for y in 0..h {
        for x in 0..w {
            // Rotation by a small angle, as two shears about the centre.
            let dx = x as f32 - w as f32 / 2.0;
            let dy = y as f32 - h as f32 / 2.0;
            let sx = dx + slope * dy + w as f32 / 2.0;
            let sy = dy - slope * dx + h as f32 / 2.0;
            let mut v = if sx >= 0.0 && sy >= 0.0 && (sx as u32) < w && (sy as u32) < h {
                page.get_pixel(sx as u32, sy as u32).0[0]
            } else {
                255
            };
            let r = next();
            if speckle > 0 && r % u64::from(speckle) == 0 {
                v = 255 - v;
            }
            let grain = ((r >> 32) % 41) as i16 - 20;
            out.put_pixel(
                x,
                y,
                image::Luma([(i16::from(v) + grain).clamp(0, 255) as u8]),
            );
        }
    }
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 75)
        .encode_image(&out)
        .unwrap();
    jpeg
}

/// The fields of the set, in the order they are scored.
pub const FIELDS: [&str; 7] = [
    "number",
    "issued_on",
    "doc_type",
    "issuer",
    "signer",
    "effective_on",
    "title",
];

/// What `d` should give, field by field, in [`FIELDS`] order.
pub fn wanted(d: &Doc) -> [Option<String>; 7] {
    let (day, month, year) = d.issued;
    [
        Some(d.number.clone()),
        Some(format!("{year}-{month:02}-{day:02}")),
        Some(d.doc_type.to_owned()),
        Some(d.issuer.to_owned()),
        Some(d.signer.to_owned()),
        d.effective.clone(),
        Some(d.title.clone()),
    ]
}

/// What was read, field by field, in [`FIELDS`] order.
pub fn got(e: &Extracted) -> [Option<String>; 7] {
    [
        e.number.value.clone(),
        e.issued_on.value.clone(),
        e.doc_type.value.clone(),
        e.issuer.value.clone(),
        e.signer.value.clone(),
        e.effective_on.value.clone(),
        e.title.value.clone(),
    ]
}

/// Exact matches per field over a run, and the first misses (for the failure message).
#[derive(Default)]
pub struct Score {
    pub right: [usize; 7],
    pub total: usize,
    pub misses: Vec<String>,
}

impl Score {
    pub fn add(&mut self, d: &Doc, e: &Extracted) {
        self.total += 1;
        let (want, got) = (wanted(d), got(e));
        for i in 0..7 {
            if want[i] == got[i] {
                self.right[i] += 1;
            } else if self.misses.len() < 12 {
                self.misses.push(format!(
                    "{}: want {:?}, got {:?} ({})",
                    FIELDS[i], want[i], got[i], d.number
                ));
            }
        }
    }

    pub fn percent(&self, field: usize) -> f64 {
        self.right[field] as f64 * 100.0 / self.total.max(1) as f64
    }
}

/// The generated set: every issuer with every type and signer block.
pub fn set() -> Vec<Doc> {
    let issuers = [
        ("", "ỦY BAN NHÂN DÂN TỈNH LÀO CAI", "Lào Cai", "UBND"),
        ("UBND TỈNH LÀO CAI", "SỞ TÀI CHÍNH", "Lào Cai", "STC"),
        (
            "UBND THỊ XÃ SA PA",
            "ỦY BAN NHÂN DÂN XÃ TẢ VAN",
            "Tả Van",
            "UBND",
        ),
        ("", "CHÍNH PHỦ", "Hà Nội", "CP"),
        (
            "UBND TỈNH LÀO CAI",
            "SỞ THÔNG TIN VÀ TRUYỀN THÔNG",
            "Lào Cai",
            "STTTT",
        ),
    ];
    let types = [
        ("Quyết định", Some("QUYẾT ĐỊNH"), "QĐ"),
        ("Kế hoạch", Some("KẾ HOẠCH"), "KH"),
        ("Công văn", None, ""),
        ("Nghị định", Some("NGHỊ ĐỊNH"), "NĐ"),
        ("Thông báo", Some("THÔNG BÁO"), "TB"),
    ];
    let signers: [(&[&'static str], &'static str); 4] = [
        (&["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"], "Trịnh Xuân Trường"),
        (&["KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"], "Nguyễn Thị Hồng Vân"),
        (&["Q. CHỦ TỊCH"], "Hoàng Quốc Khánh"),
        (
            &["TM. CHÍNH PHỦ", "KT. THỦ TƯỚNG", "PHÓ THỦ TƯỚNG"],
            "Lê Minh Khái",
        ),
    ];
    let mut out = Vec::new();
    let mut n = 0u32;
    for (pi, (parent, issuer, place, code)) in issuers.iter().enumerate() {
        for (ti, (doc_type, heading, tcode)) in types.iter().enumerate() {
            for (si, (lines, name)) in signers.iter().enumerate() {
                n += 1;
                let number = match (ti, pi % 3) {
                    (3, _) => format!("{n}/2024/NĐ-CP"),
                    (2, _) => format!("{}/{code}-NS", 700 + n),
                    (_, 0) => format!("{n}/{tcode}-{code}"),
                    (_, 1) => format!("{}/{tcode}-{code}", 1000 + n),
                    _ => format!("{n:02}/{tcode}-{code}"),
                };
                let day = 1 + (n % 28);
                let month = 1 + (n % 12);
                let (effective, sentence) = match si {
                    0 => (
                        Some(format!("2024-{month:02}-{day:02}")),
                        "Điều 2. Văn bản này có hiệu lực thi hành kể từ ngày ký.".to_owned(),
                    ),
                    1 => (
                        Some("2025-01-01".to_owned()),
                        "Điều 2. Văn bản này có hiệu lực từ ngày 01 tháng 01 năm 2025.".to_owned(),
                    ),
                    2 => (
                        Some("2024-12-15".to_owned()),
                        "Điều 2. Văn bản có hiệu lực kể từ ngày 15/12/2024.".to_owned(),
                    ),
                    _ => (
                        None,
                        "Điều 2. Giao các cơ quan tổ chức thực hiện.".to_owned(),
                    ),
                };
                out.push(Doc {
                    parent,
                    issuer,
                    number,
                    doc_type,
                    heading: *heading,
                    title: format!("Về việc triển khai nhiệm vụ số {n} năm 2024"),
                    place,
                    issued: (day, month, 2024),
                    effective,
                    effect_sentence: sentence,
                    signer_lines: lines.to_vec(),
                    signer: name,
                });
            }
        }
    }
    out
}

/// A PDF written by hand: each page either text lines (Helvetica) or a JPEG drawn full page.
pub enum Page {
    Lines(Vec<String>),
    Jpeg { bytes: Vec<u8> },
}

pub fn pdf(pages: &[Page]) -> Vec<u8> {
    let mut objects: Vec<Vec<u8>> = Vec::new();
    // 1 catalog, 2 pages, 3 font; then per page: page, content, (image).
    objects.push(b"<< /Type /Catalog /Pages 2 0 R >>".to_vec());
    objects.push(Vec::new()); // pages, filled below
    objects.push(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_vec());
    let mut kids = Vec::new();
    for p in pages {
        let page_id = objects.len() + 1;
        kids.push(format!("{page_id} 0 R"));
        let content_id = page_id + 1;
        match p {
            Page::Lines(lines) => {
                let mut s = String::from("BT /F1 14 Tf 60 780 Td 18 TL\n");
                for l in lines {
                    s.push_str(&format!(
                        "({}) Tj T*\n",
                        l.replace('(', "\\(").replace(')', "\\)")
                    ));
                }
                s.push_str("ET");
                objects.push(format!("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents {content_id} 0 R >>").into_bytes());
                objects.push(
                    format!("<< /Length {} >>\nstream\n{s}\nendstream", s.len()).into_bytes(),
                );
            }
            Page::Jpeg { bytes } => {
                let (w, h, colours) = jpeg_size(bytes);
                let space = if colours == 1 {
                    "DeviceGray"
                } else {
                    "DeviceRGB"
                };
                let image_id = page_id + 2;
                let s = "q 595 0 0 842 0 0 cm /Im0 Do Q";
                objects.push(format!("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /Im0 {image_id} 0 R >> >> /Contents {content_id} 0 R >>").into_bytes());
                objects.push(
                    format!("<< /Length {} >>\nstream\n{s}\nendstream", s.len()).into_bytes(),
                );
                let mut img = format!("<< /Type /XObject /Subtype /Image /Width {w} /Height {h} /ColorSpace /{space} /BitsPerComponent 8 /Filter /DCTDecode /Length {} >>\nstream\n", bytes.len()).into_bytes();
                img.extend_from_slice(bytes);
                img.extend_from_slice(b"\nendstream");
                objects.push(img);
            }
        }
    }
    objects[1] = format!(
        "<< /Type /Pages /Kids [{}] /Count {} >>",
        kids.join(" "),
        pages.len()
    )
    .into_bytes();
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(o);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

/// A JPEG's width, height and colour components, from its start-of-frame marker.
pub fn jpeg_size(b: &[u8]) -> (u32, u32, u8) {
    let mut i = 2;
    while i + 9 < b.len() {
        let marker = b[i + 1];
        let len = u16::from_be_bytes([b[i + 2], b[i + 3]]) as usize;
        if (0xC0..=0xC2).contains(&marker) {
            let h = u16::from_be_bytes([b[i + 5], b[i + 6]]) as u32;
            let w = u16::from_be_bytes([b[i + 7], b[i + 8]]) as u32;
            return (w, h, b[i + 9]);
        }
        i += 2 + len;
    }
    panic!("no frame in the JPEG")
}

/// A line as a TCVN3 (.VnTime) file gives it.
pub fn to_tcvn3(s: &str) -> String {
    portico_intake::legacy::encode(s, portico_intake::legacy::Legacy::Tcvn3)
}

/// A line as a VNI file gives it.
pub fn to_vni(s: &str) -> String {
    portico_intake::legacy::encode(s, portico_intake::legacy::Legacy::Vni)
}

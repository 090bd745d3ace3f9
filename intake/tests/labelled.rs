//! A labelled set: documents generated in the layout of Decree 30/2020/NĐ-CP with known
//! fields (issuers from commune to government, types, number formats, signer blocks with
//! TM./KT./Q.), written as DOCX the way word processors write them (the header and the
//! signature as two-column tables), read back and scored field by field; and the real
//! documents of the shared corpus, whose fields are in their text.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::as_conversions
)]

use docx_rs::{Docx, Paragraph, Run, Table, TableCell, TableRow};
use portico_intake::{docx_text, extract, DocxLimits, Text};

struct Doc {
    parent: &'static str,
    issuer: &'static str,
    number: String,
    doc_type: &'static str,
    /// The type line as printed (none for a letter).
    heading: Option<&'static str>,
    title: String,
    place: &'static str,
    issued: (u32, u32, i32),
    effective: Option<String>,
    effect_sentence: String,
    signer_lines: Vec<&'static str>,
    signer: &'static str,
}

fn para(s: &str) -> Paragraph {
    Paragraph::new().add_run(Run::new().add_text(s))
}

fn cell(lines: &[String]) -> TableCell {
    lines
        .iter()
        .fold(TableCell::new(), |c, l| c.add_paragraph(para(l)))
}

fn docx(d: &Doc) -> Vec<u8> {
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
    let mut doc = Docx::new().add_table(Table::new(vec![TableRow::new(vec![
        cell(&left),
        cell(&right),
    ])]));
    if let Some(h) = d.heading {
        doc = doc.add_paragraph(para(h)).add_paragraph(para(&d.title));
        doc = doc.add_paragraph(para(d.issuer));
        doc = doc.add_paragraph(para(
            "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015;",
        ));
        doc = doc.add_paragraph(para(
            "Căn cứ Nghị định số 30/2020/NĐ-CP ngày 05/3/2020 của Chính phủ về công tác văn thư;",
        ));
    } else {
        doc = doc.add_paragraph(para("Kính gửi: Các cơ quan, đơn vị trực thuộc."));
    }
    doc = doc
        .add_paragraph(para("Điều 1. Nội dung chính của văn bản được quy định như sau, với các số liệu 12/2023 và 45 đơn vị."))
        .add_paragraph(para(&d.effect_sentence))
        .add_paragraph(para("Điều 3. Chánh Văn phòng, Thủ trưởng các cơ quan, đơn vị có liên quan chịu trách nhiệm thi hành./."));
    let mut signer: Vec<String> = d.signer_lines.iter().map(|s| (*s).to_owned()).collect();
    signer.push("(Đã ký)".to_owned());
    signer.push(d.signer.to_owned());
    let received = vec![
        "Nơi nhận:".to_owned(),
        "- Như Điều 3;".to_owned(),
        "- Lưu: VT.".to_owned(),
    ];
    doc = doc.add_table(Table::new(vec![TableRow::new(vec![
        cell(&received),
        cell(&signer),
    ])]));
    let mut out = std::io::Cursor::new(Vec::new());
    doc.build().pack(&mut out).unwrap();
    out.into_inner()
}

/// The generated set: every issuer with every type and signer block.
fn set() -> Vec<Doc> {
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

#[test]
fn fields_of_generated_docx_meet_the_targets_per_field() {
    let docs = set();
    let mut right = [0usize; 7];
    let names = [
        "number",
        "issued_on",
        "doc_type",
        "issuer",
        "signer",
        "effective_on",
        "title",
    ];
    let mut misses: Vec<String> = Vec::new();
    for d in &docs {
        let text = docx_text(&docx(d), DocxLimits::default()).unwrap();
        let e = extract(&text);
        let (day, month, year) = d.issued;
        let want = [
            Some(d.number.clone()),
            Some(format!("{year}-{month:02}-{day:02}")),
            Some(d.doc_type.to_owned()),
            Some(d.issuer.to_owned()),
            Some(d.signer.to_owned()),
            d.effective.clone(),
            Some(d.title.clone()),
        ];
        let got = [
            &e.number.value,
            &e.issued_on.value,
            &e.doc_type.value,
            &e.issuer.value,
            &e.signer.value,
            &e.effective_on.value,
            &e.title.value,
        ];
        for i in 0..7 {
            if got[i] == &want[i] {
                right[i] += 1;
            } else if misses.len() < 12 {
                misses.push(format!(
                    "{}: want {:?}, got {:?} ({})",
                    names[i], want[i], got[i], d.number
                ));
            }
        }
    }
    let n = docs.len();
    let pct = |i: usize| right[i] as f64 * 100.0 / n as f64;
    for (i, name) in names.iter().enumerate() {
        eprintln!("{name:13} {:5.1} % of {n}", pct(i));
    }
    let targets = [98.0, 98.0, 95.0, 95.0, 90.0, 85.0, 90.0];
    for (i, t) in targets.iter().enumerate() {
        assert!(
            pct(i) >= *t,
            "{} at {:.1} % < {t} %: {misses:#?}",
            names[i],
            pct(i)
        );
    }
    // Found where it is: the number in the header's first cell.
    let e = extract(&docx_text(&docx(&docs[0]), DocxLimits::default()).unwrap());
    assert_eq!(e.number.found_at.unwrap().line, 2);
    assert!(e.number.confidence >= 0.9);
}

fn corpus(name: &str) -> Option<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/van-ban");
    std::fs::read_to_string(dir.join(name)).ok()
}

#[test]
fn the_real_documents_give_what_their_text_says_and_nothing_it_does_not() {
    // The corpus sits beside the project; without it the test says so and fails in CI.
    let Some(d3055) = corpus("003_d05d9bcd70603be5.txt") else {
        assert!(
            std::env::var("CI").is_err(),
            "the shared corpus (../shared/corpus) is missing"
        );
        eprintln!("skipped: ../shared/corpus is not here");
        return;
    };
    let e = extract(&Text::from_plain(&d3055));
    assert_eq!(e.number.value.as_deref(), Some("3055/QĐ-UBND"));
    assert_eq!(e.issued_on.value.as_deref(), Some("2018-10-02"));
    assert_eq!(e.doc_type.value.as_deref(), Some("Quyết định"));
    assert_eq!(
        e.title.value.as_deref(),
        Some("PHÊ DUYỆT KIẾN TRÚC CHÍNH QUYỀN ĐIỆN TỬ TỈNH LÀO CAI")
    );
    // A draft: the number and the day left blank for the signature are not made up.
    let draft = corpus("000_f2c0b5f22ea2d6d1.txt").unwrap();
    let e = extract(&Text::from_plain(&draft));
    assert_eq!(e.number.value, None);
    assert!(
        e.number.found_at.is_some(),
        "the blank number was seen, and left blank"
    );
    assert_eq!(e.issued_on.value, None);
    assert_eq!(e.doc_type.value.as_deref(), Some("Quyết định"));
    assert!(e
        .title
        .value
        .as_deref()
        .unwrap()
        .starts_with("Về việc phê duyệt kế hoạch thuê dịch vụ"));
    // Plans without a number: the type only.
    for f in ["002_eafa8511836245c8.txt", "004_02f28ebb8eeb30dd.txt"] {
        let e = extract(&Text::from_plain(&corpus(f).unwrap()));
        assert_eq!(e.doc_type.value.as_deref(), Some("Kế hoạch"), "{f}");
        assert_eq!(e.number.value, None, "{f}");
        assert_eq!(e.signer.value, None, "{f}: no signer block in the text");
    }
}

#[test]
fn a_zip_bomb_and_a_file_that_is_not_a_docx_are_refused_quickly() {
    assert!(docx_text(b"%PDF-1.7 not a zip", DocxLimits::default()).is_err());
    // 200 MB of zeros as word/document.xml, a few hundred kilobytes packed.
    let mut out = std::io::Cursor::new(Vec::new());
    {
        let mut w = zip::ZipWriter::new(&mut out);
        w.start_file::<_, ()>(
            "word/document.xml",
            zip::write::SimpleFileOptions::default(),
        )
        .unwrap();
        let zeros = vec![b'a'; 1024 * 1024];
        for _ in 0..200 {
            std::io::Write::write_all(&mut w, &zeros).unwrap();
        }
        w.finish().unwrap();
    }
    let started = std::time::Instant::now();
    let err = docx_text(out.get_ref(), DocxLimits::default()).unwrap_err();
    assert!(err.to_string().contains("larger than allowed"), "{err}");
    assert!(started.elapsed() < std::time::Duration::from_secs(2));
}

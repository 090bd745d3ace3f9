//! What a file is, from its bytes: the name a browser sends is only checked against it.

use super::MediaError;
use portico_engine::MediaType;
use std::io::{Cursor, Read};

/// The largest `mimetype` entry an OpenDocument file may have (it is one short line).
const MAX_MIMETYPE: u64 = 200;

/// The type of `bytes`; a file name that claims another of our types is refused, so that a
/// PDF called `photo.jpg` or a ZIP called `report.docx` never enters the library.
pub fn sniff(bytes: &[u8], filename: &str) -> Result<MediaType, MediaError> {
    let found = magic(bytes)?;
    match MediaType::from_extension(filename) {
        Some(claimed) if claimed != found => Err(MediaError::Mismatch {
            claimed,
            found,
            filename: filename.to_owned(),
        }),
        _ => Ok(found),
    }
}

fn magic(b: &[u8]) -> Result<MediaType, MediaError> {
    if b.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Ok(MediaType::Jpeg)
    } else if b.starts_with(b"\x89PNG\r\n\x1a\n") {
        Ok(MediaType::Png)
    } else if b.starts_with(b"GIF87a") || b.starts_with(b"GIF89a") {
        Ok(MediaType::Gif)
    } else if b.get(..4) == Some(b"RIFF") && b.get(8..12) == Some(b"WEBP") {
        Ok(MediaType::Webp)
    } else if b.starts_with(b"%PDF-") {
        Ok(MediaType::Pdf)
    } else if b.starts_with(b"PK\x03\x04") {
        office(b)
    } else if b.starts_with(b"II*\0") || b.starts_with(b"MM\0*") {
        Ok(MediaType::Tiff)
    } else if b.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        word97(b)
    } else {
        Err(MediaError::Unsupported(
            "the file is none of the accepted types (JPEG, PNG, WebP, GIF, TIFF, PDF, DOCX, \
             DOC, XLSX, PPTX, ODT, ODS, ODP)"
                .to_owned(),
        ))
    }
}

/// An old Office file is a compound file; a Word one has a `WordDocument` stream, whose
/// name (UTF-16) is in the compound file's directory. Excel's and PowerPoint's are refused.
fn word97(b: &[u8]) -> Result<MediaType, MediaError> {
    let name: Vec<u8> = "WordDocument"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    if b.windows(name.len()).any(|w| w == name.as_slice()) {
        Ok(MediaType::Doc)
    } else {
        Err(MediaError::Unsupported(
            "the file is an old Office file but not a Word document (.doc); save it as DOCX, \
             XLSX or PPTX"
                .to_owned(),
        ))
    }
}

/// An office file is a ZIP archive whose entries say which kind it is: OOXML names its main
/// part, OpenDocument stores its type in a `mimetype` entry.
fn office(b: &[u8]) -> Result<MediaType, MediaError> {
    let mut zip = zip::ZipArchive::new(Cursor::new(b)).map_err(|e| {
        MediaError::Corrupt(format!(
            "the file starts like a ZIP archive but is not one: {e}"
        ))
    })?;
    let has = |zip: &zip::ZipArchive<Cursor<&[u8]>>, name: &str| zip.index_for_name(name).is_some();
    if has(&zip, "[Content_Types].xml") {
        if has(&zip, "word/document.xml") {
            return Ok(MediaType::Docx);
        }
        if has(&zip, "xl/workbook.xml") {
            return Ok(MediaType::Xlsx);
        }
        if has(&zip, "ppt/presentation.xml") {
            return Ok(MediaType::Pptx);
        }
    }
    if let Ok(entry) = zip.by_name("mimetype") {
        let mut mime = String::new();
        entry
            .take(MAX_MIMETYPE)
            .read_to_string(&mut mime)
            .map_err(|e| MediaError::Corrupt(format!("unreadable OpenDocument mimetype: {e}")))?;
        match mime.trim() {
            "application/vnd.oasis.opendocument.text" => return Ok(MediaType::Odt),
            "application/vnd.oasis.opendocument.spreadsheet" => return Ok(MediaType::Ods),
            "application/vnd.oasis.opendocument.presentation" => return Ok(MediaType::Odp),
            _ => {}
        }
    }
    Err(MediaError::Unsupported(
        "the file is a ZIP archive but not a Word, Excel, PowerPoint or OpenDocument file"
            .to_owned(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn zip_with(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, data) in entries {
            let opts = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Stored);
            w.start_file(*name, opts).unwrap();
            w.write_all(data).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    #[test]
    fn types_come_from_bytes() {
        assert_eq!(
            sniff(b"\xFF\xD8\xFF\xE0rest", "a").unwrap(),
            MediaType::Jpeg
        );
        assert_eq!(sniff(b"%PDF-1.7\n", "qd.pdf").unwrap(), MediaType::Pdf);
        let doc = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../intake/tests/fixtures/decision.doc"
        ))
        .unwrap();
        assert_eq!(sniff(&doc, "qd.doc").unwrap(), MediaType::Doc);
        assert_eq!(
            sniff(b"II*\0\x08\0\0\0", "scan.tif").unwrap(),
            MediaType::Tiff
        );
        assert_eq!(
            sniff(b"MM\0*\0\0\0\x08", "scan.tiff").unwrap(),
            MediaType::Tiff
        );
        // An old Excel file starts the same way but has no WordDocument stream.
        let mut xls = doc[..8].to_vec();
        xls.extend_from_slice(&[0; 600]);
        assert!(matches!(
            sniff(&xls, "bang.xls"),
            Err(MediaError::Unsupported(_))
        ));
        assert_eq!(
            sniff(b"RIFF\0\0\0\0WEBPVP8 ", "x.webp").unwrap(),
            MediaType::Webp
        );
        let docx = zip_with(&[
            ("[Content_Types].xml", b"<x/>"),
            ("word/document.xml", b"<w/>"),
        ]);
        assert_eq!(sniff(&docx, "to-trinh.docx").unwrap(), MediaType::Docx);
        let odt = zip_with(&[("mimetype", b"application/vnd.oasis.opendocument.text")]);
        assert_eq!(sniff(&odt, "bao-cao.odt").unwrap(), MediaType::Odt);
    }

    #[test]
    fn names_that_lie_and_unknown_bytes_are_refused() {
        assert!(matches!(
            sniff(b"%PDF-1.4", "photo.jpg"),
            Err(MediaError::Mismatch { .. })
        ));
        let plain = zip_with(&[("readme.txt", b"hi")]);
        assert!(matches!(
            sniff(&plain, "bao-cao.docx"),
            Err(MediaError::Unsupported(_))
        ));
        assert!(matches!(
            sniff(b"MZ\x90\0", "setup.exe"),
            Err(MediaError::Unsupported(_))
        ));
        assert!(matches!(
            sniff(b"PK\x03\x04garbage", "a.docx"),
            Err(MediaError::Corrupt(_))
        ));
    }
}

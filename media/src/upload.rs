//! What happens to an upload before it is stored: its type is sniffed, an image is checked
//! for size and soundness, turned upright by its EXIF orientation, and stripped of every
//! metadata block (EXIF with GPS, XMP, IPTC, comments) while its colour profile is kept.

use super::encode::{encode, OutputFormat};
use super::{sniff::sniff, MediaError};
use image::{ImageDecoder, ImageReader, Limits};
use img_parts::{jpeg::Jpeg, png::Png, webp::WebP, Bytes as PartBytes, ImageICC};
use portico_engine::MediaType;
use sha2::{Digest, Sha256};
use std::io::Cursor;

/// What is stored, and what was learnt on the way.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub bytes: bytes::Bytes,
    pub media_type: MediaType,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub checksum: String,
}

/// Sniffs, checks and cleans an upload. CPU-bound: run it off the async threads.
pub fn prepare(raw: Vec<u8>, filename: &str, max_pixels: u64) -> Result<Prepared, MediaError> {
    let media_type = sniff(&raw, filename)?;
    let (bytes, width, height) = if media_type.is_image() {
        let (bytes, w, h) = clean_image(raw, media_type, max_pixels)?;
        (bytes, Some(w), Some(h))
    } else {
        (raw, None, None)
    };
    let checksum = hex(&Sha256::digest(&bytes));
    Ok(Prepared {
        bytes: bytes.into(),
        media_type,
        width,
        height,
        checksum,
    })
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// The decoder format of an image type; `None` for documents.
pub(crate) fn image_format(t: MediaType) -> Option<image::ImageFormat> {
    match t {
        MediaType::Jpeg => Some(image::ImageFormat::Jpeg),
        MediaType::Png => Some(image::ImageFormat::Png),
        MediaType::Webp => Some(image::ImageFormat::WebP),
        MediaType::Gif => Some(image::ImageFormat::Gif),
        _ => None,
    }
}

/// Decoder limits for an image of at most `max_pixels`: enough for its RGBA buffer (16-bit
/// PNGs twice that), nothing more, whatever the header claims.
pub(crate) fn limits(max_pixels: u64) -> Limits {
    let mut l = Limits::default();
    l.max_alloc = Some(max_pixels.saturating_mul(8).saturating_add(16 << 20));
    l
}

/// Refuses an image whose header claims more pixels than allowed, before any decoding.
pub(crate) fn check_dimensions(w: u32, h: u32, max_pixels: u64) -> Result<(), MediaError> {
    let pixels = u64::from(w) * u64::from(h);
    if pixels > max_pixels || w == 0 || h == 0 {
        return Err(MediaError::TooManyPixels {
            width: w,
            height: h,
            max: max_pixels,
        });
    }
    Ok(())
}

/// A JPEG that stops before its end-of-image marker was cut off in transit; decoders would
/// quietly fill the missing part with grey. The marker is found by walking the segments (so
/// an EXIF thumbnail's own marker does not count) and the entropy-coded scans; bytes after
/// it (some phones append data there) are allowed.
fn check_complete_jpeg(b: &[u8]) -> Result<(), MediaError> {
    let truncated =
        || MediaError::Corrupt("the JPEG file is truncated (it stops before its end)".to_owned());
    let mut i = 2;
    loop {
        // Markers may be preceded by fill bytes.
        while b.get(i) == Some(&0xFF) && b.get(i + 1) == Some(&0xFF) {
            i += 1;
        }
        if b.get(i) != Some(&0xFF) {
            return Err(truncated());
        }
        let marker = *b.get(i + 1).ok_or_else(truncated)?;
        match marker {
            0xD9 => return Ok(()),
            0x01 | 0xD0..=0xD7 => i += 2,
            _ => {
                let len = match b.get(i + 2..i + 4) {
                    Some(&[hi, lo]) => u16::from_be_bytes([hi, lo]),
                    _ => return Err(truncated()),
                };
                i += 2 + usize::from(len);
                if marker == 0xDA {
                    // Entropy-coded data runs to the next marker that is not a stuffed 0xFF00
                    // or a restart marker.
                    while let Some(&[x, next]) = b.get(i..i + 2) {
                        if x == 0xFF && next != 0 && !(0xD0..=0xD7).contains(&next) {
                            break;
                        }
                        i += 1;
                    }
                }
            }
        }
        if i >= b.len() {
            return Err(truncated());
        }
    }
}

fn clean_image(
    raw: Vec<u8>,
    t: MediaType,
    max_pixels: u64,
) -> Result<(Vec<u8>, u32, u32), MediaError> {
    let format = image_format(t).ok_or_else(|| MediaError::Unsupported(format!("{t}")))?;
    if t == MediaType::Jpeg {
        check_complete_jpeg(&raw)?;
    }
    let corrupt = |e: image::ImageError| match e {
        image::ImageError::Limits(_) => MediaError::Corrupt(
            "the image needs more memory to decode than its size allows".to_owned(),
        ),
        other => MediaError::Corrupt(format!("the {t} image cannot be decoded: {other}")),
    };
    let mut reader = ImageReader::with_format(Cursor::new(&raw[..]), format);
    reader.limits(limits(max_pixels));
    let mut decoder = reader.into_decoder().map_err(corrupt)?;
    let (w, h) = decoder.dimensions();
    check_dimensions(w, h, max_pixels)?;
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let icc = decoder.icc_profile().ok().flatten();
    // Decoding the whole image is the only way to know the file is sound.
    let mut img = image::DynamicImage::from_decoder(decoder).map_err(corrupt)?;
    if orientation != image::metadata::Orientation::NoTransforms {
        img.apply_orientation(orientation);
        let out = match t {
            MediaType::Png => OutputFormat::Png,
            MediaType::Webp => OutputFormat::WebpLossless,
            _ if img.color().has_alpha() => OutputFormat::Png,
            _ => OutputFormat::Jpeg,
        };
        let (w, h) = (img.width(), img.height());
        // Re-encoding writes pixels only: every metadata block is gone but the profile.
        let bytes = encode(img, out, 92, icc.as_deref())?;
        return Ok((bytes, w, h));
    }
    let bytes = strip_metadata(raw, t)?;
    Ok((bytes, w, h))
}

/// Removes metadata without touching the pixels (no re-encoding, no quality lost).
fn strip_metadata(raw: Vec<u8>, t: MediaType) -> Result<Vec<u8>, MediaError> {
    let corrupt =
        |e: img_parts::Error| MediaError::Corrupt(format!("the {t} file is malformed: {e}"));
    let raw = PartBytes::from(raw);
    match t {
        MediaType::Jpeg => {
            let mut jpeg = Jpeg::from_bytes(raw).map_err(corrupt)?;
            // Keep JFIF (APP0), the ICC profile (APP2) and Adobe's colour transform (APP14);
            // drop EXIF/XMP (APP1), IPTC (APP13), other APPn and comments.
            jpeg.segments_mut().retain(|s| {
                let m = s.marker();
                !((0xE1..=0xEF).contains(&m) && m != 0xE2 && m != 0xEE || m == 0xFE)
            });
            Ok(jpeg.encoder().bytes().to_vec())
        }
        MediaType::Png => {
            let mut png = Png::from_bytes(raw).map_err(corrupt)?;
            png.chunks_mut()
                .retain(|c| !matches!(&c.kind(), b"eXIf" | b"tEXt" | b"zTXt" | b"iTXt" | b"tIME"));
            Ok(png.encoder().bytes().to_vec())
        }
        MediaType::Webp => {
            let mut webp = WebP::from_bytes(raw).map_err(corrupt)?;
            let icc = webp.icc_profile();
            webp.chunks_mut()
                .retain(|c| !matches!(&c.id(), b"EXIF" | b"XMP "));
            webp.set_icc_profile(icc);
            Ok(webp.encoder().bytes().to_vec())
        }
        // GIF holds no EXIF; its comment and application blocks stay (see DECISIONS.md).
        _ => Ok(raw.to_vec()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jpeg_with_gps() -> Vec<u8> {
        let img =
            image::RgbImage::from_fn(64, 48, |x, y| image::Rgb([x as u8 * 4, y as u8 * 5, 90]));
        let mut out = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
            .encode_image(&img)
            .unwrap();
        // An APP1 EXIF segment with a GPS tag's bytes, after SOI.
        let mut exif = b"Exif\0\0MM\0*\0\0\0\x08GPSLatitude 21.0285N".to_vec();
        let len = (exif.len() + 2) as u16;
        let mut seg = vec![0xFF, 0xE1];
        seg.extend_from_slice(&len.to_be_bytes());
        seg.append(&mut exif);
        out.splice(2..2, seg);
        out
    }

    #[test]
    fn exif_is_stripped_and_size_recorded() {
        let raw = jpeg_with_gps();
        assert!(raw.windows(11).any(|w| w == b"GPSLatitude"));
        let p = prepare(raw, "phone.jpg", 1_000_000).unwrap();
        assert_eq!((p.width, p.height), (Some(64), Some(48)));
        assert!(!p.bytes.windows(11).any(|w| w == b"GPSLatitude"));
        assert!(!p.bytes.windows(4).any(|w| w == b"Exif"));
        assert!(image::load_from_memory(&p.bytes).is_ok());
        assert_eq!(p.checksum.len(), 64);
    }

    #[test]
    fn truncated_and_oversized_images_are_refused() {
        let raw = jpeg_with_gps();
        let cut = raw[..raw.len() / 2].to_vec();
        assert!(matches!(
            prepare(cut, "a.jpg", 1_000_000),
            Err(MediaError::Corrupt(_))
        ));
        assert!(matches!(
            prepare(jpeg_with_gps(), "a.jpg", 1000),
            Err(MediaError::TooManyPixels { .. })
        ));
    }
}

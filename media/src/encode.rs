//! Writing pixels out as JPEG (libjpeg-turbo's encoder, through mozjpeg), PNG or WebP
//! (libwebp), with nothing but the colour profile for metadata.

use super::MediaError;
use image::DynamicImage;

/// The formats derivatives and re-encoded uploads are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OutputFormat {
    Jpeg,
    Png,
    Webp,
    /// For uploads that had to be turned upright: no quality lost.
    WebpLossless,
}

impl OutputFormat {
    /// The `Content-Type` of the output.
    pub fn mime(self) -> &'static str {
        match self {
            OutputFormat::Jpeg => "image/jpeg",
            OutputFormat::Png => "image/png",
            OutputFormat::Webp | OutputFormat::WebpLossless => "image/webp",
        }
    }

    /// The file extension of the output.
    pub fn ext(self) -> &'static str {
        match self {
            OutputFormat::Jpeg => "jpg",
            OutputFormat::Png => "png",
            OutputFormat::Webp | OutputFormat::WebpLossless => "webp",
        }
    }
}

/// Encodes `img` with the source's colour profile, if any, so that a photo in Display P3 or
/// Adobe RGB keeps its colours; JPEG has no alpha, so transparent parts are laid on white.
pub fn encode(
    img: DynamicImage,
    format: OutputFormat,
    quality: u8,
    icc: Option<&[u8]>,
) -> Result<Vec<u8>, MediaError> {
    let (w, h) = (img.width(), img.height());
    match format {
        OutputFormat::Jpeg => {
            let rgb = flatten_on_white(img);
            jpeg(rgb.as_raw(), w, h, quality, icc)
        }
        OutputFormat::Png => {
            let mut out = Vec::new();
            let mut encoder = image::codecs::png::PngEncoder::new_with_quality(
                &mut out,
                image::codecs::png::CompressionType::Fast,
                image::codecs::png::FilterType::Adaptive,
            );
            if let Some(icc) = icc {
                // PNG takes any profile; an error would only mean "not supported".
                let _ = image::ImageEncoder::set_icc_profile(&mut encoder, icc.to_vec());
            }
            let img = if img.color().has_alpha() {
                DynamicImage::ImageRgba8(img.into_rgba8())
            } else {
                DynamicImage::ImageRgb8(img.into_rgb8())
            };
            img.write_with_encoder(encoder)
                .map_err(|e| MediaError::Internal(format!("PNG encoding failed: {e}")))?;
            Ok(out)
        }
        OutputFormat::Webp | OutputFormat::WebpLossless => {
            let (buf, layout) = if img.color().has_alpha() {
                (img.into_rgba8().into_raw(), webp::PixelLayout::Rgba)
            } else {
                (img.into_rgb8().into_raw(), webp::PixelLayout::Rgb)
            };
            let encoder = webp::Encoder::new(&buf, layout, w, h);
            let mem = if format == OutputFormat::WebpLossless {
                encoder.encode_lossless()
            } else {
                encoder.encode(f32::from(quality))
            };
            match icc {
                Some(icc) => with_webp_icc(mem.to_vec(), icc),
                None => Ok(mem.to_vec()),
            }
        }
    }
}

/// Writes an ICC profile as APP2 markers numbered from 1, as the ICC specification and
/// libjpeg-turbo's reader require (the mozjpeg crate's own helper numbers them from 0, which
/// readers reject).
fn write_icc<W>(c: &mut mozjpeg::compress::CompressStarted<W>, icc: &[u8]) {
    const MAX_DATA: usize = 65_533 - 14;
    let chunks: Vec<&[u8]> = icc.chunks(MAX_DATA).collect();
    // More than 255 markers (16 MB of profile) cannot be numbered; such a profile is dropped.
    let Ok(count) = u8::try_from(chunks.len()) else {
        return;
    };
    for (i, chunk) in chunks.into_iter().enumerate() {
        let mut buf = Vec::with_capacity(chunk.len() + 14);
        buf.extend_from_slice(b"ICC_PROFILE\0");
        buf.extend([u8::try_from(i + 1).unwrap_or(u8::MAX), count]);
        buf.extend_from_slice(chunk);
        c.write_marker(mozjpeg::Marker::APP(2), &buf);
    }
}

/// Adds the colour profile to a WebP file (libwebp's simple encoder writes none).
fn with_webp_icc(webp: Vec<u8>, icc: &[u8]) -> Result<Vec<u8>, MediaError> {
    use img_parts::ImageICC;
    let mut w = img_parts::webp::WebP::from_bytes(webp.into())
        .map_err(|e| MediaError::Internal(format!("WebP container: {e}")))?;
    w.set_icc_profile(Some(img_parts::Bytes::copy_from_slice(icc)));
    Ok(w.encoder().bytes().to_vec())
}

/// Alpha composited over white, for formats without transparency.
pub fn flatten_on_white(img: DynamicImage) -> image::RgbImage {
    if !img.color().has_alpha() {
        return img.into_rgb8();
    }
    let rgba = img.into_rgba8();
    let (w, h) = rgba.dimensions();
    let mut out = image::RgbImage::new(w, h);
    for (o, p) in out.pixels_mut().zip(rgba.pixels()) {
        let a = u32::from(p[3]);
        for c in 0..3 {
            o[c] = u8::try_from((u32::from(p[c]) * a + 255 * (255 - a) + 127) / 255)
                .unwrap_or(u8::MAX);
        }
    }
    out
}

/// Baseline JPEG with libjpeg-turbo's standard settings (as libvips writes by default).
pub fn jpeg(
    rgb: &[u8],
    w: u32,
    h: u32,
    quality: u8,
    icc: Option<&[u8]>,
) -> Result<Vec<u8>, MediaError> {
    let run = || -> std::io::Result<Vec<u8>> {
        let mut c = mozjpeg::Compress::new(mozjpeg::ColorSpace::JCS_RGB);
        c.set_fastest_defaults();
        c.set_size(
            usize::try_from(w).unwrap_or(usize::MAX),
            usize::try_from(h).unwrap_or(usize::MAX),
        );
        c.set_quality(f32::from(quality));
        c.set_optimize_coding(true);
        let mut c = c.start_compress(Vec::with_capacity(rgb.len() / 8))?;
        if let Some(icc) = icc {
            write_icc(&mut c, icc);
        }
        c.write_scanlines(rgb)?;
        c.finish()
    };
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(run)) {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(MediaError::Internal(format!("JPEG encoding failed: {e}"))),
        Err(_) => Err(MediaError::Internal("JPEG encoding failed".to_owned())),
    }
}

//! Derivatives: an original decoded at the smallest size that still covers the target (JPEG's
//! DCT scaling decodes a 4000 px photo straight to 1000 px), resized with Lanczos3 on SIMD
//! (fast_image_resize, alpha premultiplied so edges do not darken), and encoded.

use super::encode::{encode, OutputFormat};
use super::upload::{check_dimensions, image_format, limits};
use super::MediaError;
use fast_image_resize::images::Image;
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
use image::{DynamicImage, ImageReader};
use portico_engine::MediaType;
use std::io::Cursor;

/// The largest edge a derivative may have.
pub const MAX_EDGE: u32 = 4096;

/// How the image meets the requested box.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fit {
    /// Fill the box, cropping what sticks out (centred).
    Cover,
    /// Fit inside the box and pad the rest (white, or transparent where the format allows).
    Contain,
    /// Stretch to the box.
    Fill,
    /// Fit inside the box, never enlarged; the result may be smaller than the box.
    Inside,
}

impl Fit {
    /// Parses the `fit` parameter.
    pub fn parse(s: &str) -> Option<Fit> {
        match s {
            "cover" => Some(Fit::Cover),
            "contain" => Some(Fit::Contain),
            "fill" => Some(Fit::Fill),
            "inside" => Some(Fit::Inside),
            _ => None,
        }
    }

    /// The parameter's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Fit::Cover => "cover",
            Fit::Contain => "contain",
            Fit::Fill => "fill",
            Fit::Inside => "inside",
        }
    }
}

/// The format asked for; `Auto` is settled per request by its `Accept` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FormatChoice {
    Jpeg,
    Png,
    Webp,
    Auto,
}

impl FormatChoice {
    /// Parses the `fmt` parameter.
    pub fn parse(s: &str) -> Option<FormatChoice> {
        match s {
            "jpeg" | "jpg" => Some(FormatChoice::Jpeg),
            "png" => Some(FormatChoice::Png),
            "webp" => Some(FormatChoice::Webp),
            "auto" => Some(FormatChoice::Auto),
            _ => None,
        }
    }

    /// The parameter's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            FormatChoice::Jpeg => "jpeg",
            FormatChoice::Png => "png",
            FormatChoice::Webp => "webp",
            FormatChoice::Auto => "auto",
        }
    }

    /// The concrete format: WebP for `auto` when the client takes it, else JPEG, or PNG
    /// for a source with transparency.
    pub fn resolve(self, accepts_webp: bool, source: MediaType) -> OutputFormat {
        match self {
            FormatChoice::Jpeg => OutputFormat::Jpeg,
            FormatChoice::Png => OutputFormat::Png,
            FormatChoice::Webp => OutputFormat::Webp,
            FormatChoice::Auto if accepts_webp => OutputFormat::Webp,
            FormatChoice::Auto if matches!(source, MediaType::Png | MediaType::Gif) => {
                OutputFormat::Png
            }
            FormatChoice::Auto => OutputFormat::Jpeg,
        }
    }
}

/// One derivative's parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Variant {
    pub w: Option<u32>,
    pub h: Option<u32>,
    pub fit: Fit,
    pub fmt: FormatChoice,
    pub q: u8,
}

impl Variant {
    /// Checks the bounds: at least one edge, none above [`MAX_EDGE`], quality 1–100.
    pub fn validate(&self) -> Result<(), MediaError> {
        if self.w.is_none() && self.h.is_none() {
            return Err(MediaError::BadParameter("give w, h or both".to_owned()));
        }
        for (name, v) in [("w", self.w), ("h", self.h)] {
            if let Some(v) = v {
                if v == 0 || v > MAX_EDGE {
                    return Err(MediaError::BadParameter(format!(
                        "{name} must be between 1 and {MAX_EDGE}"
                    )));
                }
            }
        }
        if !(1..=100).contains(&self.q) {
            return Err(MediaError::BadParameter(
                "q must be between 1 and 100".to_owned(),
            ));
        }
        Ok(())
    }

    /// The canonical query string, which is what gets signed.
    pub fn canonical(&self) -> String {
        let mut s = String::new();
        if let Some(w) = self.w {
            s.push_str(&format!("w={w}&"));
        }
        if let Some(h) = self.h {
            s.push_str(&format!("h={h}&"));
        }
        s.push_str(&format!(
            "fit={}&fmt={}&q={}",
            self.fit.as_str(),
            self.fmt.as_str(),
            self.q
        ));
        s
    }

    /// The file name of the derivative in its folder of `derived/`.
    pub fn file_name(&self, out: OutputFormat) -> String {
        format!(
            "w{}-h{}-{}-q{}.{}",
            self.w.unwrap_or(0),
            self.h.unwrap_or(0),
            self.fit.as_str(),
            self.q,
            out.ext()
        )
    }
}

/// Where the source is cut and how large the result is.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Plan {
    /// Part of the source used, in source pixels: left, top, width, height.
    crop: (f64, f64, f64, f64),
    /// The resized picture.
    out: (u32, u32),
    /// The canvas it is placed on, centred (only `contain` pads).
    canvas: (u32, u32),
}

#[allow(
    clippy::as_conversions,
    reason = "float to integer: `as` saturates, which is the rounding wanted for a pixel size"
)]
fn round(v: f64) -> u32 {
    (v.round() as u32).max(1)
}

fn plan(sw: u32, sh: u32, v: &Variant) -> Plan {
    let (fw, fh) = (f64::from(sw), f64::from(sh));
    let full = (0.0, 0.0, fw, fh);
    let scale_inside = |enlarge: bool| {
        let sx = v.w.map_or(f64::INFINITY, |w| f64::from(w) / fw);
        let sy = v.h.map_or(f64::INFINITY, |h| f64::from(h) / fh);
        let s = sx.min(sy);
        if enlarge {
            s
        } else {
            s.min(1.0)
        }
    };
    match (v.fit, v.w, v.h) {
        (Fit::Cover, Some(w), Some(h)) => {
            let target = f64::from(w) / f64::from(h);
            let crop = if fw / fh > target {
                let cw = fh * target;
                ((fw - cw) / 2.0, 0.0, cw, fh)
            } else {
                let ch = fw / target;
                (0.0, (fh - ch) / 2.0, fw, ch)
            };
            Plan {
                crop,
                out: (w, h),
                canvas: (w, h),
            }
        }
        (Fit::Fill, Some(w), Some(h)) => Plan {
            crop: full,
            out: (w, h),
            canvas: (w, h),
        },
        (Fit::Contain, Some(w), Some(h)) => {
            let s = scale_inside(true);
            let out = (round(fw * s).min(w), round(fh * s).min(h));
            Plan {
                crop: full,
                out,
                canvas: (w, h),
            }
        }
        _ => {
            let s = scale_inside(false);
            let out = (round(fw * s), round(fh * s));
            Plan {
                crop: full,
                out,
                canvas: out,
            }
        }
    }
}

/// Decodes a JPEG at 1/8, 1/4, 1/2 or full size: the smallest that keeps the cropped part at
/// least as large as the output.
fn decode_jpeg_scaled(
    bytes: &[u8],
    crop_w: f64,
    crop_h: f64,
    out: (u32, u32),
) -> Result<DynamicImage, MediaError> {
    let run = || -> std::io::Result<DynamicImage> {
        let mut d = mozjpeg::Decompress::new_mem(bytes)?;
        let mut num = 8u8;
        for n in [1u8, 2, 4] {
            let f = f64::from(n) / 8.0;
            if (crop_w * f).floor() >= f64::from(out.0) && (crop_h * f).floor() >= f64::from(out.1)
            {
                num = n;
                break;
            }
        }
        d.scale(num);
        let cmyk = matches!(
            d.color_space(),
            mozjpeg::ColorSpace::JCS_CMYK | mozjpeg::ColorSpace::JCS_YCCK
        );
        if cmyk {
            let mut s = d.to_colorspace(mozjpeg::ColorSpace::JCS_CMYK)?;
            let (w, h) = (dim(s.width()), dim(s.height()));
            let px: Vec<[u8; 4]> = s.read_scanlines()?;
            s.finish()?;
            // Adobe writes CMYK inverted; this is the usual naive conversion, without a profile.
            let rgb: Vec<u8> = px
                .iter()
                .flat_map(|&[c, m, y, k]| {
                    let k = u32::from(k);
                    [c, m, y]
                        .map(|v| u8::try_from((u32::from(v) * k + 127) / 255).unwrap_or(u8::MAX))
                })
                .collect();
            image::RgbImage::from_raw(w, h, rgb)
                .map(DynamicImage::ImageRgb8)
                .ok_or_else(|| std::io::Error::other("CMYK buffer size"))
        } else {
            let mut s = d.rgb()?;
            let (w, h) = (dim(s.width()), dim(s.height()));
            let px: Vec<u8> = s.read_scanlines::<u8>()?;
            s.finish()?;
            image::RgbImage::from_raw(w, h, px)
                .map(DynamicImage::ImageRgb8)
                .ok_or_else(|| std::io::Error::other("RGB buffer size"))
        }
    };
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(run)) {
        Ok(Ok(img)) => Ok(img),
        Ok(Err(e)) => Err(MediaError::Corrupt(format!(
            "the JPEG cannot be decoded: {e}"
        ))),
        Err(cause) => {
            let msg = cause
                .downcast_ref::<String>()
                .cloned()
                .unwrap_or_else(|| "libjpeg error".to_owned());
            Err(MediaError::Corrupt(format!(
                "the JPEG cannot be decoded: {msg}"
            )))
        }
    }
}

/// The header's dimensions and embedded colour profile, read without decoding the pixels
/// (one decoder for both: opening one copies the whole file).
fn header(bytes: &[u8], t: MediaType) -> Result<(u32, u32, Option<Vec<u8>>), MediaError> {
    let format = image_format(t).ok_or_else(|| {
        MediaError::Unsupported(format!(
            "a {t} file has no resized versions; fetch /media/ID to download it"
        ))
    })?;
    let mut decoder = ImageReader::with_format(Cursor::new(bytes), format)
        .into_decoder()
        .map_err(|e| MediaError::Corrupt(format!("the image header cannot be read: {e}")))?;
    let (w, h) = image::ImageDecoder::dimensions(&decoder);
    let icc = image::ImageDecoder::icc_profile(&mut decoder)
        .ok()
        .flatten();
    Ok((w, h, icc))
}

/// Makes one derivative of an original. CPU-bound: run it on the resize pool.
pub fn derive(
    bytes: &[u8],
    t: MediaType,
    v: &Variant,
    out_format: OutputFormat,
    max_pixels: u64,
) -> Result<Vec<u8>, MediaError> {
    v.validate()?;
    let (sw, sh, icc) = header(bytes, t)?;
    check_dimensions(sw, sh, max_pixels)?;
    let p = plan(sw, sh, v);
    let img = if t == MediaType::Jpeg {
        decode_jpeg_scaled(bytes, p.crop.2, p.crop.3, p.out)?
    } else {
        let format = image_format(t).ok_or_else(|| MediaError::Unsupported(format!("{t}")))?;
        let mut r = ImageReader::with_format(Cursor::new(bytes), format);
        r.limits(limits(max_pixels));
        r.decode()
            .map_err(|e| MediaError::Corrupt(format!("the {t} image cannot be decoded: {e}")))?
    };
    // The decoded picture may be smaller than the source (JPEG scaling): map the crop.
    let k = f64::from(img.width()) / f64::from(sw);
    let crop = (p.crop.0 * k, p.crop.1 * k, p.crop.2 * k, p.crop.3 * k);
    let resized = resize(img, crop, p.out)?;
    let finished = if p.canvas != p.out {
        pad(resized, p.canvas, out_format != OutputFormat::Jpeg)
    } else {
        resized
    };
    encode(finished, out_format, v.q, icc.as_deref())
}

fn resize(
    img: DynamicImage,
    crop: (f64, f64, f64, f64),
    out: (u32, u32),
) -> Result<DynamicImage, MediaError> {
    let alpha = img.color().has_alpha();
    let (w, h) = (img.width(), img.height());
    let (buf, pixel) = if alpha {
        (img.into_rgba8().into_raw(), PixelType::U8x4)
    } else {
        (img.into_rgb8().into_raw(), PixelType::U8x3)
    };
    let internal = |e: &dyn std::fmt::Display| MediaError::Internal(format!("resizing: {e}"));
    let src = Image::from_vec_u8(w, h, buf, pixel).map_err(|e| internal(&e))?;
    let mut dst = Image::new(out.0, out.1, pixel);
    let options = ResizeOptions::new()
        .resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3))
        .crop(crop.0, crop.1, crop.2, crop.3);
    Resizer::new()
        .resize(&src, &mut dst, &options)
        .map_err(|e| internal(&e))?;
    let raw = dst.into_vec();
    let img = if alpha {
        image::RgbaImage::from_raw(out.0, out.1, raw).map(DynamicImage::ImageRgba8)
    } else {
        image::RgbImage::from_raw(out.0, out.1, raw).map(DynamicImage::ImageRgb8)
    };
    img.ok_or_else(|| MediaError::Internal("resized buffer has the wrong size".to_owned()))
}

/// Centres `img` on a canvas: transparent where the format has alpha, white otherwise.
fn pad(img: DynamicImage, canvas: (u32, u32), transparent: bool) -> DynamicImage {
    let bg = if transparent {
        image::Rgba([255, 255, 255, 0])
    } else {
        image::Rgba([255, 255, 255, 255])
    };
    let mut c = image::RgbaImage::from_pixel(canvas.0, canvas.1, bg);
    let x = i64::from((canvas.0 - img.width().min(canvas.0)) / 2);
    let y = i64::from((canvas.1 - img.height().min(canvas.1)) / 2);
    image::imageops::overlay(&mut c, &img.into_rgba8(), x, y);
    DynamicImage::ImageRgba8(c)
}

/// A decoder's dimension as the image crate wants it (decoders refuse anything larger).
fn dim(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(w: Option<u32>, h: Option<u32>, fit: Fit) -> Variant {
        Variant {
            w,
            h,
            fit,
            fmt: FormatChoice::Jpeg,
            q: 80,
        }
    }

    #[test]
    fn plans_follow_the_fit() {
        let p = plan(4000, 3000, &v(Some(800), None, Fit::Inside));
        assert_eq!(p.out, (800, 600));
        let p = plan(400, 300, &v(Some(800), None, Fit::Inside));
        assert_eq!(p.out, (400, 300), "inside never enlarges");
        let p = plan(4000, 3000, &v(Some(300), Some(300), Fit::Cover));
        assert_eq!(p.out, (300, 300));
        assert_eq!(p.crop, (500.0, 0.0, 3000.0, 3000.0));
        let p = plan(4000, 2000, &v(Some(300), Some(300), Fit::Contain));
        assert_eq!((p.out, p.canvas), ((300, 150), (300, 300)));
        let p = plan(4000, 2000, &v(Some(300), Some(300), Fit::Fill));
        assert_eq!(p.out, (300, 300));
    }

    #[test]
    fn jpeg_is_decoded_small_and_resized_exactly() {
        let img = image::RgbImage::from_fn(1600, 1200, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 128])
        });
        let src = super::super::encode::jpeg(img.as_raw(), 1600, 1200, 90, None).unwrap();
        for (fit, want) in [(Fit::Inside, (400, 300)), (Fit::Cover, (200, 200))] {
            let variant = v(Some(want.0), Some(want.1), fit);
            let out = derive(
                &src,
                MediaType::Jpeg,
                &variant,
                OutputFormat::Jpeg,
                50_000_000,
            )
            .unwrap();
            let got = image::load_from_memory(&out).unwrap();
            assert_eq!((got.width(), got.height()), want);
        }
    }

    #[test]
    fn the_colour_profile_travels_to_every_format() {
        let img = image::RgbImage::from_pixel(400, 300, image::Rgb([200, 60, 60]));
        let icc = b"fake-display-p3-profile".repeat(20);
        let src = super::super::encode::jpeg(img.as_raw(), 400, 300, 90, Some(&icc)).unwrap();
        assert_eq!(
            header(&src, MediaType::Jpeg).unwrap().2.as_deref(),
            Some(&icc[..]),
            "source"
        );
        for fmt in [OutputFormat::Jpeg, OutputFormat::Png, OutputFormat::Webp] {
            let out = derive(
                &src,
                MediaType::Jpeg,
                &v(Some(100), None, Fit::Inside),
                fmt,
                50_000_000,
            )
            .unwrap();
            let format = image::guess_format(&out).unwrap();
            let mut d = ImageReader::with_format(Cursor::new(&out[..]), format)
                .into_decoder()
                .unwrap();
            let got = image::ImageDecoder::icc_profile(&mut d).unwrap();
            assert_eq!(got.as_deref(), Some(&icc[..]), "{fmt:?}");
        }
    }

    #[test]
    fn transparency_survives_png_and_webp() {
        let img = image::RgbaImage::from_fn(200, 100, |x, _| {
            image::Rgba([200, 10, 10, if x < 100 { 0 } else { 255 }])
        });
        let mut src = Vec::new();
        DynamicImage::ImageRgba8(img)
            .write_to(&mut Cursor::new(&mut src), image::ImageFormat::Png)
            .unwrap();
        for fmt in [OutputFormat::Png, OutputFormat::Webp] {
            let variant = v(Some(100), None, Fit::Inside);
            let out = derive(&src, MediaType::Png, &variant, fmt, 50_000_000).unwrap();
            let got = image::load_from_memory(&out).unwrap().into_rgba8();
            assert_eq!(got.dimensions(), (100, 50));
            assert!(got.get_pixel(5, 25)[3] < 10, "left half stays transparent");
            let right = got.get_pixel(95, 25);
            assert!(
                right[3] > 245 && right[0] > 150,
                "no dark fringe: {right:?}"
            );
        }
    }
}

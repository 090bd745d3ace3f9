//! Image and file processing, with no HTTP and no I/O: sniffing a file's type from its bytes,
//! stripping metadata, decoding with limits (a decompression bomb is refused before it is
//! decoded), resizing and encoding, presets and the signatures on explicit sizes.
//!
//! Everything here is CPU work: callers run it off the async threads (`api` on a bounded
//! blocking pool, `bench` directly). `api` serves the results and keeps the derivatives.

// Unit tests build values from loop counters; the library code is held to the lint.
#![cfg_attr(test, allow(clippy::as_conversions))]

mod encode;
mod resize;
mod sniff;
mod upload;

pub use encode::OutputFormat;
pub use resize::{derive, Fit, FormatChoice, Variant, MAX_EDGE};
pub use upload::{prepare, Prepared};

use hmac::{Hmac, Mac};
use portico_engine::{MediaId, MediaType};
use sha2::Sha256;
use std::collections::BTreeMap;

/// Why a file or a request for one was refused.
#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    #[error("unsupported file: {0}")]
    Unsupported(String),
    #[error("the file name '{filename}' says {claimed} but the bytes are {found}")]
    Mismatch {
        claimed: MediaType,
        found: MediaType,
        filename: String,
    },
    #[error("the file is damaged: {0}")]
    Corrupt(String),
    #[error("the image is {width} × {height} pixels; at most {max} pixels are accepted")]
    TooManyPixels { width: u32, height: u32, max: u64 },
    #[error("{0}")]
    BadParameter(String),
    #[error("{0}")]
    Internal(String),
}

/// Settings of uploads and derivatives.
#[derive(Clone)]
pub struct MediaConfig {
    /// Largest upload, in bytes (50 MB by default); larger ones get `413`.
    pub max_upload_bytes: u64,
    /// Largest image, in pixels; bigger headers are refused before decoding.
    pub max_pixels: u64,
    /// Named sizes for `/media/{id}/{preset}`.
    pub presets: BTreeMap<String, Variant>,
    /// Key of the signatures on explicit parameters; every node must share it.
    pub signing_key: Vec<u8>,
    /// Resizes running at once.
    pub workers: usize,
}

impl std::fmt::Debug for MediaConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MediaConfig")
            .field("max_upload_bytes", &self.max_upload_bytes)
            .field("max_pixels", &self.max_pixels)
            .field("presets", &self.presets.keys().collect::<Vec<_>>())
            .field("workers", &self.workers)
            .finish_non_exhaustive()
    }
}

impl Default for MediaConfig {
    fn default() -> Self {
        MediaConfig {
            max_upload_bytes: 50 * 1024 * 1024,
            max_pixels: 50_000_000,
            presets: default_presets(),
            signing_key: random_key(),
            workers: std::thread::available_parallelism().map_or(2, |n| n.get()),
        }
    }
}

/// A fresh random signing key (32 bytes).
pub fn random_key() -> Vec<u8> {
    use rand::RngCore;
    let mut k = vec![0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut k);
    k
}

/// `thumb`, `card`, `content`, `hero` and `og`, each in the format the client takes best.
pub fn default_presets() -> BTreeMap<String, Variant> {
    let p = |w, h, fit| Variant {
        w: Some(w),
        h,
        fit,
        fmt: FormatChoice::Auto,
        q: 80,
    };
    BTreeMap::from([
        ("thumb".to_owned(), p(160, Some(160), Fit::Cover)),
        ("card".to_owned(), p(480, Some(320), Fit::Cover)),
        ("content".to_owned(), p(1024, None, Fit::Inside)),
        ("hero".to_owned(), p(1600, Some(600), Fit::Cover)),
        ("og".to_owned(), p(1200, Some(630), Fit::Cover)),
    ])
}

/// Parses a preset given on the command line: `name=WxH:fit[:fmt[:quality]]`, with `W` or
/// `H` left empty for "any" (`content=1024x:inside`).
pub fn parse_preset(s: &str) -> Result<(String, Variant), String> {
    let bad =
        || format!("preset '{s}': expected name=WxH:fit[:fmt[:quality]], e.g. card=480x320:cover");
    let (name, spec) = s.split_once('=').ok_or_else(bad)?;
    let name = name.trim();
    if name.is_empty()
        || !name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err(format!(
            "preset name '{name}': use lower-case letters, digits and '-'"
        ));
    }
    let mut parts = spec.split(':');
    let size = parts.next().ok_or_else(bad)?;
    let (w, h) = size.split_once('x').ok_or_else(bad)?;
    let edge = |v: &str| -> Result<Option<u32>, String> {
        if v.is_empty() {
            Ok(None)
        } else {
            v.parse().map(Some).map_err(|_| bad())
        }
    };
    let fit = Fit::parse(parts.next().unwrap_or("inside")).ok_or_else(bad)?;
    let fmt = FormatChoice::parse(parts.next().unwrap_or("auto")).ok_or_else(bad)?;
    let q = parts
        .next()
        .map_or(Ok(80), |q| q.parse().map_err(|_| bad()))?;
    let v = Variant {
        w: edge(w)?,
        h: edge(h)?,
        fit,
        fmt,
        q,
    };
    v.validate().map_err(|e| format!("preset '{name}': {e}"))?;
    Ok((name.to_owned(), v))
}

/// The signature of explicit parameters for one file (hex, 128 bits).
pub fn sign(key: &[u8], id: MediaId, v: &Variant) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable_hmac());
    mac.update(format!("{id}?{}", v.canonical()).as_bytes());
    let tag = mac.finalize().into_bytes();
    tag.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

/// HMAC takes keys of any length; this is never called.
fn unreachable_hmac() -> Hmac<Sha256> {
    unreachable!("HMAC-SHA256 accepts keys of any length")
}

/// Whether `sig` is the signature of `v` for `id`, compared in constant time.
pub fn verify(key: &[u8], id: MediaId, v: &Variant, sig: &str) -> bool {
    let want = sign(key, id, v);
    want.len() == sig.len()
        && want
            .bytes()
            .zip(sig.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_parse_and_signatures_bind_every_parameter() {
        let (name, v) = parse_preset("card=480x320:cover:webp:75").unwrap();
        assert_eq!(name, "card");
        assert_eq!(
            (v.w, v.h, v.fit, v.fmt, v.q),
            (Some(480), Some(320), Fit::Cover, FormatChoice::Webp, 75)
        );
        let (_, v2) = parse_preset("content=1024x:inside").unwrap();
        assert_eq!((v2.w, v2.h), (Some(1024), None));
        assert!(parse_preset("bad").is_err());
        assert!(parse_preset("x=0x0:cover").is_err());
        let key = b"k".to_vec();
        let sig = sign(&key, MediaId(7), &v);
        assert!(verify(&key, MediaId(7), &v, &sig));
        assert!(!verify(&key, MediaId(8), &v, &sig));
        assert!(!verify(&key, MediaId(7), &Variant { q: 76, ..v }, &sig));
        assert!(!verify(b"other", MediaId(7), &v, &sig));
    }
}

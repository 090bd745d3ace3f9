//! Compressed answers: what is worth compressing, compressing it once when it is stored (br
//! and gzip), choosing by the client's `Accept-Encoding` and its q-values, and the rare client
//! that takes neither (the gzip copy is inflated for it).
//!
//! A citizen on a phone and a slow line gets a portal page at a fifth of its size; the cache
//! pays for that once per stored answer, not once per request.

use axum::http::{header, HeaderMap};
use bytes::Bytes;
use std::io::{Read, Write};

/// Smaller answers gain less than compressing them costs (and a header's worth of bytes).
const MIN_BYTES: usize = 1024;
/// Brotli's quality and window (log2). Measured on a 19.5 KB portal home (2-core EPYC, the
/// `brotli` crate): quality 4 takes 0.2 ms for 5.2 KB; quality 5 gains 5 % for 0.27 ms, but
/// with a window sized to the page (2^15) it took 10 ms, so the window stays at the
/// default; 11 would cost tens of milliseconds a page for a few per cent.
const BR_QUALITY: u32 = 4;
const BR_WINDOW: u32 = 22;
/// gzip's level: 4 is within 1 % of the default's size (6) at two thirds of its time.
const GZIP_LEVEL: u32 = 4;

/// The two stored encodings of one answer, in one buffer (brotli, then gzip): an allocation
/// per copy and one for the pair cost about 100 bytes an entry.
#[derive(Clone)]
pub(crate) struct Encoded {
    both: Bytes,
    br_len: usize,
}

impl Encoded {
    pub(crate) fn br(&self) -> Bytes {
        self.both.slice(..self.br_len)
    }
    pub(crate) fn gzip(&self) -> Bytes {
        self.both.slice(self.br_len..)
    }
    /// Bytes held.
    pub(crate) fn len(&self) -> usize {
        self.both.len()
    }
}

/// How an answer goes out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Coding {
    Br,
    Gzip,
    Identity,
}

impl Coding {
    pub(crate) fn token(self) -> Option<&'static str> {
        match self {
            Coding::Br => Some("br"),
            Coding::Gzip => Some("gzip"),
            Coding::Identity => None,
        }
    }
}

/// Whether an answer is text worth compressing: HTML, JSON, XML (feeds, sitemaps), CSS,
/// JavaScript, SVG, plain text, over 1 KB, not encoded already. Images, PDFs and other
/// compressed formats are left alone.
pub(crate) fn worth(headers: &HeaderMap, len: usize) -> bool {
    if len < MIN_BYTES || headers.contains_key(header::CONTENT_ENCODING) {
        return false;
    }
    let Some(ctype) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let mime = ctype
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    mime.starts_with("text/")
        || matches!(
            mime.as_str(),
            "application/json"
                | "application/javascript"
                | "application/xml"
                | "application/rss+xml"
                | "application/atom+xml"
                | "application/feed+json"
                | "application/manifest+json"
                | "application/problem+json"
                | "image/svg+xml"
        )
        || mime.ends_with("+json")
        || mime.ends_with("+xml")
}

/// Answers waiting to be compressed at most; past that, an answer is stored as it came.
const QUEUE: usize = 1024;

type Job = (Bytes, tokio::sync::oneshot::Sender<Option<Encoded>>);

/// Compresses `body` on the cache's own compressing threads (one per core). Not on tokio's
/// blocking pool: the encoders' working memory (hash tables, windows) would stay with each
/// of its many threads, and a burst of misses grew an edge by hundreds of megabytes. `None`
/// when compressing gains nothing, or the threads are too far behind.
pub(crate) async fn encode_off_thread(body: Bytes) -> Option<Encoded> {
    static WORKERS: std::sync::OnceLock<Option<std::sync::mpsc::SyncSender<Job>>> =
        std::sync::OnceLock::new();
    let queue = WORKERS.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Job>(QUEUE);
        let rx = std::sync::Arc::new(std::sync::Mutex::new(rx));
        let n = std::thread::available_parallelism().map_or(2, |n| n.get());
        let mut started = 0;
        for i in 0..n {
            let rx = rx.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("portico-compress-{i}"))
                .spawn(move || loop {
                    let job = rx.lock().unwrap_or_else(|p| p.into_inner()).recv();
                    let Ok((body, reply)) = job else { return };
                    let _ = reply.send(encode(&body));
                });
            if spawned.is_ok() {
                started += 1;
            }
        }
        (started > 0).then_some(tx)
    });
    let (reply, answer) = tokio::sync::oneshot::channel();
    queue.as_ref()?.try_send((body, reply)).ok()?;
    answer.await.ok().flatten()
}

/// Both encodings of `body`; `None` when compressing fails or gains nothing. CPU work: call
/// it off the async threads.
pub(crate) fn encode(body: &[u8]) -> Option<Encoded> {
    let mut br = Vec::with_capacity(body.len() / 4);
    {
        let mut w = brotli::CompressorWriter::new(&mut br, 4096, BR_QUALITY, BR_WINDOW);
        w.write_all(body).ok()?;
        w.flush().ok()?;
    }
    let mut gz = flate2::write::GzEncoder::new(
        Vec::with_capacity(body.len() / 3),
        flate2::Compression::new(GZIP_LEVEL),
    );
    gz.write_all(body).ok()?;
    let gzip = gz.finish().ok()?;
    if gzip.len() >= body.len() {
        return None;
    }
    // Copied to their exact size: a stored answer lives long, its spare capacity with it.
    let mut both = Vec::with_capacity(br.len() + gzip.len());
    both.extend_from_slice(&br);
    both.extend_from_slice(&gzip);
    Some(Encoded {
        both: Bytes::from(both),
        br_len: br.len(),
    })
}

/// The original bytes back from the gzip copy, for a client that accepts no encoding (or
/// asks for a range of the original); at most `max` bytes.
pub(crate) fn gunzip(gzip: &[u8], max: usize) -> Option<Bytes> {
    let mut out = Vec::with_capacity(gzip.len() * 4);
    flate2::read::GzDecoder::new(gzip)
        .take(u64::try_from(max).unwrap_or(u64::MAX).saturating_add(1))
        .read_to_end(&mut out)
        .ok()?;
    (out.len() <= max).then(|| Bytes::from(out))
}

/// The coding to send by `Accept-Encoding` (RFC 9110, 12.5.3): the acceptable one with the
/// highest q-value, br before gzip on a tie; identity when neither is acceptable (a client
/// that refuses identity too still gets it: it is the one it can be sure to read).
pub(crate) fn choose(request: &HeaderMap) -> Coding {
    let mut q_br: Option<f32> = None;
    let mut q_gzip: Option<f32> = None;
    let mut q_star: Option<f32> = None;
    for item in request
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
    {
        let mut parts = item.split(';');
        let name = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
        let q = parts
            .filter_map(|p| p.trim().strip_prefix("q=").or(p.trim().strip_prefix("Q=")))
            .find_map(|v| v.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        match name.as_str() {
            "br" => q_br = Some(q),
            "gzip" | "x-gzip" => q_gzip = Some(q),
            "*" => q_star = Some(q),
            _ => {}
        }
    }
    let br = q_br.or(q_star).unwrap_or(0.0);
    let gzip = q_gzip.or(q_star).unwrap_or(0.0);
    if br > 0.0 && br >= gzip {
        Coding::Br
    } else if gzip > 0.0 {
        Coding::Gzip
    } else {
        Coding::Identity
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use axum::http::HeaderValue;

    fn accept(v: &'static str) -> Coding {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT_ENCODING, HeaderValue::from_static(v));
        choose(&h)
    }

    #[test]
    fn the_client_s_q_values_decide() {
        assert_eq!(accept("gzip, deflate, br, zstd"), Coding::Br);
        assert_eq!(accept("gzip"), Coding::Gzip);
        assert_eq!(accept("br;q=0.5, gzip;q=0.8"), Coding::Gzip);
        assert_eq!(accept("br;q=0, gzip;q=0"), Coding::Identity);
        assert_eq!(accept("*"), Coding::Br);
        assert_eq!(accept("*;q=0.5, br;q=0"), Coding::Gzip);
        assert_eq!(accept("identity"), Coding::Identity);
        assert_eq!(choose(&HeaderMap::new()), Coding::Identity);
    }

    #[test]
    fn text_is_compressed_and_comes_back_whole() {
        let page =
            "<p>Ủy ban nhân dân tỉnh Lào Cai thông báo lịch tiếp công dân.</p>\n".repeat(200);
        let mut h = HeaderMap::new();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        assert!(worth(&h, page.len()));
        let e = encode(page.as_bytes()).unwrap();
        assert!(e.br().len() * 5 < page.len() && e.gzip().len() * 5 < page.len());
        assert_eq!(e.br().len() + e.gzip().len(), e.len());
        assert_eq!(gunzip(&e.gzip(), 1 << 20).unwrap(), page.as_bytes());
        assert!(gunzip(&e.gzip(), 10).is_none(), "bounded");
        let mut unbrotli = Vec::new();
        brotli::BrotliDecompress(&mut &e.br()[..], &mut unbrotli).unwrap();
        assert_eq!(unbrotli, page.as_bytes());
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static("image/jpeg"));
        assert!(!worth(&h, page.len()));
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/rss+xml"),
        );
        assert!(worth(&h, page.len()));
        assert!(!worth(&h, 500), "small");
    }
}

//! Answering a `Range` request from a stored full answer (RFC 9110, 14): one `bytes` range,
//! honoured when `If-Range` (if any) still names the stored representation. Several ranges
//! are answered with the whole (a server may ignore `Range`), which is what a browser's PDF
//! viewer and a download manager cope with.

use axum::http::{header, HeaderMap};

/// What to send of a stored body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Part {
    /// Bytes `from..=to`.
    Bytes(usize, usize),
    /// A range that starts past the end: `416`.
    Unsatisfiable,
}

/// The part of a `len`-byte stored answer the request asks for, or `None` for the whole.
pub(crate) fn wanted(req: &HeaderMap, stored: &HeaderMap, len: usize) -> Option<Part> {
    let range = req.get(header::RANGE)?.to_str().ok()?.trim();
    if let Some(if_range) = req.get(header::IF_RANGE).and_then(|v| v.to_str().ok()) {
        // Only a strong validator that is the stored one keeps the range (RFC 9110, 13.1.5).
        let etag = stored.get(header::ETAG).and_then(|v| v.to_str().ok());
        let same = if if_range.starts_with('"') {
            etag == Some(if_range)
        } else {
            stored
                .get(header::LAST_MODIFIED)
                .and_then(|v| v.to_str().ok())
                == Some(if_range)
        };
        if !same {
            return None;
        }
    }
    let spec = range.strip_prefix("bytes=")?.trim();
    if spec.contains(',') {
        return None;
    }
    let (first, last) = spec.split_once('-')?;
    let (first, last) = (first.trim(), last.trim());
    if len == 0 {
        return Some(Part::Unsatisfiable);
    }
    let end = len - 1;
    if first.is_empty() {
        // The last N bytes.
        let n: usize = last.parse().ok()?;
        if n == 0 {
            return Some(Part::Unsatisfiable);
        }
        return Some(Part::Bytes(len.saturating_sub(n), end));
    }
    let from: usize = first.parse().ok()?;
    if from > end {
        return Some(Part::Unsatisfiable);
    }
    let to = if last.is_empty() {
        end
    } else {
        let to: usize = last.parse().ok()?;
        if to < from {
            return None;
        }
        to.min(end)
    };
    Some(Part::Bytes(from, to))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use axum::http::HeaderValue;

    fn ask(range: &str, if_range: Option<&str>) -> Option<Part> {
        let mut req = HeaderMap::new();
        req.insert(header::RANGE, HeaderValue::from_str(range).unwrap());
        if let Some(v) = if_range {
            req.insert(header::IF_RANGE, HeaderValue::from_str(v).unwrap());
        }
        let mut stored = HeaderMap::new();
        stored.insert(header::ETAG, HeaderValue::from_static("\"v1\""));
        wanted(&req, &stored, 100)
    }

    #[test]
    fn one_byte_range_in_its_forms() {
        assert_eq!(ask("bytes=0-9", None), Some(Part::Bytes(0, 9)));
        assert_eq!(ask("bytes=90-", None), Some(Part::Bytes(90, 99)));
        assert_eq!(ask("bytes=-10", None), Some(Part::Bytes(90, 99)));
        assert_eq!(ask("bytes=50-500", None), Some(Part::Bytes(50, 99)));
        assert_eq!(ask("bytes=100-", None), Some(Part::Unsatisfiable));
        assert_eq!(ask("bytes=9-0", None), None);
        assert_eq!(ask("bytes=0-1,5-6", None), None, "several: the whole");
        assert_eq!(ask("items=0-1", None), None);
        assert_eq!(ask("bytes=0-9", Some("\"v1\"")), Some(Part::Bytes(0, 9)));
        assert_eq!(
            ask("bytes=0-9", Some("\"v0\"")),
            None,
            "changed since: the whole"
        );
    }
}

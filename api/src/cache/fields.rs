//! A stored answer's header fields in one block of text.
//!
//! An `http::HeaderMap` spends about 100 bytes of table per field and an allocation per value:
//! a dozen fields took 3 KB, more than the compressed answer they describe (measured with
//! `api/examples/entry_memory.rs`). A stored answer keeps its fields as `name:value\n` lines in
//! one buffer instead, and lends the values out as slices of it (no copy) when it answers.

use axum::http::{HeaderMap, HeaderName, HeaderValue};
use bytes::Bytes;

/// Header fields as `name:value\n` lines (a name holds no `:`, a value no line break).
#[derive(Clone, Default)]
pub(crate) struct Fields {
    text: Bytes,
    count: usize,
}

impl Fields {
    /// The fields of `headers`, in their order, each repeated field on its own line.
    pub(crate) fn new(headers: &HeaderMap) -> Fields {
        let size = headers
            .iter()
            .map(|(k, v)| k.as_str().len() + v.len() + 2)
            .sum();
        let mut text = Vec::with_capacity(size);
        for (k, v) in headers {
            text.extend_from_slice(k.as_str().as_bytes());
            text.push(b':');
            text.extend_from_slice(v.as_bytes());
            text.push(b'\n');
        }
        Fields {
            text: Bytes::from(text),
            count: headers.len(),
        }
    }

    /// Bytes held.
    pub(crate) fn len(&self) -> usize {
        self.text.len()
    }

    /// How many fields (a repeated one counts each time).
    pub(crate) fn count(&self) -> usize {
        self.count
    }

    /// Each field as a name and a value sharing this block.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (HeaderName, HeaderValue)> + '_ {
        self.lines().filter_map(|(name, value)| {
            let name = HeaderName::from_bytes(name).ok()?;
            let value = HeaderValue::from_maybe_shared(self.text.slice(value)).ok()?;
            Some((name, value))
        })
    }

    /// Each line's name, and where its value lies in the block.
    fn lines(&self) -> impl Iterator<Item = (&[u8], std::ops::Range<usize>)> + '_ {
        let mut at = 0;
        std::iter::from_fn(move || loop {
            let rest = self.text.get(at..)?;
            let end = at + rest.iter().position(|&b| b == b'\n')?;
            let (from, line) = (at, rest.get(..end - at)?);
            at = end + 1;
            if let Some(colon) = line.iter().position(|&b| b == b':') {
                return Some((line.get(..colon)?, from + colon + 1..end));
            }
        })
    }

    /// The first value of the field `name` (lower case); the other lines are not parsed.
    pub(crate) fn get(&self, name: &str) -> Option<HeaderValue> {
        let (_, value) = self.lines().find(|(n, _)| *n == name.as_bytes())?;
        HeaderValue::from_maybe_shared(self.text.slice(value)).ok()
    }

    /// The fields as a map, for the rare paths that need one (storing, revalidating).
    pub(crate) fn to_map(&self) -> HeaderMap {
        self.iter().collect()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn fields_come_back_as_they_went_in_repeated_ones_too() {
        let mut h = HeaderMap::new();
        h.insert(
            "content-type",
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        h.append("set-cookie", HeaderValue::from_static("a=1; Path=/"));
        h.append("set-cookie", HeaderValue::from_static("b=2"));
        h.insert("surrogate-key", HeaderValue::from_static("site:1 item:70"));
        h.insert("x-empty", HeaderValue::from_static(""));
        h.insert(
            "etag",
            HeaderValue::from_bytes(b"\"caf\xc3\xa9:1\"").unwrap(),
        );
        let f = Fields::new(&h);
        assert_eq!(f.to_map(), h);
        let cookies: Vec<_> = f.to_map().get_all("set-cookie").iter().cloned().collect();
        assert_eq!(cookies, ["a=1; Path=/", "b=2"]);
        assert_eq!(f.get("surrogate-key").unwrap(), "site:1 item:70");
        assert_eq!(f.get("etag").unwrap().as_bytes(), b"\"caf\xc3\xa9:1\"");
        assert!(f.get("vary").is_none());
        assert_eq!(f.count(), 6);
        assert_eq!(
            f.len(),
            h.iter()
                .map(|(k, v)| k.as_str().len() + v.len() + 2)
                .sum::<usize>()
        );
        assert_eq!(Fields::default().iter().count(), 0);
    }
}

//! Conditional requests (RFC 9110 §13): the one place that decides whether a stored or fresh
//! answer is `304 Not Modified`, for the node's handlers and for the cache alike.

use axum::http::{header, HeaderMap, HeaderValue};
use std::time::SystemTime;

/// An HTTP date (`Sun, 06 Nov 1994 08:49:37 GMT`) for `Last-Modified`.
pub(crate) fn http_date(t: SystemTime) -> String {
    httpdate::fmt_http_date(t)
}

/// A date header in any of the three forms RFC 9110 §5.6.7 obliges a recipient to accept
/// (IMF-fixdate, RFC 850, asctime).
fn parse_date(v: &HeaderValue) -> Option<SystemTime> {
    httpdate::parse_http_date(v.to_str().ok()?.trim()).ok()
}

/// Whether the request's `If-None-Match` names `etag` (weak comparison) or is `*`.
pub(crate) fn etag_matches(request: &HeaderMap, etag: &str) -> bool {
    let etag = etag.trim_start_matches("W/");
    request
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .any(|t| t == "*" || t.trim_start_matches("W/") == etag)
}

/// Whether an answer with these validators is `304` for the request: `If-None-Match` when
/// the request has one, otherwise `If-Modified-Since` (RFC 9110 §13.2.2).
pub(crate) fn not_modified(
    request: &HeaderMap,
    etag: Option<&str>,
    last_modified: Option<&HeaderValue>,
) -> bool {
    if request.contains_key(header::IF_NONE_MATCH) {
        return etag.is_some_and(|e| etag_matches(request, e));
    }
    match (
        last_modified.and_then(parse_date),
        request.get(header::IF_MODIFIED_SINCE).and_then(parse_date),
    ) {
        (Some(lm), Some(ims)) => lm <= ims,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(name: header::HeaderName, v: &'static str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(name, HeaderValue::from_static(v));
        h
    }

    #[test]
    fn all_three_date_forms_are_understood() {
        let lm = HeaderValue::from_static("Sun, 06 Nov 1994 08:49:37 GMT");
        for ims in [
            "Sun, 06 Nov 1994 08:49:37 GMT",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
        ] {
            assert!(
                not_modified(&req(header::IF_MODIFIED_SINCE, ims), None, Some(&lm)),
                "{ims}"
            );
        }
        let earlier = req(header::IF_MODIFIED_SINCE, "Sat, 05 Nov 1994 08:49:37 GMT");
        assert!(!not_modified(&earlier, None, Some(&lm)));
        let junk = req(header::IF_MODIFIED_SINCE, "yesterday");
        assert!(!not_modified(&junk, None, Some(&lm)));
    }

    #[test]
    fn if_none_match_wins_over_if_modified_since() {
        let lm = HeaderValue::from_static("Sun, 06 Nov 1994 08:49:37 GMT");
        let mut h = req(header::IF_NONE_MATCH, "\"other\", W/\"abc\"");
        h.insert(header::IF_MODIFIED_SINCE, lm.clone());
        assert!(not_modified(&h, Some("\"abc\""), Some(&lm)));
        assert!(!not_modified(&h, Some("\"xyz\""), Some(&lm)));
        assert!(not_modified(
            &req(header::IF_NONE_MATCH, "*"),
            Some("\"q\""),
            None
        ));
    }

    #[test]
    fn dates_are_written_in_the_fixed_form() {
        let t = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(784_111_777);
        assert_eq!(http_date(t), "Sun, 06 Nov 1994 08:49:37 GMT");
    }
}

//! The catalogue of error codes clients see: each stable snake_case code with its HTTP status
//! and what it means. `api` answers with these only, and a test holds the OpenAPI
//! description's list of codes to this one.

/// `codes!{ Variant => ("code", status, "description"), ... }`.
macro_rules! codes {
    ($($variant:ident => ($code:literal, $status:literal, $doc:literal)),+ $(,)?) => {
        /// Every error code the HTTP interface answers with.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ErrorCode {
            $(#[doc = $doc] $variant),+
        }

        impl ErrorCode {
            /// Every code, in the catalogue's order.
            pub const ALL: [ErrorCode; [$($code),+].len()] = [$(ErrorCode::$variant),+];

            /// The stable snake_case code.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $code),+
                }
            }

            /// The HTTP status it is answered with.
            pub fn status(self) -> u16 {
                match self {
                    $(ErrorCode::$variant => $status),+
                }
            }

            /// One line on what it means, for the API's documentation.
            pub fn description(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $doc),+
                }
            }
        }
    };
}

codes! {
    Malformed => ("malformed", 400, "The body is not valid JSON (or multipart), or has the wrong overall shape."),
    UnknownField => ("unknown_field", 400, "A field the type does not have; `field` names it."),
    InvalidParameter => ("invalid_parameter", 400, "A query-string parameter that cannot be used; `field` names it."),
    MissingFile => ("missing_file", 400, "An upload form without its `file` part."),
    EmptyFile => ("empty_file", 400, "An uploaded file of zero bytes."),
    Unauthenticated => ("unauthenticated", 401, "No valid credentials: sign in, or the token has expired."),
    Unauthorized => ("unauthorized", 401, "An operations path without the edge token."),
    Forbidden => ("forbidden", 403, "The signed-in user lacks the role; the message says which role on which site."),
    UnsignedParameters => ("unsigned_parameters", 403, "Explicit image sizes without a valid signature."),
    NotFound => ("not_found", 404, "No such thing, or not visible to this user."),
    NotEnabled => ("not_enabled", 404, "A feature this server was started without."),
    MethodNotAllowed => ("method_not_allowed", 405, "The path exists but does not take this method."),
    RequestTimeout => ("request_timeout", 408, "The request's body arrived slower than the server's minimum rate."),
    StaleRevision => ("stale_revision", 409, "The item changed since the base revision; `current_revision` says which is current."),
    Duplicate => ("duplicate", 409, "Something with this name already exists; `field` names it."),
    SlugTaken => ("slug_taken", 409, "Another item of the site has this slug."),
    InvalidTransition => ("invalid_transition", 409, "The item's state does not allow this action."),
    InvalidState => ("invalid_state", 409, "The item's state does not allow this change (scheduled or archived)."),
    NotPublished => ("not_published", 409, "Only a published item can be proposed to a parent portal."),
    AlreadyProposed => ("already_proposed", 409, "The item was already proposed to that portal."),
    MediaInUse => ("media_in_use", 409, "The file is still used by items; `used_by` lists them."),
    ChannelNotEmpty => ("channel_not_empty", 409, "The channel still holds items."),
    TooManyWebhooks => ("too_many_webhooks", 409, "The site has as many webhooks as it may."),
    ConsultationClosed => ("consultation_closed", 409, "The consultation does not take comments now: before it opens or after it closes."),
    AlreadyDecided => ("already_decided", 409, "The question or comment was already answered, rejected or moderated."),
    PayloadTooLarge => ("payload_too_large", 413, "The request body is larger than the server's limit."),
    TooLarge => ("too_large", 413, "The uploaded file is larger than the server's limit."),
    UnsupportedMediaType => ("unsupported_media_type", 415, "The body is not sent as `application/json`."),
    UnsupportedFile => ("unsupported_file", 415, "The file's bytes are of no type Portico accepts."),
    TypeMismatch => ("type_mismatch", 415, "A replacement file of another type than the original."),
    Required => ("required", 422, "A field that must be given is missing or empty; `field` names it."),
    TooLong => ("too_long", 422, "A value longer than its limit; `field` names it."),
    InvalidDate => ("invalid_date", 422, "A date that is not YYYY-MM-DD, or a time that is not RFC 3339."),
    InvalidValue => ("invalid_value", 422, "A value outside the allowed set or of the wrong type; `field` names it."),
    CorruptFile => ("corrupt_file", 422, "A file that cannot be decoded."),
    ImageTooLarge => ("image_too_large", 422, "An image with more pixels than the server's limit."),
    TooManyAttempts => ("too_many_attempts", 429, "Too many failed sign-ins; `Retry-After` says when to try again."),
    TooManyRequests => ("too_many_requests", 429, "Too many submissions from this address just now; `Retry-After` says when to try again."),
    OriginUnreachable => ("origin_unreachable", 502, "At the edge: no portal node answers, and nothing stored to serve instead."),
    Internal => ("internal", 500, "A fault inside the server; the log has it under the answer's `x-request-id`."),
    StoreUnavailable => ("store_unavailable", 503, "The database cannot be reached just now; retry after `Retry-After`."),
    StorageUnavailable => ("storage_unavailable", 503, "The file store cannot be reached just now."),
    SignInBusy => ("sign_in_busy", 503, "Too many password checks are under way at once; `Retry-After` says when to try again."),
    IntakeBusy => ("intake_busy", 503, "Too many files are waiting to be read (for this user, or in all); `Retry-After` says when to try again."),
}

#[cfg(test)]
mod tests {
    use super::ErrorCode;

    #[test]
    fn codes_are_unique_snake_case_with_error_statuses() {
        let mut seen = std::collections::HashSet::new();
        for c in ErrorCode::ALL {
            assert!(seen.insert(c.as_str()), "{} twice", c.as_str());
            assert!(c
                .as_str()
                .chars()
                .all(|ch| ch.is_ascii_lowercase() || ch == '_'));
            assert!((400..600).contains(&c.status()), "{}", c.as_str());
            assert!(!c.description().is_empty());
        }
    }
}

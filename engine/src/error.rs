//! The engine's error type: it says whose fault a failure is, so `api` can map it to HTTP
//! in one place.

use crate::store::StoreError;

/// What was wrong with the input, when the caller sent something we cannot accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvalidKind {
    /// The body is not valid JSON or has the wrong overall shape.
    Malformed,
    /// A field that the type does not have.
    UnknownField,
    /// A field that must be present is missing or empty.
    Required,
    /// A value longer than its limit.
    TooLong,
    /// A date that is not `YYYY-MM-DD` or a time that is not RFC 3339.
    InvalidDate,
    /// A value outside the allowed set or of the wrong type.
    InvalidValue,
    /// A query-string parameter that cannot be used (400).
    Parameter,
}

impl InvalidKind {
    /// The stable snake_case code that clients see.
    pub fn code(self) -> &'static str {
        match self {
            InvalidKind::Malformed => "malformed",
            InvalidKind::UnknownField => "unknown_field",
            InvalidKind::Required => "required",
            InvalidKind::TooLong => "too_long",
            InvalidKind::InvalidDate => "invalid_date",
            InvalidKind::InvalidValue => "invalid_value",
            InvalidKind::Parameter => "invalid_parameter",
        }
    }
}

/// Every way a use case can fail.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The caller sent input we cannot accept; `field` names where.
    #[error("{message}")]
    Invalid {
        kind: InvalidKind,
        field: Option<String>,
        message: String,
    },
    /// No valid credentials.
    #[error("{0}")]
    Unauthenticated(String),
    /// The actor lacks the role; the message says which role on which site.
    #[error("{0}")]
    Forbidden(String),
    /// The thing does not exist (or the actor may not know it exists).
    #[error("{0} not found")]
    NotFound(String),
    /// The request conflicts with the current state: a stale revision, a taken slug, a
    /// transition the state does not allow, a channel that still holds items.
    #[error("{message}")]
    Conflict {
        code: &'static str,
        message: String,
        field: Option<String>,
        current_revision: Option<u32>,
    },
    /// The store failed; nothing was written.
    #[error("store failure")]
    Store(#[source] StoreError),
    /// A bug or broken invariant inside the engine.
    #[error("internal error: {0}")]
    Internal(String),
}

impl EngineError {
    pub(crate) fn invalid(
        kind: InvalidKind,
        field: impl Into<Option<String>>,
        message: impl Into<String>,
    ) -> Self {
        EngineError::Invalid {
            kind,
            field: field.into(),
            message: message.into(),
        }
    }

    pub(crate) fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        EngineError::Conflict {
            code,
            message: message.into(),
            field: None,
            current_revision: None,
        }
    }

    pub(crate) fn not_found(what: impl Into<String>) -> Self {
        EngineError::NotFound(what.into())
    }
}

impl From<StoreError> for EngineError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::StaleRevision { current } => EngineError::Conflict {
                code: "stale_revision",
                message: format!(
                    "the item was changed meanwhile: your base revision is stale, the current revision is {current}; reload and apply your changes again"
                ),
                field: Some("base_revision".into()),
                current_revision: Some(current),
            },
            StoreError::Duplicate { field, message } => EngineError::Conflict {
                code: "duplicate",
                message,
                field: Some(field),
                current_revision: None,
            },
            StoreError::NotFound(what) => EngineError::NotFound(what),
            other => EngineError::Store(other),
        }
    }
}

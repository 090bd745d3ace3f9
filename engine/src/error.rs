//! The engine's error type: it says whose fault a failure is, so `api` can map it to HTTP
//! in one place.

use crate::error_code::ErrorCode;
use crate::store::StoreError;

/// A cause kept inside an error, for the server log.
pub type Cause = Box<dyn std::error::Error + Send + Sync>;

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
    /// The code that clients see.
    pub fn code(self) -> ErrorCode {
        match self {
            InvalidKind::Malformed => ErrorCode::Malformed,
            InvalidKind::UnknownField => ErrorCode::UnknownField,
            InvalidKind::Required => ErrorCode::Required,
            InvalidKind::TooLong => ErrorCode::TooLong,
            InvalidKind::InvalidDate => ErrorCode::InvalidDate,
            InvalidKind::InvalidValue => ErrorCode::InvalidValue,
            InvalidKind::Parameter => ErrorCode::InvalidParameter,
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
        code: ErrorCode,
        message: String,
        field: Option<String>,
        current_revision: Option<u32>,
    },
    /// The store failed; nothing was written.
    #[error("store failure")]
    Store(#[source] StoreError),
    /// A bug or broken invariant inside the engine (or a failure below it), with its cause
    /// when there is one.
    #[error("internal error: {message}")]
    Internal {
        message: String,
        #[source]
        source: Option<Cause>,
    },
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

    /// Input the caller got wrong, named by its field: for layers above the engine that
    /// read forms before the engine sees them.
    pub fn bad_input(field: &str, message: impl Into<String>) -> Self {
        EngineError::invalid(InvalidKind::InvalidValue, field.to_owned(), message)
    }

    /// A broken invariant, described.
    pub fn internal(message: impl Into<String>) -> Self {
        EngineError::Internal {
            message: message.into(),
            source: None,
        }
    }

    /// A failure below the engine, kept as the source.
    pub fn internal_from(
        message: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        EngineError::Internal {
            message: message.into(),
            source: Some(Box::new(source)),
        }
    }

    pub(crate) fn conflict(code: ErrorCode, message: impl Into<String>) -> Self {
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
                code: ErrorCode::StaleRevision,
                message: format!(
                    "the item was changed meanwhile: your base revision is stale, the current revision is {current}; reload and apply your changes again"
                ),
                field: Some("base_revision".into()),
                current_revision: Some(current),
            },
            StoreError::Duplicate { field, message } => EngineError::Conflict {
                code: ErrorCode::Duplicate,
                message,
                field: Some(field),
                current_revision: None,
            },
            StoreError::NotFound(what) => EngineError::NotFound(what),
            other => EngineError::Store(other),
        }
    }
}

impl From<crate::policy::Denied> for EngineError {
    fn from(d: crate::policy::Denied) -> Self {
        EngineError::Forbidden(d.0)
    }
}

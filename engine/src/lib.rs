//! Portico's domain and its use cases.
//!
//! This crate owns what a government portal network *is*: sites in a tree, channels
//! (chuyên mục), items with immutable revisions, the three-step workflow and the one policy
//! function that decides who may do what. [`Engine`] runs every use case; it talks to the
//! outside only through the [`Store`] and [`Clock`] traits, so it has no HTTP, SQL or files.
//! [`Blobs`] is the object storage of media files, implemented by the storage crate and used
//! by the HTTP layer; the engine decides who may touch a file and when the public sees it.
//!
//! ```text
//! api / binary ──► Engine ──► Store (storage crate: SQLite or PostgreSQL)
//!      │                 └──► Clock
//!      └─────────────────────► Blobs (storage crate: a folder or S3, via object_store)
//! ```

// Unit tests build values from loop counters; the library code is held to the lint.
#![cfg_attr(test, allow(clippy::as_conversions))]

mod auth;
mod clock;
mod content;
mod dependency;
mod error;
mod error_code;
mod event;
mod filters;
mod ids;
mod media;
mod names;
mod participation;
mod policy;
mod render;
mod service;
mod site;
mod store;
pub mod text;
mod user;
mod webhook;
mod webhook_targets;
mod workflow;

pub use auth::{hash_password, verify_password, HashCost, LoginToken, TOKEN_TTL_HOURS};
pub use clock::{vietnam, Clock, ManualClock, SystemClock};
pub use content::{
    serde_error, Article, Attachment, Consultation, Content, Date, Document, EffectStatus,
    ItemKind, Limits, OnlineLevel, Page, Procedure, ProcedureLevel, Question, Relation,
    RelationKind, DEFAULT_SEGMENT, LONG_FIELDS,
};
pub use dependency::Dependency;
pub use error::{Cause, EngineError, InvalidKind};
pub use error_code::ErrorCode;
pub use event::{AuditEntry, Event, EventKind, ItemPayload, MediaChange, MediaPayload, NewEvent};
pub use filters::ContentFilters;
pub use ids::{ChannelId, ItemId, RevisionNo, SiteId, UserId};
pub use media::{
    media_refs, original_key, AttachmentText, BlobError, BlobFuture, Blobs, FileText, FileToRead,
    Media, MediaFile, MediaFilter, MediaId, MediaType, MediaUse, NewMediaRecord,
};
pub use participation::{
    is_email, sections, CommentChange, CommentId, CommentRecord, CommentStatus, Disposition, Mail,
    MailId, NewCommentRecord, NewMail, NewQuestionRecord, QuestionChange, QuestionId,
    QuestionRecord, QuestionStatus, Section, Waiting,
};
pub use policy::{authorize, Actor, Denied, Permission, Role, Scopes};
pub use render::{EscapingRenderer, Renderer};
pub use service::{
    parse_media_type, Activity, AnswerInput, ApiTokenCreated, Asked, AuditLine, AuditQuery, Change,
    ChangesPage, ChannelPatch, CommentInput, ConsultationView, Desk, DeskSite, Engine,
    ExternalIdentity, Grant, HistoryEntry, ItemListPage, ItemListQuery, ItemView, ListedItem,
    MediaDetail, MediaPatch, ModerationInput, NewApiTokenInput, NewChannelInput, NewItemInput,
    NewSiteInput, NewUserInput, NewWebhookInput, PasswordRule, PublicComment, PublicItem,
    PublicPage, QuestionInput, QuestionStatusView, QuestionView, QueueEntry, Report, ReportSection,
    ResponseInput, RevisionSummary, RoleMap, RoleRule, SaveInput, SiteNode, TransitionInput,
    UserPatch, UserWithRoles, WebhookCreated, Window, API_TOKEN_PREFIX, CATALOG_CHECK_EVERY,
    COMMENT_MAX, MAX_API_TOKENS, MAX_AUDIT_PAGE, MAX_ITEM_PAGE, MAX_MEDIA_PAGE, MAX_QUESTION_PAGE,
    QUESTION_MAX,
};
pub use site::{Channel, Site, SiteKind, SiteSettings};
pub use store::{
    count_statement, statements, AccountChange, AuditFilter, AuditRow, ChannelChange, EventLog,
    ItemListCursor, ItemListFilter, ItemRecord, ItemSort, ItemStore, ItemUpdate, ListCursor,
    ListFilter, ListOrder, MediaEvent, MediaStore, MemoryStore, NewApiTokenRecord, NewItemRecord,
    NewRevision, NewSiteRecord, NewUserRecord, ParticipationStore, ProfileChange, ProviderStanding,
    RevisionColumns, RevisionRecord, SiteStore, StateCount, Store, StoreError, StoreResult,
    TextEvent, UserRecord, UserStore, WebhookStore,
};
pub use user::{ApiToken, User, Username};
pub use webhook::{Delivery, DeliveryAttempt, NewWebhookRecord, Webhook, WebhookId};
pub use webhook_targets::{refused_address, Resolver, WebhookTargets};
pub use workflow::{Action, State};

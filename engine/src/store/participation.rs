//! Citizens' questions, comments on consultations, and the mail outbox.

use super::StoreResult;
use crate::event::{AuditEntry, NewEvent};
use crate::ids::{ItemId, SiteId};
use crate::participation::{
    CommentChange, CommentId, CommentRecord, CommentStatus, Mail, MailId, NewCommentRecord,
    NewMail, NewQuestionRecord, QuestionChange, QuestionId, QuestionRecord, QuestionStatus,
    Waiting,
};
use chrono::{DateTime, Utc};

/// Citizens' questions, comments on consultations, and the mail outbox.
pub trait ParticipationStore {
    /// Stores a question and queues its mail.
    fn insert_question(&self, q: &NewQuestionRecord) -> StoreResult<QuestionRecord>;
    fn question(&self, id: QuestionId) -> StoreResult<Option<QuestionRecord>>;
    fn question_by_reference(&self, reference: &str) -> StoreResult<Option<QuestionRecord>>;
    fn question_by_item(&self, item: ItemId) -> StoreResult<Option<QuestionRecord>>;
    /// The question whose confirmation secret hashes to `hash`.
    fn question_by_confirmation(&self, hash: &str) -> StoreResult<Option<QuestionRecord>>;
    /// A question of the site with this fingerprint received at or after `since`.
    fn question_by_fingerprint(
        &self,
        site: SiteId,
        fingerprint: &str,
        since: DateTime<Utc>,
    ) -> StoreResult<Option<QuestionRecord>>;
    /// The site's questions in `status` (every status but unconfirmed when `None`), the
    /// oldest first: the overdue lead.
    fn questions(
        &self,
        site: SiteId,
        status: Option<QuestionStatus>,
        limit: usize,
    ) -> StoreResult<Vec<QuestionRecord>>;
    /// Changes a question at `at` with its audit entry and mail; refused
    /// (`StoreError::Refused`, `already_decided`) when `change.expect` no longer holds.
    fn update_question(
        &self,
        id: QuestionId,
        change: &QuestionChange,
        at: DateTime<Utc>,
        audit: Option<&AuditEntry>,
        mail: &[NewMail],
    ) -> StoreResult<QuestionRecord>;

    /// Stores a comment and queues its mail.
    fn insert_comment(&self, c: &NewCommentRecord) -> StoreResult<CommentRecord>;
    fn comment(&self, id: CommentId) -> StoreResult<Option<CommentRecord>>;
    /// A comment on the item with this fingerprint.
    fn comment_by_fingerprint(
        &self,
        item: ItemId,
        fingerprint: &str,
    ) -> StoreResult<Option<CommentRecord>>;
    /// The item's comments (only those in `status` when given), oldest first.
    fn comments(
        &self,
        item: ItemId,
        status: Option<CommentStatus>,
    ) -> StoreResult<Vec<CommentRecord>>;
    /// Changes a comment with its audit entry and events (an approval purges the pages that
    /// show the draft's comments).
    fn update_comment(
        &self,
        id: CommentId,
        change: &CommentChange,
        at: DateTime<Utc>,
        audit: &AuditEntry,
        events: &[NewEvent],
    ) -> StoreResult<CommentRecord>;

    /// Erases the email, phone and name of what the site received before `before`;
    /// returns how many questions and comments were erased.
    fn erase_participants(&self, site: SiteId, before: DateTime<Utc>) -> StoreResult<u64>;
    /// What waits for staff on each of `sites`.
    fn waiting(&self, sites: &[SiteId]) -> StoreResult<Vec<(SiteId, Waiting)>>;

    /// Queues mail on its own (outside another change).
    fn queue_mail(&self, mail: &[NewMail], at: DateTime<Utc>) -> StoreResult<()>;
    /// Mail not sent yet with fewer than `max_attempts` attempts, oldest first.
    fn pending_mail(&self, max_attempts: u32, limit: usize) -> StoreResult<Vec<Mail>>;
    /// Records an attempt: sent (removed from the outbox) or failed with why.
    fn mail_attempted(&self, id: MailId, error: Option<&str>) -> StoreResult<()>;
}

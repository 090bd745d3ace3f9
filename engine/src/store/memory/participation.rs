//! Questions, comments and the outbox, in memory.

use super::{duplicate, MemoryStore};
use crate::event::{AuditEntry, NewEvent};
use crate::ids::{ItemId, SiteId};
use crate::participation::{
    CommentChange, CommentId, CommentRecord, CommentStatus, Mail, MailId, NewCommentRecord,
    NewMail, NewQuestionRecord, QuestionChange, QuestionId, QuestionRecord, QuestionStatus,
    Waiting,
};
use crate::store::{ParticipationStore, StoreError, StoreResult};
use crate::ErrorCode;
use chrono::{DateTime, Utc};

/// A question as kept: the record and what is never shown.
#[derive(Clone)]
pub(super) struct StoredQuestion {
    record: QuestionRecord,
    fingerprint: String,
    confirm_hash: Option<String>,
}

#[derive(Clone)]
pub(super) struct StoredComment {
    record: CommentRecord,
    fingerprint: String,
}

/// The participation part of the in-memory data.
#[derive(Default)]
pub(super) struct Participation {
    questions: Vec<StoredQuestion>,
    comments: Vec<StoredComment>,
    outbox: Vec<(Mail, Option<String>)>,
}

impl Participation {
    fn queue(&mut self, id: i64, mail: &[NewMail], at: DateTime<Utc>) {
        for (i, m) in mail.iter().enumerate() {
            self.outbox.push((
                Mail {
                    id: MailId(id * 100 + i64::try_from(i).unwrap_or(0)),
                    to: m.to.clone(),
                    template: m.template.clone(),
                    data: m.data.clone(),
                    attempts: 0,
                    created_at: at,
                },
                None,
            ));
        }
    }
}

fn refused(message: String) -> StoreError {
    StoreError::Refused {
        code: ErrorCode::AlreadyDecided,
        message,
    }
}

impl ParticipationStore for MemoryStore {
    fn insert_question(&self, q: &NewQuestionRecord) -> StoreResult<QuestionRecord> {
        let mut d = self.lock();
        if d.participation
            .questions
            .iter()
            .any(|s| s.record.reference == q.reference)
        {
            return Err(duplicate(
                "reference",
                format!("reference {} is taken", q.reference),
            ));
        }
        let id = d.id();
        let record = QuestionRecord {
            id: QuestionId(id),
            site_id: q.site_id,
            reference: q.reference.clone(),
            status: q.status,
            name: q.name.clone(),
            email: q.email.clone(),
            phone: q.phone.clone(),
            title: q.title.clone(),
            body: q.body.clone(),
            field: q.field.clone(),
            received_at: q.received_at,
            item_id: None,
            reason: String::new(),
            forwarded_from: None,
            erased_at: None,
        };
        d.participation.questions.push(StoredQuestion {
            record: record.clone(),
            fingerprint: q.fingerprint.clone(),
            confirm_hash: q.confirm_hash.clone(),
        });
        d.participation.queue(id, &q.mail, q.received_at);
        Ok(record)
    }

    fn question(&self, id: QuestionId) -> StoreResult<Option<QuestionRecord>> {
        Ok(self.find_question(|q| q.record.id == id))
    }

    fn question_by_reference(&self, reference: &str) -> StoreResult<Option<QuestionRecord>> {
        Ok(self.find_question(|q| q.record.reference == reference))
    }

    fn question_by_item(&self, item: ItemId) -> StoreResult<Option<QuestionRecord>> {
        Ok(self.find_question(|q| q.record.item_id == Some(item)))
    }

    fn question_by_confirmation(&self, hash: &str) -> StoreResult<Option<QuestionRecord>> {
        Ok(self.find_question(|q| q.confirm_hash.as_deref() == Some(hash)))
    }

    fn question_by_fingerprint(
        &self,
        site: SiteId,
        fingerprint: &str,
        since: DateTime<Utc>,
    ) -> StoreResult<Option<QuestionRecord>> {
        Ok(self.find_question(|q| {
            q.record.site_id == site
                && q.fingerprint == fingerprint
                && q.record.received_at >= since
        }))
    }

    fn questions(
        &self,
        site: SiteId,
        status: Option<QuestionStatus>,
        limit: usize,
    ) -> StoreResult<Vec<QuestionRecord>> {
        let d = self.lock();
        let mut out: Vec<QuestionRecord> = d
            .participation
            .questions
            .iter()
            .map(|q| &q.record)
            .filter(|q| q.site_id == site)
            .filter(|q| match status {
                Some(s) => q.status == s,
                None => q.status != QuestionStatus::Unconfirmed,
            })
            .cloned()
            .collect();
        out.sort_by_key(|q| (q.status != QuestionStatus::New, q.received_at, q.id));
        out.truncate(limit);
        Ok(out)
    }

    fn update_question(
        &self,
        id: QuestionId,
        change: &QuestionChange,
        at: DateTime<Utc>,
        audit: Option<&AuditEntry>,
        mail: &[NewMail],
    ) -> StoreResult<QuestionRecord> {
        let mut d = self.lock();
        let q = d
            .participation
            .questions
            .iter_mut()
            .find(|q| q.record.id == id)
            .ok_or_else(|| StoreError::NotFound(format!("question {id}")))?;
        if let Some(e) = change.expect {
            if q.record.status != e {
                return Err(refused(format!(
                    "question {id} is {} now, not {e}",
                    q.record.status
                )));
            }
        }
        let r = &mut q.record;
        if let Some(s) = change.status {
            r.status = s;
        }
        if let Some(i) = change.item_id {
            r.item_id = Some(i);
        }
        if let Some(reason) = &change.reason {
            r.reason = reason.clone();
        }
        if let Some(site) = change.site_id {
            r.forwarded_from = Some(r.site_id);
            r.site_id = site;
        }
        if change.erase {
            r.name.clear();
            r.email.clear();
            r.phone.clear();
            r.erased_at = Some(at);
        }
        let record = q.record.clone();
        if let Some(a) = audit {
            d.audit(a, None);
        }
        let n = d.id();
        d.participation.queue(n, mail, at);
        Ok(record)
    }

    fn insert_comment(&self, c: &NewCommentRecord) -> StoreResult<CommentRecord> {
        let mut d = self.lock();
        let id = d.id();
        let record = CommentRecord {
            id: CommentId(id),
            item_id: c.item_id,
            site_id: c.site_id,
            section: c.section.clone(),
            section_label: c.section_label.clone(),
            name: c.name.clone(),
            email: c.email.clone(),
            body: c.body.clone(),
            status: CommentStatus::Pending,
            reason: String::new(),
            disposition: None,
            reply: String::new(),
            received_at: c.received_at,
            moderated_at: None,
            moderated_by: None,
            responded_at: None,
            erased_at: None,
        };
        d.participation.comments.push(StoredComment {
            record: record.clone(),
            fingerprint: c.fingerprint.clone(),
        });
        d.participation.queue(id, &c.mail, c.received_at);
        Ok(record)
    }

    fn comment(&self, id: CommentId) -> StoreResult<Option<CommentRecord>> {
        Ok(self.find_comment(|c| c.record.id == id))
    }

    fn comment_by_fingerprint(
        &self,
        item: ItemId,
        fingerprint: &str,
    ) -> StoreResult<Option<CommentRecord>> {
        Ok(self.find_comment(|c| c.record.item_id == item && c.fingerprint == fingerprint))
    }

    fn comments(
        &self,
        item: ItemId,
        status: Option<CommentStatus>,
    ) -> StoreResult<Vec<CommentRecord>> {
        let d = self.lock();
        Ok(d.participation
            .comments
            .iter()
            .map(|c| &c.record)
            .filter(|c| c.item_id == item && status.is_none_or(|s| c.status == s))
            .cloned()
            .collect())
    }

    fn update_comment(
        &self,
        id: CommentId,
        change: &CommentChange,
        at: DateTime<Utc>,
        audit: &AuditEntry,
        events: &[NewEvent],
    ) -> StoreResult<CommentRecord> {
        let mut d = self.lock();
        let c = d
            .participation
            .comments
            .iter_mut()
            .find(|c| c.record.id == id)
            .ok_or_else(|| StoreError::NotFound(format!("comment {id}")))?;
        let r = &mut c.record;
        if let Some(s) = change.status {
            r.status = s;
        }
        if let Some(reason) = &change.reason {
            r.reason = reason.clone();
        }
        if let Some(disp) = change.disposition {
            r.disposition = Some(disp);
        }
        if let Some(reply) = &change.reply {
            r.reply = reply.clone();
        }
        if let Some((when, who)) = change.moderated {
            r.moderated_at = Some(when);
            r.moderated_by = Some(who);
        }
        if let Some(when) = change.responded_at {
            r.responded_at = Some(when);
        }
        if change.erase {
            r.name.clear();
            r.email.clear();
            r.erased_at = Some(at);
        }
        let record = r.clone();
        d.audit(audit, None);
        for e in events {
            d.event(e, at, None);
        }
        Ok(record)
    }

    fn erase_participants(&self, site: SiteId, before: DateTime<Utc>) -> StoreResult<u64> {
        let mut d = self.lock();
        let mut n = 0;
        for q in &mut d.participation.questions {
            let r = &mut q.record;
            if r.site_id == site && r.received_at < before && r.erased_at.is_none() {
                r.name.clear();
                r.email.clear();
                r.phone.clear();
                r.erased_at = Some(before);
                n += 1;
            }
        }
        for c in &mut d.participation.comments {
            let r = &mut c.record;
            if r.site_id == site && r.received_at < before && r.erased_at.is_none() {
                r.name.clear();
                r.email.clear();
                r.erased_at = Some(before);
                n += 1;
            }
        }
        Ok(n)
    }

    fn waiting(&self, sites: &[SiteId]) -> StoreResult<Vec<(SiteId, Waiting)>> {
        let d = self.lock();
        Ok(sites
            .iter()
            .map(|&s| {
                let questions = d
                    .participation
                    .questions
                    .iter()
                    .filter(|q| q.record.site_id == s && q.record.status == QuestionStatus::New)
                    .count();
                let comments = d
                    .participation
                    .comments
                    .iter()
                    .filter(|c| c.record.site_id == s && c.record.status == CommentStatus::Pending)
                    .count();
                (
                    s,
                    Waiting {
                        questions: u64::try_from(questions).unwrap_or(u64::MAX),
                        comments: u64::try_from(comments).unwrap_or(u64::MAX),
                    },
                )
            })
            .collect())
    }

    fn queue_mail(&self, mail: &[NewMail], at: DateTime<Utc>) -> StoreResult<()> {
        let mut d = self.lock();
        let n = d.id();
        d.participation.queue(n, mail, at);
        Ok(())
    }

    fn pending_mail(&self, max_attempts: u32, limit: usize) -> StoreResult<Vec<Mail>> {
        let d = self.lock();
        Ok(d.participation
            .outbox
            .iter()
            .filter(|(m, _)| m.attempts < max_attempts)
            .take(limit)
            .map(|(m, _)| m.clone())
            .collect())
    }

    fn mail_attempted(&self, id: MailId, error: Option<&str>) -> StoreResult<()> {
        let mut d = self.lock();
        match error {
            None => d.participation.outbox.retain(|(m, _)| m.id != id),
            Some(e) => {
                if let Some((m, last)) = d.participation.outbox.iter_mut().find(|(m, _)| m.id == id)
                {
                    m.attempts += 1;
                    *last = Some(e.to_owned());
                }
            }
        }
        Ok(())
    }
}

impl MemoryStore {
    fn find_question(&self, f: impl Fn(&StoredQuestion) -> bool) -> Option<QuestionRecord> {
        self.lock()
            .participation
            .questions
            .iter()
            .find(|q| f(q))
            .map(|q| q.record.clone())
    }

    fn find_comment(&self, f: impl Fn(&StoredComment) -> bool) -> Option<CommentRecord> {
        self.lock()
            .participation
            .comments
            .iter()
            .find(|c| f(c))
            .map(|c| c.record.clone())
    }
}

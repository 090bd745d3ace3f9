//! Citizens' questions, comments on consultations, and the mail outbox.

use super::log::{append_audit, append_event};
use super::rows::{json, micros, name, opt_time, time};
use super::{args, duplicate, Db, Row};
use chrono::{DateTime, Utc};
use portico_engine::{
    AuditEntry, CommentChange, CommentId, CommentRecord, CommentStatus, ErrorCode, ItemId, Mail,
    MailId, NewCommentRecord, NewEvent, NewMail, NewQuestionRecord, QuestionChange, QuestionId,
    QuestionRecord, QuestionStatus, SiteId, StoreError, UserId, Waiting,
};

const Q_COLS: &str = "id, site_id, reference, status, name, email, phone, title, body, field, \
                      received_at, item_id, reason, forwarded_from, erased_at";

fn question_row(r: &Row) -> Result<QuestionRecord, StoreError> {
    let status: String = r.get(3)?;
    Ok(QuestionRecord {
        id: QuestionId(r.get(0)?),
        site_id: SiteId(r.get(1)?),
        reference: r.get(2)?,
        status: name("question status", &status)?,
        name: r.get(4)?,
        email: r.get(5)?,
        phone: r.get(6)?,
        title: r.get(7)?,
        body: r.get(8)?,
        field: r.get(9)?,
        received_at: time(r.get(10)?)?,
        item_id: r.get::<Option<i64>>(11)?.map(ItemId),
        reason: r.get(12)?,
        forwarded_from: r.get::<Option<i64>>(13)?.map(SiteId),
        erased_at: opt_time(r.get(14)?)?,
    })
}

const C_COLS: &str = "id, item_id, site_id, section, section_label, name, email, body, status, \
                      reason, disposition, reply, received_at, moderated_at, moderated_by, \
                      responded_at, erased_at";

fn comment_row(r: &Row) -> Result<CommentRecord, StoreError> {
    let status: String = r.get(8)?;
    let disposition: Option<String> = r.get(10)?;
    Ok(CommentRecord {
        id: CommentId(r.get(0)?),
        item_id: ItemId(r.get(1)?),
        site_id: SiteId(r.get(2)?),
        section: r.get(3)?,
        section_label: r.get(4)?,
        name: r.get(5)?,
        email: r.get(6)?,
        body: r.get(7)?,
        status: name("comment status", &status)?,
        reason: r.get(9)?,
        disposition: disposition.map(|d| name("disposition", &d)).transpose()?,
        reply: r.get(11)?,
        received_at: time(r.get(12)?)?,
        moderated_at: opt_time(r.get(13)?)?,
        moderated_by: r.get::<Option<i64>>(14)?.map(UserId),
        responded_at: opt_time(r.get(15)?)?,
        erased_at: opt_time(r.get(16)?)?,
    })
}

fn one_question(
    c: &dyn Db,
    filter: &str,
    args: &[super::Value],
) -> Result<Option<QuestionRecord>, StoreError> {
    c.opt_row(
        &format!("SELECT {Q_COLS} FROM questions WHERE {filter} ORDER BY id LIMIT 1"),
        args,
    )?
    .as_ref()
    .map(question_row)
    .transpose()
}

pub(crate) fn queue(tx: &dyn Db, mail: &[NewMail], at: DateTime<Utc>) -> Result<(), StoreError> {
    for m in mail {
        tx.execute(
            "INSERT INTO mail_outbox (to_addr, template, data, created_at) VALUES (?1, ?2, ?3, ?4)",
            args![&m.to, &m.template, m.data.to_string(), micros(at)],
        )?;
    }
    Ok(())
}

pub(crate) fn insert_question(
    tx: &dyn Db,
    q: &NewQuestionRecord,
) -> Result<QuestionRecord, StoreError> {
    let id: i64 = tx
        .value(
            "INSERT INTO questions (site_id, reference, status, name, email, phone, title, body, field,
                                    received_at, fingerprint, confirm_hash)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) RETURNING id",
            args![
                q.site_id.0,
                &q.reference,
                q.status.as_str(),
                &q.name,
                &q.email,
                &q.phone,
                &q.title,
                &q.body,
                &q.field,
                micros(q.received_at),
                &q.fingerprint,
                &q.confirm_hash
            ],
        )
        .map_err(|e| duplicate(e, "reference", || format!("reference {} is taken", q.reference)))?;
    queue(tx, &q.mail, q.received_at)?;
    question(tx, QuestionId(id))?
        .ok_or_else(|| StoreError::Corrupt(format!("question {id} vanished")))
}

pub(crate) fn question(c: &dyn Db, id: QuestionId) -> Result<Option<QuestionRecord>, StoreError> {
    one_question(c, "id = ?1", args![id.0])
}

pub(crate) fn by_reference(c: &dyn Db, r: &str) -> Result<Option<QuestionRecord>, StoreError> {
    one_question(c, "reference = ?1", args![r])
}

pub(crate) fn by_item(c: &dyn Db, item: ItemId) -> Result<Option<QuestionRecord>, StoreError> {
    one_question(c, "item_id = ?1", args![item.0])
}

pub(crate) fn by_confirmation(
    c: &dyn Db,
    hash: &str,
) -> Result<Option<QuestionRecord>, StoreError> {
    one_question(c, "confirm_hash = ?1", args![hash])
}

pub(crate) fn by_fingerprint(
    c: &dyn Db,
    site: SiteId,
    fingerprint: &str,
    since: DateTime<Utc>,
) -> Result<Option<QuestionRecord>, StoreError> {
    one_question(
        c,
        "site_id = ?1 AND fingerprint = ?2 AND received_at >= ?3",
        args![site.0, fingerprint, micros(since)],
    )
}

pub(crate) fn questions(
    c: &dyn Db,
    site: SiteId,
    status: Option<QuestionStatus>,
    limit: usize,
) -> Result<Vec<QuestionRecord>, StoreError> {
    c.query(
        &format!(
            "SELECT {Q_COLS} FROM questions
             WHERE site_id = ?1 AND (CAST(?2 AS TEXT) IS NULL AND status <> 'unconfirmed' OR status = ?2)
             ORDER BY CASE WHEN status = 'new' THEN 0 ELSE 1 END, received_at, id LIMIT ?3"
        ),
        args![site.0, status.map(|s| s.as_str()), limit],
    )?
    .iter()
    .map(question_row)
    .collect()
}

pub(crate) fn update_question(
    tx: &dyn Db,
    id: QuestionId,
    ch: &QuestionChange,
    at: DateTime<Utc>,
    audit: Option<&AuditEntry>,
    mail: &[NewMail],
) -> Result<QuestionRecord, StoreError> {
    let now = question(tx, id)?.ok_or_else(|| StoreError::NotFound(format!("question {id}")))?;
    let changed = tx.execute(
        "UPDATE questions SET
            status = COALESCE(?2, status),
            item_id = COALESCE(?3, item_id),
            reason = COALESCE(?4, reason),
            forwarded_from = CASE WHEN CAST(?5 AS BIGINT) IS NULL THEN forwarded_from ELSE site_id END,
            site_id = COALESCE(?5, site_id),
            name = CASE WHEN CAST(?6 AS BIGINT) = 1 THEN '' ELSE name END,
            email = CASE WHEN CAST(?6 AS BIGINT) = 1 THEN '' ELSE email END,
            phone = CASE WHEN CAST(?6 AS BIGINT) = 1 THEN '' ELSE phone END,
            erased_at = CASE WHEN CAST(?6 AS BIGINT) = 1 THEN ?7 ELSE erased_at END
         WHERE id = ?1 AND (CAST(?8 AS TEXT) IS NULL OR status = ?8)",
        args![
            id.0,
            ch.status.map(|s| s.as_str()),
            ch.item_id.map(|i| i.0),
            &ch.reason,
            ch.site_id.map(|s| s.0),
            ch.erase,
            micros(at),
            ch.expect.map(|s| s.as_str())
        ],
    )?;
    if changed == 0 {
        return Err(StoreError::Refused {
            code: ErrorCode::AlreadyDecided,
            message: format!("question {id} is {} now", now.status),
        });
    }
    if let Some(a) = audit {
        append_audit(tx, a, None)?;
    }
    queue(tx, mail, at)?;
    question(tx, id)?.ok_or_else(|| StoreError::Corrupt(format!("question {id} vanished")))
}

pub(crate) fn insert_comment(
    tx: &dyn Db,
    c: &NewCommentRecord,
) -> Result<CommentRecord, StoreError> {
    let id: i64 = tx.value(
        "INSERT INTO comments (item_id, site_id, section, section_label, name, email, body, status,
                               received_at, fingerprint)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'pending', ?8, ?9) RETURNING id",
        args![
            c.item_id.0,
            c.site_id.0,
            &c.section,
            &c.section_label,
            &c.name,
            &c.email,
            &c.body,
            micros(c.received_at),
            &c.fingerprint
        ],
    )?;
    queue(tx, &c.mail, c.received_at)?;
    comment(tx, CommentId(id))?.ok_or_else(|| StoreError::Corrupt(format!("comment {id} vanished")))
}

pub(crate) fn comment(c: &dyn Db, id: CommentId) -> Result<Option<CommentRecord>, StoreError> {
    c.opt_row(
        &format!("SELECT {C_COLS} FROM comments WHERE id = ?1"),
        args![id.0],
    )?
    .as_ref()
    .map(comment_row)
    .transpose()
}

pub(crate) fn comment_by_fingerprint(
    c: &dyn Db,
    item: ItemId,
    fingerprint: &str,
) -> Result<Option<CommentRecord>, StoreError> {
    c.opt_row(
        &format!(
            "SELECT {C_COLS} FROM comments WHERE item_id = ?1 AND fingerprint = ?2 ORDER BY id LIMIT 1"
        ),
        args![item.0, fingerprint],
    )?
    .as_ref()
    .map(comment_row)
    .transpose()
}

pub(crate) fn comments(
    c: &dyn Db,
    item: ItemId,
    status: Option<CommentStatus>,
) -> Result<Vec<CommentRecord>, StoreError> {
    c.query(
        &format!(
            "SELECT {C_COLS} FROM comments
             WHERE item_id = ?1 AND (CAST(?2 AS TEXT) IS NULL OR status = ?2) ORDER BY id"
        ),
        args![item.0, status.map(|s| s.as_str())],
    )?
    .iter()
    .map(comment_row)
    .collect()
}

pub(crate) fn update_comment(
    tx: &dyn Db,
    id: CommentId,
    ch: &CommentChange,
    at: DateTime<Utc>,
    audit: &AuditEntry,
    events: &[NewEvent],
) -> Result<CommentRecord, StoreError> {
    let changed = tx.execute(
        "UPDATE comments SET
            status = COALESCE(?2, status),
            reason = COALESCE(?3, reason),
            disposition = COALESCE(?4, disposition),
            reply = COALESCE(?5, reply),
            moderated_at = COALESCE(?6, moderated_at),
            moderated_by = COALESCE(?7, moderated_by),
            responded_at = COALESCE(?8, responded_at),
            name = CASE WHEN CAST(?9 AS BIGINT) = 1 THEN '' ELSE name END,
            email = CASE WHEN CAST(?9 AS BIGINT) = 1 THEN '' ELSE email END,
            erased_at = CASE WHEN CAST(?9 AS BIGINT) = 1 THEN ?10 ELSE erased_at END
         WHERE id = ?1",
        args![
            id.0,
            ch.status.map(|s| s.as_str()),
            &ch.reason,
            ch.disposition.map(|d| d.as_str()),
            &ch.reply,
            ch.moderated.map(|(t, _)| micros(t)),
            ch.moderated.map(|(_, u)| u.0),
            ch.responded_at.map(micros),
            ch.erase,
            micros(at)
        ],
    )?;
    if changed == 0 {
        return Err(StoreError::NotFound(format!("comment {id}")));
    }
    append_audit(tx, audit, None)?;
    for e in events {
        append_event(tx, e, micros(at), None)?;
    }
    comment(tx, id)?.ok_or_else(|| StoreError::Corrupt(format!("comment {id} vanished")))
}

pub(crate) fn erase_participants(
    tx: &dyn Db,
    site: SiteId,
    before: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let q = tx.execute(
        "UPDATE questions SET name = '', email = '', phone = '', erased_at = ?3
         WHERE site_id = ?1 AND received_at < ?2 AND erased_at IS NULL",
        args![site.0, micros(before), micros(before)],
    )?;
    let c = tx.execute(
        "UPDATE comments SET name = '', email = '', erased_at = ?3
         WHERE site_id = ?1 AND received_at < ?2 AND erased_at IS NULL",
        args![site.0, micros(before), micros(before)],
    )?;
    Ok(q + c)
}

pub(crate) fn waiting(c: &dyn Db, sites: &[SiteId]) -> Result<Vec<(SiteId, Waiting)>, StoreError> {
    // Two grouped counts for every site at once: a network admin's desk asks for 92.
    let counts = |sql: &str| -> Result<std::collections::HashMap<i64, u64>, StoreError> {
        c.query(sql, &[])?
            .iter()
            .map(|r| {
                let n: i64 = r.get(1)?;
                Ok((r.get::<i64>(0)?, u64::try_from(n).unwrap_or(0)))
            })
            .collect()
    };
    let questions =
        counts("SELECT site_id, COUNT(*) FROM questions WHERE status = 'new' GROUP BY site_id")?;
    let comments =
        counts("SELECT site_id, COUNT(*) FROM comments WHERE status = 'pending' GROUP BY site_id")?;
    Ok(sites
        .iter()
        .map(|&s| {
            let n = |m: &std::collections::HashMap<i64, u64>| m.get(&s.0).copied().unwrap_or(0);
            (
                s,
                Waiting {
                    questions: n(&questions),
                    comments: n(&comments),
                },
            )
        })
        .collect())
}

pub(crate) fn pending_mail(
    c: &dyn Db,
    max_attempts: u32,
    limit: usize,
) -> Result<Vec<Mail>, StoreError> {
    c.query(
        "SELECT id, to_addr, template, data, attempts, created_at FROM mail_outbox
         WHERE attempts < ?1 ORDER BY id LIMIT ?2",
        args![max_attempts, limit],
    )?
    .iter()
    .map(|r| {
        let data: String = r.get(3)?;
        Ok(Mail {
            id: MailId(r.get(0)?),
            to: r.get(1)?,
            template: r.get(2)?,
            data: json(&data)?,
            attempts: r.get(4)?,
            created_at: time(r.get(5)?)?,
        })
    })
    .collect()
}

pub(crate) fn mail_attempted(
    tx: &dyn Db,
    id: MailId,
    error: Option<&str>,
) -> Result<(), StoreError> {
    match error {
        None => tx.execute("DELETE FROM mail_outbox WHERE id = ?1", args![id.0])?,
        Some(e) => tx.execute(
            "UPDATE mail_outbox SET attempts = attempts + 1, last_error = ?2 WHERE id = ?1",
            args![id.0, e],
        )?,
    };
    Ok(())
}

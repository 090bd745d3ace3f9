//! Citizens' questions (hỏi – đáp): asked in public, kept apart with the asker's personal
//! data, answered by staff as an item of kind `question` that passes the three steps.

use super::{clean_name, Engine, NewItemInput};
use crate::content::ItemKind;
use crate::error::{EngineError, InvalidKind};
use crate::ids::ItemId;
use crate::participation::{
    is_email, NewMail, NewQuestionRecord, QuestionChange, QuestionId, QuestionRecord,
    QuestionStatus,
};
use crate::policy::{Actor, Permission};
use crate::site::Site;
use crate::store::StoreError;
use crate::ErrorCode;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// The longest question a citizen may send, in characters.
pub const QUESTION_MAX: usize = 10_000;
/// How long a second sending of the same question is folded into the first.
const FOLD_WITHIN: Duration = Duration::hours(24);
/// How many questions a staff list shows at most.
pub const MAX_QUESTION_PAGE: usize = 500;

/// `POST /api/v1/public/sites/{site}/questions`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuestionInput {
    pub name: String,
    pub email: String,
    #[serde(default)]
    pub phone: String,
    pub title: String,
    pub body: String,
    #[serde(default)]
    pub field: String,
    /// A field people never see and robots fill in (a honeypot): a question that has it is
    /// answered as if taken, and dropped.
    #[serde(default)]
    pub website: String,
}

/// What the asker is told: the reference to follow the question by.
#[derive(Debug, Clone, Serialize)]
pub struct Asked {
    pub reference: String,
    pub status: QuestionStatus,
}

/// What anyone holding a reference may learn: where the question is, never who asked.
#[derive(Debug, Clone, Serialize)]
pub struct QuestionStatusView {
    pub reference: String,
    pub site: String,
    pub status: QuestionStatus,
    pub title: String,
    pub received_at: DateTime<Utc>,
    /// The published answer's slug, once public.
    pub answer_slug: Option<String>,
    /// Why it was not answered.
    pub reason: Option<String>,
}

/// A question as staff see it, with its deadline.
#[derive(Debug, Clone, Serialize)]
pub struct QuestionView {
    #[serde(flatten)]
    pub record: QuestionRecord,
    pub site: String,
    pub forwarded_from_site: Option<String>,
    /// The last day to answer (received + the site's days).
    pub due_on: DateTime<Utc>,
    pub overdue: bool,
}

/// `POST /api/v1/questions/{id}/answer`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnswerInput {
    pub answer: String,
    /// The title shown (the asker's by default).
    #[serde(default)]
    pub title: Option<String>,
    /// The name shown (the asker's by default; staff may shorten it).
    #[serde(default)]
    pub asker: Option<String>,
    /// Channels of the answer (the site's `hoi-dap` channel by default, when it has one).
    #[serde(default)]
    pub channels: Option<Vec<String>>,
}

impl Engine {
    /// Takes a citizen's question for `site`. Personal data is checked and kept with the
    /// question only; a second sending within a day is folded into the first.
    pub fn ask_question(&self, site: &str, input: QuestionInput) -> Result<Asked, EngineError> {
        let site = self.site_by_slug(site)?;
        let name = clean_name("name", &input.name, 100)?;
        let email = clean_name("email", &input.email, 254)?.to_lowercase();
        if !is_email(&email) {
            return Err(EngineError::invalid(
                InvalidKind::InvalidValue,
                "email".to_owned(),
                "email must be an email address such as ten@example.vn",
            ));
        }
        let phone = crate::text::nfc(input.phone.trim());
        if phone.chars().count() > 20
            || !phone
                .chars()
                .all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '.' | '-' | '(' | ')'))
        {
            return Err(EngineError::invalid(
                InvalidKind::InvalidValue,
                "phone".to_owned(),
                "phone must be a telephone number of at most 20 digits and + . - ( )",
            ));
        }
        let title = clean_name("title", &input.title, 300)?;
        let body = clean_text("body", &input.body, QUESTION_MAX)?;
        let field = match input.field.trim() {
            "" => String::new(),
            f => clean_name("field", f, 100)?,
        };
        let now = self.clock.now();
        if !input.website.trim().is_empty() {
            return Ok(Asked {
                reference: new_reference(),
                status: QuestionStatus::New,
            });
        }
        let fingerprint = fingerprint(&[&site.slug, &email, &title, &body]);
        if let Some(q) =
            self.store
                .question_by_fingerprint(site.id, &fingerprint, now - FOLD_WITHIN)?
        {
            return Ok(Asked {
                reference: q.reference,
                status: q.status,
            });
        }
        let confirm = site.settings.confirm_questions && self.mail;
        let secret = confirm.then(crate::auth::new_token);
        let facts = |reference: &str| {
            json!({"site": site.slug, "site_name": site.name, "reference": reference,
                   "title": title})
        };
        for _ in 0..5 {
            let reference = new_reference();
            let mut mail = Vec::new();
            if let Some(secret) = &secret {
                let mut data = facts(&reference);
                if let Some(o) = data.as_object_mut() {
                    o.insert("token".into(), json!(secret));
                }
                mail.push(self.mail_to(&email, "question_confirm", data));
            } else {
                mail.push(self.mail_to(&email, "question_received", facts(&reference)));
                mail.push(self.staff_mail(&site, "staff_question", facts(&reference)));
            }
            let record = NewQuestionRecord {
                site_id: site.id,
                reference: reference.clone(),
                status: if confirm {
                    QuestionStatus::Unconfirmed
                } else {
                    QuestionStatus::New
                },
                name: name.clone(),
                email: email.clone(),
                phone: phone.clone(),
                title: title.clone(),
                body: body.clone(),
                field: field.clone(),
                received_at: now,
                fingerprint: fingerprint.clone(),
                confirm_hash: secret.as_deref().map(crate::auth::token_hash),
                mail: mail.into_iter().flatten().collect(),
            };
            match self.store.insert_question(&record) {
                Ok(q) => {
                    return Ok(Asked {
                        reference: q.reference,
                        status: q.status,
                    })
                }
                // Two references alike: draw again.
                Err(StoreError::Duplicate { .. }) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(EngineError::internal("no free question reference"))
    }

    /// The asker confirms their email with the secret mailed to them: the question goes to
    /// staff. Confirming twice is harmless (the link is kept: a mail client that opens links
    /// to look at them first must not make the person's own click fail).
    pub fn confirm_question(&self, secret: &str) -> Result<Asked, EngineError> {
        let q = self
            .store
            .question_by_confirmation(&crate::auth::token_hash(secret.trim()))?
            .ok_or_else(|| EngineError::not_found("confirmation"))?;
        if q.status != QuestionStatus::Unconfirmed {
            return Ok(Asked {
                reference: q.reference,
                status: q.status,
            });
        }
        let site = self.site(q.site_id)?;
        let facts = json!({"site": site.slug, "site_name": site.name,
                           "reference": q.reference, "title": q.title});
        let mail: Vec<NewMail> = self
            .staff_mail(&site, "staff_question", facts)
            .into_iter()
            .collect();
        let q = self.store.update_question(
            q.id,
            &QuestionChange {
                status: Some(QuestionStatus::New),
                expect: Some(QuestionStatus::Unconfirmed),
                ..Default::default()
            },
            self.clock.now(),
            None,
            &mail,
        )?;
        Ok(Asked {
            reference: q.reference,
            status: q.status,
        })
    }

    /// Where a question is, for whoever holds its reference.
    pub fn question_status(&self, reference: &str) -> Result<QuestionStatusView, EngineError> {
        let q = self
            .store
            .question_by_reference(reference.trim())?
            .filter(|q| q.status != QuestionStatus::Unconfirmed)
            .ok_or_else(|| EngineError::not_found(format!("question {}", reference.trim())))?;
        let site = self.site(q.site_id)?;
        let answer_slug = match (q.status, q.item_id) {
            (QuestionStatus::Published, Some(item)) => {
                self.public_item_by_id(item)?.map(|i| i.slug)
            }
            _ => None,
        };
        Ok(QuestionStatusView {
            reference: q.reference,
            site: site.slug,
            status: q.status,
            title: q.title,
            received_at: q.received_at,
            answer_slug,
            reason: (q.status == QuestionStatus::Rejected).then_some(q.reason),
        })
    }

    /// The questions a site received, by status (all but unconfirmed when `None`), the
    /// oldest first so the overdue lead.
    pub fn questions(
        &self,
        actor: &Actor,
        site: &str,
        status: Option<QuestionStatus>,
    ) -> Result<Vec<QuestionView>, EngineError> {
        let site = self.site_by_slug(site)?;
        self.allow(actor, &site, Permission::ViewSite)?;
        let list = self.store.questions(site.id, status, MAX_QUESTION_PAGE)?;
        list.into_iter().map(|q| self.question_view(q)).collect()
    }

    /// One question, for staff of its site.
    pub fn question(&self, actor: &Actor, id: QuestionId) -> Result<QuestionView, EngineError> {
        let (q, site) = self.visible_question(actor, id, Permission::ViewSite)?;
        let _ = site;
        self.question_view(q)
    }

    /// Answers a question: a draft item of kind `question` holding the question and the
    /// answer, owned by the actor, which then passes the workflow like any item.
    pub fn answer_question(
        &self,
        actor: &Actor,
        id: QuestionId,
        input: AnswerInput,
    ) -> Result<crate::ItemView, EngineError> {
        let (q, site) = self.visible_question(actor, id, Permission::AnswerQuestions)?;
        if q.status != QuestionStatus::New {
            return Err(decided(&format!("question {id} is {}", q.status)));
        }
        let answer = clean_text("answer", &input.answer, self.limits.body)?;
        let title = match input.title.as_deref().map(str::trim) {
            Some(t) if !t.is_empty() => clean_name("title", t, 300)?,
            _ => q.title.clone(),
        };
        let asker = match input.asker.as_deref().map(str::trim) {
            Some(a) if !a.is_empty() => clean_name("asker", a, 100)?,
            _ => q.name.clone(),
        };
        let channels = match input.channels {
            Some(c) => c,
            None => self
                .store
                .channels(site.id)?
                .into_iter()
                .filter(|c| c.slug == "hoi-dap")
                .map(|c| c.slug)
                .collect(),
        };
        let asked_on = q.received_at.with_timezone(&crate::vietnam()).date_naive();
        let answered_by = site
            .settings
            .agency
            .clone()
            .unwrap_or_else(|| site.name.clone());
        let view = self.create_item(
            actor,
            &site.slug,
            NewItemInput {
                kind: ItemKind::Question.as_str().to_owned(),
                channels,
                slug: None,
                fields: json!({"title": title, "question": q.body, "asker": asker,
                               "field": q.field, "asked_on": asked_on.format("%Y-%m-%d").to_string(),
                               "answer": answer, "answered_by": answered_by}),
            },
        )?;
        let mut audit = self.audit(Some(actor), "question.answer");
        audit.site_id = Some(site.id);
        audit.item_id = Some(view.id);
        audit.comment = Some(format!("question {}", q.reference));
        self.store.update_question(
            q.id,
            &QuestionChange {
                status: Some(QuestionStatus::Answered),
                item_id: Some(view.id),
                expect: Some(QuestionStatus::New),
                ..Default::default()
            },
            self.clock.now(),
            Some(&audit),
            &[],
        )?;
        Ok(view)
    }

    /// Declines a question with the reason the asker is told.
    pub fn reject_question(
        &self,
        actor: &Actor,
        id: QuestionId,
        reason: &str,
    ) -> Result<QuestionView, EngineError> {
        let (q, site) = self.visible_question(actor, id, Permission::AnswerQuestions)?;
        if q.status != QuestionStatus::New {
            return Err(decided(&format!("question {id} is {}", q.status)));
        }
        let reason = clean_text("reason", reason, 2_000)?;
        let mut audit = self.audit(Some(actor), "question.reject");
        audit.site_id = Some(site.id);
        audit.comment = Some(format!("question {}: {reason}", q.reference));
        let mail: Vec<NewMail> = self
            .mail_to(
                &q.email,
                "question_rejected",
                json!({"site": site.slug, "site_name": site.name, "reference": q.reference,
                       "title": q.title, "reason": reason}),
            )
            .into_iter()
            .collect();
        let q = self.store.update_question(
            q.id,
            &QuestionChange {
                status: Some(QuestionStatus::Rejected),
                reason: Some(reason),
                expect: Some(QuestionStatus::New),
                ..Default::default()
            },
            self.clock.now(),
            Some(&audit),
            &mail,
        )?;
        self.question_view(q)
    }

    /// Sends a question to the portal of the agency that should answer it.
    pub fn forward_question(
        &self,
        actor: &Actor,
        id: QuestionId,
        to: &str,
        note: &str,
    ) -> Result<QuestionView, EngineError> {
        let (q, site) = self.visible_question(actor, id, Permission::AnswerQuestions)?;
        if q.status != QuestionStatus::New {
            return Err(decided(&format!("question {id} is {}", q.status)));
        }
        let target = self.site_by_slug(to).map_err(|_| {
            EngineError::invalid(
                InvalidKind::InvalidValue,
                "site".to_owned(),
                format!("no portal '{to}' in the network"),
            )
        })?;
        if target.id == site.id {
            return Err(EngineError::invalid(
                InvalidKind::InvalidValue,
                "site".to_owned(),
                "the question is already on this portal",
            ));
        }
        let note = match note.trim() {
            "" => String::new(),
            n => clean_text("note", n, 2_000)?,
        };
        let mut audit = self.audit(Some(actor), "question.forward");
        audit.site_id = Some(site.id);
        audit.comment = Some(format!("question {} to '{}'", q.reference, target.slug));
        let mail: Vec<NewMail> = self
            .staff_mail(
                &target,
                "staff_question",
                json!({"site": target.slug, "site_name": target.name,
                       "reference": q.reference, "title": q.title, "from": site.name}),
            )
            .into_iter()
            .collect();
        let q = self.store.update_question(
            q.id,
            &QuestionChange {
                site_id: Some(target.id),
                reason: Some(note),
                expect: Some(QuestionStatus::New),
                ..Default::default()
            },
            self.clock.now(),
            Some(&audit),
            &mail,
        )?;
        self.question_view(q)
    }

    /// Erases the asker's email, phone and name at their request.
    pub fn erase_question(
        &self,
        actor: &Actor,
        id: QuestionId,
    ) -> Result<QuestionView, EngineError> {
        let (q, site) = self.visible_question(actor, id, Permission::ErasePersonalData)?;
        let mut audit = self.audit(Some(actor), "question.erase");
        audit.site_id = Some(site.id);
        audit.comment = Some(format!("question {}", q.reference));
        let q = self.store.update_question(
            q.id,
            &QuestionChange {
                erase: true,
                ..Default::default()
            },
            self.clock.now(),
            Some(&audit),
            &[],
        )?;
        self.question_view(q)
    }

    /// After an answer is published: the question is published and its asker told.
    pub(super) fn answer_published(&self, item: ItemId) -> Result<(), EngineError> {
        let Some(q) = self.store.question_by_item(item)? else {
            return Ok(());
        };
        if q.status != QuestionStatus::Answered {
            return Ok(());
        }
        let site = self.site(q.site_id)?;
        let public = self.public_item_by_id(item)?;
        let mail: Vec<NewMail> = self
            .mail_to(
                &q.email,
                "question_published",
                json!({"site": site.slug, "site_name": site.name, "reference": q.reference,
                       "title": q.title, "slug": public.as_ref().map(|p| p.slug.clone()),
                       "channel": public.as_ref().and_then(|p| p.channels.first().cloned())}),
            )
            .into_iter()
            .collect();
        match self.store.update_question(
            q.id,
            &QuestionChange {
                status: Some(QuestionStatus::Published),
                expect: Some(QuestionStatus::Answered),
                ..Default::default()
            },
            self.clock.now(),
            None,
            &mail,
        ) {
            Ok(_) | Err(StoreError::Refused { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    fn visible_question(
        &self,
        actor: &Actor,
        id: QuestionId,
        perm: Permission,
    ) -> Result<(QuestionRecord, Site), EngineError> {
        let q = self
            .store
            .question(id)?
            .filter(|q| q.status != QuestionStatus::Unconfirmed)
            .ok_or_else(|| EngineError::not_found(format!("question {id}")))?;
        let site = self.site(q.site_id)?;
        self.allow(actor, &site, perm)?;
        Ok((q, site))
    }

    fn question_view(&self, q: QuestionRecord) -> Result<QuestionView, EngineError> {
        let site = self.site(q.site_id)?;
        let from = q.forwarded_from.map(|s| self.site(s)).transpose()?;
        let due_on = q.received_at + Duration::days(i64::from(site.settings.answer_days()));
        let overdue = q.status == QuestionStatus::New && self.clock.now() > due_on;
        Ok(QuestionView {
            record: q,
            site: site.slug,
            forwarded_from_site: from.map(|s| s.slug),
            due_on,
            overdue,
        })
    }

    /// Mail waiting to be sent (fewer than `max_attempts` tries so far), oldest first: for the
    /// sender on the leading node.
    pub fn outbox(&self, max_attempts: u32, limit: usize) -> Result<Vec<crate::Mail>, EngineError> {
        Ok(self.store.pending_mail(max_attempts, limit)?)
    }

    /// Records a sending: gone from the outbox, or counted as a failed try with why.
    pub fn mail_attempted(
        &self,
        id: crate::MailId,
        error: Option<&str>,
    ) -> Result<(), EngineError> {
        Ok(self.store.mail_attempted(id, error)?)
    }

    /// A message to `to`, when mail is configured and there is an address.
    pub(super) fn mail_to(
        &self,
        to: &str,
        template: &str,
        data: serde_json::Value,
    ) -> Option<NewMail> {
        (self.mail && !to.is_empty()).then(|| NewMail {
            to: to.to_owned(),
            template: template.to_owned(),
            data,
        })
    }

    /// A message to the site's staff address, when it has one.
    pub(super) fn staff_mail(
        &self,
        site: &Site,
        template: &str,
        data: serde_json::Value,
    ) -> Option<NewMail> {
        let to = site.settings.notify_email.as_deref()?;
        self.mail_to(to, template, data)
    }
}

/// A question reference: `HD-` and eight characters nobody misreads over the phone.
fn new_reference() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    let mut rng = rand::thread_rng();
    let code: String = (0..8)
        .filter_map(|_| ALPHABET.get(rng.gen_range(0..ALPHABET.len())))
        .map(|&b| char::from(b))
        .collect();
    format!("HD-{code}")
}

/// What makes two sendings the same: a hash of their parts, so the store keeps no second
/// copy of the text to compare.
pub(super) fn fingerprint(parts: &[&str]) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.trim().to_lowercase().as_bytes());
        h.update([0u8]);
    }
    h.finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<String>()
}

/// Checks a text of several lines: NFC, trimmed, non-empty, at most `max` characters, no
/// control characters but line breaks and tabs.
pub(super) fn clean_text(field: &str, v: &str, max: usize) -> Result<String, EngineError> {
    let v = crate::text::nfc(v.trim()).replace("\r\n", "\n");
    if v.is_empty() {
        return Err(EngineError::invalid(
            InvalidKind::Required,
            field.to_owned(),
            format!("{field} must not be empty"),
        ));
    }
    let n = v.chars().count();
    if n > max {
        return Err(EngineError::invalid(
            InvalidKind::TooLong,
            field.to_owned(),
            format!("{field} is {n} characters long; at most {max} are allowed"),
        ));
    }
    if v.chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\t'))
    {
        return Err(EngineError::invalid(
            InvalidKind::InvalidValue,
            field.to_owned(),
            format!("{field} contains control characters"),
        ));
    }
    Ok(v)
}

/// A question or comment staff already decided on.
pub(super) fn decided(what: &str) -> EngineError {
    EngineError::conflict(
        ErrorCode::AlreadyDecided,
        format!("{what}; it was already decided on"),
    )
}

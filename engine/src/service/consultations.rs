//! Consultations on drafts (lấy ý kiến): the draft cut into sections, comments taken while
//! open, moderated before anyone sees them, answered by the drafting agency, and the report
//! of what was taken up and why (báo cáo tiếp thu, giải trình).

use super::questions::{clean_text, decided, fingerprint};
use super::{clean_name, Engine};
use crate::content::{Consultation, Content, ItemKind};
use crate::error::{EngineError, InvalidKind};
use crate::event::NewEvent;
use crate::ids::ItemId;
use crate::participation::{
    is_email, sections, CommentChange, CommentId, CommentRecord, CommentStatus, Disposition,
    NewCommentRecord, NewMail, Section,
};
use crate::policy::{Actor, Permission};
use crate::site::Site;
use crate::ErrorCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// The longest comment, in characters.
pub const COMMENT_MAX: usize = 10_000;

/// `POST /api/v1/public/items/{id}/comments`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommentInput {
    /// The section commented on (`dieu-3`); none for the draft as a whole.
    #[serde(default)]
    pub section: Option<String>,
    pub name: String,
    pub email: String,
    pub body: String,
    /// The honeypot, as for questions.
    #[serde(default)]
    pub website: String,
}

/// A comment as the public sees it: no email, ever.
#[derive(Debug, Clone, Serialize)]
pub struct PublicComment {
    pub id: CommentId,
    pub section: Option<String>,
    pub section_label: String,
    pub name: String,
    pub body: String,
    pub received_at: DateTime<Utc>,
    /// The agency's answer, once its report is public.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disposition: Option<Disposition>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reply: Option<String>,
}

/// Whether a consultation takes comments now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Window {
    NotYetOpen,
    Open,
    Closed,
}

/// A consultation's sections and its window, for its page.
#[derive(Debug, Clone, Serialize)]
pub struct ConsultationView {
    pub item: ItemId,
    pub opens_at: DateTime<Utc>,
    pub closes_at: DateTime<Utc>,
    pub window: Window,
    pub sections: Vec<Section>,
    pub report_published: bool,
}

/// The report of comments taken up and explained, grouped by section in the draft's order.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub item: ItemId,
    pub site: String,
    pub title: String,
    pub agency: String,
    pub opens_at: DateTime<Utc>,
    pub closes_at: DateTime<Utc>,
    pub sections: Vec<ReportSection>,
    /// Approved comments, and how many of them were answered each way.
    pub total: usize,
    pub accepted: usize,
    pub partly: usize,
    pub not_accepted: usize,
    pub unanswered: usize,
}

/// One section of the report.
#[derive(Debug, Clone, Serialize)]
pub struct ReportSection {
    /// `None`: comments on the draft as a whole.
    pub id: Option<String>,
    pub label: String,
    pub heading: String,
    pub comments: Vec<PublicComment>,
}

/// `POST /api/v1/comments/{cid}/moderation`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModerationInput {
    /// `approve` or `reject`.
    pub decision: String,
    #[serde(default)]
    pub reason: String,
}

/// `POST /api/v1/comments/{cid}/response`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResponseInput {
    pub disposition: String,
    pub reply: String,
}

impl Engine {
    /// A published consultation's sections and whether it is open, for anyone.
    pub fn consultation(&self, id: ItemId) -> Result<ConsultationView, EngineError> {
        let (c, _) = self.live_consultation(id)?;
        Ok(ConsultationView {
            item: id,
            opens_at: c.opens_at,
            closes_at: c.closes_at,
            window: self.window(&c),
            sections: sections(&c.body),
            report_published: c.report_published,
        })
    }

    /// Takes a comment on an open consultation; it waits for moderation.
    pub fn comment(&self, id: ItemId, input: CommentInput) -> Result<CommentStatus, EngineError> {
        let (c, site) = self.live_consultation(id)?;
        let name = clean_name("name", &input.name, 100)?;
        let email = clean_name("email", &input.email, 254)?.to_lowercase();
        if !is_email(&email) {
            return Err(EngineError::invalid(
                InvalidKind::InvalidValue,
                "email".to_owned(),
                "email must be an email address such as ten@example.vn",
            ));
        }
        let body = clean_text("body", &input.body, COMMENT_MAX)?;
        let parts = sections(&c.body);
        let section = match input.section.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(s) => Some(parts.iter().find(|p| p.id == s).ok_or_else(|| {
                EngineError::invalid(
                    InvalidKind::InvalidValue,
                    "section".to_owned(),
                    format!("the draft has no section '{s}'; GET its sections for their ids"),
                )
            })?),
        };
        match self.window(&c) {
            Window::Open => {}
            Window::NotYetOpen => {
                return Err(EngineError::conflict(
                    ErrorCode::ConsultationClosed,
                    format!(
                        "comments open at {}",
                        c.opens_at.with_timezone(&crate::vietnam()).to_rfc3339()
                    ),
                ))
            }
            Window::Closed => {
                return Err(EngineError::conflict(
                    ErrorCode::ConsultationClosed,
                    format!(
                        "comments closed at {}",
                        c.closes_at.with_timezone(&crate::vietnam()).to_rfc3339()
                    ),
                ))
            }
        }
        if !input.website.trim().is_empty() {
            return Ok(CommentStatus::Pending);
        }
        let section_id = section.map(|s| s.id.clone());
        let fingerprint = fingerprint(&[
            &id.to_string(),
            &email,
            section_id.as_deref().unwrap_or(""),
            &body,
        ]);
        if let Some(old) = self.store.comment_by_fingerprint(id, &fingerprint)? {
            return Ok(old.status);
        }
        let mail: Vec<NewMail> = self
            .staff_mail(
                &site,
                "staff_comment",
                json!({"site": site.slug, "site_name": site.name, "item": id,
                       "title": c.title,
                       "section": section.map(|s| s.label.clone())}),
            )
            .into_iter()
            .collect();
        let made = self.store.insert_comment(&NewCommentRecord {
            item_id: id,
            site_id: site.id,
            section: section_id,
            section_label: section.map(|s| s.label.clone()).unwrap_or_default(),
            name,
            email,
            body,
            received_at: self.clock.now(),
            fingerprint,
            mail,
        })?;
        Ok(made.status)
    }

    /// The approved comments of a published consultation, oldest first, with the agency's
    /// answers once its report is public.
    pub fn public_comments(&self, id: ItemId) -> Result<Vec<PublicComment>, EngineError> {
        let (c, _) = self.live_consultation(id)?;
        Ok(self
            .store
            .comments(id, Some(CommentStatus::Approved))?
            .into_iter()
            .map(|r| public_comment(r, c.report_published))
            .collect())
    }

    /// Every comment on a consultation with its status and the sender's email, for staff of
    /// its site.
    pub fn comments(
        &self,
        actor: &Actor,
        id: ItemId,
        status: Option<CommentStatus>,
    ) -> Result<Vec<CommentRecord>, EngineError> {
        let (item, _) = self.visible_item(actor, id)?;
        if item.kind != ItemKind::Consultation {
            return Err(not_a_consultation(id));
        }
        Ok(self.store.comments(id, status)?)
    }

    /// Approves a comment (it becomes public) or rejects it (with a reason staff keep).
    pub fn moderate_comment(
        &self,
        actor: &Actor,
        id: CommentId,
        input: ModerationInput,
    ) -> Result<CommentRecord, EngineError> {
        let (c, site) = self.visible_comment(actor, id)?;
        let status = match input.decision.trim() {
            "approve" => CommentStatus::Approved,
            "reject" => CommentStatus::Rejected,
            other => {
                return Err(EngineError::invalid(
                    InvalidKind::InvalidValue,
                    "decision".to_owned(),
                    format!("decision '{other}' is not one of: approve, reject"),
                ))
            }
        };
        if c.status == status {
            return Err(decided(&format!("comment {id} is already {status}")));
        }
        let reason = match input.reason.trim() {
            "" => String::new(),
            r => clean_text("reason", r, 2_000)?,
        };
        let mut audit = self.audit(Some(actor), &format!("comment.{}", input.decision.trim()));
        audit.site_id = Some(site.id);
        audit.item_id = Some(c.item_id);
        audit.comment = Some(match reason.as_str() {
            "" => format!("comment {id}"),
            r => format!("comment {id}: {r}"),
        });
        let now = self.clock.now();
        // Public either before or after: the consultation's page changes.
        let events = [NewEvent::comments_changed(site.id, c.item_id, id.0)];
        Ok(self.store.update_comment(
            id,
            &CommentChange {
                status: Some(status),
                reason: Some(reason),
                moderated: Some((now, actor.user_id)),
                ..Default::default()
            },
            self.clock.now(),
            &audit,
            if c.status == CommentStatus::Approved || status == CommentStatus::Approved {
                &events
            } else {
                &[]
            },
        )?)
    }

    /// The drafting agency's answer to a comment: taken up, partly, or not, and why.
    pub fn respond_to_comment(
        &self,
        actor: &Actor,
        id: CommentId,
        input: ResponseInput,
    ) -> Result<CommentRecord, EngineError> {
        let (c, site) = self.visible_comment(actor, id)?;
        let disposition: Disposition = super::parse_enum("disposition", input.disposition.trim())?;
        if c.status == CommentStatus::Rejected {
            return Err(decided(&format!(
                "comment {id} was rejected; approve it before answering it"
            )));
        }
        let reply = clean_text("reply", &input.reply, COMMENT_MAX)?;
        let mut audit = self.audit(Some(actor), "comment.respond");
        audit.site_id = Some(site.id);
        audit.item_id = Some(c.item_id);
        audit.comment = Some(format!("comment {id}: {disposition}"));
        Ok(self.store.update_comment(
            id,
            &CommentChange {
                disposition: Some(disposition),
                reply: Some(reply),
                responded_at: Some(self.clock.now()),
                ..Default::default()
            },
            self.clock.now(),
            &audit,
            &[NewEvent::comments_changed(site.id, c.item_id, id.0)],
        )?)
    }

    /// Erases a commenter's email and name at their request.
    pub fn erase_comment(
        &self,
        actor: &Actor,
        id: CommentId,
    ) -> Result<CommentRecord, EngineError> {
        let (c, site) = self.visible_comment(actor, id)?;
        self.allow(actor, &site, Permission::ErasePersonalData)?;
        let mut audit = self.audit(Some(actor), "comment.erase");
        audit.site_id = Some(site.id);
        audit.item_id = Some(c.item_id);
        audit.comment = Some(format!("comment {id}"));
        Ok(self.store.update_comment(
            id,
            &CommentChange {
                erase: true,
                ..Default::default()
            },
            self.clock.now(),
            &audit,
            &[NewEvent::comments_changed(site.id, c.item_id, id.0)],
        )?)
    }

    /// The report of comments taken up and explained, for staff of the consultation's site
    /// (from its working copy: the report is written before it is published).
    pub fn comment_report(&self, actor: &Actor, id: ItemId) -> Result<Report, EngineError> {
        let (item, site) = self.visible_item(actor, id)?;
        if item.kind != ItemKind::Consultation {
            return Err(not_a_consultation(id));
        }
        let rev = self.working_revision(&item)?;
        let Content::Consultation(c) = Content::from_stored(item.kind, rev.fields)? else {
            return Err(not_a_consultation(id));
        };
        self.report(id, &site, &c)
    }

    /// The report as the public sees it, when the agency published it with the draft.
    pub fn public_report(&self, id: ItemId) -> Result<Report, EngineError> {
        let (c, site) = self.live_consultation(id)?;
        if !c.report_published {
            return Err(EngineError::not_found(format!("report of item {id}")));
        }
        self.report(id, &site, &c)
    }

    /// Erases what each site received longer ago than its retention period; returns how many
    /// questions and comments were erased.
    pub fn erase_expired_personal_data(&self) -> Result<u64, EngineError> {
        let now = self.clock.now();
        let mut erased = 0;
        for site in self.catalog()?.sites.iter() {
            let keep = chrono::Duration::days(i64::from(site.settings.retention_days()));
            erased += self.store.erase_participants(site.id, now - keep)?;
        }
        if erased > 0 {
            self.record_system(
                "personal_data.erase",
                Some(format!(
                    "{erased} questions and comments past their sites' retention periods"
                )),
            )?;
        }
        Ok(erased)
    }

    /// How many questions and comments wait for staff on each site the actor works on.
    pub fn waiting(&self, actor: &Actor) -> Result<Vec<(String, crate::Waiting)>, EngineError> {
        let catalog = self.catalog()?;
        let sites: Vec<&Site> = catalog
            .sites
            .iter()
            .filter(|s| actor.any_role_on(s.id))
            .collect();
        let ids: Vec<_> = sites.iter().map(|s| s.id).collect();
        let counts = self.store.waiting(&ids)?;
        Ok(sites
            .iter()
            .filter_map(|s| {
                let w = counts.iter().find(|(id, _)| *id == s.id)?.1;
                (w.questions + w.comments > 0).then(|| (s.slug.clone(), w))
            })
            .collect())
    }

    fn report(&self, id: ItemId, site: &Site, c: &Consultation) -> Result<Report, EngineError> {
        let comments = self.store.comments(id, Some(CommentStatus::Approved))?;
        let mut groups: Vec<ReportSection> = vec![ReportSection {
            id: None,
            label: "Ý kiến chung".to_owned(),
            heading: String::new(),
            comments: Vec::new(),
        }];
        groups.extend(sections(&c.body).into_iter().map(|s| ReportSection {
            id: Some(s.id),
            label: s.label,
            heading: s.heading,
            comments: Vec::new(),
        }));
        let count = |d: Disposition| comments.iter().filter(|c| c.disposition == Some(d)).count();
        let (accepted, partly, not_accepted) = (
            count(Disposition::Accepted),
            count(Disposition::Partly),
            count(Disposition::NotAccepted),
        );
        let total = comments.len();
        let unanswered = comments.iter().filter(|c| c.disposition.is_none()).count();
        for r in comments {
            let at = match &r.section {
                Some(s) => groups.iter().position(|g| g.id.as_deref() == Some(s)),
                None => Some(0),
            };
            match at.and_then(|i| groups.get_mut(i)) {
                Some(g) => g.comments.push(public_comment(r, true)),
                // A section the draft no longer has: keep it, under its old label.
                None => groups.push(ReportSection {
                    id: r.section.clone(),
                    label: r.section_label.clone(),
                    heading: String::new(),
                    comments: vec![public_comment(r, true)],
                }),
            }
        }
        Ok(Report {
            item: id,
            site: site.slug.clone(),
            title: c.title.clone(),
            agency: c.agency.clone(),
            opens_at: c.opens_at,
            closes_at: c.closes_at,
            sections: groups,
            total,
            accepted,
            partly,
            not_accepted,
            unanswered,
        })
    }

    fn window(&self, c: &Consultation) -> Window {
        let now = self.clock.now();
        if now < c.opens_at {
            Window::NotYetOpen
        } else if now >= c.closes_at {
            Window::Closed
        } else {
            Window::Open
        }
    }

    fn live_consultation(&self, id: ItemId) -> Result<(Consultation, Site), EngineError> {
        let item = self
            .public_item_by_id(id)?
            .filter(|i| i.kind == ItemKind::Consultation)
            .ok_or_else(|| EngineError::not_found(format!("consultation {id}")))?;
        let site = self.site(item.site_id)?;
        match Content::from_stored(ItemKind::Consultation, item.fields)? {
            Content::Consultation(c) => Ok((c, site)),
            _ => Err(not_a_consultation(id)),
        }
    }

    fn visible_comment(
        &self,
        actor: &Actor,
        id: CommentId,
    ) -> Result<(CommentRecord, Site), EngineError> {
        let c = self
            .store
            .comment(id)?
            .ok_or_else(|| EngineError::not_found(format!("comment {id}")))?;
        let site = self.site(c.site_id)?;
        self.allow(actor, &site, Permission::ModerateComments)?;
        Ok((c, site))
    }
}

fn public_comment(r: CommentRecord, with_answer: bool) -> PublicComment {
    let answered = with_answer && r.disposition.is_some();
    PublicComment {
        id: r.id,
        section: r.section,
        section_label: r.section_label,
        name: if r.erased_at.is_some() {
            "(đã xóa theo yêu cầu)".to_owned()
        } else {
            r.name
        },
        body: r.body,
        received_at: r.received_at,
        disposition: if answered { r.disposition } else { None },
        reply: answered.then_some(r.reply),
    }
}

fn not_a_consultation(id: ItemId) -> EngineError {
    EngineError::not_found(format!("consultation {id}"))
}

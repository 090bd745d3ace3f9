//! What citizens send: questions to an agency (hỏi – đáp) and comments on a draft open for
//! consultation (lấy ý kiến), with the personal data that must never reach a public path.
//!
//! A question or a comment is not an item: it is kept apart, with the sender's email and
//! phone, until staff act on it. An answered question becomes an item of kind `question`
//! that passes the three steps like any other; an approved comment is public without its
//! email.

use crate::ids::{ItemId, SiteId, UserId};
use crate::names::named;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

crate::ids::id!(
    /// A question as it arrived.
    QuestionId,
    i64
);
crate::ids::id!(
    /// A comment on a consultation.
    CommentId,
    i64
);
crate::ids::id!(
    /// A message waiting in the outbox.
    MailId,
    i64
);

/// Where a question is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuestionStatus {
    /// Waiting for the asker to confirm their email; staff do not see it yet.
    Unconfirmed,
    /// Waiting for an answer.
    New,
    /// An answer is being written or goes through the workflow.
    Answered,
    /// The answer is public.
    Published,
    /// Staff declined to answer, with a reason.
    Rejected,
}

named!(QuestionStatus, "question status", {
    Unconfirmed => "unconfirmed",
    New => "new",
    Answered => "answered",
    Published => "published",
    Rejected => "rejected",
});

/// A question with everything staff may see.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QuestionRecord {
    pub id: QuestionId,
    pub site_id: SiteId,
    /// What the asker follows the question with (`HD-7K3QX9A2`).
    pub reference: String,
    pub status: QuestionStatus,
    pub name: String,
    pub email: String,
    pub phone: String,
    pub title: String,
    pub body: String,
    pub field: String,
    pub received_at: DateTime<Utc>,
    /// The item holding the answer.
    pub item_id: Option<ItemId>,
    /// Why it was rejected, or the note of a forwarding.
    pub reason: String,
    /// The portal it was first sent to, when it was forwarded.
    pub forwarded_from: Option<SiteId>,
    /// When the sender's email and phone were erased.
    pub erased_at: Option<DateTime<Utc>>,
}

/// A question to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewQuestionRecord {
    pub site_id: SiteId,
    pub reference: String,
    pub status: QuestionStatus,
    pub name: String,
    pub email: String,
    pub phone: String,
    pub title: String,
    pub body: String,
    pub field: String,
    pub received_at: DateTime<Utc>,
    /// Folds a second sending of the same question (site, email, title, body).
    pub fingerprint: String,
    /// The hash of the email confirmation's secret, when one is asked for.
    pub confirm_hash: Option<String>,
    /// Mail to send once it is stored.
    pub mail: Vec<NewMail>,
}

/// A change to a question, with what goes with it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct QuestionChange {
    pub status: Option<QuestionStatus>,
    pub item_id: Option<ItemId>,
    pub reason: Option<String>,
    /// Forwarded: the portal it now belongs to (the old one is kept as `forwarded_from`).
    pub site_id: Option<SiteId>,
    /// Erase the sender's email, phone and name (at the change's time).
    pub erase: bool,
    /// Only if the question is still in this status (compare-and-swap).
    pub expect: Option<QuestionStatus>,
}

/// Where a comment is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CommentStatus {
    Pending,
    Approved,
    Rejected,
}

named!(CommentStatus, "comment status", {
    Pending => "pending",
    Approved => "approved",
    Rejected => "rejected",
});

/// What the drafting agency made of a comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Disposition {
    /// Tiếp thu.
    Accepted,
    /// Tiếp thu một phần.
    Partly,
    /// Không tiếp thu (with the explanation: giải trình).
    NotAccepted,
}

named!(Disposition, "disposition", {
    Accepted => "accepted",
    Partly => "partly",
    NotAccepted => "not_accepted",
});

/// A comment with everything staff may see.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CommentRecord {
    pub id: CommentId,
    pub item_id: ItemId,
    pub site_id: SiteId,
    /// The section it is about (`dieu-3`), or none for the draft as a whole.
    pub section: Option<String>,
    /// The section's label when the comment arrived ("Điều 3").
    pub section_label: String,
    pub name: String,
    pub email: String,
    pub body: String,
    pub status: CommentStatus,
    pub reason: String,
    pub disposition: Option<Disposition>,
    pub reply: String,
    pub received_at: DateTime<Utc>,
    pub moderated_at: Option<DateTime<Utc>>,
    pub moderated_by: Option<UserId>,
    pub responded_at: Option<DateTime<Utc>>,
    pub erased_at: Option<DateTime<Utc>>,
}

/// A comment to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCommentRecord {
    pub item_id: ItemId,
    pub site_id: SiteId,
    pub section: Option<String>,
    pub section_label: String,
    pub name: String,
    pub email: String,
    pub body: String,
    pub received_at: DateTime<Utc>,
    pub fingerprint: String,
    pub mail: Vec<NewMail>,
}

/// A change to a comment.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CommentChange {
    pub status: Option<CommentStatus>,
    pub reason: Option<String>,
    pub disposition: Option<Disposition>,
    pub reply: Option<String>,
    pub moderated: Option<(DateTime<Utc>, UserId)>,
    pub responded_at: Option<DateTime<Utc>>,
    pub erase: bool,
}

/// A message the engine wants sent: which one and its facts; the HTTP layer words it and
/// adds the links (it knows the public address).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewMail {
    pub to: String,
    /// `question_confirm`, `question_received`, `question_published`, `comment_received`.
    pub template: String,
    pub data: serde_json::Value,
}

/// A message in the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    pub id: MailId,
    pub to: String,
    pub template: String,
    pub data: serde_json::Value,
    pub attempts: u32,
    pub created_at: DateTime<Utc>,
}

/// How many questions and comments wait for staff on one site.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Waiting {
    pub questions: u64,
    pub comments: u64,
}

/// One part of a draft, from its headings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Section {
    /// Stable within the draft: the label as a slug (`dieu-3`), numbered when repeated.
    pub id: String,
    /// "Điều 3", "Chương I", or the heading itself when it is not numbered.
    pub label: String,
    /// The heading's words after the label ("Phạm vi điều chỉnh").
    pub heading: String,
    /// The heading's level (1 for `#`).
    pub level: u8,
    /// The Markdown under the heading, up to the next heading.
    pub text: String,
}

/// Whether `s` looks like an email address a mail server would take: one `@`, a local part
/// and a domain with a dot, no spaces or angle brackets, at most 254 characters.
pub fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    s.len() <= 254
        && !local.is_empty()
        && local.len() <= 64
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && !s.chars().any(|c| {
            c.is_whitespace()
                || c.is_control()
                || matches!(c, '<' | '>' | ',' | ';' | '"' | '(' | ')')
        })
}

/// The parts of a legal text that label sections.
const NUMBERED: [&str; 5] = ["Phần", "Chương", "Mục", "Điều", "Khoản"];

/// Cuts a draft into sections at its ATX headings (`#` to `######`); text before the first
/// heading is the preamble ("Phần mở đầu"). Fenced code is not searched for headings.
pub fn sections(markdown: &str) -> Vec<Section> {
    let mut out: Vec<Section> = Vec::new();
    let mut preamble = String::new();
    let mut fence: Option<&str> = None;
    for line in markdown.lines() {
        let t = line.trim_start();
        if let Some(f) = fence {
            if t.starts_with(f) {
                fence = None;
            }
        } else if t.starts_with("```") || t.starts_with("~~~") {
            fence = Some(&t[..3]);
        } else if let Some((level, text)) = heading(line) {
            let (label, rest) = split_label(text);
            let base = crate::text::slugify(&label, 60);
            let base = if base.is_empty() {
                "muc".to_owned()
            } else {
                base
            };
            let mut id = base.clone();
            let mut n = 2;
            while out.iter().any(|s| s.id == id) || id == "mo-dau" {
                id = format!("{base}-{n}");
                n += 1;
            }
            out.push(Section {
                id,
                label,
                heading: rest,
                level,
                text: String::new(),
            });
            continue;
        }
        let target = match out.last_mut() {
            Some(s) => &mut s.text,
            None => &mut preamble,
        };
        target.push_str(line);
        target.push('\n');
    }
    for s in &mut out {
        s.text = s.text.trim().to_owned();
    }
    let preamble = preamble.trim();
    if !preamble.is_empty() {
        out.insert(
            0,
            Section {
                id: "mo-dau".to_owned(),
                label: "Phần mở đầu".to_owned(),
                heading: String::new(),
                level: 0,
                text: preamble.to_owned(),
            },
        );
    }
    out
}

/// An ATX heading's level and text, per CommonMark (up to three spaces of indent, one to six
/// `#`, then a space or the end of the line; closing `#`s dropped).
fn heading(line: &str) -> Option<(u8, &str)> {
    let indent = line.len() - line.trim_start_matches(' ').len();
    if indent > 3 {
        return None;
    }
    let rest = &line[indent..];
    let hashes = rest.len() - rest.trim_start_matches('#').len();
    if !(1..=6).contains(&hashes) {
        return None;
    }
    let after = &rest[hashes..];
    if !(after.is_empty() || after.starts_with([' ', '\t'])) {
        return None;
    }
    let text = after.trim();
    let text = text.trim_end_matches('#').trim_end();
    let level = u8::try_from(hashes).ok()?;
    (!text.is_empty()).then_some((level, text))
}

/// "Điều 3. Phạm vi điều chỉnh" → ("Điều 3", "Phạm vi điều chỉnh"); "**Chương I** QUY ĐỊNH
/// CHUNG" → ("Chương I", "QUY ĐỊNH CHUNG"); anything else is its own label.
fn split_label(text: &str) -> (String, String) {
    let clean: String = text.replace(['*', '_'], "");
    let clean = clean.trim();
    for word in NUMBERED {
        let Some(rest) = clean.strip_prefix(word) else {
            continue;
        };
        if !rest.starts_with(' ') {
            continue;
        }
        let rest = rest.trim_start();
        let number: String = rest.chars().take_while(|c| c.is_alphanumeric()).collect();
        let is_number = !number.is_empty()
            && (number.chars().all(|c| c.is_ascii_digit())
                || number.chars().all(|c| "IVXLCDM".contains(c)));
        if !is_number {
            continue;
        }
        let after = rest[number.len()..]
            .trim_start_matches(['.', ':', ' ', '-', '–'])
            .trim();
        return (format!("{word} {number}"), after.to_owned());
    }
    (clean.to_owned(), String::new())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_draft_is_cut_at_its_headings_with_labels_from_chuong_and_dieu() {
        let draft = "Căn cứ Luật Tổ chức chính quyền địa phương;\n\n# Chương I. QUY ĐỊNH CHUNG\n\n## Điều 1. Phạm vi điều chỉnh\n\nQuy định này...\n\n```\n# not a heading\n```\n\n## **Điều 2:** Đối tượng áp dụng\n\n1. Cơ quan...\n\n# Chương II\n\n## Điều 3.\n\n## Phụ lục\n\n## Phụ lục\n";
        let s = sections(draft);
        let ids: Vec<&str> = s.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "mo-dau",
                "chuong-i",
                "dieu-1",
                "dieu-2",
                "chuong-ii",
                "dieu-3",
                "phu-luc",
                "phu-luc-2"
            ]
        );
        assert_eq!(s[0].text, "Căn cứ Luật Tổ chức chính quyền địa phương;");
        assert_eq!(
            (s[1].label.as_str(), s[1].heading.as_str()),
            ("Chương I", "QUY ĐỊNH CHUNG")
        );
        assert_eq!(s[2].label, "Điều 1");
        assert_eq!(s[2].heading, "Phạm vi điều chỉnh");
        assert!(
            s[2].text.contains("# not a heading"),
            "fenced code stays text"
        );
        assert_eq!(
            (s[3].label.as_str(), s[3].heading.as_str()),
            ("Điều 2", "Đối tượng áp dụng")
        );
        assert_eq!(s[3].level, 2);
        assert_eq!(s[6].label, "Phụ lục");
        assert!(s[5].text.is_empty());
    }

    #[test]
    fn a_word_that_only_starts_like_a_label_is_not_one() {
        assert_eq!(split_label("Điều khoản thi hành").0, "Điều khoản thi hành");
        assert_eq!(split_label("Mục tiêu").0, "Mục tiêu");
        assert_eq!(sections("no headings at all")[0].id, "mo-dau");
        assert!(sections("").is_empty());
        assert!(sections("#hashtag\n####### seven")
            .iter()
            .all(|s| s.id == "mo-dau"));
    }
}

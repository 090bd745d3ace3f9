//! Content kinds and their typed fields: articles, legal documents (văn bản), administrative
//! procedures (thủ tục hành chính) and static pages.
//!
//! Fields arrive as JSON, are NFC-normalised, parsed strictly (an unknown field is an error,
//! not silently dropped) and checked against [`Limits`]; the error names the field.

use crate::error::{EngineError, InvalidKind};
use crate::names::named;
use crate::text;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// The kinds of item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    Article,
    Document,
    Procedure,
    Page,
    /// A citizen's question with the agency's answer (Hỏi – Đáp).
    Question,
    /// A draft document open for public comment (Lấy ý kiến).
    Consultation,
}

named!(ItemKind, "kind", {
    Article => "article",
    Document => "document",
    Procedure => "procedure",
    Page => "page",
    Question => "question",
    Consultation => "consultation",
});

/// "bài viết": the path segment of an item in no channel (`/{site}/bai-viet/{slug}`), and the
/// slug of an item whose title gives none.
pub const DEFAULT_SEGMENT: &str = "bai-viet";

/// The long fields that lists leave out: full texts, steps, papers, attachments.
pub const LONG_FIELDS: [&str; 7] = [
    "body",
    "steps",
    "papers",
    "legal_basis",
    "attachments",
    "question",
    "answer",
];

/// Size limits on text fields, in characters.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Titles, names and other one-line values of consequence.
    pub title: usize,
    /// Short metadata: signer, issuer, field, codes.
    pub short: usize,
    /// Summaries (trích yếu, sapo).
    pub summary: usize,
    /// Bodies and full texts.
    pub body: usize,
    /// Entries in a list field (tags, attachments, relations).
    pub list: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            title: 500,
            short: 300,
            summary: 5_000,
            body: 1_000_000,
            list: 100,
        }
    }
}

/// A calendar date, written `YYYY-MM-DD` on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(pub chrono::NaiveDate);

const DATE_HINT: &str = "a date written YYYY-MM-DD";

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0.format("%Y-%m-%d"))
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        chrono::NaiveDate::parse_from_str(&s, "%Y-%m-%d")
            .ok()
            .filter(|_| s.len() == 10)
            .map(Date)
            .ok_or_else(|| serde::de::Error::custom(format!("expected {DATE_HINT}, got '{s}'")))
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.format("%Y-%m-%d"))
    }
}

/// Whether a legal document is in force (tình trạng hiệu lực).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EffectStatus {
    /// Còn hiệu lực.
    InForce,
    /// Chưa có hiệu lực.
    NotYetInForce,
    /// Hết hiệu lực một phần.
    PartlyExpired,
    /// Hết hiệu lực toàn bộ.
    Expired,
    /// Chưa xác định.
    Unknown,
}

named!(EffectStatus, "effect status", {
    InForce => "in_force",
    NotYetInForce => "not_yet_in_force",
    PartlyExpired => "partly_expired",
    Expired => "expired",
    Unknown => "unknown",
});

/// The administrative level that carries out a procedure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProcedureLevel {
    Province,
    District,
    Commune,
}

named!(ProcedureLevel, "procedure level", {
    Province => "province",
    District => "district",
    Commune => "commune",
});

/// How far a procedure can be done online (dịch vụ công trực tuyến).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnlineLevel {
    /// Toàn trình: entirely online.
    Full,
    /// Một phần: partly online.
    Partial,
    /// Not online.
    None,
}

named!(OnlineLevel, "online level", {
    Full => "full",
    Partial => "partial",
    None => "none",
});

/// A link from a document to another one it replaces or amends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Relation {
    /// `replaces`, `amends`, `replaced_by`, `amended_by`, `guides`.
    pub kind: RelationKind,
    /// The other document's number and symbol, e.g. `3055/QĐ-UBND`.
    pub number: String,
}

/// How two documents relate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RelationKind {
    Replaces,
    Amends,
    ReplacedBy,
    AmendedBy,
    Guides,
}

named!(RelationKind, "relation", {
    Replaces => "replaces",
    Amends => "amends",
    ReplacedBy => "replaced_by",
    AmendedBy => "amended_by",
    Guides => "guides",
});

/// A file attached to a document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Attachment {
    /// What a reader sees, e.g. `Quyết định 3055.pdf`.
    pub name: String,
    /// Where it is: a media id path (`/media/12`) or an absolute URL.
    pub href: String,
}

/// News and announcements.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Article {
    pub title: String,
    #[serde(default)]
    pub summary: String,
    /// CommonMark.
    #[serde(default)]
    pub body: String,
    /// A media reference for the cover image.
    #[serde(default)]
    pub cover: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    /// The by-line as printed ("Minh Anh – Trung tâm Truyền thông").
    #[serde(default)]
    pub author_line: String,
    /// Where the news came from, when it is taken from elsewhere.
    #[serde(default)]
    pub source: String,
}

/// A legal document (văn bản).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Document {
    /// Số ký hiệu, e.g. `3055/QĐ-UBND`.
    pub number: String,
    /// Quyết định, Kế hoạch, Công văn, Thông tư, Nghị định...
    pub doc_type: String,
    pub issuer: String,
    #[serde(default)]
    pub signer: String,
    pub issued_on: Date,
    #[serde(default)]
    pub effective_on: Option<Date>,
    pub status: EffectStatus,
    /// Lĩnh vực.
    #[serde(default)]
    pub field: String,
    pub title: String,
    /// Trích yếu.
    #[serde(default)]
    pub summary: String,
    /// The full text.
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub attachments: Vec<Attachment>,
    #[serde(default)]
    pub relations: Vec<Relation>,
}

/// An administrative procedure (thủ tục hành chính).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Procedure {
    /// The national code, e.g. `1.004227`.
    pub code: String,
    pub title: String,
    #[serde(default)]
    pub field: String,
    pub level: ProcedureLevel,
    /// Cơ quan thực hiện.
    #[serde(default)]
    pub agency: String,
    #[serde(default)]
    pub steps: String,
    #[serde(default)]
    pub papers: String,
    #[serde(default)]
    pub duration: String,
    #[serde(default)]
    pub fees: String,
    #[serde(default)]
    pub legal_basis: String,
    pub online_level: OnlineLevel,
    /// Where a citizen applies online: the procedure's page on the public-service portal.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub online_url: String,
}

/// A static page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Page {
    pub title: String,
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub body: String,
}

/// A question a citizen asked and the agency's answer, as the public sees it: the asker's
/// shown name only, never their email, phone or address (those stay with the question).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Question {
    pub title: String,
    /// What was asked, as the asker wrote it (Markdown, sanitised like any body).
    pub question: String,
    /// The name shown with the question ("Nguyễn Văn A, xã Tả Van").
    #[serde(default)]
    pub asker: String,
    /// Lĩnh vực.
    #[serde(default)]
    pub field: String,
    /// When the question arrived.
    #[serde(default)]
    pub asked_on: Option<Date>,
    /// The agency's answer (CommonMark).
    pub answer: String,
    /// The agency that answered.
    #[serde(default)]
    pub answered_by: String,
}

/// A draft document open for public comment between two times.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Consultation {
    pub title: String,
    #[serde(default)]
    pub summary: String,
    /// The draft in CommonMark; its headings (Chương, Mục, Điều) cut it into the sections
    /// people comment on.
    pub body: String,
    /// When comments open and close (RFC 3339).
    pub opens_at: chrono::DateTime<chrono::Utc>,
    pub closes_at: chrono::DateTime<chrono::Utc>,
    /// The drafting agency (cơ quan chủ trì soạn thảo).
    #[serde(default)]
    pub agency: String,
    /// Lĩnh vực.
    #[serde(default)]
    pub field: String,
    /// The draft as files (PDF, DOCX).
    #[serde(default)]
    pub attachments: Vec<Attachment>,
    /// Whether the report of comments taken up and explained is public with the draft.
    #[serde(default)]
    pub report_published: bool,
}

/// The typed fields of one revision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content {
    Article(Article),
    Document(Document),
    Procedure(Procedure),
    Page(Page),
    Question(Question),
    Consultation(Consultation),
}

impl Content {
    /// Parses and validates the `fields` of a request for an item of `kind`.
    pub fn parse(
        kind: ItemKind,
        mut fields: serde_json::Value,
        limits: &Limits,
    ) -> Result<Content, EngineError> {
        if !fields.is_object() {
            return Err(EngineError::invalid(
                InvalidKind::Malformed,
                Some("fields".to_owned()),
                "fields must be a JSON object",
            ));
        }
        text::nfc_json(&mut fields);
        let content = match kind {
            ItemKind::Article => Content::Article(from_value(fields)?),
            ItemKind::Document => Content::Document(from_value(fields)?),
            ItemKind::Procedure => Content::Procedure(from_value(fields)?),
            ItemKind::Page => Content::Page(from_value(fields)?),
            ItemKind::Question => Content::Question(from_value(fields)?),
            ItemKind::Consultation => Content::Consultation(from_value(fields)?),
        };
        content.validate(limits)?;
        Ok(content)
    }

    /// Reads fields that the store wrote earlier; no limits are applied again.
    pub fn from_stored(kind: ItemKind, fields: serde_json::Value) -> Result<Content, EngineError> {
        let bad = |e: EngineError| EngineError::internal(format!("stored {kind} fields: {e}"));
        Ok(match kind {
            ItemKind::Article => Content::Article(from_value(fields).map_err(bad)?),
            ItemKind::Document => Content::Document(from_value(fields).map_err(bad)?),
            ItemKind::Procedure => Content::Procedure(from_value(fields).map_err(bad)?),
            ItemKind::Page => Content::Page(from_value(fields).map_err(bad)?),
            ItemKind::Question => Content::Question(from_value(fields).map_err(bad)?),
            ItemKind::Consultation => Content::Consultation(from_value(fields).map_err(bad)?),
        })
    }

    /// The kind these fields belong to.
    pub fn kind(&self) -> ItemKind {
        match self {
            Content::Article(_) => ItemKind::Article,
            Content::Document(_) => ItemKind::Document,
            Content::Procedure(_) => ItemKind::Procedure,
            Content::Page(_) => ItemKind::Page,
            Content::Question(_) => ItemKind::Question,
            Content::Consultation(_) => ItemKind::Consultation,
        }
    }

    /// The title every kind has.
    pub fn title(&self) -> &str {
        match self {
            Content::Article(a) => &a.title,
            Content::Document(d) => &d.title,
            Content::Procedure(p) => &p.title,
            Content::Page(p) => &p.title,
            Content::Question(q) => &q.title,
            Content::Consultation(c) => &c.title,
        }
    }

    /// What the slug is made from: a document's number leads its title, so
    /// `3055/QĐ-UBND` + title gives `quyet-dinh-3055-qd-ubnd-...`.
    pub fn slug_source(&self) -> String {
        match self {
            Content::Document(d) => format!("{} {} {}", d.doc_type, d.number, d.title),
            other => other.title().to_owned(),
        }
    }

    /// The Markdown fields of this kind, by name: what is rendered to HTML at publication.
    pub fn markdown_fields(&self) -> Vec<(&'static str, &str)> {
        match self {
            Content::Article(a) => vec![("body", &a.body)],
            Content::Document(d) => vec![("body", &d.body)],
            Content::Page(p) => vec![("body", &p.body)],
            Content::Question(q) => vec![("question", &q.question), ("answer", &q.answer)],
            Content::Consultation(c) => vec![("body", &c.body)],
            Content::Procedure(p) => vec![
                ("steps", &p.steps),
                ("papers", &p.papers),
                ("duration", &p.duration),
                ("fees", &p.fees),
                ("legal_basis", &p.legal_basis),
            ],
        }
    }

    /// The fields as JSON, as stored and as served.
    pub fn to_json(&self) -> serde_json::Value {
        let v = match self {
            Content::Article(a) => serde_json::to_value(a),
            Content::Document(d) => serde_json::to_value(d),
            Content::Procedure(p) => serde_json::to_value(p),
            Content::Page(p) => serde_json::to_value(p),
            Content::Question(q) => serde_json::to_value(q),
            Content::Consultation(c) => serde_json::to_value(c),
        };
        // These types contain only strings, dates, enums and lists: serialising cannot fail.
        v.unwrap_or(serde_json::Value::Null)
    }

    fn validate(&self, l: &Limits) -> Result<(), EngineError> {
        let mut c = Checker::default();
        match self {
            Content::Article(a) => {
                c.required("title", &a.title, l.title);
                c.max("summary", &a.summary, l.summary);
                c.max("body", &a.body, l.body);
                c.max("author_line", &a.author_line, l.short);
                c.max("source", &a.source, l.short);
                c.link("source", &a.source, Link::TextOrWeb);
                if let Some(cover) = &a.cover {
                    c.max("cover", cover, l.short);
                    c.link("cover", cover, Link::MediaOrWeb);
                }
                c.list("tags", &a.tags, l);
            }
            Content::Document(d) => {
                c.required("number", &d.number, 100);
                c.required("doc_type", &d.doc_type, l.short);
                c.required("issuer", &d.issuer, l.short);
                c.max("signer", &d.signer, l.short);
                c.max("field", &d.field, l.short);
                c.required("title", &d.title, l.title);
                c.max("summary", &d.summary, l.summary);
                c.max("body", &d.body, l.body);
                c.count("attachments", d.attachments.len(), l.list);
                for (i, a) in d.attachments.iter().enumerate() {
                    c.required(&format!("attachments[{i}].name"), &a.name, l.short);
                    let field = format!("attachments[{i}].href");
                    c.required(&field, &a.href, 2_000);
                    c.link(&field, &a.href, Link::MediaOrWeb);
                }
                c.count("relations", d.relations.len(), l.list);
                for (i, r) in d.relations.iter().enumerate() {
                    c.required(&format!("relations[{i}].number"), &r.number, 100);
                }
                if let Some(eff) = d.effective_on {
                    if eff < d.issued_on {
                        c.fail(
                            InvalidKind::InvalidDate,
                            "effective_on",
                            format!(
                                "effective_on ({eff}) is before issued_on ({}); a document cannot take effect before it is issued",
                                d.issued_on
                            ),
                        );
                    }
                }
            }
            Content::Procedure(p) => {
                c.required("code", &p.code, 100);
                c.required("title", &p.title, l.title);
                c.max("field", &p.field, l.short);
                c.max("agency", &p.agency, l.short);
                for (name, v) in [
                    ("steps", &p.steps),
                    ("papers", &p.papers),
                    ("legal_basis", &p.legal_basis),
                ] {
                    c.max(name, v, l.body);
                }
                c.max("duration", &p.duration, l.summary);
                c.max("fees", &p.fees, l.summary);
                c.max("online_url", &p.online_url, 2_000);
                c.link("online_url", &p.online_url, Link::Web);
            }
            Content::Page(p) => {
                c.required("title", &p.title, l.title);
                c.max("summary", &p.summary, l.summary);
                c.max("body", &p.body, l.body);
            }
            Content::Question(q) => {
                c.required("title", &q.title, l.title);
                c.required("question", &q.question, l.summary * 4);
                c.max("asker", &q.asker, l.short);
                c.max("field", &q.field, l.short);
                c.required("answer", &q.answer, l.body);
                c.max("answered_by", &q.answered_by, l.short);
            }
            Content::Consultation(d) => {
                c.required("title", &d.title, l.title);
                c.max("summary", &d.summary, l.summary);
                c.required("body", &d.body, l.body);
                c.max("agency", &d.agency, l.short);
                c.max("field", &d.field, l.short);
                c.count("attachments", d.attachments.len(), l.list);
                for (i, a) in d.attachments.iter().enumerate() {
                    c.required(&format!("attachments[{i}].name"), &a.name, l.short);
                    let field = format!("attachments[{i}].href");
                    c.required(&field, &a.href, 2_000);
                    c.link(&field, &a.href, Link::MediaOrWeb);
                }
                if d.closes_at <= d.opens_at {
                    c.fail(
                        InvalidKind::InvalidDate,
                        "closes_at",
                        format!(
                            "closes_at ({}) must come after opens_at ({})",
                            d.closes_at.to_rfc3339(),
                            d.opens_at.to_rfc3339()
                        ),
                    );
                }
            }
        }
        c.finish()
    }
}

/// What a field that may hold an address accepts. Pages and feeds hand these values on as
/// links, so a `javascript:` or `data:` one would run in a reader's browser.
#[derive(Clone, Copy)]
enum Link {
    /// A library file (`12`, `/media/12`, `/media/12/card`) or an `http(s)://` address.
    MediaOrWeb,
    /// Free text (a newspaper's name), or an `http(s)://` address when it has a scheme.
    TextOrWeb,
    /// An `http(s)://` address, or nothing.
    Web,
}

/// The scheme of `v` (`javascript`, `https`...) as a browser would read it: leading spaces
/// and control characters, and tabs and newlines anywhere, are ignored (WHATWG URL).
fn scheme(v: &str) -> Option<String> {
    let cleaned: String = v
        .trim_start_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    let (head, _) = cleaned.split_once(':')?;
    let mut chars = head.chars();
    let first = chars.next()?;
    (first.is_ascii_alphabetic()
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')))
    .then(|| head.to_ascii_lowercase())
}

fn web_or_media(v: &str) -> bool {
    let v = v.trim();
    let web = matches!(scheme(v).as_deref(), Some("http" | "https"))
        && (v
            .get(..7)
            .is_some_and(|p| p.eq_ignore_ascii_case("http://"))
            || v.get(..8)
                .is_some_and(|p| p.eq_ignore_ascii_case("https://")));
    let media =
        v.starts_with("/media/") || (!v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()));
    (web || media) && !v.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// Collects the first validation failure.
#[derive(Default)]
struct Checker {
    first: Option<EngineError>,
}

impl Checker {
    fn fail(&mut self, kind: InvalidKind, field: &str, message: String) {
        if self.first.is_none() {
            self.first = Some(EngineError::invalid(
                kind,
                format!("fields.{field}"),
                message,
            ));
        }
    }

    fn required(&mut self, field: &str, v: &str, max: usize) {
        if v.trim().is_empty() {
            self.fail(
                InvalidKind::Required,
                field,
                format!("{field} must not be empty"),
            );
        } else {
            self.max(field, v, max);
        }
    }

    fn max(&mut self, field: &str, v: &str, max: usize) {
        // Counting chars is O(n); only do it when the byte length could exceed the limit.
        if v.len() > max {
            let n = v.chars().count();
            if n > max {
                self.fail(
                    InvalidKind::TooLong,
                    field,
                    format!("{field} is {n} characters long; at most {max} are allowed"),
                );
            }
        }
        if v.chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        {
            self.fail(
                InvalidKind::InvalidValue,
                field,
                format!("{field} contains control characters"),
            );
        }
    }

    fn link(&mut self, field: &str, v: &str, rule: Link) {
        let ok = match rule {
            Link::MediaOrWeb => v.trim().is_empty() || web_or_media(v),
            Link::Web => {
                v.trim().is_empty()
                    || (matches!(scheme(v).as_deref(), Some("http" | "https")) && web_or_media(v))
            }
            Link::TextOrWeb => match scheme(v).as_deref() {
                None => true,
                Some("http" | "https") => web_or_media(v),
                // "Báo Lào Cai: số 12" reads as a scheme only if the part before ':' is one
                // word of letters; a name with spaces or diacritics is text.
                Some(_) => false,
            },
        };
        if !ok {
            self.fail(
                InvalidKind::InvalidValue,
                field,
                format!(
                    "{field} must be an http:// or https:// address or a library file (/media/ID); other kinds of link are refused"
                ),
            );
        }
    }

    fn count(&mut self, field: &str, n: usize, max: usize) {
        if n > max {
            self.fail(
                InvalidKind::TooLong,
                field,
                format!("{field} has {n} entries; at most {max} are allowed"),
            );
        }
    }

    fn list(&mut self, field: &str, v: &[String], l: &Limits) {
        self.count(field, v.len(), l.list);
        for (i, s) in v.iter().enumerate() {
            self.required(&format!("{field}[{i}]"), s, l.short);
        }
    }

    fn finish(self) -> Result<(), EngineError> {
        self.first.map_or(Ok(()), Err)
    }
}

fn from_value<T: serde::de::DeserializeOwned>(v: serde_json::Value) -> Result<T, EngineError> {
    serde_path_to_error::deserialize(v).map_err(|e| {
        let path = e.path().to_string();
        let message = e.inner().to_string();
        serde_error("fields", &path, &message)
    })
}

/// Turns a serde message into a typed error naming the field; shared with the API's body parser.
pub fn serde_error(prefix: &str, path: &str, message: &str) -> EngineError {
    let quoted = message
        .split('`')
        .nth(1)
        .map(str::to_owned)
        .unwrap_or_default();
    let join = |p: &str, leaf: &str| {
        let mut parts: Vec<&str> = [prefix, p, leaf]
            .into_iter()
            .filter(|s| !s.is_empty() && *s != ".")
            .collect();
        parts.dedup();
        parts.join(".")
    };
    let (kind, field) = if message.starts_with("unknown field") {
        // The path already ends at the unknown key.
        let leaf = if path.ends_with(&quoted) { "" } else { &quoted };
        (InvalidKind::UnknownField, join(path, leaf))
    } else if message.starts_with("missing field") {
        (InvalidKind::Required, join(path, &quoted))
    } else if message.contains(DATE_HINT) {
        (InvalidKind::InvalidDate, join(path, ""))
    } else {
        (InvalidKind::InvalidValue, join(path, ""))
    };
    let message = match message.find(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    };
    EngineError::invalid(kind, field.clone(), format!("{field}: {message}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn field_of(e: EngineError) -> (InvalidKind, String) {
        match e {
            EngineError::Invalid { kind, field, .. } => (kind, field.unwrap_or_default()),
            other => panic!("not invalid: {other:?}"),
        }
    }

    fn document_linking(href: &str) -> Result<Content, EngineError> {
        Content::parse(
            ItemKind::Document,
            json!({"number": "1/QĐ-UBND", "doc_type": "Quyết định", "issuer": "UBND",
                   "issued_on": "2018-10-02", "status": "in_force", "title": "t",
                   "attachments": [{"name": "a.pdf", "href": href}]}),
            &Limits::default(),
        )
    }

    #[test]
    fn links_that_would_run_in_a_browser_are_refused() {
        for bad in [
            "javascript:alert(1)",
            " JavaScript:alert(1)",
            "java\tscript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "vbscript:msgbox",
            "//evil.example/x.pdf",
            "https://a b",
            "ftp://x/y.pdf",
        ] {
            let e = document_linking(bad).unwrap_err();
            assert_eq!(
                field_of(e),
                (
                    InvalidKind::InvalidValue,
                    "fields.attachments[0].href".into()
                ),
                "{bad:?}"
            );
        }
        for good in [
            "https://laocai.gov.vn/qd.pdf",
            "HTTP://x.vn/a",
            "/media/12",
            "/media/12/card",
        ] {
            assert!(document_linking(good).is_ok(), "{good}");
        }
        let article =
            |f: serde_json::Value| Content::parse(ItemKind::Article, f, &Limits::default());
        assert!(article(json!({"title": "t", "cover": "12"})).is_ok());
        assert!(article(json!({"title": "t", "cover": "data:image/png;base64,AAAA"})).is_err());
        assert!(article(json!({"title": "t", "source": "Báo Lào Cai"})).is_ok());
        assert!(article(json!({"title": "t", "source": "https://baolaocai.vn/x"})).is_ok());
        assert!(article(json!({"title": "t", "source": "javascript:alert(1)"})).is_err());
    }

    #[test]
    fn unknown_field_is_named() {
        let e = Content::parse(
            ItemKind::Article,
            json!({"title": "x", "colour": "red"}),
            &Limits::default(),
        )
        .unwrap_err();
        assert_eq!(
            field_of(e),
            (InvalidKind::UnknownField, "fields.colour".into())
        );
    }

    #[test]
    fn bad_date_is_named() {
        let e = Content::parse(
            ItemKind::Document,
            json!({"number": "1/QĐ-UBND", "doc_type": "Quyết định", "issuer": "UBND",
                   "issued_on": "02/10/2018", "status": "in_force", "title": "t"}),
            &Limits::default(),
        )
        .unwrap_err();
        assert_eq!(
            field_of(e),
            (InvalidKind::InvalidDate, "fields.issued_on".into())
        );
    }

    #[test]
    fn missing_and_too_long() {
        let e =
            Content::parse(ItemKind::Page, json!({"body": "x"}), &Limits::default()).unwrap_err();
        assert_eq!(field_of(e), (InvalidKind::Required, "fields.title".into()));
        let long = "ă".repeat(501);
        let e =
            Content::parse(ItemKind::Page, json!({"title": long}), &Limits::default()).unwrap_err();
        assert_eq!(field_of(e), (InvalidKind::TooLong, "fields.title".into()));
    }

    #[test]
    fn bad_enum_value_is_named() {
        let e = Content::parse(
            ItemKind::Procedure,
            json!({"code": "1.1", "title": "t", "level": "galaxy", "online_level": "full"}),
            &Limits::default(),
        )
        .unwrap_err();
        assert_eq!(
            field_of(e),
            (InvalidKind::InvalidValue, "fields.level".into())
        );
    }

    #[test]
    fn document_round_trips() {
        let v = json!({"number": "3055/QĐ-UBND", "doc_type": "Quyết định",
            "issuer": "UBND tỉnh Lào Cai", "signer": "Đặng Xuân Phong",
            "issued_on": "2018-10-02", "effective_on": "2018-10-02", "status": "in_force",
            "field": "Công nghệ thông tin", "title": "Về kiến trúc", "summary": "s",
            "body": "b", "attachments": [], "relations": []});
        let c = Content::parse(ItemKind::Document, v.clone(), &Limits::default()).unwrap();
        assert_eq!(c.to_json(), v);
        assert_eq!(
            crate::text::slugify(&c.slug_source(), 120),
            "quyet-dinh-3055-qd-ubnd-ve-kien-truc"
        );
    }
}

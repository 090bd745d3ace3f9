//! What of a published item goes into the index.

use crate::analyzer::number_key;
use crate::schema::Fields;
use chrono::Datelike;
use portico_engine::text::prefix;
use portico_engine::{AttachmentText, ItemKind, PublicItem};
use serde_json::Value;
use tantivy::TantivyDocument;

/// One searchable item, flattened from its published revision.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IndexDoc {
    pub id: i64,
    pub site: String,
    pub kind: String,
    pub slug: String,
    pub channels: Vec<String>,
    pub title: String,
    pub summary: String,
    /// Everything else worth finding: body, steps, papers, signer...
    pub body: String,
    /// The text of the files it attaches, in chunks of about [`ATTACHMENT_CHUNK`] bytes.
    pub attachments: Vec<String>,
    pub number: String,
    pub doc_type: String,
    pub issuer: String,
    pub field: String,
    pub status: String,
    pub level: String,
    pub code: String,
    /// The year of issue for documents, of publication otherwise.
    pub year: u64,
    /// Microseconds since the epoch.
    pub published_at: i64,
}

fn s(v: &Value, key: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// Markdown source without its markers, so snippets read as text (`**Điều 3.**` → `Điều 3.`).
fn plain(markdown: &str) -> String {
    markdown
        .lines()
        .map(|l| {
            l.trim_start_matches(['#', '>', ' ', '-'])
                .replace(['*', '`', '|', '_'], "")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Bytes of attached text per stored value: a snippet is cut from the one chunk that matched.
pub const ATTACHMENT_CHUNK: usize = 4_000;

/// Cuts `text` into chunks of about `ATTACHMENT_CHUNK` bytes, at line ends where there are
/// some, else at a character boundary.
fn chunks(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in text.split_inclusive(['\n', '\u{c}']) {
        let mut line = line;
        while current.len() + line.len() > ATTACHMENT_CHUNK {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
                continue;
            }
            let head = prefix(line, ATTACHMENT_CHUNK);
            out.push(head.to_owned());
            line = line.get(head.len()..).unwrap_or_default();
        }
        current.push_str(line);
    }
    if !current.trim().is_empty() {
        out.push(current);
    }
    out
}

impl IndexDoc {
    /// Flattens a published item with the texts of the files it attaches.
    pub fn with_attachments(item: &PublicItem, texts: &[AttachmentText]) -> IndexDoc {
        let mut doc = IndexDoc::from_public(item);
        doc.attachments = texts.iter().flat_map(|t| chunks(&t.text)).collect();
        doc
    }

    /// Flattens a published item.
    pub fn from_public(item: &PublicItem) -> IndexDoc {
        let f = &item.fields;
        let published = item
            .first_published_at
            .or(item.published_at)
            .unwrap_or_default();
        let mut doc = IndexDoc {
            id: item.id.0,
            site: item.site.clone(),
            kind: item.kind.as_str().to_owned(),
            slug: item.slug.clone(),
            channels: item.channels.clone(),
            title: item.title.clone(),
            summary: s(f, "summary"),
            year: u64::try_from(published.year()).unwrap_or(0),
            published_at: published.timestamp_micros(),
            ..Default::default()
        };
        let join = |keys: &[&str]| {
            keys.iter()
                .map(|k| plain(&s(f, k)))
                .filter(|v| !v.is_empty())
                .collect::<Vec<_>>()
                .join("\n\n")
        };
        match item.kind {
            ItemKind::Document => {
                doc.number = s(f, "number");
                doc.doc_type = s(f, "doc_type");
                doc.issuer = s(f, "issuer");
                doc.field = s(f, "field");
                doc.status = s(f, "status");
                doc.body = join(&["summary", "body", "signer", "issuer"]);
                if let Some(y) = s(f, "issued_on").get(..4).and_then(|y| y.parse().ok()) {
                    doc.year = y;
                }
            }
            ItemKind::Procedure => {
                doc.code = s(f, "code");
                doc.field = s(f, "field");
                doc.issuer = s(f, "agency");
                doc.level = s(f, "level");
                doc.body = join(&[
                    "steps",
                    "papers",
                    "duration",
                    "fees",
                    "legal_basis",
                    "agency",
                ]);
            }
            ItemKind::Article | ItemKind::Page => {
                doc.body = join(&["summary", "body", "source", "author_line"]);
            }
            ItemKind::Question => {
                doc.field = s(f, "field");
                doc.issuer = s(f, "answered_by");
                doc.summary = plain(&s(f, "question")).chars().take(300).collect();
                doc.body = join(&["question", "answer", "answered_by"]);
            }
            ItemKind::Consultation => {
                doc.field = s(f, "field");
                doc.issuer = s(f, "agency");
                doc.body = join(&["summary", "body", "agency"]);
            }
        }
        doc
    }

    /// The tantivy document.
    pub fn to_tantivy(&self, f: &Fields) -> TantivyDocument {
        let mut d = TantivyDocument::default();
        d.add_i64(f.id, self.id);
        d.add_text(f.site, &self.site);
        d.add_text(f.kind, &self.kind);
        d.add_text(f.slug, &self.slug);
        for c in &self.channels {
            d.add_text(f.channel, c);
        }
        // A document's type and number lead its title, as citizens name it: "Quyết định
        // 3055/QĐ-UBND về ...". So "quyet dinh 3055" is a title match.
        let titled = [
            self.doc_type.as_str(),
            self.number.as_str(),
            self.code.as_str(),
            self.title.as_str(),
        ]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
        d.add_text(f.title_exact, &titled);
        d.add_text(f.title_folded, &titled);
        d.add_text(f.body_folded, &self.body);
        d.add_text(f.body_start, prefix(&self.body, SNIPPET_SOURCE_BYTES));
        d.add_text(f.bigram, format!("{titled}\n{}", self.body));
        d.add_text(f.title_bigram, &titled);
        for chunk in &self.attachments {
            d.add_text(f.attachment_folded, chunk);
        }
        if !self.number.is_empty() {
            d.add_text(f.number, &self.number);
            d.add_text(f.number_key, number_key(&self.number));
        }
        if !self.code.is_empty() {
            d.add_text(f.code, &self.code);
            d.add_text(f.number_key, number_key(&self.code));
        }
        d.add_text(f.summary, &self.summary);
        for (field, v) in [
            (f.doc_type, &self.doc_type),
            (f.issuer, &self.issuer),
            (f.field, &self.field),
            (f.status, &self.status),
            (f.level, &self.level),
        ] {
            if !v.is_empty() {
                d.add_text(field, v);
            }
        }
        d.add_u64(f.year, self.year);
        d.add_i64(f.published_at, self.published_at);
        d
    }
}

/// How much of a hit's text its snippet is looked for in: tokenising a long decree whole, for
/// every hit, was most of a query's time.
const SNIPPET_SOURCE_BYTES: usize = 6_000;

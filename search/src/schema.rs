//! The index schema: which fields exist, how each is analysed, and which can filter, sort and
//! count.

use crate::analyzer::{BIGRAM, EXACT, FOLDED};
use tantivy::schema::{
    Field, IndexRecordOption, NumericOptions, Schema, TextFieldIndexing, TextOptions, FAST,
    INDEXED, STORED, STRING,
};

/// Handles to every field.
#[derive(Clone, Debug)]
pub struct Fields {
    pub id: Field,
    pub site: Field,
    pub kind: Field,
    pub slug: Field,
    pub channel: Field,
    pub title_exact: Field,
    pub title_folded: Field,
    pub body_folded: Field,
    /// The opening of the text, stored for snippets (the whole body was read from disk and
    /// decoded for every hit, for a snippet made from its first few kilobytes).
    pub body_start: Field,
    pub bigram: Field,
    /// Adjacent syllable pairs of the title alone: the whole query in the title, cheaply.
    pub title_bigram: Field,
    /// The text of the files the item attaches (a scanned decision's words).
    pub attachment_folded: Field,
    pub number: Field,
    pub number_key: Field,
    pub summary: Field,
    pub doc_type: Field,
    pub issuer: Field,
    pub field: Field,
    pub status: Field,
    pub level: Field,
    pub code: Field,
    pub year: Field,
    pub published_at: Field,
}

fn text(tokenizer: &str, positions: bool, stored: bool) -> TextOptions {
    let record = if positions {
        IndexRecordOption::WithFreqsAndPositions
    } else {
        IndexRecordOption::WithFreqs
    };
    let o = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(tokenizer)
            .set_index_option(record),
    );
    if stored {
        o.set_stored()
    } else {
        o
    }
}

impl Fields {
    /// Builds the schema and the field handles.
    pub fn schema() -> (Schema, Fields) {
        let mut b = Schema::builder();
        let facet = || STRING | FAST | STORED;
        let fields = Fields {
            id: b.add_i64_field("id", INDEXED | STORED | FAST),
            site: b.add_text_field("site", facet()),
            kind: b.add_text_field("kind", facet()),
            slug: b.add_text_field("slug", STORED),
            channel: b.add_text_field("channel", STRING | STORED),
            // The title is stored once, in the folded field, for snippets and display.
            // Exact spelling is a bonus per syllable, never a phrase: no positions.
            title_exact: b.add_text_field("title_exact", text(EXACT, false, false)),
            title_folded: b.add_text_field("title_folded", text(FOLDED, true, true)),
            body_folded: b.add_text_field("body_folded", text(FOLDED, true, false)),
            body_start: b.add_text_field("body_start", STORED),
            bigram: b.add_text_field("bigram", text(BIGRAM, false, false)),
            title_bigram: b.add_text_field("title_bigram", text(BIGRAM, false, false)),
            // Stored for snippets; one value per chunk so a snippet is made from the chunk
            // that matched, not from a whole decree.
            attachment_folded: b.add_text_field("attachment_folded", text(FOLDED, true, true)),
            number: b.add_text_field("number", text(FOLDED, true, true)),
            number_key: b.add_text_field("number_key", STRING),
            summary: b.add_text_field("summary", STORED),
            doc_type: b.add_text_field("doc_type", facet()),
            issuer: b.add_text_field("issuer", facet()),
            field: b.add_text_field("field", facet()),
            status: b.add_text_field("status", facet()),
            level: b.add_text_field("level", facet()),
            code: b.add_text_field("code", STRING | STORED),
            year: b.add_u64_field(
                "year",
                NumericOptions::default()
                    .set_indexed()
                    .set_fast()
                    .set_stored(),
            ),
            published_at: b.add_i64_field("published_at", FAST | STORED),
        };
        (b.build(), fields)
    }
}

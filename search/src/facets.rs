//! Facet counts of a search: for each filter, how many hits have each value.
//!
//! A collector of its own rather than tantivy's terms aggregations: those build a request
//! from JSON, count into hash maps per segment, go through intermediate results with a
//! dictionary lookup per bucket, and their result was read back through `serde_json`; on the
//! demo network that was a third of a search's time. Here every facet field is a fast
//! field, a hit adds one to a counter indexed by the term's ordinal in its segment, and
//! only the values that were counted are looked up, once per segment.

use std::collections::{BTreeMap, HashMap};
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, StrColumn};
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

use crate::search::FacetCount;

/// The facet fields (all `STRING | FAST`, but the year).
pub(crate) const FACETS: [&str; 8] = [
    "site", "kind", "doc_type", "issuer", "field", "status", "level", "year",
];
/// The numeric one.
const YEAR: &str = "year";
/// Values shown per facet at most, the most frequent first.
const MAX_VALUES: usize = 50;

/// Counts every facet of the hits it sees.
pub(crate) struct Facets;

/// One segment's counts: per text facet, a counter per term ordinal.
pub(crate) struct SegmentFacets {
    text: Vec<(&'static str, Option<StrColumn>, Vec<u32>)>,
    year: Option<Column<u64>>,
    years: HashMap<u64, u64>,
}

/// Values and their counts, per facet.
type Counts = BTreeMap<&'static str, HashMap<String, u64>>;

impl Collector for Facets {
    type Fruit = BTreeMap<String, Vec<FacetCount>>;
    type Child = SegmentFacets;

    fn for_segment(
        &self,
        _: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<SegmentFacets> {
        let fast = segment.fast_fields();
        let mut text = Vec::with_capacity(FACETS.len() - 1);
        for name in FACETS.into_iter().filter(|f| *f != YEAR) {
            let column = fast.str(name)?;
            let slots = column.as_ref().map_or(0, |c| c.num_terms());
            text.push((name, column, vec![0u32; slots]));
        }
        Ok(SegmentFacets {
            text,
            year: fast.u64(YEAR).ok(),
            years: HashMap::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Counts>) -> tantivy::Result<Self::Fruit> {
        let mut all: Counts = BTreeMap::new();
        for fruit in fruits {
            for (name, values) in fruit {
                let into = all.entry(name).or_default();
                for (value, n) in values {
                    *into.entry(value).or_default() += n;
                }
            }
        }
        Ok(FACETS
            .iter()
            .map(|name| {
                let mut counts: Vec<FacetCount> = all
                    .remove(name)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(value, count)| FacetCount { value, count })
                    .collect();
                // Most hits first; equal counts in the values' order, so answers are stable.
                counts.sort_by(|a, b| b.count.cmp(&a.count).then(a.value.cmp(&b.value)));
                counts.truncate(MAX_VALUES);
                ((*name).to_owned(), counts)
            })
            .collect())
    }
}

impl SegmentCollector for SegmentFacets {
    type Fruit = Counts;

    fn collect(&mut self, doc: DocId, _: Score) {
        for (_, column, counts) in &mut self.text {
            if let Some(c) = column {
                for ord in c.ords().values_for_doc(doc) {
                    if let Some(n) = usize::try_from(ord).ok().and_then(|o| counts.get_mut(o)) {
                        *n += 1;
                    }
                }
            }
        }
        if let Some(c) = &self.year {
            for y in c.values_for_doc(doc) {
                *self.years.entry(y).or_default() += 1;
            }
        }
    }

    fn harvest(self) -> Counts {
        let mut out: Counts = BTreeMap::new();
        let mut term = String::new();
        for (name, column, counts) in self.text {
            let values = out.entry(name).or_default();
            let Some(c) = column else { continue };
            for (ord, n) in counts.iter().enumerate().filter(|(_, n)| **n > 0) {
                term.clear();
                let found = u64::try_from(ord)
                    .ok()
                    .is_some_and(|o| c.ord_to_str(o, &mut term).unwrap_or(false));
                if found {
                    *values.entry(term.clone()).or_default() += u64::from(*n);
                }
            }
        }
        let years = out.entry(YEAR).or_default();
        for (y, n) in self.years {
            *years.entry(y.to_string()).or_default() += n;
        }
        out
    }
}

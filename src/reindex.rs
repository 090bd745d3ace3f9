//! `portico reindex`: the search index rebuilt from the store.

use crate::cli::DataArgs;
use crate::store::{existing, open};
use anyhow::Result;
use std::time::Instant;

pub fn run(data: &DataArgs) -> Result<()> {
    existing(data)?;
    rebuild(&open(data)?, data)
}

/// Rebuilds the index of `data` from what `engine` reads.
pub fn rebuild(engine: &portico_engine::Engine, data: &DataArgs) -> Result<()> {
    let index = portico_search::SearchIndex::open(&data.index_path())?;
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{bar:40} {pos}/{len} items ({per_sec}, {eta} left)",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let started = Instant::now();
    let n = portico_search::follower::rebuild(engine, &index, |done, total| {
        bar.set_length(total);
        bar.set_position(u64::try_from(done).unwrap_or(u64::MAX));
    })?;
    bar.finish_and_clear();
    println!(
        "indexed {n} published items in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

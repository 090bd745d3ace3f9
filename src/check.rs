//! `portico check`: the store's consistency, for operators and after a crash.

use crate::cli::DataArgs;
use crate::store::{existing, open};
use anyhow::{bail, Result};

pub fn run(data: &DataArgs) -> Result<()> {
    existing(data)?;
    let engine = open(data)?;
    let problems = engine.check().map_err(|e| anyhow::anyhow!("{e}"))?;
    if problems.is_empty() {
        println!("the store is consistent");
        Ok(())
    } else {
        for p in &problems {
            println!("{p}");
        }
        bail!("{} problems found", problems.len())
    }
}

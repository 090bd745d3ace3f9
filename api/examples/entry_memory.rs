//! Heap bytes the response cache allocates per stored answer, counted by the allocator: the
//! answer is one a node really sent (its header block and body, as `curl -D` saved them),
//! stored under N distinct URLs through the cache's own path.
//! Run by `bench/edge-memory.sh` (with the answer it measures); alone:
//!   cargo run --release -p portico-api --example entry_memory -- HEADERS BODY [N]

// Byte counts become signed for the running total and floats for the averages.
#![allow(clippy::as_conversions)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, AtomicUsize, Ordering};
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, Response};
use futures::FutureExt;
use portico_api::cache::{CacheConfig, Fetch, HttpCache};

/// Counts live heap bytes and allocations.
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);
static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        ALLOCATIONS.fetch_sub(1, Ordering::Relaxed);
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new: usize) -> *mut u8 {
        LIVE.fetch_add(new as isize - layout.size() as isize, Ordering::Relaxed);
        System.realloc(ptr, layout, new)
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let [_, head, body, ..] = args.as_slice() else {
        anyhow::bail!("usage: entry_memory HEADERS BODY [N]");
    };
    let n: usize = args
        .get(3)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(20_000);
    let head = std::fs::read_to_string(head)?;
    let body = bytes::Bytes::from(std::fs::read(body)?);
    let fields: Vec<(String, String)> = head
        .lines()
        .skip(1)
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .filter(|(k, _)| !k.eq_ignore_ascii_case("content-encoding"))
        .collect();
    let origin: Fetch = Arc::new(move |_| {
        let (fields, body) = (fields.clone(), body.clone());
        async move {
            let mut b = Response::builder();
            for (k, v) in &fields {
                b = b.header(k.as_str(), v.as_str());
            }
            b.body(Body::from(body))
                .map_err(|e| portico_api::cache::FetchError(e.to_string()))
        }
        .boxed()
    });
    let cache = HttpCache::new(CacheConfig {
        max_bytes: 1 << 40,
        ..CacheConfig::default()
    });
    let ask = |i: usize| {
        Request::get(format!("/api/v1/public/sites/main/items/an-item?n={i}"))
            .header("host", "laocai.example")
            .header("accept-encoding", "br, gzip")
            .body(())
            .map(|r| r.into_parts().0)
    };
    // One entry first: the cache's own structures, the encoders' first buffers.
    let first = cache.handle(ask(0)?, &origin).await;
    let _ = axum::body::to_bytes(first.into_body(), usize::MAX).await?;
    let (live, count) = (
        LIVE.load(Ordering::Relaxed),
        ALLOCATIONS.load(Ordering::Relaxed),
    );
    for i in 1..=n {
        let r = cache.handle(ask(i)?, &origin).await;
        let _ = axum::body::to_bytes(r.into_body(), usize::MAX).await?;
    }
    let (entries, counted) = cache.size();
    let bytes = (LIVE.load(Ordering::Relaxed) - live) as f64 / n as f64;
    let allocs = (ALLOCATIONS.load(Ordering::Relaxed) - count) as f64 / n as f64;
    println!(
        "{entries} entries: {bytes:.0} heap bytes and {allocs:.1} allocations per entry \
         (the cache counts {} bytes per entry)",
        counted / entries.max(1)
    );
    Ok(())
}

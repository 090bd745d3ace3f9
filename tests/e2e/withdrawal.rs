//! A withdrawn document leaves search everywhere within a second: many cycles of publish →
//! search → unpublish, with clients searching for it all the while at the node and through
//! the edge, in the API and on the search page. The purger runs at its most eager (no grace
//! for the search index), so every answer made between a purge and the index's commit is one
//! a cache could keep if it were allowed to.

use crate::cache::{edge_caught_up, start_edge, TOKEN};
use crate::support::Server;
use reqwest::StatusCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const CYCLES: u32 = 8;
const CLIENTS: usize = 6;

/// A word no other item has, of letters only (numbers are read as numbers).
fn word(cycle: u32) -> String {
    let mut n = cycle + 26 * 26;
    let mut w = String::from("rutlai");
    while n > 0 {
        w.push(char::from(b'a' + u8::try_from(n % 26).unwrap()));
        n /= 26;
    }
    w
}

/// One answer a client got: when its request began and ended, where, and whether it held
/// the item.
struct Seen {
    began: Instant,
    ended: Instant,
    address: String,
    found: bool,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_withdrawn_document_leaves_every_search_answer_within_a_second() {
    let s = Server::start_with(portico_api::ApiConfig {
        scheduler_interval: Duration::from_millis(100),
        edge_token: Some(TOKEN.into()),
        search_grace: Duration::ZERO,
        ..Default::default()
    })
    .await;
    let (edge, _stop) = start_edge(&[&s]).await;
    let admin = s.login("admin").await;
    let http = reqwest::Client::new();
    let mut late = Vec::new();
    let mut slowest = Duration::ZERO;
    let mut answers = 0;
    for cycle in 0..CYCLES {
        let word = word(cycle);
        let item = s
            .publish(&admin, "main", &format!("Quyết định thu hồi {word}"))
            .await;
        let id = item["id"].as_i64().unwrap();
        let slug = item["slug"].as_str().unwrap().to_owned();
        let addresses: Arc<Vec<String>> = Arc::new(
            [&s.base, &edge]
                .iter()
                .flat_map(|base| {
                    [
                        format!("{base}/api/v1/public/search?q={word}&site=main"),
                        format!("{base}/main/tim-kiem?q={word}"),
                    ]
                })
                .collect(),
        );
        // Found everywhere first, so the answers that hold it are in both caches.
        for a in addresses.iter() {
            let deadline = Instant::now() + Duration::from_secs(10);
            loop {
                let body = http.get(a).send().await.unwrap().text().await.unwrap();
                if body.contains(&slug) {
                    break;
                }
                assert!(
                    Instant::now() < deadline,
                    "{a} never found the published {slug}: an answer made before the index took it in was kept"
                );
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
        let stop = Arc::new(AtomicBool::new(false));
        let clients: Vec<_> = (0..CLIENTS)
            .map(|c| {
                let (http, stop, addresses, slug) = (
                    reqwest::Client::new(),
                    stop.clone(),
                    addresses.clone(),
                    slug.clone(),
                );
                tokio::spawn(async move {
                    let mut seen = Vec::new();
                    let mut i = c;
                    while !stop.load(Ordering::Acquire) {
                        let address = &addresses[i % addresses.len()];
                        i += 1;
                        let began = Instant::now();
                        let r = http.get(address).send().await.unwrap();
                        assert_eq!(r.status(), StatusCode::OK, "{address}");
                        let body = r.text().await.unwrap();
                        seen.push(Seen {
                            began,
                            ended: Instant::now(),
                            address: address.clone(),
                            found: body.contains(&slug),
                        });
                    }
                    seen
                })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(50)).await;
        let r = s.act(&admin, id, "unpublish").await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
        let acknowledged = Instant::now();
        // Until the index, the purger and the edge have all taken the withdrawal in, and a
        // second has passed, and then a while longer: answers made after that are the test.
        s.settled().await;
        edge_caught_up(&http, &edge, &[&s]).await;
        slowest = slowest.max(acknowledged.elapsed());
        let watch_until =
            Instant::now().max(acknowledged + Duration::from_secs(1)) + Duration::from_millis(400);
        tokio::time::sleep_until(watch_until.into()).await;
        stop.store(true, Ordering::Release);
        for c in clients {
            for seen in c.await.unwrap() {
                answers += 1;
                if seen.found && seen.ended > acknowledged + Duration::from_secs(1) {
                    late.push(format!(
                        "cycle {cycle}: {} held the withdrawn item {:?} after the unpublish (asked at {:?})",
                        seen.address,
                        seen.ended - acknowledged,
                        seen.began.saturating_duration_since(acknowledged)
                    ));
                }
            }
        }
    }
    assert!(
        late.is_empty(),
        "{} of {answers} answers held a withdrawn item more than a second after it was withdrawn (the index, purger and edge took at most {slowest:?} to take a withdrawal in):\n{}",
        late.len(),
        late.join("\n")
    );
    assert!(
        answers > 100,
        "only {answers} answers: the clients hardly ran"
    );
}

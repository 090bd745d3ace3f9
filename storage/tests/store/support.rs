//! A small network on a fresh store, with a clock the test controls.

use chrono::{TimeZone, Utc};
use portico_engine::{
    Actor, Engine, ItemView, ManualClock, NewItemInput, SaveInput, Store, TransitionInput,
};
use portico_storage::{Durability, PgStore, SqliteStore};
use serde_json::json;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::pg_server;

pub struct Fixture {
    pub engine: Engine,
    pub store: Arc<dyn Store>,
    pub clock: Arc<ManualClock>,
    pub dir: tempfile::TempDir,
    pub author: Actor,
    pub editor: Actor,
    pub approver: Actor,
    /// An author on `so-tai-chinh` only.
    pub outsider: Actor,
    /// The backend under test ("sqlite", "postgres") and how to open it again.
    pub backend: &'static str,
    pub open: Opener,
}

/// Opens a store of one backend for a folder: the SQLite database in it, or the PostgreSQL
/// database made for it (the same one each time the same folder is opened).
pub type Opener = fn(&Path) -> Arc<dyn Store>;

/// Every backend under test: SQLite and the in-memory store always, PostgreSQL unless opted
/// out (never in CI).
pub fn backends() -> Vec<(&'static str, Opener)> {
    let mut all: Vec<(&'static str, Opener)> = vec![("sqlite", |dir| {
        Arc::new(
            SqliteStore::open(&dir.join("portico.db"), Durability::Normal).expect("open sqlite"),
        )
    })];
    all.push(("memory", |dir| memory_store(dir)));
    if pg_server::cluster().is_some() {
        all.push(("postgres", |dir| {
            Arc::new(PgStore::connect(&pg_url(dir)).expect("connect to postgres"))
        }));
    }
    all
}

/// The backends that are databases, shared by processes (all but the in-memory store).
pub fn databases() -> Vec<(&'static str, Opener)> {
    backends()
        .into_iter()
        .filter(|(name, _)| *name != "memory")
        .collect()
}

/// The in-memory store of a test folder: the same one each time the folder is opened, as a
/// database would be.
fn memory_store(dir: &Path) -> Arc<dyn Store> {
    static STORES: Mutex<Option<HashMap<PathBuf, Arc<portico_engine::MemoryStore>>>> =
        Mutex::new(None);
    let mut stores = STORES.lock().unwrap();
    let stores = stores.get_or_insert_with(HashMap::new);
    stores
        .entry(dir.to_owned())
        .or_insert_with(|| Arc::new(portico_engine::MemoryStore::new()))
        .clone()
}

/// The PostgreSQL database of a test folder, created on first use.
pub fn pg_url(dir: &Path) -> String {
    static DATABASES: Mutex<Option<HashMap<PathBuf, String>>> = Mutex::new(None);
    let mut dbs = DATABASES.lock().unwrap();
    let dbs = dbs.get_or_insert_with(HashMap::new);
    dbs.entry(dir.to_owned())
        .or_insert_with(|| {
            pg_server::cluster()
                .expect("postgres is under test")
                .fresh_database()
        })
        .clone()
}

/// Runs `test` once per backend on a fresh fixture.
pub fn each_backend(test: impl Fn(Fixture)) {
    for (name, open) in backends() {
        eprintln!("backend: {name}");
        let dir = tempfile::tempdir().expect("tempdir");
        let store = open(dir.path());
        test(fixture(store, dir, name, open));
    }
}

fn fixture(
    store: Arc<dyn Store>,
    dir: tempfile::TempDir,
    backend: &'static str,
    open: Opener,
) -> Fixture {
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 11, 1, 8, 0, 0).unwrap(),
    ));
    let engine = Engine::new(store.clone(), clock.clone())
        .with_hash_cost(portico_engine::HashCost::TestsOnly);
    portico_demo::seed_small_network(&engine, "pw").unwrap();
    Fixture {
        author: engine.actor_by_name("author").unwrap(),
        editor: engine.actor_by_name("editor").unwrap(),
        approver: engine.actor_by_name("approver").unwrap(),
        outsider: engine.actor_by_name("outsider").unwrap(),
        engine,
        store,
        clock,
        dir,
        backend,
        open,
    }
}

impl Fixture {
    pub fn article(&self, site: &str, title: &str) -> ItemView {
        self.engine
            .create_item(
                &self.author,
                site,
                NewItemInput {
                    kind: "article".into(),
                    channels: vec!["tin-tuc-su-kien".into()],
                    slug: None,
                    fields: json!({"title": title, "body": "Nội dung."}),
                },
            )
            .unwrap()
    }

    pub fn act(&self, who: &Actor, item: &ItemView, action: &str) -> ItemView {
        self.engine
            .transition(
                who,
                item.id,
                TransitionInput {
                    action: action.into(),
                    comment: Some("ghi chú".into()),
                    at: None,
                },
            )
            .unwrap()
    }

    pub fn published(&self, title: &str) -> ItemView {
        let item = self.article("main", title);
        self.act(&self.author, &item, "submit");
        self.act(&self.editor, &item, "forward");
        self.act(&self.approver, &item, "publish")
    }

    pub fn save(
        &self,
        who: &Actor,
        item: &ItemView,
        base: u32,
        title: &str,
    ) -> Result<ItemView, portico_engine::EngineError> {
        self.engine.save_item(
            who,
            item.id,
            SaveInput {
                base_revision: base,
                fields: json!({"title": title}),
                channels: None,
            },
        )
    }

    pub fn event_count(&self) -> usize {
        self.engine.events_after(0, 10_000).unwrap().len()
    }
}

//! A real PostgreSQL server for tests: Debian's packages (installed by
//! `scripts/pg-server.sh`), one throwaway cluster per test process in a temporary folder on a
//! free port on 127.0.0.1, and a fresh database for every test.
//!
//! The cluster is started by a thread that lives as long as the test process, with a
//! parent-death signal: when the process ends, however it ends, the server shuts down.
//! Folders of clusters whose process is gone are removed by the next run.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

pub struct PgCluster {
    pub port: u16,
    bin: PathBuf,
}

const USER: &str = "portico";

/// Whether the developer opted out with `PORTICO_SKIP_PG=1` (never in CI).
pub fn opted_out() -> bool {
    std::env::var("PORTICO_SKIP_PG").is_ok_and(|v| v == "1")
        && std::env::var("CI").map_or(true, |v| v != "true")
}

/// The process's cluster, started on first use; `None` when opted out. Fails the test,
/// saying what to install, when PostgreSQL is missing.
pub fn cluster() -> Option<&'static PgCluster> {
    if opted_out() {
        eprintln!("PostgreSQL tests skipped (PORTICO_SKIP_PG=1)");
        return None;
    }
    static CLUSTER: OnceLock<Result<PgCluster, String>> = OnceLock::new();
    match CLUSTER.get_or_init(start) {
        Ok(c) => Some(c),
        Err(e) => panic!("{e}"),
    }
}

/// The folder with PostgreSQL's server programs: `PORTICO_PG_BIN`, else the newest
/// `/usr/lib/postgresql/<version>/bin` (Debian's layout).
fn bin_dir() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("PORTICO_PG_BIN") {
        return Some(PathBuf::from(p));
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let v = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("postgres").is_file().then_some((v, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, p)| p)
}

fn id_of(flag: &str) -> Result<u32, String> {
    let out = Command::new("id")
        .args([flag, "postgres"])
        .output()
        .map_err(|e| format!("cannot run id: {e}"))?;
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .map_err(|_| {
            "the tests run as root, and PostgreSQL needs a user of its own: the Debian package \
             creates 'postgres' (run scripts/pg-server.sh)"
                .to_owned()
        })
}

/// Removes the folders of earlier runs whose process has ended.
fn sweep(parent: &Path) {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for e in entries.filter_map(|e| e.ok()) {
        let name = e.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix("portico-pg-"))
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        if !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}

fn start() -> Result<PgCluster, String> {
    let Some(bin) = bin_dir() else {
        return Err(
            "PostgreSQL is not installed: run scripts/pg-server.sh (scripts/test does; \
                    it installs Debian's postgresql package), or set PORTICO_SKIP_PG=1 to skip \
                    the PostgreSQL tests outside CI"
                .into(),
        );
    };
    // SAFETY: geteuid has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    // PostgreSQL refuses to run as root: its programs then run as the `postgres` user.
    let owner = if root {
        Some((id_of("-u")?, id_of("-g")?))
    } else {
        None
    };
    let parent = std::env::temp_dir();
    sweep(&parent);
    let dir = parent.join(format!("portico-pg-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    if let Some((uid, gid)) = owner {
        std::os::unix::fs::chown(&dir, Some(uid), Some(gid))
            .map_err(|e| format!("cannot hand {} to postgres: {e}", dir.display()))?;
    }
    let data = dir.join("data");
    let mut initdb = Command::new(bin.join("initdb"));
    initdb
        .arg("-D")
        .arg(&data)
        .args([
            "-U",
            USER,
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    as_owner(&mut initdb, owner);
    let out = initdb
        .output()
        .map_err(|e| format!("cannot run {}/initdb: {e}", bin.display()))?;
    if !out.status.success() {
        return Err(format!(
            "initdb failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| format!("no free port: {e}"))?
        .port();
    let (tx, rx) = std::sync::mpsc::channel();
    let server = bin.join("postgres");
    let log = dir.join("server.log");
    // The thread that starts the server lives until the process ends: the parent-death
    // signal is tied to it.
    std::thread::spawn(move || {
        let mut cmd = Command::new(&server);
        cmd.arg("-D")
            .arg(&data)
            .args(["-p", &port.to_string()])
            .args(["-c", "listen_addresses=127.0.0.1"])
            .arg("-c")
            .arg(format!("unix_socket_directories={}", dir.display()))
            // Throwaway data: durability buys nothing here.
            .args(["-c", "fsync=off", "-c", "synchronous_commit=off"])
            .args(["-c", "full_page_writes=off", "-c", "max_connections=300"])
            .args(["-c", "shared_buffers=64MB"])
            .stdin(Stdio::null());
        match std::fs::File::create(&log) {
            Ok(f) => {
                let f2 = f.try_clone().ok();
                cmd.stdout(f);
                if let Some(f2) = f2 {
                    cmd.stderr(f2);
                }
            }
            Err(_) => {
                cmd.stdout(Stdio::null()).stderr(Stdio::null());
            }
        }
        as_owner(&mut cmd, owner);
        // SAFETY: prctl is async-signal-safe; the closure allocates nothing.
        unsafe {
            std::os::unix::process::CommandExt::pre_exec(&mut cmd, || {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGINT);
                Ok(())
            });
        }
        match cmd.spawn() {
            Ok(mut child) => {
                let _ = tx.send(Ok(()));
                let _ = child.wait();
            }
            Err(e) => {
                let _ = tx.send(Err(format!("cannot start {}: {e}", server.display())));
            }
        }
        loop {
            std::thread::park();
        }
    });
    rx.recv()
        .map_err(|_| "the PostgreSQL starter thread died".to_owned())??;
    let cluster = PgCluster { port, bin };
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if cluster.psql("postgres", "SELECT 1").is_ok() {
            return Ok(cluster);
        }
        if Instant::now() > deadline {
            return Err(format!(
                "PostgreSQL did not start on port {port}; see {}",
                parent
                    .join(format!("portico-pg-{}/server.log", std::process::id()))
                    .display()
            ));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Drops root for PostgreSQL's own programs.
fn as_owner(cmd: &mut Command, owner: Option<(u32, u32)>) {
    if let Some((uid, gid)) = owner {
        use std::os::unix::process::CommandExt;
        cmd.uid(uid).gid(gid).current_dir("/");
    }
}

impl PgCluster {
    /// Runs one statement with psql.
    pub fn psql(&self, db: &str, sql: &str) -> Result<String, String> {
        let out = Command::new(self.bin.join("psql"))
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string(), "-U", USER])
            .args([
                "-d",
                db,
                "-X",
                "-q",
                "-t",
                "-A",
                "-v",
                "ON_ERROR_STOP=1",
                "-c",
                sql,
            ])
            .output()
            .map_err(|e| format!("cannot run psql: {e}"))?;
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        }
    }

    /// A new, empty database; its URL.
    pub fn fresh_database(&self) -> String {
        static N: AtomicUsize = AtomicUsize::new(0);
        let name = format!(
            "t{}_{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        );
        if let Err(e) = self.psql("postgres", &format!("CREATE DATABASE {name}")) {
            panic!("cannot create database {name}: {e}");
        }
        self.url(&name)
    }

    pub fn url(&self, db: &str) -> String {
        format!("postgres://{USER}@127.0.0.1:{}/{db}", self.port)
    }
}

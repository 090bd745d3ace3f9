//! The `.tar` files of backups and exports: entries written with their size and SHA-256
//! (for the manifest), to `FILE.partial` until complete; and a reader that hashes as it goes.

use crate::backup::{BackupError, Entry};
use crate::blobs::ObjectBlobs;
use portico_engine::Blobs;
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{BufWriter, Read};
use std::path::{Path, PathBuf};

/// Lower-case hex of a digest.
pub(crate) fn hex(h: Sha256) -> String {
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Passes bytes through, counting and hashing them.
pub(crate) struct Hashing<R> {
    pub(crate) inner: R,
    pub(crate) hash: Sha256,
    pub(crate) size: u64,
}

impl<R> Hashing<R> {
    pub(crate) fn new(inner: R) -> Hashing<R> {
        Hashing {
            inner,
            hash: Sha256::new(),
            size: 0,
        }
    }

    /// What was read: its size and SHA-256.
    pub(crate) fn entry(self, path: &str) -> Entry {
        Entry {
            path: path.to_owned(),
            size: self.size,
            sha256: hex(self.hash),
        }
    }
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hash.update(buf.get(..n).unwrap_or_default());
        self.size += u64::try_from(n).unwrap_or(0);
        Ok(n)
    }
}

/// Where an archive's bytes go: the file itself, or gzip over it when the name asks for it
/// (`.tar.gz`, `.tgz`). Level 1: the JSON compresses well at any level, and the media (JPEG,
/// PDF) are compressed already, so a higher level costs time and gains little.
enum Sink {
    Plain(BufWriter<File>),
    /// Boxed: the compressor's state is large, the plain writer small.
    Gzip(Box<flate2::write::GzEncoder<BufWriter<File>>>),
}

impl std::io::Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Sink::Plain(w) => w.write(buf),
            Sink::Gzip(w) => w.write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Sink::Plain(w) => w.flush(),
            Sink::Gzip(w) => w.flush(),
        }
    }
}

impl Sink {
    /// Writes out what is buffered (and gzip's trailer) and gives the file back.
    fn close(self) -> std::io::Result<File> {
        let buf = match self {
            Sink::Plain(w) => w,
            Sink::Gzip(w) => w.finish()?,
        };
        buf.into_inner().map_err(|e| e.into_error())
    }
}

/// Whether a file name asks for a gzip-compressed archive.
pub(crate) fn gzip_name(path: &Path) -> bool {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    name.ends_with(".tar.gz") || name.ends_with(".tgz")
}

/// Opens an archive for reading, plain or gzip-compressed (told by its first bytes, not its
/// name).
pub(crate) fn open_archive(path: &Path) -> Result<tar::Archive<Box<dyn Read + Send>>, BackupError> {
    use std::io::{Seek, SeekFrom};
    let io = |source| BackupError::Io {
        what: format!("opening {}", path.display()),
        source,
    };
    let mut f = File::open(path).map_err(io)?;
    let mut magic = [0u8; 2];
    let gz = matches!(f.read_exact(&mut magic), Ok(()) if magic == [0x1f, 0x8b]);
    f.seek(SeekFrom::Start(0)).map_err(io)?;
    let reader: Box<dyn Read + Send> = if gz {
        Box::new(flate2::read::GzDecoder::new(std::io::BufReader::new(f)))
    } else {
        Box::new(std::io::BufReader::new(f))
    };
    Ok(tar::Archive::new(reader))
}

/// An archive being written.
pub(crate) struct TarOut {
    tar: tar::Builder<Sink>,
    pub(crate) entries: Vec<Entry>,
    partial: PathBuf,
    out: PathBuf,
}

impl TarOut {
    /// Starts `out` as `out.partial`.
    pub(crate) fn create(out: &Path) -> Result<TarOut, BackupError> {
        let partial = out.with_extension("partial");
        let file = File::create(&partial).map_err(|source| BackupError::Io {
            what: format!("creating {}", partial.display()),
            source,
        })?;
        let buf = BufWriter::new(file);
        let sink = if gzip_name(out) {
            Sink::Gzip(Box::new(flate2::write::GzEncoder::new(
                buf,
                flate2::Compression::fast(),
            )))
        } else {
            Sink::Plain(buf)
        };
        Ok(TarOut {
            tar: tar::Builder::new(sink),
            entries: Vec::new(),
            partial,
            out: out.to_owned(),
        })
    }

    /// Adds `size` bytes read from `reader` as `path`, hashing them on the way.
    pub(crate) fn add_reader(
        &mut self,
        path: &str,
        size: u64,
        reader: impl Read,
    ) -> Result<(), BackupError> {
        let mut header = tar::Header::new_gnu();
        header.set_size(size);
        header.set_mode(0o644);
        // A fixed time: two archives of the same data are the same bytes.
        header.set_mtime(0);
        let mut hashing = Hashing::new(reader);
        self.tar
            .append_data(&mut header, path, &mut hashing)
            .map_err(|source| BackupError::Io {
                what: format!("writing {path}"),
                source,
            })?;
        self.entries.push(hashing.entry(path));
        Ok(())
    }

    /// Adds bytes held in memory.
    pub(crate) fn add(&mut self, path: &str, bytes: &[u8]) -> Result<(), BackupError> {
        self.add_reader(path, u64::try_from(bytes.len()).unwrap_or(u64::MAX), bytes)
    }

    /// Adds a file from disk, streamed.
    pub(crate) fn add_file(&mut self, path: &str, file: &Path) -> Result<(), BackupError> {
        let io = |source| BackupError::Io {
            what: format!("reading {}", file.display()),
            source,
        };
        let size = std::fs::metadata(file).map_err(io)?.len();
        let f = File::open(file).map_err(io)?;
        self.add_reader(path, size, std::io::BufReader::new(f))
    }

    /// Writes the end of the archive, syncs it and gives it its name; returns its size.
    pub(crate) fn finish(self) -> Result<u64, BackupError> {
        let io = |what: String| move |source| BackupError::Io { what, source };
        let sink = self
            .tar
            .into_inner()
            .map_err(io(format!("finishing {}", self.partial.display())))?;
        let file = sink
            .close()
            .map_err(io(format!("writing {}", self.partial.display())))?;
        file.sync_all()
            .map_err(io(format!("syncing {}", self.partial.display())))?;
        drop(file);
        std::fs::rename(&self.partial, &self.out)
            .map_err(io(format!("renaming to {}", self.out.display())))?;
        Ok(std::fs::metadata(&self.out).map(|m| m.len()).unwrap_or(0))
    }
}

/// Adds every media original that `keep` accepts (by key), in key order, one file in memory
/// at a time (an original is at most the upload limit); returns how many and their bytes.
pub(crate) fn add_media(
    w: &mut TarOut,
    blobs: &ObjectBlobs,
    runtime: &tokio::runtime::Handle,
    keep: &dyn Fn(&str) -> bool,
    progress: &mut dyn FnMut(u64),
) -> Result<(u64, u64), BackupError> {
    let media = |e: portico_engine::BlobError| BackupError::Media(e.to_string());
    let mut keys = runtime.block_on(blobs.keys("originals")).map_err(media)?;
    keys.sort();
    let (mut files, mut bytes) = (0u64, 0u64);
    for (key, _) in keys.into_iter().filter(|(k, _)| keep(k)) {
        // A file deleted since it was listed is no longer referenced: passed over.
        if let Some(b) = runtime.block_on(blobs.get(&key)).map_err(media)? {
            w.add(&format!("media/{key}"), &b)?;
            files += 1;
            bytes += u64::try_from(b.len()).unwrap_or(0);
            progress(files);
        }
    }
    Ok((files, bytes))
}

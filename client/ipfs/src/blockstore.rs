//! Blocks on disk, one file per block under `blocks/<shard>/<multihash in hex>`, keyed by
//! multihash as kubo keys them (a raw block and a CIDv0 or CIDv1 of the same bytes are one file).
//!
//! - **Crash safety.** A block or pin is written to a temporary file in the store, synced, renamed
//!   into place and its directory synced: after a kill -9 a block is there whole or not at all.
//!   Leftover temporary files are removed when the store opens.
//! - **Verified reads.** Every read re-hashes the block; a corrupt one is an error, never data.
//! - **Pins and GC.** A recursive pin keeps a DAG, a direct pin one block; [`Blockstore::gc`]
//!   removes every block no pin reaches. Adds hold [`Blockstore::writer`] until they pin, so a
//!   collection never takes the blocks of an add in progress.

use crate::dag_pb::{decode_node, decode_unixfs, DataType};
use crate::importer::{sha2_256, BlockSink, DAG_PB, RAW, SHA2_256};
use crate::{Cid, Error};
use std::collections::HashSet;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{RwLock, RwLockReadGuard};

/// How a pin holds its CID.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PinKind {
    /// The block and everything it links to.
    Recursive,
    /// The block alone.
    Direct,
}

impl PinKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PinKind::Recursive => "recursive",
            PinKind::Direct => "direct",
        }
    }
}

/// A blockstore in a directory.
pub struct Blockstore {
    root: PathBuf,
    /// Writers share it; garbage collection takes it alone.
    gc_lock: RwLock<()>,
}

/// The multihash of `cid` as a file name.
fn key(cid: &Cid) -> String {
    hex::encode(cid.hash().to_bytes())
}

/// Checks that `cid` is one this store can verify and read.
fn supported(cid: &Cid) -> Result<(), Error> {
    if cid.hash().code() != SHA2_256 {
        return Err(Error::UnsupportedHash(cid.hash().code()));
    }
    if cid.codec() != DAG_PB && cid.codec() != RAW {
        return Err(Error::UnsupportedCodec(cid.codec()));
    }
    Ok(())
}

/// Whether `bytes` are what `cid` names.
fn matches(cid: &Cid, bytes: &[u8]) -> bool {
    sha2_256(bytes).digest() == cid.hash().digest()
}

/// Writes `bytes` to `path` atomically: a synced temporary file in `tmp`, renamed into place,
/// and the directory synced.
fn write_atomic(tmp: &Path, path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let dir = path
        .parent()
        .ok_or_else(|| Error::Internal(format!("{} has no directory", path.display())))?;
    fs::create_dir_all(dir).map_err(Error::io("creating", dir))?;
    let mut file =
        tempfile::NamedTempFile::new_in(tmp).map_err(Error::io("creating a file in", tmp))?;
    file.write_all(bytes)
        .map_err(Error::io("writing", file.path().to_path_buf()))?;
    file.as_file()
        .sync_all()
        .map_err(Error::io("syncing", file.path().to_path_buf()))?;
    file.persist(path)
        .map_err(|e| Error::io("renaming into", path)(e.error))?;
    fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(Error::io("syncing", dir))
}

impl Blockstore {
    /// Opens (creating if needed) the store in `root`.
    pub fn open(root: impl Into<PathBuf>) -> Result<Self, Error> {
        let root = root.into();
        for dir in ["blocks", "pins", "tmp"] {
            let path = root.join(dir);
            fs::create_dir_all(&path).map_err(Error::io("creating", &path))?;
        }
        // Whatever a crash left half-written never reached its place: drop it.
        let tmp = root.join("tmp");
        for entry in fs::read_dir(&tmp).map_err(Error::io("reading", &tmp))? {
            let path = entry.map_err(Error::io("reading", &tmp))?.path();
            let _ = fs::remove_file(path);
        }
        Ok(Self {
            root,
            gc_lock: RwLock::new(()),
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn block_path(&self, cid: &Cid) -> PathBuf {
        let key = key(cid);
        // Shard on digest bytes (after the 2-byte multihash prefix), which are uniform.
        let shard = key.get(4..6).unwrap_or("00");
        self.root.join("blocks").join(shard).join(key)
    }

    fn pin_path(&self, cid: &Cid) -> PathBuf {
        self.root.join("pins").join(key(cid))
    }

    /// Held by everything that writes blocks it will pin; garbage collection waits for it.
    pub fn writer(&self) -> RwLockReadGuard<'_, ()> {
        self.gc_lock.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Stores `bytes` as `cid` after checking they hash to it. Storing a block twice is a no-op.
    pub fn put(&self, cid: &Cid, bytes: &[u8]) -> Result<(), Error> {
        supported(cid)?;
        if !matches(cid, bytes) {
            return Err(Error::HashMismatch(*cid));
        }
        let path = self.block_path(cid);
        if path.exists() {
            return Ok(());
        }
        write_atomic(&self.root.join("tmp"), &path, bytes)
    }

    /// The block `cid`, verified.
    pub fn get(&self, cid: &Cid) -> Result<Vec<u8>, Error> {
        supported(cid)?;
        let path = self.block_path(cid);
        let bytes = match fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(Error::NotFound(*cid))
            }
            Err(e) => return Err(Error::io("reading", path)(e)),
        };
        if !matches(cid, &bytes) {
            return Err(Error::Corrupt(*cid));
        }
        Ok(bytes)
    }

    pub fn has(&self, cid: &Cid) -> bool {
        self.block_path(cid).exists()
    }

    /// The size of block `cid`, in bytes.
    pub fn size(&self, cid: &Cid) -> Result<u64, Error> {
        let path = self.block_path(cid);
        match fs::metadata(&path) {
            Ok(m) => Ok(m.len()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(Error::NotFound(*cid)),
            Err(e) => Err(Error::io("reading", path)(e)),
        }
    }

    /// The CIDs `cid`'s block links to (none for a raw block, which must be here all the same).
    pub fn links(&self, cid: &Cid) -> Result<Vec<Cid>, Error> {
        if cid.codec() == RAW {
            return if self.has(cid) {
                Ok(Vec::new())
            } else {
                Err(Error::NotFound(*cid))
            };
        }
        let bytes = self.get(cid)?;
        let node = decode_node(&bytes).map_err(|e| Error::Malformed {
            cid: *cid,
            reason: e.to_string(),
        })?;
        node.links
            .iter()
            .map(|l| {
                Cid::try_from(l.hash.as_deref().unwrap_or_default()).map_err(|e| Error::Malformed {
                    cid: *cid,
                    reason: format!("a link is no CID: {e}"),
                })
            })
            .collect()
    }

    /// Every CID of the DAG under `root`, root first; each block is read and verified.
    pub fn dag(&self, root: &Cid) -> Result<Vec<Cid>, Error> {
        let mut seen = HashSet::new();
        let mut order = Vec::new();
        let mut stack = vec![*root];
        while let Some(cid) = stack.pop() {
            if !seen.insert(key(&cid)) {
                continue;
            }
            order.push(cid);
            let mut links = self.links(&cid)?;
            links.reverse();
            stack.extend(links);
        }
        Ok(order)
    }

    /// Pins `cid`; a recursive pin first checks that the whole DAG is here.
    pub fn pin(&self, cid: &Cid, kind: PinKind) -> Result<(), Error> {
        match kind {
            PinKind::Recursive => {
                self.dag(cid)?;
            }
            PinKind::Direct => {
                self.get(cid)?;
            }
        }
        let line = format!("{cid} {}\n", kind.as_str());
        write_atomic(&self.root.join("tmp"), &self.pin_path(cid), line.as_bytes())
    }

    /// Removes the pin of `cid`.
    pub fn unpin(&self, cid: &Cid) -> Result<(), Error> {
        let path = self.pin_path(cid);
        match fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(Error::NotPinned(*cid)),
            Err(e) => Err(Error::io("removing", path)(e)),
        }
    }

    /// Every pin.
    pub fn pins(&self) -> Result<Vec<(Cid, PinKind)>, Error> {
        let dir = self.root.join("pins");
        let mut pins = Vec::new();
        for entry in fs::read_dir(&dir).map_err(Error::io("reading", &dir))? {
            let path = entry.map_err(Error::io("reading", &dir))?.path();
            let text = fs::read_to_string(&path).map_err(Error::io("reading", &path))?;
            let mut parts = text.split_whitespace();
            let cid = parts
                .next()
                .and_then(|c| Cid::try_from(c).ok())
                .ok_or_else(|| Error::Internal(format!("unreadable pin {}", path.display())))?;
            let kind = match parts.next() {
                Some("direct") => PinKind::Direct,
                _ => PinKind::Recursive,
            };
            pins.push((cid, kind));
        }
        pins.sort_by_key(|(c, _)| c.to_string());
        Ok(pins)
    }

    /// Removes every block no pin reaches; returns the removed blocks' file names (multihash in
    /// hex). Waits for writers in progress.
    pub fn gc(&self) -> Result<Vec<String>, Error> {
        let _alone = self.gc_lock.write().unwrap_or_else(|e| e.into_inner());
        let mut keep = HashSet::new();
        for (cid, kind) in self.pins()? {
            match kind {
                PinKind::Direct => {
                    keep.insert(key(&cid));
                }
                PinKind::Recursive => keep.extend(self.dag(&cid)?.iter().map(key)),
            }
        }
        let blocks = self.root.join("blocks");
        let mut removed = Vec::new();
        for shard in fs::read_dir(&blocks).map_err(Error::io("reading", &blocks))? {
            let shard = shard.map_err(Error::io("reading", &blocks))?.path();
            for entry in fs::read_dir(&shard).map_err(Error::io("reading", &shard))? {
                let path = entry.map_err(Error::io("reading", &shard))?.path();
                let name = path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or_default()
                    .to_owned();
                if !keep.contains(&name) {
                    fs::remove_file(&path).map_err(Error::io("removing", &path))?;
                    removed.push(name);
                }
            }
        }
        Ok(removed)
    }

    /// Writes the file under `root` to `out`, block by verified block, in order.
    pub fn read_file(&self, root: &Cid, out: &mut impl Write) -> Result<u64, Error> {
        let mut written = 0u64;
        let mut stack = vec![*root];
        while let Some(cid) = stack.pop() {
            let bytes = self.get(&cid)?;
            let data: &[u8] = if cid.codec() == RAW {
                &bytes
            } else {
                let malformed = |reason: String| Error::Malformed { cid, reason };
                let node = decode_node(&bytes).map_err(|e| malformed(e.to_string()))?;
                let unixfs = decode_unixfs(node.data.as_deref().unwrap_or_default())
                    .map_err(|e| malformed(e.to_string()))?;
                if unixfs.r#type != DataType::File as i32 && unixfs.r#type != DataType::Raw as i32 {
                    return Err(malformed("not a file".into()));
                }
                for link in node.links.iter().rev() {
                    let child = Cid::try_from(link.hash.as_deref().unwrap_or_default())
                        .map_err(|e| malformed(format!("a link is no CID: {e}")))?;
                    stack.push(child);
                }
                let data = unixfs.data.unwrap_or_default();
                out.write_all(&data).map_err(Error::Read)?;
                written += data.len() as u64;
                continue;
            };
            out.write_all(data).map_err(Error::Read)?;
            written += data.len() as u64;
        }
        Ok(written)
    }
}

/// The importer stores straight into a blockstore.
impl BlockSink for &Blockstore {
    fn put(&mut self, cid: &Cid, block: &[u8]) -> Result<(), Error> {
        Blockstore::put(self, cid, block)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::importer::{import_bytes, ImportOptions};

    fn data(len: usize, seed: u32) -> Vec<u8> {
        (0..len as u32)
            .map(|i| (i.wrapping_mul(2_654_435_761).wrapping_add(seed) >> 13) as u8)
            .collect()
    }

    #[test]
    fn a_file_reads_back_whole_from_its_dag() {
        let dir = tempfile::tempdir().unwrap();
        let store = Blockstore::open(dir.path()).unwrap();
        for options in [ImportOptions::v0(), ImportOptions::v1()] {
            let bytes = data(1_000_000, 1);
            let imported = import_bytes(&bytes, options, &store).unwrap();
            let mut back = Vec::new();
            assert_eq!(
                store.read_file(&imported.cid, &mut back).unwrap(),
                1_000_000
            );
            assert_eq!(back, bytes);
        }
    }

    #[test]
    fn a_corrupt_block_is_an_error_not_data() {
        let dir = tempfile::tempdir().unwrap();
        let store = Blockstore::open(dir.path()).unwrap();
        let imported = import_bytes(&data(1000, 2), ImportOptions::v1(), &store).unwrap();
        let path = store.block_path(&imported.cid);
        let mut bytes = fs::read(&path).unwrap();
        bytes[10] ^= 1;
        fs::write(&path, bytes).unwrap();
        assert!(matches!(store.get(&imported.cid), Err(Error::Corrupt(_))));
        let mut out = Vec::new();
        assert!(store.read_file(&imported.cid, &mut out).is_err());
    }

    #[test]
    fn bytes_that_do_not_hash_to_the_cid_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let store = Blockstore::open(dir.path()).unwrap();
        let cid = Cid::new_v1(RAW, sha2_256(b"one"));
        assert!(matches!(
            store.put(&cid, b"two"),
            Err(Error::HashMismatch(_))
        ));
        assert!(!store.has(&cid));
    }

    #[test]
    fn gc_keeps_what_pins_reach_and_removes_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let store = Blockstore::open(dir.path()).unwrap();
        let kept = import_bytes(&data(700_000, 3), ImportOptions::v1(), &store).unwrap();
        let dropped = import_bytes(&data(700_000, 4), ImportOptions::v1(), &store).unwrap();
        store.pin(&kept.cid, PinKind::Recursive).unwrap();
        let removed = store.gc().unwrap();
        // Three raw leaves and a parent.
        assert_eq!(removed.len(), 4);
        let mut out = Vec::new();
        store.read_file(&kept.cid, &mut out).unwrap();
        assert!(matches!(store.get(&dropped.cid), Err(Error::NotFound(_))));
        store.unpin(&kept.cid).unwrap();
        assert!(matches!(store.unpin(&kept.cid), Err(Error::NotPinned(_))));
        assert_eq!(store.gc().unwrap().len(), 4);
    }

    #[test]
    fn a_recursive_pin_needs_the_whole_dag() {
        let dir = tempfile::tempdir().unwrap();
        let store = Blockstore::open(dir.path()).unwrap();
        let mut blocks = Vec::new();
        let imported = import_bytes(&data(600_000, 5), ImportOptions::v1(), &mut blocks).unwrap();
        // Only the root arrives.
        let (root, bytes) = blocks.last().unwrap();
        store.put(root, bytes).unwrap();
        assert!(matches!(
            store.pin(&imported.cid, PinKind::Recursive),
            Err(Error::NotFound(_))
        ));
        assert!(store.pins().unwrap().is_empty());
    }

    #[test]
    fn leftovers_of_a_crash_are_cleared_on_open() {
        let dir = tempfile::tempdir().unwrap();
        drop(Blockstore::open(dir.path()).unwrap());
        fs::write(dir.path().join("tmp").join("half-written"), b"xx").unwrap();
        Blockstore::open(dir.path()).unwrap();
        assert_eq!(fs::read_dir(dir.path().join("tmp")).unwrap().count(), 0);
    }
}

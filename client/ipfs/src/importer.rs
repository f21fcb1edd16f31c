//! UnixFS file import with kubo's layout, so the same bytes get the same CID here as from
//! `ipfs add`: fixed-size chunks (256 KiB), a balanced DAG of at most 174 links per node, leaves
//! either raw blocks (CIDv1, kubo's `--cid-version=1`) or UnixFS file nodes (CIDv0, kubo's
//! default). A file that fits one chunk is that chunk's block.
//!
//! The importer streams: it holds one chunk and at most 174 links per DAG level, whatever the file
//! size, and hands every block to a [`BlockSink`] as soon as it is made.

use crate::dag_pb::{encode_node, DataType, PbLink, UnixfsData};
use crate::Error;
use cid::{Cid, Version};
use prost::Message;

/// kubo's default chunk: 256 KiB.
pub const CHUNK_SIZE: usize = 256 * 1024;
/// kubo's balanced layout: at most 174 links in a node.
pub const MAX_LINKS: usize = 174;
/// Multicodec of dag-pb nodes.
pub const DAG_PB: u64 = 0x70;
/// Multicodec of raw blocks.
pub const RAW: u64 = 0x55;
/// Multihash code of sha2-256.
pub const SHA2_256: u64 = 0x12;

/// How a file is cut and addressed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ImportOptions {
    pub cid_version: Version,
    /// Leaves as raw blocks rather than UnixFS file nodes (kubo: `--raw-leaves`).
    pub raw_leaves: bool,
    pub chunk_size: usize,
    pub max_links: usize,
}

impl ImportOptions {
    /// kubo's `ipfs add --cid-version=1`: CIDv1 with raw leaves. medchain's default.
    pub fn v1() -> Self {
        Self {
            cid_version: Version::V1,
            raw_leaves: true,
            chunk_size: CHUNK_SIZE,
            max_links: MAX_LINKS,
        }
    }

    /// kubo's `ipfs add` without options: CIDv0, leaves as UnixFS file nodes.
    pub fn v0() -> Self {
        Self {
            cid_version: Version::V0,
            raw_leaves: false,
            ..Self::v1()
        }
    }

    /// kubo's query parameters: `cid-version` (0 or 1) and `raw-leaves`, which defaults to true
    /// with CIDv1 and false with CIDv0. CIDv0 cannot address raw blocks: raw leaves under CIDv0
    /// are refused, as kubo refuses them.
    pub fn from_kubo(cid_version: Option<u64>, raw_leaves: Option<bool>) -> Result<Self, Error> {
        let base = match cid_version.unwrap_or(0) {
            0 => Self::v0(),
            1 => Self::v1(),
            v => {
                return Err(Error::BadRequest(format!(
                    "unknown CID version {v}: use 0 or 1"
                )))
            }
        };
        let raw_leaves = raw_leaves.unwrap_or(base.raw_leaves);
        if raw_leaves && base.cid_version == Version::V0 {
            return Err(Error::BadRequest(
                "raw leaves need CIDv1: add with cid-version=1".into(),
            ));
        }
        Ok(Self { raw_leaves, ..base })
    }
}

impl Default for ImportOptions {
    fn default() -> Self {
        Self::v1()
    }
}

/// Where the importer's blocks go.
pub trait BlockSink {
    fn put(&mut self, cid: &Cid, block: &[u8]) -> Result<(), Error>;
}

/// Keeps no block: computes the CID only (kubo's `--only-hash`).
pub struct HashOnly;

impl BlockSink for HashOnly {
    fn put(&mut self, _: &Cid, _: &[u8]) -> Result<(), Error> {
        Ok(())
    }
}

/// Keeps every block in memory, in the order made.
impl BlockSink for Vec<(Cid, Vec<u8>)> {
    fn put(&mut self, cid: &Cid, block: &[u8]) -> Result<(), Error> {
        self.push((*cid, block.to_vec()));
        Ok(())
    }
}

impl<S: BlockSink + ?Sized> BlockSink for &mut S {
    fn put(&mut self, cid: &Cid, block: &[u8]) -> Result<(), Error> {
        (**self).put(cid, block)
    }
}

/// The sha2-256 multihash of `bytes`.
pub fn sha2_256(bytes: &[u8]) -> multihash::Multihash<64> {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(bytes);
    // A 32-byte digest always fits a 64-byte multihash.
    multihash::Multihash::wrap(SHA2_256, &digest).unwrap_or_default()
}

/// An imported file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Imported {
    pub cid: Cid,
    /// The root block plus every block below it (kubo's `Size`).
    pub size: u64,
    /// Bytes of file.
    pub bytes: u64,
}

/// A node as its parent links it.
#[derive(Clone, Copy)]
struct Child {
    cid: Cid,
    tsize: u64,
    file_size: u64,
}

/// Cuts a stream of bytes into a UnixFS DAG.
pub struct Importer<S: BlockSink> {
    options: ImportOptions,
    sink: S,
    chunk: Vec<u8>,
    /// Links waiting for their parent, per level (0: leaves).
    levels: Vec<Vec<Child>>,
    leaves: u64,
}

impl<S: BlockSink> Importer<S> {
    pub fn new(options: ImportOptions, sink: S) -> Self {
        Self {
            options,
            sink,
            chunk: Vec::with_capacity(options.chunk_size),
            levels: Vec::new(),
            leaves: 0,
        }
    }

    /// Adds the next bytes of the file.
    pub fn write(&mut self, mut bytes: &[u8]) -> Result<(), Error> {
        while !bytes.is_empty() {
            let room = self.options.chunk_size - self.chunk.len();
            let take = room.min(bytes.len());
            self.chunk.extend_from_slice(&bytes[..take]);
            bytes = &bytes[take..];
            if self.chunk.len() == self.options.chunk_size {
                let chunk = std::mem::take(&mut self.chunk);
                self.leaf(&chunk)?;
                self.chunk = chunk;
                self.chunk.clear();
            }
        }
        Ok(())
    }

    /// Ends the file: the last chunk, then the parents up to the root.
    pub fn finish(mut self) -> Result<Imported, Error> {
        // An empty file is one empty chunk.
        if !self.chunk.is_empty() || self.leaves == 0 {
            let chunk = std::mem::take(&mut self.chunk);
            self.leaf(&chunk)?;
        }
        let mut level = 0;
        let root = loop {
            let Some(entries) = self.levels.get_mut(level).map(std::mem::take) else {
                return Err(Error::Internal("a DAG without a root".into()));
            };
            let top = self.levels[level + 1..].iter().all(Vec::is_empty);
            match entries.len() {
                0 => {}
                // The only node left at the top is the root: a one-chunk file is its chunk.
                1 if top => break entries[0],
                _ => {
                    let parent = self.parent(&entries)?;
                    self.push(level + 1, parent)?;
                }
            }
            level += 1;
        };
        Ok(Imported {
            cid: root.cid,
            size: root.tsize,
            bytes: root.file_size,
        })
    }

    fn cid(&self, codec: u64, block: &[u8]) -> Result<Cid, Error> {
        let hash = sha2_256(block);
        match self.options.cid_version {
            Version::V0 => Cid::new_v0(hash).map_err(|e| Error::Internal(e.to_string())),
            Version::V1 => Ok(Cid::new_v1(codec, hash)),
        }
    }

    fn leaf(&mut self, chunk: &[u8]) -> Result<(), Error> {
        let len = chunk.len() as u64;
        let child = if self.options.raw_leaves {
            let cid = Cid::new_v1(RAW, sha2_256(chunk));
            self.sink.put(&cid, chunk)?;
            Child {
                cid,
                tsize: len,
                file_size: len,
            }
        } else {
            let data = UnixfsData {
                r#type: DataType::File as i32,
                data: (!chunk.is_empty()).then(|| chunk.to_vec()),
                filesize: Some(len),
                blocksizes: Vec::new(),
            };
            let block = encode_node(&[], Some(&data.encode_to_vec()));
            let cid = self.cid(DAG_PB, &block)?;
            self.sink.put(&cid, &block)?;
            Child {
                cid,
                tsize: block.len() as u64,
                file_size: len,
            }
        };
        self.leaves += 1;
        self.push(0, child)
    }

    /// Queues `child` at `level`; a full level becomes a parent one level up at once.
    fn push(&mut self, level: usize, child: Child) -> Result<(), Error> {
        if self.levels.len() <= level {
            self.levels.resize_with(level + 1, Vec::new);
        }
        self.levels[level].push(child);
        if self.levels[level].len() == self.options.max_links {
            let full = std::mem::take(&mut self.levels[level]);
            let parent = self.parent(&full)?;
            self.push(level + 1, parent)?;
        }
        Ok(())
    }

    /// A UnixFS file node over `children`.
    fn parent(&mut self, children: &[Child]) -> Result<Child, Error> {
        let file_size = children.iter().map(|c| c.file_size).sum();
        let data = UnixfsData {
            r#type: DataType::File as i32,
            data: None,
            filesize: Some(file_size),
            blocksizes: children.iter().map(|c| c.file_size).collect(),
        };
        let links: Vec<PbLink> = children
            .iter()
            .map(|c| PbLink {
                hash: Some(c.cid.to_bytes()),
                name: Some(String::new()),
                tsize: Some(c.tsize),
            })
            .collect();
        let block = encode_node(&links, Some(&data.encode_to_vec()));
        let cid = self.cid(DAG_PB, &block)?;
        self.sink.put(&cid, &block)?;
        Ok(Child {
            cid,
            tsize: block.len() as u64 + children.iter().map(|c| c.tsize).sum::<u64>(),
            file_size,
        })
    }
}

/// Imports `bytes` whole.
pub fn import_bytes<S: BlockSink>(
    bytes: &[u8],
    options: ImportOptions,
    sink: S,
) -> Result<Imported, Error> {
    let mut importer = Importer::new(options, sink);
    importer.write(bytes)?;
    importer.finish()
}

/// Imports everything `reader` yields, `chunk_size` bytes at a time.
pub fn import_reader<S: BlockSink, R: std::io::Read>(
    mut reader: R,
    options: ImportOptions,
    sink: S,
) -> Result<Imported, Error> {
    let mut importer = Importer::new(options, sink);
    let mut buffer = vec![0u8; options.chunk_size];
    loop {
        let n = match reader.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Error::Read(e)),
        };
        importer.write(&buffer[..n])?;
    }
    importer.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cid_of(bytes: &[u8], options: ImportOptions) -> String {
        import_bytes(bytes, options, HashOnly)
            .unwrap()
            .cid
            .to_string()
    }

    /// CIDs kubo prints for these inputs (well known: the empty file and "hello world\n").
    #[test]
    fn small_files_have_kubos_cids() {
        assert_eq!(
            cid_of(b"", ImportOptions::v0()),
            "QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH"
        );
        assert_eq!(
            cid_of(b"", ImportOptions::v1()),
            "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"
        );
        assert_eq!(
            cid_of(b"hello world\n", ImportOptions::v0()),
            "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o"
        );
    }

    #[test]
    fn the_dag_is_balanced_with_at_most_max_links_per_node() {
        let options = ImportOptions {
            chunk_size: 4,
            max_links: 3,
            ..ImportOptions::v1()
        };
        // 10 chunks with 3 links a node: 4 parents, then 2, then the root.
        let mut blocks = Vec::new();
        let imported = import_bytes(&[7u8; 40], options, &mut blocks).unwrap();
        assert_eq!(imported.bytes, 40);
        let raw = blocks.iter().filter(|(c, _)| c.codec() == RAW).count();
        let nodes = blocks.iter().filter(|(c, _)| c.codec() == DAG_PB).count();
        assert_eq!((raw, nodes), (10, 4 + 2 + 1));
        assert_eq!(blocks.last().map(|(c, _)| *c), Some(imported.cid));
        // Equal content has one CID: ten equal chunks are one block, three equal full parents
        // one; the last parent (one link), the two above and the root differ.
        let distinct: std::collections::HashSet<_> = blocks.iter().map(|(c, _)| *c).collect();
        assert_eq!(distinct.len(), 1 + 2 + 2 + 1);
    }

    #[test]
    fn writes_in_any_pieces_give_one_cid() {
        let data: Vec<u8> = (0..700_000u32).map(|i| (i * 31 % 251) as u8).collect();
        let whole = cid_of(&data, ImportOptions::v1());
        let mut importer = Importer::new(ImportOptions::v1(), HashOnly);
        for piece in data.chunks(9_999) {
            importer.write(piece).unwrap();
        }
        assert_eq!(importer.finish().unwrap().cid.to_string(), whole);
    }

    #[test]
    fn raw_leaves_under_cidv0_are_refused() {
        assert!(ImportOptions::from_kubo(Some(0), Some(true)).is_err());
        assert!(ImportOptions::from_kubo(Some(2), None).is_err());
        assert_eq!(
            ImportOptions::from_kubo(Some(1), None).unwrap(),
            ImportOptions::v1()
        );
        assert_eq!(
            ImportOptions::from_kubo(None, None).unwrap(),
            ImportOptions::v0()
        );
    }
}

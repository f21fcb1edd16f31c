//! # medchain-ipfs
//!
//! IPFS storage for medchain that interoperates with kubo: records are encrypted on the client
//! and stored here; the chain registers their CIDs.
//!
//! - [`importer`]: UnixFS import with kubo's layout, so a file gets the CID `ipfs add` gives it.
//! - [`blockstore`]: blocks on disk that survive a crash (atomic writes, verified reads), pins and
//!   garbage collection, and reading a file back from its DAG.
//! - [`api`]: the subset of kubo's HTTP RPC API that clients use, served from a blockstore, to
//!   the callers [`access`] lets in.
//! - [`client`] (feature `client`): a client of any kubo-compatible endpoint, by URL.
//! - [`dag_pb`]: the protobuf messages underneath.

pub mod access;
pub mod api;
pub mod blockstore;
#[cfg(feature = "client")]
pub mod client;
pub mod dag_pb;
mod identity;
pub mod importer;

pub use access::Access;
pub use blockstore::{Blockstore, PinKind};
pub use cid::Cid;
pub use importer::{
    import_bytes, import_reader, BlockSink, HashOnly, ImportOptions, Imported, Importer,
};

use std::path::PathBuf;

/// What can go wrong storing or reading blocks. Each says what failed and on what.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("reading the input: {0}")]
    Read(#[source] std::io::Error),
    #[error("block {0} is not in this store")]
    NotFound(Cid),
    #[error("block {0} is corrupt: its bytes do not hash to its CID")]
    Corrupt(Cid),
    #[error("bytes do not match CID {0}")]
    HashMismatch(Cid),
    #[error("hash function 0x{0:x} is not supported: only sha2-256 (0x12)")]
    UnsupportedHash(u64),
    #[error("codec 0x{0:x} is not supported: only dag-pb (0x70) and raw (0x55)")]
    UnsupportedCodec(u64),
    #[error("block {cid} is not a valid UnixFS node: {reason}")]
    Malformed { cid: Cid, reason: String },
    #[error("{0} is not pinned")]
    NotPinned(Cid),
    #[error("{0}")]
    BadRequest(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
    ) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| Error::Io {
            action,
            path,
            source,
        }
    }
}

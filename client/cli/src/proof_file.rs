//! Inclusion proofs of private-chain records in the consortium chain's anchors (DESIGN.md flow 5):
//! the proof file, made from the relay's store and checked against a chain's anchors. `medchain
//! proof`, `verify` and `record import` use it; the relay serves it.
//!
//! A proof file is JSON:
//!
//! ```json
//! { "format": "medchain-proof/v1", "record": 12, "org": 0, "anchor": 3, "from": 40, "to": 52,
//!   "root": "0x…", "entry": "0x…", "index": 5, "leaves": 300, "siblings": ["0x…"],
//!   "private_genesis": "0x…", "consortium_genesis": "0x…" }
//! ```
//!
//! `entry` is the entry's payload (its leaf is the organisation, u32 LE, then these bytes): for a
//! sealed entry `"medchain/leaf/v2"` then the SCALE encoding of its `SealedEntry` (record id u64
//! LE, custodian u32 LE, subject commitment 32 bytes, the plaintext commitment 32 bytes, CID as
//! compact length + bytes, version u32 LE, previous as Option<u64>); for an entry anchored before
//! spec 111 the SCALE encoding of its `IndexEntry` (with the patient and record type in clear).
//! The tree is medchain-merkle's: leaf `SHA-256(0x00 || leaf)`, inner
//! `SHA-256(0x01 || left || right)`, pairs ordered by position, an odd node moved up.

use crate::anchor_store::{entry_of, record_of, Batch, Store};
use crate::chain::{self, runtime, AnchoredEntry, Client};
use anyhow::{anyhow, bail, Context as _, Result};
use serde::{Deserialize, Serialize};
use std::path::Path;

pub const FORMAT: &str = "medchain-proof/v1";

type InclusionProof = runtime::runtime_types::medchain_merkle::InclusionProof;
type ProofError = runtime::runtime_types::pallet_medical_records::types::ProofError;

/// A proof as it travels: in a file, over HTTP, on stdout.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProofFile {
    pub format: String,
    /// The record's id on the private chain.
    pub record: u64,
    /// The consortium organisation that anchored it, and the anchor's sequence number.
    pub org: u32,
    pub anchor: u32,
    /// The private-chain blocks the anchor covers.
    pub from: u64,
    pub to: u64,
    pub root: String,
    pub entry: String,
    pub index: u32,
    pub leaves: u32,
    pub siblings: Vec<String>,
    pub private_genesis: String,
    pub consortium_genesis: String,
}

pub fn hex32(bytes: &[u8; 32]) -> String {
    format!("0x{}", hex::encode(bytes))
}

fn unhex(s: &str, what: &str) -> Result<Vec<u8>> {
    hex::decode(s.trim_start_matches("0x")).map_err(|_| anyhow!("the proof's {what} is not hex"))
}

fn unhex32(s: &str, what: &str) -> Result<[u8; 32]> {
    let v = unhex(s, what)?;
    <[u8; 32]>::try_from(v.as_slice())
        .map_err(|_| anyhow!("the proof's {what} is {} bytes, not 32", v.len()))
}

impl ProofFile {
    /// The proof of `record` from the relay's store, if an anchored batch holds it: each batch is
    /// read once, until the one that holds it.
    pub fn from_store(store: &Store, record: u64) -> Result<Option<Self>> {
        for seq in store.sequences()? {
            if let Some(batch) = store.anchored(seq)? {
                if let Some(proof) = Self::from_batch(store, &batch, record)? {
                    return Ok(Some(proof));
                }
            }
        }
        Ok(None)
    }

    /// The proof of `record` in `batch`, if it holds it.
    fn from_batch(store: &Store, batch: &Batch, record: u64) -> Result<Option<Self>> {
        let Some(index) = batch
            .entries
            .iter()
            .position(|e| record_of(e) == Some(record))
        else {
            return Ok(None);
        };
        let id = store.identity()?;
        let proof = batch
            .tree(id.org)?
            .prove(index as u32)
            .map_err(|e| anyhow!("{e:?}"))?;
        Ok(Some(Self {
            format: FORMAT.into(),
            record,
            org: id.org,
            anchor: batch.info.seq,
            from: batch.info.from,
            to: batch.info.to,
            root: batch.info.root.clone(),
            entry: format!("0x{}", hex::encode(&batch.entries[index])),
            index: proof.index,
            leaves: proof.leaves,
            siblings: proof.siblings.iter().map(hex32).collect(),
            private_genesis: id.private_genesis,
            consortium_genesis: id.consortium_genesis,
        }))
    }

    pub fn load(path: &Path) -> Result<Self> {
        let bytes = std::fs::read(path)
            .with_context(|| format!("cannot read --proof {}: check the path", path.display()))?;
        let proof: Self = serde_json::from_slice(&bytes).map_err(|e| {
            anyhow!(
                "--proof {} is not a medchain proof ({e}): make one with `medchain proof RECORD`",
                path.display()
            )
        })?;
        if proof.format != FORMAT {
            bail!(
                "--proof {} is in format '{}', not {FORMAT}",
                path.display(),
                proof.format
            );
        }
        Ok(proof)
    }

    /// The root, the decoded entry and the proof as the runtime API takes them.
    pub fn parts(&self) -> Result<([u8; 32], AnchoredEntry, InclusionProof)> {
        let root = unhex32(&self.root, "root")?;
        let bytes = unhex(&self.entry, "entry")?;
        let entry = entry_of(&bytes).map_err(|e| anyhow!("the proof's entry: {e:#}"))?;
        let record = record_of(&bytes).unwrap_or_default();
        if record != self.record {
            bail!(
                "the proof's entry is about record {record}, not record {}",
                self.record
            );
        }
        let siblings = self
            .siblings
            .iter()
            .enumerate()
            .map(|(i, s)| unhex32(s, &format!("sibling {i}")))
            .collect::<Result<Vec<_>>>()?;
        Ok((
            root,
            entry,
            InclusionProof {
                index: self.index,
                leaves: self.leaves,
                siblings,
            },
        ))
    }
}

fn explain_proof_error(e: &ProofError) -> &'static str {
    match e {
        ProofError::UnknownRoot => {
            "UnknownRoot: the proof's organisation has no anchor with the proof's root on this chain"
        }
        ProofError::WrongBatchSize => {
            "WrongBatchSize: the proof's batch size is not the anchored batch's entry count"
        }
        ProofError::IndexOutOfRange => "IndexOutOfRange: the proof's position is outside the batch",
        ProofError::WrongProofLength => {
            "WrongProofLength: the proof has more or fewer sibling hashes than its position needs"
        }
        ProofError::NotIncluded => {
            "NotIncluded: the proof does not lead from the entry to the root; the entry is not in the batch"
        }
        ProofError::Voided => {
            "Voided: governance voided the anchor with this root (a runaway or bogus batch); ask the relay for a proof against the batch anchored after it"
        }
    }
}

/// Checks `proof` against the consortium chain's anchors through the runtime API.
pub async fn check(client: &Client, proof: &ProofFile) -> Result<(u32, u32)> {
    let (root, entry, inclusion) = proof.parts()?;
    let at = chain::query(
        client,
        runtime::apis()
            .medical_records_api()
            .verify_inclusion(proof.org, root, entry, inclusion),
    )
    .await?
    .map_err(|e| {
        anyhow!(
            "the consortium chain refuses the proof: {}",
            explain_proof_error(&e)
        )
    })?;
    Ok((at.org, at.seq))
}

//! The Merkle tree of batch anchors (DESIGN.md, data flow 5).
//!
//! A hospital's relayer collects the index entries of a batch of records from its private chain,
//! builds this tree over them and anchors the root on the consortium chain; anyone can later prove
//! that an entry was in the batch with an [`InclusionProof`] checked by [`verify`], on chain
//! (runtime API) or off.
//!
//! The tree, exactly:
//! - leaf hash: `SHA-256(0x00 || entry bytes)`; inner hash: `SHA-256(0x01 || left || right)`.
//!   The prefixes keep a leaf from ever passing for an inner node.
//! - Leaves stay in batch order (pairs are ordered by position, not sorted). At each level, nodes
//!   are paired left to right; an odd last node moves up unchanged (it is not paired with itself,
//!   so two different batches never share a root).
//! - The root of one leaf is its leaf hash; an empty batch has no root.
//!
//! A proof is the leaf's index, the batch size and the sibling hashes from the leaf upwards; the
//! positions follow from the index and the size, so they are not part of the proof.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

use alloc::vec::Vec;
use sha2::{Digest, Sha256};

/// A SHA-256 hash.
pub type Hash = [u8; 32];

/// Most leaves one batch may have (2^20: a proof then holds at most 20 hashes).
pub const MAX_LEAVES: u32 = 1 << 20;
/// Most sibling hashes a proof can need.
pub const MAX_PROOF_DEPTH: u32 = 20;

const LEAF: u8 = 0x00;
const INNER: u8 = 0x01;

/// Hash of a leaf: `SHA-256(0x00 || entry)`.
pub fn leaf_hash(entry: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([LEAF]);
    h.update(entry);
    h.finalize().into()
}

/// Hash of an inner node: `SHA-256(0x01 || left || right)`.
pub fn inner_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([INNER]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// Why a batch or a proof was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, codec::Encode, codec::Decode, scale_info::TypeInfo)]
pub enum MerkleError {
    /// The batch has no entries.
    EmptyBatch,
    /// The batch has more than [`MAX_LEAVES`] entries.
    TooManyLeaves,
    /// The proof's index is not below the batch size.
    IndexOutOfRange,
    /// The proof has more or fewer sibling hashes than its position needs.
    WrongProofLength,
}

/// Proof that one entry is in a batch.
#[derive(
    Clone,
    Debug,
    PartialEq,
    Eq,
    codec::Encode,
    codec::Decode,
    codec::DecodeWithMemTracking,
    scale_info::TypeInfo,
)]
pub struct InclusionProof {
    /// Position of the entry in the batch.
    pub index: u32,
    /// Number of entries in the batch.
    pub leaves: u32,
    /// Sibling hashes, from the leaf's level upwards (levels where the node moved up unpaired
    /// contribute none).
    pub siblings: Vec<Hash>,
}

/// One level up: pairs left to right, an odd last node moves up unchanged.
fn parent_level(level: &[Hash]) -> Vec<Hash> {
    level
        .chunks(2)
        .map(|pair| match pair {
            [l, r] => inner_hash(l, r),
            [single] => *single,
            _ => [0u8; 32],
        })
        .collect()
}

/// The root of a batch of entries.
pub fn root<E: AsRef<[u8]>>(entries: &[E]) -> Result<Hash, MerkleError> {
    let mut level = leaves(entries)?;
    while level.len() > 1 {
        level = parent_level(&level);
    }
    level.first().copied().ok_or(MerkleError::EmptyBatch)
}

fn leaves<E: AsRef<[u8]>>(entries: &[E]) -> Result<Vec<Hash>, MerkleError> {
    if entries.is_empty() {
        return Err(MerkleError::EmptyBatch);
    }
    if entries.len() > MAX_LEAVES as usize {
        return Err(MerkleError::TooManyLeaves);
    }
    Ok(entries.iter().map(|e| leaf_hash(e.as_ref())).collect())
}

/// The proof that entry `index` is in the batch.
pub fn prove<E: AsRef<[u8]>>(entries: &[E], index: u32) -> Result<InclusionProof, MerkleError> {
    let mut level = leaves(entries)?;
    if index as usize >= level.len() {
        return Err(MerkleError::IndexOutOfRange);
    }
    let mut pos = index as usize;
    let mut siblings = Vec::new();
    while level.len() > 1 {
        let sibling = pos ^ 1;
        if let Some(h) = level.get(sibling) {
            siblings.push(*h);
        }
        level = parent_level(&level);
        pos /= 2;
    }
    Ok(InclusionProof {
        index,
        leaves: entries.len() as u32,
        siblings,
    })
}

/// Whether `entry` is at `proof.index` of a batch whose root is `root`.
pub fn verify(root: &Hash, entry: &[u8], proof: &InclusionProof) -> Result<bool, MerkleError> {
    Ok(&root_of_proof(entry, proof)? == root)
}

/// The root that `proof` leads to from `entry`: the batch's root if the entry is in it.
pub fn root_of_proof(entry: &[u8], proof: &InclusionProof) -> Result<Hash, MerkleError> {
    if proof.leaves == 0 {
        return Err(MerkleError::EmptyBatch);
    }
    if proof.leaves > MAX_LEAVES {
        return Err(MerkleError::TooManyLeaves);
    }
    if proof.index >= proof.leaves {
        return Err(MerkleError::IndexOutOfRange);
    }
    // Checked before any hashing, so an oversized proof costs nothing.
    if proof.siblings.len() > MAX_PROOF_DEPTH as usize {
        return Err(MerkleError::WrongProofLength);
    }
    let mut hash = leaf_hash(entry);
    let (mut pos, mut width) = (proof.index, proof.leaves);
    let mut siblings = proof.siblings.iter();
    while width > 1 {
        let sibling = pos ^ 1;
        if sibling < width {
            let s = siblings.next().ok_or(MerkleError::WrongProofLength)?;
            hash = if pos % 2 == 0 {
                inner_hash(&hash, s)
            } else {
                inner_hash(s, &hash)
            };
        }
        pos /= 2;
        width = width.div_ceil(2);
    }
    if siblings.next().is_some() {
        return Err(MerkleError::WrongProofLength);
    }
    Ok(hash)
}

/// A whole tree kept in memory, for a relayer that proves many entries of one batch: building it
/// hashes every node once, and each proof is then a walk up its levels.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tree {
    /// Level 0 holds the leaf hashes; the last level holds the root alone.
    levels: Vec<Vec<Hash>>,
}

impl Tree {
    /// The tree of a batch of entries.
    pub fn new<E: AsRef<[u8]>>(entries: &[E]) -> Result<Self, MerkleError> {
        let mut levels = alloc::vec![leaves(entries)?];
        while let Some(top) = levels.last().filter(|l| l.len() > 1) {
            let up = parent_level(top);
            levels.push(up);
        }
        Ok(Self { levels })
    }

    /// Number of entries.
    pub fn leaves(&self) -> u32 {
        self.levels.first().map_or(0, |l| l.len() as u32)
    }

    /// The root.
    pub fn root(&self) -> Hash {
        self.levels
            .last()
            .and_then(|l| l.first())
            .copied()
            .unwrap_or_default()
    }

    /// The proof of entry `index`.
    pub fn prove(&self, index: u32) -> Result<InclusionProof, MerkleError> {
        if index >= self.leaves() {
            return Err(MerkleError::IndexOutOfRange);
        }
        let mut pos = index as usize;
        let mut siblings = Vec::new();
        for level in self.levels.iter().take(self.levels.len().saturating_sub(1)) {
            if let Some(h) = level.get(pos ^ 1) {
                siblings.push(*h);
            }
            pos /= 2;
        }
        Ok(InclusionProof {
            index,
            leaves: self.leaves(),
            siblings,
        })
    }
}

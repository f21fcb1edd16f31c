//! The CIDs medchain accepts, and nothing else.
//!
//! A record's ciphertext lives in IPFS; the chain keeps its CID. The chain accepts:
//! - CIDv0: base58btc `Qm...`, sha2-256, dag-pb (what older kubo returns);
//! - CIDv1 with codec raw (0x55), dag-pb (0x70) or dag-cbor (0x71) and a 32-byte digest of
//!   sha2-256 (0x12), blake2b-256 (0xb220) or blake3 (0x1e).
//!
//! CIDs come in binary form or as strings (base58btc for v0, any multibase for v1, as `ipfs`
//! prints them). They are stored in their canonical binary form, at most [`MAX_CID_BYTES`] long;
//! [`ValidCid::to_string`] gives the canonical string (v0 base58btc, v1 base32). Parsing is
//! strict: trailing bytes, non-minimal varints and unknown codes are refused with an error that
//! names the fault. The multiformats `cid` crate does the decoding.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

use alloc::{string::String, vec::Vec};
use cid::{multibase::Base, Cid, Version};

/// Longest binary CID the chain stores (a CIDv1 with a 32-byte digest takes 36 to 38 bytes).
pub const MAX_CID_BYTES: usize = 64;
/// Longest CID string accepted as input.
pub const MAX_CID_STR: usize = 128;

/// Content codecs the chain accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Codec {
    Raw,
    DagPb,
    DagCbor,
}

impl Codec {
    pub fn code(self) -> u64 {
        match self {
            Codec::Raw => 0x55,
            Codec::DagPb => 0x70,
            Codec::DagCbor => 0x71,
        }
    }

    fn from_code(code: u64) -> Option<Codec> {
        match code {
            0x55 => Some(Codec::Raw),
            0x70 => Some(Codec::DagPb),
            0x71 => Some(Codec::DagCbor),
            _ => None,
        }
    }
}

/// Hash functions the chain accepts, all with 32-byte digests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HashFn {
    Sha2_256,
    Blake2b256,
    Blake3,
}

impl HashFn {
    pub fn code(self) -> u64 {
        match self {
            HashFn::Sha2_256 => 0x12,
            HashFn::Blake2b256 => 0xb220,
            HashFn::Blake3 => 0x1e,
        }
    }

    fn from_code(code: u64) -> Option<HashFn> {
        match code {
            0x12 => Some(HashFn::Sha2_256),
            0xb220 => Some(HashFn::Blake2b256),
            0x1e => Some(HashFn::Blake3),
            _ => None,
        }
    }

    /// Digest length in bytes.
    pub fn digest_len(self) -> usize {
        32
    }
}

/// Why a CID was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CidError {
    /// No bytes at all.
    Empty,
    /// Longer than [`MAX_CID_BYTES`] (binary) or [`MAX_CID_STR`] (string).
    TooLong,
    /// Not a CID: bad varint, bad multibase, truncated digest.
    Malformed,
    /// Bytes left over after the CID, or a varint not in its shortest form.
    NotCanonical,
    /// A codec the chain does not accept (only raw, dag-pb, dag-cbor).
    UnsupportedCodec,
    /// A hash function the chain does not accept (only sha2-256, blake2b-256, blake3).
    UnsupportedHash,
    /// The digest is not the 32 bytes its hash function makes.
    WrongDigestLength,
}

impl core::fmt::Display for CidError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            CidError::Empty => "the CID is empty",
            CidError::TooLong => "the CID is too long",
            CidError::Malformed => "not a CID (bad varint, multibase or length)",
            CidError::NotCanonical => "the CID has trailing bytes or a non-minimal varint",
            CidError::UnsupportedCodec => "the CID's codec is not raw, dag-pb or dag-cbor",
            CidError::UnsupportedHash => "the CID's hash is not sha2-256, blake2b-256 or blake3",
            CidError::WrongDigestLength => "the CID's digest is not 32 bytes",
        })
    }
}

/// A CID the chain accepts, in canonical binary form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidCid {
    cid: Cid,
    bytes: Vec<u8>,
}

impl ValidCid {
    /// 0 or 1.
    pub fn version(&self) -> u8 {
        match self.cid.version() {
            Version::V0 => 0,
            Version::V1 => 1,
        }
    }

    pub fn codec(&self) -> Codec {
        Codec::from_code(self.cid.codec()).unwrap_or(Codec::DagPb)
    }

    pub fn hash_fn(&self) -> HashFn {
        HashFn::from_code(self.cid.hash().code()).unwrap_or(HashFn::Sha2_256)
    }

    pub fn digest(&self) -> &[u8] {
        self.cid.hash().digest()
    }

    /// The canonical binary form, as stored on chain.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    /// The canonical string: base58btc for v0, base32 (`b...`) for v1, as kubo prints them.
    #[allow(clippy::inherent_to_string)]
    pub fn to_string(&self) -> String {
        let base = if self.version() == 0 {
            Base::Base58Btc
        } else {
            Base::Base32Lower
        };
        self.cid.to_string_of_base(base).unwrap_or_default()
    }
}

/// Checks what the multiformats decoder does not: the codec, the hash and its digest length.
fn accept(cid: Cid) -> Result<ValidCid, CidError> {
    Codec::from_code(cid.codec()).ok_or(CidError::UnsupportedCodec)?;
    let hash = HashFn::from_code(cid.hash().code()).ok_or(CidError::UnsupportedHash)?;
    if cid.hash().digest().len() != hash.digest_len() {
        return Err(CidError::WrongDigestLength);
    }
    let bytes = cid.to_bytes();
    if bytes.len() > MAX_CID_BYTES {
        return Err(CidError::TooLong);
    }
    Ok(ValidCid { cid, bytes })
}

/// Parses a CID in binary form.
pub fn from_bytes(bytes: &[u8]) -> Result<ValidCid, CidError> {
    if bytes.is_empty() {
        return Err(CidError::Empty);
    }
    if bytes.len() > MAX_CID_BYTES {
        return Err(CidError::TooLong);
    }
    let cid = Cid::try_from(bytes).map_err(|_| CidError::Malformed)?;
    let valid = accept(cid)?;
    if valid.bytes != bytes {
        return Err(CidError::NotCanonical);
    }
    Ok(valid)
}

/// Parses a CID string (`Qm...` or a multibase CIDv1 such as `bafy...`), with no path or
/// `/ipfs/` prefix around it.
pub fn from_str(s: &str) -> Result<ValidCid, CidError> {
    if s.is_empty() {
        return Err(CidError::Empty);
    }
    if s.len() > MAX_CID_STR {
        return Err(CidError::TooLong);
    }
    if s.contains('/') {
        return Err(CidError::Malformed);
    }
    let cid = Cid::try_from(s).map_err(|_| CidError::Malformed)?;
    accept(cid)
}

/// Parses what a user may submit: the CID's string as UTF-8 bytes (what Polkadot.js Apps sends
/// when a CID is pasted as text), or its binary form.
/// A binary CID starts with 0x01 (v1) or 0x12 (v0), control characters; anything starting with
/// a printable character is taken as text.
pub fn from_input(input: &[u8]) -> Result<ValidCid, CidError> {
    match input.first() {
        Some(first) if first.is_ascii_graphic() => {
            from_str(core::str::from_utf8(input).map_err(|_| CidError::Malformed)?)
        }
        _ => from_bytes(input),
    }
}

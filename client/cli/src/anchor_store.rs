//! The relay's store of the batches it anchored: each batch's range, root and index entries, from
//! which it proves any entry. One directory:
//!
//! ```text
//! relay.json            the chains and organisation this store belongs to
//! batches/NNNNNNNN.json a batch anchored as sequence NNNNNNNN: range, count, root
//! batches/NNNNNNNN.scale  its entries, SCALE `Vec<Vec<u8>>` (each an entry's payload, see `payload`)
//! pending.json/.scale   the batch being anchored, written before it is submitted
//! ```
//!
//! Every file is written to a temporary name, synced and renamed, so a crash leaves either the old
//! file or the new one. A batch becomes `batches/` only once the consortium chain has finalized it;
//! the chain, not this store, is the truth about what is anchored (see `commands/relay.rs`).

use crate::chain::{AccountId, AnchoredEntry, IndexEntry, SealedEntry};
use anyhow::{anyhow, bail, Context, Result};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};
use subxt::ext::codec::{Decode, Encode};

/// Which chains and organisation a store belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    /// Genesis hash of the hospital's private chain (0x hex).
    pub private_genesis: String,
    /// Genesis hash of the consortium chain (0x hex).
    pub consortium_genesis: String,
    /// The organisation on the consortium chain that anchors.
    pub org: u32,
}

/// A batch: a range of private-chain blocks, its entries in order and their tree's root.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchInfo {
    /// The anchor's sequence number on the consortium chain.
    pub seq: u32,
    pub from: u64,
    pub to: u64,
    pub count: u32,
    /// 0x hex.
    pub root: String,
}

/// An anchored batch with its entries.
pub struct Batch {
    pub info: BatchInfo,
    pub entries: Vec<Vec<u8>>,
}

impl Batch {
    /// The batch's tree as organisation `org` anchors it.
    pub fn tree(&self, org: u32) -> Result<medchain_merkle::Tree> {
        medchain_merkle::Tree::new(&leaves(org, &self.entries))
            .map_err(|e| anyhow!("batch {}: {e:?}", self.info.seq))
    }
}

/// An entry's leaf in a batch organisation `org` anchors: `org` (u32 LE) ‖ the entry's
/// [`payload`], as pallet-medical-records' `AnchoredEntry::leaf` makes it, so that a batch proves
/// entries only for the organisation that anchored it.
pub fn leaf(org: u32, entry: &[u8]) -> Vec<u8> {
    [&org.to_le_bytes()[..], entry].concat()
}

/// The leaves of `entries` anchored by `org`.
pub fn leaves(org: u32, entries: &[Vec<u8>]) -> Vec<Vec<u8>> {
    entries.iter().map(|e| leaf(org, e)).collect()
}

/// What begins a sealed entry's payload: pallet-medical-records' `SEALED_LEAF_TAG`. No clear
/// entry begins with it (its record id would be these bytes' u64, past any chain's count).
pub const SEALED_TAG: &[u8; 16] = b"medchain/leaf/v2";

/// An entry's bytes in a batch and a proof: the tag and the SCALE of a sealed entry; the SCALE
/// alone of a clear one (anchored before spec 111, which batches stored then still hold).
pub fn payload(entry: &AnchoredEntry) -> Vec<u8> {
    match entry {
        AnchoredEntry::Sealed(e) => [&SEALED_TAG[..], &e.encode()].concat(),
        AnchoredEntry::Clear(e) => e.encode(),
    }
}

/// The entry whose [`payload`] `bytes` are; refuses bytes that are none, or have bytes after one.
pub fn entry_of(bytes: &[u8]) -> Result<AnchoredEntry> {
    let entry = match bytes.strip_prefix(&SEALED_TAG[..]) {
        Some(mut rest) => AnchoredEntry::Sealed(
            SealedEntry::decode(&mut rest).map_err(|e| anyhow!("not a sealed index entry: {e}"))?,
        ),
        None => AnchoredEntry::Clear(
            IndexEntry::decode(&mut &bytes[..]).map_err(|e| anyhow!("not an index entry: {e}"))?,
        ),
    };
    if payload(&entry) != bytes {
        bail!("bytes follow the index entry");
    }
    Ok(entry)
}

/// The record id an entry is about: its encoding starts with it (u64, little end), after the
/// tag of a sealed entry.
pub fn record_of(entry: &[u8]) -> Option<u64> {
    let bytes = entry.strip_prefix(&SEALED_TAG[..]).unwrap_or(entry);
    bytes
        .get(..8)
        .and_then(|b| <[u8; 8]>::try_from(b).ok())
        .map(u64::from_le_bytes)
}

/// A sealed entry's commitment to the patient and record type of a private-chain record:
/// SHA-256 of `"medchain/anchor-subject/v2"` ‖ patient (32) ‖ the record's type tag (32) ‖ its
/// `key_for_patient` (80). The sealed key is random and on the private chain only, so nobody who
/// cannot read that chain confirms a guessed patient with it (docs/formats.md).
pub fn subject(patient: &AccountId, type_tag: &[u8; 32], key_for_patient: &[u8; 80]) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(b"medchain/anchor-subject/v2");
    h.update(patient.0);
    h.update(type_tag);
    h.update(key_for_patient);
    h.finalize().into()
}

/// The store in a directory.
pub struct Store {
    dir: PathBuf,
}

fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("cannot write in {}", dir.display()))?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path)
        .map_err(|e| anyhow!("writing {}: {}", path.display(), e.error))?;
    std::fs::File::open(dir)?.sync_all()?;
    Ok(())
}

impl Store {
    /// Opens (or makes) the store in `dir`, for the chains of `id`: a store that belongs to other
    /// chains or another organisation is refused.
    pub fn open(dir: &Path, id: &Identity) -> Result<Self> {
        Self::check(dir, id)?;
        std::fs::create_dir_all(dir.join("batches"))
            .with_context(|| format!("cannot make the relay state directory {}", dir.display()))?;
        let file = dir.join("relay.json");
        if !file.exists() {
            write_atomic(&file, &serde_json::to_vec_pretty(id)?)?;
        }
        Ok(Self {
            dir: dir.to_path_buf(),
        })
    }

    /// Refuses a store in `dir` that belongs to other chains or another organisation; changes
    /// nothing (a missing store passes).
    pub fn check(dir: &Path, id: &Identity) -> Result<()> {
        let file = dir.join("relay.json");
        match std::fs::read(&file) {
            Ok(bytes) => {
                let mine: Identity = serde_json::from_slice(&bytes)
                    .with_context(|| format!("{} is not a relay state file", file.display()))?;
                if mine.private_genesis != id.private_genesis {
                    bail!(
                        "genesis mismatch: --from is a chain with genesis {}, but the relay state in {} follows the private chain with genesis {}: point --from at that chain, or use another --state",
                        id.private_genesis, dir.display(), mine.private_genesis
                    );
                }
                if mine.consortium_genesis != id.consortium_genesis {
                    bail!(
                        "genesis mismatch: --to is a chain with genesis {}, but the relay state in {} anchors into the consortium chain with genesis {}: point --to at that chain, or use another --state",
                        id.consortium_genesis, dir.display(), mine.consortium_genesis
                    );
                }
                if mine.org != id.org {
                    bail!(
                        "the relay state in {} anchors for organisation {}, not {}: use another --state",
                        dir.display(),
                        mine.org,
                        id.org
                    );
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).with_context(|| format!("reading {}", file.display())),
        }
        Ok(())
    }

    /// Opens an existing store to read proofs from, whatever its chains.
    pub fn open_existing(dir: &Path) -> Result<(Self, Identity)> {
        let file = dir.join("relay.json");
        let bytes = std::fs::read(&file).with_context(|| {
            format!(
                "{} holds no relay state: pass the --state the relay runs with",
                dir.display()
            )
        })?;
        let id = serde_json::from_slice(&bytes)
            .with_context(|| format!("{} is not a relay state file", file.display()))?;
        Ok((
            Self {
                dir: dir.to_path_buf(),
            },
            id,
        ))
    }

    pub fn identity(&self) -> Result<Identity> {
        Ok(serde_json::from_slice(&std::fs::read(
            self.dir.join("relay.json"),
        )?)?)
    }

    fn paths(&self, name: &str) -> (PathBuf, PathBuf) {
        (
            self.dir.join(format!("{name}.json")),
            self.dir.join(format!("{name}.scale")),
        )
    }

    fn batch_name(seq: u32) -> String {
        format!("batches/{seq:08}")
    }

    fn write(&self, name: &str, batch: &Batch) -> Result<()> {
        let (info, entries) = self.paths(name);
        // Entries first: a batch file never names entries that are not there.
        write_atomic(&entries, &batch.entries.encode())?;
        write_atomic(&info, &serde_json::to_vec_pretty(&batch.info)?)
    }

    fn read(&self, name: &str) -> Result<Option<Batch>> {
        let (info, entries) = self.paths(name);
        let info: BatchInfo = match std::fs::read(&info) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .with_context(|| format!("{} is damaged", info.display()))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        let bytes =
            std::fs::read(&entries).with_context(|| format!("reading {}", entries.display()))?;
        let entries = Vec::<Vec<u8>>::decode(&mut &bytes[..])
            .map_err(|e| anyhow!("{} is damaged: {e}", entries.display()))?;
        if entries.len() != info.count as usize {
            bail!(
                "batch {} lists {} entries but holds {}",
                info.seq,
                info.count,
                entries.len()
            );
        }
        Ok(Some(Batch { info, entries }))
    }

    /// Writes the batch about to be submitted.
    pub fn put_pending(&self, batch: &Batch) -> Result<()> {
        self.write("pending", batch)
    }

    pub fn pending(&self) -> Result<Option<Batch>> {
        self.read("pending")
    }

    pub fn drop_pending(&self) -> Result<()> {
        let (info, entries) = self.paths("pending");
        for f in [info, entries] {
            match std::fs::remove_file(&f) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e.into()),
                _ => {}
            }
        }
        Ok(())
    }

    /// Keeps a batch the consortium chain finalized.
    pub fn put_anchored(&self, batch: &Batch) -> Result<()> {
        self.write(&Self::batch_name(batch.info.seq), batch)
    }

    pub fn anchored(&self, seq: u32) -> Result<Option<Batch>> {
        self.read(&Self::batch_name(seq))
    }

    /// The sequence numbers of the anchored batches kept, in order.
    pub fn sequences(&self) -> Result<Vec<u32>> {
        let mut seqs = Vec::new();
        for item in std::fs::read_dir(self.dir.join("batches"))? {
            let name = item?.file_name();
            let name = name.to_string_lossy();
            if let Some(seq) = name.strip_suffix(".json").and_then(|s| s.parse().ok()) {
                seqs.push(seq);
            }
        }
        seqs.sort_unstable();
        Ok(seqs)
    }

    /// Removes a kept batch the chain does not have (it can only come from a chain that was
    /// reset, or a store copied from elsewhere).
    pub fn forget(&self, seq: u32) -> Result<()> {
        let (info, entries) = self.paths(&Self::batch_name(seq));
        std::fs::remove_file(info)?;
        let _ = std::fs::remove_file(entries);
        Ok(())
    }

    /// The range, count and root of every anchored batch kept, in order, without their entries.
    pub fn infos(&self) -> Result<Vec<BatchInfo>> {
        let mut infos = Vec::new();
        for seq in self.sequences()? {
            let (info, _) = self.paths(&Self::batch_name(seq));
            let bytes = std::fs::read(&info)?;
            infos.push(
                serde_json::from_slice(&bytes)
                    .with_context(|| format!("{} is damaged", info.display()))?,
            );
        }
        Ok(infos)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chain::RecordType;

    fn id(org: u32) -> Identity {
        Identity {
            private_genesis: "0x01".into(),
            consortium_genesis: "0x02".into(),
            org,
        }
    }

    fn batch(seq: u32, records: std::ops::Range<u64>) -> Batch {
        let entries: Vec<Vec<u8>> = records
            .map(|r| {
                let mut e = r.to_le_bytes().to_vec();
                e.extend_from_slice(b"rest of the entry");
                e
            })
            .collect();
        let root = medchain_merkle::root(&leaves(0, &entries)).unwrap_or_default();
        Batch {
            info: BatchInfo {
                seq,
                from: u64::from(seq) * 10 + 1,
                to: u64::from(seq) * 10 + 10,
                count: entries.len() as u32,
                root: crate::proof_file::hex32(&root),
            },
            entries,
        }
    }

    #[test]
    fn a_store_belongs_to_its_chains_and_organisation() -> Result<()> {
        let dir = tempfile::tempdir()?;
        Store::open(dir.path(), &id(0))?;
        Store::open(dir.path(), &id(0))?;
        let other_chain = Identity {
            private_genesis: "0x03".into(),
            ..id(0)
        };
        let e = Store::open(dir.path(), &other_chain)
            .err()
            .map(|e| e.to_string());
        assert!(e.is_some_and(|e| e.contains("genesis mismatch")));
        let e = Store::open(dir.path(), &id(1)).err().map(|e| e.to_string());
        assert!(e.is_some_and(|e| e.contains("anchors for organisation 0")));
        // A store that does not exist yet passes the check and is not made by it.
        let fresh = dir.path().join("fresh");
        Store::check(&fresh, &id(0))?;
        assert!(!fresh.exists());
        Ok(())
    }

    #[test]
    fn pending_and_anchored_batches_survive_a_reopen_and_prove_their_records() -> Result<()> {
        let dir = tempfile::tempdir()?;
        let store = Store::open(dir.path(), &id(0))?;
        store.put_anchored(&batch(0, 0..5))?;
        store.put_pending(&batch(1, 5..12))?;
        drop(store);

        let store = Store::open(dir.path(), &id(0))?;
        assert_eq!(store.sequences()?, vec![0]);
        assert_eq!(store.pending()?.map(|b| b.info.count), Some(7));
        let three =
            crate::proof_file::ProofFile::from_store(&store, 3)?.ok_or_else(|| anyhow!("proof"))?;
        assert_eq!((three.anchor, three.index), (0, 3));
        assert!(
            crate::proof_file::ProofFile::from_store(&store, 7)?.is_none(),
            "a pending batch proves nothing"
        );
        assert_eq!(
            store.infos()?.iter().map(|i| i.count).collect::<Vec<_>>(),
            vec![5]
        );

        let pending = store.pending()?.ok_or_else(|| anyhow!("pending"))?;
        store.put_anchored(&pending)?;
        store.drop_pending()?;
        assert!(store.pending()?.is_none());
        let proof =
            crate::proof_file::ProofFile::from_store(&store, 7)?.ok_or_else(|| anyhow!("proof"))?;
        assert_eq!((proof.anchor, proof.index, proof.leaves), (1, 2, 7));
        let (root, entry, p) = (
            medchain_merkle::Tree::new(&leaves(0, &pending.entries))
                .map_err(|e| anyhow!("{e:?}"))?
                .root(),
            &pending.entries[2],
            medchain_merkle::InclusionProof {
                index: proof.index,
                leaves: proof.leaves,
                siblings: proof
                    .siblings
                    .iter()
                    .map(|s| {
                        let v = hex::decode(&s[2..]).unwrap_or_default();
                        <[u8; 32]>::try_from(v.as_slice()).unwrap_or_default()
                    })
                    .collect(),
            },
        );
        assert_eq!(
            medchain_merkle::verify(&root, &leaf(0, entry), &p),
            Ok(true)
        );
        // The same entry proves nothing for another organisation.
        assert_eq!(
            medchain_merkle::verify(&root, &leaf(1, entry), &p),
            Ok(false)
        );

        store.forget(1)?;
        assert_eq!(store.sequences()?, vec![0]);
        assert!(crate::proof_file::ProofFile::from_store(&store, 7)?.is_none());
        Ok(())
    }

    #[test]
    fn a_damaged_batch_is_reported_not_trusted() -> Result<()> {
        let dir = tempfile::tempdir()?;
        let store = Store::open(dir.path(), &id(0))?;
        store.put_anchored(&batch(0, 0..5))?;
        std::fs::write(dir.path().join("batches/00000000.scale"), b"\x04\x00")?;
        let e = store.anchored(0).err().map(|e| e.to_string());
        assert!(e.is_some_and(|e| e.contains("lists 5 entries but holds")));
        Ok(())
    }

    fn sealed(record: u64) -> AnchoredEntry {
        AnchoredEntry::Sealed(SealedEntry {
            record,
            custodian: 3,
            subject: [7; 32],
            plaintext_hash: [8; 32],
            cid: crate::chain::runtime::runtime_types::bounded_collections::bounded_vec::BoundedVec(
                vec![1, 2, 3],
            ),
            version: 2,
            previous: Some(record - 1),
        })
    }

    #[test]
    fn payloads_of_either_format_read_back_and_name_their_record() {
        let entry = sealed(41);
        let bytes = payload(&entry);
        assert!(bytes.starts_with(SEALED_TAG));
        assert_eq!(entry_of(&bytes).ok(), Some(entry.clone()));
        assert_eq!(record_of(&bytes), Some(41));
        let AnchoredEntry::Sealed(s) = entry else {
            unreachable!()
        };
        let clear = AnchoredEntry::Clear(IndexEntry {
            record: 41,
            patient: AccountId::from([5; 32]),
            custodian: s.custodian,
            record_type: RecordType {
                system: crate::chain::CodeSystem::Loinc,
                code: 115_063,
            },
            plaintext_hash: s.plaintext_hash,
            cid: s.cid,
            version: s.version,
            previous: s.previous,
        });
        let old = payload(&clear);
        assert_eq!(entry_of(&old).ok(), Some(clear));
        assert_eq!(record_of(&old), Some(41));
        // The leaf is the organisation then the payload; trailing bytes are refused.
        assert_eq!(leaf(9, &old)[..4], 9u32.to_le_bytes());
        assert!(entry_of(&[bytes.as_slice(), &[0]].concat()).is_err());
        assert!(entry_of(&bytes[..bytes.len() - 1]).is_err());
    }

    #[test]
    fn the_subject_commits_to_patient_type_and_sealed_key() {
        let patient = AccountId::from([5; 32]);
        let lab = [7; 32];
        let base = subject(&patient, &lab, &[1; 80]);
        let other_type = [8; 32];
        for other in [
            subject(&AccountId::from([6; 32]), &lab, &[1; 80]),
            subject(&patient, &other_type, &[1; 80]),
            subject(&patient, &lab, &[2; 80]),
        ] {
            assert_ne!(base, other);
        }
    }
}

//! Weights of pallet-medical-records.
//!
//! The `()` implementation is a conservative estimate (database accesses at RocksDB cost plus
//! CID parsing) for tests and for runtimes that have not run the benchmarks; the medchain runtime
//! uses the weights frame-omni-bencher measured from `benchmarking.rs`
//! (runtime/src/weights/pallet_medical_records.rs).

use frame_support::weights::{constants::RocksDbWeight, Weight};

pub trait WeightInfo {
    fn register_organisation() -> Weight;
    fn add_member() -> Weight;
    fn remove_member() -> Weight;
    fn set_encryption_key() -> Weight;
    fn set_organisation_key() -> Weight;
    fn create_record() -> Weight;
    fn amend_record() -> Weight;
    fn grant_access() -> Weight;
    fn revoke_access() -> Weight;
    fn grant_type_access() -> Weight;
    fn revoke_type_access() -> Weight;
    fn share_key() -> Weight;
    fn emergency_access() -> Weight;
    fn log_access() -> Weight;
    fn anchor_batch() -> Weight;
    fn void_anchors() -> Weight;
    fn import_record() -> Weight;
    fn verify_inclusion(depth: u32) -> Weight;
    fn sweep(grants: u32) -> Weight;
    fn grant_care() -> Weight;
    fn end_care() -> Weight;
    fn reseal_for_custodian(records: u32) -> Weight;
    fn reseal_type_keys(patients: u32) -> Weight;
}

/// Parsing and re-encoding a CID: a generous bound.
const CID_PARSE: Weight = Weight::from_parts(40_000_000, 0);
/// Appending an audit entry: its counters read and written, the entry written, its deposit held
/// (the causer's account and holds read and written).
const AUDIT: Weight = Weight::from_parts(20_000_000, 1_000);

fn rw(r: u64, w: u64) -> Weight {
    RocksDbWeight::get().reads_writes(r, w)
}

impl WeightInfo for () {
    fn register_organisation() -> Weight {
        rw(1, 3)
    }
    fn add_member() -> Weight {
        rw(3, 2)
    }
    fn remove_member() -> Weight {
        rw(3, 2)
    }
    fn set_encryption_key() -> Weight {
        rw(0, 1)
    }
    fn set_organisation_key() -> Weight {
        rw(2, 1)
    }
    fn create_record() -> Weight {
        rw(9, 7).saturating_add(CID_PARSE)
    }
    fn amend_record() -> Weight {
        rw(10, 8).saturating_add(CID_PARSE)
    }
    fn grant_access() -> Weight {
        rw(7, 5).saturating_add(rw(3, 4)).saturating_add(AUDIT)
    }
    fn revoke_access() -> Weight {
        rw(5, 5).saturating_add(rw(3, 4)).saturating_add(AUDIT)
    }
    /// Worst case: the patient's type grants are full and all expired, so all are purged.
    fn grant_type_access() -> Weight {
        rw(4, 2).saturating_add(rw(16, 16))
    }
    fn revoke_type_access() -> Weight {
        rw(2, 2)
    }
    fn share_key() -> Weight {
        rw(7, 5).saturating_add(rw(3, 4)).saturating_add(AUDIT)
    }
    fn emergency_access() -> Weight {
        rw(7, 6).saturating_add(rw(3, 4)).saturating_add(AUDIT)
    }
    fn log_access() -> Weight {
        rw(4, 1).saturating_add(rw(3, 4)).saturating_add(AUDIT)
    }
    fn anchor_batch() -> Weight {
        rw(4, 3)
    }
    fn void_anchors() -> Weight {
        rw(3, 2)
    }
    fn import_record() -> Weight {
        rw(10, 7)
            .saturating_add(CID_PARSE)
            .saturating_add(Self::verify_inclusion(medchain_merkle::MAX_PROOF_DEPTH))
    }
    fn verify_inclusion(depth: u32) -> Weight {
        // One SHA-256 of at most 129 bytes per level: a generous 20 µs each.
        rw(3, 0)
            .saturating_add(Weight::from_parts(20_000_000, 0).saturating_mul(u64::from(depth) + 1))
    }
    /// Per grant: the grant read while iterating, then taken, its record's count and its
    /// grantee's index entry updated (each grant on a record of its own), and its deposit
    /// released (the depositor's account and holds).
    fn sweep(grants: u32) -> Weight {
        let g = u64::from(grants);
        rw(1, 1).saturating_add(rw(5 * g, 5 * g))
    }
    fn grant_care() -> Weight {
        rw(5, 3)
    }
    fn end_care() -> Weight {
        rw(3, 3)
    }
    /// The admin check, then each record read and written.
    fn reseal_for_custodian(records: u32) -> Weight {
        rw(2, 0).saturating_add(rw(1, 1).saturating_mul(records.into()))
    }
    /// The admin check, then each care relationship read and written.
    fn reseal_type_keys(patients: u32) -> Weight {
        rw(2, 0).saturating_add(rw(1, 1).saturating_mul(patients.into()))
    }
}

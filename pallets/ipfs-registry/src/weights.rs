//! Weights of pallet-ipfs-registry.
//!
//! Not yet measured: the `()` implementation below is a conservative estimate (database
//! accesses at RocksDB cost plus CID parsing) until frame-benchmarking v2 benchmarks run with
//! frame-omni-bencher and generate `SubstrateWeight`. The pallet is not in the runtime before then.

use frame_support::weights::{constants::RocksDbWeight, Weight};

pub trait WeightInfo {
    fn register() -> Weight;
    fn unregister(pins: u32) -> Weight;
    fn add_provider() -> Weight;
    fn remove_provider() -> Weight;
    fn attest_pin() -> Weight;
    fn withdraw_pin() -> Weight;
}

/// Parsing a CID and encoding it again: a generous bound until measured.
const CID_PARSE: Weight = Weight::from_parts(40_000_000, 0);

impl WeightInfo for () {
    fn register() -> Weight {
        RocksDbWeight::get()
            .reads_writes(3, 3)
            .saturating_add(CID_PARSE)
    }
    fn unregister(pins: u32) -> Weight {
        RocksDbWeight::get()
            .reads_writes(3, 3)
            .saturating_add(RocksDbWeight::get().writes(u64::from(pins)))
            .saturating_add(CID_PARSE)
    }
    fn add_provider() -> Weight {
        RocksDbWeight::get().reads_writes(1, 1)
    }
    fn remove_provider() -> Weight {
        RocksDbWeight::get().reads_writes(1, 1)
    }
    fn attest_pin() -> Weight {
        RocksDbWeight::get()
            .reads_writes(3, 2)
            .saturating_add(CID_PARSE)
    }
    fn withdraw_pin() -> Weight {
        RocksDbWeight::get()
            .reads_writes(2, 2)
            .saturating_add(CID_PARSE)
    }
}

//! Weights of pallet-kdpos. These are estimates from each function's storage accesses (reads and
//! writes at `DbWeight`) until frame-omni-bencher measures the pallet's benchmarks in the runtime.

use frame_support::weights::{constants::RocksDbWeight, Weight};

/// What each call and hook of the pallet weighs.
pub trait WeightInfo {
    fn register_candidate() -> Weight;
    fn bond_extra() -> Weight;
    fn unbond() -> Weight;
    fn withdraw_unbonded() -> Weight;
    fn vote() -> Weight;
    fn remove_vote() -> Weight;
    fn heartbeat() -> Weight;
    /// A node's heartbeat: its validation (the session key's signature) and dispatch.
    fn node_heartbeat() -> Weight;
    /// Checking a proof and acting on it, with `v` validators in the session.
    fn report_equivocation(v: u32) -> Weight;
    /// The slot gap of one block over `v` validators, with `f` liveness faults acted on.
    fn on_initialize(v: u32, f: u32) -> Weight;
    /// Closing an era's books over `c` candidates, one rotation before its end.
    fn close_books(c: u32) -> Weight;
    /// The era's election over `c` candidates and `v` voters. Both halves run in rotation blocks,
    /// which pallet-session counts as full.
    fn era_election(c: u32, v: u32) -> Weight;
}

/// Estimates by storage access, at RocksDB's (the most expensive) read and write weights.
impl WeightInfo for () {
    fn register_candidate() -> Weight {
        RocksDbWeight::get().reads_writes(6, 5)
    }
    fn bond_extra() -> Weight {
        RocksDbWeight::get().reads_writes(3, 3)
    }
    fn unbond() -> Weight {
        RocksDbWeight::get().reads_writes(7, 6)
    }
    fn withdraw_unbonded() -> Weight {
        RocksDbWeight::get().reads_writes(3, 3)
    }
    fn vote() -> Weight {
        RocksDbWeight::get().reads_writes(7 + u64::from(crate::MAX_TARGETS), 5)
    }
    fn remove_vote() -> Weight {
        RocksDbWeight::get().reads_writes(4, 5)
    }
    fn heartbeat() -> Weight {
        RocksDbWeight::get().reads_writes(3, 2)
    }
    fn node_heartbeat() -> Weight {
        RocksDbWeight::get().reads_writes(5, 2)
    }
    fn report_equivocation(v: u32) -> Weight {
        RocksDbWeight::get()
            .reads_writes(16, 16)
            .saturating_add(Weight::from_parts(200_000_000, 0)) // two sr25519 verifications, generously
            .saturating_add(RocksDbWeight::get().reads(u64::from(v) / 8))
    }
    fn on_initialize(v: u32, f: u32) -> Weight {
        RocksDbWeight::get()
            .reads_writes(3, 1)
            .saturating_add(RocksDbWeight::get().reads_writes(2 * u64::from(v), 2 * u64::from(v)))
            .saturating_add(RocksDbWeight::get().reads_writes(16 * u64::from(f), 12 * u64::from(f)))
    }
    fn close_books(c: u32) -> Weight {
        RocksDbWeight::get()
            .reads_writes(5 * u64::from(c), 3 * u64::from(c))
            .saturating_add(Weight::from_parts(100_000, 0).saturating_mul(u64::from(c)))
    }
    fn era_election(c: u32, v: u32) -> Weight {
        RocksDbWeight::get()
            .reads_writes(4 * u64::from(c) + u64::from(v), 4)
            .saturating_add(
                Weight::from_parts(100_000, 0).saturating_mul(u64::from(c) + u64::from(v)),
            )
    }
}

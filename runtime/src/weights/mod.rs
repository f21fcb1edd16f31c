//! Weights measured by frame-omni-bencher (`scripts/weights.sh`) from the pallets' benchmarks.

pub mod pallet_ipfs_registry;
pub mod pallet_kdpos;
pub mod pallet_medical_records;

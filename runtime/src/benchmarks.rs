//! The pallets frame-omni-bencher measures (`scripts/weights.sh`); their weights are in `weights/`.

frame_benchmarking::define_benchmarks!(
    [pallet_ipfs_registry, IpfsRegistry]
    [pallet_kdpos, Kdpos]
    [pallet_medical_records, MedicalRecords]
);

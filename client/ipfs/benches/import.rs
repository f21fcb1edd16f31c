//! UnixFS import of 100 MiB (CIDv1, raw leaves, kubo's layout): computing the CID only, and
//! adding into a blockstore on disk (each block written atomically and synced). The npm reference
//! implementation is timed on the same bytes by `scripts/bench.sh --ipfs`.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use medchain_ipfs::{import_bytes, Blockstore, HashOnly, ImportOptions};

const SIZE: usize = 100 * 1024 * 1024;

fn data() -> Vec<u8> {
    let mut x = 0x9e37_79b9u32;
    (0..SIZE)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}

fn import(c: &mut Criterion) {
    let bytes = data();
    let mut group = c.benchmark_group("unixfs import, 100 MiB");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(SIZE as u64));
    group.bench_function("CID only", |b| {
        b.iter(|| import_bytes(&bytes, ImportOptions::v1(), HashOnly).map(|i| i.cid))
    });
    group.bench_function("add to the blockstore", |b| {
        b.iter_batched(
            || tempfile::tempdir().expect("a temporary directory"),
            |dir| {
                let store = Blockstore::open(dir.path()).expect("a store");
                let cid = import_bytes(&bytes, ImportOptions::v1(), &store)
                    .expect("imported")
                    .cid;
                // Returned, so that removing the directory is not timed.
                (cid, dir)
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

criterion_group!(benches, import);
criterion_main!(benches);

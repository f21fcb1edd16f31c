//! A batch of 100,000 index entries (issue 7's size): building the tree, proving one entry and
//! verifying the proof natively. The proof's size is printed; the on-chain verification time is
//! pallet-medical-records' benchmarked `verify_inclusion(17)` weight.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use medchain_merkle::{verify, Tree};

/// Leaves the size of a real one: the organisation (4 bytes), the sealed-entry tag (16) and a
/// sealed entry with a CIDv1 of a SHA-256 and an amended version's previous (134).
fn entries(n: u32) -> Vec<Vec<u8>> {
    (0..n)
        .map(|i| {
            let mut e = u64::from(i).to_le_bytes().to_vec();
            e.resize(154, (i % 251) as u8);
            e
        })
        .collect()
}

fn batch_of_100_000(c: &mut Criterion) {
    let batch = entries(100_000);
    let tree = Tree::new(&batch).unwrap_or_else(|e| panic!("{e:?}"));
    let proof = tree.prove(77_777).unwrap_or_else(|e| panic!("{e:?}"));
    let encoded = codec::Encode::encode(&proof).len();
    println!(
        "proof of one entry of 100,000: {} sibling hashes, {encoded} bytes SCALE-encoded (plus the entry)",
        proof.siblings.len()
    );
    let root = tree.root();
    let mut group = c.benchmark_group("merkle 100,000 entries");
    group.sample_size(10);
    group.bench_function("build the tree", |b| {
        b.iter(|| Tree::new(black_box(&batch)))
    });
    group.bench_function("prove one entry", |b| {
        b.iter(|| tree.prove(black_box(77_777)))
    });
    group.bench_function("verify one proof", |b| {
        b.iter(|| {
            verify(
                black_box(&root),
                black_box(&batch[77_777]),
                black_box(&proof),
            )
        })
    });
    group.finish();
}

criterion_group!(benches, batch_of_100_000);
criterion_main!(benches);

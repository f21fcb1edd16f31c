//! Cost of one era of K-DPoS at consortium scale: 1,000 candidates, 10,000 voters naming 16
//! candidates each. Prints the operation counts the pallet's weight depends on.
//!
//! Run: `cargo bench -p kdpos-primitives` (or scripts/bench.sh).

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use kdpos_primitives::{
    classify, elect_by_strategy, tally, CandidateInput, Class, Features, Params, Standing,
    Strategy, Vote, PPM,
};

const CANDIDATES: u32 = 1_000;
const VOTERS: u32 = 10_000;
const TARGETS: u32 = 16;

/// A reproducible pseudo-random stream (splitmix64), so every run measures the same input.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn inputs() -> (Vec<CandidateInput<u32>>, Vec<Vote<u32, u32>>) {
    let mut rng = Rng(42);
    let candidates = (0..CANDIDATES)
        .map(|id| {
            // Three performance groups, as a real consortium would show.
            let base = [950_000u64, 700_000, 250_000][rng.below(3) as usize];
            let x = [(); 5].map(|_| (base + rng.below(50_000)).min(u64::from(PPM)) as u32);
            CandidateInput {
                id,
                features: Features::from_array(x),
                previous: Some(Class::Excellent),
                banned: false,
            }
        })
        .collect();
    let votes = (0..VOTERS)
        .map(|voter| {
            let mut targets: Vec<u32> = Vec::new();
            while targets.len() < TARGETS as usize {
                let t = rng.below(u64::from(CANDIDATES)) as u32;
                if !targets.contains(&t) {
                    targets.push(t);
                }
            }
            Vote {
                voter,
                stake: u128::from(1 + rng.below(1_000_000_000)),
                targets,
            }
        })
        .collect();
    (candidates, votes)
}

fn era(
    candidates: Vec<CandidateInput<u32>>,
    votes: Vec<Vote<u32, u32>>,
    params: &Params,
) -> (u64, u64, usize) {
    // The inputs are valid by construction; a refusal would show as zero counts in the report.
    let Ok(c) = classify(candidates, params) else {
        return (0, 0, 0);
    };
    let standings: Vec<Standing<u32, u32>> = c
        .candidates
        .iter()
        .map(|k| Standing {
            id: k.id,
            org: k.id,
            class: k.class,
            score: k.score,
            self_bond: 1_000_000_000,
            has_keys: true,
            banned: false,
            proven: true,
        })
        .collect();
    let Ok(t) = tally(&standings, votes.clone(), params) else {
        return (0, 0, 0);
    };
    let Ok(e) = elect_by_strategy(&standings, &votes, &t, params) else {
        return (0, 0, 0);
    };
    (c.distance_ops, t.share_ops, e.producers.len())
}

fn bench(cr: &mut Criterion) {
    let params = Params::default();
    let (candidates, votes) = inputs();
    let (distance_ops, share_ops, producers) = era(candidates.clone(), votes.clone(), &params);
    println!(
        "kdpos era: {CANDIDATES} candidates, {VOTERS} voters x {TARGETS} targets -> {distance_ops} weighted distances, \
         {share_ops} vote shares, {producers} producers"
    );
    cr.bench_function("classify+tally+elect 1000 candidates 10000x16 votes", |b| {
        b.iter(|| {
            era(
                black_box(candidates.clone()),
                black_box(votes.clone()),
                &params,
            )
        })
    });
    let phragmen = Params {
        strategy: Strategy::Phragmen,
        ..params
    };
    let (_, _, by_phragmen) = era(candidates.clone(), votes.clone(), &phragmen);
    println!("kdpos era by Phragmen: {by_phragmen} producers");
    cr.bench_function(
        "classify+tally+elect by Phragmen 1000 candidates 10000x16 votes",
        |b| {
            b.iter(|| {
                era(
                    black_box(candidates.clone()),
                    black_box(votes.clone()),
                    &phragmen,
                )
            })
        },
    );
    cr.bench_function("classify 1000 candidates", |b| {
        b.iter(|| classify(black_box(candidates.clone()), &params).map(|c| c.distance_ops))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);

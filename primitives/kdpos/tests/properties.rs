//! Properties K-DPoS must keep for every input (KDPOS.md), checked with proptest.

use kdpos_primitives::{
    classify, elect, kmeans::Method, tally, CandidateInput, Class, Features, Params, Standing,
    Vote, MAX_KMEANS_ITERATIONS, PPM,
};
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Clone, Debug)]
struct World {
    candidates: Vec<CandidateInput<u32>>,
    orgs: Vec<u32>,
    bonds: Vec<u128>,
    keys: Vec<bool>,
    votes: Vec<Vote<u32, u32>>,
    params: Params,
}

fn class() -> impl Strategy<Value = Option<Class>> {
    prop_oneof![
        Just(None),
        Just(Some(Class::Poor)),
        Just(Some(Class::Qualified)),
        Just(Some(Class::Excellent))
    ]
}

fn feature() -> impl Strategy<Value = u32> {
    // Clustered values make k-means do real work; the edges 0 and PPM must appear too.
    prop_oneof![
        0..=PPM,
        Just(0u32),
        Just(PPM),
        850_000..=PPM,
        0..=300_000u32
    ]
}

fn world() -> impl Strategy<Value = World> {
    (1usize..40, 1u32..8, 0u32..4).prop_flat_map(|(n, producers, standbys)| {
        let candidate = (
            proptest::array::uniform5(feature()),
            class(),
            proptest::bool::weighted(0.1),
            0..(n as u32 / 2 + 1),
            0u128..1_000_000,
            proptest::bool::weighted(0.9),
        );
        (
            proptest::collection::vec(candidate, n),
            proptest::collection::vec(
                (
                    1u128..1_000_000_000,
                    proptest::collection::btree_set(0..n as u32, 1..=16.min(n)),
                ),
                0..60,
            ),
        )
            .prop_map(move |(cs, vs)| World {
                candidates: cs
                    .iter()
                    .enumerate()
                    .map(|(i, (x, prev, banned, ..))| CandidateInput {
                        id: i as u32 * 7 + 3,
                        features: Features::from_array(*x),
                        previous: *prev,
                        banned: *banned,
                    })
                    .collect(),
                orgs: cs.iter().map(|c| c.3).collect(),
                bonds: cs.iter().map(|c| c.4).collect(),
                keys: cs.iter().map(|c| c.5).collect(),
                votes: vs
                    .into_iter()
                    .enumerate()
                    .map(|(v, (stake, targets))| Vote {
                        voter: v as u32,
                        stake,
                        targets: targets.into_iter().map(|t| t * 7 + 3).collect(),
                    })
                    .collect(),
                params: Params {
                    producers,
                    standbys,
                    ..Params::default()
                },
            })
    })
}

/// What `run` returns: each candidate's (id, class, score), the tally, the election, and how the
/// candidates were classified.
type Outcome = (
    Vec<(u32, Class, u32)>,
    kdpos_primitives::Tally<u32>,
    kdpos_primitives::Election<u32>,
    Method,
);

/// Classification, tally and election of a world, as the pallet runs them each era.
fn run(w: &World) -> Outcome {
    let c = classify(w.candidates.clone(), &w.params).expect("valid world");
    let by_id: BTreeMap<u32, usize> = w
        .candidates
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id, i))
        .collect();
    let standings: Vec<Standing<u32, u32>> = c
        .candidates
        .iter()
        .map(|k| {
            let i = by_id[&k.id];
            Standing {
                id: k.id,
                org: w.orgs[i],
                class: k.class,
                score: k.score,
                self_bond: w.bonds[i],
                has_keys: w.keys[i],
                banned: w.candidates[i].banned,
                proven: true,
            }
        })
        .collect();
    let t = tally(&standings, w.votes.clone(), &w.params).expect("valid votes");
    let e = elect(&standings, &t, &w.params).expect("valid election");
    (
        c.candidates
            .iter()
            .map(|k| (k.id, k.class, k.score))
            .collect(),
        t,
        e,
        c.method,
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn output_does_not_depend_on_input_order(w in world(), seed in any::<u64>()) {
        let mut shuffled = w.clone();
        // A deterministic permutation from the seed.
        let n = shuffled.candidates.len();
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by_key(|i| (*i as u64).wrapping_mul(seed | 1).rotate_left(17));
        shuffled.candidates = order.iter().map(|i| w.candidates[*i].clone()).collect();
        shuffled.orgs = order.iter().map(|i| w.orgs[*i]).collect();
        shuffled.bonds = order.iter().map(|i| w.bonds[*i]).collect();
        shuffled.keys = order.iter().map(|i| w.keys[*i]).collect();
        shuffled.votes.reverse();
        let (a, b) = (run(&w), run(&shuffled));
        prop_assert_eq!(a.0, b.0);
        prop_assert_eq!(a.1, b.1);
        prop_assert_eq!(a.2, b.2);
    }

    #[test]
    fn same_input_same_output(w in world()) {
        let (a, b) = (run(&w), run(&w));
        prop_assert_eq!(a.0, b.0);
        prop_assert_eq!(a.2, b.2);
    }

    #[test]
    fn poor_or_banned_are_never_elected_or_counted(w in world()) {
        let (classes, t, e, _) = run(&w);
        let banned: BTreeSet<u32> = w.candidates.iter().filter(|c| c.banned).map(|c| c.id).collect();
        for (id, class, _) in classes {
            if class == Class::Poor || banned.contains(&id) {
                prop_assert!(!e.producers.contains(&id) && !e.standbys.contains(&id));
                prop_assert_eq!(t.of(&id).map(|b| b.counted), Some(0));
            }
        }
    }

    #[test]
    fn no_counted_backing_above_either_cap(w in world()) {
        let (_, t, _, _) = run(&w);
        for b in &t.backings {
            let i = w.candidates.iter().position(|c| c.id == b.id).expect("known");
            prop_assert!(b.counted <= b.raw);
            prop_assert!(b.counted <= t.fair_share_cap);
            prop_assert!(b.counted <= w.bonds[i] * u128::from(w.params.self_bond_factor));
            let fair = (t.total * 2).div_ceil(u128::from(w.params.producers));
            prop_assert_eq!(t.fair_share_cap, fair);
        }
    }

    #[test]
    fn at_most_one_producer_and_one_standby_per_organisation(w in world()) {
        let (_, _, e, _) = run(&w);
        let org = |id: &u32| w.orgs[w.candidates.iter().position(|c| c.id == *id).expect("known")];
        let p: BTreeSet<u32> = e.producers.iter().map(org).collect();
        let s: BTreeSet<u32> = e.standbys.iter().map(org).collect();
        prop_assert_eq!(p.len(), e.producers.len());
        prop_assert_eq!(s.len(), e.standbys.len());
    }

    #[test]
    fn the_producer_set_is_as_large_as_it_can_be(w in world()) {
        let (_, t, e, _) = run(&w);
        let orgs: BTreeSet<u32> = w.candidates.iter().enumerate()
            .filter(|(i, c)| !c.banned && w.keys[*i] && t.of(&c.id).is_some_and(|b| b.eligible))
            .map(|(i, _)| w.orgs[i]).collect();
        prop_assert_eq!(e.producers.len(), (w.params.producers as usize).min(orgs.len()));
    }

    #[test]
    fn kmeans_terminates_within_its_bound_and_scores_stay_in_range(w in world()) {
        let (classes, _, _, method) = run(&w);
        if let Method::KMeans { iterations, .. } = method {
            prop_assert!((1..=MAX_KMEANS_ITERATIONS).contains(&iterations));
        }
        for (_, _, score) in classes {
            prop_assert!(score <= PPM);
        }
    }

    #[test]
    fn folded_features_stay_in_range(
        eras in proptest::collection::vec((any::<u32>(), any::<u32>(), 0u32..10, any::<u32>(), any::<bool>(), any::<u32>(), any::<u32>()), 1..30)
    ) {
        let mut record = None;
        for (authored, missed, sessions, live, voted, offence, endorsement) in eras {
            let c = kdpos_primitives::EraCounters { authored, missed, sessions, live_sessions: live % (sessions + 1), voted, offence_points: offence };
            let r = kdpos_primitives::features::fold(record.as_ref(), &c, endorsement, &Params::default());
            prop_assert!(r.features.validate().is_ok());
            prop_assert!(r.penalty <= PPM);
            record = Some(r);
        }
    }
}

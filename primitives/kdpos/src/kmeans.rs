//! Deterministic k-means with K = 3 (KDPOS.md, "Classification", steps 1 to 4).
//!
//! Determinism comes from the input order (sorted by id), quantile seeding on the list sorted by
//! (score, id) with three distinct seeds, integer centroids, an empty cluster re-seeded with the
//! farthest point, and ties that always go to the centroid with the lower score.

use crate::{
    features::score_of, Class, Error, Features, Weights, FEATURES, K, MAX_KMEANS_ITERATIONS,
};
use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// How the classes were found.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Encode,
    Decode,
    DecodeWithMemTracking,
    TypeInfo,
    MaxEncodedLen,
)]
pub enum Method {
    /// Lloyd iterations over the feature vectors.
    KMeans {
        /// Iterations run (at most [`MAX_KMEANS_ITERATIONS`]).
        iterations: u32,
        /// Whether the assignment stopped changing before the bound.
        converged: bool,
    },
    /// Too few candidates or distinct vectors for K clusters: score thresholds instead.
    Thresholds,
}

/// The classes k-means found, before absolute rules and hysteresis.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Clusters {
    /// One class per input point, in input order.
    pub labels: Vec<Class>,
    /// Centroid of each class (Poor, Qualified, Excellent); `None` under [`Method::Thresholds`].
    pub centroids: Option<[[u32; FEATURES]; K]>,
    /// How the labels were found.
    pub method: Method,
    /// Weighted distances computed: the work the pallet's weight pays for.
    pub distance_ops: u64,
}

/// Weighted squared distance, in u128 so no vector can overflow it.
fn distance(a: &[u32; FEATURES], b: &[u32; FEATURES], w: &Weights) -> u128 {
    a.iter()
        .zip(b.iter())
        .zip(w.0.iter())
        .map(|((x, c), w)| {
            let d = u128::from(x.abs_diff(*c));
            u128::from(*w) * d * d
        })
        .sum()
}

/// Classifies by fixed score thresholds: Excellent at or above `excellent`, Poor below `poor`.
pub fn by_thresholds(score: u32, excellent: u32, poor: u32) -> Class {
    if score >= excellent {
        Class::Excellent
    } else if score < poor {
        Class::Poor
    } else {
        Class::Qualified
    }
}

/// Every point classified by its score against the thresholds alone: k-means's fallback, and the
/// simulator's ablation through [`crate::classify_by_thresholds`].
pub fn thresholds(points: &[Features], weights: &Weights, excellent: u32, poor: u32) -> Clusters {
    Clusters {
        labels: points
            .iter()
            .map(|p| by_thresholds(p.score(weights), excellent, poor))
            .collect(),
        centroids: None,
        method: Method::Thresholds,
        distance_ops: 0,
    }
}

/// Runs k-means over `points`, which must be sorted by id with no duplicates (the caller,
/// [`crate::classify`], guarantees it). `excellent` and `poor` are the fallback thresholds.
pub fn cluster(
    points: &[Features],
    weights: &Weights,
    excellent: u32,
    poor: u32,
) -> Result<Clusters, Error> {
    if points.is_empty() {
        return Err(Error::NoCandidates);
    }
    let vectors: Vec<[u32; FEATURES]> = points.iter().map(|p| p.to_array()).collect();
    let scores: Vec<u32> = vectors.iter().map(|v| score_of(v, weights)).collect();

    let mut distinct = vectors.clone();
    distinct.sort();
    distinct.dedup();
    let thresholds = || thresholds(points, weights, excellent, poor);
    if vectors.len() < 2 * K || distinct.len() < K {
        return Ok(thresholds());
    }

    // Seed with the vectors at ranks floor((n-1)q) of the (score, index) order (index order is
    // id order, so ties in score go to the lower id): q = 5/6 for the top centroid, then 1/6 for
    // the bottom one, then 1/2 for the middle one. A seed whose vector an earlier seed took moves
    // to the nearest rank with a vector not taken (the lower of two equally near), so the seeds
    // are distinct: when more than half the candidates share the best vector, two quantiles fall
    // on it, and equal seeds would leave a cluster empty and the best without their class.
    let n = vectors.len();
    let mut by_score: Vec<usize> = (0..n).collect();
    by_score.sort_by_key(|i| (scores[*i], *i));
    let mut centroids = [[0u32; FEATURES]; K];
    let mut taken: Vec<[u32; FEATURES]> = Vec::with_capacity(K);
    for (k, (num, den)) in [(2, (5, 6)), (0, (1, 6)), (1, (1, 2))] {
        let at = (n - 1) * num / den;
        let free = (0..n)
            .flat_map(|d| [at.checked_sub(d), at.checked_add(d).filter(|r| *r < n)])
            .flatten()
            .map(|r| vectors[by_score[r]])
            .find(|v| !taken.contains(v));
        // There are at least K distinct vectors, so one is always free.
        let Some(seed) = free else {
            return Ok(thresholds());
        };
        centroids[k] = seed;
        taken.push(seed);
    }

    let mut assignment = alloc::vec![usize::MAX; n];
    let mut iterations = 0;
    let mut converged = false;
    let mut distance_ops = 0u64;
    while iterations < MAX_KMEANS_ITERATIONS {
        iterations += 1;
        let centroid_scores: Vec<u32> = centroids.iter().map(|c| score_of(c, weights)).collect();
        let mut moved = false;
        for (i, v) in vectors.iter().enumerate() {
            // Nearest centroid; a tie goes to the lower centroid score, then the lower index.
            let best = (0..K)
                .min_by_key(|k| {
                    (
                        distance(v, &centroids[*k], weights),
                        centroid_scores[*k],
                        *k,
                    )
                })
                .unwrap_or(0);
            distance_ops += K as u64;
            if assignment[i] != best {
                assignment[i] = best;
                moved = true;
            }
        }
        // An empty cluster takes the point farthest from its own centroid (the lower index of
        // equally far ones) from a cluster that keeps another point, so that every class is
        // somebody's and no label goes to an empty cluster.
        let mut counts = [0usize; K];
        for k in assignment.iter() {
            counts[*k] += 1;
        }
        for empty in 0..K {
            if counts[empty] > 0 {
                continue;
            }
            let farthest = (0..n)
                .filter(|i| counts[assignment[*i]] > 1)
                .max_by_key(|i| {
                    (
                        distance(&vectors[*i], &centroids[assignment[*i]], weights),
                        core::cmp::Reverse(*i),
                    )
                });
            distance_ops += n as u64;
            if let Some(i) = farthest {
                counts[assignment[i]] -= 1;
                counts[empty] = 1;
                assignment[i] = empty;
                centroids[empty] = vectors[i];
                moved = true;
            }
        }
        if !moved {
            converged = true;
            break;
        }
        // Integer means; no cluster is empty here.
        let mut sums = [[0u64; FEATURES]; K];
        for (v, k) in vectors.iter().zip(assignment.iter()) {
            for (s, x) in sums[*k].iter_mut().zip(v.iter()) {
                *s += u64::from(*x);
            }
        }
        for k in 0..K {
            for j in 0..FEATURES {
                if let Some(mean) = sums[k][j].checked_div(counts[k] as u64) {
                    centroids[k][j] = u32::try_from(mean).unwrap_or(u32::MAX);
                }
            }
        }
    }

    // Every cluster has a point (the re-seeding above); should one not, no label goes to it: the
    // thresholds decide instead.
    if (0..K).any(|k| !assignment.contains(&k)) {
        return Ok(thresholds());
    }
    // Name clusters by centroid score: lowest Poor, middle Qualified, highest Excellent.
    let mut order: Vec<usize> = (0..K).collect();
    order.sort_by_key(|k| (score_of(&centroids[*k], weights), *k));
    let mut class_of = [Class::Poor; K];
    let mut labelled = [[0u32; FEATURES]; K];
    for (rank, k) in order.iter().enumerate() {
        let class = Class::from_rank(rank);
        class_of[*k] = class;
        labelled[rank] = centroids[*k];
    }
    Ok(Clusters {
        labels: assignment.iter().map(|k| class_of[*k]).collect(),
        centroids: Some(labelled),
        method: Method::KMeans {
            iterations,
            converged,
        },
        distance_ops,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::PPM;

    fn f(x: u32) -> Features {
        Features::from_array([x, x, x, PPM, x])
    }

    #[test]
    fn three_clear_groups_are_found_and_named_by_score() -> Result<(), Error> {
        let points = [
            f(100_000),
            f(950_000),
            f(120_000),
            f(600_000),
            f(980_000),
            f(620_000),
            f(90_000),
        ];
        let c = cluster(&points, &Weights::default(), 800_000, 400_000)?;
        use Class::*;
        assert_eq!(
            c.labels,
            [Poor, Excellent, Poor, Qualified, Excellent, Qualified, Poor]
        );
        assert!(matches!(
            c.method,
            Method::KMeans {
                converged: true,
                ..
            }
        ));
        Ok(())
    }

    #[test]
    fn too_few_candidates_fall_back_to_thresholds() -> Result<(), Error> {
        let points = [f(900_000), f(100_000), f(600_000)];
        let c = cluster(&points, &Weights::default(), 800_000, 400_000)?;
        assert_eq!(c.method, Method::Thresholds);
        assert_eq!(c.labels, [Class::Excellent, Class::Poor, Class::Qualified]);
        Ok(())
    }

    #[test]
    fn too_few_distinct_vectors_fall_back_to_thresholds() -> Result<(), Error> {
        let points = [
            f(900_000),
            f(900_000),
            f(900_000),
            f(100_000),
            f(100_000),
            f(100_000),
        ];
        let c = cluster(&points, &Weights::default(), 800_000, 400_000)?;
        assert_eq!(c.method, Method::Thresholds);
        Ok(())
    }

    #[test]
    fn when_most_share_the_best_vector_they_are_excellent() -> Result<(), Error> {
        // Four perfect producers of seven: the quantile seeds at ranks 3 and 5 both fall on the
        // perfect vector. Equal seeds left the top cluster empty and the perfect four Qualified.
        let points = [
            f(PPM),
            f(400_000),
            f(PPM),
            f(700_000),
            f(PPM),
            f(100_000),
            f(PPM),
        ];
        let c = cluster(&points, &Weights::default(), 800_000, 400_000)?;
        assert!(matches!(c.method, Method::KMeans { .. }), "{:?}", c.method);
        use Class::*;
        assert_eq!(
            c.labels,
            [Excellent, Poor, Excellent, Qualified, Excellent, Poor, Excellent]
        );
        // Every class has a member, and the top centroid is the perfect vector.
        for class in [Poor, Qualified, Excellent] {
            assert!(c.labels.contains(&class), "{class:?} is somebody's");
        }
        assert_eq!(
            c.centroids.map(|cs| cs[2]),
            Some(f(PPM).to_array()),
            "the Excellent centroid"
        );
        Ok(())
    }

    #[test]
    fn no_cluster_is_ever_empty_and_seeds_are_distinct() -> Result<(), Error> {
        // Many shapes of crowding: most at the top, most at the bottom, most in the middle, with
        // a few others; every k-means result names each class after a point that has it.
        for (crowd, others) in [
            (PPM, [0, 300_000, 600_000]),
            (0, [PPM, 700_000, 400_000]),
            (500_000, [0, PPM, 990_000]),
        ] {
            for size in 4..12 {
                let mut points = alloc::vec![f(crowd); size];
                points.extend(others.iter().map(|x| f(*x)));
                let c = cluster(&points, &Weights::default(), 800_000, 400_000)?;
                if let Method::KMeans { .. } = c.method {
                    for class in [Class::Poor, Class::Qualified, Class::Excellent] {
                        assert!(c.labels.contains(&class), "{crowd} x{size}: {:?}", c.labels);
                    }
                    // The crowd shares one label.
                    assert!(c.labels[..size].iter().all(|l| *l == c.labels[0]));
                }
            }
        }
        Ok(())
    }

    #[test]
    fn empty_input_is_an_error() {
        assert_eq!(
            cluster(&[], &Weights::default(), 1, 0),
            Err(Error::NoCandidates)
        );
    }

    #[test]
    fn all_equal_but_one_still_terminates() -> Result<(), Error> {
        let mut points = alloc::vec![f(500_000); 20];
        points.push(f(510_000));
        points.push(f(0));
        let c = cluster(&points, &Weights::default(), 800_000, 400_000)?;
        assert!(
            matches!(c.method, Method::KMeans { iterations, .. } if iterations <= MAX_KMEANS_ITERATIONS)
        );
        Ok(())
    }
}

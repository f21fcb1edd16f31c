//! Classes (KDPOS.md, "Classification"): k-means, then absolute rules, then hysteresis.

use crate::{
    kmeans::{self, Method},
    sorted_unique, Error, Features, Params, FEATURES, K, PPM,
};
use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// A candidate's class. Only Excellent (and, to fill the range, the best Qualified) may receive
/// votes; Poor never.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Encode,
    Decode,
    DecodeWithMemTracking,
    MaxEncodedLen,
    TypeInfo,
)]
pub enum Class {
    #[default]
    Poor,
    Qualified,
    Excellent,
}

impl Class {
    /// Class by rank of centroid score: 0 Poor, 1 Qualified, 2 and above Excellent.
    pub fn from_rank(rank: usize) -> Class {
        match rank {
            0 => Class::Poor,
            1 => Class::Qualified,
            _ => Class::Excellent,
        }
    }

    /// The class one step up (Excellent stays Excellent).
    pub fn one_up(self) -> Class {
        match self {
            Class::Poor => Class::Qualified,
            _ => Class::Excellent,
        }
    }
}

/// What the classifier knows of a candidate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CandidateInput<C> {
    pub id: C,
    /// Its performance features (moving averages).
    pub features: Features,
    /// Its class in the previous era; `None` for a new candidate, which starts from Poor, so it
    /// reaches Excellent no sooner than its second era.
    pub previous: Option<Class>,
    /// Whether a proven offence bans it now.
    pub banned: bool,
}

/// Why a candidate has its class: the last rule that decided it.
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
pub enum ClassReason {
    /// The class of its cluster (or score threshold), unchanged by any rule.
    Cluster,
    /// A proven offence: Poor and banned.
    Banned,
    /// Excellent needs production (x1) of at least `excellent_min_production`.
    ExcellentNeedsProduction,
    /// Excellent needs liveness (x2) of at least `excellent_min_liveness`.
    ExcellentNeedsLiveness,
    /// Excellent needs integrity (x4) of exactly 1_000_000: no offence penalty outstanding.
    ExcellentNeedsIntegrity,
    /// Production or liveness below the floor: Poor at best.
    BelowFloor,
    /// k-means put it with the weakest, but nothing absolute condemns it (its score is at least
    /// `poor_score`, no floor is breached, no ban): Qualified. Poor must be earned, not relative.
    PoorNotEarned,
    /// A candidate rises at most one class per era.
    RiseLimited,
    /// Stood after the era's classification was made: Poor (no vote counts for it) until the
    /// next one classifies it.
    Unclassified,
    /// k-means put it below the top, but it meets every absolute requirement of Excellent (score
    /// at least `excellent_score`, production, liveness, full integrity): Excellent. Classes are
    /// relative only below that bar, so a field of equally good candidates is all Excellent.
    ExcellentEarned,
}

/// One candidate's classification, with its explanation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Classified<C> {
    pub id: C,
    /// Composite score (ppm).
    pub score: u32,
    /// The class of its cluster, before the rules.
    pub cluster: Class,
    /// Its class this era.
    pub class: Class,
    /// The rule that decided `class`.
    pub reason: ClassReason,
}

/// The classification of all candidates of an era, sorted by id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Classification<C> {
    pub candidates: Vec<Classified<C>>,
    /// k-means or the threshold fallback.
    pub method: Method,
    /// Centroids of Poor, Qualified and Excellent, when k-means ran.
    pub centroids: Option<[[u32; FEATURES]; K]>,
    /// Weighted distances computed.
    pub distance_ops: u64,
}

/// Classifies every candidate: deterministic k-means over the features on the
/// `label_tolerance` grid (or score thresholds when there are too few), then the absolute rules
/// (Excellent needs production, liveness and full integrity, and whoever meets every absolute
/// requirement is Excellent; Poor must be earned), then one-step promotion hysteresis. The
/// result does not depend on the order of `candidates`; two entries with the same id are an
/// error.
pub fn classify<C: Ord + Clone>(
    candidates: Vec<CandidateInput<C>>,
    params: &Params,
) -> Result<Classification<C>, Error> {
    classify_with(candidates, params, true)
}

/// The ablation that measures what k-means adds (the simulator's `kdpos-thresholds`): the same
/// absolute rules and hysteresis as [`classify`], over clusters given by the score thresholds
/// alone. The chain does not use it.
pub fn classify_by_thresholds<C: Ord + Clone>(
    candidates: Vec<CandidateInput<C>>,
    params: &Params,
) -> Result<Classification<C>, Error> {
    classify_with(candidates, params, false)
}

fn classify_with<C: Ord + Clone>(
    candidates: Vec<CandidateInput<C>>,
    params: &Params,
    kmeans: bool,
) -> Result<Classification<C>, Error> {
    params.validate()?;
    if candidates.is_empty() {
        return Err(Error::NoCandidates);
    }
    for c in &candidates {
        c.features.validate()?;
    }
    let candidates = sorted_unique(candidates, |c| &c.id)?;
    let points: Vec<Features> = candidates
        .iter()
        .map(|c| on_grid(&c.features, params.label_tolerance))
        .collect();
    let (excellent, poor) = (params.excellent_score, params.poor_score);
    let clusters = if kmeans {
        kmeans::cluster(&points, &params.weights, excellent, poor)?
    } else {
        kmeans::thresholds(&points, &params.weights, excellent, poor)
    };

    let classified = candidates
        .into_iter()
        .zip(clusters.labels.iter())
        .map(|(c, cluster)| {
            let (class, reason) = apply_rules(&c, *cluster, params);
            Classified {
                score: c.features.score(&params.weights),
                id: c.id,
                cluster: *cluster,
                class,
                reason,
            }
        })
        .collect();
    Ok(Classification {
        candidates: classified,
        method: clusters.method,
        centroids: clusters.centroids,
        distance_ops: clusters.distance_ops,
    })
}

/// Each feature rounded to the nearest multiple of `tolerance` (at most 1_000_000): what k-means
/// sees, so that performances inside one cell of the grid are one point and share a cluster.
pub fn on_grid(x: &Features, tolerance: u32) -> Features {
    if tolerance <= 1 {
        return *x;
    }
    let round = |v: u32| {
        let t = u64::from(tolerance);
        let r = (u64::from(v) + t / 2) / t * t;
        r.min(u64::from(PPM)) as u32
    };
    Features::from_array(x.to_array().map(round))
}

/// The absolute requirement of Excellent that `x` misses first, if any.
fn excellent_needs(x: &Features, params: &Params) -> Option<ClassReason> {
    if x.production < params.excellent_min_production {
        Some(ClassReason::ExcellentNeedsProduction)
    } else if x.liveness < params.excellent_min_liveness {
        Some(ClassReason::ExcellentNeedsLiveness)
    } else if x.integrity < PPM {
        Some(ClassReason::ExcellentNeedsIntegrity)
    } else {
        None
    }
}

/// The absolute rules and hysteresis on top of a cluster's class.
fn apply_rules<C>(c: &CandidateInput<C>, cluster: Class, params: &Params) -> (Class, ClassReason) {
    let x = &c.features;
    if c.banned {
        return (Class::Poor, ClassReason::Banned);
    }
    let (mut class, mut reason) = (cluster, ClassReason::Cluster);
    let missing = excellent_needs(x, params);
    if class == Class::Excellent {
        if let Some(why) = missing {
            (class, reason) = (Class::Qualified, why);
        }
    } else if missing.is_none() && x.score(&params.weights) >= params.excellent_score {
        (class, reason) = (Class::Excellent, ClassReason::ExcellentEarned);
    }
    let below_floor = x.production < params.floor || x.liveness < params.floor;
    if below_floor && class > Class::Poor {
        (class, reason) = (Class::Poor, ClassReason::BelowFloor);
    }
    if class == Class::Poor && !below_floor && x.score(&params.weights) >= params.poor_score {
        (class, reason) = (Class::Qualified, ClassReason::PoorNotEarned);
    }
    let ceiling = c.previous.unwrap_or(Class::Poor).one_up();
    if class > ceiling {
        (class, reason) = (ceiling, ClassReason::RiseLimited);
    }
    (class, reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(id: u32, x: [u32; 5], previous: Option<Class>) -> CandidateInput<u32> {
        CandidateInput {
            id,
            features: Features::from_array(x),
            previous,
            banned: false,
        }
    }

    fn class_of(c: &Classification<u32>, id: u32) -> (Class, ClassReason) {
        c.candidates
            .iter()
            .find(|x| x.id == id)
            .map(|x| (x.class, x.reason))
            .unwrap_or((Class::Poor, ClassReason::Cluster))
    }

    /// Six good, six middling, six poor candidates, all previously Excellent so hysteresis is idle.
    fn field() -> Vec<CandidateInput<u32>> {
        let mut v = Vec::new();
        for i in 0..6 {
            v.push(input(
                i,
                [990_000, 990_000, PPM, PPM, 900_000 + i],
                Some(Class::Excellent),
            ));
            v.push(input(
                10 + i,
                [700_000, 700_000, 500_000, PPM, 300_000 + i],
                Some(Class::Excellent),
            ));
            v.push(input(
                20 + i,
                [200_000, 300_000, 0, PPM, i],
                Some(Class::Excellent),
            ));
        }
        v
    }

    #[test]
    fn clusters_become_classes() -> Result<(), Error> {
        let c = classify(field(), &Params::default())?;
        assert_eq!(class_of(&c, 3), (Class::Excellent, ClassReason::Cluster));
        assert_eq!(class_of(&c, 13), (Class::Qualified, ClassReason::Cluster));
        assert_eq!(class_of(&c, 23), (Class::Poor, ClassReason::Cluster));
        Ok(())
    }

    #[test]
    fn the_thresholds_ablation_labels_by_score_alone() -> Result<(), Error> {
        // Three clear groups; the best meets every requirement of Excellent but scores 775,000,
        // under `excellent_score`: its own cluster to k-means, Qualified by thresholds.
        let mut v = Vec::new();
        for i in 0..6 {
            v.push(input(
                i,
                [950_000, 950_000, 0, PPM, 0],
                Some(Class::Excellent),
            ));
            v.push(input(
                10 + i,
                [700_000, 700_000, 0, PPM, 0],
                Some(Class::Excellent),
            ));
            v.push(input(
                20 + i,
                [200_000, 300_000, 0, PPM, 0],
                Some(Class::Excellent),
            ));
        }
        for c in v.iter_mut().filter(|c| c.id == 1) {
            c.banned = true;
        }
        let p = Params::default();
        let k = classify(v.clone(), &p)?;
        let t = classify_by_thresholds(v, &p)?;
        assert_eq!(class_of(&k, 3), (Class::Excellent, ClassReason::Cluster));
        assert_eq!(class_of(&t, 3), (Class::Qualified, ClassReason::Cluster));
        assert_eq!(t.method, Method::Thresholds);
        // The absolute rules hold in both.
        assert_eq!(class_of(&t, 1), (Class::Poor, ClassReason::Banned));
        assert_eq!(class_of(&t, 23).0, Class::Poor);
        Ok(())
    }

    #[test]
    fn poor_must_be_earned_not_just_relative() -> Result<(), Error> {
        // Three groups that are all good: the weakest still scores well above 400k.
        let mut v = Vec::new();
        for i in 0..6 {
            v.push(input(
                i,
                [990_000, 990_000, PPM, PPM, 900_000],
                Some(Class::Excellent),
            ));
            v.push(input(
                10 + i,
                [930_000, 950_000, PPM, PPM, 600_000],
                Some(Class::Excellent),
            ));
            v.push(input(
                20 + i,
                [600_000, 900_000, 800_000, PPM, 100_000],
                Some(Class::Excellent),
            ));
        }
        let c = classify(v, &Params::default())?;
        assert_eq!(
            class_of(&c, 23),
            (Class::Qualified, ClassReason::PoorNotEarned)
        );
        Ok(())
    }

    #[test]
    fn a_banned_candidate_is_poor_whatever_its_features() -> Result<(), Error> {
        let mut f = field();
        f[0].banned = true;
        let c = classify(f, &Params::default())?;
        assert_eq!(class_of(&c, 0), (Class::Poor, ClassReason::Banned));
        Ok(())
    }

    #[test]
    fn excellent_needs_production_liveness_and_full_integrity() -> Result<(), Error> {
        let mut f = field();
        f.push(input(
            100,
            [890_000, 990_000, PPM, PPM, 950_000],
            Some(Class::Excellent),
        ));
        f.push(input(
            101,
            [990_000, 890_000, PPM, PPM, 950_000],
            Some(Class::Excellent),
        ));
        f.push(input(
            102,
            [990_000, 990_000, PPM, PPM - 1, 950_000],
            Some(Class::Excellent),
        ));
        let c = classify(f, &Params::default())?;
        assert_eq!(
            class_of(&c, 100),
            (Class::Qualified, ClassReason::ExcellentNeedsProduction)
        );
        assert_eq!(
            class_of(&c, 101),
            (Class::Qualified, ClassReason::ExcellentNeedsLiveness)
        );
        assert_eq!(
            class_of(&c, 102),
            (Class::Qualified, ClassReason::ExcellentNeedsIntegrity)
        );
        Ok(())
    }

    #[test]
    fn production_or_liveness_below_half_is_poor() -> Result<(), Error> {
        let mut f = field();
        f.push(input(
            100,
            [499_999, 700_000, 500_000, PPM, 300_000],
            Some(Class::Qualified),
        ));
        let c = classify(f, &Params::default())?;
        assert_eq!(class_of(&c, 100), (Class::Poor, ClassReason::BelowFloor));
        Ok(())
    }

    #[test]
    fn promotion_is_one_class_per_era_and_demotion_immediate() -> Result<(), Error> {
        let mut f = field();
        f.push(input(
            100,
            [995_000, 995_000, PPM, PPM, 950_000],
            Some(Class::Poor),
        ));
        f.push(input(101, [995_000, 995_000, PPM, PPM, 950_000], None));
        f.push(input(
            102,
            [150_000, 200_000, 0, PPM, 0],
            Some(Class::Excellent),
        ));
        let c = classify(f, &Params::default())?;
        assert_eq!(
            class_of(&c, 100),
            (Class::Qualified, ClassReason::RiseLimited)
        );
        assert_eq!(
            class_of(&c, 101),
            (Class::Qualified, ClassReason::RiseLimited),
            "new candidates start from Poor"
        );
        assert_eq!(class_of(&c, 102).0, Class::Poor);
        Ok(())
    }

    /// Six candidates that produce and live poorly (ids 100 to 105), so k-means has a field.
    fn six_poor() -> Vec<CandidateInput<u32>> {
        (100..106)
            .map(|i| input(i, [200_000, 300_000, 0, PPM, 0], Some(Class::Excellent)))
            .collect()
    }

    /// Issue 18, item 2: 18 equally good candidates, ten of which let one vote lapse, and six
    /// poor ones. k-means made three clusters of the three vectors and the ten were Qualified.
    #[test]
    fn equal_performers_are_all_excellent_whatever_their_vote_noise() -> Result<(), Error> {
        let mut v = Vec::new();
        for i in 0..18 {
            let voting = if i < 8 { PPM } else { 500_000 };
            v.push(input(
                i,
                [980_000, PPM, voting, PPM, PPM],
                Some(Class::Excellent),
            ));
        }
        v.extend(six_poor());
        let c = classify(v, &Params::default())?;
        for i in 0..18 {
            assert_eq!(class_of(&c, i).0, Class::Excellent, "candidate {i}");
        }
        assert_eq!(
            class_of(&c, 12),
            (Class::Excellent, ClassReason::ExcellentEarned)
        );
        assert_eq!(class_of(&c, 103).0, Class::Poor);
        Ok(())
    }

    /// Issue 18, item 2: twelve good producers that never vote (a score under the Excellent bar),
    /// whose production and liveness differ by noise under the tolerance, share one class;
    /// clustered exactly, k-means split them on the noise into Excellent and Qualified.
    #[test]
    fn performances_within_the_tolerance_share_a_class() -> Result<(), Error> {
        let mut v = Vec::new();
        for i in 0..12u32 {
            let noise = (i * 7_919) % 40_000;
            v.push(input(
                i,
                [930_000 + noise, 970_000 - noise, 0, PPM, noise / 2],
                Some(Class::Excellent),
            ));
        }
        v.extend(six_poor());
        let c = classify(v.clone(), &Params::default())?;
        let first = class_of(&c, 0).0;
        for i in 1..12 {
            assert_eq!(class_of(&c, i).0, first, "candidate {i}");
        }
        let exact = Params {
            label_tolerance: 0,
            ..Params::default()
        };
        let split = classify(v, &exact)?;
        assert!(
            (1..12).any(|i| class_of(&split, i).0 != class_of(&split, 0).0),
            "without the grid the noise splits them (the finding)"
        );
        Ok(())
    }

    #[test]
    fn the_grid_rounds_each_feature_to_the_nearest_step() {
        let x = Features::from_array([974_999, 975_000, 24_999, 0, PPM]);
        assert_eq!(on_grid(&x, 50_000).to_array(), [950_000, PPM, 0, 0, PPM]);
        assert_eq!(on_grid(&x, 0), x);
    }

    #[test]
    fn bad_input_is_a_typed_error() {
        assert_eq!(
            classify::<u32>(Vec::new(), &Params::default()),
            Err(Error::NoCandidates)
        );
        let dup = alloc::vec![input(1, [0; 5], None), input(1, [0; 5], None)];
        assert_eq!(
            classify(dup, &Params::default()),
            Err(Error::DuplicateCandidate)
        );
        let big = alloc::vec![input(1, [PPM + 1, 0, 0, 0, 0], None)];
        assert_eq!(
            classify(big, &Params::default()),
            Err(Error::FeatureAboveOne)
        );
        let p = Params {
            producers: 0,
            ..Params::default()
        };
        assert_eq!(
            classify(alloc::vec![input(1, [0; 5], None)], &p),
            Err(Error::NoProducers)
        );
    }
}

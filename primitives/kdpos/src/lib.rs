//! K-DPoS: delegated proof of stake in which the chain measures each candidate's performance,
//! groups candidates into classes with deterministic k-means, lets only the good classes receive
//! votes, caps what any one candidate can count, elects producers and standbys, and decides at
//! once what happens to a producer that misbehaves.
//!
//! Everything here is pure, deterministic integer arithmetic with no I/O, so that the runtime
//! (pallet-kdpos) and the simulator (kdpos-sim) run exactly the same code. `shared/KDPOS.md` is the
//! specification; each module names the section it implements. Every decision comes with an
//! explanation the chain can show to the operator it concerns.
//!
//! The steps of an era, in order:
//! 1. [`features::fold`]: fold an era's counters into a candidate's performance record.
//! 2. [`classify::classify`]: k-means over the records, absolute rules, hysteresis.
//! 3. [`votes::tally`]: the restricted vote range, split stake and the two caps.
//! 4. [`election::elect_by_strategy`]: producers and standbys by top backing or sequential
//!    Phragmen, at most one of each per organisation.
//! 5. [`eviction::decide`], at any block: what to do with a faulty producer.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

use codec::{Decode, DecodeWithMemTracking, Encode};
use scale_info::TypeInfo;
pub mod classify;
pub mod election;
pub mod eviction;
pub mod features;
pub mod kmeans;
pub mod params;
pub mod standing;
pub mod votes;

pub use classify::{
    classify, classify_by_thresholds, CandidateInput, Class, ClassReason, Classified,
};
pub use election::{elect, elect_by_strategy, elect_phragmen, Election, Verdict};
pub use eviction::{decide, Decision, Fault};
pub use features::{EraCounters, Features, Record};
pub use params::{Params, Strategy, Weights};
pub use standing::Standing;
pub use votes::{check_vote, tally, Backing, Cap, Tally, Vote};

/// Parts per million: every feature, weight and score is an integer in `0..=PPM`.
pub const PPM: u32 = 1_000_000;

/// Number of performance features (production, liveness, voting, integrity, endorsement).
pub const FEATURES: usize = 5;

/// Number of classes, and of k-means clusters.
pub const K: usize = 3;

/// Most candidates one vote may name.
pub const MAX_VOTE_TARGETS: usize = 16;

/// Most Lloyd iterations k-means runs before it stops.
pub const MAX_KMEANS_ITERATIONS: u32 = 10;

/// Why an input was refused. Each variant names the fault; none of them is ever a panic.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub enum Error {
    /// `producers` (P) is zero: nobody could produce blocks.
    NoProducers,
    /// The five feature weights must sum to exactly 1_000_000; they sum to this.
    WeightsDoNotSum(u64),
    /// A threshold is above 1_000_000 ppm.
    ThresholdAboveOne,
    /// The Poor threshold is above the Excellent threshold.
    ThresholdsOutOfOrder,
    /// A cap factor is zero, which would let no backing count at all.
    ZeroCapFactor,
    /// There are no candidates to classify or elect.
    NoCandidates,
    /// The same candidate appears twice in one input.
    DuplicateCandidate,
    /// A feature value is above 1_000_000 ppm.
    FeatureAboveOne,
    /// A vote names no candidate.
    NoTargets,
    /// A vote names more than [`MAX_VOTE_TARGETS`] candidates.
    TooManyTargets,
    /// A vote names the same candidate twice.
    DuplicateTarget,
    /// A vote names a candidate that is not registered.
    UnknownTarget,
    /// A vote bonds no stake.
    ZeroStake,
    /// The same voter has two votes in one tally.
    DuplicateVoter,
    /// Sequential Phragmen could not normalise its result (sp-npos-elections' arithmetic).
    ElectionArithmetic,
    /// `outage_producers` is 1: every missing producer would be a shared outage, so no liveness
    /// fault would ever be evicted (0 turns the rule off).
    OutageOfOne,
}

impl core::fmt::Display for Error {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Error::NoProducers => write!(f, "the number of producers P must be at least 1"),
            Error::WeightsDoNotSum(s) => write!(f, "feature weights sum to {s} ppm, not 1_000_000"),
            Error::ThresholdAboveOne => write!(f, "a threshold is above 1_000_000 ppm"),
            Error::ThresholdsOutOfOrder => {
                write!(f, "the Poor threshold is above the Excellent one")
            }
            Error::ZeroCapFactor => write!(f, "a vote cap factor is zero"),
            Error::NoCandidates => write!(f, "there are no candidates"),
            Error::DuplicateCandidate => write!(f, "a candidate appears twice"),
            Error::FeatureAboveOne => write!(f, "a feature is above 1_000_000 ppm"),
            Error::NoTargets => write!(f, "the vote names no candidate"),
            Error::TooManyTargets => write!(f, "the vote names more than 16 candidates"),
            Error::DuplicateTarget => write!(f, "the vote names a candidate twice"),
            Error::UnknownTarget => write!(f, "the vote names a candidate that is not registered"),
            Error::ZeroStake => write!(f, "the vote bonds no stake"),
            Error::DuplicateVoter => write!(f, "a voter has two votes"),
            Error::ElectionArithmetic => write!(f, "the Phragmen election overflowed"),
            Error::OutageOfOne => write!(
                f,
                "outage_producers is 1, which would defer every liveness fault (0 turns it off)"
            ),
        }
    }
}

/// Sorts `items` by `key` and fails if two items share a key: every step works on inputs sorted
/// by id, which is what makes the output independent of input order.
pub(crate) fn sorted_unique<T, K: Ord>(
    mut items: alloc::vec::Vec<T>,
    key: impl Fn(&T) -> &K,
) -> Result<alloc::vec::Vec<T>, Error> {
    items.sort_by(|a, b| key(a).cmp(key(b)));
    if items.windows(2).any(|w| key(&w[0]) == key(&w[1])) {
        return Err(Error::DuplicateCandidate);
    }
    Ok(items)
}

//! Parameters of K-DPoS (KDPOS.md, all sections) with the defaults the specification gives.

use crate::{Error, FEATURES, PPM};
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// Weights of the five features in the composite score, in ppm; they sum to 1_000_000.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Encode,
    Decode,
    DecodeWithMemTracking,
    MaxEncodedLen,
    TypeInfo,
)]
pub struct Weights(pub [u32; FEATURES]);

impl Default for Weights {
    /// Production 30 %, liveness 20 %, voting 15 %, integrity 30 %, endorsement 5 %.
    fn default() -> Self {
        Weights([300_000, 200_000, 150_000, 300_000, 50_000])
    }
}

/// How producers are chosen from the vote range.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    Encode,
    Decode,
    DecodeWithMemTracking,
    MaxEncodedLen,
    TypeInfo,
)]
pub enum Strategy {
    /// The top P by (class, counted backing, score, id).
    #[default]
    TopBacking,
    /// Sequential Phragmen (sp-npos-elections) over the range, Excellent first, on the stake that
    /// counts under the caps: seats in proportion to counted stake (proportional justified
    /// representation), however a group spreads or concentrates its votes.
    Phragmen,
}

/// Every tunable number of the algorithm.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Encode,
    Decode,
    DecodeWithMemTracking,
    MaxEncodedLen,
    TypeInfo,
)]
pub struct Params {
    /// P: block producers elected each era.
    pub producers: u32,
    /// B: standbys elected each era, promoted when a producer is evicted.
    pub standbys: u32,
    /// Feature weights of the composite score.
    pub weights: Weights,
    /// Fallback classification (too few candidates for k-means): score at or above is Excellent.
    pub excellent_score: u32,
    /// Fallback classification: score below is Poor.
    pub poor_score: u32,
    /// Excellent requires production (x1) at least this.
    pub excellent_min_production: u32,
    /// Excellent requires liveness (x2) at least this.
    pub excellent_min_liveness: u32,
    /// Production or liveness below this means Poor at best.
    pub floor: u32,
    /// Counted backing is at most `ceil(fair_share_factor * T / P)`.
    pub fair_share_factor: u32,
    /// Counted backing is at most `self_bond_factor * self bond`.
    pub self_bond_factor: u32,
    /// Eras a candidate stays banned after a proven offence.
    pub ban_eras: u32,
    /// Consecutive missed own slots that make a liveness fault.
    pub missed_slots_threshold: u32,
    /// At least this many producers missing their own slots at once (each at least
    /// `missed_slots_threshold - 1` in a row) are taken for a shared outage (a network, power
    /// or release failure), not each for its own fault: their liveness faults are deferred, not
    /// evicted, and the misses still count against their records. 0 turns the rule off; 1 would
    /// defer every liveness fault and is refused.
    pub outage_producers: u32,
    /// How producers are chosen from the vote range.
    pub strategy: Strategy,
    /// Producer seats kept for the best challengers (unproven Excellent, then Qualified, when any
    /// are in the range), so newcomers earn a production record a few per era; established
    /// candidates (Excellent, production measured) take the others.
    pub challenger_seats: u32,
    /// Performances that differ by less than this (ppm, per feature) are one point to k-means:
    /// features are rounded to this grid before clustering, so equal performers do not split
    /// into two classes on noise. 0 clusters the exact features.
    pub label_tolerance: u32,
}

impl Default for Params {
    /// The consortium defaults: P = 21, B = 6.
    fn default() -> Self {
        Params {
            producers: 21,
            standbys: 6,
            weights: Weights::default(),
            excellent_score: 800_000,
            poor_score: 400_000,
            excellent_min_production: 900_000,
            excellent_min_liveness: 900_000,
            floor: 500_000,
            fair_share_factor: 2,
            self_bond_factor: 10,
            ban_eras: 28,
            missed_slots_threshold: 3,
            outage_producers: 2,
            strategy: Strategy::TopBacking,
            challenger_seats: 1,
            label_tolerance: 50_000,
        }
    }
}

impl Params {
    /// Refuses parameter sets that make no sense, naming the first fault.
    pub fn validate(&self) -> Result<(), Error> {
        if self.producers == 0 {
            return Err(Error::NoProducers);
        }
        let sum: u64 = self.weights.0.iter().map(|w| u64::from(*w)).sum();
        if sum != u64::from(PPM) {
            return Err(Error::WeightsDoNotSum(sum));
        }
        let thresholds = [
            self.excellent_score,
            self.poor_score,
            self.excellent_min_production,
            self.excellent_min_liveness,
            self.floor,
            self.label_tolerance,
        ];
        if thresholds.iter().any(|t| *t > PPM) {
            return Err(Error::ThresholdAboveOne);
        }
        if self.poor_score > self.excellent_score {
            return Err(Error::ThresholdsOutOfOrder);
        }
        if self.fair_share_factor == 0 || self.self_bond_factor == 0 {
            return Err(Error::ZeroCapFactor);
        }
        if self.outage_producers == 1 {
            return Err(Error::OutageOfOne);
        }
        Ok(())
    }

    /// P + B: how many candidates the vote range must hold.
    pub fn seats(&self) -> u32 {
        self.producers.saturating_add(self.standbys)
    }

    /// Eras an organisation stays banned for a proven offence after `earlier` ones: each repeat
    /// doubles the last ban, from `ban_eras`, up to 2^16 times it (forgiveness without memory
    /// would let an equivocator back after one ban).
    pub fn ban_for(&self, earlier: u32) -> u32 {
        self.ban_eras.saturating_mul(1u32 << earlier.min(16))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_repeat_offence_doubles_the_ban_up_to_a_cap() {
        let p = Params::default();
        assert_eq!(p.ban_for(0), 28);
        assert_eq!(p.ban_for(1), 56);
        assert_eq!(p.ban_for(3), 224);
        assert_eq!(p.ban_for(16), 28 << 16);
        assert_eq!(p.ban_for(40), 28 << 16, "capped, and no shift overflow");
        let forever = Params {
            ban_eras: u32::MAX,
            ..p
        };
        assert_eq!(forever.ban_for(5), u32::MAX, "saturates");
    }

    #[test]
    fn defaults_are_valid() {
        assert_eq!(Params::default().validate(), Ok(()));
    }

    #[test]
    fn nonsense_is_refused_by_name() {
        let p = Params {
            producers: 0,
            ..Params::default()
        };
        assert_eq!(p.validate(), Err(Error::NoProducers));
        let p = Params {
            weights: Weights([1, 2, 3, 4, 5]),
            ..Params::default()
        };
        assert_eq!(p.validate(), Err(Error::WeightsDoNotSum(15)));
        let p = Params {
            poor_score: 900_000,
            ..Params::default()
        };
        assert_eq!(p.validate(), Err(Error::ThresholdsOutOfOrder));
        let p = Params {
            floor: PPM + 1,
            ..Params::default()
        };
        assert_eq!(p.validate(), Err(Error::ThresholdAboveOne));
        let p = Params {
            self_bond_factor: 0,
            ..Params::default()
        };
        assert_eq!(p.validate(), Err(Error::ZeroCapFactor));
        let p = Params {
            outage_producers: 1,
            ..Params::default()
        };
        assert_eq!(p.validate(), Err(Error::OutageOfOne));
    }
}

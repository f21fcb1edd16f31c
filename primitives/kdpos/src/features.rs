//! Per-candidate features (KDPOS.md, "Per-candidate features"): an era's counters folded into a
//! performance record with an exponential moving average, and the composite score.

use crate::{Error, Params, Weights, FEATURES, PPM};
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// What the chain counted for one candidate during one era.
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
pub struct EraCounters {
    /// Own slots in which the candidate authored a block.
    pub authored: u32,
    /// Own slots in which it did not.
    pub missed: u32,
    /// Sessions in the era.
    pub sessions: u32,
    /// Sessions in which it authored a block or sent its heartbeat.
    pub live_sessions: u32,
    /// Whether its account voted or renewed its vote this era.
    pub voted: bool,
    /// Penalty points (ppm) of offences proven this era: an equivocation is all of them.
    pub offence_points: u32,
}

/// The five features, each in ppm.
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
pub struct Features {
    /// x1: share of own slots authored.
    pub production: u32,
    /// x2: share of sessions in which the candidate was live.
    pub liveness: u32,
    /// x3: share of recent eras in which it voted.
    pub voting: u32,
    /// x4: 1_000_000 minus decaying offence penalties.
    pub integrity: u32,
    /// x5: counted backing relative to the fair share `T / P`, at most 1.
    pub endorsement: u32,
}

impl Features {
    /// The features as a vector, in the order of [`Weights`].
    pub fn to_array(&self) -> [u32; FEATURES] {
        [
            self.production,
            self.liveness,
            self.voting,
            self.integrity,
            self.endorsement,
        ]
    }

    /// Features from a vector in the order of [`Weights`].
    pub fn from_array(x: [u32; FEATURES]) -> Self {
        Features {
            production: x[0],
            liveness: x[1],
            voting: x[2],
            integrity: x[3],
            endorsement: x[4],
        }
    }

    /// Refuses a feature above 1_000_000 ppm.
    pub fn validate(&self) -> Result<(), Error> {
        if self.to_array().iter().any(|x| *x > PPM) {
            return Err(Error::FeatureAboveOne);
        }
        Ok(())
    }

    /// Composite score `sum(w_j * x_j) / 1_000_000`, in ppm when the weights sum to 1_000_000.
    pub fn score(&self, weights: &Weights) -> u32 {
        score_of(&self.to_array(), weights)
    }
}

/// The composite score of a feature vector (also used for k-means centroids).
pub fn score_of(x: &[u32; FEATURES], weights: &Weights) -> u32 {
    let sum: u64 = x
        .iter()
        .zip(weights.0.iter())
        .map(|(x, w)| u64::from(*x) * u64::from(*w))
        .sum();
    u32::try_from(sum / u64::from(PPM)).unwrap_or(u32::MAX)
}

/// A candidate's performance over the eras it has stood.
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
pub struct Record {
    /// The moving averages.
    pub features: Features,
    /// Outstanding offence penalty (ppm); it halves every era.
    pub penalty: u32,
    /// Eras folded into this record.
    pub eras: u32,
    /// Eras in which the candidate had own slots since its last proven offence (since it stood,
    /// if none). Until the first, its production is assumed, not measured (see [`fold`]), and it
    /// is not established: it produces only in a challenger seat.
    pub scheduled_eras: u32,
}

/// `part / whole` in ppm; `default` when `whole` is zero.
fn ratio(part: u32, whole: u64, default: u32) -> u32 {
    if whole == 0 {
        return default;
    }
    let r = u64::from(part).min(whole) * u64::from(PPM) / whole;
    u32::try_from(r).unwrap_or(PPM)
}

/// Endorsement of an era: counted backing over the fair share `T / P`, capped at 1.
pub fn endorsement(counted: u128, total_counted: u128, producers: u32) -> u32 {
    if total_counted == 0 || producers == 0 {
        return 0;
    }
    let r = counted
        .saturating_mul(u128::from(producers))
        .saturating_mul(u128::from(PPM))
        / total_counted;
    u32::try_from(r.min(u128::from(PPM))).unwrap_or(PPM)
}

/// What one era alone says about a candidate (before averaging). Production is 500_000 when the
/// candidate had no slots, liveness likewise when the era had no sessions: no evidence either way.
pub fn era_features(era: &EraCounters, endorsement: u32) -> Features {
    let slots = u64::from(era.authored) + u64::from(era.missed);
    Features {
        production: ratio(era.authored, slots, PPM / 2),
        liveness: ratio(era.live_sessions, u64::from(era.sessions), PPM / 2),
        voting: if era.voted { PPM } else { 0 },
        integrity: PPM,
        endorsement: endorsement.min(PPM),
    }
}

/// Folds one era into a record: `new = (old + era) / 2` for production, liveness, voting and
/// endorsement (the first era is taken as it is; an era without own slots leaves production as it
/// was, one without sessions liveness), and the offence penalty halves before this era's points
/// are added, so integrity is `1_000_000 - penalty`.
///
/// A candidate that has never had own slots cannot show production, and a neutral prior kept it
/// under Excellent's production bar for good: a newcomer never got the seat that would measure
/// it (issue 18, item 4). Until its first own slots, its production is assumed to be its
/// liveness, at most `excellent_min_production`: a node that is live every session (its
/// heartbeats are signed with its session key) may take a seat, and no newcomer outranks a
/// proven producer. Its first own slots replace the assumption. A proven offence makes the
/// candidate a newcomer again: what it had shown counts for nothing once it has cheated, and it
/// re-enters through a challenger seat when its ban ends.
pub fn fold(
    previous: Option<&Record>,
    era: &EraCounters,
    endorsement: u32,
    params: &Params,
) -> Record {
    let now = era_features(era, endorsement);
    let scheduled = era.authored > 0 || era.missed > 0;
    let measured_before = previous.is_some_and(|r| r.scheduled_eras > 0);
    let penalty_before = previous.map_or(0, |r| r.penalty / 2);
    let penalty = penalty_before.saturating_add(era.offence_points).min(PPM);
    let avg = |old: u32, new: u32| ((u64::from(old) + u64::from(new)) / 2) as u32;
    let mut averaged = match previous {
        None => now,
        Some(r) => Features {
            // An era with no own slots (a standby's) or no sessions says nothing: keep the
            // average rather than drag it towards 500_000.
            production: if scheduled {
                avg(r.features.production, now.production)
            } else {
                r.features.production
            },
            liveness: if era.sessions == 0 {
                r.features.liveness
            } else {
                avg(r.features.liveness, now.liveness)
            },
            voting: avg(r.features.voting, now.voting),
            integrity: PPM,
            endorsement: avg(r.features.endorsement, now.endorsement),
        },
    };
    if !measured_before {
        averaged.production = if scheduled {
            now.production
        } else {
            averaged.liveness.min(params.excellent_min_production)
        };
    }
    Record {
        features: Features {
            integrity: PPM - penalty,
            ..averaged
        },
        penalty,
        eras: previous.map_or(1, |r| r.eras.saturating_add(1)),
        scheduled_eras: if era.offence_points > 0 {
            0
        } else {
            previous
                .map_or(0, |r| r.scheduled_eras)
                .saturating_add(u32::from(scheduled))
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p() -> Params {
        Params::default()
    }

    fn counters(authored: u32, missed: u32, live: u32, voted: bool) -> EraCounters {
        EraCounters {
            authored,
            missed,
            sessions: 6,
            live_sessions: live,
            voted,
            offence_points: 0,
        }
    }

    #[test]
    fn production_is_the_share_of_own_slots_authored() {
        assert_eq!(
            era_features(&counters(9, 1, 6, true), 0).production,
            900_000
        );
        assert_eq!(
            era_features(&counters(0, 0, 6, true), 0).production,
            500_000,
            "never scheduled"
        );
        assert_eq!(era_features(&counters(0, 7, 6, true), 0).production, 0);
    }

    #[test]
    fn liveness_voting_and_endorsement() {
        let f = era_features(&counters(1, 0, 3, false), 250_000);
        assert_eq!(f.liveness, 500_000);
        assert_eq!(f.voting, 0);
        assert_eq!(f.endorsement, 250_000);
        assert_eq!(era_features(&counters(1, 0, 3, true), 0).voting, PPM);
    }

    #[test]
    fn moving_average_halves_the_distance_each_era() {
        let first = fold(None, &counters(10, 0, 6, true), 0, &p());
        assert_eq!(first.features.production, PPM);
        let second = fold(Some(&first), &counters(0, 10, 6, true), 0, &p());
        assert_eq!(second.features.production, 500_000);
        let third = fold(Some(&second), &counters(0, 10, 6, true), 0, &p());
        assert_eq!(third.features.production, 250_000);
        assert_eq!(third.eras, 3);
    }

    #[test]
    fn an_era_without_slots_keeps_the_production_average() {
        let producer = fold(None, &counters(19, 1, 6, true), 0, &p());
        assert_eq!(producer.features.production, 950_000);
        let standby = fold(Some(&producer), &counters(0, 0, 6, true), 0, &p());
        assert_eq!(
            standby.features.production, 950_000,
            "a standby era is no evidence either way"
        );
    }

    #[test]
    fn an_equivocation_takes_all_integrity_and_the_penalty_halves_each_era() {
        let clean = fold(None, &counters(10, 0, 6, true), 0, &p());
        assert_eq!(clean.features.integrity, PPM);
        let caught = fold(
            Some(&clean),
            &EraCounters {
                offence_points: PPM,
                ..counters(10, 0, 6, true)
            },
            0,
            &p(),
        );
        assert_eq!(caught.features.integrity, 0);
        assert_eq!(
            caught.scheduled_eras, 0,
            "an offender is a newcomer again: no longer established"
        );
        let later = fold(Some(&caught), &counters(10, 0, 6, true), 0, &p());
        assert_eq!(later.features.integrity, 500_000);
        let much_later = (0..25).fold(later, |r, _| {
            fold(Some(&r), &counters(10, 0, 6, true), 0, &p())
        });
        assert_eq!(
            much_later.features.integrity, PPM,
            "the penalty decays to nothing"
        );
    }

    /// Issue 18, item 4: a standby that is live every session but has never had own slots was
    /// held at a 500_000 production prior, under Excellent's bar for good.
    #[test]
    fn a_newcomer_is_assumed_to_produce_as_well_as_it_is_live_until_it_has_slots() {
        let first = fold(None, &counters(0, 0, 6, true), 0, &p());
        assert_eq!(first.features.liveness, PPM);
        assert_eq!(
            first.features.production,
            p().excellent_min_production,
            "live every session: production assumed up to Excellent's bar, no higher"
        );
        assert_eq!(first.scheduled_eras, 0);
        let half_live = fold(Some(&first), &counters(0, 0, 0, true), 0, &p());
        assert_eq!(half_live.features.liveness, 500_000);
        assert_eq!(
            half_live.features.production, 500_000,
            "the assumption follows liveness"
        );
        let measured = fold(Some(&first), &counters(7, 3, 6, true), 0, &p());
        assert_eq!(
            measured.features.production, 700_000,
            "the first own slots replace the assumption"
        );
        assert_eq!(measured.scheduled_eras, 1);
        let standby_again = fold(Some(&measured), &counters(0, 0, 6, true), 0, &p());
        assert_eq!(
            standby_again.features.production, 700_000,
            "once measured, a standby era keeps the measure"
        );
    }

    #[test]
    fn endorsement_is_backing_over_the_fair_share_capped_at_one() {
        assert_eq!(endorsement(50, 1_000, 10), 500_000);
        assert_eq!(endorsement(300, 1_000, 10), PPM);
        assert_eq!(endorsement(0, 0, 10), 0);
    }

    #[test]
    fn score_weights_features() {
        let w = Weights::default();
        let all = Features::from_array([PPM; 5]);
        assert_eq!(all.score(&w), PPM);
        let no_integrity = Features {
            integrity: 0,
            ..all
        };
        assert_eq!(no_integrity.score(&w), 700_000);
    }
}

//! `KdposApi`: what Polkadot.js Apps users (Developer > Runtime calls) and the `medchain` CLI read
//! about K-DPoS: every candidate's class, features and score with the reason, the live set, and a
//! preview of the next election with a verdict for each candidate.

use crate::*;
use alloc::vec::Vec;
use codec::Codec;
use kdpos_primitives::{kmeans::Method, Cap, EraCounters, Record, Verdict};

/// Where a candidate sits in the current era's election.
#[derive(Clone, Copy, Encode, Decode, Eq, PartialEq, Debug, TypeInfo)]
pub enum Role {
    Producer,
    Standby,
    Candidate,
}

/// One candidate as the chain sees it now.
#[derive(Clone, Encode, Decode, Eq, PartialEq, Debug, TypeInfo)]
pub struct CandidateView<AccountId, Balance> {
    pub account: AccountId,
    pub org: OrgId,
    pub bond: Balance,
    pub has_keys: bool,
    /// Class since the last era boundary (or the last fault), with the rule that decided it.
    pub standing: Option<ClassInfo>,
    /// Its performance record (moving averages); none before its first era boundary.
    pub record: Option<Record>,
    /// What this era counted so far.
    pub counters: EraCounters,
    pub role: Role,
    /// In the live set of this session, and whether disabled there.
    pub active: bool,
    pub disabled: bool,
    pub banned_until: Option<EraIndex>,
    /// Its last fault and what was done about it.
    pub last_fault: Option<FaultRecord<Balance>>,
}

/// The live validator set and the era's election.
#[derive(Clone, Encode, Decode, Eq, PartialEq, Debug, TypeInfo)]
pub struct ValidatorsView<AccountId> {
    pub era: EraIndex,
    pub session: u32,
    /// Who produces this session, in Aura's order.
    pub active: Vec<AccountId>,
    pub disabled: Vec<AccountId>,
    /// The era's producers as handed to pallet-session (after any replacement).
    pub producers: Vec<AccountId>,
    pub standbys: Vec<AccountId>,
    /// Rotations still to come at once (after an eviction).
    pub forced_rotations: u8,
}

/// One candidate in the preview of the next election.
#[derive(Clone, Encode, Decode, Eq, PartialEq, Debug, TypeInfo)]
pub struct PreviewEntry<AccountId> {
    pub account: AccountId,
    pub score: u32,
    /// Its k-means cluster, before the rules.
    pub cluster: Class,
    pub class: Class,
    pub reason: ClassReason,
    /// In the vote range: votes for it count.
    pub eligible: bool,
    /// Backing voted for it, and what counts after the caps.
    pub raw_backing: u128,
    pub counted_backing: u128,
    pub capped_by: Option<Cap>,
    pub verdict: Option<Verdict>,
}

/// The election as it would run over what is stored now (counters not yet folded).
#[derive(Clone, Encode, Decode, Eq, PartialEq, Debug, TypeInfo)]
pub struct ElectionPreview<AccountId> {
    pub method: Method,
    pub candidates: Vec<PreviewEntry<AccountId>>,
    pub producers: Vec<AccountId>,
    pub standbys: Vec<AccountId>,
    /// Total counted backing and the per-candidate fair-share cap.
    pub total_backing: u128,
    pub fair_share_cap: u128,
}

sp_api::decl_runtime_apis! {
    /// K-DPoS: candidates, classes, the live set and the next election.
    pub trait KdposApi<AccountId, Balance>
    where
        AccountId: Codec,
        Balance: Codec,
    {
        /// Every candidate, sorted by account.
        fn candidates() -> Vec<CandidateView<AccountId, Balance>>;
        /// The live set and the era's producers and standbys.
        fn validators() -> ValidatorsView<AccountId>;
        /// The next election over what is stored now, with a verdict for each candidate.
        fn preview() -> Result<ElectionPreview<AccountId>, kdpos_primitives::Error>;
        /// The candidates votes count for now (the vote range).
        fn eligible() -> Vec<AccountId>;
    }
}

/// The API's answers, for the runtime to delegate to.
impl<T: Config> Pallet<T> {
    pub fn api_candidates() -> Vec<CandidateView<T::AccountId, BalanceOf<T>>> {
        let active = pallet_session::Validators::<T>::get();
        let disabled = Self::disabled_among(&active);
        let producers = Producers::<T>::get();
        let standbys = Standbys::<T>::get();
        let mut out: Vec<_> = Candidates::<T>::iter()
            .map(|(account, c)| CandidateView {
                org: c.org,
                bond: c.bond,
                has_keys: pallet_session::NextKeys::<T>::contains_key(&account),
                standing: Classes::<T>::get(&account),
                record: Performance::<T>::get(&account),
                counters: Counters::<T>::get(&account),
                role: if producers.contains(&account) {
                    Role::Producer
                } else if standbys.contains(&account) {
                    Role::Standby
                } else {
                    Role::Candidate
                },
                active: active.contains(&account),
                disabled: disabled.contains(&account),
                banned_until: BannedUntil::<T>::get(&account),
                last_fault: LastFault::<T>::get(&account),
                account,
            })
            .collect();
        out.sort_by(|a, b| a.account.cmp(&b.account));
        out
    }

    pub fn api_validators() -> ValidatorsView<T::AccountId> {
        let active = pallet_session::Validators::<T>::get();
        let disabled = Self::disabled_among(&active);
        ValidatorsView {
            era: CurrentEra::<T>::get(),
            session: pallet_session::CurrentIndex::<T>::get(),
            active,
            disabled,
            producers: Producers::<T>::get().into_inner(),
            standbys: Standbys::<T>::get().into_inner(),
            forced_rotations: ForcedRotations::<T>::get(),
        }
    }

    pub fn api_preview() -> Result<ElectionPreview<T::AccountId>, kdpos_primitives::Error> {
        let (classification, tally, election) = Self::prepare_election()?;
        let candidates = classification
            .candidates
            .into_iter()
            .map(|c| {
                let backing = tally.of(&c.id);
                PreviewEntry {
                    score: c.score,
                    cluster: c.cluster,
                    class: c.class,
                    reason: c.reason,
                    eligible: backing.is_some_and(|b| b.eligible),
                    raw_backing: backing.map_or(0, |b| b.raw),
                    counted_backing: backing.map_or(0, |b| b.counted),
                    capped_by: backing.and_then(|b| b.capped_by),
                    verdict: election
                        .verdicts
                        .iter()
                        .find(|(id, _)| *id == c.id)
                        .map(|(_, v)| *v),
                    account: c.id,
                }
            })
            .collect();
        Ok(ElectionPreview {
            method: classification.method,
            candidates,
            producers: election.producers,
            standbys: election.standbys,
            total_backing: tally.total,
            fair_share_cap: tally.fair_share_cap,
        })
    }

    pub fn api_eligible() -> Vec<T::AccountId> {
        Self::api_preview()
            .map(|p| {
                p.candidates
                    .into_iter()
                    .filter(|c| c.eligible)
                    .map(|c| c.account)
                    .collect()
            })
            .unwrap_or_default()
    }
}

//! One run: a seeded world under one system for a number of eras, and what it measured.

use crate::{
    metrics::{gini, nakamoto},
    model::{self, Behaviour, World},
};
use kdpos_primitives::{
    classify, decide, elect_by_strategy, features, tally, CandidateInput, Class, Decision,
    EraCounters, Fault, Params, Record, Standing, Strategy, Vote, MAX_VOTE_TARGETS, PPM,
};
use rand::{seq::SliceRandom, Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeSet;

/// The election systems compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum System {
    /// EOS-like: 30 targets at full weight, no caps, no classes; faulty producers stay until
    /// voters react after `DPOS_REACTION_ERAS` eras and the next election drops them.
    Dpos,
    /// K-DPoS with classes, the vote range and eviction, but no caps on backing.
    KdposNoCaps,
    /// K-DPoS as specified (top P by class and counted backing).
    Kdpos,
    /// K-DPoS electing by sequential Phragmen over the vote range.
    KdposPhragmen,
}

impl System {
    pub const ALL: [System; 4] = [
        System::Dpos,
        System::KdposNoCaps,
        System::Kdpos,
        System::KdposPhragmen,
    ];

    pub fn name(self) -> &'static str {
        match self {
            System::Dpos => "dpos",
            System::KdposNoCaps => "kdpos-nocaps",
            System::Kdpos => "kdpos",
            System::KdposPhragmen => "kdpos-phragmen",
        }
    }
}

/// One cell of the experiment grid with one seed.
#[derive(Clone, Copy, Debug)]
pub struct Scenario {
    pub system: System,
    pub n: u32,
    pub malicious_permille: u32,
    pub behaviour: Behaviour,
    pub seed: u64,
    pub eras: u32,
    pub producers: u32,
    pub standbys: u32,
}

/// What one run measured; per-round figures are over eras.
#[derive(Clone, Debug, Default)]
pub struct Outcome {
    /// Mean over sessions of the malicious share of producing (not disabled) producers.
    pub mean_malicious_share: f64,
    /// Largest malicious share seen at any session start.
    pub max_malicious_share: f64,
    /// Rounds (eras) in which some session had at least a third of producers malicious.
    pub rounds_over_third: u32,
    pub rounds: u32,
    /// Faults detected (K-DPoS) or seen by voters (DPoS) that led to removal, and their latency
    /// in sessions from the fault to the offender's last block.
    pub removals: u32,
    pub mean_removal_latency: f64,
    pub max_removal_latency: u32,
    /// Honest producers evicted for missed slots, and honest producer-sessions.
    pub false_evictions: u32,
    pub honest_producer_sessions: u64,
    /// Nakamoto coefficient by organisation of the producer set: smallest over rounds, and mean.
    pub min_nakamoto: u32,
    pub mean_nakamoto: f64,
    /// Gini coefficient of the producers' counted backing, mean over rounds.
    pub mean_gini: f64,
    /// Share of voter stake that voted, mean over rounds.
    pub mean_turnout: f64,
}

/// Per-node state the chain keeps between eras.
#[derive(Clone, Default)]
struct NodeState {
    record: Option<Record>,
    class: Option<Class>,
    banned_until: u32,
    counters: EraCounters,
    consecutive_missed: u32,
    /// DPoS: the era in which voters first saw it misbehave.
    seen_faulty: Option<u32>,
    /// Session of its first fault not yet answered by removal.
    open_fault: Option<u64>,
    endorsement: u32,
}

/// The algorithm's parameters a system runs with.
pub fn params(sc: &Scenario) -> Params {
    let p = Params {
        producers: sc.producers,
        standbys: sc.standbys,
        ..Params::default()
    };
    match sc.system {
        System::KdposNoCaps => Params {
            fair_share_factor: u32::MAX,
            self_bond_factor: u32::MAX,
            ..p
        },
        System::KdposPhragmen => Params {
            strategy: Strategy::Phragmen,
            ..p
        },
        System::Dpos | System::Kdpos => p,
    }
}

/// Chooses up to `k` of `pool` at random.
fn pick(pool: &[u32], k: usize, rng: &mut ChaCha8Rng) -> Vec<u32> {
    let mut v: Vec<u32> = pool
        .choose_multiple(rng, k.min(pool.len()))
        .copied()
        .collect();
    v.sort_unstable();
    v
}

/// Runs one scenario to the end.
pub fn run(sc: &Scenario) -> Outcome {
    let mut rng = ChaCha8Rng::seed_from_u64(sc.seed);
    let world: World = model::world(sc.n, sc.malicious_permille, sc.behaviour, &mut rng);
    // The same seed gives every system the same world and the same stream of chance.
    let mut rng = ChaCha8Rng::seed_from_u64(sc.seed ^ 0x006b_6470_6f73);
    let params = params(sc);
    let kdpos = sc.system != System::Dpos;
    let mut state = vec![NodeState::default(); world.nodes.len()];
    let total_stake: u128 = world.voters.iter().map(|v| v.stake).sum();
    let mut out = Outcome {
        min_nakamoto: u32::MAX,
        ..Outcome::default()
    };
    let mut share_sum = 0.0;
    let mut sessions_seen = 0u64;
    let mut latency_sum = 0u64;
    let mut nakamoto_sum = 0u64;
    let mut gini_sum = 0.0;
    let mut turnout_sum = 0.0;
    // KDPOS_SIM_TRACE=1 prints each era's election, to see why a run did what it did.
    let trace = std::env::var_os("KDPOS_SIM_TRACE").is_some();

    for era in 0..sc.eras {
        // --- election at the era boundary; the first era runs the genesis set ---
        let (producers, standbys, backing, voted_stake) = if era == 0 {
            genesis(&world, &mut state, sc)
        } else if kdpos {
            elect_kdpos(&world, &mut state, era, &params, &mut rng)
        } else {
            elect_dpos(&world, &state, era, sc.producers, &mut rng)
        };
        out.rounds += 1;
        if trace {
            let bad = producers
                .iter()
                .filter(|p| world.nodes[**p as usize].malicious)
                .count();
            let classes = [Class::Poor, Class::Qualified, Class::Excellent]
                .map(|c| state.iter().filter(|s| s.class == Some(c)).count());
            eprintln!(
                "era {era}: {} producers ({bad} malicious), {} standbys, classes P/Q/E {:?}",
                producers.len(),
                standbys.len(),
                classes
            );
        }
        turnout_sum += voted_stake as f64 / total_stake.max(1) as f64;
        gini_sum += gini(&backing);
        let orgs: Vec<u32> = producers
            .iter()
            .map(|p| world.nodes[*p as usize].org)
            .collect();
        let nc = nakamoto(&orgs);
        nakamoto_sum += u64::from(nc);
        out.min_nakamoto = out.min_nakamoto.min(nc);
        // DPoS: a faulty producer's offence is answered when it drops out of the set.
        for (i, s) in state.iter_mut().enumerate() {
            if let Some(at) = s.open_fault {
                if !producers.contains(&(i as u32)) {
                    let session = u64::from(era) * u64::from(model::SESSIONS_PER_ERA);
                    let latency = session.saturating_sub(at);
                    latency_sum += latency;
                    out.max_removal_latency = out.max_removal_latency.max(latency as u32);
                    out.removals += 1;
                    s.open_fault = None;
                }
            }
        }

        // --- the sessions of the era ---
        let mut active = producers.clone();
        let mut queue: Vec<u32> = standbys.clone();
        let mut disabled: Vec<u32> = Vec::new();
        let mut over_third = false;
        for session in 0..model::SESSIONS_PER_ERA {
            let now = u64::from(era) * u64::from(model::SESSIONS_PER_ERA) + u64::from(session);
            let producing: Vec<u32> = active
                .iter()
                .copied()
                .filter(|a| !disabled.contains(a))
                .collect();
            let bad = producing
                .iter()
                .filter(|p| world.nodes[**p as usize].malicious)
                .count();
            let share = if producing.is_empty() {
                0.0
            } else {
                bad as f64 / producing.len() as f64
            };
            share_sum += share;
            sessions_seen += 1;
            out.max_malicious_share = out.max_malicious_share.max(share);
            let third = 3 * bad >= producing.len() && bad > 0;
            if trace && third {
                eprintln!(
                    "  session {session}: {bad} of {} producing are malicious",
                    producing.len()
                );
            }
            over_third |= third;

            let mut promoted = Vec::new();
            for p in &producing {
                let node = &world.nodes[*p as usize];
                if !node.malicious {
                    out.honest_producer_sessions += 1;
                }
                let faulty = node.malicious && sc.behaviour.faults(era, sc.eras, &mut rng);
                let s = &mut state[*p as usize];
                if faulty {
                    s.counters.authored += 1;
                    s.seen_faulty.get_or_insert(era);
                    if kdpos {
                        let d = decide(Fault::Equivocation, p, &active, &disabled, &queue, &params);
                        if let Decision::Evict { replacement, .. } = d {
                            disabled.push(*p);
                            s.banned_until = era + 1 + params.ban_eras;
                            s.counters.offence_points = PPM;
                            out.removals += 1;
                            if let Some(r) = replacement {
                                queue.retain(|q| *q != r);
                                promoted.push(r);
                            }
                        }
                    } else {
                        s.open_fault.get_or_insert(now);
                    }
                    continue;
                }
                for _ in 0..model::SLOTS_PER_PRODUCER {
                    if rng.gen_range(0..1000) < model::HONEST_MISS_PERMILLE {
                        s.counters.missed += 1;
                        s.consecutive_missed += 1;
                    } else {
                        s.counters.authored += 1;
                        s.consecutive_missed = 0;
                    }
                    if kdpos && s.consecutive_missed >= params.missed_slots_threshold {
                        let d = decide(
                            Fault::MissedSlots(s.consecutive_missed),
                            p,
                            &active,
                            &disabled,
                            &queue,
                            &params,
                        );
                        if let Decision::Evict { replacement, .. } = d {
                            disabled.push(*p);
                            s.consecutive_missed = 0;
                            if !node.malicious {
                                out.false_evictions += 1;
                            }
                            if let Some(r) = replacement {
                                queue.retain(|q| *q != r);
                                promoted.push(r);
                            }
                            break;
                        }
                    }
                }
            }
            // A forced rotation brings the standbys in for the next session.
            active.extend(promoted);
            for s in state.iter_mut() {
                s.counters.sessions += 1;
                s.counters.live_sessions += 1;
            }
        }
        out.rounds_over_third += u32::from(over_third);

        // --- fold the era into each candidate's record ---
        for (i, s) in state.iter_mut().enumerate() {
            // The chain counts a standing vote at the election, not a vote call each era.
            s.counters.voted = world.nodes[i].holds_vote;
            let record = features::fold(s.record.as_ref(), &s.counters, s.endorsement, &params);
            s.record = Some(record);
            s.counters = EraCounters::default();
        }
    }

    let sessions = sessions_seen.max(1) as f64;
    out.mean_malicious_share = share_sum / sessions;
    out.mean_removal_latency = if out.removals == 0 {
        0.0
    } else {
        latency_sum as f64 / f64::from(out.removals)
    };
    out.mean_nakamoto = nakamoto_sum as f64 / f64::from(out.rounds.max(1));
    out.mean_gini = gini_sum / f64::from(out.rounds.max(1));
    out.mean_turnout = turnout_sum / f64::from(out.rounds.max(1));
    if out.min_nakamoto == u32::MAX {
        out.min_nakamoto = 0;
    }
    out
}

/// The chain spec's founding hospitals: the first P honest organisations produce and the next B
/// stand by, and they start as Excellent. Every system starts from this same set; without it the
/// first election would be a pure stake vote with no performance history to classify.
fn genesis(
    world: &World,
    state: &mut [NodeState],
    sc: &Scenario,
) -> (Vec<u32>, Vec<u32>, Vec<u128>, u128) {
    let mut orgs = BTreeSet::new();
    let founders: Vec<u32> = world
        .nodes
        .iter()
        .filter(|n| !n.malicious && orgs.insert(n.org))
        .map(|n| n.id)
        .take((sc.producers + sc.standbys) as usize)
        .collect();
    for f in &founders {
        state[*f as usize].class = Some(Class::Excellent);
    }
    let split = (sc.producers as usize).min(founders.len());
    let producers = founders[..split].to_vec();
    let backing = producers
        .iter()
        .map(|p| world.nodes[*p as usize].self_bond)
        .collect();
    (producers, founders[split..].to_vec(), backing, 0)
}

/// K-DPoS at an era boundary: classify, restrict, tally with caps, elect.
fn elect_kdpos(
    world: &World,
    state: &mut [NodeState],
    era: u32,
    params: &Params,
    rng: &mut ChaCha8Rng,
) -> (Vec<u32>, Vec<u32>, Vec<u128>, u128) {
    let neutral = features::era_features(&EraCounters::default(), 0);
    let inputs: Vec<CandidateInput<u32>> = world
        .nodes
        .iter()
        .map(|n| {
            let s = &state[n.id as usize];
            CandidateInput {
                id: n.id,
                features: s.record.map_or(neutral, |r| r.features),
                previous: s.class,
                banned: s.banned_until > era,
            }
        })
        .collect();
    let Ok(classes) = classify(inputs, params) else {
        return (Vec::new(), Vec::new(), Vec::new(), 0);
    };
    let standings: Vec<Standing<u32, u32>> = classes
        .candidates
        .iter()
        .map(|c| {
            let n = &world.nodes[c.id as usize];
            state[c.id as usize].class = Some(c.class);
            Standing {
                id: c.id,
                org: n.org,
                class: c.class,
                score: c.score,
                self_bond: n.self_bond,
                has_keys: true,
                banned: state[c.id as usize].banned_until > era,
                proven: state[c.id as usize]
                    .record
                    .is_some_and(|r| r.scheduled_eras > 0),
            }
        })
        .collect();
    let range = kdpos_primitives::votes::eligibility(&standings, params);
    let eligible: Vec<u32> = standings
        .iter()
        .zip(range.iter())
        .filter(|(_, e)| **e)
        .map(|(s, _)| s.id)
        .collect();
    let eligible_bad: Vec<u32> = eligible
        .iter()
        .copied()
        .filter(|id| world.nodes[*id as usize].malicious)
        .collect();
    let (votes, voted) = cast_votes(world, &eligible, &eligible_bad, MAX_VOTE_TARGETS, rng);
    let Ok(t) = tally(&standings, votes.clone(), params) else {
        return (Vec::new(), Vec::new(), Vec::new(), voted);
    };
    for b in &t.backings {
        state[b.id as usize].endorsement =
            features::endorsement(b.counted, t.total, params.producers);
    }
    let Ok(e) = elect_by_strategy(&standings, &votes, &t, params) else {
        return (Vec::new(), Vec::new(), Vec::new(), voted);
    };
    let backing = e
        .producers
        .iter()
        .map(|p| t.of(p).map_or(0, |b| b.counted))
        .collect();
    (e.producers, e.standbys, backing, voted)
}

/// Plain DPoS at an era boundary: full-weight votes for up to 30 targets, top P by votes.
fn elect_dpos(
    world: &World,
    state: &[NodeState],
    era: u32,
    producers: u32,
    rng: &mut ChaCha8Rng,
) -> (Vec<u32>, Vec<u32>, Vec<u128>, u128) {
    // Honest voters avoid candidates they saw misbehave, once they have reacted.
    let trusted: Vec<u32> = world
        .nodes
        .iter()
        .filter(|n| {
            state[n.id as usize]
                .seen_faulty
                .is_none_or(|e| era < e + model::DPOS_REACTION_ERAS)
        })
        .map(|n| n.id)
        .collect();
    let bad: Vec<u32> = world
        .nodes
        .iter()
        .filter(|n| n.malicious)
        .map(|n| n.id)
        .collect();
    let (votes, voted) = cast_votes(world, &trusted, &bad, model::DPOS_TARGETS, rng);
    let mut tally: Vec<u128> = world.nodes.iter().map(|n| n.self_bond).collect();
    for v in &votes {
        for t in &v.targets {
            tally[*t as usize] += v.stake;
        }
    }
    let mut order: Vec<u32> = (0..world.nodes.len() as u32).collect();
    order.sort_by(|a, b| tally[*b as usize].cmp(&tally[*a as usize]).then(a.cmp(b)));
    let elected: Vec<u32> = order.into_iter().take(producers as usize).collect();
    let backing = elected.iter().map(|p| tally[*p as usize]).collect();
    (elected, Vec::new(), backing, voted)
}

/// Honest voters (those who turn out) pick targets at random from `honest_pool`; the attacker's
/// stake backs `attack_pool`. Returns the votes and the stake that voted.
fn cast_votes(
    world: &World,
    honest_pool: &[u32],
    attack_pool: &[u32],
    max_targets: usize,
    rng: &mut ChaCha8Rng,
) -> (Vec<Vote<u32, u32>>, u128) {
    let mut votes = Vec::with_capacity(world.voters.len());
    let mut voted = 0u128;
    for v in &world.voters {
        let pool = if v.malicious {
            attack_pool
        } else {
            honest_pool
        };
        if pool.is_empty()
            || (!v.malicious && rng.gen_range(0..1000) >= world.honest_turnout_permille)
        {
            continue;
        }
        let targets = pick(pool, max_targets, rng);
        voted += v.stake;
        votes.push(Vote {
            voter: v.id,
            stake: v.stake,
            targets,
        });
    }
    (votes, voted)
}

//! One run: a seeded world under one system for a number of eras, and what it measured.
//!
//! An era opens with an election (the founders' set in era 0), then plays its sessions slot by
//! slot in Aura order: producers author or miss, attackers equivocate or withhold, reports of
//! offences reach a block after their delay (never in a censoring attacker's block) and the
//! evicting systems answer them at once, within the disabling limit of a third of the set.

use crate::{
    metrics::{gini, nakamoto},
    model::{self, Behaviour, Voting, World, WorldSpec},
};
use kdpos_primitives::{
    classify, classify_by_thresholds, decide, elect_by_strategy, eviction::is_missing, features,
    tally, CandidateInput, Class, Decision, EraCounters, Fault, Params, Record, Standing, Strategy,
    Tally, Vote, MAX_VOTE_TARGETS, PPM,
};
use rand::{seq::SliceRandom, Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};

/// The election systems compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
pub enum System {
    /// EOS-like: 30 targets at full weight, no caps, no classes, no eviction; faulty producers
    /// stay until voters react after `dpos_reaction_eras` eras and the next election drops them.
    #[serde(rename = "dpos")]
    Dpos,
    /// The fair DPoS baseline: the same founders, full-weight votes and top P + B by votes, with
    /// K-DPoS's eviction, bans and standbys, but no classes, caps or organisation limits.
    #[serde(rename = "dpos-evict")]
    DposEvict,
    /// NPoS: sequential Phragmen (sp-npos-elections) over every unbanned candidate, 16 targets
    /// per vote, with the same eviction; no classes, caps or organisation limits.
    #[serde(rename = "npos")]
    Npos,
    /// The ablation: K-DPoS with its classes found by score thresholds instead of k-means.
    #[serde(rename = "kdpos-thresholds")]
    KdposThresholds,
    /// K-DPoS with classes, the vote range and eviction, but no caps on backing.
    #[serde(rename = "kdpos-nocaps")]
    KdposNoCaps,
    /// K-DPoS as the runtime runs it (top backing).
    #[serde(rename = "kdpos")]
    Kdpos,
    /// K-DPoS electing by sequential Phragmen over the counted stake.
    #[serde(rename = "kdpos-phragmen")]
    KdposPhragmen,
}

impl System {
    pub const ALL: [System; 7] = [
        System::Dpos,
        System::DposEvict,
        System::Npos,
        System::KdposThresholds,
        System::KdposNoCaps,
        System::Kdpos,
        System::KdposPhragmen,
    ];

    pub fn name(self) -> &'static str {
        match self {
            System::Dpos => "dpos",
            System::DposEvict => "dpos-evict",
            System::Npos => "npos",
            System::KdposThresholds => "kdpos-thresholds",
            System::KdposNoCaps => "kdpos-nocaps",
            System::Kdpos => "kdpos",
            System::KdposPhragmen => "kdpos-phragmen",
        }
    }

    /// Whether the chain answers offences itself (everything but naive DPoS).
    pub fn evicts(self) -> bool {
        self != System::Dpos
    }

    /// Whether candidates are classified (the K-DPoS family).
    pub fn classifies(self) -> bool {
        !matches!(self, System::Dpos | System::DposEvict | System::Npos)
    }
}

/// One run: a cell of a scenario file's grid with one seed.
#[derive(Clone, Copy, Debug)]
pub struct Scenario {
    /// Index of the scenario file in the experiment.
    pub file: usize,
    pub system: System,
    pub n: u32,
    pub malicious_permille: u32,
    pub behaviour: Behaviour,
    pub seed: u64,
    pub eras: u32,
    pub world: WorldSpec,
}

/// What one run measured; "rounds" are eras.
#[derive(Clone, Debug, Default)]
pub struct Outcome {
    /// Mean over sessions of the malicious share of producing (not disabled) producers.
    pub mean_malicious_share: f64,
    /// Largest malicious share seen at any session start.
    pub max_malicious_share: f64,
    /// Rounds in which some session started with at least a third of producers malicious.
    pub rounds_over_third: u32,
    pub rounds: u32,
    /// Per round, the mean malicious share of its sessions.
    pub era_malicious_share: Vec<f32>,
    /// Per round, the attacker's elected producers.
    pub group_seats: Vec<u16>,
    /// The attacker's share of the stake behind candidates (the stake that voted and every self
    /// bond; its own voters and bonds, not bought votes), mean over elections.
    pub group_stake_share: f64,
    /// Offences answered by removal, and their latency in sessions from the offence to the
    /// offender's last block.
    pub removals: u32,
    pub mean_removal_latency: f64,
    pub max_removal_latency: u32,
    /// Offences never answered (report lost, expired or still pending at the end).
    pub unanswered: u32,
    /// Honest producers evicted for missed slots, and honest producer-sessions.
    pub false_evictions: u32,
    /// Attacker producers evicted for missed slots.
    pub liveness_evictions: u32,
    pub honest_producer_sessions: u64,
    /// Slots of producing producers, and those nobody authored.
    pub slots: u64,
    pub missed_slots: u64,
    /// Nakamoto coefficient by organisation: smallest over rounds, and mean.
    pub min_nakamoto: u32,
    pub mean_nakamoto: f64,
    /// The same with every attacker node one controlling entity.
    pub min_nakamoto_entity: u32,
    pub mean_nakamoto_entity: f64,
    /// Gini coefficient of the producers' counted backing, mean over rounds.
    pub mean_gini: f64,
    /// Share of voter stake that voted, mean over rounds.
    pub mean_turnout: f64,
    /// Share of the producer set replaced from one round to the next, mean.
    pub mean_churn: f64,
    /// Honest candidates that were not founders, those that won a producer seat, and the sum
    /// of the rounds they waited for it.
    pub newcomers: u32,
    pub newcomers_seated: u32,
    pub newcomer_wait_sum: u64,
    /// Sleeper cartel: sessions it defected in, and the largest share of producing producers
    /// it held in one.
    pub defections: u32,
    pub max_defection_share: f64,
}

/// Per-node state the chain keeps between eras.
#[derive(Clone, Default)]
struct NodeState {
    record: Option<Record>,
    class: Option<Class>,
    banned_until: u32,
    counters: EraCounters,
    consecutive_missed: u32,
    /// Naive DPoS: the era in which voters first saw it misbehave.
    seen_faulty: Option<u32>,
    /// Session of its first offence not yet answered by removal.
    open_fault: Option<u64>,
    endorsement: u32,
    first_seat: Option<u32>,
}

/// An offence on its way to a block.
struct Report {
    offender: u32,
    session: u64,
    due: u64,
}

/// The algorithm's parameters a system runs with.
pub fn params(sc: &Scenario) -> Params {
    let p = Params {
        producers: sc.world.producers,
        standbys: sc.world.standbys,
        challenger_seats: sc.world.challenger_seats,
        outage_producers: sc.world.outage_producers,
        ..Params::default()
    };
    let no_caps = Params {
        fair_share_factor: u32::MAX,
        self_bond_factor: u32::MAX,
        ..p
    };
    match sc.system {
        System::KdposNoCaps => no_caps,
        System::KdposPhragmen => Params {
            strategy: Strategy::Phragmen,
            ..p
        },
        System::Npos => Params {
            strategy: Strategy::Phragmen,
            challenger_seats: 0,
            ..no_caps
        },
        System::Dpos | System::DposEvict | System::KdposThresholds | System::Kdpos => p,
    }
}

/// The chain's bans: a node and its organisation, each repeat offence of the organisation
/// doubling the last ban (`Params::ban_for`, as the pallet bans).
#[derive(Default)]
struct Bans {
    offences: BTreeMap<u32, u32>,
    org_until: BTreeMap<u32, u32>,
}

impl Bans {
    fn banned(&self, world: &World, state: &[NodeState], id: u32, era: u32) -> bool {
        let org = world.nodes[id as usize].org;
        state[id as usize].banned_until > era || self.org_until.get(&org).is_some_and(|u| *u > era)
    }

    fn punish(&mut self, world: &World, s: &mut NodeState, id: u32, era: u32, params: &Params) {
        let org = world.nodes[id as usize].org;
        let earlier = self.offences.entry(org).or_insert(0);
        let eras = params.ban_for(*earlier);
        *earlier += 1;
        let until = era.saturating_add(eras).saturating_add(1);
        s.banned_until = until;
        self.org_until.insert(org, until);
        s.counters.offence_points = PPM;
    }
}

/// The sleeper cartel's plan: defect once its seat count has stopped growing.
#[derive(Default)]
struct Sleeper {
    peak: u32,
    flat_eras: u32,
}

impl Sleeper {
    /// Whether to defect in this era, given the seats it won.
    fn defects(&mut self, seats: u32, patience: u32) -> bool {
        if seats > self.peak {
            self.peak = seats;
            self.flat_eras = 0;
            return false;
        }
        self.flat_eras += 1;
        if seats > 0 && self.flat_eras >= patience {
            *self = Sleeper::default();
            return true;
        }
        false
    }
}

/// What an election hands the era.
struct Elected {
    producers: Vec<u32>,
    standbys: Vec<u32>,
    backing: Vec<u128>,
    voted: u128,
    group_voted: u128,
}

/// Runs one scenario to the end.
pub fn run(sc: &Scenario) -> Outcome {
    let w = &sc.world;
    let mut rng = ChaCha8Rng::seed_from_u64(sc.seed);
    let world: World = model::world(sc.n, sc.malicious_permille, sc.behaviour, w, &mut rng);
    // The same seed gives every system the same world and the same stream of chance.
    let mut rng = ChaCha8Rng::seed_from_u64(sc.seed ^ 0x006b_6470_6f73);
    let params = params(sc);
    let mut state = vec![NodeState::default(); world.nodes.len()];
    let mut bans = Bans::default();
    let mut sleeper = Sleeper::default();
    let total_stake: u128 = world.voters.iter().map(|v| v.stake).sum();
    // Self bonds are stake too: the attacker's share of all stake behind candidates counts them.
    let bonds: u128 = world.nodes.iter().map(|n| n.self_bond).sum();
    let group_bonds: u128 = world
        .nodes
        .iter()
        .filter(|n| n.malicious)
        .map(|n| n.self_bond)
        .sum();
    let honest_orgs: Vec<u32> = world
        .nodes
        .iter()
        .filter(|n| !n.malicious)
        .map(|n| n.org)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut out = Outcome {
        min_nakamoto: u32::MAX,
        min_nakamoto_entity: u32::MAX,
        ..Outcome::default()
    };
    let mut share_sum = 0.0;
    let mut sessions_seen = 0u64;
    let mut latency_sum = 0u64;
    let mut nakamoto_sum = 0u64;
    let mut entity_sum = 0u64;
    let mut gini_sum = 0.0;
    let mut turnout_sum = 0.0;
    let mut group_share_sum = 0.0;
    let mut churn_sum = 0.0;
    let mut previous: Vec<u32> = Vec::new();
    let mut pending: Vec<Report> = Vec::new();
    let spe = u64::from(w.sessions_per_era);
    // KDPOS_SIM_TRACE=1 prints each era's election, to see why a run did what it did.
    let trace = std::env::var_os("KDPOS_SIM_TRACE").is_some();

    for era in 0..sc.eras {
        // --- election at the era boundary; the first era runs the founders' set ---
        let e = if era == 0 {
            genesis(&world, &mut state, w)
        } else if sc.system.classifies() {
            elect_kdpos(&world, &mut state, &bans, era, sc, &params, &mut rng)
        } else if sc.system == System::Npos {
            elect_npos(&world, &state, &bans, era, sc, &params, &mut rng)
        } else {
            elect_dpos(&world, &state, &bans, era, sc, &params, &mut rng)
        };
        let Elected {
            producers,
            standbys,
            backing,
            voted,
            group_voted,
        } = e;
        out.rounds += 1;
        let seats = producers
            .iter()
            .filter(|p| world.nodes[**p as usize].malicious)
            .count() as u32;
        out.group_seats.push(seats as u16);
        if trace {
            let classes = [Class::Poor, Class::Qualified, Class::Excellent]
                .map(|c| state.iter().filter(|s| s.class == Some(c)).count());
            eprintln!(
                "era {era}: {} producers ({seats} malicious), {} standbys, classes P/Q/E {:?}",
                producers.len(),
                standbys.len(),
                classes
            );
        }
        turnout_sum += voted as f64 / total_stake.max(1) as f64;
        group_share_sum += (group_voted + group_bonds) as f64 / (voted + bonds).max(1) as f64;
        gini_sum += gini(&backing);
        let orgs: Vec<u32> = producers
            .iter()
            .map(|p| world.nodes[*p as usize].org)
            .collect();
        let nc = nakamoto(&orgs);
        nakamoto_sum += u64::from(nc);
        out.min_nakamoto = out.min_nakamoto.min(nc);
        let entities: Vec<u32> = producers
            .iter()
            .map(|p| {
                let n = &world.nodes[*p as usize];
                if n.malicious {
                    u32::MAX
                } else {
                    n.org
                }
            })
            .collect();
        let ne = nakamoto(&entities);
        entity_sum += u64::from(ne);
        out.min_nakamoto_entity = out.min_nakamoto_entity.min(ne);
        if era > 0 {
            let replaced = producers.iter().filter(|p| !previous.contains(p)).count();
            churn_sum += replaced as f64 / f64::from(w.producers.max(1));
        }
        previous.clone_from(&producers);
        for p in &producers {
            state[*p as usize].first_seat.get_or_insert(era);
        }
        // Naive DPoS: an offence is answered when its producer drops out of the set.
        for (i, s) in state.iter_mut().enumerate() {
            if let Some(at) = s.open_fault {
                if !producers.contains(&(i as u32)) {
                    let latency = (u64::from(era) * spe).saturating_sub(at);
                    latency_sum += latency;
                    out.max_removal_latency = out.max_removal_latency.max(latency as u32);
                    out.removals += 1;
                    s.open_fault = None;
                }
            }
        }
        let defect_era = sc.behaviour == Behaviour::SleeperCartel
            && sleeper.defects(seats, w.defect_patience_eras);

        // --- the sessions of the era ---
        let mut active = producers.clone();
        let mut queue: Vec<u32> = standbys.clone();
        let mut disabled: Vec<u32> = Vec::new();
        let mut over_third = false;
        let mut era_share = 0.0;
        for session in 0..w.sessions_per_era {
            let now = u64::from(era) * spe + u64::from(session);
            let mut order: Vec<u32> = active
                .iter()
                .copied()
                .filter(|a| !disabled.contains(a))
                .collect();
            order.shuffle(&mut rng);
            let bad = order
                .iter()
                .filter(|p| world.nodes[**p as usize].malicious)
                .count();
            let share = if order.is_empty() {
                0.0
            } else {
                bad as f64 / order.len() as f64
            };
            share_sum += share;
            era_share += share;
            sessions_seen += 1;
            out.max_malicious_share = out.max_malicious_share.max(share);
            let third = 3 * bad >= order.len() && bad > 0;
            if trace && third {
                eprintln!(
                    "  session {session}: {bad} of {} producing are malicious",
                    order.len()
                );
            }
            over_third |= third;
            out.honest_producer_sessions += (order.len() - bad) as u64;
            // Disabling stops at a third of the session's set (the runtime's strategy).
            let disable_limit = order.len().saturating_sub(1) / 3;

            // What each producing node does this session.
            let defecting = defect_era && session == 0;
            if defecting && bad > 0 {
                out.defections += 1;
                out.max_defection_share = out.max_defection_share.max(share);
            }
            let down: BTreeSet<u32> = if rng.gen_range(0..1000) < w.outage_permille {
                let k = (honest_orgs.len() as u64 * u64::from(w.outage_share_permille))
                    .div_ceil(1000) as usize;
                honest_orgs.choose_multiple(&mut rng, k).copied().collect()
            } else {
                BTreeSet::new()
            };
            let is_down = |id: u32| {
                let n = &world.nodes[id as usize];
                !n.malicious && down.contains(&n.org)
            };
            let mut equivocates: BTreeSet<u32> = BTreeSet::new();
            let mut withholds: BTreeSet<u32> = BTreeSet::new();
            for p in &order {
                if !world.nodes[*p as usize].malicious {
                    continue;
                }
                if defecting || sc.behaviour.equivocates(era, sc.eras, w, &mut rng) {
                    equivocates.insert(*p);
                }
                if sc.behaviour == Behaviour::Withholding
                    && rng.gen_range(0..1000) < w.intermittent_permille
                {
                    withholds.insert(*p);
                }
            }
            let mut own_slot: BTreeMap<u32, u32> = BTreeMap::new();
            let mut promoted = Vec::new();
            let slots = order.len() as u32 * w.slots_per_producer;
            for slot in 0..slots {
                let a = order[(slot as usize) % order.len()];
                if disabled.contains(&a) {
                    continue;
                }
                let node = &world.nodes[a as usize];
                let k = own_slot.entry(a).or_insert(0);
                let mine = *k;
                *k += 1;
                out.slots += 1;
                // Attackers' nodes are no better run than hospitals': the same chance of a miss.
                let chance = rng.gen_range(0..1000) < w.honest_miss_permille;
                let misses = if node.malicious {
                    withholds.contains(&a)
                        || match sc.behaviour {
                            Behaviour::JustUnder => {
                                state[a as usize].consecutive_missed + 1
                                    < params.missed_slots_threshold
                            }
                            _ => chance,
                        }
                } else {
                    is_down(a) || chance
                };
                if misses {
                    out.missed_slots += 1;
                    let run = {
                        let s = &mut state[a as usize];
                        s.counters.missed += 1;
                        s.consecutive_missed += 1;
                        s.consecutive_missed
                    };
                    // Judged at each multiple of the threshold, as the pallet judges it.
                    let threshold = params.missed_slots_threshold.max(1);
                    if sc.system.evicts() && run % threshold == 0 {
                        let missing = active
                            .iter()
                            .filter(|x| !disabled.contains(x))
                            .filter(|x| {
                                let s = &state[**x as usize];
                                is_missing(s.consecutive_missed, &s.counters, &params)
                            })
                            .count() as u32;
                        let d = decide(
                            Fault::MissedSlots(run),
                            &a,
                            &active,
                            &disabled,
                            &queue,
                            missing,
                            &params,
                        );
                        let s = &mut state[a as usize];
                        if let Decision::Evict { replacement, .. } = d {
                            if disabled.len() < disable_limit {
                                disabled.push(a);
                                s.consecutive_missed = 0;
                                if node.malicious {
                                    out.liveness_evictions += 1;
                                } else {
                                    out.false_evictions += 1;
                                }
                                if let Some(r) = replacement {
                                    queue.retain(|q| *q != r);
                                    promoted.push(r);
                                }
                            }
                        }
                    }
                    continue;
                }
                let s = &mut state[a as usize];
                s.counters.authored += 1;
                s.consecutive_missed = 0;
                if mine == 0 && equivocates.contains(&a) {
                    s.seen_faulty.get_or_insert(era);
                    if sc.system.evicts() {
                        if rng.gen_range(0..1000) >= w.report_loss_permille {
                            pending.push(Report {
                                offender: a,
                                session: now,
                                due: now + u64::from(w.report_delay_sessions),
                            });
                        } else {
                            out.unanswered += 1;
                        }
                    } else {
                        s.open_fault.get_or_insert(now);
                    }
                }
                // This block carries the reports that are due, unless a censor wrote it.
                if node.malicious && sc.behaviour == Behaviour::Censorship {
                    continue;
                }
                let mut k = 0;
                while k < pending.len() {
                    if pending[k].due > now {
                        k += 1;
                        continue;
                    }
                    let r = pending.swap_remove(k);
                    if now - r.session > u64::from(w.report_window_sessions) {
                        out.unanswered += 1;
                        continue;
                    }
                    let o = r.offender;
                    if state[o as usize].banned_until > era {
                        continue; // already punished for an earlier offence
                    }
                    bans.punish(&world, &mut state[o as usize], o, era, &params);
                    queue.retain(|q| *q != o);
                    let d = decide(
                        Fault::Equivocation,
                        &o,
                        &active,
                        &disabled,
                        &queue,
                        0,
                        &params,
                    );
                    if let Decision::Evict { replacement, .. } = d {
                        if disabled.len() < disable_limit {
                            disabled.push(o);
                            let latency = now - r.session;
                            latency_sum += latency;
                            out.max_removal_latency = out.max_removal_latency.max(latency as u32);
                            out.removals += 1;
                            if let Some(rep) = replacement {
                                queue.retain(|q| *q != rep);
                                promoted.push(rep);
                            }
                        }
                    }
                }
            }
            // A forced rotation brings the standbys in for the next session.
            active.extend(promoted);
            for (i, s) in state.iter_mut().enumerate() {
                s.counters.sessions += 1;
                if !is_down(i as u32) {
                    s.counters.live_sessions += 1;
                }
            }
        }
        out.rounds_over_third += u32::from(over_third);
        out.era_malicious_share
            .push((era_share / f64::from(w.sessions_per_era)) as f32);

        // --- fold the era into each candidate's record ---
        for (i, s) in state.iter_mut().enumerate() {
            // The chain counts a standing vote at the election, not a vote call each era.
            s.counters.voted = world.nodes[i].holds_vote;
            let record = features::fold(s.record.as_ref(), &s.counters, s.endorsement, &params);
            s.record = Some(record);
            s.counters = EraCounters::default();
        }
    }

    out.unanswered += pending.len() as u32;
    let founders: BTreeSet<u32> = world.founders.iter().copied().collect();
    for n in world
        .nodes
        .iter()
        .filter(|n| !n.malicious && !founders.contains(&n.id))
    {
        out.newcomers += 1;
        if let Some(e) = state[n.id as usize].first_seat {
            out.newcomers_seated += 1;
            out.newcomer_wait_sum += u64::from(e);
        }
    }
    let rounds = f64::from(out.rounds.max(1));
    out.mean_malicious_share = share_sum / sessions_seen.max(1) as f64;
    out.mean_removal_latency = if out.removals == 0 {
        0.0
    } else {
        latency_sum as f64 / f64::from(out.removals)
    };
    out.mean_nakamoto = nakamoto_sum as f64 / rounds;
    out.mean_nakamoto_entity = entity_sum as f64 / rounds;
    out.mean_gini = gini_sum / rounds;
    out.mean_turnout = turnout_sum / rounds;
    out.group_stake_share = group_share_sum / rounds;
    out.mean_churn = churn_sum / f64::from(out.rounds.saturating_sub(1).max(1));
    if out.min_nakamoto == u32::MAX {
        out.min_nakamoto = 0;
    }
    if out.min_nakamoto_entity == u32::MAX {
        out.min_nakamoto_entity = 0;
    }
    out
}

/// The chain spec's founding hospitals: P producers and B standbys, Excellent from the start.
/// Every system starts from this same set; without it the first election would be a pure stake
/// vote with no performance history to classify.
fn genesis(world: &World, state: &mut [NodeState], w: &WorldSpec) -> Elected {
    for f in &world.founders {
        state[*f as usize].class = Some(Class::Excellent);
    }
    let split = (w.producers as usize).min(world.founders.len());
    let producers = world.founders[..split].to_vec();
    let backing = producers
        .iter()
        .map(|p| world.nodes[*p as usize].self_bond)
        .collect();
    Elected {
        producers,
        standbys: world.founders[split..].to_vec(),
        backing,
        voted: 0,
        group_voted: 0,
    }
}

/// The honest voters' slate: `pool` ranked by the record score the chain shows (best first).
fn ranked(state: &[NodeState], pool: &[u32], params: &Params) -> Vec<u32> {
    let score = |id: u32| {
        state[id as usize]
            .record
            .map_or(0, |r| r.features.score(&params.weights))
    };
    let mut v = pool.to_vec();
    v.sort_by(|a, b| score(*b).cmp(&score(*a)).then(a.cmp(b)));
    v
}

/// K-DPoS at an era boundary: classify, restrict, tally with caps, elect.
fn elect_kdpos(
    world: &World,
    state: &mut [NodeState],
    bans: &Bans,
    era: u32,
    sc: &Scenario,
    params: &Params,
    rng: &mut ChaCha8Rng,
) -> Elected {
    let neutral = features::era_features(&EraCounters::default(), 0);
    let banned: Vec<bool> = (0..world.nodes.len() as u32)
        .map(|id| bans.banned(world, state, id, era))
        .collect();
    let inputs: Vec<CandidateInput<u32>> = world
        .nodes
        .iter()
        .map(|n| {
            let s = &state[n.id as usize];
            CandidateInput {
                id: n.id,
                features: s.record.map_or(neutral, |r| r.features),
                previous: s.class,
                banned: banned[n.id as usize],
            }
        })
        .collect();
    let classes = if sc.system == System::KdposThresholds {
        classify_by_thresholds(inputs, params)
    } else {
        classify(inputs, params)
    };
    let empty = Elected {
        producers: Vec::new(),
        standbys: Vec::new(),
        backing: Vec::new(),
        voted: 0,
        group_voted: 0,
    };
    let Ok(classes) = classes else { return empty };
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
                banned: banned[c.id as usize],
                proven: state[c.id as usize]
                    .record
                    .is_some_and(|r| r.scheduled_eras > 0),
            }
        })
        .collect();
    let range = kdpos_primitives::votes::eligibility(&standings, params);
    let mut eligible: Vec<(u32, u32)> = standings
        .iter()
        .zip(range.iter())
        .filter(|(_, e)| **e)
        .map(|(s, _)| (s.id, s.score))
        .collect();
    eligible.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let slate: Vec<u32> = eligible.iter().map(|e| e.0).collect();
    let attack = malicious_of(world, &slate);
    let ballots = cast_votes(world, &sc.world, &slate, &attack, MAX_VOTE_TARGETS, rng);
    let Ok(t) = tally(&standings, ballots.votes.clone(), params) else {
        return empty;
    };
    for b in &t.backings {
        state[b.id as usize].endorsement =
            features::endorsement(b.counted, t.total, params.producers);
    }
    elected(&standings, &ballots, &t, params).unwrap_or(empty)
}

/// The election by `params`' strategy over a tally, with the counted backing of its producers.
fn elected(
    standings: &[Standing<u32, u32>],
    ballots: &Ballots,
    t: &Tally<u32>,
    params: &Params,
) -> Option<Elected> {
    let e = elect_by_strategy(standings, &ballots.votes, t, params).ok()?;
    let backing = e
        .producers
        .iter()
        .map(|p| t.of(p).map_or(0, |b| b.counted))
        .collect();
    Some(Elected {
        producers: e.producers,
        standbys: e.standbys,
        backing,
        voted: ballots.voted,
        group_voted: ballots.group_voted,
    })
}

/// NPoS at an era boundary: sequential Phragmen over every unbanned candidate (the K-DPoS
/// election with every rule of its own switched off: one class, no caps, no organisation limit,
/// no challenger seat).
fn elect_npos(
    world: &World,
    state: &[NodeState],
    bans: &Bans,
    era: u32,
    sc: &Scenario,
    params: &Params,
    rng: &mut ChaCha8Rng,
) -> Elected {
    let standings: Vec<Standing<u32, u32>> = world
        .nodes
        .iter()
        .map(|n| Standing {
            id: n.id,
            org: n.id,
            class: Class::Excellent,
            score: 0,
            self_bond: n.self_bond,
            has_keys: true,
            banned: bans.banned(world, state, n.id, era),
            proven: true,
        })
        .collect();
    let pool: Vec<u32> = standings
        .iter()
        .filter(|s| !s.banned)
        .map(|s| s.id)
        .collect();
    let slate = ranked(state, &pool, params);
    let attack = malicious_of(world, &slate);
    let ballots = cast_votes(world, &sc.world, &slate, &attack, MAX_VOTE_TARGETS, rng);
    let empty = Elected {
        producers: Vec::new(),
        standbys: Vec::new(),
        backing: Vec::new(),
        voted: ballots.voted,
        group_voted: ballots.group_voted,
    };
    let Ok(t) = tally(&standings, ballots.votes.clone(), params) else {
        return empty;
    };
    elected(&standings, &ballots, &t, params).unwrap_or(empty)
}

/// DPoS at an era boundary: full-weight votes for up to 30 targets, top P by votes (and the next
/// B stand by, for `dpos-evict`).
fn elect_dpos(
    world: &World,
    state: &[NodeState],
    bans: &Bans,
    era: u32,
    sc: &Scenario,
    params: &Params,
    rng: &mut ChaCha8Rng,
) -> Elected {
    let w = &sc.world;
    // Naive DPoS voters avoid candidates they saw misbehave, once they have reacted; with
    // eviction the chain bans them.
    let standing = |id: u32| {
        if sc.system.evicts() {
            !bans.banned(world, state, id, era)
        } else {
            state[id as usize]
                .seen_faulty
                .is_none_or(|e| era < e + w.dpos_reaction_eras)
        }
    };
    let trusted: Vec<u32> = (0..world.nodes.len() as u32)
        .filter(|id| standing(*id))
        .collect();
    let slate = ranked(state, &trusted, params);
    let attack: Vec<u32> = world
        .nodes
        .iter()
        .filter(|n| n.malicious && (!sc.system.evicts() || standing(n.id)))
        .map(|n| n.id)
        .collect();
    let ballots = cast_votes(world, w, &slate, &attack, model::DPOS_TARGETS, rng);
    let mut tally: Vec<u128> = world.nodes.iter().map(|n| n.self_bond).collect();
    for v in &ballots.votes {
        for t in &v.targets {
            tally[*t as usize] += v.stake;
        }
    }
    let mut order: Vec<u32> = (0..world.nodes.len() as u32)
        .filter(|id| !sc.system.evicts() || standing(*id))
        .collect();
    order.sort_by(|a, b| tally[*b as usize].cmp(&tally[*a as usize]).then(a.cmp(b)));
    let p = w.producers as usize;
    let b = if sc.system.evicts() {
        w.standbys as usize
    } else {
        0
    };
    let producers: Vec<u32> = order.iter().take(p).copied().collect();
    let standbys: Vec<u32> = order.iter().skip(p).take(b).copied().collect();
    let backing = producers.iter().map(|p| tally[*p as usize]).collect();
    Elected {
        producers,
        standbys,
        backing,
        voted: ballots.voted,
        group_voted: ballots.group_voted,
    }
}

/// The attacker's candidates among `pool`, in its order.
fn malicious_of(world: &World, pool: &[u32]) -> Vec<u32> {
    pool.iter()
        .copied()
        .filter(|id| world.nodes[*id as usize].malicious)
        .collect()
}

/// An era's votes and the stake behind them.
struct Ballots {
    votes: Vec<Vote<u32, u32>>,
    /// Stake that voted.
    voted: u128,
    /// The attacker's own stake among it.
    group_voted: u128,
}

/// `t` targets of `slate` for the `k`-th voter of a coordinated group: consecutive windows, so
/// the group's votes cover the slate evenly.
fn window(slate: &[u32], k: usize, t: usize) -> Vec<u32> {
    let t = t.min(slate.len());
    let mut v: Vec<u32> = (0..t).map(|j| slate[(k * t + j) % slate.len()]).collect();
    v.sort_unstable();
    v
}

/// The attacker's stake (and the honest votes it bought) backs `attack` in coordinated windows;
/// honest voters who turn out pick from `slate` (ranked best first) at random, or follow the
/// slate's top P + B in windows when they coordinate.
fn cast_votes(
    world: &World,
    w: &WorldSpec,
    slate: &[u32],
    attack: &[u32],
    max_targets: usize,
    rng: &mut ChaCha8Rng,
) -> Ballots {
    let mut b = Ballots {
        votes: Vec::with_capacity(world.voters.len()),
        voted: 0,
        group_voted: 0,
    };
    let top = &slate[..slate
        .len()
        .min(w.producers.saturating_add(w.standbys) as usize)];
    let (mut honest_k, mut attack_k) = (0usize, 0usize);
    for v in &world.voters {
        let bought = !v.malicious && world.rebate_permille > v.price_permille && !attack.is_empty();
        if !v.malicious && rng.gen_range(0..1000) >= world.honest_turnout_permille {
            continue;
        }
        let targets = if v.malicious || bought {
            if attack.is_empty() {
                continue;
            }
            attack_k += 1;
            window(attack, attack_k, max_targets)
        } else if slate.is_empty() {
            continue;
        } else if w.voting == Voting::Coordinated {
            honest_k += 1;
            window(top, honest_k, max_targets)
        } else {
            let mut t: Vec<u32> = slate
                .choose_multiple(rng, max_targets.min(slate.len()))
                .copied()
                .collect();
            t.sort_unstable();
            t
        };
        b.voted += v.stake;
        if v.malicious {
            b.group_voted += v.stake;
        }
        b.votes.push(Vote {
            voter: v.id,
            stake: v.stake,
            targets,
        });
    }
    b
}

//! The simulated world: hospitals standing as candidates, voters with stake, and the attacks.
//!
//! Every number that shapes a world is a field of [`WorldSpec`], read from a scenario file's
//! `[world]` table (`sim/scenarios/README.md` documents each); the defaults are the consortium's.

use rand::{seq::SliceRandom, Rng};
use rand_chacha::ChaCha8Rng;
use serde::Deserialize;

/// Plain DPoS: targets per vote, each at full weight (EOS).
pub const DPOS_TARGETS: usize = 30;
/// Under voter apathy, the share of honest voters who vote.
pub const APATHY_TURNOUT_PERMILLE: u32 = 300;
/// A rational voter's price for selling its vote: uniform in 0 to this (permille of its stake).
pub const MAX_BRIBE_PRICE_PERMILLE: u32 = 100;

/// How honest voters choose their targets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Voting {
    /// Each picks its targets at random among the candidates it trusts.
    Random,
    /// They follow one slate (as proxies or a published top-k list would): the P + B trusted
    /// candidates with the best record, each voter naming a window of it, so honest stake spreads
    /// evenly over the slate.
    Coordinated,
}

/// The world of a scenario file: sizes, stake, behaviour timings, reports and outages.
#[derive(Clone, Copy, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WorldSpec {
    /// P: producers elected each era.
    pub producers: u32,
    /// B: standbys elected each era.
    pub standbys: u32,
    pub sessions_per_era: u32,
    /// Slots each producer owns in a session (Aura order, round robin).
    pub slots_per_producer: u32,
    /// Any producer misses a slot with this chance (an attacker's node too, when it does not
    /// miss on purpose).
    pub honest_miss_permille: u32,
    /// Honest voting accounts per candidate.
    pub voters_per_candidate: u32,
    /// Pareto shape of voter stake, times 1000 (1500: heavy-tailed).
    pub stake_alpha_milli: u32,
    /// Honest hospitals run 1 to this many nodes.
    pub honest_nodes_per_org: u32,
    /// Attackers run this many nodes per organisation (whale-org: all in one).
    pub attacker_nodes_per_org: u32,
    /// Cartel, whale and sleeper cartel bond 10,000 to 20,000 per node (honest hospitals 1,000
    /// to 5,000); `false` gives them honest bonds, so their share of stake is their share of
    /// candidates.
    pub large_attacker_bonds: bool,
    /// Share of honest voters who vote in an era.
    pub turnout_permille: u32,
    pub voting: Voting,
    /// Founding producer seats held by the attacker (its nodes start as Excellent founders).
    pub corrupted_founders: u32,
    /// Sessions between an offence and its report reaching a block.
    pub report_delay_sessions: u32,
    /// Share of offences never reported.
    pub report_loss_permille: u32,
    /// Sessions after which the chain refuses a report (the runtime's window is one day).
    pub report_window_sessions: u32,
    /// Chance that a session has a correlated outage of honest hospitals.
    pub outage_permille: u32,
    /// Share of honest organisations an outage takes down for the session.
    pub outage_share_permille: u32,
    /// A vote-buying attacker pays voters this share of their stake to vote for it.
    pub rebate_permille: u32,
    /// Share of honest voters who sell their vote when the rebate beats their price.
    pub rational_permille: u32,
    /// Intermittent and withholding attackers misbehave in this share of their sessions.
    pub intermittent_permille: u32,
    /// Plain DPoS: eras before honest voters drop a candidate they saw misbehave.
    pub dpos_reaction_eras: u32,
    /// Sleeper cartel: eras its seat count must stop growing before it defects.
    pub defect_patience_eras: u32,
    /// K-DPoS systems: producer seats kept for challengers (`Params::challenger_seats`).
    pub challenger_seats: u32,
    /// Evicting systems: producers missing at once that make a shared outage, whose liveness
    /// faults are deferred (`Params::outage_producers`; 0 turns the rule off).
    pub outage_producers: u32,
}

impl Default for WorldSpec {
    fn default() -> Self {
        WorldSpec {
            producers: 21,
            standbys: 6,
            sessions_per_era: 6,
            slots_per_producer: 10,
            honest_miss_permille: 20,
            voters_per_candidate: 4,
            stake_alpha_milli: 1500,
            honest_nodes_per_org: 3,
            attacker_nodes_per_org: 2,
            large_attacker_bonds: true,
            turnout_permille: 900,
            voting: Voting::Random,
            corrupted_founders: 0,
            report_delay_sessions: 0,
            report_loss_permille: 0,
            report_window_sessions: 720,
            outage_permille: 0,
            outage_share_permille: 200,
            rebate_permille: 0,
            rational_permille: 0,
            intermittent_permille: 300,
            dpos_reaction_eras: 2,
            defect_patience_eras: 5,
            challenger_seats: 1,
            outage_producers: 2,
        }
    }
}

impl WorldSpec {
    /// Refuses worlds that cannot run, naming the field.
    pub fn validate(&self) -> Result<(), String> {
        let positive = [
            ("producers", self.producers),
            ("sessions_per_era", self.sessions_per_era),
            ("slots_per_producer", self.slots_per_producer),
            ("voters_per_candidate", self.voters_per_candidate),
            ("stake_alpha_milli", self.stake_alpha_milli),
            ("honest_nodes_per_org", self.honest_nodes_per_org),
            ("attacker_nodes_per_org", self.attacker_nodes_per_org),
        ];
        for (name, v) in positive {
            if v == 0 {
                return Err(format!("world.{name} must be at least 1"));
            }
        }
        let shares = [
            ("honest_miss_permille", self.honest_miss_permille),
            ("turnout_permille", self.turnout_permille),
            ("report_loss_permille", self.report_loss_permille),
            ("outage_permille", self.outage_permille),
            ("outage_share_permille", self.outage_share_permille),
            ("rebate_permille", self.rebate_permille),
            ("rational_permille", self.rational_permille),
            ("intermittent_permille", self.intermittent_permille),
        ];
        for (name, v) in shares {
            if v > 1000 {
                return Err(format!(
                    "world.{name} is {v}: a share is at most 1000 permille"
                ));
            }
        }
        if self.corrupted_founders > self.producers {
            return Err(format!(
                "world.corrupted_founders is {}: there are only {} founding producer seats",
                self.corrupted_founders, self.producers
            ));
        }
        Ok(())
    }
}

/// What the malicious candidates and their stake do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Behaviour {
    /// Equivocates in every session it produces.
    AlwaysFaulty,
    /// Equivocates in `intermittent_permille` of its sessions.
    Intermittent,
    /// Honest for the first third of the run, then always faulty.
    Sleeper,
    /// Behaves well on chain, large self bonds, all attacker stake on its own candidates: a
    /// well-behaved group, to measure seats against stake (PJR) and attack cost.
    Cartel,
    /// One organisation runs every malicious candidate, with large self bonds.
    WhaleOrg,
    /// One exchange holds half as much stake as all honest voters together and backs the attackers.
    ExchangePump,
    /// Always faulty, while only 30 % of honest voters vote.
    VoterApathy,
    /// A cartel that behaves and backs itself until its seat count stops growing
    /// (`defect_patience_eras`), then has every producing member equivocate in one session;
    /// afterwards it behaves again and waits for its next peak.
    SleeperCartel,
    /// Behaves on chain and buys honest votes with a rebate (`rebate_permille`).
    VoteBuying,
    /// Misses one slot fewer in a row than the eviction threshold, then authors one, always.
    JustUnder,
    /// Withholds every block of `intermittent_permille` of its sessions.
    Withholding,
    /// Always faulty, and its blocks carry no reports: a report waits for an honest author.
    Censorship,
}

impl Behaviour {
    pub const ALL: [Behaviour; 12] = [
        Behaviour::AlwaysFaulty,
        Behaviour::Intermittent,
        Behaviour::Sleeper,
        Behaviour::Cartel,
        Behaviour::WhaleOrg,
        Behaviour::ExchangePump,
        Behaviour::VoterApathy,
        Behaviour::SleeperCartel,
        Behaviour::VoteBuying,
        Behaviour::JustUnder,
        Behaviour::Withholding,
        Behaviour::Censorship,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Behaviour::AlwaysFaulty => "always-faulty",
            Behaviour::Intermittent => "intermittent",
            Behaviour::Sleeper => "sleeper",
            Behaviour::Cartel => "cartel",
            Behaviour::WhaleOrg => "whale-org",
            Behaviour::ExchangePump => "exchange-pump",
            Behaviour::VoterApathy => "voter-apathy",
            Behaviour::SleeperCartel => "sleeper-cartel",
            Behaviour::VoteBuying => "vote-buying",
            Behaviour::JustUnder => "just-under",
            Behaviour::Withholding => "withholding",
            Behaviour::Censorship => "censorship",
        }
    }

    /// Whether a malicious producer equivocates in this session (the sleeper cartel decides
    /// for itself, in the run).
    pub fn equivocates(self, era: u32, eras: u32, spec: &WorldSpec, rng: &mut ChaCha8Rng) -> bool {
        match self {
            Behaviour::AlwaysFaulty | Behaviour::VoterApathy | Behaviour::Censorship => true,
            Behaviour::Intermittent => rng.gen_range(0..1000) < spec.intermittent_permille,
            Behaviour::Sleeper => era >= eras / 3,
            _ => false,
        }
    }

    /// Whether the attacker's candidates carry large self bonds.
    fn big_bonds(self) -> bool {
        matches!(
            self,
            Behaviour::WhaleOrg | Behaviour::Cartel | Behaviour::SleeperCartel
        )
    }
}

/// A candidate hospital node.
#[derive(Clone, Debug)]
pub struct Node {
    pub id: u32,
    pub org: u32,
    pub malicious: bool,
    pub self_bond: u128,
    /// Whether its hospital holds a standing vote naming another candidate, which is what the
    /// voting feature counts: every attacker does, and 19 in 20 honest hospitals.
    pub holds_vote: bool,
}

/// An account with stake that votes.
#[derive(Clone, Debug)]
pub struct Voter {
    pub id: u32,
    pub stake: u128,
    pub malicious: bool,
    /// The rebate (permille of stake) for which it sells its vote; `u32::MAX`: never.
    pub price_permille: u32,
}

/// The population of one run.
#[derive(Clone, Debug)]
pub struct World {
    pub nodes: Vec<Node>,
    pub voters: Vec<Voter>,
    pub honest_turnout_permille: u32,
    /// The rebate the attacker pays for a vote (only a vote-buying attacker pays one).
    pub rebate_permille: u32,
    /// The chain spec's founding hospitals: producers first, then standbys.
    pub founders: Vec<u32>,
}

/// Pareto-distributed stake: most voters hold a little, a few hold a lot.
fn stake(alpha_milli: u32, rng: &mut ChaCha8Rng) -> u128 {
    let u: f64 = rng.gen_range(0.001..1.0);
    let alpha = f64::from(alpha_milli) / 1000.0;
    (1_000.0 / u.powf(1.0 / alpha)).min(1_000_000.0) as u128
}

/// Builds a world of `n` candidates of which `malicious_permille` are the attacker's, with the
/// attacker holding the same share of voter stake.
pub fn world(
    n: u32,
    malicious_permille: u32,
    behaviour: Behaviour,
    spec: &WorldSpec,
    rng: &mut ChaCha8Rng,
) -> World {
    let bad = (n * malicious_permille).div_ceil(1000);
    let mut ids: Vec<u32> = (0..n).collect();
    ids.shuffle(rng);
    let malicious: std::collections::BTreeSet<u32> =
        ids.iter().take(bad as usize).copied().collect();

    // Honest hospitals run one to `honest_nodes_per_org` nodes; attackers a fixed number per
    // organisation, or all in one.
    let mut nodes = Vec::with_capacity(n as usize);
    let mut next_org = 0u32;
    let mut honest_left_in_org = 0u32;
    let mut bad_in_org = 0u32;
    let whale_org = u32::MAX;
    let mut bad_org = 0u32;
    for id in 0..n {
        let is_bad = malicious.contains(&id);
        let org = if is_bad {
            if behaviour == Behaviour::WhaleOrg {
                whale_org
            } else {
                if bad_in_org == 0 {
                    bad_org = next_org;
                    next_org += 1;
                    bad_in_org = spec.attacker_nodes_per_org;
                }
                bad_in_org -= 1;
                bad_org
            }
        } else {
            if honest_left_in_org == 0 {
                next_org += 1;
                honest_left_in_org = rng.gen_range(1..=spec.honest_nodes_per_org);
            }
            honest_left_in_org -= 1;
            next_org
        };
        let self_bond = if is_bad && spec.large_attacker_bonds && behaviour.big_bonds() {
            rng.gen_range(10_000..20_000)
        } else {
            rng.gen_range(1_000..5_000)
        };
        nodes.push(Node {
            id,
            org,
            malicious: is_bad,
            self_bond,
            holds_vote: is_bad || !id.is_multiple_of(20),
        });
    }

    let honest_voters = n * spec.voters_per_candidate;
    let mut voters: Vec<Voter> = (0..honest_voters)
        .map(|id| {
            let stake = stake(spec.stake_alpha_milli, rng);
            let rational = rng.gen_range(0..1000) < spec.rational_permille;
            let price = rng.gen_range(0..=MAX_BRIBE_PRICE_PERMILLE);
            Voter {
                id,
                stake,
                malicious: false,
                price_permille: if rational { price } else { u32::MAX },
            }
        })
        .collect();
    let honest_stake: u128 = voters.iter().map(|v| v.stake).sum();
    let next_id = honest_voters;
    if behaviour == Behaviour::ExchangePump {
        voters.push(Voter {
            id: next_id,
            stake: honest_stake / 2,
            malicious: true,
            price_permille: u32::MAX,
        });
    } else if bad > 0 {
        // The attacker's stake is the same share of all stake as its share of candidates.
        let share = u128::from(malicious_permille);
        let attacker_stake = honest_stake * share / (1000 - share).max(1);
        let accounts = bad * spec.voters_per_candidate;
        for k in 0..accounts {
            voters.push(Voter {
                id: next_id + k,
                stake: attacker_stake / u128::from(accounts),
                malicious: true,
                price_permille: u32::MAX,
            });
        }
    }
    let honest_turnout_permille = if behaviour == Behaviour::VoterApathy {
        APATHY_TURNOUT_PERMILLE
    } else {
        spec.turnout_permille
    };
    let founders = founders(&nodes, spec);
    World {
        nodes,
        voters,
        honest_turnout_permille,
        rebate_permille: if behaviour == Behaviour::VoteBuying {
            spec.rebate_permille
        } else {
            0
        },
        founders,
    }
}

/// The founding hospitals: one node of each of the first P + B honest organisations, except
/// that `corrupted_founders` producer seats go to attacker nodes of distinct organisations.
fn founders(nodes: &[Node], spec: &WorldSpec) -> Vec<u32> {
    let mut orgs = std::collections::BTreeSet::new();
    let mut pick = |malicious: bool, k: usize| -> Vec<u32> {
        nodes
            .iter()
            .filter(|n| n.malicious == malicious && orgs.insert(n.org))
            .map(|n| n.id)
            .take(k)
            .collect()
    };
    let p = spec.producers as usize;
    let corrupted = pick(true, spec.corrupted_founders as usize);
    let honest = pick(false, p + spec.standbys as usize - corrupted.len());
    let split = (p - corrupted.len()).min(honest.len());
    let mut founders = corrupted;
    founders.extend_from_slice(&honest[..split]);
    founders.sort_unstable();
    founders.extend_from_slice(&honest[split..]);
    founders
}

//! The simulated world: hospitals standing as candidates, voters with stake, and the attacks.
//!
//! One era has `SESSIONS_PER_ERA` sessions; in each session every active producer owns
//! `SLOTS_PER_PRODUCER` slots. Honest producers miss a slot with probability 2 %.

use rand::{seq::SliceRandom, Rng};
use rand_chacha::ChaCha8Rng;

pub const SESSIONS_PER_ERA: u32 = 6;
pub const SLOTS_PER_PRODUCER: u32 = 10;
pub const HONEST_MISS_PERMILLE: u32 = 20;
/// Voters per candidate.
pub const VOTERS_PER_CANDIDATE: u32 = 4;
/// Plain DPoS: eras before honest voters drop a candidate they saw misbehave.
pub const DPOS_REACTION_ERAS: u32 = 2;
/// Plain DPoS: targets per vote, each at full weight (EOS).
pub const DPOS_TARGETS: usize = 30;
/// Share of honest voters who vote in an era (and under voter apathy).
pub const TURNOUT_PERMILLE: u32 = 900;
pub const APATHY_TURNOUT_PERMILLE: u32 = 300;
/// Intermittent attackers misbehave in this share of their sessions.
pub const INTERMITTENT_PERMILLE: u32 = 300;

/// What the malicious candidates and their stake do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Behaviour {
    /// Equivocates in every session it produces.
    AlwaysFaulty,
    /// Equivocates in 30 % of its sessions.
    Intermittent,
    /// Honest for the first third of the run, then always faulty.
    Sleeper,
    /// Behaves well on chain; the attackers' candidates and stake all back each other.
    Cartel,
    /// One organisation runs every malicious candidate, with large self bonds.
    WhaleOrg,
    /// One exchange holds half as much stake as all honest voters together and backs the attackers.
    ExchangePump,
    /// Always faulty, while only 30 % of honest voters vote.
    VoterApathy,
}

impl Behaviour {
    pub const ALL: [Behaviour; 7] = [
        Behaviour::AlwaysFaulty,
        Behaviour::Intermittent,
        Behaviour::Sleeper,
        Behaviour::Cartel,
        Behaviour::WhaleOrg,
        Behaviour::ExchangePump,
        Behaviour::VoterApathy,
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
        }
    }

    /// Whether a malicious producer equivocates in this session.
    pub fn faults(self, era: u32, eras: u32, rng: &mut ChaCha8Rng) -> bool {
        match self {
            Behaviour::AlwaysFaulty | Behaviour::VoterApathy => true,
            Behaviour::Intermittent => rng.gen_range(0..1000) < INTERMITTENT_PERMILLE,
            Behaviour::Sleeper => era >= eras / 3,
            Behaviour::Cartel | Behaviour::WhaleOrg | Behaviour::ExchangePump => false,
        }
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
}

/// The population of one run.
#[derive(Clone, Debug)]
pub struct World {
    pub nodes: Vec<Node>,
    pub voters: Vec<Voter>,
    pub honest_turnout_permille: u32,
}

/// Heavy-tailed stake: most voters hold a little, a few hold a lot.
fn stake(rng: &mut ChaCha8Rng) -> u128 {
    let u: f64 = rng.gen_range(0.001..1.0);
    (1_000.0 / u.powf(1.0 / 1.5)).min(1_000_000.0) as u128
}

/// Builds a world of `n` candidates of which `malicious_permille` are the attacker's, with the
/// attacker holding the same share of voter stake.
pub fn world(n: u32, malicious_permille: u32, behaviour: Behaviour, rng: &mut ChaCha8Rng) -> World {
    let bad = (n * malicious_permille).div_ceil(1000);
    let mut ids: Vec<u32> = (0..n).collect();
    ids.shuffle(rng);
    let malicious: std::collections::BTreeSet<u32> =
        ids.iter().take(bad as usize).copied().collect();

    // Honest hospitals run one to three nodes each; attackers two per organisation, or all in one.
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
                    bad_in_org = 2;
                }
                bad_in_org -= 1;
                bad_org
            }
        } else {
            if honest_left_in_org == 0 {
                next_org += 1;
                honest_left_in_org = rng.gen_range(1..=3);
            }
            honest_left_in_org -= 1;
            next_org
        };
        let big = is_bad && matches!(behaviour, Behaviour::WhaleOrg | Behaviour::Cartel);
        let self_bond = if big {
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

    let honest_voters = n * VOTERS_PER_CANDIDATE;
    let mut voters: Vec<Voter> = (0..honest_voters)
        .map(|id| Voter {
            id,
            stake: stake(rng),
            malicious: false,
        })
        .collect();
    let honest_stake: u128 = voters.iter().map(|v| v.stake).sum();
    let next_id = honest_voters;
    if behaviour == Behaviour::ExchangePump {
        voters.push(Voter {
            id: next_id,
            stake: honest_stake / 2,
            malicious: true,
        });
    } else {
        // The attacker's stake is the same share of all stake as its share of candidates.
        let share = u128::from(malicious_permille);
        let attacker_stake = honest_stake * share / (1000 - share).max(1);
        let accounts = bad.max(1) * VOTERS_PER_CANDIDATE;
        for k in 0..accounts {
            voters.push(Voter {
                id: next_id + k,
                stake: attacker_stake / u128::from(accounts),
                malicious: true,
            });
        }
    }
    let honest_turnout_permille = if behaviour == Behaviour::VoterApathy {
        APATHY_TURNOUT_PERMILLE
    } else {
        TURNOUT_PERMILLE
    };
    World {
        nodes,
        voters,
        honest_turnout_permille,
    }
}

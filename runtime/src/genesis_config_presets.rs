//! Named genesis states, and the genesis of a chain founded by real hospitals ([`founded`]).
//! - `development`: one hospital (organisation 0, admin Alice) whose admin stands as its K-DPoS
//!   candidate and is elected the one producer (P = 1), so `medchain status` and the portal show
//!   the producer with her class and score from the first block. Alice is sudo and the one seat.
//! - `local_testnet`: six hospitals (organisations 0 to 5, admins Alice to Ferdie), each standing
//!   as a K-DPoS candidate with session keys; P = 4, B = 2: Alice, Bob, Charlie and Dave produce
//!   (the larger bonds), Eve and Ferdie stand by. `scripts/testnet.sh` starts it. Alice is sudo,
//!   and the six admins hold the council's seats.
//! - `consortium`: the same six hospitals under the consortium's seats, P = 21 and B = 6, and no
//!   sudo: the council governs, as on a founded consortium. Its keys are the development
//!   keyring's, so it is a `Local` chain for tests; a real consortium is founded from its
//!   hospitals' own keys (`medchain-node found`).
//! - `hospital`: one hospital's private chain: a single organisation (0, admin Alice) whose own
//!   validator produces with keys of its own (the dev keyring's `One`, `--one`), never a consortium
//!   validator's: one key sealing blocks of two chains with 3 s slots would let anyone pair them
//!   into a false equivocation proof. No K-DPoS candidates, as there is no one to elect among. It
//!   indexes the hospital's records in full; `medchain relay` anchors them in the consortium chain.
//!   Its admin (Alice) is its single owner (sudo). Accounts have the same addresses on both chains
//!   (one SS58 format), so a patient or clinician is one identity everywhere; the chains are told
//!   apart by genesis.

use crate::{
    AccountId, Balance, BalancesConfig, CouncilMembershipConfig, KdposConfig, MedicalRecordsConfig,
    RuntimeGenesisConfig, SessionConfig, SessionKeys, SudoConfig, UNIT,
};
use alloc::{vec, vec::Vec};
use sp_genesis_builder::PresetId;
use sp_keyring::{Ed25519Keyring, Sr25519Keyring};

/// Each endowed development account starts with a million MED.
pub const ENDOWMENT: crate::Balance = 1_000_000 * UNIT;

/// The consortium preset's name.
pub const CONSORTIUM_PRESET: &str = "consortium";
/// The hospital (private chain) preset's name.
pub const HOSPITAL_PRESET: &str = "hospital";

/// A validator in a preset: its account and the session keys it registers at genesis.
fn validator(who: Sr25519Keyring, grandpa: Ed25519Keyring) -> (AccountId, AccountId, SessionKeys) {
    let account: AccountId = who.to_account_id();
    let keys = SessionKeys {
        aura: who.public().into(),
        grandpa: grandpa.public().into(),
    };
    (account.clone(), account, keys)
}

fn genesis(
    validators: Vec<(AccountId, AccountId, SessionKeys)>,
    endowed: Vec<AccountId>,
    root: Option<AccountId>,
    seats: Vec<AccountId>,
) -> RuntimeGenesisConfig {
    RuntimeGenesisConfig {
        balances: BalancesConfig {
            balances: endowed.into_iter().map(|a| (a, ENDOWMENT)).collect(),
            ..Default::default()
        },
        session: SessionConfig {
            keys: validators,
            ..Default::default()
        },
        sudo: SudoConfig { key: root },
        council_membership: CouncilMembershipConfig {
            // Six seats at most here, far below `CouncilMaxMembers`.
            members: seats.try_into().unwrap_or_default(),
            ..Default::default()
        },
        ..Default::default()
    }
}

fn endowed() -> Vec<AccountId> {
    Sr25519Keyring::well_known()
        .map(|k| k.to_account_id())
        .collect()
}

/// The development chain: Alice's hospital, its candidate elected the one producer.
fn development() -> RuntimeGenesisConfig {
    let alice = Sr25519Keyring::Alice.to_account_id();
    let mut config = genesis(
        vec![validator(Sr25519Keyring::Alice, Ed25519Keyring::Alice)],
        endowed(),
        Some(alice.clone()),
        vec![alice.clone()],
    );
    config.medical_records = MedicalRecordsConfig {
        organisations: vec![alice.clone()],
    };
    config.kdpos = KdposConfig {
        producers: 1,
        standbys: 1,
        candidates: vec![(alice, 0, 20_000 * UNIT)],
        votes: vec![],
    };
    config
}

/// A hospital's private chain: its one organisation, and its own validator with keys no
/// consortium validator holds.
fn hospital() -> RuntimeGenesisConfig {
    let mut config = genesis(
        vec![validator(Sr25519Keyring::One, Ed25519Keyring::One)],
        endowed(),
        Some(Sr25519Keyring::Alice.to_account_id()),
        vec![],
    );
    config.medical_records = MedicalRecordsConfig {
        organisations: vec![Sr25519Keyring::Alice.to_account_id()],
    };
    config
}

/// Six hospitals, each admin standing for its own and holding its council seat; bonds fall from
/// Alice's to Ferdie's so the first elections are predictable. `sudo` keeps Alice as Root.
fn hospitals(producers: u32, standbys: u32, sudo: bool) -> RuntimeGenesisConfig {
    let six = [
        (Sr25519Keyring::Alice, Ed25519Keyring::Alice),
        (Sr25519Keyring::Bob, Ed25519Keyring::Bob),
        (Sr25519Keyring::Charlie, Ed25519Keyring::Charlie),
        (Sr25519Keyring::Dave, Ed25519Keyring::Dave),
        (Sr25519Keyring::Eve, Ed25519Keyring::Eve),
        (Sr25519Keyring::Ferdie, Ed25519Keyring::Ferdie),
    ];
    let mut config = genesis(
        six.iter().map(|(s, e)| validator(*s, *e)).collect(),
        endowed(),
        sudo.then(|| Sr25519Keyring::Alice.to_account_id()),
        six.iter().map(|(s, _)| s.to_account_id()).collect(),
    );
    config.medical_records = MedicalRecordsConfig {
        organisations: six.iter().map(|(s, _)| s.to_account_id()).collect(),
    };
    config.kdpos = KdposConfig {
        producers,
        standbys,
        candidates: six
            .iter()
            .enumerate()
            .map(|(org, (s, _))| {
                let bond: Balance = (20_000 - 1_000 * org as Balance) * UNIT;
                (s.to_account_id(), org as u32, bond)
            })
            .collect(),
        votes: vec![],
    };
    config
}

/// A founding hospital: its first admin (who holds its council seat and stands as its K-DPoS
/// candidate), the session keys its validator starts with, its bond and its endowment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Founder {
    pub admin: AccountId,
    pub keys: SessionKeys,
    pub bond: Balance,
    pub endowment: Balance,
}

/// What kind of chain the founders start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Founding {
    /// The shared chain: every founder a K-DPoS candidate with its bond and a council seat; P
    /// producers and B standbys; no sudo.
    Consortium { producers: u32, standbys: u32 },
    /// A hospital's private chain: one founder, its single owner (sudo), producing alone.
    Hospital,
}

/// The genesis of a chain founded by `founders`, organisations numbered in their order. Nothing
/// else is endowed and no development key appears. The node checks the founders file before
/// calling this (`medchain-node found`): at most `CouncilMaxMembers` founders, one admin and one
/// key each.
pub fn founded(founders: &[Founder], founding: Founding) -> RuntimeGenesisConfig {
    let validators = founders
        .iter()
        .map(|f| (f.admin.clone(), f.admin.clone(), f.keys.clone()))
        .collect();
    let admins: Vec<AccountId> = founders.iter().map(|f| f.admin.clone()).collect();
    let mut config = RuntimeGenesisConfig {
        balances: BalancesConfig {
            balances: founders
                .iter()
                .map(|f| (f.admin.clone(), f.endowment))
                .collect(),
            ..Default::default()
        },
        session: SessionConfig {
            keys: validators,
            ..Default::default()
        },
        medical_records: MedicalRecordsConfig {
            organisations: admins.clone(),
        },
        ..Default::default()
    };
    match founding {
        Founding::Consortium {
            producers,
            standbys,
        } => {
            config.council_membership = CouncilMembershipConfig {
                members: admins.try_into().unwrap_or_default(),
                ..Default::default()
            };
            config.kdpos = KdposConfig {
                producers,
                standbys,
                candidates: founders
                    .iter()
                    .enumerate()
                    .map(|(org, f)| (f.admin.clone(), org as u32, f.bond))
                    .collect(),
                votes: vec![],
            };
        }
        Founding::Hospital => {
            config.sudo = SudoConfig {
                key: admins.first().cloned(),
            };
        }
    }
    config
}

/// The JSON of a named preset, if there is one by that name.
pub fn get_preset(id: &PresetId) -> Option<Vec<u8>> {
    let config = match id.as_ref() {
        sp_genesis_builder::DEV_RUNTIME_PRESET => development(),
        sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET => hospitals(4, 2, true),
        CONSORTIUM_PRESET => hospitals(21, 6, false),
        HOSPITAL_PRESET => hospital(),
        _ => return None,
    };
    serde_json::to_vec(&config).ok()
}

/// Every preset this runtime knows.
pub fn preset_names() -> Vec<PresetId> {
    vec![
        PresetId::from(sp_genesis_builder::DEV_RUNTIME_PRESET),
        PresetId::from(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET),
        PresetId::from(CONSORTIUM_PRESET),
        PresetId::from(HOSPITAL_PRESET),
    ]
}

//! Named genesis states.
//! - `development`: one hospital (organisation 0, admin Alice) whose admin stands as its K-DPoS
//!   candidate and is elected the one producer (P = 1), so `medchain status` and the portal show
//!   the producer with her class and score from the first block.
//! - `local_testnet`: six hospitals (organisations 0 to 5, admins Alice to Ferdie), each standing
//!   as a K-DPoS candidate with session keys; P = 4, B = 2: Alice, Bob, Charlie and Dave produce
//!   (the larger bonds), Eve and Ferdie stand by. `scripts/testnet.sh` starts it.
//! - `consortium`: the same six hospitals under the consortium's seats, P = 21 and B = 6.
//! - `hospital`: one hospital's private chain: a single organisation (0, admin Alice) whose own
//!   validator produces with keys of its own (the dev keyring's `One`, `--one`), never a consortium
//!   validator's: one key sealing blocks of two chains with 3 s slots would let anyone pair them
//!   into a false equivocation proof. No K-DPoS candidates, as there is no one to elect among. It indexes the hospital's records in full; `medchain relay` anchors them in
//!   the consortium chain. Accounts have the same addresses on both chains (one SS58 format), so
//!   a patient or clinician is one identity everywhere; the chains are told apart by genesis.

use crate::{
    AccountId, Balance, BalancesConfig, KdposConfig, MedicalRecordsConfig, RuntimeGenesisConfig,
    SessionConfig, SessionKeys, SudoConfig, UNIT,
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
    root: AccountId,
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
        sudo: SudoConfig { key: Some(root) },
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
        alice.clone(),
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
        Sr25519Keyring::Alice.to_account_id(),
    );
    config.medical_records = MedicalRecordsConfig {
        organisations: vec![Sr25519Keyring::Alice.to_account_id()],
    };
    config
}

/// Six hospitals, each admin standing for its own; bonds fall from Alice's to Ferdie's so the
/// first elections are predictable.
fn hospitals(producers: u32, standbys: u32) -> RuntimeGenesisConfig {
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
        Sr25519Keyring::Alice.to_account_id(),
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

/// The JSON of a named preset, if there is one by that name.
pub fn get_preset(id: &PresetId) -> Option<Vec<u8>> {
    let config = match id.as_ref() {
        sp_genesis_builder::DEV_RUNTIME_PRESET => development(),
        sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET => hospitals(4, 2),
        CONSORTIUM_PRESET => hospitals(21, 6),
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

//! Named genesis states. `development`: one validator (Alice). `local_testnet`: four hospital
//! validators (Alice, Bob, Charlie, Dave), the network `scripts/testnet.sh` starts.
//! Further presets (`consortium`, `hospital`) join this list as the dual chain lands.

use crate::{
    AccountId, BalancesConfig, RuntimeGenesisConfig, SessionConfig, SessionKeys, SudoConfig, UNIT,
};
use alloc::{vec, vec::Vec};
use sp_genesis_builder::PresetId;
use sp_keyring::{Ed25519Keyring, Sr25519Keyring};

/// Each endowed development account starts with a million MED.
pub const ENDOWMENT: crate::Balance = 1_000_000 * UNIT;

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

fn development() -> RuntimeGenesisConfig {
    genesis(
        vec![validator(Sr25519Keyring::Alice, Ed25519Keyring::Alice)],
        Sr25519Keyring::well_known()
            .map(|k| k.to_account_id())
            .collect(),
        Sr25519Keyring::Alice.to_account_id(),
    )
}

fn local_testnet() -> RuntimeGenesisConfig {
    genesis(
        vec![
            validator(Sr25519Keyring::Alice, Ed25519Keyring::Alice),
            validator(Sr25519Keyring::Bob, Ed25519Keyring::Bob),
            validator(Sr25519Keyring::Charlie, Ed25519Keyring::Charlie),
            validator(Sr25519Keyring::Dave, Ed25519Keyring::Dave),
        ],
        Sr25519Keyring::well_known()
            .map(|k| k.to_account_id())
            .collect(),
        Sr25519Keyring::Alice.to_account_id(),
    )
}

/// The JSON of a named preset, if there is one by that name.
pub fn get_preset(id: &PresetId) -> Option<Vec<u8>> {
    let config = match id.as_ref() {
        sp_genesis_builder::DEV_RUNTIME_PRESET => development(),
        sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET => local_testnet(),
        _ => return None,
    };
    serde_json::to_vec(&config).ok()
}

/// Every preset this runtime knows.
pub fn preset_names() -> Vec<PresetId> {
    vec![
        PresetId::from(sp_genesis_builder::DEV_RUNTIME_PRESET),
        PresetId::from(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET),
    ]
}

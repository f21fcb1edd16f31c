//! Well-known development keys on a Live chain. Every development and test chain signs with
//! `//Alice` .. `//Ferdie` (and their `//stash`), `//One`, `//Two` and the bare development phrase,
//! and anyone can derive them: headers sealed with them on one chain are headers of the same keys
//! on every other (the framing attack of issue 18), and nothing they sign is a hospital's. A Live
//! chain whose genesis names one, or a validator of one that holds one, does not start.

use sc_service::{config::KeystoreConfig, ChainType, Configuration};
use sp_core::{
    crypto::{key_types::AURA, key_types::GRANDPA, DEV_PHRASE},
    ecdsa, ed25519, sr25519, ByteArray, Pair,
};
use sp_io::hashing::blake2_256;
use sp_keyring::Sr25519Keyring;
use sp_keystore::Keystore;
use std::collections::HashMap;

/// Every seed of the development keyring, and the development phrase itself.
fn seeds() -> Vec<(String, String)> {
    let mut seeds: Vec<(String, String)> = Sr25519Keyring::iter()
        .map(|k| (k.to_seed(), k.to_seed()))
        .collect();
    seeds.push((DEV_PHRASE.to_string(), "the development phrase".to_string()));
    seeds
}

/// The 32 bytes of every well-known key, named (`//Alice (sr25519)`): the sr25519 and ed25519
/// public keys of each seed, and the account of its ecdsa key.
pub fn well_known() -> HashMap<[u8; 32], String> {
    let mut keys = HashMap::new();
    for (seed, name) in seeds() {
        if let Ok(p) = sr25519::Pair::from_string(&seed, None) {
            keys.insert(p.public().0, format!("{name} (sr25519)"));
        }
        if let Ok(p) = ed25519::Pair::from_string(&seed, None) {
            keys.insert(p.public().0, format!("{name} (ed25519)"));
        }
        if let Ok(p) = ecdsa::Pair::from_string(&seed, None) {
            keys.insert(blake2_256(&p.public().0), format!("{name} (ecdsa account)"));
        }
    }
    keys
}

/// The well-known keys that appear anywhere in `blobs` (storage keys and values), each once, in
/// the order found.
pub fn found_in<'a>(blobs: impl IntoIterator<Item = &'a [u8]>) -> Vec<String> {
    let keys = well_known();
    let mut found: Vec<String> = Vec::new();
    for blob in blobs {
        for window in blob.windows(32) {
            if let Some(name) = <[u8; 32]>::try_from(window).ok().and_then(|w| keys.get(&w)) {
                if !found.contains(name) {
                    found.push(name.clone());
                }
            }
        }
    }
    found
}

/// The well-known keys in a chain spec's genesis state (all of it but the runtime's code).
pub fn in_genesis(spec: &dyn sc_service::ChainSpec) -> Result<Vec<String>, String> {
    let storage = spec.as_storage_builder().build_storage().map_err(|e| {
        format!(
            "the genesis of chain '{}' cannot be built: {e}",
            spec.name()
        )
    })?;
    // Not the runtime's code: its presets hold the development keyring's public keys as
    // constants, which are no account, key or seat of this chain.
    let top = storage
        .top
        .iter()
        .filter(|(k, _)| k.as_slice() != sp_core::storage::well_known_keys::CODE)
        .flat_map(|(k, v)| [k.as_slice(), v.as_slice()]);
    let children = storage
        .children_default
        .values()
        .flat_map(|c| c.data.iter())
        .flat_map(|(k, v)| [k.as_slice(), v.as_slice()]);
    Ok(found_in(top.chain(children)))
}

/// The development keys a keystore holds as Aura or GRANDPA keys (`//Alice (aura)`).
pub fn held(keystore: &dyn Keystore) -> Vec<String> {
    let mut found = Vec::new();
    for (seed, name) in seeds() {
        let aura = sr25519::Pair::from_string(&seed, None).map(|p| p.public().to_raw_vec());
        let grandpa = ed25519::Pair::from_string(&seed, None).map(|p| p.public().to_raw_vec());
        for (key, kind, kind_name) in [(aura, AURA, "aura"), (grandpa, GRANDPA, "gran")] {
            if let Ok(key) = key {
                if keystore.has_keys(&[(key, kind)]) {
                    found.push(format!("{name} ({kind_name})"));
                }
            }
        }
    }
    found
}

/// Refuses to start a Live chain whose genesis names a well-known key, or as a validator that
/// would sign with one (`--alice` and the like, or such a key in its keystore). Runs before the
/// node opens its database; other chain types pass.
pub fn refuse_on_live_chain(config: &Configuration) -> Result<(), String> {
    if !matches!(config.chain_spec.chain_type(), ChainType::Live) {
        return Ok(());
    }
    let chain = config.chain_spec.name().to_string();
    let mut found = in_genesis(&*config.chain_spec)?;
    found.sort();
    if let Some(key) = found.first() {
        let more = match found.len() - 1 {
            0 => String::new(),
            n => format!(" and {n} more"),
        };
        return Err(format!(
            "the Live chain '{chain}' names the well-known development key {key}{more} in its genesis, and anyone can sign as it: found the chain from its hospitals' own keys (medchain-node found --founders FILE), or run --chain local for a test network"
        ));
    }
    let refuse = |key: &str| {
        format!(
            "this validator would sign with the well-known development key {key} on the Live chain '{chain}', as anyone can: insert a key of your own (medchain-node key insert --key-type aura|gran) and register it with session.setKeys"
        )
    };
    if let Some(seed) = &config.dev_key_seed {
        let name = seeds()
            .into_iter()
            .find(|(s, _)| s == seed)
            .map(|(_, n)| n)
            .unwrap_or_else(|| seed.clone());
        return Err(refuse(&format!("{name} (aura, gran)")));
    }
    if let KeystoreConfig::Path { path, password } = &config.keystore {
        if path.is_dir() {
            let keystore = sc_keystore::LocalKeystore::open(path, password.clone())
                .map_err(|e| format!("the keystore {} cannot be opened: {e}", path.display()))?;
            if let Some(key) = held(&keystore).first() {
                return Err(refuse(key));
            }
        }
    }
    Ok(())
}

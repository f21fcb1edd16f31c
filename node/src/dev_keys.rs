//! Well-known development keys in a validator's keystore on a Live chain. Every development and
//! test chain signs with `//Alice` .. `//Ferdie`, `//One` and `//Two`, and anyone can derive
//! them: headers sealed with them on one chain are headers of the same keys on every other (the
//! framing attack of issue 18), and nothing they sign is this hospital's. The node names each one
//! it holds when it starts; once the consortium has keys of its own (issue 20) this becomes a
//! refusal.

use sc_service::ChainType;
use sp_core::{
    crypto::key_types::{AURA, GRANDPA},
    ed25519, sr25519, ByteArray, Pair,
};
use sp_keyring::Sr25519Keyring;
use sp_keystore::Keystore;

/// The development keys this keystore holds, each as its seed and key type (`//Alice (aura)`).
pub fn held(keystore: &dyn Keystore) -> Vec<String> {
    let mut found = Vec::new();
    for who in Sr25519Keyring::iter() {
        let seed = who.to_seed();
        let aura = sr25519::Pair::from_string(&seed, None).map(|p| p.public().to_raw_vec());
        let grandpa = ed25519::Pair::from_string(&seed, None).map(|p| p.public().to_raw_vec());
        for (key, kind, name) in [(aura, AURA, "aura"), (grandpa, GRANDPA, "gran")] {
            if let Ok(key) = key {
                if keystore.has_keys(&[(key, kind)]) {
                    found.push(format!("{seed} ({name})"));
                }
            }
        }
    }
    found
}

/// Warns, once per key, when a validator of a Live chain holds a development key.
pub fn warn_on_live_chain(chain: &str, chain_type: &ChainType, keystore: &dyn Keystore) {
    if !matches!(chain_type, ChainType::Live) {
        return;
    }
    for key in held(keystore) {
        log::warn!(
            target: "medchain",
            "this validator holds the well-known development key {key} on the Live chain \
             '{chain}': every development chain signs with it and anyone can sign as it. Insert \
             a key of your own (medchain-node key insert --key-type aura|gran) and register it \
             with session.setKeys"
        );
    }
}

//! Runtime-level checks that need no node: every genesis preset builds a valid state with the
//! validators it names, and the constants clients rely on hold together.

use crate::{
    genesis_config_presets::{get_preset, preset_names, ENDOWMENT},
    Balances, Runtime, RuntimeGenesisConfig, Session, SessionKeys, System,
};
use sp_keyring::Sr25519Keyring;
use sp_runtime::BuildStorage;

fn state_of(preset: &str) -> sp_io::TestExternalities {
    let json = get_preset(&preset.into()).unwrap_or_else(|| panic!("preset {preset} exists"));
    let config: RuntimeGenesisConfig = serde_json::from_slice(&json)
        .unwrap_or_else(|e| panic!("preset {preset} is a full config: {e}"));
    let storage = config
        .build_storage()
        .unwrap_or_else(|e| panic!("preset {preset} builds: {e}"));
    sp_io::TestExternalities::new(storage)
}

#[test]
fn presets_are_listed() {
    let names: Vec<String> = preset_names()
        .iter()
        .map(|p| String::from_utf8_lossy(p.as_ref()).into())
        .collect();
    assert_eq!(names, ["development", "local_testnet"]);
    assert!(get_preset(&"no-such-preset".into()).is_none());
}

#[test]
fn development_has_alice_as_the_one_validator() {
    state_of("development").execute_with(|| {
        assert_eq!(
            Session::validators(),
            vec![Sr25519Keyring::Alice.to_account_id()]
        );
        assert_eq!(pallet_aura::Authorities::<Runtime>::get().len(), 1);
        assert_eq!(pallet_grandpa::Authorities::<Runtime>::get().len(), 1);
        assert_eq!(
            Balances::free_balance(Sr25519Keyring::Bob.to_account_id()),
            ENDOWMENT
        );
    });
}

#[test]
fn local_testnet_has_four_hospital_validators_with_keys() {
    state_of("local_testnet").execute_with(|| {
        let expected: Vec<_> = [
            Sr25519Keyring::Alice,
            Sr25519Keyring::Bob,
            Sr25519Keyring::Charlie,
            Sr25519Keyring::Dave,
        ]
        .iter()
        .map(|k| k.to_account_id())
        .collect();
        let mut validators = Session::validators();
        validators.sort();
        let mut want = expected.clone();
        want.sort();
        assert_eq!(validators, want);
        for v in &expected {
            let keys: Option<SessionKeys> = pallet_session::NextKeys::<Runtime>::get(v);
            assert!(keys.is_some(), "{v} has session keys");
        }
        assert_eq!(pallet_grandpa::Authorities::<Runtime>::get().len(), 4);
        assert_eq!(System::block_number(), 0);
    });
}

#[test]
fn chain_constants_match_what_clients_are_told() {
    assert_eq!(
        <Runtime as frame_system::Config>::SS58Prefix::get(),
        crate::SS58_PREFIX
    );
    assert_eq!(crate::SLOT_DURATION, 3_000, "3 s blocks");
    assert_eq!(crate::TOKEN_DECIMALS, 12);
    assert_eq!(crate::UNIT, 10u128.pow(u32::from(crate::TOKEN_DECIMALS)));
}

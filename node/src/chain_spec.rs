//! Chain specifications: the built-in test networks (`dev`, `local`, `consortium`, `hospital`),
//! or a JSON file (a founded chain's, from `medchain-node found`).

use medchain_runtime::{SS58_PREFIX, TOKEN_DECIMALS, TOKEN_SYMBOL};
use medchain_runtime_wasm::WASM_BINARY;
use sc_service::ChainType;
use std::path::PathBuf;

pub type ChainSpec = sc_service::GenericChainSpec;

/// Token symbol, decimals and address format, as Polkadot.js Apps reads them.
pub fn properties() -> sc_chain_spec::Properties {
    let mut p = sc_chain_spec::Properties::new();
    p.insert("tokenSymbol".into(), TOKEN_SYMBOL.into());
    p.insert("tokenDecimals".into(), TOKEN_DECIMALS.into());
    p.insert("ss58Format".into(), SS58_PREFIX.into());
    p
}

pub fn wasm() -> Result<&'static [u8], String> {
    WASM_BINARY.ok_or_else(|| {
        "this medchain-node was built without the runtime WASM (SKIP_WASM_BUILD): rebuild it with \
         scripts/start.sh"
            .to_string()
    })
}

/// One validator (Alice) producing on this machine.
pub fn development() -> Result<ChainSpec, String> {
    Ok(ChainSpec::builder(wasm()?, None)
        .with_name("medchain development")
        .with_id("medchain_dev")
        .with_chain_type(ChainType::Development)
        .with_genesis_config_preset_name(sp_genesis_builder::DEV_RUNTIME_PRESET)
        .with_properties(properties())
        .build())
}

/// Six hospitals (Alice to Ferdie) standing for K-DPoS; four produce, two stand by.
pub fn local_testnet() -> Result<ChainSpec, String> {
    Ok(ChainSpec::builder(wasm()?, None)
        .with_name("medchain local testnet")
        .with_id("medchain_local")
        .with_chain_type(ChainType::Local)
        .with_genesis_config_preset_name(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET)
        .with_properties(properties())
        .build())
}

/// A consortium chain for tests: the six development hospitals under the consortium's seats
/// (P = 21, B = 6), governed by their council with no sudo. Its keys are the development
/// keyring's, so it is `Local`: a real consortium is founded from its hospitals' own keys
/// (`medchain-node found`, docs/founding.md).
pub fn consortium() -> Result<ChainSpec, String> {
    Ok(ChainSpec::builder(wasm()?, None)
        .with_name("medchain consortium")
        .with_id("medchain_consortium")
        .with_chain_type(ChainType::Local)
        .with_genesis_config_preset_name(
            medchain_runtime::genesis_config_presets::CONSORTIUM_PRESET,
        )
        .with_properties(properties())
        .build())
}

/// A hospital's private chain: its own validator (Alice) and its one organisation, anchored into
/// the consortium chain by `medchain relay` (scripts/dualchain.sh runs both).
pub fn hospital() -> Result<ChainSpec, String> {
    Ok(ChainSpec::builder(wasm()?, None)
        .with_name("medchain hospital")
        .with_id("medchain_hospital")
        .with_chain_type(ChainType::Local)
        .with_genesis_config_preset_name(medchain_runtime::genesis_config_presets::HOSPITAL_PRESET)
        .with_properties(properties())
        .build())
}

/// Resolves `--chain`: a built-in name or the path of a chain spec JSON file.
pub fn load(id: &str) -> Result<Box<dyn sc_service::ChainSpec>, String> {
    Ok(match id {
        "" | "dev" | "development" => Box::new(development()?),
        "local" | "local_testnet" => Box::new(local_testnet()?),
        "consortium" => Box::new(consortium()?),
        "hospital" => Box::new(hospital()?),
        path => {
            let file = PathBuf::from(path);
            if !file.is_file() {
                return Err(format!(
                    "unknown chain '{path}': use --chain dev, --chain local, --chain consortium, --chain hospital, or the path of a chain spec \
                     JSON file (found one with `medchain-node found --founders FILE`)"
                ));
            }
            Box::new(ChainSpec::from_json_file(file).map_err(|e| {
                format!(
                    "chain spec '{path}' cannot be read: {e}; ask your consortium for its raw chain spec, or found one with \
                     `medchain-node found --founders FILE`"
                )
            })?)
        }
    })
}

//! `medchain-node found`: the chain spec of a chain founded by real hospitals, from a founders
//! file naming each one's admin account, session keys, bond, endowment and bootnodes. It writes
//! `<id>.json` (plain, to read and review) and `<id>.raw.json` (raw, what every node loads), and
//! refuses any input that names a well-known development key. The format is in
//! `docs/founding.md`.

use crate::{chain_spec, dev_keys};
use medchain_runtime::{
    configs::{consensus::MinCandidateBond, governance::CouncilMaxMembers},
    genesis_config_presets::{founded, Founder, Founding},
    AccountId, Balance, SessionKeys, EXISTENTIAL_DEPOSIT, UNIT,
};
use sc_network::config::MultiaddrWithPeerId;
use sc_service::ChainType;
use serde::Deserialize;
use sp_core::{crypto::Ss58Codec, ed25519, sr25519};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Write the chain spec of a chain founded by the hospitals in a founders file.
#[derive(Debug, clap::Parser)]
pub struct FoundCmd {
    /// The founders file (JSON; docs/founding.md).
    #[arg(long, value_name = "FILE")]
    pub founders: PathBuf,

    /// Where to write `<id>.json` and `<id>.raw.json`.
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub out: PathBuf,
}

/// What kind of chain the founders start.
#[derive(Debug, Deserialize, PartialEq, Eq, Clone, Copy)]
#[serde(rename_all = "lowercase")]
enum Kind {
    Consortium,
    Hospital,
}

/// An amount of MED: a JSON number of whole MED, or a decimal string ("0.5").
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Amount {
    Whole(u64),
    Decimal(String),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FoundersFile {
    /// The chain's name, as nodes and Apps show it.
    name: String,
    /// The chain's id: lower-case letters, digits and `_` (it names the database directory).
    id: String,
    chain: Kind,
    /// Producers P and standbys B (consortium only; 21 and 6 if absent).
    producers: Option<u32>,
    standbys: Option<u32>,
    hospitals: Vec<HospitalEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct HospitalEntry {
    name: String,
    /// SS58 address (or 0x hex) of the first admin's sr25519 account.
    admin: String,
    /// The validator's Aura key (sr25519) and GRANDPA key (ed25519), SS58 or 0x hex, as
    /// `medchain-node key inspect` prints them.
    aura: String,
    grandpa: String,
    /// Held from the admin's endowment as the hospital's K-DPoS bond (consortium only).
    #[serde(default)]
    bond: Option<Amount>,
    /// What the admin's account holds at genesis.
    endowment: Amount,
    /// The hospital's bootnodes: `/dns/host/tcp/30333/p2p/<peer id>`.
    #[serde(default)]
    bootnodes: Vec<String>,
}

fn amount(a: &Amount, what: &str) -> Result<Balance, String> {
    let text = match a {
        Amount::Whole(n) => {
            return Balance::from(*n)
                .checked_mul(UNIT)
                .ok_or(format!("{what} is too large"))
        }
        Amount::Decimal(s) => s.trim(),
    };
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || !(fraction.is_empty() || digits(fraction)) || fraction.len() > 12 {
        return Err(format!(
            "{what} '{text}' is not an amount of MED: write whole MED (20000) or a decimal with at most 12 places (\"0.5\")"
        ));
    }
    let whole: Balance = whole
        .parse()
        .map_err(|_| format!("{what} '{text}' is too large"))?;
    let fraction: Balance = format!("{fraction:0<12}")
        .parse()
        .map_err(|_| format!("{what} '{text}' is not an amount"))?;
    whole
        .checked_mul(UNIT)
        .and_then(|w| w.checked_add(fraction))
        .ok_or_else(|| format!("{what} '{text}' is too large"))
}

/// A 32-byte public key from SS58 or 0x hex.
fn key32<T: Ss58Codec + From<[u8; 32]>>(text: &str, what: &str) -> Result<T, String> {
    if let Some(hex) = text.strip_prefix("0x") {
        let bytes: Vec<u8> = (0..hex.len())
            .step_by(2)
            .map(|i| {
                hex.get(i..i + 2)
                    .and_then(|b| u8::from_str_radix(b, 16).ok())
            })
            .collect::<Option<_>>()
            .unwrap_or_default();
        return <[u8; 32]>::try_from(bytes)
            .map(T::from)
            .map_err(|_| format!("{what} '{text}' is not 32 bytes of hex"));
    }
    T::from_ss58check(text).map_err(|e| format!("{what} '{text}' is not an SS58 address: {e:?}"))
}

/// The founders of a file, checked: what `founded` builds from, the chain's kind and P, B, and
/// the bootnodes.
struct Checked {
    file: FoundersFile,
    founders: Vec<Founder>,
    founding: Founding,
    bootnodes: Vec<MultiaddrWithPeerId>,
}

fn check(file: FoundersFile) -> Result<Checked, String> {
    if file.name.trim().is_empty() {
        return Err("the founders file names no chain: give it a \"name\"".into());
    }
    if file.id.is_empty()
        || !file
            .id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        return Err(format!(
            "the chain id '{}' must be lower-case letters, digits and _ (it names the database directory)",
            file.id
        ));
    }
    let founding = match file.chain {
        Kind::Consortium => {
            let producers = file.producers.unwrap_or(21);
            let standbys = file.standbys.unwrap_or(6);
            if producers == 0 {
                return Err("\"producers\" must be at least 1".into());
            }
            Founding::Consortium {
                producers,
                standbys,
            }
        }
        Kind::Hospital => {
            if file.producers.is_some() || file.standbys.is_some() {
                return Err(
                    "a hospital's chain elects no producers: drop \"producers\" and \"standbys\""
                        .into(),
                );
            }
            if file.hospitals.len() != 1 {
                return Err(format!(
                    "a hospital's private chain has one founder, its owner; the file names {}",
                    file.hospitals.len()
                ));
            }
            Founding::Hospital
        }
    };
    let max = CouncilMaxMembers::get() as usize;
    if file.hospitals.is_empty() || file.hospitals.len() > max {
        return Err(format!(
            "a consortium is founded by 1 to {max} hospitals (a council seat each); the file names {}",
            file.hospitals.len()
        ));
    }
    let known = dev_keys::well_known();
    let min_bond: Balance = MinCandidateBond::get();
    let mut founders = Vec::new();
    let mut bootnodes = Vec::new();
    let mut seen = BTreeSet::new();
    for h in &file.hospitals {
        let at = |field: &str| format!("hospital '{}': {field}", h.name);
        let admin: AccountId = key32::<sp_core::crypto::AccountId32>(&h.admin, &at("admin"))?;
        let aura: sr25519::Public = key32(&h.aura, &at("aura"))?;
        let grandpa: ed25519::Public = key32(&h.grandpa, &at("grandpa"))?;
        let admin_bytes: [u8; 32] = admin.clone().into();
        for (field, bytes) in [
            ("admin", admin_bytes),
            ("aura", aura.0),
            ("grandpa", grandpa.0),
        ] {
            if let Some(name) = known.get(&bytes) {
                return Err(format!(
                    "{}: '{}' is the well-known development key {name}, which anyone can sign with: generate the hospital's own (medchain-node key generate)",
                    at(field),
                    match field {
                        "admin" => &h.admin,
                        "aura" => &h.aura,
                        _ => &h.grandpa,
                    }
                ));
            }
            if !seen.insert(bytes) {
                return Err(format!(
                    "{}: the key is named twice in the founders file; each hospital has its own admin and session keys",
                    at(field)
                ));
            }
        }
        let endowment = amount(&h.endowment, &at("endowment"))?;
        let bond = match (file.chain, &h.bond) {
            (Kind::Consortium, Some(b)) => amount(b, &at("bond"))?,
            (Kind::Consortium, None) => {
                return Err(format!(
                    "{}: a consortium founder stands as a K-DPoS candidate: give its bond",
                    at("bond")
                ))
            }
            (Kind::Hospital, Some(_)) => {
                return Err(format!("{}: a hospital's chain holds no bonds", at("bond")))
            }
            (Kind::Hospital, None) => 0,
        };
        if file.chain == Kind::Consortium && bond < min_bond {
            return Err(format!(
                "{}: below the candidate minimum of {} MED",
                at("bond"),
                min_bond / UNIT
            ));
        }
        // What remains must keep the account alive and pay its first fees.
        if endowment
            < bond
                .saturating_add(EXISTENTIAL_DEPOSIT)
                .saturating_add(UNIT)
        {
            return Err(format!(
                "{}: must hold the bond and at least 1 MED more for fees",
                at("endowment")
            ));
        }
        for b in &h.bootnodes {
            bootnodes.push(b.parse::<MultiaddrWithPeerId>().map_err(|e| {
                format!(
                    "{}: '{b}' is not a bootnode address (/dns/host/tcp/30333/p2p/<peer id>): {e}",
                    at("bootnodes")
                )
            })?);
        }
        founders.push(Founder {
            admin,
            keys: SessionKeys {
                aura: aura.into(),
                grandpa: grandpa.into(),
            },
            bond,
            endowment,
        });
    }
    Ok(Checked {
        file,
        founders,
        founding,
        bootnodes,
    })
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, text)
        .and_then(|_| std::fs::rename(&tmp, path))
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

impl FoundCmd {
    pub fn run(&self) -> Result<(), String> {
        let text = std::fs::read(&self.founders).map_err(|e| {
            format!(
                "cannot read the founders file {}: {e}",
                self.founders.display()
            )
        })?;
        let file: FoundersFile = serde_json::from_slice(&text).map_err(|e| {
            format!(
                "the founders file {} is not valid (docs/founding.md): {e}",
                self.founders.display()
            )
        })?;
        let checked = check(file)?;
        let config = founded(&checked.founders, checked.founding);
        let genesis = serde_json::to_value(&config)
            .map_err(|e| format!("the genesis cannot be written as JSON: {e}"))?;
        let spec = chain_spec::ChainSpec::builder(chain_spec::wasm()?, None)
            .with_name(&checked.file.name)
            .with_id(&checked.file.id)
            .with_chain_type(ChainType::Live)
            .with_protocol_id(&checked.file.id)
            .with_genesis_config(genesis)
            .with_properties(chain_spec::properties())
            .with_boot_nodes(checked.bootnodes)
            .build();
        // The node's own start check, on what was built: no well-known key anywhere in genesis.
        if let Some(key) = dev_keys::in_genesis(&spec)?.first() {
            return Err(format!(
                "the genesis built names the well-known key {key}: nothing written"
            ));
        }
        let plain = spec.as_json(false)?;
        let raw = spec.as_json(true)?;
        std::fs::create_dir_all(&self.out)
            .map_err(|e| format!("cannot make {}: {e}", self.out.display()))?;
        let id = &checked.file.id;
        let (plain_path, raw_path) = (
            self.out.join(format!("{id}.json")),
            self.out.join(format!("{id}.raw.json")),
        );
        write(&plain_path, &plain)?;
        write(&raw_path, &raw)?;
        println!(
            "{} founded by {} hospital(s): {} (plain), {} (raw: give this to every node, --chain {})",
            checked.file.name,
            checked.founders.len(),
            plain_path.display(),
            raw_path.display(),
            raw_path.display()
        );
        for (org, h) in checked.file.hospitals.iter().enumerate() {
            println!("  organisation {org}: {} (admin {})", h.name, h.admin);
        }
        Ok(())
    }
}

//! The chain through subxt, with types and calls generated from the runtime's metadata
//! (`metadata/medchain.scale`, kept current by the runtime test `the_clis_metadata_is_this_runtimes`),
//! and what commands share on it: connecting, submitting and waiting for finality, and the
//! look-ups several commands make (a record, a registered encryption key, an organisation and its
//! key, a member's role).

use anyhow::{anyhow, bail, Context, Result};
use subxt::{OnlineClient, PolkadotConfig};

// An anchored entry is a Merkle leaf: its SCALE bytes are hashed, stored and sent in proofs.
#[subxt::subxt(
    runtime_metadata_path = "metadata/medchain.scale",
    derive_for_all_types = "Clone, PartialEq, Eq",
    derive_for_type(
        path = "pallet_medical_records::types::AnchoredEntry",
        derive = "::subxt::ext::codec::Encode, ::subxt::ext::codec::Decode",
        recursive
    ),
    attributes_for_type(
        path = "pallet_medical_records::types::AnchoredEntry",
        attributes = "#[codec(crate = ::subxt::ext::codec)]",
        recursive
    )
)]
pub mod runtime {}

pub use runtime::runtime_types::pallet_medical_records::types::{CodeSystem, RecordType, Role};

pub type Client = OnlineClient<PolkadotConfig>;
pub type AccountId = subxt::utils::AccountId32;
/// The state at one block, for several reads that must agree.
pub type Storage = subxt::storage::Storage<PolkadotConfig, Client>;
pub type RecordView =
    runtime::runtime_types::pallet_medical_records::runtime_api::RecordView<AccountId, u32>;
pub type Organisation = runtime::runtime_types::pallet_medical_records::types::Organisation<u32>;
pub type IndexEntry = runtime::runtime_types::pallet_medical_records::types::IndexEntry<AccountId>;
pub type SealedEntry = runtime::runtime_types::pallet_medical_records::types::SealedEntry;
pub type AnchoredEntry =
    runtime::runtime_types::pallet_medical_records::types::AnchoredEntry<AccountId>;

/// Connects to the node at `url`.
pub async fn connect(url: &str) -> Result<Client> {
    OnlineClient::<PolkadotConfig>::from_url(url).await.map_err(|e| {
        anyhow!("cannot reach the medchain node at {url} ({e}): start one with scripts/start.sh, or pass --url")
    })
}

/// Set once an extrinsic has reached a node: from then on, stopping the command cannot take it
/// back, and an interruption must say so.
pub static SUBMITTED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// What an extrinsic did, once finalized.
pub struct Included {
    pub block: u32,
    pub events: subxt::blocks::ExtrinsicEvents<PolkadotConfig>,
}

/// Signs `call` with `signer`, submits it and waits until it is in a finalized block. A dispatch
/// error is returned as `Pallet.Error: what it means`.
pub async fn submit<Call: subxt::tx::Payload>(
    client: &Client,
    call: &Call,
    signer: &subxt_signer::sr25519::Keypair,
) -> Result<Included> {
    let progress = client
        .tx()
        .sign_and_submit_then_watch_default(call, signer)
        .await
        .map_err(explain)?;
    SUBMITTED.store(true, std::sync::atomic::Ordering::SeqCst);
    let in_block = progress.wait_for_finalized().await.map_err(explain)?;
    let events = in_block.wait_for_success().await.map_err(explain)?;
    let block = client
        .blocks()
        .at(in_block.block_hash())
        .await
        .context("reading the block of the extrinsic")?
        .number();
    Ok(Included { block, events })
}

/// Turns a subxt error into one line: a pallet error by name and meaning.
pub fn explain(e: subxt::Error) -> anyhow::Error {
    if let subxt::Error::Runtime(subxt::error::DispatchError::Module(module)) = &e {
        if let Ok(details) = module.details() {
            let docs = details.variant.docs.join(" ");
            return anyhow!(
                "the chain refused it: {}.{}{}",
                details.pallet.name(),
                details.variant.name,
                if docs.is_empty() {
                    String::new()
                } else {
                    format!(" ({docs})")
                }
            );
        }
    }
    anyhow!("the chain refused it: {e}")
}

/// Calls a runtime API at the latest finalized block.
pub async fn query<Call: subxt::runtime_api::Payload>(
    client: &Client,
    call: Call,
) -> Result<Call::ReturnType> {
    Ok(client.runtime_api().at_latest().await?.call(call).await?)
}

/// The chain's block time in milliseconds (Aura's slot), for durations such as `--until 7d`.
pub fn block_ms(client: &Client) -> Result<u64> {
    client
        .constants()
        .at(&runtime::constants().aura().slot_duration())
        .context("reading the chain's block time (aura.slotDuration)")
}

/// The latest finalized block's number: what the CLI reads state at.
pub async fn best_block(client: &Client) -> Result<u32> {
    Ok(client
        .blocks()
        .at_latest()
        .await
        .context("reading the best block")?
        .number())
}

/// Record `record`'s index entry with its CID, if it exists.
pub async fn find_record(client: &Client, record: u64) -> Result<Option<RecordView>> {
    query(client, runtime::apis().medical_records_api().record(record)).await
}

/// Record `record`'s index entry with its CID; a missing record is an error.
pub async fn record_view(client: &Client, record: u64) -> Result<RecordView> {
    find_record(client, record)
        .await?
        .ok_or_else(|| anyhow!("record {record} does not exist"))
}

/// `who`'s registered X25519 key; `role` names them in the error when they have none.
pub async fn encryption_key_of(client: &Client, who: &AccountId, role: &str) -> Result<[u8; 32]> {
    query(
        client,
        runtime::apis()
            .medical_records_api()
            .encryption_key(who.clone()),
    )
    .await?
    .ok_or_else(|| {
        anyhow!(
            "the {role} {} has no encryption key on chain: they run `medchain key register` first (a patient's pseudonym gets one with `medchain care grant`)",
            crate::keys::address(who)
        )
    })
}

/// `who`'s free balance at the latest finalized block (nothing for an account that does not exist).
pub async fn free_balance(client: &Client, who: &AccountId) -> Result<u128> {
    Ok(client
        .storage()
        .at_latest()
        .await?
        .fetch(&runtime::storage().system().account(who.clone()))
        .await?
        .map_or(0, |a| a.data.free))
}

/// Fails, before anything is encrypted or stored, unless `patient` authorises organisation `org`
/// to index records about them (the chain would refuse the record).
pub async fn ensure_in_care(client: &Client, patient: &AccountId, org: u32, on: On) -> Result<()> {
    let care = query(
        client,
        runtime::apis()
            .medical_records_api()
            .care_of(patient.clone()),
    )
    .await?;
    if !care.iter().any(|c| c.org == org) {
        bail!(
            "the patient {} has not authorised organisation {org} to index records about them{}: they run `medchain care grant {org}` first",
            crate::keys::address(patient),
            on.chain()
        );
    }
    Ok(())
}

/// Which chain an error names: the one at --url, or the consortium chain of a command that talks
/// to two.
#[derive(Clone, Copy)]
pub enum On {
    Url,
    Consortium,
}

impl On {
    fn chain(self) -> &'static str {
        match self {
            On::Url => "",
            On::Consortium => " on the consortium chain",
        }
    }

    fn there(self) -> &'static str {
        match self {
            On::Url => "",
            On::Consortium => " there",
        }
    }
}

/// Organisation `org` at the latest finalized block; a missing one is an error.
pub async fn organisation(client: &Client, org: u32, on: On) -> Result<Organisation> {
    query(
        client,
        runtime::apis().medical_records_api().organisation(org),
    )
    .await?
    .ok_or_else(|| anyhow!("organisation {org} does not exist{}", on.chain()))
}

/// Organisation `org`'s X25519 key, which records it keeps are sealed to; it must have set one.
pub async fn organisation_key(client: &Client, org: u32, on: On) -> Result<[u8; 32]> {
    organisation(client, org, on).await?.key.ok_or_else(|| {
        anyhow!(
            "organisation {org} has no key{}: its admin runs `medchain --keyserver URL org set-key --org {org}`{}",
            on.chain(),
            on.there()
        )
    })
}

/// `who`'s role in organisation `org` at the latest finalized block, if a member.
pub async fn role(client: &Client, org: u32, who: &AccountId) -> Result<Option<Role>> {
    query(
        client,
        runtime::apis()
            .medical_records_api()
            .member(org, who.clone()),
    )
    .await
}

/// The accounts `me` is a patient under on this chain: its pseudonym at every organisation, and
/// its own account (records made before pseudonyms).
pub async fn patient_accounts(
    client: &Client,
    me: &crate::keys::Identity,
) -> Result<Vec<AccountId>> {
    let orgs = client
        .storage()
        .at_latest()
        .await?
        .fetch(&runtime::storage().medical_records().next_org_id())
        .await?
        .unwrap_or(0);
    let genesis = client.genesis_hash().0;
    let mut accounts = vec![me.account()?];
    for org in 0..orgs {
        accounts.push(me.pseudonym(&genesis, org)?.account()?);
    }
    Ok(accounts)
}

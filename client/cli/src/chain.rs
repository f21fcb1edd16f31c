//! The chain through subxt, with types and calls generated from the runtime's metadata
//! (`metadata/medchain.scale`, kept current by the runtime test `the_clis_metadata_is_this_runtimes`).

use anyhow::{anyhow, Context, Result};
use subxt::{OnlineClient, PolkadotConfig};

// An index entry is a Merkle leaf: its SCALE bytes are hashed, stored and sent in proofs.
#[subxt::subxt(
    runtime_metadata_path = "metadata/medchain.scale",
    derive_for_all_types = "Clone, PartialEq, Eq",
    derive_for_type(
        path = "pallet_medical_records::types::IndexEntry",
        derive = "::subxt::ext::codec::Encode, ::subxt::ext::codec::Decode",
        recursive
    ),
    attributes_for_type(
        path = "pallet_medical_records::types::IndexEntry",
        attributes = "#[codec(crate = ::subxt::ext::codec)]",
        recursive
    )
)]
pub mod runtime {}

pub use runtime::runtime_types::pallet_medical_records::types::{CodeSystem, RecordType};

pub type Client = OnlineClient<PolkadotConfig>;
pub type AccountId = subxt::utils::AccountId32;

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

/// The best block's number.
pub async fn best_block(client: &Client) -> Result<u32> {
    Ok(client
        .blocks()
        .at_latest()
        .await
        .context("reading the best block")?
        .number())
}

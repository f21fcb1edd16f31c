//! `medchain operator onboard`: README's "How a hospital joins" in one command. The hospital's own
//! validator node makes session keys and proves them for the admin's account
//! (`author_rotateKeysWithOwner`), the account registers them (`session.setKeys`), then bonds and
//! stands as its organisation's block-producer candidate (`kdpos.registerCandidate`).

use crate::chain::{self, runtime};
use crate::context::Context;
use crate::formats;
use crate::keys::address;
use anyhow::{anyhow, bail, Context as _, Result};
use clap::Subcommand;
use serde_json::json;
use subxt::backend::rpc::RpcClient;
use subxt::ext::scale_decode::DecodeAsType;
use subxt::ext::subxt_rpcs::rpc_params;

#[derive(Subcommand)]
pub enum OperatorCommand {
    /// Make session keys on the hospital's node, register them with an ownership proof, bond and
    /// stand as the organisation's candidate, in one go (as its admin).
    ///
    /// Example: medchain --as hospital operator onboard --org 3 --bond 10000 --node-rpc ws://127.0.0.1:9944
    Onboard {
        #[arg(long)]
        org: u32,
        /// MED to bond (at least kdpos.minCandidateBond).
        #[arg(long, value_name = "MED")]
        bond: String,
        /// The hospital's own validator node, which makes and keeps the session keys [default: --url].
        #[arg(long, value_name = "WS_URL")]
        node_rpc: Option<String>,
    },
}

pub async fn run(ctx: &Context, command: OperatorCommand) -> Result<()> {
    match command {
        OperatorCommand::Onboard {
            org,
            bond,
            node_rpc,
        } => onboard(ctx, org, &bond, node_rpc.as_deref()).await,
    }
}

fn hex_bytes(value: &serde_json::Value, field: &str) -> Result<Vec<u8>> {
    let s = value
        .get(field)
        .and_then(|v| v.as_str())
        .ok_or_else(|| anyhow!("the node's author_rotateKeysWithOwner answer has no {field}"))?;
    hex::decode(s.trim_start_matches("0x")).map_err(|_| anyhow!("the node's {field} is not hex"))
}

async fn onboard(ctx: &Context, org: u32, bond: &str, node_rpc: Option<&str>) -> Result<()> {
    let bond = formats::parse_med(bond, "--bond")?;
    let me = ctx.identity()?;
    let account = me.account()?;
    let client = ctx.chain().await?;
    let minimum = client
        .constants()
        .at(&runtime::constants().kdpos().min_candidate_bond())
        .context("reading kdpos.minCandidateBond")?;
    if bond < minimum {
        bail!(
            "--bond must be at least {} MED (kdpos.minCandidateBond)",
            minimum / formats::UNIT
        );
    }
    // Checked first, so that a refusal changes nothing (not even the session keys).
    let storage = client.storage().at_latest().await?;
    if storage
        .fetch(&runtime::storage().kdpos().candidates(account.clone()))
        .await?
        .is_some()
    {
        bail!(
            "{} already stands as a candidate: `medchain status` shows it",
            address(&account)
        );
    }
    let role = chain::role(&client, org, &account).await?;
    if !matches!(role, Some(chain::Role::Admin)) {
        bail!(
            "--as {} is not an admin of organisation {org}: only its admin stands for it",
            me.name
        );
    }
    if let Some(other) = storage
        .fetch(&runtime::storage().kdpos().candidate_of(org))
        .await?
    {
        bail!(
            "organisation {org} already has a candidate, {}: one seat per organisation",
            address(&other)
        );
    }
    // Keys come from the hospital's own node: its RPC must allow unsafe methods (loopback).
    let node_url = node_rpc.unwrap_or(&ctx.global.url);
    let rpc = RpcClient::from_url(node_url).await.map_err(|e| {
        anyhow!("cannot reach the validator node at {node_url} ({e}): pass --node-rpc")
    })?;
    let owner = format!("0x{}", hex::encode(account.0));
    let generated: serde_json::Value = rpc
        .request("author_rotateKeysWithOwner", rpc_params![owner])
        .await
        .map_err(|e| {
            anyhow!("the node at {node_url} did not make session keys ({e}): run this against your own validator node, whose RPC allows unsafe methods on loopback")
        })?;
    let keys_bytes = hex_bytes(&generated, "keys")?;
    let proof = hex_bytes(&generated, "proof")?;
    // The node's keys are SCALE bytes of the runtime's SessionKeys: decoded by its metadata type.
    let metadata = client.metadata();
    let keys_type = metadata
        .pallet_by_name("Session")
        .and_then(|p| p.call_variant_by_name("set_keys"))
        .and_then(|call| call.fields.first())
        .map(|field| field.ty.id)
        .ok_or_else(|| anyhow!("this runtime has no session.setKeys"))?;
    let keys = runtime::runtime_types::medchain_runtime::opaque::SessionKeys::decode_as_type(
        &mut &keys_bytes[..],
        keys_type,
        metadata.types(),
    )
    .map_err(|e| anyhow!("the node's session keys do not fit this runtime: {e}"))?;
    let signer = me.signer()?;
    let keyed = chain::submit(
        &client,
        &runtime::tx().session().set_keys(keys, proof),
        &signer,
    )
    .await?;
    let stood = chain::submit(
        &client,
        &runtime::tx().kdpos().register_candidate(org, bond),
        &signer,
    )
    .await?;
    let who = address(&account);
    ctx.print(
        json!({
            "account": who,
            "org": org,
            "bond": bond.to_string(),
            "session_keys": format!("0x{}", hex::encode(&keys_bytes)),
            "keys_block": keyed.block,
            "candidate_block": stood.block,
        }),
        || {
            format!(
                "{who} stands for organisation {org} with {} MED bonded (block {}); session keys 0x{} registered (block {}).\n\
                 The election counts it from the first era whose books close after now; `medchain status` shows its class.",
                bond / formats::UNIT,
                stood.block,
                hex::encode(&keys_bytes),
                keyed.block
            )
        },
    );
    Ok(())
}

//! `medchain council`: the motions of the consortium's council, one seat per hospital (its
//! admin's account), which pass with two thirds of the seats (runtime/src/configs/governance.rs).
//! A seated admin proposes (and so votes aye), the others vote, and anyone closes a motion once it
//! has its votes. What only Root may do (a runtime upgrade) is proposed with `--root`: the motion
//! whitelists the call and dispatches it as Root in one batch.

use crate::chain::{self, runtime, Client};
use crate::context::Context;
use crate::keys::{address, parse_account};
use anyhow::{anyhow, bail, Context as _, Result};
use clap::Subcommand;
use serde_json::json;
use std::path::PathBuf;
use subxt::config::Hasher;
use subxt::ext::scale_decode::DecodeAsType;
use subxt::ext::scale_encode::EncodeAsType;
use subxt::utils::H256;

use runtime::runtime_types::medchain_runtime::RuntimeCall;

#[derive(Subcommand)]
pub enum CouncilCommand {
    /// Propose a motion (as a seated admin), voting aye on it.
    ///
    /// Example: medchain --as hospital council propose void-anchors --org 0 --seq 3
    #[command(subcommand)]
    Propose(Motion),
    /// Vote on an open motion, by its index.
    ///
    /// Example: medchain --as clinic-b council vote 4 --aye
    Vote {
        index: u32,
        #[arg(long, conflicts_with = "nay", required_unless_present = "nay")]
        aye: bool,
        #[arg(long)]
        nay: bool,
    },
    /// Close a motion that has its votes (or whose time is up): it runs if it passed.
    Close { index: u32 },
    /// The open motions: index, what they call, votes and threshold.
    Motions,
}

#[derive(Subcommand)]
pub enum Motion {
    /// Admit a hospital: register its organisation with this first admin, and seat the admin.
    RegisterOrg {
        #[arg(long)]
        admin: String,
    },
    /// Void an organisation's anchors from this sequence number on (a runaway anchor).
    VoidAnchors {
        #[arg(long)]
        org: u32,
        #[arg(long)]
        seq: u32,
    },
    /// Authorize a runtime upgrade to this WASM (as Root); anyone then applies it with
    /// `system.applyAuthorizedUpgrade`.
    Upgrade {
        #[arg(long, value_name = "FILE")]
        wasm: PathBuf,
    },
    /// Any call, as the SCALE of a runtime call in hex (Apps' "encoded call data").
    Call {
        /// 0x hex of the call.
        hex: String,
        /// Dispatch it as Root through the whitelist (for calls only Root may make).
        #[arg(long)]
        root: bool,
    },
}

pub async fn run(ctx: &Context, command: CouncilCommand) -> Result<()> {
    let client = ctx.chain().await?;
    match command {
        CouncilCommand::Propose(motion) => propose(ctx, &client, motion).await,
        CouncilCommand::Vote { index, aye, nay } => vote(ctx, &client, index, aye && !nay).await,
        CouncilCommand::Close { index } => close(ctx, &client, index).await,
        CouncilCommand::Motions => motions(ctx, &client).await,
    }
}

/// The SCALE of a runtime call, as the runtime's metadata describes it.
fn encode(client: &Client, call: &RuntimeCall) -> Result<Vec<u8>> {
    let metadata = client.metadata();
    call.encode_as_type(metadata.outer_enums().call_enum_ty(), metadata.types())
        .map_err(|e| anyhow!("the call does not fit this runtime: {e}"))
}

/// `call` dispatched as Root: whitelisted and dispatched by the same motion.
fn as_root(client: &Client, call: RuntimeCall) -> Result<RuntimeCall> {
    use runtime::runtime_types::{pallet_utility, pallet_whitelist};
    let hash = client.hasher().hash(&encode(client, &call)?);
    Ok(RuntimeCall::Utility(
        pallet_utility::pallet::Call::batch_all {
            calls: vec![
                RuntimeCall::Whitelist(pallet_whitelist::pallet::Call::whitelist_call {
                    call_hash: hash,
                }),
                RuntimeCall::Whitelist(
                    pallet_whitelist::pallet::Call::dispatch_whitelisted_call_with_preimage {
                        call: Box::new(call),
                    },
                ),
            ],
        },
    ))
}

fn motion_call(client: &Client, motion: Motion) -> Result<RuntimeCall> {
    use runtime::runtime_types::{
        frame_system, pallet_medical_records, pallet_membership, pallet_utility,
    };
    Ok(match motion {
        Motion::RegisterOrg { admin } => {
            let admin = parse_account(&admin, "--admin")?;
            RuntimeCall::Utility(pallet_utility::pallet::Call::batch_all {
                calls: vec![
                    RuntimeCall::MedicalRecords(
                        pallet_medical_records::pallet::Call::register_organisation {
                            admin: admin.clone(),
                        },
                    ),
                    RuntimeCall::CouncilMembership(pallet_membership::pallet::Call::add_member {
                        who: subxt::utils::MultiAddress::Id(admin),
                    }),
                ],
            })
        }
        Motion::VoidAnchors { org, seq } => {
            RuntimeCall::MedicalRecords(pallet_medical_records::pallet::Call::void_anchors {
                org,
                first: seq,
            })
        }
        Motion::Upgrade { wasm } => {
            let code = std::fs::read(&wasm)
                .with_context(|| format!("cannot read --wasm {}", wasm.display()))?;
            if !code.starts_with(b"\0asm") && !code.starts_with(&[0x52, 0xbc, 0x53, 0x76]) {
                bail!(
                    "--wasm {} is not a runtime (neither WASM nor a compressed WASM blob)",
                    wasm.display()
                );
            }
            as_root(
                client,
                RuntimeCall::System(frame_system::pallet::Call::authorize_upgrade {
                    code_hash: client.hasher().hash(&code),
                }),
            )?
        }
        Motion::Call { hex, root } => {
            let bytes = hex::decode(hex.trim_start_matches("0x"))
                .map_err(|_| anyhow!("the call is not hex"))?;
            let metadata = client.metadata();
            let call = RuntimeCall::decode_as_type(
                &mut &bytes[..],
                metadata.outer_enums().call_enum_ty(),
                metadata.types(),
            )
            .map_err(|e| anyhow!("the hex is not a call of this runtime: {e}"))?;
            if root {
                as_root(client, call)?
            } else {
                call
            }
        }
    })
}

async fn seats(client: &Client) -> Result<Vec<subxt::utils::AccountId32>> {
    Ok(client
        .storage()
        .at_latest()
        .await?
        .fetch(&runtime::storage().council().members())
        .await?
        .unwrap_or_default())
}

/// Two thirds of the seats, rounded up: what `CouncilTwoThirds` requires.
fn two_thirds(seats: usize) -> u32 {
    (seats as u32 * 2).div_ceil(3)
}

async fn propose(ctx: &Context, client: &Client, motion: Motion) -> Result<()> {
    let me = ctx.identity()?;
    let account = me.account()?;
    let seated = seats(client).await?;
    if !seated.contains(&account) {
        bail!(
            "--as {} ({}) holds no council seat: only a member hospital's admin proposes",
            me.name,
            address(&account)
        );
    }
    let call = motion_call(client, motion)?;
    let length = encode(client, &call)?.len() as u32;
    let threshold = two_thirds(seated.len());
    let signer = me.signer()?;
    let done = chain::submit(
        client,
        &runtime::tx().council().propose(threshold, call, length),
        &signer,
    )
    .await?;
    let proposed = done
        .events
        .find_first::<runtime::council::events::Proposed>()?
        .ok_or_else(|| {
            anyhow!("the council opened no motion (a threshold below two seats runs at once)")
        })?;
    let (index, hash) = (proposed.proposal_index, proposed.proposal_hash);
    chain::submit(
        client,
        &runtime::tx().council().vote(hash, index, true),
        &signer,
    )
    .await?;
    ctx.print(
        json!({ "index": index, "hash": format!("{hash:?}"), "threshold": threshold, "seats": seated.len(), "block": done.block }),
        || {
            format!(
                "motion {index} ({hash:?}) proposed in block {}, with your aye: it passes with {threshold} of {} seats (`medchain council vote {index} --aye`, then `medchain council close {index}`)",
                done.block,
                seated.len()
            )
        },
    );
    Ok(())
}

type Votes = runtime::runtime_types::pallet_collective::Votes<subxt::utils::AccountId32, u32>;

/// Every open motion: its hash and votes.
async fn open_motions(client: &Client) -> Result<Vec<(H256, Votes)>> {
    let storage = client.storage().at_latest().await?;
    let hashes = storage
        .fetch(&runtime::storage().council().proposals())
        .await?
        .map(|b| b.0)
        .unwrap_or_default();
    let mut open = Vec::new();
    for hash in hashes {
        if let Some(votes) = storage
            .fetch(&runtime::storage().council().voting(hash))
            .await?
        {
            open.push((hash, votes));
        }
    }
    Ok(open)
}

/// The open motion with this index: its hash and votes.
async fn find(client: &Client, index: u32) -> Result<(H256, Votes)> {
    open_motions(client)
        .await?
        .into_iter()
        .find(|(_, votes)| votes.index == index)
        .ok_or_else(|| anyhow!("no open motion {index}: `medchain council motions` lists them"))
}

async fn vote(ctx: &Context, client: &Client, index: u32, aye: bool) -> Result<()> {
    let me = ctx.identity()?;
    let (hash, _) = find(client, index).await?;
    let done = chain::submit(
        client,
        &runtime::tx().council().vote(hash, index, aye),
        &me.signer()?,
    )
    .await?;
    let (_, votes) = find(client, index).await?;
    let passes = votes.ayes.len() as u32 >= votes.threshold;
    ctx.print(
        json!({ "index": index, "aye": aye, "ayes": votes.ayes.len(), "nays": votes.nays.len(), "threshold": votes.threshold, "block": done.block }),
        || {
            format!(
                "voted {} on motion {index}: {} aye, {} nay of {} needed{}",
                if aye { "aye" } else { "nay" },
                votes.ayes.len(),
                votes.nays.len(),
                votes.threshold,
                if passes { format!(": it passes, `medchain council close {index}` runs it") } else { String::new() }
            )
        },
    );
    Ok(())
}

async fn close(ctx: &Context, client: &Client, index: u32) -> Result<()> {
    let me = ctx.identity()?;
    let (hash, _) = find(client, index).await?;
    let call = client
        .storage()
        .at_latest()
        .await?
        .fetch(&runtime::storage().council().proposal_of(hash))
        .await?
        .ok_or_else(|| anyhow!("motion {index} has no call stored"))?;
    let length = encode(client, &call)?.len() as u32;
    // The bound the council allows any motion; the close is charged for what the call used.
    let weight = client
        .constants()
        .at(&runtime::constants().council().max_proposal_weight())
        .context("reading council.maxProposalWeight")?;
    let done = chain::submit(
        client,
        &runtime::tx().council().close(hash, index, weight, length),
        &me.signer()?,
    )
    .await?;
    use runtime::council::events::{Disapproved, Executed};
    if done.events.find_first::<Disapproved>()?.is_some() {
        bail!("motion {index} was closed without two thirds of the seats: it did not pass, and nothing ran");
    }
    let executed = done.events.find_first::<Executed>()?.ok_or_else(|| {
        anyhow!("motion {index} was closed but did not run: it has not its votes yet")
    })?;
    if let Err(e) = &executed.result {
        bail!(
            "motion {index} passed, but its call failed: {}",
            explain_dispatch(client, e)
        );
    }
    ctx.print(
        json!({ "index": index, "executed": true, "block": done.block }),
        || format!("motion {index} passed and ran in block {}", done.block),
    );
    Ok(())
}

/// A dispatch error the council reports, named by pallet and error as the chain's errors are.
fn explain_dispatch(
    client: &Client,
    e: &runtime::runtime_types::sp_runtime::DispatchError,
) -> String {
    let metadata = client.metadata();
    // The error's type: the `result` field of `council.Executed`, a Result<(), DispatchError>.
    let ty = metadata
        .pallet_by_name("Council")
        .and_then(|p| {
            p.event_variants()
                .and_then(|v| v.iter().find(|v| v.name == "Executed"))
        })
        .and_then(|v| {
            v.fields
                .iter()
                .find(|f| f.name.as_deref() == Some("result"))
        })
        .map(|f| f.ty.id);
    let bytes = ty.and_then(|ty| {
        let result: Result<(), runtime::runtime_types::sp_runtime::DispatchError> = Err(e.clone());
        result.encode_as_type(ty, metadata.types()).ok()
    });
    bytes
        .and_then(|b| b.get(1..).map(|b| b.to_vec()))
        .and_then(|b| subxt::error::DispatchError::decode_from(b, metadata).ok())
        .map(|e| chain::explain(subxt::Error::Runtime(e)).to_string())
        .unwrap_or_else(|| format!("{e:?}"))
}

async fn motions(ctx: &Context, client: &Client) -> Result<()> {
    let storage = client.storage().at_latest().await?;
    let mut out = Vec::new();
    for (hash, votes) in open_motions(client).await? {
        let call = storage
            .fetch(&runtime::storage().council().proposal_of(hash))
            .await?
            .map(|c| encode(client, &c).map(|b| format!("0x{}", hex::encode(b))))
            .transpose()?;
        out.push(json!({
            "index": votes.index,
            "hash": format!("{hash:?}"),
            "call": call,
            "ayes": votes.ayes.iter().map(address).collect::<Vec<_>>(),
            "nays": votes.nays.iter().map(address).collect::<Vec<_>>(),
            "threshold": votes.threshold,
            "end": votes.end,
        }));
    }
    ctx.print(json!(out), || {
        if out.is_empty() {
            return "no open motions".into();
        }
        out.iter()
            .map(|m| {
                format!(
                    "motion {}: {} aye, {} nay of {} needed, open until block {}",
                    m["index"],
                    m["ayes"].as_array().map_or(0, |a| a.len()),
                    m["nays"].as_array().map_or(0, |a| a.len()),
                    m["threshold"],
                    m["end"]
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    });
    Ok(())
}

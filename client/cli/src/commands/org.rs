//! `medchain org`: the settings an organisation's admin makes (its encryption key, its members),
//! and the funds a hospital gives its patients' pseudonyms for their consent calls.

use crate::chain::{self, runtime, Role};
use crate::context::Context;
use crate::keys::{address, parse_account};
use crate::keyserver::client::KeyService;
use anyhow::{anyhow, bail, Result};
use clap::Subcommand;
use runtime::runtime_types::bounded_collections::bounded_vec::BoundedVec;
use serde_json::json;

#[derive(Subcommand)]
pub enum OrgCommand {
    /// Set the organisation's encryption key to its key service's (as an admin). Records the
    /// hospital keeps are sealed to it; only the service holds its secret.
    ///
    /// Example: medchain --as hospital --keyserver http://127.0.0.1:8700 org set-key --org 1
    SetKey {
        #[arg(long)]
        org: u32,
        /// The public key (hex) `medchain keyserver init` printed, or an HSM's [default: the
        /// --keyserver's].
        // Its own id: `key` is the global `--as`'s.
        #[arg(long = "key", id = "org_public_key", value_name = "HEX")]
        public_key: Option<String>,
    },
    /// Move the organisation to a new key (as an admin, with --keyserver): the key service makes
    /// the key, the chain takes it, every record the organisation keeps is re-sealed to it, and
    /// then the service destroys the old secret. Records sealed to a key the service never held
    /// (an admin's own, set with `org set-key --key` before the service) are re-sealed too when
    /// the --as key file opens them: they move into the service's custody. Safe to run again
    /// after an interruption.
    ///
    /// Example: medchain --as hospital --keyserver http://127.0.0.1:8700 org rotate-key --org 1
    RotateKey {
        #[arg(long)]
        org: u32,
    },
    /// Add a member to the organisation (as an admin).
    ///
    /// Example: medchain --as hospital org add-member --org 0 --account 5FLS… --role clinician
    AddMember {
        #[arg(long)]
        org: u32,
        #[arg(long, value_name = "ACCOUNT")]
        account: String,
        /// admin, clinician or anchorer.
        #[arg(long)]
        role: String,
    },
    /// Fund a patient's pseudonym at the organisation (as one of its members: a hospital account,
    /// never a clinician's own, whose name would tell the patient's care), so that the patient
    /// grants and revokes with no funds of their own and nothing links the pseudonym to them.
    /// It pays the calls' fees and the deposits their grants hold, which come back to it.
    ///
    /// Example: medchain --as desk org sponsor --org 0 5HpG… --amount 5
    Sponsor {
        #[arg(long)]
        org: u32,
        /// The patient's pseudonym here (`medchain key pseudonym ORG` shows it).
        patient: String,
        /// MED to send: enough for a registration, a care relationship and some dozen grants.
        #[arg(long, value_name = "MED", default_value = "5")]
        amount: String,
    },
    /// Remove a member (as an admin): from the next block they open nothing the organisation
    /// keeps, and its key service answers them no more.
    ///
    /// Example: medchain --as hospital org remove-member --org 0 --account 5FLS…
    RemoveMember {
        #[arg(long)]
        org: u32,
        #[arg(long, value_name = "ACCOUNT")]
        account: String,
    },
}

pub async fn run(ctx: &Context, command: OrgCommand) -> Result<()> {
    match command {
        OrgCommand::SetKey { org, public_key } => {
            let me = ctx.identity()?;
            let client = ctx.chain().await?;
            let (public, from) = match (public_key, ctx.keyserver_url()) {
                (Some(hex), _) => (
                    crate::keyserver::protocol::unhex::<32>(&hex, "--key")
                        .map_err(|e| anyhow!(e))?,
                    "--key".to_string(),
                ),
                (None, Some(url)) => {
                    let service = KeyService::new(url)?;
                    let info = service.info().await?;
                    match KeyService::org_on(&info, &client.genesis_hash().0) {
                        Some(o) if o == org => {}
                        Some(o) => bail!("the key service at {url} holds organisation {o}'s key on this chain, not organisation {org}'s"),
                        None => bail!("the key service at {url} does not serve this chain: start it with --url (or --consortium) naming this chain"),
                    }
                    (
                        crate::keyserver::protocol::unhex::<32>(&info.public_key, "its public key")
                            .map_err(|e| anyhow!("the key service at {url} sent {e}"))?,
                        format!("the key service at {url}"),
                    )
                }
                (None, None) => bail!(
                    "whose key? pass --keyserver URL, the hospital's key service, or --key HEX; \
                     a person's own key is never the organisation's"
                ),
            };
            let done = chain::submit(
                &client,
                &runtime::tx()
                    .medical_records()
                    .set_organisation_key(org, public),
                &me.signer()?,
            )
            .await?;
            ctx.print(
                json!({ "org": org, "key": hex::encode(public), "block": done.block }),
                || {
                    format!(
                        "organisation {org}'s key is now {from}'s ({}) in block {}",
                        hex::encode(public),
                        done.block
                    )
                },
            );
            Ok(())
        }
        OrgCommand::RotateKey { org } => rotate_key(ctx, org).await,
        OrgCommand::AddMember { org, account, role } => {
            let member = parse_account(&account, "--account")?;
            let role = match role.to_ascii_lowercase().as_str() {
                "admin" => Role::Admin,
                "clinician" => Role::Clinician,
                "anchorer" => Role::Anchorer,
                other => bail!("--role '{other}' is not admin, clinician or anchorer"),
            };
            let done = ctx
                .submit_as(
                    &ctx.identity()?,
                    runtime::tx()
                        .medical_records()
                        .add_member(org, member.clone(), role),
                )
                .await?;
            ctx.print(
                json!({ "org": org, "member": address(&member), "block": done.block }),
                || {
                    format!(
                        "{} joined organisation {org} in block {}",
                        address(&member),
                        done.block
                    )
                },
            );
            Ok(())
        }
        OrgCommand::Sponsor {
            org,
            patient,
            amount,
        } => {
            let patient = parse_account(&patient, "the patient")?;
            let amount = crate::formats::parse_med(&amount, "--amount")?;
            let me = ctx.identity()?;
            let client = ctx.chain().await?;
            if chain::role(&client, org, &me.account()?).await?.is_none() {
                bail!(
                    "--as {} ({}) is not a member of organisation {org}: a hospital sponsors its own patients",
                    me.name,
                    address(&me.account()?)
                );
            }
            let call = runtime::tx()
                .balances()
                .transfer_keep_alive(subxt::utils::MultiAddress::Id(patient.clone()), amount);
            let done = chain::submit(&client, &call, &me.signer()?).await?;
            ctx.print(
                json!({ "org": org, "patient": address(&patient), "amount": amount.to_string(), "block": done.block }),
                || {
                    format!(
                        "{} received {} MED from organisation {org}'s {} for its consent calls (block {})",
                        address(&patient),
                        crate::formats::show_med(amount),
                        me.name,
                        done.block
                    )
                },
            );
            Ok(())
        }
        OrgCommand::RemoveMember { org, account } => {
            let member = parse_account(&account, "--account")?;
            let done = ctx
                .submit_as(
                    &ctx.identity()?,
                    runtime::tx()
                        .medical_records()
                        .remove_member(org, member.clone()),
                )
                .await?;
            ctx.print(
                json!({ "org": org, "member": address(&member), "block": done.block }),
                || {
                    format!(
                        "{} left organisation {org} in block {}",
                        address(&member),
                        done.block
                    )
                },
            );
            Ok(())
        }
    }
}

/// Submits `items` to organisation `org`'s re-seal call `call`, `max` a call, saying after each
/// how many `what` are left.
async fn in_calls<K: Clone, P: subxt::tx::Payload>(
    ctx: &Context,
    me: &crate::keys::Identity,
    (org, max): (u32, usize),
    what: &str,
    items: &[K],
    call: impl Fn(Vec<K>) -> P,
) -> Result<()> {
    let mut to_go = items.len();
    for chunk in items.chunks(max.max(1)) {
        let done = ctx.submit_as(me, call(chunk.to_vec())).await?;
        to_go -= chunk.len();
        ctx.say(
            json!({ "org": org, "resealed": chunk.len(), "of": what, "remaining": to_go, "block": done.block }),
            || {
                format!(
                    "re-sealed {} {what} in block {} ({to_go} to go)",
                    chunk.len(),
                    done.block
                )
            },
        );
    }
    Ok(())
}

/// `org rotate-key`: begin (the service's next key), set it on chain, re-seal in batches until
/// none is left, finish (the service destroys the old secret).
async fn rotate_key(ctx: &Context, org: u32) -> Result<()> {
    use crate::keyserver::{client::sent, protocol::RotateStep};
    let me = ctx.identity()?;
    let client = ctx.chain().await?;
    let genesis = client.genesis_hash().0;
    let service = ctx.key_service(org)?;
    let begun = service
        .rotate(&me, &genesis, org, RotateStep::Begin)
        .await?;
    let next = sent::<32>(&begun.next_public_key, "the next key")?;
    let on_chain = chain::organisation(&client, org, chain::On::Url).await?.key;
    if on_chain != Some(next) {
        let done = ctx
            .submit_as(
                &me,
                runtime::tx()
                    .medical_records()
                    .set_organisation_key(org, next),
            )
            .await?;
        ctx.say(
            json!({ "org": org, "key": hex::encode(next), "block": done.block }),
            || {
                format!(
                    "organisation {org}'s key is now the service's next key ({}), block {}",
                    hex::encode(next),
                    done.block
                )
            },
        );
    }
    // One answer holds every record still to move; `resealForCustodian` takes `MaxReseal` a call.
    let max = client
        .constants()
        .at(&runtime::constants().medical_records().max_reseal())? as usize;
    let batch = service
        .rotate(&me, &genesis, org, RotateStep::Reseal)
        .await?;
    let mut keys = Vec::with_capacity(batch.resealed.len());
    for r in &batch.resealed {
        keys.push((r.record, sent::<80>(&r.sealed, "a re-sealed key")?));
    }
    let resealed = keys.len();
    // Records sealed to a key the service never held: the admin's own key file may open them (an
    // organisation key set from it before the service); those move into the service's custody.
    let mut adopted = Vec::new();
    let mut stranded = Vec::new();
    for record in batch.stranded {
        let view = chain::find_record(&client, record).await?;
        let opened = view.and_then(|v| {
            crate::crypto::open(&v.record.key_for_custodian, me.encryption_secret()).ok()
        });
        match opened {
            Some(data_key) => {
                keys.push((record, crate::crypto::seal(&data_key, &next)?));
                adopted.push(record);
            }
            None => stranded.push(record),
        }
    }
    in_calls(ctx, &me, (org, max), "records", &keys, |call| {
        runtime::tx()
            .medical_records()
            .reseal_for_custodian(org, BoundedVec(call))
    })
    .await?;
    // The patients' type keys, with which the service tags their new records.
    let mut care = Vec::with_capacity(batch.care.len());
    for c in &batch.care {
        care.push((
            crate::keys::parse_account(&c.patient, "the key service's patient")?,
            sent::<80>(&c.sealed, "a re-sealed type key")?,
        ));
    }
    let type_keys = care.len();
    in_calls(ctx, &me, (org, max), "patients' type keys", &care, |call| {
        runtime::tx()
            .medical_records()
            .reseal_type_keys(org, BoundedVec(call))
    })
    .await?;
    let finished = service
        .rotate(&me, &genesis, org, RotateStep::Finish)
        .await?;
    ctx.print(
        json!({
            "org": org, "key": hex::encode(next), "resealed": resealed, "type_keys": type_keys, "adopted": adopted,
            "stranded": stranded, "old_key_destroyed": finished.finished,
        }),
        || {
            let taken = if adopted.is_empty() {
                String::new()
            } else {
                format!(
                    "; {} records sealed to your own key moved into the service's custody (records {:?})",
                    adopted.len(),
                    adopted
                )
            };
            let left = if stranded.is_empty() {
                String::new()
            } else {
                format!(
                    "; {} records are sealed to a key the service never held (records {:?}) and stay as they are",
                    stranded.len(),
                    stranded
                )
            };
            format!(
                "organisation {org} moved to key {}: {resealed} records and {type_keys} patients' type keys re-sealed, the old secret destroyed{taken}{left}",
                hex::encode(next)
            )
        },
    );
    Ok(())
}

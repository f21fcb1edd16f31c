//! Care relationships, as the patient: `medchain care grant|end|list`. A hospital indexes records
//! about a patient only while the patient authorises it. The patient acts under their pseudonym
//! at that hospital (`medchain key pseudonym`), never under one account everywhere.

use crate::chain::{self, runtime, Client};
use crate::context::Context;
use crate::keys::{address, parse_account, Identity};
use anyhow::{bail, Result};
use clap::Subcommand;
use serde_json::json;

#[derive(Subcommand)]
pub enum CareCommand {
    /// Authorise a hospital to index records about you (as the patient), under your pseudonym
    /// there, whose encryption key is registered first if it is not yet. Give the hospital the
    /// pseudonym this prints; it funds the pseudonym's consent calls (`medchain org sponsor`).
    ///
    /// Example: medchain --as patient care grant 0
    Grant {
        /// The hospital's organisation id.
        org: u32,
        /// Authorise it under the key's own account instead (with that account's funds). For
        /// records brought from a private chain: an import keeps the patient the record has
        /// there, so a patient whose records are imported uses one account on both chains.
        #[arg(long)]
        own_account: bool,
    },
    /// End a hospital's care relationship: it indexes no more records about you (those it made
    /// stay, and so do your grants of them).
    End {
        /// The hospital's organisation id.
        org: u32,
    },
    /// The hospitals a patient authorises [default: the --as key's, under each of its
    /// pseudonyms on this chain].
    List {
        #[arg(long, value_name = "ACCOUNT")]
        patient: Option<String>,
    },
}

pub async fn run(ctx: &Context, command: CareCommand) -> Result<()> {
    match command {
        CareCommand::Grant { org, own_account } => grant(ctx, org, own_account).await,
        CareCommand::End { org } => {
            let me = ctx.identity()?;
            let client = ctx.chain().await?;
            // The pseudonym's relationship, or one the patient's own account made before
            // pseudonyms.
            let pseudonym = me.pseudonym(&client.genesis_hash().0, org)?;
            let who =
                if in_care(&client, &pseudonym, org).await? || !in_care(&client, &me, org).await? {
                    pseudonym
                } else {
                    me
                };
            let call = runtime::tx().medical_records().end_care(org);
            let done = chain::submit(&client, &call, &who.signer()?).await?;
            ctx.print(
                json!({ "org": org, "patient": address(&who.account()?), "block": done.block }),
                || {
                    format!(
                        "organisation {org} indexes no more records about you (ended in block {})",
                        done.block
                    )
                },
            );
            Ok(())
        }
        CareCommand::List { patient } => {
            let client = ctx.chain().await?;
            let patients = match patient {
                Some(p) => vec![parse_account(&p, "--patient")?],
                None => chain::patient_accounts(&client, &ctx.identity()?).await?,
            };
            let mut rows = Vec::new();
            for patient in patients {
                rows.extend(care_of(&client, &patient).await?.into_iter().map(|(org, since)| {
                    json!({ "org": org, "patient": address(&patient), "since": since })
                }));
            }
            ctx.print(json!(rows), || {
                if rows.is_empty() {
                    return "no hospital is authorised".into();
                }
                rows.iter()
                    .map(|r| {
                        format!(
                            "organisation {}  since block {}  as {}",
                            r["org"],
                            r["since"],
                            r["patient"].as_str().unwrap_or_default()
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
            Ok(())
        }
    }
}

/// `care grant`: the pseudonym at `org` (or the key's own account) registers its encryption key
/// (once) and authorises `org`.
async fn grant(ctx: &Context, org: u32, own_account: bool) -> Result<()> {
    let me = ctx.identity()?;
    let client = ctx.chain().await?;
    chain::organisation(&client, org, chain::On::Url).await?;
    let pseudonym = if own_account {
        me
    } else {
        me.pseudonym(&client.genesis_hash().0, org)?
    };
    let account = pseudonym.account()?;
    if !own_account && chain::free_balance(&client, &account).await? == 0 {
        bail!(
            "your pseudonym at organisation {org}, {}, holds nothing to pay for its calls: the hospital funds it (a hospital account runs `medchain org sponsor --org {org} {}`); funding it from an account of yours would link it to you",
            address(&account),
            address(&account)
        );
    }
    let signer = pseudonym.signer()?;
    let registered = chain::query(
        &client,
        runtime::apis()
            .medical_records_api()
            .encryption_key(account.clone()),
    )
    .await?;
    if registered != Some(pseudonym.encryption_public()) {
        let call = runtime::tx()
            .medical_records()
            .set_encryption_key(pseudonym.encryption_public());
        chain::submit(&client, &call, &signer).await?;
    }
    let call = runtime::tx().medical_records().grant_care(org);
    let done = chain::submit(&client, &call, &signer).await?;
    ctx.print(
        json!({ "org": org, "patient": address(&account), "encryption_key": hex::encode(pseudonym.encryption_public()), "block": done.block }),
        || {
            format!(
                "organisation {org} may index records about you as {} (authorised in block {}): give the hospital this account",
                address(&account),
                done.block
            )
        },
    );
    Ok(())
}

/// The organisations `patient` authorises, each with the block since when.
async fn care_of(client: &Client, patient: &chain::AccountId) -> Result<Vec<(u32, u32)>> {
    let care = chain::query(
        client,
        runtime::apis()
            .medical_records_api()
            .care_of(patient.clone()),
    )
    .await?;
    Ok(care.iter().map(|c| (c.org, c.care.since)).collect())
}

async fn in_care(client: &Client, who: &Identity, org: u32) -> Result<bool> {
    Ok(care_of(client, &who.account()?)
        .await?
        .iter()
        .any(|(o, _)| *o == org))
}

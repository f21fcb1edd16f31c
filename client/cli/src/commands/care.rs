//! Care relationships, as the patient: `medchain care grant|end|list`. A hospital indexes records
//! about a patient only while the patient authorises it. The patient acts under their pseudonym
//! at that hospital (`medchain key pseudonym`), never under one account everywhere.

use crate::chain::{self, runtime, Client};
use crate::context::Context;
use crate::keys::{address, parse_account, Identity};
use crate::keyserver::protocol::{self, ImportConsent, IMPORT_CONSENT_FORMAT};
use anyhow::{anyhow, bail, Context as _, Result};
use clap::Subcommand;
use serde_json::json;
use std::path::{Path, PathBuf};

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
        /// Authorise it under the key's own account instead (with that account's funds).
        #[arg(long)]
        own_account: bool,
    },
    /// Let a hospital bring its records about you from its private chain into this consortium
    /// chain (--url), under your account here (your pseudonym, once `care grant ORG` made it):
    /// writes a consent signed by your account at the private chain. Give the file to the
    /// hospital; its clinician passes it to `medchain record import --consent`. It links your two
    /// accounts for that hospital only, never on chain.
    ///
    /// Example: medchain --url ws://consortium:9944 --as patient care consent-import 0 --from ws://hospital:9955 --private-org 0 -o dave.consent.json
    ConsentImport {
        /// The hospital's organisation id on this chain.
        org: u32,
        /// The hospital's private chain (its node's URL).
        #[arg(long, value_name = "WS_URL")]
        from: String,
        /// The hospital's organisation id on its private chain.
        #[arg(long, value_name = "ORG")]
        private_org: u32,
        /// Write the consent here [default: stdout].
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
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
        CareCommand::ConsentImport {
            org,
            from,
            private_org,
            output,
        } => consent_import(ctx, (org, private_org), &from, output.as_deref()).await,
        CareCommand::End { org } => {
            let me = ctx.identity()?;
            let client = ctx.chain().await?;
            // The pseudonym's relationship, or one the patient's own account made before
            // pseudonyms (with neither, the pseudonym's call says there is none).
            let who = match patient_in_care(&client, &me, org).await? {
                Some(who) => who,
                None => me.pseudonym(&client.genesis_hash().0, org)?,
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
    // The patient's type key goes to the hospital sealed to its key (its key service tags the
    // types of records about the patient with it): no key, no care.
    let org_key = chain::organisation_key(&client, org, chain::On::Url).await?;
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
    let type_key = crate::crypto::type_key(pseudonym.encryption_secret())?;
    let call = runtime::tx()
        .medical_records()
        .grant_care(org, crate::crypto::seal(&type_key, &org_key)?);
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

/// `care consent-import`: the patient's account at `private_org` of the private chain `from`
/// signs that `org`'s records about it are imported under the patient's account in `org`'s care
/// here.
async fn consent_import(
    ctx: &Context,
    (org, private_org): (u32, u32),
    from: &str,
    output: Option<&Path>,
) -> Result<()> {
    let me = ctx.identity()?;
    let consortium = ctx.chain().await?;
    let private = chain::connect(from).await?;
    if private.genesis_hash() == consortium.genesis_hash() {
        bail!("--from {from} is this chain: give the hospital's private chain");
    }
    let there = patient_in_care(&private, &me, private_org)
        .await?
        .ok_or_else(|| {
            anyhow!(
                "you have not authorised organisation {private_org} on the private chain at {from}: it holds no records about you"
            )
        })?;
    let here = patient_in_care(&consortium, &me, org)
        .await?
        .ok_or_else(|| {
            anyhow!(
                "you have not authorised organisation {org} on this chain: run `medchain care grant {org}` first"
            )
        })?;
    let (private_genesis, consortium_genesis) =
        (private.genesis_hash().0, consortium.genesis_hash().0);
    let patient = here.account()?;
    let signature = there.signer()?.sign(&protocol::import_consent_message(
        (&private_genesis, private_org),
        (&consortium_genesis, org),
        &patient.0,
    ));
    let consent = ImportConsent {
        format: IMPORT_CONSENT_FORMAT.into(),
        private_genesis: hex::encode(private_genesis),
        private_org,
        consortium_genesis: hex::encode(consortium_genesis),
        org,
        patient: address(&patient),
        signer: address(&there.account()?),
        signature: hex::encode(signature.0),
    };
    let text = serde_json::to_string_pretty(&consent)?;
    match output {
        Some(path) => {
            std::fs::write(path, format!("{text}\n"))
                .with_context(|| format!("cannot write -o {}", path.display()))?;
            ctx.print(
                json!({ "consent": path.display().to_string(), "patient": consent.patient, "org": org }),
                || {
                    format!(
                        "{}: organisation {org} may import its records about you as {}; give it this file",
                        path.display(),
                        consent.patient
                    )
                },
            );
        }
        None => println!("{text}"),
    }
    Ok(())
}

/// The patient's account in `org`'s care on `client`'s chain: the pseudonym there, else the
/// identity's own account (care granted before pseudonyms, or with --own-account).
async fn patient_in_care(client: &Client, me: &Identity, org: u32) -> Result<Option<Identity>> {
    let pseudonym = me.pseudonym(&client.genesis_hash().0, org)?;
    if in_care(client, &pseudonym, org).await? {
        return Ok(Some(pseudonym));
    }
    Ok(in_care(client, me, org).await?.then(|| me.clone()))
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

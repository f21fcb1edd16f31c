//! Consent, as the record's patient: `medchain grant`, `revoke` and `grants` (DESIGN.md flow 2).

use crate::chain::{self, runtime};
use crate::context::Context;
use crate::crypto;
use crate::formats;
use crate::keys::{address, parse_account, Identity};
use anyhow::{bail, Result};
use clap::Subcommand;
use runtime::runtime_types::pallet_medical_records::types::GrantBasis;
use serde_json::json;

/// Top-level commands (`medchain grant`, not `medchain consent grant`).
#[derive(Subcommand)]
pub enum ConsentCommand {
    /// Grant a reader access to a record until a block or for a duration (as its patient).
    ///
    /// Example: medchain --as patient grant 7 --to 5Gab… --until 7d
    Grant {
        record: u64,
        /// The reader's account (it must have registered an encryption key).
        #[arg(long, value_name = "ACCOUNT")]
        to: String,
        /// A block number, or a duration from now: 30m, 12h, 7d.
        #[arg(long, value_name = "BLOCK|DURATION")]
        until: String,
    },
    /// Revoke a reader's access to a record (as its patient).
    Revoke {
        record: u64,
        #[arg(long, value_name = "ACCOUNT")]
        from: String,
    },
    /// List a record's grants.
    Grants { record: u64 },
}

pub async fn run(ctx: &Context, command: ConsentCommand) -> Result<()> {
    match command {
        ConsentCommand::Grant { record, to, until } => grant(ctx, record, &to, &until).await,
        ConsentCommand::Revoke { record, from } => {
            let grantee = parse_account(&from, "--from")?;
            let client = ctx.chain().await?;
            let view = chain::record_view(&client, record).await?;
            let me = the_patient(&client, &ctx.identity()?, &view, "revokes")?;
            let done = chain::submit(
                &client,
                &runtime::tx()
                    .medical_records()
                    .revoke_access(record, grantee.clone()),
                &me.signer()?,
            )
            .await?;
            ctx.print(
                json!({ "record": record, "revoked": address(&grantee), "block": done.block }),
                || {
                    format!(
                        "revoked {}'s access to record {record} in block {}",
                        address(&grantee),
                        done.block
                    )
                },
            );
            Ok(())
        }
        ConsentCommand::Grants { record } => {
            let client = ctx.chain().await?;
            let grants = chain::query(
                &client,
                runtime::apis().medical_records_api().grants_of(record),
            )
            .await?;
            let rows: Vec<_> = grants
                .iter()
                .map(|g| {
                    json!({
                        "grantee": address(&g.grantee),
                        "basis": basis(&g.grant.basis),
                        "expires_at": g.grant.expires_at,
                        "effective": g.effective,
                    })
                })
                .collect();
            ctx.print(json!(rows), || {
                rows.iter()
                    .map(|r| {
                        format!(
                            "{}  {}  until block {}{}",
                            r["grantee"].as_str().unwrap_or_default(),
                            r["basis"].as_str().unwrap_or_default(),
                            r["expires_at"],
                            if r["effective"] == true {
                                ""
                            } else {
                                "  (expired)"
                            }
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
            Ok(())
        }
    }
}

fn basis(b: &GrantBasis) -> &'static str {
    match b {
        GrantBasis::Patient => "patient",
        GrantBasis::RecordType => "record type",
        GrantBasis::Emergency => "emergency",
    }
}

/// The record's patient among `me` and its pseudonyms (the one at the record's custodian), who
/// alone `does` what the command does.
pub fn the_patient(
    client: &chain::Client,
    me: &Identity,
    view: &chain::RecordView,
    does: &str,
) -> Result<Identity> {
    let record = view.id;
    match me.as_patient(
        &client.genesis_hash().0,
        view.record.custodian,
        &view.record.patient,
    )? {
        Some(patient) => Ok(patient),
        None => bail!(
            "only the patient {does} access: record {record} is {}'s, who is neither --as {} ({}) nor its pseudonym at organisation {}",
            address(&view.record.patient),
            me.name,
            address(&me.account()?),
            view.record.custodian
        ),
    }
}

/// Flow 2: the patient re-seals the record's key to the grantee's registered key.
async fn grant(ctx: &Context, record: u64, to: &str, until: &str) -> Result<()> {
    let grantee = parse_account(to, "--to")?;
    let client = ctx.chain().await?;
    let view = chain::record_view(&client, record).await?;
    let me = the_patient(&client, &ctx.identity()?, &view, "grants")?;
    let until = formats::parse_until(
        until,
        chain::best_block(&client).await?,
        chain::block_ms(&client)?,
    )?;
    let data_key = crypto::open(&view.record.key_for_patient, me.encryption_secret())?;
    let grantee_key = chain::encryption_key_of(&client, &grantee, "grantee").await?;
    let call = runtime::tx().medical_records().grant_access(
        record,
        grantee.clone(),
        until,
        crypto::seal(&data_key, &grantee_key)?,
    );
    let done = chain::submit(&client, &call, &me.signer()?).await?;
    ctx.print(
        json!({ "record": record, "grantee": address(&grantee), "until": until, "block": done.block }),
        || format!("{} may read record {record} until block {until} (granted in block {})", address(&grantee), done.block),
    );
    Ok(())
}

//! Care relationships, as the patient: `medchain care grant|end|list`. A hospital indexes records
//! about a patient only while the patient authorises it.

use crate::chain::{self, runtime};
use crate::context::Context;
use crate::keys::{address, parse_account};
use anyhow::Result;
use clap::Subcommand;
use serde_json::json;

#[derive(Subcommand)]
pub enum CareCommand {
    /// Authorise a hospital to index records about you (as the patient).
    ///
    /// Example: medchain --as patient care grant 0
    Grant {
        /// The hospital's organisation id.
        org: u32,
    },
    /// End a hospital's care relationship: it indexes no more records about you (those it made
    /// stay, and so do your grants of them).
    End {
        /// The hospital's organisation id.
        org: u32,
    },
    /// The hospitals a patient authorises [default: the --as account].
    List {
        #[arg(long, value_name = "ACCOUNT")]
        patient: Option<String>,
    },
}

pub async fn run(ctx: &Context, command: CareCommand) -> Result<()> {
    match command {
        CareCommand::Grant { org } => {
            let done = ctx
                .submit_as(
                    &ctx.identity()?,
                    runtime::tx().medical_records().grant_care(org),
                )
                .await?;
            ctx.print(json!({ "org": org, "block": done.block }), || {
                format!(
                    "organisation {org} may index records about you (authorised in block {})",
                    done.block
                )
            });
            Ok(())
        }
        CareCommand::End { org } => {
            let done = ctx
                .submit_as(
                    &ctx.identity()?,
                    runtime::tx().medical_records().end_care(org),
                )
                .await?;
            ctx.print(json!({ "org": org, "block": done.block }), || {
                format!(
                    "organisation {org} indexes no more records about you (ended in block {})",
                    done.block
                )
            });
            Ok(())
        }
        CareCommand::List { patient } => {
            let patient = match patient {
                Some(p) => parse_account(&p, "--patient")?,
                None => ctx.identity()?.account()?,
            };
            let client = ctx.chain().await?;
            let care = chain::query(
                &client,
                runtime::apis()
                    .medical_records_api()
                    .care_of(patient.clone()),
            )
            .await?;
            let rows: Vec<_> = care
                .iter()
                .map(|c| json!({ "org": c.org, "since": c.care.since }))
                .collect();
            ctx.print(json!(rows), || {
                if rows.is_empty() {
                    return format!("{} authorises no hospital", address(&patient));
                }
                rows.iter()
                    .map(|r| format!("organisation {}  since block {}", r["org"], r["since"]))
                    .collect::<Vec<_>>()
                    .join("\n")
            });
            Ok(())
        }
    }
}

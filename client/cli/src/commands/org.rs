//! `medchain org`: the settings an organisation's admin makes (its encryption key, its members).

use crate::chain::{runtime, Role};
use crate::context::Context;
use crate::keys::{address, parse_account};
use anyhow::{bail, Result};
use clap::Subcommand;
use serde_json::json;

#[derive(Subcommand)]
pub enum OrgCommand {
    /// Set the organisation's encryption key to the --as key's (as an admin).
    SetKey {
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
}

pub async fn run(ctx: &Context, command: OrgCommand) -> Result<()> {
    match command {
        OrgCommand::SetKey { org } => {
            let me = ctx.identity()?;
            let done = ctx
                .submit_as(
                    &me,
                    runtime::tx()
                        .medical_records()
                        .set_organisation_key(org, me.encryption_public()),
                )
                .await?;
            ctx.print(json!({ "org": org, "block": done.block }), || {
                format!(
                    "organisation {org}'s key is now {}'s in block {}",
                    me.name, done.block
                )
            });
            Ok(())
        }
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
    }
}

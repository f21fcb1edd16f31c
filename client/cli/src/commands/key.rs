//! `medchain key`: the identities in the key store (generate, import, list, show), `register`,
//! which puts the --as key's encryption key on chain, and `pseudonym`, the account a patient is
//! known by at one hospital.

use crate::chain::runtime;
use crate::context::Context;
use crate::keys::{address, Identity};
use anyhow::Result;
use clap::Subcommand;
use serde_json::json;

#[derive(Subcommand)]
pub enum KeyCommand {
    /// Make a new account and encryption key, stored encrypted with a passphrase.
    Generate {
        #[arg(long)]
        name: String,
    },
    /// Store an existing account (mnemonic, 0x seed or //Dev) with a new encryption key.
    Import {
        #[arg(long)]
        name: String,
        #[arg(long, env = "MEDCHAIN_SURI", hide_env_values = true)]
        suri: String,
    },
    /// List the stored keys.
    List,
    /// Show a key's account and encryption key [default: --as].
    Show { name: Option<String> },
    /// Register the --as key's encryption key on chain, so records can be sealed to it.
    Register,
    /// Show the pseudonym the --as key (a patient's) has at a hospital on this chain: the account
    /// and encryption key the hospital indexes records under. Each hospital, and each chain, gets
    /// another, so that nothing on chain links a patient's records at two of them.
    ///
    /// Example: medchain --as patient key pseudonym 3
    Pseudonym {
        /// The hospital's organisation id.
        org: u32,
    },
}

pub fn run(ctx: &Context, command: KeyCommand) -> Result<()> {
    match command {
        KeyCommand::Generate { name } => {
            let identity = Identity::generate(&name)?;
            ctx.keys.save(&identity, &ctx.passphrase()?)?;
            show_key(ctx, &name)
        }
        KeyCommand::Import { name, suri } => {
            let identity = Identity::import(&name, &suri)?;
            ctx.keys.save(&identity, &ctx.passphrase()?)?;
            show_key(ctx, &name)
        }
        KeyCommand::List => {
            let names = ctx.keys.list()?;
            ctx.print(json!(names), || names.join("\n"));
            Ok(())
        }
        KeyCommand::Show { name } => {
            let name = match name {
                Some(n) => n,
                None => ctx.key_name()?.to_owned(),
            };
            show_key(ctx, &name)
        }
        KeyCommand::Register => {
            // Unlike the other chain commands, not through context::online: Ctrl-C ends the
            // process as the signal does.
            let runtime = tokio::runtime::Runtime::new()?;
            runtime.block_on(register(ctx))
        }
        KeyCommand::Pseudonym { org } => crate::context::online(async {
            let me = ctx.identity()?;
            let client = ctx.chain().await?;
            let pseudonym = me.pseudonym(&client.genesis_hash().0, org)?;
            let account = address(&pseudonym.account()?);
            let encryption = hex::encode(pseudonym.encryption_public());
            ctx.print(
                    json!({ "org": org, "account": account, "encryption_key": encryption }),
                    || {
                        format!(
                            "{}'s pseudonym at organisation {org}\n  account         {account}\n  encryption key  0x{encryption}",
                            me.name
                        )
                    },
                );
            Ok(())
        }),
    }
}

fn show_key(ctx: &Context, name: &str) -> Result<()> {
    let public = ctx.keys.public(name)?;
    let account = address(&public.account);
    let encryption = hex::encode(public.encryption_key);
    ctx.print(
        json!({ "name": public.name, "account": account, "encryption_key": encryption }),
        || {
            format!(
                "{}\n  account         {account}\n  encryption key  0x{encryption}",
                public.name
            )
        },
    );
    Ok(())
}

/// `medchain key register`: the --as key's encryption key on chain.
async fn register(ctx: &Context) -> Result<()> {
    let me = ctx.identity()?;
    let done = ctx
        .submit_as(
            &me,
            runtime::tx()
                .medical_records()
                .set_encryption_key(me.encryption_public()),
        )
        .await?;
    let account = address(&me.account()?);
    ctx.print(json!({ "account": account, "block": done.block }), || {
        format!(
            "{account}'s encryption key is registered in block {}",
            done.block
        )
    });
    Ok(())
}

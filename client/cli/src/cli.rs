//! The command line: the commands and their dispatch.

use crate::context::{Context, Global};
use crate::keys::Identity;
use anyhow::Result;
use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "medchain",
    version,
    about = "Share medical records between hospitals on medchain",
    long_about = "Share medical records between hospitals on medchain.\n\n\
        Records are encrypted on this machine, stored in IPFS, and indexed on chain with the \
        patient's consent grants and an audit trail of every access.",
    after_help = "Examples:\n  \
        medchain key generate --name clinic\n  \
        medchain --as clinic record put scan.pdf --patient 5Fxy… --type loinc:11506-3 --org 0\n  \
        medchain --as patient grant 7 --to 5Gab… --until 7d\n  \
        medchain --as specialist get 7 -o scan.pdf"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Keys: an account that signs and an X25519 key records are sealed to.
    #[command(subcommand)]
    Key(KeyCommand),
    /// Organisation settings an admin makes.
    #[command(subcommand)]
    Org(OrgCommand),
    /// Store, amend, list and show records.
    #[command(subcommand)]
    Record(crate::records::RecordCommand),
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
    /// Open a record in an emergency (as a clinician of its hospital; always audited).
    EmergencyOpen { record: u64 },
    /// Fetch, verify and decrypt a record into a file, and log the access on chain.
    ///
    /// Example: medchain --as specialist get 7 -o scan.pdf
    Get {
        record: u64,
        /// The file to write (written whole, or not at all).
        #[arg(short, long, value_name = "FILE")]
        output: PathBuf,
        /// The organisation key to open a hospital's own records with [default: --as].
        #[arg(long, value_name = "NAME")]
        org_key: Option<String>,
    },
    /// A record's audit trail.
    Audit { record: u64 },
    /// The chain, its block producers and their K-DPoS classes.
    Status,
    /// A hospital's validator joins the producer election.
    #[command(subcommand)]
    Operator(OperatorCommand),
    /// Anchor a hospital's private chain into the consortium chain (as the organisation's
    /// anchorer), keep the trees and serve their proofs.
    ///
    /// Example: medchain --as relay relay --from ws://127.0.0.1:9955 --to ws://127.0.0.1:9944 --org 0 --serve 127.0.0.1:8090
    Relay {
        /// The hospital's private chain.
        #[arg(long, value_name = "WS_URL")]
        from: String,
        /// The consortium chain.
        #[arg(long, value_name = "WS_URL")]
        to: String,
        /// The hospital's organisation on the consortium chain.
        #[arg(long)]
        org: u32,
        /// Where the anchored trees are kept [default: HOME/relay].
        #[arg(long, value_name = "DIR")]
        state: Option<PathBuf>,
        /// Close a batch at the end of the block that brings it to this many entries.
        #[arg(long, default_value_t = 10_000)]
        batch_size: u32,
        /// Close a batch once its first entry has waited this many seconds.
        #[arg(long, default_value_t = 60, value_name = "SECONDS")]
        batch_time: u64,
        /// Serve proofs over HTTP here: GET /proof/RECORD, GET /status.
        #[arg(long, value_name = "HOST:PORT")]
        serve: Option<std::net::SocketAddr>,
        /// Anchor what is finalized now, then exit.
        #[arg(long)]
        once: bool,
    },
    /// Print the inclusion proof of a private-chain record, from the relay's state or its HTTP
    /// endpoint.
    ///
    /// Example: medchain proof 12 --relay http://127.0.0.1:8090 -o record-12.proof.json
    Proof {
        record: u64,
        /// The relay's state directory [default: HOME/relay, unless --relay is given].
        #[arg(long, value_name = "DIR")]
        state: Option<PathBuf>,
        /// A relay's HTTP endpoint (its --serve).
        #[arg(long, value_name = "URL")]
        relay: Option<String>,
        /// Write the proof to this file instead of stdout.
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Check a record's inclusion proof against the consortium chain (--url).
    ///
    /// Example: medchain --url ws://consortium:9944 verify 12 --proof record-12.proof.json
    Verify {
        record: u64,
        #[arg(long, value_name = "FILE")]
        proof: PathBuf,
    },
    /// IPFS storage: serve kubo's RPC API from a local store, add and read files.
    #[command(subcommand)]
    Ipfs(crate::ipfs::IpfsCommand),
    /// The web portal: serve it on this machine.
    #[command(subcommand)]
    Portal(crate::portal::PortalCommand),
}

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
}

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

pub fn run(cli: Cli) -> Result<()> {
    let ctx = Context::new(cli.global);
    match cli.command {
        Command::Ipfs(command) => crate::ipfs::run(command),
        Command::Portal(command) => crate::portal::run(&ctx.global, command),
        Command::Key(command) => key(&ctx, command),
        command => crate::context::online(crate::records::run(&ctx, command)),
    }
}

fn key(ctx: &Context, command: KeyCommand) -> Result<()> {
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
            ctx.print(serde_json::json!(names), || names.join("\n"));
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
            let runtime = tokio::runtime::Runtime::new()?;
            runtime.block_on(crate::records::register_key(ctx))
        }
    }
}

fn show_key(ctx: &Context, name: &str) -> Result<()> {
    let public = ctx.keys.public(name)?;
    let account = crate::keys::address(&public.account);
    let encryption = hex::encode(public.encryption_key);
    ctx.print(
        serde_json::json!({ "name": public.name, "account": account, "encryption_key": encryption }),
        || format!("{}\n  account         {account}\n  encryption key  0x{encryption}", public.name),
    );
    Ok(())
}

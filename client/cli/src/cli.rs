//! The command line: global options, the commands, and what they share (keys, passphrase,
//! connections, output).

use crate::keys::{Identity, KeyStore};
use anyhow::{anyhow, bail, Context as _, Result};
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use zeroize::Zeroizing;

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

#[derive(Args, Clone)]
pub struct Global {
    /// The node's WebSocket RPC.
    #[arg(
        long,
        global = true,
        env = "MEDCHAIN_URL",
        default_value = "ws://127.0.0.1:9944"
    )]
    pub url: String,
    /// The IPFS endpoint (kubo's HTTP RPC API: the node's --ipfs-api, `medchain ipfs serve` or kubo).
    #[arg(
        long,
        global = true,
        env = "MEDCHAIN_IPFS",
        default_value = "http://127.0.0.1:5001"
    )]
    pub ipfs: String,
    /// Where keys are kept [default: $MEDCHAIN_HOME, else ~/.medchain].
    #[arg(long, global = true, env = "MEDCHAIN_HOME", value_name = "DIR")]
    pub home: Option<PathBuf>,
    /// The key to act as (see `medchain key list`).
    #[arg(long = "as", global = true, env = "MEDCHAIN_KEY", value_name = "NAME")]
    pub key: Option<String>,
    /// Read the key passphrase from this file [default: $MEDCHAIN_PASSPHRASE, else a prompt].
    #[arg(long, global = true, value_name = "FILE")]
    pub passphrase_file: Option<PathBuf>,
    /// Print results as JSON, one object per command.
    #[arg(long, global = true)]
    pub json: bool,
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

/// --home, else $MEDCHAIN_HOME (through clap), else ~/.medchain.
fn home_of(global: &Global) -> PathBuf {
    global.home.clone().unwrap_or_else(|| {
        std::env::var_os("HOME")
            .map(PathBuf::from)
            .unwrap_or_else(|| ".".into())
            .join(".medchain")
    })
}

/// What commands share.
pub struct Context {
    pub global: Global,
    pub keys: KeyStore,
}

impl Context {
    fn new(global: Global) -> Self {
        let home = home_of(&global);
        Self {
            keys: KeyStore::new(&home),
            global,
        }
    }

    /// The passphrase: `--passphrase-file`, `MEDCHAIN_PASSPHRASE`, or a prompt on a terminal.
    pub fn passphrase(&self) -> Result<Zeroizing<String>> {
        if let Some(path) = &self.global.passphrase_file {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read --passphrase-file {}", path.display()))?;
            return Ok(Zeroizing::new(
                text.trim_end_matches(['\n', '\r']).to_owned(),
            ));
        }
        if let Ok(p) = std::env::var("MEDCHAIN_PASSPHRASE") {
            return Ok(Zeroizing::new(p));
        }
        use std::io::IsTerminal;
        if std::io::stdin().is_terminal() {
            return Ok(Zeroizing::new(
                rpassword::prompt_password("passphrase: ").context("reading the passphrase")?,
            ));
        }
        bail!("no passphrase: set MEDCHAIN_PASSPHRASE or pass --passphrase-file")
    }

    /// The home directory (keys, relay state).
    pub fn home(&self) -> PathBuf {
        home_of(&self.global)
    }

    pub fn key_name(&self) -> Result<&str> {
        self.global
            .key
            .as_deref()
            .ok_or_else(|| anyhow!("which key? pass --as NAME (see `medchain key list`)"))
    }

    /// The --as identity, unlocked.
    pub fn identity(&self) -> Result<Identity> {
        let name = self.key_name()?;
        self.keys.load(name, &self.passphrase()?)
    }

    pub async fn chain(&self) -> Result<crate::chain::Client> {
        crate::chain::connect(&self.global.url).await
    }

    /// Prints `value` as JSON with --json, else `text`.
    pub fn print(&self, value: serde_json::Value, text: impl FnOnce() -> String) {
        if self.global.json {
            println!("{value}");
        } else {
            println!("{}", text());
        }
    }
}

pub fn run(cli: Cli) -> Result<()> {
    let ctx = Context::new(cli.global);
    match cli.command {
        Command::Ipfs(command) => crate::ipfs::run(command),
        Command::Portal(command) => crate::portal::run(&ctx.global, command),
        Command::Key(command) => key(&ctx, command),
        command => {
            let runtime = tokio::runtime::Runtime::new()?;
            runtime.block_on(async {
                // Ctrl-C drops the command: its temporary files are removed, and nothing is
                // registered that was not already finalized.
                tokio::select! {
                    result = crate::records::run(&ctx, command) => result,
                    _ = tokio::signal::ctrl_c() => Err(if crate::chain::SUBMITTED.load(std::sync::atomic::Ordering::SeqCst) {
                        anyhow!("interrupted after an extrinsic was sent to the node: it may still be included; check before running the command again")
                    } else {
                        anyhow!("interrupted: nothing more was written or registered")
                    }),
                }
            })
        }
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

//! What every command shares: the global options, the `Context` that unlocks the `--as` identity
//! and connects to `--url`, the output helpers (`--json` or words), and how an online command is
//! run, so that Ctrl-C says whether an extrinsic had already been sent.

use crate::chain::{self, Client};
use crate::keys::{Identity, KeyStore};
use anyhow::{anyhow, bail, Context as _, Result};
use clap::Args;
use std::future::Future;
use std::path::PathBuf;
use zeroize::Zeroizing;

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
    /// The hospital's key service, for records sealed to the organisation (`medchain keyserver`).
    #[arg(long, global = true, env = "MEDCHAIN_KEYSERVER", value_name = "URL")]
    pub keyserver: Option<String>,
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
    pub fn new(global: Global) -> Self {
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

    /// --keyserver (or MEDCHAIN_KEYSERVER), if given and not empty.
    pub fn keyserver_url(&self) -> Option<&str> {
        self.global.keyserver.as_deref().filter(|u| !u.is_empty())
    }

    /// The --keyserver, which opens what was sealed to organisation `org`.
    pub fn key_service(&self, org: u32) -> Result<crate::keyserver::client::KeyService> {
        let url = self.keyserver_url().ok_or_else(|| {
            anyhow!(
                "this needs organisation {org}'s key, which only its key service holds: pass --keyserver URL (or set MEDCHAIN_KEYSERVER)"
            )
        })?;
        crate::keyserver::client::KeyService::new(url)
    }

    pub async fn chain(&self) -> Result<Client> {
        chain::connect(&self.global.url).await
    }

    /// Signs `call` as `me` and waits until it is finalized.
    pub async fn submit_as<Call: subxt::tx::Payload>(
        &self,
        me: &Identity,
        call: Call,
    ) -> Result<chain::Included> {
        let client = self.chain().await?;
        chain::submit(&client, &call, &me.signer()?).await
    }

    /// Prints `value` as JSON with --json, else `text`.
    pub fn print(&self, value: serde_json::Value, text: impl FnOnce() -> String) {
        if self.global.json {
            println!("{value}");
        } else {
            println!("{}", text());
        }
    }

    /// One line of progress: JSON with --json, else words.
    pub fn say(&self, value: serde_json::Value, text: impl FnOnce() -> String) {
        if self.global.json {
            println!("{value}");
        } else {
            eprintln!("{}", text());
        }
    }

    /// A progress bar on a terminal (and nothing with --json or when piped).
    pub fn progress(&self, len: u64, what: &str) -> indicatif::ProgressBar {
        use std::io::IsTerminal;
        if self.global.json || !std::io::stderr().is_terminal() {
            return indicatif::ProgressBar::hidden();
        }
        let bar = indicatif::ProgressBar::new(len);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} {eta}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar.set_message(what.to_owned());
        bar
    }
}

/// Runs a command that talks to a chain. Ctrl-C drops the command: its temporary files are
/// removed, and nothing is registered that was not already finalized.
pub fn online(command: impl Future<Output = Result<()>>) -> Result<()> {
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        tokio::select! {
            result = command => result,
            _ = tokio::signal::ctrl_c() => Err(if chain::SUBMITTED.load(std::sync::atomic::Ordering::SeqCst) {
                anyhow!("interrupted after an extrinsic was sent to the node: it may still be included; check before running the command again")
            } else {
                anyhow!("interrupted: nothing more was written or registered")
            }),
        }
    })
}

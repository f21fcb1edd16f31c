//! `medchain keyserver`: the hospital's key service, the only holder of the organisation's secret
//! (see `keyserver/mod.rs` for what it checks before it answers).

use crate::context::Global;
use crate::keyserver::{
    custody::{Custody, FileCustody},
    server::{router, ServedChain, Service},
};
use anyhow::{bail, Context as _, Result};
use clap::Subcommand;
use serde_json::json;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Subcommand)]
pub enum KeyserverCommand {
    /// Make the organisation's key, in a file only this user may read, and print its public key
    /// (the admin then runs `medchain org set-key --keyserver URL`).
    ///
    /// Example: medchain keyserver init --dir /var/lib/medchain/keyserver
    Init {
        /// Where the key and the release log are kept [default: <home>/keyserver].
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// Serve the organisation's key: release a record's data key, sealed to a reader's key, only
    /// to who the chain (--url) lets read it now and only once the access is on chain.
    ///
    /// Example: medchain --url ws://127.0.0.1:9944 keyserver serve --org 1 --listen 127.0.0.1:8700
    Serve {
        /// Where `keyserver init` put the key [default: <home>/keyserver].
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
        /// The organisation whose key this is, on --url's chain.
        #[arg(long)]
        org: u32,
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8700", value_name = "HOST:PORT")]
        listen: SocketAddr,
        /// The consortium chain's node, for a hospital whose --url is its private chain: records
        /// are resealed for `record import` there, and its records opened like --url's.
        #[arg(long, value_name = "URL", requires = "consortium_org")]
        consortium: Option<String>,
        /// The organisation on the consortium chain (with --consortium).
        #[arg(long, requires = "consortium")]
        consortium_org: Option<u32>,
    },
}

fn dir_of(global: &Global, dir: Option<PathBuf>) -> PathBuf {
    dir.unwrap_or_else(|| {
        crate::context::Context::new(global.clone())
            .home()
            .join("keyserver")
    })
}

fn key_path(dir: &Path) -> PathBuf {
    dir.join("org.key")
}

pub fn run(global: &Global, command: KeyserverCommand) -> Result<()> {
    match command {
        KeyserverCommand::Init { dir } => {
            let dir = dir_of(global, dir);
            let custody = FileCustody::create(&key_path(&dir))?;
            let public = hex::encode(custody.public_key());
            if global.json {
                println!(
                    "{}",
                    json!({ "public_key": public, "key_file": key_path(&dir).display().to_string() })
                );
            } else {
                println!(
                    "the organisation's key is in {} (readable by this user only); its public key is {public}",
                    key_path(&dir).display()
                );
            }
            Ok(())
        }
        KeyserverCommand::Serve {
            dir,
            org,
            listen,
            consortium,
            consortium_org,
        } => {
            let dir = dir_of(global, dir);
            let custody = FileCustody::load(&key_path(&dir))?;
            let runtime = tokio::runtime::Runtime::new()?;
            runtime.block_on(async move {
                let mut chains = vec![ServedChain::connect(&global.url, org).await?];
                if let (Some(url), Some(corg)) = (consortium, consortium_org) {
                    let c = ServedChain::connect(&url, corg).await?;
                    if c.genesis == chains[0].genesis {
                        bail!("--consortium {url} is the same chain as --url");
                    }
                    chains.push(c);
                }
                let service = Arc::new(Service::new(
                    Box::new(custody),
                    chains,
                    &dir.join("releases.jsonl"),
                )?);
                let listener = tokio::net::TcpListener::bind(listen)
                    .await
                    .with_context(|| format!("cannot listen on --listen {listen}"))?;
                let addr = listener.local_addr()?;
                eprintln!(
                    "key service of organisation {org} on http://{addr} (public key {}, chain {})",
                    service.info().public_key,
                    global.url
                );
                tokio::select! {
                    served = axum::serve(listener, router(service)) => served.context("the key service stopped"),
                    _ = tokio::signal::ctrl_c() => Ok(()),
                }
            })
        }
    }
}

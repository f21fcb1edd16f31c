//! `medchain proof` and `medchain verify`: a private-chain record's inclusion proof, from the
//! relay's state or its HTTP endpoint, and its check against the consortium chain's anchors
//! (DESIGN.md flow 5). The proof file itself is `proof_file.rs`.

use crate::anchor_store::Store;
use crate::context::Context;
use crate::proof_file::{self, hex32, ProofFile};
use anyhow::{anyhow, bail, Context as _, Result};
use clap::Subcommand;
use serde_json::json;
use std::path::{Path, PathBuf};

/// Top-level commands (`medchain proof`, `medchain verify`).
#[derive(Subcommand)]
pub enum ProofCommand {
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
        /// The token file of a relay that needs one (its --serve-token-file, or a copy).
        #[arg(long, value_name = "FILE", requires = "relay")]
        relay_token_file: Option<PathBuf>,
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
}

pub async fn run(ctx: &Context, command: ProofCommand) -> Result<()> {
    match command {
        ProofCommand::Proof {
            record,
            state,
            relay,
            relay_token_file,
            output,
        } => {
            let state = match (&state, &relay) {
                (None, None) => Some(ctx.home().join("relay")),
                _ => state,
            };
            let token = relay_token_file
                .map(|file| {
                    std::fs::read_to_string(&file)
                        .map(|t| t.trim().to_owned())
                        .with_context(|| {
                            format!("cannot read --relay-token-file {}", file.display())
                        })
                })
                .transpose()?;
            let relay = relay.map(|url| (url, token));
            proof(ctx, record, state.as_deref(), relay, output.as_deref()).await
        }
        ProofCommand::Verify { record, proof } => verify(ctx, record, &proof).await,
    }
}

/// `medchain proof RECORD`.
async fn proof(
    ctx: &Context,
    record: u64,
    state: Option<&Path>,
    relay: Option<(String, Option<String>)>,
    output: Option<&Path>,
) -> Result<()> {
    let proof = match (state, relay) {
        (_, Some((url, token))) => fetch(&url, token.as_deref(), record).await?,
        (Some(dir), None) => {
            let (store, _) = Store::open_existing(dir)?;
            ProofFile::from_store(&store, record)?.ok_or_else(|| {
                anyhow!(
                    "record {record} is in no batch the relay in {} has anchored yet",
                    dir.display()
                )
            })?
        }
        (None, None) => bail!("where from? pass --state DIR (the relay's) or --relay URL"),
    };
    let text = serde_json::to_string_pretty(&proof)?;
    match output {
        Some(path) => {
            std::fs::write(path, text + "\n")
                .with_context(|| format!("cannot write -o {}", path.display()))?;
            ctx.print(
                json!({ "record": record, "anchor": proof.anchor, "output": path.display().to_string() }),
                || format!("proof of record {record} (anchor {}) written to {}", proof.anchor, path.display()),
            );
        }
        None => println!("{text}"),
    }
    Ok(())
}

/// A proof from a relay's HTTP endpoint.
async fn fetch(url: &str, token: Option<&str>, record: u64) -> Result<ProofFile> {
    let url = format!("{}/proof/{record}", url.trim_end_matches('/'));
    let mut request = reqwest::Client::new().get(&url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request
        .send()
        .await
        .map_err(|e| anyhow!("cannot reach the relay at {url}: {e}"))?;
    let status = response.status();
    let body = response.bytes().await?;
    if !status.is_success() {
        let message = serde_json::from_slice::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| v["error"].as_str().map(str::to_owned))
            .unwrap_or_else(|| String::from_utf8_lossy(&body).into_owned());
        bail!("the relay at {url} answered {status}: {message}");
    }
    serde_json::from_slice(&body).map_err(|e| anyhow!("the relay at {url} sent no proof: {e}"))
}

/// `medchain verify RECORD --proof FILE`, against the chain at --url.
async fn verify(ctx: &Context, record: u64, file: &Path) -> Result<()> {
    let proof = ProofFile::load(file)?;
    if proof.record != record {
        bail!(
            "--proof {} proves record {}, not record {record}",
            file.display(),
            proof.record
        );
    }
    let client = ctx.chain().await?;
    let genesis = hex32(&client.genesis_hash().0);
    if genesis != proof.consortium_genesis {
        // Not fatal: the chain's own anchors decide. Said, because it explains an UnknownRoot.
        eprintln!(
            "note: the proof was made for the consortium chain with genesis {}, and --url is {genesis}",
            proof.consortium_genesis
        );
    }
    let (org, seq) = proof_file::check(&client, &proof).await?;
    ctx.print(
        json!({ "record": record, "included": true, "org": org, "anchor": seq, "from": proof.from, "to": proof.to, "leaves": proof.leaves }),
        || {
            format!(
                "record {record} is included: anchor {seq} of organisation {org} covers private blocks {}..={} ({} entries)",
                proof.from, proof.to, proof.leaves
            )
        },
    );
    Ok(())
}

//! `medchain relay`: anchors a hospital's private chain into the consortium chain (DESIGN.md flow
//! 5).
//!
//! It follows the private chain's finalized blocks, collects the index entry of every record
//! version created in them, and when a batch is full (`--batch-size`) or old enough
//! (`--batch-time`) anchors the Merkle root of its entries on the consortium chain in one
//! `anchor_batch`, covering the private blocks from the end of the last batch to the block it
//! reached. It keeps the trees it anchored (`anchor_store.rs`) and serves their proofs over HTTP.
//!
//! Exactly once, across crashes: the consortium chain is the truth. On start, and after any
//! failed submission, the relay waits until its own extrinsics have left the transaction pool,
//! reads the organisation's finalized anchors, keeps the batches the chain has (rebuilding from
//! the private chain any it lacks locally), drops what the chain does not have, and resumes at the
//! block after the last anchored one. The chain refuses a batch that overlaps or leaves a gap, so
//! a confused relay cannot anchor an entry twice or skip one.

use crate::anchor_store::{self, Batch, BatchInfo, Store};
use crate::chain::{self, runtime, AccountId, Client, Role};
use crate::context::Context;
use crate::keys::address;
use crate::proof_file::{hex32, ProofFile};
use anyhow::{anyhow, bail, Context as _, Result};
use clap::Subcommand;
use futures::StreamExt;
use serde_json::json;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};
use subxt::backend::legacy::{rpc_methods::NumberOrHex, LegacyRpcMethods};
use subxt::PolkadotConfig;

/// A top-level command (`medchain relay`).
#[derive(Subcommand)]
pub enum RelayCommand {
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
        /// Serve proofs over HTTP here: GET /proof/RECORD, GET /status. A proof shows a
        /// record's index entry (its id, CID and commitments), so anything but a loopback address
        /// needs --serve-token-file.
        #[arg(long, value_name = "HOST:PORT")]
        serve: Option<SocketAddr>,
        /// Callers of --serve must send `Authorization: Bearer TOKEN` with the token in this
        /// file (created with a random token, readable by its owner only, if it does not exist).
        #[arg(long, value_name = "FILE", requires = "serve")]
        serve_token_file: Option<PathBuf>,
        /// Anchor what is finalized now, then exit.
        #[arg(long)]
        once: bool,
    },
}

pub async fn run(ctx: &Context, command: RelayCommand) -> Result<()> {
    let RelayCommand::Relay {
        from,
        to,
        org,
        state,
        batch_size,
        batch_time,
        serve,
        serve_token_file,
        once,
    } = command;
    relay(
        ctx,
        Options {
            from,
            to,
            org,
            state: state.unwrap_or_else(|| ctx.home().join("relay")),
            batch_size,
            batch_time: Duration::from_secs(batch_time),
            serve,
            serve_token_file,
            once,
        },
    )
    .await
}

/// The relay's settings, with the defaults that need the context filled in.
struct Options {
    from: String,
    to: String,
    org: u32,
    state: PathBuf,
    batch_size: u32,
    batch_time: Duration,
    serve: Option<SocketAddr>,
    serve_token_file: Option<PathBuf>,
    once: bool,
}

/// A chain with the legacy RPC methods next to subxt's client (block hashes by number).
struct Chain {
    client: Client,
    rpc: LegacyRpcMethods<PolkadotConfig>,
    url: String,
}

async fn open_chain(url: &str, flag: &str) -> Result<Chain> {
    let rpc = subxt::backend::rpc::RpcClient::from_url(url)
        .await
        .map_err(|e| anyhow!("cannot reach the {flag} chain at {url} ({e}): check {flag}"))?;
    let client = Client::from_rpc_client(rpc.clone())
        .await
        .map_err(|e| anyhow!("the {flag} chain at {url}: {e}"))?;
    Ok(Chain {
        client,
        rpc: LegacyRpcMethods::new(rpc),
        url: url.to_owned(),
    })
}

impl Chain {
    async fn finalized_number(&self) -> Result<u64> {
        let hash = self.rpc.chain_get_finalized_head().await?;
        let header = self
            .rpc
            .chain_get_header(Some(hash))
            .await?
            .ok_or_else(|| anyhow!("{} has no header for its finalized head", self.url))?;
        Ok(u64::from(header.number))
    }

    /// The index entries of the records created in finalized block `n`, in event order, as
    /// batches are anchored (sealed). Records hold no clear type since spec 112, so the clear
    /// entries of batches anchored before spec 111 cannot be made from them any more.
    async fn entries_at(&self, n: u64) -> Result<Vec<Vec<u8>>> {
        let hash = self
            .rpc
            .chain_get_block_hash(Some(NumberOrHex::Number(n)))
            .await?
            .ok_or_else(|| anyhow!("{} has no block {n}", self.url))?;
        let block = self.client.blocks().at(hash).await?;
        let events = block.events().await?;
        let api = self.client.runtime_api().at(hash);
        let created = events
            .find::<runtime::medical_records::events::RecordCreated>()
            .collect::<Result<Vec<_>, _>>()?;
        // Many reads in flight at once over the one connection, answers kept in event order.
        let entries = futures::stream::iter(created)
            .map(|created| {
                let api = api.clone();
                async move {
                    let record = api
                        .call(runtime::apis().medical_records_api().record(created.record))
                        .await?
                        .map(|view| view.record)
                        .ok_or_else(|| {
                            anyhow!(
                                "block {n} created record {} but does not hold it",
                                created.record
                            )
                        })?;
                    // Sealed: a proof shows neither the patient nor the record type.
                    let entry = chain::AnchoredEntry::Sealed(chain::SealedEntry {
                        record: created.record,
                        custodian: record.custodian,
                        subject: anchor_store::subject(
                            &record.patient,
                            &record.type_tag,
                            &record.key_for_patient,
                        ),
                        plaintext_hash: record.plaintext_hash,
                        cid: record.cid,
                        version: record.version,
                        previous: record.previous,
                    });
                    anyhow::Ok(anchor_store::payload(&entry))
                }
            })
            .buffered(64)
            .collect::<Vec<_>>()
            .await
            .into_iter()
            .collect::<Result<Vec<_>>>()?;
        Ok(entries)
    }

    /// The entries of finalized blocks `from..=to`.
    async fn entries_in(&self, from: u64, to: u64) -> Result<Vec<Vec<u8>>> {
        let mut all = Vec::new();
        for n in from..=to {
            all.extend(self.entries_at(n).await?);
        }
        Ok(all)
    }
}

/// The organisation's anchors as the consortium chain has finalized them: (next sequence,
/// last private block covered).
async fn anchored_state(consortium: &Chain, org: u32) -> Result<(u32, Option<u64>)> {
    let info = chain::organisation(&consortium.client, org, chain::On::Consortium).await?;
    Ok((info.anchors, info.anchored_to))
}

/// Waits until none of `who`'s extrinsics is waiting in the pool: every one it sent is finalized
/// or gone, so the finalized state tells what was anchored.
async fn settle(consortium: &Chain, who: &AccountId) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let pool = consortium.rpc.system_account_next_index(who).await?;
        let finalized = consortium
            .client
            .storage()
            .at_latest()
            .await?
            .fetch(&runtime::storage().system().account(who.clone()))
            .await?
            .map_or(0, |a| u64::from(a.nonce));
        if pool <= finalized {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!(
                "{} still has extrinsics in the consortium chain's pool after 2 minutes: is the chain finalizing?",
                address(who)
            );
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Makes the store agree with the chain; returns the next sequence number and the first private
/// block of the next batch.
async fn reconcile(
    ctx: &Context,
    store: &Store,
    private: &Chain,
    consortium: &Chain,
    org: u32,
    me: &AccountId,
) -> Result<(u32, u64)> {
    settle(consortium, me).await?;
    let (next_seq, anchored_to) = anchored_state(consortium, org).await?;
    // One finalized block for the whole reconciliation.
    let at = consortium.client.runtime_api().at_latest().await?;
    if let Some(pending) = store.pending()? {
        let on_chain = at
            .call(
                runtime::apis()
                    .medical_records_api()
                    .anchor(org, pending.info.seq),
            )
            .await?;
        if on_chain.is_some_and(|a| hex32(&a.root) == pending.info.root) {
            store.put_anchored(&pending)?;
            ctx.say(
                json!({ "event": "recovered", "seq": pending.info.seq, "count": pending.info.count }),
                || {
                    format!(
                        "batch {} was anchored before the relay stopped",
                        pending.info.seq
                    )
                },
            );
        }
        store.drop_pending()?;
    }
    for seq in store.sequences()? {
        if seq >= next_seq {
            store.forget(seq)?;
        }
    }
    // Batches the chain has and the store lacks (a lost state directory) are rebuilt from the
    // private chain and must give the anchored root; batches governance voided are forgotten
    // (the chain shows no anchor for them), so their proofs are no longer served.
    let finalized = private.finalized_number().await?;
    for seq in 0..next_seq {
        let Some(anchor) = at
            .call(runtime::apis().medical_records_api().anchor(org, seq))
            .await?
        else {
            if store.anchored(seq)?.is_some() {
                store.forget(seq)?;
                ctx.say(json!({ "event": "voided", "seq": seq }), || {
                    format!("anchor {seq} was voided by governance: its proofs are dropped")
                });
            }
            continue;
        };
        if store.anchored(seq)?.is_some() {
            continue;
        }
        if anchor.to > finalized {
            bail!(
                "anchor {seq} of organisation {org} covers private blocks {}..={}, past the private chain's finalized block {finalized}: a runaway anchor (a stolen anchorer key, or a relay on another chain). Remove that anchorer, and ask the council to void it: medicalRecords.voidAnchors({org}, {seq}) (medchain council propose void-anchors --org {org} --seq {seq})",
                anchor.from, anchor.to
            );
        }
        let entries = private.entries_in(anchor.from, anchor.to).await?;
        let batch = Batch {
            info: BatchInfo {
                seq,
                from: anchor.from,
                to: anchor.to,
                count: entries.len() as u32,
                root: medchain_merkle::root(&anchor_store::leaves(org, &entries))
                    .map(|r| hex32(&r))
                    .unwrap_or_default(),
            },
            entries,
        };
        let rebuilt = (batch.info.root == hex32(&anchor.root) && batch.info.count == anchor.count)
            .then_some(batch);
        let Some(batch) = rebuilt else {
            bail!(
                "anchor {seq} of organisation {org} covers private blocks {}..={}, but those blocks of {} give another root: is --from the organisation's private chain?",
                anchor.from, anchor.to, private.url
            );
        };
        store.put_anchored(&batch)?;
        ctx.say(
            json!({ "event": "rebuilt", "seq": seq, "count": batch.info.count }),
            || format!("rebuilt batch {seq} from the private chain"),
        );
    }
    Ok((next_seq, anchored_to.map_or(1, |to| to.saturating_add(1))))
}

async fn relay(ctx: &Context, opts: Options) -> Result<()> {
    if opts.batch_size == 0 || opts.batch_size > medchain_merkle::MAX_LEAVES {
        bail!(
            "--batch-size {} must be between 1 and {}",
            opts.batch_size,
            medchain_merkle::MAX_LEAVES
        );
    }
    let token = match (opts.serve, &opts.serve_token_file) {
        (Some(_), Some(file)) => Some(serve_token(ctx, file)?),
        (Some(addr), None) if !addr.ip().is_loopback() => bail!(
            "--serve {addr} is reachable from other machines, and a proof shows a record's index entry: pass --serve-token-file FILE, and give callers its token"
        ),
        _ => None,
    };
    let me = ctx.identity()?;
    let signer = me.signer()?;
    let account = me.account()?;
    let private = open_chain(&opts.from, "--from").await?;
    let consortium = open_chain(&opts.to, "--to").await?;
    let id = anchor_store::Identity {
        private_genesis: hex32(&private.client.genesis_hash().0),
        consortium_genesis: hex32(&consortium.client.genesis_hash().0),
        org: opts.org,
    };
    if id.private_genesis == id.consortium_genesis {
        bail!(
            "--from and --to are the same chain (genesis {}): the relay anchors a hospital's private chain into the consortium chain",
            id.private_genesis
        );
    }
    // The state's chains first: a relay pointed at the wrong chain learns so before anything else.
    Store::check(&opts.state, &id)?;
    let role = chain::role(&consortium.client, opts.org, &account).await?;
    if !matches!(role, Some(Role::Anchorer | Role::Admin)) {
        bail!(
            "{} (--as {}) is not an anchorer of organisation {} on the consortium chain: its admin runs `medchain --url {} org add-member --org {} --account {} --role anchorer`",
            address(&account), me.name, opts.org, opts.to, opts.org, address(&account)
        );
    }
    let store = Arc::new(Store::open(&opts.state, &id)?);
    if let Some(addr) = opts.serve {
        serve(addr, store.clone(), token).await?;
        ctx.say(
            json!({ "event": "serving", "url": format!("http://{addr}") }),
            || format!("proofs at http://{addr}/proof/RECORD"),
        );
    }
    let (mut seq, mut from) =
        reconcile(ctx, &store, &private, &consortium, opts.org, &account).await?;
    ctx.say(
        json!({ "event": "resumed", "seq": seq, "from": from }),
        || format!("anchoring from private block {from} (next anchor {seq})"),
    );

    let mut entries: Vec<Vec<u8>> = Vec::new();
    let mut next = from; // the next private block to read
    let mut first_seen: Option<Instant> = None;
    loop {
        let finalized = private.finalized_number().await?;
        let mut full = false;
        while next <= finalized && !full {
            let found = private.entries_at(next).await?;
            if !found.is_empty() && first_seen.is_none() {
                first_seen = Some(Instant::now());
            }
            entries.extend(found);
            next += 1;
            full = entries.len() >= opts.batch_size as usize;
        }
        let old = first_seen.is_some_and(|t| t.elapsed() >= opts.batch_time);
        let caught_up = next > finalized;
        if !entries.is_empty() && (full || old || (opts.once && caught_up)) {
            let to = next - 1;
            let tree = medchain_merkle::Tree::new(&anchor_store::leaves(opts.org, &entries))
                .map_err(|e| anyhow!("{e:?}"))?;
            let batch = Batch {
                info: BatchInfo {
                    seq,
                    from,
                    to,
                    count: entries.len() as u32,
                    root: hex32(&tree.root()),
                },
                entries: std::mem::take(&mut entries),
            };
            store.put_pending(&batch)?;
            ctx.say(
                json!({ "event": "submitting", "seq": seq, "from": from, "to": to, "count": batch.info.count, "root": batch.info.root }),
                || {
                    format!(
                        "anchoring {} entries of private blocks {from}..={to} as anchor {seq}",
                        batch.info.count
                    )
                },
            );
            let call = runtime::tx().medical_records().anchor_batch(
                opts.org,
                from,
                to,
                batch.info.count,
                tree.root(),
            );
            let started = Instant::now();
            match chain::submit(&consortium.client, &call, &signer).await {
                Ok(done) => {
                    store.put_anchored(&batch)?;
                    store.drop_pending()?;
                    ctx.say(
                        json!({ "event": "anchored", "seq": seq, "from": from, "to": to, "count": batch.info.count, "root": batch.info.root, "block": done.block, "seconds": started.elapsed().as_secs_f64() }),
                        || {
                            format!(
                                "anchor {seq}: {} entries finalized in consortium block {}",
                                batch.info.count, done.block
                            )
                        },
                    );
                    seq += 1;
                    from = to + 1;
                }
                Err(e) => {
                    ctx.say(
                        json!({ "event": "retrying", "seq": seq, "error": format!("{e:#}") }),
                        || format!("anchor {seq} failed ({e:#}); checking the chain"),
                    );
                    (seq, from) =
                        reconcile(ctx, &store, &private, &consortium, opts.org, &account).await?;
                }
            }
            next = from;
            first_seen = None;
            continue;
        }
        if opts.once && caught_up {
            ctx.say(
                json!({ "event": "caught-up", "seq": seq, "next_block": from }),
                || {
                    format!("every finalized record is anchored (next anchor {seq} starts at block {from})")
                },
            );
            return Ok(());
        }
        if caught_up {
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }
}

/// The token in `file`, or a new random one written there (owner-only) if it does not exist.
fn serve_token(ctx: &Context, file: &Path) -> Result<String> {
    match std::fs::read_to_string(file) {
        Ok(text) => {
            let token = text.trim().to_owned();
            if token.len() < 16 || token.contains(char::is_whitespace) {
                bail!(
                    "--serve-token-file {}: the token must be one word of at least 16 characters",
                    file.display()
                );
            }
            Ok(token)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut bytes = [0u8; 32];
            getrandom::fill(&mut bytes).map_err(|e| anyhow!("no randomness for a token: {e}"))?;
            let token = hex::encode(bytes);
            write_owner_only(file, format!("{token}\n").as_bytes())
                .with_context(|| format!("cannot write --serve-token-file {}", file.display()))?;
            ctx.say(
                json!({ "event": "token-created", "file": file.display().to_string() }),
                || format!("a new token for --serve is in {}", file.display()),
            );
            Ok(token)
        }
        Err(e) => Err(anyhow!(
            "cannot read --serve-token-file {}: {e}",
            file.display()
        )),
    }
}

/// Creates `file` (never over an existing one), readable and writable by its owner only.
fn write_owner_only(file: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut f = options.open(file)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// Whether `header` (an `Authorization` value) carries `token` as a bearer token. Digests are
/// compared, so the time it takes says nothing about how much of the token was right.
fn bearer_matches(header: Option<&str>, token: &str) -> bool {
    use sha2::{Digest, Sha256};
    header
        .and_then(|h| h.strip_prefix("Bearer "))
        .is_some_and(|given| Sha256::digest(given.trim()) == Sha256::digest(token))
}

/// Serves `GET /proof/RECORD` (a proof file) and `GET /status` from the store; with a token,
/// only to callers that send it.
async fn serve(addr: SocketAddr, store: Arc<Store>, token: Option<String>) -> Result<()> {
    use axum::{extract::Path, extract::State, http::StatusCode, routing::get, Json, Router};
    type Reply = (StatusCode, Json<serde_json::Value>);
    fn error(status: StatusCode, message: String) -> Reply {
        (status, Json(json!({ "error": message })))
    }
    /// Runs a store read off the async threads; a failure is a 500 with its reason.
    async fn blocking<T: Send + 'static>(
        read: impl FnOnce() -> Result<T> + Send + 'static,
    ) -> Result<T, Reply> {
        match tokio::task::spawn_blocking(read).await {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => Err(error(StatusCode::INTERNAL_SERVER_ERROR, format!("{e:#}"))),
            Err(e) => Err(error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string())),
        }
    }
    async fn proof(State(store): State<Arc<Store>>, Path(record): Path<String>) -> Reply {
        let Ok(record) = record.parse::<u64>() else {
            return error(
                StatusCode::BAD_REQUEST,
                format!("'{record}' is not a record id"),
            );
        };
        match blocking(move || ProofFile::from_store(&store, record)).await {
            Ok(Some(p)) => (StatusCode::OK, Json(json!(p))),
            Ok(None) => error(
                StatusCode::NOT_FOUND,
                format!("record {record} is in no anchored batch yet"),
            ),
            Err(reply) => reply,
        }
    }
    async fn status(State(store): State<Arc<Store>>) -> Reply {
        match blocking(move || store.infos()).await {
            Ok(b) => (
                StatusCode::OK,
                Json(json!({
                    "batches": b.len(),
                    "entries": b.iter().map(|i| u64::from(i.count)).sum::<u64>(),
                    "anchored_to": b.last().map(|i| i.to),
                })),
            ),
            Err(reply) => reply,
        }
    }
    let guard = move |request: axum::extract::Request, next: axum::middleware::Next| {
        let token = token.clone();
        async move {
            use axum::response::IntoResponse;
            if let Some(token) = token {
                let header = request
                    .headers()
                    .get(axum::http::header::AUTHORIZATION)
                    .and_then(|v| v.to_str().ok());
                if !bearer_matches(header, &token) {
                    return error(
                        StatusCode::UNAUTHORIZED,
                        "this relay needs `Authorization: Bearer TOKEN` (the token of its --serve-token-file)".into(),
                    )
                    .into_response();
                }
            }
            next.run(request).await
        }
    };
    let app = Router::new()
        .route("/proof/{record}", get(proof))
        .route("/status", get(status))
        .layer(axum::middleware::from_fn(guard))
        .with_state(store);
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on --serve {addr}"))?;
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(())
}

//! The subset of kubo's HTTP RPC API (`/api/v0`) that IPFS clients use, served from a
//! [`Blockstore`]: `add`, `cat`, `block/get`, `block/put`, `block/stat`, `pin/add`, `pin/rm`,
//! `pin/ls`, `id` and `version`, with kubo's parameters, JSON shapes and error bodies, so that
//! kubo's own clients (kubo-rpc-client, `ipfs --api`) talk to it unchanged. Like kubo, every
//! command is a POST.
//!
//! Uploads and downloads stream: an add is imported block by block as its body arrives, a cat is
//! written as its blocks are read, so neither holds a file in memory; `block/put` reads at most
//! [`MAX_BLOCK`]. Every request passes [`Access`] first: pages of other origins, hosts that are not
//! addresses or allowed names, and `pin/rm` unless turned on get 403.

use crate::access::Access;
use crate::blockstore::{Blockstore, PinKind};
use crate::importer::{HashOnly, ImportOptions, Imported, Importer, DAG_PB, RAW};
use crate::{Cid, Error};
use axum::{
    body::{Body, Bytes},
    extract::{DefaultBodyLimit, Multipart, Query, Request, State},
    http::{header, StatusCode},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::{any, post},
    Json, Router,
};
use serde_json::{json, Value};
use std::io::Write;
use std::sync::Arc;

/// This server's name in `id` and `version`.
pub const AGENT: &str = concat!("medchain-ipfs/", env!("CARGO_PKG_VERSION"));

/// The largest block `block/put` takes, as kubo: bigger blocks cannot be exchanged with peers.
pub const MAX_BLOCK: usize = 1024 * 1024;

/// What the handlers share.
pub struct Api {
    store: Arc<Blockstore>,
    identity: crate::identity::Identity,
    access: Access,
}

/// A kubo error body: `{"Message", "Code", "Type": "error"}`; code 1 (HTTP 400) is the caller's
/// mistake, code 0 (HTTP 500) the server's or the data's.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    message: String,
}

impl ApiError {
    fn client(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
        }
    }
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        let status = match e {
            Error::BadRequest(_)
            | Error::HashMismatch(_)
            | Error::UnsupportedHash(_)
            | Error::UnsupportedCodec(_) => StatusCode::BAD_REQUEST,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        Self {
            status,
            message: e.to_string(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let code = if self.status == StatusCode::BAD_REQUEST {
            1
        } else {
            0
        };
        (
            self.status,
            Json(json!({ "Message": self.message, "Code": code, "Type": "error" })),
        )
            .into_response()
    }
}

type Params = Query<Vec<(String, String)>>;

/// The query parameters of a command.
struct Args(Vec<(String, String)>);

impl Args {
    fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn get<'a>(&'a self, name: &'a str) -> Option<&'a str> {
        self.all(name).next()
    }

    fn flag(&self, name: &str) -> Result<Option<bool>, ApiError> {
        self.get(name)
            .map(|v| match v {
                "true" | "1" | "" => Ok(true),
                "false" | "0" => Ok(false),
                other => Err(ApiError::client(format!(
                    "option \"{name}\": '{other}' is not a boolean (true or false)"
                ))),
            })
            .transpose()
    }

    fn number(&self, name: &str) -> Result<Option<u64>, ApiError> {
        self.get(name)
            .map(|v| {
                v.parse().map_err(|_| {
                    ApiError::client(format!("option \"{name}\": '{v}' is not a number"))
                })
            })
            .transpose()
    }

    /// The CIDs named by `arg` (a CID or an `/ipfs/<cid>` path); at least one.
    fn cids(&self) -> Result<Vec<Cid>, ApiError> {
        let cids = self
            .all("arg")
            .map(parse_cid)
            .collect::<Result<Vec<_>, _>>()?;
        if cids.is_empty() {
            return Err(ApiError::client("argument \"ipfs-path\" is required"));
        }
        Ok(cids)
    }
}

fn parse_cid(arg: &str) -> Result<Cid, ApiError> {
    let s = arg.strip_prefix("/ipfs/").unwrap_or(arg);
    let s = s.split('/').next().unwrap_or(s);
    Cid::try_from(s).map_err(|e| ApiError::client(format!("invalid path \"{arg}\": {e}")))
}

fn ndjson(lines: &[Value]) -> Response {
    let mut body = String::new();
    for line in lines {
        body.push_str(&line.to_string());
        body.push('\n');
    }
    (
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::HeaderName::from_static("x-chunked-output"), "1"),
        ],
        body,
    )
        .into_response()
}

/// Runs blocking store work off the async threads.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, Error> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ApiError::from(Error::Internal(e.to_string())))?
        .map_err(ApiError::from)
}

/// kubo's `add`: each file part of the multipart body imported as it arrives (`cid-version`,
/// `raw-leaves`, `only-hash`, `pin`; `progress` reports the bytes added), one JSON line per file.
async fn add(
    State(api): State<Arc<Api>>,
    Query(q): Params,
    mut form: Multipart,
) -> Result<Response, ApiError> {
    let args = Args(q);
    let options = ImportOptions::from_kubo(args.number("cid-version")?, args.flag("raw-leaves")?)?;
    let only_hash = args.flag("only-hash")?.unwrap_or(false);
    let pin = args.flag("pin")?.unwrap_or(true) && !only_hash;
    let progress = args.flag("progress")?.unwrap_or(false);
    let mut lines = Vec::new();
    while let Some(mut field) = form
        .next_field()
        .await
        .map_err(|e| ApiError::client(format!("reading the multipart body: {e}")))?
    {
        if field.content_type() == Some("application/x-directory") {
            return Err(ApiError::client("directories are not supported: add files"));
        }
        let name = field
            .file_name()
            .or(field.name())
            .unwrap_or_default()
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_owned();
        // The body feeds a blocking importer through a small queue: constant memory.
        let (tx, rx) = std::sync::mpsc::sync_channel::<Bytes>(8);
        let store = api.store.clone();
        let import = tokio::task::spawn_blocking(move || -> Result<Imported, Error> {
            let _writer = store.writer();
            let imported = if only_hash {
                run_import(options, HashOnly, rx)?
            } else {
                run_import(options, &*store, rx)?
            };
            if pin {
                store.pin(&imported.cid, PinKind::Recursive)?;
            }
            Ok(imported)
        });
        let mut bytes = 0u64;
        let mut failed = None;
        loop {
            match field.chunk().await {
                Ok(Some(chunk)) => {
                    bytes += chunk.len() as u64;
                    if tx.send(chunk).is_err() {
                        break; // the importer stopped: its error says why
                    }
                    if progress {
                        lines.push(json!({ "Name": name, "Bytes": bytes }));
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    failed = Some(ApiError::client(format!("reading the upload: {e}")));
                    break;
                }
            }
        }
        drop(tx);
        let imported = import
            .await
            .map_err(|e| ApiError::from(Error::Internal(e.to_string())))?;
        if let Some(e) = failed {
            return Err(e);
        }
        let imported = imported?;
        lines.push(json!({
            "Name": if name.is_empty() { imported.cid.to_string() } else { name },
            "Hash": imported.cid.to_string(),
            "Size": imported.size.to_string(),
        }));
    }
    Ok(ndjson(&lines))
}

fn run_import<S: crate::BlockSink>(
    options: ImportOptions,
    sink: S,
    rx: std::sync::mpsc::Receiver<Bytes>,
) -> Result<Imported, Error> {
    let mut importer = Importer::new(options, sink);
    for chunk in rx {
        importer.write(&chunk)?;
    }
    importer.finish()
}

/// Writes into the response body as blocks are read; `offset` and `length` cut the range.
struct BodyWriter {
    tx: tokio::sync::mpsc::Sender<Result<Bytes, std::io::Error>>,
    skip: u64,
    left: u64,
}

impl Write for BodyWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = buf.len();
        let skip = self.skip.min(n as u64) as usize;
        self.skip -= skip as u64;
        let take = ((n - skip) as u64).min(self.left) as usize;
        if take > 0 {
            self.left -= take as u64;
            self.tx
                .blocking_send(Ok(Bytes::copy_from_slice(&buf[skip..skip + take])))
                .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "client left"))?;
        }
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// kubo's `cat`: the file's bytes (`offset`, `length`), streamed.
async fn cat(State(api): State<Arc<Api>>, Query(q): Params) -> Result<Response, ApiError> {
    let args = Args(q);
    let cid = args.cids()?[0];
    let skip = args.number("offset")?.unwrap_or(0);
    let left = args.number("length")?.unwrap_or(u64::MAX);
    // A missing or corrupt root is a proper error, before the body starts.
    let store = api.store.clone();
    blocking(move || store.get(&cid).map(|_| ())).await?;
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    let store = api.store.clone();
    tokio::task::spawn_blocking(move || {
        let mut out = BodyWriter {
            tx: tx.clone(),
            skip,
            left,
        };
        if let Err(e) = store.read_file(&cid, &mut out) {
            // Ends the body with an error: the client sees a broken transfer, never a short
            // file that looks whole.
            let _ = tx.blocking_send(Err(std::io::Error::other(e.to_string())));
        }
    });
    let stream = futures::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    });
    Ok((
        [
            (header::CONTENT_TYPE, "text/plain"),
            (header::HeaderName::from_static("x-stream-output"), "1"),
        ],
        Body::from_stream(stream),
    )
        .into_response())
}

/// kubo's `block/get`: one block's bytes.
async fn block_get(State(api): State<Arc<Api>>, Query(q): Params) -> Result<Response, ApiError> {
    let cid = Args(q).cids()?[0];
    let store = api.store.clone();
    let bytes = blocking(move || store.get(&cid)).await?;
    Ok(([(header::CONTENT_TYPE, "application/octet-stream")], bytes).into_response())
}

/// kubo's `block/put`: the first part of the body as a block of `cid-codec` (raw by default;
/// `format=v0` for a CIDv0 dag-pb block), sha2-256 only; `pin` pins it.
async fn block_put(
    State(api): State<Arc<Api>>,
    Query(q): Params,
    mut form: Multipart,
) -> Result<Response, ApiError> {
    let args = Args(q);
    if let Some(mh) = args.get("mhtype").filter(|m| *m != "sha2-256") {
        return Err(ApiError::client(format!(
            "hash function {mh} is not supported: use sha2-256"
        )));
    }
    let (codec, v0) = match (args.get("cid-codec"), args.get("format")) {
        (Some("raw"), _) | (None, None | Some("raw")) => (RAW, false),
        (Some("dag-pb"), _) | (None, Some("dag-pb" | "protobuf")) => (DAG_PB, false),
        (None, Some("v0")) => (DAG_PB, true),
        (codec, format) => {
            return Err(ApiError::client(format!(
                "codec {} is not supported: use raw or dag-pb",
                codec.or(format).unwrap_or_default()
            )))
        }
    };
    let pin = args.flag("pin")?.unwrap_or(false);
    let mut field = form
        .next_field()
        .await
        .map_err(|e| ApiError::client(format!("reading the multipart body: {e}")))?
        .ok_or_else(|| ApiError::client("argument \"data\" is required"))?;
    // Read up to the limit, never more: a body of any size costs at most one block of memory.
    let mut bytes = Vec::new();
    while let Some(chunk) = field
        .chunk()
        .await
        .map_err(|e| ApiError::client(format!("reading the upload: {e}")))?
    {
        if bytes.len() + chunk.len() > MAX_BLOCK {
            return Err(ApiError::client(
                "produced block is over 1MiB: big blocks can't be exchanged with other peers. consider using UnixFS for automatic chunking of bigger files (add)",
            ));
        }
        bytes.extend_from_slice(&chunk);
    }
    let hash = crate::importer::sha2_256(&bytes);
    let cid = if v0 {
        Cid::new_v0(hash).map_err(|e| ApiError::from(Error::Internal(e.to_string())))?
    } else {
        Cid::new_v1(codec, hash)
    };
    let size = bytes.len();
    let store = api.store.clone();
    blocking(move || {
        let _writer = store.writer();
        store.put(&cid, &bytes)?;
        if pin {
            store.pin(&cid, PinKind::Recursive)?;
        }
        Ok(())
    })
    .await?;
    Ok(Json(json!({ "Key": cid.to_string(), "Size": size })).into_response())
}

/// kubo's `block/stat`.
async fn block_stat(State(api): State<Arc<Api>>, Query(q): Params) -> Result<Response, ApiError> {
    let cid = Args(q).cids()?[0];
    let store = api.store.clone();
    let size = blocking(move || store.get(&cid).map(|b| b.len())).await?;
    Ok(Json(json!({ "Key": cid.to_string(), "Size": size })).into_response())
}

/// kubo's `pin/add`: each `arg`, recursively unless `recursive=false`.
async fn pin_add(State(api): State<Arc<Api>>, Query(q): Params) -> Result<Response, ApiError> {
    let args = Args(q);
    let cids = args.cids()?;
    let kind = if args.flag("recursive")?.unwrap_or(true) {
        PinKind::Recursive
    } else {
        PinKind::Direct
    };
    let store = api.store.clone();
    let pinned = cids.clone();
    blocking(move || cids.iter().try_for_each(|c| store.pin(c, kind))).await?;
    let pins: Vec<String> = pinned.iter().map(Cid::to_string).collect();
    Ok(Json(json!({ "Pins": pins })).into_response())
}

/// kubo's `pin/rm`, when turned on ([`Access::unpin`]).
async fn pin_rm(State(api): State<Arc<Api>>, Query(q): Params) -> Result<Response, ApiError> {
    if !api.access.unpin {
        return Err(ApiError {
            status: StatusCode::FORBIDDEN,
            message: "pin/rm is turned off on this API: without its pin a record's ciphertext goes at the next garbage collection. Turn it on with --ipfs-api-unpin on medchain-node, --unpin on medchain ipfs serve".into(),
        });
    }
    let cids = Args(q).cids()?;
    let store = api.store.clone();
    let removed = cids.clone();
    blocking(move || cids.iter().try_for_each(|c| store.unpin(c))).await?;
    let pins: Vec<String> = removed.iter().map(Cid::to_string).collect();
    Ok(Json(json!({ "Pins": pins })).into_response())
}

/// kubo's `pin/ls`: pins of `type` (all, recursive, direct, indirect), or the pin of each `arg`;
/// one JSON line per pin with `stream=true`, else one `Keys` object.
async fn pin_ls(State(api): State<Arc<Api>>, Query(q): Params) -> Result<Response, ApiError> {
    let args = Args(q);
    let wanted = args.get("type").unwrap_or("all").to_owned();
    if !["all", "recursive", "direct", "indirect"].contains(&wanted.as_str()) {
        return Err(ApiError::client(format!(
            "invalid type '{wanted}', must be one of {{direct, indirect, recursive, all}}"
        )));
    }
    let stream = args.flag("stream")?.unwrap_or(false);
    let asked = args
        .all("arg")
        .map(parse_cid)
        .collect::<Result<Vec<_>, _>>()?;
    let store = api.store.clone();
    let listed = blocking(move || -> Result<Vec<(Cid, String)>, Error> {
        let pins = store.pins()?;
        let mut all: Vec<(Cid, String)> = pins
            .iter()
            .map(|(c, k)| (*c, k.as_str().to_owned()))
            .collect();
        if wanted == "all" || wanted == "indirect" || !asked.is_empty() {
            for (root, kind) in &pins {
                if *kind == PinKind::Recursive {
                    for cid in store.dag(root)?.into_iter().skip(1) {
                        if !all.iter().any(|(c, _)| c.hash() == cid.hash()) {
                            all.push((cid, "indirect".into()));
                        }
                    }
                }
            }
        }
        if !asked.is_empty() {
            return asked
                .iter()
                .map(|cid| {
                    all.iter()
                        .find(|(c, _)| c.hash() == cid.hash())
                        .map(|(_, k)| (*cid, k.clone()))
                        .ok_or(Error::NotPinned(*cid))
                })
                .collect();
        }
        Ok(all
            .into_iter()
            .filter(|(_, k)| wanted == "all" || *k == wanted)
            .collect())
    })
    .await?;
    if stream {
        let lines: Vec<Value> = listed
            .iter()
            .map(|(c, k)| json!({ "Cid": c.to_string(), "Type": k }))
            .collect();
        return Ok(ndjson(&lines));
    }
    let keys: serde_json::Map<String, Value> = listed
        .iter()
        .map(|(c, k)| (c.to_string(), json!({ "Type": k })))
        .collect();
    Ok(Json(json!({ "Keys": keys })).into_response())
}

/// kubo's `id`: this store's peer identity. It serves the RPC API only; it joins no swarm.
async fn id(State(api): State<Arc<Api>>) -> Response {
    Json(json!({
        "ID": api.identity.peer_id(),
        "PublicKey": api.identity.public_key_base64(),
        "Addresses": [],
        "AgentVersion": AGENT,
        "ProtocolVersion": "ipfs/0.1.0",
        "Protocols": [],
    }))
    .into_response()
}

/// kubo's `version`.
async fn version() -> Response {
    Json(json!({
        "Version": env!("CARGO_PKG_VERSION"),
        "Commit": "",
        "Repo": "1",
        "System": format!("{}/{}", std::env::consts::ARCH, std::env::consts::OS),
        "Golang": "none (medchain-ipfs, Rust)",
    }))
    .into_response()
}

/// Like kubo: the RPC API takes POST only.
async fn not_post() -> Response {
    ApiError {
        status: StatusCode::METHOD_NOT_ALLOWED,
        message: "405 - Method Not Allowed: use POST".into(),
    }
    .into_response()
}

/// Refuses, before any handler runs, what [`Access`] does not let in.
async fn guard(State(api): State<Arc<Api>>, request: Request, next: Next) -> Response {
    match api.access.check(request.headers()) {
        Ok(()) => next.run(request).await,
        Err(message) => ApiError {
            status: StatusCode::FORBIDDEN,
            message,
        }
        .into_response(),
    }
}

/// The API over `store`, for the callers `access` lets in.
pub fn router(store: Arc<Blockstore>, access: Access) -> Result<Router, Error> {
    let identity = crate::identity::Identity::load_or_create(store.root())?;
    let api = Arc::new(Api {
        store,
        identity,
        access,
    });
    let route = |r: axum::routing::MethodRouter<Arc<Api>>| r.fallback(not_post);
    Ok(Router::new()
        .route("/api/v0/add", route(post(add)))
        .route("/api/v0/cat", route(post(cat)))
        .route("/api/v0/block/get", route(post(block_get)))
        .route("/api/v0/block/put", route(post(block_put)))
        .route("/api/v0/block/stat", route(post(block_stat)))
        .route("/api/v0/pin/add", route(post(pin_add)))
        .route("/api/v0/pin/rm", route(post(pin_rm)))
        .route("/api/v0/pin/ls", route(post(pin_ls)))
        .route("/api/v0/id", route(post(id)))
        .route("/api/v0/version", route(post(version)))
        .fallback(any(|| async {
            ApiError {
                status: StatusCode::NOT_FOUND,
                message: "404 page not found: medchain-ipfs serves add, cat, block/get, block/put, block/stat, pin/add, pin/rm, pin/ls, id and version".into(),
            }
        }))
        // Uploads are streamed and a block is read up to its limit only: nothing to buffer.
        .layer(DefaultBodyLimit::disable())
        .layer(middleware::from_fn_with_state(api.clone(), guard))
        .with_state(api))
}

/// Serves the API over `store` on `listener`, for the callers `access` lets in, until the task is
/// dropped.
pub async fn serve(
    listener: tokio::net::TcpListener,
    store: Arc<Blockstore>,
    access: Access,
) -> Result<(), Error> {
    let app = router(store, access)?;
    axum::serve(listener, app)
        .await
        .map_err(|e| Error::Internal(format!("the IPFS API stopped: {e}")))
}

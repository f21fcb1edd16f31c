//! `medchain portal serve`: serves the built web portal (portal/dist) on this machine, tells it
//! which node to talk to, and passes its IPFS calls to the IPFS API under the portal's own origin.
//!
//! With `--keyserver`, the hospital's key service is passed on the same way (under /keyserver, its
//! `info`, `challenge`, `open`, `tag` and `rotate` calls only): the page asks it for the data key of a record the
//! hospital keeps, which comes back sealed to the reader's own key.
//!
//! The IPFS API is proxied because browsers refuse cross-origin calls that the API does not allow
//! (the embedded store sends no CORS headers and kubo allows none by default). Only the calls the
//! portal makes go through, and only from the portal's own pages: the proxy is not a way for any
//! web page to reach the IPFS API. No keys and no plaintext pass here: the page encrypts before it
//! uploads and decrypts after it downloads.
//!
//! Every answer carries a Content-Security-Policy: the page runs only the portal's own scripts
//! (and WebAssembly, for the crypto), cannot be framed, and talks only to this server and the
//! node it is served for (and the endpoints `--allow-connect` names). An injected script does not
//! run, and a link with `?rpc=` to someone else's node does not make the page trust that node.

use anyhow::{anyhow, bail, Context as _, Result};
use axum::{
    body::Body,
    extract::{Request, State},
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use clap::Subcommand;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Subcommand)]
pub enum PortalCommand {
    /// Serve the web portal on this machine, talking to --url and --ipfs.
    ///
    /// Example: medchain portal serve --listen 127.0.0.1:8080, then open http://127.0.0.1:8080
    Serve {
        /// The built portal (`npm run build` in portal/ writes it).
        #[arg(long, default_value = "portal/dist", value_name = "DIR")]
        dir: PathBuf,
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080", value_name = "HOST:PORT")]
        listen: SocketAddr,
        /// Another node or IPFS API the page may be pointed at with `?rpc=` or `?ipfs=`
        /// (ws://, wss://, http:// or https://; repeat for more). By default the page talks only
        /// to this server and to --url.
        #[arg(long, value_name = "URL")]
        allow_connect: Vec<String>,
    },
}

/// The IPFS API calls the portal makes; nothing else is passed on.
const IPFS_CALLS: &[&str] = &["add", "cat", "block/get", "block/stat", "version", "id"];

/// The key service calls the portal makes; nothing else is passed on (not `reseal`).
const KEYSERVER_CALLS: &[&str] = &["info", "challenge", "open", "tag", "rotate"];

struct Proxy {
    ipfs: String,
    rpc: String,
    keyserver: Option<String>,
    http: reqwest::Client,
}

pub fn run(global: &crate::context::Global, command: PortalCommand) -> Result<()> {
    let PortalCommand::Serve {
        dir,
        listen,
        allow_connect,
    } = command;
    check_dir(&dir)?;
    let mut endpoints = vec![connect_source(&global.url).context("--url")?];
    for url in &allow_connect {
        endpoints.push(connect_source(url).with_context(|| format!("--allow-connect {url}"))?);
    }
    let policy = header::HeaderValue::from_str(&content_security_policy(&endpoints))?;
    let ipfs = global.ipfs.trim_end_matches('/').to_string();
    if !ipfs.starts_with("http://") && !ipfs.starts_with("https://") {
        bail!("--ipfs must be an http:// or https:// URL, not '{ipfs}'");
    }
    let keyserver = match global.keyserver.as_deref().filter(|u| !u.is_empty()) {
        Some(url) if !url.starts_with("http://") && !url.starts_with("https://") => {
            bail!("--keyserver must be an http:// or https:// URL, not '{url}'")
        }
        other => other.map(|u| u.trim_end_matches('/').to_string()),
    };
    let proxy = Arc::new(Proxy {
        ipfs,
        rpc: global.url.clone(),
        keyserver,
        http: reqwest::Client::new(),
    });
    let app = Router::new()
        .route("/medchain-portal.json", get(config))
        .route("/ipfs/api/v0/{*call}", post(forward))
        .route("/keyserver/v1/{call}", get(key_service).post(key_service))
        .with_state(proxy.clone())
        .fallback_service(tower_http::services::ServeDir::new(&dir))
        .layer(axum::middleware::map_response(
            move |mut response: Response| {
                let policy = policy.clone();
                async move {
                    let h = response.headers_mut();
                    h.insert(header::CONTENT_SECURITY_POLICY, policy);
                    h.insert(
                        header::X_CONTENT_TYPE_OPTIONS,
                        header::HeaderValue::from_static("nosniff"),
                    );
                    h.insert(
                        header::REFERRER_POLICY,
                        header::HeaderValue::from_static("no-referrer"),
                    );
                    h.insert(
                        header::X_FRAME_OPTIONS,
                        header::HeaderValue::from_static("DENY"),
                    );
                    response
                }
            },
        ));
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .with_context(|| format!("cannot listen on --listen {listen}"))?;
        let addr = listener.local_addr()?;
        eprintln!(
            "portal on http://{addr} (node {}, IPFS {})",
            proxy.rpc, proxy.ipfs
        );
        tokio::select! {
            served = axum::serve(listener, app) => served.context("the portal server stopped"),
            _ = tokio::signal::ctrl_c() => Ok(()),
        }
    })
}

/// `url` as a CSP source (scheme, host and port), if it is a WebSocket or HTTP URL.
fn connect_source(url: &str) -> Result<String> {
    let parsed = reqwest::Url::parse(url).map_err(|e| anyhow!("'{url}' is not a URL: {e}"))?;
    if !matches!(parsed.scheme(), "ws" | "wss" | "http" | "https") {
        bail!("'{url}' is not a ws://, wss://, http:// or https:// URL");
    }
    let host = parsed
        .host_str()
        .ok_or_else(|| anyhow!("'{url}' names no host"))?;
    // Nothing that could end the source list or the directive (`;`, `,`, quotes).
    if !host
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || ".-[]:".contains(c))
    {
        bail!("'{url}' has a host that is not a plain name or address");
    }
    Ok(match parsed.port() {
        Some(port) => format!("{}://{host}:{port}", parsed.scheme()),
        None => format!("{}://{host}", parsed.scheme()),
    })
}

/// The page's policy: its own scripts and styles only, WebAssembly for the crypto (no `eval`),
/// nothing framed or framing, and connections to this server and `endpoints` only.
fn content_security_policy(endpoints: &[String]) -> String {
    format!(
        "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data: blob:; font-src 'self'; manifest-src 'self'; \
         connect-src 'self' {}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        endpoints.join(" ")
    )
}

fn check_dir(dir: &Path) -> Result<()> {
    if !dir.join("index.html").is_file() {
        bail!(
            "no built portal in {} (no index.html): run `npm ci && npm run build` in portal/, or pass --dir",
            dir.display()
        );
    }
    Ok(())
}

/// What the page needs to know to find the node and the IPFS API.
async fn config(State(proxy): State<Arc<Proxy>>) -> Json<serde_json::Value> {
    Json(serde_json::json!({
        "rpc": proxy.rpc,
        "ipfs": "/ipfs",
        "keyserver": proxy.keyserver.as_ref().map(|_| "/keyserver"),
    }))
}

/// Passes one key service call on (its answers are small JSON).
async fn key_service(State(proxy): State<Arc<Proxy>>, request: Request) -> Response {
    let Some(service) = proxy.keyserver.as_deref() else {
        return refuse_key(
            StatusCode::NOT_FOUND,
            "this portal was served without --keyserver".into(),
        );
    };
    let call = request
        .uri()
        .path()
        .trim_start_matches("/keyserver/v1/")
        .to_string();
    if !KEYSERVER_CALLS.contains(&call.as_str()) {
        return refuse_key(
            StatusCode::FORBIDDEN,
            format!("the portal does not pass on /v1/{call}"),
        );
    }
    if !same_origin(request.headers()) {
        return refuse_key(
            StatusCode::FORBIDDEN,
            "key service calls are passed on for the portal's own pages only".into(),
        );
    }
    let url = format!("{service}/v1/{call}");
    let upstream = if request.method() == axum::http::Method::GET {
        proxy.http.get(&url)
    } else {
        let body = match axum::body::to_bytes(request.into_body(), 64 * 1024).await {
            Ok(b) => b,
            Err(_) => {
                return refuse_key(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "a key service request is small JSON".into(),
                )
            }
        };
        proxy
            .http
            .post(&url)
            .header(header::CONTENT_TYPE, "application/json")
            .body(body)
    };
    match upstream.send().await {
        Ok(answer) => {
            let status = answer.status().as_u16();
            match answer.bytes().await {
                Ok(bytes) => Response::builder()
                    .status(status)
                    .header(header::CONTENT_TYPE, "application/json")
                    .body(Body::from(bytes))
                    .unwrap_or_else(|e| refuse_key(StatusCode::BAD_GATEWAY, e.to_string())),
                Err(e) => refuse_key(StatusCode::BAD_GATEWAY, e.to_string()),
            }
        }
        Err(e) => refuse_key(
            StatusCode::BAD_GATEWAY,
            format!(
                "the key service at {service} cannot be reached: {}",
                anyhow!(e)
            ),
        ),
    }
}

/// Whether a request comes from the portal's own pages. A browser sends `Origin` on every POST a
/// page makes; it must name the host the request was sent to.
fn same_origin(headers: &HeaderMap) -> bool {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    match headers.get(header::ORIGIN).map(|o| o.to_str()) {
        // Not from a browser page (curl, the CLI): nothing to guard against.
        None => true,
        Some(Ok(origin)) => host.is_some_and(|host| {
            origin
                .strip_prefix("http://")
                .or_else(|| origin.strip_prefix("https://"))
                == Some(host)
        }),
        Some(Err(_)) => false,
    }
}

fn refuse(status: StatusCode, message: String) -> Response {
    (
        status,
        Json(serde_json::json!({ "Message": message, "Type": "error" })),
    )
        .into_response()
}

/// A refusal in the key service's own form, so the page reads both alike.
fn refuse_key(status: StatusCode, message: String) -> Response {
    (status, Json(serde_json::json!({ "error": message }))).into_response()
}

/// Passes one IPFS API call on, streaming both ways.
async fn forward(State(proxy): State<Arc<Proxy>>, request: Request) -> Response {
    let path = request.uri().path().to_string();
    let call = path.trim_start_matches("/ipfs/api/v0/");
    if !IPFS_CALLS.contains(&call) {
        return refuse(
            StatusCode::FORBIDDEN,
            format!("the portal does not pass on /api/v0/{call}"),
        );
    }
    if !same_origin(request.headers()) {
        return refuse(
            StatusCode::FORBIDDEN,
            "IPFS calls are passed on for the portal's own pages only".into(),
        );
    }
    let query = request
        .uri()
        .query()
        .map(|q| format!("?{q}"))
        .unwrap_or_default();
    let url = format!("{}/api/v0/{call}{query}", proxy.ipfs);
    let mut upstream = proxy.http.post(&url);
    if let Some(kind) = request.headers().get(header::CONTENT_TYPE) {
        upstream = upstream.header(header::CONTENT_TYPE, kind.clone());
    }
    let body = reqwest::Body::wrap_stream(request.into_body().into_data_stream());
    match upstream.body(body).send().await {
        Ok(answer) => {
            let mut response = Response::builder().status(answer.status().as_u16());
            if let Some(kind) = answer.headers().get(reqwest::header::CONTENT_TYPE) {
                response = response.header(header::CONTENT_TYPE, kind.as_bytes());
            }
            response
                .body(Body::from_stream(answer.bytes_stream()))
                .unwrap_or_else(|e| refuse(StatusCode::BAD_GATEWAY, e.to_string()))
        }
        Err(e) => refuse(
            StatusCode::BAD_GATEWAY,
            format!(
                "the IPFS API at {} cannot be reached: {}",
                proxy.ipfs,
                anyhow!(e)
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(host: &str, origin: Option<&str>) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_str(host).unwrap());
        if let Some(o) = origin {
            h.insert(header::ORIGIN, HeaderValue::from_str(o).unwrap());
        }
        h
    }

    #[test]
    fn the_policy_names_only_the_endpoints_given_and_refuses_what_is_not_one() {
        assert_eq!(
            connect_source("ws://127.0.0.1:9944/").unwrap(),
            "ws://127.0.0.1:9944"
        );
        assert_eq!(
            connect_source("https://ipfs.hospital.example/api").unwrap(),
            "https://ipfs.hospital.example"
        );
        for bad in [
            "javascript:alert(1)",
            "ftp://127.0.0.1",
            "ws://host;script-src *",
            "ws://host;script-src",
            "http://a,b",
            "ws://host script-src *",
            "127.0.0.1:9944",
        ] {
            assert!(connect_source(bad).is_err(), "{bad}");
        }
        let policy = content_security_policy(&["ws://127.0.0.1:9944".into()]);
        assert!(policy.contains("connect-src 'self' ws://127.0.0.1:9944;"));
        assert!(policy.contains("script-src 'self' 'wasm-unsafe-eval';"));
        assert!(!policy.contains("unsafe-inline") && !policy.contains("'unsafe-eval'"));
    }

    #[test]
    fn only_the_portals_own_pages_pass() {
        assert!(same_origin(&headers("127.0.0.1:8080", None)));
        assert!(same_origin(&headers(
            "127.0.0.1:8080",
            Some("http://127.0.0.1:8080")
        )));
        assert!(!same_origin(&headers(
            "127.0.0.1:8080",
            Some("http://evil.example")
        )));
        assert!(!same_origin(&headers(
            "127.0.0.1:8080",
            Some("http://127.0.0.1:8081")
        )));
        assert!(!same_origin(&headers("127.0.0.1:8080", Some("null"))));
    }

    #[test]
    fn a_missing_build_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let e = check_dir(dir.path()).unwrap_err().to_string();
        assert!(e.contains("npm run build"), "{e}");
    }
}

//! A client for any kubo-compatible HTTP RPC endpoint (kubo itself, `medchain ipfs serve`, the
//! node's `--ipfs-api`), by URL. Uploads and downloads stream; errors say which endpoint failed
//! and how to fix it.

use crate::Cid;
use bytes::Bytes;
use futures::{Stream, StreamExt};
use serde::Deserialize;

/// What a call to an IPFS endpoint can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("IPFS endpoint {url} is unreachable ({source}): start one with `medchain ipfs serve` or a kubo daemon, or pass another with --ipfs")]
    Unreachable {
        url: String,
        #[source]
        source: reqwest::Error,
    },
    #[error("IPFS endpoint {url} refused `{command}`: {message}")]
    Api {
        url: String,
        command: &'static str,
        message: String,
    },
    #[error("IPFS endpoint {url}: {message}")]
    Protocol { url: String, message: String },
    #[error("IPFS endpoint URL '{0}' is not an http:// URL such as http://127.0.0.1:5001")]
    BadUrl(String),
}

/// An added file, as the endpoint reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Added {
    pub cid: Cid,
    /// kubo's `Size`: the DAG's bytes.
    pub size: u64,
}

#[derive(Deserialize)]
struct AddLine {
    #[serde(rename = "Hash")]
    hash: Option<String>,
    #[serde(rename = "Size")]
    size: Option<String>,
}

#[derive(Deserialize)]
struct ErrorBody {
    #[serde(rename = "Message")]
    message: String,
}

#[derive(Deserialize)]
struct Version {
    #[serde(rename = "Version")]
    version: String,
}

/// A kubo-compatible endpoint.
#[derive(Clone)]
pub struct IpfsClient {
    base: String,
    http: reqwest::Client,
}

impl IpfsClient {
    /// A client of the endpoint at `url` (`http://host:port`, as kubo's `--api` takes it).
    pub fn new(url: &str) -> Result<Self, ClientError> {
        let base = url.trim_end_matches('/').to_owned();
        if !base.starts_with("http://") || base.len() <= "http://".len() {
            return Err(ClientError::BadUrl(url.into()));
        }
        Ok(Self {
            base,
            http: reqwest::Client::new(),
        })
    }

    pub fn url(&self) -> &str {
        &self.base
    }

    async fn post(
        &self,
        command: &'static str,
        query: &[(&str, String)],
        form: Option<reqwest::multipart::Form>,
    ) -> Result<reqwest::Response, ClientError> {
        let mut request = self
            .http
            .post(format!("{}/api/v0/{command}", self.base))
            .query(query);
        if let Some(form) = form {
            request = request.multipart(form);
        }
        let response = request.send().await.map_err(|source| {
            // Only a connection that could not be made means nobody is there; a connection that
            // was closed while answering is the endpoint failing (kubo, and ours, abort a
            // response whose data turned out bad).
            if source.is_connect() || source.is_timeout() {
                ClientError::Unreachable {
                    url: self.base.clone(),
                    source,
                }
            } else {
                ClientError::Protocol {
                    url: self.base.clone(),
                    message: format!("`{command}` broke off: {source}"),
                }
            }
        })?;
        if response.status().is_success() {
            return Ok(response);
        }
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        let message = serde_json::from_str::<ErrorBody>(&text)
            .map(|b| b.message)
            .unwrap_or_else(|_| format!("HTTP {status}: {text}"));
        Err(ClientError::Api {
            url: self.base.clone(),
            command,
            message,
        })
    }

    fn protocol(&self, message: impl Into<String>) -> ClientError {
        ClientError::Protocol {
            url: self.base.clone(),
            message: message.into(),
        }
    }

    /// The endpoint's version string.
    pub async fn version(&self) -> Result<String, ClientError> {
        let response = self.post("version", &[], None).await?;
        let v: Version = response
            .json()
            .await
            .map_err(|e| self.protocol(format!("unreadable version: {e}")))?;
        Ok(v.version)
    }

    /// Adds the bytes `body` yields as one file named `name`, as CIDv1 with raw leaves (kubo's
    /// `--cid-version=1`), pinned. Streams: the body is sent as it is produced.
    pub async fn add<S>(&self, name: &str, body: S) -> Result<Added, ClientError>
    where
        S: Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static,
    {
        let part = reqwest::multipart::Part::stream(reqwest::Body::wrap_stream(body))
            .file_name(name.to_owned())
            .mime_str("application/octet-stream")
            .map_err(|e| self.protocol(e.to_string()))?;
        let form = reqwest::multipart::Form::new().part("file", part);
        let query = [
            ("cid-version", "1".to_owned()),
            ("raw-leaves", "true".to_owned()),
            ("pin", "true".to_owned()),
        ];
        let text = self
            .post("add", &query, Some(form))
            .await?
            .text()
            .await
            .map_err(|e| self.protocol(format!("reading the add response: {e}")))?;
        // One JSON line per file (and progress lines without a hash).
        let line = text
            .lines()
            .filter_map(|l| serde_json::from_str::<AddLine>(l).ok())
            .find(|l| l.hash.is_some())
            .ok_or_else(|| self.protocol(format!("the add response names no CID: {text}")))?;
        let hash = line.hash.unwrap_or_default();
        let cid = Cid::try_from(hash.as_str())
            .map_err(|e| self.protocol(format!("the add response's CID '{hash}': {e}")))?;
        let size = line
            .size
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| self.protocol("the add response has no size"))?;
        Ok(Added { cid, size })
    }

    /// The file `cid`, as a stream of bytes.
    pub async fn cat(
        &self,
        cid: &Cid,
    ) -> Result<impl Stream<Item = Result<Bytes, ClientError>>, ClientError> {
        let response = self.post("cat", &[("arg", cid.to_string())], None).await?;
        let url = self.base.clone();
        Ok(response.bytes_stream().map(move |r| {
            r.map_err(|e| ClientError::Protocol {
                url: url.clone(),
                message: format!("the download broke off: {e}"),
            })
        }))
    }

    /// Block `cid`'s bytes.
    pub async fn block_get(&self, cid: &Cid) -> Result<Bytes, ClientError> {
        let response = self
            .post("block/get", &[("arg", cid.to_string())], None)
            .await?;
        response
            .bytes()
            .await
            .map_err(|e| self.protocol(format!("reading block {cid}: {e}")))
    }

    /// Pins `cid` recursively.
    pub async fn pin_add(&self, cid: &Cid) -> Result<(), ClientError> {
        self.post("pin/add", &[("arg", cid.to_string())], None)
            .await
            .map(|_| ())
    }

    /// Removes the pin of `cid`.
    pub async fn pin_rm(&self, cid: &Cid) -> Result<(), ClientError> {
        self.post("pin/rm", &[("arg", cid.to_string())], None)
            .await
            .map(|_| ())
    }
}

//! `medchain ipfs`: the embedded IPFS store on its own.

use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};
use medchain_ipfs::{import_reader, Blockstore, Cid, HashOnly, ImportOptions, PinKind};
use std::path::PathBuf;
use std::sync::Arc;

/// Where the store lives unless `--repo` says otherwise.
fn default_repo() -> PathBuf {
    if let Some(dir) = std::env::var_os("MEDCHAIN_IPFS_REPO") {
        return dir.into();
    }
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| ".".into());
    home.join(".medchain").join("ipfs")
}

#[derive(Args)]
pub struct Repo {
    /// The store's directory [default: $MEDCHAIN_IPFS_REPO, else ~/.medchain/ipfs]
    #[arg(long, value_name = "DIR")]
    repo: Option<PathBuf>,
}

impl Repo {
    fn open(&self) -> Result<Blockstore> {
        let dir = self.repo.clone().unwrap_or_else(default_repo);
        Blockstore::open(&dir)
            .with_context(|| format!("opening the IPFS store in {}", dir.display()))
    }
}

/// Who may call the served API (medchain-node has the same rules as `--ipfs-api-*`).
#[derive(Args)]
pub struct AccessArgs {
    /// A web origin (scheme://host[:port]) whose pages may call the API; repeat for more. A page
    /// of any other origin gets 403, so a site opened on this machine cannot drive the store.
    #[arg(long = "allow-origin", value_name = "ORIGIN")]
    origins: Vec<String>,
    /// A host name the API answers to, besides IP addresses and localhost; repeat for more.
    /// Requests naming any other host get 403 (a DNS-rebinding page names its own domain).
    #[arg(long = "allow-host", value_name = "NAME")]
    hosts: Vec<String>,
    /// Serve pin/rm. Off by default: without its pin a record's ciphertext goes at the next
    /// garbage collection.
    #[arg(long)]
    unpin: bool,
}

impl AccessArgs {
    fn access(self) -> medchain_ipfs::Access {
        medchain_ipfs::Access {
            origins: self.origins,
            hosts: self.hosts,
            unpin: self.unpin,
        }
    }
}

#[derive(Subcommand)]
pub enum IpfsCommand {
    /// Serve kubo's HTTP RPC API (add, cat, block, pin, id, version) from the store.
    ///
    /// Example: medchain ipfs serve --api 127.0.0.1:5001
    Serve {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:5001", value_name = "HOST:PORT")]
        api: String,
        #[command(flatten)]
        repo: Repo,
        #[command(flatten)]
        access: AccessArgs,
    },
    /// Add a file to the store (pinned) and print its CID, as `ipfs add` would.
    ///
    /// Example: medchain ipfs add scan.enc --cid-version 1
    Add {
        file: PathBuf,
        /// CID version: 1 (raw leaves, medchain's default) or 0 (kubo's default).
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(0..=1))]
        cid_version: u64,
        /// Compute the CID only; store nothing.
        #[arg(long)]
        only_hash: bool,
        #[command(flatten)]
        repo: Repo,
    },
    /// Write a file of the store to standard output or to a file.
    ///
    /// Example: medchain ipfs cat bafy... -o scan.enc
    Cat {
        cid: String,
        /// Write here instead of standard output (whole or not at all).
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        #[command(flatten)]
        repo: Repo,
    },
    /// Remove every block no pin keeps.
    Gc {
        #[command(flatten)]
        repo: Repo,
    },
}

pub fn run(command: IpfsCommand) -> Result<()> {
    match command {
        IpfsCommand::Serve { api, repo, access } => serve(&api, repo.open()?, access.access()),
        IpfsCommand::Add {
            file,
            cid_version,
            only_hash,
            repo,
        } => {
            let options = if cid_version == 0 {
                ImportOptions::v0()
            } else {
                ImportOptions::v1()
            };
            let input = std::fs::File::open(&file)
                .with_context(|| format!("cannot read FILE {}: check the path", file.display()))?;
            let imported = if only_hash {
                import_reader(input, options, HashOnly)?
            } else {
                let store = repo.open()?;
                let _writer = store.writer();
                let imported = import_reader(input, options, &store)?;
                store.pin(&imported.cid, PinKind::Recursive)?;
                imported
            };
            println!("{}", imported.cid);
            Ok(())
        }
        IpfsCommand::Cat { cid, output, repo } => {
            let cid = Cid::try_from(cid.as_str()).with_context(|| {
                format!("CID '{cid}' is not a CID: pass one `medchain ipfs add` printed")
            })?;
            let store = repo.open()?;
            match output {
                None => {
                    store.read_file(&cid, &mut std::io::stdout().lock())?;
                }
                Some(path) => write_whole(&path, |out| Ok(store.read_file(&cid, out)?))?,
            }
            Ok(())
        }
        IpfsCommand::Gc { repo } => {
            let removed = repo.open()?.gc()?;
            println!("removed {} blocks", removed.len());
            Ok(())
        }
    }
}

/// Writes `path` through a temporary file renamed into place only when `write` succeeds: never a
/// partial file.
fn write_whole(
    path: &std::path::Path,
    write: impl FnOnce(&mut std::fs::File) -> Result<u64>,
) -> Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let mut tmp = tempfile_in(dir)?;
    write(tmp.as_file_mut())?;
    tmp.as_file().sync_all()?;
    tmp.persist(path)
        .map_err(|e| e.error)
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

fn tempfile_in(dir: &std::path::Path) -> Result<tempfile::NamedTempFile> {
    tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("cannot write in {}", dir.display()))
}

fn serve(api: &str, store: Blockstore, access: medchain_ipfs::Access) -> Result<()> {
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        let listener = match tokio::net::TcpListener::bind(api).await {
            Ok(l) => l,
            Err(e) => bail!("cannot listen on --api {api}: {e} (is another IPFS daemon using it?)"),
        };
        eprintln!(
            "medchain ipfs: kubo RPC API on http://{}/api/v0, store {}",
            listener.local_addr()?,
            store.root().display()
        );
        tokio::select! {
            result = medchain_ipfs::api::serve(listener, Arc::new(store), access) => Ok(result?),
            _ = tokio::signal::ctrl_c() => Ok(()),
        }
    })
}

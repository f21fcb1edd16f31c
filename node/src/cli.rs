//! Command-line arguments of medchain-node.

#[derive(Debug, clap::Parser)]
#[command(
    propagate_version = true,
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub subcommand: Option<Subcommand>,

    #[clap(flatten)]
    pub run: sc_cli::RunCmd,

    /// Serve kubo's IPFS HTTP RPC API (add, cat, block, pin, id, version) from the node's embedded
    /// store (`<base-path>/ipfs`) on this address. On by default with `--dev` (127.0.0.1:5001).
    #[arg(long, value_name = "HOST:PORT")]
    pub ipfs_api: Option<std::net::SocketAddr>,

    /// Serve no IPFS API, even with `--dev`.
    #[arg(long, conflicts_with = "ipfs_api")]
    pub no_ipfs_api: bool,

    /// A web origin (scheme://host[:port]) whose pages may call the IPFS API; repeat for more. A
    /// page of any other origin gets 403, so a site opened on this machine cannot drive the store.
    #[arg(long = "ipfs-api-allow-origin", value_name = "ORIGIN")]
    pub ipfs_api_origins: Vec<String>,

    /// A host name the IPFS API answers to, besides IP addresses and localhost; repeat for more.
    /// Requests naming any other host get 403 (a DNS-rebinding page names its own domain).
    #[arg(long = "ipfs-api-allow-host", value_name = "NAME")]
    pub ipfs_api_hosts: Vec<String>,

    /// Serve the IPFS API's pin/rm. Off by default: without its pin a record's ciphertext goes at
    /// the next garbage collection.
    #[arg(long)]
    pub ipfs_api_unpin: bool,
}

impl Cli {
    /// Who may call the IPFS API.
    pub fn ipfs_access(&self) -> medchain_ipfs::Access {
        medchain_ipfs::Access {
            origins: self.ipfs_api_origins.clone(),
            hosts: self.ipfs_api_hosts.clone(),
            unpin: self.ipfs_api_unpin,
        }
    }

    /// Where to serve the IPFS API, if anywhere.
    pub fn ipfs_api(&self) -> Option<std::net::SocketAddr> {
        if self.no_ipfs_api {
            return None;
        }
        self.ipfs_api.or_else(|| {
            self.run
                .shared_params
                .dev
                .then(|| std::net::SocketAddr::from(([127, 0, 0, 1], 5001)))
        })
    }
}

#[derive(Debug, clap::Subcommand)]
#[allow(clippy::large_enum_variant)]
pub enum Subcommand {
    /// Write the chain spec of a chain founded by real hospitals, from a founders file naming
    /// their admins, session keys, bonds, endowments and bootnodes (docs/founding.md).
    Found(crate::found::FoundCmd),

    /// Key management: generate, inspect and insert keys, and node keys.
    #[command(subcommand)]
    Key(sc_cli::KeySubcommand),

    /// Write a chain specification (use `--raw` for the form other nodes load).
    BuildSpec(sc_cli::BuildSpecCmd),

    /// Export the chain specification with its genesis state.
    ExportChainSpec(sc_cli::ExportChainSpecCmd),

    /// Validate blocks.
    CheckBlock(sc_cli::CheckBlockCmd),

    /// Export blocks.
    ExportBlocks(sc_cli::ExportBlocksCmd),

    /// Export the state of a given block into a chain spec.
    ExportState(sc_cli::ExportStateCmd),

    /// Import blocks.
    ImportBlocks(sc_cli::ImportBlocksCmd),

    /// Remove the whole chain database.
    PurgeChain(sc_cli::PurgeChainCmd),

    /// Revert the chain to a previous state.
    Revert(sc_cli::RevertCmd),

    /// Database metadata.
    ChainInfo(sc_cli::ChainInfoCmd),
}

//! The node's embedded IPFS store: kubo's HTTP RPC API served next to the chain, so a hospital
//! runs one process for both and clients point at it as they would at kubo.

use std::{net::SocketAddr, path::PathBuf, sync::Arc};

/// Opens the store in `repo` and serves its API on `address` for as long as the node runs, with
/// its size and pins on the node's Prometheus endpoint (`registry`). A port in use or an
/// unreadable store stops the node at start, with the reason.
pub fn start(
    task_manager: &sc_service::TaskManager,
    address: SocketAddr,
    repo: PathBuf,
    access: medchain_ipfs::Access,
    registry: Option<&substrate_prometheus_endpoint::Registry>,
) -> Result<(), String> {
    let store = Arc::new(
        medchain_ipfs::Blockstore::open(&repo)
            .map_err(|e| format!("cannot open the IPFS store in {}: {e}", repo.display()))?,
    );
    if let Some(registry) = registry {
        crate::metrics::ipfs(task_manager, registry, store.clone(), repo.clone())
            .map_err(|e| format!("cannot register the IPFS store's metrics: {e}"))?;
    }
    let listener = std::net::TcpListener::bind(address)
        .and_then(|l| l.set_nonblocking(true).map(|()| l))
        .and_then(tokio::net::TcpListener::from_std)
        .map_err(|e| {
            format!("cannot serve the IPFS API on {address}: {e} (choose another with --ipfs-api, or --no-ipfs-api)")
        })?;
    log::info!(
        "📦 IPFS API on http://{address}/api/v0, store {}",
        repo.display()
    );
    task_manager
        .spawn_handle()
        .spawn("ipfs-api", None, async move {
            if let Err(e) = medchain_ipfs::api::serve(listener, store, access).await {
                log::error!("IPFS API stopped: {e}");
            }
        });
    Ok(())
}

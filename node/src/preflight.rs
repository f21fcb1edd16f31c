//! Checks made before the node opens its database, so that a bad setting ends with one line
//! naming the problem and the fix, and touches no data: a base path that cannot be written, and
//! ports in use (Substrate would otherwise move RPC to a random port that a hospital's firewall
//! and Apps would not find).

use sc_network::multiaddr::Protocol;
use sc_service::Configuration;
use std::net::{IpAddr, SocketAddr, TcpListener};

/// Runs every check; the first failure is the error.
pub fn check_all(config: &mut Configuration) -> Result<(), String> {
    base_path_writable(config)?;
    ports_free(config)
}

/// The node keeps its database and keystore under the base path; it must be a writable directory.
fn base_path_writable(config: &Configuration) -> Result<(), String> {
    let dir = config.base_path.path();
    let probe = dir.join(".medchain-write-test");
    std::fs::create_dir_all(dir)
        .and_then(|_| std::fs::write(&probe, b"ok"))
        .and_then(|_| std::fs::remove_file(&probe))
        .map_err(|e| {
            format!(
                "cannot write the base path '{}': {e}; choose a directory this user can write with --base-path",
                dir.display()
            )
        })
}

/// Fails with a one-line message naming the first port in use and the flag that moves it.
fn ports_free(config: &mut Configuration) -> Result<(), String> {
    let rpc_port = config.rpc.port;
    match config.rpc.addr.as_mut() {
        Some(endpoints) => {
            for e in endpoints.iter_mut() {
                e.retry_random_port = false;
                if !e.is_optional {
                    check(e.listen_addr, "RPC", "--rpc-port")?;
                }
            }
        }
        None => check(
            SocketAddr::from(([127, 0, 0, 1], rpc_port)),
            "RPC",
            "--rpc-port",
        )?,
    }
    if let Some(prometheus) = &config.prometheus_config {
        check(
            prometheus.port,
            "Prometheus",
            "--prometheus-port (or --no-prometheus)",
        )?;
    }
    for addr in &config.network.listen_addresses {
        let mut ip = None;
        let mut port = None;
        for p in addr.iter() {
            match p {
                Protocol::Ip4(a) => ip = Some(IpAddr::V4(a)),
                Protocol::Ip6(a) => ip = Some(IpAddr::V6(a)),
                Protocol::Tcp(p) if p != 0 => port = Some(p),
                _ => {}
            }
        }
        if let (Some(ip), Some(port)) = (ip, port) {
            check(
                SocketAddr::new(ip, port),
                "p2p",
                "--port (or --listen-addr)",
            )?;
        }
    }
    Ok(())
}

fn check(addr: SocketAddr, what: &str, flag: &str) -> Result<(), String> {
    match TcpListener::bind(addr) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => Err(format!(
            "{what} port {} on {} is already in use by another program: stop it, or choose another port with {flag}",
            addr.port(),
            addr.ip()
        )),
        // Addresses this machine does not have (an IPv6 listener on an IPv4-only host) are the
        // network layer's to report.
        Err(_) => Ok(()),
    }
}

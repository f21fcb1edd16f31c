//! medchain's own metrics on the node's Prometheus endpoint, next to Substrate's:
//!
//! - `medchain_kdpos_candidate{account, class, verdict}` (1 for this node's candidate: the account
//!   whose session keys are in this node's keystore; its class at the last era boundary and its
//!   verdict in the election as it would run now), `medchain_kdpos_score` (ppm);
//! - `medchain_kdpos_evictions_total`: producers K-DPoS evicted in the blocks this node imported
//!   as best (`kdpos.ProducerEvicted`), which ops/monitoring/alerts.yml alerts on;
//! - `medchain_ipfs_store_bytes` and `medchain_ipfs_pins`: the embedded IPFS store's size on disk
//!   and its pins.

use crate::service::FullClient;
use codec::Decode;
use futures::StreamExt;
use medchain_runtime::{opaque::Block, AccountId, Balance, RuntimeEvent};
use pallet_kdpos::runtime_api::KdposApi;
use sc_client_api::{BlockchainEvents, StorageProvider};
use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;
use sp_core::{crypto::key_types::AURA, storage::StorageKey};
use sp_io::hashing::{twox_128, twox_64};
use sp_keystore::KeystorePtr;
use sp_runtime::traits::Header as _;
use std::{path::PathBuf, sync::Arc, time::Duration};
use substrate_prometheus_endpoint::{
    register, Counter, Gauge, GaugeVec, Opts, PrometheusError, Registry, U64,
};

type Hash = <Block as sp_runtime::traits::Block>::Hash;

/// Best blocks between two updates of the candidate's metrics (a minute of 3 s blocks).
const CANDIDATE_EVERY: u32 = 20;

/// The storage key of a `StorageValue` or of a `Twox64Concat` map's entry.
fn storage_key(pallet: &str, item: &str, map_key: Option<&[u8]>) -> StorageKey {
    let mut key = [twox_128(pallet.as_bytes()), twox_128(item.as_bytes())].concat();
    if let Some(k) = map_key {
        key.extend_from_slice(&twox_64(k));
        key.extend_from_slice(k);
    }
    StorageKey(key)
}

/// The candidate account this node validates for: the owner of an Aura key in its keystore.
fn own_account(client: &FullClient, keystore: &KeystorePtr, at: Hash) -> Option<AccountId> {
    keystore
        .sr25519_public_keys(AURA)
        .into_iter()
        .find_map(|key| {
            let owner_key = codec::Encode::encode(&(AURA, key.0.to_vec()));
            let stored = client
                .storage(at, &storage_key("Session", "KeyOwner", Some(&owner_key)))
                .ok()??;
            AccountId::decode(&mut &stored.0[..]).ok()
        })
}

/// K-DPoS evictions in a block's events.
fn evictions(client: &FullClient, at: Hash) -> u64 {
    let Ok(Some(events)) = client.storage(at, &storage_key("System", "Events", None)) else {
        return 0;
    };
    // Decoded with this node's runtime types: after an upgrade that changes events, nothing is
    // counted until the node is upgraded too.
    Vec::<frame_system::EventRecord<RuntimeEvent, Hash>>::decode(&mut &events.0[..])
        .map(|records| {
            records
                .iter()
                .filter(|r| {
                    matches!(
                        r.event,
                        RuntimeEvent::Kdpos(pallet_kdpos::Event::ProducerEvicted { .. })
                    )
                })
                .count() as u64
        })
        .unwrap_or(0)
}

struct KdposMetrics {
    candidate: GaugeVec<U64>,
    score: Gauge<U64>,
    evictions: Counter<U64>,
}

impl KdposMetrics {
    fn register(registry: &Registry) -> Result<Self, PrometheusError> {
        Ok(Self {
            candidate: register(
                GaugeVec::new(
                    Opts::new(
                        "medchain_kdpos_candidate",
                        "This node's K-DPoS candidate: its class and its verdict in the election as it would run now",
                    ),
                    &["account", "class", "verdict"],
                )?,
                registry,
            )?,
            score: register(
                Gauge::new(
                    "medchain_kdpos_score",
                    "This node's candidate's composite score (ppm) at the last era boundary",
                )?,
                registry,
            )?,
            evictions: register(
                Counter::new(
                    "medchain_kdpos_evictions_total",
                    "Producers K-DPoS evicted in the blocks this node imported as best",
                )?,
                registry,
            )?,
        })
    }

    /// This node's candidate, as the runtime at `at` sees it.
    fn update(&self, client: &FullClient, keystore: &KeystorePtr, at: Hash) {
        self.candidate.reset();
        let Some(account) = own_account(client, keystore, at) else {
            return;
        };
        let api = client.runtime_api();
        let Ok(candidates) = KdposApi::<Block, AccountId, Balance>::candidates(&*api, at) else {
            return;
        };
        let Some(me) = candidates.into_iter().find(|c| c.account == account) else {
            return;
        };
        let class = me
            .standing
            .as_ref()
            .map_or("none".to_string(), |s| format!("{:?}", s.class));
        self.score
            .set(me.standing.map_or(0, |s| u64::from(s.score)));
        let verdict = KdposApi::<Block, AccountId, Balance>::preview(&*api, at)
            .ok()
            .and_then(|p| p.ok())
            .and_then(|p| p.candidates.into_iter().find(|e| e.account == account))
            .and_then(|e| e.verdict)
            .map_or("none".to_string(), |v| {
                // `Producer(3)` is `Producer`: the rank changes with every vote.
                format!("{v:?}")
                    .split('(')
                    .next()
                    .unwrap_or_default()
                    .to_string()
            });
        self.candidate
            .with_label_values(&[&account.to_string(), &class, &verdict])
            .set(1);
    }
}

/// Keeps the K-DPoS metrics current: at every new best block.
pub fn kdpos(
    task_manager: &sc_service::TaskManager,
    registry: &Registry,
    client: Arc<FullClient>,
    keystore: KeystorePtr,
) -> Result<(), PrometheusError> {
    let metrics = KdposMetrics::register(registry)?;
    task_manager
        .spawn_handle()
        .spawn("medchain-kdpos-metrics", None, async move {
            metrics.update(&client, &keystore, client.info().best_hash);
            let mut blocks = client.import_notification_stream();
            while let Some(block) = blocks.next().await {
                if !block.is_new_best {
                    continue;
                }
                metrics.evictions.inc_by(evictions(&client, block.hash));
                // The candidate's view runs the whole election (`preview`): once a minute, not
                // every 3 s block; its class changes only at era boundaries anyway.
                if *block.header.number() % CANDIDATE_EVERY == 0 {
                    metrics.update(&client, &keystore, block.hash);
                }
            }
        });
    Ok(())
}

/// The total size of the files under `dir`.
fn size_of(dir: &std::path::Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| match e.metadata() {
            Ok(m) if m.is_dir() => size_of(&e.path()),
            Ok(m) => m.len(),
            Err(_) => 0,
        })
        .sum()
}

/// Keeps the IPFS store's metrics current, every 30 s.
pub fn ipfs(
    task_manager: &sc_service::TaskManager,
    registry: &Registry,
    store: Arc<medchain_ipfs::Blockstore>,
    repo: PathBuf,
) -> Result<(), PrometheusError> {
    let bytes = register(
        Gauge::<U64>::new(
            "medchain_ipfs_store_bytes",
            "Bytes the embedded IPFS store holds on disk",
        )?,
        registry,
    )?;
    let pins = register(
        Gauge::<U64>::new("medchain_ipfs_pins", "Pins in the embedded IPFS store")?,
        registry,
    )?;
    task_manager
        .spawn_handle()
        .spawn_blocking("medchain-ipfs-metrics", None, async move {
            loop {
                bytes.set(size_of(&repo));
                if let Ok(p) = store.pins() {
                    pins.set(p.len() as u64);
                }
                std::thread::sleep(Duration::from_secs(30));
            }
        });
    Ok(())
}

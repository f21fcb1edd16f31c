//! The key service over HTTP. Each answer is checked against the chain at the time it is asked:
//! access at the best block (so a member removed, or a grant revoked, gets nothing from the next
//! block), the access entry that pays for it at the finalized block (so it cannot be reorganised
//! away), and each entry pays for one answer only.

use super::custody::Custody;
use super::protocol::{
    self, unhex, Info, OpenRequest, OpenResponse, Refusal, ResealRequest, Resealed, ResealedCare,
    RotateRequest, RotateResponse, RotateStep, TagRequest, TagResponse,
};
use crate::chain::{runtime, AccountId, Client, Role};
use crate::keys::address;
use anyhow::{anyhow, Context as _, Result};
use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use runtime::runtime_types::pallet_medical_records::{runtime_api::SealedTo, types::AuditAction};
use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use subxt::backend::{legacy::LegacyRpcMethods, rpc::RpcClient};
use subxt::PolkadotConfig;
use subxt_signer::sr25519;

/// Outstanding challenges at most: a flood of requests for them cannot exhaust memory.
const MAX_CHALLENGES: usize = 100_000;
/// How long the service waits for an access entry to reach the finalized block it reads.
const FINALITY_WAIT: Duration = Duration::from_secs(6);

/// A chain the service answers for, and the organisation it holds the key of there.
pub struct ServedChain {
    pub genesis: [u8; 32],
    pub org: u32,
    client: Client,
    rpc: LegacyRpcMethods<PolkadotConfig>,
    url: String,
}

impl ServedChain {
    /// Connects to the node at `url`; the service holds `org`'s key there.
    pub async fn connect(url: &str, org: u32) -> Result<Self> {
        let rpc = RpcClient::from_url(url)
            .await
            .map_err(|e| anyhow!("cannot reach the medchain node at {url} ({e})"))?;
        let client = Client::from_rpc_client(rpc.clone())
            .await
            .map_err(|e| anyhow!("cannot read the chain at {url}: {e}"))?;
        Ok(Self {
            genesis: client.genesis_hash().0,
            org,
            rpc: LegacyRpcMethods::new(rpc),
            client,
            url: url.into(),
        })
    }

    /// The runtime API at the best block, and its number.
    async fn best(&self) -> Result<(subxt::runtime_api::RuntimeApi<PolkadotConfig, Client>, u32)> {
        let (hash, number) = self.best_hash().await?;
        Ok((self.client.runtime_api().at(hash), number))
    }

    /// The best block's hash and number.
    async fn best_hash(&self) -> Result<(subxt::utils::H256, u32)> {
        let hash = self
            .rpc
            .chain_get_block_hash(None)
            .await?
            .ok_or_else(|| anyhow!("the node at {} has no best block", self.url))?;
        let header = self
            .rpc
            .chain_get_header(Some(hash))
            .await?
            .ok_or_else(|| anyhow!("the node at {} lost its best block", self.url))?;
        Ok((hash, header.number))
    }

    /// Every record `org` keeps at block `at`: its id and its custodian's sealed key.
    async fn records_of_org(&self, at: subxt::utils::H256) -> Result<Vec<(u64, [u8; 80])>> {
        let mut all = self
            .client
            .storage()
            .at(at)
            .iter(runtime::storage().medical_records().records_iter())
            .await?;
        let mut kept = Vec::new();
        while let Some(entry) = all.next().await {
            let entry = entry?;
            // Twox64Concat: the id is the key's last 8 bytes, in the clear.
            let id = entry
                .key_bytes
                .len()
                .checked_sub(8)
                .and_then(|at| entry.key_bytes.get(at..))
                .and_then(|b| <[u8; 8]>::try_from(b).ok())
                .map(u64::from_le_bytes)
                .ok_or_else(|| anyhow!("a record's storage key is too short"))?;
            if entry.value.custodian == self.org {
                kept.push((id, entry.value.key_for_custodian));
            }
        }
        Ok(kept)
    }

    /// Every care relationship with `org` at block `at`: the patient and their type key sealed to
    /// the organisation.
    async fn care_of_org(&self, at: subxt::utils::H256) -> Result<Vec<(AccountId, [u8; 80])>> {
        let mut all = self
            .client
            .storage()
            .at(at)
            .iter(
                runtime::storage()
                    .medical_records()
                    .care_relationships_iter(),
            )
            .await?;
        let mut ours = Vec::new();
        while let Some(entry) = all.next().await {
            let entry = entry?;
            // Blake2_128Concat(patient) ‖ Twox64Concat(org), after the 32-byte prefix: the
            // patient is bytes 48..80, the organisation the last 4, both in the clear.
            let key = &entry.key_bytes;
            let org = key
                .len()
                .checked_sub(4)
                .and_then(|at| key.get(at..))
                .and_then(|b| <[u8; 4]>::try_from(b).ok())
                .map(u32::from_le_bytes);
            let patient = key.get(48..80).and_then(|b| <[u8; 32]>::try_from(b).ok());
            let (Some(org), Some(patient)) = (org, patient) else {
                return Err(anyhow!("a care relationship's storage key is too short"));
            };
            if org == self.org {
                ours.push((AccountId::from(patient), entry.value.type_key));
            }
        }
        Ok(ours)
    }

    /// The organisation's key on chain at `at`.
    async fn org_key(&self, at: subxt::utils::H256) -> Result<Option<[u8; 32]>> {
        Ok(self
            .client
            .runtime_api()
            .at(at)
            .call(runtime::apis().medical_records_api().organisation(self.org))
            .await?
            .and_then(|o| o.key))
    }

    /// The runtime API at the finalized block, and its number.
    async fn finalized(
        &self,
    ) -> Result<(subxt::runtime_api::RuntimeApi<PolkadotConfig, Client>, u32)> {
        let block = self.client.blocks().at_latest().await?;
        Ok((self.client.runtime_api().at(block.hash()), block.number()))
    }
}

/// The service: its custody, the chains it serves, the challenges it issued, the access entries
/// it has answered for, and its release log.
pub struct Service {
    custody: Box<dyn Custody>,
    chains: Vec<ServedChain>,
    challenges: Mutex<HashMap<[u8; 32], Instant>>,
    released: Mutex<HashSet<([u8; 32], u64, u32)>>,
    log: Mutex<std::fs::File>,
    log_path: PathBuf,
}

/// One line of the release log (JSON): what was released, to whom, for which access entry.
#[derive(serde::Serialize, serde::Deserialize)]
struct Release {
    at_unix: u64,
    kind: String,
    genesis: String,
    record: u64,
    account: String,
    /// The access entry the answer was for (`open` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    audit_index: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    audit_block: Option<u32>,
}

/// A refusal with its HTTP status.
struct Refused(StatusCode, String);

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        (self.0, Json(Refusal { error: self.1 })).into_response()
    }
}

fn bad(what: impl Into<String>) -> Refused {
    Refused(StatusCode::BAD_REQUEST, what.into())
}
fn forbidden(what: impl Into<String>) -> Refused {
    Refused(StatusCode::FORBIDDEN, what.into())
}
fn failed(e: anyhow::Error) -> Refused {
    Refused(StatusCode::BAD_GATEWAY, format!("{e:#}"))
}

impl Service {
    /// A service over `custody` for `chains` (the first is its own chain; a second one is the
    /// consortium chain records are imported into), appending to the release log `log_path`. The
    /// log's entries are answered for already: a restart does not make them usable again.
    pub fn new(
        custody: Box<dyn Custody>,
        chains: Vec<ServedChain>,
        log_path: &Path,
    ) -> Result<Self> {
        let mut released = HashSet::new();
        if let Ok(text) = std::fs::read_to_string(log_path) {
            for (n, line) in text.lines().enumerate() {
                let r: Release = serde_json::from_str(line).with_context(|| {
                    format!(
                        "{} line {} is not a release entry",
                        log_path.display(),
                        n + 1
                    )
                })?;
                if let (Some(index), Ok(genesis)) = (r.audit_index, unhex::<32>(&r.genesis, "")) {
                    released.insert((genesis, r.record, index));
                }
            }
        }
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log_path)
            .with_context(|| format!("opening the release log {}", log_path.display()))?;
        Ok(Self {
            custody,
            chains,
            challenges: Mutex::new(HashMap::new()),
            released: Mutex::new(released),
            log: Mutex::new(log),
            log_path: log_path.into(),
        })
    }

    pub fn info(&self) -> Info {
        Info {
            public_key: hex::encode(self.custody.public_key()),
            chains: self
                .chains
                .iter()
                .map(|c| protocol::Served {
                    genesis: hex::encode(c.genesis),
                    org: c.org,
                })
                .collect(),
        }
    }

    fn challenge(&self) -> Result<[u8; 32], Refused> {
        let mut challenges = self
            .challenges
            .lock()
            .map_err(|_| failed(anyhow!("poisoned")))?;
        let now = Instant::now();
        challenges.retain(|_, issued| {
            now.duration_since(*issued) < Duration::from_secs(protocol::CHALLENGE_SECS)
        });
        if challenges.len() >= MAX_CHALLENGES {
            return Err(Refused(
                StatusCode::TOO_MANY_REQUESTS,
                "too many outstanding challenges: try again in a minute".into(),
            ));
        }
        let c = crate::crypto::random::<32>().map_err(failed)?;
        challenges.insert(c, now);
        Ok(c)
    }

    /// Takes `challenge` (it is valid once) if it was issued and has not expired.
    fn take_challenge(&self, challenge: &[u8; 32]) -> Result<(), Refused> {
        let issued = self
            .challenges
            .lock()
            .map_err(|_| failed(anyhow!("poisoned")))?
            .remove(challenge);
        match issued {
            Some(at) if at.elapsed() < Duration::from_secs(protocol::CHALLENGE_SECS) => Ok(()),
            _ => Err(Refused(
                StatusCode::UNAUTHORIZED,
                "the challenge is unknown, used or expired: ask for a new one".into(),
            )),
        }
    }

    fn chain(&self, genesis: &str) -> Result<&ServedChain, Refused> {
        let g = unhex::<32>(genesis, "genesis").map_err(bad)?;
        self.chains
            .iter()
            .find(|c| c.genesis == g)
            .ok_or_else(|| forbidden(format!("this key service does not serve chain {genesis}")))
    }

    fn verify(account: &str, message: &[u8], signature: &str) -> Result<AccountId, Refused> {
        let who = AccountId::from_str(account)
            .map_err(|_| bad(format!("'{account}' is not an account address")))?;
        if !Self::signed_by(&who, message, signature)? {
            return Err(Refused(
                StatusCode::UNAUTHORIZED,
                format!("the signature is not {account}'s over this request"),
            ));
        }
        Ok(who)
    }

    /// Whether `signature` (hex) is `who`'s sr25519 signature of `message`.
    fn signed_by(who: &AccountId, message: &[u8], signature: &str) -> Result<bool, Refused> {
        let sig = sr25519::Signature(unhex::<64>(signature, "signature").map_err(bad)?);
        let public = sr25519::PublicKey(who.0);
        // Browser extensions sign raw bytes wrapped in `<Bytes>..</Bytes>` (so that no extrinsic
        // is ever signed by mistake); both forms are the account's word.
        let wrapped = [b"<Bytes>".as_slice(), message, b"</Bytes>"].concat();
        Ok(sr25519::verify(&sig, message, &public) || sr25519::verify(&sig, &wrapped, &public))
    }

    /// Who signed a request over one of this service's challenges: the challenge (hex) is used up
    /// by any request naming it, answered or not, then the signature over `message(challenge)` must
    /// be `account`'s.
    fn authenticate(
        &self,
        challenge: &str,
        account: &str,
        signature: &str,
        message: impl FnOnce(&[u8; 32]) -> Vec<u8>,
    ) -> Result<AccountId, Refused> {
        let challenge = unhex::<32>(challenge, "challenge").map_err(bad)?;
        let message = message(&challenge);
        self.take_challenge(&challenge)?;
        Self::verify(account, &message, signature)
    }

    fn append(&self, release: &Release) -> Result<(), Refused> {
        let line = serde_json::to_string(release).map_err(|e| failed(e.into()))?;
        let mut log = self.log.lock().map_err(|_| failed(anyhow!("poisoned")))?;
        writeln!(log, "{line}")
            .and_then(|_| log.sync_data())
            .map_err(|e| {
                failed(anyhow!(
                    "the release log {} cannot be written ({e}): nothing is released",
                    self.log_path.display()
                ))
            })
    }

    /// `POST /v1/open`.
    async fn open(&self, req: OpenRequest) -> Result<OpenResponse, Refused> {
        let chain = self.chain(&req.genesis)?;
        let who = self.authenticate(&req.challenge, &req.account, &req.signature, |c| {
            protocol::open_message(&chain.genesis, chain.org, req.record, c)
        })?;
        let record = req.record;
        let (api, _) = chain.best().await.map_err(failed)?;
        let sealed = api
            .call(
                runtime::apis()
                    .medical_records_api()
                    .sealed_key_for(record, who.clone()),
            )
            .await
            .map_err(|e| failed(e.into()))?
            .map_err(|denied| {
                forbidden(format!(
                    "{} may not read record {record} now: {denied:?}",
                    req.account
                ))
            })?;
        match sealed.sealed_to {
            SealedTo::Custodian(org) if org == chain.org => {}
            SealedTo::Custodian(org) => {
                return Err(forbidden(format!(
                    "record {record} is kept by organisation {org}, not by this service's {}",
                    chain.org
                )))
            }
            SealedTo::Reader => {
                return Err(forbidden(format!(
                "record {record}'s key for {} is sealed to their own key: they open it themselves",
                req.account
            )))
            }
        }
        let reader_key = api
            .call(
                runtime::apis()
                    .medical_records_api()
                    .encryption_key(who.clone()),
            )
            .await
            .map_err(|e| failed(e.into()))?
            .ok_or_else(|| {
                forbidden(format!(
                    "{} has no encryption key on chain: they run `medchain key register` first",
                    req.account
                ))
            })?;
        let (index, block) = self.fresh_access(chain, record, &who).await?;
        let data_key = self.custody.open(&sealed.key).map_err(|e| {
            failed(anyhow!(
                "record {record}'s custodian key does not open with this service's key: {e:#}"
            ))
        })?;
        let for_reader =
            crate::crypto::seal(&data_key, &reader_key).map_err(|e| forbidden(format!("{e:#}")))?;
        // The entry is taken before the log is written, and given back if the log fails: two
        // requests at once cannot both be answered for one entry.
        let key = (chain.genesis, record, index);
        {
            let mut released = self
                .released
                .lock()
                .map_err(|_| failed(anyhow!("poisoned")))?;
            if !released.insert(key) {
                return Err(Refused(
                    StatusCode::CONFLICT,
                    format!("access entry {index} of record {record} was answered for already: log the access again"),
                ));
            }
        }
        let logged = self.append(&Release {
            at_unix: unix_now(),
            kind: "open".into(),
            genesis: hex::encode(chain.genesis),
            record,
            account: address(&who),
            audit_index: Some(index),
            audit_block: Some(block),
        });
        if let Err(e) = logged {
            if let Ok(mut released) = self.released.lock() {
                released.remove(&key);
            }
            return Err(e);
        }
        Ok(OpenResponse {
            sealed: hex::encode(for_reader),
            audit_index: index,
            audit_block: block,
        })
    }

    /// The newest access entry of `who` in `record`'s trail at the finalized block that is recent
    /// and not yet answered for; waits a little for one that is only in a best block yet.
    async fn fresh_access(
        &self,
        chain: &ServedChain,
        record: u64,
        who: &AccountId,
    ) -> Result<(u32, u32), Refused> {
        let deadline = Instant::now() + FINALITY_WAIT;
        loop {
            let (api, finalized) = chain.finalized().await.map_err(failed)?;
            let trail = api
                .call(runtime::apis().medical_records_api().audit(record))
                .await
                .map_err(|e| failed(e.into()))?;
            let first = trail.total.saturating_sub(trail.recent.len() as u32);
            let found = {
                let released = self
                    .released
                    .lock()
                    .map_err(|_| failed(anyhow!("poisoned")))?;
                trail
                    .recent
                    .iter()
                    .enumerate()
                    .rev()
                    .map(|(i, e)| (first.saturating_add(i as u32), e))
                    .find(|(index, e)| {
                        &e.who == who
                            && matches!(e.action, AuditAction::Accessed)
                            && e.at.saturating_add(protocol::FRESH_BLOCKS) >= finalized
                            && !released.contains(&(chain.genesis, record, *index))
                    })
                    .map(|(index, e)| (index, e.at))
            };
            if let Some(found) = found {
                return Ok(found);
            }
            if Instant::now() >= deadline {
                return Err(Refused(
                    StatusCode::CONFLICT,
                    format!(
                        "no recent access of record {record} by {} is on chain that was not answered for already: \
                         log the access first (medicalRecords.logAccess), then ask again",
                        address(who)
                    ),
                ));
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }

    /// The type key of `patient`'s care relationship with the organisation on `chain`, at `api`'s
    /// block, opened.
    async fn type_key(
        &self,
        api: &subxt::runtime_api::RuntimeApi<PolkadotConfig, Client>,
        chain: &ServedChain,
        patient: &AccountId,
    ) -> Result<crate::crypto::DataKey, Refused> {
        let care = api
            .call(
                runtime::apis()
                    .medical_records_api()
                    .care_of(patient.clone()),
            )
            .await
            .map_err(|e| failed(e.into()))?
            .into_iter()
            .find(|c| c.org == chain.org)
            .ok_or_else(|| {
                forbidden(format!(
                    "{} has not authorised organisation {} to index records about them",
                    address(patient),
                    chain.org
                ))
            })?;
        self.custody.open(&care.care.type_key).map_err(|e| {
            failed(anyhow!(
                "the type key of {} does not open with this service's key: {e:#}",
                address(patient)
            ))
        })
    }

    /// `POST /v1/tag`: a clinician of the organisation learns a type's tag for a patient in its
    /// care (the hospital that keeps a record knows its type; nobody else learns it from the
    /// tag).
    async fn tag(&self, req: TagRequest) -> Result<TagResponse, Refused> {
        let chain = self.chain(&req.genesis)?;
        let patient = AccountId::from_str(&req.patient)
            .map_err(|_| bad(format!("'{}' is not an account address", req.patient)))?;
        let record_type = crate::formats::parse_record_type(&req.record_type)
            .map_err(|e| bad(format!("{e:#}")))?;
        let type_bytes = crate::formats::type_bytes(&record_type);
        let who = self.authenticate(&req.challenge, &req.account, &req.signature, |c| {
            protocol::tag_message(&chain.genesis, chain.org, &patient.0, &type_bytes, c)
        })?;
        let (api, _) = chain.best().await.map_err(failed)?;
        let role = role_of(&api, chain.org, &who).await?;
        if !matches!(role, Some(Role::Admin | Role::Clinician)) {
            return Err(forbidden(format!(
                "{} is no clinician of organisation {}",
                req.account, chain.org
            )));
        }
        let type_key = self.type_key(&api, chain, &patient).await?;
        let tag = crate::crypto::type_tag(&type_key, &type_bytes).map_err(failed)?;
        self.append(&Release {
            at_unix: unix_now(),
            kind: "tag".into(),
            genesis: hex::encode(chain.genesis),
            record: 0,
            account: address(&who),
            audit_index: None,
            audit_block: None,
        })?;
        Ok(TagResponse {
            tag: hex::encode(tag),
        })
    }

    /// `POST /v1/reseal`.
    async fn reseal(&self, req: ResealRequest) -> Result<protocol::ResealResponse, Refused> {
        let private = self.chain(&req.genesis)?;
        let consortium = self.chain(&req.consortium)?;
        if private.genesis == consortium.genesis {
            return Err(bad("a record is resealed from one chain for another"));
        }
        let record = req.record;
        let patient = AccountId::from_str(&req.patient)
            .map_err(|_| bad(format!("'{}' is not an account address", req.patient)))?;
        let who = self.authenticate(&req.challenge, &req.account, &req.signature, |c| {
            protocol::reseal_message(
                (&private.genesis, private.org),
                record,
                (&consortium.genesis, consortium.org),
                &patient.0,
                c,
            )
        })?;
        let (papi, _) = private.best().await.map_err(failed)?;
        let (capi, _) = consortium.best().await.map_err(failed)?;
        for (api, chain) in [(&papi, private), (&capi, consortium)] {
            let role = role_of(api, chain.org, &who).await?;
            if !matches!(role, Some(Role::Admin | Role::Clinician)) {
                return Err(forbidden(format!(
                    "{} is no clinician of organisation {} on chain {}",
                    req.account,
                    chain.org,
                    hex::encode(chain.genesis)
                )));
            }
        }
        let view = papi
            .call(runtime::apis().medical_records_api().record(record))
            .await
            .map_err(|e| failed(e.into()))?
            .ok_or_else(|| forbidden(format!("record {record} does not exist")))?;
        if view.record.custodian != private.org {
            return Err(forbidden(format!(
                "record {record} is kept by organisation {}, not by this service's {}",
                view.record.custodian, private.org
            )));
        }
        let org_key = capi
            .call(
                runtime::apis()
                    .medical_records_api()
                    .organisation(consortium.org),
            )
            .await
            .map_err(|e| failed(e.into()))?
            .and_then(|o| o.key);
        let org_key = org_key.filter(|k| {
            *k == self.custody.public_key() || Some(*k) == self.custody.next_public_key()
        });
        let Some(org_key) = org_key else {
            return Err(forbidden(format!(
                "organisation {} on the consortium chain has not set this service's key: its admin runs `medchain org set-key --keyserver` there",
                consortium.org
            )));
        };
        // The private record's patient, or the account they consented to be imported under:
        // nobody else may be handed the record.
        if patient != view.record.patient {
            let Some(consent) = &req.consent else {
                return Err(forbidden(format!(
                    "record {record}'s patient is not {}: an import under another account needs the patient's consent (`medchain care consent-import`)",
                    req.patient
                )));
            };
            let message = protocol::import_consent_message(
                (&private.genesis, private.org),
                (&consortium.genesis, consortium.org),
                &patient.0,
            );
            if !Self::signed_by(&view.record.patient, &message, consent)? {
                return Err(forbidden(format!(
                    "the consent is not record {record}'s patient's, for {} at organisation {} of the consortium chain",
                    req.patient, consortium.org
                )));
            }
        }
        let patient_key = capi
            .call(
                runtime::apis()
                    .medical_records_api()
                    .encryption_key(patient.clone()),
            )
            .await
            .map_err(|e| failed(e.into()))?
            .ok_or_else(|| {
                forbidden(format!(
                    "the patient {} has no encryption key on the consortium chain",
                    address(&patient)
                ))
            })?;
        let data_key = self
            .custody
            .open(&view.record.key_for_custodian)
            .map_err(|e| {
                failed(anyhow!(
                    "record {record}'s custodian key does not open: {e:#}"
                ))
            })?;
        let seal = |to: &[u8; 32]| {
            crate::crypto::seal(&data_key, to).map_err(|e| forbidden(format!("{e:#}")))
        };
        // The type, sealed under the same data key on both chains, tagged for the patient there.
        let type_bytes =
            crate::crypto::open_type(&data_key, &view.record.sealed_type).map_err(|e| {
                failed(anyhow!(
                    "record {record}'s sealed type does not open: {e:#}"
                ))
            })?;
        let type_key = self.type_key(&capi, consortium, &patient).await?;
        let type_tag = crate::crypto::type_tag(&type_key, &type_bytes).map_err(failed)?;
        let response = protocol::ResealResponse {
            for_patient: hex::encode(seal(&patient_key)?),
            for_custodian: hex::encode(seal(&org_key)?),
            type_tag: hex::encode(type_tag),
            sealed_type: hex::encode(view.record.sealed_type),
        };
        self.append(&Release {
            at_unix: unix_now(),
            kind: "reseal".into(),
            genesis: hex::encode(private.genesis),
            record,
            account: address(&who),
            audit_index: None,
            audit_block: None,
        })?;
        Ok(response)
    }
}

impl Service {
    /// `POST /v1/rotate`: a step of moving the organisation to a new key, for one of its admins.
    async fn rotate(&self, req: RotateRequest) -> Result<RotateResponse, Refused> {
        let chain = self.chain(&req.genesis)?;
        let who = self.authenticate(&req.challenge, &req.account, &req.signature, |c| {
            protocol::rotate_message(&chain.genesis, chain.org, req.step, c)
        })?;
        let (best, _) = chain.best_hash().await.map_err(failed)?;
        let role = role_of(&chain.client.runtime_api().at(best), chain.org, &who).await?;
        if !matches!(role, Some(Role::Admin)) {
            return Err(forbidden(format!(
                "{} is no admin of organisation {}: only an admin moves its key",
                req.account, chain.org
            )));
        }
        let conflict = |why: String| Refused(StatusCode::CONFLICT, why);
        let log = |kind: &str| Release {
            at_unix: unix_now(),
            kind: kind.into(),
            genesis: hex::encode(chain.genesis),
            record: 0,
            account: address(&who),
            audit_index: None,
            audit_block: None,
        };
        match req.step {
            RotateStep::Begin => {
                self.append(&log("rotate-begin"))?;
                let next = self.custody.begin_rotation().map_err(failed)?;
                Ok(RotateResponse {
                    next_public_key: hex::encode(next),
                    ..Default::default()
                })
            }
            RotateStep::Reseal => {
                let next = self
                    .custody
                    .next_public_key()
                    .ok_or_else(|| conflict("no rotation is under way: begin one first".into()))?;
                if chain.org_key(best).await.map_err(failed)? != Some(next) {
                    return Err(conflict(format!(
                        "organisation {}'s key on this chain is not the new key yet: set it first (medicalRecords.setOrganisationKey)",
                        chain.org
                    )));
                }
                // One scan answers every record still to move; the admin's CLI cuts it into calls.
                let mut response = RotateResponse {
                    next_public_key: hex::encode(next),
                    ..Default::default()
                };
                for (record, sealed) in chain.records_of_org(best).await.map_err(failed)? {
                    match self.custody.open_current(&sealed) {
                        Ok(data_key) => {
                            let to_next = crate::crypto::seal(&data_key, &next).map_err(failed)?;
                            response.resealed.push(Resealed {
                                record,
                                sealed: hex::encode(to_next),
                            });
                        }
                        Err(_) if self.custody.open(&sealed).is_ok() => {}
                        Err(_) => response.stranded.push(record),
                    }
                }
                // Type keys too, or the service could tag no new record of those patients once
                // the old secret is gone. One that opens with neither key is left as it is: its
                // patient grants care anew.
                for (patient, sealed) in chain.care_of_org(best).await.map_err(failed)? {
                    if let Ok(type_key) = self.custody.open_current(&sealed) {
                        let to_next = crate::crypto::seal(&type_key, &next).map_err(failed)?;
                        response.care.push(ResealedCare {
                            patient: address(&patient),
                            sealed: hex::encode(to_next),
                        });
                    }
                }
                Ok(response)
            }
            RotateStep::Finish => {
                let next = self
                    .custody
                    .next_public_key()
                    .ok_or_else(|| conflict("no rotation is under way".into()))?;
                // Every chain the service serves must have moved, at its finalized block.
                for served in &self.chains {
                    let at = served
                        .client
                        .blocks()
                        .at_latest()
                        .await
                        .map_err(|e| failed(e.into()))?
                        .hash();
                    if served.org_key(at).await.map_err(failed)? != Some(next) {
                        return Err(conflict(format!(
                            "organisation {}'s key on chain {} is not the new key yet (finalized): the old key stays until it is",
                            served.org,
                            hex::encode(served.genesis)
                        )));
                    }
                    // Records and type keys that open only with the old secret at the finalized
                    // block: the secret stays while any is left.
                    let still_old = |k: &[u8; 80]| self.custody.open_current(k).is_ok();
                    let left = (
                        served
                            .records_of_org(at)
                            .await
                            .map_err(failed)?
                            .iter()
                            .filter(|(_, k)| still_old(k))
                            .count(),
                        served
                            .care_of_org(at)
                            .await
                            .map_err(failed)?
                            .iter()
                            .filter(|(_, k)| still_old(k))
                            .count(),
                    );
                    if left != (0, 0) {
                        return Err(conflict(format!(
                            "{} records and {} patients' type keys of organisation {} on chain {} still open only with the old key (finalized): re-seal them first",
                            left.0,
                            left.1,
                            served.org,
                            hex::encode(served.genesis)
                        )));
                    }
                }
                self.append(&log("rotate-finish"))?;
                self.custody.finish_rotation().map_err(failed)?;
                Ok(RotateResponse {
                    next_public_key: hex::encode(next),
                    finished: true,
                    ..Default::default()
                })
            }
        }
    }
}

/// `who`'s role in organisation `org`, as the chain says at `api`'s block.
async fn role_of(
    api: &subxt::runtime_api::RuntimeApi<PolkadotConfig, Client>,
    org: u32,
    who: &AccountId,
) -> Result<Option<Role>, Refused> {
    api.call(
        runtime::apis()
            .medical_records_api()
            .member(org, who.clone()),
    )
    .await
    .map_err(|e| failed(e.into()))
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// The HTTP routes over `service`.
pub fn router(service: Arc<Service>) -> Router {
    Router::new()
        .route(
            "/v1/info",
            get(|State(s): State<Arc<Service>>| async move { Json(s.info()) }),
        )
        .route(
            "/v1/challenge",
            post(|State(s): State<Arc<Service>>| async move {
                s.challenge().map(|c| {
                    Json(protocol::Challenge {
                        challenge: hex::encode(c),
                        expires_in_secs: protocol::CHALLENGE_SECS,
                    })
                })
            }),
        )
        .route(
            "/v1/open",
            post(
                |State(s): State<Arc<Service>>, Json(req): Json<OpenRequest>| async move {
                    s.open(req).await.map(Json)
                },
            ),
        )
        .route(
            "/v1/rotate",
            post(
                |State(s): State<Arc<Service>>, Json(req): Json<RotateRequest>| async move {
                    s.rotate(req).await.map(Json)
                },
            ),
        )
        .route(
            "/v1/tag",
            post(
                |State(s): State<Arc<Service>>, Json(req): Json<TagRequest>| async move {
                    s.tag(req).await.map(Json)
                },
            ),
        )
        .route(
            "/v1/reseal",
            post(
                |State(s): State<Arc<Service>>, Json(req): Json<ResealRequest>| async move {
                    s.reseal(req).await.map(Json)
                },
            ),
        )
        .with_state(service)
}

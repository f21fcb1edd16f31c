//! What the CLI asks a hospital's key service: who it is, a record's data key for the caller (after
//! the caller's access is on chain), and a record resealed for import.

use super::protocol::{
    self, Challenge, Info, OpenRequest, OpenResponse, Refusal, ResealRequest, ResealResponse,
    RotateRequest, RotateResponse, RotateStep, TagRequest, TagResponse,
};
use crate::crypto::{self, DataKey};
use crate::keys::{address, Identity};
use anyhow::{anyhow, bail, Context as _, Result};
use serde::{de::DeserializeOwned, Serialize};
use subxt::utils::AccountId32;

/// A private-chain record made ready for the consortium chain by the key service.
pub struct Resealed {
    /// The data key sealed to the patient's and to the organisation's key there.
    pub keys: [[u8; 80]; 2],
    /// The type's tag for the patient there, and the type sealed under the data key.
    pub type_tag: [u8; 32],
    pub sealed_type: [u8; crate::crypto::SEALED_TYPE_LEN],
}

/// `N` bytes of hex in a key service's answer, or an error that says the service sent them.
pub fn sent<const N: usize>(hex: &str, what: &str) -> Result<[u8; N]> {
    protocol::unhex::<N>(hex, what).map_err(|e| anyhow!("the key service sent {e}"))
}

/// A key service at a URL.
pub struct KeyService {
    url: String,
    http: reqwest::Client,
}

impl KeyService {
    pub fn new(url: &str) -> Result<Self> {
        let url = url.trim_end_matches('/').to_string();
        if !url.starts_with("http://") && !url.starts_with("https://") {
            bail!("--keyserver must be an http:// or https:// URL, not '{url}'");
        }
        Ok(Self {
            url,
            http: reqwest::Client::new(),
        })
    }

    async fn answer<T: DeserializeOwned>(&self, response: reqwest::Response) -> Result<T> {
        let status = response.status();
        if status.is_success() {
            return response
                .json()
                .await
                .with_context(|| format!("the key service at {} answered nonsense", self.url));
        }
        let why = response
            .json::<Refusal>()
            .await
            .map(|r| r.error)
            .unwrap_or_else(|_| status.to_string());
        bail!("the key service at {} refused: {why}", self.url)
    }

    async fn post<B: Serialize, T: DeserializeOwned>(&self, path: &str, body: &B) -> Result<T> {
        let response = self
            .http
            .post(format!("{}{path}", self.url))
            .json(body)
            .send()
            .await
            .map_err(|e| anyhow!("cannot reach the key service at {} ({e})", self.url))?;
        self.answer(response).await
    }

    pub async fn info(&self) -> Result<Info> {
        let response = self
            .http
            .get(format!("{}/v1/info", self.url))
            .send()
            .await
            .map_err(|e| anyhow!("cannot reach the key service at {} ({e})", self.url))?;
        self.answer(response).await
    }

    /// The organisation the service holds the key of on chain `genesis`, if it serves it.
    pub fn org_on(info: &Info, genesis: &[u8; 32]) -> Option<u32> {
        let g = hex::encode(genesis);
        info.chains.iter().find(|c| c.genesis == g).map(|c| c.org)
    }

    async fn challenge(&self) -> Result<[u8; 32]> {
        let c: Challenge = self.post("/v1/challenge", &()).await?;
        protocol::unhex(&c.challenge, "the challenge").map_err(|e| anyhow!(e))
    }

    /// Record `record`'s data key, kept by organisation `org` on chain `genesis`, for `me`, whose
    /// access the chain must already show (`logAccess`).
    pub async fn open(
        &self,
        me: &Identity,
        genesis: &[u8; 32],
        org: u32,
        record: u64,
    ) -> Result<(DataKey, OpenResponse)> {
        self.serves(genesis, org).await?;
        let challenge = self.challenge().await?;
        let signature = me
            .signer()?
            .sign(&protocol::open_message(genesis, org, record, &challenge));
        let answer: OpenResponse = self
            .post(
                "/v1/open",
                &OpenRequest {
                    account: address(&me.account()?),
                    genesis: hex::encode(genesis),
                    record,
                    challenge: hex::encode(challenge),
                    signature: hex::encode(signature.0),
                },
            )
            .await?;
        let sealed = hex::decode(&answer.sealed)
            .map_err(|_| anyhow!("the key service sent a sealed key that is not hex"))?;
        let key = crypto::open(&sealed, me.encryption_secret())
            .context("opening the key the key service sealed to you")?;
        Ok((key, answer))
    }

    /// The tag of `record_type` for `patient` at organisation `org` on chain `genesis` (the
    /// `typeTag` of a record `me`, a clinician there, creates about them).
    pub async fn tag(
        &self,
        me: &Identity,
        (genesis, org): (&[u8; 32], u32),
        patient: &AccountId32,
        record_type: &crate::chain::RecordType,
    ) -> Result<[u8; 32]> {
        self.serves(genesis, org).await?;
        let challenge = self.challenge().await?;
        let signature = me.signer()?.sign(&protocol::tag_message(
            genesis,
            org,
            &patient.0,
            &crate::formats::type_bytes(record_type),
            &challenge,
        ));
        let answer: TagResponse = self
            .post(
                "/v1/tag",
                &TagRequest {
                    account: address(&me.account()?),
                    genesis: hex::encode(genesis),
                    patient: address(patient),
                    record_type: crate::formats::show_record_type(record_type),
                    challenge: hex::encode(challenge),
                    signature: hex::encode(signature.0),
                },
            )
            .await?;
        sent(&answer.tag, "a type tag")
    }

    /// Private-chain record `record`'s data key sealed to `patient` (its patient, or the account
    /// the patient's `consent` signature names) and organisation `consortium_org` on the
    /// consortium chain, for `record import`.
    pub async fn reseal(
        &self,
        me: &Identity,
        (genesis, org): ([u8; 32], u32),
        record: u64,
        (consortium, consortium_org): ([u8; 32], u32),
        (patient, consent): (&AccountId32, Option<&str>),
    ) -> Result<Resealed> {
        self.serves(&genesis, org).await?;
        self.serves(&consortium, consortium_org).await?;
        let challenge = self.challenge().await?;
        let signature = me.signer()?.sign(&protocol::reseal_message(
            (&genesis, org),
            record,
            (&consortium, consortium_org),
            &patient.0,
            &challenge,
        ));
        let answer: ResealResponse = self
            .post(
                "/v1/reseal",
                &ResealRequest {
                    account: address(&me.account()?),
                    genesis: hex::encode(genesis),
                    record,
                    consortium: hex::encode(consortium),
                    patient: address(patient),
                    consent: consent.map(str::to_owned),
                    challenge: hex::encode(challenge),
                    signature: hex::encode(signature.0),
                },
            )
            .await?;
        Ok(Resealed {
            keys: [
                sent(&answer.for_patient, "a resealed key")?,
                sent(&answer.for_custodian, "a resealed key")?,
            ],
            type_tag: sent(&answer.type_tag, "a type tag")?,
            sealed_type: sent(&answer.sealed_type, "a sealed type")?,
        })
    }

    /// A step of moving organisation `org` to a new key, as its admin `me`.
    pub async fn rotate(
        &self,
        me: &Identity,
        genesis: &[u8; 32],
        org: u32,
        step: RotateStep,
    ) -> Result<RotateResponse> {
        self.serves(genesis, org).await?;
        let challenge = self.challenge().await?;
        let signature = me
            .signer()?
            .sign(&protocol::rotate_message(genesis, org, step, &challenge));
        self.post(
            "/v1/rotate",
            &RotateRequest {
                account: address(&me.account()?),
                genesis: hex::encode(genesis),
                step,
                challenge: hex::encode(challenge),
                signature: hex::encode(signature.0),
            },
        )
        .await
    }

    /// Fails unless the service holds organisation `org`'s key on chain `genesis`.
    async fn serves(&self, genesis: &[u8; 32], org: u32) -> Result<()> {
        let info = self.info().await?;
        match Self::org_on(&info, genesis) {
            Some(o) if o == org => Ok(()),
            Some(o) => bail!(
                "the key service at {} holds organisation {o}'s key on this chain, not organisation {org}'s",
                self.url
            ),
            None => bail!(
                "the key service at {} does not serve the chain {}",
                self.url,
                hex::encode(genesis)
            ),
        }
    }
}

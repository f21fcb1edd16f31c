//! The key service's messages (JSON over HTTP) and the bytes a caller signs.
//!
//! A request is signed with the caller's chain account (sr25519) over a domain tag, the chain's
//! genesis hash, the organisation, the record and a challenge the service issued for this request
//! only: a signature cannot be replayed, moved to another record, organisation or chain, or
//! mistaken for an extrinsic's.

use serde::{Deserialize, Serialize};

/// How long an issued challenge may be answered.
pub const CHALLENGE_SECS: u64 = 60;
/// How recent (in blocks) the access entry that pays for an answer must be.
pub const FRESH_BLOCKS: u32 = 100;

/// `GET /v1/info`: who the service is.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Info {
    /// The organisation's X25519 public key (hex): what `org set-key` puts on chain.
    pub public_key: String,
    /// The chains it serves, each with the organisation it holds the key of there.
    pub chains: Vec<Served>,
}

/// A chain a service answers for.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Served {
    /// The chain's genesis hash (hex).
    pub genesis: String,
    pub org: u32,
}

/// `POST /v1/challenge`'s answer.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Challenge {
    /// 32 random bytes (hex), valid once, for [`CHALLENGE_SECS`].
    pub challenge: String,
    pub expires_in_secs: u64,
}

/// `POST /v1/open`: a record's data key for a reader the chain lets read it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct OpenRequest {
    /// The reader's account (SS58).
    pub account: String,
    /// The chain (genesis hash, hex) and the record on it.
    pub genesis: String,
    pub record: u64,
    pub challenge: String,
    /// sr25519 signature (hex) over [`open_message`].
    pub signature: String,
}

/// The data key, sealed to the reader's registered encryption key.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct OpenResponse {
    /// The sealed key (hex, 80 bytes).
    pub sealed: String,
    /// The audit entry this answer is for: its index in the record's trail and its block.
    pub audit_index: u32,
    pub audit_block: u32,
}

/// `POST /v1/tag`: the tags of record types for a patient in the organisation's care, under the
/// patient's type key there (which only the service opens), for a clinician of the organisation
/// who creates a record about them.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TagRequest {
    /// The clinician's account (SS58).
    pub account: String,
    /// The chain (genesis hash, hex).
    pub genesis: String,
    /// The patient (SS58).
    pub patient: String,
    /// The record type (`loinc:11506-3`, `docs/formats.md`, "Record types").
    pub record_type: String,
    pub challenge: String,
    /// sr25519 signature (hex) over [`tag_message`].
    pub signature: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TagResponse {
    /// The type's tag for the patient at this organisation (hex, 32 bytes): the record's
    /// `typeTag`.
    pub tag: String,
}

/// `POST /v1/reseal`: a private-chain record's data key sealed anew to its patient's and the
/// organisation's keys on the consortium chain, for `record import`. The caller learns nothing:
/// both are sealed to keys the chains name, never to a key in the request, and to a patient
/// other than the private record's only with that patient's [`ImportConsent`].
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ResealRequest {
    pub account: String,
    /// The private chain (genesis, hex) and the record there.
    pub genesis: String,
    pub record: u64,
    /// The consortium chain's genesis (hex).
    pub consortium: String,
    /// The patient on the consortium chain (SS58): the private record's own patient, or the
    /// account its [`ImportConsent`] names.
    pub patient: String,
    /// The private record's patient's signature (hex) of [`import_consent_message`] naming
    /// `patient`; needed when `patient` is another account than the private record's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consent: Option<String>,
    pub challenge: String,
    /// sr25519 signature (hex) over [`reseal_message`].
    pub signature: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ResealResponse {
    /// The data key sealed to the patient's key on the consortium chain (hex).
    pub for_patient: String,
    /// The data key sealed to the organisation's key on the consortium chain (hex).
    pub for_custodian: String,
    /// The record type's tag for the patient on the consortium chain (hex, 32 bytes).
    pub type_tag: String,
    /// The record type sealed under the data key (hex, 25 bytes): the private record's, as the
    /// data key is the same.
    pub sealed_type: String,
}

/// A step of `POST /v1/rotate`, which moves the organisation to a new key (`org rotate-key`).
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum RotateStep {
    /// Make the next key (or keep the one made already) and say what it is.
    Begin,
    /// Re-seal every record and every care relationship's type key still sealed to the current
    /// key, to the next key (which must be the organisation's on chain by now).
    Reseal,
    /// Destroy the current secret, once no record on any chain served opens with it.
    Finish,
}

impl RotateStep {
    fn byte(self) -> u8 {
        match self {
            RotateStep::Begin => 0,
            RotateStep::Reseal => 1,
            RotateStep::Finish => 2,
        }
    }
}

/// `POST /v1/rotate`, by an admin of the organisation.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RotateRequest {
    pub account: String,
    /// The chain (genesis, hex) the admin acts on.
    pub genesis: String,
    pub step: RotateStep,
    pub challenge: String,
    /// sr25519 signature (hex) over [`rotate_message`].
    pub signature: String,
}

/// One record's data key sealed to the next key.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Resealed {
    pub record: u64,
    /// Hex, 80 bytes: the record's new `key_for_custodian`.
    pub sealed: String,
}

/// One care relationship's type key sealed to the next key.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ResealedCare {
    /// The patient (SS58).
    pub patient: String,
    /// Hex, 80 bytes: the care relationship's new `type_key`.
    pub sealed: String,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct RotateResponse {
    /// The key the organisation moves to (hex).
    pub next_public_key: String,
    /// `reseal`: every record still sealed to the current key, re-sealed to the next one, for
    /// `medicalRecords.resealForCustodian` (at most `MaxReseal` a call; empty when none is left).
    #[serde(default)]
    pub resealed: Vec<Resealed>,
    /// `reseal`: every care relationship with the organisation whose type key is still sealed
    /// to the current key, re-sealed to the next one, for `medicalRecords.resealTypeKeys`.
    #[serde(default)]
    pub care: Vec<ResealedCare>,
    /// `reseal`: records the organisation keeps whose key opens with neither key (sealed to a key
    /// this service never held): a rotation cannot move them.
    #[serde(default)]
    pub stranded: Vec<u64>,
    /// `finish`: the old secret is destroyed.
    #[serde(default)]
    pub finished: bool,
}

/// An error: what was refused, and why, in words.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Refusal {
    pub error: String,
}

fn message(tag: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    let mut m = Vec::with_capacity(tag.len() + parts.iter().map(|p| p.len()).sum::<usize>());
    m.extend_from_slice(tag);
    for p in parts {
        m.extend_from_slice(p);
    }
    m
}

/// What a reader signs to open `record` of organisation `org` on chain `genesis`:
/// `"medchain/keyserver/v1/open"` ‖ genesis (32) ‖ org (u32 LE) ‖ record (u64 LE) ‖ challenge (32).
pub fn open_message(genesis: &[u8; 32], org: u32, record: u64, challenge: &[u8; 32]) -> Vec<u8> {
    message(
        b"medchain/keyserver/v1/open",
        &[
            genesis,
            &org.to_le_bytes(),
            &record.to_le_bytes(),
            challenge,
        ],
    )
}

/// What a clinician signs to learn the tag of `record_type` (SCALE, 9 bytes) for `patient` in
/// organisation `org`'s care: `"medchain/keyserver/v1/tag"` ‖ genesis (32) ‖ org (u32 LE) ‖
/// patient (32) ‖ record type (9) ‖ challenge (32).
pub fn tag_message(
    genesis: &[u8; 32],
    org: u32,
    patient: &[u8; 32],
    record_type: &[u8; crate::crypto::TYPE_LEN],
    challenge: &[u8; 32],
) -> Vec<u8> {
    message(
        b"medchain/keyserver/v1/tag",
        &[genesis, &org.to_le_bytes(), patient, record_type, challenge],
    )
}

/// What a clinician signs to reseal `record` for import to `patient`:
/// `"medchain/keyserver/v1/reseal"` ‖ private genesis (32) ‖ org (u32 LE) ‖ record (u64 LE) ‖
/// consortium genesis (32) ‖ consortium org (u32 LE) ‖ patient (32) ‖ challenge (32).
pub fn reseal_message(
    (genesis, org): (&[u8; 32], u32),
    record: u64,
    (consortium, consortium_org): (&[u8; 32], u32),
    patient: &[u8; 32],
    challenge: &[u8; 32],
) -> Vec<u8> {
    message(
        b"medchain/keyserver/v1/reseal",
        &[
            genesis,
            &org.to_le_bytes(),
            &record.to_le_bytes(),
            consortium,
            &consortium_org.to_le_bytes(),
            patient,
            challenge,
        ],
    )
}

/// The format name of an [`ImportConsent`] file.
pub const IMPORT_CONSENT_FORMAT: &str = "medchain-import-consent/v1";

/// A patient's consent that organisation `private_org`'s records about them on its private chain
/// are imported into the consortium chain under their account `patient` there: signed by their
/// account at the private chain (`medchain care consent-import`), handed to the hospital, sent
/// with each reseal. Pseudonyms at the two chains are unlinkable otherwise; the consent links
/// them for the hospital only, never on chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportConsent {
    pub format: String,
    /// The private chain's genesis (hex) and the hospital's organisation there.
    pub private_genesis: String,
    pub private_org: u32,
    /// The consortium chain's genesis (hex) and the hospital's organisation there.
    pub consortium_genesis: String,
    pub org: u32,
    /// The patient's account on the consortium chain (SS58).
    pub patient: String,
    /// The patient's account on the private chain, which signs (SS58).
    pub signer: String,
    /// sr25519 signature (hex) of [`import_consent_message`].
    pub signature: String,
}

/// What a patient signs to consent to imports under `patient`:
/// `"medchain/import-consent/v1"` ‖ private genesis (32) ‖ private org (u32 LE) ‖ consortium
/// genesis (32) ‖ consortium org (u32 LE) ‖ patient (32).
pub fn import_consent_message(
    (private, private_org): (&[u8; 32], u32),
    (consortium, org): (&[u8; 32], u32),
    patient: &[u8; 32],
) -> Vec<u8> {
    message(
        b"medchain/import-consent/v1",
        &[
            private,
            &private_org.to_le_bytes(),
            consortium,
            &org.to_le_bytes(),
            patient,
        ],
    )
}

/// What an admin signs for a rotation step on chain `genesis`:
/// `"medchain/keyserver/v1/rotate"` ‖ genesis (32) ‖ org (u32 LE) ‖ step (1: 0 begin, 1 reseal,
/// 2 finish) ‖ challenge (32).
pub fn rotate_message(
    genesis: &[u8; 32],
    org: u32,
    step: RotateStep,
    challenge: &[u8; 32],
) -> Vec<u8> {
    message(
        b"medchain/keyserver/v1/rotate",
        &[genesis, &org.to_le_bytes(), &[step.byte()], challenge],
    )
}

/// Hex of exactly `N` bytes (with or without `0x`).
pub fn unhex<const N: usize>(s: &str, what: &str) -> Result<[u8; N], String> {
    hex::decode(s.strip_prefix("0x").unwrap_or(s))
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| format!("{what} is not {N} bytes of hex"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_messages_bind_every_field() {
        let base = open_message(&[1; 32], 2, 3, &[4; 32]);
        assert!(base.starts_with(b"medchain/keyserver/v1/open"));
        for other in [
            open_message(&[9; 32], 2, 3, &[4; 32]),
            open_message(&[1; 32], 9, 3, &[4; 32]),
            open_message(&[1; 32], 2, 9, &[4; 32]),
            open_message(&[1; 32], 2, 3, &[9; 32]),
        ] {
            assert_ne!(base, other);
        }
        let reseal = reseal_message((&[1; 32], 2), 3, (&[5; 32], 6), &[8; 32], &[4; 32]);
        for other in [
            reseal_message((&[1; 32], 2), 3, (&[5; 32], 7), &[8; 32], &[4; 32]),
            reseal_message((&[1; 32], 2), 3, (&[5; 32], 6), &[9; 32], &[4; 32]),
        ] {
            assert_ne!(reseal, other);
        }
        let consent = import_consent_message((&[1; 32], 2), (&[5; 32], 6), &[8; 32]);
        assert_ne!(
            consent,
            import_consent_message((&[1; 32], 2), (&[5; 32], 6), &[9; 32])
        );
        assert_ne!(
            consent,
            import_consent_message((&[5; 32], 6), (&[1; 32], 2), &[8; 32])
        );
        assert!(!reseal.starts_with(b"medchain/keyserver/v1/open"));
        let tag = tag_message(&[1; 32], 2, &[8; 32], &[0; 9], &[4; 32]);
        for other in [
            tag_message(&[1; 32], 2, &[9; 32], &[0; 9], &[4; 32]),
            tag_message(&[1; 32], 2, &[8; 32], &[1; 9], &[4; 32]),
            tag_message(&[1; 32], 3, &[8; 32], &[0; 9], &[4; 32]),
        ] {
            assert_ne!(tag, other);
        }
        let begin = rotate_message(&[1; 32], 2, RotateStep::Begin, &[4; 32]);
        assert_ne!(
            begin,
            rotate_message(&[1; 32], 2, RotateStep::Finish, &[4; 32])
        );
        assert_ne!(
            begin,
            rotate_message(&[1; 32], 3, RotateStep::Begin, &[4; 32])
        );
    }
}

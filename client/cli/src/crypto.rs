//! Record encryption, all on the client.
//!
//! - **Files.** Each record version has its own random 32-byte data key. The file is encrypted
//!   with XChaCha20-Poly1305 in the STREAM construction (RustCrypto's `aead::stream`): 64 KiB
//!   segments, each authenticated with its position and the last one marked, so a file larger
//!   than memory encrypts and decrypts in constant memory and a ciphertext that was cut short,
//!   reordered or altered does not decrypt. Layout: `MAGIC` (8) ‖ nonce prefix (19) ‖ segments.
//! - **Keys.** The data key is sealed to each reader's X25519 key, in the format of
//!   pallet-medical-records' `WrappedKey` (80 bytes): ephemeral public key (32) ‖
//!   ChaCha20-Poly1305(data key) (32) ‖ tag (16), the AEAD key and nonce from
//!   HKDF-SHA256(X25519(ephemeral, recipient), salt = ephemeral ‖ recipient,
//!   info = "medchain/sealed-key/v1").
//! - **The chain's digest.** A record's `plaintext_hash` is a commitment no guess confirms:
//!   HMAC-SHA256 under HKDF-SHA256(data key, info = "medchain/plaintext-commitment/v1"). A plain
//!   SHA-256 would let anyone confirm a guessed templated document (a negative result); the
//!   commitment needs the data key, which readers hold and check it with.
//! - **Record types.** The chain holds a record's type only as a tag, HMAC-SHA256 under the
//!   patient's type key with the custodian, and sealed under the data key (ChaCha20-Poly1305,
//!   key HKDF-SHA256(data key, info = "medchain/sealed-type/v1"), nonce zero: each data key seals
//!   one type, once).

use anyhow::{bail, Result};
use chacha20poly1305::{
    aead::{stream, Aead, KeyInit, Payload},
    ChaCha20Poly1305, XChaCha20Poly1305,
};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use std::io::Read;
use zeroize::Zeroizing;

/// Identifies medchain's encrypted files (and their version).
pub const MAGIC: &[u8; 8] = b"MEDCHv1\0";
/// Plaintext bytes per segment.
pub const SEGMENT: usize = 64 * 1024;
const TAG: usize = 16;
/// Length of a file's nonce prefix.
pub const NONCE_PREFIX: usize = 19;
/// Length of a sealed data key.
pub const SEALED_LEN: usize = 80;
const SEALED_INFO: &[u8] = b"medchain/sealed-key/v1";
const COMMITMENT_INFO: &[u8] = b"medchain/plaintext-commitment/v1";
const SEALED_TYPE_INFO: &[u8] = b"medchain/sealed-type/v1";
const TYPE_TAG_DOMAIN: &[u8] = b"medchain/type-tag/v1";
const TYPE_KEY_INFO: &[u8] = b"medchain/type-key/v1";
/// Length of a record type in SCALE (system, 1 byte; code, u64 little-endian).
pub const TYPE_LEN: usize = 9;
/// Length of a sealed record type: the type and its 16-byte tag.
pub const SEALED_TYPE_LEN: usize = TYPE_LEN + TAG;

/// A record version's data key.
pub type DataKey = Zeroizing<[u8; 32]>;

/// Fresh random bytes from the operating system.
pub fn random<const N: usize>() -> Result<[u8; N]> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes)
        .map_err(|e| anyhow::anyhow!("the system's random source failed: {e}"))?;
    Ok(bytes)
}

pub fn new_data_key() -> Result<DataKey> {
    Ok(Zeroizing::new(random()?))
}

/// What encryption or decryption saw of the plaintext.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Plaintext {
    pub len: u64,
    /// The commitment the chain's `plaintext_hash` holds (see [`commitment`]).
    pub commitment: [u8; 32],
    /// The plain SHA-256: what records made before commitments carry instead.
    pub sha256: [u8; 32],
}

/// A plaintext's two digests, computed as it streams past.
struct Digests {
    commitment: Hmac<Sha256>,
    sha256: Sha256,
    len: u64,
}

impl Digests {
    fn new(key: &DataKey) -> Result<Self> {
        let mut mac_key = Zeroizing::new([0u8; 32]);
        hkdf::Hkdf::<Sha256>::new(None, key.as_ref())
            .expand(COMMITMENT_INFO, mac_key.as_mut())
            .map_err(|_| anyhow::anyhow!("deriving the commitment key failed"))?;
        let commitment = <Hmac<Sha256> as Mac>::new_from_slice(mac_key.as_ref())
            .map_err(|_| anyhow::anyhow!("the commitment key was refused"))?;
        Ok(Self {
            commitment,
            sha256: Sha256::new(),
            len: 0,
        })
    }

    fn update(&mut self, bytes: &[u8]) {
        self.commitment.update(bytes);
        self.sha256.update(bytes);
        self.len += bytes.len() as u64;
    }

    fn finish(self) -> Plaintext {
        Plaintext {
            len: self.len,
            commitment: self.commitment.finalize().into_bytes().into(),
            sha256: self.sha256.finalize().into(),
        }
    }
}

/// The commitment to `plaintext` under its data key: what the chain's `plaintext_hash` holds.
pub fn commitment(key: &DataKey, plaintext: &[u8]) -> Result<[u8; 32]> {
    let mut digests = Digests::new(key)?;
    digests.update(plaintext);
    Ok(digests.finish().commitment)
}

/// What a record's `plaintext_hash` turned out to be for a plaintext that matches it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnChainDigest {
    /// The commitment under the data key.
    Commitment,
    /// A plain SHA-256, as records made before commitments carry: it confirms a guessed
    /// document to anyone, so the reader is told.
    Sha256,
}

/// Checks a decrypted plaintext against the record's `plaintext_hash`; neither digest is an error.
pub fn verify(plain: &Plaintext, on_chain: &[u8; 32]) -> Result<OnChainDigest> {
    if &plain.commitment == on_chain {
        Ok(OnChainDigest::Commitment)
    } else if &plain.sha256 == on_chain {
        Ok(OnChainDigest::Sha256)
    } else {
        bail!("the content is not the one its chain entry commits to")
    }
}

/// Reads until `buf` is full or the input ends; returns how much was read.
fn fill(reader: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match reader.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// Encrypts everything `reader` yields under `key`, handing the ciphertext to `out` piece by
/// piece. Returns the plaintext's length and digests.
pub fn encrypt(
    key: &DataKey,
    reader: impl Read,
    out: impl FnMut(&[u8]) -> Result<()>,
) -> Result<Plaintext> {
    encrypt_with_prefix(key, &random()?, reader, out)
}

/// [`encrypt`] with a chosen nonce prefix. Only the test vectors choose one
/// (`docs/vectors/file-v1.json`): a prefix used twice under one key breaks the encryption.
pub fn encrypt_with_prefix(
    key: &DataKey,
    prefix: &[u8; NONCE_PREFIX],
    mut reader: impl Read,
    mut out: impl FnMut(&[u8]) -> Result<()>,
) -> Result<Plaintext> {
    let cipher = XChaCha20Poly1305::new(key.as_ref().into());
    // `encrypt_last` consumes the encryptor: it is taken out for the last segment.
    let mut encryptor = Some(stream::EncryptorBE32::from_aead(
        cipher,
        prefix.as_ref().into(),
    ));
    let failed = || anyhow::anyhow!("encryption failed");
    out(MAGIC)?;
    out(prefix)?;
    let mut digests = Digests::new(key)?;
    // One segment of lookahead: the last segment is only known once the next read is empty.
    let mut current = vec![0u8; SEGMENT];
    let mut n = fill(&mut reader, &mut current)?;
    loop {
        let mut next = vec![0u8; SEGMENT];
        let m = if n == SEGMENT {
            fill(&mut reader, &mut next)?
        } else {
            0
        };
        digests.update(&current[..n]);
        let segment = Payload {
            msg: &current[..n],
            aad: MAGIC,
        };
        if m == 0 {
            let last = encryptor.take().ok_or_else(failed)?;
            out(&last.encrypt_last(segment).map_err(|_| failed())?)?;
            break;
        }
        let sealed = encryptor
            .as_mut()
            .ok_or_else(failed)?
            .encrypt_next(segment)
            .map_err(|_| failed())?;
        out(&sealed)?;
        current = next;
        n = m;
    }
    Ok(digests.finish())
}

/// Decrypts what `reader` yields under `key`, handing the plaintext to `out` segment by segment.
/// A wrong key, or a ciphertext altered, reordered or cut short, is an error; `out` may have
/// received the segments before it, so callers write to a temporary place.
pub fn decrypt(
    key: &DataKey,
    mut reader: impl Read,
    mut out: impl FnMut(&[u8]) -> Result<()>,
) -> Result<Plaintext> {
    let mut header = [0u8; 8 + NONCE_PREFIX];
    if fill(&mut reader, &mut header)? != header.len() || &header[..8] != MAGIC {
        bail!(
            "not a medchain encrypted file (no {:?} header)",
            String::from_utf8_lossy(&MAGIC[..7])
        );
    }
    let cipher = XChaCha20Poly1305::new(key.as_ref().into());
    let mut decryptor = Some(stream::DecryptorBE32::from_aead(
        cipher,
        header[8..].as_ref().into(),
    ));
    let corrupt = || {
        anyhow::anyhow!("decryption failed: the data key does not fit, or the ciphertext was altered or cut short")
    };
    let mut digests = Digests::new(key)?;
    let mut current = vec![0u8; SEGMENT + TAG];
    let mut n = fill(&mut reader, &mut current)?;
    loop {
        let mut next = vec![0u8; SEGMENT + TAG];
        let m = if n == SEGMENT + TAG {
            fill(&mut reader, &mut next)?
        } else {
            0
        };
        let segment = Payload {
            msg: &current[..n],
            aad: MAGIC,
        };
        let plain = if m == 0 {
            let last = decryptor.take().ok_or_else(corrupt)?;
            last.decrypt_last(segment).map_err(|_| corrupt())?
        } else {
            decryptor
                .as_mut()
                .ok_or_else(corrupt)?
                .decrypt_next(segment)
                .map_err(|_| corrupt())?
        };
        digests.update(&plain);
        out(&plain)?;
        if m == 0 {
            break;
        }
        current = next;
        n = m;
    }
    Ok(digests.finish())
}

/// The ciphertext length of a plaintext of `len` bytes.
pub fn ciphertext_len(len: u64) -> u64 {
    // A segment per started 64 KiB; an empty file is one empty segment.
    let segments = len.div_ceil(SEGMENT as u64).max(1);
    (MAGIC.len() + NONCE_PREFIX) as u64 + len + segments * TAG as u64
}

fn sealed_aead(
    shared: &[u8; 32],
    ephemeral: &[u8; 32],
    recipient: &[u8; 32],
) -> Result<(ChaCha20Poly1305, [u8; 12])> {
    let mut salt = [0u8; 64];
    salt[..32].copy_from_slice(ephemeral);
    salt[32..].copy_from_slice(recipient);
    let mut okm = Zeroizing::new([0u8; 44]);
    hkdf::Hkdf::<Sha256>::new(Some(&salt), shared)
        .expand(SEALED_INFO, okm.as_mut())
        .map_err(|_| anyhow::anyhow!("key derivation failed"))?;
    let aead = ChaCha20Poly1305::new(okm[..32].into());
    let mut nonce = [0u8; 12];
    nonce.copy_from_slice(&okm[32..]);
    Ok((aead, nonce))
}

/// Seals `key` to the X25519 public key `recipient`.
pub fn seal(key: &DataKey, recipient: &[u8; 32]) -> Result<[u8; SEALED_LEN]> {
    seal_with_ephemeral(key, &Zeroizing::new(random()?), recipient)
}

/// [`seal`] with a chosen ephemeral secret. Only the test vectors choose one
/// (`docs/vectors/sealed-key.json`): an ephemeral secret must never be used twice.
pub fn seal_with_ephemeral(
    key: &DataKey,
    ephemeral: &Zeroizing<[u8; 32]>,
    recipient: &[u8; 32],
) -> Result<[u8; SEALED_LEN]> {
    let ephemeral = x25519_dalek::StaticSecret::from(**ephemeral);
    let ephemeral_public = x25519_dalek::PublicKey::from(&ephemeral).to_bytes();
    let shared = ephemeral.diffie_hellman(&x25519_dalek::PublicKey::from(*recipient));
    // A recipient key of small order makes the shared secret zero whatever the ephemeral secret:
    // the sealed key would open for anyone.
    if !shared.was_contributory() {
        bail!(
            "the recipient's encryption key {} is of small order: anything sealed to it opens for anyone, so nothing is sealed",
            hex::encode(recipient)
        );
    }
    let (aead, nonce) = sealed_aead(shared.as_bytes(), &ephemeral_public, recipient)?;
    let body = aead
        .encrypt(&nonce.into(), key.as_ref())
        .map_err(|_| anyhow::anyhow!("sealing failed"))?;
    let mut sealed = [0u8; SEALED_LEN];
    sealed[..32].copy_from_slice(&ephemeral_public);
    sealed[32..].copy_from_slice(&body);
    Ok(sealed)
}

/// Opens a sealed key with the recipient's X25519 secret.
pub fn open(sealed: &[u8], secret: &[u8; 32]) -> Result<DataKey> {
    if sealed.len() != SEALED_LEN {
        bail!(
            "a sealed key is {SEALED_LEN} bytes, this one {}",
            sealed.len()
        );
    }
    let secret = x25519_dalek::StaticSecret::from(*secret);
    let recipient = x25519_dalek::PublicKey::from(&secret).to_bytes();
    let mut ephemeral = [0u8; 32];
    ephemeral.copy_from_slice(&sealed[..32]);
    let shared = secret.diffie_hellman(&x25519_dalek::PublicKey::from(ephemeral));
    // An ephemeral key of small order is a forgery: its shared secret is zero for every recipient,
    // so whoever made it could make it open to any data key for anyone.
    if !shared.was_contributory() {
        bail!("this sealed key's ephemeral key is of small order: it is forged and is refused");
    }
    let (aead, nonce) = sealed_aead(shared.as_bytes(), &ephemeral, &recipient)?;
    let plain = Zeroizing::new(
        aead.decrypt(&nonce.into(), &sealed[32..])
            .map_err(|_| anyhow::anyhow!("this key was not sealed to your encryption key"))?,
    );
    let mut key = Zeroizing::new([0u8; 32]);
    if plain.len() != 32 {
        bail!("a sealed data key is 32 bytes");
    }
    key.copy_from_slice(&plain);
    Ok(key)
}

/// A patient's type key with one custodian, from the X25519 secret of their account there (their
/// pseudonym's): HKDF-SHA256(secret, info = "medchain/type-key/v1"). The patient seals it to the
/// custodian in `grantCare`; both tag record types with it.
pub fn type_key(secret: &[u8; 32]) -> Result<DataKey> {
    let mut key = Zeroizing::new([0u8; 32]);
    hkdf::Hkdf::<Sha256>::new(None, secret)
        .expand(TYPE_KEY_INFO, key.as_mut())
        .map_err(|_| anyhow::anyhow!("deriving the type key failed"))?;
    Ok(key)
}

/// A record type's tag under a patient's type key: HMAC-SHA256(type key,
/// "medchain/type-tag/v1" ‖ SCALE(type)).
pub fn type_tag(type_key: &DataKey, record_type: &[u8; TYPE_LEN]) -> Result<[u8; 32]> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(type_key.as_ref())
        .map_err(|_| anyhow::anyhow!("the type key was refused"))?;
    mac.update(TYPE_TAG_DOMAIN);
    mac.update(record_type);
    Ok(mac.finalize().into_bytes().into())
}

fn type_aead(data_key: &DataKey) -> Result<ChaCha20Poly1305> {
    let mut key = Zeroizing::new([0u8; 32]);
    hkdf::Hkdf::<Sha256>::new(None, data_key.as_ref())
        .expand(SEALED_TYPE_INFO, key.as_mut())
        .map_err(|_| anyhow::anyhow!("deriving the type's key failed"))?;
    Ok(ChaCha20Poly1305::new(key.as_ref().into()))
}

/// A record type sealed under its version's data key, for the record's `sealedType`.
pub fn seal_type(
    data_key: &DataKey,
    record_type: &[u8; TYPE_LEN],
) -> Result<[u8; SEALED_TYPE_LEN]> {
    let body = type_aead(data_key)?
        .encrypt(&[0u8; 12].into(), record_type.as_slice())
        .map_err(|_| anyhow::anyhow!("sealing the type failed"))?;
    body.try_into()
        .map_err(|_| anyhow::anyhow!("a sealed type is {SEALED_TYPE_LEN} bytes"))
}

/// Opens a record's `sealedType` with its data key.
pub fn open_type(data_key: &DataKey, sealed: &[u8; SEALED_TYPE_LEN]) -> Result<[u8; TYPE_LEN]> {
    let plain = type_aead(data_key)?
        .decrypt(&[0u8; 12].into(), sealed.as_slice())
        .map_err(|_| anyhow::anyhow!("the record's sealed type does not open with its data key"))?;
    plain
        .try_into()
        .map_err(|_| anyhow::anyhow!("a sealed type holds {TYPE_LEN} bytes"))
}

/// The X25519 public key of a secret.
pub fn x25519_public(secret: &[u8; 32]) -> [u8; 32] {
    x25519_dalek::PublicKey::from(&x25519_dalek::StaticSecret::from(*secret)).to_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip(plain: &[u8]) -> Vec<u8> {
        let key = new_data_key().unwrap();
        let mut cipher = Vec::new();
        let enc = encrypt(&key, plain, |c| {
            cipher.extend_from_slice(c);
            Ok(())
        })
        .unwrap();
        assert_eq!(cipher.len() as u64, ciphertext_len(plain.len() as u64));
        let mut back = Vec::new();
        let dec = decrypt(&key, &cipher[..], |p| {
            back.extend_from_slice(p);
            Ok(())
        })
        .unwrap();
        assert_eq!(enc, dec);
        assert_eq!(enc.sha256, <[u8; 32]>::from(Sha256::digest(plain)));
        assert_eq!(enc.commitment, commitment(&key, plain).unwrap());
        assert_eq!(
            verify(&dec, &enc.commitment).unwrap(),
            OnChainDigest::Commitment
        );
        assert_eq!(verify(&dec, &enc.sha256).unwrap(), OnChainDigest::Sha256);
        assert!(verify(&dec, &[0; 32]).is_err());
        // Under another data key the same plaintext commits to something else: two records of
        // one templated document are not linked by their digests.
        assert_ne!(
            commitment(&new_data_key().unwrap(), plain).unwrap(),
            enc.commitment
        );
        cipher
    }

    #[test]
    fn files_of_any_length_round_trip() {
        for len in [
            0,
            1,
            SEGMENT - 1,
            SEGMENT,
            SEGMENT + 1,
            3 * SEGMENT,
            1_000_003,
        ] {
            let plain: Vec<u8> = (0..len).map(|i| (i * 7 + 3) as u8).collect();
            roundtrip(&plain);
        }
    }

    #[test]
    fn altered_cut_or_wrongly_keyed_ciphertext_does_not_decrypt() {
        let plain = vec![42u8; 3 * SEGMENT + 5];
        let cipher = roundtrip(&plain);
        let key = new_data_key().unwrap();
        let fails = |bytes: &[u8], key: &DataKey| decrypt(key, bytes, |_| Ok(())).is_err();
        assert!(fails(&cipher, &key), "another key");
        // Whatever key, alteration, a missing last segment or a cut at a segment boundary fail.
        let right = {
            let key = new_data_key().unwrap();
            let mut c = Vec::new();
            encrypt(&key, &plain[..], |x| {
                c.extend_from_slice(x);
                Ok(())
            })
            .unwrap();
            (key, c)
        };
        let (key, cipher) = right;
        let mut altered = cipher.clone();
        altered[100] ^= 1;
        assert!(fails(&altered, &key));
        let header = MAGIC.len() + NONCE_PREFIX;
        assert!(
            fails(&cipher[..header + 2 * (SEGMENT + TAG)], &key),
            "cut at a boundary"
        );
        assert!(fails(&cipher[..cipher.len() - 1], &key), "cut short");
        assert!(!fails(&cipher, &key));
    }

    #[test]
    fn a_sealed_key_opens_only_for_its_recipient() {
        let key = new_data_key().unwrap();
        let secret: [u8; 32] = random().unwrap();
        let other: [u8; 32] = random().unwrap();
        let sealed = seal(&key, &x25519_public(&secret)).unwrap();
        assert_eq!(*open(&sealed, &secret).unwrap(), *key);
        assert!(open(&sealed, &other).is_err());
        let mut tampered = sealed;
        tampered[40] ^= 1;
        assert!(open(&tampered, &secret).is_err());
    }
}

//! Identities on disk. Each is an sr25519 account (it signs extrinsics) and an X25519 key (data
//! keys are sealed to it), kept in `<home>/keys/<name>.json`. The public parts are in the clear;
//! the secrets are encrypted with a passphrase: Argon2id derives the key, XChaCha20-Poly1305
//! seals them. Files are written whole (temporary file, then rename) and never overwritten.

use anyhow::{anyhow, bail, Context, Result};
use chacha20poly1305::{aead::Aead, KeyInit, XChaCha20Poly1305};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use subxt_signer::{sr25519, DeriveJunction, SecretUri};
use zeroize::Zeroizing;

#[derive(Serialize, Deserialize)]
struct Kdf {
    algorithm: String,
    memory_kib: u32,
    iterations: u32,
    parallelism: u32,
    salt: String,
}

#[derive(Serialize, Deserialize)]
struct KeyFile {
    version: u32,
    name: String,
    account: String,
    encryption_key: String,
    kdf: Kdf,
    nonce: String,
    sealed: String,
}

#[derive(Serialize, Deserialize)]
struct Secrets {
    /// Absent in files the portal makes for extension accounts, whose account secret it never has.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    suri: Option<String>,
    x25519: String,
}

/// An identity with its secrets, in memory only while a command runs.
#[derive(Clone)]
pub struct Identity {
    pub name: String,
    suri: Zeroizing<String>,
    /// Hard junctions from the secret URI's key to this identity's account: none for a stored
    /// identity, a pseudonym's path for one derived from it.
    path: Vec<DeriveJunction>,
    x25519: Zeroizing<[u8; 32]>,
}

/// HKDF-SHA256 info of a pseudonym's X25519 secret (followed by the genesis hash and the
/// organisation id, u32 little-endian).
const PSEUDONYM_INFO: &[u8] = b"medchain/pseudonym/v1";

/// Shows the name only: secrets never reach a log.
impl std::fmt::Debug for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Identity")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl Identity {
    /// A new identity from the system's random source.
    pub fn generate(name: &str) -> Result<Self> {
        let seed = Zeroizing::new(crate::crypto::random::<32>()?);
        Ok(Self {
            name: name.into(),
            suri: Zeroizing::new(format!("0x{}", hex::encode(seed.as_ref()))),
            path: Vec::new(),
            x25519: Zeroizing::new(crate::crypto::random()?),
        })
    }

    /// An identity whose account comes from a secret URI (a mnemonic, a `0x` seed, or a dev
    /// account such as `//Alice`); its encryption key is new.
    pub fn import(name: &str, suri: &str) -> Result<Self> {
        let parsed = SecretUri::from_str(suri).map_err(|e| {
            anyhow!("--suri is not a secret URI ({e}): give a mnemonic, a 0x seed or //Name")
        })?;
        sr25519::Keypair::from_uri(&parsed)
            .map_err(|e| anyhow!("--suri does not make an sr25519 key: {e}"))?;
        Ok(Self {
            name: name.into(),
            suri: Zeroizing::new(suri.into()),
            path: Vec::new(),
            x25519: Zeroizing::new(crate::crypto::random()?),
        })
    }

    /// An identity from known secrets: a secret URI and an X25519 secret.
    pub fn from_secrets(name: &str, suri: &str, x25519: [u8; 32]) -> Result<Self> {
        let mut identity = Self::import(name, suri)?;
        identity.x25519 = Zeroizing::new(x25519);
        Ok(identity)
    }

    pub fn signer(&self) -> Result<sr25519::Keypair> {
        let uri = SecretUri::from_str(&self.suri)
            .map_err(|e| anyhow!("stored key is unreadable: {e}"))?;
        let key = sr25519::Keypair::from_uri(&uri)
            .map_err(|e| anyhow!("stored key is unreadable: {e}"))?;
        Ok(key.derive(self.path.iter().copied()))
    }

    /// This patient's pseudonym at organisation `org` of the chain whose genesis hash is
    /// `genesis`: an account and an encryption key of its own, derived from this identity's
    /// secrets, so that no state or event links a patient's records at two hospitals, or on two
    /// chains (docs/formats.md, "Pseudonyms"). The account is the sr25519 hard derivation
    /// `//medchain//0x<genesis>//<org>` (the genesis hash as its 32 bytes, the id as a number:
    /// what polkadot.js's `pair.derive` makes of that path); the X25519 secret is HKDF-SHA256 of
    /// this identity's under [`PSEUDONYM_INFO`] ‖ genesis ‖ org.
    pub fn pseudonym(&self, genesis: &[u8; 32], org: u32) -> Result<Identity> {
        let mut info = PSEUDONYM_INFO.to_vec();
        info.extend_from_slice(genesis);
        info.extend_from_slice(&org.to_le_bytes());
        let mut x25519 = Zeroizing::new([0u8; 32]);
        hkdf::Hkdf::<sha2::Sha256>::new(None, self.x25519.as_ref())
            .expand(&info, x25519.as_mut())
            .map_err(|_| anyhow!("deriving the pseudonym's encryption key"))?;
        let mut path = self.path.clone();
        path.extend([
            DeriveJunction::hard("medchain"),
            DeriveJunction::hard(*genesis),
            DeriveJunction::hard(u64::from(org)),
        ]);
        Ok(Identity {
            name: format!("{}@{org}", self.name),
            suri: self.suri.clone(),
            path,
            x25519,
        })
    }

    /// Which of this identity and its pseudonyms on the chain `genesis` is `patient`, the patient
    /// of a record organisation `org` keeps: the pseudonym there, or the identity itself (records
    /// made before pseudonyms); `None` if neither.
    pub fn as_patient(
        &self,
        genesis: &[u8; 32],
        org: u32,
        patient: &subxt::utils::AccountId32,
    ) -> Result<Option<Identity>> {
        let pseudonym = self.pseudonym(genesis, org)?;
        if &pseudonym.account()? == patient {
            return Ok(Some(pseudonym));
        }
        Ok((&self.account()? == patient).then(|| self.clone()))
    }

    pub fn account(&self) -> Result<subxt::utils::AccountId32> {
        Ok(self.signer()?.public_key().into())
    }

    pub fn encryption_public(&self) -> [u8; 32] {
        crate::crypto::x25519_public(&self.x25519)
    }

    pub fn encryption_secret(&self) -> &[u8; 32] {
        &self.x25519
    }
}

/// The public parts of a stored identity.
pub struct Public {
    pub name: String,
    pub account: subxt::utils::AccountId32,
    pub encryption_key: [u8; 32],
}

/// An account's SS58 address (subxt writes the generic prefix 42, which is medchain's).
pub fn address(account: &subxt::utils::AccountId32) -> String {
    account.to_string()
}

/// Parses an account given as SS58 or 0x-hex.
pub fn parse_account(s: &str, what: &str) -> Result<subxt::utils::AccountId32> {
    if let Some(hex) = s.strip_prefix("0x") {
        let bytes: [u8; 32] = hex::decode(hex)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| anyhow!("{what} '{s}' is not a 32-byte hex account"))?;
        return Ok(subxt::utils::AccountId32(bytes));
    }
    subxt::utils::AccountId32::from_str(s).map_err(|e| {
        anyhow!("{what} '{s}' is not an account address ({e}): give an SS58 address such as 5Grw…")
    })
}

/// Where identities live.
pub struct KeyStore {
    dir: PathBuf,
}

fn argon2(passphrase: &str, salt: &[u8], m: u32, t: u32, p: u32) -> Result<Zeroizing<[u8; 32]>> {
    let params =
        argon2::Params::new(m, t, p, Some(32)).map_err(|e| anyhow!("key derivation: {e}"))?;
    let mut key = Zeroizing::new([0u8; 32]);
    argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
        .hash_password_into(passphrase.as_bytes(), salt, key.as_mut())
        .map_err(|e| anyhow!("key derivation: {e}"))?;
    Ok(key)
}

/// A key file (`docs/formats.md`, "Key file") holding `identity`'s secrets sealed with
/// `passphrase` under `salt` and `nonce`, as pretty JSON. Callers pass fresh random ones; only the
/// test vectors fix them.
pub fn seal_key_file(
    identity: &Identity,
    passphrase: &str,
    salt: &[u8; 16],
    nonce: &[u8; 24],
) -> Result<String> {
    if passphrase.is_empty() {
        bail!("the passphrase is empty: set one (MEDCHAIN_PASSPHRASE or --passphrase-file)");
    }
    let (m, t, p) = (19 * 1024, 2, 1);
    let key = argon2(passphrase, salt, m, t, p)?;
    let secrets = Zeroizing::new(serde_json::to_vec(&Secrets {
        suri: Some(identity.suri.to_string()),
        x25519: hex::encode(identity.x25519.as_ref()),
    })?);
    let sealed = XChaCha20Poly1305::new(key.as_ref().into())
        .encrypt(nonce.into(), secrets.as_slice())
        .map_err(|_| anyhow!("encrypting the key failed"))?;
    let file = KeyFile {
        version: 1,
        name: identity.name.clone(),
        account: address(&identity.account()?),
        encryption_key: hex::encode(identity.encryption_public()),
        kdf: Kdf {
            algorithm: "argon2id".into(),
            memory_kib: m,
            iterations: t,
            parallelism: p,
            salt: hex::encode(salt),
        },
        nonce: hex::encode(nonce),
        sealed: hex::encode(sealed),
    };
    Ok(serde_json::to_string_pretty(&file)?)
}

/// Opens a key file's text with its passphrase.
pub fn open_key_file(text: &str, passphrase: &str) -> Result<Identity> {
    let file: KeyFile =
        serde_json::from_str(text).map_err(|_| anyhow!("this is not a medchain key file"))?;
    let name = &file.name;
    if file.version != 1 {
        bail!(
            "key file '{name}' is version {}: this medchain reads version 1",
            file.version
        );
    }
    if file.kdf.algorithm != "argon2id" {
        bail!(
            "key file '{name}' uses {}, not argon2id",
            file.kdf.algorithm
        );
    }
    let unreadable = || anyhow!("key file of '{name}' is damaged");
    let salt = hex::decode(&file.kdf.salt).map_err(|_| unreadable())?;
    let nonce: [u8; 24] = hex::decode(&file.nonce)
        .ok()
        .and_then(|n| n.try_into().ok())
        .ok_or_else(unreadable)?;
    let sealed = hex::decode(&file.sealed).map_err(|_| unreadable())?;
    let key = argon2(
        passphrase,
        &salt,
        file.kdf.memory_kib,
        file.kdf.iterations,
        file.kdf.parallelism,
    )?;
    let plain = Zeroizing::new(
        XChaCha20Poly1305::new(key.as_ref().into())
            .decrypt(&nonce.into(), sealed.as_slice())
            .map_err(|_| anyhow!("wrong passphrase for key '{name}'"))?,
    );
    let secrets: Secrets = serde_json::from_slice(&plain).map_err(|_| unreadable())?;
    let x25519: [u8; 32] = hex::decode(&secrets.x25519)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(unreadable)?;
    if hex::encode(crate::crypto::x25519_public(&x25519)) != file.encryption_key {
        return Err(unreadable());
    }
    let suri = secrets.suri.ok_or_else(|| {
        anyhow!("key file '{name}' holds no account secret (the portal makes such files for extension accounts): the command line cannot sign with it")
    })?;
    Ok(Identity {
        name: file.name,
        suri: Zeroizing::new(suri),
        path: Vec::new(),
        x25519: Zeroizing::new(x25519),
    })
}

impl KeyStore {
    pub fn new(home: &Path) -> Self {
        Self {
            dir: home.join("keys"),
        }
    }

    fn path(&self, name: &str) -> Result<PathBuf> {
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            bail!("key name '{name}' must be letters, digits, '-' or '_'");
        }
        Ok(self.dir.join(format!("{name}.json")))
    }

    /// Stores `identity` under its name, encrypted with `passphrase`. Never overwrites.
    pub fn save(&self, identity: &Identity, passphrase: &str) -> Result<()> {
        let path = self.path(&identity.name)?;
        if path.exists() {
            bail!(
                "a key named '{}' exists ({}): choose another --name",
                identity.name,
                path.display()
            );
        }
        let text = seal_key_file(
            identity,
            passphrase,
            &crate::crypto::random()?,
            &crate::crypto::random()?,
        )?;
        std::fs::create_dir_all(&self.dir)
            .with_context(|| format!("creating {}", self.dir.display()))?;
        let mut tmp = tempfile::NamedTempFile::new_in(&self.dir)?;
        tmp.as_file_mut().write_all(text.as_bytes())?;
        tmp.as_file().sync_all()?;
        tmp.persist_noclobber(&path)
            .map_err(|e| anyhow!("writing {}: {}", path.display(), e.error))?;
        Ok(())
    }

    fn read(&self, name: &str) -> Result<(String, KeyFile)> {
        let path = self.path(name)?;
        let text = std::fs::read_to_string(&path).map_err(|e| {
            anyhow!("no key named '{name}' ({}: {e}): make one with `medchain key generate --name {name}`", path.display())
        })?;
        let file = serde_json::from_str(&text)
            .with_context(|| format!("{} is not a medchain key file", path.display()))?;
        Ok((text, file))
    }

    /// The public parts of key `name` (no passphrase needed).
    pub fn public(&self, name: &str) -> Result<Public> {
        let (_, file) = self.read(name)?;
        Ok(Public {
            name: file.name,
            account: parse_account(&file.account, "the stored account")?,
            encryption_key: hex::decode(&file.encryption_key)
                .ok()
                .and_then(|b| b.try_into().ok())
                .ok_or_else(|| anyhow!("key '{name}' has an unreadable encryption key"))?,
        })
    }

    /// Key `name` with its secrets, unlocked with `passphrase`.
    pub fn load(&self, name: &str, passphrase: &str) -> Result<Identity> {
        let (text, _) = self.read(name)?;
        open_key_file(&text, passphrase)
    }

    /// Names of the stored keys.
    pub fn list(&self) -> Result<Vec<String>> {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return Ok(Vec::new());
        };
        let mut names: Vec<String> = entries
            .filter_map(|e| e.ok())
            .filter_map(|e| {
                e.file_name()
                    .to_str()?
                    .strip_suffix(".json")
                    .map(str::to_owned)
            })
            .collect();
        names.sort();
        Ok(names)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_saved_encrypted_and_opens_only_with_its_passphrase() {
        let dir = tempfile::tempdir().unwrap();
        let store = KeyStore::new(dir.path());
        let alice = Identity::import("alice", "//Alice").unwrap();
        store.save(&alice, "correct horse").unwrap();
        let text = std::fs::read_to_string(dir.path().join("keys/alice.json")).unwrap();
        assert!(
            !text.contains("Alice"),
            "the secret URI is not in the clear"
        );
        assert!(
            text.contains("5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"),
            "{text}"
        );
        assert!(store
            .load("alice", "wrong")
            .unwrap_err()
            .to_string()
            .contains("wrong passphrase"));
        let back = store.load("alice", "correct horse").unwrap();
        assert_eq!(back.account().unwrap(), alice.account().unwrap());
        assert_eq!(back.encryption_public(), alice.encryption_public());
        assert_eq!(
            store.public("alice").unwrap().encryption_key,
            alice.encryption_public()
        );
        assert!(store.save(&alice, "again").is_err(), "never overwritten");
        assert!(store
            .load("bob", "x")
            .unwrap_err()
            .to_string()
            .contains("medchain key generate"));
    }

    #[test]
    fn pseudonyms_differ_by_organisation_and_chain_and_come_back_from_the_key_file() {
        let dave = Identity::import("dave", "//Dave").unwrap();
        let (one, two) = ([1u8; 32], [2u8; 32]);
        let at = |g: &[u8; 32], org| dave.pseudonym(g, org).unwrap();
        let accounts = [
            dave.account().unwrap(),
            at(&one, 0).account().unwrap(),
            at(&one, 1).account().unwrap(),
            at(&two, 0).account().unwrap(),
        ];
        let keys = [
            dave.encryption_public(),
            at(&one, 0).encryption_public(),
            at(&one, 1).encryption_public(),
            at(&two, 0).encryption_public(),
        ];
        for i in 0..4 {
            for j in i + 1..4 {
                assert_ne!(accounts[i], accounts[j], "accounts {i} and {j}");
                assert_ne!(keys[i], keys[j], "encryption keys {i} and {j}");
            }
        }
        // The same secrets give the same pseudonym: nothing but the key file is needed.
        let dir = tempfile::tempdir().unwrap();
        let store = KeyStore::new(dir.path());
        store.save(&dave, "pass").unwrap();
        let back = store
            .load("dave", "pass")
            .unwrap()
            .pseudonym(&one, 1)
            .unwrap();
        assert_eq!(back.account().unwrap(), accounts[2]);
        assert_eq!(back.encryption_public(), keys[2]);
        // A record of the pseudonym's, or of the identity's own account, is the patient's.
        let mine = dave.as_patient(&one, 1, &accounts[2]).unwrap().unwrap();
        assert_eq!(mine.account().unwrap(), accounts[2]);
        let own = dave.as_patient(&one, 1, &accounts[0]).unwrap().unwrap();
        assert_eq!(own.account().unwrap(), accounts[0]);
        assert!(dave.as_patient(&one, 0, &accounts[2]).unwrap().is_none());
    }
}

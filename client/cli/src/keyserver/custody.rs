//! Where the organisation's secret lives. The service only ever opens sealed keys with it; it
//! never hands it out, so an HSM or a KMS that opens sealed keys can take the file's place.

use crate::crypto::{self, DataKey};
use anyhow::{anyhow, bail, Context, Result};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use zeroize::Zeroizing;

/// Holds an organisation's X25519 secret and opens what was sealed to it. During a rotation it
/// holds the next secret too, and opens what was sealed to either.
pub trait Custody: Send + Sync {
    /// The public key records are sealed to (what `org set-key` put on chain).
    fn public_key(&self) -> [u8; 32];
    /// The key a rotation under way moves the organisation to.
    fn next_public_key(&self) -> Option<[u8; 32]>;
    /// Opens a data key sealed to the current key or, during a rotation, to the next one.
    fn open(&self, sealed: &[u8]) -> Result<DataKey>;
    /// Opens a data key sealed to the current key only: what a rotation still has to move.
    fn open_current(&self, sealed: &[u8]) -> Result<DataKey>;
    /// Begins a rotation: makes the next key, or keeps the one made already, and returns it.
    fn begin_rotation(&self) -> Result<[u8; 32]>;
    /// Ends a rotation: the current secret is destroyed and the next one takes its place.
    fn finish_rotation(&self) -> Result<()>;
}

/// The current and, during a rotation, the next secret.
struct Secrets {
    current: Zeroizing<[u8; 32]>,
    next: Option<Zeroizing<[u8; 32]>>,
}

/// The secret in a file only the service's user may read (hex, one line), and during a rotation
/// the next one beside it (`<file>.next`).
pub struct FileCustody {
    path: PathBuf,
    secrets: Mutex<Secrets>,
}

fn next_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".next");
    PathBuf::from(name)
}

/// Writes a new secret to `path`, readable by its owner only, and syncs it. Never overwrites.
fn write_secret(path: &Path, secret: &[u8; 32]) -> Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(|e| {
        anyhow!(
            "cannot create {} ({e}); an existing key is never overwritten",
            path.display()
        )
    })?;
    let text = Zeroizing::new(format!("{}\n", hex::encode(secret)));
    file.write_all(text.as_bytes())?;
    file.sync_all()?;
    Ok(())
}

/// Reads a secret from `path`; refuses a file others may read.
fn read_secret(path: &Path) -> Result<Zeroizing<[u8; 32]>> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)
            .with_context(|| {
                format!(
                    "no organisation key at {} (make one with `medchain keyserver init`)",
                    path.display()
                )
            })?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            bail!(
                "{} may be read by other users (mode {:o}): `chmod 600` it; the key service refuses to use it",
                path.display(),
                mode & 0o777
            );
        }
    }
    let text = Zeroizing::new(
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?,
    );
    let bytes = Zeroizing::new(
        hex::decode(text.trim()).map_err(|_| anyhow!("{} is not a key file", path.display()))?,
    );
    let mut secret = Zeroizing::new([0u8; 32]);
    if bytes.len() != 32 {
        bail!("{} holds no 32-byte key", path.display());
    }
    secret.copy_from_slice(&bytes);
    Ok(secret)
}

impl FileCustody {
    /// Makes a new secret in `path`, readable by its owner only. Never overwrites.
    pub fn create(path: &Path) -> Result<Self> {
        let secret = Zeroizing::new(crypto::random::<32>()?);
        write_secret(path, &secret)?;
        Ok(Self {
            path: path.into(),
            secrets: Mutex::new(Secrets {
                current: secret,
                next: None,
            }),
        })
    }

    /// Loads the secret from `path`, and the next one if a rotation was under way; refuses a
    /// file others may read.
    pub fn load(path: &Path) -> Result<Self> {
        let current = read_secret(path)?;
        let next_file = next_path(path);
        let next = if next_file.exists() {
            Some(read_secret(&next_file)?)
        } else {
            None
        };
        Ok(Self {
            path: path.into(),
            secrets: Mutex::new(Secrets { current, next }),
        })
    }

    fn secrets(&self) -> Result<std::sync::MutexGuard<'_, Secrets>> {
        self.secrets
            .lock()
            .map_err(|_| anyhow!("the key store's lock is poisoned"))
    }
}

impl Custody for FileCustody {
    fn public_key(&self) -> [u8; 32] {
        // A poisoned lock only means another request panicked: the keys are intact.
        let secrets = self.secrets.lock().unwrap_or_else(|p| p.into_inner());
        crypto::x25519_public(&secrets.current)
    }

    fn next_public_key(&self) -> Option<[u8; 32]> {
        let secrets = self.secrets.lock().unwrap_or_else(|p| p.into_inner());
        secrets.next.as_ref().map(|n| crypto::x25519_public(n))
    }

    fn open(&self, sealed: &[u8]) -> Result<DataKey> {
        let secrets = self.secrets()?;
        match (crypto::open(sealed, &secrets.current), &secrets.next) {
            (Ok(key), _) => Ok(key),
            (Err(_), Some(next)) => crypto::open(sealed, next),
            (Err(e), None) => Err(e),
        }
    }

    fn open_current(&self, sealed: &[u8]) -> Result<DataKey> {
        crypto::open(sealed, &self.secrets()?.current)
    }

    fn begin_rotation(&self) -> Result<[u8; 32]> {
        let mut secrets = self.secrets()?;
        if let Some(next) = &secrets.next {
            return Ok(crypto::x25519_public(next));
        }
        let next = Zeroizing::new(crypto::random::<32>()?);
        write_secret(&next_path(&self.path), &next)?;
        let public = crypto::x25519_public(&next);
        secrets.next = Some(next);
        Ok(public)
    }

    fn finish_rotation(&self) -> Result<()> {
        let mut secrets = self.secrets()?;
        let next = secrets
            .next
            .take()
            .ok_or_else(|| anyhow!("no rotation is under way"))?;
        // The next file replaces the current one in a single rename: a crash leaves either the
        // old key with the next beside it (the rotation resumes) or the new key alone.
        std::fs::rename(next_path(&self.path), &self.path).with_context(|| {
            format!(
                "moving {} over {}",
                next_path(&self.path).display(),
                self.path.display()
            )
        })?;
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::File::open(dir).and_then(|d| d.sync_all())?;
        }
        secrets.current = next;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_file_is_private_never_overwritten_and_opens_what_is_sealed_to_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("org.key");
        let made = FileCustody::create(&path).unwrap();
        assert!(FileCustody::create(&path).is_err(), "never overwritten");
        let loaded = FileCustody::load(&path).unwrap();
        assert_eq!(made.public_key(), loaded.public_key());
        let key = crypto::new_data_key().unwrap();
        let sealed = crypto::seal(&key, &loaded.public_key()).unwrap();
        assert_eq!(*loaded.open(&sealed).unwrap(), *key);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
            let refused = FileCustody::load(&path).err().unwrap().to_string();
            assert!(refused.contains("chmod 600"), "{refused}");
        }
    }

    #[test]
    fn a_rotation_opens_both_keys_until_it_ends_then_the_old_one_is_gone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("org.key");
        let custody = FileCustody::create(&path).unwrap();
        let old = custody.public_key();
        let key = crypto::new_data_key().unwrap();
        let to_old = crypto::seal(&key, &old).unwrap();
        let next = custody.begin_rotation().unwrap();
        assert_ne!(next, old);
        assert_eq!(
            custody.begin_rotation().unwrap(),
            next,
            "one next key per rotation"
        );
        let to_next = crypto::seal(&key, &next).unwrap();
        // A restart during the rotation finds both keys.
        let reloaded = FileCustody::load(&path).unwrap();
        assert_eq!(reloaded.next_public_key(), Some(next));
        for c in [&custody, &reloaded] {
            assert_eq!(*c.open(&to_old).unwrap(), *key);
            assert_eq!(*c.open(&to_next).unwrap(), *key);
            assert!(c.open_current(&to_next).is_err());
        }
        custody.finish_rotation().unwrap();
        assert_eq!(custody.public_key(), next);
        assert_eq!(custody.next_public_key(), None);
        assert!(custody.open(&to_old).is_err(), "the old secret is gone");
        let after = FileCustody::load(&path).unwrap();
        assert_eq!(after.public_key(), next);
        assert!(after.open(&to_old).is_err());
        assert_eq!(*after.open(&to_next).unwrap(), *key);
        assert!(!next_path(&path).exists());
    }
}

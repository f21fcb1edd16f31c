//! Where the organisation's secret lives. The service only ever opens sealed keys with it; it
//! never hands it out, so an HSM or a KMS that opens sealed keys can take the file's place.

use crate::crypto::{self, DataKey};
use anyhow::{anyhow, bail, Context, Result};
use std::io::Write;
use std::path::Path;
use zeroize::Zeroizing;

/// Holds an organisation's X25519 secret and opens what was sealed to it.
pub trait Custody: Send + Sync {
    /// The public key records are sealed to (what `org set-key` puts on chain).
    fn public_key(&self) -> [u8; 32];
    /// Opens a data key sealed to [`Custody::public_key`].
    fn open(&self, sealed: &[u8]) -> Result<DataKey>;
}

/// The secret in a file only the service's user may read (hex, one line).
pub struct FileCustody {
    secret: Zeroizing<[u8; 32]>,
}

impl FileCustody {
    /// Makes a new secret in `path`, readable by its owner only. Never overwrites.
    pub fn create(path: &Path) -> Result<Self> {
        let secret = Zeroizing::new(crypto::random::<32>()?);
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
        let text = Zeroizing::new(format!("{}\n", hex::encode(secret.as_ref())));
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        Ok(Self { secret })
    }

    /// Loads the secret from `path`; refuses a file others may read.
    pub fn load(path: &Path) -> Result<Self> {
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
            hex::decode(text.trim())
                .map_err(|_| anyhow!("{} is not a key file", path.display()))?,
        );
        let mut secret = Zeroizing::new([0u8; 32]);
        if bytes.len() != 32 {
            bail!("{} holds no 32-byte key", path.display());
        }
        secret.copy_from_slice(&bytes);
        Ok(Self { secret })
    }
}

impl Custody for FileCustody {
    fn public_key(&self) -> [u8; 32] {
        crypto::x25519_public(&self.secret)
    }

    fn open(&self, sealed: &[u8]) -> Result<DataKey> {
        crypto::open(sealed, &self.secret)
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
}

//! The store's peer identity, as kubo's `id` reports one: an Ed25519 key made once and kept in
//! the repository, its peer ID the identity multihash of its libp2p public-key protobuf.

use crate::Error;
use base64::Engine;
use std::path::Path;

/// libp2p's `PublicKey` protobuf of an Ed25519 key: type 1 (Ed25519), then the 32 key bytes.
fn public_key_protobuf(key: &[u8; 32]) -> Vec<u8> {
    let mut out = vec![0x08, 0x01, 0x12, 0x20];
    out.extend_from_slice(key);
    out
}

pub struct Identity {
    public: [u8; 32],
}

impl Identity {
    /// The identity kept in `repo/identity`, made on first use.
    pub fn load_or_create(repo: &Path) -> Result<Self, Error> {
        let path = repo.join("identity");
        let secret: [u8; 32] = match std::fs::read_to_string(&path) {
            Ok(text) => hex::decode(text.trim())
                .ok()
                .and_then(|b| b.try_into().ok())
                .ok_or_else(|| Error::Internal(format!("{} is not a key", path.display())))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut secret = [0u8; 32];
                getrandom::fill(&mut secret).map_err(|e| Error::Internal(e.to_string()))?;
                let tmp = tempfile::NamedTempFile::new_in(repo)
                    .map_err(Error::io("creating a file in", repo))?;
                std::fs::write(tmp.path(), hex::encode(secret))
                    .map_err(Error::io("writing", tmp.path().to_path_buf()))?;
                tmp.persist(&path)
                    .map_err(|e| Error::io("renaming into", &path)(e.error))?;
                secret
            }
            Err(e) => return Err(Error::io("reading", path)(e)),
        };
        let public = ed25519_dalek::SigningKey::from_bytes(&secret)
            .verifying_key()
            .to_bytes();
        Ok(Self { public })
    }

    /// The peer ID: base58btc of the identity multihash of the public key protobuf ("12D3KooW…").
    pub fn peer_id(&self) -> String {
        let key = public_key_protobuf(&self.public);
        let mut multihash = vec![0x00, key.len() as u8];
        multihash.extend_from_slice(&key);
        bs58::encode(multihash).into_string()
    }

    /// The public key protobuf in base64, as kubo's `PublicKey`.
    pub fn public_key_base64(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(public_key_protobuf(&self.public))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_identity_is_made_once_and_looks_like_a_libp2p_ed25519_peer() {
        let dir = tempfile::tempdir().unwrap();
        let first = Identity::load_or_create(dir.path()).unwrap();
        let again = Identity::load_or_create(dir.path()).unwrap();
        assert_eq!(first.peer_id(), again.peer_id());
        assert!(
            first.peer_id().starts_with("12D3KooW"),
            "{}",
            first.peer_id()
        );
        assert!(first.public_key_base64().starts_with("CAESI"));
    }
}

// The sealed-key format of pallet-medical-records (types.rs, WRAPPED_KEY_LEN), written
// independently of the Rust client with Node's own X25519, HKDF and ChaCha20-Poly1305:
//   sealed = ephemeral X25519 public key (32) || ChaCha20-Poly1305(data key) (32) || tag (16)
//   key || nonce = HKDF-SHA256(ikm = X25519(ephemeral, recipient), salt = ephemeral || recipient,
//                              info = "medchain/sealed-key/v1", 44 bytes)
import {
  createCipheriv, createDecipheriv, createHash, createPrivateKey, createPublicKey, diffieHellman,
  generateKeyPairSync, hkdfSync,
} from 'node:crypto';

const INFO = Buffer.from('medchain/sealed-key/v1');

const rawPublic = (keyObject) => Buffer.from(keyObject.export({ format: 'jwk' }).x, 'base64url');
const publicFromRaw = (raw) =>
  createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: Buffer.from(raw).toString('base64url') }, format: 'jwk' });

/** A new X25519 key pair: `publicKey` is the 32 raw bytes registered on chain. */
export function keyPair() {
  const { privateKey } = generateKeyPairSync('x25519');
  return { privateKey, publicKey: rawPublic(createPublicKey(privateKey)) };
}

function aeadKey(shared, ephemeral, recipient) {
  const okm = Buffer.from(hkdfSync('sha256', shared, Buffer.concat([ephemeral, recipient]), INFO, 44));
  return { key: okm.subarray(0, 32), nonce: okm.subarray(32, 44) };
}

/** Seals a 32-byte data key to a recipient's raw X25519 public key: 80 bytes. */
export function seal(dataKey, recipientPublic) {
  const eph = keyPair();
  const recipient = Buffer.from(recipientPublic);
  const shared = diffieHellman({ privateKey: eph.privateKey, publicKey: publicFromRaw(recipient) });
  const { key, nonce } = aeadKey(shared, eph.publicKey, recipient);
  const cipher = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
  const body = Buffer.concat([cipher.update(dataKey), cipher.final()]);
  return Buffer.concat([eph.publicKey, body, cipher.getAuthTag()]);
}

/** Opens a sealed key with the recipient's key pair; throws if it was not sealed to it. */
export function open(sealed, recipient) {
  const buf = Buffer.from(sealed);
  if (buf.length !== 80) throw new Error(`a sealed key is 80 bytes, got ${buf.length}`);
  const ephemeral = buf.subarray(0, 32);
  const shared = diffieHellman({ privateKey: recipient.privateKey, publicKey: publicFromRaw(ephemeral) });
  const { key, nonce } = aeadKey(shared, ephemeral, recipient.publicKey);
  const decipher = createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
  decipher.setAuthTag(buf.subarray(64, 80));
  return Buffer.concat([decipher.update(buf.subarray(32, 64)), decipher.final()]);
}

export const sha256 = (bytes) => createHash('sha256').update(bytes).digest();

/**
 * The binary CIDv1 (raw codec, sha2-256) of some bytes: what `ipfs add --raw-leaves` gives a small file.
 * Pass it to @polkadot/api as hex: a Uint8Array for `Bytes` is read as already length-prefixed.
 */
export const rawCid = (bytes) => Buffer.concat([Buffer.from([0x01, 0x55, 0x12, 0x20]), sha256(bytes)]);

/** The batch-anchor Merkle tree of medchain-merkle: leaf 0x00, inner 0x01, odd node moves up. */
export function merkle(entries) {
  const leaf = (e) => sha256(Buffer.concat([Buffer.from([0]), Buffer.from(e)]));
  const inner = (l, r) => sha256(Buffer.concat([Buffer.from([1]), l, r]));
  const levels = [entries.map(leaf)];
  while (levels.at(-1).length > 1) {
    const level = levels.at(-1);
    const up = [];
    for (let i = 0; i < level.length; i += 2) up.push(i + 1 < level.length ? inner(level[i], level[i + 1]) : level[i]);
    levels.push(up);
  }
  const root = levels.at(-1)[0];
  const prove = (index) => {
    const siblings = [];
    let i = index;
    for (const level of levels.slice(0, -1)) {
      const sibling = i % 2 === 0 ? i + 1 : i - 1;
      if (sibling < level.length) siblings.push(level[sibling]);
      i = Math.floor(i / 2);
    }
    return { index, leaves: entries.length, siblings };
  };
  return { root, prove };
}

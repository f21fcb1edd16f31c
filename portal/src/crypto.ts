// Record encryption in the browser, in the same format as the `medchain` CLI
// (client/cli/src/crypto.rs), with audited libraries (@noble/ciphers, @noble/curves,
// @noble/hashes). docs/formats.md specifies both; docs/vectors/ holds the vectors both pass.
//
// - A file is `MAGIC` (8) || nonce prefix (19) || segments. Each segment holds 64 KiB of
//   plaintext (the last one less, or nothing for an empty file) sealed with XChaCha20-Poly1305
//   under the record's data key. The nonce is prefix || segment counter (u32, big end) ||
//   last-segment flag (1 byte), and the associated data is `MAGIC`. This is the STREAM
//   construction of RustCrypto's `aead::stream::EncryptorBE32`, so a cut, reordered or altered
//   ciphertext does not decrypt.
// - A data key is sealed to a reader's X25519 key as 80 bytes: ephemeral public key (32) ||
//   ChaCha20-Poly1305(data key) (32) || tag (16). The AEAD key and nonce are
//   HKDF-SHA256(X25519(ephemeral, recipient), salt = ephemeral || recipient,
//   info = "medchain/sealed-key/v1"): 32 + 12 bytes.
// - What the chain holds of the plaintext (`plaintextHash`) is a commitment no guess confirms:
//   HMAC-SHA256 under HKDF-SHA256(data key, info = "medchain/plaintext-commitment/v1"). Only
//   someone who holds the data key can compute it, so hashing a guessed document (a templated
//   negative result) confirms nothing; readers, who hold the key, still check the plaintext.
// - A record's type is on chain only as a tag, HMAC-SHA256 under the patient's type key with the
//   custodian, and sealed under the data key (ChaCha20-Poly1305, key HKDF-SHA256(data key,
//   info = "medchain/sealed-type/v1"), nonce zero: each data key seals one type, once).
import { chacha20poly1305, xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { randomBytes } from '@noble/ciphers/utils.js';
import { x25519 } from '@noble/curves/ed25519.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';

export const MAGIC = new TextEncoder().encode('MEDCHv1\0');
export const SEGMENT = 64 * 1024;
export const SEALED_LEN = 80;
const TAG = 16;
const PREFIX = 19;
const SEALED_INFO = new TextEncoder().encode('medchain/sealed-key/v1');
const COMMITMENT_INFO = new TextEncoder().encode('medchain/plaintext-commitment/v1');
const SEALED_TYPE_INFO = new TextEncoder().encode('medchain/sealed-type/v1');
const TYPE_TAG_DOMAIN = new TextEncoder().encode('medchain/type-tag/v1');
const TYPE_KEY_INFO = new TextEncoder().encode('medchain/type-key/v1');
/** A record type in SCALE (system, 1 byte; code, u64 little-endian), and sealed. */
export const TYPE_LEN = 9;
export const SEALED_TYPE_LEN = TYPE_LEN + TAG;

/** What decryption saw of the plaintext. */
export interface Plaintext {
  bytes: Uint8Array;
  /** The commitment the chain's `plaintextHash` holds for it (see `commitment`). */
  commitment: Uint8Array;
  /** Its plain SHA-256: what records made before the commitment carry instead. */
  sha256: Uint8Array;
}

/** The commitment to `plaintext` under its data key, which the chain's `plaintextHash` holds. */
export function commitment(key: Uint8Array, plaintext: Uint8Array): Uint8Array {
  if (key.length !== 32) throw new Error('a data key is 32 bytes');
  return hmac(sha256, hkdf(sha256, key, undefined, COMMITMENT_INFO, 32), plaintext);
}

/**
 * Checks a decrypted plaintext against the record's `plaintextHash`: `'commitment'` if it is the
 * commitment, `'sha256'` for a record made before commitments (its public digest confirms a
 * guessed document: the reader is told), and an error if it is neither.
 */
export function verifyPlaintext(plain: Plaintext, onChain: Uint8Array): 'commitment' | 'sha256' {
  const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);
  if (same(plain.commitment, onChain)) return 'commitment';
  if (same(plain.sha256, onChain)) return 'sha256';
  throw new Error('the record decrypts to content that is not the one its chain entry commits to: refused');
}

function segmentNonce(prefix: Uint8Array, counter: number, last: boolean): Uint8Array {
  const nonce = new Uint8Array(24);
  nonce.set(prefix, 0);
  new DataView(nonce.buffer).setUint32(PREFIX, counter, false);
  nonce[23] = last ? 1 : 0;
  return nonce;
}

/** A fresh random data key. */
export function newDataKey(): Uint8Array {
  return randomBytes(32);
}

/** The ciphertext length of a plaintext of `len` bytes. */
export function ciphertextLength(len: number): number {
  const segments = Math.max(1, Math.ceil(len / SEGMENT));
  return MAGIC.length + PREFIX + len + segments * TAG;
}

/** Encrypts a whole file under `key`; returns the ciphertext and the plaintext's commitment. */
export function encrypt(key: Uint8Array, plaintext: Uint8Array, prefix: Uint8Array = randomBytes(PREFIX)): {
  ciphertext: Uint8Array;
  commitment: Uint8Array;
} {
  if (key.length !== 32) throw new Error('a data key is 32 bytes');
  if (prefix.length !== PREFIX) throw new Error(`a nonce prefix is ${PREFIX} bytes`);
  const out = new Uint8Array(ciphertextLength(plaintext.length));
  out.set(MAGIC, 0);
  out.set(prefix, MAGIC.length);
  let at = MAGIC.length + PREFIX;
  const segments = Math.max(1, Math.ceil(plaintext.length / SEGMENT));
  for (let i = 0; i < segments; i++) {
    const piece = plaintext.subarray(i * SEGMENT, Math.min(plaintext.length, (i + 1) * SEGMENT));
    const sealed = xchacha20poly1305(key, segmentNonce(prefix, i, i === segments - 1), MAGIC).encrypt(piece);
    out.set(sealed, at);
    at += sealed.length;
  }
  return { ciphertext: out, commitment: commitment(key, plaintext) };
}

/**
 * Decrypts a whole file under `key`. A wrong key, or a ciphertext altered, reordered or cut
 * short, throws; nothing of the plaintext is returned then.
 */
export function decrypt(key: Uint8Array, ciphertext: Uint8Array): Plaintext {
  const head = MAGIC.length + PREFIX;
  if (ciphertext.length < head + TAG) throw new Error('this is not a medchain encrypted file (too short)');
  for (let i = 0; i < MAGIC.length; i++) {
    if (ciphertext[i] !== MAGIC[i]) throw new Error('this is not a medchain encrypted file (no MEDCHv1 header)');
  }
  const prefix = ciphertext.subarray(MAGIC.length, head);
  const body = ciphertext.subarray(head);
  const sealedSegment = SEGMENT + TAG;
  // The last segment is the final piece of the body, whole or not.
  const segments = Math.max(1, Math.ceil(body.length / sealedSegment));
  const plain = new Uint8Array(body.length - segments * TAG);
  let at = 0;
  for (let i = 0; i < segments; i++) {
    const piece = body.subarray(i * sealedSegment, Math.min(body.length, (i + 1) * sealedSegment));
    if (piece.length < TAG) throw new Error('the encrypted file is cut short');
    let opened: Uint8Array;
    try {
      opened = xchacha20poly1305(key, segmentNonce(prefix, i, i === segments - 1), MAGIC).decrypt(piece);
    } catch {
      throw new Error(`segment ${i} does not decrypt: a wrong key, or the file was altered or cut short`);
    }
    plain.set(opened, at);
    at += opened.length;
  }
  return { bytes: plain, commitment: commitment(key, plain), sha256: sha256(plain) };
}

function sealedAead(shared: Uint8Array, ephemeral: Uint8Array, recipient: Uint8Array) {
  const salt = new Uint8Array(64);
  salt.set(ephemeral, 0);
  salt.set(recipient, 32);
  const okm = hkdf(sha256, shared, salt, SEALED_INFO, 44);
  return chacha20poly1305(okm.subarray(0, 32), okm.subarray(32, 44));
}

/**
 * X25519, refusing a peer key of small order: its shared secret is zero whatever our secret, so a
 * key sealed with it opens for anyone (docs/formats.md, Sealed key).
 */
function sharedSecret(secret: Uint8Array, peer: Uint8Array, peerName: string): Uint8Array {
  let shared: Uint8Array;
  try {
    shared = x25519.getSharedSecret(secret, peer);
  } catch {
    throw new Error(`${peerName} is of small order: refused, as anything sealed with it opens for anyone`);
  }
  if (shared.every((b) => b === 0)) {
    throw new Error(`${peerName} is of small order: refused, as anything sealed with it opens for anyone`);
  }
  return shared;
}

/** The X25519 public key of a secret. */
export function x25519Public(secret: Uint8Array): Uint8Array {
  return x25519.getPublicKey(secret);
}

/**
 * Seals a 32-byte data key to the X25519 public key `recipient`: 80 bytes. Only the test vectors
 * pass `ephemeralSecret`: one used twice would break the seal.
 */
export function seal(dataKey: Uint8Array, recipient: Uint8Array, ephemeralSecret: Uint8Array = randomBytes(32)): Uint8Array {
  if (dataKey.length !== 32) throw new Error('a data key is 32 bytes');
  if (recipient.length !== 32) throw new Error('an X25519 public key is 32 bytes');
  if (ephemeralSecret.length !== 32) throw new Error('an X25519 secret is 32 bytes');
  const ephemeral = x25519.getPublicKey(ephemeralSecret);
  const shared = sharedSecret(ephemeralSecret, recipient, "the recipient's encryption key");
  const body = sealedAead(shared, ephemeral, recipient).encrypt(dataKey);
  const sealed = new Uint8Array(SEALED_LEN);
  sealed.set(ephemeral, 0);
  sealed.set(body, 32);
  return sealed;
}

/** Opens a sealed key with the recipient's X25519 secret; throws if it was not sealed to it. */
export function open(sealed: Uint8Array, secret: Uint8Array): Uint8Array {
  if (sealed.length !== SEALED_LEN) throw new Error(`a sealed key is ${SEALED_LEN} bytes, this one ${sealed.length}`);
  const recipient = x25519.getPublicKey(secret);
  const ephemeral = sealed.subarray(0, 32);
  const shared = sharedSecret(secret, ephemeral, "this sealed key's ephemeral key");
  try {
    return sealedAead(shared, ephemeral, recipient).decrypt(sealed.subarray(32));
  } catch {
    throw new Error('this key was not sealed to your encryption key');
  }
}

/**
 * A patient's type key with one custodian, from the X25519 secret of their account there:
 * HKDF-SHA256(secret, info = "medchain/type-key/v1"). Sealed to the custodian in `grantCare`.
 */
export function typeKey(secret: Uint8Array): Uint8Array {
  if (secret.length !== 32) throw new Error('an X25519 secret is 32 bytes');
  return hkdf(sha256, secret, undefined, TYPE_KEY_INFO, 32);
}

/** A record type's tag (SCALE, 9 bytes) under a type key: the chain's `typeTag`. */
export function typeTag(key: Uint8Array, recordType: Uint8Array): Uint8Array {
  if (recordType.length !== TYPE_LEN) throw new Error(`a record type is ${TYPE_LEN} bytes`);
  const message = new Uint8Array(TYPE_TAG_DOMAIN.length + TYPE_LEN);
  message.set(TYPE_TAG_DOMAIN, 0);
  message.set(recordType, TYPE_TAG_DOMAIN.length);
  return hmac(sha256, key, message);
}

const typeAead = (dataKey: Uint8Array) =>
  chacha20poly1305(hkdf(sha256, dataKey, undefined, SEALED_TYPE_INFO, 32), new Uint8Array(12));

/** A record type (SCALE, 9 bytes) sealed under its version's data key: the chain's `sealedType`. */
export function sealType(dataKey: Uint8Array, recordType: Uint8Array): Uint8Array {
  if (dataKey.length !== 32) throw new Error('a data key is 32 bytes');
  if (recordType.length !== TYPE_LEN) throw new Error(`a record type is ${TYPE_LEN} bytes`);
  return typeAead(dataKey).encrypt(recordType);
}

/** The record type (SCALE) a record's `sealedType` holds, with its data key. */
export function openType(dataKey: Uint8Array, sealed: Uint8Array): Uint8Array {
  if (sealed.length !== SEALED_TYPE_LEN) throw new Error(`a sealed type is ${SEALED_TYPE_LEN} bytes`);
  try {
    return typeAead(dataKey).decrypt(sealed);
  } catch {
    throw new Error("the record's sealed type does not open with its data key");
  }
}

// Encryption keys held in the browser. An account's X25519 secret is kept in localStorage only
// sealed with a passphrase, in the CLI's key-file format (client/cli/src/keys.rs): Argon2id
// (19 MiB, 2 passes) derives the key, XChaCha20-Poly1305 seals a JSON of the secrets. So a key
// file the CLI wrote can be imported here, and the secret never lies in storage in the clear.
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { randomBytes } from '@noble/ciphers/utils.js';
import { argon2idAsync } from '@noble/hashes/argon2.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
// With its extension: the compiled library (tsconfig.lib.json) runs in Node, which needs it.
import { x25519Public } from './crypto.js';

/** A sealed key file: the CLI's format, whose secrets may lack `suri` (extension accounts). */
export interface KeyFile {
  version: number;
  name: string;
  account: string;
  encryption_key: string;
  kdf: { algorithm: string; memory_kib: number; iterations: number; parallelism: number; salt: string };
  nonce: string;
  sealed: string;
}

export interface Secrets {
  /** The account's secret URI: only in key files the CLI made. */
  suri?: string;
  x25519: string;
}

const PREFIX = 'medchain:key:';

async function kdf(passphrase: string, file: KeyFile['kdf'], salt: Uint8Array): Promise<Uint8Array> {
  if (file.algorithm !== 'argon2id') throw new Error(`this key file uses ${file.algorithm}, not argon2id`);
  return argon2idAsync(new TextEncoder().encode(passphrase), salt,
    { t: file.iterations, m: file.memory_kib, p: file.parallelism, dkLen: 32 });
}

/**
 * Seals a new X25519 secret for `account` with `passphrase` (docs/formats.md, "Key file"). Only
 * the test vectors pass `salt` and `nonce`.
 */
export async function sealKey(
  name: string, account: string, secret: Uint8Array, passphrase: string,
  salt: Uint8Array = randomBytes(16), nonce: Uint8Array = randomBytes(24),
): Promise<KeyFile> {
  if (!passphrase) throw new Error('choose a passphrase: the key is kept in this browser sealed with it');
  const params = { algorithm: 'argon2id', memory_kib: 19 * 1024, iterations: 2, parallelism: 1, salt: bytesToHex(salt) };
  const key = await kdf(passphrase, params, hexToBytes(params.salt));
  const secrets: Secrets = { x25519: bytesToHex(secret) };
  const sealed = xchacha20poly1305(key, nonce).encrypt(new TextEncoder().encode(JSON.stringify(secrets)));
  return {
    version: 1, name, account, encryption_key: bytesToHex(x25519Public(secret)), kdf: params,
    nonce: bytesToHex(nonce), sealed: bytesToHex(sealed),
  };
}

/** Opens a key file with its passphrase. */
export async function openKey(file: KeyFile, passphrase: string): Promise<{ secret: Uint8Array; suri?: string }> {
  if (!file.kdf || !file.sealed || !file.nonce) throw new Error('this is not a medchain key file');
  if (file.version !== 1) throw new Error(`key file '${file.name}' is version ${file.version}: this portal reads version 1`);
  const key = await kdf(passphrase, file.kdf, hexToBytes(file.kdf.salt));
  let plain: Uint8Array;
  try {
    plain = xchacha20poly1305(key, hexToBytes(file.nonce)).decrypt(hexToBytes(file.sealed));
  } catch {
    throw new Error(`wrong passphrase for key '${file.name}'`);
  }
  const damaged = new Error(`key file '${file.name}' is damaged`);
  let secret: Uint8Array;
  let secrets: Secrets;
  try {
    secrets = JSON.parse(new TextDecoder().decode(plain)) as Secrets;
    secret = hexToBytes(secrets.x25519);
  } catch {
    throw damaged;
  }
  if (secret.length !== 32 || bytesToHex(x25519Public(secret)) !== file.encryption_key) throw damaged;
  return { secret, suri: secrets.suri };
}

/** The key file kept for `account` in this browser, if any. */
export function storedKey(account: string): KeyFile | undefined {
  const text = localStorage.getItem(PREFIX + account);
  return text ? (JSON.parse(text) as KeyFile) : undefined;
}

export function storeKey(file: KeyFile): void {
  localStorage.setItem(PREFIX + file.account, JSON.stringify(file));
}

// A patient's pseudonym at one hospital (docs/formats.md, "Pseudonyms"), derived as the CLI does
// (client/cli/src/keys.rs): the key file's sr25519 account hard-derived along
// //medchain//0x<genesis>//<org>, and an X25519 secret that is HKDF-SHA256 of the key file's under
// "medchain/pseudonym/v1" ‖ genesis ‖ org (u32 little-endian). Another hospital, or another chain,
// sees another account and another key, so nothing on chain links a patient's records there.
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import type { KeyringPair } from '@polkadot/keyring/types';

const INFO = new TextEncoder().encode('medchain/pseudonym/v1');

/** The derivation path of the pseudonym at `org` of the chain whose genesis hash is `genesis`. */
export function pseudonymPath(genesis: Uint8Array, org: number): string {
  if (genesis.length !== 32) throw new Error('a genesis hash is 32 bytes');
  if (!Number.isInteger(org) || org < 0 || org > 0xffff_ffff) throw new Error(`organisation ${org} is not an id`);
  return `//medchain//0x${bytesToHex(genesis)}//${org}`;
}

/** The pseudonym's X25519 secret, from the key file's. */
export function pseudonymSecret(secret: Uint8Array, genesis: Uint8Array, org: number): Uint8Array {
  pseudonymPath(genesis, org);
  const info = new Uint8Array(INFO.length + 36);
  info.set(INFO);
  info.set(genesis, INFO.length);
  new DataView(info.buffer).setUint32(INFO.length + 32, org, true);
  return hkdf(sha256, secret, undefined, info, 32);
}

/** The pseudonym of a key file's account `pair` (with its X25519 `secret`) at `org`. */
export function pseudonym(pair: KeyringPair, secret: Uint8Array, genesis: Uint8Array, org: number):
  { pair: KeyringPair; secret: Uint8Array } {
  return { pair: pair.derive(pseudonymPath(genesis, org)), secret: pseudonymSecret(secret, genesis, org) };
}

// Record crypto for the live tests: the portal's compiled library (portal/dist-lib, built by
// `npm run build:lib` in portal/, as scripts/test.sh does), which passes the vectors of
// docs/formats.md exactly as the Rust CLI does. No third copy of the formats lives here.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';

const LIB = new URL('../../../portal/dist-lib/crypto.js', import.meta.url);
if (!existsSync(LIB)) throw new Error(`${LIB.pathname} is missing: run \`npm run build:lib\` in portal/ first`);
const portal = await import(LIB.href);
const formats = await import(new URL('../../../portal/dist-lib/formats.js', import.meta.url).href);

/** A new X25519 key pair: `publicKey` is the 32 raw bytes registered on chain. */
export function keyPair() {
  const secret = new Uint8Array(randomBytes(32));
  return { secret, publicKey: Buffer.from(portal.x25519Public(secret)) };
}

/** The X25519 public key of a secret. */
export const portalPublic = (secret) => Buffer.from(portal.x25519Public(new Uint8Array(secret)));

/** Seals a 32-byte data key to a recipient's raw X25519 public key: 80 bytes. */
export const seal = (dataKey, recipientPublic) => Buffer.from(portal.seal(new Uint8Array(dataKey), new Uint8Array(recipientPublic)));

/** Opens a sealed key with the recipient's key pair; throws if it was not sealed to it. */
export const open = (sealed, recipient) => Buffer.from(portal.open(new Uint8Array(sealed), recipient.secret));

/** A record file (docs/formats.md, "Encrypted file, version 1") of `bytes` under `dataKey`. */
export const encryptFile = (dataKey, bytes) => Buffer.from(portal.encrypt(new Uint8Array(dataKey), new Uint8Array(bytes)).ciphertext);

/** The plaintext of a record file; throws on a wrong key or an altered file. */
export const decryptFile = (dataKey, file) => Buffer.from(portal.decrypt(new Uint8Array(dataKey), new Uint8Array(file)).bytes);

export const sha256 = (bytes) => createHash('sha256').update(bytes).digest();

/** What a record's `plaintextHash` holds: the plaintext's commitment under its data key (docs/formats.md). */
export const commitment = (dataKey, bytes) => Buffer.from(portal.commitment(new Uint8Array(dataKey), new Uint8Array(bytes)));

/** A patient's type key with a custodian, from their X25519 secret there (docs/formats.md, "Type tags"). */
export const typeKey = (secret) => Buffer.from(portal.typeKey(new Uint8Array(secret)));

/** What `grantCare` takes: the patient's type key sealed to the organisation's X25519 key. */
export const careKey = (patientSecret, orgPublic) => seal(typeKey(patientSecret), orgPublic);

/** A record type's tag for a patient (their X25519 secret at the custodian): a record's `typeTag`. */
export const typeTag = (patientSecret, type) =>
  Buffer.from(portal.typeTag(typeKey(patientSecret), formats.typeBytes(type)));

/** A record type sealed under a data key: a record's `sealedType`. */
export const sealType = (dataKey, type) => Buffer.from(portal.sealType(new Uint8Array(dataKey), formats.typeBytes(type)));

/** The record type (as `loinc:11506-3`) a record's `sealedType` holds, with its data key. */
export const openType = (dataKey, sealed) =>
  formats.typeLabel(formats.typeFromBytes(portal.openType(new Uint8Array(dataKey), new Uint8Array(sealed))));

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

// The portal's compiled library (npm run build:lib) against the test vectors of docs/formats.md,
// offline: the same files the CLI's client/cli/tests/vectors.rs passes, so CLI and portal agree
// on every byte of the record format, the sealed key, the key file and the typed strings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import * as crypto from '../dist-lib/crypto.js';
import * as keys from '../dist-lib/keys.js';
import * as formats from '../dist-lib/formats.js';
import * as pseudonym from '../dist-lib/pseudonym.js';

const vectors = (name) => JSON.parse(readFileSync(new URL(`../../docs/vectors/${name}`, import.meta.url), 'utf8'));
const sha = (bytes) => createHash('sha256').update(bytes).digest('hex');
const plaintext = (len) => Uint8Array.from({ length: len }, (_, i) => i % 251);

test('encrypted files: the portal makes the vectors byte for byte and refuses every bad one', () => {
  const v = vectors('file-v1.json');
  const key = hexToBytes(v.key);
  const prefix = hexToBytes(v.prefix);
  const made = new Map();
  for (const file of v.files) {
    const { ciphertext, commitment } = crypto.encrypt(key, plaintext(file.len), prefix);
    made.set(file.len, ciphertext);
    assert.equal(bytesToHex(commitment), file.plaintext_commitment, `${file.len} bytes: plaintext commitment`);
    assert.equal(bytesToHex(crypto.commitment(key, plaintext(file.len))), file.plaintext_commitment);
    assert.equal(ciphertext.length, file.ciphertext_len);
    assert.equal(crypto.ciphertextLength(file.len), file.ciphertext_len);
    assert.equal(sha(ciphertext), file.ciphertext_sha256, `${file.len} bytes: ciphertext`);
    if (file.ciphertext !== null) assert.equal(bytesToHex(ciphertext), file.ciphertext);
    const back = crypto.decrypt(key, ciphertext);
    assert.equal(bytesToHex(back.sha256), file.plaintext_sha256);
    assert.equal(sha(back.bytes), file.plaintext_sha256);
    assert.equal(bytesToHex(back.commitment), file.plaintext_commitment);
    // The chain's entry is checked against the commitment; an old record's plain digest is
    // still accepted (and said to be one); anything else is refused.
    assert.equal(crypto.verifyPlaintext(back, hexToBytes(file.plaintext_commitment)), 'commitment');
    assert.equal(crypto.verifyPlaintext(back, hexToBytes(file.plaintext_sha256)), 'sha256');
    assert.throws(() => crypto.verifyPlaintext(back, hexToBytes(file.ciphertext_sha256)), /not the one its chain entry commits to/);
  }
  assert.ok(v.bad.length >= 6);
  for (const bad of v.bad) {
    const cipher = Uint8Array.from(made.get(bad.from) ?? crypto.encrypt(key, plaintext(bad.from), prefix).ciphertext);
    let bytes = cipher;
    if (bad.flip !== undefined) bytes[bad.flip] ^= 1;
    if (bad.truncate !== undefined) bytes = bytes.subarray(0, bad.truncate);
    const withKey = bad.key ? hexToBytes(bad.key) : key;
    assert.throws(() => crypto.decrypt(withKey, bytes), undefined, bad.name);
  }
});

test('sealed keys: the portal seals the vector byte for byte and opens only what it should', () => {
  const v = vectors('sealed-key.json');
  const recipient = hexToBytes(v.recipient_secret);
  assert.equal(bytesToHex(crypto.x25519Public(recipient)), v.recipient_public);
  assert.equal(bytesToHex(crypto.x25519Public(hexToBytes(v.ephemeral_secret))), v.ephemeral_public);
  const sealed = crypto.seal(hexToBytes(v.data_key), hexToBytes(v.recipient_public), hexToBytes(v.ephemeral_secret));
  assert.equal(bytesToHex(sealed), v.sealed);
  assert.equal(bytesToHex(crypto.open(hexToBytes(v.sealed), recipient)), v.data_key);
  for (const bad of v.bad) {
    let s = hexToBytes(v.sealed);
    if (bad.flip !== undefined) s[bad.flip] ^= 1;
    if (bad.truncate !== undefined) s = s.subarray(0, bad.truncate);
    const secret = bad.secret ? hexToBytes(bad.secret) : recipient;
    assert.throws(() => crypto.open(s, secret), undefined, bad.name);
  }
  // Keys of small order: nothing is sealed to them, and a forged sealed key whose ephemeral key is
  // one (it would open for every recipient) is refused.
  assert.equal(v.small_order_keys.length, 14);
  for (const hex of v.small_order_keys) {
    const k = hexToBytes(hex);
    assert.throws(() => crypto.seal(hexToBytes(v.data_key), k, hexToBytes(v.ephemeral_secret)), /small order/, hex);
    const salt = new Uint8Array(64);
    salt.set(k, 0);
    salt.set(hexToBytes(v.recipient_public), 32);
    const okm = hkdf(sha256, new Uint8Array(32), salt, new TextEncoder().encode('medchain/sealed-key/v1'), 44);
    const body = chacha20poly1305(okm.subarray(0, 32), okm.subarray(32, 44)).encrypt(hexToBytes(v.data_key));
    const forged = new Uint8Array(80);
    forged.set(k, 0);
    forged.set(body, 32);
    assert.throws(() => crypto.open(forged, recipient), /small order/, hex);
  }
});

test('key files: the portal writes its vector exactly, opens both, refuses the bad ones', async () => {
  const v = vectors('key-file.json');
  const [cli, portal] = v.files;
  const made = await keys.sealKey(portal.file.name, portal.file.account, hexToBytes(portal.x25519), v.passphrase,
    hexToBytes(portal.file.kdf.salt), hexToBytes(portal.file.nonce));
  assert.deepEqual(made, portal.file);
  const openedCli = await keys.openKey(cli.file, v.passphrase);
  assert.equal(bytesToHex(openedCli.secret), cli.x25519);
  assert.equal(openedCli.suri, cli.suri, 'a CLI key file gives the portal its account secret too');
  const openedPortal = await keys.openKey(portal.file, v.passphrase);
  assert.equal(bytesToHex(openedPortal.secret), portal.x25519);
  assert.equal(openedPortal.suri, undefined);
  for (const bad of v.bad) {
    const file = { ...v.files[bad.file].file, ...(bad.set ?? {}) };
    await assert.rejects(keys.openKey(file, bad.passphrase ?? v.passphrase), (e) => e.message.includes(bad.error), bad.name);
  }
});

test('record types: the portal reads, shows and refuses exactly as the vectors say', () => {
  const v = vectors('record-types.json');
  for (const c of v.valid) {
    const t = formats.parseType(c.text);
    assert.equal(t.system, c.system, c.text);
    assert.equal(BigInt(t.code), BigInt(c.code), c.text);
    assert.equal(formats.typeLabel(t), c.shown);
    assert.deepEqual(formats.parseType(c.shown), t, `${c.shown} reads back`);
  }
  for (const c of v.invalid) {
    assert.throws(() => formats.parseType(c.text), (e) => e.message.includes(c.error), JSON.stringify(c.text));
  }
});

test('expiries: the portal gives the block the vectors say, or refuses with their reason', () => {
  const v = vectors('expiries.json');
  for (const c of v.valid) assert.equal(formats.parseUntil(c.text, c.best, c.block_ms), c.until, JSON.stringify(c));
  for (const c of v.invalid) {
    assert.throws(() => formats.parseUntil(c.text, c.best, c.block_ms), (e) => e.message.includes(c.error), JSON.stringify(c.text));
  }
});

test('pseudonyms: the portal derives the CLI\'s account and encryption key for every case', async () => {
  const { Keyring } = await import('@polkadot/keyring');
  const { cryptoWaitReady } = await import('@polkadot/util-crypto');
  await cryptoWaitReady();
  const v = vectors('pseudonym.json');
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
  const secret = hexToBytes(v.x25519);
  for (const c of v.cases) {
    const made = pseudonym.pseudonym(keyring.addFromUri(c.suri), secret, hexToBytes(c.genesis), c.org);
    assert.equal(made.pair.address, c.account, `${c.suri} at ${c.org}: account`);
    assert.equal(bytesToHex(crypto.x25519Public(made.secret)), c.encryption_key, `${c.suri} at ${c.org}: key`);
  }
  assert.throws(() => pseudonym.pseudonymPath(new Uint8Array(31), 0), /32 bytes/);
  assert.throws(() => pseudonym.pseudonymPath(new Uint8Array(32), -1), /not an id/);
});

test('type tags and sealed types: the portal makes the CLI\'s bytes and opens only what it should', () => {
  const v = vectors('record-type-tags.json');
  const typeKey = crypto.typeKey(hexToBytes(v.x25519));
  assert.equal(bytesToHex(typeKey), v.type_key);
  const dataKey = hexToBytes(v.data_key);
  for (const c of v.cases) {
    const t = formats.parseType(c.type);
    const scale = formats.typeBytes(t);
    assert.equal(bytesToHex(scale), c.scale, `${c.type}: SCALE`);
    assert.equal(bytesToHex(crypto.typeTag(typeKey, scale)), c.tag, `${c.type}: tag`);
    assert.equal(bytesToHex(crypto.sealType(dataKey, scale)), c.sealed, `${c.type}: sealed`);
    const opened = formats.typeFromBytes(crypto.openType(dataKey, hexToBytes(c.sealed)));
    assert.equal(formats.typeLabel(opened), c.type);
    assert.throws(() => crypto.openType(new Uint8Array(32).fill(0x77), hexToBytes(c.sealed)), /does not open/);
    const flipped = hexToBytes(c.sealed);
    flipped[0] ^= 1;
    assert.throws(() => crypto.openType(dataKey, flipped), /does not open/);
  }
});

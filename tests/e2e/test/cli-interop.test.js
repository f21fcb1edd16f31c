// Two things the CLI scenario does not show:
// - The sealed-key format is one format. The patient's encryption key here is made and held in
//   Node (tests/e2e/lib/sealed.js, on the portal's library). The Rust CLI seals the record's key
//   to it, Node opens that key and seals it to the specialist, and the specialist's CLI reads the
//   record byte-identical with it.
// - The portal's crypto (portal/src/crypto.ts, compiled by scripts/test.sh) is the CLI's format:
//   it opens and decrypts a record the CLI stored, and the CLI reads one it encrypted and sealed.
// - Ctrl-C midway: an interrupted `record put` registers nothing, and an interrupted `get`
//   leaves no file, no temporary file and no audit entry.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, readlinkSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { create as kubo } from 'kubo-rpc-client';
import { u8aToHex } from '@polkadot/util';
import { CLI_BIN, ROOT, connect, removeDir, sleep, startDev, stop, submit, tempDir } from '../lib/node.js';
import { randomBytes } from '../lib/ipfs.js';
import { careKey, decryptFile, keyPair, open, openType, seal, sealType, typeTag } from '../lib/sealed.js';
import { startKeyserver } from '../lib/keyserver.js';
import { PASSPHRASE, cliRunner } from '../lib/cli.js';

const RPC = 19979;
const P2P = 19379;
const IPFS = 25211;
const KEYSERVER = 25212;
const LAB = { system: 'Loinc', code: 115063 };

let node;
let api;
let org; // the hospital's organisation number, from its registration
let keyserver; // its key service
let orgKey; // the service's public key, the organisation's
let base;
let home;
let work;
const who = {};
const k = {};

let ok;
let cli;

/** Whether process `pid` has a file open that `match` accepts (Linux /proc). */
function hasOpen(pid, match) {
  try {
    return readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try { return match(readlinkSync(`/proc/${pid}/fd/${fd}`)); } catch { return false; }
    });
  } catch {
    return false;
  }
}

/**
 * Starts the CLI and sends it SIGINT (Ctrl-C) once it has a file open that `match` accepts (so
 * that it is midway); resolves with its exit and stderr.
 */
function interrupted(args, match) {
  return new Promise((resolve) => {
    const child = spawn(CLI_BIN, ['--url', `ws://127.0.0.1:${RPC}`, '--ipfs', `http://127.0.0.1:${IPFS}`, ...args], {
      env: { ...process.env, MEDCHAIN_HOME: home, MEDCHAIN_PASSPHRASE: PASSPHRASE, MEDCHAIN_KEYSERVER: keyserver.url },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    const poll = setInterval(() => {
      if (hasOpen(child.pid, match)) {
        clearInterval(poll);
        child.kill('SIGINT');
      }
    }, 5);
    child.on('exit', (code, signal) => { clearInterval(poll); resolve({ code, signal, stderr }); });
  });
}

before(async () => {
  await cryptoWaitReady();
  base = tempDir('interop-node');
  home = tempDir('interop-home');
  ({ ok, cli } = cliRunner({ home, url: `ws://127.0.0.1:${RPC}`, ipfs: `http://127.0.0.1:${IPFS}` }));
  work = tempDir('interop-work');
  node = startDev({ rpcPort: RPC, p2pPort: P2P, basePath: base, ipfsPort: IPFS });
  api = await connect(RPC, { child: node });
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
  for (const n of ['Alice', 'Dave']) k[n.toLowerCase()] = keyring.addFromUri(`//${n}`);
  for (const [name, uri] of [['hospital', '//Bob'], ['specialist', '//Eve']]) {
    who[name] = (await ok(['key', 'import', '--name', name, '--suri', uri])).account;
  }
  who.patient = k.dave.address;
  const joined = await submit(api, api.tx.sudo.sudo(api.tx.medicalRecords.registerOrganisation(who.hospital)), k.alice,
    { finalized: true });
  assert.equal(joined.error, null);
  // Alice's hospital is organisation 0 on the dev chain; this one's number comes from the event.
  org = joined.events.find(({ event }) => api.events.medicalRecords.OrganisationRegistered.is(event))
    .event.data[0].toNumber();
  // The hospital's key is held by its key service: only its public key goes on chain, and the CLI
  // asks the service for each record type's tag.
  keyserver = await startKeyserver({ dir: join(work, 'keyserver'), url: `ws://127.0.0.1:${RPC}`, org, port: KEYSERVER });
  ({ ok, cli } = cliRunner({ home, url: `ws://127.0.0.1:${RPC}`, ipfs: `http://127.0.0.1:${IPFS}`,
    env: { MEDCHAIN_KEYSERVER: keyserver.url } }));
  await ok(['--as', 'hospital', 'org', 'set-key', '--org', String(org)]);
  orgKey = Buffer.from(keyserver.publicKey, 'hex');
  await ok(['--as', 'specialist', 'key', 'register']);
});

after(async () => {
  keyserver?.child.kill('SIGINT');
  await api?.disconnect();
  if (node) await stop(node);
  for (const dir of [base, home, work]) if (dir) removeDir(dir);
});

test('a key sealed by the Rust CLI opens in Node, and one sealed in Node opens in the CLI', async () => {
  // The patient's X25519 key lives in Node only.
  const patientKey = keyPair();
  const set = await submit(api, api.tx.medicalRecords.setEncryptionKey(patientKey.publicKey), k.dave, { finalized: true });
  assert.equal(set.error, null);
  const care = await submit(api, api.tx.medicalRecords.grantCare(org, careKey(patientKey.secret, orgKey)), k.dave,
    { finalized: true });
  assert.equal(care.error, null);

  const bytes = randomBytes(700 * 1024, 31);
  const file = join(work, 'lab.bin');
  writeFileSync(file, bytes);
  const put = await ok(['--as', 'hospital', 'record', 'put', file, '--patient', who.patient,
    '--type', 'loinc:11506-3', '--org', String(org)]);

  // Rust sealed the data key to the Node key: Node opens it.
  const record = (await api.query.medicalRecords.records(put.record)).unwrap();
  const dataKey = open(record.keyForPatient.toU8a(), patientKey);
  assert.equal(dataKey.length, 32);
  // The type: sealed under the data key by Rust, opened by Node; tagged by the key service with
  // the type key Node sealed to it, and Node computes the same tag.
  assert.equal(openType(dataKey, record.sealedType.toU8a()), 'loinc:11506-3');
  assert.equal(record.typeTag.toHex(), u8aToHex(typeTag(patientKey.secret, LAB)));
  // A key sealed to someone else does not open with it.
  assert.throws(() => open(record.keyForCustodian.toU8a(), patientKey));

  // Node seals it to the specialist's key, registered by the CLI; the patient grants from Node.
  const specialistKey = (await api.call.medicalRecordsApi.encryptionKey(who.specialist)).unwrap();
  const best = (await api.rpc.chain.getHeader()).number.toNumber();
  const granted = await submit(api, api.tx.medicalRecords.grantAccess(put.record, who.specialist, best + 600,
    seal(dataKey, specialistKey.toU8a())), k.dave, { finalized: true });
  assert.equal(granted.error, null);

  const out = join(work, 'lab-read.bin');
  const got = await ok(['--as', 'specialist', 'get', String(put.record), '-o', out]);
  assert.equal(got.bytes, bytes.length);
  assert.ok(readFileSync(out).equals(bytes), 'the CLI decrypts with the key Node sealed');

  // Revoked, the specialist keeps only what they downloaded: the next version has a new data key,
  // which the one they hold does not open, and the chain gives them none.
  const revoked = await submit(api, api.tx.medicalRecords.revokeAccess(put.record, who.specialist), k.dave,
    { finalized: true });
  assert.equal(revoked.error, null);
  writeFileSync(file, randomBytes(700 * 1024, 32));
  // An amendment keeps its type: the wrong one is refused before anything is stored.
  const wrongType = await cli(['--as', 'hospital', 'record', 'amend', String(put.record), file, '--type', 'loinc:2345-7']);
  assert.equal(wrongType.code, 1);
  assert.match(wrongType.stderr, /is not of type loinc:2345-7: an amendment keeps its record's type, so nothing was stored/);
  const amended = await ok(['--as', 'hospital', 'record', 'amend', String(put.record), file, '--type', 'loinc:11506-3']);
  const v2 = (await api.query.medicalRecords.records(amended.record)).unwrap();
  const newKey = open(v2.keyForPatient.toU8a(), patientKey);
  assert.notDeepEqual(Buffer.from(newKey), Buffer.from(dataKey), 'a new version, a new data key');
  const v2Cid = (await api.call.medicalRecordsApi.record(amended.record)).unwrap().cid.toString();
  const chunks = [];
  for await (const c of kubo({ url: `http://127.0.0.1:${IPFS}` }).cat(v2Cid)) chunks.push(c);
  assert.throws(() => decryptFile(dataKey, Buffer.concat(chunks)), 'the old key opens nothing new');
  const refused = await cli(['--as', 'specialist', 'get', String(amended.record), '-o', join(work, 'v2.bin')]);
  assert.notEqual(refused.code, 0);
  assert.ok(!existsSync(join(work, 'v2.bin')));
});

test('the portal\'s crypto opens what the CLI stored, and the CLI opens what the portal stored', async () => {
  const portal = await import(join(ROOT, 'portal', 'dist-lib', 'crypto.js'));
  const ipfs = kubo({ url: `http://127.0.0.1:${IPFS}` });
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
  const [ferdie, bob] = ['//Ferdie', '//Bob'].map((u) => keyring.addFromUri(u));
  // Ferdie, a patient whose X25519 key the portal made.
  const secret = new Uint8Array(randomBytes(32, 55));
  const registered = await submit(api, api.tx.medicalRecords.setEncryptionKey(portal.x25519Public(secret)), ferdie,
    { finalized: true });
  assert.equal(registered.error, null);
  const care = await submit(api, api.tx.medicalRecords.grantCare(org, careKey(secret, orgKey)), ferdie,
    { finalized: true });
  assert.equal(care.error, null);

  // CLI -> portal: the data key opens with the portal's key, the ciphertext from IPFS decrypts,
  // and the chain holds the plaintext's commitment under the data key, not its guessable SHA-256.
  const bytes = randomBytes(300 * 1024 + 7, 61);
  const file = join(work, 'cli-stored.bin');
  writeFileSync(file, bytes);
  const put = await ok(['--as', 'hospital', 'record', 'put', file, '--patient', ferdie.address,
    '--type', 'loinc:11506-3', '--org', String(org)]);
  const record = (await api.query.medicalRecords.records(put.record)).unwrap();
  const dataKey = portal.open(record.keyForPatient.toU8a(), secret);
  const chunks = [];
  for await (const c of ipfs.cat(put.cid)) chunks.push(c);
  const opened = portal.decrypt(dataKey, new Uint8Array(Buffer.concat(chunks)));
  assert.ok(Buffer.from(opened.bytes).equals(bytes), 'the portal decrypts the CLI\'s ciphertext');
  assert.equal(u8aToHex(opened.commitment), record.plaintextHash.toHex());
  assert.notEqual(u8aToHex(opened.sha256), record.plaintextHash.toHex(), 'no plain digest on chain');
  assert.throws(() => portal.decrypt(portal.newDataKey(), new Uint8Array(Buffer.concat(chunks))), /does not decrypt/);

  // portal -> CLI: encrypted and sealed by the portal's code, registered, granted, read by the CLI.
  const bytes2 = randomBytes(500 * 1024 + 3, 62);
  const key2 = portal.newDataKey();
  const { ciphertext, commitment } = portal.encrypt(key2, new Uint8Array(bytes2));
  const added = await ipfs.add(ciphertext, { cidVersion: 1, rawLeaves: true });
  const created = await submit(api, api.tx.medicalRecords.createRecord(org, ferdie.address,
    typeTag(secret, LAB), sealType(key2, LAB), commitment, u8aToHex(added.cid.bytes), ciphertext.length, null,
    portal.seal(key2, portal.x25519Public(secret)), portal.seal(key2, orgKey)), bob, { finalized: true });
  assert.equal(created.error, null);
  const id = created.events.find(({ event }) => api.events.medicalRecords.RecordCreated.is(event)).event.data[0].toNumber();
  const specialistKey = (await api.call.medicalRecordsApi.encryptionKey(who.specialist)).unwrap().toU8a();
  const best = (await api.rpc.chain.getHeader()).number.toNumber();
  // The patient opens her copy from the chain and seals it to the specialist, as the portal will.
  const hers = (await api.query.medicalRecords.records(id)).unwrap().keyForPatient.toU8a();
  const granted = await submit(api, api.tx.medicalRecords.grantAccess(id, who.specialist, best + 600,
    portal.seal(portal.open(hers, secret), specialistKey)), ferdie, { finalized: true });
  assert.equal(granted.error, null);
  const out = join(work, 'portal-stored.bin');
  const got = await ok(['--as', 'specialist', 'get', String(id), '-o', out]);
  assert.equal(got.bytes, bytes2.length);
  assert.ok(readFileSync(out).equals(bytes2), 'the CLI decrypts the portal\'s ciphertext');

  // A record made before commitments (its entry a plain SHA-256) is read, with a warning that its
  // digest is guessable; an entry that is neither the commitment nor the SHA-256 is refused.
  for (const [name, digest] of [['legacy', createHash('sha256').update(bytes2).digest()], ['wrong', randomBytes(32, 63)]]) {
    const created = await submit(api, api.tx.medicalRecords.createRecord(org, ferdie.address,
      typeTag(secret, LAB), sealType(key2, LAB), digest, u8aToHex(added.cid.bytes), ciphertext.length, null,
      portal.seal(key2, portal.x25519Public(secret)), portal.seal(key2, orgKey)), bob, { finalized: true });
    assert.equal(created.error, null);
    const rid = created.events.find(({ event }) => api.events.medicalRecords.RecordCreated.is(event)).event.data[0].toNumber();
    const at = (await api.rpc.chain.getHeader()).number.toNumber();
    const shared = await submit(api, api.tx.medicalRecords.grantAccess(rid, who.specialist, at + 600,
      portal.seal(key2, specialistKey)), ferdie, { finalized: true });
    assert.equal(shared.error, null);
    const to = join(work, `${name}.bin`);
    const r = await cli(['--as', 'specialist', 'get', String(rid), '-o', to]);
    if (name === 'legacy') {
      assert.equal(r.code, 0, r.stderr);
      assert.ok(r.stdout.split('\n').some((l) => l.includes('"warning":"sha256-digest"')), r.stdout);
      assert.ok(readFileSync(to).equals(bytes2));
    } else {
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /not the one its chain entry commits to/);
      assert.ok(!existsSync(to), 'no file');
    }
  }
});

test('Ctrl-C during record put registers nothing; during get it leaves no file and no audit entry', async () => {
  const big = randomBytes(96 * 1024 * 1024, 41);
  const file = join(work, 'big.bin');
  writeFileSync(file, big);
  const nextBefore = (await api.query.medicalRecords.nextRecordId()).toNumber();
  const put = await interrupted(['--as', 'hospital', 'record', 'put', file, '--patient', who.patient,
    '--type', 'loinc:11506-3', '--org', String(org)], (path) => path === file);
  assert.equal(put.code, 1, put.stderr);
  assert.match(put.stderr, /interrupted: nothing more was written or registered/);
  // Nothing reaches the chain afterwards either.
  await sleep(7_000);
  assert.equal((await api.query.medicalRecords.nextRecordId()).toNumber(), nextBefore);

  // The same file stored whole, then its download by the patient interrupted. (The patient reads
  // with their own key: a hospital's read logs the access first, since its key service answers
  // only for a read that is on chain.) Dave's key moves into the CLI for this.
  await ok(['key', 'import', '--name', 'patient', '--suri', '//Dave']);
  await ok(['--as', 'patient', 'key', 'register']);
  const stored = await ok(['--as', 'hospital', 'record', 'put', file, '--patient', who.patient,
    '--type', 'loinc:11506-3', '--org', String(org)]);
  const dir = tempDir('interop-get');
  try {
    const out = join(dir, 'big-read.bin');
    // Once its temporary file is open in the output's directory: the download has begun.
    const get = await interrupted(['--as', 'patient', 'get', String(stored.record), '-o', out],
      (path) => path.startsWith(`${dir}/`));
    assert.equal(get.code, 1, get.stderr);
    assert.match(get.stderr, /interrupted/);
    assert.ok(!existsSync(out), 'no file');
    assert.deepEqual(readdirSync(dir), [], 'no temporary file');
    const audit = (await api.call.medicalRecordsApi.audit(stored.record)).toJSON();
    assert.equal(audit.accesses, 0, 'no access was logged');
  } finally {
    removeDir(dir);
  }
});

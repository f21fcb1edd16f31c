// The backup and restore drill (issue 20, part 4): a validator's base path (database, keystore,
// network key, IPFS store) saved with scripts/backup.sh while the node is stopped, restored into a
// fresh base path, produces blocks with the same session keys and loses no record or ciphertext.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { u8aToHex } from '@polkadot/util';
import { NODE_BIN, SCRIPTS, runNode, tempDir, removeDir, connect, stop, submit, waitFor } from '../lib/node.js';
import { keyPair, seal, encryptFile, commitment, careKey, typeTag, sealType, rawCid } from '../lib/sealed.js';
import { randomBytes } from '../lib/ipfs.js';

const BASE = 27600;
const LAB = { system: 'Loinc', code: 115063 };
const dir = tempDir('backup');
const original = join(dir, 'original');
const restored = join(dir, 'restored');
const archive = join(dir, 'backup.tar.gz');
let node;
let api;
const records = []; // { id, cid, ciphertext }

/** The dev chain's validator from a base path whose keystore holds //Alice's session keys (no --alice). */
function startValidator(basePath) {
  const child = spawn(NODE_BIN, ['--chain', 'dev', '--validator', '--force-authoring', '--base-path', basePath,
    '--port', String(BASE), '--rpc-port', String(BASE + 1), '--ipfs-api', `127.0.0.1:${BASE + 2}`,
    '--no-prometheus', '--no-telemetry', '--no-mdns'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.on('data', (d) => { log = (log + d).slice(-20_000); });
  child.logTail = () => log;
  return child;
}

const backup = (...args) => spawnSync('bash', [join(SCRIPTS, 'backup.sh'), ...args], { encoding: 'utf8' });

/** The Aura key (hex) that sealed a block: its slot's authority, from the pre-runtime digest. */
async function authorOf(hash) {
  const header = await api.rpc.chain.getHeader(hash);
  const slot = header.digest.logs.find((l) => l.isPreRuntime && l.asPreRuntime[0].toString() === 'aura');
  const authorities = await (await api.at(hash)).query.aura.authorities();
  const index = Number(api.createType('u64', slot.asPreRuntime[1]).toBigInt() % BigInt(authorities.length));
  return authorities[index].toString();
}

before(async () => {
  await cryptoWaitReady();
  for (const [type, scheme] of [['aura', 'sr25519'], ['gran', 'ed25519']]) {
    const r = await runNode(['key', 'insert', '--chain', 'dev', '--base-path', original, '--key-type', type,
      '--scheme', scheme, '--suri', '//Alice']);
    assert.equal(r.code, 0, r.out);
  }
  // Its network key, where the node keeps it: part of what a restore must bring back.
  const network = join(original, 'chains', 'medchain_dev', 'network');
  mkdirSync(network, { recursive: true });
  const made = await runNode(['key', 'generate-node-key', '--file', join(network, 'secret_ed25519')]);
  assert.equal(made.code, 0, made.out);
  node = startValidator(original);
  api = await connect(BASE + 1, { child: node });
});

after(async () => {
  await api?.disconnect().catch(() => {});
  if (node) await stop(node);
  removeDir(dir);
});

test('a validator\'s base path saved while stopped and restored elsewhere produces with the same keys and loses no record', async () => {
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
  const alice = keyring.addFromUri('//Alice');
  const dave = keyring.addFromUri('//Dave');
  const hospital = keyPair();
  const patient = keyPair();
  const ok = async (tx, who) => { const r = await submit(api, tx, who, { finalized: true }); assert.equal(r.error, null); return r; };
  await ok(api.tx.medicalRecords.setOrganisationKey(0, hospital.publicKey), alice);
  await ok(api.tx.medicalRecords.setEncryptionKey(patient.publicKey), dave);
  await ok(api.tx.medicalRecords.grantCare(0, careKey(patient.secret, hospital.publicKey)), dave);
  // Three records whose ciphertexts are in the node's own IPFS store.
  for (let i = 0; i < 3; i++) {
    const dataKey = randomBytes(32, 700 + i);
    const plain = randomBytes(5_000 + i, 710 + i);
    const ciphertext = encryptFile(dataKey, plain);
    const form = new FormData();
    form.append('file', new Blob([ciphertext]));
    const added = await (await fetch(`http://127.0.0.1:${BASE + 2}/api/v0/add?cid-version=1&raw-leaves=true&pin=true`,
      { method: 'POST', body: form })).json();
    const cid = rawCid(ciphertext);
    const made = await ok(api.tx.medicalRecords.createRecord(0, dave.address, typeTag(patient.secret, LAB),
      sealType(dataKey, LAB), commitment(dataKey, plain), u8aToHex(cid), ciphertext.length, null,
      seal(dataKey, patient.publicKey), seal(dataKey, hospital.publicKey)), alice);
    const ev = made.events.find(({ event }) => api.events.medicalRecords.RecordCreated.is(event));
    records.push({ id: ev.event.data.record.toNumber(), cid: added.Hash, ciphertext });
  }
  const finalized = (await api.rpc.chain.getHeader(await api.rpc.chain.getFinalizedHead())).number.toNumber();

  // A running node's database is not copied.
  const live = backup('save', '--base-path', original, '--to', archive);
  assert.notEqual(live.status, 0);
  assert.match(live.stderr, /a node is running on .* stop it first/);
  await api.disconnect();
  await stop(node);
  node = undefined;
  const saved = backup('save', '--base-path', original, '--to', archive);
  assert.equal(saved.status, 0, saved.stderr);
  // A damaged archive is refused; a base path that holds anything is not restored over.
  mkdirSync(join(dir, 'busy'));
  writeFileSync(join(dir, 'busy', 'x'), 'x');
  assert.match(backup('restore', '--from', archive, '--base-path', join(dir, 'busy')).stderr, /is not empty/);
  const restoredOk = backup('restore', '--from', archive, '--base-path', restored);
  assert.equal(restoredOk.status, 0, restoredOk.stderr);
  assert.deepEqual(readdirSync(restored).sort(), ['chains', 'ipfs']);
  // The original is gone, as after a lost disk.
  removeDir(original);

  node = startValidator(restored);
  api = await connect(BASE + 1, { child: node });
  // Every finalized block and record is there, and every ciphertext is served again.
  const best = (await api.rpc.chain.getHeader()).number.toNumber();
  assert.ok(best >= finalized, `best ${best} >= ${finalized}`);
  for (const r of records) {
    const view = (await api.call.medicalRecordsApi.record(r.id)).unwrap();
    assert.equal(view.record.patient.toString(), dave.address);
    const res = await fetch(`http://127.0.0.1:${BASE + 2}/api/v0/cat?arg=${r.cid}`, { method: 'POST' });
    assert.equal(res.status, 200);
    assert.ok(Buffer.from(await res.arrayBuffer()).equals(r.ciphertext), `record ${r.id}'s ciphertext`);
  }
  // The restored keystore signs new blocks: nobody else holds the dev chain's only authority.
  const after = best + 3;
  await waitFor('blocks after the restore', async () => (await api.rpc.chain.getHeader()).number.toNumber() >= after,
    60_000, 1_000);
  const hash = await api.rpc.chain.getBlockHash(after);
  assert.equal(await authorOf(hash), u8aToHex(alice.publicKey), 'authored with the restored Aura key');
  await waitFor('finality after the restore', async () => (await api.rpc.chain.getHeader(
    await api.rpc.chain.getFinalizedHead())).number.toNumber() >= after, 60_000, 1_000);
});

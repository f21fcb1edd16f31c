// The dual chain (DESIGN.md flow 5) on two live networks started by scripts/dualchain.sh: the
// consortium chain (six hospitals) and hospital 0's private chain. The private chain indexes
// 1,000 records; `medchain relay` anchors them into the consortium chain, is killed with SIGKILL
// while a batch is in flight and restarted, and every entry ends up anchored exactly once. Every
// record's proof verifies through the consortium's runtime API; a tampered leaf, a proof against
// another root, a shortened proof and a record never anchored are refused. A record is then shared
// across hospitals: imported into the consortium with its proof, granted by the patient to a
// clinician of another hospital, and read back byte-identical. Last, a runaway anchor sent with
// the relayer's stolen key is voided by governance and the relay resumes after the last real batch.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady, decodeAddress } from '@polkadot/util-crypto';
import { hexToU8a, u8aConcat, u8aToHex } from '@polkadot/util';
import { CLI_BIN, NODE_BIN, SCRIPTS, connect, removeDir, stop, submit, tempDir, waitFor } from '../lib/node.js';
import { randomBytes } from '../lib/ipfs.js';
import { PASSPHRASE, cliRunner } from '../lib/cli.js';
import { startKeyserver } from '../lib/keyserver.js';
import { merkle, open as openSealed } from '../lib/sealed.js';

const BASE = 26000;
const CONSORTIUM = `ws://127.0.0.1:${BASE + 100}`;
const HOSPITAL = `ws://127.0.0.1:${BASE + 150}`;
const HOSPITAL_IPFS = `http://127.0.0.1:${BASE + 250}`;
const RELAY_HTTP = `127.0.0.1:${BASE + 300}`;
const KEYSERVER = BASE + 400;
const RECORDS = 1_000;

let dir;
let home;
let state;
let tokenFile;
let capi;
let hapi;
const k = {};
const who = {};
const pseudonym = {}; // Dave's account at hospital 0 on each chain, by chain URL
let keyserver;

function dualchain(...args) {
  return execFileSync('bash', [join(SCRIPTS, 'dualchain.sh'), ...args, '--dir', dir], {
    env: { ...process.env, MEDCHAIN_NODE: NODE_BIN },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

let cli;
let ok;

/** Starts `medchain relay` (as `as`); its JSON progress lines are collected in `events`. */
function relay({ as = 'relay', from = HOSPITAL, to = CONSORTIUM, dir: stateDir = state, extra = [] } = {}) {
  const child = spawn(CLI_BIN, ['--json', '--as', as, 'relay', '--from', from, '--to', to, '--org', '0',
    '--state', stateDir, '--batch-size', '250', '--batch-time', '3', ...extra], {
    env: { ...process.env, MEDCHAIN_HOME: home, MEDCHAIN_PASSPHRASE: PASSPHRASE },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.events = [];
  child.err = '';
  let buffer = '';
  child.stdout.on('data', (d) => {
    buffer += d;
    const lines = buffer.split('\n');
    buffer = lines.pop();
    for (const line of lines) {
      try { child.events.push(JSON.parse(line)); } catch { /* not JSON */ }
    }
  });
  child.stderr.on('data', (d) => { child.err = (child.err + d).slice(-10_000); });
  child.exited = new Promise((r) => child.once('exit', (code, signal) => r({ code, signal })));
  return child;
}

const sha256 = (b) => createHash('sha256').update(b).digest();

/** What begins a sealed entry (docs/formats.md, "Anchor leaves"). */
const SEALED_TAG = 'medchain/leaf/v2';
/** A sealed entry's commitment to a private-chain record's patient and type (its tag). */
const subjectOf = (rec) => sha256(Buffer.concat([Buffer.from('medchain/anchor-subject/v2'), rec.patient.toU8a(),
  rec.typeTag.toU8a(), rec.keyForPatient.toU8a()]));

/** The organisation's anchors on the consortium chain, finalized. */
async function anchors() {
  const at = await capi.at(await capi.rpc.chain.getFinalizedHead());
  const org = (await at.query.medicalRecords.organisations(0)).unwrap();
  const out = [];
  for (let seq = 0; seq < org.anchors.toNumber(); seq++) {
    const a = (await at.query.medicalRecords.anchors(0, seq)).unwrap();
    out.push({ seq, from: a.from.toNumber(), to: a.to.toNumber(), count: a.count.toNumber(), root: a.root.toHex() });
  }
  return out;
}

/** The relay's HTTP answer at `path`, sent with its token (or `token`). */
async function fromRelay(path, token = relayToken()) {
  const headers = token ? { authorization: `Bearer ${token}` } : {};
  const res = await fetch(`http://${RELAY_HTTP}${path}`, { headers });
  return { status: res.status, body: await res.json() };
}

const relayToken = () => readFileSync(tokenFile, 'utf8').trim();
const proofOf = (record) => fromRelay(`/proof/${record}`);

/** A proof's entry (a sealed entry's tag and bytes, or a clear one's) as the SCALE of an `AnchoredEntry`. */
function anchoredEntry(hex) {
  const bytes = hexToU8a(hex);
  const sealed = Buffer.from(bytes.subarray(0, 16)).toString() === SEALED_TAG;
  return sealed ? u8aConcat([1], bytes.subarray(16)) : u8aConcat([0], bytes);
}

async function verifyOnChain(p) {
  const res = await capi.call.medicalRecordsApi.verifyInclusion(p.org, p.root, anchoredEntry(p.entry),
    { index: p.index, leaves: p.leaves, siblings: p.siblings });
  return res.isOk ? { ok: res.asOk.toJSON() } : { err: res.asErr.type };
}

before(async () => {
  await cryptoWaitReady();
  dir = tempDir('dualchain');
  home = tempDir('dualchain-home');
  ({ cli, ok } = cliRunner({ home, url: CONSORTIUM, ipfs: HOSPITAL_IPFS,
    env: { MEDCHAIN_KEYSERVER: `http://127.0.0.1:${KEYSERVER}` } }));
  state = join(home, 'relay-state');
  tokenFile = join(home, 'relay.token');
  dualchain('start', '--port-base', String(BASE));
  capi = await connect(BASE + 100);
  hapi = await connect(BASE + 150);
  // Both chains finalize: six consortium validators (five must vote) and the hospital's own.
  for (const api of [capi, hapi]) {
    await waitFor('finality', async () => (await api.rpc.chain.getHeader(await api.rpc.chain.getFinalizedHead()))
      .number.toNumber() > 0, 240_000, 1_000);
  }
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
  for (const n of ['Alice', 'Bob', 'Dave', 'Eve', 'Ferdie']) k[n.toLowerCase()] = keyring.addFromUri(`//${n}`);
  // Alice runs hospital 0 on both chains; Dave is a patient; Eve runs hospital 4 on the consortium
  // and is the clinician of another hospital; Ferdie is hospital 0's relayer; Bob is an outsider.
  for (const [name, uri] of [['hospital', '//Alice'], ['patient', '//Dave'], ['specialist', '//Eve'],
    ['relay', '//Ferdie'], ['outsider', '//Bob']]) {
    who[name] = (await ok(['key', 'import', '--name', name, '--suri', uri])).account;
  }
  // Hospital 0's key service holds its key on both chains: it reseals a record for import without
  // the clinician ever holding the data key.
  keyserver = await startKeyserver({ dir: join(dir, 'keyserver'), url: HOSPITAL, org: 0, port: KEYSERVER,
    consortium: CONSORTIUM, consortiumOrg: 0 });
  for (const url of [HOSPITAL, CONSORTIUM]) {
    await ok(['--as', 'hospital', 'org', 'set-key', '--org', '0'], { url });
    // Dave authorises hospital 0 on each chain under his pseudonym there (which the hospital
    // funds): nothing on either chain links the two, nor either to his own account.
    const { account } = await ok(['--as', 'patient', 'key', 'pseudonym', '0'], { url });
    await ok(['--as', 'hospital', 'org', 'sponsor', '--org', '0', account], { url });
    const granted = await ok(['--as', 'patient', 'care', 'grant', '0'], { url });
    assert.equal(granted.patient, account);
    pseudonym[url] = account;
  }
  assert.notEqual(pseudonym[HOSPITAL], pseudonym[CONSORTIUM]);
  await ok(['--as', 'specialist', 'key', 'register']);
  await ok(['--as', 'hospital', 'org', 'add-member', '--org', '0', '--account', who.relay, '--role', 'anchorer']);
});

after(async () => {
  if (keyserver) await stop(keyserver.child);
  await capi?.disconnect();
  await hapi?.disconnect();
  if (dir) {
    try { dualchain('stop'); } catch { /* already stopped */ }
    removeDir(dir);
  }
  if (home) removeDir(home);
});

let shared; // the record shared across hospitals: { record, bytes }

test('the private chain indexes 1,000 records and a file stored through the CLI', async () => {
  // A 1 MiB file through the CLI, into the hospital node's IPFS store.
  const bytes = randomBytes(1 << 20, 77);
  const file = join(home, 'scan.bin');
  writeFileSync(file, bytes);
  const put = await ok(['--as', 'hospital', 'record', 'put', file, '--patient', pseudonym[HOSPITAL],
    '--type', 'loinc:11506-3', '--org', '0'], { url: HOSPITAL });
  shared = { record: put.record, bytes };

  // 1,000 index entries straight through the API (the relay's load, not IPFS's), in waves of 100
  // so that they spread over several blocks and batches.
  let nonce = (await hapi.rpc.system.accountNextIndex(k.alice.address)).toNumber();
  for (let wave = 0; wave < RECORDS / 100; wave++) {
    const sent = [];
    for (let j = 0; j < 100; j++) {
      const i = wave * 100 + j;
      const cid = u8aToHex(new Uint8Array([0x01, 0x55, 0x12, 0x20, ...sha256(`ciphertext ${i}`)]));
      const tx = hapi.tx.medicalRecords.createRecord(0, pseudonym[HOSPITAL], randomBytes(32, i + 20000),
        randomBytes(25, i + 30000), sha256(`plaintext ${i}`), cid, 1000 + i, null, randomBytes(80, i + 1),
        randomBytes(80, i + 5000));
      sent.push(tx.signAndSend(k.alice, { nonce: nonce++ }));
    }
    await Promise.all(sent);
    await waitFor(`wave ${wave} in a block`, async () =>
      (await hapi.query.medicalRecords.nextRecordId()).toNumber() >= (wave + 1) * 100 + 1, 60_000, 250);
  }
  await waitFor('1,001 records finalized on the private chain', async () => {
    const at = await hapi.at(await hapi.rpc.chain.getFinalizedHead());
    return (await at.query.medicalRecords.nextRecordId()).toNumber() === RECORDS + 1;
  }, 180_000, 1_000);
});

test('the relay refuses the wrong account and the wrong chain, and anchors nothing', async () => {
  const outsider = relay({ as: 'outsider' });
  const o = await outsider.exited;
  assert.equal(o.code, 1);
  assert.match(outsider.err, /is not an anchorer of organisation 0/);

  const same = relay({ from: CONSORTIUM });
  assert.equal((await same.exited).code, 1);
  assert.match(same.err, /--from and --to are the same chain/);

  // Proofs show records' ids, CIDs and commitments: serving them beyond this machine needs a token.
  const open = relay({ extra: ['--serve', `0.0.0.0:${BASE + 301}`] });
  assert.equal((await open.exited).code, 1);
  assert.match(open.err, /reachable from other machines.*--serve-token-file/);
  assert.deepEqual(await anchors(), []);
});

test('a relay killed mid-batch and restarted anchors every entry exactly once', async () => {
  const first = relay();
  // Killed right after it sent the second batch, before it saw it finalized.
  await waitFor('the second batch in flight', () => {
    if (first.exitCode !== null) throw Object.assign(new Error(`relay exited: ${first.err}`), { fatal: true });
    return first.events.filter((e) => e.event === 'submitting').length >= 2;
  }, 180_000, 50);
  first.kill('SIGKILL');
  await first.exited;
  assert.ok(existsSync(join(state, 'pending.json')), 'the batch in flight was kept as pending');

  // The same state pointed at another chain is refused by genesis.
  const wrong = relay({ from: CONSORTIUM, to: HOSPITAL });
  assert.equal((await wrong.exited).code, 1);
  assert.match(wrong.err, /genesis mismatch/);

  const second = relay({ extra: ['--serve', RELAY_HTTP, '--serve-token-file', tokenFile] });
  try {
    await waitFor('every entry anchored', async () => {
      if (second.exitCode !== null) throw Object.assign(new Error(`relay exited: ${second.err}`), { fatal: true });
      const res = await fromRelay('/status').catch(() => ({}));
      return res.body?.entries === RECORDS + 1;
    }, 300_000, 1_000);
    // The relay made the token (owner-only); without it, or with another, nothing is served.
    assert.equal(statSync(tokenFile).mode & 0o777, 0o600);
    for (const token of [null, 'f'.repeat(64)]) {
      for (const path of ['/status', '/proof/5']) {
        const { status, body } = await fromRelay(path, token);
        assert.equal(status, 401, `${path} with ${token}`);
        assert.match(body.error, /Authorization: Bearer/);
      }
    }
    const fetched = await ok(['proof', '5', '--relay', `http://${RELAY_HTTP}`, '--relay-token-file', tokenFile,
      '-o', join(home, 'fetched.json')]);
    assert.equal(fetched.record, 5);
    assert.equal(JSON.parse(readFileSync(join(home, 'fetched.json'), 'utf8')).record, 5);
    const refused = await cli(['proof', '5', '--relay', `http://${RELAY_HTTP}`]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /401/);

    const list = await anchors();
    assert.ok(list.length >= 4, `batches of at most 250 and a block: ${JSON.stringify(list)}`);
    assert.equal(list[0].from, 1);
    for (let i = 1; i < list.length; i++) assert.equal(list[i].from, list[i - 1].to + 1, 'no gap, no overlap');
    assert.equal(list.reduce((s, a) => s + a.count, 0), RECORDS + 1, 'every entry anchored once');
    assert.equal(new Set(list.map((a) => a.root)).size, list.length);

    // Every record's proof comes from the relay and verifies on the consortium chain; each
    // position of each batch is taken by exactly one record.
    const seen = new Set();
    for (let r = 0; r <= RECORDS; r++) {
      const { status, body } = await proofOf(r);
      assert.equal(status, 200, `record ${r}: ${JSON.stringify(body)}`);
      const anchor = list[body.anchor];
      assert.equal(body.root, anchor.root);
      assert.equal(body.leaves, anchor.count);
      const slot = `${body.anchor}/${body.index}`;
      assert.ok(!seen.has(slot), `${slot} proves one record only`);
      seen.add(slot);
      assert.deepEqual(await verifyOnChain(body), { ok: { org: 0, seq: body.anchor } }, `record ${r}`);
    }
    assert.equal(seen.size, RECORDS + 1);
  } finally {
    second.kill('SIGINT');
    await second.exited;
  }
});

test('tampered leaves, other roots, short proofs and records never anchored are refused', async () => {
  const file = join(home, 'p.json');
  const proof = await ok(['proof', '5', '--state', state, '-o', file]);
  assert.equal(proof.record, 5);
  const good = JSON.parse(readFileSync(file, 'utf8'));
  const included = await ok(['verify', '5', '--proof', file]);
  assert.equal(included.included, true);
  assert.equal(included.anchor, good.anchor);

  const refused = async (p, pattern) => {
    const f = join(home, 'bad.json');
    writeFileSync(f, JSON.stringify(p));
    const r = await cli(['verify', String(p.record), '--proof', f]);
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stderr, pattern);
  };
  // The entry is sealed: neither the patient's account (of any chain) nor the record type is in
  // it, only a commitment to them that Dave's record on the private chain reproduces.
  const entry = Buffer.from(good.entry.slice(2), 'hex');
  assert.equal(entry.subarray(0, 16).toString(), SEALED_TAG);
  const rec5 = (await hapi.query.medicalRecords.records(5)).unwrap();
  assert.ok(entry.subarray(16 + 8 + 4, 16 + 8 + 4 + 32).equals(subjectOf(rec5)));
  for (const account of [who.patient, ...Object.values(pseudonym)]) {
    assert.ok(!entry.includes(Buffer.from(decodeAddress(account))), 'the proof names no account of the patient');
  }
  // A tampered leaf: one bit of the plaintext commitment (after tag, record, custodian, subject).
  entry[16 + 8 + 4 + 32] ^= 1;
  await refused({ ...good, entry: `0x${entry.toString('hex')}` }, /NotIncluded/);
  // The proof against another batch's root.
  const other = (await anchors()).find((a) => a.root !== good.root && a.count === good.leaves)
    ?? (await anchors()).find((a) => a.root !== good.root);
  await refused({ ...good, root: other.root }, /NotIncluded|WrongBatchSize/);
  // A proof with a sibling missing, and one of the wrong length.
  await refused({ ...good, siblings: good.siblings.slice(1) }, /WrongProofLength/);
  await refused({ ...good, siblings: [...good.siblings, good.siblings[0]] }, /WrongProofLength/);
  // A root no one anchored.
  await refused({ ...good, root: u8aToHex(sha256('no such batch')) }, /UnknownRoot/);
  // The batch is hospital 0's: claimed for another organisation, it proves nothing.
  await refused({ ...good, org: good.org + 1 }, /UnknownRoot/);

  // A record created after the relay stopped: no proof, and a forged one does not verify.
  const nonce = (await hapi.rpc.system.accountNextIndex(k.alice.address)).toNumber();
  const late = await submit(hapi, hapi.tx.medicalRecords.createRecord(0, pseudonym[HOSPITAL], randomBytes(32, 7),
    randomBytes(25, 8), sha256('late'), u8aToHex(new Uint8Array([0x01, 0x55, 0x12, 0x20, ...sha256('late ciphertext')])), 1, null,
    randomBytes(80, 9), randomBytes(80, 10)), k.alice, { finalized: true });
  assert.equal(late.error, null, `nonce ${nonce}`);
  const lateId = RECORDS + 1;
  const none = await cli(['proof', String(lateId), '--state', state]);
  assert.equal(none.code, 1);
  assert.match(none.stderr, /in no batch the relay .* has anchored yet/);
  const at = await hapi.at(await hapi.rpc.chain.getFinalizedHead());
  const rec = (await at.query.medicalRecords.records(lateId)).unwrap();
  const sealedType = hapi.registry.lookup.types.find((t) => t.type.path.join('::').endsWith('SealedEntry'));
  const lateEntry = hapi.createType(hapi.registry.lookup.getTypeDef(sealedType.id).lookupName, {
    record: lateId, custodian: rec.custodian, subject: subjectOf(rec),
    plaintextHash: rec.plaintextHash, cid: rec.cid, version: rec.version, previous: rec.previous,
  });
  await refused({ ...good, record: lateId, entry: u8aToHex(u8aConcat(Buffer.from(SEALED_TAG), lateEntry.toU8a())) },
    /NotIncluded/);
});

test('a record of hospital 0 is imported with its proof and read by a clinician of hospital 4', async () => {
  const file = join(home, 'shared.json');
  await ok(['proof', String(shared.record), '--state', state, '-o', file]);
  const firstBlock = (await capi.rpc.chain.getHeader()).number.toNumber();
  // Without Dave's consent the hospital has no account of his on the consortium to import under:
  // his pseudonym on the private chain has none there.
  const unconsented = await cli(['--as', 'hospital', 'record', 'import', '--from', HOSPITAL, '--proof', file]);
  assert.equal(unconsented.code, 1);
  assert.match(unconsented.stderr, /has no account on the consortium chain: the patient consents to imports under their account there \(`medchain care consent-import 0 --from .* --private-org 0`\)/);

  // Dave consents, with his pseudonym at the private chain, to imports under his pseudonym here.
  const consentFile = join(home, 'dave.consent.json');
  const made = await ok(['--as', 'patient', 'care', 'consent-import', '0', '--from', HOSPITAL, '--private-org', '0',
    '-o', consentFile]);
  assert.equal(made.patient, pseudonym[CONSORTIUM]);
  const consent = JSON.parse(readFileSync(consentFile, 'utf8'));
  assert.equal(consent.signer, pseudonym[HOSPITAL]);
  // Before it is imported and granted, the consortium has nothing for the specialist to read.
  // An outsider cannot have it resealed: the service asks both chains whether they are a clinician.
  const outsider = await cli(['--as', 'outsider', 'record', 'import', '--from', HOSPITAL, '--proof', file,
    '--consent', consentFile]);
  assert.equal(outsider.code, 1);
  assert.match(outsider.stderr, /no clinician of organisation 0/);
  // The attack: a clinician rewrites the consent to an accomplice in the hospital's care here (Bob,
  // with a key of his own): the service reseals to nobody the patient did not sign for.
  await ok(['--as', 'outsider', 'key', 'register']);
  await ok(['--as', 'outsider', 'care', 'grant', '0', '--own-account']);
  const forged = join(home, 'forged.consent.json');
  writeFileSync(forged, JSON.stringify({ ...consent, patient: who.outsider }));
  const hijack = await cli(['--as', 'hospital', 'record', 'import', '--from', HOSPITAL, '--proof', file, '--consent', forged]);
  assert.equal(hijack.code, 1);
  assert.match(hijack.stderr, /the consent is not record \d+'s patient's/);
  const resealed = () => keyserver.releases().filter((r) => r.kind !== 'tag');
  assert.deepEqual(resealed(), [], 'nothing resealed');

  const imported = await ok(['--as', 'hospital', 'record', 'import', '--from', HOSPITAL, '--proof', file,
    '--consent', consentFile]);
  assert.equal(imported.patient, pseudonym[CONSORTIUM]);
  // The service resealed it once, for the hospital's clinician, to its own key as custodian.
  assert.deepEqual(resealed().map((r) => [r.kind, r.record, r.account]),
    [['reseal', shared.record, who.hospital]]);
  const onConsortium = (await capi.query.medicalRecords.records(imported.record)).unwrap();
  assert.equal(openSealed(onConsortium.keyForCustodian.toU8a(), { secret: keyserver.secret }).length, 32);
  assert.equal(imported.origin_record, shared.record);
  const shown = await ok(['--as', 'patient', 'record', 'show', String(imported.record)]);
  assert.deepEqual(shown.origin, { org: 0, anchor: imported.anchor, record: shared.record, version: 1 });
  assert.equal(shown.patient, pseudonym[CONSORTIUM]);
  // Dave reads its type on the consortium; its tag there is his pseudonym's there, not the private
  // record's, which would link the two.
  assert.equal(shown.type, 'loinc:11506-3');
  const privateTag = (await hapi.call.medicalRecordsApi.record(shared.record)).unwrap().record.typeTag.toHex();
  assert.notEqual(`0x${shown.type_tag}`, privateTag);
  assert.equal((await ok(['record', 'show', String(imported.record)])).type, 'sealed', 'to anyone else, sealed');

  const again = await cli(['--as', 'hospital', 'record', 'import', '--from', HOSPITAL, '--proof', file,
    '--consent', consentFile]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /AlreadyImported/);

  // Nothing on the consortium chain links Dave's record there to his private chain: no block
  // (extrinsics, the import's included) or event since the import began, and no state of the
  // records pallet, holds his pseudonym at the private chain; and nothing is indexed under his own
  // account (which the consortium knows: //Dave runs a hospital there).
  assert.deepEqual((await capi.call.medicalRecordsApi.recordsOf(who.patient)).toJSON(), []);
  assert.deepEqual((await capi.call.medicalRecordsApi.careOf(who.patient)).toJSON(), []);
  const hidden = [Buffer.from(decodeAddress(pseudonym[HOSPITAL])).toString('hex')];
  const best = (await capi.rpc.chain.getHeader()).number.toNumber();
  for (let n = firstBlock; n <= best; n++) {
    const hash = await capi.rpc.chain.getBlockHash(n);
    const block = (await capi.rpc.chain.getBlock(hash)).toHex();
    const events = (await (await capi.at(hash)).query.system.events()).toHex();
    for (const h of hidden) {
      assert.ok(!block.includes(h) && !events.includes(h), `block ${n} names the patient's other accounts`);
    }
  }
  const prefix = capi.query.medicalRecords.records.keyPrefix().slice(0, 34);
  const keys = await capi.rpc.state.getKeys(prefix);
  const values = await capi.rpc.state.queryStorageAt(keys);
  const kv = keys.map((key, i) => `${key.toHex()}=${values[i].toHex()}`).join(',');
  for (const h of hidden) assert.ok(!kv.includes(h), 'the records pallet holds the patient\'s other accounts');

  const out = join(home, 'read.bin');
  const refused = await cli(['--as', 'specialist', 'get', String(imported.record), '-o', out]);
  assert.equal(refused.code, 1);
  assert.ok(!existsSync(out));

  await ok(['--as', 'patient', 'grant', String(imported.record), '--to', who.specialist, '--until', '1h']);
  const got = await ok(['--as', 'specialist', 'get', String(imported.record), '-o', out]);
  assert.equal(got.bytes, shared.bytes.length);
  assert.ok(readFileSync(out).equals(shared.bytes), 'hospital 4 reads the bytes hospital 0 stored');
});

test('a runaway anchor sent with a stolen anchorer key is voided by governance, and the relay anchors the real blocks again', async () => {
  // The attacker holds the relayer's key and anchors a batch over every private block to come:
  // without a way out, hospital 0 could never anchor again.
  const at = async () => (await capi.query.medicalRecords.organisations(0)).unwrap();
  const before = await at();
  const seq = before.anchors.toNumber();
  const from = before.anchoredTo.unwrap().toNumber() + 1;
  const runaway = await submit(capi, capi.tx.medicalRecords.anchorBatch(0, from, '18446744073709551615', 1,
    sha256('no such batch')), k.ferdie, { finalized: true });
  assert.equal(runaway.error, null);
  assert.equal((await at()).anchoredTo.unwrap().toString(), '18446744073709551615');

  // The relay sees the runaway and says what to do, instead of reading blocks that never come.
  const stuck = relay({ extra: ['--once'] });
  assert.equal((await stuck.exited).code, 1);
  assert.match(stuck.err, new RegExp(`runaway anchor.*medicalRecords\\.voidAnchors\\(0, ${seq}\\)`));

  // Only governance voids it (the relayer's own key cannot undo it): the consortium has no sudo,
  // so it is a motion of the council, two thirds of its six hospitals' seats, as the relay says.
  assert.match(stuck.err, new RegExp(`medchain council propose void-anchors --org 0 --seq ${seq}`));
  const self = await submit(capi, capi.tx.medicalRecords.voidAnchors(0, seq), k.ferdie, { finalized: true });
  assert.match(String(self.error), /badorigin/i);
  const motion = await ok(['--as', 'hospital', 'council', 'propose', 'void-anchors', '--org', '0', '--seq', String(seq)]);
  assert.equal(motion.threshold, 4);
  for (const seat of ['outsider', 'patient']) await ok(['--as', seat, 'council', 'vote', String(motion.index), '--aye']);
  const short = await cli(['--as', 'hospital', 'council', 'close', String(motion.index)]);
  assert.equal(short.code, 1, 'three of six seats do not pass it');
  await ok(['--as', 'specialist', 'council', 'vote', String(motion.index), '--aye']);
  const closed = await ok(['--as', 'hospital', 'council', 'close', String(motion.index)]);
  assert.equal(closed.executed, true);
  const closedAt = await capi.rpc.chain.getBlockHash(closed.block);
  const events = await (await capi.at(closedAt)).query.system.events();
  assert.ok(events.some(({ event }) => event.section === 'medicalRecords' && event.method === 'AnchorsVoided'));
  assert.equal((await at()).anchoredTo.unwrap().toNumber(), from - 1);
  assert.ok((await capi.call.medicalRecordsApi.anchor(0, seq)).isNone, 'the API no longer shows it');

  // The relay anchors the record created after it stopped, right after the last real batch,
  // and its proof verifies.
  const again = relay({ extra: ['--once'] });
  const done = await again.exited;
  assert.equal(done.code, 0, again.err);
  const anchored = again.events.find((e) => e.event === 'anchored');
  assert.ok(anchored, JSON.stringify(again.events));
  assert.equal(anchored.seq, seq + 1);
  assert.equal(anchored.from, from);
  const file = join(home, 'late.json');
  await ok(['proof', String(RECORDS + 1), '--state', state, '-o', file]);
  const included = await ok(['verify', String(RECORDS + 1), '--proof', file]);
  assert.equal(included.included, true);
  assert.equal(included.anchor, seq + 1);
});

test('a batch anchored with clear entries, before spec 111, still proves its entries; their import keeps the patient they name', async () => {
  // Two records, and the clear entries relays made before sealed entries: the patient and the type
  // in them. Records have held the type only tagged and sealed since spec 112, so the entries name
  // it as such a relay read it.
  for (let i = 0; i < 2; i++) {
    const cid = u8aToHex(new Uint8Array([0x01, 0x55, 0x12, 0x20, ...sha256(`clear ciphertext ${i}`)]));
    const made = await submit(hapi, hapi.tx.medicalRecords.createRecord(0, pseudonym[HOSPITAL], randomBytes(32, 200 + i),
      randomBytes(25, 250 + i), sha256(`clear ${i}`), cid, 10 + i, null, randomBytes(80, 300 + i),
      randomBytes(80, 400 + i)), k.alice, { finalized: true });
    assert.equal(made.error, null);
  }
  const org = (await capi.query.medicalRecords.organisations(0)).unwrap();
  const seq = org.anchors.toNumber();
  const from = org.anchoredTo.unwrap().toNumber() + 1;
  const to = (await hapi.rpc.chain.getHeader(await hapi.rpc.chain.getFinalizedHead())).number.toNumber();
  const lookupName = (name) => capi.registry.lookup.getTypeDef(
    capi.registry.lookup.types.find((t) => t.type.path.join('::').endsWith(name)).id).lookupName;
  const clear = [];
  for (let n = from; n <= to; n++) {
    const at = await hapi.at(await hapi.rpc.chain.getBlockHash(n));
    for (const { event } of await at.query.system.events()) {
      if (!hapi.events.medicalRecords.RecordCreated.is(event)) continue;
      const id = event.data.record.toNumber();
      const r = (await at.query.medicalRecords.records(id)).unwrap();
      clear.push(capi.createType(lookupName('IndexEntry'), { record: id, patient: r.patient, custodian: r.custodian,
        recordType: { system: 'Loinc', code: 115063 }, plaintextHash: r.plaintextHash, cid: r.cid, version: r.version,
        previous: r.previous }));
    }
  }
  assert.equal(clear.length, 2);
  const tree = merkle(clear.map((e) => u8aConcat(capi.createType('u32', 0).toU8a(), e.toU8a())));
  const anchored = await submit(capi, capi.tx.medicalRecords.anchorBatch(0, from, to, clear.length, tree.root), k.ferdie,
    { finalized: true });
  assert.equal(anchored.error, null);

  // The proofs verify, on chain and by the CLI, in the clear format.
  const proofFile = (i) => ({
    format: 'medchain-proof/v1', record: clear[i].record.toNumber(), org: 0, anchor: seq, from, to,
    root: u8aToHex(tree.root), entry: clear[i].toHex(), ...tree.prove(i), siblings: tree.prove(i).siblings.map((x) => u8aToHex(x)),
    private_genesis: hapi.genesisHash.toHex(), consortium_genesis: capi.genesisHash.toHex(),
  });
  for (let i = 0; i < clear.length; i++) {
    assert.deepEqual(await verifyOnChain(proofFile(i)), { ok: { org: 0, seq } });
  }
  const file = join(home, 'clear.json');
  writeFileSync(file, JSON.stringify(proofFile(1)));
  const id = clear[1].record.toNumber();
  const included = await ok(['verify', String(id), '--proof', file]);
  assert.equal(included.included, true);
  assert.equal(included.anchor, seq);
  // Such a proof names its patient, and its import keeps them: no consent moves it elsewhere.
  const entry = Buffer.from(clear[1].toU8a());
  assert.ok(entry.includes(Buffer.from(decodeAddress(pseudonym[HOSPITAL]))));
  const moved = await cli(['--as', 'hospital', 'record', 'import', '--from', HOSPITAL, '--proof', file,
    '--consent', join(home, 'dave.consent.json')]);
  assert.equal(moved.code, 1);
  assert.match(moved.stderr, /anchored before sealed entries, with its patient in clear: it is imported under that account, without --consent/);
  // Nor does the chain take it under another patient, sent by hand past the CLI.
  const p = proofFile(1);
  const byHand = await submit(capi, capi.tx.medicalRecords.importRecord(0, p.root, u8aConcat([0], entry), {
    index: p.index, leaves: p.leaves, siblings: p.siblings }, pseudonym[CONSORTIUM], randomBytes(32, 502),
  randomBytes(25, 503), 10, randomBytes(80, 500), randomBytes(80, 501)), k.alice, { finalized: true });
  assert.equal(byHand.error, 'ImportMismatch');
});

test('a sealed entry anchored before spec 112, its subject over the clear type, is refused by record import with an error that says so', async () => {
  const cid = u8aToHex(new Uint8Array([0x01, 0x55, 0x12, 0x20, ...sha256('v1 ciphertext')]));
  const made = await submit(hapi, hapi.tx.medicalRecords.createRecord(0, pseudonym[HOSPITAL], randomBytes(32, 600),
    randomBytes(25, 601), sha256('v1'), cid, 12, null, randomBytes(80, 602), randomBytes(80, 603)), k.alice,
  { finalized: true });
  assert.equal(made.error, null);
  const id = (await hapi.query.medicalRecords.nextRecordId()).toNumber() - 1;
  const org = (await capi.query.medicalRecords.organisations(0)).unwrap();
  const seq = org.anchors.toNumber();
  const from = org.anchoredTo.unwrap().toNumber() + 1;
  const to = (await hapi.rpc.chain.getHeader(await hapi.rpc.chain.getFinalizedHead())).number.toNumber();
  const rec = (await hapi.query.medicalRecords.records(id)).unwrap();
  // What a relay before spec 112 committed to: the patient and the record's clear type.
  const type = hapi.createType('(u8, u64)', [0, 115063]).toU8a();
  const v1 = sha256(Buffer.concat([Buffer.from('medchain/anchor-subject/v1'), rec.patient.toU8a(), type,
    rec.keyForPatient.toU8a()]));
  const sealedType = hapi.registry.lookup.types.find((t) => t.type.path.join('::').endsWith('SealedEntry'));
  const entry = u8aConcat(Buffer.from(SEALED_TAG), hapi.createType(hapi.registry.lookup.getTypeDef(sealedType.id).lookupName, {
    record: id, custodian: rec.custodian, subject: v1, plaintextHash: rec.plaintextHash, cid: rec.cid,
    version: rec.version, previous: rec.previous,
  }).toU8a());
  const tree = merkle([u8aConcat(capi.createType('u32', 0).toU8a(), entry)]);
  const anchored = await submit(capi, capi.tx.medicalRecords.anchorBatch(0, from, to, 1, tree.root), k.ferdie,
    { finalized: true });
  assert.equal(anchored.error, null);
  const proof = {
    format: 'medchain-proof/v1', record: id, org: 0, anchor: seq, from, to, root: u8aToHex(tree.root),
    entry: u8aToHex(entry), ...tree.prove(0), siblings: tree.prove(0).siblings.map((x) => u8aToHex(x)),
    private_genesis: hapi.genesisHash.toHex(), consortium_genesis: capi.genesisHash.toHex(),
  };
  // The consortium chain proves the entry, and the CLI says why it still cannot import it.
  assert.deepEqual(await verifyOnChain(proof), { ok: { org: 0, seq } });
  const file = join(home, 'v1.json');
  writeFileSync(file, JSON.stringify(proof));
  const before = (await capi.query.medicalRecords.nextRecordId()).toNumber();
  const imported = await cli(['--as', 'hospital', 'record', 'import', '--from', HOSPITAL, '--proof', file]);
  assert.equal(imported.code, 1);
  assert.match(imported.stderr, /anchored before spec 112, whose subjects committed to the clear record type \(anchor-subject\/v1\)/);
  assert.equal((await capi.query.medicalRecords.nextRecordId()).toNumber(), before, 'nothing imported');
});

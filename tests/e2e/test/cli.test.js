// The sharing platform end to end through the `medchain` command line (DESIGN.md flows 1 to 3): a
// hospital stores a 10 MiB record, the patient grants a specialist, the specialist gets it back
// byte-identical; after revocation the specialist is refused and no file appears. Nothing in the
// IPFS blockstore or in chain state contains the plaintext's marker. Run twice: against the dev
// node's embedded IPFS API, and against a separately started `medchain ipfs serve`, as with kubo.
// The hospital's key is held by its key service only (`medchain keyserver`), which answers only
// who the chain lets read now, once the read is on chain.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, readFileSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady, decodeAddress } from '@polkadot/util-crypto';
import { hexToU8a } from '@polkadot/util';
import { connect, removeDir, startDev, stop, submit, tempDir, waitFor } from '../lib/node.js';
import { randomBytes, serveIpfs } from '../lib/ipfs.js';
import { cliRunner } from '../lib/cli.js';
import { askOpen, askTag, startKeyserver } from '../lib/keyserver.js';
import { keyPair, open as openSealed } from '../lib/sealed.js';

const RPC = 19989;
const P2P = 19389;
const NODE_IPFS = 25201;
const SEPARATE_IPFS = 25202;
const KEYSERVER = 25204;
const KEYSERVER2 = 25205;
const MARKER = 'MEDCHAIN-PLAINTEXT-MARKER-7f3a';

let node;
let api;
let ORG; // the hospital's organisation number, from its registration (a string, as the CLI takes it)
let base;
let home;
let work;
let separate;
let separateRepo;
let keyserver; // the hospital's key service
let keyserver2; // the second hospital's
let ksDir;
const who = {};

let cli;
let ok;

/** Whether process `pid` has `path` open (Linux /proc). */
function hasOpen(pid, path) {
  try {
    return readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try { return readlinkSync(`/proc/${pid}/fd/${fd}`) === path; } catch { return false; }
    });
  } catch {
    return false;
  }
}


/** Every file under `dir`, recursively. */
function files(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]);
}

/** A file of random bytes (10 MiB unless told) with the marker at its start, middle and end. */
function plaintextFile(name, seed, size = 10 * 1024 * 1024) {
  const bytes = randomBytes(size, seed);
  for (const at of [0, size >> 1, bytes.length - MARKER.length]) bytes.write(MARKER, at);
  const path = join(work, name);
  writeFileSync(path, bytes);
  return { path, bytes };
}

before(async () => {
  await cryptoWaitReady();
  base = tempDir('cli-node');
  home = tempDir('cli-home');
  ksDir = tempDir('cli-keyserver');
  ({ cli, ok } = cliRunner({ home, url: `ws://127.0.0.1:${RPC}`, ipfs: `http://127.0.0.1:${NODE_IPFS}`,
    env: { MEDCHAIN_KEYSERVER: `http://127.0.0.1:${KEYSERVER}` } }));
  work = tempDir('cli-work');
  separateRepo = tempDir('cli-ipfs');
  node = startDev({ rpcPort: RPC, p2pPort: P2P, basePath: base, ipfsPort: NODE_IPFS });
  try {
    api = await connect(RPC, { child: node });
  } catch (e) {
    throw new Error(`${e.message}\nnode log:\n${node.logTail()}`);
  }
  separate = await serveIpfs({ port: SEPARATE_IPFS, repo: separateRepo });
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
  // Bob runs the hospital (its admin, hence a clinician); Eve is a specialist; Charlie runs a
  // second hospital. The patient's key is new: their own account never holds anything.
  for (const [name, uri] of [['hospital', '//Bob'], ['specialist', '//Eve'], ['hospital2', '//Charlie']]) {
    who[name] = (await ok(['key', 'import', '--name', name, '--suri', uri])).account;
  }
  who.patientOwn = (await ok(['key', 'generate', '--name', 'patient'])).account;
  const alice = keyring.addFromUri('//Alice');
  const joined = await submit(api, api.tx.sudo.sudo(api.tx.medicalRecords.registerOrganisation(who.hospital)), alice,
    { finalized: true });
  assert.equal(joined.error, null);
  // Alice's hospital is organisation 0 on the dev chain; this one's number comes from the event.
  ORG = String(joined.events.find(({ event }) => api.events.medicalRecords.OrganisationRegistered.is(event))
    .event.data[0].toNumber());
  keyserver = await startKeyserver({ dir: ksDir, url: `ws://127.0.0.1:${RPC}`, org: ORG, port: KEYSERVER });
  const noKey = await cli(['--as', 'hospital', 'org', 'set-key', '--org', ORG], { env: { MEDCHAIN_KEYSERVER: '' } });
  assert.notEqual(noKey.code, 0);
  assert.match(noKey.stderr, /a person's own key is never the organisation's/);
  await ok(['--as', 'hospital', 'org', 'set-key', '--org', ORG]);
  await ok(['--as', 'hospital', 'key', 'register']);
  await ok(['--as', 'specialist', 'key', 'register']);
  // The patient is known to the hospital by their pseudonym there, which the hospital funds: a
  // pseudonym funded by the patient's own account would be linked to it.
  who.patient = (await ok(['--as', 'patient', 'key', 'pseudonym', ORG])).account;
  assert.notEqual(who.patient, who.patientOwn);
  const unfunded = await cli(['--as', 'patient', 'care', 'grant', ORG]);
  assert.equal(unfunded.code, 1);
  assert.match(unfunded.stderr, new RegExp(`pseudonym at organisation ${ORG}, ${who.patient}, holds nothing to pay for its calls: the hospital funds it`));
  await ok(['--as', 'hospital', 'org', 'sponsor', '--org', ORG, who.patient]);
  // The patient authorises the hospital to index records about them (and registers the
  // pseudonym's encryption key with it).
  const care = await ok(['--as', 'patient', 'care', 'grant', ORG]);
  assert.equal(care.patient, who.patient);
});

after(async () => {
  await api?.disconnect();
  if (node) await stop(node);
  if (separate) await stop(separate.child);
  if (keyserver) await stop(keyserver.child);
  if (keyserver2) await stop(keyserver2.child);
  for (const dir of [base, home, work, separateRepo, ksDir]) if (dir) removeDir(dir);
});

/** The scenario against one IPFS endpoint, whose blocks are under `blocksDir`. */
async function scenario(ipfs, blocksDir, seed) {
  const { path, bytes } = plaintextFile(`scan-${seed}.bin`, seed);
  const put = await ok(['--as', 'hospital', 'record', 'put', path, '--patient', who.patient,
    '--type', 'loinc:11506-3', '--org', ORG], { ipfs });
  assert.equal(put.bytes, bytes.length);
  assert.match(put.cid, /^bafy/, 'a CIDv1 DAG (10 MiB is many chunks)');

  const granted = await ok(['--as', 'patient', 'grant', String(put.record), '--to', who.specialist, '--until', '1h'], { ipfs });
  assert.ok(granted.until > granted.block);

  const out = join(work, `read-${seed}.bin`);
  const got = await ok(['--as', 'specialist', 'get', String(put.record), '-o', out], { ipfs });
  assert.equal(got.bytes, bytes.length);
  assert.ok(readFileSync(out).equals(bytes), 'the specialist reads the very bytes stored');

  const audit = await ok(['audit', String(put.record)], { ipfs });
  assert.equal(audit.grants, 1);
  assert.equal(audit.accesses, 1);
  assert.ok(audit.entries.some((e) => e.action === 'accessed' && e.who === who.specialist));

  await ok(['--as', 'patient', 'revoke', String(put.record), '--from', who.specialist], { ipfs });
  const refused = join(work, `refused-${seed}.bin`);
  const denied = await cli(['--as', 'specialist', 'get', String(put.record), '-o', refused], { ipfs });
  assert.notEqual(denied.code, 0);
  assert.match(denied.stderr, /may not read record .*NoGrant/);
  assert.ok(!existsSync(refused), 'no file, not even a partial one');

  // The ciphertext is in the blockstore; the plaintext's marker is in none of its blocks.
  const marker = Buffer.from(MARKER);
  const blockFiles = files(blocksDir);
  assert.ok(blockFiles.length >= 40, `the 10 MiB ciphertext is stored as blocks (${blockFiles.length})`);
  for (const f of blockFiles) assert.ok(!readFileSync(f).includes(marker), `marker in block ${f}`);
  return put;
}

test('status shows the dev chain\'s producer, Alice, elected as her hospital\'s candidate with class and score', async () => {
  const status = await ok(['status']);
  const alice = new Keyring({ type: 'sr25519', ss58Format: 42 }).addFromUri('//Alice').address;
  assert.deepEqual(status.producers, [alice]);
  const row = status.candidates.find((c) => c.account === alice);
  assert.equal(row.org, 0);
  const standing = (await api.call.kdposApi.candidates()).toJSON().find((c) => c.account === alice).standing;
  assert.equal(row.class, standing.class);
  assert.equal(row.score, standing.score);
  assert.equal(row.producing, true);
});

test('a record stored through the node\'s embedded IPFS API is granted, read, revoked; no plaintext anywhere', async () => {
  await scenario(`http://127.0.0.1:${NODE_IPFS}`, join(base, 'ipfs', 'blocks'), 1);
  // Nor is the marker in any value of chain state.
  const marker = Buffer.from(MARKER).toString('hex');
  let start;
  let values = 0;
  for (;;) {
    const keys = await api.rpc.state.getKeysPaged('0x', 1000, start);
    if (keys.length === 0) break;
    for (const key of keys) {
      const value = await api.rpc.state.getStorage(key);
      values += 1;
      assert.ok(!value.toHex().includes(marker), `marker in storage ${key.toHex()}`);
    }
    start = keys[keys.length - 1];
    if (keys.length < 1000) break;
  }
  assert.ok(values > 50, `chain state was read (${values} values)`);
});

test('the same with the CLI pointed at a separately started `medchain ipfs serve`, as with kubo', async () => {
  await scenario(separate.url, join(separateRepo, 'blocks'), 2);
});

test('amend, list, show, grants; an emergency opening read through the hospital\'s key service; a wrong key and a tampered block leave no file', async () => {
  const ipfs = separate.url;
  const first = plaintextFile('v1.bin', 4, 300 * 1024);
  const second = plaintextFile('v2.bin', 5, 600 * 1024);
  const v1 = await ok(['--as', 'hospital', 'record', 'put', first.path, '--patient', who.patient,
    '--type', 'snomed:271649006', '--org', ORG], { ipfs });
  const v2 = await ok(['--as', 'hospital', 'record', 'amend', String(v1.record), second.path, '--type', 'snomed:271649006'],
    { ipfs });
  assert.equal(v2.version, 2);
  assert.equal((await ok(['record', 'show', String(v1.record)])).superseded_by, v2.record);
  // The patient reads the type (sealed under the data key); to anyone else the chain shows a tag,
  // the same for both versions.
  const listed = await ok(['--as', 'patient', 'record', 'list']);
  assert.ok(listed.some((r) => r.record === v2.record && r.previous === v1.record && r.type === 'snomed:271649006'));
  const seen = await ok(['record', 'list', '--patient', who.patient]);
  const [t1, t2] = [v1.record, v2.record].map((id) => seen.find((r) => r.record === id));
  assert.deepEqual([t1.type, t2.type], ['sealed', 'sealed']);
  assert.equal(t1.type_tag, t2.type_tag);
  assert.match(t1.type_tag, /^[0-9a-f]{64}$/);

  await ok(['--as', 'patient', 'grant', String(v2.record), '--to', who.specialist, '--until', '1h'], { ipfs });
  const grants = await ok(['grants', String(v2.record)]);
  assert.deepEqual(grants.map((g) => [g.grantee, g.basis, g.effective]), [[who.specialist, 'patient', true]]);

  // The specialist's account on a new laptop, with a new encryption key no grant was sealed to.
  await ok(['key', 'import', '--name', 'specialist-laptop', '--suri', '//Eve']);
  const out = join(work, 'v2-read.bin');
  const wrongKey = await cli(['--as', 'specialist-laptop', 'get', String(v2.record), '-o', out], { ipfs });
  assert.equal(wrongKey.code, 1);
  assert.match(wrongKey.stderr, /not sealed to your encryption key/);
  assert.ok(!existsSync(out));

  // Charlie, a clinician of the hospital without a grant, opens it in an emergency and reads it
  // through the hospital's key service; the opening is in the audit trail.
  const charlie = (await ok(['key', 'import', '--name', 'clinician', '--suri', '//Charlie'])).account;
  await ok(['--as', 'clinician', 'key', 'register']);
  await ok(['--as', 'hospital', 'org', 'add-member', '--org', ORG, '--account', charlie, '--role', 'clinician']);
  const before = await cli(['--as', 'clinician', 'get', String(v2.record), '-o', out], { ipfs });
  assert.match(before.stderr, /may not read record .*NoGrant/);
  const noReason = await cli(['--as', 'clinician', 'emergency-open', String(v2.record)]);
  assert.notEqual(noReason.code, 0, 'an emergency opening needs a coded reason');
  assert.match(noReason.stderr, /--reason/);
  await ok(['--as', 'clinician', 'emergency-open', String(v2.record), '--reason', 'etreat']);
  const noService = await cli(['--as', 'clinician', 'get', String(v2.record), '-o', out], { ipfs, env: { MEDCHAIN_KEYSERVER: '' } });
  assert.notEqual(noService.code, 0);
  assert.match(noService.stderr, /only its key service holds: pass --keyserver/);
  assert.ok(!existsSync(out));
  const read = await ok(['--as', 'clinician', 'get', String(v2.record), '-o', out], { ipfs });
  assert.equal(read.bytes, second.bytes.length);
  assert.ok(readFileSync(out).equals(second.bytes));
  const trail = await ok(['audit', String(v2.record)]);
  assert.equal(trail.emergency_openings, 1);
  assert.deepEqual(trail.entries.filter((e) => e.action === 'emergency-opened').map((e) => [e.who, e.reason]),
    [[charlie, 'ETREAT']]);

  // A store whose block was altered on disk: the download fails and no file appears.
  const tamperRepo = tempDir('cli-tamper');
  const tamper = await serveIpfs({ port: 25203, repo: tamperRepo });
  try {
    const third = plaintextFile('v3.bin', 6, 600 * 1024);
    const v3 = await ok(['--as', 'hospital', 'record', 'put', third.path, '--patient', who.patient,
      '--type', 'loinc:11506-3', '--org', ORG], { ipfs: tamper.url });
    // Every leaf altered, the first included: the answer fails before any byte of the body.
    const leaves = files(join(tamperRepo, 'blocks')).filter((f) => readFileSync(f).length === 256 * 1024);
    assert.equal(leaves.length, 2, 'the 600 KiB ciphertext has two full leaves');
    for (const leaf of leaves) {
      const altered = readFileSync(leaf);
      altered[1000] ^= 0xff;
      writeFileSync(leaf, altered);
    }
    const v3out = join(work, 'v3-read.bin');
    const refused = await cli(['--as', 'patient', 'get', String(v3.record), '-o', v3out], { ipfs: tamper.url });
    assert.equal(refused.code, 1);
    // The server aborts the answer when a block fails verification: before or during the body.
    assert.match(refused.stderr, /broke off|corrupt/);
    assert.doesNotMatch(refused.stderr, /unreachable/);
    assert.ok(!existsSync(v3out), 'no partial file');
    assert.deepEqual(readdirSync(work).filter((f) => f.startsWith('.tmp')), [], 'no temporary file left');
  } finally {
    await stop(tamper.child);
    removeDir(tamperRepo);
  }
});

test('the key service: only the service opens the hospital\'s key, only for who may read now, each release an access on chain first', async () => {
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
  const charlie = keyring.addFromUri('//Charlie');
  const mallory = keyring.addFromUri('//Mallory');
  const genesis = api.genesisHash.toHex();
  const org = Number(ORG);
  const { path, bytes } = plaintextFile('kept.bin', 8, 200 * 1024);
  const put = await ok(['--as', 'hospital', 'record', 'put', path, '--patient', who.patient,
    '--type', 'loinc:11506-3', '--org', ORG], { ipfs: separate.url });
  const record = put.record;

  // The organisation's key on chain is the service's, no person's: what is sealed to the custodian
  // opens with the service's secret, and the people's registered keys are other keys.
  const orgKey = (await api.call.medicalRecordsApi.organisation(org)).unwrap().key.unwrap().toHex();
  assert.equal(orgKey, `0x${keyserver.publicKey}`);
  for (const person of [who.hospital, charlie.address]) {
    assert.notEqual((await api.call.medicalRecordsApi.encryptionKey(person)).unwrap().toHex(), orgKey);
  }
  const kept = (await api.query.medicalRecords.records(record)).unwrap();
  assert.equal(openSealed(kept.keyForCustodian.toU8a(), { secret: keyserver.secret }).length, 32);

  // The author reads their own version through the service.
  const authorOut = join(work, 'kept-author.bin');
  await ok(['--as', 'hospital', 'get', String(record), '-o', authorOut], { ipfs: separate.url });
  assert.ok(readFileSync(authorOut).equals(bytes));

  // A stranger with their own key, and a clinician of the hospital with no grant: refused.
  const stranger = await askOpen(keyserver.url, { pair: mallory, genesis, org, record });
  assert.equal(stranger.status, 403, JSON.stringify(stranger.body));
  assert.match(stranger.body.error, /may not read record .*NoGrant/);
  const noGrant = await askOpen(keyserver.url, { pair: charlie, genesis, org, record });
  assert.equal(noGrant.status, 403);

  // Type tags: a clinician of the hospital gets the patient's tag of a type, the one the chain
  // holds for the record; a stranger, a forged request and a patient the hospital does not care
  // for get none.
  const LAB = { system: 'Loinc', code: 115063 };
  const tagFor = (pair, extra = {}) => askTag(keyserver.url, { pair, genesis, org, patient: who.patient, type: LAB,
    text: 'loinc:11506-3', ...extra });
  const tagsBefore = keyserver.releases().filter((r) => r.kind === 'tag').length;
  const tagged = await tagFor(charlie);
  assert.equal(tagged.status, 200, JSON.stringify(tagged.body));
  assert.equal(`0x${tagged.body.tag}`, kept.typeTag.toHex());
  assert.deepEqual(keyserver.releases().filter((r) => r.kind === 'tag').slice(tagsBefore).map((r) => r.account),
    [charlie.address], 'the tag is in the release log, the refusals below are not');
  const strangerTag = await tagFor(mallory);
  assert.equal(strangerTag.status, 403);
  assert.match(strangerTag.body.error, /is no clinician of organisation/);
  assert.equal((await tagFor(charlie, { signer: mallory })).status, 401);
  const notInCare = await tagFor(charlie, { patient: who.specialist });
  assert.equal(notInCare.status, 403);
  assert.match(notInCare.body.error, /has not authorised organisation/);
  assert.equal(keyserver.releases().filter((r) => r.kind === 'tag').length, tagsBefore + 1);

  // Charlie opens it in an emergency: allowed to read, but the service answers only once a read
  // is logged on chain.
  await ok(['--as', 'clinician', 'emergency-open', String(record), '--reason', 'btg']);
  const unlogged = await askOpen(keyserver.url, { pair: charlie, genesis, org, record });
  assert.equal(unlogged.status, 409, JSON.stringify(unlogged.body));
  assert.match(unlogged.body.error, /log the access first/);

  // Forged and replayed requests: Mallory signing for Charlie, a signature for another
  // organisation, a challenge used twice.
  const forged = await askOpen(keyserver.url, { pair: charlie, signer: mallory, genesis, org, record });
  assert.equal(forged.status, 401);
  const elsewhere = await askOpen(keyserver.url, { pair: charlie, genesis, org, record, signedOrg: org + 1 });
  assert.equal(elsewhere.status, 401);
  const replay = await askOpen(keyserver.url, { pair: charlie, genesis, org, record, challengeBytes: forged.challenge });
  assert.equal(replay.status, 401);
  assert.match(replay.body.error, /unknown, used or expired/);

  // Logged: one answer for one access entry, sealed to Charlie's registered key.
  assert.equal((await submit(api, api.tx.medicalRecords.logAccess(record), charlie, { finalized: true })).error, null);
  const answered = await askOpen(keyserver.url, { pair: charlie, genesis, org, record });
  assert.equal(answered.status, 200, JSON.stringify(answered.body));
  assert.equal(answered.body.sealed.length, 160);
  const again = await askOpen(keyserver.url, { pair: charlie, genesis, org, record });
  assert.equal(again.status, 409, 'an access entry pays for one answer');

  // Through the CLI: it logs, asks, decrypts.
  const out = join(work, 'kept-clinician.bin');
  await ok(['--as', 'clinician', 'get', String(record), '-o', out], { ipfs: separate.url });
  assert.ok(readFileSync(out).equals(bytes));

  // Every release in the service's log is an access entry of its reader on chain.
  const releases = keyserver.releases().filter((r) => r.kind === 'open' && r.record === record);
  assert.equal(releases.length, 3, 'the author, the hand-made request, the CLI');
  for (const r of releases) {
    const [entry] = (await api.call.medicalRecordsApi.auditEntries(record, r.audit_index, 1)).toJSON();
    assert.equal(entry.who, r.account);
    assert.equal(entry.action, 'Accessed');
    assert.equal(entry.at, r.audit_block);
  }
  assert.equal(new Set(releases.map((r) => r.audit_index)).size, releases.length);

  // Charlie logs another read, then the admin removes him: from the next block the service
  // answers him no more, though his emergency opening has not expired.
  assert.equal((await submit(api, api.tx.medicalRecords.logAccess(record), charlie, { finalized: true })).error, null);
  await ok(['--as', 'hospital', 'org', 'remove-member', '--org', ORG, '--account', charlie.address]);
  const removed = await askOpen(keyserver.url, { pair: charlie, genesis, org, record });
  assert.equal(removed.status, 403, JSON.stringify(removed.body));
  assert.match(removed.body.error, /LeftCustodian/);
  assert.equal((await tagFor(charlie)).status, 403, 'nor tags');
  const refusedOut = join(work, 'kept-removed.bin');
  const cliRemoved = await cli(['--as', 'clinician', 'get', String(record), '-o', refusedOut], { ipfs: separate.url });
  assert.notEqual(cliRemoved.code, 0);
  assert.ok(!existsSync(refusedOut));
  assert.equal(keyserver.releases().filter((r) => r.record === record).length, 3, 'nothing more was released');
});

test('org rotate-key: every record the hospital keeps moves to the new key, and the old secret opens none', async () => {
  const org = Number(ORG);
  const { path, bytes } = plaintextFile('rotated.bin', 9, 150 * 1024);
  const put = await ok(['--as', 'hospital', 'record', 'put', path, '--patient', who.patient,
    '--type', 'loinc:11506-3', '--org', ORG], { ipfs: separate.url });
  const kept = async () => (await api.query.medicalRecords.records.entries())
    .map(([key, value]) => ({ id: key.args[0].toNumber(), record: value.unwrap() }))
    .filter(({ record }) => record.custodian.toNumber() === org);
  // Two records from before the key service: one sealed to the admin's own key (an organisation
  // key set from the admin's key file, as `org set-key` once did), one to a key nobody here holds
  // (the specialist's).
  const keyOf = async (account) => (await api.call.medicalRecordsApi.encryptionKey(account)).unwrap().toHex().slice(2);
  const sealedTo = {};
  for (const [name, account, seed] of [['own', who.hospital, 21], ['other', who.specialist, 22]]) {
    await ok(['--as', 'hospital', 'org', 'set-key', '--org', ORG, '--key', await keyOf(account)]);
    const early = plaintextFile(`before-the-service-${name}.bin`, seed, 4096);
    sealedTo[name] = (await ok(['--as', 'hospital', 'record', 'put', early.path, '--patient', who.patient,
      '--type', 'loinc:11506-3', '--org', ORG], { ipfs: separate.url })).record;
  }
  await ok(['--as', 'hospital', 'org', 'set-key', '--org', ORG]);
  const before = await kept();
  assert.ok(before.length >= 6, `the hospital keeps ${before.length} records`);
  const oldSecret = keyserver.secret;
  const early = [sealedTo.own, sealedTo.other];
  for (const { id, record } of before) {
    if (!early.includes(id)) assert.equal(openSealed(record.keyForCustodian.toU8a(), { secret: oldSecret }).length, 32);
  }

  // Only an admin moves the key: a stranger's request begins nothing.
  const stranger = await cli(['--as', 'specialist', 'org', 'rotate-key', '--org', ORG]);
  assert.notEqual(stranger.code, 0);
  assert.match(stranger.stderr, /no admin of organisation/);
  assert.ok(!existsSync(join(ksDir, 'org.key.next')));

  const typeKeys = async () => (await api.query.medicalRecords.careRelationships.entries())
    .filter(([key]) => key.args[1].toNumber() === org).map(([, care]) => care.unwrap().typeKey.toU8a());
  const careBefore = await typeKeys();
  assert.ok(careBefore.length >= 1);
  const rotated = await ok(['--as', 'hospital', 'org', 'rotate-key', '--org', ORG]);
  assert.equal(rotated.old_key_destroyed, true);
  assert.equal(rotated.resealed, before.length - 2);
  // The patients' type keys moved too: the old secret opens none, the new one each, and it is
  // the same type key (the tags of new records match the old ones'; the next test puts one).
  assert.equal(rotated.type_keys, careBefore.length);
  // The admin's key file opened its record, which moved into the service's custody; the other
  // is named and stays as it is.
  assert.deepEqual(rotated.adopted, [sealedTo.own]);
  assert.deepEqual(rotated.stranded, [sealedTo.other]);
  const onChain = (await api.call.medicalRecordsApi.organisation(org)).unwrap().key.unwrap().toHex();
  assert.equal(onChain, `0x${rotated.key}`);
  assert.notEqual(rotated.key, keyserver.publicKey);
  const newSecret = hexToU8a(`0x${readFileSync(join(ksDir, 'org.key'), 'utf8').trim()}`);
  assert.ok(!existsSync(join(ksDir, 'org.key.next')));
  // No copy the hospital keeps opens with the old secret; each opens with the new one.
  const after = await kept();
  assert.deepEqual(after.map((r) => r.id), before.map((r) => r.id));
  for (const { id, record } of after) {
    assert.throws(() => openSealed(record.keyForCustodian.toU8a(), { secret: oldSecret }), `record ${id}`);
    if (id === sealedTo.other) {
      assert.equal(record.keyForCustodian.toHex(), before.find((r) => r.id === id).record.keyForCustodian.toHex());
    } else {
      assert.equal(openSealed(record.keyForCustodian.toU8a(), { secret: newSecret }).length, 32);
    }
  }
  const careAfter = await typeKeys();
  assert.equal(careAfter.length, careBefore.length);
  for (let i = 0; i < careAfter.length; i++) {
    assert.throws(() => openSealed(careAfter[i], { secret: oldSecret }), 'a type key the old secret opens');
    assert.deepEqual(openSealed(careAfter[i], { secret: newSecret }), openSealed(careBefore[i], { secret: oldSecret }));
  }
  const tagBefore = (await api.call.medicalRecordsApi.record(put.record)).unwrap().record.typeTag.toHex();
  const afterRotation = plaintextFile('after-rotation.bin', 23, 2048);
  const same = await ok(['--as', 'hospital', 'record', 'put', afterRotation.path, '--patient', who.patient,
    '--type', 'loinc:11506-3', '--org', ORG], { ipfs: separate.url });
  assert.equal((await api.call.medicalRecordsApi.record(same.record)).unwrap().record.typeTag.toHex(), tagBefore,
    'the service tags with the same type key after the rotation');
  // The service opens them as before, with the new key.
  const out = join(work, 'rotated-read.bin');
  await ok(['--as', 'hospital', 'get', String(put.record), '-o', out], { ipfs: separate.url });
  assert.ok(readFileSync(out).equals(bytes));
  keyserver.secret = newSecret;
  keyserver.publicKey = rotated.key;
});

test('operator onboard: keys made on the node and proven, registered, bonded, a candidate', async () => {
  const operator = (await ok(['key', 'import', '--name', 'operator', '--suri', '//Ferdie'])).account;
  const alice = new Keyring({ type: 'sr25519', ss58Format: 42 }).addFromUri('//Alice');
  const joined = await submit(api, api.tx.sudo.sudo(api.tx.medicalRecords.registerOrganisation(operator)), alice,
    { finalized: true });
  const registered = joined.events.find(({ event }) => api.events.medicalRecords.OrganisationRegistered.is(event));
  const org = registered.event.data[0].toNumber();

  const low = await cli(['--as', 'operator', 'operator', 'onboard', '--org', String(org), '--bond', '5']);
  assert.equal(low.code, 1);
  assert.match(low.stderr, /--bond must be at least 10000 MED/);
  assert.ok((await api.query.session.nextKeys(operator)).isNone, 'a refused onboarding changes nothing');

  const done = await ok(['--as', 'operator', 'operator', 'onboard', '--org', String(org), '--bond', '12500']);
  assert.match(done.session_keys, /^0x[0-9a-f]{128}$/, 'aura and grandpa public keys');
  assert.equal((await api.query.session.nextKeys(operator)).unwrap().toHex(), done.session_keys);
  const hasKeys = await api._rpcCore.provider.send('author_hasSessionKeys', [done.session_keys]);
  assert.equal(hasKeys, true, 'the node keeps the private keys');
  const candidates = (await api.call.kdposApi.candidates()).toJSON();
  const me = candidates.find((c) => c.account === operator);
  assert.ok(me, 'the operator stands as a candidate');
  assert.equal(me.org, org);
  assert.equal(me.hasKeys, true);
  assert.equal(BigInt(me.bond), 12_500n * 10n ** 12n);

  const again = await cli(['--as', 'operator', 'operator', 'onboard', '--org', String(org), '--bond', '12500']);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /already stands as a candidate/);
  assert.equal((await api.query.session.nextKeys(operator)).unwrap().toHex(), done.session_keys,
    'a refused second onboarding leaves the keys as they were');
});

test('a file that changes while it uploads is not registered', async () => {
  const { path } = plaintextFile('growing.bin', 7, 64 * 1024 * 1024);
  const before = (await ok(['record', 'list', '--patient', who.patient])).length;
  const put = cli(['--as', 'hospital', 'record', 'put', path, '--patient', who.patient,
    '--type', 'loinc:11506-3', '--org', ORG]);
  // The CLI notes the file's size and time, then opens it to encrypt and upload: the file changes
  // once it is open (the upload of 64 MiB takes seconds longer).
  await waitFor('the CLI reading the file', () => hasOpen(put.child.pid, path), 30_000, 10);
  appendFileSync(path, 'one more line the upload did not see');
  const r = await put;
  assert.equal(r.code, 1);
  assert.match(r.stderr, /changed while it was being uploaded: nothing was registered/);
  assert.equal((await ok(['record', 'list', '--patient', who.patient])).length, before);
});

test('bad input: a clear message, a non-zero exit, nothing written', async () => {
  const missing = await cli(['--as', 'hospital', 'record', 'put', join(work, 'nope.bin'), '--patient', who.patient,
    '--type', 'loinc:11506-3', '--org', ORG]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /cannot read FILE .*nope\.bin/);

  const wrong = await cli(['--as', 'patient', 'key', 'register'], { env: { MEDCHAIN_PASSPHRASE: 'not it' } });
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /wrong passphrase for key 'patient'/);

  const { path } = plaintextFile('small.bin', 3);
  const noIpfs = await cli(['--as', 'hospital', 'record', 'put', path, '--patient', who.patient,
    '--type', 'loinc:11506-3', '--org', ORG], { ipfs: 'http://127.0.0.1:9' });
  assert.equal(noIpfs.code, 1);
  assert.match(noIpfs.stderr, /IPFS endpoint http:\/\/127\.0\.0\.1:9 is unreachable/);

  const badType = await cli(['--as', 'hospital', 'record', 'put', path, '--patient', who.patient,
    '--type', 'icd:1', '--org', ORG]);
  assert.match(badType.stderr, /--type system 'icd'/);

  const noNode = await cli(['record', 'show', '0'], { url: 'ws://127.0.0.1:9' });
  assert.equal(noNode.code, 1);
  assert.match(noNode.stderr, /cannot reach the medchain node/);

  const mine = await ok(['--as', 'hospital', 'record', 'put', path, '--patient', who.patient,
    '--type', 'loinc:11506-3', '--org', ORG]);
  const notPatient = await cli(['--as', 'specialist', 'grant', String(mine.record), '--to', who.hospital, '--until', '1h']);
  assert.equal(notPatient.code, 1);
  assert.match(notPatient.stderr, /only the patient grants access/);

  // Eve never authorised the hospital: nothing is encrypted, stored or registered about her.
  const notInCare = await cli(['--as', 'hospital', 'record', 'put', path, '--patient', who.specialist,
    '--type', 'loinc:11506-3', '--org', ORG]);
  assert.equal(notInCare.code, 1);
  assert.match(notInCare.stderr,
    new RegExp(`has not authorised organisation ${ORG} to index records about them: they run \`medchain care grant ${ORG}\` first`));
  assert.equal((await ok(['record', 'list', '--patient', who.specialist])).length, 0);

  // Only a member of the hospital funds its patients' pseudonyms, and only by an amount of MED.
  const balance = async () => (await api.query.system.account(who.patient)).data.free.toBigInt();
  const before = await balance();
  const stranger = await cli(['--as', 'specialist', 'org', 'sponsor', '--org', ORG, who.patient]);
  assert.equal(stranger.code, 1);
  assert.match(stranger.stderr, new RegExp(`is not a member of organisation ${ORG}: a hospital sponsors its own patients`));
  const lots = await cli(['--as', 'hospital', 'org', 'sponsor', '--org', ORG, who.patient, '--amount', 'lots']);
  assert.equal(lots.code, 1);
  assert.match(lots.stderr, /--amount 'lots' is not an amount of MED/);
  assert.equal(await balance(), before, 'nothing was sent');
});

test('a patient with nothing of their own: a pseudonym at each hospital, grants and revokes, and nothing on chain links the two', async () => {
  const first = (await api.rpc.chain.getHeader()).number.toNumber();
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
  const joined = await submit(api, api.tx.sudo.sudo(api.tx.medicalRecords.registerOrganisation(who.hospital2)),
    keyring.addFromUri('//Alice'), { finalized: true });
  assert.equal(joined.error, null);
  const ORG2 = String(joined.events.find(({ event }) => api.events.medicalRecords.OrganisationRegistered.is(event))
    .event.data[0].toNumber());
  // The second hospital's key service, which tags its records' types.
  keyserver2 = await startKeyserver({ dir: tempDir('cli-keyserver2'), url: `ws://127.0.0.1:${RPC}`, org: ORG2,
    port: KEYSERVER2 });
  const at2 = { env: { MEDCHAIN_KEYSERVER: keyserver2.url } };
  await ok(['--as', 'hospital2', 'org', 'set-key', '--org', ORG2], at2);
  const second = await ok(['--as', 'patient', 'key', 'pseudonym', ORG2]);
  const firstPseudonym = await ok(['--as', 'patient', 'key', 'pseudonym', ORG]);
  assert.notEqual(second.account, who.patient, 'another account at another hospital');
  assert.notEqual(second.encryption_key, firstPseudonym.encryption_key, 'and another encryption key');
  await ok(['--as', 'hospital2', 'org', 'sponsor', '--org', ORG2, second.account, '--amount', '2.5']);
  await ok(['--as', 'patient', 'care', 'grant', ORG2]);

  const { path, bytes } = plaintextFile('two-hospitals.bin', 21, 64 * 1024);
  const here = await ok(['--as', 'hospital', 'record', 'put', path, '--patient', who.patient,
    '--type', 'loinc:11506-3', '--org', ORG], { ipfs: separate.url });
  const there = await ok(['--as', 'hospital2', 'record', 'put', path, '--patient', second.account,
    '--type', 'loinc:11506-3', '--org', ORG2], { ipfs: separate.url, ...at2 });
  // Of one type, yet the two records' tags differ: the patient's type key differs at each hospital.
  const tagOf = async (id) => (await api.call.medicalRecordsApi.record(id)).unwrap().record.typeTag.toHex();
  assert.notEqual(await tagOf(here.record), await tagOf(there.record));
  const mineTyped = await ok(['--as', 'patient', 'record', 'list']);
  assert.deepEqual([here.record, there.record].map((id) => mineTyped.find((r) => r.record === id).type),
    ['loinc:11506-3', 'loinc:11506-3'], 'the patient reads both types');
  // One key file finds both, each under the hospital's own pseudonym.
  const mine = await ok(['--as', 'patient', 'record', 'list']);
  const listed = Object.fromEntries(mine.map((r) => [r.record, r.patient]));
  assert.equal(listed[here.record], who.patient);
  assert.equal(listed[there.record], second.account);
  // At the second hospital the patient grants, the specialist reads, the patient revokes and reads.
  await ok(['--as', 'patient', 'grant', String(there.record), '--to', who.specialist, '--until', '1h'],
    { ipfs: separate.url });
  const out = join(work, 'two-hospitals-read.bin');
  await ok(['--as', 'specialist', 'get', String(there.record), '-o', out], { ipfs: separate.url });
  assert.ok(readFileSync(out).equals(bytes));
  await ok(['--as', 'patient', 'revoke', String(there.record), '--from', who.specialist], { ipfs: separate.url });
  const own = join(work, 'two-hospitals-own.bin');
  await ok(['--as', 'patient', 'get', String(there.record), '-o', own], { ipfs: separate.url });
  assert.ok(readFileSync(own).equals(bytes));
  const trail = await ok(['audit', String(there.record)]);
  assert.ok(trail.entries.some((e) => e.action === 'accessed' && e.who === second.account),
    'the patient\'s read is logged under the pseudonym');

  // The patient's own account never held, paid or signed anything.
  const account = (await api.query.system.account(who.patientOwn)).toJSON();
  assert.equal(BigInt(account.data.free), 0n);
  assert.equal(account.nonce, 0);
  // No state of the records pallet, and no event since this test began, names the patient's own
  // account; and none names both pseudonyms' accounts or keys together but the two records'
  // separate entries.
  const ownKey = Buffer.from(decodeAddress(who.patientOwn)).toString('hex');
  const pseudonyms = [who.patient, second.account].map((a) => Buffer.from(decodeAddress(a)).toString('hex'));
  const prefix = api.query.medicalRecords.records.keyPrefix().slice(0, 34); // the pallet's twox128
  const keys = await api.rpc.state.getKeys(prefix);
  const values = await api.rpc.state.queryStorageAt(keys);
  const state = keys.map((k, i) => `${k.toHex()}=${values[i].toHex()}`);
  assert.ok(state.length > 0);
  assert.ok(!state.some((kv) => kv.includes(ownKey)), 'the own account is nowhere in the pallet\'s state');
  const bothIn = state.filter((kv) => pseudonyms.every((p) => kv.includes(p)));
  assert.deepEqual(bothIn, [], 'no item holds both pseudonyms');
  const best = (await api.rpc.chain.getHeader()).number.toNumber();
  for (let n = first; n <= best; n++) {
    const at = await api.at(await api.rpc.chain.getBlockHash(n));
    for (const record of await at.query.system.events()) {
      const event = record.toHex();
      assert.ok(!event.includes(ownKey), `an event of block ${n} names the own account`);
      assert.ok(!pseudonyms.every((p) => event.includes(p)), `an event of block ${n} names both pseudonyms`);
    }
  }

  // The patient ends the second hospital's care, as the pseudonym there: it indexes nothing more
  // about them, the first hospital's care stays, and the own account still signs nothing.
  const ended = await ok(['--as', 'patient', 'care', 'end', ORG2]);
  assert.equal(ended.patient, second.account);
  const cares = await ok(['--as', 'patient', 'care', 'list']);
  assert.deepEqual(cares.map((c) => [c.org, c.patient]), [[Number(ORG), who.patient]]);
  const after = await cli(['--as', 'hospital2', 'record', 'put', path, '--patient', second.account,
    '--type', 'loinc:11506-3', '--org', ORG2], at2);
  assert.equal(after.code, 1);
  assert.match(after.stderr, new RegExp(`has not authorised organisation ${ORG2} to index records about them`));
  assert.equal((await api.query.system.account(who.patientOwn)).nonce.toNumber(), 0);
});

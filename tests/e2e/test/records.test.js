// Medical records on a live dev chain, through @polkadot/api with no custom types: a hospital
// registers a record, the patient grants a specialist, the specialist unseals the key, decrypts,
// checks the digest and logs the read; revocation and expiry deny in the very next block; a batch
// anchor verifies a real inclusion proof and rejects a tampered one.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { u8aConcat, u8aToHex } from '@polkadot/util';
import { connect, startDev, stop, submit, waitFor } from '../lib/node.js';
import {
  careKey, commitment, portalPublic, decryptFile as decrypt, encryptFile as encrypt, keyPair, merkle, open, openType, rawCid, seal, sealType,
  sha256, typeTag,
} from '../lib/sealed.js';

const RPC = 19988;
const P2P = 19388;
const LAB = { system: 'Loinc', code: 115063 };
const PLAINTEXT = Buffer.from('Patient: test subject 42. HbA1c 8.1 %. Plan: adjust insulin.');

let node;
let api;
let k; // accounts
let org; // Bob's hospital, registered by the first test (Alice's is organisation 0 on the dev chain)
const keys = {}; // X25519 key pairs
let dataKey;
let ciphertext;
let record;

async function ok(tx, signer) {
  const r = await submit(api, tx, signer);
  assert.equal(r.error, null, `${tx.method.section}.${tx.method.method} succeeds`);
  return r;
}

const best = async () => (await api.rpc.chain.getHeader()).number.toNumber();
const canRead = async (who, at) => {
  const call = at ? (await api.at(at)).call : api.call;
  const r = await call.medicalRecordsApi.canRead(record, who.address);
  return r.isOk ? r.asOk.toJSON() : r.asErr.type;
};

before(async () => {
  await cryptoWaitReady();
  node = startDev({ rpcPort: RPC, p2pPort: P2P });
  try {
    api = await connect(RPC, { child: node });
  } catch (e) {
    throw new Error(`${e.message}\nnode log:\n${node.logTail()}`);
  }
  const keyring = new Keyring({ type: 'sr25519', ss58Format: api.consts.system.ss58Prefix.toNumber() });
  // Alice: sudo. Bob: the hospital's admin. Charlie: its clinician. Dave: the patient.
  // Eve: a specialist elsewhere. Ferdie: the hospital's relayer.
  k = Object.fromEntries(['Alice', 'Bob', 'Charlie', 'Dave', 'Eve', 'Ferdie']
    .map((n) => [n.toLowerCase(), keyring.addFromUri(`//${n}`)]));
  for (const who of ['hospital', 'dave', 'eve']) keys[who] = keyPair();
});

after(async () => {
  await api?.disconnect();
  if (node) await stop(node);
});

test('a hospital joins and registers a record with its CID in one call', async () => {
  const joined = await ok(api.tx.sudo.sudo(api.tx.medicalRecords.registerOrganisation(k.bob.address)), k.alice);
  org = joined.events.find(({ event }) => api.events.medicalRecords.OrganisationRegistered.is(event))
    .event.data[0].toNumber();
  await ok(api.tx.medicalRecords.addMember(org, k.charlie.address, 'Clinician'), k.bob);
  await ok(api.tx.medicalRecords.addMember(org, k.ferdie.address, 'Anchorer'), k.bob);
  await ok(api.tx.medicalRecords.setOrganisationKey(org, keys.hospital.publicKey), k.bob);
  await Promise.all([
    ok(api.tx.medicalRecords.setEncryptionKey(keys.dave.publicKey), k.dave),
    ok(api.tx.medicalRecords.setEncryptionKey(keys.eve.publicKey), k.eve),
  ]);

  dataKey = randomBytes(32);
  ciphertext = encrypt(dataKey, PLAINTEXT);
  const cid = rawCid(ciphertext);
  // The type goes on chain only as Dave's tag and sealed under the data key (docs/formats.md).
  const tag = typeTag(keys.dave.secret, LAB);
  const createTx = () => api.tx.medicalRecords.createRecord(
    org, k.dave.address, tag, sealType(dataKey, LAB), commitment(dataKey, PLAINTEXT), u8aToHex(cid), ciphertext.length,
    null, seal(dataKey, keys.dave.publicKey), seal(dataKey, keys.hospital.publicKey));
  // The hospital indexes records only about patients who authorised it.
  const uninvited = await submit(api, createTx(), k.charlie);
  assert.equal(uninvited.error, 'NoCareRelationship');
  assert.equal((await api.call.medicalRecordsApi.recordsOf(k.dave.address)).length, 0);
  const care = await ok(api.tx.medicalRecords.grantCare(org, careKey(keys.dave.secret, keys.hospital.publicKey)), k.dave);
  assert.ok(care.events.some(({ event }) => api.events.medicalRecords.CareGranted.is(event)));
  assert.deepEqual((await api.call.medicalRecordsApi.careOf(k.dave.address)).map((c) => c.org.toNumber()), [org]);
  const created = await ok(createTx(), k.charlie);
  const ev = created.events.find(({ event }) => api.events.medicalRecords.RecordCreated.is(event));
  record = ev.event.data.record.toNumber();
  assert.ok(created.events.some(({ event }) => api.events.ipfsRegistry.CidRegistered.is(event)),
    'the CID is registered in the same call');

  const view = (await api.call.medicalRecordsApi.record(record)).unwrap();
  assert.equal(view.record.patient.toString(), k.dave.address);
  assert.equal(view.record.version.toNumber(), 1);
  assert.equal(u8aToHex(view.record.plaintextHash), u8aToHex(commitment(dataKey, PLAINTEXT)));
  // A stranger who guesses the document cannot confirm the guess: the chain holds no plain digest.
  assert.notEqual(u8aToHex(view.record.plaintextHash), u8aToHex(sha256(PLAINTEXT)));
  assert.match(view.cid.toString(), /^bafkrei[a-z2-7]{52}$/, 'the CID as a CIDv1 base32 string');
  const info = (await api.call.ipfsRegistryApi.cid(view.cid.toString())).unwrap();
  const registered = info.toJSON(); // JSON: a Struct is a Map, whose own `size` shadows the field
  assert.equal(registered.info.owner, k.charlie.address);
  assert.equal(registered.info.size, ciphertext.length);
  assert.equal(registered.cid, view.cid.toString());
  // The patient opens their own copy of the key, and with it the type; the chain shows only the
  // tag, which the hospital's copy of Dave's type key (sealed to it) reproduces.
  assert.deepEqual(open(view.record.keyForPatient, keys.dave), dataKey);
  assert.equal(openType(open(view.record.keyForPatient, keys.dave), view.record.sealedType), 'loinc:11506-3');
  assert.equal(u8aToHex(view.record.typeTag), u8aToHex(tag));
  const careOf = (await api.call.medicalRecordsApi.careOf(k.dave.address))[0].care;
  assert.deepEqual(open(careOf.typeKey, keys.hospital).length, 32);
  const code = Buffer.alloc(8);
  code.writeBigUInt64LE(115063n);
  assert.ok(!Buffer.from(view.record.toU8a()).includes(code), 'the LOINC code is nowhere in the record');

  // Nothing readable on chain: the stored record holds no byte run of the plaintext.
  const raw = Buffer.from((await api.query.medicalRecords.records(record)).toU8a());
  for (let i = 0; i + 8 <= PLAINTEXT.length; i++) {
    assert.equal(raw.indexOf(PLAINTEXT.subarray(i, i + 8)), -1, 'no plaintext in storage');
  }
});

test('bad input is refused with the error named and changes nothing', async () => {
  const badCid = await submit(api, api.tx.medicalRecords.createRecord(
    org, k.dave.address, typeTag(keys.dave.secret, LAB), sealType(dataKey, LAB), sha256(PLAINTEXT), 'bafy-not-a-cid', 1, null,
    seal(dataKey, keys.dave.publicKey), seal(dataKey, keys.hospital.publicKey)), k.charlie);
  assert.equal(badCid.error, 'CidMalformed');
  const notPatient = await submit(api,
    api.tx.medicalRecords.grantAccess(record, k.eve.address, (await best()) + 50, seal(dataKey, keys.eve.publicKey)),
    k.charlie);
  assert.equal(notPatient.error, 'NotPatient');
  const outsider = await submit(api, api.tx.medicalRecords.emergencyAccess(record, 'EmergencyTreatment'), k.eve);
  assert.equal(outsider.error, 'NotCustodianMember');
  assert.equal((await api.query.medicalRecords.grantCount(record)).toNumber(), 0);
  const v = await api.call.ipfsRegistryApi.validate('QmNotACid');
  assert.ok(v.isErr && api.registry.findMetaError(v.asErr.asModule).name === 'CidMalformed');
  const hello = 'bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e';
  assert.equal((await api.call.ipfsRegistryApi.validate(hello)).asOk.toString(), hello);
});

test('the patient grants a specialist, who decrypts, verifies and logs the read', async () => {
  assert.equal(await canRead(k.eve), 'NoGrant');
  const denied = await submit(api, api.tx.medicalRecords.logAccess(record), k.eve);
  assert.equal(denied.error, 'NoGrant');

  const held = async (who, reason) => {
    const holds = await api.query.balances.holds(who);
    const h = holds.find((x) => x.id.isMedicalRecords && x.id.asMedicalRecords.type === reason);
    return h ? h.amount.toBigInt() : 0n;
  };
  const before = await held(k.dave.address, 'Grant');
  await ok(api.tx.medicalRecords.grantAccess(record, k.eve.address, (await best()) + 200,
    seal(dataKey, keys.eve.publicKey)), k.dave);
  assert.equal(Object.keys(await canRead(k.eve))[0], 'granted');
  // The grant holds a deposit from the patient, as its view says.
  const deposit = (await api.call.medicalRecordsApi.grantsOf(record))[0].grant.deposit.toBigInt();
  assert.ok(deposit > 0n);
  assert.equal(await held(k.dave.address, 'Grant'), before + deposit);

  // The specialist's read, as the CLI does it: grant -> key -> ciphertext -> digest check.
  const grants = await api.call.medicalRecordsApi.grantsOf(record);
  const mine = grants.find((g) => g.grantee.toString() === k.eve.address);
  assert.ok(mine.effective.isTrue);
  const key = open(mine.grant.wrappedKey.unwrap(), keys.eve);
  const plain = decrypt(key, ciphertext);
  const onChain = (await api.call.medicalRecordsApi.record(record)).unwrap().record.plaintextHash;
  assert.equal(u8aToHex(commitment(key, plain)), u8aToHex(onChain), 'the commitment matches the chain');
  assert.throws(() => open(mine.grant.wrappedKey.unwrap(), keys.dave), 'sealed to Eve alone');

  const logged = await ok(api.tx.medicalRecords.logAccess(record), k.eve);
  assert.ok(logged.events.some(({ event }) => api.events.medicalRecords.AccessLogged.is(event)));
  const audit = await api.call.medicalRecordsApi.audit(record);
  assert.equal(audit.grants.toNumber(), 1);
  assert.equal(audit.accesses.toNumber(), 1);
  assert.equal(audit.total.toNumber(), 2);
  const last = audit.recent[audit.recent.length - 1];
  assert.equal(last.who.toString(), k.eve.address);
  assert.equal(last.action.type, 'Accessed');
});

test('revocation denies from the block it lands in', async () => {
  const { blockHash } = await ok(api.tx.medicalRecords.revokeAccess(record, k.eve.address), k.dave);
  const parent = (await api.rpc.chain.getHeader(blockHash)).parentHash;
  assert.equal(Object.keys(await canRead(k.eve, parent))[0], 'granted', 'allowed the block before');
  assert.equal(await canRead(k.eve, blockHash), 'NoGrant', 'denied in the revoking block');
  const after = await submit(api, api.tx.medicalRecords.logAccess(record), k.eve);
  assert.equal(after.error, 'NoGrant');
  assert.equal((await api.call.medicalRecordsApi.audit(record)).revocations.toNumber(), 1);
});

test('an expired grant denies from its expiry block, and the idle sweep removes it', async () => {
  const expiresAt = (await best()) + 4;
  await ok(api.tx.medicalRecords.grantAccess(record, k.eve.address, expiresAt,
    seal(dataKey, keys.eve.publicKey)), k.dave);
  await waitFor(`block ${expiresAt}`, async () => (await best()) >= expiresAt, 60_000);
  const before = await api.rpc.chain.getBlockHash(expiresAt - 1);
  const at = await api.rpc.chain.getBlockHash(expiresAt);
  assert.equal(Object.keys(await canRead(k.eve, before))[0], 'granted', 'allowed in the block before expiry');
  // From the expiry block on it is denied: expired, or already swept in idle time of that block.
  assert.ok(['Expired', 'NoGrant'].includes(await canRead(k.eve, at)));
  const swept = await waitFor('the sweep to remove the expired grant', async () => {
    const events = await api.query.system.events();
    return (await api.query.medicalRecords.grants(record, k.eve.address)).isNone
      && (await api.query.medicalRecords.grantCount(record)).toNumber() === 0 ? events : null;
  }, 30_000);
  assert.ok(swept);
  const late = await submit(api, api.tx.medicalRecords.logAccess(record), k.eve);
  assert.ok(['GrantExpired', 'NoGrant'].includes(late.error), `refused (${late.error})`);
});

test('a batch anchor verifies a real inclusion proof and rejects a tampered one', async () => {
  // Two more versions of the record: an amendment chain of three.
  let previous = record;
  const ids = [record];
  for (const i of [1, 2]) {
    const body = encrypt(dataKey, Buffer.concat([PLAINTEXT, Buffer.from([i])]));
    const r = await ok(api.tx.medicalRecords.createRecord(org, k.dave.address, typeTag(keys.dave.secret, LAB),
      sealType(dataKey, LAB), commitment(dataKey, Buffer.concat([PLAINTEXT, Buffer.from([i])])), u8aToHex(rawCid(body)),
      body.length, previous,
      seal(dataKey, keys.dave.publicKey), seal(dataKey, keys.hospital.publicKey)), k.charlie);
    previous = r.events.find(({ event }) => api.events.medicalRecords.RecordCreated.is(event))
      .event.data.record.toNumber();
    ids.push(previous);
  }
  const versions = (await api.call.medicalRecordsApi.recordsOf(k.dave.address)).map((v) => v.record.version.toNumber());
  assert.deepEqual(versions, [1, 2, 3]);

  // The relayer's leaves: org ‖ "medchain/leaf/v2" ‖ SCALE of the sealed entry, which commits to
  // the patient and the type's tag without showing them (docs/formats.md), typed from the metadata.
  const lookupName = (name) => api.registry.lookup.getTypeDef(
    api.registry.lookup.types.find((t) => t.type.path.join('::').endsWith(name)).id).lookupName;
  const sealedName = lookupName('SealedEntry');
  const anchoredName = lookupName('AnchoredEntry');
  const tag = new TextEncoder().encode('medchain/leaf/v2');
  const sealedOf = (id, r) => api.createType(sealedName, {
    record: id, custodian: r.custodian,
    subject: sha256(u8aConcat(new TextEncoder().encode('medchain/anchor-subject/v2'), r.patient.toU8a(),
      r.typeTag.toU8a(), r.keyForPatient.toU8a())),
    plaintextHash: r.plaintextHash, cid: r.cid, version: r.version, previous: r.previous,
  });
  const entries = [];
  for (const id of ids) {
    const r = (await api.call.medicalRecordsApi.record(id)).unwrap().record;
    entries.push(sealedOf(id, r));
  }
  const leafOf = (e) => u8aConcat(api.createType('u32', org).toU8a(), tag, e.toU8a());
  const tree = merkle(entries.map(leafOf));
  await ok(api.tx.medicalRecords.anchorBatch(org, 1, await best(), entries.length, tree.root), k.ferdie);

  const anchored = (e) => api.createType(anchoredName, { Sealed: e });
  for (let i = 0; i < entries.length; i++) {
    const res = await api.call.medicalRecordsApi.verifyInclusion(org, tree.root, anchored(entries[i]), tree.prove(i));
    assert.ok(res.isOk, `entry ${i} is in the anchored batch`);
    assert.deepEqual(res.asOk.toJSON(), { org, seq: 0 });
  }
  const tampered = anchored(api.createType(sealedName, { ...entries[1].toJSON(), version: 9 }));
  const bad = await api.call.medicalRecordsApi.verifyInclusion(org, tree.root, tampered, tree.prove(1));
  assert.equal(bad.asErr.type, 'NotIncluded');
  const unknown = await api.call.medicalRecordsApi.verifyInclusion(org, sha256(Buffer.from('x')), anchored(entries[1]), tree.prove(1));
  assert.equal(unknown.asErr.type, 'UnknownRoot');
  // The root is Bob's organisation's: it stands for no other organisation.
  const elsewhere = await api.call.medicalRecordsApi.verifyInclusion(org + 1, tree.root, anchored(entries[1]), tree.prove(1));
  assert.equal(elsewhere.asErr.type, 'UnknownRoot');
  const overlap = await submit(api, api.tx.medicalRecords.anchorBatch(org, 1, 2, 1, sha256(Buffer.from('y'))), k.ferdie);
  assert.equal(overlap.error, 'RangeOverlaps');
});

test('a scan of state and events after 1,000 records from three hospitals finds no type code, no guessable digest and no link between a patient\'s hospitals', async () => {
  const pseudonymLib = await import(new URL('../../../portal/dist-lib/pseudonym.js', import.meta.url).href);
  const keyring = new Keyring({ type: 'sr25519', ss58Format: api.consts.system.ss58Prefix.toNumber() });
  const genesis = api.genesisHash.toU8a();
  const first = await best();
  const MED = 10n ** 12n;
  const TYPES = [
    { system: 'Loinc', code: 115063 }, { system: 'Loinc', code: 758553 }, { system: 'Loinc', code: 56888 },
    { system: 'Snomed', code: 271649006 }, { system: 'Snomed', code: 165816005 },
  ];
  // Everything Alice sends, in order, without waiting for each block.
  let aliceNonce = (await api.rpc.system.accountNextIndex(k.alice.address)).toNumber();
  const inBlocks = async (what, txs) => {
    const results = await Promise.all(txs.map(([tx, signer, nonce]) => submit(api, tx, signer, { nonce })));
    const failed = results.filter((r) => r.error !== null);
    assert.equal(failed.length, 0, `${what}: ${failed.map((r) => r.error).slice(0, 3)}`);
  };

  // Three hospitals, each with its own key (the test plays its key service: it tags types with the
  // type keys patients seal to it).
  const hospitals = [];
  for (let h = 0; h < 3; h++) {
    const admin = keyring.addFromUri(`//ScanHospital${h}`);
    await ok(api.tx.balances.transferKeepAlive(admin.address, 1_000n * MED), k.alice);
    const joined = await ok(api.tx.sudo.sudo(api.tx.medicalRecords.registerOrganisation(admin.address)), k.alice);
    const id = joined.events.find(({ event }) => api.events.medicalRecords.OrganisationRegistered.is(event))
      .event.data[0].toNumber();
    const key = keyPair();
    await ok(api.tx.medicalRecords.setOrganisationKey(id, key.publicKey), admin);
    hospitals.push({ id, admin, key });
  }
  aliceNonce = (await api.rpc.system.accountNextIndex(k.alice.address)).toNumber();

  // Twelve patients, each known to all three by a pseudonym derived as the CLI and the portal
  // derive it, which Alice funds (standing in for the hospitals); their own accounts do nothing.
  const patients = Array.from({ length: 12 }, (_, p) => {
    const own = keyring.addFromUri(`//ScanPatient${p}`);
    const secret = keyPair().secret;
    const at = hospitals.map((h) => pseudonymLib.pseudonym(own, secret, genesis, h.id));
    return { own, at };
  });
  await inBlocks('funding', patients.flatMap((p) => p.at.map((ps) => [
    api.tx.balances.transferKeepAlive(ps.pair.address, 10n * MED), k.alice, aliceNonce++])));
  await inBlocks('keys', patients.flatMap((p) => p.at.map((ps) => [
    api.tx.medicalRecords.setEncryptionKey(Buffer.from(portalPublic(ps.secret))), ps.pair, 0])));
  await inBlocks('care', patients.flatMap((p) => p.at.map((ps, h) => [
    api.tx.medicalRecords.grantCare(hospitals[h].id, careKey(ps.secret, hospitals[h].key.publicKey)), ps.pair, 1])));

  // 1,000 records: templated documents (a guessable negative result) of five types, each
  // hospital's clinician submitting its own, in waves.
  const plaintexts = [];
  const nonces = await Promise.all(hospitals.map(async (h) => (await api.rpc.system.accountNextIndex(h.admin.address))
    .toNumber()));
  const all = [];
  for (let i = 0; i < 1000; i++) {
    const p = i % patients.length;
    const h = Math.floor(i / patients.length) % hospitals.length;
    const type = TYPES[i % TYPES.length];
    const ps = patients[p].at[h];
    const plain = Buffer.from(`Result for patient ${p}: ${type.system} ${type.code} negative.`);
    plaintexts.push(plain);
    const dk = randomBytes(32);
    const body = encrypt(dk, plain);
    const hospital = hospitals[h];
    all.push([api.tx.medicalRecords.createRecord(hospital.id, ps.pair.address, typeTag(ps.secret, type), sealType(dk, type),
      commitment(dk, plain), u8aToHex(rawCid(body)), 1000 + (i % 7), null, seal(dk, portalPublic(ps.secret)),
      seal(dk, hospital.key.publicKey)), hospital.admin, nonces[h]++]);
  }
  for (let w = 0; w < all.length; w += 150) await inBlocks(`records ${w}..`, all.slice(w, w + 150));
  const last = await best();

  // Everything a stranger reads: the records pallet's state and every event since the scan began.
  const keys = [];
  for (const pallet of [api.query.medicalRecords.records, api.query.ipfsRegistry.cids]) {
    keys.push(...await api.rpc.state.getKeys(pallet.keyPrefix().slice(0, 34)));
  }
  const state = [];
  for (let i = 0; i < keys.length; i += 500) {
    const values = await api.rpc.state.queryStorageAt(keys.slice(i, i + 500));
    values.forEach((v, j) => state.push(Buffer.concat([Buffer.from(keys[i + j].toU8a()), Buffer.from(v.toU8a())])));
  }
  const events = [];
  for (let n = first; n <= last; n++) {
    const at = await api.at(await api.rpc.chain.getBlockHash(n));
    for (const record of await at.query.system.events()) events.push(Buffer.from(record.toU8a()));
  }
  const everything = [...state, ...events];
  assert.ok(state.length > 3000, `${state.length} storage items`);
  assert.ok(events.length > 1000, `${events.length} events`);
  const nowhere = (needle, what) => assert.ok(!everything.some((b) => b.includes(needle)), what);

  // No type code, in the chain's SCALE form or as a bare number.
  for (const t of TYPES) {
    const code = Buffer.alloc(8);
    code.writeBigUInt64LE(BigInt(t.code));
    nowhere(Buffer.concat([Buffer.from([t.system === 'Loinc' ? 0 : 1]), code]), `the type ${t.system} ${t.code}`);
    nowhere(code, `the code ${t.code}`);
  }
  // No digest that hashing a guessed document reproduces.
  for (const plain of plaintexts) nowhere(sha256(plain), 'a plaintext SHA-256');
  // No link between one patient's pseudonyms: no item or event names two of them, none names the
  // own account, and one type's tags differ at each hospital.
  for (const p of patients) {
    nowhere(Buffer.from(p.own.publicKey), 'the own account');
    const ids = p.at.map((ps) => Buffer.from(ps.pair.publicKey));
    for (let a = 0; a < ids.length; a++) {
      for (let b = a + 1; b < ids.length; b++) {
        assert.ok(!everything.some((x) => x.includes(ids[a]) && x.includes(ids[b])), 'an item naming two pseudonyms');
      }
    }
    for (const t of TYPES) {
      const tags = p.at.map((ps) => typeTag(ps.secret, t).toString('hex'));
      assert.equal(new Set(tags).size, 3, 'one type, three hospitals, three tags');
    }
  }
});

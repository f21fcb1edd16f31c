// Dual-chain figures (scripts/bench.sh --anchor), on the two live networks of scripts/dualchain.sh:
//
// 1. Relay lag behind private finality: the relay runs (--batch-time 1); a block of 100 records
//    is finalized on the hospital chain; the lag is the time from then until the anchor covering
//    it is finalized on the consortium chain. Five rounds; median and worst.
// 2. Records per anchor: 20,000 records (or RECORDS) indexed on the hospital chain, anchored by
//    `medchain relay --once` in one extrinsic; the time to read them and to anchor them.
// 3. The proof of an entry of that batch: its size, and that it verifies through the runtime API.
//    The on-chain verification time is the benchmarked weight (scripts/weights.sh), printed from
//    runtime/src/weights/pallet_medical_records.rs for a proof 17 levels deep (100,000 leaves).
//
// Usage: node bench/relay-anchor.js [RECORDS]   (default 20000)
import { execFile, execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { u8aToHex } from '@polkadot/util';
import { CLI_BIN, NODE_BIN, ROOT, SCRIPTS, connect, removeDir, sleep, tempDir, waitFor } from '../lib/node.js';

const RECORDS = Number(process.argv[2] ?? 20_000);
const BASE = 37000;
const CONSORTIUM = `ws://127.0.0.1:${BASE + 100}`;
const HOSPITAL = `ws://127.0.0.1:${BASE + 150}`;
const PER_PATIENT = 4_000; // below MaxRecordsPerPatient (4,096)

const dir = tempDir('bench-dual');
const home = tempDir('bench-dual-home');
const state = join(home, 'relay');
const env = { ...process.env, MEDCHAIN_HOME: home, MEDCHAIN_PASSPHRASE: 'bench' };
const sha256 = (b) => createHash('sha256').update(b).digest();
const dualchain = (...a) => execFileSync('bash', [join(SCRIPTS, 'dualchain.sh'), ...a, '--dir', dir],
  { env: { ...process.env, MEDCHAIN_NODE: NODE_BIN }, stdio: ['ignore', 'ignore', 'inherit'] });

function cli(args, url = CONSORTIUM) {
  return new Promise((resolve, reject) => {
    execFile(CLI_BIN, ['--json', '--url', url, ...args], { env, maxBuffer: 1 << 26 }, (e, out, err) =>
      (e ? reject(new Error(`medchain ${args.join(' ')}: ${err}`)) : resolve(JSON.parse(out.trim().split('\n').pop()))));
  });
}

function relay(extra) {
  const child = spawn(CLI_BIN, ['--json', '--as', 'relay', 'relay', '--from', HOSPITAL, '--to', CONSORTIUM,
    '--org', '0', '--state', state, ...extra], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  child.events = [];
  let buf = '';
  child.stdout.on('data', (d) => {
    buf += d;
    const lines = buf.split('\n');
    buf = lines.pop();
    for (const l of lines) { try { child.events.push({ at: Date.now(), ...JSON.parse(l) }); } catch { /* */ } }
  });
  child.exited = new Promise((r) => child.once('exit', r));
  return child;
}

async function finalizedNumber(api) {
  return (await api.rpc.chain.getHeader(await api.rpc.chain.getFinalizedHead())).number.toNumber();
}

/** Submits `count` records from Alice over the patients, in waves; returns when all are in blocks. */
async function index(api, alice, patients, count, first) {
  let nonce = (await api.rpc.system.accountNextIndex(alice.address)).toNumber();
  const start = (await api.query.medicalRecords.nextRecordId()).toNumber();
  for (let done = 0; done < count;) {
    const wave = Math.min(500, count - done);
    // Waves of 500: a pool that receives nonces out of order parks the early arrivals as "future"
    // transactions, of which it keeps only 819. Immortal, so none expires while it waits.
    const sent = [];
    for (let j = 0; j < wave; j++) {
      const i = first + done + j;
      const tx = api.tx.medicalRecords.createRecord(0, patients[Math.floor(i / PER_PATIENT)].address,
        sha256(`tag ${i}`), new Uint8Array(25).fill(3), sha256(`p${i}`), u8aToHex(new Uint8Array([1, 0x55, 0x12, 0x20, ...sha256(`c${i}`)])),
        1000, null, new Uint8Array(80).fill(1), new Uint8Array(80).fill(2));
      sent.push(tx.signAndSend(alice, { nonce: nonce++, era: 0 }));
    }
    await Promise.all(sent);
    done += wave;
    await waitFor('records in blocks', async () =>
      (await api.query.medicalRecords.nextRecordId()).toNumber() >= start + done, 600_000, 500);
    process.stderr.write(`\r  ${done}/${count} records in blocks`);
  }
  process.stderr.write('\n');
  return start + count; // the next record id
}

async function main() {
  await cryptoWaitReady();
  dualchain('start', '--port-base', String(BASE));
  const capi = await connect(BASE + 100);
  const hapi = await connect(BASE + 150);
  try {
    for (const api of [capi, hapi]) await waitFor('finality', async () => (await finalizedNumber(api)) > 0, 300_000, 1_000);
    const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
    const alice = keyring.addFromUri('//Alice');
    for (const [name, uri] of [['hospital', '//Alice'], ['relay', '//Ferdie']]) {
      await cli(['key', 'import', '--name', name, '--suri', uri]);
    }
    const orgKey = (await cli(['keyserver', 'init', '--dir', join(home, 'keyserver')])).public_key;
    await cli(['--as', 'hospital', 'org', 'set-key', '--org', '0', '--key', orgKey], HOSPITAL);
    const ferdie = keyring.addFromUri('//Ferdie').address;
    await cli(['--as', 'hospital', 'org', 'add-member', '--org', '0', '--account', ferdie, '--role', 'anchorer']);
    // Patients with encryption keys, funded by Alice.
    const patients = Array.from({ length: Math.ceil((RECORDS + 600) / PER_PATIENT) }, (_, i) => keyring.addFromUri(`//Patient${i}`));
    let nonce = (await hapi.rpc.system.accountNextIndex(alice.address)).toNumber();
    await Promise.all(patients.map((p) => hapi.tx.balances.transferKeepAlive(p.address, 10n ** 15n).signAndSend(alice, { nonce: nonce++ })));
    await waitFor('patients funded', async () => (await hapi.query.system.account(patients.at(-1).address)).data.free.toBigInt() > 0n, 60_000);
    await Promise.all(patients.map((p) => hapi.tx.medicalRecords.setEncryptionKey(new Uint8Array(32).fill(9)).signAndSend(p)));
    await waitFor('patient keys', async () => (await hapi.query.medicalRecords.encryptionKeys(patients.at(-1).address)).isSome, 60_000);
    await Promise.all(patients.map((p) => hapi.tx.medicalRecords.grantCare(0, new Uint8Array(80).fill(4)).signAndSend(p)));
    await waitFor('patients in hospital 0\'s care', async () => (await Promise.all(patients.map((p) =>
      hapi.query.medicalRecords.careRelationships(p.address, 0)))).every((c) => c.isSome), 60_000);

    // 1. Lag behind private finality.
    const live = relay(['--batch-time', '1', '--batch-size', '100000']);
    await waitFor('relay up', () => live.events.some((e) => e.event === 'resumed'), 60_000, 100);
    const lags = [];
    let next = 0;
    for (let round = 0; round < 5; round++) {
      const upTo = await index(hapi, alice, patients, 100, next);
      next += 100;
      const lastId = upTo - 1;
      const block = (await hapi.query.medicalRecords.records(lastId)).unwrap().createdAt.toNumber();
      // When the block holding the last record is finalized, and when an anchor covering it is.
      let finalizedAt;
      await waitFor('private finality', async () => {
        if ((await finalizedNumber(hapi)) >= block) { finalizedAt = Date.now(); return true; }
        return false;
      }, 120_000, 50);
      const anchored = await waitFor('anchored', () =>
        live.events.find((e) => e.event === 'anchored' && e.to >= block), 180_000, 50);
      lags.push(Math.max(0, anchored.at - finalizedAt) / 1000);
      console.log(`  round ${round + 1}: anchor ${anchored.seq} (${anchored.count} entries) finalized ${lags.at(-1).toFixed(1)} s after private finality`);
    }
    live.kill('SIGINT');
    await live.exited;
    lags.sort((a, b) => a - b);

    // 2. One anchor for RECORDS records.
    const t0 = Date.now();
    await index(hapi, alice, patients, RECORDS, next);
    console.log(`  ${RECORDS} records indexed on the hospital chain in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    await waitFor('all finalized', async () => {
      const at = await hapi.at(await hapi.rpc.chain.getFinalizedHead());
      return (await at.query.medicalRecords.nextRecordId()).toNumber() >= next + RECORDS;
    }, 300_000, 500);
    const t1 = Date.now();
    const once = relay(['--once', '--batch-size', String(RECORDS + 1_000)]);
    await once.exited;
    const big = once.events.find((e) => e.event === 'anchored');
    const submitting = once.events.find((e) => e.event === 'submitting');
    if (!big) throw new Error(`the relay anchored nothing: ${JSON.stringify(once.events)}`);
    const extrinsics = once.events.filter((e) => e.event === 'anchored').length;

    // 3. A proof from that batch.
    const file = join(home, 'proof.json');
    const proof = await cli(['proof', String(next + 7), '--state', state, '-o', file]).then(() => JSON.parse(readFileSync(file, 'utf8')));
    const bytes = 4 + 4 + 1 + 32 * proof.siblings.length; // index, leaves, compact length, siblings
    const started = process.hrtime.bigint();
    const verified = await cli(['verify', String(next + 7), '--proof', file]);
    const rpcMs = Number(process.hrtime.bigint() - started) / 1e6;
    const weights = readFileSync(join(ROOT, 'runtime/src/weights/pallet_medical_records.rs'), 'utf8');
    const m = weights.match(/fn verify_inclusion\(d: u32, \) -> Weight \{[\s\S]*?from_parts\((\d[\d_]*), 0\)[\s\S]*?from_parts\((\d[\d_]*), 0\)\.saturating_mul\(d/);
    const base = Number(m[1].replaceAll('_', ''));
    const perLevel = Number(m[2].replaceAll('_', ''));
    const depth = Math.ceil(Math.log2(100_000));
    const weightUs = (base + perLevel * depth) / 1e6;

    console.log('\n== dual chain ==');
    console.log(`relay lag behind private finality: median ${lags[2].toFixed(1)} s, worst ${lags[4].toFixed(1)} s (5 rounds of 100 records)`);
    console.log(`records per anchor: ${big.count} in ${extrinsics} extrinsic(s); read in ${((new Date(submitting.at) - t1) / 1000).toFixed(1)} s, anchored and finalized ${big.seconds.toFixed(1)} s after submission`);
    console.log(`proof of an entry of that batch: ${proof.siblings.length} siblings, ${bytes} bytes (+ the ${(proof.entry.length - 2) / 2}-byte entry); verified: ${verified.included}, CLI round trip ${rpcMs.toFixed(0)} ms`);
    console.log(`on-chain verification of a proof ${depth} levels deep (100,000 leaves): ${weightUs.toFixed(1)} µs of execution + 2 storage reads (benchmarked weight)`);
  } finally {
    await capi.disconnect();
    await hapi.disconnect();
    dualchain('stop');
    await sleep(500);
    removeDir(dir);
    removeDir(home);
  }
}

main().then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });

// Records registered and finalized per second next to balance transfers per second, in one run
// on the four-validator local network (scripts/testnet.sh). Run by scripts/bench.sh.
//
// Each phase signs N transactions from S senders with explicit nonces beforehand, submits them
// all at once and times from the first submission to the finalization of the block holding the
// last one. Prints one JSON line with both rates and their ratio.
//
//   node bench/records-throughput.js [--txs N] [--senders S] [--port-base B]
import { randomBytes } from 'node:crypto';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { u8aToHex } from '@polkadot/util';
import { connect, testnet, tempDir, removeDir, waitFor } from '../lib/node.js';
import { keyPair, rawCid, seal, sha256 } from '../lib/sealed.js';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const TXS = arg('txs', 1200);
const SENDERS = arg('senders', 24);
const BASE = arg('port-base', 32333);
const MED = 10n ** 12n;

/** Signs `[tx, signer]` pairs with consecutive nonces per signer. */
async function signAll(api, pairs) {
  const next = new Map();
  const signed = [];
  for (const [tx, signer] of pairs) {
    if (!next.has(signer.address)) {
      next.set(signer.address, (await api.rpc.system.accountNextIndex(signer.address)).toNumber());
    }
    const nonce = next.get(signer.address);
    next.set(signer.address, nonce + 1);
    signed.push(await tx.signAsync(signer, { nonce, era: 0 }));
  }
  return signed;
}

/**
 * Submits signed extrinsics at once and resolves with the seconds until the last of them is in a
 * finalized block, and how many failed to dispatch.
 */
async function run(api, signed, timeoutMs = 900_000) {
  const pending = new Set(signed.map((tx) => tx.hash.toHex()));
  let failed = 0;
  let last = (await api.rpc.chain.getHeader(await api.rpc.chain.getFinalizedHead())).number.toNumber();
  let unsub;
  const done = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${pending.size} transactions not finalized in time`)), timeoutMs);
    api.rpc.chain.subscribeFinalizedHeads(async (head) => {
      // Finality can jump several blocks at once: read every block up to the new head.
      for (let n = last + 1; n <= head.number.toNumber(); n++) {
        const hash = await api.rpc.chain.getBlockHash(n);
        const [block, events] = await Promise.all([api.rpc.chain.getBlock(hash), api.query.system.events.at(hash)]);
        let ours = 0;
        block.block.extrinsics.forEach((ext, i) => {
          if (!pending.delete(ext.hash.toHex())) return;
          ours++;
          if (events.some(({ phase, event }) => phase.isApplyExtrinsic && phase.asApplyExtrinsic.eqn(i)
            && api.events.system.ExtrinsicFailed.is(event))) failed++;
        });
        if (ours && process.env.VERBOSE) console.error(`block ${n}: ${ours} of ours, ${block.block.extrinsics.length} in all`);
      }
      last = Math.max(last, head.number.toNumber());
      if (pending.size === 0) {
        clearTimeout(timer);
        resolve(process.hrtime.bigint());
      }
    }).then((u) => { unsub = u; }, reject);
  });
  const start = process.hrtime.bigint();
  const submitted = await Promise.allSettled(signed.map((tx) => api.rpc.author.submitExtrinsic(tx)));
  const rejected = submitted.filter((r) => r.status === 'rejected');
  if (rejected.length) throw new Error(`${rejected.length} rejected by the pool: ${rejected[0].reason.message}`);
  const end = await done;
  unsub?.();
  return { seconds: Number(end - start) / 1e9, failed };
}

async function main() {
  await cryptoWaitReady();
  const dir = tempDir('bench');
  testnet('start', '--dir', dir, '--port-base', String(BASE));
  let api;
  try {
    api = await connect(BASE + 100);
    await waitFor('four peers', async () => (await api.rpc.system.health()).peers.toNumber() >= 3, 120_000);
    const keyring = new Keyring({ type: 'sr25519', ss58Format: api.consts.system.ss58Prefix.toNumber() });
    const alice = keyring.addFromUri('//Alice');
    // A patient holds at most MaxRecordsPerPatient (4,096) records: spread them over four.
    const patients = ['Bob', 'Charlie', 'Dave', 'Eve'].map((n) => keyring.addFromUri(`//${n}`));
    const senders = Array.from({ length: SENDERS }, (_, i) => keyring.addFromUri(`//bench/${i}`));
    const hospital = keyPair();
    const patientKey = keyPair(); // one key for all four: sealing cost is what matters here

    // Set up (untimed): fund the senders; one hospital, Alice its admin, the senders its clinicians.
    const m = api.tx.medicalRecords;
    const setup = await run(api, await signAll(api, [
      ...senders.map((s) => [api.tx.balances.transferKeepAlive(s.address, 1_000n * MED), alice]),
      [api.tx.sudo.sudo(m.registerOrganisation(alice.address)), alice],
      [m.setOrganisationKey(0, hospital.publicKey), alice],
      ...senders.map((s) => [m.addMember(0, s.address, 'Clinician'), alice]),
      ...patients.map((p) => [m.setEncryptionKey(patientKey.publicKey), p]),
      ...patients.map((p) => [m.grantCare(0, seal(randomBytes(32), hospital.publicKey)), p]),
    ]));
    if (setup.failed) throw new Error(`${setup.failed} set-up transactions failed`);

    const per = Math.ceil(TXS / SENDERS);
    const transfers = [];
    const records = [];
    for (const [n, s] of senders.entries()) {
      const patient = patients[n % patients.length];
      for (let i = 0; i < per; i++) {
        transfers.push([api.tx.balances.transferKeepAlive(patient.address, MED + BigInt(i)), s]);
        const dataKey = randomBytes(32);
        const ciphertext = randomBytes(1024);
        // The type as the chain holds it: a tag and the type sealed (their cost, not their meaning).
        records.push([m.createRecord(0, patient.address, randomBytes(32), randomBytes(25), sha256(ciphertext), u8aToHex(rawCid(ciphertext)),
          ciphertext.length, null, seal(dataKey, patientKey.publicKey), seal(dataKey, hospital.publicKey)), s]);
      }
    }
    const t = await run(api, await signAll(api, transfers));
    const r = await run(api, await signAll(api, records));
    if (t.failed || r.failed) throw new Error(`failed: ${t.failed} transfers, ${r.failed} records`);
    const result = {
      network: '4 validators on 127.0.0.1 (scripts/testnet.sh)',
      transactions: transfers.length,
      senders: SENDERS,
      transfers_per_s: +(transfers.length / t.seconds).toFixed(1),
      records_per_s: +(records.length / r.seconds).toFixed(1),
      ratio: +((records.length / r.seconds) / (transfers.length / t.seconds)).toFixed(2),
    };
    console.log(JSON.stringify(result));
  } finally {
    await api?.disconnect();
    try { testnet('stop', '--dir', dir); } finally { removeDir(dir); }
  }
}

main().then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });

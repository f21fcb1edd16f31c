// K-DPoS on a live six-hospital network (scripts/testnet.sh): four producers, two standbys.
// (1) A killed producer misses its slots, is disabled and replaced by the first standby within two
//     sessions while finality goes on, and the runtime API shows it Poor with the reason.
// (2) An equivocation signed with a producer's real Aura key is proven through the public call:
//     the producer is disabled, slashed, banned and replaced; a forged or replayed proof is refused.
// (3) Votes for a Poor candidate count nothing; a whale's backing is capped.
// (4) The standbys' nodes send their heartbeats themselves: no script, no fee, their session keys.
// (5) Framing: Alice's keys also author another chain (a dev chain started here, as an operator
//     who reuses a validator's keys would); her header of a slot here and that chain's header of
//     the same slot are two genuine seals, yet the proof is refused and nothing changes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Keyring } from '@polkadot/keyring';
import { randomAsHex } from '@polkadot/util-crypto';
import { u8aToHex } from '@polkadot/util';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect, testnet, tempDir, removeDir, waitFor, submit, sleep, stop, NODE_BIN } from '../lib/node.js';

const BASE = 23333; // p2p 23333.., rpc 23433.., prometheus 23533..
const rpcOf = (i) => BASE + 100 + i;
const AURA = '0x61757261'; // b"aura"
let dir;
let api;
let k;
const finality = { last: 0, at: Date.now(), longestStallMs: 0, unsub: null };

const finalizedNumber = async () =>
  (await api.rpc.chain.getHeader(await api.rpc.chain.getFinalizedHead())).number.toNumber();
const validators = async () => (await api.query.session.validators()).map((v) => v.toString());
/** The name of an enum value as toJSON gives it: a string, or the one key of an object. */
const variant = (v) => (v === null || v === undefined ? null
  : (typeof v === 'string' ? v : Object.keys(v)[0]).toLowerCase());
const candidate = async (who) =>
  (await api.call.kdposApi.candidates()).toJSON().find((c) => c.account === who.address);

before(async () => {
  dir = tempDir('kdpos');
  testnet('start', '--dir', dir, '--port-base', String(BASE));
  api = await connect(rpcOf(0));
  await waitFor('all six hospitals to peer', async () => (await api.rpc.system.health()).peers.toNumber() >= 5,
    120_000);
  const keyring = new Keyring({ type: 'sr25519', ss58Format: api.consts.system.ss58Prefix.toNumber() });
  k = Object.fromEntries(['Alice', 'Bob', 'Charlie', 'Dave', 'Eve', 'Ferdie']
    .map((n) => [n.toLowerCase(), keyring.addFromUri(`//${n}`)]));
  k.aliceStash = keyring.addFromUri('//Alice//stash');
  k.bobStash = keyring.addFromUri('//Bob//stash');
  await waitFor('finality to start', async () => (await finalizedNumber()) > 0, 60_000);
  // Finality is watched for the whole file: it must never stall.
  finality.unsub = await api.rpc.chain.subscribeFinalizedHeads((h) => {
    const now = Date.now();
    if (h.number.toNumber() > finality.last) {
      if (finality.last) finality.longestStallMs = Math.max(finality.longestStallMs, now - finality.at);
      finality.last = h.number.toNumber();
      finality.at = now;
    }
  });
});

after(async () => {
  finality.unsub?.();
  await api?.disconnect();
  if (dir) {
    try { testnet('stop', '--dir', dir); } finally { removeDir(dir); }
  }
});

test('genesis elected four hospital producers and two standbys', async () => {
  const set = (await api.call.kdposApi.validators()).toJSON();
  assert.deepEqual(set.active, [k.alice, k.bob, k.charlie, k.dave].map((a) => a.address));
  assert.deepEqual(set.standbys, [k.eve, k.ferdie].map((a) => a.address));
  assert.deepEqual(await validators(), set.active);
});

test('the standbys\' nodes send their heartbeats by themselves, unsigned, signed with their session keys', async () => {
  // Nobody scripts kdpos.heartbeat here: Eve's and Ferdie's nodes (testnet.sh runs them as
  // validators, with their keys in the keystore) send kdpos.nodeHeartbeat each session.
  const session = (await api.query.session.currentIndex()).toNumber();
  for (const [who, name, index] of [[k.eve, 'eve', 4], [k.ferdie, 'ferdie', 5]]) {
    // Within two sessions: a heartbeat made at a session's last block is stale in the next, and
    // three test files share this machine's two cores, so the first may be lost.
    const at = await waitFor(`${who.address}'s node heartbeat`, async () => {
      const live = (await api.query.kdpos.liveIn(who.address)).unwrapOr(null)?.toNumber();
      return live !== undefined && live !== null && live >= session ? live : null;
    }, 240_000, 1_000).catch(async (e) => {
      throw new Error(`${e.message}\n${await standbyState(name, index)}`);
    });
    assert.ok(at >= session);
  }
  // The extrinsic that made Eve live: bare, a kdpos.nodeHeartbeat for her, in this session.
  const found = await waitFor('a nodeHeartbeat extrinsic in a recent block', async () => {
    let hash = await api.rpc.chain.getBlockHash();
    for (let i = 0; i < 40; i++) {
      const block = await api.rpc.chain.getBlock(hash);
      const xt = block.block.extrinsics.find((x) => x.method.section === 'kdpos' && x.method.method === 'nodeHeartbeat'
        && x.method.args[0].candidate.toString() === k.eve.address);
      if (xt) return xt;
      hash = block.block.header.parentHash;
    }
    return null;
  }, 60_000, 2_000);
  assert.equal(found.isSigned, false, 'no account signs it, and it pays no fee');
  const counters = (await api.call.kdposApi.candidates()).toJSON().find((c) => c.account === k.eve.address).counters;
  assert.ok(counters.liveSessions >= 1, `Eve counted live (${JSON.stringify(counters)})`);
});

/** What a standby's node is doing, for a failure message: its sync, its pool, its log. */
async function standbyState(name, index) {
  let own;
  try {
    own = await connect(rpcOf(index), { timeoutMs: 10_000 });
    const [best, sync, pending] = await Promise.all([own.rpc.chain.getHeader(), own.rpc.system.syncState(),
      own.rpc.author.pendingExtrinsics()]);
    const ours = (await api.rpc.chain.getHeader()).number.toNumber();
    const log = readFileSync(join(dir, `${name}.log`), 'utf8').split('\n').slice(-40).join('\n');
    return `${name}'s node: best #${best.number.toNumber()} (node 0: #${ours}), sync ${JSON.stringify(sync.toJSON())}, `
      + `pool: ${pending.map((x) => `${x.method.section}.${x.method.method}`).join(', ') || 'empty'}\n${name}.log:\n${log}`;
  } catch (e) {
    return `(${name}'s node state unavailable: ${e.message})`;
  } finally {
    await own?.disconnect();
  }
}

/** The Aura slot a header claims. */
const slotOf = (a, header) => a.createType('u64', header.digest.logs.find((l) => l.isPreRuntime).asPreRuntime[1]).toNumber();

test('headers of another chain sealed with a producer\'s keys never frame it', async () => {
  // Another chain whose one validator is Alice: a dev chain, 3 s slots like this one.
  const other = spawn(NODE_BIN, ['--dev', '--tmp', '--rpc-port', String(BASE + 290), '--port', String(BASE + 291),
    '--no-prometheus', '--no-telemetry', '--no-mdns', '--no-ipfs-api'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  other.stderr.on('data', (d) => { log = (log + d).slice(-10_000); });
  other.logTail = () => log;
  const oapi = await connect(BASE + 290, { child: other });
  try {
    const ours = new Map();
    const theirs = new Map();
    const unsubs = await Promise.all([
      api.rpc.chain.subscribeNewHeads((h) => ours.set(slotOf(api, h), h)),
      oapi.rpc.chain.subscribeNewHeads((h) => theirs.set(slotOf(oapi, h), h)),
    ]);
    // A slot in which Alice sealed a block of each chain.
    const [slot, mine] = await waitFor('a slot Alice authored on both chains', async () => {
      for (const [s, h] of ours) {
        if (!theirs.has(s)) continue;
        const author = (await api.derive.chain.getHeader(h.hash)).author?.toString();
        if (author === k.alice.address) return [s, h];
      }
      return null;
    }, 90_000, 1_000);
    unsubs.forEach((u) => u());
    const foreign = api.createType('Header', theirs.get(slot).toJSON());
    const bond = (await api.query.kdpos.candidates(k.alice.address)).unwrap().bond.toString();
    const framed = await submit(api, api.tx.kdpos.reportEquivocation({
      offender: k.alice.publicKey, slot, firstHeader: mine, secondHeader: foreign,
    }), k.eve);
    assert.equal(framed.error, 'ForeignHeader', 'the other chain\'s header proves nothing here');
    assert.ok(!framed.events.some(({ event }) => event.section === 'kdpos' && event.method === 'Slashed'));
    assert.equal((await api.query.kdpos.candidates(k.alice.address)).unwrap().bond.toString(), bond);
    assert.ok((await api.query.kdpos.bannedUntil(k.alice.address)).isNone, 'not banned');
    assert.ok((await validators()).includes(k.alice.address), 'still producing');
  } finally {
    await oapi.disconnect();
    await stop(other);
  }
});

test('a killed producer is disabled and a standby produces in its place within two sessions', async () => {
  const sessionAtKill = (await api.query.session.currentIndex()).toNumber();
  testnet('kill', 'dave', '--dir', dir);
  const dave = await waitFor('dave to be evicted', async () => {
    const c = await candidate(k.dave);
    return variant(c.lastFault?.action) === 'evicted' ? c : null;
  }, 120_000, 1_000);
  assert.ok(dave.lastFault.fault.missedSlots >= 3, `missed ${JSON.stringify(dave.lastFault)}`);
  assert.ok(dave.counters.missed >= 3, 'its missed slots are counted');
  assert.equal(dave.standing.class, 'Poor');
  assert.equal(dave.standing.faulted, true);
  assert.equal(dave.lastFault.slashed, 0, 'a liveness fault is not slashed');

  // Eve, the first standby, is in the live set and authors a block.
  await waitFor('eve to replace dave', async () => {
    const v = await validators();
    return v.includes(k.eve.address) && !v.includes(k.dave.address);
  }, 60_000, 1_000);
  const eveSession = await waitFor('eve to author a block', async () => {
    const header = await api.derive.chain.getHeader(await api.rpc.chain.getBlockHash());
    if (header?.author?.toString() !== k.eve.address) return null;
    return (await api.query.session.currentIndex.at(header.hash)).toNumber();
  }, 60_000, 1_000);
  // Eviction forces two rotations: queue the repaired set, then make it live.
  assert.ok(eveSession - sessionAtKill <= 3, `eve produced in session ${eveSession}, dave died in ${sessionAtKill}`);
  const now = await finalizedNumber();
  await waitFor('finality to go on', async () => (await finalizedNumber()) > now + 3, 60_000);
  assert.ok(finality.longestStallMs < 30_000, `finality stalled ${finality.longestStallMs} ms`);
});

/** A header of `base`'s height and slot with `stateRoot`, sealed by `signer` as Aura would. */
function sealed(base, stateRoot, signer) {
  const json = base.toJSON();
  const pre = json.digest.logs.filter((l) => l.preRuntime);
  const header = api.createType('Header', { ...json, stateRoot, digest: { logs: pre } });
  const signature = signer.sign(header.hash);
  return api.createType('Header', { ...json, stateRoot, digest: { logs: [...pre, { seal: [AURA, u8aToHex(signature)] }] } });
}

test('an Aura equivocation proof with the real key evicts, slashes and bans; forged and replayed ones are refused', async () => {
  // The latest block Charlie authored in this session gives a slot of Charlie's.
  const session = (await api.query.session.currentIndex()).toNumber();
  const base = await waitFor('a block by charlie in this session', async () => {
    const header = await api.derive.chain.getHeader(await api.rpc.chain.getBlockHash());
    if (header?.author?.toString() !== k.charlie.address) return null;
    const s = (await api.query.session.currentIndex.at(header.hash)).toNumber();
    return s === (await api.query.session.currentIndex()).toNumber() ? header : null;
  }, 60_000, 500);
  assert.ok((await api.query.session.currentIndex()).toNumber() >= session);
  const slot = api.createType('u64', base.digest.logs.find((l) => l.isPreRuntime).asPreRuntime[1]).toNumber();
  const proof = (signer) => ({
    offender: k.charlie.publicKey,
    slot,
    firstHeader: sealed(base, randomAsHex(32), signer),
    secondHeader: sealed(base, randomAsHex(32), signer),
  });
  const bondBefore = BigInt((await api.query.kdpos.candidates(k.charlie.address)).unwrap().bond.toString());

  // Bob signs in Charlie's name: the seal is not Charlie's.
  const forged = await submit(api, api.tx.kdpos.reportEquivocation(proof(k.bob)), k.ferdie);
  assert.equal(forged.error, 'BadSeal');
  assert.equal(BigInt((await api.query.kdpos.candidates(k.charlie.address)).unwrap().bond.toString()), bondBefore);

  const real = await submit(api, api.tx.kdpos.reportEquivocation(proof(k.charlie)), k.ferdie);
  assert.equal(real.error, null);
  const names = real.events.map(({ event }) => `${event.section}.${event.method}`);
  for (const e of ['kdpos.EquivocationReported', 'kdpos.Slashed', 'kdpos.Banned', 'kdpos.ProducerEvicted',
    'session.ValidatorDisabled']) {
    assert.ok(names.includes(e), `${e} in the block the proof landed (${names})`);
  }
  const bondAfter = BigInt((await api.query.kdpos.candidates(k.charlie.address)).unwrap().bond.toString());
  assert.equal(bondAfter, bondBefore - bondBefore / 10n, 'a tenth of the bond slashed');
  const charlie = await candidate(k.charlie);
  assert.equal(charlie.standing.class, 'Poor');
  assert.equal(charlie.standing.reason, 'Banned');
  assert.ok(charlie.bannedUntil > 0);

  // The replay: within the session it is a duplicate; the eviction's forced rotations start a new
  // session within two blocks, so by the time it lands it is usually stale as well.
  const replay = await submit(api, api.tx.kdpos.reportEquivocation(proof(k.charlie)), k.ferdie);
  assert.ok(['DuplicateReport', 'StaleProof'].includes(replay.error), `replay refused: ${replay.error}`);
  assert.equal(BigInt((await api.query.kdpos.candidates(k.charlie.address)).unwrap().bond.toString()), bondAfter);

  await waitFor('ferdie to replace charlie', async () => {
    const v = await validators();
    return v.includes(k.ferdie.address) && !v.includes(k.charlie.address);
  }, 60_000, 1_000);
});

test('votes for a Poor candidate count nothing and a whale is capped', async () => {
  const MED = 10n ** 12n;
  await Promise.all([
    submit(api, api.tx.kdpos.vote([k.charlie.address], 1_000n * MED), k.aliceStash),
    submit(api, api.tx.kdpos.vote([k.alice.address], 900_000n * MED), k.bobStash),
  ]).then((r) => r.forEach((x) => assert.equal(x.error, null)));
  const preview = (await api.call.kdposApi.preview()).toJSON().ok;
  const of = (who) => preview.candidates.find((c) => c.account === who.address);
  const charlie = of(k.charlie);
  assert.equal(charlie.class, 'Poor');
  assert.equal(charlie.eligible, false);
  assert.equal(BigInt(charlie.countedBacking), 0n, 'the vote for a Poor candidate counts nothing');
  const alice = of(k.alice);
  assert.ok(BigInt(alice.rawBacking) >= 900_000n * MED);
  assert.ok(BigInt(alice.countedBacking) < BigInt(alice.rawBacking), 'the whale is capped');
  assert.ok(alice.cappedBy, 'with the cap named');
  const eligible = (await api.call.kdposApi.eligible()).map((a) => a.toString());
  assert.ok(!eligible.includes(k.charlie.address) && eligible.includes(k.alice.address));
});

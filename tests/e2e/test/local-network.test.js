// The network of scripts/testnet.sh (six hospitals, four producing): every producer authors,
// GRANDPA finalizes, finality survives one crashed producer (3 of 4 > 2/3; K-DPoS then replaces
// it, see kdpos.test.js), and the crashed node comes back on its own data and catches up.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect, testnet, tempDir, removeDir, waitFor, headers, sleep } from '../lib/node.js';

const BASE = 31333; // p2p 31333.., rpc 31433.., prometheus 31533..
const rpcOf = (i) => BASE + 100 + i;
let dir;
let alice;

const finalizedNumber = async (api) =>
  (await api.rpc.chain.getHeader(await api.rpc.chain.getFinalizedHead())).number.toNumber();
const bestNumber = async (api) => (await api.rpc.chain.getHeader()).number.toNumber();

before(async () => {
  dir = tempDir('testnet');
  testnet('start', '--dir', dir, '--port-base', String(BASE));
  alice = await connect(rpcOf(0));
  await waitFor('the other nodes to peer', async () => (await alice.rpc.system.health()).peers.toNumber() >= 3,
    120_000);
});

after(async () => {
  await alice?.disconnect();
  if (dir) {
    try { testnet('stop', '--dir', dir); } finally { removeDir(dir); }
  }
});

test('all four validators author blocks', async () => {
  const validators = (await alice.query.session.validators()).map((v) => v.toString());
  assert.equal(validators.length, 4, 'the local preset has four validators');
  const authors = new Set();
  await waitFor('every validator to author a block', async () => {
    const [h] = await headers(alice, 1);
    const header = await alice.derive.chain.getHeader(h.hash);
    if (header?.author) authors.add(header.author.toString());
    return validators.every((v) => authors.has(v));
  }, 120_000, 0);
  assert.deepEqual([...authors].sort(), [...validators].sort());
});

test('finality follows the head within 2 blocks', async () => {
  const lags = [];
  for (let i = 0; i < 8; i++) {
    const [h] = await headers(alice, 1);
    await sleep(1_000);
    lags.push(h.number.toNumber() - (await finalizedNumber(alice)));
  }
  lags.sort((a, b) => a - b);
  const median = lags[Math.floor(lags.length / 2)];
  assert.ok(median <= 2, `median finality lag ${median} blocks (samples ${lags})`);
});

test('a crashed validator does not stop finality and resyncs on its own data', async () => {
  const dave = await connect(rpcOf(3));
  const daveFinalizedBefore = await finalizedNumber(dave);
  const daveHashBefore = (await dave.rpc.chain.getBlockHash(daveFinalizedBefore)).toHex();
  await dave.disconnect();

  testnet('kill', 'dave', '--dir', dir);
  const atKill = await finalizedNumber(alice);
  await waitFor('finality to advance by 5 blocks with three validators', async () =>
    (await finalizedNumber(alice)) >= atKill + 5, 90_000);

  testnet('restart', 'dave', '--dir', dir);
  const back = await connect(rpcOf(3));
  try {
    // Its database survived SIGKILL: the block it had finalized is still there, unchanged.
    assert.equal((await back.rpc.chain.getBlockHash(daveFinalizedBefore)).toHex(), daveHashBefore);
    const target = await bestNumber(alice);
    await waitFor(`dave to catch up to block ${target}`, async () => (await finalizedNumber(back)) >= target - 2,
      120_000);
    assert.ok((await finalizedNumber(back)) > daveFinalizedBefore);
  } finally {
    await back.disconnect();
  }
});

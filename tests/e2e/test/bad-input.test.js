// Bad input to medchain-node: a one-line error naming the problem, a non-zero exit, no data
// touched; and a node killed with SIGKILL keeps every finalized block.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdirSync, readdirSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { runNode, tempDir, removeDir, startDev, stop, connect, waitFor } from '../lib/node.js';

const errorLine = (out) => out.split('\n').find((l) => /error/i.test(l)) || out;

test('an unknown chain name is refused with the names that work', async () => {
  const dir = tempDir('bad-chain');
  try {
    const { code, out } = await runNode(['--chain', 'no-such-chain', '--base-path', dir]);
    assert.notEqual(code, 0);
    assert.match(errorLine(out), /unknown chain 'no-such-chain'.*--chain dev, --chain local/);
    assert.deepEqual(readdirSync(dir), [], 'nothing was written');
  } finally { removeDir(dir); }
});

test('a garbled chain spec file is refused and named', async () => {
  const dir = tempDir('bad-spec');
  try {
    const spec = join(dir, 'spec.json');
    writeFileSync(spec, '{"name": "half a chain spec",');
    const { code, out } = await runNode(['--chain', spec, '--base-path', join(dir, 'db')]);
    assert.notEqual(code, 0);
    assert.match(errorLine(out), /chain spec '.*spec.json' cannot be read/);
    assert.ok(!existsSync(join(dir, 'db')), 'no database was created');
  } finally { removeDir(dir); }
});

test('an RPC port in use is refused and named', async () => {
  const server = createServer().listen(19955, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const dir = tempDir('port');
  try {
    const { code, out } = await runNode(['--dev', '--base-path', dir, '--rpc-port', '19955', '--port', '19356',
      '--no-prometheus', '--no-telemetry'], 120_000);
    assert.notEqual(code, 0);
    assert.match(errorLine(out), /RPC port 19955 on 127\.0\.0\.1 is already in use.*--rpc-port/);
  } finally {
    server.close();
    removeDir(dir);
  }
});

test('a base path the node cannot write is refused and named', async () => {
  const dir = tempDir('base');
  try {
    const file = join(dir, 'not-a-directory');
    writeFileSync(file, 'x');
    const { code, out } = await runNode(['--dev', '--base-path', join(file, 'db'), '--rpc-port', '19966',
      '--port', '19357', '--no-prometheus', '--no-telemetry']);
    assert.notEqual(code, 0);
    assert.match(out, /cannot write the base path '.*not-a-directory\/db'.*--base-path/);
  } finally { removeDir(dir); }
});

test('a node killed with SIGKILL restarts with all its finalized blocks', async () => {
  const dir = tempDir('crash');
  mkdirSync(join(dir, 'db'));
  const opts = { rpcPort: 19977, p2pPort: 19358, basePath: join(dir, 'db') };
  let node = startDev(opts);
  let api;
  try {
    api = await connect(opts.rpcPort, { child: node });
    const finalized = await waitFor('5 finalized blocks', async () => {
      const h = await api.rpc.chain.getHeader(await api.rpc.chain.getFinalizedHead());
      return h.number.toNumber() >= 5 ? h : null;
    }, 60_000);
    await api.disconnect();
    api = null;
    await stop(node, 'SIGKILL');

    node = startDev(opts);
    api = await connect(opts.rpcPort, { child: node });
    const hash = await api.rpc.chain.getBlockHash(finalized.number.toNumber());
    assert.equal(hash.toHex(), finalized.hash.toHex(), 'the finalized block survived the crash');
    const after = await api.rpc.chain.getHeader(await api.rpc.chain.getFinalizedHead());
    assert.ok(after.number.toNumber() >= finalized.number.toNumber(), 'finality did not go back');
  } finally {
    await api?.disconnect();
    await stop(node);
    removeDir(dir);
  }
});

// Bad input to medchain-node: a one-line error naming the problem, a non-zero exit, no data
// touched; and a node killed with SIGKILL keeps every finalized block.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdirSync, readdirSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { runNode, tempDir, removeDir, startDev, stop, connect, waitFor, NODE_BIN } from '../lib/node.js';

const errorLine = (out) => out.split('\n').find((l) => /error/i.test(l)) || out;

/** Runs the node until its output matches `until` (then kills it), it exits, or `timeoutMs`. */
function runUntil(args, until, timeoutMs = 120_000) {
  return new Promise((resolve) => {
    const child = spawn(NODE_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let matched = false;
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const read = (d) => {
      out += d;
      if (!matched && until.test(out)) {
        matched = true;
        child.kill('SIGKILL');
      }
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    child.on('exit', () => {
      clearTimeout(timer);
      resolve({ matched, out });
    });
  });
}

test('an unknown chain name is refused with the names that work', async () => {
  const dir = tempDir('bad-chain');
  try {
    const { code, out } = await runNode(['--chain', 'no-such-chain', '--base-path', dir]);
    assert.notEqual(code, 0);
    assert.match(errorLine(out), /unknown chain 'no-such-chain'.*--chain dev, --chain local/);
    assert.deepEqual(readdirSync(dir), [], 'nothing was written');
  } finally { removeDir(dir); }
});

test('a validator holding a development key on the Live chain is warned by name, on a local chain not', async () => {
  // The framing attack of issue 18 needed one key on two chains; //Alice is on every dev chain.
  const live = tempDir('devkey-live');
  const local = tempDir('devkey-local');
  const common = ['--alice', '--no-prometheus', '--no-telemetry', '--no-mdns',
    '--unsafe-force-node-key-generation'];
  // The informant's first line comes after the check (which runs once the keystore is filled).
  const running = /Idle \(|Syncing|Imported #/;
  try {
    const [onLive, onLocal] = await Promise.all([
      runUntil(['--chain', 'consortium', '--base-path', live, '--rpc-port', '19391', '--port', '19392',
        ...common], running),
      runUntil(['--chain', 'local', '--base-path', local, '--rpc-port', '19393', '--port', '19394',
        ...common], running),
    ]);
    assert.ok(onLive.matched && onLocal.matched, `both nodes started:\n${onLive.out}\n${onLocal.out}`);
    assert.match(onLive.out,
      /holds the well-known development key \/\/Alice \(aura\) on the Live chain 'medchain consortium'/);
    assert.match(onLive.out, /development key \/\/Alice \(gran\)/);
    assert.doesNotMatch(onLocal.out, /well-known development key/);
  } finally {
    removeDir(live);
    removeDir(local);
  }
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

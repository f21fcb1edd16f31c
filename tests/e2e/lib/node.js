// Starts medchain nodes through the project's scripts and connects @polkadot/api to them.
// Every helper cleans up what it started; tests use their own loopback ports and data dirs. The
// ports are fixed and below 32768, outside Linux's ephemeral range (ip_local_port_range), so no
// outgoing connection of a test running beside can hold one when its server starts.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiPromise, WsProvider } from '@polkadot/api';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const SCRIPTS = join(ROOT, 'scripts');
const TARGET = process.env.CARGO_TARGET_DIR || join(process.env.HOME, '.cache/medchain/target');
export const NODE_BIN = process.env.MEDCHAIN_NODE || join(TARGET, 'release/medchain-node');
/** The `medchain` command line. */
export const CLI_BIN = process.env.MEDCHAIN_CLI || join(TARGET, 'release/medchain');

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function tempDir(prefix) {
  return mkdtempSync(join(tmpdir(), `medchain-${prefix}-`));
}

export function removeDir(dir) {
  rmSync(dir, { recursive: true, force: true });
}

/** Polls `check` until it returns a truthy value or `timeoutMs` passes. */
export async function waitFor(what, check, timeoutMs, intervalMs = 500) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      const v = await check();
      if (v) return v;
    } catch (e) {
      if (e.fatal) throw e;
      last = e;
    }
    await sleep(intervalMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last.message}` : ''}`);
}

/**
 * Connects to a node's RPC, retrying while it starts. No custom types: what Apps sees.
 * With `child`, fails at once (with the node's log) if that process exits first.
 */
export async function connect(port, { timeoutMs = 120_000, child } = {}) {
  return waitFor(
    `RPC on port ${port}`,
    async () => {
      if (child && (child.exitCode !== null || child.signalCode !== null)) {
        throw Object.assign(new Error(`the node exited (${child.exitCode ?? child.signalCode}):\n${child.logTail()}`),
          { fatal: true });
      }
      const provider = new WsProvider(`ws://127.0.0.1:${port}`, false);
      try {
        await provider.connect();
        await waitFor('socket open', () => provider.isConnected, 3_000, 100);
        return await ApiPromise.create({ provider, throwOnConnect: true, noInitWarn: true });
      } catch (e) {
        await provider.disconnect().catch(() => {});
        throw e;
      }
    },
    timeoutMs,
    1_000,
  );
}

/** A dev chain started by scripts/start.sh (one validator, Alice). */
export function startDev({ rpcPort, p2pPort, basePath, ipfsPort }) {
  // The tests that use the portal serve it themselves.
  const args = ['--no-portal', '--', '--rpc-port', String(rpcPort), '--port', String(p2pPort), '--no-prometheus',
    '--no-telemetry'];
  // The embedded IPFS API is on by default with --dev: on the test's own port, or off.
  args.push(...(ipfsPort ? ['--ipfs-api', `127.0.0.1:${ipfsPort}`] : ['--no-ipfs-api']));
  if (basePath) args.push('--base-path', basePath);
  const child = spawn('bash', [join(SCRIPTS, 'start.sh'), ...args], {
    env: { ...process.env, MEDCHAIN_NO_BUILD: '1', MEDCHAIN_NODE: NODE_BIN },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr.on('data', (d) => { log = (log + d).slice(-20_000); });
  child.logTail = () => log;
  return child;
}

/** Stops a process and waits for it to exit. */
export async function stop(child, signal = 'SIGINT') {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}

/** Runs scripts/testnet.sh with the given arguments. */
export function testnet(...args) {
  return execFileSync('bash', [join(SCRIPTS, 'testnet.sh'), ...args], {
    env: { ...process.env, MEDCHAIN_NODE: NODE_BIN },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Runs medchain-node to completion and returns its exit code and output. */
export function runNode(args, timeoutMs = 60_000) {
  return new Promise((resolve) => {
    const child = spawn(NODE_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, out });
    });
  });
}

/** Resolves with the next `count` headers (best or finalized) a subscription yields. */
export async function headers(api, count, { finalized = false } = {}) {
  const seen = [];
  return new Promise((resolve, reject) => {
    const sub = finalized ? api.rpc.chain.subscribeFinalizedHeads : api.rpc.chain.subscribeNewHeads;
    let unsub;
    sub((h) => {
      seen.push(h);
      if (seen.length >= count && unsub) {
        unsub();
        resolve(seen);
      }
    }).then((u) => { unsub = u; if (seen.length >= count) { u(); resolve(seen); } }, reject);
  });
}

/**
 * Signs and submits `tx`, resolving once it is in a block (or finalized, with `finalized`) with
 * the block hash, its events and the name of the error it failed with (null when it succeeded).
 * `nonce` signs with that nonce, so that many transactions of one account go out at once.
 */
export function submit(api, tx, signer, { finalized = false, nonce } = {}) {
  return new Promise((resolve, reject) => {
    let unsub;
    let done = false;
    tx.signAndSend(signer, nonce === undefined ? {} : { nonce }, ({ status, events, dispatchError }) => {
      // A transaction the pool drops never lands: say so rather than wait for ever.
      if (!done && (status.isInvalid || status.isDropped || status.isUsurped)) {
        done = true;
        unsub?.();
        reject(new Error(`${tx.method.section}.${tx.method.method}: ${status.type}`));
        return;
      }
      const at = finalized ? status.isFinalized && status.asFinalized : status.isInBlock && status.asInBlock;
      if (!at || done) return;
      done = true;
      unsub?.();
      let error = null;
      if (dispatchError) {
        error = dispatchError.isModule ? api.registry.findMetaError(dispatchError.asModule).name : dispatchError.toString();
      }
      resolve({ blockHash: at, events, error });
    }).then((u) => { unsub = u; if (done) u(); }, reject);
  });
}

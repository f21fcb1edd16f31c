// Starts `medchain ipfs serve` and computes reference CIDs with ipfs-unixfs-importer, the
// JavaScript UnixFS importer whose CIDs match kubo's: an implementation independent of ours.
import { spawn } from 'node:child_process';
import { importBytes } from 'ipfs-unixfs-importer';
import { MemoryBlockstore } from 'blockstore-core';
import { create } from 'kubo-rpc-client';
import { CLI_BIN, waitFor } from './node.js';

/** kubo's `ipfs add --cid-version=1` and plain `ipfs add`, as import options of both sides. */
export const PROFILES = {
  v1: { cidVersion: 1, rawLeaves: true },
  v0: { cidVersion: 0, rawLeaves: false },
};

/**
 * The reference import of `bytes`: its root CID and every block it is made of.
 */
export async function reference(bytes, profile) {
  const store = new MemoryBlockstore();
  const js = profile.cidVersion === 0 ? { profile: 'unixfs-v0-2015' } : { cidVersion: 1, rawLeaves: true };
  const { cid, size } = await importBytes(bytes, store, js);
  const blocks = [];
  for await (const { cid: key, bytes: chunks } of store.getAll()) {
    const parts = [];
    for await (const part of chunks) parts.push(part);
    blocks.push({ cid: key, bytes: Buffer.concat(parts) });
  }
  return { cid: cid.toString(), size: Number(size), blocks };
}

/** Deterministic pseudo-random bytes (xorshift32), so a failure can be reproduced. */
export function randomBytes(length, seed) {
  const out = Buffer.alloc(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

/**
 * Starts `medchain ipfs serve` on `port` over the store in `repo`, with `args` (access rules such
 * as `--unpin`); resolves once it answers.
 */
export async function serveIpfs({ port, repo, args = [] }) {
  const child = spawn(CLI_BIN, ['ipfs', 'serve', '--api', `127.0.0.1:${port}`, '--repo', repo, ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr.on('data', (d) => { log = (log + d).slice(-20_000); });
  child.logTail = () => log;
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`the IPFS API on port ${port}`, async () => {
    if (child.exitCode !== null) {
      throw Object.assign(new Error(`medchain ipfs serve exited (${child.exitCode}):\n${log}`), { fatal: true });
    }
    const res = await fetch(`${url}/api/v0/version`, { method: 'POST' });
    return res.ok;
  }, 30_000, 100);
  return { child, url, client: create({ url }) };
}

/** Concatenates an async iterable of byte arrays. */
export async function collect(iterable) {
  const parts = [];
  for await (const part of iterable) parts.push(part);
  return Buffer.concat(parts);
}

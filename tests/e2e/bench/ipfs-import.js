// CID computation and add throughput for 100 MiB: medchain-ipfs next to ipfs-unixfs-importer (the
// npm reference whose CIDs match kubo's), on the same bytes in one run. CIDv1, raw leaves, 256 KiB
// chunks, 174 links: both must print the same CID.
//   node bench/ipfs-import.js      (scripts/bench.sh --ipfs builds the CLI first)
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { importBytes } from 'ipfs-unixfs-importer';
import { BlackHoleBlockstore, MemoryBlockstore } from 'blockstore-core';
import { CLI_BIN, tempDir, removeDir } from '../lib/node.js';
import { randomBytes } from '../lib/ipfs.js';

const SIZE = 100 * 1024 * 1024;
const RUNS = 3;
const dir = tempDir('ipfs-bench');
const file = join(dir, 'data.bin');
const bytes = randomBytes(SIZE, 2026);
writeFileSync(file, bytes);

function best(times) { return Math.min(...times); }
const mibs = (ms) => (SIZE / 1024 / 1024 / (ms / 1000)).toFixed(0);

async function timeJs(store) {
  const times = [];
  let cid;
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    ({ cid } = await importBytes(bytes, store(), { cidVersion: 1, rawLeaves: true }));
    times.push(performance.now() - t0);
  }
  return { cid: cid.toString(), ms: best(times) };
}

function timeCli(args) {
  const times = [];
  let cid;
  for (let i = 0; i < RUNS; i++) {
    const repo = join(dir, `repo-${i}`);
    const t0 = performance.now();
    cid = execFileSync(CLI_BIN, ['ipfs', 'add', file, '--repo', repo, ...args]).toString().trim();
    times.push(performance.now() - t0);
    removeDir(repo);
  }
  return { cid, ms: best(times) };
}

try {
  const rows = [
    ['CID only', 'ipfs-unixfs-importer (npm)', await timeJs(() => new BlackHoleBlockstore())],
    ['CID only', 'medchain ipfs add --only-hash', timeCli(['--only-hash'])],
    ['add', 'ipfs-unixfs-importer into memory', await timeJs(() => new MemoryBlockstore())],
    ['add', 'medchain ipfs add (on disk, synced)', timeCli([])],
  ];
  console.log(`100 MiB, best of ${RUNS} (the CLI's time includes starting the process and reading the file)`);
  for (const [what, who, { cid, ms }] of rows) {
    console.log(`${what.padEnd(9)} ${who.padEnd(38)} ${ms.toFixed(0).padStart(6)} ms  ${mibs(ms).padStart(5)} MiB/s  ${cid}`);
  }
  const cids = new Set(rows.map(([, , r]) => r.cid));
  if (cids.size !== 1) throw new Error(`the implementations disagree: ${[...cids].join(' ')}`);
} finally {
  removeDir(dir);
}

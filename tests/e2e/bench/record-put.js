// Encrypt + add + register end to end for 100 MiB through the `medchain` CLI against a dev node with
// its embedded IPFS API: `record put` (XChaCha20-Poly1305 stream, upload, CID check, createRecord
// finalized) and `get` (download, CID check, decrypt, SHA-256 check, logAccess finalized).
//   node bench/record-put.js      (scripts/bench.sh --ipfs builds the node and CLI first)
import { execFileSync } from 'node:child_process';
import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { CLI_BIN, connect, removeDir, startDev, stop, submit, tempDir } from '../lib/node.js';
import { randomBytes } from '../lib/ipfs.js';
import { startKeyserver } from '../lib/keyserver.js';

const SIZE = 100 * 1024 * 1024;
const RPC = 19990;
const IPFS = 35301;
const base = tempDir('put-bench-node');
const home = tempDir('put-bench-home');
const node = startDev({ rpcPort: RPC, p2pPort: 19390, basePath: base, ipfsPort: IPFS });
const KEYSERVER = 35302;
const cli = (...args) => JSON.parse(execFileSync(CLI_BIN, ['--json', '--url', `ws://127.0.0.1:${RPC}`,
  '--ipfs', `http://127.0.0.1:${IPFS}`, ...args], {
  env: { ...process.env, MEDCHAIN_HOME: home, MEDCHAIN_PASSPHRASE: 'bench', MEDCHAIN_KEYSERVER: `http://127.0.0.1:${KEYSERVER}` },
}).toString().trim().split('\n').pop());
let keyserver;

try {
  await cryptoWaitReady();
  const api = await connect(RPC, { child: node });
  const accounts = {};
  for (const [name, uri] of [['hospital', '//Bob'], ['patient', '//Dave']]) {
    accounts[name] = cli('key', 'import', '--name', name, '--suri', uri).account;
  }
  const alice = new Keyring({ type: 'sr25519' }).addFromUri('//Alice');
  await submit(api, api.tx.sudo.sudo(api.tx.medicalRecords.registerOrganisation(accounts.hospital)), alice,
    { finalized: true });
  await api.disconnect();
  // The hospital's key service, which tags the record's type.
  keyserver = await startKeyserver({ dir: join(home, 'keyserver'), url: `ws://127.0.0.1:${RPC}`, org: 0, port: KEYSERVER });
  cli('--as', 'hospital', 'org', 'set-key', '--org', '0');
  cli('--as', 'patient', 'key', 'register');
  cli('--as', 'patient', 'care', 'grant', '0', '--own-account');

  const file = join(home, 'data.bin');
  const bytes = randomBytes(SIZE, 77);
  writeFileSync(file, bytes);
  let t0 = performance.now();
  const put = cli('--as', 'hospital', 'record', 'put', file, '--patient', accounts.patient, '--type', 'loinc:11506-3', '--org', '0');
  const putMs = performance.now() - t0;
  t0 = performance.now();
  const out = join(home, 'back.bin');
  cli('--as', 'patient', 'get', String(put.record), '-o', out);
  const getMs = performance.now() - t0;
  if (!readFileSync(out).equals(bytes)) throw new Error('the file read back differs');
  const mibs = (ms) => (SIZE / 1024 / 1024 / (ms / 1000)).toFixed(1);
  console.log('100 MiB through the medchain CLI, dev node with its embedded IPFS API (one run):');
  console.log(`record put (encrypt + add + createRecord finalized): ${(putMs / 1000).toFixed(1)} s, ${mibs(putMs)} MiB/s`);
  console.log(`get (download + verify + decrypt + logAccess finalized): ${(getMs / 1000).toFixed(1)} s, ${mibs(getMs)} MiB/s`);
} finally {
  if (keyserver) await stop(keyserver.child);
  await stop(node);
  removeDir(base);
  removeDir(home);
}

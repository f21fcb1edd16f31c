// A hospital's key service for the live tests (`medchain keyserver init` and `serve`), and requests
// to it made by hand, as an attacker with their own keys would make them.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { u8aConcat, u8aToHex, hexToU8a } from '@polkadot/util';
import { decodeAddress } from '@polkadot/util-crypto';
import { CLI_BIN, waitFor } from './node.js';

/**
 * Makes the organisation's key in `dir` and serves it on `port` for organisation `org` of the chain
 * at `url` (and `consortiumOrg` of the chain at `consortium`, when given). Resolves with the child,
 * its URL, its public key, the key file's secret (for the tests' own checks) and a reader of its
 * release log.
 */
export async function startKeyserver({ dir, url, org, port, consortium, consortiumOrg }) {
  await new Promise((resolve, reject) => {
    const init = spawn(CLI_BIN, ['--json', 'keyserver', 'init', '--dir', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    init.stderr.on('data', (d) => { err += d; });
    init.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`keyserver init failed:\n${err}`))));
  });
  const args = ['--url', url, 'keyserver', 'serve', '--dir', dir, '--org', String(org), '--listen', `127.0.0.1:${port}`];
  if (consortium) args.push('--consortium', consortium, '--consortium-org', String(consortiumOrg));
  const child = spawn(CLI_BIN, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.on('data', (d) => { log = (log + d).slice(-20_000); });
  child.logTail = () => log;
  const base = `http://127.0.0.1:${port}`;
  let info;
  await waitFor(`the key service on port ${port}`, async () => {
    if (child.exitCode !== null) {
      throw Object.assign(new Error(`medchain keyserver serve exited (${child.exitCode}):\n${log}`), { fatal: true });
    }
    const res = await fetch(`${base}/v1/info`);
    if (res.ok) info = await res.json();
    return res.ok;
  }, 60_000, 200);
  return {
    child,
    url: base,
    publicKey: info.public_key,
    secret: hexToU8a(`0x${readFileSync(join(dir, 'org.key'), 'utf8').trim()}`),
    releases: () => {
      try {
        return readFileSync(join(dir, 'releases.jsonl'), 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
      } catch {
        return [];
      }
    },
  };
}

const le = (n, bytes) => {
  const out = new Uint8Array(bytes);
  let v = BigInt(n);
  for (let i = 0; i < bytes; i++) { out[i] = Number(v & 0xffn); v >>= 8n; }
  return out;
};

/** The bytes a reader signs to open `record` (keyserver/protocol.rs, `open_message`). */
export function openMessage(genesis, org, record, challenge) {
  return u8aConcat(new TextEncoder().encode('medchain/keyserver/v1/open'), hexToU8a(genesis), le(org, 4), le(record, 8), challenge);
}

/** A fresh challenge from the service at `url`. */
export async function challenge(url) {
  const res = await fetch(`${url}/v1/challenge`, { method: 'POST' });
  return hexToU8a(`0x${(await res.json()).challenge}`);
}

/**
 * POSTs `call` to the service at `url` for `pair`, with `fields`, the challenge `c` and the
 * signature `signature`. Resolves with the HTTP status and the body.
 */
async function signedPost(url, call, { pair, genesis, fields, c, signature }) {
  const res = await fetch(`${url}/v1/${call}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      account: pair.address,
      genesis: genesis.replace(/^0x/, ''),
      ...fields,
      challenge: u8aToHex(c, -1, false),
      signature: u8aToHex(signature, -1, false),
    }),
  });
  return { status: res.status, body: await res.json() };
}

/**
 * Asks the service at `url` for `record`'s key as `pair` (a keyring pair) would, signing with
 * `signer` (the same pair unless told), over `challengeBytes` (a fresh one unless told), for
 * organisation `signedOrg` (the service's unless told). Resolves with the HTTP status and the body.
 */
export async function askOpen(url, { pair, genesis, org, record, signer = pair, challengeBytes, signedOrg = org }) {
  const c = challengeBytes ?? await challenge(url);
  const signature = signer.sign(openMessage(genesis, signedOrg, record, c));
  return { ...await signedPost(url, 'open', { pair, genesis, fields: { record }, c, signature }), challenge: c };
}

/** A record type in SCALE (system index, code u64 LE), as the tag message holds it. */
function typeBytes({ system, code }) {
  return u8aConcat([['Loinc', 'Snomed', 'Local'].indexOf(system)], le(code, 8));
}

/**
 * Asks the service at `url` for the tag of `type` ({ system, code }, sent as `text`) for `patient`
 * (SS58) as `pair` would, signing with `signer` (the same pair unless told). Resolves with the HTTP
 * status and the body.
 */
export async function askTag(url, { pair, genesis, org, patient, type, text, signer = pair }) {
  const c = await challenge(url);
  const message = u8aConcat(new TextEncoder().encode('medchain/keyserver/v1/tag'), hexToU8a(genesis), le(org, 4),
    decodeAddress(patient), typeBytes(type), c);
  return signedPost(url, 'tag', { pair, genesis, fields: { patient, record_type: text }, c, signature: signer.sign(message) });
}

// A real browser for the portal's tests: Debian's chromium (scripts/setup.sh installs it) driven
// by playwright-core, headless. No tool downloads a browser of its own. The portal is served by
// `medchain portal serve`, as users run it.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { CLI_BIN, ROOT, waitFor } from './node.js';

export const PORTAL_DIST = join(ROOT, 'portal', 'dist');
export const SCREENSHOTS = join(ROOT, 'tests', 'e2e', 'screenshots');

/**
 * Starts `medchain portal serve` on 127.0.0.1:`port` for the node at `rpc` and the IPFS API at
 * `ipfs` (and the key service at `keyserver`, when given); resolves with the process once it answers.
 */
export async function portalServe({ port, rpc, ipfs, allowConnect = [], keyserver }) {
  const child = spawn(CLI_BIN, ['--url', rpc, '--ipfs', ipfs, ...(keyserver ? ['--keyserver', keyserver] : []), 'portal', 'serve', '--dir', PORTAL_DIST,
    '--listen', `127.0.0.1:${port}`, ...allowConnect.flatMap((u) => ['--allow-connect', u])],
  { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.on('data', (d) => { log += d; });
  await waitFor(`the portal on port ${port}`, async () => {
    if (child.exitCode !== null) throw Object.assign(new Error(`portal serve exited: ${log}`), { fatal: true });
    return (await fetch(`http://127.0.0.1:${port}/medchain-portal.json`)).ok;
  }, 20_000, 200);
  return child;
}

export function launch() {
  return chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox'] });
}

/**
 * Records everything a page sends: request bodies (HTTP) and WebSocket frames (the node's RPC).
 * `sent.all()` is the list of payloads as Buffers.
 */
export function recordSent(page) {
  const payloads = [];
  page.on('request', (request) => {
    const body = request.postDataBuffer();
    if (body) payloads.push(body);
  });
  page.on('websocket', (ws) => {
    ws.on('framesent', ({ payload }) => payloads.push(Buffer.from(payload)));
  });
  return {
    all: () => payloads,
    /** How many extrinsics the page has submitted so far. */
    submissions: () => payloads.filter((p) => p.includes('author_submit')).length,
  };
}

// Attacks on what crosses the HTTP boundary, played as the attacker would over real HTTP: a web page
// opened on a validator's machine that posts to the IPFS API on 127.0.0.1 (its browser adds the
// page's Origin), a DNS-rebinding page that reaches 127.0.0.1 under its own domain, and a caller
// who sends an endless block. `medchain ipfs serve` and the node's embedded API serve the same
// router; both are played.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { readFileSync } from 'node:fs';
import { tempDir, removeDir, stop, startDev, waitFor } from '../lib/node.js';
import { serveIpfs, randomBytes } from '../lib/ipfs.js';
import { rawCid } from '../lib/sealed.js';
import { CID } from 'multiformats/cid';

const cidOf = (bytes) => CID.decode(rawCid(bytes)).toString();

const PLAIN = 25401; // default rules
const OPEN = 25402; // the portal's origin allowed, pin/rm turned on
const NODE_IPFS = 25403;
const MIB = 1024 * 1024;
const EVIL = 'https://evil.example';
let plain;
let open;
let node;
const dirs = [];

/** A POST as a browser or a script sends it, with the headers we choose (Host included). */
function post(port, path, { headers = {}, body, stream } = {}) {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: `/api/v0/${path}`, method: 'POST', headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString() }));
    });
    // The server may answer and close before a long body is sent: that is the point.
    req.on('error', (e) => (['EPIPE', 'ECONNRESET'].includes(e.code)
      ? resolve({ status: null, error: e.code, sent: req.socket?.bytesWritten })
      : reject(e)));
    if (stream) stream(req);
    else req.end(body);
  });
}

const BOUNDARY = 'medchainattackboundary';
const partHead = Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="data"; filename="blob"\r\n`
  + 'Content-Type: application/octet-stream\r\n\r\n');
const partTail = Buffer.from(`\r\n--${BOUNDARY}--\r\n`);
const multipart = { 'Content-Type': `multipart/form-data; boundary=${BOUNDARY}` };

async function pinned(port, cid) {
  const r = await post(port, `pin/ls?arg=${cid}`);
  return r.status === 200;
}

before(async () => {
  const [a, b, c] = [tempDir('attack-plain'), tempDir('attack-open'), tempDir('attack-node')];
  dirs.push(a, b, c);
  plain = await serveIpfs({ port: PLAIN, repo: a });
  open = await serveIpfs({ port: OPEN, repo: b, args: ['--allow-origin', 'http://127.0.0.1:8080', '--unpin'] });
  node = startDev({ rpcPort: 19411, p2pPort: 19412, basePath: c, ipfsPort: NODE_IPFS });
  await waitFor('the node\'s IPFS API', async () => (await post(NODE_IPFS, 'version').catch(() => ({}))).status === 200,
    120_000, 250);
});

after(async () => {
  for (const s of [plain, open]) if (s) await stop(s.child);
  if (node) await stop(node);
  for (const d of dirs) removeDir(d);
});

/** Stores and pins a block on `port`, as a hospital's client would; returns its CID. */
async function storedBlock(port, seed) {
  const data = randomBytes(4096, seed);
  const r = await post(port, 'block/put?pin=true', { headers: multipart, body: Buffer.concat([partHead, data, partTail]) });
  assert.equal(r.status, 200, r.body);
  return JSON.parse(r.body).Key;
}

test('a page of another origin gets 403 for every call and unpins nothing', async () => {
  for (const port of [PLAIN, OPEN, NODE_IPFS]) {
    const cid = await storedBlock(port, port);
    for (const call of [`pin/rm?arg=${cid}`, `cat?arg=${cid}`, `block/get?arg=${cid}`, 'version', 'add']) {
      const r = await post(port, call, { headers: { Origin: EVIL } });
      assert.equal(r.status, 403, `${port} ${call}: ${r.body}`);
      assert.match(JSON.parse(r.body).Message, /pages from https:\/\/evil\.example may not call this API/);
    }
    assert.ok(await pinned(port, cid), `${port}: the record's block is still pinned`);
  }
  // The allowed origin is served.
  const r = await post(OPEN, 'version', { headers: { Origin: 'http://127.0.0.1:8080' } });
  assert.equal(r.status, 200, r.body);
});

test('a DNS-rebinding page, which names its own domain as Host, gets 403', async () => {
  for (const port of [PLAIN, NODE_IPFS]) {
    const cid = await storedBlock(port, port + 1);
    const host = `rebind.evil.example:${port}`;
    for (const headers of [{ Host: host, Origin: `http://${host}` }, { Host: host }]) {
      const r = await post(port, `pin/rm?arg=${cid}`, { headers });
      assert.equal(r.status, 403, r.body);
      assert.match(JSON.parse(r.body).Message, /does not answer to host 'rebind\.evil\.example/);
    }
    assert.ok(await pinned(port, cid));
  }
});

test('pin/rm is refused unless turned on, so no caller makes GC delete a record', async () => {
  for (const port of [PLAIN, NODE_IPFS]) {
    const cid = await storedBlock(port, port + 2);
    const r = await post(port, `pin/rm?arg=${cid}`);
    assert.equal(r.status, 403, r.body);
    assert.match(JSON.parse(r.body).Message, /pin\/rm is turned off/);
    assert.ok(await pinned(port, cid));
  }
  const cid = await storedBlock(OPEN, 7);
  assert.equal((await post(OPEN, `pin/rm?arg=${cid}`)).status, 200);
  assert.ok(!(await pinned(OPEN, cid)));
});

test('block/put takes 1 MiB, refuses a byte more and never buffers an endless body', async () => {
  for (const port of [PLAIN, NODE_IPFS]) {
    const full = randomBytes(MIB, 21);
    const ok = await post(port, 'block/put', { headers: multipart, body: Buffer.concat([partHead, full, partTail]) });
    assert.equal(ok.status, 200, ok.body);
    assert.equal(JSON.parse(ok.body).Key, cidOf(full));

    const over = randomBytes(MIB + 1, 22);
    const r = await post(port, 'block/put', { headers: multipart, body: Buffer.concat([partHead, over, partTail]) });
    assert.equal(r.status, 400, r.body);
    assert.match(JSON.parse(r.body).Message, /block is over 1MiB/);
    const stat = await post(port, `block/stat?arg=${cidOf(over)}`);
    assert.notEqual(stat.status, 200, 'nothing of the refused block is stored');
  }
  // 256 MiB sent as one block: the server answers after its limit and its memory stays flat.
  const chunk = randomBytes(MIB, 23);
  const r = await post(PLAIN, 'block/put', {
    headers: { ...multipart, 'Transfer-Encoding': 'chunked' },
    stream: async (req) => {
      req.write(partHead);
      for (let i = 0; i < 256 && !req.destroyed; i++) {
        if (!req.write(chunk)) await new Promise((ok) => { req.once('drain', ok); req.once('close', ok); });
      }
      req.end(partTail);
    },
  });
  // Refused (400) or cut off (the server closes the connection) long before the end of the body.
  assert.ok(r.status === 400 || r.error, JSON.stringify(r));
  if (r.error) assert.ok(r.sent < 64 * MIB, `the server read ${(r.sent / MIB).toFixed(1)} MiB`);
  const peak = Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${plain.child.pid}/status`, 'utf8'))[1]) * 1024;
  assert.ok(peak < 64 * MIB, `the server peaked at ${(peak / MIB).toFixed(1)} MiB`);
});

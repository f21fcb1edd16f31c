// The embedded IPFS store against independent implementations: CIDs and every block byte for byte
// against ipfs-unixfs-importer, and the HTTP RPC API through kubo-rpc-client, the client that
// talks to kubo. A server is started by the test on its own port and store, with pin/rm turned on.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CID } from 'multiformats/cid';
import { tempDir, removeDir, stop, waitFor } from '../lib/node.js';
import { PROFILES, reference, randomBytes, serveIpfs, collect } from '../lib/ipfs.js';

const PORT = 25101;
const KIB = 1024;
const MIB = 1024 * KIB;
let repo;
let server;

before(async () => {
  repo = tempDir('ipfs');
  server = await serveIpfs({ port: PORT, repo, args: ['--unpin'] });
});

after(async () => {
  if (server) await stop(server.child);
  removeDir(repo);
});

/** Adds `bytes` through kubo-rpc-client with a profile's options. */
const add = (bytes, profile) => server.client.add(bytes, { ...profile, pin: true });

test('CIDs and every block match ipfs-unixfs-importer, CIDv1 raw leaves and CIDv0', async () => {
  // 0 and 1 byte, one chunk and one byte either side, several chunks, random lengths, and more than
  // 174 chunks (a second DAG level).
  const sizes = [0, 1, 256 * KIB - 1, 256 * KIB, 256 * KIB + 1, MIB, 3_141_593, 700_001, 45 * MIB];
  for (const [i, size] of sizes.entries()) {
    const bytes = randomBytes(size, 1000 + i);
    for (const [name, profile] of Object.entries(PROFILES)) {
      const expected = await reference(bytes, profile);
      const added = await add(bytes, profile);
      assert.equal(added.cid.toString(), expected.cid, `${name}, ${size} bytes: root CID`);
      assert.equal(added.size, expected.size, `${name}, ${size} bytes: cumulative size`);
      for (const block of expected.blocks) {
        const ours = await server.client.block.get(block.cid);
        assert.ok(Buffer.from(ours).equals(block.bytes), `${name}, ${size} bytes: block ${block.cid}`);
      }
      if (size <= MIB || size === 45 * MIB) {
        const back = await collect(server.client.cat(added.cid));
        assert.ok(back.equals(bytes), `${name}, ${size} bytes: cat returns the file`);
      }
    }
  }
});

test('only-hash computes the CID and stores nothing', async () => {
  const bytes = randomBytes(600 * KIB, 7);
  const expected = await reference(bytes, PROFILES.v1);
  const added = await server.client.add(bytes, { ...PROFILES.v1, onlyHash: true });
  assert.equal(added.cid.toString(), expected.cid);
  await assert.rejects(server.client.block.stat(added.cid), /not in this store/);
});

test('blocks, pins, id and version through kubo-rpc-client', async () => {
  const data = randomBytes(5000, 11);
  const cid = await server.client.block.put(data);
  assert.equal(cid.toString(), (await reference(data, PROFILES.v1)).cid, 'a raw block is its bytes');
  assert.deepEqual(await server.client.block.stat(cid), { cid, size: 5000 });

  await server.client.pin.add(cid);
  let pins = await collect((async function* () {
    for await (const p of server.client.pin.ls({ paths: [cid] })) yield Buffer.from(JSON.stringify(p));
  })());
  assert.match(pins.toString(), /recursive/);
  await server.client.pin.rm(cid);
  await assert.rejects(collect(server.client.pin.ls({ paths: [cid] })), /not pinned/);

  // A file's leaves are pinned indirectly through its root.
  const file = randomBytes(600 * KIB, 12);
  const { cid: root } = await add(file, PROFILES.v1);
  const listed = [];
  for await (const p of server.client.pin.ls()) listed.push([p.cid.toString(), p.type]);
  assert.ok(listed.some(([c, t]) => c === root.toString() && t === 'recursive'));
  // The reference store keys blocks by multihash (it lists them as raw CIDs): the leaves are
  // the blocks whose multihash is not the root's.
  const { blocks } = await reference(file, PROFILES.v1);
  const leaves = blocks.filter((b) => !Buffer.from(b.cid.multihash.bytes).equals(root.multihash.bytes));
  assert.equal(leaves.length, 3);
  for (const leaf of leaves) {
    assert.ok(listed.some(([c, t]) => c === leaf.cid.toString() && t === 'indirect'), `leaf ${leaf.cid}`);
  }

  const id = await server.client.id();
  assert.match(id.id.toString(), /^12D3KooW/);
  assert.match(id.agentVersion, /^medchain-ipfs\//);
  assert.ok((await server.client.version()).version);
});

test('bad input gets kubo error bodies and changes nothing', async () => {
  const missing = CID.parse('bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy');
  await assert.rejects(collect(server.client.cat(missing)), /not in this store/);
  await assert.rejects(server.client.add(randomBytes(10, 1), { cidVersion: 0, rawLeaves: true }),
    /raw leaves need CIDv1/);
  const res = await fetch(`${server.url}/api/v0/cat?arg=not-a-cid`, { method: 'POST' });
  assert.equal(res.status, 400);
  const body = await res.json();
  assert.equal(body.Type, 'error');
  assert.equal(body.Code, 1);
  assert.match(body.Message, /invalid path "not-a-cid"/);
  const get = await fetch(`${server.url}/api/v0/version`);
  assert.equal(get.status, 405, 'like kubo, commands are POST only');
  await assert.rejects(server.client.block.put(randomBytes(10, 2), { mhtype: 'sha1' }), /not supported/);
});

test('a server killed mid-upload leaves a store that reads back whole after restart', async () => {
  const bytes = randomBytes(40 * MIB, 99);
  const expected = await reference(bytes, PROFILES.v1);
  // Send the first 10 MiB of a multipart upload, hold the rest back, and kill -9 the server once
  // it has stored blocks of it: an add cut off in the middle of writing.
  const boundary = 'medchain-crash-test';
  const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\n`
    + 'Content-Type: application/octet-stream\r\n\r\n');
  const body = new ReadableStream({
    start(controller) {
      controller.enqueue(head);
      controller.enqueue(bytes.subarray(0, 10 * MIB));
    },
  });
  const upload = fetch(`${server.url}/api/v0/add?cid-version=1`, {
    method: 'POST', body, duplex: 'half',
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  }).catch((e) => e);
  const blocksDir = join(repo, 'blocks');
  const stored = () => readdirSync(blocksDir).reduce((n, shard) => n + readdirSync(join(blocksDir, shard)).length, 0);
  const before = stored();
  await waitFor('blocks of the upload on disk', () => stored() >= before + 20, 30_000, 20);
  server.child.kill('SIGKILL');
  await upload;
  await new Promise((r) => (server.child.exitCode !== null || server.child.signalCode !== null ? r() : server.child.once('exit', r)));

  server = await serveIpfs({ port: PORT, repo, args: ['--unpin'] });
  assert.equal(readdirSync(join(repo, 'tmp')).length, 0, 'half-written files are cleared on open');
  const pinned = [];
  for await (const p of server.client.pin.ls({ type: 'recursive' })) pinned.push(p.cid.toString());
  assert.ok(!pinned.includes(expected.cid), 'the interrupted add is not pinned');
  // Every block the crash left is whole: adding again reuses them and reads back identical bytes.
  const added = await add(bytes, PROFILES.v1);
  assert.equal(added.cid.toString(), expected.cid);
  const back = await collect(server.client.cat(added.cid));
  assert.ok(back.equals(bytes));
});

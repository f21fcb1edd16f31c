// The web portal in a real browser (Debian's chromium through playwright-core) against a live dev
// node: the network view shows what the K-DPoS runtime API and finality say. A portal pointed at
// no node says so. Screenshots go to tests/e2e/screenshots/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { connect, removeDir, startDev, stop, tempDir } from '../lib/node.js';
import { SCREENSHOTS, launch, servePortal } from '../lib/browser.js';

const RPC = 19969;
const P2P = 19369;
const WEB = 35301;

let node;
let api;
let base;
let server;
let browser;

before(async () => {
  base = tempDir('portal-node');
  node = startDev({ rpcPort: RPC, p2pPort: P2P, basePath: base });
  api = await connect(RPC, { child: node });
  server = await servePortal(WEB);
  browser = await launch();
  mkdirSync(SCREENSHOTS, { recursive: true });
});

after(async () => {
  await browser?.close();
  server?.close();
  await api?.disconnect();
  if (node) await stop(node);
  if (base) removeDir(base);
});

test('the network view shows the producers, the candidates and a finalized height that moves', async () => {
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${WEB}/?rpc=ws://127.0.0.1:${RPC}#network`);
  const validators = (await api.call.kdposApi.validators()).toJSON();
  await page.locator('#active li').first().waitFor({ timeout: 30_000 });
  assert.deepEqual(await page.locator('#active li').allTextContents(), validators.active);
  assert.ok(validators.active.length > 0);
  // The dev chain's validator comes from genesis, not an election: none elected yet.
  const elected = await page.locator('#producers li').allTextContents();
  assert.deepEqual(elected, validators.producers.length ? validators.producers : ['none']);
  assert.equal(await page.locator('#era').textContent(), String(validators.era));
  assert.match(await page.locator('#connection').textContent(), /medchain development at ws:\/\/127\.0\.0\.1:19969/);
  const finalized = async () => Number(await page.locator('#finalized').textContent());
  await page.waitForFunction(() => Number(document.querySelector('#finalized')?.textContent) > 0, null, { timeout: 30_000 });
  const first = await finalized();
  await page.waitForFunction((f) => Number(document.querySelector('#finalized')?.textContent) > f, first, { timeout: 30_000 });
  const chainFinalized = (await api.rpc.chain.getHeader(await api.rpc.chain.getFinalizedHead())).number.toNumber();
  assert.ok(Math.abs((await finalized()) - chainFinalized) <= 2, 'the page follows the chain\'s finality');
  assert.equal(await page.locator('#explorer').getAttribute('href'),
    `https://polkadot.js.org/apps/?rpc=${encodeURIComponent(`ws://127.0.0.1:${RPC}`)}#/explorer`);
  await page.screenshot({ path: join(SCREENSHOTS, 'network.png'), fullPage: true });
  await page.close();
});

test('a portal pointed at no node says where it looked and how to fix it', async () => {
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${WEB}/?rpc=ws://127.0.0.1:9#network`);
  await page.locator('#connection.error').waitFor({ timeout: 30_000 });
  assert.match(await page.locator('#connection').textContent(), /cannot reach the node at ws:\/\/127\.0\.0\.1:9/);
  await page.close();
});

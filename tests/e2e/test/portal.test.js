// The web portal in a real browser (Debian's chromium through playwright-core), served by
// `medchain portal serve`, against a live dev node with its IPFS API. Each person has a browser
// context of their own (their own localStorage, so their own keys):
// - Bob runs a hospital and uploads a record for Dave; Dave grants Charlie; Charlie opens it and
//   gets the right bytes, twice; Dave revokes; Charlie is refused; Dave's audit trail shows both
//   reads, and an emergency opening, highlighted.
// - The formats cross: a record the CLI stored opens in the portal, one the portal stored opens
//   with `medchain get`, and a CLI key file imported into the portal opens records.
// - No plaintext leaves the browser: every request body and WebSocket frame each page sent is
//   searched for the record's marker.
// - Bad input gets a message in the page and nothing is signed.
// - The server's Content-Security-Policy: an injected script does not run, and a `?rpc=` link to
//   a node it does not allow is not connected to.
// Screenshots of each view go to tests/e2e/screenshots/ (gitignored).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { hexToU8a } from '@polkadot/util';
import { connect, removeDir, startDev, stop, submit, tempDir, waitFor } from '../lib/node.js';
import { SCREENSHOTS, launch, portalServe, recordSent } from '../lib/browser.js';
import { cliRunner } from '../lib/cli.js';
import { startKeyserver } from '../lib/keyserver.js';
import { open as openSealed } from '../lib/sealed.js';

const RPC = 19969;
const P2P = 19369;
const IPFS = 25311;
const WEB = 25301;
const TAMPER = 25321;
const RECORDER = 25331;
const KEYSERVER = 25341;
const URL = `http://127.0.0.1:${WEB}/`;
const PASS = 'correct horse battery staple';
const MARKER = 'MEDCHAIN-PLAINTEXT-MARKER-7f3a';

let node;
let api;
let org; // Bob's hospital, from its registration
let base;
let home;
let work;
let server;
let tamper;
let recording;
let keyserver; // Bob's hospital's key service
let ksDir;
const ipfsBodies = [];
let browser;
const k = {};
const people = {};
const cliWho = {};
let record;
let content;

let ok;

/** Waits until the view `name` is drawn. */
async function ready(page, name) {
  await page.locator(`#view[data-ready="${name}"]`).waitFor({ timeout: 60_000 });
}

/** Goes to a view through the navigation bar, as a user would; the current view is drawn anew. */
async function show(page, name) {
  await page.click(`nav a[href="#${name}"]`);
  await ready(page, name);
}

/** Waits until block `n` is finalized (the CLI reads finalized state). */
async function finalized(n) {
  await waitFor(`block ${n} finalized`, async () =>
    (await api.rpc.chain.getHeader(await api.rpc.chain.getFinalizedHead())).number.toNumber() >= n, 60_000);
}

/**
 * Passes the portal server's IPFS calls on to the node's IPFS API, keeping every request body:
 * what left the browsers for IPFS, byte for byte.
 */
function recorder(port, bodies) {
  const s = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      bodies.push(body);
      try {
        const upstream = await fetch(`http://127.0.0.1:${IPFS}${req.url}`, {
          method: req.method, body: body.length ? body : undefined,
          headers: req.headers['content-type'] ? { 'content-type': req.headers['content-type'] } : {},
        });
        res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/octet-stream' });
        res.end(Buffer.from(await upstream.arrayBuffer()));
      } catch (e) {
        res.writeHead(502).end(String(e));
      }
    });
  });
  return new Promise((r) => s.listen(port, '127.0.0.1', () => r(s)));
}

/** The outcome of the action whose message line is `selector`: waits for it to finish. */
async function outcome(page, selector) {
  await page.waitForFunction((s) => {
    const e = document.querySelector(s);
    return e && /\b(ok|error)\b/.test(e.className);
  }, selector, { timeout: 120_000 });
  const el = page.locator(selector);
  return { ok: (await el.getAttribute('class')).includes(' ok'), text: await el.textContent() };
}

async function succeeds(page, selector) {
  const r = await outcome(page, selector);
  assert.ok(r.ok, `expected success, got: ${r.text}`);
  return r.text;
}

async function shot(page, name) {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** A person with a browser context of their own, a key made and registered in the portal. */
async function person(name) {
  const context = await browser.newContext({ acceptDownloads: true });
  const page = await context.newPage();
  const sent = recordSent(page);
  await page.goto(`${URL}#account`);
  await ready(page, 'account');
  await page.selectOption('#account', { label: `${name} (development)` });
  await page.locator('#key-status dd', { hasText: name }).first().waitFor();
  await page.fill('#passphrase', PASS);
  await page.click('#create-key');
  await succeeds(page, '#account-message');
  await page.click('#register-key');
  assert.match(await succeeds(page, '#account-message'), /key registered in block \d+/);
  await page.locator('#key-chain', { hasText: await page.locator('#key-here').textContent() }).waitFor();
  return { context, page, sent, address: k[name.toLowerCase()].address };
}

/** Opens record `id` in `page`'s clinician view; returns the outcome and the bytes saved. */
async function openInPortal(page, id) {
  await show(page, 'clinician');
  await page.fill('#record-id', String(id));
  await page.click('#open-by-id');
  const r = await outcome(page, '#clinician-message');
  if (!r.ok) return { ...r };
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
  return { ...r, bytes: readFileSync(await download.path()) };
}

async function audit(id) {
  return (await api.call.medicalRecordsApi.audit(id)).toJSON();
}

before(async () => {
  await cryptoWaitReady();
  base = tempDir('portal-node');
  home = tempDir('portal-home');
  ({ ok } = cliRunner({ home, url: `ws://127.0.0.1:${RPC}`, ipfs: `http://127.0.0.1:${IPFS}`, passphrase: PASS,
    env: { MEDCHAIN_KEYSERVER: `http://127.0.0.1:${KEYSERVER}` } }));
  work = tempDir('portal-work');
  node = startDev({ rpcPort: RPC, p2pPort: P2P, basePath: base, ipfsPort: IPFS });
  api = await connect(RPC, { child: node });
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
  for (const n of ['Alice', 'Bob', 'Charlie', 'Dave', 'Eve', 'Ferdie']) k[n.toLowerCase()] = keyring.addFromUri(`//${n}`);
  // Bob's hospital joins (sudo is Alice on the dev chain, whose own hospital is organisation 0).
  const joined = await submit(api, api.tx.sudo.sudo(api.tx.medicalRecords.registerOrganisation(k.bob.address)), k.alice,
    { finalized: true });
  assert.equal(joined.error, null);
  org = joined.events.find(({ event }) => api.events.medicalRecords.OrganisationRegistered.is(event))
    .event.data[0].toNumber();
  recording = await recorder(RECORDER, ipfsBodies);
  ksDir = tempDir('portal-keyserver');
  keyserver = await startKeyserver({ dir: ksDir, url: `ws://127.0.0.1:${RPC}`, org, port: KEYSERVER });
  // The tests below point pages at a dead node and IPFS API (port 9) and at a tampering one.
  server = await portalServe({ port: WEB, rpc: `ws://127.0.0.1:${RPC}`, ipfs: `http://127.0.0.1:${RECORDER}`,
    keyserver: keyserver.url,
    allowConnect: ['ws://127.0.0.1:9', 'http://127.0.0.1:9', `http://127.0.0.1:${TAMPER}`] });
  browser = await launch();
  mkdirSync(SCREENSHOTS, { recursive: true });
  content = Buffer.from(`Discharge summary\n${MARKER}\n${'lab values '.repeat(30_000)}\nend\n`);
});

after(async () => {
  await browser?.close();
  server?.kill('SIGINT');
  tamper?.close();
  recording?.close();
  if (keyserver) await stop(keyserver.child);
  await api?.disconnect();
  if (node) await stop(node);
  for (const dir of [base, home, work, ksDir]) if (dir) removeDir(dir);
});

test('the network view shows the producers, the candidates and a finalized height that moves', async () => {
  const page = await browser.newPage();
  await page.goto(`${URL}#network`);
  const validators = (await api.call.kdposApi.validators()).toJSON();
  await page.locator('#active li').first().waitFor({ timeout: 30_000 });
  assert.deepEqual(await page.locator('#active li').allTextContents(), validators.active);
  assert.ok(validators.active.length > 0);
  // Alice's hospital stands as a candidate on the dev chain: she is the elected producer, listed
  // with her class and score.
  assert.deepEqual(validators.producers, [k.alice.address]);
  assert.deepEqual(await page.locator('#producers li').allTextContents(), [k.alice.address]);
  const alice = page.locator('#candidates tr', { hasText: k.alice.address });
  const cells = await alice.locator('td').allTextContents();
  const standing = (await api.call.kdposApi.candidates()).toJSON().find((c) => c.account === k.alice.address).standing;
  assert.equal(cells[1], '0', 'organisation 0');
  assert.equal(cells[3], standing.class);
  assert.equal(cells[4], `${(standing.score / 10_000).toFixed(1)} %`);
  assert.equal(cells[7], 'yes', 'producing');
  assert.equal(await page.locator('#era').textContent(), String(validators.era));
  // The node's address came from `medchain portal serve --url`.
  assert.match(await page.locator('#connection').textContent(), /medchain development at ws:\/\/127\.0\.0\.1:19969/);
  const finalized = async () => Number(await page.locator('#finalized').textContent());
  await page.waitForFunction(() => Number(document.querySelector('#finalized')?.textContent) > 0, null, { timeout: 30_000 });
  const first = await finalized();
  await page.waitForFunction((f) => Number(document.querySelector('#finalized')?.textContent) > f, first, { timeout: 30_000 });
  const chainFinalized = (await api.rpc.chain.getHeader(await api.rpc.chain.getFinalizedHead())).number.toNumber();
  assert.ok(Math.abs((await finalized()) - chainFinalized) <= 2, 'the page follows the chain\'s finality');
  assert.equal(await page.locator('#explorer').getAttribute('href'),
    `https://polkadot.js.org/apps/?rpc=${encodeURIComponent(`ws://127.0.0.1:${RPC}`)}#/explorer`);
  await shot(page, 'network');
  await page.close();
});

test('the hospital uploads, the patient grants, the clinician reads twice, the patient revokes, the clinician is refused', async () => {
  for (const name of ['Bob', 'Dave', 'Charlie']) people[name] = await person(name);
  const { Bob: bob, Dave: dave, Charlie: charlie } = people;
  await shot(dave.page, 'account');

  // Bob makes his hospital's key service's key the organisation's (never his own), then uploads
  // Dave's record.
  await show(bob.page, 'hospital');
  await bob.page.click('#set-org-key');
  assert.match(await succeeds(bob.page, '#hospital-message'), new RegExp(`organisation ${org}'s key is now its key service's`));
  assert.equal((await api.call.medicalRecordsApi.organisation(org)).unwrap().key.unwrap().toHex(), `0x${keyserver.publicKey}`);
  await bob.page.fill('#patient', dave.address);
  await bob.page.fill('#record-type', 'loinc:11506-3');
  await bob.page.setInputFiles('#record-file', { name: 'discharge.txt', mimeType: 'text/plain', buffer: content });
  // Dave has not authorised the hospital yet: refused before anything is encrypted or stored.
  const stored = ipfsBodies.length;
  await bob.page.click('#upload');
  const uninvited = await outcome(bob.page, '#hospital-message');
  assert.equal(uninvited.ok, false);
  assert.match(uninvited.text, new RegExp(`has not authorised organisation ${org} to index records about them.*nothing was stored`));
  assert.equal(ipfsBodies.length, stored, 'nothing reached IPFS');
  // Dave authorises Bob's hospital on his page, under his account there (a pseudonym the page
  // derives), which starts empty: Bob's hospital funds it, never Dave's own account.
  await show(dave.page, 'patient');
  await dave.page.fill('#care-org', String(org));
  await dave.page.click('#grant-care');
  const unfunded = await outcome(dave.page, '#care-message');
  assert.equal(unfunded.ok, false);
  assert.match(unfunded.text, /holds nothing to pay for its calls: the hospital funds it/);
  await dave.page.click('#show-pseudonym');
  await succeeds(dave.page, '#care-message');
  dave.pseudonym = await dave.page.locator('#care-pseudonym').textContent();
  assert.notEqual(dave.pseudonym, dave.address);
  await bob.page.fill('#sponsor-patient', dave.pseudonym);
  await bob.page.click('#sponsor');
  assert.match(await succeeds(bob.page, '#hospital-message'), new RegExp(`${dave.pseudonym} received 5 MED`));
  await dave.page.click('#grant-care');
  assert.match(await succeeds(dave.page, '#care-message'),
    new RegExp(`organisation ${org} may index records about you as ${dave.pseudonym}`));
  assert.deepEqual((await api.call.medicalRecordsApi.careOf(dave.pseudonym)).toJSON().map((c) => c.org), [org]);
  assert.deepEqual((await api.call.medicalRecordsApi.careOf(dave.address)).toJSON(), [], 'not under his own account');
  await bob.page.fill('#patient', dave.pseudonym);
  await bob.page.click('#upload');
  const uploaded = await succeeds(bob.page, '#hospital-message');
  record = Number(/record (\d+) stored as (\S+)/.exec(uploaded)[1]);
  await shot(bob.page, 'hospital');
  const onChain = (await api.call.medicalRecordsApi.record(record)).toJSON();
  assert.equal(onChain.record.patient, dave.pseudonym);
  // The chain holds the type only as Dave's tag and sealed: no LOINC code in the record.
  assert.equal(onChain.record.recordType, undefined);
  assert.match(onChain.record.typeTag, /^0x[0-9a-f]{64}$/);
  const code = Buffer.alloc(8);
  code.writeBigUInt64LE(115063n);
  assert.ok(!Buffer.from((await api.query.medicalRecords.records(record)).toU8a()).includes(code));
  assert.ok(uploaded.includes(onChain.cid), 'the page names the CID the chain holds');

  // Dave sees it and grants Charlie for a week.
  await show(dave.page, 'patient');
  const section = dave.page.locator(`#record-${record}`);
  assert.match(await section.locator('h3').textContent(), new RegExp(`Record ${record}: loinc:11506-3`));
  assert.match(await section.textContent(), new RegExp(`custodian organisation ${org}, version 1`));
  await section.locator('.grantee').fill(charlie.address);
  await section.locator('.until').fill('7d');
  await section.locator('.grant').click();
  assert.match(await succeeds(dave.page, `#record-${record} p.message`), /granted until block \d+/);
  const grants = (await api.call.medicalRecordsApi.grantsOf(record)).toJSON();
  assert.deepEqual(grants.map((g) => [g.grantee, g.effective]), [[charlie.address, true]]);

  // Charlie finds it shared with him, opens it and gets Bob's bytes; then a second read.
  await show(charlie.page, 'clinician');
  assert.match(await charlie.page.locator('#shared tbody tr', { hasText: dave.pseudonym }).textContent(), /shared \(Patient\)/);
  await charlie.page.click(`button.open[data-record="${record}"]`);
  assert.match(await succeeds(charlie.page, '#clinician-message'), /verified and decrypted; access logged in block \d+/);
  assert.ok((await charlie.page.locator('#content').textContent()).startsWith(`Discharge summary\n${MARKER}`));
  const [download] = await Promise.all([charlie.page.waitForEvent('download'), charlie.page.click('#download')]);
  assert.ok(readFileSync(await download.path()).equals(content), 'the clinician saves the exact bytes uploaded');
  await shot(charlie.page, 'clinician');
  const second = await openInPortal(charlie.page, record);
  assert.ok(second.ok, second.text);
  assert.ok(second.bytes.equals(content));
  assert.equal((await audit(record)).accesses, 2);

  // Dave revokes. Charlie's list says so, and opening is refused before anything is signed.
  await show(dave.page, 'patient');
  await dave.page.locator(`#record-${record} button.revoke`).click();
  assert.match(await succeeds(dave.page, `#record-${record} p.message`), /revoked in block \d+/);
  await show(charlie.page, 'account');
  await show(charlie.page, 'clinician');
  assert.match(await charlie.page.locator('#shared tbody tr', { hasText: dave.pseudonym }).textContent(), /revoked/);
  const before = charlie.sent.submissions();
  await charlie.page.click(`button.open[data-record="${record}"]`);
  const refused = await outcome(charlie.page, '#clinician-message');
  assert.equal(refused.ok, false);
  assert.match(refused.text, /not shared with you \(never granted, or revoked\)/);
  assert.equal(await charlie.page.locator('#content').count(), 0, 'nothing shown');
  assert.equal(charlie.sent.submissions(), before, 'nothing signed');

  // Ferdie, another clinician of Bob's hospital, opens it in an emergency (through Apps' API); Dave's
  // audit trail shows it highlighted next to Charlie's two reads.
  const member = await submit(api, api.tx.medicalRecords.addMember(org, k.ferdie.address, 'Clinician'), k.bob);
  assert.equal(member.error, null);
  const emergency = await submit(api, api.tx.medicalRecords.emergencyAccess(record, 'EmergencyTreatment'), k.ferdie);
  assert.equal(emergency.error, null);
  await show(dave.page, 'account');
  await show(dave.page, 'patient');
  const trail = dave.page.locator(`#record-${record} ul.audit li`);
  const reads = await trail.filter({ hasText: `Accessed by ${charlie.address}` }).count();
  assert.equal(reads, 2);
  assert.match(await dave.page.locator(`#record-${record} .audit-counts`).textContent(),
    /1 grants, 1 revocations, 1 emergency openings, 2 accesses/);
  const highlighted = dave.page.locator(`#record-${record} ul.audit li.emergency`);
  assert.equal(await highlighted.count(), 1);
  assert.match(await highlighted.textContent(), new RegExp(`EMERGENCY OPENING \\(ETREAT\\) by ${k.ferdie.address}`));
  await shot(dave.page, 'patient');
});

test('a CLI record opens in the portal, a portal record opens in the CLI, and a CLI key file works in the portal', async () => {
  const { Bob: bob, Dave: dave, Charlie: charlie } = people;
  // The CLI's people: a clinician of Bob's hospital (Ferdie) and a specialist (Eve).
  for (const [name, uri] of [['ward', '//Ferdie'], ['reader', '//Eve']]) {
    cliWho[name] = (await ok(['key', 'import', '--name', name, '--suri', uri])).account;
  }
  assert.equal(cliWho.ward, k.ferdie.address, 'the ward is Ferdie, a clinician of Bob\'s hospital since the last test');
  await ok(['--as', 'reader', 'key', 'register']);

  // CLI -> portal: the ward stores a record for Dave (sealed to the key Dave made in his browser);
  // Dave grants Charlie in the portal; Charlie's browser reads it byte-identical.
  const fromCli = Buffer.concat([Buffer.from('stored by the CLI\n'), Buffer.alloc(300 * 1024, 7)]);
  writeFileSync(join(work, 'cli.bin'), fromCli);
  const put = await ok(['--as', 'ward', 'record', 'put', join(work, 'cli.bin'), '--patient', dave.pseudonym,
    '--type', 'loinc:11506-3', '--org', String(org)]);
  await show(dave.page, 'account');
  await show(dave.page, 'patient');
  const section = dave.page.locator(`#record-${put.record}`);
  await section.locator('.grantee').fill(charlie.address);
  await section.locator('.grant').click();
  await succeeds(dave.page, `#record-${put.record} p.message`);
  const read = await openInPortal(charlie.page, put.record);
  assert.ok(read.ok, read.text);
  assert.ok(read.bytes.equals(fromCli), 'the portal decrypts what the CLI encrypted');

  // portal -> CLI: Bob uploads in his browser; Dave grants the CLI's specialist; `medchain get`.
  const fromPortal = Buffer.from(`stored by the portal\n${MARKER}\n${'x'.repeat(200_000)}`);
  await show(bob.page, 'hospital');
  await bob.page.fill('#patient', dave.pseudonym);
  await bob.page.fill('#record-type', 'loinc:11506-3');
  await bob.page.setInputFiles('#record-file', { name: 'portal.txt', mimeType: 'text/plain', buffer: fromPortal });
  await bob.page.click('#upload');
  const id = Number(/record (\d+) stored/.exec(await succeeds(bob.page, '#hospital-message'))[1]);
  await show(dave.page, 'account');
  await show(dave.page, 'patient');
  await dave.page.locator(`#record-${id} .grantee`).fill(cliWho.reader);
  await dave.page.locator(`#record-${id} .grant`).click();
  const grantedIn = Number(/in block (\d+)/.exec(await succeeds(dave.page, `#record-${id} p.message`))[1]);
  await finalized(grantedIn);
  const out = join(work, 'from-portal.txt');
  await ok(['--as', 'reader', 'get', String(id), '-o', out]);
  assert.ok(readFileSync(out).equals(fromPortal), 'the CLI decrypts what the portal encrypted');

  // The reader's CLI key file, imported into a fresh browser, opens the same record there.
  const context = await browser.newContext({ acceptDownloads: true });
  const page = await context.newPage();
  await page.goto(`${URL}#account`);
  await ready(page, 'account');
  await page.setInputFiles('#key-file', join(home, 'keys', 'reader.json'));
  await page.fill('#passphrase', 'not the passphrase');
  await page.click('#import-key');
  assert.match((await outcome(page, '#account-message')).text, /wrong passphrase for key 'reader'/);
  await page.fill('#passphrase', PASS);
  await page.click('#import-key');
  assert.match(await succeeds(page, '#account-message'), new RegExp(`imported reader \\(${cliWho.reader}\\)`));
  assert.equal(await page.locator('#key-here').textContent(), await page.locator('#key-chain').textContent());
  const again = await openInPortal(page, id);
  assert.ok(again.ok, again.text);
  assert.ok(again.bytes.equals(fromPortal));
  await context.close();
  assert.equal((await audit(id)).accesses, 2, 'the CLI read and the portal read are both audited');

  // A patient of the CLI, known to Bob's hospital by a pseudonym the hospital funded: their key
  // file in a fresh browser finds the record under it, grants from it (signed by the pseudonym,
  // the page deriving what the CLI derives), and reads it themselves, logged under it.
  const pseudOwn = (await ok(['key', 'generate', '--name', 'pseud'])).account;
  const pseud = (await ok(['--as', 'pseud', 'key', 'pseudonym', String(org)])).account;
  await ok(['--as', 'ward', 'org', 'sponsor', '--org', String(org), pseud]);
  await ok(['--as', 'pseud', 'care', 'grant', String(org)]);
  const underPseudonym = await ok(['--as', 'ward', 'record', 'put', join(work, 'cli.bin'), '--patient', pseud,
    '--type', 'loinc:11506-3', '--org', String(org)]);
  const patientContext = await browser.newContext({ acceptDownloads: true });
  const patientPage = await patientContext.newPage();
  await patientPage.goto(`${URL}#account`);
  await ready(patientPage, 'account');
  await patientPage.setInputFiles('#key-file', join(home, 'keys', 'pseud.json'));
  await patientPage.fill('#passphrase', PASS);
  await patientPage.click('#import-key');
  await succeeds(patientPage, '#account-message');
  await show(patientPage, 'patient');
  const theirs = patientPage.locator(`#record-${underPseudonym.record}`);
  assert.match(await theirs.textContent(), /under your pseudonym there/);
  await theirs.locator('.grantee').fill(charlie.address);
  await theirs.locator('.grant').click();
  await succeeds(patientPage, `#record-${underPseudonym.record} p.message`);
  const pseudGrants = (await api.call.medicalRecordsApi.grantsOf(underPseudonym.record)).toJSON();
  assert.deepEqual(pseudGrants.map((g) => [g.grantee, g.grant.depositor]), [[charlie.address, pseud]],
    'granted by the pseudonym');
  const charlieRead = await openInPortal(charlie.page, underPseudonym.record);
  assert.ok(charlieRead.ok, charlieRead.text);
  assert.ok(charlieRead.bytes.equals(fromCli));
  const ownRead = await openInPortal(patientPage, underPseudonym.record);
  assert.ok(ownRead.ok, ownRead.text);
  assert.ok(ownRead.bytes.equals(fromCli));
  const pseudTrail = (await api.call.medicalRecordsApi.auditEntries(underPseudonym.record, 0, 100)).toJSON();
  assert.ok(pseudTrail.some((e) => e.action === 'Accessed' && e.who === pseud), 'the patient\'s read is logged under the pseudonym');
  // The page shows the type, which the chain holds only sealed; the patient revokes, and her own
  // account has held, paid and signed nothing: the hospital pays for the pseudonym's calls.
  await show(patientPage, 'patient');
  assert.match(await theirs.locator('h3').textContent(), new RegExp(`Record ${underPseudonym.record}: loinc:11506-3`));
  await theirs.locator('.revoke').click();
  assert.match(await succeeds(patientPage, `#record-${underPseudonym.record} p.message`), /revoked in block \d+/);
  assert.deepEqual((await api.call.medicalRecordsApi.grantsOf(underPseudonym.record)).toJSON(), []);
  const own = (await api.query.system.account(pseudOwn)).toJSON();
  assert.deepEqual([BigInt(own.data.free), own.nonce], [0n, 0]);
  await patientContext.close();

  // Bob, its author, opens it in his browser: the record is sealed to the hospital, so the page
  // logs the read, then asks the key service, which answers for that access entry.
  const authored = await openInPortal(bob.page, id);
  assert.ok(authored.ok, authored.text);
  assert.ok(authored.bytes.equals(fromPortal));
  const trail = await audit(id);
  assert.equal(trail.accesses, 3);
  const released = keyserver.releases().filter((r) => r.record === id);
  assert.deepEqual(released.map((r) => [r.account, r.audit_index]), [[k.bob.address, trail.total - 1]]);

  // Bob amends the portal record; Dave sees version 2 linked to it, and reads the new content.
  const amended = Buffer.from('amended by the portal\n');
  await show(bob.page, 'hospital');
  await bob.page.fill('#patient', dave.pseudonym);
  await bob.page.fill('#record-type', 'loinc:11506-3');
  await bob.page.fill('#previous', String(id));
  await bob.page.setInputFiles('#record-file', { name: 'amended.txt', mimeType: 'text/plain', buffer: amended });
  await bob.page.click('#upload');
  const v2 = Number(/record (\d+) stored/.exec(await succeeds(bob.page, '#hospital-message'))[1]);
  await bob.page.fill('#previous', '');
  await show(dave.page, 'patient');
  assert.match(await dave.page.locator(`#record-${v2}`).textContent(), new RegExp(`version 2 \\(amends record ${id}\\)`));
  assert.match(await dave.page.locator(`#record-${id}`).textContent(), new RegExp(`superseded by record ${v2}`));
  const mine = await openInPortal(dave.page, v2);
  assert.ok(mine.ok, mine.text);
  assert.ok(mine.bytes.equals(amended), 'the patient opens her own record with her own key');

  // Bob moves his hospital to a new key from this page: the service makes it, the chain takes it,
  // every record the hospital keeps is re-sealed to it, and then the old secret is destroyed.
  const kept = async () => (await api.query.medicalRecords.records.entries())
    .map(([key, value]) => ({ id: key.args[0].toNumber(), record: value.unwrap() }))
    .filter(({ record }) => record.custodian.toNumber() === org);
  const typeKeys = async () => (await api.query.medicalRecords.careRelationships.entries())
    .filter(([key]) => key.args[1].toNumber() === org).map(([, care]) => care.unwrap().typeKey.toU8a());
  const before = await kept();
  const careBefore = await typeKeys();
  assert.ok(careBefore.length >= 2, 'Dave and the CLI patient are in the hospital\'s care');
  await show(bob.page, 'hospital');
  await bob.page.click('#rotate-org-key');
  const rotated = await succeeds(bob.page, '#hospital-message');
  assert.match(rotated, new RegExp(`^organisation ${org} moved to key [0-9a-f]{64}: ${before.length} records and ${careBefore.length} patients' type keys re-sealed, the old secret destroyed$`));
  const next = (await api.call.medicalRecordsApi.organisation(org)).unwrap().key.unwrap().toHex();
  assert.notEqual(next, `0x${keyserver.publicKey}`);
  const newSecret = hexToU8a(`0x${readFileSync(join(ksDir, 'org.key'), 'utf8').trim()}`);
  assert.ok(!existsSync(join(ksDir, 'org.key.next')), 'the service keeps one key');
  const after = await kept();
  assert.deepEqual(after.map((r) => r.id), before.map((r) => r.id));
  for (const { id: r, record } of after) {
    assert.throws(() => openSealed(record.keyForCustodian.toU8a(), { secret: keyserver.secret }), `record ${r}`);
    assert.equal(openSealed(record.keyForCustodian.toU8a(), { secret: newSecret }).length, 32);
  }
  // The patients' type keys moved with them: the same keys, sealed to the new one only.
  const careAfter = await typeKeys();
  assert.equal(careAfter.length, careBefore.length);
  careAfter.forEach((sealed, i) => {
    assert.throws(() => openSealed(sealed, { secret: keyserver.secret }));
    assert.deepEqual(openSealed(sealed, { secret: newSecret }), openSealed(careBefore[i], { secret: keyserver.secret }));
  });
  keyserver.secret = newSecret;
  keyserver.publicKey = next.slice(2);
  // The service opens Bob's record for him as before, with the new key.
  const afterRotation = await openInPortal(bob.page, id);
  assert.ok(afterRotation.ok, afterRotation.text);
  assert.ok(afterRotation.bytes.equals(fromPortal));
});

test('no plaintext left any browser: no request body or RPC frame holds the record\'s marker', async () => {
  const marker = Buffer.from(MARKER);
  const hex = marker.toString('hex');
  const clean = (who, payloads) => {
    for (const payload of payloads) {
      assert.equal(payload.includes(marker), false, `${who} sent the marker in the clear`);
      assert.equal(payload.toString('latin1').toLowerCase().includes(hex), false, `${who} sent the marker hex-encoded`);
    }
    return payloads.length;
  };
  // What the pages sent themselves (the RPC frames, and the bodies the browser reports)...
  let frames = 0;
  for (const [name, p] of Object.entries(people)) frames += clean(`${name}'s page`, p.sent.all());
  // ...and what reached IPFS from them through the portal server: the three uploads (two with
  // the marker in their plaintext, and the amendment) among it, whole.
  const uploads = ipfsBodies.filter((b) => b.includes('Content-Disposition'));
  assert.equal(uploads.length, 3, 'every portal upload passed the recorder');
  assert.ok(uploads.filter((b) => b.length > 200_000).length === 2, 'whole ciphertexts');
  clean('the portal\'s IPFS traffic', ipfsBodies);
  assert.ok(frames > 50, `only ${frames} frames seen`);
  // The check can fail: the marker is found where it is (the CLI's own plaintext file).
  assert.ok(readFileSync(join(work, 'from-portal.txt')).includes(marker));
});

test('bad input gets a message in the page and nothing is signed', async () => {
  const { Bob: bob, Charlie: charlie } = people;
  const { page, sent } = charlie;
  const before = sent.submissions();
  const accesses = (await audit(record)).accesses;

  // A record never shared with him.
  const notShared = await openInPortal(page, record + 1000);
  assert.match(notShared.text, /there is no such record/);
  const refused = await openInPortal(page, record);
  assert.match(refused.text, /not shared with you/);

  // A wrong passphrase.
  await show(page, 'account');
  await page.fill('#passphrase', 'wrong');
  await page.click('#unlock-key');
  assert.match((await outcome(page, '#account-message')).text, /wrong passphrase for key 'Charlie'/);

  // No extension in this browser.
  await page.click('#connect-extension');
  assert.match((await outcome(page, '#account-message')).text, /no Polkadot\.js extension answered/);

  // Bob uploads for a patient with no encryption key: nothing is stored or registered.
  const bobBefore = bob.sent.submissions();
  await show(bob.page, 'hospital');
  await bob.page.fill('#patient', k.alice.address);
  await bob.page.fill('#record-type', 'loinc:11506-3');
  await bob.page.setInputFiles('#record-file', { name: 'a.txt', mimeType: 'text/plain', buffer: Buffer.from('x') });
  await bob.page.click('#upload');
  assert.match((await outcome(bob.page, '#hospital-message')).text, /has registered no encryption key: nothing was stored/);
  await bob.page.fill('#patient', 'not an account');
  await bob.page.click('#upload');
  assert.match((await outcome(bob.page, '#hospital-message')).text, /'not an account' is not a patient account address/);
  await bob.page.fill('#patient', people.Dave.address);
  await bob.page.fill('#record-type', 'loinc:11506');
  await bob.page.click('#upload');
  assert.match((await outcome(bob.page, '#hospital-message')).text, /ends with its check digit/);
  assert.equal(bob.sent.submissions(), bobBefore);

  // Dave grants Charlie the first record again, for the IPFS failures below.
  const dave = people.Dave;
  await show(dave.page, 'account');
  await show(dave.page, 'patient');
  await dave.page.locator(`#record-${record} .grantee`).fill(charlie.address);
  await dave.page.locator(`#record-${record} .grant`).click();
  await succeeds(dave.page, `#record-${record} p.message`);

  // An IPFS API that cannot be reached, and one that alters a block: refused, not logged.
  tamper = createServer(async (req, res) => {
    const upstream = await fetch(`http://127.0.0.1:${IPFS}${req.url}`, { method: 'POST' });
    const body = Buffer.from(await upstream.arrayBuffer());
    if (req.url.startsWith('/api/v0/cat')) body[body.length >> 1] ^= 1;
    res.writeHead(upstream.status, { 'access-control-allow-origin': '*', 'content-type': 'application/octet-stream' });
    res.end(body);
  });
  await new Promise((r) => tamper.listen(TAMPER, '127.0.0.1', r));
  for (const [ipfs, message] of [[`http://127.0.0.1:9`, /the IPFS API at http:\/\/127\.0\.0\.1:9 cannot be reached/],
    [`http://127.0.0.1:${TAMPER}`, /sent bytes whose CID is \S+, not the record's \S+: refused/]]) {
    const other = await charlie.context.newPage();
    const otherSent = recordSent(other);
    await other.goto(`${URL}?ipfs=${encodeURIComponent(ipfs)}#account`);
    await ready(other, 'account');
    await other.selectOption('#account', { label: 'Charlie (development)' });
    await other.fill('#passphrase', PASS);
    await other.click('#unlock-key');
    await succeeds(other, '#account-message');
    const r = await openInPortal(other, record);
    assert.equal(r.ok, false);
    assert.match(r.text, message);
    assert.equal(otherSent.submissions(), 0, 'nothing signed');
    await other.close();
  }
  assert.equal(sent.submissions(), before, 'nothing signed');
  assert.equal((await audit(record)).accesses, accesses, 'no access logged');

  // The portal's IPFS proxy passes only the portal's calls, and only for its own pages.
  const denied = await fetch(`${URL}ipfs/api/v0/config/show`, { method: 'POST' });
  assert.equal(denied.status, 403);
  const foreign = await fetch(`${URL}ipfs/api/v0/version`, { method: 'POST', headers: { origin: 'http://evil.example' } });
  assert.equal(foreign.status, 403);
  assert.equal((await fetch(`${URL}ipfs/api/v0/version`, { method: 'POST' })).status, 200);
});

test('an extension account signs; a wrong, refused or missing one gets a message and changes nothing', async () => {
  // A stand-in for the Polkadot.js extension, speaking its injected API (window.injectedWeb3)
  // to the portal's real @polkadot/extension-dapp; the signing happens here in Node.
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
  const user = keyring.addFromUri('//PortalExtensionUser');
  const stranger = keyring.addFromUri('//Stranger');
  const funded = await submit(api, api.tx.balances.transferKeepAlive(user.address, 10n ** 15n), k.alice);
  assert.equal(funded.error, null);
  let shared = [];
  let signWith = null;
  const context = await browser.newContext();
  await context.exposeFunction('medchainTestSign', (json) => {
    const payload = JSON.parse(json);
    if (!signWith) return null;
    return api.registry.createType('ExtrinsicPayload', payload, { version: payload.version }).sign(signWith).signature;
  });
  await context.exposeFunction('medchainTestAccounts', () => shared);
  await context.addInitScript(() => {
    window.injectedWeb3 = {
      'polkadot-js': {
        version: 'test',
        enable: async () => ({
          accounts: { get: async () => window.medchainTestAccounts(), subscribe: () => () => {} },
          signer: {
            signPayload: async (payload) => {
              const signature = await window.medchainTestSign(JSON.stringify(payload));
              if (!signature) throw new Error('Cancelled');
              return { id: 1, signature };
            },
          },
        }),
      },
    };
  });
  const page = await context.newPage();
  const sent = recordSent(page);
  await page.goto(`${URL}#account`);
  await ready(page, 'account');
  await page.click('#connect-extension');
  assert.match((await outcome(page, '#account-message')).text, /the extension shares no accounts with this page/);
  shared = [{ address: user.address, name: 'ward laptop', type: 'sr25519' }];
  await page.click('#connect-extension');
  assert.match(await succeeds(page, '#account-message'), /shared 1 new account/);
  await page.selectOption('#account', { label: 'ward laptop (extension)' });
  await page.locator('#key-status dd', { hasText: 'ward laptop' }).first().waitFor();
  await page.fill('#passphrase', PASS);
  await page.click('#create-key');
  await succeeds(page, '#account-message');

  // The user refuses in the extension; then the extension signs with another key.
  for (const [key, message] of [[null, /not sent: .*Cancelled/], [stranger, /not sent: .*(bad signature|Invalid)/i]]) {
    signWith = key;
    await page.click('#register-key');
    const r = await outcome(page, '#account-message');
    assert.equal(r.ok, false, r.text);
    assert.match(r.text, message);
    assert.equal((await api.call.medicalRecordsApi.encryptionKey(user.address)).isNone, true, 'nothing registered');
  }
  // The right key: registered.
  signWith = user;
  await page.click('#register-key');
  assert.match(await succeeds(page, '#account-message'), /key registered in block/);
  assert.equal((await api.call.medicalRecordsApi.encryptionKey(user.address)).unwrap().toHex().slice(2),
    await page.locator('#key-here').textContent());
  assert.ok(sent.submissions() >= 2);
  await context.close();
});

test('a portal pointed at no node says where it looked and how to fix it', async () => {
  const page = await browser.newPage();
  await page.goto(`${URL}?rpc=ws://127.0.0.1:9#network`);
  await page.locator('#connection.error').waitFor({ timeout: 30_000 });
  assert.match(await page.locator('#connection').textContent(), /cannot reach the node at ws:\/\/127\.0\.0\.1:9/);
  await page.close();
});

test('the portal is served with a policy: injected scripts do not run, unlisted nodes are not reached', async () => {
  const res = await fetch(`${URL}index.html`);
  const policy = res.headers.get('content-security-policy');
  assert.match(policy, /script-src 'self' 'wasm-unsafe-eval';/);
  assert.match(policy, new RegExp(`connect-src 'self' ws://127\\.0\\.0\\.1:${RPC} `));
  assert.match(policy, /frame-ancestors 'none'/);
  assert.doesNotMatch(policy, /unsafe-inline|'unsafe-eval'/);
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
  for (const path of ['medchain-portal.json', 'no-such-file']) {
    assert.equal((await fetch(`${URL}${path}`)).headers.get('content-security-policy'), policy, path);
  }

  // A page pointed by a link at someone else's node (a phishing ?rpc=): the browser refuses the
  // connection, and the page says it cannot reach it.
  const page = await browser.newPage();
  await page.addInitScript(() => {
    window.violations = [];
    document.addEventListener('securitypolicyviolation', (e) => window.violations.push(
      { directive: e.effectiveDirective, blocked: e.blockedURI }));
  });
  await page.goto(`${URL}?rpc=ws://127.0.0.1:${RPC + 1}#network`);
  await page.locator('#connection.error').waitFor({ timeout: 30_000 });
  await page.waitForFunction(() => window.violations.some((v) => v.directive === 'connect-src'), null,
    { timeout: 10_000 });
  assert.match(await page.locator('#connection').textContent(),
    new RegExp(`does not let the page connect to ws://127\\.0\\.0\\.1:${RPC + 1}.*--allow-connect`));
  // An injected inline script does not run (the kind of script an XSS would bring).
  await page.evaluate(() => {
    const s = document.createElement('script');
    s.textContent = 'window.injected = true';
    document.body.append(s);
  });
  await page.waitForFunction(() => window.violations.some((v) => v.directive === 'script-src-elem'), null,
    { timeout: 10_000 });
  assert.equal(await page.evaluate(() => window.injected), undefined);
  await page.close();

  // The portal itself works under the policy: its crypto's WebAssembly runs (the records tests
  // above opened records in it) and the node it is served for is reached.
  const home = await browser.newPage();
  await home.goto(`${URL}#network`);
  await home.locator('#active li').first().waitFor({ timeout: 30_000 });
  await home.close();
});

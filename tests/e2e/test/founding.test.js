// A consortium founded from its hospitals' own keys (issue 20): `medchain-node found` writes a spec
// that names no well-known key, three founders' nodes produce and finalize on it, the node refuses
// a Live chain or a validator with a development key, and the founders govern by their council:
// one hospital's motion alone is refused, two thirds of the seats admit a new hospital.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync, readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady, blake2AsU8a, mnemonicGenerate } from '@polkadot/util-crypto';
import { u8aToHex } from '@polkadot/util';
import { NODE_BIN, runNode, tempDir, removeDir, connect, stop, waitFor, submit } from '../lib/node.js';
import { cliRunner } from '../lib/cli.js';

const BASE = 21500;
const NAMES = ['north', 'south', 'east'];
const dir = tempDir('founding');
const nodes = [];
let founders; // per hospital: { name, admin pair, aura phrase, grandpa phrase, peer id }
let raw; // the raw spec's path
let api;
let cli;
let ok;

const errorLine = (out) => out.split('\n').find((l) => /error/i.test(l)) || out;

/** The public keys (hex) of every well-known development key, named: what must never be in genesis. */
function wellKnown() {
  const DEV = 'bottom drive obey lake curtain smoke basket hold race lonely fit walk';
  const seeds = ['Alice', 'Bob', 'Charlie', 'Dave', 'Eve', 'Ferdie'].flatMap((n) => [`//${n}`, `//${n}//stash`]);
  seeds.push('//One', '//Two', '');
  const out = new Map();
  for (const type of ['sr25519', 'ed25519', 'ecdsa']) {
    const ring = new Keyring({ type });
    for (const seed of seeds) {
      const pair = ring.addFromUri(`${DEV}${seed}`);
      const key = type === 'ecdsa' ? blake2AsU8a(pair.publicKey) : pair.publicKey;
      out.set(u8aToHex(key).slice(2), `${seed || 'the dev phrase'} (${type})`);
    }
  }
  return out;
}

/** Every well-known key found in the raw spec's genesis storage. */
function scan(specPath) {
  const spec = JSON.parse(readFileSync(specPath, 'utf8'));
  const top = spec.genesis.raw.top;
  // All of the state but the runtime's code (`:code`), whose presets hold the dev keys as constants.
  const text = Object.entries(top).filter(([k]) => k !== '0x3a636f6465').map(([k, v]) => `${k}${v}`).join(' ')
    .replace(/0x/g, '');
  return [...wellKnown()].filter(([hex]) => text.includes(hex)).map(([, name]) => name);
}

/** `medchain-node key generate`'s JSON for a scheme. */
async function generate(scheme) {
  const { code, out } = await runNode(['key', 'generate', '--scheme', scheme, '--output-type', 'json']);
  assert.equal(code, 0, out);
  return JSON.parse(out.slice(out.indexOf('{')));
}

function start(i, extra = []) {
  const f = founders[i];
  const args = ['--chain', raw, '--base-path', join(dir, f.name), '--validator', '--name', f.name,
    '--port', String(BASE + i), '--rpc-port', String(BASE + 10 + i), '--node-key-file', f.nodeKey,
    '--no-prometheus', '--no-telemetry', '--no-mdns', '--rpc-methods', 'unsafe', ...extra];
  if (i > 0) args.push('--bootnodes', `/ip4/127.0.0.1/tcp/${BASE}/p2p/${founders[0].peer}`);
  const child = spawn(NODE_BIN, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.on('data', (d) => { log = (log + d).slice(-20_000); });
  child.logTail = () => log;
  nodes.push(child);
  return child;
}

before(async () => {
  await cryptoWaitReady();
  const ring = new Keyring({ type: 'sr25519', ss58Format: 42 });
  founders = [];
  for (const name of NAMES) {
    const aura = await generate('sr25519');
    const grandpa = await generate('ed25519');
    const phrase = mnemonicGenerate();
    const nodeKey = join(dir, `${name}.key`);
    const made = await runNode(['key', 'generate-node-key', '--file', nodeKey]);
    assert.equal(made.code, 0, made.out);
    const peer = made.out.trim().split('\n').pop().trim();
    founders.push({ name, phrase, admin: ring.addFromUri(phrase), aura, grandpa, nodeKey, peer });
  }
  const file = {
    name: 'Founded test consortium',
    id: 'founded_test',
    chain: 'consortium',
    producers: 3,
    standbys: 1,
    hospitals: founders.map((f, i) => ({
      name: f.name, admin: f.admin.address, aura: f.aura.ss58Address, grandpa: f.grandpa.ss58Address,
      bond: 20_000 - 1_000 * i, endowment: 100_000,
      bootnodes: [`/ip4/127.0.0.1/tcp/${BASE + i}/p2p/${f.peer}`],
    })),
  };
  writeFileSync(join(dir, 'founders.json'), JSON.stringify(file, null, 2));
  const made = await runNode(['found', '--founders', join(dir, 'founders.json'), '--out', join(dir, 'spec')]);
  assert.equal(made.code, 0, made.out);
  raw = join(dir, 'spec', 'founded_test.raw.json');
  for (const [i, f] of founders.entries()) {
    for (const [type, scheme, key] of [['aura', 'sr25519', f.aura], ['gran', 'ed25519', f.grandpa]]) {
      const inserted = await runNode(['key', 'insert', '--base-path', join(dir, f.name), '--chain', raw,
        '--key-type', type, '--scheme', scheme, '--suri', key.secretPhrase]);
      assert.equal(inserted.code, 0, inserted.out);
    }
    start(i);
  }
  api = await connect(BASE + 10, { child: nodes[0] });
  const home = tempDir('founding-home');
  ({ cli, ok } = cliRunner({ home, url: `ws://127.0.0.1:${BASE + 10}` }));
  for (const f of founders) await ok(['key', 'import', '--name', f.name, '--suri', f.phrase]);
});

after(async () => {
  await api?.disconnect();
  for (const n of nodes) await stop(n);
  removeDir(dir);
});

test('the spec founded from the hospitals\' own keys names no well-known key, and its nodes produce and finalize', async () => {
  assert.deepEqual(scan(raw), [], 'no development key in genesis');
  const spec = JSON.parse(readFileSync(raw, 'utf8'));
  assert.equal(spec.chainType, 'Live');
  assert.equal(spec.bootNodes.length, 3);
  // Each founder's admin is in genesis (the scan would see them if they were dev keys).
  const text = JSON.stringify(spec.genesis.raw.top);
  for (const f of founders) assert.ok(text.includes(u8aToHex(f.admin.publicKey).slice(2)), `${f.name}'s admin`);
  await waitFor('finality on the founded chain', async () => (await api.rpc.chain.getHeader(
    await api.rpc.chain.getFinalizedHead())).number.toNumber() >= 3, 240_000, 1_000);
  const validators = (await api.query.session.validators()).map((v) => v.toString());
  assert.deepEqual(validators.sort(), founders.map((f) => f.admin.address).sort());
  assert.ok((await api.query.sudo.key()).isNone, 'no sudo');
  const seats = (await api.query.council.members()).map((m) => m.toString());
  assert.deepEqual(seats.sort(), founders.map((f) => f.admin.address).sort(), 'a seat per founder');
  // Nothing is endowed but the founders.
  const issuance = (await api.query.balances.totalIssuance()).toBigInt();
  assert.equal(issuance, 300_000n * 10n ** 12n);
});

test('a founders file naming a development key, or a key twice, writes nothing and names the hospital', async () => {
  const good = JSON.parse(readFileSync(join(dir, 'founders.json'), 'utf8'));
  const alice = new Keyring({ type: 'sr25519', ss58Format: 42 }).addFromUri('//Alice').address;
  for (const [name, change, message] of [
    ['dev-admin', (f) => { f.hospitals[1].admin = alice; }, /hospital 'south': admin: '.*' is the well-known development key \/\/Alice \(sr25519\)/],
    ['twice', (f) => { f.hospitals[2].aura = f.hospitals[0].aura; }, /hospital 'east': aura: the key is named twice/],
    ['low-bond', (f) => { f.hospitals[0].bond = 10; }, /hospital 'north': bond: below the candidate minimum of 10000 MED/],
    ['unknown-field', (f) => { f.sudo = alice; }, /unknown field `sudo`/],
  ]) {
    const file = structuredClone(good);
    change(file);
    writeFileSync(join(dir, `${name}.json`), JSON.stringify(file));
    const out = join(dir, `out-${name}`);
    const r = await runNode(['found', '--founders', join(dir, `${name}.json`), '--out', out]);
    assert.equal(r.code, 1, r.out);
    assert.match(errorLine(r.out), message);
    assert.ok(!existsSync(out), 'nothing written');
  }
});

test('the node refuses a Live chain whose genesis holds a development key, and a validator that would sign with one', async () => {
  // A spec with //Alice's keys in genesis, marked Live as the old consortium preset was.
  const local = await runNode(['build-spec', '--chain', 'local']);
  assert.equal(local.code, 0);
  const spec = JSON.parse(local.out.slice(local.out.indexOf('{')));
  spec.chainType = 'Live';
  const devSpec = join(dir, 'dev-live.json');
  writeFileSync(devSpec, JSON.stringify(spec));
  const base = join(dir, 'dev-live-db');
  const r = await runNode(['--chain', devSpec, '--base-path', base, '--port', String(BASE + 7), '--rpc-port',
    String(BASE + 17), '--no-prometheus', '--no-telemetry']);
  assert.equal(r.code, 1, r.out);
  assert.match(errorLine(r.out), /the Live chain '.*' names the well-known development key \/\/Alice \((ed|sr)25519\) and \d+ more in its genesis.*medchain-node found/);
  // Substrate makes the keystore's directory from the command line; no database is opened.
  const made = existsSync(join(base, 'chains')) ? readdirSync(join(base, 'chains'))
    .flatMap((id) => readdirSync(join(base, 'chains', id))) : [];
  assert.ok(!made.some((d) => /db/.test(d)), `no database was opened: ${made}`);

  // On the founded chain, `--alice` and a keystore holding //Alice's Aura key are refused.
  const alice = await runNode(['--chain', raw, '--base-path', join(dir, 'with-alice'), '--alice', '--port',
    String(BASE + 8), '--rpc-port', String(BASE + 18), '--no-prometheus', '--no-telemetry',
    '--unsafe-force-node-key-generation']);
  assert.equal(alice.code, 1, alice.out);
  assert.match(errorLine(alice.out), /would sign with the well-known development key \/\/Alice \(aura, gran\) on the Live chain 'Founded test consortium'/);
  const keyed = join(dir, 'keyed');
  const inserted = await runNode(['key', 'insert', '--base-path', keyed, '--chain', raw, '--key-type', 'aura',
    '--scheme', 'sr25519', '--suri', '//Alice']);
  assert.equal(inserted.code, 0, inserted.out);
  const withKey = await runNode(['--chain', raw, '--base-path', keyed, '--validator', '--port', String(BASE + 9),
    '--rpc-port', String(BASE + 19), '--no-prometheus', '--no-telemetry', '--unsafe-force-node-key-generation']);
  assert.equal(withKey.code, 1, withKey.out);
  assert.match(errorLine(withKey.out), /would sign with the well-known development key \/\/Alice \(aura\)/);
  assert.deepEqual(readdirSync(join(keyed, 'chains', 'founded_test')), ['keystore'], 'no database was opened');
});

test('one hospital\'s motion alone is refused; two thirds of the founders admit a hospital and seat it', async () => {
  const [north, south] = founders;
  const newcomer = new Keyring({ type: 'sr25519', ss58Format: 42 }).addFromUri(mnemonicGenerate());
  const register = api.tx.medicalRecords.registerOrganisation(newcomer.address);
  const orgsBefore = (await api.query.medicalRecords.nextOrgId()).toNumber();
  // Threshold 1: the motion runs at once as one seat, and the chain refuses it.
  const alone = await submit(api, api.tx.council.propose(1, register, register.method.encodedLength), north.admin,
    { finalized: true });
  const executed = alone.events.find(({ event }) => event.section === 'council' && event.method === 'Executed');
  assert.ok(executed, 'the lone seat executed the motion');
  assert.ok(executed.event.data.result.isErr);
  assert.equal(executed.event.data.result.asErr.toString(), 'BadOrigin');
  assert.equal((await api.query.medicalRecords.nextOrgId()).toNumber(), orgsBefore);
  // Nor does sudo exist to go around it.
  const sudo = await submit(api, api.tx.sudo.sudo(register), north.admin, { finalized: true });
  assert.equal(sudo.error, 'RequireSudo');

  // Through the CLI: north proposes (and votes aye), south votes, the motion closes and runs.
  const proposed = await ok(['--as', north.name, 'council', 'propose', 'register-org', '--admin', newcomer.address]);
  assert.equal(proposed.threshold, 2, 'two thirds of three seats');
  const early = await cli(['--as', north.name, 'council', 'close', String(proposed.index)]);
  assert.equal(early.code, 1);
  assert.match(early.stderr, /has not its votes yet|TooEarly/);
  const voted = await ok(['--as', south.name, 'council', 'vote', String(proposed.index), '--aye']);
  assert.equal(voted.ayes, 2);
  const closed = await ok(['--as', south.name, 'council', 'close', String(proposed.index)]);
  assert.equal(closed.executed, true);
  const org = orgsBefore;
  const role = await api.query.medicalRecords.members(org, newcomer.address);
  assert.equal(role.unwrap().toString(), 'Admin', 'the newcomer admins organisation 3');
  const seats = (await api.query.council.members()).map((m) => m.toString());
  assert.ok(seats.includes(newcomer.address), 'and holds a seat');
  assert.deepEqual(await ok(['council', 'motions']), []);
});

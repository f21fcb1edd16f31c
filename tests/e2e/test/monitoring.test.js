// The operator's kit (issue 20, part 4): the alert rules pass promtool and fire in Debian's
// Prometheus on a live network whose producer stops; the dashboard asks only for metrics a node
// exports; the systemd unit passes systemd-analyze.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NODE_BIN, ROOT, runNode, tempDir, removeDir, waitFor, stop } from '../lib/node.js';

const MONITORING = join(ROOT, 'ops', 'monitoring');
const BASE = 27400;
const PRODUCER = { p2p: BASE, rpc: BASE + 1, metrics: BASE + 6 };
const FOLLOWER = { p2p: BASE + 2, rpc: BASE + 3, metrics: BASE + 4, ipfs: BASE + 7 };
const PROMETHEUS = `127.0.0.1:${BASE + 5}`;
const dir = tempDir('monitoring');
const children = {};
let producerPage = ''; // the producer's metrics page, read before it stops

function spawnLogged(name, bin, args) {
  const child = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.on('data', (d) => { log = (log + d).slice(-20_000); });
  child.logTail = () => log;
  children[name] = child;
  return child;
}

/** A node's metrics page (the follower's unless told). */
async function metrics(port = FOLLOWER.metrics) {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  return res.text();
}

async function alerts() {
  const res = await fetch(`http://${PROMETHEUS}/api/v1/alerts`);
  return (await res.json()).data.alerts;
}

before(async () => {
  // The producer: the dev chain's one validator. The follower: a full node of the same chain,
  // which the monitoring watches, as a hospital's Prometheus watches its own node.
  const keyFile = join(dir, 'producer.key');
  writeFileSync(keyFile, '0000000000000000000000000000000000000000000000000000000000000021');
  const inspected = await runNode(['key', 'inspect-node-key', '--file', keyFile]);
  assert.equal(inspected.code, 0, inspected.out);
  const peer = inspected.out.trim().split('\n').pop().trim();
  spawnLogged('producer', NODE_BIN, ['--dev', '--base-path', join(dir, 'producer'), '--node-key-file', keyFile,
    '--port', String(PRODUCER.p2p), '--rpc-port', String(PRODUCER.rpc), '--prometheus-port', String(PRODUCER.metrics),
    '--no-telemetry', '--no-ipfs-api', '--no-mdns']);
  spawnLogged('follower', NODE_BIN, ['--chain', 'dev', '--base-path', join(dir, 'follower'), '--port',
    String(FOLLOWER.p2p), '--rpc-port', String(FOLLOWER.rpc), '--prometheus-port', String(FOLLOWER.metrics),
    '--ipfs-api', `127.0.0.1:${FOLLOWER.ipfs}`, '--no-telemetry', '--no-mdns', '--bootnodes', `/ip4/127.0.0.1/tcp/${PRODUCER.p2p}/p2p/${peer}`]);
  const config = join(dir, 'prometheus.yml');
  writeFileSync(config, [
    'global: { scrape_interval: 2s, evaluation_interval: 2s }',
    `rule_files: ["${join(MONITORING, 'alerts.yml')}"]`,
    'scrape_configs:',
    '  - job_name: medchain',
    `    static_configs: [{ targets: ["127.0.0.1:${FOLLOWER.metrics}"] }]`,
  ].join('\n'));
  spawnLogged('prometheus', 'prometheus', [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'tsdb')}`,
    `--web.listen-address=${PROMETHEUS}`]);
});

after(async () => {
  for (const child of Object.values(children)) await stop(child, 'SIGKILL');
  removeDir(dir);
});

test('the alert rules and the Prometheus config pass promtool, and the rules\' own unit tests pass', () => {
  for (const args of [['check', 'rules', 'alerts.yml'], ['test', 'rules', 'alerts.test.yml'],
    ['check', 'config', 'prometheus.yml']]) {
    const r = spawnSync('promtool', args, { cwd: MONITORING, encoding: 'utf8' });
    assert.equal(r.status, 0, `promtool ${args.join(' ')}:\n${r.stdout}${r.stderr}`);
  }
});

test('a node exports its own candidate\'s K-DPoS class and verdict, and its IPFS store\'s size and pins', async () => {
  // The dev chain's producer is Alice's candidate for hospital 0, elected and classified from genesis.
  const alice = '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY';
  const candidate = await waitFor('the producer\'s candidate metric', async () =>
    /^medchain_kdpos_candidate\{([^}]*)\} 1$/m.exec(await metrics(PRODUCER.metrics)), 120_000, 1_000);
  assert.match(candidate[1], new RegExp(`account="${alice}"`));
  assert.match(candidate[1], /verdict="Producer"/);
  assert.match(candidate[1], /class="(Excellent|Qualified|Poor)"/);
  producerPage = await metrics(PRODUCER.metrics);
  // Substrate's registry adds the chain as a label to every metric.
  assert.match(producerPage, /^medchain_kdpos_score\{[^}]*\} \d+$/m);
  assert.match(producerPage, /^medchain_kdpos_evictions_total\{[^}]*\} 0$/m);
  // The follower holds no session keys: it names no candidate.
  assert.doesNotMatch(await metrics(), /^medchain_kdpos_candidate\{/m);
  // A pinned block in the follower's store shows in its size and pins (updated every 30 s).
  const form = new FormData();
  form.append('file', new Blob([Buffer.alloc(50_000, 7)]));
  const added = await fetch(`http://127.0.0.1:${FOLLOWER.ipfs}/api/v0/add?pin=true`, { method: 'POST', body: form });
  assert.equal(added.status, 200);
  await waitFor('the store\'s metrics', async () => {
    const text = await metrics();
    const bytes = Number(/^medchain_ipfs_store_bytes\{[^}]*\} (\d+)$/m.exec(text)?.[1] ?? 0);
    const pins = Number(/^medchain_ipfs_pins\{[^}]*\} (\d+)$/m.exec(text)?.[1] ?? 0);
    return bytes >= 50_000 && pins >= 1;
  }, 90_000, 2_000);
});

test('MedchainFinalityStalled fires in Prometheus when the network\'s producer stops', async () => {
  // While the producer runs the follower finalizes, and nothing fires.
  await waitFor('the follower finalizes', async () => {
    const m = /substrate_block_height\{status="finalized"[^}]*\} (\d+)/.exec(await metrics());
    return m && Number(m[1]) >= 3;
  }, 180_000, 1_000);
  await waitFor('Prometheus scrapes the follower', async () => {
    const res = await fetch(`http://${PROMETHEUS}/api/v1/query?query=up`);
    const r = (await res.json()).data.result;
    return r.length === 1 && r[0].value[1] === '1';
  }, 60_000, 1_000);
  assert.deepEqual((await alerts()).filter((a) => a.labels.alertname === 'MedchainFinalityStalled'), []);

  await stop(children.producer, 'SIGKILL');
  const fired = await waitFor('MedchainFinalityStalled firing', async () => {
    const a = (await alerts()).find((x) => x.labels.alertname === 'MedchainFinalityStalled' && x.state === 'firing');
    return a;
  }, 300_000, 2_000);
  assert.equal(fired.labels.severity, 'critical');
  assert.equal(fired.labels.instance, `127.0.0.1:${FOLLOWER.metrics}`);
  assert.match(fired.annotations.summary, /no block finalized for 2 minutes/);
});

test('every metric the dashboard and the alerts ask for is one a node exports', async () => {
  // Every metric the follower or the producer (which has a candidate) declares.
  const exported = new Set(`${await metrics()}\n${producerPage}`.split('\n').filter((l) => l.startsWith('# TYPE '))
    .map((l) => l.split(' ')[2]));
  exported.add('up'); // Prometheus's own, per target.
  const dashboard = JSON.parse(readFileSync(join(MONITORING, 'grafana', 'dashboards', 'medchain.json'), 'utf8'));
  const exprs = dashboard.panels.flatMap((p) => (p.targets || []).map((t) => t.expr));
  exprs.push(...readFileSync(join(MONITORING, 'alerts.yml'), 'utf8').split('\n')
    .filter((l) => /^\s+expr:/.test(l)).map((l) => l.replace(/^\s+expr:\s*/, '')));
  assert.ok(exprs.length >= 10, `${exprs.length} queries`);
  const functions = new Set(['changes', 'delta', 'increase', 'ignoring', 'status', 'job', 'by', 'on']);
  for (const expr of exprs) {
    const names = (expr.replace(/\{[^}]*\}/g, '').replace(/\[[^\]]*\]/g, '').match(/[a-z_][a-z0-9_]*/g) || [])
      .filter((n) => !functions.has(n));
    for (const name of names) assert.ok(exported.has(name), `${name} (in ${expr}) is exported by the node`);
  }
});

test('the systemd unit passes systemd-analyze verify and an exposure level of at most 2.0 (threshold 20 of 100)', () => {
  const unit = join(dir, 'medchain-node.service');
  writeFileSync(unit, readFileSync(join(ROOT, 'ops', 'systemd', 'medchain-node.service'), 'utf8')
    .replaceAll('/usr/local/bin/medchain-node', NODE_BIN));
  const verify = spawnSync('systemd-analyze', ['verify', unit], { encoding: 'utf8' });
  assert.equal(verify.status, 0, verify.stderr);
  // verify exits 0 on settings it ignores; any line it prints about the unit is a fault.
  assert.doesNotMatch(`${verify.stdout}${verify.stderr}`, /medchain-node\.service/);
  const security = spawnSync('systemd-analyze', ['security', '--offline=true', '--threshold=20', unit],
    { encoding: 'utf8' });
  assert.equal(security.status, 0, security.stdout.split('\n').slice(-3).join('\n'));
  assert.match(security.stdout, /Overall exposure level for medchain-node\.service: [01]\.\d OK/);
});

// The development chain as a newcomer meets it: started by scripts/start.sh, reached by
// @polkadot/api with no custom types, producing and finalizing blocks, moving balances.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { u8aToHex } from '@polkadot/util';
import { connect, startDev, stop, submit, waitFor, headers } from '../lib/node.js';

const RPC = 19944;
const P2P = 19333;
let node;
let api;

before(async () => {
  await cryptoWaitReady();
  node = startDev({ rpcPort: RPC, p2pPort: P2P });
  try {
    api = await connect(RPC, { child: node });
  } catch (e) {
    throw new Error(`${e.message}\nnode log:\n${node.logTail()}`);
  }
});

after(async () => {
  await api?.disconnect();
  if (node) await stop(node);
});

test('produces a block every 3 s slot and finalizes them', async () => {
  assert.equal(api.consts.aura.slotDuration.toNumber(), 3000, 'slot duration is the 3 s runtime constant');
  const heads = await headers(api, 4);
  const numbers = heads.map((h) => h.number.toNumber());
  for (let i = 1; i < numbers.length; i++) assert.equal(numbers[i], numbers[i - 1] + 1, 'consecutive blocks');
  const start = (await api.rpc.chain.getFinalizedHead()).toHex();
  const startNumber = (await api.rpc.chain.getHeader(start)).number.toNumber();
  const finalized = await waitFor('finality to advance', async () => {
    const h = await api.rpc.chain.getHeader(await api.rpc.chain.getFinalizedHead());
    return h.number.toNumber() > startNumber ? h.number.toNumber() : 0;
  }, 30_000);
  const best = (await api.rpc.chain.getHeader()).number.toNumber();
  assert.ok(best - finalized <= 2, `finalized ${finalized} within 2 blocks of best ${best}`);
  // Consecutive blocks sit in consecutive 3 s slots (one validator owns every slot).
  const slot = async (h) => Math.floor((await api.query.timestamp.now.at(h.hash)).toNumber() / 3000);
  const gaps = [];
  for (let i = 1; i < heads.length; i++) gaps.push((await slot(heads[i])) - (await slot(heads[i - 1])));
  assert.ok(gaps.every((g) => g >= 1), `one block per slot at most (slot gaps ${gaps})`);
  assert.ok(gaps.filter((g) => g === 1).length >= gaps.length - 1, `blocks in consecutive slots (gaps ${gaps})`);
});

test('metadata lists every pallet and every call decodes without custom types', async () => {
  assert.ok(api.runtimeMetadata.version >= 15, `metadata V${api.runtimeMetadata.version} carries runtime APIs`);
  const pallets = api.runtimeMetadata.asLatest.pallets.map((p) => p.name.toString());
  for (const name of ['System', 'Timestamp', 'Balances', 'TransactionPayment', 'Sudo', 'Authorship',
    'Kdpos', 'Session', 'Historical', 'Aura', 'Grandpa', 'Offences', 'IpfsRegistry', 'MedicalRecords', 'Utility',
    'Council', 'CouncilMembership', 'Preimage', 'Whitelist']) {
    assert.ok(pallets.includes(name), `pallet ${name} is in the metadata (have ${pallets.join(', ')})`);
  }
  let calls = 0;
  for (const [section, methods] of Object.entries(api.tx)) {
    for (const [method, tx] of Object.entries(methods)) {
      for (const field of tx.meta.fields) {
        // Building a default value of every argument type proves the registry knows it
        // from the metadata alone.
        assert.doesNotThrow(() => api.registry.createType(api.registry.createLookupType(field.type)),
          `${section}.${method}(${field.name}: ${field.typeName})`);
      }
      calls++;
    }
  }
  assert.ok(calls >= 20, `found ${calls} calls`);
  assert.equal(typeof api.tx.balances.transferKeepAlive, 'function');
  assert.equal(typeof api.tx.session.setKeys, 'function');
  // Runtime APIs come from the metadata too (Apps: Developer > Runtime calls).
  const presets = (await api.call.genesisBuilder.presetNames()).map((p) => p.toString());
  assert.deepEqual(presets.sort(), ['consortium', 'development', 'hospital', 'local_testnet']);
  assert.equal(typeof api.call.kdposApi.preview, 'function', 'KdposApi is in the metadata');
  const alice = new Keyring({ type: 'sr25519' }).addFromUri('//Alice');
  assert.ok((await api.call.accountNonceApi.accountNonce(alice.address)).toNumber() >= 0);
});

test('chain properties: MED, 12 decimals, ss58 format of the runtime', async () => {
  const props = await api.rpc.system.properties();
  assert.equal(props.tokenSymbol.unwrap()[0].toString(), 'MED');
  assert.equal(props.tokenDecimals.unwrap()[0].toNumber(), 12);
  assert.equal(props.ss58Format.unwrap().toNumber(), api.consts.system.ss58Prefix.toNumber());
  assert.equal((await api.rpc.system.chain()).toString(), 'medchain development');
  assert.equal(api.runtimeVersion.specName.toString(), 'medchain');
});

test('a transfer is included, finalized, and moves exactly amount + fee', async () => {
  const keyring = new Keyring({ type: 'sr25519', ss58Format: api.consts.system.ss58Prefix.toNumber() });
  const alice = keyring.addFromUri('//Alice');
  const dest = keyring.addFromUri(`//medchain-e2e-${Date.now()}`);
  const amount = 123_456_789_000n;
  const before = async (who) => (await api.query.system.account(who)).data.free.toBigInt();
  const aliceBefore = await before(alice.address);
  const destBefore = await before(dest.address);

  const { blockHash, events, error } =
    await submit(api, api.tx.balances.transferKeepAlive(dest.address, amount), alice, { finalized: true });
  assert.equal(error, null);
  const paid = events.find(({ event }) => api.events.transactionPayment.TransactionFeePaid.is(event));
  const fee = paid.event.data.actualFee.toBigInt() + paid.event.data.tip.toBigInt();

  const at = await api.at(blockHash);
  const aliceAfter = (await at.query.system.account(alice.address)).data.free.toBigInt();
  const destAfter = (await at.query.system.account(dest.address)).data.free.toBigInt();
  assert.ok(fee > 0n, 'a fee was charged');
  assert.equal(destAfter - destBefore, amount, 'receiver gains exactly the amount');
  assert.equal(aliceBefore - aliceAfter, amount + fee, 'sender pays exactly amount + fee');
});

test('bytes are priced: a 1 MiB remark costs over 500 MED, a transfer a fraction of one', async () => {
  // Issue 17, attack 6: at 1 pico-MED a byte, a day of full blocks cost some 1,300 MED.
  const alice = new Keyring({ type: 'sr25519' }).addFromUri('//Alice');
  const UNIT = 10n ** 12n;
  // (A hex string: polkadot.js reads a Uint8Array given for Bytes as already length-prefixed.)
  const remark = await api.tx.system.remark(`0x${'01'.repeat(1 << 20)}`).paymentInfo(alice);
  assert.ok(remark.partialFee.toBigInt() > 500n * UNIT, `1 MiB remark: ${remark.partialFee.toHuman()}`);
  const transfer = await api.tx.balances.transferKeepAlive(alice.address, UNIT).paymentInfo(alice);
  assert.ok(transfer.partialFee.toBigInt() < UNIT, `transfer: ${transfer.partialFee.toHuman()}`);
  // The fee multiplier follows load (a targeted fee adjustment): on this nearly idle chain it
  // falls block by block towards its floor of 0.1, where a constant multiplier would stay at 1.
  const multiplierAt = async (n) => (await (await api.at(await api.rpc.chain.getBlockHash(n)))
    .query.transactionPayment.nextFeeMultiplier()).toBigInt();
  const head = (await api.rpc.chain.getHeader()).number.toNumber();
  assert.ok(head >= 3, `blocks so far: ${head}`);
  const [earlier, later] = [await multiplierAt(1), await multiplierAt(head)];
  assert.ok(later < earlier && later >= 10n ** 17n, `multiplier ${earlier} at block 1, ${later} at ${head}`);
});

test('a hospital registers session keys made on its node, with the ownership proof', async () => {
  const keyring = new Keyring({ type: 'sr25519', ss58Format: api.consts.system.ss58Prefix.toNumber() });
  const bob = keyring.addFromUri('//Bob');
  // The README's join step: the node makes the keys and proves them for the hospital's account.
  const generated = await api._rpcCore.provider.send('author_rotateKeysWithOwner', [u8aToHex(bob.publicKey)]);
  assert.match(generated.keys, /^0x[0-9a-f]{128}$/, 'aura (sr25519) and grandpa (ed25519) public keys');
  const hasKeys = await api._rpcCore.provider.send('author_hasSessionKeys', [generated.keys]);
  assert.equal(hasKeys, true, 'the node keeps the private keys');

  const registered = await submit(api, api.tx.session.setKeys(generated.keys, generated.proof), bob);
  assert.equal(registered.error, null);
  const next = await api.query.session.nextKeys(bob.address);
  assert.ok(next.isSome, 'Bob has session keys queued');
  assert.equal(next.unwrap().toHex(), generated.keys);

  // A proof made for another account is refused and changes nothing.
  const charlie = keyring.addFromUri('//Charlie');
  const forged = await submit(api, api.tx.session.setKeys(generated.keys, generated.proof), charlie);
  assert.equal(forged.error, 'InvalidProof');
  assert.ok((await api.query.session.nextKeys(charlie.address)).isNone);
});

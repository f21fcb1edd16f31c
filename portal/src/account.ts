// Account view: the account that signs, and its X25519 encryption key, made or imported here and
// kept in this browser sealed with a passphrase; registered on chain so records can be sealed to it.
import { action, h, say } from './dom';
import type { Session } from './session';

export async function accountView(session: Session, view: HTMLElement): Promise<void> {
  const out = h('p', { id: 'account-message', class: 'message' });
  const passphrase = h('input', { id: 'passphrase', type: 'password', placeholder: 'passphrase', autocomplete: 'off' });
  const create = h('button', { id: 'create-key' }, 'Create a new encryption key');
  const unlock = h('button', { id: 'unlock-key' }, 'Unlock my key');
  const register = h('button', { id: 'register-key' }, 'Register my key on chain');
  const file = h('input', { id: 'key-file', type: 'file', accept: '.json,application/json' });
  const importFile = h('button', { id: 'import-key' }, 'Import a CLI key file');
  const extension = h('button', { id: 'connect-extension' }, 'Connect the Polkadot.js extension');
  const status = h('dl', { id: 'key-status' });

  const refresh = async () => {
    const me = session.current;
    const onChain = me ? await session.registeredKey(me.address) : undefined;
    const here = session.hasSecret() ? session.publicKey() : undefined;
    status.replaceChildren(
      h('dt', {}, 'Account'), h('dd', {}, me ? `${me.name} (${me.source}) ${me.address}` : 'none chosen'),
      h('dt', {}, 'Key in this browser'), h('dd', { id: 'key-here' }, here ?? (me && localStorage.getItem(`medchain:key:${me.address}`) ? 'locked' : 'none')),
      h('dt', {}, 'Key on chain'), h('dd', { id: 'key-chain' }, onChain ?? 'none registered'),
    );
    if (here && onChain && here !== onChain) {
      say(out, 'the key registered on chain is not the one unlocked here: records sealed to it will not open here', 'error');
    }
  };

  action(create, out, async () => {
    await session.createKey(passphrase.value);
    await refresh();
    return 'a new key is kept in this browser, sealed with your passphrase; register it so records can be sealed to it';
  });
  action(unlock, out, async () => {
    await session.unlock(passphrase.value);
    await refresh();
    return 'unlocked';
  });
  action(register, out, async () => {
    const key = session.publicKey();
    const done = await session.send(session.api.tx.medicalRecords.setEncryptionKey(`0x${key}`));
    await refresh();
    return `key registered in block ${done.block}`;
  });
  action(importFile, out, async () => {
    const chosen = file.files?.[0];
    if (!chosen) throw new Error('choose a key file first (~/.medchain/keys/NAME.json)');
    const { account, name } = await session.importKeyFile(await chosen.text(), passphrase.value);
    await refresh();
    return `imported ${name} (${account.address}); it is now the chosen account`;
  });
  action(extension, out, async () => {
    const added = await session.connectExtension();
    return `the extension shared ${added} new account(s): choose one at the top`;
  });

  session.onChange(() => {
    if (status.isConnected) void refresh();
  });
  view.replaceChildren(
    h('h2', {}, 'Account and encryption key'),
    h('p', { class: 'muted' }, 'Your encryption key is made in this browser and never leaves it unsealed. Records are sealed to its public half, which you register on chain.'),
    status,
    h('p', {}, passphrase, ' ', create, ' ', unlock, ' ', register),
    h('p', {}, file, ' ', importFile),
    h('p', {}, extension),
    out,
  );
  await refresh();
}

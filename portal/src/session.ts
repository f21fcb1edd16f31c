// Who is using the portal: the node connection, the accounts that can sign (development accounts
// on a development chain, Polkadot.js extension accounts, accounts from imported CLI key files),
// the chosen account, and its unlocked X25519 secret (in memory only).
import type { ApiPromise } from '@polkadot/api';
import type { SubmittableExtrinsic } from '@polkadot/api/types';
import { Keyring } from '@polkadot/keyring';
import type { KeyringPair } from '@polkadot/keyring/types';
import type { Signer } from '@polkadot/types/types';
import { hexToU8a, u8aToHex } from '@polkadot/util';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import type { Config } from './config';
import { Ipfs } from './ipfs';
import { openKey, sealKey, storedKey, storeKey, type KeyFile } from './keys';
import { x25519Public } from './crypto';
import { pseudonym } from './pseudonym';
import { bytesToHex, randomBytes } from '@noble/hashes/utils.js';

export interface Account {
  address: string;
  name: string;
  source: 'development' | 'extension' | 'key file';
  pair?: KeyringPair;
  signer?: Signer;
}

/**
 * One account a patient acts under: the chosen account itself, or its pseudonym at one
 * organisation (`org`), with what signs for it and its X25519 secret.
 */
export interface Identity {
  address: string;
  org?: number;
  pair?: KeyringPair;
  secret?: Uint8Array;
}

const DEV_NAMES = ['Alice', 'Bob', 'Charlie', 'Dave', 'Eve', 'Ferdie'];
const CHOSEN = 'medchain:account';

export class Session {
  accounts: Account[] = [];
  current?: Account;
  development = false;
  readonly ipfs: Ipfs;
  private secrets = new Map<string, Uint8Array>();
  private listeners: Array<() => void> = [];

  constructor(readonly api: ApiPromise, readonly config: Config) {
    this.ipfs = new Ipfs(config.ipfs);
  }

  async init(): Promise<void> {
    const type = await this.api.rpc.system.chainType();
    this.development = type.isDevelopment || type.isLocal;
    if (this.development) {
      await cryptoWaitReady();
      const keyring = new Keyring({ type: 'sr25519', ss58Format: this.api.registry.chainSS58 ?? 42 });
      for (const name of DEV_NAMES) {
        const pair = keyring.addFromUri(`//${name}`, { name });
        this.accounts.push({ address: pair.address, name, source: 'development', pair });
      }
    }
    const chosen = sessionStorage.getItem(CHOSEN);
    this.current = this.accounts.find((a) => a.address === chosen);
  }

  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }

  choose(address: string): void {
    this.current = this.accounts.find((a) => a.address === address);
    if (this.current) sessionStorage.setItem(CHOSEN, this.current.address);
    this.changed();
  }

  /** Asks the Polkadot.js extension (or any injected wallet) for its accounts. */
  async connectExtension(): Promise<number> {
    const { web3Enable, web3Accounts, web3FromSource } = await import('@polkadot/extension-dapp');
    const extensions = await web3Enable('medchain portal');
    if (extensions.length === 0) {
      throw new Error('no Polkadot.js extension answered: install it and allow this page, or use a development account on a development chain');
    }
    const found = await web3Accounts({ ss58Format: this.api.registry.chainSS58 ?? 42 });
    if (found.length === 0) {
      throw new Error('the extension shares no accounts with this page: create or import one in the extension, and allow it here');
    }
    let added = 0;
    for (const a of found) {
      if (this.accounts.some((b) => b.address === a.address)) continue;
      const injected = await web3FromSource(a.meta.source);
      this.accounts.push({ address: a.address, name: a.meta.name ?? a.address.slice(0, 8), source: 'extension', signer: injected.signer });
      added++;
    }
    this.changed();
    return added;
  }

  /** The chosen account, or a clear error. */
  me(): Account {
    if (!this.current) throw new Error('choose an account first (top right)');
    return this.current;
  }

  /** The unlocked X25519 secret of the chosen account, or a clear error. */
  secret(): Uint8Array {
    const me = this.me();
    const secret = this.secrets.get(me.address);
    if (!secret) throw new Error(`unlock ${me.name}'s encryption key first (Account page)`);
    return secret;
  }

  hasSecret(): boolean {
    return !!this.current && this.secrets.has(this.current.address);
  }

  /** Makes a new X25519 key for the chosen account, kept sealed with `passphrase`. */
  async createKey(passphrase: string): Promise<Uint8Array> {
    const me = this.me();
    if (storedKey(me.address)) throw new Error(`${me.name} already has a key in this browser: unlock it`);
    const secret = randomBytes(32);
    storeKey(await sealKey(me.name, me.address, secret, passphrase));
    this.secrets.set(me.address, secret);
    this.changed();
    return x25519Public(secret);
  }

  async unlock(passphrase: string): Promise<void> {
    const me = this.me();
    const file = storedKey(me.address);
    if (!file) throw new Error(`${me.name} has no key in this browser: create or import one`);
    const { secret } = await openKey(file, passphrase);
    this.secrets.set(me.address, secret);
    this.changed();
  }

  /**
   * Imports a key file the CLI wrote (`~/.medchain/keys/NAME.json`): its account becomes one
   * the portal can sign with, and its encryption key is kept, still sealed, in this browser.
   */
  async importKeyFile(text: string, passphrase: string): Promise<{ account: Account; name: string }> {
    let file: KeyFile;
    try {
      file = JSON.parse(text) as KeyFile;
    } catch {
      throw new Error('this file is not a medchain key file (not JSON)');
    }
    const { secret, suri } = await openKey(file, passphrase);
    if (!suri) throw new Error(`key file '${file.name}' holds no account secret: it came from a portal, not the CLI`);
    await cryptoWaitReady();
    const pair = new Keyring({ type: 'sr25519', ss58Format: this.api.registry.chainSS58 ?? 42 }).addFromUri(suri, { name: file.name });
    if (pair.address !== file.account) throw new Error(`key file '${file.name}' is damaged: its account does not match its secret`);
    storeKey(file);
    let account = this.accounts.find((a) => a.address === pair.address);
    if (!account) {
      account = { address: pair.address, name: file.name, source: 'key file', pair };
      this.accounts.push(account);
    }
    this.secrets.set(pair.address, secret);
    this.current = account;
    sessionStorage.setItem(CHOSEN, account.address);
    this.changed();
    return { account, name: file.name };
  }

  /** Parses an account address typed by a user. */
  parseAccount(text: string, what: string): string {
    const who = text.trim();
    if (!who) throw new Error(`give the ${what}'s account`);
    try {
      return this.api.createType('AccountId', who).toString();
    } catch {
      throw new Error(`'${who}' is not a ${what} account address`);
    }
  }

  /**
   * Signs `message` as the chosen account (an extension wraps it in `<Bytes>..</Bytes>`, which
   * the key service accepts too).
   */
  async signRaw(message: Uint8Array): Promise<Uint8Array> {
    const me = this.me();
    if (me.pair) return me.pair.sign(message);
    if (!me.signer?.signRaw) throw new Error(`the extension cannot sign a message for ${me.name}`);
    const { signature } = await me.signer.signRaw({ address: me.address, data: u8aToHex(message), type: 'bytes' });
    return hexToU8a(signature);
  }

  /**
   * The accounts the chosen account is a patient under on this chain: itself, and (when it has an
   * account secret and an unlocked key) its pseudonym at every organisation, as the CLI derives
   * them. An extension account has no pseudonyms: its secret never reaches the page.
   */
  async patientIdentities(): Promise<Identity[]> {
    const me = this.me();
    const own: Identity = { address: me.address, pair: me.pair, secret: this.secrets.get(me.address) };
    if (!me.pair || !own.secret) return [own];
    const orgs = (await this.api.query.medicalRecords.nextOrgId()).toJSON() as number;
    const all = [own];
    for (let org = 0; org < orgs; org++) all.push(this.pseudonymAt(org));
    return all;
  }

  /** The chosen account's pseudonym at `org`; the account itself if it has none (no secret here). */
  pseudonymAt(org: number): Identity {
    const me = this.me();
    const secret = this.secrets.get(me.address);
    if (!me.pair || !secret) return { address: me.address, pair: me.pair, secret };
    const p = pseudonym(me.pair, secret, this.api.genesisHash.toU8a(), org);
    return { address: p.pair.address, org, pair: p.pair, secret: p.secret };
  }

  /**
   * Who of the chosen account and its pseudonyms is `patient`, the patient of a record
   * organisation `org` keeps; the chosen account itself if neither (it reads as a reader).
   */
  identityFor(patient: string, org: number): Identity {
    const me = this.me();
    const there = this.pseudonymAt(org);
    if (there.org !== undefined && there.address === patient) return there;
    return { address: me.address, pair: me.pair, secret: this.secrets.get(me.address) };
  }

  /** The X25519 key registered on chain for `address`, hex, if any. */
  async registeredKey(address: string): Promise<string | undefined> {
    const key = (await this.api.call.medicalRecordsApi.encryptionKey(address)).toJSON() as string | null;
    return key ? key.replace(/^0x/, '') : undefined;
  }

  /** The public key of the chosen account's unlocked secret, hex. */
  publicKey(): string {
    return bytesToHex(x25519Public(this.secret()));
  }

  /**
   * Signs and sends `tx` as the chosen account (or `as`, one of its pseudonyms); resolves when it is in a block and succeeded, with
   * the block number and the events. A failure is thrown with the pallet's error name.
   */
  async send(tx: SubmittableExtrinsic<'promise'>, as?: Identity): Promise<{ block: number; events: Array<{ section: string; method: string; data: unknown }> }> {
    const chosen = this.me();
    const me = as?.pair && as.address !== chosen.address ? { ...chosen, address: as.address, pair: as.pair } : chosen;
    if (me.source === 'extension' && !me.signer) throw new Error(`the extension gave no signer for ${me.name}`);
    return new Promise((resolve, reject) => {
      const done = (result: import('@polkadot/types/types').ISubmittableResult) => {
        if (result.dispatchError) {
          let message = result.dispatchError.toString();
          if (result.dispatchError.isModule) {
            const meta = this.api.registry.findMetaError(result.dispatchError.asModule);
            message = `${meta.section}.${meta.name}: ${meta.docs.join(' ')}`;
          }
          unsub?.();
          reject(new Error(`the chain refused it: ${message}`));
          return;
        }
        if (result.status.isInBlock || result.status.isFinalized) {
          unsub?.();
          const hash = result.status.isInBlock ? result.status.asInBlock : result.status.asFinalized;
          void this.api.rpc.chain.getHeader(hash).then((h) => resolve({
            block: h.number.toNumber(),
            events: result.events.map(({ event }) => ({ section: event.section, method: event.method, data: event.data.toJSON() })),
          }), reject);
        } else if (result.isError) {
          unsub?.();
          reject(new Error(`the transaction was dropped: ${result.status.type}`));
        }
      };
      let unsub: (() => void) | undefined;
      const sent = me.pair
        ? tx.signAndSend(me.pair, done)
        : tx.signAndSend(me.address, { signer: me.signer }, done);
      sent.then((u) => { unsub = u; }, (e: Error) => reject(new Error(`not sent: ${e.message}`)));
    });
  }
}


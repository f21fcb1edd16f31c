// The hospital's key service, through `medchain portal serve --keyserver` (same origin, at
// /keyserver): the only holder of the organisation's key. A record the hospital keeps (read as its
// author, or after an emergency opening) is opened by asking it, once the read is logged on chain;
// it answers with the data key sealed to this account's registered key (docs/formats.md, "Key
// service requests").
import { hexToBytes } from '@noble/hashes/utils.js';
import { u8aConcat, u8aToHex } from '@polkadot/util';
import { decodeAddress } from '@polkadot/util-crypto';
import { typeBytes, typeLabel, type RecordType } from './formats';
import type { Session } from './session';

interface Info { public_key: string; chains: Array<{ genesis: string; org: number }> }

function base(session: Session): string {
  const url = session.config.keyserver;
  if (!url) {
    throw new Error('this portal was served without the hospital\'s key service: its operator runs `medchain portal serve --keyserver URL`');
  }
  return url;
}

async function answer<T>(res: Response): Promise<T> {
  const body = (await res.json().catch(() => ({}))) as T & { error?: string };
  if (!res.ok) throw new Error(`the key service refused: ${body.error ?? res.statusText}`);
  return body;
}

/** The service's public key, checked to be organisation `org`'s on this chain. */
export async function serviceKey(session: Session, org: number): Promise<string> {
  const info = await answer<Info>(await fetch(`${base(session)}/v1/info`));
  const genesis = session.api.genesisHash.toHex().replace(/^0x/, '');
  const served = info.chains.find((c) => c.genesis === genesis);
  if (!served) throw new Error('the key service does not serve this chain');
  if (served.org !== org) throw new Error(`the key service holds organisation ${served.org}'s key, not organisation ${org}'s`);
  return info.public_key;
}

const le = (n: number, bytes: number): Uint8Array => {
  const out = new Uint8Array(bytes);
  let v = BigInt(n);
  for (let i = 0; i < bytes; i++) { out[i] = Number(v & 0xffn); v >>= 8n; }
  return out;
};

/**
 * A request to organisation `org`'s service on this chain, signed by the chosen account: `call`
 * (`open`, `tag`, `rotate`) with `fields`, over "medchain/keyserver/v1/<call>" || genesis || org (u32 LE)
 * || `parts` || a fresh challenge (docs/formats.md, "Key service requests").
 */
async function signed<T>(session: Session, org: number, call: string, parts: Uint8Array[], fields: object): Promise<T> {
  await serviceKey(session, org);
  const url = base(session);
  const { challenge } = await answer<{ challenge: string }>(await fetch(`${url}/v1/challenge`, { method: 'POST' }));
  const genesis = session.api.genesisHash.toU8a();
  const message = u8aConcat(new TextEncoder().encode(`medchain/keyserver/v1/${call}`), genesis, le(org, 4), ...parts,
    hexToBytes(challenge));
  const signature = await session.signRaw(message);
  const res = await fetch(`${url}/v1/${call}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      account: session.me().address,
      genesis: u8aToHex(genesis, -1, false),
      ...fields,
      challenge,
      signature: u8aToHex(signature, -1, false),
    }),
  });
  return answer<T>(res);
}

/** Record `id`'s data key, sealed to the chosen account's key; its read must be logged already. */
export async function openThroughService(session: Session, org: number, id: number): Promise<Uint8Array> {
  const { sealed } = await signed<{ sealed: string }>(session, org, 'open', [le(id, 8)], { record: id });
  return hexToBytes(sealed);
}

/**
 * The tag of `recordType` for `patient` in organisation `org`'s care: the `typeTag` of a record
 * the chosen account, a clinician there, creates about them (only the service holds the patient's
 * type key).
 */
export async function tagThroughService(session: Session, org: number, patient: string, recordType: RecordType): Promise<Uint8Array> {
  const { tag } = await signed<{ tag: string }>(session, org, 'tag', [decodeAddress(patient), typeBytes(recordType)],
    { patient, record_type: typeLabel(recordType) });
  return hexToBytes(tag);
}

/** A step of moving the organisation to a new key, as its admin (`org rotate-key` in the CLI). */
export interface RotateAnswer {
  next_public_key: string;
  resealed?: Array<{ record: number; sealed: string }>;
  care?: Array<{ patient: string; sealed: string }>;
  stranded?: number[];
  finished?: boolean;
}

const STEPS = { begin: 0, reseal: 1, finish: 2 } as const;

/** Asks the service for rotation step `step` of organisation `org`, signed by the chosen account. */
export function rotateStep(session: Session, org: number, step: keyof typeof STEPS): Promise<RotateAnswer> {
  return signed<RotateAnswer>(session, org, 'rotate', [new Uint8Array([STEPS[step]])], { step });
}

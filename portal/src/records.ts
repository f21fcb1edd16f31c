// What the patient, clinician and hospital views share: record types, block times, and the
// whole read path of flow 3 (DESIGN.md): may I read it, which sealed key is mine, fetch by CID and
// check the CID, decrypt, check the SHA-256 on chain, log the access, and only then show it.
import { hexToBytes } from '@noble/hashes/utils.js';
import { decrypt, open, openType, verifyPlaintext } from './crypto';
import { typeFromBytes, typeLabel } from './formats';
import { openThroughService } from './keyservice';
import type { Session } from './session';

export { parseType, typeLabel, type RecordType } from './formats';

export interface RecordView {
  id: number;
  record: {
    patient: string;
    custodian: number;
    author: string;
    /** The type's tag under the patient's type key with the custodian: meaningless to others. */
    typeTag: string;
    /** The type sealed under the data key. */
    sealedType: string;
    plaintextHash: string;
    cid: string;
    version: number;
    previous: number | null;
    supersededBy: number | null;
    createdAt: number;
    keyForPatient: string;
    keyForCustodian: string;
  };
  cid: string;
  origin: unknown;
}

/**
 * A record's type as `loinc:…`, opened with its data key (the patient's copy, or a grant's), or
 * `sealed` when this page holds no key that opens it.
 */
export function typeOf(view: RecordView, sealedKey: string | null | undefined, secret: Uint8Array | null | undefined): string {
  if (!sealedKey || !secret) return 'sealed';
  try {
    const dataKey = open(hexToBytes(sealedKey.replace(/^0x/, '')), secret);
    return typeLabel(typeFromBytes(openType(dataKey, hexToBytes(view.record.sealedType.replace(/^0x/, '')))));
  } catch {
    return 'sealed';
  }
}

export interface Grant { basis: 'Patient' | 'RecordType' | 'Emergency'; grantedAt: number; expiresAt: number; wrappedKey: string | null; depositor: string; deposit: number | string }

/** The HL7 v3-PurposeOfUse code of an emergency reason as the chain names it. */
export const PURPOSE_OF_USE: Record<string, string> = {
  EmergencyTreatment: 'ETREAT',
  BreakTheGlass: 'BTG',
  Disaster: 'DISASTER',
  Threat: 'THREAT',
  PublicHealth: 'PUBHLTH',
};

/** The block time in milliseconds (Aura's slot). */
export function slotMs(session: Session): number {
  return Number(session.api.consts.aura?.slotDuration?.toString() ?? 6000) || 6000;
}

/**
 * A formatter of block numbers with their approximate wall-clock time, from the best block (read
 * once, when a view is drawn) and the slot length.
 */
export async function blockClock(session: Session): Promise<(block: number) => string> {
  const best = (await session.api.rpc.chain.getHeader()).number.toNumber();
  const slot = slotMs(session);
  const now = Date.now();
  return (block) => {
    const when = new Date(now + (block - best) * slot);
    return `block ${block} (~${when.toISOString().slice(0, 16).replace('T', ' ')} UTC)`;
  };
}

export async function recordView(session: Session, id: number): Promise<RecordView | null> {
  return (await session.api.call.medicalRecordsApi.record(id)).toJSON() as unknown as RecordView | null;
}

const DENIED: Record<string, string> = {
  UnknownRecord: 'there is no such record',
  NoGrant: 'this record is not shared with you (never granted, or revoked)',
  Expired: 'your access to this record has expired',
  TypeGrantEnded: 'the record-type grant this record was shared under has ended',
  LeftCustodian: 'your emergency opening ended when you left the hospital that keeps this record',
};

/** `medicalRecordsApi.sealedKeyFor`'s answer: `sealedTo` is `reader` or `{ custodian: org }`. */
interface SealedKey { access: unknown; key: string; sealedTo: string | { custodian?: number } }

/** An opened record; `legacyDigest` when its chain entry is a plain SHA-256 (made before commitments). */
export interface Opened { bytes: Uint8Array; block: number; view: RecordView; legacyDigest: boolean }

/**
 * Opens record `id` as the chosen account. Every check the chain answers happens before anything
 * is signed; the access is logged on chain before the content is returned, and, for a record the
 * hospital keeps, before its key service is asked for the data key.
 */
export async function openRecord(session: Session, id: number, progress: (step: string) => void): Promise<Opened> {
  const api = session.api;
  const view = await recordView(session, id);
  if (!view) throw new Error(`record ${id}: ${DENIED.UnknownRecord}`);
  // The patient reads as the record's patient (their pseudonym there); anyone else as themselves.
  const me = session.identityFor(view.record.patient, view.record.custodian);
  const secret = me.secret ?? session.secret();
  // The pallet says which sealed key opens the record for me, and whose key opens that.
  const answer = (await api.call.medicalRecordsApi.sealedKeyFor(id, me.address)).toJSON() as { ok?: SealedKey; err?: string };
  if (answer.err !== undefined) throw new Error(`record ${id}: ${DENIED[answer.err] ?? answer.err}`);
  const { key: sealed, sealedTo } = answer.ok as SealedKey;
  let block: number | undefined;
  let dataKey: Uint8Array;
  if (typeof sealedTo !== 'string' && sealedTo.custodian !== undefined) {
    // Sealed to the hospital: only its key service opens it, and only once the read is on chain.
    progress('logging the access on chain');
    block = (await session.send(api.tx.medicalRecords.logAccess(id), me)).block;
    progress('asking the hospital\'s key service');
    dataKey = open(await openThroughService(session, sealedTo.custodian, id), secret);
  } else {
    dataKey = open(hexToBytes(sealed.replace(/^0x/, '')), secret);
  }
  progress(`fetching ${view.cid} from IPFS`);
  const ciphertext = await session.ipfs.cat(view.cid);
  progress('decrypting');
  const plain = decrypt(dataKey, ciphertext);
  const legacyDigest = verifyPlaintext(plain, hexToBytes(view.record.plaintextHash.replace(/^0x/, ''))) === 'sha256';
  if (block === undefined) {
    progress('logging the access on chain');
    block = (await session.send(api.tx.medicalRecords.logAccess(id), me)).block;
  }
  return { bytes: plain.bytes, block, view, legacyDigest };
}

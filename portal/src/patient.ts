// Patient view: the hospitals I authorise to index records about me, my records, who may read
// each and until when, grant and revoke, and each record's complete audit trail with emergency
// openings and their reasons highlighted.
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { open, seal, typeKey, x25519Public } from './crypto';
import { action, h, table } from './dom';
import { parseUntil } from './formats';
import { blockClock, PURPOSE_OF_USE, slotMs, typeOf, type Grant, type RecordView } from './records';
import type { Identity, Session } from './session';

interface GrantView { grantee: string; grant: Grant; effective: boolean }
interface AuditEntry { who: string; action: string; at: number; reason: string | null }
interface Audit { grants: number; revocations: number; emergencyOpenings: number; accesses: number; total: number; recent: AuditEntry[] }
interface CareView { org: number; care: { since: number } }

/** Every entry of a record's audit trail, page by page (the chain returns a bounded page). */
async function auditEntries(session: Session, record: number, total: number): Promise<AuditEntry[]> {
  const all: AuditEntry[] = [];
  while (all.length < total) {
    const page = (await session.api.call.medicalRecordsApi.auditEntries(record, all.length, 0xffffffff)).toJSON() as unknown as AuditEntry[];
    if (!page.length) throw new Error(`the chain counts ${total} audit entries of record ${record} but returned ${all.length}`);
    all.push(...page);
  }
  return all;
}

/** The hospitals the patient authorises, each with an End button, and a form to add one. */
async function careSection(session: Session, identities: Identity[]): Promise<HTMLElement> {
  const api = session.api;
  const out = h('p', { class: 'message', id: 'care-message' });
  const rows: Array<Array<string | HTMLElement>> = [];
  for (const who of identities) {
    const care = (await api.call.medicalRecordsApi.careOf(who.address)).toJSON() as unknown as CareView[];
    for (const c of care) {
      const end = h('button', { class: 'end-care' }, 'End');
      action(end, out, async () => {
        const done = await session.send(api.tx.medicalRecords.endCare(c.org), who);
        return `organisation ${c.org} indexes no more records about you (block ${done.block})`;
      });
      rows.push([`organisation ${c.org}`, `since block ${c.care.since}`, h('code', {}, who.address), end]);
    }
  }
  const org = h('input', { id: 'care-org', placeholder: 'organisation id', size: '8' });
  const showAccount = h('button', { id: 'show-pseudonym' }, 'My account there');
  const shown = h('code', { id: 'care-pseudonym' });
  const add = h('button', { id: 'grant-care' }, 'Authorise');
  const orgId = (): number => {
    // An account with a secret here has a pseudonym per hospital, derived from its key: never
    // fall back to the account itself because the key is still locked.
    if (session.me().pair && !session.hasSecret()) throw new Error('unlock your encryption key first (Account page): your account at each hospital is derived from it');
    const id = Number(org.value);
    if (org.value.trim() === '' || !Number.isSafeInteger(id) || id < 0) throw new Error(`'${org.value}' is not an organisation id`);
    return id;
  };
  action(showAccount, out, async () => {
    const id = orgId();
    const who = session.pseudonymAt(id);
    shown.textContent = who.address;
    return who.org === undefined
      ? `this account has no pseudonyms (its secret is not in this page): organisation ${id} knows you as ${who.address}`
      : `at organisation ${id} you are ${who.address}: give it to the hospital, which funds it, then authorise`;
  });
  action(add, out, async () => {
    const id = orgId();
    const who = session.pseudonymAt(id);
    if (who.org !== undefined && who.secret) {
      const account = (await api.query.system.account(who.address)).toJSON() as { data: { free: string | number } };
      if (BigInt(account.data.free) === 0n) {
        throw new Error(`your account at organisation ${id}, ${who.address}, holds nothing to pay for its calls: the hospital funds it (its Hospital page, Fund a patient); funding it yourself would link it to you`);
      }
      const key = bytesToHex(x25519Public(who.secret));
      if ((await session.registeredKey(who.address)) !== key) {
        await session.send(api.tx.medicalRecords.setEncryptionKey(`0x${key}`), who);
      }
    }
    // The hospital's key service tags the types of records about the patient with the patient's
    // type key, sealed to the organisation's key here.
    const orgKey = ((await api.call.medicalRecordsApi.organisation(id)).toJSON() as { key: string | null } | null)?.key;
    if (!orgKey) throw new Error(`organisation ${id} has no key yet: its admin sets its key service's first`);
    const sealedTypeKey = seal(typeKey(who.secret ?? session.secret()), hexToBytes(orgKey.replace(/^0x/, '')));
    const done = await session.send(api.tx.medicalRecords.grantCare(id, sealedTypeKey), who);
    return `organisation ${id} may index records about you as ${who.address} (block ${done.block})`;
  });
  return h('section', { id: 'care' },
    h('h3', {}, 'My hospitals'),
    h('p', { class: 'muted' }, 'Only hospitals you authorise can add records about you. Each knows you by an account of your own there, derived from your key, so that no two can link your records.'),
    rows.length ? table(['hospital', 'since', 'as', ''], rows) : h('p', { class: 'muted' }, 'none yet'),
    h('p', {}, org, ' ', showAccount, ' ', add, ' ', shown),
    out);
}

/** Expiry as a block number, from the best block and the chain's block time. */
async function expiry(session: Session, text: string): Promise<number> {
  const best = (await session.api.rpc.chain.getHeader()).number.toNumber();
  return parseUntil(text, best, slotMs(session));
}

export async function patientView(session: Session, view: HTMLElement): Promise<void> {
  const api = session.api;
  const me = session.me();
  const blockTime = await blockClock(session);
  // The records of the account and of each of its pseudonyms (made by the CLI, docs/formats.md).
  const identities = await session.patientIdentities();
  const records: Array<{ r: RecordView; who: Identity }> = [];
  for (const who of identities) {
    const mine = (await api.call.medicalRecordsApi.recordsOf(who.address)).toJSON() as unknown as RecordView[];
    records.push(...mine.map((r) => ({ r, who })));
  }
  records.sort((a, b) => a.r.id - b.r.id);
  const sections: HTMLElement[] = [];
  for (const { r, who } of records) {
    const [grantsOf, auditOf] = await Promise.all([api.call.medicalRecordsApi.grantsOf(r.id), api.call.medicalRecordsApi.audit(r.id)]);
    const grants = grantsOf.toJSON() as unknown as GrantView[];
    const audit = auditOf.toJSON() as unknown as Audit;
    const trail = await auditEntries(session, r.id, audit.total);
    const out = h('p', { class: 'message' });
    const grantRows = grants.map((g) => {
      const revoke = h('button', { class: 'revoke' }, 'Revoke');
      action(revoke, out, async () => {
        const done = await session.send(api.tx.medicalRecords.revokeAccess(r.id, g.grantee), who);
        return `revoked in block ${done.block}: it stops working from the next block`;
      });
      return [h('code', {}, g.grantee), g.grant.basis, blockTime(g.grant.expiresAt),
        h('span', { class: g.effective ? 'ok' : 'error' }, g.effective ? 'active' : 'expired'), revoke];
    });
    const grantee = h('input', { class: 'grantee', placeholder: 'clinician account (SS58)', size: '50' });
    const until = h('input', { class: 'until', value: '7d', size: '6' });
    const grant = h('button', { class: 'grant' }, 'Grant');
    action(grant, out, async () => {
      const address = session.parseAccount(grantee.value, 'clinician');
      const key = await session.registeredKey(address);
      if (!key) throw new Error(`${address} has registered no encryption key: they register one first (Account page or \`medchain key register\`)`);
      const expiresAt = await expiry(session, until.value);
      const dataKey = open(hexToBytes(r.record.keyForPatient.replace(/^0x/, '')), who.secret ?? session.secret());
      const sealed = seal(dataKey, hexToBytes(key));
      const done = await session.send(api.tx.medicalRecords.grantAccess(r.id, address, expiresAt, sealed), who);
      return `granted until block ${expiresAt}, in block ${done.block}`;
    });
    const entries = trail.map((e) => {
      const emergency = e.action === 'EmergencyOpened';
      const why = emergency && e.reason ? ` (${PURPOSE_OF_USE[e.reason] ?? e.reason})` : '';
      return h('li', { class: emergency ? 'emergency' : '' },
        `${emergency ? 'EMERGENCY OPENING' : e.action}${why} by `, h('code', {}, e.who), ` at block ${e.at}`);
    });
    sections.push(h('section', { class: 'record', id: `record-${r.id}` },
      h('h3', {}, `Record ${r.id}: ${typeOf(r, r.record.keyForPatient, who.secret ?? (session.hasSecret() ? session.secret() : null))}`),
      h('p', {}, `custodian organisation ${r.record.custodian}, version ${r.record.version}`,
        r.record.previous !== null ? ` (amends record ${r.record.previous})` : '',
        r.record.supersededBy !== null ? `, superseded by record ${r.record.supersededBy}` : '',
        who.org !== undefined ? ', under your pseudonym there' : '',
        `, ${blockTime(r.record.createdAt)}`),
      h('h4', {}, 'Who can read it'),
      grantRows.length ? table(['grantee', 'basis', 'until', 'status', ''], grantRows) : h('p', { class: 'muted' }, 'nobody but you and your hospital'),
      h('p', {}, grantee, ' until ', until, ' ', grant),
      h('h4', {}, 'Audit trail'),
      h('p', { class: 'audit-counts' }, `${audit.grants} grants, ${audit.revocations} revocations, `,
        h('span', { class: audit.emergencyOpenings ? 'emergency' : '' }, `${audit.emergencyOpenings} emergency openings`),
        `, ${audit.accesses} accesses`),
      h('ul', { class: 'audit' }, ...entries),
      out));
  }
  view.replaceChildren(h('h2', {}, `My records (${me.name})`), await careSection(session, identities),
    ...(sections.length ? sections : [h('p', { class: 'muted' }, 'No records yet.')]));
  if (!session.hasSecret()) {
    view.prepend(h('p', { class: 'error' }, 'Unlock your encryption key (Account page) to grant access.'));
  }
}

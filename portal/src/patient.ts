// Patient view: the hospitals I authorise to index records about me, my records, who may read
// each and until when, grant and revoke, and each record's complete audit trail with emergency
// openings and their reasons highlighted.
import { hexToBytes } from '@noble/hashes/utils.js';
import { open, seal } from './crypto';
import { action, h, table } from './dom';
import { parseUntil } from './formats';
import { blockClock, PURPOSE_OF_USE, slotMs, typeLabel, type Grant, type RecordView } from './records';
import type { Session } from './session';

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
async function careSection(session: Session): Promise<HTMLElement> {
  const api = session.api;
  const care = (await api.call.medicalRecordsApi.careOf(session.me().address)).toJSON() as unknown as CareView[];
  const out = h('p', { class: 'message', id: 'care-message' });
  const rows = care.map((c) => {
    const end = h('button', { class: 'end-care' }, 'End');
    action(end, out, async () => {
      const done = await session.send(api.tx.medicalRecords.endCare(c.org));
      return `organisation ${c.org} indexes no more records about you (block ${done.block})`;
    });
    return [`organisation ${c.org}`, `since block ${c.care.since}`, end];
  });
  const org = h('input', { id: 'care-org', placeholder: 'organisation id', size: '8' });
  const add = h('button', { id: 'grant-care' }, 'Authorise');
  action(add, out, async () => {
    const id = Number(org.value);
    if (org.value.trim() === '' || !Number.isSafeInteger(id) || id < 0) throw new Error(`'${org.value}' is not an organisation id`);
    const done = await session.send(api.tx.medicalRecords.grantCare(id));
    return `organisation ${id} may index records about you (block ${done.block})`;
  });
  return h('section', { id: 'care' },
    h('h3', {}, 'My hospitals'),
    h('p', { class: 'muted' }, 'Only hospitals you authorise can add records about you.'),
    rows.length ? table(['hospital', 'since', ''], rows) : h('p', { class: 'muted' }, 'none yet'),
    h('p', {}, org, ' ', add),
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
  const records = (await api.call.medicalRecordsApi.recordsOf(me.address)).toJSON() as unknown as RecordView[];
  const sections: HTMLElement[] = [];
  for (const r of records) {
    const [grantsOf, auditOf] = await Promise.all([api.call.medicalRecordsApi.grantsOf(r.id), api.call.medicalRecordsApi.audit(r.id)]);
    const grants = grantsOf.toJSON() as unknown as GrantView[];
    const audit = auditOf.toJSON() as unknown as Audit;
    const trail = await auditEntries(session, r.id, audit.total);
    const out = h('p', { class: 'message' });
    const grantRows = grants.map((g) => {
      const revoke = h('button', { class: 'revoke' }, 'Revoke');
      action(revoke, out, async () => {
        const done = await session.send(api.tx.medicalRecords.revokeAccess(r.id, g.grantee));
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
      const dataKey = open(hexToBytes(r.record.keyForPatient.replace(/^0x/, '')), session.secret());
      const sealed = seal(dataKey, hexToBytes(key));
      const done = await session.send(api.tx.medicalRecords.grantAccess(r.id, address, expiresAt, sealed));
      return `granted until block ${expiresAt}, in block ${done.block}`;
    });
    const entries = trail.map((e) => {
      const emergency = e.action === 'EmergencyOpened';
      const why = emergency && e.reason ? ` (${PURPOSE_OF_USE[e.reason] ?? e.reason})` : '';
      return h('li', { class: emergency ? 'emergency' : '' },
        `${emergency ? 'EMERGENCY OPENING' : e.action}${why} by `, h('code', {}, e.who), ` at block ${e.at}`);
    });
    sections.push(h('section', { class: 'record', id: `record-${r.id}` },
      h('h3', {}, `Record ${r.id}: ${typeLabel(r.record.recordType)}`),
      h('p', {}, `custodian organisation ${r.record.custodian}, version ${r.record.version}`,
        r.record.previous !== null ? ` (amends record ${r.record.previous})` : '',
        r.record.supersededBy !== null ? `, superseded by record ${r.record.supersededBy}` : '',
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
  view.replaceChildren(h('h2', {}, `My records (${me.name})`), await careSection(session),
    ...(sections.length ? sections : [h('p', { class: 'muted' }, 'No records yet.')]));
  if (!session.hasSecret()) {
    view.prepend(h('p', { class: 'error' }, 'Unlock your encryption key (Account page) to grant access.'));
  }
}

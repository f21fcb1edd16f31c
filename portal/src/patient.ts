// Patient view: my records, who may read each and until when, grant and revoke, and each record's
// audit trail with emergency openings highlighted.
import { hexToBytes } from '@noble/hashes/utils.js';
import { open, seal } from './crypto';
import { action, h, table } from './dom';
import { parseUntil } from './formats';
import { blockClock, slotMs, typeLabel, type Grant, type RecordView } from './records';
import type { Session } from './session';

interface GrantView { grantee: string; grant: Grant; effective: boolean }
interface Audit { grants: number; revocations: number; emergencyOpenings: number; accesses: number; recent: Array<{ who: string; action: string; at: number }> }

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
    const entries = audit.recent.map((e) => {
      const row = h('li', { class: e.action === 'EmergencyOpened' ? 'emergency' : '' },
        `${e.action === 'EmergencyOpened' ? 'EMERGENCY OPENING' : e.action} by `, h('code', {}, e.who), ` at block ${e.at}`);
      return row;
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
  view.replaceChildren(h('h2', {}, `My records (${me.name})`),
    ...(sections.length ? sections : [h('p', { class: 'muted' }, 'No records yet.')]));
  if (!session.hasSecret()) {
    view.prepend(h('p', { class: 'error' }, 'Unlock your encryption key (Account page) to grant access.'));
  }
}

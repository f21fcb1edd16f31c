// Clinician view: the records shared with me and each grant's state; open one (fetch by CID,
// check the CID, decrypt here, check the SHA-256 on chain, log the access), then show or save it.
// Records that were shared and are no longer are shown as revoked.
import { action, h, say, table } from './dom';
import { blockClock, openRecord, typeOf, type Grant, type RecordView } from './records';
import type { Session } from './session';

interface Shared { record: RecordView; grant: Grant; effective: boolean }

const SEEN = 'medchain:seen:';

function showContent(target: HTMLElement, id: number, bytes: Uint8Array): void {
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes.subarray(0, 4096));
  const printable = !/[\u0000-\u0008\u000e-\u001f\ufffd]/.test(text);
  const link = h('a', { id: 'download', download: `record-${id}.bin` }, `Save record ${id} (${bytes.length} bytes)`);
  link.href = URL.createObjectURL(new Blob([bytes as BlobPart]));
  target.replaceChildren(h('h3', {}, `Record ${id}`), link,
    printable ? h('pre', { id: 'content' }, text + (bytes.length > 4096 ? '\n…' : '')) : h('p', { class: 'muted' }, 'binary content: save it to view'));
}

export async function clinicianView(session: Session, view: HTMLElement): Promise<void> {
  const api = session.api;
  const me = session.me();
  const out = h('p', { id: 'clinician-message', class: 'message' });
  const content = h('div', { id: 'opened' });
  const shared = (await api.call.medicalRecordsApi.sharedWith(me.address)).toJSON() as unknown as Shared[];
  const seen = new Set<number>(JSON.parse(localStorage.getItem(SEEN + me.address) ?? '[]') as number[]);
  const listed = new Set(shared.map((s) => s.record.id));
  const blockTime = await blockClock(session);
  const openAndShow = async (id: number) => {
    content.replaceChildren();
    const opened = await openRecord(session, id, (step) => say(out, step, 'muted'));
    showContent(content, id, opened.bytes);
    const legacy = opened.legacyDigest
      ? ' (made before digests were commitments: its public SHA-256 would confirm a guessed document; a new version gives it a commitment)'
      : '';
    return `record ${id} verified and decrypted; access logged in block ${opened.block}${legacy}`;
  };
  const openButton = (id: number) => {
    const b = h('button', { class: 'open', 'data-record': String(id) }, 'Open');
    action(b, out, () => openAndShow(id));
    return b;
  };
  const rows: Array<Array<Node | string>> = [];
  for (const s of shared) {
    seen.add(s.record.id);
    // The type opens with the key the grant seals to me; an emergency opening holds none.
    const secret = session.hasSecret() ? session.secret() : null;
    rows.push([String(s.record.id), h('code', {}, s.record.record.patient), typeOf(s.record, s.grant.wrappedKey, secret),
      String(s.record.record.custodian), blockTime(s.grant.expiresAt),
      h('span', { class: `status ${s.effective ? 'ok' : 'error'}` }, s.effective ? `shared (${s.grant.basis})` : 'expired'),
      openButton(s.record.id)]);
  }
  for (const id of [...seen].filter((id) => !listed.has(id)).sort((a, b) => a - b)) {
    const r = (await api.call.medicalRecordsApi.record(id)).toJSON() as unknown as RecordView | null;
    rows.push([String(id), h('code', {}, r?.record.patient ?? '?'), r ? 'sealed' : '?',
      r ? String(r.record.custodian) : '?', '', h('span', { class: 'status error' }, 'revoked'), openButton(id)]);
  }
  localStorage.setItem(SEEN + me.address, JSON.stringify([...seen]));
  const byId = h('input', { id: 'record-id', placeholder: 'record id', size: '8' });
  const openById = h('button', { id: 'open-by-id' }, 'Open by id');
  action(openById, out, async () => {
    const id = Number(byId.value);
    if (!Number.isSafeInteger(id) || id < 0 || byId.value.trim() === '') throw new Error(`'${byId.value}' is not a record id`);
    return openAndShow(id);
  });
  view.replaceChildren(h('h2', {}, `Shared with me (${me.name})`),
    rows.length ? table(['record', 'patient', 'type', 'custodian', 'until', 'status', ''], rows, 'shared')
      : h('p', { class: 'muted', id: 'shared' }, 'Nothing is shared with you.'),
    h('p', {}, byId, ' ', openById, h('span', { class: 'muted' }, ' (your hospital\'s records, or your own)')),
    out, content);
  if (!session.hasSecret()) view.prepend(h('p', { class: 'error' }, 'Unlock your encryption key (Account page) to open records.'));
}

// Hospital view: for a clinician of an organisation, upload a record for a patient or amend one
// (encrypt here, add the ciphertext to IPFS with its CID checked, register it on chain with the
// data key sealed to the patient and to the organisation); for an admin, make the hospital's key
// service's key the organisation's (never a person's own key), or move the organisation to a new
// key (the service makes it, every record is re-sealed to it, the old secret is destroyed); fund a
// patient's pseudonym here, so that the patient's consent calls need nothing of their own account.
import { hexToBytes } from '@noble/hashes/utils.js';
import { u8aToHex } from '@polkadot/util';
import { CID } from 'multiformats/cid';
import { encrypt, newDataKey, seal, sealType } from './crypto';
import { action, h, say } from './dom';
import { typeBytes } from './formats';
import { rotateStep, serviceKey, tagThroughService } from './keyservice';
import { parseType } from './records';
import type { Session } from './session';

/** What the hospital gives a patient's pseudonym: a registration, a care relationship and some dozen grants. */
const SPONSOR_MED = 5;
const PLANCK_PER_MED = 10n ** 12n;

interface Membership { org: number; role: string; key: string | null }

async function memberships(session: Session, address: string): Promise<Membership[]> {
  const api = session.api;
  const mine = (await api.call.medicalRecordsApi.memberships(address)).toJSON() as Array<[number, string]>;
  return Promise.all(mine.map(async ([org, role]) => {
    const o = (await api.call.medicalRecordsApi.organisation(org)).toJSON() as { key: string | null } | null;
    return { org, role, key: o?.key ? o.key.replace(/^0x/, '') : null };
  }));
}

export async function hospitalView(session: Session, view: HTMLElement): Promise<void> {
  const api = session.api;
  const me = session.me();
  const orgs = (await memberships(session, me.address)).filter((m) => m.role === 'Admin' || m.role === 'Clinician');
  if (orgs.length === 0) {
    view.replaceChildren(h('h2', {}, 'Hospital'),
      h('p', { class: 'error' }, `${me.name} is no clinician or admin of any organisation: an admin adds members (medchain org add-member).`));
    return;
  }
  const out = h('p', { id: 'hospital-message', class: 'message' });
  const org = h('select', { id: 'org' }, ...orgs.map((m) => h('option', { value: String(m.org) }, `organisation ${m.org} (${m.role})`)));
  const patient = h('input', { id: 'patient', placeholder: 'patient account (SS58)', size: '50' });
  const type = h('input', { id: 'record-type', placeholder: 'loinc:11506-3', size: '16' });
  const previous = h('input', { id: 'previous', placeholder: 'amends record (optional)', size: '10' });
  const file = h('input', { id: 'record-file', type: 'file' });
  const upload = h('button', { id: 'upload' }, 'Encrypt, store and register');
  const setKey = h('button', { id: 'set-org-key' }, 'Make the key service\'s key the organisation\'s key');
  const rotate = h('button', { id: 'rotate-org-key' }, 'Move the organisation to a new key');
  const sponsored = h('input', { id: 'sponsor-patient', placeholder: 'patient\'s account here (SS58)', size: '50' });
  const sponsor = h('button', { id: 'sponsor' }, `Fund with ${SPONSOR_MED} MED`);

  action(upload, out, async () => {
    const chosen = file.files?.[0];
    if (!chosen) throw new Error('choose a file');
    const orgId = Number(org.value);
    const address = session.parseAccount(patient.value, 'patient');
    const recordType = parseType(type.value);
    const prev = previous.value.trim() === '' ? null : Number(previous.value);
    if (prev !== null && !Number.isSafeInteger(prev)) throw new Error(`'${previous.value}' is not a record id`);
    const patientKey = await session.registeredKey(address);
    if (!patientKey) throw new Error(`the patient ${address} has registered no encryption key: nothing was stored`);
    const care = (await api.call.medicalRecordsApi.careOf(address)).toJSON() as unknown as Array<{ org: number }>;
    if (!care.some((c) => c.org === orgId)) throw new Error(`the patient ${address} has not authorised organisation ${orgId} to index records about them: they do so on their page (My hospitals) or with \`medchain care grant ${orgId}\`; nothing was stored`);
    const orgKey = orgs.find((m) => m.org === orgId)?.key;
    if (!orgKey) throw new Error(`organisation ${orgId} has no key: its admin sets its key service's first (this page, or medchain org set-key)`);
    // The chain learns the type only as the patient's tag, which the key service computes.
    say(out, 'tagging the record type at the key service', 'muted');
    const tag = await tagThroughService(session, orgId, address, recordType);
    if (prev !== null) {
      const old = (await api.call.medicalRecordsApi.record(prev)).toJSON() as { record: { typeTag: string } } | null;
      if (old && old.record.typeTag.replace(/^0x/, '') !== u8aToHex(tag, -1, false)) {
        throw new Error(`record ${prev} is not of type ${type.value.trim()}: an amendment keeps its record's type, so nothing was stored`);
      }
    }
    // Fail before encrypting if IPFS is not there.
    await session.ipfs.version();
    say(out, 'encrypting in this browser', 'muted');
    const dataKey = newDataKey();
    const { ciphertext, commitment } = encrypt(dataKey, new Uint8Array(await chosen.arrayBuffer()));
    say(out, 'adding the ciphertext to IPFS', 'muted');
    const cid = await session.ipfs.add(ciphertext, `${chosen.name}.medchain`);
    say(out, 'registering on chain', 'muted');
    const done = await session.send(api.tx.medicalRecords.createRecord(orgId, address, tag,
      sealType(dataKey, typeBytes(recordType)), commitment,
      u8aToHex(CID.parse(cid).bytes),
      ciphertext.length, prev, seal(dataKey, hexToBytes(patientKey)), seal(dataKey, hexToBytes(orgKey))));
    const created = done.events.find((e) => e.section === 'medicalRecords' && e.method === 'RecordCreated');
    const id = created ? (created.data as unknown[])[0] : '?';
    return `record ${id} stored as ${cid} and registered in block ${done.block}`;
  });
  action(setKey, out, async () => {
    const orgId = Number(org.value);
    const key = await serviceKey(session, orgId);
    const done = await session.send(api.tx.medicalRecords.setOrganisationKey(orgId, `0x${key}`));
    const m = orgs.find((x) => x.org === orgId);
    if (m) m.key = key;
    return `organisation ${orgId}'s key is now its key service's (block ${done.block})`;
  });

  action(rotate, out, async () => {
    const orgId = Number(org.value);
    say(out, 'the key service makes the next key', 'muted');
    const next = (await rotateStep(session, orgId, 'begin')).next_public_key;
    const onChain = ((await api.call.medicalRecordsApi.organisation(orgId)).toJSON() as { key: string | null } | null)?.key;
    if (onChain?.replace(/^0x/, '') !== next) {
      say(out, 'setting it on chain', 'muted');
      await session.send(api.tx.medicalRecords.setOrganisationKey(orgId, `0x${next}`));
    }
    const m = orgs.find((x) => x.org === orgId);
    if (m) m.key = next;
    // One answer holds every record still to move; `resealForCustodian` takes `MaxReseal` a call.
    const batch = await rotateStep(session, orgId, 'reseal');
    const resealed = batch.resealed ?? [];
    const max = Number(api.consts.medicalRecords.maxReseal.toString());
    for (let i = 0; i < resealed.length; i += max) {
      const chunk = resealed.slice(i, i + max);
      say(out, `re-sealing records ${i + 1} to ${i + chunk.length} of ${resealed.length}`, 'muted');
      await session.send(api.tx.medicalRecords.resealForCustodian(orgId, chunk.map((r) => [r.record, `0x${r.sealed}`])));
    }
    // The patients' type keys too, with which the service tags their new records.
    const care = batch.care ?? [];
    for (let i = 0; i < care.length; i += max) {
      const chunk = care.slice(i, i + max);
      say(out, `re-sealing patients' type keys ${i + 1} to ${i + chunk.length} of ${care.length}`, 'muted');
      await session.send(api.tx.medicalRecords.resealTypeKeys(orgId, chunk.map((c) => [c.patient, `0x${c.sealed}`])));
    }
    // The service destroys the old secret only once the finalized chain holds the new key and
    // every re-sealed copy: it is asked again until then.
    say(out, 'waiting for finality, then the old secret is destroyed', 'muted');
    for (let attempt = 1; ; attempt++) {
      try {
        if ((await rotateStep(session, orgId, 'finish')).finished) break;
      } catch (e) {
        if (attempt >= 40 || !/not the new key yet|only with the old key/.test((e as Error).message)) throw e;
      }
      await new Promise((r) => setTimeout(r, 1500));
    }
    const stranded = batch.stranded ?? [];
    const left = stranded.length === 0 ? ''
      : `; records ${stranded.join(', ')} are sealed to a key the service never held and stay as they are (\`medchain org rotate-key\` with the key file that opens them moves them)`;
    return `organisation ${orgId} moved to key ${next}: ${resealed.length} records and ${care.length} patients' type keys re-sealed, the old secret destroyed${left}`;
  });

  action(sponsor, out, async () => {
    const address = session.parseAccount(sponsored.value, 'patient');
    const done = await session.send(api.tx.balances.transferKeepAlive(address, BigInt(SPONSOR_MED) * PLANCK_PER_MED));
    return `${address} received ${SPONSOR_MED} MED for its consent calls (block ${done.block})`;
  });

  view.replaceChildren(h('h2', {}, `Hospital (${me.name})`),
    h('p', {}, org, ' ', setKey, ' ', rotate),
    h('h3', {}, 'Upload a record'),
    h('p', { class: 'muted' }, 'The file is encrypted in this browser; only its ciphertext goes to IPFS, and only its commitment, its CID and its type, tagged and sealed, go on chain.'),
    h('p', {}, patient, ' ', type, ' ', previous),
    h('p', {}, file, ' ', upload),
    h('h3', {}, 'Fund a patient'),
    h('p', { class: 'muted' }, 'A patient is known here by their own account at this hospital, which starts empty; funds from the patient would link it to them, so the hospital pays for their consent calls.'),
    h('p', {}, sponsored, ' ', sponsor),
    out);
  if (!session.hasSecret()) view.prepend(h('p', { class: 'error' }, 'Unlock your encryption key (Account page) first.'));
}

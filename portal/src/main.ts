// The portal's shell: which node and IPFS API it talks to (config.ts), who is using it
// (session.ts), and its views. No server holds keys or plaintext: the page talks to the node's RPC
// and the IPFS API itself, and encrypts and decrypts here.
import { ApiPromise, WsProvider } from '@polkadot/api';
import { accountView } from './account';
import { clinicianView } from './clinician';
import { loadConfig } from './config';
import { h } from './dom';
import { hospitalView } from './hospital';
import { networkView } from './network';
import { patientView } from './patient';
import { Session } from './session';

const status = document.getElementById('connection') as HTMLElement;
const view = document.getElementById('view') as HTMLElement;
const picker = document.getElementById('account') as HTMLSelectElement;

function fillPicker(session: Session): void {
  picker.replaceChildren(h('option', { value: '' }, 'choose an account'),
    ...session.accounts.map((a) => {
      const o = h('option', { value: a.address }, `${a.name} (${a.source})`);
      if (a.address === session.current?.address) o.selected = true;
      return o;
    }));
}

async function main(): Promise<void> {
  const config = await loadConfig();
  // The server's Content-Security-Policy names the endpoints this page may talk to; a connection
  // it refuses is told apart from a node that is down.
  const refused: string[] = [];
  document.addEventListener('securitypolicyviolation', (e) => {
    if (e.effectiveDirective === 'connect-src') refused.push(e.blockedURI);
  });
  const provider = new WsProvider(config.rpc, 2_000);
  let api: ApiPromise;
  try {
    api = await ApiPromise.create({ provider, throwOnConnect: true, noInitWarn: true });
  } catch {
    // The violation report is a task of its own: let it land first.
    await new Promise((resolve) => setTimeout(resolve, 50));
    status.textContent = refused.length > 0
      ? `this portal's server does not let the page connect to ${config.rpc}: its operator allows it with \`medchain portal serve --allow-connect ${config.rpc}\``
      : `cannot reach the node at ${config.rpc}: start one with scripts/start.sh, or open the portal with ?rpc=ws://HOST:PORT`;
    status.className = 'error';
    await provider.disconnect();
    return;
  }
  const chain = await api.rpc.system.chain();
  status.textContent = `${chain.toString()} at ${config.rpc}`;
  status.className = 'muted';
  if (!api.call.kdposApi || !api.call.medicalRecordsApi || !api.tx.medicalRecords) {
    view.innerHTML = '<p class="error">This chain has no medchain pallets (no KdposApi or MedicalRecordsApi): point ?rpc= at a medchain node.</p>';
    return;
  }
  const session = new Session(api, config);
  await session.init();
  fillPicker(session);
  picker.addEventListener('change', () => session.choose(picker.value));
  const route = async () => {
    const name = (location.hash || '#network').slice(1);
    document.querySelectorAll("nav a").forEach((a) => a.classList.toggle('here', a.getAttribute('href') === `#${name}`));
    delete view.dataset.ready;
    view.replaceChildren(h('p', { class: 'muted' }, 'loading…'));
    try {
      if (['patient', 'clinician', 'hospital'].includes(name) && !session.current) {
        view.replaceChildren(h('p', { class: 'error' }, 'Choose an account first (top right).'));
        return;
      }
      switch (name) {
        case 'account': return await accountView(session, view);
        case 'patient': return await patientView(session, view);
        case 'clinician': return await clinicianView(session, view);
        case 'hospital': return await hospitalView(session, view);
        default: return await networkView(api, view, config.rpc);
      }
    } catch (e) {
      view.replaceChildren(h('p', { class: 'error' }, `this view failed: ${(e as Error).message}`));
    } finally {
      view.dataset.ready = name;
    }
  };
  // The account page refreshes itself (it would lose its messages if drawn again).
  session.onChange(() => {
    fillPicker(session);
    if (location.hash !== '#account') void route();
  });
  window.addEventListener('hashchange', () => void route());
  // Clicking the view one is on draws it again with what the chain says now.
  document.querySelectorAll('nav a').forEach((a) => a.addEventListener('click', () => {
    if (a.getAttribute('href') === (location.hash || '#network')) void route();
  }));
  await route();
}

void main();

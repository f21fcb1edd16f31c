// The portal's shell: which node it talks to (`?rpc=`, default the dev node), and its views.
// Nothing here holds keys on a server: the page talks to the node's RPC directly.
import { ApiPromise, WsProvider } from '@polkadot/api';
import { networkView } from './network';

const params = new URLSearchParams(location.search);
const rpc = params.get('rpc') ?? 'ws://127.0.0.1:9944';
const status = document.getElementById('connection') as HTMLElement;
const view = document.getElementById('view') as HTMLElement;

async function main(): Promise<void> {
  const provider = new WsProvider(rpc, 2_000);
  let api: ApiPromise;
  try {
    api = await ApiPromise.create({ provider, throwOnConnect: true, noInitWarn: true });
  } catch (e) {
    status.textContent = `cannot reach the node at ${rpc}: start one with scripts/start.sh, or open the portal with ?rpc=ws://HOST:PORT`;
    status.className = 'error';
    await provider.disconnect();
    return;
  }
  const chain = await api.rpc.system.chain();
  status.textContent = `${chain.toString()} at ${rpc}`;
  status.className = 'muted';
  if (!api.call.kdposApi || !api.call.medicalRecordsApi) {
    view.innerHTML = '<p class="error">This chain has no medchain pallets (no KdposApi or MedicalRecordsApi): point ?rpc= at a medchain node.</p>';
    return;
  }
  const route = () => {
    switch (location.hash || '#network') {
      default:
        return networkView(api, view, rpc);
    }
  };
  window.addEventListener('hashchange', () => void route());
  await route();
}

void main();

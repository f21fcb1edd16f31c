// Network view: finalized height, the producers and standbys K-DPoS elected, and every
// candidate's class and reason from the KdposApi runtime API.
import type { ApiPromise } from '@polkadot/api';

function cell(text: string): HTMLTableCellElement {
  const td = document.createElement('td');
  td.textContent = text;
  return td;
}

export async function networkView(api: ApiPromise, view: HTMLElement, rpc: string): Promise<void> {
  view.innerHTML = `
    <h2>Network</h2>
    <p>Finalized block <strong id="finalized">…</strong>, best <span id="best">…</span>
      (<a id="explorer" target="_blank" rel="noreferrer">explorer</a>)</p>
    <p>Era <span id="era">…</span>, session <span id="session">…</span></p>
    <h3>Validators producing now</h3><ul id="active"></ul>
    <h3>Elected producers</h3><ul id="producers"></ul>
    <h3>Standbys</h3><ul id="standbys"></ul>
    <h3>Candidates</h3>
    <table><thead><tr><th>account</th><th>organisation</th><th>role</th><th>class</th><th>score</th><th>reason</th><th>bond</th><th>producing</th></tr></thead>
      <tbody id="candidates"></tbody></table>`;
  (view.querySelector('#explorer') as HTMLAnchorElement).href =
    `https://polkadot.js.org/apps/?rpc=${encodeURIComponent(rpc)}#/explorer`;
  await api.rpc.chain.subscribeFinalizedHeads((h) => {
    const el = view.querySelector('#finalized');
    if (el) el.textContent = h.number.toString();
  });
  await api.rpc.chain.subscribeNewHeads((h) => {
    const el = view.querySelector('#best');
    if (el) el.textContent = h.number.toString();
  });
  const validators = (await api.call.kdposApi.validators()).toJSON() as {
    era: number;
    session: number;
    active: string[];
    disabled: string[];
    producers: string[];
    standbys: string[];
  };
  (view.querySelector('#era') as HTMLElement).textContent = String(validators.era);
  (view.querySelector('#session') as HTMLElement).textContent = String(validators.session);
  for (const [id, list] of [['active', validators.active], ['producers', validators.producers],
    ['standbys', validators.standbys]] as const) {
    const ul = view.querySelector(`#${id}`) as HTMLElement;
    ul.replaceChildren(...(list.length ? list : ['none']).map((a) => {
      const li = document.createElement('li');
      li.innerHTML = `<code></code>`;
      (li.firstChild as HTMLElement).textContent = a;
      return li;
    }));
  }
  const candidates = (await api.call.kdposApi.candidates()).toJSON() as Array<{
    account: string;
    org: number;
    role: unknown;
    bond: string | number;
    active: boolean;
    disabled: boolean;
    standing: { class: string; reason: unknown; score: number } | null;
  }>;
  const decimals = api.registry.chainDecimals[0] ?? 12;
  const token = api.registry.chainTokens[0] ?? 'MED';
  const body = view.querySelector('#candidates') as HTMLElement;
  body.replaceChildren(...candidates.map((c) => {
    const tr = document.createElement('tr');
    tr.append(cell(c.account), cell(String(c.org)), cell(JSON.stringify(c.role)),
      cell(c.standing ? String(c.standing.class) : 'unclassified'),
      // The composite score is in parts per million.
      cell(c.standing ? `${(c.standing.score / 10_000).toFixed(1)} %` : ''),
      cell(c.standing ? JSON.stringify(c.standing.reason) : ''),
      cell(`${(BigInt(c.bond) / 10n ** BigInt(decimals)).toString()} ${token}`),
      cell(c.disabled ? 'disabled' : c.active ? 'yes' : 'no'));
    return tr;
  }));
}

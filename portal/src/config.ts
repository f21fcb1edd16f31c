// Where the portal finds its node, its IPFS API and the hospital's key service. `?rpc=` and `?ipfs=` win; else what
// `medchain portal serve` says (/medchain-portal.json); else the defaults of scripts/start.sh.
export interface Config {
  rpc: string;
  /** Base URL of kubo's RPC API (without /api/v0). */
  ipfs: string;
  /** Base URL of the hospital's key service, when the portal's server passes it on. */
  keyserver: string | null;
}

export async function loadConfig(): Promise<Config> {
  const params = new URLSearchParams(location.search);
  let served: Partial<Config> = {};
  try {
    const answer = await fetch('./medchain-portal.json');
    if (answer.ok) served = (await answer.json()) as Partial<Config>;
  } catch {
    // Served by something else (vite, a plain file server): use the defaults.
  }
  const ipfs = params.get('ipfs') ?? served.ipfs ?? 'http://127.0.0.1:5001';
  return {
    rpc: params.get('rpc') ?? served.rpc ?? 'ws://127.0.0.1:9944',
    // A path such as /ipfs is the portal server's own proxy.
    ipfs: new URL(ipfs, location.href).toString().replace(/\/$/, ''),
    // Only the portal's own server passes the key service on (no `?keyserver=`: the page signs
    // requests to it, and a link must not point that elsewhere).
    keyserver: served.keyserver ? new URL(served.keyserver, location.href).toString().replace(/\/$/, '') : null,
  };
}

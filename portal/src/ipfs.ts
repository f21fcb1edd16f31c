// The IPFS API the portal stores ciphertext in: kubo's RPC API (kubo, the node's --ipfs-api, or
// `medchain ipfs serve`), usually through `medchain portal serve`'s same-origin proxy. The portal
// never trusts what comes back: it computes the CID of every upload and download itself with
// ipfs-unixfs-importer, with kubo's `--cid-version=1` settings, as the CLI does.
import { importBytes } from 'ipfs-unixfs-importer';

/**
 * Computes the CID kubo gives `bytes`, storing nothing: `ipfs add --cid-version=1` (medchain's
 * default), or plain `ipfs add` for a CIDv0 (`Qm…`).
 */
export async function cidOf(bytes: Uint8Array, v0 = false): Promise<string> {
  const discard = { put: async (cid: unknown) => cid };
  const options = v0 ? { profile: 'unixfs-v0-2015' as const } : { cidVersion: 1 as const, rawLeaves: true };
  const { cid } = await importBytes(bytes, discard as never, options);
  return cid.toString();
}

export class Ipfs {
  constructor(readonly base: string) {}

  private async call(path: string, body?: BodyInit): Promise<Response> {
    let answer: Response;
    try {
      answer = await fetch(`${this.base}/api/v0/${path}`, { method: 'POST', body });
    } catch {
      throw new Error(`the IPFS API at ${this.base} cannot be reached: is it running? (start.sh starts one; ?ipfs= picks another)`);
    }
    if (!answer.ok) {
      const text = await answer.text();
      let message = text;
      try {
        message = (JSON.parse(text) as { Message?: string }).Message ?? text;
      } catch {
        // not JSON: keep the text
      }
      throw new Error(`the IPFS API at ${this.base} refused ${path.split('?')[0]}: ${message || answer.status}`);
    }
    return answer;
  }

  /** The API's version; throws with a clear message when it is not there. */
  async version(): Promise<string> {
    return ((await (await this.call('version')).json()) as { Version: string }).Version;
  }

  /** Adds and pins `bytes`; checks the API's CID against our own and returns it. */
  async add(bytes: Uint8Array, name: string): Promise<string> {
    const expected = await cidOf(bytes);
    const form = new FormData();
    form.append('file', new Blob([bytes as BlobPart]), name);
    const answer = (await (await this.call('add?cid-version=1&raw-leaves=true&pin=true', form)).json()) as { Hash: string };
    if (answer.Hash !== expected) {
      throw new Error(`the IPFS API stored the ciphertext as ${answer.Hash}, not ${expected}: refused, nothing registered`);
    }
    return expected;
  }

  /** Fetches the file `cid` and checks that its bytes have that CID. */
  async cat(cid: string): Promise<Uint8Array> {
    const bytes = new Uint8Array(await (await this.call(`cat?arg=${encodeURIComponent(cid)}`)).arrayBuffer());
    const got = await cidOf(bytes, cid.startsWith('Qm'));
    if (got !== cid) {
      throw new Error(`the IPFS API sent bytes whose CID is ${got}, not the record's ${cid}: refused`);
    }
    return bytes;
  }
}

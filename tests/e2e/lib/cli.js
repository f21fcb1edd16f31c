// Runs the `medchain` CLI the way the tests need it: with --json, against one node and one IPFS
// API, in a home directory of the test's own, with the passphrase in the environment.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { CLI_BIN } from './node.js';

export const PASSPHRASE = 'test passphrase';

/**
 * A runner for one test file (`env` is added to every call's environment, e.g. MEDCHAIN_KEYSERVER). `cli(args, { url, ipfs, env })` resolves with the exit code, stdout,
 * stderr and the last stdout line parsed as JSON; the promise's `child` is the process.
 * `ok(args, options)` asserts success and resolves with that JSON.
 */
export function cliRunner({ home, url, ipfs, passphrase = PASSPHRASE, env: baseEnv = {} }) {
  const cli = (args, { url: u = url, ipfs: i = ipfs, env = {} } = {}) => {
    let child;
    const done = new Promise((resolve) => {
      child = execFile(CLI_BIN, ['--json', '--url', u, ...(i ? ['--ipfs', i] : []), ...args], {
        env: { ...process.env, MEDCHAIN_HOME: home, MEDCHAIN_PASSPHRASE: passphrase, ...baseEnv, ...env },
        maxBuffer: 1 << 24,
      }, (error, stdout, stderr) => {
        let json;
        try { json = JSON.parse(stdout.trim().split('\n').pop()); } catch { json = undefined; }
        resolve({ code: error ? error.code : 0, stdout, stderr, json });
      });
    });
    done.child = child;
    return done;
  };
  const ok = async (args, options) => {
    const r = await cli(args, options);
    assert.equal(r.code, 0, `medchain ${args.join(' ')} failed:\n${r.stderr}`);
    return r.json;
  };
  return { cli, ok };
}

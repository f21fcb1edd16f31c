// The text formats the portal shares with the `medchain` CLI (docs/formats.md): record-type
// strings and expiry strings. Pure functions, so the vectors in docs/vectors/ test them in Node
// exactly as the CLI's unit tests test client/cli/src/formats.rs.

/** A coded record type as the chain stores it; `code` is a u64, so a bigint when unsafe as a number. */
export interface RecordType { system: 'Loinc' | 'Snomed' | 'Local'; code: number | bigint }

const U64_MAX = (1n << 64n) - 1n;
const U32_MAX = 0xffff_ffff;

/** LOINC's mod-10 check digit of a code's digits (the Luhn scheme, doubling from the right). */
export function loincCheckDigit(digits: string): number {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
}

function codeValue(digits: string): number | bigint {
  const n = BigInt(digits);
  return n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
}

/** Parses `loinc:11506-3`, `snomed:271649006` or `local:42` (docs/formats.md, "Record types"). */
export function parseType(text: string): RecordType {
  const s = text.trim();
  const colon = s.indexOf(':');
  if (colon < 0) throw new Error(`'${s}' needs a system and a code, such as loinc:11506-3`);
  const system = s.slice(0, colon).toLowerCase();
  const code = s.slice(colon + 1);
  if (system === 'loinc') {
    const m = /^([0-9]{1,7})-([0-9])$/.exec(code);
    if (!m) throw new Error(`LOINC code '${code}' ends with its check digit after a hyphen, such as loinc:11506-3`);
    if (m[1].length > 1 && m[1][0] === '0') throw new Error(`LOINC code '${code}' has a leading zero`);
    const expected = loincCheckDigit(m[1]);
    if (Number(m[2]) !== expected) throw new Error(`LOINC code '${code}' has a wrong check digit: ${m[1]}-${expected} is valid`);
    return { system: 'Loinc', code: codeValue(m[1] + m[2]) };
  }
  if (system === 'snomed') {
    if (!/^[1-9][0-9]{5,17}$/.test(code)) throw new Error(`SNOMED CT id '${code}' is not 6 to 18 digits without a leading zero`);
    return { system: 'Snomed', code: codeValue(code) };
  }
  if (system === 'local') {
    if (!/^(0|[1-9][0-9]{0,19})$/.test(code) || BigInt(code) > U64_MAX) {
      throw new Error(`local code '${code}' is not a number from 0 to 18446744073709551615`);
    }
    return { system: 'Local', code: codeValue(code) };
  }
  throw new Error(`record type system '${s.slice(0, colon)}' is not loinc, snomed or local`);
}

/** `loinc:11506-3`, `snomed:…` or `local:…`: the inverse of `parseType`. */
export function typeLabel(t: { system: unknown; code: unknown }): string {
  const system = typeof t.system === 'string' ? t.system : Object.keys(t.system as object)[0];
  const digits = BigInt(t.code as number | bigint | string).toString();
  if (system === 'Loinc') return `loinc:${digits.slice(0, -1)}-${digits.slice(-1)}`;
  return `${system.toLowerCase()}:${digits}`;
}

const SYSTEMS = ['Loinc', 'Snomed', 'Local'] as const;

/** A record type in SCALE (system index, then the code as u64 little-endian): 9 bytes. */
export function typeBytes(t: RecordType): Uint8Array {
  const out = new Uint8Array(9);
  out[0] = SYSTEMS.indexOf(t.system);
  let v = BigInt(t.code);
  for (let i = 1; i < 9; i++) { out[i] = Number(v & 0xffn); v >>= 8n; }
  return out;
}

/** The record type whose SCALE form is `bytes`. */
export function typeFromBytes(bytes: Uint8Array): RecordType {
  const system = SYSTEMS[bytes[0]];
  if (bytes.length !== 9 || system === undefined) throw new Error('not a record type');
  let v = 0n;
  for (let i = 8; i >= 1; i--) v = (v << 8n) | BigInt(bytes[i]);
  return { system, code: codeValue(v.toString()) };
}

/**
 * The block a grant expires at (docs/formats.md, "Expiries"): `N` is block N, `+N` is N blocks
 * after `best`, and `30m`, `12h` or `7d` is that long after `best` at `blockMs` per block, rounded
 * up to a whole block.
 */
export function parseUntil(text: string, best: number, blockMs: number): number {
  const s = text.trim();
  let until: number;
  let m: RegExpExecArray | null;
  if ((m = /^[0-9]+$/.exec(s))) {
    until = Number(s);
  } else if ((m = /^\+([0-9]+)$/.exec(s))) {
    const n = Number(m[1]);
    if (n === 0) throw new Error(`expiry '${s}' is not in the future`);
    until = best + n;
  } else if ((m = /^([0-9]+)([mhd])$/.exec(s))) {
    const n = Number(m[1]);
    if (n === 0) throw new Error(`expiry '${s}' is not in the future`);
    const ms = n * { m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'm' | 'h' | 'd'];
    until = best + Math.ceil(ms / blockMs);
  } else {
    throw new Error(`expiry '${s}' is neither a block number (600), a number of blocks (+600) nor a duration such as 30m, 12h or 7d`);
  }
  if (!Number.isSafeInteger(until) || until > U32_MAX) throw new Error(`expiry '${s}' is too far: blocks end at ${U32_MAX}`);
  return until;
}

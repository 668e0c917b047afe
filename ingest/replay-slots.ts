/**
 * Where a message's replay claim lives (ingest/dedup.ts), without I/O: one Redis hash per
 * gateway, message kind and 15-second slice of the message id's own time, one field per message.
 *
 * Gateways name their messages with ULIDs (edge-agent/publisher/publisher.ts), so a resend
 * carries the same time and falls into the same slice: the claim is found with one field read.
 * The field is the ULID packed into 16 bytes; the value is the claiming job's ULID packed the
 * same way and the node id, and once the job is stored a one-byte mark (STORED_CLAIM). A slice
 * of one gateway holds ~75 messages at the edge's default 200 ms flush
 * (contracts/config/gateway.ts): small hashes are kept by Redis as one listpack (up to
 * `hash-max-listpack-entries`, 512 by default), about 24 bytes a message against over 200 for
 * a key of its own (bench/replay-memory.ts, docs/ingest.md#replay-window). A gateway sending
 * more than ~34 messages/s fills a slice past 512 and its hash becomes a hash table, still
 * smaller than keys.
 * An id that is not a canonical ULID (a payload digest, a hand-made id) gets a hash of its own.
 */

/** Width of a replay slice, ms of message-id time. Changing it re-slices: keep it fixed. */
export const REPLAY_SLICE_MS = 15_000;

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const VALUE: Record<string, number> = Object.fromEntries([...ALPHABET].map((c, i) => [c, i]));
/** Canonical ULIDs only (upper case, at most 7ZZZ…): packing must be one-to-one. */
const ULID_RE = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/;

/** A canonical ULID as its 16 bytes (big-endian 128 bits); undefined for any other string. */
export function packUlid(id: string): Buffer | undefined {
  if (!ULID_RE.test(id)) return undefined;
  const out = Buffer.allocUnsafe(16);
  // The first character carries 3 bits (130 bits of text, the top 2 always zero).
  let acc = VALUE[id[0]!]!;
  let bits = 3;
  let n = 0;
  for (let i = 1; i < 26; i++) {
    acc = (acc << 5) | VALUE[id[i]!]!;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out[n++] = (acc >> bits) & 0xff;
      acc &= (1 << bits) - 1;
    }
  }
  return out;
}

/** The ULID text of 16 packed bytes (packUlid's inverse). */
export function unpackUlid(b: Uint8Array): string {
  let s = '';
  let acc = 0;
  let bits = 0;
  // 128 bits: a 3-bit first character, then 25 of 5 bits.
  for (let i = 0, want = 3; s.length < 26; want = 5) {
    while (bits < want) {
      acc = (acc << 8) | (b[i++] ?? 0);
      bits += 8;
    }
    bits -= want;
    s += ALPHABET[(acc >> bits) & 31];
    acc &= (1 << bits) - 1;
  }
  return s;
}

/** A message's replay claim: the hash (after `{prefix}:{hits}:replay:`) and its field. */
export interface ReplaySlot {
  bucket: string;
  field: Buffer | string;
}

/**
 * The slot of a replay key (`m:{gw}:{msgId}`, `s:{gw}:{snapId}`, `q:{gw}:{sha1}`, ingest/bundler.ts).
 * `@` appears in no gateway or message id (contracts/hit.ts names), so a slice hash never shares
 * a name with the hash of a key of its own.
 */
export function replaySlot(key: string): ReplaySlot {
  const cut = key.lastIndexOf(':');
  const packed = cut > 0 ? packUlid(key.slice(cut + 1)) : undefined;
  if (!packed) return { bucket: key, field: '-' };
  const slice = Math.floor(packed.readUIntBE(0, 6) / REPLAY_SLICE_MS);
  return { bucket: `${key.slice(0, cut)}@${slice}`, field: packed };
}

/** Marks a packed claim value (a text one starts with a job id's first character, never 0). */
const PACKED = 0;

/**
 * A claim's value: the job id and what follows it (the claiming node's id, or the claim time in
 * ms when no node is named). A ULID job id takes 16 bytes after a marker byte.
 */
export function encodeClaim(jobId: string, tail: string): Buffer {
  const packed = packUlid(jobId);
  if (!packed) return Buffer.from(`${jobId}:${tail}`);
  return Buffer.concat([Buffer.of(PACKED), packed, Buffer.from(tail)]);
}

/** The bytes a claim of `jobId` starts with, whatever its tail. */
export function claimPrefix(jobId: string): Buffer {
  const packed = packUlid(jobId);
  return packed ? Buffer.concat([Buffer.of(PACKED), packed]) : Buffer.from(`${jobId}:`);
}

/**
 * What a claim becomes once its job is stored (ingest/dedup.ts markStored): the job is no
 * longer needed to call a copy a duplicate. Never an encoded claim: those are longer.
 */
export const STORED_CLAIM = '1';

export function isStoredClaim(v: Uint8Array): boolean {
  return v.length === 1 && v[0] === STORED_CLAIM.charCodeAt(0);
}

/** encodeClaim's inverse. */
export function decodeClaim(v: Uint8Array): { job: string; tail: string } {
  const b = Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  if (b.length >= 17 && b[0] === PACKED)
    return { job: unpackUlid(b.subarray(1, 17)), tail: b.subarray(17).toString() };
  const s = b.toString();
  const i = s.indexOf(':');
  return i < 0 ? { job: s, tail: '' } : { job: s.slice(0, i), tail: s.slice(i + 1) };
}

import { decodeTime, monotonicFactory, ulid } from 'ulid';
import { describe, expect, it } from 'vitest';
import {
  claimPrefix,
  decodeClaim,
  encodeClaim,
  packUlid,
  REPLAY_SLICE_MS,
  replaySlot,
  unpackUlid,
} from './replay-slots.js';

describe('replay slots', () => {
  it('packs a canonical ULID into 16 bytes and back, keeping its order and time', () => {
    const next = monotonicFactory();
    // calendar-safe: pure packing of ids made at a given time (no store, no clock)
    const t = 1_700_000_000_123;
    const ids = [
      ulid(0),
      '7ZZZZZZZZZZZZZZZZZZZZZZZZZ',
      ...Array.from({ length: 200 }, (_, i) => next(t + i)),
    ];
    for (const id of ids) {
      const b = packUlid(id)!;
      expect(b.length).toBe(16);
      expect(unpackUlid(b)).toBe(id);
      expect(b.readUIntBE(0, 6)).toBe(decodeTime(id));
    }
    const packed = ids.slice(2).map((id) => packUlid(id)!);
    for (let i = 1; i < packed.length; i++) expect(Buffer.compare(packed[i - 1]!, packed[i]!)).toBe(-1);
  });

  it.each([
    ['lower case', ulid().toLowerCase()],
    ['past the 48-bit time', `8${'0'.repeat(25)}`],
    ['letters outside the alphabet', `0${'U'.repeat(25)}`],
    ['too short', ulid().slice(1)],
    ['a digest', 'a8Yv2mIaJ5kQn3jT9x0cD2l1b6E'],
  ])('does not pack %s', (_, id) => {
    expect(packUlid(id)).toBeUndefined();
  });

  it('puts messages of one gateway and kind in one hash per slice of their id time', () => {
    // calendar-safe: pure slicing of ids made at a given time (no store, no clock)
    const t = 1_700_000_010_000;
    const a = replaySlot(`m:gw-1:${ulid(t)}`);
    const b = replaySlot(`m:gw-1:${ulid(t + 1)}`);
    expect(a.bucket).toBe(`m:gw-1@${Math.floor(t / REPLAY_SLICE_MS)}`);
    expect(b.bucket).toBe(a.bucket);
    expect(Buffer.compare(a.field as Buffer, b.field as Buffer)).not.toBe(0);
    const later = Math.ceil((t + 1) / REPLAY_SLICE_MS) * REPLAY_SLICE_MS;
    expect(replaySlot(`m:gw-1:${ulid(later)}`).bucket).not.toBe(a.bucket);
    expect(replaySlot(`s:gw-1:${ulid(t)}`).bucket).toBe(`s:gw-1@${Math.floor(t / REPLAY_SLICE_MS)}`);
    expect(replaySlot(`m:gw-2:${ulid(t)}`).bucket).not.toBe(a.bucket);
  });

  it('gives a key whose id is not a ULID a hash of its own', () => {
    for (const key of ['q:gw-1:a8Yv2mIaJ5kQn3jT9x0cD2l1b6E', 'm:gw:1', 'm:gw:a:b', 'x'])
      expect(replaySlot(key)).toEqual({ bucket: key, field: '-' });
  });

  it.each([
    ['a ULID job and a node', ulid(), 'nAbC123_-'],
    // calendar-safe: a claim's tail is opaque text here, not a fixture time
    ['a ULID job and a claim time', ulid(), '1700000000000'],
    ['another job id', 'job-a', 'node-a'],
  ])('encodes and decodes a claim: %s', (_, job, tail) => {
    const v = encodeClaim(job, tail);
    expect(decodeClaim(v)).toEqual({ job, tail });
    expect(v.subarray(0, claimPrefix(job).length).equals(claimPrefix(job))).toBe(true);
    if (job.length === 26) expect(v.length).toBe(17 + tail.length);
  });
});

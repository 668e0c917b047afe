import { describe, expect, it } from 'vitest';
import { formatApiKey } from '../contracts/api-key.js';
import { KeyVerifier } from './key-verifier.js';
import { hashSecret, newApiKey } from '../contracts/secrets.js';

describe('KeyVerifier', () => {
  const analyst = newApiKey('xihu-analyst');
  const legacy = 'xl_legacy_key_without_an_id_0123456789';
  const keys = [
    { keyId: 'xihu-analyst', hash: hashSecret(analyst), role: 'analyst' as const, org: 'xihu' },
    { keyId: 'old', hash: hashSecret(legacy), role: 'viewer' as const, org: 'hz' },
  ];

  it('checks one hash for a key with an id, none for an unknown id, and caches good keys', async () => {
    const v = new KeyVerifier({ keys });
    expect(await v.verify(analyst)).toEqual({ keyId: 'xihu-analyst', role: 'analyst', org: 'xihu' });
    expect(v.counts.hashes).toBe(1);
    expect(await v.verify(analyst)).toBeDefined();
    expect(v.cached(analyst)).toBeDefined();
    expect(v.counts.hashes).toBe(1);
    expect(await v.verify(formatApiKey('nobody', 'A'.repeat(43)))).toBeUndefined();
    expect(v.counts.hashes).toBe(1);
    expect(await v.verify(formatApiKey('xihu-analyst', 'B'.repeat(43)))).toBeUndefined();
    expect(v.counts.hashes).toBe(2);
  });

  it('still verifies an id-less key by trying each hash, one scan at a time, a bounded queue', async () => {
    const v = new KeyVerifier({ keys, maxQueued: 2, scanHashBurst: 100 });
    expect(await v.verify(legacy)).toMatchObject({ keyId: 'old' });
    const many = await Promise.all(
      Array.from({ length: 6 }, (_, i) => v.verify(`xl_unknown_${i}_0123456789`)),
    );
    expect(many.every((p) => p === undefined)).toBe(true);
    expect(v.counts.refusedBusy).toBe(4);
  });

  it('bounds id-less scans per second for all callers together', async () => {
    let nowMs = 0;
    const v = new KeyVerifier({ keys, scanHashesPerSecond: 2, scanHashBurst: 4, now: () => nowMs });
    for (let i = 0; i < 4; i++) expect(await v.verify(`xl_unknown_${i}_0123456789`)).toBeUndefined();
    expect(v.counts.hashes).toBe(4); // two scans of two keys; the other two refused unhashed
    expect(v.counts.refusedBusy).toBe(2);
    nowMs = 1000;
    expect(await v.verify(legacy)).toMatchObject({ keyId: 'old' });
  });
});

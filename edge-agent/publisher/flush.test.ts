/**
 * The publisher's envelopes follow `flushMs`, not the spool's write time: hits handed over while
 * a flush writes wait for the next flush (they used to be taken at once, one small envelope per
 * spool write: 5–8 hits per message instead of ~40 in bench:faults).
 */
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../contracts/log.js';
import { makeHit } from '../../contracts/testkit.js';
import { createMemorySpool } from './memory-spool.js';
import { SpoolPublisher } from './publisher.js';
import type { Spool } from './spool.js';

const GW = 'gw-flush';

describe('SpoolPublisher.flush', () => {
  it('writes the hits buffered when it was called; later ones wait for the next flush; close writes all', async () => {
    const inner = createMemorySpool({ maxBytes: 1 << 20 });
    let gate: (() => void) | undefined;
    const slow: Spool = {
      ...inner,
      // Each write waits until the test lets it go (a slow fsync).
      append: async (m) => {
        await new Promise<void>((r) => {
          gate = r;
        });
        return inner.append(m);
      },
    };
    const p = SpoolPublisher.start({
      gateway: GW,
      url: 'mqtt://127.0.0.1:1', // nothing listens: this test is about the spool only
      spool: slow,
      flushMs: 3_600_000,
      ackTimeoutMs: 60_000,
      log: silentLogger(),
    });
    for (let i = 0; i < 3; i++) p.addHit(makeHit({ gateway: GW, camera: 'cam-1' }));
    const flushed = p.flush();
    await new Promise((r) => setTimeout(r, 10));
    for (let i = 0; i < 2; i++) p.addHit(makeHit({ gateway: GW, camera: 'cam-1' }));
    gate?.();
    await flushed;
    expect(inner.stats().messages).toBe(1);
    expect(p.stats().buffered).toBe(2);
    const closed = p.close();
    await new Promise((r) => setTimeout(r, 10));
    gate?.();
    await closed;
    expect(inner.stats().messages).toBe(2);
    expect(p.stats().buffered).toBe(0);
  }, 5_000);
});

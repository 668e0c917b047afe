/**
 * The spool contract: every adapter's test runs it. `make(maxBytes)` opens a fresh spool;
 * `reopen` (durable adapters only) opens the same spool again after close, as after a restart.
 */
import { describe, expect, it } from 'vitest';
import { isXlError } from '../../contracts/errors.js';
import type { Spool, SpoolKind, SpoolMessage } from './spool.js';

export interface SpoolFactory {
  make(maxBytes: number): Promise<Spool>;
  reopen?(): Promise<Spool>;
}

const msg = (id: string, kind: SpoolKind, bytes: number): SpoolMessage => ({
  id,
  kind,
  topic: kind === 'hits' ? 'xueliang/v1/gw/gw-1/hits' : `xueliang/v1/gw/gw-1/snap/${id}`,
  payload: Buffer.alloc(bytes, id.charCodeAt(id.length - 1)),
});

export function spoolContract(name: string, f: SpoolFactory): void {
  describe(`spool contract: ${name}`, () => {
    it('keeps messages in append order and reads them back byte for byte', async () => {
      const s = await f.make(1 << 20);
      for (const [i, k] of (['hits', 'snap', 'hits'] as const).entries())
        await s.append(msg(`m${i}`, k, 100 + i));
      expect(s.entries().map((e) => e.id)).toEqual(['m0', 'm1', 'm2']);
      const r = await s.read('m1');
      expect(r?.topic).toBe('xueliang/v1/gw/gw-1/snap/m1');
      expect(r?.payload.equals(msg('m1', 'snap', 101).payload)).toBe(true);
      expect(s.stats()).toMatchObject({ messages: 3, bytes: 303 });
      await s.close();
    });

    it('is idempotent per id and deletes on ack', async () => {
      const s = await f.make(1 << 20);
      await s.append(msg('a', 'hits', 10));
      await s.append(msg('a', 'hits', 10));
      await s.append(msg('b', 'hits', 10));
      expect(s.entries().map((e) => e.id)).toEqual(['a', 'b']);
      expect(await s.remove(['a', 'zzz'])).toBe(1);
      expect(s.has('a')).toBe(false);
      expect(await s.read('a')).toBeUndefined();
      expect(s.stats()).toMatchObject({ messages: 1, bytes: 10 });
      await s.close();
    });

    it('when full drops the oldest snapshots first, then the oldest hits, and counts them', async () => {
      const s = await f.make(1000);
      await s.append(msg('h1', 'hits', 200));
      await s.append(msg('s1', 'snap', 300));
      await s.append(msg('h2', 'hits', 200));
      await s.append(msg('s2', 'snap', 200));
      const d1 = await s.append(msg('h3', 'hits', 250)); // 1150 > 1000: s1 goes
      expect(d1.map((e) => e.id)).toEqual(['s1']);
      const d2 = await s.append(msg('h4', 'hits', 400)); // 1250: s2, then h1
      expect(d2.map((e) => e.id)).toEqual(['s2', 'h1']);
      expect(s.entries().map((e) => e.id)).toEqual(['h2', 'h3', 'h4']);
      expect(s.stats()).toMatchObject({ messages: 3, bytes: 850, droppedSnaps: 2, droppedHits: 1 });
      await s.close();
    });

    it('refuses a message larger than the whole bound, with a code', async () => {
      const s = await f.make(100);
      await expect(s.append(msg('x', 'snap', 101))).rejects.toSatisfy((e: unknown) =>
        isXlError(e, 'EDGE_SPOOL_TOO_BIG'),
      );
      expect(s.stats().messages).toBe(0);
      await s.close();
    });

    if (f.reopen) {
      const reopen = f.reopen;
      it('survives a restart: unacked messages, order, counters', async () => {
        const s = await f.make(1000);
        await s.append(msg('r1', 'snap', 600));
        await s.append(msg('r2', 'hits', 300));
        await s.append(msg('r3', 'hits', 300)); // drops r1
        await s.remove(['r2']);
        await s.close();
        const t = await reopen();
        expect(t.entries().map((e) => e.id)).toEqual(['r3']);
        expect(t.stats()).toMatchObject({ messages: 1, bytes: 300, droppedSnaps: 1 });
        await t.append(msg('r4', 'hits', 10));
        expect(t.entries().map((e) => e.id)).toEqual(['r3', 'r4']);
        expect((await t.read('r3'))?.payload.length).toBe(300);
        await t.close();
      });
    }
  });
}

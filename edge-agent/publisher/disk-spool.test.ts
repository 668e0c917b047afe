import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDiskSpool } from './disk-spool.js';
import { spoolContract } from './spool.contract.js';

let dir = '';
let max = 0;
spoolContract('disk', {
  make: async (maxBytes) => {
    dir = mkdtempSync(join(tmpdir(), 'xl-spool-'));
    max = maxBytes;
    return openDiskSpool({ dir, maxBytes });
  },
  reopen: async () => openDiskSpool({ dir, maxBytes: max }),
});

describe('disk spool files', () => {
  it('discards torn writes and unreadable files on open, and counts them', async () => {
    const d = mkdtempSync(join(tmpdir(), 'xl-spool-'));
    const s = await openDiskSpool({ dir: d, maxBytes: 1 << 20 });
    await s.append({ id: 'ok', kind: 'hits', topic: 't', payload: Buffer.from('x') });
    await s.close();
    writeFileSync(join(d, '0000000000000009.hits.msg.tmp'), 'half');
    writeFileSync(join(d, '0000000000000010.hits.msg'), Buffer.from([0, 0, 0, 50, 1, 2]));
    const t = await openDiskSpool({ dir: d, maxBytes: 1 << 20 });
    expect(t.entries().map((e) => e.id)).toEqual(['ok']);
    expect(t.stats().corrupt).toBe(1);
    expect(readdirSync(d).filter((f) => f.endsWith('.tmp') || f.startsWith('0000000000000010'))).toEqual([]);
    await t.append({ id: 'next', kind: 'hits', topic: 't', payload: Buffer.from('y') });
    expect(t.entries().map((e) => e.id)).toEqual(['ok', 'next']);
    await t.close();
  });
});

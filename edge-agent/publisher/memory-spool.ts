/** The spool in memory: for tests and for gateways that accept losing unacked messages on restart. */
import { XlError } from '../../contracts/errors.js';
import { chooseDrops, type Spool, type SpoolEntry, type SpoolMessage, type SpoolStats } from './spool.js';

export function createMemorySpool(o: { maxBytes: number }): Spool {
  const byId = new Map<string, { entry: SpoolEntry; payload: Buffer }>();
  let seq = 0;
  let bytes = 0;
  const st = { droppedHits: 0, droppedSnaps: 0 };
  const drop = (e: SpoolEntry) => {
    byId.delete(e.id);
    bytes -= e.bytes;
    if (e.kind === 'snap') st.droppedSnaps++;
    else st.droppedHits++;
  };
  return {
    async append(m: SpoolMessage) {
      if (byId.has(m.id)) return [];
      if (m.payload.byteLength > o.maxBytes)
        throw new XlError(
          'EDGE_SPOOL_TOO_BIG',
          `message ${m.id} (${m.payload.byteLength} bytes) exceeds the spool bound`,
        );
      const drops = chooseDrops(
        [...byId.values()].map((v) => v.entry),
        bytes,
        m.payload.byteLength,
        o.maxBytes,
      );
      for (const d of drops) drop(d);
      const entry: SpoolEntry = {
        id: m.id,
        kind: m.kind,
        topic: m.topic,
        bytes: m.payload.byteLength,
        seq: ++seq,
      };
      byId.set(m.id, { entry, payload: Buffer.from(m.payload) });
      bytes += entry.bytes;
      return drops;
    },
    entries: () => [...byId.values()].map((v) => v.entry),
    has: (id) => byId.has(id),
    async read(id) {
      const v = byId.get(id);
      return v ? { id, kind: v.entry.kind, topic: v.entry.topic, payload: v.payload } : undefined;
    },
    async remove(ids) {
      let n = 0;
      for (const id of ids) {
        const v = byId.get(id);
        if (!v) continue;
        byId.delete(id);
        bytes -= v.entry.bytes;
        n++;
      }
      return n;
    },
    stats: (): SpoolStats => ({ messages: byId.size, bytes, ...st, corrupt: 0 }),
    async close() {},
  };
}

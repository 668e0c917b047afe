/**
 * The spool on disk: one file per message, `<seq>.<kind>.msg`, so delete-on-ack is an
 * unlink and order survives restarts. A file is written as `.tmp`, synced, then renamed:
 * a crash leaves either the whole message or a `.tmp` that the next open deletes. Layout:
 * 4-byte big-endian header length, a JSON header `{ id, kind, topic }`, the payload.
 * Drop counters persist in `counters.json` so a restart does not forget them.
 */
import { mkdirSync, readdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { open, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { XlError } from '../../contracts/errors.js';
import {
  chooseDrops,
  type Spool,
  type SpoolEntry,
  type SpoolKind,
  type SpoolMessage,
  type SpoolStats,
} from './spool.js';

export interface DiskSpoolOptions {
  dir: string;
  maxBytes: number;
  /** fdatasync each message before it is published (default true; off only for benchmarks). */
  fsync?: boolean;
}

const NAME = /^(\d{16})\.(hits|snap)\.msg$/;

function fileOf(e: SpoolEntry): string {
  return `${String(e.seq).padStart(16, '0')}.${e.kind}.msg`;
}

function encode(m: SpoolMessage): Buffer {
  const head = Buffer.from(JSON.stringify({ id: m.id, kind: m.kind, topic: m.topic }));
  const len = Buffer.alloc(4);
  len.writeUInt32BE(head.length);
  return Buffer.concat([len, head, m.payload]);
}

function decode(buf: Buffer): SpoolMessage {
  const n = buf.readUInt32BE(0);
  const head = JSON.parse(buf.subarray(4, 4 + n).toString('utf8')) as {
    id: string;
    kind: SpoolKind;
    topic: string;
  };
  if (
    typeof head.id !== 'string' ||
    typeof head.topic !== 'string' ||
    (head.kind !== 'hits' && head.kind !== 'snap')
  )
    throw new Error('bad header');
  return { id: head.id, kind: head.kind, topic: head.topic, payload: buf.subarray(4 + n) };
}

/** What a spool folder holds after a restart: its messages in order; stray temp files and corrupt ones are removed. */
function scanSpoolDir(dir: string) {
  const order: SpoolEntry[] = [];
  const byId = new Map<string, SpoolEntry>();
  let bytes = 0;
  let corrupt = 0;
  let seq = 0;
  for (const f of readdirSync(dir).sort()) {
    const path = join(dir, f);
    if (f.endsWith('.tmp')) {
      unlinkSync(path);
      continue;
    }
    const m = NAME.exec(f);
    if (!m) continue;
    try {
      const msg = decode(readFileSync(path));
      const e: SpoolEntry = {
        id: msg.id,
        kind: msg.kind,
        topic: msg.topic,
        bytes: msg.payload.byteLength,
        seq: Number(m[1]),
      };
      seq = Math.max(seq, e.seq);
      if (byId.has(e.id)) {
        unlinkSync(path);
        continue;
      }
      order.push(e);
      byId.set(e.id, e);
      bytes += e.bytes;
    } catch {
      corrupt++;
      if (statSync(path).isFile()) unlinkSync(path);
    }
  }
  return { order, byId, bytes, corrupt, seq };
}

/** Writes a file through a temporary name (and fsync when asked): a crash leaves the old state or the new. */
async function writeDurably(final: string, data: Uint8Array, sync: boolean): Promise<void> {
  const tmp = `${final}.tmp`;
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(data);
    if (sync) await fh.datasync();
  } finally {
    await fh.close();
  }
  await rename(tmp, final);
}

export async function openDiskSpool(o: DiskSpoolOptions): Promise<Spool> {
  mkdirSync(o.dir, { recursive: true });
  const sync = o.fsync !== false;
  const countersFile = join(o.dir, 'counters.json');
  const st = { droppedHits: 0, droppedSnaps: 0 };
  try {
    Object.assign(st, JSON.parse(readFileSync(countersFile, 'utf8')) as typeof st);
  } catch {
    // first start
  }
  const found = scanSpoolDir(o.dir);
  const { order, byId } = found;
  let { bytes, seq } = found;
  const { corrupt } = found;
  // Removals happen by id; `order` is compacted lazily.
  const live = () => order.filter((e) => byId.get(e.id) === e);
  const saveCounters = () => writeFile(countersFile, JSON.stringify(st)).catch(() => undefined);

  async function removeEntry(e: SpoolEntry): Promise<void> {
    byId.delete(e.id);
    bytes -= e.bytes;
    await unlink(join(o.dir, fileOf(e))).catch(() => undefined);
  }

  return {
    async append(m) {
      if (byId.has(m.id)) return [];
      if (m.payload.byteLength > o.maxBytes)
        throw new XlError(
          'EDGE_SPOOL_TOO_BIG',
          `message ${m.id} (${m.payload.byteLength} bytes) exceeds the spool bound`,
        );
      const drops = chooseDrops(live(), bytes, m.payload.byteLength, o.maxBytes);
      for (const d of drops) {
        await removeEntry(d);
        if (d.kind === 'snap') st.droppedSnaps++;
        else st.droppedHits++;
      }
      if (drops.length) await saveCounters();
      const e: SpoolEntry = {
        id: m.id,
        kind: m.kind,
        topic: m.topic,
        bytes: m.payload.byteLength,
        seq: ++seq,
      };
      await writeDurably(join(o.dir, fileOf(e)), encode(m), sync);
      order.push(e);
      byId.set(e.id, e);
      bytes += e.bytes;
      if (order.length > 2 * byId.size + 1024) order.splice(0, order.length, ...live());
      return drops;
    },
    entries: live,
    has: (id) => byId.has(id),
    async read(id) {
      const e = byId.get(id);
      if (!e) return undefined;
      try {
        return decode(await readFile(join(o.dir, fileOf(e))));
      } catch {
        return undefined;
      }
    },
    async remove(ids) {
      let n = 0;
      for (const id of ids) {
        const e = byId.get(id);
        if (!e) continue;
        await removeEntry(e);
        n++;
      }
      return n;
    },
    stats: (): SpoolStats => ({ messages: byId.size, bytes, ...st, corrupt }),
    async close() {
      writeFileSync(countersFile, JSON.stringify(st));
    },
  };
}

/**
 * bench:replay (docs/ingest.md#replay-window): Redis memory the replay window costs per message,
 * before and after in one run, on a Redis child of its own (no AOF: memory only).
 *
 *   npm run bench:replay -- [--messages 200000 --rate 1000 --gateways 200 --bundle-ms 200 --json]
 *
 * `--messages` message ids are made as gateways make them (ULIDs at `--rate` messages/s spread
 * over `--gateways`) and grouped into bundles of `--bundle-ms` of arrival, as the receiver
 * bundles them. Before: each is claimed in the form the hashes replaced, one key
 * `{prefix}:{hits}:seen:m:{gw}:{msgId}` = `jobId:nodeId`, `SET … PX window NX`, pipelined per
 * bundle, with the done marker each job left for the window. After: the same bundles go
 * through the real `claim` and, as the worker does once a job is stored, `markStored`
 * (ingest/dedup.ts). Each is the
 * `used_memory` (INFO memory) delta over its fill divided by the messages; the Redis is
 * flushed between. Every 50th bundle is then claimed again by another job: every copy must be
 * refused as a duplicate (`resendsNotDropped` 0). mbPer1000MsgPerSecOver6h = bytes per message ×
 * 1,000 × 21,600 s / 10⁶.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { ulid } from 'ulid';
import { claim, type DedupOptions, markStored, NodeLease } from '../ingest/dedup.js';
import { doneKey, QUEUE_NAME } from '../ingest/jobs.js';
import { gatewayId } from '../ingest/testkit.js';
import { benchArgs } from './args.js';
import { redisProc } from './ingest-kit.js';

const values = benchArgs(
  'replay',
  'Redis memory of the replay window per message, old per-key claims against the new',
  {
    messages: { type: 'string', default: '200000', description: 'Messages claimed in each form' },
    rate: { type: 'string', default: '1000', description: 'Messages per second the ids are spread at' },
    gateways: { type: 'string', default: '200', description: 'Gateways the messages come from' },
    'bundle-ms': {
      type: 'string',
      default: '200',
      description: 'Arrival time per bundle (ingest.bundleMaxMs)',
    },
    'window-ms': { type: 'string', default: '21600000', description: 'ingest.replayWindowMs' },
    json: { type: 'boolean', default: false, description: 'Print one JSON object as the last line' },
  },
);
const say = (s: string) => process.stderr.write(`${s}\n`);
const num = (k: keyof typeof values) => {
  const v = Number(values[k]);
  if (!Number.isInteger(v) || v <= 0) {
    say(`CLI_USAGE: --${String(k)} must be a positive whole number`);
    process.exit(2);
  }
  return v;
};

interface Bundle {
  atMs: number;
  jobId: string;
  keys: string[];
}

/** Message ids as gateways make them, grouped into the receiver's bundles. */
function makeBundles(n: number, rate: number, gateways: number, bundleMs: number, t0: number): Bundle[] {
  const out: Bundle[] = [];
  for (let i = 0; i < n; i++) {
    const t = t0 + Math.floor((i * 1000) / rate);
    const at = Math.floor(t / bundleMs) * bundleMs;
    const last = out[out.length - 1];
    const b = last?.atMs === at ? last : { atMs: at, jobId: ulid(at + bundleMs), keys: [] };
    if (b !== last) out.push(b);
    b.keys.push(`m:${gatewayId(i % gateways)}:${ulid(t)}`);
  }
  return out;
}

async function usedMemory(r: Redis): Promise<number> {
  const info = await r.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? Number.NaN);
}

interface Fill {
  bytesPerMessage: number;
  keys: number;
  claimsPerSec: number;
}

async function fill(r: Redis, n: number, run: () => Promise<void>): Promise<Fill> {
  const m0 = await usedMemory(r);
  const k0 = await r.dbsize();
  const t = performance.now();
  await run();
  const s = (performance.now() - t) / 1000;
  const m1 = await usedMemory(r);
  return { bytesPerMessage: (m1 - m0) / n, keys: (await r.dbsize()) - k0, claimsPerSec: n / s };
}

/** How many replay hashes Redis holds in each encoding. */
async function encodings(r: Redis, prefix: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  let cursor = '0';
  do {
    const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}:${QUEUE_NAME}:replay:*`, 'COUNT', 1000);
    cursor = next;
    for (const k of keys) {
      const e = String(await r.object('ENCODING', k));
      out[e] = (out[e] ?? 0) + 1;
    }
  } while (cursor !== '0');
  return out;
}

async function main(): Promise<void> {
  const n = num('messages');
  const rate = num('rate');
  const windowMs = num('window-ms');
  const bundles = makeBundles(n, rate, num('gateways'), num('bundle-ms'), Date.now());
  const dir = mkdtempSync(join(tmpdir(), 'xl-bench-replay-'));
  const proc = await redisProc(dir, ['--appendonly', 'no']);
  await proc.start();
  const r = new Redis(proc.url);
  try {
    const prefix = 'xlbench';
    // The receiver's node id form (ingest/receiver.ts).
    const nodeId = `n${randomBytes(6).toString('base64url')}`;
    const listpackMax = Number(((await r.config('GET', 'hash-max-listpack-entries')) as string[])[1]);
    const before = await fill(r, n, async () => {
      for (const b of bundles) {
        const p = r.pipeline();
        p.set(doneKey(prefix, b.jobId), '1', 'PX', windowMs);
        for (const k of b.keys)
          p.set(`${prefix}:${QUEUE_NAME}:seen:${k}`, `${b.jobId}:${nodeId}`, 'PX', windowMs, 'NX');
        await p.exec();
      }
    });
    await r.flushall('SYNC');
    const lease = new NodeLease(r, prefix, nodeId);
    await lease.refresh();
    const o: DedupOptions = {
      redis: r,
      prefix,
      queueKey: `${prefix}:${QUEUE_NAME}`,
      windowMs,
      claimGraceMs: 30_000,
      lease,
    };
    let notFresh = 0;
    const after = await fill(r, n, async () => {
      for (const b of bundles) {
        const v = await claim(o, b.keys, b.jobId, b.atMs);
        // What the worker does once the job is stored (ingest/jobs.ts): part of the cost.
        await markStored(r, prefix, b.jobId, b.keys, windowMs);
        notFresh += v.filter((x) => x !== 'fresh').length;
      }
    });
    const enc = await encodings(r, prefix);
    // Resends of every 50th bundle, by another node's job: none may be claimed afresh.
    let resendsNotDropped = 0;
    let resends = 0;
    const { lease: _, ...other } = o;
    for (let i = 0; i < bundles.length; i += 50) {
      const b = bundles[i]!;
      const v = await claim(other, b.keys, ulid(), Date.now());
      resends += v.length;
      resendsNotDropped += v.filter((x) => x !== 'duplicate').length;
    }
    await lease.stop();
    const mb = (bytes: number) => Math.round((bytes * 1000 * 21_600) / 1e5) / 10;
    const res = {
      messages: n,
      rate,
      gateways: num('gateways'),
      bundles: bundles.length,
      hashMaxListpackEntries: listpackMax,
      bytesPerMessageBefore: Math.round(before.bytesPerMessage * 10) / 10,
      bytesPerMessageAfter: Math.round(after.bytesPerMessage * 10) / 10,
      mbPer1000MsgPerSecOver6hBefore: mb(before.bytesPerMessage),
      mbPer1000MsgPerSecOver6hAfter: mb(after.bytesPerMessage),
      ratio: Math.round((before.bytesPerMessage / after.bytesPerMessage) * 100) / 100,
      keysBefore: before.keys,
      keysAfter: after.keys,
      replayHashEncodings: enc,
      claimsPerSecBefore: Math.round(before.claimsPerSec),
      claimsPerSecAfter: Math.round(after.claimsPerSec),
      firstClaimsNotFresh: notFresh,
      resends,
      resendsNotDropped,
    };
    say(
      `replay window: ${res.bytesPerMessageBefore} → ${res.bytesPerMessageAfter} bytes/message (×${res.ratio}); ` +
        `1,000 msg/s over 6 h: ${res.mbPer1000MsgPerSecOver6hBefore} → ${res.mbPer1000MsgPerSecOver6hAfter} MB`,
    );
    if (values.json) process.stdout.write(`${JSON.stringify(res)}\n`);
    if (notFresh || resendsNotDropped) process.exitCode = 1;
  } finally {
    r.disconnect();
    await proc.stop('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  say(String(e instanceof Error ? e.stack : e));
  process.exit(1);
});

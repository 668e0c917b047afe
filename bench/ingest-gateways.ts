/**
 * Worker thread of the ingest benchmarks: simulated gateways, each a real SpoolPublisher
 * (envelopes every flushMs, spool, acks, resends), fed by a generator at a fixed rate or as
 * fast as the acks allow. Every hit's tsMs is the moment it was handed to the publisher.
 */
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { pino } from 'pino';
import { monotonicFactory } from 'ulid';
import { asciiJson } from '../contracts/ascii-json.js';
import type { Hit } from '../contracts/hit.js';
import { openDiskSpool } from '../edge-agent/publisher/disk-spool.js';
import { createMemorySpool } from '../edge-agent/publisher/memory-spool.js';
import { SpoolPublisher } from '../edge-agent/publisher/publisher.js';
import type { GatewaySimOptions, GatewaySimResult } from './ingest-kit.js';

const o = workerData as GatewaySimOptions;
// Warnings (connection errors, spool drops) go to stderr: a fault run should show them.
const log = pino({ level: o.logLevel ?? 'silent', base: { thread: 'gateways' } }, pino.destination(2));
// Plain ulid() draws crypto randomness per character: it was the simulator's top cost.
const ulid = monotonicFactory();

/**
 * The hit `hit(gateway, camera, k)` gives as JSON text (ASCII only, as the publisher encodes
 * it: contracts/ascii-json.ts), with the id, time and track patched into pieces made once per
 * gateway and variant: a real gateway encodes its hits on its own machine, so the simulated
 * ones should cost the bench's shared CPU little. Every hit is still distinct (its ULID) and
 * valid, and the receiver parses and validates each one as it would any other.
 */
function encoder(gateway: string, camera: string): (k: number) => string {
  const pieces = new Map<number, string[]>();
  return (k) => {
    if (o.alertEvery && k % o.alertEvery === 0) return asciiJson(hit(gateway, camera, k));
    // A sighting's text depends on k through k % 3 (type, label, attrs), k % 50 (score) and the track.
    let p = pieces.get(k % 150);
    if (!p) {
      const j = asciiJson({ ...hit(gateway, camera, k), id: 'ID', tsMs: -1, track: -2 });
      p = j.replace('"ID"', '\0').replace(':-1,', ':\0,').replace(':-2,', ':\0,').split('\0');
      pieces.set(k % 150, p);
    }
    return `${p[0]}"${ulid()}"${p[1]}${Date.now()}${p[2]}${k % 100_000}${p[3]}`;
  };
}

function hit(gateway: string, camera: string, k: number): Hit {
  if (o.alertEvery && k % o.alertEvery === 0)
    return {
      v: 1,
      id: ulid(),
      tsMs: Date.now(),
      gateway,
      camera,
      kind: 'event',
      type: 'person',
      label: 'person',
      score: 0.8,
      box: [0.1, 0.2, 0.3, 0.4],
      track: k % 100_000,
      zone: 'bench-alert',
      rule: 'zone_intrusion',
      model: o.tag,
    };
  return {
    v: 1,
    id: ulid(),
    tsMs: Date.now(),
    gateway,
    camera,
    kind: 'sighting',
    type: k % 3 ? 'vehicle' : 'person',
    label: k % 3 ? 'car' : 'person',
    score: 0.5 + (k % 50) / 100,
    box: [0.1, 0.2, 0.3, 0.4],
    track: k % 100_000,
    zone: null,
    rule: null,
    durationMs: 1200,
    attrs:
      k % 3
        ? { color: 'white', plate: '浙A12345', plateScore: 0.9, vehicleType: 'car' }
        : { upperColor: 'red', lowerColor: 'black' },
    model: o.tag,
  };
}

async function main(): Promise<void> {
  const pubs: SpoolPublisher[] = [];
  const encoders = o.gateways.map((gw, i) => encoder(gw, o.cameras[i]!));
  for (const [i, gw] of o.gateways.entries()) {
    const spool = o.spoolDir
      ? await openDiskSpool({ dir: join(o.spoolDir, gw), maxBytes: 256 << 20 })
      : createMemorySpool({ maxBytes: 256 << 20 });
    pubs.push(
      SpoolPublisher.start({
        gateway: gw,
        url: o.url,
        password: o.passwords[i] ?? '',
        spool,
        flushMs: o.flushMs,
        ackTimeoutMs: o.ackTimeoutMs,
        log,
        maxHitsPerEnvelope: 500,
        mqtt: { reconnectPeriod: 250 },
      }),
    );
  }
  const startMs = Date.now();
  // With waitLogins the clock starts once every gateway is logged in (as in bench:sensors): a
  // login is a scrypt check, a one-off cost the throughput of the chain should not include.
  if (o.waitLogins) {
    const by = startMs + 30_000;
    while (!pubs.every((p) => p.stats().connected) && Date.now() < by)
      await new Promise((r) => setTimeout(r, 20));
  }
  const firstMs = Date.now();
  // The clock starts here: the parent takes its CPU readings now (the logins' scrypt is not phase work).
  parentPort?.postMessage({ type: 'started', firstMs });
  let handed = 0;
  let k = 0;
  const maxSpooled = o.maxSpooled ?? 8;
  const progress = setInterval(() => {
    const st = pubs.map((p) => p.stats());
    const acked = st.reduce((n, x) => n + x.acked, 0);
    const spooled = st.reduce((n, x) => n + x.spooled, 0);
    const oldestUnackedMs = Math.max(0, ...st.map((x) => x.oldestUnackedMs));
    parentPort?.postMessage({
      type: 'progress',
      handedOver: handed,
      acked,
      spooled,
      oldestUnackedMs,
      connected: st.filter((x) => x.connected).length,
      published: st.reduce((n, x) => n + x.published, 0),
      resent: st.reduce((n, x) => n + x.resent, 0),
      atMs: Date.now(),
    });
  }, o.progressMs ?? 1_000);
  while (handed < o.hits) {
    const due =
      o.ratePerSec > 0
        ? Math.min(o.hits, Math.floor(((Date.now() - firstMs) / 1000) * o.ratePerSec))
        : o.hits;
    let progressed = false;
    for (const [i, p] of pubs.entries()) {
      if (handed >= due) break;
      if (o.ratePerSec === 0 && p.stats().spooled >= maxSpooled) continue;
      const n = o.ratePerSec > 0 ? Math.max(1, Math.ceil((due - handed) / pubs.length)) : 200;
      for (let j = 0; j < n && handed < due; j++, handed++) p.addEncodedHit(encoders[i]!(k++));
      progressed = true;
    }
    await new Promise((r) => setTimeout(r, progressed && o.ratePerSec === 0 ? 0 : 5));
  }
  const lastHandedMs = Date.now();
  for (const p of pubs) await p.flush();
  while (!pubs.every((p) => p.drained())) await new Promise((r) => setTimeout(r, 20));
  const drainedMs = Date.now();
  clearInterval(progress);
  const s = pubs.map((p) => p.stats());
  const result: GatewaySimResult = {
    handedOver: handed,
    published: s.reduce((n, x) => n + x.published, 0),
    resent: s.reduce((n, x) => n + x.resent, 0),
    acked: s.reduce((n, x) => n + x.acked, 0),
    droppedHits: s.reduce((n, x) => n + x.droppedHits, 0),
    startMs,
    firstMs,
    lastHandedMs,
    drainedMs,
  };
  await Promise.all(pubs.map((p) => p.close()));
  parentPort?.postMessage({ type: 'done', result });
}

void main();

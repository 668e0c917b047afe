/**
 * Test helper: a Redis failover under ingest load (docs/architecture.md#redis-high-availability).
 * A Sentinel set (bin/sentinel-testkit.ts), the receiver and worker of bin/central.ts on it with
 * `redis.waitReplicas` and chDB in a folder of its own, and gateways that are real spool
 * publishers (edge-agent/publisher) handing over hits at a steady rate. Mid-load the master is
 * SIGKILLed; Sentinel promotes a replica; the run goes on until every gateway's spool is empty,
 * then counts in the store what was stored once, twice or not at all.
 * bin/redis-failover.int.test.ts runs it short, `npm run bench:failover` longer.
 */
import { join } from 'node:path';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { monotonicFactory } from 'ulid';
import { redisTarget } from '../analytics/redis.js';
import { loadCityConfig } from '../contracts/config/index.js';
import type { Hit } from '../contracts/hit.js';
import { silentLogger } from '../contracts/log.js';
import { createMemorySpool } from '../edge-agent/publisher/memory-spool.js';
import { SpoolPublisher } from '../edge-agent/publisher/publisher.js';
import { cameraId, count, gatewayId, gatewayPassword, testCityRaw } from '../ingest/testkit.js';
import { startCentral } from './central.js';
import { type SentinelSet, startSentinelSet } from './sentinel-testkit.js';

export interface FailoverRunOptions {
  dir: string;
  gateways: number;
  ratePerSec: number;
  seconds: number;
  /** When the master is killed, ms after the load starts. */
  killAtMs: number;
  replicas: number;
  /** city.yaml `redis.waitReplicas` (default 1). */
  waitReplicas?: number;
  /**
   * city.yaml `ingest.claimGraceMs` (default its default, 30 s): a message whose replay claim
   * reached the promoted replica but whose job did not is resent and taken again only after it.
   */
  claimGraceMs?: number;
  /** Longest wait for the spools to drain and the store to settle after the load, ms. */
  drainTimeoutMs?: number;
  say?: (s: string) => void;
}

export interface FailoverFigures {
  handedOver: number;
  stored: number;
  distinct: number;
  lost: number;
  duplicated: number;
  /** From the kill until the sentinels named the new master, ms. */
  failoverMs: number;
  /** From the kill until every gateway's oldest unacked message was younger than 1.5 s again, ms. */
  recoveryMs: number;
  resent: number;
  waitReplicas: number;
  claimGraceMs: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function hit(gateway: string, camera: string, id: string, tag: string): Hit {
  return {
    v: 1,
    id,
    tsMs: Date.now(),
    gateway,
    camera,
    kind: 'sighting',
    type: 'vehicle',
    label: 'car',
    score: 0.8,
    box: [0.1, 0.2, 0.3, 0.4],
    model: tag,
  };
}

/** Hands over hits at the rate, kills the master at `killAtMs`, waits for the promotion. */
async function loadWithKill(
  o: FailoverRunOptions,
  set: SentinelSet,
  pubs: SpoolPublisher[],
  tag: string,
  say: (s: string) => void,
): Promise<{ handed: number; killedMs: number; failoverMs: number; recoveryMs: number }> {
  const ulid = monotonicFactory();
  const total = o.ratePerSec * o.seconds;
  const t0 = Date.now();
  let handed = 0;
  let killedMs = 0;
  let failoverMs = -1;
  let recoveryMs = -1;
  let promoted: Promise<void> | undefined;
  while (handed < total) {
    const now = Date.now();
    const due = Math.min(total, Math.floor(((now - t0) / 1000) * o.ratePerSec));
    for (; handed < due; handed++) {
      const g = handed % o.gateways;
      pubs[g]!.addHit(hit(gatewayId(g), cameraId(g, 0), ulid(), tag));
    }
    if (!killedMs && now - t0 >= o.killAtMs) {
      const old = await set.killMaster();
      killedMs = Date.now();
      say(`killed the master (${old}) after ${handed} hits`);
      promoted = set.promoted(old, 30_000).then((p) => {
        failoverMs = Date.now() - killedMs;
        say(`sentinels promoted ${p} after ${failoverMs} ms`);
      });
    }
    if (killedMs && recoveryMs < 0 && failoverMs >= 0 && Date.now() - killedMs > 1500) {
      if (pubs.every((p) => p.stats().oldestUnackedMs < 1500)) recoveryMs = Date.now() - killedMs;
    }
    await sleep(10);
  }
  await promoted;
  return { handed, killedMs, failoverMs, recoveryMs };
}

export async function failoverRun(o: FailoverRunOptions): Promise<FailoverFigures> {
  const say = o.say ?? (() => undefined);
  const set = await startSentinelSet({ dir: join(o.dir, 'redis'), replicas: o.replicas });
  const waitReplicas = o.waitReplicas ?? 1;
  say(`sentinel set up: master ${await set.masterPort()}, ${o.replicas} replicas, 3 sentinels`);
  const raw = testCityRaw({
    gateways: o.gateways,
    camerasPerGateway: 1,
    ...(o.claimGraceMs ? { ingest: { claimGraceMs: o.claimGraceMs } } : {}),
  });
  const config = loadCityConfig(
    undefined,
    {},
    {
      ...raw,
      redis: {
        ...(raw.redis as object),
        url: '',
        ...set.target,
        sentinels: [...set.target.sentinels],
        waitReplicas,
        waitMs: 1000,
      },
      store: { clickhouse: `chdb://${join(o.dir, 'ch')}` },
    },
  );
  const central = await startCentral({
    config,
    log: silentLogger(),
    registry: new Registry(),
    parts: ['receiver', 'worker'],
    redis: redisTarget(config.redis),
    dataDir: o.dir,
  }).catch(async (e: unknown) => {
    await set.stop();
    throw e;
  });
  const log = pino({ level: 'silent' });
  const pubs = Array.from({ length: o.gateways }, (_, g) =>
    SpoolPublisher.start({
      gateway: gatewayId(g),
      url: central.ingest!.mqttUrl,
      password: gatewayPassword(gatewayId(g)),
      spool: createMemorySpool({ maxBytes: 64 << 20 }),
      flushMs: 100,
      ackTimeoutMs: 3000,
      log,
      mqtt: { reconnectPeriod: 250 },
    }),
  );
  const tag = `failover-${Date.now().toString(36)}`;
  try {
    const load = await loadWithKill(o, set, pubs, tag, say);
    const { handed, killedMs, failoverMs } = load;
    let recoveryMs = load.recoveryMs;
    for (const p of pubs) await p.flush();
    const end = Date.now() + (o.drainTimeoutMs ?? 60_000);
    while (!pubs.every((p) => p.drained()) && Date.now() < end) {
      if (recoveryMs < 0 && pubs.every((p) => p.stats().oldestUnackedMs < 1500))
        recoveryMs = Date.now() - killedMs;
      await sleep(50);
    }
    if (recoveryMs < 0) recoveryMs = Date.now() - killedMs;
    say(`spools drained: ${pubs.every((p) => p.drained())}; waiting for the store`);
    // Every acked job is stored once its worker ran it (a stalled one is taken again within
    // the lock time, ingest/jobs.ts).
    const q = `SELECT count() AS n FROM hits WHERE model = {tag:String}`;
    const u = `SELECT uniqExact(id) AS n FROM hits WHERE model = {tag:String}`;
    let distinct = 0;
    while (Date.now() < end + 30_000) {
      distinct = await count(central.store, u, { tag });
      if (distinct >= handed) break;
      await sleep(250);
    }
    await sleep(500);
    const stored = await count(central.store, q, { tag });
    distinct = await count(central.store, u, { tag });
    const resent = pubs.reduce((n, p) => n + p.stats().resent, 0);
    return {
      handedOver: handed,
      stored,
      distinct,
      lost: handed - distinct,
      duplicated: stored - distinct,
      failoverMs,
      recoveryMs,
      resent,
      waitReplicas,
      claimGraceMs: config.ingest.claimGraceMs,
    };
  } finally {
    await Promise.all(pubs.map((p) => p.close().catch(() => undefined)));
    await central.stop();
    await set.stop();
  }
}

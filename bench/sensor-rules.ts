/**
 * The sensor rules' path in the ingest worker alone (docs/iot.md): per job, read the readings
 * block beside it from Redis (ingest/reading-jobs.ts loadReadings) and run the rules with their
 * state round trip (ingest/sensor-rules.ts SensorRules.rows), on bench:sensors' readings (--rounds
 * rounds, default 10, of 10,000 simulated sensors, in jobs of 8,900 readings). The store is not touched.
 *
 *   npx tsx bench/sensor-rules.ts [--redis redis://127.0.0.1:6379] [--rounds 10]
 *
 * Prints one JSON line: wall ms, and the CPU ms of this process (the Redis side is not in it:
 * its time shows in the wall ms). A/B: run it in two worktrees in turns.
 */
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { SensorCatalog } from '../analytics/sensors/catalog.js';
import { readingsToBlock } from '../analytics/sensors/reading-block.js';
import { type ReadingRow, readingToRow } from '../analytics/sensors/rows.js';
import { sensorKindsRaw, sensorsRaw } from '../analytics/sensors/testkit.js';
import type { Store } from '../analytics/store.js';
import { loadCityConfig } from '../contracts/config/index.js';
import { silentLogger } from '../contracts/log.js';
import { SensorSimulator, simSensorsFromCity } from '../edge-agent/sensors/simulate.js';
import type { BundleJob } from '../ingest/jobs.js';
import { readingsKey } from '../ingest/queue-keys.js';
import { loadReadings } from '../ingest/reading-jobs.js';
import { SensorRules } from '../ingest/sensor-rules.js';
import { testCityRaw } from '../ingest/testkit.js';

const { values } = parseArgs({
  options: {
    redis: { type: 'string', default: 'redis://127.0.0.1:6379' },
    rounds: { type: 'string', default: '10' },
  },
});
const G = 20;
const S = 10_000;
const ROUNDS = Number(values.rounds);
const PER_JOB = 8_900;
const MIN = 60_000;

function benchReadings(): { config: ReturnType<typeof loadCityConfig>; rows: ReadingRow[] } {
  const config = loadCityConfig(
    undefined,
    {},
    {
      ...testCityRaw({ gateways: G, camerasPerGateway: 1, prefix: 'rules-bench' }),
      sensorKinds: sensorKindsRaw({}),
      sensors: sensorsRaw({ gateways: G, perGateway: S / G }),
    },
  );
  const cat = new SensorCatalog(config);
  const sim = new SensorSimulator(simSensorsFromCity(config), { seed: 99, faultRate: 0 });
  const t0 = Date.now() - (ROUNDS + 20) * MIN;
  const rows: ReadingRow[] = [];
  for (let r = 0; r < ROUNDS; r++)
    for (const x of sim.round(t0 + r * MIN).readings)
      rows.push(readingToRow(x, cat.get(x.sensor)!, cat.get(x.sensor)!.gateway));
  return { config, rows };
}

async function main(): Promise<void> {
  const { config, rows } = benchReadings();
  const redis = new Redis(values.redis as string);
  const prefix = `xl-bench-rules-${process.pid}`;
  const rules = new SensorRules({
    catalog: new SensorCatalog(config, false),
    store: {} as Store,
    log: silentLogger(),
    redis,
    prefix,
    keptTtlMs: 60_000,
    tickMs: 3_600_000,
    onEvents: () => undefined,
  });
  let ms = 0;
  let cpuMs = 0;
  let jobs = 0;
  for (let k = 0; k < rows.length; k += PER_JOB) {
    const block = readingsToBlock(rows.slice(k, k + PER_JOB));
    const id = `j${jobs++}`;
    await redis.set(readingsKey(prefix, id), block.data as string);
    const job = { v: 1, hits: [], snapshots: [], quarantine: [], keys: [], firstMs: 0 } as BundleJob;
    Object.assign(job, { readingBlockKey: true, readingCount: block.rows });
    const t = performance.now();
    const c0 = process.cpuUsage();
    await loadReadings(redis, prefix, job, id);
    await rules.rows(job, id);
    const c = process.cpuUsage(c0);
    cpuMs += (c.user + c.system) / 1000;
    ms += performance.now() - t;
    rules.done(id);
  }
  await rules.close();
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
  const perReading = (x: number) => Math.round((x * 1000 * 100) / rows.length) / 100;
  process.stdout.write(
    `${JSON.stringify({ readings: rows.length, jobs, ms: Math.round(ms), cpuMs: Math.round(cpuMs), cpuUsPerReading: perReading(cpuMs), usPerReading: perReading(ms) })}\n`,
  );
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});

/**
 * The second nearby-snapshots pass of a sensor task (analytics/sensors/fusion.ts) is a delayed
 * job in Redis, not a timer: with real Redis and chDB, it runs after the engine that queued it
 * has closed (a restart), and once when two engines share the Redis.
 */
import { rmSync } from 'node:fs';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCityConfig } from '../../contracts/config/index.js';
import { silentLogger } from '../../contracts/log.js';
import { makeHit } from '../../contracts/testkit.js';
import {
  cameraId,
  dropPrefix,
  openTestStore,
  TEST_REDIS_URL,
  testCityRaw,
  until,
} from '../../ingest/testkit.js';
import { hitToRow } from '../hit-rows.js';
import type { Store } from '../store.js';
import type { NearbySnapshot, Task } from '../tasks/model.js';
import { SensorCatalog } from './catalog.js';
import { SensorFusion } from './fusion.js';
import { sensorKindsRaw, sensorsRaw } from './testkit.js';

const prefix = `xl-fusion-${process.pid}-${Date.now()}`;
const city = loadCityConfig(
  undefined,
  {},
  {
    ...testCityRaw({ gateways: 1, camerasPerGateway: 1, prefix }),
    sensorKinds: sensorKindsRaw({}),
    sensors: sensorsRaw({ gateways: 1, perGateway: 3 }),
    fusion: { cameraRadiusM: 10_000, windowMs: 1_500, maxSnapshots: 5 },
  },
);
const SENSOR = city.sensors[0]!.id;
let store: Store;
let dir: string;
const conns: Redis[] = [];

interface Applied {
  engine: string;
  taskId: string;
  snapshots: NearbySnapshot[];
}

function engine(name: string, applied: Applied[]): SensorFusion {
  const queueConn = new Redis(TEST_REDIS_URL);
  const workerConn = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  conns.push(queueConn, workerConn);
  return new SensorFusion({
    store,
    catalog: new SensorCatalog(city),
    cameras: city.cameras,
    fusion: city.fusion,
    log: silentLogger(),
    now: Date.now,
    queueConn,
    workerConn,
    prefix,
    settleMs: 200,
    apply: async (taskId, snapshots) => {
      applied.push({ engine: name, taskId, snapshots });
    },
  });
}

function task(id: string, atMs: number): Task {
  return { id, camera: SENSOR, firstHitMs: atMs, openedMs: atMs } as Task;
}

/** A snapshot hit of the sensor's nearby camera at `tsMs`. */
async function snapshotAt(tsMs: number): Promise<string> {
  const h = makeHit({ gateway: 'gw-000', camera: cameraId(0, 0), tsMs, snapshot: `snap-${tsMs}` });
  await store.insert('hits', [hitToRow(h, undefined)], { dedupToken: h.id });
  return h.snapshot!;
}

beforeAll(async () => {
  ({ store, dir } = await openTestStore());
});
afterAll(async () => {
  for (const c of conns) c.disconnect();
  await dropPrefix(TEST_REDIS_URL, prefix);
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('sensor fusion: the second pass as a delayed job', () => {
  it('runs after the engine that queued it closed, in the engine started next', async () => {
    const applied: Applied[] = [];
    const atMs = Date.now();
    const before = await snapshotAt(atMs - 500);
    const a = engine('a', applied);
    a.onOpened([task('task-restart', atMs)]);
    expect(await until(() => applied.length === 1, 10_000)).toBe(true);
    expect(applied[0]!.snapshots.map((s) => s.snapshot)).toEqual([before]);
    await a.close(); // "restart" before the window has passed
    const late = await snapshotAt(atMs + 1_000); // written after the event, within the window
    const b = engine('b', applied);
    expect(await until(() => applied.length === 2, 15_000)).toBe(true);
    expect(applied[1]!.engine).toBe('b');
    expect(applied[1]!.snapshots.map((s) => s.snapshot).sort()).toEqual([before, late].sort());
    await b.close();
  }, 40_000);

  it('runs once when two engines share the Redis, even if both queue it', async () => {
    const applied: Applied[] = [];
    const atMs = Date.now();
    await snapshotAt(atMs - 200);
    const a = engine('a', applied);
    const b = engine('b', applied);
    a.onOpened([task('task-twice', atMs)]);
    b.onOpened([task('task-twice', atMs)]);
    // Two first passes (one per call) and one second pass.
    expect(await until(() => applied.length >= 3, 15_000)).toBe(true);
    await new Promise((r) => setTimeout(r, 3_000));
    expect(applied.filter((x) => x.taskId === 'task-twice')).toHaveLength(3);
    await a.close();
    await b.close();
  }, 40_000);
});

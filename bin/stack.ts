/**
 * Composition of the central tier in one process (`xueliang up`, `demo`, `api`, `ingest`):
 * config → store (migrated) → Redis → ingest → API. Each part closes in reverse order.
 */
import { join, resolve } from 'node:path';
import { Registry, collectDefaultMetrics } from 'prom-client';
import type { CityConfig } from '../contracts/config/index.js';
import type { Logger } from '../contracts/log.js';
import { migrate } from '../analytics/migrate.js';
import { openStore, type Store } from '../analytics/store.js';

export function migrationVars(c: Readonly<CityConfig>) {
  return { hitsDays: c.retention.hitsDays, snapshotsDays: c.retention.snapshotsDays, quarantineDays: c.retention.quarantineDays };
}

/** Opens the configured store and applies pending migrations. */
export async function openMigratedStore(c: Readonly<CityConfig>, log: Logger, baseDir = process.cwd()): Promise<Store> {
  const store = await openStore({ url: c.store.clickhouse, database: c.store.database, baseDir });
  try {
    const applied = await migrate(store, migrationVars(c));
    if (applied.length) log.info({ component: 'store', applied }, 'migrations applied');
  } catch (e) {
    await store.close();
    throw e;
  }
  return store;
}

/** The embedded store URL for a data folder. */
export function embeddedStoreUrl(dataDir: string): string {
  return `chdb://${join(resolve(dataDir), 'clickhouse')}`;
}

export function newRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'xueliang_process_' });
  return registry;
}

let early: ((sig: NodeJS.Signals) => void) | undefined;

/**
 * Until a command installs {@link onShutdown}: SIGINT/SIGTERM exit at once (code 130) through
 * `process.exit`, so 'exit' hooks run — a redis-server child started so far is killed rather
 * than left behind. (A signal's default action would end the process without them.)
 */
export function exitOnSignalUntilReady(): void {
  early = () => process.exit(130);
  process.on('SIGINT', early);
  process.on('SIGTERM', early);
}

/**
 * A signal this soon after the first is the same request delivered twice (GNU `timeout`
 * signals its child and then the child's process group), not a second Ctrl-C.
 */
const REPEAT_MS = 1000;

/**
 * Runs `stop` once on SIGINT/SIGTERM, then exits; a second signal (after REPEAT_MS) exits at
 * once.
 */
export function onShutdown(log: Logger, stop: () => Promise<void>): void {
  if (early) {
    process.off('SIGINT', early);
    process.off('SIGTERM', early);
    early = undefined;
  }
  let stopping = false;
  let firstMs = 0;
  const handler = (sig: NodeJS.Signals) => {
    if (stopping) {
      if (Date.now() - firstMs < REPEAT_MS) return;
      log.warn({ sig }, 'second signal: exiting now');
      process.exit(130);
    }
    stopping = true;
    firstMs = Date.now();
    log.info({ sig }, 'stopping');
    stop().then(
      () => process.exit(0),
      (e: unknown) => {
        log.error({ err: e }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}

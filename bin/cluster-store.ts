/**
 * The store of a ClickHouse cluster from city.yaml (docs/deploy.md#clickhouse-cluster):
 * migrations ON CLUSTER through the `clickhouse` node (analytics/cluster.ts), then queries there
 * and inserts to the shard nodes (analytics/shard-router.ts).
 */
import type { CityConfig } from '../contracts/config/index.js';
import { XlError } from '../contracts/errors.js';
import type { Logger } from '../contracts/log.js';
import { migrateCluster } from '../analytics/cluster.js';
import { clusterStore } from '../analytics/shard-router.js';
import { openStore, type Store } from '../analytics/store.js';

export async function openClusterStore(
  c: Readonly<CityConfig>,
  vars: Readonly<Record<string, number>>,
  log: Logger,
): Promise<Store> {
  const url = c.store.clickhouse;
  if (!/^https?:\/\//.test(url))
    throw new XlError(
      'STORE_BAD_URL',
      `store.cluster needs a ClickHouse server URL (http(s)://), got ${url.split('://')[0]}://`,
    );
  const query = await openStore({ url, database: c.store.database });
  const shards: Store[] = [];
  try {
    const applied = await migrateCluster(query, {
      cluster: c.store.cluster,
      database: c.store.database,
      vars,
    });
    if (applied.length)
      log.info({ component: 'store', cluster: c.store.cluster, applied }, 'cluster migrations applied');
    for (const s of c.store.shards.length ? c.store.shards : [url])
      shards.push(s === url ? query : await openStore({ url: s, database: c.store.database }));
  } catch (e) {
    await Promise.all([query, ...shards].map((s) => s.close()));
    throw e;
  }
  return clusterStore({ query, shards });
}

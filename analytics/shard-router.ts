/**
 * The store of a ClickHouse cluster (docs/deploy.md#clickhouse-cluster), behind the same `Store`
 * port as one box: queries and DDL go to a node through the Distributed tables
 * (analytics/cluster.ts names them as the single-box tables are named); inserts go to the
 * replicated local table (`<table>_local`) of one shard, never through Distributed — its
 * asynchronous spooling would ack rows not yet stored (docs/architecture.md#no-loss-chain). The shard is
 * a pure function of the dedup token (the job id), so a retried job reaches the shard that may
 * already hold it and the replicated table's block dedup drops the copy. Inserts without a token
 * (tasks, cases, audit rows: small tables whose readers use FINAL) all go to the first shard,
 * so their versions of one key meet on one shard.
 */
import { createHash } from 'node:crypto';
import type { Store } from './store.js';

/** The shard (0..n-1) for a dedup token: sha256's first 6 bytes mod n. Pure and stable across processes. */
export function shardOf(token: string, shards: number): number {
  if (!Number.isInteger(shards) || shards < 1) throw new RangeError('shards must be a positive integer');
  return createHash('sha256').update(token).digest().readUIntBE(0, 6) % shards;
}

export interface ClusterStoreOptions {
  /** A node reached for queries and DDL (any node: the Distributed tables read every shard). */
  query: Store;
  /** One node (or a load balancer over the replicas) per shard, in shard order. */
  shards: readonly Store[];
}

export function clusterStore(o: ClusterStoreOptions): Store {
  if (!o.shards.length) throw new RangeError('a cluster store needs at least one shard');
  return {
    client: o.query.client,
    engine: o.query.engine,
    database: o.query.database,
    query: (sql, params, opts) => o.query.query(sql, params, opts),
    command: (sql, params, opts) => o.query.command(sql, params, opts),
    insert(table, rows, opts) {
      const shard = opts?.dedupToken ? shardOf(opts.dedupToken, o.shards.length) : 0;
      return o.shards[shard]!.insert(`${table}_local`, rows, opts);
    },
    insertBlock(table, block, opts) {
      const shard = opts?.dedupToken ? shardOf(opts.dedupToken, o.shards.length) : 0;
      return o.shards[shard]!.insertBlock(`${table}_local`, block, opts);
    },
    async close() {
      const all = new Set([o.query, ...o.shards]);
      await Promise.all([...all].map((s) => s.close()));
    },
  };
}

/**
 * Renders the cluster variant of the schema (docs/architecture.md#store): every MergeTree-family table of the
 * numbered migrations becomes `<name>_local` with the Replicated engine (ZooKeeper/Keeper path
 * per shard, `{replica}` macro) plus a Distributed `<name>` over it; materialized views read
 * `hits_local` and write the local target on each shard; an ALTER TABLE alters the local table
 * and, for a column change, the Distributed one; every statement runs ON CLUSTER.
 * Same SQL text as the single-box schema, so the two cannot drift.
 *
 *   npx tsx analytics/cluster.ts [--cluster xueliang] [--database xueliang] [--out deploy/clickhouse-cluster/schema.sql]
 *
 * Sharding: tables with a camera column by camera (an MV writes on the shard its hits block landed
 * on, so direct inserts should agree); audit_log by chain (a chain stays on one shard, in order);
 * cases and snapshots by id; plates by plate; anything else at random.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { projectRoot } from '../contracts/paths.js';
import { XlError } from '../contracts/errors.js';
import { MIGRATIONS_DIR, type Migration, readMigrations } from './migrate.js';
import type { Store } from './store.js';

export interface ClusterOptions {
  cluster: string;
  database: string;
  /** TTL and retention values for the {{…}} placeholders. */
  vars: Readonly<Record<string, number>>;
}

const SHARD_KEY: Readonly<Record<string, string>> = {
  audit_log: 'cityHash64(chain)',
  cases: 'cityHash64(id)',
  snapshots: 'cityHash64(id)',
  plates: 'cityHash64(plate)',
  quarantine: 'rand()',
};

const ident = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** One migration's statements for the cluster. */
export interface ClusterPart {
  migration: Migration;
  statements: string[];
}

/**
 * The cluster statements of each migration, in order. `tables` learns the table names from every
 * migration given, so a later ALTER reaches the replicated local table too.
 */
export function renderClusterParts(migrations: readonly Migration[], o: ClusterOptions): ClusterPart[] {
  if (!ident.test(o.cluster) || !ident.test(o.database))
    throw new RangeError('cluster and database must be plain identifiers');
  const db = o.database;
  const on = `ON CLUSTER '${o.cluster}'`;
  const tables = new Set<string>();
  return migrations.map((m) => {
    const out: string[] = [];
    for (const stmt of m.statements) {
      const table = /^CREATE TABLE IF NOT EXISTS (\w+)\s*\(/.exec(stmt);
      const mv = /^CREATE MATERIALIZED VIEW IF NOT EXISTS (\w+) TO (\w+) AS\s/.exec(stmt);
      const alter = /^ALTER TABLE (\w+)/.exec(stmt);
      if (table) {
        const name = table[1]!;
        tables.add(name);
        const local = `${name}_local`;
        const body = stmt
          .replace(/^CREATE TABLE IF NOT EXISTS \w+/, `CREATE TABLE IF NOT EXISTS ${db}.${local} ${on}`)
          .replace(
            /ENGINE = (\w*MergeTree)(?:\(([^)]*(?:\([^)]*\))?[^)]*)\))?/,
            (_m, eng: string, args: string | undefined) => {
              const zk = `'/clickhouse/tables/{shard}/${db}/${local}', '{replica}'`;
              return `ENGINE = Replicated${eng}(${zk}${args ? `, ${args}` : ''})`;
            },
          )
          .replace(/non_replicated_deduplication_window = \d+,?\s*/, '')
          .replace(/SETTINGS\s*$/, '');
        out.push(`${body};`);
        const key = SHARD_KEY[name] ?? (/^\s+camera\s/m.test(stmt) ? 'cityHash64(camera)' : 'rand()');
        out.push(
          `CREATE TABLE IF NOT EXISTS ${db}.${name} ${on} AS ${db}.${local} ENGINE = Distributed('${o.cluster}', '${db}', '${local}', ${key});`,
        );
      } else if (mv) {
        const [, view, target] = mv;
        const select = stmt
          .slice(mv[0].length)
          .replace(/\bFROM (\w+)/g, (_m, t: string) => `FROM ${db}.${tables.has(t) ? `${t}_local` : t}`);
        out.push(
          `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.${view} ${on} TO ${db}.${target}_local AS ${select};`,
        );
      } else if (alter && tables.has(alter[1]!)) {
        // A column change goes to the replicated local table, then to the Distributed one over it;
        // indexes and TTLs live only where the rows are (Distributed refuses them).
        const rest = stmt.slice(alter[0].length);
        out.push(`ALTER TABLE ${db}.${alter[1]}_local ${on}${rest};`);
        if (/^\s*(ADD|DROP|MODIFY|RENAME|COMMENT) COLUMN\b/.test(rest))
          out.push(`ALTER TABLE ${db}.${alter[1]} ${on}${rest};`);
      } else
        out.push(
          `${stmt.replace(/^(CREATE|ALTER|DROP) (\w+(?: IF (?:NOT )?EXISTS)?) (\w+)/, `$1 $2 ${db}.$3 ${on}`)};`,
        );
    }
    return { migration: m, statements: out };
  });
}

/** The cluster DDL for a list of migrations (statements in order). */
export function renderCluster(migrations: readonly Migration[], o: ClusterOptions): string {
  const out: string[] = [
    `-- Generated by analytics/cluster.ts from analytics/migrations (${migrations.map((m) => m.name).join(', ')}). Do not edit.`,
    `-- Cluster '${o.cluster}', database '${o.database}'. Needs the {shard} and {replica} macros on every node.`,
    `CREATE DATABASE IF NOT EXISTS ${o.database} ON CLUSTER '${o.cluster}';`,
  ];
  for (const part of renderClusterParts(migrations, o))
    out.push('', `-- ${part.migration.name}`, ...part.statements);
  return `${out.join('\n')}\n`;
}

/**
 * Applies the pending migrations to a cluster through one node (`xueliang migrate --cluster`):
 * every statement runs ON CLUSTER; what was applied is kept in `schema_migrations`, one
 * replicated table that every node holds (its Keeper path has no {shard}). Returns the names applied.
 */
export async function migrateCluster(
  store: Store,
  o: ClusterOptions,
  dir = MIGRATIONS_DIR,
): Promise<string[]> {
  const db = o.database;
  const on = `ON CLUSTER '${o.cluster}'`;
  await store.command(`CREATE DATABASE IF NOT EXISTS ${db} ${on}`);
  await store.command(
    `CREATE TABLE IF NOT EXISTS ${db}.schema_migrations ${on} (version UInt32, name String, checksum String, applied_at DateTime64(3, 'UTC') DEFAULT now64(3))
     ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/all/${db}/schema_migrations', '{replica}') ORDER BY version`,
  );
  const done = new Set(
    (await store.query<{ version: number }>(`SELECT version FROM ${db}.schema_migrations FINAL`)).map((r) =>
      Number(r.version),
    ),
  );
  const applied: string[] = [];
  const all = readMigrations(dir, o.vars);
  for (const part of renderClusterParts(all, o)) {
    const m = part.migration;
    if (done.has(m.version)) continue;
    for (const stmt of part.statements) {
      try {
        await store.command(stmt.replace(/;$/, ''));
      } catch (e) {
        throw new XlError(
          'STORE_MIGRATION_FAILED',
          `${m.name} (cluster ${o.cluster}): ${(e as Error).message}`,
        );
      }
    }
    await store.insert('schema_migrations', [{ version: m.version, name: m.name, checksum: m.checksum }]);
    applied.push(m.name);
  }
  return applied;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({
    options: {
      cluster: { type: 'string', default: 'xueliang' },
      database: { type: 'string', default: 'xueliang' },
      out: { type: 'string', default: join(projectRoot, 'deploy', 'clickhouse-cluster', 'schema.sql') },
      'hits-days': { type: 'string', default: '30' },
      'snapshots-days': { type: 'string', default: '7' },
      'quarantine-days': { type: 'string', default: '14' },
    },
  });
  const vars = {
    hitsDays: Number(values['hits-days']),
    snapshotsDays: Number(values['snapshots-days']),
    quarantineDays: Number(values['quarantine-days']),
  };
  const text = renderCluster(readMigrations(undefined, vars), {
    cluster: values.cluster!,
    database: values.database!,
    vars,
  });
  mkdirSync(dirname(values.out!), { recursive: true });
  writeFileSync(values.out!, text);
  process.stdout.write(`wrote ${values.out}\n`);
}

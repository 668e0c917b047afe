/**
 * `xueliang migrate`: applies the schema migrations to the configured store — one server (or
 * chDB folder), or a ClickHouse cluster ON CLUSTER (analytics/cluster.ts,
 * docs/deploy.md#clickhouse-cluster). `--print` writes the cluster DDL instead of applying it.
 */
import { loadCityConfig, withOverrides } from '../../contracts/config/index.js';
import { rootLogger } from '../../contracts/log.js';
import { migrateCluster, renderCluster } from '../../analytics/cluster.js';
import { migrate, readMigrations } from '../../analytics/migrate.js';
import { openStore } from '../../analytics/store.js';
import { defineCommand, str, UsageError } from '../cli.js';
import { migrationVars } from '../stack.js';
import { applyServiceTls } from '../tls-config.js';

export default defineCommand({
  name: 'migrate',
  summary: 'Apply the schema migrations to ClickHouse (one server, or a cluster with --cluster)',
  options: {
    config: { type: 'string', arg: 'FILE', description: 'city.yaml (retention, store; required)' },
    clickhouse: {
      type: 'string',
      arg: 'URL',
      description: 'ClickHouse URL (overrides store.clickhouse); with --cluster any node of the cluster',
    },
    cluster: {
      type: 'string',
      arg: 'NAME',
      description:
        'Cluster name of remote_servers (overrides store.cluster): Replicated + Distributed, ON CLUSTER',
    },
    print: {
      type: 'boolean',
      description: 'Print the cluster DDL (needs a cluster name) instead of applying it',
    },
  },
  details: [
    'Single server or chDB: the numbered migrations, once each (schema_migrations), as `up`, `api` and',
    '`ingest` do at start. Cluster: every table becomes a replicated `<t>_local` plus a Distributed',
    '`<t>` over it, views read and write the locals, each statement ON CLUSTER; applied once each',
    '(a replicated schema_migrations). Needs the {shard} and {replica} macros and Keeper on every node.',
    '',
    'Examples:',
    '  xueliang migrate --config city.yaml --clickhouse http://ch-1:8123 --cluster xueliang',
    '  xueliang migrate --config city.yaml --cluster xueliang --print > schema.sql',
  ].join('\n'),
  async run({ values }) {
    const file = str(values, 'config');
    if (!file) throw new UsageError('--config city.yaml is required');
    const config = withOverrides(loadCityConfig(file, process.env), {
      '/store/clickhouse': str(values, 'clickhouse'),
      '/store/cluster': str(values, 'cluster'),
    });
    const vars = migrationVars(config);
    const cluster = config.store.cluster;
    if (values.print) {
      if (!cluster)
        throw new UsageError('--print renders the cluster DDL: name the cluster (--cluster NAME)');
      process.stdout.write(
        renderCluster(readMigrations(undefined, vars), { cluster, database: config.store.database, vars }),
      );
      return 0;
    }
    applyServiceTls(config);
    const store = await openStore({ url: config.store.clickhouse, database: config.store.database });
    try {
      const applied = cluster
        ? await migrateCluster(store, { cluster, database: config.store.database, vars })
        : await migrate(store, vars);
      rootLogger().debug({ applied }, 'migrations');
      process.stdout.write(
        applied.length
          ? `applied ${applied.join(', ')}${cluster ? ` ON CLUSTER ${cluster}` : ''}\n`
          : 'up to date\n',
      );
    } finally {
      await store.close();
    }
    return 0;
  },
});

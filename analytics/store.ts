/**
 * The store (docs/architecture.md#store): `@clickhouse/client` over one of two connections — HTTP to a
 * ClickHouse server, or chDB in-process (`chdb://PATH`). One code path, one dialect.
 * This module is the only one that imports `@clickhouse/client` and `chdb`.
 *
 * Notes measured here: chDB ignores the client's `database` option (queries run in
 * `default`), so with chDB the one data folder *is* the database; a JS Date parameter
 * loses its milliseconds, so times travel as epoch milliseconds.
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { type ClickHouseClient, type ClickHouseSettings, createClient } from '@clickhouse/client';
import { Readable } from 'node:stream';
import { tlsForUrl } from '../contracts/tls.js';
import { XlError } from '../contracts/errors.js';
import { blockBytes, type RowBlock } from './row-block.js';

export type { ClickHouseClient };

export interface StoreOptions {
  /** `chdb://PATH` or `http(s)://…`. */
  url: string;
  /** Database on a server (ignored by chDB). */
  database?: string;
  /** Resolve a relative chdb path against this folder (default: cwd). */
  baseDir?: string;
}

export interface QueryOptions {
  settings?: ClickHouseSettings;
  signal?: AbortSignal;
}

/** The thin port the domain uses: typed queries, inserts with dedup tokens, DDL. */
export interface Store {
  readonly client: ClickHouseClient;
  readonly engine: 'chdb' | 'server';
  readonly database: string;
  /** Runs a SELECT with `{name:Type}` parameters; rows as objects. */
  query<T = Record<string, unknown>>(
    sql: string,
    params?: Record<string, unknown>,
    opts?: QueryOptions,
  ): Promise<T[]>;
  /** Runs a statement that returns no rows (DDL, ALTER, INSERT … SELECT). */
  command(sql: string, params?: Record<string, unknown>, opts?: QueryOptions): Promise<void>;
  /** Inserts rows as JSONEachRow; a repeated `dedupToken` stores one copy. */
  insert(
    table: string,
    rows: readonly object[],
    opts?: { dedupToken?: string; settings?: ClickHouseSettings },
  ): Promise<void>;
  /**
   * Inserts a pre-encoded row block (analytics/row-block.ts) as bytes: chDB's raw insert hands
   * the buffer to the engine without a JS copy into the SQL text; a server gets it as the body
   * of `INSERT … FORMAT JSONCompactEachRow`. A repeated `dedupToken` stores one copy.
   */
  insertBlock(
    table: string,
    block: RowBlock,
    opts?: { dedupToken?: string; settings?: ClickHouseSettings },
  ): Promise<void>;
  close(): Promise<void>;
}

/** chDB's raw passthrough insert (the `.chdb` extension of its connection). */
interface ChdbRaw {
  rawInsert(p: {
    table: string;
    values: Buffer;
    format: 'JSONCompactEachRow';
    columns: readonly string[];
    settings: Record<string, string | number | boolean>;
  }): Promise<unknown>;
}

const TABLE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** https://: the CA (and client certificate) of city.yaml store.tls (contracts/tls.ts). */
function serverTls(url: string) {
  const pem = tlsForUrl('clickhouse', url);
  if (!pem?.ca) return {};
  return { tls: { ca_cert: pem.ca, ...(pem.cert && pem.key ? { cert: pem.cert, key: pem.key } : {}) } };
}

export async function openStore(opts: StoreOptions): Promise<Store> {
  const { url } = opts;
  let client: ClickHouseClient;
  let engine: Store['engine'];
  let database = opts.database ?? 'default';
  let raw: ChdbRaw | undefined;
  if (url.startsWith('chdb://')) {
    ({ client, raw } = await openChdb(
      resolve(opts.baseDir ?? process.cwd(), url.slice('chdb://'.length) || './data/clickhouse'),
    ));
    engine = 'chdb';
    database = 'default';
  } else if (/^https?:\/\//.test(url)) {
    const tls = serverTls(url);
    const boot = createClient({ url, ...tls });
    try {
      await boot.command({ query: `CREATE DATABASE IF NOT EXISTS ${assertIdent(database)}` });
    } catch (e) {
      await boot.close();
      throw new XlError(
        'STORE_UNREACHABLE',
        `cannot reach ClickHouse at ${redact(url)}: ${(e as Error).message}`,
      );
    }
    await boot.close();
    client = createClient({ url, database, ...tls });
    engine = 'server';
  } else {
    throw new XlError(
      'STORE_BAD_URL',
      `store URL must start with chdb:// or http(s)://, got '${redact(url)}'`,
    );
  }

  // Measured here (chdb 3.4): settings passed with one query stay set in the chDB session for
  // the next ones — an insert after a deduplicated insert silently reused its token and was
  // dropped. So on chDB every call re-sends each setting ever used, at its default unless the
  // call sets it.
  const sticky = new Map<string, unknown>();
  async function withSticky(
    settings: ClickHouseSettings | undefined,
  ): Promise<ClickHouseSettings | undefined> {
    if (engine !== 'chdb') return settings;
    const fresh = Object.keys(settings ?? {}).filter((k) => !sticky.has(k));
    if (fresh.length) {
      const rs = await client.query({
        query: 'SELECT name, default FROM system.settings WHERE name IN {names:Array(String)}',
        query_params: { names: fresh },
        format: 'JSONEachRow',
        clickhouse_settings: Object.fromEntries(sticky) as ClickHouseSettings,
      });
      for (const r of (await rs.json()) as Array<{ name: string; default: string }>)
        sticky.set(r.name, r.default);
    }
    if (sticky.size === 0) return settings;
    return { ...(Object.fromEntries(sticky) as ClickHouseSettings), ...(settings ?? {}) };
  }

  return {
    client,
    engine,
    database,
    async query<T>(sql: string, params: Record<string, unknown> = {}, q: QueryOptions = {}): Promise<T[]> {
      const settings = await withSticky(q.settings);
      const rs = await client.query({
        query: sql,
        query_params: params,
        format: 'JSONEachRow',
        ...(settings ? { clickhouse_settings: settings } : {}),
        ...(q.signal ? { abort_signal: q.signal } : {}),
      });
      return (await rs.json()) as T[];
    },
    async command(sql: string, params: Record<string, unknown> = {}, q: QueryOptions = {}): Promise<void> {
      const settings = await withSticky(q.settings);
      await client.command({
        query: sql,
        query_params: params,
        ...(settings ? { clickhouse_settings: settings } : {}),
        ...(q.signal ? { abort_signal: q.signal } : {}),
      });
    },
    async insert(table, rows, o = {}) {
      if (rows.length === 0) return;
      const own: ClickHouseSettings = {
        ...(o.settings ?? {}),
        insert_deduplication_token: o.dedupToken ?? '',
      };
      const settings = (await withSticky(own)) ?? own;
      await client.insert({
        table: assertIdent(table),
        values: rows as object[],
        format: 'JSONEachRow',
        clickhouse_settings: settings,
      });
    },
    async insertBlock(table, block, o = {}) {
      if (block.rows === 0) return;
      const own: ClickHouseSettings = {
        // One parser thread: measured faster for bundle-sized blocks on the 2-core box
        // (docs/ingest.md#store-path); the engine's threads are busy with parts and views.
        input_format_parallel_parsing: 0,
        ...(o.settings ?? {}),
        insert_deduplication_token: o.dedupToken ?? '',
      };
      await sendBlock(client, raw, assertIdent(table), block, (await withSticky(own)) ?? own);
    },
    async close() {
      await client.close();
    },
  };
}

/** The embedded engine on a data folder: a client over chDB's connection, and its raw insert. */
async function openChdb(path: string): Promise<{ client: ClickHouseClient; raw: ChdbRaw }> {
  mkdirSync(path, { recursive: true });
  // chdb is an optional native addon: load it only when the embedded engine is asked for.
  const { createChdbConnection } = (await import('chdb/connection')) as typeof import('chdb/connection');
  // chdb bundles its own copy of @clickhouse/client-common types; the runtime shapes agree.
  type Conn = NonNullable<NonNullable<Parameters<typeof createClient>[0]>['connection']>;
  let connection: ReturnType<typeof createChdbConnection>;
  try {
    connection = createChdbConnection({ path });
  } catch (e) {
    // chDB takes a lock on <path>/status: a second process on the same folder fails here.
    throw new XlError(
      'STORE_LOCKED',
      `cannot open the embedded ClickHouse in ${path}: the folder is in use by another process (another 'xueliang up', 'demo', 'api', 'ingest' or 'seed' with the same --data), or not writable. Stop that process, or pick another --data`,
      { path },
      { cause: e },
    );
  }
  return {
    client: createClient({ connection: connection as unknown as Conn }),
    raw: connection.chdb as unknown as ChdbRaw,
  };
}

/** A row block as bytes: chDB's raw insert, or the body of a server's INSERT. */
async function sendBlock(
  client: ClickHouseClient,
  raw: ChdbRaw | undefined,
  table: string,
  block: RowBlock,
  settings: ClickHouseSettings,
): Promise<void> {
  const cols = block.columns.map(assertIdent);
  const body = blockBytes(block);
  if (raw) {
    await raw.rawInsert({
      table,
      values: body,
      format: 'JSONCompactEachRow',
      columns: cols,
      settings: settings as Record<string, string | number | boolean>,
    });
    return;
  }
  const rs = await client.exec({
    query: `INSERT INTO ${table} (${cols.join(', ')}) FORMAT JSONCompactEachRow`,
    values: Readable.from([body], { objectMode: false }),
    clickhouse_settings: settings,
  });
  rs.stream.resume();
}

function assertIdent(name: string): string {
  if (!TABLE.test(name))
    throw new XlError('STORE_BAD_IDENTIFIER', `not a plain identifier: '${name.slice(0, 40)}'`);
  return name;
}

/** A URL without its password, for messages and logs. */
export function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@/]*@/, '//$1:***@');
}

/**
 * Migrations: numbered `.sql` files in analytics/migrations (`001_hits.sql`, …), applied in
 * order, once each, recorded in `schema_migrations`. A file may hold several statements
 * separated by a line `-- statement`. `{{name}}` placeholders take values from `vars`,
 * which must be whole numbers or identifiers from validated config — never request input.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { XlError } from '../contracts/errors.js';
import { projectRoot } from '../contracts/paths.js';
import type { Store } from './store.js';

export const MIGRATIONS_DIR = join(projectRoot, 'analytics', 'migrations');

export type MigrationVars = Readonly<Record<string, number | string>>;

/**
 * Days audit rows are kept when the caller names no `auditDays` (city.yaml
 * retention.auditDays has the same default): callers that predate the audit TTL keep working.
 */
export const DEFAULT_AUDIT_DAYS = 1095;

export interface Migration {
  version: number;
  name: string;
  statements: string[];
  checksum: string;
}

export function readMigrations(dir = MIGRATIONS_DIR, given: MigrationVars = {}): Migration[] {
  const vars: MigrationVars = { auditDays: DEFAULT_AUDIT_DAYS, ...given };
  return readdirSync(dir)
    .filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((f) => {
      const text = render(readFileSync(join(dir, f), 'utf8'), vars, f);
      const statements = text
        .split(/^-- statement\s*$/m)
        .map((s) =>
          s
            .replace(/^\s*--.*$/gm, '')
            .trim()
            .replace(/;\s*$/, ''),
        )
        .filter(Boolean);
      return {
        version: Number(f.slice(0, 3)),
        name: f,
        statements,
        checksum: createHash('sha256').update(text).digest('hex').slice(0, 16),
      };
    });
}

function render(text: string, vars: MigrationVars, file: string): string {
  return text.replace(/\{\{(\w+)\}\}/g, (_m, name: string) => {
    const v = vars[name];
    if (v === undefined) throw new XlError('STORE_MIGRATION_VAR', `${file}: no value for {{${name}}}`);
    if (typeof v === 'number' ? !Number.isInteger(v) : !/^[A-Za-z0-9_]+$/.test(v)) {
      throw new XlError('STORE_MIGRATION_VAR', `${file}: {{${name}}} must be an integer or identifier`);
    }
    return String(v);
  });
}

/** Applies pending migrations; returns the names applied. Safe to run on every start. */
export async function migrate(store: Store, vars: MigrationVars, dir = MIGRATIONS_DIR): Promise<string[]> {
  await store.command(
    `CREATE TABLE IF NOT EXISTS schema_migrations (version UInt32, name String, checksum String, applied_at DateTime64(3, 'UTC') DEFAULT now64(3))
     ENGINE = ReplacingMergeTree ORDER BY version`,
  );
  const done = new Set(
    (await store.query<{ version: number }>('SELECT version FROM schema_migrations FINAL')).map((r) =>
      Number(r.version),
    ),
  );
  const applied: string[] = [];
  for (const m of readMigrations(dir, vars)) {
    if (done.has(m.version)) continue;
    for (const s of m.statements) {
      try {
        await store.command(s);
      } catch (e) {
        throw new XlError('STORE_MIGRATION_FAILED', `${m.name}: ${(e as Error).message.split('\n')[0]}`, {
          statement: s.slice(0, 200),
        });
      }
    }
    await store.insert('schema_migrations', [{ version: m.version, name: m.name, checksum: m.checksum }]);
    applied.push(m.name);
  }
  return applied;
}

/**
 * Named SQL files under analytics/sql/. Each starts with a header:
 *   -- Params: {from:Int64}, {to:Int64}, …
 *   -- Returns: …
 * Queries take ClickHouse query parameters; nothing is concatenated from input.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { XlError } from '../contracts/errors.js';
import { projectRoot } from '../contracts/paths.js';

export const SQL_DIR = join(projectRoot, 'analytics', 'sql');

/** The one SQL loader: named files of one folder, read once and cached. */
export function sqlLoader<N extends string = string>(dir: string): (name: N) => string {
  const cache = new Map<string, string>();
  return (name) => {
    let text = cache.get(name);
    if (text === undefined) {
      if (!/^[a-z0-9_]+$/.test(name))
        throw new XlError('STORE_BAD_IDENTIFIER', `bad SQL file name '${name}'`);
      text = readFileSync(join(dir, `${name}.sql`), 'utf8');
      cache.set(name, text);
    }
    return text;
  };
}

/** A named SQL file under analytics/sql/. */
export const sql: (name: string) => string = sqlLoader(SQL_DIR);

/** The `{name:Type}` parameters a SQL text uses (for the header test). */
export function paramsOf(text: string): string[] {
  const body = text.replace(/^--.*$/gm, '');
  return [...new Set([...body.matchAll(/\{([a-zA-Z_][a-zA-Z0-9_]*):[^}]+\}/g)].map((m) => m[1]!))].sort();
}

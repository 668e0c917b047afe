import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { paramsOf, SQL_DIR, sql } from './sql.js';

describe('SQL files', () => {
  const files = readdirSync(SQL_DIR).filter((f) => f.endsWith('.sql'));
  it.each(files)('%s declares exactly the params it uses', (f) => {
    const text = sql(f.replace(/\.sql$/, ''));
    const header = text.match(/^-- Params:((?:.|\n--)*?)\n(?!--\s{2,})/m)?.[1] ?? '';
    const declared = [
      ...new Set([...header.matchAll(/\{([a-zA-Z_][a-zA-Z0-9_]*):/g)].map((m) => m[1]!)),
    ].sort();
    expect(declared).toEqual(paramsOf(text));
    expect(text).toMatch(/^-- Returns: /m);
  });
});

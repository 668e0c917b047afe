import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../testdata.js';
import { CityConfig } from './city.js';
import { configReference, configRows } from './docs.js';
import { GatewayConfig } from './gateway.js';

describe('config reference', () => {
  it('docs/config.md is generated from the current schemas (run `npm run docs:config`)', () => {
    expect(readFileSync(join(projectRoot, 'docs', 'config.md'), 'utf8')).toBe(configReference());
  });

  it.each([
    ['city', CityConfig],
    ['gateway', GatewayConfig],
  ])('every %s field has a description, and every optional field a default', (_n, schema) => {
    const rows = configRows(schema).filter((r) => r.path !== '/' && !r.path.endsWith('/*'));
    const bad = rows.filter((r) => !r.description || (!r.required && !r.def && !r.path.includes('/*/')));
    expect(bad.map((r) => r.path)).toEqual([]);
  });
});

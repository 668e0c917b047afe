/**
 * The config reference, generated from the same TypeBox schemas that validate the files
 * (docs/config.md; `npm run docs:config` rewrites it, a test fails when it is stale).
 */
import type { TSchema } from '@sinclair/typebox';
import { CityConfig } from './city.js';
import { GatewayConfig } from './gateway.js';

interface Row {
  path: string;
  type: string;
  required: boolean;
  def: string;
  description: string;
}

type S = TSchema & Record<string, unknown>;

function typeName(s: S): string {
  if (s.const !== undefined) return JSON.stringify(s.const);
  if (Array.isArray(s.anyOf)) return (s.anyOf as S[]).map(typeName).join(' \\| ');
  if (s.$ref) return String(s.$ref);
  if (s.type === 'array') return `${typeName(s.items as S)}[]`;
  if (s.type === 'integer') {
    const lo = s.minimum ?? s.exclusiveMinimum;
    return lo !== undefined || s.maximum !== undefined
      ? `integer ${lo ?? ''}..${s.maximum ?? ''}`
      : 'integer';
  }
  if (s.type === 'number')
    return s.minimum !== undefined || s.maximum !== undefined
      ? `number ${s.minimum ?? ''}..${s.maximum ?? ''}`
      : 'number';
  return String(s.type ?? 'any');
}

function walk(s: S, path: string, required: boolean, rows: Row[]): void {
  const def = s.default === undefined ? '' : JSON.stringify(s.default);
  const base = { path: path || '/', required, def, description: String(s.description ?? '') };
  if (s.type === 'object' && s.properties) {
    if (path) rows.push({ ...base, type: 'object' });
    const req = new Set((s.required as string[] | undefined) ?? []);
    for (const [k, v] of Object.entries(s.properties as Record<string, S>))
      walk(v, `${path}/${k}`, req.has(k), rows);
    return;
  }
  if (s.type === 'array' && (s.items as S)?.type === 'object') {
    rows.push({ ...base, type: 'array of objects' });
    walk(s.items as S, `${path}/*`, true, rows);
    return;
  }
  if (s.type === 'array' && (s.items as S)?.$ref) {
    rows.push({ ...base, type: `${String((s.items as S).$ref)}[] (recursive)` });
    return;
  }
  rows.push({ ...base, type: typeName(s) });
}

/** Every field as a row; used by the docs and by the schema-hygiene test. */
export function configRows(schema: TSchema): Row[] {
  const rows: Row[] = [];
  walk(schema as S, '', true, rows);
  return rows;
}

function table(schema: TSchema): string {
  const esc = (x: string) => x.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const lines = ['| path | type | default | description |', '|---|---|---|---|'];
  for (const r of configRows(schema)) {
    const def = r.def ? `\`${esc(r.def)}\`` : r.required ? '**required**' : '';
    lines.push(`| \`${r.path}\` | ${esc(r.type)} | ${def} | ${esc(r.description)} |`);
  }
  return lines.join('\n');
}

export function configReference(): string {
  return [
    '# Configuration reference',
    '',
    '<!-- Generated from contracts/config/*.ts by `npm run docs:config`; do not edit by hand. -->',
    '',
    'Both files are YAML, validated once at start against these schemas: unknown keys are errors,',
    'and a bad file is reported with its path and line (`xueliang config check FILE`).',
    '`*` stands for every element of a list. Environment variables override some paths:',
    '`CLICKHOUSE_URL` → `/store/clickhouse`, `REDIS_URL` → `/redis/url`, `REDIS_PASSWORD` → `/redis/password`,',
    '`REDIS_SENTINEL_PASSWORD` → `/redis/sentinelPassword`, `MQTT_URL` → `/mqtt/url`,',
    '`XUELIANG_HTTP_PORT` → `/http/port`, `XUELIANG_LOG_LEVEL` → `/log/level` (city);',
    '`MQTT_URL` → `/mqtt/url`, `XUELIANG_GATEWAY_PASSWORD` → `/gateway/password` (gateway).',
    '',
    '## city.yaml (central tier)',
    '',
    table(CityConfig),
    '',
    '`OrgNode` is `{ id, name, kind: city|county|town|village|grid, children: OrgNode[] }`.',
    '',
    '## gateway.yaml (edge agent)',
    '',
    table(GatewayConfig),
    '',
  ].join('\n');
}

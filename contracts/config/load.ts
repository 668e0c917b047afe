/**
 * The one config loader: YAML file (or an object) → defaults → environment overrides →
 * schema check → semantic checks → deep-frozen value. A bad file names the file, the path
 * (and line) and the problem. This is the only module that maps environment variables.
 */
import { readFileSync } from 'node:fs';
import type { Static, TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { isMap, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import { XlError } from '../errors.js';

export interface ConfigProblem {
  /** JSON-pointer path, e.g. `/cameras/3/lat`. */
  path: string;
  message: string;
  line?: number;
}

export interface LoadOptions {
  /** Environment (pass `process.env` from the composition root). */
  env?: Readonly<Record<string, string | undefined>>;
  /** Env var name → config path overrides. */
  envMap?: Readonly<Record<string, string>>;
  /** Extra checks after the schema passes (references between sections). */
  semantic?: (value: never) => ConfigProblem[];
}

export class ConfigError extends XlError {
  readonly problems: ConfigProblem[];
  constructor(source: string, problems: ConfigProblem[]) {
    const lines = problems.map(
      (p) => `  ${source}${p.line ? `:${p.line}` : ''} ${p.path || '/'}: ${p.message}`,
    );
    super('CONFIG_INVALID', `invalid config ${source}:\n${lines.join('\n')}`, { problems });
    this.problems = problems;
  }
}

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const k of Object.keys(v)) deepFreeze((v as Record<string, unknown>)[k]);
  }
  return v;
}

/** Sets `value` at a JSON-pointer path, creating objects on the way. */
function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('/').filter(Boolean);
  let o = target;
  for (const k of keys.slice(0, -1)) {
    if (!o[k] || typeof o[k] !== 'object') o[k] = {};
    o = o[k] as Record<string, unknown>;
  }
  o[keys[keys.length - 1]!] = value;
}

/** Env values are strings; numbers and booleans are coerced by the schema check below. */
function coerceEnv(raw: string): unknown {
  if (/^-?\d+(\.\d+)?$/.test(raw)) return Number(raw);
  if (raw === 'true' || raw === 'false') return raw === 'true';
  return raw;
}

function lineOf(doc: ReturnType<typeof parseDocument>, lc: LineCounter, path: string): number | undefined {
  const keys = path
    .split('/')
    .filter(Boolean)
    .map((k) => (/^\d+$/.test(k) ? Number(k) : k));
  for (let n = keys.length; n >= 0; n--) {
    const node = doc.getIn(keys.slice(0, n), true) as YamlNode | undefined;
    if (node && (isMap(node) || isSeq(node) || 'range' in node) && node.range)
      return lc.linePos(node.range[0]).line;
  }
  return undefined;
}

/** Validates a plain object against a schema; returns the frozen, defaulted value. */
export function loadConfigValue<S extends TSchema>(
  schema: S,
  raw: unknown,
  source: string,
  opts: LoadOptions = {},
  locate?: (p: string) => number | undefined,
): Readonly<Static<S>> {
  const value = Value.Default(schema, structuredClone(raw ?? {})) as Record<string, unknown>;
  for (const [name, path] of Object.entries(opts.envMap ?? {})) {
    const v = opts.env?.[name];
    if (v !== undefined && v !== '') setPath(value, path, coerceEnv(v));
  }
  const problems: ConfigProblem[] = [];
  for (const e of Value.Errors(schema, value)) {
    if (problems.some((p) => p.path === e.path)) continue;
    const p: ConfigProblem = { path: e.path, message: e.message };
    const line = locate?.(e.path);
    if (line) p.line = line;
    problems.push(p);
    if (problems.length >= 20) break;
  }
  if (opts.semantic) {
    // Cross-reference problems are reported beside the schema's where the value is whole
    // enough to check; a value too broken to walk gives the schema's problems alone.
    let semantic: ConfigProblem[] = [];
    try {
      semantic = opts.semantic(value as never);
    } catch {
      semantic = [];
    }
    for (const p of semantic) {
      if (problems.some((q) => q.path === p.path && q.message === p.message)) continue;
      const line = locate?.(p.path);
      problems.push(line ? { ...p, line } : p);
    }
  }
  if (problems.length) throw new ConfigError(source, problems);
  return deepFreeze(value as Static<S>);
}

/** Reads and validates a YAML file. */
export function loadConfigFile<S extends TSchema>(
  schema: S,
  file: string,
  opts: LoadOptions = {},
): Readonly<Static<S>> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new XlError('CONFIG_UNREADABLE', `cannot read config ${file}: ${(e as Error).message}`);
  }
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: true });
  if (doc.errors.length) {
    const problems = doc.errors.slice(0, 5).map((e) => ({
      path: '',
      message: e.message.split('\n')[0] ?? e.message,
      line: e.linePos?.[0].line ?? 0,
    }));
    throw new ConfigError(file, problems);
  }
  return loadConfigValue(schema, doc.toJS(), file, opts, (p) => lineOf(doc, lc, p));
}

/**
 * A small command framework over node:util parseArgs: each command declares its options
 * once (type, default, description) and gets complete `--help` text and validated values.
 * Usage errors exit 2; coded runtime errors print `CODE: message` and exit 1.
 */
import { parseArgs } from 'node:util';
import { XlError, errorMessage } from '../contracts/errors.js';

export interface OptionSpec {
  type: 'string' | 'boolean';
  description: string;
  default?: string | boolean;
  multiple?: boolean;
  short?: string;
  /** Placeholder shown in help, e.g. FILE. */
  arg?: string;
}

export type OptionValues = Record<string, string | boolean | string[] | boolean[] | undefined>;

export interface Command {
  name: string;
  summary: string;
  /** Extra help text (examples, notes) printed after the options. */
  details?: string;
  /** Positional arguments as shown in the usage line, e.g. `[FILE]`. */
  positionals?: string;
  options: Record<string, OptionSpec>;
  run(args: {
    values: OptionValues;
    positionals: string[];
  }): Promise<number | undefined> | number | undefined;
}

export class UsageError extends XlError {
  constructor(message: string) {
    super('CLI_USAGE', message);
  }
}

export function defineCommand(c: Command): Command {
  return c;
}

const HELP: OptionSpec = { type: 'boolean', description: 'Show this help and exit', short: 'h' };

export function helpText(c: Command): string {
  const opts = { ...c.options, help: HELP };
  const lines = [
    `Usage: xueliang ${c.name}${c.positionals ? ` ${c.positionals}` : ''} [options]`,
    '',
    c.summary,
    '',
    'Options:',
  ];
  const rows = Object.entries(opts).map(([name, o]) => {
    const flag = `${o.short ? `-${o.short}, ` : ''}--${name}${o.type === 'string' ? ` ${o.arg ?? 'VALUE'}` : ''}`;
    const extra = [
      o.multiple ? '(repeatable)' : '',
      o.default !== undefined && o.default !== false ? `(default: ${o.default})` : '',
    ]
      .filter(Boolean)
      .join(' ');
    return [flag, `${o.description}${extra ? ` ${extra}` : ''}`] as const;
  });
  const width = Math.max(...rows.map(([f]) => f.length)) + 2;
  for (const [f, d] of rows) lines.push(`  ${f.padEnd(width)}${d}`);
  if (c.details) lines.push('', c.details.trimEnd());
  return `${lines.join('\n')}\n`;
}

export async function runCommand(c: Command, argv: string[]): Promise<number> {
  const options: Record<
    string,
    { type: 'string' | 'boolean'; multiple?: boolean; short?: string; default?: string | boolean }
  > = {};
  for (const [name, o] of Object.entries({ ...c.options, help: HELP })) {
    options[name] = { type: o.type };
    if (o.multiple) options[name].multiple = true;
    if (o.short) options[name].short = o.short;
    if (o.default !== undefined && !o.multiple) options[name].default = o.default;
  }
  let parsed: { values: OptionValues; positionals: string[] };
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true }) as typeof parsed;
  } catch (e) {
    process.stderr.write(`CLI_USAGE: ${parseArgsMessage(e)}\nSee: xueliang ${c.name} --help\n`);
    return 2;
  }
  if (parsed.values.help) {
    process.stdout.write(helpText(c));
    return 0;
  }
  try {
    return (await c.run(parsed)) ?? 0;
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`CLI_USAGE: ${e.message}\nSee: xueliang ${c.name} --help\n`);
      return 2;
    }
    if (e instanceof XlError) {
      process.stderr.write(`${e.code}: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

/** node:util parseArgs errors in the CLI's words (its own text suggests `--` tricks). */
export function parseArgsMessage(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  const msg = errorMessage(e);
  const opt = /'(-[^' ]+)/.exec(msg)?.[1] ?? '';
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `unknown option '${opt}'`;
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE')
    return /argument missing/.test(msg) ? `option '${opt}' needs a value` : `option '${opt}' takes no value`;
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL')
    return `unexpected argument ${/'([^']*)'/.exec(msg)?.[0] ?? ''}`.trim();
  return msg;
}

/** Reads a string option, or undefined. */
export function str(values: OptionValues, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}

/** Reads an integer option within bounds; throws UsageError naming the flag. */
export function int(
  values: OptionValues,
  name: string,
  min = Number.MIN_SAFE_INTEGER,
  max = Number.MAX_SAFE_INTEGER,
): number | undefined {
  const v = str(values, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, got '${v}'`);
  return n;
}

export function strings(values: OptionValues, name: string): string[] {
  const v = values[name];
  return Array.isArray(v) ? (v as string[]) : typeof v === 'string' ? [v] : [];
}

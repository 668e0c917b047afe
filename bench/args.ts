/**
 * Command-line options of a benchmark script (`npm run bench:NAME -- …`): declared once with a
 * description each, so `--help` prints them, and a wrong option is a coded usage error naming
 * it (exit 2) instead of node's parseArgs text or a TypeError further down.
 */
import { parseArgs } from 'node:util';
import { parseArgsMessage } from '../bin/cli.js';

export interface BenchOption {
  type: 'string' | 'boolean';
  description: string;
  default?: string | boolean;
}

type Values<O extends Record<string, BenchOption>> = {
  [K in keyof O]: O[K]['type'] extends 'boolean'
    ? boolean
    : O[K]['default'] extends string
      ? string
      : string | undefined;
};

const HELP: BenchOption = { type: 'boolean', description: 'Show this help and exit' };

/** The help text of a benchmark. */
export function benchHelp(name: string, summary: string, options: Record<string, BenchOption>): string {
  const rows = Object.entries({ ...options, help: HELP }).map(([k, o]) => {
    const flag = `--${k}${o.type === 'string' ? ' VALUE' : ''}`;
    const def = o.default !== undefined && o.default !== false ? ` (default: ${o.default})` : '';
    return [flag, `${o.description}${def}`] as const;
  });
  const w = Math.max(...rows.map(([f]) => f.length)) + 2;
  return [
    `Usage: npm run bench:${name} -- [options]`,
    '',
    summary,
    '',
    'Options:',
    ...rows.map(([f, d]) => `  ${f.padEnd(w)}${d}`),
    '',
    'The last line of stdout is one JSON object with --json.',
    '',
  ].join('\n');
}

/** Parses `process.argv` for a benchmark; prints help and exits on --help, exits 2 on a bad option. */
export function benchArgs<O extends Record<string, BenchOption>>(
  name: string,
  summary: string,
  options: O,
  argv: string[] = process.argv.slice(2),
): Values<O> {
  const spec: Record<string, { type: 'string' | 'boolean'; default?: string | boolean }> = {};
  for (const [k, o] of Object.entries({ ...options, help: HELP }))
    spec[k] = o.default === undefined ? { type: o.type } : { type: o.type, default: o.default };
  let values: Record<string, unknown>;
  try {
    values = parseArgs({ args: argv, options: spec, strict: true, allowPositionals: false }).values;
  } catch (e) {
    process.stderr.write(`CLI_USAGE: ${parseArgsMessage(e)}\nSee: npm run bench:${name} -- --help\n`);
    process.exit(2);
  }
  if (values.help) {
    process.stdout.write(benchHelp(name, summary, options));
    process.exit(0);
  }
  return values as Values<O>;
}

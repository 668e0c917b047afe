/**
 * Entry of the `xueliang` CLI. Commands live one per file in bin/commands/ (a file may hold a
 * command with subcommands, e.g. `models build`); each default-exports a Command, or a
 * `{ name, summary, subcommands }` group. They are found at run time, so adding a command
 * is adding a file. A command whose file is named after it (`ingest` in bin/commands/ingest.ts)
 * loads that file alone: a command does not pay for the others' imports (a restarted ingest
 * process is part of a fault's recovery, docs/ingest.md#fault-runs--npm-run-benchfaults); the
 * top help, and any name without its own file, load them all.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type Command, helpText, runCommand } from './cli.js';
import { exitOnSignalUntilReady } from './stack.js';

export interface CommandGroup {
  name: string;
  summary: string;
  subcommands: Command[];
  /** Subcommand run when none is named (`xueliang ingest --config …` runs `ingest run`). */
  default?: string;
}

type Entry = Command | CommandGroup;

const here = dirname(fileURLToPath(import.meta.url));
const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';

/** The command named `name` from its own file (bin/commands/NAME.ts), or undefined. */
async function loadOne(name: string): Promise<Entry | undefined> {
  if (!/^[a-z][a-z0-9-]*$/.test(name)) return undefined;
  const file = join(here, 'commands', `${name}${ext}`);
  if (!existsSync(file)) return undefined;
  const entry = (await import(pathToFileURL(file).href)).default as Entry | undefined;
  return entry?.name === name ? entry : undefined;
}

async function loadAll(): Promise<Entry[]> {
  const dir = join(here, 'commands');
  const files = readdirSync(dir).filter(
    (f) => f.endsWith(ext) && !f.includes('.test.') && !f.endsWith('.d.ts'),
  );
  const mods = await Promise.all(files.map((f) => import(pathToFileURL(join(dir, f)).href)));
  return mods
    .map((m) => m.default as Entry)
    .filter(Boolean)
    .sort((a, b) => a.name.localeCompare(b.name));
}

function isGroup(e: Entry): e is CommandGroup {
  return 'subcommands' in e;
}

function topHelp(entries: Entry[]): string {
  const lines = [
    'Usage: xueliang <command> [options]',
    '',
    'Xueliang (雪亮): city video analytics — edge detection, no-loss ingest, analytics, grid tasks.',
    '',
    'Commands:',
  ];
  const rows: [string, string][] = [];
  for (const e of entries) {
    if (isGroup(e)) for (const s of e.subcommands) rows.push([s.name, s.summary]);
    else rows.push([e.name, e.summary]);
  }
  const w = Math.max(...rows.map(([n]) => n.length)) + 2;
  for (const [n, s] of rows) lines.push(`  ${n.padEnd(w)}${s}`);
  lines.push('', "Run 'xueliang <command> --help' for a command's options.");
  return `${lines.join('\n')}\n`;
}

/** The package's version, from package.json beside bin/ (or beside dist/bin/). */
function version(): string {
  for (const up of ['..', join('..', '..')]) {
    try {
      return (JSON.parse(readFileSync(join(here, up, 'package.json'), 'utf8')) as { version: string })
        .version;
    } catch {
      // not at this level
    }
  }
  return 'unknown';
}

let entriesCache: Entry[] | undefined;

async function main(argv: string[]): Promise<number> {
  const [first, second, ...rest] = argv;
  if (first === '--version' || first === '-v' || first === 'version') {
    process.stdout.write(`${version()}\n`);
    return 0;
  }
  const own = first && !first.startsWith('-') && first !== 'help' ? await loadOne(first) : undefined;
  entriesCache ??= own ? [own] : await loadAll();
  const entries = entriesCache;
  if (first === 'help' && second)
    return main([second, ...(rest[0] && !rest[0].startsWith('-') ? [rest[0]] : []), '--help']);
  if (!first || first === '--help' || first === '-h' || first === 'help') {
    process.stdout.write(topHelp(entries));
    return first ? 0 : 2;
  }
  if (first.startsWith('-')) {
    process.stderr.write(
      `CLI_USAGE: unknown option '${first}' (options follow a command)\nSee: xueliang --help\n`,
    );
    return 2;
  }
  const entry = entries.find((e) => e.name === first);
  if (!entry) {
    process.stderr.write(`CLI_USAGE: unknown command '${first}'\n\n${topHelp(entries)}`);
    return 2;
  }
  if (!isGroup(entry)) return runCommand(entry, argv.slice(1));
  const fallback = entry.default ? entry.subcommands.find((s) => s.name === entry.default) : undefined;
  if (
    fallback &&
    (second === undefined || (second.startsWith('-') && second !== '--help' && second !== '-h'))
  ) {
    return runCommand(fallback, argv.slice(1));
  }
  const sub = entry.subcommands.find((s) => s.name === `${first} ${second}`);
  if (!sub) {
    const list = entry.subcommands.map((s) => `  ${s.name.padEnd(28)}${s.summary}`).join('\n');
    const usage = fallback
      ? `Usage: xueliang ${first} [<subcommand>] [options]   (no subcommand: ${fallback.name})`
      : `Usage: xueliang ${first} <subcommand> [options]`;
    const msg = `${usage}\n\n${entry.summary}\n\nSubcommands:\n${list}\n${fallback ? `\n${helpText(fallback)}` : ''}`;
    if (!second || second === '--help' || second === '-h') {
      process.stdout.write(msg);
      return second ? 0 : 2;
    }
    process.stderr.write(`CLI_USAGE: unknown subcommand '${first} ${second}'\n\n${msg}`);
    return 2;
  }
  return runCommand(sub, rest);
}

export { helpText };

exitOnSignalUntilReady();
main(process.argv.slice(2)).then(
  (code) => {
    // A failed command exits at once: whatever it had started and could not stop (a socket,
    // a timer of a library) must not keep a failed start hanging.
    if (code !== 0) process.exit(code);
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`XL_INTERNAL: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);

import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * The root logger. Components take a child: `rootLogger().child({ component: 'ingest' })`.
 * Level comes from the caller (config), never from process.env here.
 */
let root: Logger | undefined;

export function rootLogger(): Logger {
  root ??= pino({ level: 'info', base: { pid: process.pid } }, pino.destination(2));
  return root;
}

export function setLogLevel(level: string): void {
  rootLogger().level = level;
}

/** A logger that drops everything (tests, embedded tools). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

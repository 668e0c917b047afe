/**
 * Reconnect pacing of an mqtt.js client (docs/errors.md, docs/deploy.md#tls): a connection the
 * server refuses for a reason that retrying does not fix — a wrong or missing CA, an expired
 * certificate, a refused password — gets a coded error in the log and an exponential backoff
 * (base, 2×, 4× … up to `maxMs`), instead of a retry and a warn line every second. A plain
 * network failure (refused, reset) keeps the base period: the server is restarting. mqtt.js reads
 * `options.reconnectPeriod` each time it schedules a reconnect (mqtt 5 lib/client.js
 * _setupReconnect), so changing it paces the next attempt; a timer already set is set again.
 */
import type { MqttClient } from 'mqtt';
import type { Logger } from './log.js';
import { CONNECTION_HINTS, connectionErrorCode } from './tls.js';

export interface BackoffOptions {
  /** The usual reconnect period, ms (after a plain network failure, and after a connect). */
  baseMs: number;
  /** Longest wait between attempts after coded failures, ms (default 60 s). */
  maxMs?: number;
  log: Logger;
  /** What the log lines name (`ingest`, `broker`). */
  what: string;
  /** Log refusals at debug (a second connection whose first one already reports them). */
  quiet?: boolean;
}

export interface BackoffState {
  /** The code of the last refusal, until a connect succeeds. */
  code: string | undefined;
  /** Refusals in a row. */
  failures: number;
  /** The wait before the next attempt, ms. */
  delayMs: number;
}

/** The wait after `failures` coded refusals in a row: base × 2^failures, capped. Pure. */
export function backoffDelay(failures: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.min(failures, 30));
}

export function reconnectBackoff(client: MqttClient, o: BackoffOptions): BackoffState {
  const maxMs = o.maxMs ?? 60_000;
  const state: BackoffState = { code: undefined, failures: 0, delayMs: o.baseMs };
  // One attempt may emit the same failure twice (the TLS socket's error, then the stream's).
  let counted = false;
  client.on('close', () => {
    counted = false;
  });
  client.on('error', (e) => {
    const code = connectionErrorCode(e);
    if (code && counted) return;
    if (!code) {
      o.log.warn({ err: e.message }, `${o.what}: MQTT connection error`);
      return;
    }
    counted = true;
    state.failures = state.code === code ? state.failures + 1 : 1;
    state.code = code;
    state.delayMs = backoffDelay(state.failures, o.baseMs, maxMs);
    client.options.reconnectPeriod = state.delayMs;
    // The socket may have closed before the error came: its reconnect timer then runs at the
    // old period (mqtt 5 lib/client.js _setupReconnect); set it again at the new one.
    const internals = client as unknown as {
      reconnectTimer?: unknown;
      _clearReconnect?: () => void;
      _setupReconnect?: () => void;
    };
    if (internals.reconnectTimer && internals._clearReconnect && internals._setupReconnect) {
      internals._clearReconnect();
      internals._setupReconnect();
    }
    // One line per attempt, and attempts thin out exponentially.
    (o.quiet ? o.log.debug.bind(o.log) : o.log.error.bind(o.log))(
      { code, err: e.message, attempt: state.failures, retryInMs: state.delayMs },
      `${code}: ${o.what} refused the connection — ${CONNECTION_HINTS[code] ?? e.message}`,
    );
  });
  client.on('connect', () => {
    if (state.code) o.log.info({ after: state.failures }, `${o.what}: connected after ${state.code}`);
    state.code = undefined;
    state.failures = 0;
    state.delayMs = o.baseMs;
    client.options.reconnectPeriod = o.baseMs;
  });
  return state;
}

/**
 * Listening sockets with errors a person can act on. Every server the tiers start (the MQTT
 * endpoint, the HTTP API, the edge agent's metrics) listens through {@link listenOn}, so a port
 * that is taken is reported as `NET_PORT_IN_USE` naming the port, what wanted it and how to
 * choose another — never a raw `listen EADDRINUSE` stack.
 */
import { createServer, type Server } from 'node:net';
import { XlError } from './errors.js';

export interface ListenWhat {
  /** What wanted the port, e.g. 'the MQTT endpoint'. */
  what: string;
  /** How to pick another, e.g. '--mqtt-port or mqtt.port in city.yaml'. */
  choose: string;
}

/** How a taken port of each server is explained (the flag and config path that choose another). */
export const HTTP_LISTEN: ListenWhat = { what: 'the HTTP API', choose: '--port (http.port in city.yaml)' };
export const MQTT_LISTEN: ListenWhat = {
  what: 'the MQTT endpoint',
  choose: '--mqtt-port (mqtt.port in city.yaml)',
};
export const METRICS_LISTEN: ListenWhat = {
  what: 'the edge agent metrics server',
  choose: '--metrics-port (metricsPort in gateway.yaml)',
};

/** The coded error for a failed listen (port taken, not allowed, address not on this host). */
export function listenError(e: unknown, host: string, port: number, w: ListenWhat): XlError {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  const where = `${host}:${port}`;
  if (code === 'EADDRINUSE')
    return new XlError(
      'NET_PORT_IN_USE',
      `${w.what} cannot listen on ${where}: the port is already in use (another xueliang, or another program). Stop that process, or pick another port with ${w.choose}`,
      { host, port },
      { cause: e },
    );
  if (code === 'EACCES')
    return new XlError(
      'NET_LISTEN_REFUSED',
      `${w.what} may not listen on ${where} (ports below 1024 need privileges); pick another with ${w.choose}`,
      { host, port },
      { cause: e },
    );
  return new XlError(
    'NET_LISTEN_FAILED',
    `${w.what} cannot listen on ${where}: ${(e as Error)?.message ?? String(e)}`,
    { host, port },
    { cause: e },
  );
}

/** `server.listen(port, host)` as a promise that rejects with {@link listenError}. */
export function listenOn(
  server: Pick<Server, 'listen' | 'once' | 'off'>,
  port: number,
  host: string,
  w: ListenWhat,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onError = (e: Error) => reject(listenError(e, host, port, w));
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

/**
 * Fails at once with {@link listenError} when `port` cannot be listened on now — a start-up
 * check before the slow parts start, so a taken port is reported in a second, not after the
 * store, Redis and workers came up (the real listen later still maps its own error).
 */
export async function assertCanListen(port: number, host: string, w: ListenWhat): Promise<void> {
  if (port === 0) return;
  const s = createServer();
  await listenOn(s, port, host, w);
  await new Promise<void>((r) => s.close(() => r()));
}

/** A port that was free a moment ago on `host` (the OS picks it). */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

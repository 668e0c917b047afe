/**
 * Subscribing an ioredis connection safely. ioredis 5.x writes its connect handshake (CLIENT
 * SETINFO, then the INFO ready check) after commands issued between 'connect' and 'ready'; a
 * SUBSCRIBE among them puts the connection in subscriber mode first, the ready check's INFO is
 * refused ("Connection in subscriber mode, only subscriber commands may be used"), and ioredis
 * drops the connection and reconnects WITHOUT the subscription (redis/ioredis#2037, fixed in
 * ioredis 6, which BullMQ 6 does not use yet). Measured here: a SUBSCRIBE sent right after
 * 'connect' lost 30 of 30 messages; waiting for 'ready' lost none. It made the alert engine's
 * cross-process bridge lose every task change in about 1 of 15 test runs.
 */
import type { Redis } from 'ioredis';

/** Resolves when `r` is ready for commands (at once if it is). */
export function whenReady(r: Redis): Promise<void> {
  if (r.status === 'ready') return Promise.resolve();
  return new Promise((resolve) => r.once('ready', () => resolve()));
}

/** SUBSCRIBE once the connection's handshake is over, so the subscription survives it. */
export async function subscribeWhenReady(r: Redis, ...channels: string[]): Promise<void> {
  await whenReady(r);
  await r.subscribe(...channels);
}

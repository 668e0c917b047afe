/**
 * The newest status document of each gateway (contracts/status.ts), kept by the ingest
 * receivers in one Redis hash so any process with that Redis (the API in `up`, or a separate
 * `xueliang api` given the Redis URL) can say which cameras are streaming.
 */
import type { Redis } from 'ioredis';
import type { GatewayStatus, STATUS_OFFLINE } from '../contracts/status.js';

/** A gateway's newest status as kept: its document (or the last will) and when it arrived. */
export type KeptStatus = (GatewayStatus | { state: typeof STATUS_OFFLINE }) & { receivedMs: number };

export const gatewayStatusKey = (prefix: string): string => `${prefix}:gw-status`;

/** Every gateway's kept status, by gateway id (entries that do not parse are skipped). */
export async function readGatewayStatus(redis: Redis, prefix: string): Promise<Map<string, KeptStatus>> {
  const all = await redis.hgetall(gatewayStatusKey(prefix));
  const out = new Map<string, KeptStatus>();
  for (const [gw, json] of Object.entries(all)) {
    try {
      out.set(gw, JSON.parse(json) as KeptStatus);
    } catch {
      // written by this module only; a hand-edited entry is not worth failing a request for
    }
  }
  return out;
}

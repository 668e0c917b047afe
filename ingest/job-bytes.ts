/**
 * A block kept beside its queue job in Redis (the hits block at `blockKey`, the readings block at
 * `readingsKey`; ingest/queue-keys.ts): written before the job is added, deleted after the job's
 * done marker. So a block that is gone means an earlier run stored the job (`null`: nothing left
 * to do) when the marker is there, and a lost block otherwise (thrown: the job is retried, then
 * dead-lettered, never acknowledged as stored).
 */
import type { Redis } from 'ioredis';
import { doneKey } from './queue-keys.js';

export async function bytesBesideJob(
  redis: Redis,
  prefix: string,
  key: string,
  jobId: string,
  what: string,
): Promise<Buffer | null> {
  const bytes = await redis.getBuffer(key);
  if (bytes) return bytes;
  if (await redis.exists(doneKey(prefix, jobId))) return null;
  throw new Error(`the ${what} block of job ${jobId} is not in Redis`);
}

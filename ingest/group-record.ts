/**
 * The record of jobs stored together by one INSERT (docs/ingest.md#several-jobs-one-insert).
 * Before a group's INSERT, one script writes the group (its id, the members' ids in order) and
 * points each member at it; a job already pointing at another group, or already marked stored,
 * is left out and reported. The group id is the INSERT's dedup token, so any re-run of any
 * member that finds the pointer re-INSERTs the whole group, in the recorded order, under the
 * same token. After the INSERT, one script marks every member stored (done marker, claims
 * shrunk to the stored mark), deletes their blocks and pointers and the group: a member's
 * state is either "in a group, blocks kept" or "stored, blocks gone", never half of each.
 */
import type { Redis } from 'ioredis';
import { blockKey, doneKey, groupKey, inGroupKey, readingsKey, replayKey } from './queue-keys.js';
import { claimPrefix, replaySlot, STORED_CLAIM } from './replay-slots.js';

/**
 * KEYS: the group, then per member its pointer and its done marker. ARGV: the group id, then the
 * member ids. Per member: '' (now in this group), '!' (already stored) or the group it is in.
 */
const RECORD = `local out, ids = {}, {}
for i = 2, #ARGV do
  local p, d = KEYS[2 * i - 2], KEYS[2 * i - 1]
  local g = redis.call('GET', p)
  if redis.call('EXISTS', d) == 1 then out[#out + 1] = '!'
  elseif g and g ~= ARGV[1] then out[#out + 1] = g
  else out[#out + 1] = ''; ids[#ids + 1] = ARGV[i] end
end
if #ids > 0 then
  for i = 2, #ARGV do
    if out[i - 1] == '' then redis.call('SET', KEYS[2 * i - 2], ARGV[1]) end
  end
  redis.call('SET', KEYS[1], table.concat(ids, ' '))
end
return out`;

/**
 * KEYS: the group, then per member its done marker, pointer, hits block and readings block,
 * then the replay hashes. ARGV: windowMs, the member count, then per member its claim prefix,
 * its claim count and a hash index and field per claim.
 */
const MARK = `local w, k, a = ARGV[1], tonumber(ARGV[2]), 3
for m = 0, k - 1 do
  local b = 2 + 4 * m
  redis.call('SET', KEYS[b], '1', 'PX', w)
  redis.call('DEL', KEYS[b + 1], KEYS[b + 2], KEYS[b + 3])
  local pre, n = ARGV[a], tonumber(ARGV[a + 1])
  local len = string.len(pre)
  a = a + 2
  for j = 1, n do
    local h, f = KEYS[tonumber(ARGV[a])], ARGV[a + 1]
    local v = redis.call('HGET', h, f)
    if v and string.sub(v, 1, len) == pre then redis.call('HSET', h, f, '${STORED_CLAIM}') end
    a = a + 2
  end
end
redis.call('DEL', KEYS[1])
return 0`;

/** What the group record said of one member. */
export type Membership = { in: 'this' } | { in: 'stored' } | { in: 'other'; group: string };

/** Records `ids` (in order) as group `groupId`, leaving out members stored or in another group. */
export async function recordGroup(
  redis: Redis,
  prefix: string,
  groupId: string,
  ids: readonly string[],
): Promise<Membership[]> {
  const keys = ids.flatMap((id) => [inGroupKey(prefix, id), doneKey(prefix, id)]);
  const res = (await redis.eval(
    RECORD,
    1 + keys.length,
    groupKey(prefix, groupId),
    ...keys,
    groupId,
    ...ids,
  )) as string[] | null;
  return ids.map((_, i) => {
    const v = res?.[i] ?? '';
    return v === '' ? { in: 'this' } : v === '!' ? { in: 'stored' } : { in: 'other', group: v };
  });
}

/** The members of a recorded group, in order; undefined when there is no such group (any more). */
export async function groupMembers(
  redis: Redis,
  prefix: string,
  groupId: string,
): Promise<string[] | undefined> {
  const v = await redis.get(groupKey(prefix, groupId));
  return v ? v.split(' ') : undefined;
}

/** Which of `ids` left their done marker. */
export async function storedOf(redis: Redis, prefix: string, ids: readonly string[]): Promise<boolean[]> {
  const p = redis.pipeline();
  for (const id of ids) p.exists(doneKey(prefix, id));
  const res = (await p.exec()) ?? [];
  return ids.map((_, i) => Number(res[i]?.[1]) > 0);
}

/** A member to mark stored: its job id and its messages' replay keys. */
export interface StoredMember {
  id: string;
  keys: readonly string[];
}

/**
 * Marks every member of group `groupId` stored in one script (after the group's INSERT): done
 * markers for the replay window, claims still naming a member turned into the stored mark,
 * blocks, pointers and the group record deleted. Idempotent.
 */
export async function markGroup(
  redis: Redis,
  prefix: string,
  groupId: string,
  members: readonly StoredMember[],
  windowMs: number,
): Promise<void> {
  const first = 2 + 4 * members.length;
  const hashes = new Map<string, number>();
  const args: (string | Buffer)[] = [String(windowMs), String(members.length)];
  for (const m of members) {
    args.push(claimPrefix(m.id), String(m.keys.length));
    for (const k of m.keys) {
      const s = replaySlot(k);
      const h = replayKey(prefix, s.bucket);
      const at = hashes.get(h) ?? hashes.size + first;
      hashes.set(h, at);
      args.push(String(at), s.field);
    }
  }
  const keys = members.flatMap((m) => [
    doneKey(prefix, m.id),
    inGroupKey(prefix, m.id),
    blockKey(prefix, m.id),
    readingsKey(prefix, m.id),
  ]);
  await redis.eval(
    MARK,
    1 + keys.length + hashes.size,
    groupKey(prefix, groupId),
    ...keys,
    ...hashes.keys(),
    ...args,
  );
}

/**
 * Where tasks live (adapter). The current state of each task is a Redis hash
 * `{prefix}:alerts:task:{id}` = { v: version, s: Task JSON }, changed only by compare-and-set
 * on the version, so ingest workers, escalation workers and API processes can act on one task
 * without a lock. Every event is appended to ClickHouse (`task_events`) with the state after
 * it (`tasks`, ReplacingMergeTree by version, filled by a materialized view): the durable
 * history and what lists read.
 * Cooldown keys `{prefix}:alerts:cd:{rule|watch}|{camera}|{zone}` point to the open task.
 */
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { XlError } from '../../contracts/errors.js';
import { projectRoot } from '../../contracts/paths.js';
import { sqlLoader } from '../sql.js';
import type { Store } from '../store.js';
import { applyTaskEvent, CLOSED, type Task, type TaskEvent } from './model.js';

/** A named SQL file under analytics/tasks/sql (header: Params, Returns). */
export const taskSql = sqlLoader<'tasks_list' | 'task_events' | 'task_get' | 'watches_active'>(
  join(projectRoot, 'analytics', 'tasks', 'sql'),
);

/** Open tasks stay in Redis this long after their last change; closed ones a day. */
const OPEN_TTL_MS = 30 * 86_400_000;
const CLOSED_TTL_MS = 86_400_000;

// KEYS[1] task hash; ARGV: expected version, new version, state JSON, ttl ms. Returns 1 when set.
const CAS = `local v = redis.call('HGET', KEYS[1], 'v') or '0'
if v ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'v', ARGV[2], 's', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1`;

// KEYS[1] cooldown key; ARGV: proposed task id, ttl ms. Returns the task id the key points to
// (the proposal when it was free); the ttl restarts on every hit (a sliding cooldown).
const GET_OR_SET = `local v = redis.call('GET', KEYS[1])
if v then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return v end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return ARGV[1]`;

// KEYS[1] cooldown key; ARGV[1] task id. Deletes the key only while it points to that task.
const DEL_IF = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

type Scripted = Redis & {
  xlTaskCas(key: string, expected: string, version: string, state: string, ttl: string): Promise<number>;
  xlCooldown(key: string, proposal: string, ttl: string): Promise<string>;
  xlDelIf(key: string, id: string): Promise<number>;
};

export interface TaskChange {
  task: Task;
  event: TaskEvent;
}

export class TaskRepo {
  private readonly r: Scripted;

  constructor(
    redis: Redis,
    private readonly store: Store,
    private readonly prefix: string,
    readonly maxHits: number,
  ) {
    redis.defineCommand('xlTaskCas', { numberOfKeys: 1, lua: CAS });
    redis.defineCommand('xlCooldown', { numberOfKeys: 1, lua: GET_OR_SET });
    redis.defineCommand('xlDelIf', { numberOfKeys: 1, lua: DEL_IF });
    this.r = redis as Scripted;
  }

  taskKey(id: string): string {
    return `${this.prefix}:alerts:task:${id}`;
  }

  cooldownKey(key: string): string {
    return `${this.prefix}:alerts:cd:${key}`;
  }

  async get(id: string): Promise<Task | undefined> {
    const s = await this.r.hget(this.taskKey(id), 's');
    if (s) return JSON.parse(s) as Task;
    // Expired from Redis (closed long ago): the store still has it.
    const rows = await this.store.query<{ state: string }>(taskSql('task_get'), { id });
    return rows[0] ? (JSON.parse(rows[0].state) as Task) : undefined;
  }

  async getMany(ids: readonly string[]): Promise<Array<Task | undefined>> {
    if (ids.length === 0) return [];
    const p = this.r.pipeline();
    for (const id of ids) p.hget(this.taskKey(id), 's');
    const res = (await p.exec()) ?? [];
    return res.map(([err, s]) => {
      if (err) throw err;
      return typeof s === 'string' ? (JSON.parse(s) as Task) : undefined;
    });
  }

  /** Compare-and-set of many tasks in one round trip; true where the write won. */
  async casMany(changes: ReadonlyArray<{ prevVersion: number; task: Task }>): Promise<boolean[]> {
    if (changes.length === 0) return [];
    const p = this.r.pipeline() as ReturnType<Redis['pipeline']> & {
      xlTaskCas(key: string, expected: string, version: string, state: string, ttl: string): unknown;
    };
    for (const c of changes) {
      const ttl = CLOSED.has(c.task.status) ? CLOSED_TTL_MS : OPEN_TTL_MS;
      p.xlTaskCas(
        this.taskKey(c.task.id),
        String(c.prevVersion),
        String(c.task.version),
        JSON.stringify(c.task),
        String(ttl),
      );
    }
    const res = (await p.exec()) ?? [];
    return res.map(([err, v]) => {
      if (err) throw err;
      return v === 1;
    });
  }

  /** For each cooldown key: the task it points to, or the proposed id (now claimed). */
  async cooldowns(items: ReadonlyArray<{ key: string; proposal: string; ttlMs: number }>): Promise<string[]> {
    if (items.length === 0) return [];
    const p = this.r.pipeline() as ReturnType<Redis['pipeline']> & {
      xlCooldown(key: string, proposal: string, ttl: string): unknown;
    };
    for (const it of items) p.xlCooldown(this.cooldownKey(it.key), it.proposal, String(it.ttlMs));
    const res = (await p.exec()) ?? [];
    return res.map(([err, v]) => {
      if (err) throw err;
      return String(v);
    });
  }

  async setCooldown(key: string, id: string, ttlMs: number): Promise<void> {
    await this.r.set(this.cooldownKey(key), id, 'PX', ttlMs);
  }

  async releaseCooldown(key: string, id: string): Promise<void> {
    await this.r.xlDelIf(this.cooldownKey(key), id);
  }

  /**
   * Applies the event `decide` returns for the current state, with compare-and-set retries.
   * `decide` returning null means nothing to do (e.g. an escalation the task outgrew).
   */
  async transact(id: string, decide: (t: Task) => TaskEvent | null): Promise<TaskChange | null> {
    for (let attempt = 0; attempt < 8; attempt++) {
      const t = await this.get(id);
      if (!t) throw new XlError('TASK_NOT_FOUND', `no task ${id}`);
      const event = decide(t);
      if (!event) return null;
      const next = applyTaskEvent(t, event, this.maxHits);
      const [won] = await this.casMany([{ prevVersion: t.version, task: next }]);
      if (won) return { task: next, event };
    }
    throw new XlError('TASK_CONFLICT', `task ${id} kept changing under us; try again`);
  }

  /**
   * Appends the events, each with the state after it, to the store in one insert; the
   * `tasks` table is filled from them by a materialized view (migration 012).
   */
  async persist(changes: readonly TaskChange[]): Promise<void> {
    if (changes.length === 0) return;
    await this.store.insert(
      'task_events',
      changes.map(({ task, event }) => ({
        task_id: task.id,
        version: task.version,
        ts: event.tsMs,
        type: event.type,
        by: event.by,
        org: task.org,
        note: 'note' in event ? event.note : '',
        payload: JSON.stringify(event),
        state: JSON.stringify(task),
      })),
    );
  }

  async list(q: {
    org: string;
    grid?: string;
    statuses?: readonly string[];
    sinceMs?: number;
    limit: number;
  }): Promise<Task[]> {
    const rows = await this.store.query<{ state: string }>(taskSql('tasks_list'), {
      org: q.org,
      grid: q.grid ?? '',
      statuses: q.statuses ?? [],
      since: q.sinceMs ?? 0,
      limit: q.limit,
    });
    return rows.map((r) => JSON.parse(r.state) as Task);
  }

  async events(id: string): Promise<TaskEvent[]> {
    const rows = await this.store.query<{ payload: string }>(taskSql('task_events'), { id });
    return rows.map((r) => JSON.parse(r.payload) as TaskEvent);
  }
}

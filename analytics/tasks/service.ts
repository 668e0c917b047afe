/**
 * The alert engine and task service (adapter; DESIGN §9, issue 7). The ingest worker hands it
 * every stored batch (`onHits` / `onRows`); it matches the batch (pure matcher), opens or
 * updates tasks (cooldown by rule, camera and zone), schedules escalation as BullMQ delayed
 * jobs, and tells the world: MQTT per grid, webhooks per org, and an in-process emitter the
 * API's SSE subscribes to. API actions (accept, resolve, escalate) go through `act`.
 */
import { EventEmitter } from 'node:events';
import { type Job, Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { Counter, Histogram, type Registry } from 'prom-client';
import { checkAlerts, orgIdSet } from '../../contracts/config/alerts.js';
import type { CityConfig } from '../../contracts/config/index.js';
import { ConfigError } from '../../contracts/config/load.js';
import { XlError } from '../../contracts/errors.js';
import type { Hit } from '../../contracts/hit.js';
import type { Logger } from '../../contracts/log.js';
import { topics } from '../../contracts/topics.js';
import { type Alert, AlertMatcher } from '../alerts/matcher.js';
import type { Watch } from '../alerts/watches.js';
import { type HitRow, rowToHit } from '../hit-rows.js';
import type { Store } from '../store.js';
import {
  AWAITING,
  audienceOrgs,
  CLOSED,
  type Disposition,
  escalationTarget,
  slaAt,
  type Task,
  type TaskEvent,
  type TaskHit,
  applyTaskEvent,
} from './model.js';
import { connectMqttPublisher, type MqttPublisherOptions, type TaskPublisher, type WebhookDeadLetter, Webhooks } from './notify.js';
import { taskId } from './ids.js';
import { OrgTree } from './orgs.js';
import { type TaskChange, TaskRepo } from './repo.js';
import { loadActiveWatches, saveWatch } from './watch-store.js';

export type { TaskChange } from './repo.js';

export interface AlertEngineOptions {
  config: Readonly<CityConfig>;
  store: Store;
  redisUrl: string;
  log: Logger;
  registry: Registry;
  /** Where task notifications go: a publisher (e.g. the embedded broker), or a broker URL. Default: config.mqtt.url when set; else none. */
  publisher?: TaskPublisher;
  mqtt?: MqttPublisherOptions;
  /** The clock (tests and benchmarks may pass their own). */
  nowMs?: () => number;
}

/** A stored hit as the stream sees it: with its camera's org path for jurisdiction. */
export interface PlacedHit {
  hit: Hit;
  orgPath: readonly string[];
}

export interface AlertEvents {
  task: [TaskChange];
  hits: [PlacedHit[]];
}

export type TaskAction = 'accept' | 'resolve' | 'escalate';

export interface AlertEngine {
  /** Hand a batch of stored hits to the engine (the ingest worker calls this after its insert). */
  onHits(hits: readonly Hit[]): Promise<void>;
  /** The same for rows as the ingest worker holds them (grid and org path resolved). */
  onRows(rows: readonly HitRow[]): Promise<void>;
  act(id: string, action: TaskAction, o: { by: string; note: string; disposition?: Disposition }): Promise<Task>;
  get(id: string): Promise<Task | undefined>;
  list(q: { org: string; grid?: string; statuses?: readonly string[]; sinceMs?: number; limit: number }): Promise<Task[]>;
  history(id: string): Promise<TaskEvent[]>;
  addWatch(w: Watch, by: string): Promise<void>;
  removeWatch(id: string, by: string): Promise<boolean>;
  watches(): Watch[];
  webhookDeadLetters(limit?: number): Promise<WebhookDeadLetter[]>;
  readonly events: EventEmitter<AlertEvents>;
  readonly orgs: OrgTree;
  readonly matcher: AlertMatcher;
  /** Batches with alerts processed, and the time spent per stage (ms, summed). */
  stats(): { batches: number; persistBacklog: number; persistDropped: number; stageMs: Record<'match' | 'tasks' | 'notify' | 'persist', number> };
  close(): Promise<void>;
}

const ESCALATE_QUEUE = 'alerts-escalate';
interface EscalateJob {
  taskId: string;
  org: string;
  escalations: number;
}

function toTaskHit(h: Hit): TaskHit {
  return { id: h.id, tsMs: h.tsMs, snapshot: h.snapshot ?? '' };
}

function conn(url: string, worker: boolean, log: Logger): Redis {
  const r = new Redis(url, { maxRetriesPerRequest: worker ? null : 3, retryStrategy: (n) => Math.min(100 * n, 2000) });
  r.on('error', (e) => log.debug({ err: e.message }, 'redis error'));
  return r;
}

export async function createAlertEngine(o: AlertEngineOptions): Promise<AlertEngine> {
  const { config, store } = o;
  const cfg = config.alerts;
  const log = o.log.child({ component: 'alerts' });
  const now = o.nowMs ?? Date.now;
  const problems = checkAlerts(cfg, orgIdSet(config.orgs));
  if (problems.length) throw new ConfigError('city.yaml', problems);
  const prefix = config.redis.prefix;
  const orgs = new OrgTree(config.orgs, config.cameras);
  const matcher = new AlertMatcher({ alerts: cfg, timezone: config.city.timezone, placements: orgs.placements });
  const events = new EventEmitter<AlertEvents>();
  events.setMaxListeners(10_000);

  const m = {
    alerts: new Counter({ name: 'xueliang_alerts_total', help: 'Alerts raised, by source kind', labelNames: ['source'], registers: [o.registry] }),
    changes: new Counter({ name: 'xueliang_task_changes_total', help: 'Task events applied, by type', labelNames: ['type'], registers: [o.registry] }),
    batchMs: new Histogram({
      name: 'xueliang_alert_batch_ms',
      help: 'From a stored batch handed over to its task changes stored and sent, ms',
      buckets: [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000],
      registers: [o.registry],
    }),
    errors: new Counter({ name: 'xueliang_alert_errors_total', help: 'Batches or notifications that failed', labelNames: ['stage'], registers: [o.registry] }),
    webhooks: new Counter({ name: 'xueliang_webhook_calls_total', help: 'Webhook calls by result (ok, retry, dead)', labelNames: ['result'], registers: [o.registry] }),
  };

  const redis = conn(o.redisUrl, false, log);
  const workerConn = conn(o.redisUrl, true, log);
  const hookWorkerConn = conn(o.redisUrl, true, log);
  const sub = conn(o.redisUrl, false, log);
  const repo = new TaskRepo(redis, store, prefix, cfg.maxHitsPerTask);
  const escalations = new Queue<EscalateJob>(ESCALATE_QUEUE, { connection: redis, prefix });
  const webhooks = new Webhooks({
    queueConn: redis,
    workerConn: hookWorkerConn,
    prefix,
    hooks: cfg.webhooks,
    attempts: cfg.webhookAttempts,
    backoffMs: cfg.webhookBackoffMs,
    timeoutMs: cfg.webhookTimeoutMs,
    log,
    onResult: (ok, dead) => m.webhooks.inc({ result: ok ? 'ok' : dead ? 'dead' : 'retry' }),
  });

  let publisher = o.publisher;
  let ownPublisher = false;
  const mqttOpts = o.mqtt ?? (config.mqtt.url ? { url: config.mqtt.url, username: config.mqtt.username, password: config.mqtt.password } : undefined);
  if (!publisher && mqttOpts) {
    publisher = await connectMqttPublisher(mqttOpts, log);
    ownPublisher = true;
  }
  if (!publisher) log.warn('no MQTT publisher: task notifications go to webhooks and SSE only');

  // --- watches -------------------------------------------------------------------------
  const channel = `${prefix}:alerts:watches`;
  async function reloadWatches(): Promise<void> {
    const ws = await loadActiveWatches(store);
    const live = new Set(ws.map((w) => w.id));
    for (const id of [...matcher.watches.ids()]) if (!live.has(id)) matcher.watches.remove(id);
    for (const w of ws) matcher.watches.add(w);
  }
  await reloadWatches();
  await sub.subscribe(channel);
  sub.on('message', () => {
    reloadWatches().catch((e: unknown) => log.warn({ err: (e as Error).message }, 'watch reload failed'));
  });
  const reloadTimer = setInterval(() => {
    reloadWatches().catch((e: unknown) => log.warn({ err: (e as Error).message }, 'watch reload failed'));
  }, cfg.watches.reloadMs);
  reloadTimer.unref();

  // --- notifications -------------------------------------------------------------------
  async function notify(changes: readonly TaskChange[]): Promise<void> {
    const sends: Promise<unknown>[] = [];
    for (const c of changes) {
      m.changes.inc({ type: c.event.type });
      events.emit('task', c);
      const body = JSON.stringify({ v: 1, event: c.event.type, by: c.event.by, tsMs: c.event.tsMs, task: c.task });
      if (publisher) for (const org of audienceOrgs(c.task)) sends.push(publisher.publish(topics.gridTasks(org), body));
      const paths: Array<readonly string[]> = [c.task.orgPath];
      if (c.task.source.kind === 'watch') paths.push(orgs.path(c.task.source.caseOrg));
      sends.push(webhooks.enqueue(webhooks.hooksFor(paths), body));
    }
    const res = await Promise.allSettled(sends);
    for (const r of res) {
      if (r.status === 'rejected') {
        m.errors.inc({ stage: 'notify' });
        log.warn({ err: (r.reason as Error).message }, 'task notification failed');
      }
    }
  }

  async function scheduleEscalation(t: Task): Promise<void> {
    if (t.deadlineMs === null) return;
    await escalations.add(
      'escalate',
      { taskId: t.id, org: t.org, escalations: t.escalations },
      { jobId: `${t.id}-${t.escalations}`, delay: Math.max(0, t.deadlineMs - now()), removeOnComplete: 1000, removeOnFail: 1000 },
    );
  }

  async function scheduleEscalations(ts: readonly Task[]): Promise<void> {
    const due = ts.filter((t) => t.deadlineMs !== null);
    if (due.length === 0) return;
    await escalations.addBulk(
      due.map((t) => ({
        name: 'escalate',
        data: { taskId: t.id, org: t.org, escalations: t.escalations },
        opts: { jobId: `${t.id}-${t.escalations}`, delay: Math.max(0, t.deadlineMs! - now()), removeOnComplete: 1000, removeOnFail: 1000 },
      })),
    );
  }

  async function unscheduleEscalation(t: Pick<Task, 'id' | 'escalations'>): Promise<void> {
    await escalations.remove(`${t.id}-${t.escalations}`).catch(() => 0);
  }

  function deadline(level: Task['level'], sla: Task['slaMs'], orgPath: readonly string[], org: string, atMs: number): number | null {
    const ms = slaAt(level, sla);
    return ms === null || escalationTarget({ org, orgPath }) === undefined ? null : atMs + ms;
  }

  // --- alerts → tasks ------------------------------------------------------------------
  function openEvent(id: string, g: Alert[], tsMs: number): TaskEvent {
    const a = g[0]!;
    const level = orgs.kind(a.placement.grid) ?? 'grid';
    return {
      type: 'opened',
      taskId: id,
      tsMs,
      by: 'system',
      source: a.source,
      title: a.title,
      priority: a.priority,
      cooldownKey: a.cooldownKey,
      camera: a.hit.camera,
      zone: a.hit.zone ?? '',
      grid: a.placement.grid,
      orgPath: [...a.placement.orgPath],
      level,
      slaMs: a.slaMs,
      hits: g.map((x) => toTaskHit(x.hit)),
      deadlineMs: deadline(level, a.slaMs, a.placement.orgPath, a.placement.grid, tsMs),
    };
  }

  async function handleAlerts(alerts: readonly Alert[]): Promise<TaskChange[]> {
    const groups = new Map<string, Alert[]>();
    for (const a of alerts) {
      const g = groups.get(a.cooldownKey);
      if (g) g.push(a);
      else groups.set(a.cooldownKey, [a]);
    }
    const keys = [...groups.keys()];
    const proposals = keys.map(() => taskId(now()));
    const ids = await repo.cooldowns(keys.map((k, i) => ({ key: k, proposal: proposals[i]!, ttlMs: groups.get(k)![0]!.cooldownMs })));
    const states = await repo.getMany(ids);
    const tsMs = now();
    const pending: Array<{ prevVersion: number; task: Task; event: TaskEvent; key: string }> = [];
    const slow: string[] = [];
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      const g = groups.get(key)!;
      const prev = states[i];
      let event: TaskEvent;
      if (ids[i] === proposals[i]) event = openEvent(ids[i]!, g, tsMs);
      else if (prev && !CLOSED.has(prev.status)) event = { type: 'hits_added', taskId: prev.id, tsMs, by: 'system', hits: g.map((x) => toTaskHit(x.hit)) };
      else if (prev) {
        // The task under the key was closed: a new one starts its own cooldown.
        const id = taskId(now());
        await repo.setCooldown(key, id, g[0]!.cooldownMs);
        event = openEvent(id, g, tsMs);
      } else {
        slow.push(key);
        continue;
      }
      const task = applyTaskEvent(prev && event.type !== 'opened' ? prev : undefined, event, cfg.maxHitsPerTask);
      pending.push({ prevVersion: event.type === 'opened' ? 0 : prev!.version, task, event, key });
    }
    const won = await repo.casMany(pending);
    const changes: TaskChange[] = [];
    pending.forEach((p, k) => {
      if (won[k]) changes.push({ task: p.task, event: p.event });
      else slow.push(p.key);
    });
    // Lost a race with another process (or its task is not written yet): one at a time.
    for (const key of slow) {
      const g = groups.get(key)!;
      const c = await addToTaskSlowly(key, g);
      if (c) changes.push(c);
    }
    return changes;
  }

  async function addToTaskSlowly(key: string, g: Alert[]): Promise<TaskChange | null> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const [id] = await repo.cooldowns([{ key, proposal: taskId(now()), ttlMs: g[0]!.cooldownMs }]);
      const t = await repo.get(id!);
      if (t && !CLOSED.has(t.status)) {
        const change = await repo.transact(t.id, (cur) =>
          CLOSED.has(cur.status) ? null : { type: 'hits_added', taskId: cur.id, tsMs: now(), by: 'system', hits: g.map((x) => toTaskHit(x.hit)) },
        );
        if (change) return change;
      }
      if (t && CLOSED.has(t.status)) await repo.releaseCooldown(key, t.id);
      await new Promise((r) => setTimeout(r, 20 * (attempt + 1)));
    }
    // The key points at a task nobody wrote (its process died): start afresh.
    const id = taskId(now());
    await repo.setCooldown(key, id, g[0]!.cooldownMs);
    const event = openEvent(id, g, now());
    const task = applyTaskEvent(undefined, event, cfg.maxHitsPerTask);
    const [ok] = await repo.casMany([{ prevVersion: 0, task }]);
    return ok ? { task, event } : null;
  }

  // --- write-behind to the store ----------------------------------------------------------
  // Redis holds the authoritative state; the store gets every event in order, in batches as
  // large as have piled up, off the hit-to-task path (measured: two chDB inserts per bundle
  // were a quarter of the engine's time). A list may lag a notification by one flush. While
  // the store is down the backlog is bounded: past PERSIST_MAX the oldest are dropped, counted.
  const PERSIST_MAX = 200_000;
  let backlog: TaskChange[] = [];
  let persistDropped = 0;
  let persisting: Promise<void> | undefined;
  let closing = false;
  function persistLater(changes: readonly TaskChange[]): void {
    if (changes.length === 0) return;
    backlog.push(...changes);
    if (backlog.length > PERSIST_MAX) {
      const drop = backlog.length - PERSIST_MAX;
      backlog = backlog.slice(drop);
      persistDropped += drop;
      m.errors.inc({ stage: 'persist_dropped' }, drop);
    }
    persisting ??= drainPersist().finally(() => {
      persisting = undefined;
    });
  }
  async function drainPersist(): Promise<void> {
    let failures = 0;
    while (backlog.length) {
      const batch = backlog.slice(0, 50_000);
      const t = performance.now();
      try {
        await repo.persist(batch);
        backlog = backlog.slice(batch.length);
        failures = 0;
      } catch (e) {
        m.errors.inc({ stage: 'persist' });
        if (closing && failures >= 3) {
          log.error({ err: (e as Error).message, lost: backlog.length }, 'closing: task events not stored (their state is in Redis)');
          persistDropped += backlog.length;
          backlog = [];
          break;
        }
        log.warn({ err: (e as Error).message, backlog: backlog.length }, 'storing task events failed; will retry');
        await new Promise((r) => setTimeout(r, Math.min(100 * 2 ** failures++, 5000)));
      }
      stageMs.persist += performance.now() - t;
    }
  }
  async function flushPersist(): Promise<void> {
    while (persisting) await persisting;
  }

  let chain: Promise<void> = Promise.resolve();
  let batches = 0;
  const stageMs = { match: 0, tasks: 0, notify: 0, persist: 0 };
  async function processBatch(placed: PlacedHit[], alerts: Alert[], startMs: number): Promise<void> {
    if (placed.length && events.listenerCount('hits') > 0) events.emit('hits', placed);
    if (alerts.length === 0) return;
    let t = performance.now();
    const lap = (k: keyof typeof stageMs) => {
      const t2 = performance.now();
      stageMs[k] += t2 - t;
      t = t2;
    };
    const changes = await handleAlerts(alerts);
    lap('tasks');
    persistLater(changes);
    await Promise.all([scheduleEscalations(changes.filter((c) => c.event.type === 'opened').map((c) => c.task)), notify(changes)]);
    lap('notify');
    batches++;
    m.batchMs.observe(now() - startMs);
  }

  function onHits(hits: readonly Hit[]): Promise<void> {
    const startMs = now();
    const t0 = performance.now();
    const alerts: Alert[] = [];
    const placed: PlacedHit[] = [];
    if (cfg.enabled) {
      for (const h of hits) {
        const before = alerts.length;
        matcher.match(h, alerts);
        for (let k = before; k < alerts.length; k++) m.alerts.inc({ source: alerts[k]!.source.kind });
      }
    }
    if (events.listenerCount('hits') > 0) {
      for (const h of hits) placed.push({ hit: h, orgPath: orgs.placements.get(h.camera)?.orgPath ?? [] });
    }
    stageMs.match += performance.now() - t0;
    // Batches are applied in arrival order: a task's updates keep their order.
    const run = chain.then(() => processBatch(placed, alerts, startMs));
    chain = run.catch((e: unknown) => {
      m.errors.inc({ stage: 'batch' });
      log.error({ err: (e as Error).message }, 'alert batch failed');
    });
    return run;
  }

  // --- escalation worker ----------------------------------------------------------------
  const escalator = new Worker<EscalateJob>(
    ESCALATE_QUEUE,
    async (job: Job<EscalateJob>) => {
      const { taskId, org, escalations: n } = job.data;
      const change = await repo.transact(taskId, (t) => {
        if (!AWAITING.has(t.status) || t.org !== org || t.escalations !== n) return null;
        const to = escalationTarget(t);
        if (!to) return null;
        const level = orgs.kind(to) ?? 'city';
        const at = now();
        return {
          type: 'escalated',
          taskId,
          tsMs: at,
          by: 'system',
          note: `not accepted at ${org} within its SLA`,
          toOrg: to,
          toLevel: level,
          deadlineMs: deadline(level, t.slaMs, t.orgPath, to, at),
        };
      });
      if (!change) return;
      persistLater([change]);
      await scheduleEscalation(change.task);
      await notify([change]);
    },
    { connection: workerConn, prefix, concurrency: 4 },
  );
  escalator.on('error', (e) => log.warn({ err: e.message }, 'escalation worker error'));
  escalator.on('failed', (job, e) => log.warn({ task: job?.data.taskId, err: e.message }, 'escalation failed; will retry'));

  // --- API actions ----------------------------------------------------------------------
  async function act(id: string, action: TaskAction, a: { by: string; note: string; disposition?: Disposition }): Promise<Task> {
    const change = await repo.transact(id, (t): TaskEvent => {
      const tsMs = now();
      if (action === 'accept') return { type: 'accepted', taskId: id, tsMs, by: a.by, note: a.note };
      if (action === 'resolve') return { type: 'resolved', taskId: id, tsMs, by: a.by, note: a.note, disposition: a.disposition ?? 'resolved' };
      const to = escalationTarget(t);
      if (!to) throw new XlError('TASK_AT_TOP', `task ${id} is at ${t.org}, the top of its org path`);
      const level = orgs.kind(to) ?? 'city';
      return { type: 'escalated', taskId: id, tsMs, by: a.by, note: a.note, toOrg: to, toLevel: level, deadlineMs: deadline(level, t.slaMs, t.orgPath, to, tsMs) };
    });
    if (!change) throw new XlError('TASK_NOT_FOUND', `no task ${id}`);
    // An answered action is stored: the caller may list or audit it at once.
    persistLater([change]);
    await flushPersist();
    // The pending SLA job is moot (it would no-op anyway: it checks org and escalation count).
    if (change.event.type === 'escalated') {
      await unscheduleEscalation({ ...change.task, escalations: change.task.escalations - 1 });
      await scheduleEscalation(change.task);
    } else await unscheduleEscalation(change.task);
    if (change.event.type === 'resolved') await repo.releaseCooldown(change.task.cooldownKey, id);
    await notify([change]);
    return change.task;
  }

  return {
    onHits,
    onRows: (rows) => onHits(rows.map((r) => rowToHit({ ...r, ts_ms: r.ts }))),
    act,
    get: (id) => repo.get(id),
    // Reads flush this process's pending writes first (read-your-writes).
    list: async (q) => {
      await flushPersist();
      return repo.list(q);
    },
    history: async (id) => {
      await flushPersist();
      return repo.events(id);
    },
    async addWatch(w, by) {
      await saveWatch(store, w, { active: true, by, nowMs: now() });
      matcher.watches.add(w);
      await redis.publish(channel, w.id);
    },
    async removeWatch(id, by) {
      const w = matcher.watches.has(id) ? (await loadActiveWatches(store)).find((x) => x.id === id) : undefined;
      if (!w) return false;
      await saveWatch(store, w, { active: false, by, nowMs: now() });
      matcher.watches.remove(id);
      await redis.publish(channel, id);
      return true;
    },
    watches: () => [...matcher.watches.ids()].flatMap((id) => matcher.watches.get(id) ?? []),
    webhookDeadLetters: (limit) => webhooks.deadLetters(limit),
    events,
    orgs,
    matcher,
    stats: () => ({ batches, persistBacklog: backlog.length, persistDropped, stageMs: { ...stageMs } }),
    async close() {
      clearInterval(reloadTimer);
      closing = true;
      await chain;
      await flushPersist();
      await escalator.close();
      await webhooks.close();
      await escalations.close();
      if (ownPublisher && publisher) await publisher.close().catch(() => undefined);
      await sub.quit().catch(() => undefined);
      for (const r of [redis, workerConn, hookWorkerConn]) await r.quit().catch(() => undefined);
      events.removeAllListeners();
    },
  };
}

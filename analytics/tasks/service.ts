/**
 * The alert engine and task service (adapter; DESIGN §9, issue 7). The ingest worker hands it
 * every stored batch (`onHits` / `onRows`); it matches the batch (pure matcher), opens or
 * updates tasks (cooldown by rule, camera and zone), schedules escalation as BullMQ delayed
 * jobs, and tells the world: MQTT per grid, webhooks per org, and an in-process emitter the
 * API's SSE subscribes to. API actions (accept, resolve, escalate) go through `act`.
 */
import { EventEmitter } from 'node:events';
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
import { subscribeWhenReady } from '../redis-subscriber.js';
import { SensorAlerts } from '../sensors/alerts.js';
import { SensorCatalog } from '../sensors/catalog.js';
import { SensorFusion } from '../sensors/fusion.js';
import type { Store } from '../store.js';
import { type EscalateJob, Escalations } from './escalation.js';
import { deadlineAt, TaskIntake } from './intake.js';
import {
  AWAITING,
  audienceOrgs,
  type Disposition,
  escalationTarget,
  type Task,
  type TaskEvent,
} from './model.js';
import {
  connectMqttPublisher,
  type MqttPublisherOptions,
  type TaskPublisher,
  type WebhookDeadLetter,
  Webhooks,
} from './notify.js';
import { RobotChannels } from './channels/robots.js';
import { taskNotice } from './notice.js';
import { OrgTree } from './orgs.js';
import { type TaskChange, TaskRepo } from './repo.js';
import { loadActiveWatches, saveWatch } from './watch-store.js';
import { TaskWriter } from './writer.js';

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
  /**
   * Hand a batch of stored hits to the engine (the ingest worker calls this after its insert).
   * Resolves when the batch's task changes are applied and sent; never rejects (a failed batch
   * is logged and counted in `xueliang_alert_errors_total{stage="batch"}`).
   */
  onHits(hits: readonly Hit[]): Promise<void>;
  /** The same for rows as the ingest worker holds them (grid and org path resolved). */
  onRows(rows: readonly HitRow[]): Promise<void>;
  act(
    id: string,
    action: TaskAction,
    o: { by: string; note: string; disposition?: Disposition },
  ): Promise<Task>;
  get(id: string): Promise<Task | undefined>;
  list(q: {
    org: string;
    grid?: string;
    statuses?: readonly string[];
    sinceMs?: number;
    limit: number;
  }): Promise<Task[]>;
  history(id: string): Promise<TaskEvent[]>;
  addWatch(w: Watch, by: string): Promise<void>;
  removeWatch(id: string, by: string): Promise<boolean>;
  watches(): Watch[];
  webhookDeadLetters(limit?: number): Promise<WebhookDeadLetter[]>;
  readonly events: EventEmitter<AlertEvents>;
  readonly orgs: OrgTree;
  readonly matcher: AlertMatcher;
  /** Batches with alerts processed, and the time spent per stage (ms, summed). */
  stats(): {
    batches: number;
    persistBacklog: number;
    persistDropped: number;
    stageMs: Record<'match' | 'tasks' | 'notify' | 'persist', number>;
  };
  close(): Promise<void>;
}

function conn(url: string, worker: boolean, log: Logger): Redis {
  const r = new Redis(url, {
    maxRetriesPerRequest: worker ? null : 3,
    retryStrategy: (n) => Math.min(100 * n, 2000),
  });
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
  const sensorCatalog = new SensorCatalog(config);
  const matcher = new AlertMatcher({
    alerts: cfg,
    timezone: config.city.timezone,
    placements: orgs.placements,
    sensors: new SensorAlerts(sensorCatalog),
  });
  const events = new EventEmitter<AlertEvents>();
  events.setMaxListeners(10_000);
  const origin = `${process.pid}-${Math.random().toString(36).slice(2, 10)}`;

  const m = {
    alerts: new Counter({
      name: 'xueliang_alerts_total',
      help: 'Alerts raised, by source kind',
      labelNames: ['source'],
      registers: [o.registry],
    }),
    changes: new Counter({
      name: 'xueliang_task_changes_total',
      help: 'Task events applied, by type',
      labelNames: ['type'],
      registers: [o.registry],
    }),
    batchSeconds: new Histogram({
      name: 'xueliang_alert_batch_seconds',
      help: 'From a stored batch handed over to its task changes applied and sent',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [o.registry],
    }),
    errors: new Counter({
      name: 'xueliang_alert_errors_total',
      help: 'Batches, notifications or store writes that failed',
      labelNames: ['stage'],
      registers: [o.registry],
    }),
    webhooks: new Counter({
      name: 'xueliang_webhook_calls_total',
      help: 'Webhook calls by result (ok, retry, dead)',
      labelNames: ['result'],
      registers: [o.registry],
    }),
  };

  const redis = conn(o.redisUrl, false, log);
  const workerConn = conn(o.redisUrl, true, log);
  const hookWorkerConn = conn(o.redisUrl, true, log);
  const sub = conn(o.redisUrl, false, log);
  const repo = new TaskRepo(redis, store, prefix, cfg.maxHitsPerTask);
  const intake = new TaskIntake(repo, orgs, cfg, now);
  const writer = new TaskWriter(repo, log, (stage, n) => m.errors.inc({ stage }, n));
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

  const robotWorkerConn = conn(o.redisUrl, true, log);
  const robots = new RobotChannels({
    queueConn: redis,
    workerConn: robotWorkerConn,
    prefix,
    channels: cfg.channels,
    attempts: cfg.webhookAttempts,
    backoffMs: cfg.webhookBackoffMs,
    timeoutMs: cfg.webhookTimeoutMs,
    timeZone: config.city.timezone,
    publicUrl: config.api.publicUrl,
    linkSecret: config.api.linkSecret,
    linkTtlSec: config.api.linkTtlSec,
    log,
    registry: o.registry,
  });

  let publisher = o.publisher;
  let ownPublisher = false;
  const mqttOpts =
    o.mqtt ??
    (config.mqtt.url
      ? { url: config.mqtt.url, username: config.mqtt.username, password: config.mqtt.password }
      : undefined);
  if (!publisher && mqttOpts) {
    publisher = await connectMqttPublisher(mqttOpts, log);
    ownPublisher = true;
  }
  if (!publisher) log.warn('no MQTT publisher: task notifications go to webhooks and SSE only');

  // --- Redis channels: watch changes, and task changes for SSE in other processes -------------
  const watchChannel = `${prefix}:alerts:watches`;
  const taskChannel = `${prefix}:alerts:changes`;
  async function reloadWatches(): Promise<void> {
    const ws = await loadActiveWatches(store);
    const live = new Set(ws.map((w) => w.id));
    for (const id of [...matcher.watches.ids()]) if (!live.has(id)) matcher.watches.remove(id);
    for (const w of ws) matcher.watches.add(w);
  }
  const reload = () => {
    reloadWatches().catch((e: unknown) => log.warn({ err: (e as Error).message }, 'watch reload failed'));
  };
  await reloadWatches();
  await subscribeWhenReady(sub, watchChannel, taskChannel); // not before 'ready': analytics/redis-subscriber.ts
  sub.on('message', (channel: string, message: string) => {
    if (channel === watchChannel) return reload();
    // Another process's task changes: re-emitted here so this process's SSE clients see them.
    try {
      const msg = JSON.parse(message) as { origin: string; changes: TaskChange[] };
      if (msg.origin !== origin) for (const c of msg.changes) events.emit('task', c);
    } catch {
      m.errors.inc({ stage: 'bridge' });
    }
  });
  const reloadTimer = setInterval(reload, cfg.watches.reloadMs);
  reloadTimer.unref();

  // --- notifications -------------------------------------------------------------------
  async function notify(changes: readonly TaskChange[]): Promise<void> {
    if (changes.length === 0) return;
    const sends: Promise<unknown>[] = [redis.publish(taskChannel, JSON.stringify({ origin, changes }))];
    for (const c of changes) {
      m.changes.inc({ type: c.event.type });
      events.emit('task', c);
      const notice = taskNotice(c);
      const body = JSON.stringify(notice);
      if (publisher)
        for (const org of audienceOrgs(c.task)) sends.push(publisher.publish(topics.gridTasks(org), body));
      // Only those who may see the hit hear of it (docs/security.md): the task's own org path,
      // not the case's org when the sighting lies outside it.
      const paths: Array<readonly string[]> = [c.task.orgPath];
      sends.push(webhooks.enqueue(webhooks.hooksFor(paths), body));
      sends.push(robots.enqueue(notice, paths));
    }
    const res = await Promise.allSettled(sends);
    for (const r of res) {
      if (r.status === 'rejected') {
        m.errors.inc({ stage: 'notify' });
        log.warn({ err: (r.reason as Error).message }, 'task notification failed');
      }
    }
  }

  // --- escalation -----------------------------------------------------------------------
  const escalations = new Escalations({
    queueConn: redis,
    workerConn,
    prefix,
    log,
    now,
    onDue: async ({ taskId, org, escalations: n }: EscalateJob) => {
      const change = await repo.transact(taskId, (t) => {
        if (!AWAITING.has(t.status) || t.org !== org || t.escalations !== n) return null;
        const to = escalationTarget(t);
        if (!to) return null;
        const level = orgs.kind(to) ?? 'city';
        const at = now();
        const deadlineMs = deadlineAt(level, t.slaMs, t.orgPath, to, at);
        return {
          type: 'escalated',
          taskId,
          tsMs: at,
          by: 'system',
          note: `not accepted at ${org} within its SLA`,
          toOrg: to,
          toLevel: level,
          deadlineMs,
        };
      });
      if (!change) return;
      writer.write([change]);
      await escalations.schedule([change.task]);
      await notify([change]);
    },
  });

  // --- sensor tasks: snapshots of the cameras around them (docs/iot.md) -------------------
  const fusion = new SensorFusion({
    store,
    catalog: sensorCatalog,
    cameras: config.cameras,
    fusion: config.fusion,
    log,
    now,
    apply: async (taskId, snapshots) => {
      const change = await repo.transact(taskId, () => ({ type: 'nearby_added', taskId, tsMs: now(), by: 'system', snapshots }));
      if (!change) return;
      writer.write([change]);
      await notify([change]);
    },
  });

  // --- hits → alerts → tasks ------------------------------------------------------------
  let chain: Promise<void> = Promise.resolve();
  let batches = 0;
  const stageMs = { match: 0, tasks: 0, notify: 0 };
  async function processBatch(placed: PlacedHit[], alerts: Alert[], startMs: number): Promise<void> {
    if (placed.length && events.listenerCount('hits') > 0) events.emit('hits', placed);
    if (alerts.length === 0) return;
    const t0 = performance.now();
    const changes = await intake.apply(alerts);
    const t1 = performance.now();
    writer.write(changes);
    const opened = changes.filter((c) => c.event.type === 'opened').map((c) => c.task);
    await Promise.all([escalations.schedule(opened), notify(changes)]);
    fusion.onOpened(opened);
    stageMs.tasks += t1 - t0;
    stageMs.notify += performance.now() - t1;
    batches++;
    m.batchSeconds.observe((now() - startMs) / 1000);
  }

  function onHits(hits: readonly Hit[]): Promise<void> {
    const startMs = now();
    const t0 = performance.now();
    const alerts: Alert[] = [];
    const placed: PlacedHit[] = [];
    if (cfg.enabled) {
      for (const h of hits) matcher.match(h, alerts);
      let watched = 0;
      for (const a of alerts) if (a.source.kind === 'watch') watched++;
      if (watched) m.alerts.inc({ source: 'watch' }, watched);
      if (alerts.length > watched) m.alerts.inc({ source: 'rule' }, alerts.length - watched);
    }
    if (events.listenerCount('hits') > 0) {
      for (const h of hits)
        placed.push({
          hit: h,
          orgPath: orgs.placements.get(h.camera)?.orgPath ?? matcher.sensorPlacement(h.camera)?.orgPath ?? [],
        });
    }
    stageMs.match += performance.now() - t0;
    // Batches are applied in arrival order: a task's updates keep their order.
    const run = chain.then(() => processBatch(placed, alerts, startMs));
    chain = run.catch((e: unknown) => {
      m.errors.inc({ stage: 'batch' });
      log.error({ err: (e as Error).message }, 'alert batch failed');
    });
    // Never rejects: the ingest worker hands batches over fire-and-forget.
    return chain;
  }

  // --- API actions ----------------------------------------------------------------------
  async function act(
    id: string,
    action: TaskAction,
    a: { by: string; note: string; disposition?: Disposition },
  ): Promise<Task> {
    const change = await repo.transact(id, (t): TaskEvent => {
      const tsMs = now();
      if (action === 'accept') return { type: 'accepted', taskId: id, tsMs, by: a.by, note: a.note };
      if (action === 'resolve')
        return {
          type: 'resolved',
          taskId: id,
          tsMs,
          by: a.by,
          note: a.note,
          disposition: a.disposition ?? 'resolved',
        };
      const to = escalationTarget(t);
      if (!to) throw new XlError('TASK_AT_TOP', `task ${id} is at ${t.org}, the top of its org path`);
      const level = orgs.kind(to) ?? 'city';
      return {
        type: 'escalated',
        taskId: id,
        tsMs,
        by: a.by,
        note: a.note,
        toOrg: to,
        toLevel: level,
        deadlineMs: deadlineAt(level, t.slaMs, t.orgPath, to, tsMs),
      };
    });
    if (!change) throw new XlError('TASK_NOT_FOUND', `no task ${id}`);
    // An answered action is stored: the caller may list or audit it at once.
    writer.write([change]);
    await writer.flush();
    // The pending SLA job is moot (it would no-op anyway: it checks org and escalation count).
    if (change.event.type === 'escalated') {
      await escalations.unschedule({ id, escalations: change.task.escalations - 1 });
      await escalations.schedule([change.task]);
    } else await escalations.unschedule(change.task);
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
      await writer.flush();
      return repo.list(q);
    },
    history: async (id) => {
      await writer.flush();
      return repo.events(id);
    },
    async addWatch(w, by) {
      await saveWatch(store, w, { active: true, by, nowMs: now() });
      matcher.watches.add(w);
      await redis.publish(watchChannel, w.id);
    },
    async removeWatch(id, by) {
      const w = matcher.watches.get(id);
      if (!w) return false;
      await saveWatch(store, w, { active: false, by, nowMs: now() });
      matcher.watches.remove(id);
      await redis.publish(watchChannel, id);
      return true;
    },
    watches: () => [...matcher.watches.ids()].flatMap((id) => matcher.watches.get(id) ?? []),
    webhookDeadLetters: async (limit) => [...(await webhooks.deadLetters(limit)), ...(await robots.deadLetters(limit))],
    events,
    orgs,
    matcher,
    stats: () => ({
      batches,
      persistBacklog: writer.pending,
      persistDropped: writer.dropped,
      stageMs: { ...stageMs, persist: writer.busyMs },
    }),
    async close() {
      clearInterval(reloadTimer);
      fusion.close();
      await chain;
      await writer.close();
      await escalations.close();
      await webhooks.close();
      await robots.close();
      if (ownPublisher && publisher) await publisher.close().catch(() => undefined);
      await sub.quit().catch(() => undefined);
      for (const r of [redis, workerConn, hookWorkerConn, robotWorkerConn]) await r.quit().catch(() => undefined);
      events.removeAllListeners();
    },
  };
}

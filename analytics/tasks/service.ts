/**
 * The alert engine and task service (adapter; docs/alerts.md), a thin composition: the ingest
 * worker hands it every stored batch (`onHits` / `onRows`); it matches the batch (pure matcher),
 * opens or updates tasks (alerts-to-tasks.ts: cooldown by rule, camera and zone), schedules
 * escalation as BullMQ delayed jobs (escalation.ts), and tells the world (notifier.ts: MQTT per
 * grid, webhooks per org, the in-process listeners the API's SSE subscribes to, the Redis bridge
 * to other processes, bridge.ts). API actions and expired SLAs become events in decide.ts.
 */
import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import { checkAlerts, orgIdSet } from '../../contracts/config/alerts.js';
import type { CityConfig } from '../../contracts/config/index.js';
import { ConfigError } from '../../contracts/config/load.js';
import { XlError } from '../../contracts/errors.js';
import type { Hit } from '../../contracts/hit.js';
import type { Logger } from '../../contracts/log.js';
import { type Alert, AlertMatcher } from '../alerts/matcher.js';
import type { Watch } from '../alerts/watches.js';
import { type HitRow, rowToHit } from '../hit-rows.js';
import { type RedisTarget, redisConnection } from '../redis.js';
import { SensorAlerts } from '../sensors/alerts.js';
import { SensorCatalog } from '../sensors/catalog.js';
import { SensorFusion } from '../sensors/fusion.js';
import type { Store } from '../store.js';
import { TaskIntake } from './alerts-to-tasks.js';
import { AlertBridge } from './bridge.js';
import { actionEvent, slaEvent, type TaskAction } from './decide.js';
import { Escalations } from './escalation.js';
import { type AlertMetrics, alertMetrics } from './metrics.js';
import type { Disposition, Task, TaskEvent } from './model.js';
import {
  connectMqttPublisher,
  type MqttPublisherOptions,
  type TaskPublisher,
  type WebhookDeadLetter,
  Webhooks,
} from './notify.js';
import { TaskNotifier } from './notifier.js';
import { RobotChannels } from './channels/robots.js';
import { OrgTree } from '../../contracts/org-tree.js';
import { type TaskChange, TaskRepo } from './repo.js';
import { loadActiveWatches, saveWatch } from './watch-store.js';
import { TaskWriter } from './writer.js';

export type { TaskChange } from './repo.js';
export type { PlacedHit } from '../hit-feed.js';

export interface AlertEngineOptions {
  config: Readonly<CityConfig>;
  store: Store;
  /** Redis: a URL or a Sentinel set (analytics/redis.ts). */
  redisUrl: RedisTarget;
  log: Logger;
  registry: Registry;
  /** Where task notifications go: a publisher (e.g. the embedded broker), or a broker URL. Default: config.mqtt.url when set; else none. */
  publisher?: TaskPublisher;
  mqtt?: MqttPublisherOptions;
  /** The clock (tests and benchmarks may pass their own). */
  nowMs?: () => number;
  /** The org tree built once from `config` by the composition (default: built here). */
  orgs?: OrgTree;
}

export interface AlertEvents {
  task: [TaskChange];
}

export type { TaskAction } from './decide.js';

/** What the API may do with the engine: tasks, watches, dead letters and the live feed. */
export interface TasksApi {
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
  /**
   * Listens to task changes of every process (changes of other processes arrive over Redis).
   * Returns the function that stops listening. Stored hits travel on the hit feed
   * (analytics/hit-feed.ts), not here.
   */
  subscribe(l: { task?: (c: TaskChange) => void }): () => void;
}

export interface AlertEngine extends TasksApi {
  /**
   * Hand a batch of stored hits to the engine (the ingest worker calls this after its insert).
   * Resolves when the batch's task changes are applied and sent; never rejects (a failed batch
   * is logged and counted in `xueliang_alert_errors_total{stage="batch"}`).
   */
  onHits(hits: readonly Hit[]): Promise<void>;
  /** The same for rows as the ingest worker holds them (grid and org path resolved). */
  onRows(rows: readonly HitRow[]): Promise<void>;
  /** The matcher (benchmarks load watches straight into it; the API uses `TasksApi` only). */
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

/** Task notifications' MQTT side: the given publisher, a connection to a broker, or none. */
async function taskPublisher(
  o: AlertEngineOptions,
  log: Logger,
): Promise<{ publisher?: TaskPublisher; own: boolean }> {
  if (o.publisher) return { publisher: o.publisher, own: false };
  const m = o.config.mqtt;
  const opts = o.mqtt ?? (m.url ? { url: m.url, username: m.username, password: m.password } : undefined);
  if (opts) return { publisher: await connectMqttPublisher(opts, log), own: true };
  log.warn('no MQTT publisher: task notifications go to webhooks and SSE only');
  return { own: false };
}

export async function createAlertEngine(o: AlertEngineOptions): Promise<AlertEngine> {
  const problems = checkAlerts(o.config.alerts, orgIdSet(o.config.orgs));
  if (problems.length) throw new ConfigError('city.yaml', problems);
  const log = o.log.child({ component: 'alerts' });
  const engine = new Engine(o, log, await taskPublisher(o, log));
  await engine.start();
  return engine;
}

class Engine implements AlertEngine {
  readonly matcher: AlertMatcher;
  private readonly cfg: AlertEngineOptions['config']['alerts'];
  private readonly now: () => number;
  private readonly orgs: OrgTree;
  private readonly events = new EventEmitter<AlertEvents>();
  private readonly m: AlertMetrics;
  private readonly redis: Redis;
  private readonly conns: Redis[];
  private readonly repo: TaskRepo;
  private readonly intake: TaskIntake;
  private readonly writer: TaskWriter;
  private readonly webhooks: Webhooks;
  private readonly robots: RobotChannels;
  private readonly bridge: AlertBridge;
  private readonly notifier: TaskNotifier;
  private readonly escalations: Escalations;
  private readonly fusion: SensorFusion;
  private reloadTimer: NodeJS.Timeout | undefined;
  /** Batches are applied in arrival order: a task's updates keep their order. */
  private chain: Promise<void> = Promise.resolve();
  private batches = 0;
  private readonly stageMs = { match: 0, tasks: 0, notify: 0 };

  constructor(
    private readonly o: AlertEngineOptions,
    private readonly log: Logger,
    private readonly pub: { publisher?: TaskPublisher; own: boolean },
  ) {
    const { config } = o;
    const cfg = config.alerts;
    this.cfg = cfg;
    const prefix = config.redis.prefix;
    this.now = o.nowMs ?? Date.now;
    this.orgs = o.orgs ?? new OrgTree(config);
    const sensorCatalog = new SensorCatalog(config);
    this.matcher = new AlertMatcher({
      alerts: cfg,
      timezone: config.city.timezone,
      placements: this.orgs.placements,
      sensors: new SensorAlerts(sensorCatalog),
    });
    this.events.setMaxListeners(10_000);
    const m = alertMetrics(o.registry);
    this.m = m;
    const redis = redisConnection(o.redisUrl, log);
    this.redis = redis;
    const workerConn = redisConnection(o.redisUrl, log, { worker: true });
    const hookWorkerConn = redisConnection(o.redisUrl, log, { worker: true });
    const sub = redisConnection(o.redisUrl, log);
    const robotWorkerConn = redisConnection(o.redisUrl, log, { worker: true });
    const fusionWorkerConn = redisConnection(o.redisUrl, log, { worker: true });
    this.conns = [redis, workerConn, hookWorkerConn, sub, robotWorkerConn, fusionWorkerConn];
    this.repo = new TaskRepo(redis, o.store, prefix, cfg.maxHitsPerTask);
    this.intake = new TaskIntake(this.repo, this.orgs, cfg, this.now);
    this.writer = new TaskWriter(this.repo, log, (stage, n) => m.errors.inc({ stage }, n));
    this.webhooks = new Webhooks({
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
    this.robots = new RobotChannels({
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
    this.bridge = new AlertBridge(redis, sub, prefix);
    this.notifier = new TaskNotifier({
      publisher: pub.publisher,
      webhooks: this.webhooks,
      robots: this.robots,
      orgs: this.orgs,
      emit: (c) => this.events.emit('task', c),
      bridge: (changes) => this.bridge.publishChanges(changes),
      log,
      onChange: (type) => m.changes.inc({ type }),
      onFailed: () => m.errors.inc({ stage: 'notify' }),
    });
    // Sensor tasks: snapshots of the cameras around them (docs/iot.md).
    this.fusion = new SensorFusion({
      store: o.store,
      catalog: sensorCatalog,
      cameras: config.cameras,
      fusion: config.fusion,
      log,
      now: this.now,
      queueConn: redis,
      workerConn: fusionWorkerConn,
      prefix,
      apply: async (taskId, snapshots) => {
        const change = await this.repo.transact(taskId, () => ({
          type: 'nearby_added',
          taskId,
          tsMs: this.now(),
          by: 'system',
          snapshots,
        }));
        if (!change) return;
        this.writer.write([change]);
        await this.notifier.notify([change]);
      },
    });
    this.escalations = new Escalations({
      queueConn: redis,
      workerConn,
      prefix,
      log,
      now: this.now,
      onDue: (job) => this.onSlaDue(job.taskId, job),
    });
  }

  async start(): Promise<void> {
    await this.reloadWatches();
    const reload = () => {
      this.reloadWatches().catch((e: unknown) =>
        this.log.warn({ err: (e as Error).message }, 'watch reload failed'),
      );
    };
    await this.bridge.start({
      onWatches: reload,
      // Another process's task changes: re-emitted here so this process's SSE clients see them.
      onChanges: (changes) => {
        for (const c of changes) this.events.emit('task', c);
      },
      onBad: () => this.m.errors.inc({ stage: 'bridge' }),
    });
    this.reloadTimer = setInterval(reload, this.cfg.watches.reloadMs);
    this.reloadTimer.unref();
  }

  private async reloadWatches(): Promise<void> {
    const ws = await loadActiveWatches(this.o.store);
    const live = new Set(ws.map((w) => w.id));
    for (const id of [...this.matcher.watches.ids()]) if (!live.has(id)) this.matcher.watches.remove(id);
    for (const w of ws) this.matcher.watches.add(w);
  }

  // --- hits → alerts → tasks ------------------------------------------------------------
  onHits(hits: readonly Hit[]): Promise<void> {
    const startMs = this.now();
    const t0 = performance.now();
    const alerts: Alert[] = [];
    if (this.cfg.enabled) {
      for (const h of hits) this.matcher.match(h, alerts);
      let watched = 0;
      for (const a of alerts) if (a.source.kind === 'watch') watched++;
      if (watched) this.m.alerts.inc({ source: 'watch' }, watched);
      if (alerts.length > watched) this.m.alerts.inc({ source: 'rule' }, alerts.length - watched);
    }
    this.stageMs.match += performance.now() - t0;
    const run = this.chain.then(() => this.processBatch(alerts, startMs));
    this.chain = run.catch((e: unknown) => {
      this.m.errors.inc({ stage: 'batch' });
      this.log.error({ err: (e as Error).message }, 'alert batch failed');
    });
    // Never rejects: the ingest worker hands batches over fire-and-forget.
    return this.chain;
  }

  onRows(rows: readonly HitRow[]): Promise<void> {
    return this.onHits(rows.map((r) => rowToHit({ ...r, ts_ms: r.ts })));
  }

  private async processBatch(alerts: Alert[], startMs: number): Promise<void> {
    if (alerts.length === 0) return;
    const t0 = performance.now();
    const changes = await this.intake.apply(alerts);
    const t1 = performance.now();
    this.writer.write(changes);
    const opened = changes.filter((c) => c.event.type === 'opened').map((c) => c.task);
    await Promise.all([this.escalations.schedule(opened), this.notifier.notify(changes)]);
    this.fusion.onOpened(opened);
    this.stageMs.tasks += t1 - t0;
    this.stageMs.notify += performance.now() - t1;
    this.batches++;
    this.m.batchSeconds.observe((this.now() - startMs) / 1000);
  }

  // --- escalation and API actions ---------------------------------------------------------
  private async onSlaDue(taskId: string, due: { org: string; escalations: number }): Promise<void> {
    const change = await this.repo.transact(taskId, (t) =>
      slaEvent(t, due, (org) => this.orgs.kind(org), this.now()),
    );
    if (!change) return;
    this.writer.write([change]);
    await this.escalations.schedule([change.task]);
    await this.notifier.notify([change]);
  }

  async act(
    id: string,
    action: TaskAction,
    a: { by: string; note: string; disposition?: Disposition },
  ): Promise<Task> {
    const change = await this.repo.transact(
      id,
      (t): TaskEvent => actionEvent(t, action, a, (org) => this.orgs.kind(org), this.now()),
    );
    if (!change) throw new XlError('TASK_NOT_FOUND', `no task ${id}`);
    // An answered action is stored: the caller may list or audit it at once.
    this.writer.write([change]);
    await this.writer.flush();
    // The pending SLA job is moot (it would no-op anyway: it checks org and escalation count).
    if (change.event.type === 'escalated') {
      await this.escalations.unschedule({ id, escalations: change.task.escalations - 1 });
      await this.escalations.schedule([change.task]);
    } else await this.escalations.unschedule(change.task);
    if (change.event.type === 'resolved') await this.repo.releaseCooldown(change.task.cooldownKey, id);
    await this.notifier.notify([change]);
    return change.task;
  }

  // --- reads, watches, the live feed -------------------------------------------------------
  get(id: string): Promise<Task | undefined> {
    return this.repo.get(id);
  }

  // Reads flush this process's pending writes first (read-your-writes).
  async list(q: Parameters<TasksApi['list']>[0]): Promise<Task[]> {
    await this.writer.flush();
    return this.repo.list(q);
  }

  async history(id: string): Promise<TaskEvent[]> {
    await this.writer.flush();
    return this.repo.events(id);
  }

  async addWatch(w: Watch, by: string): Promise<void> {
    await saveWatch(this.o.store, w, { active: true, by, nowMs: this.now() });
    this.matcher.watches.add(w);
    await this.bridge.publishWatch(w.id);
  }

  async removeWatch(id: string, by: string): Promise<boolean> {
    const w = this.matcher.watches.get(id);
    if (!w) return false;
    await saveWatch(this.o.store, w, { active: false, by, nowMs: this.now() });
    this.matcher.watches.remove(id);
    await this.bridge.publishWatch(id);
    return true;
  }

  watches(): Watch[] {
    return [...this.matcher.watches.ids()].flatMap((id) => this.matcher.watches.get(id) ?? []);
  }

  async webhookDeadLetters(limit?: number): Promise<WebhookDeadLetter[]> {
    return [...(await this.webhooks.deadLetters(limit)), ...(await this.robots.deadLetters(limit))];
  }

  subscribe(l: { task?: (c: TaskChange) => void }): () => void {
    if (l.task) this.events.on('task', l.task);
    return () => {
      if (l.task) this.events.off('task', l.task);
    };
  }

  stats(): ReturnType<AlertEngine['stats']> {
    const w = this.writer;
    return {
      batches: this.batches,
      persistBacklog: w.pending,
      persistDropped: w.dropped,
      stageMs: { ...this.stageMs, persist: w.busyMs },
    };
  }

  async close(): Promise<void> {
    clearInterval(this.reloadTimer);
    await this.fusion.close();
    await this.chain;
    await this.writer.close();
    await this.escalations.close();
    await this.webhooks.close();
    await this.robots.close();
    if (this.pub.own && this.pub.publisher) await this.pub.publisher.close().catch(() => undefined);
    const [redis, workerConn, hookWorkerConn, sub, robotWorkerConn, fusionWorkerConn] = this.conns;
    await sub!.quit().catch(() => undefined);
    for (const r of [redis!, workerConn!, hookWorkerConn!, robotWorkerConn!, fusionWorkerConn!])
      await r.quit().catch(() => undefined);
    this.events.removeAllListeners();
  }
}

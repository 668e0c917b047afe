/**
 * Delivery of task changes to DingTalk and WeCom group robots (adapter; docs/alerts.md,
 * "DingTalk and WeCom"). Like webhooks (analytics/tasks/notify.ts): a BullMQ queue, exponential
 * backoff, calls that exhaust their attempts stay in the failed set as dead letters. A message
 * is built when the change happens (its image links are signed then); a DingTalk call is signed
 * when it is made (the timestamp must be fresh). A robot's URL holds its token and its secret
 * signs: neither is ever logged, put in a job or in an error message — jobs carry the channel id.
 */
import { type Job, UnrecoverableError } from 'bullmq';
import type { Redis } from 'ioredis';
import { Counter, type Registry } from 'prom-client';
import type { Channel } from '../../../contracts/config/channels.js';
import { XlError } from '../../../contracts/errors.js';
import { mediaLink, taskLinks } from '../../../contracts/links.js';
import type { Logger } from '../../../contracts/log.js';
import type { TaskNotice } from '../../../contracts/task-notice.js';
import { type DeadLetter, type DeliveryJob, DeliveryQueue } from '../delivery-queue.js';
import { noticeContent } from './content.js';
import { DINGTALK_PERMANENT, dingtalkMessage, dingtalkUrl } from './dingtalk.js';
import { WECOM_PERMANENT, wecomMessage } from './wecom.js';

/** Hash-tagged like every queue name (ingest/jobs.ts QUEUE_NAME). */
export const CHANNEL_QUEUE = '{alerts-channels}';

export type ChannelDeadLetter = DeadLetter;

export interface RobotChannelsOptions {
  queueConn: Redis;
  workerConn: Redis;
  prefix: string;
  channels: readonly Channel[];
  attempts: number;
  backoffMs: number;
  timeoutMs: number;
  /** city.timezone: the times in messages. */
  timeZone: string;
  /** api.publicUrl, api.linkSecret, api.linkTtlSec: links in messages. */
  publicUrl: string;
  linkSecret: string;
  linkTtlSec: number;
  log: Logger;
  /** Where `xueliang_channel_messages_total{channel,result}` goes. */
  registry: Registry;
  now?: () => number;
}

const METRIC = 'xueliang_channel_messages_total';

/** Removes every secret of the channels from a text (errors from fetch may quote a URL). */
function redact(text: string, channels: Iterable<Channel>): string {
  let out = text;
  for (const c of channels) {
    for (const s of [c.url, c.url.split('?')[1] ?? '', c.secret])
      if (s.length >= 8) out = out.split(s).join('***');
  }
  return out;
}

export class RobotChannels {
  private readonly q: DeliveryQueue;
  private readonly byId: ReadonlyMap<string, Channel>;
  private readonly now: () => number;
  private readonly results: Counter<'channel' | 'result'>;

  constructor(private readonly o: RobotChannelsOptions) {
    this.now = o.now ?? Date.now;
    this.results =
      (o.registry.getSingleMetric(METRIC) as Counter<'channel' | 'result'> | undefined) ??
      new Counter({
        name: METRIC,
        help: 'DingTalk and WeCom robot messages by channel id and result (ok, retry, dead)',
        labelNames: ['channel', 'result'],
        registers: [o.registry],
      });
    this.byId = new Map(o.channels.filter((c) => c.enabled).map((c) => [c.id, c]));
    this.q = new DeliveryQueue({
      name: CHANNEL_QUEUE,
      queueConn: o.queueConn,
      workerConn: o.workerConn,
      prefix: o.prefix,
      concurrency: 4,
      attempts: o.attempts,
      backoffMs: o.backoffMs,
      deliver: (job) => this.deliver(job),
      onFailed: (job, err, exhausted) => {
        this.results.inc({ channel: job.data.target, result: exhausted ? 'dead' : 'retry' });
        (exhausted ? o.log.error : o.log.warn).call(
          o.log,
          {
            channel: job.data.target,
            attempt: job.attemptsMade,
            err: redact(err.message, this.byId.values()),
          },
          exhausted ? 'robot message dead letter' : 'robot message failed; will retry',
        );
      },
      onCompleted: (job) => this.results.inc({ channel: job.data.target, result: 'ok' }),
      onWorkerError: (e) => o.log.warn({ err: redact(e.message, this.byId.values()) }, 'robot worker error'),
    });
  }

  /** Channels covering a change: the org subtree holds one of the paths, and the event is one they want. */
  covering(paths: ReadonlyArray<readonly string[]>, event: TaskNotice['event']): Channel[] {
    return [...this.byId.values()].filter(
      // Channels choose among the configured event types; `nearby_added` (sensor context) is not one.
      (c) => (c.events as readonly string[]).includes(event) && paths.some((p) => p.includes(c.org)),
    );
  }

  /** The robot message of a change for one channel. */
  message(c: Channel, n: TaskNotice): object {
    const o = this.o;
    const linkOpts = {
      publicUrl: o.publicUrl,
      linkSecret: o.linkSecret,
      linkTtlSec: o.linkTtlSec,
      nowMs: this.now(),
    };
    const frameId = [...n.task.hits].reverse().find((h) => h.frame)?.frame ?? '';
    const snapshotLink = mediaLink(linkOpts, n.task.snapshot);
    const frameLink = frameId ? mediaLink(linkOpts, frameId) : '';
    const content = noticeContent(n, {
      timeZone: o.timeZone,
      links: taskLinks(o.publicUrl, n.task.id),
      image: frameLink || snapshotLink,
      crop: frameLink ? snapshotLink : '',
    });
    if (c.kind === 'dingtalk')
      return dingtalkMessage(c.format === 'actionCard' ? 'actionCard' : 'markdown', content, c.atMobiles);
    return wecomMessage(c.format === 'news' ? 'news' : 'markdown', content);
  }

  async enqueue(n: TaskNotice, paths: ReadonlyArray<readonly string[]>): Promise<void> {
    await this.q.add(
      'send',
      this.covering(paths, n.event).map((c) => ({ target: c.id, body: JSON.stringify(this.message(c, n)) })),
    );
  }

  private async deliver(job: Job<DeliveryJob>): Promise<void> {
    const c = this.byId.get(job.data.target);
    if (!c) return; // removed from the config since: nothing to deliver to
    const url = c.kind === 'dingtalk' ? dingtalkUrl(c.url, c.secret, this.now()) : c.url;
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: job.data.body,
      signal: AbortSignal.timeout(this.o.timeoutMs),
    }).catch((e: unknown) => {
      throw new XlError(
        'ALERT_CHANNEL_FAILED',
        `channel ${c.id}: ${redact(String((e as Error).message), [c])}`,
      );
    });
    const text = await res.text().catch(() => '');
    if (res.status < 200 || res.status >= 300)
      throw new XlError('ALERT_CHANNEL_FAILED', `channel ${c.id} answered HTTP ${res.status}`);
    let answer: { errcode?: unknown; errmsg?: unknown };
    try {
      answer = JSON.parse(text) as typeof answer;
    } catch {
      throw new XlError('ALERT_CHANNEL_FAILED', `channel ${c.id} answered something that is not JSON`);
    }
    const code = Number(answer.errcode ?? -1);
    if (code === 0) return;
    const why = `channel ${c.id} answered errcode ${code}: ${redact(String(answer.errmsg ?? '').slice(0, 200), [c])}`;
    const permanent = (c.kind === 'dingtalk' ? DINGTALK_PERMANENT : WECOM_PERMANENT).has(code);
    // A bad signature or token will not get better: dead letter now rather than after every backoff.
    if (permanent) throw new UnrecoverableError(`ALERT_CHANNEL_REFUSED: ${why}`);
    throw new XlError('ALERT_CHANNEL_FAILED', why);
  }

  deadLetters(limit = 100): Promise<ChannelDeadLetter[]> {
    return this.q.deadLetters(limit);
  }

  close(): Promise<void> {
    return this.q.close();
  }
}

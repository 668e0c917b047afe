/**
 * Tells the world about task changes (docs/alerts.md#notifications): MQTT per grid (the task's
 * audience orgs), webhooks and group robots per org (the task's org path only), the
 * in-process listeners (the API's SSE), and the Redis bridge (other processes' listeners). A
 * failed send is counted and logged, never thrown: the change is stored already.
 */
import type { Logger } from '../../contracts/log.js';
import type { OrgTree } from '../../contracts/org-tree.js';
import { topics } from '../../contracts/topics.js';
import { audienceOrgs } from './model.js';
import type { RobotChannels } from './channels/robots.js';
import { taskNotice } from './notice.js';
import type { TaskPublisher, Webhooks } from './notify.js';
import type { TaskChange } from './repo.js';

export interface NotifierOptions {
  /** MQTT (absent: webhooks, SSE and the bridge only). */
  publisher: TaskPublisher | undefined;
  webhooks: Pick<Webhooks, 'enqueue' | 'hooksFor'>;
  /** Group robots per org (DingTalk, WeCom). */
  robots: Pick<RobotChannels, 'enqueue'>;
  orgs: OrgTree;
  /** Hands a change to the in-process listeners. */
  emit: (c: TaskChange) => void;
  /** Hands the batch to the other processes (the Redis bridge). */
  bridge: (changes: readonly TaskChange[]) => Promise<unknown>;
  log: Logger;
  /** Counts each change by event type, and each failed send. */
  onChange: (type: TaskChange['event']['type']) => void;
  onFailed: () => void;
}

export class TaskNotifier {
  constructor(private readonly o: NotifierOptions) {}

  async notify(changes: readonly TaskChange[]): Promise<void> {
    if (changes.length === 0) return;
    const { o } = this;
    const sends: Promise<unknown>[] = [o.bridge(changes)];
    for (const c of changes) {
      o.onChange(c.event.type);
      o.emit(c);
      const notice = taskNotice(c);
      const body = JSON.stringify(notice);
      if (o.publisher)
        for (const org of audienceOrgs(c.task)) sends.push(o.publisher.publish(topics.gridTasks(org), body));
      // Only those who may see the hit hear of it (docs/security.md): the task's own org path,
      // not the case's org when the sighting lies outside it.
      const paths: Array<readonly string[]> = [c.task.orgPath];
      sends.push(o.webhooks.enqueue(o.webhooks.hooksFor(paths), body));
      sends.push(o.robots.enqueue(notice, paths));
    }
    for (const r of await Promise.allSettled(sends)) {
      if (r.status === 'rejected') {
        o.onFailed();
        o.log.warn({ err: (r.reason as Error).message }, 'task notification failed');
      }
    }
  }
}

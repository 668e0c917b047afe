/**
 * A task change in its wire form (contracts/task-notice.ts): the body of the MQTT grid-task
 * message, the webhook POST and the channel messages. Pure.
 */
import type { TaskNotice } from '../../contracts/task-notice.js';
import type { TaskChange } from './repo.js';

export function taskNotice(c: TaskChange): TaskNotice {
  return { v: 1, event: c.event.type, by: c.event.by, tsMs: c.event.tsMs, task: c.task };
}

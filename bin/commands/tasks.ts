/**
 * `xueliang tasks watch --grid G`: a grid member's terminal client (docs/alerts.md). Subscribes to
 * `xueliang/v1/grid/{G}/tasks` with QoS 1 on a persistent session (the broker keeps what
 * arrives while the member is away), and with `--since` first fetches what changed since then
 * from the API. Prints one line per task change (or the JSON with `--json`).
 */
import mqtt from 'mqtt';
import type { Task } from '../../analytics/tasks/model.js';
import { XlError } from '../../contracts/errors.js';
import { topics } from '../../contracts/topics.js';
import { defineCommand, str, UsageError } from '../cli.js';
import { readSecret } from '../secret-input.js';

export interface TaskMessage {
  event: string;
  by?: string;
  tsMs?: number;
  task: Task;
}

const pad2 = (n: number) => String(n).padStart(2, '0');

/** One line for a task change: time, event, status, where, what, how many hits, time left. */
export function formatTaskLine(m: TaskMessage, nowMs: number): string {
  const t = m.task;
  const at = new Date(m.tsMs ?? t.updatedMs);
  const time = `${pad2(at.getHours())}:${pad2(at.getMinutes())}:${pad2(at.getSeconds())}`;
  const where = `${t.camera}${t.zone ? `/${t.zone}` : ''}`;
  const due =
    t.deadlineMs === null
      ? ''
      : t.deadlineMs > nowMs
        ? `  due in ${Math.ceil((t.deadlineMs - nowMs) / 1000)}s`
        : '  overdue';
  const src = t.source.kind === 'watch' ? `case ${t.source.caseId}` : `rule ${t.source.ruleId}`;
  return `${time}  ${m.event.padEnd(10)} ${t.status.padEnd(12)} ${t.priority.padEnd(6)} ${t.id}  @${t.org}  ${t.title} (${src})  ${where}  hits=${t.hitCount}${t.snapshot ? `  snapshot=${t.snapshot}` : ''}${due}`;
}

/** `--since`: epoch ms, ISO-8601, or a duration back from now (`90s`, `15m`, `2h`, `1d`). */
export function parseSince(s: string, nowMs: number): number {
  const d = /^(\d+)(s|m|h|d)$/.exec(s);
  if (d)
    return (
      nowMs -
      Number(d[1]) * { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[d[2] as 's' | 'm' | 'h' | 'd']
    );
  if (/^\d{1,15}$/.test(s)) return Number(s);
  const t = Date.parse(s);
  if (Number.isNaN(t))
    throw new UsageError(`--since must be epoch ms, ISO-8601 or a duration like 15m, got '${s}'`);
  return t;
}

const watch = defineCommand({
  name: 'tasks watch',
  summary: "A grid member's terminal client: print the grid's tasks as they arrive",
  details:
    'Examples:\n  XUELIANG_MQTT_PASSWORD="$KEY" xueliang tasks watch --grid grid-xh-01 --mqtt-url mqtt://127.0.0.1:1884 --username member-7\n  xueliang tasks watch --grid grid-xh-01 --username member-7 --password-file ~/.xueliang-key --since 2h --api-url http://127.0.0.1:8080 --api-key-file ~/.xueliang-key\n\nOn the embedded endpoint of `xueliang up` the username is an API key id from city.yaml and the\npassword its key; it may read the tasks of the grids in the key\'s jurisdiction.\nSecrets: prefer --password-file/--api-key-file (a 0600 file) or XUELIANG_MQTT_PASSWORD/XUELIANG_API_KEY;\n--password and --api-key work but show in `ps` and shell history.\nThe client id must be the username or start with `<username>-` (the embedded endpoint refuses others).\nThe session is persistent (QoS 1, clean=false, a stable client id): messages published while\nthe client was away arrive when it reconnects, as far as the broker keeps them.',
  options: {
    grid: { type: 'string', arg: 'ID', description: 'Grid (org id) whose tasks to watch (required)' },
    'mqtt-url': { type: 'string', arg: 'URL', description: 'MQTT broker', default: 'mqtt://127.0.0.1:1884' },
    username: {
      type: 'string',
      arg: 'NAME',
      description: 'MQTT username (embedded endpoint: an API key id)',
    },
    password: {
      type: 'string',
      arg: 'SECRET',
      description:
        'MQTT password (embedded endpoint: that API key); visible in ps, prefer --password-file or XUELIANG_MQTT_PASSWORD',
    },
    'password-file': {
      type: 'string',
      arg: 'FILE',
      description: 'Read the MQTT password from the first line of FILE',
    },
    'client-id': {
      type: 'string',
      arg: 'ID',
      description: 'MQTT client id (default: <username>-tasks-<grid>), keeps the session',
    },
    since: {
      type: 'string',
      arg: 'WHEN',
      description:
        'First print tasks changed since then (epoch ms, ISO-8601, or 15m/2h/1d); needs --api-url and --api-key',
    },
    'api-url': { type: 'string', arg: 'URL', description: 'API base URL for --since' },
    'api-key': {
      type: 'string',
      arg: 'KEY',
      description: 'API key for --since; visible in ps, prefer --api-key-file or XUELIANG_API_KEY',
    },
    'api-key-file': {
      type: 'string',
      arg: 'FILE',
      description: 'Read the API key for --since from the first line of FILE',
    },
    json: { type: 'boolean', description: 'Print each message as one JSON line' },
  },
  async run({ values }) {
    const grid = str(values, 'grid');
    if (!grid || !/^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/.test(grid))
      throw new UsageError('--grid ID is required (an org id)');
    const print = (m: TaskMessage) =>
      process.stdout.write(`${values.json ? JSON.stringify(m) : formatTaskLine(m, Date.now())}\n`);
    const since = str(values, 'since');
    if (since) {
      const api = str(values, 'api-url');
      const key = readSecret({
        flag: str(values, 'api-key'),
        file: str(values, 'api-key-file'),
        fileFlag: 'api-key-file',
        env: process.env.XUELIANG_API_KEY,
      });
      if (!api || !key)
        throw new UsageError(
          '--since needs --api-url and an API key (--api-key-file, XUELIANG_API_KEY or --api-key)',
        );
      const from = parseSince(since, Date.now());
      const res = await fetch(
        `${api.replace(/\/$/, '')}/api/v1/tasks?grid=${encodeURIComponent(grid)}&since=${from}&limit=1000`,
        {
          headers: { authorization: `Bearer ${key}` },
        },
      );
      const body = (await res.json()) as { tasks?: Task[]; code?: string; message?: string };
      if (!res.ok || !body.tasks)
        throw new XlError(body.code ?? 'API_UNAVAILABLE', body.message ?? `API answered ${res.status}`);
      for (const t of body.tasks.reverse()) print({ event: 'missed', tsMs: t.updatedMs, task: t });
    }
    const username = str(values, 'username');
    const password = readSecret({
      flag: str(values, 'password'),
      file: str(values, 'password-file'),
      fileFlag: 'password-file',
      env: process.env.XUELIANG_MQTT_PASSWORD,
    });
    const client = await mqtt.connectAsync(str(values, 'mqtt-url')!, {
      // Bound to the login (ingest/client-ids.ts): `<username>-…`.
      clientId: str(values, 'client-id') ?? `${username ?? 'anon'}-tasks-${grid}`.slice(0, 128),
      clean: false,
      reconnectPeriod: 2000,
      ...(username ? { username } : {}),
      ...(password ? { password } : {}),
    });
    client.on('message', (_t, payload) => {
      try {
        print(JSON.parse(payload.toString('utf8')) as TaskMessage);
      } catch {
        process.stderr.write(`unreadable message (${payload.length} bytes)\n`);
      }
    });
    client.on('error', (e) => process.stderr.write(`mqtt: ${e.message}\n`));
    // mqtt.js rejects a refused subscription (SUBACK 128) rather than resolving with it.
    const granted = await client.subscribeAsync(topics.gridTasks(grid), { qos: 1 }).catch(() => undefined);
    if (!granted || granted.some((g) => g.qos === 128)) {
      client.end(true);
      throw new XlError(
        'ALERT_SUBSCRIBE_REFUSED',
        `the broker refused a subscription to ${topics.gridTasks(grid)} (credentials or ACL)`,
      );
    }
    process.stderr.write(`watching ${topics.gridTasks(grid)} (Ctrl-C stops)\n`);
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    await client.endAsync();
    return 0;
  },
});

export default { name: 'tasks', summary: 'Grid tasks: watch them arrive', subcommands: [watch] };

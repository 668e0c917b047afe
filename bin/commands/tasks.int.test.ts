import { spawn } from 'node:child_process';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type TestBroker, until } from '../../analytics/tasks/testkit.js';
import { projectRoot } from '../../contracts/testdata.js';
import { topics } from '../../contracts/topics.js';
import { formatTaskLine, parseSince } from './tasks.js';

const task = (id: string, grid: string) => ({
  id,
  status: 'open',
  priority: 'normal',
  org: grid,
  grid,
  title: 'Illegal parking',
  source: { kind: 'rule', ruleId: 'parking' },
  camera: 'cam-a',
  zone: 'bus-stop',
  hitCount: 2,
  snapshot: 'snap-1',
  deadlineMs: 1_000_000 + 90_000,
  updatedMs: 1_000_000,
});

describe('tasks watch formatting', () => {
  it('prints one line with status, org, source, place, hits and time left', () => {
    const line = formatTaskLine(
      { event: 'opened', tsMs: 1_000_000, task: task('T1', 'grid-a') as never },
      1_000_000,
    );
    expect(line).toMatch(
      /opened\s+open\s+normal\s+T1 {2}@grid-a {2}Illegal parking \(rule parking\) {2}cam-a\/bus-stop {2}hits=2 {2}snapshot=snap-1 {2}due in 90s$/,
    );
  });

  it.each([
    ['15m', 10_000_000 - 900_000],
    ['2h', 10_000_000 - 7_200_000],
    ['1234', 1234],
    ['1970-01-01T00:00:01Z', 1000], // calendar-safe: parsing an ISO time, no store
  ])('--since %s', (s, want) => expect(parseSince(s, 10_000_000)).toBe(want));

  it('refuses a bad --since', () => expect(() => parseSince('yesterday', 0)).toThrow(/--since/));
});

describe('xueliang tasks watch (real broker, real process)', () => {
  let broker: TestBroker;
  beforeAll(async () => {
    broker = await startBroker();
  });
  afterAll(async () => broker?.close());

  it("prints its grid's tasks as they arrive, and not another grid's", async () => {
    const child = spawn(
      process.execPath,
      [
        join(projectRoot, 'node_modules', 'tsx', 'dist', 'cli.mjs'),
        join(projectRoot, 'bin', 'xueliang.js'),
        'tasks',
        'watch',
        '--grid',
        'grid-a',
        '--mqtt-url',
        broker.url,
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
    });
    child.stderr.on('data', (b: Buffer) => {
      err += b.toString();
    });
    try {
      await until(() => err.includes('watching'), 20_000, 50);
      const pub = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
      await pub.publishAsync(
        topics.gridTasks('grid-b'),
        JSON.stringify({ event: 'opened', task: task('OTHER', 'grid-b') }),
        { qos: 1 },
      );
      await pub.publishAsync(
        topics.gridTasks('grid-a'),
        JSON.stringify({ event: 'opened', task: task('MINE', 'grid-a') }),
        { qos: 1 },
      );
      await until(() => out.includes('MINE'), 5000);
      await pub.endAsync();
      expect(out).not.toContain('OTHER');
      expect(out.trim().split('\n')).toHaveLength(1);
    } finally {
      child.kill('SIGTERM');
    }
  }, 40_000);
});

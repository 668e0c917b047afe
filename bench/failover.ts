/**
 * bench:failover (docs/ingest.md, docs/architecture.md#redis-high-availability): ingest under
 * load on Redis behind Sentinel — a master, replicas with AOF, three sentinels, real processes —
 * kills the master mid-load, and reports what the store holds afterwards: lost and duplicated
 * hits, the time Sentinel took to promote a replica, and the time until every gateway's acks
 * were current again. One run per `--wait-replicas` value (a comma list: `0,1` compares acks
 * after the master alone with acks after WAIT 1).
 *
 *   npm run bench:failover -- [--rate 1000 --seconds 30 --kill-at-ms 10000 --gateways 5 --json]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { failoverRun } from '../bin/failover-testkit.js';
import { hasSentinel } from '../bin/sentinel-testkit.js';
import { benchArgs } from './args.js';

const values = benchArgs(
  'failover',
  'Kill the Redis master under ingest load; lost, duplicated, failover and recovery time',
  {
    rate: { type: 'string', default: '1000', description: 'Hits per second offered' },
    seconds: { type: 'string', default: '30', description: 'Seconds of load' },
    'kill-at-ms': {
      type: 'string',
      default: '10000',
      description: 'When the master is killed, ms into the load',
    },
    gateways: { type: 'string', default: '5', description: 'Simulated gateways (real spool publishers)' },
    replicas: { type: 'string', default: '2', description: 'Replicas of the master' },
    'wait-replicas': {
      type: 'string',
      default: '1',
      description: 'redis.waitReplicas for each run, comma-separated (e.g. 0,1)',
    },
    'claim-grace-ms': {
      type: 'string',
      default: '30000',
      description:
        'ingest.claimGraceMs (how long a claim whose job was lost in the failover holds its message)',
    },
    json: { type: 'boolean', default: false, description: 'Print one JSON object as the last line' },
  },
);
const say = (s: string) => process.stderr.write(`${s}\n`);
const num = (k: keyof typeof values) => {
  const v = Number(values[k]);
  if (!Number.isInteger(v) || v < 0) {
    say(`CLI_USAGE: --${String(k)} must be a whole number`);
    process.exit(2);
  }
  return v;
};

async function main(): Promise<void> {
  if (!hasSentinel()) {
    say('redis-server and redis-sentinel are needed (Debian: apt-get install redis-server redis-sentinel)');
    process.exit(2);
  }
  const runs = [];
  for (const w of String(values['wait-replicas']).split(',').map(Number)) {
    const dir = mkdtempSync(join(tmpdir(), 'xl-bench-failover-'));
    try {
      say(`run with redis.waitReplicas ${w}`);
      runs.push(
        await failoverRun({
          dir,
          gateways: num('gateways'),
          ratePerSec: num('rate'),
          seconds: num('seconds'),
          killAtMs: num('kill-at-ms'),
          replicas: num('replicas'),
          waitReplicas: w,
          claimGraceMs: num('claim-grace-ms'),
          say,
        }),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const out = { rateHitsPerSec: num('rate'), seconds: num('seconds'), runs };
  if (!values.json) say(JSON.stringify(out, null, 2));
  process.stdout.write(`${JSON.stringify(out)}\n`);
  process.exit(runs.every((r) => r.lost === 0 && r.duplicated === 0) ? 0 : 1);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});

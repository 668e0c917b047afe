import { join } from 'node:path';
import { loadCityConfig } from '../../contracts/config/index.js';
import { projectRoot } from '../../contracts/paths.js';
import { type Colour, COLOURS } from '../../contracts/hit.js';
import { migrate } from '../../analytics/migrate.js';
import { plantNeedles, seedHits, tzOffsetMinutes } from '../../analytics/seed.js';
import { openStore } from '../../analytics/store.js';
import { defineCommand, int, str, strings, UsageError } from '../cli.js';

/** A progress bar on stderr (redrawn in place on a terminal, a line per 10 % otherwise). */
function progressBar(label: string): (done: number, total: number) => void {
  const t0 = Date.now();
  let lastTenth = -1;
  return (done, total) => {
    const frac = total ? done / total : 1;
    const secs = (Date.now() - t0) / 1000;
    const rate = secs > 0 ? done / secs : 0;
    const width = 30;
    const bar = '#'.repeat(Math.round(frac * width)).padEnd(width, '.');
    const line = `${label} [${bar}] ${(frac * 100).toFixed(0).padStart(3)}% ${done.toLocaleString('en')}/${total.toLocaleString('en')} ${(rate / 1e6).toFixed(2)}M/s`;
    if (process.stderr.isTTY) process.stderr.write(`\r${line}${done >= total ? '\n' : ''}`);
    else if (Math.floor(frac * 10) !== lastTenth) {
      lastTenth = Math.floor(frac * 10);
      process.stderr.write(`${line}\n`);
    }
  };
}

/** `--until`: epoch ms or an ISO-8601 time, not in the future. */
function untilMs(v: string | undefined, nowMs: number): number {
  if (v === undefined) return nowMs;
  const ms = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
  if (!Number.isFinite(ms) || ms > nowMs)
    throw new UsageError(`--until takes epoch ms or an ISO-8601 time, not in the future; got '${v}'`);
  return ms;
}

export default defineCommand({
  name: 'seed',
  summary: 'Fill the store with realistic synthetic hits (for demos and benchmarks)',
  options: {
    hits: { type: 'string', arg: 'N', description: 'How many hits to generate' },
    days: {
      type: 'string',
      arg: 'D',
      description: 'Spread them over the last D days (local time)',
      default: '30',
    },
    config: {
      type: 'string',
      arg: 'FILE',
      description: 'city.yaml with the cameras and orgs (default: deploy/city.yaml)',
    },
    clickhouse: {
      type: 'string',
      arg: 'URL',
      description: "Store URL (chdb://PATH or http://…; default: the config's)",
    },
    until: {
      type: 'string',
      arg: 'TIME',
      description:
        'Fill the D whole UTC days before the day holding TIME (epoch ms or ISO-8601; default: now)',
    },
    seed: {
      type: 'string',
      arg: 'S',
      description: 'Random seed (the same seed gives the same data)',
      default: '1',
    },
    'plant-plate': {
      type: 'string',
      arg: 'PLATE',
      description: 'Plant a known plate seen at every camera in turn, 5 minutes apart, ending now',
    },
    'plant-person': {
      type: 'string',
      arg: 'UPPER/LOWER',
      description: 'Plant a person (e.g. red/blue) seen at every camera, 5 minutes apart, ending now',
    },
    camera: {
      type: 'string',
      arg: 'ID',
      multiple: true,
      description: 'Cameras for the planted needles (default: all)',
    },
  },
  details: [
    'Hits are generated inside ClickHouse (INSERT … SELECT FROM numbers()), one local day per batch:',
    'a daily traffic curve, Chinese plates with power-law repeats, vehicle colours and types, clothing',
    'colours with appearance descriptors, and rule events. Migrations are applied first.',
    '',
    'Examples:',
    '  xueliang seed --hits 1000000 --days 7',
    '  xueliang seed --hits 100000000 --clickhouse chdb://./data/clickhouse',
    '  xueliang seed --hits 0 --plant-plate 浙A12345 --plant-person red/blue',
  ].join('\n'),
  async run({ values }) {
    const hits = int(values, 'hits', 0, 10_000_000_000);
    if (hits === undefined) throw new UsageError('--hits N is required');
    const days = int(values, 'days', 1, 3650) ?? 30;
    const config = loadCityConfig(str(values, 'config') ?? join(projectRoot, 'deploy', 'city.yaml'));
    const store = await openStore({
      url: str(values, 'clickhouse') ?? config.store.clickhouse,
      database: config.store.database,
    });
    try {
      const now = Date.now();
      const until = untilMs(str(values, 'until'), now);
      await migrate(store, {
        hitsDays: config.retention.hitsDays,
        snapshotsDays: config.retention.snapshotsDays,
        quarantineDays: config.retention.quarantineDays,
      });
      const r = await seedHits(store, config, {
        hits,
        days,
        endMs: until,
        tzOffsetMin: tzOffsetMinutes(config.city.timezone, until),
        seed: int(values, 'seed', 0, 2 ** 31) ?? 1,
        onProgress: progressBar('seed'),
      });
      const cameras = strings(values, 'camera').length
        ? strings(values, 'camera')
        : config.cameras.map((c) => c.id);
      const plate = str(values, 'plant-plate');
      const person = str(values, 'plant-person');
      let planted = 0;
      if (plate || person) {
        const [upper, lower] = (person ?? '').split('/') as [Colour, Colour];
        if (person && !(COLOURS.includes(upper) && COLOURS.includes(lower)))
          throw new UsageError(`--plant-person takes UPPER/LOWER palette colours, got '${person}'`);
        const startMs = now - cameras.length * 300_000;
        const planted_ = await plantNeedles(store, config, {
          ...(plate ? { plates: [{ plate, cameras, startMs, stepMs: 300_000 }] } : {}),
          ...(person ? { persons: [{ upper, lower, cameras, startMs, stepMs: 300_000 }] } : {}),
        });
        planted = planted_.length;
      }
      const secs = r.ms / 1000;
      process.stdout.write(
        `seeded ${r.hits.toLocaleString('en')} hits over ${days} days (${new Date(r.fromMs).toISOString()} … ${new Date(r.toMs).toISOString()}) in ${secs.toFixed(1)} s (${(r.hits / Math.max(secs, 0.001) / 1e6).toFixed(2)}M hits/s)${planted ? `; planted ${planted} needle hits` : ''}\n`,
      );
      return 0;
    } finally {
      await store.close();
    }
  },
});

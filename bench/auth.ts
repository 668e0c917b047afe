/**
 * bench:auth — does a flood of bad credentials slow the service for everyone else
 * (docs/security.md, findings 3 and 5)? Starts `xueliang up` in closed mode (the security
 * suite's stack, bin/security/harness.ts), then measures, in the same run:
 *
 * - baseline: `/healthz` latency (one request at a time) and a gateway's PUBACK latency (one
 *   QoS 1 hits message at a time) for `--duration-ms`;
 * - under attack: the same while `--clients` clients (a separate process, bench/auth-attacker.ts)
 *   send unknown API keys and wrong MQTT passwords as fast as they are answered, bounded by
 *   `--duration-ms` and `--max-attempts`, only to 127.0.0.1.
 *
 * Target: both p99s under attack within 3× their baselines. Prints one JSON object as the last
 * line: `{ healthzP99Ms, pubackP99Ms, baselineHealthzP99Ms, baselinePubackP99Ms, … }`.
 *
 *   npm run bench:auth -- [--duration-ms 8000] [--clients 50] [--max-attempts 200000] [--json]
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { GATEWAYS, startSecurityStack } from '../bin/security/harness.js';
import { projectRoot } from '../contracts/testdata.js';

const HELP = `npm run bench:auth -- [options]

  --duration-ms MS     length of the baseline and of the attack phase (default 8000)
  --clients N          attacking clients, half HTTP (unknown keys), half MQTT (wrong passwords) (default 50)
  --max-attempts N     attack attempts at most, all clients together (default 200000)
  --json               print only the JSON result (still the last line)
  --help               this text

Prints { healthzP99Ms, pubackP99Ms, baselineHealthzP99Ms, baselinePubackP99Ms, ... } as the last line.`;

const { values } = parseArgs({
  options: {
    'duration-ms': { type: 'string', default: '8000' },
    clients: { type: 'string', default: '50' },
    'max-attempts': { type: 'string', default: '200000' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  process.stdout.write(`${HELP}\n`);
  process.exit(0);
}
const DURATION_MS = Number(values['duration-ms']);
const CLIENTS = Number(values.clients);
const MAX_ATTEMPTS = Number(values['max-attempts']);
for (const [k, v] of [
  ['duration-ms', DURATION_MS],
  ['clients', CLIENTS],
  ['max-attempts', MAX_ATTEMPTS],
] as const) {
  if (!Number.isInteger(v) || v < 1 || v > 10_000_000) {
    process.stderr.write(`CLI_USAGE: --${k} must be a positive whole number\n`);
    process.exit(2);
  }
}
const log = (s: string) => process.stderr.write(`${s}\n`);

function pct(xs: number[], p: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]! * 10) / 10;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const stack = await startSecurityStack();
try {
  const gw = await stack.gateway(GATEWAYS.xihu);
  /** One phase: healthz and PUBACK probes, one at a time each, every ~20 ms, for DURATION_MS. */
  const phase = async () => {
    const healthz: number[] = [];
    const puback: number[] = [];
    const end = Date.now() + DURATION_MS;
    const probeHealthz = async () => {
      while (Date.now() < end) {
        const t0 = performance.now();
        await (await fetch(`${stack.up.apiUrl}/healthz`)).arrayBuffer();
        healthz.push(performance.now() - t0);
        await sleep(20);
      }
    };
    const probePuback = async () => {
      while (Date.now() < end) {
        const t0 = performance.now();
        await stack.publishHits(gw, GATEWAYS.xihu, [stack.hit('xihu')]);
        puback.push(performance.now() - t0);
        await sleep(20);
      }
    };
    await Promise.all([probeHealthz(), probePuback()]);
    return { healthz, puback };
  };
  log(`baseline: ${DURATION_MS} ms`);
  await phase(); // warm-up (JIT, first inserts), not counted
  const base = await phase();
  log(`attack: ${CLIENTS} clients for ${DURATION_MS} ms`);
  const attacker = spawn(
    process.execPath,
    [
      join(projectRoot, 'node_modules', 'tsx', 'dist', 'cli.mjs'),
      join(projectRoot, 'bench', 'auth-attacker.ts'),
      stack.up.apiUrl,
      stack.up.mqttUrl,
      String(CLIENTS),
      String(DURATION_MS + 4000),
      String(MAX_ATTEMPTS),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  // The attack phase starts 2 s after the attacker says it is attacking: on a loaded box its
  // own start (tsx compiling it) takes seconds of CPU, and that is not the attack.
  const attacking = new Promise<void>((resolve) => {
    let err = '';
    attacker.stderr.on('data', (b: Buffer) => {
      err += b.toString();
      if (err.includes('auth-attacker: attacking')) resolve();
      process.stderr.write(b);
    });
    setTimeout(resolve, 60_000).unref();
  });
  let attackOut = '';
  attacker.stdout.on('data', (b: Buffer) => {
    attackOut += b.toString();
  });
  const attackerDone = new Promise<void>((r) => attacker.once('exit', () => r()));
  await attacking;
  await sleep(2000); // the attacker reaches full speed (and spends the per-address burst)
  const hot = await phase();
  await attackerDone;
  const attack = JSON.parse(attackOut.trim().split('\n').pop() || '{}') as {
    http?: number;
    mqtt?: number;
    httpByStatus?: Record<string, number>;
  };
  const out = {
    healthzP99Ms: pct(hot.healthz, 99),
    pubackP99Ms: pct(hot.puback, 99),
    baselineHealthzP99Ms: pct(base.healthz, 99),
    baselinePubackP99Ms: pct(base.puback, 99),
    healthzP50Ms: pct(hot.healthz, 50),
    pubackP50Ms: pct(hot.puback, 50),
    baselineHealthzP50Ms: pct(base.healthz, 50),
    baselinePubackP50Ms: pct(base.puback, 50),
    healthzRatio: Math.round((pct(hot.healthz, 99) / pct(base.healthz, 99)) * 100) / 100,
    pubackRatio: Math.round((pct(hot.puback, 99) / pct(base.puback, 99)) * 100) / 100,
    samples: {
      baselineHealthz: base.healthz.length,
      baselinePuback: base.puback.length,
      healthz: hot.healthz.length,
      puback: hot.puback.length,
    },
    attack: {
      clients: CLIENTS,
      durationMs: DURATION_MS,
      httpAttempts: attack.http ?? 0,
      mqttAttempts: attack.mqtt ?? 0,
      httpByStatus: attack.httpByStatus ?? {},
    },
  };
  if (values.json) process.stdout.write(`${JSON.stringify(out)}\n`);
  else process.stdout.write(`${JSON.stringify(out, null, 2)}\n${JSON.stringify(out)}\n`);
} finally {
  await stack.close();
}
process.exit(0);

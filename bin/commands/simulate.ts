/**
 * `xueliang simulate sensors --count N`: simulated field devices (edge-agent/sensors/
 * simulate.ts) behind their gateways, publishing realistic readings and alarms through the
 * real MQTT path (spool, QoS 1, acks) to an ingest endpoint (docs/iot.md).
 */
import { join } from 'node:path';
import { loadCityConfig } from '../../contracts/config/index.js';
import { rootLogger, setLogLevel } from '../../contracts/log.js';
import { projectRoot } from '../../contracts/paths.js';
import { SensorGatewaySim } from '../../edge-agent/sensors/gateway-sim.js';
import {
  alarmsOf,
  profileOf,
  type SimSensor,
  simSensorsFromCity,
} from '../../edge-agent/sensors/simulate.js';
import { defineCommand, int, str, UsageError } from '../cli.js';

/** `count` sensors: the city's first, then synthetic ones (`sim-<gateway>-<n>`, kinds in turn). */
export function pickSensors(
  configured: readonly SimSensor[],
  gateways: readonly string[],
  count: number,
): SimSensor[] {
  const out = configured.slice(0, count);
  const kinds: Array<Pick<SimSensor, 'kind' | 'metrics'>> = [
    { kind: 'water_level', metrics: [profileOf({ metric: 'level', unit: 'cm', min: -500, max: 5000 })] },
    { kind: 'smoke', metrics: [profileOf({ metric: 'battery', unit: 'V', min: 0, max: 15 })] },
    { kind: 'noise', metrics: [profileOf({ metric: 'noise', unit: 'dB', min: 0, max: 200 })] },
  ];
  for (let n = 0; out.length < count; n++) {
    const k = kinds[n % kinds.length]!;
    const gw = gateways[n % gateways.length]!;
    out.push({ id: `sim-${gw}-${n}`.slice(0, 64), gateway: gw, ...k, alarms: alarmsOf(k.kind) });
  }
  return out;
}

const sensors = defineCommand({
  name: 'simulate sensors',
  summary: 'Publish realistic sensor readings and alarms through the real MQTT path',
  options: {
    count: {
      type: 'string',
      arg: 'N',
      description: 'How many sensors (default: every sensor of the config)',
    },
    config: {
      type: 'string',
      arg: 'FILE',
      description: 'city.yaml with the sensors, kinds and gateways (default: deploy/city.yaml)',
    },
    'mqtt-url': {
      type: 'string',
      arg: 'URL',
      description: 'Ingest MQTT endpoint',
      default: 'mqtt://127.0.0.1:1884',
    },
    password: {
      type: 'string',
      arg: 'SECRET',
      description: 'MQTT password of every gateway (development; empty: an endpoint started with --open)',
    },
    'interval-ms': {
      type: 'string',
      arg: 'MS',
      description: 'Time between two readings of a sensor',
      default: '10000',
    },
    speed: {
      type: 'string',
      arg: 'X',
      description: 'Simulated time runs X times faster (rain episodes, daily curves)',
      default: '1',
    },
    seconds: { type: 'string', arg: 'S', description: 'Stop after S seconds (default: run until Ctrl-C)' },
    seed: {
      type: 'string',
      arg: 'S',
      description: 'Random seed (the same seed gives the same readings)',
      default: '1',
    },
    'fault-rate': {
      type: 'string',
      arg: 'P',
      description: 'Chance per reading of a fault (missed, stuck, bad value)',
      default: '0.002',
    },
    'alarm-rate': {
      type: 'string',
      arg: 'P',
      description: 'Chance per sensor and round of a device alarm',
      default: '0.0005',
    },
    json: { type: 'boolean', description: 'Print a JSON summary line at the end' },
  },
  details: [
    'Each sensor follows a daily curve with noise; water gauges have rain episodes that lift the level',
    'past typical thresholds; devices sometimes miss a reading, get stuck or send a value flagged `bad`,',
    'and raise alarms (smoke, tilt, tamper, low battery). Sensors beyond those in the config get',
    'synthetic ids (`sim-<gateway>-<n>`): the ingest endpoint must run with --open to take them.',
    '',
    'Examples:',
    '  xueliang up --open &  xueliang simulate sensors --speed 60',
    '  xueliang simulate sensors --count 10000 --interval-ms 60000 --mqtt-url mqtt://ingest:1884 --password "$PW"',
  ].join('\n'),
  async run({ values }) {
    const config = loadCityConfig(str(values, 'config') ?? join(projectRoot, 'deploy', 'city.yaml'));
    const configured = simSensorsFromCity(config);
    const count = int(values, 'count', 1, 1_000_000) ?? configured.length;
    if (count === 0) throw new UsageError('the config has no sensors: give --count N');
    const gateways = config.gateways.map((g) => g.id);
    if (gateways.length === 0) throw new UsageError('the config has no gateways');
    const rate = (name: string) => {
      const v = Number(str(values, name));
      if (!(v >= 0 && v <= 1)) throw new UsageError(`--${name} must be a probability in 0..1`);
      return v;
    };
    setLogLevel('warn');
    const picked = pickSensors(configured, gateways, count);
    const password = str(values, 'password');
    const sim = new SensorGatewaySim({
      url: str(values, 'mqtt-url')!,
      sensors: picked,
      ...(password ? { passwords: new Map(gateways.map((g) => [g, password])) } : {}),
      intervalMs: int(values, 'interval-ms', 100, 86_400_000)!,
      speed: Number(str(values, 'speed')) || 1,
      sim: {
        seed: int(values, 'seed', 0, 2 ** 31)!,
        faultRate: rate('fault-rate'),
        alarmRate: rate('alarm-rate'),
      },
      log: rootLogger().child({ component: 'simulate' }),
      onRound: (r) => {
        if (!values.json) process.stderr.write(`round: ${r.readings} readings, ${r.alarms} alarms\n`);
      },
    });
    process.stderr.write(
      `simulating ${picked.length} sensors on ${new Set(picked.map((s) => s.gateway)).size} gateways (Ctrl-C stops)\n`,
    );
    const seconds = int(values, 'seconds', 1, 10_000_000);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
      if (seconds) setTimeout(resolve, seconds * 1000).unref();
    });
    const st = await sim.close();
    const line = { sensors: picked.length, ...st };
    process.stdout.write(
      `${values.json ? JSON.stringify(line) : `sent ${st.readings} readings and ${st.alarms} alarms in ${st.rounds} rounds; ${st.acked} messages acked, ${st.spooled} unacked`}\n`,
    );
    return st.spooled === 0 ? 0 : 1;
  },
});

export default {
  name: 'simulate',
  summary: 'Simulated devices: sensors publishing through the real path',
  subcommands: [sensors],
};

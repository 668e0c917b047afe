/**
 * Worker thread of bench:sensors: simulated sensor gateways, each a real SpoolPublisher
 * (spool, QoS 1, acks, resends) sending rounds of simulated readings (edge-agent/sensors/
 * simulate.ts) in envelopes of up to 500 readings. Phase `throughput`: `rounds` rounds of
 * every sensor as fast as the acks allow, round r stamped `t0 + r × stepMs` (the rounds are
 * generated before the clock starts; encoding, spooling and sending are timed). Phase `steady`:
 * readings at `ratePerSec` in all for `seconds`, and one smoke alarm every `alarmEveryMs`,
 * stamped with the moment it is handed over (the main thread measures alarm → task).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { pino } from 'pino';
import type { SensorReading } from '../contracts/sensor.js';
import { createMemorySpool } from '../edge-agent/publisher/memory-spool.js';
import { SpoolPublisher } from '../edge-agent/publisher/publisher.js';
import { SensorSimulator, type SimSensor } from '../edge-agent/sensors/simulate.js';

export interface SensorSimWork {
  url: string;
  gateways: string[];
  passwords: string[];
  sensors: SimSensor[];
  phase: 'throughput' | 'steady';
  rounds: number;
  /**
   * Phase `throughput`: rounds sent before the clock, stamped before the timed ones. Once they
   * are acked the thread posts `warm` and waits for the main thread's `go` (sent when they are
   * stored), so the chain's start-up (first use of its code, its first INSERT) is not timed.
   */
  warmupRounds: number;
  t0: number;
  stepMs: number;
  ratePerSec: number;
  seconds: number;
  alarmEveryMs: number;
  /** Smoke detectors to raise alarms on (round-robin). */
  alarmSensors: string[];
  maxSpooled: number;
}

export interface SensorSimResult {
  readings: number;
  /** Warm-up readings, sent before the clock (not in `readings`). */
  warmupReadings: number;
  alarms: number;
  /** When the publishers were started (their MQTT logins are still to come). */
  startMs: number;
  /** When every gateway was connected and the first readings were handed over. */
  firstMs: number;
  lastHandedMs: number;
  resent: number;
  dropped: number;
}

const o = workerData as SensorSimWork;
const log = pino({ level: 'warn', base: { thread: 'sensor-gateways' } }, pino.destination(2));
const ENVELOPE = 500;

/** One spool publisher per simulated gateway, keyed by gateway id. */
function startPublishers(): Map<string, SpoolPublisher> {
  const pubs = new Map<string, SpoolPublisher>();
  o.gateways.forEach((gw, i) => {
    pubs.set(
      gw,
      SpoolPublisher.start({
        gateway: gw,
        url: o.url,
        password: o.passwords[i] ?? '',
        spool: createMemorySpool({ maxBytes: 256 << 20 }),
        flushMs: 1_000,
        ackTimeoutMs: 30_000,
        log,
        mqtt: { reconnectPeriod: 250 },
      }),
    );
  });
  return pubs;
}

async function main(): Promise<void> {
  const pubs = startPublishers();
  const byGw = new Map<string, SimSensor[]>();
  for (const s of o.sensors) byGw.set(s.gateway, [...(byGw.get(s.gateway) ?? []), s]);
  const sims = new Map(
    [...byGw].map(([gw, ss], i) => [
      gw,
      new SensorSimulator(ss, { seed: i + 1, faultRate: 0.001, alarmRate: 0 }),
    ]),
  );
  // Phase `throughput`: the sensors' rounds are measured before the clock starts (a field bus
  // poll is the devices' work, not the chain's); the gateways still encode, spool and send them.
  const rounds =
    o.phase === 'throughput'
      ? Array.from({ length: o.warmupRounds + o.rounds }, (_, r) =>
          [...sims].map(([gw, sim]) => [gw, sim.round(o.t0 + r * o.stepMs).readings] as const),
        )
      : [];
  const startMs = Date.now();
  // The clock starts at the first hand-over, once every gateway is logged in: a login is an
  // scrypt check each (ingest/credentials.ts), a one-off cost of the connection, not of readings.
  const connectBy = startMs + 30_000;
  while (![...pubs.values()].every((p) => p.stats().connected) && Date.now() < connectBy)
    await new Promise((r) => setTimeout(r, 5));
  const res: SensorSimResult = {
    readings: 0,
    warmupReadings: 0,
    alarms: 0,
    startMs,
    firstMs: 0,
    lastHandedMs: 0,
    resent: 0,
    dropped: 0,
  };

  const send = async (gw: string, readings: SensorReading[]) => {
    const p = pubs.get(gw)!;
    for (let k = 0; k < readings.length; k += ENVELOPE) {
      while (p.stats().spooled >= o.maxSpooled) await new Promise((r) => setTimeout(r, 2));
      const part = readings.slice(k, k + ENVELOPE);
      await p.addSensors(part);
      res.readings += part.length;
    }
  };

  const warmup = rounds.splice(0, o.phase === 'throughput' ? o.warmupRounds : 0);
  if (warmup.length) {
    for (const round of warmup) await Promise.all(round.map(([gw, readings]) => send(gw, readings)));
    while (![...pubs.values()].every((p) => p.drained())) await new Promise((r) => setTimeout(r, 5));
    res.warmupReadings = res.readings;
    res.readings = 0;
    const go = new Promise((r) => parentPort?.once('message', r));
    parentPort?.postMessage({ type: 'warm', readings: res.warmupReadings });
    await go;
  }
  res.firstMs = Date.now();
  // The main thread reads the CPU counters at this instant too (phase 1's CPU, like its clock).
  parentPort?.postMessage({ type: 'started', firstMs: res.firstMs });

  if (o.phase === 'throughput') {
    for (const round of rounds) await Promise.all(round.map(([gw, readings]) => send(gw, readings)));
  } else {
    const end = Date.now() + o.seconds * 1000;
    let nextAlarm = Date.now();
    let a = 0;
    // Each tick sends the readings due by now (a slice of a round), spread over the gateways.
    const all = [...sims];
    let pending: Array<[string, SensorReading[]]> = [];
    let t = o.t0;
    while (Date.now() < end) {
      const due = Math.floor(((Date.now() - res.firstMs) / 1000) * o.ratePerSec) - res.readings;
      while (pending.reduce((n, [, rs]) => n + rs.length, 0) < due) {
        t += o.stepMs;
        pending = [
          ...pending,
          ...all.map(([gw, sim]) => [gw, sim.round(t).readings] as [string, SensorReading[]]),
        ];
      }
      let left = due;
      const now: Array<Promise<void>> = [];
      while (left > 0 && pending.length) {
        const [gw, rs] = pending[0]!;
        const take = rs.splice(0, left);
        left -= take.length;
        if (rs.length === 0) pending.shift();
        now.push(send(gw, take));
      }
      await Promise.all(now);
      if (Date.now() >= nextAlarm && o.alarmSensors.length) {
        const sensor = o.alarmSensors[a++ % o.alarmSensors.length]!;
        const gw = o.sensors.find((s) => s.id === sensor)!.gateway;
        const ts = Date.now();
        await pubs.get(gw)!.addSensors([], [{ id: `alarm-${a}-${ts}`, sensor, tsMs: ts, alarm: 'smoke' }]);
        res.alarms++;
        nextAlarm += o.alarmEveryMs;
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  }
  res.lastHandedMs = Date.now();
  while (![...pubs.values()].every((p) => p.drained())) await new Promise((r) => setTimeout(r, 20));
  const st = [...pubs.values()].map((p) => p.stats());
  res.resent = st.reduce((n, x) => n + x.resent, 0);
  res.dropped = st.reduce((n, x) => n + x.droppedHits, 0);
  await Promise.all([...pubs.values()].map((p) => p.close()));
  parentPort?.postMessage({ type: 'done', result: res });
}

void main();

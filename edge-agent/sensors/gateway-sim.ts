/**
 * Simulated sensor gateways (docs/iot.md): each gateway's devices (edge-agent/sensors/
 * simulate.ts) are polled every `intervalMs` and the round goes out through a real spool
 * publisher (spool, QoS 1, acks, resends) on `xueliang/v1/gw/{gateway}/sensors`, in envelopes
 * of at most 500 readings. Used by `xueliang simulate sensors` and `xueliang demo`. Adapter:
 * owns timers and MQTT connections.
 */
import type { Logger } from '../../contracts/log.js';
import { createMemorySpool } from '../publisher/memory-spool.js';
import { SpoolPublisher } from '../publisher/publisher.js';
import { SensorSimulator, type SimOptions, type SimSensor } from './simulate.js';

export interface GatewaySimOptions {
  url: string;
  sensors: readonly SimSensor[];
  /** Gateway id → MQTT password (none: an --open endpoint). */
  passwords?: ReadonlyMap<string, string>;
  intervalMs: number;
  /** Simulated time runs this many times faster than the clock (rain episodes, daily curves). */
  speed?: number;
  sim?: Partial<SimOptions>;
  log: Logger;
  /** Called after each round with what was handed to the publishers. */
  onRound?: (r: { readings: number; alarms: number }) => void;
}

export interface SimStats {
  rounds: number;
  readings: number;
  alarms: number;
  acked: number;
  spooled: number;
}

const ENVELOPE = 500;

export class SensorGatewaySim {
  private readonly pubs = new Map<string, SpoolPublisher>();
  private readonly sims = new Map<string, SensorSimulator>();
  private readonly timer: NodeJS.Timeout;
  private readonly startMs = Date.now();
  private readonly st = { rounds: 0, readings: 0, alarms: 0 };
  private busy = false;

  constructor(private readonly o: GatewaySimOptions) {
    const byGw = new Map<string, SimSensor[]>();
    for (const s of o.sensors) byGw.set(s.gateway, [...(byGw.get(s.gateway) ?? []), s]);
    let seed = o.sim?.seed ?? 1;
    for (const [gw, sensors] of byGw) {
      const password = o.passwords?.get(gw);
      this.pubs.set(
        gw,
        SpoolPublisher.start({
          gateway: gw,
          url: o.url,
          ...(password ? { password } : {}),
          spool: createMemorySpool({ maxBytes: 64 << 20 }),
          flushMs: 1_000,
          ackTimeoutMs: 15_000,
          log: o.log.child({ gateway: gw }),
          // Its own session: the gateway's camera agent (e.g. in `demo`) holds the client id `gw`.
          mqtt: { clientId: `${gw}-sensors`.slice(0, 64), reconnectPeriod: 1_000 },
        }),
      );
      this.sims.set(gw, new SensorSimulator(sensors, { ...o.sim, seed: seed++ }));
    }
    this.timer = setInterval(() => void this.round(), o.intervalMs);
    void this.round();
  }

  private async round(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const now = Date.now();
      const simMs = this.startMs + (now - this.startMs) * (this.o.speed ?? 1);
      let readings = 0;
      let alarms = 0;
      for (const [gw, sim] of this.sims) {
        const r = sim.round(simMs);
        const pub = this.pubs.get(gw)!;
        // Readings carry the simulated time; alarms are stamped now (a device raises them live).
        const stamped = r.readings.map((x) => ({ ...x, tsMs: Math.min(x.tsMs, now) }));
        for (let k = 0; k < stamped.length || (k === 0 && r.events.length); k += ENVELOPE) {
          await pub.addSensors(
            stamped.slice(k, k + ENVELOPE),
            k === 0 ? r.events.map((e) => ({ ...e, tsMs: now })) : [],
          );
        }
        readings += r.readings.length;
        alarms += r.events.length;
      }
      this.st.rounds++;
      this.st.readings += readings;
      this.st.alarms += alarms;
      this.o.onRound?.({ readings, alarms });
    } catch (e) {
      this.o.log.warn({ err: String(e) }, 'simulated round failed');
    } finally {
      this.busy = false;
    }
  }

  stats(): SimStats {
    const s = [...this.pubs.values()].map((p) => p.stats());
    return {
      ...this.st,
      acked: s.reduce((n, x) => n + x.acked, 0),
      spooled: s.reduce((n, x) => n + x.spooled, 0),
    };
  }

  /** Stops the rounds; waits up to `drainMs` for the acks of what was sent, then disconnects. */
  async close(drainMs = 5_000): Promise<SimStats> {
    clearInterval(this.timer);
    const end = Date.now() + drainMs;
    while (Date.now() < end && ![...this.pubs.values()].every((p) => p.drained()))
      await new Promise((r) => setTimeout(r, 50));
    const stats = this.stats();
    await Promise.all([...this.pubs.values()].map((p) => p.close()));
    return stats;
  }
}

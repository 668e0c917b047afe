/**
 * Stopping never waits on a broker that stopped answering: a gateway's MQTT peer frozen
 * (SIGSTOP: the TCP connection stays up, no PUBACK ever comes) must not hang the agent's
 * stop, whose status publish and clean disconnect both wait for PUBACKs.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../contracts/log.js';
import { NO_TEST_DATA, testDataDir } from '../contracts/testdata.js';
import { BUILD_TIMEOUT_MS, builtModelsDir } from '../models/testkit.js';
import { EdgeAgent } from './agent.js';
import {
  type Broker,
  gatewayConfig,
  mosquittoUnavailable,
  startBroker,
  Tap,
  until,
} from './agent-testkit.js';

const data = testDataDir();
const noBroker = mosquittoUnavailable();

describe.skipIf(!data || !!noBroker)(`edge agent stop${data ? '' : ` (${NO_TEST_DATA})`}`, () => {
  let broker: Broker;
  let modelsDir: string;
  beforeAll(async () => {
    modelsDir = await builtModelsDir();
    broker = await startBroker();
  }, BUILD_TIMEOUT_MS);
  afterAll(async () => {
    broker?.proc.kill('SIGCONT');
    await broker?.kill();
  });

  it('finishes within seconds when the broker is frozen', async () => {
    const tap = await Tap.connect(broker.url, 'gw-stop');
    const agent = await EdgeAgent.start({
      config: gatewayConfig({
        gateway: 'gw-stop',
        mqttUrl: broker.url,
        modelsDir,
        cameras: [
          {
            id: 'cam-stop',
            url: join(data!, 'video', 'campus_pedestrians.mp4'),
            fps: 5,
            width: 320,
            height: 240,
          },
        ],
      }),
      log: silentLogger(),
    });
    let stopped = false;
    try {
      await until('a streaming status', () => tap.statuses.some((s) => s.includes('"streaming"')), 60_000);
      await tap.close();
      broker.proc.kill('SIGSTOP');
      const t0 = Date.now();
      await agent.stop();
      stopped = true;
      // The status publish gets 2 s (then the status connection is ended by force), the
      // spool publisher's disconnect 2 s; without those bounds stop never returned.
      const ms = Date.now() - t0;
      process.stderr.write(`edge stop with a frozen broker: ${ms} ms\n`);
      expect(ms).toBeLessThan(15_000);
    } finally {
      broker.proc.kill('SIGCONT');
      if (!stopped) await agent.kill();
    }
  }, 120_000);
});

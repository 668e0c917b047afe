/**
 * The whole agent on a real RTSP camera (GStreamer's RTSP server) through a real broker:
 * it receives frames, and when the server is killed and restarted it recovers by itself and
 * reports the reconnect — in the retained status on MQTT and in the metrics. The detector is
 * a stub here (this is about the source side; the models are exercised in agent.int.test.ts).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../contracts/log.js';
import { NO_TEST_DATA, testDataDir } from '../contracts/testdata.js';
import { COCO_LABELS } from '../models/coco-labels.js';
import { Detections } from '../models/detections.js';
import type { Detector } from '../models/detector.js';
import { EdgeAgent } from './agent.js';
import { FaceGuard } from './privacy/face-guard.js';
import {
  type Broker,
  freePort,
  gatewayConfig,
  mosquittoUnavailable,
  startBroker,
  Tap,
  until,
} from './agent-testkit.js';
import { type RtspServer, rtspServerUnavailable, startRtspServer } from './source/testdata/rtsp-server.js';

const data = testDataDir();
const skip = !data ? NO_TEST_DATA : (rtspServerUnavailable() ?? mosquittoUnavailable());
if (skip) console.warn(`edge-agent rtsp: skipped: ${skip}`);

/** Counts frames; finds nothing. */
class StubDetector implements Detector {
  readonly name = 'stub';
  readonly labels = COCO_LABELS;
  frames = 0;
  async detect(): Promise<Detections> {
    this.frames++;
    return Detections.empty();
  }
  async detectTimed() {
    return { detections: await this.detect(), timings: { preprocessMs: 0, runMs: 0, decodeMs: 0 } };
  }
}

interface StatusDoc {
  state: string;
  cameras: Record<string, { state: string; reconnects: number; framesIn: number }>;
}

describe.skipIf(!!skip)('edge agent on a real RTSP camera', () => {
  let broker: Broker;
  let server: RtspServer | undefined;
  beforeAll(async () => {
    broker = await startBroker();
  });
  afterAll(async () => {
    await server?.kill();
    await broker?.kill();
  });

  it('recovers from the camera server being killed and restarted, and reports the reconnect', async () => {
    const port = await freePort();
    server = await startRtspServer(join(data!, 'video', 'campus_pedestrians.mp4'), port);
    const tap = await Tap.connect(broker.url, 'gw-rtsp');
    const metricsPort = await freePort();
    const detector = new StubDetector();
    const agent = await EdgeAgent.start({
      config: gatewayConfig({
        gateway: 'gw-rtsp',
        mqttUrl: broker.url,
        modelsDir: '/nonexistent',
        cameras: [{ id: 'cam-rtsp', url: server.url, fps: 5, width: 320, height: 240 }],
        extra: { metricsPort, sources: { stallMs: 4000, reconnectInitialMs: 200, reconnectMaxMs: 1000 } },
      }),
      log: silentLogger(),
      detector,
      plates: null,
      // Snapshots stay blurred (the default); the stub scene has no faces to find.
      faces: new FaceGuard({ findFaces: async () => Detections.empty() }),
    });
    const docs = () => tap.statuses.filter((s) => s.startsWith('{')).map((s) => JSON.parse(s) as StatusDoc);
    const cam = (d: StatusDoc) => d.cameras['cam-rtsp'];
    try {
      await until('frames through the detector', () => detector.frames >= 10, 30_000);
      expect(docs().some((d) => cam(d)?.state === 'streaming' && cam(d)?.reconnects === 0)).toBe(true);

      await server.kill();
      await until(
        'a reconnecting status on MQTT',
        () => docs().some((d) => cam(d)?.state === 'reconnecting'),
        20_000,
      );
      await new Promise((r) => setTimeout(r, 1500));
      const before = detector.frames;
      server = await startRtspServer(join(data!, 'video', 'campus_pedestrians.mp4'), port);
      await until('frames again', () => detector.frames >= before + 10, 40_000);
      await until(
        'a streaming status after the reconnect',
        () => docs().some((d) => cam(d)?.state === 'streaming' && (cam(d)?.reconnects ?? 0) >= 1),
        10_000,
      );
      const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      const m = /xueliang_edge_reconnects_total\{camera="cam-rtsp"\} (\d+)/.exec(metrics);
      expect(Number(m?.[1])).toBeGreaterThanOrEqual(1);
      expect(metrics).toContain('xueliang_edge_camera_up{camera="cam-rtsp"} 1');
    } finally {
      await agent.stop();
      await tap.close();
    }
    expect(docs().at(-1)?.state).toBe('stopped');
  }, 120_000);
});

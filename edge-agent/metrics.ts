/**
 * The edge agent's Prometheus metrics (DESIGN §4) and the small HTTP server that exposes them
 * (`/metrics`, plus `/healthz` with each camera's status).
 */
import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { listenOn, METRICS_LISTEN } from '../contracts/net.js';

/** Pipeline stages timed per camera (bench:edge reports the same names). */
export const STAGES = ['decode', 'preprocess', 'inference', 'tracking', 'attributes', 'publish'] as const;
export type Stage = (typeof STAGES)[number];

const MS_BUCKETS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000];

/** Every metric of one agent, on its own registry. */
export class EdgeMetrics {
  readonly registry = new Registry();
  readonly framesIn: Counter<'camera'>;
  readonly framesProcessed: Counter<'camera'>;
  readonly framesDropped: Counter<'camera'>;
  readonly reconnects: Counter<'camera'>;
  readonly cameraUp: Gauge<'camera'>;
  readonly fpsIn: Gauge<'camera'>;
  readonly fpsProcessed: Gauge<'camera'>;
  readonly stageMs: Histogram<'camera' | 'stage'>;
  readonly inferenceMs: Histogram<'model'>;
  readonly latencyMs: Histogram<'camera'>;
  readonly spoolDepth: Gauge<'kind'>;
  readonly hitsPublished: Counter<'camera' | 'kind'>;
  readonly snapshotsPublished: Counter<'camera'>;
  readonly tracksActive: Gauge<'camera'>;
  private readonly rateBase = new Map<string, { tMs: number; inCount: number; procCount: number }>();

  constructor() {
    const registers = [this.registry];
    this.framesIn = new Counter({
      name: 'xueliang_edge_frames_in_total',
      help: 'Frames decoded per camera',
      labelNames: ['camera'],
      registers,
    });
    this.framesProcessed = new Counter({
      name: 'xueliang_edge_frames_processed_total',
      help: 'Frames run through the detector per camera',
      labelNames: ['camera'],
      registers,
    });
    this.framesDropped = new Counter({
      name: 'xueliang_edge_frames_dropped_total',
      help: 'Frames replaced in the newest-frame slot before the detector took them',
      labelNames: ['camera'],
      registers,
    });
    this.reconnects = new Counter({
      name: 'xueliang_edge_reconnects_total',
      help: 'ffmpeg restarts after a failure or stall',
      labelNames: ['camera'],
      registers,
    });
    this.cameraUp = new Gauge({
      name: 'xueliang_edge_camera_up',
      help: '1 while the camera streams',
      labelNames: ['camera'],
      registers,
    });
    // fps gauges are derived from the counters at scrape time (DESIGN §4 names fps_in, fps_processed).
    const self = this;
    this.fpsIn = new Gauge({
      name: 'xueliang_edge_fps_in',
      help: 'Frames decoded per second since the previous scrape',
      labelNames: ['camera'],
      registers,
      async collect() {
        await self.updateRates();
      },
    });
    this.fpsProcessed = new Gauge({
      name: 'xueliang_edge_fps_processed',
      help: 'Frames detected per second since the previous scrape',
      labelNames: ['camera'],
      registers,
    });
    this.stageMs = new Histogram({
      name: 'xueliang_edge_stage_ms',
      help: 'Time per frame in each pipeline stage, ms',
      labelNames: ['camera', 'stage'],
      buckets: MS_BUCKETS,
      registers,
    });
    this.inferenceMs = new Histogram({
      name: 'xueliang_edge_inference_ms',
      help: 'Detector run time per frame, ms',
      labelNames: ['model'],
      buckets: MS_BUCKETS,
      registers,
    });
    this.latencyMs = new Histogram({
      name: 'xueliang_edge_frame_latency_ms',
      help: 'Frame decoded → its hits handed to the spool (or processing done), ms',
      labelNames: ['camera'],
      buckets: MS_BUCKETS,
      registers,
    });
    this.spoolDepth = new Gauge({
      name: 'xueliang_edge_spool_depth',
      help: 'Messages in the spool awaiting an ack',
      labelNames: ['kind'],
      registers,
    });
    this.hitsPublished = new Counter({
      name: 'xueliang_edge_hits_published_total',
      help: 'Hits handed to the publisher',
      labelNames: ['camera', 'kind'],
      registers,
    });
    this.snapshotsPublished = new Counter({
      name: 'xueliang_edge_snapshots_published_total',
      help: 'Snapshots handed to the publisher',
      labelNames: ['camera'],
      registers,
    });
    this.tracksActive = new Gauge({
      name: 'xueliang_edge_tracks',
      help: 'Tracks held by the tracker',
      labelNames: ['camera'],
      registers,
    });
  }

  private async updateRates(): Promise<void> {
    const now = Date.now();
    const ins = (await this.framesIn.get()).values;
    const procs = (await this.framesProcessed.get()).values;
    for (const v of ins) {
      const cam = String(v.labels.camera);
      const proc = procs.find((p) => p.labels.camera === cam)?.value ?? 0;
      const base = this.rateBase.get(cam);
      if (base && now > base.tMs) {
        const dt = (now - base.tMs) / 1000;
        this.fpsIn.set({ camera: cam }, (v.value - base.inCount) / dt);
        this.fpsProcessed.set({ camera: cam }, (proc - base.procCount) / dt);
      }
      this.rateBase.set(cam, { tMs: now, inCount: v.value, procCount: proc });
    }
  }
}

/** Serves `/metrics` (Prometheus text) and `/healthz` (JSON from `health()`). */
export async function serveMetrics(
  metrics: EdgeMetrics,
  port: number,
  host: string,
  health: () => unknown,
): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    if (req.url === '/metrics') {
      metrics.registry
        .metrics()
        .then((text) => {
          res.writeHead(200, { 'content-type': metrics.registry.contentType });
          res.end(text);
        })
        .catch((e: unknown) => {
          res.writeHead(500);
          res.end(String(e));
        });
      return;
    }
    if (req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(health()));
      return;
    }
    res.writeHead(404);
    res.end();
  });
  await listenOn(server, port, host, METRICS_LISTEN);
  const a = server.address();
  return {
    server,
    port: typeof a === 'object' && a ? a.port : port,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

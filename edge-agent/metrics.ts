/**
 * The edge agent's Prometheus metrics (docs/edge.md, "Metrics"; Prometheus naming: base units,
 * `_total` only on counters, rates left to PromQL) and the small HTTP server that exposes a
 * registry (`/metrics`, plus `/healthz` with each camera's status).
 */
import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { listenOn, METRICS_LISTEN } from '../contracts/net.js';

/** Pipeline stages timed per camera (bench:edge reports the same names). */
export const STAGES = [
  'decode',
  'motion',
  'preprocess',
  'inference',
  'tracking',
  'attributes',
  'publish',
] as const;
export type Stage = (typeof STAGES)[number];

const SECONDS_BUCKETS = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5];

/** Every metric of one agent, on its own registry. */
export class EdgeMetrics {
  readonly registry = new Registry();
  readonly framesIn: Counter<'camera'>;
  readonly framesProcessed: Counter<'camera'>;
  readonly framesDropped: Counter<'camera'>;
  readonly reconnects: Counter<'camera'>;
  readonly cameraUp: Gauge<'camera'>;
  readonly stageSeconds: Histogram<'camera' | 'stage'>;
  readonly inferenceSeconds: Histogram<'model'>;
  readonly latencySeconds: Histogram<'camera'>;
  readonly spoolDepth: Gauge<'kind'>;
  readonly hitsPublished: Counter<'camera' | 'kind'>;
  readonly snapshotsPublished: Counter<'camera'>;
  readonly tracksActive: Gauge<'camera'>;

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
    // Rates are PromQL's job: rate(xueliang_edge_frames_in_total[1m]) is the input fps. A gauge
    // computed "since the previous scrape" would give each of two scrapers half the story.
    this.stageSeconds = new Histogram({
      name: 'xueliang_edge_stage_seconds',
      help: 'Time per frame in each pipeline stage',
      labelNames: ['camera', 'stage'],
      buckets: SECONDS_BUCKETS,
      registers,
    });
    this.inferenceSeconds = new Histogram({
      name: 'xueliang_edge_inference_seconds',
      help: 'Detector run time per frame',
      labelNames: ['model'],
      buckets: SECONDS_BUCKETS,
      registers,
    });
    this.latencySeconds = new Histogram({
      name: 'xueliang_edge_frame_latency_seconds',
      help: 'Frame decoded → its hits handed to the spool (or processing done)',
      labelNames: ['camera'],
      buckets: SECONDS_BUCKETS,
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
}

/** Serves `/metrics` (Prometheus text) and `/healthz` (JSON from `health()`); the ingest command uses it too. */
export async function serveMetrics(
  metrics: { registry: Registry },
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

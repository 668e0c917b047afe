/**
 * The edge agent (docs/architecture.md#edge-agent): cameras → newest-frame slots → one shared detector fed
 * round-robin → per camera tracker, rules, attributes and hits → snapshot JPEGs → the
 * spool publisher → MQTT. Per-camera status is published retained on
 * `xueliang/v1/gw/{gw}/status` (last will `offline`) and exposed with the metrics.
 *
 * The detector loop only detects, in worker threads (models/worker-detector.ts); everything
 * after it runs on a per-camera promise chain on this thread, so tracking, attributes and
 * JPEG encoding overlap inference. A chain more than two frames behind holds the detector
 * back rather than queueing without bound.
 */
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import type { IClientOptions } from 'mqtt';
import { gatewayMqttOptions } from '../contracts/tls.js';
import { connectSignals, type SignalFeed, signalControllers } from './signals.js';
import { monotonicFactory } from 'ulid';
import type { GatewayConfig } from '../contracts/config/gateway.js';
import { XlError } from '../contracts/errors.js';
import type { Logger } from '../contracts/log.js';
import { type GatewayStatus, STATUS_EVERY_MS } from '../contracts/status.js';
import { Detections } from '../models/detections.js';
import { cropFrame } from '../models/frame.js';
import type { DetectTimings, Detector } from '../models/detector.js';
import { POSE_MODEL } from '../models/build.js';
import { defaultModelsDir, loadModel } from '../models/manifest.js';
import { WorkerFaceFinder } from '../models/face/worker-finder.js';
import { WorkerPlateReader } from '../models/plates/worker-reader.js';
import { WorkerDetector } from '../models/worker-detector.js';
import { detectTiled } from './tiling.js';
import { DEFAULT_ZOOM, detectZoomed, zoomViews } from './zoom.js';
import { iou } from './geometry.js';
import { type GatePlan, MotionGate } from './motion-gate.js';
import { type CameraOutput, CameraPipeline, type PlateReaderPort } from './agent-camera.js';
import { PoseEstimator } from './attributes/pose.js';
import { FACE_GUARD_DEFAULTS, FaceGuard, type FaceGuardPort } from './privacy/face-guard.js';
import { EdgeMetrics, type Stage, serveMetrics } from './metrics.js';
import { openDiskSpool } from './publisher/disk-spool.js';
import { type PublisherStats, SpoolPublisher } from './publisher/publisher.js';
import type { Spool } from './publisher/spool.js';
import { Scheduler } from './scheduler.js';
import { type StageName, StageStats } from './stage-stats.js';
import { FpsWindow, StatusReporter } from './status-reporter.js';
import { type CameraFrame, CameraSource, isStreamUrl, type SourceStatus } from './source/camera-source.js';

export interface EdgeAgentOptions {
  config: Readonly<GatewayConfig>;
  log: Logger;
  /** Address of the metrics server (default 127.0.0.1). */
  metricsHost?: string;
  /** Extra mqtt.js options for the publisher and status connections (tests: reconnectPeriod). */
  mqtt?: IClientOptions;
  /** A detector to use instead of loading `config.model` (benchmarks). */
  detector?: Detector;
  /** Plate reader instead of loading PP-OCR (tests); `null` disables plates. */
  plates?: PlateReaderPort | null;
  /** Face guard instead of loading the face detector (tests). */
  faces?: FaceGuardPort;
}

/** One camera's counters and state. */
export interface CameraStats {
  id: string;
  status: SourceStatus;
  framesIn: number;
  framesProcessed: number;
  /** Of the processed frames, those the motion gate kept from the detector (still scene). */
  framesSkipped: number;
  /** Of the processed frames, those the detector saw only motion regions of. */
  framesCropped: number;
  /** Of the skipped frames, those skipped while the tracker coasted on steady tracks (`motion.coastFrames`). */
  framesCoasted: number;
  /** Motion-zoom crops detected (`model.zoomCrops`): one detector run each, on top of the frames'. */
  zoomCrops: number;
  framesDropped: number;
  sightings: number;
  events: number;
  tracks: number;
}

interface CameraRuntime {
  id: string;
  source: CameraSource;
  pipeline: CameraPipeline;
  status: SourceStatus;
  chain: Promise<void>;
  backlog: number;
  /** A frame of this camera is in the detector. */
  detecting: boolean;
  processed: number;
  /** Frames the motion gate kept from the detector (counted in `processed` too). */
  skipped: number;
  /** Frames detected on their motion regions only. */
  cropped: number;
  /** Skipped frames whose motion steady tracks explained (counted in `skipped` too). */
  coasted: number;
  /** Motion-zoom crops detected (one detector run each). */
  zoomed: number;
  /** Motion gate (config `motion.enabled`) and the last full-frame detections (frame pixels). */
  gate: MotionGate | undefined;
  lastFull: Detections | undefined;
  /** ffmpeg CPU ms and frames at the previous decode sample. */
  decodeBase: { cpuMs: number; frames: number } | undefined;
  sightings: number;
  events: number;
  flushed: boolean;
}

const MAX_BACKLOG = 2;

/**
 * Detections of cropped regions mapped back to the frame and merged (a box found in two
 * overlapping crops kept once: the higher score, per class, IoU > 0.5), plus the last
 * full-frame detections centred outside every region (still objects no crop looked at).
 */
export function withCarriedOver(
  parts: ReadonlyArray<{ detections: Detections; region: readonly number[] }>,
  lastFull: Detections | undefined,
): Detections {
  const rows: Array<{ box: [number, number, number, number]; score: number; classId: number }> = [];
  for (const { detections: d, region } of parts)
    for (let i = 0; i < d.length; i++) {
      const b = d.box(i);
      rows.push({
        box: [b[0] + region[0]!, b[1] + region[1]!, b[2] + region[0]!, b[3] + region[1]!],
        score: d.score[i]!,
        classId: d.classId[i]!,
      });
    }
  rows.sort((a, b) => b.score - a.score);
  const kept = rows.filter(
    (r, k) => !rows.slice(0, k).some((q) => q.classId === r.classId && iou(q.box, r.box) > 0.5),
  );
  const inside = (cx: number, cy: number) =>
    parts.some(({ region: g }) => cx >= g[0]! && cx < g[2]! && cy >= g[1]! && cy < g[3]!);
  for (let i = 0; i < (lastFull?.length ?? 0); i++) {
    const b = lastFull!.box(i);
    if (inside((b[0] + b[2]) / 2, (b[1] + b[3]) / 2)) continue;
    kept.push({ box: b, score: lastFull!.score[i]!, classId: lastFull!.classId[i]! });
  }
  return Detections.fromRows(kept);
}
/**
 * Frames queued per detector worker: the next frame waits in the worker while it infers, so
 * no inference waits for this thread to hand one over. 4 lossless cameras on the 2-core box,
 * three alternating runs each: 41.9 fps median at depth 2 against 39.2 at depth 1. It costs
 * up to one inference of latency (bench:edge p50 98–101 ms against 62–83 ms).
 */
export const DETECTOR_DEPTH = 2;

/** Detector workers for `model.concurrency`: as configured, or one per core (at most 8) for 0. */
export function detectorWorkerCount(configured: number): number {
  return configured || Math.min(8, availableParallelism());
}

export class EdgeAgent {
  readonly metrics = new EdgeMetrics();
  private readonly cameras = new Map<string, CameraRuntime>();
  private readonly scheduler: Scheduler<CameraFrame>;
  private readonly stages = new StageStats(this.metrics);
  private publisher!: SpoolPublisher;
  private spool!: Spool;
  private status: StatusReporter | undefined;
  /** Signal phases for red_light rules (edge-agent/signals.ts), when any rule names a controller. */
  private signals: SignalFeed | undefined;
  private readonly fps = new FpsWindow();
  private metricsServer: Awaited<ReturnType<typeof serveMetrics>> | undefined;
  private detector!: Detector;
  /** The detector this agent started (worker threads), closed on stop. */
  private ownDetector: WorkerDetector | undefined;
  private plateReader: WorkerPlateReader | undefined;
  private faceFinder: WorkerFaceFinder | undefined;
  private faces: FaceGuardPort | undefined;
  private pose: PoseEstimator | undefined;
  /** Detector workers: `model.concurrency`, or one per core when 0. */
  readonly detectorWorkers: number;
  private stopped = false;
  private statusTimer: NodeJS.Timeout | undefined;
  private readonly newId = monotonicFactory();
  private readonly log: Logger;

  private constructor(private readonly o: EdgeAgentOptions) {
    this.log = o.log.child({ component: 'edge', gateway: o.config.gateway.id });
    this.detectorWorkers = detectorWorkerCount(o.config.model.concurrency);
    this.scheduler = new Scheduler<CameraFrame>({
      // Each worker holds the frame it infers and the next one (DETECTOR_DEPTH).
      concurrency: this.detectorWorkers * DETECTOR_DEPTH,
      run: (cam, f) => this.detect(cam, f),
      onError: (cam, e) => this.log.error({ camera: cam, err: e }, 'frame failed'),
    });
  }

  /**
   * {@link start} with a `stop` that may be called at any time, for a command's signal
   * handler: during the start it waits for the start to settle, then stops the agent. (Ending
   * the process while detector workers are inside onnxruntime's session create aborts it:
   * "terminate called after throwing an instance of 'Napi::Error'".)
   */
  static launch(o: EdgeAgentOptions): { started: Promise<EdgeAgent>; stop: () => Promise<void> } {
    const started = EdgeAgent.start(o);
    return { started, stop: async () => (await started.catch(() => undefined))?.stop() };
  }

  /** Loads the model, opens the spool, connects, starts every enabled camera. */
  static async start(o: EdgeAgentOptions): Promise<EdgeAgent> {
    const a = new EdgeAgent(o);
    try {
      await a.init();
    } catch (e) {
      await a.stop().catch(() => {});
      throw e;
    }
    return a;
  }

  private async init(): Promise<void> {
    const c = this.o.config;
    // First: a taken port fails the start in a second, before models and workers load.
    if (c.metricsPort > 0) {
      this.metricsServer = await serveMetrics(
        this.metrics,
        c.metricsPort,
        this.o.metricsHost ?? '127.0.0.1',
        () => this.health(),
      );
      this.log.info({ url: this.metricsUrl }, 'metrics listening');
    }
    const modelsDir = c.model.dir ? resolve(c.model.dir) : defaultModelsDir();
    if (this.o.detector) this.detector = this.o.detector;
    else {
      const { entry, path } = await loadModel(modelsDir, c.model.name);
      this.log.info(
        { model: entry.name, workers: this.detectorWorkers, threads: c.model.threads },
        'starting detector workers',
      );
      this.ownDetector = await WorkerDetector.open({
        entry,
        path,
        workers: this.detectorWorkers,
        threads: c.model.threads,
        depth: DETECTOR_DEPTH,
      });
      this.detector = this.ownDetector;
    }
    let plates: PlateReaderPort | undefined;
    if (this.o.plates !== undefined) plates = this.o.plates ?? undefined;
    else if (c.attributes.plates) {
      const plateModel = c.attributes.plateModel;
      try {
        // In its own worker thread: a read takes 75–170 ms, too long for the main thread.
        this.plateReader = await WorkerPlateReader.open({
          modelsDir,
          threads: 1,
          ...(plateModel ? { plateModel } : {}),
        });
        plates = this.plateReader;
      } catch (e) {
        // A plate detector named in the config must load; the default OCR models may be absent.
        if (plateModel) throw e;
        this.log.warn({ err: (e as Error).message }, 'plate reader unavailable; plates off');
      }
    }
    this.faces = await this.openFaceGuard(modelsDir);
    // On the main thread: 9–13 ms per person box (docs/accuracy.md), hence off by default.
    if (c.attributes.keypoints) this.pose = await PoseEstimator.open(modelsDir, POSE_MODEL, 1);
    this.spool = await openDiskSpool({ dir: resolve(c.spool.dir), maxBytes: c.spool.maxBytes });
    // mqtts:// verified against the city CA, and the client certificate (docs/deploy.md#tls).
    const tls = gatewayMqttOptions(c.mqtt);
    this.publisher = SpoolPublisher.start({
      gateway: c.gateway.id,
      url: c.mqtt.url,
      ...(c.gateway.password ? { password: c.gateway.password } : {}),
      spool: this.spool,
      flushMs: c.mqtt.flushMs,
      ackTimeoutMs: c.mqtt.ackTimeoutMs,
      log: this.log.child({ component: 'publisher' }),
      registry: this.metrics.registry,
      mqtt: { keepalive: c.mqtt.keepaliveS, ...tls, ...this.o.mqtt },
    });
    this.status = new StatusReporter({
      config: c,
      log: this.log,
      mqtt: { ...tls, ...this.o.mqtt },
      document: (state) => this.statusDocument(state),
    });
    this.statusTimer = setInterval(() => {
      this.metrics.spoolDepth.set({ kind: 'all' }, this.publisher.stats().spooled);
      this.sampleDecode();
      const now = Date.now();
      for (const rt of this.cameras.values()) this.fps.sample(rt.id, rt.processed, now);
      if (this.status && now - this.status.lastMs >= STATUS_EVERY_MS) void this.status.publish();
    }, 1000);
    this.statusTimer.unref();

    const controllers = signalControllers(c);
    if (controllers.length && c.signals.url)
      this.signals = connectSignals({
        url: c.signals.url,
        username: c.signals.username,
        password: c.signals.password,
        clientId: `${c.gateway.id}-signals`.slice(0, 64),
        controllers,
        log: this.log.child({ component: 'signals' }),
      });
    else if (controllers.length)
      this.log.warn({ controllers }, 'red_light rules but no signals.url: they never fire');
    const enabled = c.cameras.filter((cam) => cam.enabled);
    if (enabled.length === 0) this.log.warn('no enabled cameras in the config');
    for (const cam of enabled) this.addCamera(cam, plates);
    this.scheduler.start();
    for (const rt of this.cameras.values()) rt.source.start();
  }

  /**
   * The face guard every snapshot goes through (docs/privacy.md); with snapshots on and
   * blurFaces on (the default), a face detector that does not load stops the agent: it
   * never publishes snapshots with faces in the clear.
   */
  private async openFaceGuard(modelsDir: string): Promise<FaceGuardPort | undefined> {
    const s = this.o.config.snapshots;
    if (!s.enabled) return undefined;
    if (!s.blurFaces) {
      this.log.warn(
        'snapshots.blurFaces is false: faces in snapshots are NOT blurred (reported in the status)',
      );
      return undefined;
    }
    if (this.o.faces) return this.o.faces;
    try {
      this.faceFinder = await WorkerFaceFinder.open({ modelsDir, threads: 1, minScore: s.faceMinScore });
    } catch (e) {
      throw new XlError(
        'EDGE_FACE_BLUR_UNAVAILABLE',
        `snapshots.blurFaces is on but the face detector did not load (${(e as Error).message}); run 'xueliang models build', or set snapshots.blurFaces: false explicitly`,
        undefined,
        { cause: e },
      );
    }
    return new FaceGuard(this.faceFinder, {
      ...FACE_GUARD_DEFAULTS,
      headFrac: s.blurHeads ? FACE_GUARD_DEFAULTS.headFrac : 0,
    });
  }

  private addCamera(cam: GatewayConfig['cameras'][number], plates: PlateReaderPort | undefined): void {
    const c = this.o.config;
    if (this.cameras.has(cam.id))
      throw new XlError('EDGE_CONFIG', `camera ${cam.id} appears twice in the config`, { camera: cam.id });
    const log = this.log.child({ camera: cam.id });
    const pipeline = new CameraPipeline({
      gateway: c.gateway.id,
      camera: cam,
      config: c,
      labels: this.detector.labels,
      model: this.detector.name,
      newId: () => this.newId(),
      log,
      plates,
      faces: this.faces,
      pose: this.pose,
      ...(this.signals ? { phases: this.signals.phases } : {}),
    });
    const source = new CameraSource({
      id: cam.id,
      url: cam.url,
      fps: cam.fps,
      width: cam.width,
      height: cam.height,
      loop: cam.loop,
      speed: cam.speed,
      stallMs: c.sources.stallMs,
      backoff: {
        initialMs: c.sources.reconnectInitialMs,
        maxMs: c.sources.reconnectMaxMs,
        factor: 2,
        jitter: 0.2,
      },
      ffmpegPath: c.sources.ffmpegPath,
      log,
    });
    const rt: CameraRuntime = {
      id: cam.id,
      source,
      pipeline,
      status: source.status(),
      chain: Promise.resolve(),
      backlog: 0,
      detecting: false,
      processed: 0,
      skipped: 0,
      cropped: 0,
      coasted: 0,
      zoomed: 0,
      gate: c.motion.enabled
        ? new MotionGate({
            stillCheckMs: c.motion.stillCheckMs,
            cropMaxFraction: c.motion.cropMaxFraction,
            coastFrames: c.motion.coastFrames,
            motion: { threshold: c.motion.threshold },
          })
        : undefined,
      lastFull: undefined,
      decodeBase: undefined,
      sightings: 0,
      events: 0,
      flushed: false,
    };
    this.cameras.set(cam.id, rt);
    const lossless = cam.speed === 0 && !isStreamUrl(cam.url);
    this.scheduler.addCamera(cam.id, {
      lossless,
      pause: () => source.pause(),
      resume: () => source.resume(),
      onDrop: () => this.metrics.framesDropped.inc({ camera: cam.id }),
    });
    source.on('frame', (f) => {
      this.metrics.framesIn.inc({ camera: cam.id });
      this.scheduler.offer(cam.id, f);
    });
    source.on('status', (s) => this.onStatus(rt, s));
  }

  private onStatus(rt: CameraRuntime, s: SourceStatus): void {
    if (s.state === 'reconnecting' && s.reconnects > rt.status.reconnects)
      this.metrics.reconnects.inc({ camera: rt.id });
    rt.status = s;
    this.metrics.cameraUp.set({ camera: rt.id }, s.state === 'streaming' ? 1 : 0);
    void this.status?.publish();
    if (s.state === 'ended') {
      // A finished file: once its last frame is through, end its tracks (their sightings).
      void this.whenSlotEmpty(rt.id).then(() => this.flushCamera(rt));
    }
  }

  private async whenSlotEmpty(id: string): Promise<void> {
    const rt = this.cameras.get(id);
    while ((this.scheduler.slot(id)?.full || rt?.detecting) && !this.stopped)
      await new Promise((r) => setTimeout(r, 20));
  }

  private flushCamera(rt: CameraRuntime): Promise<void> {
    if (rt.flushed) return rt.chain;
    rt.flushed = true;
    rt.chain = rt.chain.then(async () => this.deliver(rt, await rt.pipeline.flush(), undefined));
    return rt.chain;
  }

  /** The detector stage (scheduler loop): detect, then hand over to the camera's chain. */
  private async detect(id: string, f: CameraFrame): Promise<void> {
    const rt = this.cameras.get(id);
    if (!rt || rt.flushed) return;
    let plan: GatePlan = { kind: 'full' };
    if (rt.gate) {
      const g0 = performance.now();
      const { width: w, height: h } = f.frame;
      const steady =
        rt.gate.options.coastFrames > 1
          ? rt.pipeline.steadyTracks(f.tsMs)?.map((b) => [b[0] * w, b[1] * h, b[2] * w, b[3] * h])
          : undefined;
      plan = rt.gate.plan(f.frame, f.tsMs, steady);
      this.sample('motion', id, performance.now() - g0);
    }
    if (plan.kind === 'skip' || plan.kind === 'coast') {
      rt.processed++;
      rt.skipped++;
      if (plan.kind === 'coast') rt.coasted++;
      return;
    }
    rt.detecting = true;
    let dets: Detections;
    let t: DetectTimings;
    try {
      while (rt.backlog >= MAX_BACKLOG) await rt.chain;
      const { minScore, tiles, tileMinScore, tileSplitGroups, smallMinScore, zoomCrops, zoomMinScore } =
        this.o.config.model;
      if (plan.kind === 'full') {
        ({ detections: dets, timings: t } = await detectTiled(this.detector, f.frame, tiles, {
          minScore,
          tileMinScore,
          splitGroups: tileSplitGroups,
          smallMinScore,
        }));
        if (rt.gate) rt.lastFull = dets;
      } else {
        const parts: Array<{ detections: Detections; region: readonly number[] }> = [];
        t = { preprocessMs: 0, runMs: 0, decodeMs: 0 };
        for (const region of plan.regions) {
          const [x1, y1, x2, y2] = region;
          const r = await this.detector.detectTimed(cropFrame(f.frame, x1, y1, x2, y2), { minScore });
          parts.push({ detections: r.detections, region });
          t = {
            preprocessMs: t.preprocessMs + r.timings.preprocessMs,
            runMs: t.runMs + r.timings.runMs,
            decodeMs: t.decodeMs + r.timings.decodeMs,
          };
        }
        dets = withCarriedOver(parts, rt.lastFull);
        rt.cropped++;
      }
      if (rt.gate && zoomCrops > 0) {
        const views = zoomViews(rt.gate.lastMotion, f.frame.width, f.frame.height, {
          ...DEFAULT_ZOOM,
          crops: zoomCrops,
        });
        ({ detections: dets, timings: t } = await detectZoomed(
          this.detector,
          f.frame,
          { detections: dets, timings: t },
          views,
          { minScore, zoomMinScore },
        ));
        rt.zoomed += views.length;
      }
    } finally {
      rt.detecting = false;
    }
    this.sample('preprocess', id, t.preprocessMs);
    this.sample('inference', id, t.runMs + t.decodeMs);
    this.metrics.inferenceSeconds.observe({ model: this.detector.name }, t.runMs / 1000);
    this.metrics.framesProcessed.inc({ camera: id });
    rt.processed++;
    rt.backlog++;
    rt.chain = rt.chain
      .then(() => this.post(rt, f, dets))
      .catch((e: unknown) => this.log.error({ camera: id, err: e }, 'post-processing failed'))
      .finally(() => {
        rt.backlog--;
      });
  }

  private async post(rt: CameraRuntime, f: CameraFrame, dets: Detections): Promise<void> {
    const out = await rt.pipeline.process(f, dets);
    this.sample('tracking', rt.id, out.trackingMs);
    this.sample('attributes', rt.id, out.attributesMs);
    await this.deliver(rt, out, f);
    this.metrics.tracksActive.set({ camera: rt.id }, rt.pipeline.tracks);
  }

  /** Snapshots into the spool first, then the hits that name them. */
  private async deliver(rt: CameraRuntime, out: CameraOutput, f: CameraFrame | undefined): Promise<void> {
    const t0 = performance.now();
    for (const s of out.snapshots) {
      await this.publisher.addSnapshot(s.id, s.jpeg);
      this.metrics.snapshotsPublished.inc({ camera: rt.id });
    }
    for (const h of out.hits) {
      this.publisher.addHit(h);
      this.metrics.hitsPublished.inc({ camera: rt.id, kind: h.kind });
      if (h.kind === 'sighting') rt.sightings++;
      else rt.events++;
    }
    if (f) {
      this.sample('publish', rt.id, out.publishMs + (performance.now() - t0));
      this.stages.latency(rt.id, Date.now() - f.receivedMs);
    }
  }

  /** Decode stage: each ffmpeg's CPU time per frame over the last second. */
  private sampleDecode(): void {
    for (const rt of this.cameras.values()) {
      const cpu = rt.source.ffmpegCpuMs();
      const frames = rt.source.status().framesIn;
      const prev = rt.decodeBase;
      rt.decodeBase = cpu === undefined ? undefined : { cpuMs: cpu, frames };
      if (cpu === undefined || !prev || cpu < prev.cpuMs || frames <= prev.frames) continue;
      this.sample('decode', rt.id, (cpu - prev.cpuMs) / (frames - prev.frames));
    }
  }

  private sample(stage: Stage, camera: string, ms: number): void {
    this.stages.stage(stage, camera, ms);
  }

  // ── status ────────────────────────────────────────────────────────────────────────────

  /** The retained status document. */
  statusDocument(state: GatewayStatus['state'] = 'online'): GatewayStatus {
    const cameras: GatewayStatus['cameras'] = {};
    for (const c of this.cameraStats()) {
      const { camera: _c, error, ...rest } = c.status;
      const fps = this.fps.fps(c.id);
      cameras[c.id] = {
        ...rest,
        // Within the contract's bounds: ffmpeg's last stderr line can be long (URLs).
        ...(error ? { error: { code: error.code.slice(0, 64), message: error.message.slice(0, 512) } } : {}),
        framesProcessed: c.framesProcessed,
        framesDropped: c.framesDropped,
        ...(fps !== undefined ? { fps } : {}),
        blurFaces: this.o.config.snapshots.blurFaces,
      };
    }
    return { v: 1, gateway: this.o.config.gateway.id, state, tsMs: Date.now(), cameras };
  }

  // ── introspection ─────────────────────────────────────────────────────────────────────

  get metricsUrl(): string | undefined {
    return this.metricsServer
      ? `http://${this.o.metricsHost ?? '127.0.0.1'}:${this.metricsServer.port}/metrics`
      : undefined;
  }

  get detectorName(): string {
    return this.detector.name;
  }

  cameraStats(): CameraStats[] {
    return [...this.cameras.values()].map((rt) => {
      const slot = this.scheduler.slot(rt.id);
      const live = rt.source.status();
      return {
        id: rt.id,
        status: { ...rt.status, framesIn: live.framesIn, lastFrameMs: live.lastFrameMs },
        framesIn: live.framesIn,
        framesProcessed: rt.processed,
        framesSkipped: rt.skipped,
        framesCropped: rt.cropped,
        framesCoasted: rt.coasted,
        zoomCrops: rt.zoomed,
        framesDropped: slot?.dropped ?? 0,
        sightings: rt.sightings,
        events: rt.events,
        tracks: rt.pipeline.tracks,
      };
    });
  }

  /** Rule firings per rule id of a camera. */
  firings(camera: string): ReadonlyMap<string, number> {
    return this.cameras.get(camera)?.pipeline.firings ?? new Map();
  }

  publisherStats(): PublisherStats {
    return this.publisher.stats();
  }

  /** Median (and p95) of each stage's samples, ms. */
  stageStats(): Record<StageName, { p50: number; p95: number; n: number }> {
    return this.stages.summary();
  }

  /** CPU ms used so far by the cameras' running ffmpeg processes (benchmarks: cost per frame). */
  sourcesCpuMs(): number {
    let t = 0;
    for (const rt of this.cameras.values()) t += rt.source.ffmpegCpuMs() ?? 0;
    return t;
  }

  /** Holds (or releases) every lossless file camera: no new frames while held (benchmarks). */
  holdSources(held: boolean): void {
    for (const rt of this.cameras.values()) rt.source.hold(held);
  }

  /** Forgets the stage samples (benchmarks: after warm-up). */
  resetStageStats(): void {
    this.stages.reset();
  }

  health() {
    return { ...this.statusDocument(), publisher: this.publisher?.stats() };
  }

  /**
   * Resolves once every camera is a file that has ended and all its frames and sightings are
   * through the pipeline and in the publisher (tests, benchmarks). Never for live cameras.
   */
  async idle(): Promise<void> {
    for (;;) {
      const all = [...this.cameras.values()];
      if (all.every((rt) => rt.status.state === 'ended' && rt.flushed)) {
        await Promise.all(all.map((rt) => rt.chain));
        await this.publisher.flush();
        return;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Waits until the spool is empty (everything acked), up to `timeoutMs`; true when drained. */
  async drained(timeoutMs: number): Promise<boolean> {
    const t0 = Date.now();
    while (Date.now() - t0 < timeoutMs) {
      await this.publisher.flush();
      if (this.publisher.drained()) return true;
      await new Promise((r) => setTimeout(r, 100));
    }
    return this.publisher.drained();
  }

  /**
   * Stops cameras, ends every track (their sightings go to the spool), closes the publisher
   * (unacked messages stay in the spool for the next start) and the status connection.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    await this.shutdown(true);
    this.log.info('edge agent stopped');
  }

  /** Simulates a crash (tests): connections dropped without a clean close, nothing flushed. */
  async kill(): Promise<void> {
    await this.shutdown(false);
  }

  /** Stop and kill alike: sources, scheduler, then (clean) flush, status `stopped`, publisher close. */
  private async shutdown(clean: boolean): Promise<void> {
    this.stopped = true;
    clearInterval(this.statusTimer);
    await Promise.all([...this.cameras.values()].map((rt) => rt.source.stop()));
    await this.scheduler.stop();
    if (clean) {
      for (const rt of this.cameras.values()) await this.flushCamera(rt).catch(() => {});
      await this.status?.stop();
      if (this.publisher)
        await this.publisher
          .close()
          .catch((e: unknown) => this.log.warn({ err: e }, 'publisher close failed'));
    } else {
      this.status?.kill();
      this.publisher?.kill();
    }
    if (this.spool) await this.spool.close();
    await this.signals?.close();
    await this.metricsServer?.close();
    await this.ownDetector?.close();
    await this.plateReader?.close();
    await this.faceFinder?.close();
    await this.pose?.release();
  }
}

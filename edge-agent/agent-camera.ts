/**
 * The per-camera half of the agent: everything after the shared detector. One frame's
 * detections (frame pixels) → tracker → rules → attributes → hits and snapshots.
 *
 * Pure cores do the work (ByteTracker, RuleEngine, TrackProfiles, hit builder); this module
 * adds what needs a frame or I/O: colour and appearance measurements on the frame, crops held
 * for snapshots and plate reads, JPEG encoding and the plate reader (both async, off the
 * detector's path). Every per-track map here is evicted when the tracker ends the track, when
 * its sighting is emitted at `maxTrackMs`, and when it goes stale.
 */
import type { GatewayConfig } from '../contracts/config/gateway.js';
import type { Hit } from '../contracts/hit.js';
import type { Logger } from '../contracts/log.js';
import { checkHit } from '../contracts/validate.js';
import { Detections } from '../models/detections.js';
import type { RgbFrame } from '../models/frame.js';
import { appearanceHistogram } from './attributes/appearance.js';
import type { ColourResult, RgbImage } from './attributes/colour.js';
import { isMonochromeFrame } from './attributes/colour.js';
import { personColours, vehicleColour } from './attributes/crops.js';
import type { BodyKeypoints } from './attributes/pose.js';
import { sightingTypeOf, vehicleTypeOf } from './attributes/labels.js';
import { PlateReads } from './attributes/plates.js';
import {
  type ColourObservation,
  type TrackObservation,
  type TrackProfile,
  TrackProfiles,
} from './attributes/track-profile.js';
import { steadyTrackBoxes } from './coast.js';
import { type Box, normaliseBoxes } from './geometry.js';
import { type BuildOptions, buildEventHit, buildSightingHit } from './hit-builder.js';
import { RuleEngine, type RuleFiring } from './rules/engine.js';
import { encodeEventFrame } from './event-frame.js';
import type { FaceGuardPort } from './privacy/face-guard.js';
import type { PhaseSource } from './rules/red-light.js';
import { encodeSnapshot, type HeldCrop, holdCrop } from './snapshot.js';
import type { CameraFrame } from './source/camera-source.js';
import { ByteTracker } from './tracker/tracker.js';

type Camera = GatewayConfig['cameras'][number];

/** Reads plates in vehicle crops (models/plates PlateReader). */
export interface PlateReaderPort {
  readPlates(
    frame: RgbFrame,
    boxesPx?: ReadonlyArray<readonly [number, number, number, number]>,
  ): Promise<Array<{ text: string; score: number }>>;
}

/** A snapshot to publish. */
export interface SnapshotOut {
  id: string;
  tsMs: number;
  jpeg: Buffer;
}

/** What one frame (or a flush) produced. */
export interface CameraOutput {
  hits: Hit[];
  snapshots: SnapshotOut[];
  /** Per-stage time of this frame, ms. */
  trackingMs: number;
  attributesMs: number;
  publishMs: number;
}

export interface CameraPipelineOptions {
  gateway: string;
  camera: Camera;
  config: Pick<GatewayConfig, 'tracker' | 'attributes' | 'snapshots'>;
  labels: readonly string[];
  model: string;
  newId: () => string;
  log: Logger;
  plates?: PlateReaderPort | undefined;
  /** Blurs faces before a snapshot is encoded; required when `snapshots.blurFaces`. */
  faces?: FaceGuardPort | undefined;
  /** Signal phases for red_light rules (edge-agent/signals.ts). */
  phases?: PhaseSource;
  /** Body keypoints for clothing colours (`attributes.keypoints`, edge-agent/attributes/pose.ts). */
  pose?: PosePort | undefined;
}

/** Finds body keypoints of a person box (edge-agent/attributes/pose.ts PoseEstimator). */
export interface PosePort {
  estimate(frame: RgbFrame, boxPx: readonly [number, number, number, number]): Promise<BodyKeypoints>;
}

/** Vehicle crops kept per track for plate reading (the best few by box height). */
interface PlateCrop {
  crop: HeldCrop;
  heightPx: number;
}

const STALE_MS_FACTOR = 5;

export class CameraPipeline {
  private readonly tracker: ByteTracker;
  private readonly rules: RuleEngine;
  private readonly profiles: TrackProfiles;
  private readonly bestCrops = new Map<number, HeldCrop>();
  private readonly plateCrops = new Map<number, PlateCrop[]>();
  private readonly tracked: ReadonlySet<number>;
  private frameNo = 0;
  private lastTsMs = 0;
  /** This frame's person boxes (0..1): every crop held from it blurs their heads. */
  private framePersons: Array<readonly [number, number, number, number]> = [];
  private readonly personClass: number;
  /** Rule firings that produced hits (by rule id), for tests and the demo. */
  readonly firings = new Map<string, number>();

  constructor(private readonly o: CameraPipelineOptions) {
    const { tracker, attributes } = o.config;
    const labelIds = (names: readonly string[]) =>
      names.map((n) => o.labels.indexOf(n)).filter((i) => i >= 0);
    const ruleClasses = o.camera.rules.flatMap((r) =>
      r.type === 'abandoned_object' ? [...r.classes, ...r.ownerClasses] : r.classes,
    );
    this.tracked = new Set(labelIds([...tracker.classes, ...ruleClasses]));
    this.personClass = o.labels.indexOf('person');
    this.tracker = new ByteTracker({
      lostTrackMs: tracker.lostTrackMs,
      minHits: tracker.minHits,
      highScore: tracker.highScore,
      newTrackScore: tracker.newTrackScore,
      lowScore: 0,
      // A car seen as a truck in a few frames stays one track (COCO car, bus, truck).
      classGroups: [labelIds(['car', 'bus', 'truck'])],
    });
    this.rules = new RuleEngine(
      { zones: o.camera.zones, lines: o.camera.lines, rules: o.camera.rules },
      {
        labels: o.labels,
        staleTrackMs: tracker.lostTrackMs * STALE_MS_FACTOR,
        ...(o.phases ? { phases: o.phases } : {}),
      },
    );
    this.profiles = new TrackProfiles({
      maxTrackMs: tracker.maxTrackMs,
      aspect: o.camera.width / o.camera.height,
      cameraHeadingDeg: o.camera.headingDeg,
      maxPlateReads: attributes.plateReadsPerTrack,
    });
  }

  /** Entries held in per-track maps (tests check it returns to 0 after a flush). */
  get size(): number {
    return (
      this.tracker.size + this.rules.size + this.profiles.size + this.bestCrops.size + this.plateCrops.size
    );
  }

  /** Tracks held by the tracker. */
  get tracks(): number {
    return this.tracker.size;
  }

  /**
   * Predicted boxes (0..1, at `tsMs`) of the steady tracks the motion gate may coast on, or
   * undefined when it may not (./coast.ts).
   */
  steadyTracks(tsMs: number): Box[] | undefined {
    return steadyTrackBoxes(this.tracker.tracksInfo(tsMs), this.o.camera);
  }

  /** Runs everything after the detector on one frame. */
  async process(f: CameraFrame, detsPx: Detections): Promise<CameraOutput> {
    const t0 = performance.now();
    const { width, height } = f.frame;
    this.frameNo++;
    this.lastTsMs = f.tsMs;
    const keep = Array.from(detsPx.classId, (c) => this.tracked.has(c));
    const sel = detsPx.filter(keep);
    const norm = new Detections({
      xyxy: normaliseBoxes(sel.xyxy, width, height),
      score: sel.score,
      classId: sel.classId,
    });
    this.framePersons = [];
    for (let i = 0; i < norm.length; i++)
      if (norm.classId[i] === this.personClass) this.framePersons.push(norm.box(i));
    const { detections, events } = this.tracker.update(norm, f.tsMs, this.histograms(f.frame, sel));
    const ended = events.filter((e) => e.kind === 'ended').map((e) => e.trackId);
    const firings = this.rules.update({ detections, tsMs: f.tsMs, endedTrackIds: ended });
    const t1 = performance.now();

    await this.observe(f.frame, detections, f.tsMs);
    const t2 = performance.now();

    const out: CameraOutput = {
      hits: [],
      snapshots: [],
      trackingMs: t1 - t0,
      attributesMs: t2 - t1,
      publishMs: 0,
    };
    for (const firing of firings) await this.eventHit(firing, f.frame, out);
    const profiles: TrackProfile[] = [];
    for (const id of ended) {
      const p = this.profiles.end(id);
      if (p) profiles.push(p);
    }
    profiles.push(...this.profiles.due(f.tsMs));
    const stale = this.profiles.evictStale(f.tsMs, this.o.config.tracker.lostTrackMs * STALE_MS_FACTOR);
    profiles.push(...stale);
    for (const p of profiles) await this.sightingHit(p, out);
    for (const id of ended) this.forget(id);
    // A profile gone stale without an `ended` event (a safety net): its crops go with it.
    for (const p of stale) this.forget(p.trackId);
    out.publishMs = performance.now() - t2;
    return out;
  }

  /** Ends every track (agent stop, end of a file): their sightings. */
  async flush(): Promise<CameraOutput> {
    const out: CameraOutput = { hits: [], snapshots: [], trackingMs: 0, attributesMs: 0, publishMs: 0 };
    const ended = this.tracker
      .flush(this.lastTsMs)
      .filter((e) => e.kind === 'ended')
      .map((e) => e.trackId);
    this.rules.update({ detections: Detections.empty(), tsMs: this.lastTsMs, endedTrackIds: ended });
    const profiles: TrackProfile[] = [];
    for (const id of ended) {
      const p = this.profiles.end(id);
      if (p) profiles.push(p);
    }
    profiles.push(...this.profiles.evictStale(Number.POSITIVE_INFINITY, 0));
    for (const p of profiles) await this.sightingHit(p, out);
    for (const id of ended) this.forget(id);
    this.bestCrops.clear();
    this.plateCrops.clear();
    return out;
  }

  /** Every box's colour histogram for the tracker's appearance terms (edge-agent/tracker/appearance-cost.ts), when on. */
  private histograms(frame: RgbFrame, detsPx: Detections): Float32Array[] | undefined {
    if (!this.o.config.tracker.appearance) return undefined;
    const img: RgbImage = { data: frame.data, widthPx: frame.width, heightPx: frame.height };
    return Array.from({ length: detsPx.length }, (_, i) =>
      appearanceHistogram(img, detsPx.box(i), detsPx.classId[i] === this.personClass),
    );
  }

  private forget(trackId: number): void {
    this.bestCrops.delete(trackId);
    this.plateCrops.delete(trackId);
  }

  /** Colours, appearance, best crops and plate crops of every tracked box in this frame. */
  private async observe(frame: RgbFrame, d: Detections, tsMs: number): Promise<void> {
    if (!d.trackId || d.length === 0) return;
    const img: RgbImage = { data: frame.data, widthPx: frame.width, heightPx: frame.height };
    const monochrome = isMonochromeFrame(img);
    const { attributes, snapshots } = this.o.config;
    const measure = this.frameNo % attributes.everyFrames === 0;
    for (let i = 0; i < d.length; i++) {
      const trackId = d.trackId[i]!;
      const classId = d.classId[i]!;
      const label = this.o.labels[classId] ?? `class_${classId}`;
      const boxNorm = d.box(i);
      const boxPx: [number, number, number, number] = [
        boxNorm[0] * frame.width,
        boxNorm[1] * frame.height,
        boxNorm[2] * frame.width,
        boxNorm[3] * frame.height,
      ];
      const obs: TrackObservation = { trackId, tsMs, classId, label, score: d.score[i]!, boxNorm };
      const type = sightingTypeOf(label);
      if (measure) {
        if (type === 'person') {
          const kp = this.o.pose && !monochrome ? await this.o.pose.estimate(frame, boxPx) : undefined;
          const c = personColours(img, boxPx, { monochrome }, kp);
          obs.upper = colourObservation(c.upper);
          obs.lower = colourObservation(c.lower);
        } else if (vehicleTypeOf(label)) {
          obs.colour = colourObservation(vehicleColour(img, boxPx, { monochrome }));
        }
        obs.appearance = appearanceHistogram(img, boxPx, type === 'person');
      }
      const { newBest } = this.profiles.observe(obs);
      if (newBest && snapshots.enabled)
        this.bestCrops.set(trackId, holdCrop(frame, boxNorm, snapshots.margin, this.framePersons));
      if (this.o.plates && type === 'vehicle' && boxPx[3] - boxPx[1] >= attributes.plateMinHeightPx) {
        this.holdPlateCrop(trackId, frame, boxNorm, boxPx[3] - boxPx[1]);
      }
    }
  }

  /** Keeps the `plateReadsPerTrack` largest crops of a vehicle (largest: most plate pixels). */
  private holdPlateCrop(
    trackId: number,
    frame: RgbFrame,
    boxNorm: readonly [number, number, number, number],
    heightPx: number,
  ): void {
    const k = this.o.config.attributes.plateReadsPerTrack;
    const list = this.plateCrops.get(trackId) ?? [];
    if (list.length >= k && heightPx <= Math.min(...list.map((c) => c.heightPx))) return;
    list.push({ crop: holdCrop(frame, boxNorm, 0.05), heightPx });
    list.sort((a, b) => b.heightPx - a.heightPx);
    list.length = Math.min(list.length, k);
    this.plateCrops.set(trackId, list);
  }

  private async readPlate(trackId: number): Promise<TrackProfile['plate']> {
    const crops = this.plateCrops.get(trackId);
    if (!this.o.plates || !crops?.length) return undefined;
    const reads = new PlateReads(crops.length * 2);
    for (const c of crops) {
      try {
        for (const r of await this.o.plates.readPlates(c.crop.frame))
          reads.add({ text: r.text, score: r.score });
      } catch (e) {
        this.o.log.warn({ err: e, trackId }, 'plate read failed');
      }
    }
    return reads.consensus();
  }

  private async snapshot(
    crop: HeldCrop | undefined,
    out: CameraOutput,
    tsMs: number,
  ): Promise<BuildOptions['snapshot']> {
    const s = this.o.config.snapshots;
    if (!s.enabled || !crop) return undefined;
    const shown = await this.blurred(crop);
    if (!shown) return undefined;
    const jpeg = await encodeSnapshot(shown, { quality: s.quality, maxSidePx: s.maxSidePx });
    const id = this.o.newId();
    out.snapshots.push({ id, tsMs, jpeg });
    return { id, cropNorm: crop.cropNorm };
  }

  /** The event's whole frame with its box and zone drawn, published like a snapshot; its id. */
  private async eventFrame(
    firing: RuleFiring,
    frame: RgbFrame,
    out: CameraOutput,
  ): Promise<string | undefined> {
    const s = this.o.config.snapshots;
    if (!s.eventFrame) return undefined;
    const zone = this.o.camera.zones.find((z) => z.id === firing.zone);
    const line = zone ? undefined : this.o.camera.lines.find((l) => l.id === firing.zone);
    const points = zone ? zone.polygon : line ? [line.from, line.to] : [];
    // The whole frame leaves the gateway too: the same face guard as every snapshot.
    const shown = await this.blurred(holdCrop(frame, [0, 0, 1, 1], 0, this.framePersons));
    if (!shown) return undefined;
    const jpeg = await encodeEventFrame(
      shown.frame,
      { boxNorm: firing.box, zone: points as Array<[number, number]>, isLine: !zone && !!line },
      { quality: s.quality, maxSidePx: s.frameMaxSidePx },
    );
    const id = this.o.newId();
    out.snapshots.push({ id, tsMs: firing.tsMs, jpeg });
    return id;
  }

  /**
   * The crop as it may leave the gateway: faces and heads pixelated when `blurFaces` (the
   * default). Fails closed: without a face guard, or when it fails, no snapshot is made.
   */
  private async blurred(crop: HeldCrop): Promise<HeldCrop | undefined> {
    if (!this.o.config.snapshots.blurFaces) return crop;
    if (!this.o.faces) {
      this.o.log.error('snapshots.blurFaces is on but no face detector is loaded; snapshot dropped');
      return undefined;
    }
    const { width: w, height: h } = crop.frame;
    const persons = (crop.personsNorm ?? []).map((p) => [p[0] * w, p[1] * h, p[2] * w, p[3] * h]);
    try {
      const p = await this.o.faces.protect(crop.frame, persons);
      return { ...crop, frame: p.frame };
    } catch (e) {
      this.o.log.error({ err: (e as Error).message }, 'face blur failed; snapshot dropped');
      return undefined;
    }
  }

  private async sightingHit(p: TrackProfile, out: CameraOutput): Promise<void> {
    if (p.frames < this.o.config.tracker.minSightingFrames) return;
    const plate = await this.readPlate(p.trackId);
    const profile = plate ? { ...p, plate } : p;
    const snapshot = await this.snapshot(this.bestCrops.get(p.trackId), out, p.best.tsMs);
    if (p.partial) this.forget(p.trackId);
    const hit = buildSightingHit(profile, {
      ctx: this.ctx(),
      newId: this.o.newId,
      ...(snapshot ? { snapshot } : {}),
    });
    this.push(hit, out);
  }

  private async eventHit(firing: RuleFiring, frame: RgbFrame, out: CameraOutput): Promise<void> {
    const crop = holdCrop(frame, firing.box, this.o.config.snapshots.margin, this.framePersons);
    const snapshot = await this.snapshot(crop, out, firing.tsMs);
    const frameId = snapshot ? await this.eventFrame(firing, frame, out) : undefined;
    const hit = buildEventHit(firing, {
      ctx: this.ctx(),
      newId: this.o.newId,
      ...(snapshot ? { snapshot } : {}),
      ...(frameId ? { frame: frameId } : {}),
    });
    this.firings.set(firing.rule, (this.firings.get(firing.rule) ?? 0) + 1);
    this.push(hit, out);
  }

  private push(hit: Hit, out: CameraOutput): void {
    const r = checkHit(hit);
    if (!r.ok) {
      // A bug, not bad input: log it and keep the pipeline going.
      this.o.log.error({ reason: r.reason, detail: r.detail, hit }, 'built an invalid hit; dropped');
      return;
    }
    out.hits.push(hit);
  }

  private ctx() {
    return { gateway: this.o.gateway, camera: this.o.camera.id, model: this.o.model };
  }
}

/** One frame's colour result as a track observation (winner, its share, the second candidate). */
function colourObservation(r: ColourResult): ColourObservation {
  return r.second
    ? { colour: r.colour, confidence: r.confidence, second: r.second }
    : { colour: r.colour, confidence: r.confidence };
}

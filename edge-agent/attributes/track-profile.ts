/**
 * Per-track accumulation of everything a sighting needs: timing, the best shot, votes over
 * class and colours, first and last anchors for the direction, the appearance average and
 * the plate reads — each bounded in memory — and the decision of *when* a track's one
 * sighting is due (when it ends, or once it has lived `maxTrackMs`).
 *
 * Eviction: a profile leaves the map on `end(trackId)` (the tracker's `ended` event) or in
 * `due()` once it is emitted at `maxTrackMs` (a small tombstone remembers that until `end`);
 * `evictStale` drops anything unseen for `staleMs` (a missed `ended`).
 */
import type { Colour } from '../../contracts/hit.js';
import type { Box, Point } from '../geometry.js';
import { AppearanceAccumulator } from './appearance.js';
import { type Direction, directionOf } from './direction.js';
import { type PlateConsensus, type PlateRead, PlateReads } from './plates.js';
import { secondCandidate, Vote, type VoteResult } from './vote.js';

/** A colour observed in one frame with its share (confidence) in the region. */
export interface ColourObservation {
  colour: Colour;
  confidence: number;
  /** This frame's second candidate (close runner-up), if any. */
  second?: Colour;
}

/** What the pipeline learnt about one track in one frame. Only the fields measured this frame are set. */
export interface TrackObservation {
  trackId: number;
  tsMs: number;
  classId: number;
  label: string;
  score: number;
  /** Normalised `[x1, y1, x2, y2]`. */
  boxNorm: Box;
  upper?: ColourObservation;
  lower?: ColourObservation;
  colour?: ColourObservation;
  /** Raw 2 × 16-float appearance histogram of this frame (see `appearanceHistogram`, contracts/appearance.ts). */
  appearance?: Float32Array;
  plate?: PlateRead;
}

/** The best shot of a track so far (the snapshot frame). */
export interface BestShot {
  tsMs: number;
  boxNorm: [number, number, number, number];
  score: number;
  quality: number;
}

/** A finished (or `maxTrackMs`-old) track's summary: the input of the sighting hit. */
export interface TrackProfile {
  trackId: number;
  label: string;
  classId: number;
  firstSeenMs: number;
  lastSeenMs: number;
  frames: number;
  best: BestShot;
  upper?: VoteResult<Colour>;
  lower?: VoteResult<Colour>;
  colour?: VoteResult<Colour>;
  /** Second candidate colours over the track (see `secondCandidate`), when one is close. */
  upper2?: Colour;
  lower2?: Colour;
  colour2?: Colour;
  direction?: Direction;
  plate?: PlateConsensus;
  /** The track's averaged 32-byte appearance descriptor (contracts/appearance.ts). */
  appearance?: Uint8Array;
  /** True when emitted because the track reached `maxTrackMs` (it may still be going on). */
  partial: boolean;
}

/** Options of {@link TrackProfiles}. */
export interface TrackProfilesOptions {
  /** A track living this long gets its sighting now rather than at its end. */
  maxTrackMs: number;
  /** Frame width ÷ height, for directions. */
  aspect?: number;
  /** Compass bearing of image-up (see `directionOf`). */
  cameraHeadingDeg?: number;
  /** Plate reads kept per track. */
  maxPlateReads?: number;
}

/**
 * Quality of a shot for the snapshot: large and confident wins (`score · √area`); a box
 * touching the frame border is probably cut off and counts half.
 */
export function shotQuality(boxNorm: Box, score: number): number {
  const area = Math.max(0, boxNorm[2] - boxNorm[0]) * Math.max(0, boxNorm[3] - boxNorm[1]);
  const edge = 0.005;
  const cut = boxNorm[0] <= edge || boxNorm[1] <= edge || boxNorm[2] >= 1 - edge || boxNorm[3] >= 1 - edge;
  return score * Math.sqrt(area) * (cut ? 0.5 : 1);
}

interface Profile {
  label: string;
  firstSeenMs: number;
  lastSeenMs: number;
  frames: number;
  best: BestShot;
  classes: Vote<string>;
  classIds: Map<string, number>;
  upper: Vote<Colour>;
  lower: Vote<Colour>;
  colour: Vote<Colour>;
  /** Per-frame second candidates, weighted by the frame's winner share. */
  seconds: { upper: Vote<Colour>; lower: Vote<Colour>; colour: Vote<Colour> };
  firstAnchor: Point;
  lastAnchor: Point;
  appearance: AppearanceAccumulator;
  plates: PlateReads;
}

/** Per-track profiles of one camera. */
export class TrackProfiles {
  private readonly live = new Map<number, Profile>();
  /** Tracks already emitted at maxTrackMs, by last-seen time (evicted on end or when stale). */
  private readonly emitted = new Map<number, number>();

  constructor(private readonly options: TrackProfilesOptions) {}

  /** Live profiles plus tombstones (0 once every track has ended). */
  get size(): number {
    return this.live.size + this.emitted.size;
  }

  /**
   * Folds one frame's observation in. Returns `newBest: true` when this frame is the track's
   * best shot so far — the caller should keep this frame's crop for the snapshot.
   */
  observe(o: TrackObservation): { newBest: boolean } {
    if (this.emitted.has(o.trackId)) {
      this.emitted.set(o.trackId, o.tsMs);
      return { newBest: false };
    }
    const quality = shotQuality(o.boxNorm, o.score);
    const anchor: Point = [(o.boxNorm[0] + o.boxNorm[2]) / 2, o.boxNorm[3]];
    let p = this.live.get(o.trackId);
    if (!p) {
      p = this.newProfile(o, anchor, quality);
      this.live.set(o.trackId, p);
    }
    p.lastSeenMs = Math.max(p.lastSeenMs, o.tsMs);
    p.frames++;
    p.lastAnchor = anchor;
    p.classes.add(o.label, o.score);
    p.classIds.set(o.label, o.classId);
    for (const k of ['upper', 'lower', 'colour'] as const) {
      const c = o[k];
      if (!c) continue;
      p[k].add(c.colour, c.confidence);
      if (c.second) p.seconds[k].add(c.second, c.confidence);
    }
    if (o.appearance) p.appearance.add(o.appearance, o.score);
    if (o.plate) p.plates.add(o.plate);
    const newBest = p.frames === 1 || quality > p.best.quality;
    if (newBest) p.best = { tsMs: o.tsMs, boxNorm: [...o.boxNorm], score: o.score, quality };
    return { newBest };
  }

  /** The track ended: its summary (undefined if never observed or already emitted) and its state dropped. */
  end(trackId: number): TrackProfile | undefined {
    this.emitted.delete(trackId);
    const p = this.live.get(trackId);
    if (!p) return undefined;
    this.live.delete(trackId);
    return this.summarise(trackId, p, false);
  }

  /** Summaries of tracks that have lived `maxTrackMs` by `nowMs`; each track is returned once. */
  due(nowMs: number): TrackProfile[] {
    const out: TrackProfile[] = [];
    for (const [id, p] of this.live) {
      if (nowMs - p.firstSeenMs < this.options.maxTrackMs) continue;
      out.push(this.summarise(id, p, true));
      this.live.delete(id);
      this.emitted.set(id, p.lastSeenMs);
    }
    return out;
  }

  /** Drops live profiles and tombstones unseen for more than `staleMs` (a missed `ended`), returning the live ones' summaries. */
  evictStale(nowMs: number, staleMs: number): TrackProfile[] {
    const out: TrackProfile[] = [];
    for (const [id, p] of this.live) {
      if (nowMs - p.lastSeenMs <= staleMs) continue;
      out.push(this.summarise(id, p, false));
      this.live.delete(id);
    }
    for (const [id, lastMs] of this.emitted) if (nowMs - lastMs > staleMs) this.emitted.delete(id);
    return out;
  }

  private newProfile(o: TrackObservation, anchor: Point, quality: number): Profile {
    return {
      label: o.label,
      firstSeenMs: o.tsMs,
      lastSeenMs: o.tsMs,
      frames: 0,
      best: { tsMs: o.tsMs, boxNorm: [...o.boxNorm], score: o.score, quality },
      classes: new Vote<string>(4),
      classIds: new Map(),
      upper: new Vote<Colour>(),
      lower: new Vote<Colour>(),
      colour: new Vote<Colour>(),
      seconds: { upper: new Vote<Colour>(), lower: new Vote<Colour>(), colour: new Vote<Colour>() },
      firstAnchor: anchor,
      lastAnchor: anchor,
      appearance: new AppearanceAccumulator(),
      plates: new PlateReads(this.options.maxPlateReads ?? 12),
    };
  }

  private summarise(trackId: number, p: Profile, partial: boolean): TrackProfile {
    const label = p.classes.result()?.value ?? p.label;
    const out: TrackProfile = {
      trackId,
      label,
      classId: p.classIds.get(label) ?? -1,
      firstSeenMs: p.firstSeenMs,
      lastSeenMs: p.lastSeenMs,
      frames: p.frames,
      best: p.best,
      partial,
    };
    const set = <K extends keyof TrackProfile>(k: K, v: TrackProfile[K] | undefined): void => {
      if (v !== undefined) out[k] = v;
    };
    for (const [k, k2] of [
      ['upper', 'upper2'],
      ['lower', 'lower2'],
      ['colour', 'colour2'],
    ] as const) {
      const r = p[k].result();
      set(k, r);
      if (r) set(k2, secondCandidate(p[k], p.seconds[k], r.value));
    }
    const dirOpts = {
      aspect: this.options.aspect ?? 1,
      cameraHeadingDeg: this.options.cameraHeadingDeg ?? 0,
    };
    set('direction', directionOf(p.firstAnchor, p.lastAnchor, dirOpts));
    set('plate', p.plates.consensus());
    set('appearance', p.appearance.descriptor());
    return out;
  }
}

/**
 * ByteTrack-style multi-object tracker (Zhang et al., "ByteTrack: Multi-Object Tracking by
 * Associating Every Detection Box", ECCV 2022; reference `yolox/tracker/byte_tracker.py`).
 *
 * Pure: `update(detections, nowMs)` → tracked detections plus lifecycle events. No clock and
 * no I/O; time comes only from `nowMs`, so replayed files and tests behave like cameras.
 *
 * Per frame:
 * 1. predict every track to `nowMs` (Kalman, real `dt`) and drop duplicate boxes of
 *    compatible classes (one vehicle detected as car and as truck);
 * 2. match confirmed and lost tracks to high-score detections (IoU, optionally × score; Hungarian);
 * 3. match the still-unmatched *tracked* tracks to low-score detections (plain IoU) —
 *    the "BYTE" step that recovers occluded, low-confidence boxes;
 * 4. match tentative tracks to the remaining high-score detections; unmatched tentative
 *    tracks die; a tentative track with `minHits` matches is confirmed and gets its id;
 * 5. start tentative tracks from remaining detections scoring ≥ `newTrackScore`;
 * 6. tracks lost for more than `lostTrackMs` end and are evicted.
 *
 * With per-detection appearance (a colour histogram per row, `update`'s third argument), a
 * track keeps a moving average of its boxes' histograms and steps 2–3 become DeepSORT /
 * BoT-SORT-like (./appearance-cost.ts): a pair whose appearance distance exceeds
 * `appearanceGate` is never matched once the track has `appearanceMinSamples` samples (so a
 * track does not carry over to the next person walking into its box: an abrupt change of
 * appearance ends the match and the newcomer starts its own track), the distance adds
 * `appearanceWeight ×` itself to the cost, and between steps 2 and 4 lost tracks are
 * re-linked to unmatched detections of a close appearance near their predicted box
 * (`reidDistance`, `reidRadius`). Without appearance the tracker is the plain IoU tracker.
 *
 * Eviction rules (every per-track structure): the one `tracks` map loses a tentative track
 * on its first miss, a lost track after `lostTrackMs` without a match, and the oldest lost
 * tracks first when more than `maxTracks` exist; `flush()` ends everything.
 */
import { Detections } from '../../models/detections.js';
import { iouMatrix } from '../geometry.js';
import { histogramDistance } from './appearance-cost.js';
import { type Assignment, assign, assignGreedy } from './assignment.js';
import { kalmanBox, kalmanPredict } from './kalman.js';
import { Track } from './track.js';

/** Tracker tuning; see {@link DEFAULT_TRACKER_OPTIONS}. Detections must reach the tracker down to `lowScore`. */
export interface TrackerOptions {
  /** Detections scoring at least this take part in the first association. */
  highScore: number;
  /** Detections between this and `highScore` take part in the second (low-score) association. */
  lowScore: number;
  /** A detection must score at least this to start a track (ByteTrack: track_thresh + 0.1). */
  newTrackScore: number;
  /** Minimum IoU × score for a first-stage match (ByteTrack match_thresh 0.8 as a distance). */
  firstMatchIou: number;
  /** Minimum IoU for the low-score stage (ByteTrack 0.5). */
  secondMatchIou: number;
  /** Minimum IoU × score for matching tentative tracks (ByteTrack 0.3). */
  tentativeMatchIou: number;
  /** Matches needed before a track is confirmed, gets an id and is reported. */
  minHits: number;
  /** A lost track ends (and is forgotten) after this long without a match. */
  lostTrackMs: number;
  /** Never match a detection to a track of an incompatible class. */
  classConsistent: boolean;
  /** Classes that may match each other (e.g. COCO car, bus, truck: `[[2, 5, 7]]`). */
  classGroups: ReadonlyArray<ReadonlyArray<number>>;
  /**
   * Multiply IoU by the detection score in the high-score and tentative stages (ByteTrack's
   * `fuse_score`). It favours confident boxes but, with a detector whose scores sit around
   * 0.4–0.6, turns the IoU threshold into twice itself.
   */
  fuseScore: boolean;
  /**
   * Before associating, drop a detection overlapping a higher-scoring detection of a
   * compatible class by more than this IoU (detectors run NMS per class, so one vehicle often
   * comes as car, bus *and* truck boxes; with class groups they would start duplicate tracks).
   * 1 disables it.
   */
  duplicateIou: number;
  /** Assignment solver; Hungarian is optimal, greedy is cheaper on huge matrices. */
  solver: 'hungarian' | 'greedy';
  /** Hard cap on remembered tracks; the oldest lost tracks end first beyond it. */
  maxTracks: number;
  /**
   * First public track id (ids then count up and wrap at 2³¹−1 to 1). An agent restarting may
   * pass e.g. its start time in seconds so ids do not repeat on a camera across restarts.
   */
  firstTrackId: number;
  /** Appearance distance (0..1, ./appearance-cost.ts) above which a track and a box never match; 1 disables. */
  appearanceGate: number;
  /** Weight of the appearance distance in the first-stage cost (beside 1 − IoU); 0 ranks by IoU alone. */
  appearanceWeight: number;
  /** Samples a track needs before its appearance gates (a young track's average is one box). */
  appearanceMinSamples: number;
  /** Weight of the past in a track's appearance average (BoT-SORT 0.9). */
  appearanceMomentum: number;
  /** A lost track takes an unmatched high-score box with appearance distance at most this (0 disables the re-link). */
  reidDistance: number;
  /** ... when the box's centre lies within this many track heights of the track's predicted centre. */
  reidRadius: number;
}

/**
 * Defaults: ByteTrack's structure, score thresholds fitted to the project's default detector
 * (NanoDet-G 416, whose true vehicles and people mostly score 0.3–0.6, where YOLOX's score
 * ~0.9), a 3-hit confirmation and a 2 s lost buffer. Measured on NanoDet detections (min
 * score 0.1) at 5 fps: on campus_pedestrians.mp4 ByteTrack's own thresholds (0.5 / 0.6,
 * fused scores) gave 39 person tracks with median length 40 frames, these give 32 with
 * median 55 and cover 88 % of the boxes scoring ≥ 0.35 instead of 80 %; on highway_cctv.avi
 * ByteTrack's confirmed only 4 vehicle tracks (4 % coverage), these 39 (61 %).
 */
export const DEFAULT_TRACKER_OPTIONS: Readonly<TrackerOptions> = Object.freeze({
  highScore: 0.4,
  lowScore: 0.1,
  newTrackScore: 0.45,
  firstMatchIou: 0.2,
  secondMatchIou: 0.5,
  tentativeMatchIou: 0.3,
  minHits: 3,
  lostTrackMs: 2000,
  classConsistent: true,
  classGroups: [],
  fuseScore: false,
  duplicateIou: 0.7,
  solver: 'hungarian',
  maxTracks: 1000,
  firstTrackId: 1,
  appearanceGate: 0.4,
  appearanceWeight: 0.5,
  appearanceMinSamples: 3,
  appearanceMomentum: 0.9,
  reidDistance: 0.25,
  reidRadius: 1.5,
});

/** Fields every lifecycle event carries. */
interface TrackEventBase {
  trackId: number;
  classId: number;
  tsMs: number;
}

/**
 * Track lifecycle. `started` and `updated` name the row of the frame's output detections
 * (`row`); `lost` fires once when a confirmed track first misses; `ended` fires once when it
 * is evicted (or flushed) — the moment to emit its sighting.
 */
export type TrackEvent =
  | (TrackEventBase & { kind: 'started'; row: number; firstSeenMs: number })
  | (TrackEventBase & { kind: 'updated'; row: number; recovered: boolean })
  | (TrackEventBase & { kind: 'lost'; lastSeenMs: number })
  | (TrackEventBase & { kind: 'ended'; firstSeenMs: number; lastSeenMs: number; hits: number });

/** Output of one {@link ByteTracker.update}. */
export interface TrackerOutput {
  /** Rows of confirmed tracks matched this frame, in input order, with `trackId` and the track's voted class. */
  detections: Detections;
  events: TrackEvent[];
}

/** A read-only view of one track (debugging, tests, overlays). */
export interface TrackInfo {
  trackId: number;
  state: 'tentative' | 'tracked' | 'lost';
  classId: number;
  box: [number, number, number, number];
  firstSeenMs: number;
  lastSeenMs: number;
  hits: number;
}

const MAX_TRACK_ID = 2 ** 31 - 1;

/** ByteTrack-style tracker for one camera. See the module comment for the algorithm. */
export class ByteTracker {
  readonly options: Readonly<TrackerOptions>;
  private readonly tracks = new Map<number, Track>();
  private readonly groupOf = new Map<number, number>();
  private nextKey = 1;
  private nextId = 1;
  private lastMs = Number.NEGATIVE_INFINITY;

  constructor(options: Partial<TrackerOptions> = {}) {
    this.options = Object.freeze({ ...DEFAULT_TRACKER_OPTIONS, ...options });
    this.nextId = Math.min(MAX_TRACK_ID, Math.max(1, Math.floor(this.options.firstTrackId)));
    this.options.classGroups.forEach((g, gi) => {
      for (const c of g) this.groupOf.set(c, gi);
    });
  }

  /** Number of tracks held in memory (tentative, tracked and lost); 0 after everything ended. */
  get size(): number {
    return this.tracks.size;
  }

  /**
   * Advances to `nowMs` with this frame's detections (any box space, used consistently).
   * A `nowMs` earlier than the previous frame's is treated as the same instant.
   */
  update(
    dets: Detections,
    nowMs: number,
    appearance?: ReadonlyArray<Float32Array | undefined>,
  ): TrackerOutput {
    const now = Math.max(nowMs, this.lastMs);
    this.lastMs = now;
    const o = this.options;
    for (const t of this.tracks.values()) t.predict(now);

    const high: number[] = [];
    const low: number[] = [];
    const duplicate = this.duplicates(dets);
    for (let i = 0; i < dets.length; i++) {
      if (duplicate[i]) continue;
      const s = dets.score[i]!;
      if (s >= o.highScore) high.push(i);
      else if (s >= o.lowScore) low.push(i);
    }
    const all = [...this.tracks.values()];
    const pool = all.filter((t) => t.state !== 'tentative');
    const tentative = all.filter((t) => t.state === 'tentative');
    const matched = new Map<number, { track: Track; recovered: boolean }>(); // det row → track
    const events: TrackEvent[] = [];

    // 1. confirmed + lost tracks × high-score detections.
    const weight = appearance ? o.appearanceWeight : 0;
    const a1 = this.associate(pool, dets, high, o.firstMatchIou, o.fuseScore, appearance, weight);
    for (const [ti, di] of a1.matches) this.bind(pool[ti]!, dets, high[di]!, now, matched, appearance);
    let remainingHigh = a1.unmatchedCols.map((k) => high[k]!);

    // 2. still-unmatched tracked tracks × low-score detections.
    const pool2 = a1.unmatchedRows.map((k) => pool[k]!).filter((t) => t.state === 'tracked');
    const a2 = this.associate(pool2, dets, low, o.secondMatchIou, false, appearance, 0);
    for (const [ti, di] of a2.matches) this.bind(pool2[ti]!, dets, low[di]!, now, matched);
    for (const k of a2.unmatchedRows) {
      const t = pool2[k]!;
      t.state = 'lost';
      events.push({ kind: 'lost', trackId: t.id, classId: t.classId, tsMs: now, lastSeenMs: t.lastSeenMs });
    }

    // 2b. lost tracks × remaining high-score detections, by appearance near the prediction.
    if (appearance && o.reidDistance > 0) {
      const lost = a1.unmatchedRows.map((k) => pool[k]!).filter((t) => t.state === 'lost');
      const a = this.relink(lost, dets, remainingHigh, appearance);
      for (const [ti, di] of a.matches)
        this.bind(lost[ti]!, dets, remainingHigh[di]!, now, matched, appearance);
      remainingHigh = a.unmatchedCols.map((k) => remainingHigh[k]!);
    }

    // 3. tentative tracks × remaining high-score detections; misses die silently.
    const a3 = this.associate(tentative, dets, remainingHigh, o.tentativeMatchIou, o.fuseScore);
    for (const [ti, di] of a3.matches)
      this.bind(tentative[ti]!, dets, remainingHigh[di]!, now, matched, appearance);
    for (const k of a3.unmatchedRows) this.tracks.delete(tentative[k]!.key);

    // 4. births.
    for (const k of a3.unmatchedCols) {
      const di = remainingHigh[k]!;
      if (dets.score[di]! < o.newTrackScore) continue;
      const t = new Track(
        this.nextKey++,
        dets.box(di),
        dets.classId[di]!,
        dets.score[di]!,
        now,
        o.appearanceMomentum,
      );
      t.appearance.add(appearance?.[di]);
      this.tracks.set(t.key, t);
      if (o.minHits <= 1) this.confirm(t);
      if (t.state === 'tracked') matched.set(di, { track: t, recovered: false });
    }

    const out = this.emit(dets, matched, now, events);
    this.evict(now, out.events);
    return out;
  }

  /** Ends every confirmed track (end of stream, camera removed) and forgets all state. */
  flush(nowMs: number): TrackEvent[] {
    const events: TrackEvent[] = [];
    for (const t of this.tracks.values()) if (t.state !== 'tentative') events.push(endedEvent(t, nowMs));
    this.tracks.clear();
    return events;
  }

  /**
   * Snapshot of every track held (ids are 0 for tentative tracks); with `atMs`, each box is
   * predicted to that time without advancing the track (the motion gate's coasting, edge-agent/coast.ts).
   */
  tracksInfo(atMs?: number): TrackInfo[] {
    return [...this.tracks.values()].map((t) => ({
      trackId: t.id,
      state: t.state,
      classId: t.classId,
      box: atMs === undefined ? t.box() : kalmanBox(kalmanPredict(t.kf, atMs - t.kfMs)),
      firstSeenMs: t.firstSeenMs,
      lastSeenMs: t.lastSeenMs,
      hits: t.hits,
    }));
  }

  private associate(
    tracks: Track[],
    dets: Detections,
    rows: number[],
    minSim: number,
    fuseScore: boolean,
    appearance?: ReadonlyArray<Float32Array | undefined>,
    appearanceWeight = 0,
  ): Assignment {
    const nt = tracks.length;
    const nd = rows.length;
    const tb = new Float32Array(nt * 4);
    tracks.forEach((t, k) => {
      tb.set(t.box(), k * 4);
    });
    const db = new Float32Array(nd * 4);
    rows.forEach((r, k) => {
      db.set(dets.xyxy.subarray(r * 4, r * 4 + 4), k * 4);
    });
    const sim = iouMatrix(tb, db);
    const cost = new Float64Array(nt * nd);
    for (let i = 0; i < nt; i++) {
      for (let j = 0; j < nd; j++) {
        const r = rows[j]!;
        const compatible = this.compatible(tracks[i]!.classId, dets.classId[r]!);
        const s = sim[i * nd + j]! * (fuseScore ? dets.score[r]! : 1);
        const app = appearance ? this.appearanceDistance(tracks[i]!, appearance[r]) : undefined;
        const gated = app !== undefined && app > this.options.appearanceGate;
        cost[i * nd + j] =
          compatible && !gated && s >= minSim
            ? 1 - s + appearanceWeight * (app ?? 0)
            : Number.POSITIVE_INFINITY;
      }
    }
    const solve = this.options.solver === 'greedy' ? assignGreedy : assign;
    return solve(cost, nt, nd, 1 - minSim + appearanceWeight);
  }

  /** A track's appearance distance to a box's histogram, once the track has enough samples. */
  private appearanceDistance(t: Track, h: Float32Array | undefined): number | undefined {
    if (t.appearance.samples < this.options.appearanceMinSamples) return undefined;
    return histogramDistance(t.appearance.feature, h);
  }

  /** Lost tracks × boxes: appearance distance ≤ `reidDistance`, centre within `reidRadius` heights of the prediction. */
  private relink(
    tracks: Track[],
    dets: Detections,
    rows: number[],
    appearance: ReadonlyArray<Float32Array | undefined>,
  ): Assignment {
    const o = this.options;
    const cost = new Float64Array(tracks.length * rows.length);
    tracks.forEach((t, i) => {
      const [x1, y1, x2, y2] = t.box();
      const h = Math.max(1e-6, y2 - y1);
      rows.forEach((r, j) => {
        const b = dets.box(r);
        const d = Math.hypot((b[0] + b[2] - x1 - x2) / 2, (b[1] + b[3] - y1 - y2) / 2);
        const app = this.appearanceDistance(t, appearance[r]);
        const ok =
          app !== undefined &&
          app <= o.reidDistance &&
          d <= o.reidRadius * h &&
          this.compatible(t.classId, dets.classId[r]!);
        cost[i * rows.length + j] = ok ? app + d / h / o.reidRadius : Number.POSITIVE_INFINITY;
      });
    });
    return assign(cost, tracks.length, rows.length, o.reidDistance + 1);
  }

  /** Rows overlapping a higher-scoring compatible row by more than `duplicateIou`. */
  private duplicates(dets: Detections): Uint8Array {
    const n = dets.length;
    const dup = new Uint8Array(n);
    if (this.options.duplicateIou >= 1 || n < 2) return dup;
    const sim = iouMatrix(dets.xyxy, dets.xyxy);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        if (i === j || dup[j] || sim[i * n + j]! <= this.options.duplicateIou) continue;
        const si = dets.score[i]!;
        const sj = dets.score[j]!;
        const jWins = sj > si || (sj === si && j < i);
        if (jWins && this.compatible(dets.classId[i]!, dets.classId[j]!)) {
          dup[i] = 1;
          break;
        }
      }
    }
    return dup;
  }

  private compatible(a: number, b: number): boolean {
    if (!this.options.classConsistent || a === b) return true;
    const ga = this.groupOf.get(a);
    return ga !== undefined && ga === this.groupOf.get(b);
  }

  private bind(
    t: Track,
    dets: Detections,
    row: number,
    nowMs: number,
    matched: Map<number, { track: Track; recovered: boolean }>,
    appearance?: ReadonlyArray<Float32Array | undefined>,
  ): void {
    const recovered = t.state === 'lost';
    t.update(dets.box(row), dets.classId[row]!, dets.score[row]!, nowMs);
    t.appearance.add(appearance?.[row]);
    if (t.state === 'lost') t.state = 'tracked';
    if (t.state === 'tentative' && t.hits >= this.options.minHits) this.confirm(t);
    if (t.state === 'tracked') matched.set(row, { track: t, recovered });
  }

  private confirm(t: Track): void {
    t.state = 'tracked';
    t.pendingStart = true;
    t.id = this.nextId;
    this.nextId = this.nextId >= MAX_TRACK_ID ? 1 : this.nextId + 1;
  }

  private emit(
    dets: Detections,
    matched: Map<number, { track: Track; recovered: boolean }>,
    nowMs: number,
    events: TrackEvent[],
  ): TrackerOutput {
    const rows = [...matched.keys()].sort((x, y) => x - y);
    const picked = dets.select(rows);
    const trackId = new Int32Array(rows.length);
    const classId = new Int32Array(rows.length);
    rows.forEach((r, k) => {
      const { track: t, recovered } = matched.get(r)!;
      trackId[k] = t.id;
      classId[k] = t.classId;
      const base = { trackId: t.id, classId: t.classId, tsMs: nowMs, row: k };
      const justConfirmed = t.pendingStart;
      t.pendingStart = false;
      events.push(
        justConfirmed
          ? { ...base, kind: 'started', firstSeenMs: t.firstSeenMs }
          : { ...base, kind: 'updated', recovered },
      );
    });
    const detections = new Detections({ xyxy: picked.xyxy, score: picked.score, classId, trackId });
    return { detections, events };
  }

  private evict(nowMs: number, events: TrackEvent[]): void {
    for (const t of this.tracks.values()) {
      if (t.state === 'lost' && nowMs - t.lastSeenMs > this.options.lostTrackMs) {
        events.push(endedEvent(t, nowMs));
        this.tracks.delete(t.key);
      }
    }
    if (this.tracks.size <= this.options.maxTracks) return;
    const lost = [...this.tracks.values()]
      .filter((t) => t.state !== 'tracked')
      .sort((x, y) => x.lastSeenMs - y.lastSeenMs);
    for (const t of lost) {
      if (this.tracks.size <= this.options.maxTracks) break;
      if (t.state === 'lost') events.push(endedEvent(t, nowMs));
      this.tracks.delete(t.key);
    }
  }
}

function endedEvent(t: Track, nowMs: number): TrackEvent {
  return {
    kind: 'ended',
    trackId: t.id,
    classId: t.classId,
    tsMs: nowMs,
    firstSeenMs: t.firstSeenMs,
    lastSeenMs: t.lastSeenMs,
    hits: t.hits,
  };
}

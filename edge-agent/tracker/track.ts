/**
 * One track's record inside the tracker (internal to `tracker/`): its Kalman state,
 * lifecycle state, timing and a bounded class vote.
 */
import { AppearanceMemory } from './appearance-cost.js';
import {
  type KalmanState,
  kalmanBox,
  kalmanInit,
  kalmanPredict,
  kalmanUpdate,
  xyxyToXyah,
} from './kalman.js';

/** Lifecycle state: `tentative` until `minHits` matches, then `tracked`, `lost` while unmatched. */
export type TrackState = 'tentative' | 'tracked' | 'lost';

/** Largest number of distinct classes a track remembers votes for (bounded memory). */
const MAX_CLASS_VOTES = 4;

export class Track {
  /** Public id, assigned on confirmation; 0 while tentative. */
  id = 0;
  state: TrackState = 'tentative';
  kf: KalmanState;
  /** Time the Kalman state refers to. */
  kfMs: number;
  readonly firstSeenMs: number;
  lastSeenMs: number;
  hits = 1;
  /** Confirmed during the current update; its `started` event is still to be emitted. */
  pendingStart = false;
  score: number;
  classId: number;
  /** Colour histogram memory for appearance gating (./appearance-cost.ts). */
  readonly appearance: AppearanceMemory;
  /** Score-weighted class votes, at most {@link MAX_CLASS_VOTES} keys. */
  private readonly votes = new Map<number, number>();

  constructor(
    readonly key: number,
    box: readonly [number, number, number, number],
    classId: number,
    score: number,
    nowMs: number,
    appearanceMomentum = 0.9,
  ) {
    this.appearance = new AppearanceMemory(appearanceMomentum);
    this.kf = kalmanInit(xyxyToXyah(box[0], box[1], box[2], box[3]));
    this.kfMs = nowMs;
    this.firstSeenMs = nowMs;
    this.lastSeenMs = nowMs;
    this.score = score;
    this.classId = classId;
    this.votes.set(classId, score);
  }

  /** Moves the Kalman state forward to `nowMs`. Height velocity is frozen while not tracked (as ByteTrack). */
  predict(nowMs: number): void {
    if (this.state !== 'tracked') {
      const mean = new Float64Array(this.kf.mean);
      mean[7] = 0;
      this.kf = { mean, cov: this.kf.cov };
    }
    this.kf = kalmanPredict(this.kf, nowMs - this.kfMs);
    this.kfMs = Math.max(this.kfMs, nowMs);
  }

  /** Folds in a matched detection. */
  update(
    box: readonly [number, number, number, number],
    classId: number,
    score: number,
    nowMs: number,
  ): void {
    this.kf = kalmanUpdate(this.kf, xyxyToXyah(box[0], box[1], box[2], box[3]));
    this.lastSeenMs = nowMs;
    this.hits++;
    this.score = score;
    this.vote(classId, score);
  }

  /** Predicted box `[x1, y1, x2, y2]`. */
  box(): [number, number, number, number] {
    return kalmanBox(this.kf);
  }

  private vote(classId: number, weight: number): void {
    this.votes.set(classId, (this.votes.get(classId) ?? 0) + weight);
    if (this.votes.size > MAX_CLASS_VOTES) {
      let minKey = classId;
      let minW = Number.POSITIVE_INFINITY;
      for (const [k, w] of this.votes) {
        if (k !== classId && w < minW) {
          minW = w;
          minKey = k;
        }
      }
      this.votes.delete(minKey);
    }
    let best = this.classId;
    let bestW = -1;
    for (const [k, w] of this.votes) {
      if (w > bestW) {
        bestW = w;
        best = k;
      }
    }
    this.classId = best;
  }
}

/**
 * Constant-velocity Kalman filter on a box's centre, aspect ratio and height — ByteTrack's
 * `KalmanFilter` (state `[cx, cy, a, h, vcx, vcy, va, vh]`, measurement `[cx, cy, a, h]`,
 * noise proportional to the box height, weights 1/20 for position and 1/160 for velocity).
 *
 * Two differences, both deliberate:
 * - Time is real: the transition uses `dt` in *reference frames* of {@link REF_FRAME_MS}
 *   (ByteTrack's constants were tuned per frame at ~30 fps), and the process noise variance
 *   grows linearly with `dt` (a random walk), so 5-fps and 30-fps cameras share one tuning.
 * - Because F couples each coordinate only with its own velocity, H selects the positions and
 *   Q, R are diagonal, the 8×8 covariance stays block-diagonal in four independent 2×2
 *   blocks. We store only those (pp, pv, vv per coordinate): the same numbers as the full
 *   filter, without 8×8 matrix algebra per track per frame.
 */

/** Reference frame interval the noise weights are tuned for (ByteTrack runs at ~30 fps). */
export const REF_FRAME_MS = 1000 / 30;

const STD_WEIGHT_POSITION = 1 / 20;
const STD_WEIGHT_VELOCITY = 1 / 160;

/** Filter state: mean `[cx, cy, a, h, vcx, vcy, va, vh]` and the 2×2 covariance blocks. */
export interface KalmanState {
  /** 8 values; velocities are per reference frame. */
  readonly mean: Float64Array;
  /** 12 values: for coordinate k, `[pp, pv, vv]` at `3k`. */
  readonly cov: Float64Array;
}

/** `[x1, y1, x2, y2]` → `[cx, cy, a, h]` (a = w / h). */
export function xyxyToXyah(x1: number, y1: number, x2: number, y2: number): [number, number, number, number] {
  const w = x2 - x1;
  const h = Math.max(y2 - y1, 1e-6);
  return [x1 + w / 2, y1 + h / 2, w / h, h];
}

/** `[cx, cy, a, h]` → `[x1, y1, x2, y2]`. */
export function xyahToXyxy(cx: number, cy: number, a: number, h: number): [number, number, number, number] {
  const w = a * h;
  return [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2];
}

function positionStd(h: number): [number, number, number, number] {
  const s = STD_WEIGHT_POSITION * h;
  return [s, s, 1e-2, s];
}

function velocityStd(h: number): [number, number, number, number] {
  const s = STD_WEIGHT_VELOCITY * h;
  return [s, s, 1e-5, s];
}

/** A new filter from a first measurement `[cx, cy, a, h]` (velocity 0, wide velocity prior). */
export function kalmanInit(z: readonly [number, number, number, number]): KalmanState {
  const mean = new Float64Array(8);
  mean.set(z, 0);
  const h = z[3];
  const ps = positionStd(h);
  const vs = velocityStd(h);
  const cov = new Float64Array(12);
  for (let k = 0; k < 4; k++) {
    // ByteTrack initiate(): 2·pos std and 10·vel std.
    cov[3 * k] = (2 * ps[k]!) ** 2;
    cov[3 * k + 1] = 0;
    cov[3 * k + 2] = (10 * vs[k]!) ** 2;
  }
  return { mean, cov };
}

/** Predicts `dtMs` ahead (clamped at 0). Returns a new state. */
export function kalmanPredict(s: KalmanState, dtMs: number): KalmanState {
  const dt = Math.max(0, dtMs) / REF_FRAME_MS;
  const mean = new Float64Array(s.mean);
  const cov = new Float64Array(s.cov);
  const h = s.mean[3]!;
  const ps = positionStd(h);
  const vs = velocityStd(h);
  for (let k = 0; k < 4; k++) {
    mean[k] = mean[k]! + dt * mean[k + 4]!;
    const o = 3 * k;
    const pp = cov[o]!;
    const pv = cov[o + 1]!;
    const vv = cov[o + 2]!;
    // P' = F P Fᵀ + Q·dt with F = [[1, dt], [0, 1]].
    cov[o] = pp + 2 * dt * pv + dt * dt * vv + dt * ps[k]! ** 2;
    cov[o + 1] = pv + dt * vv;
    cov[o + 2] = vv + dt * vs[k]! ** 2;
  }
  return { mean, cov };
}

/** Corrects with measurement `z = [cx, cy, a, h]`. Returns a new state. */
export function kalmanUpdate(s: KalmanState, z: readonly [number, number, number, number]): KalmanState {
  const mean = new Float64Array(s.mean);
  const cov = new Float64Array(s.cov);
  const rs = positionStd(s.mean[3]!);
  for (let k = 0; k < 4; k++) {
    const o = 3 * k;
    const pp = cov[o]!;
    const pv = cov[o + 1]!;
    const vv = cov[o + 2]!;
    const sInn = pp + rs[k]! ** 2;
    const kp = pp / sInn;
    const kv = pv / sInn;
    const innov = z[k]! - mean[k]!;
    mean[k] = mean[k]! + kp * innov;
    mean[k + 4] = mean[k + 4]! + kv * innov;
    cov[o] = pp - kp * pp;
    cov[o + 1] = pv - kp * pv;
    cov[o + 2] = vv - kv * pv;
  }
  return { mean, cov };
}

/** The state's box as `[x1, y1, x2, y2]`. */
export function kalmanBox(s: KalmanState): [number, number, number, number] {
  return xyahToXyxy(s.mean[0]!, s.mean[1]!, s.mean[2]!, s.mean[3]!);
}

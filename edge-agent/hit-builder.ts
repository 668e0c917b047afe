/**
 * Pure assembly of contract hits (docs/architecture.md#contracts, `contracts/hit.ts`) from a track's profile
 * (a `sighting`) and from a rule firing (an `event`). Ids come from the caller's generator
 * (ULIDs in production, a counter in tests); nothing here reads the clock.
 *
 * Sighting fields: `tsMs` is when the track was first seen and `durationMs` how long it was
 * followed; `box` and `score` are the best shot's (the snapshot frame). Attributes carry only
 * what was measured: colours voted `unknown` are left out, a plate only with its score.
 */
import type { EventType, Hit, HitAttrs } from '../contracts/hit.js';
import { HIT_VERSION } from '../contracts/hit.js';
import { encodeAppearance } from './attributes/appearance.js';
import { sightingTypeOf, vehicleTypeOf } from './attributes/labels.js';
import type { TrackProfile } from './attributes/track-profile.js';
import type { RuleFiring } from './rules/types.js';

/** Where hits come from: the same for every hit of a camera. */
export interface HitContext {
  gateway: string;
  camera: string;
  /** Detector model name (e.g. `nanodet-g-416`). */
  model?: string;
}

/** Options of {@link buildSightingHit} and {@link buildEventHit}. */
export interface BuildOptions {
  ctx: HitContext;
  /** Id generator (e.g. `ulid`); called once per hit. */
  newId: () => string;
  /** The snapshot published for this hit, when there is one: its id and crop in the frame. */
  snapshot?: { id: string; cropNorm: readonly number[] };
  /** Events: the snapshot id of the whole frame with the box and zone drawn (edge-agent/event-frame.ts). */
  frame?: string;
}

/** Longest duration the contract accepts (7 days). */
const MAX_DURATION_MS = 7 * 86_400_000;

/** The `sighting` hit of a finished (or `maxTrackMs`-old) track. */
export function buildSightingHit(profile: TrackProfile, opts: BuildOptions): Hit {
  const hit: Hit = {
    v: HIT_VERSION,
    id: opts.newId(),
    tsMs: Math.round(profile.firstSeenMs),
    gateway: opts.ctx.gateway,
    camera: opts.ctx.camera,
    kind: 'sighting',
    type: sightingTypeOf(profile.label),
    label: profile.label,
    score: clampUnit(profile.best.score),
    box: normBox(profile.best.boxNorm),
    track: profile.trackId,
    durationMs: duration(profile.lastSeenMs - profile.firstSeenMs),
  };
  const attrs = sightingAttrs(profile);
  if (Object.keys(attrs).length > 0) hit.attrs = attrs;
  if (profile.appearance) hit.appearance = encodeAppearance(profile.appearance);
  finish(hit, opts);
  return hit;
}

/**
 * The `event` hit of a rule firing. `attrs` (e.g. the track's consensus so far) may be
 * attached by the caller; zone-level firings (crowding) carry no track.
 */
export function buildEventHit(firing: RuleFiring, opts: BuildOptions & { attrs?: HitAttrs }): Hit {
  const hit: Hit = {
    v: HIT_VERSION,
    id: opts.newId(),
    tsMs: Math.round(firing.tsMs),
    gateway: opts.ctx.gateway,
    camera: opts.ctx.camera,
    kind: 'event',
    type: firing.type satisfies EventType,
    label: firing.label,
    score: clampUnit(firing.score),
    box: normBox(firing.box),
    zone: firing.zone,
    rule: firing.rule,
    durationMs: duration(firing.durationMs),
  };
  if (firing.trackId !== null) hit.track = firing.trackId;
  const attrs: HitAttrs = { ...(opts.attrs ?? {}) };
  // A line crossing says which way it went (`in`: from the left-hand to the right-hand side
  // of the line's from→to), so counts per direction can be read from the stored events.
  const dir = firing.details.direction;
  if (firing.type === 'line_crossing' && (dir === 'in' || dir === 'out') && !attrs.direction)
    attrs.direction = dir;
  if (Object.keys(attrs).length > 0) hit.attrs = attrs;
  finish(hit, opts);
  return hit;
}

/** The consensus attributes of a profile, in contract form. */
export function sightingAttrs(p: TrackProfile): HitAttrs {
  const attrs: HitAttrs = {};
  const type = sightingTypeOf(p.label);
  if (type === 'person') {
    if (p.upper && p.upper.value !== 'unknown') {
      attrs.upperColor = p.upper.value;
      if (p.upper2) attrs.upperColor2 = p.upper2;
    }
    if (p.lower && p.lower.value !== 'unknown') {
      attrs.lowerColor = p.lower.value;
      if (p.lower2) attrs.lowerColor2 = p.lower2;
    }
  }
  const vehicleType = vehicleTypeOf(p.label);
  if (vehicleType) {
    attrs.vehicleType = vehicleType;
    if (p.colour && p.colour.value !== 'unknown') {
      attrs.color = p.colour.value;
      if (p.colour2) attrs.color2 = p.colour2;
    }
  }
  if (p.plate && p.plate.text.length >= 2) {
    attrs.plate = p.plate.text;
    attrs.plateScore = clampUnit(p.plate.score);
  }
  if (p.direction) attrs.direction = p.direction;
  return attrs;
}

function finish(hit: Hit, opts: BuildOptions): void {
  if (opts.snapshot !== undefined) {
    hit.snapshot = opts.snapshot.id;
    hit.snapshotCrop = normBox(opts.snapshot.cropNorm);
  }
  if (opts.frame !== undefined) hit.frame = opts.frame;
  if (opts.ctx.model !== undefined) hit.model = opts.ctx.model;
}

function clampUnit(v: number): number {
  return Number.isFinite(v) ? Math.min(1, Math.max(0, v)) : 0;
}

function duration(ms: number): number {
  return Math.min(MAX_DURATION_MS, Math.max(0, Math.round(ms)));
}

/** A box clamped into 0..1 with x1 ≤ x2 and y1 ≤ y2, rounded to 5 decimals (≈ 0.02 px at 4K). */
function normBox(b: readonly number[]): [number, number, number, number] {
  const r = (v: number | undefined): number => Math.round(clampUnit(v ?? 0) * 1e5) / 1e5;
  const [x1, y1, x2, y2] = [r(b[0]), r(b[1]), r(b[2]), r(b[3])];
  return [Math.min(x1, x2), Math.min(y1, y2), Math.max(x1, x2), Math.max(y1, y2)];
}

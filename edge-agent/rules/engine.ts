/**
 * The rule engine of one camera: builds an evaluator per enabled rule from the camera's
 * {@link CameraRules}, feeds it each frame's tracked detections and returns the firings.
 *
 * Pure: `update({ detections, tsMs, endedTrackIds })` → firings. Per-track state lives in the
 * evaluators and is evicted when the tracker reports a track `ended`, and — as a safety net —
 * when a track has not been seen for `staleTrackMs`.
 */
import { type CameraRules, checkCameraRules, type Rule } from '../../contracts/config/rules.js';
import { XlError } from '../../contracts/errors.js';
import type { Detections } from '../../models/detections.js';
import { CrowdingEvaluator } from './crowding.js';
import { DwellEvaluator } from './dwell.js';
import { type LineCounts, LineCrossingEvaluator } from './line-crossing.js';
import { type PhaseSource, RedLightEvaluator } from './red-light.js';
import type { FrameTrack, RuleEvaluator, RuleFiring } from './types.js';
import { WrongWayEvaluator } from './wrong-way.js';

export type { LineCounts } from './line-crossing.js';
export type { FrameTrack, RuleFiring } from './types.js';

/** Engine options. */
export interface RuleEngineOptions {
  /** Detector labels by class id (COCO names), used to match the rules' `classes`. */
  labels: readonly string[];
  /**
   * Per-track state of a track unseen for this long is dropped even without an `ended`
   * event; keep it above the tracker's `lostTrackMs`.
   */
  staleTrackMs?: number;
  /** Signal phases for red_light rules (edge-agent/signals.ts); without it they never fire. */
  phases?: PhaseSource;
}

/** A phase source that knows nothing: red_light rules stay silent. */
const NO_PHASES: PhaseSource = { phaseAt: () => 'unknown' };

/** One frame for {@link RuleEngine.update}. */
export interface RuleEngineInput {
  /** Tracked detections with `trackId`, boxes normalised to 0..1. */
  detections: Detections;
  tsMs: number;
  /** Tracks the tracker ended this frame (their state is evicted after this frame). */
  endedTrackIds?: Iterable<number>;
}

const DEFAULT_STALE_TRACK_MS = 60_000;

/** Rule engine for one camera. Throws `EDGE_RULES_CONFIG` on dangling references or unknown labels. */
export class RuleEngine {
  private readonly evaluators: RuleEvaluator[];
  private readonly lines = new Map<string, LineCrossingEvaluator>();
  private readonly labels: readonly string[];
  private readonly staleTrackMs: number;
  private readonly phases: PhaseSource;

  constructor(config: CameraRules, options: RuleEngineOptions) {
    const problems = checkCameraRules(config, options.labels);
    if (problems.length > 0) {
      const text = problems.map((p) => `${p.path}: ${p.message}`).join('; ');
      throw new XlError('EDGE_RULES_CONFIG', `invalid zones or rules: ${text}`, { problems });
    }
    this.labels = options.labels;
    this.staleTrackMs = options.staleTrackMs ?? DEFAULT_STALE_TRACK_MS;
    this.phases = options.phases ?? NO_PHASES;
    this.evaluators = config.rules.filter((r) => r.enabled).map((r) => this.build(config, r));
  }

  /** Evaluates one frame. Detections without `trackId` are ignored (rules work on tracks). */
  update(input: RuleEngineInput): RuleFiring[] {
    const tracks = this.frameTracks(input.detections);
    const frame = { tsMs: input.tsMs, tracks };
    const out: RuleFiring[] = [];
    for (const ev of this.evaluators) out.push(...ev.update(frame));
    for (const id of input.endedTrackIds ?? []) for (const ev of this.evaluators) ev.evict(id);
    for (const ev of this.evaluators) ev.evictStale(input.tsMs, this.staleTrackMs);
    return out;
  }

  /** Crossing counts of a line-crossing rule (undefined for other or unknown rules). */
  lineCounts(ruleId: string): Readonly<LineCounts> | undefined {
    return this.lines.get(ruleId)?.counts;
  }

  /** Per-track entries held across all evaluators (0 once every track has ended). */
  get size(): number {
    return this.evaluators.reduce((n, ev) => n + ev.size, 0);
  }

  private build(config: CameraRules, rule: Rule): RuleEvaluator {
    if (rule.type === 'line_crossing') {
      const ev = new LineCrossingEvaluator(rule, config.lines.find((l) => l.id === rule.line)!);
      this.lines.set(rule.id, ev);
      return ev;
    }
    if (rule.type === 'red_light')
      return new RedLightEvaluator(rule, config.lines.find((l) => l.id === rule.line)!, this.phases);
    const zone = config.zones.find((z) => z.id === rule.zone)!;
    switch (rule.type) {
      case 'wrong_way':
        return new WrongWayEvaluator(rule, zone);
      case 'crowding':
        return new CrowdingEvaluator(rule, zone);
      default:
        return new DwellEvaluator(rule, zone);
    }
  }

  private frameTracks(d: Detections): FrameTrack[] {
    const out: FrameTrack[] = [];
    if (!d.trackId) return out;
    for (let i = 0; i < d.length; i++) {
      const box = d.box(i);
      const classId = d.classId[i]!;
      out.push({
        trackId: d.trackId[i]!,
        classId,
        label: this.labels[classId] ?? `class_${classId}`,
        score: d.score[i]!,
        box,
        anchor: [(box[0] + box[2]) / 2, box[3]],
        heightNorm: Math.max(0, box[3] - box[1]),
      });
    }
    return out;
  }
}

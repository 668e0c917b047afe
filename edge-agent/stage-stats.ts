/**
 * The edge agent's stage statistics (docs/edge.md): per stage (decode, motion, preprocess, inference,
 * tracking, attributes, publish) and end-to-end latency, bounded samples for medians and
 * percentiles (the benchmark reads them), also observed into the stage histogram.
 */
import { type EdgeMetrics, STAGES as PIPELINE_STAGES, type Stage } from './metrics.js';

/** Bounded samples for medians and percentiles. */
export class Samples {
  private readonly v: number[] = [];
  constructor(private readonly cap = 5000) {}
  add(x: number): void {
    this.v.push(x);
    if (this.v.length > this.cap) this.v.splice(0, this.v.length - this.cap);
  }
  quantile(q: number): number {
    if (this.v.length === 0) return Number.NaN;
    const s = [...this.v].sort((a, b) => a - b);
    return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  }
  get count(): number {
    return this.v.length;
  }
  clear(): void {
    this.v.length = 0;
  }
}

export type StageName = Stage | 'latency';
/** The pipeline's stages (edge-agent/metrics.ts), then end-to-end latency. */
const STAGES: readonly StageName[] = [...PIPELINE_STAGES, 'latency'];

export class StageStats {
  private readonly samples = new Map<StageName, Samples>(STAGES.map((k) => [k, new Samples()]));

  constructor(private readonly metrics: EdgeMetrics) {}

  /** One stage sample of a camera's frame, ms. */
  stage(stage: Stage, camera: string, ms: number): void {
    this.samples.get(stage)!.add(ms);
    this.metrics.stageSeconds.observe({ camera, stage }, ms / 1000);
  }

  /** One frame's end-to-end latency, ms. */
  latency(camera: string, ms: number): void {
    this.samples.get('latency')!.add(ms);
    this.metrics.latencySeconds.observe({ camera }, ms / 1000);
  }

  /** Median (and p95) of each stage's samples, ms. */
  summary(): Record<StageName, { p50: number; p95: number; n: number }> {
    const out = {} as Record<StageName, { p50: number; p95: number; n: number }>;
    for (const [k, s] of this.samples) out[k] = { p50: s.quantile(0.5), p95: s.quantile(0.95), n: s.count };
    return out;
  }

  reset(): void {
    for (const s of this.samples.values()) s.clear();
  }
}

/** One builder for valid hits and envelopes, shared by tests and benchmarks. */
import { ulid } from 'ulid';
import type { Hit, HitEnvelope } from './hit.js';

export function makeHit(over: Partial<Hit> = {}): Hit {
  return {
    v: 1,
    id: ulid(),
    tsMs: Date.now(),
    gateway: 'gw-test-01',
    camera: 'cam-0001',
    kind: 'sighting',
    type: 'vehicle',
    label: 'car',
    score: 0.88,
    box: [0.41, 0.52, 0.63, 0.8],
    track: 4711,
    zone: null,
    rule: null,
    durationMs: 5400,
    attrs: {
      color: 'white',
      plate: '浙H12345',
      plateScore: 0.93,
      direction: 'northbound',
      vehicleType: 'car',
    },
    model: 'nanodet-g-416',
    ...over,
  };
}

export function makeEnvelope(hits: Hit[], over: Partial<HitEnvelope> = {}): HitEnvelope {
  return {
    v: 1,
    msgId: ulid(),
    gateway: hits[0]?.gateway ?? 'gw-test-01',
    sentMs: Date.now(),
    hits,
    ...over,
  };
}

import { describe, expect, it } from 'vitest';
import { sightingTypeOf, vehicleTypeOf } from './labels.js';

describe('labels', () => {
  it.each<[string, string, string | undefined]>([
    ['person', 'person', undefined],
    ['car', 'vehicle', 'car'],
    ['bus', 'vehicle', 'bus'],
    ['truck', 'vehicle', 'truck'],
    ['motorcycle', 'vehicle', 'motorcycle'],
    ['motorbike', 'vehicle', 'motorcycle'],
    ['bicycle', 'non_motor', 'bicycle'],
    ['suitcase', 'object', undefined],
    ['dog', 'object', undefined],
  ])('%s → %s, %s', (label, type, vehicle) => {
    expect(sightingTypeOf(label)).toBe(type);
    expect(vehicleTypeOf(label)).toBe(vehicle);
  });
});

/**
 * What a detector label means for hits: the sighting type (person, vehicle, non_motor,
 * object) and the vehicle type. COCO names (the default models' labels); user models with
 * other names fall back to `object` and no vehicle type.
 */
import type { SightingType } from '../../contracts/hit.js';

/** Vehicle types reported in `attrs.vehicleType`. */
export type VehicleType = 'car' | 'bus' | 'truck' | 'motorcycle' | 'bicycle';

const VEHICLE_TYPES: Readonly<Record<string, VehicleType>> = Object.freeze({
  car: 'car',
  bus: 'bus',
  truck: 'truck',
  motorcycle: 'motorcycle',
  motorbike: 'motorcycle',
  bicycle: 'bicycle',
});

/** The vehicle type of a detector label, or undefined when it is not a road vehicle. */
export function vehicleTypeOf(label: string): VehicleType | undefined {
  return VEHICLE_TYPES[label];
}

/**
 * The sighting type of a label. Bicycles are non-motor vehicles (非机动车), tracked apart from
 * motor vehicles in Chinese traffic statistics; motorcycles count as vehicles.
 */
export function sightingTypeOf(label: string): SightingType {
  if (label === 'person') return 'person';
  const v = vehicleTypeOf(label);
  if (v === 'bicycle') return 'non_motor';
  if (v !== undefined) return 'vehicle';
  return 'object';
}

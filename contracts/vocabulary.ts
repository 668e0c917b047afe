/**
 * The contract's closed vocabularies (docs/architecture.md#contracts), with no dependencies so that every tier —
 * including the dashboard bundle and the benchmarks — imports them instead of copying them.
 */

/** Colours from one named palette; `unknown` when a crop is dark or washed out. */
export const COLOURS = [
  'black',
  'white',
  'grey',
  'red',
  'orange',
  'yellow',
  'green',
  'blue',
  'purple',
  'pink',
  'brown',
  'unknown',
] as const;
export type Colour = (typeof COLOURS)[number];

/** The named colours a pixel or a region can take: the palette without `unknown`. */
export const NAMED_COLOURS = COLOURS.filter((c): c is Exclude<Colour, 'unknown'> => c !== 'unknown');
export type NamedColour = Exclude<Colour, 'unknown'>;

export const HIT_KINDS = ['sighting', 'event'] as const;
export const SIGHTING_TYPES = ['person', 'vehicle', 'non_motor', 'object'] as const;
export const EVENT_TYPES = [
  'illegal_parking',
  'zone_intrusion',
  'line_crossing',
  'wrong_way',
  'crowding',
  'loitering',
  'abandoned_object',
] as const;
export type SightingType = (typeof SIGHTING_TYPES)[number];
export type EventType = (typeof EVENT_TYPES)[number];

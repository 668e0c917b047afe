import { describe, expect, it } from 'vitest';
import type { Colour } from '../../contracts/hit.js';
import { colourOfRegion } from './colour.js';
import { PERSON_LOWER, PERSON_UPPER, personColours, subBox, VEHICLE_BODY, vehicleColour } from './crops.js';
import { paint, paintPerson, solidImage } from './testkit.js';

type Rgb = [number, number, number];
const RED: Rgb = [200, 30, 30];
const BLUE: Rgb = [30, 60, 200];
// Black fabric or paint in daylight, not a void (V ≈ 0.13).
const BLACK: Rgb = [32, 32, 34];
const WHITE: Rgb = [240, 240, 240];
const GREEN: Rgb = [40, 160, 60];
const YELLOW: Rgb = [240, 220, 40];

describe('subBox', () => {
  it('maps fractions of the box', () => {
    expect(subBox([100, 200, 200, 400], PERSON_UPPER)).toEqual([120, 230, 180, 300]);
  });
});

describe('personColours', () => {
  it.each<[string, Rgb, Rgb, Rgb, Colour, Colour]>([
    ['red top, blue jeans on grey pavement', RED, BLUE, [128, 128, 128], 'red', 'blue'],
    ['white shirt, black trousers on green grass', WHITE, BLACK, GREEN, 'white', 'black'],
    ['yellow jacket, black trousers on white snow', YELLOW, BLACK, WHITE, 'yellow', 'black'],
  ])('%s', (_n, upper, lower, background, wantUpper, wantLower) => {
    const img = paintPerson(solidImage(200, 300, background), [60, 20, 140, 280], upper, lower);
    const r = personColours(img, [60, 20, 140, 280]);
    expect(r.upper.colour).toBe(wantUpper);
    expect(r.lower.colour).toBe(wantLower);
  });

  it('ignores the head: a skin-coloured head does not colour the top', () => {
    const img = paintPerson(
      solidImage(100, 300, [128, 128, 128]),
      [20, 0, 80, 300],
      BLUE,
      BLACK,
      [230, 150, 120],
    );
    expect(personColours(img, [20, 0, 80, 300]).upper.colour).toBe('blue');
  });

  it('legs apart on grass: the grass between them (like the grass beside the box) does not win', () => {
    const GRASS: Rgb = [70, 130, 40];
    const DENIM: Rgb = [70, 90, 130];
    const img = solidImage(200, 300, GRASS);
    paint(img, [85, 20, 115, 60], [230, 190, 160]);
    paint(img, [75, 60, 125, 150], BLACK);
    // Two legs with grass showing between them: without the background model the lower
    // region reads green (measured), with it blue.
    paint(img, [82, 150, 94, 280], DENIM);
    paint(img, [106, 150, 118, 280], DENIM);
    expect(colourOfRegion(img, subBox([70, 20, 130, 280], PERSON_LOWER)).colour).toBe('green');
    const r = personColours(img, [70, 20, 130, 280]);
    expect(r.upper.colour).toBe('black');
    expect(r.lower.colour).toBe('blue');
  });

  it.each<[string, Rgb, Colour, Colour | undefined]>([
    ['jeans under a long black coat on grass', [50, 70, 120], 'blue', 'black'],
    ['black trousers under a long black coat on grass', BLACK, 'black', undefined],
  ])('%s: the legs below the coat name the lower colour', (_n, legs, want, second) => {
    const GRASS: Rgb = [70, 130, 40];
    const img = solidImage(200, 300, GRASS);
    const box: [number, number, number, number] = [70, 20, 130, 280];
    paint(img, [85, 20, 115, 56], [230, 190, 160]);
    // The coat from the shoulders to 70 % of the box height, the legs below it.
    paint(img, [75, 56, 125, 202], BLACK);
    paint(img, [82, 202, 96, 280], legs);
    paint(img, [104, 202, 118, 280], legs);
    const r = personColours(img, box);
    expect(r.upper.colour).toBe('black');
    expect(colourOfRegion(img, subBox(box, PERSON_LOWER)).colour).toBe('black');
    expect(r.lower.colour).toBe(want);
    expect(r.lower.second).toBe(second);
  });

  it('black cloth clipped to 0 in daylight is black, not unknown', () => {
    const img = paintPerson(solidImage(200, 300, [180, 180, 175]), [60, 20, 140, 280], [0, 0, 0], [0, 0, 0]);
    const r = personColours(img, [60, 20, 140, 280]);
    expect(r.upper.colour).toBe('black');
    expect(r.lower.colour).toBe('black');
  });
});

describe('vehicleColour', () => {
  it.each<[string, Rgb, number, Colour]>([
    // A car body with a dark window band and tyres (black) over 40 % of the body region.
    ['red car with dark windows', RED, 0.4, 'red'],
    ['blue car with dark windows', BLUE, 0.4, 'blue'],
    ['white car with dark windows', WHITE, 0.4, 'white'],
    ['black car', BLACK, 0.4, 'black'],
  ])('%s', (_n, body, darkFraction, want) => {
    const img = solidImage(200, 100, body);
    paint(img, [0, 0, 200, 100 * darkFraction], BLACK);
    expect(vehicleColour(img, [0, 0, 200, 100]).colour).toBe(want);
  });

  it('tells silver (grey) from white paint by the lightness of its brightest tenth', () => {
    // Silver: light grey (L* 77) with a highlight band (L* 86): every pixel names white.
    const silver = paint(solidImage(200, 100, [190, 190, 192]), [0, 60, 200, 75], [215, 215, 217]);
    expect(colourOfRegion(silver, subBox([0, 0, 200, 100], VEHICLE_BODY)).colour).toBe('white');
    expect(vehicleColour(silver, [0, 0, 200, 100])).toMatchObject({ colour: 'grey', second: 'white' });
    // The same car with its highlights at L* 95: white paint.
    paint(silver, [0, 60, 200, 75], [242, 242, 244]);
    expect(vehicleColour(silver, [0, 0, 200, 100]).colour).toBe('white');
  });

  it('a maroon body, each pixel too dull to name, is red by its mean tint; neutral dark paint is not', () => {
    // L* 32, chroma 8 at 21°: every pixel names black (below the naming chroma).
    const maroon = paint(solidImage(200, 100, [88, 70, 70]), [0, 0, 200, 40], BLACK);
    expect(colourOfRegion(maroon, subBox([0, 0, 200, 100], VEHICLE_BODY)).colour).toBe('black');
    expect(vehicleColour(maroon, [0, 0, 200, 100])).toMatchObject({ colour: 'red', second: 'black' });
    const charcoal = paint(solidImage(200, 100, [72, 72, 74]), [0, 0, 200, 40], BLACK);
    expect(vehicleColour(charcoal, [0, 0, 200, 100]).colour).toBe('black');
  });

  it('pink on a clearly red body is lit red paint; pink on a faint tint stays pink', () => {
    // Glossy red paint seen from above: the lit part names pink, highlights white, the shaded part red.
    const lit = paint(
      paint(solidImage(200, 100, [235, 150, 160]), [0, 0, 200, 30], WHITE),
      [0, 70, 200, 100],
      RED,
    );
    expect(colourOfRegion(lit, subBox([0, 0, 200, 100], VEHICLE_BODY)).colour).toBe('pink');
    expect(vehicleColour(lit, [0, 0, 200, 100])).toMatchObject({ colour: 'red', second: 'pink' });
    // A pale pink band across the middle of a grey body: the body's mean tint is too weak to be a colour.
    const faint = paint(solidImage(200, 100, [128, 128, 128]), [0, 45, 200, 65], [240, 185, 200]);
    expect(vehicleColour(faint, [0, 0, 200, 100]).colour).toBe('pink');
  });

  it('stays unknown in the dark', () => {
    expect(vehicleColour(solidImage(50, 50, [5, 5, 8]), [0, 0, 50, 50]).colour).toBe('unknown');
  });
});

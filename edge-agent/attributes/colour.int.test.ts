/**
 * Colour naming on real photographs from ../shared/data/images. Boxes were measured by eye
 * on the images (pixels of the original files); each expectation is what a person reads.
 */
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { Colour } from '../../contracts/hit.js';
import { NO_TEST_DATA, testDataDir } from '../../contracts/testdata.js';
import type { Box } from '../geometry.js';
import { appearanceDescriptor, appearanceSimilarity } from './appearance.js';
import { colourOfRegion, isMonochromeFrame, type RgbImage } from './colour.js';
import { personColours, vehicleColour } from './crops.js';

const data = testDataDir();
if (!data) console.warn(`edge-agent/attributes: ${NO_TEST_DATA}`);

const cache = new Map<string, Promise<RgbImage>>();
function load(file: string): Promise<RgbImage> {
  let p = cache.get(file);
  if (!p) {
    p = sharp(join(data!, 'images', file))
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true })
      .then(({ data: buf, info }) => {
        if (info.channels === 3)
          return { data: new Uint8Array(buf), widthPx: info.width, heightPx: info.height };
        // Greyscale PNGs decode to one channel: expand, as ffmpeg's rgb24 would.
        const rgb = new Uint8Array(info.width * info.height * 3);
        for (let k = 0; k < info.width * info.height; k++)
          rgb.fill(buf[k * info.channels]!, k * 3, k * 3 + 3);
        return { data: rgb, widthPx: info.width, heightPx: info.height };
      });
    cache.set(file, p);
  }
  return p;
}

describe.skipIf(!data)('colour naming on real crops', () => {
  it.each<[string, string, Box, Colour[]]>([
    ['london_bus.jpg', 'red double-decker bus', [65, 115, 475, 385], ['red']],
    ['london_bus.jpg', 'white car on the left', [3, 285, 68, 330], ['white']],
    ['bicycle_truck.jpg', 'white pickup truck', [466, 72, 690, 170], ['white']],
    ['expressway_dashcam_cn.jpg', 'blue bus in the distance', [623, 234, 684, 274], ['blue']],
    ['expressway_dashcam_cn.jpg', 'white car ahead (hazy)', [531, 266, 579, 306], ['white', 'grey']],
    ['expressway_dashcam_cn.jpg', 'dark grey SUV ahead', [560, 272, 727, 412], ['grey', 'black']],
    ['expressway_dashcam_cn.jpg', 'silver pickup on the left', [220, 276, 307, 320], ['grey', 'white']],
  ])('%s: %s', async (file, _what, box, want) => {
    const r = vehicleColour(await load(file), box);
    expect(want).toContain(r.colour);
  });

  it.each<[string, string, Box, Colour[]]>([
    ['bicycle_truck.jpg', 'yellow porch siding', [570, 260, 700, 380], ['yellow']],
    ['bicycle_truck.jpg', 'tree foliage', [300, 20, 450, 80], ['green']],
    ['london_bus.jpg', 'overcast sky', [200, 10, 380, 80], ['white']],
    ['shopping_street_people.png', 'red shopping bag', [400, 262, 430, 320], ['red']],
    ['shopping_street_people.png', 'second red shopping bag', [494, 274, 532, 332], ['red']],
  ])('%s: %s', async (file, _what, box, want) => {
    expect(want).toContain(colourOfRegion(await load(file), box).colour);
  });

  it.each<[string, string, Box, Colour[], Colour[]]>([
    [
      'shopping_street_people.png',
      'man with dark jacket and jeans',
      [408, 157, 486, 352],
      ['black'],
      ['black', 'blue'],
    ],
    [
      'shopping_street_people.png',
      'woman in a white coat',
      [390, 205, 412, 282],
      ['white'],
      ['black', 'grey'],
    ],
    ['london_bus.jpg', 'person in a red jacket', [515, 283, 540, 320], ['red'], ['red', 'black', 'grey']],
  ])('%s: %s', async (file, _what, box, upper, lower) => {
    const r = personColours(await load(file), box);
    expect(upper).toContain(r.upper.colour);
    expect(lower).toContain(r.lower.colour);
  });

  it('a greyscale frame is monochrome and its crops are unknown', async () => {
    const img = await load('basketball_grey.png');
    const mono = isMonochromeFrame(img);
    expect(mono).toBe(true);
    expect(colourOfRegion(img, [100, 100, 300, 300], { monochrome: mono }).colour).toBe('unknown');
    expect(isMonochromeFrame(await load('london_bus.jpg'))).toBe(false);
  });

  it('appearance: the two red bags match each other better than a bag and the sky', async () => {
    const street = await load('shopping_street_people.png');
    const bag1 = appearanceDescriptor(street, [400, 262, 430, 320], false);
    const bag2 = appearanceDescriptor(street, [494, 274, 532, 332], false);
    const sky = appearanceDescriptor(await load('london_bus.jpg'), [200, 10, 380, 80], false);
    expect(appearanceSimilarity(bag1, bag2)).toBeGreaterThan(appearanceSimilarity(bag1, sky) + 0.3);
  });
});

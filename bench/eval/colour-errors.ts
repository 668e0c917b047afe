/**
 * Diagnostic for the colour naming (docs/accuracy.md): for every colour label, the answer,
 * the weighted histogram and Lab statistics of the sampled region, as JSON lines; and a
 * contact sheet of the crops whose answer is not the first label (PNG, crops enlarged ×4).
 *
 *   npx tsx bench/eval/colour-errors.ts --out /tmp/colour
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { projectRoot } from '../../contracts/testdata.js';
import { PIXEL_COLOURS, type RgbImage } from '../../edge-agent/attributes/colour.js';
import { personColours, vehicleColour } from '../../edge-agent/attributes/crops.js';
import { FrameCache, type FrameRef } from './media.js';

const { values } = parseArgs({ options: { out: { type: 'string', default: '/tmp/xl-colour' } } });

type Label = FrameRef & {
  box: [number, number, number, number];
  upper?: string[];
  lower?: string[];
  body?: string[];
};

const top = (h: Float32Array): string =>
  [...h]
    .map((v, k) => [PIXEL_COLOURS[k], v] as const)
    .filter(([, v]) => v > 0.05)
    .sort((a, b) => b[1] - a[1])
    .map(([c, v]) => `${c}:${v.toFixed(2)}`)
    .join(' ');

async function crop(img: RgbImage, box: readonly number[]): Promise<Buffer> {
  const x1 = Math.max(0, Math.floor(box[0]!));
  const y1 = Math.max(0, Math.floor(box[1]!));
  const w = Math.max(1, Math.min(img.widthPx, Math.ceil(box[2]!)) - x1);
  const h = Math.max(1, Math.min(img.heightPx, Math.ceil(box[3]!)) - y1);
  return sharp(img.data, { raw: { width: img.widthPx, height: img.heightPx, channels: 3 } })
    .extract({ left: x1, top: y1, width: w, height: h })
    .resize({ width: w * 4, height: h * 4, kernel: 'nearest' })
    .png()
    .toBuffer();
}

async function main(): Promise<void> {
  const out = resolve(values.out!);
  mkdirSync(out, { recursive: true });
  const frames = new FrameCache();
  const read = (f: string): Label[] =>
    JSON.parse(readFileSync(join(projectRoot, 'bench/eval/labels', f), 'utf8'));
  const lines: string[] = [];
  let n = 0;
  for (const [file, vehicle] of [
    ['person-colours.json', false],
    ['vehicle-colours.json', true],
  ] as const) {
    for (const [i, l] of read(file).entries()) {
      const f = await frames.get(l);
      const img: RgbImage = { data: f.data, widthPx: f.width, heightPx: f.height };
      const parts: Array<
        [
          string,
          string[] | undefined,
          { colour: string; second?: string; histogram: Float32Array },
          readonly number[],
        ]
      > = vehicle
        ? [['body', l.body, vehicleColour(img, l.box), l.box]]
        : (() => {
            const c = personColours(img, l.box);
            return [
              ['upper', l.upper, c.upper, l.box],
              ['lower', l.lower, c.lower, l.box],
            ] as Array<
              [
                string,
                string[] | undefined,
                { colour: string; second?: string; histogram: Float32Array },
                readonly number[],
              ]
            >;
          })();
      for (const [part, want, got, box] of parts) {
        if (!want) continue;
        const ok = got.colour === want[0];
        lines.push(
          JSON.stringify({
            file,
            i,
            part,
            want: want.join('|'),
            got: got.colour,
            second: got.second,
            ok,
            within: want.includes(got.colour),
            hist: top(got.histogram),
            h: box[3]! - box[1]!,
          }),
        );
        if (!ok) {
          const png = await crop(img, box);
          writeFileSync(
            join(
              out,
              `${String(n++).padStart(3, '0')}-${file.slice(0, 3)}${i}-${part}-${want.join('_')}-got-${got.colour}.png`,
            ),
            png,
          );
        }
      }
    }
  }
  writeFileSync(join(out, 'colours.jsonl'), `${lines.join('\n')}\n`);
  process.stdout.write(`${lines.length} labels, ${n} not exact → ${out}\n`);
}

await main();

/**
 * Labelling aid (docs/accuracy.md, "How the labels were made"): the labelled boxes of a label
 * file cut from the frames exactly as the harness decodes them (./media.ts), a margin around
 * each with the box drawn in, numbered with the labelled colours, on contact sheets — to check
 * boxes and colours by eye. Runs no detector and no colour code.
 *
 *   npx tsx bench/eval/label-crops.ts --file vehicle-colours.json --skip highway --out /tmp/crops
 *   npx tsx bench/eval/label-crops.ts --path /tmp/xl-train-candidates.json --out /tmp/cands
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { projectRoot } from '../../contracts/testdata.js';
import type { RgbFrame } from '../../models/frame.js';
import { type FrameRef, FrameCache } from './media.js';

const { values } = parseArgs({
  options: {
    file: { type: 'string', default: 'vehicle-colours.json' },
    only: { type: 'string', description: 'keep labels whose media contains this' },
    skip: { type: 'string', description: 'drop labels whose media contains this' },
    path: { type: 'string', description: 'a label file anywhere (overrides --file)' },
    out: { type: 'string', default: '/tmp/xl-label-crops' },
  },
});

interface Label extends FrameRef {
  box: [number, number, number, number];
  body?: string[];
  upper?: string[];
  lower?: string[];
}

const TW = 240;
const TH = 260;

/** One tile: the box with a 15 % margin, scaled to fit, the box outlined, number and colours below. */
async function tile(frame: RgbFrame, l: Label, n: number): Promise<Buffer> {
  const [x1, y1, x2, y2] = l.box;
  const m = 0.15 * Math.max(x2 - x1, y2 - y1);
  const left = Math.max(0, Math.floor(x1 - m));
  const top = Math.max(0, Math.floor(y1 - m));
  const width = Math.min(frame.width, Math.ceil(x2 + m)) - left;
  const height = Math.min(frame.height, Math.ceil(y2 + m)) - top;
  const s = Math.min((TW - 4) / width, (TH - 28) / height);
  const w = Math.max(1, Math.round(width * s));
  const h = Math.max(1, Math.round(height * s));
  const rect = `<svg width="${w}" height="${h}"><rect x="${(x1 - left) * s}" y="${(y1 - top) * s}" width="${(x2 - x1) * s}" height="${(y2 - y1) * s}" fill="none" stroke="#ff00ff" stroke-width="1"/></svg>`;
  const crop = await sharp(Buffer.from(frame.data), {
    raw: { width: frame.width, height: frame.height, channels: 3 },
  })
    .extract({ left, top, width, height })
    .resize(w, h, { fit: 'fill' })
    .composite([{ input: Buffer.from(rect) }])
    .png()
    .toBuffer();
  const colours = (l.body ?? [...(l.upper ?? []), '/', ...(l.lower ?? [])]).join('|');
  const text = `<svg width="${TW}" height="${TH}"><rect width="${TW}" height="${TH}" fill="#202020"/><text x="4" y="${TH - 8}" font-size="16" fill="#ffff00" font-family="sans-serif">${n} ${colours}</text></svg>`;
  return sharp(Buffer.from(text))
    .composite([{ input: crop, left: 2, top: 2 }])
    .png()
    .toBuffer();
}

async function main(): Promise<void> {
  const out = resolve(values.out!);
  mkdirSync(out, { recursive: true });
  const file = values.path ?? join(projectRoot, 'bench/eval/labels', values.file!);
  const all = JSON.parse(readFileSync(file, 'utf8')) as Label[];
  const frames = new FrameCache();
  const tiles: Buffer[] = [];
  for (const [i, l] of all.entries()) {
    if (values.only && !l.media.includes(values.only)) continue;
    if (values.skip && l.media.includes(values.skip)) continue;
    tiles.push(await tile(await frames.get(l), l, i));
  }
  for (let p = 0; p * 12 < tiles.length; p++) {
    const part = tiles.slice(p * 12, p * 12 + 12);
    await sharp({
      create: { width: 4 * TW, height: Math.ceil(part.length / 4) * TH, channels: 3, background: '#808080' },
    })
      .composite(part.map((input, k) => ({ input, left: (k % 4) * TW, top: Math.floor(k / 4) * TH })))
      .png()
      .toFile(join(out, `crops_${String(p).padStart(2, '0')}.png`));
  }
  process.stderr.write(
    `${tiles.length} labelled boxes (numbered by their index in ${values.file}) in ${out}\n`,
  );
}

await main();

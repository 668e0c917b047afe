/**
 * Labelling aid for detection ground truth (docs/accuracy.md): candidate person and vehicle
 * boxes from a larger detector, on the whole frame and on 2×2 overlapping tiles (so distant
 * people are proposed too), merged; drawn numbered on the frame for a person to accept,
 * reject or correct by eye. Writes candidates.json and one PNG per frame.
 *
 *   npx tsx bench/eval/bootstrap.ts --frames frames.json --out /tmp/boxes
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { sightingTypeOf } from '../../edge-agent/attributes/labels.js';
import { OnnxDetector } from '../../models/detector.js';
import { cropFrame, type RgbFrame } from '../../models/frame.js';
import { defaultModelsDir, loadModel } from '../../models/manifest.js';
import { openSession } from '../../models/onnx-session.js';
import { type FrameRef, loadFrame } from './media.js';
import { iou } from './score.js';

const { values } = parseArgs({
  options: {
    frames: { type: 'string' },
    model: { type: 'string', default: 'centernet-mbv3-512' },
    'min-score': { type: 'string', default: '0.3' },
    out: { type: 'string', default: '/tmp/xl-boxes' },
  },
});

interface Cand {
  id: number;
  cls: 'person' | 'vehicle';
  box: number[];
  score: number;
}

async function propose(det: OnnxDetector, frame: RgbFrame, minScore: number): Promise<Cand[]> {
  const views: Array<[number, number, number, number]> = [[0, 0, frame.width, frame.height]];
  const tw = Math.round(frame.width * 0.6);
  const th = Math.round(frame.height * 0.6);
  for (const x of [0, frame.width - tw])
    for (const y of [0, frame.height - th]) views.push([x, y, x + tw, y + th]);
  const all: Cand[] = [];
  for (const [x1, y1, x2, y2] of views) {
    const d = await det.detect(cropFrame(frame, x1, y1, x2, y2), { minScore });
    for (let i = 0; i < d.score.length; i++) {
      const cls = sightingTypeOf(det.labels[d.classId[i]!] ?? '');
      if (cls !== 'person' && cls !== 'vehicle') continue;
      const b = d.xyxy.subarray(i * 4, i * 4 + 4);
      const box = [b[0]! + x1, b[1]! + y1, b[2]! + x1, b[3]! + y1].map((v) => Math.round(v));
      // Drop tile boxes cut by an inner tile edge (the whole-frame view or another tile has them).
      const m = 0.03 * (x2 - x1);
      const cut =
        (box[0]! <= x1 + m && x1 > 0) ||
        (box[2]! >= x2 - m && x2 < frame.width) ||
        (box[1]! <= y1 + m && y1 > 0) ||
        (box[3]! >= y2 - m && y2 < frame.height);
      if (!cut) all.push({ id: 0, cls, box, score: d.score[i]! });
    }
  }
  all.sort((a, b) => b.score - a.score);
  const kept: Cand[] = [];
  const inside = (a: number[], b: number[]): boolean =>
    a[0]! >= b[0]! - 2 && a[1]! >= b[1]! - 2 && a[2]! <= b[2]! + 2 && a[3]! <= b[3]! + 2;
  for (const c of all)
    if (!kept.some((k) => k.cls === c.cls && (iou(k.box, c.box) > 0.5 || inside(c.box, k.box)))) kept.push(c);
  return kept;
}

async function draw(frame: RgbFrame, cands: Cand[], file: string): Promise<void> {
  const scale = frame.width < 600 ? 3 : frame.width < 1000 ? 2 : 1;
  const W = frame.width * scale;
  const H = frame.height * scale;
  const rects = cands
    .map((c) => {
      const [x1, y1, x2, y2] = c.box.map((v) => v * scale) as [number, number, number, number];
      const col = c.cls === 'person' ? '#00ff00' : '#ff00ff';
      return `<rect x="${x1}" y="${y1}" width="${x2 - x1}" height="${y2 - y1}" fill="none" stroke="${col}" stroke-width="1"/><text x="${x1}" y="${y1 - 1}" font-size="11" fill="${col}" font-family="sans-serif">${c.id}</text>`;
    })
    .join('');
  await sharp(Buffer.from(frame.data), { raw: { width: frame.width, height: frame.height, channels: 3 } })
    .resize(W, H, { kernel: 'nearest' })
    .composite([{ input: Buffer.from(`<svg width="${W}" height="${H}">${rects}</svg>`) }])
    .png()
    .toFile(file);
}

async function main(): Promise<void> {
  const out = resolve(values.out!);
  mkdirSync(out, { recursive: true });
  const refs = JSON.parse(readFileSync(values.frames!, 'utf8')) as FrameRef[];
  const { entry, path } = await loadModel(defaultModelsDir(), values.model!);
  const det = new OnnxDetector(entry, await openSession(path, { threads: 1 }));
  const result: Array<FrameRef & { cands: Cand[] }> = [];
  let id = 0;
  for (const [k, ref] of refs.entries()) {
    const frame = await loadFrame(ref);
    const cands = await propose(det, frame, Number(values['min-score']));
    for (const c of cands) c.id = id++;
    result.push({ ...ref, cands });
    await draw(frame, cands, join(out, `frame_${String(k).padStart(2, '0')}.png`));
  }
  writeFileSync(join(out, 'candidates.json'), JSON.stringify(result));
  process.stderr.write(`${id} candidates on ${refs.length} frames in ${out}\n`);
}

await main();

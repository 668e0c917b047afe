/**
 * Labelling aid for detection ground truth (docs/accuracy.md): candidate person and vehicle
 * boxes from a larger detector, on the whole frame and on 2×2 overlapping tiles (so distant
 * people are proposed too), merged (./tiling.ts; the labels in bench/eval/labels/boxes.json
 * were proposed with tiles of 0.6 × the frame, ./tiling.ts makes them 0.56); drawn numbered on the frame for a person to accept,
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
import type { RgbFrame } from '../../models/frame.js';
import { defaultModelsDir, loadModel } from '../../models/manifest.js';
import { openSession } from '../../models/onnx-session.js';
import { type FrameRef, loadFrame } from './media.js';
import { detectTiled } from './tiling.js';

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

/** Person and vehicle proposals: the whole frame and 2×2 overlapping tiles, merged (./tiling.ts). */
async function propose(det: OnnxDetector, frame: RgbFrame, minScore: number): Promise<Cand[]> {
  const out: Cand[] = [];
  for (const t of await detectTiled(det, frame, 2, minScore)) {
    const cls = sightingTypeOf(det.labels[t.classId] ?? '');
    if (cls === 'person' || cls === 'vehicle')
      out.push({ id: 0, cls, box: t.box.map((v) => Math.round(v)), score: t.score });
  }
  return out;
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

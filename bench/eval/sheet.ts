/**
 * Labelling aid for the accuracy harness (docs/accuracy.md): runs a detector over sampled
 * frames, writes the candidate boxes as JSON and contact sheets (numbered crops) as PNG, so a
 * person can look at each crop and write its colours into bench/eval/labels/.
 *
 *   npx tsx bench/eval/sheet.ts --media video/campus_pedestrians.mp4 --every 4 --count 20 \
 *     --kind person --out /tmp/sheets
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { sightingTypeOf } from '../../edge-agent/attributes/labels.js';
import { OnnxDetector } from '../../models/detector.js';
import { defaultModelsDir, loadModel } from '../../models/manifest.js';
import { openSession } from '../../models/onnx-session.js';
import { type FrameRef, loadFrame } from './media.js';

const { values } = parseArgs({
  options: {
    media: { type: 'string', multiple: true },
    every: { type: 'string', default: '4' },
    count: { type: 'string', default: '10' },
    kind: { type: 'string', default: 'person' },
    model: { type: 'string', default: 'centernet-mbv3-512' },
    'min-height': { type: 'string', default: '40' },
    'min-score': { type: 'string', default: '0.4' },
    out: { type: 'string', default: '/tmp/xl-sheets' },
  },
});

interface Candidate extends FrameRef {
  id: number;
  label: string;
  box: [number, number, number, number];
  score: number;
}

async function main(): Promise<void> {
  const out = resolve(values.out!);
  mkdirSync(out, { recursive: true });
  const { entry, path } = await loadModel(defaultModelsDir(), values.model!);
  const det = new OnnxDetector(entry, await openSession(path, { threads: 1 }));
  const cands: Candidate[] = [];
  const tiles: Buffer[] = [];
  for (const media of values.media ?? []) {
    const refs: FrameRef[] = media.startsWith('video/')
      ? Array.from({ length: Number(values.count) }, (_, i) => ({
          media,
          tSec: (i + 0.5) * Number(values.every),
        }))
      : [{ media }];
    for (const ref of refs) {
      const frame = await loadFrame(ref).catch(() => undefined);
      if (!frame) continue;
      const d = await det.detect(frame, { minScore: Number(values['min-score']) });
      for (let i = 0; i < d.score.length; i++) {
        const label = entry.labels[d.classId[i]!] ?? '?';
        const t = sightingTypeOf(label);
        if (values.kind === 'person' ? t !== 'person' : t !== 'vehicle') continue;
        const b = Array.from(d.xyxy.subarray(i * 4, i * 4 + 4)).map(Math.round) as Candidate['box'];
        if (b[3] - b[1] < Number(values['min-height'])) continue;
        const id = cands.length;
        cands.push({ ...ref, id, label, box: b, score: Math.round(d.score[i]! * 100) / 100 });
        tiles.push(await tile(frame, b, id, label));
      }
    }
  }
  writeFileSync(join(out, 'candidates.json'), JSON.stringify(cands, null, 1));
  for (let s = 0; s * 24 < tiles.length; s++) {
    const part = tiles.slice(s * 24, s * 24 + 24);
    await sharp({
      create: {
        width: 6 * 160,
        height: Math.ceil(part.length / 6) * 240,
        channels: 3,
        background: '#808080',
      },
    })
      .composite(part.map((input, k) => ({ input, left: (k % 6) * 160, top: Math.floor(k / 6) * 240 })))
      .png()
      .toFile(join(out, `sheet_${String(s).padStart(2, '0')}.png`));
  }
  process.stderr.write(`${cands.length} candidates, ${Math.ceil(tiles.length / 24)} sheets in ${out}\n`);
}

/** One 160×240 tile: the crop (with a 10 % margin) scaled to fit, and its number. */
async function tile(
  frame: { data: Uint8Array; width: number; height: number },
  b: Candidate['box'],
  id: number,
  label: string,
): Promise<Buffer> {
  const mx = (b[2] - b[0]) * 0.1;
  const my = (b[3] - b[1]) * 0.05;
  const left = Math.max(0, Math.floor(b[0] - mx));
  const top = Math.max(0, Math.floor(b[1] - my));
  const width = Math.min(frame.width, Math.ceil(b[2] + mx)) - left;
  const height = Math.min(frame.height, Math.ceil(b[3] + my)) - top;
  const crop = await sharp(Buffer.from(frame.data), {
    raw: { width: frame.width, height: frame.height, channels: 3 },
  })
    .extract({ left, top, width, height })
    .resize(156, 212, { fit: 'contain', background: '#808080', kernel: 'nearest' })
    .png()
    .toBuffer();
  const text = Buffer.from(
    `<svg width="160" height="240"><rect width="160" height="240" fill="#202020"/><text x="4" y="234" font-size="20" fill="#ffff00" font-family="sans-serif">${id} ${label}</text></svg>`,
  );
  return sharp(text)
    .composite([{ input: crop, left: 2, top: 2 }])
    .png()
    .toBuffer();
}

await main();

/**
 * Labelling aid for track identities (docs/accuracy.md): a larger detector on the whole
 * frame and 2×2 tiles (`--tiling`) at a high frame rate (cached, ./detcache.ts), linked by the
 * tracker with a long lost buffer, sampled every `--every` seconds, and drawn for a person to
 * correct by eye: frames with numbered boxes (four to a page) and one strip of crops per
 * identity (an identity that changes person along its strip is a swap to split; two strips of
 * one person are a break to merge). Corrections (`--fix fix.json`: `merge` [[keep, into…]],
 * `drop` [id…], `split` [[id, fromSec]], `dropBoxes` [[id, tSec]]) are applied to the output.
 *
 *   npx tsx bench/eval/track-bootstrap.ts --media video/campus_pedestrians.mp4 --dur 60 \
 *     --fps 10 --every 0.8 --cls person --out /tmp/tracks-campus [--fix fix.json]
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { OnnxDetector } from '../../models/detector.js';
import { cropFrame, type RgbFrame } from '../../models/frame.js';
import { defaultModelsDir, loadModel } from '../../models/manifest.js';
import { openSession } from '../../models/onnx-session.js';
import { clipDetections } from './detcache.js';
import { runTracker } from './track-run.js';
import { type ClipRef, clipFrames } from './video.js';

const { values } = parseArgs({
  options: {
    media: { type: 'string' },
    start: { type: 'string', default: '0' },
    dur: { type: 'string', default: '60' },
    fps: { type: 'string', default: '10' },
    every: { type: 'string', default: '0.8' },
    cls: { type: 'string', default: 'person' },
    model: { type: 'string', default: 'centernet-mbv3-512' },
    out: { type: 'string', default: '/tmp/xl-tracks' },
    fix: { type: 'string' },
    tiling: { type: 'string', default: '2' },
    'min-score': { type: 'string', default: '0.3' },
    'strip-len': { type: 'string', default: '14' },
  },
});

export interface TrackLabelFrame {
  tSec: number;
  /** `[id, x1, y1, x2, y2]` in frame pixels. */
  boxes: number[][];
}

interface Fix {
  merge?: number[][];
  drop?: number[];
  split?: number[][];
  dropBoxes?: number[][];
}

function applyFix(frames: TrackLabelFrame[], fix: Fix): void {
  const into = new Map<number, number>();
  for (const [keep, ...rest] of fix.merge ?? []) for (const r of rest) into.set(r!, keep!);
  const drop = new Set(fix.drop ?? []);
  let nextId = 1 + Math.max(0, ...frames.flatMap((f) => f.boxes.map((b) => b[0]!)));
  const splits = (fix.split ?? []).map(([id, from]) => ({ id: id!, from: from!, to: nextId++ }));
  for (const f of frames) {
    f.boxes = f.boxes.filter((b) => !drop.has(b[0]!));
    f.boxes = f.boxes.filter(
      (b) => !(fix.dropBoxes ?? []).some(([id, t]) => id === b[0] && Math.abs(t! - f.tSec) < 0.01),
    );
    for (const b of f.boxes) {
      const s = splits
        .filter((x) => x.id === b[0] && f.tSec >= x.from - 1e-6)
        .sort((p, q) => q.from - p.from)[0];
      if (s) b[0] = s.to;
      b[0] = into.get(b[0]!) ?? b[0]!;
    }
  }
}

async function drawPages(
  frames: Map<number, RgbFrame>,
  labels: TrackLabelFrame[],
  out: string,
): Promise<void> {
  const scale = [...frames.values()][0]!.width < 600 ? 2 : 1;
  for (let p = 0; p * 4 < labels.length; p++) {
    const page = labels.slice(p * 4, p * 4 + 4);
    const tiles = [];
    for (const [k, l] of page.entries()) {
      const f = frames.get(Math.round(l.tSec * 100))!;
      const W = f.width * scale;
      const H = f.height * scale;
      const rects = l.boxes
        .map(([id, x1, y1, x2, y2]) => {
          const [a, b, c, d] = [x1!, y1!, x2!, y2!].map((v) => v * scale) as [number, number, number, number];
          return `<rect x="${a}" y="${b}" width="${c - a}" height="${d - b}" fill="none" stroke="#00ff00" stroke-width="1"/><text x="${a + 1}" y="${b + 11}" font-size="12" fill="#ffff00" font-family="sans-serif">${id}</text>`;
        })
        .join('');
      const label = `<text x="4" y="16" font-size="16" fill="#ff0000" font-family="sans-serif">t=${l.tSec.toFixed(1)}</text>`;
      const png = await sharp(Buffer.from(f.data), { raw: { width: f.width, height: f.height, channels: 3 } })
        .resize(W, H, { kernel: 'nearest' })
        .composite([{ input: Buffer.from(`<svg width="${W}" height="${H}">${rects}${label}</svg>`) }])
        .png()
        .toBuffer();
      tiles.push({ input: png, left: (k % 2) * W, top: Math.floor(k / 2) * H, W, H });
    }
    const W = tiles[0]!.W * 2;
    const H = tiles[0]!.H * 2;
    await sharp({ create: { width: W, height: H, channels: 3, background: '#000' } })
      .composite(tiles.map(({ input, left, top }) => ({ input, left, top })))
      .png()
      .toFile(join(out, `page_${String(p).padStart(2, '0')}.png`));
  }
}

/** One row per identity: up to `--strip-len` crops along its life, 64 px high, time (s) under each. */
async function drawStrips(
  frames: Map<number, RgbFrame>,
  labels: TrackLabelFrame[],
  out: string,
): Promise<void> {
  const byId = new Map<number, Array<{ t: number; box: number[] }>>();
  for (const l of labels)
    for (const b of l.boxes) byId.set(b[0]!, [...(byId.get(b[0]!) ?? []), { t: l.tSec, box: b.slice(1) }]);
  const ids = [...byId.keys()].sort((a, b) => a - b);
  const CW = 40;
  const CH = 64;
  const N = Number(values['strip-len']);
  for (let p = 0; p * 16 < ids.length; p++) {
    const rows = ids.slice(p * 16, p * 16 + 16);
    const comps = [];
    let svg = '';
    for (const [r, id] of rows.entries()) {
      const obs = byId.get(id)!;
      const pick =
        obs.length <= N
          ? obs
          : Array.from({ length: N }, (_, i) => obs[Math.round((i * (obs.length - 1)) / (N - 1))]!);
      svg += `<text x="2" y="${r * CH + 20}" font-size="14" fill="#ffff00" font-family="sans-serif">${id}</text><text x="2" y="${r * CH + 40}" font-size="10" fill="#ffffff" font-family="sans-serif">${obs[0]!.t.toFixed(1)}-${obs.at(-1)!.t.toFixed(1)}</text>`;
      for (const [c, o] of pick.entries()) {
        const f = frames.get(Math.round(o.t * 100))!;
        const cr = cropFrame(f, o.box[0]!, o.box[1]!, o.box[2]!, o.box[3]!);
        const img = await sharp(Buffer.from(cr.data), {
          raw: { width: cr.width, height: cr.height, channels: 3 },
        })
          .resize(CW, CH, { fit: 'contain', background: '#222' })
          .png()
          .toBuffer();
        comps.push({ input: img, left: 50 + c * (CW + 2), top: r * CH });
        svg += `<text x="${50 + c * (CW + 2)}" y="${r * CH + CH - 2}" font-size="9" fill="#00ffff" font-family="sans-serif">${o.t.toFixed(1)}</text>`;
      }
    }
    const W = 50 + N * (CW + 2);
    const H = rows.length * CH;
    comps.push({ input: Buffer.from(`<svg width="${W}" height="${H}">${svg}</svg>`), left: 0, top: 0 });
    await sharp({ create: { width: W, height: H, channels: 3, background: '#000' } })
      .composite(comps)
      .png()
      .toFile(join(out, `strips_${String(p).padStart(2, '0')}.png`));
  }
}

/**
 * The identities at every `every` seconds: a box where the tracker matched one, else one
 * interpolated linearly between its matches around that time when they are at most 1.2 s
 * apart (a detector miss inside a track).
 */
function sampleTracks(
  frames: Array<{ tSec: number; boxes: Array<{ id: number; box: number[] }> }>,
  every: number,
): TrackLabelFrame[] {
  const seen = new Map<number, Array<{ t: number; box: number[] }>>();
  for (const f of frames)
    for (const b of f.boxes) seen.set(b.id, [...(seen.get(b.id) ?? []), { t: f.tSec, box: b.box }]);
  const out: TrackLabelFrame[] = [];
  const end = frames.at(-1)?.tSec ?? 0;
  for (let r = 0; r * every <= end + 1e-6; r++) {
    const t = Math.round(r * every * 100) / 100;
    const boxes: number[][] = [];
    for (const [id, obs] of seen) {
      const k = obs.findIndex((o) => o.t >= t - 0.02);
      if (k < 0) continue;
      const b = obs[k]!;
      if (Math.abs(b.t - t) < 0.02) boxes.push([id, ...b.box.map((v) => Math.round(v))]);
      else if (k > 0 && b.t - obs[k - 1]!.t <= 1.2) {
        const a = obs[k - 1]!;
        const w = (t - a.t) / (b.t - a.t);
        boxes.push([id, ...a.box.map((v, i) => Math.round(v + w * (b.box[i]! - v)))]);
      }
    }
    out.push({ tSec: t, boxes });
  }
  return out;
}

async function main(): Promise<void> {
  const out = resolve(values.out!);
  mkdirSync(out, { recursive: true });
  const clip: ClipRef = {
    media: values.media!,
    startSec: Number(values.start),
    durSec: Number(values.dur),
    fps: Number(values.fps),
  };
  const { entry, path } = await loadModel(defaultModelsDir(), values.model!);
  const det = new OnnxDetector(entry, await openSession(path, { threads: 1 }));
  const dets = await clipDetections(det, clip, Number(values.tiling), Number(values['min-score']), (s) =>
    process.stderr.write(`${s}\n`),
  );
  const every = Number(values.every);
  const frames = new Map<number, RgbFrame>();
  let size: [number, number] = [0, 0];
  for await (const { tSec, frame } of clipFrames(clip)) {
    size = [frame.width, frame.height];
    const r = Math.round(tSec / every);
    if (Math.abs(tSec - r * every) < 0.02) frames.set(Math.round(r * every * 100), frame);
  }
  const tracked = await runTracker(dets, {
    labels: entry.labels,
    widthPx: size[0],
    heightPx: size[1],
    tracker: { minHits: 2, lostTrackMs: 4000, highScore: 0.35, newTrackScore: 0.4, firstMatchIou: 0.1 },
  });
  const labels = sampleTracks(
    tracked.map((f) => ({ tSec: f.tSec, boxes: f.boxes.filter((b) => b.cls === values.cls) })),
    every,
  );
  if (values.fix && existsSync(values.fix))
    applyFix(labels, JSON.parse(readFileSync(values.fix, 'utf8')) as Fix);
  writeFileSync(join(out, 'tracks.json'), `${labels.map((l) => JSON.stringify(l)).join(',\n')}\n`);
  await drawPages(frames, labels, out);
  await drawStrips(frames, labels, out);
  const ids = new Set(labels.flatMap((l) => l.boxes.map((b) => b[0])));
  process.stderr.write(
    `${labels.length} frames, ${labels.reduce((s, l) => s + l.boxes.length, 0)} boxes, ${ids.size} identities in ${out}\n`,
  );
}

await main();

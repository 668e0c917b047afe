/**
 * Synthetic-scale people for the accuracy harness (docs/accuracy.md, "Small people"): the
 * campus frames of tracks.json (persons, every one boxed) shrunk and pasted `grid`×`grid` into
 * one frame of `outW`×`outH`, so the same real people stand 12–89 px tall instead of 30–214 px
 * (2×2 into 640×480: ×5/12). The labels are tracks.json's boxes scaled by the same factor, not
 * boxes drawn on the shrunk image: a set apart from the by-eye small-people.json, never mixed
 * into its figures. Quadrant k of mosaic m holds labelled frame m + k·(frames / grid²), so the
 * four views of a mosaic are far apart in time.
 */
import type { RgbFrame } from '../../models/frame.js';
import { resizeFrame } from './media.js';
import type { GtBox } from './score.js';
import type { TrackSequence } from './track-eval.js';
import { clipFrames } from './video.js';

export interface MosaicLabel {
  /** Labelled times (s) of the source frames, quadrant order (row by row). */
  tSecs: number[];
  boxes: GtBox[];
  ignoreRegions: number[][];
}

/** Which labelled frames go into each mosaic: group m holds m, m + G, m + 2G, … (G = frames / cells). */
export function mosaicGroups(frameCount: number, grid: number): number[][] {
  const cells = grid * grid;
  const g = Math.floor(frameCount / cells);
  return Array.from({ length: g }, (_, m) => Array.from({ length: cells }, (_, k) => m + k * g));
}

/** The labels of one mosaic: each source frame's boxes and ignore regions scaled into its cell. Pure. */
export function mosaicLabel(
  seq: TrackSequence,
  group: readonly number[],
  grid: number,
  src: [number, number],
  out: [number, number],
): MosaicLabel {
  const cw = out[0] / grid;
  const ch = out[1] / grid;
  const sx = cw / src[0];
  const sy = ch / src[1];
  const boxes: GtBox[] = [];
  const ignoreRegions: number[][] = [];
  const tSecs: number[] = [];
  group.forEach((idx, k) => {
    const f = seq.frames[idx]!;
    tSecs.push(f.tSec);
    const ox = (k % grid) * cw;
    const oy = Math.floor(k / grid) * ch;
    const place = (b: readonly number[]): number[] => [
      ox + b[0]! * sx,
      oy + b[1]! * sy,
      ox + b[2]! * sx,
      oy + b[3]! * sy,
    ];
    for (const b of f.boxes) boxes.push({ cls: seq.cls, box: place(b.slice(1)) });
    for (const r of [...(seq.ignoreRegions ?? []), ...(f.ignore ?? [])]) ignoreRegions.push(place(r));
  });
  return { tSecs, boxes, ignoreRegions };
}

/** Shrinks frames (sharp, its default Lanczos filter — what a lower-resolution camera's optics and scaler do) and pastes them row by row. */
export async function composeMosaic(
  frames: readonly RgbFrame[],
  grid: number,
  out: [number, number],
): Promise<RgbFrame> {
  const cw = Math.round(out[0] / grid);
  const ch = Math.round(out[1] / grid);
  const data = new Uint8Array(out[0] * out[1] * 3);
  for (let k = 0; k < frames.length; k++) {
    const f = frames[k]!;
    const small = (await resizeFrame(f, cw, ch)).data;
    const ox = (k % grid) * cw;
    const oy = Math.floor(k / grid) * ch;
    for (let y = 0; y < ch; y++)
      data.set(small.subarray(y * cw * 3, (y + 1) * cw * 3), ((oy + y) * out[0] + ox) * 3);
  }
  return { data, width: out[0], height: out[1] };
}

/** The mosaics of one labelled clip with their labels (frames picked as the clip detection eval picks them). */
export async function* mosaics(
  seq: TrackSequence,
  grid = 2,
  out: [number, number] = [640, 480],
): AsyncGenerator<{ frame: RgbFrame; label: MosaicLabel }> {
  const byT = new Map(seq.frames.map((f, i) => [Math.round(f.tSec * 100), i]));
  const every = seq.frames.length > 1 ? seq.frames[1]!.tSec - seq.frames[0]!.tSec : 1;
  const clip = { media: seq.media, startSec: seq.startSec, durSec: seq.durSec, fps: 1 / every };
  const decoded = new Map<number, RgbFrame>();
  for await (const { tSec, frame } of clipFrames(clip)) {
    const i = byT.get(Math.round(tSec * 100));
    if (i !== undefined) decoded.set(i, frame);
  }
  const any = decoded.values().next().value as RgbFrame | undefined;
  if (!any) return;
  for (const group of mosaicGroups(seq.frames.length, grid)) {
    if (!group.every((i) => decoded.has(i))) continue;
    const frame = await composeMosaic(
      group.map((i) => decoded.get(i)!),
      grid,
      out,
    );
    yield { frame, label: mosaicLabel(seq, group, grid, [any.width, any.height], out) };
  }
}

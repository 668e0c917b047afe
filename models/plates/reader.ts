/**
 * Licence-plate reader: `readPlates(frame, vehicleBoxes?)` → plates in frame pixels.
 *
 * Default path: PP-OCRv4 text detection on the frame (or each vehicle crop), recognition of
 * every text box and of neighbouring pairs (a plate's two halves, or the two rows of a
 * double-row plate), normalisation to the Chinese plate format, filtering by format and
 * confidence. With a plate detector configured, its plates come first: rectified by their
 * corners, double-row plates split and joined side by side, then recognised; the text path
 * still runs for regions where the detector reads nothing.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { XlError } from '../../contracts/errors.js';
import { TEXT_DET_MODEL, TEXT_REC_MODEL } from '../build.js';
import { catalogueEntry, PLATE_DETECTOR } from '../catalogue.js';
import { cropFrame, type RgbFrame } from '../frame.js';
import { loadModel, type ModelEntry, sha256File } from '../manifest.js';
import { type ModelSession, SessionCache } from '../onnx-session.js';
import { resizeRgb } from '../preprocess.js';
import { normalisePlate } from '../../contracts/plates.js';
import { ctcSymbols, detectText, lineImage, type RecResult, recognise, type TextBox } from './ocr.js';
import { detectPlates, type PlateBox } from './plate-detector.js';
import { quadSize, warpQuad } from './warp.js';

export interface PlateRead {
  /** Canonical plate text, e.g. `苏ED51712` (see contracts/plates.ts). */
  text: string;
  /** Mean character probability of the recognition. */
  score: number;
  /** Frame pixels. */
  box: [number, number, number, number];
  rows: 1 | 2;
}

export interface PlateReaderOptions {
  modelsDir: string;
  threads?: number;
  /** A plate-detector ONNX file (y5fu format); or the catalogue model name when pulled. */
  plateModel?: string;
  /** Drop reads below this mean character probability (default 0.75). */
  minScore?: number;
  sessions?: SessionCache;
}

type Box = [number, number, number, number];

interface Model {
  entry: ModelEntry;
  session: ModelSession;
}

const area = (b: Box): number => Math.max(0, b[2] - b[0]) * Math.max(0, b[3] - b[1]);
function overlap(a: Box, b: Box): number {
  const w = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const h = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  return w > 0 && h > 0 ? (w * h) / Math.min(area(a), area(b)) : 0;
}
const union = (a: Box, b: Box): Box => [
  Math.min(a[0], b[0]),
  Math.min(a[1], b[1]),
  Math.max(a[2], b[2]),
  Math.max(a[3], b[3]),
];

/** Joins two images side by side at the height of the taller one (double-row plates). */
async function sideBySide(a: RgbFrame, b: RgbFrame): Promise<RgbFrame> {
  const h = Math.max(a.height, b.height);
  const wa = Math.max(1, Math.round((a.width * h) / a.height));
  const wb = Math.max(1, Math.round((b.width * h) / b.height));
  const ra = await resizeRgb(a, wa, h);
  const rb = await resizeRgb(b, wb, h);
  const w = wa + wb;
  const out = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    out.set(ra.subarray(y * wa * 3, (y + 1) * wa * 3), y * w * 3);
    out.set(rb.subarray(y * wb * 3, (y + 1) * wb * 3), (y * w + wa) * 3);
  }
  return { data: out, width: w, height: h };
}

/** Where one `readPlates` call spent its time, ms. */
export interface PlateTimings {
  detectMs: number;
  recogniseMs: number;
  recognitions: number;
}

export class PlateReader {
  private constructor(
    private readonly det: Model,
    private readonly rec: Model,
    private readonly symbols: readonly string[],
    private readonly plateDet: Model | undefined,
    private readonly minScore: number,
  ) {}

  /** Opens the PP-OCRv4 models (and the plate detector when configured), sha256-verified. */
  static async open(opts: PlateReaderOptions): Promise<PlateReader> {
    const sessions = opts.sessions ?? new SessionCache();
    const threads = opts.threads ?? 2;
    const det = await loadModel(opts.modelsDir, TEXT_DET_MODEL);
    const rec = await loadModel(opts.modelsDir, TEXT_REC_MODEL);
    if (rec.entry.decoder.kind !== 'ctc')
      throw new XlError('MODEL_MANIFEST_INVALID', `${TEXT_REC_MODEL} must have a ctc decoder`);
    const symbols = ctcSymbols(readFileSync(join(opts.modelsDir, rec.entry.decoder.dictionary), 'utf8'));
    let plateDet: Model | undefined;
    if (opts.plateModel) {
      let entry: ModelEntry;
      let path: string;
      if (opts.plateModel.endsWith('.onnx')) {
        path = opts.plateModel;
        if (!existsSync(path))
          throw new XlError('MODEL_FILE_MISSING', `plate model ${path} does not exist`, { path });
        entry = { ...catalogueEntry(PLATE_DETECTOR, path), sha256: await sha256File(path) };
      } else {
        ({ entry, path } = await loadModel(opts.modelsDir, opts.plateModel));
      }
      plateDet = { entry, session: await sessions.get(path, { threads }) };
    }
    return new PlateReader(
      { entry: det.entry, session: await sessions.get(det.path, { threads }) },
      { entry: rec.entry, session: await sessions.get(rec.path, { threads }) },
      symbols,
      plateDet,
      opts.minScore ?? 0.75,
    );
  }

  get usesPlateDetector(): boolean {
    return this.plateDet !== undefined;
  }

  private async recog(img: RgbFrame, t: PlateTimings): Promise<RecResult> {
    const t0 = performance.now();
    const r = await recognise(this.rec.session, this.rec.entry, this.symbols, img);
    t.recogniseMs += performance.now() - t0;
    t.recognitions += 1;
    return r;
  }

  /** Reads plates in the frame, or only inside the given vehicle boxes (frame pixels). */
  async readPlates(
    frame: RgbFrame,
    vehicleBoxes?: ReadonlyArray<readonly [number, number, number, number]>,
  ): Promise<PlateRead[]> {
    return (await this.readPlatesTimed(frame, vehicleBoxes)).plates;
  }

  /** `readPlates` with the call's own timings (several calls may be in flight at once). */
  async readPlatesTimed(
    frame: RgbFrame,
    vehicleBoxes?: ReadonlyArray<readonly [number, number, number, number]>,
  ): Promise<{ plates: PlateRead[]; timings: PlateTimings }> {
    const timings: PlateTimings = { detectMs: 0, recogniseMs: 0, recognitions: 0 };
    const regions: Box[] = vehicleBoxes?.length
      ? vehicleBoxes.map((b) => [b[0], b[1], b[2], b[3]])
      : [[0, 0, frame.width, frame.height]];
    const all: PlateRead[] = [];
    for (const r of regions) {
      const crop =
        r[0] === 0 && r[1] === 0 && r[2] === frame.width && r[3] === frame.height
          ? frame
          : cropFrame(frame, r[0], r[1], r[2], r[3]);
      const ox = Math.max(0, Math.floor(r[0]));
      const oy = Math.max(0, Math.floor(r[1]));
      let reads: PlateRead[] = [];
      if (this.plateDet) reads = await this.viaPlateDetector(crop, timings);
      if (reads.length === 0) reads = await this.viaTextDetection(crop, timings);
      for (const p of reads)
        all.push({ ...p, box: [p.box[0] + ox, p.box[1] + oy, p.box[2] + ox, p.box[3] + oy] });
    }
    // One read per plate: the best-scored among overlapping reads.
    all.sort((a, b) => b.score - a.score);
    const kept: PlateRead[] = [];
    for (const p of all) if (!kept.some((k) => overlap(k.box, p.box) > 0.5)) kept.push(p);
    return { plates: kept, timings };
  }

  private async viaPlateDetector(f: RgbFrame, t: PlateTimings): Promise<PlateRead[]> {
    const det = this.plateDet!;
    const t0 = performance.now();
    const plates: PlateBox[] = await detectPlates(det.session, det.entry, f);
    t.detectMs += performance.now() - t0;
    const out: PlateRead[] = [];
    for (const p of plates) {
      const size = quadSize(p.corners);
      if (size.width < 8 || size.height < 4) continue;
      let img: RgbFrame;
      if (p.rows === 2) {
        // Double-row plate: the upper row (province + letter) is about 5/12 of the height.
        const h = 96;
        const w = Math.max(16, Math.round((size.width * h) / size.height));
        const full = warpQuad(f, p.corners, w, h);
        const upper = cropFrame(full, 0, 0, w, Math.round((h * 5) / 12));
        const lower = cropFrame(full, 0, Math.round(h / 3), w, h);
        img = await sideBySide(upper, lower);
      } else {
        const h = 48;
        const w = Math.max(16, Math.round((size.width * h) / size.height));
        img = warpQuad(f, p.corners, w, h);
      }
      const r = await this.recog(img, t);
      const plate = normalisePlate(r.text);
      if (plate && r.score >= this.minScore)
        out.push({
          text: plate.text,
          score: r.score,
          box: [
            Math.max(0, p.box[0]),
            Math.max(0, p.box[1]),
            Math.min(f.width, p.box[2]),
            Math.min(f.height, p.box[3]),
          ],
          rows: p.rows,
        });
    }
    return out;
  }

  private async viaTextDetection(f: RgbFrame, t: PlateTimings): Promise<PlateRead[]> {
    const t0 = performance.now();
    const boxes: TextBox[] = await detectText(this.det.session, this.det.entry, f);
    t.detectMs += performance.now() - t0;
    const reads = new Map<TextBox, RecResult>();
    for (const b of boxes) {
      // A plate (or one of its halves or rows) is a short line: skip long text and specks.
      const { width, height } = quadSize(b.quad);
      if (height < 8 || width / height > 10) continue;
      reads.set(b, await this.recog(lineImage(f, b), t));
    }
    const out: PlateRead[] = [];
    const consider = (text: string, score: number, box: Box, rows: 1 | 2): void => {
      const plate = normalisePlate(text);
      if (plate && score >= this.minScore) out.push({ text: plate.text, score, box, rows });
    };
    for (const [b, r] of reads) consider(r.text, r.score, b.box, 1);
    // Pairs: left+right on one line (a plate split at its separator), top+bottom (double row).
    const stacked: Array<[TextBox, TextBox]> = [];
    for (const [a, ra] of reads) {
      for (const [b, rb] of reads) {
        if (a === b) continue;
        const ha = a.box[3] - a.box[1];
        const hb = b.box[3] - b.box[1];
        const sameLine =
          Math.abs((a.box[1] + a.box[3]) / 2 - (b.box[1] + b.box[3]) / 2) < 0.5 * Math.min(ha, hb);
        const gapX = b.box[0] - a.box[2];
        if (sameLine && gapX > -0.5 * ha && gapX < 1.5 * Math.max(ha, hb)) {
          const s =
            (ra.score * ra.text.length + rb.score * rb.text.length) /
            Math.max(1, ra.text.length + rb.text.length);
          consider(ra.text + rb.text, s, union(a.box, b.box), 1);
        }
        const wa = a.box[2] - a.box[0];
        const wb = b.box[2] - b.box[0];
        const xOverlap = Math.min(a.box[2], b.box[2]) - Math.max(a.box[0], b.box[0]);
        const gapY = b.box[1] - a.box[3];
        if (xOverlap > 0.3 * Math.min(wa, wb) && gapY > -0.3 * ha && gapY < 0.8 * ha && wa < wb * 1.2) {
          const s =
            (ra.score * ra.text.length + rb.score * rb.text.length) /
            Math.max(1, ra.text.length + rb.text.length);
          consider(ra.text + rb.text, s, union(a.box, b.box), 2);
          stacked.push([a, b]);
        }
      }
    }
    // Double-row plates: the short upper row (province + letter) alone is often misread, so
    // the two rows are also joined side by side and recognised as one line, as the plate
    // detector path does.
    for (const [a, b] of stacked) {
      const r = await this.recog(await sideBySide(lineImage(f, a), lineImage(f, b)), t);
      consider(r.text, r.score, union(a.box, b.box), 2);
    }
    return out;
  }
}

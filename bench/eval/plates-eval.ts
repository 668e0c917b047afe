/**
 * Plate exact-read rate for the accuracy harness (docs/accuracy.md): on each labelled plate
 * photo (bench/eval/labels/plates.json: the plate text read by hand, as in the shared data's
 * file names), the agent's path — the edge detector's vehicle boxes, each read by the plate
 * reader (models/plates/reader.ts) as the agent reads its held vehicle crops — and the plate
 * reader on the whole photo. A read is exact when its canonical text (contracts/plates.ts)
 * equals the label's.
 */
import { join } from 'node:path';
import { normalisePlate } from '../../contracts/plates.js';
import { sightingTypeOf } from '../../edge-agent/attributes/labels.js';
import type { Detector } from '../../models/detector.js';
import { cropFrame, readImage } from '../../models/frame.js';
import { PlateReader } from '../../models/plates/reader.js';
import { dataDir } from './media.js';

export interface PlateLabel {
  media: string;
  plate: string;
}

export interface PlateFigures {
  n: number;
  /** Photos where a read inside a detected vehicle box is the labelled plate. */
  exactInVehicles: number;
  /** Photos where a read on the whole photo is the labelled plate. */
  exactWholeFrame: number;
  reads: Array<{ media: string; plate: string; vehicles: string[]; whole: string[] }>;
}

export async function plateFigures(
  labels: readonly PlateLabel[],
  det: Detector,
  o: { modelsDir: string; plateModel?: string; minScore: number },
): Promise<PlateFigures> {
  const reader = await PlateReader.open({
    modelsDir: o.modelsDir,
    threads: 1,
    ...(o.plateModel ? { plateModel: o.plateModel } : {}),
  });
  const out: PlateFigures = { n: 0, exactInVehicles: 0, exactWholeFrame: 0, reads: [] };
  for (const l of labels) {
    const want = normalisePlate(l.plate)?.text ?? l.plate;
    const frame = await readImage(join(dataDir(), l.media));
    const d = await det.detect(frame, { minScore: o.minScore });
    const vehicles: string[] = [];
    for (let i = 0; i < d.length; i++) {
      if (sightingTypeOf(det.labels[d.classId[i]!] ?? '') !== 'vehicle') continue;
      const [x1, y1, x2, y2] = d.box(i);
      for (const r of await reader.readPlates(cropFrame(frame, x1, y1, x2, y2))) vehicles.push(r.text);
    }
    const whole = (await reader.readPlates(frame)).map((r) => r.text);
    out.n++;
    if (vehicles.includes(want)) out.exactInVehicles++;
    if (whole.includes(want)) out.exactWholeFrame++;
    out.reads.push({ media: l.media, plate: want, vehicles, whole });
  }
  return out;
}

/**
 * Worker-thread side of {@link WorkerPlateReader}: a PlateReader (PP-OCRv4, and the plate
 * detector when configured) answering `readPlates` calls. workerData: PlateReaderOptions
 * without `sessions`.
 */
import type { RgbFrame } from '../frame.js';
import { serveWorker } from '../worker-serve.js';
import { type PlateRead, PlateReader, type PlateReaderOptions } from './reader.js';

export interface PlateRequest {
  frame: RgbFrame;
  boxes: ReadonlyArray<readonly [number, number, number, number]> | undefined;
}

void serveWorker<PlateRequest, PlateRead[]>(async (data) => {
  const reader = await PlateReader.open(data as PlateReaderOptions);
  return (m) => reader.readPlates(m.frame, m.boxes);
});

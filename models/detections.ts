/**
 * The one detection type shared by detector, tracker and rules (the supervision style):
 * columnar, immutable, selected with masks or index lists, never positional tuples.
 *
 * Boxes are `[x1, y1, x2, y2]` per row in `xyxy`; the space (pixels or normalised 0..1)
 * is whatever the producer documents — detectors return pixels of the source frame.
 */
export interface DetectionsInit {
  xyxy: Float32Array;
  score: Float32Array;
  classId: Int32Array;
  trackId?: Int32Array | undefined;
}

export class Detections {
  readonly xyxy: Float32Array;
  readonly score: Float32Array;
  readonly classId: Int32Array;
  readonly trackId: Int32Array | undefined;

  constructor(init: DetectionsInit) {
    const n = init.score.length;
    if (init.xyxy.length !== n * 4) {
      throw new RangeError(`Detections: xyxy has ${init.xyxy.length} values for ${n} rows (want ${n * 4})`);
    }
    if (init.classId.length !== n) {
      throw new RangeError(`Detections: classId has ${init.classId.length} rows, score has ${n}`);
    }
    if (init.trackId && init.trackId.length !== n) {
      throw new RangeError(`Detections: trackId has ${init.trackId.length} rows, score has ${n}`);
    }
    this.xyxy = init.xyxy;
    this.score = init.score;
    this.classId = init.classId;
    this.trackId = init.trackId;
    Object.freeze(this);
  }

  static empty(): Detections {
    return new Detections({
      xyxy: new Float32Array(0),
      score: new Float32Array(0),
      classId: new Int32Array(0),
    });
  }

  /** Builds from row objects (tests, small decoders). */
  static fromRows(
    rows: ReadonlyArray<{ box: readonly number[]; score: number; classId: number; trackId?: number }>,
  ): Detections {
    const n = rows.length;
    const xyxy = new Float32Array(n * 4);
    const score = new Float32Array(n);
    const classId = new Int32Array(n);
    const hasTrack = n > 0 && rows.every((r) => r.trackId !== undefined);
    const trackId = hasTrack ? new Int32Array(n) : undefined;
    rows.forEach((r, i) => {
      if (r.box.length !== 4)
        throw new RangeError(`Detections.fromRows: row ${i} box has ${r.box.length} values`);
      xyxy.set(r.box, i * 4);
      score[i] = r.score;
      classId[i] = r.classId;
      if (trackId) trackId[i] = r.trackId ?? -1;
    });
    return new Detections({ xyxy, score, classId, trackId });
  }

  get length(): number {
    return this.score.length;
  }

  /** Box of row i as a fresh 4-tuple. */
  box(i: number): [number, number, number, number] {
    const o = i * 4;
    return [this.xyxy[o]!, this.xyxy[o + 1]!, this.xyxy[o + 2]!, this.xyxy[o + 3]!];
  }

  /** Rows where `mask[i]` is true, in order. */
  filter(mask: ArrayLike<boolean>): Detections {
    if (mask.length !== this.length)
      throw new RangeError(`Detections.filter: mask ${mask.length} != ${this.length}`);
    const idx: number[] = [];
    for (let i = 0; i < mask.length; i++) if (mask[i]) idx.push(i);
    return this.select(idx);
  }

  /** Rows at the given indices, in the order given. */
  select(indices: ArrayLike<number>): Detections {
    const n = indices.length;
    const xyxy = new Float32Array(n * 4);
    const score = new Float32Array(n);
    const classId = new Int32Array(n);
    const trackId = this.trackId ? new Int32Array(n) : undefined;
    for (let k = 0; k < n; k++) {
      const i = indices[k]!;
      if (i < 0 || i >= this.length)
        throw new RangeError(`Detections.select: index ${i} out of 0..${this.length - 1}`);
      xyxy.set(this.xyxy.subarray(i * 4, i * 4 + 4), k * 4);
      score[k] = this.score[i]!;
      classId[k] = this.classId[i]!;
      if (trackId) trackId[k] = this.trackId![i]!;
    }
    return new Detections({ xyxy, score, classId, trackId });
  }

  /** The same rows with track ids attached. */
  withTrackIds(trackId: Int32Array): Detections {
    return new Detections({ xyxy: this.xyxy, score: this.score, classId: this.classId, trackId });
  }

  /** Rows as plain objects (for JSON output and tests). */
  toRows(): Array<{
    box: [number, number, number, number];
    score: number;
    classId: number;
    trackId?: number;
  }> {
    const out: Array<{
      box: [number, number, number, number];
      score: number;
      classId: number;
      trackId?: number;
    }> = [];
    for (let i = 0; i < this.length; i++) {
      const row: { box: [number, number, number, number]; score: number; classId: number; trackId?: number } =
        {
          box: this.box(i),
          score: this.score[i]!,
          classId: this.classId[i]!,
        };
      if (this.trackId) row.trackId = this.trackId[i]!;
      out.push(row);
    }
    return out;
  }
}

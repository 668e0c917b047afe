/**
 * Exact-size frame assembly. ffmpeg's `rawvideo rgb24` stdout arrives in pipe-sized chunks
 * (64 KiB on Linux) that ignore frame boundaries; a frame is exactly `w * h * 3` bytes. Pure:
 * no I/O, no clock.
 */

/**
 * A frame's bytes: shared memory, so handing a frame to the detector's worker thread
 * (models/worker-detector.ts) shares it instead of copying 0.9 MB per 640×480 frame.
 */
function frameBuffer(bytes: number): Uint8Array {
  return new Uint8Array(new SharedArrayBuffer(bytes));
}

/** Splits a byte stream into frames of exactly `frameBytes` bytes, across chunk boundaries. */
export class FrameAssembler {
  private buf: Uint8Array;
  private filled = 0;

  /** @param frameBytes `width * height * 3` for rgb24. */
  constructor(readonly frameBytes: number) {
    if (!Number.isInteger(frameBytes) || frameBytes <= 0)
      throw new RangeError(`frameBytes must be a positive integer, got ${frameBytes}`);
    this.buf = frameBuffer(frameBytes);
  }

  /** Bytes of an incomplete frame held back (0 on a frame boundary). */
  get pendingBytes(): number {
    return this.filled;
  }

  /**
   * Feeds one chunk; returns the frames it completes, in order. Each frame is a fresh buffer
   * the caller owns (the assembler never writes to it again).
   */
  push(chunk: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = [];
    let off = 0;
    while (off < chunk.length) {
      const take = Math.min(this.frameBytes - this.filled, chunk.length - off);
      this.buf.set(chunk.subarray(off, off + take), this.filled);
      this.filled += take;
      off += take;
      if (this.filled === this.frameBytes) {
        out.push(this.buf);
        this.buf = frameBuffer(this.frameBytes);
        this.filled = 0;
      }
    }
    return out;
  }

  /** Drops a partial frame (a restarted ffmpeg starts on a frame boundary). */
  reset(): void {
    this.filled = 0;
  }
}

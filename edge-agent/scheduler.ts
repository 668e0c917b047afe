/**
 * Frame scheduling (docs/architecture.md#edge-agent): a newest-frame slot per camera and one shared detector fed
 * round-robin across cameras.
 *
 * A camera's slot holds at most one frame; a new frame replaces an untaken one, which is
 * dropped and counted. Latency therefore stays bounded by one frame per camera whatever the
 * detector's speed — never a growing queue (Frigate's `skipped_fps` does the same). A
 * lossless slot (file sources read at `speed: 0`, for tests and benchmarks) never drops:
 * it asks its producer to pause instead.
 */

/** Newest-frame slot of one camera. Pure. */
export class FrameSlot<T> {
  private items: T[] = [];
  /** Frames offered. */
  put = 0;
  /** Frames replaced before the detector took them. */
  dropped = 0;
  /** Frames handed to the detector. */
  taken = 0;

  /** @param lossless keep every frame (the producer must pause while {@link full}). */
  constructor(readonly lossless = false) {}

  /** Offers a frame; returns the frame it displaced (dropped), if any. */
  offer(item: T): T | undefined {
    this.put++;
    if (this.lossless) {
      this.items.push(item);
      return undefined;
    }
    const old = this.items[0];
    this.items[0] = item;
    if (old !== undefined) this.dropped++;
    return old;
  }

  take(): T | undefined {
    const v = this.items.shift();
    if (v !== undefined) this.taken++;
    return v;
  }

  get full(): boolean {
    return this.items.length > 0;
  }
}

/**
 * The next camera to serve: the first, in order after `lastIndex` (wrapping), whose slot holds
 * a frame; -1 when none does. Pure.
 */
export function nextRoundRobin(ready: readonly boolean[], lastIndex: number): number {
  const n = ready.length;
  for (let k = 1; k <= n; k++) {
    const i = (((lastIndex + k) % n) + n) % n;
    if (ready[i]) return i;
  }
  return -1;
}

/** Hooks of one camera in the scheduler. */
export interface SchedulerCamera {
  /** Keep every frame and ask the producer to pause while one waits. */
  lossless?: boolean;
  /** Lossless producers: stop producing (a frame is waiting). */
  pause?: () => void;
  /** Lossless producers: produce again (the waiting frame was taken). */
  resume?: () => void;
  /** A frame was dropped from the slot. */
  onDrop?: () => void;
}

export interface SchedulerOptions<T> {
  /** Runs the shared stage (the detector) on one frame; the scheduler awaits it. */
  run: (camera: string, item: T) => Promise<void>;
  /**
   * Frames in the shared stage at once (default 1), never two of the same camera (its frames
   * stay in order). The agent uses detector workers × DETECTOR_DEPTH (edge-agent/agent.ts).
   */
  concurrency?: number;
  /** A `run` failure (the loop goes on). */
  onError?: (camera: string, err: unknown) => void;
}

/**
 * Feeds one consumer (the detector) from every camera's slot, round-robin, `concurrency`
 * frames at a time (one per camera at most). Adapter-free: it only awaits promises.
 */
export class Scheduler<T> {
  private readonly ids: string[] = [];
  private readonly slots: FrameSlot<T>[] = [];
  private readonly hooks: SchedulerCamera[] = [];
  private readonly busy: boolean[] = [];
  private inFlight = 0;
  private last = -1;
  private running = false;
  private wake: (() => void) | undefined;
  private loopDone: Promise<void> | undefined;

  constructor(private readonly opts: SchedulerOptions<T>) {}

  addCamera(id: string, hooks: SchedulerCamera = {}): FrameSlot<T> {
    if (this.ids.includes(id)) throw new RangeError(`camera ${id} is already scheduled`);
    const slot = new FrameSlot<T>(hooks.lossless ?? false);
    this.ids.push(id);
    this.slots.push(slot);
    this.hooks.push(hooks);
    this.busy.push(false);
    return slot;
  }

  slot(id: string): FrameSlot<T> | undefined {
    return this.slots[this.ids.indexOf(id)];
  }

  /** A new frame from a camera; never blocks. */
  offer(id: string, item: T): void {
    const i = this.ids.indexOf(id);
    const slot = this.slots[i];
    if (!slot) throw new RangeError(`camera ${id} is not scheduled`);
    const hooks = this.hooks[i]!;
    if (slot.offer(item) !== undefined) hooks.onDrop?.();
    if (slot.lossless) hooks.pause?.();
    this.wake?.();
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loopDone = this.loop();
  }

  /** Stops after the frame in progress. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loopDone;
  }

  /** Frames waiting in slots (0 or 1 per live camera). */
  get waiting(): number {
    return this.slots.filter((s) => s.full).length;
  }

  private async loop(): Promise<void> {
    const concurrency = Math.max(1, this.opts.concurrency ?? 1);
    const running = new Set<Promise<void>>();
    while (this.running) {
      const i =
        this.inFlight < concurrency
          ? nextRoundRobin(
              this.slots.map((s, k) => s.full && !this.busy[k]),
              this.last,
            )
          : -1;
      if (i < 0) {
        await new Promise<void>((r) => {
          this.wake = r;
        });
        this.wake = undefined;
        continue;
      }
      this.last = i;
      const slot = this.slots[i]!;
      const item = slot.take()!;
      if (slot.lossless && !slot.full) this.hooks[i]!.resume?.();
      const id = this.ids[i]!;
      this.busy[i] = true;
      this.inFlight++;
      const p: Promise<void> = this.opts
        .run(id, item)
        .catch((e: unknown) => this.opts.onError?.(id, e))
        .finally(() => {
          this.busy[i] = false;
          this.inFlight--;
          running.delete(p);
          this.wake?.();
        });
      running.add(p);
      // One at a time: wait here, as before (no extra wake-ups).
      if (concurrency === 1) await p;
    }
    await Promise.all(running);
  }
}

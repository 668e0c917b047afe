/**
 * Refusing unauthenticated clients cheaply (docs/security.md, "Floods of bad credentials"):
 *
 * - `Tarpit`: a refusal for an address over its failure limit is answered after `delayMs`
 *   instead of at once. A client that retries as soon as it is answered (a password-guessing
 *   loop) then makes one attempt a `delayMs` per connection instead of hundreds a second, and
 *   the server and the box spend that much less on it. At most `maxHeld` refusals are held at
 *   once; past that they are answered at once (held answers must not become a resource to
 *   exhaust). Nothing is held per refusal but a timer.
 * - `RefusalLog`: no log line per refusal (a flood would become a flood of log lines): the
 *   first refusal after a quiet period is logged with its details, the rest are counted by
 *   reason and logged as one summary line per `everyMs`.
 */
import type { Logger } from './log.js';

export interface TarpitOptions {
  delayMs: number;
  maxHeld: number;
}

export const TARPIT: Readonly<TarpitOptions> = Object.freeze({ delayMs: 1_000, maxHeld: 256 });

export class Tarpit {
  private held = 0;
  /** Refusals answered late, and answered at once because `maxHeld` were held. */
  readonly counts = { delayed: 0, immediate: 0 };

  constructor(private readonly o: Readonly<TarpitOptions> = TARPIT) {}

  /** Resolves after `delayMs`, or at once when `maxHeld` refusals are already held. */
  delay(): Promise<void> {
    if (this.o.delayMs <= 0 || this.held >= this.o.maxHeld) {
      this.counts.immediate++;
      return Promise.resolve();
    }
    this.held++;
    this.counts.delayed++;
    return new Promise((resolve) => {
      setTimeout(() => {
        this.held--;
        resolve();
      }, this.o.delayMs).unref();
    });
  }

  get holding(): number {
    return this.held;
  }
}

export class RefusalLog {
  private counts = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly log: Logger,
    private readonly what: string,
    private readonly everyMs = 10_000,
  ) {}

  /** A refusal: logged now when none was in the last `everyMs`, else counted for the summary. */
  note(reason: string, details: Record<string, unknown>, message: string): void {
    if (!this.timer) {
      this.log.warn({ ...details, reason }, message);
      this.timer = setTimeout(() => this.flush(), this.everyMs);
      this.timer.unref();
      return;
    }
    this.counts.set(reason, (this.counts.get(reason) ?? 0) + 1);
  }

  private flush(): void {
    this.timer = undefined;
    if (this.counts.size === 0) return;
    const byReason = Object.fromEntries(this.counts);
    this.counts = new Map();
    this.log.warn(
      { refused: byReason, windowMs: this.everyMs },
      `${this.what}: more refusals in the last ${Math.round(this.everyMs / 1000)} s (counted, not logged one by one)`,
    );
    // The next refusal within the next window is counted too.
    this.timer = setTimeout(() => this.flush(), this.everyMs);
    this.timer.unref();
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

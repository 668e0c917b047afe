/**
 * One live connection per tab, shared by the views: `GET /api/v1/stream` (SSE: `hit` and
 * `task` events in the caller's jurisdiction). If this server has no stream route yet it
 * falls back to polling `/api/v1/hits` once a second, and says so in the status line.
 * Reconnects with backoff; remembers recent ids so a reconnect does not repeat cards.
 */
import { type Api, ApiError } from './api.js';
import type { Hit, Task } from './model.js';

export type LiveStatus = 'connecting' | 'connected' | 'polling' | 'disconnected';

type Listener<T> = (v: T) => void;

const SEEN_MAX = 2000;
const RECENT_MAX = 48;

export class LiveBus {
  status: LiveStatus = 'connecting';
  private readonly hitL = new Set<Listener<Hit>>();
  private readonly taskL = new Set<Listener<Task>>();
  private readonly statusL = new Set<Listener<LiveStatus>>();
  private readonly seen = new Set<string>();
  /** The newest hits this tab received, newest first (a view mounted later starts with them). */
  readonly recent: Hit[] = [];
  private ctrl: AbortController | null = null;
  private stopped = false;

  constructor(private readonly api: Api) {}

  onHit(f: Listener<Hit>): () => void {
    this.hitL.add(f);
    return () => this.hitL.delete(f);
  }
  onTask(f: Listener<Task>): () => void {
    this.taskL.add(f);
    return () => this.taskL.delete(f);
  }
  onStatus(f: Listener<LiveStatus>): () => void {
    this.statusL.add(f);
    f(this.status);
    return () => this.statusL.delete(f);
  }

  private setStatus(s: LiveStatus): void {
    this.status = s;
    for (const f of this.statusL) f(s);
  }

  private emitHit(h: Hit): void {
    if (this.seen.has(h.id)) return;
    this.seen.add(h.id);
    if (this.seen.size > SEEN_MAX) this.seen.delete(this.seen.values().next().value as string);
    this.recent.unshift(h);
    if (this.recent.length > RECENT_MAX) this.recent.length = RECENT_MAX;
    for (const f of this.hitL) f(h);
  }

  start(): void {
    this.stopped = false;
    void this.loop();
  }

  stop(): void {
    this.stopped = true;
    this.ctrl?.abort();
  }

  private async loop(): Promise<void> {
    let backoffMs = 500;
    while (!this.stopped) {
      this.ctrl = new AbortController();
      const signal = this.ctrl.signal;
      try {
        this.setStatus('connecting');
        await this.api.stream(
          '/api/v1/stream',
          (e) => {
            if (e.event !== 'hit' && e.event !== 'task') return;
            let v: unknown;
            try {
              v = JSON.parse(e.data);
            } catch {
              return;
            }
            if (e.event === 'hit') this.emitHit(v as Hit);
            else {
              // `{ event, by, tsMs, task }` (api/routes/stream.ts); a bare task is accepted too.
              const task = (v as { task?: Task }).task ?? (v as Task);
              for (const f of this.taskL) f(task);
            }
          },
          signal,
          () => {
            backoffMs = 500;
            this.setStatus('connected');
          },
        );
      } catch (e) {
        if (this.stopped) return;
        if (e instanceof ApiError && e.missing) {
          await this.poll(signal);
          return;
        }
        if (e instanceof ApiError && e.status === 401) {
          this.setStatus('disconnected');
          return;
        }
      }
      if (this.stopped) return;
      this.setStatus('disconnected');
      await sleep(backoffMs);
      backoffMs = Math.min(backoffMs * 2, 10_000);
    }
  }

  /** Fallback when the server has no stream route: newest hits once a second. */
  private async poll(signal: AbortSignal): Promise<void> {
    let sinceMs = Date.now() - 60_000;
    this.setStatus('polling');
    while (!this.stopped && !signal.aborted) {
      try {
        const now = Date.now();
        const r = await this.api.get<{ hits: Hit[] }>(
          '/api/v1/hits',
          { from: sinceMs, to: now + 60_000, limit: 200 },
          signal,
        );
        const fresh = [...r.hits].reverse();
        for (const h of fresh) this.emitHit(h);
        if (r.hits.length) sinceMs = Math.max(sinceMs, (r.hits[0]?.tsMs ?? sinceMs) - 5_000);
        if (this.status !== 'polling') this.setStatus('polling');
      } catch {
        if (this.stopped || signal.aborted) return;
        this.setStatus('disconnected');
      }
      await sleep(1000);
    }
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

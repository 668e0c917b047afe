/**
 * The browser's client of the HTTP API: a bearer key from sessionStorage, JSON in and out,
 * errors as `ApiError` carrying the API's `{ code, message }` (branch on the code), and the
 * SSE stream read through fetch (see sse.ts for why not EventSource).
 */
import { feedSse, initialSse, type SseEvent } from './sse.js';

const KEY_STORE = 'xl.key';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
  /** The route is not deployed on this server (another part not built or not enabled). */
  get missing(): boolean {
    return this.status === 404 && this.code === 'API_NOT_FOUND' && this.message.startsWith('no route');
  }
}

export type Query = Record<string, string | number | boolean | undefined | null | readonly string[]>;

export function qs(q: Query | undefined): string {
  if (!q) return '';
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) {
    if (v === undefined || v === null || v === '') continue;
    if (Array.isArray(v)) for (const x of v) p.append(k, x);
    else p.append(k, String(v));
  }
  const s = p.toString();
  return s ? `?${s}` : '';
}

export class Api {
  key: string | null;
  constructor(private readonly base = '') {
    this.key = sessionStorage.getItem(KEY_STORE);
  }

  setKey(key: string | null): void {
    this.key = key;
    if (key) sessionStorage.setItem(KEY_STORE, key);
    else sessionStorage.removeItem(KEY_STORE);
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return this.key ? { authorization: `Bearer ${this.key}`, ...extra } : extra;
  }

  private async fail(r: Response): Promise<never> {
    let code = `HTTP_${r.status}`;
    let message = r.statusText;
    try {
      const b = (await r.json()) as { code?: string; message?: string };
      code = b.code ?? code;
      message = b.message ?? message;
    } catch {
      // not JSON: keep the status
    }
    throw new ApiError(r.status, code, message);
  }

  async get<T>(path: string, q?: Query, signal?: AbortSignal): Promise<T> {
    const r = await fetch(this.base + path + qs(q), {
      headers: this.headers(),
      ...(signal ? { signal } : {}),
    });
    if (!r.ok) return this.fail(r);
    return (await r.json()) as T;
  }

  async post<T>(path: string, body: unknown = {}): Promise<T> {
    const r = await fetch(this.base + path, {
      method: 'POST',
      headers: this.headers({ 'content-type': 'application/json' }),
      body: JSON.stringify(body),
    });
    if (!r.ok) return this.fail(r);
    const text = await r.text();
    return (text ? JSON.parse(text) : {}) as T;
  }

  async blob(path: string, signal?: AbortSignal): Promise<Blob> {
    const r = await fetch(this.base + path, { headers: this.headers(), ...(signal ? { signal } : {}) });
    if (!r.ok) return this.fail(r);
    return r.blob();
  }

  /**
   * Reads an SSE endpoint until `signal` aborts; `onOpen` runs once the response headers
   * arrived. Rejects with ApiError on a non-2xx answer, with the network error otherwise.
   */
  async stream(
    path: string,
    onEvent: (e: SseEvent) => void,
    signal: AbortSignal,
    onOpen?: () => void,
  ): Promise<void> {
    const r = await fetch(this.base + path, {
      headers: this.headers({ accept: 'text/event-stream' }),
      signal,
      cache: 'no-store',
    });
    if (!r.ok || !r.body) return this.fail(r);
    onOpen?.();
    const reader = r.body.pipeThrough(new TextDecoderStream()).getReader();
    let state = initialSse();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      const out = feedSse(state, value);
      state = out.state;
      for (const e of out.events) onEvent(e);
    }
  }
}

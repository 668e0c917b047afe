/**
 * Snapshot thumbnails with the hit's box drawn on a canvas. The image needs the bearer
 * key, so it is fetched (not an <img src>) and decoded once into an ImageBitmap kept in a
 * small LRU. Canvases have a fixed size, so cards never move when an image arrives.
 */
import type { Api } from './api.js';
import { boxInImage } from './geo.js';
import type { HitLike } from './model.js';

const CACHE_MAX = 150;
const cache = new Map<string, Promise<ImageBitmap | null>>();

/**
 * At most a few snapshot requests in flight: a wall or a result grid asks for dozens at
 * once, and the API rate-limits per key (a token bucket with a burst of about 60).
 */
const MAX_IN_FLIGHT = 4;
let inFlight = 0;
const waiting: (() => void)[] = [];
async function limited<T>(f: () => Promise<T>): Promise<T> {
  if (inFlight >= MAX_IN_FLIGHT) await new Promise<void>((r) => waiting.push(r));
  inFlight++;
  try {
    return await f();
  } finally {
    inFlight--;
    waiting.shift()?.();
  }
}

function bitmap(api: Api, id: string): Promise<ImageBitmap | null> {
  const got = cache.get(id);
  if (got) {
    cache.delete(id);
    cache.set(id, got);
    return got;
  }
  const p = limited(() => api.blob(`/api/v1/snapshots/${encodeURIComponent(id)}`))
    .then((b) => createImageBitmap(b))
    .catch(() => null);
  cache.set(id, p);
  if (cache.size > CACHE_MAX) {
    const oldest = cache.keys().next().value as string;
    void cache.get(oldest)?.then((bm) => bm?.close());
    cache.delete(oldest);
  }
  return p;
}

export function boxColour(type: string): string {
  if (type === 'person') return '#4cc9f0';
  if (type === 'vehicle') return '#ffd166';
  if (type === 'non_motor' || type === 'object') return '#b8f2a0';
  return '#ff5d73';
}

/** A canvas of `w × h` CSS pixels showing the hit's snapshot (or a placeholder) and its box. */
export function hitCanvas(api: Api, hit: HitLike, w: number, h: number, label: string): HTMLCanvasElement {
  const c = document.createElement('canvas');
  const dpr = Math.min(window.devicePixelRatio || 1, 2);
  c.width = Math.round(w * dpr);
  c.height = Math.round(h * dpr);
  c.className = 'snap';
  c.setAttribute('role', 'img');
  c.setAttribute('aria-label', label);
  const g = c.getContext('2d');
  if (!g) return c;
  g.scale(dpr, dpr);
  const draw = (img: ImageBitmap | null) => {
    g.fillStyle = '#14202e';
    g.fillRect(0, 0, w, h);
    let ox = 0;
    let oy = 0;
    let dw = w;
    let dh = h;
    if (img) {
      // Contain: the whole snapshot visible, letterboxed.
      const k = Math.min(w / img.width, h / img.height);
      dw = img.width * k;
      dh = img.height * k;
      ox = (w - dw) / 2;
      oy = (h - dh) / 2;
      g.drawImage(img, ox, oy, dw, dh);
    } else {
      // No snapshot (yet): a frame-shaped placeholder, the box shows where in the frame.
      g.strokeStyle = '#2b3d52';
      g.strokeRect(0.5, 0.5, w - 1, h - 1);
    }
    // A snapshot is a crop of the frame around the box (its rectangle in `snapshotCrop`;
    // hits stored before it was recorded have none: no box is better than a misplaced one).
    // The placeholder stands for the whole frame.
    if (!hit.box || (img && !hit.snapshotCrop)) return;
    const [x1, y1, x2, y2] = boxInImage(hit.box, img ? hit.snapshotCrop : undefined);
    g.lineWidth = 2;
    g.strokeStyle = boxColour(hit.type);
    g.strokeRect(ox + x1 * dw, oy + y1 * dh, (x2 - x1) * dw, (y2 - y1) * dh);
  };
  draw(null);
  if (hit.snapshot) void bitmap(api, hit.snapshot).then((img) => img && draw(img));
  return c;
}

/**
 * An event's evidence frame (the whole frame with its box and zone drawn at the edge,
 * edge-agent/event-frame.ts) as a canvas of `w × h` CSS pixels, letterboxed.
 */
export function frameCanvas(
  api: Api,
  frameId: string,
  w: number,
  h: number,
  label: string,
): HTMLCanvasElement {
  const c = hitCanvas(api, { snapshot: frameId } as HitLike, w, h, label);
  c.classList.add('frame');
  c.dataset.frame = frameId;
  return c;
}

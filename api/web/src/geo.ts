/**
 * Plane geometry for the route map: camera lat/lon projected onto an SVG box (local
 * equirectangular projection — within a city the error is far below a pixel), org
 * boundaries as padded convex hulls of their cameras (city.yaml has no polygons; a hull of
 * the cameras is what the data supports), and the hops of a route. Pure functions.
 */

import { haversineM, type LatLon } from '../../../contracts/geo.js';

export type { LatLon };
export interface Pt {
  x: number;
  y: number;
}

export interface Projection {
  (p: LatLon): Pt;
  scale: number;
}

/**
 * Fits `points` into a `width × height` box with `pad` pixels of margin, north up, keeping
 * distances true in both axes (a degree of longitude is cos(lat) of a degree of latitude).
 */
export function fitProjection(
  points: readonly LatLon[],
  width: number,
  height: number,
  pad: number,
): Projection {
  const lats = points.map((p) => p.lat);
  const lons = points.map((p) => p.lon);
  const lat0 = lats.length ? (Math.min(...lats) + Math.max(...lats)) / 2 : 0;
  const k = Math.cos((lat0 * Math.PI) / 180);
  const xs = lons.map((l) => l * k);
  const minX = xs.length ? Math.min(...xs) : 0;
  const maxX = xs.length ? Math.max(...xs) : 0;
  const minY = lats.length ? Math.min(...lats) : 0;
  const maxY = lats.length ? Math.max(...lats) : 0;
  const spanX = Math.max(maxX - minX, 1e-6);
  const spanY = Math.max(maxY - minY, 1e-6);
  const scale = Math.min((width - 2 * pad) / spanX, (height - 2 * pad) / spanY);
  const offX = (width - spanX * scale) / 2;
  const offY = (height - spanY * scale) / 2;
  const f = ((p: LatLon) => ({
    x: offX + (p.lon * k - minX) * scale,
    y: offY + (maxY - p.lat) * scale,
  })) as Projection;
  f.scale = scale;
  return f;
}

const cross = (o: Pt, a: Pt, b: Pt) => (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x);

/** Convex hull (Andrew's monotone chain), counter-clockwise in screen terms; input order free. */
export function convexHull(points: readonly Pt[]): Pt[] {
  const p = [...points].sort((a, b) => a.x - b.x || a.y - b.y);
  if (p.length < 3) return p;
  const lower: Pt[] = [];
  for (const q of p) {
    while (lower.length >= 2 && cross(lower[lower.length - 2]!, lower[lower.length - 1]!, q) <= 0)
      lower.pop();
    lower.push(q);
  }
  const upper: Pt[] = [];
  for (let i = p.length - 1; i >= 0; i--) {
    const q = p[i]!;
    while (upper.length >= 2 && cross(upper[upper.length - 2]!, upper[upper.length - 1]!, q) <= 0)
      upper.pop();
    upper.push(q);
  }
  return [...lower.slice(0, -1), ...upper.slice(0, -1)];
}

/**
 * An SVG path around `points` at distance `r`: each point becomes a circle of `r`
 * approximated by `n` vertices, and the hull of them all is the padded boundary (so one or
 * two cameras still get a visible region).
 */
export function paddedHullPath(points: readonly Pt[], r: number, n = 12): string {
  if (!points.length) return '';
  const ring: Pt[] = [];
  for (const p of points) {
    for (let i = 0; i < n; i++) {
      const a = (2 * Math.PI * i) / n;
      ring.push({ x: p.x + r * Math.cos(a), y: p.y + r * Math.sin(a) });
    }
  }
  const hull = convexHull(ring);
  return `${hull.map((q, i) => `${i ? 'L' : 'M'}${q.x.toFixed(1)},${q.y.toFixed(1)}`).join('')}Z`;
}

export interface Sighting extends LatLon {
  tsMs: number;
  camera: string;
}

export interface Hop<S extends Sighting = Sighting> {
  /** 1-based position in time order. */
  n: number;
  s: S;
  /** Time since the previous sighting, ms (undefined for the first). */
  gapMs: number | undefined;
}

/** Sightings in time order, numbered, with the time between consecutive ones. */
export function hopsOf<S extends Sighting>(sightings: readonly S[]): Hop<S>[] {
  const sorted = [...sightings].sort((a, b) => a.tsMs - b.tsMs);
  return sorted.map((s, i) => ({ n: i + 1, s, gapMs: i ? s.tsMs - sorted[i - 1]!.tsMs : undefined }));
}

/** Great-circle distance in metres (contracts/geo.ts). */
export const distanceM = haversineM;

/**
 * Maps a normalised frame box into a snapshot image's coordinates. Snapshots are crops of
 * the frame (docs/architecture.md#edge-agent); when the crop rectangle is known (`cropNorm`, frame coordinates)
 * the box is re-expressed in it, else the snapshot is taken as the whole frame.
 */
export function boxInImage(
  box: readonly [number, number, number, number],
  cropNorm?: readonly [number, number, number, number],
): [number, number, number, number] {
  if (!cropNorm) return [box[0], box[1], box[2], box[3]];
  const [cx1, cy1, cx2, cy2] = cropNorm;
  const w = Math.max(cx2 - cx1, 1e-9);
  const hgt = Math.max(cy2 - cy1, 1e-9);
  const clamp = (v: number) => Math.min(1, Math.max(0, v));
  return [
    clamp((box[0] - cx1) / w),
    clamp((box[1] - cy1) / hgt),
    clamp((box[2] - cx1) / w),
    clamp((box[3] - cy1) / hgt),
  ];
}

/**
 * Markers pushed apart until no two centres are closer than `minDist` (or `iterations` run out):
 * each close pair moves apart along the line between them, half the shortfall each; a pair on the
 * same spot separates along a direction set by its indices. Keeps every hop of a route visible
 * where cameras stand close together. Pure.
 */
export function spreadMarkers(points: readonly Pt[], minDist: number, iterations = 60): Pt[] {
  const p = points.map((q) => ({ x: q.x, y: q.y }));
  for (let it = 0; it < iterations; it++) {
    let moved = false;
    for (let i = 0; i < p.length; i++) {
      for (let j = i + 1; j < p.length; j++) {
        const a = p[i]!;
        const b = p[j]!;
        let dx = b.x - a.x;
        let dy = b.y - a.y;
        let d = Math.hypot(dx, dy);
        if (d >= minDist - 1e-6) continue;
        if (d < 1e-6) {
          const ang = ((i * 7 + j * 13) % 12) * (Math.PI / 6);
          dx = Math.cos(ang);
          dy = Math.sin(ang);
          d = 1;
        } else {
          dx /= d;
          dy /= d;
          d = Math.hypot(b.x - a.x, b.y - a.y);
        }
        const push = (minDist - d) / 2;
        a.x -= dx * push;
        a.y -= dy * push;
        b.x += dx * push;
        b.y += dy * push;
        moved = true;
      }
    }
    if (!moved) break;
  }
  return p;
}

/**
 * Positions on a line (sorted ascending) moved so consecutive ones are at least `minGap` apart,
 * then squeezed back into [lo, hi] when the spacing ran past `hi`. Timeline ticks of hops seconds
 * apart stay readable. Pure.
 */
export function spreadLinear(xs: readonly number[], minGap: number, lo: number, hi: number): number[] {
  const out: number[] = [];
  for (const x of xs) out.push(out.length ? Math.max(x, out[out.length - 1]! + minGap) : Math.max(lo, x));
  const last = out[out.length - 1];
  if (last === undefined || last <= hi || out.length < 2) return out;
  const first = out[0]!;
  const k = (hi - first) / (last - first);
  return out.map((x) => first + (x - first) * k);
}

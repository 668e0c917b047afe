/**
 * Route: a vehicle's sightings on a plot of the camera positions (SVG, no map tiles: many
 * deployments are air-gapped), numbered in time order with the time between hops, org
 * boundaries drawn around each district's and street's cameras, and a timeline below.
 */
import { type Ctx, cameraName, type View } from '../ctx.js';
import { field, fill, h, s, timeInput } from '../dom.js';
import { fmtClock, fmtDuration, fmtTime, fromLocalInput, toLocalInput } from '../format.js';
import {
  fitProjection,
  type Hop,
  hopsOf,
  type Pt,
  paddedHullPath,
  spreadLinear,
  spreadMarkers,
} from '../geo.js';
import { t } from '../i18n.js';
import { ancestors, type Camera, type HitLike, listOf, type RouteStop } from '../model.js';
import { hitCanvas } from '../snapshot.js';
import { caseBar, empty, errorBox, loading } from '../ui.js';

const W = 800;
const H = 520;
const PAD = 60;
const ORG_FILLS = ['#1f6feb', '#d29922', '#3fb950', '#a371f7', '#db61a2', '#39c5cf'];

/** Route answers carry the stops with camera positions; fill any missing position from /cameras. */
export function stopsOf(answer: unknown, camById: Map<string, Camera>): RouteStop[] {
  const rows = listOf<Record<string, unknown>>(answer, 'sightings', 'route', 'stops', 'hops');
  const out: RouteStop[] = [];
  for (const r of rows) {
    const camera = String(r.camera ?? '');
    const cam = camById.get(camera);
    const lat = typeof r.lat === 'number' ? r.lat : cam?.lat;
    const lon = typeof r.lon === 'number' ? r.lon : cam?.lon;
    const tsMs = typeof r.tsMs === 'number' ? r.tsMs : Number(r.ts);
    if (lat === undefined || lon === undefined || !Number.isFinite(tsMs)) continue;
    out.push({ ...r, camera, lat, lon, tsMs });
  }
  return out;
}

function orgRegions(ctx: Ctx, proj: (p: { lat: number; lon: number }) => Pt): SVGElement[] {
  // Cameras per org, through the camera's grid's ancestors.
  const byOrg = new Map<string, Pt[]>();
  for (const c of ctx.cameras) {
    for (const o of ancestors(ctx.orgIndex, c.grid)) {
      const list = byOrg.get(o) ?? [];
      list.push(proj(c));
      byOrg.set(o, list);
    }
  }
  const els: SVGElement[] = [];
  let i = 0;
  for (const [id, pts] of byOrg) {
    const info = ctx.orgIndex.get(id);
    if (!info || (info.node.kind !== 'county' && info.node.kind !== 'town')) continue;
    const county = info.node.kind === 'county';
    const colour = ORG_FILLS[i++ % ORG_FILLS.length]!;
    // County names above their region, street (town) names below theirs, so the two never collide.
    const top = pts.reduce((a, b) => (b.y < a.y ? b : a));
    const bottom = pts.reduce((a, b) => (b.y > a.y ? b : a));
    els.push(
      s(
        'g',
        { class: `org org-${info.node.kind}`, 'data-org': id },
        s('path', {
          d: paddedHullPath(pts, county ? 34 : 18),
          fill: colour,
          'fill-opacity': county ? 0.1 : 0.06,
          stroke: colour,
          'stroke-dasharray': county ? '' : '4 3',
          'stroke-width': county ? 1.5 : 1,
        }),
        s(
          'text',
          {
            x: county ? top.x : bottom.x,
            y: county ? top.y - 40 : bottom.y + 34,
            'text-anchor': 'middle',
            class: 'org-label',
            fill: colour,
          },
          info.node.name,
        ),
      ),
    );
  }
  return els;
}

function mapSvg(ctx: Ctx, hops: Hop<RouteStop>[]): SVGElement {
  const pts = [...ctx.cameras.map((c) => ({ lat: c.lat, lon: c.lon })), ...hops.map((x) => x.s)];
  const proj = fitProjection(pts, W, H, PAD);
  const svg = s('svg', {
    viewBox: `0 0 ${W} ${H}`,
    class: 'route-map',
    role: 'img',
    'aria-label': `${t('route')}: ${hops.length} ${t('sightings')}`,
  });
  svg.appendChild(
    s(
      'defs',
      {},
      s(
        'marker',
        {
          id: 'arrow',
          viewBox: '0 0 10 10',
          refX: 9,
          refY: 5,
          markerWidth: 7,
          markerHeight: 7,
          orient: 'auto-start-reverse',
        },
        s('path', { d: 'M0,0L10,5L0,10z', fill: '#ffd166' }),
      ),
    ),
  );
  for (const r of orgRegions(ctx, proj)) svg.appendChild(r);
  for (const c of ctx.cameras) {
    const p = proj(c);
    svg.appendChild(
      s(
        'circle',
        { cx: p.x, cy: p.y, r: 4, class: 'cam-dot', 'data-camera': c.id },
        s('title', {}, cameraName(ctx, c.id)),
      ),
    );
  }
  // Legs between consecutive hops, with the time taken at the midpoint.
  for (let i = 1; i < hops.length; i++) {
    const a = proj(hops[i - 1]!.s);
    const b = proj(hops[i]!.s);
    const len = Math.hypot(b.x - a.x, b.y - a.y);
    if (len < 1) continue;
    const ux = (b.x - a.x) / len;
    const uy = (b.y - a.y) / len;
    svg.appendChild(
      s('line', {
        x1: a.x + ux * 13,
        y1: a.y + uy * 13,
        x2: b.x - ux * 14,
        y2: b.y - uy * 14,
        class: 'leg',
        'marker-end': 'url(#arrow)',
      }),
    );
    const gap = hops[i]!.gapMs;
    // Legs too short for a label keep their time in the hop list below.
    if (gap !== undefined && len > 60) {
      svg.appendChild(
        s(
          'text',
          {
            x: (a.x + b.x) / 2 - uy * 12,
            y: (a.y + b.y) / 2 + ux * 12,
            class: 'leg-label',
            'text-anchor': 'middle',
          },
          fmtDuration(gap),
        ),
      );
    }
  }
  // Numbered hop markers; repeated visits to one camera fan out around it, and markers of cameras
  // that stand close together are pushed apart so no stop hides another.
  const visits = new Map<string, number>();
  const wanted = hops.map((hop) => {
    const base = proj(hop.s);
    const k = visits.get(hop.s.camera) ?? 0;
    visits.set(hop.s.camera, k + 1);
    const a = (k * Math.PI) / 3 - Math.PI / 2;
    return k ? { x: base.x + 22 * Math.cos(a), y: base.y + 22 * Math.sin(a) } : base;
  });
  const placed = spreadMarkers(wanted, 26);
  for (const [i, hop] of hops.entries()) {
    const p = placed[i]!;
    svg.appendChild(
      s(
        'g',
        { class: 'hop', 'data-hop': hop.n },
        s('circle', { cx: p.x, cy: p.y, r: 12 }),
        s('text', { x: p.x, y: p.y + 4, 'text-anchor': 'middle' }, String(hop.n)),
        s('title', {}, `${hop.n}. ${fmtTime(hop.s.tsMs)} ${cameraName(ctx, hop.s.camera)}`),
      ),
    );
  }
  return svg;
}

/** The stop's snapshot, small (a fixed-size canvas, blank when there is none). */
function hopThumb(ctx: Ctx, stop: RouteStop): HTMLElement {
  const snapshot = typeof stop.snapshot === 'string' && stop.snapshot ? stop.snapshot : undefined;
  const hit: HitLike = {
    v: 1,
    id: String(stop.id ?? ''),
    tsMs: stop.tsMs,
    gateway: '',
    camera: stop.camera,
    kind: 'sighting',
    type: 'vehicle',
    label: 'vehicle',
    score: 1,
  };
  if (snapshot) hit.snapshot = snapshot;
  return hitCanvas(ctx.api, hit, 64, 48, `${stop.camera} ${fmtTime(stop.tsMs)}`);
}

function timeline(ctx: Ctx, hops: Hop<RouteStop>[]): HTMLElement {
  const t0 = hops[0]!.s.tsMs;
  const t1 = hops[hops.length - 1]!.s.tsMs;
  const span = Math.max(t1 - t0, 1);
  const TW = 800;
  // Hops seconds apart would stack their ticks: at least 22 px between consecutive ones.
  const xs = spreadLinear(
    hops.map((hop) => 30 + ((hop.s.tsMs - t0) / span) * (TW - 60)),
    22,
    30,
    TW - 30,
  );
  const x = (i: number) => xs[i]!;
  const svg = s(
    'svg',
    { viewBox: `0 0 ${TW} 64`, class: 'timeline', 'aria-hidden': 'true' },
    s('line', { x1: 30, y1: 30, x2: TW - 30, y2: 30, class: 'axis' }),
    ...hops.map((hop, i) =>
      s(
        'g',
        { class: 'tick' },
        s('circle', { cx: x(i), cy: 30, r: 9 }),
        s('text', { x: x(i), y: 34, 'text-anchor': 'middle' }, String(hop.n)),
        s(
          'text',
          { x: x(i), y: i % 2 ? 58 : 14, 'text-anchor': 'middle', class: 'tick-time' },
          fmtClock(hop.s.tsMs),
        ),
      ),
    ),
  );
  const list = h(
    'ol',
    { className: 'hops' },
    ...hops.map((hop) =>
      h(
        'li',
        { dataset: { hop: String(hop.n) } },
        h('span', { className: 'hop-n' }, String(hop.n)),
        hopThumb(ctx, hop.s),
        h('time', { dateTime: new Date(hop.s.tsMs).toISOString() }, fmtTime(hop.s.tsMs)),
        h('span', { className: 'hop-cam' }, cameraName(ctx, hop.s.camera)),
        h('span', { className: 'hop-gap' }, hop.gapMs === undefined ? '' : `+${fmtDuration(hop.gapMs)}`),
      ),
    ),
  );
  return h(
    'section',
    { className: 'timeline-box', attrs: { 'aria-label': t('timeline') } },
    h('h3', null, t('timeline')),
    svg,
    list,
  );
}

export const routeView: View = (root, ctx) => {
  const now = Date.now();
  const plate = h('input', {
    type: 'text',
    required: true,
    maxLength: 16,
    autocomplete: 'off',
    spellcheck: false,
    name: 'plate',
    value: ctx.params.get('plate') ?? '',
  });
  const from = timeInput(toLocalInput(now - 7 * 86_400_000));
  const to = timeInput(toLocalInput(now + 5 * 60_000));
  const out = h('div', { className: 'route-out', attrs: { 'aria-live': 'polite' } }, empty());
  let ran = false;
  const run = async () => {
    fill(out, loading());
    try {
      const answer = await ctx.api.get('/api/v1/vehicles/route', {
        plate: plate.value.trim(),
        from: fromLocalInput(from.value),
        to: fromLocalInput(to.value),
        caseId: cb.value(),
      });
      const hops = hopsOf(stopsOf(answer, ctx.camById));
      if (!hops.length) {
        fill(out, empty(t('noRoute')));
        return;
      }
      const summary = h(
        'p',
        { className: 'route-summary', attrs: { role: 'status' } },
        h('span', { className: 'plate' }, plate.value.trim()),
        ` · ${hops.length} ${t('sightings')} · ${hops.length - 1} ${t('hops')} · ${fmtDuration(hops[hops.length - 1]!.s.tsMs - hops[0]!.s.tsMs)}`,
      );
      fill(
        out,
        summary,
        h('div', { className: 'map-box' }, mapSvg(ctx, hops)),
        h('p', { className: 'hint' }, t('orgBoundaries')),
        timeline(ctx, hops),
      );
    } catch (e) {
      fill(
        out,
        errorBox(e, () => void run()),
      );
    }
  };
  const cb = caseBar(ctx, 'hit_and_run', (caseId) => {
    if (!ran && caseId && plate.value) {
      ran = true;
      void run();
    }
  });
  const form = h(
    'form',
    { className: 'search-form', attrs: { 'aria-label': t('route') } },
    field(t('plate'), plate),
    field(t('from'), from),
    field(t('to'), to),
    h('button', { type: 'submit', className: 'primary' }, t('showRoute')),
  );
  form.onsubmit = (ev) => {
    ev.preventDefault();
    ran = true;
    void run();
  };
  fill(root, cb.el, form, out);
  return undefined;
};
